//! The collectors' policy, in the root `Cargo.toml`:
//!
//! ```toml
//! [workspace.metadata.release-gate]
//! test-runner = "nextest"      # or "cargo-test"; default: nextest when installed
//!
//! [workspace.metadata.release-gate.evidence.governance]
//! skip = ["msrv"]              # built-in checks turned off, by name
//! commands = [                 # the host's own checks, run from the workspace root
//!     { name = "schemas", run = ["cargo", "test", "-p", "my-schemas"] },
//! ]
//!
//! [workspace.metadata.release-gate.evidence.cdc]
//! commands = [{ name = "replay", run = ["cargo", "xtask", "replay"] }]
//! outputs = ["target/replay/cdc.json"]   # files the commands write: evidence
//! ```
//!
//! `builtin = false` turns a domain's built-in collector off. A domain with
//! no built-in collector (cdc, performance, a custom one such as `examples`)
//! is collected by its commands alone. A command is an argv array (no
//! shell), or a table with a `name` and `run`.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use serde::Deserialize;

use crate::gate::config::Policy;

/// The domains with a built-in collector.
pub const BUILTIN: &[&str] = &["certification", "governance", "docs", "security", "supply_chain"];

/// The built-in checks of each domain, by the names `skip` takes.
pub const CHECKS: &[(&str, &[&str])] = &[
    ("certification", &["tests"]),
    ("governance", &["fmt", "clippy", "msrv"]),
    ("docs", &["rustdoc", "doctests"]),
    ("security", &["cargo-audit", "cargo-deny"]),
    ("supply_chain", &["lockfile", "checksums", "cargo-deny", "sbom"]),
];

/// How the certification collector runs the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestRunner {
    /// cargo-nextest (with a JUnit report) when installed, else `cargo test`.
    #[default]
    Auto,
    Nextest,
    CargoTest,
}

/// Every domain's collector settings.
#[derive(Debug, Clone, Default)]
pub struct Collectors {
    pub test_runner: TestRunner,
    pub domains: BTreeMap<String, Domain>,
}

/// One domain's collector settings.
#[derive(Debug, Clone)]
pub struct Domain {
    pub builtin: bool,
    pub skip: Vec<String>,
    pub commands: Vec<Command>,
    pub outputs: Vec<String>,
}

impl Default for Domain {
    fn default() -> Domain {
        Domain { builtin: true, skip: Vec::new(), commands: Vec::new(), outputs: Vec::new() }
    }
}

/// One configured command: a check named `name`, passed when `run` exits 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    pub run: Vec<String>,
}

impl Command {
    /// The command line as a person would type it.
    pub fn shown(&self) -> String {
        self.run.iter().map(|w| crate::gate::escape::shell_word(w)).collect::<Vec<_>>().join(" ")
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Raw {
    test_runner: Option<String>,
    evidence: Option<BTreeMap<String, RawDomain>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawDomain {
    builtin: Option<bool>,
    skip: Option<Vec<String>>,
    commands: Option<Vec<RawCommand>>,
    outputs: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawCommand {
    Argv(Vec<String>),
    Named { name: String, run: Vec<String> },
}

const TABLE: &str = "[workspace.metadata.release-gate]";

impl Collectors {
    /// Reads the settings from `[workspace.metadata]` (as cargo metadata
    /// gives it); every mistake is an error naming the key and the fix.
    pub fn from_metadata(metadata: &serde_json::Value, policy: &Policy) -> Result<Collectors> {
        let raw = match metadata.get("release-gate") {
            None | Some(serde_json::Value::Null) => Raw::default(),
            Some(table) => Raw::deserialize(table).map_err(|e| {
                anyhow::anyhow!("invalid `test-runner` or `evidence` in {TABLE}: {e}")
            })?,
        };
        let test_runner = match raw.test_runner.as_deref() {
            None => TestRunner::Auto,
            Some("nextest") => TestRunner::Nextest,
            Some("cargo-test") => TestRunner::CargoTest,
            Some(other) => bail!(
                "`test-runner` in {TABLE} is `{other}`: expected `nextest` or `cargo-test` (or leave it out: nextest when installed)"
            ),
        };
        let mut domains = BTreeMap::new();
        for (domain, d) in raw.evidence.unwrap_or_default() {
            let key = format!("`evidence.{domain}` in {TABLE}");
            if !policy.domains.contains(&domain) {
                bail!(
                    "{key}: `{domain}` is not in `domains` ({}); add it there to collect it",
                    policy.domains.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
                );
            }
            let known: &[&str] = CHECKS.iter().find(|(d, _)| *d == domain).map_or(&[], |(_, c)| *c);
            let skip = d.skip.unwrap_or_default();
            for name in &skip {
                if !known.contains(&name.as_str()) {
                    bail!(
                        "{key}: `skip` names `{name}`, which is not a built-in check of `{domain}` ({})",
                        if known.is_empty() {
                            "it has none".to_string()
                        } else {
                            known.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                        }
                    );
                }
            }
            let mut commands = Vec::new();
            for (i, c) in d.commands.unwrap_or_default().into_iter().enumerate() {
                let (name, run) = match c {
                    RawCommand::Argv(run) => (run.join(" "), run),
                    RawCommand::Named { name, run } => (name, run),
                };
                if run.first().is_none_or(|p| p.trim().is_empty()) {
                    bail!("{key}: command #{} is empty; write it as an argv array such as [\"cargo\", \"xtask\", \"replay\"]", i.saturating_add(1));
                }
                if name.trim().is_empty() || name.chars().any(char::is_control) {
                    bail!("{key}: command #{} needs a one-line `name`", i.saturating_add(1));
                }
                commands.push(Command { name, run });
            }
            let outputs = d.outputs.unwrap_or_default();
            for output in &outputs {
                let path = std::path::Path::new(output);
                if output.trim().is_empty()
                    || path.is_absolute()
                    || path.components().any(|c| c == std::path::Component::ParentDir)
                {
                    bail!("{key}: output `{output}` must be a path inside the workspace, relative to its root");
                }
            }
            domains.insert(
                domain,
                Domain { builtin: d.builtin.unwrap_or(true), skip, commands, outputs },
            );
        }
        Ok(Collectors { test_runner, domains })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::config::Overrides;
    use serde_json::json;

    fn check(meta: serde_json::Value, expected: Result<&str, &str>) {
        let policy = Policy::from_metadata(&meta, None, &Overrides::default()).unwrap();
        let got = Collectors::from_metadata(&meta, &policy).map(|c| format!("{c:?}"));
        match (got, expected) {
            (Ok(got), Ok(want)) => assert!(got.contains(want), "{got}"),
            (Err(e), Err(want)) => assert_eq!(e.to_string(), want),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn collectors_are_configured_per_domain() {
        check(json!({}), Ok("test_runner: Auto, domains: {}"));
        check(
            json!({"release-gate": {"test-runner": "cargo-test", "evidence": {
                "governance": {"skip": ["msrv"], "commands": [["cargo", "test", "-p", "x"], {"name": "schemas", "run": ["cargo", "test"]}]},
                "cdc": {"builtin": false, "outputs": ["target/replay/cdc.json"]},
            }}}),
            Ok(
                r#"test_runner: CargoTest, domains: {"cdc": Domain { builtin: false, skip: [], commands: [], outputs: ["target/replay/cdc.json"] }, "governance": Domain { builtin: true, skip: ["msrv"], commands: [Command { name: "cargo test -p x", run: ["cargo", "test", "-p", "x"] }, Command { name: "schemas", run: ["cargo", "test"] }], outputs: [] }}"#,
            ),
        );
    }

    #[test]
    fn mistakes_name_the_key_and_the_fix() {
        check(
            json!({"release-gate": {"test-runner": "pytest"}}),
            Err("`test-runner` in [workspace.metadata.release-gate] is `pytest`: expected `nextest` or `cargo-test` (or leave it out: nextest when installed)"),
        );
        check(
            json!({"release-gate": {"evidence": {"examples": {"commands": [["x"]]}}}}),
            Err("`evidence.examples` in [workspace.metadata.release-gate]: `examples` is not in `domains` (`cdc`, `certification`, `docs`, `governance`, `performance`, `security`, `supply_chain`); add it there to collect it"),
        );
        check(
            json!({"release-gate": {"evidence": {"docs": {"skip": ["readme"]}}}}),
            Err("`evidence.docs` in [workspace.metadata.release-gate]: `skip` names `readme`, which is not a built-in check of `docs` (`rustdoc`, `doctests`)"),
        );
        check(
            json!({"release-gate": {"evidence": {"docs": {"commands": [[]]}}}}),
            Err("`evidence.docs` in [workspace.metadata.release-gate]: command #1 is empty; write it as an argv array such as [\"cargo\", \"xtask\", \"replay\"]"),
        );
        check(
            json!({"release-gate": {"evidence": {"docs": {"outputs": ["../x.json"]}}}}),
            Err("`evidence.docs` in [workspace.metadata.release-gate]: output `../x.json` must be a path inside the workspace, relative to its root"),
        );
        let unknown = Collectors::from_metadata(
            &json!({"release-gate": {"evidence": {"docs": {"comands": []}}}}),
            &Policy::from_metadata(&json!({}), None, &Overrides::default()).unwrap(),
        );
        assert!(unknown.unwrap_err().to_string().contains("unknown field `comands`"));
    }
}
