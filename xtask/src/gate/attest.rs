//! Render, the verdict as an in-toto attestation: a Statement v1 whose
//! subjects are the input artifacts and whose predicate is a SLSA
//! Verification Summary (VSA) v1. Pure, and unsigned: signing and publishing
//! are for `actions/attest` or cosign (see the README).

use serde::Serialize;
use serde_json::{json, Value};

use super::model::{Level, Report};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const VSA_TYPE: &str = "https://slsa.dev/verification_summary/v1";
/// The verifier id written into every VSA.
pub const VERIFIER_ID: &str = "urn:cargo-xtask:release-gate";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub type_: &'static str,
    pub subject: Vec<Value>,
    #[serde(rename = "predicateType")]
    pub predicate_type: &'static str,
    pub predicate: Value,
}

/// The VSA predicate alone (what `actions/attest` takes as `predicate-path`).
pub fn predicate(report: &Report) -> Value {
    let inputs: Vec<Value> = inputs(report)
        .into_iter()
        .map(|(path, sha)| json!({ "uri": path, "digest": { "sha256": sha } }))
        .collect();
    let passed = report.level == Level::GaReady;
    let mut predicate = json!({
        "verifier": {
            "id": VERIFIER_ID,
            "version": { "release-gate": report.gate_version },
        },
        "resourceUri": format!("urn:release:{}", report.release),
        "policy": {
            "uri": "Cargo.toml#workspace.metadata.release-gate",
            "digest": { "sha256": report.policy_sha256 },
        },
        "inputAttestations": inputs,
        "verificationResult": if passed { "PASSED" } else { "FAILED" },
        "verifiedLevels": if passed { vec!["RELEASE_GATE_GA_READY"] } else { Vec::new() },
        "slsaVersion": "1.0",
    });
    // Only an injected clock (`--now`, `SOURCE_DATE_EPOCH`) or the one the
    // policy already needed: the attestation adds no time of its own.
    if let (Some(at), Some(obj)) =
        (report.evaluated_at.as_ref().or(report.generated_at.as_ref()), predicate.as_object_mut())
    {
        obj.insert("timeVerified".to_string(), Value::String(at.clone()));
    }
    predicate
}

pub fn statement(report: &Report) -> Statement {
    Statement {
        type_: STATEMENT_TYPE,
        subject: inputs(report)
            .into_iter()
            .map(|(path, sha)| json!({ "name": path, "digest": { "sha256": sha } }))
            .collect(),
        predicate_type: VSA_TYPE,
        predicate: predicate(report),
    }
}

/// Every input artifact that was read, with its digest, sorted by path.
fn inputs(report: &Report) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = report
        .domains
        .values()
        .flat_map(|d| &d.artifacts)
        .chain(&report.unassigned)
        .filter_map(|a| Some((a.path.clone(), a.sha256.clone()?)))
        .collect();
    out.sort();
    out.dedup();
    out
}
