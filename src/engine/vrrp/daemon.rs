//! The keepalived VRRP process of one node: its instances, its scripts, one
//! interface. It dispatches adverts by VRID like keepalived's socket pool,
//! runs the timers of all instances from one heap, and starts and stops as
//! `systemctl start|stop keepalived` would.

use super::config::DaemonConfig;
use super::receive::Rx;
use super::router::{Ctx, Iface, Router};
use super::timers::{Timer, Timers};
use super::track::ScriptState;
use crate::engine::{Command, InstanceStatus, Machine, Micros, Note, Outputs};
use crate::wire::vrrp::Family;

/// What keepalived 2.2.7 calls itself in its start and stop lines.
pub const VERSION_BANNER: &str = "Keepalived v2.2.7 (01/16,2022)";

const NO_INSTANCE: u16 = u16::MAX;

#[derive(Debug, Clone)]
pub struct Daemon {
    cfg: DaemonConfig,
    iface: Iface,
    routers: Vec<Router>,
    scripts: Vec<ScriptState>,
    timers: Timers,
    running: bool,
    link_up: bool,
    /// Instance index per (family, VRID).
    by_vrid: [[u16; 256]; 2],
    /// Whether any instance of the family listens on the multicast group
    /// (only then does the socket see multicast adverts).
    joined: [bool; 2],
}

fn fam(f: Family) -> usize {
    match f {
        Family::Ipv4 => 0,
        Family::Ipv6 => 1,
    }
}

impl Daemon {
    /// A stopped daemon; send it [`Command::Start`].
    pub fn new(cfg: DaemonConfig, iface: Iface) -> Daemon {
        let mut by_vrid = [[NO_INSTANCE; 256]; 2];
        let mut joined = [false; 2];
        for (i, c) in cfg.instances.iter().enumerate() {
            by_vrid[fam(c.family)][usize::from(c.vrid)] = i as u16;
            joined[fam(c.family)] |= !c.unicast();
        }
        let mut d = Daemon {
            routers: vec![],
            scripts: vec![],
            timers: Timers::default(),
            running: false,
            link_up: true,
            by_vrid,
            joined,
            iface,
            cfg,
        };
        d.reset();
        d
    }

    /// Fresh instance and script state, as a new process has.
    fn reset(&mut self) {
        self.routers = self.cfg.instances.iter().map(|c| Router::new(c.clone(), &self.iface)).collect();
        self.scripts = self.cfg.scripts.iter().map(ScriptState::new).collect();
        self.timers.clear();
    }

    pub fn config(&self) -> &DaemonConfig {
        &self.cfg
    }
    pub fn is_running(&self) -> bool {
        self.running
    }
    pub fn routers(&self) -> &[Router] {
        &self.routers
    }

    /// Runs `f` on instance `i` with a context over this daemon's timers.
    fn with<R>(&mut self, i: usize, now: Micros, out: &mut Outputs, f: impl FnOnce(&mut Router, &mut Ctx) -> R) -> R {
        let mut cx = Ctx { now, out, timers: &mut self.timers, me: i };
        f(&mut self.routers[i], &mut cx)
    }

    pub fn start(&mut self, now: Micros, out: &mut Outputs) {
        if self.running {
            return;
        }
        self.reset();
        self.running = true;
        out.log(format!("Starting {VERSION_BANNER}"));
        let init: Vec<bool> = self.scripts.iter().map(ScriptState::is_init).collect();
        for i in 0..self.routers.len() {
            let up = self.link_up;
            self.with(i, now, out, |r, cx| r.start(up, &init, cx));
        }
        out.log("Startup complete".into());
        for i in 0..self.scripts.len() {
            self.timers.push(now, Timer::Script(i as u32));
        }
    }

    /// Graceful stop: masters send priority 0 and release their VIPs.
    pub fn stop(&mut self, now: Micros, out: &mut Outputs) {
        if !self.running {
            return;
        }
        out.log("Stopping".into());
        for i in 0..self.routers.len() {
            self.with(i, now, out, |r, cx| r.shutdown(cx));
        }
        self.timers.clear();
        self.running = false;
        out.log("Stopped".into());
        out.log(format!("Stopped {VERSION_BANNER}"));
    }

    pub fn handle_frame(&mut self, now: Micros, frame: &[u8], out: &mut Outputs) {
        if !self.running {
            return;
        }
        let Some(rx) = Rx::from_frame(frame) else { return };
        let f = fam(rx.family);
        if rx.multicast() && !self.joined[f] {
            return;
        }
        let i = self.by_vrid[f][usize::from(rx.vrid())];
        if i == NO_INSTANCE {
            return;
        }
        self.with(usize::from(i), now, out, |r, cx| r.receive(&rx, cx));
    }

    /// Runs every timer due at `now`.
    pub fn handle_timer(&mut self, now: Micros, out: &mut Outputs) {
        if !self.running {
            return;
        }
        while let Some((at, t)) = self.timers.pop_due(now) {
            match t {
                Timer::Sands(i) => self.with(i as usize, now, out, |r, cx| r.sands_timer(at, cx)),
                Timer::Announce { inst, rep } => self.with(inst as usize, now, out, |r, cx| r.announce(rep, cx)),
                Timer::Script(i) => {
                    let s = &self.cfg.scripts[i as usize];
                    self.timers.push(now + s.interval_us, Timer::Script(i));
                    out.notes.push(Note::RunScript { script: s.name.clone() });
                }
            }
        }
    }

    pub fn poll_at(&self) -> Option<Micros> {
        if self.running {
            self.timers.next_at()
        } else {
            None
        }
    }

    pub fn set_link(&mut self, now: Micros, up: bool, out: &mut Outputs) {
        if up == self.link_up {
            return;
        }
        self.link_up = up;
        if !self.running {
            return;
        }
        out.log(format!("Netlink reports {} {}", self.iface.name, if up { "up" } else { "down" }));
        for i in 0..self.routers.len() {
            self.with(i, now, out, |r, cx| r.link_changed(up, cx));
        }
    }

    /// A script run finished: update its rise/fall state, and the instances
    /// tracking it when its verdict changes.
    pub fn script_exited(&mut self, now: Micros, name: &str, status: i32, out: &mut Outputs) {
        if !self.running {
            return;
        }
        let Some(si) = self.cfg.scripts.iter().position(|s| s.name == name) else { return };
        let Some(v) = self.scripts[si].exited(&self.cfg.scripts[si], status, out) else { return };
        for i in 0..self.routers.len() {
            let tracks: Vec<_> =
                self.routers[i].config().track_scripts.iter().filter(|t| t.script == si).copied().collect();
            for t in tracks {
                self.with(i, now, out, |r, cx| r.script_verdict(t, v, cx));
            }
        }
    }

    pub fn set_priority(&mut self, now: Micros, priority: u8, out: &mut Outputs) {
        if !self.running {
            return;
        }
        for i in 0..self.routers.len() {
            self.with(i, now, out, |r, cx| r.set_base_priority(priority, cx));
        }
    }
}

impl Machine for Daemon {
    fn name(&self) -> &str {
        "Keepalived_vrrp"
    }
    fn on_frame(&mut self, now: Micros, frame: &[u8], out: &mut Outputs) {
        self.handle_frame(now, frame, out)
    }
    fn on_timer(&mut self, now: Micros, out: &mut Outputs) {
        self.handle_timer(now, out)
    }
    fn on_command(&mut self, now: Micros, cmd: &Command, out: &mut Outputs) {
        match cmd {
            Command::Start => self.start(now, out),
            Command::Stop => self.stop(now, out),
            Command::LinkDown => self.set_link(now, false, out),
            Command::LinkUp => self.set_link(now, true, out),
            Command::ScriptExited { script, status } => self.script_exited(now, script, *status, out),
            Command::SetPriority(p) => self.set_priority(now, *p, out),
            Command::CheckResult { .. } => {}
        }
    }
    fn poll_at(&self) -> Option<Micros> {
        Daemon::poll_at(self)
    }
    fn vrrp_states(&self) -> Vec<InstanceStatus> {
        if !self.running {
            return vec![];
        }
        self.routers.iter().map(Router::status).collect()
    }
}
