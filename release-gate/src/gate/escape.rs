//! Input text made safe for each output: one function per output, used for
//! every string that came from outside the gate (evidence content, file
//! names, waiver text, `--release`, `--commit`, the environment).
//!
//! - Terminal ([`terminal`]): control characters (a line break, an escape
//!   sequence) are shown as escapes, so input can neither start a line of
//!   its own (a GitHub workflow command such as `::error::` or `##[error]`,
//!   read by the runner from any line of a step's output) nor paint the
//!   terminal. Every line the gate prints starts with the gate's own words.
//! - GitHub workflow commands ([`workflow_data`], [`workflow_property`]):
//!   GitHub's own escapes, on top of [`terminal`].
//! - Markdown ([`md_code`], [`md_code_cell`]): input is only ever shown as a
//!   code span whose fence is longer than any backtick run in it, so it
//!   cannot close the span and render a link, an image or HTML.
//! - JSON: `serde_json` escapes every string.
//!
//! Text quoted from a document into a message is first made one bounded
//! line, with the caps defined once in `release_gate_scan::text`: a line the
//! gate writes about a document ([`line`], [`MAX_LINE`] characters), a value
//! quoted inside it ([`clean`], [`quote`], [`MAX_SHOWN`]), a parser's message
//! ([`bounded`], [`MAX_MESSAGE`] bytes). Every format module uses these.

pub use release_gate_scan::text::{bounded, shown, MAX_LINE, MAX_MESSAGE, MAX_SHOWN};

/// How many names a message lists before "and N more".
pub const MAX_NAMED: usize = 3;

/// One line for a terminal or a CI log: every control character as its
/// escape (`\n`, `\u{1b}`); the rest unchanged.
pub fn terminal(s: &str) -> std::borrow::Cow<'_, str> {
    if !release_gate_scan::text::needs_escape(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len().saturating_add(8));
    for c in s.chars() {
        if escaped(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Characters shown as escapes: control characters (C0, DEL, C1), the
/// Unicode line and paragraph separators (some viewers break lines there),
/// and the bidirectional controls (they reorder what a reader sees).
fn escaped(c: char) -> bool {
    release_gate_scan::text::escaped(c)
}

/// The message of a workflow command (`::error title=...::MESSAGE`): GitHub
/// unescapes `%25`, `%0D`, `%0A`; other control characters are shown as
/// escapes.
pub fn workflow_data(s: &str) -> String {
    terminal(&s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")).into_owned()
}

/// A property of a workflow command (`title=...`): also `:` and `,`.
pub fn workflow_property(s: &str) -> String {
    workflow_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `s` as one shell word a person can paste: as it is when it holds only
/// characters the shell leaves alone, else single-quoted.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:+@,".contains(&b)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `s` as an inline Markdown code span, outside a table.
pub fn md_code(s: &str) -> String {
    code_span(s, false)
}

/// `s` as an inline Markdown code span inside a table cell: a `|` is escaped
/// for the table (GitHub's tables unescape `\|` inside code spans).
pub fn md_code_cell(s: &str) -> String {
    code_span(s, true)
}

fn code_span(s: &str, cell: bool) -> String {
    // The common case (a path, a code): nothing to escape or pad.
    if release_gate_scan::text::plain_code(s, cell) {
        let mut out = String::with_capacity(s.len().saturating_add(2));
        out.push('`');
        out.push_str(s);
        out.push('`');
        return out;
    }
    let line = terminal(s);
    let mut body = String::with_capacity(line.len());
    for c in line.chars() {
        if cell && c == '|' {
            body.push_str("\\|");
        } else {
            body.push(c);
        }
    }
    // A fence longer than the longest backtick run inside cannot be closed
    // by it; a space pads content that starts or ends with a backtick (or a
    // space, which a span would otherwise strip).
    let mut longest = 0usize;
    let mut run = 0usize;
    for c in body.chars() {
        run = if c == '`' { run.saturating_add(1) } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest.saturating_add(1));
    let pad = body.starts_with(['`', ' ']) || body.ends_with(['`', ' ']) || body.is_empty();
    let pad = if pad { " " } else { "" };
    format!("{fence}{pad}{body}{pad}{fence}")
}

/// At most `max` characters, the last one `…` when cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// [`clip`], with control characters (line breaks included) turned into
/// spaces, so the result is one line.
pub fn clip_line(text: &str, max: usize) -> String {
    clip(&text.replace(char::is_control, " "), max)
}

/// A line the gate writes about a document (a finding, a reason): one line,
/// at most [`MAX_LINE`] characters.
pub fn line(text: &str) -> String {
    clip_line(text, MAX_LINE)
}

/// An input value made safe to quote inside a message: control characters
/// become spaces, backticks become quotes (they cannot close the quote), at
/// most [`MAX_SHOWN`] characters.
pub fn clean(text: &str) -> String {
    clip(&text.replace(char::is_control, " ").replace('`', "'"), MAX_SHOWN)
}

/// An input value in backticks: [`clean`].
pub fn quote(text: &str) -> String {
    format!("`{}`", clean(text))
}

/// The first few names quoted, then "and N more".
pub fn name_some(names: &[&str]) -> String {
    name_some_of(names, names.len())
}

/// [`name_some`] of a list of `total` names whose first ones are `names`.
pub fn name_some_of(names: &[&str], total: usize) -> String {
    let shown: Vec<String> = names.iter().take(MAX_NAMED).map(|n| quote(n)).collect();
    match total.saturating_sub(shown.len()) {
        0 => shown.join(", "),
        rest => format!("{} and {rest} more", shown.join(", ")),
    }
}

/// Tool prose as one printable line: ANSI escape sequences dropped, control
/// characters and runs of whitespace collapsed to one space (at most a few
/// lines' worth kept: the caller clips).
pub fn one_line(text: &str) -> String {
    let limit = MAX_LINE.saturating_mul(4);
    let mut out = String::with_capacity(text.len().min(limit));
    let mut chars = text.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI `ESC [ params final-byte`; any other escape drops one char.
            if chars.next_if_eq(&'[').is_some() {
                while chars.next().is_some_and(|c| !('@'..='~').contains(&c)) {}
            } else {
                chars.next();
            }
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        if out.len() > limit {
            break;
        }
    }
    out
}

/// `one` when `n` is 1, else `many`.
pub fn plural<'a>(n: impl TryInto<u64>, one: &'a str, many: &'a str) -> &'a str {
    if n.try_into().is_ok_and(|n| n == 1) {
        one
    } else {
        many
    }
}

/// `n` and its noun: `1 result`, `2 results`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", plural(n, one, many))
}

/// A length as a count for the report.
pub fn len64<T>(items: &[T]) -> u64 {
    u64::try_from(items.len()).unwrap_or(u64::MAX)
}

/// A score or threshold, never rounded: `7.0`, `9.8`, `4.96`.
pub fn fmt_f64(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_text_becomes_one_bounded_line() {
        assert_eq!(clip("abcdef", 6), "abcdef");
        assert_eq!(clip("abcdefg", 6), "abcde…");
        assert_eq!(clip("héllo", 3), "hé…");
        assert_eq!(clip_line("a\nb\tc", 10), "a b c");
        assert_eq!(line(&"x".repeat(300)).chars().count(), MAX_LINE);
        assert_eq!(quote("a`b\nc"), "`a'b c`");
        assert_eq!(one_line("  a \n\t b\u{1b}[1;31m c \u{7}"), "a b c");
        assert_eq!(name_some(&["a", "b", "c", "d", "e"]), "`a`, `b`, `c` and 2 more");
        assert_eq!(plural(1u64, "test", "tests"), "test");
        assert_eq!(plural(2usize, "test", "tests"), "tests");
        assert_eq!(count(2, "result", "results"), "2 results");
        assert_eq!(fmt_f64(7.0), "7.0");
        assert_eq!(fmt_f64(4.96), "4.96");
    }

    #[test]
    fn terminal_text_never_starts_a_line() {
        assert_eq!(terminal("plain `v1.0`"), "plain `v1.0`");
        assert_eq!(terminal("a\n::error::forged"), "a\\n::error::forged");
        assert_eq!(terminal("\r##[error]x\u{1b}[31m"), "\\r##[error]x\\u{1b}[31m");
        assert_eq!(terminal("nel\u{85}x"), "nel\\u{85}x");
        assert_eq!(terminal("ls\u{2028}ps\u{2029}"), "ls\\u{2028}ps\\u{2029}");
        assert_eq!(terminal("evil\u{202e}txt.json"), "evil\\u{202e}txt.json");
        assert_eq!(terminal("é ü 日本"), "é ü 日本");
    }

    #[test]
    fn workflow_commands_escape_their_syntax() {
        assert_eq!(workflow_data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(workflow_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(workflow_data("tab\there"), "tab\\there");
    }

    fn check(input: &str, cell: bool, expected: &str) {
        assert_eq!(code_span(input, cell), expected, "{input:?}");
    }

    #[test]
    fn code_spans_cannot_be_closed_by_their_content() {
        check("failed", false, "`failed`");
        check(
            "x`](https://e.example)![i](https://e.example/i.png)",
            false,
            "``x`](https://e.example)![i](https://e.example/i.png)``",
        );
        check("a``b", false, "```a``b```");
        check("`start", false, "`` `start ``");
        check("end`", false, "`` end` ``");
        check("", false, "`  `");
        check("<img src=x>", false, "`<img src=x>`");
        check("a|b", true, "`a\\|b`");
        check("a|b", false, "`a|b`");
        check("line\nbreak", false, "`line\\nbreak`");
    }
}
