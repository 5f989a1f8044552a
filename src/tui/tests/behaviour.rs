//! Keys and the clock: replay, steps, jumps, the filter prompt, pop-ups.

use super::*;
use crate::tui::analysis::EventKind;
use crate::tui::app::{Pane, Popup};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Presses each key of `keys` (characters; `\n` is Enter, `\x1b` Esc, `\t` Tab) at `ms`.
fn keys(app: &mut App, clock: &Clock, ms: u64, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            '\t' => KeyCode::Tab,
            '\x08' => KeyCode::Backspace,
            c => KeyCode::Char(c),
        };
        let mods = if c.is_ascii_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
        app.key(KeyEvent::new(code, mods), clock.at(ms));
    }
}

fn press(app: &mut App, clock: &Clock, ms: u64, code: KeyCode) {
    app.key(KeyEvent::new(code, KeyModifiers::NONE), clock.at(ms));
}

/// The selected frame, numbered from 1 as on screen.
fn selected(app: &App) -> u64 {
    app.list.selected.unwrap() as u64 + 1
}

fn status(app: &App) -> String {
    app.status.as_ref().map(|s| s.text.clone()).unwrap_or_default()
}

#[test]
fn a_loaded_file_selects_its_first_packet_and_is_analysed() {
    let (app, _) = app();
    assert_eq!(app.frames.len(), 51);
    assert_eq!(selected(&app), 1);
    assert!(!app.loading() && !app.in_replay());
    assert_eq!(app.analysis.report.frames, 51);
    assert_eq!(app.tree.frame, Some(0));
}

#[test]
fn replay_reveals_packets_as_capture_time_passes() {
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, " ");
    assert!(app.replay.playing);
    assert_eq!(app.visible(), 1);
    app.tick(clock.at(1500));
    // Frames at 0 s, 1 s and 1.3 s have happened.
    assert_eq!(app.visible(), 3);
    assert_eq!(selected(&app), 3, "the newest packet stays selected while playing");
    keys(&mut app, &clock, 1500, "+");
    app.tick(clock.at(2500));
    assert_eq!(app.replay.at, T + 3_500_000);
    assert_eq!(app.visible(), 9);
    keys(&mut app, &clock, 2500, " ");
    app.tick(clock.at(60_000));
    assert_eq!(app.visible(), 9, "paused: time stands still");
    // Findings wait for their evidence.
    let shown = app.shown_findings().len();
    assert!(shown < app.analysis.report.findings.len());
    assert!(shown > 0, "the split brain at 2.5 s has happened");
    keys(&mut app, &clock, 60_000, " ");
    app.tick(clock.at(60_000 + 20_000));
    assert!(!app.replay.playing && !app.in_replay(), "the replay ends with the capture");
    assert_eq!(status(&app), "replay reached the newest packet");
    assert_eq!(selected(&app), 51);
}

#[test]
fn play_starts_at_the_selected_packet_or_from_the_top_at_the_end() {
    let (mut app, clock) = app();
    app.goto(18, clock.at(0));
    keys(&mut app, &clock, 0, " ");
    assert_eq!(app.visible(), 19);
    assert_eq!(app.replay.at, app.frames.micros(18));
    let (mut app, clock) = super::app();
    keys(&mut app, &clock, 0, "G ");
    assert_eq!(app.visible(), 1, "from the last packet there is nothing to play: start over");
}

#[test]
fn steps_go_one_packet_and_one_event_at_a_time() {
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, ".");
    assert_eq!((app.visible(), selected(&app)), (2, 2));
    keys(&mut app, &clock, 0, "..");
    assert_eq!((app.visible(), selected(&app)), (4, 4));
    keys(&mut app, &clock, 0, ",");
    assert_eq!((app.visible(), selected(&app)), (3, 3));
    assert_eq!(app.replay.at, app.frames.micros(2));
    // The next events: VRID 52's first master (5), the preemption and split brain (6).
    keys(&mut app, &clock, 0, ">");
    assert_eq!(selected(&app), 5);
    keys(&mut app, &clock, 0, ">");
    assert_eq!(selected(&app), 6);
    assert_eq!(app.visible(), 6);
    keys(&mut app, &clock, 0, "<");
    assert_eq!(selected(&app), 5);
    keys(&mut app, &clock, 0, ",,,,,");
    assert_eq!(selected(&app), 1);
    assert_eq!(status(&app), "no earlier packet");
}

#[test]
fn jumps_visit_every_change_of_master_in_order() {
    let (mut app, clock) = app();
    // From the first packet on: the first master (frame 1) is behind us.
    let mut changes: Vec<u64> =
        app.analysis.events.iter().filter(|e| e.kind.is_state_change() && e.frame > 1).map(|e| e.frame).collect();
    changes.dedup();
    // VRID 52's first master, the split brain, then VRID 51's three changes at least.
    assert!(changes.len() >= 5 && changes.contains(&19) && changes.contains(&34) && changes.contains(&44), "{changes:?}");
    let mut seen = vec![];
    for _ in 0..changes.len() {
        keys(&mut app, &clock, 0, "]");
        seen.push(selected(&app));
    }
    assert_eq!(seen, changes);
    keys(&mut app, &clock, 0, "]");
    assert_eq!(status(&app), "no later event");
    keys(&mut app, &clock, 0, "[[");
    assert_eq!(selected(&app), changes[changes.len() - 3]);
    assert!(!app.in_replay(), "jumps in a file that is not replaying only select");
}

#[test]
fn findings_jump_to_their_evidence() {
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, "n");
    let first = app.analysis.events.iter().find(|e| e.kind == EventKind::Finding && e.frame > 1).unwrap().frame;
    assert_eq!(selected(&app), first);
    keys(&mut app, &clock, 0, "\t\t\t\t");
    assert_eq!(app.focus, Pane::Findings);
    keys(&mut app, &clock, 0, "G\n");
    let last = app.analysis.report.findings.last().unwrap().frames[0];
    assert_eq!(selected(&app), last);
    assert_eq!(app.focus, Pane::List);
    keys(&mut app, &clock, 0, "N");
    assert!(selected(&app) < last);
}

#[test]
fn the_filter_prompt_refuses_what_does_not_parse() {
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, "/vrrp.prio ==");
    assert!(app.filter.prompt.as_ref().unwrap().error.is_some());
    keys(&mut app, &clock, 0, "\n");
    assert!(app.filter.prompt.is_some(), "Enter does nothing while the filter is invalid");
    keys(&mut app, &clock, 0, " 90\n");
    assert!(app.filter.prompt.is_none());
    // .12's adverts: 5 after the timeout, 3 after the resignation.
    assert_eq!(app.row_count(), 8);
    assert_eq!(selected(&app), 19);
    assert_eq!(status(&app), "filter `vrrp.prio == 90`: 8 of 51 frames");
    // Steps skip what the filter hides.
    keys(&mut app, &clock, 0, ".");
    assert_eq!(selected(&app), 27);
    // Esc leaves the filter as it was; an empty one clears it.
    keys(&mut app, &clock, 0, "/x\x1b");
    assert_eq!(app.filter.active.as_ref().unwrap().source(), "vrrp.prio == 90");
    keys(&mut app, &clock, 0, "/");
    for _ in 0..20 {
        keys(&mut app, &clock, 0, "\x08");
    }
    keys(&mut app, &clock, 0, "\n");
    assert!(app.filter.active.is_none());
    assert_eq!(app.row_count(), app.visible());
}

#[test]
fn a_jump_to_a_filtered_out_frame_says_so() {
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, "/arp\n");
    app.goto(18, clock.at(0));
    assert_eq!(status(&app), "frame 19 is hidden by the display filter");
    assert!(app.is_row(app.list.selected.unwrap()));
}

#[test]
fn the_tree_keeps_the_field_from_packet_to_packet() {
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, "\t");
    let prio = app.tree.rows().iter().position(|r| app.tree.node(&r.path).unwrap().name == "vrrp.prio").unwrap();
    app.tree.selected = prio;
    keys(&mut app, &clock, 0, "]]]");
    assert_eq!(selected(&app), 19);
    let node = app.tree.selected_node().unwrap();
    assert_eq!((node.name, node.value.as_str()), ("vrrp.prio", "90"));
    // h folds the layer, l opens it again.
    keys(&mut app, &clock, 0, "h");
    assert_eq!(app.tree.selected_node().unwrap().name, "vrrp");
    assert!(app.tree.collapsed.contains("vrrp"));
    keys(&mut app, &clock, 0, "l");
    assert!(!app.tree.collapsed.contains("vrrp"));
}

#[test]
fn explanations_work_out_this_captures_timers() {
    let (mut app, clock) = app();
    let explain = |app: &mut App| match app.explain() {
        Some(e) => format!("{}\n{}", e.title, e.text),
        None => panic!("nothing to explain"),
    };
    keys(&mut app, &clock, 0, "]]]");
    let t = explain(&mut app);
    assert!(t.starts_with("Frame 19: 192.0.2.12 becomes master of VRID 51"), "{t}");
    assert!(t.contains("Master_Down_Interval = 3 × 1.000 s + Skew_Time = 3 × 1.000 s + 0.648 s = 3.648 s"), "{t}");
    assert!(t.contains("Measured here: 3.648 s"), "{t}");
    app.goto(33, clock.at(0));
    let t = explain(&mut app);
    assert!(t.contains("192.0.2.11 has priority 100, higher than 192.0.2.12's 90"), "{t}");
    app.goto(43, clock.at(0));
    let t = explain(&mut app);
    assert!(t.contains("sent one advert with priority 0"), "{t}");
    assert!(t.contains("Skew_Time = (256 − 90) / 256 s = 0.648 s"), "{t}");
    app.goto(5, clock.at(0));
    let t = explain(&mut app);
    assert!(t.contains("split brain") && t.contains("did not hear each other"), "{t}");
    // An ordinary advert, a GARP, a field, a finding, a band.
    app.goto(1, clock.at(0));
    assert!(explain(&mut app).contains("is master of VRID 51 and says so every 1.000 s"));
    app.goto(19, clock.at(0));
    assert!(explain(&mut app).contains("gratuitous ARP"));
    keys(&mut app, &clock, 0, "\t");
    app.goto(18, clock.at(0));
    let prio = app.tree.rows().iter().position(|r| app.tree.node(&r.path).unwrap().name == "vrrp.prio");
    app.tree.selected = prio.unwrap();
    let t = explain(&mut app);
    assert!(t.contains("a backup with priority 90 would wait") && t.contains("3.648 s"), "{t}");
    keys(&mut app, &clock, 0, "\t\t\t");
    assert!(explain(&mut app).contains("Likely cause"));
    keys(&mut app, &clock, 0, "\t\t\t\t");
    assert_eq!(app.focus, Pane::Timeline);
    app.goto(2, clock.at(0));
    assert!(explain(&mut app).contains("(MAC 02:00:00:00:00:0b) in VRID 51: master for"));
    keys(&mut app, &clock, 0, "e");
    assert!(matches!(app.popup, Some(Popup::Explain { .. })));
    keys(&mut app, &clock, 0, "\x1b");
    assert!(app.popup.is_none());
}

#[test]
fn help_lists_every_key() {
    let help = crate::tui::ui::help_text();
    for b in crate::tui::action::BINDINGS {
        for k in b.keys {
            assert!(help.contains(&k.label()), "{} missing", k.label());
        }
        assert!(help.contains(b.help), "{} missing", b.help);
    }
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, "?");
    assert_eq!(app.popup, Some(Popup::Help { scroll: 0 }));
    keys(&mut app, &clock, 0, "jjq");
    assert!(app.popup.is_none() && !app.quit, "q closes the pop-up first");
    keys(&mut app, &clock, 0, "q");
    assert!(app.quit);
}

#[test]
fn end_follows_the_newest_packet() {
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, "...");
    assert!(app.in_replay());
    press(&mut app, &clock, 0, KeyCode::End);
    assert!(!app.in_replay());
    assert_eq!(selected(&app), 51);
    assert!(app.list.follow);
    keys(&mut app, &clock, 0, "k");
    assert!(!app.list.follow);
}

#[test]
fn timeline_keys_walk_a_band() {
    let (mut app, clock) = app();
    keys(&mut app, &clock, 0, "\t\t\tj");
    assert_eq!(app.focus, Pane::Timeline);
    assert_eq!(app.bands()[app.timeline.band], (0, 1), "the second band: 192.0.2.12");
    keys(&mut app, &clock, 0, "l");
    assert_eq!(selected(&app), 19, "its first advert");
    keys(&mut app, &clock, 0, "l");
    assert_eq!(selected(&app), 20, "then its first GARP");
    keys(&mut app, &clock, 0, "h");
    assert_eq!(selected(&app), 19);
    keys(&mut app, &clock, 0, "z");
    let (from, to) = app.timeline.window.unwrap();
    assert!(from <= app.frames.micros(18) && app.frames.micros(18) <= to);
    keys(&mut app, &clock, 0, "Z");
    assert_eq!(app.timeline.window, None);
    keys(&mut app, &clock, 0, "c");
    assert!(status(&app).contains("only be injected into a simulation"));
    assert!(app.status.as_ref().unwrap().error);
}

#[test]
fn rows_are_coloured_by_router() {
    let (mut app, _) = app();
    let c11 = app.analysis.colour_of(crate::analyze::testutil::ip(11)).unwrap();
    let c12 = app.analysis.colour_of(crate::analyze::testutil::ip(12)).unwrap();
    assert_ne!(c11, c12);
    assert_eq!(crate::tui::ui::row_style(&mut app, 0).fg, app.theme.router(c11).fg);
    assert_eq!(crate::tui::ui::row_style(&mut app, 18).fg, app.theme.router(c12).fg);
    // .12's GARPs carry its colour too.
    assert_eq!(crate::tui::ui::row_style(&mut app, 19).fg, app.theme.router(c12).fg);
    assert_eq!(crate::tui::ui::row_style(&mut app, 2).fg, app.theme.base.fg);
    let dark = app.theme.clone();
    keys(&mut app, &Clock::new(), 0, "t");
    assert_ne!(app.theme, dark);
    keys(&mut app, &Clock::new(), 0, "t");
    assert_eq!(app.theme, dark);
}
