//! ARP made VRRP-aware: the gratuitous ARPs that should follow a takeover,
//! who answers for a virtual address, and address conflicts that no VRRP
//! transition explains (Wireshark's duplicate-IP check flags every normal
//! failover; this one does not).

use super::election::{Election, Takeover};
use super::report::{Cause, Finding, FrameNo, Severity};
use super::{mac_str, secs, Micros};
use crate::wire::arp::{EtherIpv4, Kind};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::hash_map::Entry;
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};

/// How long after a takeover GARPs are counted: keepalived's second burst
/// comes 5 s after the first.
const GARP_WINDOW_US: Micros = 10_000_000;
/// A first GARP later than this after the takeover advert is late.
const GARP_LATE_US: Micros = 1_000_000;
/// Answers from the old owner this soon after a change are the transition.
const TRANSITION_US: Micros = 1_000_000;
/// Finished watches kept for their buffers.
const SPARE_WATCHES: usize = 16;
/// Bound on the addresses remembered from ARP: beyond it, a new address
/// is not tracked (virtual addresses from adverts always are).
const MAX_ADDRS: usize = 1 << 18;
/// MACs remembered per address: those that answered for it,
const MAX_ANSWERS: usize = 16;
/// and those that sent ARP from it.
const MAX_HOLDERS: usize = 8;

/// GARPs expected after one takeover.
#[derive(Debug)]
struct GarpWatch {
    takeover: Takeover,
    vips: Vec<Ipv4Addr>,
    offsets: Vec<Micros>,
    frames: Vec<FrameNo>,
    wrong: Vec<(FrameNo, [u8; 6])>,
}

#[derive(Debug, Default)]
pub struct ArpTracker {
    /// Boxed: each takeover moves one out, and one in, and to `spare`,
    /// and that copied a good part of the work of a takeover.
    #[allow(clippy::vec_box)]
    watches: Vec<Box<GarpWatch>>,
    /// Finished watches, their buffers to reuse.
    #[allow(clippy::vec_box)]
    spare: Vec<Box<GarpWatch>>,
    done: super::report::Sink,
    /// What adverts and ARP said of each address: one lookup per ARP.
    addrs: HashMap<Ipv4Addr, Addr>,
    /// MACs of routers that were master at some point.
    router_macs: HashSet<[u8; 6]>,
    reported: HashSet<(&'static str, Ipv4Addr, [u8; 6])>,
}

/// What adverts and ARP said of one IPv4 address.
#[derive(Debug, Default)]
struct Addr {
    /// A virtual address: the election whose router last began to
    /// advertise it (a new router, or one whose adverts changed), should
    /// two virtual routers claim it.
    vip: Option<usize>,
    /// An ordinary address: the last MAC that claimed it, and the frame.
    binding: Option<([u8; 6], FrameNo)>,
    /// MACs that answered or announced it (for LVS VIPs).
    answers: Vec<([u8; 6], FrameNo, Micros)>,
    /// MACs that sent ARP from it: who holds it, for LVS.
    holders: Vec<[u8; 6]>,
}

impl ArpTracker {
    pub fn vips(&mut self, addrs: &[IpAddr], election: usize) {
        for a in addrs {
            if let IpAddr::V4(v4) = a {
                self.addrs.entry(*v4).or_default().vip = Some(election);
            }
        }
    }

    /// Whether `mac` sent ARP from `ip`.
    pub fn holds(&self, ip: IpAddr, mac: [u8; 6]) -> bool {
        let IpAddr::V4(v4) = ip else { return false };
        self.addrs.get(&v4).is_some_and(|a| a.holders.contains(&mac))
    }

    pub fn expect_garps(&mut self, t: Takeover, addrs: &[IpAddr]) {
        self.router_macs.insert(t.mac);
        let v4 = addrs.iter().filter_map(|a| match a {
            IpAddr::V4(v) => Some(*v),
            IpAddr::V6(_) => None,
        });
        let w = match self.spare.pop() {
            Some(mut w) => {
                w.takeover = t;
                w.vips.clear();
                w.vips.extend(v4);
                w.offsets.clear();
                w.frames.clear();
                w.wrong.clear();
                w
            }
            None => Box::new(GarpWatch { takeover: t, vips: v4.collect(), offsets: Vec::new(), frames: Vec::new(), wrong: Vec::new() }),
        };
        if w.vips.is_empty() {
            self.spare.push(w);
            return;
        }
        // A GARP belongs to the latest takeover of its address: the next
        // takeover ends the previous one's window.
        let mut i = 0;
        while i < self.watches.len() {
            if self.watches[i].vips.iter().any(|v| w.vips.contains(v)) {
                let old = self.watches.remove(i);
                self.retire(old, true);
            } else {
                i += 1;
            }
        }
        self.watches.push(w);
    }

    /// `eth_src` is the frame's Ethernet source, `a.sha` without one.
    pub fn arp(&mut self, no: FrameNo, ts: Micros, eth_src: [u8; 6], a: &EtherIpv4, elections: &[Election]) {
        let kind = a.kind();
        if kind == Kind::Gratuitous || kind == Kind::Announcement {
            for w in &mut self.watches {
                if w.vips.contains(&a.spa) && ts >= w.takeover.ts {
                    if a.sha == w.takeover.mac || eth_src == w.takeover.mac {
                        w.offsets.push(ts - w.takeover.ts);
                        w.frames.push(no);
                    } else if w.wrong.len() < 10 {
                        w.wrong.push((no, a.sha));
                    }
                }
            }
        }
        let claims = matches!(kind, Kind::Reply | Kind::Gratuitous | Kind::Announcement);
        let full = self.addrs.len() >= MAX_ADDRS;
        let addr = match self.addrs.entry(a.spa) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(_) if full => return,
            Entry::Vacant(e) => e.insert(Addr::default()),
        };
        if claims && addr.answers.len() < MAX_ANSWERS && !addr.answers.iter().any(|(m, _, _)| *m == a.sha) {
            addr.answers.push((a.sha, no, ts));
        }
        if !a.spa.is_unspecified() && addr.holders.len() < MAX_HOLDERS && !addr.holders.contains(&a.sha) {
            addr.holders.push(a.sha);
        }
        match addr.vip {
            Some(e) if claims => self.vip_claim(no, ts, a.spa, a.sha, &elections[e]),
            Some(_) => {}
            None if kind != Kind::Probe && !a.spa.is_unspecified() => {
                if let Some(old) = addr.binding.replace((a.sha, no)) {
                    self.binding(no, ts, a.spa, a.sha, old);
                }
            }
            None => {}
        }
    }

    /// A claim on a virtual address must come from its master (or its VMAC).
    fn vip_claim(&mut self, no: FrameNo, ts: Micros, vip: Ipv4Addr, mac: [u8; 6], e: &Election) {
        if e.masters().next().is_none() {
            return;
        }
        if e.masters().any(|(_, m)| m == mac) || is_vmac(&mac) {
            return;
        }
        if e.last_change()
            .is_some_and(|c| ts - c < TRANSITION_US && ts >= c)
        {
            return;
        }
        let stale = self.router_macs.contains(&mac);
        let kind = if stale { "stale_vip_owner" } else { "vip_answered_by_other" };
        // Reported once per address and MAC; a flapping pair repeats the claim.
        if !self.reported.insert((kind, vip, mac)) {
            return;
        }
        let master: Vec<String> = e
            .masters()
            .map(|(ip, m)| format!("{ip} ({})", mac_str(&m)))
            .collect();
        let (sev, msg, cause) = if stale {
            (
                Severity::Warn,
                format!("{} claimed {vip} while the master is {}", mac_str(&mac), master.join(", ")),
                "a former master still answers for the VIP (it crashed and came back, or missed the takeover); hosts that believe it send traffic to the wrong box",
            )
        } else {
            (
                Severity::Error,
                format!("{} answered ARP for the virtual address {vip}, but the master is {}", mac_str(&mac), master.join(", ")),
                "a host that is not a VRRP router holds the VIP: an LVS-DR real server with the VIP on lo but without arp_ignore=1 / arp_announce=2",
            )
        };
        self.done.push(Finding {
            severity: sev,
            kind,
            ts: secs(ts),
            vrid: Some(e.key().vrid),
            family: None,
            frames: vec![no],
            message: msg,
            cause: Some(cause.into()),
            data: json!({"address": vip.to_string(), "mac": mac_str(&mac)})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        });
    }

    /// An ordinary address claimed by `mac`, which `prev` claimed before:
    /// a conflict when they differ.
    fn binding(&mut self, no: FrameNo, ts: Micros, ip: Ipv4Addr, mac: [u8; 6], prev: ([u8; 6], FrameNo)) {
        let (old, old_no) = prev;
        if old != mac && self.reported.insert(("arp_conflict", ip, mac)) {
            self.done.push(Finding {
                severity: Severity::Warn,
                kind: "arp_conflict",
                ts: secs(ts),
                vrid: None,
                family: None,
                frames: vec![old_no, no],
                message: format!(
                    "duplicate use of {ip}: {} (frame {old_no}) and {} (frame {no}), with no VRRP takeover to explain it",
                    mac_str(&old),
                    mac_str(&mac)
                ),
                cause: Some("two hosts answer for one address: an LVS-DR real server holding the VIP on lo without arp_ignore=1 / arp_announce=2, a duplicate address, or an ARP spoofer".into()),
                data: json!({"address": ip.to_string(), "macs": [mac_str(&old), mac_str(&mac)]})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            });
        }
    }

    /// Reports the takeovers whose GARP window has passed by `now`.
    /// Called for every frame, so the check is inlined and the work is not.
    #[inline]
    pub fn tick(&mut self, now: Micros) {
        // Watches are pushed in capture order, so the first is the oldest.
        if self.watches.first().is_some_and(|w| now - w.takeover.ts > GARP_WINDOW_US) {
            self.expire(now);
        }
    }

    #[cold]
    fn expire(&mut self, now: Micros) {
        let expired = self
            .watches
            .iter()
            .take_while(|w| now - w.takeover.ts > GARP_WINDOW_US)
            .count();
        let mut watches = std::mem::take(&mut self.watches);
        for w in watches.drain(..expired) {
            self.retire(w, true);
        }
        self.watches = watches;
    }

    /// Reports a watch whose window closed, and keeps its buffers for the
    /// next takeover: a capture can hold hundreds of thousands.
    fn retire(&mut self, w: Box<GarpWatch>, complete: bool) {
        self.report_garps(&w, complete);
        if self.spare.len() < SPARE_WATCHES {
            self.spare.push(w);
        }
    }

    fn report_garps(&mut self, w: &GarpWatch, complete: bool) {
        let t = &w.takeover;
        let kind = match (w.offsets.first(), t.cause) {
            (None, Cause::Initial) => None,
            (None, _) => Some("garp_missing"),
            (Some(_), _) => Some("garp_after_takeover"),
        };
        let wanted = kind.is_some_and(|k| self.done.wants(k));
        let late = w.offsets.first().is_some_and(|&o| o > GARP_LATE_US) && self.done.wants("garp_late");
        let wrong = !w.wrong.is_empty() && self.done.wants("garp_wrong_mac");
        if !(wanted || late || wrong) {
            return;
        }
        let vips: Vec<String> = w.vips.iter().map(|v| v.to_string()).collect();
        let offsets: Vec<f64> = w.offsets.iter().take(256).map(|&o| secs(o)).collect();
        let first_burst = w.offsets.iter().filter(|&&o| o <= GARP_LATE_US).count();
        let data = |count: usize| {
            json!({
                "router": t.router.to_string(),
                "mac": mac_str(&t.mac),
                "count": count,
                "first_burst": first_burst,
                "first_s": offsets.first(),
                "within_s": secs(GARP_WINDOW_US),
                "offsets_s": offsets,
                "complete": complete,
            })
            .as_object()
            .cloned()
            .unwrap_or_default()
        };
        let base =
            |severity, kind, frames: Vec<FrameNo>, message: String, cause: Option<String>| {
                Finding {
                    severity,
                    kind,
                    ts: secs(t.ts),
                    vrid: Some(t.key.vrid),
                    family: Some(t.key.family),
                    frames,
                    message,
                    cause,
                    data: data(w.offsets.len()),
                }
            };
        let tail = if complete {
            ""
        } else {
            " (the capture ends within 10 s of the takeover)"
        };
        if w.offsets.is_empty() {
            if wanted {
                self.done.push(base(
                    Severity::Warn,
                    "garp_missing",
                    vec![t.frame],
                    format!("{} became master of VRID {} but sent no gratuitous ARP for {}{tail}", t.router, t.key.vrid, vips.join(", ")),
                    Some("hosts and switches keep the old MAC until their ARP entries expire (garp_master_delay/repeat set to 0, or GARPs filtered)".into()),
                ));
            }
        } else {
            let later = w.offsets.len() - first_burst;
            let mut frames = vec![t.frame];
            frames.extend(w.frames.iter().take(10));
            if wanted {
                self.done.push(base(
                Severity::Info,
                "garp_after_takeover",
                frames,
                format!(
                    "{} sent {} gratuitous ARP(s) for {} after becoming master: {} within 1 s (first after {:.6} s), {} later{tail} (keepalived: 5 at once, 5 more after 5 s)",
                    t.router,
                    w.offsets.len(),
                    vips.join(", "),
                    first_burst,
                    secs(w.offsets[0]),
                    later
                ),
                None,
                ));
            }
            if late {
                self.done.push(base(
                    Severity::Warn,
                    "garp_late",
                    vec![t.frame, w.frames[0]],
                    format!(
                        "{}'s first gratuitous ARP came {:.3} s after it became master",
                        t.router,
                        secs(w.offsets[0])
                    ),
                    Some("traffic to the VIP keeps going to the old MAC until then".into()),
                ));
            }
        }
        if let Some(&(_, mac)) = w.wrong.first().filter(|_| wrong) {
            self.done.push(base(
                Severity::Warn,
                "garp_wrong_mac",
                w.wrong.iter().map(|(f, _)| *f).take(10).collect(),
                format!(
                    "gratuitous ARP for {} from {} after {} ({}) became master",
                    vips.join(", "),
                    mac_str(&mac),
                    t.router,
                    mac_str(&t.mac)
                ),
                Some("a router that is not master announced the VIP: a split brain, or the old master's GARPs (keepalived #20)".into()),
            ));
        }
    }

    /// An LVS-DR virtual address answered by anyone but the director: a
    /// real server without arp_ignore/arp_announce.
    pub fn real_servers_answering(&mut self, vip: IpAddr, director: [u8; 6]) -> Vec<Finding> {
        let IpAddr::V4(v4) = vip else {
            return Vec::new();
        };
        let answers = self.addrs.get(&v4).map(|a| a.answers.clone()).unwrap_or_default();
        let mut out = Vec::new();
        for (mac, frame, ts) in answers
            .into_iter()
            .filter(|(m, _, _)| *m != director && !is_vmac(m) && !self.router_macs.contains(m))
        {
            if !self.reported.insert(("vip_answered_by_other", v4, mac)) {
                continue;
            }
            out.push(Finding {
                severity: Severity::Error,
                kind: "vip_answered_by_other",
                ts: secs(ts),
                vrid: None,
                family: None,
                frames: vec![frame],
                message: format!(
                    "{} answered ARP for the LVS virtual address {vip}, which the director {} serves",
                    mac_str(&mac),
                    mac_str(&director)
                ),
                cause: Some("a real server with the VIP on lo but without arp_ignore=1 / arp_announce=2: clients that learn its MAC bypass the director".into()),
                data: json!({"address": vip.to_string(), "mac": mac_str(&mac)}).as_object().cloned().unwrap_or_default(),
            });
        }
        out
    }

    pub fn finish(&mut self) -> Vec<Finding> {
        for w in std::mem::take(&mut self.watches) {
            self.report_garps(&w, false);
        }
        std::mem::take(&mut self.done).finish()
    }
}

/// The VRRP virtual MACs 00:00:5e:00:01:VRID (IPv4) and 00:00:5e:00:02:VRID (IPv6).
pub fn is_vmac(m: &[u8; 6]) -> bool {
    m[..4] == [0x00, 0x00, 0x5e, 0x00] && (m[4] == 1 || m[4] == 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_beyond_the_bound_are_not_tracked_but_virtual_ones_are() {
        let mut t = ArpTracker::default();
        let vip = Ipv4Addr::new(192, 0, 2, 100);
        let reply = |n: u32| EtherIpv4 { op: 2, sha: [2, 0, 0, 0, 0, 1], spa: Ipv4Addr::from(0x0a00_0000 + n), tha: [0; 6], tpa: vip };
        for n in 0..MAX_ADDRS as u32 + 10 {
            t.arp(u64::from(n), 0, [2, 0, 0, 0, 0, 1], &reply(n), &[]);
        }
        assert_eq!(t.addrs.len(), MAX_ADDRS);
        assert!(t.holds(IpAddr::V4(reply(0).spa), [2, 0, 0, 0, 0, 1]));
        assert!(!t.holds(IpAddr::V4(reply(MAX_ADDRS as u32).spa), [2, 0, 0, 0, 0, 1]));
        t.vips(&[IpAddr::V4(vip)], 0);
        assert_eq!(t.addrs.get(&vip).and_then(|a| a.vip), Some(0));
    }
}
