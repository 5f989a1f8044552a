//! Configuration commands, as `ipvsadm` sends them to the kernel
//! (`ip_vs_ctl.c`), with the errors ipvsadm prints for them.

use super::dest::{Counters, Dest, DestId, Forward};
use super::kernel::Ipvs;
use super::sched::{new_scheduler, SchedConfig};
use super::service::{Service, ServiceKey, ServiceSpec};
use std::net::Ipv4Addr;

/// Everything `ipvsadm -a/-e` says about a real server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DestSpec {
    pub addr: Ipv4Addr,
    pub port: u16,
    pub forward: Forward,
    pub weight: i32,
    pub u_threshold: u32,
    pub l_threshold: u32,
}

impl DestSpec {
    /// ipvsadm's defaults: weight 1, direct routing, no thresholds.
    pub fn new(addr: Ipv4Addr, port: u16) -> DestSpec {
        DestSpec { addr, port, forward: Forward::Route, weight: 1, u_threshold: 0, l_threshold: 0 }
    }
}

/// What the kernel refuses, worded as ipvsadm reports it (`ipvs_strerror`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CtlError {
    #[error("Service already exists")]
    ServiceExists,
    #[error("Scheduler or persistence engine not found")]
    NoScheduler,
    #[error("No such service")]
    NoService,
    #[error("Service not defined")]
    ServiceNotDefined,
    #[error("Destination already exists")]
    DestExists,
    #[error("No such destination")]
    NoDest,
    /// Negative weight, or a lower threshold above the upper one (ERANGE).
    #[error("Numerical result out of range")]
    Range,
}

impl Ipvs {
    fn sched_config(&self, spec: &ServiceSpec, now_us: u64) -> SchedConfig {
        SchedConfig {
            flags: spec.flags,
            hash: self.config.hash,
            seed: self.config.seed.wrapping_add(self.services.len() as u64),
            now_us,
        }
    }

    /// `ipvsadm -A`.
    pub fn add_service(&mut self, spec: ServiceSpec, now_us: u64) -> Result<(), CtlError> {
        if self.service_index(&spec.key).is_some() {
            return Err(CtlError::ServiceExists);
        }
        let config = self.sched_config(&spec, now_us);
        let scheduler = new_scheduler(&spec.scheduler, &config, super::dest::Dests::new(&self.pool, &[]))
            .ok_or(CtlError::NoScheduler)?;
        self.services.push(Service {
            spec,
            scheduler,
            order: Vec::new(),
            stats: Counters::default(),
            rate: Default::default(),
        });
        Ok(())
    }

    /// `ipvsadm -E`: a new scheduler starts from scratch with the current
    /// destinations.
    pub fn edit_service(&mut self, spec: ServiceSpec, now_us: u64) -> Result<(), CtlError> {
        let i = self.service_index(&spec.key).ok_or(CtlError::NoService)?;
        if spec.scheduler != self.services[i].spec.scheduler || spec.flags != self.services[i].spec.flags {
            let config = self.sched_config(&spec, now_us);
            let scheduler = new_scheduler(&spec.scheduler, &config, self.dests_of(i)).ok_or(CtlError::NoScheduler)?;
            self.services[i].scheduler = scheduler;
        }
        self.services[i].spec = spec;
        Ok(())
    }

    /// `ipvsadm -D`: its real servers go to the trash; their connections
    /// drain on their timers.
    pub fn del_service(&mut self, key: &ServiceKey) -> Result<(), CtlError> {
        let i = self.service_index(key).ok_or(CtlError::NoService)?;
        let svc = self.services.remove(i);
        for id in svc.order {
            self.pool[id.0 as usize].available = false;
        }
        Ok(())
    }

    /// `ipvsadm -C`.
    pub fn flush(&mut self) {
        let keys: Vec<ServiceKey> = self.services.iter().map(|s| s.spec.key).collect();
        for k in keys {
            // Every key came from the list just now.
            let _ = self.del_service(&k);
        }
    }

    fn find_dest(&self, i: usize, addr: Ipv4Addr, port: u16) -> Option<(usize, DestId)> {
        let order = &self.services[i].order;
        order.iter().position(|d| self.pool[d.0 as usize].addr == addr && self.pool[d.0 as usize].port == port).map(|p| (p, order[p]))
    }

    fn check(spec: &DestSpec) -> Result<(), CtlError> {
        if spec.weight < 0 || spec.l_threshold > spec.u_threshold {
            return Err(CtlError::Range);
        }
        Ok(())
    }

    /// `__ip_vs_update_dest`: weight, method, thresholds; the scheduler hears
    /// about it.
    fn update_dest(&mut self, id: DestId, spec: &DestSpec, add: bool) {
        let d = &mut self.pool[id.0 as usize];
        if add || spec.weight != 0 {
            d.last_weight = spec.weight;
        }
        d.weight = spec.weight;
        d.forward = spec.forward;
        d.available = true;
        if spec.u_threshold == 0 || spec.u_threshold > d.u_threshold {
            d.overloaded = false;
        }
        d.u_threshold = spec.u_threshold;
        d.l_threshold = spec.l_threshold;
    }

    /// `ipvsadm -a`: the new real server goes to the head of the list. One
    /// deleted from this service earlier comes back from the trash with its
    /// counters.
    pub fn add_dest(&mut self, key: &ServiceKey, spec: DestSpec) -> Result<(), CtlError> {
        let i = self.service_index(key).ok_or(CtlError::ServiceNotDefined)?;
        Ipvs::check(&spec)?;
        if self.find_dest(i, spec.addr, spec.port).is_some() {
            return Err(CtlError::DestExists);
        }
        let trashed = (0..self.pool.len()).find(|&p| {
            let d = &self.pool[p];
            self.owner[p] == *key && !d.available && d.addr == spec.addr && d.port == spec.port
        });
        let id = match trashed {
            Some(p) => DestId(p as u32),
            None => {
                self.pool.push(Dest::new(spec.addr, spec.port));
                self.owner.push(*key);
                DestId(self.pool.len() as u32 - 1)
            }
        };
        self.update_dest(id, &spec, true);
        self.services[i].order.insert(0, id);
        self.with_scheduler(i, |s, dests| s.dest_changed(dests));
        Ok(())
    }

    /// `ipvsadm -e`.
    pub fn edit_dest(&mut self, key: &ServiceKey, spec: DestSpec) -> Result<(), CtlError> {
        let i = self.service_index(key).ok_or(CtlError::ServiceNotDefined)?;
        Ipvs::check(&spec)?;
        let (_, id) = self.find_dest(i, spec.addr, spec.port).ok_or(CtlError::NoDest)?;
        self.update_dest(id, &spec, false);
        self.with_scheduler(i, |s, dests| s.dest_changed(dests));
        Ok(())
    }

    /// `ipvsadm -d`: out of the list and unavailable; existing connections
    /// stay until they expire (or `expire_nodest_conn` ends them).
    pub fn del_dest(&mut self, key: &ServiceKey, addr: Ipv4Addr, port: u16) -> Result<(), CtlError> {
        let i = self.service_index(key).ok_or(CtlError::ServiceNotDefined)?;
        let (pos, id) = self.find_dest(i, addr, port).ok_or(CtlError::NoDest)?;
        self.pool[id.0 as usize].available = false;
        self.services[i].order.remove(pos);
        self.with_scheduler(i, |s, dests| s.dest_removed(dests, id, pos));
        Ok(())
    }

    /// `ipvsadm -Z [service]`.
    pub fn zero(&mut self, key: Option<&ServiceKey>) -> Result<(), CtlError> {
        let targets: Vec<usize> = match key {
            Some(k) => vec![self.service_index(k).ok_or(CtlError::NoService)?],
            None => (0..self.services.len()).collect(),
        };
        for i in targets {
            let s = &mut self.services[i];
            s.stats = Counters::default();
            s.rate.zero();
            for id in &s.order {
                let d = &mut self.pool[id.0 as usize];
                d.stats = Counters::default();
                d.rate.zero();
            }
        }
        Ok(())
    }

    /// `ipvsadm --set tcp tcpfin udp` (0 leaves a value as it is).
    pub fn set_timeouts(&mut self, tcp: u32, tcpfin: u32, udp: u32) {
        self.timeouts.set(tcp, tcpfin, udp);
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::engine::ipvs::kernel::KernelConfig;
    use crate::engine::ipvs::service::Proto;

    fn a(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn ipvs() -> Ipvs {
        Ipvs::new(KernelConfig { hash: Default::default(), seed: 1, source: a("192.0.2.10") }, 0)
    }

    fn vs() -> ServiceKey {
        ServiceKey::Inet { proto: Proto::Tcp, addr: a("192.0.2.100"), port: 80 }
    }

    fn listed(ipvs: &Ipvs) -> Vec<String> {
        let v = ipvs.service(&vs()).unwrap();
        v.dests.iter().map(|(_, d)| format!("{}:{}/{}", d.addr, d.port, d.weight)).collect()
    }

    #[test]
    fn services_are_unique_and_need_a_known_scheduler() {
        let mut k = ipvs();
        k.add_service(ServiceSpec::new(vs()), 0).unwrap();
        assert_eq!(k.add_service(ServiceSpec::new(vs()), 0), Err(CtlError::ServiceExists));
        let mut bad = ServiceSpec::new(ServiceKey::Fwmark(3));
        bad.scheduler = "nope".into();
        assert_eq!(k.add_service(bad, 0), Err(CtlError::NoScheduler));
        assert_eq!(k.del_service(&ServiceKey::Fwmark(3)), Err(CtlError::NoService));
        assert_eq!(k.add_dest(&ServiceKey::Fwmark(3), DestSpec::new(a("192.0.2.21"), 0)), Err(CtlError::ServiceNotDefined));
    }

    #[test]
    fn new_destinations_go_to_the_head() {
        let mut k = ipvs();
        k.add_service(ServiceSpec::new(vs()), 0).unwrap();
        k.add_dest(&vs(), DestSpec::new(a("192.0.2.21"), 80)).unwrap();
        k.add_dest(&vs(), DestSpec::new(a("192.0.2.22"), 80)).unwrap();
        assert_eq!(listed(&k), ["192.0.2.22:80/1", "192.0.2.21:80/1"]);
        assert_eq!(k.add_dest(&vs(), DestSpec::new(a("192.0.2.21"), 80)), Err(CtlError::DestExists));
    }

    #[test]
    fn bad_weights_and_thresholds_are_out_of_range() {
        let mut k = ipvs();
        k.add_service(ServiceSpec::new(vs()), 0).unwrap();
        let mut d = DestSpec::new(a("192.0.2.21"), 80);
        d.weight = -1;
        assert_eq!(k.add_dest(&vs(), d), Err(CtlError::Range));
        d.weight = 1;
        d.l_threshold = 5;
        assert_eq!(k.add_dest(&vs(), d), Err(CtlError::Range), "-y without -x");
        d.u_threshold = 10;
        k.add_dest(&vs(), d).unwrap();
    }

    #[test]
    fn quiescing_keeps_last_weight() {
        let mut k = ipvs();
        k.add_service(ServiceSpec::new(vs()), 0).unwrap();
        let mut d = DestSpec::new(a("192.0.2.21"), 80);
        d.weight = 5;
        k.add_dest(&vs(), d).unwrap();
        d.weight = 0;
        k.edit_dest(&vs(), d).unwrap();
        let dest = k.dest(DestId(0));
        assert_eq!((dest.weight, dest.last_weight), (0, 5));
        assert_eq!(k.edit_dest(&vs(), DestSpec::new(a("192.0.2.99"), 80)), Err(CtlError::NoDest));
    }

    #[test]
    fn deleted_destination_is_revived_from_the_trash() {
        let mut k = ipvs();
        k.add_service(ServiceSpec::new(vs()), 0).unwrap();
        k.add_dest(&vs(), DestSpec::new(a("192.0.2.21"), 80)).unwrap();
        k.pool[0].stats.conns = 7;
        k.del_dest(&vs(), a("192.0.2.21"), 80).unwrap();
        assert!(!k.dest(DestId(0)).available);
        assert!(listed(&k).is_empty());
        k.add_dest(&vs(), DestSpec::new(a("192.0.2.21"), 80)).unwrap();
        assert_eq!(k.pool.len(), 1);
        assert_eq!(k.dest(DestId(0)).stats.conns, 7);
        assert_eq!(k.del_dest(&vs(), a("192.0.2.22"), 80), Err(CtlError::NoDest));
    }

    #[test]
    fn zero_and_timeouts() {
        let mut k = ipvs();
        k.add_service(ServiceSpec::new(vs()), 0).unwrap();
        k.add_dest(&vs(), DestSpec::new(a("192.0.2.21"), 80)).unwrap();
        k.pool[0].stats.inpkts = 3;
        k.zero(None).unwrap();
        assert_eq!(k.dest(DestId(0)).stats, Counters::default());
        k.set_timeouts(300, 0, 60);
        assert_eq!(k.timeouts().triple(), (300, 120, 60));
    }

    #[test]
    fn flush_empties_the_table() {
        let mut k = ipvs();
        k.add_service(ServiceSpec::new(vs()), 0).unwrap();
        k.add_service(ServiceSpec::new(ServiceKey::Fwmark(1)), 0).unwrap();
        k.flush();
        assert_eq!(k.services().count(), 0);
    }
}
