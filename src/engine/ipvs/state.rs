//! Connection states and the kernel's TCP transition table
//! (`ip_vs_proto_tcp.c`, the table of kernels ≥ 3.18), with the default
//! timeouts that `ipvsadm --set` changes.
//!
//! IPVS does not track TCP properly: it looks at one packet's flags (RST
//! before SYN before FIN before ACK) and the direction. Directors that never
//! see replies (DR, TUN) use the INPUT-ONLY rows, which is why a DR
//! connection ends in FIN_WAIT rather than TIME_WAIT.

/// The connection states `ipvsadm -Lnc` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    TcpNone,
    Established,
    SynSent,
    SynRecv,
    FinWait,
    TimeWait,
    Close,
    CloseWait,
    LastAck,
    Listen,
    SynAck,
    /// UDP has a single state.
    Udp,
}

impl State {
    /// `ip_vs_state_name`.
    pub fn name(self) -> &'static str {
        match self {
            State::TcpNone => "NONE",
            State::Established => "ESTABLISHED",
            State::SynSent => "SYN_SENT",
            State::SynRecv => "SYN_RECV",
            State::FinWait => "FIN_WAIT",
            State::TimeWait => "TIME_WAIT",
            State::Close => "CLOSE",
            State::CloseWait => "CLOSE_WAIT",
            State::LastAck => "LAST_ACK",
            State::Listen => "LISTEN",
            State::SynAck => "SYNACK",
            State::Udp => "UDP",
        }
    }

    fn column(self) -> usize {
        match self {
            State::TcpNone | State::Udp => 0,
            State::Established => 1,
            State::SynSent => 2,
            State::SynRecv => 3,
            State::FinWait => 4,
            State::TimeWait => 5,
            State::Close => 6,
            State::CloseWait => 7,
            State::LastAck => 8,
            State::Listen => 9,
            State::SynAck => 10,
        }
    }
}

/// Which way a packet goes relative to the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to real server.
    In,
    /// Real server to client, through the director (NAT only).
    Out,
}

/// The TCP flags IPVS cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TcpFlags {
    pub syn: bool,
    pub fin: bool,
    pub ack: bool,
    pub rst: bool,
}

impl TcpFlags {
    pub fn from_byte(b: u8) -> TcpFlags {
        TcpFlags { fin: b & 0x01 != 0, syn: b & 0x02 != 0, rst: b & 0x04 != 0, ack: b & 0x10 != 0 }
    }
}

use State::{
    Close as CL, CloseWait as CW, Established as ES, FinWait as FW, LastAck as LA, Listen as LI, SynRecv as SR,
    SynSent as SS, TimeWait as TW,
};

type Row = [State; 11];

/// Rows syn, fin, ack, rst; columns NO ES SS SR FW TW CL CW LA LI SA.
const INPUT: [Row; 4] = [
    [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    [CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR],
];
const OUTPUT: [Row; 4] = [
    [SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR],
    [TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES],
    [CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL],
];
const INPUT_ONLY: [Row; 4] = [
    [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    [CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL],
];

/// `set_tcp_state`'s next state. `input_only` is the connection's
/// NOOUTPUT flag (not NAT, and no reply seen yet).
pub fn tcp_next(state: State, dir: Direction, input_only: bool, flags: TcpFlags) -> State {
    let table = match (dir, input_only) {
        (Direction::Out, _) => &OUTPUT,
        (Direction::In, true) => &INPUT_ONLY,
        (Direction::In, false) => &INPUT,
    };
    let row = if flags.rst {
        3
    } else if flags.syn {
        0
    } else if flags.fin {
        1
    } else if flags.ack {
        2
    } else {
        // No flag the table knows: the kernel falls through to CLOSE.
        return State::Close;
    };
    table[row][state.column()]
}

/// Per-state timeouts in seconds (`tcp_timeouts`, `udp_timeouts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    tcp: [u32; 11],
    pub udp: u32,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts { tcp: [2, 900, 120, 60, 120, 120, 10, 60, 30, 120, 120], udp: 300 }
    }
}

impl Timeouts {
    pub fn of(&self, state: State) -> u32 {
        match state {
            State::Udp => self.udp,
            s => self.tcp[s.column()],
        }
    }

    /// `ipvsadm --set tcp tcpfin udp`: zero keeps a value unchanged.
    pub fn set(&mut self, tcp: u32, tcpfin: u32, udp: u32) {
        if tcp != 0 {
            self.tcp[State::Established.column()] = tcp;
        }
        if tcpfin != 0 {
            self.tcp[State::FinWait.column()] = tcpfin;
        }
        if udp != 0 {
            self.udp = udp;
        }
    }

    /// `ipvsadm -L --timeout`'s three values.
    pub fn triple(&self) -> (u32, u32, u32) {
        (self.of(State::Established), self.of(State::FinWait), self.udp)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    const SYN: TcpFlags = TcpFlags { syn: true, fin: false, ack: false, rst: false };
    const SYNACK: TcpFlags = TcpFlags { syn: true, fin: false, ack: true, rst: false };
    const ACK: TcpFlags = TcpFlags { syn: false, fin: false, ack: true, rst: false };
    const FINACK: TcpFlags = TcpFlags { syn: false, fin: true, ack: true, rst: false };
    const RSTACK: TcpFlags = TcpFlags { syn: false, fin: false, ack: true, rst: true };

    fn walk(input_only: bool, steps: &[(Direction, TcpFlags)]) -> Vec<&'static str> {
        let mut s = State::TcpNone;
        steps
            .iter()
            .map(|&(d, f)| {
                s = tcp_next(s, d, input_only, f);
                s.name()
            })
            .collect()
    }

    #[test]
    fn dr_connection_ends_in_fin_wait() {
        use Direction::In;
        let seen = walk(true, &[(In, SYN), (In, ACK), (In, ACK), (In, FINACK), (In, ACK)]);
        assert_eq!(seen, ["SYN_RECV", "ESTABLISHED", "ESTABLISHED", "FIN_WAIT", "FIN_WAIT"]);
    }

    #[test]
    fn nat_connection_with_client_closing_first() {
        use Direction::{In, Out};
        let seen = walk(
            false,
            &[(In, SYN), (Out, SYNACK), (In, ACK), (Out, ACK), (In, FINACK), (Out, FINACK), (In, ACK)],
        );
        assert_eq!(
            seen,
            ["SYN_RECV", "SYN_RECV", "ESTABLISHED", "ESTABLISHED", "CLOSE_WAIT", "TIME_WAIT", "TIME_WAIT"]
        );
    }

    #[test]
    fn nat_connection_with_server_closing_first() {
        use Direction::{In, Out};
        let seen = walk(false, &[(In, SYN), (Out, SYNACK), (In, ACK), (Out, FINACK), (In, FINACK), (Out, ACK)]);
        assert_eq!(seen, ["SYN_RECV", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "TIME_WAIT", "TIME_WAIT"]);
    }

    #[test]
    fn rst_wins_over_every_other_flag() {
        let all = TcpFlags { syn: true, fin: true, ack: true, rst: true };
        assert_eq!(tcp_next(State::Established, Direction::In, false, all), State::Close);
        assert_eq!(tcp_next(State::SynRecv, Direction::In, true, RSTACK), State::SynRecv);
        assert_eq!(tcp_next(State::SynAck, Direction::In, true, RSTACK), State::Close);
        assert_eq!(tcp_next(State::SynAck, Direction::In, false, RSTACK), State::SynRecv);
    }

    #[test]
    fn no_flags_close_the_connection() {
        assert_eq!(tcp_next(State::Established, Direction::In, false, TcpFlags::default()), State::Close);
    }

    #[test]
    fn timeouts_default_and_set() {
        let mut t = Timeouts::default();
        assert_eq!(t.triple(), (900, 120, 300));
        assert_eq!(t.of(State::SynRecv), 60);
        assert_eq!(t.of(State::TcpNone), 2);
        t.set(0, 30, 0);
        assert_eq!(t.triple(), (900, 30, 300));
    }

    #[test]
    fn flags_from_the_header_byte() {
        assert_eq!(TcpFlags::from_byte(0x12), SYNACK);
        assert_eq!(TcpFlags::from_byte(0x11), FINACK);
        assert_eq!(TcpFlags::from_byte(0x14), RSTACK);
    }
}
