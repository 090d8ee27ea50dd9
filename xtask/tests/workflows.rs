//! The workflows' contract, read from the YAML: what actionlint and zizmor
//! cannot see, because it is about what GitHub does with a valid workflow
//! (re-runs, the order of signing and tagging, who may write, which branch
//! may release). `.ci/lint-workflows` covers syntax, shell and known
//! security patterns; this covers the release design (README "CI workflows").
//!
//! `RELEASE_GATE_WORKFLOWS` (a folder) checks other workflow files against
//! the same contract, for example an older revision's:
//! `git archive <rev> .github | tar -x -C /tmp/old && RELEASE_GATE_WORKFLOWS=/tmp/old/.github/workflows cargo test -p xtask --test workflows`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn workflows_dir() -> PathBuf {
    match std::env::var_os("RELEASE_GATE_WORKFLOWS") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace().join(".github/workflows"),
    }
}

/// Every workflow, parsed, by file name.
fn workflows() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(workflows_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.ends_with(".yml") || name.ends_with(".yaml")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&text)
            .unwrap_or_else(|e| panic!("`{}` is not YAML: {e}", path.display()));
        out.insert(name, doc);
    }
    assert!(out.contains_key("release.yml"), "no release.yml in {}", workflows_dir().display());
    out
}

fn release() -> Value {
    workflows().remove("release.yml").unwrap()
}

fn jobs(workflow: &Value) -> Vec<(&str, &Value)> {
    workflow["jobs"].as_object().unwrap().iter().map(|(k, v)| (k.as_str(), v)).collect()
}

fn steps(job: &Value) -> Vec<&Value> {
    job["steps"].as_array().map(|s| s.iter().collect()).unwrap_or_default()
}

fn uses(step: &Value) -> &str {
    step["uses"].as_str().unwrap_or_default()
}

fn run(step: &Value) -> &str {
    step["run"].as_str().unwrap_or_default()
}

/// `with.<key>` as text (YAML `true` and `"true"` alike).
fn with(step: &Value, key: &str) -> Option<String> {
    match &step["with"][key] {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The job's `needs`, a string or a list.
fn needs(job: &Value) -> Vec<&str> {
    match &job["needs"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The permission a job is granted for `scope` (its own block, else the
/// workflow's; `write-all`/`read-all` spelled out).
fn permission(workflow: &Value, job: &Value, scope: &str) -> String {
    let block = if job.get("permissions").is_some() {
        &job["permissions"]
    } else {
        &workflow["permissions"]
    };
    match block {
        Value::String(all) if all == "write-all" => "write".into(),
        Value::String(all) if all == "read-all" => "read".into(),
        Value::Object(map) => map.get(scope).and_then(Value::as_str).unwrap_or("none").into(),
        // No block at all: the repository default, which may be write.
        Value::Null => "default".into(),
        other => other.to_string(),
    }
}

fn upload_steps(workflows: &BTreeMap<String, Value>) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (file, workflow) in workflows {
        for (name, job) in jobs(workflow) {
            for step in steps(job) {
                if uses(step).starts_with("actions/upload-artifact@") {
                    out.push((format!("{file}: job `{name}`"), step));
                }
            }
        }
    }
    out
}

/// Re-running a job (a flaky evidence leg, or the `if: always()` report
/// upload of a re-run gate) uploads the same artifact name again in the same
/// run: upload-artifact v4+ refuses that unless `overwrite: true`.
#[test]
fn every_upload_overwrites_on_rerun() {
    let workflows = workflows();
    let uploads = upload_steps(&workflows);
    assert!(!uploads.is_empty(), "no upload-artifact step found");
    for (at, step) in uploads {
        assert_eq!(
            with(step, "overwrite").as_deref(),
            Some("true"),
            "{at}: upload `{}` has no `overwrite: true`, so a re-run fails at upload",
            with(step, "name").unwrap_or_default()
        );
    }
}

/// An evidence leg whose collector wrote nothing must fail, not upload
/// nothing (the gate would then read an earlier attempt's artifact).
#[test]
fn evidence_uploads_fail_on_no_files() {
    let workflows = workflows();
    let evidence: Vec<_> = upload_steps(&workflows)
        .into_iter()
        .filter(|(_, step)| with(step, "name").is_some_and(|n| n.starts_with("evidence-")))
        .collect();
    assert!(!evidence.is_empty(), "no `evidence-*` upload found");
    for (at, step) in evidence {
        assert_eq!(
            with(step, "if-no-files-found").as_deref(),
            Some("error"),
            "{at}: the evidence upload must use `if-no-files-found: error`"
        );
    }
}

/// Tools on a runner that compiles untrusted code: an action or command that
/// builds, installs a toolchain, or runs the repository's code.
fn builds(step: &Value) -> Option<String> {
    let action = uses(step);
    for builder in [
        "dtolnay/rust-toolchain",
        "actions-rs/",
        "actions-rust-lang/",
        "Swatinem/rust-cache",
        "taiki-e/install-action",
        "actions/cache",
    ] {
        if action.starts_with(builder) {
            return Some(format!("uses `{action}`"));
        }
    }
    let script = run(step);
    for word in ["cargo", "rustup", "rustc", "make", "npm", "pip", "python", ".ci/", "./"] {
        if script
            .split(|c: char| c.is_whitespace() || c == ';' || c == '(' || c == '&' || c == '|')
            .any(|w| w == word || (word.ends_with('/') && w.starts_with(word)))
        {
            return Some(format!("runs `{word}`: {}", script.lines().next().unwrap_or_default()));
        }
    }
    None
}

/// The one job that can write contents: the tag job of release.yml.
fn tag_job(workflow: &Value) -> (&str, &Value) {
    let writers: Vec<_> = jobs(workflow)
        .into_iter()
        .filter(|(_, job)| permission(workflow, job, "contents") == "write")
        .collect();
    assert_eq!(
        writers.len(),
        1,
        "release.yml: expected exactly one job with `contents: write` (the tag job), found {:?}",
        writers.iter().map(|(n, _)| *n).collect::<Vec<_>>()
    );
    writers[0]
}

/// The verdict is signed before the tag is public: the tag job waits for the
/// attest job and the gate, and builds nothing (it holds the write token:
/// no build script, proc macro or planted git hook may run next to it).
#[test]
fn the_tag_job_needs_attest_and_builds_nothing() {
    let workflow = release();
    let (name, job) = tag_job(&workflow);
    let attest: Vec<&str> = jobs(&workflow)
        .into_iter()
        .filter(|(_, j)| steps(j).iter().any(|s| uses(s).starts_with("actions/attest")))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(attest.len(), 1, "release.yml: expected one attest job, found {attest:?}");
    let needed = needs(job);
    assert!(
        needed.contains(&attest[0]) && needed.contains(&"gate"),
        "release.yml: the tag job `{name}` needs {needed:?}; it must need `{}` and `gate`",
        attest[0]
    );
    assert!(!steps(job).is_empty(), "release.yml: the tag job `{name}` has no steps");
    for step in steps(job) {
        if let Some(why) = builds(step) {
            panic!("release.yml: the tag job `{name}` must build nothing, but a step {why}");
        }
        let script = run(step);
        if script.contains("git ") && script.contains(" push") {
            assert!(
                script.contains("core.hooksPath=/dev/null") && script.contains("GITHUB_SERVER_URL"),
                "release.yml: the tag job pushes without `-c core.hooksPath=/dev/null` or without `${{GITHUB_SERVER_URL}}`:\n{script}"
            );
        }
    }
    assert!(
        steps(job).iter().any(|s| run(s).contains("gh release create") && run(s).contains("--verify-tag")),
        "release.yml: the tag job must publish the GitHub Release (`gh release create --verify-tag`)"
    );
}

/// Least privilege: only the tag job can write contents, in every workflow;
/// every workflow starts from no permissions; the gate job is read-only.
#[test]
fn only_the_tag_job_writes_contents() {
    for (file, workflow) in workflows() {
        assert_eq!(
            workflow["permissions"],
            serde_json::json!({}),
            "{file}: the workflow must start from `permissions: {{}}`"
        );
        for (name, job) in jobs(&workflow) {
            let contents = permission(&workflow, job, "contents");
            let is_tag = file == "release.yml" && name == "tag";
            if is_tag {
                assert_eq!(contents, "write", "{file}: the tag job needs `contents: write`");
            } else {
                assert!(
                    contents == "read" || contents == "none",
                    "{file}: job `{name}` has `contents: {contents}`; only release.yml's tag job may write"
                );
            }
        }
    }
    let workflow = release();
    let gate = &workflow["jobs"]["gate"];
    assert!(gate.is_object(), "release.yml: no `gate` job");
    let granted = gate["permissions"].as_object().cloned().unwrap_or_default();
    assert!(
        granted.values().all(|v| v == "read"),
        "release.yml: the gate job compiles everything and must be read-only, has {granted:?}"
    );
}

/// A release only from the default branch, and the write behind the
/// `release` environment (its reviewers and branch rule live in the
/// repository's settings).
#[test]
fn the_dispatch_is_restricted_to_the_default_branch() {
    let workflow = release();
    let restriction =
        "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)";
    for (name, job) in jobs(&workflow) {
        let writes =
            job["permissions"].as_object().is_some_and(|map| map.values().any(|v| v == "write"));
        if writes {
            let condition = job["if"].as_str().unwrap_or_default();
            assert!(
                condition.contains(restriction),
                "release.yml: job `{name}` can write but runs on any branch; its `if` must contain `{restriction}`, has `{condition}`"
            );
        }
    }
    let (name, tag) = tag_job(&workflow);
    let environment = match &tag["environment"] {
        Value::String(s) => s.clone(),
        other => other["name"].as_str().unwrap_or_default().to_string(),
    };
    assert_eq!(
        environment, "release",
        "release.yml: the tag job `{name}` must run in the `release` environment"
    );
    // The evidence matrix waits for a cheap preflight (version, tag, branch).
    let evidence = &workflow["jobs"]["evidence"];
    assert!(
        needs(evidence).contains(&"preflight"),
        "release.yml: the evidence matrix must need the preflight job, needs {:?}",
        needs(evidence)
    );
    let preflight = workflow["jobs"]["preflight"]["steps"].to_string();
    assert!(
        preflight.contains("DEFAULT_BRANCH") && preflight.contains("default_branch"),
        "release.yml: the preflight must check the default branch"
    );
}

/// Does this step restore a cache? (actions/cache, rust-cache, a setup
/// action's `cache` input, a tool installer allowed to build from source).
fn restores_cache(step: &Value) -> bool {
    let action = uses(step);
    action.starts_with("actions/cache")
        || action.starts_with("Swatinem/rust-cache")
        || action.contains("sccache")
        || with(step, "cache").is_some_and(|c| c != "false" && !c.is_empty())
        || run(step).contains("sccache")
}

/// A release is built from the registry and the lock file alone: no job of
/// release.yml restores a cache (a poisoned cache would reach the release).
/// Builds outside the release path are cached (ci.yml, production-maturity.yml),
/// which also shows the check recognizes a cache when there is one.
#[test]
fn no_job_on_the_release_path_restores_a_cache() {
    let workflows = workflows();
    for (name, job) in jobs(&workflows["release.yml"]) {
        for step in steps(job) {
            assert!(!restores_cache(step), "release.yml: job `{name}` restores a cache: {step}");
            if uses(step).starts_with("taiki-e/install-action") {
                assert_eq!(
                    with(step, "fallback").as_deref(),
                    Some("none"),
                    "release.yml: job `{name}`: install-action must not fall back to building from source"
                );
            }
        }
    }
    for file in ["ci.yml", "production-maturity.yml"] {
        let cached = jobs(&workflows[file])
            .into_iter()
            .filter(|(_, job)| steps(job).iter().any(|s| restores_cache(s)))
            .count();
        assert!(cached > 0, "{file}: builds here are not cached (Swatinem/rust-cache)");
    }
}

/// The MSRV is written once, in Cargo.toml: no workflow repeats it.
#[test]
fn the_msrv_is_not_hard_coded() {
    let manifest = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    let declared: toml::Value = toml::from_str(&manifest).unwrap();
    let msrv = declared["workspace"]["package"]["rust-version"].as_str().unwrap().to_string();
    for (file, workflow) in workflows() {
        for (name, job) in jobs(&workflow) {
            for step in steps(job) {
                let script = run(step);
                for line in script.lines() {
                    let words: Vec<&str> = line.split_whitespace().collect();
                    let pinned = words.windows(2).find(|w| {
                        (w[0] == "install" || w[0] == "run")
                            && w[1].chars().next().is_some_and(|c| c.is_ascii_digit())
                    });
                    assert!(
                        pinned.is_none() && !line.contains(&format!("+{msrv}")),
                        "{file}: job `{name}` hard-codes a toolchain version: `{line}`; read it with `.ci/msrv`"
                    );
                }
                assert!(
                    !script.contains(&msrv) && with(step, "toolchain").as_deref() != Some(&msrv),
                    "{file}: job `{name}` repeats the MSRV `{msrv}`; read it with `.ci/msrv`"
                );
            }
        }
    }
    let workflows = workflows();
    for file in ["release.yml", "ci.yml"] {
        assert!(
            serde_json::to_string(&workflows[file]).unwrap().contains(".ci/msrv"),
            "{file}: the MSRV toolchain must be read from Cargo.toml with `.ci/msrv`"
        );
    }
}

/// The certification leg installs cargo-nextest (else the collector falls
/// back to `cargo test` and writes no `junit.xml`); every tool comes
/// prebuilt and checksum-verified, never compiled on the release path.
#[test]
fn the_release_installs_prebuilt_tools_and_nextest() {
    let workflow = release();
    let evidence = &workflow["jobs"]["evidence"];
    let installs: Vec<&Value> = steps(evidence)
        .into_iter()
        .filter(|s| uses(s).starts_with("taiki-e/install-action"))
        .collect();
    let nextest =
        installs.iter().find(|s| with(s, "tool").is_some_and(|t| t.contains("cargo-nextest")));
    let nextest = nextest.expect("release.yml: the evidence job does not install cargo-nextest");
    assert!(
        nextest["if"].as_str().unwrap_or_default().contains("certification"),
        "release.yml: cargo-nextest must be installed in the certification leg"
    );
    for (name, job) in jobs(&workflow) {
        for step in steps(job) {
            assert!(
                !run(step).contains("cargo install"),
                "release.yml: job `{name}` compiles a tool from source: {}",
                run(step)
            );
        }
    }
}

/// The must-fail run of production-maturity.yml is an expected failure: it
/// must not add annotations, a step summary or outputs to a green run.
#[test]
fn the_must_fail_gate_is_quiet() {
    let workflow = &workflows()["production-maturity.yml"];
    let scripts: Vec<&str> = jobs(workflow)
        .into_iter()
        .flat_map(|(_, job)| steps(job))
        .map(run)
        .filter(|s| s.contains("--stub-fail"))
        .collect();
    assert!(!scripts.is_empty(), "production-maturity.yml: no must-fail step (`--stub-fail`)");
    for script in scripts {
        for needle in
            ["--format human", "-u GITHUB_ACTIONS", "-u GITHUB_STEP_SUMMARY", "-u GITHUB_OUTPUT"]
        {
            assert!(
                script.contains(needle),
                "production-maturity.yml: the must-fail step lacks `{needle}`:\n{script}"
            );
        }
    }
}

/// Every action is pinned by a full commit SHA, and the artifact actions are
/// on the majors that run on node 24 (download-artifact v5+ fails on a digest
/// mismatch; older majors only warned).
#[test]
fn actions_are_pinned_to_current_majors() {
    let minimum =
        [("actions/checkout", 5), ("actions/upload-artifact", 6), ("actions/download-artifact", 7)];
    for (file, workflow) in workflows() {
        for (name, job) in jobs(&workflow) {
            for step in steps(job) {
                let action = uses(step);
                if action.is_empty() || action.starts_with("./") {
                    continue;
                }
                let (_, sha) = action.split_once('@').unwrap();
                assert!(
                    sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                    "{file}: job `{name}`: `{action}` is not pinned by a full commit SHA"
                );
            }
        }
    }
    let text = std::fs::read_dir(workflows_dir())
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    for (repo, major) in minimum {
        for line in text.lines().filter(|l| l.contains(&format!("uses: {repo}@"))) {
            let version = line.split("# v").nth(1).unwrap_or_default();
            let found: u32 = version.split('.').next().unwrap_or_default().parse().unwrap_or(0);
            assert!(
                found >= major,
                "`{}`: {repo} must be v{major} or later (node 24)",
                line.trim()
            );
        }
    }
}

/// ci.yml exercises what the release relies on.
#[test]
fn ci_checks_the_release_prerequisites() {
    let workflows = workflows();
    let ci = serde_json::to_string(&workflows["ci.yml"]).unwrap();
    for (needle, why) in [
        ("rustup run", "an MSRV job (`rustup run <msrv> cargo check`)"),
        ("cargo doc", "`cargo doc` with warnings denied"),
        ("-D warnings", "warnings denied"),
        (".ci/lint-workflows", "the workflow lint"),
        ("GH_TOKEN", "zizmor online with the workflow's token"),
        ("--locked", "`--locked` builds"),
        ("cargo metadata --locked", "a lock-file freshness check"),
    ] {
        assert!(ci.contains(needle), "ci.yml lacks {why} (`{needle}`)");
    }
    let cancel =
        workflows["ci.yml"]["concurrency"]["cancel-in-progress"].as_str().unwrap_or_default();
    assert!(
        cancel.contains("github.event_name == 'pull_request'"),
        "ci.yml: cancel-in-progress must be for pull requests only, is `{cancel}`"
    );
    let release = &workflows["release.yml"];
    assert!(
        release["on"]["workflow_dispatch"]["inputs"]["dry-run"].is_object(),
        "release.yml: no `dry-run` input"
    );
    assert!(
        release["on"]["schedule"].is_array() || release["on"]["pull_request"].is_object(),
        "release.yml: the dry run must run nightly or on pull requests"
    );
}
