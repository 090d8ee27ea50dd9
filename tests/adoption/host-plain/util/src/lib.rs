//! What separates words.

/// True for whitespace and ASCII punctuation.
pub fn is_separator(c: char) -> bool {
    c.is_whitespace() || c.is_ascii_punctuation()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators() {
        assert!(is_separator(' '));
        assert!(is_separator(','));
        assert!(!is_separator('a'));
    }
}
