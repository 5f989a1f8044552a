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

/// The first advert from `who` at or after `from` seconds into the capture.
fn first_advert_from(ads: &[(f64, IpAddr, u8)], who: &str, from: f64) -> Option<(f64, u8)> {
    ads.iter().find(|(t, src, _)| *t >= from && *src == ip(who)).map(|(t, _, p)| (*t, *p))
}

fn logged(rec: &vrrplab::lab::run::Recording, node: &str, text: &str) -> bool {
    rec.log.iter().any(|l| l.node == node && l.text.contains(text))
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/real/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn pcap_frames(path: &std::path::Path) -> Vec<Frame> {
    let mut source = vrrplab::capture::open(path).unwrap();
    let (mut frames, mut f) = (Vec::new(), Frame::default());
    while source.next_frame(&mut f).unwrap() {
        frames.push(f.clone());
    }
    frames
}

#[path = "lab/namespaces.rs"]
mod namespaces;

#[path = "lab/keepalived.rs"]
mod keepalived;

#[path = "lab/engine.rs"]
mod engine;

#[path = "lab/cli.rs"]
mod cli;

#[path = "lab/hostile.rs"]
mod hostile;

#[path = "lab/lvs.rs"]
mod lvs;

#[path = "lab/vmac.rs"]
mod vmac;
