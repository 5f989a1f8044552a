use super::super::{parse_file, MAX_INCLUDE_DEPTH};
use std::fs;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn error(path: &Path) -> String {
    parse_file(path)
        .map(|c| format!("{c:?}"))
        .unwrap_or_else(|e| e.to_string())
}

#[test]
fn includes_are_relative_to_the_including_file_and_sorted() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "main.conf",
        "global_defs {\n router_id main\n}\ninclude sub/*.conf\n",
    );
    write(
        d.path(),
        "sub/b.conf",
        "vrrp_instance VI_B {\n virtual_router_id 2\n include ../vips.conf\n}\n",
    );
    write(
        d.path(),
        "sub/a.conf",
        "vrrp_instance VI_A {\n virtual_router_id 1\n include ../vips.conf\n}\n",
    );
    write(
        d.path(),
        "vips.conf",
        "virtual_ipaddress {\n 192.0.2.1\n}\n",
    );
    let c = parse_file(&d.path().join("main.conf")).unwrap();
    let names: Vec<_> = c
        .instances
        .iter()
        .map(|i| (i.name.as_str(), i.vrid, i.vips.len()))
        .collect();
    assert_eq!(names, [("VI_A", 1, 1), ("VI_B", 2, 1)]);
    assert_eq!(c.instances[1].span.file, d.path().join("sub/b.conf"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn an_include_loop_is_an_error_naming_the_chain() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.conf", "include b.conf\n");
    write(d.path(), "b.conf", "\n\ninclude a.conf\n");
    let e = error(&d.path().join("a.conf"));
    let a = d.path().join("a.conf").canonicalize().unwrap();
    let b = d.path().join("b.conf").canonicalize().unwrap();
    assert_eq!(
        e,
        format!(
            "{}:3:1: include loop: {} includes {} includes {}",
            d.path().join("b.conf").display(),
            a.display(),
            b.display(),
            a.display()
        )
    );
}

#[test]
fn a_file_including_itself_is_a_loop() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "self.conf", "include *.conf\n");
    assert!(
        error(&d.path().join("self.conf")).ends_with("self.conf"),
        "the chain ends where it started"
    );
    assert!(error(&d.path().join("self.conf")).contains("include loop"));
}

#[test]
fn includes_deeper_than_the_limit_are_an_error() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..=MAX_INCLUDE_DEPTH + 1 {
        write(
            d.path(),
            &format!("f{i}.conf"),
            &format!("include f{}.conf\n", i + 1),
        );
    }
    write(
        d.path(),
        &format!("f{}.conf", MAX_INCLUDE_DEPTH + 2),
        "global_defs {\n}\n",
    );
    let e = error(&d.path().join("f0.conf"));
    assert!(
        e.ends_with(&format!(
            "includes nested deeper than {MAX_INCLUDE_DEPTH} files"
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!("f{}.conf:1:1", MAX_INCLUDE_DEPTH)),
        "{e}"
    );
    // Exactly at the limit is accepted.
    let c = parse_file(&d.path().join("f2.conf")).unwrap();
    assert!(c.instances.is_empty());
}

#[test]
fn a_missing_file_is_an_error_and_an_empty_glob_a_warning() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.conf", "# x\n  include missing.conf\n");
    assert_eq!(
        error(&d.path().join("main.conf")),
        format!(
            "{}:2:3: cannot read included file 'missing.conf': no such file",
            d.path().join("main.conf").display()
        )
    );
    write(d.path(), "glob.conf", "include none/*.conf\n");
    let c = parse_file(&d.path().join("glob.conf")).unwrap();
    assert_eq!(
        c.warnings[0].message,
        "No config files matched 'none/*.conf'"
    );
    assert_eq!((c.warnings[0].span.line, c.warnings[0].span.column), (1, 1));
}

#[test]
fn an_unreadable_root_file_names_the_file() {
    let d = tempfile::tempdir().unwrap();
    let e = error(&d.path().join("nope.conf"));
    assert!(
        e.starts_with(&format!(
            "{}: cannot read",
            d.path().join("nope.conf").display()
        )),
        "{e}"
    );
}

#[test]
fn a_file_over_sixteen_mib_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    let line = format!("# {}\n", "x".repeat(1000));
    write(d.path(), "big.conf", &line.repeat(17 * 1024));
    let e = error(&d.path().join("big.conf"));
    assert!(e.ends_with("file is larger than 16 MiB"), "{e}");
}

#[test]
fn bytes_that_are_not_utf8_are_replaced_not_refused() {
    let d = tempfile::tempdir().unwrap();
    // A GBK comment, as Chinese configs often have.
    fs::write(
        d.path().join("gbk.conf"),
        b"# \xd6\xf7\xb7\xfe\xce\xf1\xc6\xf7\nglobal_defs {\n router_id r\n}\n",
    )
    .unwrap();
    assert_eq!(
        parse_file(&d.path().join("gbk.conf"))
            .unwrap()
            .global
            .router_id
            .as_deref(),
        Some("r")
    );
}

#[test]
fn only_regular_files_are_included() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("dir.conf")).unwrap();
    let fifo = d.path().join("fifo.conf");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    write(d.path(), "main.conf", "include *.conf\n");
    let c = parse_file(&d.path().join("main.conf"));
    // main.conf matches itself: a loop, found after the two skipped entries.
    assert!(c.unwrap_err().message.starts_with("include loop"));
    write(d.path(), "sub/main.conf", "include ../*.conf\n");
    fs::remove_file(d.path().join("main.conf")).unwrap();
    let c = parse_file(&d.path().join("sub/main.conf")).unwrap();
    let w: Vec<_> = c.warnings.iter().map(|w| w.message.clone()).collect();
    assert_eq!(w, [
        format!("Configuration file '{}' is not a regular file - skipping", d.path().join("sub/../dir.conf").display()),
        format!("Configuration file '{}' is not a regular file - skipping", d.path().join("sub/../fifo.conf").display()),
    ]);
}

#[test]
fn a_double_star_is_a_single_star_as_in_libc_glob() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "main.conf", "include conf.d/**.conf\n");
    write(d.path(), "conf.d/a.conf", "vrrp_script a {\n}\n");
    write(d.path(), "conf.d/deep/b.conf", "vrrp_script b {\n}\n");
    let c = parse_file(&d.path().join("main.conf")).unwrap();
    assert_eq!(c.scripts.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["a"]);
}
