//! Every report, index and stub the tests produce validates against the
//! committed JSON Schemas under `schemas/` (which a unit test keeps true to
//! the Rust types).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{case_dirs, read_tree};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Validates each document against the schema, collecting every failure.
fn validate(schema: &str, docs: &[(String, serde_json::Value)]) -> Vec<String> {
    let path = repo().join("schemas").join(schema);
    let schema_json: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.enable_format_assertions();
    compiler.add_resource("mem:schema.json", schema_json).unwrap();
    let index = compiler.compile("mem:schema.json", &mut schemas).unwrap();
    docs.iter()
        .filter_map(|(name, doc)| {
            schemas.validate(doc, index).err().map(|e| format!("{name} against {schema}: {e:#}"))
        })
        .collect()
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn every_expected_report_and_index_validates() {
    let mut reports = Vec::new();
    let mut indexes = Vec::new();
    for case in case_dirs() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let report = read_tree(&case.join("expected/report"));
        if let Some(bytes) = report.get("production_maturity.json") {
            reports.push((name.clone(), json(bytes)));
        }
        if let Some(bytes) = report.get("artifact_index.json") {
            indexes.push((name, json(bytes)));
        }
    }
    assert!(reports.len() >= 20, "only {} reports found", reports.len());
    let mut failures = validate("production_maturity.schema.json", &reports);
    failures.extend(validate("artifact_index.schema.json", &indexes));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn stubs_and_passing_case_evidence_validate_as_evidence() {
    let mut docs = Vec::new();
    for case in
        ["stub_quarantine", "seed_invocation", "ga_ready_discovery", "trust_stale", "waiver_valid"]
    {
        let tree = read_tree(&repo().join("tests/cases").join(case).join("input/test_artifacts"));
        for (path, bytes) in tree {
            docs.push((format!("{case}/{path}"), json(&bytes)));
        }
    }
    assert!(docs.len() >= 35, "{}", docs.len());
    let failures = validate("evidence.schema.json", &docs);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_evidence_schema_rejects_what_the_gate_rejects() {
    let bad = [
        ("no status", serde_json::json!({"domain": "docs"})),
        ("numeric status", serde_json::json!({"status": 1})),
        ("domain with a slash", serde_json::json!({"status": "passed", "domain": "a/b"})),
        ("bad timestamp", serde_json::json!({"status": "passed", "generated_at": "yesterday"})),
        (
            "check without status",
            serde_json::json!({"status": "passed", "checks": [{"name": "fmt"}]}),
        ),
    ];
    for (what, doc) in bad {
        let failures = validate("evidence.schema.json", &[(what.to_string(), doc)]);
        assert_eq!(failures.len(), 1, "{what} should not validate");
    }
}
