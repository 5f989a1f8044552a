//! Analyzer throughput on the project's benchmark capture (VRRP v2/v3,
//! resignations, GARPs, ARP): frames per second through `Analyzer::feed`.
//! The capture comes from ../shared/bench/gen_capture.py; without it the
//! bench says so and measures nothing.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::PathBuf;
use std::process::Command;
use vrrplab::analyze::Analyzer;
use vrrplab::capture::{file, Frame};

const PACKETS: usize = 200_000;

fn capture() -> Option<(tempfile::TempDir, PathBuf)> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_capture.py");
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("bench.pcap");
    let ok = Command::new("python3").arg(&script).arg(&path).arg(PACKETS.to_string()).status().ok()?.success();
    ok.then_some((dir, path))
}

fn frames(path: &std::path::Path) -> Vec<Frame> {
    let mut src = file::open(path).expect("bench capture opens");
    let mut out = Vec::new();
    let mut f = Frame::default();
    while src.next_frame(&mut f).expect("bench capture reads") {
        out.push(f.clone());
    }
    out
}

fn bench(c: &mut Criterion) {
    let Some((_dir, path)) = capture() else {
        eprintln!("analyze bench: ../shared/bench/gen_capture.py not found or failed; nothing measured");
        return;
    };
    let frames = frames(&path);
    let mut g = c.benchmark_group("analyze");
    g.throughput(Throughput::Elements(frames.len() as u64));
    g.sample_size(10);
    g.bench_function("feed+finish (in memory)", |b| {
        b.iter(|| {
            let mut a = Analyzer::new();
            for f in &frames {
                a.feed(f);
            }
            a.finish()
        })
    });
    g.bench_function("from file", |b| b.iter(|| vrrplab::analyze::analyze_files(std::slice::from_ref(&path), Analyzer::without_timeline()).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
