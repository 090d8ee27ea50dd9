//! `cargo xtask evidence <domain>|all`: evidence that real tools produced
//! for the host workspace.
//!
//! Each domain's collector runs its tools through xshell and writes the
//! tools' own outputs, plus the gate's evidence JSON (`<domain>.json`: the
//! checks that ran, each with the first lines of what the tool said, bound
//! to the release, the commit and the time), into
//! `test_artifacts/<folder>/latest/` (the previous `latest/` is kept as
//! `previous/`). It exits 0 even when the evidence says failed: the gate
//! decides. A collector that cannot run its tool at all writes nothing and
//! says why, so the gate reports the domain missing.
//!
//! Built-in collectors measure any workspace (one module each):
//! certification (the tests), governance (fmt, clippy, MSRV), docs (rustdoc,
//! doc tests), security (cargo-audit, cargo-deny advisories), supply_chain
//! (the lock file, cargo-deny licenses/bans/sources, SBOMs). The policy
//! configures each domain (`[workspace.metadata.release-gate.evidence.<domain>]`,
//! see [`config`]): checks turned off by name, the host's own commands
//! (argv arrays, each a check) and the files they write (evidence in any
//! supported format). cdc and performance have no built-in collector: a host
//! configures them or leaves them out of `required`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use xshell::{cmd, Shell};

use crate::flags::Collect;
use crate::gate::config::{Overrides, Policy};
use crate::project::Project;

mod certification;
pub mod config;
mod docs;
mod governance;
mod security;
mod supply_chain;

pub use governance::msrv;

/// One check a collector ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    /// `passed`, `failed`, or `not_run` (the tool could not run here).
    pub status: &'static str,
    /// What the tool said: on failure its first error lines (file and line
    /// where it gives them), the gate quotes them in the blocker.
    pub detail: String,
}

impl Check {
    pub fn new(name: &str, passed: bool, detail: impl Into<String>) -> Check {
        Check {
            name: name.to_string(),
            status: if passed { "passed" } else { "failed" },
            detail: detail.into(),
        }
    }
    /// The tool could not run here: the check does not pass, and says why.
    pub fn not_run(name: &str, why: impl Into<String>) -> Check {
        Check { name: name.to_string(), status: "not_run", detail: why.into() }
    }
}

/// One evidence file: its name in `latest/` and its bytes.
pub type File = (String, Vec<u8>);

/// What a built-in collector produced: its checks and the tools' own
/// output files (name in `latest/`, bytes); or nothing at all, and why.
#[derive(Debug, Default)]
pub struct Collected {
    pub checks: Vec<Check>,
    pub files: Vec<File>,
    /// The tools the checks ran, for the record's `tool` field.
    pub tools: Vec<&'static str>,
    /// Set when the collector could not run any tool: no evidence is written
    /// unless configured commands add some.
    pub nothing: Option<String>,
}

/// What every collector gets: the workspace, the binding, the policy.
pub struct Ctx<'a> {
    pub sh: &'a Shell,
    pub project: &'a Project,
    pub release: String,
    pub commit: Option<String>,
    pub generated_at: String,
    pub config: config::Collectors,
    /// The domain being collected and its configuration.
    pub skip: Vec<String>,
}

impl Ctx<'_> {
    /// Is the built-in check `name` turned off by the policy?
    pub fn skipped(&self, name: &str) -> bool {
        self.skip.iter().any(|s| s == name)
    }
}

impl Collect {
    pub fn run(self, sh: &Shell, project: &Project) -> Result<u8> {
        let policy = Policy::from_metadata(&project.metadata, None, &Overrides::default())?;
        let config = config::Collectors::from_metadata(&project.metadata, &policy)?;
        let domains: Vec<String> = if self.domain == "all" {
            policy.required.iter().cloned().collect()
        } else if policy.domains.contains(&self.domain) {
            vec![self.domain.clone()]
        } else {
            bail!(
                "unknown domain `{}`: expected `all` (the required domains) or one of {}",
                self.domain,
                policy.domains.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            );
        };
        let release = match &self.release {
            Some(r) => r.clone(),
            None => format!("v{}", project.version()?),
        };
        let commit = crate::project::commit(sh, self.commit.as_deref());
        let generated_at =
            crate::project::source_date_epoch()?.unwrap_or_else(jiff::Timestamp::now).to_string();
        let root = sh.current_dir();
        let mut ctx = Ctx { sh, project, release, commit, generated_at, config, skip: Vec::new() };
        for domain in &domains {
            let started = Instant::now();
            let folder = folder_of(&policy, domain);
            say(&format!(
                "==> evidence {domain} (into {}/{folder}/latest/)",
                self.artifacts_root.display()
            ));
            let files = collect_domain(&mut ctx, domain)?;
            match files {
                None => {}
                Some(files) => {
                    let dir = root.join(&self.artifacts_root).join(&folder);
                    publish(&dir, &files)?;
                    for (name, _) in &files {
                        say(&format!(
                            "evidence {domain}: wrote {}/{folder}/latest/{name}",
                            self.artifacts_root.display()
                        ));
                    }
                }
            }
            say(&format!("evidence {domain}: done in {:.1} s", started.elapsed().as_secs_f64()));
        }
        Ok(0)
    }
}

/// The files of one domain's evidence, or `None` (with why, printed) when
/// nothing could be collected.
fn collect_domain(ctx: &mut Ctx, domain: &str) -> Result<Option<Vec<File>>> {
    let settings = ctx.config.domains.get(domain).cloned().unwrap_or_default();
    ctx.skip = settings.skip.clone();
    let builtin = settings.builtin && config::BUILTIN.contains(&domain);
    let mut collected = if builtin {
        match domain {
            "certification" => certification::collect(ctx)?,
            "governance" => governance::collect(ctx)?,
            "docs" => docs::collect(ctx)?,
            "security" => security::collect(ctx)?,
            _ => supply_chain::collect(ctx)?,
        }
    } else {
        Collected::default()
    };
    // The tools' own outputs carry the binding the collector knows, in the
    // fields the gate reads for their format, so none is `unbound`.
    collected.files = collected
        .files
        .into_iter()
        .map(|(name, bytes)| {
            let bound =
                bind_output(&name, &bytes, &ctx.release, ctx.commit.as_deref(), &ctx.generated_at);
            (name, bound)
        })
        .collect();
    // The host's own commands: each a check; the files they write, evidence.
    for command in &settings.commands {
        collected.checks.push(run_configured(ctx, domain, command)?);
    }
    if collected.tools.is_empty() && !settings.commands.is_empty() {
        collected.tools.push("the policy's commands");
    }
    for output in &settings.outputs {
        let path = ctx.sh.current_dir().join(output);
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match fs::read(&path) {
            Ok(bytes) => collected.files.push((name, bytes)),
            Err(e) => collected.checks.push(Check::new(
                &format!("output {output}"),
                false,
                format!("the configured output `{output}` was not written: {e}"),
            )),
        }
    }
    if collected.checks.is_empty() && collected.files.is_empty() {
        let why = collected.nothing.unwrap_or_else(|| {
            format!("`{domain}` has no built-in collector; configure its commands in [workspace.metadata.release-gate.evidence.{domain}], or leave it out of `required`")
        });
        say(&format!("evidence {domain}: nothing written: {why}"));
        return Ok(None);
    }
    if let Some(why) = &collected.nothing {
        say(&format!("evidence {domain}: {why}"));
    }
    let record_name = format!("{domain}.json");
    let mut names: Vec<&str> = collected.files.iter().map(|(n, _)| n.as_str()).collect();
    names.push(&record_name);
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|w| w.first() == w.get(1)) {
        bail!(
            "two evidence files of `{domain}` are named `{}`: rename a configured output",
            pair.first().copied().unwrap_or_default()
        );
    }
    let mut files = collected.files;
    if !collected.checks.is_empty() {
        files.push((record_name, record(ctx, domain, &collected.tools, &collected.checks)));
    }
    Ok(Some(files))
}

/// Runs one configured command from the workspace root: a check named as
/// the policy names it, passed when it exits 0. The command learns the
/// binding through `RELEASE_GATE_RELEASE`, `RELEASE_GATE_COMMIT` and
/// `RELEASE_GATE_GENERATED_AT`, so the evidence it writes can be bound.
fn run_configured(ctx: &Ctx, domain: &str, command: &config::Command) -> Result<Check> {
    let started = Instant::now();
    let shown = command.shown();
    say(&format!("evidence {domain}: {} ({shown})", command.name));
    let Some((program, args)) = command.run.split_first() else {
        bail!("a command of `{domain}` is empty");
    };
    let mut cmd = ctx
        .sh
        .cmd(program)
        .args(args)
        .env("RELEASE_GATE_RELEASE", &ctx.release)
        .env("RELEASE_GATE_GENERATED_AT", &ctx.generated_at);
    if let Some(commit) = &ctx.commit {
        cmd = cmd.env("RELEASE_GATE_COMMIT", commit);
    }
    let out = match scrub(cmd).quiet().ignore_status().output() {
        Ok(out) => out,
        Err(e) => return Ok(Check::not_run(&command.name, format!("`{shown}` cannot run: {e}"))),
    };
    let passed = out.status.success();
    say(&format!(
        "evidence {domain}: {} {} in {:.1} s",
        command.name,
        if passed { "passed" } else { "FAILED" },
        started.elapsed().as_secs_f64()
    ));
    Ok(Check::new(
        &command.name,
        passed,
        if passed {
            format!("`{shown}`")
        } else {
            format!(
                "`{shown}` exited with {:?}: {}",
                out.status.code(),
                first_errors(&[&out.stderr, &out.stdout], 6)
            )
        },
    ))
}

/// The evidence folder of `domain`: the first folder the policy maps to it,
/// else its own name.
pub fn folder_of(policy: &Policy, domain: &str) -> String {
    policy
        .folders
        .iter()
        .find(|(_, d)| d.as_str() == domain)
        .map(|(f, _)| f.clone())
        .unwrap_or_else(|| domain.to_string())
}

/// One progress line on stdout (a closed stdout changes nothing).
pub fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{}", crate::gate::escape::terminal(line));
}

/// Replaces `dir/latest` with the new files as a whole: written to a new
/// folder, then swapped in; the old `latest` becomes `previous`.
fn publish(dir: &Path, files: &[File]) -> Result<()> {
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

/// The gate's evidence JSON for a domain's checks.
fn record(ctx: &Ctx, domain: &str, tools: &[&str], checks: &[Check]) -> Vec<u8> {
    let binding = Binding {
        release: &ctx.release,
        commit: ctx.commit.as_deref(),
        generated_at: Some(&ctx.generated_at),
    };
    evidence_json(
        domain,
        concat!("release-gate evidence ", env!("CARGO_PKG_VERSION")),
        &tools.join(", "),
        &binding,
        checks,
    )
}

/// What evidence is bound to.
pub struct Binding<'a> {
    pub release: &'a str,
    pub commit: Option<&'a str>,
    pub generated_at: Option<&'a str>,
}

/// The gate's evidence JSON of `domain`: `checks`, passed when all passed,
/// bound by `binding`, naming `cargo xtask evidence <domain>` as the way to
/// collect it again (for a host's own collectors too).
pub fn evidence_json(
    domain: &str,
    generator: &str,
    tool: &str,
    binding: &Binding,
    checks: &[Check],
) -> Vec<u8> {
    let passed = checks.iter().all(|c| c.status == "passed");
    let mut doc = json!({
        "domain": domain,
        "status": if passed { "passed" } else { "failed" },
        "generator": generator,
        "tool": tool,
        "reproduce": format!("cargo xtask evidence {domain}"),
        "release": binding.release,
        "checks": checks.iter().map(|c| json!({"name": c.name, "status": c.status, "detail": c.detail})).collect::<Vec<_>>(),
    });
    if let Some(obj) = doc.as_object_mut() {
        for (key, value) in [("commit", binding.commit), ("generated_at", binding.generated_at)] {
            if let Some(value) = value {
                obj.insert(key.to_string(), Value::String(value.to_string()));
            }
        }
    }
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A tool's output with the collector's binding added where the gate reads
/// it for the format: attributes of the JUnit root element, top-level
/// fields of a JSON document and of every record of a JSON-lines stream
/// (`release`, `commit`, `generated_at`; a field the tool wrote is kept).
/// Anything else, or anything that does not parse, is returned unchanged:
/// the gate judges it as the tool wrote it.
pub fn bind_output(
    name: &str,
    bytes: &[u8],
    release: &str,
    commit: Option<&str>,
    generated_at: &str,
) -> Vec<u8> {
    let mut fields: Vec<(&str, &str)> = vec![("release", release), ("generated_at", generated_at)];
    if let Some(commit) = commit {
        fields.push(("commit", commit));
    }
    let Ok(text) = std::str::from_utf8(bytes) else { return bytes.to_vec() };
    let bind_object = |value: &mut Value| {
        if let Some(obj) = value.as_object_mut() {
            for (key, v) in &fields {
                obj.entry(key.to_string()).or_insert_with(|| Value::String(v.to_string()));
            }
        }
    };
    if name.ends_with(".xml") {
        return bind_junit(text, &fields).map_or_else(|| bytes.to_vec(), String::into_bytes);
    }
    if name.ends_with(".jsonl") {
        let mut out = String::with_capacity(text.len().saturating_add(256));
        for line in text.lines() {
            match serde_json::from_str::<Value>(line) {
                Ok(mut record) if record.is_object() => {
                    bind_object(&mut record);
                    out.push_str(&record.to_string());
                }
                _ => out.push_str(line),
            }
            out.push('\n');
        }
        return out.into_bytes();
    }
    if name.ends_with(".json") {
        if let Ok(mut doc) = serde_json::from_str::<Value>(text) {
            if doc.is_object() {
                bind_object(&mut doc);
                if let Ok(mut out) = serde_json::to_vec_pretty(&doc) {
                    out.push(b'\n');
                    return out;
                }
            }
        }
    }
    bytes.to_vec()
}

/// The JUnit report with the binding as attributes of its root element
/// (`<testsuites release="..." ...>`), or `None` when it has no such root.
fn bind_junit(text: &str, fields: &[(&str, &str)]) -> Option<String> {
    let start = ["<testsuites", "<testsuite"].iter().find_map(|tag| {
        let at = text.find(tag)?;
        let after = text.get(at.saturating_add(tag.len())..)?;
        after.starts_with([' ', '>', '\n', '\t', '\r', '/']).then(|| at.saturating_add(tag.len()))
    })?;
    let escape = |v: &str| {
        v.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
    };
    let head = text.get(..start)?;
    let rest = text.get(start..)?;
    let tag_end = rest.find('>')?;
    let existing = rest.get(..tag_end)?;
    let mut attrs = String::new();
    for (key, value) in fields {
        if !existing.contains(&format!(" {key}=")) {
            attrs.push_str(&format!(" {key}=\"{}\"", escape(value)));
        }
    }
    Some(format!("{head}{attrs}{rest}"))
}

/// Runs a command, capturing its output, whatever its exit status.
pub fn run(cmd: xshell::Cmd<'_>) -> Result<Output> {
    scrub(cmd).quiet().ignore_status().output().map_err(Into::into)
}

/// The variables through which a process talks to the GitHub Actions job
/// (annotations, the step summary, step outputs). A collector's children
/// (the test suites, the host's commands) are not the job's step: their
/// reports must not land in its summary or outputs.
pub const GITHUB_JOB_VARS: [&str; 3] = ["GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"];

/// `cmd` without [`GITHUB_JOB_VARS`].
pub fn scrub(cmd: xshell::Cmd<'_>) -> xshell::Cmd<'_> {
    GITHUB_JOB_VARS.iter().fold(cmd, |cmd, var| cmd.env_remove(var))
}

/// The last `lines` non-blank lines of `bytes`.
pub fn tail(bytes: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all.iter().skip(all.len().saturating_sub(lines)).copied().collect::<Vec<_>>().join("\n")
}

/// The first lines of a tool's own error: each `error...` line with the
/// `-->` location line after it, from the first stream that has any; else
/// the last lines. At most `lines` lines.
pub fn first_errors(streams: &[&[u8]], lines: usize) -> String {
    for bytes in streams {
        let text = String::from_utf8_lossy(bytes);
        let all: Vec<&str> = text.lines().collect();
        let mut out: Vec<&str> = Vec::new();
        for (i, line) in all.iter().enumerate() {
            let t = line.trim_start();
            if t.starts_with("error") || t.starts_with("FAIL ") || t.contains("panicked at") {
                out.push(line.trim());
                if let Some(next) = all.get(i.saturating_add(1)) {
                    if next.trim_start().starts_with("-->") {
                        out.push(next.trim());
                    }
                }
            }
            if out.len() >= lines {
                break;
            }
        }
        if !out.is_empty() {
            out.truncate(lines);
            return out.join("\n");
        }
    }
    streams.iter().map(|b| tail(b, 3)).find(|t| !t.is_empty()).unwrap_or_default()
}

pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// Does `cargo <sub> --version` run?
pub fn has_cargo_tool(sh: &Shell, sub: &str) -> bool {
    let cargo = cargo();
    scrub(cmd!(sh, "{cargo} {sub} --version")).quiet().ignore_stdout().ignore_stderr().run().is_ok()
}

/// Where the collectors put their scratch files: `<target>/release-gate/`.
pub fn scratch(project: &Project) -> PathBuf {
    project.target_dir.join("release-gate")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the collector binds, the gate reads back, in every format.
    #[test]
    fn tool_outputs_are_bound_where_the_gate_reads_them() {
        use crate::gate::formats::detect::{understand, Context, Understood};
        use crate::gate::formats::FormatPolicy;
        let claims = |name: &str, bytes: &[u8]| {
            let bound = bind_output(
                name,
                bytes,
                "v1.2.0",
                Some("0123456789abcdef"),
                "2026-11-26T12:00:00Z",
            );
            match understand(&bound, &FormatPolicy::default(), Context::default()) {
                Understood::Evidence(j) => (j.format, j.claims, j.outcome.reasons),
                other => panic!("{name}: {other:?}"),
            }
        };
        let junit = br#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="1" failures="0" errors="0" timestamp="2026-11-26T11:59:00Z"><testsuite name="x" tests="1"><testcase name="t"/></testsuite></testsuites>
"#;
        let (format, c, reasons) = claims("junit.xml", junit);
        assert_eq!((format, reasons.len()), ("junit", 0));
        assert_eq!(
            (c.release.as_deref(), c.commit.as_deref()),
            (Some("v1.2.0"), Some("0123456789abcdef"))
        );
        // The tool's own time is kept.
        assert_eq!(c.generated_at.as_deref(), Some("2026-11-26T11:59:00Z"));

        let deny = b"{\"type\":\"summary\",\"fields\":{\"bans\":{\"errors\":0,\"warnings\":0,\"notes\":0,\"helps\":0}}}\n";
        let (format, c, reasons) = claims("cargo-deny.jsonl", deny);
        assert_eq!((format, reasons.len()), ("cargo-deny", 0), "{reasons:?}");
        assert_eq!(
            (c.release.as_deref(), c.generated_at.as_deref()),
            (Some("v1.2.0"), Some("2026-11-26T12:00:00Z"))
        );

        let audit = br#"{"database": {"advisory-count": 1}, "lockfile": {"dependency-count": 3}, "settings": {}, "vulnerabilities": {"found": false, "count": 0, "list": []}, "warnings": {}}"#;
        let (format, c, _) = claims("cargo-audit.json", audit);
        assert_eq!(format, "cargo-audit");
        assert_eq!(c.commit.as_deref(), Some("0123456789abcdef"));

        // What does not parse stays as the tool wrote it.
        assert_eq!(bind_output("junit.xml", b"<oops", "v1", None, "t"), b"<oops");
        assert_eq!(bind_output("x.json", b"[1]", "v1", None, "t"), b"[1]");
    }

    #[test]
    fn first_errors_keep_the_location() {
        let rustdoc = b"   Documenting x v0.1.0\nerror: unresolved link to `split_words`\n --> src/lib.rs:3:10\n  |\n3 | /// [`split_words`]\nerror: could not document `x`\n";
        assert_eq!(
            first_errors(&[rustdoc], 6),
            "error: unresolved link to `split_words`\n--> src/lib.rs:3:10\nerror: could not document `x`"
        );
        assert_eq!(first_errors(&[b"", b"a\nb\nc\nd\n"], 6), "b\nc\nd");
    }
}
