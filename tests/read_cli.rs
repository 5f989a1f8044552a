//! `vrrplab read` as a command: several files, `-c`, `-w`, compatibility
//! switches, and the one-line errors (with exit code 2) for broken input.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

fn read(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("vrrplab").unwrap().env("TZ", "GMT0").arg("read").args(args).output().unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn several_files_are_numbered_in_order_and_c_counts_across_them() {
    let (a, b) = (fixture("vrrp-v3-ipv4.pcap"), fixture("arp-forms.pcap"));
    let one = stdout(&read(&["-#", a.to_str().unwrap()]));
    let both = stdout(&read(&["-#", a.to_str().unwrap(), b.to_str().unwrap()]));
    let n = one.lines().count();
    assert!(both.starts_with(&one));
    let next = both.lines().nth(n).unwrap();
    assert!(next.starts_with(&format!("{:5}  ", n + 1)), "{next}");
    assert!(next.contains("ARP, Request who-has 192.0.2.254 (ff:ff:ff:ff:ff:ff) tell 192.0.2.254"), "{next}");
    let limited = stdout(&read(&["-c", &(n + 2).to_string(), a.to_str().unwrap(), b.to_str().unwrap()]));
    assert_eq!(limited.lines().count(), n + 2);
}

#[test]
fn write_keeps_frames_and_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.pcap");
    let src = fixture("two-interfaces.pcapng");
    let o = read(&["-c", "3", "-w", out.to_str().unwrap(), src.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    // The copy prints like the first three packets of the original (with
    // nanosecond timestamps kept, since one interface has them).
    let want: String = stdout(&read(&["--nano", src.to_str().unwrap()])).lines().take(3).map(|l| l.to_string() + "\n").collect();
    assert_eq!(stdout(&read(&["--nano", out.to_str().unwrap()])), want);
    // --print prints as well.
    let o = read(&["--print", "-w", out.to_str().unwrap(), src.to_str().unwrap()]);
    assert_eq!(stdout(&o).lines().count(), 4);
}

#[test]
fn nanoseconds_only_when_asked() {
    let f = fixture("nanoseconds.pcap");
    let micro = stdout(&read(&["-tt", f.to_str().unwrap()]));
    let nano = stdout(&read(&["-tt", "--nano", f.to_str().unwrap()]));
    assert!(micro.starts_with("1795308591.250000 IP 192.0.2.11"), "{micro}");
    assert!(nano.starts_with("1795308591.250000123 IP 192.0.2.11"), "{nano}");
}

#[test]
fn tcpdump_4_9_prints_the_whole_auth_field() {
    let f = fixture("vrrp-v2-auth.pcap");
    let new = stdout(&read(&["-v", f.to_str().unwrap()]));
    let old = stdout(&read(&["-v", "--tcpdump-compat", "4.9", f.to_str().unwrap()]));
    assert!(new.contains("addrs: 192.0.2.254 auth \"1111\"\n"), "{new}");
    assert!(old.contains("addrs: 192.0.2.254 auth \"1111^@^@^@^@\"\n"), "{old}");
    assert!(old.contains("auth \"a^Ab^?M-i^@^@^@\""), "{old}");
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn broken_files_give_one_error_with_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("vrrp-v3-ipv4.pcap")).unwrap();
    let cut = write_temp(dir.path(), "cut.pcap", &good[..good.len() - 5]);
    let o = read(&[cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o).lines().count(), 4, "frames before the error are printed");
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("vrrplab: {}: offset ", cut.display())), "{err}");
    assert!(err.contains(": truncated record (header says "), "{err}");

    let mut huge = good.clone();
    huge[24 + 8..24 + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let huge = write_temp(dir.path(), "huge.pcap", &huge);
    let err = stderr(&read(&[huge.to_str().unwrap()]));
    assert!(err.contains("offset 24: record header claims 2147483647 captured bytes"), "{err}");

    let text = write_temp(dir.path(), "notes.txt", b"this is not a capture file\n");
    let o = read(&[text.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("offset 0: not a pcap or pcapng capture"), "{}", stderr(&o));

    let missing = dir.path().join("missing.pcap");
    let o = read(&[missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with(&format!("vrrplab: {}: ", missing.display())));
}

#[test]
fn hostile_pcapng_block_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("two-interfaces.pcapng")).unwrap();
    // Find the first Enhanced Packet Block.
    let mut first_epb = 0;
    while u32::from_le_bytes(good[first_epb..first_epb + 4].try_into().unwrap()) != 6 {
        first_epb += u32::from_le_bytes(good[first_epb + 4..first_epb + 8].try_into().unwrap()) as usize;
    }
    for (len, want) in [(4u32, "block length 4"), (13, "block length 13"), (0xffff_fff0, "truncated")] {
        let mut b = good.clone();
        b[first_epb + 4..first_epb + 8].copy_from_slice(&len.to_le_bytes());
        let p = write_temp(dir.path(), "bad.pcapng", &b);
        let o = read(&[p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{len}");
        assert!(stderr(&o).contains(&format!("offset {first_epb}: {want}")), "{len}: {}", stderr(&o));
    }
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // Enough output to outlast the pipe buffer.
    let one = std::fs::read(fixture("vrrp-v2-auth.pcap")).unwrap();
    let mut big = one.clone();
    for _ in 0..20_000 {
        big.extend_from_slice(&one[24..]);
    }
    let p = write_temp(dir.path(), "big.pcap", &big);
    let bin = assert_cmd::cargo::cargo_bin("vrrplab");
    let mut child = std::process::Command::new(bin)
        .args(["read", p.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty());
}
