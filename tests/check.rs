//! `vrrplab check` end to end, through the binary, on the simulator's
//! fixtures (fixtures/sim, made by scripts/make-sim-fixtures.sh): every kind
//! passing where the scenario makes it hold and failing where it does not,
//! exit codes 0, 1 and 2, and the reports. (The book's CI chapter runs the
//! simulator itself.)

use assert_cmd::assert::Assert;
use assert_cmd::Command;
use std::path::PathBuf;

fn fixture(scenario: &str) -> PathBuf {
    PathBuf::from(format!(
        "{}/fixtures/sim/{scenario}.pcap",
        env!("CARGO_MANIFEST_DIR")
    ))
}

fn vrrplab() -> Command {
    Command::cargo_bin("vrrplab").unwrap()
}

fn run(scenario: &str, expectations: &[&str]) -> Assert {
    let mut cmd = vrrplab();
    cmd.arg("check").arg(fixture(scenario));
    for e in expectations {
        cmd.args(["--expect", e]);
    }
    cmd.assert()
}

/// Checks `expectations` on a fixture, wants exit `code`; returns stdout.
fn check(scenario: &str, expectations: &[&str], code: i32) -> String {
    stdout(&run(scenario, expectations).code(code))
}

fn stdout(a: &Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

fn stderr(a: &Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

#[test]
fn every_kind_fails_when_it_does_not_hold() {
    for (scenario, e, seen) in [
        (
            "master-crash",
            "master vrid=51 initial=192.0.2.12",
            "saw 192.0.2.11 master first",
        ),
        (
            "master-crash",
            "failover vrid=51 to=192.0.2.12 within=3s",
            "after 3.687501s (timeout)",
        ),
        (
            "master-crash",
            "takeover vrid=51 max=3687500us",
            "after 3.687501s (timeout)",
        ),
        ("master-crash", "split-brain vrid=51", "saw no split brain"),
        (
            "split-brain-firewall-oneway",
            "no-split-brain",
            "saw split brain between 192.0.2.11 and 192.0.2.12",
        ),
        (
            "master-crash",
            "garp-after-takeover vrid=51 within=1s count>=10",
            "saw 5 GARPs",
        ),
        (
            "master-crash",
            "final-master vrid=51 is=192.0.2.11",
            "saw 192.0.2.12 master at the end",
        ),
        (
            "split-brain-firewall-oneway",
            "no-findings severity>=warn",
            "error split_brain: ",
        ),
        (
            "master-stop",
            "failover cause=timeout",
            "saw no such failover, only: 192.0.2.12 take over",
        ),
    ] {
        let out = check(scenario, &[e], 1);
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

#[test]
fn one_failure_among_passes_exits_1() {
    let out = check(
        "master-crash",
        &["no-split-brain", "failover vrid=51 to=192.0.2.12 within=3s"],
        1,
    );
    assert!(
        out.ends_with("2 expectations: 1 passed, 1 failed\n"),
        "{out}"
    );
}

#[test]
fn bad_expectations_exit_2_with_the_column() {
    let a = run("master-crash", &["failover vrid=51 to=192.0.2.12 withn=4s"]).code(2);
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
    let a = run("master-crash", &["failovr vrid=51"]).code(2);
    let err = stderr(&a);
    assert!(
        err.contains("unknown kind `failovr`; kinds: master, failover, takeover,"),
        "{err}"
    );
    assert!(stdout(&a).is_empty());
}

#[test]
fn input_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = vrrplab();
    cmd.arg("check")
        .arg(dir.path().join("missing.pcap"))
        .args(["--expect", "no-split-brain"]);
    cmd.assert().code(2);
    let garbage = dir.path().join("garbage.pcap");
    std::fs::write(&garbage, b"this is not a capture file at all").unwrap();
    let mut cmd = vrrplab();
    cmd.arg("check")
        .arg(&garbage)
        .args(["--expect", "no-split-brain"]);
    let a = cmd.assert().code(2);
    assert!(stderr(&a).contains("garbage.pcap"), "{}", stderr(&a));
    let a = run("master-crash", &[]).code(2);
    assert!(stderr(&a).contains("nothing to check"), "{}", stderr(&a));
}

#[test]
fn expect_file() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("expect.toml");
    std::fs::write(
        &toml,
        "[[expect]]\nkind = \"failover\"\nvrid = 51\nto = \"192.0.2.12\"\nwithin = \"4s\"\n\n\
         [[expect]]\nkind = \"garp-after-takeover\"\nwithin = \"1s\"\ncount = \">=5\"\n",
    )
    .unwrap();
    let mut cmd = vrrplab();
    cmd.args(["check", "--expect-file"])
        .arg(&toml)
        .arg(fixture("master-crash"));
    let out = stdout(&cmd.args(["--expect", "no-split-brain"]).assert().code(0));
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
    let mut cmd = vrrplab();
    cmd.arg("check")
        .arg(fixture("master-crash"))
        .arg("--expect-file")
        .arg(&toml);
    let err = stderr(&cmd.assert().code(2));
    assert!(
        err.contains("expect.toml:3:10: unknown unit ` s` in `4 s`"),
        "{err}"
    );
}

#[test]
fn junit_and_json_reports() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("report.xml");
    let mut cmd = vrrplab();
    cmd.arg("check").arg(fixture("master-crash")).args([
        "--expect",
        "no-split-brain",
        "--expect",
        "failover vrid=51 to=192.0.2.12 within=3s",
        "--json",
        "--junit",
    ]);
    let out = stdout(&cmd.arg(&xml).assert().code(1));
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
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
    assert_eq!(report.matches("<testcase ").count(), 2, "{report}");
    assert_eq!(report.matches("<failure ").count(), 1, "{report}");
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
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("report.xml");
    let garbage = dir.path().join("garbage.pcap");
    std::fs::write(&garbage, b"not a capture").unwrap();
    let mut cmd = vrrplab();
    cmd.arg("check")
        .arg(&garbage)
        .args(["--expect", "no-split-brain", "--junit"])
        .arg(&xml);
    cmd.assert().code(2);
    let report = std::fs::read_to_string(&xml).unwrap();
    assert!(
        report.contains(r#"tests="1" failures="0" errors="1""#),
        "{report}"
    );
    assert!(report.contains("<error message=\""), "{report}");
}
