//! Understand the format: the gate's own evidence JSON.
//!
//! The reader lives in the `gate-scan` crate, which the dev profile optimizes
//! (see the root `Cargo.toml`): a streaming scanner that keeps only the
//! top-level fields the gate decides on (`status`, `passed`, `blockers`,
//! `checks`, `domain`, `provenance`, `generator`, `release`, `commit`,
//! `generated_at`) and skips everything else without holding it. Duplicate
//! keys and invalid UTF-8 anywhere are rejected; errors name the line and
//! column. Its tests hold it to the serde-based reader it replaced.

pub use gate_scan::evidence::{parse, parse_reader, parse_str, Evidence, UTF8_BOM};
