//! The scenarios, each a target of `docs/performance.md` measured against a
//! peer, and the checks of what the gate and the peer said.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;

use super::inputs::{
    input, write_audit, write_blob, write_cyclonedx, write_deny, write_evidence, write_floor,
    write_junit, write_sarif, write_scale, write_spdx,
};
use super::measure::{expect_code, job, Runs};
use super::table::{at_most, secs, size, Row, Status};
use super::{folders, Ctx, Outcome, RELEASE};

// ---- reading what the tools said ---------------------------------------

fn read_report(out: &Path) -> Result<Value> {
    let path = out.join("production_maturity.json");
    let text =
        fs::read_to_string(&path).with_context(|| format!("no report at `{}`", path.display()))?;
    serde_json::from_str::<Value>(&text)
        .with_context(|| format!("`{}` is not JSON", path.display()))
}

fn level(report: &Value) -> &str {
    report.get("level").and_then(Value::as_str).unwrap_or("")
}

fn blocker_codes(report: &Value) -> Vec<String> {
    report
        .get("blockers")
        .and_then(Value::as_array)
        .map(|b| b.iter().filter_map(|b| b.get("code")?.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// The reasons the report gives for the first artifact's status.
fn reasons(report: &Value) -> Vec<String> {
    let domains = report.get("domains").and_then(Value::as_object);
    let first = domains.and_then(|d| {
        d.values().find_map(|d| d.get("artifacts").and_then(Value::as_array)?.first())
    });
    first
        .and_then(|a| a.get("reasons")?.as_array())
        .map(|r| r.iter().filter_map(|r| r.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// Every artifact of the report: (path, bytes, sha256, status).
fn artifacts(report: &Value) -> Vec<(String, u64, String, String)> {
    let mut out = Vec::new();
    let Some(domains) = report.get("domains").and_then(Value::as_object) else { return out };
    for domain in domains.values() {
        for a in domain.get("artifacts").and_then(Value::as_array).into_iter().flatten() {
            let text = |key: &str| a.get(key).and_then(Value::as_str).unwrap_or("").to_string();
            let bytes = a.get("bytes").and_then(Value::as_u64).unwrap_or(0);
            out.push((text("path"), bytes, text("sha256"), text("status")));
        }
    }
    out
}

/// The digest `openssl dgst -sha256` printed (`SHA2-256(path)= hex`).
fn openssl_digest(log: &Path) -> Result<String> {
    let out = fs::read_to_string(log.with_extension("out"))?;
    out.lines()
        .find_map(|l| l.rsplit_once("= ").map(|(_, d)| d.trim().to_string()))
        .context("no digest in the output of `openssl dgst -sha256`")
}

/// The single artifact of a one-file gate run, checked against the peer.
fn one_artifact(report: &Value, size: u64, digest: &str) -> Result<String> {
    let all = artifacts(report);
    let [(path, bytes, sha256, status)] = all.as_slice() else {
        bail!("the report lists {} artifacts, expected 1", all.len());
    };
    ensure!(*bytes == size, "the report says `{path}` has {bytes} bytes, expected {size}");
    ensure!(sha256 == digest, "the report's sha256 of `{path}` is {sha256}, openssl says {digest}");
    Ok(status.clone())
}

// ---- the scenarios -------------------------------------------------------

/// One large file gated as `--artifact security=<path>`, against `openssl
/// dgst -sha256` of the same file: the runs, and the report, whose one
/// artifact has the file's size and openssl's digest.
struct OneFile {
    gate: Runs,
    peer: Runs,
    report: Value,
    /// The artifact's status.
    status: String,
    /// The last gate run's exit code.
    code: Option<i32>,
}

fn one_file(ctx: &Ctx, label: &str, path: &Path, gate_code: Option<i32>) -> Result<OneFile> {
    let out = ctx.out_dir(label)?;
    let artifact = format!("security={}", ctx.rel(path));
    let gate = || {
        let mut cmd = ctx.gate();
        cmd.args(["release-gate", "--artifact", &artifact, "--require", "security"])
            .args(["--release", RELEASE, "--output-dir"])
            .arg(&out);
        if let Some(max) = ctx.sizes.max_parse {
            cmd.arg("--max-parse-bytes").arg(max.to_string());
        }
        vec![cmd]
    };
    let peer = || {
        let mut cmd = ctx.tool("openssl");
        cmd.args(["dgst", "-sha256"]).arg(path);
        vec![cmd]
    };
    let (gate, peer) = ctx.compare(label, &gate, gate_code, &peer)?;
    let digest = openssl_digest(&ctx.log(&format!("{label}-peer")))?;
    let report = read_report(&out)?;
    let status = one_artifact(&report, ctx.sizes.big, &digest)?;
    let code = gate.0.last().and_then(|r| r.code);
    Ok(OneFile { gate, peer, report, status, code })
}

/// Target 1: hashing throughput on a large opaque artifact, against openssl.
pub(super) fn hash(ctx: &Ctx) -> Result<Outcome> {
    let big = ctx.sizes.big;
    let path = input(&ctx.dir.join("hash").join("artifact.bin"), &format!("blob {big}"), |p| {
        write_blob(p, big)
    })?;
    // Not JSON: the gate says so (exit 1) after hashing every byte.
    let OneFile { gate: g, peer: p, report, status, .. } = one_file(ctx, "hash", &path, Some(1))?;
    ensure!(
        status == "invalid" && blocker_codes(&report) == ["security.invalid"],
        "hash: expected a single `security.invalid` blocker, found status `{status}` and {:?}",
        blocker_codes(&report)
    );
    let throughput = p.median().as_secs_f64() / g.median().as_secs_f64();
    let rate = |d: Duration| format!("{:.2} GB/s", big as f64 / d.as_secs_f64() / 1e9);
    Ok(Outcome {
        rows: vec![Row {
            scenario: "hash".into(),
            input: format!("{} opaque artifact", size(big)),
            gate: format!("{} ({})", secs(g.median()), rate(g.median())),
            peer: format!("openssl {} ({})", secs(p.median()), rate(p.median())),
            rss: g.max_rss_kib(),
            ratio: format!("{throughput:.2}x throughput"),
            target: ">= 0.80x".into(),
            status: if throughput >= 0.8 { Status::Pass } else { Status::Miss },
        }],
        notes: Vec::new(),
    })
}

/// Targets 2 and 3: a large evidence JSON, hashed and parsed from one read,
/// against openssl's time to hash it; and the gate's peak memory.
pub(super) fn evidence(ctx: &Ctx) -> Result<Outcome> {
    let big = ctx.sizes.big;
    let path =
        input(&ctx.dir.join("evidence").join("evidence.json"), &format!("evidence {big}"), |p| {
            write_evidence(p, big)
        })?;
    let run = one_file(ctx, "evidence", &path, Some(0))?;
    let (status, level) = (&run.status, level(&run.report));
    ensure!(
        status == "passed" && level == "ga_ready",
        "evidence: expected the passing evidence to open the gate, found status `{status}`, level `{level}`"
    );
    Ok(streamed_rows(ctx, "evidence", "evidence JSON", &run, 2.5))
}

/// Issue 16: a large SARIF log (a tool format), read once, hashed as it
/// streams, its results judged one at a time, against openssl's time to
/// hash it; and the gate's peak memory.
pub(super) fn sarif(ctx: &Ctx) -> Result<Outcome> {
    let big = ctx.sizes.big;
    let path = input(&ctx.dir.join("sarif").join("codeql.sarif"), &format!("sarif {big}"), |p| {
        write_sarif(p, big)
    })?;
    // Results at level `error`: the gate blocks (exit 1) after reading all.
    let run = one_file(ctx, "sarif", &path, Some(1))?;
    let (status, codes) = (&run.status, blocker_codes(&run.report));
    ensure!(
        status == "not_passed" && codes == ["security.not_passed"],
        "sarif: expected a single `security.not_passed` blocker, found status `{status}` and {codes:?}"
    );
    Ok(streamed_rows(ctx, "sarif", "SARIF log", &run, 3.0))
}

/// A streamed file's rows: its time against openssl's (at most `max_ratio`),
/// and the gate's peak memory (at most 64 MiB).
fn streamed_rows(ctx: &Ctx, scenario: &str, what: &str, run: &OneFile, max_ratio: f64) -> Outcome {
    let (g, p) = (&run.gate, &run.peer);
    let big = size(ctx.sizes.big);
    let ratio = g.median().as_secs_f64() / p.median().as_secs_f64();
    let rss = g.max_rss_kib();
    let read = match ctx.sizes.max_parse {
        Some(max) => format!("--max-parse-bytes {}", size(max)),
        None => "default --max-parse-bytes".to_string(),
    };
    let rows = vec![
        Row {
            scenario: scenario.into(),
            input: format!("{big} {what}, {read}"),
            gate: secs(g.median()),
            rss,
            peer: format!("openssl {}", secs(p.median())),
            ratio: format!("{ratio:.2}x time"),
            target: format!("<= {max_ratio:.2}x"),
            status: at_most(ratio, max_ratio),
        },
        Row {
            scenario: format!("{scenario}-rss"),
            input: format!("{big} {what}: peak RSS"),
            gate: "-".into(),
            rss,
            peer: "-".into(),
            ratio: "-".into(),
            target: "<= 64 MiB".into(),
            status: rss.map_or(Status::Info, |k| at_most(k as f64 / 1024.0, 64.0)),
        },
    ];
    Outcome { rows, notes: Vec::new() }
}

/// A tool format of issue 16: its generator, the file it writes, what the
/// input is, and the artifact status the gate must give it when it reads it.
pub(super) struct Format {
    name: &'static str,
    file: &'static str,
    what: &'static str,
    verdict: &'static str,
    write: fn(&Path, u64) -> Result<()>,
}

pub(super) const CYCLONEDX: Format = Format {
    name: "cyclonedx",
    file: "bom.cdx.json",
    what: "CycloneDX (components, licenses, purls, 200 vulns; clean)",
    verdict: "passed",
    write: write_cyclonedx,
};
pub(super) const SPDX: Format = Format {
    name: "spdx",
    file: "sbom.spdx.json",
    what: "SPDX (packages, licenses, purls, 1,001 relationships; clean)",
    verdict: "passed",
    write: write_spdx,
};
pub(super) const JUNIT: Format = Format {
    name: "junit",
    file: "results.junit.xml",
    what: "JUnit XML (suites of 100 cases, 1 in 250,000 fails; failing)",
    verdict: "not_passed",
    write: write_junit,
};
pub(super) const AUDIT: Format = Format {
    name: "cargo-audit",
    file: "audit.json",
    what: "cargo-audit (vulnerabilities.list of advisories; failing)",
    verdict: "not_passed",
    write: write_audit,
};
pub(super) const DENY: Format = Format {
    name: "cargo-deny",
    file: "deny.jsonl",
    what: "cargo-deny JSON lines (warnings, a summary; clean)",
    verdict: "passed",
    write: write_deny,
};

/// Issue 16: a large file of a tool format, against openssl's time to hash
/// it; and the gate's peak memory. What really happens is reported: a file
/// the gate refuses (over `max-parse-bytes`) misses both targets; a file
/// it reads must get the verdict the input was made for.
pub(super) fn tool_format(ctx: &Ctx, format: &Format) -> Result<Outcome> {
    let (big, name) = (ctx.sizes.big, format.name);
    let path = input(&ctx.dir.join(name).join(format.file), &format!("{name} {big}"), |p| {
        (format.write)(p, big)
    })?;
    let run = one_file(ctx, name, &path, None)?;
    let refused = run.status == "invalid"
        && reasons(&run.report).iter().any(|r| r.contains("max-parse-bytes"));
    let code = run.code.map_or("a signal".to_string(), |c| format!("exit {c}"));
    ensure!(
        refused || run.status == format.verdict,
        "{name}: expected the artifact to be `{}`, found `{}` ({code}): {:?}",
        format.verdict,
        run.status,
        reasons(&run.report)
    );
    let mut outcome = streamed_rows(ctx, name, format.what, &run, 3.0);
    let what = if refused {
        format!("refused: over max-parse-bytes, {code}")
    } else {
        format!("read: {}, {code}", run.status)
    };
    for row in &mut outcome.rows {
        row.gate = if row.gate == "-" { what.clone() } else { format!("{}, {what}", row.gate) };
        if refused {
            row.status = Status::Miss;
        }
    }
    Ok(outcome)
}

/// Target 4: thousands of small files over seven domains, against sha256sum
/// over the same files; and how the time grows with the count.
pub(super) fn scale(ctx: &Ctx) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut per_file = Vec::new();
    let mut largest = None;
    for &n in &ctx.sizes.scale {
        let (row, us) = scale_at(ctx, n)?;
        largest = Some((n, row.rss));
        outcome.rows.push(row);
        per_file.push((n, us));
    }
    // Linear: the cost per file stays flat from the target count upwards.
    if let (Some((n0, us0)), Some((n1, us1))) =
        (per_file.iter().find(|(n, _)| *n == ctx.sizes.scale_target), per_file.last())
    {
        if n1 > n0 {
            let growth = us1 / us0;
            outcome.rows.push(Row {
                scenario: "scale-linear".into(),
                input: format!("time per file, {n0} -> {n1} files"),
                gate: format!("{us0:.0} -> {us1:.0} us/file"),
                rss: None,
                peer: "-".into(),
                ratio: format!("{growth:.2}x"),
                target: "<= 1.25x".into(),
                status: at_most(growth, 1.25),
            });
        }
    }
    // The largest count's peak memory: the report of every file is held
    // (and rendered) at once, so this is where the gate's memory grows.
    if let (Some((n, rss)), Some(max_mib)) = (largest, ctx.sizes.scale_peak_mib) {
        outcome.rows.push(Row {
            scenario: "scale-peak".into(),
            input: format!("{n} files: peak RSS"),
            gate: "-".into(),
            rss,
            peer: "-".into(),
            ratio: "-".into(),
            target: format!("<= {max_mib} MiB"),
            status: rss.map_or(Status::Info, |k| at_most(k as f64 / 1024.0, max_mib as f64)),
        });
    }
    Ok(outcome)
}

/// The gate on the evidence it discovers under `root`, its report in `out`.
fn discover(ctx: &Ctx, root: &Path, out: &Path) -> Command {
    let mut cmd = ctx.gate();
    cmd.args(["release-gate", "--artifacts-root"])
        .arg(root)
        .args(["--release", RELEASE, "--output-dir"])
        .arg(out);
    cmd
}

/// The scale scenario at `n` files: its row, and the gate's time per file
/// in microseconds.
fn scale_at(ctx: &Ctx, n: usize) -> Result<(Row, f64)> {
    let file = ctx.sizes.file;
    let label = format!("scale-{n}");
    let dir =
        input(&ctx.dir.join(&label), &format!("scale {n}x{file}"), |d| write_scale(d, n, file))?;
    let mut files: Vec<String> = Vec::new();
    for folder in folders() {
        for entry in fs::read_dir(dir.join(folder).join("latest"))? {
            files.push(ctx.rel(&entry?.path()));
        }
    }
    files.sort();
    ensure!(files.len() == n, "{label}: found {} files", files.len());
    let out = ctx.out_dir(&label)?;
    let gate = || vec![discover(ctx, &dir, &out)];
    // As many files per sha256sum as a command line comfortably holds.
    let peer = || {
        let batch = |files: &[String]| {
            let mut cmd = ctx.tool("sha256sum");
            cmd.args(files);
            cmd
        };
        files.chunks(2_000).map(batch).collect()
    };
    let (g, p) = ctx.compare(&label, &gate, Some(0), &peer)?;
    let report = read_report(&out)?;
    ensure!(
        level(&report) == "ga_ready",
        "{label}: level `{}`, expected `ga_ready`",
        level(&report)
    );
    let sums = fs::read_to_string(ctx.log(&format!("{label}-peer")).with_extension("out"))?;
    let expected: BTreeMap<&str, &str> =
        sums.lines().filter_map(|l| l.split_once("  ").map(|(d, p)| (p, d))).collect();
    let seen = artifacts(&report);
    ensure!(seen.len() == n, "{label}: the report lists {} artifacts, expected {n}", seen.len());
    for (path, _, sha256, status) in &seen {
        ensure!(status == "passed", "{label}: `{path}` is `{status}`, expected `passed`");
        ensure!(
            expected.get(path.as_str()) == Some(&sha256.as_str()),
            "{label}: the report's sha256 of `{path}` differs from sha256sum's"
        );
    }
    let ratio = g.median().as_secs_f64() / p.median().as_secs_f64();
    let us = g.median().as_secs_f64() * 1e6 / n as f64;
    let total = n as u64 * file as u64;
    let target = n == ctx.sizes.scale_target;
    let row = Row {
        scenario: label,
        input: format!("{n} files x {}, {} in all", size(file as u64), size(total)),
        gate: format!("{} ({us:.0} us/file)", secs(g.median())),
        rss: g.max_rss_kib(),
        peer: format!("sha256sum {}", secs(p.median())),
        ratio: format!("{ratio:.2}x time"),
        target: if target { "<= 0.50x".into() } else { "-".into() },
        status: if target { at_most(ratio, 0.5) } else { Status::Info },
    };
    Ok((row, us))
}

/// Target 5a: `cargo xtask release-gate --stubs` end to end, warm, against
/// the `cargo xtask --help` floor.
pub(super) fn warm(ctx: &Ctx) -> Result<Outcome> {
    let gate = || {
        let mut cmd = ctx.tool(&ctx.cargo);
        cmd.args(["xtask", "release-gate", "--stubs"]);
        vec![cmd]
    };
    let peer = || {
        let mut cmd = ctx.tool(&ctx.cargo);
        cmd.args(["xtask", "--help"]);
        vec![cmd]
    };
    let (g, p) = ctx.compare("warm", &gate, Some(0), &peer)?;
    let said = fs::read_to_string(ctx.log("warm-gate").with_extension("out"))?;
    ensure!(said.contains("level `ga_ready`"), "warm: the stub gate did not open: {said}");
    let ratio = g.median().as_secs_f64() / p.median().as_secs_f64();
    Ok(Outcome {
        rows: vec![Row {
            scenario: "warm".into(),
            input: "cargo xtask release-gate --stubs".into(),
            gate: secs(g.median()),
            // The largest of cargo and the gate it runs (wait4 counts the
            // child's own waited-for children).
            rss: g.max_rss_kib(),
            peer: format!("cargo xtask --help {}", secs(p.median())),
            ratio: format!("{ratio:.2}x time"),
            target: "<= 2.00x".into(),
            status: at_most(ratio, 2.0),
        }],
        notes: Vec::new(),
    })
}

/// Target 5b: the gate binary alone (no cargo in front) on the seven stubs.
pub(super) fn gate_stubs(ctx: &Ctx) -> Result<Outcome> {
    let stubs = ctx.dir.join("stubs");
    // The stub generator as `--stubs` runs it: the xtask's hidden mode.
    let mut generate = Command::new(&ctx.xtask);
    generate
        .args(["stub-evidence", "--release", RELEASE, "--out"])
        .arg(&stubs)
        .current_dir(&ctx.root);
    let made = job(vec![generate], &ctx.log("gate-stubs-generate"))?;
    expect_code(&made, 0, "evidence-stubs", &ctx.log("gate-stubs-generate"))?;
    let out = ctx.out_dir("gate-stubs")?;
    let gate = || vec![discover(ctx, &stubs, &out)];
    // Outside `--stubs`, stub evidence is quarantined: seven `.stub` blockers.
    let g = ctx.alone("gate-stubs", &gate, 1)?;
    let report = read_report(&out)?;
    let codes = blocker_codes(&report);
    let stub_codes = codes.iter().filter(|c| c.ends_with(".stub")).count();
    ensure!(
        stub_codes == 7 && artifacts(&report).len() == 7,
        "gate-stubs: expected seven quarantined stubs, found blockers {codes:?}"
    );
    let ms = g.median().as_secs_f64() * 1000.0;
    Ok(Outcome {
        rows: vec![Row {
            scenario: "gate-stubs".into(),
            input: "xtask release-gate, 7 stub artifacts".into(),
            gate: secs(g.median()),
            rss: g.max_rss_kib(),
            peer: "-".into(),
            ratio: "-".into(),
            target: "< 50 ms".into(),
            status: if ms < 50.0 { Status::Pass } else { Status::Miss },
        }],
        notes: Vec::new(),
    })
}

/// Target 6: `cargo build -p xtask` from a clean target directory (the
/// registry already downloaded, `--offline`), against the same build of the
/// floor crate: the design's eight packages, nothing else (`write_floor`).
/// Builds alternate, floor first; one pair, or `--runs` pairs when given.
/// Between them, the floor crate with the gate's other packages too and no
/// gate code (`cold-build-deps`, for information): what part of the ratio
/// the packages are, and what the gate's own crates.
pub(super) fn cold_build(ctx: &Ctx) -> Result<Outcome> {
    let floor = ctx.dir.join("floor");
    write_floor(&floor, &ctx.root, false)?;
    let deps = ctx.dir.join("floor-deps");
    write_floor(&deps, &ctx.root, true)?;
    let build = |label: &str, args: &[&str]| -> Result<super::measure::Run> {
        let target = ctx.dir.join(format!("{label}-target"));
        if target.exists() {
            fs::remove_dir_all(&target)
                .with_context(|| format!("cannot clear `{}`", target.display()))?;
        }
        let mut cmd = ctx.tool(&ctx.cargo);
        cmd.args(["build", "--offline", "--timings"]).args(args).env("CARGO_TARGET_DIR", &target);
        let run = job(vec![cmd], &ctx.log(label))?;
        expect_code(&run, 0, label, &ctx.log(label))?;
        Ok(run)
    };
    let manifest = |dir: &Path| -> Result<String> {
        Ok(dir.join("Cargo.toml").to_str().context("a non-UTF-8 path")?.to_string())
    };
    let (floor_manifest, deps_manifest) = (manifest(&floor)?, manifest(&deps)?);
    let (mut x, mut f, mut d) = (Runs::default(), Runs::default(), Runs::default());
    for _ in 0..ctx.cold_pairs {
        f.0.push(build("cold-floor", &["--manifest-path", &floor_manifest])?);
        d.0.push(build("cold-floor-deps", &["--manifest-path", &deps_manifest])?);
        x.0.push(build("cold-build", &["--package", "xtask"])?);
    }
    let builds = f.0.iter().zip(&d.0).zip(&x.0);
    let builds: Vec<String> = builds
        .map(|((f, d), x)| format!("{} / {} / {}", secs(f.wall), secs(d.wall), secs(x.wall)))
        .collect();
    let mut notes = vec![format!(
        "cold builds, floor / floor with the gate's packages / xtask, in order: {}",
        builds.join(", ")
    )];
    let timings = ctx.dir.join("cold-build-target").join("cargo-timings");
    match top_units(&timings.join("cargo-timing.html"), 5) {
        Ok(top) => notes.push(format!("cold build, the five longest crates (--timings):\n{top}")),
        Err(err) => notes.push(format!("cold build: no --timings summary ({err:#})")),
    }
    let ratio = |runs: &Runs| runs.median().as_secs_f64() / f.median().as_secs_f64();
    let pairs = ctx.cold_pairs;
    let rows = vec![
        Row {
            scenario: "cold-build-deps".into(),
            input: format!(
                "the floor crate with the gate's 5 other packages, no gate code, {pairs} build(s)"
            ),
            gate: "-".into(),
            rss: None,
            peer: format!("{} vs floor {}", secs(d.median()), secs(f.median())),
            ratio: format!("{:.2}x time", ratio(&d)),
            target: "-".into(),
            status: Status::Info,
        },
        Row {
            scenario: "cold-build".into(),
            input: format!(
                "cargo build -p xtask vs the floor crate (8 packages), clean targets, {pairs} pair(s)"
            ),
            gate: secs(x.median()),
            rss: None,
            peer: format!("floor {}", secs(f.median())),
            ratio: format!("{:.2}x time", ratio(&x)),
            target: "<= 1.60x".into(),
            status: at_most(ratio(&x), 1.6),
        },
    ];
    Ok(Outcome { rows, notes })
}

/// The `n` longest units of a `--timings` report, one line each.
fn top_units(html: &Path, n: usize) -> Result<String> {
    let text = fs::read_to_string(html)?;
    let start =
        text.find("const UNIT_DATA = ").context("no UNIT_DATA")? + "const UNIT_DATA = ".len();
    let rest = text.get(start..).unwrap_or_default();
    let end = rest.find(";\n").context("no end of UNIT_DATA")?;
    let units = serde_json::from_str::<Value>(rest.get(..end).unwrap_or_default())?;
    let mut units: Vec<(f64, String)> = units
        .as_array()
        .context("UNIT_DATA is not an array")?
        .iter()
        .map(|u| {
            let text = |k: &str| u.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            let duration = u.get("duration").and_then(Value::as_f64).unwrap_or(0.0);
            let target = text("target");
            (duration, format!("{} v{}{}", text("name"), text("version"), target.trim_end()))
        })
        .collect();
    units.sort_by(|a, b| b.0.total_cmp(&a.0));
    Ok(units
        .iter()
        .take(n)
        .map(|(d, name)| format!("  {d:>6.2} s  {name}"))
        .collect::<Vec<_>>()
        .join("\n"))
}
