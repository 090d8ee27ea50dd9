//! A JSON tool document read from a stream in bounded memory: everything but
//! its bulk is kept as a [`Value`] (the skeleton), and the bulk, a SARIF
//! log's `runs[r].results`, is handed to a [`ResultsSink`] one result at a
//! time and never held.
//!
//! The rules are those of the gate's whole-document reader
//! (`checked::checked_json`): a key repeated in any object, at any depth, is
//! an error with the same message (`duplicate key `k``, and serde_json's
//! position); nesting is bounded by serde_json's recursion limit (128), and
//! the grammar is serde_json's. Everything is walked, results included, so a
//! duplicate key inside a result the rule does not look at still fails.
//!
//! What is kept outside the results is bounded by [`BUDGET`] (an estimate of
//! the bytes held): a document whose skeleton is larger fails with
//! [`OVER_BUDGET`] in its message.

use std::io::{self, Read};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::text::shown;

/// What the skeleton may hold outside the streamed results (an estimate).
pub const BUDGET: usize = 32 << 20;
/// The same once the document has shown a top-level `status` or `passed`:
/// the gate's own evidence, which its own scanner reads in bounded memory;
/// the skeleton then serves only the mixed-document check.
pub const OWN_BUDGET: usize = 4 << 20;
/// The start of the message of a document whose skeleton is over [`BUDGET`].
pub const OVER_BUDGET: &str = "too large to read in bounded memory";

/// The message of a document that starts with `<` (XML, not streamed here).
pub const XML: &str = "XML, not JSON";

/// The message of a document that starts with a UTF-16 byte order mark
/// (decoded only in memory).
pub const UTF16: &str = "UTF-16, not UTF-8";

/// What of a value is kept. Whatever is not kept is still walked, every key
/// checked for repeats at any depth; a dropped key of an object is kept as
/// `null` (so a repeat of it is still seen), a dropped element of an array
/// is left out.
#[derive(Debug)]
pub enum Shape {
    /// All of it.
    All,
    /// An object's listed keys, each with its shape.
    Keys(&'static [(&'static str, Shape)]),
    /// An array's first element, with its shape.
    First(&'static Shape),
}

/// What the SARIF rule and its findings read of a result: the fields that
/// decide, the message, and the first location's `uri`, `index` and
/// `startLine`.
pub const RESULT: Shape = Shape::Keys(&[
    ("kind", Shape::All),
    ("baselineState", Shape::All),
    ("level", Shape::All),
    ("rule", Shape::All),
    ("ruleIndex", Shape::All),
    ("ruleId", Shape::All),
    ("suppressions", Shape::All),
    ("message", Shape::All),
    ("locations", Shape::First(&LOCATION)),
]);
const LOCATION: Shape = Shape::Keys(&[("physicalLocation", PHYSICAL)]);
const PHYSICAL: Shape = Shape::Keys(&[
    ("artifactLocation", Shape::Keys(&[("uri", Shape::All), ("index", Shape::All)])),
    ("region", Shape::Keys(&[("startLine", Shape::All)])),
]);

/// Receives each run's results, in document order.
pub trait ResultsSink {
    /// `runs[run].results` starts; `prefix` holds the keys of the run read
    /// before `results` (in a SARIF log written by a tool, its `tool`).
    fn start(&mut self, run: usize, prefix: &Map<String, Value>);
    /// `runs[run].results[index]`, duplicate-checked.
    fn result(&mut self, run: usize, index: usize, result: Value);
    /// `runs[run].results` ended after `count` results.
    fn end(&mut self, run: usize, count: usize);
}

/// Reads one JSON document from `reader` (a UTF-8 byte order mark first is
/// skipped): the skeleton, with each streamed `runs[r].results` array left
/// empty (the sink saw its elements).
pub fn read(reader: &mut dyn Read, sink: &mut dyn ResultsSink) -> Result<Value, serde_json::Error> {
    let mut reader = io::BufReader::with_capacity(1 << 16, reader);
    match skip_bom(&mut reader).map_err(serde_json::Error::io)? {
        Start::Xml => return Err(de::Error::custom(XML)),
        Start::Utf16 => return Err(de::Error::custom(UTF16)),
        Start::Json => {}
    }
    let mut state = State { sink, held: 0, own: false, keys: Keys::default(), unbounded: false };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let value = Node { ctx: Ctx::Top, st: &mut state }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Skips a UTF-8 byte order mark; whether the document then starts (after
/// JSON whitespace) with `<`.
enum Start {
    Json,
    Xml,
    Utf16,
}

/// Skips a UTF-8 byte order mark; what the document then starts with (after
/// white space): `<` is XML.
/// [`read`] of a document held in memory (decoded: no byte order mark).
pub fn read_slice(text: &[u8], sink: &mut dyn ResultsSink) -> Result<Value, serde_json::Error> {
    read_slice_with(text, sink, false)
}

/// The document as the whole reader's `checked_json` reads it (no budget,
/// every duplicate key an error), but with SARIF results walked, checked and
/// dropped: what decides whether a document is a tool format.
///
/// Only what a format's detector reads is kept: the top-level keys and
/// scalars, the keys of top-level objects, and of the objects in the
/// top-level `attestations` (values below are `null`; other arrays are
/// left empty). Everything is still walked and checked for repeated keys.
pub fn claim(text: &[u8]) -> Result<Value, serde_json::Error> {
    let mut state =
        State { sink: &mut Drop, held: 0, own: false, keys: Keys::default(), unbounded: true };
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = Node { ctx: Ctx::ClaimTop, st: &mut state }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A sink that drops the results.
struct Drop;

impl ResultsSink for Drop {
    fn start(&mut self, _: usize, _: &Map<String, Value>) {}
    fn result(&mut self, _: usize, _: usize, _: Value) {}
    fn end(&mut self, _: usize, _: usize) {}
}

fn read_slice_with(
    text: &[u8],
    sink: &mut dyn ResultsSink,
    unbounded: bool,
) -> Result<Value, serde_json::Error> {
    let mut state = State { sink, held: 0, own: false, keys: Keys::default(), unbounded };
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = Node { ctx: Ctx::Top, st: &mut state }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

fn skip_bom(reader: &mut io::BufReader<&mut dyn Read>) -> io::Result<Start> {
    use std::io::BufRead;
    let bom = crate::evidence::UTF8_BOM;
    let buf = reader.fill_buf()?;
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) {
        return Ok(Start::Utf16);
    }
    if buf.starts_with(bom) {
        reader.consume(bom.len());
    }
    // Blank as the whole reader's `trim_start` sees it (Unicode white space).
    let buf = reader.fill_buf()?;
    let xml = String::from_utf8_lossy(buf).trim_start().starts_with('<');
    Ok(if xml { Start::Xml } else { Start::Json })
}

struct State<'k> {
    sink: &'k mut dyn ResultsSink,
    held: usize,
    /// A top-level `status` or `passed` was read.
    own: bool,
    keys: Keys,
    /// No budget (a document already held in memory, read as whole).
    unbounded: bool,
}

/// Where a value sits.
#[derive(Clone, Copy)]
enum Ctx<'p> {
    /// The document.
    Top,
    /// The document's `runs`.
    Runs,
    /// `runs[r]`.
    Run(usize),
    /// `runs[r].results`, with the run's keys read so far.
    Results(usize, &'p Map<String, Value>),
    /// Anywhere else in the skeleton.
    Plain,
    /// [`claim`]: the document, a top-level value, the top-level
    /// `attestations` (its elements' keys are kept), one of its elements.
    ClaimTop,
    ClaimValue,
    ClaimList,
    ClaimElement,
    /// Inside one streamed result: what its [`Shape`] keeps.
    Shape(&'static Shape),
    /// Inside one streamed result: not charged to the budget.
    Hot,
}

struct Node<'a, 'k, 'p> {
    ctx: Ctx<'p>,
    st: &'a mut State<'k>,
}

impl Node<'_, '_, '_> {
    fn charge<E: de::Error>(&mut self, bytes: usize) -> Result<(), E> {
        if self.st.unbounded || matches!(self.ctx, Ctx::Hot | Ctx::Shape(_)) {
            // Not charged: within a result, or a document held in memory.
            return Ok(());
        }
        self.st.held = self.st.held.saturating_add(bytes.saturating_add(32));
        let budget = if self.st.own { OWN_BUDGET } else { BUDGET };
        if self.st.held > budget {
            return Err(E::custom(format_args!(
                "{OVER_BUDGET}: more than {} MiB outside the results",
                budget >> 20
            )));
        }
        Ok(())
    }

    fn inner(&self) -> Ctx<'static> {
        match self.ctx {
            Ctx::Hot | Ctx::Shape(_) => Ctx::Hot,
            _ => Ctx::Plain,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// The scalar visits: charged nothing beyond the value itself.
macro_rules! scalars {
    ($($name:ident($ty:ty)),*) => {$(
        fn $name<E: de::Error>(mut self, v: $ty) -> Result<Value, E> {
            self.charge(0)?;
            Ok(Value::from(v))
        }
    )*};
}

impl<'de> Visitor<'de> for Node<'_, '_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    scalars! { visit_bool(bool), visit_i64(i64), visit_u64(u64), visit_f64(f64) }
    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<Value, E> {
        self.charge(v.len())?;
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(mut self, v: String) -> Result<Value, E> {
        self.charge(v.len())?;
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(mut self) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(mut self) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Value, A::Error> {
        self.charge(0)?;
        if let Ctx::Results(run, prefix) = self.ctx {
            self.st.sink.start(run, prefix);
            let mut count = 0usize;
            while let Some(result) =
                seq.next_element_seed(Node { ctx: Ctx::Shape(&RESULT), st: self.st })?
            {
                self.st.sink.result(run, count, result);
                count = count.saturating_add(1);
            }
            self.st.sink.end(run, count);
            return Ok(Value::Array(Vec::new()));
        }
        match self.ctx {
            Ctx::ClaimList => {
                let mut out = Vec::new();
                while let Some(v) =
                    seq.next_element_seed(Node { ctx: Ctx::ClaimElement, st: self.st })?
                {
                    out.push(v);
                }
                return Ok(Value::Array(out));
            }
            Ctx::ClaimValue | Ctx::ClaimElement => {
                while seq.next_element_seed(Skip(&mut self.st.keys))?.is_some() {}
                return Ok(Value::Array(Vec::new()));
            }
            _ => {}
        }
        if let Ctx::Shape(Shape::First(first)) = self.ctx {
            let mut out = Vec::new();
            if let Some(v) = seq.next_element_seed(Node { ctx: Ctx::Shape(first), st: self.st })? {
                out.push(v);
                while seq.next_element_seed(Skip(&mut self.st.keys))?.is_some() {}
            }
            return Ok(Value::Array(out));
        }
        let mut out = Vec::new();
        let mut k = 0usize;
        loop {
            let ctx = match self.ctx {
                Ctx::Runs => Ctx::Run(k),
                _ => self.inner(),
            };
            match seq.next_element_seed(Node { ctx, st: self.st })? {
                Some(v) => out.push(v),
                None => break,
            }
            k = k.saturating_add(1);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Value, A::Error> {
        self.charge(0)?;
        if let Ctx::Shape(Shape::Keys(keys)) = self.ctx {
            return shaped(keys, self.st, map);
        }
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let key = shown(&key);
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            if matches!(self.ctx, Ctx::Top) && (key == "status" || key == "passed") {
                self.st.own = true;
            }
            self.charge(key.len().saturating_add(32))?;
            let v = match (self.ctx, key.as_str()) {
                (Ctx::ClaimTop, "attestations") => {
                    map.next_value_seed(Node { ctx: Ctx::ClaimList, st: self.st })?
                }
                (Ctx::ClaimTop, _) => {
                    map.next_value_seed(Node { ctx: Ctx::ClaimValue, st: self.st })?
                }
                (Ctx::ClaimValue | Ctx::ClaimList | Ctx::ClaimElement, _) => {
                    map.next_value_seed(Skip(&mut self.st.keys))?;
                    Value::Null
                }
                (Ctx::Top, "runs") => map.next_value_seed(Node { ctx: Ctx::Runs, st: self.st })?,
                (Ctx::Run(r), "results") => {
                    map.next_value_seed(Node { ctx: Ctx::Results(r, &out), st: self.st })?
                }
                _ => {
                    let ctx = self.inner();
                    map.next_value_seed(Node { ctx, st: self.st })?
                }
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// An object of which only `keys` are kept (each with its shape); every key
/// is checked for repeats, the dropped ones too.
fn shaped<'de, A: MapAccess<'de>>(
    keys: &'static [(&'static str, Shape)],
    st: &mut State<'_>,
    mut map: A,
) -> Result<Value, A::Error> {
    let mut out = Map::new();
    let base = st.keys.ends.len();
    let result = loop {
        if st.keys.ends.len().saturating_sub(base) >= 32 {
            // Many keys: the rest through a set (no quadratic walk).
            break shaped_many(keys, st, &mut map, base, out);
        }
        match map.next_key_seed(KeySeed { keys: &mut st.keys, base }) {
            Ok(Some(_)) => {}
            Ok(None) => break Ok(Value::Object(out)),
            Err(e) => break Err(e),
        }
        let key = st.keys.last();
        let kept = keys.iter().find(|(k, _)| *k == key).map(|(k, shape)| (*k, shape));
        let value = match kept {
            Some((k, Shape::All)) => {
                map.next_value_seed(Node { ctx: Ctx::Hot, st }).map(|v| Some((k, v)))
            }
            Some((k, shape)) => {
                map.next_value_seed(Node { ctx: Ctx::Shape(shape), st }).map(|v| Some((k, v)))
            }
            None => map.next_value_seed(Skip(&mut st.keys)).map(|()| None),
        };
        match value {
            Ok(Some((k, v))) => {
                out.insert(k.to_string(), v);
            }
            Ok(None) => {}
            Err(e) => break Err(e),
        }
    };
    st.keys.pop(base);
    result
}

/// The rest of [`shaped`] for an object with many keys.
fn shaped_many<'de, A: MapAccess<'de>>(
    keys: &'static [(&'static str, Shape)],
    st: &mut State<'_>,
    map: &mut A,
    base: usize,
    mut out: Map<String, Value>,
) -> Result<Value, A::Error> {
    let mut seen: std::collections::BTreeSet<String> = st.keys.since(base);
    while let Some(key) = map.next_key::<String>()? {
        if seen.contains(&key) {
            let key = shown(&key);
            return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
        }
        match keys.iter().find(|(k, _)| *k == key) {
            Some((_, Shape::All)) => {
                let v = map.next_value_seed(Node { ctx: Ctx::Hot, st: &mut *st })?;
                out.insert(key.clone(), v);
            }
            Some((_, shape)) => {
                let v = map.next_value_seed(Node { ctx: Ctx::Shape(shape), st: &mut *st })?;
                out.insert(key.clone(), v);
            }
            None => map.next_value_seed(Skip(&mut st.keys))?,
        }
        seen.insert(key);
    }
    Ok(Value::Object(out))
}

/// A value walked and dropped: every object's keys are still checked for
/// repeats, with the message of the whole reader.
struct Skip<'a>(&'a mut Keys);

/// The keys of the objects being walked, innermost last, in one buffer.
#[derive(Default)]
struct Keys {
    text: String,
    /// Where each key ends in `text`.
    ends: Vec<usize>,
}

impl Keys {
    /// Adds `key` to the object whose keys start at `base` (an index into
    /// `ends`); false when the object already has it.
    fn add(&mut self, base: usize, key: &str) -> bool {
        let mut start = match base.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        for &end in self.ends.get(base..).unwrap_or_default() {
            if self.text.get(start..end) == Some(key) {
                return false;
            }
            start = end;
        }
        self.text.push_str(key);
        self.ends.push(self.text.len());
        true
    }

    /// The key added last.
    fn last(&self) -> &str {
        let end = self.ends.last().copied().unwrap_or(0);
        let start = match self.ends.len().checked_sub(2) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        self.text.get(start..end).unwrap_or_default()
    }

    /// The keys of the object that started at `base`.
    fn since(&self, base: usize) -> std::collections::BTreeSet<String> {
        let mut out = std::collections::BTreeSet::new();
        let mut start = match base.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        for &end in self.ends.get(base..).unwrap_or_default() {
            out.insert(self.text.get(start..end).unwrap_or_default().to_string());
            start = end;
        }
        out
    }

    /// Forgets the keys of the object that started at `base`.
    fn pop(&mut self, base: usize) {
        let start = match base.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        self.ends.truncate(base);
        self.text.truncate(start);
    }
}

/// One object key, added to [`Keys`]: `Ok(false)` when it repeats.
struct KeySeed<'a> {
    keys: &'a mut Keys,
    base: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        if self.keys.add(self.base, key) {
            Ok(true)
        } else {
            let key = shown(key);
            Err(E::custom(format_args!("duplicate key `{key}`")))
        }
    }
}

impl<'de> DeserializeSeed<'de> for Skip<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.0.ends.len();
        // Many keys: a set, not the list (no quadratic walk).
        let mut many: Option<std::collections::BTreeSet<String>> = None;
        loop {
            if many.is_none() && self.0.ends.len().saturating_sub(base) >= 32 {
                many = Some(self.0.since(base));
            }
            match &mut many {
                Some(set) => {
                    let Some(key) = map.next_key::<String>()? else { break };
                    if set.contains(&key) {
                        let key = shown(&key);
                        self.0.pop(base);
                        return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                    }
                    set.insert(key);
                }
                None => {
                    let seed = KeySeed { keys: &mut *self.0, base };
                    match map.next_key_seed(seed) {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => {
                            self.0.pop(base);
                            return Err(e);
                        }
                    }
                }
            }
            if let Err(e) = map.next_value_seed(Skip(&mut *self.0)) {
                self.0.pop(base);
                return Err(e);
            }
        }
        self.0.pop(base);
        Ok(())
    }
}

/// Drops results here, where dropping a [`Value`] is optimized.
pub fn discard(values: Vec<(usize, Value)>) {
    drop(values);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        events: Vec<String>,
    }

    impl ResultsSink for Collect {
        fn start(&mut self, run: usize, prefix: &Map<String, Value>) {
            let keys: Vec<&str> = prefix.keys().map(String::as_str).collect();
            self.events.push(format!("start {run} {keys:?}"));
        }
        fn result(&mut self, run: usize, index: usize, result: Value) {
            self.events.push(format!("{run}.{index} {result}"));
        }
        fn end(&mut self, run: usize, count: usize) {
            self.events.push(format!("end {run} {count}"));
        }
    }

    fn read_str(text: &str) -> (Result<Value, String>, Vec<String>) {
        let mut sink = Collect::default();
        let value = read(&mut text.as_bytes(), &mut sink).map_err(|e| e.to_string());
        (value, sink.events)
    }

    #[test]
    fn results_are_streamed_and_the_rest_kept() {
        let (value, events) = read_str(
            "\u{feff}{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{}},\"results\":[{\"a\":1,\"ruleId\":\"r\"},{\"locations\":[{\"physicalLocation\":{\"region\":{\"startLine\":3,\"endLine\":4}},\"id\":1},{\"x\":1}]}],\"x\":3},{\"results\":null}]}",
        );
        assert_eq!(
            value.unwrap().to_string(),
            r#"{"runs":[{"results":[],"tool":{"driver":{}},"x":3},{"results":null}],"version":"2.1.0"}"#
        );
        // What the rule does not read is walked and dropped.
        assert_eq!(
            events,
            [
                "start 0 [\"tool\"]",
                "0.0 {\"ruleId\":\"r\"}",
                "0.1 {\"locations\":[{\"physicalLocation\":{\"region\":{\"startLine\":3}}}]}",
                "end 0 2"
            ]
        );
    }

    #[test]
    fn duplicates_fail_at_any_depth_with_the_whole_reader_message() {
        for text in [
            r#"{"runs":[{"results":[{"locations":[{"a":1,"a":2}]}]}]}"#,
            r#"{"runs":[{"results":[{"codeFlows":[{"a":1,"b":{"c":1,"c":2}}]}]}]}"#,
            r#"{"runs":[{"results":[{"locations":[{}, {"a":1,"a":2}]}]}]}"#,
            r#"{"runs":[{"results":[{"x":1,"x":2}]}]}"#,
            r#"{"runs":[{"tool":{"driver":{"rules":[{"id":1,"id":2}]}}}]}"#,
            r#"{"a":{"b":1,"b":1}}"#,
            r#"[{"a":1,"a":1}]"#,
        ] {
            let whole = serde_json::from_str::<Value>(text).map(|_| ());
            assert!(whole.is_ok());
            let (value, _) = read_str(text);
            let err = value.unwrap_err();
            assert!(err.starts_with("duplicate key `"), "{err}");
        }
    }

    #[test]
    fn skipped_objects_check_keys_per_object() {
        // The same key in sibling or nested objects is no repeat.
        let fine = r#"{"runs":[{"results":[{"codeFlows":[{"a":{"a":1,"b":{"a":[{"a":2}]}},"b":{"a":2}},{"a":3}]}]}]}"#;
        assert!(read_str(fine).0.is_ok());
        // Many keys (a set), then a repeat of the first or the last.
        let many: Vec<String> = (0..40).map(|k| format!("\"k{k}\":{k}")).collect();
        for repeat in ["k0", "k39"] {
            let text = format!(
                r#"{{"runs":[{{"results":[{{"fixes":{{{},"{repeat}":1}}}}]}}]}}"#,
                many.join(",")
            );
            let err = read_str(&text).0.unwrap_err();
            assert!(err.starts_with(&format!("duplicate key `{repeat}`")), "{err}");
        }
        let text = format!(r#"{{"runs":[{{"results":[{{"fixes":{{{}}}}}]}}]}}"#, many.join(","));
        assert!(read_str(&text).0.is_ok());
        // The same in a result itself, whose kept keys come after many.
        for repeat in ["k0", "k39", "ruleId"] {
            let text = format!(
                r#"{{"runs":[{{"results":[{{{},"ruleId":"r","{repeat}":1}}]}}]}}"#,
                many.join(",")
            );
            let err = read_str(&text).0.unwrap_err();
            assert!(err.starts_with(&format!("duplicate key `{repeat}`")), "{err}");
        }
        let text = format!(
            r#"{{"runs":[{{"results":[{{{},"ruleId":"r","level":"error"}}]}}]}}"#,
            many.join(",")
        );
        let (value, events) = read_str(&text);
        assert!(value.is_ok());
        assert_eq!(events[1], r#"0.0 {"level":"error","ruleId":"r"}"#);
    }

    #[test]
    fn depth_and_grammar_match_serde_json() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let (value, _) = read_str(&deep);
        assert_eq!(
            value.unwrap_err(),
            serde_json::from_str::<Value>(&deep).unwrap_err().to_string()
        );
        for text in ["{\"a\":1} x", "{\"a\":01}", "{\"a\":\"\\x\"}", "", "[1,]"] {
            let (value, _) = read_str(text);
            assert_eq!(
                value.unwrap_err(),
                serde_json::from_str::<Value>(text).unwrap_err().to_string(),
                "{text}"
            );
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    struct Nothing;
    impl ResultsSink for Nothing {
        fn start(&mut self, _: usize, _: &Map<String, Value>) {}
        fn result(&mut self, _: usize, _: usize, _: Value) {}
        fn end(&mut self, _: usize, _: usize) {}
    }

    #[test]
    #[ignore]
    fn time_big() {
        let path = std::env::var("BIG").unwrap();
        let t = std::time::Instant::now();
        let mut f = std::fs::File::open(&path).unwrap();
        read(&mut f, &mut Nothing).unwrap();
        eprintln!("skeleton: {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let f = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
        let _: serde::de::IgnoredAny = serde_json::from_reader(f).unwrap();
        eprintln!("ignored from_reader: {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let bytes = std::fs::read(&path).unwrap();
        let _: serde::de::IgnoredAny = serde_json::from_slice(&bytes).unwrap();
        eprintln!("ignored from_slice: {:?}", t.elapsed());
        let t = std::time::Instant::now();
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        Node {
            ctx: Ctx::Top,
            st: &mut State {
                sink: &mut Nothing,
                held: 0,
                own: false,
                keys: Keys::default(),
                unbounded: false,
            },
        }
        .deserialize(&mut de)
        .unwrap();
        eprintln!("skeleton from_slice: {:?}", t.elapsed());
    }
}
