//! `cargo xtask release-gate --stubs`, run for real in this workspace: the
//! generator runs as a subprocess, the gate reads its tree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

use support::{read_tree, xtask};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// A fresh folder under `target/` for one test (paths stay root-relative).
fn scratch(name: &str) -> String {
    let rel = format!("target/test-stubs/{name}");
    let _ = std::fs::remove_dir_all(workspace().join(&rel));
    rel
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn stubs_open_the_gate_and_say_so() {
    let dir = scratch("open");
    let out = xtask(&workspace(), &args(&["release-gate", "--stubs", "--stubs-dir", &dir]), &[]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""));
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        out.stdout,
        format!(
            "stub evidence: this report proves the gate works; it is no release evidence\n\
             release gate `v{version}`: level `ga_ready`, score 100 (7 of 7 required domains passed)\n\
             report: {dir}/production_maturity/report/production_maturity.md\n"
        )
    );
    let report = read_tree(&workspace().join(&dir).join("production_maturity/report"));
    let json: serde_json::Value =
        serde_json::from_slice(&report["production_maturity.json"]).unwrap();
    assert_eq!(json["stub_evidence"], true);
    assert_eq!(json["level"], "ga_ready");
    for (domain, entry) in json["domains"].as_object().unwrap() {
        assert_eq!(entry["artifacts"].as_array().unwrap().len(), 1, "{domain}");
        assert_eq!(entry["artifacts"][0]["stub"], true, "{domain}");
    }
    let md = String::from_utf8(report["production_maturity.md"].clone()).unwrap();
    assert!(
        md.contains("\n> **Stub evidence.** This report was built on generated stub evidence"),
        "{md}"
    );
}

#[test]
fn stubs_exercise_the_failure_paths() {
    let dir = scratch("failing");
    let out = xtask(
        &workspace(),
        &args(&[
            "release-gate",
            "--stubs",
            "--stubs-dir",
            &dir,
            "--stub-fail",
            "security",
            "--stub-omit",
            "docs",
            "--stub-invalid",
            "cdc",
        ]),
        &[],
    );
    assert_eq!((out.exit, out.stderr.as_str()), (1, ""));
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        out.stdout,
        format!(
            "stub evidence: this report proves the gate works; it is no release evidence\n\
             release gate `v{version}`: level `blocked`, score 57 (4 of 7 required domains passed)\n\
             blocker `cdc.invalid`: `{dir}/replay/latest/replay.json` is not valid evidence: EOF while parsing a string at line 4 column 17\n\
             blocker `docs.missing`: no evidence for `docs`: no evidence file under `{dir}/docs/latest/`\n\
             blocker `security.not_passed`: `{dir}/security/latest/security.json` did not pass: status is `failed`; check `advisories` has status `failed`\n\
             report: {dir}/production_maturity/report/production_maturity.md\n"
        )
    );
}

#[test]
fn stubs_do_not_mix_with_other_evidence() {
    let out =
        xtask(&workspace(), &args(&["release-gate", "--stubs", "--artifact", "docs=x.json"]), &[]);
    assert_eq!(out.exit, 2);
    assert!(
        out.stderr.starts_with(
            "error: the argument '--stubs' cannot be used with '--artifact <DOMAIN=PATH>'"
        ),
        "{}",
        out.stderr
    );
}
