//! The report's types: what `production_maturity.json` holds (schema_version 1).
//!
//! Lists are sorted and maps are `BTreeMap`s, so the same decision always
//! serializes to the same bytes. Optional fields are left out when empty.

use std::collections::BTreeMap;

use serde::Serialize;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub release: String,
    /// RFC 3339 UTC from `SOURCE_DATE_EPOCH`; absent otherwise (no clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    pub level: Level,
    /// Built on generated stub evidence (`--stubs`): proves the gate works,
    /// is no release evidence.
    pub stub_evidence: bool,
    /// Whole-number percentage of required domains that passed, rounded down.
    pub score: u32,
    pub passed_required: usize,
    pub required_total: usize,
    pub thresholds: Thresholds,
    pub blockers: Vec<Blocker>,
    pub domains: BTreeMap<String, DomainReport>,
    pub warnings: Vec<String>,
    /// Evidence whose domain is not a configured domain.
    pub unassigned: Vec<ArtifactReport>,
    /// Files under the evidence folders that were not read as evidence.
    pub ignored: Vec<Ignored>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Blocked,
    ReleaseCandidate,
    GaReady,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    pub release_candidate_min_score: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainReport {
    pub required: bool,
    pub status: Status,
    pub artifacts: Vec<ArtifactReport>,
}

/// Of a domain, and of one artifact (`missing` there: the named file does not exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    NotPassed,
    Missing,
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Ignored {
    pub path: String,
    pub reason: String,
}

impl Ignored {
    pub fn new(path: String, reason: impl Into<String>) -> Ignored {
        Ignored { path, reason: reason.into() }
    }
}

/// `artifact_index.json`: every output and every input, with its digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactIndex {
    pub schema_version: u32,
    pub release: String,
    /// Report files, named relative to the report folder.
    pub outputs: Vec<IndexEntry>,
    /// Evidence files, named relative to the workspace root.
    pub inputs: Vec<IndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct IndexEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}
