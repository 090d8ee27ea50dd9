//! `cargo xtask release-gate`: the final go/no-go of a release.
//!
//! Exit 0 only when the level is `ga_ready`; 1 when there are blockers (the
//! report is still written); 2 for usage, configuration and I/O errors.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::Shell;

use crate::flags::{EvidenceArgs, ReleaseGate};
use crate::gate::collect::{self, Collected};
use crate::gate::paths::DEFAULT_ARTIFACTS_ROOT;
use crate::present;
use jiff::Timestamp;

use crate::gate::config::{Overrides, Policy, WAIVERS_FILE};
use crate::gate::decide::{self, Baseline, Input};
use crate::gate::model::{Level, Report, SCHEMA_VERSION};
use crate::gate::read::ReadPolicy;
use crate::gate::trust::Binding;
use crate::gate::{paths, read, write};
use crate::project::{self, Project};

/// Under the stubs folder: where `--stubs` writes its report by default.
pub const STUBS_OUTPUT_DIR: &str = "production_maturity/report";

impl ReleaseGate {
    pub fn run(self, sh: &Shell, project: &Project, cwd: &Path) -> Result<u8> {
        let release = match self.release {
            Some(release) if release.trim().is_empty() => {
                bail!("`--release` is empty; pass a release id such as `v1.2.3`")
            }
            Some(release) => release,
            None => format!("v{}", project.version()?),
        };
        let mut evidence = self.evidence;
        if self.stubs {
            // Beside the build, wherever `CARGO_TARGET_DIR` puts it: never a
            // `target/` of its own in the workspace.
            let stubs_dir = match &self.stubs_dir {
                Some(dir) => paths::absolute(cwd, dir),
                None => project.target_dir.join("evidence-stubs"),
            };
            // Quarantine by real path: through a symlink (of the folder or
            // a parent) the stubs must not land in the evidence tree.
            let stubs_real = paths::resolve(&stubs_dir);
            let evidence_roots = std::iter::once(sh.current_dir().join(DEFAULT_ARTIFACTS_ROOT))
                .chain(evidence.artifacts_root.as_ref().map(|d| paths::absolute(cwd, d)));
            for evidence_root in evidence_roots {
                let real = paths::resolve(&evidence_root);
                if stubs_real.starts_with(&real) || stubs_dir.starts_with(&evidence_root) {
                    bail!(
                        "`--stubs-dir {}` is inside the evidence folder `{}` (by its real path, through any symlink): stubs never go into the evidence tree; pass a folder under `target/`",
                        paths::display(&sh.current_dir(), &stubs_dir),
                        paths::display(&sh.current_dir(), &evidence_root)
                    );
                }
            }
            generate_stubs(
                sh,
                &release,
                &stubs_dir,
                &self.stub_fail,
                &self.stub_omit,
                &self.stub_invalid,
            )?;
            match &evidence.output_dir {
                // Never over a real report: stub reports live beside the stubs.
                None => evidence.output_dir = Some(stubs_dir.join(STUBS_OUTPUT_DIR)),
                Some(dir) => {
                    // Nor anywhere in the evidence tree (the real report's
                    // folder included), by real path.
                    let out = paths::absolute(cwd, dir);
                    let real_root = paths::resolve(&sh.current_dir().join(DEFAULT_ARTIFACTS_ROOT));
                    if paths::resolve(&out).starts_with(&real_root)
                        || out.starts_with(sh.current_dir().join(DEFAULT_ARTIFACTS_ROOT))
                    {
                        bail!(
                            "`--stubs` with `--output-dir {}`: a stub report never goes into `{DEFAULT_ARTIFACTS_ROOT}/`, where it could pass for the real one; leave `--output-dir` out (the report goes beside the stubs) or pass a folder under `target/`",
                            paths::display(&sh.current_dir(), &out)
                        );
                    }
                }
            }
            evidence.artifacts_root = Some(stubs_dir);
        }
        let gated = gate(sh, project, cwd, release, &evidence, self.stubs)?;
        present::present(&gated.report, &gated.output_dir, present::format(self.format))?;
        let code = gated.exit_code();
        // The process ends here: with thousands of artifacts, freeing the
        // report one allocation at a time (in the unoptimized xtask) took
        // longer than writing it. The operating system takes it back whole.
        std::mem::forget(gated);
        Ok(code)
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
    pub fn exit_code(&self) -> u8 {
        if self.report.level == Level::GaReady {
            0
        } else {
            1
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
    let mut timings = Timings::from_env();
    let root = sh.current_dir();
    let waivers_path = root.join(WAIVERS_FILE);
    let waivers_text = match read::read_regular(&waivers_path, read::limits::WAIVERS) {
        Ok(bytes) => Some(String::from_utf8(bytes).map_err(|_| {
            anyhow::anyhow!("cannot read `{WAIVERS_FILE}`: it is not UTF-8; save it as UTF-8")
        })?),
        // A dangling symlink is not "no waivers file": it names one the gate
        // cannot read.
        Err(read::FileError::NotFound) if std::fs::symlink_metadata(&waivers_path).is_err() => None,
        Err(read::FileError::NotFound) => bail!(
            "cannot read `{WAIVERS_FILE}`: it is a symlink to nothing; point it at the waivers file or remove it"
        ),
        Err(e) => bail!("cannot read `{WAIVERS_FILE}`: {e}; make it a regular file (or remove it)"),
    };
    let overrides = Overrides {
        require: evidence.require.as_deref(),
        max_age: evidence.max_age.as_deref(),
        no_new_blockers: evidence.no_new_blockers,
        max_parse_bytes: evidence.max_parse_bytes,
    };
    let policy = Policy::from_metadata(&project.metadata, waivers_text.as_deref(), &overrides)?;
    let epoch = project::source_date_epoch()?;
    let generated_at = epoch.map(|t| t.to_string());
    let needs_clock = policy.max_age.is_some()
        || !policy.max_age_by_domain.is_empty()
        || !policy.waivers.is_empty();
    let now = match (&evidence.now, epoch) {
        (Some(raw), _) => Some(raw.trim().parse::<Timestamp>().map_err(|_| {
            anyhow::anyhow!(
                "`--now {raw}` is not an RFC 3339 timestamp (for example `2026-11-26T12:00:00Z`)"
            )
        })?),
        (None, Some(epoch)) => Some(epoch),
        (None, None) => Some(Timestamp::now()),
    }
    .filter(|_| needs_clock);
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
    let collected = if evidence.artifacts.is_empty() {
        collect::discover(&root, &artifacts_root, &policy)?
    } else {
        let args: Vec<(String, PathBuf)> =
            evidence.artifacts.iter().map(|a| (a.domain.clone(), a.path.clone())).collect();
        collect::explicit(&root, cwd, &policy, &args)?
    };

    timings.stage("collect");
    let output_dir = paths::output_dir(&root, cwd, evidence.output_dir.as_deref());
    let shown_output = paths::display(&root, &output_dir);
    // The evidence trees the report must stay out of: this run's, and the
    // default one (a `--stubs` run reads its own tree, and still never
    // writes into the real one).
    let mut evidence_roots = vec![artifacts_root.clone(), root.join(DEFAULT_ARTIFACTS_ROOT)];
    evidence_roots.dedup();
    let mut formats = policy.formats.clone();
    formats.slsa_subjects = release_artifacts(&root, &policy.slsa_release_artifacts)?;
    let inputs = Inputs {
        files: collected
            .artifacts
            .iter()
            .map(|a| a.path.clone())
            .chain(baseline_path)
            .chain(Some(waivers_path))
            .chain(formats.slsa_subjects.iter().map(|(path, _)| root.join(path)))
            .collect(),
        folders: evidence_folders_of(&root, cwd, &evidence_roots, &collected, evidence),
    };
    if evidence.output_dir.is_none() {
        // The default report folder stays in the workspace: a symlink planted
        // in `test_artifacts/` must not steer where the gate writes.
        let real_root = paths::resolve(&root);
        if !paths::resolve(&output_dir).starts_with(&real_root) {
            bail!(
                "the default output folder `{shown_output}` resolves outside the workspace (a symlink in its path); remove the symlink, or name the folder with `--output-dir`"
            );
        }
    }
    check_output_dir(&output_dir, &shown_output, &inputs, &root, &evidence_roots)?;

    let mut evidence_folders: Vec<String> =
        collected.evidence_folders.iter().map(|d| paths::display(&root, d)).collect();
    evidence_folders.sort();
    evidence_folders.dedup();
    let Collected { artifacts, refused, ignored, discovery_root, .. } = collected;
    let to_read: Vec<(&Path, bool)> =
        artifacts.iter().map(|a| (a.path.as_path(), a.listed_as_file)).collect();
    let read_policy = ReadPolicy { formats, max_parse_bytes: policy.max_parse_bytes };
    let reads = read::read_all(&to_read, &read_policy);
    timings.stage("read");
    let formats = read_policy.formats;
    let report = decide::decide(Input {
        binding: Binding { release, commit },
        generated_at,
        now,
        formats,
        baseline,
        policy,
        stubs,
        artifacts: artifacts.into_iter().zip(reads).collect(),
        refused,
        ignored,
        discovery_root,
    });
    timings.stage("decide");
    let report_sha256 =
        write::write_report(&output_dir, &shown_output, &report, &evidence_folders)?;
    timings.stage("write");
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

/// Runs the stub generator as a real subprocess, the way a CI job would.
///
/// The subprocess is this executable in its `stub-evidence` mode, which links
/// the `evidence-stubs` library: `cargo xtask` has just checked that this
/// executable is fresh, generator included, so no second cargo call (and its
/// ~30 ms freshness check, most of a warm `--stubs` run) is needed to know
/// that the generator that runs is the one in the source tree.
fn generate_stubs(
    sh: &Shell,
    release: &str,
    out: &Path,
    fail: &[String],
    omit: &[String],
    invalid: &[String],
) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the xtask executable")?;
    // The generator runs in the workspace root: a folder under it is named
    // relative to it, so its messages name no absolute path.
    let relative = paths::display(&sh.current_dir(), out);
    let out = if relative.starts_with("..") { out.to_path_buf() } else { PathBuf::from(relative) };
    let mut extra = Vec::new();
    for (flag, domains) in [("--fail", fail), ("--omit", omit), ("--invalid", invalid)] {
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

/// `RELEASE_GATE_TIMINGS=1`: each stage's wall time on stderr, for finding
/// where a slow run spends it (`docs/performance.md`). Off by default: the
/// gate's outputs never depend on the clock.
struct Timings {
    last: Option<std::time::Instant>,
}

impl Timings {
    fn from_env() -> Timings {
        let on =
            std::env::var_os("RELEASE_GATE_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0");
        Timings { last: on.then(std::time::Instant::now) }
    }

    fn stage(&mut self, name: &str) {
        if let Some(last) = &mut self.last {
            let now = std::time::Instant::now();
            eprintln!("timing: {name} {:.1} ms", now.duration_since(*last).as_secs_f64() * 1e3);
            *last = now;
        }
    }
}

/// What the run reads, for [`check_output_dir`].
struct Inputs {
    /// Every input file: each artifact, the baseline, the waivers file, the
    /// release artifacts hashed for SLSA.
    files: Vec<PathBuf>,
    /// The evidence folders: every `<artifacts-root>/*/latest` folder, each
    /// folder given with `--artifact`, and the `latest` folder an explicitly
    /// named file lies in (if any). A file named outside any `latest` folder
    /// adds no folder: the report may be written next to it.
    folders: Vec<PathBuf>,
}

fn evidence_folders_of(
    root: &Path,
    cwd: &Path,
    evidence_roots: &[PathBuf],
    collected: &Collected,
    evidence: &EvidenceArgs,
) -> Vec<PathBuf> {
    let root_real = paths::resolve(root);
    let mut folders: Vec<PathBuf> = collected.evidence_folders.clone();
    // The latest folders the next discovery would read, in either mode.
    for artifacts_root in evidence_roots {
        let pattern =
            format!("{}/*/latest", glob::Pattern::escape(&artifacts_root.to_string_lossy()));
        if let Ok(found) = glob::glob(&pattern) {
            folders.extend(found.filter_map(Result::ok));
        }
    }
    for arg in &evidence.artifacts {
        let abs = paths::absolute(cwd, &arg.path);
        let real = cwd.join(&arg.path).canonicalize().ok();
        if real.as_ref().is_some_and(|r| r.is_dir()) {
            folders.push(abs.clone());
        }
        // The `latest` folder the file lies in, as named and by real path
        // (not one the workspace itself lies in).
        for path in std::iter::once(abs).chain(real) {
            let latest = path.ancestors().skip(1).find(|a| {
                a.file_name() == Some("latest".as_ref())
                    && !root.starts_with(a)
                    && !root_real.starts_with(a)
            });
            if let Some(latest) = latest {
                folders.push(latest.to_path_buf());
            }
        }
    }
    folders
}

/// The report must not land among the evidence it judges, nor replace any
/// file the run reads: by real path (every symlink of `--output-dir`, its
/// parents and the inputs resolved), refused are an output folder inside an
/// evidence folder, and a report file that is an input file (an input that
/// is a symlink into the report folder included). Checked before any
/// evidence is read, so a bad `--output-dir` costs nothing and the report can
/// always be written where it is asked for.
fn check_output_dir(
    output: &Path,
    shown: &str,
    inputs: &Inputs,
    root: &Path,
    evidence_roots: &[PathBuf],
) -> Result<()> {
    if output.exists() && !output.is_dir() {
        bail!("output folder `{shown}` is a file; pass `--output-dir` a folder");
    }
    if let Some(file) = output.ancestors().skip(1).find(|a| a.exists()).filter(|a| !a.is_dir()) {
        bail!(
            "output folder `{shown}` cannot be created: `{}` is a file; pass `--output-dir` a folder",
            paths::display(root, file)
        );
    }
    let output_real = paths::resolve(output);
    let mut folders: Vec<&PathBuf> = inputs.folders.iter().collect();
    folders.sort();
    folders.dedup();
    for input in folders {
        let input_real = paths::resolve(input);
        if output.starts_with(input) || output_real.starts_with(&input_real) {
            bail!(
                "output folder `{shown}` is inside the evidence folder `{}`; pass `--output-dir` a folder outside the evidence tree",
                paths::display(root, input)
            );
        }
    }
    // A `latest` folder that does not exist yet is an evidence folder too:
    // the next discovery would read the report there as evidence.
    for artifacts_root in evidence_roots {
        for (out, evidence_root) in [
            (output.to_path_buf(), artifacts_root.clone()),
            (output_real.clone(), paths::resolve(artifacts_root)),
        ] {
            let Ok(rel) = out.strip_prefix(&evidence_root) else { continue };
            let mut parts = rel.components();
            if let (Some(folder), Some(latest)) = (parts.next(), parts.next()) {
                if latest.as_os_str() == "latest" {
                    let folder = artifacts_root.join(folder).join("latest");
                    bail!(
                        "output folder `{shown}` is inside the evidence folder `{}`; pass `--output-dir` a folder outside the evidence tree",
                        paths::display(root, &folder)
                    );
                }
            }
        }
    }
    // A report file is replaced by a rename: the name in the real folder,
    // not what a symlink there points to, is what changes. The temporary
    // files are `.<name>.tmp-*` in that folder (stale ones are removed).
    let is_output = |real: &Path| {
        real.parent() == Some(output_real.as_path())
            && real.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                write::FILES.iter().any(|f| n == *f || n.starts_with(&format!(".{f}.tmp-")))
            })
    };
    // A file that is not itself a symlink is where its folder really is:
    // one resolution per folder, not one per file (thousands a run).
    let mut folders: std::collections::BTreeMap<PathBuf, PathBuf> = Default::default();
    for input in &inputs.files {
        let not_a_link =
            std::fs::symlink_metadata(input).is_ok_and(|m| !m.file_type().is_symlink());
        let real = match (not_a_link, input.parent(), input.file_name()) {
            (true, Some(parent), Some(name)) => folders
                .entry(parent.to_path_buf())
                .or_insert_with(|| paths::resolve(parent))
                .join(name),
            _ => paths::resolve(input),
        };
        if is_output(&real) {
            let name = real.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            bail!(
                "output file `{shown}/{name}` is an input of this run (`{}`): writing the report would replace it; pass `--output-dir` a folder that holds no input, or move the input out of it",
                paths::display(root, input)
            );
        }
    }
    Ok(())
}

/// What the terminal shows: the verdict, each blocker, where the report is.
pub fn summary(report: &Report, output_dir: &str) -> String {
    present::human(report, output_dir, false)
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
