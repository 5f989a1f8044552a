//! How the kernel hands a scheduled packet to its real server
//! (`ip_vs_xmit.c`). Every method routes the packet, and routing decrements
//! the TTL (`decrement_ttl`, kernels ≥ 4.2): a packet whose TTL would hit
//! zero is answered with ICMP time exceeded instead.
//!
//! - DR (`ip_vs_dr_xmit`): the IP packet is unchanged but for the TTL; the
//!   frame goes to the real server's MAC.
//! - NAT (`ip_vs_nat_xmit`): destination rewritten to RIP:rport, checksums
//!   fixed; replies come back through the director and are SNATed to
//!   VIP:vport (`handle_response`).
//! - TUN (`ip_vs_tunnel_xmit`): the packet is wrapped in an IPv4 header
//!   (protocol 4) from the director to the RIP, copying TOS, DF and TTL.

use super::dest::Forward;
use super::packet::{Header, Ipv4, Rewrite, DF, PROTO_IPIP};
use std::net::Ipv4Addr;

/// Where a rewritten packet goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Xmit {
    /// To this on-link next hop (the real server).
    Send { next_hop: Ipv4Addr, packet: Vec<u8> },
    /// TTL exhausted: drop it (the caller answers with time exceeded).
    TtlExceeded,
}

/// Sends `ip` to the real server at `daddr:dport` by `method`. `source` is
/// the director's own address (the tunnel's outer source); `ident` the IP
/// ID for a tunnel header without DF.
pub fn to_real_server(ip: &Ipv4<'_>, method: Forward, daddr: Ipv4Addr, dport: u16, source: Ipv4Addr, ident: u16) -> Xmit {
    if ip.ttl() <= 1 {
        return Xmit::TtlExceeded;
    }
    let mut w = Rewrite::new(ip);
    w.decrement_ttl();
    let packet = match method {
        Forward::Route => w.finish(false),
        Forward::Masq => {
            w.set_dst(daddr, dport);
            w.finish(true)
        }
        Forward::Tunnel => {
            let inner = w.finish(false);
            let df = ip.flags_frag() & DF;
            Header {
                tos: ip.tos(),
                ident: if df != 0 { 0 } else { ident },
                flags_frag: df,
                ttl: ip.ttl() - 1,
                protocol: PROTO_IPIP,
                src: source,
                dst: daddr,
            }
            .emit(&inner)
        }
    };
    Xmit::Send { next_hop: daddr, packet }
}

/// A NAT reply from the real server, already decremented by forwarding,
/// made to come from the virtual service.
pub fn snat_reply(ip: &Ipv4<'_>, vaddr: Ipv4Addr, vport: u16) -> Vec<u8> {
    let mut w = Rewrite::new(ip);
    w.set_src(vaddr, vport);
    w.finish(true)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::packet::testkit::{tcp, with_ttl};

    fn a(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn request() -> Vec<u8> {
        tcp((a("198.51.100.7"), 40000), (a("192.0.2.100"), 80), "S", b"")
    }

    fn send(x: Xmit) -> (Ipv4Addr, Vec<u8>) {
        match x {
            Xmit::Send { next_hop, packet } => (next_hop, packet),
            Xmit::TtlExceeded => panic!("ttl"),
        }
    }

    #[test]
    fn dr_changes_only_ttl_and_checksum() {
        let p = request();
        let (hop, out) = send(to_real_server(&Ipv4::parse(&p).unwrap(), Forward::Route, a("192.0.2.21"), 80, a("192.0.2.10"), 1));
        assert_eq!(hop, a("192.0.2.21"));
        let diff: Vec<usize> = (0..p.len()).filter(|&i| p[i] != out[i]).collect();
        assert!(diff.iter().all(|&i| i == 8 || i == 10 || i == 11), "{diff:?}");
        assert_eq!(out[8], 63);
        assert_eq!(&out[12..20], &p[12..20], "CIP→VIP untouched");
    }

    #[test]
    fn nat_rewrites_destination() {
        let p = request();
        let (_, out) = send(to_real_server(&Ipv4::parse(&p).unwrap(), Forward::Masq, a("192.0.2.21"), 8080, a("192.0.2.10"), 1));
        let ip = Ipv4::parse(&out).unwrap();
        assert_eq!((ip.src(), ip.dst(), ip.ports()), (a("198.51.100.7"), a("192.0.2.21"), Some((40000, 8080))));
        let back = tcp((a("192.0.2.21"), 8080), (a("198.51.100.7"), 40000), "SA", b"");
        let out = snat_reply(&Ipv4::parse(&back).unwrap(), a("192.0.2.100"), 80);
        let ip = Ipv4::parse(&out).unwrap();
        assert_eq!((ip.src(), ip.ports()), (a("192.0.2.100"), Some((80, 40000))));
    }

    #[test]
    fn tun_wraps_in_ipip() {
        let p = request();
        let (_, out) = send(to_real_server(&Ipv4::parse(&p).unwrap(), Forward::Tunnel, a("192.0.2.21"), 80, a("192.0.2.10"), 9));
        let outer = Ipv4::parse(&out).unwrap();
        assert_eq!((outer.src(), outer.dst(), outer.protocol(), outer.ttl()), (a("192.0.2.10"), a("192.0.2.21"), 4, 63));
        // etherparse sets DF: the outer header copies it, with ID 0.
        assert_eq!(outer.flags_frag() & DF, p[6..8].iter().fold(0u16, |v, &b| v << 8 | u16::from(b)) & DF);
        let inner = Ipv4::parse(outer.payload()).unwrap();
        assert_eq!((inner.src(), inner.dst(), inner.ttl()), (a("198.51.100.7"), a("192.0.2.100"), 63));
    }

    #[test]
    fn ttl_one_is_not_forwarded() {
        let p = with_ttl(request(), 1);
        let x = to_real_server(&Ipv4::parse(&p).unwrap(), Forward::Route, a("192.0.2.21"), 80, a("192.0.2.10"), 1);
        assert_eq!(x, Xmit::TtlExceeded);
        let p = with_ttl(request(), 2);
        let (_, out) = send(to_real_server(&Ipv4::parse(&p).unwrap(), Forward::Route, a("192.0.2.21"), 80, a("192.0.2.10"), 1));
        assert_eq!(out[8], 1);
    }
}
