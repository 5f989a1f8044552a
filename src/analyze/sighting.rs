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
use crate::wire::decode::{decode, Decoded, Ip, Link, Net, ETHERTYPE_ARP};
use crate::wire::vrrp::{self, ChecksumVariant, Family};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// Names what was read (everything here and in the `Repr`), so that
    /// the analysis can tell an advert the same as the one before it from
    /// a router without comparing them: sightings with the same nonzero
    /// `content` were read from the same bytes. Zero when not named.
    pub content: u64,
}

/// Adverts repeat byte for byte: a router sends the same one every
/// second until something changes. So the last few adverts read are kept,
/// with the bytes that decide what reading them makes, and an advert seen
/// again is copied rather than parsed and checksummed again. Each thread
/// that reads keeps its own.
#[derive(Debug, Default, Clone)]
pub struct Recent {
    /// A cheap digest of each slot's advert, compared before its bytes.
    tags: [u64; RECENT],
    slots: Vec<Remembered>,
    /// The slot the next new advert takes, when it has none yet.
    next: usize,
}

/// What reading an advert depends on besides its bytes, packed into
/// integers so that telling two apart takes a few instructions.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Envelope {
    /// The interface, VLAN, TTL, family and Ethernet source,
    link: u128,
    /// and the IP source and destination.
    src: u128,
    dst: u128,
}

impl Envelope {
    fn new(interface: u32, vlan: u16, mac: [u8; 6], ip: &Ip) -> Envelope {
        let bits = |a: IpAddr| match a {
            IpAddr::V4(a) => u128::from(a.to_bits()),
            IpAddr::V6(a) => a.to_bits(),
        };
        let mac = u64::from_be_bytes([0, 0, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]]);
        let link = u128::from(interface) << 80
            | u128::from(vlan) << 64
            | u128::from(ip.ttl) << 56
            | u128::from(ip.family == Family::Ipv6) << 48
            | u128::from(mac);
        Envelope { link, src: bits(ip.src), dst: bits(ip.dst) }
    }
}

#[derive(Debug, Clone)]
struct Remembered {
    envelope: Envelope,
    bytes: Vec<u8>,
    advert: Advert,
    repr: vrrp::Repr,
}

/// Adverts [`Recent`] keeps: enough for the routers of a few virtual
/// routers sending at once, few enough to look through on every advert.
const RECENT: usize = 8;

/// Numbers [`Advert::content`] across threads, from 1.
static CONTENTS: AtomicU64 = AtomicU64::new(1);

impl Recent {
    /// Never zero, which marks an empty slot: the version is in it.
    fn tag(envelope: &Envelope, bytes: &[u8]) -> u64 {
        let low = envelope.src as u8;
        let head = bytes.first_chunk::<4>().map_or(0, |h| u32::from_be_bytes(*h));
        u64::from(head) << 32 | (bytes.len() as u64) << 8 | u64::from(low)
    }

    /// What reading `bytes` in `envelope` made before, if it is here.
    fn get(&self, envelope: &Envelope, bytes: &[u8]) -> Option<&Remembered> {
        let tag = Self::tag(envelope, bytes);
        let i = self.tags.iter().position(|&t| t == tag)?;
        let r = self.slots.get(i)?;
        (r.bytes == bytes && r.envelope == *envelope).then_some(r)
    }

    /// Keeps what reading `bytes` in `envelope` made, naming its content.
    fn remember(&mut self, envelope: Envelope, bytes: &[u8], advert: &mut Advert, repr: &vrrp::Repr) {
        advert.content = CONTENTS.fetch_add(1, Ordering::Relaxed);
        let tag = Self::tag(&envelope, bytes);
        let i = self.tags.iter().position(|&t| t == tag).unwrap_or_else(|| {
            let i = self.next;
            self.next = (self.next + 1) % RECENT;
            i
        });
        self.tags[i] = tag;
        let r = Remembered { envelope, bytes: bytes.to_vec(), advert: *advert, repr: repr.clone() };
        match self.slots.get_mut(i) {
            Some(slot) => *slot = r,
            None => self.slots.push(r),
        }
    }
}

impl Sighting {
    /// Reads `frame` into `self`, with the adverts this thread read last.
    /// Each branch writes `self.what` itself rather than returning a
    /// `What` to be moved into place.
    pub fn read(&mut self, frame: &FrameRef, recent: &mut Recent) {
        self.ts = frame.ts.as_micros().clamp(-MAX_TS, MAX_TS);
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
                self.vrrp(recent, (frame.interface, vlan, mac), &ip, ip.payload);
            }
            Net::Arp { ethertype: ETHERTYPE_ARP, bytes, .. } => {
                self.what = match arp::Packet::new_checked(bytes).ok().and_then(|p| p.ether_ipv4()) {
                    Some(a) => What::Arp { arp: a, eth_src: macs.map_or(a.sha, |(s, _)| s) },
                    None => What::Other,
                };
            }
            Net::Ip(ip) => {
                self.what = match macs.and_then(|macs| lvs::Packet::read(macs, &ip)) {
                    Some(p) => What::Ip(p),
                    None => What::Other,
                };
            }
            _ => self.what = What::Other,
        }
    }

    fn vrrp(&mut self, recent: &mut Recent, (interface, vlan, mac): (u32, u16, [u8; 6]), ip: &Ip, bytes: &[u8]) {
        let Ok(p) = vrrp::Packet::new_checked(bytes) else {
            self.what = What::Truncated { src: ip.src };
            return;
        };
        let envelope = Envelope::new(interface, vlan, mac, ip);
        if let Some(r) = recent.get(&envelope, bytes) {
            self.what = What::Advert(r.advert);
            self.repr.clone_from(&r.repr);
            return;
        }
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
        recent.remember(envelope, bytes, &mut advert, &self.repr);
        self.what = What::Advert(advert);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testutil::{advert, advert_with};
    use crate::capture::{file, Frame};

    /// What `frame` reads as, with `recent`, but for its time and the
    /// content's name.
    fn read(frame: &Frame, recent: &mut Recent) -> (String, u64) {
        let mut s = Sighting::default();
        s.read(&frame.view(), recent);
        let content = match &mut s.what {
            What::Advert(ad) => std::mem::take(&mut ad.content),
            _ => 0,
        };
        (format!("{:?} {:?}", s.what, s.repr), content)
    }

    #[test]
    fn an_advert_recognised_reads_as_when_first_read() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut adverts = 0;
        for dir in ["", "sim", "real"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if !path.extension().is_some_and(|e| e == "pcap" || e == "pcapng") {
                    continue;
                }
                let (mut src, mut f, mut recent) = (file::open(&path).unwrap(), Frame::default(), Recent::default());
                let mut named = std::collections::HashMap::new();
                while let Ok(true) = src.next_frame(&mut f) {
                    let (fresh, _) = read(&f, &mut Recent::default());
                    let (again, content) = read(&f, &mut recent);
                    assert_eq!(again, fresh, "{}", path.display());
                    if content != 0 {
                        adverts += 1;
                        assert_eq!(named.entry(content).or_insert_with(|| again.clone()), &again, "{}", path.display());
                    }
                }
            }
        }
        assert!(adverts > 500, "{adverts}");
    }

    #[test]
    fn the_same_bytes_in_another_envelope_are_read_again() {
        let mut recent = Recent::default();
        let first = advert(0, 11, 100);
        let (_, content) = read(&first, &mut recent);
        assert_eq!(read(&advert(1_000_000, 11, 100), &mut recent).1, content);
        let mut hop = first.clone();
        hop.data[14 + 8] = 64;
        let (low_ttl, other) = read(&hop, &mut recent);
        assert!(low_ttl.contains("ttl: 64") && other != content, "{low_ttl}");
        let mut tagged = first.clone();
        tagged.interface = 1;
        assert_ne!(read(&tagged, &mut recent).1, content);
        // Nine routers' adverts pass through the eight slots, the first one's last.
        for n in 1..=9 {
            let (_, c) = read(&advert_with(0, n, 100, |r| r.vrid = n), &mut recent);
            assert_ne!(c, content);
        }
        assert_ne!(read(&first, &mut recent).1, content, "forgotten once eight others came");
    }
}
