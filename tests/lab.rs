//! Lab tests: real namespaces, real keepalived. They need root (CI runs as
//! root). Each test checks first; with `CI=true` a missing capability is a
//! failure, elsewhere the test prints why and passes without running.
//!
//! The tests of this binary run one at a time (they share one lock), so
//! that real-time keepalived runs do not slow each other down; running
//! them with `--test-threads=1` is equivalent.

use std::net::{IpAddr, UdpSocket};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use vrrplab::capture::{Frame, LinkType};
use vrrplab::lab::capture::CaptureLimits;
use vrrplab::capture::live::PacketSocket;
use vrrplab::lab::run::{run, RunOptions};
use vrrplab::lab::{netns, Lab, LabOptions};
use vrrplab::scenario::conf::{Auth, AuthKind, InitialState, KeepalivedConf, Vip, VrrpInstance};
use vrrplab::scenario::model::{Action, Event, IfAddr, Impl, Node, Scenario};
use vrrplab::wire::decode::decode;
use vrrplab::wire::vrrp::Packet;

static SERIAL: Mutex<()> = Mutex::new(());

/// Takes the lock if the machine can run the lab; `None` (skip) otherwise.
fn lab_env(needs_keepalived: bool) -> Option<MutexGuard<'static, ()>> {
    let missing = if !nix::unistd::geteuid().is_root() {
        Some("root".to_string())
    } else if let Err(e) = can_unshare_netns() {
        Some(format!("network namespaces ({e})"))
    } else if needs_keepalived && vrrplab::lab::keepalived::binary().is_err() {
        Some("keepalived".to_string())
    } else if needs_keepalived && which("nft").is_none() {
        Some("nft".to_string())
    } else {
        None
    };
    if let Some(what) = missing {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("lab test needs {what}, and CI=true makes a missing capability a failure");
        }
        eprintln!("skipping lab test: needs {what}");
        return None;
    }
    Some(SERIAL.lock().unwrap_or_else(|e| e.into_inner()))
}

fn can_unshare_netns() -> nix::Result<()> {
    std::thread::spawn(|| nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET)).join().unwrap()
}

fn which(prog: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(Into::into))
        .map(|d| d.join(prog))
        .find(|p| p.exists())
}

/// `ip netns list`, names only: the kernel's view, not the lab's.
fn ip_netns_list() -> Vec<String> {
    let out = Command::new("ip").args(["netns", "list"]).output().expect("ip netns list");
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.split_whitespace().next()).map(String::from).collect()
}

fn ip_in(ns: &str, args: &[&str]) -> String {
    let out = Command::new("ip").args(["-n", ns]).args(args).output().expect("ip");
    assert!(out.status.success(), "ip -n {ns} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Alive and not a zombie waiting to be reaped.
fn running(pid: nix::unistd::Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, rest)| !rest.starts_with('Z')))
}

fn addr(s: &str) -> IfAddr {
    let (a, p) = s.split_once('/').unwrap();
    IfAddr { addr: a.parse().unwrap(), prefix: p.parse().unwrap() }
}

fn node(name: &str, ip: &str, last: u8) -> Node {
    Node { name: name.into(), addrs: vec![addr(ip)], mac: [2, 0, 0, 0, 0, last], ..Default::default() }
}

fn keepalived_node(name: &str, ip: &str, last: u8, state: InitialState, priority: u8) -> Node {
    let conf = KeepalivedConf {
        instances: vec![VrrpInstance {
            name: "VI_1".into(),
            state: Some(state),
            interface: Some("eth0".into()),
            vrid: 51,
            priority: Some(priority),
            advert_int_us: Some(1_000_000),
            auth: Some(Auth { kind: AuthKind::Pass, pass: "1111".into() }),
            vips: vec![Vip { addr: "192.0.2.100".parse().unwrap(), prefix: 24, dev: None, label: None }],
            ..Default::default()
        }],
        ..Default::default()
    };
    Node { implementation: Impl::Keepalived, keepalived: Some(conf), ..node(name, ip, last) }
}

fn pair(duration_s: u64, events: Vec<Event>) -> Scenario {
    pair_of(Impl::Keepalived, duration_s, events)
}

/// n1 (100, state MASTER) and n2 (90), both run by `imp`.
fn pair_of(imp: Impl, duration_s: u64, events: Vec<Event>) -> Scenario {
    let mut s = Scenario {
        name: "pair".into(),
        duration_us: duration_s * 1_000_000,
        nodes: vec![
            keepalived_node("n1", "192.0.2.11/24", 1, InitialState::Master, 100),
            keepalived_node("n2", "192.0.2.12/24", 2, InitialState::Backup, 90),
        ],
        events,
        ..Default::default()
    };
    for n in &mut s.nodes {
        n.implementation = imp;
    }
    s
}

/// Both ways a node can run, for the tests whose facts hold for both.
const IMPLS: [Impl; 2] = [Impl::Keepalived, Impl::Engine];

fn capture_opts() -> RunOptions {
    RunOptions {
        capture: Some(CaptureLimits { max_frames: 10_000, max_duration: Duration::from_secs(60) }),
        ..Default::default()
    }
}

/// The VRRP adverts of a capture: (seconds since the first frame, source, priority).
fn adverts(frames: &[Frame]) -> Vec<(f64, IpAddr, u8)> {
    let start = frames.first().map_or(0.0, |f| f.ts.as_secs_f64());
    frames
        .iter()
        .filter_map(|f| {
            let d = decode(f.linktype, &f.data);
            let (ip, payload) = d.vrrp()?;
            let p = Packet::new_checked(payload).ok()?;
            Some((f.ts.as_secs_f64() - start, ip.src, p.priority()))
        })
        .collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn namespaces_and_veths_are_made_and_removed() {
    let Some(_serial) = lab_env(false) else { return };
    let scenario = Scenario {
        nodes: vec![node("n1", "192.0.2.11/24", 1), node("n2", "192.0.2.12/24", 2)],
        ..Default::default()
    };
    let lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
    let name = lab.name().to_string();
    let listed = ip_netns_list();
    for ns in [name.clone(), format!("{name}.n1"), format!("{name}.n2")] {
        assert!(listed.contains(&ns), "{ns} not in {listed:?}");
    }
    let n1 = ip_in(&format!("{name}.n1"), &["addr", "show", "dev", "eth0"]);
    assert!(n1.contains("inet 192.0.2.11/24"), "{n1}");
    assert!(n1.contains("link/ether 02:00:00:00:00:01"), "{n1}");
    assert!(n1.contains("state UP"), "{n1}");
    assert!(!n1.contains("inet6"), "IPv6 is off on an IPv4-only node: {n1}");
    let lo = ip_in(&format!("{name}.n1"), &["link", "show", "dev", "lo"]);
    assert!(lo.contains("UP"), "{lo}");
    let ports = ip_in(&name, &["link", "show", "master", "br0"]);
    assert!(ports.contains("p-n1@") && ports.contains("p-n2@"), "{ports}");
    // Nothing of the lab is in the host's namespace.
    let host = Command::new("ip").args(["link", "show"]).output().unwrap();
    let host = String::from_utf8_lossy(&host.stdout);
    assert!(!host.contains("p-n1") && !host.contains("br0:"), "{host}");
    // The nodes reach each other over the bridge (ARP, then UDP).
    let rx = lab.node("n2").unwrap().netns.run(|| Ok(UdpSocket::bind("192.0.2.12:9999")?)).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    lab.node("n1")
        .unwrap()
        .netns
        .run(|| Ok(UdpSocket::bind("192.0.2.11:0")?.send_to(b"hello", "192.0.2.12:9999")?))
        .unwrap();
    let mut buf = [0; 16];
    let (n, from) = rx.recv_from(&mut buf).expect("n2 received nothing from n1");
    assert_eq!((&buf[..n], from.ip()), (&b"hello"[..], ip("192.0.2.11")));
    drop(lab);
    let after = ip_netns_list();
    assert!(!after.iter().any(|n| n.starts_with(&name)), "left behind: {after:?}");
    assert!(!vrrplab::lab::cleanup::lab_dir(&name).exists());
}

#[test]
fn nodes_get_ipv6_loopback_vips_sysctls_and_a_gateway() {
    let Some(_serial) = lab_env(false) else { return };
    let mut rs = node("rs1", "192.0.2.21/24", 0x21);
    rs.addrs.push(addr("2001:db8::21/64"));
    rs.vip_on_lo = vec![ip("192.0.2.100")];
    rs.arp_ignore = 1;
    rs.arp_announce = 2;
    rs.gateway = Some(ip("192.0.2.1"));
    rs.ip_forward = true;
    let scenario = Scenario { nodes: vec![rs], ..Default::default() };
    let host_announce = || std::fs::read_to_string("/proc/sys/net/ipv4/conf/all/arp_announce").unwrap();
    let host_before = host_announce();
    let lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
    let ns = format!("{}.rs1", lab.name());
    let eth = ip_in(&ns, &["addr", "show", "dev", "eth0"]);
    assert!(eth.contains("inet6 2001:db8::21/64"), "{eth}");
    assert!(!eth.contains("tentative"), "usable at once, without DAD: {eth}");
    let lo = ip_in(&ns, &["addr", "show", "dev", "lo"]);
    assert!(lo.contains("inet 192.0.2.100/32"), "{lo}");
    let routes = ip_in(&ns, &["route", "show", "default"]);
    assert!(routes.contains("default via 192.0.2.1 dev eth0"), "{routes}");
    let sysctl = |key: &str| {
        let out = Command::new("ip").args(["netns", "exec", &ns, "cat", &format!("/proc/sys/net/ipv4/conf/{key}")]).output();
        String::from_utf8_lossy(&out.unwrap().stdout).trim().to_string()
    };
    assert_eq!(sysctl("eth0/arp_ignore"), "1");
    let forward = Command::new("ip").args(["netns", "exec", &ns, "cat", "/proc/sys/net/ipv4/ip_forward"]).output();
    assert_eq!(String::from_utf8_lossy(&forward.unwrap().stdout).trim(), "1");
    assert_eq!(sysctl("all/arp_announce"), "2");
    assert_eq!(host_announce(), host_before, "the host's own settings are untouched");
}

#[test]
fn a_lab_that_fails_halfway_up_removes_what_it_made() {
    let Some(_serial) = lab_env(false) else { return };
    let mine = || {
        let prefix = format!("vl-{}-", std::process::id());
        ip_netns_list().into_iter().filter(|n| n.starts_with(&prefix)).count()
    };
    let before = mine();
    let bad = Node { addrs: vec![IfAddr { addr: ip("192.0.2.12"), prefix: 33 }], ..node("n2", "192.0.2.12/24", 2) };
    let scenario = Scenario { nodes: vec![node("n1", "192.0.2.11/24", 1), bad], ..Default::default() };
    let err = Lab::up(&scenario, &LabOptions::default()).err().expect("a /33 cannot be added");
    assert!(format!("{err:#}").contains("n2"), "{err:#}");
    assert_eq!(mine(), before);
    for bad_name in ["", "a-name-far-too-long", "n/1"] {
        let scenario = Scenario { nodes: vec![node(bad_name, "192.0.2.11/24", 1)], ..Default::default() };
        assert!(Lab::up(&scenario, &LabOptions::default()).is_err(), "{bad_name:?}");
    }
    assert_eq!(mine(), before);
}

#[test]
fn a_panic_inside_a_lab_still_removes_its_namespaces() {
    let Some(_serial) = lab_env(false) else { return };
    let scenario = Scenario { nodes: vec![node("n1", "192.0.2.11/24", 1)], ..Default::default() };
    let name = Mutex::new(String::new());
    let result = std::panic::catch_unwind(|| {
        let lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
        *name.lock().unwrap() = lab.name().to_string();
        assert!(ip_netns_list().contains(&format!("{}.n1", lab.name())));
        panic!("on purpose, with the lab up");
    });
    assert!(result.is_err());
    let name = name.into_inner().unwrap();
    assert!(!name.is_empty());
    let after = ip_netns_list();
    assert!(!after.iter().any(|n| n.starts_with(&name)), "left behind: {after:?}");
}

/// Run by the tests below in a child process that is then killed or
/// signalled: brings a lab up with keepalived on n1 and waits.
#[test]
#[ignore = "helper: run by other tests in a process of its own"]
fn helper_lab_that_waits_for_a_signal() {
    let Ok(marker) = std::env::var("VRRPLAB_TEST_MARKER") else { return };
    let scenario = pair(60, vec![]);
    let mut lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
    lab.start("n1").unwrap();
    // A process that outlives a killed lab for sure (keepalived may die of
    // SIGPIPE at its next log line once the lab reading it is gone).
    let mut sleeper = lab
        .node("n2")
        .unwrap()
        .netns
        .run(|| Ok(Command::new("sleep").arg("60").stdout(std::process::Stdio::null()).spawn()?))
        .unwrap();
    std::fs::write(&marker, lab.name()).unwrap();
    vrrplab::lab::sleep_until(lab.t0(), Duration::from_secs(60));
    drop(lab);
    sleeper.wait().unwrap();
}

/// Starts [`helper_lab_that_waits_for_a_signal`]; returns it and its lab's name.
fn spawn_helper_lab() -> (std::process::Child, String) {
    let marker = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    std::fs::remove_file(&marker).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "helper_lab_that_waits_for_a_signal", "--ignored", "--nocapture"])
        .env("VRRPLAB_TEST_MARKER", &*marker)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut name = std::fs::read_to_string(&marker);
    while name.is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        name = std::fs::read_to_string(&marker);
    }
    if name.is_err() {
        let _ = child.kill();
        let _ = child.wait();
    }
    (child, name.expect("the helper never brought its lab up"))
}

fn wait_gone(pids: &[nix::unistd::Pid]) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| running(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    !pids.iter().any(|p| running(*p))
}

#[test]
fn a_killed_lab_leaves_namespaces_that_lab_down_removes() {
    let Some(_serial) = lab_env(true) else { return };
    let (mut child, name) = spawn_helper_lab();
    child.kill().unwrap();
    child.wait().unwrap();
    let left = ip_netns_list();
    assert!(left.contains(&format!("{name}.n1")), "the killed lab should leave {name}.n1 behind: {left:?}");
    let left_running = netns::Netns::open(&format!("{name}.n2")).unwrap().pids();
    assert!(!left_running.is_empty(), "the helper's process should outlive the killed lab");

    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab")).args(["lab", "down"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("{name}.n1")), "{said}");
    let after = ip_netns_list();
    assert!(!after.iter().any(|n| n.starts_with(&name)), "left behind: {after:?}");
    assert!(wait_gone(&left_running), "a process of the lab is still running");
    assert!(!vrrplab::lab::cleanup::lab_dir(&name).exists());
}

#[test]
fn sigterm_tears_the_lab_down() {
    let Some(_serial) = lab_env(true) else { return };
    let (mut child, name) = spawn_helper_lab();
    let keepalived = netns::Netns::open(&format!("{name}.n1")).unwrap().pids();
    assert!(!keepalived.is_empty());
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the lab process did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let after = ip_netns_list();
    assert!(!after.iter().any(|n| n.starts_with(&name)), "left behind: {after:?}");
    assert!(wait_gone(&keepalived), "keepalived still running");
    assert!(!vrrplab::lab::cleanup::lab_dir(&name).exists());
}

#[test]
fn a_frame_sent_from_a_node_is_captured_on_the_bridge() {
    let Some(_serial) = lab_env(false) else { return };
    let scenario = Scenario {
        nodes: vec![node("n1", "192.0.2.11/24", 1), node("n2", "192.0.2.12/24", 2)],
        ..Default::default()
    };
    let limits = CaptureLimits { max_frames: 100, max_duration: Duration::from_secs(10) };
    let mut lab = Lab::up(&scenario, &LabOptions { capture: Some(limits), echo_log: false }).unwrap();
    let n1 = lab.node("n1").unwrap();
    // An Ethernet frame with the local experimental EtherType, n1 -> n2.
    let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5];
    frame.extend_from_slice(b"vrrplab lab test frame, padded to the minimum");
    let n2_sock = lab.node("n2").unwrap().netns.run(|| {
        let mut rtnl = vrrplab::lab::netlink::Rtnl::open()?;
        PacketSocket::open(rtnl.link_index("eth0")?, false, Duration::from_millis(100))
    });
    let mut n2_sock = n2_sock.unwrap();
    n1.netns
        .run(|| {
            let mut rtnl = vrrplab::lab::netlink::Rtnl::open()?;
            PacketSocket::open(rtnl.link_index("eth0")?, false, Duration::from_millis(100))?.send(&frame)
        })
        .unwrap();
    let mut got = Frame::default();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut received = false;
    while !received && Instant::now() < deadline {
        received = n2_sock.recv(&mut got).unwrap() && got.data == frame;
    }
    assert!(received, "n2 never received n1's frame");
    std::thread::sleep(Duration::from_millis(200));
    let frames = lab.finish_capture().unwrap();
    assert!(frames.iter().any(|f| f.data == frame && f.linktype == LinkType::Ethernet), "{} frames", frames.len());
}

#[test]
fn two_keepalived_elect_one_master() {
    let Some(_serial) = lab_env(true) else { return };
    let rec = run(&pair(6, vec![]), &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    assert!(!ads.is_empty(), "no adverts captured");
    assert!(ads.iter().all(|(_, src, prio)| *src == ip("192.0.2.11") && *prio == 100), "{ads:?}");
    let master_lines = rec.log.iter().filter(|l| l.text.contains("Entering MASTER STATE")).collect::<Vec<_>>();
    assert_eq!(master_lines.len(), 1, "{master_lines:?}");
    assert_eq!(master_lines[0].node, "n1");
    // The VIP is on the master only.
    assert!(rec.log.iter().any(|l| l.node == "n1" && l.text.contains("setting VIPs")));
    assert!(!rec.interrupted);
}

#[test]
fn graceful_stop_fails_over_after_skew_time() {
    let Some(_serial) = lab_env(true) else { return };
    let stop = Event { at_us: 5_000_000, action: Action::Stop { node: "n1".into() } };
    let rec = run(&pair(8, vec![stop]), &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    let resign = ads.iter().position(|(_, src, prio)| *src == ip("192.0.2.11") && *prio == 0);
    let resign = resign.unwrap_or_else(|| panic!("no priority-0 advert: {ads:?}"));
    let (t_resign, _, _) = ads[resign];
    // Nothing from n2 before the resignation; after it, n2 at 90.
    assert!(ads[..resign].iter().all(|(_, src, _)| *src == ip("192.0.2.11")), "{ads:?}");
    let (t_first, _, prio) = ads[resign + 1..]
        .iter()
        .copied()
        .find(|(_, src, _)| *src == ip("192.0.2.12"))
        .unwrap_or_else(|| panic!("the backup never advertised: {ads:?}"));
    assert_eq!(prio, 90);
    // Skew_Time at priority 90 is (256-90)/256 s = 0.648 s.
    let takeover = t_first - t_resign;
    assert!((0.5..1.0).contains(&takeover), "takeover after {takeover:.3} s, expected about 0.648 s");
    assert!(rec.log.iter().any(|l| l.node == "n1" && l.text.contains("sent 0 priority")));
    assert!(rec.log.iter().any(|l| l.node == "n2" && l.text.contains("Entering MASTER STATE")));
}

#[test]
fn an_nftables_vrrp_block_makes_split_brain() {
    let Some(_serial) = lab_env(true) else { return };
    let block = |n: &str| Event { at_us: 0, action: Action::BlockVrrp { node: n.into() } };
    let rec = run(&pair(6, vec![block("n1"), block("n2")]), &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    for (who, prio) in [("192.0.2.11", 100), ("192.0.2.12", 90)] {
        assert!(ads.iter().any(|(_, src, p)| *src == ip(who) && *p == prio), "{who} never advertised: {ads:?}");
    }
    for n in ["n1", "n2"] {
        assert!(
            rec.log.iter().any(|l| l.node == n && l.text.contains("Entering MASTER STATE")),
            "{n} never became master"
        );
    }
}

/// The first advert from `who` at or after `from` seconds into the capture.
fn first_advert_from(ads: &[(f64, IpAddr, u8)], who: &str, from: f64) -> Option<(f64, u8)> {
    ads.iter().find(|(t, src, _)| *t >= from && *src == ip(who)).map(|(t, _, p)| (*t, *p))
}

fn logged(rec: &vrrplab::lab::run::Recording, node: &str, text: &str) -> bool {
    rec.log.iter().any(|l| l.node == node && l.text.contains(text))
}

#[test]
fn a_crash_is_silent_and_the_backup_waits_master_down_interval() {
    let Some(_serial) = lab_env(true) else { return };
    for imp in IMPLS {
        let crash = Event { at_us: 4_500_000, action: Action::Crash { node: "n1".into() } };
        let rec = run(&pair_of(imp, 9, vec![crash]), &capture_opts()).unwrap();
        let ads = adverts(&rec.frames);
        assert!(!ads.iter().any(|(_, _, p)| *p == 0), "{imp:?}: a crash sends no priority 0: {ads:?}");
        let last_n1 = ads.iter().rev().find(|(_, src, _)| *src == ip("192.0.2.11")).expect("n1 advertised").0;
        let (first_n2, prio) = first_advert_from(&ads, "192.0.2.12", 0.0).expect("n2 took over");
        assert_eq!(prio, 90);
        // Master_Down_Interval at priority 90: 3 s + 0.648 s.
        let waited = first_n2 - last_n1;
        assert!((3.4..3.9).contains(&waited), "{imp:?}: n2 took over {waited:.3} s after n1's last advert: {ads:?}");
        assert!(!logged(&rec, "n1", "sent 0 priority"));
    }
}

#[test]
fn link_down_takes_the_master_off_the_lan() {
    let Some(_serial) = lab_env(true) else { return };
    for imp in IMPLS {
        let down = Event { at_us: 4_500_000, action: Action::LinkDown { node: "n1".into() } };
        let rec = run(&pair_of(imp, 9, vec![down]), &capture_opts()).unwrap();
        let ads = adverts(&rec.frames);
        assert!(first_advert_from(&ads, "192.0.2.11", 0.0).is_some(), "{imp:?}: n1 was master first: {ads:?}");
        assert!(first_advert_from(&ads, "192.0.2.12", 0.0).is_some(), "{imp:?}: n2 took over: {ads:?}");
        assert!(logged(&rec, "n1", "Entering FAULT STATE"), "{imp:?}: n1 saw its link go down");
        assert!(logged(&rec, "n2", "Entering MASTER STATE"));
    }
}

#[test]
fn a_partition_splits_the_lan_and_heal_joins_it() {
    let Some(_serial) = lab_env(true) else { return };
    let groups = vec![vec!["n1".to_string()], vec!["n2".to_string()]];
    let events = vec![
        Event { at_us: 0, action: Action::Partition { groups } },
        Event { at_us: 5_000_000, action: Action::Heal },
    ];
    let rec = run(&pair(7, events), &capture_opts()).unwrap();
    for n in ["n1", "n2"] {
        assert!(logged(&rec, n, "Entering MASTER STATE"), "{n} never became master behind the partition");
    }
    // After the heal n2 hears n1's higher priority and yields.
    assert!(logged(&rec, "n2", "Entering BACKUP STATE"), "n2 did not yield after the heal");
    let yielded = rec.log.iter().rfind(|l| l.node == "n2" && l.text.contains("Entering BACKUP STATE")).unwrap();
    assert!(yielded.at > Duration::from_secs(5));
}

#[test]
fn a_failing_script_lowers_the_priority_and_set_priority_raises_it() {
    let Some(_serial) = lab_env(true) else { return };
    for imp in IMPLS {
        script_and_priority(imp);
    }
}

fn script_and_priority(imp: Impl) {
    let mut scenario = pair_of(imp, 10, vec![]);
    let conf = scenario.nodes[0].keepalived.as_mut().unwrap();
    conf.scripts.push(vrrplab::scenario::conf::VrrpScript {
        name: "chk".into(),
        script: "/usr/bin/true".into(),
        interval_us: Some(1_000_000),
        weight: Some(-30),
        ..Default::default()
    });
    conf.instances[0].track_scripts.push(vrrplab::scenario::conf::Track { name: "chk".into(), weight: None, reverse: false });
    scenario.events = vec![
        Event { at_us: 0, action: Action::ScriptFail { node: "n1".into(), script: "chk".into() } },
        Event { at_us: 5_000_000, action: Action::SetPriority { node: "n1".into(), priority: 200 } },
    ];
    let rec = run(&scenario, &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    // 100 - 30 = 70 < 90: n2 is elected.
    let (t_n2, _) = first_advert_from(&ads, "192.0.2.12", 0.0).expect("n2 was elected");
    assert!(!ads.iter().any(|(t, src, _)| *t < t_n2 && *src == ip("192.0.2.11")), "{imp:?}: {ads:?}");
    assert!(logged(&rec, "n1", "VRRP_Script(chk) failed"));
    // 200 - 30 = 170 > 90: n1 takes over, advertising 170.
    assert!(ads.iter().any(|(_, src, p)| *src == ip("192.0.2.11") && *p == 170), "{imp:?}: {ads:?}");
}

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

fn fixture(name: &str) -> String {
    format!("{}/fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn lab_run_writes_the_capture_and_the_log() {
    let Some(_serial) = lab_env(true) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (pcap, log) = (dir.path().join("out.pcap"), dir.path().join("out.log"));
    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .args(["lab", "run", "--quiet", "--duration", "5s", &fixture("graceful_stop.toml"), "-w"])
        .arg(&pcap)
        .arg("--log")
        .arg(&log)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "--quiet: {}", String::from_utf8_lossy(&out.stdout));
    let mut source = vrrplab::capture::open(&pcap).unwrap();
    let mut frames = Vec::new();
    let mut f = Frame::default();
    while source.next_frame(&mut f).unwrap() {
        frames.push(f.clone());
    }
    let ads = adverts(&frames);
    assert!(ads.iter().any(|(_, src, p)| *src == ip("192.0.2.11") && *p == 100), "{ads:?}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.starts_with("0.000000 lab t0 "), "{log}");
    assert!(log.contains(" n1 (VI_1) Entering MASTER STATE\n"), "{log}");
    // The run ended at 5 s, before the scenario's stop at 6 s.
    assert!(!log.contains("lab stop n1\n"), "{log}");
}

#[test]
fn lab_up_keeps_the_lab_until_its_duration_and_lab_commands_fail_cleanly() {
    let Some(_serial) = lab_env(true) else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .args(["lab", "up", "--duration", "1s", &fixture("graceful_stop.toml")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("lab up vl-") && said.contains("n1 Starting Keepalived"), "{said}");
    let name = said.split("lab up ").nth(1).unwrap().split(':').next().unwrap().to_string();
    assert!(!ip_netns_list().iter().any(|n| n.starts_with(&name)));

    for (args, want) in [
        (vec!["lab", "run", "/nonexistent.toml"], "nonexistent"),
        (vec!["lab", "run", "--duration", "0s", &fixture("graceful_stop.toml")], "duration"),
        (vec!["lab", "up", "--duration", "2h", &fixture("graceful_stop.toml")], "3600"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_vrrplab")).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want) && !err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `vrrplab live ARGS` inside node `node`'s namespace, its stdout piped.
fn live_in(lab: &Lab, node: &str, args: &[&str]) -> std::process::Child {
    lab.node(node)
        .unwrap()
        .netns
        .run(|| {
            Ok(Command::new(env!("CARGO_BIN_EXE_vrrplab"))
                .arg("live")
                .args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()?)
        })
        .unwrap()
}

/// Sends a UDP datagram from n1 to n2 every 100 ms until `done` says so
/// (at most 10 s).
fn udp_until(lab: &Lab, mut done: impl FnMut() -> bool) {
    let sock = lab.node("n1").unwrap().netns.run(|| Ok(UdpSocket::bind("192.0.2.11:0")?)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() && Instant::now() < deadline {
        let _ = sock.send_to(b"vrrplab live test", "192.0.2.12:9");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn pcap_frames(path: &std::path::Path) -> Vec<Frame> {
    let mut source = vrrplab::capture::open(path).unwrap();
    let (mut frames, mut f) = (Vec::new(), Frame::default());
    while source.next_frame(&mut f).unwrap() {
        frames.push(f.clone());
    }
    frames
}

fn two_hosts() -> Scenario {
    Scenario { nodes: vec![node("n1", "192.0.2.11/24", 1), node("n2", "192.0.2.12/24", 2)], ..Default::default() }
}

#[test]
fn live_prints_and_writes_what_crosses_an_interface() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.pcap");
    let out_arg = out.to_str().unwrap();
    let mut child = live_in(&lab, "n2", &["-i", "eth0", "-n", "-c", "4", "--duration", "20s", "-w", out_arg, "--print"]);
    udp_until(&lab, || child.try_wait().unwrap().is_some());
    let result = child.wait_with_output().unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let text = String::from_utf8_lossy(&result.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(text.contains(" > 192.0.2.12.9: UDP, length 17"), "{text}");
    let frames = pcap_frames(&out);
    assert_eq!(frames.len(), 4);
    assert!(frames.windows(2).all(|w| w[0].ts <= w[1].ts));
}

#[test]
fn live_ends_on_ctrl_c_with_the_capture_written() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.pcap");
    let mut child = live_in(&lab, "n2", &["-i", "eth0", "-w", out.to_str().unwrap(), "--print", "--duration", "30s"]);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut printed = Vec::new();
    udp_until(&lab, || {
        printed.extend(rx.try_iter());
        printed.len() >= 3
    });
    assert!(printed.len() >= 3, "live printed nothing: {printed:?}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    printed.extend(rx.try_iter());
    assert_eq!(status.code(), Some(0), "Ctrl-C ends live normally");
    assert_eq!(pcap_frames(&out).len(), printed.len(), "every printed frame is in the pcap: {printed:#?}");
}

#[cfg(feature = "libpcap")]
#[test]
fn live_with_a_kernel_filter_sees_only_what_it_accepts() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let mut child = live_in(&lab, "n2", &["-i", "eth0", "-n", "-c", "2", "--duration", "20s", "-f", "udp"]);
    udp_until(&lab, || child.try_wait().unwrap().is_some());
    let result = child.wait_with_output().unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let text = String::from_utf8_lossy(&result.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.lines().all(|l| l.contains("UDP") || l.contains(".9:")), "{text}");
    assert!(!text.contains("ARP"), "{text}");
}

#[test]
fn live_refuses_a_missing_interface() {
    let Some(_serial) = lab_env(false) else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab")).args(["live", "-i", "no-such-if0", "-c", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-if0") && !err.contains("panicked"), "{err}");
}
