//! The in-kernel state of a director: services, their destinations, the
//! connection table, the timeouts and sysctls, and the timers that drive
//! expiry and rate estimation in virtual time.
//!
//! Configuration commands live in [`super::control`], packet hooks in
//! [`super::input`].

use super::conn::{Conn, ConnId, ConnTable};
use super::dest::{Dest, DestId, Dests};
use super::estimator::{self, Rates};
use super::hash::BucketHash;
use super::sched::Scheduler;
use super::service::{Service, ServiceKey, ServiceSpec};
use super::state::Timeouts;
use std::net::Ipv4Addr;

/// Build-time choices of the emulated kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelConfig {
    /// The bucket hash of sh/dh/lblc/lblcr (kernel generation).
    pub hash: BucketHash,
    /// Seed of `twos`.
    pub seed: u64,
    /// The director's own address: the source of IPIP tunnels and of the
    /// ICMP errors it sends.
    pub source: Ipv4Addr,
}

/// `/proc/sys/net/ipv4/vs/*` switches that change behaviour here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sysctls {
    /// 1: a packet for a deleted real server expires its connection (and is
    /// scheduled afresh); 0: such packets are silently dropped.
    pub expire_nodest_conn: bool,
    /// Templates of weight-0 servers stop matching.
    pub expire_quiescent_template: bool,
    /// Any non-RST TCP packet may create a connection.
    pub sloppy_tcp: bool,
    /// 1 (default): a SYN on a TIME_WAIT/CLOSE connection starts over; bit 2
    /// adds FIN_WAIT of DR/TUN connections; 0 reuses the old entry.
    pub conn_reuse_mode: u8,
}

impl Default for Sysctls {
    fn default() -> Sysctls {
        Sysctls { expire_nodest_conn: false, expire_quiescent_template: false, sloppy_tcp: false, conn_reuse_mode: 1 }
    }
}

/// One service as listings see it.
#[derive(Debug, Clone, Copy)]
pub struct ServiceView<'a> {
    pub spec: &'a ServiceSpec,
    pub stats: &'a super::dest::Counters,
    pub rates: Rates,
    pub dests: Dests<'a>,
}

#[derive(Debug)]
pub struct Ipvs {
    pub(super) config: KernelConfig,
    pub sysctls: Sysctls,
    pub(super) timeouts: Timeouts,
    /// In creation order.
    pub(super) services: Vec<Service>,
    /// Every destination ever created, deleted ones included (the trash):
    /// connections and scheduler caches refer to them by index.
    pub(super) pool: Vec<Dest>,
    /// The service each pooled destination was created for.
    pub(super) owner: Vec<ServiceKey>,
    pub(super) conns: ConnTable,
    next_estimate_us: u64,
    ident: u16,
    log: Vec<String>,
}

impl Ipvs {
    pub fn new(config: KernelConfig, now_us: u64) -> Ipvs {
        Ipvs {
            config,
            sysctls: Sysctls::default(),
            timeouts: Timeouts::default(),
            services: Vec::new(),
            pool: Vec::new(),
            owner: Vec::new(),
            conns: ConnTable::default(),
            next_estimate_us: now_us + estimator::INTERVAL_US,
            ident: 0,
            log: Vec::new(),
        }
    }

    pub fn config(&self) -> &KernelConfig {
        &self.config
    }

    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// Kernel log lines since the last call ("IPVS: rr: TCP … - no
    /// destination available").
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    pub(super) fn log(&mut self, line: String) {
        self.log.push(line);
    }

    /// A fresh IP ID for packets the director builds itself.
    pub(super) fn next_ident(&mut self) -> u16 {
        self.ident = self.ident.wrapping_add(1);
        self.ident
    }

    pub(super) fn service_index(&self, key: &ServiceKey) -> Option<usize> {
        self.services.iter().position(|s| s.spec.key == *key)
    }

    pub(super) fn dests_of(&self, index: usize) -> Dests<'_> {
        Dests::new(&self.pool, &self.services[index].order)
    }

    /// Runs `f` on service `i`'s scheduler with the service's destinations.
    pub(super) fn with_scheduler<R>(&mut self, i: usize, f: impl FnOnce(&mut dyn Scheduler, Dests<'_>) -> R) -> R {
        let s = &mut self.services[i];
        f(s.scheduler.as_mut(), Dests::new(&self.pool, &s.order))
    }

    /// Services in creation order, with their destinations in list order.
    pub fn services(&self) -> impl Iterator<Item = ServiceView<'_>> {
        self.services.iter().map(|s| ServiceView {
            spec: &s.spec,
            stats: &s.stats,
            rates: s.rate.rates(),
            dests: Dests::new(&self.pool, &s.order),
        })
    }

    pub fn service(&self, key: &ServiceKey) -> Option<ServiceView<'_>> {
        self.services().find(|v| v.spec.key == *key)
    }

    /// Connection entries and templates, oldest first.
    pub fn conns(&self) -> impl Iterator<Item = (ConnId, &Conn)> {
        self.conns.iter()
    }

    pub fn dest(&self, id: DestId) -> &Dest {
        &self.pool[id.0 as usize]
    }

    /// When [`Ipvs::on_timer`] must run next.
    pub fn next_timer_us(&self) -> Option<u64> {
        let sched = self.services.iter().filter_map(|s| s.scheduler.next_timer_us());
        sched.chain(self.conns.next_expiry()).chain([self.next_estimate_us]).min()
    }

    /// Runs every timer due at `now`: connection expiry, scheduler cache
    /// collection, the 2-second rate estimator.
    pub fn on_timer(&mut self, now_us: u64) {
        while let Some(id) = self.conns.due(now_us) {
            self.expire(id, now_us);
        }
        for i in 0..self.services.len() {
            let due = self.services[i].scheduler.next_timer_us().is_some_and(|t| t <= now_us);
            if due {
                self.with_scheduler(i, |s, dests| s.on_timer(dests, now_us));
            }
        }
        while self.next_estimate_us <= now_us {
            for s in &mut self.services {
                s.rate.sample(&s.stats);
            }
            for d in &mut self.pool {
                d.rate.sample(&d.stats);
            }
            self.next_estimate_us += estimator::INTERVAL_US;
        }
    }

    /// `ip_vs_conn_expire`: a template that still controls connections waits
    /// another 60 s; anything else leaves the table and its real server.
    pub(super) fn expire(&mut self, id: ConnId, now_us: u64) {
        let Some(c) = self.conns.get_mut(id) else { return };
        if c.n_control > 0 {
            c.timeout_s = 60;
            self.conns.rearm(id, now_us);
            return;
        }
        let Some(c) = self.conns.remove(id) else { return };
        if let Some(t) = c.control.and_then(|t| self.conns.get_mut(t)) {
            t.n_control -= 1;
        }
        self.unbind(&c);
    }

    /// `ip_vs_bind_dest`: count the new entry and maybe raise OVERLOAD.
    pub(super) fn bind(&mut self, c: &Conn) {
        let d = &mut self.pool[c.dest.0 as usize];
        if c.template {
            d.persistent += 1;
        } else if c.inactive {
            d.inactive += 1;
        } else {
            d.active += 1;
        }
        if d.u_threshold != 0 && d.total_conns() >= d.u_threshold {
            d.overloaded = true;
        }
    }

    /// `ip_vs_unbind_dest`: uncount and maybe clear OVERLOAD (below the
    /// lower threshold, or below 3/4 of the upper one when there is none).
    fn unbind(&mut self, c: &Conn) {
        let d = &mut self.pool[c.dest.0 as usize];
        if c.template {
            d.persistent -= 1;
        } else if c.inactive {
            d.inactive -= 1;
        } else {
            d.active -= 1;
        }
        let total = d.total_conns();
        if d.l_threshold != 0 {
            if total < d.l_threshold {
                d.overloaded = false;
            }
        } else if d.u_threshold != 0 {
            if u64::from(total) * 4 < u64::from(d.u_threshold) * 3 {
                d.overloaded = false;
            }
        } else {
            d.overloaded = false;
        }
    }
}
