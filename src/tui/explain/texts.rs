//! The teaching texts, with this capture's numbers worked out. The timer
//! arithmetic is keepalived's ([`crate::wire::vrrp::skew_time_us`],
//! [`crate::wire::vrrp::master_down_us`]).

use super::Explanation;
use crate::tui::analysis::{micros, same_vr, Analysis};
use crate::tui::bands::{Router, Vr};
use crate::analyze::report::{Cause, Finding, TimelineEvent};
use crate::dissect::Node;
use crate::wire::vrrp::{master_down_us, skew_time_us};
use std::fmt::Write;
use std::net::IpAddr;

fn s(us: u64) -> String {
    format!("{:.3} s", us as f64 / 1e6)
}

/// A VRRP advert's timer inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advert {
    pub version: u8,
    pub prio: u8,
    pub interval_us: u64,
}

/// Skew_Time for `prio`, with the arithmetic shown.
pub fn skew_sentence(version: u8, prio: u8, interval_us: u64) -> String {
    let skew = skew_time_us(version, prio, interval_us);
    if version == 2 {
        format!("Skew_Time = (256 − {prio}) / 256 s = {}", s(skew))
    } else {
        format!("Skew_Time = (256 − {prio}) × {} / 256 = {}", s(interval_us), s(skew))
    }
}

/// Master_Down_Interval for a backup of priority `prio`, with the arithmetic shown.
pub fn master_down_sentence(version: u8, prio: u8, interval_us: u64) -> String {
    let skew = skew_time_us(version, prio, interval_us);
    format!(
        "Master_Down_Interval = 3 × {} + Skew_Time = 3 × {} + {} = {}",
        s(interval_us),
        s(interval_us),
        s(skew),
        s(master_down_us(version, prio, interval_us))
    )
}

const TIMERS: &str = "Skew_Time makes backups wait a little longer the lower their priority \
    is, so that when the master disappears the best backup speaks first and the others hear it \
    before their own timers run out.";

/// The selected field of the dissection tree.
pub fn field(node: &Node, bytes: &[u8], advert: Option<Advert>) -> Explanation {
    let mut text = String::new();
    let value = if node.value.is_empty() { node.title.clone() } else { node.value.clone() };
    let _ = write!(text, "{} = {value}", node.name);
    if let Some(r) = &node.range {
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let _ = write!(text, "\n\nBytes {}..{} of the frame: {}", r.start, r.end, hex.join(" "));
    }
    if !node.meaning.is_empty() {
        let _ = write!(text, "\n\n{}", node.meaning);
    }
    if let Some(a) = advert {
        match node.name {
            "vrrp.prio" => text.push_str(&prio_note(a)),
            "vrrp.adver_int" | "vrrp.short_adver_int" => text.push_str(&interval_note(a)),
            _ => {}
        }
    }
    Explanation { title: format!("Field {}", node.name), text }
}

fn prio_note(a: Advert) -> String {
    let mut t = String::new();
    match a.prio {
        0 => t.push_str(
            "\n\nPriority 0 is not a priority: it is the master saying goodbye (keepalived sends one \
             on a clean stop). Backups do not wait for the master to time out; each waits only its \
             own Skew_Time and the highest-priority backup takes over first.",
        ),
        255 => t.push_str(
            "\n\nPriority 255 means this router owns the virtual addresses (they are its real \
             addresses): it becomes master at once, without waiting, whenever it is up.",
        ),
        p => {
            let _ = write!(
                t,
                "\n\nWhile this router is master, a backup with priority {p} would wait:\n  {}\n  {}\n{TIMERS}",
                skew_sentence(a.version, p, a.interval_us),
                master_down_sentence(a.version, p, a.interval_us)
            );
        }
    }
    t
}

fn interval_note(a: Advert) -> String {
    let mut t = format!(
        "\n\nBackups count this interval: three of them without an advert, plus their Skew_Time, and \
         they declare the master dead. For a backup of priority {}:\n  {}\n\n{TIMERS}",
        a.prio.clamp(1, 254),
        master_down_sentence(a.version, a.prio.clamp(1, 254), a.interval_us)
    );
    if a.version == 3 {
        t.push_str("\n\nIn VRRPv3 backups adopt the master's interval, so a master with a shorter interval speeds up every backup's timers.");
    }
    t
}

/// The advert interval and priority of `router` around `us`, from its band.
fn router_at(vr: &Vr, addr: IpAddr, us: i64) -> Option<(&Router, u64, Option<u8>)> {
    let r = vr.routers.iter().find(|r| r.addr == addr)?;
    let n = r.runs.partition_point(|run| run.start < us);
    let run = r.runs.get(n.saturating_sub(1)).or(r.runs.first())?;
    Some((r, run.interval_us, r.prio_at(us - 1)))
}

/// A change of master, or a split brain starting or ending.
pub fn event(e: &TimelineEvent, a: &Analysis) -> Explanation {
    let key = *e.key();
    let vr = a.bands.vrs.iter().find(|vr| same_vr(&key, &vr.key));
    let us = micros(e.ts());
    match e {
        TimelineEvent::Master { router, prio, cause, takeover_s, previous, frame, .. } => {
            let title = format!("Frame {frame}: {router} becomes master of VRID {}", key.vrid);
            let interval = vr.and_then(|vr| router_at(vr, *router, us + 1)).map_or(1_000_000, |(_, i, _)| i);
            let prev_prio = match (vr, previous) {
                (Some(vr), Some(p)) => router_at(vr, *p, us).and_then(|(_, _, pr)| pr),
                _ => None,
            };
            let prev = previous.map_or("the previous master".to_string(), |p| p.to_string());
            let took = takeover_s.map_or(String::new(), |t| format!(" Measured here: {t:.3} s."));
            let v = key.version;
            let p = (*prio).clamp(1, 254);
            let text = match cause {
                Cause::Initial => format!(
                    "{router} (priority {prio}) is the first master seen for VRID {}: it was already master when \
                     the capture started, or it won the first election.\n\nAt start-up every keepalived router, even \
                     one configured `state MASTER`, begins as a backup and listens for Master_Down_Interval before it \
                     claims the role:\n  {}\nThe highest priority wins; on a tie, the higher primary address.",
                    key.vrid,
                    master_down_sentence(v, p, interval)
                ),
                Cause::Resign => format!(
                    "{prev} stopped gracefully: it sent one advert with priority 0, which tells the backups \"I am \
                     leaving, do not wait for me\".\n\nSo {router} did not wait the full Master_Down_Interval, only its \
                     Skew_Time:\n  {}\nthen it sent its own advert with priority {prio} and gratuitous ARPs for the \
                     virtual addresses.{took}\n\n{TIMERS}",
                    skew_sentence(v, p, interval)
                ),
                Cause::Timeout => format!(
                    "{prev} went silent without saying goodbye: a crash, a cut link, or its adverts blocked. A backup \
                     cannot tell which; it only notices that adverts stopped coming.\n\nIt waits Master_Down_Interval \
                     after the last advert it heard:\n  {}\n  {}\nthen it becomes master, advertises with priority \
                     {prio} and sends gratuitous ARPs so hosts and switches learn where the virtual addresses \
                     went.{took} That is why a backup takes about 3.6 s with 1 s adverts and priority 100.\n\n{TIMERS}",
                    master_down_sentence(v, p, interval),
                    skew_sentence(v, p, interval)
                ),
                Cause::Preempt => {
                    let why = match prev_prio {
                        Some(q) if q == *prio => format!(
                            "Both have priority {prio}; on a tie the higher primary address wins, and {router} is higher than {prev}."
                        ),
                        Some(q) => format!("{router} has priority {prio}, higher than {prev}'s {q}."),
                        None => format!("{router} advertised priority {prio}, higher than the master's."),
                    };
                    format!(
                        "{router} preempted {prev}, which was still alive. {why}\n\nWith preemption on (keepalived's \
                         default), a backup that hears a lower-priority master takes over at once, and the old master \
                         steps down when it hears the higher priority. This is what happens when a repaired master \
                         comes back. To stop it taking the address back, configure both routers `state BACKUP` and \
                         give the one that should keep the role `nopreempt`."
                    )
                }
            };
            Explanation { title, text }
        }
        TimelineEvent::SplitBrainStart { routers, frame, .. } => {
            let list: Vec<String> = routers.iter().map(IpAddr::to_string).collect();
            let mut text = format!(
                "{} all advertise as master of VRID {} at the same time. Each one believes it is master, so each \
                 holds the virtual addresses and answers ARP for them: hosts flip between their MACs and \
                 connections break.\n\nIt happens when the routers do not accept each other's adverts: a \
                 firewall dropping VRRP (one way is enough), a different VRID, password, interval or VRRP \
                 version, or a switch that loses the multicast.",
                list.join(" and "),
                key.vrid
            );
            if let Some(f) = a.report.findings.iter().find(|f| f.kind == "split_brain" && f.frames.contains(frame)) {
                if let Some(c) = &f.cause {
                    let _ = write!(text, "\n\nWhat the packets point to: {c}");
                }
            }
            Explanation { title: format!("Frame {frame}: split brain in VRID {}", key.vrid), text }
        }
        TimelineEvent::SplitBrainEnd { winner, frame, .. } => {
            let w = winner.map_or("no router".to_string(), |w| w.to_string());
            Explanation {
                title: format!("Frame {frame}: the split brain in VRID {} ends", key.vrid),
                text: format!(
                    "Only one router advertises again: {w}. The others heard a better advert (or stopped) and went \
                     back to backup. Hosts that learned another MAC for the virtual address during the split keep \
                     it until the master's next gratuitous ARP or their cache expires."
                ),
            }
        }
    }
}

pub fn finding(f: &Finding) -> Explanation {
    let mut text = f.message.clone();
    if let Some(c) = &f.cause {
        let _ = write!(text, "\n\nLikely cause: {c}");
    }
    if !f.frames.is_empty() {
        let frames: Vec<String> = f.frames.iter().map(u64::to_string).collect();
        let _ = write!(text, "\n\nEvidence: frame {}", frames.join(", "));
    }
    if !f.data.is_empty() {
        text.push_str("\n\nMeasured:");
        for (k, v) in &f.data {
            let _ = write!(text, "\n  {k} = {v}");
        }
    }
    Explanation { title: format!("{:?} finding: {}", f.severity, f.kind), text }
}

/// A router's band in the timeline.
pub fn band(vr: &Vr, r: &Router) -> Explanation {
    let master_us: i64 = r.runs.iter().filter(|run| run.prio > 0).map(|run| run.end() - run.start).sum();
    let mut prios: Vec<String> = vec![];
    for run in &r.runs {
        let p = run.prio.to_string();
        if prios.last() != Some(&p) {
            prios.push(p);
        }
    }
    let mac = crate::analyze::report::Mac(r.mac);
    let text = format!(
        "{} (MAC {mac}) in VRID {}: master for {} in {} stretch(es) of adverts; priorities seen: {}; {} gratuitous \
         ARP(s).\n\nThe band is built from this router's own adverts. Only a master advertises, so:\n  █  \
         advertising: it believes it is master\n  ─  silent: a backup, or down (the capture cannot tell \
         which)\n  P  it advertised a new priority (track_script, weight, or a restart)\n  0  priority 0: it \
         resigned\n  G  gratuitous ARP for a virtual address\n  !  split brain: more than one master\nIn a \
         simulation the band shows the instance's real state instead: ─ backup, · not running, × fault.",
        r.addr,
        vr.key.vrid,
        s(master_us.max(0) as u64),
        r.runs.iter().filter(|run| run.prio > 0).count(),
        prios.join(" → "),
        r.garps.len()
    );
    Explanation { title: format!("Router {} in VRID {}", r.addr, vr.key.vrid), text }
}

/// A packet that is not the evidence of an election event.
pub fn advert(frame: u64, src: IpAddr, vrid: u8, a: Advert) -> Explanation {
    let text = if a.prio == 0 {
        format!(
            "{src} resigns as master of VRID {vrid}: priority 0 means \"I am stopping\". Backups skip the \
             Master_Down_Interval and wait only their Skew_Time; a backup of priority 100 would wait:\n  {}",
            skew_sentence(a.version, 100, a.interval_us)
        )
    } else {
        format!(
            "{src} is master of VRID {vrid} and says so every {}: \"I am alive, with priority {}\". Backups that \
             hear it with a priority at least their own stay backups and restart their Master_Down timer. If the \
             adverts stop, a backup of priority 100 takes over after:\n  {}\nBackups never send adverts; a capture \
             only ever shows masters.",
            s(a.interval_us),
            a.prio,
            master_down_sentence(a.version, 100, a.interval_us)
        )
    };
    Explanation { title: format!("Frame {frame}: VRRP advert"), text }
}

pub fn garp(frame: u64, vip: IpAddr) -> Explanation {
    Explanation {
        title: format!("Frame {frame}: gratuitous ARP"),
        text: format!(
            "An ARP for {vip} sent by its own owner: nobody asked. A new master sends these right after taking over \
             so that hosts and switches update their ARP caches and MAC tables to its MAC at once, instead of \
             sending to the old master until their entries expire. keepalived sends 5, and 5 more 5 s later \
             (garp_master_repeat, garp_master_delay)."
        ),
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn timers_show_their_arithmetic() {
        assert_eq!(skew_sentence(2, 100, 1_000_000), "Skew_Time = (256 − 100) / 256 s = 0.609 s");
        assert_eq!(
            master_down_sentence(2, 100, 1_000_000),
            "Master_Down_Interval = 3 × 1.000 s + Skew_Time = 3 × 1.000 s + 0.609 s = 3.609 s"
        );
        assert_eq!(skew_sentence(3, 100, 1_000_000), "Skew_Time = (256 − 100) × 1.000 s / 256 = 0.609 s");
    }
}
