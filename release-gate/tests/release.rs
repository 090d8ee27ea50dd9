//! `cargo xtask release`, end to end in temporary git repositories.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};
use support::{cases_root, prepare, xtask, DEFAULT_REPORT_DIR};

const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "Release Test"),
    ("GIT_AUTHOR_EMAIL", "release@example.invalid"),
    ("GIT_COMMITTER_NAME", "Release Test"),
    ("GIT_COMMITTER_EMAIL", "release@example.invalid"),
];

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").args(args).current_dir(dir).envs(IDENTITY).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A committed, clean repository holding the evidence of `case`.
fn repo(case: &str) -> tempfile::TempDir {
    let ws = prepare(&cases_root().join(case));
    std::fs::write(ws.path().join(".gitignore"), "/test_artifacts/\n/target/\n").unwrap();
    git(ws.path(), &["init", "--quiet", "--initial-branch=main"]);
    git(ws.path(), &["add", "-A"]);
    git(ws.path(), &["commit", "--quiet", "-m", "initial"]);
    ws
}

fn release(ws: &Path, args: &[&str], env: &[(&str, &str)]) -> support::Output {
    let mut all: Vec<(String, String)> =
        IDENTITY.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    all.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let args: Vec<String> =
        std::iter::once("release").chain(args.iter().copied()).map(str::to_string).collect();
    // NEW_VERSION and DRY_RUN come only from the case.
    let mut cmd_env = all;
    for var in ["NEW_VERSION", "DRY_RUN"] {
        if !env.iter().any(|(k, _)| *k == var) {
            cmd_env.push((var.to_string(), String::new()));
        }
    }
    xtask(ws, &args, &cmd_env)
}

fn tags(ws: &Path) -> String {
    git(ws, &["tag", "--list"])
}

fn report_sha(ws: &Path) -> String {
    let bytes =
        std::fs::read(ws.join(DEFAULT_REPORT_DIR).join("production_maturity.json")).unwrap();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The case evidence names no release or commit: seven unbound warnings.
const GATE_OPEN: &str = "release gate `v0.7.1-rc1`: level `ga_ready`, score 100 (7 of 7 required domains passed)\n\
                         7 warning(s): see the report\n\
                         report: test_artifacts/production_maturity/report/production_maturity.md\n";

#[test]
fn dry_run_on_passing_evidence_creates_nothing() {
    let ws = repo("ga_ready_discovery");
    let out = release(ws.path(), &["0.7.1-rc1", "--push"], &[]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""));
    let sha = report_sha(ws.path());
    let head = git(ws.path(), &["rev-parse", "HEAD"]);
    let head = head.trim();
    assert_eq!(
        out.stdout,
        format!(
            "{GATE_OPEN}dry run: the release would run\n  git tag --annotate v0.7.1-rc1 {head} (message names production_maturity.json sha256 {sha})\n  git push origin refs/tags/v0.7.1-rc1\npass `--execute` to create the tag\n"
        )
    );
    assert_eq!(tags(ws.path()), "");
}

#[test]
fn execute_creates_an_annotated_tag_naming_the_report() {
    let ws = repo("ga_ready_discovery");
    let out = release(ws.path(), &["v0.7.1-rc1", "--execute"], &[]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""));
    assert_eq!(out.stdout, format!("{GATE_OPEN}created the annotated tag `v0.7.1-rc1`\n"));
    assert_eq!(tags(ws.path()), "v0.7.1-rc1\n");
    assert_eq!(git(ws.path(), &["cat-file", "-t", "v0.7.1-rc1"]), "tag\n");
    let message = git(ws.path(), &["tag", "--list", "--format=%(contents)", "v0.7.1-rc1"]);
    assert_eq!(
        message,
        format!(
            "Release v0.7.1-rc1\n\nrelease gate: level ga_ready, score 100\nproduction_maturity.json sha256: {}\n\n",
            report_sha(ws.path())
        )
    );
    // A second release of the same version stops at preflight.
    let again = release(ws.path(), &["0.7.1-rc1", "--execute"], &[]);
    assert_eq!(again.exit, 2);
    assert_eq!(
        again.stderr,
        "error: the tag `v0.7.1-rc1` already exists; a release is tagged once (bump the version for a new one)\n"
    );
}

#[test]
fn failing_evidence_stops_the_release_without_a_tag() {
    let ws = repo("one_failed");
    let out = release(ws.path(), &["0.7.1-rc1", "--execute", "--push"], &[]);
    assert_eq!((out.exit, out.stderr.as_str()), (1, ""));
    assert_eq!(
        out.stdout,
        "release gate `v0.7.1-rc1`: level `release_candidate`, score 85 (6 of 7 required domains passed)\n\
         blocker `security.not_passed`: `test_artifacts/security/latest/security.json` did not pass: status is `failed`; the artifact lists 1 blocker(s) of its own\n\
         7 warning(s): see the report\n\
         report: test_artifacts/production_maturity/report/production_maturity.md\n\
         release `v0.7.1-rc1` stopped: 1 blocker(s); nothing was tagged or pushed\n"
    );
    assert_eq!(tags(ws.path()), "");
}

#[test]
fn stub_evidence_stops_the_release() {
    let ws = repo("stub_quarantine");
    let out = release(ws.path(), &["0.7.1-rc1", "--execute"], &[]);
    assert_eq!(out.exit, 1, "{}", out.stderr);
    let stub_blockers =
        out.stdout.lines().filter(|l| l.starts_with("blocker `") && l.contains(".stub`")).count();
    assert_eq!(stub_blockers, 7, "{}", out.stdout);
    assert!(out
        .stdout
        .ends_with("release `v0.7.1-rc1` stopped: 7 blocker(s); nothing was tagged or pushed\n"));
    assert_eq!(tags(ws.path()), "");
}

#[test]
fn preflight_failures_stop_before_the_gate() {
    let ws = repo("ga_ready_discovery");
    let check = |args: &[&str], env: &[(&str, &str)], stderr: &str| {
        let out = release(ws.path(), args, env);
        assert_eq!(
            (out.exit, out.stdout.as_str(), out.stderr.as_str()),
            (2, "", stderr),
            "{args:?}"
        );
        assert!(!ws.path().join(DEFAULT_REPORT_DIR).exists(), "preflight failures write no report");
    };
    check(
        &["0.8.0"],
        &[],
        "error: version `0.8.0` is not the workspace version `0.7.1-rc1`; bump the version in `Cargo.toml` first, or release `0.7.1-rc1`\n",
    );
    check(
        &[],
        &[],
        "error: no version to release: pass `cargo xtask release <VERSION>` or set `NEW_VERSION`\n",
    );
    check(
        &["0.7.1-rc1"],
        &[("NEW_VERSION", "0.8.0")],
        "error: the version argument `0.7.1-rc1` and `NEW_VERSION=0.8.0` disagree; pass one of them\n",
    );
    std::fs::write(ws.path().join("lib.rs"), "// changed\n").unwrap();
    check(
        &["0.7.1-rc1"],
        &[],
        "error: the git tree is not clean (` M lib.rs`); commit or stash first\n",
    );
    assert_eq!(tags(ws.path()), "");
}

#[test]
fn cargo_release_hook_environment() {
    let ws = repo("ga_ready_discovery");
    // DRY_RUN=true wins over --execute.
    let out =
        release(ws.path(), &["--execute"], &[("NEW_VERSION", "0.7.1-rc1"), ("DRY_RUN", "true")]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""));
    assert!(
        out.stdout.contains("dry run (DRY_RUN=true): the release would run\n"),
        "{}",
        out.stdout
    );
    assert_eq!(tags(ws.path()), "");
    // As a hook it runs after cargo-release's version bump: modified tracked
    // files pass the clean-tree check, untracked ones do not.
    std::fs::write(ws.path().join("lib.rs"), "// bumped\n").unwrap();
    let out = release(ws.path(), &[], &[("NEW_VERSION", "0.7.1-rc1")]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""));
    assert!(out.stdout.contains("dry run: the release would run\n"), "{}", out.stdout);
    std::fs::write(ws.path().join("new.rs"), "").unwrap();
    let out = release(ws.path(), &[], &[("NEW_VERSION", "0.7.1-rc1")]);
    assert_eq!(out.exit, 2);
    assert_eq!(
        out.stderr,
        "error: the git tree is not clean (`?? new.rs`); commit or stash first\n"
    );
    std::fs::remove_file(ws.path().join("new.rs")).unwrap();
    git(ws.path(), &["commit", "--quiet", "-am", "bump"]);
    let out = release(ws.path(), &["--execute"], &[("NEW_VERSION", "0.7.1-rc1")]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""));
    assert_eq!(tags(ws.path()), "v0.7.1-rc1\n");
}

/// The evidence is bound to `first` (an older commit), and HEAD is a newer
/// commit: the gate judged `first` when told to (`--commit`, `GITHUB_SHA`)
/// and the release tagged HEAD. Now refused before anything is created; the
/// gate and the tag use one commit, HEAD's full id.
#[test]
fn a_commit_other_than_head_is_refused() {
    let ws = repo("ga_ready_discovery");
    let first = git(ws.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let evidence = ws.path().join("test_artifacts/security/latest/security.json");
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&evidence).unwrap()).unwrap();
    doc["commit"] = serde_json::Value::String(first.clone());
    std::fs::write(&evidence, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    std::fs::write(ws.path().join("lib.rs"), "// after the evidence\n").unwrap();
    git(ws.path(), &["commit", "--quiet", "-am", "second"]);
    let head = git(ws.path(), &["rev-parse", "HEAD"]).trim().to_string();
    let short = first.get(..10).unwrap();

    let refused = |source: &str, value: &str| {
        format!(
            "error: `{source}` is `{value}` (commit `{first}`), but HEAD is `{head}`: the gate would judge evidence bound to one commit and the tag would name another; check out `{first}` before releasing it (`git checkout {first}`), or release HEAD with `--commit {head}`\n"
        )
    };
    let out = release(ws.path(), &["0.7.1-rc1", "--execute", "--commit", &first], &[]);
    assert_eq!((out.exit, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    assert_eq!(out.stderr, refused("--commit", &first));
    // An abbreviation is resolved, then compared in full.
    let out = release(ws.path(), &["0.7.1-rc1", "--execute", "--commit", short], &[]);
    assert_eq!((out.exit, out.stderr.clone()), (2, refused("--commit", short)));
    let out = release(ws.path(), &["0.7.1-rc1", "--execute"], &[("GITHUB_SHA", &first)]);
    assert_eq!((out.exit, out.stderr.clone()), (2, refused("GITHUB_SHA", &first)));
    let out = release(ws.path(), &["0.7.1-rc1", "--execute", "--commit", "no-such-commit"], &[]);
    assert_eq!(out.exit, 2);
    assert_eq!(
        out.stderr,
        format!("error: `--commit` is `no-such-commit`, which is not a commit of this repository; pass the commit being released (HEAD, `{head}`), or leave `--commit` out\n")
    );
    assert_eq!(tags(ws.path()), "");
    assert!(!ws.path().join(DEFAULT_REPORT_DIR).exists(), "refused before the gate ran");

    // HEAD, abbreviated: the gate judges HEAD (the evidence bound to `first`
    // is a commit mismatch) and nothing is tagged.
    let out =
        release(ws.path(), &["0.7.1-rc1", "--execute", "--commit", head.get(..12).unwrap()], &[]);
    assert_eq!(out.exit, 1, "{}", out.stderr);
    assert!(out.stdout.contains("blocker `security.commit_mismatch`"), "{}", out.stdout);
    assert_eq!(tags(ws.path()), "");

    // Evidence bound to HEAD: the tag names exactly the commit the gate judged.
    doc["commit"] = serde_json::Value::String(head.clone());
    std::fs::write(&evidence, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let out = release(ws.path(), &["0.7.1-rc1", "--execute"], &[("GITHUB_SHA", &head)]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""), "{}", out.stdout);
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ws.path().join(DEFAULT_REPORT_DIR).join("production_maturity.json"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(report["commit"], head.as_str());
    assert_eq!(git(ws.path(), &["rev-parse", "v0.7.1-rc1^{commit}"]).trim(), head);
}
