//! Small text helpers the format modules share: how messages name a JSON
//! value's type, and how text from a document is bounded for the report.

use serde_json::Value;

/// The JSON type of `value`, as messages name it (`a number`, `null`, ...).
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
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
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    clip(&one_line, max)
}

/// A count that decides between a singular and a plural word.
pub trait Count: Copy {
    fn is_one(self) -> bool;
}

impl Count for u64 {
    fn is_one(self) -> bool {
        self == 1
    }
}

impl Count for usize {
    fn is_one(self) -> bool {
        self == 1
    }
}

/// `one` when `n` is 1, else `many`.
pub fn plural<'a>(n: impl Count, one: &'a str, many: &'a str) -> &'a str {
    if n.is_one() {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clipping() {
        assert_eq!(clip("abcdef", 6), "abcdef");
        assert_eq!(clip("abcdefg", 6), "abcde…");
        assert_eq!(clip_line("a\nb\tc", 10), "a b c");
        assert_eq!(plural(1u64, "test", "tests"), "test");
        assert_eq!(plural(2usize, "test", "tests"), "tests");
        assert_eq!(kind(&serde_json::json!([1])), "an array");
    }
}
