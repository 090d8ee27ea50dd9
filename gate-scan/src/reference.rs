//! The serde-based evidence reader the scanner replaced: `serde_json`'s
//! `from_reader` driving visitors, one byte per call. Kept, for tests only, as
//! the oracle the scanner must agree with on every document: same result,
//! same message, same position.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::evidence::{Check, Checks, Counted, Doc, Evidence, Scalar, UTF8_BOM};

/// Reads one evidence document. The error names the line and column (or the
/// byte offset for encoding errors) and what was wrong there.
pub fn parse(reader: impl Read) -> Result<Evidence, String> {
    let mut reader = BufReader::with_capacity(64 * 1024, Utf8Check::new(reader));
    // A UTF-8 byte order mark (as Windows tools write) is not content.
    if reader.fill_buf().map_err(|e| e.to_string())?.starts_with(UTF8_BOM) {
        reader.consume(UTF8_BOM.len());
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    let doc = de.deserialize_map(DocVisitor).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(doc.normalize())
}

/// Records each key of one JSON object, rejecting a second occurrence.
#[derive(Default)]
struct Keys(BTreeSet<String>);

impl Keys {
    fn first<E: de::Error>(&mut self, key: &str) -> Result<(), E> {
        if self.0.insert(key.to_string()) {
            Ok(())
        } else {
            Err(E::custom(format_args!("duplicate key `{key}`")))
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
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(doc)
    }
}

/// Drains a sequence or map whose contents do not matter.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<usize, A::Error> {
    let mut n = 0usize;
    while seq.next_element::<IgnoredAny>()?.is_some() {
        n = n.saturating_add(1);
    }
    Ok(n)
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    let mut keys = Keys::default();
    while let Some(key) = map.next_key::<String>()? {
        keys.first(&key)?;
        map.next_value::<IgnoredAny>()?;
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
                    map.next_value::<IgnoredAny>()?;
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
        self.offset += buf.len() as u64;
        let mut at = start;
        // Complete a sequence that the previous read split.
        while !self.pending.is_empty() {
            let Some((&b, rest)) = buf.split_first() else { return Ok(()) };
            self.pending.push(b);
            buf = rest;
            at += 1;
            match std::str::from_utf8(&self.pending) {
                Ok(_) => self.pending.clear(),
                Err(e) if e.error_len().is_none() && self.pending.len() < 4 => {}
                Err(_) => return Err(Self::invalid(at - self.pending.len() as u64)),
            }
        }
        match std::str::from_utf8(buf) {
            Ok(_) => Ok(()),
            Err(e) => match e.error_len() {
                Some(_) => Err(Self::invalid(at + e.valid_up_to() as u64)),
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
            return Err(Self::invalid(self.offset - self.pending.len() as u64));
        }
        self.check(buf.get(..n).unwrap_or_default())?;
        Ok(n)
    }
}
