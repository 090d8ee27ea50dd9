//! `cargo xtask bench --quick`, end to end: every scenario runs on small
//! inputs, the gate's verdicts check out, and the table is well formed. The
//! numbers themselves are not asserted: a benchmark, not a timed test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Also: run as a GitHub Actions step would be, the bench's children (the
/// gate runs it measures, `cargo xtask release-gate --stubs`) must not write
/// to the job's step summary or outputs, nor print workflow commands.
#[test]
fn quick_bench_runs_every_scenario() {
    let root = workspace();
    let github = tempfile::tempdir().unwrap();
    let summary = github.path().join("step_summary.md");
    let outputs = github.path().join("output.txt");
    std::fs::write(&summary, "").unwrap();
    std::fs::write(&outputs, "").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["bench", "--quick", "--runs", "1"])
        .current_dir(&root)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}", out.status);

    let lines: Vec<&str> = stdout.lines().collect();
    let header = lines.iter().position(|l| l.starts_with("scenario ")).expect("a table");
    let columns: Vec<&str> = lines[header].split_whitespace().collect();
    assert_eq!(
        columns,
        ["scenario", "input", "gate", "peak", "RSS", "peer", "ratio", "target", "result"]
    );
    assert!(lines[header + 1].starts_with("--------"), "{}", lines[header + 1]);
    let rows: Vec<&str> =
        lines[header + 2..].iter().take_while(|l| !l.trim().is_empty()).copied().collect();
    let names: Vec<&str> = rows.iter().map(|r| r.split_whitespace().next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "hash",
            "evidence",
            "evidence-rss",
            "sarif",
            "sarif-rss",
            "cyclonedx",
            "cyclonedx-rss",
            "spdx",
            "spdx-rss",
            "junit",
            "junit-rss",
            "cargo-audit",
            "cargo-audit-rss",
            "cargo-deny",
            "cargo-deny-rss",
            "warm",
            "gate-stubs",
            "scale-70",
            "scale-700",
            "scale-linear",
            "cold-build",
        ],
        "{stdout}"
    );
    for row in &rows {
        let result = row.split_whitespace().last().unwrap();
        assert!(["pass", "MISS", "info", "skipped"].contains(&result), "{row}");
    }
    let cold = rows.last().unwrap();
    assert!(cold.contains("full run only") && cold.ends_with("skipped"), "{cold}");
    assert!(stdout.contains("0 error(s)"), "{stdout}");

    // Wherever the target directory is (`CARGO_TARGET_DIR` outside the
    // workspace too): the bench names its table.
    let table = stdout.lines().find_map(|l| l.strip_prefix("table: ")).expect("the table's path");
    assert!(table.ends_with("results.md"), "{table}");
    let md = std::fs::read_to_string(table).unwrap();
    assert!(
        md.contains("| scenario | input | gate | peak RSS | peer | ratio | target | result |"),
        "{md}"
    );
    assert_eq!(md.lines().filter(|l| l.starts_with("| ")).count(), 1 + names.len(), "{md}");
    rows_say_what_happened(&Path::new(table).with_file_name("results.json"));

    for (file, what) in [(&summary, "the step summary"), (&outputs, "the step outputs")] {
        let text = std::fs::read_to_string(file).unwrap();
        let head: String = text.chars().take(400).collect();
        assert!(text.is_empty(), "{what} was written by the bench's children:\n{head}");
    }
}

/// `results.json`: every row where the gate ran has its peak RSS, the others
/// `-`; each tool format says whether the gate read the file or refused it,
/// and a refusal misses the targets.
fn rows_say_what_happened(json: &Path) {
    let text = std::fs::read_to_string(json).unwrap();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let cell = |row: &serde_json::Value, key: &str| row[key].as_str().unwrap().to_string();
    for row in &rows {
        let (scenario, rss) = (cell(row, "scenario"), cell(row, "peak_rss"));
        let measured =
            !["scale-linear", "cold-build", "cold-build-deps"].contains(&scenario.as_str());
        assert_eq!(rss.ends_with(" MiB"), measured, "{scenario}: peak RSS `{rss}`");
        assert_eq!(rss == "-", !measured, "{scenario}: peak RSS `{rss}`");
    }
    for format in ["cyclonedx", "spdx", "junit", "cargo-audit", "cargo-deny"] {
        for scenario in [format.to_string(), format!("{format}-rss")] {
            let row = rows.iter().find(|r| r["scenario"] == scenario.as_str()).unwrap();
            let (gate, status) = (cell(row, "gate"), cell(row, "status"));
            let refused = gate.contains("refused: over max-parse-bytes, exit ");
            assert!(refused || gate.contains("read: "), "{scenario}: {gate}");
            assert!(!refused || status == "MISS", "{scenario}: refused but `{status}`");
        }
    }
}
