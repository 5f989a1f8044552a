//! Every keepalived.conf extracted from the seed articles imports without
//! error; the warnings it gives are pinned in `fixtures/seeds/warnings.txt`.
//! After a deliberate change, regenerate that file with
//! `VRRPLAB_BLESS=1 cargo test --test seed_configs`.

use std::fmt::Write;
use std::path::Path;
use vrrplab::scenario::keepalived::parse_file;

#[test]
fn seed_configs_import_with_the_expected_warnings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let mut confs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    confs.sort();
    assert!(
        confs.len() >= 10,
        "the seeds give at least 10 configs, found {}",
        confs.len()
    );
    let mut report = String::new();
    for path in &confs {
        let name = path.file_name().unwrap().to_string_lossy();
        let conf = parse_file(path).unwrap_or_else(|e| panic!("{name} does not import: {e}"));
        assert!(!conf.instances.is_empty(), "{name} has a vrrp_instance");
        writeln!(report, "{name}:").unwrap();
        for w in &conf.warnings {
            writeln!(report, "  {}:{}: {}", w.span.line, w.span.column, w.message).unwrap();
        }
    }
    let expected_path = dir.join("warnings.txt");
    if std::env::var_os("VRRPLAB_BLESS").is_some() {
        std::fs::write(&expected_path, &report).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert_eq!(
        report, expected,
        "warnings changed; see the module doc to regenerate"
    );
}

#[test]
fn the_article_values_come_through() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let master = parse_file(&dir.join("lvs-packet-node1.conf")).unwrap();
    let vi = &master.instances[0];
    assert_eq!(
        (vi.vrid, vi.priority, vi.advert_int_us),
        (51, Some(100), Some(1_000_000))
    );
    assert_eq!(vi.vips[0].addr.to_string(), "192.168.30.254");
    assert_eq!(master.virtual_servers[0].real_servers.len(), 2);
    let nopreempt = parse_file(&dir.join("lvs-packet-nopreempt-node2.conf")).unwrap();
    assert!(nopreempt.instances[0].nopreempt);
    assert_eq!(nopreempt.instances[0].priority, Some(150));
}

/// The ipvsadm commands of the seeds' director scripts, with the scripts'
/// own `name=value` variables expanded as the shell would.
fn ipvsadm_lines(script: &str) -> Vec<String> {
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut lines = Vec::new();
    for raw in script.lines().map(str::trim) {
        let mut line = raw.to_string();
        // Longest names first, so `$rs1` is not read as `$rs` + `1`.
        for (name, value) in vars.iter().rev() {
            line = line
                .replace(&format!("${{{name}}}"), value)
                .replace(&format!("${name}"), value);
        }
        if let Some((name, value)) = line.split_once('=') {
            if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !value.contains(' ')
            {
                vars.push((name.to_string(), value.to_string()));
                vars.sort_by_key(|(n, _)| n.len());
                continue;
            }
        }
        let first = line.split_whitespace().next().unwrap_or("");
        if first == "ipvsadm" || first.ends_with("/ipvsadm") {
            lines.push(line);
        }
    }
    lines
}

#[test]
fn seed_ipvsadm_scripts_parse() {
    use vrrplab::engine::ipvs::ipvsadm::parse::parse;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seeds");
    let mut commands = 0;
    for name in ["lvs-dr-director.sh", "keepalived-ha-gateway.ipvsadm"] {
        let script = std::fs::read_to_string(dir.join(name)).unwrap();
        for line in ipvsadm_lines(&script) {
            parse(&line).unwrap_or_else(|e| panic!("{name}: `{line}`: {e:?}"));
            commands += 1;
        }
    }
    // lvs_dr.sh: -C, -A and two -a; the gateway: -A and two -a.
    assert_eq!(commands, 7);
}
