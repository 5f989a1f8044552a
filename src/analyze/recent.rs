//! The frames a reading thread read last, and what it made of them.
//!
//! VRRP and ARP repeat: a router sends the same advert every second until
//! something changes, and gratuitous ARPs and queries come again and again.
//! A frame the same as one read before is copied from it rather than
//! decoded, parsed and checksummed again: most frames of any capture of
//! this traffic. For an advert over IPv4, "the same" leaves out the IP
//! identification and header checksum, which keepalived counts up with
//! every advert and which reading one never looks at.

use super::sighting::What;
use crate::capture::{FrameRef, LinkType};
use crate::wire::vrrp::Repr;
use std::sync::atomic::{AtomicU64, Ordering};

/// Frames kept: the adverts of a few virtual routers and the ARP beside
/// them, few enough to look through on every frame.
const RECENT: usize = 16;

/// Numbers the contents of adverts across threads, from 1.
static CONTENTS: AtomicU64 = AtomicU64::new(1);

/// Each reading thread keeps its own.
#[derive(Debug, Default, Clone)]
pub struct Recent {
    /// A digest of each slot's frame, compared before its bytes; zero for
    /// an empty slot.
    tags: [u64; RECENT],
    slots: Vec<Remembered>,
    /// The slot the next frame remembered takes.
    next: usize,
}

#[derive(Debug, Clone)]
struct Remembered {
    linktype: LinkType,
    interface: u32,
    bytes: Vec<u8>,
    /// Where an IPv4 header is whose identification and checksum may differ.
    ipv4_at: Option<usize>,
    what: What,
    repr: Repr,
}

impl Remembered {
    fn matches(&self, frame: &FrameRef) -> bool {
        let (a, b) = (&self.bytes[..], frame.data);
        self.linktype == frame.linktype
            && self.interface == frame.interface
            && a.len() == b.len()
            && match self.ipv4_at {
                // Decoded once, so the header is all there.
                Some(at) => a[..at + 4] == b[..at + 4] && a[at + 6..at + 10] == b[at + 6..at + 10] && a[at + 12..] == b[at + 12..],
                None => a == b,
            }
    }
}

impl Recent {
    /// From the frame's length and last 16 bytes, which are past any
    /// IP header of a frame worth remembering; `None` for shorter frames.
    fn tag(frame: &FrameRef) -> Option<u64> {
        let d = frame.data;
        let tail: &[u8; 16] = d.last_chunk()?;
        let (x, y) = (u64::from_le_bytes(tail[..8].try_into().ok()?), u64::from_le_bytes(tail[8..].try_into().ok()?));
        let h = (x.rotate_left(23) ^ y ^ (d.len() as u64) << 40 ^ u64::from(frame.interface)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Some(h | 1)
    }

    /// What reading `frame` made before, and the advert's addresses.
    pub fn get(&self, frame: &FrameRef) -> Option<(&What, &Repr)> {
        let tag = Self::tag(frame)?;
        let mut i = 0;
        while i < self.slots.len() {
            if self.tags[i] == tag && self.slots[i].matches(frame) {
                let r = &self.slots[i];
                return Some((&r.what, &r.repr));
            }
            i += 1;
        }
        None
    }

    /// Keeps what reading `frame` made (an advert or an ARP message), and
    /// names an advert's content. `ipv4_at`: where an IPv4 header is whose
    /// identification and checksum may differ in a frame the same as this one.
    pub fn remember(&mut self, frame: &FrameRef, ipv4_at: Option<usize>, what: &mut What, repr: &Repr) {
        let Some(tag) = Self::tag(frame) else { return };
        if let What::Advert(ad) = what {
            ad.content = CONTENTS.fetch_add(1, Ordering::Relaxed);
        }
        let i = self.next;
        self.next = (self.next + 1) % RECENT;
        self.tags[i] = tag;
        if i == self.slots.len() {
            let (bytes, repr) = (frame.data.to_vec(), repr.clone());
            self.slots.push(Remembered { linktype: frame.linktype, interface: frame.interface, bytes, ipv4_at, what: *what, repr });
            return;
        }
        let r = &mut self.slots[i];
        (r.linktype, r.interface, r.ipv4_at, r.what) = (frame.linktype, frame.interface, ipv4_at, *what);
        r.bytes.clear();
        r.bytes.extend_from_slice(frame.data);
        r.repr.clone_from(repr);
    }
}
