//! docs: `cargo doc --no-deps --workspace` with warnings denied (a broken
//! intra-doc link fails, named with its file and line) and the doc tests.

use std::process::Output;

use anyhow::Result;
use xshell::cmd;

use super::{cargo, first_errors, run, say, tail, Check, Collected, Ctx};

pub fn collect(ctx: &Ctx) -> Result<Collected> {
    let sh = ctx.sh;
    let cargo = cargo();
    let mut out = Collected { tools: vec!["cargo doc"], ..Collected::default() };
    if !ctx.skipped("rustdoc") {
        say("evidence docs: rustdoc (cargo doc --no-deps --workspace, RUSTDOCFLAGS=-D warnings)");
        let doc =
            run(cmd!(sh, "{cargo} doc --no-deps --workspace").env("RUSTDOCFLAGS", "-D warnings"))?;
        out.checks.push(check("rustdoc", &doc, &doc.stderr, &[&doc.stderr]));
    }
    if !ctx.skipped("doctests") {
        say("evidence docs: doctests (cargo test --doc --workspace)");
        let doctests = run(cmd!(sh, "{cargo} test --doc --workspace"))?;
        let stderr = String::from_utf8_lossy(&doctests.stderr);
        if !doctests.status.success() && stderr.contains("no library targets found") {
            // A workspace of binaries has no doc tests to run.
            out.checks.push(Check::new("doctests", true, "no library targets: no doc tests"));
        } else {
            let streams: [&[u8]; 2] = [&doctests.stdout, &doctests.stderr];
            out.checks.push(check("doctests", &doctests, &doctests.stdout, &streams));
        }
    }
    Ok(out)
}

/// Passed, with the last line of `summary`; or failed, with the tool's
/// first errors in `errors`.
fn check(name: &str, run: &Output, summary: &[u8], errors: &[&[u8]]) -> Check {
    let passed = run.status.success();
    Check::new(name, passed, if passed { tail(summary, 1) } else { first_errors(errors, 6) })
}
