//! Stage 6 and 7, write and index: every file goes to a temporary file in the
//! target folder, and only when all of them are written and synced are they
//! renamed over the old ones, so a reader sees the old report or a complete
//! new one, never a torn file. Nothing is ever written outside the report
//! folder.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use release_gate_scan::hash::sha256_hex;

use super::model::{self, ArtifactIndex, IndexEntry, Report, SCHEMA_VERSION};
use super::{attest, paths, render};

pub const REPORT_JSON: &str = "production_maturity.json";
pub const REPORT_MD: &str = "production_maturity.md";
pub const INDEX_JSON: &str = "artifact_index.json";
pub const SUMS: &str = "SHA256SUMS";
pub const ATTESTATION: &str = "production_maturity.intoto.json";
pub const VSA_PREDICATE: &str = "production_maturity.vsa.json";

/// The files of a report set, in the order they are renamed into place:
/// `SHA256SUMS` last, since it vouches for the others.
pub const FILES: [&str; 6] = [REPORT_JSON, REPORT_MD, ATTESTATION, VSA_PREDICATE, INDEX_JSON, SUMS];

/// Where the report goes, and what it must stay clear of.
pub struct Output {
    pub dir: PathBuf,
    /// How messages name the folder.
    pub shown: String,
    /// The default folder (no `--output-dir`): it must stay in the workspace.
    pub default: bool,
    /// The evidence trees the report must stay out of: this run's, and the
    /// default one (a `--stubs` run reads its own tree, and still never
    /// writes into the real one).
    pub evidence_roots: Vec<PathBuf>,
}

impl Output {
    /// The report must not land among the evidence it judges, nor replace
    /// any file the run reads: by real path (every symlink of the folder,
    /// its parents and the inputs resolved), refused are an output folder
    /// inside an evidence folder (`folders`: every `<root>/*/latest`, each
    /// folder given with `--artifact`, the `latest` folder a named file lies
    /// in), and a report file that is one of `files` (an input that is a
    /// symlink into the report folder included). Checked before any evidence
    /// is read, so a bad `--output-dir` costs nothing and the report can
    /// always be written where it is asked for.
    pub fn check(&self, root: &Path, folders: &[PathBuf], files: &[&Path]) -> Result<()> {
        let (output, shown) = (&self.dir, &self.shown);
        if self.default && !paths::resolve(output).starts_with(paths::resolve(root)) {
            // A symlink planted in `test_artifacts/` must not steer where
            // the gate writes.
            bail!(
                "the default output folder `{shown}` resolves outside the workspace (a symlink in its path); remove the symlink, or name the folder with `--output-dir`"
            );
        }
        if output.exists() && !output.is_dir() {
            bail!("output folder `{shown}` is a file; pass `--output-dir` a folder");
        }
        if let Some(file) = output.ancestors().skip(1).find(|a| a.exists()).filter(|a| !a.is_dir())
        {
            bail!(
                "output folder `{shown}` cannot be created: `{}` is a file; pass `--output-dir` a folder",
                paths::display(root, file)
            );
        }
        let mut folders: Vec<&PathBuf> = folders.iter().collect();
        folders.sort();
        folders.dedup();
        let output_real = paths::resolve(output);
        // A `latest` folder that does not exist yet is an evidence folder
        // too: the next discovery would read the report there as evidence.
        let latest = |artifacts_root: &PathBuf| {
            let named = (output.to_path_buf(), artifacts_root.clone());
            let real = (output_real.clone(), paths::resolve(artifacts_root));
            [named, real].into_iter().find_map(|(out, evidence_root)| {
                let mut parts = out.strip_prefix(&evidence_root).ok()?.components();
                let (folder, latest) = (parts.next()?, parts.next()?);
                (latest.as_os_str() == "latest").then(|| artifacts_root.join(folder).join(latest))
            })
        };
        let inside = folders.into_iter().find(|f| paths::inside(output, f)).cloned();
        if let Some(folder) = inside.or_else(|| self.evidence_roots.iter().find_map(latest)) {
            bail!(
                "output folder `{shown}` is inside the evidence folder `{}`; pass `--output-dir` a folder outside the evidence tree",
                paths::display(root, &folder)
            );
        }
        self.check_inputs(root, &output_real, files)
    }

    /// No report file is an input. A report file is replaced by a rename:
    /// the name in the real folder, not what a symlink there points to, is
    /// what changes. The temporary files are `.<name>.tmp-*` in that folder
    /// (stale ones are removed).
    fn check_inputs(&self, root: &Path, output_real: &Path, files: &[&Path]) -> Result<()> {
        let is_output = |real: &Path| {
            real.parent() == Some(output_real)
                && real.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    FILES.iter().any(|f| n == *f || n.starts_with(&format!(".{f}.tmp-")))
                })
        };
        // A file that is not itself a symlink is where its folder really is:
        // one resolution per folder, not one per file (thousands a run).
        let mut folders: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
        for input in files {
            let not_a_link = fs::symlink_metadata(input).is_ok_and(|m| !m.file_type().is_symlink());
            let real = match (not_a_link, input.parent(), input.file_name()) {
                (true, Some(parent), Some(name)) => folders
                    .entry(parent.to_path_buf())
                    .or_insert_with(|| paths::resolve(parent))
                    .join(name),
                _ => paths::resolve(input),
            };
            if is_output(&real) {
                let name = real.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
                bail!(
                    "output file `{}/{name}` is an input of this run (`{}`): writing the report would replace it; pass `--output-dir` a folder that holds no input, or move the input out of it",
                    self.shown,
                    paths::display(root, input)
                );
            }
        }
        Ok(())
    }
}

/// Renders and writes the report, the index and `SHA256SUMS` into `dir`.
/// `shown` is how messages name the folder. Returns the sha256 of the JSON report.
/// `evidence_folders` are the folders evidence was discovered in.
///
/// Two phases: every file is rendered, hashed, written to a temporary file
/// in `dir` and synced; only when all are on disk are they renamed into
/// place, in [`FILES`] order, and the folder synced. A failure in the first
/// phase (a full disk, say) removes the temporary files and leaves the old
/// set untouched, and the error names the first file, in [`FILES`] order,
/// that could not be written (on a disk that fills up during the run, which
/// one that is can vary: the files are written side by side). Every
/// destination is checked before anything is written and again before the
/// first rename (a folder or a FIFO in a report file's place: exit 2, nothing
/// changed), and a rename that fails puts the old set back. A kill leaves
/// the old set, or, for the moment the renames take, the old set with some
/// files already new (each file whole).
pub fn write_report(
    dir: &Path,
    shown: &str,
    report: &Report,
    evidence_folders: &[String],
) -> Result<String> {
    // The folder itself was checked with the run's inputs (`Output::check`).
    // Every destination is checked before anything is written: a report
    // file that cannot be replaced (a folder in its place) stops the run
    // with the old report set as it was.
    check_destinations(dir, shown)?;
    let created = fs::symlink_metadata(dir).is_err();
    fs::create_dir_all(dir).with_context(|| format!("cannot create output folder `{shown}`"))?;
    let written = write_set(dir, shown, report, evidence_folders);
    if written.is_err() && created {
        // The folder this run created goes too (when empty: it is).
        let _ = fs::remove_dir(dir);
    }
    written
}

fn write_set(
    dir: &Path,
    shown: &str,
    report: &Report,
    evidence_folders: &[String],
) -> Result<String> {
    remove_stale_temporaries(dir);

    let side_by_side = report.artifacts().count() <= SIDE_BY_SIDE_MAX;
    let Rendered { json, md, statement, predicate, inputs } = render_all(dir, report, side_by_side)
        .map_err(|_| {
            // The threads that did finish left temporary files.
            remove_stale_temporaries(dir);
            anyhow::anyhow!("rendering the report failed; the previous report is unchanged")
        })?;
    let report_sha256 = json.entry.sha256.clone();
    let mut staged = vec![json, md, statement, predicate];
    let mut outputs: Vec<IndexEntry> = staged.iter().map(|s| s.entry.clone()).collect();
    let index = ArtifactIndex {
        schema_version: SCHEMA_VERSION,
        release: report.release.clone(),
        outputs: outputs.clone(),
        inputs,
        evidence_folders: evidence_folders.to_vec(),
    };
    let index = Staged::new(dir, INDEX_JSON, model::json(&index));
    outputs.push(index.entry.clone());
    outputs.sort();
    staged.push(index);
    let sums = sums(outputs.iter().map(|o| (o.path.as_str(), o.sha256.as_str())));
    staged.push(Staged::new(dir, SUMS, sums));
    commit(dir, shown, staged)?;
    Ok(report_sha256)
}

/// Reports of up to this many artifacts render their files side by side;
/// larger ones one after another. Side by side, every text is held at
/// once, each thread's in its own malloc arena: with 70,000 artifacts the
/// five texts are about 90 MiB and the run's peak went 214-267 MiB (one
/// after another: 179-183 MiB); with 7,000 they are 9 MiB, and rendering
/// them one after another costs 30 ms of a 480 ms run
/// (docs/performance.md).
const SIDE_BY_SIDE_MAX: usize = 16_384;

/// The report's files, each rendered, hashed and written to its temporary
/// file, and the index's inputs.
struct Rendered {
    json: Staged,
    md: Staged,
    statement: Staged,
    predicate: Staged,
    inputs: Vec<IndexEntry>,
}

/// Renders the files on their own threads: side by side (they do not
/// depend on each other), or one after another, each text dropped once
/// written. A panic in any is the error.
fn render_all(dir: &Path, report: &Report, side_by_side: bool) -> std::thread::Result<Rendered> {
    let attestation = || {
        let predicate = attest::predicate(report);
        let statement = model::json(&attest::statement(&predicate));
        let statement = Staged::new(dir, ATTESTATION, statement);
        (statement, Staged::new(dir, VSA_PREDICATE, model::json(&predicate)))
    };
    let json = || Staged::new(dir, REPORT_JSON, model::json(report));
    let md = || Staged::new(dir, REPORT_MD, render::markdown(report));
    std::thread::scope(|scope| {
        if !side_by_side {
            return scope
                .spawn(|| {
                    let (json, md) = (json(), md());
                    let (statement, predicate) = attestation();
                    Rendered { json, md, statement, predicate, inputs: index_inputs(report) }
                })
                .join();
        }
        let md = scope.spawn(md);
        let inputs = scope.spawn(|| index_inputs(report));
        let attestation = scope.spawn(attestation);
        let json = scope.spawn(json);
        let (json, md, inputs) = (json.join(), md.join(), inputs.join());
        let (statement, predicate) = attestation.join()?;
        Ok(Rendered { json: json?, md: md?, statement, predicate, inputs: inputs? })
    })
}

/// `SHA256SUMS`: one `<sha256>  <name>` line per file (name, sha256), in
/// the order given (the gate's: sorted by name).
pub fn sums<'a>(files: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    files.map(|(name, sha)| format!("{sha}  {name}\n")).collect()
}

/// One file of the set, rendered and written to its temporary file.
struct Staged {
    name: &'static str,
    tmp: PathBuf,
    entry: IndexEntry,
    /// Writing and syncing the temporary file.
    written: std::io::Result<()>,
}

impl Staged {
    fn new(dir: &Path, name: &'static str, text: String) -> Staged {
        let tmp = temporary(dir, name);
        let written = (|| -> std::io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })();
        Staged { name, tmp, entry: entry(name, text.as_bytes()), written }
    }
}

/// The second phase: when every file was staged, renames them into place in
/// order and syncs the folder; otherwise removes every temporary file and
/// names the first file (in order) that could not be written.
fn commit(dir: &Path, shown: &str, staged: Vec<Staged>) -> Result<()> {
    let cleanup = |staged: &[Staged]| {
        for s in staged {
            let _ = fs::remove_file(&s.tmp);
        }
    };
    if let Some(failed) = staged.iter().position(|s| s.written.is_err()) {
        cleanup(&staged);
        let Some(Staged { name, written: Err(e), .. }) = staged.into_iter().nth(failed) else {
            anyhow::bail!("cannot write `{shown}`; the previous report is unchanged");
        };
        return Err(e).with_context(|| {
            format!("cannot write `{shown}/{name}`; the previous report is unchanged")
        });
    }
    // Checked again right before the renames (the folder may have changed
    // while the files were rendered).
    if let Err(e) = check_destinations(dir, shown) {
        cleanup(&staged);
        return Err(e);
    }
    let files: Vec<(&str, &Path)> = staged.iter().map(|s| (s.name, s.tmp.as_path())).collect();
    let replaced = replace_all(dir, shown, &files);
    if replaced.is_err() {
        cleanup(&staged);
    }
    replaced?;
    // The renames themselves are durable once the folder is synced.
    if let Ok(folder) = File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Renames each temporary file (`files`: name, temporary path) over its
/// destination in `dir`, in order. Each old file is kept (a hard link, or a
/// copy) until every rename has succeeded: a rename that fails puts the old
/// set back, whole (restores what was replaced, removes what is new).
fn replace_all(dir: &Path, shown: &str, files: &[(&str, &Path)]) -> Result<()> {
    let mut backups: Vec<(PathBuf, PathBuf)> = Vec::new();
    let drop_backups = |backups: &[(PathBuf, PathBuf)]| {
        for (_, backup) in backups {
            let _ = fs::remove_file(backup);
        }
    };
    for (name, _) in files {
        let dest = dir.join(name);
        if fs::symlink_metadata(&dest).is_err() {
            continue;
        }
        let backup = dir.join(format!(".{name}.tmp-old-{}", std::process::id()));
        let _ = fs::remove_file(&backup);
        let kept = fs::hard_link(&dest, &backup).or_else(|_| fs::copy(&dest, &backup).map(|_| ()));
        if let Err(e) = kept {
            drop_backups(&backups);
            return Err(e).with_context(|| {
                format!("cannot keep a copy of `{shown}/{name}` while the report is replaced; the previous report is unchanged")
            });
        }
        backups.push((dest, backup));
    }
    let mut renamed: Vec<PathBuf> = Vec::new();
    for (name, tmp) in files {
        let dest = dir.join(name);
        if let Err(e) = fs::rename(tmp, &dest) {
            for done in &renamed {
                match backups.iter().find(|(d, _)| d == done) {
                    Some((dest, backup)) => {
                        let _ = fs::rename(backup, dest);
                    }
                    None => {
                        let _ = fs::remove_file(done);
                    }
                }
            }
            drop_backups(&backups);
            return Err(e).with_context(|| {
                format!("cannot write `{shown}/{name}`; the previous report is unchanged")
            });
        }
        renamed.push(dest);
    }
    drop_backups(&backups);
    Ok(())
}

/// Each file of the set must be absent or a regular file (a symlink is
/// replaced, never written through): a folder, a FIFO or a device in a
/// report file's place cannot be replaced by a rename.
fn check_destinations(dir: &Path, shown: &str) -> Result<()> {
    for name in FILES {
        let dest = dir.join(name);
        match fs::symlink_metadata(&dest) {
            Ok(meta) if meta.is_file() || meta.file_type().is_symlink() => {}
            Ok(meta) => {
                let what = if meta.is_dir() { "a folder" } else { "a special file" };
                anyhow::bail!(
                    "cannot write `{shown}/{name}`: it is {what}, not a regular file; remove it or pass `--output-dir` another folder (the previous report is unchanged)"
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot write `{shown}/{name}`; the previous report is unchanged")
                })
            }
        }
    }
    Ok(())
}

fn temporary(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.tmp-{}", std::process::id()))
}

/// Temporary files an interrupted run left behind (`.<name>.tmp-<pid>`).
fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = FILES.iter().any(|f| name.starts_with(&format!(".{f}.tmp-")));
        if ours {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Every input the report read, once, sorted: the evidence, and the files
/// read but not evidence (`verify` must see them change too).
fn index_inputs(report: &Report) -> Vec<IndexEntry> {
    let mut inputs: Vec<IndexEntry> = report
        .artifacts()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Side by side or one after another, the same files, byte for byte
    /// (a report of the end-to-end cases, read back from its golden file).
    /// The end-to-end tests hold the side-by-side files to their goldens.
    #[test]
    fn rendering_one_after_another_writes_the_same_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let golden = root.join("tests/cases/waiver_check_other_check_fails/expected/report");
        let text = fs::read_to_string(golden.join(REPORT_JSON)).unwrap();
        let report: Report = serde_json::from_str(&text).unwrap();
        assert!(report.artifacts().count() > 0);
        let written = |side_by_side: bool| {
            let tmp = tempfile::tempdir().unwrap();
            let rendered = render_all(tmp.path(), &report, side_by_side).unwrap();
            let mut files = Vec::new();
            for staged in [rendered.json, rendered.md, rendered.statement, rendered.predicate] {
                files.push((staged.name, fs::read(&staged.tmp).unwrap(), staged.entry));
            }
            (files, rendered.inputs)
        };
        let (one_by_one, side) = (written(false), written(true));
        assert!(one_by_one == side, "the two ways wrote different files");
        let names: Vec<&str> = one_by_one.0.iter().map(|(name, _, _)| *name).collect();
        assert_eq!(names, [REPORT_JSON, REPORT_MD, ATTESTATION, VSA_PREDICATE]);
        assert!(one_by_one.0.iter().all(|(_, bytes, entry)| entry.bytes == bytes.len() as u64));
        assert_eq!(one_by_one.1.len(), report.artifacts().count());
    }

    /// A rename that fails midway (here: the third temporary file is gone)
    /// puts the old set back: replaced files restored, new ones removed, no
    /// backup left.
    #[test]
    fn a_failed_rename_restores_the_old_set() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::write(dir.join("a"), "old a").unwrap();
        fs::write(dir.join("c"), "old c").unwrap();
        for name in ["a", "b"] {
            fs::write(dir.join(format!("{name}.new")), format!("new {name}")).unwrap();
        }
        let (a, b, c) = (dir.join("a.new"), dir.join("b.new"), dir.join("c.new"));
        let files: Vec<(&str, &Path)> = vec![("a", &a), ("b", &b), ("c", &c)];
        let err = replace_all(dir, "out", &files).unwrap_err();
        assert_eq!(format!("{err}"), "cannot write `out/c`; the previous report is unchanged");
        let mut left: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["a", "c"]);
        assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "old a");
        assert_eq!(fs::read_to_string(dir.join("c")).unwrap(), "old c");
    }
}
