//! tcpdump's timestamp column (`ts_print`): time of day in local time
//! (default), none (`-t`), Unix seconds (`-tt`), delta from the previous
//! packet (`-ttt`), date and time (`-tttt`), delta from the first packet
//! (`-ttttt`). Microseconds unless nanoseconds are asked for, as tcpdump
//! does even for nanosecond files (libpcap truncates to the precision asked).

use super::fmt::{dec, dec_pad};
use crate::capture::Timestamp;
use jiff::tz::TimeZone;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeFormat {
    #[default]
    TimeOfDay,
    None,
    Unix,
    DeltaPrevious,
    DateTime,
    DeltaFirst,
}

impl TimeFormat {
    /// From the number of `-t` flags.
    pub fn from_count(n: u8) -> TimeFormat {
        match n {
            0 => TimeFormat::TimeOfDay,
            1 => TimeFormat::None,
            2 => TimeFormat::Unix,
            3 => TimeFormat::DeltaPrevious,
            4 => TimeFormat::DateTime,
            _ => TimeFormat::DeltaFirst,
        }
    }
}

/// Prints timestamps; keeps the reference for deltas and caches the
/// formatted local time of the last second seen (local-time conversion is
/// the slow part, and consecutive packets share their second).
pub struct Clock {
    format: TimeFormat,
    nanos: bool,
    tz: TimeZone,
    /// tcpdump treats a zero reference as "not set yet".
    reference: (i64, u32),
    cache_secs: i64,
    cache: Vec<u8>,
    /// The cache as one word when it is "HH:MM:SS" (the default column).
    cache_word: Option<u64>,
}

impl Clock {
    pub fn new(format: TimeFormat, nanos: bool) -> Clock {
        Clock {
            format,
            nanos,
            tz: TimeZone::try_system().unwrap_or(TimeZone::UTC),
            reference: (0, 0),
            cache_secs: i64::MIN,
            cache: Vec::new(),
            cache_word: None,
        }
    }

    /// The sub-second part in the precision printed.
    fn frac(&self, ts: Timestamp) -> u32 {
        if self.nanos {
            ts.nanos
        } else {
            ts.nanos / 1000
        }
    }

    fn print_frac(&self, out: &mut Vec<u8>, frac: u32) {
        out.push(b'.');
        dec_pad(out, u64::from(frac), if self.nanos { 9 } else { 6 }, b'0');
    }

    /// Appends the timestamp column, with its trailing space.
    pub fn print(&mut self, out: &mut Vec<u8>, ts: Timestamp) {
        let frac = self.frac(ts);
        match self.format {
            TimeFormat::None => return,
            TimeFormat::TimeOfDay | TimeFormat::DateTime => {
                if (ts.secs as u32) & 0x8000_0000 != 0 {
                    out.extend_from_slice(b"[Error converting time]");
                } else {
                    if self.cache_secs != ts.secs {
                        self.cache.clear();
                        local_time(&mut self.cache, &self.tz, ts.secs, self.format == TimeFormat::DateTime);
                        self.cache_secs = ts.secs;
                        self.cache_word = <[u8; 8]>::try_from(&self.cache[..]).ok().map(u64::from_le_bytes);
                    }
                    match self.cache_word {
                        // "HH:MM:SS" and ".ffffff " are two words: the common case.
                        Some(hms) if !self.nanos => {
                            out.extend_from_slice(&hms.to_le_bytes());
                            out.extend_from_slice(&frac_word(frac).to_le_bytes());
                            return;
                        }
                        _ => {
                            out.extend_from_slice(&self.cache);
                            self.print_frac(out, frac);
                        }
                    }
                }
            }
            TimeFormat::Unix => {
                if (ts.secs as u32) & 0x8000_0000 != 0 {
                    out.extend_from_slice(b"[Error converting time]");
                } else {
                    dec(out, u64::from(ts.secs as u32));
                    self.print_frac(out, frac);
                }
            }
            TimeFormat::DeltaPrevious | TimeFormat::DeltaFirst => {
                let now = (ts.secs, frac);
                if self.reference == (0, 0) {
                    self.reference = now;
                }
                let (negative, a, b) =
                    if now < self.reference { (true, self.reference, now) } else { (false, now, self.reference) };
                let per_sec: i64 = if self.nanos { 1_000_000_000 } else { 1_000_000 };
                let mut secs = a.0 - b.0;
                let mut f = i64::from(a.1) - i64::from(b.1);
                if f < 0 {
                    secs -= 1;
                    f += per_sec;
                }
                out.push(if negative { b'-' } else { b' ' });
                if (secs as u32) & 0x8000_0000 != 0 {
                    out.extend_from_slice(b"[Error converting time]");
                } else {
                    hms(out, secs.rem_euclid(86_400));
                    self.print_frac(out, f as u32);
                }
                if self.format == TimeFormat::DeltaPrevious {
                    self.reference = now;
                }
            }
        }
        out.push(b' ');
    }
}

/// ".ffffff " for microseconds below one million, as one word.
fn frac_word(micros: u32) -> u64 {
    u64::from(b'.') | super::fmt::six_digits(micros, 1) | u64::from(b' ') << 56
}

fn hms(out: &mut Vec<u8>, secs_of_day: i64) {
    dec_pad(out, (secs_of_day / 3600) as u64, 2, b'0');
    out.push(b':');
    dec_pad(out, (secs_of_day / 60 % 60) as u64, 2, b'0');
    out.push(b':');
    dec_pad(out, (secs_of_day % 60) as u64, 2, b'0');
}

fn local_time(out: &mut Vec<u8>, tz: &TimeZone, secs: i64, with_date: bool) {
    let Ok(t) = jiff::Timestamp::from_second(secs) else {
        out.extend_from_slice(b"[Error converting time]");
        return;
    };
    let dt = tz.to_datetime(t);
    if with_date {
        dec_pad(out, dt.year() as u64, 4, b'0');
        out.push(b'-');
        dec_pad(out, dt.month() as u64, 2, b'0');
        out.push(b'-');
        dec_pad(out, dt.day() as u64, 2, b'0');
        out.push(b' ');
    }
    hms(out, i64::from(dt.hour()) * 3600 + i64::from(dt.minute()) * 60 + i64::from(dt.second()));
}

#[cfg(test)]
mod test {
    use super::*;

    fn run(format: TimeFormat, nanos: bool, stamps: &[(i64, u32)]) -> Vec<String> {
        let mut c = Clock::new(format, nanos);
        c.tz = TimeZone::UTC;
        stamps
            .iter()
            .map(|&(s, n)| {
                let mut out = Vec::new();
                c.print(&mut out, Timestamp::new(s, n));
                String::from_utf8(out).unwrap()
            })
            .collect()
    }

    #[test]
    fn formats() {
        let t = [(1_394_056_506, 745_865_123), (1_394_056_507, 1_000)];
        assert_eq!(run(TimeFormat::TimeOfDay, false, &t), ["21:55:06.745865 ", "21:55:07.000001 "]);
        assert_eq!(run(TimeFormat::TimeOfDay, true, &t), ["21:55:06.745865123 ", "21:55:07.000001000 "]);
        assert_eq!(run(TimeFormat::None, false, &t), ["", ""]);
        assert_eq!(run(TimeFormat::Unix, false, &t), ["1394056506.745865 ", "1394056507.000001 "]);
        assert_eq!(
            run(TimeFormat::DateTime, false, &t),
            ["2014-03-05 21:55:06.745865 ", "2014-03-05 21:55:07.000001 "]
        );
        assert_eq!(run(TimeFormat::DeltaPrevious, false, &t), [" 00:00:00.000000 ", " 00:00:00.254136 "]);
        let back = [(100, 500_000_000), (101, 0), (99, 0)];
        assert_eq!(
            run(TimeFormat::DeltaFirst, false, &back),
            [" 00:00:00.000000 ", " 00:00:00.500000 ", "-00:00:01.500000 "]
        );
        assert_eq!(
            run(TimeFormat::DeltaPrevious, false, &back),
            [" 00:00:00.000000 ", " 00:00:00.500000 ", "-00:00:02.000000 "]
        );
        assert_eq!(run(TimeFormat::TimeOfDay, false, &[(-1, 0)]), ["[Error converting time] "]);
    }
}
