//! keepalived's `use_vmac` for the engine's nodes, done as keepalived 2.2.7
//! does it on Linux (`vrrp_vmac.c`, `vrrp_if_config.c`):
//!
//! - when the daemon starts, each `use_vmac` instance gets a macvlan in
//!   private mode on the node's interface, called as the config says or
//!   `vrrp.<VRID>`, with the virtual MAC 00:00:5e:00:01:VRID
//!   (00:00:5e:00:02:VRID for IPv6), and whatever state it is in. A macvlan
//!   left by a daemon that was killed is found and used again, as is.
//! - the kernel must not answer ARP for the VIPs with the node's own MAC,
//!   nor for the node's address with the virtual one: the new macvlan gets
//!   `arp_ignore=1`, `accept_local=1` (it hears its peers, which send from
//!   the same MAC), `rp_filter=0` (it has no address of its own) and
//!   `promote_secondaries=1`; the node's interface `arp_ignore=1` and
//!   `arp_filter=1`, put back as they were when the daemon stops. IPv6 is
//!   off on the macvlan of an IPv4 instance; it never makes a link-local
//!   address of its own (`addr_gen_mode` none): an IPv6 instance's gets the
//!   node's, so that adverts come from the node's link-local address and
//!   the virtual MAC.
//! - the daemon's VIPs go on the macvlan; its adverts and gratuitous ARPs
//!   (built by the engine with the virtual MAC) are sent on it.
//! - a graceful stop removes the macvlans; a crash leaves them.
//!
//! keepalived also has nftables duplicate the IGMP reports the kernel would
//! send from a macvlan onto the lower interface; the engine joins no group
//! on a macvlan, so the kernel sends none there. keepalived's clearing of
//! `all.rp_filter` is not needed: it is 0 in the lab's fresh namespaces.
//!
//! A peer's multicast frame that comes from the same virtual MAC is taken by
//! the kernel's macvlan code and handed to the macvlan only (the lower
//! interface's protocol handlers never see it), so each macvlan has a
//! receiving socket of its own for those: [`Rx`] says which frames a
//! socket is for, so that none reaches the machine twice.

use anyhow::{anyhow, bail, Context};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Duration;

use super::netlink::Rtnl;
use super::setup::sysctl;
use crate::capture::live::PacketSocket;
use crate::engine::vrrp::DaemonConfig;
use crate::scenario::conf::KeepalivedConf;
use crate::scenario::model::IfAddr;
use crate::wire::vrrp::Family;

pub type Mac = [u8; 6];

/// keepalived's prefix for the names it makes up (`vmac_prefix`).
const PREFIX: &str = "vrrp";
/// Names tried for one instance at most before giving up.
const MAX_NAME_TRIES: u32 = 64;

/// One instance's virtual MAC interface, as planned from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vmac {
    pub name: String,
    pub mac: Mac,
    pub family: Family,
    /// IPv6 stays on (an IPv6 instance, or VIPs of the other family).
    pub ipv6: bool,
}

/// The macvlans a config asks for, named as keepalived names them: the
/// instance's `use_vmac NAME` unless another instance has it already, else
/// the first free of `vrrp.VRID`, then (IPv6) `vrrp6.VRID`, `vrrp1.VRID`,
/// `vrrp2.VRID`… (IPv4: `vrrp1.VRID`, `vrrp2.VRID`…).
pub fn plan(conf: &KeepalivedConf, cfg: &DaemonConfig, interface: &str) -> anyhow::Result<Vec<Vmac>> {
    let wanted = |name: &str| conf.instances.iter().find(|i| i.name == name);
    let mut taken: BTreeSet<String> = [interface.to_string(), "lo".to_string()].into();
    let mut named: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for inst in cfg.instances.iter().filter(|i| i.use_vmac) {
        let conf_inst = wanted(&inst.name).ok_or_else(|| anyhow!("instance {} is not in the config", inst.name))?;
        let own = conf_inst.vmac_ifname.as_deref().filter(|n| valid_name(n) && named.insert(n) && !taken.contains(*n));
        let name = match own {
            Some(n) => n.to_string(),
            None => made_up_name(inst.vrid, inst.family, |n| {
                taken.contains(n) || conf.instances.iter().any(|i| i.vmac_ifname.as_deref() == Some(n))
            })?,
        };
        if !valid_name(&name) {
            bail!("instance {}: {name:?} cannot be an interface name", inst.name);
        }
        taken.insert(name.clone());
        let other_family = conf_inst.vips.iter().chain(&conf_inst.excluded_vips).any(|v| v.addr.is_ipv6() != (inst.family == Family::Ipv6));
        out.push(Vmac { name, mac: inst.virtual_mac(), family: inst.family, ipv6: inst.family == Family::Ipv6 || other_family });
    }
    Ok(out)
}

fn made_up_name(vrid: u8, family: Family, taken: impl Fn(&str) -> bool) -> anyhow::Result<String> {
    let mut num = 0u32;
    for _ in 0..MAX_NAME_TRIES {
        let name = if num == 0 { format!("{PREFIX}.{vrid}") } else { format!("{PREFIX}{num}.{vrid}") };
        if !taken(&name) {
            return Ok(name);
        }
        num = match (family, num) {
            (Family::Ipv6, 0) => 6,
            (Family::Ipv6, 6) => 1,
            (Family::Ipv6, 5) => 7,
            _ => num + 1,
        };
    }
    bail!("no free name for the virtual MAC interface of VRID {vrid}")
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() < libc::IFNAMSIZ && name != "." && name != ".." && !name.contains(['/', ':', ' '])
}

/// A receiving socket and the frames it is for.
pub struct Rx {
    pub socket: PacketSocket,
    /// `Some(mac)`: a macvlan's, for frames from its virtual MAC only;
    /// `None`: the node's interface's, for frames from any other MAC.
    pub from: Option<Mac>,
}

/// A macvlan that is up, and its sockets.
struct Up {
    vmac: Vmac,
    index: u32,
    tx: PacketSocket,
}

/// The daemon's macvlans as they stand.
pub struct Vmacs {
    plan: Vec<Vmac>,
    up: Vec<Up>,
    /// The node interface's `arp_ignore` and `arp_filter` before the
    /// daemon changed them (none: it did not).
    saved: Option<(String, String)>,
    /// Changes whenever the set of macvlans does (their sockets then too).
    generation: u64,
}

impl Vmacs {
    pub fn new(plan: Vec<Vmac>) -> Vmacs {
        Vmacs { plan, up: Vec::new(), saved: None, generation: 0 }
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether `mac` is one of the planned virtual MACs.
    pub fn is_virtual(&self, mac: &[u8]) -> bool {
        self.plan.iter().any(|v| v.mac == mac)
    }

    /// The macvlan's index for a VIP that the machine gives `mac`.
    pub fn index(&self, mac: Mac) -> Option<u32> {
        self.up.iter().find(|u| u.vmac.mac == mac).map(|u| u.index)
    }

    /// The socket to send a frame from `mac` on, if it is a virtual MAC.
    pub fn sender(&self, mac: &[u8]) -> Option<&PacketSocket> {
        self.up.iter().find(|u| u.vmac.mac == mac).map(|u| &u.tx)
    }

    /// Brings up every planned macvlan on `lower` (named `lower_name`, with
    /// `lower_mac`), finding those a killed daemon left; returns a receiving
    /// socket for each. Logs through `say`.
    pub fn start(
        &mut self,
        rtnl: &mut Rtnl,
        (lower, lower_name, lower_mac): (u32, &str, Mac),
        protocols: &[u16],
        poll: Duration,
        say: &mut dyn FnMut(String),
    ) -> anyhow::Result<Vec<Rx>> {
        if !self.up.is_empty() {
            return Ok(Vec::new());
        }
        self.generation += 1;
        let mut rx = Vec::new();
        for vmac in self.plan.clone() {
            let index = match rtnl.find_link(&vmac.name)? {
                Some(l) if l.private_macvlan && l.mac == Some(vmac.mac) && l.lower == Some(lower) => {
                    say(format!("found matching interface {}", vmac.name));
                    l.index
                }
                Some(l) if !l.macvlan => bail!("VMAC {} conflicts with existing interface", vmac.name),
                found => {
                    if let Some(l) = found {
                        say(format!("removing old VMAC interface {} due to conflicting interface", vmac.name));
                        rtnl.del_link(l.index)?;
                    }
                    let index = self.create(rtnl, &vmac, lower, lower_name, lower_mac)?;
                    say(format!("created VMAC interface {}", vmac.name));
                    index
                }
            };
            let tx = PacketSocket::open_protocol(index, 0, false, poll)?;
            for &p in protocols {
                rx.push(Rx { socket: PacketSocket::open_protocol(index, p, false, poll)?, from: Some(vmac.mac) });
            }
            self.up.push(Up { vmac, index, tx });
        }
        Ok(rx)
    }

    fn create(&mut self, rtnl: &mut Rtnl, vmac: &Vmac, lower: u32, lower_name: &str, lower_mac: Mac) -> anyhow::Result<u32> {
        rtnl.add_macvlan(&vmac.name, lower, vmac.mac)?;
        let index = rtnl.link_index(&vmac.name)?;
        let name = &vmac.name;
        if vmac.family == Family::Ipv4 {
            for (key, value) in [("arp_ignore", "1"), ("accept_local", "1"), ("rp_filter", "0"), ("promote_secondaries", "1")] {
                sysctl(&format!("ipv4/conf/{name}/{key}"), value)?;
            }
            if self.saved.is_none() {
                let read = |key: &str| -> anyhow::Result<String> {
                    let path = format!("/proc/sys/net/ipv4/conf/{lower_name}/{key}");
                    Ok(std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?.trim().to_string())
                };
                self.saved = Some((read("arp_ignore")?, read("arp_filter")?));
                sysctl(&format!("ipv4/conf/{lower_name}/arp_ignore"), "1")?;
                sysctl(&format!("ipv4/conf/{lower_name}/arp_filter"), "1")?;
            }
        }
        // Where IPv6 is off for the whole namespace, it stays off here too.
        if std::path::Path::new(&format!("/proc/sys/net/ipv6/conf/{name}")).exists() {
            sysctl(&format!("ipv6/conf/{name}/addr_gen_mode"), "1")?;
            sysctl(&format!("ipv6/conf/{name}/disable_ipv6"), if vmac.ipv6 { "0" } else { "1" })?;
        }
        rtnl.set_up(index, true)?;
        if vmac.family == Family::Ipv6 {
            let ll = IfAddr { addr: IpAddr::V6(super::driver::link_local(lower_mac)), prefix: 64 };
            rtnl.add_addr(index, ll, true)?;
        }
        Ok(index)
    }

    /// The daemon stopped: its macvlans go, the node's interface gets its
    /// ARP settings back.
    pub fn stop(&mut self, rtnl: &mut Rtnl, lower_name: &str, say: &mut dyn FnMut(String)) -> anyhow::Result<()> {
        self.generation += 1;
        let mut first_err = None;
        for up in self.up.drain(..) {
            match rtnl.del_link(up.index) {
                Ok(()) => say(format!("removed VMAC interface {}", up.vmac.name)),
                Err(e) => {
                    first_err.get_or_insert(e.context(format!("removing VMAC interface {}", up.vmac.name)));
                }
            }
        }
        if let Some((ignore, filter)) = self.saved.take() {
            for (key, value) in [("arp_ignore", ignore), ("arp_filter", filter)] {
                if let Err(e) = sysctl(&format!("ipv4/conf/{lower_name}/{key}"), &value) {
                    first_err.get_or_insert(e);
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// The daemon was killed: the kernel keeps the macvlans and the ARP
    /// settings; the daemon's memory of them is gone.
    pub fn forget(&mut self) {
        self.generation += 1;
        self.up.clear();
        self.saved = None;
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::scenario::keepalived::parse_str;

    fn planned(text: &str) -> Vec<(String, Mac)> {
        let conf = parse_str(text, std::path::Path::new("keepalived.conf"), 1).unwrap();
        let cfg = DaemonConfig::from_conf(&conf).unwrap();
        plan(&conf, &cfg, "eth0").unwrap().into_iter().map(|v| (v.name, v.mac)).collect()
    }

    fn inst(name: &str, vrid: u8, vmac: &str, vip: &str) -> String {
        format!("vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority 100\n {vmac}\n virtual_ipaddress {{\n  {vip}\n }}\n}}\n")
    }

    #[test]
    fn names_and_macs_as_keepalived_makes_them() {
        let text = inst("A", 51, "use_vmac", "192.0.2.100") + &inst("B", 52, "use_vmac vmac52", "192.0.2.101");
        assert_eq!(
            planned(&text),
            vec![("vrrp.51".into(), [0, 0, 0x5e, 0, 1, 51]), ("vmac52".into(), [0, 0, 0x5e, 0, 1, 52])]
        );
    }

    #[test]
    fn one_vrid_in_both_families_gets_two_names() {
        let text = inst("A", 51, "use_vmac", "192.0.2.100") + &inst("B", 51, "use_vmac", "2001:db8::100");
        assert_eq!(
            planned(&text),
            vec![("vrrp.51".into(), [0, 0, 0x5e, 0, 1, 51]), ("vrrp6.51".into(), [0, 0, 0x5e, 0, 2, 51])]
        );
    }

    #[test]
    fn a_name_another_instance_has_is_not_taken_twice() {
        let text = inst("A", 51, "use_vmac vm", "192.0.2.100") + &inst("B", 52, "use_vmac vm", "192.0.2.101");
        assert_eq!(planned(&text).into_iter().map(|(n, _)| n).collect::<Vec<_>>(), ["vm", "vrrp.52"]);
        let clash = inst("A", 51, "use_vmac vrrp.52", "192.0.2.100") + &inst("B", 52, "use_vmac", "192.0.2.101");
        assert_eq!(planned(&clash).into_iter().map(|(n, _)| n).collect::<Vec<_>>(), ["vrrp.52", "vrrp1.52"]);
    }

    #[test]
    fn no_vmac_no_plan() {
        assert!(planned(&inst("A", 51, "", "192.0.2.100")).is_empty());
    }
}
