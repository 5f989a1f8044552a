//! The simulated world: nodes on one LAN, a virtual clock, the event queue,
//! faults, and the taps every frame passes (pcap, frame list, counters).
//!
//! A node is a host stack ([`Host`]) with machines above it (a keepalived
//! VRRP daemon, later IPVS directors and clients). The world moves frames
//! between hosts, calls machines when their timers come due, and applies the
//! scenario's actions. Nothing in here reads the wall clock or the OS's
//! randomness, and nothing iterates a hash map: a seed replays a run exactly.

use super::log::{Entry, Kind, EPOCH_SECS};
use super::queue::{Ev, Queue};
use super::rng::{self, Rng};
use super::segment::Segment;
use crate::capture::writer::PcapWriter;
use crate::capture::{Frame, LinkType, Timestamp};
use crate::engine::frame::Mac;
use crate::engine::host::{Delivery, Host, HostConfig};
use crate::engine::{Command, InstanceStatus, Machine, Micros, Note, Outputs};
use crate::scenario::model::Action;
use std::collections::BTreeSet;
use std::io::{self, Write};

mod actions;

use actions::action_nodes;

/// Builds a fresh machine: at the start, and again after a crash.
pub type Factory = Box<dyn Fn() -> Box<dyn Machine>>;

struct Slot {
    factory: Factory,
    machine: Option<Box<dyn Machine>>,
    /// The wake-up currently queued for it.
    wake: Option<Micros>,
}

struct Node {
    name: String,
    host: Host,
    slots: Vec<Slot>,
    link_up: bool,
    /// Inbound VRRP dropped, as by an INPUT firewall rule.
    block_vrrp: bool,
    failing_scripts: BTreeSet<String>,
    host_wake: Option<Micros>,
}

/// A frame on the wire, shared by its deliveries.
#[derive(Default)]
struct Stored {
    bytes: Vec<u8>,
    refs: u32,
}

/// Counters of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Queue entries processed.
    pub events: u64,
    /// Frames put on the wire.
    pub frames: u64,
    /// Frame deliveries (one per receiving port).
    pub deliveries: u64,
    /// Deliveries lost to the configured loss rate.
    pub lost: u64,
    /// Frames that were VRRP adverts, and ARP or IPv6 neighbour discovery.
    pub vrrp: u64,
    pub arp: u64,
}

pub struct World {
    now: Micros,
    queue: Queue,
    nodes: Vec<Node>,
    lan: Segment,
    store: Vec<Stored>,
    free: Vec<u32>,
    rng: Rng,
    loss: u64,
    latency_us: Micros,
    jitter_us: Micros,
    actions: Vec<Action>,
    log: Vec<Entry>,
    pcap: Option<PcapWriter<Box<dyn Write>>>,
    frames: Option<Vec<Frame>>,
    stats: Stats,
    scratch: Outputs,
    wire: Outputs,
    rx: Vec<u8>,
    ports: Vec<usize>,
}

impl World {
    pub fn new(seed: u64) -> World {
        World {
            now: 0,
            queue: Queue::default(),
            nodes: vec![],
            lan: Segment::default(),
            store: vec![],
            free: vec![],
            rng: Rng::new(seed),
            loss: 0,
            latency_us: 0,
            jitter_us: 0,
            actions: vec![],
            log: vec![],
            pcap: None,
            frames: None,
            stats: Stats::default(),
            scratch: Outputs::new(),
            wire: Outputs::new(),
            rx: vec![],
            ports: vec![],
        }
    }

    /// Each delivery is lost with probability `p` (seeded).
    pub fn set_loss(&mut self, p: f64) {
        self.loss = rng::threshold(p);
    }
    /// Every delivery takes `latency` plus a uniform extra of up to `jitter` µs (seeded).
    pub fn set_delay(&mut self, latency_us: Micros, jitter_us: Micros) {
        self.latency_us = latency_us;
        self.jitter_us = jitter_us;
    }

    /// Writes every frame put on the wire to `out` as a classic pcap file.
    pub fn capture(&mut self, out: Box<dyn Write>) -> io::Result<()> {
        self.pcap = Some(PcapWriter::new(out, LinkType::Ethernet, 65535, false)?);
        Ok(())
    }

    /// Keeps every frame in memory (for the analyzer and the TUI).
    pub fn keep_frames(&mut self) {
        self.frames.get_or_insert_with(Vec::new);
    }

    pub fn add_node(&mut self, name: &str, host: HostConfig) -> usize {
        self.lan.add_port();
        self.nodes.push(Node {
            name: name.to_string(),
            host: Host::new(host),
            slots: vec![],
            link_up: true,
            block_vrrp: false,
            failing_scripts: BTreeSet::new(),
            host_wake: None,
        });
        self.nodes.len() - 1
    }

    /// Adds a machine to a node; it is created (and started) by a `Start` action.
    pub fn add_machine(&mut self, node: usize, factory: Factory) {
        self.nodes[node].slots.push(Slot { factory, machine: None, wake: None });
    }

    pub fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    pub fn node_names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.name.clone()).collect()
    }

    pub fn host(&self, node: usize) -> &Host {
        &self.nodes[node].host
    }

    /// Schedules an action. Node names must exist.
    pub fn schedule(&mut self, at: Micros, action: Action) -> Result<(), String> {
        for name in action_nodes(&action) {
            if self.node_index(name).is_none() {
                return Err(format!("unknown node `{name}` in an event at {}", super::log::seconds(at)));
            }
        }
        self.actions.push(action);
        self.queue.push(at, Ev::Action(self.actions.len() as u32 - 1));
        Ok(())
    }

    pub fn now(&self) -> Micros {
        self.now
    }
    pub fn log(&self) -> &[Entry] {
        &self.log
    }
    /// The frames so far, if [`World::keep_frames`] was called.
    pub fn frames(&self) -> &[Frame] {
        self.frames.as_deref().unwrap_or(&[])
    }
    pub fn take_frames(&mut self) -> Vec<Frame> {
        self.frames.take().unwrap_or_default()
    }
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The VRRP instances running now, per node index.
    pub fn vrrp_states(&self) -> Vec<(usize, InstanceStatus)> {
        let mut v = vec![];
        for (i, n) in self.nodes.iter().enumerate() {
            for s in n.slots.iter().filter_map(|s| s.machine.as_ref()) {
                v.extend(s.vrrp_states().into_iter().map(|st| (i, st)));
            }
        }
        v
    }

    /// The IPVS tables of the director nodes, per node index.
    pub fn ipvs_tables(&self) -> Vec<(usize, &crate::engine::ipvs::kernel::Ipvs)> {
        let mut v = vec![];
        for (i, n) in self.nodes.iter().enumerate() {
            v.extend(n.slots.iter().filter_map(|s| s.machine.as_ref()?.ipvs()).map(|t| (i, t)));
        }
        v
    }

    /// Runs every event up to and including `until`; the clock ends at `until`.
    pub fn run_until(&mut self, until: Micros) -> io::Result<()> {
        while self.queue.peek_at().is_some_and(|at| at <= until) {
            self.step()?;
        }
        self.now = self.now.max(until);
        Ok(())
    }

    /// Processes the next event; `false` when there is none.
    pub fn step(&mut self) -> io::Result<bool> {
        let Some((at, ev)) = self.queue.pop() else { return Ok(false) };
        self.now = at;
        self.stats.events += 1;
        match ev {
            Ev::Action(i) => self.apply(i as usize)?,
            Ev::Deliver { node, slot } => self.deliver(node as usize, slot)?,
            Ev::Machine { node, m } => {
                let (n, m) = (node as usize, m as usize);
                if self.nodes[n].slots[m].wake == Some(at) {
                    self.nodes[n].slots[m].wake = None;
                    self.run_machine(n, m, |mach, now, out| mach.on_timer(now, out))?;
                }
            }
            Ev::Host { node } => {
                let n = node as usize;
                if self.nodes[n].host_wake == Some(at) {
                    self.nodes[n].host_wake = None;
                    let mut wire = std::mem::take(&mut self.wire);
                    let mut pool = std::mem::take(&mut self.scratch);
                    self.nodes[n].host.on_timer(at, &mut wire);
                    let r = self.send_wire(n, &mut wire, &mut pool);
                    self.wire = wire;
                    self.scratch = pool;
                    r?;
                }
            }
        }
        Ok(true)
    }

    /// Flushes the capture file.
    pub fn finish(&mut self) -> io::Result<()> {
        if let Some(p) = &mut self.pcap {
            p.flush()?;
        }
        Ok(())
    }

    fn record(&mut self, node: Option<usize>, kind: Kind) {
        self.log.push(Entry { at: self.now, node, kind });
    }

    /// Calls machine `m` of node `n`, then carries out what it asked for.
    fn run_machine(
        &mut self,
        n: usize,
        m: usize,
        f: impl FnOnce(&mut dyn Machine, Micros, &mut Outputs),
    ) -> io::Result<()> {
        let mut out = std::mem::take(&mut self.scratch);
        let now = self.now;
        let Some(mach) = self.nodes[n].slots[m].machine.as_deref_mut() else {
            self.scratch = out;
            return Ok(());
        };
        f(mach, now, &mut out);
        let r = self.carry_out(n, m, &mut out);
        self.scratch = out;
        self.rearm(n, m);
        r
    }

    fn carry_out(&mut self, n: usize, m: usize, out: &mut Outputs) -> io::Result<()> {
        let now = self.now;
        loop {
            let mut notes = std::mem::take(&mut out.notes);
            for note in notes.drain(..) {
                match note {
                    Note::Log(line) => {
                        let daemon = self.nodes[n].slots[m].machine.as_ref().map_or("?", |x| x.name()).to_string();
                        self.record(Some(n), Kind::Log { daemon, line });
                    }
                    Note::LogAs { daemon, line } => self.record(Some(n), Kind::Log { daemon: daemon.to_string(), line }),
                    Note::State(s) => self.record(Some(n), Kind::State(s)),
                    Note::AddAddr { addr, prefix, mac, accept } => {
                        self.nodes[n].host.add_addr(addr, prefix, mac, accept);
                        self.record(Some(n), Kind::AddrAdded(addr));
                    }
                    Note::DelAddr { addr } => {
                        self.nodes[n].host.del_addr(addr);
                        self.record(Some(n), Kind::AddrRemoved(addr));
                    }
                    Note::RunScript { script } => {
                        let status = i32::from(self.nodes[n].failing_scripts.contains(&script));
                        if let Some(mach) = self.nodes[n].slots[m].machine.as_deref_mut() {
                            mach.on_command(now, &Command::ScriptExited { script, status }, out);
                        }
                    }
                }
            }
            if out.notes.is_empty() {
                out.notes = notes;
            }
            let mut wire = std::mem::take(&mut self.wire);
            for tx in out.frames.drain(..) {
                self.nodes[n].host.transmit(now, tx, &mut wire);
            }
            let r = self.send_wire(n, &mut wire, out);
            self.wire = wire;
            r?;
            if out.notes.is_empty() && out.frames.is_empty() {
                return Ok(());
            }
        }
    }

    fn rearm(&mut self, n: usize, m: usize) {
        let slot = &mut self.nodes[n].slots[m];
        let Some(p) = slot.machine.as_ref().and_then(|x| x.poll_at()) else { return };
        let at = p.max(self.now);
        if slot.wake.is_none_or(|w| at < w) {
            slot.wake = Some(at);
            self.queue.push(at, Ev::Machine { node: n as u32, m: m as u32 });
        }
    }

    /// Puts the host's outgoing frames on the wire and re-arms its timer.
    /// Buffers freed on the way go to `pool`, where machines find them.
    fn send_wire(&mut self, n: usize, wire: &mut Outputs, pool: &mut Outputs) -> io::Result<()> {
        let mut frames = std::mem::take(&mut wire.frames);
        for tx in frames.drain(..) {
            self.transmit(n, tx.frame, pool)?;
        }
        wire.frames = frames;
        wire.notes.clear();
        if let Some(p) = self.nodes[n].host.poll_at() {
            let at = p.max(self.now);
            if self.nodes[n].host_wake.is_none_or(|w| at < w) {
                self.nodes[n].host_wake = Some(at);
                self.queue.push(at, Ev::Host { node: n as u32 });
            }
        }
        Ok(())
    }

    /// A frame leaves node `from`: taps, switch, loss and delay per receiver.
    fn transmit(&mut self, from: usize, frame: Vec<u8>, pool: &mut Outputs) -> io::Result<()> {
        if !self.nodes[from].link_up || frame.len() < 14 {
            pool.recycle(frame);
            return Ok(());
        }
        self.stats.frames += 1;
        match frame_kind(&frame) {
            FrameKind::Vrrp => self.stats.vrrp += 1,
            FrameKind::Arp => self.stats.arp += 1,
            FrameKind::Other => {}
        }
        let ts = Timestamp::from_micros(EPOCH_SECS * 1_000_000 + self.now as i64);
        if let Some(p) = &mut self.pcap {
            p.write(ts, frame.len() as u32, &frame)?;
        }
        if let Some(list) = &mut self.frames {
            list.push(Frame { ts, orig_len: frame.len() as u32, linktype: LinkType::Ethernet, interface: 0, data: frame.clone() });
        }
        let mut src: Mac = [0; 6];
        src.copy_from_slice(&frame[6..12]);
        let mut dst: Mac = [0; 6];
        dst.copy_from_slice(&frame[0..6]);
        self.lan.learn(src, from);
        let mut ports = std::mem::take(&mut self.ports);
        self.lan.destinations(from, dst, &mut ports);
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.store.push(Stored::default());
                self.store.len() as u32 - 1
            }
        };
        let old = std::mem::replace(&mut self.store[slot as usize].bytes, frame);
        pool.recycle(old);
        let mut refs = 0;
        for &p in &ports {
            if self.rng.hit(self.loss) {
                self.stats.lost += 1;
                continue;
            }
            let delay = self.latency_us + if self.jitter_us > 0 { self.rng.below(self.jitter_us + 1) } else { 0 };
            self.queue.push(self.now + delay, Ev::Deliver { node: p as u32, slot });
            refs += 1;
        }
        self.ports = ports;
        self.store[slot as usize].refs = refs;
        if refs == 0 {
            self.free.push(slot);
        }
        Ok(())
    }

    fn deliver(&mut self, n: usize, slot: u32) -> io::Result<()> {
        let mut rx = std::mem::take(&mut self.rx);
        rx.clear();
        let s = &mut self.store[slot as usize];
        rx.extend_from_slice(&s.bytes);
        s.refs -= 1;
        if s.refs == 0 {
            self.free.push(slot);
        }
        let r = self.receive(n, &rx);
        self.rx = rx;
        r
    }

    fn receive(&mut self, n: usize, frame: &[u8]) -> io::Result<()> {
        let node = &mut self.nodes[n];
        if !node.link_up {
            return Ok(());
        }
        self.stats.deliveries += 1;
        if node.block_vrrp && is_vrrp(frame) {
            return Ok(());
        }
        let mut wire = std::mem::take(&mut self.wire);
        let mut pool = std::mem::take(&mut self.scratch);
        let verdict = node.host.receive(self.now, frame, &mut wire);
        let r = self.send_wire(n, &mut wire, &mut pool);
        self.wire = wire;
        self.scratch = pool;
        r?;
        if verdict == Delivery::Up {
            for m in 0..self.nodes[n].slots.len() {
                self.run_machine(n, m, |mach, now, out| mach.on_frame(now, frame, out))?;
            }
        }
        Ok(())
    }
}

enum FrameKind {
    Vrrp,
    Arp,
    Other,
}

/// A quick look at the headers for the counters (untagged frames).
fn frame_kind(f: &[u8]) -> FrameKind {
    match (f.get(12..14), f.get(23), f.get(20), f.get(54)) {
        (Some([0x08, 0x06]), ..) => FrameKind::Arp,
        (Some([0x08, 0x00]), Some(112), ..) => FrameKind::Vrrp,
        (Some([0x86, 0xdd]), _, Some(112), _) => FrameKind::Vrrp,
        (Some([0x86, 0xdd]), _, Some(58), Some(135 | 136)) => FrameKind::Arp,
        _ => FrameKind::Other,
    }
}

/// Whether a frame carries IP protocol 112 (what `block_vrrp` drops).
fn is_vrrp(frame: &[u8]) -> bool {
    crate::wire::decode::decode(LinkType::Ethernet, frame).vrrp().is_some()
}
