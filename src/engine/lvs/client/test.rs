use super::*;
use crate::engine::ipvs::packet::icmp_error;
use crate::engine::lvs::responder::Responder;

fn a(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn client(count: u32) -> Client {
    let req = Requests { to: "192.0.2.100:80".parse().unwrap(), count, start_us: 1_000_000, interval_us: 500_000 };
    Client::new(a("198.51.100.10"), req, 9).unwrap()
}

/// Client and responder talking directly, as through a DR director.
fn exchange(c: &mut Client, r: &mut Responder, now: u64, to_server: Vec<Vec<u8>>) {
    let mut pending = to_server;
    for _ in 0..20 {
        let mut back = Vec::new();
        for p in pending.drain(..) {
            r.on_packet(0, &Ipv4::parse(&p).unwrap(), &mut back);
        }
        let mut forth = Vec::new();
        for p in back {
            c.on_packet(now, &Ipv4::parse(&p).unwrap(), &mut forth);
        }
        if forth.is_empty() {
            return;
        }
        pending = forth;
    }
    panic!("no end to the exchange");
}

#[test]
fn fetches_a_name_per_request() {
    let mut c = client(2);
    let mut r = Responder::new("rs1", &[80], 0, 2);
    assert_eq!(c.poll_at(), Some(1_000_000));
    let mut out = Vec::new();
    c.on_timer(1_000_000, &mut out);
    assert_eq!(out.len(), 1);
    exchange(&mut c, &mut r, 1_000_000, out);
    assert_eq!(c.outcomes(), &[(1, Outcome::Body("rs1\n".into()))]);
    assert_eq!(c.take_log(), ["request 1 from 198.51.100.10:40000: rs1"]);
    let mut out = Vec::new();
    c.on_timer(1_500_000, &mut out);
    exchange(&mut c, &mut r, 1_500_000, out);
    assert_eq!(c.outcomes().len(), 2);
    assert_eq!(c.poll_at(), None, "nothing left to do");
}

#[test]
fn lost_syns_are_retried_then_time_out() {
    let mut c = client(1);
    let mut out = Vec::new();
    c.on_timer(1_000_000, &mut out);
    let mut times = Vec::new();
    while let Some(t) = c.poll_at() {
        out.clear();
        c.on_timer(t, &mut out);
        if !out.is_empty() {
            times.push(t / 1_000_000);
        }
    }
    // Retransmissions 1, 3, 7, 15, 31, 63 s after the first SYN, then give up.
    assert_eq!(times, [2, 4, 8, 16, 32, 64]);
    assert_eq!(c.outcomes(), &[(1, Outcome::TimedOut)]);
}

#[test]
fn reset_and_unreachable() {
    let mut c = client(2);
    let mut out = Vec::new();
    c.on_timer(1_000_000, &mut out);
    let syn = Ipv4::parse(&out[0]).unwrap();
    let icmp = icmp_error(&syn, 3, 3, a("192.0.2.100"), 1);
    c.on_packet(1_000_000, &Ipv4::parse(&icmp).unwrap(), &mut Vec::new());
    assert_eq!(c.outcomes()[0].1, Outcome::Refused);
    // The second connection gets as far as the request, then a RST.
    let mut r = Responder::new("rs1", &[80], 0, 2);
    out.clear();
    c.on_timer(1_500_000, &mut out);
    let mut back = Vec::new();
    r.on_packet(0, &Ipv4::parse(&out[0]).unwrap(), &mut back);
    let mut forth = Vec::new();
    c.on_packet(1_500_000, &Ipv4::parse(&back[0]).unwrap(), &mut forth);
    let forth1 = Ipv4::parse(&forth[1]).unwrap();
    let s = Segment::parse(&forth1).unwrap();
    let rst = Segment { src: a("192.0.2.100"), dst: s.src, sport: 80, dport: s.sport, seq: 1, ack: 0, flags: RST, payload: &[] }.emit();
    c.on_packet(1_500_000, &Ipv4::parse(&rst).unwrap(), &mut Vec::new());
    assert_eq!(c.outcomes()[1].1, Outcome::Reset);
    assert_eq!(c.take_log()[1], "request 2 from 198.51.100.10:40002: curl: (56) Recv failure: Connection reset by peer");
}
