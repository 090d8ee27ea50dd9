//! Fail-closed attacks (issue #13) on the outputs stage, as end-to-end runs of the
//! xtask binary: each test is written as the attack and asserts the exit code
//! and the blocker or error.

#[allow(unused_imports)]
use super::*;

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

const QUICK: Duration = Duration::from_secs(30);

/// Nothing named like a temporary file of the report set is left in `dir`.
#[track_caller]
fn assert_no_temporaries(dir: &Path) {
    let left: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

// Class 7: every input is read safely, not only evidence.

/// `--baseline` at a FIFO hung on `read_to_string`, at `/dev/zero` grew memory
/// without bound: both are refused at once, as a special file.
#[test]
fn baseline_that_is_a_fifo_a_device_or_a_folder_exits_2_at_once() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    let special = "it is a special file (FIFO, socket or device), not a regular file; pass `--baseline` the `production_maturity.json` of a previous run";
    mkfifo(&ws.path().join("previous.json"));
    let out = run_with_deadline(ws.path(), &args(&["--baseline", "previous.json"]), QUICK);
    assert_fails_closed(
        &out,
        2,
        &format!("error: cannot read the baseline `previous.json`: {special}"),
    );
    let out = run_with_deadline(ws.path(), &args(&["--baseline", "/dev/zero"]), QUICK);
    assert_fails_closed(&out, 2, &format!("/dev/zero`: {special}"));
    // A symlink to the device is the device.
    symlink("/dev/zero", ws.path().join("zero.json")).unwrap();
    let out = run_with_deadline(ws.path(), &args(&["--baseline", "zero.json"]), QUICK);
    assert_fails_closed(
        &out,
        2,
        &format!("error: cannot read the baseline `zero.json`: {special}"),
    );
    fs::create_dir(ws.path().join("folder.json")).unwrap();
    let out = run_with_deadline(ws.path(), &args(&["--baseline", "folder.json"]), QUICK);
    assert_fails_closed(
        &out,
        2,
        "error: cannot read the baseline `folder.json`: it is a folder, not a regular file",
    );
    // No report was written.
    assert!(!ws.path().join(DEFAULT_REPORT_DIR).exists());
}

/// A baseline over its size limit (64 MiB) is refused, not read into memory.
#[test]
fn baseline_over_its_size_limit_is_refused() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    let big = fs::File::create(ws.path().join("big.json")).unwrap();
    big.set_len(64 * 1024 * 1024 + 1).unwrap();
    let out = run_with_deadline(ws.path(), &args(&["--baseline", "big.json"]), QUICK);
    assert_fails_closed(
        &out,
        2,
        "error: cannot read the baseline `big.json`: it is 67108865 bytes, over the limit of 67108864 bytes for this file",
    );
}

/// `release-gate-waivers.toml` as a symlink to a FIFO hung the gate.
#[test]
fn waivers_file_that_is_a_symlink_to_a_fifo_exits_2_at_once() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    mkfifo(&ws.path().join("waivers.fifo"));
    symlink("waivers.fifo", ws.path().join("release-gate-waivers.toml")).unwrap();
    let out = run_with_deadline(ws.path(), &args(&[]), QUICK);
    assert_fails_closed(
        &out,
        2,
        "error: cannot read `release-gate-waivers.toml`: it is a special file (FIFO, socket or device), not a regular file; make it a regular file (or remove it)",
    );
    fs::remove_file(ws.path().join("release-gate-waivers.toml")).unwrap();
    symlink("/dev/zero", ws.path().join("release-gate-waivers.toml")).unwrap();
    let out = run_with_deadline(ws.path(), &args(&[]), QUICK);
    assert_fails_closed(
        &out,
        2,
        "error: cannot read `release-gate-waivers.toml`: it is a special file (FIFO, socket or device), not a regular file",
    );
}

/// A release artifact SLSA provenance must cover that is a FIFO: hashing it
/// hung; it is refused.
#[test]
fn release_artifact_that_is_a_fifo_exits_2_at_once() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    let manifest = format!(
        "{DEFAULT_MANIFEST}\n[workspace.metadata.release-gate.formats]\nslsa-release-artifacts = [\"dist/*.tar.gz\"]\n"
    );
    fs::write(ws.path().join("Cargo.toml"), manifest).unwrap();
    fs::create_dir(ws.path().join("dist")).unwrap();
    mkfifo(&ws.path().join("dist/app.tar.gz"));
    let out = run_with_deadline(ws.path(), &args(&[]), QUICK);
    assert_fails_closed(
        &out,
        2,
        "error: cannot read release artifact `dist/app.tar.gz`: it is a special file (FIFO, socket or device), not a regular file",
    );
}

/// `verify` and `--explain` read their files with the same reader: a FIFO
/// in the place of the index, `SHA256SUMS`, an input or the report never
/// hangs them.
#[test]
fn verify_and_explain_with_fifos_do_not_hang() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    assert_eq!(xtask(ws.path(), &args(&[]), &[]).exit, 0);
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    let verify = strings(&["release-gate", "verify"]);
    let special = "it is a special file (FIFO, socket or device), not a regular file";

    // An input evidence file swapped for a FIFO: drift.
    fs::remove_file(ws.path().join(ok)).unwrap();
    mkfifo(&ws.path().join(ok));
    let out = run_with_deadline(ws.path(), &verify, QUICK);
    assert_fails_closed(&out, 1, &format!("changed `{ok}`: {special}"));
    fs::remove_file(ws.path().join(ok)).unwrap();
    fs::write(ws.path().join(ok), &ok_bytes).unwrap();
    assert_eq!(run_with_deadline(ws.path(), &verify, QUICK).exit, 0);

    // `SHA256SUMS` a FIFO: drift.
    let sums = report.join("SHA256SUMS");
    let sums_bytes = fs::read(&sums).unwrap();
    fs::remove_file(&sums).unwrap();
    mkfifo(&sums);
    let out = run_with_deadline(ws.path(), &verify, QUICK);
    assert_fails_closed(
        &out,
        1,
        &format!("unreadable `test_artifacts/production_maturity/report/SHA256SUMS`: {special}"),
    );
    fs::remove_file(&sums).unwrap();
    fs::write(&sums, sums_bytes).unwrap();

    // The report a FIFO: `--explain` cannot read it (exit 2).
    let json = report.join("production_maturity.json");
    let json_bytes = fs::read(&json).unwrap();
    fs::remove_file(&json).unwrap();
    mkfifo(&json);
    let out = run_with_deadline(
        ws.path(),
        &strings(&["release-gate", "--explain", "security.missing"]),
        QUICK,
    );
    assert_fails_closed(
        &out,
        2,
        &format!("error: cannot read the report `test_artifacts/production_maturity/report/production_maturity.json`: {special}"),
    );
    // ...and for `verify` it is drift.
    let out = run_with_deadline(ws.path(), &verify, QUICK);
    assert_fails_closed(
        &out,
        1,
        &format!("changed `test_artifacts/production_maturity/report/production_maturity.json`: {special}"),
    );
    fs::remove_file(&json).unwrap();
    fs::write(&json, json_bytes).unwrap();

    // The index a FIFO: nothing to verify against (exit 2).
    let index = report.join("artifact_index.json");
    fs::remove_file(&index).unwrap();
    mkfifo(&index);
    let out = run_with_deadline(ws.path(), &verify, QUICK);
    assert_fails_closed(
        &out,
        2,
        &format!("error: cannot read `test_artifacts/production_maturity/report/artifact_index.json`: {special}"),
    );
}

// Class 8: exit 2 means nothing changed.

/// Each file of the report set in turn is a folder: the run exits 2 before
/// the first rename, the old report set is byte-identical and no temporary
/// file is left (before: the files before it were replaced, and the
/// temporary files stayed).
#[test]
fn a_report_file_that_cannot_be_written_changes_nothing() {
    for name in [
        "production_maturity.json",
        "production_maturity.md",
        "production_maturity.intoto.json",
        "production_maturity.vsa.json",
        "artifact_index.json",
        "SHA256SUMS",
    ] {
        let (ok, ok_bytes) = security_ok();
        let ws = workspace(&[(ok, &ok_bytes)]);
        assert_eq!(xtask(ws.path(), &args(&[]), &[]).exit, 0);
        let report = ws.path().join(DEFAULT_REPORT_DIR);
        // The destination becomes a folder (holding a file, so the old
        // report tree shows it).
        fs::remove_file(report.join(name)).unwrap();
        fs::create_dir(report.join(name)).unwrap();
        fs::write(report.join(name).join("keep"), "x").unwrap();
        let old = read_tree(&report);
        // The new report would differ in every file.
        fs::write(ws.path().join(ok), evidence("security", "failed")).unwrap();
        let before = evidence_tree(ws.path());
        let out = xtask(ws.path(), &args(&[]), &[]);
        assert_fails_closed(
            &out,
            2,
            &format!("error: cannot write `test_artifacts/production_maturity/report/{name}`: it is a folder, not a regular file; remove it or pass `--output-dir` another folder (the previous report is unchanged)"),
        );
        assert_eq!(read_tree(&report), old, "`{name}`: the old report changed");
        assert_no_temporaries(&report);
        assert_eq!(evidence_tree(ws.path()), before);
    }
}

/// A FIFO in a report file's place: refused the same way, without blocking.
#[test]
fn a_report_file_that_is_a_fifo_changes_nothing() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    assert_eq!(xtask(ws.path(), &args(&[]), &[]).exit, 0);
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    fs::remove_file(report.join("production_maturity.vsa.json")).unwrap();
    mkfifo(&report.join("production_maturity.vsa.json"));
    let old = read_tree(&report);
    fs::write(ws.path().join(ok), evidence("security", "failed")).unwrap();
    let out = run_with_deadline(ws.path(), &args(&[]), QUICK);
    assert_fails_closed(
        &out,
        2,
        "error: cannot write `test_artifacts/production_maturity/report/production_maturity.vsa.json`: it is a special file, not a regular file",
    );
    assert_eq!(read_tree(&report), old);
    assert_no_temporaries(&report);
}

// Class 5: the report is never written over evidence, by real path.

/// An evidence file whose real file lies in the output folder (a symlink in
/// `latest/`): the report would replace the evidence. Before: written over.
#[test]
fn evidence_that_is_a_symlink_into_the_output_folder_is_refused() {
    let ws = workspace(&[(
        "ev/security/data/production_maturity.json",
        evidence("security", "passed").as_bytes(),
    )]);
    fs::create_dir_all(ws.path().join("ev/security/latest")).unwrap();
    symlink("../data/production_maturity.json", ws.path().join("ev/security/latest/security.json"))
        .unwrap();
    let before = fs::read(ws.path().join("ev/security/data/production_maturity.json")).unwrap();
    let out = xtask(
        ws.path(),
        &args(&["--artifacts-root", "ev", "--output-dir", "ev/security/data"]),
        &[],
    );
    assert_fails_closed(
        &out,
        2,
        "error: output file `ev/security/data/production_maturity.json` is an input of this run (`ev/security/latest/security.json`): writing the report would replace it; pass `--output-dir` a folder that holds no input, or move the input out of it",
    );
    assert_eq!(
        fs::read(ws.path().join("ev/security/data/production_maturity.json")).unwrap(),
        before
    );
    // The same with `--artifact`, the file named through a symlink elsewhere.
    symlink("ev/security/data/production_maturity.json", ws.path().join("audit.json")).unwrap();
    let out = xtask(
        ws.path(),
        &args(&["--artifact", "security=audit.json", "--output-dir", "ev/security/data"]),
        &[],
    );
    assert_fails_closed(&out, 2, "error: output file `ev/security/data/production_maturity.json` is an input of this run (`audit.json`)");
    // An input named like a temporary report file: the write removes those.
    let temp = "ev/security/data/.production_maturity.md.tmp-1";
    fs::write(ws.path().join(temp), evidence("security", "passed")).unwrap();
    let out = xtask(
        ws.path(),
        &args(&["--artifact", &format!("security={temp}"), "--output-dir", "ev/security/data"]),
        &[],
    );
    assert_fails_closed(&out, 2, &format!("error: output file `ev/security/data/.production_maturity.md.tmp-1` is an input of this run (`{temp}`)"));
    assert!(ws.path().join(temp).exists());
    assert_eq!(
        fs::read(ws.path().join("ev/security/data/production_maturity.json")).unwrap(),
        before
    );
}

/// `--output-dir` through a symlink (of the folder or a parent) into a
/// `latest/` folder is inside the evidence folder, by real path.
#[test]
fn output_dir_through_a_symlink_into_latest_is_refused() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    symlink("test_artifacts/security", ws.path().join("sec")).unwrap();
    symlink("test_artifacts/security/latest", ws.path().join("out")).unwrap();
    let before = evidence_tree(ws.path());
    for dir in ["sec/latest/report", "out", "out/report"] {
        let out = xtask(ws.path(), &args(&["--output-dir", dir]), &[]);
        assert_fails_closed(
            &out,
            2,
            &format!("error: output folder `{dir}` is inside the evidence folder `test_artifacts/security/latest`; pass `--output-dir` a folder outside the evidence tree"),
        );
    }
    // An explicit file in a `latest/` folder forbids that folder too.
    let out = xtask(
        ws.path(),
        &args(&["--artifact", &format!("security={ok}"), "--output-dir", "out/report"]),
        &[],
    );
    assert_fails_closed(&out, 2, "error: output folder `out/report` is inside the evidence folder");
    assert_eq!(evidence_tree(ws.path()), before);
}

/// `--baseline` that is a report file of this run's output folder: the
/// baseline is an input; writing would replace it.
#[test]
fn baseline_that_is_an_output_file_is_refused() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    assert_eq!(xtask(ws.path(), &args(&[]), &[]).exit, 0);
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    let old = read_tree(&report);
    let baseline = format!("{DEFAULT_REPORT_DIR}/production_maturity.json");
    let out = xtask(ws.path(), &args(&["--baseline", &baseline]), &[]);
    assert_fails_closed(
        &out,
        2,
        &format!("error: output file `{baseline}` is an input of this run (`{baseline}`)"),
    );
    assert_eq!(read_tree(&report), old);
}

#[test]
fn the_default_report_folder_never_leaves_the_workspace() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(elsewhere.path().join("SHA256SUMS"), "precious\n").unwrap();
    fs::create_dir_all(ws.path().join("test_artifacts/production_maturity")).unwrap();
    symlink(elsewhere.path(), ws.path().join(DEFAULT_REPORT_DIR)).unwrap();
    let out = xtask(ws.path(), &args(&[]), &[]);
    assert_fails_closed(&out, 2, "the default output folder `test_artifacts/production_maturity/report` resolves outside the workspace (a symlink in its path)");
    assert_eq!(fs::read_to_string(elsewhere.path().join("SHA256SUMS")).unwrap(), "precious\n");
}

#[test]
fn a_stub_report_never_goes_into_the_evidence_tree() {
    let ws = workspace(&[]);
    let out = xtask(
        ws.path(),
        &strings(&["release-gate", "--stubs", "--output-dir", DEFAULT_REPORT_DIR]),
        &[],
    );
    assert_fails_closed(&out, 2, "`--stubs` with `--output-dir test_artifacts/production_maturity/report`: a stub report never goes into `test_artifacts/`");
    assert!(!ws.path().join(DEFAULT_REPORT_DIR).exists());
}

#[test]
fn a_dangling_waivers_symlink_or_a_fifo_manifest_is_an_error() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    symlink("nowhere.toml", ws.path().join("release-gate-waivers.toml")).unwrap();
    let out = xtask(ws.path(), &args(&[]), &[]);
    assert_fails_closed(
        &out,
        2,
        "cannot read `release-gate-waivers.toml`: it is a symlink to nothing",
    );
    fs::remove_file(ws.path().join("release-gate-waivers.toml")).unwrap();
    // A FIFO where cargo reads the manifest: refused at once, never a hang.
    let sub = ws.path().join("sub");
    fs::create_dir_all(&sub).unwrap();
    mkfifo(&sub.join("Cargo.toml"));
    let started = Instant::now();
    let out = xtask(&sub, &args(&[]), &[]);
    assert!(started.elapsed() < QUICK);
    assert_fails_closed(&out, 2, "Cargo.toml` is not a regular file (a folder, a FIFO or a device), so cargo cannot read the workspace");
}

#[test]
fn waiver_and_policy_typos_are_errors_and_no_score_is_ga() {
    let (ok, ok_bytes) = security_ok();
    let typo = "[[waivers]]\ncode = \"security.not_passed\"\nchecks = \"msrv\"\nreason = \"r\"\napproved-by = \"a\"\nexpires = \"2099-01-01\"\n";
    let ws = workspace(&[(ok, &ok_bytes), ("release-gate-waivers.toml", typo.as_bytes())]);
    let out = xtask(ws.path(), &args(&[]), &[]);
    assert_fails_closed(&out, 2, "invalid `release-gate-waivers.toml`: ");
    assert!(out.stderr.contains("unknown field `checks`, expected one of"), "{}", out.stderr);
    // `release-candidate-min-score = 0` and two waived `.missing`: score 0 is
    // never `ga_ready`.
    let ws = workspace(&[]);
    let manifest = format!(
        "{DEFAULT_MANIFEST}\n[workspace.metadata.release-gate]\nrelease-candidate-min-score = 0\n"
    );
    fs::write(ws.path().join("Cargo.toml"), manifest).unwrap();
    let waivers = "[[waivers]]\ncode=\"security.missing\"\nreason=\"r\"\napproved-by=\"a\"\nexpires=\"2099-01-01\"\n[[waivers]]\ncode=\"docs.missing\"\nreason=\"r\"\napproved-by=\"a\"\nexpires=\"2099-01-01\"\n";
    fs::write(ws.path().join("release-gate-waivers.toml"), waivers).unwrap();
    let out = xtask(
        ws.path(),
        &strings(&["release-gate", "--release", "v1.0.0", "--require", "security,docs"]),
        &[],
    );
    assert_fails_closed(&out, 1, "blocker `waiver.below_ga_min_score`: the score is 0");
    // A misspelled policy key is an error, never a laxer gate.
    let manifest =
        format!("{DEFAULT_MANIFEST}\n[workspace.metadata.release-gate]\nrequire-bindings = true\n");
    fs::write(ws.path().join("Cargo.toml"), manifest).unwrap();
    fs::remove_file(ws.path().join("release-gate-waivers.toml")).unwrap();
    let out = xtask(ws.path(), &args(&[]), &[]);
    assert_fails_closed(
        &out,
        2,
        "unknown key `require-bindings` in [workspace.metadata.release-gate]",
    );
}
