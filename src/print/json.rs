//! `read --json`: one JSON object per frame (JSON lines) under Wireshark's
//! field names, with values formatted as `tshark -T fields` prints them
//! (MACs lower-case with colons, times with nine decimals, checksums as
//! `0x1234`), so a script can switch between the two tools. Written by hand
//! straight into the output: no per-field allocation.

use super::{Numbers, Printer};
use crate::capture::Frame;
use crate::dissect::fields::{self, Id, Kind, Value};
use crate::dissect::FrameRef;
use crate::wire::decode::Decoded;
use std::io::{self, Write};
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
    fn print(&mut self, n: Numbers, frame: &Frame, decoded: &Decoded<'_>, out: &mut Vec<u8>) {
        let f = FrameRef { number: n.in_file, frame, decoded: *decoded };
        // Writing into a Vec cannot fail.
        let _ = write_frame(out, &f);
    }
}

/// Writes one frame as a JSON object and a newline.
pub fn write_frame<W: Write>(out: &mut W, f: &FrameRef) -> io::Result<()> {
    out.write_all(b"{")?;
    let mut first_field = true;
    for &id in FIELDS {
        let def = id.def();
        let mut n = 0usize;
        let mut result = Ok(());
        fields::visit(f, id, &mut |v| {
            result = (|| {
                if n == 0 {
                    if !first_field {
                        out.write_all(b",")?;
                    }
                    write!(out, "\"{}\":", def.name)?;
                    if def.multi {
                        out.write_all(b"[")?;
                    }
                } else {
                    out.write_all(b",")?;
                }
                value(out, def.kind, v)
            })();
            n += 1;
            if result.is_ok() && def.multi {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        });
        result?;
        if n > 0 {
            first_field = false;
            if def.multi {
                out.write_all(b"]")?;
            }
        }
    }
    out.write_all(b"}\n")
}

fn value<W: Write>(out: &mut W, kind: Kind, v: Value) -> io::Result<()> {
    match v {
        Value::Present => out.write_all(b"true"),
        Value::Uint(n) if kind == Kind::Hex16 => write!(out, "\"0x{n:04x}\""),
        Value::Uint(n) => write!(out, "{n}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Ip(a) => write!(out, "\"{a}\""),
        Value::Mac(m) => {
            write!(out, "\"{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}\"", m[0], m[1], m[2], m[3], m[4], m[5])
        }
        Value::Str(s) => string(out, s),
        Value::Enum(_, name) => write!(out, "\"{name}\""),
        Value::Time(t) => write!(out, "{}.{:09}", t.secs, t.nanos),
    }
}

/// A JSON string of bytes that should be ASCII text: printable ASCII as is,
/// control characters escaped, other bytes as U+FFFD (as tshark shows them).
fn string<W: Write>(out: &mut W, s: &[u8]) -> io::Result<()> {
    out.write_all(b"\"")?;
    for &b in s {
        match b {
            b'"' => out.write_all(b"\\\"")?,
            b'\\' => out.write_all(b"\\\\")?,
            0x20..=0x7e => out.write_all(&[b])?,
            0x00..=0x1f | 0x7f => write!(out, "\\u{:04x}", b)?,
            _ => out.write_all("\u{fffd}".as_bytes())?,
        }
    }
    out.write_all(b"\"")
}
