//! The end-to-end cases: `tests/cases/<scenario>/` at the workspace root, as
//! data, run by one harness.
//!
//! A case folder holds:
//! - `args`: the xtask arguments, one per line (`release-gate` first);
//! - `env` (optional): `KEY=VALUE` lines set for the run;
//! - `cwd` (optional): the folder, relative to the case's workspace, to run in;
//! - `input/`: the workspace the gate runs in, copied to a temporary folder
//!   (a `Cargo.toml` for a one-package workspace at version 0.7.1-rc1 is
//!   written when the case has none);
//! - `expected/exit`, `expected/stdout`, `expected/stderr`: the whole outputs;
//! - `expected/report/`: every file the run leaves in the report folder
//!   (`test_artifacts/production_maturity/report` unless the case's `output`
//!   file names another), absent when the run must write no report.
//!
//! Every case also checks that the run changed nothing outside the report
//! folder, and that every JSON file of the report is written exactly as a
//! round trip through `serde_json::Value` writes it (keys sorted, pretty).
//! `UPDATE_EXPECT=1 cargo test --test cases` rewrites `expected/` from the
//! actual outputs: review the diff.
//!
//! Each case is one test named after its folder (libtest-mimic), so a
//! failure names its case and `cargo test --test cases -- fmt_` runs some.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::fs;
use std::path::Path;

use libtest_mimic::{Arguments, Trial};
use support::{case_dirs, read_tree, run_case_in, write_tree, CaseRun};

fn main() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let dirs = case_dirs();
    assert!(
        dirs.len() >= 10,
        "expected the end-to-end cases under tests/cases, found {}",
        dirs.len()
    );
    let trials = dirs
        .into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            Trial::test(name, move || Ok(check_case(&dir, update)?))
        })
        .collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

fn check_case(dir: &Path, update: bool) -> Result<(), String> {
    let run: CaseRun = run_case_in(dir, None);
    let expected = dir.join("expected");
    if update {
        let _ = fs::remove_dir_all(&expected);
        fs::create_dir_all(&expected).unwrap();
        fs::write(expected.join("exit"), format!("{}\n", run.exit)).unwrap();
        fs::write(expected.join("stdout"), &run.stdout).unwrap();
        fs::write(expected.join("stderr"), &run.stderr).unwrap();
        if let Some(report) = &run.report {
            write_tree(&expected.join("report"), report);
        }
    }
    let mut problems = Vec::new();
    let want_exit =
        fs::read_to_string(expected.join("exit")).map_err(|e| format!("no expected/exit: {e}"))?;
    if want_exit.trim() != run.exit.to_string() {
        problems.push(format!("exit code: expected {}, got {}", want_exit.trim(), run.exit));
    }
    for (name, got) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let want = fs::read_to_string(expected.join(name)).unwrap_or_default();
        if &want != got {
            problems.push(format!("{name} differs:\n--- expected\n{want}--- got\n{got}"));
        }
    }
    let want_report = expected.join("report");
    match (&run.report, want_report.is_dir()) {
        (None, false) => {}
        (None, true) => problems.push("expected a report, none was written".to_string()),
        (Some(_), false) => {
            problems.push("a report was written where none was expected".to_string())
        }
        (Some(got), true) => {
            let want = read_tree(&want_report);
            if want.keys().collect::<Vec<_>>() != got.keys().collect::<Vec<_>>() {
                problems.push(format!(
                    "report files differ: expected {:?}, got {:?}",
                    want.keys().collect::<Vec<_>>(),
                    got.keys().collect::<Vec<_>>()
                ));
            }
            for (name, bytes) in got {
                if name.ends_with(".json") {
                    if let Err(why) = sorted_pretty(bytes) {
                        problems.push(format!("report file `{name}`: {why}"));
                    }
                }
                if let Some(want) = want.get(name) {
                    if want != bytes {
                        problems.push(format!(
                            "report file `{name}` differs:\n--- expected\n{}--- got\n{}",
                            String::from_utf8_lossy(want),
                            String::from_utf8_lossy(bytes)
                        ));
                    }
                }
            }
        }
    }
    if !run.inputs_unchanged {
        problems.push("the run changed files outside the report folder".to_string());
    }
    if run.exit == 101 {
        problems.push("the gate panicked".to_string());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// `bytes` are the pretty JSON, keys sorted, newline-terminated, that a
/// round trip through `serde_json::Value` (a `BTreeMap` per object) gives:
/// the gate writes its JSON directly and must give the same bytes.
fn sorted_pretty(bytes: &[u8]) -> Result<(), String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let again = serde_json::to_string_pretty(&value).unwrap() + "\n";
    if again.as_bytes() == bytes {
        Ok(())
    } else {
        Err(format!(
            "not the sorted pretty JSON of its value:\n--- written\n{}--- sorted\n{again}",
            String::from_utf8_lossy(bytes)
        ))
    }
}
