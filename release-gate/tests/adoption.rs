//! Adoption, end to end, as a new user would do it: a small host workspace
//! (committed as data under `tests/adoption/`) is copied to a temporary
//! git repository, `release-gate init --path <this repository>` sets the
//! gate up, and then, in the host, with the host's own cargo commands:
//!
//! - `cargo xtask release-gate --stubs` opens (exit 0);
//! - `cargo test --workspace` runs only the host's tests and its xtask's,
//!   none of the gate's;
//! - `cargo xtask evidence all` then `cargo xtask release-gate` finds the
//!   host's broken intra-doc link: `docs` does not pass, the link named;
//! - `cargo xtask release <version>` stops (exit 1) and creates no tag.
//!
//! A second host has an xtask of its own whose `main` ignores its arguments:
//! init inserts the entry point, the gate runs, and the host's own command
//! still does.
//!
//! It builds two host workspaces from scratch (the gate as a path
//! dependency), offline from the local registry cache: about two minutes on
//! two cores, so it is `#[ignore]`d in the plain `cargo test` and `.ci/run`
//! runs it by name (`cargo test -p release-gate --test adoption --
//! --include-ignored`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `dir` copied under `to`, recursively.
fn copy_tree(dir: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

struct Run {
    exit: i32,
    stdout: String,
    stderr: String,
}

/// `program args` in `cwd`, offline, building into `target`, with no
/// GitHub job variables and a fixed git identity.
fn run(cwd: &Path, target: &Path, program: &str, args: &[&str]) -> Run {
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_TERM_COLOR", "never")
        .env("GIT_AUTHOR_NAME", "adopter")
        .env("GIT_AUTHOR_EMAIL", "adopter@example.org")
        .env("GIT_COMMITTER_NAME", "adopter")
        .env("GIT_COMMITTER_EMAIL", "adopter@example.org");
    for var in [
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "GITHUB_SHA",
        "SOURCE_DATE_EPOCH",
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run `{program}`: {e}"));
    Run {
        exit: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[track_caller]
fn ok(run: Run, what: &str) -> Run {
    assert_eq!(run.exit, 0, "{what}\nstdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    run
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// A fresh git repository holding the fixture `name`, committed.
fn host(tmp: &Path, name: &str, target: &Path) -> PathBuf {
    let dir = tmp.join(name);
    copy_tree(&repo_root().join("tests/adoption").join(name), &dir);
    ok(run(&dir, target, "git", &["init", "--quiet", "--initial-branch=main"]), "git init");
    ok(run(&dir, target, "git", &["add", "-A"]), "git add");
    ok(run(&dir, target, "git", &["commit", "--quiet", "-m", "the host"]), "git commit");
    dir
}

fn init(dir: &Path, target: &Path) -> Run {
    let repo = repo_root();
    let out = ok(
        run(
            dir,
            target,
            env!("CARGO_BIN_EXE_release-gate"),
            &["init", ".", "--path", repo.to_str().unwrap()],
        ),
        "release-gate init",
    );
    // What init wrote is committed, as an adopter would.
    ok(run(dir, target, "git", &["add", "-A"]), "git add");
    ok(run(dir, target, "git", &["commit", "--quiet", "-m", "adopt release-gate"]), "git commit");
    out
}

#[test]
#[ignore = "builds two host workspaces (about two minutes); .ci/run runs it with --include-ignored"]
fn a_new_workspace_adopts_the_gate() {
    let tmp = tempfile::Builder::new().prefix("release-gate-adoption-").tempdir().unwrap();
    // One target folder for both hosts: the gate's crates build once.
    let target = tmp.path().join("target");
    let cargo = cargo();

    // A root package and a member crate, no xtask.
    let plain = host(tmp.path(), "host-plain", &target);
    let adopted = init(&plain, &target);
    assert!(adopted.stdout.contains("cargo xtask release-gate --stubs"), "{}", adopted.stdout);

    let stubs =
        ok(run(&plain, &target, &cargo, &["xtask", "release-gate", "--stubs"]), "the stub gate");
    assert!(stubs.stdout.contains("level `ga_ready`"), "{}", stubs.stdout);
    // The first build resolved the lock file: an adopter commits it (the
    // supply_chain collector checks that git tracks it).
    ok(run(&plain, &target, "git", &["add", "Cargo.lock"]), "git add");
    ok(run(&plain, &target, "git", &["commit", "--quiet", "-m", "the lock file"]), "git commit");

    // The host's `cargo test --workspace` runs the host's tests and the
    // xtask's, none of the gate's.
    let tests = ok(run(&plain, &target, &cargo, &["test", "--workspace"]), "the host's tests");
    // Each test binary, by crate: `.../deps/<crate>-<hash>)`.
    let mut ran: Vec<&str> = tests
        .stderr
        .lines()
        .filter(|l| l.trim().starts_with("Running "))
        .filter_map(|l| l.rsplit('/').next()?.rsplit_once('-').map(|(name, _)| name))
        .collect();
    ran.sort_unstable();
    assert_eq!(
        ran,
        ["rgate_adoption_plain", "rgate_adoption_plain_util", "xtask"],
        "{}",
        tests.stderr
    );
    assert!(tests.stdout.contains("test result: ok."), "{}", tests.stdout);

    // Real evidence of the host: its broken intra-doc link blocks `docs`.
    let collected = ok(run(&plain, &target, &cargo, &["xtask", "evidence", "all"]), "evidence all");
    assert!(collected.stdout.contains("==> evidence docs"), "{}", collected.stdout);
    assert!(
        !collected.stdout.contains("==> evidence cdc"),
        "cdc is not required by init:\n{}",
        collected.stdout
    );
    let gate = run(&plain, &target, &cargo, &["xtask", "release-gate"]);
    assert_eq!(gate.exit, 1, "{}{}", gate.stdout, gate.stderr);
    let docs_blocker = gate
        .stdout
        .lines()
        .find(|l| l.starts_with("blocker `docs.not_passed`"))
        .unwrap_or_else(|| panic!("no docs blocker:\n{}", gate.stdout));
    assert!(
        docs_blocker.contains("check `rustdoc` failed: error: unresolved link to `split_words`"),
        "{docs_blocker}"
    );
    let report = fs::read_to_string(
        plain.join("test_artifacts/production_maturity/report/production_maturity.md"),
    )
    .unwrap();
    assert!(report.contains("unresolved link to `split_words`"), "{report}");
    assert!(report.contains("Decided by release-gate "), "{report}");

    // The release stops on the blockers and tags nothing.
    let status = ok(run(&plain, &target, "git", &["status", "--porcelain"]), "git status");
    assert_eq!(status.stdout, "", "the evidence and reports must be ignored by git");
    let release = run(&plain, &target, &cargo, &["xtask", "release", "0.3.1"]);
    assert_eq!(release.exit, 1, "{}{}", release.stdout, release.stderr);
    assert!(release.stdout.contains("release `v0.3.1` stopped"), "{}", release.stdout);
    let tags = ok(run(&plain, &target, "git", &["tag", "--list"]), "git tag");
    assert_eq!(tags.stdout, "");

    // A host with an xtask of its own, whose `main` ignores its arguments.
    let own = host(tmp.path(), "host-xtask", &target);
    init(&own, &target);
    let main = fs::read_to_string(own.join("xtask/src/main.rs")).unwrap();
    assert!(main.contains("fn main() {\n    release_gate::dispatch();\n"), "{main}");
    let stubs =
        ok(run(&own, &target, &cargo, &["xtask", "release-gate", "--stubs"]), "the stub gate");
    assert!(stubs.stdout.contains("level `ga_ready`"), "{}", stubs.stdout);
    let theirs = ok(run(&own, &target, &cargo, &["xtask"]), "the host's own xtask");
    assert_eq!(theirs.stdout, "fn main() { hello }\n");
}
