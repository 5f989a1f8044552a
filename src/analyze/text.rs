//! Human-readable renderings of a [`Report`]: the timeline as a table per
//! virtual router, the findings as a list, both in capture time (UTC).

use super::report::{Finding, KeyFields, Report, Severity, TimelineEvent};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::IpAddr;

/// `2026-01-01 00:00:03.609375` for seconds since the epoch, in UTC.
pub fn utc(ts: f64) -> String {
    let mut s = String::new();
    Utc::default().push(ts, &mut s);
    s
}

/// Writes capture times, formatting the date and time of day once per
/// second: a timeline can hold hundreds of thousands of lines.
#[derive(Default)]
struct Utc {
    second: Option<(i64, String)>,
}

impl Utc {
    fn push(&mut self, ts: f64, out: &mut String) {
        let us = (ts * 1e6).round() as i64;
        let (secs, frac) = (us.div_euclid(1_000_000), us.rem_euclid(1_000_000));
        if self.second.as_ref().is_none_or(|(s, _)| *s != secs) {
            let day = jiff::Timestamp::from_second(secs).map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string());
            // Beyond jiff's years -9999..=9999: the seconds as they are.
            self.second = Some((secs, day.unwrap_or_else(|_| secs.to_string())));
        }
        if let Some((_, day)) = &self.second {
            out.push_str(day);
        }
        out.push('.');
        push_padded(out, frac as u64, 6, b'0');
    }
}

/// Appends `n` in decimal, padded on the left with `fill` to `width`:
/// a timeline is hundreds of thousands of rows of numbers, and `write!`
/// takes several times longer to format each.
fn push_padded(out: &mut String, mut n: u64, width: usize, fill: u8) {
    let mut buf = [fill; 32];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(std::iter::repeat_n(char::from(fill), width.saturating_sub(buf.len())));
    let start = i.min(buf.len().saturating_sub(width));
    // Digits and an ASCII fill: always UTF-8.
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or_default());
}

/// Appends an address as `Display` writes it, IPv4 without `write!`.
fn push_ip(out: &mut String, a: IpAddr) {
    match a {
        IpAddr::V4(v4) => {
            for (i, o) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                push_padded(out, u64::from(o), 0, b' ');
            }
        }
        IpAddr::V6(_) => {
            let _ = write!(out, "{a}");
        }
    }
}

/// Appends seconds as `{t:.6}s` writes them. Report times are whole
/// microseconds, so they are formatted as integers; others as floats.
fn push_seconds(out: &mut String, t: f64) {
    let us = (t * 1e6).round();
    if !(us.abs() < 9e15 && us / 1e6 == t) {
        let _ = write!(out, "{t:.6}s");
        return;
    }
    if t.is_sign_negative() {
        out.push('-');
    }
    let us = us.abs() as u64;
    push_padded(out, us / 1_000_000, 0, b' ');
    out.push('.');
    push_padded(out, us % 1_000_000, 6, b'0');
    out.push('s');
}

/// Appends what `f` writes to `line`, padded with spaces to `width`
/// (on the left when `right`); everything here is ASCII.
fn cell(line: &mut String, width: usize, right: bool, f: impl FnOnce(&mut String)) {
    let start = line.len();
    f(line);
    let pad = width.saturating_sub(line.len() - start);
    if right {
        const SPACES: &str = "                                ";
        match SPACES.get(..pad) {
            Some(spaces) => line.insert_str(start, spaces),
            None => line.insert_str(start, &" ".repeat(pad)),
        }
    } else {
        line.extend(std::iter::repeat_n(' ', pad));
    }
}

fn vr_title(k: &KeyFields) -> String {
    let mut t = format!("VRID {} ({}, VRRPv{}", k.vrid, k.family.name(), k.version);
    if k.vlan != 0 {
        t.push_str(&format!(", vlan {}", k.vlan));
    }
    if k.interface != 0 {
        t.push_str(&format!(", interface {}", k.interface));
    }
    t.push(')');
    t
}

/// One piece of the timeline table, in the order printed.
enum Row<'a> {
    /// A virtual router's title and column headings.
    Title(&'a KeyFields),
    Event(&'a TimelineEvent),
    /// Who was master when the capture ended, and the blank line after.
    End(&'a KeyFields),
}

pub fn timeline(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut by_vr: BTreeMap<(u32, u16, u8, u8), Vec<&TimelineEvent>> = BTreeMap::new();
    for e in &r.timeline {
        let k = e.key();
        by_vr
            .entry((k.interface, k.vlan, k.family as u8, k.vrid))
            .or_default()
            .push(e);
    }
    if by_vr.is_empty() {
        writeln!(out, "no VRRP adverts in {} frames", r.frames)?;
    }
    let rows: Vec<Row> = by_vr
        .values()
        .flat_map(|events| {
            let key = events[0].key();
            std::iter::once(Row::Title(key))
                .chain(events.iter().map(|e| Row::Event(e)))
                .chain(std::iter::once(Row::End(key)))
        })
        .collect();
    let rows_text = |piece: &[Row], buf: &mut Vec<u8>| {
        let (mut text, mut clock) = (String::new(), Utc::default());
        for row in piece {
            self::row(r, row, &mut text, &mut clock);
        }
        buf.extend_from_slice(text.as_bytes());
        Ok(())
    };
    crate::print::in_order::render(&rows, &rows_text, out)
}

fn row(r: &Report, row: &Row, line: &mut String, clock: &mut Utc) {
    match row {
        Row::Title(key) => {
            let _ = writeln!(
                line,
                "{}\n  {:<26}  {:<26}  {:>4}  {:<8}  {:>12}  {:>7}  previous",
                vr_title(key),
                "time (UTC)",
                "master",
                "prio",
                "cause",
                "takeover",
                "frame"
            );
        }
        Row::Event(TimelineEvent::Master { ts, router, prio, cause, takeover_s, previous, frame, .. }) => {
            line.push_str("  ");
            cell(line, 26, false, |l| clock.push(*ts, l));
            line.push_str("  ");
            cell(line, 26, false, |l| push_ip(l, *router));
            line.push_str("  ");
            push_padded(line, u64::from(*prio), 4, b' ');
            line.push_str("  ");
            cell(line, 8, false, |l| l.push_str(cause.name()));
            line.push_str("  ");
            cell(line, 12, true, |l| match takeover_s {
                Some(t) => push_seconds(l, *t),
                None => l.push('-'),
            });
            line.push_str("  ");
            push_padded(line, *frame, 7, b' ');
            line.push_str("  ");
            match previous {
                Some(p) => push_ip(line, *p),
                None => line.push('-'),
            }
            line.push('\n');
        }
        Row::Event(TimelineEvent::SplitBrainStart { ts, routers, frame, .. }) => {
            let list: Vec<String> = routers.iter().map(|r| r.to_string()).collect();
            let _ = writeln!(
                line,
                "  {:<26}  SPLIT BRAIN begins: {} all master (frame {frame})",
                utc(*ts),
                list.join(", ")
            );
        }
        Row::Event(TimelineEvent::SplitBrainEnd { ts, winner, frame, .. }) => {
            let w = winner.map_or("nobody".to_string(), |w| w.to_string());
            let _ = writeln!(line, "  {:<26}  split brain ends: {w} remains master (frame {frame})", utc(*ts));
        }
        Row::End(key) => {
            if let Some(m) = r.final_masters.iter().find(|m| &m.key == *key) {
                let who = m.router.map_or("no router advertising".to_string(), |r| r.to_string());
                let _ = writeln!(line, "  at the end of the capture: {who}");
            }
            line.push('\n');
        }
    }
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Info => "INFO ",
        Severity::Warn => "WARN ",
        Severity::Error => "ERROR",
    }
}

pub fn finding(f: &Finding, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} {}  {:<22} {}",
        label(f.severity),
        utc(f.ts),
        f.kind,
        f.message
    )?;
    if let Some(c) = &f.cause {
        writeln!(out, "      likely cause: {c}")?;
    }
    if !f.frames.is_empty() {
        let frames: Vec<String> = f.frames.iter().map(|n| n.to_string()).collect();
        writeln!(out, "      frames: {}", frames.join(", "))?;
    }
    Ok(())
}

pub fn findings(r: &Report, out: &mut dyn Write) -> io::Result<()> {
    for f in &r.findings {
        finding(f, out)?;
    }
    let count = |s| r.findings.iter().filter(|f| f.severity == s).count();
    writeln!(
        out,
        "{} frames, {} findings: {} error, {} warn, {} info",
        r.frames,
        r.findings.len(),
        count(Severity::Error),
        count(Severity::Warn),
        count(Severity::Info)
    )
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn cause_names_are_the_json_ones() {
        use super::super::report::Cause;
        for c in [Cause::Initial, Cause::Resign, Cause::Timeout, Cause::Preempt] {
            assert_eq!(serde_json::to_value(c).unwrap(), c.name());
        }
    }

    #[test]
    fn one_clock_across_seconds_and_days() {
        let mut c = Utc::default();
        let mut s = String::new();
        for ts in [1_767_225_599.25, 1_767_225_599.75, 1_767_225_600.0, 1_767_225_599.5] {
            c.push(ts, &mut s);
            s.push('|');
        }
        assert_eq!(
            s,
            "2025-12-31 23:59:59.250000|2025-12-31 23:59:59.750000|2026-01-01 00:00:00.000000|2025-12-31 23:59:59.500000|"
        );
    }

    proptest::proptest! {
        #[test]
        fn numbers_addresses_and_seconds_as_format_writes_them(n: u64, width in 0usize..40, v4: [u8; 4], v6: [u8; 16], us in -(1i64 << 52)..(1i64 << 52), t: f64) {
            let mut s = String::new();
            push_padded(&mut s, n, width, b' ');
            proptest::prop_assert_eq!(&s, &format!("{n:>width$}"));
            s.clear();
            push_padded(&mut s, n % 1_000_000, 6, b'0');
            proptest::prop_assert_eq!(&s, &format!("{:06}", n % 1_000_000));
            for a in [IpAddr::from(v4), IpAddr::from(v6)] {
                s.clear();
                push_ip(&mut s, a);
                proptest::prop_assert_eq!(&s, &a.to_string());
            }
            for t in [us as f64 / 1e6, t, -0.0] {
                s.clear();
                push_seconds(&mut s, t);
                proptest::prop_assert_eq!(&s, &format!("{t:.6}s"));
            }
        }
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(0.0), "1970-01-01 00:00:00.000000");
        assert_eq!(utc(1_767_225_603.609375), "2026-01-01 00:00:03.609375");
        assert_eq!(utc(951_782_400.5), "2000-02-29 00:00:00.500000");
    }
}
