//! Shared by the end-to-end tests: lay out a case's workspace in a temporary
//! folder, run the real `xtask` binary there, and collect what it left.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const DEFAULT_REPORT_DIR: &str = "test_artifacts/production_maturity/report";

pub const DEFAULT_MANIFEST: &str = r#"[workspace]

[package]
name = "case"
version = "0.7.1-rc1"
edition = "2021"

[lib]
path = "lib.rs"
"#;

pub fn cases_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases")
}

/// The evidence corpus of real outputs written by other projects:
/// `$RELEASE_GATE_CORPUS`, else `../shared/corpus` beside the checkout. The
/// tests that read it are `#[ignore]`d (`.ci/run` runs them where it
/// exists), so asked to run without it, they fail.
pub fn corpus() -> PathBuf {
    let dir = std::env::var_os("RELEASE_GATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    assert!(
        dir.join("SOURCES.md").is_file(),
        "the evidence corpus is not at {}: set RELEASE_GATE_CORPUS",
        dir.display()
    );
    dir
}

pub fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(cases_root())
        .expect("tests/cases exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// Every file under `dir`, by `/`-separated relative path.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            let meta = fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
            if meta.is_dir() {
                walk(base, &path, out);
            } else if meta.is_file() {
                out.insert(rel, fs::read(&path).unwrap());
            } else {
                out.insert(rel, b"<special file>".to_vec());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

pub fn write_tree(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (rel, bytes) in files {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
}

/// A case's workspace, copied into a fresh temporary folder.
pub fn prepare(case: &Path) -> tempfile::TempDir {
    let tmp = tempfile::Builder::new().prefix("release-gate-case-").tempdir().unwrap();
    let input = read_tree(&case.join("input"));
    write_tree(tmp.path(), &input);
    if !input.contains_key("Cargo.toml") {
        fs::write(tmp.path().join("Cargo.toml"), DEFAULT_MANIFEST).unwrap();
        fs::write(tmp.path().join("lib.rs"), "").unwrap();
    }
    tmp
}

pub struct Output {
    pub exit: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The xtask binary as a command in `cwd` with a clean, deterministic
/// environment; `wrapper` (when not empty) runs it through another program,
/// such as `setpriv` with its options.
pub fn xtask_command(cwd: &Path, args: &[String], wrapper: &[&str]) -> Command {
    let mut cmd = match wrapper.split_first() {
        Some((program, options)) => {
            let mut cmd = Command::new(program);
            cmd.args(options).arg(env!("CARGO_BIN_EXE_release-gate"));
            cmd
        }
        None => Command::new(env!("CARGO_BIN_EXE_release-gate")),
    };
    cmd.args(args).current_dir(cwd);
    for var in [
        "SOURCE_DATE_EPOCH",
        "GITHUB_ACTIONS",
        "GITHUB_SHA",
        "GITHUB_STEP_SUMMARY",
        "GITHUB_OUTPUT",
        "NO_COLOR",
        "RELEASE_GATE_TIMINGS",
        // The temporary workspace's own `target/` (where `--stubs` writes by
        // default), wherever the test build's target directory is.
        "CARGO_TARGET_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs the xtask binary in `cwd` with a clean, deterministic environment.
pub fn xtask(cwd: &Path, args: &[String], env: &[(String, String)]) -> Output {
    let mut cmd = xtask_command(cwd, args, &[]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("the xtask binary runs");
    Output {
        exit: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .map(|s| s.lines().filter(|l| !l.trim().is_empty()).map(str::to_string).collect())
        .unwrap_or_default()
}

pub fn case_args(case: &Path) -> Vec<String> {
    lines(&case.join("args"))
}

pub fn case_env(case: &Path) -> Vec<(String, String)> {
    lines(&case.join("env"))
        .into_iter()
        .map(|l| {
            let (k, v) = l.split_once('=').expect("env lines are KEY=VALUE");
            (k.to_string(), v.to_string())
        })
        .collect()
}

pub struct CaseRun {
    pub exit: i32,
    pub stdout: String,
    pub stderr: String,
    /// The report folder's files, when it exists.
    pub report: Option<BTreeMap<String, Vec<u8>>>,
    /// Nothing outside the report folder was created, changed or removed.
    pub inputs_unchanged: bool,
    pub workspace: tempfile::TempDir,
}

/// Prepares and runs one case; `cwd` overrides the case's own `cwd` file.
pub fn run_case_in(case: &Path, cwd: Option<&str>) -> CaseRun {
    let workspace = prepare(case);
    let root = workspace.path();
    let report_rel = lines(&case.join("output"))
        .into_iter()
        .next()
        .unwrap_or_else(|| DEFAULT_REPORT_DIR.to_string());
    let report_dir = root.join(&report_rel);
    let outside_report = |tree: BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
        tree.into_iter().filter(|(k, _)| !k.starts_with(&format!("{report_rel}/"))).collect()
    };
    let before = outside_report(read_tree(root));
    let cwd = cwd.map(str::to_string).or_else(|| lines(&case.join("cwd")).into_iter().next());
    let run_dir = cwd.map_or(root.to_path_buf(), |c| root.join(c));
    let out = xtask(&run_dir, &case_args(case), &case_env(case));
    let after = outside_report(read_tree(root));
    let report = report_dir.is_dir().then(|| read_tree(&report_dir));
    CaseRun {
        exit: out.exit,
        stdout: out.stdout,
        stderr: out.stderr,
        report,
        inputs_unchanged: before == after,
        workspace,
    }
}
