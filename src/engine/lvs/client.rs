//! A client that fetches `http://VIP/` like the seed articles' `curl`, once
//! per `Requests::interval_us`, each time on a new TCP connection from the
//! next ephemeral port. Lost segments are retransmitted with the kernel's
//! backoff (1 s, doubling, six retries); what came back is logged as curl
//! would report it.

use super::tcp::{isn, Segment, ACK, FIN, PSH, RST, SYN};
use crate::engine::ipvs::packet::{Ipv4, PROTO_ICMP};
use crate::scenario::model::Requests;
use std::net::{IpAddr, Ipv4Addr};

const FIRST_PORT: u16 = 40000;
const RTO_US: u64 = 1_000_000;
const RETRIES: u32 = 6;

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The response body (the real server's name).
    Body(String),
    /// `curl: (56) Recv failure: Connection reset by peer`.
    Reset,
    /// `curl: (7) … Connection refused` (RST or ICMP port unreachable to the SYN).
    Refused,
    /// `curl: (28) … timed out`.
    TimedOut,
    /// Timed out after ICMP errors (time exceeded: a routing loop).
    NoRoute,
}

impl Outcome {
    /// How the request's log line ends: the body, or what curl prints.
    pub fn curl_says(&self, (ip, port): (Ipv4Addr, u16)) -> String {
        match self {
            Outcome::Body(b) => b.trim_end().to_string(),
            Outcome::Reset => "curl: (56) Recv failure: Connection reset by peer".into(),
            Outcome::Refused => format!("curl: (7) Failed to connect to {ip} port {port}: Connection refused"),
            Outcome::TimedOut => format!("curl: (28) Failed to connect to {ip} port {port}: Connection timed out"),
            Outcome::NoRoute => format!("curl: (7) Failed to connect to {ip} port {port}: No route to host"),
        }
    }
}

/// The request curl sends for `http://TARGET/`.
pub fn http_request((ip, port): (Ipv4Addr, u16)) -> String {
    let host = if port == 80 { ip.to_string() } else { format!("{ip}:{port}") };
    format!("GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    SynSent,
    /// Request sent, reading the response.
    Waiting,
    /// Our FIN sent.
    Closing,
}

#[derive(Debug, Clone)]
struct Conn {
    index: u32,
    port: u16,
    state: State,
    iss: u32,
    snd_nxt: u32,
    rcv_nxt: u32,
    body: Vec<u8>,
    retries: u32,
    rto_at: u64,
    /// An ICMP error arrived (the kernel's soft error, reported on timeout).
    soft_error: bool,
}

#[derive(Debug)]
pub struct Client {
    addr: Ipv4Addr,
    target: (Ipv4Addr, u16),
    req: Requests,
    seed: u64,
    sent: u32,
    conns: Vec<Conn>,
    outcomes: Vec<(u32, Outcome)>,
    log: Vec<String>,
}

impl Client {
    /// `None` when the target is not IPv4.
    pub fn new(addr: Ipv4Addr, req: Requests, seed: u64) -> Option<Client> {
        let IpAddr::V4(t) = req.to.ip() else { return None };
        Some(Client { addr, target: (t, req.to.port()), req, seed, sent: 0, conns: Vec::new(), outcomes: Vec::new(), log: Vec::new() })
    }

    /// Finished requests, by number (1-based), in the order they finished.
    pub fn outcomes(&self) -> &[(u32, Outcome)] {
        &self.outcomes
    }

    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    pub fn poll_at(&self) -> Option<u64> {
        let next = (self.sent < self.req.count).then(|| self.req.start_us + u64::from(self.sent) * self.req.interval_us);
        self.conns.iter().map(|c| c.rto_at).chain(next).min()
    }

    fn request(&self) -> String {
        http_request(self.target)
    }

    fn seg(&self, c: &Conn, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
        Segment { src: self.addr, dst: self.target.0, sport: c.port, dport: self.target.1, seq, ack: c.rcv_nxt, flags, payload }.emit()
    }

    /// What the last unacknowledged segment was, to send it again.
    fn resend(&self, c: &Conn) -> Vec<u8> {
        match c.state {
            State::SynSent => Segment { src: self.addr, dst: self.target.0, sport: c.port, dport: self.target.1, seq: c.iss, ack: 0, flags: SYN, payload: &[] }.emit(),
            State::Waiting => self.seg(c, c.iss.wrapping_add(1), PSH | ACK, self.request().as_bytes()),
            State::Closing => self.seg(c, c.snd_nxt.wrapping_sub(1), FIN | ACK, &[]),
        }
    }

    fn finish(&mut self, i: usize, outcome: Outcome) {
        let c = self.conns.remove(i);
        self.log.push(format!("request {} from {}:{}: {}", c.index, self.addr, c.port, outcome.curl_says(self.target)));
        self.outcomes.push((c.index, outcome));
    }

    pub fn on_timer(&mut self, now_us: u64, out: &mut Vec<Vec<u8>>) {
        while self.sent < self.req.count && self.req.start_us + u64::from(self.sent) * self.req.interval_us <= now_us {
            let port = FIRST_PORT.wrapping_add((self.sent * 2) as u16);
            let iss = isn(self.seed, self.addr, port, self.target.0, self.target.1);
            self.sent += 1;
            let c = Conn { index: self.sent, port, state: State::SynSent, iss, snd_nxt: iss.wrapping_add(1), rcv_nxt: 0, body: Vec::new(), retries: 0, rto_at: now_us + RTO_US, soft_error: false };
            out.push(self.resend(&c));
            self.conns.push(c);
        }
        let mut i = 0;
        while i < self.conns.len() {
            if self.conns[i].rto_at > now_us {
                i += 1;
                continue;
            }
            if self.conns[i].retries >= RETRIES {
                let outcome = match (self.conns[i].state, self.conns[i].soft_error) {
                    (State::SynSent, true) => Outcome::NoRoute,
                    (State::SynSent, false) => Outcome::TimedOut,
                    _ => Outcome::Reset,
                };
                self.finish(i, outcome);
                continue;
            }
            let c = &mut self.conns[i];
            c.retries += 1;
            c.rto_at = now_us + (RTO_US << c.retries);
            let p = self.resend(&self.conns[i]);
            out.push(p);
            i += 1;
        }
    }

    /// A packet addressed to the client.
    pub fn on_packet(&mut self, now_us: u64, ip: &Ipv4<'_>, out: &mut Vec<Vec<u8>>) {
        if ip.protocol() == PROTO_ICMP {
            self.on_icmp(ip);
            return;
        }
        let Some(s) = Segment::parse(ip) else { return };
        if s.src != self.target.0 || s.sport != self.target.1 || s.dst != self.addr {
            return;
        }
        let Some(i) = self.conns.iter().position(|c| c.port == s.dport) else { return };
        if s.has(RST) {
            let outcome = if self.conns[i].state == State::SynSent { Outcome::Refused } else { Outcome::Reset };
            self.finish(i, outcome);
            return;
        }
        let request = self.request();
        let c = &mut self.conns[i];
        match c.state {
            State::SynSent if s.has(SYN) && s.has(ACK) && s.ack == c.iss.wrapping_add(1) => {
                c.rcv_nxt = s.seq.wrapping_add(1);
                c.state = State::Waiting;
                c.retries = 0;
                c.rto_at = now_us + RTO_US;
                let c = c.clone();
                out.push(self.seg(&c, c.snd_nxt, ACK, &[]));
                out.push(self.seg(&c, c.snd_nxt, PSH | ACK, request.as_bytes()));
                self.conns[i].snd_nxt = c.snd_nxt.wrapping_add(request.len() as u32);
            }
            State::Waiting | State::Closing if s.seq == c.rcv_nxt => {
                if s.has(ACK) && s.ack == c.snd_nxt {
                    c.retries = 0;
                    c.rto_at = u64::MAX;
                }
                c.body.extend_from_slice(s.payload);
                c.rcv_nxt = c.rcv_nxt.wrapping_add(s.payload.len() as u32);
                if c.state == State::Closing {
                    if s.has(ACK) && s.ack == c.snd_nxt {
                        let body = http_body(&c.body);
                        self.finish(i, Outcome::Body(body));
                    }
                    return;
                }
                if s.has(FIN) {
                    c.rcv_nxt = c.rcv_nxt.wrapping_add(1);
                    c.state = State::Closing;
                    c.rto_at = now_us + RTO_US;
                    let c2 = c.clone();
                    out.push(self.seg(&c2, c2.snd_nxt, FIN | ACK, &[]));
                    self.conns[i].snd_nxt = c2.snd_nxt.wrapping_add(1);
                } else if !s.payload.is_empty() {
                    let c2 = c.clone();
                    out.push(self.seg(&c2, c2.snd_nxt, ACK, &[]));
                }
            }
            _ => {
                // Duplicate or out of order: acknowledge what we have.
                let c2 = c.clone();
                if c2.state != State::SynSent {
                    out.push(self.seg(&c2, c2.snd_nxt, ACK, &[]));
                }
            }
        }
    }

    /// ICMP port unreachable for one of our SYNs refuses the connection;
    /// time exceeded (a loop) is only remembered, as the kernel's soft error.
    fn on_icmp(&mut self, ip: &Ipv4<'_>) {
        let p = ip.payload();
        if p.len() < 8 || (p[0] != 3 && p[0] != 11) {
            return;
        }
        // The director quotes the whole SYN (it fits the 576-byte limit).
        let Some(inner) = Ipv4::parse(&p[8..]) else { return };
        let Some((sport, _)) = inner.ports() else { return };
        let Some(i) = self.conns.iter().position(|c| c.port == sport && c.state == State::SynSent) else { return };
        if p[0] == 3 {
            self.finish(i, Outcome::Refused);
        } else {
            self.conns[i].soft_error = true;
        }
    }
}

/// The body after the blank line of an HTTP response.
fn http_body(resp: &[u8]) -> String {
    let text = String::from_utf8_lossy(resp);
    text.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string())
}

#[cfg(test)]
mod test;
