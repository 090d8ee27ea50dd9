//! The gate as a pipeline that reads top to bottom, one stage a module:
//! collect -> read and hash -> understand the format -> decide (pure) ->
//! render (pure) -> write atomically -> index.

pub mod attest;
pub mod collect;
pub mod config;
pub mod decide;
pub mod escape;
pub mod evidence;
pub mod formats;
pub mod model;
pub mod paths;
pub mod read;
pub mod render;
pub mod trust;
pub mod write;
