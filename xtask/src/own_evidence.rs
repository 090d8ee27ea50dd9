//! This repository's own evidence, as configured collectors of the host
//! (`[workspace.metadata.release-gate.evidence.*]` in the root `Cargo.toml`):
//! the gate's replay and idempotency (`cdc`) and its benchmark against the
//! committed baseline (`performance`). Each writes the gate's evidence JSON,
//! bound to the release, commit and time `cargo xtask evidence` passes in
//! `RELEASE_GATE_RELEASE`, `RELEASE_GATE_COMMIT` and
//! `RELEASE_GATE_GENERATED_AT`, and exits 0 when every check passed, 1
//! otherwise.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
// `run` scrubs the GitHub job variables from every child process.
use release_gate::collectors::{evidence_json, run, tail, Binding, Check};
use release_gate::project::Project;
use serde_json::Value;
use xshell::{cmd, Shell};

/// `cargo xtask replay --out FILE`: the same evidence gated twice, and
/// listed in reverse order, gives byte-identical reports; gating changes no
/// input.
#[derive(Debug, Args)]
pub struct Replay {
    /// Where to write the `cdc` evidence JSON.
    #[arg(long, value_name = "FILE", default_value = "target/release-gate/replay.json")]
    pub out: PathBuf,
}

/// `cargo xtask performance-evidence --out FILE`: `bench --quick`, each
/// ratio against the peer tool compared with `benches/quick-baseline.json`.
#[derive(Debug, Args)]
pub struct PerformanceEvidence {
    /// Where to write the `performance` evidence JSON.
    #[arg(long, value_name = "FILE", default_value = "target/release-gate/performance.json")]
    pub out: PathBuf,
}

/// The committed baseline the performance evidence compares with.
const BENCH_BASELINE: &str = "benches/quick-baseline.json";

/// The xtask itself, as a fresh subprocess: `cargo run`, since a collector's
/// cargo build (nextest) may have replaced the running binary.
fn xtask_cmd(sh: &Shell) -> xshell::Cmd<'_> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    cmd!(sh, "{cargo} run --quiet --package xtask --bin xtask --")
}

/// Writes the evidence JSON of `domain` with `checks` to `out`; 0 when
/// every check passed, 1 otherwise.
fn write_evidence(
    sh: &Shell,
    out: &Path,
    domain: &str,
    tool: &str,
    checks: &[Check],
) -> Result<u8> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let Some(release) = var("RELEASE_GATE_RELEASE") else {
        bail!("`RELEASE_GATE_RELEASE` is not set: run this through `cargo xtask evidence {domain}`, which binds the evidence to the release");
    };
    let (commit, generated_at) = (var("RELEASE_GATE_COMMIT"), var("RELEASE_GATE_GENERATED_AT"));
    let binding = Binding {
        release: &release,
        commit: commit.as_deref(),
        generated_at: generated_at.as_deref(),
    };
    let passed = checks.iter().all(|c| c.status == "passed");
    let bytes = evidence_json(
        domain,
        concat!("cargo xtask ", env!("CARGO_PKG_VERSION")),
        tool,
        &binding,
        checks,
    );
    let path = sh.current_dir().join(out);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    fs::write(&path, bytes).with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(if passed { 0 } else { 1 })
}

impl Replay {
    pub fn run(self, sh: &Shell, project: &Project) -> Result<u8> {
        let release = std::env::var("RELEASE_GATE_RELEASE")
            .unwrap_or_else(|_| format!("v{}", project.version().unwrap_or("0.0.0")));
        let base = project.target_dir.join("evidence-cdc");
        let _ = fs::remove_dir_all(&base);
        let evidence = base.join("evidence");
        let stubs = run(xtask_cmd(sh)
            .args(["stub-evidence", "--release", &release, "--out"])
            .arg(&evidence))?;
        if !stubs.status.success() {
            bail!("the replay evidence could not be generated: {}", tail(&stubs.stderr, 3));
        }
        // One fixed clock for every replay: with a waiver or a max-age the
        // gate reads the clock, and `evaluated_at` (and any expiry) would
        // differ between two runs a second apart.
        let now = std::env::var("RELEASE_GATE_GENERATED_AT")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| "2026-01-01T00:00:00Z".to_string());
        let before = tree(&evidence);
        let gate = |out: &str, extra: &[String]| -> Result<Vec<(String, Vec<u8>)>> {
            let dir = base.join(out);
            let args = ["release-gate", "--release", &release, "--format", "json", "--now", &now];
            run(xtask_cmd(sh).args(args).arg("--output-dir").arg(&dir).args(extra))?;
            Ok(tree(&dir))
        };
        let discovered =
            vec!["--artifacts-root".to_string(), evidence.to_string_lossy().into_owned()];
        let first = gate("run-1", &discovered)?;
        let second = gate("run-2", &discovered)?;
        let mut listed: Vec<String> = before
            .iter()
            .filter_map(|(path, bytes)| {
                let domain = serde_json::from_slice::<Value>(bytes)
                    .ok()?
                    .get("domain")?
                    .as_str()?
                    .to_string();
                Some(format!("{domain}={}", evidence.join(path).display()))
            })
            .collect();
        let as_args = |list: &[String]| -> Vec<String> {
            list.iter().flat_map(|a| ["--artifact".to_string(), a.clone()]).collect()
        };
        let in_order = gate("run-listed", &as_args(&listed))?;
        listed.reverse();
        let reversed = gate("run-reversed", &as_args(&listed))?;
        let after = tree(&evidence);
        let checks = [
            Check::new(
                "replay",
                !first.is_empty() && first == second,
                "the same evidence gated twice gives byte-identical reports",
            ),
            Check::new(
                "order",
                !in_order.is_empty() && in_order == reversed,
                "the evidence listed in reverse order gives byte-identical reports",
            ),
            Check::new(
                "inputs-unchanged",
                !before.is_empty() && before == after,
                format!("{} evidence files are unchanged by gating", before.len()),
            ),
        ];
        write_evidence(sh, &self.out, "cdc", "cargo xtask release-gate (replay)", &checks)
    }
}

impl PerformanceEvidence {
    pub fn run(self, sh: &Shell, project: &Project) -> Result<u8> {
        let out = run(xtask_cmd(sh).args(["bench", "--quick"]))?;
        let mut checks =
            vec![Check::new("bench --quick", out.status.success(), tail(&out.stdout, 1))];
        let results = fs::read_to_string(project.target_dir.join("bench/quick/results.json"));
        let baseline = fs::read_to_string(sh.current_dir().join(BENCH_BASELINE));
        match (results, baseline) {
            (Ok(results), Ok(baseline)) => checks.extend(compare_bench(&results, &baseline)?),
            (Err(e), _) => checks.push(Check::new(
                "baseline",
                false,
                format!("no bench results to compare: {e}"),
            )),
            (_, Err(e)) => checks.push(Check::new(
                "baseline",
                false,
                format!("cannot read `{BENCH_BASELINE}`: {e}"),
            )),
        }
        write_evidence(sh, &self.out, "performance", "cargo xtask bench --quick", &checks)
    }
}

/// One check per benchmark ratio the baseline names: a ratio against the peer
/// tool (measured side by side, so load cancels out) that got worse than the
/// baseline by more than its `threshold` factor is a regression.
fn compare_bench(results: &str, baseline: &str) -> Result<Vec<Check>> {
    let rows: Vec<Value> = serde_json::from_str(results).context("bench results are not JSON")?;
    let base: Value = serde_json::from_str(baseline)
        .with_context(|| format!("`{BENCH_BASELINE}` is not JSON"))?;
    let threshold = base.get("threshold").and_then(Value::as_f64).unwrap_or(2.0);
    let Some(ratios) = base.get("ratios").and_then(Value::as_object) else {
        bail!("`{BENCH_BASELINE}` has no `ratios` object");
    };
    let mut checks = Vec::new();
    for (scenario, expected) in ratios {
        let name = format!("ratio {scenario}");
        let Some(expected) = expected.as_f64() else {
            bail!("`{BENCH_BASELINE}`: `ratios.{scenario}` is not a number");
        };
        let row = rows
            .iter()
            .find(|r| r.get("scenario").and_then(Value::as_str) == Some(scenario.as_str()));
        let ratio = row.and_then(|r| r.get("ratio")).and_then(Value::as_str).unwrap_or_default();
        let value = ratio.split('x').next().and_then(|n| n.trim().parse::<f64>().ok());
        let Some(value) = value else {
            checks.push(Check::new(
                &name,
                false,
                format!("the bench reported no ratio for `{scenario}`"),
            ));
            continue;
        };
        // Throughput: higher is better; time: lower is better.
        let higher_is_better = ratio.contains("throughput");
        let regressed = if higher_is_better {
            value * threshold < expected
        } else {
            value > expected * threshold
        };
        checks.push(Check::new(
            &name,
            !regressed,
            format!(
                "{ratio} against a baseline of {expected}x (a regression is {threshold}x worse)"
            ),
        ));
    }
    Ok(checks)
}

/// Every file under `dir`, by relative path, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let (Ok(rel), Ok(bytes)) = (path.strip_prefix(base), fs::read(&path)) {
                out.push((rel.to_string_lossy().replace('\\', "/"), bytes));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_ratios_are_compared_with_the_baseline() {
        let results = r#"[
            {"scenario": "hash", "ratio": "0.30x throughput"},
            {"scenario": "evidence", "ratio": "14.0x time"},
            {"scenario": "warm", "ratio": "1.50x time"}
        ]"#;
        let baseline = r#"{"threshold": 2.0, "ratios": {"hash": 0.35, "evidence": 6.5, "warm": 1.4, "scale-70": 4.0}}"#;
        let checks = compare_bench(results, baseline).unwrap();
        let got: Vec<(String, &str)> = checks.iter().map(|c| (c.name.clone(), c.status)).collect();
        assert_eq!(
            got,
            [
                ("ratio evidence".to_string(), "failed"),
                ("ratio hash".to_string(), "passed"),
                ("ratio scale-70".to_string(), "failed"),
                ("ratio warm".to_string(), "passed"),
            ]
        );
        assert_eq!(
            checks[0].detail,
            "14.0x time against a baseline of 6.5x (a regression is 2x worse)"
        );
        assert_eq!(checks[2].detail, "the bench reported no ratio for `scale-70`");
    }
}
