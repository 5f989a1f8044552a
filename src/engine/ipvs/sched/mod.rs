//! The IPVS schedulers, each with the kernel's selection and tie rules
//! (`net/netfilter/ipvs/ip_vs_*.c`).
//!
//! A scheduler sees the service's destinations in kernel list order (newest
//! first, see [`super::dest`]) and picks one for a new connection, or none
//! (the kernel then logs "no destination available" and answers with ICMP
//! port unreachable). Weight 0 means quiesced: no new connections.

mod fo;
mod hashed;
mod lblc;
mod least;
mod mh;
mod rr;
mod twos;
mod wrr;

use super::dest::{DestId, Dests};
use super::hash::BucketHash;
use std::net::Ipv4Addr;

/// What a scheduler may look at in the packet that opens a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    pub saddr: Ipv4Addr,
    pub sport: u16,
    pub daddr: Ipv4Addr,
    pub dport: u16,
}

/// The scheduler flags of `ipvsadm -b` (`sh-fallback`, `sh-port`,
/// `mh-fallback`, `mh-port`; `flag-1..3` are the same bits by number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchedFlags {
    /// `flag-1`: sh-fallback / mh-fallback.
    pub fallback: bool,
    /// `flag-2`: sh-port / mh-port.
    pub port: bool,
    /// `flag-3`: no scheduler uses it.
    pub flag3: bool,
}

/// Everything a scheduler is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchedConfig {
    pub flags: SchedFlags,
    /// Which kernel generation's bucket hash `sh`, `dh`, `lblc`, `lblcr` use.
    pub hash: BucketHash,
    /// Seed of `twos`'s random numbers (the kernel's `prandom_u32`).
    pub seed: u64,
    /// When the service was created (timers of `lblc`/`lblcr` start here).
    pub now_us: u64,
}

/// The names `ipvsadm -s` and keepalived's `lb_algo` accept.
pub const NAMES: [&str; 14] =
    ["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos"];

pub trait Scheduler: Send {
    fn name(&self) -> &'static str;

    /// Picks a destination for a new connection.
    fn schedule(&mut self, dests: Dests<'_>, flow: &Flow, now_us: u64) -> Option<DestId>;

    /// What the kernel logs after `schedule` returned `None`.
    fn miss(&self) -> Miss {
        Miss::Service("no destination available")
    }

    /// A destination was added or edited; `dests` is the new list.
    fn dest_changed(&mut self, _dests: Dests<'_>) {}

    /// `id` left the list; it was at `old_index`, `dests` is the new list.
    fn dest_removed(&mut self, dests: Dests<'_>, _id: DestId, _old_index: usize) {
        self.dest_changed(dests);
    }

    /// When the scheduler's own timer (cache expiry) fires next.
    fn next_timer_us(&self) -> Option<u64> {
        None
    }

    fn on_timer(&mut self, _dests: Dests<'_>, _now_us: u64) {}
}

/// The scheduler named `name`, or `None` if the kernel has no such module.
pub fn new_scheduler(name: &str, config: &SchedConfig, dests: Dests<'_>) -> Option<Box<dyn Scheduler>> {
    let s: Box<dyn Scheduler> = match name {
        "rr" => Box::new(rr::RoundRobin::default()),
        "wrr" => Box::new(wrr::WeightedRoundRobin::new(dests)),
        "lc" => Box::new(least::Least::new(least::Rule::Lc)),
        "wlc" => Box::new(least::Least::new(least::Rule::Wlc)),
        "sed" => Box::new(least::Least::new(least::Rule::Sed)),
        "nq" => Box::new(least::Least::new(least::Rule::Nq)),
        "fo" => Box::new(fo::Highest::new(fo::Rule::Fo)),
        "ovf" => Box::new(fo::Highest::new(fo::Rule::Ovf)),
        "sh" => Box::new(hashed::Hashed::source(config, dests)),
        "dh" => Box::new(hashed::Hashed::destination(config, dests)),
        "mh" => Box::new(mh::Maglev::new(config, dests)),
        "lblc" => Box::new(lblc::Locality::lblc(config)),
        "lblcr" => Box::new(lblc::Locality::lblcr(config)),
        "twos" => Box::new(twos::TwoChoices::new(config.seed)),
        _ => return None,
    };
    Some(s)
}

/// The kernel log line of a scheduling miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// `ip_vs_scheduler_err(svc, msg)`: "IPVS: rr: TCP 192.0.2.100:80 - msg".
    Service(&'static str),
    /// A scheduler's own line without the service ("IPVS: NQ: no destination available").
    Bare(&'static str),
    /// Only a debug message, nothing in the log.
    Silent,
}

impl Miss {
    /// The line, for a scheduler `sched` of the service named `service`
    /// as the kernel names it ("TCP 192.0.2.100:80", "FWM 3 0x00000003").
    pub fn log_line(self, sched: &str, service: &str) -> Option<String> {
        match self {
            Miss::Service(msg) => Some(format!("IPVS: {sched}: {service} - {msg}")),
            Miss::Bare(msg) => Some(format!("IPVS: {msg}")),
            Miss::Silent => None,
        }
    }
}

/// Greatest common divisor of the positive weights (kernel `gcd`).
fn gcd_of(weights: impl Iterator<Item = i32>) -> i32 {
    fn gcd(mut a: i32, mut b: i32) -> i32 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    }
    weights.filter(|&w| w > 0).fold(0, |g, w| if g > 0 { gcd(w, g) } else { w })
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::dest::testkit::List;

    #[test]
    fn every_name_builds_a_scheduler_of_that_name() {
        let list = List::weighted(&[1, 2]);
        for name in NAMES {
            let s = new_scheduler(name, &SchedConfig::default(), list.dests()).expect(name);
            assert_eq!(s.name(), name);
        }
        assert!(new_scheduler("xx", &SchedConfig::default(), list.dests()).is_none());
    }

    #[test]
    fn gcd_ignores_zero_weights() {
        assert_eq!(gcd_of([4, 0, 6].into_iter()), 2);
        assert_eq!(gcd_of([0, 0].into_iter()), 0);
        assert_eq!(gcd_of([7].into_iter()), 7);
    }
}
