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
    let mut file = Exact::create(path, size, &head, tail.len())?;
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
    file.finish(tail)
}

/// A file of exactly `size` bytes: a head, items while they fit, white
/// space, a tail of `tail_len` bytes (written last: it may count the items).
struct Exact {
    out: BufWriter<File>,
    written: u64,
    /// Where the tail starts.
    end: u64,
    tail_len: usize,
}

impl Exact {
    fn create(path: &Path, size: u64, head: &str, tail_len: usize) -> Result<Exact> {
        let mut out = BufWriter::with_capacity(MIB as usize, File::create(path)?);
        out.write_all(head.as_bytes())?;
        let end = size.saturating_sub(tail_len as u64);
        Ok(Exact { out, written: head.len() as u64, end, tail_len })
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

    /// Items `item(0)`, `item(1)`, ... separated by `sep`, while they fit:
    /// how many.
    fn fill(&mut self, sep: &str, item: impl Fn(u64) -> String) -> Result<u64> {
        let mut i = 0;
        while self.push(if i == 0 { "" } else { sep }, &item(i))? {
            i += 1;
        }
        Ok(i)
    }

    fn finish(mut self, tail: &str) -> Result<()> {
        anyhow::ensure!(tail.len() == self.tail_len, "the tail is not the length reserved for it");
        let pad = self.end.saturating_sub(self.written) as usize;
        self.out.write_all(" ".repeat(pad).as_bytes())?;
        self.out.write_all(tail.as_bytes())?;
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
    let mut file = Exact::create(path, size, &head, tail.len())?;
    file.fill(",", |i| {
        let r = i % 60;
        format!(
            r#"{{"ruleId":"js/rule-{r}","ruleIndex":{r},"message":{{"text":"Result {i}: this value flows to a sink without sanitization"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/module_{}/file_{}.js","uriBaseId":"%SRCROOT%","index":{}}},"region":{{"startLine":{},"startColumn":5,"endColumn":42}}}}}}],"partialFingerprints":{{"primaryLocationLineHash":"{:016x}:1"}}}}"#,
            i % 97,
            i % 1000,
            i % 1000,
            i % 5000 + 1,
            i.wrapping_mul(2_654_435_761)
        )
    })?;
    file.finish(tail)
}

/// A count written into a tail of fixed length: right-aligned in ten
/// columns (white space is valid before a JSON number or in an attribute).
fn count(n: u64) -> String {
    format!("{n:>10}")
}

/// A crate-like package name and version for item `i`.
fn package(i: u64) -> (String, String) {
    (format!("crate-{i:07}"), format!("{}.{}.{}", i % 5, i % 17, i % 101))
}

const LICENSES: [&str; 4] = ["MIT", "Apache-2.0", "MIT OR Apache-2.0", "BSD-3-Clause"];

fn license(i: u64) -> &'static str {
    LICENSES.get((i % 4) as usize).copied().unwrap_or("MIT")
}

/// A CycloneDX 1.5 SBOM of exactly `size` bytes, as cargo-cyclonedx or
/// Trivy writes one: the subject in `metadata.component`, components with a
/// `bom-ref`, licenses and a purl, the subject's dependencies, and 200
/// vulnerabilities with ratings; the critical and high ones are analysed as
/// not affecting the subject, so the SBOM is clean (it passes).
pub(super) fn write_cyclonedx(path: &Path, size: u64) -> Result<()> {
    let head = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","serialNumber":"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79","version":1,"metadata":{"timestamp":"2026-11-26T00:00:00Z","tools":{"components":[{"type":"application","name":"cargo-cyclonedx","version":"0.5.9"}]},"component":{"type":"application","bom-ref":"subject","name":"bench"}},"components":["#;
    let severities = ["critical", "high", "medium", "low"];
    let states = ["not_affected", "false_positive", "in_triage", "exploitable"];
    let vulns: Vec<String> = (0..200u64)
        .map(|v| {
            let s = (v % 4) as usize;
            format!(
                r#"{{"bom-ref":"vuln-{v}","id":"CVE-2026-{:05}","source":{{"name":"NVD","url":"https://nvd.nist.gov/vuln/detail/CVE-2026-{:05}"}},"ratings":[{{"source":{{"name":"NVD"}},"score":{}.5,"severity":"{}","method":"CVSSv31","vector":"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}],"description":"bench vulnerability {v}","affects":[{{"ref":"pkg-{:07}"}}],"analysis":{{"state":"{}","justification":"code_not_reachable"}}}}"#,
                10_000 + v,
                10_000 + v,
                9 - 2 * s,
                severities.get(s).copied().unwrap_or("low"),
                v * 5,
                states.get(s).copied().unwrap_or("in_triage"),
            )
        })
        .collect();
    let deps: Vec<String> = (0..100u64).map(|d| format!(r#""pkg-{d:07}""#)).collect();
    let tail = format!(
        r#"],"dependencies":[{{"ref":"subject","dependsOn":[{}]}}],"vulnerabilities":[{}]}}
"#,
        deps.join(","),
        vulns.join(",")
    );
    let mut file = Exact::create(path, size, head, tail.len())?;
    file.fill(",", |i| {
        let (name, version) = package(i);
        format!(
            r#"{{"type":"library","bom-ref":"pkg-{i:07}","name":"{name}","version":"{version}","description":"bench component {i}","scope":"required","hashes":[{{"alg":"SHA-256","content":"{:016x}{:016x}{:016x}{:016x}"}}],"licenses":[{{"expression":"{}"}}],"purl":"pkg:cargo/{name}@{version}"}}"#,
            i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            i,
            i.wrapping_mul(31),
            i ^ 0xdead_beef,
            license(i)
        )
    })?;
    file.finish(&tail)
}

/// An SPDX 2.3 SBOM of exactly `size` bytes, as syft writes one: packages
/// with licenses, a download location, a checksum and a purl; relationships
/// (the document describes the first, which depends on the next 1,000). Clean
/// (it passes).
pub(super) fn write_spdx(path: &Path, size: u64) -> Result<()> {
    let head = r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"bench","documentNamespace":"https://example.com/spdx/bench-1.0.0","creationInfo":{"created":"2026-11-26T00:00:00Z","creators":["Tool: syft-1.38.0"],"licenseListVersion":"3.25"},"packages":["#;
    let mut rels = vec![
        r#"{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-Package-0000000"}"#.to_string(),
    ];
    rels.extend((1..=1000u64).map(|d| {
        format!(
            r#"{{"spdxElementId":"SPDXRef-Package-0000000","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-Package-{d:07}"}}"#
        )
    }));
    let tail = format!("],\"relationships\":[{}]}}\n", rels.join(","));
    let mut file = Exact::create(path, size, head, tail.len())?;
    file.fill(",", |i| {
        let (name, version) = package(i);
        format!(
            r#"{{"SPDXID":"SPDXRef-Package-{i:07}","name":"{name}","versionInfo":"{version}","supplier":"NOASSERTION","downloadLocation":"https://crates.io/api/v1/crates/{name}/{version}/download","filesAnalyzed":false,"checksums":[{{"algorithm":"SHA256","checksumValue":"{:016x}{:016x}{:016x}{:016x}"}}],"licenseConcluded":"{}","licenseDeclared":"{}","copyrightText":"NOASSERTION","externalRefs":[{{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:cargo/{name}@{version}"}}]}}"#,
            i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            i,
            i.wrapping_mul(31),
            i ^ 0xdead_beef,
            license(i),
            license(i)
        )
    })?;
    file.finish(&tail)
}

/// A JUnit XML report of exactly `size` bytes, as nextest or pytest writes
/// one: suites of 100 test cases, with output on some; one case in 250,000
/// fails (from the eighth), so the report fails (it blocks).
pub(super) fn write_junit(path: &Path, size: u64) -> Result<()> {
    let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"bench\">\n";
    let tail = "\n</testsuites>\n";
    let mut file = Exact::create(path, size, head, tail.len())?;
    file.fill("\n", |s| {
        let failures = (s * 100..s * 100 + 100).filter(|i| i % 250_000 == 7).count();
        let mut suite = format!(
            r#"<testsuite name="crate_{s:06}::tests" tests="100" failures="{failures}" errors="0" skipped="0" time="1.250">"#
        );
        for i in s * 100..s * 100 + 100 {
            suite.push_str(&format!(
                r#"<testcase name="case_{i:08}_handles_input" classname="crate_{s:06}::tests" time="0.0{:02}">"#,
                i % 100
            ));
            if i % 250_000 == 7 {
                suite.push_str(r#"<failure type="assertion" message="assertion `left == right` failed">left: 1, right: 2 at src/lib.rs:42</failure>"#);
            } else if i % 10 == 0 {
                suite.push_str("<system-out>running &amp; checking &lt;input&gt;</system-out>");
            }
            suite.push_str("</testcase>");
        }
        suite.push_str("</testsuite>");
        suite
    })?;
    file.finish(tail)
}

/// A cargo-audit `--json` report of exactly `size` bytes: many advisories
/// in `vulnerabilities.list`, each with its package and its patched
/// versions, `count` matching the list. Any vulnerability blocks: failing.
pub(super) fn write_audit(path: &Path, size: u64) -> Result<()> {
    let head = r#"{"database":{"advisory-count":900,"last-commit":"0123456789abcdef0123456789abcdef01234567","last-updated":"2026-11-26T00:00:00Z"},"lockfile":{"dependency-count":400},"settings":{"target_arch":[],"target_os":[],"severity":null,"ignore":[],"informational_warnings":["unmaintained","unsound","yanked"]},"vulnerabilities":{"found":true,"list":["#;
    let tail_of = |n: u64| format!("],\"count\":{}}},\"warnings\":{{}}}}\n", count(n));
    let mut file = Exact::create(path, size, head, tail_of(0).len())?;
    let n = file.fill(",", |i| {
        let (name, version) = package(i);
        format!(
            r#"{{"advisory":{{"id":"RUSTSEC-{}-{:04}","package":"{name}","title":"Memory corruption in {name}","description":"An out-of-bounds write in `{name}` before {version}.","date":"2026-01-{:02}","aliases":["CVE-2026-{:05}"],"related":[],"collection":"crates","categories":["memory-corruption"],"keywords":["unsafe"],"cvss":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","informational":null,"references":[],"source":null,"url":"https://github.com/rustsec/advisory-db/issues/{i}","withdrawn":null,"license":"CC0-1.0"}},"versions":{{"patched":[">={version}"],"unaffected":[]}},"affected":null,"package":{{"name":"{name}","version":"0.0.{}","source":"registry+https://github.com/rust-lang/crates.io-index","checksum":"{:016x}{:016x}{:016x}{:016x}","dependencies":[],"replace":null}}}}"#,
            2000 + i / 10_000,
            i % 10_000,
            i % 28 + 1,
            i % 100_000,
            i % 100,
            i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            i,
            i.wrapping_mul(31),
            i ^ 0xdead_beef,
        )
    })?;
    file.finish(&tail_of(n))
}

/// `cargo deny --format json check` output of exactly `size` bytes, one
/// record a line: many `warning` diagnostics (duplicate crate versions),
/// then the summary, whose counts match them, without errors: clean.
pub(super) fn write_deny(path: &Path, size: u64) -> Result<()> {
    let tail_of = |n: u64| {
        let none = r#"{"errors":0,"warnings":0,"notes":0,"helps":0}"#;
        format!(
            "\n{{\"type\":\"summary\",\"fields\":{{\"advisories\":{none},\"bans\":{{\"errors\":0,\"warnings\":{},\"notes\":0,\"helps\":0}},\"licenses\":{none},\"sources\":{none}}}}}\n",
            count(n)
        )
    };
    let mut file = Exact::create(path, size, "", tail_of(0).len())?;
    let n = file.fill("\n", |i| {
        let (name, version) = package(i);
        format!(
            r#"{{"type":"diagnostic","fields":{{"severity":"warning","code":"duplicate","message":"found 2 duplicate entries for crate '{name}'","labels":[{{"span":"{name} {version}","message":"lock entries","line":{},"column":1}}],"graphs":[{{"Krate":{{"name":"{name}","version":"{version}"}},"parents":[{{"Krate":{{"name":"bench","version":"1.0.0"}}}}]}}]}}}}"#,
            i % 5000 + 1
        )
    })?;
    file.finish(&tail_of(n))
}

/// The floor crate's manifest and program (`write_floor`).
const MANIFEST: &str = r#"[package]
name = "floor"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
anyhow = "1"
cargo_metadata = "0.23"
clap = { version = "4", default-features = false, features = ["std", "derive", "help", "usage", "error-context"] }
glob = "0.3"
serde = { version = "1", features = ["derive"] }
serde_json = "1"
sha2 = "0.10"
xshell = "0.2"

# Its own workspace, in the workspace's dev profile.
[workspace]

[profile.dev]
debug = false
"#;
const MAIN: &str = r#"use clap::Parser;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// The floor of the gate's cold build: each of its packages, used a little.
#[derive(Parser)]
struct Args {
    #[arg(long, default_value = ".")]
    dir: String,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    path: String,
    sha256: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let metadata = cargo_metadata::MetadataCommand::new().no_deps().exec()?;
    let sh = xshell::Shell::new()?;
    let cargo = xshell::cmd!(sh, "cargo --version").read()?;
    let mut entries = Vec::new();
    for path in glob::glob(&format!("{}/*.toml", args.dir))? {
        let path = path?;
        let digest = sha2::Sha256::digest(std::fs::read(&path)?);
        entries.push(Entry { path: path.display().to_string(), sha256: format!("{digest:x}") });
    }
    let json = serde_json::to_string_pretty(&entries)?;
    let back: Vec<Entry> = serde_json::from_str(&json)?;
    println!("{} {cargo} {} {json}", metadata.workspace_root, back.len());
    Ok(())
}
"#;

/// What the gate needs beyond the design's eight packages (the same
/// requirements as `release-gate`'s and `release-gate-scan`'s manifests;
/// a test holds the names to them), each used a little, with the
/// workspace's per-package opt-levels for those it optimizes: the floor
/// plus these is what any gate with this design and these formats builds
/// before a line of its own code.
pub(super) const EXTRA_DEPENDENCIES: &str = r#"base64 = "0.23"
jiff = { version = "0.2.46", default-features = false, features = ["std"] }
memchr = "2"
quick-xml = "0.42"
toml = { version = "1.0.7", default-features = false, features = ["parse", "serde"] }
"#;
const EXTRA_PROFILE: &str = r#"
[profile.dev.package.sha2]
opt-level = 2
codegen-units = 1
debug-assertions = false
[profile.dev.package.memchr]
opt-level = 2
codegen-units = 1
debug-assertions = false
[profile.dev.package.quick-xml]
opt-level = 2
codegen-units = 1
debug-assertions = false
"#;
const EXTRA_MAIN: &str = r#"
/// The gate's other packages, used a little.
fn extra(text: &str) -> anyhow::Result<usize> {
    use base64::Engine as _;
    let decoded = base64::engine::general_purpose::STANDARD.decode(text)?;
    let at: jiff::Timestamp = text.parse()?;
    let value: toml::Table = toml::from_str(text)?;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut events = 0;
    while !matches!(reader.read_event()?, quick_xml::events::Event::Eof) {
        events += 1;
    }
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    Ok(decoded.len() + at.as_second() as usize + value.len() + events + lines)
}
"#;

/// The floor crate of the cold build in `dir`: a binary that depends on
/// exactly the design's eight packages (clap with the xtask's features) and
/// uses each a little, in the workspace's dev profile (without the
/// per-package opt-levels, the gate's own choice), with the workspace's
/// `Cargo.lock`, so that the same versions resolve offline. With `extra`,
/// the same crate with [`EXTRA_DEPENDENCIES`] too.
pub(super) fn write_floor(dir: &Path, root: &Path, extra: bool) -> Result<()> {
    fs::create_dir_all(dir.join("src"))
        .with_context(|| format!("cannot create `{}`", dir.display()))?;
    let write = |path: PathBuf, text: &[u8]| {
        fs::write(&path, text).with_context(|| format!("cannot write `{}`", path.display()))
    };
    let (manifest, main) = match extra {
        false => (MANIFEST.to_string(), MAIN.to_string()),
        true => (
            MANIFEST.replace("\n\n# Its own workspace", &format!("\n{EXTRA_DEPENDENCIES}\n# Its own workspace"))
                + EXTRA_PROFILE,
            MAIN.replace("    println!(", "    let extra = extra(&json).unwrap_or(0);\n    println!(\"{extra}\");\n    println!(")
                + EXTRA_MAIN,
        ),
    };
    write(dir.join("Cargo.toml"), manifest.as_bytes())?;
    write(dir.join("src").join("main.rs"), main.as_bytes())?;
    let lock = root.join("Cargo.lock");
    let lock = fs::read(&lock).with_context(|| format!("cannot read `{}`", lock.display()))?;
    write(dir.join("Cargo.lock"), &lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in a manifest's `[dependencies]`.
    fn dependencies(manifest: &str) -> std::collections::BTreeSet<String> {
        let mut names = std::collections::BTreeSet::new();
        let mut inside = false;
        for line in manifest.lines() {
            if line.starts_with('[') {
                inside = line == "[dependencies]";
            } else if let Some((name, _)) = line.split_once(" = ").filter(|_| inside) {
                names.insert(name.trim().to_string());
            }
        }
        names
    }

    /// The floor with the gate's packages has exactly the packages the
    /// gate's two library crates depend on beyond the floor's, and the
    /// generated manifest has both sets.
    #[test]
    fn the_gates_other_packages_are_the_libraries_dependencies() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut gate = std::collections::BTreeSet::new();
        for krate in ["release-gate", "release-gate-scan"] {
            let manifest = fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
            gate.extend(dependencies(&manifest));
        }
        let floor = dependencies(MANIFEST);
        assert_eq!(floor.len(), 8, "{floor:?}");
        let extra = dependencies(&format!("[dependencies]\n{EXTRA_DEPENDENCIES}"));
        let beyond: std::collections::BTreeSet<String> = gate
            .difference(&floor)
            // toml_edit is `init`'s, a feature the xtask does not build.
            .filter(|name| !name.starts_with("release-gate") && *name != "toml_edit")
            .cloned()
            .collect();
        assert_eq!(extra, beyond);

        let tmp = tempfile::tempdir().unwrap();
        write_floor(tmp.path(), root, true).unwrap();
        let written = fs::read_to_string(tmp.path().join("Cargo.toml")).unwrap();
        let all: std::collections::BTreeSet<String> = floor.union(&extra).cloned().collect();
        assert_eq!(dependencies(&written), all);
        let main = fs::read_to_string(tmp.path().join("src").join("main.rs")).unwrap();
        assert!(main.contains("let extra = extra(&json)") && main.contains("fn extra("), "{main}");
    }
}
