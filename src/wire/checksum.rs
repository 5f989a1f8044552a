//! The Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 needs.
//!
//! Kept as ones'-complement sums that can be combined, so a packet can be
//! checked against several pseudo-header variants without summing its body
//! more than once.

use std::net::IpAddr;

/// Ones'-complement sum of `data`, not yet folded or inverted.
pub fn sum(data: &[u8]) -> u32 {
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]))
            + u64::from(u16::from_be_bytes([c[2], c[3]]))
            + u64::from(u16::from_be_bytes([c[4], c[5]]))
            + u64::from(u16::from_be_bytes([c[6], c[7]]));
    }
    let rest = chunks.remainder();
    let mut pairs = rest.chunks_exact(2);
    for c in &mut pairs {
        acc += u64::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = pairs.remainder() {
        acc += u64::from(*last) << 8;
    }
    fold64(acc)
}

fn fold64(mut acc: u64) -> u32 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u32
}

/// Adds partial sums together.
pub fn combine(sums: &[u32]) -> u16 {
    let total: u64 = sums.iter().map(|&s| u64::from(s)).sum();
    fold64(total) as u16
}

/// The final checksum: the complement of the folded sum.
pub fn finish(sums: &[u32]) -> u16 {
    !combine(sums)
}

/// Sum of the IPv4 or IPv6 pseudo-header for upper-layer protocol `proto`
/// carrying `len` bytes (RFC 768 / RFC 8200 §8.1).
pub fn pseudo_header(src: IpAddr, dst: IpAddr, proto: u8, len: u32) -> u32 {
    let mut acc = u64::from(proto) + u64::from(len >> 16) + u64::from(len & 0xffff);
    for addr in [src, dst] {
        acc += u64::from(match addr {
            IpAddr::V4(a) => sum(&a.octets()),
            IpAddr::V6(a) => sum(&a.octets()),
        });
    }
    fold64(acc)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3: the sum of these bytes folds to 0xddf2.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(combine(&[sum(&data)]), 0xddf2);
        assert_eq!(finish(&[sum(&data)]), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(sum(&[0x12]), 0x1200);
        assert_eq!(sum(&[0x12, 0x34, 0x56]), 0x1234 + 0x5600);
    }

    #[test]
    fn checksummed_data_sums_to_ffff() {
        let mut data = vec![0x45, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x00, 0x00, 0xff, 0x70, 0, 0];
        let c = finish(&[sum(&data)]);
        data[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(combine(&[sum(&data)]), 0xffff);
    }
}
