//! The TOML scenario loader: every field and action, and the position of
//! each kind of error.

use std::path::Path;
use vrrplab::scenario::model::{Action, IfAddr, Impl, Role};
use vrrplab::scenario::toml::{parse, parse_duration, LoadError, MAX_EVENTS};

const NODES: &str = "[[node]]\nname = \"n1\"\nip = \"192.0.2.11/24\"\n\n[[node]]\nname = \"n2\"\nip = \"192.0.2.12/24\"\n";

fn err(text: &str) -> String {
    match parse(text, Path::new("s.toml")) {
        Ok(s) => panic!("expected an error, got {s:#?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_full_scenario() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n1.conf"), "vrrp_instance VI_1 {\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n").unwrap();
    let text = r#"
[run]
name = "two routers"
description = "a test"
duration = "20s"
seed = 7
loss = 0.01
jitter = "1ms"

[[node]]
name = "n1"
ip = ["192.0.2.11/24", "2001:db8::11/64"]
keepalived = "n1.conf"
start_at = "1.5s"

[[node]]
name = "n2"
ip = "192.0.2.12"
mac = "02:aa:bb:cc:dd:ee"
role = "director"
impl = "keepalived"
keepalived_conf = """
vrrp_instance VI_1 {
 virtual_router_id 51
 priority 90
 virtual_ipaddress {
  192.0.2.100
 }
}
"""
ipvsadm = ["-A -t 192.0.2.100:80 -s rr", "ipvsadm -a -t 192.0.2.100:80 -r 192.0.2.21:80 -g"]
ip_forward = true
iptables = ["-t mangle -A PREROUTING -d 192.0.2.100 -p tcp --dport 80 -j MARK --set-mark 1"]

[[node]]
name = "rs1"
ip = "192.0.2.21/24"
role = "real_server"
vip_on_lo = "192.0.2.100"
arp_ignore = 1
arp_announce = 2
gateway = "192.0.2.1"

[[node]]
name = "c"
ip = "192.0.2.50/24"
role = "client"
[node.requests]
to = "192.0.2.100:80"
count = 10
interval = "100ms"
start = "2s"

[[event]]
at = "5s"
action = "stop"
node = "n1"

[[event]]
at = "4s"
action = "heal"
"#;
    let s = parse(text, &dir.path().join("s.toml")).unwrap();
    assert_eq!(
        (s.name.as_str(), s.description.as_str()),
        ("two routers", "a test")
    );
    assert_eq!(
        (s.duration_us, s.seed, s.loss, s.jitter_us),
        (20_000_000, 7, 0.01, 1_000)
    );
    let [n1, n2, rs1, c] = &s.nodes[..] else {
        panic!("four nodes")
    };
    assert_eq!(
        n1.addrs,
        [
            IfAddr {
                addr: "192.0.2.11".parse().unwrap(),
                prefix: 24
            },
            IfAddr {
                addr: "2001:db8::11".parse().unwrap(),
                prefix: 64
            },
        ]
    );
    assert_eq!(n1.mac, [2, 0, 0, 0, 0, 1], "derived from the node index");
    assert_eq!(
        (n1.role, n1.implementation, n1.start_at_us),
        (Role::Router, Impl::Engine, Some(1_500_000))
    );
    assert_eq!(
        n1.keepalived.as_ref().unwrap().instances[0].priority,
        Some(100)
    );
    assert_eq!(n2.addrs[0].prefix, 32);
    assert_eq!(n2.mac, [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
    assert_eq!(
        (n2.role, n2.implementation),
        (Role::Director, Impl::Keepalived)
    );
    assert_eq!(
        n2.keepalived.as_ref().unwrap().instances[0].priority,
        Some(90)
    );
    assert!(n2.ip_forward);
    assert_eq!(n2.iptables.len(), 1);
    assert_eq!(
        n2.ipvsadm,
        [
            "-A -t 192.0.2.100:80 -s rr",
            "-a -t 192.0.2.100:80 -r 192.0.2.21:80 -g"
        ]
    );
    assert_eq!(
        (rs1.role, rs1.arp_ignore, rs1.arp_announce),
        (Role::RealServer, 1, 2)
    );
    assert_eq!(
        rs1.vip_on_lo,
        ["192.0.2.100".parse::<std::net::IpAddr>().unwrap()]
    );
    assert_eq!(rs1.gateway, Some("192.0.2.1".parse().unwrap()));
    assert!(!rs1.ip_forward && rs1.iptables.is_empty());
    assert_eq!(rs1.mac, [2, 0, 0, 0, 0, 3]);
    let r = c.requests.as_ref().unwrap();
    assert_eq!(
        (
            r.to.to_string().as_str(),
            r.count,
            r.interval_us,
            r.start_us
        ),
        ("192.0.2.100:80", 10, 100_000, 2_000_000)
    );
    assert_eq!(
        s.events.iter().map(|e| e.at_us).collect::<Vec<_>>(),
        [4_000_000, 5_000_000],
        "sorted by time"
    );
    assert_eq!(s.events[1].action, Action::Stop { node: "n1".into() });
}

#[test]
fn every_action() {
    let events = r#"
[[event]]
at = "1s"
action = "start"
node = "n1"
[[event]]
at = "1s"
action = "stop"
node = "n1"
[[event]]
at = "1s"
action = "crash"
node = "n1"
[[event]]
at = "1s"
action = "link_down"
node = "n1"
[[event]]
at = "1s"
action = "link_up"
node = "n1"
[[event]]
at = "1s"
action = "block_vrrp"
node = "n2"
[[event]]
at = "1s"
action = "unblock_vrrp"
node = "n2"
[[event]]
at = "1s"
action = "script_fail"
node = "n1"
script = "chk"
[[event]]
at = "1s"
action = "script_ok"
node = "n1"
script = "chk"
[[event]]
at = "1s"
action = "set_priority"
node = "n1"
priority = 80
[[event]]
at = "1s"
action = "partition"
groups = [["n1"], ["n2"]]
[[event]]
at = "1s"
action = "heal"
[[event]]
at = "1s"
action = "check_fail"
node = "n1"
real_server = "192.0.2.21:80"
[[event]]
at = "1s"
action = "check_ok"
node = "n1"
real_server = "192.0.2.21:80"
"#;
    let s = parse(&format!("{NODES}{events}"), Path::new("s.toml")).unwrap();
    let n = || "n1".to_string();
    let rs: std::net::SocketAddr = "192.0.2.21:80".parse().unwrap();
    assert_eq!(
        s.events.into_iter().map(|e| e.action).collect::<Vec<_>>(),
        [
            Action::Start { node: n() },
            Action::Stop { node: n() },
            Action::Crash { node: n() },
            Action::LinkDown { node: n() },
            Action::LinkUp { node: n() },
            Action::BlockVrrp { node: "n2".into() },
            Action::UnblockVrrp { node: "n2".into() },
            Action::ScriptFail {
                node: n(),
                script: "chk".into()
            },
            Action::ScriptOk {
                node: n(),
                script: "chk".into()
            },
            Action::SetPriority {
                node: n(),
                priority: 80
            },
            Action::Partition {
                groups: vec![vec![n()], vec!["n2".into()]]
            },
            Action::Heal,
            Action::CheckFail {
                node: n(),
                real_server: rs
            },
            Action::CheckOk {
                node: n(),
                real_server: rs
            },
        ],
        "same-time events keep file order"
    );
}

#[test]
fn durations() {
    for (text, us) in [
        ("4s", 4_000_000),
        ("3500ms", 3_500_000),
        ("1.5s", 1_500_000),
        ("100us", 100),
        ("2m", 120_000_000),
        ("0.25ms", 250),
        ("1h", 3_600_000_000),
    ] {
        assert_eq!(parse_duration(text), Some(us), "{text}");
    }
    for bad in [
        "4",
        "s",
        "1.5.1s",
        "-1s",
        "1.s",
        "1 sec",
        "0.5us",
        "99999999999999999999s",
    ] {
        assert_eq!(parse_duration(bad), None, "{bad}");
    }
}

#[test]
fn syntax_errors_name_line_and_column() {
    assert_eq!(
        err("[run]\nduration = \"4s\nseed = 1\n"),
        "s.toml:2:15: invalid basic string, expected `\"`"
    );
    assert_eq!(err("[run]\nduratoin = \"4s\"\n"), "s.toml:2:1: unknown field `duratoin`, expected one of `name`, `description`, `duration`, `seed`, `loss`, `jitter`");
    assert_eq!(
        err("[[node]]\nname = \"n1\"\n"),
        "s.toml:1:1: missing field `ip`"
    );
    assert_eq!(err("[[node]]\nname = \"n1\"\nip = \"192.0.2.1\"\nrole = \"boss\"\n"), "s.toml:4:8: unknown variant `boss`, expected one of `router`, `director`, `real_server`, `client`");
}

#[test]
fn value_errors_name_line_and_column() {
    assert_eq!(err("[run]\nduration = \"4 seconds\"\n"), "s.toml:2:12: expected a duration like \"4s\", \"3500ms\", \"1.5s\", \"100us\" or \"2m\", found \"4 seconds\"");
    assert_eq!(
        err("[run]\nloss = 1.5\n"),
        "s.toml:2:8: loss must be a probability in [0, 1], found 1.5"
    );
    assert_eq!(
        err("[[node]]\nname = \"n1\"\nip = \"192.0.2.300/24\"\n"),
        "s.toml:3:6: expected an address like \"192.0.2.11/24\", found \"192.0.2.300/24\""
    );
    assert_eq!(
        err("[[node]]\nname = \"n1\"\nip = \"192.0.2.1/33\"\n"),
        "s.toml:3:6: prefix length 33 is too long for 192.0.2.1"
    );
    assert_eq!(
        err("[[node]]\nname = \"n1\"\nip = \"192.0.2.1\"\nmac = \"02:00\"\n"),
        "s.toml:4:7: expected a MAC address like \"02:00:00:00:00:01\", found \"02:00\""
    );
    assert_eq!(
        err("[[node]]\nname = \"n1\"\nip = \"192.0.2.1\"\narp_ignore = 9\n"),
        "s.toml:4:14: arp_ignore must be between 0 and 8, found 9"
    );
    assert_eq!(
        err(&format!(
            "{NODES}[[node]]\nname = \"n1\"\nip = \"192.0.2.13\"\n"
        )),
        "s.toml:8:1: duplicate node name 'n1'"
    );
}

#[test]
fn event_errors_name_line_and_column() {
    let ev = |body: &str| err(&format!("{NODES}\n[[event]]\n{body}\n"));
    assert_eq!(ev("at = \"1s\"\naction = \"reboot\"\nnode = \"n1\""), "s.toml:11:10: unknown action 'reboot'; valid actions: start, stop, crash, link_down, link_up, block_vrrp, unblock_vrrp, script_fail, script_ok, set_priority, partition, heal, check_fail, check_ok");
    assert_eq!(
        ev("at = \"1s\"\naction = \"stop\"\nnode = \"n9\""),
        "s.toml:12:8: unknown node 'n9'; nodes: n1, n2"
    );
    assert_eq!(
        ev("at = \"1s\"\naction = \"stop\""),
        "s.toml:9:1: action 'stop' needs 'node'"
    );
    assert_eq!(
        ev("at = \"1s\"\naction = \"heal\"\nnode = \"n1\""),
        "s.toml:12:8: action 'heal' does not take 'node'"
    );
    assert_eq!(
        ev("at = \"1s\"\naction = \"partition\"\ngroups = [[\"n1\"], [\"n3\"]]"),
        "s.toml:12:20: unknown node 'n3'; nodes: n1, n2"
    );
    assert_eq!(
        ev("at = \"1s\"\naction = \"set_priority\"\nnode = \"n1\"\npriority = 0"),
        "s.toml:13:12: priority must be between 1 and 255, found 0"
    );
    assert_eq!(
        ev("at = \"1s\"\naction = \"check_ok\"\nnode = \"n1\"\nreal_server = \"192.0.2.1\""),
        "s.toml:13:15: expected an address and port like \"192.0.2.100:80\", found \"192.0.2.1\""
    );
    assert_eq!(ev("action = \"heal\""), "s.toml:9:1: missing field `at`");
}

#[test]
fn keepalived_errors_point_into_the_config() {
    let text = format!(
        "{NODES}keepalived_conf = \"\"\"\nvrrp_instance VI_1 {{\n priority high\n}}\n\"\"\"\n"
    );
    assert_eq!(
        err(&text),
        "s.toml:10:11: expected a number after 'priority', found 'high'"
    );
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{NODES}keepalived = \"missing.conf\"\n");
    let e = parse(&text, &dir.path().join("s.toml")).unwrap_err();
    assert!(matches!(e, LoadError::Conf(_)), "{e}");
    assert!(
        e.to_string().starts_with(&format!(
            "{}: cannot read",
            dir.path().join("missing.conf").display()
        )),
        "{e}"
    );
    assert_eq!(err(&format!("{NODES}keepalived = \"a\"\nkeepalived_conf = \"b\"\n")), "s.toml:9:19: give either 'keepalived' (a file) or 'keepalived_conf' (inline text), not both");
}

#[test]
fn too_many_events_are_refused_before_parsing() {
    let event = "[[event]]\nat = \"1s\"\naction = \"heal\"\n";
    let text = format!("{NODES}{}", event.repeat(MAX_EVENTS + 1));
    let line = 8 + 3 * MAX_EVENTS;
    assert_eq!(
        err(&text),
        format!("s.toml:{line}:1: too many events (more than {MAX_EVENTS})")
    );
    // A million events do not fit in the largest file accepted.
    assert_eq!(
        err(&format!("{NODES}{}", event.repeat(1_000_000))),
        "s.toml:1:1: scenario is larger than 16 MiB"
    );
    // The same cap holds for events written as an inline array.
    let inline = format!(
        "event = [{}]\n{NODES}",
        "{at = \"1s\", action = \"heal\"},".repeat(MAX_EVENTS + 1)
    );
    assert!(err(&inline).ends_with(&format!("too many events (more than {MAX_EVENTS})")));
}

#[test]
fn load_takes_a_path_or_a_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.toml");
    std::fs::write(&path, NODES).unwrap();
    let s = vrrplab::scenario::load(path.to_str().unwrap()).unwrap();
    assert_eq!(
        (s.name.as_str(), s.nodes.len(), s.duration_us),
        ("two", 2, 60_000_000)
    );
    let b = vrrplab::scenario::load("builtin:election").unwrap();
    assert_eq!(b.name, "builtin:election");
    let e = vrrplab::scenario::load("builtin:nope").unwrap_err();
    assert_eq!(
        e.to_string(),
        "no built-in scenario `nope` (try `vrrplab sim --list`)"
    );
    let e = vrrplab::scenario::load(dir.path().join("none.toml").to_str().unwrap()).unwrap_err();
    assert!(e.to_string().contains("cannot read scenario"), "{e}");
}

#[test]
fn vrrplab_sim_runs_a_scenario_file_and_reports_errors_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let builtin =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scenario/builtin/master-stop.toml");
    let path = dir.path().join("stop.toml");
    std::fs::copy(&builtin, &path).unwrap();
    let sim = |p: &Path| {
        assert_cmd::Command::cargo_bin("vrrplab")
            .unwrap()
            .arg("sim")
            .arg(p)
            .assert()
    };
    let ok = sim(&path).success();
    let from_file = String::from_utf8_lossy(&ok.get_output().stdout).into_owned();
    let from_builtin = assert_cmd::Command::cargo_bin("vrrplab")
        .unwrap()
        .args(["sim", "builtin:master-stop"])
        .assert()
        .success();
    assert_eq!(
        from_file,
        String::from_utf8_lossy(&from_builtin.get_output().stdout),
        "the file and the built-in simulate alike"
    );
    std::fs::write(
        &path,
        std::fs::read_to_string(&builtin)
            .unwrap()
            .replace("priority 80", "priority eighty"),
    )
    .unwrap();
    let bad = sim(&path).code(2);
    let stderr = String::from_utf8_lossy(&bad.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&format!("{}:", path.display()))
            && stderr.contains("expected a number after 'priority', found 'eighty'"),
        "{stderr}"
    );
}
