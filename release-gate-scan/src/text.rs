//! Character checks the gate runs on every path and every line it writes:
//! thousands of times per run, so they are compiled here, optimized.

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
