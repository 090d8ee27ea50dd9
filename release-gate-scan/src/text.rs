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
