//! The stub generator (`evidence-stubs`): one deterministic stub evidence
//! file per domain, in the evidence format the release gate reads, for
//! proving the gate works.
//!
//! `cargo xtask release-gate --stubs` runs it as a subprocess: the host's
//! xtask binary re-executed in its hidden `stub-evidence` mode, so cargo's
//! freshness check of the xtask covers the generator it runs.
//!
//! Every file says `"provenance": "stub"`: the gate quarantines such evidence
//! outside `--stubs` mode, so a stub can never pass for real evidence. Same
//! arguments, same bytes: no clock, no randomness, no absolute paths.
//!
//! It never touches real evidence: it refuses an output folder inside a
//! `test_artifacts` folder (by name, or by real path through a symlink), and
//! it never overwrites or removes a file that is not itself a stub (a regular
//! file whose top-level `provenance` is `stub`); every file is checked
//! before the first is written.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Parser;
use serde_json::{json, Value};

use crate::gate::config::default_folder;
use crate::gate::paths;

/// The generator's name and version, written into every stub.
const GENERATOR: &str = concat!("evidence-stubs ", env!("CARGO_PKG_VERSION"));

/// Each domain, its file name and its checks; it goes in the domain's
/// folder under the default policy ([`default_folder`]).
const LAYOUT: &[(&str, &str, &[&str])] = &[
    ("certification", "certification.json", &["connector-suite", "contract-tests"]),
    ("cdc", "replay.json", &["replay", "idempotency"]),
    ("performance", "benchmarks.json", &["throughput", "latency-p99"]),
    ("security", "security.json", &["advisories", "static-analysis"]),
    ("supply_chain", "supply_chain.json", &["sbom", "licenses", "sources"]),
    ("governance", "governance.json", &["fmt", "clippy", "msrv"]),
    ("docs", "docs.json", &["rustdoc", "doctests", "readme-commands"]),
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
pub fn main_with<I, T>(args: I) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    match run(Args::parse_from(args)) {
        Ok(()) => 0,
        Err(err) => {
            let message = format!("{err:#}");
            let _ =
                writeln!(std::io::stderr(), "error: {}", crate::gate::escape::terminal(&message));
            2
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
    // By real path too: a symlink (of the folder or a parent) into a
    // `test_artifacts` folder is refused like the folder itself.
    if in_evidence_tree(&args.out) {
        bail!(
            "refusing to write stubs into `{}`: through a symlink it is inside a `test_artifacts` folder, which holds real evidence; use a folder under `target/`",
            args.out.display()
        );
    }
    // Each domain's file, its temporary file, its folder, and the file as
    // messages name it.
    let places = LAYOUT.iter().map(|&(domain, file, checks)| {
        let folder = default_folder(domain);
        let dir = args.out.join(folder).join("latest");
        let shown = format!("{}/{folder}/latest/{file}", args.out.display());
        (domain, checks, dir.join(file), dir.join(format!(".{file}.tmp")), dir, shown)
    });
    let places: Vec<_> = places.collect();
    // Every file is checked before any is written or removed: a refusal
    // leaves the whole tree as it was.
    for (domain, _, path, _, dir, shown) in &places {
        if in_evidence_tree(dir) {
            bail!(
                "refusing to write `{shown}`: through a symlink it is inside a `test_artifacts` folder, which holds real evidence; use a folder under `target/`"
            );
        }
        if fs::symlink_metadata(path).is_ok() {
            ensure_stub(path, shown, domain)?;
        }
    }
    for (domain, checks, path, tmp, dir, shown) in places {
        if args.omit.iter().any(|d| d == domain) {
            if fs::symlink_metadata(&path).is_ok() {
                fs::remove_file(&path).with_context(|| format!("cannot remove `{shown}`"))?;
            }
            continue;
        }
        let content = if args.invalid.iter().any(|d| d == domain) {
            // Truncated on purpose: the gate must report it invalid, with the position.
            invalid_stub(domain)
        } else {
            let failed = args.fail.iter().any(|d| d == domain);
            render(&stub(domain, checks, &args.release, failed))
        };
        fs::create_dir_all(&dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
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

/// The invalid stub `--invalid` writes for `domain`: truncated on purpose, so
/// only its exact bytes identify it as a stub.
fn invalid_stub(domain: &str) -> String {
    format!("{{\n  \"domain\": \"{domain}\",\n  \"provenance\": \"stub\",\n  \"status\": \"pass")
}

/// The most a stub file is read to decide whether it is one.
const MAX_STUB_BYTES: u64 = 1024 * 1024;

/// Refuses to replace a file that is not a stub: real evidence is never lost
/// to a stub run. A stub is a regular file (not a symlink, FIFO or folder:
/// nothing is followed or opened that could block) whose JSON document has
/// `"provenance": "stub"` at its top level, or exactly the invalid stub this
/// generator writes for `domain`. A nested `"provenance": "stub"` (in a
/// check, a property) does not make a real file a stub.
fn ensure_stub(path: &Path, shown: &str, domain: &str) -> Result<()> {
    use std::io::Read;
    let refuse = |why: &str| -> Result<()> {
        bail!("refusing to replace `{shown}`: it is not stub evidence ({why}); move it away or use another `--out`")
    };
    let meta = fs::symlink_metadata(path).with_context(|| format!("cannot read `{shown}`"))?;
    if !meta.is_file() {
        return refuse("not a regular file");
    }
    if meta.len() > MAX_STUB_BYTES {
        return refuse("larger than any stub");
    }
    let mut bytes = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(MAX_STUB_BYTES).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read `{shown}`"))?;
    if bytes == invalid_stub(domain).as_bytes() {
        return Ok(());
    }
    let stub = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .is_some_and(|doc| doc.get("provenance").and_then(Value::as_str) == Some("stub"));
    if !stub {
        return refuse("no top-level `\"provenance\": \"stub\"`");
    }
    Ok(())
}

/// `out`, by real path (symlinks resolved as far as it exists), lies in a
/// `test_artifacts` folder below the working directory (or anywhere, when it
/// resolves outside it).
fn in_evidence_tree(out: &Path) -> bool {
    let cwd = std::env::current_dir().unwrap_or_default();
    let cwd_real = cwd.canonicalize().unwrap_or(cwd.clone());
    let real = paths::resolve(&cwd.join(out));
    let rel = real.strip_prefix(&cwd_real).unwrap_or(&real);
    rel.components().any(|c| c == Component::Normal("test_artifacts".as_ref()))
}
