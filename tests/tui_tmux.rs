//! `vrrplab tui` end to end: the binary runs in a detached tmux session,
//! keys go in with `send-keys`, the screen comes back with `capture-pane`.
//! Without tmux the tests are skipped with a note, except in CI, where they
//! fail. Every session is killed when its test ends, pass or fail.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(20);

fn have_tmux() -> bool {
    let ok = Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success());
    if !ok {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "tmux is required in CI");
        eprintln!("note: tmux is not installed; skipping the end-to-end TUI test");
    }
    ok
}

fn tmux(args: &[&str]) -> std::process::Output {
    Command::new("tmux").args(args).output().expect("tmux runs")
}

/// A tmux session running `vrrplab ARGS`, then printing its exit status.
struct Session {
    name: String,
}

impl Session {
    fn start(args: &[&str]) -> Session {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!("vrrplab-tui-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst));
        let bin = env!("CARGO_BIN_EXE_vrrplab");
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        // The shell stays after vrrplab exits, so the test can read the exit
        // status and see that the normal screen is back.
        let cmd = format!("'{bin}' tui {}; echo \"vrrplab exited: $?\"; sleep 600", quoted.join(" "));
        let s = Session { name };
        let out = tmux(&["new-session", "-d", "-s", &s.name, "-x", "160", "-y", "48", "sh", "-c", &cmd]);
        assert!(out.status.success(), "tmux new-session: {}", String::from_utf8_lossy(&out.stderr));
        s
    }

    /// Sends keys, one `send-keys` each (tmux key names: Escape, Enter, Tab, End).
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = tmux(&["send-keys", "-t", &self.name, k]);
            assert!(out.status.success(), "send-keys {k}");
            // Let each key arrive on its own: an Escape followed at once by
            // a letter would read as Alt+letter.
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Types text literally.
    fn text(&self, text: &str) {
        let out = tmux(&["send-keys", "-t", &self.name, "-l", text]);
        assert!(out.status.success(), "send-keys -l {text}");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &self.name]).stdout).into_owned()
    }

    /// Waits until the screen shows every one of `what` (bounded by
    /// PATIENCE): the screen may be caught halfway through a redraw.
    fn wait_for_all(&self, what: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if what.iter().all(|w| s.contains(w)) {
                return s;
            }
            assert!(start.elapsed() < PATIENCE, "the screen never showed {what:?}:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for(&self, what: &str) -> String {
        self.wait_for_all(&[what])
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.name]);
    }
}

fn story() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tui/story.pcap").display().to_string()
}

#[test]
fn file_inspect_explain_filter_and_quit() {
    if !have_tmux() {
        return;
    }
    let s = Session::start(&[&story()]);
    s.wait_for_all(&[
        "Packets 51",
        "192.0.2.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100",
        "Timeline 0.000000–19.148437 s",
        "? help  q quit",
    ]);
    // Three changes of master on: .12 takes over after the crash.
    s.keys(&["]", "]", "]"]);
    s.wait_for("Fields of packet 19");
    s.keys(&["e"]);
    s.wait_for_all(&[
        "192.0.2.12 becomes master of VRID 51",
        "Master_Down_Interval = 3 × 1.000 s + Skew_Time = 3 × 1.000 s + 0.648 s = 3.648 s",
    ]);
    s.keys(&["Escape"]);
    s.keys(&["?"]);
    s.wait_for("Keys (Esc closes");
    s.keys(&["Escape"]);
    // A filter that does not parse says where, and is not applied.
    s.keys(&["/"]);
    s.text("vrrp.prio ==");
    s.wait_for("column 13: expected a value after '=='");
    s.text(" 90");
    s.keys(&["Enter"]);
    s.wait_for("Packets 8 of 51");
    s.keys(&["q"]);
    let screen = s.wait_for("vrrplab exited: 0");
    assert!(!screen.contains("Packets"), "the normal screen is back:\n{screen}");
}

#[test]
fn replay_plays_steps_and_reaches_the_end() {
    if !have_tmux() {
        return;
    }
    let s = Session::start(&[&story(), "--theme", "light"]);
    s.wait_for("Packets 51");
    // Step through the first packets, then back one.
    s.keys(&[".", ".", "."]);
    s.wait_for("4/51 frames");
    s.keys(&[","]);
    s.wait_for_all(&["3/51 frames", "Packets 3 "]);
    // Faster (16×), then play to the end: about a second of wall time.
    s.keys(&["+", "+", "+", "+", " "]);
    s.wait_for("16× ");
    s.wait_for_all(&["replay reached the newest packet", "Packets 51", "│ 51 frames"]);
    s.keys(&["q"]);
    s.wait_for("vrrplab exited: 0");
}

#[test]
fn a_broken_file_is_an_error_not_a_screen() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.pcap");
    std::fs::write(&bad, b"not a capture at all").unwrap();
    let s = Session::start(&[&bad.display().to_string()]);
    s.wait_for_all(&["vrrplab exited: 2", "bad.pcap: offset 0"]);
}

#[test]
fn simulation_runs_and_takes_faults_from_the_keyboard() {
    if !have_tmux() {
        return;
    }
    let s = Session::start(&["--sim", "builtin:election"]);
    s.wait_for_all(&["sim builtin:election", "Timeline 0.000000–20.000000 s"]);
    // 64×: the scenario's 20 s of virtual time pass in a third of a second,
    // and the simulation pauses at its end.
    s.keys(&["+", "+", "+", "+", "+", "+"]);
    s.wait_for_all(&[
        "the scenario is over",
        "VRID 51 ipv4 v2",
        "192.0.2.11 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 100",
    ]);
    // Crash the master (the first band) from the timeline pane, and run on.
    s.keys(&["Tab", "Tab", "Tab", "c"]);
    s.wait_for("n1: keepalived crashes (silence) at 20.000000 s");
    s.keys(&[" "]);
    s.wait_for("192.0.2.12 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 80");
    s.keys(&["e"]);
    s.wait_for("Router 192.0.2.11 in VRID 51");
    s.keys(&["Escape"]);
    s.keys(&["q"]);
    s.wait_for("vrrplab exited: 0");
}
