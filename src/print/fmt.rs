//! Formatting into a byte buffer without `format!`: decimal, hex, IPv4,
//! IPv6 (tcpdump's `addrtostr6` rules) and link-layer addresses. Printing
//! two million packets a second leaves no room for `fmt` machinery.

/// Appends `n` copies of `byte`.
#[inline]
pub fn pad(out: &mut Vec<u8>, n: usize, byte: u8) {
    out.resize(out.len() + n, byte);
}

/// Appends the first `n` bytes of `word` (least significant byte first).
/// Text is assembled in a register and stored whole: assembling it in a
/// byte array and copying that out stalls on store-to-load forwarding.
#[inline]
fn put64(out: &mut Vec<u8>, word: u64, n: usize) {
    let len = out.len();
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(len + n);
}

#[inline]
fn put128(out: &mut Vec<u8>, word: u128, n: usize) {
    let len = out.len();
    out.extend_from_slice(&word.to_le_bytes());
    out.truncate(len + n);
}

/// How many decimal digits `v` has.
#[inline]
fn count_digits(v: u64) -> usize {
    let mut n = 1;
    let mut x = v;
    while x >= 10_000 {
        x /= 10_000;
        n += 4;
    }
    n + usize::from(x >= 10) + usize::from(x >= 100) + usize::from(x >= 1000)
}

/// The `n` (at most 8) low decimal digits of `v` as ASCII, first digit in
/// the lowest byte.
#[inline]
fn digit_word(mut v: u64, n: usize) -> u64 {
    let mut word = 0u64;
    let mut shift = 8 * n;
    while shift > 0 {
        shift -= 8;
        word |= (b'0' as u64 + v % 10) << shift;
        v /= 10;
    }
    word
}

/// Appends the `n` low digits of `v`.
#[inline]
fn put_digits(out: &mut Vec<u8>, v: u64, n: usize) {
    if n > 8 {
        put_digits(out, v / 100_000_000, n - 8);
        put64(out, digit_word(v % 100_000_000, 8), 8);
    } else {
        put64(out, digit_word(v, n), n);
    }
}

/// Appends `v` in decimal.
#[inline]
pub fn dec(out: &mut Vec<u8>, v: u64) {
    if v < 10 {
        out.push(b'0' + v as u8);
        return;
    }
    put_digits(out, v, count_digits(v));
}

/// Appends `v` in decimal, right-aligned in `width` with `fill` (`%5u`, `%06u`).
#[inline]
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
#[inline]
pub fn hex(out: &mut Vec<u8>, v: u64) {
    hex_pad(out, v, 1);
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
#[inline]
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

/// Appends a dotted-quad IPv4 address from its first four bytes.
#[inline]
pub fn ipv4(out: &mut Vec<u8>, a: &[u8]) {
    let mut word = 0u128;
    let mut n = 0u32;
    for (i, &b) in a[..4].iter().enumerate() {
        if i > 0 {
            word |= u128::from(b'.') << (8 * n);
            n += 1;
        }
        let (text, len) = OCTETS[usize::from(b)];
        word |= u128::from(text) << (8 * n);
        n += len;
    }
    put128(out, word, n as usize);
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
    for (i, &w) in words.iter().enumerate() {
        if best != usize::MAX && i >= best && i < best + best_len {
            if i == best {
                out.push(b':');
            }
            continue;
        }
        if i != 0 {
            out.push(b':');
        }
        if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff)) {
            ipv4(out, &a[12..16]);
            return;
        }
        hex(out, u64::from(w));
    }
    if best != usize::MAX && best + best_len == 8 {
        out.push(b':');
    }
}

/// Appends a link-layer address as colon-separated hex bytes (`<empty>`
/// when it has no bytes), like tcpdump's `linkaddr_string`.
pub fn linkaddr(out: &mut Vec<u8>, a: &[u8]) {
    if a.is_empty() {
        out.extend_from_slice(b"<empty>");
        return;
    }
    for (i, &b) in a.iter().enumerate() {
        if i > 0 {
            out.push(b':');
        }
        hex_byte(out, b);
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
        assert_eq!(s(|o| linkaddr(o, &[])), "<empty>");
    }
}
