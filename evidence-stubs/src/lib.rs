//! `evidence-stubs`: one deterministic stub evidence file per domain, in the
//! evidence format the release gate reads, for proving the gate works.
//!
//! A library and a binary: the `evidence-stubs` binary is a thin `main`, and
//! `cargo xtask release-gate --stubs` runs the same code as a subprocess (the
//! xtask binary re-executed in its hidden `stub-evidence` mode), so cargo's
//! freshness check of the xtask covers the generator it runs.
//!
//! Every file says `"provenance": "stub"`: the gate quarantines such evidence
//! outside `--stubs` mode, so a stub can never pass for real evidence. Same
//! arguments, same bytes: no clock, no randomness, no absolute paths.
//!
//! It never touches real evidence: it refuses an output folder inside a
//! `test_artifacts` folder, and it never overwrites or removes a file that is
//! not itself a stub.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde_json::{json, Value};

/// The generator's name and version, written into every stub.
const GENERATOR: &str = concat!("evidence-stubs ", env!("CARGO_PKG_VERSION"));

/// Each domain, the folder release workflows use for it, and its file name.
const LAYOUT: &[(&str, &str, &str, &[&str])] = &[
    ("certification", "connectors", "certification.json", &["connector-suite", "contract-tests"]),
    ("cdc", "replay", "replay.json", &["replay", "idempotency"]),
    ("performance", "benchmarks", "benchmarks.json", &["throughput", "latency-p99"]),
    ("security", "security", "security.json", &["advisories", "static-analysis"]),
    ("supply_chain", "supply_chain", "supply_chain.json", &["sbom", "licenses", "sources"]),
    ("governance", "governance", "governance.json", &["fmt", "clippy", "msrv"]),
    ("docs", "docs", "docs.json", &["rustdoc", "doctests", "readme-commands"]),
];

/// Write deterministic stub evidence for every domain.
#[derive(Debug, Parser)]
#[command(name = "evidence-stubs", version)]
pub struct Args {
    /// Release id written into every stub.
    #[arg(long, value_name = "ID")]
    release: String,
    /// Output root: stubs go to `OUT/<folder>/latest/`.
    #[arg(long, value_name = "DIR", default_value = "target/evidence-stubs")]
    out: PathBuf,
    /// Make this domain's stub fail (repeatable).
    #[arg(long, value_name = "DOMAIN")]
    fail: Vec<String>,
    /// Leave this domain out (repeatable); an old stub for it is removed.
    #[arg(long, value_name = "DOMAIN")]
    omit: Vec<String>,
    /// Make this domain's stub invalid JSON (repeatable).
    #[arg(long, value_name = "DOMAIN")]
    invalid: Vec<String>,
}

/// The generator's command line in (the program name first), an exit code
/// out: 0 written, 2 refused or failed (the message on stderr).
pub fn main_with<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match run(Args::parse_from(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Writes the stubs `args` asks for.
pub fn run(args: Args) -> Result<()> {
    for (flag, domains) in
        [("--fail", &args.fail), ("--omit", &args.omit), ("--invalid", &args.invalid)]
    {
        for domain in domains {
            if !LAYOUT.iter().any(|(d, ..)| d == domain) {
                let known: Vec<&str> = LAYOUT.iter().map(|(d, ..)| *d).collect();
                bail!("`{flag} {domain}`: unknown domain (known: {})", known.join(", "));
            }
        }
    }
    if args.out.components().any(|c| c == Component::Normal("test_artifacts".as_ref())) {
        bail!(
            "refusing to write stubs into `{}`: `test_artifacts` holds real evidence; use a folder under `target/`",
            args.out.display()
        );
    }
    for (domain, folder, file, checks) in LAYOUT {
        let dir = args.out.join(folder).join("latest");
        let path = dir.join(file);
        let shown = format!("{}/{folder}/latest/{file}", args.out.display());
        if args.omit.iter().any(|d| d == domain) {
            if path.exists() {
                ensure_stub(&path, &shown)?;
                fs::remove_file(&path).with_context(|| format!("cannot remove `{shown}`"))?;
            }
            continue;
        }
        let content = if args.invalid.iter().any(|d| d == domain) {
            // Truncated on purpose: the gate must report it invalid, with the position.
            format!("{{\n  \"domain\": \"{domain}\",\n  \"provenance\": \"stub\",\n  \"status\": \"pass")
        } else {
            let failed = args.fail.iter().any(|d| d == domain);
            render(&stub(domain, checks, &args.release, failed))
        };
        if path.exists() {
            ensure_stub(&path, &shown)?;
        }
        fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
        let tmp = dir.join(format!(".{file}.tmp"));
        fs::write(&tmp, content.as_bytes()).with_context(|| format!("cannot write `{shown}`"))?;
        fs::rename(&tmp, &path).with_context(|| format!("cannot write `{shown}`"))?;
        // A closed stdout must not turn a finished run into a panic.
        let _ = writeln!(std::io::stdout(), "wrote {shown}");
    }
    Ok(())
}

/// One domain's stub document.
fn stub(domain: &str, checks: &[&str], release: &str, failed: bool) -> Value {
    let status = if failed { "failed" } else { "passed" };
    let checks: Vec<Value> = checks
        .iter()
        .enumerate()
        .map(|(i, name)| {
            // A failing stub fails its first check, so the gate has a check to name.
            let status = if failed && i == 0 { "failed" } else { "passed" };
            json!({ "name": name, "status": status })
        })
        .collect();
    json!({
        "domain": domain,
        "status": status,
        "provenance": "stub",
        "generator": GENERATOR,
        "release": release,
        "summary": format!("stub {domain} evidence generated by {GENERATOR}; not release evidence"),
        "checks": checks,
    })
}

fn render(value: &Value) -> String {
    let mut out = serde_json::to_string_pretty(value).unwrap_or_default();
    out.push('\n');
    out
}

/// Refuses to replace a file that is not a stub: real evidence is never lost
/// to a stub run.
fn ensure_stub(path: &Path, shown: &str) -> Result<()> {
    let text = fs::read_to_string(path).unwrap_or_default();
    if !text.contains("\"provenance\": \"stub\"") {
        bail!("refusing to replace `{shown}`: it is not stub evidence (no `\"provenance\": \"stub\"`)");
    }
    Ok(())
}
