//! The `release-gate` binary: every gate command, as a host's xtask runs
//! them (`release-gate release-gate --stubs`, ...).

fn main() -> std::process::ExitCode {
    release_gate::main()
}
