//! Built-in scenarios (`vrrplab sim builtin:NAME`): every case the source
//! articles discuss, on documentation addresses. Each is a scenario file with
//! inline keepalived.conf (`builtin/*.toml`), so that
//! `vrrplab sim --print builtin:NAME` gives users a file to start from. VRRP
//! cases: n1 192.0.2.11, n2 192.0.2.12, n3 192.0.2.13, VIP 192.0.2.100. LVS
//! cases: the client 198.51.100.10 reaches 192.0.2.0/24 through the router
//! `gw` (198.51.100.1 / 192.0.2.1); directors are 192.0.2.10/.11, real
//! servers 192.0.2.21/.22, the two-box article's boxes 192.0.2.31/.32, the
//! VIP 192.0.2.100.

use super::model::Scenario;
use super::toml::{self, LoadError};
use std::path::Path;

pub struct Builtin {
    pub name: &'static str,
    /// One line for `sim --list`.
    pub summary: &'static str,
    /// The scenario file, embedded (what `sim --print` shows).
    pub text: &'static str,
}

impl Builtin {
    pub fn scenario(&self) -> Result<Scenario, LoadError> {
        let mut s = toml::parse(self.text, Path::new(&format!("builtin:{}", self.name)))?;
        s.name = format!("builtin:{}", self.name);
        Ok(s)
    }
}

static ALL: &[Builtin] = &[
    Builtin { name: "election", summary: "who becomes master (priority 100 vs 80)", text: include_str!("builtin/election.toml") },
    Builtin { name: "master-stop", summary: "graceful stop: priority 0, takeover after Skew_Time", text: include_str!("builtin/master-stop.toml") },
    Builtin { name: "master-crash", summary: "silent crash: takeover after Master_Down_Interval", text: include_str!("builtin/master-crash.toml") },
    Builtin { name: "both-master", summary: "both configured state MASTER", text: include_str!("builtin/both-master.toml") },
    Builtin { name: "equal-priority", summary: "equal priorities: no tie-break at a backup, higher IP wins at a master", text: include_str!("builtin/equal-priority.toml") },
    Builtin { name: "recovered-master-preempts", summary: "the old master comes back and takes the VIP back", text: include_str!("builtin/recovered-master-preempts.toml") },
    Builtin { name: "nopreempt", summary: "two BACKUPs with nopreempt: the old master does not come back", text: include_str!("builtin/nopreempt.toml") },
    Builtin { name: "split-brain-firewall-oneway", summary: "one router drops inbound VRRP: both masters", text: include_str!("builtin/split-brain-firewall-oneway.toml") },
    Builtin { name: "split-brain-firewall-both", summary: "both routers drop inbound VRRP: both masters until unblocked", text: include_str!("builtin/split-brain-firewall-both.toml") },
    Builtin { name: "auth-mismatch", summary: "different auth_pass: split brain", text: include_str!("builtin/auth-mismatch.toml") },
    Builtin { name: "interval-mismatch", summary: "different advert_int (VRRPv2): split brain", text: include_str!("builtin/interval-mismatch.toml") },
    Builtin { name: "track-script", summary: "track_script weight -30 moves the master and back", text: include_str!("builtin/track-script.toml") },
    Builtin { name: "three-routers", summary: "three routers: the next highest priority takes over", text: include_str!("builtin/three-routers.toml") },
    Builtin { name: "v3-fast", summary: "VRRPv3 with 10 cs adverts: sub-second failover", text: include_str!("builtin/v3-fast.toml") },
    Builtin { name: "v3-ipv6", summary: "VRRPv3 over IPv6 with neighbour adverts", text: include_str!("builtin/v3-ipv6.toml") },
    Builtin { name: "unicast", summary: "unicast_peer adverts", text: include_str!("builtin/unicast.toml") },
    Builtin { name: "load-sharing", summary: "two VRIDs, each box master of one", text: include_str!("builtin/load-sharing.toml") },
    Builtin { name: "lvs-dr", summary: "LVS-DR: two real servers, requests alternate", text: include_str!("builtin/lvs-dr.toml") },
    Builtin { name: "lvs-dr-arp-unset", summary: "LVS-DR, arp_ignore unset on rs2: rs2 steals the VIP", text: include_str!("builtin/lvs-dr-arp-unset.toml") },
    Builtin { name: "lvs-nat", summary: "LVS-NAT: the director rewrites and is the gateway", text: include_str!("builtin/lvs-nat.toml") },
    Builtin { name: "lvs-tun", summary: "LVS-TUN: IPIP to the real servers", text: include_str!("builtin/lvs-tun.toml") },
    Builtin { name: "lvs-persistence", summary: "persistence keeps each client on one server", text: include_str!("builtin/lvs-persistence.toml") },
    Builtin { name: "lvs-failover", summary: "keepalived DR directors fail over with connections in flight", text: include_str!("builtin/lvs-failover.toml") },
    Builtin { name: "lvs-two-box-loop", summary: "two boxes, each director and real server: requests loop", text: include_str!("builtin/lvs-two-box-loop.toml") },
    Builtin { name: "lvs-two-box-fwmark", summary: "two boxes, fix 1: fwmark on the directors", text: include_str!("builtin/lvs-two-box-fwmark.toml") },
    Builtin { name: "lvs-two-box-bypass", summary: "two boxes, fix 2: the backup bypasses IPVS", text: include_str!("builtin/lvs-two-box-bypass.toml") },
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
