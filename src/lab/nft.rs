//! Firewall faults with the real nftables, inside a lab namespace: a node
//! that drops inbound VRRP (the classic cause of split brain: raw sockets
//! sit behind the INPUT hook, so the node goes deaf while captures still
//! show the adverts on the wire), and a LAN partition (bridge forwarding
//! dropped between groups of ports).
//!
//! The rules go through the `nft` program: it is how an operator would add
//! them, the rule text is the documentation, and nftables' netlink API has
//! no well-kept Rust binding.

use anyhow::{bail, Context};
use std::io::Write;
use std::process::{Command, Stdio};

use super::netns::Netns;

const BLOCK_TABLE: &str = "vrrplab_block";
const PARTITION_TABLE: &str = "vrrplab_partition";

/// Where a VRRP block drops the packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hook<'a> {
    /// The INPUT hook, where an operator's firewall would: keepalived's raw
    /// socket sits behind it.
    Input,
    /// The interface's ingress hook: the engine reads its frames from
    /// packet sockets, which sit before INPUT but behind ingress.
    Ingress { device: &'a str },
}

/// Drops inbound VRRP (IP protocol 112, IPv4 and IPv6) on the node.
pub fn block_vrrp(ns: &Netns, hook: Hook<'_>) -> anyhow::Result<()> {
    let script = match hook {
        Hook::Input => replace_table(
            "inet",
            BLOCK_TABLE,
            "    chain input {\n        type filter hook input priority -10; policy accept;\n        \
             ip protocol 112 drop\n        meta nfproto ipv6 meta l4proto 112 drop\n    }\n",
        ),
        Hook::Ingress { device } => replace_table(
            "netdev",
            BLOCK_TABLE,
            &format!(
                "    chain ingress {{\n        type filter hook ingress device \"{device}\" priority -10; \
                 policy accept;\n        ip protocol 112 drop\n        ip6 nexthdr 112 drop\n    }}\n"
            ),
        ),
    };
    apply(ns, &script)
}

/// Removes [`block_vrrp`]'s rules.
pub fn unblock_vrrp(ns: &Netns, hook: Hook<'_>) -> anyhow::Result<()> {
    let family = match hook {
        Hook::Input => "inet",
        Hook::Ingress { .. } => "netdev",
    };
    apply(ns, &delete_table(family, BLOCK_TABLE))
}

/// Drops bridge forwarding between the ports of different groups; `groups`
/// are bridge port names. Ports in no group keep reaching every port.
pub fn partition(lan: &Netns, groups: &[Vec<String>]) -> anyhow::Result<()> {
    let mut rules = String::new();
    for (i, a) in groups.iter().enumerate() {
        for (j, b) in groups.iter().enumerate() {
            if i == j || b.is_empty() {
                continue;
            }
            let set = b.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ");
            for p in a {
                rules.push_str(&format!("        iifname \"{p}\" oifname {{ {set} }} drop\n"));
            }
        }
    }
    let body =
        format!("    chain forward {{\n        type filter hook forward priority 0; policy accept;\n{rules}    }}\n");
    apply(lan, &replace_table("bridge", PARTITION_TABLE, &body))
}

/// Removes [`partition`]'s rules.
pub fn heal(lan: &Netns) -> anyhow::Result<()> {
    apply(lan, &delete_table("bridge", PARTITION_TABLE))
}

const NO_ACCEPT_TABLE: &str = "vrrplab_no_accept";

/// keepalived's `no_accept` (and `vrrp_strict`): a master drops what is
/// addressed to these VIPs at INPUT (ARP for them is still answered).
/// Replaces the previous set; an empty one removes the table.
pub fn no_accept(ns: &Netns, vips: &[std::net::IpAddr]) -> anyhow::Result<()> {
    if vips.is_empty() {
        return apply(ns, &delete_table("inet", NO_ACCEPT_TABLE));
    }
    let mut rules = String::new();
    for (family, v6) in [("ip", false), ("ip6", true)] {
        let set: Vec<String> = vips.iter().filter(|a| a.is_ipv6() == v6).map(|a| a.to_string()).collect();
        if !set.is_empty() {
            rules.push_str(&format!("        {family} daddr {{ {} }} drop\n", set.join(", ")));
        }
    }
    let body = format!("    chain input {{\n        type filter hook input priority -10; policy accept;\n{rules}    }}\n");
    apply(ns, &replace_table("inet", NO_ACCEPT_TABLE, &body))
}

/// An nft script that (re)creates a table atomically: adding an empty table
/// first makes the delete succeed whether or not it existed.
fn replace_table(family: &str, name: &str, body: &str) -> String {
    format!("table {family} {name}\ndelete table {family} {name}\ntable {family} {name} {{\n{body}}}\n")
}

fn delete_table(family: &str, name: &str) -> String {
    format!("table {family} {name}\ndelete table {family} {name}\n")
}

/// Runs `nft -f -` with `script` inside `ns`.
pub fn apply(ns: &Netns, script: &str) -> anyhow::Result<()> {
    let output = ns.run(|| {
        let mut child = Command::new("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("running nft (apt-get install nftables)")?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(script.as_bytes()).context("writing to nft")?;
        }
        child.wait_with_output().context("waiting for nft")
    })?;
    if !output.status.success() {
        bail!("nft in {}: {}\n{script}", ns.name(), String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(())
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn replace_is_atomic_add_delete_add() {
        let s = replace_table("inet", "t", "    chain c {}\n");
        assert_eq!(s, "table inet t\ndelete table inet t\ntable inet t {\n    chain c {}\n}\n");
    }
}
