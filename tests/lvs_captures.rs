//! The simulator's LVS-DR, LVS-NAT and LVS-TUN captures as tcpdump and
//! tshark read them: the forwarding each method is known by, and no bad
//! checksum or malformed packet. Needs tcpdump and tshark (CI has them;
//! elsewhere the test is skipped when they are missing).

use assert_cmd::Command;
use std::path::Path;
use std::process::Command as Process;

fn have(tool: &str) -> bool {
    let ok = Process::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI must have {tool}");
        eprintln!("skipped: {tool} missing");
    }
    ok
}

fn capture(dir: &Path, scenario: &str) -> std::path::PathBuf {
    let out = dir.join(format!("{scenario}.pcap"));
    Command::cargo_bin("vrrplab").unwrap().args(["sim", &format!("builtin:{scenario}"), "-w"]).arg(&out).assert().success();
    out
}

fn tcpdump(pcap: &Path, extra: &[&str]) -> String {
    let o = Process::new("tcpdump").args(["-nn", "-r"]).arg(pcap).args(extra).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn tshark(pcap: &Path, args: &[&str]) -> String {
    let o = Process::new("tshark").arg("-r").arg(pcap).args(args).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// tshark with checksum validation finds nothing bad or malformed, and
/// validates every TCP checksum as good.
fn clean(pcap: &Path) {
    let strict = ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"];
    let bad = tshark(pcap, &[&strict[..], &["-Y", "ip.checksum.status == 0 || tcp.checksum.status == 0 || _ws.malformed"]].concat());
    assert!(bad.is_empty(), "{bad}");
    let tcp = tshark(pcap, &["-Y", "tcp"]).lines().count();
    let good = tshark(pcap, &[&strict[..], &["-Y", "tcp.checksum.status == 1"]].concat()).lines().count();
    assert_eq!(tcp, good);
    assert!(tcp > 50);
}

#[test]
fn dr_nat_tun_captures_decode() {
    if !have("tcpdump") || !have("tshark") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();

    let dr = capture(dir.path(), "lvs-dr");
    clean(&dr);
    let lines = tcpdump(&dr, &["-e", "tcp[tcpflags] == tcp-syn"]);
    // The SYN crosses the LAN three times: to the router, to the director,
    // to the real server; only the MACs differ.
    let first: Vec<&str> = lines.lines().filter(|l| l.contains("198.51.100.10.40000 > 192.0.2.100.80")).collect();
    assert_eq!(first.len(), 3, "{lines}");
    assert!(first[1].contains("02:00:00:00:00:01 > 02:00:00:00:00:10"));
    assert!(first[2].contains("02:00:00:00:00:10 > 02:00:00:00:00:16"), "{}", first[2]);
    let http = tcpdump(&dr, &["tcp port 80 and tcp[tcpflags] & tcp-push != 0"]);
    assert!(http.contains("HTTP: GET / HTTP/1.1") && http.contains("HTTP: HTTP/1.0 200 OK"));

    let nat = capture(dir.path(), "lvs-nat");
    clean(&nat);
    let lines = tcpdump(&nat, &[]);
    assert!(lines.contains("IP 198.51.100.10.40000 > 192.0.2.22.8080: Flags [S]"), "{lines}");
    assert!(lines.contains("IP 192.0.2.22.8080 > 198.51.100.10.40000: Flags [S.]"));
    assert!(lines.contains("IP 192.0.2.100.80 > 198.51.100.10.40000: Flags [S.]"));

    let tun = capture(dir.path(), "lvs-tun");
    clean(&tun);
    let lines = tcpdump(&tun, &["ip proto 4"]);
    assert!(lines.contains("IP 192.0.2.10 > 192.0.2.22: IP 198.51.100.10.40000 > 192.0.2.100.80: Flags [S]"), "{lines}");
    let fields = tshark(&tun, &["-Y", "ip.proto == 4", "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.ttl"]);
    let first = fields.lines().next().unwrap();
    assert_eq!(first, "192.0.2.10,198.51.100.10\t192.0.2.22,192.0.2.100\t62,62");
}
