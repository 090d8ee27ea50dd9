//! `cargo xtask release-gate verify`: has anything drifted since the gate ran?
//!
//! Re-checks a report folder against its `artifact_index.json`: every output
//! and every input still has the recorded bytes and sha256, `SHA256SUMS` still
//! matches the files it lists (the index among them), and no evidence file has
//! appeared in the folders the gate discovered evidence in. Exit 0 when
//! nothing drifted, 1 on any drift (listed file by file), 2 when the folder
//! cannot be verified at all.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use xshell::Shell;

use crate::flags::Verify;
use crate::release_gate::DEFAULT_OUTPUT_DIR;
use xtask::gate::collect::EXTENSIONS;
use xtask::gate::write::{INDEX_JSON, SUMS};
use xtask::gate::{paths, read};

#[derive(Deserialize)]
struct Index {
    schema_version: u32,
    outputs: Vec<Entry>,
    inputs: Vec<Entry>,
    #[serde(default)]
    evidence_folders: Vec<String>,
}

#[derive(Deserialize)]
struct Entry {
    path: String,
    bytes: u64,
    sha256: String,
}

impl Verify {
    pub fn run(self, sh: &Shell, cwd: &Path) -> Result<ExitCode> {
        let root = sh.current_dir();
        let dir = match &self.dir {
            Some(dir) => paths::absolute(cwd, dir),
            None => root.join(DEFAULT_OUTPUT_DIR),
        };
        let shown = paths::display(&root, &dir);
        let index_path = dir.join(INDEX_JSON);
        let text = fs::read_to_string(&index_path).with_context(|| {
            format!("cannot read `{shown}/{INDEX_JSON}`: is `{shown}` a report folder written by `cargo xtask release-gate`?")
        })?;
        let index: Index = serde_json::from_str(&text)
            .with_context(|| format!("`{shown}/{INDEX_JSON}` is not an artifact index"))?;
        if index.schema_version != 1 {
            bail!(
                "`{shown}/{INDEX_JSON}` has schema_version {}; this verifier reads 1",
                index.schema_version
            );
        }

        let mut drift = Vec::new();
        let mut checked = 0usize;
        // SHA256SUMS covers the index itself: check it first.
        match fs::read_to_string(dir.join(SUMS)) {
            Ok(sums) => {
                for line in sums.lines().filter(|l| !l.trim().is_empty()) {
                    let Some((sha, name)) = line.split_once("  ") else {
                        drift.push(format!("malformed line in `{shown}/{SUMS}`: `{line}`"));
                        continue;
                    };
                    if index.outputs.iter().any(|o| o.path == name) {
                        if !index.outputs.iter().any(|o| o.path == name && o.sha256 == sha) {
                            drift.push(format!(
                                "`{shown}/{SUMS}` and `{INDEX_JSON}` disagree on `{name}`"
                            ));
                        }
                        continue;
                    }
                    checked += 1;
                    check(&dir.join(name), &format!("{shown}/{name}"), None, sha, &mut drift);
                }
            }
            Err(e) => drift.push(format!("missing `{shown}/{SUMS}`: {e}")),
        }
        for entry in &index.outputs {
            checked += 1;
            let path = dir.join(&entry.path);
            check(
                &path,
                &format!("{shown}/{}", entry.path),
                Some(entry.bytes),
                &entry.sha256,
                &mut drift,
            );
        }
        let recorded: BTreeSet<&str> = index.inputs.iter().map(|e| e.path.as_str()).collect();
        for entry in &index.inputs {
            checked += 1;
            check(
                &root.join(&entry.path),
                &entry.path,
                Some(entry.bytes),
                &entry.sha256,
                &mut drift,
            );
        }
        for folder in &index.evidence_folders {
            let mut found = Vec::new();
            list(&root.join(folder), &mut found);
            for path in found {
                let rel = paths::display(&root, &path);
                if !recorded.contains(rel.as_str()) {
                    drift.push(format!(
                        "extra `{rel}`: evidence that was not there when the gate ran"
                    ));
                }
            }
        }
        drift.sort();
        drift.dedup();
        let mut out = String::new();
        for line in &drift {
            out.push_str(line);
            out.push('\n');
        }
        let verdict = if drift.is_empty() { "no drift" } else { "DRIFT" };
        out.push_str(&format!(
            "verify `{shown}`: {checked} file(s) checked, {} drifted: {verdict}\n",
            drift.len()
        ));
        let _ = std::io::stdout().write_all(out.as_bytes());
        Ok(if drift.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
    }
}

/// Compares one file with its record, adding a line per difference.
fn check(path: &Path, shown: &str, bytes: Option<u64>, sha256: &str, drift: &mut Vec<String>) {
    match fs::metadata(path) {
        Err(_) => drift.push(format!("missing `{shown}`: it was recorded, and is gone")),
        Ok(meta) if !meta.is_file() => {
            drift.push(format!("changed `{shown}`: no longer a regular file"))
        }
        Ok(meta) => match read::hash_file(path) {
            Err(e) => drift.push(format!("unreadable `{shown}`: {e}")),
            Ok(actual) if actual != sha256 || bytes.is_some_and(|b| b != meta.len()) => {
                drift.push(format!(
                    "changed `{shown}`: sha256 `{actual}` ({} bytes), recorded `{sha256}`{}",
                    meta.len(),
                    bytes.map(|b| format!(" ({b} bytes)")).unwrap_or_default()
                ))
            }
            Ok(_) => {}
        },
    }
}

/// Evidence files under `dir`, recursively (symlinks are not followed).
fn list(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(meta) = fs::symlink_metadata(&path) else { continue };
        if meta.is_dir() {
            list(&path, out);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            out.push(path);
        }
    }
}
