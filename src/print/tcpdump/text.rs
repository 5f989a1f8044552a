//! HTTP on TCP ports 80 and 8080, as tcpdump prints text protocols
//! (`txtproto_print`): `: HTTP: GET / HTTP/1.1`, and with `-v` every line
//! of the segment on its own line. Only a request method or a status code
//! makes the text print; anything else is just `: HTTP`.

use super::{get, Cx, R};

const HTTP_METHODS: [&str; 38] = [
    "GET", "PUT", "COPY", "HEAD", "LOCK", "MOVE", "POLL", "POST", "BCOPY", "BMOVE", "MKCOL", "TRACE", "LABEL",
    "MERGE", "DELETE", "SEARCH", "UNLOCK", "REPORT", "UPDATE", "NOTIFY", "BDELETE", "CONNECT", "OPTIONS",
    "CHECKIN", "PROPFIND", "CHECKOUT", "CCM_POST", "SUBSCRIBE", "PROPPATCH", "BPROPFIND", "BPROPPATCH",
    "UNCHECKOUT", "MKACTIVITY", "MKWORKSPACE", "UNSUBSCRIBE", "RPC_CONNECT", "VERSION-CONTROL", "BASELINE-CONTROL",
];

/// Tokens of this many bytes or more are not looked at.
const MAX_TOKEN: usize = 128;

fn printable(c: u8) -> bool {
    (0x20..=0x7e).contains(&c)
}

fn blank(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// `b` is the TCP payload as captured, `len` its length on the wire.
pub(super) fn http(cx: &mut Cx<'_>, b: &[u8], len: usize) -> R {
    cx.proto = "http";
    let mut wanted = false;
    if let Some((next, first)) = token(b, 0, len) {
        wanted = HTTP_METHODS.iter().any(|m| m.as_bytes().eq_ignore_ascii_case(first));
        // A response: the status code is the second token.
        if token(b, next, len).is_some_and(|(_, code)| code.len() == 3 && code.iter().all(u8::is_ascii_digit)) {
            wanted = true;
        }
    }
    cx.s("HTTP");
    if !wanted {
        return Ok(());
    }
    if cx.verbose() {
        cx.s(", length: ");
        cx.dec(len as u64);
        let mut at = 0;
        while at < len {
            match line(cx, "\n\t", b, at, len)? {
                Some(next) => at = next,
                None => break,
            }
        }
    } else {
        line(cx, ": ", b, 0, len)?;
    }
    Ok(())
}

/// The printable token at `at` and where the next one starts (tcpdump's
/// `fetch_token`); `None` when there is none, or it is not plain ASCII.
fn token(b: &[u8], mut at: usize, len: usize) -> Option<(usize, &[u8])> {
    let start = at;
    while at < len {
        let c = *b.get(at)?;
        if blank(c) {
            break;
        }
        if !printable(c) || at - start + 2 > MAX_TOKEN + 1 {
            return None;
        }
        at += 1;
    }
    if at == start {
        return None;
    }
    let end = at;
    while at < len && b.get(at) == Some(&b' ') {
        at += 1;
    }
    Some((at, &b[start..end]))
}

/// Prints the line at `at` after `prefix`; the start of the next line, or
/// `None` at the end or at bytes that are not text (a line the segment cuts
/// is printed with ` [|http]`).
fn line(cx: &mut Cx<'_>, prefix: &str, b: &[u8], mut at: usize, len: usize) -> R<Option<usize>> {
    let start = at;
    while at < len {
        let c = get(b, at)?;
        let end = match c {
            b'\n' => at + 1,
            b'\r' if at + 1 < len && get(b, at + 1)? == b'\n' => at + 2,
            b'\r' => return Ok(None),
            c if !printable(c) && c != b'\t' => return Ok(None),
            _ => {
                at += 1;
                continue;
            }
        };
        write_line(cx, prefix, &b[start..at]);
        return Ok(Some(end));
    }
    write_line(cx, prefix, &b[start..at]);
    cx.trunc_note();
    Ok(None)
}

fn write_line(cx: &mut Cx<'_>, prefix: &str, text: &[u8]) {
    cx.s(prefix);
    cx.out.extend_from_slice(text);
}
