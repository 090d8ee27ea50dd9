//! The `evidence-stubs` binary: see the library for what it writes.

use std::process::ExitCode;

fn main() -> ExitCode {
    evidence_stubs::main_with(std::env::args_os())
}
