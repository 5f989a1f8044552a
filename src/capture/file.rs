//! Capture files: classic pcap and pcapng, told apart by their first four
//! bytes. Both readers stream through one large buffer and reuse the
//! caller's [`Frame`], so memory stays bounded whatever the file size.
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

/// A buffered file that knows its name and how far it has read, so every
/// error can say where it happened.
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

    /// The next `n` bytes when they are already buffered (consumed by
    /// [`Input::consume`]): lets a reader parse a record in place.
    pub fn peek(&mut self, n: usize) -> anyhow::Result<Option<&[u8]>> {
        let avail = self.r.fill_buf().map_err(|e| io_error(&self.name, self.pos, e))?;
        Ok(avail.get(..n))
    }

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
