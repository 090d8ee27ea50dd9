//! Understand the format: JUnit XML test reports, as written by cargo-nextest,
//! pytest, Maven Surefire, jest-junit and CTest, read as a stream with
//! `quick-xml` (no tree is built, and no XML is parsed by hand).
//!
//! The rule counts `testcase` elements itself and never trusts the summary
//! attributes (`tests`, `failures`, ...) of the suites: those are compared
//! with the counted testcases and a disagreement is only a warning. Each
//! `testcase` counts exactly once, wherever it is nested.
//!
//! A testcase is, in this order of precedence:
//! - failed: it has a `failure` child (or, without one, `status="failed"`);
//! - errored: it has an `error` child (or, without one, `status="error"`);
//! - skipped: it has a `skipped` child, or `status` is `skipped`,
//!   `disabled`, `notrun` or `ignored` (CTest-style reports mark disabled
//!   tests with the `status` attribute only);
//! - passed; a passed testcase with nextest's `flakyFailure`/`flakyError`
//!   children is a flaky pass.
//!
//! Blocking: any failed or errored testcase; no test executed (no testcase,
//! or all skipped); malformed XML (an `Err` naming the line and column).
//! Warnings: flaky passes, a skipped share above
//! [`FormatPolicy::junit_max_skipped_share`], summary attributes that disagree
//! with the counted testcases.

use std::borrow::Cow;

use quick_xml::escape::{resolve_xml_entity, unescape_with};
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;
use release_gate_scan::position::Counted;
use std::io::BufRead;

use super::provenance::Found;
use super::{FormatPolicy, Outcome, MAX_FINDINGS};
use crate::gate::escape::{self, clip_line, plural};

/// Suite and test names are cut to this many characters inside a line.
const MAX_NAME_CHARS: usize = 80;
/// How many per-suite summary disagreements are listed one by one.
const MAX_MISMATCH_WARNINGS: usize = 5;
/// How much text of a `failure`/`error` element is kept to find its first line.
const MAX_CAPTURE_BYTES: usize = 2048;

/// `status` attribute values (lowercase) that mark a testcase without result
/// children as failed, errored or skipped.
const FAILED_STATUS: &[&str] = &["failed", "fail", "failure"];
const ERRORED_STATUS: &[&str] = &["error", "errored"];
const SKIPPED_STATUS: &[&str] = &["skipped", "disabled", "notrun", "not run", "ignored"];
/// `status` values (lowercase) of a passed testcase; no `status` is one.
/// Any other value counts as errored: the reader cannot tell what it means.
const PASSED_STATUS: &[&str] = &[
    "",
    "run",
    "passed",
    "pass",
    "success",
    "succeeded",
    "successful",
    "ok",
    "executed",
    "completed",
];

/// Does this text look like JUnit XML? True when the root element (after an
/// optional XML declaration, comments, processing instructions, a doctype and
/// whitespace) is `testsuites` or `testsuite`. (The readers decide this
/// event by event through [`root_is_junit`]; this whole-text form is the
/// tests' view of it.)
#[cfg(test)]
fn detect(text: &str) -> bool {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event().map(|e| root_is_junit(&e)) {
            Ok(None) => {}
            Ok(Some(junit)) => return junit,
            Err(_) => return false,
        }
    }
}

/// [`detect`], one event at a time: `None` until the root element shows.
fn root_is_junit(event: &Event) -> Option<bool> {
    match event {
        Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => None,
        Event::Text(t) if is_xml_space(t) => None,
        Event::Start(e) | Event::Empty(e) => Some(is_root_name(e.name().into_inner())),
        _ => Some(false),
    }
}

/// The JUnit rule over one report (see the module documentation). `Err` when
/// the XML is not well-formed (with line and column) or the root element is
/// not `testsuites`/`testsuite`.
pub fn check(text: &str, policy: &FormatPolicy) -> Result<Outcome, String> {
    read(Text::new(text), policy).check
}

/// Where a document comes from: the text in memory, or a stream counted on
/// the way ([`Counted`]); either gives the line and column of an offset in
/// the event being read.
pub trait Source: BufRead {
    /// The next event starts here.
    fn mark(&mut self) {}
    /// 1-based line and column (in characters) of a byte offset in the
    /// event being read.
    fn line_column(&self, offset: u64) -> (usize, usize);
    /// The event being read went over the reader's cap.
    fn over_cap(&self) -> bool {
        false
    }
}

/// A document held in memory.
pub struct Text<'t> {
    text: &'t str,
    rest: &'t [u8],
}

impl<'t> Text<'t> {
    pub fn new(text: &'t str) -> Self {
        Text { text, rest: text.as_bytes() }
    }
}

impl std::io::Read for Text<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.rest.read(buf)
    }
}

impl BufRead for Text<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(self.rest)
    }
    fn consume(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or_default();
    }
}

impl Source for Text<'_> {
    fn line_column(&self, offset: u64) -> (usize, usize) {
        line_column(self.text, offset)
    }
}

impl<R: BufRead> Source for Counted<R> {
    fn mark(&mut self) {
        Counted::mark(self);
    }
    fn line_column(&self, offset: u64) -> (usize, usize) {
        Counted::line_column(self, offset)
    }
    fn over_cap(&self) -> bool {
        self.over_cap
    }
}

/// The longest event (a tag, a run of text) of a JUnit report read from a
/// stream (a file over `max-parse-bytes`): one event is held whole.
pub const MAX_EVENT_BYTES: usize = 16 << 20;

/// What an XML document is, read once, event by event, in bounded memory
/// (the open elements, the counts, the first findings): the same reading
/// for a document in memory and for a stream.
#[derive(Debug)]
pub struct Xml {
    /// Its root element's name when it is well-formed XML the gate can read,
    /// else why not (see [`XmlRoot`]).
    pub root: Result<String, String>,
    /// Its root is `testsuites` or `testsuite` ([`detect`]).
    pub junit: bool,
    /// The JUnit rule ([`check`]).
    pub check: Result<Outcome, String>,
    /// Its provenance ([`provenance`]).
    pub found: Found,
    /// An event went over the source's cap: nothing above is decided.
    pub over_cap: bool,
}

/// Reads `source` once: its well-formedness and root, the JUnit rule and
/// the provenance, from the same events.
pub fn read(source: impl Source, policy: &FormatPolicy) -> Xml {
    let mut reader = Reader::from_reader(source);
    let mut buf = Vec::new();
    let mut xml = XmlRoot { open: Vec::new(), root: None };
    let mut parser = Parser::default();
    let (mut root, mut junit, mut check, mut found) = (None, None, None, Found::default());
    let mut first = true;
    while root.is_none() || junit.is_none() || check.is_none() {
        let at = reader.buffer_position();
        reader.get_mut().mark();
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(event) => event,
            Err(e) => {
                let why =
                    message(reader.get_ref(), Bad::At(reader.error_position(), e.to_string()));
                root.get_or_insert_with(|| Err(why.clone()));
                check.get_or_insert(Err(why));
                junit.get_or_insert(false);
                break;
            }
        };
        let was_first = std::mem::replace(&mut first, false);
        junit = junit.or_else(|| root_is_junit(&event));
        if root.is_none() {
            root = xml
                .event(&event, at, was_first)
                .map_err(|bad| message(reader.get_ref(), bad))
                .transpose();
        }
        if check.is_none() {
            check = match parser.event(&event, at) {
                Ok(false) => None,
                Ok(true) => Some(Ok(std::mem::take(&mut parser.report).outcome(policy))),
                Err(bad) => Some(Err(message(reader.get_ref(), bad))),
            };
        }
        if let Event::Start(e) | Event::Empty(e) = &event {
            provenance(&mut found, e);
        }
        if matches!(event, Event::Eof) {
            break;
        }
    }
    let undecided = "no root element".to_string();
    Xml {
        root: root.unwrap_or_else(|| Err(undecided.clone())),
        junit: junit.unwrap_or(false),
        check: check.unwrap_or(Err(undecided)),
        found,
        over_cap: reader.get_ref().over_cap(),
    }
}

/// Why a document is not well-formed, where it says.
enum Bad {
    At(u64, String),
    Plain(String),
}

fn message(source: &impl Source, bad: Bad) -> String {
    match bad {
        Bad::At(offset, what) => {
            let (line, column) = source.line_column(offset);
            format!("malformed XML at line {line} column {column}: {what}")
        }
        Bad::Plain(what) => what,
    }
}

fn is_root_name(name: &str) -> bool {
    name == "testsuites" || name == "testsuite"
}

/// XML white space: space, tab, carriage return and line feed only.
fn is_xml_space(s: &str) -> bool {
    s.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// Counted testcases of one suite's subtree (or the whole report).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    total: u64,
    failed: u64,
    errored: u64,
    skipped: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.total = self.total.saturating_add(other.total);
        self.failed = self.failed.saturating_add(other.failed);
        self.errored = self.errored.saturating_add(other.errored);
        self.skipped = self.skipped.saturating_add(other.skipped);
    }
}

/// A summary attribute as written: a count, or the raw text when it is not one.
type Declared = Option<Result<u64, String>>;

#[derive(Debug)]
struct SuiteFrame {
    element: &'static str,
    name: String,
    tests: Declared,
    failures: Declared,
    errors: Declared,
    skipped: Declared,
    disabled: Declared,
    tally: Tally,
}

#[derive(Debug, Default)]
struct CaseFrame {
    classname: String,
    name: String,
    suite: String,
    status: String,
    failure: Option<String>,
    error: Option<String>,
    skipped: bool,
    flaky: u64,
    reruns: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ResultKind {
    Failure,
    Error,
    Skipped,
    Flaky,
    Rerun,
}

#[derive(Debug)]
struct ResultFrame {
    kind: ResultKind,
    element: String,
    message: String,
    kind_attr: String,
    text: String,
}

#[derive(Debug)]
enum Frame {
    Suite(SuiteFrame),
    Case(CaseFrame),
    Result(ResultFrame),
    Other(String),
}

impl Frame {
    fn element(&self) -> &str {
        match self {
            Frame::Suite(s) => s.element,
            Frame::Case(_) => "testcase",
            Frame::Result(r) => &r.element,
            Frame::Other(name) => name,
        }
    }
}

/// What the whole document showed.
#[derive(Debug, Default)]
struct Report {
    tally: Tally,
    flaky: u64,
    failed: Vec<String>,
    errored: Vec<String>,
    flaky_lines: Vec<String>,
    mismatches: Vec<String>,
    mismatch_count: u64,
}

#[derive(Default)]
struct Parser {
    stack: Vec<Frame>,
    /// Indices into `stack` of the open suites, innermost last.
    suites: Vec<usize>,
    root_seen: bool,
    any_event: bool,
    report: Report,
}

impl Parser {
    fn malformed(&self, offset: u64, what: &str) -> Bad {
        Bad::At(offset, what.to_string())
    }

    /// One event at byte `at`; `true` at the end of the document.
    fn event(&mut self, event: &Event, at: u64) -> Result<bool, Bad> {
        let first = !self.any_event;
        self.any_event = true;
        match event {
            Event::Start(e) => {
                let frame = self.open(at, e)?;
                self.push(frame);
            }
            Event::Empty(e) => {
                let frame = self.open(at, e)?;
                self.push(frame);
                self.close();
            }
            Event::End(_) => self.close(),
            Event::Text(t) => {
                if self.stack.is_empty() {
                    if !is_xml_space(t) {
                        return Err(self.malformed(at, "text outside the root element"));
                    }
                } else {
                    self.capture(t);
                }
            }
            Event::CData(c) => {
                if self.stack.is_empty() {
                    return Err(self.malformed(at, "CDATA outside the root element"));
                }
                self.capture(c);
            }
            Event::GeneralRef(r) => {
                let Some(resolved) = resolve_reference(r) else {
                    let what = format!("unknown or invalid reference `&{};`", &**r);
                    return Err(self.malformed(at, &what));
                };
                if self.stack.is_empty() {
                    return Err(self.malformed(at, "reference outside the root element"));
                }
                self.capture(&resolved);
            }
            Event::Decl(_) if !first => {
                return Err(self.malformed(at, "XML declaration not at the start"));
            }
            Event::DocType(_) if self.root_seen => {
                return Err(self.malformed(at, "doctype after the root element"));
            }
            Event::Decl(_) | Event::DocType(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => {
                if let Some(frame) = self.stack.last() {
                    let what = format!(
                        "unexpected end of document: `{}` is not closed",
                        clip_line(frame.element(), MAX_NAME_CHARS)
                    );
                    return Err(self.malformed(at, &what));
                }
                if !self.root_seen {
                    return Err(Bad::Plain(
                        "no root element: expected `testsuites` or `testsuite`".into(),
                    ));
                }
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn push(&mut self, frame: Frame) {
        if matches!(frame, Frame::Suite(_)) {
            self.suites.push(self.stack.len());
        }
        self.stack.push(frame);
    }

    /// Builds the frame for an opening tag at byte `at`.
    fn open(&mut self, at: u64, e: &BytesStart<'_>) -> Result<Frame, Bad> {
        let name = e.name().into_inner();
        let attrs = self.attributes(at, e)?;
        if self.stack.is_empty() {
            if self.root_seen {
                let what = format!("second root element `{}`", clip_line(name, MAX_NAME_CHARS));
                return Err(self.malformed(at, &what));
            }
            self.root_seen = true;
            if !is_root_name(name) {
                return Err(Bad::Plain(format!(
                    "root element is `{}`, expected `testsuites` or `testsuite`",
                    clip_line(name, MAX_NAME_CHARS)
                )));
            }
        }
        let attr = |key: &str| -> String {
            attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
        };
        let declared = |key: &str| -> Declared {
            attrs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim().parse::<u64>().map_err(|_| v.clone()))
        };
        let in_case = matches!(self.stack.last(), Some(Frame::Case(_)));
        let result_kind = match name {
            "failure" => Some(ResultKind::Failure),
            "error" => Some(ResultKind::Error),
            "skipped" => Some(ResultKind::Skipped),
            "flakyFailure" | "flakyError" => Some(ResultKind::Flaky),
            "rerunFailure" | "rerunError" => Some(ResultKind::Rerun),
            _ => None,
        };
        let frame = match (name, result_kind) {
            ("testsuite" | "testsuites", _) => Frame::Suite(SuiteFrame {
                element: if name == "testsuite" { "testsuite" } else { "testsuites" },
                name: attr("name"),
                tests: declared("tests"),
                failures: declared("failures"),
                errors: declared("errors"),
                skipped: declared("skipped"),
                disabled: declared("disabled"),
                tally: Tally::default(),
            }),
            ("testcase", _) => Frame::Case(CaseFrame {
                classname: attr("classname"),
                name: attr("name"),
                suite: self.innermost_suite_name(),
                status: attr("status").trim().to_lowercase(),
                ..CaseFrame::default()
            }),
            (_, Some(kind)) if in_case => Frame::Result(ResultFrame {
                kind,
                element: name.to_string(),
                message: attr("message"),
                kind_attr: attr("type"),
                text: String::new(),
            }),
            _ => Frame::Other(name.to_string()),
        };
        Ok(frame)
    }

    /// Every attribute of the tag, unescaped; a malformed attribute or an
    /// unknown entity in a value makes the document malformed.
    fn attributes(&self, at: u64, e: &BytesStart<'_>) -> Result<Vec<(String, String)>, Bad> {
        let mut out = Vec::new();
        for attr in e.attributes().with_checks(true) {
            let attr = match attr {
                Ok(attr) => attr,
                Err(err) => {
                    let (pos, what) = describe_attr_error(&err);
                    // Positions count from the byte after `<`.
                    let offset = at.saturating_add(1).saturating_add(pos as u64);
                    return Err(self.malformed(offset, what));
                }
            };
            // Not normalized: a multi-line `message` keeps its lines.
            let value = unescape_with(&attr.value, resolve_xml_entity).map_err(|_| {
                let what = format!(
                    "unknown or invalid reference in attribute `{}`",
                    clip_line(attr.key.into_inner(), MAX_NAME_CHARS)
                );
                self.malformed(at, &what)
            })?;
            out.push((attr.key.into_inner().to_string(), value.into_owned()));
        }
        Ok(out)
    }

    fn innermost_suite_name(&self) -> String {
        match self.suites.last().and_then(|&i| self.stack.get(i)) {
            Some(Frame::Suite(s)) => s.name.clone(),
            _ => String::new(),
        }
    }

    /// Keeps the text of `failure`/`error` elements (up to a limit) to find
    /// their first line when they have no `message` attribute.
    fn capture(&mut self, s: &str) {
        if let Some(Frame::Result(r)) = self.stack.last_mut() {
            if matches!(r.kind, ResultKind::Failure | ResultKind::Error)
                && r.text.len() < MAX_CAPTURE_BYTES
            {
                r.text.push_str(s);
            }
        }
    }

    /// Closes the innermost open element.
    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        match frame {
            Frame::Result(r) => {
                if let Some(Frame::Case(case)) = self.stack.last_mut() {
                    match r.kind {
                        ResultKind::Failure => {
                            case.failure.get_or_insert_with(|| r.summary());
                        }
                        ResultKind::Error => {
                            case.error.get_or_insert_with(|| r.summary());
                        }
                        ResultKind::Skipped => case.skipped = true,
                        ResultKind::Flaky => case.flaky = case.flaky.saturating_add(1),
                        ResultKind::Rerun => case.reruns = case.reruns.saturating_add(1),
                    }
                }
            }
            Frame::Case(case) => {
                let tally = self.record_case(case);
                self.add_to_innermost_suite(tally);
            }
            Frame::Suite(suite) => {
                self.suites.pop();
                self.compare_summary(&suite);
                if self.suites.is_empty() {
                    self.report.tally.add(suite.tally);
                } else {
                    self.add_to_innermost_suite(suite.tally);
                }
            }
            Frame::Other(_) => {}
        }
    }

    fn add_to_innermost_suite(&mut self, tally: Tally) {
        let index = self.suites.last().copied();
        match index.and_then(|i| self.stack.get_mut(i)) {
            Some(Frame::Suite(s)) => s.tally.add(tally),
            // Not reachable (the root is a suite), but never lose a count.
            _ => self.report.tally.add(tally),
        }
    }

    /// Classifies one testcase, records its finding and returns its tally.
    fn record_case(&mut self, case: CaseFrame) -> Tally {
        let mut tally = Tally { total: 1, ..Tally::default() };
        let label = case_label(&case);
        let status = case.status.as_str();
        if case.failure.is_some() || (case.error.is_none() && FAILED_STATUS.contains(&status)) {
            tally.failed = 1;
            let line = failing_line("failed", &label, case.failure.as_deref(), case.reruns);
            push_capped(&mut self.report.failed, line);
        } else if case.error.is_some() || ERRORED_STATUS.contains(&status) {
            tally.errored = 1;
            let line = failing_line("errored", &label, case.error.as_deref(), case.reruns);
            push_capped(&mut self.report.errored, line);
        } else if case.skipped || SKIPPED_STATUS.contains(&status) {
            tally.skipped = 1;
        } else if !PASSED_STATUS.contains(&status) {
            // A status the reader does not know counts at its most severe.
            tally.errored = 1;
            let why = format!("unknown `status` `{}`", clip_line(status, MAX_NAME_CHARS));
            let line = failing_line("errored", &label, Some(&why), case.reruns);
            push_capped(&mut self.report.errored, line);
        } else if case.flaky > 0 {
            self.report.flaky = self.report.flaky.saturating_add(1);
            let line = format!(
                "flaky {label}: passed after {} failed {}",
                case.flaky,
                plural(case.flaky, "attempt", "attempts")
            );
            push_capped(&mut self.report.flaky_lines, escape::line(&line));
        }
        tally
    }

    /// Compares a suite's summary attributes with its counted testcases.
    fn compare_summary(&mut self, suite: &SuiteFrame) {
        let counted = suite.tally;
        let mut parts = Vec::new();
        let mut compare = |label: &str, declared: &Declared, counted: u64| match declared {
            None => {}
            Some(Ok(n)) if *n == counted => {}
            Some(Ok(n)) => {
                let diff = i128::from(*n) - i128::from(counted);
                parts.push(format!("{label} says {n}, counted {counted} ({diff:+})"));
            }
            Some(Err(raw)) => {
                parts.push(format!("{label} is `{}`, not a count", clip_line(raw, 20)));
            }
        };
        compare("`tests`", &suite.tests, counted.total);
        compare("`failures`", &suite.failures, counted.failed);
        compare("`errors`", &suite.errors, counted.errored);
        match (&suite.skipped, &suite.disabled) {
            (Some(Ok(s)), Some(Ok(d))) => {
                compare("`skipped`+`disabled`", &Some(Ok(s.saturating_add(*d))), counted.skipped)
            }
            (Some(_), Some(Err(_))) => compare("`disabled`", &suite.disabled, counted.skipped),
            (Some(_), _) => compare("`skipped`", &suite.skipped, counted.skipped),
            (None, _) => compare("`disabled`", &suite.disabled, counted.skipped),
        }
        if parts.is_empty() {
            return;
        }
        self.report.mismatch_count = self.report.mismatch_count.saturating_add(1);
        if self.report.mismatches.len() < MAX_MISMATCH_WARNINGS {
            let who = if suite.name.is_empty() {
                format!("unnamed `{}`", suite.element)
            } else {
                format!("{} `{}`", suite.element, clip_line(&suite.name, MAX_NAME_CHARS))
            };
            let line = format!(
                "summary attributes of {who} disagree with its testcases: {}",
                parts.join("; ")
            );
            self.report.mismatches.push(escape::line(&line));
        }
    }
}

impl ResultFrame {
    /// The first non-empty line of the `message` attribute, else of the text,
    /// else the `type` attribute.
    fn summary(&self) -> String {
        [&self.message, &self.text, &self.kind_attr]
            .into_iter()
            .find_map(|s| first_line(s))
            .map(|s| s.to_string())
            .unwrap_or_default()
    }
}

impl Report {
    fn outcome(self, policy: &FormatPolicy) -> Outcome {
        let mut out = Outcome::default();
        let t = self.tally;
        let passed =
            t.total.saturating_sub(t.failed).saturating_sub(t.errored).saturating_sub(t.skipped);
        let executed = t.total.saturating_sub(t.skipped);

        if t.failed > 0 {
            out.reasons.push(format!("{} failed {} (`failure`)", t.failed, tests_word(t.failed)));
        }
        if t.errored > 0 {
            out.reasons.push(format!("{} errored {} (`error`)", t.errored, tests_word(t.errored)));
        }
        if t.total == 0 {
            out.reasons.push("no tests executed: the report has no `testcase` elements".into());
        } else if executed == 0 {
            out.reasons.push(format!(
                "no tests executed: all {} {} skipped",
                t.total,
                plural(t.total, "testcase was", "testcases were")
            ));
        }

        if self.flaky > 0 {
            out.warnings.push(format!(
                "{} flaky {} passed only after retries (`flakyFailure`/`flakyError`)",
                self.flaky,
                tests_word(self.flaky)
            ));
        }
        if t.total > 0 && executed > 0 {
            let share = t.skipped as f64 / t.total as f64;
            if share > policy.junit_max_skipped_share {
                out.warnings.push(format!(
                    "{} of {} tests skipped ({:.1}%), above the {:.1}% limit",
                    t.skipped,
                    t.total,
                    share * 100.0,
                    policy.junit_max_skipped_share * 100.0
                ));
            }
        }
        out.warnings.extend(self.mismatches.iter().cloned());
        let listed = self.mismatches.len() as u64;
        if self.mismatch_count > listed {
            out.warnings.push(format!(
                "{} more suites whose summary attributes disagree with their testcases",
                self.mismatch_count - listed
            ));
        }

        for (key, value) in [
            ("tests.total", t.total),
            ("tests.passed", passed),
            ("tests.failed", t.failed),
            ("tests.errored", t.errored),
            ("tests.skipped", t.skipped),
            ("tests.flaky", self.flaky),
        ] {
            out.counts.insert(key.to_string(), value);
        }

        out.findings = self
            .failed
            .into_iter()
            .chain(self.errored)
            .chain(self.flaky_lines)
            .take(MAX_FINDINGS)
            .collect();
        out
    }
}

/// ``failed `class::name` (failed all 3 attempts): first line``.
fn failing_line(verb: &str, label: &str, message: Option<&str>, reruns: u64) -> String {
    let mut line = format!("{verb} {label}");
    if reruns > 0 {
        line.push_str(&format!(" (all {} attempts)", reruns.saturating_add(1)));
    }
    if let Some(message) = message.filter(|m| !m.is_empty()) {
        line.push_str(": ");
        line.push_str(message);
    }
    escape::line(&line)
}

/// `` `classname::name` ``, with the innermost suite's name standing in for a
/// missing `classname`.
fn case_label(case: &CaseFrame) -> String {
    let name = if case.name.trim().is_empty() { "(unnamed)" } else { case.name.trim() };
    let class = [case.classname.trim(), case.suite.trim()].into_iter().find(|s| !s.is_empty());
    let full = match class {
        Some(class) => format!("{class}::{name}"),
        None => name.to_string(),
    };
    format!("`{}`", clip_line(&full, MAX_NAME_CHARS * 2))
}

fn push_capped(list: &mut Vec<String>, line: String) {
    if list.len() < MAX_FINDINGS {
        list.push(line);
    }
}

/// Resolves a predefined entity or a character reference to its text; `None`
/// for an unknown entity or a character that XML does not allow.
fn resolve_reference(r: &BytesRef<'_>) -> Option<Cow<'static, str>> {
    match r.resolve_char_ref() {
        Ok(Some(c)) if is_xml_char(c) => Some(Cow::Owned(c.to_string())),
        Ok(Some(_)) | Err(_) => None,
        Ok(None) => resolve_xml_entity(r).map(Cow::Borrowed),
    }
}

/// XML 1.0 `Char`: tab, line feed, carriage return and U+0020 upwards,
/// except the surrogates (not `char`s anyway) and U+FFFE/U+FFFF.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || c >= '\u{10000}'
}

fn describe_attr_error(err: &AttrError) -> (usize, &'static str) {
    match err {
        AttrError::ExpectedEq(p) => (*p, "attribute name not followed by `=`"),
        AttrError::ExpectedValue(p) => (*p, "`=` not followed by an attribute value"),
        AttrError::UnquotedValue(p) => (*p, "attribute value not in quotes"),
        AttrError::ExpectedQuote(p, _) => (*p, "attribute value not closed"),
        AttrError::Duplicated(p, _) => (*p, "duplicated attribute"),
    }
}

/// 1-based line and column (in characters) of a byte offset into `text`.
fn line_column(text: &str, offset: u64) -> (usize, usize) {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let mut line = 1;
    let mut column = 1;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// The first line of `s` that is not blank, trimmed.
fn first_line(s: &str) -> Option<&str> {
    s.lines().map(str::trim).find(|l| !l.is_empty())
}

fn tests_word(n: u64) -> &'static str {
    plural(n, "test", "tests")
}

/// What an XML document is, read in full: `Ok` with its root element's name
/// when it is well-formed XML the gate can read, else `Err` with why (line
/// and column). Refused: a DOCTYPE (a DTD can declare entities that change
/// the document), text other than white space outside the root element
/// (a vertical tab, stray words), a character XML does not allow, an
/// unknown entity, a second root element, an unclosed or mismatched element,
/// no root element. Comments and processing instructions are XML and are
/// allowed anywhere (TestNG writes a comment before the root).
/// [`read`]'s well-formedness state.
struct XmlRoot {
    /// The names of the open elements, innermost last.
    open: Vec<String>,
    root: Option<String>,
}

impl XmlRoot {
    fn malformed(&self, offset: u64, what: &str) -> Bad {
        Bad::At(offset, what.to_string())
    }

    fn check_text(&self, at: u64, s: &str) -> Result<(), Bad> {
        match s.chars().find(|c| !is_xml_char(*c)) {
            Some(c) => Err(self
                .malformed(at, &format!("character U+{:04X} is not allowed in XML", u32::from(c)))),
            None => Ok(()),
        }
    }

    /// One event at byte offset `at`: `Some` with the root element's name
    /// at the end of a well-formed document.
    fn event(&mut self, event: &Event, at: u64, was_first: bool) -> Result<Option<String>, Bad> {
        let outside = self.open.is_empty();
        match event {
            Event::Start(e) => self.start(e, at, true)?,
            Event::Empty(e) => self.start(e, at, false)?,
            Event::End(_) => {
                self.open.pop();
            }
            Event::Text(t) => {
                if outside && !is_xml_space(t) {
                    let what = match self.root {
                        None => "text before the root element",
                        Some(_) => "text after the root element",
                    };
                    return Err(self.malformed(at, what));
                }
                self.check_text(at, t)?;
            }
            Event::CData(_) if outside => {
                return Err(self.malformed(at, "CDATA outside the root element"))
            }
            Event::CData(c) => self.check_text(at, c)?,
            Event::GeneralRef(_) if outside => {
                return Err(self.malformed(at, "reference outside the root element"))
            }
            Event::GeneralRef(r) => {
                if resolve_reference(r).is_none() {
                    let what = format!("unknown or invalid reference `&{};`", &**r);
                    return Err(self.malformed(at, &what));
                }
            }
            Event::Decl(_) if was_first => {}
            Event::Decl(_) => return Err(self.malformed(at, "XML declaration not at the start")),
            Event::DocType(_) => {
                return Err(self.malformed(
                    at,
                    "a DOCTYPE is not read (a DTD can declare entities that change the document)",
                ))
            }
            Event::Comment(c) => self.check_text(at, c)?,
            Event::PI(_) => {}
            Event::Eof => {
                if let Some(name) = self.open.last() {
                    let what = format!(
                        "unexpected end of document: `{}` is not closed",
                        clip_line(name, MAX_NAME_CHARS)
                    );
                    return Err(self.malformed(at, &what));
                }
                return self
                    .root
                    .take()
                    .map(Some)
                    .ok_or_else(|| Bad::Plain("no root element".into()));
            }
        }
        Ok(None)
    }

    /// An element's start tag (`opens`: not an empty element): one root
    /// only, its attributes well-formed.
    fn start(&mut self, e: &BytesStart, at: u64, opens: bool) -> Result<(), Bad> {
        let name = e.name().into_inner().to_string();
        if self.open.is_empty() {
            if let Some(first_root) = &self.root {
                let what = format!(
                    "second root element `{}` after `{}`",
                    clip_line(&name, MAX_NAME_CHARS),
                    clip_line(first_root, MAX_NAME_CHARS)
                );
                return Err(self.malformed(at, &what));
            }
            self.root = Some(name.clone());
        }
        for attr in e.attributes().with_checks(true) {
            let attr = attr.map_err(|err| {
                let (pos, what) = describe_attr_error(&err);
                self.malformed(at.saturating_add(1).saturating_add(pos as u64), what)
            })?;
            let value = unescape_with(&attr.value, resolve_xml_entity).map_err(|_| {
                self.malformed(at, "unknown or invalid reference in an attribute value")
            })?;
            self.check_text(at, &value)?;
        }
        if opens {
            self.open.push(name);
        }
        Ok(())
    }
}

/// What a JUnit report says about its provenance: the `timestamp` of every
/// `testsuites`/`testsuite` element (times; JUnit writers usually omit the
/// offset, read as the earliest instant it can denote), `property` elements
/// (`<property name="provenance" value="stub"/>`, and `release`, `commit`,
/// `generated_at`), wherever they are, and `provenance`, `release` and
/// `commit` attributes of a suite.
fn provenance(found: &mut Found, e: &BytesStart) {
    let attr = |key: &str| -> Option<serde_json::Value> {
        e.attributes().flatten().find(|a| a.key.into_inner() == key).map(|a| {
            let value = unescape_with(&a.value, resolve_xml_entity)
                .map_or_else(|_| a.value.to_string(), |v| v.into_owned());
            serde_json::Value::String(value)
        })
    };
    match e.name().into_inner() {
        name @ ("testsuites" | "testsuite") => {
            if let Some(at) = attr("timestamp") {
                found.time(&at, &format!("{name}.timestamp"));
            }
            // The gate's own names as attributes of a suite count too.
            for key in ["provenance", "release", "commit"] {
                if let Some(value) = attr(key) {
                    found.property(key, &value, name);
                }
            }
        }
        "property" => {
            if let (Some(serde_json::Value::String(name)), Some(value)) =
                (attr("name"), attr("value"))
            {
                found.property(name.trim(), &value, "property");
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::escape::MAX_LINE;

    /// Expected result of one check: the reasons, warnings and findings, and
    /// the counts `[total, passed, failed, errored, skipped, flaky]`.
    struct Want<'a> {
        reasons: &'a [&'a str],
        warnings: &'a [&'a str],
        counts: [u64; 6],
        findings: &'a [&'a str],
    }

    fn check_with(input: &str, policy: &FormatPolicy, want: Want<'_>) {
        assert!(detect(input), "detect failed for {input}");
        let out = check(input, policy).unwrap();
        assert_eq!(out.reasons, want.reasons, "reasons");
        assert_eq!(out.warnings, want.warnings, "warnings");
        let keys = [
            "tests.total",
            "tests.passed",
            "tests.failed",
            "tests.errored",
            "tests.skipped",
            "tests.flaky",
        ];
        let counts: Vec<u64> = keys.iter().map(|k| out.counts[*k]).collect();
        assert_eq!(counts, want.counts, "counts");
        assert_eq!(out.findings, want.findings, "findings");
    }

    fn check_default(input: &str, want: Want<'_>) {
        check_with(input, &FormatPolicy::default(), want);
    }

    fn check_err(input: &str, want: &str) {
        assert_eq!(check(input, &FormatPolicy::default()), Err(want.to_string()));
    }

    #[test]
    fn detects_both_roots_after_prolog() {
        assert!(detect("<testsuites/>"));
        assert!(detect("<?xml version=\"1.0\"?>\n<!-- run 4 -->\n  <testsuite name=\"a\">"));
        assert!(detect("<?xml-stylesheet href=\"x\"?><testsuite></testsuite>"));
        assert!(!detect("<html><testsuite/></html>"));
        assert!(!detect("{\"testsuites\": []}"));
        assert!(!detect(""));
        assert!(!detect("junk <testsuites/>"));
    }

    #[test]
    fn all_passing_passes() {
        check_default(
            r#"<testsuites tests="2"><testsuite name="s" tests="2" failures="0">
                <testcase classname="a" name="one"/>
                <testcase classname="a" name="two"></testcase>
            </testsuite></testsuites>"#,
            Want { reasons: &[], warnings: &[], counts: [2, 2, 0, 0, 0, 0], findings: &[] },
        );
    }

    #[test]
    fn failure_and_error_children_block_with_findings_in_order() {
        check_default(
            r#"<testsuite name="s">
                <testcase classname="m" name="err"><error message="boom&#10;more" type="E"/></testcase>
                <testcase classname="m" name="bad"><failure type="assert">
                    first line
                  second</failure></testcase>
                <testcase classname="m" name="typed"><failure type="AssertionError"/></testcase>
                <testcase classname="m" name="ok"/>
            </testsuite>"#,
            Want {
                reasons: &["2 failed tests (`failure`)", "1 errored test (`error`)"],
                warnings: &[],
                counts: [4, 1, 2, 1, 0, 0],
                findings: &[
                    "failed `m::bad`: first line",
                    "failed `m::typed`: AssertionError",
                    "errored `m::err`: boom",
                ],
            },
        );
    }

    #[test]
    fn status_attribute_marks_results_without_children() {
        check_default(
            r#"<testsuite name="ctest" tests="4" disabled="1" failures="1">
                <testcase name="a" status="run"/>
                <testcase name="b" status="disabled"/>
                <testcase name="c" status="failed"/>
                <testcase name="d" status="passed"/>
            </testsuite>"#,
            Want {
                reasons: &["1 failed test (`failure`)"],
                warnings: &["1 of 4 tests skipped (25.0%), above the 20.0% limit"],
                counts: [4, 2, 1, 0, 1, 0],
                findings: &["failed `ctest::c`"],
            },
        );
    }

    /// A `status` the reader does not know counts at its most severe.
    #[test]
    fn unknown_status_is_errored() {
        check_default(
            r#"<testsuite name="ctest" tests="2">
                <testcase name="a" status="OK"/>
                <testcase name="b" status="crashed"/>
            </testsuite>"#,
            Want {
                reasons: &["1 errored test (`error`)"],
                warnings: &[],
                counts: [2, 1, 0, 1, 0, 0],
                findings: &["errored `ctest::b`: unknown `status` `crashed`"],
            },
        );
    }

    #[test]
    fn nested_suites_count_each_testcase_once() {
        check_default(
            r#"<testsuites tests="3"><testsuite name="outer" tests="3">
                <testsuite name="inner" tests="1"><testcase name="a"/></testsuite>
                <testsuite name="inner2" tests="1">
                    <testsuite name="deep" tests="1"><testcase name="b"/></testsuite>
                </testsuite>
                <testcase name="c"/>
            </testsuite></testsuites>"#,
            Want { reasons: &[], warnings: &[], counts: [3, 3, 0, 0, 0, 0], findings: &[] },
        );
    }

    #[test]
    fn summary_attributes_that_disagree_warn() {
        check_default(
            r#"<testsuites><testsuite name="py" tests="5" failures="1" errors="0" skipped="x">
                <testcase name="a"/><testcase name="b"/>
            </testsuite></testsuites>"#,
            Want {
                reasons: &[],
                warnings: &["summary attributes of testsuite `py` disagree with its testcases: \
                    `tests` says 5, counted 2 (+3); `failures` says 1, counted 0 (+1); \
                    `skipped` is `x`, not a count"],
                counts: [2, 2, 0, 0, 0, 0],
                findings: &[],
            },
        );
    }

    #[test]
    fn skipped_plus_disabled_is_compared_with_skipped_count() {
        check_default(
            r#"<testsuite name="s" tests="3" skipped="0" disabled="1">
                <testcase name="a"/><testcase name="b"/><testcase name="c" status="disabled"/>
                <testcase name="d"><skipped/></testcase>
            </testsuite>"#,
            Want {
                reasons: &[],
                warnings: &[
                    "2 of 4 tests skipped (50.0%), above the 20.0% limit",
                    "summary attributes of testsuite `s` disagree with its testcases: \
                     `tests` says 3, counted 4 (-1); `skipped`+`disabled` says 1, counted 2 (-1)",
                ],
                counts: [4, 2, 0, 0, 2, 0],
                findings: &[],
            },
        );
    }

    #[test]
    fn many_disagreeing_suites_are_summarized() {
        let suites: String = (0..7)
            .map(|i| {
                format!("<testsuite name=\"s{i}\" tests=\"9\"><testcase name=\"t\"/></testsuite>")
            })
            .collect();
        let out =
            check(&format!("<testsuites>{suites}</testsuites>"), &FormatPolicy::default()).unwrap();
        assert_eq!(out.warnings.len(), MAX_MISMATCH_WARNINGS + 1);
        assert_eq!(
            out.warnings.last().unwrap(),
            "2 more suites whose summary attributes disagree with their testcases"
        );
    }

    #[test]
    fn zero_tests_block() {
        check_default(
            r#"<testsuite name="empty" tests="0" failures="0"></testsuite>"#,
            Want {
                reasons: &["no tests executed: the report has no `testcase` elements"],
                warnings: &[],
                counts: [0, 0, 0, 0, 0, 0],
                findings: &[],
            },
        );
    }

    #[test]
    fn all_skipped_blocks() {
        check_default(
            r#"<testsuites><testsuite name="s"><testcase name="a"><skipped message="no"/></testcase>
               <testcase name="b"><skipped/></testcase></testsuite></testsuites>"#,
            Want {
                reasons: &["no tests executed: all 2 testcases were skipped"],
                warnings: &[],
                counts: [2, 0, 0, 0, 2, 0],
                findings: &[],
            },
        );
    }

    #[test]
    fn skipped_share_uses_the_policy() {
        let input = r#"<testsuite name="s"><testcase name="a"/><testcase name="b"/>
            <testcase name="c"/><testcase name="d"><skipped/></testcase></testsuite>"#;
        // 25% is over the default 20%.
        check_default(
            input,
            Want {
                reasons: &[],
                warnings: &["1 of 4 tests skipped (25.0%), above the 20.0% limit"],
                counts: [4, 3, 0, 0, 1, 0],
                findings: &[],
            },
        );
        let policy = FormatPolicy { junit_max_skipped_share: 0.25, ..FormatPolicy::default() };
        check_with(
            input,
            &policy,
            Want { reasons: &[], warnings: &[], counts: [4, 3, 0, 0, 1, 0], findings: &[] },
        );
    }

    #[test]
    fn flaky_pass_warns_and_reruns_are_reported() {
        check_default(
            r#"<testsuites><testsuite name="nx">
                <testcase classname="crate::t" name="flaky">
                    <flakyFailure type="test failure">panicked<system-out>x</system-out></flakyFailure>
                    <flakyError type="abort"/>
                </testcase>
                <testcase classname="crate::t" name="stuck">
                    <failure type="test failure">thread panicked at a.rs:1</failure>
                    <rerunFailure type="test failure">again</rerunFailure>
                    <rerunError type="x"/>
                </testcase>
                <testcase classname="crate::t" name="fine"/>
            </testsuite></testsuites>"#,
            Want {
                reasons: &["1 failed test (`failure`)"],
                warnings: &["1 flaky test passed only after retries (`flakyFailure`/`flakyError`)"],
                counts: [3, 2, 1, 0, 0, 1],
                findings: &[
                    "failed `crate::t::stuck` (all 3 attempts): thread panicked at a.rs:1",
                    "flaky `crate::t::flaky`: passed after 2 failed attempts",
                ],
            },
        );
    }

    #[test]
    fn flaky_children_do_not_rescue_a_failure() {
        check_default(
            r#"<testsuite name="s"><testcase name="x"><flakyFailure/><failure message="m"/></testcase></testsuite>"#,
            Want {
                reasons: &["1 failed test (`failure`)"],
                warnings: &[],
                counts: [1, 0, 1, 0, 0, 0],
                findings: &["failed `s::x`: m"],
            },
        );
    }

    #[test]
    fn result_elements_count_only_as_direct_testcase_children() {
        check_default(
            r#"<testsuite name="s"><testcase name="x"><system-out><failure/></system-out></testcase>
               <failure/></testsuite>"#,
            Want { reasons: &[], warnings: &[], counts: [1, 1, 0, 0, 0, 0], findings: &[] },
        );
    }

    #[test]
    fn findings_are_capped_and_truncated() {
        let long = "x".repeat(500);
        let cases: String = (0..8)
            .map(|i| format!("<testcase name=\"t{i}\"><failure message=\"{long}\"/></testcase>"))
            .collect();
        let out =
            check(&format!("<testsuite name=\"s\">{cases}</testsuite>"), &FormatPolicy::default())
                .unwrap();
        assert_eq!(out.findings.len(), MAX_FINDINGS);
        assert!(out.findings.iter().all(|f| f.chars().count() <= MAX_LINE));
        assert!(out.findings[0].ends_with('…'));
        assert_eq!(out.reasons, ["8 failed tests (`failure`)"]);
    }

    #[test]
    fn unicode_names_and_cdata_messages() {
        check_default(
            "<testsuite name=\"s\"><testcase name=\"t 𒍺\"><failure><![CDATA[\n  héllo 𡓿\n]]></failure></testcase>\
             <testcase name=\"ok\"/></testsuite>",
            Want {
                reasons: &["1 failed test (`failure`)"],
                warnings: &[],
                counts: [2, 1, 1, 0, 0, 0],
                findings: &["failed `s::t 𒍺`: héllo 𡓿"],
            },
        );
    }

    #[test]
    fn malformed_xml_names_line_and_column() {
        check_err(
            "<testsuites>\n  <testsuite name=\"a\">\n    <testcase name=\"x\">\n  </testsuite>",
            "malformed XML at line 4 column 3: ill-formed document: expected `</testcase>`, \
             but `</testsuite>` was found",
        );
        check_err(
            "<testsuites>\n  <testsuite>\n    <testcase name=\"x\">trunc",
            "malformed XML at line 3 column 29: unexpected end of document: `testcase` is not closed",
        );
        check_err(
            "<testsuite>\n <testcase name=\"a\" name=\"b\"/></testsuite>",
            "malformed XML at line 2 column 21: duplicated attribute",
        );
        check_err(
            "<testsuite><testcase name=x/></testsuite>",
            "malformed XML at line 1 column 27: attribute value not in quotes",
        );
        check_err(
            "<testsuite>&bogus;</testsuite>",
            "malformed XML at line 1 column 12: unknown or invalid reference `&bogus;`",
        );
        check_err(
            "<testsuite>&#0;</testsuite>",
            "malformed XML at line 1 column 12: unknown or invalid reference `&#0;`",
        );
        check_err(
            "<testsuite name=\"&nope;\"/>",
            "malformed XML at line 1 column 1: unknown or invalid reference in attribute `name`",
        );
        check_err(
            "<testsuite/>\n<testsuite/>",
            "malformed XML at line 2 column 1: second root element `testsuite`",
        );
        check_err(
            "<testsuite/> trailing",
            "malformed XML at line 1 column 13: text outside the root element",
        );
        check_err("<testsuite", "malformed XML at line 1 column 1: syntax error: tag not closed: `>` not found before end of input");
    }

    #[test]
    fn wrong_root_or_no_root_is_an_error() {
        check_err("<html/>", "root element is `html`, expected `testsuites` or `testsuite`");
        check_err("<!-- nothing -->", "no root element: expected `testsuites` or `testsuite`");
    }

    #[test]
    fn classname_falls_back_to_suite_name_then_to_name_only() {
        check_default(
            r#"<testsuites><testcase name="lonely"><error/></testcase>
               <testsuite name="suite"><testcase classname=" " name="x"><error/></testcase></testsuite>
               </testsuites>"#,
            Want {
                reasons: &["2 errored tests (`error`)"],
                warnings: &[],
                counts: [2, 0, 0, 2, 0, 0],
                findings: &["errored `lonely`", "errored `suite::x`"],
            },
        );
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé\nx", 0), (1, 1));
        assert_eq!(line_column("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_column("ab\ncé\nx", 7), (3, 1));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[test]
    fn hostile_input_never_panics() {
        let inputs = [
            "<testsuite>".repeat(10_000),
            format!("<testsuite>{}</testsuite>", "<testcase>".repeat(5_000)),
            "<testsuite tests=\"99999999999999999999999\" failures=\"-1\"/>".to_string(),
            "<testsuite><testcase><failure message=\"\u{0}\"/></testcase></testsuite>".to_string(),
            "<testsuite><testcase><testcase><failure/></testcase></testcase></testsuite>"
                .to_string(),
        ];
        for input in &inputs {
            let _ = check(input, &FormatPolicy::default());
        }
        let nested = check(&inputs[4], &FormatPolicy::default()).unwrap();
        assert_eq!(nested.counts["tests.total"], 2);
        assert_eq!(nested.counts["tests.failed"], 1);
    }
}
