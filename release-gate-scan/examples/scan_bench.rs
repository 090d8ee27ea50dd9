//! The scanner alone on a document in memory, single-threaded: the best of
//! five runs. `cargo run -p release-gate-scan --example scan_bench -- FILE.json`
//! (the dev profile optimizes release-gate-scan, so this measures what the gate runs).

use std::process::ExitCode;
use std::time::Instant;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: scan_bench FILE.json");
        return ExitCode::from(2);
    };
    let data = match std::fs::read_to_string(&path) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("cannot read `{path}`: {e}");
            return ExitCode::from(2);
        }
    };
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let parsed = release_gate_scan::evidence::parse_str(&data);
        best = best.min(start.elapsed().as_secs_f64());
        if let Err(e) = parsed {
            eprintln!("not evidence: {e}");
            return ExitCode::from(1);
        }
    }
    println!("scan: {:.1} ms, {:.2} GB/s", best * 1e3, data.len() as f64 / best / 1e9);
    ExitCode::SUCCESS
}
