//! `cargo xtask evidence <domain>|all`: gate our own releases on evidence
//! that real tools produced for this workspace.
//!
//! Each collector runs the real tool through xshell and writes the tool's own
//! output, plus the gate's evidence JSON (a record of what ran, bound to the
//! release, the commit and the time) into `test_artifacts/<folder>/latest/`.
//! It exits 0 even when the evidence says failed: the gate decides. A
//! collector that cannot run its tool at all writes nothing and says why, so
//! the gate reports the domain missing. The previous `latest/` is kept as
//! `previous/`: nothing is lost.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde_json::{json, Value};
use xshell::{cmd, Shell};

use crate::flags::{self, Collect};
use crate::project::Project;

/// Each domain, its evidence folder, and whether it runs without a network.
pub const DOMAINS: &[(&str, &str)] = &[
    ("certification", "connectors"),
    ("cdc", "replay"),
    ("performance", "benchmarks"),
    ("security", "security"),
    ("supply_chain", "supply_chain"),
    ("governance", "governance"),
    ("docs", "docs"),
];

/// One check a collector ran.
struct Check {
    name: String,
    status: &'static str,
    detail: String,
}

impl Check {
    fn new(name: &str, passed: bool, detail: impl Into<String>) -> Check {
        Check {
            name: name.to_string(),
            status: if passed { "passed" } else { "failed" },
            detail: detail.into(),
        }
    }
    /// The tool could not run here: the check is not passed, and says why.
    fn not_run(name: &str, why: impl Into<String>) -> Check {
        Check { name: name.to_string(), status: "not_run", detail: why.into() }
    }
}

/// What a collector produced: files for `latest/`, or why it produced none.
enum Collected {
    Files(Vec<(String, Vec<u8>)>),
    Nothing(String),
}

/// What every record carries.
struct Binding {
    release: String,
    commit: Option<String>,
    generated_at: String,
}

impl Collect {
    pub fn run(self, sh: &Shell, project: &Project) -> Result<u8> {
        let domains: Vec<&(&str, &str)> = if self.domain == "all" {
            DOMAINS.iter().collect()
        } else {
            match DOMAINS.iter().find(|(d, _)| *d == self.domain) {
                Some(entry) => vec![entry],
                None => {
                    let known: Vec<&str> = DOMAINS.iter().map(|(d, _)| *d).collect();
                    bail!(
                        "unknown domain `{}`: expected `all` or one of {}",
                        self.domain,
                        known.join(", ")
                    );
                }
            }
        };
        let release = match &self.release {
            Some(r) => r.clone(),
            None => format!("v{}", project.version()?),
        };
        let commit = self
            .commit
            .clone()
            .or_else(|| std::env::var("GITHUB_SHA").ok().filter(|s| !s.is_empty()))
            .or_else(|| cmd!(sh, "git rev-parse HEAD").quiet().ignore_stderr().read().ok());
        let generated_at = clock()?;
        let ctx = Binding { release, commit, generated_at };
        let root = sh.current_dir();
        for (domain, folder) in domains {
            let mut stdout = std::io::stdout();
            let _ = writeln!(stdout, "==> evidence {domain}");
            let collected = match *domain {
                "certification" => certification(sh, project, &ctx)?,
                "cdc" => cdc(sh, &ctx)?,
                "performance" => performance(sh, project, &ctx)?,
                "security" => security(sh)?,
                "supply_chain" => supply_chain(sh, &ctx)?,
                "governance" => governance(sh, project, &ctx)?,
                _ => docs(sh, &ctx)?,
            };
            match collected {
                Collected::Nothing(why) => {
                    let _ = writeln!(stdout, "evidence {domain}: nothing written: {why}");
                }
                Collected::Files(files) => {
                    let dir = root.join(&self.artifacts_root).join(folder);
                    publish(&dir, &files)?;
                    for (name, _) in &files {
                        let _ = writeln!(
                            stdout,
                            "evidence {domain}: wrote {}/{folder}/latest/{name}",
                            self.artifacts_root.display()
                        );
                    }
                }
            }
        }
        Ok(0)
    }
}

/// The time evidence is bound to: `SOURCE_DATE_EPOCH` when set, else now.
fn clock() -> Result<String> {
    match std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse::<i64>().ok()) {
        Some(secs) => Ok(jiff::Timestamp::from_second(secs)
            .context("`SOURCE_DATE_EPOCH` is out of range")?
            .to_string()),
        None => Ok(jiff::Timestamp::now().to_string()),
    }
}

/// Replaces `dir/latest` with the new files as a whole: written to a new
/// folder, then swapped in; the old `latest` becomes `previous`.
fn publish(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let staging = dir.join(format!(".latest.tmp-{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)
        .with_context(|| format!("cannot create `{}`", staging.display()))?;
    for (name, bytes) in files {
        fs::write(staging.join(name), bytes)
            .with_context(|| format!("cannot write `{}`", staging.join(name).display()))?;
    }
    let latest = dir.join("latest");
    let previous = dir.join("previous");
    if latest.exists() {
        let _ = fs::remove_dir_all(&previous);
        fs::rename(&latest, &previous)
            .with_context(|| format!("cannot move `{}` aside", latest.display()))?;
    }
    fs::rename(&staging, &latest)
        .with_context(|| format!("cannot publish `{}`", latest.display()))?;
    Ok(())
}

/// The gate's evidence JSON for a collector's checks.
fn record(domain: &str, tool: &str, ctx: &Binding, checks: &[Check]) -> (String, Vec<u8>) {
    let passed = checks.iter().all(|c| c.status == "passed");
    let mut doc = json!({
        "domain": domain,
        "status": if passed { "passed" } else { "failed" },
        "generator": concat!("cargo xtask evidence ", env!("CARGO_PKG_VERSION")),
        "tool": tool,
        "release": ctx.release,
        "generated_at": ctx.generated_at,
        "checks": checks.iter().map(|c| json!({"name": c.name, "status": c.status, "detail": c.detail})).collect::<Vec<_>>(),
    });
    if let (Some(commit), Some(obj)) = (&ctx.commit, doc.as_object_mut()) {
        obj.insert("commit".to_string(), Value::String(commit.clone()));
    }
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    (format!("{domain}.json"), bytes)
}

/// Runs a command, capturing its output, whatever its exit status.
fn run(cmd: xshell::Cmd<'_>) -> Result<Output> {
    scrub(cmd).quiet().ignore_status().output().map_err(Into::into)
}

/// The variables through which a process talks to the GitHub Actions job
/// (annotations, the step summary, step outputs). A collector's children
/// (the gates of the `cdc` replay, the bench, the test suites) are not the
/// job's step: their reports must not land in its summary or outputs.
pub const GITHUB_JOB_VARS: [&str; 3] = ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"];

/// `cmd` without [`GITHUB_JOB_VARS`].
fn scrub(cmd: xshell::Cmd<'_>) -> xshell::Cmd<'_> {
    GITHUB_JOB_VARS.iter().fold(cmd, |cmd, var| cmd.env_remove(var))
}

/// The MSRV check: the workspace, every target, built with exactly the
/// declared `rust-version` toolchain and the committed lock file:
/// `rustup run <msrv> cargo check --workspace --all-targets --locked`.
/// (`$CARGO +<msrv>` cannot work: under `cargo xtask`, `$CARGO` is the
/// toolchain's own cargo, not the rustup proxy that understands `+`.)
/// Not run, saying exactly why, when rustup or the toolchain is missing.
fn msrv(sh: &Shell, toolchain: &str) -> Result<Check> {
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

fn tail(bytes: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all.iter().skip(all.len().saturating_sub(lines)).copied().collect::<Vec<_>>().join("\n")
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Does `cargo <sub> --version` run?
fn has_cargo_tool(sh: &Shell, sub: &str) -> bool {
    let cargo = cargo();
    scrub(cmd!(sh, "{cargo} {sub} --version")).quiet().ignore_stdout().ignore_stderr().run().is_ok()
}

fn certification(sh: &Shell, project: &Project, ctx: &Binding) -> Result<Collected> {
    let cargo = cargo();
    if has_cargo_tool(sh, "nextest") {
        let out =
            run(cmd!(sh, "{cargo} nextest run --workspace --profile evidence --no-fail-fast"))?;
        // nextest writes its JUnit report under the target directory, wherever
        // `CARGO_TARGET_DIR` or the configuration puts it.
        let junit = project.target_dir.join("nextest/evidence/junit.xml");
        let Ok(xml) = fs::read(&junit) else {
            return Ok(Collected::Nothing(format!(
                "cargo-nextest wrote no JUnit report (exit {:?}): {}",
                out.status.code(),
                tail(&out.stderr, 5)
            )));
        };
        let check = Check::new("nextest", out.status.success(), tail(&out.stderr, 1));
        let (name, json) = record("certification", "cargo-nextest", ctx, &[check]);
        return Ok(Collected::Files(vec![("junit.xml".to_string(), xml), (name, json)]));
    }
    let out = run(cmd!(sh, "{cargo} test --workspace"))?;
    let summary: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("test result:"))
        .map(str::to_string)
        .collect();
    let check = Check::new(
        "cargo test",
        out.status.success(),
        format!("cargo-nextest is not installed, so `cargo test`: {}", summary.join("; ")),
    );
    Ok(Collected::Files(vec![record("certification", "cargo test", ctx, &[check])]))
}

fn docs(sh: &Shell, ctx: &Binding) -> Result<Collected> {
    let cargo = cargo();
    let doc =
        run(cmd!(sh, "{cargo} doc --no-deps --workspace").env("RUSTDOCFLAGS", "-D warnings"))?;
    let doctests = run(cmd!(sh, "{cargo} test --doc --workspace"))?;
    let readme = fs::read_to_string(sh.current_dir().join("README.md"))
        .context("cannot read `README.md`")?;
    let (checked, bad) = readme_commands(&readme);
    let checks = [
        Check::new("rustdoc", doc.status.success(), tail(&doc.stderr, 3)),
        Check::new("doctests", doctests.status.success(), tail(&doctests.stdout, 1)),
        Check::new(
            "readme-commands",
            bad.is_empty() && checked > 0,
            if bad.is_empty() {
                format!("{checked} `cargo xtask` command(s) in README.md `sh` blocks parse")
            } else {
                format!("{} of {checked} do not parse: {}", bad.len(), bad.join("; "))
            },
        ),
    ];
    Ok(Collected::Files(vec![record("docs", "cargo doc", ctx, &checks)]))
}

/// Every `cargo xtask` gate command in the README's `sh` code blocks (the
/// blocks the README marks as runnable) must parse as a valid command line;
/// the host's own commands are left to the host.
pub fn readme_commands(readme: &str) -> (usize, Vec<String>) {
    let mut in_sh = false;
    let mut lines: Vec<String> = Vec::new();
    let mut pending = String::new();
    for line in readme.lines() {
        let trimmed = line.trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            in_sh = !in_sh && matches!(lang.trim(), "sh" | "bash" | "shell");
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = match trimmed.find(" #") {
            Some(at) => trimmed.get(..at).unwrap_or(trimmed).trim_end(),
            None => trimmed,
        };
        match code.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(code);
                if pending.trim_start().starts_with("cargo xtask ") {
                    lines.push(pending.trim().to_string());
                }
                pending.clear();
            }
        }
    }
    let mut bad = Vec::new();
    let mut checked = 0usize;
    for line in &lines {
        let words = match shell_words(line) {
            Some(words) => words,
            None => {
                bad.push(format!("`{line}`: unbalanced quotes"));
                continue;
            }
        };
        // The host's own commands (`cargo xtask bench`) are the host's to check.
        if words.get(2).is_none_or(|c| !crate::COMMANDS.contains(&c.as_str())) {
            continue;
        }
        checked += 1;
        let args = std::iter::once("cargo xtask".to_string()).chain(words.into_iter().skip(2));
        if let Err(e) = flags::Xtask::try_parse_from(args) {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            bad.push(format!("`{line}`: {first}"));
        }
    }
    (checked, bad)
}

/// Splits a command line into words: whitespace, single and double quotes.
fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if started {
        words.push(word);
    }
    Some(words)
}

fn governance(sh: &Shell, project: &Project, ctx: &Binding) -> Result<Collected> {
    let cargo = cargo();
    let fmt = run(cmd!(sh, "{cargo} fmt --all --check -- --color never -l"))?;
    let clippy = run(cmd!(
        sh,
        "{cargo} clippy --workspace --all-targets --message-format=json -- -D warnings"
    ))?;
    let (mut warnings, mut errors) = (0usize, 0usize);
    for line in String::from_utf8_lossy(&clippy.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<Value>(line) else { continue };
        if msg.get("reason").and_then(Value::as_str) != Some("compiler-message") {
            continue;
        }
        match msg.pointer("/message/level").and_then(Value::as_str) {
            Some("warning") => warnings += 1,
            Some("error") => errors += 1,
            _ => {}
        }
    }
    let msrv = match &project.rust_version {
        None => Check::not_run("msrv", "no `rust-version` is declared in Cargo.toml"),
        Some(version) => msrv(sh, version)?,
    };
    let schemas = run(cmd!(sh, "{cargo} test -p xtask --lib schema"))?;
    let checks = [
        Check::new(
            "fmt",
            fmt.status.success(),
            if fmt.status.success() {
                "every file is formatted".to_string()
            } else {
                format!(
                    "not formatted (run `cargo fmt --all`): {}",
                    tail(&fmt.stdout, 10).replace('\n', ", ")
                )
            },
        ),
        Check::new(
            "clippy",
            clippy.status.success() && errors == 0,
            format!("{errors} error(s), {warnings} warning(s) with `-D warnings`"),
        ),
        msrv,
        Check::new(
            "schemas",
            schemas.status.success(),
            "schemas/ match the Rust types".to_string(),
        ),
    ];
    Ok(Collected::Files(vec![record("governance", "cargo fmt, cargo clippy", ctx, &checks)]))
}

fn security(sh: &Shell) -> Result<Collected> {
    let cargo = cargo();
    let mut files = Vec::new();
    let mut why = Vec::new();
    if has_cargo_tool(sh, "audit") {
        let out = run(cmd!(sh, "{cargo} audit --json"))?;
        match serde_json::from_slice::<Value>(&out.stdout) {
            Ok(doc) if doc.get("database").is_some() => {
                files.push(("cargo-audit.json".to_string(), out.stdout))
            }
            _ => why.push(format!(
                "cargo-audit could not run (no advisory database offline?): {}",
                tail(&out.stderr, 2)
            )),
        }
    } else {
        why.push("cargo-audit is not installed (`cargo install cargo-audit --locked`)".to_string());
    }
    if has_cargo_tool(sh, "deny") {
        let out = run(cmd!(sh, "{cargo} deny --format json check advisories"))?;
        if String::from_utf8_lossy(&out.stderr).contains("\"type\":\"summary\"") {
            files.push(("cargo-deny-advisories.jsonl".to_string(), out.stderr));
        } else {
            why.push(format!("cargo-deny could not check advisories: {}", tail(&out.stderr, 2)));
        }
    } else {
        why.push("cargo-deny is not installed (`cargo install cargo-deny --locked`)".to_string());
    }
    Ok(if files.is_empty() { Collected::Nothing(why.join("; ")) } else { Collected::Files(files) })
}

fn supply_chain(sh: &Shell, ctx: &Binding) -> Result<Collected> {
    let cargo = cargo();
    let root = sh.current_dir();
    let mut files = Vec::new();
    let mut checks = Vec::new();
    match fs::read_to_string(root.join("Cargo.lock")) {
        Err(_) => checks.push(Check::new("lockfile", false, "`Cargo.lock` is missing: commit it")),
        Ok(text) => {
            checks.push(Check::new("lockfile", true, "`Cargo.lock` is committed"));
            checks.push(lock_checksums(&text));
        }
    }
    if has_cargo_tool(sh, "deny") {
        let out = run(cmd!(sh, "{cargo} deny --format json check licenses bans sources"))?;
        files.push(("cargo-deny.jsonl".to_string(), out.stderr));
    } else {
        checks.push(Check::not_run(
            "cargo-deny",
            "cargo-deny is not installed (`cargo install cargo-deny --locked`)",
        ));
    }
    if has_cargo_tool(sh, "cyclonedx") {
        let out = run(cmd!(sh, "{cargo} cyclonedx --format json --spec-version 1.5"))?;
        for member in ["xtask", "evidence-stubs"] {
            if let Ok(bytes) = fs::read(root.join(member).join(format!("{member}.cdx.json"))) {
                files.push((format!("{member}.cdx.json"), bytes));
            }
        }
        checks.push(Check::new("sbom", out.status.success(), tail(&out.stderr, 1)));
    } else {
        checks.push(Check::not_run(
            "sbom",
            "cargo-cyclonedx is not installed (`cargo install cargo-cyclonedx --locked`)",
        ));
    }
    files.push(record("supply_chain", "Cargo.lock, cargo-deny, cargo-cyclonedx", ctx, &checks));
    Ok(Collected::Files(files))
}

/// Every package from a registry carries a checksum in `Cargo.lock`.
fn lock_checksums(text: &str) -> Check {
    #[derive(serde::Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: String,
        source: Option<String>,
        checksum: Option<String>,
    }
    let lock: Lock = match toml::from_str(text) {
        Ok(lock) => lock,
        Err(e) => {
            return Check::new("checksums", false, format!("`Cargo.lock` does not parse: {e}"))
        }
    };
    let registry: Vec<&Package> = lock
        .package
        .iter()
        .filter(|p| p.source.as_deref().is_some_and(|s| s.starts_with("registry+")))
        .collect();
    let missing: Vec<String> = registry
        .iter()
        .filter(|p| p.checksum.is_none())
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    let other: Vec<String> = lock
        .package
        .iter()
        .filter(|p| p.source.as_deref().is_some_and(|s| !s.starts_with("registry+")))
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    let passed = missing.is_empty() && other.is_empty();
    let detail = if passed {
        format!("{} registry packages, each with a checksum", registry.len())
    } else {
        format!(
            "without checksum: {}; not from a registry: {}",
            missing.join(", "),
            other.join(", ")
        )
    };
    Check::new("checksums", passed, detail)
}

/// The xtask itself, as a fresh subprocess: `cargo run`, since an earlier
/// collector's cargo build (nextest) may have replaced the running binary.
fn xtask_cmd<'a>(sh: &'a Shell) -> xshell::Cmd<'a> {
    let cargo = cargo();
    cmd!(sh, "{cargo} run --quiet --package xtask --bin xtask --")
}

/// The committed baseline `cargo xtask evidence performance` compares with.
const BENCH_BASELINE: &str = "benches/quick-baseline.json";

fn performance(sh: &Shell, project: &Project, ctx: &Binding) -> Result<Collected> {
    let out = run(xtask_cmd(sh).args(["bench", "--quick"]))?;
    let mut checks = vec![Check::new("bench --quick", out.status.success(), tail(&out.stdout, 1))];
    let root = sh.current_dir();
    let results = fs::read_to_string(project.target_dir.join("bench/quick/results.json"));
    let baseline = fs::read_to_string(root.join(BENCH_BASELINE));
    match (results, baseline) {
        (Ok(results), Ok(baseline)) => checks.extend(compare_bench(&results, &baseline)?),
        (Err(e), _) => {
            checks.push(Check::new("baseline", false, format!("no bench results to compare: {e}")))
        }
        (_, Err(e)) => checks.push(Check::new(
            "baseline",
            false,
            format!("cannot read `{BENCH_BASELINE}`: {e}"),
        )),
    }
    Ok(Collected::Files(vec![record("performance", "cargo xtask bench --quick", ctx, &checks)]))
}

/// One check per benchmark ratio the baseline names: a ratio against the peer
/// tool (measured side by side, so load cancels out) that got worse than the
/// baseline by more than its `threshold` factor is a regression.
fn compare_bench(results: &str, baseline: &str) -> Result<Vec<Check>> {
    let rows: Vec<Value> = serde_json::from_str(results).context("bench results are not JSON")?;
    let base: Value = serde_json::from_str(baseline)
        .with_context(|| format!("`{BENCH_BASELINE}` is not JSON"))?;
    let threshold = base.get("threshold").and_then(Value::as_f64).unwrap_or(2.0);
    let Some(ratios) = base.get("ratios").and_then(Value::as_object) else {
        bail!("`{BENCH_BASELINE}` has no `ratios` object");
    };
    let mut checks = Vec::new();
    for (scenario, expected) in ratios {
        let name = format!("ratio {scenario}");
        let Some(expected) = expected.as_f64() else {
            bail!("`{BENCH_BASELINE}`: `ratios.{scenario}` is not a number");
        };
        let row = rows
            .iter()
            .find(|r| r.get("scenario").and_then(Value::as_str) == Some(scenario.as_str()));
        let ratio = row.and_then(|r| r.get("ratio")).and_then(Value::as_str).unwrap_or_default();
        let value = ratio.split('x').next().and_then(|n| n.trim().parse::<f64>().ok());
        let Some(value) = value else {
            checks.push(Check::new(
                &name,
                false,
                format!("the bench reported no ratio for `{scenario}`"),
            ));
            continue;
        };
        // Throughput: higher is better; time: lower is better.
        let higher_is_better = ratio.contains("throughput");
        let regressed = if higher_is_better {
            value * threshold < expected
        } else {
            value > expected * threshold
        };
        checks.push(Check::new(
            &name,
            !regressed,
            format!(
                "{ratio} against a baseline of {expected}x (a regression is {threshold}x worse)"
            ),
        ));
    }
    Ok(checks)
}

/// For this workspace, replay and idempotency are the gate's own: the same
/// evidence gated twice, and listed in another order, gives the same bytes,
/// and gating changes no input.
fn cdc(sh: &Shell, ctx: &Binding) -> Result<Collected> {
    let release = &ctx.release;
    let base = PathBuf::from("target/evidence-cdc");
    let _ = fs::remove_dir_all(sh.current_dir().join(&base));
    let evidence = base.join("evidence");
    let stubs =
        run(xtask_cmd(sh).args(["stub-evidence", "--release", release, "--out"]).arg(&evidence))?;
    if !stubs.status.success() {
        return Ok(Collected::Nothing(format!(
            "the replay evidence could not be generated: {}",
            tail(&stubs.stderr, 3)
        )));
    }
    // One fixed clock for every replay, read once the evidence exists: with
    // a waiver or a max-age the gate reads the clock, and `evaluated_at`
    // (and any expiry) would differ between two runs a second apart.
    let now = clock()?;
    let snapshot =
        |sh: &Shell| -> Vec<(String, Vec<u8>)> { tree(&sh.current_dir().join(&evidence)) };
    let before = snapshot(sh);
    let gate = |out: &str, extra: &[String]| -> Result<Vec<(String, Vec<u8>)>> {
        let dir = base.join(out);
        let args = ["release-gate", "--release", release, "--format", "json", "--now", &now];
        run(xtask_cmd(sh).args(args).arg("--output-dir").arg(&dir).args(extra))?;
        Ok(tree(&sh.current_dir().join(&dir)))
    };
    let discovered = vec!["--artifacts-root".to_string(), evidence.to_string_lossy().into_owned()];
    let first = gate("run-1", &discovered)?;
    let second = gate("run-2", &discovered)?;
    let mut listed: Vec<String> = before
        .iter()
        .filter_map(|(path, bytes)| {
            let domain =
                serde_json::from_slice::<Value>(bytes).ok()?.get("domain")?.as_str()?.to_string();
            Some(format!("{domain}={}", evidence.join(path).display()))
        })
        .collect();
    let as_args = |list: &[String]| -> Vec<String> {
        list.iter().flat_map(|a| ["--artifact".to_string(), a.clone()]).collect()
    };
    let in_order = gate("run-listed", &as_args(&listed))?;
    listed.reverse();
    let reversed = gate("run-reversed", &as_args(&listed))?;
    let after = snapshot(sh);
    let checks = [
        Check::new(
            "replay",
            !first.is_empty() && first == second,
            "the same evidence gated twice gives byte-identical reports",
        ),
        Check::new(
            "order",
            !in_order.is_empty() && in_order == reversed,
            "the evidence listed in reverse order gives byte-identical reports",
        ),
        Check::new(
            "inputs-unchanged",
            !before.is_empty() && before == after,
            format!("{} evidence files are unchanged by gating", before.len()),
        ),
    ];
    Ok(Collected::Files(vec![record("cdc", "cargo xtask release-gate (replay)", ctx, &checks)]))
}

/// Every file under `dir`, by relative path, sorted.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if let (Ok(rel), Ok(bytes)) = (path.strip_prefix(base), fs::read(&path)) {
                out.push((rel.to_string_lossy().replace('\\', "/"), bytes));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_commands_parse_or_say_why() {
        let readme = "text\n```sh\ncargo xtask release-gate --stubs   # the main job\ncargo test --workspace\ncargo xtask release-gate --release v1 \\\n  --artifact 'docs=a b.json'\ncargo xtask release-gate --no-such-flag\n```\n```text\ncargo xtask nonsense\n```\n";
        let (checked, bad) = readme_commands(readme);
        assert_eq!(checked, 3);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert!(bad[0].starts_with("`cargo xtask release-gate --no-such-flag`: error: unexpected argument '--no-such-flag'"), "{bad:?}");
    }

    #[test]
    fn bench_ratios_are_compared_with_the_baseline() {
        let results = r#"[
            {"scenario": "hash", "ratio": "0.30x throughput"},
            {"scenario": "evidence", "ratio": "14.0x time"},
            {"scenario": "warm", "ratio": "1.50x time"}
        ]"#;
        let baseline = r#"{"threshold": 2.0, "ratios": {"hash": 0.35, "evidence": 6.5, "warm": 1.4, "scale-70": 4.0}}"#;
        let checks = compare_bench(results, baseline).unwrap();
        let got: Vec<(String, &str)> = checks.iter().map(|c| (c.name.clone(), c.status)).collect();
        assert_eq!(
            got,
            [
                ("ratio evidence".to_string(), "failed"),
                ("ratio hash".to_string(), "passed"),
                ("ratio scale-70".to_string(), "failed"),
                ("ratio warm".to_string(), "passed"),
            ]
        );
        assert_eq!(
            checks[0].detail,
            "14.0x time against a baseline of 6.5x (a regression is 2x worse)"
        );
        assert_eq!(checks[2].detail, "the bench reported no ratio for `scale-70`");
    }

    #[test]
    fn shell_words_split_like_sh() {
        assert_eq!(
            shell_words("a 'b c' \"d\"e ''"),
            Some(vec!["a".into(), "b c".into(), "de".into(), "".into()])
        );
        assert_eq!(shell_words("a 'b"), None);
    }

    #[test]
    fn lock_checksums_find_packages_without_one() {
        let lock = "version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"00\"\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n[[package]]\nname = \"local\"\nversion = \"0.1.0\"\n";
        let check = lock_checksums(lock);
        assert_eq!(
            (check.status, check.detail.as_str()),
            ("failed", "without checksum: b@2.0.0; not from a registry: ")
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

    #[test]
    fn the_readme_commands_parse() {
        let readme = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"),
        )
        .unwrap();
        let (checked, bad) = readme_commands(&readme);
        assert!(checked >= 5, "{checked}");
        assert_eq!(bad, Vec::<String>::new());
    }
}
