//! Tracking scripts: the rise/fall counter keepalived keeps per script
//! (`vrrp_script_child_thread`) and the weight arithmetic each tracking
//! instance applies (`process_script_update_priority`).

use super::config::ScriptConfig;
use crate::engine::Outputs;

/// A script's state shared by every instance tracking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptState {
    /// keepalived's `result`: 0..rise-1 means down, rise..rise+fall-1 up.
    result: u32,
    /// No result yet (`SCRIPT_INIT_STATE_INIT`).
    init: bool,
    last_status: i32,
}

/// A script whose verdict changed: tracking instances must update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub ok: bool,
    /// It was the script's first result.
    pub first: bool,
}

impl ScriptState {
    pub fn new(cfg: &ScriptConfig) -> ScriptState {
        // "one success is enough" at start
        ScriptState { result: cfg.rise - 1, init: true, last_status: 0 }
    }

    pub fn is_init(&self) -> bool {
        self.init
    }

    /// Whether the script currently counts as up.
    pub fn is_up(&self, cfg: &ScriptConfig) -> bool {
        !self.init && self.result >= cfg.rise
    }

    /// A run exited with `status`. Returns the new verdict when it changes,
    /// and logs as keepalived does.
    pub fn exited(&mut self, cfg: &ScriptConfig, status: i32, out: &mut Outputs) -> Option<Verdict> {
        let name = &cfg.name;
        if status != self.last_status {
            out.log(format!("Script `{name}` now returning {status}"));
        }
        self.last_status = status;
        let (rise, fall) = (cfg.rise, cfg.fall);
        let first = self.init;
        let mut verdict = None;
        if status == 0 {
            if self.result < rise - 1 {
                self.result += 1;
            } else if self.result != rise + fall - 1 {
                if self.result < rise {
                    out.log(format!("VRRP_Script({name}) succeeded"));
                    verdict = Some(Verdict { ok: true, first });
                }
                self.result = rise + fall - 1;
            }
        } else if self.result > rise {
            self.result -= 1;
        } else {
            if self.result == rise || self.init {
                out.log(format!("VRRP_Script({name}) failed (exited with status {status})"));
                verdict = Some(Verdict { ok: false, first });
            }
            self.result = 0;
        }
        self.init = false;
        verdict
    }
}

/// The change a verdict makes to an instance's total priority, for a
/// weighted tracker (`weight` ≠ 0; `reverse` flips the sign).
pub fn priority_delta(weight: i32, reverse: bool, v: Verdict) -> i32 {
    let mult = if reverse { -1 } else { 1 };
    if v.first {
        // Before the first result nothing was counted: only the state the
        // script is now in adjusts the priority.
        match (v.ok, weight > 0) {
            (true, true) | (false, false) => weight * mult,
            _ => 0,
        }
    } else if v.ok {
        weight.abs() * mult
    } else {
        -weight.abs() * mult
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn cfg(rise: u32, fall: u32) -> ScriptConfig {
        ScriptConfig { name: "chk".into(), interval_us: 1_000_000, weight: -30, rise, fall }
    }

    fn run(s: &mut ScriptState, c: &ScriptConfig, statuses: &[i32]) -> (Vec<Option<bool>>, Vec<String>) {
        let mut out = Outputs::new();
        let v = statuses.iter().map(|&st| s.exited(c, st, &mut out).map(|v| v.ok)).collect();
        let logs = out.notes.into_iter().map(|n| format!("{n:?}")).collect();
        (v, logs)
    }

    #[test]
    fn first_result_always_counts() {
        let c = cfg(3, 2);
        let mut s = ScriptState::new(&c);
        assert_eq!(run(&mut s, &c, &[0]).0, [Some(true)]);
        let mut s = ScriptState::new(&c);
        let (v, logs) = run(&mut s, &c, &[1]);
        assert_eq!(v, [Some(false)]);
        assert!(logs[0].contains("Script `chk` now returning 1"));
        assert!(logs[1].contains("VRRP_Script(chk) failed (exited with status 1)"));
    }

    #[test]
    fn fall_and_rise_count_consecutive_results() {
        let c = cfg(3, 2);
        let mut s = ScriptState::new(&c);
        // up, then one failure is not enough (fall 2), the second is.
        assert_eq!(run(&mut s, &c, &[0, 1, 1]).0, [Some(true), None, Some(false)]);
        assert!(!s.is_up(&c));
        // rise 3: three successes.
        assert_eq!(run(&mut s, &c, &[0, 0, 0]).0, [None, None, Some(true)]);
        assert!(s.is_up(&c));
        // a success in between resets the fall count.
        assert_eq!(run(&mut s, &c, &[1, 0, 1, 1]).0, [None, None, None, Some(false)]);
    }

    #[test]
    fn weights() {
        let first_ok = Verdict { ok: true, first: true };
        let first_fail = Verdict { ok: false, first: true };
        let later_ok = Verdict { ok: true, first: false };
        let later_fail = Verdict { ok: false, first: false };
        assert_eq!(priority_delta(20, false, first_ok), 20);
        assert_eq!(priority_delta(20, false, first_fail), 0);
        assert_eq!(priority_delta(-30, false, first_ok), 0);
        assert_eq!(priority_delta(-30, false, first_fail), -30);
        assert_eq!(priority_delta(-30, false, later_fail), -30);
        assert_eq!(priority_delta(-30, false, later_ok), 30);
        assert_eq!(priority_delta(20, true, later_ok), -20);
    }
}
