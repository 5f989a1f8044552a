//! Sans-IO protocol machines: VRRP routers, IPVS directors, hosts. Inputs in, outputs out; no clock, no socket.
//!
//! Every machine is driven the same way, by the simulator in virtual time and
//! by the lab in real time: the driver passes `now` (microseconds on a clock
//! of its choosing) with each input, collects what the machine asks for in an
//! [`Outputs`], and calls back at [`Machine::poll_at`]. Nothing here reads a
//! clock, opens a socket or draws a random number.

pub mod frame;
pub mod host;
pub mod ipvs;
pub mod lvs;
pub mod vrrp;

use std::net::IpAddr;

/// Microseconds on the driver's clock.
pub type Micros = u64;

/// A frame a machine wants on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tx {
    /// A complete Ethernet frame.
    pub frame: Vec<u8>,
    /// `Some(ip)`: the destination MAC is not known to the machine; the host
    /// stack resolves it for this next hop (ARP) and writes it into bytes 0..6,
    /// as the kernel does for a packet a daemon sends through a socket.
    pub next_hop: Option<IpAddr>,
}

/// Something a machine reports besides frames, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A log line as the real daemon would write it (without timestamp or
    /// process prefix), e.g. `(VI_1) Entering MASTER STATE`.
    Log(String),
    /// A log line of another process of the same node than the machine's
    /// own (a composite node: the kernel's "IPVS: …", keepalived's
    /// health checkers, curl).
    LogAs { daemon: &'static str, line: String },
    /// A VRRP instance changed state.
    State(StateChange),
    /// Configure an address on the interface (a VIP): the host answers ARP
    /// for it with `mac` from now on. `accept: false` is keepalived's
    /// `no_accept`: traffic to the address is dropped (ARP still answered).
    AddAddr { addr: IpAddr, prefix: u8, mac: [u8; 6], accept: bool },
    /// Remove an address added with `AddAddr`.
    DelAddr { addr: IpAddr },
    /// Run the tracking script with this name; answer with
    /// [`Command::ScriptExited`].
    RunScript { script: String },
}

/// The states of a VRRP instance, as keepalived names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VrrpState {
    Init,
    Backup,
    Master,
    Fault,
}

impl VrrpState {
    pub fn name(self) -> &'static str {
        match self {
            VrrpState::Init => "INIT",
            VrrpState::Backup => "BACKUP",
            VrrpState::Master => "MASTER",
            VrrpState::Fault => "FAULT",
        }
    }
}

/// One state transition of one VRRP instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub instance: String,
    pub vrid: u8,
    pub family: crate::wire::vrrp::Family,
    pub from: VrrpState,
    pub to: VrrpState,
    /// Effective priority at the time of the change.
    pub priority: u8,
    /// The address the instance sends adverts from.
    pub addr: IpAddr,
}

/// What a machine asks its driver to do. Drivers drain `frames` and `notes`
/// after every call; the frame buffers can be handed back with [`Outputs::recycle`]
/// so that steady-state operation allocates nothing.
#[derive(Debug, Default)]
pub struct Outputs {
    pub frames: Vec<Tx>,
    pub notes: Vec<Note>,
    pool: Vec<Vec<u8>>,
}

impl Outputs {
    pub fn new() -> Outputs {
        Outputs::default()
    }

    /// An empty buffer for a new frame, reused from earlier frames when possible.
    pub fn buffer(&mut self) -> Vec<u8> {
        let mut b = self.pool.pop().unwrap_or_default();
        b.clear();
        b
    }

    /// Queues a frame whose destination MAC is already in place.
    pub fn send(&mut self, frame: Vec<u8>) {
        self.frames.push(Tx { frame, next_hop: None });
    }

    /// Queues a frame whose destination MAC the host must resolve for `next_hop`.
    pub fn send_via(&mut self, frame: Vec<u8>, next_hop: IpAddr) {
        self.frames.push(Tx { frame, next_hop: Some(next_hop) });
    }

    pub fn log(&mut self, line: String) {
        self.notes.push(Note::Log(line));
    }

    /// Gives a frame buffer back for reuse.
    pub fn recycle(&mut self, buf: Vec<u8>) {
        if self.pool.len() < 64 {
            self.pool.push(buf);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.notes.is_empty()
    }
}

/// Operator actions and answers to [`Note::RunScript`], as one input type so
/// that every machine can be driven uniformly; a machine ignores what does
/// not concern it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start the daemon (keepalived start).
    Start,
    /// Stop it gracefully (masters send priority 0 and release their VIPs).
    Stop,
    /// The interface lost or regained its carrier.
    LinkDown,
    LinkUp,
    /// A tracking script run finished with this exit status (0 = success).
    ScriptExited { script: String, status: i32 },
    /// Change the configured priority of every VRRP instance (a reload with a
    /// new `priority`).
    SetPriority(u8),
    /// A health checker's verdict on a real server changed (directors).
    CheckResult { real_server: std::net::SocketAddr, up: bool },
}

/// A protocol machine a simulated node runs: the VRRP daemon, an IPVS
/// director, a client. The host stack (ARP, addresses) sits below it in the
/// node and is not a `Machine`.
pub trait Machine {
    /// A short name for logs ("Keepalived_vrrp", "ipvs", "client").
    fn name(&self) -> &str;
    /// A frame arrived on the node's interface and passed the host's MAC filter.
    fn on_frame(&mut self, now: Micros, frame: &[u8], out: &mut Outputs);
    /// The time asked for by [`Machine::poll_at`] has come (or passed).
    fn on_timer(&mut self, now: Micros, out: &mut Outputs);
    fn on_command(&mut self, now: Micros, cmd: &Command, out: &mut Outputs);
    /// When the machine next needs [`Machine::on_timer`]; `None`: not until
    /// another input. Drivers re-read this after every call: it is the
    /// machine's timer (re)arm.
    fn poll_at(&self) -> Option<Micros>;
    /// The VRRP instances this machine runs and their states (empty for
    /// machines that run none), so drivers can check invariants.
    fn vrrp_states(&self) -> Vec<InstanceStatus> {
        Vec::new()
    }
    /// The IPVS table of a director node (for `sim --ipvsadm`).
    fn ipvs(&self) -> Option<&ipvs::kernel::Ipvs> {
        None
    }
}

/// A VRRP instance as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceStatus {
    pub instance: String,
    pub vrid: u8,
    pub family: crate::wire::vrrp::Family,
    pub state: VrrpState,
    pub priority: u8,
    pub addr: IpAddr,
    /// Master_Down_Interval as the instance computes it now (µs).
    pub master_down_us: Micros,
}
