//! The stub generator end to end: the real binary, real files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn stubs(cwd: &Path, args: &[&str]) -> Output {
    // The generator as `release-gate --stubs` runs it: the binary's hidden
    // `stub-evidence` mode.
    Command::new(env!("CARGO_BIN_EXE_release-gate"))
        .arg("stub-evidence")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

const LAYOUT: [&str; 7] = [
    "benchmarks/latest/benchmarks.json",
    "connectors/latest/certification.json",
    "docs/latest/docs.json",
    "governance/latest/governance.json",
    "replay/latest/replay.json",
    "security/latest/security.json",
    "supply_chain/latest/supply_chain.json",
];

#[test]
fn same_arguments_same_bytes_and_every_stub_is_marked() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let out_a = stubs(a.path(), &["--release", "v9.9.9", "--out", "stubs"]);
    let out_b = stubs(b.path(), &["--release", "v9.9.9", "--out", "stubs"]);
    assert!(out_a.status.success(), "{}", String::from_utf8_lossy(&out_a.stderr));
    assert_eq!(out_a.stdout, out_b.stdout);
    let (ta, tb) = (tree(&a.path().join("stubs")), tree(&b.path().join("stubs")));
    assert_eq!(ta, tb);
    assert_eq!(ta.keys().map(String::as_str).collect::<Vec<_>>(), LAYOUT);
    for (name, bytes) in &ta {
        let doc: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(doc["provenance"], "stub", "{name}");
        assert_eq!(doc["status"], "passed", "{name}");
        assert_eq!(doc["release"], "v9.9.9", "{name}");
        assert_eq!(doc["generator"], concat!("evidence-stubs ", env!("CARGO_PKG_VERSION")));
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains(&*a.path().to_string_lossy()), "{name} names an absolute path");
    }
}

#[test]
fn fail_omit_and_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let out = stubs(dir.path(), &["--release", "v1", "--out", "s"]);
    assert!(out.status.success());
    let out = stubs(
        dir.path(),
        &[
            "--release",
            "v1",
            "--out",
            "s",
            "--fail",
            "security",
            "--omit",
            "docs",
            "--invalid",
            "cdc",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = tree(&dir.path().join("s"));
    assert!(
        !files.contains_key("docs/latest/docs.json"),
        "an omitted domain's old stub is removed"
    );
    let security: serde_json::Value =
        serde_json::from_slice(&files["security/latest/security.json"]).unwrap();
    assert_eq!(security["status"], "failed");
    assert_eq!(security["checks"][0]["status"], "failed");
    assert!(
        serde_json::from_slice::<serde_json::Value>(&files["replay/latest/replay.json"]).is_err()
    );
    let replay = String::from_utf8_lossy(&files["replay/latest/replay.json"]).into_owned();
    assert!(
        replay.contains("\"provenance\": \"stub\""),
        "an invalid stub is still marked: {replay}"
    );
}

#[test]
fn refuses_the_real_evidence_tree_and_real_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = stubs(dir.path(), &["--release", "v1", "--out", "test_artifacts"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: refusing to write stubs into `test_artifacts`: `test_artifacts` holds real evidence; use a folder under `target/`\n"
    );
    assert!(!dir.path().join("test_artifacts").exists());

    let real = dir.path().join("s/security/latest/security.json");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::write(&real, "{\"status\": \"passed\"}\n").unwrap();
    let out = stubs(dir.path(), &["--release", "v1", "--out", "s"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: refusing to replace `s/security/latest/security.json`: it is not stub evidence (no top-level `\"provenance\": \"stub\"`); move it away or use another `--out`\n"
    );
    assert_eq!(fs::read_to_string(&real).unwrap(), "{\"status\": \"passed\"}\n");
    let out = stubs(dir.path(), &["--release", "v1", "--out", "s", "--omit", "security"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(real.exists());
}

#[test]
fn unknown_domain_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = stubs(dir.path(), &["--release", "v1", "--out", "s", "--fail", "secrity"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `--fail secrity`: unknown domain (known: certification, cdc, performance, security, supply_chain, governance, docs)\n"
    );
    assert!(!dir.path().join("s").exists());
}

/// `tests/cases/stub_quarantine` gates these stubs copied into
/// `test_artifacts/`: keep its input equal to what the generator writes
/// (`UPDATE_EXPECT=1` rewrites it, for example after a version bump).
#[test]
fn quarantine_case_holds_current_stubs() {
    let dir = tempfile::tempdir().unwrap();
    let out = stubs(dir.path(), &["--release", "v0.7.1-rc1", "--out", "s"]);
    assert!(out.status.success());
    let fresh = tree(&dir.path().join("s"));
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/cases/stub_quarantine/input/test_artifacts");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let _ = fs::remove_dir_all(&case);
        for (rel, bytes) in &fresh {
            let path = case.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, bytes).unwrap();
        }
    }
    assert_eq!(tree(&case), fresh, "stale stub case input: rerun with UPDATE_EXPECT=1");
}

/// The quarantine holds by real path: an `--out` (or one domain's `latest`
/// folder) that is a symlink into `test_artifacts` is refused before any
/// file is written.
#[test]
fn refuses_the_evidence_tree_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("test_artifacts/security/latest")).unwrap();
    fs::write(dir.path().join("test_artifacts/README"), "real\n").unwrap();
    std::os::unix::fs::symlink("test_artifacts", dir.path().join("out")).unwrap();
    let out = stubs(dir.path(), &["--release", "v1", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: refusing to write stubs into `out`: through a symlink it is inside a `test_artifacts` folder, which holds real evidence; use a folder under `target/`\n"
    );
    // One domain's `latest` folder a symlink into the evidence tree.
    fs::create_dir_all(dir.path().join("s/security")).unwrap();
    std::os::unix::fs::symlink(
        "../../test_artifacts/security/latest",
        dir.path().join("s/security/latest"),
    )
    .unwrap();
    let out = stubs(dir.path(), &["--release", "v1", "--out", "s"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: refusing to write `s/security/latest/security.json`: through a symlink it is inside a `test_artifacts` folder, which holds real evidence; use a folder under `target/`\n"
    );
    assert_eq!(tree(&dir.path().join("test_artifacts")).len(), 1);
    // Nothing was written for the other domains either.
    assert!(!dir.path().join("s/benchmarks").exists());
}

/// Only a file whose top-level `provenance` is `stub` is replaced or
/// removed: a nested marker, a symlink to a stub, or a FIFO are not stubs.
#[test]
fn only_top_level_stubs_are_replaced_or_removed() {
    let dir = tempfile::tempdir().unwrap();
    let latest = dir.path().join("s/security/latest");
    fs::create_dir_all(&latest).unwrap();
    let nested =
        "{\"status\": \"passed\", \"checks\": [{\"name\": \"x\", \"provenance\": \"stub\"}]}\n";
    fs::write(latest.join("security.json"), nested).unwrap();
    for extra in [&["--omit", "security"][..], &[][..]] {
        let mut args = vec!["--release", "v1", "--out", "s"];
        args.extend_from_slice(extra);
        let out = stubs(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "error: refusing to replace `s/security/latest/security.json`: it is not stub evidence (no top-level `\"provenance\": \"stub\"`); move it away or use another `--out`\n"
        );
        assert_eq!(fs::read_to_string(latest.join("security.json")).unwrap(), nested);
        assert!(!dir.path().join("s/benchmarks").exists(), "written before the refusal");
    }
    // A stub's own files are replaced and removed, the invalid one included.
    fs::remove_file(latest.join("security.json")).unwrap();
    let out = stubs(dir.path(), &["--release", "v1", "--out", "s", "--invalid", "security"]);
    assert_eq!(out.status.code(), Some(0));
    let out = stubs(dir.path(), &["--release", "v1", "--out", "s", "--omit", "security"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!latest.join("security.json").exists());
    // A symlink in a stub's place (to a stub elsewhere) is not a stub file.
    fs::write(dir.path().join("elsewhere.json"), "{\"provenance\": \"stub\"}\n").unwrap();
    std::os::unix::fs::symlink("../../../elsewhere.json", latest.join("security.json")).unwrap();
    let out = stubs(dir.path(), &["--release", "v1", "--out", "s", "--omit", "security"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("it is not stub evidence (not a regular file)"));
    assert!(fs::symlink_metadata(latest.join("security.json")).is_ok());
}
