//! cargo-deny's JSON records read fast, one line at a time, in three tiers
//! (the gate falls to the next when one says `None`):
//! - [`plain_diagnostic`]: a strict byte-level reader that builds nothing:
//!   most lines of a long run are diagnostics only counted;
//! - [`pruned_record`]: the line's value parsed once, every object checked
//!   for a repeated key (as [`crate::checked`] does), and only the members
//!   the cargo-deny rule reads built into the [`Value`] handed back (the
//!   rest, such as a diagnostic's graphs past the first crate, is read and
//!   dropped); the gate reads it exactly as it would the whole value;
//! - anything else (not one JSON value, a repeated key): the gate's own
//!   slow reading, and its messages.
//!
//! [`pruned_first_value`] is the same pruning for a whole text, and
//! [`may_start_record`] tells the line splitter which long lines to hold.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// `text`, exactly one JSON value (white space around it allowed) with no
/// key repeated in any object, pruned to what the cargo-deny rule reads (a
/// record, or an array of records); `None` otherwise.
pub fn pruned_record(text: &str) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Prune(Mode::Top, true).deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(value)
}

/// [`crate::json::first_value`] (the same value's end, the same errors:
/// repeated keys are not checked), the value pruned as [`pruned_record`]
/// prunes it: the cargo-deny rule's reading of a whole text.
pub fn pruned_first_value(text: &str) -> Option<(Result<Value, serde_json::Error>, usize)> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<Unchecked>();
    let value = values.next()?.map(|Unchecked(v)| v);
    Some((value, values.byte_offset()))
}

/// A pruned value, repeated keys unchecked.
struct Unchecked(Value);

impl<'de> de::Deserialize<'de> for Unchecked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Prune(Mode::Top, false).deserialize(d).map(Unchecked)
    }
}

/// Whether a line starting with `head` can be a cargo-deny record: after a
/// byte order mark and white space, an array, or an object whose first key
/// is `fields` (cargo-deny writes its keys sorted), `type`, one of the
/// gate's own fields, or holds an escape; or `head` is too short to say. A
/// SARIF log or the gate's own evidence on one line cannot.
pub fn may_start_record(head: &[u8]) -> bool {
    let space = |b: &&u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let head = head.strip_prefix(crate::evidence::UTF8_BOM).unwrap_or(head);
    let mut rest = head.iter().skip_while(space);
    match rest.next() {
        None | Some(b'[') => return true,
        Some(b'{') => {}
        Some(_) => return false,
    }
    let mut rest = rest.skip_while(space);
    match rest.next() {
        None => return true,
        Some(b'"') => {}
        Some(_) => return false,
    }
    let key: Vec<u8> = rest.take_while(|b| **b != b'"').copied().collect();
    let keys = ["fields", "type", "provenance", "release", "commit", "generated_at"];
    let known = keys.iter().any(|k| k.as_bytes().starts_with(&key));
    known || key.contains(&b'\\')
}

/// The severity of `text`'s diagnostic, ASCII lowercase (`error`,
/// `warning`, `note`, `help`, `bug`, or `other` for any other ASCII
/// string), when `text` is exactly one JSON value without a repeated key,
/// an object whose `type` is `diagnostic`, whose `fields` is an object with
/// an ASCII string `severity`, and with none of the gate's own fields
/// (`provenance`, `release`, `commit`, `generated_at`); `None` otherwise,
/// and for what this reader leaves to serde_json (see `Quick`). Nothing
/// of the line is built: most lines of a long run are counted only.
pub fn plain_diagnostic(text: &str) -> Option<&'static str> {
    let mut quick = Quick { bytes: text.as_bytes(), at: 0, keys: Vec::with_capacity(32) };
    let mut state = State::default();
    quick.value(Q::Top, 0, &mut state)?;
    quick.space();
    let State { diagnostic, fields, severity, own } = state;
    let whole = quick.at == quick.bytes.len();
    severity.filter(|_| whole && diagnostic && fields && !own)
}

/// What [`plain_diagnostic`] saw of the top-level object.
#[derive(Default)]
struct State {
    /// Its `type` is `diagnostic`,
    diagnostic: bool,
    /// its `fields` is an object,
    fields: bool,
    /// with this `severity`;
    severity: Option<&'static str>,
    /// one of the gate's own fields is there.
    own: bool,
}

/// Where [`Quick`] stands.
#[derive(Clone, Copy, PartialEq)]
enum Q {
    Top,
    Type,
    Fields,
    Severity,
    Skip,
}

/// A strict JSON reader for [`plain_diagnostic`]: what it accepts,
/// serde_json accepts as the same value; it gives up (`None`) on what it
/// does not need to read fast: a `\u` escape, an escape in a key or a
/// severity, an exponent, an integer part over 18 digits, nesting over 64
/// levels, an object over 64 keys.
struct Quick<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The keys of the objects being read, innermost last.
    keys: Vec<&'a [u8]>,
}

impl<'a> Quick<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn bump(&mut self) {
        self.at = self.at.saturating_add(1);
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.bump())
    }

    fn space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn value(&mut self, mode: Q, depth: usize, state: &mut State) -> Option<()> {
        self.space();
        match self.peek()? {
            b'{' if depth < 64 => self.object(mode, depth.saturating_add(1), state),
            b'[' if depth < 64 => self.array(depth.saturating_add(1), state),
            b'"' => {
                let (text, escaped) = self.string()?;
                match mode {
                    Q::Type => state.diagnostic = text == b"diagnostic",
                    Q::Severity if escaped => return None,
                    Q::Severity if text.is_ascii() => {
                        let known = ["error", "warning", "note", "help", "bug"];
                        let found =
                            known.into_iter().find(|k| k.as_bytes().eq_ignore_ascii_case(text));
                        state.severity = Some(found.unwrap_or("other"));
                    }
                    _ => {}
                }
                Some(())
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => self.number(),
        }
    }

    fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at.checked_add(word.len())?;
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// `-?(0|[1-9][0-9]{0,17})(\.[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        let start = self.at;
        let digits = |q: &mut Self| {
            let from = q.at;
            while q.peek().is_some_and(|b| b.is_ascii_digit()) {
                q.bump();
            }
            q.at.saturating_sub(from)
        };
        match digits(self) {
            0 => return None,
            n if n > 18 || (n > 1 && self.bytes.get(start) == Some(&b'0')) => return None,
            _ => {}
        }
        if self.eat(b'.').is_some() && digits(self) == 0 {
            return None;
        }
        (!matches!(self.peek(), Some(b'e' | b'E'))).then_some(())
    }

    /// A string's raw bytes (between the quotes), and whether it holds an
    /// escape.
    #[inline]
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        self.eat(b'"')?;
        let start = self.at;
        let mut escaped = false;
        loop {
            let rest = self.bytes.get(self.at..)?;
            let end = string_stop(rest)?;
            self.at = self.at.saturating_add(end);
            match rest.get(end) {
                Some(b'"') => break,
                Some(b'\\') => {}
                _ => return None,
            }
            let next = rest.get(end.saturating_add(1))?;
            if !matches!(next, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') {
                return None;
            }
            escaped = true;
            self.at = self.at.saturating_add(2);
        }
        let text = self.bytes.get(start..self.at)?;
        self.bump();
        Some((text, escaped))
    }

    fn array(&mut self, depth: usize, state: &mut State) -> Option<()> {
        self.eat(b'[')?;
        self.space();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            self.value(Q::Skip, depth, state)?;
            self.space();
            match self.peek()? {
                b',' => self.bump(),
                b']' => {
                    self.bump();
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn object(&mut self, mode: Q, depth: usize, state: &mut State) -> Option<()> {
        self.eat(b'{')?;
        state.fields |= mode == Q::Fields;
        let base = self.keys.len();
        self.space();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            self.space();
            let (key, escaped) = self.string()?;
            let ours = self.keys.get(base..)?;
            if escaped || ours.len() >= 64 || ours.contains(&key) {
                return None;
            }
            self.keys.push(key);
            self.space();
            self.eat(b':')?;
            let child = match (mode, key) {
                (Q::Top, b"type") => Q::Type,
                (Q::Top, b"fields") => Q::Fields,
                (Q::Top, b"provenance" | b"release" | b"commit" | b"generated_at") => {
                    state.own = true;
                    Q::Skip
                }
                (Q::Fields, b"severity") => Q::Severity,
                _ => Q::Skip,
            };
            self.value(child, depth, state)?;
            self.space();
            match self.peek()? {
                b',' => self.bump(),
                b'}' => break,
                _ => return None,
            }
        }
        self.bump();
        self.keys.truncate(base);
        Some(())
    }
}

/// Where a string's plain run ends: the first `"`, `\\` or control
/// character, read eight bytes at a time (keys and values are short: a
/// vector search costs more to start).
fn string_stop(rest: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each zero byte of `v` (the lowest one set is exact).
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let mut at = 0usize;
    while let Some(word) = rest.get(at..at.saturating_add(8)).and_then(|w| w.try_into().ok()) {
        let w = u64::from_le_bytes(word);
        let quote = zero(w ^ ONES.wrapping_mul(u64::from(b'"')));
        let backslash = zero(w ^ ONES.wrapping_mul(u64::from(b'\\')));
        let control = w.wrapping_sub(ONES.wrapping_mul(0x20)) & !w & HIGH;
        let hit = quote | backslash | control;
        if hit != 0 {
            return usize::try_from(hit.trailing_zeros() / 8).ok().map(|i| at.saturating_add(i));
        }
        at = at.saturating_add(8);
    }
    let tail = rest.get(at..)?;
    tail.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|i| at.saturating_add(i))
}

/// Where a value stands, which decides what of it is kept. Scalars are
/// kept, except under [`Mode::Skip`]; an array or object keeps the members
/// [`Mode::element`] and [`Mode::member`] name, each in its own mode.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The line's value: a record, or an array of records.
    Top,
    /// An element of the line's array.
    Record,
    /// A record's `fields`.
    Fields,
    /// A member of `fields`: a string (`severity`, `message`...) or a
    /// summary's counters (`errors`...) or a diagnostic's `advisory` (`id`).
    Member,
    /// `fields.graphs`: the first graph's crate is read.
    Graphs,
    Graph,
    Krate,
    /// `fields.labels`: each label's `span` is read.
    Labels,
    Label,
    /// The whole value.
    Keep,
    /// Read, checked, dropped.
    Skip,
}

impl Mode {
    fn element(self, index: usize) -> Option<Mode> {
        match self {
            Mode::Top => Some(Mode::Record),
            Mode::Keep => Some(Mode::Keep),
            Mode::Graphs => (index == 0).then_some(Mode::Graph),
            Mode::Labels => Some(Mode::Label),
            _ => None,
        }
    }

    fn member(self, key: &str) -> Option<Mode> {
        let keep = |keys: &[&str]| keys.contains(&key).then_some(Mode::Keep);
        match self {
            Mode::Top | Mode::Record if key == "fields" => Some(Mode::Fields),
            Mode::Top | Mode::Record => {
                keep(&["type", "provenance", "release", "commit", "generated_at"])
            }
            Mode::Fields => Some(match key {
                "graphs" => Mode::Graphs,
                "labels" => Mode::Labels,
                _ => Mode::Member,
            }),
            Mode::Member | Mode::Graphs | Mode::Labels => {
                keep(&["id", "errors", "warnings", "notes", "helps"])
            }
            Mode::Graph => (key == "Krate").then_some(Mode::Krate),
            Mode::Krate => keep(&["name", "version"]),
            Mode::Label => keep(&["span"]),
            Mode::Keep => Some(Mode::Keep),
            Mode::Skip => None,
        }
    }

    fn scalar(self, value: impl FnOnce() -> Value) -> Value {
        match self {
            Mode::Skip => Value::Null,
            _ => value(),
        }
    }
}

/// A value read in a mode; `.1`: a repeated key is an error.
struct Prune(Mode, bool);

impl<'de> DeserializeSeed<'de> for Prune {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Prune {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(self.0.scalar(|| Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(self.0.scalar(|| Value::from(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(self.0.scalar(|| Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(self.0.scalar(|| Value::from(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(self.0.scalar(|| Value::String(v.to_string())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        let mut index = 0usize;
        loop {
            let mode = self.0.element(index);
            let Some(v) = seq.next_element_seed(Prune(mode.unwrap_or(Mode::Skip), self.1))? else {
                break;
            };
            if mode.is_some() {
                out.push(v);
            }
            index = index.saturating_add(1);
        }
        Ok(self.0.scalar(|| Value::Array(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut seen = Seen::default();
        while let Some(Key(key)) = map.next_key()? {
            let mode = self.0.member(&key);
            if self.1 && !seen.insert(key.clone()) {
                // (A repeated key, or too many: the slow reading says which.)
                return Err(de::Error::custom("duplicate key"));
            }
            let v = map.next_value_seed(Prune(mode.unwrap_or(Mode::Skip), self.1))?;
            if mode.is_some() {
                out.insert(key.into_owned(), v);
            }
        }
        Ok(self.0.scalar(|| Value::Object(out)))
    }
}

/// An object key, borrowed from the text when it has no escape.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_string())))
    }
}

/// The keys of one object so far; an object of over 64 keys is left to
/// the slow reading (no set type is instantiated at opt-level 3 for it).
#[derive(Default)]
struct Seen<'de>(Vec<Cow<'de, str>>);

impl<'de> Seen<'de> {
    /// Whether `key` is new (and the object still short).
    fn insert(&mut self, key: Cow<'de, str>) -> bool {
        if self.0.len() >= 64 || self.0.contains(&key) {
            return false;
        }
        self.0.push(key);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_the_rule_reads() {
        let line = r#" {"fields":{"severity":"warning","code":"duplicate","message":"m","advisory":{"id":"RUSTSEC-1","url":"u"},"labels":[{"span":"s","line":1},3],"graphs":[{"Krate":{"name":"a","version":"1","x":2},"parents":[{"Krate":{"name":"b","version":"2"}}]},{"Krate":{}}],"bans":{"errors":0,"warnings":"1","other":[1]}},"type":"diagnostic","commit":"c","extra":{"deep":[1,2]}} "#;
        let want = serde_json::json!({"fields":{"severity":"warning","code":"duplicate","message":"m","advisory":{"id":"RUSTSEC-1"},"labels":[{"span":"s"},3],"graphs":[{"Krate":{"name":"a","version":"1"}}],"bans":{"errors":0,"warnings":"1"}},"type":"diagnostic","commit":"c"});
        assert_eq!(pruned_record(line), Some(want));
        let array = r#"[{"type":"log","fields":{"level":"ERROR"}},7,[{"type":"log"}]]"#;
        let want = serde_json::json!([{"type":"log","fields":{"level":"ERROR"}},7,[]]);
        assert_eq!(pruned_record(array), Some(want));
    }

    #[test]
    fn plain_diagnostics_are_counted_without_being_built() {
        let many: String = (0..40).map(|i| format!("\"k{i}\":0,")).collect();
        let cases = [
            (
                r#"{"fields":{"severity":"Warning","graphs":[{"a":1}]},"type":"diagnostic"}"#,
                Some("warning"),
            ),
            (r#" {"type":"diagnostic","fields":{"severity":"ERROR"}} "#, Some("error")),
            (r#"{"type":"diagnostic","fields":{"severity":"odd"}}"#, Some("other")),
            (r#"{"type":"diagnostic","fields":{"severity":"érror"}}"#, None),
            (r#"{"type":"diagnostic","fields":{"severity":3}}"#, None),
            (r#"{"type":"diagnostic","fields":{"x":{"severity":"error"}}}"#, None),
            (r#"{"type":"diagnostic","fields":[]}"#, None),
            (r#"{"type":"summary","fields":{"severity":"error"}}"#, None),
            (r#"{"type":"diagnostic","fields":{"severity":"error"},"commit":"c"}"#, None),
            (r#"[{"type":"diagnostic","fields":{"severity":"error"}}]"#, None),
            (r#"{"type":"diagnostic","fields":{"severity":"error","a":{"b":1,"b":2}}}"#, None),
            (r#"{"type":"diagnostic","fields":{"severity":"error"}} {}"#, None),
        ];
        for (text, want) in cases {
            assert_eq!(plain_diagnostic(text), want, "{text}");
        }
        let wide = format!(r#"{{"type":"diagnostic","fields":{{{many}"severity":"note"}}}}"#);
        assert_eq!(plain_diagnostic(&wide), Some("note"));
        let repeated =
            format!(r#"{{"type":"diagnostic","fields":{{{many}"severity":"note","k9":1}}}}"#);
        assert_eq!(plain_diagnostic(&repeated), None);
    }

    /// What serde_json (the checked parse) makes of `text`, as
    /// [`plain_diagnostic`] says it.
    fn oracle(text: &str) -> Option<&'static str> {
        let value = crate::checked::checked_json(text).ok()?;
        let own = ["provenance", "release", "commit", "generated_at"];
        if value.get("type")? != "diagnostic" || own.iter().any(|k| value.get(k).is_some()) {
            return None;
        }
        let severity = value.get("fields")?.as_object()?.get("severity")?.as_str()?;
        let known = ["error", "warning", "note", "help", "bug"];
        severity.is_ascii().then(|| {
            known.into_iter().find(|k| k.eq_ignore_ascii_case(severity)).unwrap_or("other")
        })
    }

    /// Every one-byte change of a few lines: when the fast reader answers,
    /// serde_json's checked parse gives the same answer.
    #[test]
    fn the_fast_reader_agrees_with_serde_json() {
        let lines = [
            r#"{"fields":{"severity":"warning","code":"d\"x\n","labels":[{"span":"a b","line":1,"column":-2.5}],"graphs":[{"Krate":{"name":"a","version":"1"},"parents":[]}],"n":null,"t":true,"f":false},"type":"diagnostic"}"#,
            r#" {"type":"diagnostic","fields":{"severity":"Error","x":[0,10,{"a":{}}]}}"#,
        ];
        let bytes = b"{}[]\":,. \t-+0159eEtfnu\\\x01/";
        let mut answered = 0;
        for line in lines {
            assert_eq!(plain_diagnostic(line), oracle(line), "{line}");
            for at in 0..line.len() {
                for &b in bytes {
                    for keep in [0, 1] {
                        let mut text = line.as_bytes().to_vec();
                        match keep {
                            0 => text[at] = b,
                            _ => text.insert(at, b),
                        }
                        let Ok(text) = String::from_utf8(text) else { continue };
                        if let Some(severity) = plain_diagnostic(&text) {
                            answered += 1;
                            assert_eq!(Some(severity), oracle(&text), "{text}");
                        }
                    }
                }
            }
            let cut: String = line.chars().take(line.len() / 2).collect();
            assert_eq!(plain_diagnostic(&cut), None);
        }
        assert!(answered > 1000, "{answered}");
    }

    #[test]
    fn what_may_start_a_record() {
        let records = [
            r#"{"fields":{"#,
            "\u{feff} \t{ \"type\":",
            r#"[{"status""#,
            r#"{"commit":"a"#,
            r#"{"\u0074ype""#,
            r#"{"typ"#,
            "   ",
            "{ ",
        ];
        for head in records {
            assert!(may_start_record(head.as_bytes()), "{head}");
        }
        for head in [
            r#"{"status":"passed","results":["#,
            r#"{"$schema":"#,
            r#"{"types":"#,
            "{}",
            "2024 [INFO]",
            r#""type""#,
        ] {
            assert!(!may_start_record(head.as_bytes()), "{head}");
        }
    }

    /// The same ends and errors as `json::first_value`, the same value
    /// where it is kept.
    #[test]
    fn pruned_first_value_reads_as_first_value() {
        let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
        for text in [
            r#"{"type":"log","fields":{"level":"x","a":[1]}} {"b":2}"#,
            r#"{"type":"log","type":"x"}"#,
            "{broken",
            "[1, 2,\n 3]\n[4]",
            r#"{"a":1e400}"#,
            deep.as_str(),
            "",
        ] {
            let want = crate::json::first_value(text);
            let got = pruned_first_value(text);
            assert_eq!(got.as_ref().map(|(_, n)| *n), want.as_ref().map(|(_, n)| *n), "{text}");
            let errors = |v: &Option<(Result<Value, serde_json::Error>, usize)>| {
                v.as_ref().and_then(|(r, _)| r.as_ref().err().map(|e| e.to_string()))
            };
            assert_eq!(errors(&got), errors(&want), "{text}");
        }
        let (value, _) = pruned_first_value(r#"{"type":"log","type":"x","x":{}}"#).unwrap();
        assert_eq!(value.unwrap(), serde_json::json!({"type":"x"}));
    }

    #[test]
    fn string_stop_finds_the_first_stop() {
        let text = b"abcdefghijklmnopqrstuvwxyz\xc3\xa9 0123456789";
        for at in 0..text.len() {
            for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                let mut t = text.to_vec();
                t[at] = stop;
                t.extend_from_slice(b"\"\\\x01");
                assert_eq!(string_stop(&t), Some(at), "{at} {stop}");
            }
        }
        assert_eq!(string_stop(text), None);
        assert_eq!(string_stop(b"\x7f\x80\xff !#~]\""), Some(8));
    }

    #[test]
    fn anything_but_one_value_without_a_repeated_key_is_none() {
        let many: String = (0..40).map(|i| format!("\"k{i}\":0,")).collect();
        for text in [
            r#"{"type":"log"} {"type":"log"}"#.to_string(),
            r#"{"type":"log","fields":{"a":{"x":[{"y":1,"y":2}]}}}"#.to_string(),
            r#"{"type":"log","type":"log"}"#.to_string(),
            format!(r#"{{"extra":{{{many}"k7":1}}}}"#),
            r#"{"type":"log""#.to_string(),
            format!("{}{}", "[".repeat(200), "]".repeat(200)),
            String::new(),
        ] {
            assert_eq!(pruned_record(&text), None, "{text}");
        }
        assert!(pruned_record(&format!(r#"{{"extra":{{{many}"k40":1}}}}"#)).is_some());
        let wide: String = (0..70).map(|i| format!("\"k{i}\":0,")).collect();
        assert_eq!(pruned_record(&format!(r#"{{"extra":{{{wide}"k":1}}}}"#)), None);
    }
}
