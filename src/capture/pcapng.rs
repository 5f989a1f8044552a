//! pcapng: a sequence of blocks (type, length, body, length again). Sections
//! start with a Section Header Block that fixes the byte order; Interface
//! Description Blocks give each interface its link type, snap length and
//! timestamp resolution; packets come in Enhanced, Simple or (obsolete)
//! Packet Blocks. Other blocks are skipped.
//!
//! Every block length is checked before it is used (at least 12, a multiple
//! of 4, equal to the trailing copy), so a hostile file can neither make the
//! reader loop nor make it allocate what a length field claims.

use super::file::{Input, MAX_CAPLEN};
use super::pcap::{read_u16, read_u32};
use super::{Frame, LinkType, Source, Timestamp};

pub const SHB_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;
const BT_IDB: u32 = 1;
const BT_OPB: u32 = 2;
const BT_SPB: u32 = 3;
const BT_EPB: u32 = 6;
const BT_SHB: u32 = 0x0a0d_0d0a;
const OPT_ENDOFOPT: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;
/// Interface blocks carry a name, a description and a few numbers; anything
/// beyond this is not an interface description.
const MAX_IDB_LEN: u32 = 1 << 16;
const MAX_INTERFACES: usize = 1 << 16;

#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: LinkType,
    snaplen: u32,
    /// Timestamp units per second (10^n or 2^n).
    units_per_sec: u64,
    /// Seconds added to every timestamp (`if_tsoffset`).
    offset_secs: i64,
}

pub struct PcapngReader {
    input: Input,
    big_endian: bool,
    interfaces: Vec<Interface>,
    /// Reused buffer for interface blocks.
    scratch: Vec<u8>,
    nanos: bool,
}

impl PcapngReader {
    /// Reads the first Section Header Block, whose type field has already
    /// been consumed.
    pub fn new(input: Input) -> anyhow::Result<PcapngReader> {
        let mut r = PcapngReader { input, big_endian: false, interfaces: Vec::new(), scratch: Vec::new(), nanos: false };
        r.section_header(0)?;
        Ok(r)
    }

    fn u32(&self, b: &[u8]) -> u32 {
        read_u32(b, self.big_endian)
    }

    fn u16(&self, b: &[u8]) -> u16 {
        read_u16(b, self.big_endian)
    }

    /// Reads exactly `buf.len()` bytes of the block at `offset`.
    fn need(&mut self, buf: &mut [u8], offset: u64, what: &str) -> anyhow::Result<()> {
        let n = self.input.fill(buf)?;
        if n < buf.len() {
            return Err(self.input.error(offset, format!("truncated {what} ({n} of {} bytes)", buf.len())));
        }
        Ok(())
    }

    fn skip(&mut self, n: u64, offset: u64) -> anyhow::Result<()> {
        let got = self.input.skip(n)?;
        if got < n {
            return Err(self.input.error(offset, format!("truncated block ({} bytes missing)", n - got)));
        }
        Ok(())
    }

    /// Checks the trailing copy of the block length.
    fn trailer(&mut self, len: u32, offset: u64) -> anyhow::Result<()> {
        let mut t = [0u8; 4];
        self.need(&mut t, offset, "block trailer")?;
        let again = self.u32(&t);
        if again != len {
            return Err(self.input.error(offset, format!("block length {len} does not match its trailing copy {again}")));
        }
        Ok(())
    }

    fn section_header(&mut self, offset: u64) -> anyhow::Result<()> {
        let mut h = [0u8; 12];
        self.need(&mut h, offset, "section header block")?;
        self.big_endian = match (u32::from_le_bytes([h[4], h[5], h[6], h[7]]), u32::from_be_bytes([h[4], h[5], h[6], h[7]])) {
            (BYTE_ORDER_MAGIC, _) => false,
            (_, BYTE_ORDER_MAGIC) => true,
            _ => return Err(self.input.error(offset, "pcapng section header has no byte-order magic: not a capture")),
        };
        let len = self.u32(&h[0..4]);
        if len < 28 || len % 4 != 0 {
            return Err(self.input.error(offset, format!("section header block length {len} (must be at least 28 and a multiple of 4)")));
        }
        let major = self.u16(&h[8..10]);
        if major != 1 {
            return Err(self.input.error(offset, format!("unsupported pcapng version {major} (expected 1)")));
        }
        // Section length and options are not needed.
        self.skip(u64::from(len) - 16 - 4, offset)?;
        self.trailer(len, offset)?;
        self.interfaces.clear();
        Ok(())
    }

    fn interface(&mut self, len: u32, offset: u64) -> anyhow::Result<()> {
        if len > MAX_IDB_LEN {
            return Err(self.input.error(offset, format!("interface description block of {len} bytes is implausible")));
        }
        if self.interfaces.len() >= MAX_INTERFACES {
            return Err(self.input.error(offset, format!("more than {MAX_INTERFACES} interfaces in one section")));
        }
        let body = (len - 12) as usize;
        let mut scratch = std::mem::take(&mut self.scratch);
        let got = self.input.read_vec(&mut scratch, body)?;
        if got < body || body < 8 {
            self.scratch = scratch;
            return Err(self.input.error(offset, format!("truncated interface description block ({got} of {body} bytes)")));
        }
        let result = self.parse_interface(&scratch, offset);
        self.scratch = scratch;
        let iface = result?;
        self.nanos |= iface.units_per_sec > 1_000_000;
        self.interfaces.push(iface);
        self.trailer(len, offset)
    }

    fn parse_interface(&self, b: &[u8], offset: u64) -> anyhow::Result<Interface> {
        let mut iface = Interface {
            linktype: LinkType::from_u32(u32::from(self.u16(&b[0..2]))),
            snaplen: self.u32(&b[4..8]),
            units_per_sec: 1_000_000,
            offset_secs: 0,
        };
        let mut at = 8;
        while at + 4 <= b.len() {
            let code = self.u16(&b[at..at + 2]);
            let olen = usize::from(self.u16(&b[at + 2..at + 4]));
            let value = b.get(at + 4..at + 4 + olen).ok_or_else(|| {
                self.input.error(offset, format!("interface option {code} runs past the end of its block"))
            })?;
            match (code, olen) {
                (OPT_ENDOFOPT, _) => break,
                (OPT_IF_TSRESOL, 1) => {
                    let v = value[0];
                    let units = if v & 0x80 != 0 {
                        1u64.checked_shl(u32::from(v & 0x7f)).filter(|_| v & 0x7f <= 63)
                    } else {
                        10u64.checked_pow(u32::from(v))
                    };
                    iface.units_per_sec = units.ok_or_else(|| {
                        self.input.error(offset, format!("timestamp resolution {v:#04x} is too fine"))
                    })?;
                }
                (OPT_IF_TSOFFSET, 8) => {
                    let v: [u8; 8] = value.try_into().unwrap_or_default();
                    iface.offset_secs = if self.big_endian { i64::from_be_bytes(v) } else { i64::from_le_bytes(v) };
                }
                _ => {}
            }
            at += 4 + olen.div_ceil(4) * 4;
        }
        Ok(iface)
    }

    /// Enhanced and obsolete Packet Blocks: `fixed` is their 20-byte header.
    fn packet(&mut self, len: u32, offset: u64, btype: u32, frame: &mut Frame) -> anyhow::Result<()> {
        let body = len - 12;
        if body < 20 {
            return Err(self.input.error(offset, format!("packet block of {len} bytes is too short")));
        }
        let mut h = [0u8; 20];
        self.need(&mut h, offset, "packet block")?;
        let ifid = if btype == BT_OPB { u32::from(self.u16(&h[0..2])) } else { self.u32(&h[0..4]) };
        let ts = (u64::from(self.u32(&h[4..8])) << 32) | u64::from(self.u32(&h[8..12]));
        let caplen = self.u32(&h[12..16]);
        let orig_len = self.u32(&h[16..20]);
        let iface = *self.interfaces.get(ifid as usize).ok_or_else(|| {
            self.input.error(offset, format!("packet for interface {ifid}, but {} described", self.interfaces.len()))
        })?;
        if caplen > MAX_CAPLEN {
            return Err(self.input.error(offset, format!("packet block claims {caplen} captured bytes (more than {MAX_CAPLEN}): corrupt file")));
        }
        if caplen > body - 20 {
            return Err(self.input.error(offset, format!("captured length {caplen} does not fit in a block of {len} bytes")));
        }
        self.read_data(frame, caplen, offset)?;
        self.skip(u64::from(body - 20 - caplen), offset)?;
        self.trailer(len, offset)?;
        let units = iface.units_per_sec;
        let frac = ts % units;
        frame.ts = Timestamp::new(
            i64::try_from(ts / units).unwrap_or(i64::MAX).saturating_add(iface.offset_secs),
            (u128::from(frac) * 1_000_000_000 / u128::from(units)) as u32,
        );
        frame.orig_len = orig_len;
        frame.linktype = iface.linktype;
        frame.interface = ifid;
        Ok(())
    }

    /// Simple Packet Block: no interface id (always 0), no timestamp, and a
    /// captured length implied by the block length and interface 0's snap length.
    fn simple_packet(&mut self, len: u32, offset: u64, frame: &mut Frame) -> anyhow::Result<()> {
        let body = len - 12;
        if body < 4 {
            return Err(self.input.error(offset, format!("simple packet block of {len} bytes is too short")));
        }
        let Some(iface) = self.interfaces.first().copied() else {
            return Err(self.input.error(offset, "simple packet block before any interface description"));
        };
        let mut h = [0u8; 4];
        self.need(&mut h, offset, "simple packet block")?;
        let orig_len = self.u32(&h);
        let mut caplen = orig_len.min(body - 4);
        if iface.snaplen != 0 {
            caplen = caplen.min(iface.snaplen);
        }
        if caplen > MAX_CAPLEN {
            return Err(self.input.error(offset, format!("simple packet block claims {caplen} captured bytes (more than {MAX_CAPLEN}): corrupt file")));
        }
        self.read_data(frame, caplen, offset)?;
        self.skip(u64::from(body - 4 - caplen), offset)?;
        self.trailer(len, offset)?;
        frame.ts = Timestamp::default();
        frame.orig_len = orig_len;
        frame.linktype = iface.linktype;
        frame.interface = 0;
        Ok(())
    }

    fn read_data(&mut self, frame: &mut Frame, caplen: u32, offset: u64) -> anyhow::Result<()> {
        let got = self.input.read_vec(&mut frame.data, caplen as usize)?;
        if got < caplen as usize {
            return Err(self.input.error(offset, format!("truncated packet block (header says {caplen} bytes, {got} remain)")));
        }
        Ok(())
    }
}

impl Source for PcapngReader {
    fn next_frame(&mut self, frame: &mut Frame) -> anyhow::Result<bool> {
        loop {
            let offset = self.input.pos();
            let mut h = [0u8; 8];
            let n = self.input.fill(&mut h[..4])?;
            if n == 0 {
                return Ok(false);
            }
            if n < 4 {
                return Err(self.input.error(offset, format!("truncated block header ({n} of 8 bytes)")));
            }
            let btype = self.u32(&h[0..4]);
            if btype == BT_SHB {
                self.section_header(offset)?;
                continue;
            }
            self.need(&mut h[4..8], offset, "block header")?;
            let len = self.u32(&h[4..8]);
            if len < 12 || len % 4 != 0 {
                return Err(self.input.error(offset, format!("block length {len} (must be at least 12 and a multiple of 4)")));
            }
            match btype {
                BT_IDB => self.interface(len, offset)?,
                BT_EPB | BT_OPB => {
                    self.packet(len, offset, btype, frame)?;
                    return Ok(true);
                }
                BT_SPB => {
                    self.simple_packet(len, offset, frame)?;
                    return Ok(true);
                }
                _ => {
                    self.skip(u64::from(len) - 12, offset)?;
                    self.trailer(len, offset)?;
                }
            }
        }
    }

    fn nanosecond_precision(&self) -> bool {
        self.nanos
    }
}

#[cfg(test)]
mod test {
    use super::super::test_support::{open_bytes, open_err};
    use super::*;

    /// Builds pcapng blocks in either byte order.
    struct Ng {
        be: bool,
        b: Vec<u8>,
    }

    impl Ng {
        fn new(be: bool) -> Ng {
            let mut ng = Ng { be, b: Vec::new() };
            let mut body = ng.w32(BYTE_ORDER_MAGIC).to_vec();
            body.extend_from_slice(&ng.w16(1));
            body.extend_from_slice(&ng.w16(0));
            body.extend_from_slice(&[0xff; 8]);
            ng.block(BT_SHB, &body);
            ng
        }
        fn w32(&self, v: u32) -> [u8; 4] {
            if self.be { v.to_be_bytes() } else { v.to_le_bytes() }
        }
        fn w16(&self, v: u16) -> [u8; 2] {
            if self.be { v.to_be_bytes() } else { v.to_le_bytes() }
        }
        fn block(&mut self, t: u32, body: &[u8]) -> &mut Ng {
            let len = 12 + body.len().div_ceil(4) * 4;
            let (t, l) = (self.w32(t), self.w32(len as u32));
            self.b.extend_from_slice(&t);
            self.b.extend_from_slice(&l);
            self.b.extend_from_slice(body);
            self.b.resize(self.b.len() + (len - 12 - body.len()), 0);
            self.b.extend_from_slice(&l);
            self
        }
        fn idb(&mut self, linktype: u16, snaplen: u32, tsresol: Option<u8>) -> &mut Ng {
            let mut body = self.w16(linktype).to_vec();
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(&self.w32(snaplen));
            if let Some(r) = tsresol {
                body.extend_from_slice(&self.w16(OPT_IF_TSRESOL));
                body.extend_from_slice(&self.w16(1));
                body.extend_from_slice(&[r, 0, 0, 0]);
                body.extend_from_slice(&[0; 4]);
            }
            self.block(BT_IDB, &body)
        }
        fn epb(&mut self, ifid: u32, ts: u64, data: &[u8]) -> &mut Ng {
            let mut body = Vec::new();
            for v in [ifid, (ts >> 32) as u32, ts as u32, data.len() as u32, data.len() as u32 + 4] {
                body.extend_from_slice(&self.w32(v));
            }
            body.extend_from_slice(data);
            self.block(BT_EPB, &body)
        }
    }

    fn read_all(bytes: &[u8]) -> (Vec<Frame>, Option<String>) {
        let (mut src, _dir) = open_bytes(bytes);
        let mut out = Vec::new();
        let mut f = Frame::default();
        loop {
            match src.next_frame(&mut f) {
                Ok(true) => out.push(f.clone()),
                Ok(false) => return (out, None),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn two_interfaces_with_their_own_resolution() {
        for be in [false, true] {
            let mut ng = Ng::new(be);
            ng.idb(1, 0, None).idb(113, 0, Some(9)).idb(101, 0, Some(0x80 | 20));
            ng.epb(0, 1_500_000_123_456, &[1, 2, 3]);
            ng.epb(1, 1_500_000_123_456_789, &[4; 5]);
            ng.epb(2, (7 << 20) | (1 << 19), &[6]);
            ng.block(0x0bad, &[1, 2, 3, 4]);
            let (frames, err) = read_all(&ng.b);
            assert_eq!(err, None);
            assert_eq!(frames.len(), 3);
            assert_eq!((frames[0].linktype, frames[0].ts), (LinkType::Ethernet, Timestamp::new(1_500_000, 123_456_000)));
            assert_eq!((frames[1].linktype, frames[1].ts), (LinkType::LinuxSll, Timestamp::new(1_500_000, 123_456_789)));
            assert_eq!((frames[2].linktype, frames[2].ts), (LinkType::Raw, Timestamp::new(7, 500_000_000)));
            assert_eq!((frames[1].data.len(), frames[1].orig_len, frames[1].interface), (5, 9, 1));
        }
    }

    #[test]
    fn second_section_resets_interfaces_and_byte_order() {
        let mut a = Ng::new(false);
        a.idb(1, 0, None).epb(0, 1, &[1]);
        let mut b = Ng::new(true);
        b.idb(101, 0, None).epb(0, 2, &[2]);
        let mut bytes = a.b.clone();
        bytes.extend_from_slice(&b.b);
        let (frames, err) = read_all(&bytes);
        assert_eq!(err, None);
        assert_eq!(frames.iter().map(|f| f.linktype).collect::<Vec<_>>(), [LinkType::Ethernet, LinkType::Raw]);
    }

    #[test]
    fn simple_packet_uses_interface_zero_snaplen() {
        let mut ng = Ng::new(false);
        ng.idb(1, 4, None);
        let mut body = ng.w32(10).to_vec();
        body.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        ng.block(BT_SPB, &body);
        let (frames, err) = read_all(&ng.b);
        assert_eq!(err, None);
        assert_eq!((&frames[0].data[..], frames[0].orig_len), (&[1u8, 2, 3, 4][..], 10));
    }

    #[test]
    fn hostile_block_lengths() {
        let mut ng = Ng::new(false);
        ng.idb(1, 0, None).epb(0, 1, &[1, 2, 3, 4]);
        let good = ng.b.len();
        let at = |bytes: &mut Vec<u8>, off: usize, v: u32| bytes[off..off + 4].copy_from_slice(&v.to_le_bytes());
        let epb_at = good - 36;
        for (len, want) in [
            (8, "block length 8 (must be at least 12"),
            (38, "block length 38 (must be at least 12 and a multiple of 4)"),
            (0xffff_fff0, "truncated block"),
        ] {
            let mut bytes = ng.b.clone();
            at(&mut bytes, epb_at + 4, len);
            let (frames, err) = read_all(&bytes);
            assert!(frames.is_empty());
            let err = err.unwrap();
            assert!(err.contains(&format!("offset {epb_at}: {want}")), "{err}");
        }
        let mut bytes = ng.b.clone();
        at(&mut bytes, good - 4, 40);
        assert!(read_all(&bytes).1.unwrap().contains("block length 36 does not match its trailing copy 40"));
        let mut bytes = ng.b.clone();
        at(&mut bytes, epb_at + 20, 0x7fff_ffff);
        assert!(read_all(&bytes).1.unwrap().contains("claims 2147483647 captured bytes"));
        let mut bytes = ng.b.clone();
        at(&mut bytes, epb_at + 8, 3);
        assert!(read_all(&bytes).1.unwrap().contains("packet for interface 3, but 1 described"));
        let (frames, err) = read_all(&ng.b[..good - 2]);
        assert!(frames.is_empty());
        assert!(err.unwrap().contains(&format!("offset {epb_at}: truncated block trailer (2 of 4 bytes)")));
        let (_, err) = read_all(&ng.b[..good - 6]);
        assert!(err.unwrap().contains(&format!("offset {epb_at}: truncated packet block (header says 4 bytes, 2 remain)")));
        assert!(open_err(&ng.b[..10]).contains("offset 0: truncated section header block"));
    }

    proptest::proptest! {
        #[test]
        fn corrupt_files_end_in_an_error_not_a_panic(
            edits in proptest::collection::vec((0usize..200, proptest::prelude::any::<u8>()), 1..8),
            cut in 1usize..200,
            classic in proptest::prelude::any::<bool>(),
        ) {
            let mut bytes = if classic {
                crate::capture::test_support::pcap_bytes(false, true, 1, &[(1, 2, &[1, 2, 3][..], 3), (4, 5, &[6; 40][..], 60)])
            } else {
                let mut ng = Ng::new(false);
                ng.idb(1, 0, Some(9)).epb(0, 5, &[1, 2, 3]).block(0x0bad, &[0; 8]).epb(0, 6, &[4; 33]);
                ng.b
            };
            for (at, b) in edits {
                if let Some(x) = bytes.get_mut(at) {
                    *x = b;
                }
            }
            bytes.truncate(cut);
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("x");
            std::fs::write(&path, &bytes).unwrap();
            if let Ok(mut src) = crate::capture::open(&path) {
                let mut f = Frame::default();
                // Every call consumes input, so this ends.
                for _ in 0..1000 {
                    match src.next_frame(&mut f) {
                        Ok(true) => proptest::prop_assert!(f.data.len() <= super::MAX_CAPLEN as usize),
                        Ok(false) | Err(_) => break,
                    }
                }
            }
        }
    }
}
