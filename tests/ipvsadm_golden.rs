//! The simulator's ipvsadm listings against the real ipvsadm 1.31.
//!
//! The real binary cannot list a kernel table here (no `ip_vs` module in a
//! container), so `tests/support/fake_ipvs.c`, loaded with LD_PRELOAD,
//! answers its getsockopt() queries and serves /proc/net/ip_vs_conn from the
//! state the simulator built. Both outputs must be byte-identical.
//!
//! Needs `ipvsadm` and a C compiler; skipped without them, except in CI
//! (`CI=true`), where that is a failure.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use vrrplab::engine::ipvs::dest::Forward;
use vrrplab::engine::ipvs::ipvsadm::parse::parse;
use vrrplab::engine::ipvs::kernel::{Ipvs, KernelConfig};
use vrrplab::engine::ipvs::packet::Ipv4;
use vrrplab::engine::ipvs::service::{Proto, ServiceKey};

fn tools(dir: &Path) -> Option<PathBuf> {
    let have = |cmd: &str| Process::new("sh").arg("-c").arg(format!("command -v {cmd}")).output().is_ok_and(|o| o.status.success());
    if !have("ipvsadm") || !have("cc") {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must have ipvsadm and cc");
        eprintln!("skipped: ipvsadm or cc missing");
        return None;
    }
    let so = dir.join("fake_ipvs.so");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/fake_ipvs.c");
    let st = Process::new("cc").args(["-shared", "-fPIC", "-o"]).arg(&so).arg(&src).arg("-ldl").status().expect("cc runs");
    assert!(st.success(), "building the shim");
    Some(so)
}

fn stats(out: &mut String, c: &vrrplab::engine::ipvs::dest::Counters, r: &vrrplab::engine::ipvs::estimator::Rates) {
    let _ = write!(
        out,
        " {} {} {} {} {} {} {} {} {} {}",
        c.conns, c.inpkts, c.outpkts, c.inbytes, c.outbytes, r.cps, r.inpps, r.outpps, r.inbps, r.outbps
    );
}

/// The director's table in the shim's format, and /proc/net/ip_vs_conn.
fn dump(ipvs: &Ipvs, now_us: u64) -> (String, String) {
    let mut t = String::new();
    let (tcp, fin, udp) = ipvs.timeouts().triple();
    let _ = writeln!(t, "timeout {tcp} {fin} {udp}");
    for v in ipvs.services() {
        let (proto, addr, port, mark) = match v.spec.key {
            ServiceKey::Inet { proto, addr, port } => (proto.number(), addr, port, 0),
            ServiceKey::Fwmark(m) => (0, "0.0.0.0".parse().unwrap(), 0, m),
        };
        let f = v.spec.flags;
        let flags = 0x2
            | u32::from(v.spec.persistence.is_some())
            | if v.spec.one_packet { 0x4 } else { 0 }
            | if f.fallback { 0x8 } else { 0 }
            | if f.port { 0x10 } else { 0 }
            | if f.flag3 { 0x20 } else { 0 };
        let (timeout, mask) = v.spec.persistence.map_or((0, "255.255.255.255".parse().unwrap()), |p| (p.timeout_s, p.netmask));
        let mark_proto = if mark != 0 { 6 } else { proto };
        let _ = write!(t, "svc {mark_proto} {addr} {port} {mark} {} {flags} {timeout} {mask}", v.spec.scheduler);
        stats(&mut t, v.stats, &v.rates);
        t.push('\n');
        for (_, d) in v.dests.iter() {
            let cf = match d.forward {
                Forward::Masq => 0,
                Forward::Tunnel => 2,
                Forward::Route => 3,
            };
            let _ = write!(
                t,
                "dest {} {} {cf} {} {} {} {} {} {}",
                d.addr, d.port, d.weight, d.u_threshold, d.l_threshold, d.active, d.inactive, d.persistent
            );
            stats(&mut t, &d.stats, &d.rate.rates());
            t.push('\n');
        }
    }
    let mut c = String::from("Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n");
    for (_, e) in ipvs.conns() {
        let state = if e.template { "NONE" } else { e.state.name() };
        let _ = writeln!(
            c,
            "{:<3} {:08X} {:04X} {:08X} {:04X} {:08X} {:04X} {:<11} {:>7}",
            e.proto.map_or("IP", Proto::upper),
            u32::from(e.caddr),
            e.cport,
            u32::from(e.vaddr),
            e.vport,
            u32::from(e.daddr),
            e.dport,
            state,
            e.expires_in_s(now_us)
        );
    }
    (t, c)
}

fn tcp(src: (&str, u16), dst: (&str, u16), flags: u8) -> Vec<u8> {
    let mut b = etherparse::PacketBuilder::ipv4(src.0.parse::<std::net::Ipv4Addr>().unwrap().octets(), dst.0.parse::<std::net::Ipv4Addr>().unwrap().octets(), 64)
        .tcp(src.1, dst.1, 1, 1000);
    if flags & 2 != 0 {
        b = b.syn();
    }
    if flags & 0x10 != 0 {
        b = b.ack(1);
    }
    let mut out = Vec::new();
    b.write(&mut out, &[]).unwrap();
    assert!(Ipv4::parse(&out).is_some());
    out
}

fn director() -> (Ipvs, u64) {
    let mut k = Ipvs::new(KernelConfig { hash: Default::default(), seed: 3, source: "192.0.2.10".parse().unwrap() }, 0);
    for line in [
        "-A -t 192.0.2.100:80 -s rr",
        "-a -t 192.0.2.100:80 -r 192.0.2.21:80 -g -w 1",
        "-a -t 192.0.2.100:80 -r 192.0.2.22:80 -g -w 2 -x 500 -y 100",
        "-A -t 192.0.2.101:443 -s sh -b sh-fallback,sh-port -p 600 -M 255.255.255.0",
        "-a -t 192.0.2.101:443 -r 192.0.2.23:8443 -m -w 3",
        "-A -u 192.0.2.100:53 -s wrr -o",
        "-a -u 192.0.2.100:53 -r 192.0.2.24 -i -w 0",
        "-A -f 3 -s wlc -p",
        "-a -f 3 -r 192.0.2.25 -g",
        "-A -t 10.0.0.1:80 -s mh -b mh-port",
    ] {
        parse(line).unwrap().apply(&mut k, 0).unwrap();
    }
    let mut now = 0;
    for i in 0..40u16 {
        now = u64::from(i) * 100_000;
        k.local_in(now, &tcp(("198.51.100.7", 30000 + i), ("192.0.2.100", 80), 2), 0);
        k.local_in(now, &tcp(("198.51.100.7", 30000 + i), ("192.0.2.100", 80), 0x10), 0);
        k.local_in(now, &tcp(("198.51.100.8", 40000 + i), ("192.0.2.101", 443), 2), 0);
    }
    k.local_in(now, &tcp(("198.51.100.9", 5555), ("192.0.2.100", 80), 2), 3);
    k.on_timer(4_000_000);
    (k, 4_000_000)
}

#[test]
fn listings_are_byte_identical_to_ipvsadm() {
    let dir = tempfile::tempdir().unwrap();
    let Some(shim) = tools(dir.path()) else { return };
    let (mut k, now) = director();
    let (table, conns) = dump(&k, now);
    std::fs::write(dir.path().join("table"), table).unwrap();
    std::fs::write(dir.path().join("conns"), conns).unwrap();
    for args in [
        "-Ln",
        "-L -n --nosort",
        "-Ln --stats",
        "-Ln --stats --exact",
        "-Ln --rate",
        "-Ln --thresholds",
        "-Ln --persistent-conn",
        "-Ln -t 192.0.2.101:443",
        "-Ln -f 3",
        "-Lnc",
        "-L --timeout",
        "-Sn",
    ] {
        let real = Process::new("ipvsadm")
            .args(args.split_whitespace())
            .env("LD_PRELOAD", &shim)
            .env("IPVS_FAKE", dir.path().join("table"))
            .env("IPVS_FAKE_CONN", dir.path().join("conns"))
            .output()
            .unwrap();
        assert!(real.status.success(), "ipvsadm {args}: {}", String::from_utf8_lossy(&real.stderr));
        let ours = parse(args).unwrap().apply(&mut k, now).unwrap();
        let real = String::from_utf8(real.stdout).unwrap();
        assert!(!real.is_empty(), "ipvsadm {args} printed nothing");
        assert_eq!(ours, real, "ipvsadm {args}");
    }
}
