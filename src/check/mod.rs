//! Expectations over the analyzer's Timeline and Findings, for CI.
//!
//! An expectation is a kind and `key=value` pairs, written on the command
//! line (`--expect 'failover vrid=51 to=192.0.2.12 within=4s'`, see
//! [`parse`]) or as `[[expect]]` tables in a TOML file ([`file`]). Each is
//! evaluated on a [`Report`](crate::analyze::report::Report) ([`eval`]) to a
//! [`Verdict`]: passed or not, what was seen, and the evidence frames, which
//! [`output`] prints as text or JSON lines and [`junit`] as JUnit XML.
//!
//! The kinds, with their keys (`[..]` optional):
//! - `master [vrid= family= version=] initial=IP` — the first master seen is IP.
//! - `failover [vrid= family= version= to=IP from=IP cause=resign|timeout|preempt within=D]` —
//!   some router took over from another, matching the keys given; with
//!   `within`, its takeover time (`takeover_s`: from the trigger — the old
//!   master's priority-0 advert, or its last advert before it went silent —
//!   to the new master's first advert) is at most D.
//! - `takeover [vrid= family= version=] max=D` — there was a takeover, and
//!   every one whose time the analyzer measured took at most D.
//! - `no-split-brain [vrid= family= version=]`, `split-brain [...]`.
//! - `garp-after-takeover [vrid= family= router=IP within=D count OP N]` —
//!   there was a takeover, and each was followed by GARPs: the first within
//!   D, N of them (see [`findings`] for what the analyzer reports).
//! - `final-master [vrid= family= version=] is=IP` — the master at the end.
//! - `no-findings [vrid= family= severity OP info|warn|error kind=K]` — no
//!   finding at that severity (default `severity>=warn`).
//!
//! Durations: `4s`, `1.5s`, `3500ms`, `250us`. Comparisons (`count`,
//! `severity`): `=`, `>=`, `<=`, `>`, `<`. A router address also limits the
//! expectation to its family, so `to=192.0.2.12` ignores IPv6 VRID 51.

mod build;
pub mod eval;
pub mod expect;
pub mod file;
pub mod findings;
pub mod junit;
pub mod output;
pub mod parse;

pub use eval::{evaluate, Verdict};
pub use expect::{Check, Compare, Expectation, Kind, Op, Scope};
pub use file::{parse_file, FileError};
pub use parse::ParseError;

#[cfg(test)]
mod tests;
