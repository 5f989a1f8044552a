//! Frames as the reading thread hands them to the analysis.
//!
//! A batch holds, per frame, its time and a token. A frame read before
//! ([`Recent`]) goes as the slot the reader remembers it in, and the
//! analysis finds what it reads as in its [`Mirror`] of those slots; only
//! a frame not seen before goes with what it reads as. Most frames are
//! repeats, so a batch takes 16 bytes a frame: when it took each frame's
//! whole reading, writing the batches was the larger part of the reading
//! thread's work.

use super::recent::{Recent, RECENT};
use super::sighting::{Sighting, What};
use super::{Micros, MAX_TS};
use crate::capture::readahead;
use crate::capture::FrameRef;

#[derive(Debug, Clone, Copy)]
enum Token {
    /// Nothing the analysis looks at.
    Other,
    /// The same as the frame remembered in this slot.
    Again(u8),
    /// Read anew into the batch's `sightings[at]`, and remembered in
    /// `kept` if it is worth it.
    New { at: u32, kept: Option<u8> },
}

/// Frames read on one thread for the analysis on another.
#[derive(Debug, Default)]
pub struct Batch {
    /// Each frame's time, clamped to what the analyzer can add and
    /// subtract, and its token.
    frames: Vec<(Micros, Token)>,
    /// What the frames not seen before read as: the first `fresh`, the
    /// rest kept for their buffers.
    sightings: Vec<Sighting>,
    fresh: usize,
}

impl readahead::Batch for Batch {
    fn clear(&mut self) {
        self.frames.clear();
        self.fresh = 0;
    }
}

/// What the frames in each slot of the reading thread's [`Recent`] read
/// as, kept by the analysis as the batches tell it.
#[derive(Debug)]
pub struct Mirror {
    slots: Vec<Sighting>,
    other: Sighting,
}

impl Default for Mirror {
    fn default() -> Mirror {
        Mirror { slots: vec![Sighting::default(); RECENT], other: Sighting::default() }
    }
}

impl Batch {
    /// Adds `frame`, recognised in `recent` or read anew (and then
    /// remembered there if it is worth it).
    pub fn read(&mut self, frame: &FrameRef, recent: &mut Recent) {
        let ts = frame.ts.as_micros().clamp(-MAX_TS, MAX_TS);
        let token = match recent.find(frame) {
            // Slots number fewer than 256.
            Some(slot) => Token::Again(slot as u8),
            None => self.read_new(frame, recent),
        };
        self.frames.push((ts, token));
    }

    fn read_new(&mut self, frame: &FrameRef, recent: &mut Recent) -> Token {
        if self.fresh == self.sightings.len() {
            self.sightings.push(Sighting::default());
        }
        let s = &mut self.sightings[self.fresh];
        let kept = match s.read(frame) {
            Some(ipv4_at) => recent.remember(frame, ipv4_at, &mut s.what).map(|slot| slot as u8),
            None if matches!(s.what, What::Other) => return Token::Other,
            None => None,
        };
        self.fresh += 1;
        // A batch holds far fewer frames than 2^32.
        Token::New { at: self.fresh as u32 - 1, kept }
    }

    /// Calls `each` with every frame's time and reading, in order, keeping
    /// `mirror` up to date with the reading thread's [`Recent`].
    pub fn replay(&self, mirror: &mut Mirror, mut each: impl FnMut(Micros, &Sighting)) {
        for &(ts, token) in &self.frames {
            let s = match token {
                Token::Other => &mirror.other,
                Token::Again(slot) => &mirror.slots[usize::from(slot)],
                Token::New { at, kept } => {
                    let s = &self.sightings[at as usize];
                    if let Some(slot) = kept {
                        mirror.slots[usize::from(slot)].clone_from(s);
                    }
                    s
                }
            };
            each(ts, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::testutil::{advert, advert_with, fixture_captures};
    use crate::capture::readahead::Batch as _;
    use crate::capture::{file, Frame};

    /// A frame's time and reading, but for the content's name, which is
    /// returned apart.
    fn describe(ts: Micros, s: &Sighting) -> (String, u64) {
        let mut what = s.what;
        let content = match &mut what {
            What::Advert(ad) => std::mem::take(&mut ad.content),
            _ => 0,
        };
        (format!("{ts} {what:?} {:?}", s.repr), content)
    }

    /// What `frame` reads as through a batch, with `recent` and `mirror`.
    fn read(frame: &Frame, recent: &mut Recent, mirror: &mut Mirror) -> (String, u64) {
        let mut batch = Batch::default();
        batch.read(&frame.view(), recent);
        let mut got = None;
        batch.replay(mirror, |ts, s| got = Some(describe(ts, s)));
        got.expect("one frame")
    }

    fn fresh(frame: &Frame) -> String {
        read(frame, &mut Recent::default(), &mut Mirror::default()).0
    }

    #[test]
    fn a_frame_recognised_reads_as_when_first_read() {
        let mut adverts = 0;
        for path in fixture_captures() {
            let (mut src, mut f) = (file::open(&path).unwrap(), Frame::default());
            let (mut recent, mut mirror) = (Recent::default(), Mirror::default());
            let mut named = std::collections::HashMap::new();
            while let Ok(true) = src.next_frame(&mut f) {
                let (again, content) = read(&f, &mut recent, &mut mirror);
                assert_eq!(again, fresh(&f), "{}", path.display());
                if content != 0 {
                    adverts += 1;
                    let what = again.split_once(' ').unwrap().1.to_string();
                    assert_eq!(named.entry(content).or_insert_with(|| what.clone()), &what, "{}", path.display());
                }
            }
        }
        assert!(adverts > 500, "{adverts}");
    }

    #[test]
    fn a_frame_is_recognised_but_for_its_ipv4_id_and_checksum() {
        let (mut recent, mut mirror) = (Recent::default(), Mirror::default());
        let mut read = |f: &Frame| read(f, &mut recent, &mut mirror).1;
        let first = advert(0, 11, 100);
        let content = read(&first);
        assert_ne!(content, 0);
        let mut next = advert(1_000_000, 11, 100);
        next.data[14 + 4..14 + 6].copy_from_slice(&[0x12, 0x34]);
        next.data[14 + 10..14 + 12].copy_from_slice(&[0xab, 0xcd]);
        assert_eq!(read(&next), content);
        // Any other byte: read again (MACs, IP flags, TTL, source, VRRP).
        for at in [0, 11, 14 + 6, 14 + 8, 14 + 15, 14 + 19, 14 + 20 + 2, first.data.len() - 1] {
            let mut other = first.clone();
            other.data[at] ^= 0x01;
            assert_ne!(read(&other), content, "byte {at}");
        }
        let mut elsewhere = first.clone();
        elsewhere.interface = 1;
        assert_ne!(read(&elsewhere), content);
        assert_eq!(read(&first), content);
        // Sixteen other adverts pass through the sixteen slots.
        for n in 1..=16 {
            assert_ne!(read(&advert_with(0, n, 100, |r| r.vrid = n)), content);
        }
        assert_ne!(read(&first), content, "forgotten once sixteen others came");
    }

    #[test]
    fn a_batch_cleared_is_filled_afresh_and_reuses_its_buffers() {
        let (mut recent, mut mirror) = (Recent::default(), Mirror::default());
        let mut batch = Batch::default();
        let frames: Vec<Frame> = (0..40).map(|n| advert_with(n * 1000, 11, 100, |r| r.vrid = (n % 10) as u8 + 1)).collect();
        let mut got = Vec::new();
        for chunk in frames.chunks(7) {
            batch.clear();
            for f in chunk {
                batch.read(&f.view(), &mut recent);
            }
            batch.replay(&mut mirror, |ts, s| got.push(describe(ts, s).0));
        }
        assert_eq!(got, frames.iter().map(fresh).collect::<Vec<_>>());
        assert!(batch.sightings.len() <= 7, "{}", batch.sightings.len());
    }
}
