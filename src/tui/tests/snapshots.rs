//! Every pane, and whole screens, as text.

use super::*;

#[test]
fn whole_screen_at_start() {
    let (mut app, _) = app();
    snapshot("screen_start", &text(&screen(&mut app, 160, 48)));
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
