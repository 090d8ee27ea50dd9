//! `release-gate init`, end to end: the built binary on temporary copies of
//! the host workspaces committed under `tests/adoption/` at the repository
//! root (`host-plain`: a root package with an empty `[workspace]`, no xtask;
//! `host-xtask`: a virtual workspace with its own xtask and cargo alias).
//!
//! Every case compares whole outputs: stdout (or stderr and the exit code),
//! and every file of the host after the run: a file init creates or changes
//! must equal `tests/adoption/expected/<case>/files/<path>.expected`
//! (`{{VERSION}}` stands for this crate's version), every other file must be
//! byte for byte the fixture's. `UPDATE_EXPECT=1` rewrites the expected files
//! (review the diff).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const NEXT: &str = "next:
    cargo xtask release-gate --stubs
    cargo xtask evidence all
    cargo xtask release-gate
";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn adoption() -> PathBuf {
    repo().join("tests/adoption")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir`, by `/`-separated relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let rel =
                    rel.components().map(|c| c.as_os_str().to_str().unwrap()).collect::<Vec<_>>();
                out.insert(rel.join("/"), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn init(cwd: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_release-gate"))
        .arg("init")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A temporary folder holding `host/` (a copy of the fixture) and
/// `gate/release-gate/` (a stand-in for the library crate, for `--path`).
fn setup(fixture: &str) -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    copy_tree(&adoption().join(fixture), &temp.path().join("host"));
    let gate = temp.path().join("gate/release-gate");
    std::fs::create_dir_all(&gate).unwrap();
    std::fs::write(
        gate.join("Cargo.toml"),
        "[package]\nname = \"release-gate\"\nversion = \"0.0.0\"\n",
    )
    .unwrap();
    temp
}

fn expected_text(case: &str, file: &str) -> String {
    let path = adoption().join("expected").join(case).join(file);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
        .replace("{{VERSION}}", env!("CARGO_PKG_VERSION"))
}

fn update() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some()
}

/// Writes (with `UPDATE_EXPECT`) or compares one expected text.
fn check_text(case: &str, file: &str, actual: &str) {
    let path = adoption().join("expected").join(case).join(file);
    if update() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual.replace(env!("CARGO_PKG_VERSION"), "{{VERSION}}")).unwrap();
        return;
    }
    assert_eq!(actual, expected_text(case, file), "{case}: `{file}` differs");
}

/// The host after init: changed files as expected, the rest the fixture's.
fn check_tree(case: &str, fixture: &str, host: &Path) -> BTreeMap<String, Vec<u8>> {
    let before = snapshot(&adoption().join(fixture));
    let after = snapshot(host);
    let changed: Vec<&String> = after.keys().filter(|p| before.get(*p) != after.get(*p)).collect();
    let files = adoption().join("expected").join(case).join("files");
    if update() {
        let _ = std::fs::remove_dir_all(&files);
        for path in &changed {
            check_text(
                case,
                &format!("files/{path}.expected"),
                std::str::from_utf8(&after[*path]).unwrap(),
            );
        }
    }
    let mut expected: Vec<String> =
        snapshot(&files).keys().map(|p| p.strip_suffix(".expected").unwrap().to_owned()).collect();
    expected.sort();
    let mut changed: Vec<String> = changed.into_iter().cloned().collect();
    changed.sort();
    assert_eq!(changed, expected, "{case}: the files init created or changed");
    for path in &changed {
        check_text(
            case,
            &format!("files/{path}.expected"),
            std::str::from_utf8(&after[path]).unwrap(),
        );
    }
    for path in before.keys() {
        assert!(after.contains_key(path), "{case}: `{path}` was removed");
    }
    after
}

fn parses(host: &Path, file: &str) -> toml_edit::DocumentMut {
    let text = std::fs::read_to_string(host.join(file)).unwrap();
    text.parse().unwrap_or_else(|err| panic!("`{file}` does not parse: {err}"))
}

#[test]
fn plain_host_gets_an_xtask_the_policy_and_the_workflow_and_a_second_run_changes_nothing() {
    let temp = setup("host-plain");
    let host = temp.path().join("host");
    let run = init(temp.path(), &["host", "--path", "gate"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    check_text("plain", "stdout", &run.stdout);
    let after = check_tree("plain", "host-plain", &host);

    // The generated TOML parses, and the path dependency names the crate.
    let xtask = parses(&host, "xtask/Cargo.toml");
    let dep = xtask["dependencies"]["release-gate"]["path"].as_str().unwrap();
    assert_eq!(dep, "../../gate/release-gate");
    assert_eq!(xtask["dependencies"]["release-gate"]["default-features"].as_bool(), Some(false));
    assert_eq!(
        host.join("xtask").join(dep).canonicalize().unwrap(),
        temp.path().join("gate/release-gate").canonicalize().unwrap()
    );
    let config = parses(&host, ".cargo/config.toml");
    assert_eq!(config["alias"]["xtask"].as_str(), Some("run --package xtask --bin xtask --"));
    let root = parses(&host, "Cargo.toml");
    let members: Vec<_> = root["workspace"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(members, [".", "xtask"]);

    // Idempotent: the same bytes, and it says so.
    let again = init(temp.path(), &["host", "--path", "gate"]);
    assert_eq!((again.code, again.stderr.as_str()), (0, ""));
    assert_eq!(again.stdout, format!("nothing to change\n{NEXT}"));
    assert!(snapshot(&host) == after, "a second run modified a file");
    // By version, too: the dependency is there, in whatever form.
    let again = init(&host, &[]);
    assert_eq!(again.stdout, format!("nothing to change\n{NEXT}"));
    assert!(snapshot(&host) == after, "a second run by version modified a file");
}

#[test]
fn dry_run_prints_every_diff_and_writes_nothing() {
    let temp = setup("host-plain");
    let host = temp.path().join("host");
    let before = snapshot(&host);
    let run = init(temp.path(), &["host", "--path", "gate", "--dry-run"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    check_text("plain", "dry-run.stdout", &run.stdout);
    assert!(snapshot(&host) == before, "--dry-run wrote a file");

    // The diff is the change: the real run creates exactly the files shown.
    init(temp.path(), &["host", "--path", "gate"]);
    for (path, bytes) in snapshot(&host) {
        if before.get(&path) != Some(&bytes) {
            assert!(
                run.stdout.contains(&format!("+++ b/{path}\n")),
                "`{path}` missing from the diff"
            );
        }
    }
}

#[test]
fn existing_xtask_gets_the_dependency_the_entry_point_and_the_alias() {
    let temp = setup("host-xtask");
    let host = temp.path().join("host");
    // Run from inside the host: HOST_DIR defaults to the current directory;
    // no `--path`: by version.
    let run = init(&host, &[]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    check_text("xtask", "stdout", &run.stdout);
    let after = check_tree("xtask", "host-xtask", &host);

    let xtask = parses(&host, "xtask/Cargo.toml");
    let dep = &xtask["dependencies"]["release-gate"];
    assert_eq!(dep["version"].as_str(), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(dep["default-features"].as_bool(), Some(false));
    let config = parses(&host, ".cargo/config.toml");
    assert_eq!(config["alias"]["xtask"].as_str(), Some("run --package xtask --bin xtask --"));
    assert_eq!(config["alias"]["b"].as_str(), Some("build --workspace --all-targets"));
    // The inserted line is the first of `fn main`'s body.
    let main = std::fs::read_to_string(host.join("xtask/src/main.rs")).unwrap();
    let lines: Vec<&str> = main.lines().collect();
    let at = lines.iter().position(|l| *l == "fn main() {").unwrap();
    assert_eq!(lines[at + 1], "    release_gate::dispatch();");
    assert_eq!(main.matches("release_gate").count(), 1);

    let again = init(&host, &[]);
    assert_eq!((again.code, again.stderr.as_str()), (0, ""));
    assert_eq!(
        again.stdout,
        format!(
            "kept the host's `[profile.dev.package.sha2]` in `Cargo.toml`: the gate's speed needs \
             `opt-level = 2`, `codegen-units = 1`, `debug-assertions = false` there\n\
             nothing to change\n{NEXT}"
        )
    );
    assert!(snapshot(&host) == after, "a second run modified a file");
}

#[test]
fn path_to_this_repository_resolves_to_the_library_crate() {
    let temp = setup("host-plain");
    let host = temp.path().join("host");
    let repo = repo();
    let run = init(temp.path(), &["host", "--path", repo.to_str().unwrap()]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let xtask = parses(&host, "xtask/Cargo.toml");
    let dep = xtask["dependencies"]["release-gate"]["path"].as_str().unwrap();
    assert!(!Path::new(dep).is_absolute(), "{dep}");
    assert_eq!(
        host.join("xtask").join(dep).canonicalize().unwrap(),
        Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap()
    );
}

#[test]
fn an_xtask_main_init_cannot_place_is_left_alone_with_the_line_to_add() {
    let temp = setup("host-xtask");
    let host = temp.path().join("host");
    let main = "#[cfg(unix)]\nfn main() {}\n#[cfg(not(unix))]\nfn main() {}\n";
    std::fs::write(host.join("xtask/src/main.rs"), main).unwrap();
    let run = init(temp.path(), &["host"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    assert!(
        run.stdout.contains(
            "to do by hand: add the line `release_gate::dispatch();` as the first statement of \
             `fn main` in `xtask/src/main.rs` (found 2 top-level `fn main`)\n"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("`xtask/src/main.rs`:"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(host.join("xtask/src/main.rs")).unwrap(), main);
}

#[test]
fn an_existing_workflow_is_never_overwritten() {
    let temp = setup("host-plain");
    let host = temp.path().join("host");
    std::fs::create_dir_all(host.join(".github/workflows")).unwrap();
    std::fs::write(host.join(".github/workflows/release-gate.yml"), "name: mine\n").unwrap();
    let run = init(temp.path(), &["host", "--path", "gate"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains(
            "kept the existing `.github/workflows/release-gate.yml`: init never overwrites a \
             workflow (move it away and run `release-gate init` again for the template)\n"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(host.join(".github/workflows/release-gate.yml")).unwrap(),
        "name: mine\n"
    );
}

#[test]
fn errors_exit_2_naming_the_file_and_write_nothing() {
    let temp = setup("host-plain");
    let host = temp.path().join("host");
    std::fs::create_dir_all(temp.path().join("empty")).unwrap();
    type Case<'a> = (&'a str, Vec<&'a str>, Box<dyn Fn() + 'a>, String);
    let cases: Vec<Case> = vec![
        (
            "no Cargo.toml",
            vec!["empty"],
            Box::new(|| {}),
            "error: no `Cargo.toml` in `empty`: run `release-gate init` in the root folder of a \
             cargo workspace, or name that folder (`release-gate init HOST_DIR`)\n"
                .to_owned(),
        ),
        (
            "Cargo.toml does not parse",
            vec!["host"],
            Box::new(|| {
                let path = temp.path().join("host/Cargo.toml");
                std::fs::write(path, "[package]\nname = \"x\"\nversion = = \"1\"\n").unwrap();
            }),
            format!(
                "error: cannot parse `{}` at line 3, column 11: extra `=`, expected nothing: \
                 fix it, then run `release-gate init` again\n",
                Path::new("host").join("Cargo.toml").display()
            ),
        ),
        (
            "the cargo config does not parse: nothing at all is written",
            vec!["host"],
            Box::new(|| {
                std::fs::create_dir_all(temp.path().join("host/.cargo")).unwrap();
                std::fs::write(temp.path().join("host/.cargo/config.toml"), "[alias\n").unwrap();
            }),
            format!(
                "error: cannot parse `{}` at line 1, column 7: unclosed table, expected `]`: fix \
                 it, then run `release-gate init` again\n",
                Path::new("host").join(".cargo/config.toml").display()
            ),
        ),
        (
            "--path names no release-gate crate",
            vec!["host", "--path", "host"],
            Box::new(|| {}),
            format!(
                "error: no `release-gate` package in `host` nor in `{}`: `--path` names the \
                 release-gate repository or its `release-gate` crate folder\n",
                Path::new("host").join("release-gate").display()
            ),
        ),
        (
            "an xtask manifest without a main",
            vec!["host"],
            Box::new(|| {
                std::fs::create_dir_all(temp.path().join("host/xtask")).unwrap();
                std::fs::write(
                    temp.path().join("host/xtask/Cargo.toml"),
                    "[package]\nname = \"xtask\"\n",
                )
                .unwrap();
            }),
            format!(
                "error: `{}` exists but `{}` does not: init adds the gate to an xtask's `main`; \
                 create it, or move the `xtask` folder away and run `release-gate init` again\n",
                Path::new("host").join("xtask/Cargo.toml").display(),
                Path::new("host").join("xtask/src/main.rs").display()
            ),
        ),
        (
            "a required domain that would inject YAML",
            vec!["host"],
            Box::new(|| {
                let path = temp.path().join("host/Cargo.toml");
                let text =
                    std::fs::read_to_string(adoption().join("host-plain/Cargo.toml")).unwrap();
                let policy =
                    "\n[workspace.metadata.release-gate]\nrequired = [\"docs\\n  evil: x\"]\n";
                std::fs::write(path, format!("{text}{policy}")).unwrap();
            }),
            "error: domain `docs\\n  evil: x` in `[workspace.metadata.release-gate]` cannot name \
             a workflow job: use lowercase letters, digits, `_` or `-`\n"
                .to_owned(),
        ),
    ];
    for (name, args, prepare, stderr) in cases {
        let _ = std::fs::remove_dir_all(&host);
        copy_tree(&adoption().join("host-plain"), &host);
        prepare();
        let before = snapshot(temp.path());
        let run = init(temp.path(), &args);
        assert_eq!(
            (run.code, run.stdout.as_str(), run.stderr.as_str()),
            (2, "", stderr.as_str()),
            "{name}"
        );
        assert!(snapshot(temp.path()) == before, "{name}: a file was written");
    }
}

/// The fixtures are data: this workspace has none of their packages, so
/// `cargo test --workspace` here never builds or runs them.
#[test]
fn the_adoption_fixtures_are_not_members_of_this_workspace() {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()))
        .args(["metadata", "--no-deps", "--format-version", "1", "--offline"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata = String::from_utf8(output.stdout).unwrap();
    assert!(metadata.contains("\"name\":\"release-gate\""));
    assert!(!metadata.contains("rgate-adoption"), "a fixture is a workspace member");
    assert!(!metadata.contains("tests/adoption/"), "a fixture is a workspace member");
}

/// A one-package root without `[workspace]`, not published: init adds the
/// workspace, and no `exclude` (nothing of the gate is ever packaged).
#[test]
fn single_unpublished_package_gets_a_workspace_and_no_exclude() {
    let temp = tempfile::tempdir().unwrap();
    let host = temp.path().join("solo");
    std::fs::create_dir_all(host.join("src")).unwrap();
    let manifest = "[package]\nname = \"solo\"\nversion = \"2.0.0\"\nedition = \"2021\"\npublish = false  # internal\n";
    std::fs::write(host.join("Cargo.toml"), manifest).unwrap();
    let run = init(temp.path(), &["solo"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let after = std::fs::read_to_string(host.join("Cargo.toml")).unwrap();
    let profiles: String = ["release-gate-scan", "sha2", "memchr", "quick-xml"]
        .iter()
        .map(|p| {
            format!("\n[profile.dev.package.{p}]\nopt-level = 2\ncodegen-units = 1\ndebug-assertions = false\n")
        })
        .collect();
    assert_eq!(
        after,
        format!(
            "{manifest}
[workspace]
members = [\".\", \"xtask\"]

# The release gate's policy (`release-gate init` wrote the defaults out).
# cdc and performance have no default collector: configure one before
# adding them to `required`.
[workspace.metadata.release-gate]
domains = [\"certification\", \"cdc\", \"performance\", \"security\", \"supply_chain\", \"governance\", \"docs\"]
required = [\"certification\", \"security\", \"supply_chain\", \"governance\", \"docs\"]
release-candidate-min-score = 80
release-package = \"solo\"

# `cargo xtask` builds the dev profile: the release gate's hot loops are
# optimized here, per package, and nothing else is (`release-gate init`).{profiles}"
        )
    );
}

/// An existing policy is the host's: init leaves it as it is, and the
/// workflow's evidence jobs follow it (`required` defaults to `domains`,
/// folders as the policy maps them), each domain's folder downloaded back
/// where the gate reads it.
#[test]
fn an_existing_policy_is_kept_and_decides_the_evidence_jobs() {
    let temp = tempfile::tempdir().unwrap();
    let host = temp.path().join("host");
    std::fs::create_dir_all(&host).unwrap();
    let manifest = "[workspace]\nmembers = [ \"crates/*\" ]\n\n\
                    [workspace.metadata.release-gate]\n\
                    domains = [\"certification\", \"docs\", \"examples\"]  # ours\n\
                    folders = { manuals = \"docs\" }\n";
    std::fs::write(host.join("Cargo.toml"), manifest).unwrap();
    let run = init(temp.path(), &["host"]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let after = std::fs::read_to_string(host.join("Cargo.toml")).unwrap();
    let (head, _) = after.split_once("\n# `cargo xtask` builds the dev profile").unwrap();
    assert_eq!(head, manifest.replace("[ \"crates/*\" ]", "[ \"crates/*\", \"xtask\" ]"));
    let workflow =
        std::fs::read_to_string(host.join(".github/workflows/release-gate.yml")).unwrap();
    assert!(workflow.contains(
        "        include:
          - domain: certification
            folder: connectors
          - domain: docs
            folder: manuals
          - domain: examples
            folder: examples
    steps:
"
    ));
    for (domain, folder) in
        [("certification", "connectors"), ("docs", "manuals"), ("examples", "examples")]
    {
        assert!(workflow.contains(&format!(
            "          name: evidence-{domain}\n          path: test_artifacts/{folder}/latest\n"
        )));
    }
    assert!(!workflow.contains("msrv"), "no rust-version, no MSRV toolchain step");
    assert!(
        run.stdout.contains("evidence jobs for `certification`, `docs`, `examples`"),
        "{}",
        run.stdout
    );
}

/// The printed diff is exact: `git apply` of it on a second copy gives,
/// byte for byte, what the real run writes (the host with an xtask: changed
/// files, a file without a final newline, created files).
#[test]
fn the_dry_run_diff_applies_to_exactly_what_init_writes() {
    for fixture in ["host-xtask", "host-plain"] {
        let temp = setup(fixture);
        copy_tree(&adoption().join(fixture), &temp.path().join("patched"));
        let run = init(temp.path(), &["host", "--path", "gate", "--dry-run"]);
        assert_eq!(run.code, 0);
        let mut patch = String::new();
        let mut in_diff = false;
        for line in run.stdout.lines() {
            if line.starts_with("--- ") {
                in_diff = true;
            } else if !line.starts_with([' ', '+', '-', '@', '\\']) {
                in_diff = false; // a report line: `would change ...`, `kept ...`
            }
            if in_diff {
                patch.push_str(line);
                patch.push('\n');
            }
        }
        std::fs::write(temp.path().join("init.patch"), &patch).unwrap();
        let applied = Command::new("git")
            .args(["apply", "--whitespace=nowarn", "../init.patch"])
            .current_dir(temp.path().join("patched"))
            .output()
            .unwrap();
        assert!(
            applied.status.success(),
            "{fixture}: {}",
            String::from_utf8_lossy(&applied.stderr)
        );
        assert_eq!(init(temp.path(), &["host", "--path", "gate"]).code, 0);
        assert!(
            snapshot(&temp.path().join("host")) == snapshot(&temp.path().join("patched")),
            "{fixture}: the diff and the run differ"
        );
    }
}
