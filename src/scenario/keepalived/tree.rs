//! Tokens → statements. A statement is the words of one logical line, and
//! the block that follows it: on the same line, or alone on a later line
//! (`vrrp_instance VI_1` then `{`), as keepalived allows.

use super::lexer::{Tok, Token};
use super::{Fail, Pos};

/// Deepest nesting of blocks (keepalived's deepest is about 5).
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub open: Pos,
    pub body: Vec<Stmt>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stmt {
    /// Never empty: the keyword first.
    pub words: Vec<Word>,
    pub block: Option<Block>,
}

impl Stmt {
    pub fn keyword(&self) -> &str {
        &self.words[0].text
    }

    pub fn pos(&self) -> Pos {
        self.words[0].pos
    }

    /// The statement as written, for messages ("vrrp_instance VI_1").
    pub fn head(&self) -> String {
        self.words
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// An open block: the statement that owns it (`None` at top level).
struct Level {
    owner: Option<Stmt>,
    open: Pos,
    body: Vec<Stmt>,
}

pub fn build(tokens: Vec<Token>) -> Result<Vec<Stmt>, Fail> {
    let top = Pos {
        file: 0,
        line: 0,
        column: 0,
    };
    let mut stack = vec![Level {
        owner: None,
        open: top,
        body: Vec::new(),
    }];
    let mut words: Vec<Word> = Vec::new();
    for t in tokens {
        match t.tok {
            Tok::Word(text) => words.push(Word { text, pos: t.pos }),
            Tok::Eol => flush(&mut stack, &mut words),
            Tok::Open => {
                let owner = if words.is_empty() {
                    let level = stack.last_mut().expect("the top level is never popped");
                    match level.body.pop() {
                        Some(prev) if prev.block.is_none() => prev,
                        Some(prev) => {
                            return Err(Fail::at(
                                t.pos,
                                format!("unexpected '{{': '{}' already has a block", prev.head()),
                            ))
                        }
                        None => {
                            return Err(Fail::at(t.pos, "unexpected '{' with no keyword before it"))
                        }
                    }
                } else {
                    Stmt {
                        words: std::mem::take(&mut words),
                        block: None,
                    }
                };
                if stack.len() > MAX_DEPTH {
                    return Err(Fail::at(
                        t.pos,
                        format!("blocks nested deeper than {MAX_DEPTH}"),
                    ));
                }
                stack.push(Level {
                    owner: Some(owner),
                    open: t.pos,
                    body: Vec::new(),
                });
            }
            Tok::Close => {
                flush(&mut stack, &mut words);
                if stack.len() == 1 {
                    return Err(Fail::at(t.pos, "unmatched '}'"));
                }
                let level = stack.pop().expect("checked above");
                let mut owner = level.owner.expect("only the top level has no owner");
                owner.block = Some(Block {
                    open: level.open,
                    body: level.body,
                });
                stack
                    .last_mut()
                    .expect("the top level is never popped")
                    .body
                    .push(owner);
            }
            // The loader expands every include; one left over is a bug, not a panic.
            Tok::Include(p) => {
                return Err(Fail::at(t.pos, format!("include '{p}' was not expanded")))
            }
        }
    }
    flush(&mut stack, &mut words);
    if stack.len() > 1 {
        let level = stack.pop().expect("checked above");
        let owner = level.owner.expect("only the top level has no owner");
        return Err(Fail::at(
            level.open,
            format!("missing '}}' to close the block of '{}'", owner.head()),
        ));
    }
    Ok(stack.pop().map(|l| l.body).unwrap_or_default())
}

fn flush(stack: &mut [Level], words: &mut Vec<Word>) {
    if !words.is_empty() {
        let level = stack.last_mut().expect("the top level is never popped");
        level.body.push(Stmt {
            words: std::mem::take(words),
            block: None,
        });
    }
}
