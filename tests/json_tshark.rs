//! `--json` against `tshark -T fields`: every field of every frame must carry
//! the value tshark prints, on crafted frames (every VRRP and ARP case we
//! know) and on the reference captures when `../shared` is there.
//!
//! Without tshark the test is skipped with a note, except under `CI=true`,
//! where a missing tshark fails it.

mod frames;

use frames::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use vrrplab::capture::LinkType;
use vrrplab::dissect::fields::Kind;
use vrrplab::print::json;
use vrrplab::wire::vrrp::ChecksumVariant;

fn have_tshark() -> bool {
    let ok = Command::new("tshark").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "tshark is required in CI");
        eprintln!("note: tshark not installed; skipping the comparison with it");
    }
    ok
}

/// The JSON fields that tshark knows (the `vrrplab.` ones are ours).
fn compared_fields() -> Vec<&'static vrrplab::dissect::fields::Def> {
    json::FIELDS.iter().map(|id| id.def()).filter(|d| !d.name.starts_with("vrrplab.")).collect()
}

fn tshark_rows(path: &Path) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.args(["-n", "-r"]).arg(path).args(["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a"]);
    cmd.args(["-E", "aggregator=,", "-E", "quote=n"]);
    for d in compared_fields() {
        cmd.args(["-e", d.name]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split('\t').map(str::to_owned).collect()).collect()
}

/// Our value of a field as `tshark -T fields` would print it.
fn as_tshark(
    line: &str,
    obj: &serde_json::Map<String, serde_json::Value>,
    def: &vrrplab::dissect::fields::Def,
) -> String {
    use serde_json::Value as J;
    let Some(v) = obj.get(def.name) else { return String::new() };
    let scalar = |v: &J| -> String {
        match (v, def.kind) {
            (J::String(s), Kind::Enum(names)) => names.iter().find(|n| n.1 == s).map(|n| n.0.to_string()).unwrap(),
            (J::String(s), _) => s.clone(),
            (J::Bool(true), _) => "1".into(),
            (J::Bool(false), _) => String::new(), // tshark leaves a false flag out
            (J::Number(_), Kind::Time) => {
                // Exact text, not a float: take it from the line itself.
                let key = format!("\"{}\":", def.name);
                let rest = &line[line.find(&key).unwrap() + key.len()..];
                rest[..rest.find([',', '}']).unwrap()].to_owned()
            }
            (J::Number(n), _) => n.to_string(),
            other => panic!("unexpected JSON value {other:?}"),
        }
    };
    match v {
        J::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(","),
        v => scalar(v),
    }
}

/// Compares `vrrplab read --json` with tshark's fields for the capture at `path`.
fn compare(path: &Path) {
    let ours =
        assert_cmd::Command::cargo_bin("vrrplab").unwrap().arg("read").arg("--json").arg(path).assert().success();
    let ours = String::from_utf8(ours.get_output().stdout.clone()).unwrap();
    let rows = tshark_rows(path);
    assert_eq!(ours.lines().count(), rows.len(), "{}: frame count", path.display());
    let defs = compared_fields();
    let mut mismatches = Vec::new();
    for (i, (line, row)) in ours.lines().zip(&rows).enumerate() {
        let obj: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("frame {}: bad JSON {e}: {line}", i + 1));
        for (d, theirs) in defs.iter().zip(row) {
            let ours = as_tshark(line, &obj, d);
            // tshark repeats scalar fields of inner headers (an ICMP error
            // quotes the IP header); the outer one comes first.
            let theirs =
                if d.multi || d.kind == Kind::Str { theirs.as_str() } else { theirs.split(',').next().unwrap() };
            if ours != theirs {
                mismatches.push(format!("frame {} {}: ours {ours:?}, tshark {theirs:?}", i + 1, d.name));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}:\n{}", path.display(), mismatches.join("\n"));
}

/// Every VRRP and ARP case the dissector distinguishes, on Ethernet.
fn crafted_ethernet() -> Vec<(Vec<u8>, u32)> {
    let n1 = v4("192.0.2.11");
    let n2 = v4("192.0.2.12");
    let rfc = ChecksumVariant::Rfc;
    let keepalived = v2_repr(51, 100, Some(b"1111\0\0\0\0"), &["192.0.2.100"]);
    let mut bad_sum = advert(VMAC_51, n1, mcast4(), 255, &keepalived, rfc);
    bad_sum[40] ^= 0xff;
    let mut odd_auth = v2_repr(51, 150, Some(b"a\"b\\c\x01\x80z"), &["192.0.2.100", "192.0.2.101"]);
    odd_auth.vrid = 52;
    let mut v3_reserved = advert(N1_MAC, n1, mcast4(), 255, &v3_repr(53, 100, 100, &["192.0.2.100"]), rfc);
    v3_reserved[38] |= 0xa0; // reserved bits set (the checksum turns bad too)
    let mut v3_type2 = advert(N1_MAC, n1, mcast4(), 255, &v3_repr(53, 100, 100, &["192.0.2.100"]), rfc);
    v3_type2[34] = 0x32;
    let full = advert(VMAC_51, n1, mcast4(), 255, &v2_repr(51, 200, None, &["192.0.2.100", "192.0.2.101"]), rfc);
    let vlan_advert = {
        let (et, p) = ip(n1, mcast4(), 255, 112, &keepalived.to_bytes(n1, mcast4(), rfc));
        eth(MCAST_MAC_V4, VMAC_51, &[(0x88a8, 100), (0x8100, 0x2000 | 42)], et, &p)
    };
    let udp = {
        let mut u = vec![0x30, 0x39, 0x00, 0x35, 0, 12, 0, 0];
        u.extend_from_slice(b"abcd");
        eth_ip(N1_MAC, BROADCAST, n1, n2, 64, 17, &u)
    };
    let tcp = {
        let mut t = vec![0xc0, 0x01, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x20, 0, 0, 0, 0, 0];
        t.truncate(20);
        eth_ip(N1_MAC, BROADCAST, n1, v4("192.0.2.254"), 64, 6, &t)
    };
    let icmp = eth_ip(N1_MAC, BROADCAST, n1, n2, 64, 1, &[8, 0, 0xf7, 0xff, 0, 0, 0, 0]);
    let mut frames = whole(vec![
        advert(VMAC_51, n1, mcast4(), 255, &keepalived, rfc),
        advert(N1_MAC, n1, mcast4(), 255, &v2_repr(51, 0, None, &["192.0.2.100"]), rfc),
        bad_sum,
        advert(N1_MAC, n2, mcast4(), 254, &odd_auth, rfc),
        advert(N1_MAC, n1, mcast4(), 255, &v3_repr(53, 255, 100, &["192.0.2.100", "192.0.2.101"]), rfc),
        advert(N1_MAC, n1, mcast4(), 255, &v3_repr(53, 100, 100, &["192.0.2.100"]), ChecksumVariant::V3AsV2),
        advert(N1_MAC, n1, n2, 255, &v3_repr(53, 100, 100, &["192.0.2.100"]), ChecksumVariant::LegacyUnicast),
        advert(N1_MAC, n1, n2, 255, &v3_repr(53, 100, 100, &["192.0.2.100"]), rfc),
        advert(N1_MAC, v6("fe80::1"), mcast6(), 255, &v3_repr(54, 100, 100, &["fe80::54", "2001:db8::54"]), rfc),
        // Address forms that formatters disagree on: IPv4-compatible and
        // -mapped, a lone zero word, a trailing run of zeros.
        advert(
            N1_MAC,
            v6("fe80::1"),
            mcast6(),
            255,
            &v3_repr(55, 100, 100, &["::c000:201", "::ffff:192.0.2.1", "2001:db8:0:1:1:1:1:1", "2001:db8::", "::1"]),
            rfc,
        ),
        v3_reserved,
        v3_type2,
        vlan_advert,
        arp(BROADCAST, 1, VMAC_51, "192.0.2.100", BROADCAST, "192.0.2.100"),
        arp(BROADCAST, 2, N1_MAC, "192.0.2.100", BROADCAST, "192.0.2.100"),
        arp(BROADCAST, 1, N1_MAC, "0.0.0.0", [0; 6], "192.0.2.11"),
        arp(BROADCAST, 1, N1_MAC, "192.0.2.11", [0; 6], "192.0.2.11"),
        arp(BROADCAST, 1, N1_MAC, "192.0.2.11", [0; 6], "192.0.2.12"),
        arp(N1_MAC, 2, [2, 0, 0, 0, 0, 2], "192.0.2.12", N1_MAC, "192.0.2.11"),
        udp,
        tcp,
        icmp,
    ]);
    // Cut by the snap length: inside the addresses, inside the header, in ARP.
    for cut in [50, 45, 38, 36] {
        frames.push((full[..cut].to_vec(), full.len() as u32));
    }
    let garp = arp(BROADCAST, 1, VMAC_51, "192.0.2.100", BROADCAST, "192.0.2.100");
    frames.push((garp[..30].to_vec(), garp.len() as u32));
    frames
}

/// The same kinds of frame behind a Linux cooked (SLL) header.
fn crafted_cooked() -> Vec<(Vec<u8>, u32)> {
    let n1 = v4("192.0.2.11");
    let advert = v2_repr(51, 100, None, &["192.0.2.100"]).to_bytes(n1, mcast4(), ChecksumVariant::Rfc);
    let (et, p) = ip(n1, mcast4(), 255, 112, &advert);
    let mut sll = vec![0, 2, 0, 1, 0, 6];
    sll.extend_from_slice(&VMAC_51);
    sll.extend_from_slice(&[0, 0]);
    sll.extend_from_slice(&et.to_be_bytes());
    sll.extend_from_slice(&p);
    whole(vec![sll])
}

#[test]
fn json_agrees_with_tshark_on_crafted_frames() {
    if !have_tshark() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let eth = dir.path().join("crafted.pcap");
    write_pcap(&eth, LinkType::Ethernet, &crafted_ethernet());
    compare(&eth);
    let sll = dir.path().join("cooked.pcap");
    write_pcap(&sll, LinkType::LinuxSll, &crafted_cooked());
    compare(&sll);
}

/// tcpdump's and PcapPlusPlus's VRRP/ARP captures (kept outside the repo).
/// The Frame Relay one is left out: vrrplab does not decode Frame Relay.
#[test]
fn json_agrees_with_tshark_on_reference_captures() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
    if !root.is_dir() {
        eprintln!("note: {} not found; reference captures not compared", root.display());
        return;
    }
    if !have_tshark() {
        return;
    }
    for name in [
        "tcpdump-tests/vrrp.pcap",
        "tcpdump-tests/vrrp-vrrp_print-oobr-2.pcap",
        "tcpdump-tests/arp-oobr.pcap",
        "tcpdump-tests/arp-too-long-tha.pcap",
        "pcapplusplus/VRRP-V2.pcap",
        "pcapplusplus/VRRP-V3-IPv4.pcap",
        "pcapplusplus/VRRP-V3-IPv6.pcap",
    ] {
        compare(&root.join(name));
    }
}
