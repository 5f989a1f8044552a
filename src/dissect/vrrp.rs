//! The VRRP advert, field by field, with what each field does in the
//! election: the part of the tree a student reads to answer "walk me through
//! this advert".

use super::layers::{Checksum, Vrrp};
use super::link::{be16, ip, mac};
use super::tree::{Layer, Level, Node, Says};
use super::FrameRef;
use crate::wire::vrrp::{self, field, AuthType, ChecksumVariant, Family};

/// Seconds with millisecond precision, from microseconds.
fn secs(us: u64) -> String {
    format!("{:.3} s", us as f64 / 1e6)
}

fn version_says(v: u8, family: Family) -> Says {
    match (v, family) {
        (2, Family::Ipv4) => Says::new("2", "VRRPv2 (RFC 3768): IPv4 only, interval in whole seconds, optional authentication"),
        (2, Family::Ipv6) => Says::new("2", "VRRPv2 is IPv4 only: over IPv6 only version 3 exists, so receivers discard this").level(Level::Error),
        (3, _) => Says::new("3", "VRRPv3 (RFC 5798, now RFC 9568): IPv4 or IPv6, interval in centiseconds, no authentication"),
        (v, _) => Says::new(
            v.to_string(),
            "not a VRRP version (only 2 and 3 exist): receivers discard it. The rest is read with the v2 layout, as Wireshark does",
        )
        .level(Level::Error),
    }
}

fn type_says(t: u8) -> Says {
    if t == 1 {
        Says::new(
            "1 (Advertisement)",
            "the only VRRP message: the master's periodic \"I am alive, with this priority\"",
        )
    } else {
        Says::new(t.to_string(), "invalid: only type 1 (Advertisement) exists, so receivers discard the packet")
            .level(Level::Error)
    }
}

fn vrid_says(id: u8, family: Family) -> Says {
    if id == 0 {
        return Says::new("0", "invalid: VRIDs run from 1 to 255").level(Level::Error);
    }
    let vmac = mac(&[0x00, 0x00, 0x5e, 0x00, if family == Family::Ipv4 { 1 } else { 2 }, id]);
    Says::new(
        id.to_string(),
        format!("which virtual router: the routers sharing VRID {id} on this link elect one master, whose virtual MAC is {vmac}"),
    )
}

/// What a backup waits for, in words: the priority used and the time.
fn backup_wait(version: u8, prio: u8, interval_us: u64) -> (String, u64) {
    let (who, p) = if prio == 0 || prio == 255 {
        ("a default backup (priority 100)".to_string(), 100)
    } else {
        (format!("a backup with this packet's priority {prio}"), prio)
    };
    (who, vrrp::master_down_us(version, p, interval_us))
}

fn prio_says(prio: u8, version: u8, interval_us: u64) -> Says {
    let tie = "the highest priority wins the election; on a tie the higher primary IP address wins";
    match prio {
        0 => {
            let formula = if version == 3 {
                format!("(256 − priority) × {} / 256", secs(interval_us))
            } else {
                "(256 − priority) / 256 s".to_string()
            };
            let skew = vrrp::skew_time_us(version, 100, interval_us);
            Says::new(
                "0 (master resigning)",
                format!(
                    "the master is resigning; backups take over after Skew_Time instead of Master_Down_Interval. Skew_Time = {formula} with each backup's own priority (not in this packet); for a default backup (priority 100): {}",
                    secs(skew)
                ),
            )
            .level(Level::Warn)
        }
        255 => Says::new("255 (address owner)", "the address owner: the virtual addresses are this router's own interface addresses, so it always wins and takes over at once when it starts"),
        100 => Says::new("100 (default)", format!("the default priority (the RFC's and keepalived's): {tie}")),
        p => Says::new(p.to_string(), format!("a backup priority (1–254): {tie}")),
    }
}

fn count_says(m: &Vrrp, count: u8) -> Says {
    let n = usize::from(count);
    let width = m.family().addr_len();
    let len = m.ip.payload_len;
    let auth = if m.is_v3() { 0 } else { vrrp::AUTH_DATA_LEN };
    let fixed = vrrp::HEADER_LEN + n * width;
    let plural = if n == 1 { "address follows" } else { "addresses follow" };
    if n == 0 {
        Says::new("0", "an advert must carry at least one address (RFC 5798 §5.2.5)").level(Level::Error)
    } else if fixed + auth == len {
        Says::new(n.to_string(), format!("{n} virtual {plural}"))
    } else if auth > 0 && fixed == len {
        Says::new(n.to_string(), format!("{n} virtual {plural} with no authentication data after them (RFC 3768 requires 8 bytes; some stacks leave them out) — or the count is wrong and the last bytes are the auth data"))
            .level(Level::Warn)
    } else {
        let room = len.saturating_sub(vrrp::HEADER_LEN + auth) / width;
        Says::new(n.to_string(), format!("the count says {n} but the message length ({len} bytes) has room for {room}: receivers discard the advert"))
            .level(Level::Error)
    }
}

fn auth_type_says(t: AuthType) -> Says {
    let n = u8::from(t);
    match t {
        AuthType::None => {
            Says::new("0 (none)", "no authentication: keepalived's default; RFC 3768 removed authentication")
        }
        AuthType::Simple => Says::new(
            "1 (simple text)",
            "a clear-text password in the last 8 bytes: every peer must be configured with the same one (auth_pass)",
        ),
        AuthType::Ah => Says::new("2 (IP Authentication Header)", "IPsec AH (RFC 2338), removed in RFC 3768"),
        AuthType::CiscoMd5 => Says::new("254 (Cisco MD5)", "Cisco's proprietary keyed MD5"),
        AuthType::Unknown(_) => {
            Says::new(n.to_string(), "not an authentication type: receivers discard the advert").level(Level::Warn)
        }
    }
}

fn interval_says(value: String, version: u8, prio: u8, interval_us: u64) -> Says {
    if interval_us == 0 {
        return Says::new(value, "0 is not a valid interval").level(Level::Error);
    }
    let (who, wait) = backup_wait(version, prio, interval_us);
    Says::new(
        value,
        format!(
            "the master sends an advert every {}. Backups declare it dead after Master_Down_Interval = 3 × {} + Skew_Time; {who} waits {}",
            secs(interval_us),
            secs(interval_us),
            secs(wait)
        ),
    )
}

fn checksum_says(m: &Vrrp, sent: u16) -> Says {
    let value = format!("0x{sent:04x}");
    let how = if m.is_v3() {
        "over the message and the IP pseudo-header (RFC 5798 §5.2.8)"
    } else {
        "over the VRRP message (RFC 3768 §5.3.8)"
    };
    match m.checksum() {
        Checksum::Good => Says::new(format!("{value} [correct]"), format!("correct, {how}")),
        Checksum::Unverified => Says::new(value, "not verified: the message is cut short or fragmented"),
        Checksum::Bad { variant: Some(v), expected } => {
            let who = match v {
                ChecksumVariant::V3AsV2 => "right without the pseudo-header, as Cisco computes it (keepalived: v3_checksum_as_v2)",
                _ => "right with 224.0.0.18 in the pseudo-header although the advert is unicast, as old keepalived did (old_unicast_checksum)",
            };
            Says::new(
                format!("{value} [{}]", v.describe()),
                format!("wrong by the RFC (should be 0x{expected:04x}) but {who}. RFC peers (keepalived's default) discard it: routers that disagree on the checksum each think the other is gone — split brain"),
            )
            .level(Level::Warn)
        }
        Checksum::Bad { variant: None, expected } => Says::new(
            format!("{value} [incorrect, should be 0x{expected:04x}]"),
            format!("wrong: receivers discard this advert. Expected 0x{expected:04x}, {how}"),
        )
        .level(Level::Error),
    }
}

fn addr_says(m: &Vrrp, i: usize, n: usize) -> Says {
    let value = m.addr(i).map(ip).unwrap_or_default();
    let how = match m.family() {
        Family::Ipv4 => "answers ARP for it; a new master announces it with gratuitous ARPs",
        Family::Ipv6 => "answers neighbor solicitations for it; a new master sends unsolicited neighbor advertisements",
    };
    let meaning = if i == 0 {
        format!("virtual address 1 of {n}: the master holds it on its interface and {how}")
    } else {
        format!("virtual address {} of {n}", i + 1)
    };
    Says::new(value, meaning)
}

fn auth_data_says(m: &Vrrp, raw: &[u8]) -> Says {
    if m.head().auth_type() == AuthType::Simple {
        let text = String::from_utf8_lossy(m.auth_string().unwrap_or(raw)).into_owned();
        return Says::new(
            format!("{text:?}"),
            "the password, NUL-padded to 8 bytes. Anyone who can capture on this link reads it: it guards against a misconfigured neighbour, not an attacker",
        )
        .level(Level::Warn);
    }
    let zeros = raw.iter().all(|&b| b == 0);
    Says::new(
        raw.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        if zeros { "zeros: no authentication, but the 8 bytes are still sent" } else { "authentication data" },
    )
}

/// The VRRP layer of a frame.
pub(super) fn layer(f: &FrameRef, m: &Vrrp) -> Node {
    let base = m.ip.payload_offset;
    let h = m.head().clone();
    let family = m.family();
    let (version, prio, count) = (h.version(), h.priority(), usize::from(h.addr_count()));
    let interval_us = m.interval_us();
    let title = format!("Virtual Router Redundancy Protocol v{version}");
    let mut l = Layer::new(f.data(), "vrrp", title, base, base + m.ip.payload_len);
    l.add("vrrp.version", 0..1, |_| version_says(version, family));
    l.add("vrrp.type", 0..1, |_| type_says(h.msg_type()));
    l.add("vrrp.virt_rtr_id", field::VRID..field::VRID + 1, |_| vrid_says(h.vrid(), family));
    l.add("vrrp.prio", field::PRIORITY..field::PRIORITY + 1, |_| prio_says(prio, version, interval_us));
    l.add("vrrp.addr_count", field::COUNT..field::COUNT + 1, |_| count_says(m, h.addr_count()));
    if m.is_v3() {
        l.add("vrrp.reserved_mbz", field::MAX_ADVER_INT.start..field::MAX_ADVER_INT.start + 1, |_| {
            match h.reserved() {
                0 => Says::new("0", "reserved bits: must be zero (RFC 5798 §5.2.5), and are"),
                r => Says::new(
                    r.to_string(),
                    "reserved bits: must be zero (RFC 5798 §5.2.5); receivers ignore them, but the sender set them",
                )
                .level(Level::Warn),
            }
        });
        l.add("vrrp.short_adver_int", field::MAX_ADVER_INT, |_| {
            let c = h.max_adver_int();
            interval_says(format!("{c} cs"), version, prio, interval_us)
        });
    } else {
        l.add("vrrp.auth_type", field::AUTH_TYPE..field::AUTH_TYPE + 1, |_| auth_type_says(h.auth_type()));
        l.add("vrrp.adver_int", field::ADVER_INT..field::ADVER_INT + 1, |_| {
            interval_says(format!("{} s", h.adver_int()), version, prio, interval_us)
        });
    }
    l.add("vrrp.checksum", field::CHECKSUM, |b| checksum_says(m, be16(b)));
    let name = if family == Family::Ipv4 { "vrrp.ip_addr" } else { "vrrp.ipv6_addr" };
    let mut end = field::CHECKSUM.end;
    for i in 0..count {
        let r = field::addr(i, family.addr_len());
        if r.start >= m.ip.payload_len || !l.add(name, r.clone(), |_| addr_says(m, i, count)) {
            break;
        }
        end = r.end;
    }
    if !m.is_v3() {
        let r = field::auth_data(count, family.addr_len());
        // Wireshark names the 8 bytes only when they hold a simple-text password.
        let name = if h.auth_type() == AuthType::Simple { "vrrp.auth_string" } else { "vrrp.auth_data" };
        if r.end <= m.ip.payload_len && l.add(name, r.clone(), |raw| auth_data_says(m, raw)) {
            end = r.end;
        }
    }
    if !l.is_cut() && end < m.ip.payload_len {
        l.add("vrrp.trailer", end..m.ip.payload_len, |b| {
            Says::new(format!("{} bytes", b.len()), "bytes after the advert's last field").level(Level::Warn)
        });
    }
    let summary = format!(
        "vrid {}, prio {prio}, {count} address{}, interval {}",
        h.vrid(),
        if count == 1 { "" } else { "es" },
        secs(interval_us)
    );
    l.finish(
        summary,
        "the master's heartbeat: while backups hear it with a priority at least their own, they stay backups",
    )
}
