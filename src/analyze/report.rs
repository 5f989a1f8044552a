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

/// One line of `timeline --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TimelineEvent {
    Master {
        ts: f64,
        #[serde(flatten)]
        key: KeyFields,
        router: IpAddr,
        mac: String,
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
        #[serde(flatten)]
        key: KeyFields,
        routers: Vec<IpAddr>,
        frame: FrameNo,
    },
    SplitBrainEnd {
        ts: f64,
        #[serde(flatten)]
        key: KeyFields,
        winner: Option<IpAddr>,
        frame: FrameNo,
    },
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

/// Everything the analyzer concluded about a set of captures.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Report {
    pub timeline: Vec<TimelineEvent>,
    pub findings: Vec<Finding>,
    /// Frames read.
    pub frames: u64,
}
