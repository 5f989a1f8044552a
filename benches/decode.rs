//! Per-packet costs of the read path: layered decoding, VRRP parsing, and
//! printing tcpdump lines (default and -v) for a VRRP advert and a GARP.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use vrrplab::capture::{Frame, LinkType, Timestamp};
use vrrplab::print::{time::TimeFormat, FrameView, Numbers, Options, Printer, Tcpdump};
use vrrplab::wire::decode::decode;
use vrrplab::wire::vrrp::{Family, Packet, Repr};

/// A keepalived VRRPv2 advert (simple auth "1111") in Ethernet.
const VRRP: &[u8] = &[
    0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33, 0x08, 0x00, 0x45, 0xc0, 0x00, 0x28, 0x00,
    0x01, 0x00, 0x00, 0xff, 0x70, 0xd8, 0x9e, 0xc0, 0x00, 0x02, 0x0b, 0xe0, 0x00, 0x00, 0x12, 0x21, 0x33, 0x64, 0x01,
    0x01, 0x01, 0x83, 0x66, 0xc0, 0x00, 0x02, 0xfe, 0x31, 0x31, 0x31, 0x31, 0x00, 0x00, 0x00, 0x00,
];

/// A keepalived gratuitous ARP, padded to 60 bytes.
const GARP: &[u8] = &[
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06,
    0x04, 0x00, 0x01, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33, 0xc0, 0x00, 0x02, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xc0, 0x00, 0x02, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];

fn frame(data: &[u8]) -> Frame {
    Frame {
        ts: Timestamp::new(1_795_308_591, 250_000_000),
        orig_len: data.len() as u32,
        linktype: LinkType::Ethernet,
        interface: 0,
        data: data.to_vec(),
    }
}

fn benches(c: &mut Criterion) {
    c.bench_function("decode vrrp frame", |b| {
        b.iter(|| black_box(decode(LinkType::Ethernet, black_box(VRRP))).vrrp().is_some())
    });
    let d = decode(LinkType::Ethernet, VRRP);
    let payload = d.vrrp().map(|(_, p)| p).unwrap_or_default();
    c.bench_function("parse vrrp repr", |b| {
        b.iter(|| Repr::parse(&Packet::new_unchecked(black_box(payload)), Family::Ipv4).is_ok())
    });
    for (name, data) in [("vrrp", VRRP), ("garp", GARP)] {
        let f = frame(data);
        for verbose in [0, 1] {
            let mut p = Tcpdump::new(Options { verbose, time: TimeFormat::TimeOfDay, ..Options::default() });
            let mut out = Vec::with_capacity(1 << 16);
            c.bench_function(&format!("print {name} line -v{verbose}"), |b| {
                b.iter(|| {
                    out.clear();
                    p.print(Numbers { printed: 1, in_file: 1 }, &FrameView::new(black_box(&f)), &mut out);
                    out.len()
                })
            });
        }
    }
}

criterion_group!(decode_benches, benches);
criterion_main!(decode_benches);
