//! The serde-based evidence reader of the `main` branch (the gate's reader
//! before the scanner, with every reliability rule: no key repeated in any
//! object, nesting within 128 levels even in values the gate skips, echoed
//! text bounded, a byte order mark split across short reads dropped):
//! `serde_json`'s `from_reader` driving visitors, one byte per call. Kept,
//! for tests only, as the oracle the scanner must agree with on every
//! document: same result, same message, same position.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, BufReader, Read};

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::evidence::{bounded, shown, Check, Checks, Counted, Doc, Evidence, Scalar, UTF8_BOM};

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
                other => {
                    doc.tool_marker |= crate::evidence::TOOL_MARKER_KEYS.contains(&other);
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
        let (mut name, mut status, mut detail) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            keys.first(&key)?;
            match key.as_str() {
                "name" => name = Some(map.next_value_seed(ScalarSeed)?),
                "status" => status = Some(map.next_value_seed(ScalarSeed)?),
                "detail" => detail = Some(map.next_value_seed(ScalarSeed)?),
                _ => {
                    map.next_value::<Strict>()?;
                }
            }
        }
        Ok(Check::Object { name, status, detail })
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

/// Reads one JSON value of any kind as the reader reads a value it skips
/// (`Strict`): for the scanner's fast-path tests.
pub fn strict(bytes: &[u8]) -> Result<(), String> {
    serde_json::from_slice::<Strict>(bytes).map(|_| ()).map_err(|e| e.to_string())
}
