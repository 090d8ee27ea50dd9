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
