//! Built-in scenarios (`vrrplab sim builtin:NAME`): every case the source
//! articles discuss, on documentation addresses (n1 192.0.2.11, n2
//! 192.0.2.12, n3 192.0.2.13, VIP 192.0.2.100). The VRRP ones are scenario
//! files with inline keepalived.conf (`builtin/*.toml`), so that
//! `vrrplab sim --print builtin:NAME` gives users a file to start from;
//! the LVS ones are built in Rust (`builtin_lvs`).

use super::model::Scenario;
use super::toml::{self, LoadError};
use std::path::Path;

pub struct Builtin {
    pub name: &'static str,
    /// One line for `sim --list`.
    pub summary: &'static str,
    source: Source,
}

enum Source {
    /// A scenario file, embedded.
    Toml(&'static str),
    /// Built in Rust.
    Rust(fn() -> Scenario),
}

impl Builtin {
    pub fn scenario(&self) -> Result<Scenario, LoadError> {
        let mut s = match self.source {
            Source::Toml(text) => toml::parse(text, Path::new(&format!("builtin:{}", self.name)))?,
            Source::Rust(build) => build(),
        };
        s.name = format!("builtin:{}", self.name);
        Ok(s)
    }

    /// The scenario file, for the built-ins that have one.
    pub fn text(&self) -> Option<&'static str> {
        match self.source {
            Source::Toml(text) => Some(text),
            Source::Rust(_) => None,
        }
    }
}

static ALL: &[Builtin] = &[
    Builtin { name: "election", summary: "who becomes master (priority 100 vs 80)", source: Source::Toml(include_str!("builtin/election.toml")) },
    Builtin { name: "master-stop", summary: "graceful stop: priority 0, takeover after Skew_Time", source: Source::Toml(include_str!("builtin/master-stop.toml")) },
    Builtin { name: "master-crash", summary: "silent crash: takeover after Master_Down_Interval", source: Source::Toml(include_str!("builtin/master-crash.toml")) },
    Builtin { name: "both-master", summary: "both configured state MASTER", source: Source::Toml(include_str!("builtin/both-master.toml")) },
    Builtin { name: "equal-priority", summary: "equal priorities: no tie-break at a backup, higher IP wins at a master", source: Source::Toml(include_str!("builtin/equal-priority.toml")) },
    Builtin { name: "recovered-master-preempts", summary: "the old master comes back and takes the VIP back", source: Source::Toml(include_str!("builtin/recovered-master-preempts.toml")) },
    Builtin { name: "nopreempt", summary: "two BACKUPs with nopreempt: the old master does not come back", source: Source::Toml(include_str!("builtin/nopreempt.toml")) },
    Builtin { name: "split-brain-firewall-oneway", summary: "one router drops inbound VRRP: both masters", source: Source::Toml(include_str!("builtin/split-brain-firewall-oneway.toml")) },
    Builtin { name: "split-brain-firewall-both", summary: "both routers drop inbound VRRP: both masters until unblocked", source: Source::Toml(include_str!("builtin/split-brain-firewall-both.toml")) },
    Builtin { name: "auth-mismatch", summary: "different auth_pass: split brain", source: Source::Toml(include_str!("builtin/auth-mismatch.toml")) },
    Builtin { name: "interval-mismatch", summary: "different advert_int (VRRPv2): split brain", source: Source::Toml(include_str!("builtin/interval-mismatch.toml")) },
    Builtin { name: "track-script", summary: "track_script weight -30 moves the master and back", source: Source::Toml(include_str!("builtin/track-script.toml")) },
    Builtin { name: "three-routers", summary: "three routers: the next highest priority takes over", source: Source::Toml(include_str!("builtin/three-routers.toml")) },
    Builtin { name: "v3-fast", summary: "VRRPv3 with 10 cs adverts: sub-second failover", source: Source::Toml(include_str!("builtin/v3-fast.toml")) },
    Builtin { name: "v3-ipv6", summary: "VRRPv3 over IPv6 with neighbour adverts", source: Source::Toml(include_str!("builtin/v3-ipv6.toml")) },
    Builtin { name: "unicast", summary: "unicast_peer adverts", source: Source::Toml(include_str!("builtin/unicast.toml")) },
    Builtin { name: "load-sharing", summary: "two VRIDs, each box master of one", source: Source::Toml(include_str!("builtin/load-sharing.toml")) },
    Builtin { name: "lvs-dr", summary: "LVS-DR: two real servers, requests alternate", source: Source::Rust(super::builtin_lvs::dr) },
    Builtin { name: "lvs-dr-arp-unset", summary: "LVS-DR, arp_ignore unset on rs2: rs2 steals the VIP", source: Source::Rust(super::builtin_lvs::dr_arp_unset) },
    Builtin { name: "lvs-nat", summary: "LVS-NAT: the director rewrites and is the gateway", source: Source::Rust(super::builtin_lvs::nat) },
    Builtin { name: "lvs-tun", summary: "LVS-TUN: IPIP to the real servers", source: Source::Rust(super::builtin_lvs::tun) },
    Builtin { name: "lvs-persistence", summary: "persistence keeps each client on one server", source: Source::Rust(super::builtin_lvs::persistence) },
    Builtin { name: "lvs-failover", summary: "keepalived DR directors fail over with connections in flight", source: Source::Rust(super::builtin_lvs::failover) },
    Builtin { name: "lvs-two-box-loop", summary: "two boxes, each director and real server: requests loop", source: Source::Rust(super::builtin_lvs::two_box_loop) },
    Builtin { name: "lvs-two-box-fwmark", summary: "two boxes, fix 1: fwmark on the directors", source: Source::Rust(super::builtin_lvs::two_box_fwmark) },
    Builtin { name: "lvs-two-box-bypass", summary: "two boxes, fix 2: the backup bypasses IPVS", source: Source::Rust(super::builtin_lvs::two_box_bypass) },
];

/// Every built-in scenario, in `sim --list` order.
pub fn all() -> &'static [Builtin] {
    ALL
}

/// The built-in scenario `name` (without the `builtin:` prefix).
pub fn get(name: &str) -> anyhow::Result<Scenario> {
    let b = find(name)?;
    Ok(b.scenario()?)
}

/// The built-in `name`, or an error that points at `--list`.
pub fn find(name: &str) -> anyhow::Result<&'static Builtin> {
    ALL.iter()
        .find(|b| b.name == name)
        .ok_or_else(|| anyhow::anyhow!("no built-in scenario `{name}` (try `vrrplab sim --list`)"))
}
