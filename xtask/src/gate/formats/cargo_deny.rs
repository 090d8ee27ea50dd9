//! Placeholder: filled in by the cargo-deny format work.

use super::{FormatPolicy, Outcome};

/// Does this text look like `cargo deny --format json` output (JSON lines)?
pub fn detect(_text: &str) -> bool {
    false
}

pub fn check(_text: &str, _policy: &FormatPolicy) -> Result<Outcome, String> {
    Err("not implemented".to_string())
}
