//! The TOML form of each built-in scenario (`src/scenario/builtin/*.toml`,
//! with inline keepalived.conf) loads to exactly the scenario built in Rust:
//! the loader and the keepalived importer read them as their author meant;
//! `vrrplab sim --print builtin:NAME` prints that form.

use vrrplab::scenario::conf::{KeepalivedConf, Span};
use vrrplab::scenario::model::Scenario;

/// Spans say where a section was written; the Rust form has none.
fn without_spans(mut s: Scenario) -> Scenario {
    for k in s.nodes.iter_mut().filter_map(|n| n.keepalived.as_mut()) {
        let k: &mut KeepalivedConf = k;
        assert!(k.warnings.is_empty(), "{}: {:?}", s.name, k.warnings);
        k.instances
            .iter_mut()
            .for_each(|i| i.span = Span::default());
        k.scripts.iter_mut().for_each(|x| x.span = Span::default());
        k.sync_groups
            .iter_mut()
            .for_each(|g| g.span = Span::default());
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
fn every_builtin_toml_matches_its_rust_form() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scenario/builtin");
    let all = vrrplab::scenario::builtin::all();
    assert!(!all.is_empty());
    for b in all {
        let path = dir.join(format!("{}.toml", b.name));
        let from_toml = vrrplab::scenario::toml::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            without_spans(from_toml),
            without_spans(b.scenario()),
            "{}",
            b.name
        );
    }
}

/// What the simulator does not model it says when it builds a scenario; the
/// built-ins use only what it models (the two-box bypass's notify scripts
/// are run by the LVS node, so they must not be reported as ignored).
#[test]
fn every_builtin_toml_builds_without_warnings() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scenario/builtin");
    for b in vrrplab::scenario::builtin::all() {
        let s = vrrplab::scenario::toml::load_file(&dir.join(format!("{}.toml", b.name)))
            .unwrap_or_else(|e| panic!("{e}"));
        let built = vrrplab::sim::build::build(&s, None).unwrap_or_else(|e| panic!("{}: {e}", b.name));
        let w: Vec<_> = built.warnings.iter().map(|(n, w)| format!("{n}: {}", w.message)).collect();
        assert!(w.is_empty(), "{}: {w:?}", b.name);
    }
}

fn print(name: &str) -> assert_cmd::assert::Assert {
    assert_cmd::Command::cargo_bin("vrrplab")
        .unwrap()
        .args(["sim", "--print", name])
        .assert()
}

#[test]
fn print_gives_a_file_that_loads_to_the_builtin() {
    for name in ["election", "lvs-two-box-bypass"] {
        let a = print(&format!("builtin:{name}")).success();
        let text = String::from_utf8(a.get_output().stdout.clone()).unwrap();
        let printed = vrrplab::scenario::toml::parse(&text, std::path::Path::new("printed.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let builtin = vrrplab::scenario::builtin::get(name).unwrap();
        assert_eq!(without_spans(printed), without_spans(builtin), "{name}");
    }
}

#[test]
fn print_refuses_files_unknown_names_and_a_run() {
    let stderr = |a: assert_cmd::assert::Assert| String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(stderr(print("scenario.toml").code(2)).contains("--print takes a built-in scenario"));
    assert!(stderr(print("builtin:nope").code(2)).contains("no built-in scenario `nope`"));
    assert_cmd::Command::cargo_bin("vrrplab")
        .unwrap()
        .args(["sim", "--print", "builtin:election", "--log"])
        .assert()
        .code(2)
        .stdout("");
}
