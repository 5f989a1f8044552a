//! The CI job of the documentation, for real: simulate a built-in scenario
//! to a pcap, then `vrrplab check` it through the binary.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn simulate(dir: &Path, scenario: &str) -> PathBuf {
    let pcap = dir.join(format!("{scenario}.pcap"));
    Command::cargo_bin("vrrplab")
        .unwrap()
        .args(["sim", &format!("builtin:{scenario}"), "-w"])
        .arg(&pcap)
        .assert()
        .code(0);
    pcap
}

/// Checks `expectations` on a fresh simulation of `scenario`; returns stdout.
fn check(scenario: &str, expectations: &[&str], code: i32) -> String {
    let dir = tempfile::tempdir().unwrap();
    let pcap = simulate(dir.path(), scenario);
    let mut cmd = Command::cargo_bin("vrrplab").unwrap();
    cmd.arg("check").arg(&pcap);
    for e in expectations {
        cmd.args(["--expect", e]);
    }
    let out = cmd.assert().code(code).get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn master_crash_meets_the_documented_ci_job() {
    let out = check(
        "master-crash",
        &[
            "master vrid=51 initial=192.0.2.11",
            "failover vrid=51 to=192.0.2.12 within=4s",
            "takeover vrid=51 max=4s",
            "garp-after-takeover vrid=51 within=1s count>=5",
            "no-split-brain",
            "final-master vrid=51 is=192.0.2.12",
            "no-findings severity>=warn",
        ],
        0,
    );
    // Master_Down_Interval of a priority-80 backup: 3 × 1 s + 176/256 s.
    assert!(out.contains("after 3.6875"), "{out}");
    assert!(
        out.ends_with("7 expectations: 7 passed, 0 failed\n"),
        "{out}"
    );
}

#[test]
fn master_crash_is_slower_than_skew_time() {
    let out = check(
        "master-crash",
        &["failover vrid=51 to=192.0.2.12 within=1s"],
        1,
    );
    assert!(out.starts_with("FAIL failover vrid=51 to=192.0.2.12 within=1s: saw 192.0.2.12 take over from 192.0.2.11 after 3.6875"), "{out}");
}

#[test]
fn master_stop_resigns() {
    check(
        "master-stop",
        &[
            "failover to=192.0.2.12 cause=resign within=700ms",
            "takeover max=700ms",
        ],
        0,
    );
    check("master-stop", &["failover cause=timeout"], 1);
}

#[test]
fn recovered_master_preempts() {
    check(
        "recovered-master-preempts",
        &[
            "failover to=192.0.2.11 from=192.0.2.12 cause=preempt",
            "final-master is=192.0.2.11",
        ],
        0,
    );
    check(
        "recovered-master-preempts",
        &["final-master is=192.0.2.12"],
        1,
    );
}

#[test]
fn firewall_split_brain() {
    let out = check(
        "split-brain-firewall-oneway",
        &["split-brain vrid=51", "no-split-brain"],
        1,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(
            "PASS split-brain vrid=51: saw split brain between 192.0.2.11 and 192.0.2.12"
        ),
        "{out}"
    );
    assert!(lines[1].starts_with("FAIL no-split-brain: "), "{out}");
    check(
        "split-brain-firewall-oneway",
        &["no-findings severity>=error kind=split_brain"],
        1,
    );
}

#[test]
fn ipv6_scoping() {
    check(
        "v3-ipv6",
        &[
            "failover family=ipv6 version=3 cause=resign within=1s",
            "master initial=fe80::ff:fe00:1",
            "final-master vrid=51 is=fe80::ff:fe00:2",
        ],
        0,
    );
    // An IPv4 router address looks only at IPv4 virtual routers: none here.
    let out = check("v3-ipv6", &["final-master vrid=51 is=192.0.2.12"], 1);
    assert!(
        out.starts_with("FAIL final-master vrid=51 is=192.0.2.12: saw no master for vrid 51/ipv4"),
        "{out}"
    );
    check("v3-ipv6", &["failover version=2"], 1);
}
