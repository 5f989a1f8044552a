//! Formatting into a byte buffer without `format!`: decimal, hex, IPv4,
//! IPv6 (tcpdump's `addrtostr6` rules) and link-layer addresses. Printing
//! two million packets a second leaves no room for `fmt` machinery.

/// Appends `n` copies of `byte`.
pub fn pad(out: &mut Vec<u8>, n: usize, byte: u8) {
    out.resize(out.len() + n, byte);
}

/// Appends `v` in decimal.
pub fn dec(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `v` in decimal, right-aligned in `width` with `fill` (`%5u`, `%06u`).
pub fn dec_pad(out: &mut Vec<u8>, v: u64, width: usize, fill: u8) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let digits = buf.len() - i;
    pad(out, width.saturating_sub(digits), fill);
    out.extend_from_slice(&buf[i..]);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `v` in lower-case hex without leading zeros (`%x`).
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
pub fn hex_byte(out: &mut Vec<u8>, b: u8) {
    out.push(HEX[usize::from(b >> 4)]);
    out.push(HEX[usize::from(b & 0xf)]);
}

/// Appends a dotted-quad IPv4 address from its first four bytes.
pub fn ipv4(out: &mut Vec<u8>, a: &[u8]) {
    for (i, &b) in a[..4].iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        if b >= 100 {
            out.push(b'0' + b / 100);
            out.push(b'0' + b / 10 % 10);
        } else if b >= 10 {
            out.push(b'0' + b / 10);
        }
        out.push(b'0' + b % 10);
    }
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
        assert_eq!(s(|o| dec(o, u64::MAX)), "18446744073709551615");
        assert_eq!(s(|o| dec_pad(o, 42, 5, b' ')), "   42");
        assert_eq!(s(|o| dec_pad(o, 1234567, 6, b'0')), "1234567");
        assert_eq!(s(|o| dec_pad(o, 7, 6, b'0')), "000007");
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
