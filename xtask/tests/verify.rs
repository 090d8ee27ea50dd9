//! `cargo xtask release-gate verify`: drift after the gate ran is caught,
//! file by file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::fs;

use support::{case_args, cases_root, prepare, xtask, DEFAULT_REPORT_DIR};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A workspace the gate ran in, with its report.
fn gated() -> tempfile::TempDir {
    let case = cases_root().join("unassigned_and_overrides");
    let ws = prepare(&case);
    let out = xtask(ws.path(), &case_args(&case), &[]);
    assert_eq!(out.exit, 0, "{}", out.stderr);
    ws
}

#[test]
fn clean_report_verifies() {
    let ws = gated();
    let out = xtask(ws.path(), &args(&["release-gate", "verify"]), &[]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""));
    assert_eq!(
        out.stdout,
        "verify `test_artifacts/production_maturity/report`: 13 file(s) checked, 0 drifted: no drift\n"
    );
}

#[test]
fn one_changed_byte_is_drift() {
    let ws = gated();
    let path = ws.path().join("test_artifacts/security/latest/security.json");
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    fs::write(&path, &bytes).unwrap();
    let out = xtask(ws.path(), &args(&["release-gate", "verify", DEFAULT_REPORT_DIR]), &[]);
    assert_eq!(out.exit, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[0].starts_with("changed `test_artifacts/security/latest/security.json`: sha256 `"),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        "verify `test_artifacts/production_maturity/report`: 13 file(s) checked, 1 drifted: DRIFT"
    );
}

#[test]
fn missing_extra_and_edited_report_are_drift() {
    let ws = gated();
    fs::remove_file(ws.path().join("test_artifacts/docs/latest/docs.json")).ok();
    fs::remove_file(ws.path().join("test_artifacts/misc/latest/docs-build.json")).unwrap();
    fs::write(
        ws.path().join("test_artifacts/security/latest/late.json"),
        "{\"status\": \"passed\"}\n",
    )
    .unwrap();
    let report = ws.path().join(DEFAULT_REPORT_DIR).join("production_maturity.json");
    let text = fs::read_to_string(&report)
        .unwrap()
        .replace("\"level\": \"ga_ready\"", "\"level\": \"ga_ready\" ");
    fs::write(&report, text).unwrap();
    let out = xtask(ws.path(), &args(&["release-gate", "verify"]), &[]);
    assert_eq!(out.exit, 1, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert!(lines[0].starts_with(
        "changed `test_artifacts/production_maturity/report/production_maturity.json`: sha256 `"
    ));
    assert_eq!(lines[1], "extra `test_artifacts/security/latest/late.json`: evidence that was not there when the gate ran");
    assert_eq!(
        lines[2],
        "missing `test_artifacts/misc/latest/docs-build.json`: it was recorded, and is gone"
    );
    assert!(lines[3].ends_with("3 drifted: DRIFT"));
}

#[test]
fn a_folder_without_an_index_is_an_error() {
    let ws = tempfile::tempdir().unwrap();
    fs::write(ws.path().join("Cargo.toml"), support::DEFAULT_MANIFEST).unwrap();
    fs::write(ws.path().join("lib.rs"), "").unwrap();
    let out = xtask(ws.path(), &args(&["release-gate", "verify", "nowhere"]), &[]);
    assert_eq!(out.exit, 2);
    assert_eq!(
        out.stderr,
        "error: cannot read `nowhere/artifact_index.json`: is `nowhere` a report folder written by `cargo xtask release-gate`?: No such file or directory (os error 2)\n"
    );
}
