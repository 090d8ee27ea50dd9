//! The command line. Only parsing lives here; each subcommand's behaviour is in
//! its own module.

// The doc comments here are the `--help` text, written as clap shows it
// (`[default: ...]`, `<folder>`), not rustdoc links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The release pipeline of this workspace.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask", version)]
pub struct Xtask {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Gate a release on its evidence: exit 0 only at level `ga_ready` (no unwaived blocker, score at least `ga-min-score`).
    ReleaseGate(ReleaseGate),
    /// Tag a release after the gate passed on real evidence (a dry run unless `--execute`).
    Release(Release),
    /// Run the real tools for this workspace and write their evidence under test_artifacts/.
    Evidence(Collect),
    /// The stub generator (`evidence-stubs ARGS...`), as `release-gate --stubs`
    /// runs it in a subprocess.
    #[command(hide = true, disable_help_flag = true)]
    StubEvidence(StubEvidence),
}

#[derive(Debug, Args)]
pub struct StubEvidence {
    /// The generator's arguments, passed through.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
pub struct Collect {
    /// The domain to collect evidence for (any configured domain), or `all`: the required domains.
    #[arg(value_name = "DOMAIN|all")]
    pub domain: String,

    /// Release id bound into the evidence [default: `v` + the workspace version].
    #[arg(long, value_name = "ID")]
    pub release: Option<String>,

    /// The commit bound into the evidence [default: `$GITHUB_SHA`, else `git rev-parse HEAD`].
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,

    /// Write under DIR/<folder>/latest/.
    #[arg(long, value_name = "DIR", default_value = "test_artifacts")]
    pub artifacts_root: PathBuf,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ReleaseGate {
    #[command(subcommand)]
    pub action: Option<GateAction>,

    /// Release id written into the report [default: `v` + the workspace version].
    #[arg(long, value_name = "ID")]
    pub release: Option<String>,

    #[command(flatten)]
    pub evidence: EvidenceArgs,

    /// Generate stub evidence first and gate it (proves the gate works; never release evidence).
    #[arg(long, conflicts_with_all = ["artifacts", "artifacts_root"])]
    pub stubs: bool,

    /// Where `--stubs` writes its stub evidence tree [default: `evidence-stubs` in the target directory].
    #[arg(long, value_name = "DIR", requires = "stubs")]
    pub stubs_dir: Option<PathBuf>,

    /// With `--stubs`: make this domain's stub fail (repeatable).
    #[arg(long, value_name = "DOMAIN", requires = "stubs")]
    pub stub_fail: Vec<String>,

    /// With `--stubs`: leave this domain's stub out (repeatable).
    #[arg(long, value_name = "DOMAIN", requires = "stubs")]
    pub stub_omit: Vec<String>,

    /// With `--stubs`: make this domain's stub invalid JSON (repeatable).
    #[arg(long, value_name = "DOMAIN", requires = "stubs")]
    pub stub_invalid: Vec<String>,

    /// What stdout shows [default: `github` when `GITHUB_ACTIONS=true`, else `human`].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<OutputFormat>,

    /// Explain a blocker code (for example `security.not_passed`) with what the
    /// last run found and how to reproduce it, instead of gating.
    #[arg(long, value_name = "CODE", conflicts_with_all = ["stubs", "artifacts"])]
    pub explain: Option<String>,
}

/// What `release-gate` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// A short summary, colored on a terminal unless `NO_COLOR` is set.
    Human,
    /// The report JSON.
    Json,
    /// GitHub Actions workflow commands: annotations and groups.
    Github,
}

#[derive(Debug, Subcommand)]
pub enum GateAction {
    /// Re-check a report folder: every indexed file still has its recorded bytes and sha256.
    Verify(Verify),
}

#[derive(Debug, Args)]
pub struct Verify {
    /// The report folder [default: test_artifacts/production_maturity/report].
    #[arg(value_name = "REPORT_DIR")]
    pub dir: Option<PathBuf>,
}

/// Where the evidence is, where the report goes, what is required: shared by
/// `release-gate` and `release`.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    /// Gate this file as the evidence of DOMAIN (repeatable); turns discovery off.
    #[arg(long = "artifact", value_name = "DOMAIN=PATH", value_parser = parse_artifact_arg)]
    pub artifacts: Vec<ArtifactArg>,

    /// Discover evidence under DIR/*/latest/ [default: test_artifacts].
    #[arg(long, value_name = "DIR", conflicts_with = "artifacts")]
    pub artifacts_root: Option<PathBuf>,

    /// Write the report here [default: test_artifacts/production_maturity/report;
    /// with `--stubs`: <stubs-dir>/production_maturity/report].
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Required domains for this run, comma separated (overrides the config).
    #[arg(long, value_name = "DOMAIN,...", value_delimiter = ',')]
    pub require: Option<Vec<String>>,

    /// The commit under test [default: `$GITHUB_SHA`, else `git rev-parse HEAD`].
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,

    /// Judge max-ages and waiver expiry at this instant (RFC 3339) [default:
    /// `SOURCE_DATE_EPOCH`, else the clock].
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,

    /// Evidence older than this (`36h`, `7d`) is stale, for this run.
    #[arg(long, value_name = "DURATION")]
    pub max_age: Option<String>,

    /// Files up to BYTES are read into memory and may be any format; larger
    /// ones are read as a stream, in the formats that stream (the gate's own
    /// evidence, SARIF, CycloneDX, SPDX, cargo-audit, JUnit, cargo-deny), for
    /// this run [default: `max-parse-bytes` in the config, 134217728].
    #[arg(long, value_name = "BYTES")]
    pub max_parse_bytes: Option<u64>,

    /// Compare with a previous `production_maturity.json`.
    #[arg(long, value_name = "PATH")]
    pub baseline: Option<PathBuf>,

    /// With `--baseline`: a blocker that is new versus the baseline fails the gate, waived or not.
    #[arg(long, requires = "baseline")]
    pub no_new_blockers: bool,
}

#[derive(Debug, Args)]
pub struct Release {
    /// The version to release, with or without a leading `v` [default: `$NEW_VERSION`].
    pub version: Option<String>,

    #[command(flatten)]
    pub evidence: EvidenceArgs,

    /// Create the annotated tag (without it: a dry run that prints the steps).
    #[arg(long)]
    pub execute: bool,

    /// Also push the tag (with `--execute`).
    #[arg(long)]
    pub push: bool,

    /// The remote `--push` pushes to.
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,
}

/// One `--artifact DOMAIN=PATH`.
#[derive(Debug, Clone)]
pub struct ArtifactArg {
    pub domain: String,
    pub path: PathBuf,
}

fn parse_artifact_arg(s: &str) -> Result<ArtifactArg, String> {
    let Some((domain, path)) = s.split_once('=') else {
        return Err(format!("expected DOMAIN=PATH, found `{s}` (no `=`)"));
    };
    let domain = domain.trim();
    if domain.is_empty() {
        return Err(format!("expected DOMAIN=PATH, found `{s}` (empty domain)"));
    }
    if path.is_empty() {
        return Err(format!("expected DOMAIN=PATH, found `{s}` (empty path)"));
    }
    Ok(ArtifactArg { domain: domain.to_string(), path: PathBuf::from(path) })
}
