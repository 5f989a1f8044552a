//! From a scenario node to an [`LvsNode`](super::node::LvsNode)'s configuration: which nodes are
//! LVS nodes, their director, VRRP, keepalived `virtual_server`s, ipvsadm
//! and iptables lines, web server and client.

use super::node::{parse_bypass, NodeConfig, Notify};
use crate::engine::ipvs::director::DirectorConfig;
use crate::engine::ipvs::iptables::parse_mark_rule;
use crate::engine::ipvs::ipvsadm::parse::parse;
use crate::engine::ipvs::keepalived::setup;
use crate::engine::ipvs::kernel::KernelConfig;
use crate::engine::vrrp::{DaemonConfig, Iface};
use crate::engine::VrrpState;
use crate::scenario::conf::Warning;
use crate::scenario::model::{Node, Role};
use std::net::{IpAddr, Ipv4Addr};

/// Ports the real servers' web server answers on.
pub const WEB_PORTS: [u16; 3] = [80, 443, 8080];
/// How long the web server takes to answer: long enough that a failover
/// catches connections in flight, as it would with a real application.
pub const THINK_US: u64 = 200_000;

/// Whether the node needs the LVS machine rather than a bare VRRP daemon:
/// a director, real server, client or router, or anything with LVS settings.
pub fn is_lvs(n: &Node) -> bool {
    n.role != Role::Router
        || n.ip_forward
        || !n.ipvsadm.is_empty()
        || !n.iptables.is_empty()
        || n.requests.is_some()
        || !n.vip_on_lo.is_empty()
        || n.keepalived.as_ref().is_some_and(|k| !k.virtual_servers.is_empty())
}

fn v4s(addrs: impl Iterator<Item = IpAddr>) -> Vec<Ipv4Addr> {
    addrs
        .filter_map(|a| match a {
            IpAddr::V4(v) => Some(v),
            IpAddr::V6(_) => None,
        })
        .collect()
}

fn warn(message: String) -> Warning {
    Warning { span: Default::default(), message }
}

/// The node's configuration, with what keepalived would warn about.
pub fn node_config(n: &Node, mac: [u8; 6], iface: Iface, seed: u64) -> Result<(NodeConfig, Vec<Warning>), String> {
    let ctx = |e: String| format!("node `{}`: {e}", n.name);
    let mut warnings = Vec::new();
    let addrs: Vec<(Ipv4Addr, u8)> = n
        .addrs
        .iter()
        .filter_map(|a| match a.addr {
            IpAddr::V4(v) => Some((v, a.prefix)),
            IpAddr::V6(_) => None,
        })
        .collect();
    let primary = addrs.first().map(|a| a.0).ok_or_else(|| ctx("an LVS node needs an IPv4 address".into()))?;
    let gateway = n.gateway.and_then(|g| v4s([g].into_iter()).first().copied());
    let mut vrrp = None;
    let mut notify = Vec::new();
    let mut virtual_servers = None;
    if let Some(kc) = &n.keepalived {
        if !kc.instances.is_empty() {
            let cfg = DaemonConfig::from_conf(kc).map_err(|e| ctx(e.to_string()))?;
            // The LVS node runs bypass_ipvs.sh itself; other scripts are still ignored.
            let handled = |w: &Warning| {
                kc.instances.iter().any(|i| {
                    w.message == format!("({}) notify scripts are not run by the simulator", i.name)
                        && i.notify.iter().all(|(_, script)| parse_bypass(script).is_some())
                })
            };
            warnings.extend(cfg.warnings.iter().filter(|w| !handled(w)).cloned());
            vrrp = Some((cfg, iface));
        }
        for inst in &kc.instances {
            for (kind, script) in &inst.notify {
                let state = match kind.as_str() {
                    "notify_master" => VrrpState::Master,
                    "notify_backup" => VrrpState::Backup,
                    "notify_fault" => VrrpState::Fault,
                    _ => continue,
                };
                match parse_bypass(script) {
                    Some((add, vip)) => notify.push(Notify { instance: inst.name.clone(), state, vip, add }),
                    None => warnings.push(warn(format!("{kind} \"{script}\" is not simulated"))),
                }
            }
        }
        if !kc.virtual_servers.is_empty() {
            let s = setup(&kc.virtual_servers).map_err(|e| ctx(e.to_string()))?;
            warnings.extend(s.unsupported.iter().cloned().map(warn));
            virtual_servers = Some(s);
        }
    }
    let ipvsadm = n
        .ipvsadm
        .iter()
        .map(|l| parse(l).map_err(|e| ctx(format!("ipvsadm {l}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let marks = n
        .iptables
        .iter()
        .map(|l| parse_mark_rule(l).map_err(|e| ctx(format!("{l}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    // A real server, a DR real server (VIP on lo), or a director that lists
    // itself among its real servers (the two-box setup).
    let own = |a: IpAddr| addrs.iter().any(|&(x, _)| IpAddr::V4(x) == a);
    let self_served = n
        .keepalived
        .as_ref()
        .is_some_and(|k| k.virtual_servers.iter().flat_map(|v| &v.real_servers).any(|r| own(r.addr)));
    let serves = n.role == Role::RealServer || !n.vip_on_lo.is_empty() || self_served;
    let cfg = NodeConfig {
        director: DirectorConfig { mac, addrs, gateway, ip_forward: n.ip_forward },
        kernel: KernelConfig { hash: Default::default(), seed, source: primary },
        lo: v4s(n.vip_on_lo.iter().copied()),
        vrrp,
        notify,
        virtual_servers,
        ipvsadm,
        marks,
        responder: serves.then(|| (n.name.clone(), WEB_PORTS.to_vec(), THINK_US)),
        client: n.requests.clone(),
        seed,
    };
    Ok((cfg, warnings))
}
