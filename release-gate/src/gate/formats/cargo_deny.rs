//! Understand the format: `cargo deny --format json check` output, the JSON
//! records cargo-deny writes to stderr, one per line:
//! - `{"type":"diagnostic","fields":{"severity":"error","code":"...","message":"...",
//!   "labels":[...],"graphs":[...]}}`, one per finding (severity `error`,
//!   `warning`, `note`, `help` or `bug`);
//! - `{"type":"summary","fields":{"advisories":{"errors":0,"warnings":0,"notes":0,"helps":0},
//!   "bans":{...},"licenses":{...},"sources":{...}}}`, the last line, with
//!   one entry per check that ran; cargo-deny exits non-zero exactly when one
//!   of them has `errors > 0`;
//! - `{"type":"log","fields":{"timestamp":"...","level":"ERROR","message":"..."}}`.
//!
//! The reader also accepts the same records pretty-printed over several lines,
//! and arrays of records (as test snapshots store them): the text is read as
//! a stream of JSON values separated by white space, each judged on its own,
//! and the worst wins. Fail closed: a line that is not JSON, a JSON value
//! that is not a cargo-deny record (the gate's own evidence, a SARIF log, a
//! cargo-audit report...) and a record of an unknown `type` make the whole
//! file invalid, never "skipped": a stream holds one tool's output.
//!
//! Blocking: a check whose summary has `errors > 0`; a diagnostic at severity
//! `error` (or `bug`); no summary record, since cargo-deny writes it only when
//! the run finishes.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use release_gate_scan::checked::is_duplicate;

use super::provenance::Found;
use super::{kind as kind_of, required, shown_value, FormatPolicy, Outcome, MAX_FINDINGS};
use crate::gate::escape::{self, bounded, clip_line, count, len64, line};

/// The per-check counters of a summary, in report order.
const STAT_KEYS: [&str; 4] = ["errors", "warnings", "notes", "helps"];

/// Does this text look like `cargo deny --format json` output? True when at
/// least one JSON value in it is an object with `type` `diagnostic` or
/// `summary` and a `fields` object (or an array holding one).
pub fn detect(text: &str) -> bool {
    let mut found = false;
    scan(text, 1, |item| {
        if let Item::Value { value, .. } = item {
            found = holds_record(&value);
        }
        !found
    });
    found
}

/// A record, or an array holding one.
fn holds_record(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(is_record),
        other => is_record(other),
    }
}

/// The cargo-deny rule over one run's output (see the module documentation).
/// `Err` when a record has the wrong shape, such as a summary count that is
/// not a non-negative integer.
pub fn check(text: &str, _policy: &FormatPolicy) -> Result<Outcome, String> {
    let mut run = Run::default();
    let mut failure = None;
    scan(text, 1, |item| {
        failure = run.item(item).err();
        failure.is_none()
    });
    match failure {
        Some(e) => Err(e),
        None => Ok(run.outcome()),
    }
}

/// The `type` of a record: a string `type` member of an object.
fn record_type(value: &Value) -> Option<&str> {
    value.get("type").and_then(Value::as_str)
}

pub(super) fn is_record(value: &Value) -> bool {
    matches!(value.get("type").and_then(Value::as_str), Some("diagnostic" | "summary"))
        && value.get("fields").is_some_and(Value::is_object)
}

/// One piece of the text: a JSON value, or a line that is not JSON.
enum Item {
    Value {
        value: Value,
        line: usize,
    },
    /// A line that is not JSON, with the parser's error when a value
    /// started there but did not parse.
    Skipped {
        line: usize,
        why: Option<String>,
        /// The value ran into the end of the text.
        eof: bool,
    },
}

/// Walks the text as a stream of JSON values separated by white space. A
/// value must start a line's content with `{` or `[`; anything else up to
/// the end of its line is skipped, and so are the lines of a value that does
/// not parse, up to the line where it went wrong. `visit` returns whether to
/// go on. Each byte is parsed at most twice. `line`: the number of the
/// text's first line.
fn scan(text: &str, mut line: usize, mut visit: impl FnMut(Item) -> bool) {
    let mut pos = 0;
    while let Some(rest) = text.get(pos..) {
        // Skip white space, counting lines.
        let trimmed = rest.trim_start_matches(|c: char| {
            if c == '\n' {
                line += 1;
            }
            matches!(c, ' ' | '\t' | '\r' | '\n')
        });
        pos += rest.len() - trimmed.len();
        if trimmed.is_empty() {
            return;
        }
        let mut skip_lines = 1;
        let mut why = None;
        let mut eof = false;
        if trimmed.starts_with(['{', '[']) {
            match release_gate_scan::records::pruned_first_value(trimmed) {
                Some((Ok(value), used)) => {
                    let start_line = line;
                    line += trimmed.get(..used).map_or(0, |s| s.matches('\n').count());
                    pos += used;
                    if !visit(Item::Value { value, line: start_line }) {
                        return;
                    }
                    // The rest of the line must be white space or another value.
                    continue;
                }
                // Skip the lines of the broken value, up to the error.
                Some((Err(e), _)) => {
                    skip_lines = e.line().max(1);
                    eof = e.is_eof();
                    why = Some(e.to_string());
                }
                None => {}
            }
        }
        for _ in 0..skip_lines {
            let Some(rest) = text.get(pos..) else { return };
            let end = rest.find('\n').map_or(rest.len(), |i| i + 1);
            let blank = rest.get(..end).is_some_and(|l| l.trim().is_empty());
            if !blank && !visit(Item::Skipped { line, why: why.take(), eof }) {
                return;
            }
            pos += end;
            line += 1;
            if end == 0 {
                return;
            }
        }
    }
}

/// The summary counters of one check.
#[derive(Debug, Default, Clone, Copy)]
struct Stats {
    errors: u64,
    warnings: u64,
    notes: u64,
    helps: u64,
}

/// What the whole output showed.
#[derive(Debug, Default)]
struct Run {
    summaries: u64,
    /// Check name -> counters, summed over summary records.
    checks: BTreeMap<String, Stats>,
    /// Severity -> number of diagnostics.
    severities: BTreeMap<String, u64>,
    error_findings: Vec<String>,
    warning_findings: Vec<String>,
    log_errors: Vec<String>,
    log_error_count: u64,
}

impl Run {
    /// One piece of the stream: a value judged, or why the stream is invalid.
    fn item(&mut self, item: Item) -> Result<(), String> {
        match item {
            Item::Skipped { line, why: Some(why), .. } => Err(format!(
                "line {line} is not a cargo-deny record: {why}; every line of the stream must be one"
            )),
            Item::Skipped { line, why: None, .. } => Err(format!(
                "line {line} is not JSON; every line of a cargo-deny stream must be one of its JSON records"
            )),
            Item::Value { value, line } => self.value(value, line),
        }
    }

    fn value(&mut self, value: Value, line: usize) -> Result<(), String> {
        match value {
            Value::Array(items) if items.iter().all(|i| record_type(i).is_some()) => {
                for item in items {
                    self.record(item, line)?;
                }
                Ok(())
            }
            Value::Object(_) if record_type(&value).is_some() => self.record(value, line),
            _ => Err(format!(
                "the JSON value at line {line} is not a cargo-deny record (an object with a `type` and `fields`); every line of the stream must be one"
            )),
        }
    }

    /// One record starting at `line`: an object with a string `type`. Only
    /// the types cargo-deny writes must have the right shape; any other type
    /// makes the stream invalid.
    fn record(&mut self, value: Value, line: usize) -> Result<(), String> {
        let at = |what: String| format!("record at line {line}: {what}");
        let kind = record_type(&value).unwrap_or_default();
        if !matches!(kind, "diagnostic" | "summary" | "log") {
            return Err(at(format!(
                "`type` is `{}`, expected `diagnostic`, `summary` or `log`",
                clip_line(kind, 40)
            )));
        }
        let fields =
            required(value.get("fields"), "`fields`", "an object", Value::as_object).map_err(at)?;
        match kind {
            "diagnostic" => self.diagnostic(fields).map_err(at),
            "summary" => self.summary(fields).map_err(at),
            _ => {
                self.log(fields);
                Ok(())
            }
        }
    }

    fn diagnostic(&mut self, fields: &Map<String, Value>) -> Result<(), String> {
        let severity =
            required(fields.get("severity"), "`fields.severity`", "a string", Value::as_str)?
                .to_lowercase();
        let known = ["error", "warning", "note", "help", "bug"];
        let key =
            if known.contains(&severity.as_str()) { severity.clone() } else { "other".into() };
        let n = self.severities.entry(key).or_default();
        *n = n.saturating_add(1);

        let list = match severity.as_str() {
            "error" | "bug" => &mut self.error_findings,
            "warning" => &mut self.warning_findings,
            _ => return Ok(()),
        };
        if list.len() < MAX_FINDINGS {
            list.push(diagnostic_line(&severity, fields));
        }
        Ok(())
    }

    /// A diagnostic of `severity` (lowercase) counted, when that is all
    /// [`Run::diagnostic`] would do with it: its findings list is full.
    fn count_only(&mut self, severity: &str) -> bool {
        let list = match severity {
            "error" | "bug" => Some(&self.error_findings),
            "warning" => Some(&self.warning_findings),
            _ => None,
        };
        if list.is_some_and(|list| list.len() < MAX_FINDINGS) {
            return false;
        }
        match self.severities.get_mut(severity) {
            Some(n) => *n = n.saturating_add(1),
            None => {
                self.severities.insert(severity.to_string(), 1);
            }
        }
        true
    }

    fn summary(&mut self, fields: &Map<String, Value>) -> Result<(), String> {
        self.summaries = self.summaries.saturating_add(1);
        for (check, stats) in fields {
            let path = |key: &str| format!("`fields.{}{key}`", clip_line(check, 40));
            if !is_check_name(check) {
                return Err(format!("{} is not a check name", path("")));
            }
            let Value::Object(stats) = stats else {
                return Err(format!("{} is {}, expected an object", path(""), kind_of(stats)));
            };
            let mut counts = [0u64; 4];
            for (slot, key) in counts.iter_mut().zip(STAT_KEYS) {
                *slot = match stats.get(key) {
                    None if key != "errors" => 0,
                    None => return Err(format!("{} is missing", path(".errors"))),
                    Some(v) => v.as_u64().ok_or_else(|| {
                        format!(
                            "{} is {}, expected a non-negative integer",
                            path(&format!(".{key}")),
                            shown_value(v)
                        )
                    })?,
                };
            }
            let [errors, warnings, notes, helps] = counts;
            let entry = self.checks.entry(check.clone()).or_default();
            entry.errors = entry.errors.saturating_add(errors);
            entry.warnings = entry.warnings.saturating_add(warnings);
            entry.notes = entry.notes.saturating_add(notes);
            entry.helps = entry.helps.saturating_add(helps);
        }
        Ok(())
    }

    fn log(&mut self, fields: &Map<String, Value>) {
        let level = fields.get("level").and_then(Value::as_str).unwrap_or_default();
        if level.eq_ignore_ascii_case("error") {
            self.log_error_count = self.log_error_count.saturating_add(1);
            if self.log_errors.len() < MAX_FINDINGS {
                let message = fields.get("message").and_then(Value::as_str).unwrap_or_default();
                self.log_errors.push(line(&format!("log error: {message}")));
            }
        }
    }

    fn severity(&self, s: &str) -> u64 {
        self.severities.get(s).copied().unwrap_or(0)
    }

    /// A failed check, an error or bug diagnostic, no summary, or a summary
    /// of no check.
    fn reasons(&self) -> Vec<String> {
        let mut reasons = Vec::new();
        for (check, stats) in self.checks.iter().filter(|(_, s)| s.errors > 0) {
            reasons.push(format!(
                "`{check}` check failed: {} in the summary",
                count(stats.errors, "error", "errors")
            ));
        }
        for level in ["error", "bug"] {
            let n = self.severity(level);
            if n > 0 {
                reasons.push(format!(
                    "{} at severity `{level}`",
                    count(n, "diagnostic", "diagnostics")
                ));
            }
        }
        if self.summaries == 0 {
            reasons.push("no summary line: the cargo-deny run did not finish".into());
        } else if self.checks.is_empty() {
            // A summary of no check: cargo-deny checked nothing.
            reasons.push("the summary lists no check: cargo-deny checked nothing".into());
        }
        reasons
    }

    /// Several runs, summary warnings, warning diagnostics, log errors.
    fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.summaries > 1 {
            warnings.push(format!(
                "{} summary lines: the output holds several runs; their counts are added up",
                self.summaries
            ));
        }
        let warning_checks: Vec<String> = self
            .checks
            .iter()
            .filter(|(_, s)| s.warnings > 0)
            .map(|(check, s)| format!("`{check}` {}", s.warnings))
            .collect();
        if !warning_checks.is_empty() {
            warnings.push(format!("summary warnings: {}", warning_checks.join(", ")));
        }
        let n = self.severity("warning");
        if n > 0 {
            warnings
                .push(format!("{} at severity `warning`", count(n, "diagnostic", "diagnostics")));
        }
        if self.log_error_count > 0 {
            warnings.push(format!(
                "{} at level `ERROR`",
                count(self.log_error_count, "log line", "log lines")
            ));
        }
        warnings
    }

    fn outcome(self) -> Outcome {
        let mut out =
            Outcome { reasons: self.reasons(), warnings: self.warnings(), ..Outcome::default() };
        for (check, stats) in &self.checks {
            let values = [stats.errors, stats.warnings, stats.notes, stats.helps];
            for (key, value) in STAT_KEYS.iter().zip(values) {
                out.counts.insert(format!("{check}.{key}"), value);
            }
        }
        let (errors, warnings) = (self.severity("error"), self.severity("warning"));
        out.counts.insert("diagnostics.error".into(), errors);
        out.counts.insert("diagnostics.warning".into(), warnings);
        for (severity, n) in &self.severities {
            out.counts.insert(format!("diagnostics.{severity}"), *n);
        }
        out.findings = self
            .error_findings
            .into_iter()
            .chain(self.log_errors)
            .chain(self.warning_findings)
            .take(MAX_FINDINGS)
            .collect();
        // Never a silent cut: say how many more the file holds.
        let total = errors.saturating_add(warnings).saturating_add(self.log_error_count);
        let shown = len64(&out.findings);
        if total > shown {
            out.findings.push(format!(
                "and {} more error/warning diagnostic(s) in the file",
                total.saturating_sub(shown)
            ));
        }
        out
    }
}

/// ``error `vulnerability` RUSTSEC-2019-0001 in `ammonia 0.7.0`: message``.
fn diagnostic_line(severity: &str, fields: &Map<String, Value>) -> String {
    let mut line = severity.to_string();
    if let Some(code) = fields.get("code").and_then(Value::as_str) {
        line.push_str(&format!(" `{}`", clip_line(code, 40)));
    }
    let advisory = fields.get("advisory").and_then(|a| a.get("id")).and_then(Value::as_str);
    if let Some(id) = advisory {
        line.push_str(&format!(" {}", clip_line(id, 40)));
    }
    let krate = fields
        .get("graphs")
        .and_then(|g| g.get(0))
        .and_then(|g| g.get("Krate"))
        .and_then(|k| Some((k.get("name")?.as_str()?, k.get("version")?.as_str()?)));
    if let Some((name, version)) = krate {
        line.push_str(&format!(" in `{} {}`", clip_line(name, 60), clip_line(version, 30)));
    }
    let message = fields.get("message").and_then(Value::as_str).unwrap_or_default();
    if !message.is_empty() {
        line.push_str(": ");
        line.push_str(message);
    }
    // What the diagnostic points at (a license expression such as
    // `GPL-3.0`, a source, a banned version), each once.
    let mut spans: Vec<&str> = Vec::new();
    for label in fields.get("labels").and_then(Value::as_array).into_iter().flatten() {
        if let Some(span) = label.get("span").and_then(Value::as_str) {
            let span = span.trim();
            if !span.is_empty() && !spans.contains(&span) {
                spans.push(span);
            }
        }
    }
    if !spans.is_empty() {
        let shown: Vec<String> = spans.iter().map(|s| format!("`{}`", clip_line(s, 60))).collect();
        line.push_str(&format!(" ({})", shown.join(", ")));
    }
    escape::line(&line)
}

/// Check names become count keys: lowercase ASCII letters, digits, `-`, `_`.
fn is_check_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// The gate's own fields (`provenance`, `release`, `commit`,
/// `generated_at`) at the top level of every record of the stream.
pub fn provenance(text: &str) -> Found {
    let mut found = Found::default();
    scan(text, 1, |item| {
        if let Item::Value { value, .. } = item {
            own_fields(&mut found, &value);
        }
        true
    });
    found
}

/// The gate's own fields of a record, or of each record of an array.
fn own_fields(found: &mut Found, value: &Value) {
    let records = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    for record in records.into_iter().filter_map(Value::as_object) {
        found.own_fields(record);
    }
}

/// The longest line of a cargo-deny stream read line by line (a file over
/// `max-parse-bytes`): cargo-deny's records are kilobytes; a line over this
/// is not read, so one line cannot take the memory.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// How far a line is held before its start must show that it can be a
/// cargo-deny record ([`release_gate_scan::records::may_start_record`]):
/// every file over `max-parse-bytes` goes through the splitter, and a
/// one-line SARIF log or evidence file must not cost [`MAX_LINE_BYTES`].
pub const PREFIX_BYTES: usize = 64 << 10;

/// The splitter of a stream read as cargo-deny's lines: at most
/// [`MAX_LINE_BYTES`] a line, and a line over [`PREFIX_BYTES`] only when it
/// can start a record.
pub fn splitter() -> release_gate_scan::lines::Lines {
    release_gate_scan::lines::Lines::new(MAX_LINE_BYTES)
        .holding(PREFIX_BYTES, release_gate_scan::records::may_start_record)
}

/// cargo-deny's JSON lines read one line at a time, for a file over
/// `max-parse-bytes`: the same detection, duplicate-key check, rule and
/// provenance as [`detect`], `duplicate_in_records`, [`check`] and
/// [`provenance`] over the whole text, for a stream whose values each stand
/// on one line. Anything else (a value over several lines, two on one line,
/// a line over [`MAX_LINE_BYTES`]) is undecided: never judged.
#[derive(Debug)]
pub struct Lines {
    /// The number of the last line read.
    line: usize,
    run: Run,
    failure: Option<String>,
    /// A record was seen ([`detect`]).
    pub detected: bool,
    pub found: Found,
    /// Every line so far is whole JSON values: a stream parse of the text
    /// reaches the next line (the first of `duplicate_in_records`' checks).
    values_so_far: bool,
    /// The first repeated key a stream parse of the whole text meets.
    duplicate_in_stream: Option<String>,
    /// The first line-by-line repeated key (the second check).
    duplicate_in_line: Option<String>,
    /// Why the stream is not read line by line.
    pub undecided: Option<String>,
}

impl Default for Lines {
    fn default() -> Self {
        Lines {
            line: 0,
            run: Run::default(),
            failure: None,
            detected: false,
            found: Found::default(),
            values_so_far: true,
            duplicate_in_stream: None,
            duplicate_in_line: None,
            undecided: None,
        }
    }
}

impl Lines {
    /// One line (without its `\n`; `ended`: a `\n` ended it); whether to go on.
    pub fn line(&mut self, bytes: &[u8], ended: bool) -> bool {
        self.line = self.line.saturating_add(1);
        let bytes = match self.line {
            1 => bytes.strip_prefix(release_gate_scan::evidence::UTF8_BOM).unwrap_or(bytes),
            _ => bytes,
        };
        // Invalid UTF-8 is the file's error, whatever the lines say.
        let Ok(text) = std::str::from_utf8(bytes) else {
            return self.undecided("a line is not UTF-8");
        };
        // Most lines of a long run: a diagnostic only counted (its findings
        // list is full), as `scan` and `Run::diagnostic` would count it.
        if let Some(severity) = release_gate_scan::records::plain_diagnostic(text) {
            if self.failure.is_some() || self.run.count_only(severity) {
                self.detected = true;
                return true;
            }
        }
        let trimmed = text.trim_start_matches([' ', '\t', '\r']);
        if !trimmed.starts_with(['{', '[']) {
            return self.slow_line(text, ended);
        }
        if let Some(value) = release_gate_scan::records::pruned_record(trimmed) {
            // What `scan` and `duplicates` below make of a line that is one
            // whole JSON value without a repeated key.
            self.detected |= holds_record(&value);
            own_fields(&mut self.found, &value);
            if self.failure.is_none() {
                self.failure = self.run.item(Item::Value { value, line: self.line }).err();
            }
            return true;
        }
        self.slow_line(text, ended)
    }

    /// One line read as `scan` reads the whole text.
    fn slow_line(&mut self, text: &str, ended: bool) -> bool {
        self.duplicates(text, ended);
        let mut values = 0usize;
        let mut skipped = false;
        let mut split = false;
        scan(text, self.line, |item| {
            match &item {
                Item::Value { value, .. } => {
                    values = values.saturating_add(1);
                    self.detected |= holds_record(value);
                    own_fields(&mut self.found, value);
                }
                Item::Skipped { eof, .. } => {
                    skipped = true;
                    split |= *eof && ended;
                }
            }
            if self.failure.is_none() {
                self.failure = self.run.item(item).err();
            }
            true
        });
        if split || values > 1 {
            let line = self.line;
            return self
                .undecided(&format!("line {line} does not hold exactly one whole JSON value"));
        }
        self.values_so_far &= !skipped;
        true
    }

    /// `duplicate_in_records`' two checks, on this line.
    fn duplicates(&mut self, text: &str, ended: bool) {
        let in_lines = if ended { text.strip_suffix('\r').unwrap_or(text) } else { text };
        let trimmed = in_lines.trim_start();
        if !trimmed.starts_with(['{', '[']) {
            return;
        }
        let Some(e) = release_gate_scan::checked::checked_json(trimmed).err().filter(is_duplicate)
        else {
            return;
        };
        let line = self.line;
        let json_space = in_lines.trim_start_matches([' ', '\t', '\r']).len() == trimmed.len();
        if self.values_so_far && json_space && self.duplicate_in_stream.is_none() {
            let message = e.to_string();
            let at = format!(" at line {} column {}", e.line(), e.column());
            let lead = in_lines.len().saturating_sub(trimmed.len());
            let column = e.column().saturating_add(lead);
            let what = message.strip_suffix(&at).unwrap_or(&message);
            self.duplicate_in_stream =
                Some(bounded(&format!("{what} at line {line} column {column}")));
        }
        if self.duplicate_in_line.is_none() {
            self.duplicate_in_line = Some(bounded(&format!("duplicate key on line {line}: {e}")));
        }
    }

    /// The splitter stopped before the end: the line after the last one
    /// read went over [`MAX_LINE_BYTES`], or over [`PREFIX_BYTES`] without
    /// starting as a record can.
    pub fn split_stopped(&mut self, split: &release_gate_scan::lines::Lines) {
        let line = self.line.saturating_add(1);
        if split.over_cap {
            self.undecided(&format!("line {line} is longer than {MAX_LINE_BYTES} bytes"));
        } else if split.gave_up {
            self.undecided(&format!("line {line} is longer than {PREFIX_BYTES} bytes and does not start as a cargo-deny record does (`{{\"fields\"` or `{{\"type\"`)"));
        }
    }

    fn undecided(&mut self, why: &str) -> bool {
        self.undecided = Some(why.to_string());
        false
    }

    /// The stream's repeated key, as `duplicate_in_records` says it.
    pub fn duplicate(&self) -> Option<&String> {
        self.duplicate_in_stream.as_ref().or(self.duplicate_in_line.as_ref())
    }

    /// [`check`]'s outcome.
    pub fn outcome(self) -> Result<Outcome, String> {
        match self.failure {
            Some(e) => Err(e),
            None => Ok(self.run.outcome()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::escape::MAX_LINE;

    const CLEAN_SUMMARY: &str = r#"{"type":"summary","fields":{"advisories":{"errors":0,"warnings":0,"notes":0,"helps":0},"bans":{"errors":0,"warnings":0,"notes":0,"helps":0}}}"#;

    struct Want<'a> {
        reasons: &'a [&'a str],
        warnings: &'a [&'a str],
        counts: &'a [(&'a str, u64)],
        findings: &'a [&'a str],
    }

    fn check_ok(input: &str, want: Want<'_>) {
        assert!(detect(input), "detect failed for {input}");
        let out = check(input, &FormatPolicy::default()).unwrap();
        assert_eq!(out.reasons, want.reasons, "reasons");
        assert_eq!(out.warnings, want.warnings, "warnings");
        for (key, value) in want.counts {
            assert_eq!(out.counts.get(*key), Some(value), "count {key} in {:?}", out.counts);
        }
        assert_eq!(out.findings, want.findings, "findings");
    }

    fn check_err(input: &str, want: &str) {
        assert_eq!(check(input, &FormatPolicy::default()), Err(want.to_string()));
    }

    fn diag(severity: &str, code: &str, message: &str) -> String {
        format!(
            r#"{{"type":"diagnostic","fields":{{"severity":"{severity}","code":"{code}","message":"{message}","labels":[],"graphs":[{{"Krate":{{"name":"foo","version":"1.2.3"}}}}]}}}}"#
        )
    }

    #[test]
    fn detects_records_only() {
        assert!(detect(CLEAN_SUMMARY));
        assert!(detect(&format!("2024 [INFO] starting\n{}", diag("error", "x", "m"))));
        assert!(detect(&format!("[{}]", diag("warning", "x", "m"))));
        assert!(!detect(r#"{"type":"log","fields":{"level":"INFO","message":"hi"}}"#));
        assert!(!detect(r#"{"type":"summary","fields":3}"#));
        assert!(!detect(r#"{"version":"2.1.0","runs":[]}"#));
        assert!(!detect("not json at all"));
        assert!(!detect(""));
    }

    #[test]
    fn clean_run_passes() {
        check_ok(
            CLEAN_SUMMARY,
            Want {
                reasons: &[],
                warnings: &[],
                counts: &[
                    ("advisories.errors", 0),
                    ("bans.helps", 0),
                    ("diagnostics.error", 0),
                    ("diagnostics.warning", 0),
                ],
                findings: &[],
            },
        );
    }

    #[test]
    fn summary_errors_and_error_diagnostics_block() {
        let input = format!(
            "{}\n{}\n{}\n{}\n",
            diag("error", "rejected", "failed to satisfy license requirements"),
            diag("warning", "duplicate", "found 2 duplicate entries for crate 'foo'"),
            diag("note", "n", "note"),
            r#"{"type":"summary","fields":{"bans":{"errors":0,"warnings":1,"notes":0,"helps":0},"licenses":{"errors":1,"warnings":0,"notes":1,"helps":0}}}"#
        );
        check_ok(
            &input,
            Want {
                reasons: &[
                    "`licenses` check failed: 1 error in the summary",
                    "1 diagnostic at severity `error`",
                ],
                warnings: &["summary warnings: `bans` 1", "1 diagnostic at severity `warning`"],
                counts: &[
                    ("licenses.errors", 1),
                    ("licenses.notes", 1),
                    ("bans.warnings", 1),
                    ("diagnostics.error", 1),
                    ("diagnostics.warning", 1),
                    ("diagnostics.note", 1),
                ],
                findings: &[
                    "error `rejected` in `foo 1.2.3`: failed to satisfy license requirements",
                    "warning `duplicate` in `foo 1.2.3`: found 2 duplicate entries for crate 'foo'",
                ],
            },
        );
    }

    #[test]
    fn summary_errors_block_even_without_diagnostics() {
        check_ok(
            r#"{"type":"summary","fields":{"advisories":{"errors":2,"warnings":0,"notes":0,"helps":0}}}"#,
            Want {
                reasons: &["`advisories` check failed: 2 errors in the summary"],
                warnings: &[],
                counts: &[("advisories.errors", 2)],
                findings: &[],
            },
        );
    }

    #[test]
    fn error_diagnostic_blocks_even_with_clean_summary() {
        let input = format!("{}\n{CLEAN_SUMMARY}\n", diag("error", "banned", "crate is banned"));
        check_ok(
            &input,
            Want {
                reasons: &["1 diagnostic at severity `error`"],
                warnings: &[],
                counts: &[("diagnostics.error", 1)],
                findings: &["error `banned` in `foo 1.2.3`: crate is banned"],
            },
        );
    }

    #[test]
    fn bug_severity_blocks() {
        let input = format!("{}\n{CLEAN_SUMMARY}\n", diag("bug", "internal", "oops"));
        check_ok(
            &input,
            Want {
                reasons: &["1 diagnostic at severity `bug`"],
                warnings: &[],
                counts: &[("diagnostics.bug", 1)],
                findings: &["bug `internal` in `foo 1.2.3`: oops"],
            },
        );
    }

    #[test]
    fn missing_summary_blocks() {
        check_ok(
            &diag("warning", "unmaintained", "crate is unmaintained"),
            Want {
                reasons: &["no summary line: the cargo-deny run did not finish"],
                warnings: &["1 diagnostic at severity `warning`"],
                counts: &[("diagnostics.warning", 1), ("diagnostics.error", 0)],
                findings: &["warning `unmaintained` in `foo 1.2.3`: crate is unmaintained"],
            },
        );
    }

    /// Every line is judged: one that is not a cargo-deny record (not
    /// JSON, the gate's own evidence, a SARIF log, a cargo-audit report, a
    /// value nested too deep, a record of an unknown type) makes the whole
    /// stream invalid, even when the last line is a clean summary.
    #[test]
    fn a_line_that_is_not_a_cargo_deny_record_makes_the_stream_invalid() {
        let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
        let cases = [
            ("2024-01-01 [WARN] something".to_string(), "line 1 is not JSON; every line of a cargo-deny stream must be one of its JSON records".to_string()),
            ("{broken json".to_string(), "line 1 is not a cargo-deny record: key must be a string at line 1 column 2; every line of the stream must be one".to_string()),
            (deep, "line 1 is not a cargo-deny record: recursion limit exceeded at line 1 column 128; every line of the stream must be one".to_string()),
            (r#"{"status": "failed"}"#.to_string(), "the JSON value at line 1 is not a cargo-deny record (an object with a `type` and `fields`); every line of the stream must be one".to_string()),
            (r#"{"version": "2.1.0", "runs": [{"results": [{"level": "error"}]}]}"#.to_string(), "the JSON value at line 1 is not a cargo-deny record (an object with a `type` and `fields`); every line of the stream must be one".to_string()),
            (r#"{"database": {}, "vulnerabilities": {"found": true, "count": 1, "list": []}}"#.to_string(), "the JSON value at line 1 is not a cargo-deny record (an object with a `type` and `fields`); every line of the stream must be one".to_string()),
            (r#"{"type":"future","fields":{}}"#.to_string(), "record at line 1: `type` is `future`, expected `diagnostic`, `summary` or `log`".to_string()),
            (r#"[{"type":"log","fields":{}}, 7]"#.to_string(), "the JSON value at line 1 is not a cargo-deny record (an object with a `type` and `fields`); every line of the stream must be one".to_string()),
        ];
        for (line, why) in cases {
            let input = format!("{line}\n{CLEAN_SUMMARY}\n");
            assert!(detect(&input), "{input}");
            check_err(&input, &why);
            // After the summary too.
            let input = format!("{CLEAN_SUMMARY}\n{line}\n");
            assert_eq!(
                check(&input, &FormatPolicy::default()).map(|_| ()),
                Err(why.replacen("line 1", "line 2", 1))
            );
        }
    }

    #[test]
    fn provenance_is_read_on_every_record() {
        let input = format!("{{\"type\":\"log\",\"fields\":{{}},\"provenance\":\"stub\",\"commit\":\"abcdef1\"}}\n{CLEAN_SUMMARY}\n");
        let found = provenance(&input);
        assert!(found.stub);
        assert_eq!(found.claims().commit.as_deref(), Some("abcdef1"));
    }

    #[test]
    fn pretty_printed_values_and_arrays_of_records_are_read() {
        let input = format!(
            "[\n  {},\n  {}\n]\n{{\n  \"type\": \"summary\",\n  \"fields\": {{\n    \"sources\": {{\"errors\": 0, \"warnings\": 0, \"notes\": 0, \"helps\": 0}}\n  }}\n}}\n",
            diag("error", "yanked", "detected yanked crate"),
            diag("error", "yanked", "second")
        );
        check_ok(
            &input,
            Want {
                reasons: &["2 diagnostics at severity `error`"],
                warnings: &[],
                counts: &[("sources.errors", 0), ("diagnostics.error", 2)],
                findings: &[
                    "error `yanked` in `foo 1.2.3`: detected yanked crate",
                    "error `yanked` in `foo 1.2.3`: second",
                ],
            },
        );
    }

    #[test]
    fn advisory_id_and_log_errors_are_findings() {
        let vuln = r#"{"type":"diagnostic","fields":{"severity":"error","code":"vulnerability","message":"Stack overflow","advisory":{"id":"RUSTSEC-2000-0001"},"graphs":[{"Krate":{"name":"bar","version":"0.1.0"}}]}}"#;
        let log = r#"{"type":"log","fields":{"timestamp":"t","level":"ERROR","message":"failed to fetch advisory database"}}"#;
        let input = format!("{log}\n{vuln}\n{}\n{CLEAN_SUMMARY}", diag("warning", "w", "warn"));
        check_ok(
            &input,
            Want {
                reasons: &["1 diagnostic at severity `error`"],
                warnings: &["1 diagnostic at severity `warning`", "1 log line at level `ERROR`"],
                counts: &[("diagnostics.error", 1)],
                findings: &[
                    "error `vulnerability` RUSTSEC-2000-0001 in `bar 0.1.0`: Stack overflow",
                    "log error: failed to fetch advisory database",
                    "warning `w` in `foo 1.2.3`: warn",
                ],
            },
        );
    }

    #[test]
    fn several_summaries_add_up() {
        let other = r#"{"type":"summary","fields":{"advisories":{"errors":1,"warnings":0,"notes":0,"helps":0}}}"#;
        check_ok(
            &format!("{CLEAN_SUMMARY}\n{other}\n"),
            Want {
                reasons: &["`advisories` check failed: 1 error in the summary"],
                warnings: &[
                    "2 summary lines: the output holds several runs; their counts are added up",
                ],
                counts: &[("advisories.errors", 1)],
                findings: &[],
            },
        );
    }

    #[test]
    fn findings_are_capped_and_truncated() {
        let long = "m".repeat(400);
        let lines: Vec<String> = (0..9).map(|_| diag("error", "c", &long)).collect();
        let out =
            check(&format!("{}\n{CLEAN_SUMMARY}", lines.join("\n")), &FormatPolicy::default())
                .unwrap();
        // The first few, and how many more: never a silent cut.
        assert_eq!(out.findings.len(), MAX_FINDINGS + 1);
        assert!(out.findings[..MAX_FINDINGS]
            .iter()
            .all(|f| f.chars().count() <= MAX_LINE && f.ends_with('…')));
        assert_eq!(
            out.findings[MAX_FINDINGS],
            "and 4 more error/warning diagnostic(s) in the file"
        );
        assert_eq!(out.reasons, ["9 diagnostics at severity `error`"]);
    }

    #[test]
    fn wrong_shapes_are_errors() {
        check_err(
            r#"{"type":"summary","fields":{"bans":{"errors":-1}}}"#,
            "record at line 1: `fields.bans.errors` is `-1`, expected a non-negative integer",
        );
        check_err(
            r#"{"type":"summary","fields":{"bans":{"errors":"1"}}}"#,
            "record at line 1: `fields.bans.errors` is `\"1\"`, expected a non-negative integer",
        );
        check_err(
            r#"{"type":"summary","fields":{"bans":{"warnings":0}}}"#,
            "record at line 1: `fields.bans.errors` is missing",
        );
        check_err(
            r#"{"type":"summary","fields":{"bans":[]}}"#,
            "record at line 1: `fields.bans` is an array, expected an object",
        );
        check_err(
            r#"{"type":"summary","fields":{"Bad Name":{"errors":0}}}"#,
            "record at line 1: `fields.Bad Name` is not a check name",
        );
        check_err(
            "\n\n{\"type\":\"diagnostic\",\"fields\":{\"severity\":3}}",
            "record at line 3: `fields.severity` is a number, expected a string",
        );
        check_err(
            r#"{"type":"diagnostic","fields":{"message":"m"}}"#,
            "record at line 1: `fields.severity` is missing",
        );
        check_err(
            r#"{"type":"diagnostic","fields":[]}"#,
            "record at line 1: `fields` is an array, expected an object",
        );
        check_err(r#"{"type":"diagnostic"}"#, "record at line 1: `fields` is missing");
    }

    #[test]
    fn hostile_input_never_panics() {
        let inputs = [
            "[".repeat(100_000),
            "{".repeat(100_000),
            "{\n".repeat(10_000),
            "\u{0}\u{feff}é\n{\"type\":\"summary\",\"fields\":{\"a\":{\"errors\":1e400}}}"
                .to_string(),
            r#"{"type":"summary","fields":{"a":{"errors":18446744073709551615}}}"#.repeat(3),
        ];
        for input in &inputs {
            let _ = detect(input);
            let _ = check(input, &FormatPolicy::default());
        }
    }

    #[test]
    fn license_diagnostics_name_the_license() {
        let line = r#"{"type":"diagnostic","fields":{"severity":"error","code":"rejected","message":"failed to satisfy license requirements","labels":[{"line":25,"column":12,"message":"","span":"GPL-3.0"},{"line":25,"column":12,"message":"rejected: not explicitly allowed","span":"GPL-3.0"}],"graphs":[{"Krate":{"name":"foo","version":"1.2.3"}}]}}"#;
        let out = check(&format!("{line}\n{CLEAN_SUMMARY}"), &FormatPolicy::default()).unwrap();
        assert_eq!(
            out.findings,
            ["error `rejected` in `foo 1.2.3`: failed to satisfy license requirements (`GPL-3.0`)"]
        );
    }
}
