//! Real servers ("destinations") as the kernel keeps them, and the ordered
//! view of a service's list that schedulers walk.
//!
//! The kernel links a new destination at the *head* of the service's list
//! (`list_add_rcu` in `__ip_vs_update_dest`), so schedulers see the most
//! recently added real server first. Every tie rule ("the earliest dest
//! wins") is about this list order, not about the order of the ipvsadm
//! commands.

use super::estimator::Estimator;
use std::net::Ipv4Addr;

/// A stable handle on a destination. Connections, persistence templates and
/// scheduler caches keep it after the destination leaves its service (the
/// kernel's "trash"), so counters stay right while old connections drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DestId(pub u32);

/// How packets reach the real server (`ipvsadm -g/-m/-i`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Forward {
    /// Direct routing (`-g`, "Route"): only the MAC changes.
    #[default]
    Route,
    /// NAT (`-m`, "Masq"): destination rewritten, replies SNATed back.
    Masq,
    /// IP-in-IP (`-i`, "Tunnel").
    Tunnel,
}

impl Forward {
    /// The word `ipvsadm -Ln` prints in the Forward column.
    pub fn ipvsadm_name(self) -> &'static str {
        match self {
            Forward::Route => "Route",
            Forward::Masq => "Masq",
            Forward::Tunnel => "Tunnel",
        }
    }
}

/// Packet and byte counters, as `ipvsadm -Ln --stats` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counters {
    pub conns: u64,
    pub inpkts: u64,
    pub outpkts: u64,
    pub inbytes: u64,
    pub outbytes: u64,
}

impl Counters {
    pub fn add(&mut self, other: &Counters) {
        self.conns += other.conns;
        self.inpkts += other.inpkts;
        self.outpkts += other.outpkts;
        self.inbytes += other.inbytes;
        self.outbytes += other.outbytes;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dest {
    pub addr: Ipv4Addr,
    pub port: u16,
    pub weight: i32,
    /// The latest non-zero weight (`mh` keeps quiesced servers in its table).
    pub last_weight: i32,
    pub forward: Forward,
    /// `-x`: OVERLOAD is set when active+inactive reaches it (0: no limit).
    pub u_threshold: u32,
    /// `-y`: OVERLOAD is cleared below it.
    pub l_threshold: u32,
    pub active: u32,
    pub inactive: u32,
    /// Persistence templates bound to this server.
    pub persistent: u32,
    pub overloaded: bool,
    /// False once the destination was deleted from its service.
    pub available: bool,
    pub stats: Counters,
    pub rate: Estimator,
}

impl Dest {
    /// A destination as `ipvsadm -a` creates it: weight 1, direct routing.
    pub fn new(addr: Ipv4Addr, port: u16) -> Dest {
        Dest {
            addr,
            port,
            weight: 1,
            last_weight: 1,
            forward: Forward::Route,
            u_threshold: 0,
            l_threshold: 0,
            active: 0,
            inactive: 0,
            persistent: 0,
            overloaded: false,
            available: true,
            stats: Counters::default(),
            rate: Estimator::default(),
        }
    }

    /// Whether list-walking schedulers may pick it for a new connection.
    pub fn usable(&self) -> bool {
        !self.overloaded && self.weight > 0
    }

    /// `ip_vs_dest_conn_overhead`: an active connection costs 256 inactive ones.
    pub fn overhead(&self) -> i64 {
        (i64::from(self.active) << 8) + i64::from(self.inactive)
    }

    pub fn total_conns(&self) -> u32 {
        self.active + self.inactive
    }
}

/// A service's destinations in kernel list order, resolved against the pool
/// that owns them. Cheap to copy; schedulers take it by value.
#[derive(Debug, Clone, Copy)]
pub struct Dests<'a> {
    pool: &'a [Dest],
    order: &'a [DestId],
}

impl<'a> Dests<'a> {
    /// `order` lists indices into `pool`, head of the list first.
    pub fn new(pool: &'a [Dest], order: &'a [DestId]) -> Dests<'a> {
        Dests { pool, order }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The `i`-th destination in list order.
    pub fn at(&self, i: usize) -> (DestId, &'a Dest) {
        let id = self.order[i];
        (id, &self.pool[id.0 as usize])
    }

    /// Any destination of the pool, including ones no longer in the list.
    pub fn get(&self, id: DestId) -> &'a Dest {
        &self.pool[id.0 as usize]
    }

    pub fn position(&self, id: DestId) -> Option<usize> {
        self.order.iter().position(|&d| d == id)
    }

    pub fn iter(&self) -> impl Iterator<Item = (DestId, &'a Dest)> + 'a {
        let pool = self.pool;
        self.order.iter().map(move |&id| (id, &pool[id.0 as usize]))
    }
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Building destination lists for scheduler tests.
    use super::*;

    /// A pool whose list order is the pool order: `weights[0]` is the head.
    pub struct List {
        pub pool: Vec<Dest>,
        pub order: Vec<DestId>,
    }

    impl List {
        pub fn weighted(weights: &[i32]) -> List {
            let pool: Vec<Dest> = weights
                .iter()
                .enumerate()
                .map(|(i, &w)| {
                    let mut d = Dest::new(Ipv4Addr::from(0xc000_020b + i as u32), 80);
                    d.weight = w;
                    d.last_weight = w;
                    d
                })
                .collect();
            let order = (0..pool.len() as u32).map(DestId).collect();
            List { pool, order }
        }

        pub fn dests(&self) -> Dests<'_> {
            Dests::new(&self.pool, &self.order)
        }

        pub fn dest(&mut self, i: usize) -> &mut Dest {
            &mut self.pool[i]
        }

        /// The letter of a destination: A for pool index 0, B for 1, …
        pub fn letter(id: Option<DestId>) -> char {
            id.map_or('-', |d| (b'A' + d.0 as u8) as char)
        }
    }
}
