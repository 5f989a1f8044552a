//! Namespaces, links and their removal, whatever ends the lab.

use super::*;

#[test]
fn namespaces_and_veths_are_made_and_removed() {
    let Some(_serial) = lab_env(false) else { return };
    let scenario = Scenario {
        nodes: vec![node("n1", "192.0.2.11/24", 1), node("n2", "192.0.2.12/24", 2)],
        ..Default::default()
    };
    let lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
    let name = lab.name().to_string();
    let listed = ip_netns_list();
    for ns in [name.clone(), format!("{name}.n1"), format!("{name}.n2")] {
        assert!(listed.contains(&ns), "{ns} not in {listed:?}");
    }
    let n1 = ip_in(&format!("{name}.n1"), &["addr", "show", "dev", "eth0"]);
    assert!(n1.contains("inet 192.0.2.11/24"), "{n1}");
    assert!(n1.contains("link/ether 02:00:00:00:00:01"), "{n1}");
    assert!(n1.contains("state UP"), "{n1}");
    assert!(!n1.contains("inet6"), "IPv6 is off on an IPv4-only node: {n1}");
    let lo = ip_in(&format!("{name}.n1"), &["link", "show", "dev", "lo"]);
    assert!(lo.contains("UP"), "{lo}");
    let ports = ip_in(&name, &["link", "show", "master", "br0"]);
    assert!(ports.contains("p-n1@") && ports.contains("p-n2@"), "{ports}");
    // Nothing of the lab is in the host's namespace.
    let host = Command::new("ip").args(["link", "show"]).output().unwrap();
    let host = String::from_utf8_lossy(&host.stdout);
    assert!(!host.contains("p-n1") && !host.contains("br0:"), "{host}");
    // The nodes reach each other over the bridge (ARP, then UDP).
    let rx = lab.node("n2").unwrap().netns.run(|| Ok(UdpSocket::bind("192.0.2.12:9999")?)).unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    lab.node("n1")
        .unwrap()
        .netns
        .run(|| Ok(UdpSocket::bind("192.0.2.11:0")?.send_to(b"hello", "192.0.2.12:9999")?))
        .unwrap();
    let mut buf = [0; 16];
    let (n, from) = rx.recv_from(&mut buf).expect("n2 received nothing from n1");
    assert_eq!((&buf[..n], from.ip()), (&b"hello"[..], ip("192.0.2.11")));
    drop(lab);
    let after = ip_netns_list();
    assert!(!after.iter().any(|n| n.starts_with(&name)), "left behind: {after:?}");
    assert!(!vrrplab::lab::cleanup::lab_dir(&name).exists());
}

#[test]
fn nodes_get_ipv6_loopback_vips_sysctls_and_a_gateway() {
    let Some(_serial) = lab_env(false) else { return };
    let mut rs = node("rs1", "192.0.2.21/24", 0x21);
    rs.addrs.push(addr("2001:db8::21/64"));
    rs.vip_on_lo = vec![ip("192.0.2.100")];
    rs.arp_ignore = 1;
    rs.arp_announce = 2;
    rs.gateway = Some(ip("192.0.2.1"));
    rs.ip_forward = true;
    let scenario = Scenario { nodes: vec![rs], ..Default::default() };
    let host_announce = || std::fs::read_to_string("/proc/sys/net/ipv4/conf/all/arp_announce").unwrap();
    let host_before = host_announce();
    let lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
    let ns = format!("{}.rs1", lab.name());
    let eth = ip_in(&ns, &["addr", "show", "dev", "eth0"]);
    assert!(eth.contains("inet6 2001:db8::21/64"), "{eth}");
    assert!(!eth.contains("tentative"), "usable at once, without DAD: {eth}");
    let lo = ip_in(&ns, &["addr", "show", "dev", "lo"]);
    assert!(lo.contains("inet 192.0.2.100/32"), "{lo}");
    let routes = ip_in(&ns, &["route", "show", "default"]);
    assert!(routes.contains("default via 192.0.2.1 dev eth0"), "{routes}");
    let sysctl = |key: &str| {
        let out = Command::new("ip").args(["netns", "exec", &ns, "cat", &format!("/proc/sys/net/ipv4/conf/{key}")]).output();
        String::from_utf8_lossy(&out.unwrap().stdout).trim().to_string()
    };
    assert_eq!(sysctl("eth0/arp_ignore"), "1");
    let forward = Command::new("ip").args(["netns", "exec", &ns, "cat", "/proc/sys/net/ipv4/ip_forward"]).output();
    assert_eq!(String::from_utf8_lossy(&forward.unwrap().stdout).trim(), "1");
    assert_eq!(sysctl("all/arp_announce"), "2");
    assert_eq!(host_announce(), host_before, "the host's own settings are untouched");
}

#[test]
fn a_lab_that_fails_halfway_up_removes_what_it_made() {
    let Some(_serial) = lab_env(false) else { return };
    let mine = || {
        let prefix = format!("vl-{}-", std::process::id());
        ip_netns_list().into_iter().filter(|n| n.starts_with(&prefix)).count()
    };
    let before = mine();
    let bad = Node { addrs: vec![IfAddr { addr: ip("192.0.2.12"), prefix: 33 }], ..node("n2", "192.0.2.12/24", 2) };
    let scenario = Scenario { nodes: vec![node("n1", "192.0.2.11/24", 1), bad], ..Default::default() };
    let err = Lab::up(&scenario, &LabOptions::default()).err().expect("a /33 cannot be added");
    assert!(format!("{err:#}").contains("n2"), "{err:#}");
    assert_eq!(mine(), before);
    for bad_name in ["", "a-name-far-too-long", "n/1"] {
        let scenario = Scenario { nodes: vec![node(bad_name, "192.0.2.11/24", 1)], ..Default::default() };
        assert!(Lab::up(&scenario, &LabOptions::default()).is_err(), "{bad_name:?}");
    }
    assert_eq!(mine(), before);
}

#[test]
fn a_panic_inside_a_lab_still_removes_its_namespaces() {
    let Some(_serial) = lab_env(false) else { return };
    let scenario = Scenario { nodes: vec![node("n1", "192.0.2.11/24", 1)], ..Default::default() };
    let name = Mutex::new(String::new());
    let result = std::panic::catch_unwind(|| {
        let lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
        *name.lock().unwrap() = lab.name().to_string();
        assert!(ip_netns_list().contains(&format!("{}.n1", lab.name())));
        panic!("on purpose, with the lab up");
    });
    assert!(result.is_err());
    let name = name.into_inner().unwrap();
    assert!(!name.is_empty());
    let after = ip_netns_list();
    assert!(!after.iter().any(|n| n.starts_with(&name)), "left behind: {after:?}");
}

/// Run by the tests below in a child process that is then killed or
/// signalled: brings a lab up with keepalived on n1 and waits.
#[test]
#[ignore = "helper: run by other tests in a process of its own"]
fn helper_lab_that_waits_for_a_signal() {
    let Ok(marker) = std::env::var("VRRPLAB_TEST_MARKER") else { return };
    let scenario = pair(60, vec![]);
    let mut lab = Lab::up(&scenario, &LabOptions::default()).unwrap();
    lab.start("n1").unwrap();
    // A process that outlives a killed lab for sure (keepalived may die of
    // SIGPIPE at its next log line once the lab reading it is gone).
    let mut sleeper = lab
        .node("n2")
        .unwrap()
        .netns
        .run(|| Ok(Command::new("sleep").arg("60").stdout(std::process::Stdio::null()).spawn()?))
        .unwrap();
    std::fs::write(&marker, lab.name()).unwrap();
    vrrplab::lab::sleep_until(lab.t0(), Duration::from_secs(60));
    drop(lab);
    sleeper.wait().unwrap();
}

/// Starts [`helper_lab_that_waits_for_a_signal`]; returns it and its lab's name.
fn spawn_helper_lab() -> (std::process::Child, String) {
    let marker = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    std::fs::remove_file(&marker).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "namespaces::helper_lab_that_waits_for_a_signal", "--ignored", "--nocapture"])
        .env("VRRPLAB_TEST_MARKER", &*marker)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut name = std::fs::read_to_string(&marker);
    while name.is_err() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        name = std::fs::read_to_string(&marker);
    }
    if name.is_err() {
        let _ = child.kill();
        let _ = child.wait();
    }
    (child, name.expect("the helper never brought its lab up"))
}

fn wait_gone(pids: &[nix::unistd::Pid]) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| running(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    !pids.iter().any(|p| running(*p))
}

#[test]
fn a_killed_lab_leaves_namespaces_that_lab_down_removes() {
    let Some(_serial) = lab_env(true) else { return };
    let (mut child, name) = spawn_helper_lab();
    child.kill().unwrap();
    child.wait().unwrap();
    let left = ip_netns_list();
    assert!(left.contains(&format!("{name}.n1")), "the killed lab should leave {name}.n1 behind: {left:?}");
    let left_running = netns::Netns::open(&format!("{name}.n2")).unwrap().pids();
    assert!(!left_running.is_empty(), "the helper's process should outlive the killed lab");

    let out = Command::new(env!("CARGO_BIN_EXE_vrrplab")).args(["lab", "down"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains(&format!("{name}.n1")), "{said}");
    let after = ip_netns_list();
    assert!(!after.iter().any(|n| n.starts_with(&name)), "left behind: {after:?}");
    assert!(wait_gone(&left_running), "a process of the lab is still running");
    assert!(!vrrplab::lab::cleanup::lab_dir(&name).exists());
}

#[test]
fn sigterm_tears_the_lab_down() {
    let Some(_serial) = lab_env(true) else { return };
    let (mut child, name) = spawn_helper_lab();
    let keepalived = netns::Netns::open(&format!("{name}.n1")).unwrap().pids();
    assert!(!keepalived.is_empty());
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the lab process did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let after = ip_netns_list();
    assert!(!after.iter().any(|n| n.starts_with(&name)), "left behind: {after:?}");
    assert!(wait_gone(&keepalived), "keepalived still running");
    assert!(!vrrplab::lab::cleanup::lab_dir(&name).exists());
}

#[test]
fn a_frame_sent_from_a_node_is_captured_on_the_bridge() {
    let Some(_serial) = lab_env(false) else { return };
    let scenario = Scenario {
        nodes: vec![node("n1", "192.0.2.11/24", 1), node("n2", "192.0.2.12/24", 2)],
        ..Default::default()
    };
    let limits = CaptureLimits { max_frames: 100, max_duration: Duration::from_secs(10) };
    let mut lab = Lab::up(&scenario, &LabOptions { capture: Some(limits), echo_log: false }).unwrap();
    let n1 = lab.node("n1").unwrap();
    // An Ethernet frame with the local experimental EtherType, n1 -> n2.
    let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5];
    frame.extend_from_slice(b"vrrplab lab test frame, padded to the minimum");
    let n2_sock = lab.node("n2").unwrap().netns.run(|| {
        let mut rtnl = vrrplab::lab::netlink::Rtnl::open()?;
        PacketSocket::open(rtnl.link_index("eth0")?, false, Duration::from_millis(100))
    });
    let mut n2_sock = n2_sock.unwrap();
    n1.netns
        .run(|| {
            let mut rtnl = vrrplab::lab::netlink::Rtnl::open()?;
            PacketSocket::open(rtnl.link_index("eth0")?, false, Duration::from_millis(100))?.send(&frame)
        })
        .unwrap();
    let mut got = Frame::default();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut received = false;
    while !received && Instant::now() < deadline {
        received = n2_sock.recv(&mut got).unwrap() && got.data == frame;
    }
    assert!(received, "n2 never received n1's frame");
    std::thread::sleep(Duration::from_millis(200));
    let frames = lab.finish_capture().unwrap();
    assert!(frames.iter().any(|f| f.data == frame && f.linktype == LinkType::Ethernet), "{} frames", frames.len());
}
