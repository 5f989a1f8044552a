//! Packet formats. VRRP is ours (smoltcp style: a view with named field
//! ranges plus a `Repr`); Ethernet, IP, ARP, TCP and UDP come from etherparse.
//!
//! Contract, as in smoltcp: once a view's `check_len` has passed, no accessor
//! panics, whatever the bytes say.

pub mod arp;
pub mod checksum;
pub mod decode;
pub mod layout;
pub mod vrrp;

/// A byte range inside a header.
pub type Field = core::ops::Range<usize>;

/// The packet is too short or malformed. Rich errors are a UI concern; the
/// parse path stays small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error;

pub type Result<T> = core::result::Result<T, Error>;

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("truncated or malformed packet")
    }
}

impl std::error::Error for Error {}
