//! The release gate: a go/no-go decision for a Rust workspace's release,
//! from evidence files (tests, audits, SBOMs, benchmarks, ...) to a
//! deterministic report.
//!
//! A host workspace adopts it with `release-gate init` (the [`init`]
//! module): an `xtask` crate that depends on this library, the policy in the
//! root `Cargo.toml`, and a CI workflow. Then `cargo xtask release-gate`
//! decides.

#![forbid(unsafe_code)]

#[cfg(feature = "init")]
pub mod init;
