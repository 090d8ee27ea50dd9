//! `release-gate`: the command that adopts the gate into a workspace
//! (`release-gate init`). `main` prints the error chain once, on one line,
//! and exits 2 on any error.

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use release_gate::init::Init;

/// The release gate for Rust workspaces.
#[derive(Debug, Parser)]
#[command(name = "release-gate", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Adopt the gate: an xtask, the policy, the `cargo xtask` alias, the workflow.
    Init(InitArgs),
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The host workspace's root folder.
    #[arg(value_name = "HOST_DIR", default_value = ".")]
    host: PathBuf,
    /// Depend on the library by path (the release-gate repository or its
    /// `release-gate` crate folder) instead of by version.
    #[arg(long, value_name = "DIR")]
    path: Option<PathBuf>,
    /// Print the diff of every file init would create or change; write nothing.
    #[arg(long)]
    dry_run: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init(args) => {
            let init = Init { host: args.host, path: args.path, dry_run: args.dry_run };
            init.run().and_then(|outcome| {
                std::io::stdout()
                    .write_all(outcome.render().as_bytes())
                    .map_err(|err| anyhow::anyhow!("cannot write to stdout: {err}"))
            })
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever a file name or a message quotes.
            let message: String = format!("{err:#}")
                .chars()
                .flat_map(|c| {
                    let escaped: Vec<char> =
                        if c.is_control() { c.escape_default().collect() } else { vec![c] };
                    escaped
                })
                .collect();
            let _ = writeln!(std::io::stderr(), "error: {message}");
            ExitCode::from(2)
        }
    }
}
