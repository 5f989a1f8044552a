//! Where frames come from and where they go: capture files, live
//! interfaces and the simulator all produce [`Frame`]s.

use std::fmt;

#[cfg(feature = "libpcap")]
pub mod bpf;
pub mod file;
pub mod live;
pub mod pcap;
pub mod pcapng;
pub mod readahead;
pub mod writer;

pub use file::open;

/// A capture timestamp with nanosecond precision (pcap's microsecond files
/// are scaled up on reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    pub secs: i64,
    pub nanos: u32,
}

impl Timestamp {
    pub const fn new(secs: i64, nanos: u32) -> Timestamp {
        Timestamp { secs, nanos }
    }
    pub fn from_micros(us: i64) -> Timestamp {
        Timestamp { secs: us.div_euclid(1_000_000), nanos: (us.rem_euclid(1_000_000) * 1000) as u32 }
    }
    /// Saturates: a pcapng timestamp can claim any 64-bit second.
    pub fn as_micros(self) -> i64 {
        self.secs.saturating_mul(1_000_000).saturating_add(i64::from(self.nanos / 1000))
    }
    pub fn as_nanos(self) -> i128 {
        i128::from(self.secs) * 1_000_000_000 + i128::from(self.nanos)
    }
    pub fn as_secs_f64(self) -> f64 {
        self.secs as f64 + f64::from(self.nanos) / 1e9
    }
}

/// The link-layer header type of a capture (the pcap LINKTYPE_ numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LinkType {
    #[default]
    Ethernet,
    /// LINKTYPE_RAW: IPv4 or IPv6 told apart by the version nibble.
    Raw,
    Ipv4,
    Ipv6,
    /// Linux cooked capture v1.
    LinuxSll,
    /// Linux cooked capture v2.
    LinuxSll2,
    Other(u32),
}

impl LinkType {
    pub fn from_u32(v: u32) -> LinkType {
        match v {
            1 => LinkType::Ethernet,
            101 | 12 | 14 => LinkType::Raw,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            n => LinkType::Other(n),
        }
    }
    pub fn to_u32(self) -> u32 {
        match self {
            LinkType::Ethernet => 1,
            LinkType::Raw => 101,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll => 113,
            LinkType::LinuxSll2 => 276,
            LinkType::Other(n) => n,
        }
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkType::Ethernet => f.write_str("EN10MB (Ethernet)"),
            LinkType::Raw => f.write_str("RAW (Raw IP)"),
            LinkType::Ipv4 => f.write_str("IPV4 (Raw IPv4)"),
            LinkType::Ipv6 => f.write_str("IPV6 (Raw IPv6)"),
            LinkType::LinuxSll => f.write_str("LINUX_SLL (Linux cooked v1)"),
            LinkType::LinuxSll2 => f.write_str("LINUX_SLL2 (Linux cooked v2)"),
            LinkType::Other(n) => write!(f, "linktype {n}"),
        }
    }
}

/// One captured frame. Sources reuse one `Frame` between reads so that
/// reading a file allocates nothing per packet.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frame {
    pub ts: Timestamp,
    /// Length on the wire; `data.len()` is the captured length.
    pub orig_len: u32,
    pub linktype: LinkType,
    /// pcapng interface index (0 for classic pcap).
    pub interface: u32,
    pub data: Vec<u8>,
}

impl Frame {
    pub fn view(&self) -> FrameRef<'_> {
        FrameRef { ts: self.ts, orig_len: self.orig_len, linktype: self.linktype, interface: self.interface, data: &self.data }
    }
}

/// A frame borrowed from wherever it was read: a reader that only looks at
/// each frame once (the analyzer) need not copy it out of the file.
#[derive(Debug, Clone, Copy)]
pub struct FrameRef<'a> {
    pub ts: Timestamp,
    pub orig_len: u32,
    pub linktype: LinkType,
    pub interface: u32,
    pub data: &'a [u8],
}

/// Anything that yields frames in order: a capture file, a live interface.
pub trait Source {
    /// Reads the next frame into `frame` (reusing its buffer). Returns
    /// `Ok(false)` at the end of the input.
    fn next_frame(&mut self, frame: &mut Frame) -> anyhow::Result<bool>;

    /// Calls `each` on the next frames until it returns false (then
    /// `Ok(true)`) or the input ends (`Ok(false)`), each borrowed from the
    /// source's own buffer where it can be (copying nothing), else read into
    /// `scratch`. For readers that look at each frame once: a file's records
    /// are walked in one loop, not a call and a returned frame each.
    fn each_ref(&mut self, scratch: &mut Frame, each: &mut dyn FnMut(&FrameRef) -> bool) -> anyhow::Result<bool> {
        while self.next_frame(scratch)? {
            if !each(&scratch.view()) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The classic pcap reader behind this source, if that is what it is:
    /// callers that walk every frame of a file take its inlined walk
    /// ([`pcap::PcapReader::each_ref_with`]).
    fn as_pcap(&mut self) -> Option<&mut pcap::PcapReader> {
        None
    }

    /// Whether timestamps are finer than microseconds (so `-w` keeps them).
    fn nanosecond_precision(&self) -> bool {
        false
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Capture files built in memory for the readers' tests.
    use super::Source;

    /// A classic pcap: `(secs, fraction, data, orig_len)` records.
    pub fn pcap_bytes(big_endian: bool, nanos: bool, linktype: u32, records: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
        let w32 = |v: u32| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        let w16 = |v: u16| if big_endian { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut b = Vec::new();
        b.extend_from_slice(&w32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }));
        b.extend_from_slice(&w16(2));
        b.extend_from_slice(&w16(4));
        b.extend_from_slice(&[0; 8]);
        b.extend_from_slice(&w32(65535));
        b.extend_from_slice(&w32(linktype));
        for (secs, frac, data, orig) in records {
            for v in [*secs, *frac, data.len() as u32, *orig] {
                b.extend_from_slice(&w32(v));
            }
            b.extend_from_slice(data);
        }
        b
    }

    pub fn open_bytes(bytes: &[u8]) -> (Box<dyn Source>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pcap");
        std::fs::write(&path, bytes).unwrap();
        (super::open(&path).unwrap(), dir)
    }

    pub fn open_err(bytes: &[u8]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.pcap");
        std::fs::write(&path, bytes).unwrap();
        match super::open(&path) {
            Ok(_) => panic!("opened"),
            Err(e) => e.to_string(),
        }
    }
}
