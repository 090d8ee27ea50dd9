//! The gate as a pipeline that reads top to bottom, one stage a module:
//! collect -> read and hash -> understand the format -> decide (pure) ->
//! render (pure) -> write atomically -> index. [`run`] wires the stages; what
//! it gates (the policy, the clock, the binding, the baseline) the command
//! resolves from the environment, the flags and the files.

use std::path::{Path, PathBuf};

use anyhow::Result;

pub mod attest;
pub mod collect;
pub mod config;
pub mod decide;
pub mod escape;
pub mod formats;
pub mod model;
pub mod paths;
pub mod read;
pub mod render;
pub mod trust;
pub mod write;

use model::{Level, Report};

/// Everything one run gates, resolved.
pub struct Inputs {
    /// The workspace root: every path the report names is relative to it.
    pub root: PathBuf,
    /// The working directory, which relative command-line paths start from.
    pub cwd: PathBuf,
    pub evidence: Evidence,
    pub rules: decide::Rules,
    pub output: write::Output,
    /// The files the run reads besides the evidence (the baseline, the
    /// waivers file, the release artifacts): the report must not replace one.
    pub other_files: Vec<PathBuf>,
}

/// Where the evidence is.
pub enum Evidence {
    /// Discovered under `<root>/*/latest/`.
    Discover(PathBuf),
    /// Named one by one (`--artifact DOMAIN=PATH`, relative to the working
    /// directory).
    Explicit(Vec<(String, PathBuf)>),
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
    /// 0 when the gate is open, else 1.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.report.level != Level::GaReady)
    }
}

/// The pipeline: collect, check where the report goes, read and hash,
/// decide, render and write, index.
pub fn run(inputs: Inputs, timings: &mut Timings) -> Result<Gated> {
    let Inputs { root, cwd, evidence, rules, output, other_files } = inputs;
    let policy = &rules.policy;
    let collected = match &evidence {
        Evidence::Discover(artifacts_root) => collect::discover(&root, artifacts_root, policy)?,
        Evidence::Explicit(args) => collect::explicit(&root, &cwd, policy, args)?,
    };
    timings.stage("collect");
    let files = collected.artifacts.iter().map(|a| a.path.as_path());
    let files: Vec<&Path> = files.chain(other_files.iter().map(PathBuf::as_path)).collect();
    let folders = evidence_folders(&root, &cwd, &output.evidence_roots, &collected, &evidence);
    output.check(&root, &folders, &files)?;
    let evidence_folders = collected.evidence_folders.iter().map(|d| paths::display(&root, d));
    let mut evidence_folders: Vec<String> = evidence_folders.collect();
    evidence_folders.sort();
    evidence_folders.dedup();
    let collect::Collected { artifacts, refused, ignored, discovery_root, .. } = collected;
    let to_read: Vec<_> = artifacts.iter().map(|a| (a.path.as_path(), a.listed_as_file)).collect();
    let formats = rules.formats.clone();
    let reads = read::read_all(
        &to_read,
        &read::ReadPolicy { formats, max_parse_bytes: policy.max_parse_bytes },
    );
    timings.stage("read");
    let artifacts = artifacts.into_iter().zip(reads).collect();
    let input = decide::Input { rules, artifacts, refused, ignored, discovery_root };
    let report = decide::decide(input);
    timings.stage("decide");
    let report_sha256 =
        write::write_report(&output.dir, &output.shown, &report, &evidence_folders)?;
    timings.stage("write");
    Ok(Gated { report, output_dir: output.shown, report_sha256 })
}

/// The evidence folders the report must stay out of: every
/// `<artifacts-root>/*/latest` folder, each folder given with `--artifact`,
/// and the `latest` folder an explicitly named file lies in (if any). A file
/// named outside any `latest` folder adds no folder: the report may be
/// written next to it.
fn evidence_folders(
    root: &Path,
    cwd: &Path,
    evidence_roots: &[PathBuf],
    collected: &collect::Collected,
    evidence: &Evidence,
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
    let Evidence::Explicit(args) = evidence else { return folders };
    for (_, path) in args {
        let abs = paths::absolute(cwd, path);
        let real = cwd.join(path).canonicalize().ok();
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

/// `RELEASE_GATE_TIMINGS=1`: each stage's wall time on stderr, and where the
/// system says (Linux) the process's peak memory so far, for finding where
/// a slow or large run spends it (`docs/performance.md`). Off by default: the
/// gate's outputs never depend on the clock.
pub struct Timings(Option<std::time::Instant>);

/// The process's peak resident set so far (`VmHWM`), where `/proc` has it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    line.trim().strip_suffix("kB")?.trim().parse().ok()
}

impl Timings {
    pub fn from_env() -> Timings {
        let on =
            std::env::var_os("RELEASE_GATE_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0");
        Timings(on.then(std::time::Instant::now))
    }

    pub fn stage(&mut self, name: &str) {
        if let Some(last) = &mut self.0 {
            let now = std::time::Instant::now();
            let ms = now.duration_since(*last).as_secs_f64() * 1e3;
            match peak_rss_kib() {
                Some(kib) => {
                    eprintln!("timing: {name} {ms:.1} ms, peak {:.1} MiB", kib as f64 / 1024.0)
                }
                None => eprintln!("timing: {name} {ms:.1} ms"),
            }
            *last = now;
        }
    }
}
