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
    // The verification summary can never pass for release evidence: `FAILED`,
    // no verified level, a resource id that is not the release's, and the flag.
    let vsa: serde_json::Value =
        serde_json::from_slice(&report["production_maturity.vsa.json"]).unwrap();
    let statement: serde_json::Value =
        serde_json::from_slice(&report["production_maturity.intoto.json"]).unwrap();
    for predicate in [&vsa, &statement["predicate"]] {
        assert_eq!(predicate["verificationResult"], "FAILED");
        assert_eq!(predicate["verifiedLevels"], serde_json::json!([]));
        assert_eq!(predicate["resourceUri"], format!("urn:release:v{version}:stub-evidence"));
        assert_eq!(predicate["stub_evidence"], true);
    }
}

/// A temporary one-package workspace holding `files`.
fn temp_workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(ws.path().join("Cargo.toml"), support::DEFAULT_MANIFEST).unwrap();
    std::fs::write(ws.path().join("lib.rs"), "").unwrap();
    for (rel, text) in files {
        let path = ws.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    ws
}

/// `--stubs-dir` through a symlink into `test_artifacts/`: the lexical check
/// passed and the stub tree was written among the real evidence. Refused by
/// real path, with nothing written.
#[test]
fn stubs_dir_through_a_symlink_into_the_evidence_tree_is_refused() {
    let ws = temp_workspace(&[("test_artifacts/README", "real evidence lives here\n")]);
    std::fs::create_dir(ws.path().join("target")).unwrap();
    std::os::unix::fs::symlink("../test_artifacts", ws.path().join("target/link")).unwrap();
    let before = read_tree(&ws.path().join("test_artifacts"));
    for dir in ["target/link", "target/link/nested"] {
        let out = xtask(ws.path(), &args(&["release-gate", "--stubs", "--stubs-dir", dir]), &[]);
        assert_eq!((out.exit, out.stdout.as_str()), (2, ""), "{}", out.stderr);
        assert_eq!(
            out.stderr,
            format!("error: `--stubs-dir {dir}` is inside the evidence folder `test_artifacts` (by its real path, through any symlink): stubs never go into the evidence tree; pass a folder under `target/`\n")
        );
        assert_eq!(read_tree(&ws.path().join("test_artifacts")), before);
    }
}

/// A real evidence file that merely holds a nested `"provenance": "stub"`
/// (in a check) was removed by `--stub-omit` and replaced by a stub run: it
/// is not a stub (its top-level `provenance` is not `stub`), and survives.
#[test]
fn a_real_file_with_a_nested_stub_marker_survives() {
    let real = "{\n  \"status\": \"passed\",\n  \"checks\": [{\"name\": \"x\", \"status\": \"passed\", \"provenance\": \"stub\"}]\n}\n";
    let ws = temp_workspace(&[("target/s/security/latest/security.json", real)]);
    let before = read_tree(&ws.path().join("target/s"));
    for extra in [&["--stub-omit", "security"][..], &[][..]] {
        let mut list = vec!["release-gate", "--stubs", "--stubs-dir", "target/s"];
        list.extend_from_slice(extra);
        let out = xtask(ws.path(), &args(&list), &[]);
        assert_eq!(out.exit, 2, "{extra:?}: {}", out.stdout);
        assert_eq!(
            out.stderr.lines().next().unwrap(),
            "error: refusing to replace `target/s/security/latest/security.json`: it is not stub evidence (no top-level `\"provenance\": \"stub\"`); move it away or use another `--out`"
        );
        // Nothing was written or removed: every file is checked first.
        assert_eq!(read_tree(&ws.path().join("target/s")), before, "{extra:?}");
    }
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
             blocker `security.not_passed`: `{dir}/security/latest/security.json` did not pass: status is `failed`; check `advisories` failed\n\
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

/// A `--stubs` run reads its own tree, and its report still never goes into
/// the real evidence tree (before: only the stubs tree was checked).
#[test]
fn a_stub_report_never_goes_into_the_real_evidence_tree() {
    let ws = temp_workspace(&[(
        "test_artifacts/security/latest/security.json",
        "{\"status\": \"passed\"}\n",
    )]);
    let before = read_tree(&ws.path().join("test_artifacts"));
    for dir in ["test_artifacts/security/latest", "test_artifacts/docs/latest/report"] {
        let out = xtask(
            ws.path(),
            &args(&["release-gate", "--stubs", "--stubs-dir", "target/s", "--output-dir", dir]),
            &[],
        );
        assert_eq!((out.exit, out.stdout.as_str()), (2, ""), "{}", out.stderr);
        assert!(
            out.stderr.starts_with(&format!(
                "error: `--stubs` with `--output-dir {dir}`: a stub report never goes into `test_artifacts/`"
            )),
            "{}",
            out.stderr
        );
    }
    assert_eq!(read_tree(&ws.path().join("test_artifacts")), before);
}
