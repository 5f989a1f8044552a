//! `read -V`: the dissection tree as text. One line per field:
//!
//! ```text
//!   [36..37]   64                       vrrp.prio: 100 (default) — the default priority …
//! ```
//!
//! the byte range in the frame (half-open, as in Rust), the raw bytes in hex,
//! the Wireshark field name, the value and what it means, wrapped to fit.
//! Lines that need attention start with `!` (unusual or insecure) or `!!`
//! (broken: receivers discard the packet, or the capture lost bytes).

use super::{FrameView, Numbers, Printer};
use crate::dissect::{dissect, FrameRef, Level, Node, Tree};
use std::io::{self, Write};

/// Total line width the text is wrapped to.
const WIDTH: usize = 110;
/// Bytes of hex per line.
const HEX_PER_LINE: usize = 8;
const MARK: usize = 2;
const INDENT: usize = 2;
const RANGE: usize = 11;
const HEX: usize = HEX_PER_LINE * 3 + 1;

fn mark(level: Level) -> &'static str {
    match level {
        Level::Info => "  ",
        Level::Warn => "! ",
        Level::Error => "!!",
    }
}

fn range(node: &Node) -> String {
    node.range.as_ref().map(|r| format!("[{}..{}]", r.start, r.end)).unwrap_or_default()
}

/// Splits `text` into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().expect("never empty");
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if len > 0 {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn says(node: &Node, head: &str) -> String {
    match (node.value.is_empty(), node.meaning.is_empty()) {
        (true, true) => head.to_string(),
        (false, true) => format!("{head}: {}", node.value),
        (true, false) => format!("{head} — {}", node.meaning),
        (false, false) => format!("{head}: {} — {}", node.value, node.meaning),
    }
}

/// `read -V`.
#[derive(Debug, Default)]
pub struct TreePrinter;

impl Printer for TreePrinter {
    fn frame_independent(&self) -> bool {
        true
    }

    fn print(&mut self, n: Numbers, view: &FrameView<'_>, out: &mut Vec<u8>) {
        let (frame, decoded) = (view.frame, view.decoded());
        let tree = dissect(&FrameRef { number: n.in_file, frame, decoded: *decoded });
        // Writing into a Vec cannot fail.
        let _ = write_tree(out, &tree);
    }
}

/// Writes a frame's tree, followed by an empty line.
pub fn write_tree<W: Write>(out: &mut W, tree: &Tree) -> io::Result<()> {
    for layer in &tree.layers {
        if layer.children.is_empty() && layer.title.is_empty() {
            // A lone field at the top (padding, undecoded data): a field line at depth 0.
            field_line(out, tree, layer, 0)?;
            continue;
        }
        let width = WIDTH - MARK;
        let text = match layer.value.is_empty() {
            true => format!("{} {}", layer.title, range(layer)),
            false => format!("{} {}: {}", layer.title, range(layer), layer.value),
        };
        for (i, line) in wrap(&text, width).iter().enumerate() {
            let m = if i == 0 { mark(layer.level) } else { "  " };
            writeln!(out, "{m}{line}")?;
        }
        if !layer.meaning.is_empty() {
            for line in wrap(&layer.meaning, width - INDENT) {
                writeln!(out, "  {:INDENT$}{line}", "")?;
            }
        }
        // Facts that are not on the wire (capture metadata) need no byte columns.
        let on_wire = layer.children.iter().any(|c| c.range.is_some());
        for child in &layer.children {
            if on_wire {
                field_line(out, tree, child, 1)?;
            } else {
                for (i, line) in wrap(&says(child, child.name), width - INDENT).iter().enumerate() {
                    let m = if i == 0 { mark(child.level) } else { "  " };
                    let pad = if i == 0 { INDENT } else { 2 * INDENT };
                    writeln!(out, "{m}{:pad$}{line}", "")?;
                }
            }
        }
    }
    writeln!(out)
}

fn field_line<W: Write>(out: &mut W, tree: &Tree, node: &Node, depth: usize) -> io::Result<()> {
    let left = INDENT * depth;
    let text_col = left + RANGE + HEX;
    let hex: Vec<String> = tree
        .bytes(node)
        .chunks(HEX_PER_LINE)
        .map(|c| c.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "))
        .collect();
    let text = wrap(&says(node, node.name), WIDTH - MARK - text_col);
    let rows = hex.len().max(text.len());
    for i in 0..rows {
        let m = if i == 0 { mark(node.level) } else { "  " };
        let r = if i == 0 { range(node) } else { String::new() };
        let h = hex.get(i).map_or("", String::as_str);
        let t = text.get(i).map_or("", String::as_str);
        let line = format!("{m}{:left$}{r:RANGE$}{h:HEX$}{t}", "");
        writeln!(out, "{}", line.trim_end())?;
    }
    for child in &node.children {
        field_line(out, tree, child, depth + 1)?;
    }
    Ok(())
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::dissect::testframes::*;
    use std::path::PathBuf;

    fn render(bytes: &[u8], caplen: usize) -> String {
        let frame = frame(bytes, caplen);
        let mut out = Vec::new();
        write_tree(&mut out, &dissect(&FrameRef::new(1, &frame))).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Compares with `src/print/snapshots/NAME.txt`; `VRRPLAB_BLESS=1`
    /// rewrites the file instead (then review the diff before committing).
    fn snapshot(name: &str, got: &str) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/print/snapshots").join(format!("{name}.txt"));
        if std::env::var_os("VRRPLAB_BLESS").is_some() {
            std::fs::write(&path, got).unwrap();
            return;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(got == want, "{name}: the tree differs from {}:\n{got}", path.display());
    }

    #[test]
    fn v2_advert() {
        snapshot("v2_advert", &render(&V2_ADVERT, V2_ADVERT.len()));
    }

    #[test]
    fn v2_resign_ttl_254() {
        snapshot("v2_resign", &render(&V2_RESIGN, V2_RESIGN.len()));
    }

    #[test]
    fn v3_ipv6() {
        snapshot("v3_ipv6", &render(&V3_IPV6, V3_IPV6.len()));
    }

    #[test]
    fn v3_legacy_unicast_checksum() {
        snapshot("v3_legacy_unicast", &render(&V3_LEGACY_UNICAST, V3_LEGACY_UNICAST.len()));
    }

    #[test]
    fn gratuitous_arp_and_probe() {
        snapshot("garp", &render(&GARP, GARP.len()));
        snapshot("arp_probe", &render(&ARP_PROBE, ARP_PROBE.len()));
    }

    #[test]
    fn udp_summary() {
        snapshot("udp", &render(&UDP_DNS, UDP_DNS.len()));
    }

    #[test]
    fn truncated_advert_stops_with_a_truncated_node() {
        snapshot("v2_truncated", &render(&V2_ADVERT, 44));
    }

    #[test]
    fn every_cut_of_every_frame_renders() {
        for bytes in [&V2_ADVERT[..], &V2_RESIGN, &V3_IPV6, &V3_LEGACY_UNICAST, &GARP, &ARP_PROBE, &UDP_DNS] {
            for cut in 0..bytes.len() {
                let text = render(bytes, cut);
                let ends_cut = text.contains("truncated:") || cut < 14;
                assert!(ends_cut, "cut at {cut} has no truncated node:\n{text}");
            }
        }
    }
}
