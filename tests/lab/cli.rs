//! `vrrplab lab` and `vrrplab live` through the binary.

use super::*;

#[test]
fn lab_run_writes_the_capture_and_the_log() {
    let Some(_serial) = lab_env(true) else { return };
    let dir = tempfile::tempdir().unwrap();
    let (pcap, log) = (dir.path().join("out.pcap"), dir.path().join("out.log"));
    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .args(["lab", "run", "--quiet", "--duration", "5s", &fixture("graceful_stop.toml"), "-w"])
        .arg(&pcap)
        .arg("--log")
        .arg(&log)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty(), "--quiet: {}", String::from_utf8_lossy(&out.stdout));
    let mut source = vrrplab::capture::open(&pcap).unwrap();
    let mut frames = Vec::new();
    let mut f = Frame::default();
    while source.next_frame(&mut f).unwrap() {
        frames.push(f.clone());
    }
    let ads = adverts(&frames);
    assert!(ads.iter().any(|(_, src, p)| *src == ip("192.0.2.11") && *p == 100), "{ads:?}");
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.starts_with("0.000000 lab t0 "), "{log}");
    assert!(log.contains(" n1 (VI_1) Entering MASTER STATE\n"), "{log}");
    // The run ended at 5 s, before the scenario's stop at 6 s.
    assert!(!log.contains("lab stop n1\n"), "{log}");
}

#[test]
fn lab_up_keeps_the_lab_until_its_duration_and_lab_commands_fail_cleanly() {
    let Some(_serial) = lab_env(true) else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab"))
        .args(["lab", "up", "--duration", "1s", &fixture("graceful_stop.toml")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("lab up vl-") && said.contains("n1 Starting Keepalived"), "{said}");
    let name = said.split("lab up ").nth(1).unwrap().split(':').next().unwrap().to_string();
    assert!(!ip_netns_list().iter().any(|n| n.starts_with(&name)));

    for (args, want) in [
        (vec!["lab", "run", "/nonexistent.toml"], "nonexistent"),
        (vec!["lab", "run", "--duration", "0s", &fixture("graceful_stop.toml")], "duration"),
        (vec!["lab", "up", "--duration", "2h", &fixture("graceful_stop.toml")], "3600"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_vrrplab")).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want) && !err.contains("panicked"), "{args:?}: {err}");
    }
}

/// `vrrplab live ARGS` inside node `node`'s namespace, its stdout piped.
pub(super) fn live_in(lab: &Lab, node: &str, args: &[&str]) -> std::process::Child {
    lab.node(node)
        .unwrap()
        .netns
        .run(|| {
            Ok(Command::new(env!("CARGO_BIN_EXE_vrrplab"))
                .arg("live")
                .args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()?)
        })
        .unwrap()
}

/// Sends a UDP datagram from n1 to n2 every 100 ms until `done` says so
/// (at most 10 s).
fn udp_until(lab: &Lab, mut done: impl FnMut() -> bool) {
    let sock = lab.node("n1").unwrap().netns.run(|| Ok(UdpSocket::bind("192.0.2.11:0")?)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() && Instant::now() < deadline {
        let _ = sock.send_to(b"vrrplab live test", "192.0.2.12:9");
        std::thread::sleep(Duration::from_millis(100));
    }
}

pub(super) fn two_hosts() -> Scenario {
    Scenario { nodes: vec![node("n1", "192.0.2.11/24", 1), node("n2", "192.0.2.12/24", 2)], ..Default::default() }
}

#[test]
fn live_prints_and_writes_what_crosses_an_interface() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.pcap");
    let out_arg = out.to_str().unwrap();
    let mut child = live_in(&lab, "n2", &["-i", "eth0", "-n", "-c", "4", "--duration", "20s", "-w", out_arg, "--print"]);
    udp_until(&lab, || child.try_wait().unwrap().is_some());
    let result = child.wait_with_output().unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let text = String::from_utf8_lossy(&result.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(text.contains(" > 192.0.2.12.9: UDP, length 17"), "{text}");
    let frames = pcap_frames(&out);
    assert_eq!(frames.len(), 4);
    assert!(frames.windows(2).all(|w| w[0].ts <= w[1].ts));
}

#[test]
fn live_ends_on_ctrl_c_with_the_capture_written() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("live.pcap");
    let mut child = live_in(&lab, "n2", &["-i", "eth0", "-w", out.to_str().unwrap(), "--print", "--duration", "30s"]);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut printed = Vec::new();
    udp_until(&lab, || {
        printed.extend(rx.try_iter());
        printed.len() >= 3
    });
    assert!(printed.len() >= 3, "live printed nothing: {printed:?}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGINT).unwrap();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    printed.extend(rx.try_iter());
    assert_eq!(status.code(), Some(0), "Ctrl-C ends live normally");
    assert_eq!(pcap_frames(&out).len(), printed.len(), "every printed frame is in the pcap: {printed:#?}");
}

#[cfg(feature = "libpcap")]
#[test]
fn live_with_a_kernel_filter_sees_only_what_it_accepts() {
    let Some(_serial) = lab_env(false) else { return };
    let lab = Lab::up(&two_hosts(), &LabOptions::default()).unwrap();
    let mut child = live_in(&lab, "n2", &["-i", "eth0", "-n", "-c", "2", "--duration", "20s", "-f", "udp"]);
    udp_until(&lab, || child.try_wait().unwrap().is_some());
    let result = child.wait_with_output().unwrap();
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let text = String::from_utf8_lossy(&result.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.lines().all(|l| l.contains("UDP") || l.contains(".9:")), "{text}");
    assert!(!text.contains("ARP"), "{text}");
}

#[test]
fn live_refuses_a_missing_interface() {
    let Some(_serial) = lab_env(false) else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab")).args(["live", "-i", "no-such-if0", "-c", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-if0") && !err.contains("panicked"), "{err}");
}
