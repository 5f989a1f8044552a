//! `vrrplab tui` refuses what it cannot show before it takes the terminal.

use assert_cmd::Command;

fn tui(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("vrrplab").unwrap().arg("tui").args(args).assert()
}

fn stderr(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).into_owned()
}

const STORY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tui/story.pcap");

#[test]
fn output_that_is_not_a_terminal_is_an_error() {
    let a = tui(&[STORY]).code(2);
    assert!(stderr(&a).contains("vrrplab tui needs a terminal"), "{}", stderr(&a));
}

#[test]
fn bad_inputs_are_errors() {
    let a = tui(&["--sim", "builtin:no-such-scenario"]).code(2);
    assert!(stderr(&a).contains("no built-in scenario `no-such-scenario`"), "{}", stderr(&a));
    let a = tui(&[STORY, "--filter", "vrrp.prio =="]).code(2);
    assert!(stderr(&a).contains("--filter: column 13"), "{}", stderr(&a));
    let a = tui(&["/nonexistent/x.pcap"]).code(2);
    assert!(stderr(&a).contains("/nonexistent/x.pcap"), "{}", stderr(&a));
    tui(&[]).code(2);
    tui(&[STORY, "--sim", "builtin:election"]).code(2);
    tui(&[STORY, "--theme", "purple"]).code(2);
}
