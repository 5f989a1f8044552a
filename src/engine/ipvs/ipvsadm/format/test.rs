use super::*;
use crate::engine::ipvs::ipvsadm::parse::parse;
use crate::engine::ipvs::kernel::KernelConfig;
use crate::engine::ipvs::packet::testkit::tcp;

fn director(script: &[&str]) -> Ipvs {
    let mut k = Ipvs::new(KernelConfig { hash: Default::default(), seed: 1, source: "192.0.2.10".parse().unwrap() }, 0);
    for line in script {
        parse(line).unwrap().apply(&mut k, 0).unwrap();
    }
    k
}

fn ln(k: &mut Ipvs, args: &str, now: u64) -> String {
    parse(args).unwrap().apply(k, now).unwrap()
}

const LVS_DR: &[&str] = &[
    "-C",
    "-A -t 192.0.2.100:80 -s rr",
    "-a -t 192.0.2.100:80 -r 192.0.2.21:80 -g -w 1",
    "-a -t 192.0.2.100:80 -r 192.0.2.22:80 -g -w 1",
];

#[test]
fn ln_matches_the_seed_listing() {
    let mut k = director(LVS_DR);
    // Seed 001 (`ipvsadm -ln` after lvs_dr.sh), addresses replaced.
    let want = "IP Virtual Server version 1.2.1 (size=4096)\n\
Prot LocalAddress:Port Scheduler Flags\n\
\x20 -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n\
TCP  192.0.2.100:80 rr\n\
\x20 -> 192.0.2.21:80                Route   1      0          0         \n\
\x20 -> 192.0.2.22:80                Route   1      0          0         \n";
    assert_eq!(ln(&mut k, "-Ln", 0), want);
    assert_eq!(ln(&mut k, "-L -n", 0), want);
    assert_eq!(ln(&mut k, "--list --numeric", 0), want);
}

#[test]
fn counters_and_flags_in_the_listing() {
    let mut k = director(&[
        "-A -t 192.0.2.100:80 -s sh -b sh-fallback,sh-port -p 600 -M 255.255.255.0",
        "-a -t 192.0.2.100:80 -r 192.0.2.21:8080 -m -w 3",
        "-A -f 3 -s wlc",
        "-a -f 3 -r 192.0.2.22 -g",
        "-A -u 192.0.2.100:53 -s rr -o",
        "-a -u 192.0.2.100:53 -r 192.0.2.23 -i -w 0",
    ]);
    k.local_in(0, &tcp(("198.51.100.1".parse().unwrap(), 4000), ("192.0.2.100".parse().unwrap(), 80), "S", b""), 0);
    let want = "IP Virtual Server version 1.2.1 (size=4096)\n\
Prot LocalAddress:Port Scheduler Flags\n\
\x20 -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n\
TCP  192.0.2.100:80 sh (sh-fallback,sh-port) persistent 600 mask 255.255.255.0\n\
\x20 -> 192.0.2.21:8080              Masq    3      0          1         \n\
UDP  192.0.2.100:53 rr ops\n\
\x20 -> 192.0.2.23:53                Tunnel  0      0          0         \n\
FWM  3 wlc\n\
\x20 -> 192.0.2.22:0                 Route   1      0          0         \n";
    assert_eq!(ln(&mut k, "-Ln", 0), want);
    let pc = ln(&mut k, "-Ln --persistent-conn -t 192.0.2.100:80", 0);
    assert_eq!(
        pc,
        "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n\
\x20 -> RemoteAddress:Port\n\
TCP  192.0.2.100:80 sh (sh-fallback,sh-port) persistent 600 mask 255.255.255.0\n\
\x20 -> 192.0.2.21:8080              3         1           0          1         \n"
    );
}

#[test]
fn services_sort_with_wrapping_int_differences() {
    let mut k = director(&["-A -t 192.0.2.1:80", "-A -t 10.0.0.1:80", "-A -t 192.0.2.1:22", "-A -f 1"]);
    let out = ln(&mut k, "-Ln", 0);
    let lines: Vec<&str> = out.lines().skip(3).collect();
    // fwmark 0 < 1, then 192.0.2.1 < 10.0.0.1 because 0x0a000001 - 0xc0000201 wraps positive.
    assert_eq!(lines, ["TCP  192.0.2.1:22 wlc", "TCP  192.0.2.1:80 wlc", "TCP  10.0.0.1:80 wlc", "FWM  1 wlc"]);
    let out = ln(&mut k, "-Ln --nosort", 0);
    assert_eq!(out.lines().nth(3), Some("TCP  192.0.2.1:80 wlc"));
}

#[test]
fn dests_sort_by_address_then_port() {
    let mut k = director(&[
        "-A -t 192.0.2.100:80 -s rr",
        "-a -t 192.0.2.100:80 -r 192.0.2.21:80 -m",
        "-a -t 192.0.2.100:80 -r 192.0.2.22:80 -m",
        "-a -t 192.0.2.100:80 -r 192.0.2.21:81 -m",
    ]);
    let dests: Vec<String> = ln(&mut k, "-Ln", 0).lines().skip(4).map(|l| l[5..20].trim().to_string()).collect();
    assert_eq!(dests, ["192.0.2.21:80", "192.0.2.21:81", "192.0.2.22:80"]);
    let unsorted: Vec<String> = ln(&mut k, "-Ln --nosort", 0).lines().skip(4).map(|l| l[5..20].trim().to_string()).collect();
    // Kernel list order: newest first.
    assert_eq!(unsorted, ["192.0.2.21:81", "192.0.2.22:80", "192.0.2.21:80"]);
}

#[test]
fn stats_and_rate_columns() {
    let mut k = director(LVS_DR);
    let vip = "192.0.2.100".parse().unwrap();
    for i in 0..4u16 {
        k.local_in(0, &tcp(("198.51.100.1".parse().unwrap(), 1000 + i), (vip, 80), "S", b""), 0);
    }
    let stats = ln(&mut k, "-Ln --stats", 0);
    let want = "IP Virtual Server version 1.2.1 (size=4096)\n\
Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n\
\x20 -> RemoteAddress:Port\n\
TCP  192.0.2.100:80                      4        4        0      160        0\n\
\x20 -> 192.0.2.21:80                       2        2        0       80        0\n\
\x20 -> 192.0.2.22:80                       2        2        0       80        0\n";
    assert_eq!(stats, want);
    k.on_timer(2_000_000);
    let rate = ln(&mut k, "-Ln --rate", 2_000_000);
    assert_eq!(rate.lines().nth(1), Some("Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS"));
    // 4 conns and 160 bytes in 2 s: cps (4<<9>>2 + 511)>>10 = 0, bps ((160<<4>>2) + 15)>>5 = 20.
    assert_eq!(rate.lines().nth(3), Some("TCP  192.0.2.100:80                      0        0        0       20        0"));
    assert_eq!(rate.lines().nth(4), Some("  -> 192.0.2.21:80                       0        0        0       10        0"));
}

#[test]
fn large_numbers_get_units() {
    let f = Format::default();
    let cases = [(99_999_999, "  99999999"), (100_000_000, "  100000K"), (1_500_000_000, "     1500M"), (123_000_000_000, "      123G"), (100_000_000_000_000, "      100T")];
    for (n, want) in cases {
        let mut s = String::new();
        largenum(&mut s, n, &f);
        assert_eq!(s.trim_start(), want.trim_start(), "{n}");
        assert!(s.len() == 9, "{n}: {s:?}");
    }
    let mut s = String::new();
    largenum(&mut s, 1_500_000_000, &Format { exact: true, ..f });
    assert_eq!(s, " 1500000000");
}

#[test]
fn thresholds_listing() {
    let mut k = director(&["-A -t 192.0.2.100:80 -s rr", "-a -t 192.0.2.100:80 -r 192.0.2.21 -x 100 -y 50"]);
    let out = ln(&mut k, "-Ln --thresholds", 0);
    assert_eq!(
        out,
        "IP Virtual Server version 1.2.1 (size=4096)\n\
Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n\
\x20 -> RemoteAddress:Port\n\
TCP  192.0.2.100:80 rr\n\
\x20 -> 192.0.2.21:80                100        50         0          0         \n"
    );
}

#[test]
fn connection_listing() {
    let mut k = director(&["-A -t 192.0.2.100:80 -s rr -p", "-a -t 192.0.2.100:80 -r 192.0.2.21 -g"]);
    let (c, v) = (("198.51.100.5".parse().unwrap(), 51234), ("192.0.2.100".parse().unwrap(), 80));
    k.local_in(0, &tcp(c, v, "S", b""), 0);
    k.local_in(1_000_000, &tcp(c, v, "A", b""), 0);
    let out = ln(&mut k, "-Lnc", 2_500_000);
    assert_eq!(
        out,
        "IPVS connection entries\n\
pro expire state       source             virtual            destination\n\
TCP 05:57  NONE        198.51.100.5:0     192.0.2.100:80     192.0.2.21:80\n\
TCP 14:58  ESTABLISHED 198.51.100.5:51234 192.0.2.100:80     192.0.2.21:80\n"
    );
    assert_eq!(ln(&mut k, "-L --timeout", 0), "Timeout (tcp tcpfin udp): 900 120 300\n");
}

#[test]
fn fwmark_template_shows_ip_and_the_mark() {
    let mut k = director(&["-A -f 3 -s rr -p 60", "-a -f 3 -r 192.0.2.21 -g"]);
    let p = tcp(("198.51.100.5".parse().unwrap(), 4000), ("192.0.2.100".parse().unwrap(), 80), "S", b"");
    k.local_in(0, &p, 3);
    let out = ln(&mut k, "-Lnc", 0);
    assert_eq!(out.lines().nth(2), Some("IP  01:00  NONE        198.51.100.5:0     0.0.0.3:0          192.0.2.21:0"));
    assert_eq!(out.lines().nth(3), Some("TCP 01:00  SYN_RECV    198.51.100.5:4000  192.0.2.100:80     192.0.2.21:80"));
}

#[test]
fn save_rebuilds_the_table() {
    let mut k = director(&[
        "-A -t 192.0.2.100:80 -s wrr -p 120 -M 255.255.0.0",
        "-a -t 192.0.2.100:80 -r 192.0.2.21:80 -m -w 4",
        "-a -t 192.0.2.100:80 -r 192.0.2.22 -i",
    ]);
    let saved = ln(&mut k, "-S -n", 0);
    assert_eq!(
        saved,
        "-A -t 192.0.2.100:80 -s wrr -p 120 -M 255.255.0.0\n\
-a -t 192.0.2.100:80 -r 192.0.2.21:80 -m -w 4\n\
-a -t 192.0.2.100:80 -r 192.0.2.22:80 -i -w 1 --tun-type ipip\n"
    );
    let mut again = director(&saved.lines().map(|l| l.replace(" --tun-type ipip", "")).collect::<Vec<_>>().iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(ln(&mut again, "-Ln", 0), ln(&mut k, "-Ln", 0));
}

#[test]
fn msort_is_stable() {
    let mut v = [(1, 'a'), (0, 'b'), (1, 'c'), (0, 'd')];
    msort(&mut v, &|x: &(i32, char), y: &(i32, char)| x.0 - y.0);
    assert_eq!(v, [(0, 'b'), (0, 'd'), (1, 'a'), (1, 'c')]);
}
