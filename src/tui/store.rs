//! Every frame the UI has seen, in one byte arena plus a small index entry
//! per frame. A million-frame capture costs its bytes and 32 bytes a frame;
//! lines, trees and colours are computed only for the rows on screen.

use crate::capture::{Frame, LinkType, Timestamp};

/// Where one frame lives in the arena, and what the file said about it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Start of the frame's bytes in the arena; the next entry's start (or
    /// the arena's end) is where they stop.
    start: u64,
    secs: i64,
    nanos: u32,
    orig_len: u32,
    /// Index into [`Frames::links`]: captures rarely mix link types.
    link: u16,
}

#[derive(Debug, Default)]
pub struct Frames {
    bytes: Vec<u8>,
    index: Vec<Entry>,
    /// The distinct (link type, interface) pairs seen.
    links: Vec<(LinkType, u32)>,
}

impl Frames {
    pub fn new() -> Frames {
        Frames::default()
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    pub fn push(&mut self, f: &Frame) {
        let key = (f.linktype, f.interface);
        let link = match self.links.iter().position(|l| *l == key) {
            Some(i) => i,
            None => {
                self.links.push(key);
                self.links.len() - 1
            }
        };
        self.index.push(Entry {
            start: self.bytes.len() as u64,
            secs: f.ts.secs,
            nanos: f.ts.nanos,
            orig_len: f.orig_len,
            // More than 65536 interfaces in one capture does not happen;
            // if it did, frames would only be labelled with a wrong one.
            link: u16::try_from(link).unwrap_or(u16::MAX),
        });
        self.bytes.extend_from_slice(&f.data);
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = self.index[i].start as usize;
        let end = self.index.get(i + 1).map_or(self.bytes.len(), |e| e.start as usize);
        start..end
    }

    /// The captured bytes of frame `i` (0-based).
    pub fn data(&self, i: usize) -> &[u8] {
        &self.bytes[self.range(i)]
    }

    pub fn ts(&self, i: usize) -> Timestamp {
        let e = &self.index[i];
        Timestamp::new(e.secs, e.nanos)
    }

    /// Capture time of frame `i` in microseconds since the epoch.
    pub fn micros(&self, i: usize) -> i64 {
        self.ts(i).as_micros()
    }

    /// Copies frame `i` into `out`, reusing its buffer: the printers and
    /// the dissector take a [`Frame`].
    pub fn load(&self, i: usize, out: &mut Frame) {
        let e = &self.index[i];
        let (linktype, interface) = self.links.get(usize::from(e.link)).copied().unwrap_or_default();
        out.ts = Timestamp::new(e.secs, e.nanos);
        out.orig_len = e.orig_len;
        out.linktype = linktype;
        out.interface = interface;
        out.data.clear();
        out.data.extend_from_slice(self.data(i));
    }

    /// Frame `i` as a new [`Frame`].
    pub fn frame(&self, i: usize) -> Frame {
        let mut f = Frame::default();
        self.load(i, &mut f);
        f
    }

    /// How many of the first frames have a timestamp at or before `us`,
    /// counting from `from` on: replay reveals frames in capture order, so
    /// a frame stamped earlier than its predecessor waits for it.
    pub fn count_until(&self, from: usize, us: i64) -> usize {
        let mut n = from.min(self.len());
        while n < self.len() && self.micros(n) <= us {
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn frame(us: i64, data: &[u8], linktype: LinkType) -> Frame {
        Frame { ts: Timestamp::from_micros(us), orig_len: data.len() as u32 + 1, linktype, interface: 0, data: data.to_vec() }
    }

    #[test]
    fn frames_come_back_as_they_went_in() {
        let mut s = Frames::new();
        s.push(&frame(1_000_000, &[1, 2, 3], LinkType::Ethernet));
        s.push(&frame(1_500_000, &[], LinkType::Raw));
        s.push(&frame(2_000_000, &[9; 70], LinkType::Ethernet));
        assert_eq!(s.len(), 3);
        assert_eq!(s.data(0), &[1, 2, 3]);
        assert_eq!(s.data(1), &[] as &[u8]);
        assert_eq!(s.data(2), &[9; 70][..]);
        let mut f = Frame::default();
        s.load(1, &mut f);
        assert_eq!(f, frame(1_500_000, &[], LinkType::Raw));
        assert_eq!(s.frame(2), frame(2_000_000, &[9; 70], LinkType::Ethernet));
        assert_eq!(s.links.len(), 2);
    }

    #[test]
    fn count_until_stops_at_the_first_later_frame() {
        let mut s = Frames::new();
        for us in [10, 20, 15, 30] {
            s.push(&frame(us, &[0], LinkType::Ethernet));
        }
        assert_eq!(s.count_until(0, 5), 0);
        assert_eq!(s.count_until(0, 20), 3);
        assert_eq!(s.count_until(3, 29), 3);
        assert_eq!(s.count_until(1, 1000), 4);
    }
}
