use super::super::lexer::{lex, Tok, MAX_LINE_BYTES, MAX_TOKENS};
use super::super::Pos;
use super::{conf, err};

/// Tokens as short strings: words as written, `{`, `}`, `;` for a line end.
fn toks(text: &str) -> Vec<String> {
    let mut budget = MAX_TOKENS;
    lex(text, 0, 1, &mut budget)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .into_iter()
        .map(|t| match t.tok {
            Tok::Word(w) => w,
            Tok::Open => "{".into(),
            Tok::Close => "}".into(),
            Tok::Eol => ";".into(),
            Tok::Include(p) => format!("include<{p}>"),
        })
        .collect()
}

#[test]
fn comments_anywhere_on_a_line() {
    assert_eq!(
        toks("! whole line\n# too\npriority 100 # trailing\nstate MASTER! glued"),
        ["priority", "100", ";", "state", "MASTER", ";"]
    );
}

#[test]
fn comment_characters_inside_quotes_and_escaped_are_kept() {
    assert_eq!(
        toks(r#"auth_pass "a#b!c" x\#y\!z"#),
        ["auth_pass", "a#b!c", "x#y!z", ";"]
    );
}

#[test]
fn a_quoted_string_is_one_token_without_its_quotes() {
    assert_eq!(
        toks(r#"script "/bin/check --x 1"  "" a"b c"d"#),
        ["script", "/bin/check --x 1", "", "ab cd", ";"]
    );
}

#[test]
fn braces_split_tokens_wherever_they_stand() {
    assert_eq!(
        toks("a{b}c\n{\n}"),
        ["a", "{", "b", "}", "c", ";", "{", ";", "}", ";"]
    );
    assert_eq!(
        toks(r#"x "{" y"#),
        ["x", "{", "y", ";"],
        "a quoted brace is a word"
    );
}

#[test]
fn trailing_backslash_joins_the_next_line() {
    assert_eq!(
        toks("weight -20 \\\n  reverse\nnext"),
        ["weight", "-20", "reverse", ";", "next", ";"]
    );
    assert_eq!(
        toks("last \\"),
        ["last", ";"],
        "nothing to join at end of file"
    );
}

#[test]
fn crlf_line_ends_and_tabs() {
    assert_eq!(toks("a\tb\r\nc\r\n"), ["a", "b", ";", "c", ";"]);
}

#[test]
fn positions_are_line_and_character_column() {
    let mut budget = MAX_TOKENS;
    let t = lex("\n  优先 prio\n", 3, 10, &mut budget).unwrap();
    assert_eq!(
        t[0].pos,
        Pos {
            file: 3,
            line: 11,
            column: 3
        }
    );
    assert_eq!(
        t[1].pos,
        Pos {
            file: 3,
            line: 11,
            column: 6
        },
        "columns count characters, not bytes"
    );
}

#[test]
fn include_lines_become_include_tokens() {
    assert_eq!(
        toks("include conf.d/*.conf\na"),
        ["include<conf.d/*.conf>", "a", ";"]
    );
    assert_eq!(toks("includes x"), ["includes", "x", ";"]);
}

#[test]
fn unterminated_quote_is_an_error_at_the_quote() {
    assert_eq!(
        err("router_id x\nscript \"abc\n\"\n"),
        "t.conf:2:8: unterminated quote: no closing '\"' on this line"
    );
}

#[test]
fn a_line_over_one_mib_is_an_error() {
    let text = format!(
        "global_defs {{\n router_id {}\n}}\n",
        "x".repeat(MAX_LINE_BYTES)
    );
    assert_eq!(
        err(&text),
        format!(
            "t.conf:2:1: line is longer than {MAX_LINE_BYTES} bytes ({} bytes)",
            MAX_LINE_BYTES + 11
        )
    );
    // Just under the limit is fine.
    let ok = format!(
        "global_defs {{\n router_id {}\n}}\n",
        "x".repeat(MAX_LINE_BYTES - 11)
    );
    assert_eq!(
        conf(&ok).global.router_id.map(|r| r.len()),
        Some(MAX_LINE_BYTES - 11)
    );
}

#[test]
fn the_token_budget_bounds_memory() {
    let mut budget = 5;
    let e = lex("a b c d e f g", 0, 1, &mut budget).unwrap_err();
    assert_eq!(e.pos.column, 11);
    assert!(e.message.starts_with("too many tokens"), "{}", e.message);
}
