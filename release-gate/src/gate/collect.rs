//! Stage 1, collect: which files are evidence, and for which domain.
//!
//! Either the explicit `--artifact DOMAIN=PATH` list, or discovery of every
//! evidence file under `<artifacts-root>/*/latest/`. Discovery never leaves
//! the artifacts root: a `latest` folder or entry that resolves outside it is
//! refused with the reason. Nothing here reads a file's content.
//!
//! Nothing seen counts zero times: every evidence-like file (and folder)
//! under a `latest/` folder is either an artifact to read or [`Refused`],
//! and a refused entry blocks its domain as `<domain>.invalid` (a symlink out
//! of the root, one file reached through several paths of different
//! domains, a folder deeper than [`MAX_DEPTH`], an entry that cannot be
//! listed). Only files that are no evidence by name (`notes.txt`) are merely
//! listed as ignored.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Result};

use super::config::{check_domain_name, Policy};
use super::model::Ignored;
use super::paths::{self, bad_name, evidence_like};

/// One evidence file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactRef {
    /// Where to read it.
    pub path: PathBuf,
    /// How the report names it.
    pub display: String,
    pub origin: Origin,
    /// Discovery listed it as a regular file (not a symlink): the read stage
    /// needs no `stat` before opening it to know it is no FIFO or device.
    pub listed_as_file: bool,
    /// It was reached through a symlink (the `latest` folder, a folder on the
    /// way, or the entry itself).
    pub via_symlink: bool,
}

impl ArtifactRef {
    /// The domain collection assigned it (before its content may declare another).
    pub fn assigned_domain(&self) -> &str {
        match &self.origin {
            Origin::Explicit { domain, .. } | Origin::Discovered { domain, .. } => domain,
        }
    }
}

/// An evidence-like entry seen under an evidence folder that will not be read:
/// it blocks `domain` as `<domain>.invalid` with the reason, so it cannot
/// count zero times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// How the report names it (control characters escaped).
    pub display: String,
    /// The domain it would have counted for.
    pub domain: String,
    /// Why it is not read, and what to do (`refused: ...`).
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--artifact DOMAIN=PATH`: the user assigned the domain. `named` when
    /// PATH is this file; false when the file was found in a folder PATH.
    Explicit { domain: String, named: bool },
    /// Found under `<root>/<folder>/latest/`; `domain` is the folder's mapped
    /// domain, used when the file names none itself.
    Discovered { folder: String, domain: String },
}

/// What collection found.
#[derive(Debug, Default)]
pub struct Collected {
    pub artifacts: Vec<ArtifactRef>,
    /// Files seen that are no evidence by name, with the reason.
    pub ignored: Vec<Ignored>,
    /// Evidence-like entries seen but not read: each blocks its domain.
    pub refused: Vec<Refused>,
    /// Folders the evidence comes from: the report must not be written there.
    pub input_dirs: Vec<PathBuf>,
    /// The folders evidence was found in, as given (for `verify`).
    pub evidence_folders: Vec<PathBuf>,
    /// Where discovery looked, for the `missing` messages (root-relative).
    pub discovery_root: Option<String>,
    /// Discovery went through a symlink (a `latest` folder or an entry): only
    /// then can two paths name one file, so only then are aliases resolved.
    pub saw_symlink: bool,
}

/// How deep discovery walks below a `latest` folder; a folder deeper than
/// this is refused (its domain does not pass), never silently skipped.
pub const MAX_DEPTH: usize = 16;

/// A name that is evidence but for trailing spaces or dots (`x.json `,
/// `x.json.`): meant as evidence, never read as such, so it is refused.
fn near_evidence(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    let trimmed = name.trim_end_matches(|c: char| c.is_whitespace() || c == '.');
    trimmed != name && evidence_like(Path::new(trimmed))
}

pub fn explicit(
    root: &Path,
    cwd: &Path,
    policy: &Policy,
    args: &[(String, PathBuf)],
) -> Result<Collected> {
    let mut out = Collected::default();
    let mut seen = BTreeSet::new();
    for (domain, path) in args {
        let (given, abs, shown) = explicit_path(root, cwd, policy, domain, path)?;
        if !seen.insert(paths::resolve(&abs)) {
            bail!(
                "`{shown}` is given twice with `--artifact`: each file is the evidence of one domain, once"
            );
        }
        let named = |path: PathBuf, display: String| ArtifactRef {
            path,
            display,
            origin: Origin::Explicit { domain: domain.clone(), named: true },
            listed_as_file: false,
            via_symlink: false,
        };
        match given.canonicalize() {
            Ok(real) if real.is_dir() => {
                // A folder (a criterion tree, a downloaded artifact): every
                // evidence file under it is this domain's evidence.
                out.input_dirs.push(abs.clone());
                let before = out.artifacts.len();
                let mut w = Walk::new(root, &real, domain, domain, Some(domain), &mut out);
                w.walk(&given, &real, 0, real != abs);
                if out.artifacts.len() == before {
                    // The user named it as evidence: a folder without any is
                    // invalid evidence, not a missing `--artifact`.
                    out.artifacts.push(named(given, shown));
                }
            }
            _ => {
                if let Some(parent) = abs.parent() {
                    out.input_dirs.push(parent.to_path_buf());
                }
                out.artifacts.push(named(given, shown));
            }
        }
    }
    refuse_given_twice(&out)?;
    Ok(out)
}

/// `--artifact DOMAIN=PATH` checked: a configured domain, and a path the
/// report can name that is the file the system reads. The path as given
/// (from `cwd`), absolute, and as the report names it.
fn explicit_path(
    root: &Path,
    cwd: &Path,
    policy: &Policy,
    domain: &str,
    path: &Path,
) -> Result<(PathBuf, PathBuf, String)> {
    check_domain_name(domain).map_err(|e| {
        anyhow::anyhow!("`--artifact {}=...`: {e}", crate::gate::escape::shown(domain))
    })?;
    if !policy.domains.contains(domain) {
        bail!(
            "`--artifact {domain}={}`: unknown domain `{domain}` (expected DOMAIN=PATH with DOMAIN one of {})",
            path.display(),
            policy.domains.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
        );
    }
    let abs = paths::absolute(cwd, path);
    let shown = paths::display(root, &abs);
    if shown.chars().any(char::is_control) {
        bail!("`--artifact {domain}=...`: the path contains control characters; rename the file");
    }
    let given = cwd.join(path);
    if path.components().any(|c| c == Component::ParentDir)
        && given.canonicalize().ok() != abs.canonicalize().ok()
    {
        // `link/../x.json`: the system reads from the symlink target's
        // parent (or nothing, when a folder before `..` is missing); the
        // report would name `x.json` here. Two different files.
        bail!(
            "`--artifact {domain}={}`: the system resolves this path to another file than `{shown}` (a symlink or a missing folder before `..`); pass the path without `..`",
            path.display()
        );
    }
    Ok((given, abs, shown))
}

/// A file reached twice (a folder's file also given on its own, or a
/// symlink to another given file) would count twice.
fn refuse_given_twice(out: &Collected) -> Result<()> {
    let mut by_real: BTreeMap<PathBuf, &str> = BTreeMap::new();
    for artifact in &out.artifacts {
        let Ok(real) = artifact.path.canonicalize() else { continue };
        if real.is_dir() {
            continue;
        }
        if let Some(first) = by_real.insert(real, &artifact.display) {
            bail!(
                "`{}` and `{first}` are the same file given twice with `--artifact`: each file is the evidence of one domain, once",
                artifact.display
            );
        }
    }
    Ok(())
}

pub fn discover(root: &Path, artifacts_root: &Path, policy: &Policy) -> Result<Collected> {
    let mut out = Collected {
        discovery_root: Some(paths::display(root, artifacts_root)),
        ..Collected::default()
    };
    let Ok(real_root) = artifacts_root.canonicalize() else {
        return Ok(out); // no evidence at all: every domain is missing
    };
    for latest in latest_folders(root, artifacts_root, policy, &mut out)? {
        discover_in(root, &real_root, policy, &latest, &mut out);
    }
    refuse_aliases(&mut out);
    Ok(out)
}

/// Every `<folder>/latest` of the artifacts root, sorted, listed by hand: a
/// glob skips names that are not UTF-8, and those must be refused, not
/// unseen. A near miss (`Latest`) is refused into `out`.
fn latest_folders(
    root: &Path,
    artifacts_root: &Path,
    policy: &Policy,
    out: &mut Collected,
) -> Result<Vec<PathBuf>> {
    let unlisted = |e: std::io::Error| {
        let shown = paths::display(root, artifacts_root);
        anyhow::anyhow!("cannot list `{shown}` for evidence: {e}; make it readable")
    };
    let mut latest_dirs = Vec::new();
    for entry in fs::read_dir(artifacts_root).map_err(unlisted)? {
        let folder_path = entry.map_err(unlisted)?.path();
        if !folder_path.is_dir() {
            continue;
        }
        let children = match fs::read_dir(&folder_path) {
            Ok(children) => children,
            // A folder that cannot be listed may hold a `latest/`: evidence
            // the gate cannot see must not pass unseen.
            Err(e) => bail!(
                "cannot search `{}` for evidence: {e}; make it readable or remove it",
                escape(&paths::display(root, &folder_path))
            ),
        };
        for child in children.flatten() {
            let name = child.file_name();
            let name = name.to_string_lossy();
            if name == "latest" {
                latest_dirs.push(child.path());
            } else if name.trim().eq_ignore_ascii_case("latest") {
                // `Latest`, `LATEST`, `latest `: meant as evidence, and never
                // read as such; its folder's domain does not pass.
                let folder = folder_path.file_name().map(|f| f.to_string_lossy().into_owned());
                let domain = folder
                    .as_deref()
                    .filter(|f| !release_gate_scan::text::has_control(f))
                    .map_or_else(|| UNASSIGNED.to_string(), |f| policy.folder_domain(f));
                out.refused.push(Refused {
                    display: escape(&paths::display(root, &child.path())),
                    domain,
                    reason: "refused: evidence folders are named `latest` exactly; rename this one"
                        .to_string(),
                });
            }
        }
    }
    latest_dirs.sort();
    Ok(latest_dirs)
}

/// Discovers the evidence of one `latest` folder, or refuses it: a folder
/// name no domain can be read from, a near miss of a configured domain, a
/// `latest` that does not resolve to a folder inside the artifacts root.
fn discover_in(root: &Path, real_root: &Path, policy: &Policy, latest: &Path, out: &mut Collected) {
    let display = escape(&paths::display(root, latest));
    let Some(folder) = latest
        .parent()
        .and_then(Path::file_name)
        .and_then(|f| f.to_str())
        .filter(|f| !release_gate_scan::text::has_control(f))
    else {
        // No domain can be named for it: the whole gate is blocked.
        out.refused.push(Refused {
            display,
            domain: UNASSIGNED.to_string(),
            reason: "refused: the evidence folder's name is not UTF-8 or holds control characters, so no domain can be assigned; rename the folder".to_string(),
        });
        return;
    };
    let domain = policy.folder_domain(folder);
    if let Some(meant) = meant_domain(policy, folder, &domain) {
        out.refused.push(Refused {
            display,
            domain: meant.clone(),
            reason: format!("refused: the folder `{}` is not named as the policy names `{meant}`'s evidence folders; rename it", escape(folder)),
        });
        return;
    }
    let refused = match latest.canonicalize() {
        Err(e) => Some(format!(
            "refused: the evidence folder cannot be resolved ({e}); repair or remove the symlink"
        )),
        Ok(real) if !real.starts_with(real_root) => Some(OUTSIDE.to_string()),
        Ok(real) if !real.is_dir() => Some(
            "refused: `latest` is not a folder; the evidence belongs in a folder `latest/`"
                .to_string(),
        ),
        Ok(real) => {
            let via_symlink = real != latest;
            out.saw_symlink |= via_symlink;
            out.input_dirs.push(latest.to_path_buf());
            out.input_dirs.push(real.clone());
            out.evidence_folders.push(latest.to_path_buf());
            let mut w = Walk::new(root, real_root, folder, &domain, None, out);
            w.walk(latest, &real, 0, via_symlink);
            None
        }
    };
    if let Some(reason) = refused {
        out.refused.push(Refused { display, domain, reason });
    }
}

/// `Security`, `security `, `supply-chain`: a folder whose `domain` is not
/// configured but is a near miss of a configured domain or folder would be
/// listed as unassigned and never gate; it blocks the domain it was meant for.
fn meant_domain(policy: &Policy, folder: &str, domain: &str) -> Option<String> {
    if policy.domains.contains(domain) {
        return None;
    }
    let near = |name: &str| name.trim().to_ascii_lowercase().replace('-', "_");
    policy
        .domains
        .iter()
        .chain(policy.folders.keys())
        .find(|known| near(known) == near(folder))
        .map(|known| policy.folder_domain(known))
}

/// The domain of evidence that cannot be assigned to any: its blocker is
/// `evidence.invalid`, which no configured domain can be named.
pub const UNASSIGNED: &str = "evidence";

const OUTSIDE: &str =
    "refused: it resolves outside the artifacts root (a symlink out of the evidence tree); put the evidence itself under the artifacts root";

/// A file reached by more than one path (symlinks) is evidence once: through
/// the one path reached without a symlink. A symlink to it from a folder of
/// the same domain is listed as ignored (the file counts there already);
/// from another domain's folder it is refused, so that domain does not pass on
/// evidence it does not hold. When no single path is free of symlinks, which
/// domain the file belongs to is ambiguous: every path is refused, and each of
/// their domains is blocked.
fn refuse_aliases(out: &mut Collected) {
    if !out.saw_symlink {
        // Without a symlink on the way, every path names its own file.
        return;
    }
    let mut groups: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, artifact) in out.artifacts.iter().enumerate() {
        if let Ok(real) = artifact.path.canonicalize() {
            groups.entry(real).or_default().push(i);
        }
    }
    // index -> Some(reason) to refuse (blocks its domain), None to ignore.
    let mut dropped: BTreeMap<usize, (bool, String)> = BTreeMap::new();
    for group in groups.values().filter(|g| g.len() > 1) {
        let get = |i: &usize| out.artifacts.get(*i);
        let direct: Vec<usize> =
            group.iter().copied().filter(|i| get(i).is_some_and(|a| !a.via_symlink)).collect();
        let shown = |i: &usize| get(i).map_or("", |a| a.display.as_str());
        let domain = |i: &usize| get(i).map_or("", |a| a.assigned_domain());
        match direct.as_slice() {
            [kept] => {
                for i in group.iter().filter(|i| *i != kept) {
                    let same = domain(i) == domain(kept);
                    let reason = if same {
                        format!(
                            "a symlink to `{}`, which is evidence already; a file counts once",
                            shown(kept)
                        )
                    } else {
                        format!(
                            "refused: a symlink to `{}`, which is evidence for `{}`; a file counts once, for one domain, so `{}` cannot pass on it; put the `{}` evidence itself in this folder",
                            shown(kept), domain(kept), domain(i), domain(i)
                        )
                    };
                    dropped.insert(*i, (!same, reason));
                }
            }
            _ => {
                let all = group.iter().map(|i| format!("`{}`", shown(i))).collect::<Vec<_>>();
                for i in group {
                    dropped.insert(*i, (true, format!(
                        "refused: {} are the same file (through symlinks), so which domain it is evidence for is ambiguous; a file counts once, for one domain: keep one copy where it belongs",
                        all.join(", ")
                    )));
                }
            }
        }
    }
    if dropped.is_empty() {
        return;
    }
    let artifacts = std::mem::take(&mut out.artifacts);
    for (i, artifact) in artifacts.into_iter().enumerate() {
        match dropped.remove(&i) {
            Some((true, reason)) => out.refused.push(Refused {
                domain: artifact.assigned_domain().to_string(),
                display: artifact.display,
                reason,
            }),
            Some((false, reason)) => out.ignored.push(Ignored::new(artifact.display, reason)),
            None => out.artifacts.push(artifact),
        }
    }
}

/// A path for the report, shown as the terminal shows input (control and
/// bidirectional characters as escapes).
fn escape(path: &str) -> String {
    super::escape::terminal(path).into_owned()
}

const NEAR_EVIDENCE: &str = "refused: its name is an evidence file's but for trailing spaces or dots, so it would never be read; rename it";

const NOT_EVIDENCE: &str = "not an evidence file by its name (evidence files end in `.json`, `.jsonl`, `.ndjson`, `.sarif`, `.xml`, `.junit`, `.cdx`, `.spdx`, `.intoto`, `.dsse` or `.sigstore`)";

/// Where a walk is, what it assigns, and where it puts what it finds.
struct Walk<'a> {
    root: &'a Path,
    /// Nothing outside this real path is read.
    real_root: &'a Path,
    folder: &'a str,
    domain: &'a str,
    /// `Some(domain)` when walking a folder given as `--artifact DOMAIN=DIR`.
    explicit: Option<&'a str>,
    /// The real folders walked: each once, through the first path to it.
    visited: BTreeSet<PathBuf>,
    out: &'a mut Collected,
}

impl<'a> Walk<'a> {
    fn new(
        root: &'a Path,
        real_root: &'a Path,
        folder: &'a str,
        domain: &'a str,
        explicit: Option<&'a str>,
        out: &'a mut Collected,
    ) -> Self {
        let visited = BTreeSet::new();
        Walk { root, real_root, folder, domain, explicit, visited, out }
    }

    fn artifact(
        &mut self,
        path: PathBuf,
        display: String,
        listed_as_file: bool,
        via_symlink: bool,
    ) {
        let origin = match self.explicit {
            Some(domain) => Origin::Explicit { domain: domain.to_string(), named: false },
            None => Origin::Discovered {
                folder: self.folder.to_string(),
                domain: self.domain.to_string(),
            },
        };
        self.out.artifacts.push(ArtifactRef { path, display, origin, listed_as_file, via_symlink });
    }

    fn refuse(&mut self, display: String, reason: String) {
        let domain = self.explicit.unwrap_or(self.domain).to_string();
        self.out.refused.push(Refused { display, domain, reason });
    }

    fn ignore(&mut self, display: String, reason: impl Into<String>) {
        self.out.ignored.push(Ignored::new(display, reason));
    }

    /// A file that is no evidence by its name: refused when it nearly is.
    fn not_evidence(&mut self, path: &Path, display: String) {
        if near_evidence(path) {
            self.refuse(display, NEAR_EVIDENCE.to_string());
        } else {
            self.ignore(display, NOT_EVIDENCE);
        }
    }

    /// Walks `dir`, whose real (symlink-free) path is `real_dir`;
    /// `via_symlink`: a symlink was followed on the way to `dir`.
    fn walk(&mut self, dir: &Path, real_dir: &Path, depth: usize, via_symlink: bool) {
        self.visited.insert(real_dir.to_path_buf());
        let Some(entries) = self.list(dir, via_symlink) else { return };
        // How the report names an entry: the folder's name plus the entry's,
        // unless the folder is the root or above it (then `..` steps may cancel).
        let dir_display = (!self.root.starts_with(dir)).then(|| paths::display(self.root, dir));
        for (path, file_type) in entries {
            if bad_name(&path) {
                self.bad_name(path, via_symlink);
                continue;
            }
            let display = match (&dir_display, path.file_name()) {
                (Some(dir), Some(name)) => format!("{dir}/{}", name.to_string_lossy()),
                _ => paths::display(self.root, &path),
            };
            let supported = evidence_like(&path);
            if file_type.is_some_and(|t| t.is_file()) {
                // A regular file listed in the real folder being walked:
                // inside the root, no symlink to resolve (the common case,
                // thousands of times per run).
                if supported {
                    self.artifact(path, display, true, via_symlink);
                } else {
                    self.not_evidence(&path, display);
                }
                continue;
            }
            // Where it really is: an entry that is not a symlink sits in the
            // real folder being walked; only a symlink needs resolving (one
            // `canonicalize` per file was most of discovery's time).
            let is_link = file_type.is_none_or(|t| t.is_symlink());
            let resolved = match (file_type, path.file_name()) {
                (Some(t), Some(name)) if !t.is_symlink() => Ok((real_dir.join(name), t.is_dir())),
                _ => {
                    self.out.saw_symlink = true;
                    path.canonicalize().map(|real| {
                        let is_dir = real.is_dir();
                        (real, is_dir)
                    })
                }
            };
            let via = via_symlink || is_link;
            match resolved {
                // A dangling symlink or a symlink loop named as evidence: the
                // read stage reports it (missing, or invalid with the
                // reason), so it cannot pass unnoticed.
                Err(_) if supported => self.artifact(path, display, false, true),
                Err(e) => self.ignore(
                    display,
                    format!("cannot resolve it ({e}), and it is not an evidence file by its name"),
                ),
                Ok((real, is_dir)) if !real.starts_with(self.real_root) => {
                    if supported || is_dir {
                        self.refuse(display, OUTSIDE.to_string());
                    } else {
                        self.ignore(display, NOT_EVIDENCE);
                    }
                }
                Ok((real, true)) => self.folder(&path, &real, display, depth, via),
                Ok(_) if supported => self.artifact(path, display, false, via),
                Ok(_) => self.not_evidence(&path, display),
            }
        }
    }

    /// `dir`'s entries, sorted; `None` when it cannot be listed completely
    /// (then it went to the read stage or was refused).
    fn list(
        &mut self,
        dir: &Path,
        via_symlink: bool,
    ) -> Option<Vec<(PathBuf, Option<fs::FileType>)>> {
        let Ok(listing) = fs::read_dir(dir) else {
            // Evidence that cannot be listed cannot pass: hand the folder to
            // the read stage, which reports it as invalid with the reason.
            let display = escape(&paths::display(self.root, dir));
            self.artifact(dir.to_path_buf(), display, false, via_symlink);
            return None;
        };
        let mut entries: Vec<(PathBuf, Option<fs::FileType>)> = Vec::new();
        for entry in listing {
            match entry {
                Ok(e) => entries.push((e.path(), e.file_type().ok())),
                Err(e) => {
                    // An entry the system could not list may be evidence.
                    let display = escape(&paths::display(self.root, dir));
                    self.refuse(display, format!("refused: the folder cannot be listed completely ({e}); make it readable"));
                    return None;
                }
            }
        }
        // All in `dir`: by name is by path, without comparing every component.
        entries.sort_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
        Some(entries)
    }

    /// A name that would forge a line of the report or a CI log (or that the
    /// report cannot spell): never read, never silently dropped.
    /// Evidence-like names and folders go to the read stage, which refuses
    /// them as invalid evidence of this domain.
    fn bad_name(&mut self, path: PathBuf, via_symlink: bool) {
        let display = escape(&paths::display(self.root, &path));
        if path.is_dir() || evidence_like(&path) {
            self.artifact(path, display, false, via_symlink);
        } else {
            self.ignore(
                display,
                "not an evidence file, and its name is refused (control characters or not UTF-8)",
            );
        }
    }

    /// A folder under the one walked: walked in turn, unless too deep or
    /// walked already.
    fn folder(&mut self, path: &Path, real: &Path, display: String, depth: usize, via: bool) {
        if depth >= MAX_DEPTH {
            self.refuse(display, format!("refused: a folder deeper than {MAX_DEPTH} levels below the evidence folder, which the gate does not walk; move its evidence up"));
        } else if self.visited.contains(real) {
            self.ignore(display, "a folder already walked (symlink cycle)");
        } else {
            self.walk(path, real, depth.saturating_add(1), via);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::config::Overrides;

    /// Discovery reads what is really inside the artifacts root, symlinks
    /// resolved, and refuses what resolves outside it.
    #[cfg(unix)]
    #[test]
    fn discovery_follows_symlinks_only_inside_the_root() {
        use std::os::unix::fs::symlink;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let evidence = root.join("evidence");
        let latest = evidence.join("security/latest");
        fs::create_dir_all(latest.join("nested")).unwrap();
        fs::create_dir_all(root.join("outside")).unwrap();
        fs::write(latest.join("a.json"), "{}").unwrap();
        fs::write(latest.join("nested/b.json"), "{}").unwrap();
        fs::write(latest.join("notes.txt"), "").unwrap();
        fs::write(root.join("outside/secret.json"), "{}").unwrap();
        symlink(root.join("outside/secret.json"), latest.join("out.json")).unwrap();
        symlink(root.join("outside"), latest.join("out-dir")).unwrap();
        symlink(latest.join("a.json"), latest.join("alias.json")).unwrap();
        symlink(latest.join("nested"), latest.join("loop")).unwrap();
        symlink(root.join("missing.json"), latest.join("dangling.json")).unwrap();
        let meta = serde_json::json!({});
        let policy = Policy::from_metadata(&meta, None, &Overrides::default()).unwrap();
        let got = discover(root, &evidence, &policy).unwrap();
        let artifacts: Vec<&str> = got.artifacts.iter().map(|a| a.display.as_str()).collect();
        assert_eq!(
            artifacts,
            [
                "evidence/security/latest/a.json",
                // A dangling symlink named as evidence goes to the read
                // stage, which reports it: it cannot pass unnoticed.
                "evidence/security/latest/dangling.json",
                // Walked in name order: the symlink `loop` reaches `nested` first.
                "evidence/security/latest/loop/b.json",
            ]
        );
        let ignored: Vec<(&str, &str)> =
            got.ignored.iter().map(|i| (i.path.as_str(), i.reason.as_str())).collect();
        assert_eq!(
            ignored,
            [
                ("evidence/security/latest/nested", "a folder already walked (symlink cycle)"),
                ("evidence/security/latest/notes.txt", NOT_EVIDENCE),
                // A symlink to evidence of the same domain: the file counts once.
                (
                    "evidence/security/latest/alias.json",
                    "a symlink to `evidence/security/latest/a.json`, which is evidence already; a file counts once"
                ),
            ]
        );
        // What resolves outside the root is refused: it blocks `security`.
        let refused: Vec<(&str, &str, &str)> = got
            .refused
            .iter()
            .map(|r| (r.display.as_str(), r.domain.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(
            refused,
            [
                ("evidence/security/latest/out-dir", "security", OUTSIDE),
                ("evidence/security/latest/out.json", "security", OUTSIDE),
            ]
        );
    }
}
