//! `cargo xtask release-gate`: the final go/no-go of a release.
//!
//! Exit 0 only when the level is `ga_ready`; 1 when there are blockers (the
//! report is still written); 2 for usage, configuration and I/O errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use xshell::Shell;

use crate::flags::{EvidenceArgs, ReleaseGate};
use crate::gate::collect::{self, Collected};
use crate::gate::config::Policy;
use crate::gate::decide::{self, Input};
use crate::gate::model::{Level, Report};
use crate::gate::read::ReadPolicy;
use crate::gate::{paths, read, write};
use crate::project::Project;

pub const DEFAULT_ARTIFACTS_ROOT: &str = "test_artifacts";
pub const DEFAULT_OUTPUT_DIR: &str = "test_artifacts/production_maturity/report";
/// Under the stubs folder: where `--stubs` writes its report by default.
pub const STUBS_OUTPUT_DIR: &str = "production_maturity/report";

impl ReleaseGate {
    pub fn run(self, sh: &Shell, project: &Project, cwd: &Path) -> Result<ExitCode> {
        let release = match self.release {
            Some(release) if release.trim().is_empty() => {
                bail!("`--release` is empty; pass a release id such as `v1.2.3`")
            }
            Some(release) => release,
            None => format!("v{}", project.version()?),
        };
        let mut evidence = self.evidence;
        if self.stubs {
            let stubs_dir = paths::absolute(cwd, &self.stubs_dir);
            generate_stubs(
                sh,
                &release,
                &stubs_dir,
                &self.stub_fail,
                &self.stub_omit,
                &self.stub_invalid,
            )?;
            if evidence.output_dir.is_none() {
                // Never over a real report: stub reports live beside the stubs.
                evidence.output_dir = Some(stubs_dir.join(STUBS_OUTPUT_DIR));
            }
            evidence.artifacts_root = Some(stubs_dir);
        }
        let gated = gate(sh, project, cwd, release, &evidence, self.stubs)?;
        // A closed stdout (`| head`) must not change the verdict into a panic.
        let _ = std::io::stdout().write_all(summary(&gated.report, &gated.output_dir).as_bytes());
        Ok(gated.exit_code())
    }
}

/// What one gate run decided and where it wrote the report.
pub struct Gated {
    pub report: Report,
    /// The report folder, as the report names paths.
    pub output_dir: String,
    /// sha256 of the `production_maturity.json` that was written.
    pub report_sha256: String,
}

impl Gated {
    pub fn exit_code(&self) -> ExitCode {
        if self.report.level == Level::GaReady {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }
}

/// The whole pipeline: collect, read and hash, decide, render, write, index.
/// `stubs` turns the stub quarantine off (and marks the report as stub-based).
pub fn gate(
    sh: &Shell,
    project: &Project,
    cwd: &Path,
    release: String,
    evidence: &EvidenceArgs,
    stubs: bool,
) -> Result<Gated> {
    let root = sh.current_dir();
    let policy = Policy::from_metadata(&project.metadata, evidence.require.as_deref())?;
    let generated_at = source_date_epoch()?;

    let collected = if evidence.artifacts.is_empty() {
        let artifacts_root = match &evidence.artifacts_root {
            Some(dir) => paths::absolute(cwd, dir),
            None => root.join(DEFAULT_ARTIFACTS_ROOT),
        };
        collect::discover(&root, &artifacts_root, &policy)?
    } else {
        let args: Vec<(String, PathBuf)> =
            evidence.artifacts.iter().map(|a| (a.domain.clone(), a.path.clone())).collect();
        collect::explicit(&root, cwd, &policy, &args)?
    };

    let output_dir = match &evidence.output_dir {
        Some(dir) => paths::absolute(cwd, dir),
        None => root.join(DEFAULT_OUTPUT_DIR),
    };
    let shown_output = paths::display(&root, &output_dir);
    check_output_dir(&output_dir, &shown_output, &collected, &root)?;

    let Collected { artifacts, ignored, discovery_root, .. } = collected;
    let to_read: Vec<&Path> = artifacts.iter().map(|a| a.path.as_path()).collect();
    let mut formats = policy.formats.clone();
    formats.slsa_subjects = release_artifacts(&root, &policy.slsa_release_artifacts)?;
    let read_policy = ReadPolicy { formats, max_parse_bytes: policy.max_parse_bytes };
    let reads = read::read_all(&to_read, &read_policy);
    let report = decide::decide(Input {
        release,
        generated_at,
        policy,
        stubs,
        artifacts: artifacts.into_iter().zip(reads).collect(),
        ignored,
        discovery_root,
    });
    let report_sha256 = write::write_report(&output_dir, &shown_output, &report)?;
    Ok(Gated { report, output_dir: shown_output, report_sha256 })
}

/// The release artifacts SLSA provenance must cover: each file the patterns
/// match (from the workspace root), with its sha256. A pattern that matches
/// nothing is an error: provenance cannot be checked against a missing file.
fn release_artifacts(root: &Path, patterns: &[String]) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pattern in patterns {
        let full = format!("{}/{pattern}", glob::Pattern::escape(&root.to_string_lossy()));
        let paths = glob::glob(&full).with_context(|| {
            format!("invalid pattern `{pattern}` in `formats.slsa-release-artifacts`")
        })?;
        let mut matched = 0;
        for path in paths.filter_map(Result::ok).filter(|p| p.is_file()) {
            let sha256 = read::hash_file(&path).with_context(|| {
                format!("cannot read release artifact `{}`", paths::display(root, &path))
            })?;
            out.push((paths::display(root, &path), sha256));
            matched += 1;
        }
        if matched == 0 {
            bail!("`formats.slsa-release-artifacts` pattern `{pattern}` matches no file; build the release artifacts first or correct the pattern");
        }
    }
    out.sort();
    Ok(out)
}

/// Runs the stub generator as a real subprocess, the way a CI job would.
fn generate_stubs(
    sh: &Shell,
    release: &str,
    out: &Path,
    fail: &[String],
    omit: &[String],
    invalid: &[String],
) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut extra = Vec::new();
    for (flag, domains) in [("--fail", fail), ("--omit", omit), ("--invalid", invalid)] {
        for domain in domains {
            extra.push(flag.to_string());
            extra.push(domain.clone());
        }
    }
    xshell::cmd!(sh, "{cargo} run --quiet --package evidence-stubs -- --release {release} --out {out} {extra...}")
        .quiet()
        .ignore_stdout()
        .run()
        .context("the stub generator `evidence-stubs` failed")?;
    Ok(())
}

/// The report must not land among the evidence it judges: the next discovery
/// would read it as evidence, and the gate never writes into the evidence tree.
fn check_output_dir(output: &Path, shown: &str, collected: &Collected, root: &Path) -> Result<()> {
    let output_real = paths::resolve(output);
    for input in &collected.input_dirs {
        let input_real = paths::resolve(input);
        if output.starts_with(input) || output_real.starts_with(&input_real) {
            bail!(
                "output folder `{shown}` is inside the evidence folder `{}`; pass `--output-dir` a folder outside the evidence tree",
                paths::display(root, input)
            );
        }
    }
    Ok(())
}

/// What the terminal shows: the verdict, each blocker, where the report is.
pub fn summary(report: &Report, output_dir: &str) -> String {
    let mut out = String::new();
    if report.stub_evidence {
        out.push_str(
            "stub evidence: this report proves the gate works; it is no release evidence\n",
        );
    }
    out.push_str(&format!(
        "release gate `{}`: level `{}`, score {} ({} of {} required domains passed)\n",
        report.release,
        report.level.as_str(),
        report.score,
        report.passed_required,
        report.required_total
    ));
    for blocker in &report.blockers {
        out.push_str(&format!("blocker `{}`: {}\n", blocker.code, blocker.message));
    }
    if !report.warnings.is_empty() {
        out.push_str(&format!("{} warning(s): see the report\n", report.warnings.len()));
    }
    out.push_str(&format!("report: {output_dir}/{}\n", write::REPORT_MD));
    out
}

/// `SOURCE_DATE_EPOCH` as RFC 3339 UTC, when set; the report has no clock otherwise.
fn source_date_epoch() -> Result<Option<String>> {
    let Some(raw) = std::env::var_os("SOURCE_DATE_EPOCH") else { return Ok(None) };
    let raw = raw.to_string_lossy();
    let secs: i64 = raw
        .trim()
        .parse()
        .ok()
        .filter(|s| (0..=253_402_300_799).contains(s))
        .with_context(|| format!("`SOURCE_DATE_EPOCH` is `{raw}`: expected whole seconds since 1970-01-01 (for example `1700000000`)"))?;
    Ok(Some(rfc3339(secs)))
}

/// Seconds since the Unix epoch (0 to year 9999) as `YYYY-MM-DDTHH:MM:SSZ`.
fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn epoch_to_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
    }
}
