//! The book cannot go stale: every `console` block in book/src runs its
//! commands (`$ vrrplab …`) with the binary under test and compares the
//! output with the text in the chapter. `BOOK_UPDATE=1 cargo test --test book`
//! rewrites the chapters with the current output.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Block {
    /// Line index of the opening fence.
    start: usize,
    /// Line index of the closing fence.
    end: usize,
}

fn console_blocks(lines: &[&str]) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open = None;
    for (i, l) in lines.iter().enumerate() {
        match (open, l.trim_end()) {
            (None, "```console") => open = Some(i),
            (Some(s), "```") => {
                out.push(Block { start: s, end: i });
                open = None;
            }
            _ => {}
        }
    }
    out
}

fn run(cmd: &str, root: &Path, bin_dir: &Path) -> String {
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} 2>&1"))
        .current_dir(root)
        .env("PATH", path)
        .env("TZ", "GMT0")
        .env("COLUMNS", "100")
        .output()
        .expect("sh runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Regenerates the blocks of one chapter; returns the new text.
fn regenerate(text: &str, root: &Path, bin_dir: &Path) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut at = 0;
    for b in console_blocks(&lines) {
        out.extend(lines[at..=b.start].iter().map(|s| s.to_string()));
        for l in &lines[b.start + 1..b.end] {
            if let Some(cmd) = l.strip_prefix("$ ") {
                out.push(l.to_string());
                let result = run(cmd, root, bin_dir);
                out.extend(result.lines().map(|s| s.trim_end().to_string()));
            }
        }
        at = b.end;
    }
    out.extend(lines[at..].iter().map(|s| s.to_string()));
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[test]
fn book_outputs_are_current() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_vrrplab"));
    let bin_dir = bin.parent().unwrap().to_path_buf();
    let update = std::env::var("BOOK_UPDATE").is_ok();
    let mut stale = Vec::new();
    let mut chapters: Vec<_> = std::fs::read_dir(root.join("book/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    chapters.sort();
    for ch in chapters
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(ch).unwrap();
        let fresh = regenerate(&text, &root, &bin_dir);
        if fresh != text {
            if update {
                std::fs::write(ch, &fresh).unwrap();
            } else {
                let diff: Vec<String> = text
                    .lines()
                    .zip(fresh.lines())
                    .enumerate()
                    .filter(|(_, (a, b))| a != b)
                    .take(3)
                    .map(|(i, (a, b))| format!("  line {}:\n    book: {a}\n    now:  {b}", i + 1))
                    .collect();
                stale.push(format!("{}\n{}", ch.display(), diff.join("\n")));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "book output is stale; run BOOK_UPDATE=1 cargo test --test book\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_chapter_is_in_the_summary() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let summary = std::fs::read_to_string(root.join("SUMMARY.md")).unwrap();
    for e in std::fs::read_dir(&root).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".md") && name != "SUMMARY.md" {
            assert!(
                summary.contains(&format!("({name})")),
                "{name} is not in SUMMARY.md"
            );
        }
    }
}

#[test]
fn console_blocks_are_found() {
    let text = "a\n```console\n$ echo hi\nold\n```\nb\n";
    let lines: Vec<&str> = text.lines().collect();
    let blocks = console_blocks(&lines);
    assert_eq!((blocks[0].start, blocks[0].end), (1, 4));
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    assert_eq!(
        regenerate(text, &root, &root),
        "a\n```console\n$ echo hi\nhi\n```\nb\n"
    );
}

#[test]
fn no_chapter_is_listed_twice() {
    // mdbook refuses a SUMMARY.md that names a file twice.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src");
    let summary = std::fs::read_to_string(root.join("SUMMARY.md")).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for link in summary.split("](").skip(1).filter_map(|l| l.split(')').next()) {
        assert!(seen.insert(link.to_string()), "{link} is listed twice in SUMMARY.md");
    }
}
