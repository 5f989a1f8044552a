//! Display filter syntax: `||` below `&&` below `!`, parentheses, and
//! comparisons whose literal is read by the type of the field on the left.

use super::lex::{self, Op, Tok, Token};
use super::literal::{self, Literal};
use super::Error;
use crate::dissect::fields::{self, Def, Id, Kind};

/// Deeper nesting than this is refused rather than risking the stack.
const MAX_DEPTH: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Two or more alternatives (flat, so a long chain is not a deep tree).
    Or(Vec<Expr>),
    /// Two or more conditions.
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// A bare name: the protocol or field is present (a flag: it is true).
    Test(Id),
    Cmp {
        field: Id,
        op: Op,
        lit: Literal,
    },
}

pub fn parse(src: &str) -> Result<Expr, Error> {
    let tokens = lex::tokens(src)?;
    if tokens.is_empty() {
        return Err(Error::at(src, 0, "the filter is empty; try e.g. 'vrrp' or 'vrrp.prio < 100'"));
    }
    let mut p = Parser { src, tokens, pos: 0, depth: 0 };
    let e = p.or()?;
    match p.peek() {
        None => Ok(e),
        Some(Token { tok: Tok::RParen, at }) => Err(Error::at(src, *at, "this ')' has no matching '('")),
        Some(t) => Err(Error::at(src, t.at, format!("expected '&&', '||' or the end, found {}", t.tok.describe()))),
    }
}

struct Parser<'s> {
    src: &'s str,
    tokens: Vec<Token<'s>>,
    pos: usize,
    depth: usize,
}

impl<'s> Parser<'s> {
    fn peek(&self) -> Option<&Token<'s>> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token<'s>> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Where an error about a missing token points: the end of the input.
    fn end(&self) -> usize {
        self.src.len()
    }

    fn or(&mut self) -> Result<Expr, Error> {
        let mut terms = vec![self.and()?];
        while self.peek().is_some_and(|t| t.tok == Tok::Or) {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::Or(terms) })
    }

    fn and(&mut self) -> Result<Expr, Error> {
        let mut terms = vec![self.unary()?];
        while self.peek().is_some_and(|t| t.tok == Tok::And) {
            self.pos += 1;
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 { terms.remove(0) } else { Expr::And(terms) })
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let at = self.peek().map_or(self.end(), |t| t.at);
            return Err(Error::at(self.src, at, format!("nested more than {MAX_DEPTH} deep")));
        }
        let e = self.primary();
        self.depth -= 1;
        e
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let Some(t) = self.next() else {
            let what = match self.tokens.get(self.pos.wrapping_sub(2)) {
                Some(prev) => format!("after {}", prev.tok.describe()),
                None => String::new(),
            };
            return Err(Error::at(self.src, self.end(), format!("expected a field or protocol name {what}")));
        };
        match t.tok {
            Tok::Not => Ok(Expr::Not(Box::new(self.unary()?))),
            Tok::LParen => {
                let e = self.or()?;
                match self.next() {
                    Some(Token { tok: Tok::RParen, .. }) => Ok(e),
                    Some(other) => Err(Error::at(
                        self.src,
                        other.at,
                        format!(
                            "expected ')' to close the '(' at column {}, found {}",
                            column(self.src, t.at),
                            other.tok.describe()
                        ),
                    )),
                    None => Err(Error::at(self.src, t.at, "this '(' is never closed")),
                }
            }
            Tok::Word(name) => self.field(name, t.at),
            other => {
                Err(Error::at(self.src, t.at, format!("expected a field or protocol name, found {}", other.describe())))
            }
        }
    }

    fn field(&mut self, name: &str, at: usize) -> Result<Expr, Error> {
        let def = fields::lookup(name).ok_or_else(|| Error::at(self.src, at, unknown_field(name)))?;
        let Some(Token { tok: Tok::Cmp(op), at: op_at }) = self.peek().cloned() else {
            return Ok(Expr::Test(def.id));
        };
        self.pos += 1;
        if def.kind == Kind::Protocol {
            return Err(Error::at(
                self.src,
                op_at,
                format!(
                    "'{name}' is a protocol: test it alone ('{name}') or compare one of its fields, e.g. {}",
                    example_field(name)
                ),
            ));
        }
        let lit = match self.next() {
            Some(Token { tok: Tok::Word(w), at }) => {
                literal::parse_word(def, op, w).map_err(|m| Error::at(self.src, at, m))?
            }
            Some(Token { tok: Tok::Str(s), at }) => {
                literal::parse_str(def, op, s).map_err(|m| Error::at(self.src, at, m))?
            }
            Some(other) => {
                return Err(Error::at(
                    self.src,
                    other.at,
                    format!("expected a value after '{}', found {}{}", op.symbol(), other.tok.describe(), hint(def)),
                ))
            }
            None => {
                return Err(Error::at(
                    self.src,
                    self.end(),
                    format!("expected a value after '{}'{}", op.symbol(), hint(def)),
                ))
            }
        };
        Ok(Expr::Cmp { field: def.id, op, lit })
    }
}

fn column(src: &str, at: usize) -> usize {
    src[..at].chars().count() + 1
}

/// What kind of value a field wants, for error messages.
fn hint(def: &Def) -> String {
    format!(" ({} holds {})", def.name, literal::describe(def.kind))
}

fn example_field(proto: &str) -> &'static str {
    fields::FIELDS
        .iter()
        .find(|d| d.name.strip_prefix(proto).is_some_and(|r| r.starts_with('.')))
        .map_or("…", |d| d.name)
}

/// Names people reach for, and the field Wireshark calls it.
const SYNONYMS: &[(&str, &str)] = &[
    ("vrrp.vrid", "vrrp.virt_rtr_id"),
    ("vrrp.vr_id", "vrrp.virt_rtr_id"),
    ("vrrp.priority", "vrrp.prio"),
    ("vrrp.count", "vrrp.addr_count"),
    ("vrrp.interval", "vrrp.adver_int"),
    ("vrrp.advert_int", "vrrp.adver_int"),
    ("vrrp.vip", "vrrp.ip_addr"),
    ("vrrp.addr", "vrrp.ip_addr"),
    ("vrrp.ttl", "ip.ttl"),
    ("vrrp.auth", "vrrp.auth_type"),
    ("arp.op", "arp.opcode"),
    ("arp.sha", "arp.src.hw_mac"),
    ("arp.spa", "arp.src.proto_ipv4"),
    ("arp.tha", "arp.dst.hw_mac"),
    ("arp.tpa", "arp.dst.proto_ipv4"),
    ("arp.gratuitous", "arp.isgratuitous"),
    ("ipv6.hop_limit", "ipv6.hlim"),
    ("ip.hlim", "ipv6.hlim"),
    ("vlan.vid", "vlan.id"),
];

/// "unknown field 'x'" with the closest names.
fn unknown_field(name: &str) -> String {
    let mut close: Vec<(usize, &str)> =
        SYNONYMS.iter().filter(|(alias, _)| alias.eq_ignore_ascii_case(name)).map(|&(_, real)| (0, real)).collect();
    let lower = name.to_ascii_lowercase();
    let limit = (name.len() / 3).max(2);
    for d in fields::FIELDS {
        let dist = levenshtein(&lower, d.name);
        let same_leaf = lower.rsplit('.').next() == d.name.rsplit('.').next() && !lower.ends_with('.');
        if (dist <= limit || same_leaf) && !close.iter().any(|c| c.1 == d.name) {
            close.push((dist, d.name));
        }
    }
    close.sort();
    let names: Vec<&str> = close.iter().take(3).map(|c| c.1).collect();
    match names.as_slice() {
        [] => format!(
            "unknown field '{name}' (the fields are Wireshark's: vrrp.prio, vrrp.virt_rtr_id, ip.src, arp.opcode…)"
        ),
        [one] => format!("unknown field '{name}'; did you mean {one}?"),
        many => format!("unknown field '{name}'; did you mean one of {}?", many.join(", ")),
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod test {
    use super::*;

    fn err(src: &str) -> (usize, String) {
        let e = parse(src).unwrap_err();
        (e.column, e.message)
    }

    #[test]
    fn precedence_not_and_or() {
        let e = parse("!vrrp && arp || ip && eth && tcp").unwrap();
        let want = Expr::Or(vec![
            Expr::And(vec![Expr::Not(Box::new(Expr::Test(Id::Vrrp))), Expr::Test(Id::Arp)]),
            Expr::And(vec![Expr::Test(Id::Ip), Expr::Test(Id::Eth), Expr::Test(Id::Tcp)]),
        ]);
        assert_eq!(e, want);
        let grouped = parse("not (vrrp and arp)").unwrap();
        assert_eq!(grouped, Expr::Not(Box::new(Expr::And(vec![Expr::Test(Id::Vrrp), Expr::Test(Id::Arp)]))));
        let long = vec!["vrrp"; 50_000].join(" && ");
        assert!(matches!(parse(&long).unwrap(), Expr::And(v) if v.len() == 50_000));
    }

    #[test]
    fn comparisons_read_literals_by_field_type() {
        assert_eq!(
            parse("vrrp.prio < 0x64").unwrap(),
            Expr::Cmp { field: Id::VrrpPrio, op: Op::Lt, lit: Literal::Uint(100) }
        );
        assert!(matches!(parse("ip.src == 192.0.2.0/24").unwrap(), Expr::Cmp { lit: Literal::Ip(_, 24), .. }));
        assert!(matches!(parse("eth.src == 00-00-5E-00-01-33").unwrap(), Expr::Cmp { lit: Literal::Mac(_), .. }));
        assert!(matches!(parse("vrrp.checksum.status == bad").unwrap(), Expr::Cmp { lit: Literal::Uint(0), .. }));
    }

    #[test]
    fn missing_value_points_after_the_operator() {
        let (col, msg) = err("vrrp.prio == ");
        assert_eq!(col, 14);
        assert_eq!(msg, "expected a value after '==' (vrrp.prio holds a number, decimal or 0x hex)");
        assert_eq!(err("vrrp.prio == )").0, 14);
    }

    #[test]
    fn structural_errors() {
        assert_eq!(err("(vrrp && arp"), (1, "this '(' is never closed".into()));
        assert_eq!(err("vrrp)"), (5, "this ')' has no matching '('".into()));
        assert_eq!(err("vrrp arp"), (6, "expected '&&', '||' or the end, found 'arp'".into()));
        assert_eq!(err("vrrp &&"), (8, "expected a field or protocol name after '&&'".into()));
        assert_eq!(err("== 3").0, 1);
        assert_eq!(err("   ").0, 1);
        assert_eq!(err("vrrp == 1").0, 6);
        assert!(err("vrrp == 1").1.contains("vrrp.version"), "{}", err("vrrp == 1").1);
        let deep = "(".repeat(10_000);
        assert!(err(&deep).1.contains("nested"));
    }

    #[test]
    fn unknown_fields_suggest_close_names() {
        assert_eq!(
            err("vrrp.vrid == 51"),
            (1, "unknown field 'vrrp.vrid'; did you mean one of vrrp.virt_rtr_id, vrrp.prio?".into())
        );
        assert_eq!(err("arp && vrrp.pri < 3").1, "unknown field 'vrrp.pri'; did you mean vrrp.prio?");
        let (col, msg) = err("ip.srcc == 1.2.3.4");
        assert_eq!(col, 1);
        assert!(msg.contains("ip.src"), "{msg}");
        assert!(err("bogus").1.starts_with("unknown field 'bogus' (the fields are Wireshark's"));
    }

    #[test]
    fn bad_literals_name_the_expected_type() {
        let (col, msg) = err("ip.src == 300.1.2.3");
        assert_eq!(col, 11);
        assert_eq!(msg, "'300.1.2.3' is not an IPv4 address (ip.src holds an IPv4 address, optionally /prefix)");
        assert!(err("ip.src == 2001:db8::1").1.contains("use ipv6.src"));
        assert!(err("vrrp.prio == 256x").1.contains("not a number"));
        assert!(err("vrrp.checksum.status == meh").1.contains("bad, good, unverified"));
        assert!(err("vrrp.auth_string == 1111").1.contains("quoted"));
        assert!(err("ip.src < 192.0.2.0/24").1.contains("subnet"));
    }
}
