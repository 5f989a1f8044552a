//! Hostile conditions that need root (issue 10): a disk that fills while a
//! pcap is written, SIGINT at any point of `live` and `lab run`, and an
//! interface deleted under `live`. The pcap written so far must stay
//! readable to the last whole record, and no namespace may be left behind.

use super::*;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Output};
use super::cli::{live_in, two_hosts};
use vrrplab::capture::writer::PcapWriter;
use vrrplab::capture::Timestamp;

const BIN: &str = env!("CARGO_BIN_EXE_vrrplab");

/// Runs `vrrplab ARGS` in a private mount namespace (`unshare --mount`, a
/// child process, so the mount leaks nowhere) where `{out}` in an argument
/// is a file on a 4 KiB tmpfs. Returns the output and that file's bytes,
/// copied out before the namespace goes. Spawned from `netns` when given.
fn on_a_full_disk(args: &[&str], netns: Option<&vrrplab::lab::netns::Netns>, wait: impl FnOnce(&Child)) -> (Output, String, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let (mnt, copy) = (dir.path().join("mnt"), dir.path().join("copy.pcap"));
    std::fs::create_dir(&mnt).unwrap();
    let out = mnt.join("out.pcap").to_str().unwrap().to_string();
    let args: Vec<String> = args.iter().map(|a| a.replace("{out}", &out)).collect();
    let script = r#"mount -t tmpfs -o size=4k vrrplab-test "$0" || exit 99
copy=$1; shift
"$@"; status=$?
cp "$0/out.pcap" "$copy" 2>/dev/null
exit $status"#;
    let spawn = || {
        Ok(Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", script])
            .arg(&mnt)
            .arg(&copy)
            .arg(BIN)
            .args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?)
    };
    let child = match netns {
        Some(ns) => ns.run(spawn).unwrap(),
        None => spawn().unwrap(),
    };
    wait(&child);
    let output = child.wait_with_output().unwrap();
    assert_ne!(output.status.code(), Some(99), "mounting a tmpfs failed: {}", String::from_utf8_lossy(&output.stderr));
    (output, out, std::fs::read(&copy).unwrap_or_default())
}

/// Every frame of a pcap held in `bytes`; fails on a cut or corrupt record.
fn whole_frames(bytes: &[u8]) -> Vec<Frame> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pcap");
    std::fs::write(&path, bytes).unwrap();
    pcap_frames(&path)
}

fn assert_disk_full(output: &Output, out: &str) {
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("{out}: No space left on device")) && !err.contains("panicked"), "{err}");
}

#[test]
fn a_full_disk_under_read_and_sim_leaves_a_pcap_of_whole_records() {
    let Some(_serial) = lab_env(false) else { return };
    let dir = tempfile::tempdir().unwrap();
    // 100 frames of 90 bytes: more than 4 KiB.
    let input = dir.path().join("in.pcap");
    let frames: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 90]).collect();
    let mut w = PcapWriter::new(std::fs::File::create(&input).unwrap(), LinkType::Ethernet, 65535, false).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write(Timestamp::new(1_700_000_000 + i as i64, 0), 90, f).unwrap();
    }
    drop(w);
    let (output, out, bytes) = on_a_full_disk(&["read", "-w", "{out}", input.to_str().unwrap()], None, |_| {});
    assert_disk_full(&output, &out);
    let kept = whole_frames(&bytes);
    assert!(!kept.is_empty() && kept.len() < 100, "{} frames kept", kept.len());
    assert!(kept.iter().zip(&frames).all(|(k, f)| k.data == *f));

    let full = dir.path().join("sim.pcap");
    let args = ["sim", "builtin:election", "--duration", "10m", "-w"];
    assert!(Command::new(BIN).args(args).arg(&full).output().unwrap().status.success());
    let (output, out, bytes) = on_a_full_disk(&[&args[..], &["{out}"]].concat(), None, |_| {});
    assert_disk_full(&output, &out);
    let (kept, all) = (whole_frames(&bytes), pcap_frames(&full));
    assert!(!kept.is_empty() && kept.len() < all.len(), "{} of {} frames kept", kept.len(), all.len());
    assert_eq!(kept[..], all[..kept.len()]);
}

#[test]
fn a_full_disk_under_live_leaves_a_pcap_of_whole_records() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let n2 = &lab.node("n2").unwrap().netns;
    let args = ["live", "-i", "eth0", "-c", "80", "--duration", "30s", "-w", "{out}"];
    let (output, out, bytes) = on_a_full_disk(&args, Some(n2), |child| {
        udp_every(&lab, Duration::from_millis(10), || running(nix::unistd::Pid::from_raw(child.id() as i32)))
    });
    assert_disk_full(&output, &out);
    let kept = whole_frames(&bytes);
    assert!(!kept.is_empty() && kept.len() < 80, "{} frames kept", kept.len());
    // The full device: the same error, naming it.
    let result = live_in(&lab, "n2", &["-i", "eth0", "-c", "2", "--duration", "20s", "-w", "/dev/full"]);
    let result = wait_sending(&lab, result);
    assert_eq!(result.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&result.stderr).contains("/dev/full: No space left on device"));
}

/// Sends a UDP datagram from n1 to n2 every `gap` while `go` says so (at most 20 s).
fn udp_every(lab: &Lab, gap: Duration, mut go: impl FnMut() -> bool) {
    let sock = lab.node("n1").unwrap().netns.run(|| Ok(UdpSocket::bind("192.0.2.11:0")?)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while go() && Instant::now() < deadline {
        let _ = sock.send_to(b"vrrplab hostile test", "192.0.2.12:9");
        std::thread::sleep(gap);
    }
}

/// Waits for `child` (at most 20 s, sending traffic meanwhile; then kills it and fails).
fn wait_sending(lab: &Lab, mut child: Child) -> Output {
    udp_every(lab, Duration::from_millis(50), || child.try_wait().unwrap().is_none());
    if child.try_wait().unwrap().is_none() {
        let _ = child.kill();
        panic!("vrrplab did not end: {:?}", child.wait_with_output());
    }
    child.wait_with_output().unwrap()
}

/// Ended normally (0), or by the signal itself when it came before the
/// handler was installed; never an error or a panic.
fn ended_cleanly(output: &Output, what: &str) {
    let err = String::from_utf8_lossy(&output.stderr);
    let by_sigint = output.status.signal() == Some(libc::SIGINT) || output.status.code() == Some(128 + libc::SIGINT);
    assert!(output.status.success() || by_sigint, "{what}: {:?}: {err}", output.status);
    assert!(!err.contains("panicked"), "{what}: {err}");
}

fn sigint(child: &Child) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT);
}

#[test]
fn sigint_at_any_point_of_live_leaves_a_readable_pcap() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for delay_ms in [0, 5, 20, 100, 400, 1500] {
        let out = dir.path().join(format!("live-{delay_ms}.pcap"));
        let child = live_in(&lab, "n2", &["-i", "eth0", "--duration", "30s", "-w", out.to_str().unwrap()]);
        let start = Instant::now();
        udp_every(&lab, Duration::from_millis(5), || start.elapsed() < Duration::from_millis(delay_ms));
        sigint(&child);
        let output = wait_sending(&lab, child);
        ended_cleanly(&output, &format!("SIGINT after {delay_ms} ms"));
        if out.exists() {
            pcap_frames(&out);
        }
    }
}

#[test]
fn sigint_at_any_point_of_lab_run_leaves_no_namespace() {
    let Some(_serial) = lab_env(true) else { return };
    let dir = tempfile::tempdir().unwrap();
    for delay_ms in [0, 30, 150, 600, 2000, 4500] {
        let out = dir.path().join(format!("lab-{delay_ms}.pcap"));
        let mut child = Command::new(BIN)
            .args(["lab", "run", "--quiet", "--duration", "20s", &fixture("graceful_stop.toml"), "-w"])
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        std::thread::sleep(Duration::from_millis(delay_ms));
        sigint(&child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if child.try_wait().unwrap().is_none() {
            let _ = child.kill();
        }
        let output = child.wait_with_output().unwrap();
        let what = format!("SIGINT after {delay_ms} ms");
        ended_cleanly(&output, &what);
        let prefix = format!("vl-{pid}-");
        let left: Vec<String> = ip_netns_list().into_iter().filter(|n| n.starts_with(&prefix)).collect();
        assert!(left.is_empty(), "{what}: namespaces left behind: {left:?}");
        if out.exists() {
            pcap_frames(&out);
        }
    }
}

#[test]
fn an_interface_deleted_under_live_is_a_clear_error_and_the_pcap_is_kept() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.pcap");
    let mut child = live_in(&lab, "n2", &["-i", "eth0", "--duration", "30s", "-w", out.to_str().unwrap(), "--print"]);
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout).lines().map_while(Result::ok).count()
    });
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let start = Instant::now();
    udp_every(&lab, Duration::from_millis(20), || start.elapsed() < Duration::from_millis(1500) && running(pid));
    ip_in(lab.node("n2").unwrap().netns.name(), &["link", "del", "eth0"]);
    let output = wait_sending(&lab, child);
    let printed = reader.join().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(err.contains("capturing on eth0: the interface went down or was removed") && !err.contains("panicked"), "{err}");
    let frames = pcap_frames(&out);
    assert!(printed > 0 && frames.len() == printed, "{} frames written, {printed} printed", frames.len());
}
