//! Fail-closed attacks (issue #13) on the formats stage, as end-to-end runs of the
//! xtask binary: each test is written as the attack and asserts the exit code
//! and the blocker or error.

#[allow(unused_imports)]
use super::*;

use std::process::Command;

const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "Formats Test"),
    ("GIT_AUTHOR_EMAIL", "formats@example.invalid"),
    ("GIT_COMMITTER_NAME", "Formats Test"),
    ("GIT_COMMITTER_EMAIL", "formats@example.invalid"),
];

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").args(args).current_dir(dir).envs(IDENTITY).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The attack of issue 13, class 3: a SARIF log and a CycloneDX BOM marked
/// as stubs (in SARIF's `runs[].properties`, CycloneDX's
/// `metadata.properties`) passed the strict gate and `release --execute`
/// tagged. Now each is a `security.stub` blocker and nothing is tagged.
#[test]
fn tool_documents_marked_as_stubs_stop_release_execute() {
    let case = super::support::cases_root().join("fmt_stub_tool_formats");
    let ws = super::support::prepare(&case);
    fs::write(ws.path().join(".gitignore"), "/test_artifacts/\n/target/\n").unwrap();
    git(ws.path(), &["init", "--quiet", "--initial-branch=main"]);
    git(ws.path(), &["add", "-A"]);
    git(ws.path(), &["commit", "--quiet", "-m", "initial"]);
    let mut env: Vec<(String, String)> =
        IDENTITY.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    env.push(("NEW_VERSION".to_string(), String::new()));
    env.push(("DRY_RUN".to_string(), String::new()));
    let args: Vec<String> =
        ["release", "0.7.1-rc1", "--execute"].iter().map(|s| s.to_string()).collect();
    let out = xtask(ws.path(), &args, &env);
    assert_eq!(out.exit, 1, "{}\n{}", out.stdout, out.stderr);
    for file in ["codeql.sarif", "sbom.cdx.json"] {
        let line = format!(
            "blocker `security.stub`: `test_artifacts/security/latest/{file}` is not release evidence"
        );
        assert!(out.stdout.contains(&line), "no `{line}` in:\n{}", out.stdout);
    }
    assert!(out.stdout.contains("nothing was tagged or pushed"), "{}", out.stdout);
    assert_eq!(git(ws.path(), &["tag", "--list"]), "");
}

#[test]
fn sarif_stub_markers_and_binding_in_every_bag_and_shape() {
    let run = |extra: &str| {
        format!(
            r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "x"{extra}}}}}, "results": []}}]}}"#
        )
    };
    // A stub marker in the tool's property bag.
    let doc = run(r#", "properties": {"provenance": "stub"}"#);
    let ws = workspace(&[("test_artifacts/security/latest/x.sarif", doc.as_bytes())]);
    let out = xtask(ws.path(), &args(&[]), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `security.stub`: `test_artifacts/security/latest/x.sarif`",
    );
    // In an invocation's property bag.
    let doc = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "invocations": [{"executionSuccessful": true, "properties": {"provenance": "stub"}}], "results": []}]}"#;
    let ws = workspace(&[("test_artifacts/security/latest/x.sarif", doc.as_bytes())]);
    assert_fails_closed(&xtask(ws.path(), &args(&[]), &[]), 1, "blocker `security.stub`");
    // `versionControlProvenance` as an object would hide its commit.
    let doc = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "versionControlProvenance": {"repositoryUri": "u", "revisionId": "fedcba9876543210fedcba9876543210fedcba98"}, "results": []}]}"#;
    let ws = workspace(&[("test_artifacts/security/latest/x.sarif", doc.as_bytes())]);
    let out =
        xtask(ws.path(), &args(&["--commit", "0123456789abcdef0123456789abcdef01234567"]), &[]);
    assert_fails_closed(
        &out,
        1,
        "`runs[0].versionControlProvenance` is an object, expected an array",
    );
}

#[test]
fn tool_documents_that_checked_nothing_do_not_pass() {
    for (name, doc, reason) in [
        (
            "d.jsonl",
            r#"{"type":"summary","fields":{}}"#,
            "the summary lists no check: cargo-deny checked nothing",
        ),
        (
            "a.json",
            r#"{"database":{"advisory-count":0},"lockfile":{"dependency-count":3},"settings":{},"vulnerabilities":{"found":false,"count":0,"list":[]},"warnings":{}}"#,
            "the advisory database holds no advisory",
        ),
        (
            "s.json",
            r#"{"date":"2026-11-25","repo":{"name":"github.com/x/y","commit":"0123456"},"scorecard":{"version":"v5"},"score":9.0,"checks":[]}"#,
            "no check ran: the result lists no check",
        ),
    ] {
        let path = format!("test_artifacts/security/latest/{name}");
        let ws = workspace(&[(&path, doc.as_bytes())]);
        let out = xtask(ws.path(), &args(&[]), &[]);
        assert_fails_closed(&out, 1, reason);
    }
}
