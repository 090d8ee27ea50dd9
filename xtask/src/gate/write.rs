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

    let json = render::json(report);
    let md = render::markdown(report);
    let statement = render::json(&attest::statement(report));
    let predicate = render::json(&attest::predicate(report));
    let mut outputs = vec![
        entry(REPORT_JSON, json.as_bytes()),
        entry(REPORT_MD, md.as_bytes()),
        entry(ATTESTATION, statement.as_bytes()),
        entry(VSA_PREDICATE, predicate.as_bytes()),
    ];

    let mut inputs: Vec<IndexEntry> = report
        .domains
        .values()
        .flat_map(|d| &d.artifacts)
        .chain(&report.unassigned)
        .filter_map(|a| {
            Some(IndexEntry { path: a.path.clone(), bytes: a.bytes?, sha256: a.sha256.clone()? })
        })
        // Files read but not evidence: `verify` must see them change too.
        .chain(report.ignored.iter().filter_map(|i| {
            Some(IndexEntry { path: i.path.clone(), bytes: i.bytes?, sha256: i.sha256.clone()? })
        }))
        .collect();
    inputs.sort();
    inputs.dedup();
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

    atomic_write(dir, shown, REPORT_JSON, json.as_bytes())?;
    atomic_write(dir, shown, REPORT_MD, md.as_bytes())?;
    atomic_write(dir, shown, ATTESTATION, statement.as_bytes())?;
    atomic_write(dir, shown, VSA_PREDICATE, predicate.as_bytes())?;
    atomic_write(dir, shown, INDEX_JSON, index.as_bytes())?;
    atomic_write(dir, shown, SUMS, sums.as_bytes())?;
    Ok(sha256_hex(json.as_bytes()))
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
