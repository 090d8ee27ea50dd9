//! Which format a document is, from its content, and the outcome of that
//! format's rule. The file name ([`hint`]) and a document's own marker only
//! say which format it must be: failing it is invalid, never ignored and
//! never read as another format.
//!
//! Order of decisions, for a document held in memory:
//! 1. Decode: strip a UTF-8 byte order mark; decode UTF-16 with a byte order
//!    mark (PowerShell's `>` writes it); anything else must be UTF-8.
//! 2. XML (first non-blank character `<`): read in full first
//!    ([`junit::root`]): not well-formed is invalid; JUnit when the root
//!    element is `testsuites` or `testsuite`; a prefixed JUnit root is
//!    invalid; otherwise not evidence.
//! 3. JSON with a top-level `status` or `passed`: the gate's own evidence,
//!    unless a tool format also claims it (a mixed document: invalid).
//! 4. Other JSON: the first tool format whose detector claims it (SARIF,
//!    CycloneDX, SPDX, OpenSSF Scorecard, cargo-audit, in-toto, criterion),
//!    or the format its name or marker promises (judged by its rule).
//! 5. JSON records of cargo-deny (lines, one object, or an array):
//!    cargo-deny, every record judged (one that is not a cargo-deny record
//!    makes the file invalid).
//! 6. Anything else keeps the gate's own rule: not passed (no `status`), or
//!    invalid with the parser's position.
//!
//! Every tool format also carries its provenance (`provenance.rs`): the stub
//! marker and the commit, release and time it binds itself to.

#![deny(clippy::arithmetic_side_effects)]

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::provenance::Found;
use super::{
    cargo_audit, cargo_deny, criterion, cyclonedx, intoto, junit, sarif, scorecard, spdx,
    FormatPolicy, Outcome,
};
use crate::gate::evidence::{self, Evidence, UTF8_BOM};
use crate::gate::trust::Claims;

/// What a document turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum Understood {
    /// Evidence in a known format, with its rule's outcome.
    Evidence(Box<Judged>),
    /// Not evidence in any supported format (the reason says what it is).
    /// Found under a `latest/` folder, it blocks its domain: a file the gate
    /// sees but does not judge must not be dropped.
    Ignored(String),
    /// A file that belongs to evidence judged through another file (a
    /// criterion benchmark's support files and estimates): listed, not judged.
    Supporting(String),
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
    /// What a tool format's native fields bind the document to (commit,
    /// release, time); the gate's own evidence carries its claims in `own`.
    pub claims: Claims,
    /// A tool document marked `"provenance": "stub"` (top level, or the
    /// format's own property bag): never release evidence.
    pub stub: bool,
}

/// Where a document sits, for the rules that depend on its neighbours.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// criterion: a `change/estimates.json` sits beside this file's folder.
    pub has_criterion_change: bool,
    /// The format its file name promises (see [`hint`]).
    pub hint: Hint,
}

/// The format a file name promises. A file that promises a format must be a
/// valid document of it: otherwise it is invalid with the reason, never
/// ignored and never read as another format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Hint {
    #[default]
    None,
    /// `.xml`: well-formed XML (JUnit when its root is `testsuites` or `testsuite`).
    Xml,
    /// `.junit.xml`: JUnit XML.
    Junit,
    /// `.sarif`, `.sarif.json`.
    Sarif,
    /// `.cdx.json`, `bom.json`.
    CycloneDx,
    /// `.spdx.json`.
    Spdx,
    /// `.intoto.json`, `.intoto.jsonl`.
    InToto,
    /// `.jsonl`, `.ndjson`: JSON values, one a line.
    JsonLines,
}

/// The format a file name promises, from its suffix (case-insensitive).
pub fn hint(file_name: &str) -> Hint {
    let name = file_name.to_ascii_lowercase();
    let ends = |suffixes: &[&str]| suffixes.iter().any(|s| name.ends_with(s));
    if ends(&[".junit.xml", ".junit"]) {
        Hint::Junit
    } else if ends(&[".xml"]) {
        Hint::Xml
    } else if ends(&[".sarif", ".sarif.json"]) {
        Hint::Sarif
    } else if ends(&[".cdx.json", ".cdx"]) || name == "bom.json" {
        Hint::CycloneDx
    } else if ends(&[".spdx.json", ".spdx"]) {
        Hint::Spdx
    } else if ends(&[
        ".intoto.json",
        ".intoto.jsonl",
        ".intoto",
        ".dsse",
        ".sigstore",
        ".sigstore.json",
    ]) {
        Hint::InToto
    } else if ends(&[".jsonl", ".ndjson"]) {
        Hint::JsonLines
    } else {
        Hint::None
    }
}

impl Hint {
    /// The JSON tool format this hint promises.
    fn json_format(self) -> Option<&'static str> {
        match self {
            Hint::Sarif => Some("sarif"),
            Hint::CycloneDx => Some("cyclonedx"),
            Hint::Spdx => Some("spdx"),
            Hint::InToto => Some("in-toto"),
            _ => None,
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Hint::None => "",
            Hint::Xml => "`.xml`",
            Hint::Junit => "`.junit.xml`",
            Hint::Sarif => "`.sarif`",
            Hint::CycloneDx => "`.cdx.json`",
            Hint::Spdx => "`.spdx.json`",
            Hint::InToto => "`.intoto.json`",
            Hint::JsonLines => "`.jsonl`",
        }
    }
}

pub fn understand(bytes: &[u8], policy: &FormatPolicy, ctx: Context) -> Understood {
    let text = match decode(bytes) {
        Ok(text) => text,
        Err(why) => return Understood::Invalid(why),
    };
    if text.trim_start().starts_with('<') {
        return xml(&text, policy, ctx.hint);
    }
    if matches!(ctx.hint, Hint::Xml | Hint::Junit) {
        return Understood::Invalid(format!(
            "a {} file that is not XML (it does not start with `<`)",
            ctx.hint.suffix()
        ));
    }
    let promised = ctx.hint.json_format();
    let own = evidence::parse_str(&text);
    if let Ok(ev) = &own {
        if ev.own_format {
            if let Some(format) = promised {
                return not_promised(
                    ctx.hint,
                    format,
                    "the gate's own evidence (it has a top-level `status` or `passed`)",
                );
            }
            // A document that is both the gate's own evidence and a tool
            // format (a SARIF log with `"status": "passed"` added) is mixed:
            // neither reading may hide the other.
            // (Read by the optimized skeleton reader: the same document as
            // `checked_json` gives, but SARIF results, which no detector
            // reads, are not kept.)
            // Only a document with a key some detector relies on can be one
            // (thousands of evidence files a run have none: no second read).
            let claimed = ev
                .tool_marker
                .then(|| release_gate_scan::skeleton::claim(text.as_bytes()).ok())
                .flatten();
            if let Some(format) = claimed.as_ref().and_then(tool_claim) {
                return Understood::Invalid(format!(
                    "a mixed document: it has the gate's own top-level `status` or `passed` and is also {} (its marker or its fields); write the tool's output unchanged, the gate reads {} directly",
                    article(format),
                    display_name(format)
                ));
            }
            return own_evidence(ev.clone());
        }
    }
    match checked_json(&text) {
        Ok(doc) => {
            if let Some(understood) = tool_format(&doc, policy, ctx, None) {
                return understood;
            }
        }
        // One rule for every format: a repeated key makes the document
        // invalid, at any depth (readers disagree on which value wins).
        Err(e) if is_duplicate(&e) => {
            return Understood::Invalid(match own {
                Err(why) if why.starts_with("duplicate key `") => why,
                _ => evidence::bounded(&e.to_string()),
            })
        }
        Err(e) => {
            if let Some(format) = promised {
                return Understood::Invalid(format!(
                    "not valid {}: not one JSON document: {}",
                    display_name(format),
                    evidence::bounded(&e.to_string())
                ));
            }
        }
    }
    // cargo-deny writes a stream of JSON records (lines, one object, an
    // array): each is judged, and any that is not a cargo-deny record makes
    // the file invalid.
    if promised.is_none() && cargo_deny::detect(&text) {
        if let Some(e) = duplicate_in_records(&text) {
            return Understood::Invalid(e);
        }
        let found = cargo_deny::provenance(&text);
        return judged("cargo-deny", cargo_deny::check(&text, policy), found);
    }
    match own {
        Ok(_) if promised.is_some() => Understood::Invalid(format!(
            "not valid {}: it has none of the format's fields",
            display_name(promised.unwrap_or_default())
        )),
        Ok(ev) => own_evidence(ev),
        Err(why) => Understood::Invalid(why),
    }
}

/// Documents from this size on are read by [`understand_large`].
pub const LARGE: usize = 1 << 20;

/// [`understand`] of a large document held in memory: SARIF is read by the
/// skeleton reader (its results judged one at a time, never all held as
/// values), the gate's own evidence by its scanner; every other format, and
/// UTF-16, by [`understand`]. The same outcome as [`understand`], in a
/// fraction of the memory for SARIF.
pub fn understand_large(bytes: &[u8], policy: &FormatPolicy, ctx: Context) -> Understood {
    let text = match decode(bytes) {
        Ok(std::borrow::Cow::Borrowed(text)) => text,
        _ => return understand(bytes, policy, ctx),
    };
    if text.trim_start().starts_with('<') {
        return understand(bytes, policy, ctx);
    }
    let own = evidence::parse_str(text);
    let mut streamed = sarif::Streamed::new(policy);
    let tool = release_gate_scan::skeleton::read_slice(text.as_bytes(), &mut streamed);
    understand_stream(&own, &tool, &streamed, policy, ctx)
        .unwrap_or_else(|| understand(bytes, policy, ctx))
}

/// A document over `max-parse-bytes`, read once from a stream by two
/// readers side by side: `own`, the gate's own evidence scanner, and `tool`,
/// the skeleton reader (`release_gate_scan::skeleton`), whose SARIF results
/// `streamed` judged on the way. The same decisions as [`understand`], in
/// the same order, for the gate's own evidence and SARIF; `None` for what is
/// not read in bounded memory (XML, cargo-deny records, another tool format
/// whose document is too large to hold): the caller refuses it.
pub fn understand_stream(
    own: &Result<Evidence, String>,
    tool: &Result<Value, serde_json::Error>,
    streamed: &sarif::Streamed,
    policy: &FormatPolicy,
    ctx: Context,
) -> Option<Understood> {
    use release_gate_scan::skeleton;
    let sentinel =
        |word: &str| tool.as_ref().err().is_some_and(|e| e.to_string().starts_with(word));
    if sentinel(skeleton::XML) || sentinel(skeleton::UTF16) {
        return None;
    }
    if matches!(ctx.hint, Hint::Xml | Hint::Junit) {
        return Some(Understood::Invalid(format!(
            "a {} file that is not XML (it does not start with `<`)",
            ctx.hint.suffix()
        )));
    }
    let promised = ctx.hint.json_format();
    if let Ok(ev) = own {
        if ev.own_format {
            if let Some(format) = promised {
                return Some(not_promised(
                    ctx.hint,
                    format,
                    "the gate's own evidence (it has a top-level `status` or `passed`)",
                ));
            }
            // A mixed document: the skeleton has what the detectors read
            // (a skeleton over its budget is the gate's own evidence's bulk).
            if let Some(format) = tool.as_ref().ok().and_then(tool_claim) {
                return Some(Understood::Invalid(format!(
                    "a mixed document: it has the gate's own top-level `status` or `passed` and is also {} (its marker or its fields); write the tool's output unchanged, the gate reads {} directly",
                    article(format),
                    display_name(format)
                )));
            }
            return Some(own_evidence(ev.clone()));
        }
    }
    match tool {
        Ok(doc) => tool_format(doc, policy, ctx, Some(streamed)).or_else(|| {
            // The rest of `understand`, for one JSON document held whole (no
            // results were streamed): cargo-deny records are not streamed;
            // anything else keeps the gate's own rule.
            let deny = match doc {
                Value::Array(items) => items.iter().any(cargo_deny::is_record),
                other => cargo_deny::is_record(other),
            };
            if streamed.any() || deny {
                return None;
            }
            match own {
                Ok(_) if promised.is_some() => Some(Understood::Invalid(format!(
                    "not valid {}: it has none of the format's fields",
                    display_name(promised.unwrap_or_default())
                ))),
                Ok(ev) => Some(own_evidence(ev.clone())),
                Err(why) => Some(Understood::Invalid(why.clone())),
            }
        }),
        Err(e) if is_duplicate(e) => Some(Understood::Invalid(match own {
            Err(why) if why.starts_with("duplicate key `") => why.clone(),
            _ => evidence::bounded(&e.to_string()),
        })),
        Err(_) if sentinel(skeleton::OVER_BUDGET) => None,
        Err(e) => promised.map(|format| {
            Understood::Invalid(format!(
                "not valid {}: not one JSON document: {}",
                display_name(format),
                evidence::bounded(&e.to_string())
            ))
        }),
    }
}

/// A file whose name promises `format` but holds `what`.
fn not_promised(hint: Hint, format: &str, what: &str) -> Understood {
    Understood::Invalid(format!(
        "not valid {}: a {} file that holds {what}",
        display_name(format),
        hint.suffix()
    ))
}

/// An XML document: JUnit when its root is `testsuites` or `testsuite`;
/// invalid when it is not well-formed (see [`junit::root`]), when its root
/// is a JUnit root with a namespace prefix, or when its name promises JUnit;
/// otherwise not evidence.
fn xml(text: &str, policy: &FormatPolicy, hint: Hint) -> Understood {
    let root = match junit::root(text) {
        Ok(root) => root,
        Err(why) => {
            let format = if junit::detect(text) { "JUnit XML" } else { "XML" };
            return Understood::Invalid(format!("not valid {format}: {}", evidence::bounded(&why)));
        }
    };
    if let Some(format) = hint.json_format() {
        return not_promised(hint, format, "XML");
    }
    if junit::detect(text) {
        return judged("junit", junit::check(text, policy), junit::provenance(text));
    }
    let local = root.rsplit_once(':').map_or(root.as_str(), |(_, local)| local);
    let shown = evidence::shown(&root);
    if local == "testsuites" || local == "testsuite" {
        return Understood::Invalid(format!(
            "not valid JUnit XML: the root element `{shown}` has a namespace prefix (JUnit reports are read without namespaces)"
        ));
    }
    if hint == Hint::Junit {
        return Understood::Invalid(format!(
            "not valid JUnit XML: a `.junit.xml` file whose root element is `{shown}`, expected `testsuites` or `testsuite`"
        ));
    }
    Understood::Ignored(format!(
        "XML that is not JUnit (root element `{shown}` is not `testsuites` or `testsuite`)"
    ))
}

/// A JSON tool format's rule.
type FormatRule = fn(&Value, &FormatPolicy) -> Result<Outcome, String>;

/// A JSON tool format: its name, its detector, its rule and its provenance.
type JsonFormat = (
    &'static str,
    fn(&Value) -> bool,
    fn(&Value, &FormatPolicy) -> Result<Outcome, String>,
    fn(&Value) -> Found,
);

/// The tool format that claims a JSON document, by its marker or its
/// detector (criterion aside: its files have no marker).
fn tool_claim(doc: &Value) -> Option<&'static str> {
    marked(doc).or_else(|| {
        json_formats().iter().find(|(_, detect, _, _)| detect(doc)).map(|(name, ..)| *name)
    })
}

/// `a SARIF log`, `a CycloneDX BOM`... for messages.
fn article(format: &str) -> String {
    match format {
        "in-toto" => "an in-toto attestation".to_string(),
        "sarif" => "a SARIF log".to_string(),
        "cyclonedx" => "a CycloneDX BOM".to_string(),
        "spdx" => "an SPDX document".to_string(),
        "scorecard" => "an OpenSSF Scorecard result".to_string(),
        other => format!("a {} report", display_name(other)),
    }
}

/// The format a document's own marker names, even when the document is not
/// valid in it: SARIF's `$schema`, CycloneDX's `bomFormat`, SPDX's
/// `spdxVersion`, in-toto's `_type`.
fn marked(doc: &Value) -> Option<&'static str> {
    let obj = doc.as_object()?;
    let mentions = |key: &str, word: &str| {
        obj.get(key).and_then(Value::as_str).is_some_and(|s| s.to_ascii_lowercase().contains(word))
    };
    if mentions("$schema", "sarif") {
        Some("sarif")
    } else if obj.contains_key("bomFormat") || mentions("$schema", "cyclonedx") {
        Some("cyclonedx")
    } else if obj.contains_key("spdxVersion") {
        Some("spdx")
    } else if mentions("_type", "in-toto") {
        Some("in-toto")
    } else {
        None
    }
}

/// The JSON tool formats, in the order their detectors are asked.
fn json_formats() -> [JsonFormat; 6] {
    [
        ("sarif", sarif::detect, sarif::check, sarif::provenance),
        ("cyclonedx", cyclonedx::detect, cyclonedx::check, cyclonedx::provenance),
        ("spdx", spdx::detect, spdx::check, spdx::provenance),
        ("scorecard", scorecard::detect, scorecard::check, scorecard::provenance),
        ("cargo-audit", cargo_audit::detect, cargo_audit::check, top_level),
        ("in-toto", intoto::detect, intoto::check, intoto::provenance),
    ]
}

/// `streamed`: `doc` is the skeleton of a SARIF log read from a stream
/// (see [`understand_stream`]), its results judged on the way; `None` when
/// another format's rule would have to judge it (it has no results).
fn tool_format(
    doc: &Value,
    policy: &FormatPolicy,
    ctx: Context,
    streamed: Option<&sarif::Streamed>,
) -> Option<Understood> {
    // A skeleton whose results were streamed is judged only as SARIF: any
    // other rule would see a document without them.
    let streamed_results = streamed.is_some_and(sarif::Streamed::any);
    let refused = std::cell::Cell::new(false);
    let check =
        |name: &str, check: fn(&Value, &FormatPolicy) -> Result<Outcome, String>| match streamed {
            Some(streamed) if name == "sarif" => sarif::check_streamed(doc, policy, streamed),
            _ if streamed_results => {
                refused.set(true);
                Err(String::new())
            }
            _ => check(doc, policy),
        };
    let understood = tool_format_with(doc, policy, ctx, streamed_results, &check);
    if refused.get() {
        return None;
    }
    understood
}

fn tool_format_with(
    doc: &Value,
    policy: &FormatPolicy,
    ctx: Context,
    streamed_results: bool,
    check: &dyn Fn(&str, FormatRule) -> Result<Outcome, String>,
) -> Option<Understood> {
    let json_formats = json_formats();
    let promised = ctx.hint.json_format().or_else(|| marked(doc));
    for (name, detect, check_fn, provenance) in json_formats {
        if detect(doc) {
            if let Some(format) = promised.filter(|p| *p != name) {
                let what = format!("a {} document", display_name(name));
                return Some(match ctx.hint.json_format() {
                    Some(_) => not_promised(ctx.hint, format, &what),
                    None => Understood::Invalid(format!(
                        "not valid {}: its marker names {} but it reads as {what}",
                        display_name(format),
                        display_name(format)
                    )),
                });
            }
            return Some(judged(name, check(name, check_fn), provenance(doc)));
        }
    }
    // Promised (by the file name or the document's marker) but not
    // detected: the format's own rule says why it is not valid.
    if let Some(format) = promised {
        for (name, _, check_fn, provenance) in json_formats {
            if name == format {
                return Some(match check(name, check_fn) {
                    Ok(outcome) if !outcome.reasons.is_empty() => Understood::Invalid(format!(
                        "not valid {}: {}",
                        display_name(name),
                        evidence::bounded(&outcome.reasons.join("; "))
                    )),
                    Ok(_) => Understood::Invalid(format!(
                        "not valid {}: it lacks the fields that identify the format",
                        display_name(name)
                    )),
                    Err(why) => judged(name, Err(why), provenance(doc)),
                });
            }
        }
    }
    if streamed_results {
        return None;
    }
    let found = top_level(doc);
    match criterion::classify(doc)? {
        criterion::Kind::Change => {
            Some(judged("criterion", criterion::check_change(doc, policy), found))
        }
        criterion::Kind::Estimates if ctx.has_criterion_change => Some(Understood::Supporting(
            "criterion estimates: judged through the benchmark's `change/estimates.json`".to_string(),
        )),
        criterion::Kind::Estimates => judged_found(
            "criterion",
            Outcome {
                warnings: vec!["criterion benchmark without `change/estimates.json`: no baseline to compare against".to_string()],
                ..Outcome::default()
            },
            found,
        ),
        criterion::Kind::Support => {
            Some(Understood::Supporting("criterion support file".to_string()))
        }
    }
}

/// The gate's own provenance fields at the top level of a document.
fn top_level(doc: &Value) -> Found {
    let mut found = Found::default();
    if let Some(obj) = doc.as_object() {
        found.own_fields(obj);
    }
    found
}

fn judged_found(format: &'static str, outcome: Outcome, found: Found) -> Option<Understood> {
    Some(judged(format, Ok(outcome), found))
}

/// A tool format's judgement: its rule's outcome, with the claims and the
/// stub marker its provenance carries (a claim with the wrong shape is a
/// reason).
fn judged(format: &'static str, result: Result<Outcome, String>, found: Found) -> Understood {
    match result {
        Ok(mut outcome) => {
            outcome.reasons.extend(found.problems.iter().cloned());
            // The format modules keep what they quote to one line; this holds
            // it for every message, so a document can never forge a line of
            // the gate's output (a terminal escape, a CI workflow command).
            let one_line = |list: Vec<String>| -> Vec<String> {
                list.iter().map(|s| evidence::bounded(s)).collect()
            };
            let outcome = Outcome {
                reasons: one_line(outcome.reasons),
                warnings: one_line(outcome.warnings),
                findings: one_line(outcome.findings),
                counts: outcome
                    .counts
                    .into_iter()
                    .map(|(k, v)| (evidence::bounded(&k), v))
                    .collect(),
            };
            Understood::Evidence(Box::new(Judged {
                format,
                outcome,
                own: None,
                claims: found.claims(),
                stub: found.stub,
            }))
        }
        Err(why) => Understood::Invalid(format!(
            "not valid {}: {}",
            display_name(format),
            evidence::bounded(&why)
        )),
    }
}

/// A JSON document as a [`Value`], rejecting a key repeated in any object.
pub fn checked_json(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let Checked(value) = Checked::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

fn is_duplicate(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("duplicate key `")
}

/// The first repeated key in a stream of JSON records (one value, or one a
/// line), as the message says it; `None` when there is none.
fn duplicate_in_records(text: &str) -> Option<String> {
    let stream = serde_json::Deserializer::from_str(text).into_iter::<Checked>();
    for value in stream {
        match value {
            Ok(_) => {}
            Err(e) if is_duplicate(&e) => return Some(evidence::bounded(&e.to_string())),
            Err(_) => break,
        }
    }
    // The stream stopped at a line that is not JSON: check the others one by one.
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if !trimmed.starts_with(['{', '[']) {
            continue;
        }
        if let Err(e) = serde_json::from_str::<Checked>(trimmed) {
            if is_duplicate(&e) {
                let at = i.saturating_add(1);
                return Some(evidence::bounded(&format!("duplicate key on line {at}: {e}")));
            }
        }
    }
    None
}

/// A [`Value`] read by a visitor that rejects repeated object keys. Depth is
/// bounded by serde_json's recursion limit, so nesting cannot overflow the stack.
struct Checked(Value);

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Checked, D::Error> {
        d.deserialize_any(CheckedVisitor).map(Checked)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Checked::deserialize(d).map(|c| c.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Checked(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let key = evidence::shown(&key);
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let Checked(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

fn own_evidence(ev: Evidence) -> Understood {
    let outcome = Outcome { reasons: ev.reasons.clone(), ..Outcome::default() };
    Understood::Evidence(Box::new(Judged {
        format: "evidence",
        outcome,
        claims: ev.claims.clone(),
        stub: ev.stub,
        own: Some(ev),
    }))
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
        if !rest.len().is_multiple_of(2) {
            return Err("UTF-16 text with an odd number of bytes (truncated)".to_string());
        }
        let units = rest.chunks_exact(2).map(|pair| match pair {
            [a, b] if le => u16::from_le_bytes([*a, *b]),
            [a, b] => u16::from_be_bytes([*a, *b]),
            _ => 0,
        });
        char::decode_utf16(units)
            .enumerate()
            .map(|(i, c)| {
                c.map_err(|_| {
                    let at = i.saturating_mul(2).saturating_add(2);
                    format!("invalid UTF-16 at byte offset {at}")
                })
            })
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
    std::str::from_utf8(bytes).map_err(|e| {
        format!("invalid UTF-8 at byte offset {}", offset.saturating_add(e.valid_up_to()))
    })
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
        check_named("evidence.json", input, expected);
    }

    /// `check` for a file of this name (its suffix may promise a format).
    fn check_named(name: &str, input: &[u8], expected: &str) {
        let ctx = Context { hint: hint(name), ..Context::default() };
        let got = match understand(input, &FormatPolicy::default(), ctx) {
            Understood::Evidence(j) => format!("{} {:?}", j.format, j.outcome.reasons),
            Understood::Ignored(why) | Understood::Supporting(why) => format!("ignored: {why}"),
            Understood::Invalid(why) => format!("invalid: {why}"),
        };
        assert_eq!(got, expected, "input: {}", String::from_utf8_lossy(input));
    }

    #[test]
    fn own_evidence_wins_when_it_has_a_status() {
        check(br#"{"status": "passed", "runs": []}"#, "evidence []");
        check(
            br#"{"passed": false, "bomFormat": "CycloneDX"}"#,
            "invalid: a mixed document: it has the gate's own top-level `status` or `passed` and is also a CycloneDX BOM (its marker or its fields); write the tool's output unchanged, the gate reads CycloneDX directly",
        );
        check(
            br#"{"status": "passed", "version": "2.1.0", "runs": [{"results": [{"level": "error"}]}]}"#,
            "invalid: a mixed document: it has the gate's own top-level `status` or `passed` and is also a SARIF log (its marker or its fields); write the tool's output unchanged, the gate reads SARIF directly",
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
        check(b"[1, 2]", "invalid: invalid type: expected a JSON object (the evidence document) at line 1 column 1");
        check(b"{\"a\": 1}\n{\"b\": 2}\n", "invalid: trailing characters at line 2 column 1");
    }

    #[test]
    fn xml_that_is_not_junit_is_not_evidence() {
        check(
            b"<?xml version=\"1.0\"?><project/>",
            "ignored: XML that is not JUnit (root element `project` is not `testsuites` or `testsuite`)",
        );
    }

    /// Class 2: a mixed or malformed document never reads as clean.
    #[test]
    fn malformed_xml_is_invalid_not_ignored() {
        let pass = r#"<testsuite name="t" tests="1"><testcase name="c"/></testsuite>"#;
        let cases: [(String, &str); 9] = [
            (format!("\u{b}{pass}"), "invalid: not valid XML: malformed XML at line 1 column 1: text before the root element"),
            (format!("<?xml version=\"1.0\"?>stray{pass}"), "invalid: not valid XML: malformed XML at line 1 column 22: text before the root element"),
            (format!("<!DOCTYPE testsuite [<!ATTLIST testcase status CDATA \"failed\">]>{pass}"), "invalid: not valid JUnit XML: malformed XML at line 1 column 1: a DOCTYPE is not read (a DTD can declare entities that change the document)"),
            (format!("{pass}{pass}"), "invalid: not valid JUnit XML: malformed XML at line 1 column 63: second root element `testsuite` after `testsuite`"),
            (format!("{pass} trailing"), "invalid: not valid JUnit XML: malformed XML at line 1 column 63: text after the root element"),
            ("<testsuite name=\"t\"><testcase name=\"c\">".to_string(), "invalid: not valid JUnit XML: malformed XML at line 1 column 40: unexpected end of document: `testcase` is not closed"),
            ("<j:testsuite xmlns:j=\"urn:x\"><j:testcase name=\"c\"/></j:testsuite>".to_string(), "invalid: not valid JUnit XML: the root element `j:testsuite` has a namespace prefix (JUnit reports are read without namespaces)"),
            ("<report><testsuite/>".to_string(), "invalid: not valid XML: malformed XML at line 1 column 21: unexpected end of document: `report` is not closed"),
            ("<testsuite name=\"&bogus;\"/>".to_string(), "invalid: not valid JUnit XML: malformed XML at line 1 column 1: unknown or invalid reference in an attribute value"),
        ];
        for (input, expected) in cases {
            check(input.as_bytes(), expected);
        }
        check(
            b"<testsuite><testcase></testsuite></testcase>",
            "invalid: not valid JUnit XML: malformed XML at line 1 column 22: ill-formed document: expected `</testcase>`, but `</testsuite>` was found",
        );
        // Comments and processing instructions are XML: TestNG writes one
        // before the root.
        check(
            format!("<?xml version=\"1.0\"?><!-- by TestNG --><?pi x?>{pass}").as_bytes(),
            "junit []",
        );
    }

    #[test]
    fn a_name_or_a_marker_promises_a_format() {
        check_named("scan.sarif", br#"{"status": "passed"}"#, "invalid: not valid SARIF: a `.sarif` file that holds the gate's own evidence (it has a top-level `status` or `passed`)");
        check_named(
            "scan.SARIF.json",
            br#"{"runs": 5}"#,
            "invalid: not valid SARIF: `runs` is a number, expected an array",
        );
        check_named(
            "bom.cdx.json",
            br#"{"version": "2.1.0", "runs": []}"#,
            "invalid: not valid CycloneDX: a `.cdx.json` file that holds a SARIF document",
        );
        check_named(
            "x.spdx.json",
            b"<spdx/>",
            "invalid: not valid SPDX: a `.spdx.json` file that holds XML",
        );
        check_named("x.intoto.jsonl", b"{\"_type\": 1}\n{\"_type\": 2}\n", "invalid: not valid in-toto: not one JSON document: trailing characters at line 2 column 1");
        check_named(
            "tests.xml",
            br#"{"status": "passed"}"#,
            "invalid: a `.xml` file that is not XML (it does not start with `<`)",
        );
        check_named("tests.junit.xml", b"<html/>", "invalid: not valid JUnit XML: a `.junit.xml` file whose root element is `html`, expected `testsuites` or `testsuite`");
        check_named("other.xml", b"<html/>", "ignored: XML that is not JUnit (root element `html` is not `testsuites` or `testsuite`)");
        // Markers: the format's own rule says why.
        check(
            br#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": {}}"#,
            "invalid: not valid SARIF: `runs` is an object, expected an array",
        );
        check(
            br#"{"spdxVersion": 2.3}"#,
            "invalid: not valid SPDX: `spdxVersion` is a number, expected a string",
        );
        check(
            br#"{"_type": "https://in-toto.io/Statement/v1", "subject": []}"#,
            "invalid: not valid in-toto: `subject` is empty, expected at least one subject",
        );
        check(br#"{"$schema": "sarif", "bomFormat": "CycloneDX", "specVersion": "1.5", "components": []}"#, "invalid: not valid SARIF: its marker names SARIF but it reads as a CycloneDX document");
    }

    /// The mixed-document check reads documents with the skeleton reader's
    /// `claim`: it must claim exactly what `checked_json` claims, for every
    /// case input and corpus file, and for hand-made documents.
    #[test]
    fn claims_read_by_the_skeleton_reader_are_the_whole_readers() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<String> = vec![
            r#"{"status":"passed","attestations":[{"bundle":{}},{"bundle":1}]}"#.into(),
            r#"{"status":"passed","attestations":[{"bundle":{}},{"x":1}]}"#.into(),
            r#"{"status":"passed","attestations":[]}"#.into(),
            r#"{"status":"passed","scorecard":{"version":"5"},"checks":[]}"#.into(),
            r#"{"status":"passed","repo":{},"findings":[{"a":{"a":1}}]}"#.into(),
            r#"{"status":"passed","repo":{},"findings":[{"a":{"a":1,"a":2}}]}"#.into(),
            r#"{"status":"passed","database":{},"vulnerabilities":{"list":[]}}"#.into(),
            r#"{"status":"passed","runs":[{"results":[{"x":1,"x":2}]}],"version":"2.1.0"}"#.into(),
            r#"{"status":"passed","runs":[],"version":"2.1.0"}"#.into(),
            r#"{"status":"passed","payloadType":"x","payload":""}"#.into(),
            r#"{"status":"passed","base64Signature":"x","cert":""}"#.into(),
            r#"{"status":"passed","bomFormat":"CycloneDX"}"#.into(),
            r#"{"status":"passed","specVersion":"1.5","components":[],"$schema":"cyclonedx"}"#
                .into(),
            r#"{"status":"passed","spdxVersion":"SPDX-2.3"}"#.into(),
            r#"[1, {"a": 1}]"#.into(),
        ];
        let mut dirs = vec![root.join("../tests/cases"), root.join("../../shared/corpus")];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if let Ok(text) = std::fs::read_to_string(&path) {
                    texts.push(text);
                }
            }
        }
        assert!(texts.len() > 100);
        for text in &texts {
            let whole = checked_json(text).ok().as_ref().and_then(tool_claim);
            let skeleton = release_gate_scan::skeleton::claim(text.as_bytes())
                .ok()
                .as_ref()
                .and_then(tool_claim);
            assert_eq!(whole, skeleton, "{text}");
        }
    }

    #[test]
    fn a_cargo_deny_stream_is_judged_line_by_line() {
        let summary = r#"{"type":"summary","fields":{"bans":{"errors":0}}}"#;
        check(format!("{summary}\n").as_bytes(), "cargo-deny []");
        check(
            format!("{{\"status\": \"failed\"}}\n{summary}\n").as_bytes(),
            "invalid: not valid cargo-deny JSON: the JSON value at line 1 is not a cargo-deny record (an object with a `type` and `fields`); every line of the stream must be one",
        );
        check(
            format!("{summary}\nerror: boom\n").as_bytes(),
            "invalid: not valid cargo-deny JSON: line 2 is not JSON; every line of a cargo-deny stream must be one of its JSON records",
        );
    }

    /// Class 3: the stub marker and the binding claims of tool formats.
    #[test]
    fn tool_formats_carry_stub_and_claims() {
        let judged = |name: &str, input: &str| -> (bool, Claims, Vec<String>) {
            let ctx = Context { hint: hint(name), ..Context::default() };
            match understand(input.as_bytes(), &FormatPolicy::default(), ctx) {
                Understood::Evidence(j) => (j.stub, j.claims, j.outcome.reasons),
                other => panic!("{name}: {other:?}"),
            }
        };
        let sarif = r#"{"version": "2.1.0", "provenance": "stub", "release": "v2", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}"#;
        let (stub, claims, _) = judged("a.sarif", sarif);
        assert!(stub);
        assert_eq!(claims.release.as_deref(), Some("v2"));
        let junit = r#"<testsuites timestamp="2026-01-02T03:04:05"><testsuite name="s" timestamp="2026-01-03T00:00:00Z"><properties><property name="commit" value="abcdef1"/></properties><testcase name="c"/></testsuite></testsuites>"#;
        let (stub, claims, _) = judged("t.xml", junit);
        assert!(!stub);
        assert_eq!(claims.commit.as_deref(), Some("abcdef1"));
        assert_eq!(claims.generated_at.as_deref(), Some("2026-01-02T03:04:05+14:00"));
        let scorecard = r#"{"date": "2026-01-02", "repo": {"name": "x", "commit": "abcdef1"}, "scorecard": {"version": "v5"}, "score": 9.0, "checks": []}"#;
        let (_, claims, _) = judged("s.json", scorecard);
        assert_eq!(claims.commit.as_deref(), Some("abcdef1"));
        assert_eq!(claims.generated_at.as_deref(), Some("2026-01-02T00:00:00+14:00"));
        // A claim of the wrong shape is a reason.
        let bad = r#"{"version": "2.1.0", "commit": ["a"], "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}"#;
        let (_, _, reasons) = judged("a.sarif", bad);
        assert_eq!(reasons, ["`commit` is an array, expected a string"]);
    }

    /// The scanner's prefilter is sound: no detector claims a document
    /// without one of `TOOL_MARKER_KEYS` at its top level (take them all
    /// away, and nothing claims it), so skipping the mixed-document check
    /// for evidence without them cannot let a mixed document through.
    #[test]
    fn every_tool_claim_needs_a_marker_key() {
        use release_gate_scan::evidence::TOOL_MARKER_KEYS;
        let docs = [
            r#"{"version": "2.1.0", "runs": []}"#,
            r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": []}"#,
            r#"{"bomFormat": "CycloneDX", "specVersion": "1.5"}"#,
            r#"{"specVersion": "1.5", "components": [], "$schema": "http://cyclonedx.org/schema/bom-1.5.schema.json"}"#,
            r#"{"spdxVersion": "SPDX-2.3"}"#,
            r#"{"scorecard": {"version": "v5"}, "checks": []}"#,
            r#"{"repo": {"name": "x"}, "findings": []}"#,
            r#"{"database": {}, "vulnerabilities": {}}"#,
            r#"{"_type": "https://in-toto.io/Statement/v1"}"#,
            r#"{"payloadType": "application/vnd.in-toto+json", "payload": ""}"#,
            r#"{"mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.2"}"#,
            r#"{"attestations": [{"bundle": {}}]}"#,
            r#"{"base64Signature": "", "rekorBundle": {}}"#,
        ];
        for doc in docs {
            let value: Value = serde_json::from_str(doc).unwrap();
            assert!(tool_claim(&value).is_some(), "not claimed: {doc}");
            let mut stripped = value.clone();
            if let Some(obj) = stripped.as_object_mut() {
                obj.retain(|k, _| !TOOL_MARKER_KEYS.contains(&k.as_str()));
            }
            assert_eq!(tool_claim(&stripped), None, "claimed without a marker key: {doc}");
        }
        // Every case input and corpus file the detectors claim has one.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut stack = vec![root.join("tests/cases")];
        if let Some(corpus) = std::env::var_os("RELEASE_GATE_CORPUS") {
            stack.push(corpus.into());
        }
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else { continue };
                let Ok(text) = decode(&bytes) else { continue };
                let Ok(value) = checked_json(&text) else { continue };
                if tool_claim(&value).is_some() {
                    let obj = value.as_object().unwrap();
                    assert!(
                        obj.keys().any(|k| TOOL_MARKER_KEYS.contains(&k.as_str())),
                        "{} is claimed without a marker key",
                        path.display()
                    );
                }
            }
        }
    }
}
