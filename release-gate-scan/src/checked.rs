//! The gate's one checked JSON parse: a document as a `serde_json::Value`,
//! a key repeated in any object rejected (readers disagree on which value
//! wins). Every tool format's document is parsed here, so the dev profile
//! runs the parse optimized.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::text::{bounded, shown};

/// A JSON document as a [`Value`], rejecting a key repeated in any object.
pub fn checked_json(text: &str) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let Checked(value) = Checked::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// The JSON type of `value`, as messages name it (`a number`, `null`, ...).
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub fn is_duplicate(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("duplicate key `")
}

/// The first repeated key in a stream of JSON records (one value, or one a
/// line), as the message says it; `None` when there is none.
pub fn duplicate_in_records(text: &str) -> Option<String> {
    let stream = serde_json::Deserializer::from_str(text).into_iter::<Checked>();
    for value in stream {
        match value {
            Ok(_) => {}
            Err(e) if is_duplicate(&e) => return Some(bounded(&e.to_string())),
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
                return Some(bounded(&format!("duplicate key on line {at}: {e}")));
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
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let key = shown(&key);
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let Checked(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}
