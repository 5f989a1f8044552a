//! `vrrplab sim` through the binary: summary, --log, --json, -w, --explore,
//! errors and exit codes.

use assert_cmd::Command;

fn sim(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("vrrplab").unwrap().arg("sim").args(args).assert()
}

fn stdout(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

#[test]
fn list_names_every_case_of_the_articles() {
    let a = sim(&["--list"]).success();
    let out = stdout(&a);
    for name in [
        "election",
        "master-stop",
        "master-crash",
        "both-master",
        "equal-priority",
        "recovered-master-preempts",
        "nopreempt",
        "split-brain-firewall-oneway",
        "split-brain-firewall-both",
        "auth-mismatch",
        "interval-mismatch",
        "track-script",
        "three-routers",
        "v3-fast",
        "v3-ipv6",
        "unicast",
        "load-sharing",
    ] {
        assert!(out.contains(&format!("builtin:{name} ")), "{name} missing from\n{out}");
    }
}

#[test]
fn summary_tells_who_was_master_when() {
    let a = sim(&["builtin:master-stop"]).success();
    let out = stdout(&a);
    assert!(out.contains("3.609375 -> 10.000000    n1 192.0.2.11 prio 100"), "{out}");
    assert!(out.contains("10.687501 -> end          n2 192.0.2.12 prio 80"), "{out}");
    assert!(out.contains("10.000000 n1 stop"), "{out}");
    let a = sim(&["builtin:auth-mismatch"]).success();
    assert!(stdout(&a).contains("split brain 3.687500 -> 20.000000"));
}

#[test]
fn log_prints_keepalived_lines_with_virtual_time() {
    let a = sim(&["builtin:track-script", "--log"]).success();
    let out = stdout(&a);
    for line in [
        "00:00:00.000000 n1 Keepalived_vrrp: (VI_1) Entering BACKUP STATE (init)",
        "00:00:03.609375 n1 Keepalived_vrrp: (VI_1) Entering MASTER STATE",
        "00:00:10.000000 n1 Keepalived_vrrp: VRRP_Script(chk_nginx) failed (exited with status 1)",
        "00:00:10.000000 n1 Keepalived_vrrp: (VI_1) Changing effective priority from 100 to 70",
        "00:00:10.610376 n2 Keepalived_vrrp: (VI_1) received lower priority (70) advert from 192.0.2.11 - discarding",
        "00:00:13.297877 n1 Keepalived_vrrp: (VI_1) Master received advert from 192.0.2.12 with higher priority 80, ours 70",
        "00:00:13.297877 n1 Keepalived_vrrp: (VI_1) Entering BACKUP STATE",
        "00:00:20.000000 n1 Keepalived_vrrp: (VI_1) Changing effective priority from 70 to 100",
        "00:00:20.298877 n1 Keepalived_vrrp: (VI_1) received lower priority (80) advert from 192.0.2.12 - discarding",
        "00:00:22.908252 n1 Keepalived_vrrp: (VI_1) Entering MASTER STATE",
    ] {
        assert!(out.lines().any(|l| l == line), "missing `{line}` in\n{out}");
    }
}

#[test]
fn json_is_one_object_per_line() {
    let a = sim(&["builtin:load-sharing", "--json"]).success();
    let out = stdout(&a);
    let events: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let masters: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["event"] == "state" && e["to"] == "MASTER")
        .map(|e| (e["vrid"].as_u64().unwrap(), e["node"].as_str().unwrap()))
        .collect();
    assert_eq!(masters, [(51, "n1"), (52, "n2"), (51, "n2")]);
    assert!(events.iter().all(|e| e["ts"].as_f64().unwrap() >= 1_767_225_600.0));
}

#[test]
fn capture_is_readable_by_vrrplab_read() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("crash.pcap");
    sim(&["builtin:master-crash", "-w", pcap.to_str().unwrap()]).success();
    let a = Command::cargo_bin("vrrplab").unwrap().args(["read", "-n"]).arg(&pcap).env("TZ", "GMT0").assert().success();
    let out = stdout(&a);
    assert!(out.contains("192.0.2.12 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 80"), "{out}");
    assert!(out.contains("Request who-has 192.0.2.100 (ff:ff:ff:ff:ff:ff) tell 192.0.2.100"), "{out}");
}

#[test]
fn duration_and_seed() {
    let a = sim(&["builtin:master-stop", "--duration", "8s"]).success();
    let out = stdout(&a);
    assert!(out.contains("simulated 8.000000 s"), "{out}");
    assert!(!out.contains("n2 192.0.2.12"), "{out}");
    let a = sim(&["builtin:election", "--seed", "42"]).success();
    assert!(stdout(&a).contains("seed 42"));
}

#[test]
fn explore_reports_failing_seeds_with_a_replay_line() {
    let a = sim(&["builtin:three-routers", "--explore", "5"]).success();
    assert!(stdout(&a).contains("explored 5 seed(s) from 1: 0 broke an invariant"));
    let a = sim(&["builtin:auth-mismatch", "--explore", "5"]).code(1);
    let out = stdout(&a);
    assert!(out.contains("masters one Master_Down_Interval after the network healed"), "{out}");
    assert!(out.contains("replay: vrrplab sim builtin:auth-mismatch --explore 1 --seed "), "{out}");
}

#[test]
fn bad_input_is_exit_2_with_a_message() {
    let a = sim(&["builtin:nope"]).code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("no built-in scenario `nope`"));
    sim(&["builtin:election", "--duration", "soon"]).code(2);
    sim(&[]).code(2);
    sim(&["builtin:election", "-w", "/nonexistent-dir/x.pcap"]).code(2);
}

/// (VRID, µs since the epoch, router) of each master, from JSON lines.
fn masters_of(json: &str, event: &str, to: Option<&str>, router: &str) -> Vec<(u64, i64, String)> {
    json.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["event"] == event && to.is_none_or(|t| e["to"] == t))
        .map(|e| {
            let ts = (e["ts"].as_f64().unwrap() * 1e6).round() as i64;
            (e["vrid"].as_u64().unwrap(), ts, e[router].as_str().unwrap().to_string())
        })
        .collect()
}

#[test]
fn the_analyzer_reads_the_same_masters_from_the_capture() {
    // Two independent readings of one run, for every built-in: the
    // simulator's state changes and `vrrplab timeline` on its capture
    // (including the split brains where the late master is silenced by the
    // first one's timer restarts).
    let dir = tempfile::tempdir().unwrap();
    for b in vrrplab::scenario::builtin::all() {
        let pcap = dir.path().join(format!("{}.pcap", b.name));
        let spec = format!("builtin:{}", b.name);
        let sim = sim(&[&spec, "--json", "-w", pcap.to_str().unwrap()]).success();
        let from_sim = masters_of(&stdout(&sim), "state", Some("MASTER"), "addr");
        let tl = Command::cargo_bin("vrrplab").unwrap().args(["timeline", "--json"]).arg(&pcap).assert().success();
        let from_capture = masters_of(&stdout(&tl), "master", None, "router");
        assert_eq!(from_sim.len(), from_capture.len(), "{}:\n{from_sim:?}\n{from_capture:?}", b.name);
        for (s, c) in from_sim.iter().zip(&from_capture) {
            // The first unicast advert waits for an ARP round trip (2 µs).
            assert!(s.0 == c.0 && s.2 == c.2 && (c.1 - s.1).abs() <= 10, "{}: {s:?} vs {c:?}", b.name);
        }
    }
}

#[test]
fn keepalived_files_and_node_addresses() {
    // The first article's two configs, as an operator would try them.
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let conf = |f: &str| format!("{}", seeds.join(f).display());
    let a = sim(&[
        "--keepalived",
        &format!("n1={}", conf("lvs-packet-node1.conf")),
        "--keepalived",
        &format!("n2={}", conf("lvs-packet-node2.conf")),
        "--node",
        "n1=192.168.30.111/24",
        "--node",
        "n2=192.168.30.112/24,02:00:00:00:00:22",
        "--duration",
        "10s",
        "--log",
    ])
    .success();
    let out = stdout(&a);
    assert!(out.contains("00:00:03.609375 n1 Keepalived_vrrp: (VI_1) Entering MASTER STATE"), "{out}");
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("lvs-packet-node1.conf:"), "warnings name the file: {err}");
    let a = sim(&["--keepalived", &format!("n1={}", conf("lvs-packet-node1.conf")), "--node", "n2=192.0.2.12/24"]).code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("give node `n1` its address with --node n1=IP/PREFIX"));
    sim(&["--keepalived", "n1=/nonexistent.conf", "--node", "n1=192.0.2.11/24"]).code(2);
    sim(&["--keepalived", "n1", "--node", "n1=192.0.2.11/24"]).code(2);
    sim(&["--keepalived", &format!("n1={}", conf("lvs-packet-node1.conf")), "--node", "n1=192.0.2.11/40"]).code(2);
}

#[test]
fn a_printed_builtin_runs_from_a_file() {
    let a = sim(&["--print", "builtin:master-stop"]).success();
    let text = stdout(&a);
    assert!(text.contains("keepalived_conf = \"\"\"") && text.contains("vrrp_instance VI_1 {"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, text.replace("at = \"10s\"", "at = \"12s\"")).unwrap();
    let a = sim(&[path.to_str().unwrap()]).success();
    assert!(stdout(&a).contains("12.687501 -> end"), "{}", stdout(&a));
    sim(&["--print", "builtin:nope"]).code(2);
}
