//! Reading a statement's arguments. A value of the wrong kind is an error
//! that says what was expected ("expected a number after 'priority', found
//! 'high'"); a value of the right kind out of its range is left to the
//! caller, which mirrors keepalived (usually a warning and the default).

use super::tree::{Stmt, Word};
use super::{Ctx, Fail, Pos};
use std::net::IpAddr;

pub struct Args<'a> {
    stmt: &'a Stmt,
    next: usize,
}

impl<'a> Args<'a> {
    pub fn new(stmt: &'a Stmt) -> Self {
        Args { stmt, next: 1 }
    }

    pub fn kw(&self) -> &'a str {
        self.stmt.keyword()
    }

    pub fn peek(&self) -> Option<&'a Word> {
        self.stmt.words.get(self.next)
    }

    pub fn opt(&mut self) -> Option<&'a Word> {
        let w = self.stmt.words.get(self.next)?;
        self.next += 1;
        Some(w)
    }

    /// Where a missing argument should have been: just after the last word.
    fn end_pos(&self) -> Pos {
        let last = self.stmt.words.last().expect("a statement has a keyword");
        let len = u32::try_from(last.text.chars().count()).unwrap_or(u32::MAX);
        Pos {
            column: last.pos.column.saturating_add(len),
            ..last.pos
        }
    }

    fn expected(&self, what: &str, found: Option<&Word>) -> Fail {
        match found {
            Some(w) => Fail::at(
                w.pos,
                format!("expected {what} after '{}', found '{}'", self.kw(), w.text),
            ),
            None => Fail::at(
                self.end_pos(),
                format!("expected {what} after '{}', found end of line", self.kw()),
            ),
        }
    }

    pub fn word(&mut self, what: &str) -> Result<&'a Word, Fail> {
        match self.opt() {
            Some(w) => Ok(w),
            None => Err(self.expected(what, None)),
        }
    }

    pub fn int(&mut self) -> Result<(i64, Pos), Fail> {
        let w = self.opt();
        match w.map(|w| w.text.parse::<i64>()) {
            Some(Ok(v)) => Ok((v, w.expect("matched Some").pos)),
            _ => Err(self.expected("a number", w)),
        }
    }

    /// A number that must fit `T` (a port, a count); anything else is an error.
    pub fn parse<T: std::str::FromStr>(&mut self, what: &str) -> Result<T, Fail> {
        let w = self.opt();
        match w.map(|w| w.text.parse::<T>()) {
            Some(Ok(v)) => Ok(v),
            _ => Err(self.expected(what, w)),
        }
    }

    /// Seconds with up to six decimals, as keepalived's timers: `1.5` → 1 500 000 µs.
    pub fn seconds_us(&mut self) -> Result<(u64, Pos), Fail> {
        let w = self.opt();
        match w.and_then(|w| seconds_us(&w.text)) {
            Some(v) => Ok((v, w.expect("matched Some").pos)),
            None => Err(self.expected("a duration in seconds", w)),
        }
    }

    pub fn ip(&mut self) -> Result<(IpAddr, Pos), Fail> {
        let w = self.opt();
        match w.map(|w| w.text.parse::<IpAddr>()) {
            Some(Ok(ip)) => Ok((ip, w.expect("matched Some").pos)),
            _ => Err(self.expected("an IP address", w)),
        }
    }

    pub fn rest(&mut self) -> &'a [Word] {
        let rest = self.stmt.words.get(self.next..).unwrap_or(&[]);
        self.next = self.stmt.words.len();
        rest
    }

    /// The end of a keyword that takes no block: a block is an error, words
    /// left over are ignored with a warning (keepalived ignores them silently,
    /// which hides comments written as `// …`).
    pub fn finish(mut self, ctx: &mut Ctx) -> Result<(), Fail> {
        if let Some(b) = &self.stmt.block {
            return Err(Fail::at(
                b.open,
                format!("unexpected '{{' after '{}'", self.kw()),
            ));
        }
        let kw = self.kw();
        let rest = self.rest();
        if let Some(first) = rest.first() {
            let text: Vec<&str> = rest.iter().map(|w| w.text.as_str()).collect();
            ctx.warn(
                first.pos,
                format!("extra arguments after '{kw}' ignored: '{}'", text.join(" ")),
            );
        }
        Ok(())
    }
}

impl Args<'_> {
    /// The end of a keyword's head when a block follows (`unicast_peer {`):
    /// words left over are ignored with a warning.
    pub fn finish_head(mut self, ctx: &mut Ctx) {
        let kw = self.kw();
        if let Some(first) = self.rest().first() {
            ctx.warn(
                first.pos,
                format!("extra arguments after '{kw}' ignored: '{}'", first.text),
            );
        }
    }
}

/// The block a keyword must have.
pub fn block(stmt: &Stmt) -> Result<&[Stmt], Fail> {
    match &stmt.block {
        Some(b) => Ok(&b.body),
        None => {
            let last = stmt.words.last().expect("a statement has a keyword");
            let col = last
                .pos
                .column
                .saturating_add(u32::try_from(last.text.chars().count()).unwrap_or(u32::MAX));
            Err(Fail::at(
                Pos {
                    column: col,
                    ..last.pos
                },
                format!("expected '{{' after '{}'", stmt.head()),
            ))
        }
    }
}

/// `Some(v)` when `lo <= v <= hi`; otherwise a warning that keepalived
/// ignores the value, and `None` so its default applies.
pub fn in_range(ctx: &mut Ctx, kw: &str, (v, pos): (i64, Pos), lo: i64, hi: i64) -> Option<i64> {
    if (lo..=hi).contains(&v) {
        return Some(v);
    }
    ctx.warn(
        pos,
        format!("'{kw}' {v} is out of range [{lo}, {hi}]; keepalived ignores it"),
    );
    None
}

/// Like [`in_range`] for durations; bounds in µs, shown in seconds.
pub fn us_in_range(ctx: &mut Ctx, kw: &str, (v, pos): (u64, Pos), lo: u64, hi: u64) -> Option<u64> {
    if (lo..=hi).contains(&v) {
        return Some(v);
    }
    let s = |us: u64| format!("{}", us as f64 / 1e6);
    ctx.warn(
        pos,
        format!(
            "'{kw}' {}s is out of range [{}s, {}s]; keepalived ignores it",
            s(v),
            s(lo),
            s(hi)
        ),
    );
    None
}

fn seconds_us(text: &str) -> Option<u64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() && frac.is_empty() || !digits(int) || !digits(frac) || frac.len() > 6 {
        return None;
    }
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_us: u64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<6}").parse().ok()?
    };
    whole.checked_mul(1_000_000)?.checked_add(frac_us)
}

#[cfg(test)]
mod tests {
    use super::seconds_us;

    #[test]
    fn seconds_with_decimals() {
        assert_eq!(seconds_us("1"), Some(1_000_000));
        assert_eq!(seconds_us("1.5"), Some(1_500_000));
        assert_eq!(seconds_us("0.01"), Some(10_000));
        assert_eq!(seconds_us(".25"), Some(250_000));
        assert_eq!(seconds_us("3."), Some(3_000_000));
        assert_eq!(seconds_us("0.000001"), Some(1));
        assert_eq!(seconds_us("0.0000001"), None);
        assert_eq!(seconds_us("1s"), None);
        assert_eq!(seconds_us("-1"), None);
        assert_eq!(seconds_us("."), None);
        assert_eq!(seconds_us(""), None);
        assert_eq!(seconds_us("99999999999999999999"), None);
    }
}
