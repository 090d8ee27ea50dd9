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
        "error: cannot read `nowhere/artifact_index.json`: it does not exist; is `nowhere` a report folder written by `cargo xtask release-gate`?\n"
    );
}

const SUMS: &str = "test_artifacts/production_maturity/report/SHA256SUMS";

/// Runs `verify` after `edit` changed `SHA256SUMS`; returns its drift lines.
fn verify_after_sums_edit(edit: impl Fn(&str) -> String) -> (i32, String) {
    let ws = gated();
    let path = ws.path().join(SUMS);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, edit(&text)).unwrap();
    let out = xtask(ws.path(), &args(&["release-gate", "verify"]), &[]);
    assert_ne!(out.exit, 101, "{}", out.stderr);
    (out.exit, out.stdout)
}

/// An emptied `SHA256SUMS` vouches for nothing: before, "no drift".
#[test]
fn emptied_sums_is_drift() {
    let (exit, stdout) = verify_after_sums_edit(|_| String::new());
    assert_eq!(exit, 1, "{stdout}");
    assert_eq!(
        stdout,
        format!(
            "changed `{SUMS}`: it does not list `artifact_index.json`\n\
             changed `{SUMS}`: it does not list `production_maturity.intoto.json`\n\
             changed `{SUMS}`: it does not list `production_maturity.json`\n\
             changed `{SUMS}`: it does not list `production_maturity.md`\n\
             changed `{SUMS}`: it does not list `production_maturity.vsa.json`\n\
             verify `test_artifacts/production_maturity/report`: 13 file(s) checked, 5 drifted: DRIFT\n"
        )
    );
}

/// A truncated `SHA256SUMS` (its last lines gone) is drift.
#[test]
fn truncated_sums_is_drift() {
    let (exit, stdout) =
        verify_after_sums_edit(|t| t.lines().take(2).map(|l| format!("{l}\n")).collect());
    assert_eq!(exit, 1, "{stdout}");
    assert!(stdout.contains(&format!("changed `{SUMS}`: it does not list `")), "{stdout}");
    assert!(stdout.ends_with("3 drifted: DRIFT\n"), "{stdout}");
}

/// Reordered, and an extra line for a file that is not of the report set.
#[test]
fn reordered_sums_with_an_extra_line_is_drift() {
    let (exit, stdout) = verify_after_sums_edit(|t| {
        let mut lines: Vec<&str> = t.lines().collect();
        lines.reverse();
        let extra = format!("{}  ../../security/latest/security.json", "0".repeat(64));
        lines.push(&extra);
        lines.iter().map(|l| format!("{l}\n")).collect()
    });
    assert_eq!(exit, 1, "{stdout}");
    assert_eq!(
        stdout,
        format!(
            "changed `{SUMS}`: it lists `../../security/latest/security.json`, which is not a file of the report set\n\
             verify `test_artifacts/production_maturity/report`: 13 file(s) checked, 1 drifted: DRIFT\n"
        )
    );
    // Only reordered: still not the file the gate wrote.
    let (exit, stdout) = verify_after_sums_edit(|t| {
        let mut lines: Vec<&str> = t.lines().collect();
        lines.reverse();
        lines.iter().map(|l| format!("{l}\n")).collect()
    });
    assert_eq!(exit, 1, "{stdout}");
    assert!(
        stdout.starts_with(&format!("changed `{SUMS}`: not the file the gate wrote")),
        "{stdout}"
    );
}

/// An edited digest in `SHA256SUMS` (of a report file, or of the index).
#[test]
fn edited_sums_is_drift() {
    for (name, why) in [
        (
            "production_maturity.json",
            "`SHA256SUMS` and `artifact_index.json` disagree on `production_maturity.json`",
        ),
        ("artifact_index.json", "its sha256 of `artifact_index.json` is not the file's"),
    ] {
        let (exit, stdout) = verify_after_sums_edit(|t| {
            t.lines()
                .map(|l| {
                    if l.ends_with(&format!("  {name}")) {
                        format!("{}  {name}\n", "f".repeat(64))
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect()
        });
        assert_eq!(exit, 1, "{stdout}");
        assert_eq!(
            stdout,
            format!(
                "changed `{SUMS}`: {why}\n\
                 verify `test_artifacts/production_maturity/report`: 13 file(s) checked, 1 drifted: DRIFT\n"
            )
        );
    }
}

/// The index emptied of its outputs (and `SHA256SUMS` to match) vouches for
/// nothing: drift.
#[test]
fn an_index_without_its_outputs_is_drift() {
    let ws = gated();
    let dir = ws.path().join(DEFAULT_REPORT_DIR);
    let mut index: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("artifact_index.json")).unwrap()).unwrap();
    index["outputs"] = serde_json::json!([]);
    let text = format!("{}\n", serde_json::to_string_pretty(&index).unwrap());
    fs::write(dir.join("artifact_index.json"), &text).unwrap();
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    };
    fs::write(dir.join("SHA256SUMS"), format!("{sha}  artifact_index.json\n")).unwrap();
    let out = xtask(ws.path(), &args(&["release-gate", "verify"]), &[]);
    assert_eq!(out.exit, 1, "{}", out.stdout);
    assert!(
        out.stdout.starts_with("changed `test_artifacts/production_maturity/report/artifact_index.json`: its outputs are not exactly the report files"),
        "{}",
        out.stdout
    );
}

/// Verify walks what the gate walks: a new failing file in a symlinked
/// sub-folder of `latest/` (the gate follows it) is extra evidence. Before:
/// verify listed files without following symlinks, and said "no drift".
#[test]
fn a_new_file_in_a_symlinked_subfolder_is_drift() {
    let case = cases_root().join("unassigned_and_overrides");
    let ws = prepare(&case);
    fs::create_dir_all(ws.path().join("test_artifacts/shared")).unwrap();
    std::os::unix::fs::symlink(
        "../../shared",
        ws.path().join("test_artifacts/security/latest/sub"),
    )
    .unwrap();
    let out = xtask(ws.path(), &case_args(&case), &[]);
    assert_eq!(out.exit, 0, "{}", out.stdout);
    fs::write(ws.path().join("test_artifacts/shared/late.json"), "{\"status\": \"failed\"}\n")
        .unwrap();
    let out = xtask(ws.path(), &args(&["release-gate", "verify"]), &[]);
    assert_eq!(out.exit, 1, "{}", out.stdout);
    assert_eq!(
        out.stdout.lines().next().unwrap(),
        "extra `test_artifacts/security/latest/sub/late.json`: evidence that was not there when the gate ran"
    );
    // The gate itself reads it there, and fails.
    let out = xtask(ws.path(), &case_args(&case), &[]);
    assert_eq!(out.exit, 1, "{}", out.stdout);
    assert!(out.stdout.contains("test_artifacts/security/latest/sub/late.json"), "{}", out.stdout);
}
