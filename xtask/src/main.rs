//! `cargo xtask`: this workspace's commands. The gate's commands
//! (`release-gate`, `release`, `evidence`) come from the `release-gate`
//! library, exactly as in any workspace that adopts it (`release-gate init`);
//! the rest is this repository's own: `bench`.
//!
//! One module per subcommand, each a `run(self, sh)` on its flags struct, one
//! [`Shell`] rooted at the workspace root. `main` prints the error chain once
//! and maps outcomes to exit codes: 0 success, 1 a failed check, 2 errors.

mod bench;
mod own_evidence;
mod readme;

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use release_gate::gate::escape::terminal;
use release_gate::project::Project;
use xshell::Shell;

/// This workspace's own commands (the gate's are the library's).
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    after_help = "The release gate's commands, from the `release-gate` library: `cargo xtask release-gate`, `cargo xtask release`, `cargo xtask evidence` (each with `--help`)."
)]
pub struct Xtask {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Measure the gate against `openssl` and `sha256sum`: medians, ratios, targets.
    Bench(Bench),
    /// The `cdc` evidence: the gate's replay and idempotency (run by `cargo xtask evidence cdc`).
    Replay(own_evidence::Replay),
    /// The `performance` evidence: `bench --quick` against the committed baseline.
    PerformanceEvidence(own_evidence::PerformanceEvidence),
    /// Every `cargo xtask` command in README.md's `sh` blocks parses (a `docs` check).
    ReadmeCheck(readme::ReadmeCheck),
}

#[derive(Debug, Args)]
pub struct Bench {
    /// Every scenario on small inputs, in seconds: proves the benchmark works
    /// (a missed target is marked, not an error).
    #[arg(long)]
    pub quick: bool,

    /// Runs per measurement; the table shows medians [default: 5, with `--quick` 3;
    /// the cold build: 1 pair, or N pairs when given].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub runs: Option<u32>,

    /// Leave out the cold build (`cargo build -p xtask` and its floor crate from clean targets, ~1 minute).
    #[arg(long)]
    pub no_cold_build: bool,

    /// Run only this scenario (repeatable): hash, evidence, sarif, cyclonedx,
    /// spdx, junit, cargo-audit, cargo-deny, warm, gate-stubs, scale, cold-build.
    #[arg(long, value_name = "SCENARIO")]
    pub only: Vec<String>,
}
fn main() -> ExitCode {
    // `release-gate`, `release`, `evidence`: run by the library, which exits.
    release_gate::dispatch();
    let flags = Xtask::parse();
    match run(flags) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let message = format!("{err:#}");
            let _ = writeln!(std::io::stderr(), "error: {}", terminal(&message));
            ExitCode::from(2)
        }
    }
}

fn run(flags: Xtask) -> anyhow::Result<u8> {
    let project = Project::load()?;
    let sh = Shell::new()?;
    sh.change_dir(&project.root);
    match flags.command {
        Command::Bench(cmd) => cmd.run(&sh, &project),
        Command::Replay(cmd) => cmd.run(&sh, &project),
        Command::PerformanceEvidence(cmd) => cmd.run(&sh, &project),
        Command::ReadmeCheck(cmd) => cmd.run(&sh),
    }
}
