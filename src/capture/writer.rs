//! Classic pcap output (`read -w`, the simulator's tap, the lab's capture).
//! Classic pcap rather than pcapng because every tool reads it, and the
//! simulator's frames share one link type.

use super::{Frame, LinkType, Timestamp};
use anyhow::Context;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const MAGIC_MICROS: u32 = 0xa1b2_c3d4;
const MAGIC_NANOS: u32 = 0xa1b2_3c4d;

/// Writes frames in the host's byte order, as libpcap does. The file header
/// and each record go to `out` in one `write_all` each, which is what lets
/// [`RecordFile`] keep whole records.
pub struct PcapWriter<W: Write> {
    out: W,
    nanos: bool,
    record: Vec<u8>,
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
        Ok(PcapWriter { out, nanos, record: Vec::new() })
    }

    pub fn write(&mut self, ts: Timestamp, orig_len: u32, data: &[u8]) -> io::Result<()> {
        let frac = if self.nanos { ts.nanos } else { ts.nanos / 1000 };
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&(ts.secs as u32).to_ne_bytes());
        h[4..8].copy_from_slice(&frac.to_ne_bytes());
        h[8..12].copy_from_slice(&(data.len() as u32).to_ne_bytes());
        h[12..16].copy_from_slice(&orig_len.max(data.len() as u32).to_ne_bytes());
        self.record.clear();
        self.record.extend_from_slice(&h);
        self.record.extend_from_slice(data);
        self.out.write_all(&self.record)
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

/// Creates the pcap file `path` (`read -w`, `live -w`, `sim -w`, `lab -w`).
pub fn create(path: &Path, linktype: LinkType, snaplen: u32, nanos: bool) -> anyhow::Result<PcapWriter<RecordFile>> {
    let file = File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
    PcapWriter::new(RecordFile::new(file, path), linktype, snaplen, nanos).with_context(|| path.display().to_string())
}

/// A buffered file that keeps whole writes: when the disk fills (or any
/// write fails) part-way through a flush, the file is cut back to the end of
/// the last write that reached it whole, so a pcap written through it stays
/// readable up to its last complete record. Errors name the file.
pub struct RecordFile {
    file: File,
    path: PathBuf,
    buf: Vec<u8>,
    /// Where each write held in `buf` ends.
    ends: Vec<usize>,
    /// Bytes of the file already written, all of them whole writes.
    kept: u64,
    failed: bool,
}

impl RecordFile {
    const CAPACITY: usize = 1 << 20;

    pub fn new(file: File, path: &Path) -> RecordFile {
        RecordFile { file, path: path.to_path_buf(), buf: Vec::new(), ends: Vec::new(), kept: 0, failed: false }
    }

    fn error(&self, e: io::Error) -> io::Error {
        io::Error::new(e.kind(), format!("{}: {e}", self.path.display()))
    }

    fn drain(&mut self) -> io::Result<()> {
        if self.failed {
            return Err(self.error(io::Error::other("an earlier write failed")));
        }
        let mut done = 0;
        while done < self.buf.len() {
            match self.file.write(&self.buf[done..]) {
                Ok(0) => return self.fail(done, io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.fail(done, e),
            }
        }
        self.kept += done as u64;
        self.buf.clear();
        self.ends.clear();
        Ok(())
    }

    /// Cuts the file back to the last whole write among the `done` bytes
    /// that reached it (a device such as /dev/full cannot be cut: nothing
    /// reached it).
    fn fail(&mut self, done: usize, e: io::Error) -> io::Result<()> {
        self.failed = true;
        let whole = self.ends.iter().rev().find(|&&end| end <= done).copied().unwrap_or(0);
        let _ = self.file.set_len(self.kept + whole as u64);
        self.buf = Vec::new();
        self.ends = Vec::new();
        Err(self.error(e))
    }
}

impl Write for RecordFile {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.failed {
            return Err(self.error(io::Error::other("an earlier write failed")));
        }
        self.buf.extend_from_slice(b);
        self.ends.push(self.buf.len());
        if self.buf.len() >= Self::CAPACITY {
            self.drain()?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain()?;
        self.file.flush().map_err(|e| self.error(e))
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

    #[test]
    fn a_full_device_is_an_error_naming_the_file() {
        let path = Path::new("/dev/full");
        let mut w = create(path, LinkType::Ethernet, 65535, false).unwrap();
        w.write(Timestamp::new(1, 0), 3, &[1, 2, 3]).unwrap();
        let e = w.flush().unwrap_err().to_string();
        assert!(e.starts_with("/dev/full: No space left on device"), "{e}");
        // The error sticks: nothing more is written after a failure.
        assert!(w.write(Timestamp::new(2, 0), 3, &[1, 2, 3]).unwrap_err().to_string().contains("earlier write failed"));
    }

    /// A file whose writes stop after `room` bytes, as a full disk's do.
    #[test]
    fn a_write_cut_short_leaves_whole_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.pcap");
        let mut rf = RecordFile::new(File::create(&path).unwrap(), &path);
        rf.write_all(&[1; 24]).unwrap();
        rf.write_all(&[2; 20]).unwrap();
        rf.write_all(&[3; 20]).unwrap();
        // As if the device had taken 30 bytes, then refused the rest.
        rf.file.write_all(&rf.buf[..30]).unwrap();
        let e = rf.fail(30, io::ErrorKind::StorageFull.into()).unwrap_err();
        assert!(e.to_string().starts_with(&format!("{}: ", path.display())), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), [1; 24]);
    }
}
