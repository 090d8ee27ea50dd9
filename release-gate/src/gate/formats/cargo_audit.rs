//! cargo-audit `--json` reports (the `rustsec` crate's `Report`).
//!
//! A report is an object with `database`, `lockfile`, `settings`,
//! `vulnerabilities` (`found`, `count`, `list`) and `warnings`, an object
//! keyed by warning kind (`unmaintained`, `unsound`, `yanked`, `notice`), each
//! a list. The rule, as cargo-audit's own exit status:
//!
//! - any vulnerability blocks: `vulnerabilities.list` is non-empty or
//!   `vulnerabilities.count` is above zero (`found` alone decides nothing; a
//!   `found` that disagrees with the list is reported as a warning);
//! - `unsound` warnings block when [`FormatPolicy::audit_block_unsound`] is on
//!   (as `cargo audit --deny unsound`), else they are warnings;
//! - every other warning kind is a warning.
//!
//! Advisories the audit was configured to ignore (`settings.ignore`) and a
//! `settings.severity` filter are invisible in the report, so they are named
//! in warnings. An advisory's CVSS vector is shown as written (the rule does
//! not depend on it: any vulnerability blocks).

use std::collections::BTreeMap;

use release_gate_scan::skeleton::{self, Shape, Sink, Step};
use serde_json::{Map, Value};

use super::{kind, required, shown_value, FormatPolicy, Outcome, MAX_FINDINGS};
use crate::gate::escape::{self, clean, len64, line};

/// The warning kinds cargo-audit writes, in the order findings show them
/// after `unsound`.
const OTHER_KINDS: &[&str] = &["yanked", "unmaintained", "notice"];

/// Does this JSON document look like a cargo-audit `--json` report? An object
/// with `database` and `vulnerabilities` objects.
pub fn detect(doc: &Value) -> bool {
    doc.get("database").is_some_and(Value::is_object)
        && doc.get("vulnerabilities").is_some_and(Value::is_object)
}

/// Applies the cargo-audit rule (see the module documentation). `Err` when
/// the report's structure is not cargo-audit's.
pub fn check(doc: &Value, policy: &FormatPolicy) -> Result<Outcome, String> {
    Ok(rule(&read(doc, None)?, policy))
}

/// [`check`] of a report read from a stream: `doc` is its skeleton (each
/// streamed array empty), `streamed` what those arrays' elements gave.
pub fn check_streamed(
    doc: &Value,
    policy: &FormatPolicy,
    streamed: &Streamed,
) -> Result<Outcome, String> {
    Ok(rule(&read(doc, Some(streamed))?, policy))
}

/// The streamed arrays of a cargo-audit report.
pub const PLAN_LIST: (&[skeleton::Pat], &[&str]) =
    (&[skeleton::Pat::Key("vulnerabilities"), skeleton::Pat::Key("list")], &[]);
pub const PLAN_WARNINGS: (&[skeleton::Pat], &[&str]) =
    (&[skeleton::Pat::Key("warnings"), skeleton::Pat::AnyKey], &[]);

/// The most warning kinds (keys of `warnings`) a report read as a stream
/// may have: each holds its first entries (cargo-audit writes four kinds).
pub const MAX_KINDS: usize = 1024;

/// What the rule reads of one entry (see [`Entry::of`]).
const ENTRY: Shape = Shape::Keys(&[
    (
        "advisory",
        Shape::Keys(&[
            ("id", Shape::All),
            ("package", Shape::All),
            ("title", Shape::All),
            ("cvss", Shape::All),
        ]),
    ),
    ("package", Shape::Keys(&[("name", Shape::All), ("version", Shape::All)])),
]);

/// What the elements of a report's streamed arrays gave (see
/// [`check_streamed`]): per array, its count and its first entries.
#[derive(Debug, Default)]
pub struct Streamed {
    /// `vulnerabilities.list`, when it was streamed.
    list: Option<List>,
    /// `warnings.<kind>` streamed, by the kind as written.
    warnings: BTreeMap<String, List>,
    /// More than [`MAX_KINDS`] kinds were streamed (the rest not held).
    over_kinds: bool,
}

impl Streamed {
    /// Why the report cannot be judged from the stream (a limit), if so.
    pub fn limit(&self) -> Option<String> {
        self.over_kinds.then(|| format!("`warnings` has more than {MAX_KINDS} kinds"))
    }
}

/// A streamed array of a report: `vulnerabilities.list`, or the list of a
/// warning kind.
enum Array<'a> {
    List,
    Warnings(&'a str),
}

fn array_at(at: &[Step]) -> Option<Array<'_>> {
    match at {
        [Step::Key(v), Step::Key(l)] if v == "vulnerabilities" && l == "list" => Some(Array::List),
        [Step::Key(w), Step::Key(k)] if w == "warnings" => Some(Array::Warnings(k)),
        _ => None,
    }
}

impl Streamed {
    /// Whether `at` is one of the arrays a cargo-audit report streams.
    pub fn owns(at: &[Step]) -> bool {
        array_at(at).is_some()
    }
}

impl Sink for Streamed {
    fn start(&mut self, at: &[Step], _prefix: &[u8]) {
        match array_at(at) {
            Some(Array::List) => self.list = Some(List::default()),
            Some(Array::Warnings(k)) if self.warnings.len() < MAX_KINDS => {
                self.warnings.insert(k.to_string(), List::default());
            }
            Some(Array::Warnings(_)) => self.over_kinds = true,
            None => {}
        }
    }

    fn element(&mut self, at: &[Step], _index: usize, bytes: &[u8], _key: Option<&[u8]>) {
        let list = match array_at(at) {
            Some(Array::List) => self.list.as_mut(),
            Some(Array::Warnings(k)) => self.warnings.get_mut(k),
            None => None,
        };
        if let Some(list) = list {
            list.add_bytes(bytes);
        }
    }

    fn end(&mut self, _at: &[Step], _count: usize) {}
}

/// What the rule reads of one array of entries, folded one entry at a
/// time: how many, the first [`MAX_FINDINGS`] (what the messages and the
/// findings show), and the first that is not an object.
#[derive(Debug, Default, Clone)]
struct List {
    count: u64,
    first: Vec<Entry>,
    bad: Option<(u64, &'static str)>,
}

impl List {
    /// The entries of an array held whole.
    fn of(values: &[Value]) -> List {
        let mut list = List::default();
        for value in values {
            match value {
                Value::Object(_) => list.keep(|| Entry::of(value)),
                other => list.fail(kind(other)),
            }
            list.count = list.count.saturating_add(1);
        }
        list
    }

    /// One entry from its text (one whole JSON value, checked by the
    /// splitter): parsed only while the first ones are kept.
    fn add_bytes(&mut self, bytes: &[u8]) {
        let at = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
        match bytes.get(at) {
            Some(b'{') => {
                if self.first.len() < MAX_FINDINGS && self.bad.is_none() {
                    match skeleton::pruned(bytes, &ENTRY) {
                        Ok(value) => self.keep(|| Entry::of(&value)),
                        Err(_) => self.fail("unreadable"),
                    }
                }
            }
            Some(b'[') => self.fail("an array"),
            Some(b'"') => self.fail("a string"),
            Some(b't' | b'f') => self.fail("a boolean"),
            Some(b'n') => self.fail("null"),
            _ => self.fail("a number"),
        }
        self.count = self.count.saturating_add(1);
    }

    fn keep(&mut self, entry: impl FnOnce() -> Entry) {
        if self.first.len() < MAX_FINDINGS {
            self.first.push(entry());
        }
    }

    /// The entry `count` is not an object (the first one is named).
    fn fail(&mut self, what: &'static str) {
        if self.bad.is_none() {
            self.bad = Some((self.count, what));
        }
    }

    /// `Err` naming the first entry that is not an object.
    fn checked(self, path: &str) -> Result<List, String> {
        match self.bad {
            Some((i, what)) => Err(format!("`{path}[{i}]` is {what}, expected an object")),
            None => Ok(self),
        }
    }

    /// `other`'s entries after this list's.
    fn extend(&mut self, other: List) {
        self.count = self.count.saturating_add(other.count);
        self.first.extend(other.first);
        self.first.truncate(MAX_FINDINGS);
    }

    fn shorts(&self) -> Vec<String> {
        self.first.iter().map(Entry::short).collect()
    }
}

/// What the rule reads of a report.
struct Report<'a> {
    list: List,
    count: Option<u64>,
    found: Option<bool>,
    /// Kind (lowercase) -> entries.
    warnings: BTreeMap<String, List>,
    settings: Option<&'a Map<String, Value>>,
    dependencies: Option<u64>,
    advisories: Option<u64>,
}

/// The report's shape: `Err` when it is not cargo-audit's. `streamed`: the
/// arrays read from a stream (empty in `doc`).
fn read<'a>(doc: &'a Value, streamed: Option<&Streamed>) -> Result<Report<'a>, String> {
    let root = required(Some(doc), "the document", "an object", Value::as_object)?;
    let vulns =
        required(root.get("vulnerabilities"), "`vulnerabilities`", "an object", Value::as_object)?;
    let list = required(vulns.get("list"), "`vulnerabilities.list`", "an array", Value::as_array)?;
    let count = match vulns.get("count") {
        None => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            format!(
                "`vulnerabilities.count` is {}, expected a non-negative integer",
                shown_value(v)
            )
        })?),
    };
    let found = match vulns.get("found") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => {
            return Err(format!("`vulnerabilities.found` is {}, expected a boolean", kind(other)))
        }
    };
    let list = match streamed.and_then(|s| s.list.as_ref()) {
        Some(streamed) => streamed.clone(),
        None => List::of(list),
    };
    Ok(Report {
        list: list.checked("vulnerabilities.list")?,
        count,
        found,
        warnings: read_warnings(root.get("warnings"), streamed)?,
        settings: root.get("settings").and_then(Value::as_object),
        dependencies: doc.pointer("/lockfile/dependency-count").and_then(Value::as_u64),
        advisories: doc.pointer("/database/advisory-count").and_then(Value::as_u64),
    })
}

/// The rule over a report that has cargo-audit's shape.
fn rule(r: &Report, policy: &FormatPolicy) -> Outcome {
    let mut out = Outcome::default();
    vulnerabilities(r, &mut out);
    let none = List::default();
    let unsound = r.warnings.get("unsound").unwrap_or(&none);
    out.counts.insert("warnings.unsound".to_string(), unsound.count);
    if unsound.count > 0 {
        let ids = list_some(&unsound.shorts(), unsound.count, 4);
        let n = escape::count(unsound.count, "`unsound` warning", "`unsound` warnings");
        if policy.audit_block_unsound {
            out.reasons.push(line(&format!("{n} (`audit_block_unsound` is on): {ids}")));
        } else {
            out.warnings
                .push(line(&format!("{n}, not blocking (`audit_block_unsound` is off): {ids}")));
        }
    }
    let other_kinds = other_warnings(r, &mut out);
    // What the audit was told to leave out.
    if let Some(settings) = r.settings {
        settings_warnings(settings, policy, &mut out);
    }
    if let Some(n) = r.dependencies {
        out.counts.insert("dependencies".to_string(), n);
        if n == 0 {
            out.reasons.push(
                "the lock file it audited lists no dependency: nothing was checked".to_string(),
            );
        }
    }
    // An empty advisory database finds nothing: a clean report means nothing.
    if r.advisories == Some(0) {
        out.reasons.push(
            "the advisory database holds no advisory: nothing was checked against it".to_string(),
        );
    }
    // Findings: vulnerabilities, then unsound, then the rest.
    let mut findings: Vec<String> =
        r.list.first.iter().map(|e| e.finding("vulnerability")).collect();
    findings.extend(unsound.first.iter().map(|e| e.finding("unsound")));
    for k in &other_kinds {
        if findings.len() >= MAX_FINDINGS {
            break;
        }
        if let Some(entries) = r.warnings.get(k) {
            findings.extend(entries.first.iter().map(|e| e.finding(k)));
        }
    }
    findings.truncate(MAX_FINDINGS);
    out.findings = findings;
    out
}

/// Vulnerabilities: the list, or a count the list does not back up.
fn vulnerabilities(r: &Report, out: &mut Outcome) {
    let listed = r.list.count;
    let total = listed.max(r.count.unwrap_or(0));
    out.counts.insert("vulnerabilities.total".to_string(), total);
    if listed > 0 {
        let ids: Vec<String> = r.list.first.iter().map(Entry::id).collect();
        out.reasons.push(line(&format!(
            "{} (any vulnerability blocks): {}",
            escape::count(listed, "vulnerability", "vulnerabilities"),
            list_some(&ids, listed, 5)
        )));
    } else if let Some(c @ 1..) = r.count {
        out.reasons.push(format!(
            "`vulnerabilities.count` is {c} but `vulnerabilities.list` is empty (a count above zero blocks)"
        ));
    }
    if let Some(c) = r.count.filter(|c| listed > 0 && *c != listed) {
        out.warnings.push(format!(
            "`vulnerabilities.count` is {c} but `vulnerabilities.list` has {listed} entries"
        ));
    }
    match r.found {
        // A contradiction never reads as clean: cargo-audit says it found
        // vulnerabilities, so the report blocks.
        Some(true) if total == 0 => out.reasons.push(
            "`vulnerabilities.found` is true but `count` is 0 and `list` is empty: cargo-audit found vulnerabilities it does not list"
                .to_string(),
        ),
        Some(false) if total > 0 => out.warnings.push(format!(
            "`vulnerabilities.found` is false but the report lists {}",
            escape::count(total, "vulnerability", "vulnerabilities")
        )),
        _ => {}
    }
}

/// Warnings of the kinds other than `unsound` (the known kinds first, then
/// unknown ones); returns those kinds in that order.
fn other_warnings(r: &Report, out: &mut Outcome) -> Vec<String> {
    for k in OTHER_KINDS {
        let n = r.warnings.get(*k).map_or(0, |entries| entries.count);
        out.counts.insert(format!("warnings.{k}"), n);
    }
    let mut kinds: Vec<String> = OTHER_KINDS.iter().map(|k| k.to_string()).collect();
    kinds.extend(
        r.warnings
            .keys()
            .filter(|k| *k != "unsound" && !OTHER_KINDS.contains(&k.as_str()))
            .cloned(),
    );
    let mut unknown_total = 0u64;
    for k in &kinds {
        let Some(entries) = r.warnings.get(k).filter(|entries| entries.count > 0) else {
            continue;
        };
        if !OTHER_KINDS.contains(&k.as_str()) {
            unknown_total = unknown_total.saturating_add(entries.count);
        }
        out.warnings.push(line(&format!(
            "{} `{}` {}: {}",
            entries.count,
            clean(k),
            escape::plural(entries.count, "warning", "warnings"),
            list_some(&entries.shorts(), entries.count, 4)
        )));
    }
    if unknown_total > 0 {
        out.counts.insert("warnings.other".to_string(), unknown_total);
    }
    kinds
}

/// Warnings about the audit's own filters: ignored advisory ids, a severity
/// threshold, and `unsound` left out of the collected warning kinds while the
/// policy blocks on it.
fn settings_warnings(settings: &Map<String, Value>, policy: &FormatPolicy, out: &mut Outcome) {
    if let Some(Value::Array(ignore)) = settings.get("ignore") {
        let ids: Vec<String> =
            ignore.iter().map(|v| format!("`{}`", clean(v.as_str().unwrap_or("?")))).collect();
        if !ids.is_empty() {
            let n = len64(&ids);
            out.counts.insert("settings.ignore".to_string(), n);
            out.warnings.push(line(&format!(
                "the audit ignored {} by configuration (not in this report): {}",
                escape::count(n, "advisory", "advisories"),
                list_some(&ids, n, 4)
            )));
        }
    }
    if let Some(Value::String(severity)) = settings.get("severity") {
        out.warnings.push(line(&format!(
            "`settings.severity` is `{}`: cargo-audit left out vulnerabilities below that severity",
            clean(severity)
        )));
    }
    if policy.audit_block_unsound {
        if let Some(Value::Array(kinds)) = settings.get("informational_warnings") {
            if !kinds.iter().any(|k| k.as_str() == Some("unsound")) {
                out.warnings.push(
                    "`settings.informational_warnings` lacks `unsound`: unsound advisories were not collected"
                        .to_string(),
                );
            }
        }
    }
}

/// `warnings` as kind -> entries (those of `streamed` for the arrays read
/// from a stream). Missing means none.
fn read_warnings(
    value: Option<&Value>,
    streamed: Option<&Streamed>,
) -> Result<BTreeMap<String, List>, String> {
    let mut out = BTreeMap::new();
    let map = match value {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Object(map)) => map,
        Some(other) => {
            return Err(format!(
                "`warnings` is {}, expected an object keyed by warning kind",
                kind(other)
            ))
        }
    };
    for (k, v) in map {
        let list = v
            .as_array()
            .ok_or_else(|| format!("`warnings.{}` is {}, expected an array", clean(k), kind(v)))?;
        let entries = match streamed.and_then(|s| s.warnings.get(k)) {
            Some(streamed) => streamed.clone(),
            None => List::of(list),
        };
        let entries = entries.checked(&format!("warnings.{}", clean(k)))?;
        // Kinds differing only in case are merged, never overwritten.
        out.entry(k.to_ascii_lowercase()).or_insert_with(List::default).extend(entries);
    }
    Ok(out)
}

/// One vulnerability or warning: what the report shows of it. The fields
/// are read leniently (a yanked crate has no advisory); only the entry itself
/// must be an object.
#[derive(Debug, Clone)]
struct Entry {
    id: Option<String>,
    package: String,
    version: Option<String>,
    title: Option<String>,
    cvss: Option<String>,
}

impl Entry {
    /// An entry (an object: see [`List`]), or as much of it as [`ENTRY`]
    /// keeps.
    fn of(value: &Value) -> Entry {
        let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(clean);
        Entry {
            id: text("/advisory/id"),
            package: text("/package/name")
                .or_else(|| text("/advisory/package"))
                .unwrap_or_else(|| "?".to_string()),
            version: text("/package/version"),
            title: text("/advisory/title"),
            cvss: text("/advisory/cvss"),
        }
    }

    fn package(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{v}", self.package),
            None => self.package.clone(),
        }
    }

    /// `RUSTSEC-2023-0071`, or the package when there is no advisory id.
    fn id(&self) -> String {
        format!("`{}`", self.id.clone().unwrap_or_else(|| self.package()))
    }

    /// `RUSTSEC-2023-0071` (`rsa@0.9.8`), for one-line lists.
    fn short(&self) -> String {
        match &self.id {
            Some(id) => format!("`{id}` (`{}`)", self.package()),
            None => format!("`{}`", self.package()),
        }
    }

    fn finding(&self, label: &str) -> String {
        let mut s = format!("{label} ");
        if let Some(id) = &self.id {
            s.push_str(&format!("`{id}` in "));
        }
        s.push_str(&format!("`{}`", self.package()));
        if let Some(vector) = &self.cvss {
            s.push_str(&format!(" (`{vector}`)"));
        }
        if let Some(title) = &self.title {
            s.push_str(&format!(": {title}"));
        }
        line(&s)
    }
}

/// The first `max` of `total` items (`items` their first ones) joined, and
/// how many more there are.
fn list_some(items: &[String], total: u64, max: usize) -> String {
    let shown = items.iter().take(max).cloned().collect::<Vec<_>>().join(", ");
    match total.saturating_sub(u64::try_from(max).unwrap_or(u64::MAX)) {
        0 => shown,
        rest => format!("{shown} and {rest} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::escape::MAX_LINE;
    use serde_json::json;

    /// Runs the rule and compares the verdict: `passed`, `not_passed: <text
    /// each reason line must contain, joined by " | ">`, or `invalid: <text
    /// the error must contain>`. Returns the outcome for further checks.
    fn check_case(doc: Value, policy: &FormatPolicy, expected: &str) -> Outcome {
        assert!(detect(&doc) || expected.starts_with("invalid"), "not detected: {doc}");
        super::super::testing::expect_case(check(&doc, policy), expected)
    }

    fn report(vulns: Value, warnings: Value) -> Value {
        json!({
            "database": {"advisory-count": 10, "last-commit": "abc", "last-updated": "2025-01-01T00:00:00Z"},
            "lockfile": {"dependency-count": 42},
            "settings": {"target_arch": [], "target_os": [], "severity": null, "ignore": [],
                         "informational_warnings": ["unmaintained", "unsound", "notice"]},
            "vulnerabilities": vulns,
            "warnings": warnings,
        })
    }

    fn vuln(id: &str, pkg: &str, version: &str, cvss: Value) -> Value {
        json!({
            "advisory": {"id": id, "package": pkg, "title": format!("bad thing in {pkg}"), "cvss": cvss},
            "versions": {"patched": [], "unaffected": []},
            "affected": null,
            "package": {"name": pkg, "version": version},
        })
    }

    fn warning(kind: &str, id: Option<&str>, pkg: &str) -> Value {
        let advisory = match id {
            Some(id) => {
                json!({"id": id, "package": pkg, "title": format!("{pkg} is {kind}"), "cvss": null})
            }
            None => Value::Null,
        };
        json!({"kind": kind, "package": {"name": pkg, "version": "1.0.0"}, "advisory": advisory})
    }

    fn clean_vulns() -> Value {
        json!({"found": false, "count": 0, "list": []})
    }

    #[test]
    fn detects_reports_only() {
        assert!(detect(&report(clean_vulns(), json!({}))));
        assert!(!detect(&json!({"vulnerabilities": {}})));
        assert!(!detect(&json!({"database": {}, "vulnerabilities": []})));
        assert!(!detect(&json!([1, 2])));
    }

    #[test]
    fn clean_report_passes_with_counts() {
        let out = check_case(report(clean_vulns(), json!({})), &FormatPolicy::default(), "passed");
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.counts.get("vulnerabilities.total"), Some(&0));
        assert_eq!(out.counts.get("warnings.unsound"), Some(&0));
        assert_eq!(out.counts.get("dependencies"), Some(&42));
        assert!(out.findings.is_empty());
    }

    #[test]
    fn any_listed_vulnerability_blocks() {
        let vulns = json!({"found": true, "count": 2, "list": [
            vuln("RUSTSEC-2023-0071", "rsa", "0.9.8", json!("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N")),
            vuln("RUSTSEC-2026-0001", "quinn-proto", "0.11.13", json!("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N")),
        ]});
        let out = check_case(
            report(vulns, json!({})),
            &FormatPolicy::default(),
            "not_passed: 2 vulnerabilities (any vulnerability blocks): `RUSTSEC-2023-0071`, `RUSTSEC-2026-0001`",
        );
        assert_eq!(out.counts.get("vulnerabilities.total"), Some(&2));
        assert_eq!(
            out.findings[0],
            "vulnerability `RUSTSEC-2023-0071` in `rsa@0.9.8` (`CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N`): bad thing in rsa"
        );
        assert!(out.findings[1].contains("(`CVSS:4.0/AV:N/AC:L/"), "{}", out.findings[1]);
    }

    #[test]
    fn vulnerability_without_found_or_count_still_blocks() {
        let vulns = json!({"list": [vuln("RUSTSEC-2020-0001", "a", "1.0.0", Value::Null)]});
        check_case(
            report(vulns, json!({})),
            &FormatPolicy::default(),
            "not_passed: 1 vulnerability",
        );
    }

    #[test]
    fn count_above_zero_with_empty_list_blocks() {
        let vulns = json!({"found": true, "count": 3, "list": []});
        check_case(
            report(vulns, json!({})),
            &FormatPolicy::default(),
            "not_passed: `vulnerabilities.count` is 3 but `vulnerabilities.list` is empty",
        );
    }

    #[test]
    fn found_alone_blocks() {
        let vulns = json!({"found": true, "count": 0, "list": []});
        check_case(
            report(vulns, json!({})),
            &FormatPolicy::default(),
            "not_passed: `vulnerabilities.found` is true but `count` is 0 and `list` is empty: cargo-audit found vulnerabilities it does not list",
        );
    }

    #[test]
    fn found_false_with_vulnerabilities_warns_and_blocks() {
        let vulns = json!({"found": false, "count": 1, "list": [vuln("RUSTSEC-2020-0001", "a", "1.0.0", Value::Null)]});
        let out = check_case(
            report(vulns, json!({})),
            &FormatPolicy::default(),
            "not_passed: 1 vulnerability",
        );
        assert!(out.warnings.iter().any(|w| w.contains("`vulnerabilities.found` is false")));
    }

    #[test]
    fn count_disagreeing_with_list_warns() {
        let vulns = json!({"found": true, "count": 5, "list": [vuln("RUSTSEC-2020-0001", "a", "1.0.0", Value::Null)]});
        let out = check_case(
            report(vulns, json!({})),
            &FormatPolicy::default(),
            "not_passed: 1 vulnerability",
        );
        assert_eq!(out.counts.get("vulnerabilities.total"), Some(&5));
        assert!(out.warnings.iter().any(|w| w.contains("is 5 but `vulnerabilities.list` has 1")));
    }

    #[test]
    fn unsound_warns_by_default() {
        let warnings = json!({"unsound": [warning("unsound", Some("RUSTSEC-2021-0145"), "atty")]});
        let out = check_case(report(clean_vulns(), warnings), &FormatPolicy::default(), "passed");
        assert_eq!(out.counts.get("warnings.unsound"), Some(&1));
        assert!(out.warnings[0].contains("`audit_block_unsound` is off"), "{:?}", out.warnings);
        assert_eq!(out.findings, ["unsound `RUSTSEC-2021-0145` in `atty@1.0.0`: atty is unsound"]);
    }

    #[test]
    fn unsound_blocks_when_policy_says_so() {
        let policy = FormatPolicy { audit_block_unsound: true, ..FormatPolicy::default() };
        let warnings = json!({"unsound": [warning("unsound", Some("RUSTSEC-2021-0145"), "atty")]});
        check_case(
            report(clean_vulns(), warnings),
            &policy,
            "not_passed: 1 `unsound` warning (`audit_block_unsound` is on): `RUSTSEC-2021-0145` (`atty@1.0.0`)",
        );
    }

    #[test]
    fn unsound_not_collected_is_named_when_policy_blocks_it() {
        let policy = FormatPolicy { audit_block_unsound: true, ..FormatPolicy::default() };
        let mut doc = report(clean_vulns(), json!({}));
        doc["settings"]["informational_warnings"] = json!(["unmaintained"]);
        let out = check_case(doc, &policy, "passed");
        assert!(out.warnings.iter().any(|w| w.contains("lacks `unsound`")), "{:?}", out.warnings);
    }

    #[test]
    fn other_kinds_are_warnings_and_findings_are_ordered() {
        let warnings = json!({
            "notice": [warning("notice", Some("RUSTSEC-2024-0001"), "n")],
            "unmaintained": [warning("unmaintained", Some("RUSTSEC-2024-0388"), "derivative"),
                             warning("unmaintained", Some("RUSTSEC-2024-0436"), "paste")],
            "unsound": [warning("unsound", Some("RUSTSEC-2021-0145"), "atty")],
            "yanked": [warning("yanked", None, "y")],
        });
        let vulns = json!({"found": true, "count": 1, "list": [vuln("RUSTSEC-2020-0001", "a", "1.0.0", Value::Null)]});
        let out = check_case(
            report(vulns, warnings),
            &FormatPolicy::default(),
            "not_passed: 1 vulnerability",
        );
        assert_eq!(out.counts.get("warnings.unmaintained"), Some(&2));
        assert_eq!(out.counts.get("warnings.yanked"), Some(&1));
        assert_eq!(out.counts.get("warnings.notice"), Some(&1));
        assert_eq!(
            out.findings,
            [
                "vulnerability `RUSTSEC-2020-0001` in `a@1.0.0`: bad thing in a",
                "unsound `RUSTSEC-2021-0145` in `atty@1.0.0`: atty is unsound",
                "yanked `y@1.0.0`",
                "unmaintained `RUSTSEC-2024-0388` in `derivative@1.0.0`: derivative is unmaintained",
                "unmaintained `RUSTSEC-2024-0436` in `paste@1.0.0`: paste is unmaintained",
            ]
        );
        assert!(out.warnings.contains(
            &"2 `unmaintained` warnings: `RUSTSEC-2024-0388` (`derivative@1.0.0`), `RUSTSEC-2024-0436` (`paste@1.0.0`)"
                .to_string()
        ));
    }

    #[test]
    fn unknown_warning_kind_is_a_warning() {
        let warnings = json!({"malicious-ish": [warning("x", Some("RUSTSEC-2030-0001"), "z")]});
        let out = check_case(report(clean_vulns(), warnings), &FormatPolicy::default(), "passed");
        assert_eq!(out.counts.get("warnings.other"), Some(&1));
        assert!(out.warnings[0].starts_with("1 `malicious-ish` warning"), "{:?}", out.warnings);
    }

    #[test]
    fn ignored_advisories_and_severity_filter_are_named() {
        let mut doc = report(clean_vulns(), json!({}));
        doc["settings"]["ignore"] = json!(["RUSTSEC-2024-0388", "RUSTSEC-2024-0436"]);
        doc["settings"]["severity"] = json!("high");
        let out = check_case(doc, &FormatPolicy::default(), "passed");
        assert_eq!(out.counts.get("settings.ignore"), Some(&2));
        assert!(
            out.warnings.iter().any(|w| w.contains("ignored 2 advisories")),
            "{:?}",
            out.warnings
        );
        assert!(out.warnings.iter().any(|w| w.contains("`settings.severity` is `high`")));
    }

    #[test]
    fn findings_are_capped_and_one_line() {
        let list: Vec<Value> = (0..8)
            .map(|i| {
                let mut v = vuln(&format!("RUSTSEC-2020-000{i}"), "p", "1.0.0", Value::Null);
                v["advisory"]["title"] = json!(format!("line\nbreak {}", "x".repeat(400)));
                v
            })
            .collect();
        let out = check_case(
            report(json!({"found": true, "count": 8, "list": list}), json!({})),
            &FormatPolicy::default(),
            "not_passed: 8 vulnerabilities (any vulnerability blocks): `RUSTSEC-2020-0000`, `RUSTSEC-2020-0001`, `RUSTSEC-2020-0002`, `RUSTSEC-2020-0003`, `RUSTSEC-2020-0004` and 3 more",
        );
        assert_eq!(out.findings.len(), MAX_FINDINGS);
        for f in out.findings.iter().chain(&out.reasons) {
            assert!(f.chars().count() <= MAX_LINE && !f.contains('\n'), "{f}");
        }
    }

    #[test]
    fn wrong_shapes_are_invalid() {
        let p = FormatPolicy::default();
        let mut doc = report(clean_vulns(), json!({}));
        doc["vulnerabilities"]["list"] = json!(42);
        check_case(doc, &p, "invalid: `vulnerabilities.list` is a number, expected an array");
        let mut doc = report(clean_vulns(), json!({}));
        doc["vulnerabilities"]["count"] = json!(-1);
        check_case(
            doc,
            &p,
            "invalid: `vulnerabilities.count` is `-1`, expected a non-negative integer",
        );
        let mut doc = report(clean_vulns(), json!({}));
        doc["vulnerabilities"]["found"] = json!("yes");
        check_case(doc, &p, "invalid: `vulnerabilities.found` is a string, expected a boolean");
        let doc = report(json!({"found": false, "count": 0}), json!({}));
        check_case(doc, &p, "invalid: `vulnerabilities.list` is missing");
        let doc = report(json!({"list": [1]}), json!({}));
        check_case(doc, &p, "invalid: `vulnerabilities.list[0]` is a number, expected an object");
        let doc = report(clean_vulns(), json!([]));
        check_case(
            doc,
            &p,
            "invalid: `warnings` is an array, expected an object keyed by warning kind",
        );
        let doc = report(clean_vulns(), json!({"unsound": {}}));
        check_case(doc, &p, "invalid: `warnings.unsound` is an object, expected an array");
        let doc = report(clean_vulns(), json!({"yanked": [null]}));
        check_case(doc, &p, "invalid: `warnings.yanked[0]` is null, expected an object");
        check_case(json!("x"), &p, "invalid: the document is a string, expected an object");
    }

    #[test]
    fn hostile_values_do_not_panic() {
        let p = FormatPolicy { audit_block_unsound: true, ..FormatPolicy::default() };
        let hostile = [
            json!({"database": {}, "vulnerabilities": {"list": [{}], "count": 1e308}}),
            json!({"database": {}, "vulnerabilities": {"list": [{"advisory": 1, "package": []}]}}),
            json!({"database": {}, "vulnerabilities": {"list": [], "count": u64::MAX}, "settings": {"ignore": [1, null], "severity": 3, "informational_warnings": 7}}),
            json!({"database": {}, "vulnerabilities": {"list": [{"advisory": {"cvss": "CVSS:3.1/AV:X"}}]}, "lockfile": {"dependency-count": -4}}),
        ];
        for doc in hostile {
            let _ = check(&doc, &p);
        }
    }
}
