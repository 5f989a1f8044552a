//! keepalived's health checkers as a sans-IO machine. The probe itself is
//! not simulated: the scenario says whether a real server answers
//! (`CheckFail`/`CheckOk`), and this machine runs keepalived's timing and
//! retry logic on that verdict, changing the IPVS table and logging as
//! keepalived 2.2.7 does (`check_tcp.c`, `check_http.c`, `check_misc.c`,
//! `ipwrapper.c`).
//!
//! - A checker runs 1 s after start plus a random warmup (≤ its
//!   `delay_loop` unless `warmup` says otherwise), then every `delay_loop`.
//! - A failure is retried `retry` times, `delay_before_retry` apart, before
//!   the checker goes down ("TCP_CHECK on service … failed after 1 retries.").
//! - A real server is alive while all its checkers are up. Going down it is
//!   removed from the service ("Removing service … from VS …"), or with
//!   `inhibit_on_failure` set to weight 0 ("Disabling service … of VS …");
//!   coming back it is added again ("Adding service … to VS …").

use super::control::DestSpec;
use super::kernel::Ipvs;
use super::keepalived::{RealServerSetup, Setup};
use super::service::ServiceKey;
use crate::scenario::conf::{Checker, CheckerKind};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::net::{Ipv4Addr, SocketAddr};

const BOOTSTRAP_DELAY_US: u64 = 1_000_000;

#[derive(Debug, Clone)]
struct Check {
    kind: CheckerKind,
    /// MISC_CHECK's script (the first word of `misc_path`).
    script: String,
    delay_loop: u64,
    retry: u32,
    delay_before_retry: u64,
    retry_it: u32,
    is_up: bool,
    has_run: bool,
    /// HTTP_GET: a URL failed; the next success only re-arms the URL list.
    failed_url: bool,
    next_us: u64,
}

#[derive(Debug, Clone)]
struct Server {
    service: ServiceKey,
    vs_name: String,
    setup: RealServerSetup,
    alive: bool,
    /// What the scenario says the real server does now.
    answers: bool,
    checks: Vec<Check>,
}

#[derive(Debug)]
pub struct Checkers {
    servers: Vec<Server>,
}

impl Check {
    fn new(c: &Checker, delay_loop: u64, rng: &mut ChaCha8Rng, now_us: u64) -> Check {
        let (default_retry, default_dbr) = match c.kind {
            CheckerKind::MiscCheck => (0, 1_000_000),
            CheckerKind::HttpGet | CheckerKind::SslGet => (1, 3_000_000),
            _ => (1, 1_000_000),
        };
        // `warmup * random() / RAND_MAX`, random() being 31 bits.
        let warmup = delay_loop * u64::from(rng.next_u32() >> 1) / u64::from(u32::MAX >> 1);
        Check {
            kind: c.kind,
            script: c.opts.misc_path.as_deref().unwrap_or("").split_whitespace().next().unwrap_or("").to_string(),
            delay_loop,
            retry: c.opts.retry.unwrap_or(default_retry),
            delay_before_retry: c.opts.delay_before_retry_us.unwrap_or(default_dbr),
            retry_it: 0,
            is_up: !c.opts.alpha,
            has_run: false,
            failed_url: false,
            next_us: now_us + BOOTSTRAP_DELAY_US + warmup,
        }
    }
}

fn retries(n: u32) -> &'static str {
    if n == 1 {
        "retry"
    } else {
        "retries"
    }
}

impl Checkers {
    /// Creates the services and the real servers that start alive (all but
    /// those with an `alpha` checker), logging as keepalived does at start.
    pub fn start(setup: &Setup, ipvs: &mut Ipvs, seed: u64, now_us: u64, log: &mut Vec<String>) -> Checkers {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        log.extend(setup.log.iter().cloned());
        let mut servers = Vec::new();
        for vs in &setup.services {
            // The scheduler exists: keepalived's parser only accepts known names.
            if let Err(e) = ipvs.add_service(vs.spec.clone(), now_us) {
                log.push(format!("IPVS cmd LVS_CMD_ADD for VS {} failed: {e}", vs.name));
                continue;
            }
            for rs in &vs.real_servers {
                let checks: Vec<Check> = rs.checkers.iter().map(|c| Check::new(c, vs.delay_loop_us, &mut rng, now_us)).collect();
                for _ in &checks {
                    log.push(format!("Activating healthchecker for service {} for VS {}", rs.name, vs.name));
                }
                let alive = checks.iter().all(|c| c.is_up);
                let s = Server { service: vs.spec.key, vs_name: vs.name.clone(), setup: rs.clone(), alive, answers: true, checks };
                if alive || rs.inhibit_on_failure {
                    let _ = ipvs.add_dest(&s.service, s.dest(alive));
                }
                servers.push(s);
            }
        }
        Checkers { servers }
    }

    /// The scenario's verdict: from now on the real server at `addr`
    /// answers its checks (`up`) or not. Matches the port too when given.
    pub fn set_answering(&mut self, addr: SocketAddr, up: bool) -> bool {
        let mut found = false;
        for s in &mut self.servers {
            let ip_match = addr.ip() == std::net::IpAddr::V4(s.setup.dest.addr);
            if ip_match && (addr.port() == 0 || addr.port() == s.setup.dest.port) {
                s.answers = up;
                found = true;
            }
        }
        found
    }

    /// Real servers with the service they belong to and whether they are alive.
    pub fn servers(&self) -> impl Iterator<Item = (ServiceKey, Ipv4Addr, u16, bool)> + '_ {
        self.servers.iter().map(|s| (s.service, s.setup.dest.addr, s.setup.dest.port, s.alive))
    }

    pub fn poll_at(&self) -> Option<u64> {
        self.servers.iter().flat_map(|s| s.checks.iter().map(|c| c.next_us)).min()
    }

    /// Runs every check due at `now`.
    pub fn on_timer(&mut self, now_us: u64, ipvs: &mut Ipvs, log: &mut Vec<String>) {
        for s in &mut self.servers {
            for i in 0..s.checks.len() {
                if s.checks[i].next_us <= now_us {
                    s.run(i, now_us, ipvs, log);
                }
            }
        }
    }
}

impl Server {
    fn dest(&self, alive: bool) -> DestSpec {
        let mut d = self.setup.dest;
        if !alive {
            d.weight = 0;
        }
        d
    }

    fn run(&mut self, i: usize, now_us: u64, ipvs: &mut Ipvs, log: &mut Vec<String>) {
        let ok = self.answers;
        let name = self.setup.name.clone();
        let c = &mut self.checks[i];
        let (delay, verdict) = match c.kind {
            CheckerKind::HttpGet | CheckerKind::SslGet => http_epilog(c, ok, &name, log),
            CheckerKind::MiscCheck => {
                let vs = self.vs_name.clone();
                misc_epilog(c, ok, &name, &vs, log)
            }
            _ => tcp_epilog(c, ok, &name, log),
        };
        let c = &mut self.checks[i];
        c.has_run = true;
        c.next_us = now_us + delay;
        if let Some(up) = verdict {
            self.checker_state(i, up, ipvs, log);
        }
    }

    /// `update_svr_checker_state`: the real server follows when the first
    /// checker fails or the last one recovers.
    fn checker_state(&mut self, i: usize, up: bool, ipvs: &mut Ipvs, log: &mut Vec<String>) {
        if self.checks[i].is_up == up {
            return;
        }
        self.checks[i].is_up = up;
        let alive = self.checks.iter().all(|c| c.is_up);
        if alive == self.alive {
            return;
        }
        let inhibit = self.setup.inhibit_on_failure;
        let verb = match (alive, inhibit) {
            (true, true) => "Enabling",
            (true, false) => "Adding",
            (false, true) => "Disabling",
            (false, false) => "Removing",
        };
        let prep = if inhibit { "of" } else if alive { "to" } else { "from" };
        log.push(format!("{verb} service {} {prep} VS {}", self.setup.name, self.vs_name));
        let d = self.dest(alive);
        let result = match (alive, inhibit) {
            (_, true) => ipvs.edit_dest(&self.service, d),
            (true, false) => ipvs.add_dest(&self.service, d),
            (false, false) => ipvs.del_dest(&self.service, d.addr, d.port),
        };
        if let Err(e) = result {
            log.push(format!("IPVS cmd for {} of VS {} failed: {e}", self.setup.name, self.vs_name));
        }
        self.alive = alive;
    }
}

/// `tcp_epilog`: the delay to the next run and the checker's new state.
fn tcp_epilog(c: &mut Check, ok: bool, name: &str, log: &mut Vec<String>) -> (u64, Option<bool>) {
    if !ok && c.retry_it < c.retry {
        c.retry_it += 1;
        return (c.delay_before_retry, None);
    }
    c.retry_it = 0;
    if ok && (!c.is_up || !c.has_run) {
        log.push(format!("TCP connection to {name} success."));
        (c.delay_loop, Some(true))
    } else if !ok && (c.is_up || !c.has_run) {
        if c.retry > 0 && c.has_run {
            log.push(format!("TCP_CHECK on service {name} failed after {} retries.", c.retry));
        } else {
            log.push(format!("TCP_CHECK on service {name} failed."));
        }
        (c.delay_loop, Some(false))
    } else {
        (c.delay_loop, None)
    }
}

/// `check_http.c`'s epilog with one URL: failures retry until `retry_it`
/// exceeds `retry`; after a failure the next success only clears the failed
/// URL, and the one after brings the checker up.
fn http_epilog(c: &mut Check, ok: bool, name: &str, log: &mut Vec<String>) -> (u64, Option<bool>) {
    if ok {
        if c.failed_url {
            c.failed_url = false;
            c.retry_it = 0;
            return (c.delay_loop, None);
        }
        c.retry_it = 0;
        let up = (!c.is_up || !c.has_run).then(|| {
            log.push(format!("Remote Web server {name} succeed on service."));
            true
        });
        return (c.delay_loop, up);
    }
    c.retry_it += 1;
    if c.retry_it <= c.retry {
        return (c.delay_before_retry, None);
    }
    let mut verdict = None;
    if c.is_up || !c.has_run {
        if c.has_run && c.retry > 0 {
            log.push(format!("HTTP_CHECK on service {name} failed after {} retries.", c.retry_it - 1));
        } else {
            log.push(format!("HTTP_CHECK on service {name} failed."));
        }
        verdict = Some(false);
    }
    c.failed_url = true;
    (c.delay_before_retry.max(c.delay_loop), verdict)
}

/// `misc_check_child_thread`: only the last failure of a series is logged,
/// with exit status 1 standing for the script's failure.
fn misc_epilog(c: &mut Check, ok: bool, name: &str, vs: &str, log: &mut Vec<String>) -> (u64, Option<bool>) {
    let prefix = format!("Misc check for [{name} VS {vs}] by [{}]", c.script);
    if ok {
        c.retry_it = 0;
        let up = (!c.is_up || !c.has_run).then(|| {
            log.push(format!("{prefix} succeeded."));
            true
        });
        return (c.delay_loop, up);
    }
    if !c.is_up && c.has_run {
        return (c.delay_loop, None);
    }
    if c.retry_it < c.retry {
        c.retry_it += 1;
        return (c.delay_before_retry, None);
    }
    c.retry_it = 0;
    let how = if c.retry > 0 { format!(" after {} {}", c.retry, retries(c.retry)) } else { " with retry disabled".into() };
    log.push(format!("{prefix} failed{how} (exited with status 1)."));
    (c.delay_loop, Some(false))
}

#[cfg(test)]
mod test;
