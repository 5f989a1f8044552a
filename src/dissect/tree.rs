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
        Link::Truncated => {
            let why = match f.frame.linktype {
                LinkType::Other(n) => Node::field(
                    "frame.encap_type",
                    None,
                    format!("link type {n}"),
                    "vrrplab decodes Ethernet, Linux cooked and raw IP captures; this one is not decoded",
                )
                .level(Level::Warn),
                _ => truncated(f.data().len(), f.data().len()),
            };
            layers.push(why);
        }
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
