//! Building the lab's network: the LAN namespace with its bridge, and each
//! node's namespace with its veth, addresses, sysctls and routes.

use anyhow::{bail, Context};
use std::net::IpAddr;

use super::netlink::Rtnl;
use super::netns::Netns;
use super::BRIDGE;
use crate::scenario::model::{IfAddr, Node, Scenario};

/// Interface names are at most 15 bytes; ports are `p-<node>`.
const MAX_NODE_NAME: usize = 13;

/// Refuses, before anything is made, what the lab cannot build.
pub fn check_scenario(scenario: &Scenario) -> anyhow::Result<()> {
    if scenario.nodes.is_empty() {
        bail!("the scenario has no nodes");
    }
    for (i, n) in scenario.nodes.iter().enumerate() {
        let ok = !n.name.is_empty()
            && n.name.len() <= MAX_NODE_NAME
            && n.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            bail!("node name {:?}: the lab needs 1 to {MAX_NODE_NAME} letters, digits, '-' or '_'", n.name);
        }
        if scenario.nodes[..i].iter().any(|m| m.name == n.name) {
            bail!("two nodes are called {:?}", n.name);
        }
        if n.mac[0] & 1 != 0 || n.mac == [0; 6] {
            bail!("node {}: {} is not a unicast MAC address", n.name, fmt_mac(n.mac));
        }
        if !n.iptables.is_empty() {
            bail!("node {}: the lab does not run iptables rules (iptables = [...])", n.name);
        }
        let iface = interface_name(n);
        if iface.is_empty() || iface.len() > 15 || iface == "lo" || iface.contains(['/', ' ']) {
            bail!("node {}: interface name {iface:?} cannot be used", n.name);
        }
    }
    Ok(())
}

/// The node's interface: named as its keepalived config names it, so that
/// keepalived's logs read as they would on the real machine.
pub fn interface_name(node: &Node) -> String {
    node.keepalived
        .as_ref()
        .and_then(|c| c.instances.iter().find_map(|i| i.interface.clone()))
        .unwrap_or_else(|| "eth0".to_string())
}

/// The LAN namespace: IPv6 off (the bridge has no business sending
/// anything), loopback and a bridge up. Returns its netlink socket and the
/// bridge's index.
pub fn lan(lan: &Netns) -> anyhow::Result<(Rtnl, u32)> {
    lan.run(|| {
        ipv6(false)?;
        let mut rtnl = Rtnl::open()?;
        let lo = rtnl.link_index("lo")?;
        rtnl.set_up(lo, true)?;
        rtnl.add_bridge(BRIDGE)?;
        let bridge = rtnl.link_index(BRIDGE)?;
        rtnl.set_up(bridge, true)?;
        Ok((rtnl, bridge))
    })
    .context("setting up the LAN namespace")
}

/// One node: its veth (port `port` on the bridge, `interface` in `ns`),
/// addresses, sysctls, routes, everything up. Returns the port's index.
pub fn node(ns: &Netns, node: &Node, interface: &str, port: &str, lan: &mut Rtnl, bridge: u32) -> anyhow::Result<u32> {
    let has_v6 = wants_ipv6(node);
    // Before the veth exists, so that its interface is born with these.
    ns.run(|| {
        ipv6(has_v6)?;
        if has_v6 {
            // Addresses usable at once, without duplicate address detection.
            sysctl("ipv6/conf/default/accept_dad", "0")?;
            sysctl("ipv6/conf/all/accept_dad", "0")?;
        }
        Ok(())
    })?;
    let ns_file = ns.file()?;
    lan.add_veth(port, interface, node.mac, &ns_file)?;
    let port_index = lan.link_index(port)?;
    lan.set_controller(port_index, bridge)?;
    lan.set_up(port_index, true)?;
    ns.run(|| {
        let mut rtnl = Rtnl::open()?;
        let lo = rtnl.link_index("lo")?;
        rtnl.set_up(lo, true)?;
        let eth = rtnl.link_index(interface)?;
        for a in &node.addrs {
            rtnl.add_addr(eth, *a, true)?;
        }
        for vip in &node.vip_on_lo {
            let prefix = if vip.is_ipv4() { 32 } else { 128 };
            rtnl.add_addr(lo, IfAddr { addr: *vip, prefix }, true)?;
        }
        for key in ["all", interface] {
            sysctl(&format!("ipv4/conf/{key}/arp_ignore"), &node.arp_ignore.to_string())?;
            sysctl(&format!("ipv4/conf/{key}/arp_announce"), &node.arp_announce.to_string())?;
        }
        if node.ip_forward {
            sysctl("ipv4/ip_forward", "1")?;
            if has_v6 {
                sysctl("ipv6/conf/all/forwarding", "1")?;
            }
        }
        rtnl.set_up(eth, true)?;
        if let Some(gw) = node.gateway {
            rtnl.add_default_route(gw)?;
        }
        Ok(())
    })
    .with_context(|| format!("setting up node {}", node.name))?;
    Ok(port_index)
}

/// Whether the node uses IPv6 at all (else it is turned off, so that the
/// capture shows no router solicitations or MLD of the kernel's).
pub fn wants_ipv6(node: &Node) -> bool {
    node.addrs.iter().any(|a| a.addr.is_ipv6())
        || node.vip_on_lo.iter().any(IpAddr::is_ipv6)
        || node.keepalived.iter().flat_map(|c| &c.instances).flat_map(|i| &i.vips).any(|v| v.addr.is_ipv6())
}

/// Turns IPv6 on or off for the namespace of the calling thread, for its
/// present and future interfaces.
fn ipv6(on: bool) -> anyhow::Result<()> {
    let v = if on { "0" } else { "1" };
    sysctl("ipv6/conf/all/disable_ipv6", v)?;
    sysctl("ipv6/conf/default/disable_ipv6", v)
}

/// Writes `/proc/sys/net/KEY`, which is the calling thread's namespace's.
fn sysctl(key: &str, value: &str) -> anyhow::Result<()> {
    let path = format!("/proc/sys/net/{key}");
    std::fs::write(&path, value).with_context(|| format!("writing {value} to {path}"))
}

fn fmt_mac(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}
