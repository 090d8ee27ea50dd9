//! Paths as the report shows them: relative to the workspace root, with `/`,
//! whatever the working directory or the platform.

#![deny(clippy::arithmetic_side_effects)]

use std::path::{Component, Path, PathBuf};

/// Where discovery looks for evidence, under the workspace root.
pub const DEFAULT_ARTIFACTS_ROOT: &str = "test_artifacts";
/// Where the report goes, under the workspace root.
pub const DEFAULT_OUTPUT_DIR: &str = "test_artifacts/production_maturity/report";

/// The report folder: `dir` as given (relative to `cwd`), else the default
/// one under the workspace `root`.
pub fn output_dir(root: &Path, cwd: &Path, dir: Option<&Path>) -> PathBuf {
    dir.map_or_else(|| root.join(DEFAULT_OUTPUT_DIR), |dir| absolute(cwd, dir))
}

/// The file extensions read as evidence; the content decides the format. A
/// file with one of these under an evidence folder counts or blocks.
pub const EXTENSIONS: &[&str] = &[
    "json", "jsonl", "ndjson", "sarif", "xml", "junit", "cdx", "spdx", "intoto", "dsse", "sigstore",
];

/// Is `path` evidence by its name (one of [`EXTENSIONS`], any case)?
pub fn evidence_like(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| EXTENSIONS.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// The name is not UTF-8 or holds control characters (`\n`, ESC, ...): no
/// report or log line can show it as it is.
pub fn bad_name(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_str().is_none_or(release_gate_scan::text::has_control))
}

/// `path` made absolute against `base` and normalized lexically (`.` dropped,
/// `..` applied). No file-system access: the result is for comparison and
/// display; I/O uses the path as the user gave it.
pub fn absolute(base: &Path, path: &Path) -> PathBuf {
    let joined = base.join(path);
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// How the report names `abs` (an absolute, normalized path): relative to
/// `root`, with `..` steps when it lies outside, joined with `/`.
pub fn display(root: &Path, abs: &Path) -> String {
    let root: Vec<Component> = root.components().collect();
    let path: Vec<Component> = abs.components().collect();
    let common = root.iter().zip(&path).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..root.len() {
        parts.push("..".to_string());
    }
    for component in path.iter().skip(common) {
        parts.push(component.as_os_str().to_string_lossy().into_owned());
    }
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// `path` lies in `folder`, as named or by real path (through any symlink
/// of either, or of a parent).
pub fn inside(path: &Path, folder: &Path) -> bool {
    path.starts_with(folder) || resolve(path).starts_with(resolve(folder))
}

/// `path` with symlinks resolved as far as it exists, the rest appended: the
/// real location of a folder that may not have been created yet.
pub fn resolve(path: &Path) -> PathBuf {
    let mut existing = path.to_path_buf();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_root_relative() {
        let root = Path::new("/w/repo");
        let check = |p: &str, want: &str| {
            assert_eq!(display(root, &absolute(Path::new("/w/repo/sub"), Path::new(p))), want)
        };
        check("a/./b.json", "sub/a/b.json");
        check("../test_artifacts/x.json", "test_artifacts/x.json");
        check("../../other/x.json", "../other/x.json");
        check("/elsewhere/x.json", "../../elsewhere/x.json");
        check("..", ".");
    }
}
