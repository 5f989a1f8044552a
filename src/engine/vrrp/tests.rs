//! The state machine against keepalived 2.2.7's behaviour, to the
//! microsecond: one daemon driven by hand, its peer's adverts forged.

use super::advert::{self, Adverts};
use super::config::{InstanceConfig, ScriptConfig, TrackedScript, VipConfig};
use super::{Daemon, DaemonConfig, Iface};
use crate::capture::LinkType;
use crate::engine::{Command, Machine, Micros, Note, Outputs, VrrpState};
use crate::wire::decode::decode;
use crate::wire::vrrp::Packet;
use std::net::IpAddr;

const ME: &str = "192.0.2.12";
const PEER: &str = "192.0.2.11";
const MAC: [u8; 6] = [2, 0, 0, 0, 0, 2];

/// One daemon and everything it said, with times.
struct Bench {
    d: Daemon,
    now: Micros,
    out: Outputs,
    logs: Vec<(Micros, String)>,
    /// (time, priority) of adverts sent.
    adverts: Vec<(Micros, u8)>,
    garps: Vec<Micros>,
    vips: Vec<(Micros, bool)>,
    /// Frames sent, in order.
    frames: Vec<(Micros, Vec<u8>)>,
    /// Exit status the next script runs return.
    script_status: i32,
}

fn cfg(prio: u8) -> InstanceConfig {
    InstanceConfig { base_priority: prio, vips: vec![VipConfig { addr: "192.0.2.100".parse().unwrap(), prefix: 32 }], ..advert::test::cfg() }
}

impl Bench {
    fn new(c: InstanceConfig) -> Bench {
        Bench::with_scripts(c, vec![])
    }
    fn with_scripts(c: InstanceConfig, scripts: Vec<ScriptConfig>) -> Bench {
        let iface = Iface { name: "eth0".into(), mac: MAC, ipv4: Some(ME.parse().unwrap()), ipv6_ll: None };
        let dc = DaemonConfig { instances: vec![c], scripts, ..Default::default() };
        let mut b = Bench {
            d: Daemon::new(dc, iface),
            now: 0,
            out: Outputs::new(),
            logs: vec![],
            adverts: vec![],
            garps: vec![],
            vips: vec![],
            frames: vec![],
            script_status: 0,
        };
        b.cmd(Command::Start);
        b.run_to(0);
        b
    }

    fn drain(&mut self) {
        loop {
            let notes = std::mem::take(&mut self.out.notes);
            for tx in std::mem::take(&mut self.out.frames) {
                let d = decode(LinkType::Ethernet, &tx.frame);
                if let Some((_, body)) = d.vrrp() {
                    self.adverts.push((self.now, Packet::new_unchecked(body).priority()));
                } else if d.arp().is_some() {
                    self.garps.push(self.now);
                }
                self.frames.push((self.now, tx.frame));
            }
            if notes.is_empty() {
                return;
            }
            for n in notes {
                match n {
                    Note::Log(l) | Note::LogAs { line: l, .. } => self.logs.push((self.now, l)),
                    Note::AddAddr { .. } => self.vips.push((self.now, true)),
                    Note::DelAddr { .. } => self.vips.push((self.now, false)),
                    Note::RunScript { script } => {
                        let status = self.script_status;
                        self.d.on_command(self.now, &Command::ScriptExited { script, status }, &mut self.out);
                    }
                    Note::State(_) => {}
                }
            }
        }
    }

    fn cmd(&mut self, c: Command) {
        self.d.on_command(self.now, &c, &mut self.out);
        self.drain();
    }

    /// Runs timers up to and including `t`, then sets the clock to `t`.
    fn run_to(&mut self, t: Micros) {
        while let Some(at) = self.d.poll_at().filter(|&at| at <= t) {
            self.now = self.now.max(at);
            self.d.handle_timer(self.now, &mut self.out);
            self.drain();
        }
        self.now = t;
    }

    /// Delivers an advert from `src` built with `c` at `t`.
    fn advert_from(&mut self, t: Micros, c: &InstanceConfig, src: &str, prio: u8) {
        self.run_to(t);
        let mut o = Outputs::new();
        Adverts::new(c, src.parse().unwrap(), [2, 0, 0, 0, 0, 1]).send(c, prio, &mut o);
        self.d.handle_frame(t, &o.frames[0].frame, &mut self.out);
        self.drain();
    }

    fn state(&self) -> VrrpState {
        self.d.routers()[0].state()
    }

    fn first_master_advert(&self) -> Option<Micros> {
        self.adverts.iter().find(|a| a.1 > 0).map(|a| a.0)
    }

    fn log_at(&self, line: &str) -> Option<Micros> {
        self.logs.iter().find(|(_, l)| l == line).map(|(t, _)| *t)
    }
}

#[test]
fn backup_takes_over_master_down_interval_after_start() {
    let mut b = Bench::new(cfg(100));
    assert_eq!(b.log_at("(VI_1) Entering BACKUP STATE (init)"), Some(0));
    assert_eq!(b.logs[0].1, "Starting Keepalived v2.2.7 (01/16,2022)");
    b.run_to(3_609_374);
    assert_eq!(b.state(), VrrpState::Backup);
    b.run_to(20_000_000);
    assert_eq!(b.log_at("(VI_1) Entering MASTER STATE"), Some(3_609_375));
    assert_eq!(b.adverts[0], (3_609_375, 100));
    assert_eq!(b.vips, [(3_609_375, true)]);
    // 5 GARPs once the VIP is set, 5 more 5 s later; adverts every second after that.
    let g = 3_609_375 + super::router::VIP_SETUP_US;
    assert_eq!(b.garps[..5], [g; 5]);
    assert_eq!(b.garps[5..10], [g + 5_000_000; 5]);
    assert_eq!(b.garps.len(), 10);
    assert_eq!(b.adverts[1].0, g + 1_000_000);
    assert_eq!(b.adverts[2].0 - b.adverts[1].0, 1_000_000);
}

#[test]
fn configured_master_waits_the_full_master_down_interval() {
    let mut b = Bench::new(InstanceConfig { want_master: true, ..cfg(100) });
    assert_eq!(b.log_at("(VI_1) Entering BACKUP STATE (init)"), Some(0));
    b.run_to(5_000_000);
    assert_eq!(b.first_master_advert(), Some(3_609_375));
}

#[test]
fn owner_becomes_master_at_once() {
    let mut b = Bench::new(InstanceConfig { want_master: true, ..cfg(255) });
    b.run_to(10);
    assert_eq!(b.log_at("(VI_1) Entering BACKUP STATE (init)"), None);
    assert_eq!(b.log_at("(VI_1) Entering MASTER STATE"), Some(1));
    assert_eq!(b.adverts[0], (1, 255));
}

#[test]
fn priority_zero_advert_means_takeover_after_skew_time() {
    let mut b = Bench::new(cfg(100));
    let master = cfg(150);
    for s in 0..5 {
        b.advert_from(s * 1_000_000 + 500_000, &master, PEER, 150);
    }
    b.advert_from(5_200_000, &master, PEER, 0);
    b.run_to(10_000_000);
    assert_eq!(b.first_master_advert(), Some(5_200_000 + 609_375));
}

#[test]
fn crash_means_takeover_master_down_interval_after_last_advert() {
    let mut b = Bench::new(cfg(100));
    let master = cfg(150);
    for s in 0..5 {
        b.advert_from(s * 1_000_000 + 500_000, &master, PEER, 150);
    }
    b.run_to(20_000_000);
    assert_eq!(b.first_master_advert(), Some(4_500_000 + 3_609_375));
}

#[test]
fn backup_at_80_takes_over_after_0_6875_s_and_3_6875_s() {
    // The two numbers keepalived 2.2.7 showed on veth (spec, observed facts).
    let master = cfg(100);
    let mut b = Bench::new(cfg(80));
    b.advert_from(1_000_000, &master, PEER, 100);
    b.advert_from(2_000_000, &master, PEER, 0);
    b.run_to(3_000_000);
    assert_eq!(b.first_master_advert(), Some(2_687_500));
    let mut b = Bench::new(cfg(80));
    b.advert_from(1_000_000, &master, PEER, 100);
    b.run_to(6_000_000);
    assert_eq!(b.first_master_advert(), Some(4_687_500));
}

#[test]
fn lower_priority_advert_is_discarded_and_does_not_reset_the_deadline() {
    let mut b = Bench::new(cfg(100));
    let master = cfg(120);
    b.advert_from(1_000_000, &master, PEER, 120);
    b.advert_from(2_000_000, &master, PEER, 70);
    b.advert_from(3_000_000, &master, PEER, 70);
    assert_eq!(b.log_at("(VI_1) received lower priority (70) advert from 192.0.2.11 - discarding"), Some(2_000_000));
    assert_eq!(b.logs.iter().filter(|l| l.1.contains("discarding")).count(), 2);
    b.advert_from(4_000_000, &master, PEER, 70);
    b.run_to(6_000_000);
    assert_eq!(b.first_master_advert(), Some(1_000_000 + 3_609_375));
}

#[test]
fn backup_accepts_equal_priority_without_tie_break() {
    // 192.0.2.11 < 192.0.2.12 (us), yet we stay backup.
    let mut b = Bench::new(cfg(100));
    for s in 1..10 {
        b.advert_from(s * 1_000_000, &cfg(100), PEER, 100);
    }
    b.run_to(10_000_000);
    assert_eq!(b.state(), VrrpState::Backup);
    assert!(b.adverts.is_empty());
}

fn become_master() -> Bench {
    let mut b = Bench::new(cfg(100));
    b.run_to(4_000_000);
    assert_eq!(b.state(), VrrpState::Master);
    b
}

#[test]
fn master_yields_to_higher_priority_without_resigning() {
    let mut b = become_master();
    let sent = b.adverts.len();
    b.advert_from(4_200_000, &cfg(150), PEER, 150);
    assert_eq!(b.state(), VrrpState::Backup);
    let tail: Vec<&str> = b.logs.iter().rev().take(2).rev().map(|l| l.1.as_str()).collect();
    assert_eq!(tail, ["(VI_1) Master received advert from 192.0.2.11 with higher priority 150, ours 100", "(VI_1) Entering BACKUP STATE"]);
    assert_eq!(b.adverts.len(), sent, "no priority-0 advert when yielding");
    assert_eq!(b.vips.last(), Some(&(4_200_000, false)));
    // Its down timer is the full Master_Down_Interval from the higher advert.
    b.run_to(20_000_000);
    assert_eq!(b.first_master_advert_after(4_200_000), Some(4_200_000 + 3_609_375));
}

impl Bench {
    fn first_master_advert_after(&self, t: Micros) -> Option<Micros> {
        self.adverts.iter().find(|a| a.0 > t && a.1 > 0).map(|a| a.0)
    }
}

#[test]
fn master_yields_to_equal_priority_from_higher_address() {
    let mut b = become_master();
    b.advert_from(4_200_000, &cfg(100), "192.0.2.13", 100);
    assert_eq!(b.state(), VrrpState::Backup);
    assert!(b.log_at("(VI_1) Master received advert from 192.0.2.13 with same priority 100 but higher IP address than ours").is_some());
}

#[test]
fn master_answers_lower_priority_with_advert_and_garps() {
    let mut b = become_master();
    let (adverts, garps) = (b.adverts.len(), b.garps.len());
    b.advert_from(4_200_000, &cfg(100), PEER, 100);
    assert_eq!(b.state(), VrrpState::Master);
    assert!(b.log_at("(VI_1) Received advert from 192.0.2.11 with lower priority 100, ours 100, forcing new election").is_some());
    assert_eq!(b.adverts[adverts], (4_200_000, 100));
    assert_eq!(b.garps[garps..garps + 5], [4_200_000; 5]);
    // The advert timer restarts from the packet; 5 more GARPs 5 s later.
    b.run_to(5_300_000);
    assert_eq!(b.adverts[adverts + 1].0, 5_200_000);
    b.run_to(9_300_000);
    assert_eq!(b.garps.iter().filter(|&&t| t == 9_200_000).count(), 5);
}

#[test]
fn master_restarts_its_interval_on_any_packet_even_invalid() {
    let mut b = become_master();
    let bad = InstanceConfig { auth_pass: Some(*b"2222\0\0\0\0"), ..cfg(80) };
    let last = b.adverts.last().unwrap().0;
    b.advert_from(last + 900_000, &bad, PEER, 80);
    assert!(b.log_at("(VI_1) received an invalid passwd!").is_some());
    b.run_to(last + 2_000_000);
    let next = b.adverts.iter().find(|a| a.0 > last).unwrap().0;
    assert_eq!(next, last + 1_900_000);
}

#[test]
fn graceful_stop_of_a_master_resigns_once() {
    let mut b = become_master();
    let n = b.adverts.len();
    b.run_to(7_000_000);
    let n2 = b.adverts.len();
    b.cmd(Command::Stop);
    assert_eq!(b.adverts[n2..], [(7_000_000, 0)]);
    assert!(n2 > n);
    assert_eq!(b.vips.last(), Some(&(7_000_000, false)));
    let l: Vec<&str> = b.logs.iter().rev().take(3).rev().map(|l| l.1.as_str()).collect();
    assert_eq!(l, ["Stopping", "Stopped", "Stopped Keepalived v2.2.7 (01/16,2022)"]);
    b.run_to(20_000_000);
    assert_eq!(b.adverts.len(), n2 + 1, "silent once stopped");
}

#[test]
fn auth_and_interval_mismatch_are_ignored_so_the_backup_takes_over() {
    let mut b = Bench::new(cfg(80));
    let bad = InstanceConfig { auth_pass: Some(*b"2222\0\0\0\0"), ..cfg(100) };
    for s in 1..4 {
        b.advert_from(s * 1_000_000, &bad, PEER, 100);
    }
    b.run_to(5_000_000);
    assert_eq!(b.logs.iter().filter(|l| l.1 == "(VI_1) received an invalid passwd!").count(), 3);
    assert_eq!(b.first_master_advert(), Some(3_687_500));
    let mut b = Bench::new(InstanceConfig { adver_int_us: 3_000_000, ..cfg(80) });
    b.advert_from(1_000_000, &cfg(100), PEER, 100);
    assert!(b.log_at("(VI_1) advertisement interval mismatch mine=3 sec rcv'd=1 sec").is_some());
    b.run_to(12_000_000);
    assert_eq!(b.first_master_advert(), Some(9_687_500));
}

#[test]
fn nopreempt_backup_stays_backup_under_a_lower_master() {
    let mut b = Bench::new(InstanceConfig { nopreempt: true, ..cfg(100) });
    for s in 1..10 {
        b.advert_from(s * 1_000_000, &cfg(50), PEER, 50);
    }
    b.run_to(10_000_000);
    assert_eq!(b.state(), VrrpState::Backup);
    assert!(!b.logs.iter().any(|l| l.1.contains("discarding")));
}

#[test]
fn preempt_delay_accepts_lower_adverts_until_it_runs_out() {
    let mut b = Bench::new(InstanceConfig { preempt_delay_us: 5_000_000, ..cfg(100) });
    for s in 1..12 {
        b.advert_from(s * 1_000_000, &cfg(50), PEER, 50);
    }
    b.run_to(20_000_000);
    // Delay armed at 1 s, runs out at 6 s: the 6 s advert is the first discarded.
    assert_eq!(b.log_at("(VI_1) received lower priority (50) advert from 192.0.2.11 - discarding"), Some(6_000_000));
    assert_eq!(b.first_master_advert(), Some(5_000_000 + 3_609_375));
}

fn chk(weight: i32) -> ScriptConfig {
    ScriptConfig { name: "chk".into(), interval_us: 1_000_000, weight, rise: 1, fall: 1 }
}

#[test]
fn script_failure_lowers_the_advertised_priority() {
    let c = InstanceConfig { track_scripts: vec![TrackedScript { script: 0, weight: -30, reverse: false }], ..cfg(100) };
    let mut b = Bench::with_scripts(c, vec![chk(-30)]);
    assert!(b.log_at("VRRP_Script(chk) succeeded").is_some());
    b.run_to(4_000_000);
    b.script_status = 1;
    b.run_to(6_500_000);
    assert_eq!(b.log_at("Script `chk` now returning 1"), Some(5_000_000));
    assert_eq!(b.log_at("VRRP_Script(chk) failed (exited with status 1)"), Some(5_000_000));
    assert_eq!(b.log_at("(VI_1) Changing effective priority from 100 to 70"), Some(5_000_000));
    assert_eq!(b.state(), VrrpState::Master, "a master keeps advertising at its lower priority");
    assert_eq!(b.adverts.last().map(|a| a.1), Some(70));
}

#[test]
fn priority_change_shifts_a_backups_deadline() {
    // As seen on veth: a backup at 70 accepting adverts at 80 goes to 100 and
    // takes over MDI(100) after the last accepted advert.
    let c = InstanceConfig { track_scripts: vec![TrackedScript { script: 0, weight: -30, reverse: false }], ..cfg(100) };
    let mut b = Bench::with_scripts(c, vec![chk(-30)]);
    b.script_status = 1;
    b.run_to(1_000_000);
    assert_eq!(b.d.routers()[0].priority(), 70);
    b.advert_from(1_500_000, &cfg(80), PEER, 80);
    b.advert_from(2_500_000, &cfg(80), PEER, 80);
    assert_eq!(b.d.routers()[0].deadline(), Some(2_500_000 + 3_726_562));
    b.script_status = 0;
    b.run_to(3_000_000);
    assert_eq!(b.d.routers()[0].priority(), 100);
    assert_eq!(b.d.routers()[0].deadline(), Some(2_500_000 + 3_609_375));
}

#[test]
fn priority_is_clamped_to_1_254() {
    let c = InstanceConfig { track_scripts: vec![TrackedScript { script: 0, weight: 200, reverse: false }], ..cfg(100) };
    let b = Bench::with_scripts(c, vec![chk(200)]);
    assert_eq!(b.d.routers()[0].priority(), 254);
    let c = InstanceConfig { track_scripts: vec![TrackedScript { script: 0, weight: -200, reverse: false }], ..cfg(100) };
    let mut b = Bench::with_scripts(c, vec![chk(-200)]);
    b.script_status = 1;
    b.run_to(1_000_000);
    assert_eq!(b.d.routers()[0].priority(), 1);
}

#[test]
fn weight_zero_script_failure_is_fault_and_recovery_is_backup() {
    let c = InstanceConfig { track_scripts: vec![TrackedScript { script: 0, weight: 0, reverse: false }], ..cfg(100) };
    let mut b = Bench::with_scripts(c, vec![chk(0)]);
    // Held silently until the first result, then BACKUP.
    assert!(b.log_at("(VI_1) Entering BACKUP STATE (init)").is_none());
    assert_eq!(b.log_at("(VI_1) Entering BACKUP STATE"), Some(0));
    b.run_to(4_000_000);
    assert_eq!(b.state(), VrrpState::Master);
    b.script_status = 2;
    b.run_to(5_000_000);
    assert_eq!(b.state(), VrrpState::Fault);
    assert!(b.log_at("(VI_1) Entering FAULT STATE").is_some());
    let at5: Vec<_> = b.adverts.iter().filter(|a| a.0 == 5_000_000).collect();
    assert_eq!(at5, [&(5_000_000, 0), &(5_000_000, 0)], "two priority-0 adverts");
    assert_eq!(b.vips.last(), Some(&(5_000_000, false)));
    b.script_status = 0;
    b.run_to(8_000_000);
    assert_eq!(b.state(), VrrpState::Backup);
    assert_eq!(b.logs.iter().filter(|l| l.1 == "(VI_1) Entering BACKUP STATE").count(), 2);
    assert_eq!(b.d.routers()[0].deadline(), Some(6_000_000 + 3_609_375));
}

#[test]
fn link_down_is_fault_and_link_up_backup() {
    let mut b = become_master();
    b.cmd(Command::LinkDown);
    assert_eq!(b.state(), VrrpState::Fault);
    assert!(b.log_at("Netlink reports eth0 down").is_some());
    b.now = 6_000_000;
    b.cmd(Command::LinkUp);
    assert_eq!(b.state(), VrrpState::Backup);
    assert_eq!(b.d.routers()[0].deadline(), Some(6_000_000 + 3_609_375));
}

#[test]
fn v3_fast_intervals() {
    let v3 = InstanceConfig { version: 3, auth_pass: None, adver_int_us: 100_000, ..cfg(100) };
    let mut b = Bench::new(v3.clone());
    b.advert_from(100_000, &v3, PEER, 150);
    b.advert_from(200_000, &v3, PEER, 0);
    b.run_to(1_000_000);
    assert_eq!(b.first_master_advert(), Some(200_000 + 60_937));
    // A v3 backup follows the master's interval.
    let slow = InstanceConfig { adver_int_us: 500_000, ..v3.clone() };
    let mut b = Bench::new(v3);
    b.advert_from(100_000, &slow, PEER, 150);
    b.run_to(3_000_000);
    assert_eq!(b.first_master_advert(), Some(100_000 + 1_804_687));
}

#[test]
fn unicast_sends_one_advert_per_peer_through_the_host() {
    let c = InstanceConfig { unicast_peers: vec![PEER.parse().unwrap(), "192.0.2.13".parse().unwrap()], ..cfg(100) };
    let mut b = Bench::new(c);
    b.run_to(3_609_375);
    assert_eq!(b.adverts.len(), 2);
    let dsts: Vec<IpAddr> = b.frames.iter().filter_map(|(_, f)| decode(LinkType::Ethernet, f).ip().map(|i| i.dst)).collect();
    assert_eq!(dsts, [PEER.parse::<IpAddr>().unwrap(), "192.0.2.13".parse().unwrap()]);
    assert_eq!(&b.frames[0].1[0..6], &[0; 6], "the host resolves the peer's MAC");
}

#[test]
fn use_vmac_sends_from_the_virtual_mac() {
    let mut b = Bench::new(InstanceConfig { use_vmac: true, ..cfg(100) });
    b.run_to(5_000_000);
    for (_, f) in &b.frames {
        assert_eq!(&f[6..12], &[0, 0, 0x5e, 0, 1, 51]);
    }
    assert!(!b.garps.is_empty());
}

#[test]
fn garp_refresh_repeats_while_master() {
    let mut b = Bench::new(InstanceConfig { garp_refresh_us: 10_000_000, garp_delay_us: 0, ..cfg(100) });
    b.run_to(40_000_000);
    // One burst of 5 when the VIP is set, then one GARP with the first advert
    // at or after each refresh time.
    let g = 3_609_375 + super::router::VIP_SETUP_US;
    assert_eq!(b.garps[..5], [g; 5]);
    assert_eq!(b.garps[5..], [g + 10_000_000, g + 20_000_000, g + 30_000_000]);
}

#[test]
fn adverts_for_other_vrids_are_not_ours() {
    let mut b = Bench::new(cfg(100));
    let other = InstanceConfig { vrid: 52, ..cfg(150) };
    for s in 1..5 {
        b.advert_from(s * 1_000_000, &other, PEER, 150);
    }
    b.run_to(5_000_000);
    assert_eq!(b.first_master_advert(), Some(3_609_375));
    assert!(!b.logs.iter().any(|l| l.1.contains("192.0.2.11")), "silently ignored");
}

mod garbage {
    use super::*;
    use crate::engine::host::{Host, HostConfig};
    use proptest::prelude::*;

    fn valid_advert() -> Vec<u8> {
        let mut o = Outputs::new();
        let c = cfg(150);
        Adverts::new(&c, PEER.parse().unwrap(), [2, 0, 0, 0, 0, 1]).send(&c, 150, &mut o);
        o.frames.remove(0).frame
    }

    proptest! {
        #[test]
        fn arbitrary_frames_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut b = Bench::new(cfg(100));
            b.d.handle_frame(1, &bytes, &mut b.out);
            let mut h = Host::new(HostConfig { mac: MAC, ..Default::default() });
            let mut out = Outputs::new();
            h.receive(1, &bytes, &mut out);
        }

        #[test]
        fn corrupted_adverts_never_panic(flips in proptest::collection::vec((0usize..60, any::<u8>()), 1..6), cut in 0usize..70) {
            let mut f = valid_advert();
            for (at, v) in flips {
                if at < f.len() {
                    f[at] = v;
                }
            }
            f.truncate(cut.max(1));
            let mut b = Bench::new(cfg(100));
            b.run_to(1_000_000);
            b.d.handle_frame(b.now, &f, &mut b.out);
            b.run_to(10_000_000);
            let mut h = Host::new(HostConfig { mac: MAC, ..Default::default() });
            let mut out = Outputs::new();
            h.receive(1, &f, &mut out);
        }
    }
}
