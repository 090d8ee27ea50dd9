//! Understand the format: the gate's own evidence JSON, read as a stream.
//!
//! One entry point, [`parse`]: a reader in, a normalized [`Evidence`] out, or
//! an error message with the position. Only the top-level fields the gate
//! decides on are kept; everything else is skipped without being held in
//! memory. Duplicate keys are rejected in every object (a gate that reads the
//! first `status` while another tool reads the last can be fooled), and so is
//! invalid UTF-8 anywhere in the document and nesting deeper than 128 levels.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, BufReader, Read};

use super::config::{check_domain_name, MAX_DOMAIN};
use super::trust::Claims;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

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

/// Status words, compared trimmed and case-insensitive.
const PASSED_WORDS: &[&str] = &["passed", "pass", "success", "succeeded", "ok", "green"];
const FAILED_WORDS: &[&str] = &["failed", "fail", "failure", "error", "errored", "red"];

/// Longest text echoed from a document into a message, in bytes; longer
/// values are cut (a status word is short; a 10 MB "status" is not one).
pub const MAX_SHOWN: usize = 120;

/// Longest `release`, `commit` or `generated_at` accepted, in bytes.
const MAX_CLAIM: usize = 256;

/// Text from a document as messages show it: one line (control characters
/// become spaces, so evidence cannot forge lines in a terminal or a CI log),
/// and at most [`MAX_SHOWN`] bytes, with the full length when cut.
pub fn shown(text: &str) -> String {
    let one_line = |c: char| if c.is_control() { ' ' } else { c };
    if text.len() <= MAX_SHOWN {
        return text.chars().map(one_line).collect();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.len().saturating_add(c.len_utf8()) > MAX_SHOWN.saturating_sub(20) {
            break;
        }
        out.push(one_line(c));
    }
    format!("{out}... ({} bytes in all)", text.len())
}

/// Longest message about a document, in bytes: a parser's message can quote
/// the input, and no quote may echo megabytes into the report or the terminal.
pub const MAX_MESSAGE: usize = 1024;

/// A message about a document, kept to one line and at most about
/// [`MAX_MESSAGE`] bytes: the start and the end (where parsers put the line
/// and column) survive, the middle is cut.
pub fn bounded(message: &str) -> String {
    let one_line = message.replace(char::is_control, " ");
    if one_line.len() <= MAX_MESSAGE {
        return one_line;
    }
    let head_end = (0..=MAX_MESSAGE.saturating_sub(200))
        .rev()
        .find(|&i| one_line.is_char_boundary(i))
        .unwrap_or(0);
    let tail_start = (one_line.len().saturating_sub(160)..=one_line.len())
        .find(|&i| one_line.is_char_boundary(i))
        .unwrap_or(one_line.len());
    format!(
        "{} ... ({} bytes cut) ... {}",
        one_line.get(..head_end).unwrap_or_default(),
        tail_start.saturating_sub(head_end),
        one_line.get(tail_start..).unwrap_or_default()
    )
}

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
}

/// Reads one evidence document. The error names the line and column (or the
/// byte offset for encoding errors) and what was wrong there.
pub fn parse(reader: impl Read) -> Result<Evidence, String> {
    let mut checked = Utf8Check::new(reader);
    // A UTF-8 byte order mark (as Windows tools write) is not content. Read
    // the first three bytes whatever sizes the reads come in: one `fill_buf`
    // may hold fewer (found by fuzzing: a one-byte reader kept the mark).
    let mut head = [0u8; 3];
    let mut got = 0usize;
    while let Some(rest) = head.get_mut(got..).filter(|rest| !rest.is_empty()) {
        match checked.read(rest) {
            Ok(0) => break,
            Ok(n) => got = got.saturating_add(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(bounded(&e.to_string())),
        }
    }
    let head = head.get(..got).unwrap_or_default();
    let head = if head == UTF8_BOM { &[][..] } else { head };
    let reader = BufReader::with_capacity(64 * 1024, io::Cursor::new(head.to_vec()).chain(checked));
    let mut de = serde_json::Deserializer::from_reader(reader);
    let doc = de.deserialize_map(DocVisitor).map_err(message)?;
    de.end().map_err(message)?;
    Ok(doc.normalize())
}

/// A parser error as the report says it. A read error (invalid UTF-8, from
/// [`Utf8Check`]) keeps its own message, which names the byte offset: the
/// parser's line and column would be where it stopped, not where the bad
/// byte is.
fn message(e: serde_json::Error) -> String {
    if e.is_io() {
        bounded(&io::Error::from(e).to_string())
    } else {
        bounded(&e.to_string())
    }
}

/// A JSON value of which the gate only needs the string or boolean inside, or
/// else the name of its type for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Scalar {
    Str(String),
    Bool(bool),
    Other(&'static str),
}

impl Scalar {
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Str(_) => "a string",
            Scalar::Bool(_) => "a boolean",
            Scalar::Other(kind) => kind,
        }
    }
}

/// The top-level fields the gate reads.
#[derive(Debug, Default)]
struct Doc {
    status: Option<Scalar>,
    passed: Option<Scalar>,
    domain: Option<Scalar>,
    provenance: Option<Scalar>,
    generator: Option<Scalar>,
    release: Option<Scalar>,
    commit: Option<Scalar>,
    generated_at: Option<Scalar>,
    blockers: Option<Counted>,
    checks: Option<Checks>,
}

#[derive(Debug)]
enum Counted {
    Array(usize),
    Other(&'static str),
}

#[derive(Debug)]
enum Checks {
    Array(Vec<Check>),
    Other(&'static str),
}

#[derive(Debug)]
enum Check {
    Object { name: Option<Scalar>, status: Option<Scalar> },
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
    fn normalize(self) -> Evidence {
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
        match self.checks {
            None => {}
            Some(Checks::Other(kind)) => {
                reasons.push(format!("`checks` is {kind}, expected an array"))
            }
            Some(Checks::Array(checks)) => {
                for (i, check) in checks.iter().enumerate() {
                    if let Some(reason) = check_reason(i, check) {
                        reasons.push(reason);
                    }
                }
            }
        }
        let declared_domain = match self.domain {
            None => None,
            Some(Scalar::Str(s)) if check_domain_name(&s).is_ok() => Some(s),
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
        let stub = matches!(&self.provenance, Some(Scalar::Str(p)) if p.trim().eq_ignore_ascii_case("stub"));
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
        Evidence { declared_domain, reported_status, reasons, stub, generator, claims, own_format }
    }
}

fn check_reason(index: usize, check: &Check) -> Option<String> {
    let (name, status) = match check {
        Check::Other(kind) => return Some(format!("check #{index} is {kind}, expected an object")),
        Check::Object { name, status } => (name, status),
    };
    let label = match name {
        Some(Scalar::Str(n)) => format!("check `{}`", shown(n)),
        _ => format!("check #{index}"),
    };
    match status {
        Some(Scalar::Str(s)) => match classify(s) {
            Word::Passed => None,
            _ => Some(format!("{label} has status `{}`", shown(s))),
        },
        Some(other) => Some(format!("{label} has a `status` that is {}", other.kind())),
        None => Some(format!("{label} has no `status`")),
    }
}

/// Records each key of one JSON object, rejecting a second occurrence.
#[derive(Default)]
struct Keys(BTreeSet<String>);

impl Keys {
    fn first<E: de::Error>(&mut self, key: &str) -> Result<(), E> {
        if self.0.insert(key.to_string()) {
            Ok(())
        } else {
            Err(E::custom(format_args!("duplicate key `{}`", shown(key))))
        }
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Doc;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object (the evidence document)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc, A::Error> {
        let mut doc = Doc::default();
        let mut keys = Keys::default();
        while let Some(key) = map.next_key::<String>()? {
            keys.first(&key)?;
            match key.as_str() {
                "status" => doc.status = Some(map.next_value_seed(ScalarSeed)?),
                "passed" => doc.passed = Some(map.next_value_seed(ScalarSeed)?),
                "domain" => doc.domain = Some(map.next_value_seed(ScalarSeed)?),
                "provenance" => doc.provenance = Some(map.next_value_seed(ScalarSeed)?),
                "generator" => doc.generator = Some(map.next_value_seed(ScalarSeed)?),
                "release" => doc.release = Some(map.next_value_seed(ScalarSeed)?),
                "commit" => doc.commit = Some(map.next_value_seed(ScalarSeed)?),
                "generated_at" => doc.generated_at = Some(map.next_value_seed(ScalarSeed)?),
                "blockers" => doc.blockers = Some(map.next_value_seed(CountSeed)?),
                "checks" => doc.checks = Some(map.next_value_seed(ChecksSeed)?),
                _ => {
                    map.next_value::<Strict>()?;
                }
            }
        }
        Ok(doc)
    }
}

/// A value whose content the gate does not need, read only to hold the
/// document's rules: no key repeated in any object, and at most serde_json's
/// recursion limit (128) of nesting, so a hostile depth is an error, not a
/// stack overflow or a pass.
struct Strict;

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Strict, D::Error> {
        d.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Strict;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Strict, E> {
        Ok(Strict)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Strict, A::Error> {
        drain_seq(seq).map(|_| Strict)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Strict, A::Error> {
        drain_map(map).map(|_| Strict)
    }
}

/// Drains a sequence or map whose contents do not matter.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<usize, A::Error> {
    let mut n = 0usize;
    while seq.next_element::<Strict>()?.is_some() {
        n = n.saturating_add(1);
    }
    Ok(n)
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    let mut keys = Keys::default();
    while let Some(key) = map.next_key::<String>()? {
        keys.first(&key)?;
        map.next_value::<Strict>()?;
    }
    Ok(())
}

/// Implements the non-matching arms of a visitor: each records the JSON type.
macro_rules! other_kinds {
    ($wrap:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($wrap("a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($wrap("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($wrap("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($wrap("a number"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($wrap("a string"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($wrap("null"))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            drain_map(map)?;
            Ok($wrap("an object"))
        }
    };
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Scalar, E> {
        Ok(Scalar::Other("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Scalar, E> {
        Ok(Scalar::Other("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalar, E> {
        Ok(Scalar::Other("a number"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Scalar, A::Error> {
        drain_seq(seq)?;
        Ok(Scalar::Other("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Scalar, A::Error> {
        drain_map(map)?;
        Ok(Scalar::Other("an object"))
    }
}

struct CountSeed;

impl<'de> DeserializeSeed<'de> for CountSeed {
    type Value = Counted;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Counted, D::Error> {
        d.deserialize_any(CountVisitor)
    }
}

struct CountVisitor;

impl<'de> Visitor<'de> for CountVisitor {
    type Value = Counted;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Counted, A::Error> {
        Ok(Counted::Array(drain_seq(seq)?))
    }
    other_kinds!(Counted::Other);
}

struct ChecksSeed;

impl<'de> DeserializeSeed<'de> for ChecksSeed {
    type Value = Checks;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Checks, D::Error> {
        d.deserialize_any(ChecksVisitor)
    }
}

struct ChecksVisitor;

impl<'de> Visitor<'de> for ChecksVisitor {
    type Value = Checks;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of checks")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checks, A::Error> {
        let mut checks = Vec::new();
        while let Some(check) = seq.next_element_seed(CheckSeed)? {
            checks.push(check);
        }
        Ok(Checks::Array(checks))
    }
    other_kinds!(Checks::Other);
}

struct CheckSeed;

impl<'de> DeserializeSeed<'de> for CheckSeed {
    type Value = Check;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Check, D::Error> {
        d.deserialize_any(CheckVisitor)
    }
}

struct CheckVisitor;

impl<'de> Visitor<'de> for CheckVisitor {
    type Value = Check;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a check object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
        let mut keys = Keys::default();
        let (mut name, mut status) = (None, None);
        while let Some(key) = map.next_key::<String>()? {
            keys.first(&key)?;
            match key.as_str() {
                "name" => name = Some(map.next_value_seed(ScalarSeed)?),
                "status" => status = Some(map.next_value_seed(ScalarSeed)?),
                _ => {
                    map.next_value::<Strict>()?;
                }
            }
        }
        Ok(Check::Object { name, status })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Check, A::Error> {
        drain_seq(seq)?;
        Ok(Check::Other("an array"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Check, E> {
        Ok(Check::Other("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Check, E> {
        Ok(Check::Other("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Check, E> {
        Ok(Check::Other("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Check, E> {
        Ok(Check::Other("a number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Check, E> {
        Ok(Check::Other("a string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Check, E> {
        Ok(Check::Other("null"))
    }
}

/// A reader that rejects bytes that are not UTF-8, as JSON requires, with the
/// byte offset of the first bad byte. Sequences split across reads are carried
/// over, so the check holds for any read size.
struct Utf8Check<R> {
    inner: R,
    offset: u64,
    pending: Vec<u8>,
}

impl<R: Read> Utf8Check<R> {
    fn new(inner: R) -> Self {
        Utf8Check { inner, offset: 0, pending: Vec::new() }
    }

    fn invalid(at: u64) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, format!("invalid UTF-8 at byte offset {at}"))
    }

    fn check(&mut self, mut buf: &[u8]) -> io::Result<()> {
        let start = self.offset;
        self.offset = self.offset.saturating_add(buf.len() as u64);
        let mut at = start;
        // Complete a sequence that the previous read split.
        while !self.pending.is_empty() {
            let Some((&b, rest)) = buf.split_first() else { return Ok(()) };
            self.pending.push(b);
            buf = rest;
            at = at.saturating_add(1);
            match std::str::from_utf8(&self.pending) {
                Ok(_) => self.pending.clear(),
                Err(e) if e.error_len().is_none() && self.pending.len() < 4 => {}
                Err(_) => return Err(Self::invalid(at.saturating_sub(self.pending.len() as u64))),
            }
        }
        match std::str::from_utf8(buf) {
            Ok(_) => Ok(()),
            Err(e) => match e.error_len() {
                Some(_) => Err(Self::invalid(at.saturating_add(e.valid_up_to() as u64))),
                None => {
                    self.pending.extend_from_slice(buf.get(e.valid_up_to()..).unwrap_or_default());
                    Ok(())
                }
            },
        }
    }
}

impl<R: Read> Read for Utf8Check<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !self.pending.is_empty() {
            return Err(Self::invalid(self.offset.saturating_sub(self.pending.len() as u64)));
        }
        self.check(buf.get(..n).unwrap_or_default())?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<(&[&str], Option<&str>), &str>) {
        let got = parse(input.as_bytes());
        match (got, expected) {
            (Ok(ev), Ok((reasons, status))) => {
                assert_eq!(ev.reasons, reasons, "input: {input}");
                assert_eq!(ev.reported_status.as_deref(), status, "input: {input}");
            }
            (Err(e), Err(msg)) => assert_eq!(e, msg, "input: {input}"),
            (got, _) => panic!("input: {input}\nunexpected: {got:?}"),
        }
    }

    #[test]
    fn schema_names_exactly_the_fields_read() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../schemas/evidence.schema.json");
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut in_schema: Vec<&str> =
            schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut read: Vec<&str> = FIELDS.to_vec();
        in_schema.sort();
        read.sort();
        assert_eq!(in_schema, read);
        // And the reader really reads each of them: a wrong type is reported.
        for field in FIELDS
            .iter()
            .filter(|f| !["blockers", "checks", "provenance", "generator", "domain"].contains(f))
        {
            let doc = format!(r#"{{"status": "passed", "{field}": 12}}"#);
            let doc = if *field == "status" { r#"{"status": 12}"#.to_string() } else { doc };
            let reasons = parse(doc.as_bytes()).unwrap().reasons;
            assert!(
                reasons.iter().any(|r| r.contains(&format!("`{field}`"))),
                "{field}: {reasons:?}"
            );
        }
    }

    #[test]
    fn status_words() {
        for word in ["passed", " PASS ", "Success", "succeeded", "ok", "green"] {
            let doc = format!(r#"{{"status": "{word}"}}"#);
            check(&doc, Ok((&[], Some(word))));
        }
        for word in ["failed", "fail", "FAILURE", "error", "errored", "red"] {
            let doc = format!(r#"{{"status": "{word}"}}"#);
            let reason = format!("status is `{word}`");
            check(&doc, Ok((&[reason.as_str()], Some(word))));
        }
        check(
            r#"{"status": "skipped"}"#,
            Ok((
                &["status `skipped` is not a known status word (expected one of passed, pass, success, succeeded, ok, green)"],
                Some("skipped"),
            )),
        );
    }

    #[test]
    fn passed_boolean_and_missing_status() {
        check(r#"{"passed": true}"#, Ok((&[], None)));
        check(r#"{"passed": false}"#, Ok((&["`passed` is false"], None)));
        check(r#"{"passed": "yes"}"#, Ok((&["`passed` is a string, expected a boolean"], None)));
        check(r#"{"name": "x"}"#, Ok((&["no `status` field"], None)));
        check(
            r#"{"status": "passed", "passed": false}"#,
            Ok((&["`status` says passed but `passed` is false"], Some("passed"))),
        );
    }

    #[test]
    fn status_of_the_wrong_type() {
        check(r#"{"status": 1}"#, Ok((&["`status` is a number, expected a string"], None)));
        check(r#"{"status": null}"#, Ok((&["`status` is null, expected a string"], None)));
        check(
            r#"{"status": ["passed"]}"#,
            Ok((&["`status` is an array, expected a string"], None)),
        );
        check(r#"{"status": {"a": 1}}"#, Ok((&["`status` is an object, expected a string"], None)));
    }

    #[test]
    fn blockers_and_checks() {
        check(r#"{"status": "passed", "blockers": []}"#, Ok((&[], Some("passed"))));
        check(
            r#"{"status": "passed", "blockers": ["x", {"y": 1}]}"#,
            Ok((&["the artifact lists 2 blocker(s) of its own"], Some("passed"))),
        );
        check(
            r#"{"status": "passed", "checks": [{"name": "fmt", "status": "ok"}, {"name": "clippy", "status": "failed"}, {"status": "passed"}, {"name": "docs"}, 3]}"#,
            Ok((
                &[
                    "check `clippy` has status `failed`",
                    "check `docs` has no `status`",
                    "check #4 is a number, expected an object",
                ],
                Some("passed"),
            )),
        );
        check(
            r#"{"status": "passed", "checks": {"fmt": "ok"}}"#,
            Ok((&["`checks` is an object, expected an array"], Some("passed"))),
        );
    }

    #[test]
    fn invalid_documents() {
        check("", Err("EOF while parsing a value at line 1 column 0"));
        check(r#"{"status": "pass"#, Err("EOF while parsing a string at line 1 column 16"));
        check("[1]", Err("invalid type: sequence, expected a JSON object (the evidence document) at line 1 column 1"));
        check("null", Err("invalid type: null, expected a JSON object (the evidence document) at line 1 column 4"));
        check("{} {}", Err("trailing characters at line 1 column 4"));
        check(
            r#"{"status": "failed", "status": "passed"}"#,
            Err("duplicate key `status` at line 1 column 30"),
        );
        check("{\"status\": NaN}", Err("expected value at line 1 column 12"));
    }

    #[test]
    fn invalid_utf8_anywhere_is_rejected() {
        let mut doc = br#"{"status": "passed", "note": "#.to_vec();
        doc.extend_from_slice(b"\"\xff\"}");
        assert_eq!(parse(&doc[..]).unwrap_err(), "invalid UTF-8 at byte offset 30");
    }

    #[test]
    fn utf8_split_across_reads_is_accepted() {
        let doc = r#"{"status": "passed", "note": "ünïcødé ✓ 𝄞"}"#;
        assert_eq!(parse(OneByte(doc.as_bytes())).unwrap().reasons, Vec::<String>::new());
        let truncated = &doc.as_bytes()[..doc.len() - 4];
        assert!(parse(OneByte(truncated)).is_err());
    }

    /// Minimized from the `evidence_parse` fuzz target
    /// (`crash-444b5a21...`, a BOM-prefixed SARIF file of the corpus): with
    /// reads shorter than three bytes, the byte order mark was kept and the
    /// document became "expected value at line 1 column 1".
    #[test]
    fn byte_order_mark_split_across_reads_is_dropped() {
        for doc in
            [&b"\xEF\xBB\xBF{}"[..], b"\xEF\xBB\xBF{\"status\": \"ok\"}", b"{}", b"\xEF\xBB", b""]
        {
            let whole = parse(doc);
            assert_eq!(whole, parse(OneByte(doc)), "{doc:?}");
            assert_eq!(whole, parse(TwoBytes(doc)), "{doc:?}");
        }
        assert_eq!(parse(OneByte(b"\xEF\xBB\xBF{}")).unwrap().reasons, ["no `status` field"]);
        assert_eq!(parse(OneByte(b"\xEF\xBB")).unwrap_err(), "invalid UTF-8 at byte offset 0");
    }

    /// Hands out at most two bytes per read.
    struct TwoBytes<'a>(&'a [u8]);
    impl Read for TwoBytes<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(2).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Hands out one byte per read, the worst case for the carry-overs.
    struct OneByte<'a>(&'a [u8]);
    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&b, rest)) = self.0.split_first() else { return Ok(0) };
            buf[0] = b;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // 100k levels anywhere: over serde_json's recursion limit (128), so
        // the document is invalid, whatever its `status` says.
        let doc = format!(
            r#"{{"status": "passed", "x": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(
            parse(doc.as_bytes()).unwrap_err(),
            "recursion limit exceeded at line 1 column 153"
        );
        let doc = format!(r#"{{"status": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            parse(doc.as_bytes()).unwrap_err(),
            "recursion limit exceeded at line 1 column 138"
        );
        // 100 levels are fine.
        let doc = format!(r#"{{"status": "ok", "x": {}{}}}"#, "[".repeat(100), "]".repeat(100));
        assert_eq!(parse(doc.as_bytes()).unwrap().reasons, Vec::<String>::new());
    }

    #[test]
    fn duplicate_keys_at_any_depth_are_rejected() {
        check(
            r#"{"status": "passed", "x": {"y": [{"a": 1, "a": 2}]}}"#,
            Err("duplicate key `a` at line 1 column 46"),
        );
        check(
            r#"{"status": "passed", "checks": [{"name": "n", "status": "ok", "status": "failed"}]}"#,
            Err("duplicate key `status` at line 1 column 71"),
        );
    }

    #[test]
    fn echoed_text_is_one_short_line() {
        let long = "x".repeat(10_000);
        let doc = format!(r#"{{"status": "{long}"}}"#);
        let ev = parse(doc.as_bytes()).unwrap();
        let shown = format!("{}... (10000 bytes in all)", "x".repeat(100));
        assert_eq!(ev.reported_status.as_deref(), Some(shown.as_str()));
        assert_eq!(
            ev.reasons,
            [format!("status `{shown}` is not a known status word (expected one of passed, pass, success, succeeded, ok, green)")]
        );
        check(
            r#"{"status": "failed\n::error::forged line\u001b[2J"}"#,
            Ok((&["status `failed ::error::forged line [2J` is not a known status word (expected one of passed, pass, success, succeeded, ok, green)"], Some("failed ::error::forged line [2J"))),
        );
        check(
            r#"{"status": "ok", "domain": "Security Team"}"#,
            Ok((&["`domain` is `Security Team`, not a domain name (lowercase ASCII letters, digits, `_` and `-`, at most 64 bytes)"], Some("ok"))),
        );
        let doc = format!(r#"{{"status": "ok", "commit": "{}"}}"#, "a".repeat(300));
        let ev = parse(doc.as_bytes()).unwrap();
        assert_eq!(ev.claims.commit, None);
        assert!(ev.reasons[0].starts_with("`commit` is `aaaa"), "{:?}", ev.reasons);
        assert!(ev.reasons[0]
            .ends_with("(300 bytes in all)`, not a commit (at most 256 bytes, one line)"));
    }
}
