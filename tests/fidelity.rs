//! The simulator against real keepalived 2.2.7: each recording in
//! fixtures/real/ (a scenario file, the LAN's capture, the daemons' logs,
//! made by scripts/record-keepalived.sh on veth namespaces) is replayed in
//! the simulator, and `vrrplab timeline` reads both captures. The masters
//! must come in the same order for the same causes, split brains must start
//! (and end) alike, and every takeover time must be within 20 ms of the
//! real one.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const TOLERANCE_S: f64 = 0.020;

#[derive(Debug)]
struct Event {
    kind: String,
    router: String,
    cause: String,
    takeover_s: Option<f64>,
}

fn timeline(pcap: &Path) -> Vec<Event> {
    let out = Command::cargo_bin("vrrplab").unwrap().args(["timeline", "--json"]).arg(pcap).assert().success();
    String::from_utf8_lossy(&out.get_output().stdout)
        .lines()
        .map(|l| {
            let e: serde_json::Value = serde_json::from_str(l).unwrap();
            let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
            Event { kind: s("event"), router: s("router"), cause: s("cause"), takeover_s: e["takeover_s"].as_f64() }
        })
        .collect()
}

fn simulate(scenario: &Path, pcap: &Path) {
    let s = vrrplab::scenario::toml::load_file(scenario).unwrap_or_else(|e| panic!("{e}"));
    let mut world = vrrplab::sim::build::build(&s, None).unwrap().world;
    world.capture(Box::new(std::fs::File::create(pcap).unwrap())).unwrap();
    world.run_until(s.duration_us).unwrap();
    world.finish().unwrap();
}

#[test]
fn the_simulator_replays_every_keepalived_recording() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/real");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    cases.sort();
    // graceful stop, crash, nopreempt, split brain (one way, both ways),
    // auth and interval mismatch, track_script.
    assert!(cases.len() >= 8, "{} recordings", cases.len());
    let tmp = tempfile::tempdir().unwrap();
    for case in &cases {
        let name = case.file_stem().unwrap().to_string_lossy().into_owned();
        let sim_pcap = tmp.path().join(format!("{name}.pcap"));
        simulate(case, &sim_pcap);
        let real = timeline(&case.with_extension("pcap"));
        let sim = timeline(&sim_pcap);
        let shape = |v: &[Event]| -> Vec<(String, String, String)> {
            v.iter().map(|e| (e.kind.clone(), e.router.clone(), e.cause.clone())).collect()
        };
        assert_eq!(shape(&sim), shape(&real), "{name}: the simulator's masters differ from keepalived's");
        assert!(real.iter().any(|e| e.kind == "master"), "{name}: no master in the recording");
        for (s, r) in sim.iter().zip(&real) {
            if let (Some(st), Some(rt)) = (s.takeover_s, r.takeover_s) {
                assert!(
                    (st - rt).abs() <= TOLERANCE_S,
                    "{name}: {} took over in {st:.6} s in the simulator, {rt:.6} s with keepalived",
                    s.router
                );
            } else {
                assert_eq!(s.takeover_s.is_some(), r.takeover_s.is_some(), "{name}: {s:?} vs {r:?}");
            }
        }
    }
}
