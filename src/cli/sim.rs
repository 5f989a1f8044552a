//! `vrrplab sim`: run a scenario in the deterministic simulator and tell who
//! was master when; `--log` for keepalived's lines, `--json` for the event
//! log, `-w` for the capture, `--explore N` for random faults.

use super::Status;
use crate::scenario::builtin;
use crate::scenario::model::{IfAddr, Node, Scenario};
use crate::sim::build::build;
use crate::sim::log::{seconds, Kind};
use crate::sim::summary::{master_spans, split_brain};
use crate::sim::{explore, World};
use anyhow::{bail, Context};
use std::collections::BTreeSet;
use crate::capture::writer::RecordFile;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("input").args(["scenario", "keepalived", "list"])))]
pub struct Args {
    /// A TOML scenario file, or `builtin:NAME` (see --list)
    pub scenario: Option<String>,
    /// A node running keepalived with this config (repeat for each node);
    /// give each node its address with --node
    #[arg(long, value_name = "NODE=FILE")]
    pub keepalived: Vec<String>,
    /// A node's interface address, and optionally its MAC (with --keepalived)
    #[arg(long, value_name = "NODE=IP/PREFIX[,MAC]", requires = "keepalived")]
    pub node: Vec<String>,
    /// Seed for the LAN's loss and jitter and for --explore (default: the scenario's)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write every frame on the LAN to this pcap file
    #[arg(short = 'w', value_name = "OUT.pcap")]
    pub write: Option<PathBuf>,
    /// Print keepalived-style log lines per node, with virtual timestamps
    #[arg(long)]
    pub log: bool,
    /// Print the event log as JSON lines
    #[arg(long, conflicts_with = "log")]
    pub json: bool,
    /// How long to run (e.g. 20s, 1500ms, 2m, 1h; default: the scenario's)
    #[arg(long, value_name = "D")]
    pub duration: Option<String>,
    /// List the built-in scenarios
    #[arg(long)]
    pub list: bool,
    /// Print the scenario file (a built-in's, to start your own from) instead of running it
    #[arg(long, requires = "scenario")]
    pub print: bool,
    /// Run N seeds with random faults and check that one Master_Down_Interval
    /// after the network heals each VRID has at most one master
    #[arg(long, value_name = "N")]
    pub explore: Option<u64>,
    /// At the end, print each director's `ipvsadm -Ln`, `--stats`, `--rate` and `-Lnc`
    #[arg(long)]
    pub ipvsadm: bool,
}

pub fn run(a: Args) -> anyhow::Result<Status> {
    if a.list {
        for b in builtin::all() {
            println!("builtin:{:<28} {}", b.name, b.summary);
        }
        return Ok(Status::Ok);
    }
    if a.print {
        print!("{}", scenario_text(a.scenario.as_deref().unwrap_or_default())?);
        return Ok(Status::Ok);
    }
    let mut scenario = match a.scenario.as_deref() {
        Some(spec) => crate::scenario::load(spec)?,
        None if !a.keepalived.is_empty() => from_flags(&a.keepalived, &a.node)?,
        None => bail!("no scenario given (try `vrrplab sim --list`)"),
    };
    if let Some(d) = &a.duration {
        scenario.duration_us = parse_duration(d).with_context(|| format!("--duration {d}: expected e.g. 20s, 1500ms, 2m"))?;
    }
    if let Some(n) = a.explore {
        return run_explore(&scenario, &a, n);
    }
    let built = build(&scenario, a.seed).map_err(anyhow::Error::msg)?;
    for (node, w) in &built.warnings {
        if w.span.file.as_os_str().is_empty() {
            eprintln!("warning: {node}: {}", w.message);
        } else {
            eprintln!("warning: {node}: {}: {}", w.span, w.message);
        }
    }
    let mut world = built.world;
    if let Some(seed) = a.seed {
        scenario.seed = seed;
    }
    simulate(&mut world, &scenario, &a)?;
    report(&world, &scenario, &a)?;
    Ok(Status::Ok)
}

/// The text `--print` shows: a built-in's embedded file, or the file itself.
fn scenario_text(spec: &str) -> anyhow::Result<String> {
    if let Some(name) = spec.strip_prefix(crate::scenario::BUILTIN_PREFIX) {
        return Ok(builtin::find(name)?.text.to_string());
    }
    std::fs::read_to_string(spec).with_context(|| format!("cannot read {spec}"))
}

/// `--keepalived NODE=FILE ... --node NODE=IP/PREFIX[,MAC] ...`: every node
/// starts at 0, nothing else happens (an election, for the default duration).
fn from_flags(keepalived: &[String], nodes: &[String]) -> anyhow::Result<Scenario> {
    let mut scenario = Scenario {
        name: "keepalived".into(),
        description: "the given keepalived.conf files, started together".into(),
        duration_us: crate::scenario::toml::DEFAULT_DURATION_US,
        seed: 1,
        ..Default::default()
    };
    for spec in nodes {
        let (name, rest) = spec.split_once('=').with_context(|| format!("--node {spec}: expected NODE=IP/PREFIX[,MAC]"))?;
        let (addr, mac) = match rest.split_once(',') {
            Some((a, m)) => {
                let mac = crate::scenario::toml::parse_mac(m)
                    .with_context(|| format!("--node {spec}: `{m}` is not a MAC like 02:00:00:00:00:01"))?;
                (a, Some(mac))
            }
            None => (rest, None),
        };
        if scenario.nodes.iter().any(|n| n.name == name) {
            bail!("--node {spec}: node `{name}` is given twice");
        }
        let index = scenario.nodes.len();
        scenario.nodes.push(Node {
            name: name.to_string(),
            addrs: vec![if_addr(addr).with_context(|| format!("--node {spec}"))?],
            mac: mac.unwrap_or_else(|| crate::scenario::toml::default_mac(index)),
            ..Default::default()
        });
    }
    for spec in keepalived {
        let (name, file) = spec.split_once('=').with_context(|| format!("--keepalived {spec}: expected NODE=FILE"))?;
        let node = scenario
            .nodes
            .iter_mut()
            .find(|n| n.name == name)
            .with_context(|| format!("--keepalived {spec}: give node `{name}` its address with --node {name}=IP/PREFIX"))?;
        if node.keepalived.is_some() {
            bail!("--keepalived {spec}: node `{name}` already has a config");
        }
        node.keepalived = Some(crate::scenario::keepalived::parse_file(std::path::Path::new(file))?);
    }
    Ok(scenario)
}

/// `192.0.2.11/24` (a bare address is a host route: /32 or /128).
fn if_addr(s: &str) -> anyhow::Result<IfAddr> {
    let (a, p) = s.split_once('/').unwrap_or((s, ""));
    let addr: std::net::IpAddr = a.parse().with_context(|| format!("`{a}` is not an IP address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = if p.is_empty() { max } else { p.parse::<u8>().ok().filter(|&x| x <= max).with_context(|| format!("`{p}` is not a prefix length"))? };
    Ok(IfAddr { addr, prefix })
}

fn simulate(world: &mut World, scenario: &Scenario, a: &Args) -> anyhow::Result<()> {
    if let Some(path) = &a.write {
        let f = std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
        world.capture(Box::new(RecordFile::new(f, path)))?;
    }
    // The pcap's errors name the file.
    world.run_until(scenario.duration_us)?;
    world.finish()?;
    Ok(())
}

fn report(world: &World, scenario: &Scenario, a: &Args) -> anyhow::Result<()> {
    let names = world.node_names();
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if a.json {
        for e in world.log() {
            writeln!(out, "{}", e.json(&names))?;
        }
    } else if a.log {
        for e in world.log().iter().filter(|e| matches!(e.kind, Kind::Log { .. } | Kind::Action(_))) {
            writeln!(out, "{}", e.text(&names))?;
        }
    } else {
        summary(&mut out, world, scenario)?;
    }
    if a.ipvsadm {
        for (n, ipvs) in world.ipvs_tables() {
            writeln!(out, "== {} ==", names[n])?;
            write!(out, "{}", crate::engine::ipvs::ipvsadm::tables(ipvs, world.now()))?;
        }
    }
    out.flush()?;
    Ok(())
}

fn summary(out: &mut impl Write, world: &World, s: &Scenario) -> std::io::Result<()> {
    let names = world.node_names();
    let st = world.stats();
    writeln!(out, "{}: {}", s.name, s.description)?;
    writeln!(
        out,
        "simulated {} s, seed {}, {} nodes, {} frames ({} VRRP, {} ARP/ND)",
        seconds(world.now()),
        s.seed,
        names.len(),
        st.frames,
        st.vrrp,
        st.arp
    )?;
    let spans = master_spans(world.log());
    let routers: BTreeSet<_> = spans.iter().map(|sp| (sp.family, sp.vrid)).collect();
    if routers.is_empty() {
        writeln!(out, "\nno router became master")?;
    }
    for (family, vrid) in routers {
        writeln!(out, "\nVRID {vrid} ({}): masters", if family.name() == "ipv4" { "IPv4" } else { "IPv6" })?;
        for sp in spans.iter().filter(|sp| sp.vrid == vrid && sp.family == family) {
            let to = sp.to.map_or_else(|| "end".to_string(), seconds);
            writeln!(out, "  {:>12} -> {:<12} {} {} prio {}", seconds(sp.from), to, names[sp.node], sp.addr, sp.priority)?;
        }
        for (from, to) in split_brain(&spans, vrid, family, world.now()) {
            writeln!(out, "  split brain {} -> {}", seconds(from), seconds(to))?;
        }
    }
    let actions: Vec<_> = world.log().iter().filter(|e| matches!(e.kind, Kind::Action(_))).collect();
    if !actions.is_empty() {
        writeln!(out, "\nevents")?;
        for e in actions {
            if let Kind::Action(what) = &e.kind {
                let node = e.node.map_or("lan", |n| names[n].as_str());
                writeln!(out, "  {:>12} {node} {what}", seconds(e.at))?;
            }
        }
    }
    Ok(())
}

fn run_explore(scenario: &Scenario, a: &Args, n: u64) -> anyhow::Result<Status> {
    let first = a.seed.unwrap_or(scenario.seed);
    let mut failed = 0u64;
    for seed in first..first.saturating_add(n) {
        if let Some(v) = explore::run(scenario, seed).map_err(anyhow::Error::msg)? {
            failed += 1;
            println!(
                "seed {seed}: VRID {} ({}) at {} s: {} [{}]; replay: vrrplab sim {} --explore 1 --seed {seed} --log",
                v.vrid,
                v.family.name(),
                seconds(v.at),
                v.what,
                v.masters.join(", "),
                scenario.name
            );
        }
    }
    if n == 1 && (a.log || a.json || a.write.is_some()) {
        let (s, _) = explore::plan(scenario, first);
        let mut world = build(&s, Some(first)).map_err(anyhow::Error::msg)?.world;
        simulate(&mut world, &s, a)?;
        report(&world, &s, a)?;
    }
    println!("explored {n} seed(s) from {first}: {failed} broke an invariant");
    Ok(if failed > 0 { Status::Failed } else { Status::Ok })
}

/// A duration as scenario files write it (`20s`, `1500ms`, `2m`); a bare number is seconds.
fn parse_duration(s: &str) -> Option<u64> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return crate::scenario::toml::parse_duration(&format!("{t}s"));
    }
    crate::scenario::toml::parse_duration(t)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn durations_and_addresses() {
        assert_eq!(parse_duration("20s"), Some(20_000_000));
        assert_eq!(parse_duration("7"), Some(7_000_000));
        assert_eq!(parse_duration("1.5"), Some(1_500_000));
        assert_eq!(parse_duration("ten"), None);
        let a = if_addr("192.0.2.11/24").unwrap();
        assert_eq!((a.addr.to_string(), a.prefix), ("192.0.2.11".to_string(), 24));
        assert_eq!(if_addr("2001:db8::1").unwrap().prefix, 128);
        assert!(if_addr("192.0.2.11/33").is_err());
        assert!(if_addr("n1").is_err());
    }
}
