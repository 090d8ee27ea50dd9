//! Render, the verdict as an in-toto attestation: a Statement v1 whose
//! subjects are the input artifacts and whose predicate is a SLSA
//! Verification Summary (VSA) v1. Pure, and unsigned: signing and publishing
//! are for `actions/attest` or cosign (see the README).
//!
//! The types borrow from the report: with thousands of inputs, building the
//! documents as `serde_json::Value`s (a copy of every path and digest, then a
//! tree to walk and drop) cost more than everything else the gate writes.
//! Field order does not matter: `model::json` sorts every object's keys.

use std::collections::BTreeMap;

use serde::Serialize;

use super::model::{Level, Report};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const VSA_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// The verifier id written into every VSA.
pub const VERIFIER_ID: &str = "urn:cargo-xtask:release-gate";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement<'a> {
    #[serde(rename = "_type")]
    pub type_: &'static str,
    pub subject: Vec<Subject<'a>>,
    #[serde(rename = "predicateType")]
    pub predicate_type: &'static str,
    pub predicate: &'a Predicate<'a>,
}

/// A statement's subject: an input artifact and its digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subject<'a> {
    pub name: &'a str,
    pub digest: Digest<'a>,
}

/// A resource descriptor: a VSA's input attestation (an input and its
/// digest), or its policy.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource<'a> {
    pub uri: &'a str,
    pub digest: Digest<'a>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest<'a> {
    pub sha256: &'a str,
}

/// The VSA predicate (what `actions/attest` takes as `predicate-path`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predicate<'a> {
    pub verifier: Verifier<'a>,
    #[serde(rename = "resourceUri")]
    pub resource_uri: String,
    pub policy: Resource<'a>,
    #[serde(rename = "inputAttestations")]
    pub input_attestations: Vec<Resource<'a>>,
    #[serde(rename = "verificationResult")]
    pub verification_result: &'static str,
    #[serde(rename = "verifiedLevels")]
    pub verified_levels: Vec<&'static str>,
    /// Blockers waivers covered: a GA verdict that rests on accepted risks
    /// says so (`RELEASE_GATE_GA_READY_WITH_WAIVERS`).
    #[serde(rename = "waivedBlockers")]
    pub waived_blockers: usize,
    #[serde(rename = "slsaVersion")]
    pub slsa_version: &'static str,
    /// Only an injected clock (`--now`, `SOURCE_DATE_EPOCH`) or the one the
    /// policy already needed: the attestation adds no time of its own.
    #[serde(rename = "timeVerified", skip_serializing_if = "Option::is_none")]
    pub time_verified: Option<&'a str>,
    /// Present (and true) only for a report built on generated stub evidence
    /// (`--stubs`): such a summary is always `FAILED`, for the resource
    /// [`STUB_RESOURCE_SUFFIX`] marks, and never counts as release evidence.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub stub_evidence: bool,
}

/// Appended to the resource id of a stub-based summary: it never names the
/// release itself.
pub const STUB_RESOURCE_SUFFIX: &str = ":stub-evidence";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verifier<'a> {
    pub id: &'static str,
    /// `release-gate` -> its version.
    pub version: BTreeMap<&'static str, &'a str>,
}

/// The VSA predicate alone. A stub-based report (`--stubs`) proves the gate
/// works and nothing about the release: its summary is `FAILED`, verifies no
/// level, names the release with [`STUB_RESOURCE_SUFFIX`], and says
/// `stub_evidence`, so it cannot be mistaken for release evidence.
pub fn predicate(report: &Report) -> Predicate<'_> {
    let stub = report.stub_evidence;
    let passed = report.level == Level::GaReady && !stub;
    Predicate {
        verifier: Verifier {
            id: VERIFIER_ID,
            version: BTreeMap::from([("release-gate", report.gate_version.as_str())]),
        },
        resource_uri: format!(
            "urn:release:{}{}",
            report.release,
            if stub { STUB_RESOURCE_SUFFIX } else { "" }
        ),
        policy: Resource {
            uri: "Cargo.toml#workspace.metadata.release-gate",
            digest: Digest { sha256: &report.policy_sha256 },
        },
        input_attestations: inputs(report)
            .into_iter()
            .map(|(uri, sha256)| Resource { uri, digest: Digest { sha256 } })
            .collect(),
        verification_result: if passed { "PASSED" } else { "FAILED" },
        verified_levels: match (passed, report.waived_blockers) {
            (false, _) => Vec::new(),
            (true, 0) => vec!["RELEASE_GATE_GA_READY"],
            (true, _) => vec!["RELEASE_GATE_GA_READY_WITH_WAIVERS"],
        },
        waived_blockers: report.waived_blockers,
        slsa_version: "1.0",
        time_verified: report.evaluated_at.as_deref().or(report.generated_at.as_deref()),
        stub_evidence: stub,
    }
}

/// The statement around `predicate`: its subjects are the predicate's inputs.
pub fn statement<'a>(predicate: &'a Predicate<'a>) -> Statement<'a> {
    Statement {
        type_: STATEMENT_TYPE,
        subject: predicate
            .input_attestations
            .iter()
            .map(|input| Subject { name: input.uri, digest: input.digest.clone() })
            .collect(),
        predicate_type: VSA_TYPE,
        predicate,
    }
}

/// Every input artifact that was read, with its digest, sorted by path.
fn inputs(report: &Report) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> =
        report.artifacts().filter_map(|a| Some((a.path.as_str(), a.sha256.as_deref()?))).collect();
    // Each domain's artifacts are sorted already; the list as a whole is
    // when folders and domains sort alike (checking is cheaper than sorting).
    if !out.is_sorted() {
        out.sort_unstable();
    }
    out.dedup();
    out
}
