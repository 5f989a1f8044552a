//! Exploration: run a scenario's nodes under random faults and check the
//! invariants that must hold once the network is whole again. A seed fixes
//! the fault plan and the LAN's randomness, so a failing seed replays.
//!
//! The plan replaces the scenario's own events: between 5 s and 5 s +
//! `window`, random crashes, stops, restarts, link flaps, one-way VRRP
//! firewalls, partitions and script failures; then everything heals
//! (firewalls off, partition healed, links up, scripts passing; stopped or
//! crashed daemons stay down). One Master_Down_Interval later (the largest
//! of the running instances, plus one advert interval for a yield to be
//! heard), each virtual router must have at most one master, and no master
//! may belong to a daemon that is not running.

use super::build::build;
use super::rng::Rng;
use super::summary::master_spans;
use crate::engine::Micros;
use crate::scenario::model::{Action, Event, Scenario};
use crate::wire::vrrp::Family;
use std::collections::BTreeMap;

const S: Micros = 1_000_000;

/// The plan for one seed: the scenario with random events, and when it heals.
pub fn plan(base: &Scenario, seed: u64) -> (Scenario, Micros) {
    let mut rng = Rng::new(seed ^ 0x5eed_fa17_0000_0000);
    let names: Vec<String> = base.nodes.iter().filter(|n| n.keepalived.is_some()).map(|n| n.name.clone()).collect();
    let scripts: Vec<(String, String)> = base
        .nodes
        .iter()
        .flat_map(|n| n.keepalived.iter().flat_map(move |k| k.scripts.iter().map(move |s| (n.name.clone(), s.name.clone()))))
        .collect();
    let window = 30 * S;
    let start = 5 * S;
    let heal_at = start + window;
    let mut events = vec![];
    let count = if names.is_empty() { 0 } else { 1 + rng.below(6) };
    for _ in 0..count {
        let at = start + rng.below(window);
        let node = names[rng.below(names.len() as u64) as usize].clone();
        let action = match rng.below(9) {
            0 => Action::Crash { node },
            1 => Action::Stop { node },
            2 => Action::Start { node },
            3 => Action::LinkDown { node },
            4 => Action::LinkUp { node },
            5 => Action::BlockVrrp { node },
            6 => Action::UnblockVrrp { node },
            7 if !scripts.is_empty() => {
                let (node, script) = scripts[rng.below(scripts.len() as u64) as usize].clone();
                Action::ScriptFail { node, script }
            }
            _ => {
                let mut groups = vec![vec![], vec![]];
                for n in &names {
                    groups[rng.below(2) as usize].push(n.clone());
                }
                Action::Partition { groups }
            }
        };
        events.push(Event { at_us: at, action });
    }
    events.sort_by_key(|e| e.at_us);
    events.push(Event { at_us: heal_at, action: Action::Heal });
    for n in &names {
        events.push(Event { at_us: heal_at, action: Action::UnblockVrrp { node: n.clone() } });
        events.push(Event { at_us: heal_at, action: Action::LinkUp { node: n.clone() } });
    }
    for (node, script) in &scripts {
        events.push(Event { at_us: heal_at, action: Action::ScriptOk { node: node.clone(), script: script.clone() } });
    }
    let mut s = base.clone();
    s.events = events;
    s.seed = seed;
    (s, heal_at)
}

/// An invariant that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub seed: u64,
    pub at: Micros,
    pub vrid: u8,
    pub family: Family,
    /// The masters at that time (node names).
    pub masters: Vec<String>,
    pub what: String,
}

/// Runs seed `seed` of the exploration of `base`: `Ok(None)` when the
/// invariants hold.
pub fn run(base: &Scenario, seed: u64) -> Result<Option<Violation>, String> {
    let (s, heal_at) = plan(base, seed);
    let mut world = build(&s, Some(seed))?.world;
    world.run_until(heal_at).map_err(|e| e.to_string())?;
    // Let every instance hear the others for one Master_Down_Interval.
    let settle = world.vrrp_states().iter().map(|(_, st)| st.master_down_us).max().unwrap_or(0);
    let max_int = s
        .nodes
        .iter()
        .flat_map(|n| n.keepalived.iter().flat_map(|k| k.instances.iter().map(|i| i.advert_int_us.unwrap_or(S))))
        .max()
        .unwrap_or(S);
    let check_at = heal_at + settle + max_int;
    world.run_until(check_at).map_err(|e| e.to_string())?;
    let names = world.node_names();
    let running: Vec<(usize, String, u8, Family)> =
        world.vrrp_states().into_iter().map(|(n, st)| (n, st.instance, st.vrid, st.family)).collect();
    let mut masters: BTreeMap<(u8, Family), Vec<usize>> = BTreeMap::new();
    for sp in master_spans(world.log()).into_iter().filter(|sp| sp.to.is_none()) {
        if !running.iter().any(|(n, i, v, f)| *n == sp.node && *i == sp.instance && *v == sp.vrid && *f == sp.family) {
            return Ok(Some(Violation {
                seed,
                at: check_at,
                vrid: sp.vrid,
                family: sp.family,
                masters: vec![names[sp.node].clone()],
                what: format!("{} is master of a daemon that is not running", names[sp.node]),
            }));
        }
        masters.entry((sp.vrid, sp.family)).or_default().push(sp.node);
    }
    for ((vrid, family), nodes) in masters {
        if nodes.len() > 1 {
            let list: Vec<String> = nodes.iter().map(|&n| names[n].clone()).collect();
            return Ok(Some(Violation {
                seed,
                at: check_at,
                vrid,
                family,
                what: format!("{} masters one Master_Down_Interval after the network healed", list.len()),
                masters: list,
            }));
        }
    }
    Ok(None)
}
