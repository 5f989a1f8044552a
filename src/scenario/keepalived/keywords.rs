//! Keywords that keepalived 2.x accepts but the simulator does not model, per
//! section (names from keepalived's `install_keyword` calls). Meeting one
//! gives "not simulated"; a word in no list gives keepalived's own
//! "Unknown keyword 'x'". The keywords the importer does model are matched
//! in the section parsers, not listed here.

pub const ROOT: &[&str] = &[
    "static_ipaddress", "static_routes", "static_rules", "track_group", "garp_group", "linkbeat_interfaces",
    "vrrp_track_process", "vrrp_track_file", "track_file", "virtual_server_group", "SSL", "net_namespace",
    "net_namespace_ipvs", "namespace_with_ipsets", "use_pid_dir", "instance", "child_wait_time",
    "linkbeat_use_polling", "interface_up_down_delays", "bfd_instance",
];

pub const GLOBAL: &[&str] = &[
    "process_names", "process_name", "vrrp_process_name", "checker_process_name", "lvs_process_name",
    "bfd_process_name", "use_symlink_paths", "set_supplementary_groups", "notification_email_from",
    "smtp_server", "smtp_helo_name", "smtp_connect_timeout", "notification_email", "smtp_alert",
    "startup_script", "startup_script_timeout", "shutdown_script", "shutdown_script_timeout",
    "max_auto_priority", "min_auto_priority_delay", "smtp_alert_vrrp", "smtp_alert_checker",
    "checker_log_all_failures", "dynamic_interfaces", "no_email_faults", "default_interface",
    "disable_local_igmp", "v3_checksum_as_v2", "lvs_timeouts", "lvs_flush", "lvs_flush_on_stop",
    "lvs_flush_onstop", "lvs_sync_daemon", "vrrp_mcast_group4", "vrrp_mcast_group6",
    "vrrp_garp_master_refresh_repeat", "vrrp_garp_lower_prio_delay", "vrrp_garp_lower_prio_repeat",
    "vrrp_down_timer_adverts", "vrrp_gna_interval", "vrrp_min_garp", "vrrp_garp_extra_if",
    "vrrp_vmac_garp_intvl", "vrrp_iptables", "vrrp_ipsets", "nftables", "nftables_priority",
    "nftables_ifindex", "vrrp_check_unicast_src", "vrrp_priority", "vrrp_no_swap", "vrrp_rt_priority",
    "vrrp_cpu_affinity", "vrrp_rlimit_rttime", "vrrp_rlimit_rtime", "nftables_ipvs", "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark", "nftables_counters", "notify_fifo", "notify_fifo_script", "vrrp_notify_fifo",
    "vrrp_notify_fifo_script", "vrrp_notify_priority_changes", "fifo_write_vrrp_states_on_reload",
    "lvs_notify_fifo", "lvs_notify_fifo_script", "checker_priority", "checker_no_swap", "checker_rt_priority",
    "checker_cpu_affinity", "checker_rlimit_rttime", "checker_rlimit_rtime", "bfd_priority", "bfd_no_swap",
    "bfd_rt_priority", "bfd_cpu_affinity", "bfd_rlimit_rttime", "bfd_rlimit_rtime", "snmp_socket",
    "enable_traps", "enable_snmp_vrrp", "enable_snmp_keepalived", "enable_snmp_rfc", "enable_snmp_rfcv2",
    "enable_snmp_rfcv3", "enable_snmp_checker", "snmp_vs_stats_update_interval",
    "snmp_rs_stats_update_interval", "enable_dbus", "dbus_service_name", "dbus_no_interface_name",
    "script_user", "enable_script_security", "vrrp_netlink_cmd_rcv_bufs", "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs", "vrrp_netlink_monitor_rcv_bufs_force", "process_monitor_rcv_bufs",
    "process_monitor_rcv_bufs_force", "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_cmd_rcv_bufs_force",
    "lvs_netlink_monitor_rcv_bufs", "lvs_netlink_monitor_rcv_bufs_force", "rs_init_notifies",
    "no_checker_emails", "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier", "vrrp_startup_delay",
    "vrrp_delay_after_boot", "log_unknown_vrids", "vrrp_owner_ignore_adverts", "vmac_prefix",
    "vmac_addr_prefix", "umask", "random_seed", "reload_check_config", "reload_time_file", "reload_repeat",
    "reload_file", "include_check", "config_save_dir", "tmp_config_directory", "data_use_instance",
    "json_version", "iproute_usr_dir", "iproute_etc_dir", "state_dump_file", "stats_dump_file",
    "json_dump_file",
];

pub const INSTANCE: &[&str] = &[
    "use_vmac_addr", "vmac_xmit_base", "use_ipvlan", "unicast_fault_no_peer", "check_unicast_src",
    "old_unicast_checksum", "native_ipv6", "vrf", "dont_track_primary", "track_file", "track_process",
    "track_bfd", "mcast_dst_ip", "track_src_ip", "unicast_ttl", "no_virtual_ipaddress", "promote_secondaries",
    "linkbeat_use_polling", "v3_checksum_as_v2", "virtual_routes", "virtual_rules", "skip_check_adv_addr",
    "debug", "notify_deleted", "notify_master_rx_lower_pri", "smtp_alert", "notify_priority_changes",
    "lvs_sync_daemon_interface", "garp_master_refresh_repeat", "garp_lower_prio_delay",
    "garp_lower_prio_repeat", "down_timer_adverts", "timer_expired_backup", "thread_timer_expired",
    "garp_extra_if", "vmac_garp_intvl", "lower_prio_no_advert", "higher_prio_send_advert",
    "owner_ignore_adverts", "kernel_rx_buf_size", "auth_hmac", "key", "active_key", "time_window",
    "anti_replay", "mode",
];

pub const SCRIPT: &[&str] = &["user", "init_fail"];

pub const SYNC_GROUP: &[&str] = &[
    "track_interface", "track_script", "track_file", "track_process", "track_bfd", "smtp_alert",
    "global_tracking", "sync_group_tracking_weight", "notify_priority_changes",
];

pub const NOTIFY: &[&str] = &["notify_master", "notify_backup", "notify_fault", "notify_stop", "notify"];

pub const VIRTUAL_SERVER: &[&str] = &[
    "ip_family", "hashed", "ops", "flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port",
    "mh-fallback", "persistence_engine", "ha_suspend", "smtp_alert", "virtualhost", "snmp_name", "omega",
    "quorum_up", "quorum_down", "hysteresis", "weight", "sorry_server_inhibit", "sorry_server_lvs_method",
];

pub const REAL_SERVER: &[&str] = &[
    "lvs_method", "uthreshold", "lthreshold", "notify_up", "notify_down", "smtp_alert", "virtualhost",
    "snmp_name", "delay_loop",
];

/// Common to every checker and not modelled (the modelled ones are matched).
pub const CHECKER: &[&str] = &["bindto", "bind_port", "bind_if", "fwmark", "log_all_failures"];

pub const HTTP_CHECKER: &[&str] = &[
    "virtualhost", "http_protocol", "enable_sni", "sni_name", "fast_recovery", "tls_compliant",
];

pub const URL: &[&str] = &[
    "digest", "status_code", "virtualhost", "regex", "regex_no_match", "regex_options", "regex_min_offset",
    "regex_max_offset", "regex_stack",
];

pub const MISC_CHECKER: &[&str] = &["misc_timeout", "misc_dynamic", "user"];
pub const DNS_CHECKER: &[&str] = &["type", "name"];
pub const SMTP_CHECKER: &[&str] = &["helo_name", "host"];

/// Schedulers of `lb_algo` / `lvs_sched`.
pub const SCHEDULERS: &[&str] =
    &["rr", "wrr", "lc", "wlc", "lblc", "lblcr", "sh", "dh", "mh", "fo", "ovf", "sed", "nq", "twos"];
