//! `use_vmac` on the lab: the engine's macvlans beside real keepalived's.

use super::*;
use vrrplab::analyze::Analyzer;

const VMAC: [u8; 6] = [0x00, 0x00, 0x5e, 0x00, 0x01, 51];

fn vmac_node(name: &str, ip: &str, last: u8, imp: Impl, priority: u8) -> Node {
    let mut n = keepalived_node(name, ip, last, InitialState::Backup, priority);
    n.implementation = imp;
    for i in &mut n.keepalived.as_mut().unwrap().instances {
        i.use_vmac = true;
    }
    n
}

fn ns(lab: &Lab, node: &str) -> String {
    format!("{}.{node}", lab.name())
}

/// The VIP is on the node's `vrrp.51`, which is the private macvlan of VRID 51.
fn has_vip(lab: &Lab, node: &str) -> bool {
    let ns = ns(lab, node);
    let links = ip_in(&ns, &["-d", "link", "show"]);
    if !links.contains("vrrp.51@eth0") {
        return false;
    }
    let link = ip_in(&ns, &["-d", "link", "show", "dev", "vrrp.51"]);
    assert!(link.contains("link/ether 00:00:5e:00:01:33") && link.contains("macvlan mode private"), "{link}");
    ip_in(&ns, &["addr", "show", "dev", "vrrp.51"]).contains("inet 192.0.2.100/24")
}

fn conf_value(lab: &Lab, node: &str, iface: &str, key: &str) -> String {
    let out = Command::new("ip")
        .args(["netns", "exec", &ns(lab, node), "cat", &format!("/proc/sys/net/ipv4/conf/{iface}/{key}")])
        .output()
        .expect("ip netns exec");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The MAC `node`'s kernel resolves the VIP to, after sending a datagram
/// to `master`'s VIP (waits at most a second for the ARP answer). The
/// master listens, so that its kernel sends nothing back: its answer
/// would be routed out of its own interface from the VIP.
fn vip_mac_seen_from(lab: &Lab, node: &str, master: &str) -> String {
    let _listener = lab.node(master).unwrap().netns.run(|| Ok(UdpSocket::bind("0.0.0.0:9")?)).unwrap();
    let sock = lab.node(node).unwrap().netns.run(|| Ok(UdpSocket::bind("192.0.2.20:0")?)).unwrap();
    let mut seen = String::new();
    for _ in 0..20 {
        let _ = sock.send_to(b"who has the VIP", "192.0.2.100:9");
        std::thread::sleep(Duration::from_millis(50));
        seen = ip_in(&ns(lab, node), &["neigh", "show", "192.0.2.100"]);
        if seen.contains("lladdr") {
            break;
        }
    }
    seen
}

#[test]
fn engine_and_keepalived_with_use_vmac_agree_and_fail_over_both_ways() {
    let Some(_serial) = lab_env(true) else { return };
    let scenario = Scenario {
        nodes: vec![
            vmac_node("n1", "192.0.2.11/24", 1, Impl::Engine, 100),
            vmac_node("n2", "192.0.2.12/24", 2, Impl::Keepalived, 90),
            node("h", "192.0.2.20/24", 3),
        ],
        ..Default::default()
    };
    let limits = CaptureLimits { max_frames: 10_000, max_duration: Duration::from_secs(60) };
    let mut lab = Lab::up(&scenario, &LabOptions { capture: Some(limits), echo_log: false }).unwrap();
    let t0 = lab.t0();
    lab.start("n1").unwrap();
    lab.start("n2").unwrap();
    // Both made their macvlan at start; the engine (100) is elected and
    // its VIP is on its macvlan, answered for with the virtual MAC only.
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(4500)));
    assert!(has_vip(&lab, "n1") && !has_vip(&lab, "n2"));
    assert_eq!(conf_value(&lab, "n1", "vrrp.51", "arp_ignore"), "1");
    assert_eq!(conf_value(&lab, "n1", "vrrp.51", "accept_local"), "1");
    assert_eq!(conf_value(&lab, "n1", "vrrp.51", "rp_filter"), "0");
    assert_eq!((conf_value(&lab, "n1", "eth0", "arp_ignore"), conf_value(&lab, "n1", "eth0", "arp_filter")), ("1".into(), "1".into()));
    let seen = vip_mac_seen_from(&lab, "h", "n1");
    assert!(seen.contains("lladdr 00:00:5e:00:01:33"), "{seen}");
    // Engine -> keepalived: the engine resigns and removes its macvlan,
    // putting its interface's ARP settings back.
    lab.apply(&Action::Stop { node: "n1".into() }).unwrap();
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(6000)));
    assert!(!ip_in(&ns(&lab, "n1"), &["link", "show"]).contains("vrrp.51"));
    assert_eq!((conf_value(&lab, "n1", "eth0", "arp_ignore"), conf_value(&lab, "n1", "eth0", "arp_filter")), ("0".into(), "0".into()));
    assert!(has_vip(&lab, "n2"));
    // Keepalived -> engine: the engine comes back and preempts.
    lab.apply(&Action::Start { node: "n1".into() }).unwrap();
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(11000)));
    assert!(has_vip(&lab, "n1") && !has_vip(&lab, "n2"));
    // A crash leaves the macvlan and the VIP; the restart finds them.
    lab.apply(&Action::Crash { node: "n1".into() }).unwrap();
    assert!(has_vip(&lab, "n1"));
    lab.apply(&Action::Start { node: "n1".into() }).unwrap();
    assert!(vrrplab::lab::sleep_until(t0, Duration::from_millis(11500)));
    let frames = lab.finish_capture().unwrap();
    // The end of the run stops the daemon gracefully: its macvlan goes.
    lab.stop_all().unwrap();
    assert!(!ip_in(&ns(&lab, "n1"), &["link", "show"]).contains("vrrp.51"));
    let log = lab.log().lines();
    let name = lab.name().to_string();
    drop(lab);
    assert!(!ip_netns_list().iter().any(|n| n.starts_with(&name)));

    let said = |node: &str, text: &str| log.iter().filter(|l| l.node == node && l.text.contains(text)).count();
    assert_eq!(said("n1", "Entering MASTER STATE"), 2, "{log:#?}");
    assert_eq!(said("n1", "lab: created VMAC interface vrrp.51"), 2, "{log:#?}");
    assert_eq!(said("n1", "lab: removed VMAC interface vrrp.51"), 2, "{log:#?}");
    assert_eq!(said("n1", "lab: found matching interface vrrp.51"), 1, "{log:#?}");
    assert_eq!(said("n2", "Success creating VMAC interface vrrp.51"), 1);
    assert_eq!(said("n2", "Backup received priority 0 advertisement"), 1);
    assert_eq!(said("n2", "Entering MASTER STATE"), 1);
    assert_eq!(said("n2", "Master received advert from 192.0.2.11 with higher priority 100, ours 90"), 1);
    for bad in ["invalid", "Invalid", "mismatch", "wrong", "expect", "unexpected"] {
        assert_eq!(said("n2", bad), 0, "keepalived complained ({bad}): {log:#?}");
    }

    // On the wire: every advert, from either box, and every gratuitous ARP
    // for the VIP comes from the virtual MAC; the masters go n1, n2, n1.
    let mut masters: Vec<IpAddr> = Vec::new();
    let mut garps = 0;
    for f in &frames {
        let d = decode(f.linktype, &f.data);
        if let Some((ip, payload)) = d.vrrp() {
            assert_eq!(f.data[6..12], VMAC, "advert from {} not from the virtual MAC", ip.src);
            if Packet::new_checked(payload).unwrap().priority() > 0 && masters.last() != Some(&ip.src) {
                masters.push(ip.src);
            }
        }
        let arp = d.arp().and_then(|a| vrrplab::wire::arp::Packet::new_checked(a).ok()?.ether_ipv4());
        if let Some(p) = arp.filter(|p| p.spa == "192.0.2.100".parse::<std::net::Ipv4Addr>().unwrap()) {
            assert_eq!((f.data[6..12].to_vec(), p.sha), (VMAC.to_vec(), VMAC), "{p:?}");
            garps += usize::from(p.tpa == p.spa);
        }
    }
    assert_eq!(masters, [ip("192.0.2.11"), ip("192.0.2.12"), ip("192.0.2.11")]);
    assert!(garps >= 15, "{garps} gratuitous ARPs");

    // The analyzer takes the virtual MAC for what it is, not a conflict.
    let mut a = Analyzer::new();
    for f in &frames {
        a.feed(f);
    }
    let found = a.finish().findings;
    let conflicts: Vec<_> = found.iter().filter(|f| f.kind.contains("conflict") || (f.message.contains("00:00:5e:00:01:33") && f.severity > vrrplab::analyze::report::Severity::Info)).collect();
    assert!(conflicts.is_empty(), "{conflicts:#?}");
    assert!(found.iter().filter(|f| f.kind == "failover").count() >= 2, "{found:#?}");
}
