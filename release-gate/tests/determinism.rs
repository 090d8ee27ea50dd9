//! The report is a function of the evidence and the policy alone: not of the
//! working directory, the clock or the order of the file system.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::process::Command;

use support::{case_args, cases_root, prepare, read_tree, xtask, DEFAULT_REPORT_DIR};

#[test]
fn same_bytes_from_different_working_directories() {
    let case = cases_root().join("unassigned_and_overrides");
    let args = case_args(&case);
    let first = prepare(&case);
    let second = prepare(&case);
    let a = xtask(first.path(), &args, &[]);
    let b = xtask(&second.path().join("test_artifacts/connectors/latest"), &args, &[]);
    assert_eq!((a.exit, &a.stderr), (0, &String::new()));
    assert_eq!((b.exit, &b.stderr), (0, &String::new()));
    assert_eq!(a.stdout, b.stdout);
    let report_a = read_tree(&first.path().join(DEFAULT_REPORT_DIR));
    let report_b = read_tree(&second.path().join(DEFAULT_REPORT_DIR));
    assert_eq!(report_a.len(), 6, "{:?}", report_a.keys());
    assert_eq!(report_a, report_b);
    // Nothing in the outputs names the temporary folders.
    for (name, bytes) in &report_a {
        let text = String::from_utf8_lossy(bytes);
        for tmp in [first.path(), second.path()] {
            assert!(
                !text.contains(&*tmp.to_string_lossy()),
                "`{name}` names the absolute path {tmp:?}"
            );
        }
    }
}

#[test]
fn rerun_gives_identical_bytes() {
    let case = cases_root().join("two_failed");
    let ws = prepare(&case);
    let args = case_args(&case);
    let first = xtask(ws.path(), &args, &[]);
    let report_1 = read_tree(&ws.path().join(DEFAULT_REPORT_DIR));
    let second = xtask(ws.path(), &args, &[]);
    let report_2 = read_tree(&ws.path().join(DEFAULT_REPORT_DIR));
    assert_eq!(first.exit, 1);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(report_1, report_2);
}

#[test]
fn sha256sums_verifies_with_sha256sum() {
    let case = cases_root().join("one_failed");
    let ws = prepare(&case);
    let out = xtask(ws.path(), &case_args(&case), &[]);
    assert_eq!(out.exit, 1, "{}", out.stderr);
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    let check = Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&report)
        .output()
        .expect("sha256sum runs");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    assert_eq!(
        String::from_utf8_lossy(&check.stdout),
        "artifact_index.json: OK\nproduction_maturity.intoto.json: OK\nproduction_maturity.json: OK\n\
         production_maturity.md: OK\nproduction_maturity.vsa.json: OK\n"
    );
    // And it catches a changed report.
    std::fs::write(report.join("production_maturity.md"), "edited\n").unwrap();
    let check = Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&report)
        .output()
        .unwrap();
    assert!(!check.status.success());
}

/// `RELEASE_GATE_TIMINGS=1` adds one line per stage on stderr, in pipeline
/// order (its time, and on Linux the peak memory so far), and changes nothing else: not stdout, not the exit code, not one
/// byte of the report.
#[test]
fn stage_timings_go_to_stderr_only() {
    let case = cases_root().join("ga_ready_discovery");
    let args = case_args(&case);
    let plain = prepare(&case);
    let timed = prepare(&case);
    let a = xtask(plain.path(), &args, &[]);
    let b = xtask(timed.path(), &args, &[("RELEASE_GATE_TIMINGS".into(), "1".into())]);
    assert_eq!((a.exit, &a.stderr), (0, &String::new()));
    assert_eq!((b.exit, &b.stdout), (0, &a.stdout));
    let stages: Vec<&str> = b
        .stderr
        .lines()
        .map(|line| {
            let rest = line.strip_prefix("timing: ").unwrap_or_else(|| panic!("{line}"));
            let (stage, rest) = rest.split_once(' ').unwrap();
            // `<ms> ms`, and where the system says, `, peak <MiB> MiB`.
            let (ms, peak) = rest.split_once(" ms").unwrap_or_else(|| panic!("{line}"));
            assert!(ms.parse::<f64>().is_ok_and(|ms| ms >= 0.0), "{line}");
            if cfg!(target_os = "linux") {
                let mib = peak.strip_prefix(", peak ").and_then(|p| p.strip_suffix(" MiB"));
                assert!(mib
                    .unwrap_or_else(|| panic!("{line}"))
                    .parse::<f64>()
                    .is_ok_and(|m| m > 0.0));
            } else {
                assert!(peak.is_empty() || peak.starts_with(", peak "), "{line}");
            }
            stage
        })
        .collect();
    assert_eq!(stages, ["setup", "collect", "read", "decide", "write"], "{}", b.stderr);
    assert_eq!(
        read_tree(&plain.path().join(DEFAULT_REPORT_DIR)),
        read_tree(&timed.path().join(DEFAULT_REPORT_DIR))
    );
}
