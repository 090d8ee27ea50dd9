//! The gate's own evidence format: what one evidence document says, and the
//! entry points that read it.
//!
//! A document is read by [`crate::scan`], a streaming scanner that keeps only
//! the top-level fields the gate decides on and skips everything else without
//! holding it. Duplicate keys are rejected in every object at any depth (a
//! gate that reads the first `status` while another tool reads the last can
//! be fooled), and so is invalid UTF-8 anywhere in the document and nesting
//! deeper than 128 levels, skipped values included. Text echoed into
//! messages is one line and bounded ([`shown`], [`bounded`]). The scanner reproduces
//! `serde_json`'s grammar and messages (`src/reference.rs`, the serde-based
//! reader it replaced, is kept as the test oracle).

use std::io::Read;

use crate::scan::{self, Source};
use crate::text::bounded_to;
pub use crate::text::{bounded, shown, MAX_MESSAGE, MAX_SHOWN};

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
    scan::parse(Source::Slice(text.as_bytes()), 0).map(Doc::normalize)
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
        Err(e) => Err(crate::utf8::message((bom + e.valid_up_to()) as u64)),
    }
}

/// Reads one evidence document from a stream, in bounded memory (read and
/// hashed on this thread, scanned on another). Invalid UTF-8 anywhere in the
/// stream is the error, whatever else is wrong, as for a document held in
/// memory.
pub fn parse_reader(reader: &mut dyn Read) -> Result<Evidence, String> {
    match crate::stream::scan(reader) {
        Ok(scanned) => scanned.evidence,
        Err(e) => Err(bounded(&e.to_string())),
    }
}

pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The top-level keys without which no tool format's detector claims a
/// document (SARIF `runs`, CycloneDX `bomFormat`/`specVersion`, SPDX
/// `spdxVersion`, Scorecard `scorecard`/`repo`, cargo-audit `database`,
/// in-toto `_type`/`payloadType`/`mediaType`/`attestations`, a cosign bundle's
/// `base64Signature`, and `$schema`): a document of the gate's own format
/// with none of them cannot also be a tool document. A test in the gate's
/// format detection holds every detector to this list.
pub const TOOL_MARKER_KEYS: &[&str] = &[
    "runs",
    "bomFormat",
    "specVersion",
    "spdxVersion",
    "scorecard",
    "repo",
    "database",
    "_type",
    "payloadType",
    "mediaType",
    "attestations",
    "base64Signature",
    "$schema",
];

/// The top-level fields the gate reads; `schemas/evidence.schema.json`
/// describes exactly these (a test keeps the two equal).
pub const FIELDS: &[&str] = &[
    "status",
    "passed",
    "domain",
    "provenance",
    "generator",
    "release",
    "commit",
    "generated_at",
    "blockers",
    "checks",
];

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

/// A JSON value of which the gate only needs the string or boolean inside, or
/// else the name of its type for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scalar {
    Str(String),
    Bool(bool),
    Other(&'static str),
}

impl Scalar {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Scalar::Str(_) => "a string",
            Scalar::Bool(_) => "a boolean",
            Scalar::Other(kind) => kind,
        }
    }
}

/// The top-level fields the gate reads.
#[derive(Debug, Default)]
pub(crate) struct Doc {
    pub(crate) status: Option<Scalar>,
    pub(crate) passed: Option<Scalar>,
    pub(crate) domain: Option<Scalar>,
    pub(crate) provenance: Option<Scalar>,
    pub(crate) generator: Option<Scalar>,
    pub(crate) release: Option<Scalar>,
    pub(crate) commit: Option<Scalar>,
    pub(crate) generated_at: Option<Scalar>,
    pub(crate) blockers: Option<Counted>,
    pub(crate) checks: Option<Checks>,
    /// A top-level key some tool format's detector relies on.
    pub(crate) tool_marker: bool,
}

#[derive(Debug)]
pub(crate) enum Counted {
    Array(usize),
    Other(&'static str),
}

#[derive(Debug)]
pub(crate) enum Checks {
    Array(Vec<Check>),
    Other(&'static str),
}

#[derive(Debug)]
pub(crate) enum Check {
    Object { name: Option<Scalar>, status: Option<Scalar>, detail: Option<Scalar> },
    Other(&'static str),
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

impl Doc {
    pub(crate) fn normalize(self) -> Evidence {
        let mut reasons = Vec::new();
        let mut reported_status = None;
        match (&self.status, &self.passed) {
            (Some(Scalar::Str(raw)), passed) => {
                let s = shown(raw);
                reported_status = Some(s.clone());
                match classify(raw) {
                    Word::Passed => match passed {
                        Some(Scalar::Bool(false)) => {
                            reasons.push("`status` says passed but `passed` is false".to_string())
                        }
                        Some(Scalar::Bool(true)) | None => {}
                        Some(other) => reasons
                            .push(format!("`passed` is {}, expected a boolean", other.kind())),
                    },
                    Word::Failed => reasons.push(format!("status is `{s}`")),
                    Word::Unknown => reasons.push(format!(
                        "status `{s}` is not a known status word (expected one of {})",
                        PASSED_WORDS.join(", ")
                    )),
                }
            }
            (Some(other), _) => {
                reasons.push(format!("`status` is {}, expected a string", other.kind()))
            }
            (None, Some(Scalar::Bool(true))) => {}
            (None, Some(Scalar::Bool(false))) => reasons.push("`passed` is false".to_string()),
            (None, Some(other)) => {
                reasons.push(format!("`passed` is {}, expected a boolean", other.kind()))
            }
            (None, None) => reasons.push("no `status` field".to_string()),
        }
        match self.blockers {
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
        let mut failed_names = Vec::new();
        let mut checks_only = verdict_only;
        match self.checks {
            None => {}
            Some(Checks::Other(kind)) => {
                reasons.push(format!("`checks` is {kind}, expected an array"));
                checks_only = false;
            }
            Some(Checks::Array(checks)) => {
                for (i, check) in checks.iter().enumerate() {
                    if let Some(reason) = check_reason(i, check) {
                        match check {
                            Check::Object {
                                name: Some(Scalar::Str(n)),
                                status: Some(Scalar::Str(_)),
                                ..
                            } if !n.is_empty()
                                && n.len() <= MAX_SHOWN
                                && !n.chars().any(char::is_control) =>
                            {
                                failed_names.push(n.clone());
                            }
                            _ => checks_only = false,
                        }
                        reasons.push(reason);
                    }
                }
            }
        }
        let reasons_before_domain = reasons.len();
        let declared_domain = match self.domain {
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
        let stub = match &self.provenance {
            None => false,
            Some(Scalar::Str(p)) => p.trim().eq_ignore_ascii_case("stub"),
            Some(other) => {
                reasons.push(format!("`provenance` is {}, expected a string", other.kind()));
                true
            }
        };
        let generator = match self.generator {
            Some(Scalar::Str(s)) => Some(shown(&s)),
            _ => None,
        };
        let mut text_field = |name: &str, value: Option<Scalar>| match value {
            None => None,
            Some(Scalar::Str(s)) if s.len() <= MAX_CLAIM && !s.chars().any(char::is_control) => {
                Some(s)
            }
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
        };
        let claims = Claims {
            release: text_field("release", self.release),
            commit: text_field("commit", self.commit),
            generated_at: text_field("generated_at", self.generated_at),
        };
        let own_format = self.status.is_some() || self.passed.is_some();
        // Anything found wrong after the checks (the domain, the claims) is
        // no check's failure.
        let failed_checks =
            (checks_only && reasons.len() == reasons_before_domain && !failed_names.is_empty())
                .then_some(failed_names);
        Evidence {
            declared_domain,
            reported_status,
            reasons,
            stub,
            generator,
            claims,
            own_format,
            failed_checks,
            tool_marker: self.tool_marker,
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
