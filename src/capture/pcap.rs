//! Classic pcap (libpcap's savefile format): a 24-byte file header, then
//! records of a 16-byte header and the captured bytes. Either byte order,
//! microsecond or nanosecond timestamps, and the "modified" variant whose
//! record headers carry 8 more bytes.

use super::file::{Input, MAX_CAPLEN};
use super::{Frame, FrameRef, LinkType, Source, Timestamp};

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;
/// Alexey Kuznetsov's patched libpcap: records have ifindex, protocol, type.
const MAGIC_MODIFIED: u32 = 0xa1b2_cd34;
const FILE_HEADER_LEN: usize = 24;
const RECORD_HEADER_LEN: usize = 16;
/// The upper bits of the link-type field carry FCS information.
const LINKTYPE_MASK: u32 = 0x03ff_ffff;

pub struct PcapReader {
    input: Input,
    big_endian: bool,
    nanos: bool,
    /// Timestamp fractions per second, and nanoseconds per fraction.
    per_sec: u32,
    scale: u32,
    /// Extra bytes after each record header (modified format).
    extra: usize,
    linktype: LinkType,
    /// Records longer than this are cut to it, as libpcap does.
    snaplen: u32,
    /// Files before format 2.4 may have the two lengths swapped.
    lengths: Lengths,
    /// Bytes of the record last lent by [`Source::each_ref`], still buffered.
    lent: usize,
    /// Whether records can be parsed in place: no extra header bytes,
    /// lengths where format 2.4 puts them.
    plain: bool,
}

/// Where old writers put the captured and original lengths (libpcap's
/// `lengths_swapped`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lengths {
    Normal,
    /// Format 2.3: swapped when the captured length exceeds the original.
    MaybeSwapped,
    Swapped,
}

impl PcapReader {
    /// Reads the file header; `magic` holds its first four bytes, already consumed.
    pub fn new(mut input: Input, magic: [u8; 4]) -> anyhow::Result<PcapReader> {
        let (big_endian, m) = if [MAGIC_MICROS, MAGIC_NANOS, MAGIC_MODIFIED].contains(&u32::from_le_bytes(magic)) {
            (false, u32::from_le_bytes(magic))
        } else if [MAGIC_MICROS, MAGIC_NANOS, MAGIC_MODIFIED].contains(&u32::from_be_bytes(magic)) {
            (true, u32::from_be_bytes(magic))
        } else {
            return Err(input.error(
                0,
                format!(
                    "not a pcap or pcapng capture (starts with {:02x} {:02x} {:02x} {:02x})",
                    magic[0], magic[1], magic[2], magic[3]
                ),
            ));
        };
        let mut rest = [0u8; FILE_HEADER_LEN - 4];
        let n = input.fill(&mut rest)?;
        if n < rest.len() {
            return Err(input.error(0, format!("truncated pcap file header ({} of {FILE_HEADER_LEN} bytes)", n + 4)));
        }
        let u32_at = |at: usize| read_u32(&rest[at - 4..at], big_endian);
        let (major, minor) = (read_u16(&rest[0..2], big_endian), read_u16(&rest[2..4], big_endian));
        let lengths = match (major, minor) {
            (2, 0..=2) | (543, 0) => Lengths::Swapped,
            (2, 3) => Lengths::MaybeSwapped,
            (2, 4) => Lengths::Normal,
            _ => return Err(input.error(4, format!("unsupported pcap version {major}.{minor} (expected 2.4)"))),
        };
        let linktype = LinkType::from_u32(u32_at(20) & LINKTYPE_MASK);
        let snaplen = match u32_at(16) {
            0 => MAX_CAPLEN,
            n => n.min(MAX_CAPLEN),
        };
        let nanos = m == MAGIC_NANOS;
        let (per_sec, scale) = if nanos { (1_000_000_000, 1) } else { (1_000_000, 1000) };
        let extra = if m == MAGIC_MODIFIED { 8 } else { 0 };
        Ok(PcapReader {
            input,
            big_endian,
            nanos,
            per_sec,
            scale,
            extra,
            linktype,
            snaplen,
            lengths,
            lent: 0,
            plain: extra == 0 && lengths == Lengths::Normal,
        })
    }
}

pub(crate) fn read_u32(b: &[u8], big_endian: bool) -> u32 {
    let a = [b[0], b[1], b[2], b[3]];
    if big_endian {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

pub(crate) fn read_u16(b: &[u8], big_endian: bool) -> u16 {
    if big_endian {
        u16::from_be_bytes([b[0], b[1]])
    } else {
        u16::from_le_bytes([b[0], b[1]])
    }
}

/// The four fields of a record header (seconds, fraction, captured and
/// original length): read as little-endian, swapped once when the file is
/// big-endian.
fn record_header(h: &[u8; RECORD_HEADER_LEN], big_endian: bool) -> [u32; 4] {
    let field = |i: usize| u32::from_le_bytes([h[4 * i], h[4 * i + 1], h[4 * i + 2], h[4 * i + 3]]);
    let f = [field(0), field(1), field(2), field(3)];
    if big_endian {
        f.map(u32::swap_bytes)
    } else {
        f
    }
}

impl PcapReader {
    /// The common case, parsed in place: a plain record, within the snap
    /// length, whose header and data are already buffered (all but the one
    /// that straddles each buffer's end). Returns its timestamp, original length and length with
    /// the header, and leaves it in the buffer; `None` (having read nothing)
    /// otherwise. Reads nothing from the file either: what is not buffered
    /// takes the general path.
    #[inline]
    fn buffered_record(&mut self) -> Option<(Timestamp, u32, usize)> {
        self.input.consume(std::mem::take(&mut self.lent));
        if !self.plain {
            return None;
        }
        let b = self.input.buffered();
        let [secs, frac, caplen, orig_len] = record_header(b.get(..RECORD_HEADER_LEN)?.try_into().ok()?, self.big_endian);
        let total = RECORD_HEADER_LEN + caplen as usize;
        if caplen > self.snaplen || b.len() < total || frac >= self.per_sec {
            return None;
        }
        // libpcap reads the seconds as a signed 32-bit value.
        Some((Timestamp::new(i64::from(secs as i32), frac * self.scale), orig_len, total))
    }
}

impl PcapReader {
    /// [`Source::each_ref`] with the caller's own closure, which the walk
    /// inlines: called per frame, a call through a pointer and the frame
    /// passed in memory were a good part of the reading thread's work.
    #[inline]
    pub fn each_ref_with(&mut self, scratch: &mut Frame, mut each: impl FnMut(&FrameRef) -> bool) -> anyhow::Result<bool> {
        loop {
            let more = if let Some((ts, orig_len, total)) = self.buffered_record() {
                self.lent = total;
                let data = &self.input.buffered()[RECORD_HEADER_LEN..total];
                each(&FrameRef { ts, orig_len, linktype: self.linktype, interface: 0, data })
            } else if self.next_frame(scratch)? {
                each(&scratch.view())
            } else {
                return Ok(false);
            };
            if !more {
                return Ok(true);
            }
        }
    }
}

impl Source for PcapReader {
    fn each_ref(&mut self, scratch: &mut Frame, each: &mut dyn FnMut(&FrameRef) -> bool) -> anyhow::Result<bool> {
        self.each_ref_with(scratch, each)
    }

    fn as_pcap(&mut self) -> Option<&mut PcapReader> {
        Some(self)
    }

    fn next_frame(&mut self, frame: &mut Frame) -> anyhow::Result<bool> {
        if let Some((ts, orig_len, total)) = self.buffered_record() {
            frame.data.clear();
            frame.data.extend_from_slice(&self.input.buffered()[RECORD_HEADER_LEN..total]);
            self.input.consume(total);
            frame.ts = ts;
            frame.orig_len = orig_len;
            frame.linktype = self.linktype;
            frame.interface = 0;
            return Ok(true);
        }
        let offset = self.input.pos();
        let mut h = [0u8; RECORD_HEADER_LEN + 8];
        let hlen = RECORD_HEADER_LEN + self.extra;
        let n = self.input.fill(&mut h[..hlen])?;
        if n == 0 {
            return Ok(false);
        }
        if n < hlen {
            return Err(self.input.error(offset, format!("truncated record header ({n} of {hlen} bytes)")));
        }
        let [secs, frac, mut caplen, mut orig_len] = record_header(&h[..RECORD_HEADER_LEN].try_into()?, self.big_endian);
        let secs = i64::from(secs as i32);
        if self.lengths == Lengths::Swapped || self.lengths == Lengths::MaybeSwapped && caplen > orig_len {
            std::mem::swap(&mut caplen, &mut orig_len);
        }
        if caplen > MAX_CAPLEN {
            return Err(self.input.error(
                offset,
                format!("record header claims {caplen} captured bytes (more than {MAX_CAPLEN}): corrupt file"),
            ));
        }
        // A record longer than the file's snap length is cut to it (libpcap
        // does so for old Solaris files).
        let keep = caplen.min(self.snaplen);
        let got = self.input.read_vec(&mut frame.data, keep as usize)? as u64;
        let got = got + if keep < caplen { self.input.skip(u64::from(caplen - keep))? } else { 0 };
        if got < u64::from(caplen) {
            return Err(self
                .input
                .error(offset, format!("truncated record (header says {caplen} bytes, {got} remain)")));
        }
        let (per_sec, scale) = (self.per_sec, self.scale);
        frame.ts = if frac < per_sec {
            Timestamp::new(secs, frac * scale)
        } else {
            // A fraction of a second beyond one second only occurs in corrupt
            // files; carrying it keeps the timestamp well-formed.
            Timestamp::new(secs + i64::from(frac / per_sec), (frac % per_sec) * scale)
        };
        frame.orig_len = orig_len;
        frame.linktype = self.linktype;
        frame.interface = 0;
        Ok(true)
    }

    fn nanosecond_precision(&self) -> bool {
        self.nanos
    }
}

#[cfg(test)]
mod test {
    use super::super::test_support::{open_bytes, pcap_bytes};
    use super::*;

    #[test]
    fn both_byte_orders_and_precisions() {
        for big in [false, true] {
            for nanos in [false, true] {
                let frac = if nanos { 123_456_789 } else { 123_456 };
                let bytes = pcap_bytes(big, nanos, 1, &[(5, frac, &[1, 2, 3][..], 60)]);
                let (mut src, _dir) = open_bytes(&bytes);
                let mut f = Frame::default();
                assert!(src.next_frame(&mut f).unwrap());
                assert_eq!(f.data, [1, 2, 3]);
                assert_eq!(f.orig_len, 60);
                assert_eq!(f.linktype, LinkType::Ethernet);
                let want = if nanos { Timestamp::new(5, 123_456_789) } else { Timestamp::new(5, 123_456_000) };
                assert_eq!(f.ts, want, "big={big} nanos={nanos}");
                assert_eq!(src.nanosecond_precision(), nanos);
                assert!(!src.next_frame(&mut f).unwrap());
            }
        }
    }

    #[test]
    fn truncated_last_record_names_offset() {
        let mut bytes = pcap_bytes(false, false, 1, &[(1, 0, &[0; 10][..], 10), (2, 0, &[0; 20][..], 20)]);
        bytes.truncate(bytes.len() - 13);
        let (mut src, _dir) = open_bytes(&bytes);
        let mut f = Frame::default();
        assert!(src.next_frame(&mut f).unwrap());
        let e = src.next_frame(&mut f).unwrap_err().to_string();
        assert!(e.contains("offset 50: truncated record (header says 20 bytes, 7 remain)"), "{e}");
    }

    #[test]
    fn huge_caplen_is_refused_without_allocating() {
        let mut bytes = pcap_bytes(false, false, 1, &[(1, 0, &[0; 4][..], 4)]);
        bytes[24 + 8..24 + 12].copy_from_slice(&0xfff0_0000u32.to_le_bytes());
        let (mut src, _dir) = open_bytes(&bytes);
        let mut f = Frame::default();
        let e = src.next_frame(&mut f).unwrap_err().to_string();
        assert!(e.contains("offset 24: record header claims 4293918720 captured bytes"), "{e}");
        assert!(f.data.capacity() < 1 << 20);
    }

    #[test]
    fn truncated_header_and_garbage() {
        let bytes = pcap_bytes(false, false, 1, &[(1, 0, &[0; 4][..], 4)]);
        let (mut src, _dir) = open_bytes(&bytes[..24 + 9]);
        let e = src.next_frame(&mut Frame::default()).unwrap_err().to_string();
        assert!(e.contains("offset 24: truncated record header (9 of 16 bytes)"), "{e}");
        let e = super::super::test_support::open_err(&bytes[..20]);
        assert!(e.contains("offset 0: truncated pcap file header (20 of 24 bytes)"), "{e}");
        let e = super::super::test_support::open_err(b"hello, world, this is text");
        assert!(e.contains("offset 0: not a pcap or pcapng capture (starts with 68 65 6c 6c)"), "{e}");
        let e = super::super::test_support::open_err(b"");
        assert!(e.contains("offset 0: empty file"), "{e}");
    }

    #[test]
    fn records_longer_than_the_snaplen_are_cut() {
        let mut bytes = pcap_bytes(true, false, 1, &[(1, 0, &[1, 2, 3, 4, 5, 6][..], 6), (2, 0, &[7][..], 1)]);
        bytes[16..20].copy_from_slice(&4u32.to_be_bytes());
        let (mut src, _dir) = open_bytes(&bytes);
        let mut f = Frame::default();
        assert!(src.next_frame(&mut f).unwrap());
        assert_eq!((&f.data[..], f.orig_len), (&[1u8, 2, 3, 4][..], 6));
        assert!(src.next_frame(&mut f).unwrap());
        assert_eq!(f.data, [7]);
    }

    #[test]
    fn old_format_swaps_lengths() {
        let mut bytes = pcap_bytes(false, false, 1, &[(1, 0, &[1, 2][..], 60)]);
        bytes[6..8].copy_from_slice(&2u16.to_le_bytes());
        // In a 2.2 file the first length field is the original length.
        bytes[24 + 8..24 + 12].copy_from_slice(&60u32.to_le_bytes());
        bytes[24 + 12..24 + 16].copy_from_slice(&2u32.to_le_bytes());
        let (mut src, _dir) = open_bytes(&bytes);
        let mut f = Frame::default();
        assert!(src.next_frame(&mut f).unwrap());
        assert_eq!((&f.data[..], f.orig_len), (&[1u8, 2][..], 60));
    }

    #[test]
    fn modified_format_and_linktype() {
        let mut bytes = pcap_bytes(false, false, 113, &[]);
        bytes[0..4].copy_from_slice(&MAGIC_MODIFIED.to_le_bytes());
        let mut rec = Vec::new();
        for v in [7u32, 0, 2, 2] {
            rec.extend_from_slice(&v.to_le_bytes());
        }
        rec.extend_from_slice(&[0; 8]);
        rec.extend_from_slice(&[9, 9]);
        bytes.extend_from_slice(&rec);
        let (mut src, _dir) = open_bytes(&bytes);
        let mut f = Frame::default();
        assert!(src.next_frame(&mut f).unwrap());
        assert_eq!((f.linktype, &f.data[..], f.ts.secs), (LinkType::LinuxSll, &[9u8, 9][..], 7));
    }
}
