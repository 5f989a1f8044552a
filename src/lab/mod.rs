//! The lab: a scenario on real Linux network namespaces.
//!
//! Each node gets a namespace (`vl-<pid>-<n>.<node>`) with one veth
//! interface carrying the scenario's MAC and addresses; the other ends are
//! ports (`p-<node>`) of a bridge `br0` in the LAN's own namespace
//! (`vl-<pid>-<n>`), so nothing of the lab touches the host's network.
//! Nodes with `impl = "keepalived"` run the real keepalived there, the
//! others the engine's VRRP daemon on a thread of their own ([`driver`]);
//! faults are done the real way (nftables, link down, SIGTERM, SIGKILL);
//! the LAN is captured on the bridge with kernel timestamps.
//!
//! A [`Lab`] removes everything it made when dropped (also on panic), the
//! signal handler does on SIGINT/SIGTERM, and [`cleanup::down`] removes
//! what a killed process left behind.

pub mod capture;
pub mod cleanup;
pub mod driver;
pub mod http;
pub mod iptables;
pub mod keepalived;
pub mod log;
pub mod netlink;
pub mod netns;
pub mod nft;
pub mod run;
mod setup;

use anyhow::{anyhow, bail};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::capture::{live, Frame, Timestamp};
use crate::engine::host::{Host, HostConfig, Hosted};
use crate::engine::lvs::{node::LvsNode, setup as lvs};
use crate::engine::vrrp::{Daemon, DaemonConfig, Iface};
use crate::engine::{Command, Machine};
use crate::scenario::conf::KeepalivedConf;
use crate::scenario::model::{Action, IfAddr, Impl, Node, Scenario};
use capture::{Capture, CaptureLimits};
use driver::{Driver, Order};
use http::App;
use keepalived::{Files, Keepalived};
use log::{LogBook, LAB};
use netlink::Rtnl;
use netns::Netns;

/// The bridge in the LAN's namespace.
pub const BRIDGE: &str = "br0";

#[derive(Debug, Clone, Default)]
pub struct LabOptions {
    /// Capture the LAN from the start, within these bounds.
    pub capture: Option<CaptureLimits>,
    /// Print each log line to stdout as it comes.
    pub echo_log: bool,
}

/// One node of a running lab.
pub struct LabNode {
    pub name: String,
    pub netns: Netns,
    /// The node's interface in its namespace.
    pub interface: String,
    /// The bridge port that is the other end of the node's veth.
    pub port: String,
    port_index: u32,
    pub mac: [u8; 6],
    pub addrs: Vec<IfAddr>,
    pub implementation: Impl,
    pub keepalived: Option<KeepalivedConf>,
    ipv6: bool,
    files: Files,
    priority: Option<u8>,
    /// The node as the scenario gave it (what the LVS roles are built from).
    spec: Node,
    /// The node's seed, as the simulator derives it.
    seed: u64,
}

/// A scenario's namespaces, links and daemons; removed on drop.
pub struct Lab {
    name: String,
    lan: Option<Netns>,
    lan_rtnl: Option<Rtnl>,
    nodes: Vec<LabNode>,
    capture: Option<Capture>,
    daemons: BTreeMap<String, Keepalived>,
    /// Daemons told to stop, not yet reaped (a stop does not hold up the
    /// events after it).
    stopping: Vec<Keepalived>,
    /// The engine's nodes, each on its thread.
    drivers: BTreeMap<String, Driver>,
    /// Web servers and clients, each on its thread.
    apps: BTreeMap<String, App>,
    log: LogBook,
    t0: Instant,
    t0_wall: Timestamp,
    /// SIGINT/SIGTERM end the lab's waits rather than the process.
    _interrupt: crate::interrupt::Hold,
}

impl Lab {
    /// Builds the lab for `scenario`: namespaces, bridge, veths, addresses,
    /// links up, and the capture if asked. Starts no daemon yet.
    pub fn up(scenario: &Scenario, opts: &LabOptions) -> anyhow::Result<Lab> {
        setup::check_scenario(scenario)?;
        let interrupt = crate::interrupt::hold()?;
        let name = cleanup::register()?;
        let t0 = Instant::now();
        let mut lab = Lab {
            name,
            lan: None,
            lan_rtnl: None,
            nodes: Vec::new(),
            capture: None,
            daemons: BTreeMap::new(),
            stopping: Vec::new(),
            drivers: BTreeMap::new(),
            apps: BTreeMap::new(),
            log: LogBook::new(t0, opts.echo_log),
            t0,
            t0_wall: live::now(),
            _interrupt: interrupt,
        };
        // From here on, an error drops `lab`, which removes what was made.
        let lan = cleanup::create_netns(&lab.name)?;
        let (mut rtnl, bridge) = setup::lan(&lan)?;
        lab.lan = Some(lan);
        if let Some(limits) = opts.capture {
            let socket = lab.lan()?.run(|| live::PacketSocket::open(bridge, true, Capture::poll_interval()))?;
            lab.capture = Some(Capture::start(socket, limits));
        }
        let dir = cleanup::lab_dir(&lab.name);
        for (i, node) in scenario.nodes.iter().enumerate() {
            let ns = cleanup::create_netns(&format!("{}.{}", lab.name, node.name))?;
            let interface = setup::interface_name(node);
            let port = format!("p-{}", node.name);
            let port_index = setup::node(&ns, node, &interface, &port, &mut rtnl, bridge)?;
            lab.nodes.push(LabNode {
                name: node.name.clone(),
                netns: ns,
                interface,
                port,
                port_index,
                mac: node.mac,
                addrs: node.addrs.clone(),
                implementation: node.implementation,
                keepalived: node.keepalived.clone(),
                ipv6: setup::wants_ipv6(node),
                files: Files::new(dir.join(&node.name)),
                priority: None,
                spec: node.clone(),
                seed: scenario.seed ^ (i as u64 + 1),
            });
        }
        lab.lan_rtnl = Some(rtnl);
        // The scenario's clock starts now that the network is ready.
        lab.t0 = Instant::now();
        lab.t0_wall = live::now();
        lab.log = LogBook::new(lab.t0, opts.echo_log);
        let places: Vec<String> = lab.nodes.iter().map(|n| format!("{} in {}", n.name, n.netns.name())).collect();
        lab.log.push(LAB, format!("up {}: {}", lab.name, places.join(", ")));
        Ok(lab)
    }

    /// The lab's name, the prefix of its namespaces.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The LAN's namespace (where the bridge is).
    pub fn lan(&self) -> anyhow::Result<&Netns> {
        self.lan.as_ref().ok_or_else(|| anyhow!("the lab has no LAN namespace"))
    }

    pub fn nodes(&self) -> &[LabNode] {
        &self.nodes
    }

    pub fn node(&self, name: &str) -> anyhow::Result<&LabNode> {
        self.nodes.iter().find(|n| n.name == name).ok_or_else(|| anyhow!("no node {name:?} in the lab"))
    }

    pub fn log(&self) -> &LogBook {
        &self.log
    }

    /// When the lab's network was ready: the origin of the log's and the
    /// scenario's times.
    pub fn t0(&self) -> Instant {
        self.t0
    }

    /// [`t0`](Self::t0) on the wall clock, the capture's time base.
    pub fn t0_wall(&self) -> Timestamp {
        self.t0_wall
    }

    /// The nodes that start at time 0 unless told otherwise: those with a
    /// keepalived config, directors, real servers and clients; and when each
    /// starts, in microseconds.
    pub fn starts(scenario: &Scenario) -> Vec<(u64, String)> {
        scenario
            .nodes
            .iter()
            .filter(|n| n.keepalived.is_some() || setup::own_stack(n) || setup::serves_http(n) || n.requests.is_some())
            .map(|n| (n.start_at_us.unwrap_or(0), n.name.clone()))
            .collect()
    }

    /// Does `action` to the lab, the real way, and logs it.
    pub fn apply(&mut self, action: &Action) -> anyhow::Result<()> {
        self.log.push(LAB, describe(action));
        match action {
            Action::Start { node } => self.start(node),
            Action::Stop { node } | Action::Crash { node } if self.apps.contains_key(node) => {
                self.apps.remove(node).map_or(Ok(()), App::stop)
            }
            Action::Stop { node } if self.drivers.contains_key(node) => self.order(node, Order::Command(Command::Stop)),
            Action::Stop { node } => match self.daemons.remove(node) {
                Some(mut d) => {
                    let sent = d.terminate();
                    self.stopping.push(d);
                    sent
                }
                None => bail!("stop {node}: nothing is running there"),
            },
            Action::Crash { node } if self.drivers.contains_key(node) => self.order(node, Order::Crash),
            Action::Crash { node } => match self.daemons.get_mut(node) {
                Some(d) => d.crash(),
                None => bail!("crash {node}: nothing is running there"),
            },
            Action::LinkDown { node } => self.set_link(node, false),
            Action::LinkUp { node } => self.set_link(node, true),
            Action::BlockVrrp { node } => {
                let n = self.node(node)?;
                nft::block_vrrp(&n.netns, self.vrrp_hook(n))
            }
            Action::UnblockVrrp { node } => {
                let n = self.node(node)?;
                nft::unblock_vrrp(&n.netns, self.vrrp_hook(n))
            }
            Action::ScriptFail { node, script } => self.set_script(node, script, false),
            Action::ScriptOk { node, script } => self.set_script(node, script, true),
            Action::SetPriority { node, priority } if self.drivers.contains_key(node) => {
                self.order(node, Order::Command(Command::SetPriority(*priority)))
            }
            Action::SetPriority { node, priority } => self.set_priority(node, *priority),
            Action::Partition { groups } => {
                let ports = groups
                    .iter()
                    .map(|g| g.iter().map(|n| Ok(self.node(n)?.port.clone())).collect())
                    .collect::<anyhow::Result<Vec<Vec<String>>>>()?;
                nft::partition(self.lan()?, &ports)
            }
            Action::Heal => nft::heal(self.lan()?),
            Action::CheckFail { node, real_server } => self.set_check(node, *real_server, false),
            Action::CheckOk { node, real_server } => self.set_check(node, *real_server, true),
        }
    }

    /// Starts the node's daemon: real keepalived for `impl = "keepalived"`,
    /// else the engine's, on a driver thread.
    pub fn start(&mut self, name: &str) -> anyhow::Result<()> {
        let node = self.node(name)?;
        if setup::own_stack(&node.spec) {
            return self.start_director(name);
        }
        if let Some(requests) = node.spec.requests.clone() {
            return self.start_app(name, |n, log, t0| App::fetch(name, &n.netns, requests, t0, log));
        }
        if setup::serves_http(&node.spec) {
            return self.start_app(name, |n, log, _| App::serve(name, &n.netns, &lvs::WEB_PORTS, log));
        }
        if node.implementation == Impl::Engine {
            return self.start_engine(name);
        }
        if let Some(i) = self.stopping.iter().position(|d| d.node() == name) {
            self.stopping.swap_remove(i).stop()?;
        }
        if let Some(mut old) = self.daemons.remove(name) {
            if old.is_running() {
                self.daemons.insert(name.to_string(), old);
                bail!("start {name}: keepalived is already running there");
            }
        }
        let node = self.node(name)?;
        let conf = node.keepalived.as_ref().ok_or_else(|| anyhow!("start {name}: the node has no keepalived config"))?;
        for note in node.files.write(conf, &node.interface, node.priority)? {
            self.log.push(LAB, format!("{name}: {note}"));
        }
        let daemon = Keepalived::spawn(name, &node.netns, node.files.clone(), &self.log)?;
        self.daemons.insert(name.to_string(), daemon);
        Ok(())
    }

    fn start_engine(&mut self, name: &str) -> anyhow::Result<()> {
        if !self.drivers.contains_key(name) {
            let node = self.node(name)?;
            let conf = node.keepalived.as_ref().ok_or_else(|| anyhow!("start {name}: the node has no keepalived config"))?;
            let cfg = DaemonConfig::from_conf(conf).map_err(|e| anyhow!("node {name}: {e}"))?;
            for w in &cfg.warnings {
                self.log.push(LAB, format!("{name}: {}: {}", w.span, w.message));
            }
            let iface = Iface {
                name: node.interface.clone(),
                mac: node.mac,
                ipv4: node.addrs.iter().find_map(|a| match a.addr {
                    std::net::IpAddr::V4(v4) => Some(v4),
                    std::net::IpAddr::V6(_) => None,
                }),
                ipv6_ll: node.ipv6.then(|| driver::link_local(node.mac)),
            };
            // The scripts the engine runs are the lab's files, as for keepalived.
            node.files.write(conf, &node.interface, None)?;
            let setup = self.driver_setup(node, false);
            let factory: driver::Factory = Box::new(move || Box::new(Daemon::new(cfg.clone(), iface.clone())));
            self.drivers.insert(name.to_string(), Driver::spawn(setup, factory)?);
        }
        self.order(name, Order::Command(Command::Start))
    }

    fn start_app(&mut self, name: &str, spawn: impl FnOnce(&LabNode, &LogBook, Instant) -> anyhow::Result<App>) -> anyhow::Result<()> {
        if self.apps.contains_key(name) {
            bail!("start {name}: it is already running");
        }
        let app = spawn(self.node(name)?, &self.log, self.t0)?;
        self.apps.insert(name.to_string(), app);
        Ok(())
    }

    /// The engine's LVS node (IPVS, and keepalived's VRRP and checkers if
    /// configured) above a host stack of its own, on a driver thread.
    fn start_director(&mut self, name: &str) -> anyhow::Result<()> {
        if !self.drivers.contains_key(name) {
            let node = self.node(name)?;
            let host = HostConfig::of(&node.spec, node.interface.clone(), node.mac);
            let iface = Host::new(host.clone()).iface();
            let (cfg, warnings) = lvs::node_config(&node.spec, node.mac, iface, node.seed).map_err(|e| anyhow!(e))?;
            for w in warnings {
                self.log.push(LAB, format!("{name}: {}", w.message));
            }
            if let Some(conf) = &node.keepalived {
                node.files.write(conf, &node.interface, None)?;
            }
            let setup = self.driver_setup(node, true);
            let factory: driver::Factory = Box::new(move || {
                let machine: Box<dyn Machine + Send> = Box::new(LvsNode::new(cfg.clone()));
                Box::new(Hosted::new(Host::new(host.clone()), machine))
            });
            self.drivers.insert(name.to_string(), Driver::spawn(setup, factory)?);
        }
        self.order(name, Order::Command(Command::Start))
    }

    fn driver_setup(&self, node: &LabNode, own_stack: bool) -> driver::Setup {
        driver::Setup {
            node: node.name.clone(),
            netns: node.netns.clone(),
            interface: node.interface.clone(),
            mac: node.mac,
            files: node.files.clone(),
            t0: self.t0,
            log: self.log.clone(),
            own_stack,
        }
    }

    /// A director's health checkers see `real_server` fail or recover.
    fn set_check(&mut self, name: &str, real_server: std::net::SocketAddr, up: bool) -> anyhow::Result<()> {
        let node = self.node(name)?;
        let checked = node
            .keepalived
            .iter()
            .flat_map(|k| &k.virtual_servers)
            .flat_map(|v| &v.real_servers)
            .any(|r| r.addr == real_server.ip() && r.port.is_none_or(|p| p == real_server.port()));
        if !setup::own_stack(&node.spec) || !checked {
            bail!("{name}: no health checker of a director watches {real_server}");
        }
        self.order(name, Order::Command(Command::CheckResult { real_server, up }))
    }

    fn order(&self, name: &str, order: Order) -> anyhow::Result<()> {
        self.drivers.get(name).ok_or_else(|| anyhow!("{name}: nothing is running there"))?.send(order)
    }

    /// Where `block_vrrp` must drop VRRP for the node to be deaf.
    fn vrrp_hook<'a>(&self, node: &'a LabNode) -> nft::Hook<'a> {
        match node.implementation {
            Impl::Keepalived => nft::Hook::Input,
            Impl::Engine => nft::Hook::Ingress { device: &node.interface },
        }
    }

    /// Pulls the node's cable (its bridge port goes down): keepalived sees
    /// its carrier go; the engine is told, as keepalived's netlink would.
    fn set_link(&mut self, name: &str, up: bool) -> anyhow::Result<()> {
        let index = self.node(name)?.port_index;
        let rtnl = self.lan_rtnl.as_mut().ok_or_else(|| anyhow!("the lab has no LAN"))?;
        rtnl.set_up(index, up)?;
        if self.drivers.contains_key(name) {
            self.order(name, Order::Command(if up { Command::LinkUp } else { Command::LinkDown }))?;
        }
        Ok(())
    }

    fn set_script(&mut self, name: &str, script: &str, ok: bool) -> anyhow::Result<()> {
        let node = self.node(name)?;
        let known = node.keepalived.as_ref().is_some_and(|c| c.scripts.iter().any(|s| s.name == script));
        if !known {
            bail!("{name}: no vrrp_script {script:?} in its config");
        }
        node.files.set_script(script, ok)
    }

    fn set_priority(&mut self, name: &str, priority: u8) -> anyhow::Result<()> {
        let node = self.nodes.iter_mut().find(|n| n.name == name).ok_or_else(|| anyhow!("no node {name:?}"))?;
        node.priority = Some(priority);
        let conf = node.keepalived.as_ref().ok_or_else(|| anyhow!("{name}: the node has no keepalived config"))?;
        node.files.write(conf, &node.interface, node.priority)?;
        match self.daemons.get(name) {
            Some(d) => d.reload(),
            None => Ok(()),
        }
    }

    /// Stops the LAN capture and returns its frames.
    pub fn finish_capture(&mut self) -> anyhow::Result<Vec<Frame>> {
        match self.capture.take() {
            Some(c) => c.finish(),
            None => bail!("the lab was not capturing"),
        }
    }

    /// Stops every daemon gracefully (SIGTERM to all at once) and waits
    /// for them.
    pub fn stop_all(&mut self) -> anyhow::Result<()> {
        let mut first_err = None;
        while let Some((_, app)) = self.apps.pop_first() {
            if let Err(e) = app.stop() {
                first_err.get_or_insert(e);
            }
        }
        while let Some((name, mut d)) = self.daemons.pop_first() {
            self.log.push(LAB, format!("stop {name} (end of run)"));
            if let Err(e) = d.terminate() {
                first_err.get_or_insert(e);
            }
            self.stopping.push(d);
        }
        for d in self.drivers.values() {
            if let Err(e) = d.send(Order::Command(Command::Stop)) {
                first_err.get_or_insert(e);
            }
        }
        for d in self.stopping.drain(..) {
            if let Err(e) = d.stop() {
                first_err.get_or_insert(e);
            }
        }
        while let Some((_, d)) = self.drivers.pop_first() {
            if let Err(e) = d.join() {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

}

impl Drop for Lab {
    fn drop(&mut self) {
        self.capture.take();
        let _ = self.stop_all();
        self.lan_rtnl.take();
        if let Err(e) = cleanup::remove_lab(&self.name) {
            eprintln!("vrrplab: removing lab {}: {e:#} (run `vrrplab lab down`)", self.name);
        }
        cleanup::unregister(&self.name);
    }
}

/// How an action reads in the log.
fn describe(action: &Action) -> String {
    match action {
        Action::Start { node } => format!("start {node}"),
        Action::Stop { node } => format!("stop {node}"),
        Action::Crash { node } => format!("crash {node}"),
        Action::LinkDown { node } => format!("link_down {node}"),
        Action::LinkUp { node } => format!("link_up {node}"),
        Action::BlockVrrp { node } => format!("block_vrrp {node}"),
        Action::UnblockVrrp { node } => format!("unblock_vrrp {node}"),
        Action::ScriptFail { node, script } => format!("script_fail {node} {script}"),
        Action::ScriptOk { node, script } => format!("script_ok {node} {script}"),
        Action::SetPriority { node, priority } => format!("set_priority {node} {priority}"),
        Action::Partition { groups } => format!("partition {groups:?}"),
        Action::Heal => "heal".to_string(),
        Action::CheckFail { node, real_server } => format!("check_fail {node} {real_server}"),
        Action::CheckOk { node, real_server } => format!("check_ok {node} {real_server}"),
    }
}

/// Sleeps until `at` after `t0`, waking early on SIGINT/SIGTERM. Returns
/// false if interrupted.
pub fn sleep_until(t0: Instant, at: Duration) -> bool {
    let deadline = t0 + at;
    while !crate::interrupt::interrupted() {
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(Duration::from_millis(50)));
    }
    false
}
