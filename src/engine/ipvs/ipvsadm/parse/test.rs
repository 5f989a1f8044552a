use super::*;

fn a(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn vs(port: u16) -> ServiceKey {
    ServiceKey::Inet { proto: Proto::Tcp, addr: a("192.0.2.100"), port }
}

fn error(line: &str) -> (usize, String) {
    let e = parse(line).unwrap_err();
    (e.column, e.message)
}

#[test]
fn seed_script_lines() {
    assert_eq!(parse("-C").unwrap(), Command::Clear);
    let Command::AddService(s) = parse("ipvsadm -A -t 192.0.2.100:80 -s rr").unwrap() else { panic!() };
    assert_eq!((s.key, s.scheduler.as_str(), s.persistence), (vs(80), "rr", None));
    let Command::AddDest(k, d) = parse("/sbin/ipvsadm -a -t 192.0.2.100:80 -r 192.0.2.21:80 -g -w 1").unwrap() else { panic!() };
    assert_eq!((k, d), (vs(80), DestSpec::new(a("192.0.2.21"), 80)));
}

#[test]
fn defaults_wlc_dr_weight_one_and_the_service_port() {
    let Command::AddService(s) = parse("-A -t 192.0.2.100:80").unwrap() else { panic!() };
    assert_eq!(s.scheduler, "wlc");
    let Command::AddDest(_, d) = parse("-a -t 192.0.2.100:80 -r 192.0.2.21").unwrap() else { panic!() };
    assert_eq!((d.port, d.forward, d.weight), (80, Forward::Route, 1));
    // DR and TUN servers take the service port whatever -r says; NAT keeps it.
    let Command::AddDest(_, d) = parse("-a -t 192.0.2.100:80 -r 192.0.2.21:8080 -g").unwrap() else { panic!() };
    assert_eq!(d.port, 80);
    let Command::AddDest(_, d) = parse("-a -t 192.0.2.100:80 -r 192.0.2.21:8080 -m -w 3 -x 10 -y 5").unwrap() else { panic!() };
    assert_eq!((d.port, d.forward, d.weight, d.u_threshold, d.l_threshold), (8080, Forward::Masq, 3, 10, 5));
    let Command::AddDest(k, d) = parse("-a -f 3 -r 192.0.2.21 -i").unwrap() else { panic!() };
    assert_eq!((k, d.port, d.forward), (ServiceKey::Fwmark(3), 0, Forward::Tunnel));
}

#[test]
fn persistence_with_and_without_a_timeout() {
    let Command::AddService(s) = parse("-A -t 192.0.2.100:80 -s rr -p").unwrap() else { panic!() };
    assert_eq!(s.persistence, Some(Persistence { timeout_s: 360, netmask: Ipv4Addr::BROADCAST }));
    let Command::AddService(s) = parse("-A -t 192.0.2.100:80 -p 50 -M 255.255.255.0 -s sh").unwrap() else { panic!() };
    assert_eq!(s.persistence, Some(Persistence { timeout_s: 50, netmask: a("255.255.255.0") }));
    assert_eq!(s.scheduler, "sh");
    let Command::AddService(s) = parse("-A -t 192.0.2.100:0 -p600").unwrap() else { panic!() };
    assert_eq!(s.persistence.map(|p| p.timeout_s), Some(600));
}

#[test]
fn list_flags_bundle() {
    let f = |line: &str| match parse(line).unwrap() {
        Command::List(w, f) => (w, f),
        other => panic!("{other:?}"),
    };
    assert_eq!(f("-Ln").0, ListWhat::All);
    assert_eq!(f("-Lnc").0, ListWhat::Connections);
    let (w, fmt) = f("-L -n --stats -t 192.0.2.100:80");
    assert_eq!((w, fmt.stats, fmt.numeric), (ListWhat::Service(vs(80)), true, true));
    assert!(f("-Ln --rate --exact").1.exact);
    assert_eq!(f("-L --timeout").0, ListWhat::Timeout);
    assert!(f("-l --nosort --sort").1.nosort);
}

#[test]
fn other_commands() {
    assert_eq!(parse("--set 900 120 300").unwrap(), Command::SetTimeouts(900, 120, 300));
    assert_eq!(parse("-D -t 192.0.2.100:80").unwrap(), Command::DelService(vs(80)));
    assert_eq!(parse("-Z").unwrap(), Command::Zero(None));
    assert_eq!(parse("-Z -f 9").unwrap(), Command::Zero(Some(ServiceKey::Fwmark(9))));
    assert_eq!(parse("-S -n").unwrap(), Command::Save);
    let Command::DelDest(_, d) = parse("-d -t 192.0.2.100:80 -r 192.0.2.21").unwrap() else { panic!() };
    assert_eq!((d.addr, d.port), (a("192.0.2.21"), 80));
    let Command::EditService(s) = parse("-E -u 192.0.2.100:53 -s mh -b mh-port -o").unwrap() else { panic!() };
    assert!(s.flags.port && s.one_packet);
    let Command::EditDest(_, d) = parse("--edit-server --tcp-service=192.0.2.100:80 --real-server 192.0.2.21 --weight=0").unwrap()
    else {
        panic!()
    };
    assert_eq!(d.weight, 0);
}

#[test]
fn errors_name_the_column() {
    assert_eq!(error("-A -t 192.0.2.100:80 -s rr -r 192.0.2.1"), (28, "Illegal 'real-server' option with the 'add-service' command".into()));
    assert_eq!(error("-a -t 192.0.2.100:80"), (0, "You need to supply the 'real-server' option for the 'add-server' command".into()));
    assert_eq!(error("-a -t 192.0.2.100:80 -r 192.0.2.21 -w 70000"), (36, "illegal weight specified".into()));
    assert_eq!(error("-A -t 192.0.2.300:80"), (4, "illegal virtual server address[:port] specified".into()));
    assert_eq!(error("-A -t 192.0.2.100:http"), (4, "illegal virtual server address[:port] specified".into()));
    assert_eq!(error("-A -t 192.0.2.100:80 -s rr -s wrr"), (28, "multiple 'scheduler' options specified".into()));
    assert_eq!(error("-A -a"), (4, "multiple commands specified".into()));
    assert_eq!(error("-Ln -Z").0, 5);
    assert_eq!(error("-LZ").0, 3);
    assert_eq!(error("-t 192.0.2.100:80 -A").0, 1);
    assert_eq!(error("-A -t 192.0.2.100:80 -k"), (23, "invalid option `-k'".into()));
    assert_eq!(error("-A -t 192.0.2.100:80 --bogus"), (22, "invalid option `--bogus'".into()));
    assert_eq!(error("-A -t 192.0.2.100:80 extra"), (22, "unexpected argument extra".into()));
    assert_eq!(error("-A -t 192.0.2.100"), (0, "Zero port specified for non-persistent service".into()));
    assert_eq!(error("-A -t 192.0.2.100:80 -o"), (0, "One-Packet Scheduling is only for UDP virtual services".into()));
    assert_eq!(error("-A -t 192.0.2.100:80 -p 0").1, "invalid timeout value `0' specified");
    assert_eq!(error("-A -t 192.0.2.100:80 -s rr -b sh-port"), (28, "incompatible scheduler flag `sh-port'".into()));
    assert_eq!(error("-A -f 0").1, "invalid fwmark value `0' specified");
    assert_eq!(error("--set 1 2").1, "--set option requires 3 timeout values");
    assert_eq!(error("-L -c -t 192.0.2.100:80").1, "The option 'service-address' conflicts with the 'connection' option in the 'list' command");
    assert_eq!(error("-L -c --stats").1, "options conflicts in the list command");
    assert_eq!(error("-A -t [2001:db8::1]:80").1, "IPv6 services are not modelled by the simulator");
    assert_eq!(error("--start-daemon master").1, "option `--start-daemon' is not modelled by the simulator");
    assert_eq!(error("-A -t").1, "-t: missing argument");
    assert_eq!(error("").1, "no command given (try -A, -a, -L, ...)");
}

#[test]
fn display_includes_the_column() {
    assert_eq!(parse("-A -a").unwrap_err().to_string(), "column 4: multiple commands specified");
}
