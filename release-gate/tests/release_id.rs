//! The release id a run defaults to: `--release`, else the version of the
//! package `release-package` names, else the version every publishable
//! member shares (an xtask with `publish = false` does not count), else an
//! error naming both fixes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::fs;

use support::xtask;

/// A workspace of `members` (name, version, publishable), with `policy`
/// lines under `[workspace.metadata.release-gate]`.
fn workspace(members: &[(&str, &str, bool)], policy: &str) -> tempfile::TempDir {
    let ws = tempfile::Builder::new().prefix("release-gate-id-").tempdir().unwrap();
    let names: Vec<String> = members.iter().map(|(n, _, _)| format!("\"{n}\"")).collect();
    fs::write(
        ws.path().join("Cargo.toml"),
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n[workspace.metadata.release-gate]\nrequired = [\"security\"]\n{policy}",
            names.join(", ")
        ),
    )
    .unwrap();
    for (name, version, publish) in members {
        let dir = ws.path().join(name);
        fs::create_dir_all(dir.join("src")).unwrap();
        let publish = if *publish { "" } else { "publish = false\n" };
        fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\nversion = \"{version}\"\nedition = \"2021\"\n{publish}"),
        )
        .unwrap();
        fs::write(dir.join("src/lib.rs"), "").unwrap();
    }
    ws
}

/// The first line of a gate run on an empty evidence tree (exit 1), or the
/// error (exit 2).
fn first_line(ws: &tempfile::TempDir) -> (i32, String) {
    let out = xtask(ws.path(), &["release-gate".to_string()], &[]);
    let text = if out.exit == 2 { out.stderr } else { out.stdout };
    (out.exit, text.lines().next().unwrap_or_default().to_string())
}

#[test]
fn the_xtask_does_not_count_for_the_release_id() {
    let ws = workspace(
        &[("lib-a", "1.2.0", true), ("lib-b", "1.2.0", true), ("xtask", "0.0.0", false)],
        "",
    );
    assert_eq!(
        first_line(&ws),
        (
            1,
            "release gate `v1.2.0`: level `blocked`, score 0 (0 of 1 required domains passed)"
                .to_string()
        )
    );
}

#[test]
fn release_package_names_the_version() {
    let ws = workspace(
        &[("lib-a", "1.2.0", true), ("lib-b", "0.4.1", true)],
        "release-package = \"lib-b\"\n",
    );
    assert_eq!(
        first_line(&ws).1,
        "release gate `v0.4.1`: level `blocked`, score 0 (0 of 1 required domains passed)"
    );
}

#[test]
fn no_shared_version_is_an_error_naming_both_fixes() {
    let fixes = "; pass `--release ID`, or name the package whose version is the release's with `release-package = \"NAME\"` in [workspace.metadata.release-gate]";
    let ws = workspace(&[("lib-a", "1.2.0", true), ("lib-b", "0.4.1", true)], "");
    assert_eq!(
        first_line(&ws),
        (2, format!("error: cannot default the release id: the publishable members have different versions (`0.4.1`, `1.2.0`){fixes}"))
    );
    let ws = workspace(&[("xtask", "0.1.0", false)], "");
    assert_eq!(
        first_line(&ws),
        (2, format!("error: cannot default the release id: the workspace has no publishable member (every member has `publish = false`){fixes}"))
    );
    let ws = workspace(&[("lib-a", "1.2.0", true)], "release-package = \"nope\"\n");
    assert_eq!(
        first_line(&ws),
        (2, format!("error: cannot default the release id: `release-package` in [workspace.metadata.release-gate] names `nope`, which is not a member of the workspace{fixes}"))
    );
    // `--release` needs none of it.
    let out = xtask(ws.path(), &["release-gate", "--release", "v9"].map(String::from), &[]);
    assert_eq!(out.exit, 1, "{}", out.stderr);
}
