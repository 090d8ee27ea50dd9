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
fn a_symlinked_folder_aliasing_another_domain_blocks_that_domain() {
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
    // The file counts once, for `security`, which passes on it.
    assert!(!out.stdout.contains("blocker `security"), "{}", out.stdout);
    assert!(out.stdout.contains("score 50 (1 of 2 required domains passed)"), "{}", out.stdout);
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

#[test]
fn a_folder_whose_name_is_not_utf8_is_refused_not_unseen() {
    use std::os::unix::ffi::OsStrExt;
    let ws = with_passing(&[]);
    let folder = ws.path().join("test_artifacts").join(std::ffi::OsStr::from_bytes(b"sec\xff"));
    fs::create_dir_all(folder.join("latest")).unwrap();
    fs::write(folder.join("latest/a.json"), evidence("security", "failed")).unwrap();
    let out = gate(ws.path(), &[]);
    assert_fails_closed(&out, 1, "blocker `evidence.invalid`: `test_artifacts/sec");
    assert!(
        out.stdout.contains("refused: the evidence folder's name is not UTF-8"),
        "{}",
        out.stdout
    );
}

#[test]
fn near_misses_of_latest_domains_and_extensions_block() {
    let failed = evidence("security", "failed");
    for (path, blocker) in [
        ("test_artifacts/security/Latest/x.json", "blocker `security.invalid`: `test_artifacts/security/Latest` is not valid evidence: refused: evidence folders are named `latest` exactly"),
        ("test_artifacts/Security/latest/x.json", "blocker `security.invalid`: `test_artifacts/Security/latest` is not valid evidence: refused: the folder `Security` is not named as the policy names `security`'s evidence folders"),
        ("test_artifacts/security /latest/x.json", "blocker `security.invalid`: `test_artifacts/security /latest` is not valid evidence: refused: the folder `security ` is not named"),
        ("test_artifacts/security/latest/x.json ", "blocker `security.invalid`: `test_artifacts/security/latest/x.json ` is not valid evidence: refused: its name is an evidence file's but for trailing spaces or dots"),
        ("test_artifacts/security/latest/x.json.", "blocker `security.invalid`: `test_artifacts/security/latest/x.json.` is not valid evidence: refused: its name is an evidence file's but for trailing spaces or dots"),
    ] {
        let ws = with_passing(&[(path, failed.as_bytes())]);
        let out = gate(ws.path(), &[]);
        assert_fails_closed(&out, 1, blocker);
    }
}

#[test]
fn a_tool_extension_holding_the_gates_own_evidence_is_invalid() {
    let passed = evidence("security", "passed");
    for name in ["x.junit", "x.cdx", "x.spdx", "x.intoto", "x.dsse", "x.sigstore"] {
        let path = format!("test_artifacts/security/latest/{name}");
        let ws = with_passing(&[(&path, passed.as_bytes())]);
        let out = gate(ws.path(), &[]);
        assert_fails_closed(
            &out,
            1,
            &format!("blocker `security.invalid`: `{path}` is not valid evidence: "),
        );
    }
}

#[test]
fn a_stub_marker_of_another_shape_is_a_stub_and_a_reason() {
    for provenance in [r#"["real", "stub"]"#, "1", r#"{"kind": "stub"}"#] {
        let doc = format!(
            r#"{{"domain": "security", "status": "passed", "release": "v1.0.0", "provenance": {provenance}}}"#
        );
        let ws = with_passing(&[("test_artifacts/security/latest/x.json", doc.as_bytes())]);
        let out = gate(ws.path(), &[]);
        assert_fails_closed(&out, 1, "blocker `security.stub`: `test_artifacts/security/latest/x.json` is not release evidence");
        let report =
            fs::read_to_string(ws.path().join(DEFAULT_REPORT_DIR).join("production_maturity.json"))
                .unwrap();
        assert!(report.contains("`provenance` is "), "{report}");
    }
}

#[test]
fn verify_reports_what_the_gate_would_now_refuse() {
    let ws = with_passing(&[]);
    assert_eq!(gate(ws.path(), &[]).exit, 0);
    let deep = format!("test_artifacts/security/latest/{}f.json", "d/".repeat(17));
    fs::create_dir_all(ws.path().join(&deep).parent().unwrap()).unwrap();
    fs::write(ws.path().join(&deep), evidence("security", "failed")).unwrap();
    let out = xtask(ws.path(), &["release-gate".to_string(), "verify".to_string()], &[]);
    assert_eq!(out.exit, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("and the gate would refuse it (refused: a folder deeper than 16 levels"),
        "{}",
        out.stdout
    );
}
