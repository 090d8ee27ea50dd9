//! The scanner's test oracle: `serde_json` reads the document into a
//! `Value` through a visitor that refuses a key repeated in any object (its
//! own grammar, number range and recursion limit apply), and the gate's
//! fields are taken from that value. The scanner must give the same verdict
//! (accepted or refused) and the same evidence; its messages are its own.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::doc::{Check, Checks, Counted, Doc, Scalar, TOOL_MARKER_KEYS};
use crate::evidence::{judge, Evidence, UTF8_BOM};

/// Reads one evidence document as the gate must: UTF-8 (after an optional
/// byte order mark), one JSON object, no repeated key anywhere.
pub fn parse(bytes: &[u8]) -> Result<Evidence, String> {
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let Value::Object(fields) = value(body)? else {
        return Err("not an object".to_string());
    };
    let mut doc = Doc::default();
    for (key, v) in &fields {
        if let Some(field) = doc.scalar(key) {
            *field = Some(scalar(v));
            continue;
        }
        match (key.as_str(), v) {
            ("blockers", Value::Array(items)) => doc.blockers = Some(Counted::Array(items.len())),
            ("blockers", other) => doc.blockers = Some(Counted::Other(kind(other))),
            ("checks", Value::Array(items)) => {
                doc.checks = Some(Checks::Array(items.iter().map(check).collect()))
            }
            ("checks", other) => doc.checks = Some(Checks::Other(kind(other))),
            (other, _) => doc.tool_marker |= TOOL_MARKER_KEYS.contains(&other),
        }
    }
    Ok(judge(doc))
}

/// One JSON value, checked: no repeated key in any object, nothing after it.
pub fn value(bytes: &[u8]) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Checked.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(value)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn scalar(v: &Value) -> Scalar {
    match v {
        Value::String(s) => Scalar::Str(s.clone()),
        Value::Bool(b) => Scalar::Bool(*b),
        other => Scalar::Other(kind(other)),
    }
}

fn check(v: &Value) -> Check {
    match v {
        Value::Object(fields) => Check::Object {
            name: fields.get("name").map(scalar),
            status: fields.get("status").map(scalar),
            detail: fields.get("detail").map(scalar),
        },
        other => Check::Other(kind(other)),
    }
}

/// `deserialize_any` into a `Value`, refusing a repeated key.
struct Checked;

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Checked)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let value = map.next_value_seed(Checked)?;
            fields.insert(key, value);
        }
        Ok(Value::Object(fields))
    }
}
