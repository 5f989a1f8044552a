//! The scenario's actions applied to the world: daemons started, stopped
//! or crashed, links and firewalls, scripts, priorities, partitions.

use super::World;
use crate::engine::{Command, InstanceStatus, StateChange, VrrpState};
use crate::scenario::model::Action;
use crate::sim::log::Kind;
use std::io;

impl World {
    pub(super) fn apply(&mut self, i: usize) -> io::Result<()> {
        let action = self.actions[i].clone();
        let idx = |w: &World, name: &str| w.node_index(name).unwrap_or(0);
        match &action {
            Action::Start { node } => {
                let n = idx(self, node);
                self.record(Some(n), Kind::Action("start".into()));
                for m in 0..self.nodes[n].slots.len() {
                    let s = &mut self.nodes[n].slots[m];
                    if s.machine.is_none() {
                        s.machine = Some((s.factory)());
                    }
                    let up = self.nodes[n].link_up;
                    if !up {
                        self.run_machine(n, m, |mach, now, out| mach.on_command(now, &Command::LinkDown, out))?;
                    }
                    self.command(n, m, Command::Start)?;
                }
            }
            Action::Stop { node } => self.each_machine(idx(self, node), "stop", Command::Stop)?,
            Action::Crash { node } => {
                let n = idx(self, node);
                self.record(Some(n), Kind::Action("crash".into()));
                // The process is gone: its instances leave their states
                // without a word (the VIPs stay on the host).
                let gone: Vec<InstanceStatus> =
                    self.nodes[n].slots.iter().filter_map(|s| s.machine.as_ref()).flat_map(|m| m.vrrp_states()).collect();
                for st in gone.into_iter().filter(|st| st.state != VrrpState::Init) {
                    let change = StateChange {
                        instance: st.instance,
                        vrid: st.vrid,
                        family: st.family,
                        from: st.state,
                        to: VrrpState::Init,
                        priority: st.priority,
                        addr: st.addr,
                    };
                    self.record(Some(n), Kind::State(change));
                }
                for s in &mut self.nodes[n].slots {
                    s.machine = None;
                    s.wake = None;
                }
            }
            Action::LinkDown { node } => {
                let n = idx(self, node);
                self.nodes[n].link_up = false;
                self.nodes[n].host.carrier_down();
                self.each_machine(n, "link down", Command::LinkDown)?;
            }
            Action::LinkUp { node } => {
                let n = idx(self, node);
                self.nodes[n].link_up = true;
                self.each_machine(n, "link up", Command::LinkUp)?;
            }
            Action::BlockVrrp { node } => {
                let n = idx(self, node);
                self.nodes[n].block_vrrp = true;
                self.record(Some(n), Kind::Action("block inbound VRRP".into()));
            }
            Action::UnblockVrrp { node } => {
                let n = idx(self, node);
                self.nodes[n].block_vrrp = false;
                self.record(Some(n), Kind::Action("unblock inbound VRRP".into()));
            }
            Action::ScriptFail { node, script } => {
                let n = idx(self, node);
                self.nodes[n].failing_scripts.insert(script.clone());
                self.record(Some(n), Kind::Action(format!("script {script} starts failing")));
            }
            Action::ScriptOk { node, script } => {
                let n = idx(self, node);
                self.nodes[n].failing_scripts.remove(script);
                self.record(Some(n), Kind::Action(format!("script {script} succeeds again")));
            }
            Action::SetPriority { node, priority } => {
                let n = idx(self, node);
                self.each_machine(n, &format!("set priority {priority}"), Command::SetPriority(*priority))?;
            }
            Action::Partition { groups } => {
                let ports: Vec<Vec<usize>> =
                    groups.iter().map(|g| g.iter().map(|name| idx(self, name)).collect()).collect();
                self.lan.partition(&ports);
                let desc: Vec<String> = groups.iter().map(|g| format!("[{}]", g.join(" "))).collect();
                self.record(None, Kind::Action(format!("partition {}", desc.join(" "))));
            }
            Action::Heal => {
                self.lan.heal();
                self.record(None, Kind::Action("heal".into()));
            }
            Action::CheckFail { node, real_server } | Action::CheckOk { node, real_server } => {
                let up = matches!(action, Action::CheckOk { .. });
                let n = idx(self, node);
                let what = format!("health check of {real_server} {}", if up { "passes" } else { "fails" });
                self.each_machine(n, &what, Command::CheckResult { real_server: *real_server, up })?;
            }
        }
        Ok(())
    }

    fn each_machine(&mut self, n: usize, what: &str, cmd: Command) -> io::Result<()> {
        self.record(Some(n), Kind::Action(what.to_string()));
        for m in 0..self.nodes[n].slots.len() {
            self.command(n, m, cmd.clone())?;
        }
        Ok(())
    }

    fn command(&mut self, n: usize, m: usize, cmd: Command) -> io::Result<()> {
        self.run_machine(n, m, move |mach, now, out| mach.on_command(now, &cmd, out))
    }
}

pub(super) fn action_nodes(a: &Action) -> Vec<&str> {
    match a {
        Action::Start { node }
        | Action::Stop { node }
        | Action::Crash { node }
        | Action::LinkDown { node }
        | Action::LinkUp { node }
        | Action::BlockVrrp { node }
        | Action::UnblockVrrp { node }
        | Action::ScriptFail { node, .. }
        | Action::ScriptOk { node, .. }
        | Action::SetPriority { node, .. }
        | Action::CheckFail { node, .. }
        | Action::CheckOk { node, .. } => vec![node],
        Action::Partition { groups } => groups.iter().flatten().map(String::as_str).collect(),
        Action::Heal => vec![],
    }
}
