//! Which format a document is, from its content, and the outcome of that
//! format's rule. The file name ([`hint`]) and a document's own marker only
//! say which format it must be: failing it is invalid, never ignored and
//! never read as another format.
//!
//! Order of decisions, for a document held in memory:
//! 1. Decode: strip a UTF-8 byte order mark; decode UTF-16 with a byte order
//!    mark (PowerShell's `>` writes it); anything else must be UTF-8.
//! 2. XML (first non-blank character `<`): read in full first
//!    ([`junit::read`]): not well-formed is invalid; JUnit when the root
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

use release_gate_scan::checked::{checked_json, duplicate_in_records, is_duplicate};
use serde_json::Value;

use super::evidence_json::{self as evidence, Evidence, UTF8_BOM};
use super::provenance::Found;
use super::registry::{Format, Id, Json, JsonRule};
use super::streams::{self, Streams};
use super::{cargo_deny, criterion, junit, FormatPolicy, Outcome};
use crate::gate::escape::{bounded, shown};
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
    fn json_format(self) -> Option<Id> {
        match self {
            Hint::Sarif => Some(Id::Sarif),
            Hint::CycloneDx => Some(Id::CycloneDx),
            Hint::Spdx => Some(Id::Spdx),
            Hint::InToto => Some(Id::InToto),
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
        return not_xml(ctx.hint);
    }
    let promised = ctx.hint.json_format();
    let own = evidence::parse_str(&text);
    // (A mixed document is read by the optimized skeleton reader: the same
    // document as `checked_json` gives, but SARIF results, which no detector
    // reads, are not kept. Only a document with a key some detector relies
    // on can be one: thousands of evidence files a run have none, no second
    // read.)
    let claim = |ev: &Evidence| {
        let skeleton = ev.tool_marker.then(|| release_gate_scan::skeleton::claim(text.as_bytes()));
        skeleton.and_then(Result::ok).as_ref().and_then(tool_claim)
    };
    if let Some(understood) = own_format(&own, ctx.hint, claim) {
        return understood;
    }
    match checked_json(&text) {
        Ok(doc) => {
            if let Some(understood) = tool_format(&doc, policy, ctx, None) {
                return understood;
            }
        }
        Err(e) => {
            if let Some(understood) = not_one_json(&e, &own, promised) {
                return understood;
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
        return judged(Id::CargoDeny, cargo_deny::check(&text, policy), found);
    }
    no_tool(&own, promised)
}

/// A `.xml` or `.junit.xml` file that is not XML.
fn not_xml(hint: Hint) -> Understood {
    Understood::Invalid(format!(
        "a {} file that is not XML (it does not start with `<`)",
        hint.suffix()
    ))
}

/// The gate's own evidence (a top-level `status` or `passed`); `None` when
/// the document is not. Invalid when its name promises a tool format, or
/// when a tool format also claims it (`claim`: a SARIF log with `"status":
/// "passed"` added is mixed, and neither reading may hide the other).
fn own_format(
    own: &Result<Evidence, String>,
    hint: Hint,
    claim: impl FnOnce(&Evidence) -> Option<Id>,
) -> Option<Understood> {
    let ev = own.as_ref().ok().filter(|ev| ev.own_format)?;
    if let Some(format) = hint.json_format() {
        let what = "the gate's own evidence (it has a top-level `status` or `passed`)";
        return Some(not_promised(hint, format, what));
    }
    Some(match claim(ev) {
        Some(format) => Understood::Invalid(format!(
            "a mixed document: it has the gate's own top-level `status` or `passed` and is also {} (its marker or its fields); write the tool's output unchanged, the gate reads {} directly",
            format.format().article,
            format.format().display
        )),
        None => own_evidence(ev.clone()),
    })
}

/// A document that is not one JSON document: invalid when a key repeats
/// (one rule for every format, at any depth: readers disagree on which
/// value wins) or when its name promises a JSON format; `None` otherwise.
fn not_one_json(
    e: &serde_json::Error,
    own: &Result<Evidence, String>,
    promised: Option<Id>,
) -> Option<Understood> {
    if is_duplicate(e) {
        return Some(Understood::Invalid(match own {
            Err(why) if why.starts_with("duplicate key `") => why.clone(),
            _ => bounded(&e.to_string()),
        }));
    }
    promised.map(|format| {
        Understood::Invalid(format!(
            "not valid {}: not one JSON document: {}",
            format.format().display,
            bounded(&e.to_string())
        ))
    })
}

/// What no tool format claims keeps the gate's own rule; invalid when its
/// name promises a tool format.
fn no_tool(own: &Result<Evidence, String>, promised: Option<Id>) -> Understood {
    match (own, promised) {
        (Ok(_), Some(format)) => Understood::Invalid(format!(
            "not valid {}: it has none of the format's fields",
            format.format().display
        )),
        (Ok(ev), None) => own_evidence(ev.clone()),
        (Err(why), _) => Understood::Invalid(why.clone()),
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
    let mut streams = Streams::in_memory(policy);
    let tool =
        release_gate_scan::skeleton::read_slice(text.as_bytes(), streams::PLAN, &mut streams);
    // The gate's own scan only when the decision needs it (see `Own`).
    let scan = || evidence::parse_str(text);
    understand_stream(&mut Own::later(&scan), &tool, &streams, None, policy, ctx)
        .unwrap_or_else(|| understand(bytes, policy, ctx))
}

/// A document's reading as the gate's own evidence, for
/// [`understand_stream`]: scanned already, or scanned when first asked
/// for. A tool document (one of its formats claims it) with neither of the
/// own format's top-level keys (`status`, `passed`) is decided without it:
/// whatever that scan said, the decision would be the same. Every other
/// decision asks for it.
pub struct Own<'a> {
    scanned: Option<Result<Evidence, String>>,
    scan: &'a dyn Fn() -> Result<Evidence, String>,
}

impl<'a> Own<'a> {
    /// Scanned already (`Some`), or not (the scan stopped early: `scan`
    /// scans it when asked).
    pub fn new(
        scanned: Option<Result<Evidence, String>>,
        scan: &'a dyn Fn() -> Result<Evidence, String>,
    ) -> Own<'a> {
        Own { scanned, scan }
    }

    /// Not scanned yet.
    pub fn later(scan: &'a dyn Fn() -> Result<Evidence, String>) -> Own<'a> {
        Own::new(None, scan)
    }

    /// The scan's verdict, scanning now if it was not scanned yet.
    pub fn get(&mut self) -> &Result<Evidence, String> {
        let scan = self.scan;
        self.scanned.get_or_insert_with(scan)
    }
}

/// The document has a top-level key of the gate's own format: the
/// evidence scanner would say `own_format` (`Evidence::own_format`).
fn has_own_keys(doc: &Value) -> bool {
    doc.as_object().is_some_and(|o| o.contains_key("status") || o.contains_key("passed"))
}

/// A document over `max-parse-bytes`, read once from a stream by two
/// readers side by side: `own`, the gate's own evidence scanner, and `tool`,
/// the skeleton reader (`release_gate_scan::skeleton`), whose SARIF results
/// `streamed` judged on the way, and `lines`, the same bytes read as
/// cargo-deny's JSON lines. The same decisions as [`understand`], in the
/// same order, for the gate's own evidence, SARIF and cargo-deny's JSON
/// lines; `None` for what is not read in bounded memory (XML, cargo-deny
/// records that are not one a line, another tool format whose document is
/// too large to hold): the caller refuses it.
pub fn understand_stream(
    own: &mut Own<'_>,
    tool: &Result<Value, serde_json::Error>,
    streams: &Streams,
    lines: Option<cargo_deny::Lines>,
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
        return Some(not_xml(ctx.hint));
    }
    let promised = ctx.hint.json_format();
    // Without the own format's top-level keys, `own_format` below is
    // `None` whatever the scan says, and the tool formats come next: one
    // that claims the document decides, without the scan.
    let claimed = tool
        .as_ref()
        .ok()
        .filter(|doc| !has_own_keys(doc))
        .map(|doc| tool_format(doc, policy, ctx, Some(streams)));
    if let Some(Some(understood)) = claimed {
        return Some(understood);
    }
    let own = own.get();
    // A mixed document: the skeleton has what the detectors read (a
    // skeleton over its budget is the gate's own evidence's bulk).
    if let Some(understood) = own_format(own, ctx.hint, |_| tool.as_ref().ok().and_then(tool_claim))
    {
        return Some(understood);
    }
    match tool {
        Ok(doc) => {
            claimed.unwrap_or_else(|| tool_format(doc, policy, ctx, Some(streams))).or_else(|| {
                // The rest of `understand`, for one JSON document held whole (no
                // results were streamed): cargo-deny records as read line by
                // line; anything else keeps the gate's own rule.
                let deny = match doc {
                    Value::Array(items) => items.iter().any(cargo_deny::is_record),
                    other => cargo_deny::is_record(other),
                };
                match deny {
                    true => deny_lines(lines),
                    false => (!streams.any()).then(|| no_tool(own, promised)),
                }
            })
        }
        Err(e) if is_duplicate(e) => not_one_json(e, own, promised),
        Err(_) if sentinel(skeleton::OVER_BUDGET) => None,
        Err(e) => not_one_json(e, own, promised).or_else(|| deny_lines(lines)),
    }
}

/// cargo-deny's JSON lines read line by line: judged as [`understand`]
/// judges them; `None` when the lines hold no record, or were not read
/// (the caller refuses the file).
fn deny_lines(lines: Option<cargo_deny::Lines>) -> Option<Understood> {
    let lines = lines.filter(|lines| lines.detected)?;
    if let Some(why) = &lines.undecided {
        return Some(Understood::Invalid(format!(
            "not read as cargo-deny JSON lines over `max-parse-bytes`: {why} (a file this large is read one line at a time, each line at most {} bytes); write one record a line, or raise `max-parse-bytes` in [workspace.metadata.release-gate]",
            cargo_deny::MAX_LINE_BYTES
        )));
    }
    if let Some(e) = lines.duplicate() {
        return Some(Understood::Invalid(e.clone()));
    }
    let found = lines.found.clone();
    Some(judged(Id::CargoDeny, lines.outcome(), found))
}

/// A file whose name promises `format` but holds `what`.
fn not_promised(hint: Hint, format: Id, what: &str) -> Understood {
    Understood::Invalid(format!(
        "not valid {}: a {} file that holds {what}",
        format.format().display,
        hint.suffix()
    ))
}

/// An XML document: JUnit when its root is `testsuites` or `testsuite`;
/// invalid when it is not well-formed (see [`junit::read`]), when its root
/// is a JUnit root with a namespace prefix, or when its name promises JUnit;
/// otherwise not evidence.
fn xml(text: &str, policy: &FormatPolicy, hint: Hint) -> Understood {
    xml_read(junit::read(junit::Input::text(text), policy), hint)
}

/// [`xml`] of a document read (in memory, or streamed over `max-parse-bytes`).
pub fn xml_read(doc: junit::Xml, hint: Hint) -> Understood {
    let root = match doc.root {
        Ok(root) => root,
        Err(why) => {
            let format = if doc.junit { "JUnit XML" } else { "XML" };
            return Understood::Invalid(format!("not valid {format}: {}", bounded(&why)));
        }
    };
    if let Some(format) = hint.json_format() {
        return not_promised(hint, format, "XML");
    }
    if doc.junit {
        return judged(Id::Junit, doc.check, doc.found);
    }
    let local = root.rsplit_once(':').map_or(root.as_str(), |(_, local)| local);
    let shown = shown(&root);
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

/// The tool format that claims a JSON document, by its marker or its
/// detector (criterion aside: its files have no marker).
fn tool_claim(doc: &Value) -> Option<Id> {
    marked(doc).or_else(|| json_formats().find(|(_, json)| (json.detect)(doc)).map(|(id, _)| id))
}

/// The format a document's own marker names, even when the document is not
/// valid in it: SARIF's `$schema`, CycloneDX's `bomFormat`, SPDX's
/// `spdxVersion`, in-toto's `_type`.
fn marked(doc: &Value) -> Option<Id> {
    let obj = doc.as_object()?;
    let mentions = |key: &str, word: &str| {
        obj.get(key).and_then(Value::as_str).is_some_and(|s| s.to_ascii_lowercase().contains(word))
    };
    if mentions("$schema", "sarif") {
        Some(Id::Sarif)
    } else if obj.contains_key("bomFormat") || mentions("$schema", "cyclonedx") {
        Some(Id::CycloneDx)
    } else if obj.contains_key("spdxVersion") {
        Some(Id::Spdx)
    } else if mentions("_type", "in-toto") {
        Some(Id::InToto)
    } else {
        None
    }
}

/// The JSON tool formats, in the order their detectors are asked.
fn json_formats() -> impl Iterator<Item = (Id, Json)> {
    Id::ALL.into_iter().filter_map(|id| id.json().map(|json| (id, json)))
}

/// `streams`: `doc` is the skeleton of a document read from a stream (see
/// [`understand_stream`]), its streamed arrays judged on the way; `None`
/// when no rule can judge it from what was kept (see [`Streams::check`]).
fn tool_format(
    doc: &Value,
    policy: &FormatPolicy,
    ctx: Context,
    streams: Option<&Streams>,
) -> Option<Understood> {
    // A skeleton whose arrays were streamed is judged by the streamed rule of
    // their format; another format's whole rule reads none of them.
    let streamed = streams.is_some_and(Streams::any);
    let refused = std::cell::Cell::new(false);
    let check = |id: Id, check: JsonRule| match streams.and_then(|s| s.check(id, doc, policy)) {
        Some(outcome) => outcome,
        // Past a limit of the stream, held in memory: read it whole.
        None if streams.is_some_and(|s| s.saw(id)) => {
            refused.set(true);
            Err(String::new())
        }
        None => check(doc, policy),
    };
    let understood = tool_format_with(doc, policy, ctx, streamed, &check);
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
    check: &dyn Fn(Id, JsonRule) -> Result<Outcome, String>,
) -> Option<Understood> {
    let promised = ctx.hint.json_format().or_else(|| marked(doc));
    if let Some((id, json)) = json_formats().find(|(_, json)| (json.detect)(doc)) {
        let Some(format) = promised.filter(|p| *p != id) else {
            return Some(judged(id, check(id, json.check), (json.provenance)(doc)));
        };
        let what = format!("a {} document", id.format().display);
        let display = format.format().display;
        return Some(match ctx.hint.json_format() {
            Some(_) => not_promised(ctx.hint, format, &what),
            None => Understood::Invalid(format!(
                "not valid {display}: its marker names {display} but it reads as {what}"
            )),
        });
    }
    // Promised (by the file name or the document's marker) but not
    // detected: the format's own rule says why it is not valid.
    if let Some((id, json)) = promised.and_then(|p| p.json().map(|json| (p, json))) {
        let display = id.format().display;
        return Some(match check(id, json.check) {
            Ok(outcome) if !outcome.reasons.is_empty() => Understood::Invalid(format!(
                "not valid {display}: {}",
                bounded(&outcome.reasons.join("; "))
            )),
            Ok(_) => Understood::Invalid(format!(
                "not valid {display}: it lacks the fields that identify the format"
            )),
            Err(why) => judged(id, Err(why), (json.provenance)(doc)),
        });
    }
    if streamed_results {
        return None;
    }
    let found = Found::top_level(doc);
    match criterion::classify(doc)? {
        criterion::Kind::Change => {
            Some(judged(Id::Criterion, criterion::check_change(doc, policy), found))
        }
        criterion::Kind::Estimates if ctx.has_criterion_change => Some(Understood::Supporting(
            "criterion estimates: judged through the benchmark's `change/estimates.json`".to_string(),
        )),
        criterion::Kind::Estimates => Some(judged(
            Id::Criterion,
            Ok(Outcome {
                warnings: vec!["criterion benchmark without `change/estimates.json`: no baseline to compare against".to_string()],
                ..Outcome::default()
            }),
            found,
        )),
        criterion::Kind::Support => {
            Some(Understood::Supporting("criterion support file".to_string()))
        }
    }
}

/// A tool format's judgement: its rule's outcome, with the claims and the
/// stub marker its provenance carries (a claim with the wrong shape is a
/// reason).
fn judged(format: Id, result: Result<Outcome, String>, found: Found) -> Understood {
    let Format { name, display, .. } = format.format();
    match result {
        Ok(mut outcome) => {
            outcome.reasons.extend(found.problems.iter().cloned());
            // The format modules keep what they quote to one line; this holds
            // it for every message, so a document can never forge a line of
            // the gate's output (a terminal escape, a CI workflow command).
            let one_line =
                |list: Vec<String>| -> Vec<String> { list.iter().map(|s| bounded(s)).collect() };
            let outcome = Outcome {
                reasons: one_line(outcome.reasons),
                warnings: one_line(outcome.warnings),
                findings: one_line(outcome.findings),
                counts: outcome.counts.into_iter().map(|(k, v)| (bounded(&k), v)).collect(),
            };
            Understood::Evidence(Box::new(Judged {
                format: name,
                outcome,
                own: None,
                claims: found.claims(),
                stub: found.stub,
            }))
        }
        Err(why) => Understood::Invalid(format!("not valid {display}: {}", bounded(&why))),
    }
}

fn own_evidence(ev: Evidence) -> Understood {
    let outcome = Outcome { reasons: ev.reasons.clone(), ..Outcome::default() };
    Understood::Evidence(Box::new(Judged {
        format: Id::Evidence.format().name,
        outcome,
        claims: ev.claims.clone(),
        stub: ev.stub,
        own: Some(ev),
    }))
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
