//! `vrrplab check` through the binary on the simulator's fixtures
//! (fixtures/sim, made by scripts/make-sim-fixtures.sh): every kind passing
//! where the scenario makes it hold and failing where it does not. (The book's
//! CI chapter runs the simulator itself.)

use assert_cmd::Command;

/// Checks `expectations` on fixtures/sim/`scenario`.pcap; returns stdout.
fn check(scenario: &str, expectations: &[&str], code: i32) -> String {
    let pcap = format!(
        "{}/fixtures/sim/{scenario}.pcap",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut cmd = Command::cargo_bin("vrrplab").unwrap();
    cmd.arg("check").arg(pcap);
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

#[test]
fn auth_mismatch_is_a_split_brain_with_its_cause() {
    let out = check("auth-mismatch", &["split-brain vrid=51"], 0);
    assert!(
        out.contains("likely cause: 192.0.2.11 and 192.0.2.12 send different passwords"),
        "{out}"
    );
    let out = check("auth-mismatch", &["no-findings kind=auth_mismatch"], 1);
    assert!(out.starts_with("FAIL no-findings severity>=warn kind=auth_mismatch: saw 1 finding: error auth_mismatch: "), "{out}");
}

#[test]
fn fast_v3_takeovers_and_every_takeover_bounded() {
    check(
        "v3-fast",
        &[
            "takeover max=100ms",
            "failover version=3 cause=resign within=69ms",
        ],
        0,
    );
    check("v3-fast", &["failover within=68ms"], 1);
    // Two takeovers in a row: each must be within max.
    let out = check("three-routers", &["takeover max=3650ms"], 1);
    assert!(
        out.starts_with("FAIL takeover max=3650ms: saw 1 of 2 takeovers slower than 3650ms, the slowest: 192.0.2.13 take over from 192.0.2.12 after 3.687501s (timeout)"),
        "{out}"
    );
    check(
        "three-routers",
        &["takeover max=3700ms", "final-master is=192.0.2.13"],
        0,
    );
}
