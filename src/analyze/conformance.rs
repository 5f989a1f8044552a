//! Per-advert lints (TTL, count vs length, reserved bits, interval 0,
//! checksums, priority 255 from a non-owner) and the comparison of the
//! routers of one virtual router (auth, interval, version, VIPs, checksum
//! variant) whose mismatches explain split brains.
//!
//! Lints are aggregated per (kind, router): a million bad packets make one
//! finding with a count, not a million findings.

use super::report::{Finding, FrameNo, Severity, VrKey};
use super::{secs, Micros};
use super::sighting::{Advert, What};
use crate::wire::vrrp::{self, Auth, AuthType, ChecksumVariant, Family, Repr};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// What one router of a virtual router advertises about its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterConf {
    pub version: u8,
    pub interval: vrrp::Interval,
    pub auth: Auth,
    /// Sorted, to compare routers.
    pub vips: Vec<IpAddr>,
    /// In the advert's order, to see cheaply that the next one is the same.
    advertised: Vec<IpAddr>,
    pub variant: Option<ChecksumVariant>,
    pub mac: [u8; 6],
    pub first_frame: FrameNo,
    pub first_ts: Micros,
}

impl RouterConf {
    fn same(&self, repr: &Repr, variant: Option<ChecksumVariant>, mac: [u8; 6]) -> bool {
        self.version == repr.version()
            && self.interval == repr.interval
            && self.auth == repr.auth
            && self.variant == variant
            && self.mac == mac
            && self.advertised == repr.addrs
    }
}

/// What is wrong with one advert by itself, found from the advert alone
/// on the reading thread (`analyze::sighting`), so that the analysis of
/// a clean advert, nearly every one, skips the lints that look for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Faults(u8);

impl Faults {
    const TTL: u8 = 1;
    const ADDR_COUNT: u8 = 1 << 1;
    const AUTH_DATA_MISSING: u8 = 1 << 2;
    const RESERVED: u8 = 1 << 3;
    const INTERVAL_ZERO: u8 = 1 << 4;
    /// A bad checksum, or another computation's than the RFC's.
    const CHECKSUM: u8 = 1 << 5;
    const PRIORITY_255: u8 = 1 << 6;

    pub fn of(ad: &Advert, repr: &Repr) -> Faults {
        let (claimed, carried) = (ad.claimed_len, ad.carried_len);
        let v2_without_auth = repr.version() == 2 && carried + vrrp::AUTH_DATA_LEN == claimed;
        let found = [
            (ad.ttl != 255, Self::TTL),
            (claimed != carried && !v2_without_auth, Self::ADDR_COUNT),
            (v2_without_auth, Self::AUTH_DATA_MISSING),
            (repr.version() == 3 && ad.reserved != 0, Self::RESERVED),
            (repr.interval.micros() == 0, Self::INTERVAL_ZERO),
            (ad.variant != Some(ChecksumVariant::Rfc), Self::CHECKSUM),
            (repr.priority == 255 && !repr.addrs.contains(&ad.src), Self::PRIORITY_255),
        ];
        Faults(found.iter().filter(|(on, _)| *on).fold(0, |all, (_, bit)| all | bit))
    }

    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

#[derive(Debug)]
struct Agg {
    severity: Severity,
    ts: Micros,
    frames: Vec<FrameNo>,
    count: u64,
    vrid: Option<u8>,
    family: Option<Family>,
    message: String,
    cause: Option<String>,
    data: Map<String, Value>,
}

#[derive(Debug, Default)]
pub struct Lints {
    aggs: BTreeMap<(&'static str, IpAddr, u8), Agg>,
    /// Per virtual router, in the analyzer's election order (so an advert
    /// finds its own by index), each router's advertised configuration;
    /// sorted where reported.
    confs: Vec<(VrKey, Routers)>,
}

/// One mismatch between two routers of one virtual router.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub kind: &'static str,
    pub a: IpAddr,
    pub b: IpAddr,
    pub what: String,
}

impl Lints {
    #[allow(clippy::too_many_arguments)]
    fn note(
        &mut self,
        kind: &'static str,
        router: IpAddr,
        vrid: u8,
        severity: Severity,
        no: FrameNo,
        ts: Micros,
        family: Option<Family>,
        make: impl FnOnce() -> (String, Option<String>, Map<String, Value>),
    ) {
        let agg = self.aggs.entry((kind, router, vrid)).or_insert_with(|| {
            let (message, cause, data) = make();
            Agg {
                severity,
                ts,
                frames: Vec::new(),
                count: 0,
                vrid: Some(vrid),
                family,
                message,
                cause,
                data,
            }
        });
        agg.count += 1;
        if agg.frames.len() < 5 {
            agg.frames.push(no);
        }
    }

    pub fn truncated(&mut self, no: FrameNo, ts: Micros, src: IpAddr) {
        self.note(
            "vrrp_truncated",
            src,
            0,
            Severity::Warn,
            no,
            ts,
            None,
            || {
                (
                    format!("VRRP packet from {src} shorter than the 8-byte header"),
                    None,
                    Map::new(),
                )
            },
        );
    }

    /// `what` is [`What::Malformed`].
    pub fn malformed(&mut self, no: FrameNo, ts: Micros, what: &What) {
        let &What::Malformed { src, version: v, msg_type: t, vrid, addr_count } = what else { return };
        self.note("vrrp_invalid", src, vrid, Severity::Warn, no, ts, None, || {
            (
                format!("VRRP packet from {src} that routers discard: version {v}, type {t}, or fewer addresses than its count ({addr_count})"),
                Some("not VRRP (CARP also uses protocol 112), or a broken sender".into()),
                Map::new(),
            )
        });
    }

    /// Routers of the `election`th virtual router seen so far: the slot the
    /// next new one of them gets.
    pub fn routers_seen(&self, election: usize) -> usize {
        self.confs.get(election).map_or(0, |(_, r)| r.len())
    }

    /// `election` is the index of the advert's virtual router in the order
    /// they were first seen, `slot` its sender's among that one's routers
    /// (for a new sender, [`Lints::routers_seen`]). Returns whether the
    /// sender advertises something new: it is new, or its configuration
    /// changed.
    #[allow(clippy::too_many_arguments)]
    pub fn advert(&mut self, no: FrameNo, ts: Micros, election: usize, slot: usize, ad: &Advert, repr: &Repr) -> bool {
        let (key, src, variant, mac) = (&ad.key, ad.src, ad.variant, ad.mac);
        if ad.faults != Faults::default() {
            self.faults(no, ts, ad);
        }
        if election == self.confs.len() {
            self.confs.push((*key, Routers::default()));
        }
        let routers = &mut self.confs[election].1;
        // Adverts repeat: rebuild a router's configuration only when it changed.
        if routers.get(slot).is_some_and(|(_, c)| c.same(repr, variant, mac)) {
            return false;
        }
        let conf = RouterConf {
            version: repr.version(),
            interval: repr.interval,
            auth: repr.auth,
            vips: sorted(&repr.addrs),
            advertised: repr.addrs.clone(),
            variant,
            mac,
            first_frame: no,
            first_ts: ts,
        };
        match routers.get_mut(slot) {
            // Keep the first frame; track changes of configuration.
            Some((_, c)) => {
                let (first_frame, first_ts) = (c.first_frame, c.first_ts);
                *c = RouterConf {
                    first_frame,
                    first_ts,
                    ..conf
                };
            }
            None => routers.push((src, conf)),
        }
        true
    }

    /// The lints an advert fails by itself, which [`Faults::of`] found.
    fn faults(&mut self, no: FrameNo, ts: Micros, ad: &Advert) {
        let (src, faults) = (ad.src, ad.faults);
        let (vrid, fam) = (ad.key.vrid, Some(ad.key.family));
        if faults.has(Faults::TTL) {
            let ttl = ad.ttl;
            self.note("ttl", src, vrid, Severity::Warn, no, ts, fam, || {
                (
                    format!("VRRP from {src} with TTL/hop limit {ttl}, not 255"),
                    Some("RFC 5798 §5.1.1.3: receivers discard it (keepalived: \"invalid TTL/HL\"); it crossed a router, or the sender sets unicast_ttl".into()),
                    Map::new(),
                )
            });
        }
        let (claimed, actual) = (ad.claimed_len, ad.carried_len);
        if faults.has(Faults::ADDR_COUNT) {
            let count = ad.addr_count;
            self.note("addr_count_mismatch", src, vrid, Severity::Warn, no, ts, fam, || {
                (
                    format!("VRRP from {src} counts {count} address(es), which makes {claimed} bytes, but carries {actual}"),
                    None,
                    Map::new(),
                )
            });
        }
        if faults.has(Faults::AUTH_DATA_MISSING) {
            self.note(
                "auth_data_missing",
                src,
                vrid,
                Severity::Info,
                no,
                ts,
                fam,
                || {
                    (
                        format!("VRRPv2 from {src} without the 8 bytes of authentication data"),
                        None,
                        Map::new(),
                    )
                },
            );
        }
        if faults.has(Faults::RESERVED) {
            self.note(
                "reserved_bits",
                src,
                vrid,
                Severity::Warn,
                no,
                ts,
                fam,
                || {
                    (
                        format!(
                            "VRRPv3 from {src} with reserved bits set ({:#x})",
                            ad.reserved
                        ),
                        None,
                        Map::new(),
                    )
                },
            );
        }
        if faults.has(Faults::INTERVAL_ZERO) {
            self.note(
                "interval_zero",
                src,
                vrid,
                Severity::Warn,
                no,
                ts,
                fam,
                || {
                    (
                        format!("VRRP from {src} advertises an interval of 0"),
                        None,
                        Map::new(),
                    )
                },
            );
        }
        match ad.variant {
            None => {
                let (got, want) = (ad.checksum, ad.expected_checksum);
                self.note("bad_checksum", src, vrid, Severity::Error, no, ts, fam, || {
                    (
                        format!("VRRP from {src} has checksum {got:#06x}, expected {want:#06x}"),
                        Some("routers drop it (keepalived: \"Invalid VRRP checksum\"); a corrupting link or a non-standard stack".into()),
                        Map::new(),
                    )
                });
            }
            Some(ChecksumVariant::Rfc) => {}
            Some(v) => {
                self.note("checksum_variant", src, vrid, Severity::Info, no, ts, fam, || {
                    (
                        format!("VRRP from {src} uses the {} checksum", v.describe()),
                        Some("RFC-strict receivers (and tcpdump) call it bad; mixing it with RFC routers in one VRID splits the brain".into()),
                        Map::new(),
                    )
                });
            }
        }
        if faults.has(Faults::PRIORITY_255) {
            self.note("priority_255_non_owner", src, vrid, Severity::Warn, no, ts, fam, || {
                (
                    format!("{src} advertises priority 255 (address owner) but does not own any advertised address"),
                    Some("priority 255 is reserved for the router that owns the VIP; keepalived forces MASTER with it".into()),
                    Map::new(),
                )
            });
        }
    }

    fn routers(&self, key: &VrKey) -> Option<&Routers> {
        self.confs.iter().find(|(k, _)| k == key).map(|(_, r)| r)
    }

    /// The configuration differences between the routers of `key`.
    pub fn mismatches(&self, key: &VrKey) -> Vec<Mismatch> {
        let Some(routers) = self.routers(key) else {
            return Vec::new();
        };
        let mut list: Vec<(&IpAddr, &RouterConf)> = routers.iter().map(|(ip, c)| (ip, c)).collect();
        list.sort_unstable_by_key(|(ip, _)| **ip);
        let mut out = Vec::new();
        for (i, (a, ca)) in list.iter().enumerate() {
            for (b, cb) in &list[i + 1..] {
                let mut push = |kind, what: String| {
                    out.push(Mismatch {
                        kind,
                        a: **a,
                        b: **b,
                        what,
                    })
                };
                if ca.version != cb.version {
                    push(
                        "version_mismatch",
                        format!("{a} speaks VRRPv{}, {b} VRRPv{}", ca.version, cb.version),
                    );
                }
                if ca.interval != cb.interval {
                    push(
                        "interval_mismatch",
                        format!(
                            "{a} advertises every {} s, {b} every {} s",
                            secs(ca.interval.micros() as i64),
                            secs(cb.interval.micros() as i64)
                        ),
                    );
                }
                if let (
                    Auth::V2 {
                        auth_type: ta,
                        data: da,
                    },
                    Auth::V2 {
                        auth_type: tb,
                        data: db,
                    },
                ) = (&ca.auth, &cb.auth)
                {
                    if ta != tb {
                        push(
                            "auth_mismatch",
                            format!(
                                "{a} uses auth type {}, {b} auth type {}",
                                u8::from(*ta),
                                u8::from(*tb)
                            ),
                        );
                    } else if *ta == AuthType::Simple && da != db {
                        push(
                            "auth_mismatch",
                            format!(
                                "{a} and {b} send different passwords ({} vs {})",
                                pass(da),
                                pass(db)
                            ),
                        );
                    }
                }
                if ca.vips != cb.vips {
                    let disjoint = ca.vips.iter().all(|v| !cb.vips.contains(v));
                    let kind = if disjoint {
                        "vrid_collision"
                    } else {
                        "vip_mismatch"
                    };
                    push(
                        kind,
                        format!(
                            "{a} advertises {}, {b} advertises {}",
                            list_ips(&ca.vips),
                            list_ips(&cb.vips)
                        ),
                    );
                }
                if ca.variant.is_some() && cb.variant.is_some() && ca.variant != cb.variant {
                    push(
                        "checksum_variant_mismatch",
                        format!(
                            "{a} uses the {} checksum, {b} the {} one",
                            ca.variant.map_or("", |v| v.describe()),
                            cb.variant.map_or("", |v| v.describe())
                        ),
                    );
                }
            }
        }
        out
    }

    pub fn finish(&mut self) -> Vec<Finding> {
        let mut out: Vec<Finding> = std::mem::take(&mut self.aggs)
            .into_iter()
            .map(|((kind, _, _), mut a)| {
                a.data.insert("count".into(), json!(a.count));
                let message = if a.count > 1 {
                    format!("{} ({} packets)", a.message, a.count)
                } else {
                    a.message
                };
                Finding {
                    severity: a.severity,
                    kind,
                    ts: secs(a.ts),
                    vrid: a.vrid.filter(|_| kind != "vrrp_truncated"),
                    family: a.family,
                    frames: a.frames,
                    message,
                    cause: a.cause,
                    data: a.data,
                }
            })
            .collect();
        let mut confs: Vec<&(VrKey, Routers)> = self.confs.iter().collect();
        confs.sort_unstable_by_key(|(key, _)| *key);
        for (key, routers) in confs {
            for m in self.mismatches(key) {
                let conf = |r: IpAddr| routers.iter().find(|(ip, _)| *ip == r).map(|(_, c)| c);
                let (Some(a), Some(b)) = (conf(m.a), conf(m.b)) else { continue };
                let ts = a.first_ts.max(b.first_ts);
                let (severity, cause) = match m.kind {
                    "vrid_collision" => (Severity::Error, "two clusters share one VRID on this segment (keepalived #2444): give each its own virtual_router_id"),
                    "auth_mismatch" => (Severity::Error, "keepalived ignores adverts with another password (\"received an invalid passwd!\"): both become master"),
                    "interval_mismatch" if key_is_v2(routers) => (Severity::Error, "VRRPv2 routers ignore adverts with another interval (\"advertisement interval mismatch\"): both become master"),
                    "version_mismatch" | "checksum_variant_mismatch" => (Severity::Error, "the routers discard each other's adverts: both become master"),
                    _ => (Severity::Warn, "the routers' configurations differ"),
                };
                out.push(Finding {
                    severity,
                    kind: m.kind,
                    ts: secs(ts),
                    vrid: Some(key.vrid),
                    family: Some(key.family),
                    frames: vec![a.first_frame, b.first_frame],
                    message: format!("VRID {}: {}", key.vrid, m.what),
                    cause: Some(cause.into()),
                    data: Map::new(),
                });
            }
        }
        out
    }
}

/// A virtual router's routers in the order they were first seen, each
/// with the configuration it advertises.
type Routers = Vec<(IpAddr, RouterConf)>;

fn key_is_v2(routers: &Routers) -> bool {
    routers.iter().all(|(_, c)| c.version == 2)
}

fn sorted(addrs: &[IpAddr]) -> Vec<IpAddr> {
    let mut v = addrs.to_vec();
    v.sort();
    v
}

fn list_ips(v: &[IpAddr]) -> String {
    v.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn pass(d: &Option<[u8; 8]>) -> String {
    match d {
        Some(b) => {
            let end = b.iter().position(|&c| c == 0).unwrap_or(8);
            format!("\"{}\"", String::from_utf8_lossy(&b[..end]))
        }
        None => "none".into(),
    }
}
