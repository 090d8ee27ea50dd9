//! `cargo xtask release-gate --explain <code>`: what a blocker means, what the
//! last run expected and found, and the command that reproduces it locally.
//! It reads the last report; it decides nothing and changes nothing.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Result};
use xshell::Shell;

use crate::gate::escape::{shell_word, terminal};
use crate::gate::model::Report;
use crate::gate::{paths, read, write};

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

/// `--explain <code>`: `output_dir` is the run's `--output-dir`, where the
/// last report is.
pub fn run(sh: &Shell, cwd: &Path, code: &str, output_dir: Option<&Path>) -> Result<u8> {
    let code = code.trim();
    let Some((meaning, expected)) = describe(code) else {
        let kinds: Vec<&str> = KINDS.iter().map(|(k, ..)| *k).collect();
        bail!(
            "`{}` is not a blocker code: expected `<domain>.<kind>` with kind one of {}, or one of {}",
            terminal(code),
            kinds.join(", "),
            OTHER.iter().map(|(c, ..)| format!("`{c}`")).collect::<Vec<_>>().join(", ")
        );
    };
    let root = sh.current_dir();
    let report_path = paths::output_dir(&root, cwd, output_dir).join(write::REPORT_JSON);
    // Every value from the report or the command line is one terminal line.
    let shown = terminal(&paths::display(&root, &report_path)).into_owned();
    let mut out = format!("`{}`: {meaning}\nexpected: {expected}\n", terminal(code));
    // The gate's bounded, non-blocking reader: a FIFO or a device in the
    // report's place is an error, never a hang.
    match read::read_json::<Report>(&report_path, read::limits::REPORT) {
        Ok(report) => found(&mut out, &report, code, &shown),
        Err(read::FileError::NotFound) => out.push_str(&format!(
            "found: no report at `{shown}` to look in; run `cargo xtask release-gate` first\n"
        )),
        Err(e) => bail!(
            "cannot read the report `{shown}`: {e}; run `cargo xtask release-gate` again to write it"
        ),
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
fn found(out: &mut String, report: &Report, code: &str, shown: &str) {
    let code = &*terminal(code);
    let release = terminal(&report.release);
    let blockers: Vec<_> = report.blockers.iter().filter(|b| b.code == code).collect();
    let waived: Vec<_> = report.waived.iter().filter(|w| w.code == code).collect();
    if blockers.is_empty() && waived.is_empty() {
        out.push_str(&format!(
            "found: the last run (`{shown}`, release `{release}`) has no `{code}` blocker\n"
        ));
        return;
    }
    let mut artifacts: Vec<&String> = Vec::new();
    for b in &blockers {
        out.push_str(&format!("found: {}\n", terminal(&b.message)));
        out.push_str(&format!("fix: {}\n", terminal(&b.fix)));
        artifacts.extend(&b.artifacts);
    }
    for w in &waived {
        out.push_str(&format!(
            "found (waived until {} by {}: {}): {}\n",
            terminal(&w.expires),
            terminal(&w.approved_by),
            terminal(&w.reason),
            terminal(&w.message)
        ));
        artifacts.extend(&w.artifacts);
    }
    artifacts.sort();
    artifacts.dedup();
    let domain = code.split('.').next().unwrap_or_default();
    let mut cmd = format!("cargo xtask release-gate --release {}", shell_word(&release));
    if let Some(commit) = &report.commit {
        cmd.push_str(&format!(" --commit {}", shell_word(commit)));
    }
    if let Some(now) = &report.evaluated_at {
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
