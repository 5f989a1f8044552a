//! Hostile input through the binary (issue 10): files whose lengths lie,
//! configurations that loop or never end a line, scenarios too big to run,
//! and a disk that is full. Each gets one clear error line naming what is
//! wrong (exit 2) or bounded work, never a panic. The cases that need root
//! (a small tmpfs that fills, SIGINT, an interface that disappears) are in
//! `tests/lab/hostile.rs`.

use assert_cmd::Command;
use std::path::Path;

fn vrrplab(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("vrrplab").unwrap().env("TZ", "GMT0").args(args).output().unwrap()
}

/// Exit 2 with one error line containing every piece of `want`.
fn fails_with(out: &std::process::Output, want: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for w in want {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
}

fn fixture(name: &str) -> String {
    format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A classic pcap (little-endian, microseconds, Ethernet) of `records`:
/// (captured length claimed, bytes present).
fn pcap(records: &[(u32, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    for (i, (caplen, data)) in records.iter().enumerate() {
        for v in [1_700_000_000 + i as u32, 0, *caplen, *caplen] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(data);
    }
    b
}

#[test]
fn a_record_claiming_gigabytes_is_an_error_not_an_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.pcap");
    std::fs::write(&path, pcap(&[(60, &[0; 60]), (0xfff0_0000, &[0; 60])])).unwrap();
    let p = path.to_str().unwrap();
    for cmd in ["read", "analyze", "timeline"] {
        let out = vrrplab(&[cmd, p]);
        fails_with(&out, &[p, "offset 100", "claims 4293918720 captured bytes"]);
    }
    // `read` printed the frame before the bad record, as tcpdump does.
    assert_eq!(String::from_utf8_lossy(&vrrplab(&["read", p]).stdout).lines().count(), 1);
}

/// pcapng blocks whose length would not move the reader forward (0, 4),
/// would run past the file, or disagrees with its trailing copy.
#[test]
fn pcapng_block_lengths_that_loop_or_lie_are_errors() {
    let block = |kind: u32, len: u32, body: &[u8], trailer: u32| {
        let mut b = kind.to_le_bytes().to_vec();
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(body);
        b.extend_from_slice(&trailer.to_le_bytes());
        b
    };
    let mut shb_body = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb_body.extend_from_slice(&[1, 0, 0, 0]);
    shb_body.extend_from_slice(&(-1i64).to_le_bytes());
    let shb = block(0x0a0d_0d0a, 28, &shb_body, 28);
    let idb = block(1, 20, &[1, 0, 0, 0, 0, 0, 0, 0], 20);
    let dir = tempfile::tempdir().unwrap();
    for (name, bad, want) in [
        ("zero", block(0x0bad, 0, &[], 0), "block length 0 (must be at least 12"),
        ("four", block(0x0bad, 4, &[], 4), "block length 4 (must be at least 12"),
        ("past-the-end", block(0x0bad, 0xffff_fff0, &[0; 8], 0), "truncated block"),
        ("trailer", block(0x0bad, 16, &[0; 4], 20), "does not match its trailing copy 20"),
    ] {
        let path = dir.path().join(format!("{name}.pcapng"));
        std::fs::write(&path, [&shb[..], &idb, &bad].concat()).unwrap();
        let p = path.to_str().unwrap();
        fails_with(&vrrplab(&["read", p]), &[p, "offset 48", want]);
    }
}

/// The count says 255 addresses; one is there. tcpdump's line (the golden
/// test compares it byte for byte), and the analyzer's finding.
#[test]
fn a_vrrp_count_of_255_addresses_is_printed_cut_and_reported() {
    let f = fixture("length-claims.pcap");
    let out = vrrplab(&["read", "-n", "-v", "-c", "1", &f]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("addrs(255): 192.0.2.254,49.49.49.49,0.0.0.0 [|vrrp]\n"), "{text}");
    let out = vrrplab(&["analyze", "--json", &f]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(first["kind"], "vrrp_invalid");
    assert!(first["message"].as_str().unwrap().contains("fewer addresses than its count (255)"), "{first}");
}

#[test]
fn keepalived_conf_include_loop_and_ten_megabyte_line_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.conf"), dir.path().join("b.conf"));
    std::fs::write(&a, format!("include {}\n", b.display())).unwrap();
    std::fs::write(&b, format!("global_defs {{\n}}\ninclude {}\n", a.display())).unwrap();
    let run = |conf: &Path| {
        vrrplab(&["sim", "--keepalived", &format!("n1={}", conf.display()), "--node", "n1=192.0.2.11/24"])
    };
    fails_with(&run(&a), &["include loop", "a.conf includes", "b.conf includes"]);
    let long = dir.path().join("long.conf");
    std::fs::write(&long, format!("global_defs {{\n  router_id {}\n}}\n", "x".repeat(10 << 20))).unwrap();
    fails_with(&run(&long), &["long.conf:2:1", "line is longer than 1048576 bytes"]);
}

#[test]
fn a_scenario_of_a_million_events_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("million.toml");
    let event = "[[event]]\nat = \"1s\"\naction = \"stop\"\nnode = \"n1\"\n";
    let text = format!("[[node]]\nname = \"n1\"\nip = \"192.0.2.11/24\"\n{}", event.repeat(1_000_000));
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    fails_with(&vrrplab(&["sim", p]), &[p, "larger than 16 MiB"]);
    // The most events a scenario may have run, in bounded time and memory.
    let max = vrrplab::scenario::toml::MAX_EVENTS;
    let text = format!("[[node]]\nname = \"n1\"\nip = \"192.0.2.11/24\"\n{}", event.repeat(max));
    std::fs::write(&path, text).unwrap();
    let out = vrrplab(&["sim", p]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A full device: the error names the file and ends the run with 2.
#[test]
fn writing_a_pcap_to_a_full_device_is_an_error_naming_it() {
    let want = ["/dev/full", "No space left on device"];
    fails_with(&vrrplab(&["read", "-w", "/dev/full", &fixture("vrrp-v2-auth.pcap")]), &want);
    fails_with(&vrrplab(&["sim", "builtin:election", "-w", "/dev/full"]), &want);
}
