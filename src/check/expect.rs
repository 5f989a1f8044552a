//! What an expectation says, independent of how it was written (`--expect`
//! text or an `[[expect]]` table). `Display` gives the canonical text, which
//! is what every report prints as "what was expected".

use crate::analyze::report::{Cause, Family, Severity};
use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// The kinds of expectation, with the keys each one takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Master,
    Failover,
    Takeover,
    NoSplitBrain,
    SplitBrain,
    GarpAfterTakeover,
    FinalMaster,
    NoFindings,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Master,
        Kind::Failover,
        Kind::Takeover,
        Kind::NoSplitBrain,
        Kind::SplitBrain,
        Kind::GarpAfterTakeover,
        Kind::FinalMaster,
        Kind::NoFindings,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Master => "master",
            Kind::Failover => "failover",
            Kind::Takeover => "takeover",
            Kind::NoSplitBrain => "no-split-brain",
            Kind::SplitBrain => "split-brain",
            Kind::GarpAfterTakeover => "garp-after-takeover",
            Kind::FinalMaster => "final-master",
            Kind::NoFindings => "no-findings",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The keys this kind accepts. `no-findings` has no `version`: findings
    /// do not carry the VRRP version.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Kind::Master => &["vrid", "family", "version", "initial"],
            Kind::Failover => &["vrid", "family", "version", "to", "from", "cause", "within"],
            Kind::Takeover => &["vrid", "family", "version", "max"],
            Kind::NoSplitBrain | Kind::SplitBrain => &["vrid", "family", "version"],
            Kind::GarpAfterTakeover => &["vrid", "family", "version", "router", "within", "count"],
            Kind::FinalMaster => &["vrid", "family", "version", "is"],
            Kind::NoFindings => &["vrid", "family", "severity", "kind"],
        }
    }

    /// Every kind name, for error messages.
    pub fn names() -> String {
        Kind::ALL.map(Kind::name).join(", ")
    }
}

/// Which virtual routers an expectation looks at. `None` means any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scope {
    pub vrid: Option<u8>,
    /// As written; an expectation naming a router address is also limited to
    /// that address's family (see [`Expectation::family`]).
    pub family: Option<Family>,
    pub version: Option<u8>,
}

/// A comparison operator of `count>=5` or `severity>=warn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ge,
    Le,
    Gt,
    Lt,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Lt => "<",
        }
    }
}

/// `op value`, e.g. `>=5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compare<T> {
    pub op: Op,
    pub value: T,
}

impl<T: Ord> Compare<T> {
    pub fn holds(&self, seen: &T) -> bool {
        let ord = seen.cmp(&self.value);
        match self.op {
            Op::Eq => ord.is_eq(),
            Op::Ge => ord.is_ge(),
            Op::Le => ord.is_le(),
            Op::Gt => ord.is_gt(),
            Op::Lt => ord.is_lt(),
        }
    }
}

/// What must hold, per kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The first master seen is `initial`.
    Master {
        initial: IpAddr,
    },
    /// Some router became master after another one (cause resign, timeout or
    /// preempt), matching every key given; with `within`, its `takeover_s`
    /// (from the trigger to its first advert) is at most `within`.
    Failover {
        to: Option<IpAddr>,
        from: Option<IpAddr>,
        cause: Option<Cause>,
        within: Option<Duration>,
    },
    /// At least one takeover happened and every measured one took at most `max`.
    Takeover {
        max: Duration,
    },
    NoSplitBrain,
    SplitBrain,
    /// There was a takeover, and each was followed by GARPs (as the
    /// analyzer's `garp_after_takeover` and `garp_missing` findings report
    /// them): the first at most `within` after the takeover advert, and
    /// `count` of them within `within` (or in all, without `within`).
    GarpAfterTakeover {
        router: Option<IpAddr>,
        within: Option<Duration>,
        count: Option<Compare<u64>>,
    },
    /// The master at the end of the capture is `is`.
    FinalMaster {
        is: IpAddr,
    },
    /// No finding at the given severity (and of the given kind).
    NoFindings {
        severity: Compare<Severity>,
        kind: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    pub scope: Scope,
    pub check: Check,
}

impl Check {
    pub fn kind(&self) -> Kind {
        match self {
            Check::Master { .. } => Kind::Master,
            Check::Failover { .. } => Kind::Failover,
            Check::Takeover { .. } => Kind::Takeover,
            Check::NoSplitBrain => Kind::NoSplitBrain,
            Check::SplitBrain => Kind::SplitBrain,
            Check::GarpAfterTakeover { .. } => Kind::GarpAfterTakeover,
            Check::FinalMaster { .. } => Kind::FinalMaster,
            Check::NoFindings { .. } => Kind::NoFindings,
        }
    }

    /// The router addresses the check names; they fix the address family.
    pub fn addresses(&self) -> Vec<IpAddr> {
        match self {
            Check::Master { initial: a } | Check::FinalMaster { is: a } => vec![*a],
            Check::Failover { to, from, .. } => to.iter().chain(from).copied().collect(),
            Check::GarpAfterTakeover { router, .. } => router.iter().copied().collect(),
            Check::Takeover { .. }
            | Check::NoSplitBrain
            | Check::SplitBrain
            | Check::NoFindings { .. } => vec![],
        }
    }
}

impl Expectation {
    pub fn kind(&self) -> Kind {
        self.check.kind()
    }

    /// The family in effect: as written, else that of the router address the
    /// expectation names (`to=192.0.2.12` only looks at IPv4 virtual routers).
    pub fn family(&self) -> Option<Family> {
        self.scope
            .family
            .or_else(|| self.check.addresses().first().map(|a| family_of(*a)))
    }
}

pub fn family_of(addr: IpAddr) -> Family {
    match addr {
        IpAddr::V4(_) => Family::Ipv4,
        IpAddr::V6(_) => Family::Ipv6,
    }
}

/// `4s`, `3500ms`, `250us`: the largest unit that writes the value whole.
pub fn fmt_duration(d: Duration) -> String {
    let us = d.as_micros();
    if us % 1_000_000 == 0 {
        format!("{}s", us / 1_000_000)
    } else if us % 1000 == 0 {
        format!("{}ms", us / 1000)
    } else {
        format!("{us}us")
    }
}

pub fn cause_name(c: Cause) -> &'static str {
    match c {
        Cause::Initial => "initial",
        Cause::Resign => "resign",
        Cause::Timeout => "timeout",
        Cause::Preempt => "preempt",
    }
}

pub fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warn => "warn",
        Severity::Error => "error",
    }
}

impl Expectation {
    /// The `key=value` words of the canonical text, scope first.
    fn words(&self) -> Vec<String> {
        let Scope {
            vrid,
            family,
            version,
        } = self.scope;
        let mut w = vec![];
        let mut key = |k: &str, v: Option<String>| w.extend(v.map(|v| format!("{k}={v}")));
        key("vrid", vrid.map(|v| v.to_string()));
        key("family", family.map(|f| f.name().to_string()));
        key("version", version.map(|v| v.to_string()));
        let addr = |a: &Option<IpAddr>| a.map(|a| a.to_string());
        match &self.check {
            Check::Master { initial } => key("initial", Some(initial.to_string())),
            Check::Failover {
                to,
                from,
                cause,
                within,
            } => {
                key("to", addr(to));
                key("from", addr(from));
                key("cause", cause.map(|c| cause_name(c).to_string()));
                key("within", within.map(fmt_duration));
            }
            Check::Takeover { max } => key("max", Some(fmt_duration(*max))),
            Check::NoSplitBrain | Check::SplitBrain => {}
            Check::GarpAfterTakeover {
                router,
                within,
                count,
            } => {
                key("router", addr(router));
                key("within", within.map(fmt_duration));
                w.extend(count.map(|c| format!("count{}{}", c.op.symbol(), c.value)));
            }
            Check::FinalMaster { is } => key("is", Some(is.to_string())),
            Check::NoFindings { severity, kind } => {
                w.push(format!(
                    "severity{}{}",
                    severity.op.symbol(),
                    severity_name(severity.value)
                ));
                w.extend(kind.as_ref().map(|k| format!("kind={k}")));
            }
        }
        w
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind().name())?;
        self.words().iter().try_for_each(|w| write!(f, " {w}"))
    }
}
