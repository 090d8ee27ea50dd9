//! Placeholder: filled in by the sarif format work.

use serde_json::Value;

use super::{FormatPolicy, Outcome};

/// Does this JSON document look like this format?
pub fn detect(_doc: &Value) -> bool {
    false
}

/// Applies the format's rule.
pub fn check(_doc: &Value, _policy: &FormatPolicy) -> Result<Outcome, String> {
    Err("not implemented".to_string())
}
