//! The real-time driver: one of the project's sans-IO machines (the VRRP
//! daemon of `engine::vrrp`) on a node's real interface. The simulator
//! drives the same machine in virtual time, so what the lab shows of the
//! engine is what the simulator computes.
//!
//! One thread per node. It enters the node's namespace for good, then
//! loops: wait (`ppoll`) for a frame, a command from the lab or the
//! machine's next timer, whichever comes first; hand it to the machine with
//! the current time (microseconds since the lab's `t0`, monotonic); carry
//! out what the machine asks:
//! - frames go out through an AF_PACKET socket as they are (adverts, GARPs);
//!   a frame with a next hop (unicast adverts) goes through a raw IP socket,
//!   so that the kernel resolves the next hop's MAC as it would for
//!   keepalived;
//! - VIPs are added to and removed from the interface with netlink, so the
//!   node's kernel answers ARP for them; with `no_accept` an nftables rule
//!   drops what is addressed to them, as keepalived's firewall rules do;
//! - tracking scripts run the lab's script file (see `lab::keepalived`);
//! - log lines go to the lab's log under the node's name.
//!
//! Frames come in through one AF_PACKET socket per IP version, bound to its
//! EtherType: such sockets see frames after the interface's ingress hooks,
//! which is where the lab's `block_vrrp` drops VRRP for engine nodes. A
//! machine with its own host stack (the director, `engine::host::Hosted`)
//! gets an ARP socket too; it answers ARP and resolves next hops itself,
//! so its frames all go out through the AF_PACKET socket.

use anyhow::{anyhow, bail, Context};
use nix::poll::{ppoll, PollFd, PollFlags};
use nix::sys::time::TimeSpec;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv6Addr};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::keepalived::Files;
use super::log::LogBook;
use super::netlink::Rtnl;
use super::netns::Netns;
use crate::capture::live::PacketSocket;
use crate::capture::Frame;
use crate::engine::{Command, Machine, Micros, Note, Outputs, Tx};
use crate::scenario::model::IfAddr;

/// The longest the thread sleeps without looking at its inbox.
const MAX_WAIT: Duration = Duration::from_millis(200);
/// Frames handled per wake-up at most, so timers are never starved.
const MAX_BURST: usize = 256;
/// Script runs answered per input at most (a machine asking again and again
/// for the same script is a bug, not a reason to loop forever).
const MAX_SCRIPT_RUNS: usize = 64;

/// Makes a fresh machine (a restarted daemon has no memory).
pub type Factory = Box<dyn Fn() -> Box<dyn Machine + Send> + Send>;

/// What the lab tells a node's driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    Command(Command),
    /// The process dies: all state is lost, nothing is sent.
    Crash,
}

/// Where the driver runs and what it runs.
pub struct Setup {
    pub node: String,
    pub netns: Netns,
    pub interface: String,
    pub mac: [u8; 6],
    pub files: Files,
    pub t0: Instant,
    pub log: LogBook,
    /// The machine has a host stack of its own (`engine::host::Hosted`):
    /// it gets ARP frames too, and resolves its next hops itself.
    pub own_stack: bool,
}

/// A running driver thread.
pub struct Driver {
    node: String,
    orders: Sender<Option<Order>>,
    wake: OwnedFd,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Driver {
    /// Starts the node's thread with a stopped machine from `factory`.
    pub fn spawn(setup: Setup, factory: Factory) -> anyhow::Result<Driver> {
        let (tx, rx) = mpsc::channel();
        let (wake_rx, wake_tx) = nix::unistd::pipe().context("creating the driver's wake-up pipe")?;
        let node = setup.node.clone();
        let thread = std::thread::Builder::new()
            .name(format!("lab-{node}"))
            .spawn(move || {
                let log = setup.log.clone();
                let node = setup.node.clone();
                let result = run(setup, factory, rx, wake_rx);
                if let Err(e) = &result {
                    log.push(&node, format!("lab driver stopped: {e:#}"));
                }
                result
            })
            .context("starting a driver thread")?;
        Ok(Driver { node, orders: tx, wake: wake_tx, thread: Some(thread) })
    }

    /// Hands `order` to the node's thread, which acts on it at once.
    pub fn send(&self, order: Order) -> anyhow::Result<()> {
        self.orders.send(Some(order)).map_err(|_| anyhow!("{}: the driver thread has ended", self.node))?;
        self.poke();
        Ok(())
    }

    fn poke(&self) {
        let _ = nix::unistd::write(&self.wake, &[1]);
    }

    /// Ends the thread (without stopping the machine first: send
    /// `Command::Stop` for a graceful stop) and returns how it ended.
    pub fn join(mut self) -> anyhow::Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> anyhow::Result<()> {
        let _ = self.orders.send(None);
        self.poke();
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| anyhow!("{}: the driver thread panicked", self.node))?,
            None => Ok(()),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// The node's side: sockets, netlink, machine.
struct Node {
    setup: Setup,
    factory: Factory,
    machine: Box<dyn Machine + Send>,
    rtnl: Rtnl,
    ifindex: u32,
    /// Sends whole frames; receives nothing (protocol 0).
    tx: PacketSocket,
    raw4: OwnedFd,
    raw6: Option<OwnedFd>,
    /// VIPs the machine added, with their prefixes (to remove them).
    vips: BTreeMap<IpAddr, u8>,
    /// Those of them that accept no traffic (`no_accept`).
    no_accept: BTreeSet<IpAddr>,
    out: Outputs,
}

fn run(setup: Setup, factory: Factory, orders: Receiver<Option<Order>>, wake: OwnedFd) -> anyhow::Result<()> {
    setup.netns.enter_current_thread()?;
    let mut rtnl = Rtnl::open()?;
    let ifindex = rtnl.link_index(&setup.interface)?;
    let has_v6 = ipv6_enabled();
    let mut rx = vec![PacketSocket::open_protocol(ifindex, libc::ETH_P_IP as u16, false, MAX_WAIT)?];
    if has_v6 {
        rx.push(PacketSocket::open_protocol(ifindex, libc::ETH_P_IPV6 as u16, false, MAX_WAIT)?);
    }
    if setup.own_stack {
        rx.push(PacketSocket::open_protocol(ifindex, libc::ETH_P_ARP as u16, false, MAX_WAIT)?);
    }
    let tx = PacketSocket::open_protocol(ifindex, 0, false, MAX_WAIT)?;
    let raw4 = raw_socket(libc::AF_INET)?;
    let raw6 = if has_v6 { Some(raw_socket(libc::AF_INET6)?) } else { None };
    let machine = factory();
    let mut node = Node {
        setup,
        factory,
        machine,
        rtnl,
        ifindex,
        tx,
        raw4,
        raw6,
        vips: BTreeMap::new(),
        no_accept: BTreeSet::new(),
        out: Outputs::new(),
    };
    let mut frame = Frame::default();
    let mut drain = [0u8; 64];
    loop {
        let wait = match node.machine.poll_at() {
            Some(at) => Duration::from_micros(at.saturating_sub(node.now())).min(MAX_WAIT),
            None => MAX_WAIT,
        };
        let readable = {
            let mut fds: Vec<PollFd> = rx.iter().map(|s| PollFd::new(s.as_fd(), PollFlags::POLLIN)).collect();
            fds.push(PollFd::new(wake.as_fd(), PollFlags::POLLIN));
            match ppoll(&mut fds, Some(TimeSpec::from_duration(wait)), None) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e).context("waiting for frames"),
            }
            fds.iter().map(|f| f.revents().is_some_and(|r| r.contains(PollFlags::POLLIN))).collect::<Vec<_>>()
        };
        if readable[rx.len()] {
            let _ = nix::unistd::read(&wake, &mut drain);
        }
        loop {
            match orders.try_recv() {
                Ok(Some(order)) => node.obey(order),
                Ok(None) | Err(mpsc::TryRecvError::Disconnected) => return Ok(()),
                Err(mpsc::TryRecvError::Empty) => break,
            }
        }
        for (socket, _) in rx.iter_mut().zip(&readable).filter(|(_, ready)| **ready) {
            for _ in 0..MAX_BURST {
                if !socket.recv_now(&mut frame)? {
                    break;
                }
                // The machine sees what passed the interface's MAC filter.
                if socket.pkttype() == libc::PACKET_OTHERHOST {
                    continue;
                }
                let now = node.now();
                node.machine.on_frame(now, &frame.data, &mut node.out);
                node.carry_out();
            }
        }
        if node.machine.poll_at().is_some_and(|at| at <= node.now()) {
            let now = node.now();
            node.machine.on_timer(now, &mut node.out);
            node.carry_out();
        }
    }
}

impl Node {
    fn now(&self) -> Micros {
        self.setup.t0.elapsed().as_micros() as Micros
    }

    fn obey(&mut self, order: Order) {
        match order {
            Order::Command(cmd) => {
                let now = self.now();
                self.machine.on_command(now, &cmd, &mut self.out);
                self.carry_out();
            }
            Order::Crash => {
                self.machine = (self.factory)();
                self.out = Outputs::new();
            }
        }
    }

    /// Does what the machine asked for, and answers its script runs. What
    /// fails is logged and the daemon goes on, as keepalived does when a
    /// send or an address change fails (a frame sent while the cable is
    /// pulled, say).
    fn carry_out(&mut self) {
        for _ in 0..MAX_SCRIPT_RUNS {
            let frames: Vec<Tx> = self.out.frames.drain(..).collect();
            for tx in frames {
                if let Err(e) = self.transmit(&tx) {
                    self.lab_says(format!("{e:#}"));
                }
                self.out.recycle(tx.frame);
            }
            let notes: Vec<Note> = self.out.notes.drain(..).collect();
            let mut scripts = Vec::new();
            for note in notes {
                if let Note::RunScript { script } = note {
                    scripts.push(script);
                } else if let Err(e) = self.note(note) {
                    self.lab_says(format!("{e:#}"));
                }
            }
            if scripts.is_empty() {
                return;
            }
            for script in scripts {
                let status = self.run_script(&script);
                let now = self.now();
                self.machine.on_command(now, &Command::ScriptExited { script, status }, &mut self.out);
            }
        }
        self.lab_says(format!("more than {MAX_SCRIPT_RUNS} script runs in a row: the rest are not run"));
    }

    fn note(&mut self, note: Note) -> anyhow::Result<()> {
        match note {
            Note::Log(line) => self.setup.log.push(&self.setup.node, line),
            Note::LogAs { daemon, line } => self.setup.log.push(&self.setup.node, format!("{daemon}: {line}")),
            Note::State(_) | Note::RunScript { .. } => {}
            Note::AddAddr { addr, prefix, mac, accept } => {
                if mac != self.setup.mac {
                    bail!("{addr}: a virtual MAC (use_vmac) is not supported by the lab driver");
                }
                // The firewall first, so that no packet gets through
                // between the address and its rule.
                if !accept && self.no_accept.insert(addr) {
                    self.sync_no_accept()?;
                }
                // A crashed daemon leaves its VIPs behind, as keepalived
                // killed outright does; its successor finds them there.
                if !self.vips.contains_key(&addr) {
                    self.rtnl.add_addr(self.ifindex, IfAddr { addr, prefix }, true)?;
                    self.vips.insert(addr, prefix);
                }
            }
            Note::DelAddr { addr } => {
                if let Some(prefix) = self.vips.remove(&addr) {
                    self.rtnl.del_addr(self.ifindex, IfAddr { addr, prefix })?;
                }
                if self.no_accept.remove(&addr) {
                    self.sync_no_accept()?;
                }
            }
        }
        Ok(())
    }

    /// The node's `no_accept` rules as the VIPs now stand.
    fn sync_no_accept(&self) -> anyhow::Result<()> {
        let vips: Vec<IpAddr> = self.no_accept.iter().copied().collect();
        super::nft::no_accept(&self.setup.netns, &vips)
    }

    /// A line of the driver's own, in the node's log.
    fn lab_says(&self, text: String) {
        self.setup.log.push(&self.setup.node, format!("lab: {text}"));
    }

    /// Runs the lab's file for `script`; a run that cannot start fails, as
    /// keepalived counts it.
    fn run_script(&self, script: &str) -> i32 {
        std::process::Command::new(self.setup.files.script(script))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()
            .and_then(|s| s.code())
            .unwrap_or(1)
    }

    fn transmit(&mut self, tx: &Tx) -> anyhow::Result<()> {
        match tx.next_hop {
            None => self.tx.send(&tx.frame),
            Some(hop) => {
                let packet = tx.frame.get(14..).ok_or_else(|| anyhow!("a frame shorter than its Ethernet header"))?;
                let fd = match hop {
                    IpAddr::V4(_) => &self.raw4,
                    IpAddr::V6(_) => self.raw6.as_ref().ok_or_else(|| anyhow!("IPv6 is off on this node"))?,
                };
                send_routed(fd, packet, hop)
            }
        }
    }
}

/// Whether IPv6 is on in the calling thread's namespace.
fn ipv6_enabled() -> bool {
    std::fs::read_to_string("/proc/sys/net/ipv6/conf/all/disable_ipv6").is_ok_and(|v| v.trim() == "0")
}

/// A raw socket that sends whole IP packets (header included), routed and
/// resolved by the kernel.
fn raw_socket(family: libc::c_int) -> anyhow::Result<OwnedFd> {
    // SAFETY: plain socket(2); the result is checked before use.
    let fd = unsafe { libc::socket(family, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::IPPROTO_RAW) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error()).context("opening a raw IP socket");
    }
    // SAFETY: `fd` is a fresh, owned descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn send_routed(fd: &OwnedFd, packet: &[u8], hop: IpAddr) -> anyhow::Result<()> {
    let sent = match hop {
        IpAddr::V4(a) => {
            let to = nix::sys::socket::SockaddrIn::from(std::net::SocketAddrV4::new(a, 0));
            nix::sys::socket::sendto(fd.as_raw_fd(), packet, &to, nix::sys::socket::MsgFlags::empty())
        }
        IpAddr::V6(a) => {
            let to = nix::sys::socket::SockaddrIn6::from(std::net::SocketAddrV6::new(a, 0, 0, 0));
            nix::sys::socket::sendto(fd.as_raw_fd(), packet, &to, nix::sys::socket::MsgFlags::empty())
        }
    };
    sent.with_context(|| format!("sending to {hop}"))?;
    Ok(())
}

/// The link-local address the kernel gives an interface with this MAC
/// (EUI-64), the source of a VRRPv3 IPv6 router's adverts.
pub fn link_local(mac: [u8; 6]) -> Ipv6Addr {
    Ipv6Addr::new(
        0xfe80,
        0,
        0,
        0,
        u16::from_be_bytes([mac[0] ^ 0x02, mac[1]]),
        u16::from_be_bytes([mac[2], 0xff]),
        u16::from_be_bytes([0xfe, mac[3]]),
        u16::from_be_bytes([mac[4], mac[5]]),
    )
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn eui64_link_local() {
        assert_eq!(link_local([0x02, 0, 0, 0, 0, 0x01]), "fe80::ff:fe00:1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(link_local([0x52, 0x54, 0x00, 0x12, 0x34, 0x56]), "fe80::5054:ff:fe12:3456".parse::<Ipv6Addr>().unwrap());
    }
}
