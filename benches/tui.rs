//! One frame of `vrrplab tui` on a 1,000,000-packet capture, drawn on
//! ratatui's TestBackend at 160×48: at the start, deep in the capture with
//! a field selected, after a page down, and mid-replay. The capture (about
//! 2.8 hours: two virtual routers, a failover every 5 minutes, ARP traffic)
//! is built here and written to a temporary pcap, which is then opened the
//! way `vrrplab tui FILE` opens it; the time to load and analyse it is
//! printed once.

use criterion::{criterion_group, criterion_main, Criterion};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use etherparse::{ArpHardwareId, ArpOperation, ArpPacket, EtherType, IpNumber, PacketBuilder};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;
use vrrplab::capture::writer::PcapWriter;
use vrrplab::capture::{LinkType, Timestamp};
use vrrplab::tui::{self, App, FileFeed, Theme};
use vrrplab::wire::vrrp::{Auth, AuthType, ChecksumVariant, Interval, Repr, MCAST_V4};

const PACKETS: usize = 1_000_000;
const T0: i64 = 1_767_225_600_000_000;

fn mac(n: u8) -> [u8; 6] {
    [2, 0, 0, 0, 0, n]
}

fn advert(vrid: u8, n: u8, prio: u8) -> Vec<u8> {
    let repr = Repr {
        msg_type: 1,
        vrid,
        priority: prio,
        interval: Interval::Seconds(1),
        auth: Auth::V2 { auth_type: AuthType::Simple, data: Some(*b"1111\0\0\0\0") },
        addrs: vec![IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100 + vrid - 51))],
    };
    let src = Ipv4Addr::new(192, 0, 2, n);
    let payload = repr.to_bytes(IpAddr::V4(src), IpAddr::V4(MCAST_V4), ChecksumVariant::Rfc);
    let mut out = Vec::new();
    PacketBuilder::ethernet2(mac(n), [1, 0, 0x5e, 0, 0, 0x12])
        .ipv4(src.octets(), MCAST_V4.octets(), 255)
        .write(&mut out, IpNumber(112), &payload)
        .expect("vec");
    out
}

fn arp(n: u8, op: ArpOperation, spa: [u8; 4], tpa: [u8; 4]) -> Vec<u8> {
    let pkt = ArpPacket::new(ArpHardwareId::ETHERNET, EtherType::IPV4, op, &mac(n), &spa, &[0xff; 6], &tpa).expect("arp");
    let mut out = Vec::new();
    PacketBuilder::ethernet2(mac(n), [0xff; 6]).arp(pkt).write(&mut out).expect("vec");
    out
}

/// A million frames, 100 a second: each second the masters of VRID 51 and
/// 52 advertise and hosts ARP; every 300 s the master of VRID 51 crashes
/// and the other router takes over 3.6 s later with five GARPs.
fn write_capture(path: &std::path::Path) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = PcapWriter::new(std::io::BufWriter::new(f), LinkType::Ethernet, 65535, false).unwrap();
    let ads = [advert(51, 11, 100), advert(51, 12, 90), advert(52, 13, 100)];
    let garps = [arp(11, ArpOperation::REQUEST, [192, 0, 2, 100], [192, 0, 2, 100]), arp(12, ArpOperation::REQUEST, [192, 0, 2, 100], [192, 0, 2, 100])];
    let req = arp(30, ArpOperation::REQUEST, [192, 0, 2, 30], [192, 0, 2, 100]);
    let rep = arp(11, ArpOperation::REPLY, [192, 0, 2, 100], [192, 0, 2, 30]);
    let mut n = 0;
    let mut sec = 0i64;
    while n < PACKETS {
        let epoch = sec / 300;
        let master = (epoch % 2) as usize;
        let in_epoch = sec % 300;
        let mut put = |us: i64, data: &[u8]| {
            if n < PACKETS {
                w.write(Timestamp::from_micros(T0 + sec * 1_000_000 + us), data.len() as u32, data).unwrap();
                n += 1;
            }
        };
        // The new master's first advert comes 3.6 s after the crash, with GARPs.
        if !(1..=3).contains(&in_epoch) || sec < 300 {
            let late = if in_epoch == 4 && sec >= 300 { 609_375 } else { 0 };
            put(late, &ads[master]);
            if late > 0 {
                for g in 0..5 {
                    put(late + 100 + g * 1000, &garps[master]);
                }
            }
        }
        put(250_000, &ads[2]);
        for k in 0..49 {
            put(300_000 + k * 14_000, &req);
            put(300_000 + k * 14_000 + 200, &rep);
        }
        sec += 1;
    }
    w.flush().unwrap();
}

fn draw(term: &mut Terminal<TestBackend>, app: &mut App) {
    term.draw(|f| tui::draw(f, app)).unwrap();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million.pcap");
    write_capture(&path);
    let start = Instant::now();
    let mut app = App::new(Box::new(FileFeed::open(&path).unwrap()), Theme::dark());
    tui::load(&mut app, usize::MAX);
    eprintln!(
        "opened {} frames and analysed them in {:.2} s ({} findings, {} changes of master)",
        app.frames.len(),
        start.elapsed().as_secs_f64(),
        app.analysis.report.findings.len(),
        app.analysis.report.timeline.len()
    );
    assert_eq!(app.frames.len(), PACKETS);
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let now = Instant::now();
    let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);

    c.bench_function("tui: draw, first packet selected (1M packets)", |b| b.iter(|| draw(&mut term, &mut app)));

    app.goto(PACKETS / 2, now);
    app.key(key('\t'), now);
    for _ in 0..30 {
        app.key(key('j'), now);
    }
    c.bench_function("tui: draw, packet 500000 with a field selected", |b| b.iter(|| draw(&mut term, &mut app)));

    app.key(key('\t'), now);
    app.key(key('\t'), now);
    app.key(key('\t'), now);
    app.key(key('\t'), now);
    c.bench_function("tui: page down and draw", |b| {
        b.iter(|| {
            app.key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE), now);
            draw(&mut term, &mut app);
        })
    });

    app.goto(PACKETS / 3, now);
    app.key(key(' '), now);
    app.tick(now + std::time::Duration::from_secs(5));
    c.bench_function("tui: draw mid-replay", |b| b.iter(|| draw(&mut term, &mut app)));
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
