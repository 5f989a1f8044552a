//! `vrrplab sim`: run a scenario in the deterministic simulator and tell who
//! was master when; `--log` for keepalived's lines, `--json` for the event
//! log, `-w` for the capture, `--explore N` for random faults.

use super::Status;
use crate::scenario::builtin;
use crate::scenario::model::Scenario;
use crate::sim::build::build;
use crate::sim::log::{seconds, Kind};
use crate::sim::summary::{master_spans, split_brain};
use crate::sim::{explore, World};
use anyhow::{bail, Context};
use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A scenario: `builtin:NAME` (see --list)
    pub scenario: Option<String>,
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
    let Some(spec) = a.scenario.as_deref() else {
        bail!("no scenario given (try `vrrplab sim --list`)");
    };
    let mut scenario = crate::scenario::load(spec)?;
    if let Some(d) = &a.duration {
        scenario.duration_us = parse_duration(d).with_context(|| format!("--duration {d}"))?;
    }
    if let Some(n) = a.explore {
        return run_explore(&scenario, &a, n);
    }
    let built = build(&scenario, a.seed).map_err(anyhow::Error::msg)?;
    for (node, w) in &built.warnings {
        eprintln!("warning: {node}: {}", w.message);
    }
    let mut world = built.world;
    if let Some(seed) = a.seed {
        scenario.seed = seed;
    }
    simulate(&mut world, &scenario, &a)?;
    report(&world, &scenario, &a)?;
    Ok(Status::Ok)
}


fn simulate(world: &mut World, scenario: &Scenario, a: &Args) -> anyhow::Result<()> {
    if let Some(path) = &a.write {
        let f = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        world.capture(Box::new(BufWriter::new(f))).with_context(|| format!("writing {}", path.display()))?;
    }
    let werr = |e: std::io::Error| anyhow::anyhow!("writing {}: {e}", a.write.as_deref().unwrap_or("-".as_ref()).display());
    world.run_until(scenario.duration_us).map_err(werr)?;
    world.finish().map_err(werr)?;
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

/// `20s`, `1.5s`, `500ms`, `250us`, `2m`, `1h`; a bare number is seconds.
pub fn parse_duration(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let v: f64 = num.parse().with_context(|| format!("`{s}` is not a duration"))?;
    let scale = match unit.trim() {
        "" | "s" => 1e6,
        "ms" => 1e3,
        "us" | "µs" => 1.0,
        "m" | "min" => 60e6,
        "h" => 3600e6,
        u => bail!("unknown unit `{u}` in `{s}` (use us, ms, s, m or h)"),
    };
    let us = (v * scale).round();
    if !us.is_finite() || !(0.0..=1e15).contains(&us) {
        bail!("`{s}` is out of range");
    }
    Ok(us as u64)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("20s").unwrap(), 20_000_000);
        assert_eq!(parse_duration("1.5s").unwrap(), 1_500_000);
        assert_eq!(parse_duration("500ms").unwrap(), 500_000);
        assert_eq!(parse_duration("1h").unwrap(), 3_600_000_000);
        assert_eq!(parse_duration("7").unwrap(), 7_000_000);
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("5 parsecs").is_err());
    }
}
