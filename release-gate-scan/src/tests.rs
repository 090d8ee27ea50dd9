//! The evidence reader's tests: depth, and the scanner against the
//! serde-based reader it replaced (`reference.rs`) on generated documents.

use std::io::{self, Read};

use crate::evidence::{parse, parse_reader, Doc, Evidence};
use crate::scan::{self, Source};
use crate::{reference, stream};

// The rules themselves (status words, wrong types, checks, invalid
// documents, UTF-8, byte order marks, duplicate keys, echo limits) are
// tested once, through the gate's API, in `xtask/src/gate/evidence.rs`;
// here: depth, and the scanner against the reference reader.

/// Nesting past `serde_json`'s recursion limit (128) is invalid anywhere,
/// skipped values included, and an error, not a stack overflow.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let doc =
        format!(r#"{{"status": "passed", "x": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(parse(doc.as_bytes()).unwrap_err(), "recursion limit exceeded at line 1 column 153");
    assert_eq!(reference::parse(doc.as_bytes()).unwrap_err(), parse(doc.as_bytes()).unwrap_err());
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
            assert_eq!(parse(doc.as_bytes()), reference::parse(doc.as_bytes()), "{depth} {open}");
        }
    }
}

// ---- the scanner against the reference ----------------------------------

/// A deterministic pseudo-random sequence (xorshift), so failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

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
const KEYS: &[&str] = &[
    "status",
    "passed",
    "domain",
    "provenance",
    "generator",
    "release",
    "commit",
    "generated_at",
    "blockers",
    "checks",
    "name",
    "results",
    "x",
    "st\\u0061tus",
    "",
];

fn value(rng: &mut Rng, depth: usize, out: &mut String) {
    let choice = if depth > 3 { rng.below(6) } else { rng.below(9) };
    match choice {
        0 => out.push_str(rng.pick(&["null", "true", "false"])),
        1 | 2 => out.push_str(rng.pick(NUMBERS)),
        3..=5 => out.push_str(rng.pick(STRINGS)),
        6 | 7 => {
            out.push('[');
            for i in 0..rng.below(4) {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(rng.pick(WS));
                value(rng, depth + 1, out);
            }
            out.push_str(rng.pick(WS));
            out.push(']');
        }
        _ => object(rng, depth + 1, out),
    }
}

fn object(rng: &mut Rng, depth: usize, out: &mut String) {
    out.push('{');
    for i in 0..rng.below(6) {
        if i > 0 {
            out.push(',');
        }
        out.push_str(rng.pick(WS));
        out.push('"');
        out.push_str(rng.pick(KEYS));
        if rng.below(4) != 0 {
            out.push_str(&i.to_string());
        }
        out.push('"');
        out.push_str(rng.pick(WS));
        out.push(':');
        out.push_str(rng.pick(WS));
        value(rng, depth, out);
    }
    out.push_str(rng.pick(WS));
    out.push('}');
}

/// An evidence-like document: the gate's fields with values of every type.
fn document(rng: &mut Rng) -> String {
    let mut out = String::new();
    out.push_str(rng.pick(WS));
    if rng.below(20) == 0 {
        value(rng, 0, &mut out);
        return out;
    }
    out.push('{');
    let mut used = Vec::new();
    for i in 0..rng.below(8) {
        if i > 0 {
            out.push(',');
        }
        out.push_str(rng.pick(WS));
        let mut key = rng.pick(KEYS).to_string();
        if used.contains(&key) && rng.below(8) != 0 {
            key.push_str(&i.to_string());
        }
        used.push(key.clone());
        out.push_str(&format!("\"{key}\":"));
        out.push_str(rng.pick(WS));
        match (key.as_str(), rng.below(3)) {
            ("checks", 0 | 1) => {
                out.push('[');
                for j in 0..rng.below(4) {
                    if j > 0 {
                        out.push(',');
                    }
                    if rng.below(4) == 0 {
                        value(rng, 2, &mut out);
                    } else {
                        let name = rng.pick(STRINGS);
                        let status = rng.pick(STRINGS);
                        out.push_str(&format!("{{\"name\": {name}, \"status\": {status}}}"));
                    }
                }
                out.push(']');
            }
            ("status", 0) => out.push_str(rng.pick(STRINGS)),
            _ => value(rng, 1, &mut out),
        }
    }
    out.push_str(rng.pick(WS));
    out.push('}');
    out.push_str(rng.pick(WS));
    out
}

fn chunked(doc: &str, size: usize) -> Result<Evidence, String> {
    scan::parse(Source::Chunks { rest: doc.as_bytes(), size, current: &[] }, 0).map(Doc::normalize)
}

/// The scanner, whatever the chunking, says exactly what the reference says.
/// The oracle is the gate's old path for a document held in memory: UTF-8
/// first (`detect::decode`), then the serde reader.
fn agree(doc: &[u8]) {
    let (bom, text) = match doc.strip_prefix(crate::evidence::UTF8_BOM) {
        Some(rest) => (3, rest),
        None => (0, doc),
    };
    let expected = match std::str::from_utf8(text) {
        Ok(_) => reference::parse(doc),
        Err(e) => Err(format!("invalid UTF-8 at byte offset {}", bom + e.valid_up_to())),
    };
    assert_eq!(parse(doc), expected, "doc: {:?}", String::from_utf8_lossy(doc));
    let Ok(text) = std::str::from_utf8(doc) else { return };
    if text.starts_with('\u{feff}') {
        return;
    }
    for size in [1, 2, 3, 5, 16] {
        assert_eq!(chunked(text, size), expected, "chunks of {size}, doc: {text:?}");
    }
}

const MUTATIONS: &[u8] = b",:\"\\{}[] \n0-.eExnt/\x01\xc3";

#[test]
fn scanner_agrees_with_the_reference_on_generated_documents() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..4000 {
        let doc = document(&mut rng);
        agree(doc.as_bytes());
        let bytes = doc.as_bytes();
        for _ in 0..6 {
            let mut m = bytes.to_vec();
            let at = rng.below(m.len().max(1));
            match rng.below(4) {
                0 => m.truncate(at),
                1 if !m.is_empty() => m[at] = MUTATIONS[rng.below(MUTATIONS.len())],
                2 => m.insert(at.min(m.len()), MUTATIONS[rng.below(MUTATIONS.len())]),
                _ if !m.is_empty() => {
                    m.remove(at);
                }
                _ => {}
            }
            agree(&m);
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
    let scanned = stream::scan(&mut doc.as_bytes()).unwrap();
    assert_eq!(scanned.evidence, expected);
    assert_eq!(scanned.bytes, doc.len() as u64);
    assert_eq!(scanned.sha256, crate::hash::sha256_hex(doc.as_bytes()));

    // An error late in the stream: same message and position.
    let broken = doc.replace("\"ok\":true}\n], \"checks\"", "\"ok\":tru}\n], \"checks\"");
    assert_eq!(
        stream::scan(&mut broken.as_bytes()).unwrap().evidence,
        reference::parse(broken.as_bytes())
    );
    assert!(reference::parse(broken.as_bytes()).is_err());

    // Invalid UTF-8 anywhere wins, even after a syntax error.
    let mut bad = broken.into_bytes();
    let at = bad.len() - 10;
    bad[at] = 0xff;
    let scanned = stream::scan(&mut &bad[..]).unwrap();
    assert_eq!(scanned.evidence, Err(format!("invalid UTF-8 at byte offset {at}")));
    assert_eq!(scanned.sha256, crate::hash::sha256_hex(&bad));

    // Not JSON at all: the scanner stops at once, the hash covers every byte.
    let blob: Vec<u8> = (0..5 * stream::CHUNK).map(|i| (i % 7) as u8 + b'a').collect();
    let scanned = stream::scan(&mut &blob[..]).unwrap();
    assert_eq!(scanned.evidence, Err("expected value at line 1 column 1".to_string()));
    assert_eq!(
        (scanned.bytes, scanned.sha256),
        (blob.len() as u64, crate::hash::sha256_hex(&blob))
    );
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
    assert_eq!(stream::scan(&mut Failing(3)).unwrap_err().to_string(), "disk on fire");
    assert_eq!(parse_reader(&mut Failing(3)).unwrap_err(), "disk on fire");
}
