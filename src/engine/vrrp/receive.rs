//! What a received advert must pass before the state machine sees it, in
//! keepalived 2.2.7's order (`vrrp_check_packet`), with its log lines. A
//! rejected advert is ignored: it resets no timer at a backup.

use super::config::InstanceConfig;
use crate::wire::vrrp::{self, Family, Packet};
use etherparse::{IpNumber, Ipv4HeaderSlice, Ipv6HeaderSlice};
use std::net::IpAddr;

/// A VRRP packet as the raw socket delivers it.
#[derive(Debug, Clone, Copy)]
pub struct Rx<'a> {
    pub family: Family,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub ttl: u8,
    /// The VRRP message, as long as the IP header says.
    pub body: &'a [u8],
    /// The IP payload length the header claims (the socket hands over exactly this).
    pub claimed_len: usize,
}

impl<'a> Rx<'a> {
    /// The VRRP packet in an Ethernet frame, if it is one (IP protocol 112,
    /// first fragment, complete header): what keepalived's raw socket gets.
    /// VLAN-tagged frames belong to another interface.
    pub fn from_frame(frame: &'a [u8]) -> Option<Rx<'a>> {
        let ether_type = u16::from_be_bytes([*frame.get(12)?, *frame.get(13)?]);
        let ip = &frame[14..];
        let (family, src, dst, ttl, payload, claimed_len) = match ether_type {
            0x0800 => {
                let h = Ipv4HeaderSlice::from_slice(ip).ok()?;
                if h.protocol() != IpNumber(vrrp::PROTOCOL) || h.is_fragmenting_payload() {
                    return None;
                }
                let claimed = h.payload_len().ok()?;
                let start = h.slice().len();
                (Family::Ipv4, IpAddr::V4(h.source_addr()), IpAddr::V4(h.destination_addr()), h.ttl(), &ip[start..], claimed)
            }
            0x86dd => {
                let h = Ipv6HeaderSlice::from_slice(ip).ok()?;
                if h.next_header() != IpNumber(vrrp::PROTOCOL) {
                    return None;
                }
                let (s, d) = (IpAddr::V6(h.source_addr()), IpAddr::V6(h.destination_addr()));
                (Family::Ipv6, s, d, h.hop_limit(), &ip[40..], h.payload_length())
            }
            _ => return None,
        };
        let claimed_len = usize::from(claimed_len);
        let body = payload.get(..claimed_len)?;
        if body.len() < vrrp::HEADER_LEN {
            return None;
        }
        Some(Rx { family, src, dst, ttl, body, claimed_len })
    }

    pub fn vrid(&self) -> u8 {
        self.body[vrrp::field::VRID]
    }
    pub fn priority(&self) -> u8 {
        self.body[vrrp::field::PRIORITY]
    }
    pub fn packet(&self) -> Packet<&'a [u8]> {
        Packet::new_unchecked(self.body)
    }
    pub fn multicast(&self) -> bool {
        match self.dst {
            IpAddr::V4(a) => a.is_multicast(),
            IpAddr::V6(a) => a.is_multicast(),
        }
    }
}

/// Why an advert was not accepted, with the line keepalived logs (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    pub log: Option<String>,
}

/// Checks `rx` against instance `c`. `check_vips`: compare the address list
/// (a backup skips it with `vrrp_skip_check_adv_addr` when the master did
/// not change).
pub fn check(c: &InstanceConfig, rx: &Rx, check_vips: bool) -> Result<(), Reject> {
    let name = &c.name;
    let reject = |s: String| Err(Reject { log: Some(s) });
    let p = rx.packet();
    let alen = c.family.addr_len();
    let naddr = usize::from(p.addr_count());
    let auth_len = if p.version() == 2 { vrrp::AUTH_DATA_LEN } else { 0 };
    let expected = vrrp::HEADER_LEN + naddr * alen + auth_len;
    // keepalived compares the whole IPv4 packet; the header length cancels out.
    let ihl = if c.family == Family::Ipv4 { 20 } else { 0 };
    if rx.claimed_len != expected {
        let (got, want) = (rx.claimed_len + ihl, expected + ihl);
        let how = if got > want { "long" } else { "short" };
        return reject(format!("({name}) vrrp packet too {how}, length {got} and expect {want}"));
    }
    if !c.unicast() && rx.ttl != 255 {
        return reject(format!("({name}) invalid TTL/HL. Received {} and expect 255", rx.ttl));
    }
    if p.version() != c.version {
        return reject(format!("({name}) wrong version. Received {} and expect {}", p.version(), c.version));
    }
    if c.version == 2 {
        let at = u8::from(p.auth_type());
        if at > 2 {
            return reject(format!("({name}) Invalid auth type: {at}"));
        }
        let mine = if c.auth_pass.is_some() { 1 } else { 0 };
        if at != mine {
            return reject(format!("({name}) received a {at} auth, expecting {mine}!"));
        }
        if let Some(pw) = c.auth_pass {
            if p.auth_data() != Some(pw) {
                return reject(format!("({name}) received an invalid passwd!"));
            }
        }
        let mine = c.adver_int_us / 1_000_000;
        if u64::from(p.adver_int()) != mine {
            return reject(format!(
                "({name}) advertisement interval mismatch mine={mine} sec rcv'd={} sec",
                p.adver_int()
            ));
        }
    }
    if p.msg_type() != 1 {
        return reject(format!("({name}) Invalid packet type. {} and expect 1", p.msg_type()));
    }
    if check_vips && naddr != c.vips.len() {
        return reject(format!(
            "({name}) received an unexpected ip number count {naddr}, expected {}!",
            c.vips.len()
        ));
    }
    // The kernel verifies IPv6 checksums before the socket sees the packet.
    if p.verify_checksum(rx.src, rx.dst) != Some(vrrp::ChecksumVariant::Rfc) {
        if c.family == Family::Ipv6 {
            return Err(Reject { log: None });
        }
        return reject(format!("({name}) Invalid VRRPv{} checksum", c.version));
    }
    if rx.multicast() == c.unicast() {
        let (want, got) = if c.unicast() { ("un", "mult") } else { ("mult", "un") };
        return reject(format!("({name}) Expected {want}icast packet but received {got}icast packet"));
    }
    if check_vips {
        for v in &c.vips {
            if !(0..naddr).any(|i| p.addr(i, c.family) == Some(v.addr)) {
                return reject(format!(
                    "({name}) ip address associated with VRID {} not present in MASTER advert: {}",
                    c.vrid, v.addr
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::vrrp::advert::{self, Adverts};
    use crate::engine::Outputs;

    fn frame_from(c: &InstanceConfig, src: &str, prio: u8) -> Vec<u8> {
        let mut out = Outputs::new();
        Adverts::new(c, src.parse().unwrap(), [2, 0, 0, 0, 0, 2]).send(c, prio, &mut out);
        out.frames.remove(0).frame
    }

    fn verdict(mine: &InstanceConfig, theirs: &InstanceConfig) -> Result<(), Reject> {
        let f = frame_from(theirs, "192.0.2.12", 80);
        check(mine, &Rx::from_frame(&f).unwrap(), true)
    }

    fn log(r: Result<(), Reject>) -> String {
        r.unwrap_err().log.unwrap()
    }

    #[test]
    fn same_config_passes() {
        let c = advert::test::cfg();
        assert_eq!(verdict(&c, &c), Ok(()));
        let f = frame_from(&c, "192.0.2.12", 80);
        let rx = Rx::from_frame(&f).unwrap();
        assert_eq!((rx.vrid(), rx.priority(), rx.multicast()), (51, 80, true));
    }

    #[test]
    fn password_mismatch_is_keepalived_2_2_7s_line() {
        let mine = advert::test::cfg();
        let theirs = InstanceConfig { auth_pass: Some(*b"2222\0\0\0\0"), ..mine.clone() };
        assert_eq!(log(verdict(&mine, &theirs)), "(VI_1) received an invalid passwd!");
        let none = InstanceConfig { auth_pass: None, ..mine.clone() };
        assert_eq!(log(verdict(&mine, &none)), "(VI_1) received a 0 auth, expecting 1!");
    }

    #[test]
    fn interval_and_version_mismatch() {
        let mine = InstanceConfig { adver_int_us: 3_000_000, ..advert::test::cfg() };
        let theirs = advert::test::cfg();
        assert_eq!(log(verdict(&mine, &theirs)), "(VI_1) advertisement interval mismatch mine=3 sec rcv'd=1 sec");
        let v3 = InstanceConfig { version: 3, auth_pass: None, ..advert::test::cfg() };
        assert_eq!(log(verdict(&theirs, &v3)), "(VI_1) wrong version. Received 3 and expect 2");
    }

    #[test]
    fn vip_list_and_ttl_and_checksum() {
        let mine = advert::test::cfg();
        let mut theirs = mine.clone();
        theirs.vips[0].addr = "192.0.2.200".parse().unwrap();
        assert_eq!(
            log(verdict(&mine, &theirs)),
            "(VI_1) ip address associated with VRID 51 not present in MASTER advert: 192.168.30.254"
        );
        let f = frame_from(&theirs, "192.0.2.12", 80);
        assert_eq!(check(&mine, &Rx::from_frame(&f).unwrap(), false), Ok(()), "skip_check_adv_addr");
        let mut f = frame_from(&mine, "192.0.2.12", 80);
        f[22] = 64;
        assert_eq!(log(check(&mine, &Rx::from_frame(&f).unwrap(), true)), "(VI_1) invalid TTL/HL. Received 64 and expect 255");
        let mut f = frame_from(&mine, "192.0.2.12", 80);
        f[40] ^= 0xff;
        assert_eq!(log(check(&mine, &Rx::from_frame(&f).unwrap(), true)), "(VI_1) Invalid VRRPv2 checksum");
    }

    #[test]
    fn unicast_instance_refuses_multicast() {
        let mine = InstanceConfig { unicast_peers: vec!["192.0.2.12".parse().unwrap()], ..advert::test::cfg() };
        assert_eq!(
            log(verdict(&mine, &advert::test::cfg())),
            "(VI_1) Expected unicast packet but received multicast packet"
        );
    }

    #[test]
    fn truncated_and_non_vrrp_frames_are_not_adverts() {
        let c = advert::test::cfg();
        let f = frame_from(&c, "192.0.2.12", 80);
        assert!(Rx::from_frame(&f[..40]).is_none());
        assert!(Rx::from_frame(&[0u8; 10]).is_none());
        let mut garp = vec![];
        crate::engine::frame::gratuitous_arp(&mut garp, [2, 0, 0, 0, 0, 1], "192.0.2.100".parse().unwrap());
        assert!(Rx::from_frame(&garp).is_none());
    }
}
