//! Every pane alone, and whole screens, as text; colours where they carry
//! meaning (the lit bytes, the invalid filter, the bands).

use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn part(app: &mut App, name: &str, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| crate::tui::ui::draw_part(f, app, name)).unwrap();
    t.backend().buffer().clone()
}

fn type_keys(app: &mut App, clock: &Clock, s: &str) {
    for c in s.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        let mods = if c.is_ascii_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
        app.key(KeyEvent::new(code, mods), clock.at(0));
    }
}

/// The story at the takeover by .12 (frame 19), `vrrp.prio` selected in the fields.
fn at_takeover() -> (App, Clock) {
    let (mut app, clock) = app();
    app.goto(18, clock.at(0));
    app.focus = crate::tui::app::Pane::Tree;
    app.tree.selected = app.tree.rows().iter().position(|r| app.tree.node(&r.path).unwrap().name == "vrrp.prio").unwrap();
    (app, clock)
}

#[test]
fn whole_screen_at_start() {
    let (mut app, _) = app();
    snapshot("screen_start", &text(&screen(&mut app, 160, 48)));
}

#[test]
fn whole_screen_small_terminal_light_theme() {
    let (mut app, clock) = at_takeover();
    type_keys(&mut app, &clock, "t");
    snapshot("screen_small", &text(&screen(&mut app, 100, 30)));
}

#[test]
fn list_pane() {
    let (mut app, clock) = app();
    snapshot("list_start", &text(&part(&mut app, "list", 120, 10)));
    type_keys(&mut app, &clock, "/vrrp.virt_rtr_id == 52\n");
    app.goto(25, clock.at(0));
    snapshot("list_filtered", &text(&part(&mut app, "list", 120, 8)));
}

#[test]
fn tree_pane_with_a_field_selected() {
    let (mut app, _) = at_takeover();
    snapshot("tree_prio", &text(&part(&mut app, "tree", 90, 22)));
}

#[test]
fn hex_pane_lights_the_selected_fields_bytes() {
    let (mut app, _) = at_takeover();
    let buf = part(&mut app, "hex", 74, 7);
    snapshot("hex_prio", &text(&buf));
    // vrrp.prio is byte 36: line 2 (0x20), the fifth byte, "5a" (90).
    let hl = app.theme.highlight.bg;
    let cell = |x: u16, y: u16| &buf[(x, y)];
    let (x, y) = (1 + 6 + 4 * 3, 1 + 2);
    assert_eq!(format!("{}{}", cell(x, y).symbol(), cell(x + 1, y).symbol()), "5a");
    assert_eq!(cell(x, y).bg, hl.unwrap());
    assert_ne!(cell(x - 3, y).bg, hl.unwrap(), "the byte before is not lit");
}

#[test]
fn timeline_pane_whole_zoomed_and_mid_replay() {
    let (mut app, clock) = at_takeover();
    let buf = part(&mut app, "timeline", 100, 11);
    snapshot("timeline", &text(&buf));
    // A master cell of .12 has its colour; the cursor column is marked.
    let c12 = app.analysis.colour_of(crate::analyze::testutil::ip(12)).unwrap();
    let row = 3;
    let masters: Vec<u16> = (21..99).filter(|&x| buf[(x, row)].symbol() == "█").collect();
    assert!(!masters.is_empty());
    assert!(masters.iter().all(|&x| buf[(x, row)].fg == app.theme.router(c12).fg.unwrap()));
    assert!((21..99).any(|x| buf[(x, row)].bg == app.theme.cursor.bg.unwrap()));
    type_keys(&mut app, &clock, "z");
    snapshot("timeline_zoomed", &text(&part(&mut app, "timeline", 100, 11)));
    // Replay from the start to 9 s: nothing drawn after the present.
    let (mut app, clock) = super::app();
    type_keys(&mut app, &clock, " ");
    app.tick(clock.at(9_000));
    snapshot("timeline_replay", &text(&part(&mut app, "timeline", 100, 11)));
}

#[test]
fn findings_pane() {
    let (mut app, clock) = app();
    type_keys(&mut app, &clock, "\t\t\t\tjj");
    snapshot("findings", &text(&part(&mut app, "findings", 120, 12)));
}

#[test]
fn status_line_in_replay_and_with_an_invalid_filter() {
    let (mut app, clock) = app();
    type_keys(&mut app, &clock, "...+");
    snapshot("status_replay", &text(&part(&mut app, "status", 160, 1)));
    type_keys(&mut app, &clock, "/vrrp.prio >");
    let buf = part(&mut app, "status", 160, 1);
    snapshot("status_filter_invalid", &text(&buf));
    assert_eq!(buf[(1, 0)].symbol(), "v");
    assert_eq!(buf[(1, 0)].fg, app.theme.error.fg.unwrap(), "red while invalid");
    type_keys(&mut app, &clock, " 50");
    let buf = part(&mut app, "status", 160, 1);
    assert_eq!(buf[(1, 0)].fg, app.theme.ok.fg.unwrap());
}

#[test]
fn help_and_explain_popups() {
    let (mut app, clock) = app();
    type_keys(&mut app, &clock, "?");
    snapshot("popup_help", &text(&screen(&mut app, 160, 48)));
    type_keys(&mut app, &clock, "q]]]e");
    snapshot("popup_explain_timeout", &text(&screen(&mut app, 160, 48)));
}

/// `fixtures/tui/story.pcap` is the story, for the end-to-end test of the
/// binary (tests/tui_tmux.rs) and for trying the UI by hand.
#[test]
fn story_fixture_is_the_story() {
    let mut w = crate::capture::writer::PcapWriter::new(Vec::new(), crate::capture::LinkType::Ethernet, 65535, false).unwrap();
    for f in story() {
        w.write_frame(&f).unwrap();
    }
    let bytes = w.into_inner();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/tui/story.pcap");
    if std::env::var_os("VRRPLAB_BLESS").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert!(std::fs::read(&path).unwrap() == bytes, "{} is not the story; bless it", path.display());
}
