//! A JSON tool document read from a stream in bounded memory: everything but
//! its bulk is kept as a [`Value`] (the skeleton), and the bulk, a SARIF
//! log's `runs[r].results` or an SBOM's components, is handed to a [`Sink`]
//! one element at a time and never held.
//!
//! The document is read by the evidence scanner's splitter
//! (`scan::split`): `serde_json`'s grammar, a key repeated in any object at
//! any depth an error (`duplicate key `k``, with its line and column),
//! nesting bounded by `serde_json`'s recursion limit (128). Everything is
//! walked, results included, so a duplicate key inside a result the rule
//! does not look at still fails. Each result is then read from its own
//! bytes, pruned to its [`Shape`].
//!
//! What is kept outside the results is bounded by [`BUDGET`] bytes of
//! JSON text: a document whose skeleton is larger fails with
//! [`OVER_BUDGET`] in its message.

use std::io::{self, Read};

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::scan::split::{self, Caps, Stop};
use crate::scan::Source;
use crate::text::shown;

/// The JSON text the skeleton may hold outside the streamed results.
pub const BUDGET: usize = 16 << 20;
/// The same once the document has shown a top-level `status` or `passed`:
/// the gate's own evidence, which its own scanner reads in bounded memory;
/// the skeleton then serves only the mixed-document check.
pub const OWN_BUDGET: usize = 1 << 20;
/// The largest one element of a streamed array may be, as JSON text.
pub const MAX_ELEMENT: usize = 16 << 20;
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
    /// Every element of an array, with its shape.
    Each(&'static Shape),
}

/// A result's fields that decide it (the [`DECIDE_NAMES`]), kept whole, then
/// `$more`.
macro_rules! deciding {
    ($($more:expr),*) => {
        Shape::Keys(&[
            ("kind", Shape::All),
            ("baselineState", Shape::All),
            ("level", Shape::All),
            ("rule", Shape::All),
            ("ruleIndex", Shape::All),
            ("ruleId", Shape::All),
            ("suppressions", Shape::All),
            $($more),*
        ])
    };
}

/// What the SARIF rule and its findings read of a result: the fields that
/// decide, the message, and the first location's `uri`, `index` and
/// `startLine`.
pub const RESULT: Shape =
    deciding!(("message", Shape::All), ("locations", Shape::First(&LOCATION)));
/// What decides a result: [`RESULT`] without its message and locations.
pub const DECIDE: Shape = deciding!();
const LOCATION: Shape = Shape::Keys(&[("physicalLocation", PHYSICAL)]);
const PHYSICAL: Shape = Shape::Keys(&[
    ("artifactLocation", Shape::Keys(&[("uri", Shape::All), ("index", Shape::All)])),
    ("region", Shape::Keys(&[("startLine", Shape::All)])),
]);

pub use crate::scan::split::{Pat, Plan, Sink, Step};

/// The path of a SARIF log's results, and their deciding fields.
pub const SARIF_RESULTS: (&[Pat], &[&str]) =
    (&[Pat::Key("runs"), Pat::Each, Pat::Key("results")], DECIDE_NAMES);

/// Reads one JSON document from `reader` (a UTF-8 byte order mark first is
/// skipped): the skeleton, with each array `plan` names left empty (the
/// sink saw its elements).
pub fn read(
    reader: &mut dyn Read,
    plan: Plan,
    sink: &mut dyn Sink,
) -> Result<Value, serde_json::Error> {
    let mut reader = io::BufReader::with_capacity(1 << 16, reader);
    match skip_bom(&mut reader).map_err(serde_json::Error::io)? {
        Start::Xml => return Err(de::Error::custom(XML)),
        Start::Utf16 => return Err(de::Error::custom(UTF16)),
        Start::Json => {}
    }
    let source = Source::Reader { reader: &mut reader, current: Vec::new(), failed: None };
    split_with(source, plan, sink)
}

/// [`read`] of a document held in memory (decoded: no byte order mark).
pub fn read_slice(
    text: &[u8],
    plan: Plan,
    sink: &mut dyn Sink,
) -> Result<Value, serde_json::Error> {
    split_with(Source::Slice(text), plan, sink)
}

fn split_with(
    mut source: Source<'_>,
    plan: Plan,
    sink: &mut dyn Sink,
) -> Result<Value, serde_json::Error> {
    let caps = Caps { skeleton: BUDGET, own: OWN_BUDGET, element: MAX_ELEMENT };
    let start = source.start();
    match split::split(source, start, plan, caps, sink) {
        Ok(text) => serde_json::from_slice(&text),
        Err(Stop::Invalid(why)) => Err(de::Error::custom(why)),
        Err(Stop::OverBudget { own }) => Err(de::Error::custom(format_args!(
            "{OVER_BUDGET}: more than {} MiB outside the streamed arrays",
            if own { OWN_BUDGET } else { BUDGET } >> 20
        ))),
        Err(Stop::ElementTooLarge) => Err(de::Error::custom(format_args!(
            "{OVER_BUDGET}: one element of a streamed array is over {} MiB",
            MAX_ELEMENT >> 20
        ))),
        Err(Stop::Io(e)) => Err(serde_json::Error::io(e)),
    }
}

/// The entries of an element's key (see [`Sink::element`]): each named
/// field's place in the plan's names, and its JSON text.
pub fn key_entries(key: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let mut rest = key.strip_prefix(&[u8::MAX]).unwrap_or_default();
    std::iter::from_fn(move || {
        let (&at, tail) = rest.split_first()?;
        let len = tail.get(..4).and_then(|b| <[u8; 4]>::try_from(b).ok())?;
        let len = usize::try_from(u32::from_le_bytes(len)).ok()?;
        let value = tail.get(4..)?.get(..len)?;
        rest = tail.get(4usize.saturating_add(len)..).unwrap_or_default();
        Some((usize::from(at), value))
    })
}

/// The text of the field at place `at` of the plan's names in an element's
/// key, if the element has it.
pub fn key_field(key: &[u8], at: usize) -> Option<&[u8]> {
    key_entries(key).find_map(|(place, text)| (place == at).then_some(text))
}

/// The content of a JSON string literal without escapes (`"abc"`: `abc`);
/// `None` for another value, or a string with an escape.
pub fn plain_str(text: &[u8]) -> Option<&str> {
    let inner = text.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if memchr::memchr(b'\\', inner).is_some() {
        return None;
    }
    std::str::from_utf8(inner).ok()
}

/// The run of a path in a SARIF log (`runs[r].results`).
pub fn run_of(at: &[Step]) -> usize {
    match at.get(1) {
        Some(Step::Index(r)) => *r,
        _ => 0,
    }
}

/// The entries of the object that holds a streamed array, read before it
/// (the splitter's `prefix`, without the array's own key).
pub fn prefix_object(at: &[Step], prefix: &[u8]) -> Map<String, Value> {
    let mut map: Map<String, Value> = serde_json::from_slice(prefix).unwrap_or_default();
    if let Some(Step::Key(key)) = at.last() {
        map.remove(key);
    }
    map
}

/// One element of a streamed array, from its bytes (checked by the
/// splitter), keeping what `shape` says.
pub fn pruned(bytes: &[u8], shape: &'static Shape) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Node { ctx: Ctx::Shape(shape), st: &mut State::default() }.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The judgments of the elements of a streamed array seen so far, by their
/// key (see [`Sink::element`]): an element with the key of one judged
/// before is judged as that one was, without being parsed. At most
/// [`Memo::CAP`] judgments, and [`Memo::CAP_BYTES`] of keys, are
/// remembered.
#[derive(Debug, Default)]
pub struct Memo {
    seen: std::collections::HashMap<Vec<u8>, u32>,
    bytes: usize,
}

impl Memo {
    pub const CAP: usize = 4096;
    pub const CAP_BYTES: usize = 4 << 20;

    /// The judgment recorded for `key`.
    pub fn get(&self, key: &[u8]) -> Option<u32> {
        self.seen.get(key).copied()
    }

    /// Remembers judgment `id` for `key` (no-op past the caps).
    pub fn insert(&mut self, key: Vec<u8>, id: u32) {
        let bytes = self.bytes.saturating_add(key.len());
        if self.seen.len() < Self::CAP && bytes <= Self::CAP_BYTES {
            self.bytes = bytes;
            self.seen.insert(key, id);
        }
    }
}

/// The names of [`DECIDE`]'s fields.
pub const DECIDE_NAMES: &[&str] =
    &["kind", "baselineState", "level", "rule", "ruleIndex", "ruleId", "suppressions"];

/// Skips a UTF-8 byte order mark; whether the document then starts (after
/// JSON whitespace) with `<`.
enum Start {
    Json,
    Xml,
    Utf16,
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
    let mut de = serde_json::Deserializer::from_slice(text);
    let value = Node { ctx: Ctx::ClaimTop, st: &mut State::default() }.deserialize(&mut de)?;
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

/// The keys of the objects being read (see [`Keys`]).
#[derive(Default)]
struct State {
    keys: Keys,
}

/// Where a value sits.
#[derive(Clone, Copy)]
enum Ctx {
    /// Kept whole (every key still checked for repeats).
    Plain,
    /// [`claim`]: the document, a top-level value, the top-level
    /// `attestations` (its elements' keys are kept), one of its elements.
    ClaimTop,
    ClaimValue,
    ClaimList,
    ClaimElement,
    /// Inside one streamed result: what its [`Shape`] keeps.
    Shape(&'static Shape),
}

struct Node<'a> {
    ctx: Ctx,
    st: &'a mut State,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// The scalar visits.
macro_rules! scalars {
    ($($name:ident($ty:ty)),*) => {$(
        fn $name<E: de::Error>(self, v: $ty) -> Result<Value, E> {
            Ok(Value::from(v))
        }
    )*};
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    scalars! { visit_bool(bool), visit_i64(i64), visit_u64(u64), visit_f64(f64) }
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
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
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
        if let Ctx::Shape(Shape::Each(each)) = self.ctx {
            let mut out = Vec::new();
            while let Some(v) =
                seq.next_element_seed(Node { ctx: Ctx::Shape(each), st: self.st })?
            {
                out.push(v);
            }
            return Ok(Value::Array(out));
        }
        if let Ctx::Shape(Shape::First(first)) = self.ctx {
            let mut out = Vec::new();
            if let Some(v) = seq.next_element_seed(Node { ctx: Ctx::Shape(first), st: self.st })? {
                out.push(v);
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            }
            return Ok(Value::Array(out));
        }
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Node { ctx: Ctx::Plain, st: self.st })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        if let Ctx::Shape(Shape::Keys(keys)) = self.ctx {
            return shaped(keys, self.st, map);
        }
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let key = shown(&key);
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
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
                _ => map.next_value_seed(Node { ctx: Ctx::Plain, st: self.st })?,
            };
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// An object of which only `keys` are kept (each with its shape), from
/// text the splitter checked (no key repeats): the rest is skipped.
fn shaped<'de, A: MapAccess<'de>>(
    keys: &'static [(&'static str, Shape)],
    st: &mut State,
    mut map: A,
) -> Result<Value, A::Error> {
    let mut out = Map::new();
    while let Some(kept) = map.next_key_seed(KeyIn(keys))? {
        match kept {
            Some((k, Shape::All)) => {
                let v = map.next_value_seed(Node { ctx: Ctx::Plain, st: &mut *st })?;
                out.insert(k.to_string(), v);
            }
            Some((k, shape)) => {
                let v = map.next_value_seed(Node { ctx: Ctx::Shape(shape), st: &mut *st })?;
                out.insert(k.to_string(), v);
            }
            None => map.next_value::<de::IgnoredAny>().map(drop)?,
        }
    }
    Ok(Value::Object(out))
}

/// An object key looked up in a shape's list, without a copy.
struct KeyIn(&'static [(&'static str, Shape)]);

impl<'de> DeserializeSeed<'de> for KeyIn {
    type Value = Option<&'static (&'static str, Shape)>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIn {
    type Value = Option<&'static (&'static str, Shape)>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.0.iter().find(|(k, _)| *k == key))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Collect {
        events: Vec<String>,
    }

    impl Sink for Collect {
        fn start(&mut self, at: &[Step], prefix: &[u8]) {
            let prefix = prefix_object(at, prefix);
            let keys: Vec<&str> = prefix.keys().map(String::as_str).collect();
            self.events.push(format!("start {} {keys:?}", run_of(at)));
        }
        fn element(&mut self, at: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
            let result = pruned(bytes, &RESULT).unwrap();
            let key = key.map_or("no key".to_string(), show_key);
            self.events.push(format!("{}.{index} {result} {key}", run_of(at)));
        }
        fn end(&mut self, at: &[Step], count: usize) {
            self.events.push(format!("end {} {count}", run_of(at)));
        }
    }

    /// A key as `name=value` pairs.
    fn show_key(key: &[u8]) -> String {
        assert_eq!(key.first(), Some(&u8::MAX), "the key's mark");
        let out: Vec<String> = key_entries(key)
            .map(|(at, value)| format!("{}={}", DECIDE_NAMES[at], String::from_utf8_lossy(value)))
            .collect();
        format!("key[{}]", out.join(" "))
    }

    fn read_str(text: &str) -> (Result<Value, String>, Vec<String>) {
        let mut sink = Collect::default();
        let value =
            read(&mut text.as_bytes(), &[SARIF_RESULTS], &mut sink).map_err(|e| e.to_string());
        (value, sink.events)
    }

    /// Each element's path and text.
    #[derive(Default)]
    struct Paths(Vec<String>);

    impl Sink for Paths {
        fn start(&mut self, _: &[Step], _: &[u8]) {}
        fn element(&mut self, at: &[Step], index: usize, bytes: &[u8], _: Option<&[u8]>) {
            let at: Vec<String> = at
                .iter()
                .map(|s| match s {
                    Step::Key(k) => k.clone(),
                    Step::Index(i) => i.to_string(),
                })
                .collect();
            self.0.push(format!("{}[{index}]={}", at.join("."), String::from_utf8_lossy(bytes)));
        }
        fn end(&mut self, _: &[Step], _: usize) {}
    }

    #[test]
    fn any_key_and_a_path_both_streamed_and_read_into() {
        // `v` streamed when an array, read into (its `list`) when an object,
        // whichever entry comes first; each array of `w`'s keys streamed.
        const A: (&[Pat], &[&str]) = (&[Pat::Key("v")], &[]);
        const B: (&[Pat], &[&str]) = (&[Pat::Key("v"), Pat::Key("list")], &[]);
        const W: (&[Pat], &[&str]) = (&[Pat::Key("w"), Pat::AnyKey], &[]);
        for plan in [&[A, B, W], &[B, A, W]] {
            let read = |text: &str| {
                let mut sink = Paths::default();
                let value = read(&mut text.as_bytes(), plan, &mut sink).unwrap();
                (value.to_string(), sink.0)
            };
            assert_eq!(
                read(r#"{"v": [1, {"a": 2}], "w": {"x": [3], "y": 4, "z": [[5]]}}"#),
                (
                    r#"{"v":[],"w":{"x":[],"y":4,"z":[]}}"#.to_string(),
                    vec!["v[0]=1", r#"v[1]={"a": 2}"#, "w.x[0]=3", "w.z[0]=[5]"]
                        .into_iter()
                        .map(String::from)
                        .collect::<Vec<_>>()
                )
            );
            assert_eq!(
                read(r#"{"v": {"list": [6], "n": 1}, "w": [[7]]}"#),
                (
                    r#"{"v":{"list":[],"n":1},"w":[[7]]}"#.to_string(),
                    vec!["v.list[0]=6".to_string()]
                )
            );
        }
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
                "0.0 {\"ruleId\":\"r\"} key[ruleId=\"r\"]",
                "0.1 {\"locations\":[{\"physicalLocation\":{\"region\":{\"startLine\":3}}}]} key[]",
                "end 0 2"
            ]
        );
    }

    /// The memo's key covers exactly the fields a result is judged by.
    #[test]
    fn the_deciding_names_are_the_deciding_shape() {
        let Shape::Keys(keys) = DECIDE else { panic!("DECIDE is an object's keys") };
        let names: Vec<&str> = keys.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, DECIDE_NAMES);
    }

    /// Past its caps the skeleton, or one element, is too large: the
    /// document is refused, not held.
    #[test]
    fn the_skeleton_and_each_element_are_capped() {
        let big = "x".repeat(BUDGET);
        let over = format!(r#"{{"version":"2.1.0","notes":"{big}","runs":[]}}"#);
        assert_eq!(
            read_str(&over).0.unwrap_err(),
            "too large to read in bounded memory: more than 16 MiB outside the streamed arrays"
        );
        let own = format!(r#"{{"status":"passed","notes":"{}"}}"#, "x".repeat(OWN_BUDGET));
        assert_eq!(
            read_str(&own).0.unwrap_err(),
            "too large to read in bounded memory: more than 1 MiB outside the streamed arrays"
        );
        // One result over the element cap, whole or cut at a chunk's end.
        let result = format!(r#"{{"message":{{"text":"{}"}}}}"#, "y".repeat(MAX_ELEMENT));
        let log = format!(r#"{{"runs":[{{"tool":{{}},"results":[{{}},{result}]}}]}}"#);
        let (value, events) = read_str(&log);
        assert_eq!(
            value.unwrap_err(),
            "too large to read in bounded memory: one element of a streamed array is over 16 MiB"
        );
        assert_eq!(events[..2], ["start 0 [\"tool\"]", "0.0 {} key[]"]);
        // Just under both caps: read.
        let fits = format!(r#"{{"notes":"{}","runs":[]}}"#, "x".repeat(BUDGET - 64));
        assert!(read_str(&fits).0.is_ok());
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
        assert_eq!(
            events[1],
            r#"0.0 {"level":"error","ruleId":"r"} key[ruleId="r" level="error"]"#
        );
        // Past the fast path's 64 keys, the exact path reads the result: no key.
        let many: Vec<String> = (0..70).map(|k| format!("\"k{k}\":{k}")).collect();
        let text = format!(r#"{{"runs":[{{"results":[{{{},"level":"note"}}]}}]}}"#, many.join(","));
        let (value, events) = read_str(&text);
        assert!(value.is_ok());
        assert_eq!(events[1], r#"0.0 {"level":"note"} no key"#);
    }

    #[test]
    fn depth_and_grammar_are_serde_jsons_with_positions() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let shallow = format!("{}{}", "[".repeat(128), "]".repeat(128));
        for (text, expected) in [
            (deep.as_str(), "recursion limit exceeded at line 1 column 128"),
            ("{\"a\":1} x", "trailing characters at line 1 column 9"),
            ("{\"a\":01}", "invalid number at line 1 column 7"),
            ("{\"a\":\"\\x\"}", "invalid escape at line 1 column 8"),
            ("", "EOF while parsing a value at line 1 column 0"),
            ("[1,]", "trailing comma at line 1 column 4"),
            (
                "{\"runs\":[{\"results\":[{},\n {\"a\":1e999}]}]}",
                "number out of range at line 2 column 12",
            ),
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert_eq!(read_str(text).0.unwrap_err(), expected, "{text}");
        }
        assert!(serde_json::from_str::<Value>(&shallow).is_err());
        assert!(read_str(&shallow).0.is_err());
        let fine = format!("{}{}", "[".repeat(127), "]".repeat(127));
        assert!(read_str(&fine).0.is_ok());
    }
}
