//! Flat field values under Wireshark's names (`vrrp.prio`, `arp.src.hw_mac`):
//! what `--json` prints and `--filter` compares. Reading a field allocates
//! nothing; a field that occurs several times (`vrrp.ip_addr`, `ip.addr`)
//! hands its values to the visitor one by one.

use super::layers::{self, Vrrp, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP};
use super::FrameRef;
use crate::capture::Timestamp;
use crate::wire::decode::{Link, ETHERTYPE_QINQ};
use crate::wire::vrrp::{field as vf, ChecksumVariant, Family};
use crate::wire::{arp, layout};
use std::net::{IpAddr, Ipv4Addr};
use std::ops::ControlFlow;

/// What kind of value a field holds; the filter parses literals by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A protocol name: present or not.
    Protocol,
    Uint,
    /// An unsigned number that tshark prints as `0x%04x`.
    Hex16,
    Bool,
    Ipv4,
    Ipv6,
    Mac,
    /// Bytes shown as text (the VRRP auth string).
    Str,
    /// A number with names (`vrrp.checksum.status`: 0 bad, 1 good, 2 unverified).
    Enum(&'static [(u64, &'static str)]),
    Time,
}

/// One value of a field in one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// A protocol is present.
    Present,
    Uint(u64),
    Bool(bool),
    Ip(IpAddr),
    Mac([u8; 6]),
    Str(&'a [u8]),
    Enum(u64, &'static str),
    Time(Timestamp),
}

/// A field's definition.
#[derive(Debug, Clone, Copy)]
pub struct Def {
    pub id: Id,
    pub name: &'static str,
    pub kind: Kind,
    /// Whether a frame can hold several values (`vrrp.ip_addr`, `ip.addr`).
    pub multi: bool,
    pub blurb: &'static str,
}

const STATUS: &[(u64, &str)] = &[(0, "bad"), (1, "good"), (2, "unverified")];
const VARIANT: &[(u64, &str)] = &[(0, "rfc"), (1, "v3_as_v2"), (2, "legacy_unicast")];

macro_rules! fields {
    ($($id:ident $name:literal $kind:expr, $multi:literal, $blurb:literal;)*) => {
        /// Every field vrrplab knows, in the order `--json` prints them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Id { $($id),* }

        /// The field table, indexed by `Id as usize`.
        pub const FIELDS: &[Def] = &[$(Def { id: Id::$id, name: $name, kind: $kind, multi: $multi, blurb: $blurb }),*];
    };
}

fields! {
    Frame "frame" Kind::Protocol, false, "every frame";
    FrameNumber "frame.number" Kind::Uint, false, "frame number, from 1";
    FrameTimeEpoch "frame.time_epoch" Kind::Time, false, "capture time, seconds since 1970";
    FrameLen "frame.len" Kind::Uint, false, "length on the wire";
    FrameCapLen "frame.cap_len" Kind::Uint, false, "length captured";
    Eth "eth" Kind::Protocol, false, "Ethernet";
    EthDst "eth.dst" Kind::Mac, false, "destination MAC";
    EthSrc "eth.src" Kind::Mac, false, "source MAC";
    EthAddr "eth.addr" Kind::Mac, true, "source or destination MAC";
    EthType "eth.type" Kind::Hex16, false, "ethertype (the first, before any VLAN tag)";
    Vlan "vlan" Kind::Protocol, false, "802.1Q VLAN tag";
    VlanId "vlan.id" Kind::Uint, true, "VLAN id, outermost first";
    VlanPriority "vlan.priority" Kind::Uint, true, "VLAN priority code point";
    Sll "sll" Kind::Protocol, false, "Linux cooked capture";
    SllPkttype "sll.pkttype" Kind::Uint, false, "0 to us, 1 broadcast, 2 multicast, 3 other host, 4 sent by us";
    SllEtype "sll.etype" Kind::Hex16, false, "protocol of the payload";
    Ip "ip" Kind::Protocol, false, "IPv4";
    IpSrc "ip.src" Kind::Ipv4, false, "IPv4 source";
    IpDst "ip.dst" Kind::Ipv4, false, "IPv4 destination";
    IpAddrAny "ip.addr" Kind::Ipv4, true, "IPv4 source or destination";
    IpTtl "ip.ttl" Kind::Uint, false, "time to live (VRRP: must be 255)";
    IpProto "ip.proto" Kind::Uint, false, "protocol (112 VRRP, 6 TCP, 17 UDP, 1 ICMP)";
    IpLen "ip.len" Kind::Uint, false, "total length";
    Ipv6 "ipv6" Kind::Protocol, false, "IPv6";
    Ipv6Src "ipv6.src" Kind::Ipv6, false, "IPv6 source";
    Ipv6Dst "ipv6.dst" Kind::Ipv6, false, "IPv6 destination";
    Ipv6AddrAny "ipv6.addr" Kind::Ipv6, true, "IPv6 source or destination";
    Ipv6Hlim "ipv6.hlim" Kind::Uint, false, "hop limit (VRRP: must be 255)";
    Ipv6Nxt "ipv6.nxt" Kind::Uint, false, "next header";
    Ipv6Plen "ipv6.plen" Kind::Uint, false, "payload length";
    Vrrp "vrrp" Kind::Protocol, false, "VRRP advertisement";
    VrrpVersion "vrrp.version" Kind::Uint, false, "2 (RFC 3768) or 3 (RFC 5798)";
    VrrpType "vrrp.type" Kind::Uint, false, "1 = advertisement";
    VrrpVrid "vrrp.virt_rtr_id" Kind::Uint, false, "virtual router id (VRID)";
    VrrpPrio "vrrp.prio" Kind::Uint, false, "priority (0 resigning, 255 address owner)";
    VrrpAddrCount "vrrp.addr_count" Kind::Uint, false, "number of virtual addresses";
    VrrpAuthType "vrrp.auth_type" Kind::Uint, false, "v2 authentication type (0 none, 1 simple text)";
    VrrpAdverInt "vrrp.adver_int" Kind::Uint, false, "v2 advert interval, seconds";
    VrrpReservedMbz "vrrp.reserved_mbz" Kind::Uint, false, "v3 reserved bits (must be zero)";
    VrrpShortAdverInt "vrrp.short_adver_int" Kind::Uint, false, "v3 advert interval, centiseconds";
    VrrpChecksum "vrrp.checksum" Kind::Hex16, false, "checksum as sent";
    VrrpChecksumStatus "vrrp.checksum.status" Kind::Enum(STATUS), false, "bad, good or unverified (RFC computation)";
    VrrpIpAddr "vrrp.ip_addr" Kind::Ipv4, true, "virtual IPv4 addresses";
    VrrpIpv6Addr "vrrp.ipv6_addr" Kind::Ipv6, true, "virtual IPv6 addresses";
    VrrpAuthString "vrrp.auth_string" Kind::Str, false, "v2 simple-text password (clear text on the wire)";
    Arp "arp" Kind::Protocol, false, "ARP";
    ArpHwType "arp.hw.type" Kind::Uint, false, "hardware type (1 Ethernet)";
    ArpProtoType "arp.proto.type" Kind::Hex16, false, "protocol type (0x0800 IPv4)";
    ArpHwSize "arp.hw.size" Kind::Uint, false, "hardware address length";
    ArpProtoSize "arp.proto.size" Kind::Uint, false, "protocol address length";
    ArpOpcode "arp.opcode" Kind::Uint, false, "1 request, 2 reply";
    ArpSrcHwMac "arp.src.hw_mac" Kind::Mac, false, "sender MAC";
    ArpSrcProtoIpv4 "arp.src.proto_ipv4" Kind::Ipv4, false, "sender IPv4 address";
    ArpDstHwMac "arp.dst.hw_mac" Kind::Mac, false, "target MAC";
    ArpDstProtoIpv4 "arp.dst.proto_ipv4" Kind::Ipv4, false, "target IPv4 address";
    ArpIsGratuitous "arp.isgratuitous" Kind::Bool, false, "sender address = target address";
    ArpIsProbe "arp.isprobe" Kind::Bool, false, "RFC 5227 probe (sender 0.0.0.0)";
    ArpIsAnnouncement "arp.isannouncement" Kind::Bool, false, "RFC 5227 announcement";
    Tcp "tcp" Kind::Protocol, false, "TCP";
    TcpSrcport "tcp.srcport" Kind::Uint, false, "TCP source port";
    TcpDstport "tcp.dstport" Kind::Uint, false, "TCP destination port";
    TcpPort "tcp.port" Kind::Uint, true, "TCP source or destination port";
    Udp "udp" Kind::Protocol, false, "UDP";
    UdpSrcport "udp.srcport" Kind::Uint, false, "UDP source port";
    UdpDstport "udp.dstport" Kind::Uint, false, "UDP destination port";
    UdpPort "udp.port" Kind::Uint, true, "UDP source or destination port";
    Icmp "icmp" Kind::Protocol, false, "ICMP";
    IcmpType "icmp.type" Kind::Uint, false, "ICMP type";
    IcmpCode "icmp.code" Kind::Uint, false, "ICMP code";
    Icmpv6 "icmpv6" Kind::Protocol, false, "ICMPv6";
    Icmpv6Type "icmpv6.type" Kind::Uint, false, "ICMPv6 type";
    Icmpv6Code "icmpv6.code" Kind::Uint, false, "ICMPv6 code";
    ChecksumVariantId "vrrplab.checksum_variant" Kind::Enum(VARIANT), false,
        "which VRRP checksum computation matched: rfc, v3_as_v2 (Cisco) or legacy_unicast";
}

impl Id {
    pub fn def(self) -> &'static Def {
        &FIELDS[self as usize]
    }
    pub fn name(self) -> &'static str {
        self.def().name
    }
}

/// The field called `name`, if there is one.
pub fn lookup(name: &str) -> Option<&'static Def> {
    FIELDS.iter().find(|d| d.name == name)
}

pub fn variant_value(v: ChecksumVariant) -> Value<'static> {
    let code = match v {
        ChecksumVariant::Rfc => 0,
        ChecksumVariant::V3AsV2 => 1,
        ChecksumVariant::LegacyUnicast => 2,
    };
    Value::Enum(code, VARIANT[code as usize].1)
}

/// Hands each value of field `id` in frame `f` to `visit`, until it breaks.
pub fn visit<'a>(f: &FrameRef<'a>, id: Id, visit: &mut dyn FnMut(Value<'a>) -> ControlFlow<()>) {
    use Id::*;
    let one = |v: Option<Value<'a>>, visit: &mut dyn FnMut(Value<'a>) -> ControlFlow<()>| {
        if let Some(v) = v {
            let _ = visit(v);
        }
    };
    match id {
        Frame => one(Some(Value::Present), visit),
        FrameNumber => one(Some(Value::Uint(f.number)), visit),
        FrameTimeEpoch => one(Some(Value::Time(f.frame.ts)), visit),
        FrameLen => one(Some(Value::Uint(u64::from(f.frame.orig_len.max(f.data().len() as u32)))), visit),
        FrameCapLen => one(Some(Value::Uint(f.data().len() as u64)), visit),
        Eth | EthDst | EthSrc | EthAddr | EthType | Vlan | VlanId | VlanPriority => link(f, id, visit),
        Sll | SllPkttype | SllEtype => one(cooked(f, id), visit),
        Ip | IpSrc | IpDst | IpAddrAny | IpTtl | IpProto | IpLen | Ipv6 | Ipv6Src | Ipv6Dst | Ipv6AddrAny
        | Ipv6Hlim | Ipv6Nxt | Ipv6Plen => ip(f, id, visit),
        Vrrp | VrrpVersion | VrrpType | VrrpVrid | VrrpPrio | VrrpAddrCount | VrrpAuthType | VrrpAdverInt
        | VrrpReservedMbz | VrrpShortAdverInt | VrrpChecksum | VrrpChecksumStatus | VrrpIpAddr | VrrpIpv6Addr
        | VrrpAuthString | ChecksumVariantId => vrrp(f, id, visit),
        Arp | ArpHwType | ArpProtoType | ArpHwSize | ArpProtoSize | ArpOpcode | ArpSrcHwMac | ArpSrcProtoIpv4
        | ArpDstHwMac | ArpDstProtoIpv4 | ArpIsGratuitous | ArpIsProbe | ArpIsAnnouncement => one(arp(f, id), visit),
        Tcp | TcpSrcport | TcpDstport | TcpPort | Udp | UdpSrcport | UdpDstport | UdpPort | Icmp | IcmpType
        | IcmpCode | Icmpv6 | Icmpv6Type | Icmpv6Code => transport(f, id, visit),
    }
}

/// The first value of a field, if any.
pub fn first<'a>(f: &FrameRef<'a>, id: Id) -> Option<Value<'a>> {
    let mut found = None;
    visit(f, id, &mut |v| {
        found = Some(v);
        ControlFlow::Break(())
    });
    found
}

/// Whether any value of the field satisfies `pred`.
pub fn any<'a>(f: &FrameRef<'a>, id: Id, mut pred: impl FnMut(Value<'a>) -> bool) -> bool {
    let mut hit = false;
    visit(f, id, &mut |v| {
        if pred(v) {
            hit = true;
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    hit
}

fn each<'a>(values: impl IntoIterator<Item = Value<'a>>, visit: &mut dyn FnMut(Value<'a>) -> ControlFlow<()>) {
    for v in values {
        if visit(v).is_break() {
            return;
        }
    }
}

fn link<'a>(f: &FrameRef<'a>, id: Id, visit: &mut dyn FnMut(Value<'a>) -> ControlFlow<()>) {
    let Link::Ethernet { dst, src, vlans, .. } = f.decoded.link else { return };
    let data = f.data();
    let first_type = || {
        let b = &data[layout::ethernet::ETHERTYPE];
        Value::Uint(u64::from(u16::from_be_bytes([b[0], b[1]])))
    };
    // Wireshark files 802.1ad (0x88a8) service tags under `ieee8021ad`, not `vlan`.
    let tags = vlans.iter().flatten().filter(|v| v.tpid != ETHERTYPE_QINQ);
    match id {
        Id::Eth => each([Value::Present], visit),
        Id::EthDst => each([Value::Mac(dst)], visit),
        Id::EthSrc => each([Value::Mac(src)], visit),
        Id::EthAddr => each([Value::Mac(src), Value::Mac(dst)], visit),
        Id::EthType => each([first_type()], visit),
        Id::Vlan => each(tags.take(1).map(|_| Value::Present), visit),
        Id::VlanId => each(tags.map(|v| Value::Uint(u64::from(v.id()))), visit),
        Id::VlanPriority => each(tags.map(|v| Value::Uint(u64::from(v.pcp()))), visit),
        _ => {}
    }
}

fn cooked<'a>(f: &FrameRef<'a>, id: Id) -> Option<Value<'a>> {
    let Link::Cooked { pkttype, protocol, .. } = f.decoded.link else { return None };
    Some(match id {
        Id::Sll => Value::Present,
        Id::SllPkttype => Value::Uint(u64::from(pkttype)),
        _ => Value::Uint(u64::from(protocol)),
    })
}

fn ip<'a>(f: &FrameRef<'a>, id: Id, visit: &mut dyn FnMut(Value<'a>) -> ControlFlow<()>) {
    let Some(ip) = f.decoded.ip() else { return };
    let v4 = ip.family == Family::Ipv4;
    let wanted_v4 = matches!(id, Id::Ip | Id::IpSrc | Id::IpDst | Id::IpAddrAny | Id::IpTtl | Id::IpProto | Id::IpLen);
    if v4 != wanted_v4 {
        return;
    }
    let total = ip.payload_len as u64 + if v4 { ip.header.len() as u64 } else { 0 };
    match id {
        Id::Ip | Id::Ipv6 => each([Value::Present], visit),
        Id::IpSrc | Id::Ipv6Src => each([Value::Ip(ip.src)], visit),
        Id::IpDst | Id::Ipv6Dst => each([Value::Ip(ip.dst)], visit),
        Id::IpAddrAny | Id::Ipv6AddrAny => each([Value::Ip(ip.src), Value::Ip(ip.dst)], visit),
        Id::IpTtl | Id::Ipv6Hlim => each([Value::Uint(u64::from(ip.ttl))], visit),
        Id::IpProto | Id::Ipv6Nxt => each([Value::Uint(u64::from(ip.proto))], visit),
        Id::IpLen | Id::Ipv6Plen => each([Value::Uint(total)], visit),
        _ => {}
    }
}

fn vrrp<'a>(f: &FrameRef<'a>, id: Id, visit: &mut dyn FnMut(Value<'a>) -> ControlFlow<()>) {
    let Some(m) = Vrrp::of(f).filter(|m| !layers::more_fragments(&m.ip)) else { return };
    let h = m.head();
    let v3 = m.is_v3();
    let uint = |range: std::ops::Range<usize>, ok: bool, v: u64| (ok && m.has(range)).then_some(Value::Uint(v));
    let single = match id {
        Id::Vrrp => Some(Value::Present),
        Id::VrrpVersion => uint(0..1, true, u64::from(h.version())),
        Id::VrrpType => uint(0..1, true, u64::from(h.msg_type())),
        Id::VrrpVrid => uint(vf::VRID..vf::VRID + 1, true, u64::from(h.vrid())),
        Id::VrrpPrio => uint(vf::PRIORITY..vf::PRIORITY + 1, true, u64::from(h.priority())),
        Id::VrrpAddrCount => uint(vf::COUNT..vf::COUNT + 1, true, u64::from(h.addr_count())),
        Id::VrrpAuthType => uint(vf::AUTH_TYPE..vf::AUTH_TYPE + 1, !v3, u64::from(u8::from(h.auth_type()))),
        Id::VrrpAdverInt => uint(vf::ADVER_INT..vf::ADVER_INT + 1, !v3, u64::from(h.adver_int())),
        Id::VrrpReservedMbz => uint(vf::MAX_ADVER_INT.start..vf::MAX_ADVER_INT.start + 1, v3, u64::from(h.reserved())),
        Id::VrrpShortAdverInt => uint(vf::MAX_ADVER_INT, v3, u64::from(h.max_adver_int())),
        Id::VrrpChecksum => uint(vf::CHECKSUM, true, u64::from(h.checksum())),
        Id::VrrpChecksumStatus => m.has(vf::CHECKSUM).then(|| {
            let (code, name) = m.checksum().status();
            Value::Enum(code, name)
        }),
        Id::ChecksumVariantId => m.checksum().variant().filter(|_| m.has(vf::CHECKSUM)).map(variant_value),
        Id::VrrpAuthString => m.auth_string().filter(|_| m.has(vf::CHECKSUM)).map(Value::Str),
        Id::VrrpIpAddr | Id::VrrpIpv6Addr => {
            let wanted = if id == Id::VrrpIpAddr { Family::Ipv4 } else { Family::Ipv6 };
            if m.family() == wanted && m.has(vf::CHECKSUM) {
                let n = usize::from(h.addr_count());
                each((0..n).map_while(|i| m.addr(i)).map(Value::Ip), visit);
            }
            None
        }
        _ => None,
    };
    each(single, visit);
}

fn arp<'a>(f: &FrameRef<'a>, id: Id) -> Option<Value<'a>> {
    let p = layers::arp(f)?;
    if p.htype() == layers::ARPHRD_ATM2225 {
        return (id == Id::Arp).then_some(Value::Present);
    }
    // Wireshark reads all four addresses before showing any.
    let complete = p.bytes().len() >= p.total_len();
    let mac = |i: usize| -> Option<Value<'a>> {
        let a = p.addr(i).filter(|_| complete)?;
        layers::arp_hw_is_ether(&p).then(|| Value::Mac(a.try_into().unwrap_or([0; 6])))
    };
    let ipv4 = |i: usize| -> Option<Value<'a>> {
        let a = p.addr(i).filter(|_| complete)?;
        let octets: [u8; 4] = a.try_into().ok()?;
        layers::arp_pro_is_ipv4(&p).then(|| Value::Ip(IpAddr::V4(Ipv4Addr::from(octets))))
    };
    let class = |kind: arp::Kind| p.ether_ipv4().map(|e| Value::Bool(e.kind() == kind));
    match id {
        Id::Arp => Some(Value::Present),
        Id::ArpHwType => Some(Value::Uint(u64::from(p.htype()))),
        Id::ArpProtoType => Some(Value::Uint(u64::from(p.ptype()))),
        Id::ArpHwSize => Some(Value::Uint(p.hlen() as u64)),
        Id::ArpProtoSize => Some(Value::Uint(p.plen() as u64)),
        Id::ArpOpcode => Some(Value::Uint(u64::from(p.op()))),
        Id::ArpSrcHwMac => mac(0),
        Id::ArpSrcProtoIpv4 => ipv4(1),
        Id::ArpDstHwMac => mac(2),
        Id::ArpDstProtoIpv4 => ipv4(3),
        Id::ArpIsGratuitous => layers::arp_is_gratuitous(&p).map(Value::Bool),
        Id::ArpIsProbe => class(arp::Kind::Probe),
        Id::ArpIsAnnouncement => class(arp::Kind::Announcement),
        _ => None,
    }
}

fn transport<'a>(f: &FrameRef<'a>, id: Id, visit: &mut dyn FnMut(Value<'a>) -> ControlFlow<()>) {
    use Id::*;
    let Some((proto, b, _)) = layers::transport(f) else { return };
    let family = f.decoded.ip().map(|ip| ip.family);
    let (wanted, family_ok) = match id {
        Tcp | TcpSrcport | TcpDstport | TcpPort => (PROTO_TCP, true),
        Udp | UdpSrcport | UdpDstport | UdpPort => (PROTO_UDP, true),
        Icmp | IcmpType | IcmpCode => (PROTO_ICMP, family == Some(Family::Ipv4)),
        _ => (PROTO_ICMPV6, family == Some(Family::Ipv6)),
    };
    if proto != wanted || !family_ok {
        return;
    }
    let ports = layers::ports(b);
    let port = |p: u16| Value::Uint(u64::from(p));
    let byte = |at: usize| b.get(at).map(|&v| Value::Uint(u64::from(v)));
    match id {
        Tcp | Udp | Icmp | Icmpv6 => each([Value::Present], visit),
        TcpSrcport | UdpSrcport => each(ports.map(|p| port(p.0)), visit),
        TcpDstport | UdpDstport => each(ports.map(|p| port(p.1)), visit),
        TcpPort | UdpPort => each(ports.into_iter().flat_map(|(s, d)| [port(s), port(d)]), visit),
        IcmpType | Icmpv6Type => each(byte(layout::icmp::TYPE), visit),
        _ => each(byte(layout::icmp::CODE), visit),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn table_is_indexed_by_id() {
        for (i, d) in FIELDS.iter().enumerate() {
            assert_eq!(d.id as usize, i, "{}", d.name);
            assert_eq!(lookup(d.name).map(|x| x.id), Some(d.id));
        }
    }
}
