//! Formatting into a byte buffer without `format!`: decimal, hex, IPv4,
//! IPv6 (tcpdump's `addrtostr6` rules) and link-layer addresses. Printing
//! two million packets a second leaves no room for `fmt` machinery.

/// Appends `n` copies of `byte`.
#[inline(always)]
pub fn pad(out: &mut Vec<u8>, n: usize, byte: u8) {
    out.resize(out.len() + n, byte);
}

/// Appends the first `n` bytes of `word` (least significant byte first).
/// Text is assembled in a register and stored whole: assembling it in a
/// byte array and copying that out stalls on store-to-load forwarding.
#[inline(always)]
fn put64(out: &mut Vec<u8>, word: u64, n: usize) {
    let len = out.len();
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(len + n);
}

/// How many decimal digits `v` has.
#[inline(always)]
fn count_digits(v: u64) -> usize {
    let mut n = 1;
    let mut x = v;
    while x >= 10_000 {
        x /= 10_000;
        n += 4;
    }
    n + usize::from(x >= 10) + usize::from(x >= 100) + usize::from(x >= 1000)
}

/// "00" to "99" as little-endian pairs (first digit in the low byte).
static PAIRS: [u16; 100] = {
    let mut t = [0u16; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = (b'0' as u16 + (i / 10) as u16) | (b'0' as u16 + (i % 10) as u16) << 8;
        i += 1;
    }
    t
};

/// The `n` (at most 8) low decimal digits of `v` as ASCII, first digit in
/// the lowest byte; two digits per step.
#[inline(always)]
fn digit_word(mut v: u64, n: usize) -> u64 {
    let mut word = 0u64;
    let mut shift = 8 * n;
    while shift >= 16 {
        shift -= 16;
        word |= u64::from(PAIRS[(v % 100) as usize]) << shift;
        v /= 100;
    }
    if shift == 8 {
        word |= u64::from(b'0') + v % 10;
    }
    word
}

/// Appends the `n` low digits of `v`.
#[inline(always)]
fn put_digits(out: &mut Vec<u8>, v: u64, n: usize) {
    if n > 8 {
        put_digits(out, v / 100_000_000, n - 8);
        put64(out, digit_word(v % 100_000_000, 8), 8);
    } else {
        put64(out, digit_word(v, n), n);
    }
}

/// Appends `v` in decimal.
#[inline(always)]
pub fn dec(out: &mut Vec<u8>, v: u64) {
    // Most numbers in a line (VRID, priority, interval, length) are small.
    if v < 10 {
        out.push(b'0' + v as u8);
    } else if v < 100 {
        out.extend_from_slice(&PAIRS[v as usize].to_le_bytes());
    } else if v < 1000 {
        let word = (u64::from(b'0') + v / 100) | u64::from(PAIRS[(v % 100) as usize]) << 8;
        put64(out, word, 3);
    } else {
        put_digits(out, v, count_digits(v));
    }
}

/// Six digits, zero-padded (`%06u` of a value below a million), as a word
/// starting at byte `at` of `word`.
#[inline(always)]
pub fn six_digits(v: u32, at: u32) -> u64 {
    let v = v % 1_000_000;
    (u64::from(PAIRS[(v / 10_000) as usize])
        | u64::from(PAIRS[(v / 100 % 100) as usize]) << 16
        | u64::from(PAIRS[(v % 100) as usize]) << 32)
        << (8 * at)
}

/// Appends `v` in decimal, right-aligned in `width` with `fill` (`%5u`, `%06u`).
#[inline(always)]
pub fn dec_pad(out: &mut Vec<u8>, v: u64, width: usize, fill: u8) {
    let n = count_digits(v);
    if width > n {
        if fill == b'0' {
            put_digits(out, v, width);
            return;
        }
        pad(out, width - n, fill);
    }
    put_digits(out, v, n);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `v` in lower-case hex without leading zeros (`%x`).
#[inline(always)]
pub fn hex(out: &mut Vec<u8>, v: u64) {
    if v > 0xffff_ffff {
        hex_pad(out, v, 1);
        return;
    }
    let n = (32 - (v as u32).leading_zeros()).div_ceil(4).max(1) as usize;
    let mut word = 0u64;
    for i in 0..n {
        word |= u64::from(HEX[((v >> (4 * i)) & 0xf) as usize]) << (8 * (n - 1 - i));
    }
    put64(out, word, n);
}

/// Appends `v` in lower-case hex, at least `width` digits (`%0Nx`).
pub fn hex_pad(out: &mut Vec<u8>, v: u64, width: usize) {
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = HEX[(v & 0xf) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    pad(out, width.saturating_sub(digits), b'0');
    out.extend_from_slice(&buf[i..]);
}

/// Appends one byte as two hex digits.
#[inline(always)]
pub fn hex_byte(out: &mut Vec<u8>, b: u8) {
    out.push(HEX[usize::from(b >> 4)]);
    out.push(HEX[usize::from(b & 0xf)]);
}

/// Each byte value as decimal text (first digit in the lowest byte), and
/// how long that text is.
static OCTETS: [(u32, u32); 256] = {
    let mut t = [(0u32, 0u32); 256];
    let mut i = 0;
    while i < 256 {
        let (h, te, o) = ((i / 100) as u32, (i / 10 % 10) as u32, (i % 10) as u32);
        let z = b'0' as u32;
        t[i] = if i >= 100 {
            ((z + h) | (z + te) << 8 | (z + o) << 16, 3)
        } else if i >= 10 {
            ((z + te) | (z + o) << 8, 2)
        } else {
            (z + o, 1)
        };
        i += 1;
    }
    t
};

/// Appends a dotted-quad IPv4 address from its first four bytes, as two
/// halves of at most eight bytes each ("255.255." and "255.255").
#[inline(always)]
pub fn ipv4(out: &mut Vec<u8>, a: &[u8]) {
    let (t0, n0) = OCTETS[usize::from(a[0])];
    let (t1, n1) = OCTETS[usize::from(a[1])];
    let (t2, n2) = OCTETS[usize::from(a[2])];
    let (t3, n3) = OCTETS[usize::from(a[3])];
    let dot = u64::from(b'.');
    let first = u64::from(t0) | dot << (8 * n0) | u64::from(t1) << (8 * (n0 + 1)) | dot << (8 * (n0 + n1 + 1));
    put64(out, first, (n0 + n1 + 2) as usize);
    let second = u64::from(t2) | dot << (8 * n2) | u64::from(t3) << (8 * (n2 + 1));
    put64(out, second, (n2 + n3 + 1) as usize);
}

/// Appends an IPv6 address from its first sixteen bytes the way tcpdump's
/// `addrtostr6` does: the first longest run of two or more zero words
/// becomes `::`, and IPv4-compatible or -mapped addresses end in a quad.
pub fn ipv6(out: &mut Vec<u8>, a: &[u8]) {
    let mut words = [0u16; 8];
    for (i, w) in words.iter_mut().enumerate() {
        *w = u16::from_be_bytes([a[2 * i], a[2 * i + 1]]);
    }
    let (mut best, mut best_len) = (usize::MAX, 0);
    let mut i = 0;
    while i < 8 {
        if words[i] == 0 {
            let start = i;
            while i < 8 && words[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    // Assembled in a small array and appended once (at most 39 bytes).
    let mut buf = [0u8; 48];
    let mut n = 0;
    for (i, &w) in words.iter().enumerate() {
        if best != usize::MAX && i >= best && i < best + best_len {
            if i == best {
                buf[n] = b':';
                n += 1;
            }
            continue;
        }
        if i != 0 {
            buf[n] = b':';
            n += 1;
        }
        if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)) {
            out.extend_from_slice(&buf[..n]);
            ipv4(out, &a[12..16]);
            return;
        }
        let digits = (16 - w.leading_zeros()).div_ceil(4).max(1) as usize;
        for d in 0..digits {
            buf[n + d] = HEX[usize::from((w >> (4 * (digits - 1 - d))) & 0xf)];
        }
        n += digits;
    }
    if best != usize::MAX && best + best_len == 8 {
        buf[n] = b':';
        n += 1;
    }
    out.extend_from_slice(&buf[..n]);
}

/// Each byte as two lower-case hex digits, first digit in the low byte.
static HEX_PAIRS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = HEX[i >> 4] as u16 | (HEX[i & 0xf] as u16) << 8;
        i += 1;
    }
    t
};

/// Appends a link-layer address as colon-separated hex bytes (`<empty>`
/// when it has no bytes), like tcpdump's `linkaddr_string`; two bytes
/// ("xx:yy:") per store.
pub fn linkaddr(out: &mut Vec<u8>, a: &[u8]) {
    if a.is_empty() {
        out.extend_from_slice(b"<empty>");
        return;
    }
    let colon = u64::from(b':');
    let mut pairs = a.chunks_exact(2);
    for (i, p) in pairs.by_ref().enumerate() {
        let lead = if i == 0 { 0 } else { 1 };
        let word = colon
            | u64::from(HEX_PAIRS[usize::from(p[0])]) << 8
            | colon << 24
            | u64::from(HEX_PAIRS[usize::from(p[1])]) << 32;
        // Skip the leading colon of the first pair.
        put64(out, word >> (8 * (1 - lead)), 5 + lead);
    }
    if let [last] = pairs.remainder() {
        let word = colon | u64::from(HEX_PAIRS[usize::from(*last)]) << 8;
        if a.len() == 1 {
            put64(out, word >> 8, 2);
        } else {
            put64(out, word, 3);
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn s(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(s(|o| dec(o, 0)), "0");
        for v in [9, 10, 99, 100, 999, 1000, 9999, 10_000, 12_345, 99_999_999, 100_000_000] {
            assert_eq!(s(|o| dec(o, v)), v.to_string());
        }
        assert_eq!(s(|o| dec(o, u64::MAX)), "18446744073709551615");
        assert_eq!(s(|o| dec_pad(o, 42, 5, b' ')), "   42");
        assert_eq!(s(|o| dec_pad(o, 1234567, 6, b'0')), "1234567");
        assert_eq!(s(|o| dec_pad(o, 7, 6, b'0')), "000007");
        assert_eq!(s(|o| dec_pad(o, 0, 9, b'0')), "000000000");
        assert_eq!(s(|o| dec(o, 1_234_567_890_123)), "1234567890123");
        assert_eq!(s(|o| hex(o, 0)), "0");
        assert_eq!(s(|o| hex(o, 0x8917)), "8917");
        assert_eq!(s(|o| hex_pad(o, 0x806, 4)), "0806");
        assert_eq!(s(|o| hex_byte(o, 0x0a)), "0a");
    }

    #[test]
    fn addresses() {
        assert_eq!(s(|o| ipv4(o, &[192, 0, 2, 255])), "192.0.2.255");
        assert_eq!(s(|o| ipv4(o, &[0, 10, 100, 9])), "0.10.100.9");
        let v6 = |t: &str| {
            let a: std::net::Ipv6Addr = t.parse().unwrap();
            s(|o| ipv6(o, &a.octets()))
        };
        assert_eq!(v6("::"), "::");
        assert_eq!(v6("::1"), "::1");
        assert_eq!(v6("fe80::d6ca:6dff:fe66:cf60"), "fe80::d6ca:6dff:fe66:cf60");
        assert_eq!(v6("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert_eq!(v6("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
        assert_eq!(v6("ff02::12"), "ff02::12");
        assert_eq!(v6("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
        assert_eq!(v6("::192.0.2.1"), "::192.0.2.1");
        assert_eq!(v6("1::"), "1::");
        assert_eq!(s(|o| linkaddr(o, &[0, 0x1f, 0xab])), "00:1f:ab");
        assert_eq!(s(|o| linkaddr(o, &[0xff])), "ff");
        assert_eq!(s(|o| linkaddr(o, &[0, 0, 0x5e, 0, 1, 0x33])), "00:00:5e:00:01:33");
        assert_eq!(s(|o| linkaddr(o, &[1, 2, 3, 4, 5, 6, 7])), "01:02:03:04:05:06:07");
        assert_eq!(s(|o| hex(o, 0x12345678)), "12345678");
        assert_eq!(s(|o| hex(o, 0x1_0000_0000)), "100000000");
        assert_eq!(s(|o| linkaddr(o, &[])), "<empty>");
    }
}
