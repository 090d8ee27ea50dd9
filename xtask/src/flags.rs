//! The command line. Only parsing lives here; each subcommand's behaviour is in
//! its own module.

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
    /// Gate a release on its evidence: exit 0 only when every required domain passed.
    ReleaseGate(ReleaseGate),
}

#[derive(Debug, Args)]
pub struct ReleaseGate {
    /// Release id written into the report [default: `v` + the workspace version].
    #[arg(long, value_name = "ID")]
    pub release: Option<String>,

    /// Gate this file as the evidence of DOMAIN (repeatable); turns discovery off.
    #[arg(long = "artifact", value_name = "DOMAIN=PATH", value_parser = parse_artifact_arg)]
    pub artifacts: Vec<ArtifactArg>,

    /// Discover evidence under DIR/*/latest/ [default: test_artifacts].
    #[arg(long, value_name = "DIR")]
    pub artifacts_root: Option<PathBuf>,

    /// Write the report here [default: test_artifacts/production_maturity/report].
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Required domains for this run, comma separated (overrides the config).
    #[arg(long, value_name = "DOMAIN,...", value_delimiter = ',')]
    pub require: Option<Vec<String>>,
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
