//! The simulator as a feed: virtual time moves with the replay clock, the
//! frames it puts on the LAN appear as they are made, each instance's
//! state changes colour the bands (a capture cannot show a silent backup;
//! the simulation knows it), and the keyboard injects faults.

use super::bands::{Known, State};
use super::feed::{Fault, Faults, Feed};
use super::store::Frames;
use crate::engine::VrrpState;
use crate::scenario::model::{Action, Scenario};
use crate::sim::build::build;
use crate::sim::log::{seconds, Kind, EPOCH_SECS};
use crate::sim::World;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// A step forward runs at most this many events looking for a frame.
const MAX_EVENTS: usize = 100_000;

const EPOCH_US: i64 = EPOCH_SECS * 1_000_000;

pub struct SimFeed {
    label: String,
    world: World,
    duration_us: u64,
    /// Each node's name and addresses, for finding the node of a band.
    nodes: Vec<(String, Vec<IpAddr>)>,
    blocked: BTreeSet<String>,
}

impl SimFeed {
    /// Builds the world of `scenario`; returns the feed and the configs' warnings.
    pub fn new(label: String, scenario: &Scenario, seed: Option<u64>) -> anyhow::Result<(SimFeed, Vec<String>)> {
        let built = build(scenario, seed).map_err(anyhow::Error::msg)?;
        let warnings = built.warnings.iter().map(|(node, w)| format!("{node}: {}", w.message)).collect();
        let mut world = built.world;
        world.keep_frames();
        let nodes = scenario.nodes.iter().map(|n| (n.name.clone(), n.addrs.iter().map(|a| a.addr).collect())).collect();
        Ok((SimFeed { label, world, duration_us: scenario.duration_us, nodes, blocked: BTreeSet::new() }, warnings))
    }

    /// Moves the frames the world made into the store.
    fn drain(&mut self, store: &mut Frames) -> usize {
        let frames = self.world.take_frames();
        self.world.keep_frames();
        for f in &frames {
            store.push(f);
        }
        frames.len()
    }
}

impl Feed for SimFeed {
    fn pull(&mut self, until: i64, store: &mut Frames) -> anyhow::Result<usize> {
        let until = u64::try_from(until - EPOCH_US).unwrap_or(0);
        if until > self.world.now() {
            self.world.run_until(until)?;
        }
        Ok(self.drain(store))
    }

    fn finished(&self) -> bool {
        false
    }

    fn clocked(&self) -> bool {
        true
    }

    fn endless(&self) -> bool {
        true
    }

    fn origin(&self) -> Option<i64> {
        Some(EPOCH_US)
    }

    fn end(&self) -> Option<i64> {
        Some(EPOCH_US + self.duration_us as i64)
    }

    fn step_one(&mut self, store: &mut Frames) -> anyhow::Result<bool> {
        for _ in 0..MAX_EVENTS {
            if !self.world.step()? {
                return Ok(false);
            }
            if !self.world.frames().is_empty() {
                self.drain(store);
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn states(&self) -> Vec<Known> {
        self.world
            .log()
            .iter()
            .filter_map(|e| match &e.kind {
                Kind::State(s) => Some(Known {
                    us: EPOCH_US + e.at as i64,
                    vrid: s.vrid,
                    family: s.family,
                    addr: s.addr,
                    state: match s.to {
                        VrrpState::Init => State::Init,
                        VrrpState::Backup => State::Backup,
                        VrrpState::Master => State::Master,
                        VrrpState::Fault => State::Fault,
                    },
                    prio: s.priority,
                }),
                _ => None,
            })
            .collect()
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn faults(&mut self) -> Option<&mut dyn Faults> {
        Some(self)
    }
}

impl Faults for SimFeed {
    fn node_of(&self, addr: IpAddr) -> Option<String> {
        self.nodes.iter().find(|(_, addrs)| addrs.contains(&addr)).map(|(name, _)| name.clone())
    }

    fn inject(&mut self, node: &str, fault: Fault) -> anyhow::Result<String> {
        let name = node.to_string();
        let (action, what) = match fault {
            Fault::Stop => (Action::Stop { node: name }, "keepalived stops (priority 0 advert)"),
            Fault::Crash => (Action::Crash { node: name }, "keepalived crashes (silence)"),
            Fault::Start => (Action::Start { node: name }, "keepalived starts"),
            Fault::ToggleBlockVrrp if self.blocked.contains(node) => {
                self.blocked.remove(node);
                (Action::UnblockVrrp { node: name }, "inbound VRRP unblocked")
            }
            Fault::ToggleBlockVrrp => {
                self.blocked.insert(name.clone());
                (Action::BlockVrrp { node: name }, "inbound VRRP blocked")
            }
        };
        let now = self.world.now();
        self.world.schedule(now, action).map_err(anyhow::Error::msg)?;
        Ok(format!("{node}: {what} at {} s", seconds(now)))
    }
}
