//! `cargo xtask bench`: the gate's performance targets (`docs/performance.md`),
//! each measured side by side with a peer tool, in one run, on one machine.
//!
//! Inputs are generated deterministically (no randomness, no clock) under
//! `target/bench/<full|quick>/` and reused when present and complete. The gate
//! runs as users run it: the dev-profile `xtask` binary as a subprocess, from
//! the workspace root; the peers (`openssl dgst -sha256`, `sha256sum`) are
//! subprocesses too. After one warm-up run each, gate and peer runs alternate
//! and the table shows medians. Peak memory is the kernel's `ru_maxrss` for
//! exactly that child, from `wait4`.
//!
//! Every gate run's exit code is checked, and the last run's report is
//! checked against the input: its level and blockers, and each digest against
//! the peer's. A scenario that cannot run, or a wrong verdict, fails the
//! command (exit 1); a missed target is marked in the table and does not.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use serde_json::Value;
use xshell::Shell;

use crate::Bench;
use release_gate::collectors::GITHUB_JOB_VARS;
use release_gate::project::Project;

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The discovery folders of the default policy, one per domain.
const FOLDERS: [&str; 7] =
    ["connectors", "replay", "benchmarks", "security", "supply_chain", "governance", "docs"];

/// The release id the bench gates (its evidence is bound to it).
const RELEASE: &str = "bench";

/// Bumped when a generator changes, so stale inputs are regenerated.
const INPUT_VERSION: u32 = 1;

/// How big each scenario is.
struct Sizes {
    /// The single large file of the hashing and evidence scenarios.
    big: u64,
    /// `--max-parse-bytes` for those scenarios, so that `big` is streamed
    /// (the default, 128 MiB, already is below 1 GiB).
    max_parse: Option<u64>,
    /// File counts of the scale scenario; the target applies to `scale_target`.
    scale: Vec<usize>,
    scale_target: usize,
    /// The size of each file there ("tens of KiB").
    file: usize,
}

impl Sizes {
    fn full() -> Sizes {
        Sizes {
            big: GIB,
            max_parse: None,
            scale: vec![700, 7_000, 70_000],
            scale_target: 7_000,
            file: 24 * 1024,
        }
    }
    fn quick() -> Sizes {
        Sizes {
            big: 8 * MIB,
            max_parse: Some(MIB),
            scale: vec![70, 700],
            scale_target: 70,
            file: 24 * 1024,
        }
    }
}

impl Bench {
    pub fn run(self, sh: &Shell, project: &Project) -> Result<u8> {
        let mode = if self.quick { "quick" } else { "full" };
        let runs = self.runs.map_or(if self.quick { 3 } else { 5 }, |n| n as usize);
        let dir = project.target_dir.join("bench").join(mode);
        fs::create_dir_all(dir.join("logs"))
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        // The binaries the bench runs, fresh: the gate as `cargo xtask` builds it.
        GITHUB_JOB_VARS
            .iter()
            .fold(xshell::cmd!(sh, "{cargo} build --quiet --package xtask"), |cmd, var| {
                cmd.env_remove(var)
            })
            .run()
            .context("cannot build the xtask binary")?;
        let bin = project.target_dir.join("debug");
        let ctx = Ctx {
            root: project.root.clone(),
            dir,
            xtask: bin.join(exe("xtask")),
            cargo,
            runs,
            sizes: if self.quick { Sizes::quick() } else { Sizes::full() },
        };

        let machine = machine(&ctx);
        println!("cargo xtask bench ({mode}): medians of {runs} runs\n{machine}");
        let mut rows = Vec::new();
        let mut notes = Vec::new();
        let scenarios: [(&str, Scenario); 7] = [
            ("hash", hash),
            ("evidence", evidence),
            ("sarif", sarif),
            ("scale", scale),
            ("warm", warm),
            ("gate-stubs", gate_stubs),
            ("cold-build", cold_build),
        ];
        if let Some(unknown) =
            self.only.iter().find(|o| !scenarios.iter().any(|(name, _)| name == o))
        {
            bail!(
                "`--only {unknown}`: unknown scenario (one of {})",
                scenarios.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
            );
        }
        for (name, scenario) in scenarios {
            if !self.only.is_empty() && !self.only.iter().any(|o| o == name) {
                continue;
            }
            if name == "cold-build" && (self.quick || self.no_cold_build) {
                let why = if self.quick { "full run only" } else { "--no-cold-build" };
                rows.push(Row::skipped(name, why));
                continue;
            }
            eprintln!("bench: {name} ...");
            match scenario(&ctx) {
                Ok(mut out) => {
                    rows.append(&mut out.rows);
                    notes.append(&mut out.notes);
                }
                Err(err) => rows.push(Row::error(name, &format!("{err:#}"))),
            }
        }
        let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let table = table(&rows);
        println!("{table}");
        for note in &notes {
            println!("{note}");
        }
        println!(
            "load average at the end: {}",
            load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        );
        let errors = rows.iter().filter(|r| r.status == Status::Error).count();
        let misses = rows.iter().filter(|r| r.status == Status::Miss).count();
        println!("{} scenario row(s): {errors} error(s), {misses} missed target(s)", rows.len());
        let mut md = format!("{machine}\n");
        md.push_str(&markdown(&rows));
        for note in &notes {
            md.push_str(&format!("\n{note}\n"));
        }
        let results = ctx.dir.join("results.md");
        fs::write(&results, md).with_context(|| format!("cannot write `{}`", results.display()))?;
        println!("table: {}", results.display());
        // The same rows for machines: `cargo xtask evidence performance`
        // compares the ratios with a committed baseline.
        let rows_json: Vec<Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "scenario": r.scenario,
                    "input": r.input,
                    "gate": r.gate,
                    "peer": r.peer,
                    "ratio": r.ratio,
                    "target": r.target,
                    "status": r.status.as_str(),
                })
            })
            .collect();
        let mut json = serde_json::to_string_pretty(&rows_json).unwrap_or_default();
        json.push('\n');
        let results_json = ctx.dir.join("results.json");
        fs::write(&results_json, json)
            .with_context(|| format!("cannot write `{}`", results_json.display()))?;
        Ok(if errors > 0 { 1 } else { 0 })
    }
}

type Scenario = fn(&Ctx) -> Result<Outcome>;

#[derive(Default)]
struct Outcome {
    rows: Vec<Row>,
    notes: Vec<String>,
}

struct Ctx {
    root: PathBuf,
    dir: PathBuf,
    xtask: PathBuf,
    cargo: String,
    runs: usize,
    sizes: Sizes,
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

impl Ctx {
    /// The gate, as `cargo xtask` runs it, from the workspace root.
    fn gate(&self) -> Command {
        let mut cmd = Command::new(&self.xtask);
        cmd.current_dir(&self.root);
        cmd
    }

    fn tool(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root);
        cmd
    }

    /// `path` as reports show it: relative to the workspace root, with `/`,
    /// and `..` steps when it lies outside (a `CARGO_TARGET_DIR` elsewhere).
    /// Run from the root, `sha256sum` prints the same path.
    fn rel(&self, path: &Path) -> String {
        release_gate::gate::paths::display(
            &self.root,
            &release_gate::gate::paths::absolute(&self.root, path),
        )
    }

    fn log(&self, label: &str) -> PathBuf {
        self.dir.join("logs").join(label)
    }

    /// A fresh report folder for one scenario.
    fn out_dir(&self, label: &str) -> Result<PathBuf> {
        let out = self.dir.join("out").join(label);
        if out.exists() {
            fs::remove_dir_all(&out)
                .with_context(|| format!("cannot clear `{}`", out.display()))?;
        }
        Ok(out)
    }

    /// Runs the gate job and the peer job once each to warm up, then `runs`
    /// times alternately. Every gate run must exit with `gate_code`, every
    /// peer run with 0.
    fn compare(
        &self,
        label: &str,
        gate: &dyn Fn() -> Vec<Command>,
        gate_code: i32,
        peer: &dyn Fn() -> Vec<Command>,
    ) -> Result<(Runs, Runs)> {
        let (mut g, mut p) = (Runs::default(), Runs::default());
        for i in 0..=self.runs {
            let gate_run = job(gate(), &self.log(&format!("{label}-gate")))?;
            expect_code(&gate_run, gate_code, label, &self.log(&format!("{label}-gate")))?;
            let peer_run = job(peer(), &self.log(&format!("{label}-peer")))?;
            expect_code(
                &peer_run,
                0,
                &format!("{label} (peer)"),
                &self.log(&format!("{label}-peer")),
            )?;
            if i > 0 {
                g.0.push(gate_run);
                p.0.push(peer_run);
            }
        }
        Ok((g, p))
    }

    /// Runs the gate job alone, once to warm up, then `runs` times.
    fn alone(&self, label: &str, gate: &dyn Fn() -> Vec<Command>, gate_code: i32) -> Result<Runs> {
        let mut g = Runs::default();
        for i in 0..=self.runs {
            let run = job(gate(), &self.log(label))?;
            expect_code(&run, gate_code, label, &self.log(label))?;
            if i > 0 {
                g.0.push(run);
            }
        }
        Ok(g)
    }

    /// `--max-parse-bytes` for the large-file scenarios, when the mode sets one.
    fn max_parse(&self, cmd: &mut Command) {
        if let Some(max) = self.sizes.max_parse {
            cmd.arg("--max-parse-bytes").arg(max.to_string());
        }
    }
}

// ---- measuring ---------------------------------------------------------

/// One run of a job: its commands one after the other.
struct Run {
    wall: Duration,
    /// The largest peak RSS among the job's processes, in KiB.
    max_rss_kib: Option<u64>,
    /// The first non-zero exit code, else 0; `None` when killed by a signal.
    code: Option<i32>,
}

#[derive(Default)]
struct Runs(Vec<Run>);

impl Runs {
    fn median(&self) -> Duration {
        let mut walls: Vec<Duration> = self.0.iter().map(|r| r.wall).collect();
        walls.sort();
        let mid = walls.len() / 2;
        match (walls.get(mid.wrapping_sub(1)), walls.get(mid)) {
            (Some(a), Some(b)) if walls.len().is_multiple_of(2) => (*a + *b) / 2,
            (_, Some(b)) => *b,
            _ => Duration::ZERO,
        }
    }

    fn max_rss_kib(&self) -> Option<u64> {
        self.0.iter().filter_map(|r| r.max_rss_kib).max()
    }
}

/// Runs `commands` in sequence, stdout and stderr to `log.out` and `log.err`.
fn job(commands: Vec<Command>, log: &Path) -> Result<Run> {
    let out_path = log.with_extension("out");
    let err_path = log.with_extension("err");
    let out = File::create(&out_path)
        .with_context(|| format!("cannot create `{}`", out_path.display()))?;
    let err = File::create(&err_path)
        .with_context(|| format!("cannot create `{}`", err_path.display()))?;
    let mut total = Run { wall: Duration::ZERO, max_rss_kib: None, code: Some(0) };
    for mut cmd in commands {
        // Not the job's step: no annotations, summary or outputs from here.
        for var in GITHUB_JOB_VARS {
            cmd.env_remove(var);
        }
        cmd.stdin(Stdio::null()).stdout(out.try_clone()?).stderr(err.try_clone()?);
        let program = cmd.get_program().to_string_lossy().into_owned();
        let start = Instant::now();
        let child =
            cmd.spawn().with_context(|| format!("cannot run `{program}` (is it installed?)"))?;
        let (code, rss) =
            wait::wait(child).with_context(|| format!("cannot wait for `{program}`"))?;
        total.wall += start.elapsed();
        total.max_rss_kib = total.max_rss_kib.max(rss);
        if total.code == Some(0) {
            total.code = code;
        }
    }
    Ok(total)
}

fn expect_code(run: &Run, expected: i32, label: &str, log: &Path) -> Result<()> {
    if run.code != Some(expected) {
        let stderr = fs::read_to_string(log.with_extension("err")).unwrap_or_default();
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        bail!(
            "{label}: exit code {:?}, expected {expected}{}",
            run.code,
            if tail.is_empty() {
                String::new()
            } else {
                format!(" (stderr: {})", tail.into_iter().rev().collect::<Vec<_>>().join(" | "))
            }
        );
    }
    Ok(())
}

/// Waiting for a child with its resource usage.
mod wait {
    use std::io;
    use std::process::Child;

    /// The exit code (`None`: killed by a signal) and the peak RSS in KiB.
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)] // one `wait4` call: std has no peak RSS of a child
    pub fn wait(child: Child) -> io::Result<(Option<i32>, Option<u64>)> {
        /// `struct rusage` of Linux: two `timeval`s, then 14 `long`s,
        /// `ru_maxrss` (KiB) first.
        #[repr(C)]
        struct Rusage {
            times: [libc_long; 4],
            maxrss: libc_long,
            rest: [libc_long; 13],
        }
        #[allow(non_camel_case_types)]
        type libc_long = std::os::raw::c_long;
        extern "C" {
            fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
        }
        let pid = i32::try_from(child.id()).map_err(io::Error::other)?;
        let mut status = 0i32;
        let mut usage = Rusage { times: [0; 4], maxrss: 0, rest: [0; 13] };
        loop {
            // SAFETY: `pid` is our own unwaited child; `status` and `usage`
            // are valid for writes and `usage` has the layout of the kernel's
            // `struct rusage` on Linux.
            let ret = unsafe { wait4(pid, &mut status, 0, &mut usage) };
            if ret == pid {
                break;
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
        // The child is reaped: `Child` must not wait for it again (dropping it does not).
        drop(child);
        let code = if status & 0x7f == 0 { Some((status >> 8) & 0xff) } else { None };
        Ok((code, u64::try_from(usage.maxrss).ok()))
    }

    #[cfg(not(target_os = "linux"))]
    pub fn wait(mut child: Child) -> io::Result<(Option<i32>, Option<u64>)> {
        Ok((child.wait()?.code(), None))
    }
}

// ---- the table -----------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Status {
    Pass,
    Miss,
    Info,
    Skipped,
    Error,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Miss => "MISS",
            Status::Info => "info",
            Status::Skipped => "skipped",
            Status::Error => "ERROR",
        }
    }
}

struct Row {
    scenario: String,
    input: String,
    gate: String,
    peer: String,
    ratio: String,
    target: String,
    status: Status,
}

impl Row {
    fn skipped(scenario: &str, why: &str) -> Row {
        Row {
            scenario: scenario.to_string(),
            input: why.to_string(),
            gate: "-".into(),
            peer: "-".into(),
            ratio: "-".into(),
            target: "-".into(),
            status: Status::Skipped,
        }
    }

    fn error(scenario: &str, why: &str) -> Row {
        Row { input: why.to_string(), status: Status::Error, ..Row::skipped(scenario, "") }
    }
}

const HEADER: [&str; 7] = ["scenario", "input", "gate", "peer", "ratio", "target", "result"];

fn cells(row: &Row) -> [&str; 7] {
    [&row.scenario, &row.input, &row.gate, &row.peer, &row.ratio, &row.target, row.status.as_str()]
}

fn table(rows: &[Row]) -> String {
    let mut widths = HEADER.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(cells(row)) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 7]| {
        let mut out = String::new();
        for (cell, w) in cells.iter().zip(widths) {
            let _ = write!(out, "{cell:<w$}  ");
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(HEADER);
    out.push_str(&line(widths.map(|w| "-".repeat(w)).each_ref().map(String::as_str)));
    for row in rows {
        out.push_str(&line(cells(row)));
    }
    out
}

fn markdown(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n|{}\n", HEADER.join(" | "), "---|".repeat(HEADER.len()));
    for row in rows {
        out.push_str(&format!("| {} |\n", cells(row).join(" | ").replace('\n', " ")));
    }
    out
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.3} s")
    }
}

fn size(bytes: u64) -> String {
    if bytes >= GIB && bytes.is_multiple_of(GIB) {
        format!("{} GiB", bytes / GIB)
    } else if bytes >= MIB {
        format!("{:.0} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{:.0} KiB", bytes as f64 / KIB as f64)
    }
}

/// `value` against an upper bound.
fn at_most(value: f64, max: f64) -> Status {
    if value <= max {
        Status::Pass
    } else {
        Status::Miss
    }
}

/// What the numbers were measured on.
fn machine(ctx: &Ctx) -> String {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim())
        })
        .unwrap_or("unknown");
    let sha_ni = cpuinfo
        .lines()
        .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "sha_ni"));
    let mem = fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:").map(|m| m.trim().to_string()))
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let version = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.lines().next().map(str::to_string))
            .unwrap_or_else(|| format!("{program}: not found"))
    };
    let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "machine: {cores} cores, {model}{}, {mem} memory",
        if sha_ni { " (SHA-NI)" } else { "" }
    );
    let _ = writeln!(
        out,
        "tools: {}; {}; {}",
        version(&ctx.cargo, "--version"),
        version("openssl", "version"),
        version("sha256sum", "--version")
    );
    let _ = writeln!(
        out,
        "load average at the start: {}",
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    out
}

// ---- inputs --------------------------------------------------------------

/// A generated input: reused when its stamp says it is complete and was made
/// by this generator with this `spec`; otherwise made again, under a
/// temporary name and renamed into place.
fn input(path: &Path, spec: &str, make: impl FnOnce(&Path) -> Result<()>) -> Result<PathBuf> {
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
fn write_blob(path: &Path, size: u64) -> Result<()> {
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
fn write_evidence(path: &Path, size: u64) -> Result<()> {
    let head = format!(
        r#"{{"status":"passed","domain":"security","release":"{RELEASE}","generator":"cargo xtask bench","results":["#
    );
    let tail = "],\"checks\":[{\"name\":\"bench\",\"status\":\"passed\"}]}\n";
    let pages: Vec<String> = (0..8u64).map(|p| page(p * 1_000_000, MIB as usize)).collect();
    let mut out = BufWriter::with_capacity(MIB as usize, File::create(path)?);
    out.write_all(head.as_bytes())?;
    let mut written = head.len() as u64;
    let end = size.saturating_sub(tail.len() as u64);
    let mut first = true;
    for p in pages.iter().cycle() {
        let sep = u64::from(!first);
        if written + sep + p.len() as u64 > end {
            break;
        }
        if !first {
            out.write_all(b",")?;
        }
        out.write_all(p.as_bytes())?;
        written += sep + p.len() as u64;
        first = false;
    }
    // Fill up with records, then white space, to the exact size.
    let mut i = 9_000_000u64;
    loop {
        let r = record(i);
        let sep = u64::from(!first);
        if written + sep + r.len() as u64 > end {
            break;
        }
        if !first {
            out.write_all(b",")?;
        }
        out.write_all(r.as_bytes())?;
        written += sep + r.len() as u64;
        first = false;
        i += 1;
    }
    let pad = end.saturating_sub(written) as usize;
    out.write_all(" ".repeat(pad).as_bytes())?;
    out.write_all(tail.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `n` evidence files of `file_size` bytes over the seven domain folders.
fn write_scale(dir: &Path, n: usize, file_size: usize) -> Result<()> {
    for folder in FOLDERS {
        fs::create_dir_all(dir.join(folder).join("latest"))?;
    }
    let body = page(0, file_size.saturating_sub(200));
    for i in 0..n {
        let folder = FOLDERS.get(i % FOLDERS.len()).copied().unwrap_or("docs");
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

/// Target 1: hashing throughput on a large opaque artifact, against openssl.
fn hash(ctx: &Ctx) -> Result<Outcome> {
    let big = ctx.sizes.big;
    let path = input(&ctx.dir.join("hash").join("artifact.bin"), &format!("blob {big}"), |p| {
        write_blob(p, big)
    })?;
    let out = ctx.out_dir("hash")?;
    let artifact = format!("security={}", ctx.rel(&path));
    let gate = || {
        let mut cmd = ctx.gate();
        cmd.args(["release-gate", "--artifact", &artifact, "--require", "security"])
            .args(["--release", RELEASE, "--output-dir"])
            .arg(&out);
        ctx.max_parse(&mut cmd);
        vec![cmd]
    };
    let peer = || {
        let mut cmd = ctx.tool("openssl");
        cmd.args(["dgst", "-sha256"]).arg(&path);
        vec![cmd]
    };
    // Not JSON: the gate says so (exit 1) after hashing every byte.
    let (g, p) = ctx.compare("hash", &gate, 1, &peer)?;
    let digest = openssl_digest(&ctx.log("hash-peer"))?;
    let report = read_report(&out)?;
    let status = one_artifact(&report, big, &digest)?;
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
            ratio: format!("{throughput:.2}x throughput"),
            target: ">= 0.80x".into(),
            status: if throughput >= 0.8 { Status::Pass } else { Status::Miss },
        }],
        notes: Vec::new(),
    })
}

/// Targets 2 and 3: a large evidence JSON, hashed and parsed from one read,
/// against openssl's time to hash it; and the gate's peak memory.
fn evidence(ctx: &Ctx) -> Result<Outcome> {
    let big = ctx.sizes.big;
    let path =
        input(&ctx.dir.join("evidence").join("evidence.json"), &format!("evidence {big}"), |p| {
            write_evidence(p, big)
        })?;
    let out = ctx.out_dir("evidence")?;
    let artifact = format!("security={}", ctx.rel(&path));
    let gate = || {
        let mut cmd = ctx.gate();
        cmd.args(["release-gate", "--artifact", &artifact, "--require", "security"])
            .args(["--release", RELEASE, "--output-dir"])
            .arg(&out);
        ctx.max_parse(&mut cmd);
        vec![cmd]
    };
    let peer = || {
        let mut cmd = ctx.tool("openssl");
        cmd.args(["dgst", "-sha256"]).arg(&path);
        vec![cmd]
    };
    let (g, p) = ctx.compare("evidence", &gate, 0, &peer)?;
    let digest = openssl_digest(&ctx.log("evidence-peer"))?;
    let report = read_report(&out)?;
    let status = one_artifact(&report, big, &digest)?;
    ensure!(
        status == "passed" && level(&report) == "ga_ready",
        "evidence: expected the passing evidence to open the gate, found status `{status}`, level `{}`",
        level(&report)
    );
    let ratio = g.median().as_secs_f64() / p.median().as_secs_f64();
    let rss = g.max_rss_kib();
    let rss_mib = rss.map(|k| k as f64 / 1024.0);
    let streamed = match ctx.sizes.max_parse {
        Some(max) => format!("streamed (--max-parse-bytes {})", size(max)),
        None => "streamed".to_string(),
    };
    Ok(Outcome {
        rows: vec![
            Row {
                scenario: "evidence".into(),
                input: format!("{} evidence JSON, {streamed}", size(big)),
                gate: secs(g.median()),
                peer: format!("openssl {}", secs(p.median())),
                ratio: format!("{ratio:.2}x time"),
                target: "<= 2.50x".into(),
                status: at_most(ratio, 2.5),
            },
            Row {
                scenario: "evidence-rss".into(),
                input: format!("{} evidence JSON", size(big)),
                gate: rss_mib.map_or("n/a".into(), |m| format!("{m:.1} MiB peak RSS")),
                peer: "-".into(),
                ratio: "-".into(),
                target: "<= 64 MiB".into(),
                status: rss_mib.map_or(Status::Info, |m| at_most(m, 64.0)),
            },
        ],
        notes: Vec::new(),
    })
}

/// A SARIF log of exactly `size` bytes, as CodeQL writes one: a driver with
/// 60 rules (default levels, `security-severity`), then results with a
/// message, a location with a region, and fingerprints; every third rule
/// is at `error`, so the log blocks.
fn write_sarif(path: &Path, size: u64) -> Result<()> {
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
    let mut out = BufWriter::with_capacity(MIB as usize, File::create(path)?);
    out.write_all(head.as_bytes())?;
    let mut written = head.len() as u64;
    let end = size.saturating_sub(tail.len() as u64);
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
        if written + result.len() as u64 > end {
            break;
        }
        out.write_all(result.as_bytes())?;
        written += result.len() as u64;
        i += 1;
    }
    let pad = end.saturating_sub(written) as usize;
    out.write_all(" ".repeat(pad).as_bytes())?;
    out.write_all(tail.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Issue 16: a large SARIF log (a tool format), read once, hashed as it
/// streams, its results judged one at a time, against openssl's time to
/// hash it; and the gate's peak memory.
fn sarif(ctx: &Ctx) -> Result<Outcome> {
    let big = ctx.sizes.big;
    let path = input(&ctx.dir.join("sarif").join("codeql.sarif"), &format!("sarif {big}"), |p| {
        write_sarif(p, big)
    })?;
    let out = ctx.out_dir("sarif")?;
    let artifact = format!("security={}", ctx.rel(&path));
    let gate = || {
        let mut cmd = ctx.gate();
        cmd.args(["release-gate", "--artifact", &artifact, "--require", "security"])
            .args(["--release", RELEASE, "--output-dir"])
            .arg(&out);
        ctx.max_parse(&mut cmd);
        vec![cmd]
    };
    let peer = || {
        let mut cmd = ctx.tool("openssl");
        cmd.args(["dgst", "-sha256"]).arg(&path);
        vec![cmd]
    };
    // Results at level `error`: the gate blocks (exit 1) after reading all.
    let (g, p) = ctx.compare("sarif", &gate, 1, &peer)?;
    let digest = openssl_digest(&ctx.log("sarif-peer"))?;
    let report = read_report(&out)?;
    let status = one_artifact(&report, big, &digest)?;
    ensure!(
        status == "not_passed" && blocker_codes(&report) == ["security.not_passed"],
        "sarif: expected a single `security.not_passed` blocker, found status `{status}` and {:?}",
        blocker_codes(&report)
    );
    let ratio = g.median().as_secs_f64() / p.median().as_secs_f64();
    let rss_mib = g.max_rss_kib().map(|k| k as f64 / 1024.0);
    let read = match ctx.sizes.max_parse {
        Some(max) => format!("streamed (--max-parse-bytes {})", size(max)),
        None => "streamed".to_string(),
    };
    Ok(Outcome {
        rows: vec![
            Row {
                scenario: "sarif".into(),
                input: format!("{} SARIF log, {read}", size(big)),
                gate: secs(g.median()),
                peer: format!("openssl {}", secs(p.median())),
                ratio: format!("{ratio:.2}x time"),
                target: "<= 3.00x".into(),
                status: at_most(ratio, 3.0),
            },
            Row {
                scenario: "sarif-rss".into(),
                input: format!("{} SARIF log", size(big)),
                gate: rss_mib.map_or("n/a".into(), |m| format!("{m:.1} MiB peak RSS")),
                peer: "-".into(),
                ratio: "-".into(),
                target: "<= 64 MiB".into(),
                status: rss_mib.map_or(Status::Info, |m| at_most(m, 64.0)),
            },
        ],
        notes: Vec::new(),
    })
}

/// Target 4: thousands of small files over seven domains, against sha256sum
/// over the same files; and how the time grows with the count.
fn scale(ctx: &Ctx) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let mut per_file = Vec::new();
    for &n in &ctx.sizes.scale {
        let file = ctx.sizes.file;
        let dir = input(&ctx.dir.join(format!("scale-{n}")), &format!("scale {n}x{file}"), |d| {
            write_scale(d, n, file)
        })?;
        let mut files: Vec<String> = Vec::new();
        for folder in FOLDERS {
            let latest = dir.join(folder).join("latest");
            for entry in fs::read_dir(&latest)? {
                files.push(ctx.rel(&entry?.path()));
            }
        }
        files.sort();
        ensure!(files.len() == n, "scale-{n}: found {} files", files.len());
        let out = ctx.out_dir(&format!("scale-{n}"))?;
        let label = format!("scale-{n}");
        let gate = || {
            let mut cmd = ctx.gate();
            cmd.args(["release-gate", "--artifacts-root"])
                .arg(&dir)
                .args(["--release", RELEASE, "--output-dir"])
                .arg(&out);
            vec![cmd]
        };
        // As many files per sha256sum as a command line comfortably holds.
        let peer = || {
            files
                .chunks(2_000)
                .map(|batch| {
                    let mut cmd = ctx.tool("sha256sum");
                    cmd.args(batch);
                    cmd
                })
                .collect()
        };
        let (g, p) = ctx.compare(&label, &gate, 0, &peer)?;
        let report = read_report(&out)?;
        ensure!(
            level(&report) == "ga_ready",
            "{label}: level `{}`, expected `ga_ready`",
            level(&report)
        );
        let sums = fs::read_to_string(ctx.log(&format!("{label}-peer")).with_extension("out"))?;
        let expected: std::collections::BTreeMap<&str, &str> =
            sums.lines().filter_map(|l| l.split_once("  ").map(|(d, p)| (p, d))).collect();
        let seen = artifacts(&report);
        ensure!(
            seen.len() == n,
            "{label}: the report lists {} artifacts, expected {n}",
            seen.len()
        );
        for (path, _, sha256, status) in &seen {
            ensure!(status == "passed", "{label}: `{path}` is `{status}`, expected `passed`");
            ensure!(
                expected.get(path.as_str()) == Some(&sha256.as_str()),
                "{label}: the report's sha256 of `{path}` differs from sha256sum's"
            );
        }
        let ratio = g.median().as_secs_f64() / p.median().as_secs_f64();
        let us = g.median().as_secs_f64() * 1e6 / n as f64;
        per_file.push((n, us));
        let total = n as u64 * file as u64;
        let target = n == ctx.sizes.scale_target;
        outcome.rows.push(Row {
            scenario: label,
            input: format!("{n} files x {}, {} in all", size(file as u64), size(total)),
            gate: format!("{} ({us:.0} us/file)", secs(g.median())),
            peer: format!("sha256sum {}", secs(p.median())),
            ratio: format!("{ratio:.2}x time"),
            target: if target { "<= 0.50x".into() } else { "-".into() },
            status: if target { at_most(ratio, 0.5) } else { Status::Info },
        });
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
                peer: "-".into(),
                ratio: format!("{growth:.2}x"),
                target: "<= 1.25x".into(),
                status: at_most(growth, 1.25),
            });
        }
    }
    Ok(outcome)
}

/// Target 5a: `cargo xtask release-gate --stubs` end to end, warm, against
/// the `cargo xtask --help` floor.
fn warm(ctx: &Ctx) -> Result<Outcome> {
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
    let (g, p) = ctx.compare("warm", &gate, 0, &peer)?;
    let said = fs::read_to_string(ctx.log("warm-gate").with_extension("out"))?;
    ensure!(said.contains("level `ga_ready`"), "warm: the stub gate did not open: {said}");
    let ratio = g.median().as_secs_f64() / p.median().as_secs_f64();
    Ok(Outcome {
        rows: vec![Row {
            scenario: "warm".into(),
            input: "cargo xtask release-gate --stubs".into(),
            gate: secs(g.median()),
            peer: format!("cargo xtask --help {}", secs(p.median())),
            ratio: format!("{ratio:.2}x time"),
            target: "<= 2.00x".into(),
            status: at_most(ratio, 2.0),
        }],
        notes: Vec::new(),
    })
}

/// Target 5b: the gate binary alone (no cargo in front) on the seven stubs.
fn gate_stubs(ctx: &Ctx) -> Result<Outcome> {
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
    let gate = || {
        let mut cmd = ctx.gate();
        cmd.args(["release-gate", "--artifacts-root"])
            .arg(&stubs)
            .args(["--release", RELEASE, "--output-dir"])
            .arg(&out);
        vec![cmd]
    };
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
            peer: "-".into(),
            ratio: "-".into(),
            target: "< 50 ms".into(),
            status: if ms < 50.0 { Status::Pass } else { Status::Miss },
        }],
        notes: Vec::new(),
    })
}

/// Target 6: `cargo build -p xtask` from a clean target directory (the
/// registry already downloaded), once, with cargo's `--timings`.
fn cold_build(ctx: &Ctx) -> Result<Outcome> {
    let target = ctx.dir.join("cold-target");
    if target.exists() {
        fs::remove_dir_all(&target)?;
    }
    let mut cmd = ctx.tool(&ctx.cargo);
    cmd.args(["build", "--package", "xtask", "--timings"]).env("CARGO_TARGET_DIR", &target);
    let run = job(vec![cmd], &ctx.log("cold-build"))?;
    expect_code(&run, 0, "cold build", &ctx.log("cold-build"))?;
    let mut notes = Vec::new();
    match top_units(&target.join("cargo-timings").join("cargo-timing.html"), 5) {
        Ok(top) => notes.push(format!("cold build, the five longest crates (--timings):\n{top}")),
        Err(err) => notes.push(format!("cold build: no --timings summary ({err:#})")),
    }
    let secs_f = run.wall.as_secs_f64();
    Ok(Outcome {
        rows: vec![Row {
            scenario: "cold-build".into(),
            input: "cargo build -p xtask, clean target".into(),
            gate: secs(run.wall),
            peer: "-".into(),
            ratio: "-".into(),
            target: "<= 20 s".into(),
            status: at_most(secs_f, 20.0),
        }],
        notes,
    })
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
