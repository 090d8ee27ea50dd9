//! The gate's own evidence format: what one evidence document says, and the
//! entry points that read it.
//!
//! A document is read by [`crate::scan`], a streaming scanner that keeps only
//! the top-level fields the gate decides on (a `Doc`) and skips everything
//! else without holding it; this module alone judges that `Doc`. Duplicate
//! keys are rejected in every object at any depth (a gate that reads the
//! first `status` while another tool reads the last can be fooled), and so
//! is invalid UTF-8 anywhere in the document and nesting deeper than 128
//! levels, skipped values included. Text echoed into messages is one line
//! and bounded ([`shown`], [`bounded`]). What the scanner accepts,
//! `serde_json` accepts (`src/reference.rs`, its oracle in tests and the
//! fuzz target).

#![deny(clippy::arithmetic_side_effects)]

use std::io::Read;

use crate::doc::{Check, Checks, Counted, Doc, Scalar};
use crate::scan::{self, Source};
use crate::stream::{self, Consumer, Scanned};
use crate::text::bounded_to;
pub use crate::text::{bounded, shown, MAX_MESSAGE, MAX_SHOWN};

pub use crate::doc::{FIELDS, TOOL_MARKER_KEYS};
pub use crate::utf8::UTF8_BOM;

/// An evidence file's binding fields, as it wrote them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    pub release: Option<String>,
    pub commit: Option<String>,
    pub generated_at: Option<String>,
}

/// Reads one evidence document held in memory, already decoded (no byte
/// order mark). The error names the line and column and what was wrong there.
pub fn parse_str(text: &str) -> Result<Evidence, String> {
    judged(scan::parse(Source::Slice(text.as_bytes()), 0))
}

/// Reads one evidence document from bytes: a UTF-8 byte order mark is
/// skipped, and bytes that are not UTF-8 are an error with their offset.
pub fn parse(bytes: &[u8]) -> Result<Evidence, String> {
    let (text, bom) = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (rest, UTF8_BOM.len()),
        None => (bytes, 0),
    };
    match std::str::from_utf8(text) {
        Ok(text) => parse_str(text),
        Err(e) => Err(crate::utf8::message(bom.saturating_add(e.valid_up_to()) as u64)),
    }
}

/// Reads one evidence document from a stream, in bounded memory (read and
/// hashed on this thread, scanned on another). Invalid UTF-8 anywhere in the
/// stream is the error, whatever else is wrong, as for a document held in
/// memory.
pub fn parse_reader(reader: &mut dyn Read) -> Result<Evidence, String> {
    match scan_with(reader, None) {
        Ok(Scanned { evidence: Some(evidence), .. }) => evidence,
        // Only a second reader can stop the scan, and there is none.
        Ok(Scanned { evidence: None, .. }) => Err("the scan was stopped".to_string()),
        Err(e) => Err(bounded(&e.to_string())),
    }
}

/// Reads `reader` to the end once: hashes every byte and scans the same
/// bytes as evidence on a second thread, and `also` (when given) reads them
/// on a third (`stream::scan_with`). An I/O error is the error.
pub fn scan_with(
    reader: &mut dyn Read,
    also: Option<Consumer<'_>>,
) -> std::io::Result<Scanned<Evidence>> {
    let Scanned { bytes, sha256, evidence, utf8_error } = stream::scan_with(reader, also)?;
    Ok(Scanned { bytes, sha256, evidence: evidence.map(judged), utf8_error })
}

/// The scanner's document judged, or its error bounded.
pub(crate) fn judged(doc: Result<Doc, String>) -> Result<Evidence, String> {
    doc.map(judge).map_err(|e| bounded(&e))
}

/// Longest `release`, `commit` or `generated_at` accepted, in bytes.
pub const MAX_CLAIM: usize = 256;

/// Longest domain name, in bytes.
pub const MAX_DOMAIN: usize = 64;

/// A domain name: lowercase ASCII letters, digits, `_` and `-`, at most
/// [`MAX_DOMAIN`] bytes (names end up in blocker codes, file names and
/// Markdown).
pub fn is_domain_name(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= MAX_DOMAIN
        && domain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Status words, compared trimmed and case-insensitive.
const PASSED_WORDS: &[&str] = &["passed", "pass", "success", "succeeded", "ok", "green"];
const FAILED_WORDS: &[&str] = &["failed", "fail", "failure", "error", "errored", "red"];

/// What one evidence document says, normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// The document's own top-level `domain`, when it names one.
    pub declared_domain: Option<String>,
    /// The `status` string as the document wrote it (through [`shown`]: one
    /// line, cut when longer than a status word can be).
    pub reported_status: Option<String>,
    /// Empty when the evidence passed; otherwise why not, one reason each.
    pub reasons: Vec<String>,
    /// `"provenance": "stub"`: generated stub evidence, never release evidence.
    pub stub: bool,
    /// The top-level `generator` string, naming what wrote the file.
    pub generator: Option<String>,
    /// `release`, `commit` and `generated_at`: what the evidence is bound to.
    pub claims: Claims,
    /// The document has a top-level `status` or `passed`: it is the gate's
    /// own evidence format, whatever else it holds.
    pub own_format: bool,
    /// It has a top-level key one of the tool formats' detectors relies on
    /// ([`TOOL_MARKER_KEYS`]): only then can it also be a tool document (a
    /// mixed document), so only then does the gate look closer.
    pub tool_marker: bool,
    /// The names of the checks that did not pass, when the document failed
    /// through named checks only (its `status` failed or `passed` is false
    /// because of them, and nothing else is wrong): a waiver can then name
    /// one check. `None` when anything else failed, or no named check did.
    pub failed_checks: Option<Vec<String>>,
}

enum Word {
    Passed,
    Failed,
    Unknown,
}

fn classify(s: &str) -> Word {
    let s = s.trim().to_ascii_lowercase();
    if PASSED_WORDS.contains(&s.as_str()) {
        Word::Passed
    } else if FAILED_WORDS.contains(&s.as_str()) {
        Word::Failed
    } else {
        Word::Unknown
    }
}

/// What a scanned document says: its verdict, and every reason it did not
/// pass.
pub(crate) fn judge(doc: Doc) -> Evidence {
    let mut reasons = Vec::new();
    let reported_status = verdict(&doc.status, &doc.passed, &mut reasons);
    match doc.blockers {
        None | Some(Counted::Array(0)) => {}
        Some(Counted::Array(n)) => {
            reasons.push(format!("the artifact lists {n} blocker(s) of its own"))
        }
        Some(Counted::Other(kind)) => {
            reasons.push(format!("`blockers` is {kind}, expected an array"))
        }
    }
    // Reasons so far that a failing check explains (the overall verdict).
    let verdict_only =
        reasons.iter().all(|r| r.starts_with("status is `") || r == "`passed` is false");
    let failed_names = failed_checks(doc.checks, verdict_only, &mut reasons);
    let reasons_before_domain = reasons.len();
    let declared_domain = match doc.domain {
        None => None,
        Some(Scalar::Str(s)) if is_domain_name(&s) => Some(s),
        Some(Scalar::Str(s)) => {
            reasons.push(format!(
                "`domain` is `{}`, not a domain name (lowercase ASCII letters, digits, `_` and `-`, at most {MAX_DOMAIN} bytes)",
                shown(&s)
            ));
            None
        }
        Some(other) => {
            reasons.push(format!("`domain` is {}, expected a string", other.kind()));
            None
        }
    };
    // The stub marker is a string. Any other shape (an array that may
    // hold `stub`, an object) cannot be read as "not a stub": it is a
    // stub, and a reason too.
    let stub = match &doc.provenance {
        None => false,
        Some(Scalar::Str(p)) => p.trim().eq_ignore_ascii_case("stub"),
        Some(other) => {
            reasons.push(format!("`provenance` is {}, expected a string", other.kind()));
            true
        }
    };
    let claims = Claims {
        release: claim("release", doc.release, &mut reasons),
        commit: claim("commit", doc.commit, &mut reasons),
        generated_at: claim("generated_at", doc.generated_at, &mut reasons),
    };
    // Anything found wrong after the checks (the domain, the claims) is
    // no check's failure.
    let failed_checks = failed_names.filter(|_| reasons.len() == reasons_before_domain);
    Evidence {
        declared_domain,
        reported_status,
        reasons,
        stub,
        generator: match doc.generator {
            Some(Scalar::Str(s)) => Some(shown(&s)),
            _ => None,
        },
        claims,
        own_format: doc.status.is_some() || doc.passed.is_some(),
        failed_checks,
        tool_marker: doc.tool_marker,
    }
}

/// The reasons `status` and `passed` give; the status as shown.
fn verdict(
    status: &Option<Scalar>,
    passed: &Option<Scalar>,
    reasons: &mut Vec<String>,
) -> Option<String> {
    let reason = match (status, passed) {
        (Some(Scalar::Str(raw)), passed) => {
            let s = shown(raw);
            let reason = match (classify(raw), passed) {
                (Word::Passed, Some(Scalar::Bool(false))) => {
                    Some("`status` says passed but `passed` is false".to_string())
                }
                (Word::Passed, Some(Scalar::Bool(true)) | None) => None,
                (Word::Passed, Some(other)) => {
                    Some(format!("`passed` is {}, expected a boolean", other.kind()))
                }
                (Word::Failed, _) => Some(format!("status is `{s}`")),
                (Word::Unknown, _) => Some(format!(
                    "status `{s}` is not a known status word (expected one of {})",
                    PASSED_WORDS.join(", ")
                )),
            };
            reasons.extend(reason);
            return Some(s);
        }
        (Some(other), _) => format!("`status` is {}, expected a string", other.kind()),
        (None, Some(Scalar::Bool(true))) => return None,
        (None, Some(Scalar::Bool(false))) => "`passed` is false".to_string(),
        (None, Some(other)) => format!("`passed` is {}, expected a boolean", other.kind()),
        (None, None) => "no `status` field".to_string(),
    };
    reasons.push(reason);
    None
}

/// The reasons `checks` gives; the names of the checks that failed when
/// only named checks did (and `verdict_only`: nothing else failed so far).
fn failed_checks(
    checks: Option<Checks>,
    verdict_only: bool,
    reasons: &mut Vec<String>,
) -> Option<Vec<String>> {
    let checks = match checks {
        None => return None,
        Some(Checks::Other(kind)) => {
            reasons.push(format!("`checks` is {kind}, expected an array"));
            return None;
        }
        Some(Checks::Array(checks)) => checks,
    };
    let mut failed_names = Vec::new();
    let mut checks_only = verdict_only;
    for (i, check) in checks.iter().enumerate() {
        let Some(reason) = check_reason(i, check) else { continue };
        match check {
            Check::Object { name: Some(Scalar::Str(n)), status: Some(Scalar::Str(_)), .. }
                if !n.is_empty() && n.len() <= MAX_SHOWN && !n.chars().any(char::is_control) =>
            {
                failed_names.push(n.clone());
            }
            _ => checks_only = false,
        }
        reasons.push(reason);
    }
    (checks_only && !failed_names.is_empty()).then_some(failed_names)
}

/// `release`, `commit` or `generated_at`: one bounded line of text.
fn claim(name: &str, value: Option<Scalar>, reasons: &mut Vec<String>) -> Option<String> {
    match value {
        None => None,
        Some(Scalar::Str(s)) if s.len() <= MAX_CLAIM && !s.chars().any(char::is_control) => Some(s),
        Some(Scalar::Str(s)) => {
            reasons.push(format!(
                "`{name}` is `{}`, not a {name} (at most {MAX_CLAIM} bytes, one line)",
                shown(&s)
            ));
            None
        }
        Some(other) => {
            reasons.push(format!("`{name}` is {}, expected a string", other.kind()));
            None
        }
    }
}

/// Longest check `detail` a reason quotes, in bytes: the first lines of the
/// tool's own error (a rustdoc link, a clippy lint with its file and line,
/// the failing tests), never megabytes.
pub const MAX_DETAIL: usize = 400;

fn check_reason(index: usize, check: &Check) -> Option<String> {
    let (name, status, detail) = match check {
        Check::Other(kind) => return Some(format!("check #{index} is {kind}, expected an object")),
        Check::Object { name, status, detail } => (name, status, detail),
    };
    let label = match name {
        Some(Scalar::Str(n)) => format!("check `{}`", shown(n)),
        _ => format!("check #{index}"),
    };
    // What the tool said, one line: its lines joined with ` | `.
    let detail = match detail {
        Some(Scalar::Str(d)) => {
            let lines: Vec<&str> = d.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
            let one = bounded_to(&lines.join(" | "), MAX_DETAIL);
            if one.is_empty() {
                String::new()
            } else {
                format!(": {one}")
            }
        }
        _ => String::new(),
    };
    match status {
        Some(Scalar::Str(s)) => match classify(s) {
            Word::Passed => None,
            Word::Failed => Some(format!("{label} failed{detail}")),
            Word::Unknown => Some(format!("{label} did not pass (status `{}`){detail}", shown(s))),
        },
        Some(other) => Some(format!("{label} has a `status` that is {}", other.kind())),
        None => Some(format!("{label} has no `status`")),
    }
}
