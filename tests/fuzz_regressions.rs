//! Every input that once crashed a fuzz target, replayed through the same
//! code (`fuzz/harness.rs`) in the normal test suite. A new crash found by
//! `cargo fuzz` is fixed, then its input is added under
//! `fuzz/regressions/<target>/`.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|f| f == ".gitkeep") {
            continue;
        }
        run(&std::fs::read(&path).unwrap());
        n += 1;
    }
    n
}

#[test]
fn packet_regressions() {
    assert!(replay("packet", harness::packet) >= 1);
}

#[test]
fn capture_file_regressions() {
    replay("capture_file", harness::capture_file);
}

#[test]
fn keepalived_conf_regressions() {
    replay("keepalived_conf", harness::keepalived_conf);
}

#[test]
fn scenario_toml_regressions() {
    replay("scenario_toml", harness::scenario_toml);
}

#[test]
fn filter_regressions() {
    replay("filter", harness::filter);
}

#[test]
fn ipvsadm_regressions() {
    replay("ipvsadm", harness::ipvsadm);
}

#[test]
fn analyze_regressions() {
    replay("analyze", harness::analyze);
}
