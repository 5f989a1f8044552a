//! The rate estimator behind `ipvsadm -Ln --rate` (`ip_vs_est.c`): every
//! 2 s the counters' growth is folded into an exponentially weighted
//! average with weight 1/4, in fixed point (rates per second scaled by 2^10
//! for packets and connections, 2^5 for bytes).

use super::dest::Counters;

/// How often the kernel samples the counters.
pub const INTERVAL_US: u64 = 2_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Estimator {
    last: Counters,
    cps: i64,
    inpps: i64,
    outpps: i64,
    inbps: i64,
    outbps: i64,
}

/// Rates as ipvsadm reads them: per second, rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rates {
    pub cps: u64,
    pub inpps: u64,
    pub outpps: u64,
    pub inbps: u64,
    pub outbps: u64,
}

fn fold(avg: &mut i64, delta: u64, shift: u32) {
    let rate = (delta << shift) as i64;
    *avg += (rate - *avg) >> 2;
}

impl Estimator {
    /// One 2-second tick.
    pub fn sample(&mut self, now: &Counters) {
        fold(&mut self.cps, now.conns - self.last.conns, 9);
        fold(&mut self.inpps, now.inpkts - self.last.inpkts, 9);
        fold(&mut self.outpps, now.outpkts - self.last.outpkts, 9);
        fold(&mut self.inbps, now.inbytes - self.last.inbytes, 4);
        fold(&mut self.outbps, now.outbytes - self.last.outbytes, 4);
        self.last = *now;
    }

    /// `ip_vs_read_estimator`.
    pub fn rates(&self) -> Rates {
        let pps = |v: i64| ((v + 0x1ff) >> 10).max(0) as u64;
        let bps = |v: i64| ((v + 0xf) >> 5).max(0) as u64;
        Rates {
            cps: pps(self.cps),
            inpps: pps(self.inpps),
            outpps: pps(self.outpps),
            inbps: bps(self.inbps),
            outbps: bps(self.outbps),
        }
    }

    /// `ipvsadm -Z` zeroes the counters and the estimator with them.
    pub fn zero(&mut self) {
        *self = Estimator::default();
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn steady_load_converges_to_the_per_second_rate() {
        let mut e = Estimator::default();
        let mut c = Counters::default();
        for _ in 0..60 {
            c.conns += 20; // 10 connections per second
            c.inpkts += 200;
            c.inbytes += 200 * 60;
            e.sample(&c);
        }
        let r = e.rates();
        assert_eq!((r.cps, r.inpps, r.inbps, r.outpps), (10, 100, 6000, 0));
    }

    #[test]
    fn first_sample_counts_a_quarter() {
        let mut e = Estimator::default();
        e.sample(&Counters { conns: 8, ..Counters::default() });
        // 8 conns in 2 s = 4/s, a quarter of it folded in: 1/s.
        assert_eq!(e.rates().cps, 1);
        e.zero();
        assert_eq!(e.rates(), Rates::default());
    }
}
