//! Expectations over the analyzer's Timeline and Findings, for CI.
//!
//! An expectation is a kind and `key=value` pairs, written on the command
//! line (`--expect 'failover vrid=51 to=192.0.2.12 within=4s'`, see
//! [`parse`]) or as `[[expect]]` tables in a TOML file ([`file`](mod@file)). Each is
//! evaluated on a [`Report`](crate::analyze::report::Report) ([`eval`]) to a
//! [`Verdict`]: passed or not, what was seen, and the evidence frames, which
//! [`output`] prints as text or JSON lines and [`junit`] as JUnit XML.
//!
//! The kinds, with their keys (`[..]` optional; [`HELP`] is the summary the
//! command line shows):
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

/// The language in brief, for `vrrplab check --help`.
pub const HELP: &str = "\
Expectations:
  One per --expect: a kind, then key=value words ([..] optional). vrid=N,
  family=ipv4|ipv6 and version=2|3 limit any kind to some virtual routers
  (no-findings takes no version); a router address limits it to its family.

  master initial=IP             the first master seen is IP
  failover [to=IP] [from=IP] [cause=resign|timeout|preempt] [within=D]
                                a router took over from another; with within,
                                in at most D from the old master's priority-0
                                or last advert to the new master's first
  takeover max=D                there was a takeover, and each measured one
                                took at most D
  no-split-brain, split-brain   two routers were (not) master at once
  garp-after-takeover [router=IP] [within=D] [count OP N]
                                there was a takeover, and each was followed by
                                gratuitous ARPs: the first within D, N of them
                                within D (N in all without within)
  final-master is=IP            IP is master when the capture ends
  no-findings [severity OP info|warn|error] [kind=K]
                                `vrrplab analyze` reports no such finding
                                (default severity>=warn)

  Durations: 4s, 1.5s, 3500ms, 250us, compared to the microsecond.
  OP: =, >=, <=, >, <.
  --expect-file reads [[expect]] tables with kind = \"...\" and the same keys,
  a comparison at the start of the string: count = \">=5\".

Example:
  vrrplab check failover.pcap --junit report.xml \\
    --expect 'failover vrid=51 to=192.0.2.12 within=4s'

Exit status: 0 every expectation held, 1 one failed, 2 an error.";

#[cfg(test)]
mod tests;
