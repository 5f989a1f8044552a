//! Byte layouts of the headers that etherparse and [`super::decode`] read:
//! named field ranges, relative to the start of each header. They exist for
//! the consumers that point at bytes — the `-V` tree and the TUI's hex
//! highlighting — so every range shown to a user is named once, here.

/// Ethernet II (DIX) header.
pub mod ethernet {
    use crate::wire::Field;
    pub const DST: Field = 0..6;
    pub const SRC: Field = 6..12;
    pub const ETHERTYPE: Field = 12..14;
    pub const HEADER_LEN: usize = ETHERTYPE.end;
}

/// One 802.1Q / 802.1ad tag after its TPID (the TPID sits where the
/// ethertype would be, so it belongs to the header before).
pub mod vlan {
    use crate::wire::Field;
    /// Priority code point (3 bits), drop eligible (1), VLAN id (12).
    pub const TCI: Field = 0..2;
    pub const ETHERTYPE: Field = 2..4;
    pub const TAG_LEN: usize = ETHERTYPE.end;
}

/// Linux cooked capture v1 (LINKTYPE_LINUX_SLL).
pub mod sll {
    use crate::wire::Field;
    pub const PKTTYPE: Field = 0..2;
    pub const HATYPE: Field = 2..4;
    pub const HALEN: Field = 4..6;
    pub const ADDR: Field = 6..14;
    pub const PROTOCOL: Field = 14..16;
    pub const HEADER_LEN: usize = PROTOCOL.end;
}

/// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2).
pub mod sll2 {
    use crate::wire::Field;
    pub const PROTOCOL: Field = 0..2;
    pub const RESERVED: Field = 2..4;
    pub const IFINDEX: Field = 4..8;
    pub const HATYPE: Field = 8..10;
    pub const PKTTYPE: usize = 10;
    pub const HALEN: usize = 11;
    pub const ADDR: Field = 12..20;
    pub const HEADER_LEN: usize = ADDR.end;
}

/// IPv4 header without options.
pub mod ipv4 {
    use crate::wire::Field;
    /// Version (4 bits) and header length in 32-bit words (4 bits).
    pub const VER_IHL: usize = 0;
    pub const DSCP_ECN: usize = 1;
    pub const TOTAL_LEN: Field = 2..4;
    pub const IDENT: Field = 4..6;
    /// Flags (3 bits) and fragment offset (13 bits).
    pub const FLAGS_FRAG: Field = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Field = 10..12;
    pub const SRC: Field = 12..16;
    pub const DST: Field = 16..20;
    pub const HEADER_LEN: usize = DST.end;
}

/// IPv6 fixed header.
pub mod ipv6 {
    use crate::wire::Field;
    /// Version (4 bits), traffic class (8), flow label (20).
    pub const VER_TC_FLOW: Field = 0..4;
    pub const PAYLOAD_LEN: Field = 4..6;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SRC: Field = 8..24;
    pub const DST: Field = 24..40;
    pub const HEADER_LEN: usize = DST.end;
}

/// The start of a TCP or UDP header: the ports.
pub mod ports {
    use crate::wire::Field;
    pub const SRC: Field = 0..2;
    pub const DST: Field = 2..4;
}

/// TCP fields beyond the ports.
pub mod tcp {
    use crate::wire::Field;
    pub const SEQ: Field = 4..8;
    pub const ACK: Field = 8..12;
    /// Data offset (4 bits) and flags (12 bits).
    pub const OFFSET_FLAGS: Field = 12..14;
    /// The low byte of `OFFSET_FLAGS`: CWR, ECE, URG, ACK, PSH, RST, SYN, FIN.
    pub const FLAGS: usize = 13;
    pub const CHECKSUM: Field = 16..18;
    pub const HEADER_LEN: usize = 20;
}

/// UDP fields beyond the ports.
pub mod udp {
    use crate::wire::Field;
    pub const LENGTH: Field = 4..6;
    pub const CHECKSUM: Field = 6..8;
    pub const HEADER_LEN: usize = CHECKSUM.end;
}

/// ICMP and ICMPv6 share their first two bytes.
pub mod icmp {
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
}
