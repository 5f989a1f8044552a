//! What one frame tells the analysis, read from the frame alone.
//!
//! Decoding a frame, parsing its advert and checking the checksum need no
//! state, and they are a good part of the work per frame: kept apart here,
//! they run on the thread that reads the capture
//! ([`crate::capture::readahead`], `analyze::batch`) while the analysis
//! proper runs on another. A `Sighting` is reused, so reading one
//! allocates nothing.

use super::conformance::Faults;
use super::lvs;
use super::report::VrKey;
use crate::capture::FrameRef;
use crate::wire::arp::{self, EtherIpv4};
use crate::wire::decode::{decode, Decoded, Ip, Link, Net, ETHERTYPE_ARP};
use crate::wire::vrrp::{self, ChecksumVariant, Family};
use std::net::IpAddr;

#[derive(Debug, Default)]
pub struct Sighting {
    pub what: What,
    /// The advert, when `what` is [`What::Advert`].
    pub repr: vrrp::Repr,
}

#[derive(Debug, Default, Clone, Copy)]
pub enum What {
    #[default]
    Other,
    /// A TCP or UDP packet (LVS forwarding).
    Ip(lvs::Packet),
    Arp { arp: EtherIpv4, eth_src: [u8; 6] },
    /// VRRP too short for its 8-byte header.
    Truncated { src: IpAddr },
    /// VRRP that routers discard: wrong version or type, addresses missing.
    Malformed { src: IpAddr, version: u8, msg_type: u8, vrid: u8, addr_count: u8 },
    Advert(Advert),
}

/// An advert's envelope and the packet facts the conformance lints check.
#[derive(Debug, Clone, Copy)]
pub struct Advert {
    pub key: VrKey,
    pub src: IpAddr,
    pub ttl: u8,
    /// The Ethernet source (zero on links without one).
    pub mac: [u8; 6],
    /// Which checksum computation the packet matches, if any.
    pub variant: Option<ChecksumVariant>,
    pub checksum: u16,
    /// The RFC checksum, computed only when the packet's is wrong.
    pub expected_checksum: u16,
    /// Bytes the header's count and version make, and bytes carried.
    pub claimed_len: usize,
    pub carried_len: usize,
    pub addr_count: u8,
    pub reserved: u8,
    pub faults: Faults,
    /// Names what was read (everything here and in the `Repr`), so that
    /// the analysis can tell an advert the same as the one before it from
    /// a router without comparing them: sightings with the same nonzero
    /// `content` were read from frames the same but for their IPv4 id and
    /// header checksum (`analyze::recent`). Zero when not named.
    pub content: u64,
}

/// Copied into a buffer kept for it: the advert's addresses reuse its
/// memory.
impl Clone for Sighting {
    fn clone(&self) -> Sighting {
        Sighting { what: self.what, repr: self.repr.clone() }
    }

    fn clone_from(&mut self, other: &Sighting) {
        self.what = other.what;
        self.repr.clone_from(&other.repr);
    }
}

impl Sighting {
    /// Reads `frame` into `self`. Each branch writes `self.what` itself
    /// rather than returning a `What` to be moved into place. Says whether
    /// the frame is worth remembering (an advert or ARP) and where an IPv4
    /// header is whose identification and checksum do not matter.
    pub fn read(&mut self, frame: &FrameRef) -> Option<Option<usize>> {
        // Taken apart by value, not through `Decoded`'s borrowing accessors,
        // so that the whole struct is never written out: only the fields
        // read here are.
        let Decoded { link, net, .. } = decode(frame.linktype, frame.data);
        // The MACs straight from the frame, not from `link`: copied out of
        // it, the compiler's pieces of the two 6-byte arrays met in a load
        // that straddled two stores, a stall that was most of this
        // function's time.
        let (macs, vlan) = match link {
            Link::Ethernet { vlans, .. } => {
                let d = frame.data;
                let src = [d[6], d[7], d[8], d[9], d[10], d[11]];
                let dst = [d[0], d[1], d[2], d[3], d[4], d[5]];
                (Some((src, dst)), vlans[0].map_or(0, |v| v.id()))
            }
            _ => (None, 0),
        };
        match net {
            Net::Ip(ip) if ip.proto == vrrp::PROTOCOL && !ip.later_fragment => {
                let mac = macs.map_or([0; 6], |(src, _)| src);
                self.vrrp((frame.interface, vlan, mac), &ip, ip.payload);
                let ipv4_at = (ip.family == Family::Ipv4).then_some(ip.offset);
                matches!(self.what, What::Advert(_)).then_some(ipv4_at)
            }
            Net::Arp { ethertype: ETHERTYPE_ARP, bytes, .. } => {
                self.what = match arp::Packet::new_checked(bytes).ok().and_then(|p| p.ether_ipv4()) {
                    Some(a) => What::Arp { arp: a, eth_src: macs.map_or(a.sha, |(s, _)| s) },
                    None => What::Other,
                };
                matches!(self.what, What::Arp { .. }).then_some(None)
            }
            Net::Ip(ip) => {
                self.what = match macs.and_then(|macs| lvs::Packet::read(macs, &ip)) {
                    Some(p) => What::Ip(p),
                    None => What::Other,
                };
                None
            }
            _ => {
                self.what = What::Other;
                None
            }
        }
    }

    fn vrrp(&mut self, (interface, vlan, mac): (u32, u16, [u8; 6]), ip: &Ip, bytes: &[u8]) {
        let Ok(p) = vrrp::Packet::new_checked(bytes) else {
            self.what = What::Truncated { src: ip.src };
            return;
        };
        if self.repr.parse_into(&p, ip.family).is_err() || self.repr.msg_type != 1 {
            self.what = What::Malformed {
                src: ip.src,
                version: p.version(),
                msg_type: p.msg_type(),
                vrid: p.vrid(),
                addr_count: p.addr_count(),
            };
            return;
        }
        let variant = p.verify_checksum(ip.src, ip.dst);
        let checksum = p.checksum();
        let expected_checksum = if variant.is_none() { p.expected_checksum(ip.src, ip.dst) } else { checksum };
        let mut advert = Advert {
            key: VrKey { interface, vlan, family: ip.family, vrid: self.repr.vrid },
            src: ip.src,
            ttl: ip.ttl,
            mac,
            variant,
            checksum,
            expected_checksum,
            claimed_len: p.claimed_len(ip.family),
            carried_len: ip.payload.len(),
            addr_count: p.addr_count(),
            reserved: p.reserved(),
            faults: Faults::default(),
            content: 0,
        };
        advert.faults = Faults::of(&advert, &self.repr);
        self.what = What::Advert(advert);
    }
}

