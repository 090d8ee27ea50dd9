//! The declared `rust-version` is true: no crate the lock file resolves for
//! the workspace (normal, dev and build dependencies, every platform) needs a
//! newer rustc. When a `cargo update` or a new dependency raises it, this
//! fails and names the crates: declare the new MSRV in Cargo.toml's
//! `[workspace.package]`, or re-resolve them down
//! (`cargo update -p <crate> --precise <version>`).
//!
//! The MSRV command line itself (`rustup run <msrv> cargo check ...`) is run
//! for real by the governance collector's unit tests (`release-gate/src/collectors/governance.rs`,
//! `the_msrv_check_runs_for_real_with_the_current_toolchain`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// `1.88` or `1.88.0` as comparable numbers.
fn version(text: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = text.split('.').map(|p| p.trim().parse().unwrap_or(0)).collect();
    parts.resize(3, 0);
    parts
}

#[test]
fn the_declared_rust_version_covers_the_locked_dependencies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();

    let packages: BTreeMap<&str, &Value> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    let members: Vec<&str> =
        meta["workspace_members"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();

    // What the workspace declares: every member inherits `[workspace.package]`.
    let declared: BTreeSet<&str> =
        members.iter().filter_map(|m| packages[m]["rust_version"].as_str()).collect();
    assert_eq!(declared.len(), 1, "the members declare different rust-versions: {declared:?}");
    let declared = declared.into_iter().next().unwrap();
    assert_eq!(
        declared,
        String::from_utf8_lossy(
            &Command::new("bash").arg(root.join(".ci/msrv")).output().unwrap().stdout
        )
        .trim(),
        "`.ci/msrv` (what the workflows install) must print the declared rust-version"
    );

    // Every package reachable from a member through the resolve graph, all
    // dependency kinds included.
    let mut reachable = BTreeSet::new();
    let mut stack = members.clone();
    while let Some(id) = stack.pop() {
        if !reachable.insert(id) {
            continue;
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            stack.push(dep["pkg"].as_str().unwrap());
        }
    }
    assert!(reachable.len() > members.len(), "no dependency reached: {reachable:?}");

    let mut needs: Vec<(Vec<u64>, String)> = reachable
        .iter()
        .filter_map(|id| {
            let p = packages[id];
            let rv = p["rust_version"].as_str()?;
            Some((
                version(rv),
                format!("{} {} (rust-version {rv})", p["name"].as_str()?, p["version"].as_str()?),
            ))
        })
        .collect();
    needs.sort();
    let too_new: Vec<&str> = needs
        .iter()
        .rev()
        .take_while(|(v, _)| *v > version(declared))
        .map(|(_, name)| name.as_str())
        .collect();
    assert!(
        too_new.is_empty(),
        "the declared rust-version {declared} is false: the lock needs a newer rustc for {}; declare the highest in Cargo.toml's `[workspace.package]` or re-resolve them (`cargo update -p <crate> --precise <version>`)",
        too_new.join(", ")
    );
}
