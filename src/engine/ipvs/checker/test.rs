use super::*;
use crate::engine::ipvs::ipvsadm::format;
use crate::engine::ipvs::ipvsadm::{Format, ListWhat};
use crate::engine::ipvs::keepalived::setup;
use crate::engine::ipvs::kernel::KernelConfig;
use crate::scenario::conf::{CheckerOpts, LbKind, Protocol, RealServer, Span, VirtualServer, VsAddr};

const S: u64 = 1_000_000;

fn checker(kind: CheckerKind) -> Checker {
    Checker { kind, opts: CheckerOpts::default(), span: Span::default() }
}

fn rs(addr: &str, inhibit: bool, kind: CheckerKind) -> RealServer {
    RealServer {
        addr: addr.parse().unwrap(),
        port: Some(80),
        weight: Some(1),
        inhibit_on_failure: inhibit,
        checkers: vec![checker(kind)],
        span: Span::default(),
    }
}

fn vs(servers: Vec<RealServer>) -> VirtualServer {
    VirtualServer {
        addr: VsAddr::Ip { addr: "192.0.2.100".parse().unwrap(), port: 80 },
        delay_loop_us: Some(6 * S),
        lb_algo: Some("rr".into()),
        lb_kind: Some(LbKind::Dr),
        persistence_timeout_s: None,
        persistence_granularity: None,
        protocol: Some(Protocol::Tcp),
        sorry_server: None,
        quorum: None,
        real_servers: servers,
        span: Span::default(),
    }
}

fn ipvs() -> Ipvs {
    Ipvs::new(KernelConfig { hash: Default::default(), seed: 1, source: "192.0.2.10".parse().unwrap() }, 0)
}

/// Runs the checkers until `until`, returning the log.
fn run(c: &mut Checkers, k: &mut Ipvs, until: u64) -> Vec<String> {
    let mut log = Vec::new();
    while let Some(t) = c.poll_at().filter(|&t| t <= until) {
        c.on_timer(t, k, &mut log);
    }
    log
}

fn listed(k: &Ipvs) -> String {
    format::list(k, ListWhat::All, &Format::default(), 0).unwrap()
}

#[test]
fn tcp_check_removes_and_re_adds_a_real_server() {
    let setup = setup(&[vs(vec![rs("192.0.2.21", false, CheckerKind::TcpCheck), rs("192.0.2.22", false, CheckerKind::TcpCheck)])]).unwrap();
    let mut k = ipvs();
    let mut log = Vec::new();
    let mut c = Checkers::start(&setup, &mut k, 7, 0, &mut log);
    assert_eq!(log[0], "Activating healthchecker for service [192.0.2.21]:tcp:80 for VS [192.0.2.100]:tcp:80");
    assert!(listed(&k).contains("192.0.2.21:80") && listed(&k).contains("192.0.2.22:80"));
    // First runs within 1 s + 6 s warmup: each logs its first success.
    let first = run(&mut c, &mut k, 7 * S);
    assert!(first.contains(&"TCP connection to [192.0.2.21]:tcp:80 success.".to_string()), "{first:?}");
    assert!(c.set_answering("192.0.2.21:80".parse().unwrap(), false));
    // One failure, a retry 1 s later, then down: within one delay_loop and a retry.
    let down = run(&mut c, &mut k, 7 * S + 6 * S + S);
    assert_eq!(
        down,
        [
            "TCP_CHECK on service [192.0.2.21]:tcp:80 failed after 1 retries.",
            "Removing service [192.0.2.21]:tcp:80 from VS [192.0.2.100]:tcp:80"
        ]
    );
    assert!(!listed(&k).contains("192.0.2.21:80"));
    c.set_answering("192.0.2.21:80".parse().unwrap(), true);
    let up = run(&mut c, &mut k, 30 * S);
    assert_eq!(
        up,
        ["TCP connection to [192.0.2.21]:tcp:80 success.", "Adding service [192.0.2.21]:tcp:80 to VS [192.0.2.100]:tcp:80"]
    );
    assert!(listed(&k).contains("192.0.2.21:80"));
}

#[test]
fn inhibit_on_failure_sets_weight_zero() {
    let setup = setup(&[vs(vec![rs("192.0.2.21", true, CheckerKind::TcpCheck)])]).unwrap();
    let mut k = ipvs();
    let mut log = Vec::new();
    let mut c = Checkers::start(&setup, &mut k, 1, 0, &mut log);
    run(&mut c, &mut k, 7 * S);
    c.set_answering("192.0.2.21:0".parse().unwrap(), false);
    let down = run(&mut c, &mut k, 20 * S);
    assert_eq!(down[1], "Disabling service [192.0.2.21]:tcp:80 of VS [192.0.2.100]:tcp:80");
    assert!(listed(&k).contains("  -> 192.0.2.21:80                Route   0      0          0         \n"));
    c.set_answering("192.0.2.21:0".parse().unwrap(), true);
    let up = run(&mut c, &mut k, 40 * S);
    assert_eq!(up[1], "Enabling service [192.0.2.21]:tcp:80 of VS [192.0.2.100]:tcp:80");
    assert!(listed(&k).contains("Route   1 "));
}

#[test]
fn http_get_needs_two_successes_to_recover() {
    let setup = setup(&[vs(vec![rs("192.0.2.21", false, CheckerKind::HttpGet)])]).unwrap();
    let mut k = ipvs();
    let mut log = Vec::new();
    let mut c = Checkers::start(&setup, &mut k, 3, 0, &mut log);
    let first = run(&mut c, &mut k, 7 * S);
    assert_eq!(first, ["Remote Web server [192.0.2.21]:tcp:80 succeed on service."]);
    c.set_answering("192.0.2.21:80".parse().unwrap(), false);
    let down = run(&mut c, &mut k, 7 * S + 6 * S + 3 * S);
    assert_eq!(down[0], "HTTP_CHECK on service [192.0.2.21]:tcp:80 failed after 1 retries.");
    c.set_answering("192.0.2.21:80".parse().unwrap(), true);
    let t = c.poll_at().unwrap();
    assert!(run(&mut c, &mut k, t).is_empty(), "first success clears the failed URL only");
    let up = run(&mut c, &mut k, t + 6 * S);
    assert_eq!(up[0], "Remote Web server [192.0.2.21]:tcp:80 succeed on service.");
}

#[test]
fn misc_check_without_retries() {
    let mut r = rs("192.0.2.21", false, CheckerKind::MiscCheck);
    r.checkers[0].opts.misc_path = Some("/usr/local/bin/check_web.sh 192.0.2.21".into());
    let setup = setup(&[vs(vec![r])]).unwrap();
    let mut k = ipvs();
    let mut log = Vec::new();
    let mut c = Checkers::start(&setup, &mut k, 3, 0, &mut log);
    run(&mut c, &mut k, 7 * S);
    c.set_answering("192.0.2.21:80".parse().unwrap(), false);
    let down = run(&mut c, &mut k, 13 * S + 1);
    assert_eq!(
        down[0],
        "Misc check for [[192.0.2.21]:tcp:80 VS [192.0.2.100]:tcp:80] by [/usr/local/bin/check_web.sh] failed with retry disabled (exited with status 1)."
    );
}

#[test]
fn alpha_checkers_start_down() {
    let mut r = rs("192.0.2.21", false, CheckerKind::TcpCheck);
    r.checkers[0].opts.alpha = true;
    let setup = setup(&[vs(vec![r])]).unwrap();
    let mut k = ipvs();
    let mut log = Vec::new();
    let mut c = Checkers::start(&setup, &mut k, 3, 0, &mut log);
    assert!(!listed(&k).contains("192.0.2.21"));
    let up = run(&mut c, &mut k, 7 * S);
    assert_eq!(up[1], "Adding service [192.0.2.21]:tcp:80 to VS [192.0.2.100]:tcp:80");
}

#[test]
fn unknown_real_server_is_reported() {
    let setup = setup(&[vs(vec![rs("192.0.2.21", false, CheckerKind::TcpCheck)])]).unwrap();
    let mut k = ipvs();
    let mut c = Checkers::start(&setup, &mut k, 3, 0, &mut Vec::new());
    assert!(!c.set_answering("192.0.2.99:80".parse().unwrap(), false));
}
