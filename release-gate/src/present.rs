//! What a gate run shows: the terminal summary (`human`), the report JSON
//! (`json`), or GitHub Actions workflow commands (`github`), plus, on GitHub
//! Actions, the step summary and the step outputs.
//!
//! Everything here renders from the finished report: presentation never
//! changes the decision.

use std::fs::OpenOptions;
use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::gate::escape::{terminal, workflow_data, workflow_property};
use crate::gate::model::{self, Level, Report, Status};
use crate::gate::{render, write};

use crate::flags::OutputFormat;

/// GitHub's limit on one step's summary.
pub const STEP_SUMMARY_LIMIT: usize = 1024 * 1024;

/// GitHub shows this many error annotations of a step; the rest are dropped.
const SHOWN_ANNOTATIONS: usize = 10;

/// The format a run uses: the flag, else `github` on GitHub Actions.
pub fn format(flag: Option<OutputFormat>) -> OutputFormat {
    flag.unwrap_or(if on_github_actions() { OutputFormat::Github } else { OutputFormat::Human })
}

pub fn on_github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Prints the run's result in `format`; with the `github` format or on GitHub
/// Actions, also appends the step summary and writes the step outputs.
pub fn present(report: &Report, output_dir: &str, format: OutputFormat) -> Result<()> {
    let stdout = match format {
        OutputFormat::Human => human(report, output_dir, color()),
        OutputFormat::Json => model::json(report),
        OutputFormat::Github => github(report, output_dir),
    };
    // A closed stdout (`| head`) must not turn the verdict into a panic.
    let _ = std::io::stdout().write_all(stdout.as_bytes());
    if format == OutputFormat::Github || on_github_actions() {
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            let md = render::markdown(report);
            append(Path::new(&path), "GITHUB_STEP_SUMMARY", &step_summary(&md, output_dir))?;
        }
        if let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) {
            append(Path::new(&path), "GITHUB_OUTPUT", &step_outputs(report))?;
        }
    }
    Ok(())
}

fn append(path: &Path, var: &str, text: &str) -> Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open `${var}` (`{}`) to append", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot append to `${var}` (`{}`)", path.display()))
}

/// Color only on a terminal, and never when `NO_COLOR` is set (no-color.org).
fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The terminal summary: the verdict, each blocker, where the report is.
pub fn human(report: &Report, output_dir: &str, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    };
    let level_color = match report.level {
        Level::GaReady => "1;32",
        Level::ReleaseCandidate => "1;33",
        Level::Blocked => "1;31",
    };
    let mut out = String::new();
    if report.stub_evidence {
        out.push_str(
            "stub evidence: this report proves the gate works; it is no release evidence\n",
        );
    }
    out.push_str(&format!(
        "release gate `{}`: level `{}`{}, score {} ({} of {} required domains passed)\n",
        terminal(&report.release),
        paint(level_color, report.level.as_str()),
        report.waivers_note(),
        report.score,
        report.passed_required,
        report.required_total
    ));
    for blocker in &report.blockers {
        out.push_str(&format!(
            "{} `{}`: {}\n",
            paint("31", "blocker"),
            terminal(&blocker.code),
            terminal(&blocker.message)
        ));
    }
    if !report.waived.is_empty() {
        out.push_str(&format!("{} waived blocker(s): see the report\n", report.waived.len()));
    }
    if !report.warnings.is_empty() {
        out.push_str(&format!("{} warning(s): see the report\n", report.warnings.len()));
    }
    out.push_str(&format!("report: {}/{}\n", terminal(output_dir), write::REPORT_MD));
    out
}

/// Workflow commands: one group per domain, one error annotation per blocker,
/// then the plain summary.
pub fn github(report: &Report, output_dir: &str) -> String {
    let mut out = String::new();
    for (name, domain) in &report.domains {
        let required = if domain.required { "required" } else { "optional" };
        out.push_str(&format!(
            "::group::{name}: {} ({required})\n",
            workflow_data(status_word(domain.status))
        ));
        if domain.artifacts.is_empty() {
            out.push_str("no evidence\n");
        }
        for a in &domain.artifacts {
            let format = a.format.as_deref().unwrap_or("unread");
            let sha = a.sha256.as_deref().unwrap_or("-");
            // Every line starts with the gate's own words: no file name or
            // evidence text can start a workflow command.
            out.push_str(&format!(
                "artifact {} [{format}] {} sha256 {sha}\n",
                workflow_data(&a.path),
                status_word(a.status)
            ));
            for line in a.reasons.iter().chain(&a.findings).chain(&a.warnings) {
                out.push_str(&format!("  - {}\n", workflow_data(line)));
            }
        }
        out.push_str("::endgroup::\n");
    }
    for blocker in &report.blockers {
        // The annotation points at the evidence file it is about, when one.
        let file = blocker
            .artifacts
            .first()
            .map(|path| format!("file={},", workflow_property(path)))
            .unwrap_or_default();
        out.push_str(&format!(
            "::error {file}title={}::{}\n",
            workflow_property(&blocker.code),
            workflow_data(&format!("{} (fix: {})", blocker.message, blocker.fix))
        ));
    }
    if report.blockers.len() > SHOWN_ANNOTATIONS {
        out.push_str(&format!(
            "GitHub shows the first {SHOWN_ANNOTATIONS} annotations of a step; the step summary and `{output_dir}/{}` list all {} blockers\n",
            write::REPORT_MD,
            report.blockers.len()
        ));
    }
    out.push_str(&human(report, output_dir, false));
    out
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Passed => "passed",
        Status::NotPassed => "not_passed",
        Status::Missing => "missing",
        Status::Invalid => "invalid",
    }
}

/// The report as the step summary, cut to GitHub's 1 MiB limit at a line
/// boundary with a pointer to the full report.
pub fn step_summary(md: &str, output_dir: &str) -> String {
    let mut out = if md.len() <= STEP_SUMMARY_LIMIT - 1024 {
        md.to_string()
    } else {
        let budget = STEP_SUMMARY_LIMIT - 1024;
        let mut cut = budget;
        while !md.is_char_boundary(cut) {
            cut -= 1;
        }
        let head = md.get(..cut).unwrap_or_default();
        let head = head.rfind('\n').and_then(|at| head.get(..=at)).unwrap_or(head);
        format!(
            "{head}\n> **Truncated**: a step summary holds at most 1 MiB. The full report is `{output_dir}/{}` ({} bytes) in the job's artifacts.\n",
            write::REPORT_MD,
            md.len()
        )
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// `level`, `score`, the blockers and the waived count, for later steps
/// (`steps.<id>.outputs`).
pub fn step_outputs(report: &Report) -> String {
    // Each code once (two artifacts of one domain can fail alike), sorted.
    let codes: std::collections::BTreeSet<&str> =
        report.blockers.iter().map(|b| b.code.as_str()).collect();
    format!(
        "level={}\nscore={}\nblockers={}\nblocker-codes={}\nwaived={}\nstub-evidence={}\n",
        report.level.as_str(),
        report.score,
        report.blockers.len(),
        codes.into_iter().collect::<Vec<_>>().join(" "),
        report.waived_blockers,
        // A later step must never take a stub run's `ga_ready` for a release.
        report.stub_evidence
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_summary_is_cut_at_a_line_under_the_limit() {
        let line = "x".repeat(99) + "\n";
        let md = line.repeat(20_000); // 2,000,000 bytes
        let summary = step_summary(&md, "out");
        assert!(summary.len() <= STEP_SUMMARY_LIMIT, "{}", summary.len());
        assert!(summary.ends_with(
            "\n> **Truncated**: a step summary holds at most 1 MiB. The full report is `out/production_maturity.md` (2000000 bytes) in the job's artifacts.\n"
        ));
        let kept = summary.split("\n> **Truncated**").next().unwrap_or_default();
        assert!(kept.lines().all(|l| l.len() == 99 || l.is_empty()), "cut inside a line");
        assert_eq!(step_summary("# short\n", "out"), "# short\n");
    }
}
