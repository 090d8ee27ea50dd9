//! `cargo xtask evidence`, end to end, as a GitHub Actions step runs it.
//!
//! The collectors start other processes (the gate, replayed by `cdc`; the
//! bench; the test suites): those are not the job's step, so they must not
//! inherit `GITHUB_ACTIONS`, `GITHUB_STEP_SUMMARY` or `GITHUB_OUTPUT`, or a
//! green run's summary fills with unrelated (and "blocked") reports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

#[test]
fn the_cdc_collector_replays_the_gate_without_the_jobs_summary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("step_summary.md");
    let outputs = tmp.path().join("output.txt");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&outputs, "").unwrap();
    let artifacts = tmp.path().join("artifacts");
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["evidence", "cdc", "--release", "v9.9.9", "--commit", "0123456789abcdef"])
        .arg("--artifacts-root")
        .arg(&artifacts)
        .current_dir(root)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status);
    assert!(!stdout.contains("::"), "a workflow command reached the collector's output:\n{stdout}");

    // The collector's record: the configured command passed.
    let collected = std::fs::read_to_string(artifacts.join("replay/latest/cdc.json")).unwrap();
    let collected: Value = serde_json::from_str(&collected).unwrap();
    assert_eq!(collected["checks"][0]["name"], "replay", "{collected:#}");
    assert_eq!(collected["checks"][0]["status"], "passed", "{collected:#}");
    assert_eq!(collected["generated_at"], "2023-11-14T22:13:20Z");
    // The replay's own evidence, bound through the collector.
    let record = std::fs::read_to_string(artifacts.join("replay/latest/replay.json")).unwrap();
    let record: Value = serde_json::from_str(&record).unwrap();
    let checks: Vec<(&str, &str)> = record["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        checks,
        [("replay", "passed"), ("order", "passed"), ("inputs-unchanged", "passed")],
        "{record:#}"
    );
    assert_eq!(record["status"], "passed", "{record:#}");
    assert_eq!(record["generated_at"], "2023-11-14T22:13:20Z");
    assert_eq!(record["commit"], "0123456789abcdef");

    for (file, what) in [(&summary, "the step summary"), (&outputs, "the step outputs")] {
        let text = std::fs::read_to_string(file).unwrap();
        let head: String = text.chars().take(400).collect();
        assert!(text.is_empty(), "{what} was written by the collector's children:\n{head}");
    }
}
