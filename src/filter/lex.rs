//! Tokens of a display filter, each with the byte span it came from so that
//! errors can point at a column.

use super::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok<'s> {
    LParen,
    RParen,
    And,
    Or,
    Not,
    Cmp(Op),
    /// A field name or an unquoted literal (number, address, MAC, name).
    Word(&'s str),
    /// A quoted string, escapes resolved.
    Str(Vec<u8>),
}

impl Tok<'_> {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::And => "'&&'".into(),
            Tok::Or => "'||'".into(),
            Tok::Not => "'!'".into(),
            Tok::Cmp(op) => format!("'{}'", op.symbol()),
            Tok::Word(w) => format!("'{w}'"),
            Tok::Str(_) => "a string".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'s> {
    pub tok: Tok<'s>,
    /// Byte offset of the first character.
    pub at: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '/' | '-')
}

/// Splits `src` into tokens.
pub fn tokens(src: &str) -> Result<Vec<Token<'_>>, Error> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        let next = src[at + c.len_utf8()..].chars().next();
        let two = |tok: Tok<'static>| (tok, 2);
        let (tok, len) = match (c, next) {
            (c, _) if c.is_whitespace() => {
                chars.next();
                continue;
            }
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            ('&', Some('&')) => two(Tok::And),
            ('|', Some('|')) => two(Tok::Or),
            ('=', Some('=')) => two(Tok::Cmp(Op::Eq)),
            ('!', Some('=')) => two(Tok::Cmp(Op::Ne)),
            ('<', Some('=')) => two(Tok::Cmp(Op::Le)),
            ('>', Some('=')) => two(Tok::Cmp(Op::Ge)),
            ('<', _) => (Tok::Cmp(Op::Lt), 1),
            ('>', _) => (Tok::Cmp(Op::Gt), 1),
            ('!', _) => (Tok::Not, 1),
            ('"', _) => {
                let (bytes, len) = string(src, at)?;
                (Tok::Str(bytes), len)
            }
            ('&', _) | ('|', _) => {
                return Err(Error::at(src, at, format!("'{c}' is not an operator; write '{c}{c}'")));
            }
            ('=', _) => return Err(Error::at(src, at, "'=' is not an operator; write '==' to compare")),
            (c, _) if is_word_char(c) => {
                let len = src[at..].find(|c: char| !is_word_char(c)).unwrap_or(src.len() - at);
                let word = &src[at..at + len];
                let tok = match word {
                    "and" | "AND" => Tok::And,
                    "or" | "OR" => Tok::Or,
                    "not" | "NOT" => Tok::Not,
                    "eq" => Tok::Cmp(Op::Eq),
                    "ne" => Tok::Cmp(Op::Ne),
                    "lt" => Tok::Cmp(Op::Lt),
                    "le" => Tok::Cmp(Op::Le),
                    "gt" => Tok::Cmp(Op::Gt),
                    "ge" => Tok::Cmp(Op::Ge),
                    _ => Tok::Word(word),
                };
                (tok, len)
            }
            (c, _) => return Err(Error::at(src, at, format!("unexpected character '{c}'"))),
        };
        out.push(Token { tok, at });
        // Every token is ASCII except a string, whose length is in bytes.
        while chars.peek().is_some_and(|&(i, _)| i < at + len) {
            chars.next();
        }
    }
    Ok(out)
}

/// A quoted string starting at `start`: its bytes and its length in the source.
fn string(src: &str, start: usize) -> Result<(Vec<u8>, usize), Error> {
    let mut out = Vec::new();
    let mut it = src[start + 1..].char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => return Ok((out, i + 2)),
            '\\' => {
                let esc_at = start + 1 + i;
                match it.next().map(|(_, e)| e) {
                    Some('"') => out.push(b'"'),
                    Some('\\') => out.push(b'\\'),
                    Some('n') => out.push(b'\n'),
                    Some('t') => out.push(b'\t'),
                    Some('0') => out.push(0),
                    Some('x') => {
                        let hex: String = it.by_ref().take(2).map(|(_, h)| h).collect();
                        let byte = u8::from_str_radix(&hex, 16)
                            .ok()
                            .filter(|_| hex.len() == 2)
                            .ok_or_else(|| Error::at(src, esc_at, "'\\x' needs two hex digits"))?;
                        out.push(byte);
                    }
                    _ => return Err(Error::at(src, esc_at, "unknown escape; use \\\" \\\\ \\n \\t \\0 or \\xHH")),
                }
            }
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    Err(Error::at(src, start, "this string has no closing '\"'"))
}

#[cfg(test)]
mod test {
    use super::*;

    fn toks(s: &str) -> Vec<Tok<'_>> {
        tokens(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn operators_and_words() {
        assert_eq!(
            toks("!(vrrp.prio>=100)&&not arp or eth.src eq 00:00:5e:00:01:33"),
            vec![
                Tok::Not,
                Tok::LParen,
                Tok::Word("vrrp.prio"),
                Tok::Cmp(Op::Ge),
                Tok::Word("100"),
                Tok::RParen,
                Tok::And,
                Tok::Not,
                Tok::Word("arp"),
                Tok::Or,
                Tok::Word("eth.src"),
                Tok::Cmp(Op::Eq),
                Tok::Word("00:00:5e:00:01:33"),
            ]
        );
        assert_eq!(
            toks("a!=b<c"),
            vec![Tok::Word("a"), Tok::Cmp(Op::Ne), Tok::Word("b"), Tok::Cmp(Op::Lt), Tok::Word("c")]
        );
    }

    #[test]
    fn strings_with_escapes() {
        assert_eq!(toks(r#""a\"b\x01é""#), vec![Tok::Str(vec![b'a', b'"', b'b', 1, 0xc3, 0xa9])]);
        let spans: Vec<usize> = tokens(r#""é" x"#).unwrap().iter().map(|t| t.at).collect();
        assert_eq!(spans, vec![0, 5]);
    }

    #[test]
    fn lexical_errors_point_at_the_character() {
        assert_eq!(tokens("vrrp & arp").unwrap_err().column, 6);
        assert_eq!(tokens("vrrp.prio = 1").unwrap_err().column, 11);
        assert_eq!(tokens("x == \"abc").unwrap_err().column, 6);
        assert_eq!(tokens("x == @").unwrap_err().column, 6);
        assert_eq!(tokens(r#"x == "\q""#).unwrap_err().column, 7);
    }
}
