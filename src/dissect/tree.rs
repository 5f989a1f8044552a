//! The field tree of one frame: a node per layer, and under it a node per
//! field with its byte range in the frame, its value and what it means. The
//! ranges come from the wire modules' `field` constants, so the TUI can
//! highlight exactly the bytes a node explains.

use super::FrameRef;
use crate::capture::LinkType;
use crate::wire::decode::{Link, Net};
use crate::wire::Field;

/// How much a node wants the reader's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Info,
    /// Legal but worth knowing (a security note, an unusual value).
    Warn,
    /// Broken: receivers discard the packet, or the capture lost bytes.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The Wireshark field name (`vrrp.prio`) or protocol name (`vrrp`);
    /// vrrplab's own notes use names Wireshark does not have (`truncated`).
    pub name: &'static str,
    /// A layer's title ("Virtual Router Redundancy Protocol"); empty for fields.
    pub title: String,
    /// Bytes of the frame this node explains; `None` for facts not on the
    /// wire (capture metadata, conclusions such as "gratuitous").
    pub range: Option<Field>,
    pub value: String,
    /// A short explanation for someone learning the protocol.
    pub meaning: String,
    pub level: Level,
    pub children: Vec<Node>,
}

impl Node {
    pub fn field(
        name: &'static str,
        range: Option<Field>,
        value: impl Into<String>,
        meaning: impl Into<String>,
    ) -> Node {
        Node {
            name,
            title: String::new(),
            range,
            value: value.into(),
            meaning: meaning.into(),
            level: Level::Info,
            children: Vec::new(),
        }
    }

    pub fn level(mut self, level: Level) -> Node {
        self.level = level;
        self
    }

    /// The most severe level in this subtree.
    pub fn worst(&self) -> Level {
        self.children.iter().map(Node::worst).fold(self.level, Ord::max)
    }
}

/// The dissection of one frame: its layers in order, over its bytes.
#[derive(Debug, Clone)]
pub struct Tree<'a> {
    pub data: &'a [u8],
    pub layers: Vec<Node>,
}

impl Tree<'_> {
    /// The raw bytes a node covers (empty when it has no range).
    pub fn bytes(&self, node: &Node) -> &[u8] {
        node.range.clone().and_then(|r| self.data.get(r)).unwrap_or(&[])
    }
}

/// Builds one layer's node, field by field, stopping at the first field the
/// capture cut off with a `truncated` node.
pub(super) struct Layer<'d> {
    data: &'d [u8],
    /// Offset of the layer in the frame; field ranges are relative to it.
    pub base: usize,
    pub node: Node,
    cut: bool,
}

/// A field's value and meaning, as a layer builder receives them.
pub(super) struct Says {
    pub value: String,
    pub meaning: String,
    pub level: Level,
}

impl Says {
    pub fn new(value: impl Into<String>, meaning: impl Into<String>) -> Says {
        Says { value: value.into(), meaning: meaning.into(), level: Level::Info }
    }
    pub fn level(mut self, level: Level) -> Says {
        self.level = level;
        self
    }
}

impl<'d> Layer<'d> {
    /// A layer named `name` that claims bytes `base..end` of `data`.
    pub fn new(data: &'d [u8], name: &'static str, title: impl Into<String>, base: usize, end: usize) -> Layer<'d> {
        let node = Node { title: title.into(), ..Node::field(name, Some(base..end.max(base)), "", "") };
        Layer { data, base, node, cut: false }
    }

    /// Whether the capture cut this layer before the end of `rel`.
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// Adds the field at `rel` (relative to the layer) if it was captured,
    /// describing its bytes with `says`; otherwise ends the layer with a
    /// `truncated` node. Returns whether the field was added.
    pub fn add(&mut self, name: &'static str, rel: Field, says: impl FnOnce(&'d [u8]) -> Says) -> bool {
        if self.cut {
            return false;
        }
        let abs = self.base + rel.start..self.base + rel.end;
        let Some(bytes) = self.data.get(abs.clone()) else {
            self.truncate(abs.start.min(self.data.len()));
            return false;
        };
        let s = says(bytes);
        self.node.children.push(Node::field(name, Some(abs), s.value, s.meaning).level(s.level));
        true
    }

    /// Adds a conclusion that has no bytes of its own.
    pub fn note(&mut self, name: &'static str, says: Says) {
        self.node.children.push(Node::field(name, None, says.value, says.meaning).level(says.level));
    }

    /// Ends the layer: the capture holds nothing from `at` on.
    pub fn truncate(&mut self, at: usize) {
        if !self.cut {
            self.cut = true;
            self.node.children.push(truncated(self.data.len(), at));
        }
    }

    pub fn finish(mut self, value: impl Into<String>, meaning: impl Into<String>) -> Node {
        self.node.value = value.into();
        self.node.meaning = meaning.into();
        self.node
    }
}

/// The node that says the capture stops here.
pub(super) fn truncated(captured: usize, at: usize) -> Node {
    Node::field(
        "truncated",
        Some(at..at),
        format!("the capture ends at byte {captured}"),
        "the snap length cut the frame here: the fields after this point are not in the file",
    )
    .level(Level::Error)
}

/// Dissects a frame into its layers.
pub fn dissect<'a>(f: &FrameRef<'a>) -> Tree<'a> {
    let mut layers = vec![super::link::frame(f)];
    match f.decoded.link {
        Link::Ethernet { .. } => layers.extend(super::link::ethernet(f)),
        Link::Cooked { .. } => layers.push(super::link::cooked(f)),
        Link::None => {}
        Link::Truncated => layers.push(match f.frame.linktype {
            LinkType::Other(n) => Node::field(
                "data",
                Some(0..f.data().len()),
                format!("{} bytes", f.data().len()),
                format!("link type {n}: vrrplab decodes Ethernet, Linux cooked and raw IP captures, not this one"),
            )
            .level(Level::Warn),
            _ => truncated(f.data().len(), f.data().len()),
        }),
    }
    let end = match f.decoded.net {
        Net::Arp { .. } => Some(super::arp::layer(f, &mut layers)),
        Net::Ip(_) | Net::BadIp { .. } => Some(super::ip::layers(f, &mut layers)),
        Net::Other { ethertype, offset, bytes } => {
            layers.push(Node::field(
                "data",
                Some(offset..offset + bytes.len()),
                format!("{} bytes of ethertype 0x{ethertype:04x}", bytes.len()),
                "a protocol vrrplab does not decode",
            ));
            None
        }
        Net::None => None,
    };
    if let (Some(end), Link::Ethernet { .. }) = (end, f.decoded.link) {
        if end < f.data().len() {
            layers.push(Node::field(
                "eth.padding",
                Some(end..f.data().len()),
                format!("{} bytes", f.data().len() - end),
                "filler after the packet: Ethernet frames are at least 60 bytes, so short packets are padded (usually with zeros)",
            ));
        }
    }
    let captured = f.data().len();
    let cut_shown = layers.iter().any(|l| l.name == "truncated" || l.children.iter().any(|c| c.name == "truncated"));
    if captured < f.frame.orig_len as usize && !cut_shown {
        layers.push(truncated(captured, captured));
    }
    Tree { data: f.data(), layers }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::Frame;
    use crate::dissect::testframes::{self, *};
    use proptest::prelude::*;

    /// The first node called `name`, anywhere in the tree.
    fn find<'t>(tree: &'t Tree, name: &str) -> &'t Node {
        fn walk<'t>(nodes: &'t [Node], name: &str) -> Option<&'t Node> {
            nodes.iter().find_map(|n| if n.name == name { Some(n) } else { walk(&n.children, name) })
        }
        walk(&tree.layers, name).unwrap_or_else(|| panic!("no {name} in {tree:#?}"))
    }

    fn with(bytes: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Frame {
        let mut b = bytes.to_vec();
        edit(&mut b);
        testframes::frame(&b, b.len())
    }

    fn tree(f: &Frame) -> Tree<'_> {
        dissect(&FrameRef::new(7, f))
    }

    #[test]
    fn ranges_point_at_the_bytes_they_explain() {
        let f = testframes::frame(&V2_ADVERT, V2_ADVERT.len());
        let t = tree(&f);
        assert_eq!(t.bytes(find(&t, "vrrp.prio")), &[100]);
        assert_eq!(t.bytes(find(&t, "vrrp.ip_addr")), &[192, 0, 2, 100]);
        assert_eq!(t.bytes(find(&t, "vrrp.auth_string")), b"1111\0\0\0\0");
        assert_eq!(t.bytes(find(&t, "ip.ttl")), &[255]);
        assert_eq!(t.bytes(find(&t, "eth.src")), &[0, 0, 0x5e, 0, 1, 0x33]);
        assert_eq!(find(&t, "frame").title, "Frame 7");
    }

    #[test]
    fn wrong_checksum_gives_the_expected_value() {
        let f = with(&V2_ADVERT, |b| b[40] = 0);
        let t = tree(&f);
        let c = find(&t, "vrrp.checksum");
        assert_eq!(c.value, "0x0003 [incorrect, should be 0x5503]");
        assert_eq!(c.level, Level::Error);
    }

    #[test]
    fn v3_reserved_bits_and_odd_versions_are_flagged() {
        let f = with(&V3_IPV6, |b| b[58] |= 0x50);
        let t = tree(&f);
        assert_eq!(find(&t, "vrrp.reserved_mbz").value, "5");
        assert_eq!(find(&t, "vrrp.reserved_mbz").level, Level::Warn);
        assert_eq!(find(&t, "vrrp.short_adver_int").value, "100 cs");
        let f = with(&V2_ADVERT, |b| b[34] = 0x12);
        let t = tree(&f);
        assert_eq!(find(&t, "vrrp.version").level, Level::Error);
        assert_eq!(find(&t, "vrrp.type").value, "2");
        assert_eq!(find(&t, "vrrp.type").level, Level::Error);
    }

    #[test]
    fn count_that_does_not_fit_the_length() {
        let f = with(&V2_ADVERT, |b| b[37] = 2);
        let t = tree(&f);
        let count = find(&t, "vrrp.addr_count");
        assert_eq!(count.level, Level::Error);
        assert!(
            count.meaning.contains("the count says 2 but the message length (20 bytes) has room for 1"),
            "{}",
            count.meaning
        );
        // Three addresses fill the 20 bytes exactly if the auth data is left out.
        let f = with(&V2_ADVERT, |b| b[37] = 3);
        let t = tree(&f);
        assert_eq!(find(&t, "vrrp.addr_count").level, Level::Warn);
        let auth = |c: &Node| matches!(c.name, "vrrp.auth_string" | "vrrp.auth_data");
        assert!(t.layers.iter().all(|l| !l.children.iter().any(auth)));
    }

    #[test]
    fn vmac_of_another_vrid_is_a_warning() {
        let f = with(&V2_ADVERT, |b| b[11] = 0x34);
        let t = tree(&f);
        assert_eq!(find(&t, "eth.src").level, Level::Warn);
        assert!(find(&t, "eth.src").meaning.contains("VRID 52, but this advert is for VRID 51"));
    }

    #[test]
    fn vlan_tags_and_cooked_headers() {
        let f = with(&V2_ADVERT, |b| {
            b.splice(12..12, [0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x20, 0x2a]);
        });
        let t = tree(&f);
        let names: Vec<&str> = t.layers.iter().map(|l| l.name).collect();
        assert_eq!(names, ["frame", "eth", "ieee8021ad", "vlan", "ip", "vrrp"]);
        assert_eq!(find(&t, "eth.type").value, "0x88a8");
        assert_eq!(t.layers[3].value, "VLAN 42");
        assert_eq!(t.bytes(find(&t, "vrrp.prio")), &[100]);
        // The same advert behind a Linux cooked (SLL) header instead of Ethernet.
        let mut sll = vec![0, 2, 0, 1, 0, 6, 0, 0, 0x5e, 0, 1, 0x33, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(&V2_ADVERT[14..]);
        let f = Frame { linktype: crate::capture::LinkType::LinuxSll, ..testframes::frame(&sll, sll.len()) };
        let t = tree(&f);
        assert_eq!(find(&t, "sll.src.eth").value, "00:00:5e:00:01:33");
        assert_eq!(find(&t, "sll.pkttype").value, "2");
        assert_eq!(t.bytes(find(&t, "vrrp.prio")), &[100]);
    }

    #[test]
    fn frames_of_unknown_link_types_say_so() {
        let f = Frame { linktype: crate::capture::LinkType::Other(107), ..testframes::frame(&V2_ADVERT, 54) };
        let t = tree(&f);
        assert_eq!(find(&t, "frame.encap_type").value, "linktype 107");
        assert_eq!(find(&t, "data").level, Level::Warn);
        assert_eq!(t.layers.len(), 2);
    }

    proptest! {
        #[test]
        fn any_bytes_dissect_and_print(
            bytes in proptest::collection::vec(any::<u8>(), 0..120),
            link in 0usize..5,
            seed in proptest::sample::select(vec![&V2_ADVERT[..], &V3_IPV6[..], &GARP[..], &UDP_DNS[..]]),
            mix in any::<bool>(),
        ) {
            use crate::capture::LinkType;
            let linktype = [LinkType::Ethernet, LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::Raw, LinkType::Other(9)][link];
            // Either noise, or the start of a real frame followed by noise.
            let data = if mix {
                let keep = usize::from(bytes.first().copied().unwrap_or(0)) % (seed.len() + 1);
                seed[..keep].iter().chain(&bytes).copied().collect()
            } else {
                bytes.clone()
            };
            let f = Frame { linktype, orig_len: data.len() as u32 + 3, ..testframes::frame(&data, data.len()) };
            let fr = FrameRef::new(1, &f);
            let t = dissect(&fr);
            // Layers may claim more than was captured; fields never point past the data.
            let inside = |n: &Node| n.range.as_ref().is_none_or(|r| r.start <= r.end && r.end <= data.len());
            for layer in &t.layers {
                prop_assert!(!layer.title.is_empty() || inside(layer), "{layer:?}");
                prop_assert!(layer.children.iter().all(inside), "{layer:?}");
            }
            let mut text = Vec::new();
            crate::print::tree::write_tree(&mut text, &t).unwrap();
            let mut json = Vec::new();
            crate::print::json::write_frame(&mut json, &fr);
            let parsed: Result<serde_json::Value, _> = serde_json::from_slice(&json);
            prop_assert!(parsed.is_ok(), "{}", String::from_utf8_lossy(&json));
            let filter = crate::filter::Filter::parse("vrrp.prio < 100 || arp.isgratuitous || ip.addr == 192.0.2.0/24 || vrrp.auth_string == \"x\"").unwrap();
            let _ = filter.matches(&fr);
        }
    }
}
