//! The inputs, generated deterministically (no randomness, no clock) and
//! reused while complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{folders, INPUT_VERSION, MIB, RELEASE};
use release_gate::gate::config::DEFAULT_DOMAINS;

/// A generated input: reused when its stamp says it is complete and was made
/// by this generator with this `spec`; otherwise made again, under a
/// temporary name and renamed into place.
pub(super) fn input(
    path: &Path,
    spec: &str,
    make: impl FnOnce(&Path) -> Result<()>,
) -> Result<PathBuf> {
    let stamp = PathBuf::from(format!("{}.stamp", path.display()));
    let spec = format!("v{INPUT_VERSION} {spec}");
    if path.exists() && fs::read_to_string(&stamp).is_ok_and(|s| s == spec) {
        return Ok(path.to_path_buf());
    }
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    for stale in [&tmp, &path.to_path_buf()] {
        if stale.is_dir() {
            fs::remove_dir_all(stale)?;
        } else if stale.exists() {
            fs::remove_file(stale)?;
        }
    }
    let _ = fs::remove_file(&stamp);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    eprintln!("bench: generating {} ({spec})", path.display());
    make(&tmp).with_context(|| format!("cannot generate `{}`", tmp.display()))?;
    fs::rename(&tmp, path)?;
    fs::write(&stamp, spec)?;
    Ok(path.to_path_buf())
}

/// Deterministic bytes: one MiB of xorshift output, each repetition stamped
/// with its index (hashing throughput does not depend on the content).
pub(super) fn write_blob(path: &Path, size: u64) -> Result<()> {
    let mut block = vec![0u8; MIB as usize];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for chunk in block.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for (b, v) in chunk.iter_mut().zip(x.to_le_bytes()) {
            *b = v;
        }
    }
    let mut out = BufWriter::new(File::create(path)?);
    let mut written = 0u64;
    let mut index = 0u64;
    while written < size {
        for (b, v) in block.iter_mut().zip(index.to_le_bytes()) {
            *b = v;
        }
        let n = (size - written).min(MIB) as usize;
        out.write_all(block.get(..n).unwrap_or_default())?;
        written += n as u64;
        index += 1;
    }
    out.flush()?;
    Ok(())
}

/// One result record, as a test or scan report would hold it.
fn record(i: u64) -> String {
    format!(
        r#"{{"id":{i},"name":"case-{i:07}","status":"passed","duration_ms":{}.{:03},"tags":["ci","linux","x86_64"],"message":"all good \u00e9 in run {i}","location":{{"file":"src/module_{}.rs","line":{}}}}}"#,
        i % 997,
        i % 1000,
        i % 50,
        i % 3000
    )
}

/// A page of records, the repeated body of the large evidence file.
fn page(first: u64, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + 512);
    let mut i = first;
    while out.len() < bytes {
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&record(i));
        i += 1;
    }
    out
}

/// An evidence JSON of exactly `size` bytes: a passing `status`, a large
/// `results` array (what makes evidence large), `checks` at the end.
pub(super) fn write_evidence(path: &Path, size: u64) -> Result<()> {
    let head = format!(
        r#"{{"status":"passed","domain":"security","release":"{RELEASE}","generator":"cargo xtask bench","results":["#
    );
    let tail = "],\"checks\":[{\"name\":\"bench\",\"status\":\"passed\"}]}\n";
    let pages: Vec<String> = (0..8u64).map(|p| page(p * 1_000_000, MIB as usize)).collect();
    let mut file = Exact::create(path, size, &head, tail)?;
    let mut sep = "";
    for p in pages.iter().cycle() {
        if !file.push(sep, p)? {
            break;
        }
        sep = ",";
    }
    // Fill up with records, then white space, to the exact size.
    let mut i = 9_000_000u64;
    while file.push(sep, &record(i))? {
        sep = ",";
        i += 1;
    }
    file.finish()
}

/// A file of exactly `size` bytes: a head, items while they fit, white
/// space, a tail.
struct Exact<'a> {
    out: BufWriter<File>,
    written: u64,
    /// Where the tail starts.
    end: u64,
    tail: &'a str,
}

impl<'a> Exact<'a> {
    fn create(path: &Path, size: u64, head: &str, tail: &'a str) -> Result<Exact<'a>> {
        let mut out = BufWriter::with_capacity(MIB as usize, File::create(path)?);
        out.write_all(head.as_bytes())?;
        let end = size.saturating_sub(tail.len() as u64);
        Ok(Exact { out, written: head.len() as u64, end, tail })
    }

    /// Writes `sep` and `item` if they end before the tail; false if not.
    fn push(&mut self, sep: &str, item: &str) -> Result<bool> {
        let len = (sep.len() + item.len()) as u64;
        if self.written + len > self.end {
            return Ok(false);
        }
        self.out.write_all(sep.as_bytes())?;
        self.out.write_all(item.as_bytes())?;
        self.written += len;
        Ok(true)
    }

    fn finish(mut self) -> Result<()> {
        let pad = self.end.saturating_sub(self.written) as usize;
        self.out.write_all(" ".repeat(pad).as_bytes())?;
        self.out.write_all(self.tail.as_bytes())?;
        self.out.flush()?;
        Ok(())
    }
}

/// `n` evidence files of `file_size` bytes over the seven domain folders.
pub(super) fn write_scale(dir: &Path, n: usize, file_size: usize) -> Result<()> {
    for folder in folders() {
        fs::create_dir_all(dir.join(folder).join("latest"))?;
    }
    let body = page(0, file_size.saturating_sub(200));
    for i in 0..n {
        let folder = folders().nth(i % DEFAULT_DOMAINS.len()).unwrap_or("docs");
        let mut doc = format!(
            r#"{{"status":"passed","release":"{RELEASE}","generator":"cargo xtask bench","run":{i},"results":[{body}]"#
        );
        let pad = file_size.saturating_sub(doc.len() + 2);
        doc.push_str(&" ".repeat(pad));
        doc.push_str("}\n");
        fs::write(dir.join(folder).join("latest").join(format!("ev-{i:06}.json")), doc)?;
    }
    Ok(())
}

/// A SARIF log of exactly `size` bytes, as CodeQL writes one: a driver with
/// 60 rules (default levels, `security-severity`), then results with a
/// message, a location with a region, and fingerprints; every third rule
/// is at `error`, so the log blocks.
pub(super) fn write_sarif(path: &Path, size: u64) -> Result<()> {
    let levels = ["warning", "note", "error"];
    let severities = ["4.0", "6.5", "8.1"];
    let rules: Vec<String> = (0..60usize)
        .map(|i| {
            format!(
                r#"{{"id":"js/rule-{i}","name":"Rule{i}","shortDescription":{{"text":"rule {i}"}},"defaultConfiguration":{{"level":"{}"}},"properties":{{"security-severity":"{}","tags":["security"]}}}}"#,
                levels.get(i % 3).copied().unwrap_or("error"),
                severities.get(i % 3).copied().unwrap_or("8.1")
            )
        })
        .collect();
    let head = format!(
        r#"{{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"CodeQL","semanticVersion":"2.15.0","rules":[{}]}}}},"results":["#,
        rules.join(",")
    );
    let tail = "],\"invocations\":[{\"executionSuccessful\":true}]}]}\n";
    let mut file = Exact::create(path, size, &head, tail)?;
    let mut i = 0u64;
    loop {
        let r = i % 60;
        let result = format!(
            r#"{}{{"ruleId":"js/rule-{r}","ruleIndex":{r},"message":{{"text":"Result {i}: this value flows to a sink without sanitization"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/module_{}/file_{}.js","uriBaseId":"%SRCROOT%","index":{}}},"region":{{"startLine":{},"startColumn":5,"endColumn":42}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{:016x}:1"}}}}"#,
            if i == 0 { "" } else { "," },
            i % 97,
            i % 1000,
            i % 1000,
            i % 5000 + 1,
            i.wrapping_mul(2_654_435_761)
        );
        if !file.push("", &result)? {
            break;
        }
        i += 1;
    }
    file.finish()
}
