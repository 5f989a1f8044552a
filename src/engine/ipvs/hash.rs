//! The hash functions the kernel's hashing schedulers use, bit for bit.
//!
//! `sh`, `dh`, `lblc` and `lblcr` hash an address with a multiplicative hash;
//! kernels changed which one over time (see [`BucketHash`]). `mh` uses
//! `hsiphash`, which on 64-bit kernels is SipHash-1-3 with 64-bit state
//! truncated to 32 bits (`lib/siphash.c`: "on 64-bit, we make HalfSipHash1-3
//! actually be SipHash1-3").

/// How a kernel turns a 32-bit key into a bucket of a `2^bits` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BucketHash {
    /// `hash_32(key, bits)`: `(key * 0x61C88647) >> (32 - bits)`, the high
    /// bits of the golden-ratio product (current kernels).
    #[default]
    Golden32,
    /// `(key * 2654435761UL) & (2^bits - 1)`: the low bits of Knuth's
    /// multiplicative hash, as in 3.x kernels (CentOS 7, the setups the seed
    /// articles ran on).
    Knuth,
}

const GOLDEN_RATIO_32: u32 = 0x61C8_8647;
const KNUTH: u64 = 2_654_435_761;

impl BucketHash {
    /// The bucket of `key` in a table of `2^bits` entries (`bits` in 1..=31).
    pub fn bucket(self, key: u32, bits: u32) -> u32 {
        match self {
            BucketHash::Golden32 => key.wrapping_mul(GOLDEN_RATIO_32) >> (32 - bits),
            // `unsigned long` is 64 bits wide: the product does not wrap at 32.
            BucketHash::Knuth => (u64::from(key).wrapping_mul(KNUTH) & ((1u64 << bits) - 1)) as u32,
        }
    }

    /// `ip_vs_sh_hashkey` with its probe offset: `(offset + H(key)) & mask`.
    /// Adding before or after masking is the same for low-bit masks, so one
    /// formula serves both kernels.
    pub fn bucket_with_offset(self, key: u32, bits: u32, offset: u32) -> u32 {
        offset.wrapping_add(self.bucket(key, bits)) & ((1u32 << bits) - 1)
    }
}

/// The key `hsiphash` takes on a 64-bit kernel: two `unsigned long`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HsipKey(pub [u64; 2]);

struct Sip {
    v: [u64; 4],
}

impl Sip {
    fn new(key: HsipKey, len: usize) -> (Sip, u64) {
        let v = [
            0x736f_6d65_7073_6575 ^ key.0[0],
            0x646f_7261_6e64_6f6d ^ key.0[1],
            0x6c79_6765_6e65_7261 ^ key.0[0],
            0x7465_6462_7974_6573 ^ key.0[1],
        ];
        (Sip { v }, (len as u64) << 56)
    }

    fn round(&mut self) {
        let v = &mut self.v;
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13);
        v[1] ^= v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16);
        v[3] ^= v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21);
        v[3] ^= v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17);
        v[1] ^= v[2];
        v[2] = v[2].rotate_left(32);
    }

    fn compress(&mut self, m: u64) {
        self.v[3] ^= m;
        self.round();
        self.v[0] ^= m;
    }
}

/// The kernel's `hsiphash(data, len, key)` on a 64-bit machine.
pub fn hsiphash(data: &[u8], key: HsipKey) -> u32 {
    let (mut s, mut b) = Sip::new(key, data.len());
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        s.compress(u64::from_le_bytes(w.try_into().expect("8-byte chunk")));
    }
    for (i, &byte) in words.remainder().iter().enumerate() {
        b |= u64::from(byte) << (8 * i);
    }
    s.compress(b);
    s.v[2] ^= 0xff;
    for _ in 0..3 {
        s.round();
    }
    (s.v[0] ^ s.v[1] ^ s.v[2] ^ s.v[3]) as u32
}

#[cfg(test)]
mod test {
    use super::*;

    /// `lib/test_siphash.c`, the 64-bit `test_vectors_hsiphash`: input bytes
    /// 0..i for i = 0..63 under the key 00 01 .. 0f.
    const KEY: HsipKey = HsipKey([0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);
    const VECTORS: [(usize, u32); 8] = [
        (0, 0x050f_c4dc),
        (1, 0x7d57_ca93),
        (4, 0x88d3_8328),
        (7, 0x9bb1_1140),
        (8, 0x8d29_9a8e),
        (15, 0x2a51_9956),
        (16, 0x7d90_8b66),
        (63, 0xb7bb_b3a8),
    ];

    #[test]
    fn hsiphash_matches_kernel_self_test_vectors() {
        let input: Vec<u8> = (0u8..64).collect();
        for (len, want) in VECTORS {
            assert_eq!(hsiphash(&input[..len], KEY), want, "length {len}");
        }
    }

    #[test]
    fn knuth_hash_gives_the_spec_buckets() {
        // keepalived-ipvs-spec §2.1: sh for 10.0.0.1 → 177, 10.0.0.2 → 98.
        assert_eq!(BucketHash::Knuth.bucket(0x0a00_0001, 8), 177);
        assert_eq!(BucketHash::Knuth.bucket(0x0a00_0002, 8), 98);
    }

    #[test]
    fn golden32_takes_the_high_bits() {
        // 0x0a000001 * 0x61c88647 = 0x27c88647 (mod 2^32): the top byte is 0x27.
        assert_eq!(BucketHash::Golden32.bucket(0x0a00_0001, 8), 0x27);
        assert_eq!(BucketHash::Golden32.bucket(0, 10), 0);
        assert_eq!(BucketHash::Golden32.bucket(1, 10), 0x61C8_8647 >> 22);
    }

    #[test]
    fn offsets_wrap_inside_the_table() {
        for h in [BucketHash::Golden32, BucketHash::Knuth] {
            let base = h.bucket_with_offset(0x0a00_0001, 8, 0);
            assert_eq!(base, h.bucket(0x0a00_0001, 8));
            assert_eq!(h.bucket_with_offset(0x0a00_0001, 8, 255), (base + 255) % 256);
        }
    }
}
