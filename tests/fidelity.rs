//! Fidelity: the simulator against real keepalived 2.2.7. Each case in
//! fixtures/real was recorded on network namespaces (scripts/record-keepalived.sh);
//! the same scenario file runs through the simulator here, and the analyzer
//! reads both captures. The sequence of masters must be the same and every
//! takeover within 20 ms of the real one.

use std::path::{Path, PathBuf};
use vrrplab::analyze::{analyze_files, Analyzer};
use vrrplab::analyze::report::{Cause, Report, TimelineEvent};

const TOLERANCE_S: f64 = 0.020;

fn real(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/real").join(case)
}

/// (router, cause, takeover_s) of every master event, and whether a split brain was seen.
fn story(r: &Report) -> (Vec<(String, Cause, Option<f64>)>, bool) {
    let masters = r
        .timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Master { router, cause, takeover_s, .. } => Some((router.to_string(), *cause, *takeover_s)),
            _ => None,
        })
        .collect();
    let split = r.findings.iter().any(|f| f.kind == "split_brain");
    (masters, split)
}

fn simulate(case: &str) -> Report {
    let scenario = vrrplab::scenario::toml::load_file(&real(&format!("{case}.toml"))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("sim.pcap");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .arg("sim")
        .arg(real(&format!("{case}.toml")))
        .arg("-w")
        .arg(&pcap)
        .output()
        .unwrap();
    assert!(status.status.success(), "{case}: {}", String::from_utf8_lossy(&status.stderr));
    assert!(!scenario.nodes.is_empty());
    analyze_files(&[pcap], Analyzer::new()).unwrap()
}

fn compare(case: &str) {
    let (sim, sim_split) = story(&simulate(case));
    let (real, real_split) = story(&analyze_files(&[real(&format!("{case}.pcap"))], Analyzer::new()).unwrap());
    let routers = |v: &[(String, Cause, Option<f64>)]| v.iter().map(|(r, c, _)| (r.clone(), *c)).collect::<Vec<_>>();
    assert_eq!(routers(&sim), routers(&real), "{case}: masters differ\n sim:  {sim:?}\n real: {real:?}");
    assert_eq!(sim_split, real_split, "{case}: split brain in one and not the other");
    for ((_, _, s), (_, _, r)) in sim.iter().zip(&real) {
        match (s, r) {
            (Some(s), Some(r)) => assert!((s - r).abs() <= TOLERANCE_S, "{case}: takeover {s} s simulated, {r} s real"),
            (None, None) => {}
            _ => panic!("{case}: one takeover timed and not the other: sim {s:?}, real {r:?}"),
        }
    }
}

#[test]
fn graceful_stop() {
    compare("graceful_stop");
}

#[test]
fn crash() {
    compare("crash");
}

#[test]
fn nopreempt() {
    compare("nopreempt");
}

#[test]
fn track_script() {
    compare("track_script");
}

#[test]
fn split_brain_one_way() {
    compare("split_brain_one_way");
}

#[test]
fn split_brain_both() {
    compare("split_brain_both");
}

#[test]
fn auth_mismatch() {
    compare("auth_mismatch");
}

#[test]
fn interval_mismatch() {
    compare("interval_mismatch");
}
