use super::{conf, err, instance, warnings};

#[test]
fn a_value_of_the_wrong_kind_says_what_was_expected() {
    assert_eq!(
        err(&instance(" priority high")),
        "t.conf:6:11: expected a number after 'priority', found 'high'"
    );
    assert_eq!(
        err(&instance(" priority")),
        "t.conf:6:10: expected a number after 'priority', found end of line"
    );
    assert_eq!(
        err(&instance(" advert_int 1s")),
        "t.conf:6:13: expected a duration in seconds after 'advert_int', found '1s'"
    );
    assert_eq!(
        err(&instance(" mcast_src_ip 192.0.2")),
        "t.conf:6:15: expected an IP address after 'mcast_src_ip', found '192.0.2'"
    );
    assert_eq!(
        err(&instance(" state")),
        "t.conf:6:7: expected MASTER or BACKUP after 'state', found end of line"
    );
    assert_eq!(
        err("global_defs {\n vrrp_strict maybe\n}"),
        "t.conf:2:14: expected 'true' or 'false' (or nothing) after 'vrrp_strict', found 'maybe'"
    );
}

#[test]
fn virtual_router_id_out_of_range_or_missing_is_an_error() {
    assert_eq!(
        err("vrrp_instance VI_1 {\n virtual_router_id 0\n}"),
        "t.conf:2:20: (VI_1) virtual_router_id 0 is out of range [1, 255]"
    );
    assert_eq!(
        err("vrrp_instance VI_1 {\n virtual_router_id 256\n}"),
        "t.conf:2:20: (VI_1) virtual_router_id 256 is out of range [1, 255]"
    );
    assert_eq!(
        err("\nvrrp_instance VI_1 {\n priority 100\n}"),
        "t.conf:2:1: (VI_1) the virtual router id must be set (virtual_router_id)"
    );
}

#[test]
fn values_keepalived_ignores_are_warnings_and_leave_the_default() {
    for (line, expect) in [
        (
            " priority 0",
            "6:11: 'priority' 0 is out of range [1, 255]; keepalived ignores it",
        ),
        (
            " priority 300",
            "6:11: 'priority' 300 is out of range [1, 255]; keepalived ignores it",
        ),
        (
            " advert_int 0",
            "6:13: 'advert_int' 0s is out of range [0.01s, 255s]; keepalived ignores it",
        ),
        (
            " version 4",
            "6:10: 'version' 4 is out of range [2, 3]; keepalived ignores it",
        ),
        (
            " preempt_delay 2000",
            "6:16: 'preempt_delay' 2000s is out of range [0s, 1000s]; keepalived ignores it",
        ),
    ] {
        let c = conf(&instance(line));
        let vi = &c.instances[0];
        assert_eq!(
            (
                vi.priority,
                vi.advert_int_us,
                vi.version,
                vi.preempt_delay_us
            ),
            (None, None, None, None),
            "{line}"
        );
        assert_eq!(warnings(&instance(line)), [expect]);
    }
}

#[test]
fn unknown_keywords_warn_as_keepalived_and_skip_their_block() {
    let w = warnings(&instance(
        " foo_bar 1\n unknown_block {\n  priority 1\n }\n priority 90",
    ));
    assert_eq!(
        w,
        [
            "6:2: Unknown keyword 'foo_bar'",
            "7:2: Unknown keyword 'unknown_block' (its block is skipped)"
        ]
    );
    assert_eq!(
        conf(&instance(
            " unknown_block {\n  priority 1\n }\n priority 90"
        ))
        .instances[0]
            .priority,
        Some(90)
    );
    assert_eq!(
        warnings("bogus_root {\n}\nstatic_routes {\n}\n"),
        [
            "1:1: Unknown keyword 'bogus_root' (its block is skipped)",
            "3:1: 'static_routes' is not simulated (ignored)"
        ]
    );
}

#[test]
fn extra_arguments_are_warned_about() {
    assert_eq!(
        warnings(&instance(" state MASTER // 改为BACKUP")),
        ["6:15: extra arguments after 'state' ignored: '// 改为BACKUP'"]
    );
}

#[test]
fn brace_errors() {
    assert_eq!(err("global_defs {\n}\n}\n"), "t.conf:3:1: unmatched '}'");
    assert_eq!(
        err("global_defs {\n router_id x\n"),
        "t.conf:1:13: missing '}' to close the block of 'global_defs'"
    );
    assert_eq!(
        err("{\n}\n"),
        "t.conf:1:1: unexpected '{' with no keyword before it"
    );
    assert_eq!(
        err(&instance(" priority 100 {\n }")),
        "t.conf:6:15: unexpected '{' after 'priority'"
    );
    assert_eq!(
        err("vrrp_instance VI_1\n"),
        "t.conf:1:19: expected '{' after 'vrrp_instance VI_1'"
    );
    assert_eq!(
        err("global_defs {\n} {\n}\n"),
        "t.conf:2:3: unexpected '{': 'global_defs' already has a block"
    );
    assert_eq!(
        err("vrrp_instance A B {\n}\n"),
        "t.conf:1:17: expected '{' after 'vrrp_instance A', found 'B'"
    );
}

#[test]
fn deep_nesting_is_an_error() {
    let text = format!("{}{}", "a {\n".repeat(70), "}\n".repeat(70));
    assert_eq!(err(&text), "t.conf:65:3: blocks nested deeper than 64");
}

#[test]
fn virtual_ipaddress_errors_and_warnings() {
    let vi = |vips: &str| {
        format!(
            "vrrp_instance VI_1 {{\n virtual_router_id 1\n virtual_ipaddress {{\n{vips}\n }}\n}}\n"
        )
    };
    assert_eq!(
        err(&vi("  192.0.2.300")),
        "t.conf:4:3: expected a virtual IP address, found '192.0.2.300'"
    );
    assert_eq!(
        err(&vi("  192.0.2.1/x")),
        "t.conf:4:3: expected a prefix length after '/' in '192.0.2.1/x'"
    );
    assert_eq!(
        err(&vi("  192.0.2.1 dev")),
        "t.conf:4:13: expected a value after 'dev' for 192.0.2.1"
    );
    assert_eq!(
        err(&vi("  192.0.2.1 brd 1.2")),
        "t.conf:4:17: expected an IP address for 'brd', found '1.2'"
    );
    assert_eq!(
        warnings(&vi("  192.0.2.2/33 scope foo bogus")),
        [
            "4:3: Invalid address prefix len 33 for address 192.0.2.2/33 - using 32",
            "4:22: Invalid scope 'foo' specified for 192.0.2.2/33 - ignoring",
            "4:26: Unknown configuration entry 'bogus' for ip address - ignoring",
        ]
    );
}

#[test]
fn checks_made_once_everything_is_read() {
    let c = conf(&instance(" state MASTER\n nopreempt"));
    assert!(!c.instances[0].nopreempt, "cleared as keepalived does");
    assert_eq!(
        c.warnings[0].message,
        "(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing"
    );
    let c = conf(&instance(" advert_int 1.5"));
    assert_eq!(c.instances[0].advert_int_us, Some(2_000_000));
    assert_eq!(
        c.warnings[0].message,
        "(VI_1) VRRPv2 advertisement interval 1.5s must be an integer. rounding to 2s"
    );
    let c = conf(&instance(" version 3\n advert_int 0.05"));
    assert_eq!(
        (c.instances[0].advert_int_us, c.warnings.len()),
        (Some(50_000), 0)
    );
    let c = conf(&instance(" track_script {\n  nochk\n }"));
    assert!(c.instances[0].track_scripts.is_empty());
    assert_eq!(
        c.warnings[0].message,
        "(VI_1) track script nochk not found, ignoring..."
    );
    assert_eq!(
        warnings("vrrp_instance VI_1 {\n virtual_router_id 1\n}\n"),
        ["1:1: (VI_1) No VIP specified; at least one is sensible"]
    );
}

#[test]
fn instance_values_keepalived_replaces() {
    assert_eq!(
        warnings(&instance(" state backup")),
        ["6:8: (VI_1) unknown state 'backup', defaulting to BACKUP"]
    );
    assert_eq!(
        warnings(&instance(
            " authentication {\n  auth_type PASS\n  auth_pass 123456789\n }"
        )),
        ["8:13: Truncating auth_pass to 8 characters"]
    );
    assert_eq!(
        warnings(&instance(" authentication {\n  auth_type MD5\n }")),
        ["7:13: unknown authentication type 'MD5' (ignored)"]
    );
    assert_eq!(warnings(&instance(" track_interface {\n  eth0 weight 254\n  eth1 weight 300\n }")), [
        "7:15: (VI_1) weight for eth0 cannot be +/-254. Setting to +/-253",
        "8:15: (VI_1) track interface eth1: weight must be between [-253..253] inclusive, ignoring...",
    ]);
    assert_eq!(
        err(&instance(" track_interface {\n  eth0 wait 3\n }")),
        "t.conf:7:8: expected 'weight' after 'eth0', found 'wait'"
    );
    assert_eq!(
        err(&instance(" track_interface {\n  eth0 weight x\n }")),
        "t.conf:7:15: expected a number after 'weight', found 'x'"
    );
    assert_eq!(
        warnings(&instance(
            " unicast_peer {\n  192.0.2.9 min_ttl 2\n  192.0.2.10 192.0.2.11\n }"
        )),
        [
            "7:13: 'min_ttl' is not simulated (ignored)",
            "8:14: 192.0.2.11 is missing a value",
        ]
    );
    assert_eq!(
        warnings("vrrp_script c {\n interval 0\n weight 254\n rise 0\n}\n"),
        [
            "2:11: (c): vrrp script interval must be greater than 0, setting to 1",
            "3:9: 'weight' 254 is out of range [-253, 253]; keepalived ignores it",
            "4:7: 'rise' 0 is out of range [1, 4294967295]; keepalived ignores it",
        ]
    );
}

#[test]
fn virtual_server_errors() {
    assert_eq!(err("virtual_server web 80 {\n}\n"), "t.conf:1:16: expected an IP address, 'fwmark' or 'group' after 'virtual_server', found 'web'");
    assert_eq!(
        err("virtual_server 192.0.2.1 http {\n}\n"),
        "t.conf:1:26: expected a port number after 'virtual_server', found 'http'"
    );
    assert_eq!(
        err("virtual_server 192.0.2.1 80 {\n protocol ICMP\n}\n"),
        "t.conf:2:11: expected TCP, UDP or SCTP after 'protocol', found 'ICMP'"
    );
    assert_eq!(err("virtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n  TCP_CHECK {\n   connect_port 70000\n  }\n }\n}\n"), "t.conf:4:17: expected a port number after 'connect_port', found '70000'");
    let w = warnings("virtual_server 192.0.2.1 80 {\n lb_algo xx\n lb_kind FOO\n protocol TCP\n real_server 192.0.2.2 80 {\n  weight -1\n  TCP_CHECK {\n   nb_get_retry 3\n  }\n }\n}\n");
    assert_eq!(
        w,
        [
            "2:10: unknown scheduler 'xx' (ignored)",
            "3:10: unknown [FOO] routing method for virtual server (ignored)",
            "6:10: 'weight' -1 is out of range [0, 2147483647]; keepalived ignores it",
            "8:4: Unknown keyword 'nb_get_retry'",
            "1:1: Virtual server 192.0.2.1:80: no scheduler set, setting default 'wlc'",
            "1:1: Virtual server 192.0.2.1:80: no forwarding method set, setting default NAT",
        ]
    );
}

#[test]
fn inline_text_reports_lines_of_its_host_file() {
    let e = super::super::parse_str(
        "vrrp_instance X {\n priority x\n}",
        std::path::Path::new("s.toml"),
        10,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "s.toml:11:11: expected a number after 'priority', found 'x'"
    );
}
