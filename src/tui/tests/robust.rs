//! Whatever the keys, the capture or the terminal size, the UI does not panic.

use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use proptest::prelude::*;

fn any_key() -> impl Strategy<Value = KeyEvent> {
    let chars: Vec<char> = "jkgGhl .,<>+-=[]nNezZtsc rb/?qxvrp0129".chars().collect();
    prop_oneof![
        proptest::sample::select(chars).prop_map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        proptest::sample::select(vec![
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::End,
            KeyCode::Home,
            KeyCode::PageDown,
            KeyCode::PageUp,
            KeyCode::Backspace,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Left,
            KeyCode::Right,
        ])
        .prop_map(|c| KeyEvent::new(c, KeyModifiers::NONE)),
        Just(KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL)),
    ]
}

/// Frames of random bytes, some starting like real ones.
fn odd_frames(seeds: Vec<(u8, Vec<u8>)>) -> Vec<Frame> {
    let story = story();
    seeds
        .into_iter()
        .enumerate()
        .map(|(i, (cut, noise))| {
            let mut f = story[i % story.len()].clone();
            let keep = usize::from(cut) % (f.data.len() + 1);
            f.data.truncate(keep);
            f.data.extend(noise);
            f.ts = crate::capture::Timestamp::from_micros(T0 + i as i64 * 10_000);
            f
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn keys_never_break_the_ui(keys in proptest::collection::vec(any_key(), 1..60), odd in any::<bool>(),
                               seeds in proptest::collection::vec((any::<u8>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..30)) {
        let frames = if odd { odd_frames(seeds) } else { story() };
        let clock = Clock::new();
        let mut app = App::new(Box::new(MemFeed::new(frames)), Theme::dark());
        app.tick(clock.at(0));
        for (i, k) in keys.iter().enumerate() {
            let ms = i as u64 * 700;
            app.key(*k, clock.at(ms));
            app.tick(clock.at(ms + 350));
            let (w, h) = [(160, 48), (80, 24), (24, 6), (1, 1)][i % 4];
            screen(&mut app, w, h);
            if app.quit {
                break;
            }
        }
    }
}

#[test]
fn an_empty_capture_shows_empty_panes() {
    let clock = Clock::new();
    let mut app = App::new(Box::new(MemFeed::new(vec![])), Theme::light());
    app.tick(clock.at(0));
    for c in ". , > n ] e z c".split(' ') {
        app.key(KeyEvent::new(KeyCode::Char(c.chars().next().unwrap()), KeyModifiers::NONE), clock.at(0));
    }
    snapshot("screen_empty", &text(&screen(&mut app, 100, 24)));
}
