//! `serde_json::Value` parsing, instantiated here so the dev profile
//! optimizes it (the tool formats parse whole documents into values).

use serde_json::{Error, Value};

/// Parses one JSON document.
pub fn from_str(text: &str) -> Result<Value, Error> {
    serde_json::from_str(text)
}

/// The first JSON value of `text` and how many bytes it took, for a stream
/// of values (JSON lines and the like); `None` when `text` holds none.
pub fn first_value(text: &str) -> Option<(Result<Value, Error>, usize)> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let value = values.next()?;
    Some((value, values.byte_offset()))
}
