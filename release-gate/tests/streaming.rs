//! The streamed reader against the whole-document reader: every input is
//! read both ways by `read::read_one` (whole: `max-parse-bytes` above its
//! size; streamed: `max-parse-bytes` 0), and the two must give the same
//! content (verdict, counts, findings, reasons, messages), or the streamed
//! one must refuse it (a format not read in bounded memory: then the whole
//! reader did not judge it as SARIF or as the gate's own evidence).
//!
//! Inputs: every file of the evidence corpus (`../shared/corpus`, or
//! `$RELEASE_GATE_CORPUS`; that test is `#[ignore]`d, `.ci/run` runs it), every input of `tests/cases`, hand-written SARIF
//! edge cases, and generated SARIF logs (duplicate keys at depth, deep
//! nesting, unresolved rule references, stub markers, suppressions,
//! baseline states, `tool` after `results`, wrong shapes), and cargo-deny's
//! JSON lines and JUnit XML, hand-written and generated (read one line at a time: the
//! same verdict, counts and findings; a value over several lines refused).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use release_gate::gate::formats::detect::{self, hint, Context, Understood};
use release_gate::gate::formats::FormatPolicy;
use release_gate::gate::read::{read_one, Content, ReadPolicy, ReadResult};

fn read_both(dir: &Path, name: &str, bytes: &[u8]) -> (ReadResult, ReadResult) {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    let whole = ReadPolicy { formats: FormatPolicy::default(), max_parse_bytes: u64::MAX };
    let streamed = ReadPolicy { formats: FormatPolicy::default(), max_parse_bytes: 0 };
    (read_one(&path, true, &whole), read_one(&path, true, &streamed))
}

fn refused(result: &ReadResult) -> bool {
    matches!(&result.content, Content::Read(Understood::Invalid(why)) if why.contains("over `max-parse-bytes`"))
}

/// The format the whole reader judged a document as; `evidence` only for
/// the gate's own format (a top-level `status` or `passed`).
fn judged_as(result: &ReadResult) -> Option<&'static str> {
    match &result.content {
        Content::Read(Understood::Evidence(judged)) if judged.format == "evidence" => {
            judged.own.as_ref().is_some_and(|own| own.own_format).then_some("evidence")
        }
        Content::Read(Understood::Evidence(judged)) => Some(judged.format),
        _ => None,
    }
}

/// Same content, or a refusal of what is not streamed; how it went. And
/// the reader of large documents in memory gives exactly what the whole
/// reader gives.
fn differential(dir: &Path, name: &str, bytes: &[u8]) -> &'static str {
    let policy = FormatPolicy::default();
    let ctx = Context { hint: hint(name), ..Context::default() };
    assert_eq!(
        detect::understand(bytes, &policy, ctx),
        detect::understand_large(bytes, &policy, ctx),
        "{name}: the large-document reader differs"
    );
    let (whole, streamed) = read_both(dir, name, bytes);
    assert_eq!(whole.sha256, streamed.sha256, "{name}");
    assert_eq!(whole.bytes, streamed.bytes, "{name}");
    if refused(&streamed) && whole != streamed {
        // UTF-16 is decoded only in memory.
        let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
        if utf16 {
            return "refused";
        }
        let format = judged_as(&whole);
        assert!(
            format != Some("sarif") && format != Some("evidence"),
            "{name}: the streamed reader refused what the whole reader judged as {format:?}:\n{streamed:?}"
        );
        let sarif_named = name.ends_with(".sarif") || name.ends_with(".sarif.json");
        assert!(!sarif_named, "{name}: a SARIF name refused: {streamed:?}\nwhole: {whole:?}");
        return "refused";
    }
    assert_eq!(whole, streamed, "{name}: the streamed reader differs");
    "same"
}

fn files_under(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(root) else { return };
    let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let meta = fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            files_under(&path, out);
        } else if meta.is_file() {
            out.push(path);
        }
    }
}

fn check_files(root: &Path) -> (usize, usize) {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    files_under(root, &mut files);
    let (mut same, mut refused) = (0, 0);
    for file in files {
        let bytes = fs::read(&file).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        match differential(tmp.path(), &name, &bytes) {
            "same" => same += 1,
            _ => refused += 1,
        }
    }
    (same, refused)
}

#[test]
#[ignore = "needs the evidence corpus (../shared/corpus or RELEASE_GATE_CORPUS)"]
fn corpus_files_read_the_same_streamed() {
    let dir = support::corpus();
    let (same, refused) = check_files(&dir);
    eprintln!("corpus: {same} the same, {refused} refused (not streamed)");
    // Every SARIF file of the corpus is among the same.
    let (sarif_same, sarif_refused) = check_files(&dir.join("sarif"));
    assert!(sarif_same > 0);
    assert_eq!(sarif_refused, 0);
    // And every JUnit report (XML is streamed by quick-xml's reader).
    let (junit_same, junit_refused) = check_files(&dir.join("junit"));
    assert!(junit_same > 0);
    assert_eq!(junit_refused, 0);
}

#[test]
fn case_inputs_read_the_same_streamed() {
    let (same, refused) =
        check_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cases"));
    eprintln!("cases: {same} the same, {refused} refused (not streamed)");
    assert!(same > 50);
}

const TOOL: &str = r#"{"driver": {"name": "scanner", "rules": [
    {"id": "R1", "defaultConfiguration": {"level": "error"}},
    {"id": "R2", "properties": {"security-severity": "9.1"}},
    {"id": "R3", "defaultConfiguration": {"level": "note"}, "messageStrings": {"m": {"text": "say {0}"}}}
  ]},
  "extensions": [{"name": "pack", "guid": "AB-1", "rules": [{"id": "X1", "properties": {"security-severity": 7.5}}]}]}"#;

fn log(results: &str) -> String {
    format!(r#"{{"version": "2.1.0", "runs": [{{"tool": {TOOL}, "results": [{results}]}}]}}"#)
}

#[test]
fn sarif_edge_cases_read_the_same_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        log(r#"{"ruleId": "R1", "message": {"text": "a"}}"#),
        log(r#"{"ruleIndex": 1}, {"ruleId": "R3", "message": {"id": "m", "arguments": ["x"]}}"#),
        log(r#"{"ruleId": "X1", "rule": {"toolComponent": {"index": 0}}}"#),
        log(r#"{"ruleId": "X1", "rule": {"toolComponent": {"guid": "ab-1"}}}"#),
        log(r#"{"ruleId": "X1", "rule": {"toolComponent": {"name": "nope"}}}"#),
        log(r#"{"ruleId": "NOPE"}, {"ruleIndex": 9}, {"ruleId": "R1", "ruleIndex": 2}"#),
        log(r#"{"ruleId": "R1", "suppressions": [{"status": "accepted"}]}, {"ruleId": "R1", "baselineState": "absent"}, {"ruleId": "R1", "kind": "pass"}"#),
        log(r#"{"ruleId": "R1", "level": "bogus"}"#),
        log(r#"{"ruleId": "R1", "suppressions": {}}"#),
        log(r#"7"#),
        log(r#"{"ruleId": "R1", "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a", "uri": "b"}}}]}"#),
        log(r#"{"ruleId": "R1", "properties": {"provenance": "stub"}}"#),
        // `tool` after `results`: held, judged once the run is whole.
        r#"{"version": "2.1.0", "runs": [{"results": [{"ruleId": "R1"}, {"ruleId": "R9"}], "tool": {"driver": {"rules": [{"id": "R1"}]}}}]}"#.to_string(),
        // A bad `tool` after results, a bad `version` after runs.
        r#"{"runs": [{"tool": {"driver": {"rules": 3}}, "results": [{"ruleId": "R1"}]}], "version": "2.1.0"}"#.to_string(),
        r#"{"runs": [{"tool": {"driver": {}}, "results": [{"ruleId": 5, "level": "x"}]}], "version": "2.2"}"#.to_string(),
        r#"{"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "runs": [{"tool": {"driver": {}}, "results": [], "invocations": [{"executionSuccessful": false}]}, {"tool": {"driver": {}}}]}"#.to_string(),
        r#"{"version": "2.1.0", "runs": [], "properties": {"provenance": "stub"}}"#.to_string(),
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"ruleId": "a"}]}], "status": "passed"}"#.to_string(),
        r#"{"status": "passed", "version": "2.1.0", "runs": []}"#.to_string(),
        r#"{"bomFormat": "CycloneDX", "runs": [{"results": [1]}]}"#.to_string(),
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"ruleId": "a"}]}]} trailing"#.to_string(),
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"ruleId": "a"}]}"#.to_string(),
        format!("{}{}{}", "[".repeat(130), "1", "]".repeat(130)),
        format!(
            r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{}}}}, "results": [{{"x": {}1{}}}]}}]}}"#,
            "[".repeat(126),
            "]".repeat(126)
        ),
    ];
    for (k, doc) in cases.iter().enumerate() {
        for name in ["log.sarif", "log.json", "bom.cdx.json"] {
            differential(tmp.path(), &format!("{k}-{name}"), doc.as_bytes());
        }
    }
}

/// Many results over several batches: the counts, the first unresolved
/// reference and the worst findings stay those of the whole reader.
#[test]
fn many_results_over_batches_read_the_same_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let ids = ["R1", "R2", "R3", "X1", "NOPE", "R9"];
    let mut results = Vec::new();
    for i in 0..5000usize {
        let id = ids[(i * 7 + i / 13) % ids.len()];
        let level = ["", r#", "level": "warning""#, r#", "level": "note""#][i % 3];
        results.push(format!(
            r#"{{"ruleId": "{id}"{level}, "message": {{"text": "result {i}"}}, "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "src/f{i}.rs"}}, "region": {{"startLine": {i}}}}}}}]}}"#
        ));
    }
    let doc = log(&results.join(","));
    assert_eq!(differential(tmp.path(), "many.sarif", doc.as_bytes()), "same");
}

fn result_strategy() -> impl Strategy<Value = String> {
    let id = prop_oneof![
        Just(String::new()),
        Just(r#""ruleId": "R1""#.to_string()),
        Just(r#""ruleId": "R2/1""#.to_string()),
        Just(r#""ruleId": "X1", "rule": {"toolComponent": {"index": 0}}"#.to_string()),
        Just(r#""ruleId": "X1", "rule": {"toolComponent": {"index": 4}}"#.to_string()),
        Just(r#""ruleIndex": 2"#.to_string()),
        Just(r#""ruleIndex": 7"#.to_string()),
        Just(r#""ruleId": "ZZ""#.to_string()),
    ];
    let extra = prop_oneof![
        Just(String::new()),
        Just(r#""level": "error""#.to_string()),
        Just(r#""level": "none""#.to_string()),
        Just(r#""level": "loud""#.to_string()),
        Just(r#""kind": "review""#.to_string()),
        Just(r#""suppressions": [{"status": "underReview"}]"#.to_string()),
        Just(r#""suppressions": [{}]"#.to_string()),
        Just(r#""baselineState": "absent""#.to_string()),
        Just(r#""baselineState": "gone""#.to_string()),
        Just(r#""locations": [{"a": {"b": 1, "b": 2}}]"#.to_string()),
        Just(r#""locations": [{}, {"physicalLocation": {"region": {"startLine": 1, "startLine": 2}}}]"#.to_string()),
        Just(r#""codeFlows": [{"a": {"a": 1}, "b": {"a": [{"a": 1}]}}]"#.to_string()),
        Just(r#""codeFlows": [{"a": {"a": 1}, "b": {"a": 1, "a": 2}}]"#.to_string()),
        Just(r#""locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.rs"}, "region": {"startLine": 9}}}]"#.to_string()),
        Just(r#""message": {"text": "t", "markdown": "m"}, "partialFingerprints": {"h": "1"}"#.to_string()),
        // Many keys in the result itself (a set past 32), with or without a
        // repeat of a kept or a dropped key.
        Just((0..40).map(|k| format!(r#""p{k}": {k}"#)).collect::<Vec<_>>().join(", ")),
        Just((0..40).map(|k| format!(r#""p{k}": {k}"#)).collect::<Vec<_>>().join(", ") + r#", "p3": 0"#),
        Just((0..40).map(|k| format!(r#""p{k}": {k}"#)).collect::<Vec<_>>().join(", ") + r#", "level": "note", "level": "error""#),
        Just(r#""properties": {"provenance": "stub"}"#.to_string()),
        Just(r#""message": {"text": "m\u0007x"}"#.to_string()),
    ];
    let depth = prop_oneof![Just(0usize), Just(3), Just(124), Just(140)];
    (id, extra, depth).prop_map(|(id, extra, depth)| {
        // Nesting inside the result: at 140 over serde_json's limit (128).
        let nested = (depth > 0).then(|| {
            format!(r#""properties": {}1{}"#, "{\"n\": ".repeat(depth), "}".repeat(depth))
        });
        let fields: Vec<String> = [Some(id), Some(extra), nested]
            .into_iter()
            .flatten()
            .filter(|f| !f.is_empty())
            .collect();
        format!("{{{}}}", fields.join(", "))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_logs_read_the_same_streamed(
        runs in prop::collection::vec(
            (prop::collection::vec(result_strategy(), 0..8), any::<bool>(), any::<bool>()),
            0..3,
        ),
        marker in any::<bool>(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let runs: Vec<String> = runs
            .iter()
            .map(|(results, tool_first, failed)| {
                let results = format!(r#""results": [{}]"#, results.join(", "));
                let tool = format!(r#""tool": {TOOL}"#);
                let inv = if *failed { r#", "invocations": [{"executionSuccessful": false}]"# } else { "" };
                if *tool_first {
                    format!("{{{tool}, {results}{inv}}}")
                } else {
                    format!("{{{results}, {tool}{inv}}}")
                }
            })
            .collect();
        let head = if marker { r#""$schema": "sarif-2.1.0""# } else { r#""version": "2.1.0""# };
        let doc = format!(r#"{{{head}, "runs": [{}]}}"#, runs.join(", "));
        prop_assert_eq!(differential(tmp.path(), "gen.sarif", doc.as_bytes()), "same");
    }
}

const DENY_SUMMARY: &str = r#"{"type":"summary","fields":{"advisories":{"errors":0,"warnings":0,"notes":0,"helps":0},"bans":{"errors":0,"warnings":1,"notes":0,"helps":0}}}"#;

fn deny_diag(severity: &str, i: usize) -> String {
    format!(
        r#"{{"type":"diagnostic","fields":{{"severity":"{severity}","code":"c{i}","message":"m {i}","labels":[{{"span":"s{i}"}}],"graphs":[{{"Krate":{{"name":"k{i}","version":"1.0.{i}"}}}}]}}}}"#
    )
}

/// The result is cargo-deny's (judged or invalid as cargo-deny), the same
/// streamed.
fn deny_same(dir: &Path, name: &str, doc: &str) -> ReadResult {
    assert_eq!(differential(dir, name, doc.as_bytes()), "same", "{name}: {doc}");
    read_both(dir, name, doc.as_bytes()).1
}

#[test]
fn cargo_deny_lines_read_the_same_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let log = r#"{"type":"log","fields":{"timestamp":"t","level":"ERROR","message":"boom"},"provenance":"stub","commit":"abcdef1"}"#;
    let cases = [
        format!("{DENY_SUMMARY}\n"),
        DENY_SUMMARY.to_string(),
        format!("\u{feff}{log}\r\n{}\r\n\r\n  {DENY_SUMMARY}  \r\n", deny_diag("error", 1)),
        format!("{log}\n{}\n{}\n", deny_diag("warning", 2), deny_diag("bug", 3)),
        format!("2024 [INFO] starting\n{DENY_SUMMARY}\n"),
        format!("{DENY_SUMMARY}\nerror: boom\n"),
        format!("{{\"status\": \"failed\"}}\n{DENY_SUMMARY}\n"),
        format!("{DENY_SUMMARY}\n{{\"type\":\"other\",\"fields\":{{}}}}\n"),
        format!(
            "{DENY_SUMMARY}\n{{\"type\":\"summary\",\"fields\":{{\"bans\":{{\"errors\":-1}}}}}}\n"
        ),
        format!("{DENY_SUMMARY}\n{{\"type\" \"summary\"}}\n"),
        format!("{DENY_SUMMARY}\n[{}, {}]\n", deny_diag("error", 4), deny_diag("note", 5)),
        format!("{DENY_SUMMARY}\n{}", deny_diag("error", 6).get(..40).unwrap()),
        // Repeated keys: met by the stream parse, or only line by line.
        format!("{DENY_SUMMARY}\n  {{\"type\":\"log\",\"fields\":{{}},\"a\":1,\"a\":2}}\n"),
        format!("junk\n{DENY_SUMMARY}\n  {{\"type\":\"log\",\"fields\":{{\"b\":1,\"b\":2}}}}\n"),
        format!("{{\"type\":\"log\",\"type\":\"summary\",\"fields\":{{}}}}\n{DENY_SUMMARY}\n"),
        format!("{DENY_SUMMARY}\n{{\"type\":\"log\",\"fields\":{{}},\"x\":1,\"x\":2}} trailing\n"),
    ];
    for (k, doc) in cases.iter().enumerate() {
        for name in ["deny.json", "deny.jsonl"] {
            deny_same(tmp.path(), &format!("{k}-{name}"), doc);
        }
    }
    // A value over several lines, or two on one line: not read line by
    // line; refused, never judged.
    for doc in [
        format!("{DENY_SUMMARY}\n{{\n\"type\": \"log\", \"fields\": {{}}}}\n"),
        format!("{DENY_SUMMARY} {DENY_SUMMARY}\n"),
    ] {
        let (_, streamed) = read_both(tmp.path(), "deny.json", doc.as_bytes());
        let Content::Read(Understood::Invalid(why)) = &streamed.content else {
            panic!("{streamed:?}")
        };
        assert!(
            why.starts_with("not read as cargo-deny JSON lines over `max-parse-bytes`"),
            "{why}"
        );
    }
}

/// Hostile streams over the limit: a line that is not cargo-deny's, a
/// repeated key on line 1000, a line over the cap.
#[test]
fn hostile_cargo_deny_lines_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut lines: Vec<String> = (0..1500).map(|i| deny_diag("warning", i)).collect();
    lines.push(DENY_SUMMARY.to_string());
    let mut bad = lines.clone();
    bad[700] = r#"{"version": "2.1.0", "runs": []}"#.to_string();
    let got = deny_same(tmp.path(), "bad.json", &(bad.join("\n") + "\n"));
    assert_eq!(
        got.content,
        Content::Read(Understood::Invalid("not valid cargo-deny JSON: the JSON value at line 701 is not a cargo-deny record (an object with a `type` and `fields`); every line of the stream must be one".to_string()))
    );
    let mut dup = lines.clone();
    dup[999] = r#"{"type":"log","fields":{"level":"INFO","level":"ERROR"}}"#.to_string();
    let got = deny_same(tmp.path(), "dup.json", &(dup.join("\n") + "\n"));
    assert_eq!(
        got.content,
        Content::Read(Understood::Invalid(
            "duplicate key `level` at line 1000 column 46".to_string()
        ))
    );
    let mut long = lines.clone();
    long[3] = format!(r#"{{"type":"log","fields":{{"message":"{}"}}}}"#, "x".repeat(17 << 20));
    let (_, streamed) = read_both(tmp.path(), "long.json", (long.join("\n") + "\n").as_bytes());
    assert_eq!(
        streamed.content,
        Content::Read(Understood::Invalid(format!("not read as cargo-deny JSON lines over `max-parse-bytes`: line 4 is longer than {} bytes (a file this large is read one line at a time, each line at most {} bytes); write one record a line, or raise `max-parse-bytes` in [workspace.metadata.release-gate]", 16 << 20, 16 << 20)))
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Generated cargo-deny streams: the same verdict, counts and findings.
    #[test]
    fn generated_cargo_deny_lines_read_the_same_streamed(
        records in prop::collection::vec((0usize..8, any::<bool>()), 0..40),
        summary in any::<bool>(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let severities = ["error", "warning", "note", "help", "bug", "weird"];
        let mut lines: Vec<String> = records
            .iter()
            .enumerate()
            .map(|(i, (kind, crlf))| {
                let line = match kind {
                    0..=5 => deny_diag(severities[*kind], i),
                    6 => r#"{"type":"log","fields":{"level":"ERROR","message":"x"}}"#.to_string(),
                    _ => String::new(),
                };
                if *crlf { line + "\r" } else { line }
            })
            .collect();
        if summary {
            lines.push(DENY_SUMMARY.to_string());
        }
        let doc = lines.join("\n");
        let whole = read_both(tmp.path(), "gen.json", doc.as_bytes()).0;
        let deny = matches!(&whole.content, Content::Read(Understood::Evidence(j)) if j.format == "cargo-deny");
        let result = differential(tmp.path(), "gen.json", doc.as_bytes());
        if deny {
            prop_assert_eq!(result, "same");
        }
    }
}

/// JUnit XML streamed: well-formed or not, the same verdict, counts,
/// findings and messages (line and column) as in memory.
#[test]
fn junit_reads_the_same_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let pass = r#"<testsuite name="t" tests="1"><testcase name="c"/></testsuite>"#;
    let cases: Vec<String> = vec![
        pass.to_string(),
        format!("\u{feff}<?xml version=\"1.0\"?>\n<!-- by TestNG --><?pi x?>\n{pass}\n"),
        "<testsuites><testsuite name=\"s\"><testcase name=\"a\"><failure message=\"boom\"/></testcase><testcase name=\"é\"><error>x\ny</error></testcase><testcase name=\"k\"><skipped/></testcase></testsuite></testsuites>".to_string(),
        format!("\u{b}{pass}"),
        format!("<?xml version=\"1.0\"?>stray{pass}"),
        format!("<!DOCTYPE testsuite [<!ATTLIST testcase status CDATA \"failed\">]>{pass}"),
        format!("{pass}{pass}"),
        format!("{pass} trailing"),
        "<testsuite name=\"t\">\n  <testcase name=\"c\">".to_string(),
        "<j:testsuite xmlns:j=\"urn:x\"><j:testcase name=\"c\"/></j:testsuite>".to_string(),
        "<report><testsuite/>".to_string(),
        "<testsuite name=\"&bogus;\"/>".to_string(),
        "<testsuite>\n<testcase></testsuite></testcase>".to_string(),
        "<testsuite>\n <testcase name=\"a\" name=\"b\"/></testsuite>".to_string(),
        "<html/>".to_string(),
        "<testsuite><testcase name=\"\u{1}\"/></testsuite>".to_string(),
        "<!-- nothing -->".to_string(),
        "  <testsuite".to_string(),
    ];
    for (k, doc) in cases.iter().enumerate() {
        for name in ["t.xml", "t.junit.xml", "t.sarif", "t.json"] {
            assert_eq!(differential(tmp.path(), &format!("{k}-{name}"), doc.as_bytes()), "same");
        }
    }
}

/// Hostile XML over the limit: truncated, or one event over the cap.
#[test]
fn hostile_junit_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: String =
        (0..3000).map(|i| format!("<testcase classname=\"c\" name=\"t{i}\"/>\n")).collect();
    let doc = format!("<testsuites><testsuite name=\"s\">\n{cases}</testsuite></testsuites>");
    let truncated = &doc.as_bytes()[..doc.len() / 2];
    let (whole, streamed) = read_both(tmp.path(), "t.junit.xml", truncated);
    assert_eq!(whole, streamed);
    let Content::Read(Understood::Invalid(why)) = &streamed.content else { panic!("{streamed:?}") };
    assert!(why.starts_with("not valid JUnit XML: malformed XML at line "), "{why}");
    let huge = format!(
        "<testsuite><testcase name=\"a\"><system-out>{}</system-out></testcase></testsuite>",
        "x".repeat(17 << 20)
    );
    let (whole, streamed) = read_both(tmp.path(), "t.junit.xml", huge.as_bytes());
    assert!(matches!(&whole.content, Content::Read(Understood::Evidence(_))), "{whole:?}");
    let Content::Read(Understood::Invalid(why)) = &streamed.content else { panic!("{streamed:?}") };
    assert!(
        why.contains("one XML event in it (a tag, a run of text) is over 16777216 bytes"),
        "{why}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Generated JUnit reports: the same verdict, counts and findings.
    #[test]
    fn generated_junit_reads_the_same_streamed(
        suites in prop::collection::vec(prop::collection::vec(0usize..7, 0..12), 0..4),
        declared in any::<bool>(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let body: String = suites
            .iter()
            .enumerate()
            .map(|(s, cases)| {
                let cases: String = cases
                    .iter()
                    .enumerate()
                    .map(|(i, kind)| {
                        let inner = [
                            "",
                            "<failure message=\"m\">trace\nline</failure>",
                            "<error type=\"E\"/>",
                            "<skipped/>",
                            "<flakyFailure/>",
                            "<rerunFailure/><failure/>",
                            "<system-out><![CDATA[out & <x>]]></system-out>",
                        ][*kind];
                        format!("\n  <testcase classname=\"m{s}\" name=\"t{i} &amp; 𒍺\">{inner}</testcase>")
                    })
                    .collect();
                let tests = if declared { format!(" tests=\"{}\"", cases.len() % 5) } else { String::new() };
                format!("<testsuite name=\"s{s}\"{tests}>{cases}\n</testsuite>")
            })
            .collect();
        let doc = format!("<?xml version=\"1.0\"?>\n<testsuites>{body}</testsuites>\n");
        prop_assert_eq!(differential(tmp.path(), "gen.junit.xml", doc.as_bytes()), "same");
    }
}

// ---- SPDX ----

/// An SPDX document: the header fields first, then `body` (its arrays and
/// anything else, as JSON object entries).
fn spdx_doc(body: &str) -> String {
    format!(
        r#"{{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "demo",
  "documentNamespace": "https://example.org/spdx/demo-1",
  "creationInfo": {{"created": "2024-05-01T00:00:00Z", "creators": ["Tool: demo-1.0"]}}{}{body}}}"#,
        if body.is_empty() { "" } else { ", " }
    )
}

fn spdx_rel(from: &str, kind: &str, to: &str) -> String {
    format!(
        r#"{{"spdxElementId": "{from}", "relationshipType": "{kind}", "relatedSpdxElement": "{to}"}}"#
    )
}

/// The whole reader and the streamed one give the same result, and it is
/// SPDX's (judged or invalid as SPDX, never refused); the streamed result.
fn spdx_same(dir: &Path, name: &str, doc: &str) -> ReadResult {
    assert_eq!(differential(dir, name, doc.as_bytes()), "same", "{name}: {doc}");
    let (whole, streamed) = read_both(dir, name, doc.as_bytes());
    assert!(!refused(&streamed), "{name}: {streamed:?}");
    assert_eq!(whole, streamed);
    streamed
}

#[test]
fn spdx_edge_cases_read_the_same_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let pkg = r#""packages": [{"SPDXID": "SPDXRef-Package-demo", "name": "demo"}]"#;
    let file = r#""files": [{"SPDXID": "SPDXRef-File-main", "fileName": "./main.rs"}]"#;
    let describes = spdx_rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Package-demo");
    let contains = spdx_rel("SPDXRef-Package-demo", "CONTAINS", "SPDXRef-File-main");
    let rels = |r: &[String]| format!(r#""relationships": [{}]"#, r.join(", "));
    let dangling: Vec<String> = (0..9)
        .map(|i| spdx_rel("SPDXRef-Package-demo", "DEPENDS_ON", &format!("SPDXRef-Gone-{i}")))
        .collect();
    let dup_pkgs: String = (0..8)
        .map(|i| {
            format!(r#"{{"SPDXID": "SPDXRef-D{}"}}, {{"SPDXID": "SPDXRef-D{}"}}"#, 8 - i, 8 - i)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let cases = vec![
        spdx_doc(&format!("{pkg}, {file}, {}", rels(&[describes.clone(), contains.clone()]))),
        // Relationships first, then the elements they name; the document's
        // own fields last (as Microsoft's sbom-tool writes them).
        format!(
            r#"{{{}, {file}, {pkg}, "spdxVersion": "SPDX-2.2", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "documentNamespace": "urn:x:1", "creationInfo": {{"created": "t", "creators": ["Tool: x"]}}, "documentDescribes": ["SPDXRef-Package-demo"]}}"#,
            rels(&[contains.clone(), describes.clone()])
        ),
        // A document id other than SPDXRef-DOCUMENT, after the relationships.
        format!(
            r#"{{{pkg}, {}, "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOC"}}"#,
            rels(&[
                spdx_rel("SPDXRef-DOC", "DESCRIBES", "SPDXRef-Package-demo"),
                spdx_rel("SPDXRef-DOC", "DEPENDS_ON", "SPDXRef-DOCUMENT")
            ])
        ),
        // No describes; describes only itself; DESCRIBED_BY; unresolved.
        spdx_doc(pkg),
        spdx_doc(&format!(
            "{pkg}, {}",
            rels(&[spdx_rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-DOCUMENT")])
        )),
        spdx_doc(&format!(
            "{pkg}, {}",
            rels(&[
                spdx_rel("SPDXRef-Package-demo", "DESCRIBED_BY", "SPDXRef-DOCUMENT"),
                describes.clone()
            ])
        )),
        spdx_doc(&format!(
            r#"{pkg}, "documentDescribes": ["SPDXRef-Ghost", "DocumentRef-o:SPDXRef-x", "SPDXRef-Package-demo"], {}"#,
            rels(&[spdx_rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Ghost2")])
        )),
        // External documents, declared after the relationships naming them.
        spdx_doc(&format!(
            r#"{pkg}, {}, "externalDocumentRefs": [{{"externalDocumentId": "DocumentRef-o"}}]"#,
            rels(&[
                describes.clone(),
                spdx_rel("SPDXRef-Package-demo", "DEPENDS_ON", "DocumentRef-o:SPDXRef-y"),
                spdx_rel("SPDXRef-Package-demo", "DEPENDS_ON", "DocumentRef-p:SPDXRef-y")
            ])
        )),
        // Many dangling (named, then "and N more"), NONE and NOASSERTION.
        spdx_doc(&format!(
            "{pkg}, {}",
            rels(
                &[
                    &[
                        describes.clone(),
                        spdx_rel("SPDXRef-Package-demo", "DEPENDS_ON", "NONE"),
                        spdx_rel("NOASSERTION", "DEPENDS_ON", "SPDXRef-Gone-3")
                    ][..],
                    &dangling[..]
                ]
                .concat()
            )
        )),
        // Repeated ids, the document's own id among the elements, in every array.
        spdx_doc(&format!(
            r#""packages": [{dup_pkgs}, {{"SPDXID": "SPDXRef-DOCUMENT"}}], "files": [{{"SPDXID": "SPDXRef-D1"}}], "snippets": [{{"SPDXID": "SPDXRef-A"}}, {{"SPDXID": "SPDXRef-A"}}, {{"SPDXID": "SPDXRef-A"}}], {}"#,
            rels(std::slice::from_ref(&describes))
        )),
        // Escaped ids; the same id written two ways.
        spdx_doc(&format!(
            r#""packages": [{{"SPDXID": "SPDXRef-\u0041"}}, {{"SPDXID": "SPDXRef-A"}}, {{"SPDXID": "SPDXRef-\n`x"}}], {}"#,
            rels(&[spdx_rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-\\u0041")])
        )),
        // Nulls read as absent.
        spdx_doc(r#""packages": null, "files": null, "relationships": null, "snippets": []"#),
        spdx_doc(&format!(
            r#""packages": [{{"SPDXID": "SPDXRef-P", "name": null}}], {}"#,
            rels(&[spdx_rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-P")])
        )),
        // Wrong shapes, in the order the rule reads them (whatever the
        // document's order).
        spdx_doc(r#""packages": [7]"#),
        spdx_doc(r#""packages": [{"SPDXID": null}]"#),
        spdx_doc(r#""packages": [{"SPDXID": ["x"]}]"#),
        spdx_doc(r#""files": [{"fileName": "x"}], "packages": [{"SPDXID": 1}]"#),
        spdx_doc(r#""relationships": [7], "snippets": [{"SPDXID": {}}]"#),
        spdx_doc(r#""relationships": [{"spdxElementId": "a", "relationshipType": "DESCRIBES"}]"#),
        spdx_doc(
            r#""relationships": [{"spdxElementId": "a", "relationshipType": true, "relatedSpdxElement": "b"}]"#,
        ),
        spdx_doc(r#""relationships": [{"relationshipType": 1}], "documentDescribes": [null]"#),
        spdx_doc(r#""packages": {}, "relationships": [1]"#),
        spdx_doc(r#""relationships": "x""#),
        spdx_doc(r#""packages": [{"SPDXID": "SPDXRef-P"}, "x"], "files": [{"SPDXID": 2}]"#),
        r#"{"spdxVersion": 2.3, "packages": [{"SPDXID": 1}]}"#.to_string(),
        r#"{"packages": [{"SPDXID": "a"}], "spdxVersion": "SPDX-2.3", "creationInfo": "today"}"#
            .to_string(),
        // Missing header fields after the arrays.
        r#"{"packages": [{"SPDXID": "a"}], "relationships": [], "spdxVersion": "SPDX-2.1"}"#
            .to_string(),
        // A repeated key inside an element, kept or not by the rule.
        spdx_doc(r#""packages": [{"SPDXID": "a", "SPDXID": "b"}]"#),
        spdx_doc(r#""packages": [{"SPDXID": "a", "checksums": [{"x": 1, "x": 2}]}]"#),
        spdx_doc(
            r#""relationships": [{"spdxElementId": "a", "relationshipType": "X", "relatedSpdxElement": "b", "comment": {"c": 1, "c": 2}}]"#,
        ),
        // Truncated; trailing text.
        spdx_doc(r#""packages": [{"SPDXID": "a"}"#).trim_end_matches('}').to_string(),
        spdx_doc(pkg) + " x",
        // Stub markers.
        spdx_doc(&format!(r#"{pkg}, "annotations": [{{"comment": "provenance: stub"}}]"#)),
    ];
    for (k, doc) in cases.iter().enumerate() {
        spdx_same(tmp.path(), &format!("{k}-sbom.spdx.json"), doc);
        // Named `.json`: the same, or (not valid JSON) not judged as SPDX.
        differential(tmp.path(), &format!("{k}-sbom.json"), doc.as_bytes());
    }
    // Not SPDX (no `spdxVersion`), its arrays streamed: not judged by
    // another rule that would miss them; refused over the limit.
    let other = r#"{"packages": [{"SPDXID": "a"}], "name": "x"}"#;
    let (whole, streamed) = read_both(tmp.path(), "other.json", other.as_bytes());
    assert!(refused(&streamed), "{streamed:?}");
    assert_eq!(differential(tmp.path(), "other.json", other.as_bytes()), "refused", "{whole:?}");
    // One outcome in full: repeats named smallest first, dangling in order.
    let got = spdx_same(tmp.path(), "named.spdx.json", &cases[9]);
    let Content::Read(Understood::Evidence(judged)) = &got.content else { panic!("{got:?}") };
    assert_eq!(
        judged.outcome.reasons,
        [
            "10 SPDXIDs used by more than one element: `SPDXRef-A`, `SPDXRef-D1`, `SPDXRef-D2` and 7 more",
            "1 described element is not in the document: `SPDXRef-Package-demo`",
            "1 element named in relationships but not in the document: `SPDXRef-Package-demo`"
        ]
    );
    assert_eq!(
        judged.outcome.findings[..3],
        [
            "duplicate SPDXID `SPDXRef-A`",
            "duplicate SPDXID `SPDXRef-D1`",
            "duplicate SPDXID `SPDXRef-D2`"
        ]
    );
    let got = spdx_same(tmp.path(), "dangling.spdx.json", &cases[8]);
    let Content::Read(Understood::Evidence(judged)) = &got.content else { panic!("{got:?}") };
    assert_eq!(
        judged.outcome.reasons,
        ["9 elements named in relationships but not in the document: `SPDXRef-Gone-3`, `SPDXRef-Gone-0`, `SPDXRef-Gone-1` and 6 more"]
    );
}

/// Over 1 MiB: elements cut by the 1 MiB chunks are copied and parsed
/// (not read from their key); the counts, repeats and dangling names stay
/// the whole reader's.
#[test]
fn large_spdx_reads_the_same_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let pkgs: Vec<String> = (0..12_000)
        .map(|i| {
            let id = if i % 997 == 5 { "SPDXRef-Package-5".to_string() } else { format!("SPDXRef-Package-{i}") };
            format!(r#"{{"SPDXID": "{id}", "name": "crate-{i}", "licenseConcluded": "MIT", "externalRefs": [{{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:cargo/crate-{i}@1.0.{i}"}}]}}"#)
        })
        .collect();
    let mut rels = vec![spdx_rel("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Package-0")];
    rels.extend((0..3000).map(|i| {
        spdx_rel("SPDXRef-Package-0", "DEPENDS_ON", &format!("SPDXRef-Package-{}", i * 5 + 1))
    }));
    let doc = spdx_doc(&format!(
        r#""packages": [{}], "relationships": [{}]"#,
        pkgs.join(","),
        rels.join(",")
    ));
    assert!(doc.len() > 2 << 20);
    let got = spdx_same(tmp.path(), "big.spdx.json", &doc);
    let Content::Read(Understood::Evidence(judged)) = &got.content else { panic!("{got:?}") };
    assert_eq!(judged.outcome.counts["packages.total"], 12_000);
    assert_eq!(judged.outcome.reasons.len(), 2, "{:?}", judged.outcome.reasons);
}

/// Hostile streams: an element over the element cap, more ids held to the
/// end than the cap (relationships before the elements they name).
#[test]
fn hostile_spdx_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let huge = spdx_doc(&format!(
        r#""packages": [{{"SPDXID": "a", "description": "{}"}}]"#,
        "x".repeat(17 << 20)
    ));
    let (whole, streamed) = read_both(tmp.path(), "huge.spdx.json", huge.as_bytes());
    assert!(matches!(&whole.content, Content::Read(Understood::Evidence(_))), "{whole:?}");
    assert!(refused(&streamed), "{streamed:?}");
    // 100,001 distinct ids named before any element defines them.
    let rels: Vec<String> = (0..=100_000)
        .map(|i| spdx_rel("SPDXRef-DOCUMENT", "CONTAINS", &format!("SPDXRef-P{i}")))
        .collect();
    let pkgs: Vec<String> =
        (0..=100_000).map(|i| format!(r#"{{"SPDXID": "SPDXRef-P{i}"}}"#)).collect();
    let doc = spdx_doc(&format!(
        r#""documentDescribes": ["SPDXRef-P0"], "relationships": [{}], "packages": [{}]"#,
        rels.join(","),
        pkgs.join(",")
    ));
    let (whole, streamed) = read_both(tmp.path(), "order.spdx.json", doc.as_bytes());
    let Content::Read(Understood::Evidence(judged)) = &whole.content else { panic!("{whole:?}") };
    assert_eq!(judged.outcome.reasons, Vec::<String>::new());
    assert_eq!(
        streamed.content,
        Content::Read(Understood::Invalid("not valid SPDX: the file is over `max-parse-bytes`, so it is read as a stream, and more than 100000 distinct elements are named in relationships before a package, file or snippet of the document defines them (only that many are held to its end); write the packages, files and snippets before the relationships, or raise `max-parse-bytes` in [workspace.metadata.release-gate] to read it whole".to_string()))
    );
    // In memory (over 1 MiB, under the limit) it is read as the whole
    // reader reads it: nothing is capped.
    let policy = FormatPolicy::default();
    let ctx = Context { hint: hint("order.spdx.json"), ..Context::default() };
    assert_eq!(
        detect::understand(doc.as_bytes(), &policy, ctx),
        detect::understand_large(doc.as_bytes(), &policy, ctx)
    );
    // The same elements first: read in bounded memory, the same outcome.
    let doc = spdx_doc(&format!(
        r#""documentDescribes": ["SPDXRef-P0"], "packages": [{}], "relationships": [{}]"#,
        pkgs.join(","),
        rels.join(",")
    ));
    assert_eq!(differential(tmp.path(), "order2.spdx.json", doc.as_bytes()), "same");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Generated documents: arrays in any order, ids repeated or dangling,
    /// describes by either relationship, wrong shapes here and there.
    #[test]
    fn generated_spdx_reads_the_same_streamed(
        packages in prop::collection::vec(0usize..12, 0..10),
        files in prop::collection::vec(0usize..12, 0..5),
        rels in prop::collection::vec((0usize..14, 0usize..5, 0usize..14), 0..12),
        order in 0usize..6,
        header_last in any::<bool>(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let id = |k: usize| match k {
            0 => "SPDXRef-DOCUMENT".to_string(),
            10 => "NOASSERTION".to_string(),
            11 => "DocumentRef-o:SPDXRef-x".to_string(),
            12 => "SPDXRef-\\u0050-1".to_string(),
            13 => "SPDXRef-Gone".to_string(),
            k => format!("SPDXRef-P-{k}"),
        };
        let element = |k: &usize| match k {
            11 => r#"{"SPDXID": 3}"#.to_string(),
            k => format!(r#"{{"SPDXID": "{}", "name": "n"}}"#, id(*k)),
        };
        let kinds = ["DESCRIBES", "DESCRIBED_BY", "CONTAINS", "DEPENDS_ON", "BROKEN"];
        let rel = |(f, k, t): &(usize, usize, usize)| match k {
            4 => format!(r#"{{"spdxElementId": "{}", "relationshipType": "DESCRIBES"}}"#, id(*f)),
            k => spdx_rel(&id(*f), kinds[*k], &id(*t)),
        };
        let join = |v: Vec<String>| v.join(", ");
        let mut arrays = [
            format!(r#""packages": [{}]"#, join(packages.iter().map(element).collect())),
            format!(r#""files": [{}]"#, join(files.iter().map(element).collect())),
            format!(r#""relationships": [{}]"#, join(rels.iter().map(rel).collect())),
        ];
        arrays.rotate_left(order % 3);
        if order >= 3 {
            arrays.swap(0, 1);
        }
        let header = r#""spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": "g", "documentNamespace": "urn:g:1", "creationInfo": {"created": "t", "creators": ["Tool: g"]}, "externalDocumentRefs": [{"externalDocumentId": "DocumentRef-o"}]"#;
        let doc = if header_last {
            format!("{{{}, {header}}}", arrays.join(", "))
        } else {
            format!("{{{header}, {}}}", arrays.join(", "))
        };
        prop_assert_eq!(differential(tmp.path(), "gen.spdx.json", doc.as_bytes()), "same");
    }
}

/// Every SPDX file of the corpus: the same streamed, none refused.
#[test]
#[ignore = "needs the evidence corpus (../shared/corpus or RELEASE_GATE_CORPUS)"]
fn spdx_corpus_files_read_the_same_streamed() {
    let dir = support::corpus().join("spdx");
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    files_under(&dir, &mut files);
    assert!(!files.is_empty());
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        spdx_same(tmp.path(), &name, &fs::read_to_string(&file).unwrap());
    }
}
