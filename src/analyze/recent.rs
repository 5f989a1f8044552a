//! The frames a reading thread read last.
//!
//! VRRP and ARP repeat: a router sends the same advert every second until
//! something changes, and gratuitous ARPs and queries come again and again.
//! A frame the same as one read before is not decoded, parsed and
//! checksummed again, nor is what that made sent to the analysis again: it
//! goes as the slot it is remembered in. That is most frames of any capture
//! of this traffic. For an advert over IPv4, "the same" leaves out the IP
//! identification and header checksum, which keepalived counts up with
//! every advert and which reading one never looks at.

use super::sighting::What;
use crate::capture::{FrameRef, LinkType};
use std::sync::atomic::{AtomicU64, Ordering};

/// Frames kept: the adverts of a few virtual routers and the ARP beside
/// them, few enough to look through on every frame.
pub const RECENT: usize = 16;

/// Numbers the contents of adverts across threads, from 1.
static CONTENTS: AtomicU64 = AtomicU64::new(1);

/// The reading thread's memory of frames. What it made of them is kept by
/// whoever consumes its readings ([`super::batch::Mirror`]), slot for slot.
#[derive(Debug, Default, Clone)]
pub struct Recent {
    /// A byte of digest of each slot's frame, compared before its bytes;
    /// zero for an empty slot.
    tags: [u8; RECENT],
    slots: Vec<Remembered>,
    /// The slot the next frame remembered takes.
    next: usize,
    /// The slot of the frame found or remembered last, and for each slot
    /// the one found after it last time: traffic repeats in the same
    /// order, so most frames are found there without their tag.
    last: usize,
    follows: [usize; RECENT],
}

#[derive(Debug, Clone)]
struct Remembered {
    linktype: LinkType,
    interface: u32,
    bytes: Vec<u8>,
    /// As long as `bytes`: 0xff where a frame must be the same, zero
    /// where it may differ (an IPv4 header's identification and checksum).
    mask: Vec<u8>,
}

impl Remembered {
    fn matches(&self, frame: &FrameRef) -> bool {
        self.linktype == frame.linktype && self.interface == frame.interface && same_under(&self.bytes, frame.data, &self.mask)
    }

    fn set(&mut self, frame: &FrameRef, ipv4_at: Option<usize>) {
        (self.linktype, self.interface) = (frame.linktype, frame.interface);
        self.bytes.clear();
        self.bytes.extend_from_slice(frame.data);
        self.mask.clear();
        self.mask.resize(frame.data.len(), 0xff);
        if let Some(at) = ipv4_at {
            // Decoded once, so the header is all there.
            self.mask[at + 4..at + 6].fill(0);
            self.mask[at + 10..at + 12].fill(0);
        }
    }
}

/// Whether `a` and `b` are the same where `mask` is set, 16 bytes at a
/// time, with no call and no branch per byte. False unless all three are
/// as long, and at least 16 bytes.
fn same_under(a: &[u8], b: &[u8], mask: &[u8]) -> bool {
    let n = a.len();
    if b.len() != n || mask.len() != n || n < 16 {
        return false;
    }
    let word = |s: &[u8], at: usize| {
        let mut w = [0; 16];
        w.copy_from_slice(&s[at..at + 16]);
        u128::from_ne_bytes(w)
    };
    let diff = |at| (word(a, at) ^ word(b, at)) & word(mask, at);
    // The last 16 bytes, overlapping the whole chunks, cover the rest;
    // they are compared first, as frames that differ most often differ
    // there.
    let mut acc = diff(n - 16);
    if acc != 0 {
        return false;
    }
    let mut at = 0;
    while at + 16 <= n {
        acc |= diff(at);
        at += 16;
    }
    acc == 0
}

impl Recent {
    /// From the frame's length and last 16 bytes, which are past any
    /// IP header of a frame worth remembering; `None` for shorter frames.
    fn tag(frame: &FrameRef) -> Option<u8> {
        let d = frame.data;
        let tail: &[u8; 16] = d.last_chunk()?;
        let (x, y) = (u64::from_le_bytes(tail[..8].try_into().ok()?), u64::from_le_bytes(tail[8..].try_into().ok()?));
        let h = (x.rotate_left(23) ^ y ^ (d.len() as u64) << 40 ^ u64::from(frame.interface)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Some((h >> 56) as u8 | 1)
    }

    /// The slot of a frame the same as `frame`, if one is remembered.
    pub fn find(&mut self, frame: &FrameRef) -> Option<usize> {
        let (last, next) = (self.last, self.follows[self.last]);
        let is = |i: usize| self.slots.get(i).is_some_and(|r| r.matches(frame));
        let i = if is(next) {
            next
        } else if is(last) {
            last
        } else {
            self.search(frame)?
        };
        self.follow(i);
        Some(i)
    }

    fn follow(&mut self, i: usize) {
        self.follows[self.last] = i;
        self.last = i;
    }

    fn search(&self, frame: &FrameRef) -> Option<usize> {
        let tag = Self::tag(frame)?;
        // All sixteen tags compared at once: the bytes of `x` are zero
        // where a tag is the frame's, and `hits` has their top bits set
        // (and perhaps some above them, which `matches` rules out).
        const ONES: u128 = u128::from_ne_bytes([1; RECENT]);
        let x = u128::from_ne_bytes(self.tags) ^ (ONES * u128::from(tag));
        let mut hits = x.wrapping_sub(ONES) & !x & ONES << 7;
        while hits != 0 {
            let i = hits.trailing_zeros() as usize / 8;
            if self.slots.get(i).is_some_and(|r| r.matches(frame)) {
                return Some(i);
            }
            hits &= hits - 1;
        }
        None
    }

    /// Remembers `frame` (an advert or an ARP message), and names an
    /// advert's content in `what`, what reading it made. `ipv4_at`: where
    /// an IPv4 header is whose identification and checksum may differ in
    /// a frame the same as this one. Returns its slot, or `None` for a
    /// frame too short to recognise.
    pub fn remember(&mut self, frame: &FrameRef, ipv4_at: Option<usize>, what: &mut What) -> Option<usize> {
        let tag = Self::tag(frame)?;
        if let What::Advert(ad) = what {
            ad.content = CONTENTS.fetch_add(1, Ordering::Relaxed);
        }
        let i = self.next;
        self.next = (self.next + 1) % RECENT;
        self.tags[i] = tag;
        if i == self.slots.len() {
            self.slots.push(Remembered { linktype: frame.linktype, interface: frame.interface, bytes: Vec::new(), mask: Vec::new() });
        }
        self.slots[i].set(frame, ipv4_at);
        self.follow(i);
        Some(i)
    }
}
