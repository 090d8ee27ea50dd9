//! The README's runnable commands parse: every `cargo xtask ...` line of
//! its `sh` blocks is a valid command line (this repository's own docs
//! check, configured as a `docs` command in the root `Cargo.toml`).

use std::io::Write;

use anyhow::{Context, Result};
use clap::{Args, Parser};
use xshell::Shell;

/// `cargo xtask readme-check`: every `cargo xtask` command in README.md's
/// `sh` blocks parses; exit 1 naming each that does not.
#[derive(Debug, Args)]
pub struct ReadmeCheck {}

impl ReadmeCheck {
    pub fn run(self, sh: &Shell) -> Result<u8> {
        let path = sh.current_dir().join("README.md");
        let readme = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read `{}`", path.display()))?;
        let (checked, bad) = readme_commands(&readme);
        let mut out = String::new();
        for line in &bad {
            out.push_str(&format!("error: {}\n", release_gate::gate::escape::terminal(line)));
        }
        out.push_str(&format!(
            "README.md: {checked} `cargo xtask` command(s) checked, {} do not parse\n",
            bad.len()
        ));
        let _ = std::io::stdout().write_all(out.as_bytes());
        Ok(if bad.is_empty() && checked > 0 { 0 } else { 1 })
    }
}

/// Every `cargo xtask` command in the README's `sh` code blocks (the blocks
/// the README marks as runnable) must parse as a valid command line: the
/// gate's commands by the library's parser, this host's by its own.
pub fn readme_commands(readme: &str) -> (usize, Vec<String>) {
    let mut in_sh = false;
    let mut lines: Vec<String> = Vec::new();
    let mut pending = String::new();
    for line in readme.lines() {
        let trimmed = line.trim();
        if let Some(lang) = trimmed.strip_prefix("```") {
            in_sh = !in_sh && matches!(lang.trim(), "sh" | "bash" | "shell");
            continue;
        }
        if !in_sh {
            continue;
        }
        let code = match trimmed.find(" #") {
            Some(at) => trimmed.get(..at).unwrap_or(trimmed).trim_end(),
            None => trimmed,
        };
        match code.strip_suffix('\\') {
            Some(head) => pending.push_str(head),
            None => {
                pending.push_str(code);
                if pending.trim_start().starts_with("cargo xtask ") {
                    lines.push(pending.trim().to_string());
                }
                pending.clear();
            }
        }
    }
    let mut bad = Vec::new();
    let mut checked = 0usize;
    for line in &lines {
        let words = match shell_words(line) {
            Some(words) => words,
            None => {
                bad.push(format!("`{line}`: unbalanced quotes"));
                continue;
            }
        };
        checked += 1;
        let gate = words.get(2).is_some_and(|c| release_gate::COMMANDS.contains(&c.as_str()));
        let args = std::iter::once("cargo xtask".to_string()).chain(words.into_iter().skip(2));
        let parsed = if gate {
            release_gate::flags::Xtask::try_parse_from(args).map(drop)
        } else {
            crate::Xtask::try_parse_from(args).map(drop)
        };
        if let Err(e) = parsed {
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            bad.push(format!("`{line}`: {first}"));
        }
    }
    (checked, bad)
}

/// Splits a command line into words: whitespace, single and double quotes.
fn shell_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (None, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if started {
        words.push(word);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_commands_parse_or_say_why() {
        let readme = "text\n```sh\ncargo xtask release-gate --stubs   # the main job\ncargo test --workspace\ncargo xtask release-gate --release v1 \\\n  --artifact 'docs=a b.json'\ncargo xtask release-gate --no-such-flag\ncargo xtask bench --quick\ncargo xtask bnech\n```\n```text\ncargo xtask nonsense\n```\n";
        let (checked, bad) = readme_commands(readme);
        assert_eq!(checked, 5);
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].starts_with("`cargo xtask release-gate --no-such-flag`: error: unexpected argument '--no-such-flag'"), "{bad:?}");
        assert!(
            bad[1].starts_with("`cargo xtask bnech`: error: unrecognized subcommand 'bnech'"),
            "{bad:?}"
        );
    }

    #[test]
    fn shell_words_split_like_sh() {
        assert_eq!(
            shell_words("a 'b c' \"d\"e ''"),
            Some(vec!["a".into(), "b c".into(), "de".into(), "".into()])
        );
        assert_eq!(shell_words("a 'b"), None);
    }

    /// This README: every `cargo xtask` command in it parses.
    #[test]
    fn the_readme_commands_parse() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let (checked, bad) = readme_commands(&readme);
        assert!(checked >= 8, "{checked}");
        assert_eq!(bad, Vec::<String>::new());
    }
}
