//! The real server's application: a tiny HTTP/1.0 server that answers every
//! request with its node's name (like the seed's `echo "rs1 nginx" >
//! index.html`) and closes, and the kernel's RST for ports nobody listens
//! on. It answers from the address the request was sent to, so behind a DR
//! director its replies come from the VIP.

use super::tcp::{isn, reset_for, Segment, ACK, FIN, PSH, RST, SYN};
use crate::engine::ipvs::packet::Ipv4;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// The whole response to any request: status, headers, `body`.
pub fn http_response(body: &str) -> String {
    format!(
        "HTTP/1.0 200 OK\r\nServer: vrrplab\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// What the web server of the node `name` serves.
pub fn body_for(name: &str) -> String {
    format!("{name}\n")
}

type Key = (Ipv4Addr, u16, Ipv4Addr, u16);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SynReceived,
    Established,
    /// Request read; the response goes out after the think time.
    Thinking,
    /// Response and FIN sent.
    Closing,
}

#[derive(Debug, Clone)]
struct Conn {
    state: State,
    snd_nxt: u32,
    rcv_nxt: u32,
    peer_fin: bool,
}

#[derive(Debug)]
pub struct Responder {
    name: String,
    ports: Vec<u16>,
    seed: u64,
    /// How long a request takes to answer.
    think_us: u64,
    conns: BTreeMap<Key, Conn>,
    /// Responses due, oldest first.
    due: Vec<(u64, Key)>,
    served: u64,
}

impl Responder {
    pub fn new(name: &str, ports: &[u16], think_us: u64, seed: u64) -> Responder {
        Responder {
            name: name.to_string(),
            ports: ports.to_vec(),
            seed,
            think_us,
            conns: BTreeMap::new(),
            due: Vec::new(),
            served: 0,
        }
    }

    pub fn poll_at(&self) -> Option<u64> {
        self.due.first().map(|d| d.0)
    }

    /// Sends the responses whose think time is over.
    pub fn on_timer(&mut self, now_us: u64, out: &mut Vec<Vec<u8>>) {
        while self.due.first().is_some_and(|d| d.0 <= now_us) {
            let (_, key) = self.due.remove(0);
            self.respond(key, out);
        }
    }

    fn respond(&mut self, key: Key, out: &mut Vec<Vec<u8>>) {
        let body = self.body();
        let Some(c) = self.conns.get_mut(&key).filter(|c| c.state == State::Thinking) else { return };
        let (src, sport, dst, dport) = key;
        let reply = |seq: u32, ack: u32, flags: u8, payload: &[u8]| Segment { src, dst, sport, dport, seq, ack, flags, payload }.emit();
        let response = http_response(&body);
        out.push(reply(c.snd_nxt, c.rcv_nxt, PSH | ACK, response.as_bytes()));
        c.snd_nxt = c.snd_nxt.wrapping_add(response.len() as u32);
        out.push(reply(c.snd_nxt, c.rcv_nxt, FIN | ACK, &[]));
        c.snd_nxt = c.snd_nxt.wrapping_add(1);
        c.state = State::Closing;
        self.served += 1;
    }

    /// Requests answered so far.
    pub fn served(&self) -> u64 {
        self.served
    }

    /// The body it serves.
    pub fn body(&self) -> String {
        body_for(&self.name)
    }

    /// A TCP packet for one of the node's addresses. Returns the packets to
    /// send back (to the packet's source).
    pub fn on_packet(&mut self, now_us: u64, ip: &Ipv4<'_>, out: &mut Vec<Vec<u8>>) {
        let Some(s) = Segment::parse(ip) else { return };
        let key = (s.dst, s.dport, s.src, s.sport);
        let reply = |seq: u32, ack: u32, flags: u8, payload: &[u8]| {
            Segment { src: s.dst, dst: s.src, sport: s.dport, dport: s.sport, seq, ack, flags, payload }.emit()
        };
        if !self.ports.contains(&s.dport) {
            if !s.has(RST) {
                out.push(reset_for(&s));
            }
            return;
        }
        if s.has(RST) {
            self.conns.remove(&key);
            self.due.retain(|d| d.1 != key);
            return;
        }
        if s.has(SYN) && !s.has(ACK) {
            // A new connection (or the client's retransmitted SYN).
            let iss = isn(self.seed, s.dst, s.dport, s.src, s.sport);
            let c = Conn { state: State::SynReceived, snd_nxt: iss.wrapping_add(1), rcv_nxt: s.seq.wrapping_add(1), peer_fin: false };
            out.push(reply(iss, c.rcv_nxt, SYN | ACK, &[]));
            self.conns.insert(key, c);
            return;
        }
        let Some(c) = self.conns.get_mut(&key) else {
            out.push(reset_for(&s));
            return;
        };
        if c.state == State::SynReceived && s.has(ACK) && s.ack == c.snd_nxt {
            c.state = State::Established;
        }
        if s.seq != c.rcv_nxt {
            // Out of order or a retransmission: re-acknowledge.
            out.push(reply(c.snd_nxt, c.rcv_nxt, ACK, &[]));
            return;
        }
        c.rcv_nxt = c.rcv_nxt.wrapping_add(s.payload.len() as u32);
        if s.has(FIN) {
            c.rcv_nxt = c.rcv_nxt.wrapping_add(1);
            c.peer_fin = true;
        }
        let closing_done = c.state == State::Closing && c.peer_fin && s.ack == c.snd_nxt;
        if !s.payload.is_empty() && c.state == State::Established {
            c.state = State::Thinking;
            if self.think_us == 0 {
                self.respond(key, out);
            } else {
                out.push(reply(c.snd_nxt, c.rcv_nxt, ACK, &[]));
                self.due.push((now_us + self.think_us, key));
            }
        } else if s.has(FIN) {
            out.push(reply(c.snd_nxt, c.rcv_nxt, ACK, &[]));
        }
        if closing_done {
            self.conns.remove(&key);
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn a(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn seg(seq: u32, ack: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
        Segment { src: a("198.51.100.1"), dst: a("192.0.2.100"), sport: 40000, dport: 80, seq, ack, flags, payload }.emit()
    }

    fn feed(r: &mut Responder, p: &[u8]) -> Vec<(u8, u32, u32, Vec<u8>)> {
        let mut out = Vec::new();
        r.on_packet(0, &Ipv4::parse(p).unwrap(), &mut out);
        out.iter()
            .map(|p| {
                let ip = Ipv4::parse(p).unwrap();
                let s = Segment::parse(&ip).unwrap();
                assert_eq!((ip.src(), s.sport), (a("192.0.2.100"), 80), "answers from the VIP");
                (s.flags, s.seq, s.ack, s.payload.to_vec())
            })
            .collect()
    }

    #[test]
    fn serves_its_name_and_closes() {
        let mut r = Responder::new("rs1", &[80], 0, 1);
        let synack = feed(&mut r, &seg(100, 0, SYN, b""));
        assert_eq!((synack[0].0, synack[0].2), (SYN | ACK, 101));
        let iss = synack[0].1;
        assert!(feed(&mut r, &seg(101, iss + 1, ACK, b"")).is_empty());
        let resp = feed(&mut r, &seg(101, iss + 1, PSH | ACK, b"GET / HTTP/1.0\r\n\r\n"));
        assert_eq!(resp.len(), 2);
        assert!(String::from_utf8_lossy(&resp[0].3).ends_with("\r\n\r\nrs1\n"));
        assert_eq!((resp[1].0, resp[1].2), (FIN | ACK, 119));
        let fin_seq = resp[1].1;
        let last = feed(&mut r, &seg(119, fin_seq + 1, FIN | ACK, b""));
        assert_eq!((last[0].0, last[0].2), (ACK, 120));
        assert!(r.conns.is_empty());
        assert_eq!(r.served(), 1);
    }

    #[test]
    fn thinks_before_answering() {
        let mut r = Responder::new("rs2", &[80], 300, 1);
        let iss = feed(&mut r, &seg(100, 0, SYN, b""))[0].1;
        let mut out = Vec::new();
        r.on_packet(1000, &Ipv4::parse(&seg(101, iss + 1, PSH | ACK, b"GET /")).unwrap(), &mut out);
        assert_eq!(out.len(), 1, "only the ACK");
        assert_eq!(r.poll_at(), Some(1300));
        out.clear();
        r.on_timer(1300, &mut out);
        assert_eq!(out.len(), 2);
        assert!(String::from_utf8_lossy(Segment::parse(&Ipv4::parse(&out[0]).unwrap()).unwrap().payload).ends_with("rs2\n"));
    }

    #[test]
    fn closed_ports_and_strangers_get_resets() {
        let mut r = Responder::new("rs1", &[80], 0, 1);
        let mut out = Vec::new();
        let p = Segment { src: a("198.51.100.1"), dst: a("192.0.2.21"), sport: 1, dport: 22, seq: 5, ack: 0, flags: SYN, payload: &[] }.emit();
        r.on_packet(0, &Ipv4::parse(&p).unwrap(), &mut out);
        assert_eq!(Segment::parse(&Ipv4::parse(&out[0]).unwrap()).unwrap().flags, RST | ACK);
        // Mid-stream data for a connection it never saw (a failover without
        // connection sync lands here).
        let rst = feed(&mut r, &seg(500, 77, PSH | ACK, b"x"));
        assert_eq!((rst[0].0, rst[0].1), (RST, 77));
    }
}
