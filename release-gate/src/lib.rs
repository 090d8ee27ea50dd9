//! `release-gate`: the final go/no-go of a Rust release, as a library any
//! Cargo workspace's xtask calls.
//!
//! Specialized workflows (tests, security scans, supply-chain evidence,
//! docs builds, ...) each leave evidence; the gate finds the latest evidence,
//! checksums every file, decides per domain whether it passed, scores the
//! required domains, sets a level (`ga_ready`, `release_candidate`,
//! `blocked`), writes a deterministic JSON and Markdown report with an
//! artifact index, and exits non-zero when anything blocks the release.
//!
//! # Use it from an xtask
//!
//! The first statement of the host's `main` hands the gate's commands
//! (`release-gate`, `release`, `evidence`) to the library, which runs them
//! and exits the process with the gate's exit code; any other command line
//! returns to the host:
//!
//! ```no_run
//! fn main() {
//!     release_gate::dispatch();
//!     // ... the host's own commands
//! }
//! ```
//!
//! An xtask that is only the gate:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     release_gate::main()
//! }
//! ```
//!
//! Exit codes: 0 the gate is open (`ga_ready`), 1 blockers (the report is
//! written), 2 usage, configuration or I/O errors.
//!
//! # The pipeline
//!
//! [`gate`] reads top to bottom: collect -> read and hash -> understand the
//! format -> decide (pure) -> render (pure) -> write atomically -> index. The
//! report's types are in [`gate::model`].

#![forbid(unsafe_code)]
// The examples show a host's whole `main`: that is the point.
#![allow(clippy::needless_doctest_main)]

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use xshell::Shell;

pub mod collectors;
mod explain;
pub mod flags;
pub mod gate;
#[cfg(feature = "init")]
pub mod init;
mod present;
pub mod project;
mod release;
mod release_gate;
pub mod stubs;
mod verify;

use gate::escape::terminal;

/// The commands the library runs when they come first on the command line.
pub const COMMANDS: &[&str] = &["release-gate", "release", "evidence", "stub-evidence"];

/// Runs the gate's command when the process's first argument names one
/// ([`COMMANDS`]), then exits the process with the gate's exit code (0, 1 or
/// 2). Returns when the first argument is anything else, so the host's own
/// commands run as before. Call it first in the host's `main`.
pub fn dispatch() {
    let args: Vec<OsString> = std::env::args_os().collect();
    let first = args.get(1).and_then(|a| a.to_str());
    if first.is_some_and(|a| COMMANDS.contains(&a)) {
        let code = run_args(args);
        // `exit` runs no destructors: what was printed must be flushed first.
        let _ = std::io::stdout().flush();
        std::process::exit(i32::from(code));
    }
}

/// The `main` of an xtask that is only the gate: runs the command line
/// (`cargo xtask release-gate ...`, `release`, `evidence`) and returns its
/// exit code.
pub fn main() -> ExitCode {
    ExitCode::from(run_args(std::env::args_os()))
}

/// Runs one gate command line (the program name first) and returns its exit
/// code: 0 the gate is open, 1 blockers, 2 errors. Usage errors and `--help`
/// are printed by clap, which exits the process itself.
pub fn run_args(args: impl IntoIterator<Item = OsString>) -> u8 {
    let flags = flags::Xtask::parse_from(args);
    match run(flags) {
        Ok(code) => code,
        Err(err) => {
            // One line, whatever the message quotes (a file name, `--release`):
            // no input can start a line of its own in a CI log. A failing
            // stderr (`2>/dev/full`) changes nothing: the exit code says it.
            let message = format!("{err:#}");
            let _ = writeln!(std::io::stderr(), "error: {}", terminal(&message));
            2
        }
    }
}

fn run(flags: flags::Xtask) -> anyhow::Result<u8> {
    if let flags::Command::StubEvidence(cmd) = flags.command {
        // Needs no workspace: it writes where its arguments say.
        let program = OsString::from("evidence-stubs");
        return Ok(stubs::main_with(std::iter::once(program).chain(cmd.args)));
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let project = project::Project::load()?;
    let sh = Shell::new()?;
    sh.change_dir(&project.root);
    match flags.command {
        flags::Command::ReleaseGate(mut cmd) => match (cmd.action.take(), cmd.explain.take()) {
            (Some(flags::GateAction::Verify(verify)), _) => verify.run(&sh, &project, &cwd),
            (None, Some(code)) => {
                explain::run(&sh, &cwd, &code, cmd.evidence.output_dir.as_deref())
            }
            (None, None) => cmd.run(&sh, &project, &cwd),
        },
        flags::Command::Release(cmd) => cmd.run(&sh, &project, &cwd),
        flags::Command::Evidence(cmd) => cmd.run(&sh, &project),
        flags::Command::StubEvidence(_) => Ok(0),
    }
}
