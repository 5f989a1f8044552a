//! One `vrrp_instance` as keepalived 2.2.7 runs it: its state machine
//! (`vrrp_state_backup`, `vrrp_state_master_rx`, `vrrp_state_master_tx`,
//! `vrrp_state_goto_master`, `vrrp_state_leave_master`,
//! `vrrp_state_leave_fault`), its startup (`vrrp_init_state`), and its
//! reaction to trackers (`down_instance`, `try_up_instance`,
//! `vrrp_set_effective_priority`). Field names follow keepalived's so the two
//! can be read side by side.

mod tracking;

use super::advert::{self, Adverts};
use super::config::{InstanceConfig, PRIO_OWNER};
use super::receive::{self, Rx};
use super::timers::{self, Timer, Timers};
use crate::engine::frame::Mac;
use crate::engine::{InstanceStatus, Micros, Note, Outputs, StateChange, VrrpState};
use crate::wire::vrrp::Family;
use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Time keepalived spends configuring VIPs through netlink when it becomes
/// master, before its first GARPs; its advert timer restarts after that.
/// keepalived 2.2.7 on veth shows 0.5–5 ms; the order it creates matters
/// when two masters hear each other (the later one is silenced).
pub const VIP_SETUP_US: Micros = 1_000;

/// The interface an instance runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    pub name: String,
    pub mac: Mac,
    /// Primary IPv4 address (the default advert source).
    pub ipv4: Option<Ipv4Addr>,
    /// Link-local IPv6 address (the default IPv6 advert source).
    pub ipv6_ll: Option<Ipv6Addr>,
}

/// What an instance needs from its daemon while it handles one input.
pub struct Ctx<'a> {
    pub now: Micros,
    pub out: &'a mut Outputs,
    pub timers: &'a mut Timers,
    /// This instance's index in the daemon (its timer key).
    pub me: usize,
}

#[derive(Debug, Clone)]
pub struct Router {
    cfg: InstanceConfig,
    ifname: String,
    saddr: Option<IpAddr>,
    /// Source MAC of adverts and GARPs, and the MAC VIPs answer with.
    mac: Mac,
    adverts: Option<Adverts>,
    state: VrrpState,
    wantstate: VrrpState,
    base_priority: u8,
    effective_priority: u8,
    total_priority: i32,
    master_adver_int: Micros,
    ms_down_timer: Micros,
    sands: Option<Micros>,
    /// The earliest `Timer::Sands` of this instance in the daemon's heap.
    queued: Option<Micros>,
    master_saddr: Option<IpAddr>,
    preempt_time: Option<Micros>,
    vipset: bool,
    garp_refresh_at: Option<Micros>,
    num_script_if_fault: u32,
    num_script_init: u32,
}

impl Router {
    pub fn new(cfg: InstanceConfig, iface: &Iface) -> Router {
        let saddr = cfg.src_ip.or(match cfg.family {
            Family::Ipv4 => iface.ipv4.map(IpAddr::V4),
            Family::Ipv6 => iface.ipv6_ll.map(IpAddr::V6),
        });
        let mac = if cfg.use_vmac { cfg.virtual_mac() } else { iface.mac };
        let adverts = saddr.map(|s| Adverts::new(&cfg, s, mac));
        Router {
            ifname: iface.name.clone(),
            saddr,
            mac,
            adverts,
            state: VrrpState::Init,
            wantstate: if cfg.want_master { VrrpState::Master } else { VrrpState::Backup },
            base_priority: cfg.base_priority,
            effective_priority: cfg.base_priority,
            total_priority: i32::from(cfg.base_priority),
            master_adver_int: cfg.adver_int_us,
            ms_down_timer: 0,
            sands: None,
            queued: None,
            master_saddr: None,
            preempt_time: None,
            vipset: false,
            garp_refresh_at: None,
            num_script_if_fault: 0,
            num_script_init: 0,
            cfg,
        }
    }

    pub fn config(&self) -> &InstanceConfig {
        &self.cfg
    }
    pub fn state(&self) -> VrrpState {
        self.state
    }
    pub fn priority(&self) -> u8 {
        self.effective_priority
    }
    /// When the main timer fires next (advert or master-down).
    pub fn deadline(&self) -> Option<Micros> {
        self.sands
    }

    pub fn status(&self) -> InstanceStatus {
        InstanceStatus {
            instance: self.cfg.name.clone(),
            vrid: self.cfg.vrid,
            family: self.cfg.family,
            state: self.state,
            priority: self.effective_priority,
            addr: self.addr(),
            master_down_us: self.mdi(),
        }
    }

    fn addr(&self) -> IpAddr {
        self.saddr.unwrap_or(match self.cfg.family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Family::Ipv6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        })
    }

    fn skew(&self) -> Micros {
        timers::skew(self.cfg.version, self.effective_priority, self.master_adver_int)
    }

    fn mdi(&self) -> Micros {
        timers::master_down(self.cfg.version, self.effective_priority, self.master_adver_int)
    }

    fn log(&self, cx: &mut Ctx, msg: std::fmt::Arguments) {
        cx.out.log(format!("({}) {msg}", self.cfg.name));
    }

    fn set_state(&mut self, to: VrrpState, cx: &mut Ctx) {
        if to == self.state {
            return;
        }
        cx.out.notes.push(Note::State(StateChange {
            instance: self.cfg.name.clone(),
            vrid: self.cfg.vrid,
            family: self.cfg.family,
            from: self.state,
            to,
            priority: self.effective_priority,
            addr: self.addr(),
        }));
        self.state = to;
    }

    fn set_sands(&mut self, at: Micros, cx: &mut Ctx) {
        self.sands = Some(at);
        if self.queued.is_none_or(|q| at < q) {
            cx.timers.push(at, Timer::Sands(cx.me as u32));
            self.queued = Some(at);
        }
    }

    /// `vrrp_init_instance_sands`.
    fn init_sands(&mut self, cx: &mut Ctx) {
        match self.state {
            VrrpState::Master => self.set_sands(cx.now + self.cfg.adver_int_us, cx),
            VrrpState::Backup => self.set_sands(cx.now + self.ms_down_timer, cx),
            _ => self.sands = None,
        }
    }

    /// The advert timer after becoming master: restarted once the VIPs are set.
    fn init_sands_after_setup(&mut self, cx: &mut Ctx) {
        self.set_sands(cx.now + VIP_SETUP_US + self.cfg.adver_int_us, cx);
    }

    /// A `Timer::Sands` of this instance armed for `at` popped.
    pub fn sands_timer(&mut self, at: Micros, cx: &mut Ctx) {
        if self.queued != Some(at) {
            return;
        }
        self.queued = None;
        match self.sands {
            Some(s) if s <= cx.now => self.timeout(cx),
            Some(s) => {
                cx.timers.push(s, Timer::Sands(cx.me as u32));
                self.queued = Some(s);
            }
            None => {}
        }
    }

    fn send_advert(&mut self, priority: u8, cx: &mut Ctx) {
        if let Some(a) = &mut self.adverts {
            a.send(&self.cfg, priority, cx.out);
        }
    }

    /// `vrrp_init_state` (with `initialise_tracking_priorities` before it):
    /// the daemon has started.
    pub fn start(&mut self, link_up: bool, scripts_init: &[bool], cx: &mut Ctx) {
        if !link_up {
            cx.out.log(format!("({}): entering FAULT state (interface {} down)", self.cfg.name, self.ifname));
            self.set_state(VrrpState::Fault, cx);
            self.num_script_if_fault += 1;
        }
        if self.saddr.is_none() {
            let v = if self.cfg.family == Family::Ipv4 { 4 } else { 6 };
            self.log(cx, format_args!("entering FAULT state (no IPv{v} address for interface)"));
            self.set_state(VrrpState::Fault, cx);
            self.num_script_if_fault += 1;
        }
        self.num_script_init =
            self.cfg.track_scripts.iter().filter(|t| t.weight == 0 && scripts_init[t.script]).count() as u32;
        let is_up = self.num_script_if_fault == 0;
        if is_up && self.wantstate == VrrpState::Master && self.num_script_init == 0 && self.base_priority == PRIO_OWNER
        {
            // "The simplest way to become master is to timeout from the
            // backup state very quickly (1usec)"
            self.set_state(VrrpState::Backup, cx);
            self.ms_down_timer = 1;
        } else {
            self.ms_down_timer = self.mdi();
            if is_up && self.num_script_init == 0 {
                if self.state != VrrpState::Backup {
                    self.log(cx, format_args!("Entering BACKUP STATE (init)"));
                    self.set_state(VrrpState::Backup, cx);
                }
            } else {
                self.set_state(VrrpState::Fault, cx);
            }
        }
        self.init_sands(cx);
    }

    /// The main timer expired (`vrrp_dispatcher_read_timeout`).
    fn timeout(&mut self, cx: &mut Ctx) {
        match self.state {
            VrrpState::Backup => self.goto_master(cx),
            VrrpState::Master => {
                self.master_tx(cx);
                self.init_sands(cx);
            }
            _ => {}
        }
    }

    /// `vrrp_goto_master` / `vrrp_state_goto_master`.
    fn goto_master(&mut self, cx: &mut Ctx) {
        self.wantstate = VrrpState::Master;
        self.set_state(VrrpState::Master, cx);
        self.master_tx(cx);
        self.init_sands_after_setup(cx);
    }

    /// `vrrp_state_master_tx`: the advert first, so that the old master drops
    /// the VIPs before our GARPs.
    fn master_tx(&mut self, cx: &mut Ctx) {
        self.send_advert(self.effective_priority, cx);
        if !self.vipset {
            self.log(cx, format_args!("Entering MASTER STATE"));
            self.become_master(cx);
            if self.cfg.garp_delay_us > 0 {
                let at = cx.now + VIP_SETUP_US + self.cfg.garp_delay_us;
                cx.timers.push(at, Timer::Announce { inst: cx.me as u32, rep: self.cfg.garp_rep });
            }
        } else if let Some(at) = self.garp_refresh_at {
            if cx.now >= at {
                self.announce(self.cfg.garp_refresh_rep, cx);
                self.garp_refresh_at = Some(cx.now + self.cfg.garp_refresh_us);
            }
        }
    }

    /// `vrrp_state_become_master`: set the VIPs, then GARP once they are up.
    fn become_master(&mut self, cx: &mut Ctx) {
        for v in self.cfg.vips.iter().chain(&self.cfg.evips) {
            cx.out.notes.push(Note::AddAddr { addr: v.addr, prefix: v.prefix, mac: self.mac, accept: self.cfg.accept });
        }
        self.vipset = true;
        cx.timers.push(cx.now + VIP_SETUP_US, Timer::Announce { inst: cx.me as u32, rep: self.cfg.garp_rep });
        self.garp_refresh_at = (self.cfg.garp_refresh_us > 0).then(|| cx.now + VIP_SETUP_US + self.cfg.garp_refresh_us);
    }

    /// `vrrp_send_link_update`: `rep` rounds of one GARP per VIP, while the
    /// VIPs are set.
    pub fn announce(&mut self, rep: u32, cx: &mut Ctx) {
        if !self.vipset {
            return;
        }
        for _ in 0..rep {
            for v in self.cfg.vips.iter().chain(&self.cfg.evips) {
                advert::announce(v.addr, self.mac, cx.out);
            }
        }
    }

    /// `vrrp_restore_interface`: optionally resign (priority 0), drop the VIPs.
    fn restore_interface(&mut self, adv_f: bool, cx: &mut Ctx) {
        if adv_f {
            self.send_advert(0, cx);
        }
        if self.vipset {
            for v in self.cfg.vips.iter().chain(&self.cfg.evips) {
                cx.out.notes.push(Note::DelAddr { addr: v.addr });
            }
            self.vipset = false;
        }
    }

    /// An advert for our VRID arrived (`vrrp_dispatcher_read`).
    pub fn receive(&mut self, rx: &Rx, cx: &mut Ctx) {
        match self.state {
            VrrpState::Backup => self.backup_rx(rx, cx),
            VrrpState::Master => {
                if self.master_rx(rx, cx) {
                    self.leave_master(false, cx);
                }
            }
            // Ignored in FAULT and INIT, timers untouched.
            _ => return,
        }
        // "If we have sent an advert, reset the timer": a master restarts its
        // advert interval after every packet it hears.
        if self.state != VrrpState::Master || !self.cfg.lower_prio_no_advert {
            self.init_sands(cx);
        }
    }

    fn reject(&self, r: receive::Reject, cx: &mut Ctx) {
        if let Some(line) = r.log {
            cx.out.log(line);
        }
    }

    /// `vrrp_state_backup`.
    fn backup_rx(&mut self, rx: &Rx, cx: &mut Ctx) {
        let check_vips = !self.cfg.skip_check_adv_addr || self.master_saddr != Some(rx.src);
        let prio = rx.priority();
        let ignore = match receive::check(&self.cfg, rx, check_vips) {
            Err(r) => {
                self.reject(r, cx);
                true
            }
            Ok(()) if prio == 0 => {
                self.ms_down_timer = self.skew();
                false
            }
            Ok(())
                if self.cfg.nopreempt
                    || prio >= self.effective_priority
                    || (self.cfg.preempt_delay_us > 0 && self.preempt_time.is_none_or(|t| t > cx.now)) =>
            {
                self.adopt_interval(rx);
                self.ms_down_timer = self.mdi();
                self.master_saddr = Some(rx.src);
                if self.cfg.preempt_delay_us > 0 {
                    if prio >= self.effective_priority {
                        self.preempt_time = None;
                    } else if self.preempt_time.is_none() {
                        self.preempt_time = Some(cx.now + self.cfg.preempt_delay_us);
                    }
                }
                self.wantstate = VrrpState::Backup;
                false
            }
            Ok(()) => {
                self.log(cx, format_args!("received lower priority ({prio}) advert from {} - discarding", rx.src));
                self.master_saddr = Some(rx.src);
                true
            }
        };
        if ignore {
            // The deadline stays; keepalived keeps the remaining time as the
            // down timer (which a priority change then shifts).
            self.ms_down_timer = self.sands.map_or(0, |s| s.saturating_sub(cx.now));
        }
    }

    /// v3: a backup follows the master's advert interval (RFC 5798 §6.4.2).
    fn adopt_interval(&mut self, rx: &Rx) {
        if self.cfg.version == 3 {
            self.master_adver_int = u64::from(rx.packet().max_adver_int()) * 10_000;
        }
    }

    /// `vrrp_state_master_rx`; `true`: leave master.
    fn master_rx(&mut self, rx: &Rx, cx: &mut Ctx) -> bool {
        if let Err(r) = receive::check(&self.cfg, rx, true) {
            self.reject(r, cx);
            return false;
        }
        let addr_cmp = compare(rx.src, self.addr());
        let prio = rx.priority();
        let higher = |eff: u8| prio > eff || (prio == eff && addr_cmp == Ordering::Greater);
        if prio == 0 || (self.cfg.higher_prio_send_advert && higher(self.effective_priority)) {
            self.send_advert(self.effective_priority, cx);
            if prio == 0 {
                return false;
            }
        }
        if prio == self.effective_priority {
            if addr_cmp == Ordering::Equal {
                self.log(cx, format_args!("WARNING - equal priority advert received from remote host with our IP address."));
            } else if self.effective_priority == PRIO_OWNER {
                self.log(cx, format_args!("CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority"));
                self.effective_priority = PRIO_OWNER - 1;
                self.base_priority = PRIO_OWNER - 1;
            }
        }
        let eff = self.effective_priority;
        if prio < eff || (prio == eff && addr_cmp == Ordering::Less) {
            let suffix = if self.cfg.lower_prio_no_advert { "" } else { ", forcing new election" };
            self.log(cx, format_args!("Received advert from {} with lower priority {prio}, ours {eff}{suffix}", rx.src));
            if !self.cfg.lower_prio_no_advert {
                self.send_advert(eff, cx);
            }
            if self.cfg.garp_lower_prio_rep > 0 {
                self.announce(self.cfg.garp_lower_prio_rep, cx);
                if self.cfg.garp_lower_prio_delay_us > 0 {
                    let at = cx.now + self.cfg.garp_lower_prio_delay_us;
                    cx.timers.push(at, Timer::Announce { inst: cx.me as u32, rep: self.cfg.garp_lower_prio_rep });
                }
            }
            return false;
        }
        if higher(eff) {
            if prio > eff {
                self.log(cx, format_args!("Master received advert from {} with higher priority {prio}, ours {eff}", rx.src));
            } else {
                self.log(cx, format_args!(
                    "Master received advert from {} with same priority {prio} but higher IP address than ours",
                    rx.src
                ));
            }
            self.adopt_interval(rx);
            self.ms_down_timer = self.mdi();
            self.wantstate = VrrpState::Backup;
            self.set_state(VrrpState::Backup, cx);
            return true;
        }
        false
    }

    /// `vrrp_state_leave_master`.
    fn leave_master(&mut self, adv_f: bool, cx: &mut Ctx) {
        match self.wantstate {
            VrrpState::Backup => {
                self.log(cx, format_args!("Entering BACKUP STATE"));
                self.preempt_time = None;
            }
            VrrpState::Fault => {
                self.log(cx, format_args!("Entering FAULT STATE"));
                self.send_advert(0, cx);
            }
            _ => return,
        }
        self.restore_interface(adv_f, cx);
        self.set_state(self.wantstate, cx);
        self.ms_down_timer = self.mdi();
        self.init_sands(cx);
    }

    /// `vrrp_state_leave_fault`.
    fn leave_fault(&mut self, cx: &mut Ctx) {
        let became_master = self.wantstate == VrrpState::Master;
        if became_master {
            self.set_state(VrrpState::Master, cx);
            self.master_tx(cx);
        } else {
            if self.state != self.wantstate {
                let name = if self.wantstate == VrrpState::Backup { "BACKUP" } else { "FAULT" };
                self.log(cx, format_args!("Entering {name} STATE"));
            }
            if self.wantstate == VrrpState::Fault && self.state == VrrpState::Master {
                self.send_advert(0, cx);
                self.restore_interface(false, cx);
            }
            self.set_state(self.wantstate, cx);
            if self.state == VrrpState::Backup {
                self.preempt_time = None;
            }
        }
        self.master_adver_int = self.cfg.adver_int_us;
        self.ms_down_timer = self.mdi();
        if became_master {
            self.init_sands_after_setup(cx);
        } else {
            self.init_sands(cx);
        }
    }

    /// Graceful shutdown (`restore_vrrp_interfaces`): a master resigns with
    /// priority 0 and drops its VIPs.
    pub fn shutdown(&mut self, cx: &mut Ctx) {
        if self.state == VrrpState::Master {
            self.restore_interface(true, cx);
        }
        self.set_state(VrrpState::Init, cx);
        self.sands = None;
    }
}

/// keepalived's address comparison (`inet_inaddrcmp`): numeric, host order.
fn compare(a: IpAddr, b: IpAddr) -> Ordering {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => u32::from(a).cmp(&u32::from(b)),
        (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(a).cmp(&u128::from(b)),
        _ => Ordering::Equal,
    }
}
