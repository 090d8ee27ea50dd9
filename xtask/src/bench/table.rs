//! The results: rows of a table, on the terminal and in Markdown, and what
//! the numbers were measured on.

use std::fmt::Write as _;
use std::fs;
use std::process::Command;
use std::time::Duration;

use super::{Ctx, GIB, KIB, MIB};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Status {
    Pass,
    Miss,
    Info,
    Skipped,
    Error,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Miss => "MISS",
            Status::Info => "info",
            Status::Skipped => "skipped",
            Status::Error => "ERROR",
        }
    }
}

pub(super) struct Row {
    pub(super) scenario: String,
    pub(super) input: String,
    pub(super) gate: String,
    /// The peak RSS of the gate's process (the largest over the runs), in
    /// KiB; `None` where no process of the gate was measured.
    pub(super) rss: Option<u64>,
    pub(super) peer: String,
    pub(super) ratio: String,
    pub(super) target: String,
    pub(super) status: Status,
}

impl Row {
    pub(super) fn skipped(scenario: &str, why: &str) -> Row {
        Row {
            scenario: scenario.to_string(),
            input: why.to_string(),
            gate: "-".into(),
            rss: None,
            peer: "-".into(),
            ratio: "-".into(),
            target: "-".into(),
            status: Status::Skipped,
        }
    }

    pub(super) fn error(scenario: &str, why: &str) -> Row {
        Row { input: why.to_string(), status: Status::Error, ..Row::skipped(scenario, "") }
    }
}

const HEADER: [&str; 8] =
    ["scenario", "input", "gate", "peak RSS", "peer", "ratio", "target", "result"];

/// A peak RSS as the table shows it.
pub(super) fn mib(rss_kib: Option<u64>) -> String {
    rss_kib.map_or("-".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn cells(row: &Row) -> [String; 8] {
    let status = row.status.as_str().to_string();
    let [scenario, input, gate, peer, ratio, target] =
        [&row.scenario, &row.input, &row.gate, &row.peer, &row.ratio, &row.target]
            .map(String::clone);
    [scenario, input, gate, mib(row.rss), peer, ratio, target, status]
}

pub(super) fn table(rows: &[Row]) -> String {
    let mut widths = HEADER.map(str::len);
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(cells(row)) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: [String; 8]| {
        let mut out = String::new();
        for (cell, w) in cells.iter().zip(widths) {
            let _ = write!(out, "{cell:<w$}  ");
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(HEADER.map(str::to_string));
    out.push_str(&line(widths.map(|w| "-".repeat(w))));
    for row in rows {
        out.push_str(&line(cells(row)));
    }
    out
}

pub(super) fn markdown(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n|{}\n", HEADER.join(" | "), "---|".repeat(HEADER.len()));
    for row in rows {
        out.push_str(&format!("| {} |\n", cells(row).join(" | ").replace('\n', " ")));
    }
    out
}

pub(super) fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.3} s")
    }
}

pub(super) fn size(bytes: u64) -> String {
    if bytes >= GIB && bytes.is_multiple_of(GIB) {
        format!("{} GiB", bytes / GIB)
    } else if bytes >= MIB {
        format!("{:.0} MiB", bytes as f64 / MIB as f64)
    } else {
        format!("{:.0} KiB", bytes as f64 / KIB as f64)
    }
}

/// `value` against an upper bound.
pub(super) fn at_most(value: f64, max: f64) -> Status {
    if value <= max {
        Status::Pass
    } else {
        Status::Miss
    }
}

/// What the numbers were measured on.
pub(super) fn machine(ctx: &Ctx) -> String {
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
