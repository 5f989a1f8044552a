//! Capture files: classic pcap and pcapng, told apart by their first four
//! bytes. Both readers stream through one large buffer and reuse the
//! caller's [`Frame`](super::Frame), so memory stays bounded whatever the file size.
//!
//! A broken file yields one error naming the file and the byte offset of the
//! record or block at fault; frames before it have already been returned, so
//! callers print them first, as tcpdump does.

use super::{pcap::PcapReader, pcapng::PcapngReader, Source};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

/// The largest captured length accepted for one packet: libpcap's
/// `MAXIMUM_SNAPLEN`. A record claiming more is corrupt, and refusing it
/// means a hostile length never turns into a large allocation.
pub const MAX_CAPLEN: u32 = 262_144;

/// Files are read, not mapped: the kernel's copy into a buffer this size
/// leaves each record in the core's cache for its parsing, where reading a
/// mapping takes a page fault per 64 KiB and a cache miss per record (on
/// `analyze`, about a tenth of the time). Larger buffers outgrow the cache.
const READ_BUFFER: usize = 128 << 10;

/// Why a capture file cannot be read further, and where.
#[derive(Debug, thiserror::Error)]
#[error("{path}: offset {offset}: {what}")]
pub struct FormatError {
    pub path: String,
    pub offset: u64,
    pub what: String,
}

/// Opens a capture file, classic pcap or pcapng, detected from its content.
pub fn open(path: &Path) -> anyhow::Result<Box<dyn Source>> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let mut input = Input::new(BufReader::with_capacity(READ_BUFFER, file), name);
    let mut magic = [0u8; 4];
    let n = input.fill(&mut magic)?;
    if n < 4 {
        let what = if n == 0 { "empty file, not a capture".to_string() } else { format!("file of {n} bytes, not a capture") };
        return Err(input.error(0, what));
    }
    if magic == super::pcapng::SHB_MAGIC {
        Ok(Box::new(PcapngReader::new(input)?))
    } else {
        Ok(Box::new(PcapReader::new(input, magic)?))
    }
}

fn io_error(name: &str, pos: u64, e: io::Error) -> anyhow::Error {
    anyhow::anyhow!("{name}: offset {pos}: {e}")
}

/// A file that knows its name and how far it has read, so every error can
/// say where it happened.
pub struct Input {
    r: BufReader<File>,
    pos: u64,
    name: String,
}

impl Input {
    pub(crate) fn new(r: BufReader<File>, name: String) -> Input {
        Input { r, pos: 0, name }
    }

    /// Byte offset of the next unread byte.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    pub fn error(&self, offset: u64, what: impl Into<String>) -> anyhow::Error {
        FormatError { path: self.name.clone(), offset, what: what.into() }.into()
    }

    /// Reads until `buf` is full or the file ends; returns how many bytes came.
    pub fn fill(&mut self, buf: &mut [u8]) -> anyhow::Result<usize> {
        // The common case: everything is already in the buffer.
        let avail = self.r.fill_buf().map_err(|e| io_error(&self.name, self.pos, e))?;
        if avail.len() >= buf.len() {
            buf.copy_from_slice(&avail[..buf.len()]);
            self.r.consume(buf.len());
            self.pos += buf.len() as u64;
            return Ok(buf.len());
        }
        let mut got = 0;
        while got < buf.len() {
            match self.r.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(&self.name, self.pos, e)),
            }
        }
        self.pos += got as u64;
        Ok(got)
    }

    /// What is buffered now, without reading: lets a reader parse a record
    /// in place, then [`Input::consume`] it.
    #[inline]
    pub fn buffered(&self) -> &[u8] {
        self.r.buffer()
    }

    #[inline]
    pub fn consume(&mut self, n: usize) {
        self.r.consume(n);
        self.pos += n as u64;
    }

    /// Replaces `v`'s content with the next `n` bytes (fewer at the end of
    /// the file). `v` grows with the data that actually arrives, never to a
    /// length a header merely claims.
    pub fn read_vec(&mut self, v: &mut Vec<u8>, n: usize) -> anyhow::Result<usize> {
        v.clear();
        let avail = self.r.fill_buf().map_err(|e| io_error(&self.name, self.pos, e))?;
        if avail.len() >= n {
            v.extend_from_slice(&avail[..n]);
            self.r.consume(n);
        } else {
            (&mut self.r).take(n as u64).read_to_end(v).map_err(|e| io_error(&self.name, self.pos, e))?;
        }
        self.pos += v.len() as u64;
        Ok(v.len())
    }

    /// Skips `n` bytes; returns how many there were before the end of the file.
    pub fn skip(&mut self, n: u64) -> anyhow::Result<u64> {
        let got = io::copy(&mut (&mut self.r).take(n), &mut io::sink()).map_err(|e| io_error(&self.name, self.pos, e))?;
        self.pos += got;
        Ok(got)
    }
}

#[cfg(test)]
mod test {
    use super::super::test_support::pcap_bytes;
    use super::super::Frame;
    use super::*;

    /// `n` records of `len` bytes each carrying its number.
    fn capture(n: u32, len: usize) -> Vec<u8> {
        let data: Vec<Vec<u8>> = (0..n)
            .map(|i| {
                let mut d = vec![0xab; len];
                d[..4].copy_from_slice(&i.to_be_bytes());
                d
            })
            .collect();
        let recs: Vec<(u32, u32, &[u8], u32)> = data.iter().map(|d| (1, 0, d.as_slice(), len as u32)).collect();
        pcap_bytes(false, false, 1, &recs)
    }

    fn numbers(mut src: Box<dyn Source>) -> Vec<u32> {
        let (mut f, mut out) = (Frame::default(), Vec::new());
        while src.next_frame(&mut f).unwrap() {
            out.push(u32::from_be_bytes(f.data[..4].try_into().unwrap()));
        }
        out
    }

    #[test]
    fn records_across_buffer_ends_read_whole_copied_or_lent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.pcap");
        // 997-byte records: many straddle the end of a buffer.
        let n = (5 * READ_BUFFER / 997) as u32;
        std::fs::write(&path, capture(n, 997 - 16)).unwrap();
        assert_eq!(numbers(open(&path).unwrap()), (0..n).collect::<Vec<_>>());
        let (mut src, mut scratch, mut lent) = (open(&path).unwrap(), Frame::default(), Vec::new());
        while src.each_ref(&mut scratch, &mut |f| {
            assert_eq!(f.data.len(), 997 - 16);
            lent.push(u32::from_be_bytes(f.data[..4].try_into().unwrap()));
            true
        })
        .unwrap()
        {}
        assert_eq!(lent, (0..n).collect::<Vec<_>>());
    }

    #[test]
    fn a_pipe_is_read_through_a_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let bytes = capture(5000, 100);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, bytes).unwrap())
        };
        let src = open(&fifo).unwrap();
        assert_eq!(numbers(src), (0..5000).collect::<Vec<_>>());
        writer.join().unwrap();
    }
}
