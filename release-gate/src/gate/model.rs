//! The report's types: what `production_maturity.json` holds (schema_version 1).
//!
//! Lists are sorted and maps are `BTreeMap`s, so the same decision always
//! serializes to the same bytes. Optional fields are left out when empty.
//!
//! The same types read the gate's outputs back (`verify`, `--explain`,
//! `--baseline`): a file that does not parse into them is an error. A report
//! may leave fields out (one from an older gate, a hand-written baseline):
//! they read as empty; the index's fields are required.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::config::Policy;
use super::trust::Issue;

pub const SCHEMA_VERSION: u32 = 1;

/// How every JSON output is written: pretty, every object's keys sorted,
/// newline-terminated: the bytes a round trip through `serde_json::Value`
/// (whose objects are `BTreeMap`s) gives, whatever the struct's field order,
/// written directly by the optimized `release-gate-scan` crate (`tests/cases`
/// hold every JSON output to that round trip).
pub fn json<T: Serialize>(value: &T) -> String {
    let mut out = release_gate_scan::pretty::to_string_pretty_sorted(value)
        .unwrap_or_else(|_| "null".to_string());
    out.push('\n');
    out
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Report {
    pub schema_version: u32,
    pub release: String,
    /// The commit under test, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The version of the xtask that decided.
    pub gate_version: String,
    /// RFC 3339 UTC from `SOURCE_DATE_EPOCH`; absent otherwise (no clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// The instant max-ages and waiver expiry were judged at (`--now`,
    /// `SOURCE_DATE_EPOCH` or the clock); absent when no rule needed time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluated_at: Option<String>,
    /// The effective policy, so a decision can be compared and replayed.
    // Not read back: no reader needs it, and one another version of the
    // gate wrote must not stop a comparison.
    #[serde(skip_deserializing)]
    pub policy: Policy,
    /// sha256 of the effective policy's JSON (as this report renders it).
    pub policy_sha256: String,
    pub level: Level,
    /// How many blockers waivers covered: the level holds with them
    /// (`ga_ready with 2 waivers`).
    pub waived_blockers: usize,
    /// Built on generated stub evidence (`--stubs`): proves the gate works,
    /// is no release evidence.
    pub stub_evidence: bool,
    /// Whole-number percentage of required domains that passed, rounded down.
    pub score: u32,
    pub passed_required: usize,
    pub required_total: usize,
    pub thresholds: Thresholds,
    pub blockers: Vec<Blocker>,
    /// Blockers a valid waiver covers: they do not block, and their domains
    /// do not count as passed.
    pub waived: Vec<Waived>,
    /// The comparison with `--baseline`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Comparison>,
    pub domains: BTreeMap<String, DomainReport>,
    pub warnings: Vec<String>,
    /// Evidence whose domain is not a configured domain.
    pub unassigned: Vec<ArtifactReport>,
    /// Files under the evidence folders that were not read as evidence.
    pub ignored: Vec<Ignored>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Blocked,
    ReleaseCandidate,
    GaReady,
}

impl Report {
    /// The level as people read it: `ga_ready`, or `ga_ready with 2 waivers`.
    pub fn level_text(&self) -> String {
        format!("`{}`{}", self.level.as_str(), self.waivers_note())
    }

    /// Every artifact the report judged: each domain's, then the unassigned.
    pub fn artifacts(&self) -> impl Iterator<Item = &ArtifactReport> {
        self.domains.values().flat_map(|d| &d.artifacts).chain(&self.unassigned)
    }

    /// What follows the level: ` with 2 waivers`, or nothing.
    pub fn waivers_note(&self) -> String {
        match self.waived_blockers {
            0 => String::new(),
            1 => " with 1 waiver".to_string(),
            n => format!(" with {n} waivers"),
        }
    }
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Blocked => "blocked",
            Level::ReleaseCandidate => "release_candidate",
            Level::GaReady => "ga_ready",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Thresholds {
    pub release_candidate_min_score: u32,
    /// `ga_ready` needs this score too: waived blockers cannot carry a
    /// release below it.
    pub ga_min_score: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Blocker {
    /// `<domain>.missing`, `<domain>.invalid` or `<domain>.not_passed`.
    pub code: String,
    pub domain: String,
    /// Root-relative paths of the artifacts involved (empty when missing).
    pub artifacts: Vec<String>,
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Waived {
    pub code: String,
    pub domain: String,
    pub artifacts: Vec<String>,
    pub message: String,
    pub reason: String,
    pub approved_by: String,
    pub expires: String,
    /// The one check of the evidence the waiver names, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

/// Versus a previous report (for example the last release's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Comparison {
    pub path: String,
    pub release: String,
    pub score_before: u32,
    pub score_after: u32,
    /// Blocker codes (blocking or waived) now that the baseline did not have.
    pub new_blockers: Vec<String>,
    pub resolved_blockers: Vec<String>,
    pub persisting_blockers: Vec<String>,
    /// Domains that passed in the baseline and do not now.
    pub regressed_domains: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default)]
pub struct DomainReport {
    pub required: bool,
    pub status: Status,
    pub artifacts: Vec<ArtifactReport>,
}

/// Of a domain, and of one artifact (`missing` there: the named file does not exist).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    NotPassed,
    Missing,
    // Until judged.
    #[default]
    Invalid,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default)]
pub struct ArtifactReport {
    pub path: String,
    /// `evidence` (the gate's own JSON) or the tool format it was read as;
    /// absent when the file could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The domain it counts for (for unassigned evidence: the one it names).
    pub domain: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    pub status: Status,
    /// The artifact's own `status` string, verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported_status: Option<String>,
    /// The artifact's own `release`, `commit` and `generated_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    /// It names neither a release nor a commit.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unbound: bool,
    /// The artifact says it is generated stub evidence (`"provenance": "stub"`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stub: bool,
    /// Why it did not pass (empty when it passed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// What the format's rule counted.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counts: BTreeMap<String, u64>,
    /// The worst findings, most severe first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// Non-blocking observations of the format's rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What blocks it, by blocker kind (not serialized: the blockers are).
    #[serde(skip)]
    pub issues: Vec<Issue>,
    /// The checks that failed, when the artifact failed through named checks
    /// only (what a waiver naming one `check` may cover).
    #[serde(skip)]
    pub failed_checks: Option<Vec<String>>,
}

impl ArtifactReport {
    /// An artifact of `domain` at `path`, invalid until judged.
    pub fn new(path: String, domain: String) -> ArtifactReport {
        ArtifactReport { path, domain, ..ArtifactReport::default() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Ignored {
    pub path: String,
    pub reason: String,
    /// Set when the file was read (its content was not evidence).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Ignored {
    pub fn new(path: String, reason: impl Into<String>) -> Ignored {
        Ignored { path, reason: reason.into(), bytes: None, sha256: None }
    }
}

/// `artifact_index.json`: every output and every input, with its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct ArtifactIndex {
    pub schema_version: u32,
    pub release: String,
    /// Report files, named relative to the report folder.
    pub outputs: Vec<IndexEntry>,
    /// Evidence files, named relative to the workspace root: every file the
    /// gate read, evidence or not.
    pub inputs: Vec<IndexEntry>,
    /// The folders evidence was discovered in (root-relative): `verify`
    /// reports files that appear there later.
    #[serde(default)]
    pub evidence_folders: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct IndexEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

/// The committed JSON Schemas under `schemas/` are generated from these types;
/// `UPDATE_EXPECT=1 cargo test -p release-gate --lib schema` rewrites them.
#[cfg(test)]
mod schema_tests {
    use super::*;

    fn check(name: &str, schema: schemars::Schema) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas").join(name);
        let mut text = serde_json::to_string_pretty(&schema).unwrap();
        text.push('\n');
        if std::env::var_os("UPDATE_EXPECT").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "`schemas/{name}` is stale: rerun with UPDATE_EXPECT=1 and review the diff"
        );
    }

    /// The schema of what the gate writes (fields it may leave out are
    /// optional; what a reader defaults a missing field to is no part of it).
    fn written<T: schemars::JsonSchema>() -> schemars::Schema {
        let no_defaults = |schema: &mut schemars::Schema| {
            schema.remove("default");
        };
        schemars::generate::SchemaSettings::draft2020_12()
            .for_serialize()
            .with_transform(schemars::transform::RecursiveTransform(no_defaults))
            .into_generator()
            .into_root_schema_for::<T>()
    }

    #[test]
    fn report_schema_is_true_to_the_types() {
        check("production_maturity.schema.json", written::<Report>());
    }

    #[test]
    fn index_schema_is_true_to_the_types() {
        check("artifact_index.schema.json", written::<ArtifactIndex>());
    }
}
