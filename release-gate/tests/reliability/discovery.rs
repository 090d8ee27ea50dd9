//! Fail-closed attacks (issue #13, rule 1) on discovery: nothing the gate
//! sees under a `latest/` folder may count zero times. Each test plants a
//! failing (or unreadable) file where discovery used to drop it, next to a
//! passing one, and asserts that the domain does not pass, with the reason.

use super::*;

const PASSED: &str = "test_artifacts/security/latest/security.json";

/// A workspace whose `security` folder holds one passing file, plus `files`.
fn with_passing(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let ok = evidence("security", "passed");
    let mut all: Vec<(&str, &[u8])> = vec![(PASSED, ok.as_bytes())];
    all.extend_from_slice(files);
    workspace(&all)
}

fn gate(ws: &Path, extra: &[&str]) -> Output {
    xtask(ws, &args(extra), &[])
}

#[test]
fn a_failing_file_deep_below_latest_counts() {
    // Ten folders below `latest/`: walked and judged.
    let deep = format!("test_artifacts/security/latest/{}failed.json", "d/".repeat(10));
    let failed = evidence("security", "failed");
    let ws = with_passing(&[(&deep, failed.as_bytes())]);
    let out = gate(ws.path(), &[]);
    assert_fails_closed(&out, 1, &format!("blocker `security.not_passed`: `{deep}` did not pass"));
}

#[test]
fn a_folder_past_the_depth_limit_blocks_its_domain() {
    let limit = 16;
    let deep = format!("test_artifacts/security/latest/{}failed.json", "d/".repeat(limit + 1));
    let failed = evidence("security", "failed");
    let ws = with_passing(&[(&deep, failed.as_bytes())]);
    let out = gate(ws.path(), &[]);
    let folder = format!("test_artifacts/security/latest/{}d", "d/".repeat(limit));
    assert_fails_closed(
        &out,
        1,
        &format!("blocker `security.invalid`: `{folder}` is not valid evidence: refused: a folder deeper than {limit} levels below the evidence folder"),
    );
}

#[test]
fn two_symlinks_to_one_failing_file_block_the_domain() {
    let failed = evidence("security", "failed");
    let ws = with_passing(&[("test_artifacts/store/failed.json", failed.as_bytes())]);
    let latest = ws.path().join("test_artifacts/security/latest");
    symlink("../../store/failed.json", latest.join("a.json")).unwrap();
    symlink("../../store/failed.json", latest.join("b.json")).unwrap();
    let out = gate(ws.path(), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest/a.json` is not valid evidence: refused: `test_artifacts/security/latest/a.json`, `test_artifacts/security/latest/b.json` are the same file (through symlinks)",
    );
    assert!(out
        .stdout
        .contains("blocker `security.invalid`: `test_artifacts/security/latest/b.json`"));
}

#[test]
fn a_symlinked_folder_aliasing_another_domain_blocks_both_ways() {
    // `docs/latest/sub` is a symlink to `security/latest`: its files are
    // security's evidence, and `docs` has none of its own.
    let docs = evidence("docs", "passed");
    let ws = with_passing(&[("test_artifacts/docs/latest/docs.json", docs.as_bytes())]);
    symlink("../../security/latest", ws.path().join("test_artifacts/docs/latest/sub")).unwrap();
    let out = gate(ws.path(), &["--require", "security,docs"]);
    assert_fails_closed(
        &out,
        1,
        "blocker `docs.invalid`: `test_artifacts/docs/latest/sub/security.json` is not valid evidence: refused: a symlink to `test_artifacts/security/latest/security.json`, which is evidence for `security`",
    );
}

#[test]
fn a_symlink_out_of_the_root_blocks_although_another_file_passes() {
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("audit.json"), evidence("security", "failed")).unwrap();
    let ws = with_passing(&[]);
    let latest = ws.path().join("test_artifacts/security/latest");
    symlink(outside.path().join("audit.json"), latest.join("audit.json")).unwrap();
    // A folder out of the root, too.
    symlink(outside.path(), latest.join("more")).unwrap();
    let out = gate(ws.path(), &[]);
    for entry in ["audit.json", "more"] {
        assert_fails_closed(
            &out,
            1,
            &format!("blocker `security.invalid`: `test_artifacts/security/latest/{entry}` is not valid evidence: refused: it resolves outside the artifacts root"),
        );
    }
    // The report never reads what is outside the root.
    assert!(!out.stdout.contains("did not pass"), "{}", out.stdout);
}

#[test]
fn a_latest_that_is_no_folder_or_dangles_blocks_its_domain() {
    let ws = workspace(&[("test_artifacts/security/latest", b"{}")]);
    let out = gate(ws.path(), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest` is not valid evidence: refused: `latest` is not a folder",
    );
    let ws = workspace(&[]);
    fs::create_dir_all(ws.path().join("test_artifacts/security")).unwrap();
    symlink("gone", ws.path().join("test_artifacts/security/latest")).unwrap();
    let out = gate(ws.path(), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest` is not valid evidence: refused: the evidence folder cannot be resolved",
    );
}

#[test]
fn xml_that_is_not_junit_under_latest_blocks() {
    let ws = with_passing(&[(
        "test_artifacts/security/latest/scan.xml",
        b"<?xml version=\"1.0\"?><report><failure/></report>",
    )]);
    let out = gate(ws.path(), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest/scan.xml` is not valid evidence: not evidence in any supported format",
    );
}

#[test]
fn a_file_naming_an_unknown_domain_blocks_the_folder_domain() {
    // It would count for `securityx`, which the policy does not know: never
    // for none.
    let stray = evidence("securityx", "failed");
    let ws = with_passing(&[("test_artifacts/security/latest/stray.json", stray.as_bytes())]);
    let out = gate(ws.path(), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest/stray.json` is not valid evidence: it declares domain `securityx`, which is not a configured domain, but sits in the `security` evidence folder",
    );
}

#[test]
fn tool_file_extensions_count_whatever_their_case() {
    for name in ["deny.NDJSON", "scan.Sarif", "sbom.cdx", "bom.spdx", "build.intoto", "x.JSON"] {
        let path = format!("test_artifacts/security/latest/{name}");
        let ws = with_passing(&[(&path, b"not a document")]);
        let out = gate(ws.path(), &[]);
        assert_fails_closed(
            &out,
            1,
            &format!("blocker `security.invalid`: `{path}` is not valid evidence"),
        );
    }
}

#[test]
fn an_evidence_folder_no_domain_can_be_named_for_blocks_the_gate() {
    let ws = with_passing(&[(
        "test_artifacts/secu\u{1b}[2Krity/latest/x.json",
        evidence("security", "failed").as_bytes(),
    )]);
    let out = gate(ws.path(), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `evidence.invalid`: `test_artifacts/secu\\u{1b}[2Krity/latest` is not valid evidence: refused: the evidence folder's name is not UTF-8 or holds control characters",
    );
    assert!(!out.stdout.contains('\u{1b}'), "{:?}", out.stdout);
}

#[test]
fn a_domain_cannot_take_a_reserved_name() {
    let ws = workspace(&[]);
    let out =
        xtask(ws.path(), &["release-gate", "--artifact", "evidence=x.json"].map(String::from), &[]);
    assert_fails_closed(&out, 2, "domain `evidence` is reserved for the gate's own blockers");
}
