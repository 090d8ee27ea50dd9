//! The scanner's test oracle: `serde_json` reads the document into a
//! `Value` through a visitor that refuses a key repeated in any object (its
//! own grammar, number range and recursion limit apply), and the gate's
//! fields are taken from that value. The scanner must give the same verdict
//! (accepted or refused) and the same evidence; its messages are its own.

use serde_json::Value;

use crate::checked::{checked_json, kind};
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

/// One JSON value, checked (the gate's own checked parse): no repeated key
/// in any object, nothing after it.
pub fn value(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    checked_json(text).map_err(|e| e.to_string())
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
