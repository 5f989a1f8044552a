//! `vrrplab read` with `-V`, `--json` and `--filter`, through the binary.

mod frames;

use assert_cmd::Command;
use frames::*;
use std::path::{Path, PathBuf};
use vrrplab::capture::{self, Frame, LinkType};
use vrrplab::wire::vrrp::ChecksumVariant;

/// A failover in five frames: n1 (prio 200) adverts, resigns with priority 0,
/// n2 (prio 100) takes over and sends a gratuitous ARP; then an unrelated UDP frame.
fn failover(dir: &Path) -> PathBuf {
    let n1 = v4("192.0.2.11");
    let n2 = v4("192.0.2.12");
    let rfc = ChecksumVariant::Rfc;
    let n2_mac = [2, 0, 0, 0, 0, 2];
    let path = dir.join("failover.pcap");
    write_pcap(
        &path,
        LinkType::Ethernet,
        &whole(vec![
            advert(N1_MAC, n1, mcast4(), 255, &v2_repr(51, 200, None, &["192.0.2.100"]), rfc),
            advert(N1_MAC, n1, mcast4(), 255, &v2_repr(51, 0, None, &["192.0.2.100"]), rfc),
            advert(n2_mac, n2, mcast4(), 255, &v2_repr(51, 100, None, &["192.0.2.100"]), rfc),
            arp(BROADCAST, 1, n2_mac, "192.0.2.100", BROADCAST, "192.0.2.100"),
            eth_ip(N1_MAC, n2_mac, n1, n2, 64, 17, &[0x30, 0x39, 0x27, 0x0f, 0, 8, 0, 0]),
        ]),
    );
    path
}

fn vrrplab() -> Command {
    Command::cargo_bin("vrrplab").unwrap()
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

#[test]
fn json_lines_keep_the_file_frame_numbers_under_a_filter() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = failover(dir.path());
    let out = stdout(vrrplab().args(["read", "--json", "--filter", "vrrp.prio < 150 || arp"]).arg(&pcap));
    let rows: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let numbers: Vec<u64> = rows.iter().map(|r| r["frame.number"].as_u64().unwrap()).collect();
    assert_eq!(numbers, [2, 3, 4]);
    assert_eq!(rows[0]["vrrp.prio"], 0);
    assert_eq!(rows[0]["vrrp.checksum.status"], "good");
    assert_eq!(rows[0]["vrrp.ip_addr"], serde_json::json!(["192.0.2.100"]));
    assert_eq!(rows[1]["eth.src"], "02:00:00:00:00:02");
    assert_eq!(rows[2]["arp.isgratuitous"], true);
    assert_eq!(rows[2]["arp.src.proto_ipv4"], "192.0.2.100");
    assert!(rows[2].get("vrrp.prio").is_none());
}

#[test]
fn tree_walks_through_the_resigning_advert() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = failover(dir.path());
    let out = stdout(vrrplab().args(["read", "-V", "--filter", "vrrp.prio == 0"]).arg(&pcap));
    assert!(out.starts_with("  Frame 2 [0..54]: 54 bytes on the wire, 54 captured\n"), "{out}");
    assert!(out.contains(
        "!   [36..37]   00                       vrrp.prio: 0 (master resigning) — the master is resigning; backups"
    ));
    assert!(out.contains("for a default backup (priority 100): 0.609 s"), "{out}");
    assert!(out.contains("vrrp.checksum: 0x"), "{out}");
    assert_eq!(out.matches("Virtual Router Redundancy Protocol v2").count(), 1);
    assert!(out.ends_with("\n\n"));
}

#[test]
fn filter_applies_before_count_and_write() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = failover(dir.path());
    let out = dir.path().join("vrrp.pcap");
    vrrplab().args(["read", "--filter", "vrrp", "-c", "2", "-w"]).arg(&out).arg(&pcap).assert().success().stdout("");
    let mut source = capture::open(&out).unwrap();
    let mut frame = Frame::default();
    let mut prios = Vec::new();
    while source.next_frame(&mut frame).unwrap() {
        prios.push(frame.data[36]);
    }
    assert_eq!(prios, [200, 0]);
}

#[test]
fn filter_keeps_tcpdump_lines_and_numbers_them_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = failover(dir.path());
    let out = stdout(vrrplab().args(["read", "-#", "-t", "--filter", "arp.isgratuitous or udp"]).arg(&pcap));
    assert_eq!(
        out,
        "    1  ARP, Request who-has 192.0.2.100 (ff:ff:ff:ff:ff:ff) tell 192.0.2.100, length 46\n    2  IP 192.0.2.11.12345 > 192.0.2.12.9999: UDP, length 0\n"
    );
}

#[test]
fn bad_filter_points_at_the_column_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = failover(dir.path());
    vrrplab().args(["read", "--filter", "vrrp.prio == "]).arg(&pcap).assert().code(2).stdout("").stderr(
        "vrrplab: --filter: column 14: expected a value after '==' (vrrp.prio holds a number, decimal or 0x hex)\n    vrrp.prio == \n                 ^\n",
    );
    let err = vrrplab().args(["read", "--filter", "vrrp.vrid == 51"]).arg(&pcap).assert().code(2);
    let err = String::from_utf8(err.get_output().stderr.clone()).unwrap();
    assert!(
        err.starts_with("vrrplab: --filter: column 1: unknown field 'vrrp.vrid'; did you mean one of vrrp.virt_rtr_id"),
        "{err}"
    );
}

#[test]
fn tree_and_json_are_exclusive() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = failover(dir.path());
    vrrplab().args(["read", "-V", "--json"]).arg(&pcap).assert().code(2);
}

#[test]
fn truncated_capture_prints_a_truncated_node() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("cut.pcap");
    let full = advert(
        VMAC_51,
        v4("192.0.2.11"),
        mcast4(),
        255,
        &v2_repr(51, 100, None, &["192.0.2.100"]),
        ChecksumVariant::Rfc,
    );
    write_pcap(&pcap, LinkType::Ethernet, &[(full[..40].to_vec(), full.len() as u32)]);
    let out = stdout(vrrplab().args(["read", "-V"]).arg(&pcap));
    assert!(out.contains("!!  [40..40]                            truncated: the capture ends at byte 40"), "{out}");
    let json = stdout(vrrplab().args(["read", "--json"]).arg(&pcap));
    assert!(json.ends_with("\"vrrp.auth_type\":0,\"vrrp.adver_int\":1}\n"), "{json}");
}
