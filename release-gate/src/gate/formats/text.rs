//! Small text helpers the format modules share: how messages name a JSON
//! value's type, and how text from a document is bounded for the report.

use serde_json::{Map, Value};

/// How many names a reason lists before "and N more".
pub const MAX_NAMED: usize = 3;
/// The longest quoted input string inside a message, in characters.
pub const MAX_QUOTED_CHARS: usize = 80;

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

/// Input text made safe for one line inside a message: control characters
/// become spaces, backticks become quotes, at most `max` characters.
pub fn clean(text: &str, max: usize) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            c if c.is_control() => ' ',
            '`' => '\'',
            c => c,
        })
        .collect();
    clip(&mapped, max)
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

/// The field, with JSON `null` read as absent.
pub fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// An optional array field: empty when absent, `Err` when not an array.
pub fn optional_array<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'a [Value], String> {
    match field(obj, key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(type_error(path, other, "an array")),
    }
}

/// An optional object field: `None` when absent, `Err` when not an object.
pub fn optional_object<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    match field(obj, key) {
        None => Ok(None),
        Some(Value::Object(inner)) => Ok(Some(inner)),
        Some(other) => Err(type_error(path, other, "an object")),
    }
}

pub fn type_error(path: &str, value: &Value, expected: &str) -> String {
    format!("`{path}` is {}, expected {expected}", kind(value))
}

/// An input string in backticks, on one line, clipped.
pub fn quote(text: &str) -> String {
    let one_line: String =
        text.chars().map(|c| if c.is_control() || c == '`' { ' ' } else { c }).collect();
    format!("`{}`", clip(&one_line, MAX_QUOTED_CHARS))
}

/// The first few names quoted, then "and N more".
pub fn name_some(names: &[&str]) -> String {
    let shown: Vec<String> = names.iter().take(MAX_NAMED).map(|n| quote(n)).collect();
    let mut text = shown.join(", ");
    if names.len() > MAX_NAMED {
        text.push_str(&format!(" and {} more", names.len() - MAX_NAMED));
    }
    text
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
