//! The workspace the xtask runs in: its root, its version, its gate policy.
//! One `cargo metadata --no-deps` call answers all three. And what a run is
//! bound to besides: the commit under test and `SOURCE_DATE_EPOCH`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use jiff::Timestamp;
use xshell::Shell;

/// The commit under test: `flag` (`--commit`), else `$GITHUB_SHA`, else
/// `git rev-parse HEAD`; `None` when none of them names one.
pub fn commit(sh: &Shell, flag: Option<&str>) -> Option<String> {
    match flag {
        Some(commit) => Some(commit.trim().to_string()),
        None => std::env::var("GITHUB_SHA")
            .ok()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| xshell::cmd!(sh, "git rev-parse HEAD").quiet().ignore_stderr().read().ok()),
    }
}

/// `SOURCE_DATE_EPOCH`, when set: the time reports and evidence name, and
/// the clock of a replayed decision. Anything but whole seconds in range is
/// an error, never the clock instead.
pub fn source_date_epoch() -> Result<Option<Timestamp>> {
    let Some(raw) = std::env::var_os("SOURCE_DATE_EPOCH") else { return Ok(None) };
    let raw = raw.to_string_lossy();
    let at = raw
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| (0..=253_402_300_799).contains(s))
        .and_then(|s| Timestamp::from_second(s).ok())
        .with_context(|| {
            format!("`SOURCE_DATE_EPOCH` is `{raw}`: expected whole seconds since 1970-01-01 (for example `1700000000`)")
        })?;
    Ok(Some(at))
}

pub struct Project {
    /// The workspace root: every report path is relative to it.
    pub root: PathBuf,
    /// Where cargo builds (`target/`, or `CARGO_TARGET_DIR`).
    pub target_dir: PathBuf,
    /// The release's version: the `release-package`'s, else the one every
    /// publishable member shares; else why there is none.
    pub version: Result<String, String>,
    /// `[workspace.metadata]` of the root manifest (null when absent).
    pub metadata: serde_json::Value,
    /// The lowest `rust-version` the members declare (the MSRV), if any.
    pub rust_version: Option<String>,
    /// The workspace's member packages, by name.
    pub members: Vec<Member>,
}

/// One member package of the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    /// The folder of its `Cargo.toml`.
    pub dir: PathBuf,
    /// Not `publish = false`.
    pub publishable: bool,
}

impl Project {
    /// Reads the workspace that contains the current directory.
    pub fn load() -> Result<Project> {
        // cargo reads every `Cargo.toml` from here up to the workspace root:
        // one that is a FIFO or a device would hang it, so refuse it first
        // (`stat` never blocks).
        if let Ok(cwd) = std::env::current_dir() {
            for dir in cwd.ancestors() {
                let manifest = dir.join("Cargo.toml");
                if let Ok(meta) = std::fs::metadata(&manifest) {
                    if !meta.is_file() {
                        bail!(
                            "`{}` is not a regular file (a folder, a FIFO or a device), so cargo cannot read the workspace; replace it with the manifest",
                            manifest.display()
                        );
                    }
                }
            }
        }
        let meta = cargo_metadata::MetadataCommand::new().no_deps().exec().context(
            "cannot read the workspace with `cargo metadata --no-deps` (run inside the workspace)",
        )?;
        let root = PathBuf::from(meta.workspace_root.as_std_path());
        let target_dir = PathBuf::from(meta.target_directory.as_std_path());
        let members: Vec<_> =
            meta.packages.iter().filter(|p| meta.workspace_members.contains(&p.id)).collect();
        let release_package = meta
            .workspace_metadata
            .pointer("/release-gate/release-package")
            .map(|v| v.as_str().map(str::to_string).ok_or(()));
        let version = match release_package {
            Some(Ok(name)) => match members.iter().find(|p| p.name.as_str() == name) {
                Some(p) => Ok(p.version.to_string()),
                None => Err(format!(
                    "`release-package` in [workspace.metadata.release-gate] names `{name}`, which is not a member of the workspace"
                )),
            },
            Some(Err(())) => Err(
                "`release-package` in [workspace.metadata.release-gate] is not a string".to_string(),
            ),
            None => shared_version(&members),
        };
        let rust_version = members.iter().filter_map(|p| p.rust_version.clone()).min().map(|v| {
            if v.patch == 0 {
                format!("{}.{}", v.major, v.minor)
            } else {
                v.to_string()
            }
        });
        let members = members
            .iter()
            .map(|p| Member {
                name: p.name.to_string(),
                dir: p
                    .manifest_path
                    .parent()
                    .map(|d| PathBuf::from(d.as_std_path()))
                    .unwrap_or_else(|| root.clone()),
                publishable: p.publish.as_ref().is_none_or(|r| !r.is_empty()),
            })
            .collect();
        Ok(Project {
            root,
            target_dir,
            version,
            metadata: meta.workspace_metadata,
            rust_version,
            members,
        })
    }

    /// The release's version, or an error that says how to get past its absence.
    pub fn version(&self) -> Result<&str> {
        match &self.version {
            Ok(v) => Ok(v),
            Err(why) => bail!("cannot default the release id: {why}; pass `--release ID`, or name the package whose version is the release's with `release-package = \"NAME\"` in [workspace.metadata.release-gate]"),
        }
    }
}

/// The version every publishable member shares (members with
/// `publish = false`, such as an xtask, do not count).
fn shared_version(members: &[&cargo_metadata::Package]) -> Result<String, String> {
    let publishable =
        |p: &&&cargo_metadata::Package| p.publish.as_ref().is_none_or(|r| !r.is_empty());
    let mut versions: Vec<String> =
        members.iter().filter(publishable).map(|p| p.version.to_string()).collect();
    versions.sort();
    versions.dedup();
    match versions.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err("the workspace has no publishable member (every member has `publish = false`)"
            .to_string()),
        many => Err(format!(
            "the publishable members have different versions ({})",
            many.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
        )),
    }
}
