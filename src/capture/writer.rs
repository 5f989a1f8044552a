//! Classic pcap output (`read -w`, the simulator's tap, the lab's capture).
//! Classic pcap rather than pcapng because every tool reads it, and the
//! simulator's frames share one link type.

use super::{Frame, LinkType, Timestamp};
use std::io::{self, Write};

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;

/// Writes frames in the host's byte order, as libpcap does.
pub struct PcapWriter<W: Write> {
    out: W,
    nanos: bool,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header. `nanos` picks nanosecond timestamps (the
    /// simulator's clock has microseconds, so it uses `false`).
    pub fn new(mut out: W, linktype: LinkType, snaplen: u32, nanos: bool) -> io::Result<Self> {
        let magic = if nanos { MAGIC_NANOS } else { MAGIC_MICROS };
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&magic.to_ne_bytes());
        h[4..6].copy_from_slice(&2u16.to_ne_bytes());
        h[6..8].copy_from_slice(&4u16.to_ne_bytes());
        // thiszone and sigfigs stay 0.
        h[16..20].copy_from_slice(&snaplen.to_ne_bytes());
        h[20..24].copy_from_slice(&linktype.to_u32().to_ne_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out, nanos })
    }

    pub fn write(&mut self, ts: Timestamp, orig_len: u32, data: &[u8]) -> io::Result<()> {
        let frac = if self.nanos { ts.nanos } else { ts.nanos / 1000 };
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&(ts.secs as u32).to_ne_bytes());
        h[4..8].copy_from_slice(&frac.to_ne_bytes());
        h[8..12].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        h[12..16].copy_from_slice(&orig_len.max(data.len() as u32).to_ne_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(data)
    }

    pub fn write_frame(&mut self, f: &Frame) -> io::Result<()> {
        self.write(f.ts, f.orig_len, &f.data)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn header_and_record_layout() {
        let mut w = PcapWriter::new(Vec::new(), LinkType::Ethernet, 65535, false).unwrap();
        w.write(Timestamp::new(1_700_000_000, 123_456_789), 60, &[1, 2, 3]).unwrap();
        let b = w.into_inner();
        assert_eq!(b.len(), 24 + 16 + 3);
        assert_eq!(u32::from_ne_bytes(b[0..4].try_into().unwrap()), MAGIC_MICROS);
        assert_eq!(u32::from_ne_bytes(b[20..24].try_into().unwrap()), 1);
        assert_eq!(u32::from_ne_bytes(b[28..32].try_into().unwrap()), 123_456);
        assert_eq!(u32::from_ne_bytes(b[32..36].try_into().unwrap()), 3);
        assert_eq!(u32::from_ne_bytes(b[36..40].try_into().unwrap()), 60);
        assert_eq!(&b[40..], &[1, 2, 3]);
    }
}
