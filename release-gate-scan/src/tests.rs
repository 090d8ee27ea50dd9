//! The evidence reader's tests: depth, and the scanner against the
//! `serde_json`-based oracle (`reference.rs`) on generated documents:
//! the same verdict and the same evidence, whatever the chunking.

use std::io::{self, Read};

use proptest::prelude::*;
use proptest::sample::{select, Index};

use crate::evidence::{judged, parse, parse_reader, scan_with, Evidence, FIELDS};
use crate::scan::{self, Source};
use crate::{reference, stream};

// The rules themselves (status words, wrong types, checks, invalid
// documents, UTF-8, byte order marks, duplicate keys, echo limits) are
// tested once, through the gate's API, in `release-gate/src/gate/formats/evidence_json.rs`;
// here: depth, and the scanner against the oracle.

/// Nesting past `serde_json`'s recursion limit (128) is invalid anywhere,
/// skipped values included, and an error, not a stack overflow.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let doc =
        format!(r#"{{"status": "passed", "x": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(parse(doc.as_bytes()).unwrap_err(), "recursion limit exceeded at line 1 column 153");
    assert!(reference::parse(doc.as_bytes()).is_err());
    let doc = format!(r#"{{"status": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(parse(doc.as_bytes()).unwrap_err(), "recursion limit exceeded at line 1 column 138");
    for depth in [125, 126, 127, 128] {
        for open in ["[", "{\"k\": "] {
            let close = if open == "[" { "]" } else { "}" };
            let doc = format!(
                r#"{{"status": "ok", "x": {}1{}}}"#,
                open.repeat(depth),
                close.repeat(depth)
            );
            agree(doc.as_bytes());
        }
    }
}

// ---- the scanner against the oracle --------------------------------------

const WS: &[&str] = &["", "", "", " ", "\n", "\r\n  ", "\t"];
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "7",
    "-12",
    "1.5",
    "-0.25",
    "1e5",
    "1E+5",
    "2e-3",
    "-1.25e-3",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "1e308",
    "1e309",
    "1e400",
    "0e999999999999",
    "-1e-400",
    "123456789012345678901234567890.5",
    "0.000000000000000000000000000001",
    "1.7976931348623157e308",
    "17976931348623157e292",
    "4.9e-324",
    // Refused by serde_json (its parse is not correctly rounded), though
    // a correctly rounded parse gives `f64::MAX`.
    "1.7976931348623158e308",
    "-17976931348623158e292",
    "0.17976931348623158e309",
    "1797693134862315708145274237317043567981e269",
    "1844674407370955161.9e290",
];
const STRINGS: &[&str] = &[
    r#""""#,
    r#""passed""#,
    r#""  PASS ""#,
    r#""failed""#,
    r#""skipped""#,
    r#""stub""#,
    r#""v1.2.3""#,
    r#""0123456789abcdef""#,
    r#""2026-11-26T00:00:00Z""#,
    r#""pa\u0073sed""#,
    r#""line\nbreak \"quoted\" \\ \/ \b\f\r\t""#,
    r#""é ✓ 𝄞""#,
    r#""\ud834\udd1e""#,
    r#""\u00e9\u2713""#,
    r#""\ud800""#,
    r#""\udc00x""#,
    r#""\ud834\u0041""#,
    r#""failed\n::error::forged\u001b[2J""#,
    r#""Security Team""#,
    r#""security""#,
    r#""aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa""#,
];
/// Keys besides the gate's own fields (`FIELDS`).
const OTHER_KEYS: &[&str] = &["name", "results", "x", "st\\u0061tus", ""];

fn keys() -> impl Strategy<Value = &'static str> {
    select([FIELDS, OTHER_KEYS].concat())
}

fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        select(&["null", "true", "false"][..]),
        select(NUMBERS),
        select(NUMBERS),
        select(STRINGS),
        select(STRINGS),
    ]
    .prop_map(str::to_string);
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec((select(WS), inner.clone()), 0..4).prop_map(|items| {
                let items: Vec<String> =
                    items.into_iter().map(|(ws, v)| ws.to_string() + &v).collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec((keys(), 0..8usize, select(WS), inner), 0..6)
                .prop_map(|entries| object(&entries)),
        ]
    })
}

/// An object's text; a key takes its entry's index as a suffix unless the
/// index is 0 or 1 (so some keys repeat).
fn object(entries: &[(&str, usize, &str, String)]) -> String {
    let fields: Vec<String> = entries
        .iter()
        .enumerate()
        .map(|(i, (key, n, ws, v))| {
            let suffix = if *n > 1 { i.to_string() } else { String::new() };
            format!("{ws}\"{key}{suffix}\"{ws}:{ws}{v}")
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// A check as the gate reads it, or any value.
fn check() -> impl Strategy<Value = String> {
    prop_oneof![
        json_value(),
        (select(STRINGS), select(STRINGS), select(STRINGS)).prop_map(|(name, status, detail)| {
            format!("{{\"name\": {name}, \"status\": {status}, \"detail\": {detail}}}")
        }),
    ]
}

/// An evidence-like document: the gate's fields with values of every type,
/// now and then another value at the top.
fn document() -> impl Strategy<Value = String> {
    let field = (
        keys(),
        0..8usize,
        select(WS),
        prop_oneof![
            3 => json_value(),
            1 => select(STRINGS).prop_map(str::to_string),
            1 => prop::collection::vec(check(), 0..4).prop_map(|c| format!("[{}]", c.join(","))),
        ],
    );
    prop_oneof![
        19 => (select(WS), prop::collection::vec(field, 0..8))
            .prop_map(|(ws, entries)| format!("{ws}{}{ws}", object(&entries))),
        1 => json_value(),
    ]
}

/// One edit of a document's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Truncate(Index),
    Replace(Index, u8),
    Insert(Index, u8),
    Remove(Index),
}

const MUTATIONS: &[u8] = b",:\"\\{}[] \n0-.eExnt/\x01\xc3";

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<Index>().prop_map(Edit::Truncate),
        (any::<Index>(), select(MUTATIONS)).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<Index>(), select(MUTATIONS)).prop_map(|(at, b)| Edit::Insert(at, b)),
        any::<Index>().prop_map(Edit::Remove),
    ]
}

fn apply(doc: &mut Vec<u8>, edit: &Edit) {
    let len = doc.len().max(1);
    match edit {
        Edit::Truncate(at) => doc.truncate(at.index(len)),
        Edit::Insert(at, b) => doc.insert(at.index(len + 1).min(doc.len()), *b),
        Edit::Replace(at, b) if !doc.is_empty() => doc[at.index(len)] = *b,
        Edit::Remove(at) if !doc.is_empty() => {
            doc.remove(at.index(len));
        }
        _ => {}
    }
}

fn chunked(doc: &str, size: usize) -> Result<Evidence, String> {
    judged(scan::parse(Source::Chunks { rest: doc.as_bytes(), size, current: &[] }, 0))
}

/// The scanner gives the oracle's verdict and evidence, and the same
/// result (message included) whatever the chunking.
fn agree(doc: &[u8]) {
    let got = parse(doc);
    let expected = reference::parse(doc);
    let shown = String::from_utf8_lossy(doc);
    assert_eq!(got.is_ok(), expected.is_ok(), "{shown:?}\nscanner: {got:?}\noracle: {expected:?}");
    assert_eq!(got.as_ref().ok(), expected.as_ref().ok(), "{shown:?}");
    if let Err(message) = &got {
        assert!(message.contains(" at line ") || message.contains("byte offset"), "{message}");
    }
    let Ok(text) = std::str::from_utf8(doc) else { return };
    if text.starts_with('\u{feff}') {
        return;
    }
    for size in [1, 2, 3, 5, 16] {
        assert_eq!(chunked(text, size), got, "chunks of {size}, doc: {text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn scanner_agrees_with_the_oracle(doc in document(), edits in prop::collection::vec(edit(), 0..4)) {
        agree(doc.as_bytes());
        let mut bytes = doc.into_bytes();
        for edit in &edits {
            apply(&mut bytes, edit);
            agree(&bytes);
        }
    }
}

#[test]
fn scanner_agrees_on_every_truncation_and_edge() {
    let doc = r#"{"status": "pa\u0073sed", "passed": true, "domain": "cdc", "blockers": [1, [2], {"a": 3}],
        "checks": [{"name": "fmt", "status": "ok", "x": [null]}, 4, {"name": "\ud834\udd1e"}],
        "results": [{"n": -1.5e+3, "s": "é\n"}, [], {}], "provenance": "stub", "n": 1e400}"#;
    for end in 0..=doc.len() {
        agree(&doc.as_bytes()[..end]);
    }
    for edge in [
        "",
        " ",
        "{",
        "}",
        "[]",
        "null",
        "nul",
        "nulx",
        "true",
        "tru",
        "false",
        "-",
        "-x",
        "01",
        "1.",
        "1.x",
        "1e",
        "1e+",
        "1ex",
        "-1.5",
        "18446744073709551616",
        "1e400",
        "\"abc\"",
        "\"a\\u00e9\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\\ud800x\"",
        "\"\\ud800\\x\"",
        "\"\\q\"",
        "\"\\u12g4\"",
        "\"\u{1}\"",
        "{\"a\" 1}",
        "{\"a\":}",
        "{,}",
        "{\"a\":1,}",
        "{\"a\":1 \"b\":2}",
        "{1:2}",
        "{\"status\":\"ok\"} x",
        "{\"status\":\"ok\"}\n\n ",
        "{\"a\":[1,]}",
        "{\"a\":[1 2]}",
        "{\"a\":{\"b\" 1}}",
        "{\"a\":{\"b\":1,}}",
        "{\"a\":{1:2}}",
        "{\"a\":[}",
        "{\"a\":{]}",
        "{\"a\":1, \"a\" :2}",
        "{\"checks\":[{\"name\":1,\"name\":2}]}",
        "{\"status\":{\"k\":1,\"k\" :2}}",
        "{\"status\":{\"k\":{\"d\":1,\"d\":2}}}",
        "{\"status\":-}",
        "{\"status\":1e}",
        "{\"status\":1.5e400}",
        "{\"status\":[1,]}",
        "{\"blockers\":[1,,2]}",
        "{\"checks\":[1,]}",
        "{\"checks\":[{}],}",
        "{\"x\":\"\\ud834\\udd1e\"}",
        "{\"x\":\"\\ud834\"}",
        "\u{feff}{\"status\":\"ok\"}",
        "\u{feff}\u{feff}{}",
    ] {
        agree(edge.as_bytes());
    }
}

#[test]
fn the_stream_pipeline_agrees_across_chunks() {
    // Several chunks, a large skipped value, the fields at both ends.
    let mut doc = String::from("\u{feff}{\"status\": \"passed\", \"results\": [");
    let mut i = 0;
    while doc.len() < 3 * stream::CHUNK + 1234 {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str(&format!(
            "{{\"id\":{i},\"name\":\"case-{i:06}\",\"ms\":{}.{:03},\"tags\":[\"a\",\"é\"],\"ok\":true}}\n",
            i % 997,
            i % 1000
        ));
        i += 1;
    }
    doc.push_str("], \"checks\": [{\"name\": \"scan\", \"status\": \"failed\"}]}\n");
    let expected = reference::parse(doc.as_bytes());
    assert_eq!(
        expected.as_ref().map(|e| e.reasons.clone()),
        Ok(vec!["check `scan` failed".to_string()])
    );
    let scanned = scan_with(&mut doc.as_bytes(), None).unwrap();
    assert_eq!(scanned.evidence, Some(expected));
    assert_eq!(scanned.bytes, doc.len() as u64);
    assert_eq!(scanned.sha256, crate::hash::sha256_hex(doc.as_bytes()));

    // An error late in the stream: the same message and position as in
    // memory.
    let broken = doc.replace("\"ok\":true}\n], \"checks\"", "\"ok\":tru}\n], \"checks\"");
    let late = scan_with(&mut broken.as_bytes(), None).unwrap().evidence.unwrap();
    assert_eq!(late, parse(broken.as_bytes()));
    assert!(late.is_err() && reference::parse(broken.as_bytes()).is_err());

    // Invalid UTF-8 anywhere wins, even after a syntax error.
    let mut bad = broken.into_bytes();
    let at = bad.len() - 10;
    bad[at] = 0xff;
    let scanned = scan_with(&mut &bad[..], None).unwrap();
    assert_eq!(scanned.evidence, Some(Err(format!("invalid UTF-8 at byte offset {at}"))));
    assert_eq!(scanned.sha256, crate::hash::sha256_hex(&bad));

    // Not JSON at all: the scanner stops at once, the hash covers every byte.
    let blob: Vec<u8> = (0..5 * stream::CHUNK).map(|i| (i % 7) as u8 + b'a').collect();
    let scanned = scan_with(&mut &blob[..], None).unwrap();
    assert_eq!(scanned.evidence, Some(Err("expected value at line 1 column 1".to_string())));
    assert_eq!(
        (scanned.bytes, scanned.sha256),
        (blob.len() as u64, crate::hash::sha256_hex(&blob))
    );
}

/// A second reader that says [`stream::Enough`] stops the scan as
/// evidence: no verdict comes back (not a wrong one), and every byte is
/// still read and hashed. Without that word the verdict comes back. The
/// consumer says it before it takes its first chunk, and the pump cannot
/// get more than the channel's chunks ahead of it, so on a document of
/// many chunks the stop is certain.
#[test]
fn a_second_reader_can_stop_the_scan() {
    let mut doc = String::from("{\"status\": \"passed\", \"bulk\": [");
    while doc.len() < (stream::IN_FLIGHT + 6) * stream::CHUNK {
        doc.push_str("{\"a\": [1, 2, 3], \"b\": \"text\"},\n");
    }
    doc.push_str("{}]}");
    let read_all = |input: &mut dyn Read| {
        let mut sink = Vec::new();
        input.read_to_end(&mut sink).unwrap();
        sink.len()
    };
    let seen = std::sync::atomic::AtomicUsize::new(0);
    let mut stop = |input: &mut dyn Read, enough: &stream::Enough| {
        enough.set();
        seen.store(read_all(input), std::sync::atomic::Ordering::Relaxed);
    };
    let scanned = scan_with(&mut doc.as_bytes(), Some(&mut stop)).unwrap();
    assert_eq!(scanned.evidence, None);
    assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), doc.len());
    assert_eq!(
        (scanned.bytes, scanned.sha256.clone()),
        (doc.len() as u64, crate::hash::sha256_hex(doc.as_bytes()))
    );

    let mut go_on = |input: &mut dyn Read, _: &stream::Enough| {
        read_all(input);
    };
    let scanned = scan_with(&mut doc.as_bytes(), Some(&mut go_on)).unwrap();
    assert_eq!(scanned.evidence, Some(parse(doc.as_bytes())));
    assert!(scanned.evidence.unwrap().is_ok_and(|ev| ev.own_format));

    // Invalid UTF-8 is found by the pump, not the scanner: it is the
    // verdict even when the scan was stopped.
    let mut bad = doc.into_bytes();
    let at = bad.len() - 3;
    bad[at] = 0xC3;
    let scanned = scan_with(&mut &bad[..], Some(&mut stop)).unwrap();
    assert_eq!(scanned.evidence, Some(Err(format!("invalid UTF-8 at byte offset {at}"))));
}

#[test]
fn a_failing_reader_is_an_error() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("disk on fire"));
            }
            self.0 -= 1;
            buf[0] = b' ';
            Ok(1)
        }
    }
    assert_eq!(scan_with(&mut Failing(3), None).unwrap_err().to_string(), "disk on fire");
    assert_eq!(parse_reader(&mut Failing(3)).unwrap_err(), "disk on fire");
}

/// A message quoting the document (a repeated 100 KB key) is bounded, and
/// the same streamed as in memory.
#[test]
fn messages_are_bounded_streamed_or_not() {
    let doc = format!("{{\"{k}\": 1, \"{k}\": 2}}", k = "k".repeat(100_000));
    let streamed = scan_with(&mut doc.as_bytes(), None).unwrap().evidence.unwrap().unwrap_err();
    assert_eq!(streamed, parse(doc.as_bytes()).unwrap_err());
    assert!(streamed.len() < 1100, "{}", streamed.len());
    assert!(streamed.starts_with("duplicate key `kkk"), "{streamed}");
    assert!(streamed.ends_with("at line 1 column 200011"), "{streamed}");
}

// ---- the splitter against the whole reader ----

/// A tool-like document: SARIF runs with results, an SBOM's components,
/// other keys, any values where the arrays are expected now and then.
fn tool_document() -> impl Strategy<Value = String> {
    let results = prop_oneof![
        4 => prop::collection::vec(json_value(), 0..5).prop_map(|r| format!("[{}]", r.join(","))),
        1 => json_value(),
    ];
    let run = (results, json_value(), any::<bool>()).prop_map(|(results, tool, first)| {
        if first {
            format!(r#"{{"results":{results},"tool":{tool}}}"#)
        } else {
            format!(r#"{{"tool":{tool}, "results" :{results}}}"#)
        }
    });
    let runs = prop_oneof![
        4 => prop::collection::vec(run, 0..3).prop_map(|r| format!("[{}]", r.join(","))),
        1 => json_value(),
    ];
    let components =
        prop::collection::vec(json_value(), 0..4).prop_map(|c| format!("[{}]", c.join(",")));
    (runs, components, prop::collection::vec((keys(), 0..8usize, select(WS), json_value()), 0..3))
        .prop_map(|(runs, components, others)| {
            let mut entries: Vec<(&str, usize, &str, String)> =
                vec![("runs", 0, "", runs), ("components", 0, " ", components)];
            entries.extend(others);
            object(&entries)
        })
}

/// The splitter's plan in these tests: SARIF results, and components.
const TEST_PLAN: crate::skeleton::Plan =
    &[crate::skeleton::SARIF_RESULTS, (&[crate::skeleton::Pat::Key("components")], &["bom-ref"])];

#[derive(Default)]
struct Elements(Vec<(String, usize, String)>);

impl crate::skeleton::Sink for Elements {
    fn start(&mut self, _: &[crate::skeleton::Step], prefix: &[u8]) {
        // The prefix is a whole object.
        assert!(serde_json::from_slice::<serde_json::Value>(prefix).is_ok(), "{prefix:?}");
    }
    fn element(&mut self, at: &[crate::skeleton::Step], i: usize, bytes: &[u8], _: Option<&[u8]>) {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        self.0.push((format!("{at:?}"), i, text));
    }
    fn end(&mut self, _: &[crate::skeleton::Step], _: usize) {}
}

fn split_chunked(text: &str, size: usize) -> (Result<serde_json::Value, String>, Elements) {
    let mut sink = Elements::default();
    let caps = scan::split::Caps { skeleton: 1 << 20, own: 1 << 20, element: 1 << 20 };
    let source = Source::Chunks { rest: text.as_bytes(), size, current: &[] };
    let split = scan::split::split(source, 0, TEST_PLAN, caps, &mut sink);
    let value = split
        .map_err(|stop| format!("{stop:?}"))
        .map(|skeleton| serde_json::from_slice(&skeleton).unwrap());
    (value, sink)
}

/// The splitter accepts what the whole reader accepts; its skeleton is the
/// whole document with the streamed arrays emptied, and its elements are
/// those arrays' elements, each valid alone; the same at any chunking.
fn split_agrees(doc: &[u8]) {
    let Ok(text) = std::str::from_utf8(doc) else { return };
    if text.starts_with('\u{feff}') {
        return;
    }
    let whole = crate::checked::checked_json(text);
    let (split, sink) = split_chunked(text, usize::MAX);
    assert_eq!(split.is_ok(), whole.is_ok(), "{text:?}\nsplit: {split:?}\nwhole: {whole:?}");
    if let (Ok(mut whole), Ok(skeleton)) = (whole, &split) {
        // In document order: the runs come before the components.
        let mut streamed = Vec::new();
        if let Some(serde_json::Value::Array(runs)) = whole.get_mut("runs") {
            for run in runs {
                if let Some(serde_json::Value::Array(items)) = run.get_mut("results") {
                    streamed.extend(std::mem::take(items).into_iter().map(|v| ("results", v)));
                }
            }
        }
        if let Some(serde_json::Value::Array(items)) = whole.get_mut("components") {
            streamed.extend(std::mem::take(items).into_iter().map(|v| ("components", v)));
        }
        assert_eq!(skeleton, &whole, "{text:?}");
        let got: Vec<serde_json::Value> =
            sink.0.iter().map(|(_, _, t)| crate::checked::checked_json(t).unwrap()).collect();
        let want: Vec<serde_json::Value> = streamed.into_iter().map(|(_, v)| v).collect();
        assert_eq!(got, want, "{text:?}");
    }
    for size in [1, 2, 3, 7, 64] {
        let (chunked, elements) = split_chunked(text, size);
        assert_eq!(chunked, split, "chunks of {size}: {text:?}");
        assert_eq!(elements.0, sink.0, "chunks of {size}: {text:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn the_splitter_agrees_with_the_whole_reader(
        doc in tool_document(),
        edits in prop::collection::vec(edit(), 0..3),
    ) {
        split_agrees(doc.as_bytes());
        let mut bytes = doc.into_bytes();
        for edit in &edits {
            apply(&mut bytes, edit);
            split_agrees(&bytes);
        }
    }
}
