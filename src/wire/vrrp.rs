//! VRRP version 2 (RFC 3768) and version 3 (RFC 5798 / RFC 9568) adverts.
//!
//! `Packet` is a zero-copy view with named field ranges (the ranges also drive
//! the `-V` tree and the TUI's hex highlighting); `Repr` is the validated,
//! owned form that parses and emits.
//!
//! ```text
//!  0               1               2               3
//! |Version| Type  | Virtual Rtr ID|   Priority    | Count IPvX Addr|
//! v2: | Auth Type     |   Adver Int   |          Checksum             |
//! v3: |(rsvd)|  Max Adver Int (12)    |          Checksum             |
//! |                 IPvX address(es) ...                              |
//! v2: |                 Authentication Data (8 bytes)                     |
//! ```

use super::checksum;
use super::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP protocol number of VRRP.
pub const PROTOCOL: u8 = 112;
/// IPv4 multicast group of VRRP (RFC 5798 §5.1.1.2).
pub const MCAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
/// IPv6 multicast group of VRRP (RFC 5798 §5.1.2.2).
pub const MCAST_V6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
/// Length of the v2 authentication data trailer.
pub const AUTH_DATA_LEN: usize = 8;

pub mod field {
    use crate::wire::Field;
    pub const VER_TYPE: usize = 0;
    pub const VRID: usize = 1;
    pub const PRIORITY: usize = 2;
    pub const COUNT: usize = 3;
    /// v2 only.
    pub const AUTH_TYPE: usize = 4;
    /// v2 only: whole seconds.
    pub const ADVER_INT: usize = 5;
    /// v3 only: 4 reserved bits, then 12 bits of centiseconds.
    pub const MAX_ADVER_INT: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
    pub const ADDRS_START: usize = 8;
    /// The `i`-th address, `width` bytes each (4 or 16).
    pub const fn addr(i: usize, width: usize) -> Field {
        ADDRS_START + i * width..ADDRS_START + (i + 1) * width
    }
    /// v2 only: the 8 bytes of authentication data after `count` addresses
    /// of `width` bytes (4 by the RFC; Wireshark follows the IP header's family).
    pub const fn auth_data(count: usize, width: usize) -> Field {
        addr(count, width).start..addr(count, width).start + super::AUTH_DATA_LEN
    }
}

/// Length of the fixed header, before the addresses.
pub const HEADER_LEN: usize = field::ADDRS_START;

/// Authentication types of VRRPv2 (RFC 2338 §5.3.6; 254 is Cisco's MD5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthType {
    None,
    Simple,
    Ah,
    CiscoMd5,
    Unknown(u8),
}

impl From<u8> for AuthType {
    fn from(v: u8) -> Self {
        match v {
            0 => AuthType::None,
            1 => AuthType::Simple,
            2 => AuthType::Ah,
            254 => AuthType::CiscoMd5,
            n => AuthType::Unknown(n),
        }
    }
}

impl From<AuthType> for u8 {
    fn from(v: AuthType) -> u8 {
        match v {
            AuthType::None => 0,
            AuthType::Simple => 1,
            AuthType::Ah => 2,
            AuthType::CiscoMd5 => 254,
            AuthType::Unknown(n) => n,
        }
    }
}

/// The address family of the IP header that carried a packet; VRRPv3's
/// addresses and pseudo-header depend on it, VRRPv2 is IPv4 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn addr_len(self) -> usize {
        match self {
            Family::Ipv4 => 4,
            Family::Ipv6 => 16,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        }
    }
}

/// Which checksum computation a received packet matched. Several exist in the
/// field, and a VRID whose routers disagree on it is a classic split brain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumVariant {
    /// RFC: v2 over the message; v3 with the IPv4/IPv6 pseudo-header.
    Rfc,
    /// v3 over IPv4 without a pseudo-header (Cisco, keepalived `v3_checksum_as_v2`).
    V3AsV2,
    /// v3 over IPv4 with 224.0.0.18 in the pseudo-header although sent unicast
    /// (keepalived before PR #929, `old_unicast_checksum`).
    LegacyUnicast,
}

impl ChecksumVariant {
    pub fn describe(self) -> &'static str {
        match self {
            ChecksumVariant::Rfc => "RFC",
            ChecksumVariant::V3AsV2 => "v3 without pseudo-header (Cisco / v3_checksum_as_v2)",
            ChecksumVariant::LegacyUnicast => {
                "v3 unicast with 224.0.0.18 in the pseudo-header (keepalived old_unicast_checksum)"
            }
        }
    }
}

/// A read-only or read-write view of a VRRP message.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps `buffer` after checking that the fixed header fits. The address
    /// list is checked separately (`addrs_fit`) because tcpdump prints the
    /// header of a packet whose addresses are cut off.
    pub fn new_checked(buffer: T) -> Result<Packet<T>> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(Error)
        } else {
            Ok(())
        }
    }

    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    pub fn version(&self) -> u8 {
        self.b()[field::VER_TYPE] >> 4
    }
    pub fn msg_type(&self) -> u8 {
        self.b()[field::VER_TYPE] & 0x0f
    }
    pub fn vrid(&self) -> u8 {
        self.b()[field::VRID]
    }
    pub fn priority(&self) -> u8 {
        self.b()[field::PRIORITY]
    }
    pub fn addr_count(&self) -> u8 {
        self.b()[field::COUNT]
    }
    /// v2 only.
    pub fn auth_type(&self) -> AuthType {
        self.b()[field::AUTH_TYPE].into()
    }
    /// v2 only, seconds.
    pub fn adver_int(&self) -> u8 {
        self.b()[field::ADVER_INT]
    }
    /// v3 only: the four bits that must be zero.
    pub fn reserved(&self) -> u8 {
        self.b()[field::MAX_ADVER_INT.start] >> 4
    }
    /// v3 only, centiseconds.
    pub fn max_adver_int(&self) -> u16 {
        let r = field::MAX_ADVER_INT;
        u16::from_be_bytes([self.b()[r.start], self.b()[r.start + 1]]) & 0x0fff
    }
    pub fn checksum(&self) -> u16 {
        let r = field::CHECKSUM;
        u16::from_be_bytes([self.b()[r.start], self.b()[r.start + 1]])
    }

    /// Length the header claims: the fixed part, the addresses and (v2) auth data.
    pub fn claimed_len(&self, family: Family) -> usize {
        let addrs = HEADER_LEN + usize::from(self.addr_count()) * family.addr_len();
        if self.version() == 2 {
            addrs + AUTH_DATA_LEN
        } else {
            addrs
        }
    }

    /// Whether every address the count announces is inside the buffer.
    pub fn addrs_fit(&self, family: Family) -> bool {
        self.b().len() >= HEADER_LEN + usize::from(self.addr_count()) * family.addr_len()
    }

    /// The addresses the count announces, as many as the buffer holds: in
    /// one pass, for [`Repr::parse_into`], which runs for every advert.
    pub fn addrs(&self, family: Family) -> impl Iterator<Item = IpAddr> + '_ {
        let len = family.addr_len();
        let end = field::addr(usize::from(self.addr_count()), len).start.min(self.b().len());
        let bytes = self.b().get(field::ADDRS_START..end).unwrap_or(&[]);
        bytes.chunks_exact(len).map(move |c| match family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])),
            Family::Ipv6 => {
                let mut a = [0u8; 16];
                a.copy_from_slice(c);
                IpAddr::V6(Ipv6Addr::from(a))
            }
        })
    }

    /// The `i`-th address; `None` when it lies past the end of the buffer.
    pub fn addr(&self, i: usize, family: Family) -> Option<IpAddr> {
        let bytes = self.b().get(field::addr(i, family.addr_len()))?;
        Some(match family {
            Family::Ipv4 => IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?)),
            Family::Ipv6 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        })
    }

    /// The v2 auth data after the IPv4 addresses, when it is all there.
    pub fn auth_data(&self) -> Option<[u8; AUTH_DATA_LEN]> {
        self.b().get(field::auth_data(usize::from(self.addr_count()), 4))?.try_into().ok()
    }

    /// Sum of the bytes a checksum covers: the message, padded with nothing.
    fn body_sum(&self) -> u32 {
        checksum::sum(self.b())
    }

    /// Checks the checksum as the sender might have computed it over this
    /// buffer (which must be exactly the VRRP message: the IP payload).
    /// Returns which variant matched, if any. Inlined: the analyzer checks
    /// every advert, and the addresses then need not be put in memory.
    #[inline(always)]
    pub fn verify_checksum(&self, src: IpAddr, dst: IpAddr) -> Option<ChecksumVariant> {
        let body = self.body_sum();
        let len = self.b().len() as u32;
        if self.version() != 3 {
            return (checksum::combine(&[body]) == 0xffff).then_some(ChecksumVariant::Rfc);
        }
        if checksum::combine(&[body, checksum::pseudo_header(src, dst, PROTOCOL, len)]) == 0xffff {
            return Some(ChecksumVariant::Rfc);
        }
        if src.is_ipv4() {
            if checksum::combine(&[body]) == 0xffff {
                return Some(ChecksumVariant::V3AsV2);
            }
            let legacy = checksum::pseudo_header(src, IpAddr::V4(MCAST_V4), PROTOCOL, len);
            if dst != IpAddr::V4(MCAST_V4) && checksum::combine(&[body, legacy]) == 0xffff {
                return Some(ChecksumVariant::LegacyUnicast);
            }
        }
        None
    }

    /// The checksum the RFC asks for, for this buffer between `src` and `dst`:
    /// what a wrong checksum should have been.
    pub fn expected_checksum(&self, src: IpAddr, dst: IpAddr) -> u16 {
        let r = field::CHECKSUM;
        let b = self.b();
        let stored = checksum::sum(&b[r.clone()]);
        // Remove the stored checksum from the sum by adding its complement.
        let without = checksum::combine(&[self.body_sum(), !stored & 0xffff]);
        let mut parts = vec![u32::from(without)];
        if self.version() == 3 {
            parts.push(checksum::pseudo_header(src, dst, PROTOCOL, b.len() as u32));
        }
        checksum::finish(&parts)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
    pub fn set_version_type(&mut self, version: u8, msg_type: u8) {
        self.bm()[field::VER_TYPE] = (version << 4) | (msg_type & 0x0f);
    }
    pub fn set_vrid(&mut self, v: u8) {
        self.bm()[field::VRID] = v;
    }
    pub fn set_priority(&mut self, v: u8) {
        self.bm()[field::PRIORITY] = v;
    }
    pub fn set_addr_count(&mut self, v: u8) {
        self.bm()[field::COUNT] = v;
    }
    pub fn set_auth_type(&mut self, v: AuthType) {
        self.bm()[field::AUTH_TYPE] = v.into();
    }
    pub fn set_adver_int(&mut self, v: u8) {
        self.bm()[field::ADVER_INT] = v;
    }
    pub fn set_max_adver_int(&mut self, reserved: u8, centis: u16) {
        let v = (u16::from(reserved & 0x0f) << 12) | (centis & 0x0fff);
        self.bm()[field::MAX_ADVER_INT].copy_from_slice(&v.to_be_bytes());
    }
    pub fn set_checksum(&mut self, v: u16) {
        self.bm()[field::CHECKSUM].copy_from_slice(&v.to_be_bytes());
    }
    pub fn set_addr(&mut self, i: usize, addr: IpAddr) {
        match addr {
            IpAddr::V4(a) => self.bm()[field::addr(i, 4)].copy_from_slice(&a.octets()),
            IpAddr::V6(a) => self.bm()[field::addr(i, 16)].copy_from_slice(&a.octets()),
        }
    }

    /// Fills in the checksum the RFC asks for (`variant` picks a non-RFC one).
    pub fn fill_checksum(&mut self, src: IpAddr, dst: IpAddr, variant: ChecksumVariant) {
        self.set_checksum(0);
        let len = self.b().len() as u32;
        let mut parts = vec![checksum::sum(self.b())];
        if self.version() == 3 {
            match variant {
                ChecksumVariant::Rfc => parts.push(checksum::pseudo_header(src, dst, PROTOCOL, len)),
                ChecksumVariant::V3AsV2 => {}
                ChecksumVariant::LegacyUnicast => {
                    parts.push(checksum::pseudo_header(src, IpAddr::V4(MCAST_V4), PROTOCOL, len))
                }
            }
        }
        let c = checksum::finish(&parts);
        self.set_checksum(c);
    }
}

/// The advert interval, in the unit its version carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    /// v2: whole seconds.
    Seconds(u8),
    /// v3: centiseconds, 12 bits.
    Centis(u16),
}

impl Interval {
    /// The interval in microseconds, as keepalived keeps its timers.
    pub fn micros(self) -> u64 {
        match self {
            Interval::Seconds(s) => u64::from(s) * 1_000_000,
            Interval::Centis(c) => u64::from(c) * 10_000,
        }
    }
}

/// Version-specific part of an advert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Auth {
    /// v3 has no authentication.
    V3,
    /// v2: the auth type and, when present, the 8 bytes after the addresses
    /// (PcapPlusPlus's sample and some stacks omit them).
    V2 { auth_type: AuthType, data: Option<[u8; AUTH_DATA_LEN]> },
}

/// A parsed VRRP advert.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Repr {
    pub msg_type: u8,
    pub vrid: u8,
    pub priority: u8,
    pub interval: Interval,
    pub auth: Auth,
    pub addrs: Vec<IpAddr>,
}

impl Clone for Repr {
    fn clone(&self) -> Repr {
        Repr { addrs: self.addrs.clone(), ..*self }
    }

    /// Into the addresses' buffer, which the derived one would reallocate:
    /// the analyzer copies adverts it has read before into reused `Repr`s.
    fn clone_from(&mut self, source: &Repr) {
        let Repr { msg_type, vrid, priority, interval, auth, ref addrs } = *source;
        (self.msg_type, self.vrid, self.priority, self.interval, self.auth) = (msg_type, vrid, priority, interval, auth);
        // One by one: adverts carry a few addresses, fewer than a call to
        // copy them in bulk costs.
        self.addrs.clear();
        for &a in addrs {
            self.addrs.push(a);
        }
    }
}

/// An empty v3 advert: the buffer [`Repr::parse_into`] fills.
impl Default for Repr {
    fn default() -> Repr {
        Repr {
            msg_type: 1,
            vrid: 0,
            priority: 0,
            interval: Interval::Centis(0),
            auth: Auth::V3,
            addrs: Vec::new(),
        }
    }
}

impl Repr {
    /// Parses a whole VRRP message carried over `family`. Fails on versions
    /// other than 2 and 3, on v2 over IPv6, and when the addresses the count
    /// announces are not all present.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>, family: Family) -> Result<Repr> {
        let mut repr = Repr::default();
        repr.parse_into(packet, family)?;
        Ok(repr)
    }

    /// [`Repr::parse`] into `self`, reusing its address buffer: the
    /// analyzer parses millions of adverts and would otherwise allocate for
    /// each. On error `self` is left unspecified.
    pub fn parse_into<T: AsRef<[u8]>>(&mut self, packet: &Packet<T>, family: Family) -> Result<()> {
        packet.check_len()?;
        let version = packet.version();
        if !(version == 2 && family == Family::Ipv4 || version == 3) || !packet.addrs_fit(family) {
            return Err(Error);
        }
        self.addrs.clear();
        // All there: `addrs_fit` said so.
        self.addrs.extend(packet.addrs(family));
        (self.interval, self.auth) = if version == 2 {
            (
                Interval::Seconds(packet.adver_int()),
                Auth::V2 { auth_type: packet.auth_type(), data: packet.auth_data() },
            )
        } else {
            (Interval::Centis(packet.max_adver_int()), Auth::V3)
        };
        self.msg_type = packet.msg_type();
        self.vrid = packet.vrid();
        self.priority = packet.priority();
        Ok(())
    }

    pub fn version(&self) -> u8 {
        match self.auth {
            Auth::V2 { .. } => 2,
            Auth::V3 => 3,
        }
    }

    /// Bytes `emit` writes.
    pub fn buffer_len(&self) -> usize {
        let addrs: usize = self.addrs.iter().map(|a| if a.is_ipv4() { 4 } else { 16 }).sum();
        match self.auth {
            Auth::V2 { data: Some(_), .. } => HEADER_LEN + addrs + AUTH_DATA_LEN,
            _ => HEADER_LEN + addrs,
        }
    }

    /// Writes the advert into `packet` (exactly `buffer_len` bytes) with the
    /// checksum for the IP header that will carry it, from `src` to `dst`.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(
        &self,
        packet: &mut Packet<T>,
        src: IpAddr,
        dst: IpAddr,
        variant: ChecksumVariant,
    ) {
        packet.set_version_type(self.version(), self.msg_type);
        packet.set_vrid(self.vrid);
        packet.set_priority(self.priority);
        packet.set_addr_count(self.addrs.len() as u8);
        match (self.interval, &self.auth) {
            (Interval::Seconds(s), Auth::V2 { auth_type, .. }) => {
                packet.set_auth_type(*auth_type);
                packet.set_adver_int(s);
            }
            (Interval::Centis(c), _) => packet.set_max_adver_int(0, c),
            (Interval::Seconds(s), Auth::V3) => packet.set_max_adver_int(0, u16::from(s) * 100),
        }
        for (i, a) in self.addrs.iter().enumerate() {
            packet.set_addr(i, *a);
        }
        if let Auth::V2 { data: Some(d), .. } = &self.auth {
            packet.bm()[field::auth_data(self.addrs.len(), 4)].copy_from_slice(d);
        }
        packet.fill_checksum(src, dst, variant);
    }

    /// Convenience: the advert as a fresh byte vector.
    pub fn to_bytes(&self, src: IpAddr, dst: IpAddr, variant: ChecksumVariant) -> Vec<u8> {
        let mut p = Packet::new_unchecked(vec![0u8; self.buffer_len()]);
        self.emit(&mut p, src, dst, variant);
        p.into_inner()
    }
}

/// Skew_Time in microseconds, as keepalived computes it (`vrrp.h`).
pub fn skew_time_us(version: u8, priority: u8, master_adver_int_us: u64) -> u64 {
    let p = 256 - u64::from(priority);
    if version == 2 {
        p * 1_000_000 / 256
    } else {
        (p * (master_adver_int_us / 10_000) * 625) / 16
    }
}

/// Master_Down_Interval in microseconds: three intervals plus the skew.
pub fn master_down_us(version: u8, priority: u8, master_adver_int_us: u64) -> u64 {
    3 * master_adver_int_us + skew_time_us(version, priority, master_adver_int_us)
}

#[cfg(test)]
mod test {
    use super::*;
    use proptest::prelude::*;

    // 192.168.30.1 > 224.0.0.18: VRRPv2 vrid 51 prio 100 simple "1111", VIP 192.168.30.254.
    static V2_BYTES: [u8; 20] = [
        0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x00, 0x00, 192, 168, 30, 254, b'1', b'1', b'1', b'1', 0,
        0, 0, 0,
    ];

    fn v4(a: [u8; 4]) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(a))
    }

    #[test]
    fn deconstruct_v2() {
        let p = Packet::new_checked(&V2_BYTES[..]).unwrap();
        assert_eq!(p.version(), 2);
        assert_eq!(p.msg_type(), 1);
        assert_eq!(p.vrid(), 51);
        assert_eq!(p.priority(), 100);
        assert_eq!(p.addr_count(), 1);
        assert_eq!(p.auth_type(), AuthType::Simple);
        assert_eq!(p.adver_int(), 1);
        assert_eq!(p.addr(0, Family::Ipv4), Some(v4([192, 168, 30, 254])));
        assert_eq!(p.addr(3, Family::Ipv4), None);
        assert_eq!(&p.auth_data().unwrap()[..4], b"1111");
        assert_eq!(p.claimed_len(Family::Ipv4), 20);
    }

    #[test]
    fn construct_v2_fills_every_byte() {
        let repr = Repr::parse(&Packet::new_checked(&V2_BYTES[..]).unwrap(), Family::Ipv4).unwrap();
        let mut buf = vec![0xa5; repr.buffer_len()];
        let mut p = Packet::new_unchecked(&mut buf[..]);
        repr.emit(&mut p, v4([192, 168, 30, 1]), IpAddr::V4(MCAST_V4), ChecksumVariant::Rfc);
        let mut want = V2_BYTES;
        let c = checksum::finish(&[checksum::sum(&want)]);
        want[6..8].copy_from_slice(&c.to_be_bytes());
        assert_eq!(buf, want);
        let p = Packet::new_checked(&buf[..]).unwrap();
        assert_eq!(p.verify_checksum(v4([1, 1, 1, 1]), v4([2, 2, 2, 2])), Some(ChecksumVariant::Rfc));
    }

    #[test]
    fn short_buffers_are_rejected() {
        assert!(Packet::new_checked(&V2_BYTES[..7]).is_err());
        let p = Packet::new_checked(&V2_BYTES[..10]).unwrap();
        assert!(!p.addrs_fit(Family::Ipv4));
        assert!(Repr::parse(&p, Family::Ipv4).is_err());
        assert_eq!(p.auth_data(), None);
    }

    #[test]
    fn v2_over_ipv6_is_not_vrrp() {
        let p = Packet::new_checked(&V2_BYTES[..]).unwrap();
        assert!(Repr::parse(&p, Family::Ipv6).is_err());
    }

    fn v3_repr() -> Repr {
        Repr {
            msg_type: 1,
            vrid: 44,
            priority: 100,
            interval: Interval::Centis(100),
            auth: Auth::V3,
            addrs: vec![v4([192, 0, 2, 100])],
        }
    }

    #[test]
    fn v3_checksum_variants_are_told_apart() {
        let src = v4([192, 0, 2, 11]);
        let peer = v4([192, 0, 2, 12]);
        let mcast = IpAddr::V4(MCAST_V4);
        let check = |dst, variant| {
            let bytes = v3_repr().to_bytes(src, dst, variant);
            Packet::new_checked(&bytes[..]).unwrap().verify_checksum(src, dst)
        };
        assert_eq!(check(mcast, ChecksumVariant::Rfc), Some(ChecksumVariant::Rfc));
        assert_eq!(check(mcast, ChecksumVariant::V3AsV2), Some(ChecksumVariant::V3AsV2));
        assert_eq!(check(peer, ChecksumVariant::Rfc), Some(ChecksumVariant::Rfc));
        assert_eq!(check(peer, ChecksumVariant::LegacyUnicast), Some(ChecksumVariant::LegacyUnicast));
    }

    #[test]
    fn bad_checksum_reports_expected_value() {
        let src = v4([192, 0, 2, 11]);
        let dst = IpAddr::V4(MCAST_V4);
        let mut bytes = v3_repr().to_bytes(src, dst, ChecksumVariant::Rfc);
        let good = Packet::new_checked(&bytes[..]).unwrap().checksum();
        bytes[6] ^= 0x5a;
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(p.verify_checksum(src, dst), None);
        assert_eq!(p.expected_checksum(src, dst), good);
    }

    #[test]
    fn v3_ipv6() {
        let src: IpAddr = "fe80::1".parse().unwrap();
        let dst = IpAddr::V6(MCAST_V6);
        let repr = Repr { addrs: vec!["2001:db8::100".parse().unwrap()], ..v3_repr() };
        let bytes = repr.to_bytes(src, dst, ChecksumVariant::Rfc);
        assert_eq!(bytes.len(), 8 + 16);
        let p = Packet::new_checked(&bytes[..]).unwrap();
        assert_eq!(p.verify_checksum(src, dst), Some(ChecksumVariant::Rfc));
        assert_eq!(Repr::parse(&p, Family::Ipv6).unwrap(), repr);
    }

    #[test]
    fn keepalived_timer_values() {
        // The worked values of keepalived 2.2.7 (spec §1.2).
        assert_eq!(skew_time_us(2, 100, 1_000_000), 609_375);
        assert_eq!(master_down_us(2, 100, 1_000_000), 3_609_375);
        assert_eq!(skew_time_us(2, 150, 1_000_000), 414_062);
        assert_eq!(skew_time_us(2, 254, 1_000_000), 7_812);
        assert_eq!(skew_time_us(2, 80, 1_000_000), 687_500);
        assert_eq!(master_down_us(3, 100, 500_000), 1_804_687);
        assert_eq!(skew_time_us(3, 100, 100_000), 60_937);
    }

    fn arb_repr() -> impl Strategy<Value = Repr> {
        let v2 = (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), proptest::option::of(any::<[u8; 8]>()),
            proptest::collection::vec(any::<[u8; 4]>(), 0..8))
            .prop_map(|(vrid, priority, secs, at, data, addrs)| Repr {
                msg_type: 1,
                vrid,
                priority,
                interval: Interval::Seconds(secs),
                auth: Auth::V2 { auth_type: at.into(), data },
                addrs: addrs.into_iter().map(v4).collect(),
            });
        let v3 = (any::<u8>(), any::<u8>(), 0u16..4096, any::<bool>(),
            proptest::collection::vec(any::<[u8; 16]>(), 0..8))
            .prop_map(|(vrid, priority, centis, six, addrs)| Repr {
                msg_type: 1,
                vrid,
                priority,
                interval: Interval::Centis(centis),
                auth: Auth::V3,
                addrs: addrs
                    .into_iter()
                    .map(|a| {
                        if six {
                            IpAddr::V6(Ipv6Addr::from(a))
                        } else {
                            v4([a[0], a[1], a[2], a[3]])
                        }
                    })
                    .collect(),
            });
        prop_oneof![v2, v3]
    }

    proptest! {
        #[test]
        fn parse_emit_round_trip(repr in arb_repr()) {
            let family = if repr.addrs.iter().any(|a| a.is_ipv6()) { Family::Ipv6 } else { Family::Ipv4 };
            let (src, dst) = match family {
                Family::Ipv4 => (v4([192, 0, 2, 1]), IpAddr::V4(MCAST_V4)),
                Family::Ipv6 => ("fe80::1".parse().unwrap(), IpAddr::V6(MCAST_V6)),
            };
            let bytes = repr.to_bytes(src, dst, ChecksumVariant::Rfc);
            let p = Packet::new_checked(&bytes[..]).unwrap();
            prop_assert_eq!(p.verify_checksum(src, dst), Some(ChecksumVariant::Rfc));
            // A v2 packet without auth data parses back with none only if the
            // buffer ends after the addresses, which emit guarantees.
            prop_assert_eq!(Repr::parse(&p, family).unwrap(), repr);
        }

        /// What a reused buffer held before never leaks into the next advert.
        #[test]
        fn parse_into_a_used_repr_is_parse(first in arb_repr(), second in arb_repr()) {
            let family = |r: &Repr| if r.addrs.iter().any(|a| a.is_ipv6()) { Family::Ipv6 } else { Family::Ipv4 };
            let src = |f| if f == Family::Ipv4 { v4([192, 0, 2, 1]) } else { "fe80::1".parse().unwrap() };
            let dst = |f| if f == Family::Ipv4 { IpAddr::V4(MCAST_V4) } else { IpAddr::V6(MCAST_V6) };
            let (f1, f2) = (family(&first), family(&second));
            let b1 = first.to_bytes(src(f1), dst(f1), ChecksumVariant::Rfc);
            let b2 = second.to_bytes(src(f2), dst(f2), ChecksumVariant::Rfc);
            let mut scratch = Repr::default();
            scratch.parse_into(&Packet::new_checked(&b1[..]).unwrap(), f1).unwrap();
            scratch.parse_into(&Packet::new_checked(&b2[..]).unwrap(), f2).unwrap();
            prop_assert_eq!(scratch, second);
        }

        #[test]
        fn accessors_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(p) = Packet::new_checked(&bytes[..]) {
                let _ = (p.version(), p.vrid(), p.max_adver_int(), p.auth_data(), p.addr(3, Family::Ipv6));
                let _ = Repr::parse(&p, Family::Ipv4);
                let _ = p.verify_checksum(v4([1, 2, 3, 4]), IpAddr::V4(MCAST_V4));
            }
        }
    }
}
