//! Which format a document is, from its content (never its file name), and
//! the outcome of that format's rule.
//!
//! Order of decisions, for a document held in memory:
//! 1. Decode: strip a UTF-8 byte order mark; decode UTF-16 with a byte order
//!    mark (PowerShell's `>` writes it); anything else must be UTF-8.
//! 2. XML (first non-blank character `<`): JUnit when the root element is
//!    `testsuites` or `testsuite`, otherwise not evidence.
//! 3. JSON with a top-level `status` or `passed`: the gate's own evidence.
//! 4. Other JSON: the first tool format whose detector claims it (SARIF,
//!    CycloneDX, SPDX, OpenSSF Scorecard, cargo-audit, in-toto, criterion).
//! 5. JSON records of cargo-deny (lines, one object, or an array): cargo-deny.
//! 6. Anything else keeps the gate's own rule: not passed (no `status`), or
//!    invalid with the parser's position.

use serde_json::Value;

use super::{
    cargo_audit, cargo_deny, criterion, cyclonedx, intoto, junit, sarif, scorecard, spdx,
    FormatPolicy, Outcome,
};
use crate::gate::evidence::{self, Evidence, UTF8_BOM};

/// What a document turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Understood {
    /// Evidence in a known format, with its rule's outcome.
    Evidence(Box<Judged>),
    /// Not evidence in any supported format (the reason says what it is).
    Ignored(String),
    /// Claimed by a format (or the gate's own JSON) but not valid in it.
    Invalid(String),
}

/// One document's format and what its rule decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// `evidence` (the gate's own JSON) or the tool format's name.
    pub format: &'static str,
    pub outcome: Outcome,
    /// The gate's own fields, absent for tool formats.
    pub own: Option<Evidence>,
}

/// Where a document sits, for the rules that depend on its neighbours.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// criterion: a `change/estimates.json` sits beside this file's folder.
    pub has_criterion_change: bool,
}

pub fn understand(bytes: &[u8], policy: &FormatPolicy, ctx: Context) -> Understood {
    let text = match decode(bytes) {
        Ok(text) => text,
        Err(why) => return Understood::Invalid(why),
    };
    if text.trim_start().starts_with('<') {
        if junit::detect(&text) {
            return judged("junit", junit::check(&text, policy));
        }
        return Understood::Ignored(
            "XML that is not JUnit (root element is not `testsuites` or `testsuite`)".to_string(),
        );
    }
    let own = evidence::parse_str(&text);
    if let Ok(ev) = &own {
        if ev.own_format {
            return own_evidence(ev.clone());
        }
    }
    if let Ok(doc) = gate_scan::json::from_str(&text) {
        if let Some(understood) = tool_format(&doc, policy, ctx) {
            return understood;
        }
    }
    // cargo-deny writes a stream of JSON records (lines, one object, an array).
    if cargo_deny::detect(&text) {
        return judged("cargo-deny", cargo_deny::check(&text, policy));
    }
    match own {
        Ok(ev) => own_evidence(ev),
        Err(why) => Understood::Invalid(why),
    }
}

/// A JSON tool format: its name, its detector and its rule.
type JsonFormat =
    (&'static str, fn(&Value) -> bool, fn(&Value, &FormatPolicy) -> Result<Outcome, String>);

fn tool_format(doc: &Value, policy: &FormatPolicy, ctx: Context) -> Option<Understood> {
    let json_formats: [JsonFormat; 6] = [
        ("sarif", sarif::detect, sarif::check),
        ("cyclonedx", cyclonedx::detect, cyclonedx::check),
        ("spdx", spdx::detect, spdx::check),
        ("scorecard", scorecard::detect, scorecard::check),
        ("cargo-audit", cargo_audit::detect, cargo_audit::check),
        ("in-toto", intoto::detect, intoto::check),
    ];
    for (name, detect, check) in json_formats {
        if detect(doc) {
            return Some(judged(name, check(doc, policy)));
        }
    }
    match criterion::classify(doc)? {
        criterion::Kind::Change => Some(judged("criterion", criterion::check_change(doc, policy))),
        criterion::Kind::Estimates if ctx.has_criterion_change => Some(Understood::Ignored(
            "criterion estimates: judged through the benchmark's `change/estimates.json`".to_string(),
        )),
        criterion::Kind::Estimates => Some(Understood::Evidence(Box::new(Judged {
            format: "criterion",
            outcome: Outcome {
                warnings: vec!["criterion benchmark without `change/estimates.json`: no baseline to compare against".to_string()],
                ..Outcome::default()
            },
            own: None,
        }))),
        criterion::Kind::Support => Some(Understood::Ignored("criterion support file".to_string())),
    }
}

fn judged(format: &'static str, result: Result<Outcome, String>) -> Understood {
    match result {
        Ok(outcome) => Understood::Evidence(Box::new(Judged { format, outcome, own: None })),
        Err(why) => Understood::Invalid(format!("not valid {}: {why}", display_name(format))),
    }
}

fn own_evidence(ev: Evidence) -> Understood {
    let outcome = Outcome { reasons: ev.reasons.clone(), ..Outcome::default() };
    Understood::Evidence(Box::new(Judged { format: "evidence", outcome, own: Some(ev) }))
}

/// How messages name a format.
pub fn display_name(format: &str) -> &str {
    match format {
        "sarif" => "SARIF",
        "cyclonedx" => "CycloneDX",
        "spdx" => "SPDX",
        "scorecard" => "OpenSSF Scorecard",
        "cargo-audit" => "cargo-audit JSON",
        "cargo-deny" => "cargo-deny JSON",
        "in-toto" => "in-toto",
        "criterion" => "criterion estimates",
        "junit" => "JUnit XML",
        other => other,
    }
}

/// The document as text: UTF-8 (a byte order mark is dropped), or UTF-16
/// with a byte order mark.
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, String> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return utf8(rest, UTF8_BOM.len()).map(std::borrow::Cow::Borrowed);
    }
    let utf16 = |rest: &[u8], le: bool| -> Result<std::borrow::Cow<'_, str>, String> {
        if rest.len() % 2 != 0 {
            return Err("UTF-16 text with an odd number of bytes (truncated)".to_string());
        }
        let units = rest.chunks_exact(2).map(|pair| match pair {
            [a, b] if le => u16::from_le_bytes([*a, *b]),
            [a, b] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        });
        char::decode_utf16(units)
            .enumerate()
            .map(|(i, c)| c.map_err(|_| format!("invalid UTF-16 at byte offset {}", 2 + i * 2)))
            .collect::<Result<String, String>>()
            .map(std::borrow::Cow::Owned)
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, false);
    }
    utf8(bytes, 0).map(std::borrow::Cow::Borrowed)
}

fn utf8(bytes: &[u8], offset: usize) -> Result<&str, String> {
    std::str::from_utf8(bytes)
        .map_err(|e| format!("invalid UTF-8 at byte offset {}", offset + e.valid_up_to()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_boms_and_utf16() {
        assert_eq!(decode(b"\xEF\xBB\xBF{}").unwrap(), "{}");
        assert_eq!(decode(b"\xFF\xFE{\x00}\x00").unwrap(), "{}");
        assert_eq!(decode(b"\xFE\xFF\x00{\x00}").unwrap(), "{}");
        assert_eq!(
            decode(b"\xFF\xFE{").unwrap_err(),
            "UTF-16 text with an odd number of bytes (truncated)"
        );
        assert_eq!(
            decode(b"\xFF\xFE\x00\xD8\x41\x00").unwrap_err(),
            "invalid UTF-16 at byte offset 2"
        );
        assert_eq!(decode(b"{\"a\": \"\xff\"}").unwrap_err(), "invalid UTF-8 at byte offset 7");
    }

    fn check(input: &[u8], expected: &str) {
        let got = match understand(input, &FormatPolicy::default(), Context::default()) {
            Understood::Evidence(j) => format!("{} {:?}", j.format, j.outcome.reasons),
            Understood::Ignored(why) => format!("ignored: {why}"),
            Understood::Invalid(why) => format!("invalid: {why}"),
        };
        assert_eq!(got, expected, "input: {}", String::from_utf8_lossy(input));
    }

    #[test]
    fn own_evidence_wins_when_it_has_a_status() {
        check(br#"{"status": "passed", "runs": []}"#, "evidence []");
        check(
            br#"{"passed": false, "bomFormat": "CycloneDX"}"#,
            "evidence [\"`passed` is false\"]",
        );
        check(b"\xEF\xBB\xBF{\"status\": \"ok\"}", "evidence []");
        check(b"\xFF\xFE{\x00\"\x00s\x00t\x00a\x00t\x00u\x00s\x00\"\x00:\x00\"\x00o\x00k\x00\"\x00}\x00", "evidence []");
    }

    #[test]
    fn unknown_json_keeps_the_own_rule() {
        check(br#"{"name": "x"}"#, "evidence [\"no `status` field\"]");
        check(
            br#"{"status": "passed", "status": "failed"}"#,
            "invalid: duplicate key `status` at line 1 column 30",
        );
        check(b"[1, 2]", "invalid: invalid type: sequence, expected a JSON object (the evidence document) at line 1 column 1");
        check(b"{\"a\": 1}\n{\"b\": 2}\n", "invalid: trailing characters at line 2 column 1");
    }

    #[test]
    fn xml_that_is_not_junit_is_not_evidence() {
        check(
            b"<?xml version=\"1.0\"?><project/>",
            "ignored: XML that is not JUnit (root element is not `testsuites` or `testsuite`)",
        );
    }
}
