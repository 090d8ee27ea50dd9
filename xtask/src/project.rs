//! The workspace the xtask runs in: its root, its version, its gate policy.
//! One `cargo metadata --no-deps` call answers all three.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

pub struct Project {
    /// The workspace root: every report path is relative to it.
    pub root: PathBuf,
    /// Where cargo builds (`target/`, or `CARGO_TARGET_DIR`).
    pub target_dir: PathBuf,
    /// The version all workspace members share, when they share one.
    pub version: Result<String, String>,
    /// `[workspace.metadata]` of the root manifest (null when absent).
    pub metadata: serde_json::Value,
    /// The lowest `rust-version` the members declare (the MSRV), if any.
    pub rust_version: Option<String>,
}

impl Project {
    /// Reads the workspace that contains the current directory.
    pub fn load() -> Result<Project> {
        let meta = cargo_metadata::MetadataCommand::new().no_deps().exec().context(
            "cannot read the workspace with `cargo metadata --no-deps` (run inside the workspace)",
        )?;
        let root = PathBuf::from(meta.workspace_root.as_std_path());
        let target_dir = PathBuf::from(meta.target_directory.as_std_path());
        let members: Vec<_> =
            meta.packages.iter().filter(|p| meta.workspace_members.contains(&p.id)).collect();
        let mut versions: Vec<String> = members.iter().map(|p| p.version.to_string()).collect();
        versions.sort();
        versions.dedup();
        let version = match versions.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err("the workspace has no member packages, so it has no version".to_string()),
            many => Err(format!(
                "the workspace members have different versions ({})",
                many.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
            )),
        };
        let rust_version = members.iter().filter_map(|p| p.rust_version.clone()).min().map(|v| {
            if v.patch == 0 {
                format!("{}.{}", v.major, v.minor)
            } else {
                v.to_string()
            }
        });
        Ok(Project { root, target_dir, version, metadata: meta.workspace_metadata, rust_version })
    }

    /// The workspace version, or an error that says how to get past its absence.
    pub fn version(&self) -> Result<&str> {
        match &self.version {
            Ok(v) => Ok(v),
            Err(why) => bail!("cannot default the release id: {why}; pass `--release ID`"),
        }
    }
}
