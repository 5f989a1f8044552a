//! The TOML form of each built-in scenario (`src/scenario/builtin/*.toml`,
//! with inline keepalived.conf) loads to exactly the scenario built in Rust:
//! the loader and the keepalived importer read them as their author meant.

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
