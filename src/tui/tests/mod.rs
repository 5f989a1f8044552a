//! Tests of the UI: a failover story as a capture, the app driven by keys
//! with a hand-moved clock, and every pane drawn on ratatui's TestBackend
//! and compared with `src/tui/snapshots/*.txt` (`VRRPLAB_BLESS=1` rewrites
//! them; review the diff before committing).

mod behaviour;
mod robust;
mod simulation;
mod snapshots;

use super::app::App;
use super::feed::Feed;
use super::store::Frames;
use super::theme::Theme;
use crate::analyze::testutil::{advert, advert_with, arp, every_second, garp, T0};
use crate::capture::Frame;
use etherparse::ArpOperation;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Frames from memory, all at once.
pub struct MemFeed {
    frames: Vec<Frame>,
    given: bool,
}

impl MemFeed {
    pub fn new(frames: Vec<Frame>) -> MemFeed {
        MemFeed { frames, given: false }
    }
}

impl Feed for MemFeed {
    fn pull(&mut self, _until: i64, store: &mut Frames) -> anyhow::Result<usize> {
        if self.given {
            return Ok(0);
        }
        self.given = true;
        for f in &self.frames {
            store.push(f);
        }
        Ok(self.frames.len())
    }
    fn finished(&self) -> bool {
        self.given
    }
    fn label(&self) -> String {
        "story.pcap".into()
    }
}

const S: i64 = 1_000_000;
const VIP52: [u8; 4] = [192, 0, 2, 200];

/// An advert for VRID 52 (VIP 192.0.2.200) from router `n`.
fn advert52(ts: i64, n: u8) -> Frame {
    advert_with(ts, n, 100, |r| {
        r.vrid = 52;
        r.addrs = vec![std::net::IpAddr::V4(VIP52.into())];
    })
}

/// Five gratuitous ARPs for the VIP from router `n`, 1 ms apart.
fn garps(at: i64, n: u8) -> Vec<Frame> {
    (0..5).map(|i| garp(at + 100 + i * 1000, n)).collect()
}

/// The story every test replays: on VRID 51 (192.0.2.100), 192.0.2.11
/// (priority 100) is master, crashes after its advert at 4 s; 192.0.2.12
/// (priority 90) takes over after Master_Down_Interval (3.648 s) with
/// GARPs; .11 comes back at 12.5 s and preempts; at 16.5 s it stops
/// gracefully (priority 0) and .12 takes over after Skew_Time (0.648 s).
/// On VRID 52 (192.0.2.200), .13 and .14 both advertise from 2 s to 9 s:
/// a split brain that ends when .14 stops. Plus one ordinary ARP exchange.
pub fn story() -> Vec<Frame> {
    let mdi_90 = 3 * S + 648_437;
    let skew_90 = 648_437;
    let mut f = every_second(11, 100, 0, 5 * S);
    let takeover = 4 * S + mdi_90;
    f.extend(every_second(12, 90, takeover, 12 * S));
    f.extend(garps(takeover, 12));
    f.extend(every_second(11, 100, 12_500_000, 16_500_000));
    f.extend(garps(12_500_000, 11));
    f.push(advert(16_500_000, 11, 0));
    f.extend(every_second(12, 90, 16_500_000 + skew_90, 20 * S));
    f.extend(garps(16_500_000 + skew_90, 12));
    for t in (2..12).map(|s| s * S) {
        f.push(advert52(t + 250_000, 13));
        if t < 9 * S {
            f.push(advert52(t + 500_000, 14));
        }
    }
    f.push(arp(1_300_000, 20, ArpOperation::REQUEST, [192, 0, 2, 20], [0; 6], [192, 0, 2, 100]));
    f.sort_by_key(|f| f.ts);
    f
}

/// The test clock: a fixed origin, moved by hand.
pub struct Clock(Instant);

impl Clock {
    pub fn new() -> Clock {
        Clock(Instant::now())
    }
    pub fn at(&self, ms: u64) -> Instant {
        self.0 + Duration::from_millis(ms)
    }
}

/// The story loaded in an app, first tick done.
pub fn app() -> (App, Clock) {
    let clock = Clock::new();
    let mut app = App::new(Box::new(MemFeed::new(story())), Theme::dark());
    app.tick(clock.at(0));
    (app, clock)
}

/// The buffer as text, one line per row, trailing spaces cut.
pub fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Draws the whole screen at `w`×`h`.
pub fn screen(app: &mut App, w: u16, h: u16) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| super::ui::draw(f, app)).unwrap();
    t.backend().buffer().clone()
}

/// Compares with `src/tui/snapshots/NAME.txt`, or rewrites it under `VRRPLAB_BLESS`.
pub fn snapshot(name: &str, got: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/tui/snapshots").join(format!("{name}.txt"));
    if std::env::var_os("VRRPLAB_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(got == want, "{name}: the screen differs from {}:\n{got}", path.display());
}

pub const T: i64 = T0;

/// A built-in scenario in the simulator, playing from virtual time 0.
pub fn sim_app(name: &str) -> (App, Clock) {
    let clock = Clock::new();
    let scenario = crate::scenario::builtin::get(name).unwrap();
    let (feed, _) = super::sim::SimFeed::new(format!("sim builtin:{name}"), &scenario, None).unwrap();
    let mut app = App::new(Box::new(feed), Theme::dark());
    app.start_playing(clock.at(0));
    app.tick(clock.at(0));
    (app, clock)
}
