//! Evaluation of a parsed filter against one frame.

use super::lex::Op;
use super::literal::Literal;
use super::parse::Expr;
use crate::dissect::fields::{self, Kind, Value};
use crate::dissect::FrameRef;
use std::cmp::Ordering;
use std::net::IpAddr;

pub fn eval(e: &Expr, f: &FrameRef) -> bool {
    match e {
        Expr::Or(terms) => terms.iter().any(|t| eval(t, f)),
        Expr::And(terms) => terms.iter().all(|t| eval(t, f)),
        Expr::Not(inner) => !eval(inner, f),
        Expr::Test(id) if id.def().kind == Kind::Bool => fields::any(f, *id, |v| v == Value::Bool(true)),
        Expr::Test(id) => fields::first(f, *id).is_some(),
        Expr::Cmp { field, op: Op::Ne, lit } => {
            let mut present = false;
            let equal = fields::any(f, *field, |v| {
                present = true;
                holds(v, Op::Eq, lit)
            });
            present && !equal
        }
        Expr::Cmp { field, op, lit } => fields::any(f, *field, |v| holds(v, *op, lit)),
    }
}

fn holds(v: Value, op: Op, lit: &Literal) -> bool {
    if let (Value::Ip(a), Literal::Ip(net, prefix)) = (v, lit) {
        if *prefix < full_prefix(*net) {
            // The parser allows only == (and != as its negation) on subnets.
            return in_subnet(a, *net, *prefix);
        }
    }
    let Some(ord) = compare(v, lit) else { return false };
    match op {
        Op::Eq | Op::Ne => ord == Ordering::Equal,
        Op::Lt => ord == Ordering::Less,
        Op::Le => ord != Ordering::Greater,
        Op::Gt => ord == Ordering::Greater,
        Op::Ge => ord != Ordering::Less,
    }
}

fn compare(v: Value, lit: &Literal) -> Option<Ordering> {
    Some(match (v, lit) {
        (Value::Uint(a), Literal::Uint(b)) => a.cmp(b),
        (Value::Bool(a), Literal::Uint(b)) => u64::from(a).cmp(b),
        (Value::Enum(a, _), Literal::Uint(b)) => a.cmp(b),
        (Value::Ip(IpAddr::V4(a)), Literal::Ip(IpAddr::V4(b), _)) => a.cmp(b),
        (Value::Ip(IpAddr::V6(a)), Literal::Ip(IpAddr::V6(b), _)) => a.cmp(b),
        (Value::Mac(a), Literal::Mac(b)) => a.cmp(b),
        (Value::Str(a), Literal::Bytes(b)) => a.cmp(&b[..]),
        (Value::Time(t), Literal::Time(n)) => t.as_nanos().cmp(n),
        _ => return None,
    })
}

fn full_prefix(a: IpAddr) -> u8 {
    if a.is_ipv4() {
        32
    } else {
        128
    }
}

fn in_subnet(a: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (a, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod test {
    use crate::dissect::testframes::*;
    use crate::dissect::FrameRef;
    use crate::filter::Filter;

    /// Which of the test frames `filter` keeps, by name.
    fn kept(filter: &str) -> Vec<&'static str> {
        let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{e}"));
        let all: [(&str, &[u8]); 7] = [
            ("v2", &V2_ADVERT),
            ("resign", &V2_RESIGN),
            ("v3v6", &V3_IPV6),
            ("legacy", &V3_LEGACY_UNICAST),
            ("garp", &GARP),
            ("probe", &ARP_PROBE),
            ("udp", &UDP_DNS),
        ];
        all.iter()
            .filter(|(_, b)| {
                let fr = frame(b, b.len());
                f.matches(&FrameRef::new(1, &fr))
            })
            .map(|(n, _)| *n)
            .collect()
    }

    #[test]
    fn protocols() {
        assert_eq!(kept("vrrp"), ["v2", "resign", "v3v6", "legacy"]);
        assert_eq!(kept("arp"), ["garp", "probe"]);
        assert_eq!(kept("ip && !vrrp"), ["udp"]);
        assert_eq!(kept("ipv6"), ["v3v6"]);
        assert_eq!(kept("udp or tcp"), ["udp"]);
        assert_eq!(kept("eth"), ["v2", "resign", "v3v6", "legacy", "garp", "probe", "udp"]);
    }

    #[test]
    fn numbers() {
        assert_eq!(kept("vrrp.virt_rtr_id == 51"), ["v2", "resign"]);
        assert_eq!(kept("vrrp.virt_rtr_id == 51 && vrrp.prio < 100"), ["resign"]);
        assert_eq!(kept("vrrp.prio >= 0x96"), ["v3v6", "legacy"]);
        assert_eq!(kept("vrrp.prio <= 100 and vrrp.version eq 2"), ["v2", "resign"]);
        assert_eq!(kept("vrrp.short_adver_int > 50"), ["v3v6"]);
        assert_eq!(kept("ip.ttl != 255"), ["resign", "udp"]);
        assert_eq!(kept("vrrp.addr_count gt 1"), ["resign", "v3v6"]);
        assert_eq!(kept("udp.port == 53"), ["udp"]);
        assert_eq!(kept("frame.len == 54"), ["v2"]);
    }

    #[test]
    fn addresses_and_macs() {
        assert_eq!(kept("ip.dst == 224.0.0.18"), ["v2", "resign"]);
        assert_eq!(kept("ip.addr == 198.51.100.0/24"), ["udp"]);
        assert_eq!(kept("ip.addr != 198.51.100.0/24"), ["v2", "resign", "legacy"]);
        assert_eq!(kept("vrrp.ip_addr == 192.0.2.102"), ["resign"]);
        assert_eq!(kept("vrrp.ipv6_addr == 2001:db8::/32"), ["v3v6"]);
        assert_eq!(kept("ipv6.src == fe80::1"), ["v3v6"]);
        assert_eq!(kept("eth.src == 00:00:5e:00:01:33"), ["v2", "garp"]);
        assert_eq!(kept("eth.addr == ff:ff:ff:ff:ff:ff && !arp"), Vec::<&str>::new());
        assert_eq!(kept("arp.src.proto_ipv4 == 0.0.0.0"), ["probe"]);
    }

    #[test]
    fn flags_strings_and_names() {
        assert_eq!(kept("arp.isgratuitous"), ["garp"]);
        assert_eq!(kept("arp.isprobe"), ["probe"]);
        assert_eq!(kept("arp.isgratuitous == 0"), ["probe"]);
        assert_eq!(kept("vrrp.auth_string == \"1111\""), ["v2"]);
        assert_eq!(kept("vrrp.auth_string"), ["v2"]);
        assert_eq!(kept("vrrp.checksum.status == bad"), ["legacy"]);
        assert_eq!(kept("vrrp.checksum.status == \"good\""), ["v2", "resign", "v3v6"]);
        assert_eq!(kept("vrrplab.checksum_variant == legacy_unicast"), ["legacy"]);
        assert_eq!(kept("vrrp.checksum == 0x5503"), ["v2"]);
        assert_eq!(
            kept("frame.time_epoch > 1704067200.2 && frame.time_epoch < 1704067200.3 && arp.isgratuitous"),
            ["garp"]
        );
    }

    #[test]
    fn not_equal_needs_the_field() {
        // Wireshark: `vrrp.prio != 100` does not keep frames without VRRP.
        assert_eq!(kept("vrrp.prio != 100"), ["resign", "v3v6", "legacy"]);
        assert_eq!(kept("!(vrrp.prio == 100)"), ["resign", "v3v6", "legacy", "garp", "probe", "udp"]);
    }

    #[test]
    fn truncated_frames_match_what_was_captured() {
        let f = Filter::parse("vrrp.prio == 100").unwrap();
        // Like Wireshark, no VRRP field shows before four bytes are there.
        let cut = frame(&V2_ADVERT, 38);
        assert!(f.matches(&FrameRef::new(1, &cut)));
        let cut = frame(&V2_ADVERT, 37);
        assert!(!f.matches(&FrameRef::new(1, &cut)));
        assert!(Filter::parse("vrrp").unwrap().matches(&FrameRef::new(1, &cut)));
    }
}
