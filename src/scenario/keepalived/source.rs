//! Files of one configuration: reading them within bounds and splicing
//! `include` globs into the token stream. As keepalived does (it `chdir`s to
//! the including file's directory), a relative pattern is relative to the
//! file that contains the `include`. Matches are taken in sorted order.

use super::lexer::{self, Tok, Token, MAX_TOKENS};
use super::{Fail, Pos};
use crate::scenario::conf::{Span, Warning};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest file accepted.
pub const MAX_FILE_BYTES: u64 = 16 << 20;
/// Deepest chain of includes (the root file is depth 0).
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// Most files one configuration may read, includes counted.
pub const MAX_FILES: usize = 1024;

pub(crate) struct Loader {
    pub files: Vec<PathBuf>,
    pub warnings: Vec<Warning>,
    /// Canonical paths of the files being read, outermost first.
    stack: Vec<PathBuf>,
    budget: usize,
}

impl Default for Loader {
    fn default() -> Self {
        Loader {
            files: Vec::new(),
            warnings: Vec::new(),
            stack: Vec::new(),
            budget: MAX_TOKENS,
        }
    }
}

impl Loader {
    pub fn load_root(&mut self, path: &Path) -> Result<Vec<Token>, Fail> {
        let file = self.add_file(path);
        let text = read_bounded(path).map_err(|m| {
            Fail::at(
                Pos {
                    file,
                    line: 0,
                    column: 0,
                },
                m,
            )
        })?;
        self.stack.push(canonical(path));
        self.load(file, &text, 1)
    }

    pub fn load_text(
        &mut self,
        origin: &Path,
        text: &str,
        first_line: u32,
    ) -> Result<Vec<Token>, Fail> {
        let file = self.add_file(origin);
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(Fail::at(
                Pos {
                    file,
                    line: first_line,
                    column: 1,
                },
                too_big(),
            ));
        }
        self.stack.push(canonical(origin));
        self.load(file, text, first_line)
    }

    fn add_file(&mut self, path: &Path) -> u32 {
        self.files.push(path.to_path_buf());
        u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX)
    }

    fn load(&mut self, file: u32, text: &str, first_line: u32) -> Result<Vec<Token>, Fail> {
        let tokens = lexer::lex(text, file, first_line, &mut self.budget)?;
        if !tokens.iter().any(|t| matches!(t.tok, Tok::Include(_))) {
            return Ok(tokens);
        }
        let mut out = Vec::with_capacity(tokens.len());
        for t in tokens {
            match t.tok {
                Tok::Include(pattern) => self.include(&pattern, t.pos, &mut out)?,
                _ => out.push(t),
            }
        }
        Ok(out)
    }

    fn include(&mut self, pattern: &str, at: Pos, out: &mut Vec<Token>) -> Result<(), Fail> {
        let base = self.files[at.file as usize]
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        // libc's glob(3), which keepalived uses, has no recursive `**`: it is
        // `*` there, and must be here too, or one pattern walks a whole tree.
        let libc_pattern = collapse_stars(pattern);
        let full = if Path::new(pattern).is_absolute() || base.as_os_str().is_empty() {
            libc_pattern
        } else {
            format!(
                "{}/{}",
                glob::Pattern::escape(&base.to_string_lossy()),
                libc_pattern
            )
        };
        let paths = glob::glob(&full)
            .map_err(|e| Fail::at(at, format!("bad include pattern '{pattern}': {e}")))?;
        let mut matched = Vec::new();
        for path in paths.filter_map(Result::ok) {
            if matched.len() + self.files.len() >= MAX_FILES {
                return Err(Fail::at(
                    at,
                    format!("more than {MAX_FILES} configuration files"),
                ));
            }
            matched.push(path);
        }
        matched.sort();
        if matched.is_empty() {
            if pattern.contains(['*', '?', '[']) {
                self.warn(at, format!("No config files matched '{pattern}'"));
                return Ok(());
            }
            return Err(Fail::at(
                at,
                format!("cannot read included file '{pattern}': no such file"),
            ));
        }
        for path in matched {
            if self.stack.len() > MAX_INCLUDE_DEPTH {
                return Err(Fail::at(
                    at,
                    format!("includes nested deeper than {MAX_INCLUDE_DEPTH} files"),
                ));
            }
            let canon = canonical(&path);
            if let Some(i) = self.stack.iter().position(|p| *p == canon) {
                let chain: Vec<String> = self.stack[i..]
                    .iter()
                    .chain([&canon])
                    .map(|p| p.display().to_string())
                    .collect();
                return Err(Fail::at(
                    at,
                    format!("include loop: {}", chain.join(" includes ")),
                ));
            }
            // As keepalived: regular files only (not a FIFO, a device or a
            // directory, which could block or never end).
            if !std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                let message = format!(
                    "Configuration file '{}' is not a regular file - skipping",
                    path.display()
                );
                self.warn(at, message);
                continue;
            }
            let text = read_bounded(&path).map_err(|m| Fail::at(at, m))?;
            let file = self.add_file(&path);
            self.stack.push(canon);
            let tokens = self.load(file, &text, 1)?;
            self.stack.pop();
            out.extend(tokens);
        }
        Ok(())
    }

    fn warn(&mut self, pos: Pos, message: String) {
        let file = self.files[pos.file as usize].clone();
        self.warnings.push(Warning {
            span: Span {
                file,
                line: pos.line as usize,
                column: pos.column as usize,
            },
            message,
        });
    }
}

fn collapse_stars(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        if !(c == '*' && out.ends_with('*')) {
            out.push(c);
        }
    }
    out
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn too_big() -> String {
    format!("file is larger than {} MiB", MAX_FILE_BYTES >> 20)
}

/// Reads at most [`MAX_FILE_BYTES`] (a FIFO or `/dev/zero` has no length to
/// check beforehand). Bytes that are not UTF-8 (a GBK comment, say) are
/// replaced rather than refused, as keepalived reads bytes.
fn read_bounded(path: &Path) -> Result<String, String> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read '{name}': {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read '{name}': {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("'{name}': {}", too_big()));
    }
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}
