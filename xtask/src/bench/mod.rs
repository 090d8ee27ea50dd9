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

mod inputs;
mod measure;
mod scenarios;
mod table;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;
use xshell::Shell;

use crate::Bench;
use measure::{expect_code, job, Runs};
use release_gate::collectors::GITHUB_JOB_VARS;
use release_gate::gate::config::{default_folder, DEFAULT_DOMAINS};
use release_gate::project::Project;
use scenarios::{
    cold_build, evidence, gate_stubs, hash, sarif, scale, tool_format, warm, AUDIT, CYCLONEDX,
    DENY, JUNIT, SPDX,
};
use table::{machine, markdown, mib, table, Row, Status};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The discovery folders of the default policy, one per domain.
fn folders() -> impl Iterator<Item = &'static str> {
    DEFAULT_DOMAINS.iter().map(|d| default_folder(d))
}

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
    /// The most memory (MiB) the largest scale count may take, if any.
    scale_peak_mib: Option<u64>,
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
            scale_peak_mib: Some(256),
            file: 24 * 1024,
        }
    }
    fn quick() -> Sizes {
        Sizes {
            big: 8 * MIB,
            max_parse: Some(MIB),
            scale: vec![70, 700],
            scale_target: 70,
            scale_peak_mib: None,
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
            cold_pairs: self.runs.map_or(1, |n| n as usize),
            sizes: if self.quick { Sizes::quick() } else { Sizes::full() },
        };

        let machine = machine(&ctx);
        println!("cargo xtask bench ({mode}): medians of {runs} runs\n{machine}");
        let Outcome { rows, notes } = self.scenarios(&ctx)?;
        let load = fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("{}", table(&rows));
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
        write_results(&ctx.dir, &machine, &rows, &notes)?;
        Ok(if errors > 0 { 1 } else { 0 })
    }

    /// Runs the scenarios `--only` names (all by default): their rows and
    /// notes; a scenario that fails is an error row.
    fn scenarios(&self, ctx: &Ctx) -> Result<Outcome> {
        let scenarios: [(&str, Scenario); 12] = [
            ("hash", hash),
            ("evidence", evidence),
            ("sarif", sarif),
            ("cyclonedx", |ctx| tool_format(ctx, &CYCLONEDX)),
            ("spdx", |ctx| tool_format(ctx, &SPDX)),
            ("junit", |ctx| tool_format(ctx, &JUNIT)),
            ("cargo-audit", |ctx| tool_format(ctx, &AUDIT)),
            ("cargo-deny", |ctx| tool_format(ctx, &DENY)),
            // Before `scale`: a child's peak RSS counts the memory this
            // process holds when it starts it (`measure::forget_own_peak`),
            // and checking 70,000 digests leaves the bench holding ~130 MiB.
            ("warm", warm),
            ("gate-stubs", gate_stubs),
            ("scale", scale),
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
        let mut all = Outcome::default();
        for (name, scenario) in scenarios {
            if !self.only.is_empty() && !self.only.iter().any(|o| o == name) {
                continue;
            }
            if name == "cold-build" && (self.quick || self.no_cold_build) {
                let why = if self.quick { "full run only" } else { "--no-cold-build" };
                all.rows.push(Row::skipped(name, why));
                continue;
            }
            eprintln!("bench: {name} ...");
            match scenario(ctx) {
                Ok(mut out) => {
                    all.rows.append(&mut out.rows);
                    all.notes.append(&mut out.notes);
                }
                Err(err) => all.rows.push(Row::error(name, &format!("{err:#}"))),
            }
        }
        Ok(all)
    }
}

/// `results.md` (the machine, the table, the notes) and `results.json` (the
/// rows, which `cargo xtask performance-evidence` compares with a committed
/// baseline) in `dir`.
fn write_results(dir: &Path, machine: &str, rows: &[Row], notes: &[String]) -> Result<()> {
    let mut md = format!("{machine}\n");
    md.push_str(&markdown(rows));
    for note in notes {
        md.push_str(&format!("\n{note}\n"));
    }
    let results = dir.join("results.md");
    fs::write(&results, md).with_context(|| format!("cannot write `{}`", results.display()))?;
    println!("table: {}", results.display());
    let rows_json: Vec<Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "scenario": r.scenario,
                "input": r.input,
                "gate": r.gate,
                "peak_rss": mib(r.rss),
                "peer": r.peer,
                "ratio": r.ratio,
                "target": r.target,
                "status": r.status.as_str(),
            })
        })
        .collect();
    let mut json = serde_json::to_string_pretty(&rows_json).unwrap_or_default();
    json.push('\n');
    let results_json = dir.join("results.json");
    fs::write(&results_json, json)
        .with_context(|| format!("cannot write `{}`", results_json.display()))
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
    /// Cold builds of the xtask and the floor crate, alternating.
    cold_pairs: usize,
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
    /// times alternately. Every gate run must exit with `gate_code` (any
    /// code when `None`: the scenario reads what happened), every peer run
    /// with 0.
    fn compare(
        &self,
        label: &str,
        gate: &dyn Fn() -> Vec<Command>,
        gate_code: Option<i32>,
        peer: &dyn Fn() -> Vec<Command>,
    ) -> Result<(Runs, Runs)> {
        let (mut g, mut p) = (Runs::default(), Runs::default());
        for i in 0..=self.runs {
            let gate_run = job(gate(), &self.log(&format!("{label}-gate")))?;
            if let Some(code) = gate_code {
                expect_code(&gate_run, code, label, &self.log(&format!("{label}-gate")))?;
            }
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
}
