//! Stage 6 and 7, write and index: every file goes to a temporary file in the
//! target folder and is renamed over the old one, so a reader sees the old
//! report or the complete new one, never a torn file. Nothing is ever written
//! outside the report folder.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::model::{ArtifactIndex, IndexEntry, Report, SCHEMA_VERSION};
use super::read::sha256_hex;
use super::render;

pub const REPORT_JSON: &str = "production_maturity.json";
pub const REPORT_MD: &str = "production_maturity.md";
pub const INDEX_JSON: &str = "artifact_index.json";
pub const SUMS: &str = "SHA256SUMS";

/// Renders and writes the report, the index and `SHA256SUMS` into `dir`.
/// `shown` is how messages name the folder. Returns the sha256 of the JSON report.
/// `evidence_folders` are the folders evidence was discovered in.
pub fn write_report(
    dir: &Path,
    shown: &str,
    report: &Report,
    evidence_folders: &[String],
) -> Result<String> {
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!("output folder `{shown}` is a file; pass `--output-dir` a folder");
    }
    fs::create_dir_all(dir).with_context(|| format!("cannot create output folder `{shown}`"))?;

    // The JSON report, the Markdown and the index's inputs do not depend on
    // each other: with thousands of artifacts each takes tens of milliseconds.
    let (json, md, inputs) = std::thread::scope(|scope| {
        let md = scope.spawn(|| render::markdown(report));
        let inputs = scope.spawn(|| index_inputs(report));
        let json = render::json(report);
        (json, md.join(), inputs.join())
    });
    let failed = |_| anyhow::anyhow!("rendering the report failed");
    let (md, inputs) = (md.map_err(failed)?, inputs.map_err(failed)?);
    let mut outputs = vec![entry(REPORT_JSON, json.as_bytes()), entry(REPORT_MD, md.as_bytes())];
    let index = ArtifactIndex {
        schema_version: SCHEMA_VERSION,
        release: report.release.clone(),
        outputs: outputs.clone(),
        inputs,
        evidence_folders: evidence_folders.to_vec(),
    };
    let index = render::json(&index);
    outputs.push(entry(INDEX_JSON, index.as_bytes()));
    outputs.sort();
    let sums: String = outputs.iter().map(|o| format!("{}  {}\n", o.sha256, o.path)).collect();

    atomic_write_all(
        dir,
        shown,
        &[
            (REPORT_JSON, json.as_bytes()),
            (REPORT_MD, md.as_bytes()),
            (INDEX_JSON, index.as_bytes()),
            (SUMS, sums.as_bytes()),
        ],
    )?;
    Ok(sha256_hex(json.as_bytes()))
}

/// [`atomic_write`] of several files, with the writes and syncs side by side
/// (each sync waits for the disk; one after the other they added up), then
/// the renames in order.
fn atomic_write_all(dir: &Path, shown: &str, files: &[(&str, &[u8])]) -> Result<()> {
    let tmp = |name: &str| dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let written: Vec<std::io::Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .iter()
            .map(|(name, bytes)| {
                let path = tmp(name);
                scope.spawn(move || -> std::io::Result<()> {
                    let mut file = File::create(&path)?;
                    file.write_all(bytes)?;
                    file.sync_all()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(std::io::Error::other("the writer failed"))))
            .collect()
    });
    let mut result = Ok(());
    for ((name, _), outcome) in files.iter().zip(written) {
        if result.is_ok() {
            result = outcome
                .and_then(|()| fs::rename(tmp(name), dir.join(name)))
                .with_context(|| format!("cannot write `{shown}/{name}`"));
        }
    }
    for (name, _) in files {
        let _ = fs::remove_file(tmp(name));
    }
    result
}

/// Every input the report read, once, sorted.
fn index_inputs(report: &Report) -> Vec<IndexEntry> {
    let mut inputs: Vec<IndexEntry> = report
        .domains
        .values()
        .flat_map(|d| &d.artifacts)
        .chain(&report.unassigned)
        .filter_map(|a| {
            Some(IndexEntry { path: a.path.clone(), bytes: a.bytes?, sha256: a.sha256.clone()? })
        })
        .collect();
    inputs.sort();
    inputs.dedup();
    inputs
}

fn entry(name: &str, bytes: &[u8]) -> IndexEntry {
    IndexEntry { path: name.to_string(), bytes: bytes.len() as u64, sha256: sha256_hex(bytes) }
}

/// Writes `dir/name` by way of a temporary file in `dir`, synced, then renamed.
pub fn atomic_write(dir: &Path, shown: &str, name: &str, bytes: &[u8]) -> Result<()> {
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write `{shown}/{name}`"))
}
