//! Scheduling decisions per second for every IPVS scheduler, with 100 real
//! servers of mixed weights and loads. Criterion reports the throughput as
//! elements/s: one element is one `schedule` call.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::net::Ipv4Addr;
use vrrplab::engine::ipvs::dest::{Dest, DestId, Dests};
use vrrplab::engine::ipvs::sched::{new_scheduler, Flow, SchedConfig, NAMES};

const SERVERS: u32 = 100;

fn pool() -> (Vec<Dest>, Vec<DestId>) {
    let pool = (0..SERVERS)
        .map(|i| {
            let mut d = Dest::new(Ipv4Addr::from(0xc000_0200 + 1 + i), 80);
            d.weight = 1 + (i % 7) as i32;
            d.last_weight = d.weight;
            d.active = (i * 37) % 50;
            d.inactive = (i * 11) % 300;
            d
        })
        .collect();
    (pool, (0..SERVERS).map(DestId).collect())
}

fn schedulers(c: &mut Criterion) {
    let (pool, order) = pool();
    let dests = Dests::new(&pool, &order);
    let mut group = c.benchmark_group("schedule_100_servers");
    group.throughput(Throughput::Elements(1));
    for name in NAMES {
        let mut s = new_scheduler(name, &SchedConfig::default(), dests).expect("known scheduler");
        let mut client = 0u32;
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                client = client.wrapping_add(1);
                let flow = Flow {
                    saddr: Ipv4Addr::from(0xc633_6400 + (client & 0xff)),
                    sport: (client >> 8) as u16,
                    daddr: Ipv4Addr::from(0xcb00_7100 + (client & 0x3f)),
                    dport: 80,
                };
                black_box(s.schedule(dests, &flow, u64::from(client)))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, schedulers);
criterion_main!(benches);
