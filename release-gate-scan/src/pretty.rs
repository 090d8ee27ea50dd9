//! Pretty JSON with every object's keys sorted, written straight from a
//! `Serialize` value: the bytes `serde_json::to_string_pretty` gives for
//! `serde_json::to_value(value)` (whose maps are `BTreeMap`s), without
//! building that `Value` tree.
//!
//! The round trip through `Value` was the gate's way to sort keys, and with
//! thousands of artifacts it was most of the time spent writing the report:
//! every string copied into a tree, the tree walked, then dropped, all in the
//! unoptimized xtask. Here the derived `Serialize` code (instantiated in the
//! caller) only calls this writer's non-generic methods, which are compiled
//! in this crate and so optimized in the dev profile.
//!
//! Sorting: each object's entries are written as they come, with their byte
//! ranges noted; an object whose keys did not come in order is rebuilt in
//! order when it closes (its nested objects are already final by then).
//! Keys compare as `String`s do, byte by byte, as in a `BTreeMap`; a repeated
//! key keeps its last value, as `Map::insert` does.

use std::borrow::Cow;
use std::io::Write as _;

use serde::ser::{self, Serialize};
use serde_json::Error;

/// `value` as pretty JSON (two-space indent) with sorted keys, no final newline.
pub fn to_string_pretty_sorted<T: ?Sized + Serialize>(value: &T) -> Result<String, Error> {
    let mut writer = Writer::default();
    value.serialize(&mut writer)?;
    writer.finish()
}

/// The writer behind [`to_string_pretty_sorted`]. Its methods are not
/// generic: only the calls into them are instantiated by the caller.
#[derive(Default)]
pub struct Writer {
    out: Vec<u8>,
    /// The containers now open, innermost last.
    frames: Vec<Frame>,
    /// The entries of the open objects, innermost object's last.
    entries: Vec<Entry>,
    /// Where an object's entries are put in order (reused).
    scratch: Vec<u8>,
}

struct Frame {
    object: bool,
    /// Where this object's entries start in `entries`.
    first_entry: usize,
    len: usize,
    /// Every key so far came after the one before it.
    in_order: bool,
}

struct Entry {
    key: Cow<'static, str>,
    /// The entry's bytes in `out`: `"key": value`.
    start: usize,
    end: usize,
}

impl Writer {
    fn finish(self) -> Result<String, Error> {
        if !self.frames.is_empty() {
            return Err(ser::Error::custom("a JSON container was left open"));
        }
        String::from_utf8(self.out).map_err(ser::Error::custom)
    }

    fn indent(&mut self, depth: usize) {
        self.out.push(b'\n');
        self.out.resize(self.out.len().saturating_add(depth.saturating_mul(2)), b' ');
    }

    #[inline(never)]
    fn open(&mut self, object: bool) {
        self.out.push(if object { b'{' } else { b'[' });
        self.frames.push(Frame { object, first_entry: self.entries.len(), len: 0, in_order: true });
    }

    #[inline(never)]
    fn close(&mut self) {
        let Some(frame) = self.frames.pop() else { return };
        let depth = self.frames.len();
        if frame.object && !frame.in_order {
            self.sort_entries(frame.first_entry, depth.saturating_add(1));
        }
        if frame.object {
            self.entries.truncate(frame.first_entry);
        }
        if frame.len > 0 {
            self.indent(depth);
        }
        self.out.push(if frame.object { b'}' } else { b']' });
    }

    /// Rewrites the entries from `first` on (the innermost object's) in key
    /// order, the last of equal keys winning.
    fn sort_entries(&mut self, first: usize, depth: usize) {
        let Some(entries) = self.entries.get_mut(first..) else { return };
        let Some(start) = entries.first().map(|e| e.start) else { return };
        // Stable: equal keys stay in the order written, so the last is the one kept.
        entries.sort_by(|a, b| a.key.as_bytes().cmp(b.key.as_bytes()));
        let mut rebuilt = std::mem::take(&mut self.scratch);
        rebuilt.clear();
        let mut iter = entries.iter().peekable();
        while let Some(entry) = iter.next() {
            if iter.peek().is_some_and(|next| next.key == entry.key) {
                continue;
            }
            if !rebuilt.is_empty() {
                rebuilt.push(b',');
                rebuilt.push(b'\n');
                rebuilt.resize(rebuilt.len().saturating_add(depth.saturating_mul(2)), b' ');
            }
            if let Some(bytes) = self.out.get(entry.start..entry.end) {
                rebuilt.extend_from_slice(bytes);
            }
        }
        self.out.truncate(start);
        self.out.extend_from_slice(&rebuilt);
        self.scratch = rebuilt;
    }

    /// Before an array element: the separator and the indent.
    #[inline(never)]
    fn element(&mut self) {
        let depth = self.frames.len();
        if let Some(frame) = self.frames.last_mut() {
            if frame.len > 0 {
                self.out.push(b',');
            }
            frame.len = frame.len.saturating_add(1);
        }
        self.indent(depth);
    }

    /// Before an object entry's value: the separator, the indent, the key.
    #[inline(never)]
    fn key(&mut self, key: Cow<'static, str>) {
        let depth = self.frames.len();
        let first = self.frames.last().map_or(0, |f| f.first_entry);
        let in_order = match self.entries.get(first..).and_then(<[Entry]>::last) {
            Some(last) => last.key.as_bytes() < key.as_bytes(),
            None => true,
        };
        if let Some(frame) = self.frames.last_mut() {
            if frame.len > 0 {
                self.out.push(b',');
            }
            frame.len = frame.len.saturating_add(1);
            frame.in_order &= in_order;
        }
        self.indent(depth);
        let start = self.out.len();
        self.string(&key);
        self.out.extend_from_slice(b": ");
        self.entries.push(Entry { key, start, end: start });
    }

    /// An object entry's value, after its key.
    fn entry<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self)?;
        self.end_entry();
        Ok(())
    }

    /// After an object entry's value.
    #[inline(never)]
    fn end_entry(&mut self) {
        let end = self.out.len();
        if let Some(entry) = self.entries.last_mut() {
            entry.end = end;
        }
    }

    /// `s` quoted and escaped as serde_json escapes it: `"`, `\\`, and the
    /// control characters below U+0020 (`\b \t \n \f \r` by name, the rest
    /// as `\u00xx`); nothing else.
    #[inline(never)]
    fn string(&mut self, s: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.out.push(b'"');
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape: &[u8] = match b {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                0x08 => b"\\b",
                b'\t' => b"\\t",
                b'\n' => b"\\n",
                0x0c => b"\\f",
                b'\r' => b"\\r",
                0x00..=0x1f => {
                    let hex = |n: u8| HEX.get(usize::from(n & 0xf)).copied().unwrap_or(b'0');
                    &[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b)]
                }
                _ => continue,
            };
            self.out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
            self.out.extend_from_slice(escape);
            start = i.saturating_add(1);
        }
        self.out.extend_from_slice(bytes.get(start..).unwrap_or_default());
        self.out.push(b'"');
    }

    /// Closes a variant: its array or object, then the object around it.
    fn close_variant(&mut self) {
        self.close();
        self.end_entry();
        self.close();
    }

    #[inline(never)]
    fn raw(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
    }

    #[inline(never)]
    fn unsigned(&mut self, n: u64) {
        // The standard library's formatting: nothing more to compile here.
        let _ = write!(self.out, "{n}");
    }

    #[inline(never)]
    fn signed(&mut self, n: i64) {
        let _ = write!(self.out, "{n}");
    }

    #[inline(never)]
    fn float(&mut self, n: f64) {
        // As `Value` holds it: a non-finite float is `null`.
        if n.is_finite() {
            let _ = serde_json::to_writer(&mut self.out, &n);
        } else {
            self.raw("null");
        }
    }
}

fn out_of_range() -> Error {
    ser::Error::custom("number out of range")
}

/// `serialize_*` methods that write their value with one `Writer` method.
macro_rules! write_with {
    ($($name:ident($ty:ty) => $method:ident),* $(,)?) => {$(
        fn $name(self, v: $ty) -> Result<(), Error> {
            self.$method(v.into());
            Ok(())
        }
    )*};
}

macro_rules! open_variant {
    ($($name:ident => $object:expr),* $(,)?) => {$(
        fn $name(
            self,
            _name: &'static str,
            _index: u32,
            variant: &'static str,
            _len: usize,
        ) -> Result<Self, Error> {
            self.open(true);
            self.key(Cow::Borrowed(variant));
            self.open($object);
            Ok(self)
        }
    )*};
}

impl ser::Serializer for &mut Writer {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.raw(if v { "true" } else { "false" });
        Ok(())
    }
    // `Value` widens an f32 to f64 before writing it.
    write_with! {
        serialize_i8(i8) => signed, serialize_i16(i16) => signed,
        serialize_i32(i32) => signed, serialize_i64(i64) => signed,
        serialize_u8(u8) => unsigned, serialize_u16(u16) => unsigned,
        serialize_u32(u32) => unsigned, serialize_u64(u64) => unsigned,
        serialize_f32(f32) => float, serialize_f64(f64) => float,
        serialize_str(&str) => string,
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        if let Ok(v) = u64::try_from(v) {
            self.unsigned(v);
        } else {
            self.signed(i64::try_from(v).map_err(|_| out_of_range())?);
        }
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.unsigned(u64::try_from(v).map_err(|_| out_of_range())?);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        self.open(false);
        for byte in v {
            self.element();
            self.unsigned((*byte).into());
        }
        self.close();
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.raw("null");
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.raw("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.raw("null");
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open(true);
        self.key(Cow::Borrowed(variant));
        value.serialize(&mut *self)?;
        self.end_entry();
        self.close();
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self, Error> {
        self.open(false);
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self, Error> {
        self.open(false);
        Ok(self)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        self.open(false);
        Ok(self)
    }
    // `{"variant": [...]}` and `{"variant": {...}}`.
    open_variant! {
        serialize_tuple_variant => false,
        serialize_struct_variant => true,
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self, Error> {
        self.open(true);
        Ok(self)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        self.open(true);
        Ok(self)
    }
}

impl ser::SerializeSeq for &mut Writer {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.element();
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

// Tuples are arrays, and the variants objects of one entry around an array
// or an object: the same steps as sequences and structs, a variant closing
// its object too.
macro_rules! same_steps {
    ($($trait:ident::$method:ident($($key:ident: $kty:ty)?) => $as:path, $end:ident;)*) => {$(
        impl ser::$trait for &mut Writer {
            type Ok = ();
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(
                &mut self,
                $($key: $kty,)?
                value: &T,
            ) -> Result<(), Error> {
                $as(self, $($key,)? value)
            }
            fn end(self) -> Result<(), Error> {
                self.$end();
                Ok(())
            }
        }
    )*};
}

same_steps! {
    SerializeTuple::serialize_element() => ser::SerializeSeq::serialize_element, close;
    SerializeTupleStruct::serialize_field() => ser::SerializeSeq::serialize_element, close;
    SerializeTupleVariant::serialize_field() => ser::SerializeSeq::serialize_element, close_variant;
    SerializeStructVariant::serialize_field(key: &'static str) => ser::SerializeStruct::serialize_field, close_variant;
}

impl ser::SerializeMap for &mut Writer {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.key(Cow::Owned(key_string(key)?));
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.entry(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

impl ser::SerializeStruct for &mut Writer {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.key(Cow::Borrowed(key));
        self.entry(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

/// A map key as the string `Value` makes of it: `serde_json`'s own rules
/// (strings, integers, finite floats, chars, unit variants), applied to a
/// one-entry map.
fn key_string<T: ?Sized + Serialize>(key: &T) -> Result<String, Error> {
    struct OneEntry<'a, T: ?Sized>(&'a T);
    impl<T: ?Sized + Serialize> Serialize for OneEntry<'_, T> {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut map = s.serialize_map(Some(1))?;
            ser::SerializeMap::serialize_entry(&mut map, self.0, &())?;
            ser::SerializeMap::end(map)
        }
    }
    match serde_json::to_value(OneEntry(key))? {
        serde_json::Value::Object(map) => map
            .into_iter()
            .next()
            .map(|(key, _)| key)
            .ok_or_else(|| ser::Error::custom("key must be a string")),
        _ => Err(ser::Error::custom("key must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Serialize;
    use serde_json::{json, Value};

    use super::to_string_pretty_sorted;

    /// The oracle: the round trip through `Value` this writer replaces.
    fn via_value<T: Serialize>(value: &T) -> String {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        serde_json::to_string_pretty(&value).unwrap_or_default()
    }

    #[track_caller]
    fn check<T: Serialize>(value: &T, expected: &str) {
        let direct = to_string_pretty_sorted(value).unwrap_or_else(|e| format!("error: {e}"));
        assert_eq!(direct, via_value(value), "differs from the Value round trip");
        assert_eq!(direct, expected);
    }

    #[derive(Serialize)]
    struct Unsorted {
        zeta: u32,
        alpha: Option<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        middle: Vec<Inner>,
        empty_list: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
    }

    #[derive(Serialize)]
    struct Inner {
        b: bool,
        a: f64,
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(u8, i64),
        Struct { y: i8, x: char },
    }

    #[derive(Serialize)]
    struct Flattened {
        z: u8,
        #[serde(flatten)]
        rest: BTreeMap<String, u8>,
        a: u8,
    }

    #[test]
    fn structs_sort_their_fields_at_every_depth() {
        check(
            &Unsorted {
                zeta: 1,
                alpha: None,
                skipped: None,
                middle: vec![Inner { b: true, a: 0.5 }, Inner { b: false, a: f64::NAN }],
                empty_list: vec![],
                empty_map: BTreeMap::new(),
            },
            "{\n  \"alpha\": null,\n  \"empty_list\": [],\n  \"empty_map\": {},\n  \"middle\": [\n    {\n      \"a\": 0.5,\n      \"b\": true\n    },\n    {\n      \"a\": null,\n      \"b\": false\n    }\n  ],\n  \"zeta\": 1\n}",
        );
    }

    #[test]
    fn enums_take_the_shapes_value_gives_them() {
        check(
            &vec![Shape::Unit, Shape::Newtype(3), Shape::Tuple(1, -2), Shape::Struct { y: -1, x: 'é' }],
            "[\n  \"unit\",\n  {\n    \"newtype\": 3\n  },\n  {\n    \"tuple\": [\n      1,\n      -2\n    ]\n  },\n  {\n    \"struct\": {\n      \"x\": \"é\",\n      \"y\": -1\n    }\n  }\n]",
        );
    }

    #[test]
    fn map_keys_sort_bytewise_and_the_last_repeat_wins() {
        let flattened = Flattened {
            z: 1,
            rest: BTreeMap::from([("a".to_string(), 9), ("m".to_string(), 2)]),
            a: 3,
        };
        check(&flattened, "{\n  \"a\": 3,\n  \"m\": 2,\n  \"z\": 1\n}");
        let keys: HashMap<&str, u8> = HashMap::from([("é", 1), ("z", 2), ("Z", 3), ("a\"b", 4)]);
        check(&keys, "{\n  \"Z\": 3,\n  \"a\\\"b\": 4,\n  \"z\": 2,\n  \"é\": 1\n}");
        let numbers: BTreeMap<u32, bool> = BTreeMap::from([(10, true), (9, false)]);
        check(&numbers, "{\n  \"10\": true,\n  \"9\": false\n}");
        let f64_keys: Vec<(f64, u8)> = vec![(1.5, 1), (0.1, 2), (-2e300, 3)];
        check(&FloatKeys(f64_keys), "{\n  \"-2e+300\": 3,\n  \"0.1\": 2,\n  \"1.5\": 1\n}");
        check(&FloatKeys(vec![(0.1f32, 1u8)]), "{\n  \"0.1\": 1\n}");
        assert!(to_string_pretty_sorted(&FloatKeys(vec![(f64::NAN, 1u8)])).is_err());
    }

    #[test]
    fn values_and_escapes_are_written_as_serde_json_writes_them() {
        check(
            &json!({"s": "tab\t\"quote\" \u{1} \u{2028} é", "n": [u64::MAX, i64::MIN, 1.5e300, 0.1], "o": {"b": {}, "a": []}}),
            "{\n  \"n\": [\n    18446744073709551615,\n    -9223372036854775808,\n    1.5e+300,\n    0.1\n  ],\n  \"o\": {\n    \"a\": [],\n    \"b\": {}\n  },\n  \"s\": \"tab\\t\\\"quote\\\" \\u0001 \u{2028} é\"\n}",
        );
        check(
            &(1u8, 0.25f32, (), Some("x"), None::<u8>, &b"ab"[..]),
            "[\n  1,\n  0.25,\n  null,\n  \"x\",\n  null,\n  [\n    97,\n    98\n  ]\n]",
        );
    }

    /// A map with float keys, in the order given.
    struct FloatKeys<K>(Vec<(K, u8)>);

    impl<K: Serialize> Serialize for FloatKeys<K> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    #[test]
    fn keys_that_are_not_strings_are_refused() {
        let map: BTreeMap<Vec<u8>, u8> = BTreeMap::from([(vec![1], 1)]);
        assert!(to_string_pretty_sorted(&map).is_err());
    }

    /// A tree whose objects keep their entries in the order given, repeats
    /// included: what a `Serialize` impl may hand the writer.
    #[derive(Debug, Clone)]
    enum Tree {
        Leaf(Value),
        List(Vec<Tree>),
        Object(Vec<(String, Tree)>),
    }

    impl Serialize for Tree {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Tree::Leaf(v) => v.serialize(s),
                Tree::List(items) => s.collect_seq(items),
                Tree::Object(entries) => s.collect_map(entries.iter().map(|(k, v)| (k, v))),
            }
        }
    }

    fn tree() -> impl proptest::strategy::Strategy<Value = Tree> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-c\\\"\u{0}-\u{1f}é\u{2028}]{0,4}".prop_map(Value::from),
        ]
        .prop_map(Tree::Leaf);
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Tree::List),
                proptest::collection::vec(("[a-cA\u{e9}]{0,2}", inner), 0..6)
                    .prop_map(Tree::Object),
            ]
        })
    }

    proptest::proptest! {
        // No seed files in the tree: a failure prints its shrunk case.
        #![proptest_config(proptest::prelude::ProptestConfig {
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]
        #[test]
        fn any_tree_is_written_as_the_value_round_trip_writes_it(t in tree()) {
            let direct = to_string_pretty_sorted(&t).unwrap_or_else(|e| format!("error: {e}"));
            proptest::prop_assert_eq!(direct, via_value(&t));
        }
    }
}
