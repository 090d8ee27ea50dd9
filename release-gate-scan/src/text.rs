//! Input text made safe for output, the part the optimized crate needs: the
//! character checks the gate runs on every path and every line it writes
//! (thousands of times per run, so they are compiled here, optimized), the
//! caps on echoed text, and the one-line, bounded forms the scanners quote.
//! The gate's `escape` module builds on these for each output.

/// Longest line the gate writes about a document (a finding, a reason), in
/// characters.
pub const MAX_LINE: usize = 200;

/// Longest text echoed from a document into a message, in bytes; longer
/// values are cut (a status word is short; a 10 MB "status" is not one).
pub const MAX_SHOWN: usize = 120;

/// Longest message about a document, in bytes: a parser's message can quote
/// the input, and no quote may echo megabytes into the report or the terminal.
pub const MAX_MESSAGE: usize = 1024;

/// Text from a document as messages show it: one line (control characters
/// become spaces, so evidence cannot forge lines in a terminal or a CI log),
/// and at most [`MAX_SHOWN`] bytes, with the full length when cut.
pub fn shown(text: &str) -> String {
    bounded_to(text, MAX_SHOWN)
}

/// `text` with control characters as spaces, cut at `max` bytes (on a
/// character boundary) with the full length when cut.
pub fn bounded_to(text: &str, max: usize) -> String {
    let one_line = text.replace(char::is_control, " ");
    if one_line.len() <= max {
        return one_line;
    }
    let mut end = max.saturating_sub(20);
    while !one_line.is_char_boundary(end) {
        end = end.saturating_sub(1);
    }
    format!("{}... ({} bytes in all)", one_line.get(..end).unwrap_or_default(), text.len())
}

/// A message about a document, kept to one line and at most about
/// [`MAX_MESSAGE`] bytes: the start and the end (where parsers put the line
/// and column) survive, the middle is cut.
pub fn bounded(message: &str) -> String {
    let one_line = message.replace(char::is_control, " ");
    if one_line.len() <= MAX_MESSAGE {
        return one_line;
    }
    let head_end = (0..=MAX_MESSAGE.saturating_sub(200))
        .rev()
        .find(|&i| one_line.is_char_boundary(i))
        .unwrap_or(0);
    let tail_start = (one_line.len().saturating_sub(160)..=one_line.len())
        .find(|&i| one_line.is_char_boundary(i))
        .unwrap_or(one_line.len());
    format!(
        "{} ... ({} bytes cut) ... {}",
        one_line.get(..head_end).unwrap_or_default(),
        tail_start.saturating_sub(head_end),
        one_line.get(tail_start..).unwrap_or_default()
    )
}

/// `s` holds a control character (`char::is_control`: C0, DEL or C1).
pub fn has_control(s: &str) -> bool {
    // Printable ASCII is the common case: one pass over the bytes.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return false;
    }
    s.chars().any(char::is_control)
}

/// `s` holds a character an output shows as an escape: a control
/// character, a Unicode line or paragraph separator, or a bidirectional
/// control (the gate's `escape` module; checked here, optimized, since every
/// path of a run goes through it).
pub fn needs_escape(s: &str) -> bool {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return false;
    }
    s.chars().any(escaped)
}

/// The characters [`needs_escape`] finds.
pub fn escaped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// `s` can be a Markdown code span as it is (`` `s` ``): nothing to escape,
/// no backtick, no leading or trailing space, not empty, and no `|` when it
/// goes in a table cell.
pub fn plain_code(s: &str, cell: bool) -> bool {
    !s.is_empty()
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.bytes().any(|b| b == b'`' || (cell && b == b'|'))
        && !needs_escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_in_any_script() {
        for (s, control) in [
            ("", false),
            ("evidence/security/latest/a.json", false),
            ("é ü \u{2028} 日本", false),
            ("a\nb", true),
            ("tab\there", true),
            ("del\u{7f}", true),
            ("c1\u{85}", true),
            ("c1\u{9f}", true),
            ("\u{a0}", false),
        ] {
            assert_eq!(has_control(s), control, "{s:?}");
            assert_eq!(has_control(s), s.chars().any(char::is_control), "{s:?}");
        }
    }
}
