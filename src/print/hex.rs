//! tcpdump's hex dumps: `-x` (`hex_print`) and `-X` or the default print of
//! unknown payloads (`hex_and_ascii_print`). Lines start with `ident` and an
//! offset; a dump asked to cover more than was captured prints what there
//! is and reports the truncation, as tcpdump does.

use super::fmt::{hex_byte, hex_pad, pad};

/// Bytes per dump line.
const LINE: usize = 16;

fn graph(b: u8) -> u8 {
    if b.is_ascii_graphic() {
        b
    } else {
        b'.'
    }
}

/// `-x`: hex only, eight groups of two bytes per line. Returns false when
/// `length` exceeded the bytes available.
pub fn hex_only(out: &mut Vec<u8>, ident: &str, bytes: &[u8], length: usize) -> bool {
    let n = length.min(bytes.len());
    for (i, line) in bytes[..n].chunks(LINE).enumerate() {
        out.extend_from_slice(ident.as_bytes());
        out.extend_from_slice(b"0x");
        hex_pad(out, (i * LINE) as u64, 4);
        out.extend_from_slice(b": ");
        for pair in line.chunks(2) {
            out.push(b' ');
            for &b in pair {
                hex_byte(out, b);
            }
        }
    }
    n == length
}

/// `-X`: hex and ASCII. Returns false when `length` exceeded the bytes available.
pub fn hex_and_ascii(out: &mut Vec<u8>, ident: &str, bytes: &[u8], length: usize) -> bool {
    let n = length.min(bytes.len());
    for (i, line) in bytes[..n].chunks(LINE).enumerate() {
        out.extend_from_slice(ident.as_bytes());
        out.extend_from_slice(b"0x");
        hex_pad(out, (i * LINE) as u64, 4);
        out.extend_from_slice(b": ");
        let start = out.len();
        for pair in line.chunks(2) {
            out.push(b' ');
            for &b in pair {
                hex_byte(out, b);
            }
        }
        // The hex column is 40 wide (8 groups of " xxxx").
        let width = out.len() - start;
        pad(out, 40usize.saturating_sub(width) + 2, b' ');
        out.extend(line.iter().map(|&b| graph(b)));
    }
    n == length
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn layouts_match_tcpdump() {
        let bytes: Vec<u8> = (0u8..19).map(|b| b.wrapping_mul(13).wrapping_add(0x20)).collect();
        let mut out = Vec::new();
        assert!(hex_and_ascii(&mut out, "\n\t", &bytes, bytes.len()));
        // The hex column is padded to 40 characters, then two spaces.
        let want = format!(
            "\n\t0x0000:  202d 3a47 5461 6e7b 8895 a2af bcc9 d6e3  .-:GTan{{........\n\t0x0010:  f0fd 0a{}...",
            " ".repeat(32 + 2)
        );
        assert_eq!(String::from_utf8(out).unwrap(), want);
        let mut out = Vec::new();
        assert!(!hex_only(&mut out, "\n\t", &bytes, 40));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\n\t0x0000:  202d 3a47 5461 6e7b 8895 a2af bcc9 d6e3\n\t0x0010:  f0fd 0a"
        );
    }
}
