//! Placeholder: filled in by the JUnit format work.

use super::{FormatPolicy, Outcome};

/// Does this text look like JUnit XML (root `testsuites` or `testsuite`)?
pub fn detect(_text: &str) -> bool {
    false
}

pub fn check(_text: &str, _policy: &FormatPolicy) -> Result<Outcome, String> {
    Err("not implemented".to_string())
}
