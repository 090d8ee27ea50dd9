//! `cargo xtask release-gate`: the final go/no-go of a release.
//!
//! Exit 0 only when the level is `ga_ready`; 1 when there are blockers (the
//! report is still written); 2 for usage, configuration and I/O errors.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use jiff::Timestamp;
use xshell::Shell;

use crate::flags::{EvidenceArgs, ReleaseGate};
use crate::gate::config::{Overrides, Policy, WAIVERS_FILE};
use crate::gate::decide::{Baseline, Rules};
use crate::gate::model::{Report, SCHEMA_VERSION};
use crate::gate::paths::{self, DEFAULT_ARTIFACTS_ROOT};
use crate::gate::trust::Binding;
use crate::gate::write::Output;
use crate::gate::{self, read, Evidence, Gated, Inputs, Timings};
use crate::present;
use crate::project::{self, Project};

/// Under the stubs folder: where `--stubs` writes its report by default.
pub const STUBS_OUTPUT_DIR: &str = "production_maturity/report";

impl ReleaseGate {
    pub fn run(mut self, sh: &Shell, project: &Project, cwd: &Path) -> Result<u8> {
        let release = match self.release.take() {
            Some(release) if release.trim().is_empty() => {
                bail!("`--release` is empty; pass a release id such as `v1.2.3`")
            }
            Some(release) => release,
            None => format!("v{}", project.version()?),
        };
        if self.stubs {
            self.stub_evidence(sh, project, cwd, &release)?;
        }
        let gated = gate(sh, project, cwd, release, &self.evidence, self.stubs)?;
        present::present(&gated.report, &gated.output_dir, present::format(self.format))?;
        let code = gated.exit_code();
        // The process ends here: with thousands of artifacts, freeing the
        // report one allocation at a time (in the unoptimized xtask) took
        // longer than writing it. The operating system takes it back whole.
        std::mem::forget(gated);
        Ok(code)
    }

    /// `--stubs`: generates the stub evidence and points the run at it, the
    /// report beside it; refuses a stubs folder or a report folder in the real
    /// evidence tree.
    fn stub_evidence(
        &mut self,
        sh: &Shell,
        project: &Project,
        cwd: &Path,
        release: &str,
    ) -> Result<()> {
        // Beside the build, wherever `CARGO_TARGET_DIR` puts it: never a
        // `target/` of its own in the workspace.
        let stubs_dir = match &self.stubs_dir {
            Some(dir) => paths::absolute(cwd, dir),
            None => project.target_dir.join("evidence-stubs"),
        };
        // Quarantine by real path: through a symlink (of the folder or
        // a parent) the stubs must not land in the evidence tree.
        let evidence_roots = std::iter::once(sh.current_dir().join(DEFAULT_ARTIFACTS_ROOT))
            .chain(self.evidence.artifacts_root.as_ref().map(|d| paths::absolute(cwd, d)));
        for evidence_root in evidence_roots {
            if paths::inside(&stubs_dir, &evidence_root) {
                bail!(
                    "`--stubs-dir {}` is inside the evidence folder `{}` (by its real path, through any symlink): stubs never go into the evidence tree; pass a folder under `target/`",
                    paths::display(&sh.current_dir(), &stubs_dir),
                    paths::display(&sh.current_dir(), &evidence_root)
                );
            }
        }
        self.generate_stubs(sh, release, &stubs_dir)?;
        let evidence = &mut self.evidence;
        match &evidence.output_dir {
            // Never over a real report: stub reports live beside the stubs.
            None => evidence.output_dir = Some(stubs_dir.join(STUBS_OUTPUT_DIR)),
            Some(dir) => {
                // Nor anywhere in the evidence tree (the real report's
                // folder included), by real path.
                let out = paths::absolute(cwd, dir);
                if paths::inside(&out, &sh.current_dir().join(DEFAULT_ARTIFACTS_ROOT)) {
                    bail!(
                        "`--stubs` with `--output-dir {}`: a stub report never goes into `{DEFAULT_ARTIFACTS_ROOT}/`, where it could pass for the real one; leave `--output-dir` out (the report goes beside the stubs) or pass a folder under `target/`",
                        paths::display(&sh.current_dir(), &out)
                    );
                }
            }
        }
        evidence.artifacts_root = Some(stubs_dir);
        Ok(())
    }

    /// Runs the stub generator as a real subprocess, the way a CI job would.
    ///
    /// The subprocess is this executable in its `stub-evidence` mode, which links
    /// the `evidence-stubs` library: `cargo xtask` has just checked that this
    /// executable is fresh, generator included, so no second cargo call (and its
    /// freshness check, most of a warm `--stubs` run) is needed to know
    /// that the generator that runs is the one in the source tree.
    fn generate_stubs(&self, sh: &Shell, release: &str, out: &Path) -> Result<()> {
        let exe = std::env::current_exe().context("cannot find the xtask executable")?;
        // The generator runs in the workspace root: a folder under it is named
        // relative to it, so its messages name no absolute path.
        let relative = paths::display(&sh.current_dir(), out);
        let out =
            if relative.starts_with("..") { out.to_path_buf() } else { PathBuf::from(relative) };
        let mut extra = Vec::new();
        let flags = [
            ("--fail", &self.stub_fail),
            ("--omit", &self.stub_omit),
            ("--invalid", &self.stub_invalid),
        ];
        for (flag, domains) in flags {
            for domain in domains {
                extra.push(flag.to_string());
                extra.push(domain.clone());
            }
        }
        xshell::cmd!(sh, "{exe} stub-evidence --release {release} --out {out} {extra...}")
            .quiet()
            .ignore_stdout()
            .run()
            .context("the stub generator `evidence-stubs` failed")?;
        Ok(())
    }
}

/// One gate run: its inputs resolved from the environment, the flags and
/// the files, then the pipeline ([`gate::run`]). `stubs` turns the stub
/// quarantine off (and marks the report as stub-based).
pub fn gate(
    sh: &Shell,
    project: &Project,
    cwd: &Path,
    release: String,
    evidence: &EvidenceArgs,
    stubs: bool,
) -> Result<Gated> {
    let mut timings = Timings::from_env();
    let root = sh.current_dir();
    let waivers_path = root.join(WAIVERS_FILE);
    let waivers_text = read_waivers(&waivers_path)?;
    let overrides = Overrides {
        require: evidence.require.as_deref(),
        max_age: evidence.max_age.as_deref(),
        no_new_blockers: evidence.no_new_blockers,
        max_parse_bytes: evidence.max_parse_bytes,
    };
    let policy = Policy::from_metadata(&project.metadata, waivers_text.as_deref(), &overrides)?;
    let epoch = project::source_date_epoch()?;
    let now = clock(evidence.now.as_deref(), epoch, &policy)?;
    let commit = project::commit(sh, evidence.commit.as_deref());
    let baseline_path = evidence.baseline.as_ref().map(|path| paths::absolute(cwd, path));
    let baseline = match &baseline_path {
        Some(path) => Some(read_baseline(&root, path)?),
        None => None,
    };
    timings.stage("setup");
    let artifacts_root = match &evidence.artifacts_root {
        Some(dir) => paths::absolute(cwd, dir),
        None => root.join(DEFAULT_ARTIFACTS_ROOT),
    };
    let mut evidence_roots = vec![artifacts_root.clone(), root.join(DEFAULT_ARTIFACTS_ROOT)];
    evidence_roots.dedup();
    let source = if evidence.artifacts.is_empty() {
        Evidence::Discover(artifacts_root)
    } else {
        Evidence::Explicit(
            evidence.artifacts.iter().map(|a| (a.domain.clone(), a.path.clone())).collect(),
        )
    };
    let dir = paths::output_dir(&root, cwd, evidence.output_dir.as_deref());
    let shown = paths::display(&root, &dir);
    let output = Output { dir, shown, default: evidence.output_dir.is_none(), evidence_roots };
    let mut formats = policy.formats.clone();
    formats.slsa_subjects = release_artifacts(&root, &policy.slsa_release_artifacts)?;
    let other_files = baseline_path
        .into_iter()
        .chain(Some(waivers_path))
        .chain(formats.slsa_subjects.iter().map(|(path, _)| root.join(path)))
        .collect();
    let rules = Rules {
        binding: Binding { release, commit },
        generated_at: epoch.map(|t| t.to_string()),
        now,
        policy,
        formats,
        baseline,
        stubs,
    };
    let inputs =
        Inputs { root, cwd: cwd.to_path_buf(), evidence: source, rules, output, other_files };
    gate::run(inputs, &mut timings)
}

/// The instant max-ages and waiver expiry are judged at: `--now`, else
/// `SOURCE_DATE_EPOCH`, else the clock; none when the policy has neither.
fn clock(
    flag: Option<&str>,
    epoch: Option<Timestamp>,
    policy: &Policy,
) -> Result<Option<Timestamp>> {
    let needs_clock = policy.max_age.is_some()
        || !policy.max_age_by_domain.is_empty()
        || !policy.waivers.is_empty();
    let now = match (flag, epoch) {
        (Some(raw), _) => raw.trim().parse::<Timestamp>().map_err(|_| {
            anyhow::anyhow!(
                "`--now {raw}` is not an RFC 3339 timestamp (for example `2026-11-26T12:00:00Z`)"
            )
        })?,
        (None, Some(epoch)) => epoch,
        (None, None) => Timestamp::now(),
    };
    Ok(Some(now).filter(|_| needs_clock))
}

/// `release-gate-waivers.toml`, when there is one.
fn read_waivers(path: &Path) -> Result<Option<String>> {
    match read::read_regular(path, read::limits::WAIVERS) {
        Ok(bytes) => Ok(Some(String::from_utf8(bytes).map_err(|_| {
            anyhow::anyhow!("cannot read `{WAIVERS_FILE}`: it is not UTF-8; save it as UTF-8")
        })?)),
        // A dangling symlink is not "no waivers file": it names one the gate
        // cannot read.
        Err(read::FileError::NotFound) if std::fs::symlink_metadata(path).is_err() => Ok(None),
        Err(read::FileError::NotFound) => bail!(
            "cannot read `{WAIVERS_FILE}`: it is a symlink to nothing; point it at the waivers file or remove it"
        ),
        Err(e) => bail!("cannot read `{WAIVERS_FILE}`: {e}; make it a regular file (or remove it)"),
    }
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
        // Folders are not artifacts; anything else the pattern matches is
        // hashed, and a FIFO or a device is refused (never blocks).
        for path in paths.filter_map(Result::ok).filter(|p| !p.is_dir()) {
            let (_, sha256) = read::hash_file(&path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read release artifact `{}`: {e}; build the release artifacts as regular files or correct `formats.slsa-release-artifacts`",
                    paths::display(root, &path)
                )
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

/// A previous `production_maturity.json`, as the comparison needs it.
fn read_baseline(root: &Path, path: &Path) -> Result<Baseline> {
    let shown = paths::display(root, path);
    let report: Report = read::read_json(path, read::limits::BASELINE).map_err(|e| {
        anyhow::anyhow!(
            "cannot read the baseline `{shown}`: {e}; pass `--baseline` the `production_maturity.json` of a previous run"
        )
    })?;
    if report.schema_version != SCHEMA_VERSION {
        bail!("the baseline `{shown}` is not a production_maturity.json of schema_version {SCHEMA_VERSION}");
    }
    Ok(Baseline::of(shown, &report))
}
