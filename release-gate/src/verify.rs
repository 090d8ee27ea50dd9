//! `cargo xtask release-gate verify`: has anything drifted since the gate ran?
//!
//! Re-checks a report folder against its `artifact_index.json`: every output
//! and every input still has the recorded bytes and sha256, `SHA256SUMS` still
//! lists exactly the report files with the index's digests (the index's own
//! digest among them), and no evidence file has appeared where the gate
//! looked: discovery runs again, with the gate's own code
//! (`collect::discover`), on the artifacts root the index names. Every file
//! is read with the gate's bounded, non-blocking reader. Exit 0 when
//! nothing drifted, 1 on any drift (listed file by file), 2 when the folder
//! cannot be verified at all.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::Shell;

use crate::flags::Verify;
use crate::gate::collect;
use crate::gate::config::{Overrides, Policy};
use crate::gate::escape::terminal;
use crate::gate::model::{ArtifactIndex, Report, SCHEMA_VERSION};
use crate::gate::paths;
use crate::gate::read::{self, limits, FileError};
use crate::gate::write::{self, INDEX_JSON, SUMS};
use crate::project::Project;

impl Verify {
    pub fn run(&self, sh: &Shell, project: &Project, cwd: &Path) -> Result<u8> {
        let root = sh.current_dir();
        let dir = paths::output_dir(&root, cwd, self.dir.as_deref());
        let shown = paths::display(&root, &dir);
        let index_bytes = read::read_regular(&dir.join(INDEX_JSON), limits::INDEX).map_err(|e| {
            anyhow::anyhow!("cannot read `{shown}/{INDEX_JSON}`: {e}; is `{shown}` a report folder written by `cargo xtask release-gate`?")
        })?;
        let index: ArtifactIndex = serde_json::from_slice(&index_bytes)
            .with_context(|| format!("`{shown}/{INDEX_JSON}` is not an artifact index"))?;
        if index.schema_version != SCHEMA_VERSION {
            bail!(
                "`{shown}/{INDEX_JSON}` has schema_version {}; this verifier reads {SCHEMA_VERSION}",
                index.schema_version
            );
        }
        let mut drift = Vec::new();
        let mut checked = outputs_drift(&dir, &shown, &index, &index_bytes, &mut drift);
        for entry in &index.inputs {
            checked += 1;
            check(&root.join(&entry.path), &entry.path, entry.bytes, &entry.sha256, &mut drift);
        }
        discovery_drift(&root, &dir, project, &index, &mut drift)?;
        drift.sort();
        drift.dedup();
        let mut out = String::new();
        // Paths come from the index and the file system: one terminal line
        // each, whatever they hold.
        for line in &drift {
            out.push_str(&terminal(line));
            out.push('\n');
        }
        let verdict = if drift.is_empty() { "no drift" } else { "DRIFT" };
        out.push_str(&format!(
            "verify `{}`: {checked} file(s) checked, {} drifted: {verdict}\n",
            terminal(&shown),
            drift.len()
        ));
        let _ = std::io::stdout().write_all(out.as_bytes());
        Ok(if drift.is_empty() { 0 } else { 1 })
    }
}

/// The report files against the index, and `SHA256SUMS` against both;
/// returns how many files it checked.
fn outputs_drift(
    dir: &Path,
    shown: &str,
    index: &ArtifactIndex,
    index_bytes: &[u8],
    drift: &mut Vec<String>,
) -> usize {
    // The index must list exactly the report files: an index emptied of
    // its outputs (and a `SHA256SUMS` to match) would vouch for nothing.
    let listed: BTreeSet<&str> = index.outputs.iter().map(|o| o.path.as_str()).collect();
    let report_files: BTreeSet<&str> =
        write::FILES.iter().copied().filter(|f| *f != INDEX_JSON && *f != SUMS).collect();
    if listed != report_files || listed.len() != index.outputs.len() {
        drift.push(format!(
            "changed `{shown}/{INDEX_JSON}`: its outputs are not exactly the report files ({})",
            report_files.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    // `SHA256SUMS` must be exactly what the gate writes: one line per
    // report file with the index's digest, and the index's own digest.
    let index_sha256 = release_gate_scan::hash::sha256_hex(index_bytes);
    let mut expected: BTreeMap<&str, &str> =
        index.outputs.iter().map(|o| (o.path.as_str(), o.sha256.as_str())).collect();
    expected.insert(INDEX_JSON, &index_sha256);
    match read::read_regular(&dir.join(SUMS), limits::SUMS) {
        Ok(bytes) => sums_drift(&bytes, &expected, shown, drift),
        Err(FileError::NotFound) => {
            drift.push(format!("missing `{shown}/{SUMS}`: it was written, and is gone"))
        }
        Err(e) => drift.push(format!("unreadable `{shown}/{SUMS}`: {e}")),
    }
    for entry in &index.outputs {
        let path = dir.join(&entry.path);
        check(&path, &format!("{shown}/{}", entry.path), entry.bytes, &entry.sha256, drift);
    }
    index.outputs.len() + 1
}

/// Walks what the gate walks: discovery again, with the gate's code, from
/// the artifacts root of every evidence folder (`<root>/<folder>/latest`).
fn discovery_drift(
    root: &Path,
    dir: &Path,
    project: &Project,
    index: &ArtifactIndex,
    drift: &mut Vec<String>,
) -> Result<()> {
    let roots: BTreeSet<PathBuf> = index
        .evidence_folders
        .iter()
        .filter_map(|f| Path::new(f).parent()?.parent().map(|r| root.join(r)))
        .collect();
    if roots.is_empty() {
        return Ok(());
    }
    let recorded: BTreeSet<&str> = index.inputs.iter().map(|e| e.path.as_str()).collect();
    // Every path the report judged, read or refused (a refused entry has
    // no digest, so the index does not list it). A report that does not
    // read is drift already: its digest is the index's.
    let report = read::read_json::<Report>(&dir.join(write::REPORT_JSON), limits::REPORT).ok();
    let judged: BTreeSet<&str> =
        report.iter().flat_map(Report::artifacts).map(|a| a.path.as_str()).collect();
    let policy = Policy::from_metadata(&project.metadata, None, &Overrides::default())?;
    for artifacts_root in &roots {
        let found = collect::discover(root, artifacts_root, &policy)?;
        for artifact in found.artifacts.iter().filter(|a| !recorded.contains(a.display.as_str())) {
            drift.push(format!(
                "extra `{}`: evidence that was not there when the gate ran",
                artifact.display
            ));
        }
        // What the gate would now refuse (and so block on) counts too,
        // unless the report already judged it.
        for refused in found.refused.iter().filter(|r| !judged.contains(r.display.as_str())) {
            drift.push(format!(
                "extra `{}`: not there when the gate ran, and the gate would refuse it ({})",
                refused.display, refused.reason
            ));
        }
    }
    Ok(())
}

/// Compares `SHA256SUMS` with what the gate would have written for `expected`
/// (report file -> sha256), adding a line per difference.
fn sums_drift(bytes: &[u8], expected: &BTreeMap<&str, &str>, shown: &str, drift: &mut Vec<String>) {
    if bytes == write::sums(expected.iter().map(|(name, sha)| (*name, *sha))).as_bytes() {
        return;
    }
    let before = drift.len();
    let mut changed = |what: String| drift.push(format!("changed `{shown}/{SUMS}`: {what}"));
    let text = String::from_utf8_lossy(bytes);
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for line in text.lines() {
        let Some((sha, name)) = line.split_once("  ") else {
            changed(format!("malformed line `{}`", line.escape_debug()));
            continue;
        };
        if seen.insert(name, sha).is_some() {
            changed(format!("`{}` is listed twice", name.escape_debug()));
        }
        match expected.get(name) {
            None => changed(format!(
                "it lists `{}`, which is not a file of the report set",
                name.escape_debug()
            )),
            Some(want) if *want != sha && name == INDEX_JSON => {
                changed(format!("its sha256 of `{INDEX_JSON}` is not the file's"))
            }
            Some(want) if *want != sha => {
                changed(format!("`{SUMS}` and `{INDEX_JSON}` disagree on `{name}`"))
            }
            Some(_) => {}
        }
    }
    for name in expected.keys().filter(|name| !seen.contains_key(*name)) {
        changed(format!("it does not list `{name}`"));
    }
    if drift.len() == before {
        drift.push(format!(
            "changed `{shown}/{SUMS}`: not the file the gate wrote (one line per report file, sorted by name)"
        ));
    }
}

/// Compares one file with its record, adding a line per difference.
fn check(path: &Path, shown: &str, bytes: u64, sha256: &str, drift: &mut Vec<String>) {
    // The gate's reader: a FIFO or a device put in a file's place is
    // refused without blocking, and reported as drift.
    match read::hash_file(path) {
        Err(FileError::NotFound) => {
            drift.push(format!("missing `{shown}`: it was recorded, and is gone"))
        }
        Err(e) => drift.push(format!("changed `{shown}`: {e}")),
        Ok((size, actual)) => {
            if actual != sha256 || bytes != size {
                drift.push(format!(
                    "changed `{shown}`: sha256 `{actual}` ({size} bytes), recorded `{sha256}` ({bytes} bytes)"
                ))
            }
        }
    }
}
