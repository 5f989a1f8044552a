//! One keepalived.conf file's text → tokens, following `lib/parser.c`:
//! `!` and `#` outside quotes start a comment anywhere on a line (`\#` and
//! `\!` are literal), a quoted part is kept as written without its quotes
//! and never splits a word, `{` and `}` are tokens of their own wherever they
//! stand, and a trailing `\` joins the next line (the break counts as
//! whitespace). `include` lines become [`Tok::Include`] so that the loader,
//! not the lexer, touches the file system.

use super::{Fail, Pos};

/// Longest physical line accepted (keepalived itself ignores long lines).
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Tokens over all files of one configuration: keeps a hostile file from
/// turning 16 MiB of `{` into gigabytes of tokens.
pub const MAX_TOKENS: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Word(String),
    Open,
    Close,
    /// End of a logical line that had at least one token.
    Eol,
    /// `include PATTERN`, the pattern as written.
    Include(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub pos: Pos,
}

/// Lexes `text`, tagging positions with `file`. Lines are numbered from
/// `first_line` (an inline config starts inside a scenario file).
pub fn lex(text: &str, file: u32, first_line: u32, budget: &mut usize) -> Result<Vec<Token>, Fail> {
    let mut lx = Lexer {
        out: Vec::new(),
        word: None,
        line_start: 0,
        budget,
        file,
    };
    let mut quote_start: Option<Pos> = None;
    let mut continued = false;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = first_line.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        if raw.len() > MAX_LINE_BYTES {
            return Err(Fail::at(
                Pos {
                    file,
                    line: line_no,
                    column: 1,
                },
                format!(
                    "line is longer than {} bytes ({} bytes)",
                    MAX_LINE_BYTES,
                    raw.len()
                ),
            ));
        }
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if !continued {
            lx.line_start = lx.out.len();
        }
        continued = false;
        let chars: Vec<char> = line.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let c = chars[k];
            let pos = Pos {
                file,
                line: line_no,
                column: u32::try_from(k + 1).unwrap_or(u32::MAX),
            };
            if quote_start.is_some() {
                if c == '"' {
                    quote_start = None;
                } else {
                    lx.push(c, pos);
                }
                k += 1;
                continue;
            }
            match c {
                '"' => {
                    quote_start = Some(pos);
                    lx.start_word(pos);
                }
                '\\' if matches!(chars.get(k + 1), Some('#' | '!')) => {
                    lx.push(chars[k + 1], pos);
                    k += 1;
                }
                '\\' if k + 1 == chars.len() => continued = true,
                '!' | '#' => break,
                ' ' | '\t' => lx.end_word()?,
                '{' => lx.emit(Tok::Open, pos)?,
                '}' => lx.emit(Tok::Close, pos)?,
                _ => lx.push(c, pos),
            }
            k += 1;
        }
        if let Some(q) = quote_start {
            return Err(Fail::at(
                q,
                "unterminated quote: no closing '\"' on this line",
            ));
        }
        if !continued {
            lx.end_line()?;
        }
    }
    // A trailing `\` on the last line has nothing to join.
    lx.end_line()?;
    Ok(lx.out)
}

struct Lexer<'b> {
    out: Vec<Token>,
    /// The word being built and where it started.
    word: Option<(String, Pos)>,
    /// Index in `out` of the first token of the current logical line.
    line_start: usize,
    budget: &'b mut usize,
    file: u32,
}

impl Lexer<'_> {
    fn start_word(&mut self, pos: Pos) {
        if self.word.is_none() {
            self.word = Some((String::new(), pos));
        }
    }

    fn push(&mut self, c: char, pos: Pos) {
        match &mut self.word {
            Some((w, _)) => w.push(c),
            None => self.word = Some((c.to_string(), pos)),
        }
    }

    fn emit(&mut self, tok: Tok, pos: Pos) -> Result<(), Fail> {
        self.end_word()?;
        self.token(tok, pos)
    }

    fn token(&mut self, tok: Tok, pos: Pos) -> Result<(), Fail> {
        if *self.budget == 0 {
            return Err(Fail::at(
                pos,
                format!("too many tokens (more than {MAX_TOKENS} in all files)"),
            ));
        }
        *self.budget -= 1;
        self.out.push(Token { tok, pos });
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), Fail> {
        if let Some((w, pos)) = self.word.take() {
            self.token(Tok::Word(w), pos)?;
        }
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), Fail> {
        self.end_word()?;
        let line = &self.out[self.line_start..];
        if line.is_empty() {
            return Ok(());
        }
        if let [Token {
            tok: Tok::Word(kw),
            pos,
        }, rest @ ..] = line
        {
            if kw == "include" {
                let pos = *pos;
                let mut pattern = Vec::with_capacity(rest.len());
                for t in rest {
                    match &t.tok {
                        Tok::Word(w) => pattern.push(w.as_str()),
                        _ => return Err(Fail::at(t.pos, "unexpected brace in an include line")),
                    }
                }
                if pattern.is_empty() {
                    return Err(Fail::at(
                        pos,
                        "expected a file name or pattern after 'include'",
                    ));
                }
                let pattern = pattern.join(" ");
                self.out.truncate(self.line_start);
                self.out.push(Token {
                    tok: Tok::Include(pattern),
                    pos,
                });
                self.line_start = self.out.len();
                return Ok(());
            }
        }
        let pos = line.last().map(|t| t.pos).unwrap_or(Pos {
            file: self.file,
            line: 0,
            column: 0,
        });
        self.token(Tok::Eol, pos)?;
        self.line_start = self.out.len();
        Ok(())
    }
}
