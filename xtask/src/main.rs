//! `cargo xtask`: this workspace's release pipeline.
//!
//! One module per subcommand, each a `run(self, sh)` on its flags struct, one
//! [`Shell`] rooted at the workspace root. `main` prints the error chain once
//! and maps outcomes to exit codes: 0 the gate is open, 1 blockers, 2 errors.

mod bench;
mod evidence;
mod explain;
mod flags;
mod present;
mod project;
mod release;
mod release_gate;
mod verify;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use xshell::Shell;
use xtask::gate::escape::terminal;

fn main() -> ExitCode {
    let flags = flags::Xtask::parse();
    match run(flags) {
        Ok(code) => code,
        Err(err) => {
            // One line, whatever the message quotes (a file name, `--release`):
            // no input can start a line of its own in a CI log. A failing
            // stderr (`2>/dev/full`) changes nothing: the exit code says it.
            let message = format!("{err:#}");
            let _ = writeln!(std::io::stderr(), "error: {}", terminal(&message));
            ExitCode::from(2)
        }
    }
}

fn run(flags: flags::Xtask) -> anyhow::Result<ExitCode> {
    if let flags::Command::StubEvidence(cmd) = flags.command {
        // Needs no workspace: it writes where its arguments say.
        let program = std::ffi::OsString::from("evidence-stubs");
        return Ok(evidence_stubs::main_with(std::iter::once(program).chain(cmd.args)));
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let project = project::Project::load()?;
    let sh = Shell::new()?;
    sh.change_dir(&project.root);
    match flags.command {
        flags::Command::ReleaseGate(cmd) => cmd.run(&sh, &project, &cwd),
        flags::Command::Release(cmd) => cmd.run(&sh, &project, &cwd),
        flags::Command::Evidence(cmd) => cmd.run(&sh, &project),
        flags::Command::Bench(cmd) => cmd.run(&sh, &project),
        flags::Command::StubEvidence(_) => Ok(ExitCode::SUCCESS),
    }
}
