//! Stage 5, render: pure. The report as JSON (sorted keys) and as the
//! Markdown release review a human reads first.

use std::fmt::{self, Write};

use super::escape::{md_code, md_code_cell};
use super::formats::registry::display_name as format_name;
use super::model::{ArtifactReport, Report, Status};

pub fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let _ = write_markdown(&mut md, report);
    md
}

fn write_markdown(md: &mut String, r: &Report) -> fmt::Result {
    write_summary(md, r)?;
    write_domains(md, r)?;
    write_blockers(md, r)?;
    write_waived(md, r)?;
    write_baseline(md, r)?;
    write_details(md, r)?;
    write_unjudged(md, r)?;
    writeln!(
        md,
        "\nChecksums of every input and output: `artifact_index.json`; verify the report with `sha256sum -c SHA256SUMS` in its folder."
    )
}

/// The title, the stub warning, the level and its numbers, and what decided.
fn write_summary(md: &mut String, r: &Report) -> fmt::Result {
    writeln!(md, "# Production maturity: {}\n", md_code(&r.release))?;
    if r.stub_evidence {
        writeln!(
            md,
            "> **Stub evidence.** This report was built on generated stub evidence (`--stubs`). \
             It proves the gate works; it is no release evidence.\n"
        )?;
    }
    let verdict = match r.level.as_str() {
        "ga_ready" => "the gate is open",
        _ => "the release is stopped",
    };
    writeln!(md, "**Level: {}**, {verdict}.\n", r.level_text())?;
    writeln!(md, "| Level | Score | Required domains passed | Release candidate from | GA from |")?;
    writeln!(md, "|---|---:|---:|---:|---:|")?;
    writeln!(
        md,
        "| `{}` | {} | {} of {} | {} | {} |\n",
        r.level.as_str(),
        r.score,
        r.passed_required,
        r.required_total,
        r.thresholds.release_candidate_min_score,
        r.thresholds.ga_min_score
    )?;
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
    Ok(())
}

/// One row per artifact (or per domain without one).
fn write_domains(md: &mut String, r: &Report) -> fmt::Result {
    let mut rows = Vec::new();
    for (name, domain) in &r.domains {
        let required = if domain.required { "yes" } else { "no" };
        if domain.artifacts.is_empty() {
            rows.push(format!("{name} | {required} | {} | (none) | |", status_cell(domain.status)));
        }
        for a in &domain.artifacts {
            let (tick, sha) = match a.sha256.as_deref() {
                Some(sha) => ("`", short(sha)),
                None => ("", ""),
            };
            rows.push(format!(
                "{name} | {required} | {} | {} | {} | {tick}{sha}{tick}",
                status_cell(a.status),
                md_code_cell(&a.path),
                a.format.as_deref().map(format_name).unwrap_or_default(),
            ));
        }
    }
    writeln!(md, "\n## Domains\n")?;
    table(md, &["Domain", "Required", "Status", "Artifact", "Format", "SHA-256"], rows)
}

fn write_blockers(md: &mut String, r: &Report) -> fmt::Result {
    if r.blockers.is_empty() {
        return writeln!(md, "\n## Blockers\n\nNone.");
    }
    section(md, "Blockers", r.blockers.len())?;
    for b in &r.blockers {
        writeln!(md, "- **{}**: {}", md_code(&b.code), md_code(&b.message))?;
        writeln!(md, "  - Fix: {}", md_code(&b.fix))?;
    }
    Ok(())
}

fn write_waived(md: &mut String, r: &Report) -> fmt::Result {
    if r.waived.is_empty() {
        return Ok(());
    }
    section(md, "Waived", r.waived.len())?;
    writeln!(md, "Waived blockers are accepted risks, never a pass: they do not block, their domains do not count as passed, and they cannot carry a release below the GA minimum score.\n")?;
    let rows = r.waived.iter().map(|w| {
        let cells = [&w.code, &w.reason, &w.approved_by, &w.expires].map(|c| md_code_cell(c));
        let check = w.check.as_deref().map(md_code_cell).unwrap_or_default();
        let [code, reason, by, expires] = cells;
        format!("{code} | {check} | {reason} | {by} | {expires}")
    });
    table(md, &["Blocker", "Check", "Reason", "Approved by", "Expires"], rows)
}

fn write_baseline(md: &mut String, r: &Report) -> fmt::Result {
    let Some(b) = &r.baseline else { return Ok(()) };
    writeln!(md, "\n## Versus baseline {} ({})\n", md_code(&b.path), md_code(&b.release))?;
    writeln!(md, "Score {} -> {}.\n", b.score_before, b.score_after)?;
    let list = |codes: &[String]| {
        if codes.is_empty() {
            "none".to_string()
        } else {
            codes.iter().map(|c| md_code(c)).collect::<Vec<_>>().join(", ")
        }
    };
    writeln!(md, "- New blockers: {}", list(&b.new_blockers))?;
    writeln!(md, "- Resolved blockers: {}", list(&b.resolved_blockers))?;
    writeln!(md, "- Persisting blockers: {}", list(&b.persisting_blockers))?;
    writeln!(md, "- Domains that regressed: {}", list(&b.regressed_domains))
}

/// The counts and findings of every artifact that has some.
fn write_details(md: &mut String, r: &Report) -> fmt::Result {
    let detailed: Vec<&ArtifactReport> = r
        .domains
        .values()
        .flat_map(|d| &d.artifacts)
        .filter(|a| !a.counts.is_empty() || !a.findings.is_empty())
        .collect();
    if detailed.is_empty() {
        return Ok(());
    }
    writeln!(md, "\n## Evidence details")?;
    for a in detailed {
        let format = a.format.as_deref().map(format_name).unwrap_or_default();
        writeln!(md, "\n### {} ({format}, {})", md_code(&a.path), status_cell(a.status))?;
        if !a.counts.is_empty() {
            let counts: Vec<String> =
                a.counts.iter().map(|(k, v)| format!("{} {v}", md_code(k))).collect();
            writeln!(md, "\nCounts: {}", counts.join(", "))?;
        }
        if !a.findings.is_empty() {
            writeln!(md)?;
            bullets(md, &a.findings)?;
        }
    }
    Ok(())
}

/// What the gate saw but did not judge: warnings, evidence for an unknown
/// domain, ignored files.
fn write_unjudged(md: &mut String, r: &Report) -> fmt::Result {
    if !r.warnings.is_empty() {
        section(md, "Warnings", r.warnings.len())?;
        bullets(md, &r.warnings)?;
    }
    if !r.unassigned.is_empty() {
        section(md, "Unassigned evidence", r.unassigned.len())?;
        writeln!(md, "Evidence for a domain this policy does not know; listed, not gated.\n")?;
        let rows = r.unassigned.iter().map(|a| {
            let sha = a.sha256.as_deref().map(short).unwrap_or_default();
            let (path, domain) = (md_code_cell(&a.path), md_code_cell(&a.domain));
            format!("{path} | {domain} | {} | `{sha}`", status_cell(a.status))
        });
        table(md, &["Artifact", "Names domain", "Status", "SHA-256"], rows)?;
    }
    if !r.ignored.is_empty() {
        section(md, "Ignored files", r.ignored.len())?;
        for i in &r.ignored {
            writeln!(md, "- {}: {}", md_code(&i.path), md_code(&i.reason))?;
        }
    }
    Ok(())
}

/// `## {title} ({count})` between blank lines.
fn section(md: &mut String, title: &str, count: usize) -> fmt::Result {
    writeln!(md, "\n## {title} ({count})\n")
}

/// One `- ` line per item, as inline code.
fn bullets(md: &mut String, items: &[String]) -> fmt::Result {
    items.iter().try_for_each(|item| writeln!(md, "- {}", md_code(item)))
}

/// A Markdown table: the header of `columns`, then each row's cells (already
/// joined with ` | `).
fn table(md: &mut String, columns: &[&str], rows: impl IntoIterator<Item = String>) -> fmt::Result {
    writeln!(md, "| {} |", columns.join(" | "))?;
    writeln!(md, "|{}", "---|".repeat(columns.len()))?;
    rows.into_iter().try_for_each(|row| writeln!(md, "| {row} |"))
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
