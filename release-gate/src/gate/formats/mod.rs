//! Stage 3, understand the format: the gate's own evidence JSON
//! (`evidence_json.rs`) and the tools' own outputs.
//!
//! Each format is a module with pure entry points: a parsed document (or the
//! decoded text, for XML and JSON lines) in, an [`Outcome`] out, or `Err`
//! with why the document is not valid in that format. No I/O here.
//! `registry.rs` is the one table of formats: each format's name, how
//! messages name it, what it reads and its entry points. The dispatcher in
//! `detect.rs` decides which module reads a document, from the content; a
//! file name or a document marker only says which format it must be
//! (`detect::hint`). `provenance.rs` reads the stub marker and the binding
//! claims every format carries.

pub mod cargo_audit;
pub mod cargo_deny;
pub mod criterion;
pub mod cyclonedx;
pub mod detect;
pub mod evidence_json;
pub mod intoto;
pub mod junit;
pub mod provenance;
pub mod registry;
pub mod sarif;
pub mod scorecard;
pub mod spdx;
pub mod streams;
#[cfg(test)]
mod testing;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::gate::escape;
pub use release_gate_scan::checked::kind;

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
    Ok(optional(obj.get(key), &format!("`{path}`"), "an array", Value::as_array)?
        .map_or(&[], Vec::as_slice))
}

/// An optional object field: `None` when absent, `Err` when not an object.
pub fn optional_object<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, String> {
    optional(obj.get(key), &format!("`{path}`"), "an object", Value::as_object)
}

/// [`required`], with an absent or null field read as `None`.
pub fn optional<'a, T>(
    value: Option<&'a Value>,
    at: &str,
    expected: &str,
    as_t: fn(&'a Value) -> Option<T>,
) -> Result<Option<T>, String> {
    value.filter(|v| !v.is_null()).map(|v| required(Some(v), at, expected, as_t)).transpose()
}

/// A value as a message shows it: a number or a string as written (in
/// backticks, a string quoted), anything else by its kind.
pub fn shown_value(value: &Value) -> String {
    match value {
        Value::Number(n) => format!("`{}`", escape::clip(&n.to_string(), 30)),
        Value::String(s) => format!("`\"{}\"`", escape::clean(s)),
        other => kind(other).to_string(),
    }
}

/// A required field of the type `as_t` picks (`expected` names it): `Err`
/// naming `at` (the field in backticks, after any prefix) when it is
/// missing or of another type.
pub fn required<'a, T>(
    value: Option<&'a Value>,
    at: &str,
    expected: &str,
    as_t: fn(&'a Value) -> Option<T>,
) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{at} is missing"))?;
    as_t(value).ok_or_else(|| format!("{at} is {}, expected {expected}", kind(value)))
}

/// `` `path` is a number, expected a string ``.
pub fn type_error(path: &str, value: &Value, expected: &str) -> String {
    format!("`{path}` is {}, expected {expected}", kind(value))
}

/// How many findings an outcome keeps (the worst first).
pub const MAX_FINDINGS: usize = 5;

/// What a format's rule concluded about one artifact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Blocking reasons: the artifact passes only when this is empty.
    pub reasons: Vec<String>,
    /// Non-blocking observations, shown in the report.
    pub warnings: Vec<String>,
    /// Named counts for the report, such as `results.error` => 3.
    pub counts: BTreeMap<String, u64>,
    /// The worst findings, most severe first, at most [`MAX_FINDINGS`], one
    /// line each (for example ``error `js/sql-injection` at `src/db.js:12` ``).
    pub findings: Vec<String>,
}

/// The configurable parts of the format rules, with documented defaults
/// (`docs/formats.md` gives the source of each).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct FormatPolicy {
    /// SARIF: a result whose rule has `security-severity` at or above this blocks.
    pub sarif_block_security_severity: f64,
    /// JUnit: warn when skipped tests exceed this share of all tests (0.0 to 1.0).
    pub junit_max_skipped_share: f64,
    /// Scorecard: the aggregate score below this blocks.
    pub scorecard_min_score: f64,
    /// Scorecard: check name -> minimum score; these checks are required
    /// (an inconclusive `-1` fails them).
    pub scorecard_check_min: BTreeMap<String, f64>,
    /// CycloneDX: block on critical/high vulnerabilities not resolved by analysis.
    pub cyclonedx_block_vulnerabilities: bool,
    /// SPDX: a document with no DESCRIBES relationship blocks (else warns).
    pub spdx_require_describes: bool,
    /// cargo-audit: `unsound` warnings block (else warn).
    pub audit_block_unsound: bool,
    /// criterion: regressed when the lower bound of the mean change exceeds
    /// this fraction (0.05 = 5%).
    pub criterion_regression_threshold: f64,
    /// in-toto/SLSA: the release artifacts (name, sha256) provenance must cover.
    pub slsa_subjects: Vec<(String, String)>,
    /// in-toto/SLSA: allowed builder ids; empty allows any.
    pub slsa_builders: Vec<String>,
    /// in-toto/SLSA: accept SLSA provenance v0.2 (else only v1 passes).
    pub slsa_allow_v02: bool,
}

impl Default for FormatPolicy {
    fn default() -> Self {
        FormatPolicy {
            sarif_block_security_severity: 7.0,
            junit_max_skipped_share: 0.2,
            scorecard_min_score: 5.0,
            scorecard_check_min: BTreeMap::new(),
            cyclonedx_block_vulnerabilities: false,
            spdx_require_describes: false,
            audit_block_unsound: false,
            criterion_regression_threshold: 0.05,
            slsa_subjects: Vec::new(),
            slsa_builders: Vec::new(),
            slsa_allow_v02: false,
        }
    }
}
