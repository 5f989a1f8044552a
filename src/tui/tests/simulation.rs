//! `--sim`: frames appear as virtual time passes, the bands show the
//! instances' real states, faults from the keyboard change the election.

use super::*;
use crate::analyze::report::{Cause, TimelineEvent};
use crate::tui::app::Pane;
use crate::tui::bands::State;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn key(app: &mut App, clock: &Clock, ms: u64, c: char) {
    let code = if c == '\t' { KeyCode::Tab } else { KeyCode::Char(c) };
    app.key(KeyEvent::new(code, KeyModifiers::NONE), clock.at(ms));
}

/// The master changes: (router's last octet, cause).
fn masters(app: &App) -> Vec<(u8, Cause)> {
    app.analysis
        .report
        .timeline
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Master { router: std::net::IpAddr::V4(a), cause, .. } => Some((a.octets()[3], *cause)),
            _ => None,
        })
        .collect()
}

const EPOCH_US: i64 = crate::sim::log::EPOCH_SECS * 1_000_000;

#[test]
fn frames_come_as_virtual_time_passes() {
    let (mut app, clock) = sim_app("master-crash");
    assert!(app.is_simulation() && app.in_replay());
    assert_eq!(app.frames.len(), 0);
    app.tick(clock.at(5_000));
    let n = app.frames.len();
    assert!(n > 0);
    assert!((0..n).all(|i| app.frames.micros(i) <= EPOCH_US + 5_000_000));
    assert_eq!(app.list.selected, Some(n - 1), "the newest frame is selected");
    // The bands know the backup although it never advertised.
    let vr = &app.analysis.bands.vrs[0];
    let states: Vec<Option<State>> = vr.routers.iter().map(|r| r.state_at(EPOCH_US + 5_000_000)).collect();
    assert_eq!(states, [Some(State::Master), Some(State::Backup)]);
    assert!(vr.routers[1].runs.is_empty());
    snapshot("sim_timeline_5s", &text(&screen(&mut app, 120, 40)));
}

#[test]
fn the_scenario_pauses_at_its_end_then_runs_on() {
    let (mut app, clock) = sim_app("master-crash");
    app.tick(clock.at(3_600_000));
    assert!(!app.replay.playing);
    assert_eq!(app.replay.at, EPOCH_US + 20_000_000);
    assert_eq!(masters(&app), [(11, Cause::Initial), (12, Cause::Timeout)]);
    assert!(app.status.as_ref().unwrap().text.contains("the scenario is over"));
    key(&mut app, &clock, 3_600_000, ' ');
    app.tick(clock.at(3_605_000));
    assert!(app.replay.playing, "the end pauses only once");
    assert_eq!(app.replay.at, EPOCH_US + 25_000_000);
}

#[test]
fn steps_run_the_simulation_one_frame_at_a_time() {
    let (mut app, clock) = sim_app("election");
    key(&mut app, &clock, 0, ' ');
    assert!(!app.replay.playing);
    key(&mut app, &clock, 0, '.');
    assert_eq!(app.visible(), 1, "one frame shown");
    let first = app.frames.micros(0);
    key(&mut app, &clock, 0, '.');
    // One event can put several frames on the wire (an advert and its GARPs).
    let made = app.frames.len();
    assert!(made >= 2);
    assert_eq!((app.visible(), app.list.selected), (2, Some(1)));
    // Stepping back hides the newest; stepping on shows it again without running the world.
    key(&mut app, &clock, 0, ',');
    assert_eq!(app.visible(), 1);
    assert_eq!(app.replay.at, first);
    key(&mut app, &clock, 0, '.');
    assert_eq!((app.visible(), app.frames.len()), (2, made));
}

#[test]
fn a_crash_from_the_keyboard_moves_the_master() {
    let (mut app, clock) = sim_app("election");
    app.tick(clock.at(6_000));
    assert_eq!(masters(&app), [(11, Cause::Initial)]);
    // The timeline's first band is 192.0.2.11, node n1.
    for _ in 0..3 {
        key(&mut app, &clock, 6_000, '\t');
    }
    assert_eq!(app.focus, Pane::Timeline);
    key(&mut app, &clock, 6_000, 'c');
    let status = app.status.clone().unwrap();
    assert!(!status.error && status.text.starts_with("n1: keepalived crashes"), "{status:?}");
    app.tick(clock.at(12_000));
    assert_eq!(masters(&app), [(11, Cause::Initial), (12, Cause::Timeout)]);
    let r11 = &app.analysis.bands.vrs[0].routers[0];
    assert_eq!(r11.state_at(EPOCH_US + 11_000_000), Some(State::Init));
    // Started again, the higher priority takes the address back.
    key(&mut app, &clock, 12_000, 'r');
    app.tick(clock.at(19_000));
    assert_eq!(masters(&app), [(11, Cause::Initial), (12, Cause::Timeout), (11, Cause::Preempt)]);
    // Blocking VRRP on the backup makes it a second master.
    key(&mut app, &clock, 19_000, 'j');
    key(&mut app, &clock, 19_000, 'b');
    assert!(app.status.as_ref().unwrap().text.starts_with("n2: inbound VRRP blocked"));
    // The scenario ends at 20 s; play on past it.
    app.tick(clock.at(21_000));
    assert!(!app.replay.playing);
    key(&mut app, &clock, 21_000, ' ');
    app.tick(clock.at(30_000));
    assert!(app.analysis.report.timeline.iter().any(|e| matches!(e, TimelineEvent::SplitBrainStart { .. })));
}
