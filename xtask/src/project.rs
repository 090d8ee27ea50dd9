//! The workspace the xtask runs in: its root, its version, its gate policy.
//! One `cargo metadata --no-deps` call answers all three.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::Value;

pub struct Project {
    /// The workspace root: every report path is relative to it.
    pub root: PathBuf,
    /// Where cargo builds (`target/`, or `CARGO_TARGET_DIR`).
    pub target_dir: PathBuf,
    /// The version all workspace members share, when they share one.
    pub version: Result<String, String>,
    /// `[workspace.metadata]` of the root manifest (null when absent).
    pub metadata: Value,
}

impl Project {
    /// Reads the workspace that contains the current directory.
    pub fn load() -> Result<Project> {
        const WHAT: &str =
            "cannot read the workspace with `cargo metadata --no-deps` (run inside the workspace)";
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let out = Command::new(&cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .output()
            .with_context(|| format!("{WHAT}: cannot run `{cargo}`"))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            bail!("{WHAT}: {}", stderr.trim());
        }
        let meta = std::str::from_utf8(&out.stdout)
            .ok()
            .and_then(|text| gate_scan::json::from_str(text).ok())
            .with_context(|| format!("{WHAT}: its output is not JSON"))?;
        let path = |key: &str| -> Result<PathBuf> {
            meta.get(key)
                .and_then(Value::as_str)
                .map(PathBuf::from)
                .with_context(|| format!("{WHAT}: no `{key}` in its output"))
        };
        let root = path("workspace_root")?;
        let target_dir = path("target_directory")?;
        let members: Vec<&str> = meta
            .get("workspace_members")
            .and_then(Value::as_array)
            .map(|ids| ids.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut versions: Vec<String> = meta
            .get("packages")
            .and_then(Value::as_array)
            .map(|packages| {
                packages
                    .iter()
                    .filter(|p| {
                        p.get("id").and_then(Value::as_str).is_some_and(|id| members.contains(&id))
                    })
                    .filter_map(|p| p.get("version").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
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
        let metadata = meta.get("metadata").cloned().unwrap_or(Value::Null);
        Ok(Project { root, target_dir, version, metadata })
    }

    /// The workspace version, or an error that says how to get past its absence.
    pub fn version(&self) -> Result<&str> {
        match &self.version {
            Ok(v) => Ok(v),
            Err(why) => bail!("cannot default the release id: {why}; pass `--release ID`"),
        }
    }
}
