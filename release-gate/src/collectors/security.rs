//! security: `cargo audit --json` and `cargo deny check advisories` when
//! installed with their advisory database; their own JSON is the evidence.

use anyhow::Result;
use serde_json::Value;
use xshell::cmd;

use super::{cargo, has_cargo_tool, run, say, tail, Collected, Ctx};

pub fn collect(ctx: &Ctx) -> Result<Collected> {
    let sh = ctx.sh;
    let cargo = cargo();
    let mut out = Collected::default();
    let mut why = Vec::new();
    let audit = !ctx.skipped("cargo-audit");
    if audit && has_cargo_tool(sh, "audit") {
        say("evidence security: cargo-audit (cargo audit --json)");
        let audit = run(cmd!(sh, "{cargo} audit --json"))?;
        match serde_json::from_slice::<Value>(&audit.stdout) {
            Ok(doc) if doc.get("database").is_some() => {
                out.files.push(("cargo-audit.json".to_string(), audit.stdout))
            }
            _ => why.push(format!(
                "cargo-audit could not run (no advisory database offline?): {}",
                tail(&audit.stderr, 2)
            )),
        }
    } else if audit {
        why.push("cargo-audit is not installed (`cargo install cargo-audit --locked`)".to_string());
    }
    let deny = !ctx.skipped("cargo-deny");
    if deny && has_cargo_tool(sh, "deny") {
        say("evidence security: cargo-deny (cargo deny check advisories)");
        let deny = run(cmd!(sh, "{cargo} deny --format json check advisories"))?;
        if String::from_utf8_lossy(&deny.stderr).contains("\"type\":\"summary\"") {
            out.files.push(("cargo-deny-advisories.jsonl".to_string(), deny.stderr));
        } else {
            why.push(format!("cargo-deny could not check advisories: {}", tail(&deny.stderr, 2)));
        }
    } else if deny {
        why.push("cargo-deny is not installed (`cargo install cargo-deny --locked`)".to_string());
    }
    if !why.is_empty() {
        out.nothing = Some(why.join("; "));
    }
    Ok(out)
}
