//! `vrrplab check` end to end: captures of keepalived-like traffic written
//! to pcap files, checked through the real binary; exit codes 0, 1 and 2.

use assert_cmd::Command;
use etherparse::{ArpHardwareId, ArpOperation, ArpPacket, EtherType, IpNumber, PacketBuilder};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use vrrplab::capture::writer::PcapWriter;
use vrrplab::capture::{LinkType, Timestamp};
use vrrplab::wire::vrrp::{Auth, AuthType, ChecksumVariant, Interval, Repr, MCAST_V4};

const T0: i64 = 1_767_225_600_000_000;
const SECOND: i64 = 1_000_000;
const VIP: [u8; 4] = [192, 0, 2, 100];
/// Master_Down_Interval of a priority-100 VRRPv2 backup with a 1 s interval:
/// 3 × 1 s + (256 − 100) / 256 s.
const MASTER_DOWN: i64 = 3_609_375;

fn mac(n: u8) -> [u8; 6] {
    [0x02, 0, 0, 0, 0, n]
}

/// Skew_Time of a priority-100 VRRPv2 backup: (256 − 100) / 256 s.
const SKEW: i64 = 609_375;

/// A VRRPv2 advert for VRID 51 (VIP 192.0.2.100) from 192.0.2.`n`.
fn advert(n: u8, prio: u8) -> Vec<u8> {
    let repr = Repr {
        msg_type: 1,
        vrid: 51,
        priority: prio,
        interval: Interval::Seconds(1),
        auth: Auth::V2 {
            auth_type: AuthType::Simple,
            data: Some(*b"1111\0\0\0\0"),
        },
        addrs: vec![IpAddr::V4(VIP.into())],
    };
    let src = IpAddr::V4(Ipv4Addr::new(192, 0, 2, n));
    let payload = repr.to_bytes(src, IpAddr::V4(MCAST_V4), ChecksumVariant::Rfc);
    let mut out = vec![];
    PacketBuilder::ethernet2(mac(n), [0x01, 0, 0x5e, 0, 0, 0x12])
        .ipv4([192, 0, 2, n], MCAST_V4.octets(), 255)
        .write(&mut out, IpNumber(112), &payload)
        .unwrap();
    out
}

/// keepalived's gratuitous ARP for the VIP from 192.0.2.`n` (no use_vmac:
/// its own MAC).
fn garp(n: u8) -> Vec<u8> {
    let arp = ArpPacket::new(
        ArpHardwareId::ETHERNET,
        EtherType::IPV4,
        ArpOperation::REQUEST,
        &mac(n),
        &VIP,
        &[0xff; 6],
        &VIP,
    )
    .unwrap();
    let mut out = vec![];
    PacketBuilder::ethernet2(mac(n), [0xff; 6])
        .arp(arp)
        .write(&mut out)
        .unwrap();
    out
}

/// Frames at microsecond offsets from T0, written in time order.
fn write_pcap(path: &Path, mut frames: Vec<(i64, Vec<u8>)>) {
    frames.sort_by_key(|(t, _)| *t);
    let mut w = PcapWriter::new(
        std::fs::File::create(path).unwrap(),
        LinkType::Ethernet,
        65535,
        false,
    )
    .unwrap();
    for (t, data) in frames {
        w.write(Timestamp::from_micros(T0 + t), data.len() as u32, &data)
            .unwrap();
    }
    w.flush().unwrap();
}

/// Adverts from 192.0.2.`n` every second in [from, to).
fn adverts(n: u8, prio: u8, from: i64, to: i64) -> Vec<(i64, Vec<u8>)> {
    (0..)
        .map(|i| from + i * SECOND)
        .take_while(|&t| t < to)
        .map(|t| (t, advert(n, prio)))
        .collect()
}

/// keepalived's GARPs from 192.0.2.`n` on becoming master at `t`: 5 at
/// once, 5 more 5 s later.
fn garps(n: u8, t: i64) -> Vec<(i64, Vec<u8>)> {
    (0..5)
        .flat_map(|i| {
            [
                (t + 100 + i * 100, garp(n)),
                (t + 5 * SECOND + 100 + i * 100, garp(n)),
            ]
        })
        .collect()
}

struct Captures {
    _dir: tempfile::TempDir,
    /// 192.0.2.11 (priority 150) crashes after its advert at 5 s; 192.0.2.12
    /// takes over Master_Down_Interval later and sends its GARPs.
    crash: PathBuf,
    /// 192.0.2.12 does not hear 192.0.2.11: both advertise for 10 s.
    split: PathBuf,
    /// keepalived on 192.0.2.11 stops at 4.5 s (a priority-0 advert);
    /// 192.0.2.12 takes over Skew_Time later, without GARPs.
    stop: PathBuf,
    dir: PathBuf,
}

fn captures() -> Captures {
    let dir = tempfile::tempdir().unwrap();
    let crash = dir.path().join("crash.pcap");
    let takeover = 5 * SECOND + MASTER_DOWN;
    let mut frames = adverts(11, 150, 0, 5 * SECOND + 1);
    frames.extend(garps(11, 0));
    frames.extend(adverts(12, 100, takeover, 20 * SECOND));
    frames.extend(garps(12, takeover));
    write_pcap(&crash, frames);
    let split = dir.path().join("split.pcap");
    let mut frames = adverts(11, 150, 0, 10 * SECOND);
    frames.extend(adverts(12, 100, MASTER_DOWN, 10 * SECOND + 500_000));
    write_pcap(&split, frames);
    let stop = dir.path().join("stop.pcap");
    let resigned = 4 * SECOND + SECOND / 2;
    let mut frames = adverts(11, 150, 0, resigned);
    frames.push((resigned, advert(11, 0)));
    frames.extend(adverts(12, 100, resigned + SKEW, 10 * SECOND));
    write_pcap(&stop, frames);
    Captures {
        crash,
        split,
        stop,
        dir: dir.path().to_path_buf(),
        _dir: dir,
    }
}

fn check(capture: &Path, expectations: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = Command::cargo_bin("vrrplab").unwrap();
    cmd.arg("check").arg(capture);
    for e in expectations {
        cmd.arg("--expect").arg(e);
    }
    cmd.assert()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

const ALL_PASS: [&str; 8] = [
    "master vrid=51 initial=192.0.2.11",
    "failover vrid=51 to=192.0.2.12 within=4s",
    "takeover vrid=51 max=3700ms",
    "no-split-brain",
    "garp-after-takeover vrid=51 within=1s count>=5",
    "final-master vrid=51 is=192.0.2.12",
    "failover from=192.0.2.11 cause=timeout",
    "no-findings severity>=warn",
];

#[test]
fn a_good_failover_passes() {
    let c = captures();
    let a = check(&c.crash, &ALL_PASS).code(0);
    let out = stdout(&a);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), ALL_PASS.len() + 1, "{out}");
    for (line, e) in lines.iter().zip(ALL_PASS) {
        assert!(line.starts_with(&format!("PASS {e}: ")), "{line}");
    }
    assert!(lines[1].contains("after 3.609375s (timeout)"), "{out}");
    assert_eq!(lines[8], "8 expectations: 8 passed, 0 failed");
}

#[test]
fn a_graceful_stop_and_a_split_brain_pass_what_holds_for_them() {
    let c = captures();
    let a = check(
        &c.stop,
        &[
            "failover vrid=51 to=192.0.2.12 cause=resign within=610ms",
            "takeover max=609375us",
            "final-master is=192.0.2.12",
            "no-split-brain",
        ],
    )
    .code(0);
    assert!(
        stdout(&a).contains("after 0.609375s (resign)"),
        "{}",
        stdout(&a)
    );
    let a = check(
        &c.split,
        &["split-brain vrid=51", "master initial=192.0.2.11"],
    )
    .code(0);
    assert!(stdout(&a).starts_with(
        "PASS split-brain vrid=51: saw split brain between 192.0.2.11 and 192.0.2.12"
    ));
}

#[test]
fn every_kind_fails_when_it_does_not_hold() {
    let c = captures();
    for (capture, e, seen) in [
        (
            &c.crash,
            "master vrid=51 initial=192.0.2.12",
            "saw 192.0.2.11 master first",
        ),
        (
            &c.crash,
            "failover vrid=51 to=192.0.2.12 within=3s",
            "after 3.609375s (timeout)",
        ),
        (
            &c.crash,
            "takeover vrid=51 max=3609374us",
            "after 3.609375s (timeout)",
        ),
        (&c.crash, "split-brain vrid=51", "saw no split brain"),
        (
            &c.split,
            "no-split-brain",
            "saw split brain between 192.0.2.11 and 192.0.2.12",
        ),
        (
            &c.crash,
            "garp-after-takeover vrid=51 within=1s count>=10",
            "saw 5 GARPs",
        ),
        (
            &c.crash,
            "final-master vrid=51 is=192.0.2.11",
            "saw 192.0.2.12 master at the end",
        ),
        (
            &c.split,
            "no-findings severity>=warn",
            "error split_brain: ",
        ),
        (
            &c.stop,
            "garp-after-takeover",
            "saw no GARP from 192.0.2.12 after its takeover",
        ),
        (
            &c.stop,
            "failover cause=timeout",
            "saw no such failover, only: 192.0.2.12 take over",
        ),
        (&c.stop, "takeover max=609374us", "after 0.609375s (resign)"),
    ] {
        let a = check(capture, &[e]).code(1);
        let out = stdout(&a);
        let first = out.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("FAIL {e}: ")) && first.contains(seen),
            "{e}: {out}"
        );
        assert!(
            out.ends_with("1 expectation: 0 passed, 1 failed\n"),
            "{out}"
        );
    }
}

#[test]
fn one_failure_among_passes_exits_1() {
    let c = captures();
    let a = check(
        &c.crash,
        &["no-split-brain", "failover vrid=51 to=192.0.2.12 within=3s"],
    )
    .code(1);
    assert!(stdout(&a).ends_with("2 expectations: 1 passed, 1 failed\n"));
}

#[test]
fn bad_expectations_exit_2_with_the_column() {
    let c = captures();
    let a = check(&c.crash, &["failover vrid=51 to=192.0.2.12 withn=4s"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("column 32: unknown key `withn` for failover"),
        "{err}"
    );
    assert!(
        err.contains(
            "\n  failover vrid=51 to=192.0.2.12 withn=4s\n                                 ^"
        ),
        "{err}"
    );
    let a = check(&c.crash, &["failovr vrid=51"]).code(2);
    assert!(
        stderr(&a).contains("unknown kind `failovr`; kinds: master, failover, takeover,"),
        "{}",
        stderr(&a)
    );
    assert!(stdout(&a).is_empty());
}

#[test]
fn input_errors_exit_2() {
    let c = captures();
    check(&c.dir.join("missing.pcap"), &["no-split-brain"]).code(2);
    let garbage = c.dir.join("garbage.pcap");
    std::fs::write(&garbage, b"this is not a capture file at all").unwrap();
    let a = check(&garbage, &["no-split-brain"]).code(2);
    assert!(stderr(&a).contains("garbage.pcap"), "{}", stderr(&a));
    let a = check(&c.crash, &[]).code(2);
    assert!(stderr(&a).contains("nothing to check"), "{}", stderr(&a));
}

#[test]
fn expect_file() {
    let c = captures();
    let toml = c.dir.join("expect.toml");
    std::fs::write(
        &toml,
        "[[expect]]\nkind = \"failover\"\nvrid = 51\nto = \"192.0.2.12\"\nwithin = \"4s\"\n\n\
         [[expect]]\nkind = \"garp-after-takeover\"\nwithin = \"1s\"\ncount = \">=5\"\n",
    )
    .unwrap();
    let a = Command::cargo_bin("vrrplab")
        .unwrap()
        .args(["check", "--expect-file"])
        .arg(&toml)
        .arg(&c.crash)
        .args(["--expect", "no-split-brain"])
        .assert()
        .code(0);
    let out = stdout(&a);
    assert!(out.starts_with("PASS no-split-brain: "), "{out}");
    assert!(
        out.contains("\nPASS failover vrid=51 to=192.0.2.12 within=4s: "),
        "{out}"
    );
    assert!(
        out.contains("\nPASS garp-after-takeover within=1s count>=5: "),
        "{out}"
    );

    std::fs::write(&toml, "[[expect]]\nkind = \"failover\"\nwithin = \"4 s\"\n").unwrap();
    let a = Command::cargo_bin("vrrplab")
        .unwrap()
        .arg("check")
        .arg(&c.crash)
        .arg("--expect-file")
        .arg(&toml)
        .assert()
        .code(2);
    assert!(
        stderr(&a).contains("expect.toml:3:10: unknown unit ` s` in `4 s`"),
        "{}",
        stderr(&a)
    );
}

#[test]
fn junit_and_json_reports() {
    let c = captures();
    let xml = c.dir.join("report.xml");
    let a = Command::cargo_bin("vrrplab")
        .unwrap()
        .arg("check")
        .arg(&c.crash)
        .args([
            "--expect",
            "no-split-brain",
            "--expect",
            "failover vrid=51 to=192.0.2.12 within=3s",
            "--json",
            "--junit",
        ])
        .arg(&xml)
        .assert()
        .code(1);
    let lines: Vec<serde_json::Value> = stdout(&a)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        (lines[0]["status"].as_str(), lines[1]["status"].as_str()),
        (Some("pass"), Some("fail"))
    );
    assert_eq!(lines[1]["kind"], "failover");
    assert_eq!(lines[2]["type"], "summary");
    assert_eq!(
        (lines[2]["passed"].as_u64(), lines[2]["failed"].as_u64()),
        (Some(1), Some(1))
    );

    let report = std::fs::read_to_string(&xml).unwrap();
    let testcases = report.matches("<testcase ").count();
    let failures = report.matches("<failure ").count();
    assert_eq!((testcases, failures), (2, 1), "{report}");
    assert!(
        report.contains(r#"tests="2" failures="1" errors="0""#),
        "{report}"
    );
    let mut reader = quick_xml::Reader::from_str(&report);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("{e}:\n{report}"),
        }
    }
}

#[test]
fn junit_reports_an_unreadable_capture_as_errors() {
    let c = captures();
    let xml = c.dir.join("report.xml");
    let garbage = c.dir.join("garbage.pcap");
    std::fs::write(&garbage, b"not a capture").unwrap();
    Command::cargo_bin("vrrplab")
        .unwrap()
        .arg("check")
        .arg(&garbage)
        .args(["--expect", "no-split-brain", "--junit"])
        .arg(&xml)
        .assert()
        .code(2);
    let report = std::fs::read_to_string(&xml).unwrap();
    assert!(
        report.contains(r#"tests="1" failures="0" errors="1""#),
        "{report}"
    );
    assert!(report.contains("<error message=\""), "{report}");
}
