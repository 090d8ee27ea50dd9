//! Stage 6 and 7, write and index: every file goes to a temporary file in the
//! target folder, and only when all of them are written and synced are they
//! renamed over the old ones, so a reader sees the old report or a complete
//! new one, never a torn file. Nothing is ever written outside the report
//! folder.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::model::{ArtifactIndex, IndexEntry, Report, SCHEMA_VERSION};
use super::read::sha256_hex;
use super::{attest, render};

pub const REPORT_JSON: &str = "production_maturity.json";
pub const REPORT_MD: &str = "production_maturity.md";
pub const INDEX_JSON: &str = "artifact_index.json";
pub const SUMS: &str = "SHA256SUMS";
pub const ATTESTATION: &str = "production_maturity.intoto.json";
pub const VSA_PREDICATE: &str = "production_maturity.vsa.json";

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

    // The JSON report, the Markdown, the attestation and the index's inputs
    // do not depend on each other: with thousands of artifacts each takes tens
    // of milliseconds.
    let (json, md, attestation, inputs) = std::thread::scope(|scope| {
        let md = scope.spawn(|| render::markdown(report));
        let inputs = scope.spawn(|| index_inputs(report));
        let attestation = scope.spawn(|| {
            let predicate = attest::predicate(report);
            (render::json(&attest::statement(report, &predicate)), render::json(&predicate))
        });
        let json = render::json(report);
        (json, md.join(), attestation.join(), inputs.join())
    });
    let failed = |_| anyhow::anyhow!("rendering the report failed");
    let (md, (statement, predicate), inputs) =
        (md.map_err(failed)?, attestation.map_err(failed)?, inputs.map_err(failed)?);
    let mut outputs = vec![
        entry(REPORT_JSON, json.as_bytes()),
        entry(REPORT_MD, md.as_bytes()),
        entry(ATTESTATION, statement.as_bytes()),
        entry(VSA_PREDICATE, predicate.as_bytes()),
    ];
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

    write_all(
        dir,
        shown,
        &[
            (REPORT_JSON, json.as_bytes()),
            (REPORT_MD, md.as_bytes()),
            (ATTESTATION, statement.as_bytes()),
            (VSA_PREDICATE, predicate.as_bytes()),
            (INDEX_JSON, index.as_bytes()),
            // Last: it vouches for the others.
            (SUMS, sums.as_bytes()),
        ],
    )?;
    Ok(sha256_hex(json.as_bytes()))
}

/// Replaces a set of files in `dir` in two phases: every new file is written
/// to a temporary file in `dir` and synced; only when all are on disk are
/// they renamed into place, in order, and the folder synced. A failure in
/// the first phase (a full disk, say) removes the temporary files and leaves
/// the old set untouched; a kill leaves the old set, or, for the moment the
/// renames take, the old set with some files already new (each file whole).
pub fn write_all(dir: &Path, shown: &str, files: &[(&str, &[u8])]) -> Result<()> {
    remove_stale_temporaries(dir, files);
    let mut written: Vec<PathBuf> = Vec::new();
    for (name, bytes) in files {
        let tmp = temporary(dir, name);
        written.push(tmp.clone());
        let result = (|| -> std::io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(bytes)?;
            file.sync_all()
        })();
        if let Err(e) = result {
            for tmp in &written {
                let _ = fs::remove_file(tmp);
            }
            return Err(e).with_context(|| {
                format!("cannot write `{shown}/{name}`; the previous report is unchanged")
            });
        }
    }
    for ((name, _), tmp) in files.iter().zip(&written) {
        fs::rename(tmp, dir.join(name))
            .with_context(|| format!("cannot write `{shown}/{name}`"))?;
    }
    // The renames themselves are durable once the folder is synced.
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

fn temporary(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Temporary files an interrupted run left behind (`.<name>.tmp-<pid>`).
fn remove_stale_temporaries(dir: &Path, files: &[(&str, &[u8])]) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = files.iter().any(|(f, _)| name.starts_with(&format!(".{f}.tmp-")));
        if ours {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Every input the report read, once, sorted: the evidence, and the files
/// read but not evidence (`verify` must see them change too).
fn index_inputs(report: &Report) -> Vec<IndexEntry> {
    let mut inputs: Vec<IndexEntry> = report
        .domains
        .values()
        .flat_map(|d| &d.artifacts)
        .chain(&report.unassigned)
        .filter_map(|a| {
            Some(IndexEntry { path: a.path.clone(), bytes: a.bytes?, sha256: a.sha256.clone()? })
        })
        .chain(report.ignored.iter().filter_map(|i| {
            Some(IndexEntry { path: i.path.clone(), bytes: i.bytes?, sha256: i.sha256.clone()? })
        }))
        .collect();
    inputs.sort();
    inputs.dedup();
    inputs
}

fn entry(name: &str, bytes: &[u8]) -> IndexEntry {
    IndexEntry { path: name.to_string(), bytes: bytes.len() as u64, sha256: sha256_hex(bytes) }
}
