//! What one frame tells the analysis, read from the frame alone.
//!
//! Decoding a frame, parsing its advert and checking the checksum need no
//! state, and they are a good part of the work per frame: kept apart here,
//! they run on the thread that reads the capture
//! ([`crate::capture::readahead`]) while the analysis proper runs on
//! another. A `Sighting` is reused from frame to frame, so reading one
//! allocates nothing.

use super::conformance::Faults;
use super::lvs;
use super::report::VrKey;
use super::{Micros, MAX_TS};
use crate::capture::FrameRef;
use crate::wire::arp::{self, EtherIpv4};
use crate::wire::decode::{decode, Ip};
use crate::wire::vrrp::{self, ChecksumVariant};
use std::net::IpAddr;

#[derive(Debug, Default)]
pub struct Sighting {
    /// Capture time, clamped to what the analyzer can add and subtract.
    pub ts: Micros,
    pub what: What,
    /// The advert, when `what` is [`What::Advert`].
    pub repr: vrrp::Repr,
}

#[derive(Debug, Default)]
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
}

impl Sighting {
    /// Reads `frame` into `self`. Each branch writes `self.what` itself
    /// rather than returning a `What` to be moved into place.
    pub fn read(&mut self, frame: &FrameRef) {
        self.ts = frame.ts.as_micros().clamp(-MAX_TS, MAX_TS);
        let d = decode(frame.linktype, frame.data);
        if let Some((ip, bytes)) = d.vrrp() {
            let mac = d.macs().map_or([0; 6], |(src, _)| src);
            self.vrrp(frame.interface, d.vlan().unwrap_or(0), mac, ip, bytes);
        } else if let Some(bytes) = d.arp() {
            self.what = match arp::Packet::new_checked(bytes).ok().and_then(|p| p.ether_ipv4()) {
                Some(a) => What::Arp { arp: a, eth_src: d.macs().map_or(a.sha, |(s, _)| s) },
                None => What::Other,
            };
        } else if let Some(p) = lvs::Packet::read(&d) {
            self.what = What::Ip(p);
        } else {
            self.what = What::Other;
        }
    }

    fn vrrp(&mut self, interface: u32, vlan: u16, mac: [u8; 6], ip: &Ip, bytes: &[u8]) {
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
        };
        advert.faults = Faults::of(&advert, &self.repr);
        self.what = What::Advert(advert);
    }
}
