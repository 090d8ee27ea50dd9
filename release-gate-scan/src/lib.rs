//! The release gate's byte-level hot loops, in a crate of their own so that
//! `cargo xtask` (the dev profile) runs them optimized: the root `Cargo.toml`
//! gives this crate `opt-level = 3`, as it does `sha2` and `serde_json`.
//! Generic code is compiled, and optimized or not, in the crate that
//! instantiates it; so every hashing, scanning and JSON-parsing instance the
//! gate uses is instantiated here, behind non-generic functions.
//!
//! - [`hash`]: SHA-256 of files, streams and buffers.
//! - [`evidence`]: the gate's own evidence format and its entry points.
//! - [`scan`]: the streaming scanner that reads it, in bounded memory,
//!   into the document types of `doc`, which only [`evidence`] judges.
//! - [`stream`]: one read of a large file, hashed on this thread and scanned
//!   on another.
//! - [`skeleton`]: a SARIF log read from a stream, its results one at a
//!   time, in bounded memory.
//! - [`ids`]: millions of identifiers (an SBOM's references) in eight
//!   bytes each, for a document read as a stream.
//! - [`checked`]: the checked `serde_json::Value` parse of the tool formats.
//! - [`json`]: `serde_json::Value` parsing for the tool formats.
//! - [`records`]: cargo-deny's JSON records, one a line, parsed once and
//!   pruned to what its rule reads.
//! - [`text`]: control-character checks of paths and report text, the caps
//!   on echoed text and its one-line, bounded forms.
//! - [`xml`]: the JUnit XML reader's event loop (well-formedness, the
//!   counted testcases), from memory or a stream.
//! - [`pretty`]: the report's pretty JSON with sorted keys, written without
//!   a `Value` round trip.

#![forbid(unsafe_code)]

pub mod checked;
mod doc;
pub mod evidence;
pub mod hash;
pub mod ids;
pub mod json;
pub mod lines;
pub mod pipe;
pub mod position;
pub mod pretty;
pub mod records;
pub mod scan;
pub mod skeleton;
pub mod stream;
pub mod text;
pub mod utf8;
pub mod xml;

/// The scanner's test oracle (tests, and the fuzz target's `oracle` feature).
#[cfg(any(test, feature = "oracle"))]
pub mod reference;
#[cfg(test)]
mod tests;
