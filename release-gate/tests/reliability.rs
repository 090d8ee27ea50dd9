//! Bad inputs that git cannot hold or that need the file system: FIFOs,
//! permissions, symlinks, huge or deep documents, a read-only or full output
//! folder, and a gate killed mid-run. Each must fail closed (exit 1 with a
//! blocker, or exit 2 with an error naming the file), never panic (101),
//! never hang, never touch the evidence, and never leave a torn report.
//!
//! The disk-full cases need root with mount permission (they mount a tmpfs):
//! they are `#[ignore]`d, and `.ci/run` runs them where it can mount one.
//! The permission cases fail, never skip, where file permissions cannot be
//! made to hold (root without `setpriv`); `docs/reliability.md` lists both.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

// The fail-closed attacks, one module per stage they target.
#[path = "reliability/discovery.rs"]
mod discovery;
#[path = "reliability/escaping.rs"]
mod escaping;
#[path = "reliability/formats.rs"]
mod formats;
#[path = "reliability/outputs.rs"]
mod outputs;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use release_gate_scan::hash::sha256_hex;
use support::{read_tree, xtask, xtask_command, Output, DEFAULT_MANIFEST, DEFAULT_REPORT_DIR};

const GATE: &[&str] = &["release-gate", "--release", "v1.0.0", "--require", "security"];

fn args(extra: &[&str]) -> Vec<String> {
    GATE.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn evidence(domain: &str, status: &str) -> String {
    format!("{{\"domain\": \"{domain}\", \"release\": \"v1.0.0\", \"status\": \"{status}\"}}\n")
}

/// A one-package workspace holding `files`.
fn workspace(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let ws = tempfile::Builder::new().prefix("release-gate-reliability-").tempdir().unwrap();
    fs::write(ws.path().join("Cargo.toml"), DEFAULT_MANIFEST).unwrap();
    fs::write(ws.path().join("lib.rs"), "").unwrap();
    for (rel, bytes) in files {
        let path = ws.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, bytes).unwrap();
    }
    ws
}

fn security_ok() -> (&'static str, Vec<u8>) {
    ("test_artifacts/security/latest/security.json", evidence("security", "passed").into_bytes())
}

/// The outcome every bad input must have: the expected exit code (never 0,
/// never a panic), the message on the expected stream.
#[track_caller]
fn assert_fails_closed(out: &Output, exit: i32, message: &str) {
    assert_ne!(out.exit, 101, "the gate panicked:\n{}", out.stderr);
    assert_eq!(out.exit, exit, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    let stream = if exit == 2 { &out.stderr } else { &out.stdout };
    assert!(stream.contains(message), "expected `{message}` in:\n{stream}");
}

/// Every file `SHA256SUMS` names still has its digest, and the JSON parses:
/// the report is complete.
#[track_caller]
fn assert_complete_report(dir: &Path) {
    let sums = fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let mut named = 0;
    for line in sums.lines() {
        let (sha, name) = line.split_once("  ").unwrap();
        assert_eq!(sha256_hex(&fs::read(dir.join(name)).unwrap()), sha, "`{name}` is torn");
        named += 1;
    }
    assert_eq!(named, 5, "{sums}");
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("production_maturity.json")).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 1);
}

/// The whole tree except the report folder, to prove the evidence is untouched.
fn evidence_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    read_tree(root)
        .into_iter()
        .filter(|(k, _)| !k.starts_with("test_artifacts/production"))
        .collect()
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.to_string()))
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
}

/// How to run the gate so that file permissions hold: root bypasses them, so
/// as root the gate runs with `CAP_DAC_OVERRIDE` and `CAP_DAC_READ_SEARCH`
/// dropped (util-linux `setpriv`); it still is uid 0 and finds its toolchain.
/// Fails the test when permissions cannot be made to hold here.
fn permission_wrapper() -> Vec<&'static str> {
    if !is_root() {
        return Vec::new();
    }
    let wrapper = vec![
        "setpriv",
        "--bounding-set=-dac_override,-dac_read_search",
        "--inh-caps=-dac_override,-dac_read_search",
    ];
    // Prove the drop works: reading a mode-000 file must fail.
    let probe = tempfile::tempdir().unwrap();
    let file = probe.path().join("probe");
    fs::write(&file, "x").unwrap();
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).unwrap();
    let read = Command::new(wrapper[0])
        .args(&wrapper[1..])
        .arg("cat")
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    assert!(
        read.is_ok_and(|status| !status.success()),
        "needs file permissions that hold: running as root, and `setpriv` cannot drop CAP_DAC_OVERRIDE here; run the tests as a normal user"
    );
    wrapper
}

fn run_wrapped(ws: &Path, args: &[String], wrapper: &[&str]) -> Output {
    let out = xtask_command(ws, args, wrapper).output().unwrap();
    Output {
        exit: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the gate, killing it (and failing) if it takes longer than `limit`.
fn run_with_deadline(ws: &Path, args: &[String], limit: Duration) -> Output {
    let mut child =
        xtask_command(ws, args, &[]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("the gate hung for more than {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().unwrap();
    Output {
        exit: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn unreadable_file_and_folder_are_invalid() {
    let wrapper = permission_wrapper();
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[
        (ok, &ok_bytes),
        ("test_artifacts/security/latest/secret.json", b"{\"status\": \"failed\"}"),
        ("test_artifacts/security/latest/nested/more.json", b"{\"status\": \"failed\"}"),
    ]);
    let latest = ws.path().join("test_artifacts/security/latest");
    fs::set_permissions(latest.join("secret.json"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(latest.join("nested"), fs::Permissions::from_mode(0o000)).unwrap();
    let out = run_wrapped(ws.path(), &args(&[]), &wrapper);
    fs::set_permissions(latest.join("nested"), fs::Permissions::from_mode(0o755)).unwrap();
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest/secret.json` is not valid evidence: cannot open it: Permission denied (os error 13)",
    );
    assert!(
        out.stdout.contains("blocker `security.invalid`: `test_artifacts/security/latest/nested` is not valid evidence: it is a folder that cannot be listed: Permission denied (os error 13)"),
        "{}",
        out.stdout
    );
    assert_complete_report(&ws.path().join(DEFAULT_REPORT_DIR));
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "`mkfifo {}` failed", path.display());
}

#[test]
fn fifo_named_json_does_not_hang() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    let fifo = ws.path().join("test_artifacts/security/latest/x.json");
    mkfifo(&fifo);
    let message = "`test_artifacts/security/latest/x.json` is not valid evidence: it is a special file (FIFO, socket or device), not a regular file";
    let out = run_with_deadline(ws.path(), &args(&[]), Duration::from_secs(30));
    assert_fails_closed(&out, 1, message);
    let explicit = args(&["--artifact", "security=test_artifacts/security/latest/x.json"]);
    let out = run_with_deadline(ws.path(), &explicit, Duration::from_secs(30));
    assert_fails_closed(&out, 1, message);
}

#[test]
fn symlink_loops_fail_closed() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    let latest = ws.path().join("test_artifacts/security/latest");
    // A file that is a symlink to itself, and a folder cycle.
    symlink("loop.json", latest.join("loop.json")).unwrap();
    symlink(".", latest.join("again")).unwrap();
    let out = run_with_deadline(ws.path(), &args(&[]), Duration::from_secs(30));
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest/loop.json` is not valid evidence: cannot read it: Too many levels of symbolic links (os error 40)",
    );
    let report =
        fs::read_to_string(ws.path().join(DEFAULT_REPORT_DIR).join("production_maturity.json"))
            .unwrap();
    assert!(report.contains("a folder already walked (symlink cycle)"), "{report}");
    // The folder cycle did not make the real file count twice.
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(json["domains"]["security"]["artifacts"].as_array().unwrap().len(), 2);
}

#[test]
fn latest_outside_the_root_is_refused_but_an_explicit_path_is_allowed() {
    let outside = tempfile::tempdir().unwrap();
    fs::create_dir_all(outside.path().join("latest")).unwrap();
    fs::write(outside.path().join("latest/security.json"), evidence("security", "passed")).unwrap();
    let ws = workspace(&[]);
    fs::create_dir_all(ws.path().join("test_artifacts/security")).unwrap();
    symlink(outside.path().join("latest"), ws.path().join("test_artifacts/security/latest"))
        .unwrap();
    let out = xtask(ws.path(), &args(&[]), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest` is not valid evidence: refused: it resolves outside the artifacts root (a symlink out of the evidence tree); put the evidence itself under the artifacts root",
    );
    // Named on the command line, the same file is the user's choice.
    let file = outside.path().join("latest/security.json");
    let explicit = args(&["--artifact", &format!("security={}", file.display())]);
    let out = xtask(ws.path(), &explicit, &[]);
    assert_eq!(out.exit, 0, "{}{}", out.stdout, out.stderr);
}

#[test]
fn a_file_reached_through_two_domains_counts_once() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    fs::create_dir_all(ws.path().join("test_artifacts/docs/latest")).unwrap();
    symlink(
        "../../security/latest/security.json",
        ws.path().join("test_artifacts/docs/latest/docs.json"),
    )
    .unwrap();
    let out = xtask(ws.path(), &args(&["--require", "security,docs"]), &[]);
    // It counts for `security` (the real file); `docs` holds no evidence of
    // its own, so it does not pass.
    assert_fails_closed(
        &out,
        1,
        "blocker `docs.invalid`: `test_artifacts/docs/latest/docs.json` is not valid evidence: refused: a symlink to `test_artifacts/security/latest/security.json`, which is evidence for `security`; a file counts once, for one domain, so `docs` cannot pass on it",
    );
    assert!(!out.stdout.contains("blocker `security"), "{}", out.stdout);
}

#[test]
fn dotdot_after_a_symlink_is_a_usage_error() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes), ("elsewhere/deep/x", b"")]);
    fs::write(ws.path().join("elsewhere/security.json"), evidence("security", "failed")).unwrap();
    // `link/..` is `elsewhere/` to the system, the workspace root to a
    // lexical reading: the report must never name one file and read another.
    symlink("elsewhere/deep", ws.path().join("link")).unwrap();
    let out = xtask(ws.path(), &args(&["--artifact", "security=link/../security.json"]), &[]);
    assert_fails_closed(
        &out,
        2,
        "error: `--artifact security=link/../security.json`: the system resolves this path to another file than `security.json` (a symlink or a missing folder before `..`); pass the path without `..`",
    );
    assert!(!ws.path().join(DEFAULT_REPORT_DIR).exists());
}

#[test]
fn control_characters_in_names_are_refused() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[
        (ok, &ok_bytes),
        ("test_artifacts/security/latest/x\n::error::forged.json", b"{\"status\": \"failed\"}"),
    ]);
    // And a name that is not UTF-8, which the report could not spell.
    use std::os::unix::ffi::OsStrExt;
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9.json");
    fs::write(ws.path().join("test_artifacts/security/latest").join(latin1), b"{}").unwrap();
    let out = xtask(ws.path(), &args(&[]), &[]);
    assert!(
        out.stdout.contains("blocker `security.invalid`: `test_artifacts/security/latest/caf\u{fffd}.json` is not valid evidence: refused: the name is not UTF-8"),
        "{}",
        out.stdout
    );
    // Refused as invalid evidence of its domain, under an escaped name: a
    // failing file cannot hide behind its name, and no line of output starts
    // where the name wanted.
    assert_fails_closed(
        &out,
        1,
        "blocker `security.invalid`: `test_artifacts/security/latest/x\\n::error::forged.json` is not valid evidence: refused: the name is not UTF-8 or holds control characters",
    );
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    for (name, bytes) in read_tree(&report) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert!(!text.lines().any(|l| l.starts_with("::error::")), "{name}:\n{text}");
    }
    assert!(!out.stdout.lines().any(|l| l.starts_with("::error::")), "{}", out.stdout);
    assert_complete_report(&report);
}

#[test]
fn huge_strings_and_deep_nesting_fail_closed() {
    let ten_mb = "a".repeat(10 * 1024 * 1024);
    let status =
        format!("{{\"domain\": \"security\", \"release\": \"v1.0.0\", \"status\": \"{ten_mb}\"}}");
    let deep = format!(
        "{{\"status\": \"passed\", \"x\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let ws = workspace(&[
        ("test_artifacts/security/latest/status.json", status.as_bytes()),
        ("test_artifacts/docs/latest/string.json", format!("\"{ten_mb}\"").as_bytes()),
        ("test_artifacts/governance/latest/deep.json", deep.as_bytes()),
    ]);
    let out = xtask(ws.path(), &args(&["--require", "security,docs,governance"]), &[]);
    assert_fails_closed(
        &out,
        1,
        "blocker `docs.invalid`: `test_artifacts/docs/latest/string.json` is not valid evidence: invalid type: expected a JSON object (the evidence document) at line 1 column 1",
    );
    assert!(out.stdout.contains("blocker `governance.invalid`: `test_artifacts/governance/latest/deep.json` is not valid evidence: recursion limit exceeded at line 1 column 153"), "{}", out.stdout.len());
    let shown = format!(
        "status `{}... (10485760 bytes in all)` is not a known status word",
        "a".repeat(100)
    );
    assert!(out.stdout.contains(&shown), "{}", out.stdout.len());
    // Nothing echoes 10 MB: not the terminal, not the report.
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    let report_bytes: usize = read_tree(&report).values().map(Vec::len).sum();
    assert!(out.stdout.len() < 10_000, "stdout is {} bytes", out.stdout.len());
    assert!(report_bytes < 100_000, "the report is {report_bytes} bytes");
    assert_complete_report(&report);
}

#[test]
fn read_only_output_folder_is_an_error_and_keeps_the_old_report() {
    let wrapper = permission_wrapper();
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    assert_eq!(xtask(ws.path(), &args(&[]), &[]).exit, 0);
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    let old = read_tree(&report);
    fs::write(ws.path().join(ok), evidence("security", "failed")).unwrap();
    fs::set_permissions(&report, fs::Permissions::from_mode(0o555)).unwrap();
    let out = run_wrapped(ws.path(), &args(&[]), &wrapper);
    fs::set_permissions(&report, fs::Permissions::from_mode(0o755)).unwrap();
    assert_fails_closed(
        &out,
        2,
        "error: cannot write `test_artifacts/production_maturity/report/production_maturity.json`; the previous report is unchanged: Permission denied (os error 13)",
    );
    assert_eq!(read_tree(&report), old, "the old report changed");
}

/// A tmpfs of `size` mounted on a fresh folder, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(mounted, "cannot mount a tmpfs here (needs root and mount permission)");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills the file system up to `leave` bytes free (within a page).
    fn fill(&self, leave: u64) {
        let filler = self.path().join("filler");
        let mut file = fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 4096];
        use std::io::Write;
        while file.write_all(&chunk).is_ok() {}
        drop(file);
        // Give back `leave` bytes.
        let len = fs::metadata(&filler).unwrap().len();
        fs::OpenOptions::new()
            .write(true)
            .open(&filler)
            .unwrap()
            .set_len(len.saturating_sub(leave))
            .unwrap();
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
#[ignore = "needs root with mount permission (mounts a tmpfs)"]
fn disk_full_is_an_error_and_keeps_the_old_report() {
    let tmpfs = Tmpfs::mount("256k");
    let out_dir = tmpfs.path().join("report");
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    let gate = args(&["--output-dir", out_dir.to_str().unwrap()]);
    assert_eq!(xtask(ws.path(), &gate, &[]).exit, 0);
    let old = read_tree(&out_dir);
    fs::write(ws.path().join(ok), evidence("security", "failed")).unwrap();
    let before = evidence_tree(ws.path());
    tmpfs.fill(0);
    let out = xtask(ws.path(), &gate, &[]);
    assert_fails_closed(
        &out,
        2,
        "/production_maturity.json`; the previous report is unchanged: No space left on device (os error 28)",
    );
    assert_eq!(read_tree(&out_dir), old, "the old report changed, or a temporary file was left");
    assert_eq!(evidence_tree(ws.path()), before);
}

/// Disk full after the first report file: today `write.rs` renames each file
/// as soon as it is written, so the folder mixes a new JSON with the old
/// Markdown and `SHA256SUMS`: the two-phase write (every temporary file
/// first, renames only when all are written) keeps the old set whole.
#[test]
#[ignore = "needs root with mount permission (mounts a tmpfs)"]
fn disk_full_between_report_files_keeps_the_old_report() {
    let tmpfs = Tmpfs::mount("256k");
    let out_dir = tmpfs.path().join("report");
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    let gate = args(&["--output-dir", out_dir.to_str().unwrap()]);
    assert_eq!(xtask(ws.path(), &gate, &[]).exit, 0);
    let old = read_tree(&out_dir);
    fs::write(ws.path().join(ok), evidence("security", "failed")).unwrap();
    // Room for the new JSON (a few pages), not for the rest.
    let json = old["production_maturity.json"].len() as u64;
    tmpfs.fill(json.div_ceil(4096) * 4096 + 4096);
    let out = xtask(ws.path(), &gate, &[]);
    assert_eq!(out.exit, 2, "{}", out.stderr);
    assert_eq!(read_tree(&out_dir), old, "the report folder mixes old and new files");
}

/// The position of `pid`'s open file description on `target`, if it has one.
fn read_position(pid: u32, target: &Path) -> Option<u64> {
    for entry in fs::read_dir(format!("/proc/{pid}/fd")).ok()? {
        let entry = entry.ok()?;
        if fs::read_link(entry.path()).ok().as_deref() != Some(target) {
            continue;
        }
        let info = fs::read_to_string(format!(
            "/proc/{pid}/fdinfo/{}",
            entry.file_name().to_string_lossy()
        ))
        .ok()?;
        return info
            .lines()
            .find_map(|l| l.strip_prefix("pos:"))
            .and_then(|p| p.trim().parse().ok());
    }
    None
}

fn spawn_gate(ws: &Path, args: &[String]) -> Child {
    xtask_command(ws, args, &[]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap()
}

#[test]
fn killed_while_hashing_leaves_the_old_report_intact() {
    let (ok, ok_bytes) = security_ok();
    let ws = workspace(&[(ok, &ok_bytes)]);
    assert_eq!(xtask(ws.path(), &args(&[]), &[]).exit, 0);
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    let old = read_tree(&report);
    // A 4 GiB artifact (sparse: no disk used) takes seconds to hash.
    let big = ws.path().join("test_artifacts/security/latest/big.json");
    let size = 4u64 << 30;
    fs::File::create(&big).unwrap().set_len(size).unwrap();
    let big = big.canonicalize().unwrap();
    let before = evidence_tree_meta(ws.path());

    let mut child = spawn_gate(ws.path(), &args(&[]));
    let start = Instant::now();
    let killed_at = loop {
        if let Some(pos) = read_position(child.id(), &big) {
            if pos > 0 && pos < size {
                child.kill().unwrap();
                break pos;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the gate finished ({status}) before it could be seen hashing");
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never saw the gate hash");
        std::thread::sleep(Duration::from_millis(1));
    };
    child.wait().unwrap();
    assert!(killed_at < size);
    assert_eq!(read_tree(&report), old, "killed mid-hash, the old report changed");
    assert_eq!(evidence_tree_meta(ws.path()), before, "the evidence changed");
}

/// Names, sizes and (for small files) contents of the evidence tree: the big
/// sparse artifact is compared by size, not read.
fn evidence_tree_meta(root: &Path) -> BTreeMap<PathBuf, (u64, Option<Vec<u8>>)> {
    let mut out = BTreeMap::new();
    for entry in walk(&root.join("test_artifacts")) {
        if entry.starts_with(root.join(DEFAULT_REPORT_DIR)) {
            continue;
        }
        let len = fs::metadata(&entry).unwrap().len();
        let bytes = (len < 1 << 20).then(|| fs::read(&entry).unwrap());
        out.insert(entry, (len, bytes));
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn killed_at_any_moment_never_leaves_a_torn_report_file() {
    // Old report: security passed. New evidence: security failed. The new
    // report's bytes come from a complete run on an identical copy.
    let (ok, ok_bytes) = security_ok();
    let failed = evidence("security", "failed");
    let ws = workspace(&[(ok, &ok_bytes)]);
    assert_eq!(xtask(ws.path(), &args(&[]), &[]).exit, 0);
    let report = ws.path().join(DEFAULT_REPORT_DIR);
    let old = read_tree(&report);
    fs::write(ws.path().join(ok), &failed).unwrap();
    let reference = workspace(&[(ok, failed.as_bytes())]);
    let start = Instant::now();
    assert_eq!(xtask(reference.path(), &args(&[]), &[]).exit, 1);
    let full_run = start.elapsed();
    let new = read_tree(&reference.path().join(DEFAULT_REPORT_DIR));
    assert_ne!(old, new);

    let tries = 12u32;
    let mut mixed = 0;
    for i in 0..tries {
        for (name, bytes) in &old {
            fs::write(report.join(name), bytes).unwrap();
        }
        let mut child = spawn_gate(ws.path(), &args(&[]));
        std::thread::sleep(full_run * i / tries);
        let _ = child.kill();
        child.wait().unwrap();
        let now = read_tree(&report);
        for (name, bytes) in &now {
            if name.starts_with('.') {
                // A temporary file of a write the kill interrupted: never a
                // report file's name, never in SHA256SUMS.
                fs::remove_file(report.join(name)).unwrap();
                continue;
            }
            assert!(
                old.get(name) == Some(bytes) || new.get(name) == Some(bytes),
                "killed after {:?}: `{name}` is neither the old nor the new file",
                full_run * i / tries
            );
        }
        let files: Vec<_> = now.keys().filter(|k| !k.starts_with('.')).collect();
        assert_eq!(files, old.keys().collect::<Vec<_>>(), "a report file went missing");
        let is = |set: &BTreeMap<String, Vec<u8>>| set.iter().all(|(k, v)| now.get(k) == Some(v));
        if !is(&old) && !is(&new) {
            mixed += 1;
        }
    }
    if mixed > 0 {
        eprintln!(
            "notice: {mixed} of {tries} kills left old and new report files side by side (each whole; SHA256SUMS and `verify` flag it); see docs/reliability.md"
        );
    }
    assert_eq!(read_tree(ws.path().join("test_artifacts/security").as_path()).len(), 1);
}
