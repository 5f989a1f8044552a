//! `read --json`: one JSON object per frame (JSON lines) under Wireshark's
//! field names, with values formatted as `tshark -T fields` prints them
//! (MACs lower-case with colons, times with nine decimals, checksums as
//! `0x1234`), so a script can switch between the two tools. Written by hand
//! straight into the output buffer: no per-field allocation.

use super::{fmt, FrameView, Numbers, Printer};
use crate::dissect::fields::{self, Id, Kind, Value};
use crate::dissect::FrameRef;
use std::net::IpAddr;
use std::ops::ControlFlow;

/// The fields of a line, in order; absent fields are left out.
pub const FIELDS: &[Id] = &[
    Id::FrameNumber,
    Id::FrameTimeEpoch,
    Id::FrameLen,
    Id::EthSrc,
    Id::EthDst,
    Id::VlanId,
    Id::IpSrc,
    Id::IpDst,
    Id::IpTtl,
    Id::IpProto,
    Id::Ipv6Src,
    Id::Ipv6Dst,
    Id::Ipv6Hlim,
    Id::Ipv6Nxt,
    Id::TcpSrcport,
    Id::TcpDstport,
    Id::UdpSrcport,
    Id::UdpDstport,
    Id::VrrpVersion,
    Id::VrrpType,
    Id::VrrpVrid,
    Id::VrrpPrio,
    Id::VrrpAddrCount,
    Id::VrrpAuthType,
    Id::VrrpAdverInt,
    Id::VrrpReservedMbz,
    Id::VrrpShortAdverInt,
    Id::VrrpChecksum,
    Id::VrrpChecksumStatus,
    Id::VrrpIpAddr,
    Id::VrrpIpv6Addr,
    Id::VrrpAuthString,
    Id::ChecksumVariantId,
    Id::ArpOpcode,
    Id::ArpSrcHwMac,
    Id::ArpSrcProtoIpv4,
    Id::ArpDstHwMac,
    Id::ArpDstProtoIpv4,
    Id::ArpIsGratuitous,
];

/// `read --json`.
#[derive(Debug, Default)]
pub struct Json;

impl Printer for Json {
    fn frame_independent(&self) -> bool {
        true
    }

    fn print(&mut self, n: Numbers, view: &FrameView<'_>, out: &mut Vec<u8>) {
        let (frame, decoded) = (view.frame, view.decoded());
        write_frame(out, &FrameRef { number: n.in_file, frame, decoded: *decoded });
    }
}

/// Appends one frame as a JSON object and a newline.
pub fn write_frame(out: &mut Vec<u8>, f: &FrameRef) {
    out.push(b'{');
    let mut first_field = true;
    for &id in FIELDS {
        let def = id.def();
        let mut n = 0usize;
        fields::visit(f, id, &mut |v| {
            if n == 0 {
                if !first_field {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(def.name.as_bytes());
                out.extend_from_slice(b"\":");
                if def.multi {
                    out.push(b'[');
                }
            } else {
                out.push(b',');
            }
            value(out, def.kind, v);
            n += 1;
            if def.multi {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        });
        if n > 0 {
            first_field = false;
            if def.multi {
                out.push(b']');
            }
        }
    }
    out.extend_from_slice(b"}\n");
}

fn value(out: &mut Vec<u8>, kind: Kind, v: Value) {
    match v {
        Value::Present => out.extend_from_slice(b"true"),
        Value::Uint(n) if kind == Kind::Hex16 => {
            out.extend_from_slice(b"\"0x");
            fmt::hex_pad(out, n, 4);
            out.push(b'"');
        }
        Value::Uint(n) => fmt::dec(out, n),
        Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Value::Ip(a) => {
            out.push(b'"');
            match a {
                IpAddr::V4(a) => fmt::ipv4(out, &a.octets()),
                IpAddr::V6(a) => fmt::ipv6(out, &a.octets()),
            }
            out.push(b'"');
        }
        Value::Mac(m) => {
            out.push(b'"');
            fmt::linkaddr(out, &m);
            out.push(b'"');
        }
        Value::Str(s) => string(out, s),
        Value::Enum(_, name) => {
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.push(b'"');
        }
        Value::Time(t) => {
            // pcap times are never before 1970; a negative one still reads right.
            if t.secs < 0 {
                out.push(b'-');
            }
            fmt::dec(out, t.secs.unsigned_abs());
            out.push(b'.');
            fmt::dec_pad(out, u64::from(t.nanos), 9, b'0');
        }
    }
}

/// A JSON string of bytes that should be ASCII text: printable ASCII as is,
/// control characters escaped, other bytes as U+FFFD (as tshark shows them).
fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x20..=0x7e => out.push(b),
            0x00..=0x1f | 0x7f => {
                out.extend_from_slice(b"\\u00");
                fmt::hex_byte(out, b);
            }
            _ => out.extend_from_slice("\u{fffd}".as_bytes()),
        }
    }
    out.push(b'"');
}
