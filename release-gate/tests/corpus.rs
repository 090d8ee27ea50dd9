//! Conformance over real evidence written by other projects' tools.
//!
//! The corpus lives outside the repo (`../shared/corpus/` beside the checkout,
//! or `$RELEASE_GATE_CORPUS`); `SOURCES.md` there says where each file came
//! from. `tests/corpus/<folder>.tsv` gives every file's expected outcome:
//! `<file>\t<passed|not_passed|invalid|ignored>\t<detail>`, where detail is the
//! reasons joined with ` | ` (empty when passed), the invalid message, or the
//! ignore reason. Each file is gated end to end by the real binary, found by
//! discovery; the test fails on any difference, and on a file without a row
//! or a row without a file. The test needs the corpus: it is `#[ignore]`d,
//! and `.ci/run` runs it (`--ignored`) where the corpus exists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use support::{corpus, xtask, DEFAULT_MANIFEST};

fn tables() -> BTreeMap<String, BTreeMap<String, (String, String)>> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(tables_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "tsv") {
            continue;
        }
        let folder = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut rows = BTreeMap::new();
        for line in fs::read_to_string(&path).unwrap().lines().filter(|l| !l.is_empty()) {
            let mut cols = line.splitn(3, '\t');
            let (file, outcome, detail) =
                (cols.next().unwrap(), cols.next().unwrap_or(""), cols.next().unwrap_or(""));
            rows.insert(file.to_string(), (outcome.to_string(), detail.to_string()));
        }
        out.insert(folder, rows);
    }
    out
}

fn tables_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

/// Gates one corpus file, found by discovery, and says what became of it.
fn gate(file: &Path) -> (String, String) {
    let ws = tempfile::tempdir().unwrap();
    fs::write(ws.path().join("Cargo.toml"), DEFAULT_MANIFEST).unwrap();
    fs::write(ws.path().join("lib.rs"), "").unwrap();
    let latest = ws.path().join("test_artifacts/security/latest");
    fs::create_dir_all(&latest).unwrap();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = fs::read(file).unwrap();
    let (name, bytes) = match name.strip_suffix(".snap") {
        // insta snapshots: a 4-line YAML front matter, then the tool's output.
        Some(stem) => {
            let text = String::from_utf8(bytes).unwrap();
            let body: Vec<&str> = text.split_inclusive('\n').skip(4).collect();
            (format!("{stem}.json"), body.concat().into_bytes())
        }
        None => (name, bytes),
    };
    fs::write(latest.join(&name), bytes).unwrap();
    let run = |release: &str| -> serde_json::Value {
        let args: Vec<String> = ["release-gate", "--release", release, "--require", "security"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = xtask(ws.path(), &args, &[]);
        assert!(out.exit == 0 || out.exit == 1, "{name}: exit {}: {}", out.exit, out.stderr);
        serde_json::from_slice(
            &fs::read(
                ws.path()
                    .join("test_artifacts/production_maturity/report/production_maturity.json"),
            )
            .unwrap(),
        )
        .unwrap()
    };
    let mut report = run("v1");
    // A document that names its release (CycloneDX `metadata.component.version`)
    // is gated as evidence for that release, written with a leading `v` (the
    // gate compares releases with or without it), so the table shows the
    // format's verdict, not a release mismatch.
    if let Some(release) = report["domains"]["security"]["artifacts"][0]["release"].as_str() {
        report = run(&format!("v{release}"));
    }
    if let Some(ignored) = report["ignored"].as_array().and_then(|a| a.first()) {
        return ("ignored".to_string(), ignored["reason"].as_str().unwrap().to_string());
    }
    let artifact = &report["domains"]["security"]["artifacts"][0];
    let status = artifact["status"].as_str().unwrap().to_string();
    let reasons: Vec<&str> = artifact["reasons"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default();
    (status, reasons.join(" | "))
}

#[test]
#[ignore = "needs the evidence corpus (../shared/corpus or RELEASE_GATE_CORPUS)"]
fn corpus_outcomes_match_the_tables() {
    let corpus = corpus();
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let tables = tables();
    let mut problems = Vec::new();
    let mut gated = 0;
    let mut folders: Vec<PathBuf> =
        fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    folders.sort();
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let empty = BTreeMap::new();
        let rows = match tables.get(&name) {
            Some(rows) => rows,
            None if update => &empty,
            None => {
                problems
                    .push(format!("no table `tests/corpus/{name}.tsv` for corpus folder `{name}`"));
                continue;
            }
        };
        let mut files: Vec<PathBuf> =
            fs::read_dir(&folder).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let names: Vec<String> =
            files.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
        for row in rows.keys().filter(|r| !names.contains(r)) {
            problems.push(format!("{name}/{row}: a row for a file the corpus does not have"));
        }
        let results: Vec<(String, (String, String))> = std::thread::scope(|s| {
            let handles: Vec<_> = files
                .chunks(files.len().div_ceil(2).max(1))
                .map(|chunk| {
                    s.spawn(move || {
                        chunk
                            .iter()
                            .map(|f| {
                                (f.file_name().unwrap().to_string_lossy().into_owned(), gate(f))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
        });
        gated += results.len();
        if update {
            let table: String =
                results.iter().map(|(file, (o, d))| format!("{file}\t{o}\t{d}\n")).collect();
            fs::write(tables_dir().join(format!("{name}.tsv")), table).unwrap();
            continue;
        }
        for (file, got) in results {
            match rows.get(&file) {
                None => problems.push(format!("{name}/{file}: no row; got {}\t{}", got.0, got.1)),
                Some(want) if *want != got => problems.push(format!(
                    "{name}/{file}:\n  expected {}\t{}\n  got      {}\t{}",
                    want.0, want.1, got.0, got.1
                )),
                Some(_) => {}
            }
        }
    }
    assert!(gated > 0, "the corpus holds no files");
    assert!(problems.is_empty(), "{} difference(s):\n{}", problems.len(), problems.join("\n"));
}
