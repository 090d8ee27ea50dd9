//! Where results land: GitHub Actions (annotations, groups, step summary,
//! step outputs), `--format json`, and `--explain`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::fs;

use support::{case_args, cases_root, prepare, xtask, DEFAULT_REPORT_DIR};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn github_actions_get_annotations_groups_summary_and_outputs() {
    let case = cases_root().join("one_failed");
    let ws = prepare(&case);
    let summary = ws.path().join("step-summary.md");
    let outputs = ws.path().join("step-outputs");
    fs::write(&summary, "earlier step\n").unwrap();
    let env = vec![
        ("GITHUB_ACTIONS".to_string(), "true".to_string()),
        ("GITHUB_STEP_SUMMARY".to_string(), summary.to_string_lossy().into_owned()),
        ("GITHUB_OUTPUT".to_string(), outputs.to_string_lossy().into_owned()),
    ];
    let out = xtask(ws.path(), &case_args(&case), &env);
    assert_eq!((out.exit, out.stderr.as_str()), (1, ""));
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    let md = fs::read_to_string(report.join("production_maturity.md")).unwrap();
    assert_eq!(fs::read_to_string(&summary).unwrap(), format!("earlier step\n{md}"));
    assert_eq!(
        fs::read_to_string(&outputs).unwrap(),
        "level=release_candidate\nscore=85\nblockers=1\nblocker-codes=security.not_passed\nwaived=0\nstub-evidence=false\n"
    );
    let sha = |path: &str| -> String {
        let json: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(report.join("production_maturity.json")).unwrap(),
        )
        .unwrap();
        json["domains"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|d| d["artifacts"].as_array().unwrap().clone())
            .find(|a| a["path"] == path)
            .unwrap()["sha256"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let group = |domain: &str, path: &str, status: &str, extra: &str| {
        format!(
            "::group::{domain}: {status} (required)\nartifact {path} [evidence] {status} sha256 {}\n{extra}::endgroup::\n",
            sha(path)
        )
    };
    let unbound = "  - unbound: it names neither a `release` nor a `commit`\n";
    let expected = [
        group("cdc", "test_artifacts/replay/latest/replay.json", "passed", unbound),
        group("certification", "test_artifacts/connectors/latest/certification.json", "passed", unbound),
        group("docs", "test_artifacts/docs/latest/docs.json", "passed", unbound),
        group("governance", "test_artifacts/governance/latest/governance.json", "passed", unbound),
        group("performance", "test_artifacts/benchmarks/latest/benchmarks.json", "passed", unbound),
        group(
            "security",
            "test_artifacts/security/latest/security.json",
            "not_passed",
            &format!("  - status is `failed`\n  - the artifact lists 1 blocker(s) of its own\n{unbound}"),
        ),
        group("supply_chain", "test_artifacts/supply_chain/latest/supply_chain.json", "passed", unbound),
        "::error file=test_artifacts/security/latest/security.json,title=security.not_passed::`test_artifacts/security/latest/security.json` did not pass: status is `failed`; the artifact lists 1 blocker(s) of its own (fix: fix the failing `security` workflow and re-run it; do not edit the aggregated evidence)\n".to_string(),
        "release gate `v1.0.0`: level `release_candidate`, score 85 (6 of 7 required domains passed)\n".to_string(),
        "blocker `security.not_passed`: `test_artifacts/security/latest/security.json` did not pass: status is `failed`; the artifact lists 1 blocker(s) of its own\n".to_string(),
        "7 warning(s): see the report\n".to_string(),
        "report: test_artifacts/production_maturity/report/production_maturity.md\n".to_string(),
    ]
    .concat();
    assert_eq!(out.stdout, expected);
}

#[test]
fn annotations_escape_and_say_when_github_hides_some() {
    let ws = tempfile::tempdir().unwrap();
    let domains: Vec<String> = (0..12).map(|i| format!("\"d{i:02}\"")).collect();
    fs::write(
        ws.path().join("Cargo.toml"),
        format!(
            "{}\n[workspace.metadata.release-gate]\ndomains = [{}]\n",
            support::DEFAULT_MANIFEST,
            domains.join(", ")
        ),
    )
    .unwrap();
    fs::write(ws.path().join("lib.rs"), "").unwrap();
    let out = xtask(ws.path(), &args(&["release-gate", "--format", "github"]), &[]);
    assert_eq!(out.exit, 1, "{}", out.stderr);
    let errors: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(errors.len(), 12);
    assert_eq!(
        errors[0],
        "::error title=d00.missing::no evidence for `d00`: no evidence file under `test_artifacts/d00/latest/` (fix: run or upload the `d00` evidence: run the workflow that produces it, or put its artifact under `test_artifacts/d00/latest/`)"
    );
    assert!(out.stdout.contains(
        "\nGitHub shows the first 10 annotations of a step; the step summary and `test_artifacts/production_maturity/report/production_maturity.md` list all 12 blockers\n"
    ));
}

#[test]
fn format_json_prints_the_report() {
    let case = cases_root().join("two_failed");
    let ws = prepare(&case);
    let mut a = case_args(&case);
    a.extend(args(&["--format", "json"]));
    let out = xtask(ws.path(), &a, &[]);
    assert_eq!(out.exit, 1);
    let written =
        fs::read_to_string(ws.path().join(DEFAULT_REPORT_DIR).join("production_maturity.json"))
            .unwrap();
    assert_eq!(out.stdout, written);
}

#[test]
fn human_output_has_no_color_off_a_terminal() {
    let case = cases_root().join("two_failed");
    let ws = prepare(&case);
    let out = xtask(ws.path(), &case_args(&case), &[]);
    assert!(!out.stdout.contains('\x1b'), "{}", out.stdout);
}

#[test]
fn explain_reads_the_last_run() {
    let case = cases_root().join("one_failed");
    let ws = prepare(&case);
    assert_eq!(xtask(ws.path(), &case_args(&case), &[]).exit, 1);
    let out = xtask(ws.path(), &args(&["release-gate", "--explain", "security.not_passed"]), &[]);
    assert_eq!((out.exit, out.stderr.as_str()), (0, ""));
    assert_eq!(
        out.stdout,
        "`security.not_passed`: the evidence was read and does not pass: a failing or unknown status, a failed check, its own blockers, or blocking findings under its format's rule\n\
         expected: evidence whose rule passes: `status` `passed` with every check passing, or a tool report with no blocking findings\n\
         found: `test_artifacts/security/latest/security.json` did not pass: status is `failed`; the artifact lists 1 blocker(s) of its own\n\
         fix: fix the failing `security` workflow and re-run it; do not edit the aggregated evidence\n\
         reproduce (from the workspace root): cargo xtask release-gate --release v1.0.0 --require security --artifact security=test_artifacts/security/latest/security.json --output-dir target/explain/security.not_passed\n\
         collect again: cargo xtask evidence security\n"
    );
    let out = xtask(ws.path(), &args(&["release-gate", "--explain", "docs.stale"]), &[]);
    assert_eq!(out.exit, 0);
    assert!(out.stdout.ends_with(
        "found: the last run (`test_artifacts/production_maturity/report/production_maturity.json`, release `v1.0.0`) has no `docs.stale` blocker\n"
    ), "{}", out.stdout);
    // A report that does not parse is an error that names it, not "no report".
    let report = ws.path().join(DEFAULT_REPORT_DIR).join("production_maturity.json");
    fs::write(&report, "{\"blockers\": 3}\n").unwrap();
    let out = xtask(ws.path(), &args(&["release-gate", "--explain", "docs.stale"]), &[]);
    assert_eq!(out.exit, 2);
    assert_eq!(out.stderr, "error: cannot read the report `test_artifacts/production_maturity/report/production_maturity.json`: it is not what the gate writes: invalid type: integer `3`, expected a sequence at line 1 column 14; run `cargo xtask release-gate` again to write it\n");
    let out = xtask(ws.path(), &args(&["release-gate", "--explain", "docs.broken"]), &[]);
    assert_eq!(out.exit, 2);
    assert_eq!(out.stderr, "error: `docs.broken` is not a blocker code: expected `<domain>.<kind>` with kind one of missing, invalid, not_passed, stub, release_mismatch, commit_mismatch, unbound, stale, or one of `waiver.expired`, `waiver.below_ga_min_score`, `evidence.invalid`, `baseline.new_blockers`\n");
}
