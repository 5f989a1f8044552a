//! `e`: what the selected thing means, in plain words: why a router became
//! master, what Skew_Time and Master_Down_Interval are and what they come
//! to here, why a backup waited 3.6 s, what a finding means. This file
//! picks the explanation for the focused pane's selection; `texts.rs`
//! writes it.

mod texts;

pub use texts::Advert;

use super::app::{App, Pane};
use crate::capture::Frame;
use crate::dissect::FrameRef;
use crate::wire::decode::decode;
use crate::wire::vrrp::{self, Interval};
use std::net::IpAddr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub title: String,
    /// Paragraphs separated by blank lines; the pop-up wraps them.
    pub text: String,
}

impl App {
    /// The election events whose evidence is frame `no`, explained together
    /// (a preemption can start a split brain in the same advert).
    fn explain_events(&self, no: u64) -> Option<Explanation> {
        let all: Vec<Explanation> = self.analysis.timeline_at(no).map(|e| texts::event(e, &self.analysis)).collect();
        let first = all.first()?.title.clone();
        let text: Vec<String> = all.iter().map(|e| if e.title == first { e.text.clone() } else { format!("{}\n\n{}", e.title, e.text) }).collect();
        Some(Explanation { title: first, text: text.join("\n\n") })
    }

    /// What `e` shows for the focused pane's selection.
    pub fn explain(&mut self) -> Option<Explanation> {
        let frame = self.list.selected?;
        let no = frame as u64 + 1;
        match self.focus {
            Pane::Tree | Pane::Hex => {
                let node = self.tree.selected_node()?.clone();
                let f = self.frames.frame(frame);
                let bytes = node.range.clone().and_then(|r| f.data.get(r)).unwrap_or(&[]).to_vec();
                Some(texts::field(&node, &bytes, advert_in(&f).map(|(_, _, a)| a)))
            }
            Pane::Findings => {
                let shown = self.shown_findings();
                let i = *shown.get(self.findings.selected)?;
                Some(texts::finding(&self.analysis.report.findings[i]))
            }
            Pane::Timeline => {
                if let Some(e) = self.explain_events(no) {
                    return Some(e);
                }
                let (v, r) = *self.bands().get(self.timeline.band)?;
                let vr = &self.analysis.bands.vrs[v];
                Some(texts::band(vr, &vr.routers[r]))
            }
            Pane::List => {
                if let Some(e) = self.explain_events(no) {
                    return Some(e);
                }
                let f = self.frames.frame(frame);
                if let Some((src, vrid, a)) = advert_in(&f) {
                    return Some(texts::advert(no, src, vrid, a));
                }
                if let Some(vip) = garp_in(&f) {
                    return Some(texts::garp(no, vip));
                }
                let layers = crate::dissect::dissect(&FrameRef::new(no, &f)).layers;
                let top = layers.iter().rev().find(|l| !l.meaning.is_empty()).or(layers.last())?;
                let bytes = top.range.clone().and_then(|r| f.data.get(r)).unwrap_or(&[]).to_vec();
                Some(texts::field(top, &bytes, None))
            }
        }
    }
}

/// The sender, VRID and timer inputs of a VRRP advert.
pub fn advert_in(f: &Frame) -> Option<(IpAddr, u8, Advert)> {
    let d = decode(f.linktype, &f.data);
    let (ip, bytes) = d.vrrp()?;
    let p = vrrp::Packet::new_checked(bytes).ok()?;
    let repr = vrrp::Repr::parse(&p, ip.family).ok()?;
    let interval_us = match repr.interval {
        Interval::Seconds(0) | Interval::Centis(0) => 1_000_000,
        other => other.micros(),
    };
    Some((ip.src, repr.vrid, Advert { version: repr.version(), prio: repr.priority, interval_us }))
}

/// The address a gratuitous ARP claims.
pub fn garp_in(f: &Frame) -> Option<IpAddr> {
    let d = decode(f.linktype, &f.data);
    let a = crate::wire::arp::Packet::new_checked(d.arp()?).ok()?.ether_ipv4()?;
    a.is_gratuitous().then_some(IpAddr::V4(a.spa))
}
