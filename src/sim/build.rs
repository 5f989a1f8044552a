//! From a [`Scenario`] to a [`World`] ready to run: a host per node, a
//! keepalived VRRP daemon on every node with a keepalived config, the
//! daemons' start times and the scenario's events, the LAN's loss and jitter.

use super::world::World;
use crate::engine::host::HostConfig;
use crate::engine::vrrp::{Daemon, DaemonConfig};
use crate::engine::lvs::node::LvsNode;
use crate::engine::lvs::setup as lvs;
use crate::engine::Machine;
use crate::scenario::conf::Warning;
use crate::scenario::model::{Action, Scenario};
use crate::scenario::toml::default_mac;

/// Every frame takes this long to cross the LAN. Not zero: a receiver's
/// timers start after the sender's, as on a real wire, which decides who
/// is silenced when two masters hear each other (keepalived restarts a
/// master's advert timer on every packet).
pub const WIRE_LATENCY_US: u64 = 1;

/// A built world and what the configs said.
pub struct Built {
    pub world: World,
    /// Per node name: keepalived's warnings and what the simulator ignores.
    pub warnings: Vec<(String, Warning)>,
}

/// Builds the world for `s`; `seed` overrides the scenario's.
pub fn build(s: &Scenario, seed: Option<u64>) -> Result<Built, String> {
    let mut world = World::new(seed.unwrap_or(s.seed));
    world.set_loss(s.loss);
    world.set_delay(WIRE_LATENCY_US, s.jitter_us);
    let mut warnings = vec![];
    for (i, n) in s.nodes.iter().enumerate() {
        if world.node_index(&n.name).is_some() {
            return Err(format!("node `{}` is defined twice", n.name));
        }
        // A scenario built in code may leave the MAC out (all zeros).
        let mac = if n.mac == [0; 6] { default_mac(i) } else { n.mac };
        let ifname = n
            .keepalived
            .as_ref()
            .and_then(|k| k.instances.iter().find_map(|i| i.interface.clone()))
            .unwrap_or_else(|| "eth0".to_string());
        let host = HostConfig::of(n, ifname, mac);
        let idx = world.add_node(&n.name, host);
        if lvs::is_lvs(n) {
            let node_seed = seed.unwrap_or(s.seed) ^ (i as u64 + 1);
            let (cfg, w) = lvs::node_config(n, mac, world.host(idx).iface(), node_seed)?;
            warnings.extend(w.into_iter().map(|w| (n.name.clone(), w)));
            world.add_machine(idx, Box::new(move || Box::new(LvsNode::new(cfg.clone())) as Box<dyn Machine>));
            world.schedule(n.start_at_us.unwrap_or(0), Action::Start { node: n.name.clone() })?;
        } else if let Some(kc) = &n.keepalived {
            let cfg = DaemonConfig::from_conf(kc).map_err(|e| format!("node `{}`: {e}", n.name))?;
            warnings.extend(cfg.warnings.iter().map(|w| (n.name.clone(), w.clone())));
            let iface = world.host(idx).iface();
            world.add_machine(idx, Box::new(move || Box::new(Daemon::new(cfg.clone(), iface.clone())) as Box<dyn Machine>));
            world.schedule(n.start_at_us.unwrap_or(0), Action::Start { node: n.name.clone() })?;
        }
    }
    for e in &s.events {
        world.schedule(e.at_us, e.action.clone())?;
    }
    Ok(Built { world, warnings })
}
