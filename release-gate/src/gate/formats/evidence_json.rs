//! Understand the format: the gate's own evidence JSON.
//!
//! The reader lives in the `release-gate-scan` crate, which the dev profile optimizes
//! (see the root `Cargo.toml`): a streaming scanner that keeps only the
//! top-level fields the gate decides on (`status`, `passed`, `blockers`,
//! `checks`, `domain`, `provenance`, `generator`, `release`, `commit`,
//! `generated_at`) and skips everything else without holding it. Duplicate
//! keys are rejected in every object, and so is invalid UTF-8 anywhere in the
//! document and nesting deeper than 128 levels; errors name the line and
//! column, and echoed text is one bounded line ([`shown`], [`bounded`]). Its
//! tests hold it to the serde-based reader it replaced.

use std::io::Read;

pub use release_gate_scan::evidence::{
    bounded, parse_str, shown, Evidence, FIELDS, MAX_CLAIM, MAX_MESSAGE, MAX_SHOWN, UTF8_BOM,
};

/// Reads one evidence document from a stream, in bounded memory. The error
/// names the line and column (or the byte offset for encoding errors) and
/// what was wrong there.
pub fn parse(mut reader: impl Read) -> Result<Evidence, String> {
    release_gate_scan::evidence::parse_reader(&mut reader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    fn check(input: &str, expected: Result<(&[&str], Option<&str>), &str>) {
        let got = parse(input.as_bytes());
        match (got, expected) {
            (Ok(ev), Ok((reasons, status))) => {
                assert_eq!(ev.reasons, reasons, "input: {input}");
                assert_eq!(ev.reported_status.as_deref(), status, "input: {input}");
            }
            (Err(e), Err(msg)) => assert_eq!(e, msg, "input: {input}"),
            (got, _) => panic!("input: {input}\nunexpected: {got:?}"),
        }
    }

    #[test]
    fn schema_names_exactly_the_fields_read() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../schemas/evidence.schema.json");
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut in_schema: Vec<&str> =
            schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        let mut read: Vec<&str> = FIELDS.to_vec();
        in_schema.sort();
        read.sort();
        assert_eq!(in_schema, read);
        // And the reader really reads each of them: a wrong type is reported.
        for field in FIELDS
            .iter()
            .filter(|f| !["blockers", "checks", "provenance", "generator", "domain"].contains(f))
        {
            let doc = format!(r#"{{"status": "passed", "{field}": 12}}"#);
            let doc = if *field == "status" { r#"{"status": 12}"#.to_string() } else { doc };
            let reasons = parse(doc.as_bytes()).unwrap().reasons;
            assert!(
                reasons.iter().any(|r| r.contains(&format!("`{field}`"))),
                "{field}: {reasons:?}"
            );
        }
    }

    #[test]
    fn status_words() {
        for word in ["passed", " PASS ", "Success", "succeeded", "ok", "green"] {
            let doc = format!(r#"{{"status": "{word}"}}"#);
            check(&doc, Ok((&[], Some(word))));
        }
        for word in ["failed", "fail", "FAILURE", "error", "errored", "red"] {
            let doc = format!(r#"{{"status": "{word}"}}"#);
            let reason = format!("status is `{word}`");
            check(&doc, Ok((&[reason.as_str()], Some(word))));
        }
        check(
            r#"{"status": "skipped"}"#,
            Ok((
                &["status `skipped` is not a known status word (expected one of passed, pass, success, succeeded, ok, green)"],
                Some("skipped"),
            )),
        );
    }

    #[test]
    fn passed_boolean_and_missing_status() {
        check(r#"{"passed": true}"#, Ok((&[], None)));
        check(r#"{"passed": false}"#, Ok((&["`passed` is false"], None)));
        check(r#"{"passed": "yes"}"#, Ok((&["`passed` is a string, expected a boolean"], None)));
        check(r#"{"name": "x"}"#, Ok((&["no `status` field"], None)));
        check(
            r#"{"status": "passed", "passed": false}"#,
            Ok((&["`status` says passed but `passed` is false"], Some("passed"))),
        );
    }

    #[test]
    fn status_of_the_wrong_type() {
        check(r#"{"status": 1}"#, Ok((&["`status` is a number, expected a string"], None)));
        check(r#"{"status": null}"#, Ok((&["`status` is null, expected a string"], None)));
        check(
            r#"{"status": ["passed"]}"#,
            Ok((&["`status` is an array, expected a string"], None)),
        );
        check(r#"{"status": {"a": 1}}"#, Ok((&["`status` is an object, expected a string"], None)));
    }

    #[test]
    fn blockers_and_checks() {
        check(r#"{"status": "passed", "blockers": []}"#, Ok((&[], Some("passed"))));
        check(
            r#"{"status": "passed", "blockers": ["x", {"y": 1}]}"#,
            Ok((&["the artifact lists 2 blocker(s) of its own"], Some("passed"))),
        );
        check(
            r#"{"status": "passed", "checks": [{"name": "fmt", "status": "ok"}, {"name": "clippy", "status": "failed"}, {"status": "passed"}, {"name": "docs"}, 3]}"#,
            Ok((
                &[
                    "check `clippy` failed",
                    "check `docs` has no `status`",
                    "check #4 is a number, expected an object",
                ],
                Some("passed"),
            )),
        );
        // The tool's own words, one line, bounded.
        check(
            r#"{"status": "failed", "checks": [{"name": "rustdoc", "status": "failed", "detail": "error: unresolved link to `Foo`\n --> src/lib.rs:3:5\n"}, {"name": "msrv", "status": "not_run", "detail": "toolchain `1.88` is not installed"}, {"name": "x", "status": "failed", "detail": 3}]}"#,
            Ok((
                &[
                    "status is `failed`",
                    "check `rustdoc` failed: error: unresolved link to `Foo` | --> src/lib.rs:3:5",
                    "check `msrv` did not pass (status `not_run`): toolchain `1.88` is not installed",
                    "check `x` failed",
                ],
                Some("failed"),
            )),
        );
        let long = format!(
            r#"{{"status": "failed", "checks": [{{"name": "t", "status": "failed", "detail": "{}"}}]}}"#,
            "é".repeat(400)
        );
        let ev = parse_str(&long).unwrap();
        let reason = &ev.reasons[1];
        assert!(reason.len() < 500 && reason.ends_with("... (800 bytes in all)"), "{reason}");
        check(
            r#"{"status": "passed", "checks": {"fmt": "ok"}}"#,
            Ok((&["`checks` is an object, expected an array"], Some("passed"))),
        );
    }

    #[test]
    fn invalid_documents() {
        check("", Err("EOF while parsing a value at line 1 column 0"));
        check(r#"{"status": "pass"#, Err("EOF while parsing a string at line 1 column 16"));
        check(
            "[1]",
            Err("invalid type: expected a JSON object (the evidence document) at line 1 column 1"),
        );
        check(
            "null",
            Err("invalid type: expected a JSON object (the evidence document) at line 1 column 1"),
        );
        check("{} {}", Err("trailing characters at line 1 column 4"));
        check(
            r#"{"status": "failed", "status": "passed"}"#,
            Err("duplicate key `status` at line 1 column 30"),
        );
        check("{\"status\": NaN}", Err("expected value at line 1 column 12"));
    }

    #[test]
    fn invalid_utf8_anywhere_is_rejected() {
        let mut doc = br#"{"status": "passed", "note": "#.to_vec();
        doc.extend_from_slice(b"\"\xff\"}");
        assert_eq!(parse(&doc[..]).unwrap_err(), "invalid UTF-8 at byte offset 30");
    }

    #[test]
    fn utf8_split_across_reads_is_accepted() {
        let doc = r#"{"status": "passed", "note": "ünïcødé ✓ 𝄞"}"#;
        assert_eq!(parse(OneByte(doc.as_bytes())).unwrap().reasons, Vec::<String>::new());
        let truncated = &doc.as_bytes()[..doc.len() - 4];
        assert!(parse(OneByte(truncated)).is_err());
    }

    /// Minimized from the `evidence_parse` fuzz target
    /// (`crash-444b5a21...`, a BOM-prefixed SARIF file of the corpus): with
    /// reads shorter than three bytes, the byte order mark was kept and the
    /// document became "expected value at line 1 column 1".
    #[test]
    fn byte_order_mark_split_across_reads_is_dropped() {
        for doc in
            [&b"\xEF\xBB\xBF{}"[..], b"\xEF\xBB\xBF{\"status\": \"ok\"}", b"{}", b"\xEF\xBB", b""]
        {
            let whole = parse(doc);
            assert_eq!(whole, parse(OneByte(doc)), "{doc:?}");
            assert_eq!(whole, parse(TwoBytes(doc)), "{doc:?}");
        }
        assert_eq!(parse(OneByte(b"\xEF\xBB\xBF{}")).unwrap().reasons, ["no `status` field"]);
        assert_eq!(parse(OneByte(b"\xEF\xBB")).unwrap_err(), "invalid UTF-8 at byte offset 0");
    }

    /// Hands out at most two bytes per read.
    struct TwoBytes<'a>(&'a [u8]);
    impl Read for TwoBytes<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(2).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Hands out one byte per read, the worst case for the carry-overs.
    struct OneByte<'a>(&'a [u8]);
    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&b, rest)) = self.0.split_first() else { return Ok(0) };
            buf[0] = b;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // 100k levels anywhere: over serde_json's recursion limit (128), so
        // the document is invalid, whatever its `status` says.
        let doc = format!(
            r#"{{"status": "passed", "x": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(
            parse(doc.as_bytes()).unwrap_err(),
            "recursion limit exceeded at line 1 column 153"
        );
        let doc = format!(r#"{{"status": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            parse(doc.as_bytes()).unwrap_err(),
            "recursion limit exceeded at line 1 column 138"
        );
        // 100 levels are fine.
        let doc = format!(r#"{{"status": "ok", "x": {}{}}}"#, "[".repeat(100), "]".repeat(100));
        assert_eq!(parse(doc.as_bytes()).unwrap().reasons, Vec::<String>::new());
    }

    #[test]
    fn duplicate_keys_at_any_depth_are_rejected() {
        check(
            r#"{"status": "passed", "x": {"y": [{"a": 1, "a": 2}]}}"#,
            Err("duplicate key `a` at line 1 column 46"),
        );
        check(
            r#"{"status": "passed", "checks": [{"name": "n", "status": "ok", "status": "failed"}]}"#,
            Err("duplicate key `status` at line 1 column 71"),
        );
    }

    #[test]
    fn echoed_text_is_one_short_line() {
        let long = "x".repeat(10_000);
        let doc = format!(r#"{{"status": "{long}"}}"#);
        let ev = parse(doc.as_bytes()).unwrap();
        let shown = format!("{}... (10000 bytes in all)", "x".repeat(100));
        assert_eq!(ev.reported_status.as_deref(), Some(shown.as_str()));
        assert_eq!(
            ev.reasons,
            [format!("status `{shown}` is not a known status word (expected one of passed, pass, success, succeeded, ok, green)")]
        );
        check(
            r#"{"status": "failed\n::error::forged line\u001b[2J"}"#,
            Ok((&["status `failed ::error::forged line [2J` is not a known status word (expected one of passed, pass, success, succeeded, ok, green)"], Some("failed ::error::forged line [2J"))),
        );
        check(
            r#"{"status": "ok", "domain": "Security Team"}"#,
            Ok((&["`domain` is `Security Team`, not a domain name (lowercase ASCII letters, digits, `_` and `-`, at most 64 bytes)"], Some("ok"))),
        );
        let doc = format!(r#"{{"status": "ok", "commit": "{}"}}"#, "a".repeat(300));
        let ev = parse(doc.as_bytes()).unwrap();
        assert_eq!(ev.claims.commit, None);
        assert!(ev.reasons[0].starts_with("`commit` is `aaaa"), "{:?}", ev.reasons);
        assert!(ev.reasons[0]
            .ends_with("(300 bytes in all)`, not a commit (at most 256 bytes, one line)"));
    }
}
