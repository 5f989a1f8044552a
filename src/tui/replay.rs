//! The replay clock: capture time that moves with the wall clock, times a
//! speed, while playing. The caller passes the wall-clock instant in, so
//! tests drive the clock by hand.

use std::time::Instant;

/// Replay speeds: 1/16× to 1024×, doubling.
const SPEEDS: [f64; 15] = [0.0625, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0];
const ONE: usize = 4;

#[derive(Debug, Clone)]
pub struct Replay {
    /// How many frames are revealed while replaying; `None` when every
    /// frame the feed gave is shown.
    pub shown: Option<usize>,
    pub playing: bool,
    speed: usize,
    /// The capture time reached, µs since the epoch.
    pub at: i64,
    /// The wall-clock instant and capture time at which playing last
    /// (re)started: `at` is computed from them, so it does not drift.
    anchor: Option<(Instant, i64)>,
}

impl Default for Replay {
    fn default() -> Replay {
        Replay { shown: None, playing: false, speed: ONE, at: 0, anchor: None }
    }
}

impl Replay {
    pub fn speed(&self) -> f64 {
        SPEEDS[self.speed]
    }

    /// Moves `at` to where the wall clock says; returns it.
    pub fn advance(&mut self, now: Instant) -> i64 {
        if let (true, Some((wall, from))) = (self.playing, self.anchor) {
            let elapsed = now.saturating_duration_since(wall).as_secs_f64();
            self.at = from + (elapsed * self.speed() * 1e6) as i64;
        }
        self.at
    }

    pub fn play(&mut self, now: Instant) {
        self.playing = true;
        self.anchor = Some((now, self.at));
    }

    pub fn pause(&mut self, now: Instant) {
        self.advance(now);
        self.playing = false;
        self.anchor = None;
    }

    /// Jumps to capture time `us`, playing on from there if playing.
    pub fn set_at(&mut self, us: i64, now: Instant) {
        self.at = us;
        if self.playing {
            self.anchor = Some((now, us));
        }
    }

    fn set_speed(&mut self, i: usize, now: Instant) {
        self.advance(now);
        self.speed = i;
        if self.playing {
            self.anchor = Some((now, self.at));
        }
    }

    pub fn faster(&mut self, now: Instant) {
        self.set_speed((self.speed + 1).min(SPEEDS.len() - 1), now);
    }

    pub fn slower(&mut self, now: Instant) {
        self.set_speed(self.speed.saturating_sub(1), now);
    }

    /// `1×`, `1/4×`, `64×`.
    pub fn speed_label(&self) -> String {
        let s = self.speed();
        if s >= 1.0 {
            format!("{s}×")
        } else {
            format!("1/{}×", (1.0 / s).round())
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use std::time::Duration;

    #[test]
    fn time_moves_only_while_playing_and_with_the_speed() {
        let t0 = Instant::now();
        let mut r = Replay { at: 1_000_000, ..Replay::default() };
        assert_eq!(r.advance(t0 + Duration::from_secs(5)), 1_000_000);
        r.play(t0);
        assert_eq!(r.advance(t0 + Duration::from_millis(500)), 1_500_000);
        r.faster(t0 + Duration::from_millis(500));
        assert_eq!(r.speed_label(), "2×");
        assert_eq!(r.advance(t0 + Duration::from_millis(1500)), 3_500_000);
        r.pause(t0 + Duration::from_millis(2000));
        assert_eq!(r.at, 4_500_000);
        assert_eq!(r.advance(t0 + Duration::from_secs(60)), 4_500_000);
        for _ in 0..10 {
            r.slower(t0);
        }
        assert_eq!(r.speed_label(), "1/16×");
        r.set_at(7, t0);
        assert_eq!(r.at, 7);
    }
}
