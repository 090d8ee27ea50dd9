//! The release gate's pipeline, as a library: the `xtask` binary drives it,
//! and the fuzz targets and property tests call its stages directly.
//!
//! `gate` reads top to bottom: collect -> read and hash -> understand the
//! format -> decide (pure) -> render (pure) -> write atomically -> index.

pub mod gate;
