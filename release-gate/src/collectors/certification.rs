//! certification: the workspace's tests. cargo-nextest with a JUnit report
//! when installed (or `test-runner = "nextest"`), else `cargo test`
//! (`test-runner = "cargo-test"` forces it). A failure names the failing
//! tests and the first panic.

use std::fs;

use anyhow::{Context, Result};
use xshell::cmd;

use super::config::TestRunner;
use super::{cargo, first_errors, has_cargo_tool, run, say, scratch, Check, Collected, Ctx};

/// The nextest profile the collector adds (as a tool config, so the host's
/// own `.config/nextest.toml` still applies): a JUnit report, no fail-fast.
const NEXTEST_PROFILE: &str = "release-gate";
/// Its store (where the JUnit report lands) is set to the collector's
/// scratch folder: nextest's default, `target/nextest` under the workspace
/// root, ignores `CARGO_TARGET_DIR`.
fn nextest_config(store: &std::path::Path) -> String {
    let store = store.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    format!("[store]\ndir = \"{store}\"\n\n[profile.{NEXTEST_PROFILE}]\nfail-fast = false\n\n[profile.{NEXTEST_PROFILE}.junit]\npath = \"junit.xml\"\n")
}

pub fn collect(ctx: &Ctx) -> Result<Collected> {
    if ctx.skipped("tests") {
        return Ok(Collected::default());
    }
    let nextest = match ctx.config.test_runner {
        TestRunner::CargoTest => false,
        TestRunner::Nextest if !has_cargo_tool(ctx.sh, "nextest") => {
            let check = Check::not_run(
                "tests",
                "the policy says `test-runner = \"nextest\"`, and cargo-nextest is not installed (`cargo install cargo-nextest --locked`)",
            );
            return Ok(Collected { checks: vec![check], ..Collected::default() });
        }
        TestRunner::Nextest => true,
        TestRunner::Auto => has_cargo_tool(ctx.sh, "nextest"),
    };
    if nextest {
        nextest_run(ctx)
    } else {
        cargo_test(ctx)
    }
}

/// `cargo nextest run` with the collector's profile: its JUnit report, and
/// the check.
fn nextest_run(ctx: &Ctx) -> Result<Collected> {
    let (sh, cargo) = (ctx.sh, cargo());
    let mut out = Collected { tools: vec!["cargo-nextest"], ..Collected::default() };
    let dir = scratch(ctx.project);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let config = dir.join("nextest.toml");
    let store = dir.join("nextest");
    let _ = fs::remove_dir_all(store.join(NEXTEST_PROFILE));
    fs::write(&config, nextest_config(&store))
        .with_context(|| format!("cannot write `{}`", config.display()))?;
    let tool_config = format!("release-gate:{}", config.display());
    say("evidence certification: tests (cargo nextest run --workspace --no-fail-fast)");
    let result = run(cmd!(
        sh,
        "{cargo} nextest run --workspace --no-fail-fast --tool-config-file {tool_config} --profile {NEXTEST_PROFILE}"
    ))?;
    let junit = store.join(NEXTEST_PROFILE).join("junit.xml");
    let Ok(xml) = fs::read(&junit) else {
        let why = format!(
            "cargo-nextest wrote no JUnit report (exit {:?}): {}",
            result.status.code(),
            first_errors(&[&result.stderr], 6)
        );
        out.checks.push(Check::new("tests", false, why));
        return Ok(out);
    };
    out.files.push(("junit.xml".to_string(), xml));
    let passed = result.status.success();
    let detail = if passed {
        super::tail(&result.stderr, 1)
    } else {
        let failing = failing_tests(&String::from_utf8_lossy(&result.stderr), "FAIL [");
        describe_failure(&failing, &result.stderr, &result.stdout)
    };
    out.checks.push(Check::new("tests", passed, detail));
    Ok(out)
}

/// `cargo test`, and the check.
fn cargo_test(ctx: &Ctx) -> Result<Collected> {
    let (sh, cargo) = (ctx.sh, cargo());
    say("evidence certification: tests (cargo test --workspace --no-fail-fast)");
    let result = run(cmd!(sh, "{cargo} test --workspace --no-fail-fast"))?;
    let stdout = String::from_utf8_lossy(&result.stdout);
    let passed = result.status.success();
    let detail = if passed {
        let summary: Vec<&str> = stdout.lines().filter(|l| l.starts_with("test result:")).collect();
        format!("`cargo test`: {}", summary.join("; "))
    } else {
        describe_failure(&failing_tests(&stdout, "test "), &result.stdout, &result.stderr)
    };
    Ok(Collected {
        checks: vec![Check::new("tests", passed, detail)],
        tools: vec!["cargo test"],
        ..Collected::default()
    })
}

/// The names of the failing tests in a runner's output: nextest's
/// `FAIL [ 0.01s] crate::path test_name` lines, or libtest's
/// `test path::name ... FAILED` lines.
fn failing_tests(text: &str, marker: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        let name = if marker == "FAIL [" {
            // `FAIL [   0.003s] (236/352) crate::binary test::name`
            t.strip_prefix("FAIL [").and_then(|rest| rest.split_once(']')).map(|(_, n)| {
                let n = n.trim();
                match n.strip_prefix('(').and_then(|r| r.split_once(") ")) {
                    Some((_, name)) => name.trim(),
                    None => n,
                }
            })
        } else {
            t.strip_prefix("test ").and_then(|rest| rest.strip_suffix(" ... FAILED"))
        };
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            if !names.iter().any(|x: &String| x == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

fn describe_failure(failing: &[String], first: &[u8], second: &[u8]) -> String {
    // The first panic, where the runner shows one.
    let panic = [first, second]
        .iter()
        .flat_map(|b| String::from_utf8_lossy(b).lines().map(str::to_string).collect::<Vec<_>>())
        .find(|l| l.contains("panicked at"))
        .map(|l| l.trim().to_string())
        .unwrap_or_else(|| first_errors(&[first, second], 2));
    if failing.is_empty() {
        return panic;
    }
    let shown: Vec<&str> = failing.iter().take(10).map(String::as_str).collect();
    let more = failing.len().saturating_sub(shown.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!("failing: {}{more}\n{panic}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failing_tests_are_named() {
        let nextest = "    PASS [   0.002s] (1/2) x tests::ok\n        FAIL [   0.003s] (2/2) host-util tests::splits\n     Summary [   0.1s] 2 tests run: 1 passed, 1 failed\n        FAIL [   0.003s] host-util tests::splits\n";
        assert_eq!(failing_tests(nextest, "FAIL ["), ["host-util tests::splits"]);
        let libtest = "test tests::ok ... ok\ntest tests::splits ... FAILED\n\nfailures:\n\n---- tests::splits stdout ----\n\nthread 'tests::splits' panicked at src/lib.rs:9:5:\nassertion failed\n";
        assert_eq!(failing_tests(libtest, "test "), ["tests::splits"]);
        assert_eq!(
            describe_failure(&failing_tests(libtest, "test "), libtest.as_bytes(), b""),
            "failing: tests::splits\nthread 'tests::splits' panicked at src/lib.rs:9:5:"
        );
    }
}
