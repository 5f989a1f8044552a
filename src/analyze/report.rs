//! What the analyzer concludes: the election timeline and the findings.
//! These are the contracts of `timeline --json`, `analyze --json` and the
//! input of `check`; field names follow DESIGN.md.

use serde::Serialize;
use std::net::IpAddr;

pub use crate::wire::vrrp::Family;

/// Frame numbers as tcpdump's `-#` and Wireshark count them (from 1).
pub type FrameNo = u64;

/// Identifies one virtual router in a capture: the same VRID on another
/// VLAN, pcapng interface or address family is another virtual router.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct VrKey {
    /// pcapng interface index, then the outermost VLAN id (0 when untagged).
    pub interface: u32,
    pub vlan: u16,
    pub family: Family,
    pub vrid: u8,
}

/// Why a router became master.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cause {
    /// The first master seen for this virtual router.
    Initial,
    /// The old master sent priority 0; the new one came Skew_Time later.
    Resign,
    /// The old master went silent; the new one came Master_Down_Interval later.
    Timeout,
    /// A higher-priority router took over from a live master.
    Preempt,
}

impl Cause {
    /// The name JSON gives it.
    pub fn name(self) -> &'static str {
        match self {
            Cause::Initial => "initial",
            Cause::Resign => "resign",
            Cause::Timeout => "timeout",
            Cause::Preempt => "preempt",
        }
    }
}

/// One line of `timeline --json`: `event` (the variant's name in
/// snake case), `ts`, the key's fields, then the variant's (see its
/// `Serialize`).
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineEvent {
    Master {
        ts: f64,
        key: KeyFields,
        router: IpAddr,
        mac: Mac,
        prio: u8,
        cause: Cause,
        /// Seconds from the trigger (the old master's priority-0 advert for
        /// resign, its last advert for timeout) to the new master's first advert.
        takeover_s: Option<f64>,
        /// The previous master, if any.
        previous: Option<IpAddr>,
        frame: FrameNo,
    },
    SplitBrainStart {
        ts: f64,
        key: KeyFields,
        routers: Vec<IpAddr>,
        frame: FrameNo,
    },
    SplitBrainEnd {
        ts: f64,
        key: KeyFields,
        winner: Option<IpAddr>,
        frame: FrameNo,
    },
}

/// A MAC address that serializes as `02:00:00:00:00:01`; formatted only
/// when printed, because a capture can hold hundreds of thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

impl std::fmt::Display for Mac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The key as flat JSON fields (`vrid`, `family`, `version`, `vlan`, `interface`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KeyFields {
    pub vrid: u8,
    pub family: Family,
    pub version: u8,
    pub vlan: u16,
    pub interface: u32,
}

/// Written out by hand, as serde's derive would with an internal `event`
/// tag and the key flattened, because that derive buffers every event into
/// a map first: most of what `timeline --json` spent.
impl Serialize for TimelineEvent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (event, fields) = match self {
            TimelineEvent::Master { .. } => ("master", 9),
            TimelineEvent::SplitBrainStart { .. } => ("split_brain_start", 4),
            TimelineEvent::SplitBrainEnd { .. } => ("split_brain_end", 4),
        };
        let mut m = s.serialize_struct("TimelineEvent", fields + 5)?;
        m.serialize_field("event", event)?;
        m.serialize_field("ts", &self.ts())?;
        let k = self.key();
        m.serialize_field("vrid", &k.vrid)?;
        m.serialize_field("family", &k.family)?;
        m.serialize_field("version", &k.version)?;
        m.serialize_field("vlan", &k.vlan)?;
        m.serialize_field("interface", &k.interface)?;
        match self {
            TimelineEvent::Master { router, mac, prio, cause, takeover_s, previous, frame, .. } => {
                m.serialize_field("router", router)?;
                m.serialize_field("mac", mac)?;
                m.serialize_field("prio", prio)?;
                m.serialize_field("cause", cause)?;
                m.serialize_field("takeover_s", takeover_s)?;
                m.serialize_field("previous", previous)?;
                m.serialize_field("frame", frame)?;
            }
            TimelineEvent::SplitBrainStart { routers, frame, .. } => {
                m.serialize_field("routers", routers)?;
                m.serialize_field("frame", frame)?;
            }
            TimelineEvent::SplitBrainEnd { winner, frame, .. } => {
                m.serialize_field("winner", winner)?;
                m.serialize_field("frame", frame)?;
            }
        }
        m.end()
    }
}

impl TimelineEvent {
    pub fn ts(&self) -> f64 {
        match self {
            TimelineEvent::Master { ts, .. }
            | TimelineEvent::SplitBrainStart { ts, .. }
            | TimelineEvent::SplitBrainEnd { ts, .. } => *ts,
        }
    }
    pub fn key(&self) -> &KeyFields {
        match self {
            TimelineEvent::Master { key, .. }
            | TimelineEvent::SplitBrainStart { key, .. }
            | TimelineEvent::SplitBrainEnd { key, .. } => key,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warn,
    Error,
}

/// One finding of `analyze`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// A stable identifier: `failover`, `split_brain`, `garp_missing`, …
    pub kind: &'static str,
    pub ts: f64,
    /// The virtual router concerned, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vrid: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<Family>,
    /// Evidence, in frame numbers.
    pub frames: Vec<FrameNo>,
    /// What happened, in plain words.
    pub message: String,
    /// The likely cause, when the packets suggest one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Measured values for machines (`takeover_s`, `expected_s`, `count`, …).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// The master of a virtual router when the capture ended: the
/// highest-priority router still advertising (none if all went silent).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinalMaster {
    #[serde(flatten)]
    pub key: KeyFields,
    pub router: Option<IpAddr>,
}

/// Everything the analyzer concluded about a set of captures.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Report {
    pub timeline: Vec<TimelineEvent>,
    pub findings: Vec<Finding>,
    pub final_masters: Vec<FinalMaster>,
    /// Frames read.
    pub frames: u64,
}

/// Collects findings, keeping the first [`Sink::PER_KIND`] of each kind and
/// counting the rest, so that a capture with a million flaps stays small.
#[derive(Debug, Default)]
pub struct Sink {
    kept: Vec<Finding>,
    /// Where each kind's count is in `counts`: looked up for every
    /// candidate finding, so hashed, not ordered.
    per_kind: rustc_hash::FxHashMap<&'static str, usize>,
    /// Findings of each kind, and the first one.
    counts: Vec<(usize, Finding)>,
    /// Kinds already at the limit, by the address of their name: most
    /// calls of [`Sink::wants`] ask about one of these, and comparing
    /// addresses spares hashing the name (the same name at another address
    /// is found by hashing).
    full: Vec<(&'static str, usize)>,
}

impl Sink {
    pub const PER_KIND: usize = 100;

    /// Whether a finding of `kind` would be kept; when not, it is only
    /// counted, so callers can skip building it.
    pub fn wants(&mut self, kind: &'static str) -> bool {
        if let Some(&(_, i)) = self.full.iter().find(|(k, _)| std::ptr::eq(*k, kind)) {
            self.counts[i].0 += 1;
            return false;
        }
        match self.per_kind.get(kind) {
            Some(&i) if self.counts[i].0 >= Self::PER_KIND => {
                self.counts[i].0 += 1;
                self.full.push((kind, i));
                false
            }
            _ => true,
        }
    }

    pub fn push(&mut self, f: Finding) {
        let counts = &mut self.counts;
        let i = *self.per_kind.entry(f.kind).or_insert_with(|| {
            counts.push((0, f.clone()));
            counts.len() - 1
        });
        let e = &mut self.counts[i];
        e.0 += 1;
        if e.0 <= Self::PER_KIND {
            self.kept.push(f);
        } else {
            e.1.severity = e.1.severity.max(f.severity);
        }
    }

    pub fn extend(&mut self, fs: impl IntoIterator<Item = Finding>) {
        for f in fs {
            self.push(f);
        }
    }

    /// The kept findings, plus one per kind that overflowed saying how many
    /// were left out.
    pub fn finish(mut self) -> Vec<Finding> {
        let mut per_kind: Vec<_> = self.per_kind.into_iter().collect();
        per_kind.sort_unstable_by_key(|(kind, _)| *kind);
        for (kind, i) in per_kind {
            let (n, first) = &self.counts[i];
            let n = *n;
            if n > Self::PER_KIND {
                let mut data = serde_json::Map::new();
                data.insert("omitted".into(), serde_json::json!(n - Self::PER_KIND));
                self.kept.push(Finding {
                    severity: first.severity,
                    kind,
                    ts: first.ts,
                    vrid: first.vrid,
                    family: first.family,
                    frames: Vec::new(),
                    message: format!(
                        "… and {} more {kind} findings like these",
                        n - Self::PER_KIND
                    ),
                    cause: None,
                    data,
                });
            }
        }
        self.kept
    }
}

#[cfg(test)]
mod sink_tests {
    use super::*;

    fn finding(kind: &'static str) -> Finding {
        Finding {
            severity: Severity::Info,
            kind,
            ts: 0.0,
            vrid: None,
            family: None,
            frames: Vec::new(),
            message: String::new(),
            cause: None,
            data: serde_json::Map::new(),
        }
    }

    /// Asked about by name at two addresses, a kind is still one kind.
    #[test]
    fn a_kind_past_its_limit_is_counted_however_its_name_is_held() {
        let mut sink = Sink::default();
        let elsewhere: &'static str = String::from("flap").leak();
        for i in 0..Sink::PER_KIND + 30 {
            let kind = if i % 2 == 0 { "flap" } else { elsewhere };
            if sink.wants(kind) {
                sink.push(finding(kind));
            }
        }
        sink.push(finding("other"));
        let out = sink.finish();
        assert_eq!(out.iter().filter(|f| f.kind == "flap" && f.data.is_empty()).count(), Sink::PER_KIND);
        let summary = out.iter().find(|f| f.data.contains_key("omitted")).unwrap();
        assert_eq!(summary.data["omitted"], serde_json::json!(30));
        assert_eq!(out.len(), Sink::PER_KIND + 2);
    }
}
