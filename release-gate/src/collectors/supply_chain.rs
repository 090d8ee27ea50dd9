//! supply_chain: `Cargo.lock` tracked by git with a checksum for every
//! registry package, `cargo deny check licenses bans sources` (with the
//! host's `deny.toml` when it has one), and a CycloneDX SBOM of every
//! publishable member from cargo-cyclonedx when installed.

use std::fs;

use anyhow::Result;
use xshell::cmd;

use super::{cargo, has_cargo_tool, run, say, tail, Check, Collected, Ctx};

pub fn collect(ctx: &Ctx) -> Result<Collected> {
    let sh = ctx.sh;
    let cargo = cargo();
    let root = sh.current_dir();
    let mut out = Collected { tools: vec!["Cargo.lock"], ..Collected::default() };
    if !ctx.skipped("lockfile") {
        // Committed means tracked by git, not merely present on disk.
        let tracked = run(cmd!(sh, "git ls-files --error-unmatch Cargo.lock"))?;
        out.checks.push(if tracked.status.success() {
            Check::new("lockfile", true, "`Cargo.lock` is tracked by git")
        } else if root.join("Cargo.lock").is_file() {
            Check::new("lockfile", false, "`Cargo.lock` exists but git does not track it: remove it from `.gitignore` and commit it, so every build resolves the same versions")
        } else {
            Check::new("lockfile", false, "`Cargo.lock` is missing: run `cargo generate-lockfile` and commit it")
        });
    }
    if !ctx.skipped("checksums") {
        if let Ok(text) = fs::read_to_string(root.join("Cargo.lock")) {
            out.checks.push(lock_checksums(&text));
        }
    }
    let wanted = !ctx.skipped("cargo-deny");
    if wanted && has_cargo_tool(sh, "deny") {
        say("evidence supply_chain: cargo-deny (cargo deny check licenses bans sources)");
        let deny = run(cmd!(sh, "{cargo} deny --format json check licenses bans sources"))?;
        out.tools.push("cargo-deny");
        out.files.push(("cargo-deny.jsonl".to_string(), deny.stderr));
    } else if wanted {
        out.checks.push(Check::not_run(
            "cargo-deny",
            "cargo-deny is not installed (`cargo install cargo-deny --locked`)",
        ));
    }
    let wanted = !ctx.skipped("sbom");
    if wanted && has_cargo_tool(sh, "cyclonedx") {
        say("evidence supply_chain: sbom (cargo cyclonedx --format json)");
        let sbom = run(cmd!(sh, "{cargo} cyclonedx --format json --spec-version 1.5"))?;
        out.tools.push("cargo-cyclonedx");
        let mut missing = Vec::new();
        for member in ctx.project.members.iter().filter(|m| m.publishable) {
            let name = format!("{}.cdx.json", member.name);
            match fs::read(member.dir.join(&name)) {
                Ok(bytes) => out.files.push((name, bytes)),
                Err(_) => missing.push(member.name.clone()),
            }
        }
        let passed = sbom.status.success() && missing.is_empty();
        out.checks.push(Check::new(
            "sbom",
            passed,
            if missing.is_empty() {
                tail(&sbom.stderr, 1)
            } else {
                format!("no SBOM was written for {}: {}", missing.join(", "), tail(&sbom.stderr, 3))
            },
        ));
    } else if wanted {
        out.checks.push(Check::not_run(
            "sbom",
            "cargo-cyclonedx is not installed (`cargo install cargo-cyclonedx --locked`)",
        ));
    }
    Ok(out)
}

/// Every package from a registry carries a checksum in `Cargo.lock`.
fn lock_checksums(text: &str) -> Check {
    #[derive(serde::Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: String,
        source: Option<String>,
        checksum: Option<String>,
    }
    let lock: Lock = match toml::from_str(text) {
        Ok(lock) => lock,
        Err(e) => {
            return Check::new("checksums", false, format!("`Cargo.lock` does not parse: {e}"))
        }
    };
    let registry: Vec<&Package> = lock
        .package
        .iter()
        .filter(|p| p.source.as_deref().is_some_and(|s| s.starts_with("registry+")))
        .collect();
    let missing: Vec<String> = registry
        .iter()
        .filter(|p| p.checksum.is_none())
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    let other: Vec<String> = lock
        .package
        .iter()
        .filter(|p| p.source.as_deref().is_some_and(|s| !s.starts_with("registry+")))
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    let passed = missing.is_empty() && other.is_empty();
    let detail = if passed {
        format!("{} registry packages, each with a checksum", registry.len())
    } else {
        format!(
            "without checksum: {}; not from a registry: {}",
            missing.join(", "),
            other.join(", ")
        )
    };
    Check::new("checksums", passed, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_checksums_find_packages_without_one() {
        let lock = "version = 4\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"00\"\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n[[package]]\nname = \"local\"\nversion = \"0.1.0\"\n";
        let check = lock_checksums(lock);
        assert_eq!(
            (check.status, check.detail.as_str()),
            ("failed", "without checksum: b@2.0.0; not from a registry: ")
        );
    }
}
