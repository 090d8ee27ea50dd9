//! Stage 5, render: pure. The report as JSON (sorted keys) and as the
//! Markdown release review a human reads first.

use std::fmt::Write;

use serde::Serialize;

use super::escape::{md_code, md_code_cell};
use super::formats::registry::display_name as format_name;
use super::model::{ArtifactReport, Report, Status};

/// Pretty JSON with every object's keys sorted, newline-terminated: the
/// bytes a round trip through `serde_json::Value` (whose objects are
/// `BTreeMap`s) gives, whatever the struct's field order, written directly
/// by the optimized `release-gate-scan` crate (`tests/cases` hold every JSON output
/// to that round trip).
pub fn json<T: Serialize>(value: &T) -> String {
    let mut out = release_gate_scan::pretty::to_string_pretty_sorted(value)
        .unwrap_or_else(|_| "null".to_string());
    out.push('\n');
    out
}

pub fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let _ = write_markdown(&mut md, report);
    md
}

fn write_markdown(md: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(md, "# Production maturity: {}", md_code(&r.release))?;
    writeln!(md)?;
    if r.stub_evidence {
        writeln!(
            md,
            "> **Stub evidence.** This report was built on generated stub evidence (`--stubs`). \
             It proves the gate works; it is no release evidence."
        )?;
        writeln!(md)?;
    }
    let verdict = match r.level.as_str() {
        "ga_ready" => "the gate is open",
        _ => "the release is stopped",
    };
    writeln!(md, "**Level: {}**, {verdict}.", r.level_text())?;
    writeln!(md)?;
    writeln!(md, "| Level | Score | Required domains passed | Release candidate from | GA from |")?;
    writeln!(md, "|---|---:|---:|---:|---:|")?;
    writeln!(
        md,
        "| `{}` | {} | {} of {} | {} | {} |",
        r.level.as_str(),
        r.score,
        r.passed_required,
        r.required_total,
        r.thresholds.release_candidate_min_score,
        r.thresholds.ga_min_score
    )?;
    writeln!(md)?;
    let commit =
        r.commit.as_deref().map(|c| format!(" at commit {}", md_code(c))).unwrap_or_default();
    writeln!(
        md,
        "Decided by release-gate {}{commit} under policy sha256 `{}`.",
        r.gate_version,
        short(&r.policy_sha256)
    )?;
    if let Some(at) = &r.generated_at {
        writeln!(md, "Generated at {at} (from `SOURCE_DATE_EPOCH`).")?;
    }
    if let Some(at) = &r.evaluated_at {
        writeln!(md, "Max-ages and waivers judged at {at}.")?;
    }

    writeln!(md)?;
    writeln!(md, "## Domains")?;
    writeln!(md)?;
    writeln!(md, "| Domain | Required | Status | Artifact | Format | SHA-256 |")?;
    writeln!(md, "|---|---|---|---|---|---|")?;
    for (name, domain) in &r.domains {
        let required = if domain.required { "yes" } else { "no" };
        let status = status_cell(domain.status);
        if domain.artifacts.is_empty() {
            writeln!(md, "| {name} | {required} | {status} | (none) | | |")?;
        }
        for a in &domain.artifacts {
            let (tick, sha) = match a.sha256.as_deref() {
                Some(sha) => ("`", short(sha)),
                None => ("", ""),
            };
            writeln!(
                md,
                "| {name} | {required} | {} | {} | {} | {tick}{sha}{tick} |",
                status_cell(a.status),
                md_code_cell(&a.path),
                a.format.as_deref().map(format_name).unwrap_or_default(),
            )?;
        }
    }

    writeln!(md)?;
    if r.blockers.is_empty() {
        writeln!(md, "## Blockers")?;
        writeln!(md)?;
        writeln!(md, "None.")?;
    } else {
        writeln!(md, "## Blockers ({})", r.blockers.len())?;
        writeln!(md)?;
        for b in &r.blockers {
            writeln!(md, "- **{}**: {}", md_code(&b.code), md_code(&b.message))?;
            writeln!(md, "  - Fix: {}", md_code(&b.fix))?;
        }
    }

    if !r.waived.is_empty() {
        writeln!(md)?;
        writeln!(md, "## Waived ({})", r.waived.len())?;
        writeln!(md)?;
        writeln!(md, "Waived blockers are accepted risks, never a pass: they do not block, their domains do not count as passed, and they cannot carry a release below the GA minimum score.")?;
        writeln!(md)?;
        writeln!(md, "| Blocker | Check | Reason | Approved by | Expires |")?;
        writeln!(md, "|---|---|---|---|---|")?;
        for w in &r.waived {
            let check = w.check.as_deref().map(md_code_cell).unwrap_or_default();
            writeln!(
                md,
                "| {} | {check} | {} | {} | {} |",
                md_code_cell(&w.code),
                md_code_cell(&w.reason),
                md_code_cell(&w.approved_by),
                md_code_cell(&w.expires)
            )?;
        }
    }
    if let Some(b) = &r.baseline {
        writeln!(md)?;
        writeln!(md, "## Versus baseline {} ({})", md_code(&b.path), md_code(&b.release))?;
        writeln!(md)?;
        writeln!(md, "Score {} -> {}.", b.score_before, b.score_after)?;
        let list = |codes: &[String]| {
            if codes.is_empty() {
                "none".to_string()
            } else {
                codes.iter().map(|c| md_code(c)).collect::<Vec<_>>().join(", ")
            }
        };
        writeln!(md)?;
        writeln!(md, "- New blockers: {}", list(&b.new_blockers))?;
        writeln!(md, "- Resolved blockers: {}", list(&b.resolved_blockers))?;
        writeln!(md, "- Persisting blockers: {}", list(&b.persisting_blockers))?;
        writeln!(md, "- Domains that regressed: {}", list(&b.regressed_domains))?;
    }

    let detailed: Vec<&ArtifactReport> = r
        .domains
        .values()
        .flat_map(|d| &d.artifacts)
        .filter(|a| !a.counts.is_empty() || !a.findings.is_empty())
        .collect();
    if !detailed.is_empty() {
        writeln!(md)?;
        writeln!(md, "## Evidence details")?;
        for a in detailed {
            writeln!(md)?;
            let format = a.format.as_deref().map(format_name).unwrap_or_default();
            writeln!(md, "### {} ({format}, {})", md_code(&a.path), status_cell(a.status))?;
            if !a.counts.is_empty() {
                writeln!(md)?;
                let counts: Vec<String> =
                    a.counts.iter().map(|(k, v)| format!("{} {v}", md_code(k))).collect();
                writeln!(md, "Counts: {}", counts.join(", "))?;
            }
            if !a.findings.is_empty() {
                writeln!(md)?;
                for f in &a.findings {
                    writeln!(md, "- {}", md_code(f))?;
                }
            }
        }
    }

    if !r.warnings.is_empty() {
        writeln!(md)?;
        writeln!(md, "## Warnings ({})", r.warnings.len())?;
        writeln!(md)?;
        for w in &r.warnings {
            writeln!(md, "- {}", md_code(w))?;
        }
    }
    if !r.unassigned.is_empty() {
        writeln!(md)?;
        writeln!(md, "## Unassigned evidence ({})", r.unassigned.len())?;
        writeln!(md)?;
        writeln!(md, "Evidence for a domain this policy does not know; listed, not gated.")?;
        writeln!(md)?;
        writeln!(md, "| Artifact | Names domain | Status | SHA-256 |")?;
        writeln!(md, "|---|---|---|---|")?;
        for a in &r.unassigned {
            let sha = a.sha256.as_deref().map(short).unwrap_or_default();
            writeln!(
                md,
                "| {} | {} | {} | `{sha}` |",
                md_code_cell(&a.path),
                md_code_cell(&a.domain),
                status_cell(a.status)
            )?;
        }
    }
    if !r.ignored.is_empty() {
        writeln!(md)?;
        writeln!(md, "## Ignored files ({})", r.ignored.len())?;
        writeln!(md)?;
        for i in &r.ignored {
            writeln!(md, "- {}: {}", md_code(&i.path), md_code(&i.reason))?;
        }
    }
    writeln!(md)?;
    writeln!(
        md,
        "Checksums of every input and output: `artifact_index.json`; verify the report with `sha256sum -c SHA256SUMS` in its folder."
    )?;
    Ok(())
}

fn status_cell(status: Status) -> &'static str {
    match status {
        Status::Passed => "passed",
        Status::NotPassed => "**not_passed**",
        Status::Missing => "**missing**",
        Status::Invalid => "**invalid**",
    }
}

/// The first 12 hex digits: enough to tell artifacts apart in a table.
fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
