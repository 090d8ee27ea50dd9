//! governance: `cargo fmt --check`, clippy with `-D warnings` (every crate,
//! `--keep-going`; a failure names the first lints with their file and
//! line), and the MSRV build (`rustup run <rust-version> cargo check`) when
//! that toolchain is installed.

use anyhow::Result;
use serde_json::Value;
use xshell::{cmd, Shell};

use super::{cargo, run, say, scrub, tail, Check, Collected, Ctx};

pub fn collect(ctx: &Ctx) -> Result<Collected> {
    let sh = ctx.sh;
    let cargo = cargo();
    let mut out = Collected { tools: vec!["cargo fmt", "cargo clippy"], ..Collected::default() };
    if !ctx.skipped("fmt") {
        say("evidence governance: fmt (cargo fmt --all --check)");
        let fmt = run(cmd!(sh, "{cargo} fmt --all --check -- --color never -l"))?;
        out.checks.push(Check::new(
            "fmt",
            fmt.status.success(),
            if fmt.status.success() {
                "every file is formatted".to_string()
            } else {
                // rustfmt names files by absolute path: shown from the root.
                let root = format!("{}/", sh.current_dir().display());
                format!(
                    "not formatted (run `cargo fmt --all`): {}",
                    tail(&fmt.stdout, 10).replace(&root, "").replace('\n', ", ")
                )
            },
        ));
    }
    if !ctx.skipped("clippy") {
        say("evidence governance: clippy (cargo clippy --workspace --all-targets --keep-going -- -D warnings)");
        let clippy = run(cmd!(
            sh,
            "{cargo} clippy --workspace --all-targets --keep-going --message-format=json -- -D warnings"
        ))?;
        let (errors, warnings, first) = lints(&String::from_utf8_lossy(&clippy.stdout));
        let passed = clippy.status.success() && errors == 0;
        let mut detail = format!("{errors} error(s), {warnings} warning(s) with `-D warnings`");
        if !passed {
            if first.is_empty() {
                detail.push_str(&format!(": {}", super::first_errors(&[&clippy.stderr], 4)));
            } else {
                detail.push('\n');
                detail.push_str(&first.join("\n"));
            }
        }
        out.checks.push(Check::new("clippy", passed, detail));
    }
    if !ctx.skipped("msrv") {
        out.checks.push(match &ctx.project.rust_version {
            None => Check::not_run("msrv", "no `rust-version` is declared in Cargo.toml"),
            Some(version) => {
                say(&format!("evidence governance: msrv (rustup run {version} cargo check)"));
                msrv(sh, version)?
            }
        });
    }
    Ok(out)
}

/// Counts clippy's diagnostics (compiler messages) and renders the first
/// five errors as `lint: message at file:line`.
fn lints(json_lines: &str) -> (usize, usize, Vec<String>) {
    let (mut errors, mut warnings, mut first) = (0usize, 0usize, Vec::new());
    for line in json_lines.lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else { continue };
        if msg.get("reason").and_then(Value::as_str) != Some("compiler-message") {
            continue;
        }
        let level = msg.pointer("/message/level").and_then(Value::as_str);
        match level {
            Some("warning") => warnings += 1,
            Some("error") => errors += 1,
            _ => continue,
        }
        if level != Some("error") || first.len() >= 5 {
            continue;
        }
        let text = msg.pointer("/message/message").and_then(Value::as_str).unwrap_or_default();
        if text.starts_with("aborting due to") || text.starts_with("could not compile") {
            continue;
        }
        let code = msg.pointer("/message/code/code").and_then(Value::as_str);
        let span = msg
            .pointer("/message/spans")
            .and_then(Value::as_array)
            .and_then(|spans| {
                spans.iter().find(|s| s.get("is_primary").and_then(Value::as_bool) == Some(true))
            })
            .and_then(|s| {
                Some(format!(
                    "{}:{}",
                    s.get("file_name")?.as_str()?,
                    s.get("line_start")?.as_u64()?
                ))
            });
        let mut rendered = match code {
            Some(code) => format!("{code}: {text}"),
            None => text.to_string(),
        };
        if let Some(span) = span {
            rendered.push_str(&format!(" at {span}"));
        }
        first.push(rendered);
    }
    (errors, warnings, first)
}

/// The MSRV check: the workspace, every target, built with exactly the
/// declared `rust-version` toolchain and the committed lock file:
/// `rustup run <msrv> cargo check --workspace --all-targets --locked`.
/// (`$CARGO +<msrv>` cannot work: under `cargo xtask`, `$CARGO` is the
/// toolchain's own cargo, not the rustup proxy that understands `+`.)
/// Not run, saying exactly why, when rustup or the toolchain is missing.
pub fn msrv(sh: &Shell, toolchain: &str) -> Result<Check> {
    let command = format!("rustup run {toolchain} cargo check --workspace --all-targets --locked");
    let list = match scrub(cmd!(sh, "rustup toolchain list")).quiet().ignore_status().output() {
        Ok(list) => list,
        Err(e) => {
            return Ok(Check::not_run(
                "msrv",
                format!("the declared MSRV `{toolchain}` was not verified: `rustup` cannot run here ({e}); install rustup, then `rustup toolchain install {toolchain} --profile minimal` and `{command}`"),
            ))
        }
    };
    if !list.status.success() {
        return Ok(Check::not_run(
            "msrv",
            format!(
                "the declared MSRV `{toolchain}` was not verified: `rustup toolchain list` failed (exit {:?}): {}",
                list.status.code(),
                tail(&list.stderr, 2)
            ),
        ));
    }
    let installed = String::from_utf8_lossy(&list.stdout).lines().any(|line| {
        let name = line.split_whitespace().next().unwrap_or_default();
        name == toolchain || name.strip_prefix(toolchain).is_some_and(|rest| rest.starts_with('-'))
    });
    if !installed {
        return Ok(Check::not_run(
            "msrv",
            format!("the declared MSRV `{toolchain}` was not verified: the toolchain is not installed here (`rustup toolchain install {toolchain} --profile minimal`, then `{command}`)"),
        ));
    }
    // The toolchain comes from `rustup run` alone: no compiler or toolchain
    // the outer cargo chose may leak in; no automatic install.
    let out =
        run(cmd!(sh, "rustup run {toolchain} cargo check --workspace --all-targets --locked")
            .env_remove("RUSTC")
            .env_remove("RUSTDOC")
            .env_remove("CARGO")
            .env_remove("RUSTUP_TOOLCHAIN")
            .env("RUSTUP_AUTO_INSTALL", "0"))?;
    let last = tail(&out.stderr, 1);
    Ok(Check::new(
        "msrv",
        out.status.success(),
        if out.status.success() {
            format!("`{command}`: {last}")
        } else {
            format!("`{command}` failed (exit {:?}): {}", out.status.code(), tail(&out.stderr, 5))
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clippy_lints_name_the_file_and_line() {
        let out = r#"{"reason":"compiler-artifact"}
{"reason":"compiler-message","message":{"level":"error","message":"used `unwrap()` on a `Result` value","code":{"code":"clippy::unwrap_used"},"spans":[{"is_primary":false,"file_name":"src/a.rs","line_start":1},{"is_primary":true,"file_name":"src/lib.rs","line_start":7}]}}
{"reason":"compiler-message","message":{"level":"error","message":"aborting due to 1 previous error","code":null,"spans":[]}}
{"reason":"compiler-message","message":{"level":"warning","message":"unused","code":null,"spans":[]}}"#;
        assert_eq!(
            lints(out),
            (
                2,
                1,
                vec!["clippy::unwrap_used: used `unwrap()` on a `Result` value at src/lib.rs:7"
                    .to_string()]
            )
        );
    }

    /// The workspace root, as the collectors run in it.
    fn workspace_shell() -> Shell {
        let sh = Shell::new().unwrap();
        sh.change_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap());
        sh
    }

    /// The toolchain this test runs under, as rustup names it, or `None`
    /// (with a notice) when rustup is absent.
    fn active_toolchain() -> Option<String> {
        let out = std::process::Command::new("rustup").args(["show", "active-toolchain"]).output();
        match out {
            Ok(out) if out.status.success() => {
                String::from_utf8_lossy(&out.stdout).split_whitespace().next().map(str::to_string)
            }
            _ => {
                println!("notice: rustup is not installed here: the MSRV command line was not run");
                None
            }
        }
    }

    /// The MSRV check's real command line, with the current toolchain named
    /// as the MSRV: `rustup run <toolchain> cargo check --workspace
    /// --all-targets --locked` must build this workspace. (The command it
    /// replaced, `$CARGO +<msrv> check`, fails here with "no such command".)
    #[test]
    fn the_msrv_check_runs_for_real_with_the_current_toolchain() {
        let Some(toolchain) = active_toolchain() else { return };
        let check = msrv(&workspace_shell(), &toolchain).unwrap();
        assert_eq!(check.status, "passed", "{}", check.detail);
        let command =
            format!("`rustup run {toolchain} cargo check --workspace --all-targets --locked`: ");
        assert!(check.detail.starts_with(&command), "{}", check.detail);
        assert!(check.detail.contains("Finished"), "{}", check.detail);
    }

    /// A toolchain that is not installed: not run, saying which and how to
    /// install it; never installed behind the user's back.
    #[test]
    fn the_msrv_check_says_why_it_did_not_run() {
        if active_toolchain().is_none() {
            return;
        }
        let check = msrv(&workspace_shell(), "0.0.1").unwrap();
        assert_eq!(check.status, "not_run");
        assert_eq!(
            check.detail,
            "the declared MSRV `0.0.1` was not verified: the toolchain is not installed here (`rustup toolchain install 0.0.1 --profile minimal`, then `rustup run 0.0.1 cargo check --workspace --all-targets --locked`)"
        );
    }
}
