//! The engine on the lab: against real keepalived, and against the simulator.

use super::*;

fn engine_node(name: &str, ip: &str, last: u8, state: InitialState, priority: u8) -> Node {
    Node { implementation: Impl::Engine, ..keepalived_node(name, ip, last, state, priority) }
}

fn has_vip(lab: &Lab, node: &str) -> bool {
    ip_in(&format!("{}.{node}", lab.name()), &["addr", "show", "dev", "eth0"]).contains("inet 192.0.2.100/24")
}

#[test]
fn the_engine_and_real_keepalived_agree_and_fail_over_both_ways() {
    let Some(_serial) = lab_env(true) else { return };
    let scenario = Scenario {
        nodes: vec![
            engine_node("n1", "192.0.2.11/24", 1, InitialState::Backup, 100),
            keepalived_node("n2", "192.0.2.12/24", 2, InitialState::Backup, 90),
        ],
        ..Default::default()
    };
    let limits = CaptureLimits { max_frames: 10_000, max_duration: Duration::from_secs(60) };
    let mut lab = Lab::up(&scenario, &LabOptions { capture: Some(limits), echo_log: false }).unwrap();
    let t0 = lab.t0();
    lab.start("n1").unwrap();
    lab.start("n2").unwrap();
    // The engine (100) is elected; its VIP is on the node's real interface.
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(4500)));
    assert!(has_vip(&lab, "n1") && !has_vip(&lab, "n2"));
    // Engine -> keepalived: the engine resigns, keepalived takes over.
    lab.apply(&Action::Stop { node: "n1".into() }).unwrap();
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(6000)));
    assert!(!has_vip(&lab, "n1") && has_vip(&lab, "n2"));
    // Keepalived -> engine: the engine comes back and preempts.
    lab.apply(&Action::Start { node: "n1".into() }).unwrap();
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(11000)));
    assert!(has_vip(&lab, "n1") && !has_vip(&lab, "n2"));
    let frames = lab.finish_capture().unwrap();
    let log = lab.log().lines();
    drop(lab);

    let said = |node: &str, text: &str| log.iter().filter(|l| l.node == node && l.text.contains(text)).count();
    assert_eq!(said("n1", "Entering MASTER STATE"), 2, "{log:#?}");
    assert_eq!(said("n2", "Backup received priority 0 advertisement"), 1);
    assert_eq!(said("n2", "Entering MASTER STATE"), 1);
    assert_eq!(said("n2", "Master received advert from 192.0.2.11 with higher priority 100, ours 90"), 1);
    for bad in ["invalid", "Invalid", "mismatch", "wrong", "expect", "unexpected"] {
        assert_eq!(said("n2", bad), 0, "keepalived complained ({bad}): {log:#?}");
    }
    // The engine's adverts on the wire (master, resign, master) carry good checksums.
    let checks: Vec<bool> = frames
        .iter()
        .filter_map(|f| {
            let d = decode(f.linktype, &f.data);
            let (ip, payload) = d.vrrp()?;
            (ip.src == self::ip("192.0.2.11"))
                .then(|| Packet::new_checked(payload).unwrap().verify_checksum(ip.src, ip.dst).is_some())
        })
        .collect();
    assert!(checks.len() >= 4 && checks.iter().all(|ok| *ok), "{checks:?}");
}

#[test]
fn a_vrrp_block_makes_the_engine_deaf_too() {
    let Some(_serial) = lab_env(true) else { return };
    let scenario = Scenario {
        duration_us: 6_000_000,
        nodes: vec![
            keepalived_node("n1", "192.0.2.11/24", 1, InitialState::Master, 100),
            engine_node("n2", "192.0.2.12/24", 2, InitialState::Backup, 90),
        ],
        events: vec![Event { at_us: 0, action: Action::BlockVrrp { node: "n2".into() } }],
        ..Default::default()
    };
    let rec = run(&scenario, &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    assert!(ads.iter().any(|(_, src, p)| *src == ip("192.0.2.11") && *p == 100), "{ads:?}");
    assert!(ads.iter().any(|(_, src, p)| *src == ip("192.0.2.12") && *p == 90), "the deaf engine went master: {ads:?}");
    assert!(logged(&rec, "n1", "Received advert from 192.0.2.12 with lower priority 90, ours 100"));
}

#[test]
fn the_same_scenario_in_sim_and_lab_has_the_same_masters_at_the_same_times() {
    let Some(_serial) = lab_env(true) else { return };
    let stop = Event { at_us: 6_000_000, action: Action::Stop { node: "n1".into() } };
    let mut scenario = pair(9, vec![stop]);
    for n in &mut scenario.nodes {
        n.implementation = Impl::Engine;
    }
    let mut built = vrrplab::sim::build::build(&scenario, None).unwrap();
    built.world.run_until(scenario.duration_us).unwrap();
    let names = built.world.node_names();
    let sim: Vec<(f64, String)> = vrrplab::sim::summary::masters(built.world.log(), 51)
        .into_iter()
        .map(|(at, n)| (at as f64 / 1e6, names[n].clone()))
        .collect();

    let rec = run(&scenario, &RunOptions::default()).unwrap();
    let lab: Vec<(f64, String)> = rec
        .log
        .iter()
        .filter(|l| l.text == "(VI_1) Entering MASTER STATE")
        .map(|l| (l.at.as_secs_f64(), l.node.clone()))
        .collect();
    let who = |v: &[(f64, String)]| v.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>();
    assert_eq!(who(&lab), who(&sim), "lab {lab:?}, sim {sim:?}");
    assert_eq!(who(&sim), ["n1", "n2"]);
    for ((t_lab, n), (t_sim, _)) in lab.iter().zip(&sim) {
        assert!((t_lab - t_sim).abs() < 0.05, "{n}: master at {t_lab:.3} s in the lab, {t_sim:.3} s in sim");
    }
}

#[test]
fn an_engine_crash_leaves_its_vip_and_a_restart_takes_it_up_again() {
    let Some(_serial) = lab_env(false) else { return };
    let scenario = Scenario {
        nodes: vec![engine_node("n1", "192.0.2.11/24", 1, InitialState::Master, 100)],
        ..Default::default()
    };
    let mut lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
    let t0 = lab.t0();
    lab.start("n1").unwrap();
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(4000)));
    assert!(has_vip(&lab, "n1"), "master after Master_Down_Interval");
    lab.apply(&Action::Crash { node: "n1".into() }).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(has_vip(&lab, "n1"), "a crash removes nothing");
    lab.apply(&Action::Start { node: "n1".into() }).unwrap();
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(8500)));
    assert!(has_vip(&lab, "n1"));
    let log = lab.log().lines();
    let masters = log.iter().filter(|l| l.node == "n1" && l.text == "(VI_1) Entering MASTER STATE").count();
    assert_eq!(masters, 2, "{log:#?}");
    assert!(!log.iter().any(|l| l.node == "n1" && l.text.starts_with("lab: ")), "the driver complained: {log:#?}");
}

#[test]
fn no_accept_makes_the_engine_masters_kernel_drop_what_is_sent_to_the_vip() {
    let Some(_serial) = lab_env(true) else { return };
    let mut n1 = engine_node("n1", "192.0.2.11/24", 1, InitialState::Master, 100);
    n1.keepalived.as_mut().unwrap().instances[0].accept = Some(false);
    let scenario = Scenario { nodes: vec![n1, node("n2", "192.0.2.12/24", 2)], ..Default::default() };
    let mut lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
    lab.start("n1").unwrap();
    assert!(vrrplab::lab::sleep_until(lab.t0(), Duration::from_millis(4000)));
    assert!(has_vip(&lab, "n1"));
    // From n2: nobody listens on port 9, so n1's kernel refuses at its own
    // address; at the VIP the SYN is dropped before that.
    let connect = |to: &str| {
        let to: std::net::SocketAddr = format!("{to}:9").parse().unwrap();
        lab.node("n2").unwrap().netns.run(move || Ok(std::net::TcpStream::connect_timeout(&to, Duration::from_millis(1500)).map(|_| ()))).unwrap()
    };
    assert_eq!(connect("192.0.2.11").unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
    assert_eq!(connect("192.0.2.100").unwrap_err().kind(), std::io::ErrorKind::TimedOut);
    let log = lab.log().lines();
    assert!(!log.iter().any(|l| l.node == "n1" && l.text.starts_with("lab: ")), "the driver complained: {log:#?}");
}
