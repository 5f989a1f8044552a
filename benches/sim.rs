//! Simulator throughput: one hour of the classic two-router pair, and one
//! hour of 1,000 virtual routers on three routers (four LANs of 250 VRIDs,
//! since a LAN has at most 255 per address family). Reports events/s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use vrrplab::scenario::builtin;
use vrrplab::scenario::conf::{GlobalDefs, InitialState, KeepalivedConf, Vip, VrrpInstance};
use vrrplab::scenario::model::{IfAddr, Node, Scenario};
use vrrplab::sim::build::build;

const HOUR: u64 = 3_600_000_000;

fn run(s: &Scenario) -> u64 {
    let mut w = build(s, None).unwrap().world;
    w.run_until(s.duration_us).unwrap();
    w.stats().events
}

/// Three routers sharing `vrids` virtual routers, masters spread round-robin.
fn many(lan: u8, vrids: u8) -> Scenario {
    let nodes = (1..=3u8)
        .map(|n| {
            let instances = (1..=vrids)
                .map(|v| {
                    let rank = (u16::from(v) + u16::from(n)) % 3;
                    VrrpInstance {
                        name: format!("VI_{v}"),
                        state: Some(if rank == 0 { InitialState::Master } else { InitialState::Backup }),
                        interface: Some("eth0".into()),
                        vrid: v,
                        priority: Some(100 - rank as u8 * 10),
                        vips: vec![Vip { addr: format!("198.51.{lan}.{v}").parse().unwrap(), prefix: 32, dev: None, label: None }],
                        ..Default::default()
                    }
                })
                .collect();
            Node {
                name: format!("n{n}"),
                addrs: vec![IfAddr { addr: format!("192.0.2.{}", 10 + n).parse().unwrap(), prefix: 24 }],
                keepalived: Some(KeepalivedConf { global: GlobalDefs::default(), instances, ..Default::default() }),
                ..Default::default()
            }
        })
        .collect();
    Scenario { name: format!("lan{lan}"), duration_us: HOUR, seed: 1, nodes, ..Default::default() }
}

fn benches(c: &mut Criterion) {
    let mut pair = builtin::get("election").unwrap();
    pair.duration_us = HOUR;
    let events = run(&pair);
    let mut g = c.benchmark_group("sim");
    g.sample_size(20);
    g.throughput(Throughput::Elements(events));
    g.bench_function("two routers, one hour", |b| b.iter(|| black_box(run(&pair))));
    let lans: Vec<Scenario> = (0..4).map(|l| many(l, 250)).collect();
    let events: u64 = lans.iter().map(run).sum();
    g.sample_size(10);
    g.throughput(Throughput::Elements(events));
    g.bench_function("1000 VRIDs x 3 routers, one hour", |b| b.iter(|| black_box(lans.iter().map(run).sum::<u64>())));
    g.finish();
}

criterion_group!(sim, benches);
criterion_main!(sim);
