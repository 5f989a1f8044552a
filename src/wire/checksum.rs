//! The Internet checksum (RFC 1071) and the pseudo-headers VRRPv3 needs.
//!
//! Kept as ones'-complement sums that can be combined, so a packet can be
//! checked against several pseudo-header variants without summing its body
//! more than once.

use std::net::IpAddr;

/// Ones'-complement sum of `data`, folded but not inverted.
///
/// Adds 32-bit words into a 64-bit accumulator, half as many additions as
/// 16-bit ones: since 2^16 ≡ 1 (mod 2^16 − 1), a 32-bit word folds to the
/// sum of its two halves (RFC 1071 §2 (C), parallel summation). Bytes
/// left over make a last word, padded with zeros.
#[inline]
pub fn sum(data: &[u8]) -> u32 {
    let mut acc: u64 = 0;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        acc += u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]]));
    }
    let last = match *words.remainder() {
        [a] => [a, 0, 0, 0],
        [a, b] => [a, b, 0, 0],
        [a, b, c] => [a, b, c, 0],
        _ => [0; 4],
    };
    fold64(acc + u64::from(u32::from_be_bytes(last)))
}

#[inline]
fn fold64(mut acc: u64) -> u32 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u32
}

/// Adds partial sums together.
#[inline]
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
#[inline]
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
        // The carry out of 16 bits comes back in at the bottom.
        assert_eq!(sum(&[0x12, 0x34, 0x56, 0x78, 0x9a]), 0x1234 + 0x5678 + 0x9a00 - 0xffff);
    }

    /// The sum over 16-bit words, as RFC 1071 states it.
    fn sum16(data: &[u8]) -> u32 {
        let mut acc: u64 = data.chunks(2).map(|c| u64::from(c[0]) << 8 | u64::from(*c.get(1).unwrap_or(&0))).sum();
        while acc > 0xffff {
            acc = (acc & 0xffff) + (acc >> 16);
        }
        acc as u32
    }

    proptest::proptest! {
        #[test]
        fn wide_words_sum_as_16_bit_ones(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            proptest::prop_assert_eq!(sum(&data), sum16(&data));
        }
    }

    #[test]
    fn all_ones_stay_ffff() {
        assert_eq!(sum(&[0xff; 4]), 0xffff);
        assert_eq!(sum(&[0xff, 0xff, 0, 0, 0, 0]), 0xffff);
        assert_eq!(sum(&[0; 7]), 0);
    }

    #[test]
    fn checksummed_data_sums_to_ffff() {
        let mut data = vec![0x45, 0x00, 0x00, 0x28, 0xab, 0xcd, 0x00, 0x00, 0xff, 0x70, 0, 0];
        let c = finish(&[sum(&data)]);
        data[10..12].copy_from_slice(&c.to_be_bytes());
        assert_eq!(combine(&[sum(&data)]), 0xffff);
    }
}
