//! `cargo xtask release-gate --explain <code>`: what a blocker means, what the
//! last run expected and found, and the command that reproduces it locally.
//! It reads the last report; it decides nothing and changes nothing.

use std::io::Write;
use std::path::Path;

use crate::gate::escape::{shell_word, terminal};
use anyhow::{bail, Result};
use serde_json::Value;
use xshell::Shell;

use crate::flags::EvidenceArgs;
use crate::gate::{paths, read, write};
use crate::release_gate::DEFAULT_OUTPUT_DIR;

/// Each blocker kind: what it means and what the gate expects.
const KINDS: &[(&str, &str, &str)] = &[
    ("missing", "the domain has no evidence: discovery found no evidence file in its folders, no `--artifact` named it, or the named file does not exist", "at least one evidence file for the domain"),
    ("invalid", "the evidence could not be read or understood: not a regular file, not UTF-8 (or UTF-16 with a byte order mark), not JSON or XML, a repeated key, or not valid in the format it claims", "a readable file in a supported format (`docs/formats.md`)"),
    ("not_passed", "the evidence was read and does not pass: a failing or unknown status, a failed check, its own blockers, or blocking findings under its format's rule", "evidence whose rule passes: `status` `passed` with every check passing, or a tool report with no blocking findings"),
    ("stub", "the evidence is generated stub evidence (`\"provenance\": \"stub\"`): it proves the gate works and never counts as release evidence", "real evidence from the domain's workflow"),
    ("release_mismatch", "the evidence names another release in its `release` field", "`release` equal to the release being gated"),
    ("commit_mismatch", "the evidence names another commit in its `commit` field", "`commit` equal to the commit under test (full or at least 7 hex digits)"),
    ("unbound", "the policy requires the domain's evidence to name its release or commit (`require-binding`), and it names neither", "a `release` or `commit` field"),
    ("stale", "the evidence is older than the max-age of its domain, has no `generated_at` under a max-age policy, or claims a time in the future", "a `generated_at` within the max-age"),
];

const OTHER: &[(&str, &str, &str)] = &[
    ("waiver.expired", "a waiver in the policy is past its `expires` day (UTC); expired waivers block until renewed or removed", "waivers whose `expires` is today or later"),
    ("waiver.below_ga_min_score", "only waived blockers stand between the evidence and GA, and the score (waived domains do not count) is below `ga-min-score`: waivers are accepted risks and cannot carry a release below the minimum", "enough required domains passing (not waived) to reach `ga-min-score`"),
    ("evidence.invalid", "an evidence folder under the artifacts root has a name no domain can be named for (not UTF-8, or control characters), so what it holds cannot count", "evidence folders named after a domain or mapped by `folders`"),
    ("baseline.new_blockers", "the policy allows no new blockers versus `--baseline`, and this run has blockers (waived or not) that the baseline did not", "no blocker codes beyond the baseline's"),
];

pub fn run(sh: &Shell, cwd: &Path, code: &str, evidence: &EvidenceArgs) -> Result<u8> {
    let code = code.trim();
    let (meaning, expected) = match describe(code) {
        Some(found) => found,
        None => {
            let kinds: Vec<&str> = KINDS.iter().map(|(k, ..)| *k).collect();
            bail!(
                "`{}` is not a blocker code: expected `<domain>.<kind>` with kind one of {}, or one of {}",
                terminal(code),
                kinds.join(", "),
                OTHER.iter().map(|(c, ..)| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            );
        }
    };
    let root = sh.current_dir();
    let dir = match &evidence.output_dir {
        Some(dir) => paths::absolute(cwd, dir),
        None => root.join(DEFAULT_OUTPUT_DIR),
    };
    let report_path = dir.join(write::REPORT_JSON);
    let shown = paths::display(&root, &report_path);
    // Every value from the report or the command line is one terminal line.
    let shown = terminal(&shown).into_owned();
    let mut out = format!("`{}`: {meaning}\nexpected: {expected}\n", terminal(code));
    // The gate's bounded, non-blocking reader: a FIFO or a device in the
    // report's place is an error, never a hang.
    let report: Option<Value> = match read::read_regular(&report_path, read::limits::REPORT) {
        Ok(bytes) => serde_json::from_slice(&bytes).ok(),
        Err(read::FileError::NotFound) => None,
        Err(e) => bail!(
            "cannot read the report `{shown}`: {e}; run `cargo xtask release-gate` again to write it"
        ),
    };
    match report {
        None => out.push_str(&format!(
            "found: no report at `{shown}` to look in; run `cargo xtask release-gate` first\n"
        )),
        Some(report) => found(&mut out, &report, code, &shown),
    }
    let _ = std::io::stdout().write_all(out.as_bytes());
    Ok(0)
}

fn describe(code: &str) -> Option<(&'static str, &'static str)> {
    if let Some((_, meaning, expected)) = OTHER.iter().find(|(c, ..)| *c == code) {
        return Some((meaning, expected));
    }
    let (domain, kind) = code.split_once('.')?;
    if domain.is_empty() {
        return None;
    }
    KINDS.iter().find(|(k, ..)| *k == kind).map(|(_, meaning, expected)| (*meaning, *expected))
}

/// What the last run's report holds for `code`, and how to reproduce it.
fn found(out: &mut String, report: &Value, code: &str, shown: &str) {
    let str_of = |v: &Value, key: &str| {
        terminal(v.get(key).and_then(Value::as_str).unwrap_or_default()).into_owned()
    };
    let code = &*terminal(code);
    let release = str_of(report, "release");
    let matching = |key: &str| -> Vec<Value> {
        report
            .get(key)
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter(|b| b.get("code").and_then(Value::as_str) == Some(code))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let blockers = matching("blockers");
    let waived = matching("waived");
    if blockers.is_empty() && waived.is_empty() {
        out.push_str(&format!(
            "found: the last run (`{shown}`, release `{release}`) has no `{code}` blocker\n"
        ));
        return;
    }
    let mut artifacts: Vec<String> = Vec::new();
    for b in &blockers {
        out.push_str(&format!("found: {}\n", str_of(b, "message")));
        out.push_str(&format!("fix: {}\n", str_of(b, "fix")));
        artifacts.extend(paths_of(b));
    }
    for w in &waived {
        out.push_str(&format!(
            "found (waived until {} by {}: {}): {}\n",
            str_of(w, "expires"),
            str_of(w, "approved_by"),
            str_of(w, "reason"),
            str_of(w, "message")
        ));
        artifacts.extend(paths_of(w));
    }
    artifacts.sort();
    artifacts.dedup();
    let domain = code.split('.').next().unwrap_or_default();
    let mut cmd = format!("cargo xtask release-gate --release {}", shell_word(&release));
    if let Some(commit) = report.get("commit").and_then(Value::as_str) {
        cmd.push_str(&format!(" --commit {}", shell_word(commit)));
    }
    if let Some(now) = report.get("evaluated_at").and_then(Value::as_str) {
        cmd.push_str(&format!(" --now {}", shell_word(now)));
    }
    if domain != "waiver" && domain != "baseline" {
        cmd.push_str(&format!(" --require {}", shell_word(domain)));
        for path in &artifacts {
            cmd.push_str(&format!(" --artifact {}", shell_word(&format!("{domain}={path}"))));
        }
    }
    cmd.push_str(&format!(" --output-dir {}", shell_word(&format!("target/explain/{code}"))));
    out.push_str(&format!("reproduce (from the workspace root): {}\n", terminal(&cmd)));
    if domain != "waiver" && domain != "baseline" && domain != "evidence" {
        // The evidence itself comes from the domain's collector.
        out.push_str(&format!("collect again: cargo xtask evidence {}\n", terminal(domain)));
    }
}

fn paths_of(entry: &Value) -> Vec<String> {
    entry
        .get("artifacts")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|p| p.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
