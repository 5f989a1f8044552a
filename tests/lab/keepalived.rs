//! Real keepalived on the lab: elections and every fault, done the real way
//! (most checked for the engine too).

use super::*;

#[test]
fn two_keepalived_elect_one_master() {
    let Some(_serial) = lab_env(true) else { return };
    let rec = run(&pair(6, vec![]), &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    assert!(!ads.is_empty(), "no adverts captured");
    assert!(ads.iter().all(|(_, src, prio)| *src == ip("192.0.2.11") && *prio == 100), "{ads:?}");
    let master_lines = rec.log.iter().filter(|l| l.text.contains("Entering MASTER STATE")).collect::<Vec<_>>();
    assert_eq!(master_lines.len(), 1, "{master_lines:?}");
    assert_eq!(master_lines[0].node, "n1");
    // The VIP is on the master only.
    assert!(rec.log.iter().any(|l| l.node == "n1" && l.text.contains("setting VIPs")));
    assert!(!rec.interrupted);
}

#[test]
fn graceful_stop_fails_over_after_skew_time() {
    let Some(_serial) = lab_env(true) else { return };
    let stop = Event { at_us: 5_000_000, action: Action::Stop { node: "n1".into() } };
    let rec = run(&pair(8, vec![stop]), &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    let resign = ads.iter().position(|(_, src, prio)| *src == ip("192.0.2.11") && *prio == 0);
    let resign = resign.unwrap_or_else(|| panic!("no priority-0 advert: {ads:?}"));
    let (t_resign, _, _) = ads[resign];
    // Nothing from n2 before the resignation; after it, n2 at 90.
    assert!(ads[..resign].iter().all(|(_, src, _)| *src == ip("192.0.2.11")), "{ads:?}");
    let (t_first, _, prio) = ads[resign + 1..]
        .iter()
        .copied()
        .find(|(_, src, _)| *src == ip("192.0.2.12"))
        .unwrap_or_else(|| panic!("the backup never advertised: {ads:?}"));
    assert_eq!(prio, 90);
    // Skew_Time at priority 90 is (256-90)/256 s = 0.648 s.
    let takeover = t_first - t_resign;
    assert!((0.5..1.0).contains(&takeover), "takeover after {takeover:.3} s, expected about 0.648 s");
    assert!(rec.log.iter().any(|l| l.node == "n1" && l.text.contains("sent 0 priority")));
    assert!(rec.log.iter().any(|l| l.node == "n2" && l.text.contains("Entering MASTER STATE")));
}

#[test]
fn an_nftables_vrrp_block_makes_split_brain() {
    let Some(_serial) = lab_env(true) else { return };
    let block = |n: &str| Event { at_us: 0, action: Action::BlockVrrp { node: n.into() } };
    let rec = run(&pair(6, vec![block("n1"), block("n2")]), &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    for (who, prio) in [("192.0.2.11", 100), ("192.0.2.12", 90)] {
        assert!(ads.iter().any(|(_, src, p)| *src == ip(who) && *p == prio), "{who} never advertised: {ads:?}");
    }
    for n in ["n1", "n2"] {
        assert!(
            rec.log.iter().any(|l| l.node == n && l.text.contains("Entering MASTER STATE")),
            "{n} never became master"
        );
    }
}

#[test]
fn a_crash_is_silent_and_the_backup_waits_master_down_interval() {
    let Some(_serial) = lab_env(true) else { return };
    for imp in IMPLS {
        let crash = Event { at_us: 4_500_000, action: Action::Crash { node: "n1".into() } };
        let rec = run(&pair_of(imp, 9, vec![crash]), &capture_opts()).unwrap();
        let ads = adverts(&rec.frames);
        assert!(!ads.iter().any(|(_, _, p)| *p == 0), "{imp:?}: a crash sends no priority 0: {ads:?}");
        let last_n1 = ads.iter().rev().find(|(_, src, _)| *src == ip("192.0.2.11")).expect("n1 advertised").0;
        let (first_n2, prio) = first_advert_from(&ads, "192.0.2.12", 0.0).expect("n2 took over");
        assert_eq!(prio, 90);
        // Master_Down_Interval at priority 90: 3 s + 0.648 s.
        let waited = first_n2 - last_n1;
        assert!((3.4..3.9).contains(&waited), "{imp:?}: n2 took over {waited:.3} s after n1's last advert: {ads:?}");
        assert!(!logged(&rec, "n1", "sent 0 priority"));
    }
}

#[test]
fn link_down_takes_the_master_off_the_lan() {
    let Some(_serial) = lab_env(true) else { return };
    for imp in IMPLS {
        let down = Event { at_us: 4_500_000, action: Action::LinkDown { node: "n1".into() } };
        let rec = run(&pair_of(imp, 9, vec![down]), &capture_opts()).unwrap();
        let ads = adverts(&rec.frames);
        assert!(first_advert_from(&ads, "192.0.2.11", 0.0).is_some(), "{imp:?}: n1 was master first: {ads:?}");
        assert!(first_advert_from(&ads, "192.0.2.12", 0.0).is_some(), "{imp:?}: n2 took over: {ads:?}");
        assert!(logged(&rec, "n1", "Entering FAULT STATE"), "{imp:?}: n1 saw its link go down");
        assert!(logged(&rec, "n2", "Entering MASTER STATE"));
    }
}

#[test]
fn a_partition_splits_the_lan_and_heal_joins_it() {
    let Some(_serial) = lab_env(true) else { return };
    let groups = vec![vec!["n1".to_string()], vec!["n2".to_string()]];
    let events = vec![
        Event { at_us: 0, action: Action::Partition { groups } },
        Event { at_us: 5_000_000, action: Action::Heal },
    ];
    let rec = run(&pair(7, events), &capture_opts()).unwrap();
    for n in ["n1", "n2"] {
        assert!(logged(&rec, n, "Entering MASTER STATE"), "{n} never became master behind the partition");
    }
    // After the heal n2 hears n1's higher priority and yields.
    assert!(logged(&rec, "n2", "Entering BACKUP STATE"), "n2 did not yield after the heal");
    let yielded = rec.log.iter().rfind(|l| l.node == "n2" && l.text.contains("Entering BACKUP STATE")).unwrap();
    assert!(yielded.at > Duration::from_secs(5));
}

#[test]
fn a_failing_script_lowers_the_priority_and_set_priority_raises_it() {
    let Some(_serial) = lab_env(true) else { return };
    for imp in IMPLS {
        script_and_priority(imp);
    }
}

fn script_and_priority(imp: Impl) {
    let mut scenario = pair_of(imp, 10, vec![]);
    let conf = scenario.nodes[0].keepalived.as_mut().unwrap();
    conf.scripts.push(vrrplab::scenario::conf::VrrpScript {
        name: "chk".into(),
        script: "/usr/bin/true".into(),
        interval_us: Some(1_000_000),
        weight: Some(-30),
        ..Default::default()
    });
    conf.instances[0].track_scripts.push(vrrplab::scenario::conf::Track { name: "chk".into(), weight: None, reverse: false });
    scenario.events = vec![
        Event { at_us: 0, action: Action::ScriptFail { node: "n1".into(), script: "chk".into() } },
        Event { at_us: 5_000_000, action: Action::SetPriority { node: "n1".into(), priority: 200 } },
    ];
    let rec = run(&scenario, &capture_opts()).unwrap();
    let ads = adverts(&rec.frames);
    // 100 - 30 = 70 < 90: n2 is elected.
    let (t_n2, _) = first_advert_from(&ads, "192.0.2.12", 0.0).expect("n2 was elected");
    assert!(!ads.iter().any(|(t, src, _)| *t < t_n2 && *src == ip("192.0.2.11")), "{imp:?}: {ads:?}");
    assert!(logged(&rec, "n1", "VRRP_Script(chk) failed"));
    // 200 - 30 = 170 > 90: n1 takes over, advertising 170.
    assert!(ads.iter().any(|(_, src, p)| *src == ip("192.0.2.11") && *p == 170), "{imp:?}: {ads:?}");
}
