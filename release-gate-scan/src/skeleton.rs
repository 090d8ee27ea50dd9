//! A JSON tool document read from a stream in bounded memory: everything but
//! its bulk is kept as a [`Value`] (the skeleton), and the bulk, a SARIF
//! log's `runs[r].results`, is handed to a [`ResultsSink`] one result at a
//! time and never held.
//!
//! The rules are those of the gate's whole-document reader
//! (`detect::checked_json`): a key repeated in any object, at any depth, is
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

use crate::evidence::shown;

/// What the skeleton may hold outside the streamed results (an estimate).
pub const BUDGET: usize = 32 << 20;
/// The start of the message of a document whose skeleton is over [`BUDGET`].
pub const OVER_BUDGET: &str = "too large to read in bounded memory";

/// The message of a document that starts with `<` (XML, not streamed here).
pub const XML: &str = "XML, not JSON";

/// The message of a document that starts with a UTF-16 byte order mark
/// (decoded only in memory).
pub const UTF16: &str = "UTF-16, not UTF-8";

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
    let mut state = State { sink, held: 0 };
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
    /// Inside one streamed result: not charged to the budget.
    Hot,
}

struct Node<'a, 'k, 'p> {
    ctx: Ctx<'p>,
    st: &'a mut State<'k>,
}

impl Node<'_, '_, '_> {
    fn charge<E: de::Error>(&mut self, bytes: usize) -> Result<(), E> {
        if matches!(self.ctx, Ctx::Hot) {
            return Ok(());
        }
        self.st.held = self.st.held.saturating_add(bytes.saturating_add(32));
        if self.st.held > BUDGET {
            return Err(E::custom(format_args!(
                "{OVER_BUDGET}: more than {} MiB outside the results",
                BUDGET >> 20
            )));
        }
        Ok(())
    }

    fn inner(&self) -> Ctx<'static> {
        match self.ctx {
            Ctx::Hot => Ctx::Hot,
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

impl<'de> Visitor<'de> for Node<'_, '_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(mut self, v: bool) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(mut self, v: i64) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(mut self, v: u64) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(mut self, v: f64) -> Result<Value, E> {
        self.charge(0)?;
        Ok(Value::from(v))
    }
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
            while let Some(result) = seq.next_element_seed(Node { ctx: Ctx::Hot, st: self.st })? {
                self.st.sink.result(run, count, result);
                count = count.saturating_add(1);
            }
            self.st.sink.end(run, count);
            return Ok(Value::Array(Vec::new()));
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
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let key = shown(&key);
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            self.charge(key.len().saturating_add(32))?;
            let v = match (self.ctx, key.as_str()) {
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
            "\u{feff}{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{}},\"results\":[{\"a\":1},{\"b\":[2]}],\"x\":3},{\"results\":null}]}",
        );
        assert_eq!(
            value.unwrap().to_string(),
            r#"{"runs":[{"results":[],"tool":{"driver":{}},"x":3},{"results":null}],"version":"2.1.0"}"#
        );
        assert_eq!(events, ["start 0 [\"tool\"]", "0.0 {\"a\":1}", "0.1 {\"b\":[2]}", "end 0 2"]);
    }

    #[test]
    fn duplicates_fail_at_any_depth_with_the_whole_reader_message() {
        for text in [
            r#"{"runs":[{"results":[{"locations":[{"a":1,"a":2}]}]}]}"#,
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
