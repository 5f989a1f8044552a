use super::{conf, instance, warnings};
use crate::scenario::conf::*;
use std::net::{IpAddr, Ipv4Addr};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn global_defs_keywords() {
    let c = conf(
        "global_defs {\n router_id LVS_1\n vrrp_strict\n vrrp_version 3\n vrrp_garp_master_delay 5\n\
         vrrp_garp_master_repeat 3\n vrrp_garp_master_refresh 60\n vrrp_garp_interval 0.001\n\
         vrrp_skip_check_adv_addr\n vrrp_lower_prio_no_advert true\n vrrp_higher_prio_send_advert off\n}\n",
    );
    assert_eq!(
        c.global,
        GlobalDefs {
            router_id: Some("LVS_1".into()),
            vrrp_strict: true,
            vrrp_version: Some(3),
            garp_master_delay_s: Some(5),
            garp_master_repeat: Some(3),
            garp_master_refresh_s: Some(60),
            garp_interval_us: Some(1000),
            skip_check_adv_addr: true,
            lower_prio_no_advert: true,
            higher_prio_send_advert: false,
        }
    );
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn vrrp_script_keywords() {
    let c = conf("vrrp_script chk {\n script \"/bin/pidof haproxy\"\n interval 2\n timeout 1.5\n weight -20 reverse\n rise 2\n fall 3\n user nobody\n}\n");
    let s = &c.scripts[0];
    assert_eq!(
        (s.name.as_str(), s.script.as_str()),
        ("chk", "/bin/pidof haproxy")
    );
    assert_eq!(
        (
            s.interval_us,
            s.timeout_us,
            s.weight,
            s.reverse,
            s.rise,
            s.fall
        ),
        (
            Some(2_000_000),
            Some(1_500_000),
            Some(-20),
            true,
            Some(2),
            Some(3)
        )
    );
    assert_eq!((s.span.line, s.span.column), (1, 1));
    assert_eq!(
        warnings("vrrp_script c {\n script /usr/bin/killall -0 x\n user nobody\n}\n"),
        ["3:2: 'user' is not simulated (ignored)"]
    );
    assert_eq!(
        conf("vrrp_script c {\n script /usr/bin/killall -0 x\n}\n").scripts[0].script,
        "/usr/bin/killall -0 x"
    );
}

#[test]
fn vrrp_instance_keywords() {
    let text = "vrrp_script chk {\n script true\n}\n\
        vrrp_instance VI_1 {\n state BACKUP\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 1\n\
        version 2\n nopreempt\n preempt_delay 2.5\n use_vmac vrrp.51\n unicast_src_ip 192.0.2.11\n\
        unicast_peer {\n  192.0.2.12\n  192.0.2.13\n }\n authentication {\n  auth_type PASS\n  auth_pass 1111\n }\n\
        virtual_ipaddress {\n  192.0.2.100/24 brd 192.0.2.255 dev eth0 scope global label eth0:1\n  2001:db8::1/64\n }\n\
        virtual_ipaddress_excluded {\n  198.51.100.1\n }\n\
        track_interface {\n  eth1 weight -30\n  eth2\n }\n track_script {\n  chk weight 10 reverse\n }\n\
        garp_master_delay 1\n garp_master_repeat 5\n garp_master_refresh 30\n strict_mode off\n no_accept\n\
        notify_master \"/x.sh master\"\n}\n";
    let c = conf(text);
    let vi = &c.instances[0];
    assert_eq!(vi.name, "VI_1");
    assert_eq!(vi.state, Some(InitialState::Backup));
    assert_eq!(vi.interface.as_deref(), Some("eth0"));
    assert_eq!(
        (vi.vrid, vi.priority, vi.advert_int_us, vi.version),
        (51, Some(150), Some(1_000_000), Some(2))
    );
    assert_eq!(
        (vi.nopreempt, vi.preempt_delay_us, vi.use_vmac, vi.vmac_ifname.as_deref()),
        (true, Some(2_500_000), true, Some("vrrp.51"))
    );
    assert_eq!(vi.src_ip, Some(ip("192.0.2.11")));
    assert_eq!(vi.unicast_peers, [ip("192.0.2.12"), ip("192.0.2.13")]);
    assert_eq!(
        vi.auth,
        Some(Auth {
            kind: AuthKind::Pass,
            pass: "1111".into()
        })
    );
    assert_eq!(
        vi.vips,
        [
            Vip {
                addr: ip("192.0.2.100"),
                prefix: 24,
                dev: Some("eth0".into()),
                label: Some("eth0:1".into())
            },
            Vip {
                addr: ip("2001:db8::1"),
                prefix: 64,
                dev: None,
                label: None
            },
        ]
    );
    assert_eq!(
        vi.excluded_vips,
        [Vip {
            addr: ip("198.51.100.1"),
            prefix: 32,
            dev: None,
            label: None
        }]
    );
    assert_eq!(
        vi.track_interfaces,
        [
            Track {
                name: "eth1".into(),
                weight: Some(-30),
                reverse: false
            },
            Track {
                name: "eth2".into(),
                weight: None,
                reverse: false
            },
        ]
    );
    assert_eq!(
        vi.track_scripts,
        [Track {
            name: "chk".into(),
            weight: Some(10),
            reverse: true
        }]
    );
    assert_eq!(
        (
            vi.garp_master_delay_s,
            vi.garp_master_repeat,
            vi.garp_master_refresh_s
        ),
        (Some(1), Some(5), Some(30))
    );
    assert_eq!((vi.strict_mode, vi.accept), (false, Some(false)));
    assert_eq!(
        vi.notify,
        [("notify_master".to_string(), "/x.sh master".to_string())]
    );
    assert_eq!((vi.span.line, vi.span.column), (4, 1));
    // The engine, not the parser, says which scripts it does not run.
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn master_state_and_accept_and_ah() {
    let c = conf(&instance(" state MASTER\n accept\n mcast_src_ip 192.0.2.1\n authentication {\n auth_type AH\n auth_pass secret\n }"));
    let vi = &c.instances[0];
    assert_eq!(
        (vi.state, vi.accept, vi.src_ip),
        (
            Some(InitialState::Master),
            Some(true),
            Some(ip("192.0.2.1"))
        )
    );
    assert_eq!(
        vi.auth,
        Some(Auth {
            kind: AuthKind::Ah,
            pass: "secret".into()
        })
    );
}

#[test]
fn sync_group() {
    let c = conf(&format!(
        "{}{}vrrp_sync_group G1 {{\n group {{\n  VI_1\n  VI_2 VI_3\n }}\n notify_master /bin/true\n}}\n",
        instance(""),
        instance("").replace("VI_1", "VI_2")
    ));
    assert_eq!(c.sync_groups[0].name, "G1");
    assert_eq!(c.sync_groups[0].members, ["VI_1", "VI_2"]);
    let w: Vec<_> = c.warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        w,
        [
            "'notify_master' scripts are not run by the simulator",
            "Virtual router VI_3 specified in sync group G1 doesn't exist - ignoring"
        ]
    );
}

#[test]
fn virtual_server_with_real_servers_and_checkers() {
    let c = conf(
        "virtual_server 192.0.2.100 80 {\n delay_loop 6\n lb_algo wrr\n lb_kind DR\n persistence_timeout 50\n\
         persistence_granularity 255.255.255.0\n protocol tcp\n sorry_server 192.0.2.200 8080\n quorum 2\n retry 4\n\
         real_server 192.0.2.21 80 {\n  weight 3\n  inhibit_on_failure\n  connect_timeout 7\n\
         TCP_CHECK {\n   connect_timeout 3\n   connect_port 80\n   connect_ip 192.0.2.31\n   delay_before_retry 2\n   warmup 5\n   delay_loop 9\n  }\n\
         HTTP_GET {\n   url {\n    path /health\n    status_code 200\n   }\n   nb_get_retry 3\n   alpha\n  }\n }\n\
         real_server 192.0.2.22 {\n  MISC_CHECK {\n   misc_path \"/bin/check 192.0.2.22\"\n  }\n  SSL_GET {\n  }\n  DNS_CHECK {\n  }\n  SMTP_CHECK {\n  }\n }\n}\n",
    );
    let vs = &c.virtual_servers[0];
    assert_eq!(
        vs.addr,
        VsAddr::Ip {
            addr: ip("192.0.2.100"),
            port: 80
        }
    );
    assert_eq!(
        (vs.delay_loop_us, vs.lb_algo.as_deref(), vs.lb_kind),
        (Some(6_000_000), Some("wrr"), Some(LbKind::Dr))
    );
    assert_eq!(
        (vs.persistence_timeout_s, vs.persistence_granularity),
        (Some(50), Some(Ipv4Addr::new(255, 255, 255, 0)))
    );
    assert_eq!(
        (vs.protocol, vs.sorry_server, vs.quorum),
        (
            Some(Protocol::Tcp),
            Some((ip("192.0.2.200"), 8080)),
            Some(2)
        )
    );
    let rs = &vs.real_servers[0];
    assert_eq!(
        (rs.addr, rs.port, rs.weight, rs.inhibit_on_failure),
        (ip("192.0.2.21"), Some(80), Some(3), true)
    );
    let tcp = &rs.checkers[0];
    assert_eq!(tcp.kind, CheckerKind::TcpCheck);
    assert_eq!(
        tcp.opts,
        CheckerOpts {
            connect_ip: Some(ip("192.0.2.31")),
            connect_port: Some(80),
            connect_timeout_us: Some(3_000_000),
            retry: Some(4),
            delay_before_retry_us: Some(2_000_000),
            delay_loop_us: Some(9_000_000),
            warmup_us: Some(5_000_000),
            ..Default::default()
        },
        "own values win; retry comes from the virtual server"
    );
    let http = &rs.checkers[1];
    assert_eq!(http.kind, CheckerKind::HttpGet);
    assert_eq!(
        (
            http.opts.url_paths.clone(),
            http.opts.retry,
            http.opts.alpha,
            http.opts.connect_timeout_us
        ),
        (vec!["/health".to_string()], Some(3), true, Some(7_000_000))
    );
    let rs2 = &vs.real_servers[1];
    assert_eq!(rs2.port, None);
    let kinds: Vec<_> = rs2.checkers.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            CheckerKind::MiscCheck,
            CheckerKind::SslGet,
            CheckerKind::DnsCheck,
            CheckerKind::SmtpCheck
        ]
    );
    assert_eq!(
        rs2.checkers[0].opts.misc_path.as_deref(),
        Some("/bin/check 192.0.2.22")
    );
    let w: Vec<_> = c
        .warnings
        .iter()
        .map(|w| format!("{}:{} {}", w.span.line, w.span.column, w.message))
        .collect();
    assert_eq!(w, ["26:5 'status_code' is not simulated (ignored)"]);
}

#[test]
fn fwmark_and_group_virtual_servers() {
    let c = conf("virtual_server fwmark 3 {\n lb_algo rr\n lb_kind DR\n real_server 192.0.2.1 80 {\n }\n}\nvirtual_server group web {\n lb_algo rr\n lb_kind NAT\n protocol UDP\n}\n");
    assert_eq!(c.virtual_servers[0].addr, VsAddr::Fwmark(3));
    assert_eq!(
        c.virtual_servers[0].real_servers[0].port, None,
        "cleared as keepalived does"
    );
    assert_eq!(c.virtual_servers[1].addr, VsAddr::Group("web".into()));
    assert_eq!(
        c.warnings[0].message,
        "Virtual server FWM 3: real server 192.0.2.1 has port 80 specified - clearing"
    );
    assert_eq!(c.warnings.len(), 1);
}

#[test]
fn persistence_timeout_alone_means_360() {
    let c = conf("virtual_server 192.0.2.1 80 {\n persistence_timeout\n lb_algo rr\n lb_kind NAT\n protocol TCP\n}\n");
    assert_eq!(c.virtual_servers[0].persistence_timeout_s, Some(360));
}

#[test]
fn virtual_server_defaults_are_logged_as_keepalived_does() {
    assert_eq!(
        warnings("virtual_server 192.0.2.1 80 {\n}\n"),
        [
            "1:1: Virtual server 192.0.2.1:80: no protocol set, keepalived uses UDP",
            "1:1: Virtual server 192.0.2.1:80: no scheduler set, setting default 'wlc'",
            "1:1: Virtual server 192.0.2.1:80: no forwarding method set, setting default NAT",
        ]
    );
}

#[test]
fn a_brace_on_the_next_line_opens_the_block() {
    let c = conf(
        "vrrp_instance VI_1\n{\n virtual_router_id 7\n virtual_ipaddress\n {\n  192.0.2.1\n }\n}\n",
    );
    assert_eq!((c.instances[0].vrid, c.instances[0].vips.len()), (7, 1));
    let c = conf(
        "vrrp_instance VI_1 { virtual_router_id 7 ; virtual_ipaddress { 192.0.2.1 } }\n"
            .replace(" ; ", "\n")
            .as_str(),
    );
    assert_eq!(c.instances[0].vips.len(), 1);
}
