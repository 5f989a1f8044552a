//! Building the lab's network: the LAN namespace with its bridge, and each
//! node's namespace with its veth, addresses, sysctls and routes.

use anyhow::{bail, Context};
use std::net::IpAddr;

use super::iptables;
use super::netlink::Rtnl;
use crate::engine::ipvs::iptables::parse_mark_rule;
use super::netns::Netns;
use super::BRIDGE;
use crate::scenario::model::{IfAddr, Impl, Node, Role, Scenario};

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
        if n.role == Role::Director && n.implementation == Impl::Keepalived {
            bail!("node {}: a keepalived director needs the kernel's IPVS, which the lab does not use; leave impl out to run the engine's director", n.name);
        }
        if n.keepalived.is_some() && (n.requests.is_some() || serves_http(n)) {
            bail!("node {}: the lab runs no keepalived on a client or real server", n.name);
        }
        for line in &n.iptables {
            // The engine's director applies its MARK rules itself; a
            // kernel gets the translatable subset as nftables rules.
            let checked = if own_stack(n) {
                parse_mark_rule(line).map(|_| ())
                    .map_err(|e| anyhow::anyhow!("{e} (the engine's director takes mangle PREROUTING MARK rules)"))
            } else {
                iptables::translate(line).map(|_| ()).map_err(|e| anyhow::anyhow!("{e} (see `lab::iptables` for the subset)"))
            };
            checked.with_context(|| format!("node {}: iptables {line:?}", n.name))?;
        }
        let iface = interface_name(n);
        if iface.is_empty() || iface.len() > 15 || iface == "lo" || iface.contains(['/', ' ']) {
            bail!("node {}: interface name {iface:?} cannot be used", n.name);
        }
    }
    Ok(())
}

/// Whether the node's machine brings its own host stack (the engine's
/// director, see `engine::host::Hosted`): its kernel interface then holds
/// no address, and forwards nothing, so that only the machine answers ARP
/// and handles what comes to the node.
pub fn own_stack(node: &Node) -> bool {
    node.role == Role::Director && node.implementation == Impl::Engine
}

/// Whether the node runs the lab's web server (a real server's kernel
/// serving HTTP, see `lab::http`).
pub fn serves_http(node: &Node) -> bool {
    !own_stack(node) && (node.role == Role::RealServer || !node.vip_on_lo.is_empty())
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
/// addresses, sysctls, routes, everything up; a node with its
/// [`own_stack`] gets the veth only. Returns the port's index.
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
        tx_checksum_off(interface)?;
        if own_stack(node) {
            return rtnl.set_up(eth, true);
        }
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
            // A one-armed router (the LVS builtins' gw) would redirect the
            // client to the director; the simulator's router does not, and
            // the lab's capture should show the same path.
            for key in ["all", "default", interface] {
                sysctl(&format!("ipv4/conf/{key}/send_redirects"), "0")?;
            }
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
    if !own_stack(node) && !node.iptables.is_empty() {
        let rules = node.iptables.iter().map(|l| iptables::translate(l)).collect::<Result<Vec<_>, _>>()?;
        super::nft::apply(ns, &iptables::script(&rules)).with_context(|| format!("node {}: iptables rules", node.name))?;
    }
    Ok(port_index)
}

/// Whether the node uses IPv6 at all (else it is turned off, so that the
/// capture shows no router solicitations or MLD of the kernel's).
pub fn wants_ipv6(node: &Node) -> bool {
    !own_stack(node)
        && (node.addrs.iter().any(|a| a.addr.is_ipv6())
            || node.vip_on_lo.iter().any(IpAddr::is_ipv6)
            || node.keepalived.iter().flat_map(|c| &c.instances).flat_map(|i| &i.vips).any(|v| v.addr.is_ipv6()))
}

/// Makes the kernel compute the checksums of what the node sends, rather
/// than leave them to a NIC (a veth never computes them: the receiving
/// kernel is told the checksum is fine). A frame the engine's director
/// reads and sends on through AF_PACKET loses that note, so a client's
/// TCP segments would reach the real server with a bad checksum, and the
/// capture would show them so too.
fn tx_checksum_off(interface: &str) -> anyhow::Result<()> {
    /// `ETHTOOL_STXCSUM` and its argument, from `linux/ethtool.h`.
    const ETHTOOL_STXCSUM: u32 = 0x17;
    #[repr(C)]
    struct EthtoolValue {
        cmd: u32,
        data: u32,
    }
    let mut value = EthtoolValue { cmd: ETHTOOL_STXCSUM, data: 0 };
    // SAFETY: a zeroed ifreq is valid; the name fits (checked by the
    // caller's interface-name rule) and stays NUL-terminated.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(interface.bytes().take(libc::IFNAMSIZ - 1)) {
        *d = s as libc::c_char;
    }
    req.ifr_ifru.ifru_data = (&mut value as *mut EthtoolValue).cast();
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").context("opening a socket for ethtool")?;
    // SAFETY: SIOCETHTOOL reads `req` and the EthtoolValue it points to,
    // both alive for the call.
    let r = unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&socket), libc::SIOCETHTOOL, &mut req) };
    if r < 0 {
        return Err(std::io::Error::last_os_error()).with_context(|| format!("turning off tx checksum offload on {interface}"));
    }
    Ok(())
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
