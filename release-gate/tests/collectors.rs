//! `evidence <domain>|all`, end to end, on a workspace whose policy
//! configures its collectors: the host's own commands are checks (with the
//! tool's own words when they fail), the files they write are evidence
//! bound through `RELEASE_GATE_*`, built-in checks can be skipped by name,
//! a custom domain is collected, `all` means the required domains, and the
//! gate quotes a failed check's detail in its blocker.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::fs;

use serde_json::Value;
use support::xtask;

const WRITE_REPORT: &str = r#"mkdir -p out && printf '{"domain": "examples", "status": "passed", "release": "%s", "commit": "%s"}\n' "$RELEASE_GATE_RELEASE" "$RELEASE_GATE_COMMIT" > out/examples-report.json"#;

/// A one-package workspace with `policy` under `[workspace.metadata.release-gate]`.
fn workspace(policy: &str) -> tempfile::TempDir {
    let ws = tempfile::Builder::new().prefix("release-gate-collectors-").tempdir().unwrap();
    fs::write(
        ws.path().join("Cargo.toml"),
        format!("[package]\nname = \"host\"\nversion = \"1.0.0\"\nedition = \"2021\"\n\n[lib]\npath = \"lib.rs\"\n\n[workspace]\n\n[workspace.metadata.release-gate]\n{policy}"),
    )
    .unwrap();
    fs::write(ws.path().join("lib.rs"), "").unwrap();
    ws
}

fn examples_policy(extra_command: &str) -> String {
    format!(
        r#"domains = ["examples", "docs"]
required = ["examples"]

[workspace.metadata.release-gate.evidence.examples]
commands = [
    {{ name = "report", run = ["sh", "-c", {report:?}] }},
    ["true"],
    {extra_command}
]
outputs = ["out/examples-report.json"]

[workspace.metadata.release-gate.evidence.docs]
skip = ["rustdoc", "doctests"]
commands = [{{ name = "lint-docs", run = ["true"] }}]
"#,
        report = WRITE_REPORT
    )
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn json(path: &std::path::Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn configured_commands_are_checks_and_their_outputs_are_evidence() {
    let failing = r#"{ name = "smoke", run = ["sh", "-c", "echo 'error: example `hello` panicked' >&2; echo ' --> examples/hello.rs:4:9' >&2; exit 3"] }"#;
    let ws = workspace(&examples_policy(failing));
    let collect = args(&["evidence", "all", "--release", "v1.0.0", "--commit", "0123456789abcdef"]);
    let out = xtask(ws.path(), &collect, &[]);
    assert_eq!(out.exit, 0, "{}{}", out.stdout, out.stderr);
    // `all` is the required domains: `docs` is not collected.
    assert!(
        out.stdout.starts_with("==> evidence examples (into test_artifacts/examples/latest/)\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("evidence docs"), "{}", out.stdout);
    for line in [
        "evidence examples: report (sh -c ",
        "evidence examples: true (true)\nevidence examples: true passed in ",
        "evidence examples: smoke FAILED in ",
        "evidence examples: wrote test_artifacts/examples/latest/examples-report.json\n",
        "evidence examples: wrote test_artifacts/examples/latest/examples.json\n",
        "evidence examples: done in ",
    ] {
        assert!(out.stdout.contains(line), "expected `{line}` in:\n{}", out.stdout);
    }
    let latest = ws.path().join("test_artifacts/examples/latest");
    let record = json(&latest.join("examples.json"));
    assert_eq!(record["status"], "failed");
    assert_eq!(record["reproduce"], "cargo xtask evidence examples");
    assert_eq!(record["release"], "v1.0.0");
    let checks: Vec<(&str, &str)> = record["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(checks, [("report", "passed"), ("true", "passed"), ("smoke", "failed")]);
    assert_eq!(
        record["checks"][2]["detail"],
        "`sh -c 'echo '\\''error: example `hello` panicked'\\'' >&2; echo '\\'' --> examples/hello.rs:4:9'\\'' >&2; exit 3'` exited with Some(3): error: example `hello` panicked\n--> examples/hello.rs:4:9"
    );
    // The command's own evidence, bound through the environment.
    let own = json(&latest.join("examples-report.json"));
    assert_eq!(
        (own["release"].as_str(), own["commit"].as_str()),
        (Some("v1.0.0"), Some("0123456789abcdef"))
    );

    // The gate quotes the tool's own words, worded as a failure.
    let gate = xtask(
        ws.path(),
        &args(&["release-gate", "--release", "v1.0.0", "--commit", "0123456789abcdef"]),
        &[],
    );
    assert_eq!(gate.exit, 1, "{}{}", gate.stdout, gate.stderr);
    assert!(
        gate.stdout.contains("blocker `examples.not_passed`: `test_artifacts/examples/latest/examples.json` did not pass: status is `failed`; check `smoke` failed: `sh -c "),
        "{}",
        gate.stdout
    );
    assert!(
        gate.stdout.contains(
            "exited with Some(3): error: example `hello` panicked | --> examples/hello.rs:4:9\n"
        ),
        "{}",
        gate.stdout
    );
    // `--explain` names the collector that reproduces it.
    let explain =
        xtask(ws.path(), &args(&["release-gate", "--explain", "examples.not_passed"]), &[]);
    assert!(
        explain.stdout.contains("collect again: cargo xtask evidence examples\n"),
        "{}",
        explain.stdout
    );
}

#[test]
fn a_named_domain_skips_built_in_checks_and_a_missing_output_fails() {
    let ws = workspace(&examples_policy(r#"["sh", "-c", "rm -f out/examples-report.json"]"#));
    let out = xtask(ws.path(), &args(&["evidence", "docs", "--release", "v1.0.0"]), &[]);
    assert_eq!(out.exit, 0, "{}{}", out.stdout, out.stderr);
    let docs = json(&ws.path().join("test_artifacts/docs/latest/docs.json"));
    // rustdoc and the doc tests are skipped: only the host's command ran.
    assert_eq!(docs["checks"].as_array().unwrap().len(), 1, "{docs:#}");
    assert_eq!(docs["checks"][0]["name"], "lint-docs");
    assert_eq!(docs["status"], "passed");

    let out = xtask(ws.path(), &args(&["evidence", "examples", "--release", "v1.0.0"]), &[]);
    assert_eq!(out.exit, 0, "{}{}", out.stdout, out.stderr);
    let record = json(&ws.path().join("test_artifacts/examples/latest/examples.json"));
    let last = &record["checks"][3];
    assert_eq!(last["name"], "output out/examples-report.json", "{record:#}");
    assert_eq!(last["status"], "failed");
    assert!(last["detail"]
        .as_str()
        .unwrap()
        .starts_with("the configured output `out/examples-report.json` was not written: "));
}

#[test]
fn unknown_domains_and_bad_settings_are_errors() {
    let ws = workspace(&examples_policy("[\"true\"]"));
    let out = xtask(ws.path(), &args(&["evidence", "exmaples"]), &[]);
    assert_eq!(out.exit, 2);
    assert_eq!(
        out.stderr,
        "error: unknown domain `exmaples`: expected `all` (the required domains) or one of `docs`, `examples`\n"
    );
    let ws = workspace("[workspace.metadata.release-gate.evidence.docs]\nskip = [\"readme\"]\n");
    let out = xtask(ws.path(), &args(&["evidence", "docs"]), &[]);
    assert_eq!(out.exit, 2);
    assert_eq!(
        out.stderr,
        "error: `evidence.docs` in [workspace.metadata.release-gate]: `skip` names `readme`, which is not a built-in check of `docs` (`rustdoc`, `doctests`)\n"
    );
    // A required domain with no collector: nothing written, and why.
    let ws = workspace("required = [\"cdc\"]\n");
    let out = xtask(ws.path(), &args(&["evidence", "all", "--release", "v1.0.0"]), &[]);
    assert_eq!(out.exit, 0, "{}", out.stderr);
    assert!(out.stdout.contains("evidence cdc: nothing written: `cdc` has no built-in collector; configure its commands in [workspace.metadata.release-gate.evidence.cdc], or leave it out of `required`\n"), "{}", out.stdout);
    assert!(!ws.path().join("test_artifacts").exists());
}
