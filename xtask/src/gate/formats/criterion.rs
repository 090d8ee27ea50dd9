//! Placeholder: filled in by the criterion format work.

use serde_json::Value;

use super::{FormatPolicy, Outcome};

/// The files criterion writes under `target/criterion/<bench>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `change/estimates.json`: the comparison with the baseline.
    Change,
    /// `new/estimates.json` or `base/estimates.json`.
    Estimates,
    /// `benchmark.json`, `sample.json`, `tukey.json`.
    Support,
}

pub fn classify(_doc: &Value) -> Option<Kind> {
    None
}

/// The regression rule over a `change/estimates.json`.
pub fn check_change(_doc: &Value, _policy: &FormatPolicy) -> Result<Outcome, String> {
    Err("not implemented".to_string())
}
