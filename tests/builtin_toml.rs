//! The built-in scenarios (`src/scenario/builtin/*.toml`, with inline
//! keepalived.conf) load and build in the simulator without a warning, and what
//! `vrrplab sim --print builtin:NAME` shows loads back to the same scenario
//! from a real file, so users can start from it.

use vrrplab::scenario::conf::Span;
use vrrplab::scenario::model::Scenario;

/// Spans name the file a section came from; compare what they describe.
fn without_spans(mut s: Scenario) -> Scenario {
    s.name.clear();
    for k in s.nodes.iter_mut().filter_map(|n| n.keepalived.as_mut()) {
        k.instances.iter_mut().for_each(|i| i.span = Span::default());
        k.scripts.iter_mut().for_each(|x| x.span = Span::default());
        k.sync_groups.iter_mut().for_each(|g| g.span = Span::default());
        for vs in &mut k.virtual_servers {
            vs.span = Span::default();
            for rs in &mut vs.real_servers {
                rs.span = Span::default();
                rs.checkers.iter_mut().for_each(|c| c.span = Span::default());
            }
        }
    }
    s
}

#[test]
fn every_builtin_loads_without_warnings() {
    let all = vrrplab::scenario::builtin::all();
    assert!(all.len() >= 17);
    for b in all {
        let s = b.scenario().unwrap_or_else(|e| panic!("{}: {e}", b.name));
        assert_eq!(s.name, format!("builtin:{}", b.name));
        for k in s.nodes.iter().filter_map(|n| n.keepalived.as_ref()) {
            assert!(k.warnings.is_empty(), "{}: {:?}", b.name, k.warnings);
        }
    }
}

#[test]
fn printed_builtins_load_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = 0;
    for b in vrrplab::scenario::builtin::all() {
        let text = b.text;
        files += 1;
        let out = assert_cmd::Command::cargo_bin("vrrplab")
            .unwrap()
            .args(["sim", "--print", &format!("builtin:{}", b.name)])
            .assert()
            .success();
        assert_eq!(String::from_utf8_lossy(&out.get_output().stdout), text);
        let path = dir.path().join(format!("{}.toml", b.name));
        std::fs::write(&path, text).unwrap();
        let from_file = vrrplab::scenario::toml::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(without_spans(from_file), without_spans(b.scenario().unwrap()), "{}", b.name);
    }
    assert_eq!(files, 26, "every VRRP and LVS case of the articles has a file form");
}

/// What the simulator does not model it says when it builds a scenario; the
/// built-ins use only what it models (the two-box bypass's notify scripts
/// are run by the LVS node, so they must not be reported as ignored).
#[test]
fn every_builtin_builds_without_warnings() {
    for b in vrrplab::scenario::builtin::all() {
        let s = b.scenario().unwrap_or_else(|e| panic!("{}: {e}", b.name));
        let built = vrrplab::sim::build::build(&s, None).unwrap_or_else(|e| panic!("{}: {e}", b.name));
        let w: Vec<_> = built.warnings.iter().map(|(n, w)| format!("{n}: {}", w.message)).collect();
        assert!(w.is_empty(), "{}: {w:?}", b.name);
    }
}
