//! keepalived.conf import: text → [`KeepalivedConf`].
//!
//! Four stages, each in its own file: `lexer` (comments, quotes, braces,
//! continuation), `source` (files, `include` globs, size limits), `tree`
//! (statements and their blocks) and the semantic pass (`parser` with
//! `vrrp` and `lvs`) that maps keywords to the typed model.
//!
//! Errors stop the import and name `file:line:column`. Everything that
//! keepalived would log and carry on from (an unknown keyword, a value out of
//! range, a keyword the simulator does not model) becomes a [`Warning`] with
//! its span, so that `vrrplab sim` can show what it did not take into
//! account. Where keepalived replaces a bad value with its default, the field
//! is left `None` so that the engine applies the same default.

mod args;
mod instance_blocks;
#[rustfmt::skip]
mod keywords;
mod lexer;
mod lvs;
mod parser;
mod source;
mod tree;
mod vrrp;

use super::conf::{KeepalivedConf, Span, Warning};
use std::path::{Path, PathBuf};

pub use lexer::{MAX_LINE_BYTES, MAX_TOKENS};
pub use source::{MAX_FILES, MAX_FILE_BYTES, MAX_INCLUDE_DEPTH};

/// Why a configuration could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{span}: {message}")]
pub struct ConfError {
    pub span: Span,
    pub message: String,
}

/// Reads `path` (and the files it includes) as keepalived.conf.
pub fn parse_file(path: &Path) -> Result<KeepalivedConf, ConfError> {
    let mut src = source::Loader::default();
    let tokens = src.load_root(path);
    finish(src, tokens)
}

/// Parses configuration text that did not come from a file of its own, such
/// as the inline `keepalived_conf` of a scenario. `origin` names it in
/// messages and anchors relative `include` patterns (its directory);
/// `first_line` is the line of `origin` on which the text starts.
pub fn parse_str(
    text: &str,
    origin: &Path,
    first_line: usize,
) -> Result<KeepalivedConf, ConfError> {
    let mut src = source::Loader::default();
    let tokens = src.load_text(
        origin,
        text,
        u32::try_from(first_line.max(1)).unwrap_or(u32::MAX),
    );
    finish(src, tokens)
}

fn finish(
    src: source::Loader,
    tokens: Result<Vec<lexer::Token>, Fail>,
) -> Result<KeepalivedConf, ConfError> {
    let mut ctx = Ctx {
        files: src.files,
        warnings: src.warnings,
    };
    let parsed = tokens
        .and_then(tree::build)
        .and_then(|stmts| parser::parse(&stmts, &mut ctx));
    match parsed {
        Ok(mut conf) => {
            conf.warnings = ctx.warnings;
            Ok(conf)
        }
        Err(fail) => Err(ConfError {
            span: ctx.span(fail.pos),
            message: fail.message,
        }),
    }
}

/// A position in one of the files of a configuration: `file` indexes the
/// loader's file table, so tokens stay small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub file: u32,
    pub line: u32,
    pub column: u32,
}

/// An import error before its position is turned into a [`Span`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail {
    pub pos: Pos,
    pub message: String,
}

impl Fail {
    pub fn at(pos: Pos, message: impl Into<String>) -> Fail {
        Fail {
            pos,
            message: message.into(),
        }
    }
}

/// What the semantic pass carries: the file table (to build spans) and the
/// warnings collected so far.
pub(crate) struct Ctx {
    files: Vec<PathBuf>,
    warnings: Vec<Warning>,
}

impl Ctx {
    pub fn span(&self, pos: Pos) -> Span {
        let file = self
            .files
            .get(pos.file as usize)
            .cloned()
            .unwrap_or_default();
        Span {
            file,
            line: pos.line as usize,
            column: pos.column as usize,
        }
    }

    pub fn warn(&mut self, pos: Pos, message: impl Into<String>) {
        let span = self.span(pos);
        self.warnings.push(Warning {
            span,
            message: message.into(),
        });
    }

    /// Warns at a section already converted to the model (checks made once
    /// the whole configuration is read).
    pub fn warn_span(&mut self, span: &Span, message: impl Into<String>) {
        self.warnings.push(Warning {
            span: span.clone(),
            message: message.into(),
        });
    }
}

#[cfg(test)]
mod tests;
