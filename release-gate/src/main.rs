//! The `release-gate` binary: `release-gate init` adopts the gate into a
//! workspace; every other command line runs the gate's commands as a host's
//! xtask does (`release-gate release-gate --stubs`, `release-gate evidence
//! all`, ...; the end-to-end tests drive the gate this way).

#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    #[cfg(feature = "init")]
    if std::env::args_os().nth(1).is_some_and(|a| a == "init") {
        return init::main();
    }
    release_gate::main()
}

#[cfg(feature = "init")]
mod init {
    use std::io::Write;
    use std::path::PathBuf;
    use std::process::ExitCode;

    use clap::{Args, Parser, Subcommand};
    use release_gate::gate::escape::terminal;
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

    pub fn main() -> ExitCode {
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
                let message = format!("{err:#}");
                let _ = writeln!(std::io::stderr(), "error: {}", terminal(&message));
                ExitCode::from(2)
            }
        }
    }
}
