//! `cargo xtask release <VERSION>`: the release, chained to the gate.
//!
//! Preflight (version, clean tree, new tag, one commit), then the gate in
//! strict mode on real evidence: any blocker stops the release before
//! anything is created. The gate judges HEAD, resolved once to its full id,
//! and the tag is created on that id: a `--commit` or `GITHUB_SHA` naming
//! another commit is refused (exit 2) instead of gating one commit and
//! tagging another.
//! A dry run unless `--execute`; pushing is its own flag. Also usable as
//! cargo-release's `pre-release-hook` (`NEW_VERSION`, `DRY_RUN`).

use std::io::Write;
use std::path::Path;

use crate::gate::escape::terminal;
use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::flags::Release;
use crate::present;
use crate::project::Project;
use crate::release_gate::gate;

impl Release {
    pub fn run(self, sh: &Shell, project: &Project, cwd: &Path) -> Result<u8> {
        let from_env = std::env::var("NEW_VERSION").ok().filter(|v| !v.trim().is_empty());
        // cargo-release runs its hook after bumping the version, so a tracked
        // file changed by the bump is expected there; nothing untracked is.
        let hook = self.version.is_none() && from_env.is_some();
        let version = match (&self.version, from_env) {
            (Some(arg), Some(env)) if bare(arg) != bare(&env) => bail!(
                "the version argument `{arg}` and `NEW_VERSION={env}` disagree; pass one of them"
            ),
            (Some(v), _) => v.clone(),
            (None, Some(v)) => v,
            (None, None) => bail!(
                "no version to release: pass `cargo xtask release <VERSION>` or set `NEW_VERSION`"
            ),
        };
        let version = bare(&version).to_string();
        let tag = format!("v{version}");
        let dry_run_env =
            std::env::var("DRY_RUN").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));

        // Preflight: nothing has been changed yet when one of these fails.
        preflight(sh, project, &version, &tag, hook)?;
        let head = commit_under_test(sh, self.evidence.commit.as_deref())?;
        let mut evidence = self.evidence;
        evidence.commit = Some(head.clone());

        // The gate, strict: stub evidence is a blocker here.
        let gated = gate(sh, project, cwd, tag.clone(), &evidence, false)?;
        let mut out = present::human(&gated.report, &gated.output_dir, false);
        if !gated.report.blockers.is_empty() {
            out.push_str(&format!(
                "release `{tag}` stopped: {} blocker(s); nothing was tagged or pushed\n",
                gated.report.blockers.len()
            ));
            let _ = std::io::stdout().write_all(out.as_bytes());
            return Ok(1);
        }
        let message = format!(
            "Release {tag}\n\nrelease gate: level {}, score {}\nproduction_maturity.json sha256: {}\n",
            gated.report.level.as_str(),
            gated.report.score,
            gated.report_sha256
        );
        let remote = &self.remote;
        let shown_remote = terminal(remote);
        if !self.execute || dry_run_env {
            let why = if dry_run_env { " (DRY_RUN=true)" } else { "" };
            out.push_str(&format!("dry run{why}: the release would run\n"));
            out.push_str(&format!(
                "  git tag --annotate {tag} {head} (message names production_maturity.json sha256 {})\n",
                gated.report_sha256
            ));
            if self.push {
                out.push_str(&format!("  git push {shown_remote} refs/tags/{tag}\n"));
            }
            out.push_str("pass `--execute` to create the tag\n");
        } else {
            // The commit the gate judged, by its full id: not whatever HEAD is now.
            cmd!(sh, "git tag --annotate {tag} {head} --message {message}")
                .quiet()
                .run()
                .with_context(|| format!("cannot create the tag `{tag}`"))?;
            out.push_str(&format!("created the annotated tag `{tag}`\n"));
            if self.push {
                let tag_ref = format!("refs/tags/{tag}");
                cmd!(sh, "git push {remote} {tag_ref}").quiet().run().with_context(|| {
                    format!("cannot push `{tag}` to `{remote}`; the tag exists locally")
                })?;
                out.push_str(&format!("pushed `{tag}` to `{shown_remote}`\n"));
            }
        }
        let _ = std::io::stdout().write_all(out.as_bytes());
        Ok(0)
    }
}

/// The version is the workspace's, the tree is clean, the tag is new.
fn preflight(sh: &Shell, project: &Project, version: &str, tag: &str, hook: bool) -> Result<()> {
    let workspace = project.version()?;
    if version != workspace {
        bail!("version `{version}` is not the workspace version `{workspace}`; bump the version in `Cargo.toml` first, or release `{workspace}`");
    }
    // `output`, not `read`: `read` trims, and porcelain's leading space matters.
    let status = cmd!(sh, "git status --porcelain")
        .quiet()
        .output()
        .context("cannot run `git status` (is this a git repository?)")?;
    let status = String::from_utf8_lossy(&status.stdout);
    let dirty: Vec<&str> = status.lines().filter(|l| !(hook && l.starts_with(" M "))).collect();
    if !dirty.is_empty() {
        // One line (an error is one line in a CI log): the first five
        // entries as `git status --porcelain` writes them, and how many more.
        let shown: Vec<String> = dirty.iter().take(5).map(|l| format!("`{l}`")).collect();
        let more = match dirty.len().saturating_sub(5) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        bail!("the git tree is not clean ({}{more}); commit or stash first", shown.join(", "));
    }
    let tag_ref = format!("refs/tags/{tag}");
    if cmd!(sh, "git rev-parse --quiet --verify {tag_ref}").quiet().ignore_stdout().run().is_ok() {
        bail!("the tag `{tag}` already exists; a release is tagged once (bump the version for a new one)");
    }
    Ok(())
}

/// One commit for the gate and the tag: HEAD, resolved once to its full id.
/// A `--commit` or `GITHUB_SHA` naming another commit would let the gate
/// accept evidence bound to that commit while the tag names HEAD: refused
/// before anything is created.
fn commit_under_test(sh: &Shell, flag: Option<&str>) -> Result<String> {
    let head = resolve_commit(sh, "HEAD")
        .context("cannot resolve `HEAD` to a commit; a release needs a commit to tag")?;
    let claimed = match flag {
        Some(commit) => Some(("--commit", commit.trim().to_string())),
        None => std::env::var("GITHUB_SHA")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .map(|s| ("GITHUB_SHA", s.trim().to_string())),
    };
    let Some((source, value)) = claimed else { return Ok(head) };
    let Some(full) = resolve_commit(sh, &value) else {
        bail!(
            "`{source}` is `{value}`, which is not a commit of this repository; pass the commit being released (HEAD, `{head}`), or leave `--commit` out"
        );
    };
    if full != head {
        bail!(
            "`{source}` is `{value}` (commit `{full}`), but HEAD is `{head}`: the gate would judge evidence bound to one commit and the tag would name another; check out `{full}` before releasing it (`git checkout {full}`), or release HEAD with `--commit {head}`"
        );
    }
    Ok(head)
}

/// The full id of the commit `rev` names (`git rev-parse --verify
/// <rev>^{commit}`), or `None` when it names none (or looks like an option).
fn resolve_commit(sh: &Shell, rev: &str) -> Option<String> {
    if rev.is_empty() || rev.starts_with('-') {
        return None;
    }
    let spec = format!("{rev}^{{commit}}");
    let full =
        cmd!(sh, "git rev-parse --quiet --verify {spec}").quiet().ignore_stderr().read().ok()?;
    let full = full.trim().to_string();
    (!full.is_empty() && full.bytes().all(|b| b.is_ascii_hexdigit())).then_some(full)
}

fn bare(version: &str) -> &str {
    let v = version.trim();
    v.strip_prefix('v').unwrap_or(v)
}
