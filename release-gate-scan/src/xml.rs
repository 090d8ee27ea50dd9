//! The JUnit XML reader's per-event loop (the gate's `formats::junit`
//! has the rule's prose): `quick-xml` events, read once, checked for
//! well-formedness and counted testcase by testcase, in bounded memory. It
//! runs here, optimized in the dev profile: a report holds tens of millions
//! of events, and the gate's own crate is not optimized. The gate hears of
//! the rare things only (a testcase that did not pass, a suite's summary, a
//! provenance tag) through [`Sink`], and words the verdict.

#![deny(clippy::arithmetic_side_effects)]

use std::borrow::Cow;
use std::io::{self, BufRead, Read};

use quick_xml::escape::{resolve_xml_entity, unescape_with};
use quick_xml::events::attributes::AttrError;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

use crate::position::{line_column, Counted};

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

/// Where a document comes from: the text in memory, or a stream counted on
/// the way ([`Counted`]); either gives the line and column of an offset in
/// the event being read. One concrete type, so the reader is compiled here.
pub enum Input<'a> {
    Text { text: &'a str, rest: &'a [u8] },
    Stream(Counted<io::BufReader<&'a mut dyn Read>>),
}

impl<'a> Input<'a> {
    /// A document held in memory.
    pub fn text(text: &'a str) -> Self {
        Input::Text { text, rest: text.as_bytes() }
    }

    /// A stream; one event (a tag, a run of text) may span `cap` bytes.
    pub fn stream(input: io::BufReader<&'a mut dyn Read>, cap: usize) -> Self {
        Input::Stream(Counted::new(input, cap))
    }

    /// The next event starts here.
    fn mark(&mut self) {
        if let Input::Stream(counted) = self {
            counted.mark();
        }
    }

    /// 1-based line and column (in characters) of a byte offset in the
    /// event being read.
    fn line_column(&self, offset: u64) -> (usize, usize) {
        match self {
            Input::Text { text, .. } => line_column(text, offset),
            Input::Stream(counted) => counted.line_column(offset),
        }
    }

    /// The event being read went over the stream's cap.
    fn over_cap(&self) -> bool {
        matches!(self, Input::Stream(counted) if counted.over_cap)
    }
}

impl Read for Input<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Text { rest, .. } => rest.read(buf),
            Input::Stream(counted) => counted.read(buf),
        }
    }
}

impl BufRead for Input<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Input::Text { rest, .. } => Ok(rest),
            Input::Stream(counted) => counted.fill_buf(),
        }
    }
    fn consume(&mut self, n: usize) {
        match self {
            Input::Text { rest, .. } => *rest = rest.get(n..).unwrap_or_default(),
            Input::Stream(counted) => counted.consume(n),
        }
    }
}

/// What the gate does with the rare findings, and how it words a name.
pub trait Sink {
    /// A name quoted in a message: one line, cut.
    fn clip(&self, name: &str) -> String;
    /// A testcase that did not simply pass, in document order.
    fn case(&mut self, case: &Case<'_>);
    /// A suite closed, with its counted testcases.
    fn suite(&mut self, suite: &SuiteFrame);
    /// A `testsuites`, `testsuite` or `property` start tag (provenance).
    fn tag(&mut self, e: &BytesStart<'_>);
}

/// A testcase that failed, errored, has an unknown status or passed flaky.
pub struct Case<'c> {
    pub classname: &'c str,
    pub name: &'c str,
    /// The innermost suite's name.
    pub suite: &'c str,
    pub reruns: u64,
    pub verdict: Verdict<'c>,
}

pub enum Verdict<'c> {
    /// With the first line of its `failure` child, if any.
    Failed(Option<&'c str>),
    /// With the first line of its `error` child, if any.
    Errored(Option<&'c str>),
    /// A `status` the reader does not know (lowercase).
    Unknown(&'c str),
    /// Passed after this many failed attempts.
    Flaky(u64),
}

/// What a document is, read once.
#[derive(Debug)]
pub struct Xml {
    /// Its root element's name when it is well-formed XML the gate can read,
    /// else why not.
    pub root: Result<String, String>,
    /// Its root is `testsuites` or `testsuite`.
    pub junit: bool,
    /// The JUnit rule's counts, or why the report cannot be read.
    pub check: Result<Tally, String>,
    /// An event went over the source's cap: nothing above is decided.
    pub over_cap: bool,
}

/// Reads `input` once: its well-formedness and root, the JUnit rule and
/// the provenance, from the same events.
pub fn read(input: Input<'_>, sink: &mut dyn Sink) -> Xml {
    let mut reader = Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut xml = XmlRoot::default();
    let mut parser = Parser::default();
    let (mut root, mut junit, mut check) = (None, None, None);
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
        let mut tag = match &event {
            Event::Start(e) | Event::Empty(e) => {
                Some(Tag::read(at, e, parser.keys(e.name().into_inner()), &*sink))
            }
            _ => None,
        };
        if root.is_none() {
            root = xml
                .event(&event, at, was_first, tag.as_mut().and_then(|t| t.root.take()), &*sink)
                .map_err(|bad| message(reader.get_ref(), bad))
                .transpose();
        }
        if check.is_none() {
            check = match parser.event(&event, at, tag.as_mut(), sink) {
                Ok(false) => None,
                Ok(true) => Some(Ok(parser.tally)),
                Err(bad) => Some(Err(message(reader.get_ref(), bad))),
            };
        }
        if let Event::Start(e) | Event::Empty(e) = &event {
            if matches!(e.name().into_inner(), "testsuites" | "testsuite" | "property") {
                sink.tag(e);
            }
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
        over_cap: reader.get_ref().over_cap(),
    }
}

/// Is the root element `testsuites` or `testsuite`? One event at a time
/// (an XML declaration, comments, processing instructions, a doctype and
/// white space may come first): `None` until the root element shows.
pub fn root_is_junit(event: &Event) -> Option<bool> {
    match event {
        Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => None,
        Event::Text(t) if is_xml_space(t) => None,
        Event::Start(e) | Event::Empty(e) => Some(is_root_name(e.name().into_inner())),
        _ => Some(false),
    }
}

/// Why a document is not well-formed, where it says.
enum Bad {
    At(u64, String),
    Plain(String),
}

fn message(source: &Input<'_>, bad: Bad) -> String {
    match bad {
        Bad::At(offset, what) => {
            let (line, column) = source.line_column(offset);
            format!("malformed XML at line {line} column {column}: {what}")
        }
        Bad::Plain(what) => what,
    }
}

fn malformed(offset: u64, what: &str) -> Bad {
    Bad::At(offset, what.to_string())
}

fn is_root_name(name: &str) -> bool {
    name == "testsuites" || name == "testsuite"
}

/// XML white space: space, tab, carriage return and line feed only.
fn is_xml_space(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// The names of open elements, innermost last, in one buffer.
#[derive(Default)]
struct Names {
    text: String,
    starts: Vec<usize>,
}

impl Names {
    fn push(&mut self, name: &str) {
        self.starts.push(self.text.len());
        self.text.push_str(name);
    }
    fn pop(&mut self) {
        if let Some(start) = self.starts.pop() {
            self.text.truncate(start);
        }
    }
    fn last(&self) -> Option<&str> {
        self.starts.last().and_then(|&start| self.text.get(start..))
    }
    fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

/// Counted testcases of one suite's subtree (or the whole report).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub total: u64,
    pub failed: u64,
    pub errored: u64,
    pub skipped: u64,
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
pub type Declared = Option<Result<u64, String>>;

/// An open `testsuites`/`testsuite`: its summary attributes and what it
/// counted so far.
#[derive(Debug)]
pub struct SuiteFrame {
    pub element: &'static str,
    pub name: String,
    pub tests: Declared,
    pub failures: Declared,
    pub errors: Declared,
    pub skipped: Declared,
    pub disabled: Declared,
    pub tally: Tally,
}

#[derive(Debug, Default)]
struct CaseFrame {
    classname: String,
    name: String,
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
    element: &'static str,
    message: String,
    kind_attr: String,
    text: String,
}

/// An open element; any other element's name is in [`Parser::others`].
#[derive(Debug)]
enum Frame {
    Suite(SuiteFrame),
    Case(CaseFrame),
    Result(ResultFrame),
    Other,
}

/// The JUnit rule's state.
#[derive(Default)]
struct Parser {
    stack: Vec<Frame>,
    /// Indices into `stack` of the open suites, innermost last.
    suites: Vec<usize>,
    /// The names of the open [`Frame::Other`] elements.
    others: Names,
    /// Strings of closed testcases, for the next ones (no allocation each).
    spare: Vec<String>,
    root_seen: bool,
    any_event: bool,
    tally: Tally,
}

impl Parser {
    /// One event at byte `at`; `true` at the end of the document.
    fn event(
        &mut self,
        event: &Event,
        at: u64,
        tag: Option<&mut Tag<'_>>,
        sink: &mut dyn Sink,
    ) -> Result<bool, Bad> {
        let mut none = Tag::default();
        let tag = tag.unwrap_or(&mut none);
        let first = !self.any_event;
        self.any_event = true;
        match event {
            Event::Start(e) => {
                let frame = self.open(at, e, tag, &*sink)?;
                self.push(frame, e);
            }
            Event::Empty(e) => {
                let frame = self.open(at, e, tag, &*sink)?;
                self.push(frame, e);
                self.close(sink);
            }
            Event::End(_) => self.close(sink),
            Event::Text(t) => {
                if self.stack.is_empty() {
                    if !is_xml_space(t) {
                        return Err(malformed(at, "text outside the root element"));
                    }
                } else {
                    self.capture(t);
                }
            }
            Event::CData(c) => {
                if self.stack.is_empty() {
                    return Err(malformed(at, "CDATA outside the root element"));
                }
                self.capture(c);
            }
            Event::GeneralRef(r) => {
                let Some(resolved) = resolve_reference(r) else {
                    let what = format!("unknown or invalid reference `&{};`", &**r);
                    return Err(malformed(at, &what));
                };
                if self.stack.is_empty() {
                    return Err(malformed(at, "reference outside the root element"));
                }
                self.capture(&resolved);
            }
            Event::Decl(_) if !first => {
                return Err(malformed(at, "XML declaration not at the start"));
            }
            Event::DocType(_) if self.root_seen => {
                return Err(malformed(at, "doctype after the root element"));
            }
            Event::Decl(_) | Event::DocType(_) | Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => return self.end(at, &*sink),
        }
        Ok(false)
    }

    /// The end of the document: every element closed, a root seen.
    fn end(&self, at: u64, sink: &dyn Sink) -> Result<bool, Bad> {
        let open = match self.stack.last() {
            None => None,
            Some(Frame::Suite(s)) => Some(s.element),
            Some(Frame::Case(_)) => Some("testcase"),
            Some(Frame::Result(r)) => Some(r.element),
            Some(Frame::Other) => Some(self.others.last().unwrap_or_default()),
        };
        if let Some(open) = open {
            let what = format!("unexpected end of document: `{}` is not closed", sink.clip(open));
            return Err(malformed(at, &what));
        }
        if !self.root_seen {
            return Err(Bad::Plain("no root element: expected `testsuites` or `testsuite`".into()));
        }
        Ok(true)
    }

    fn push(&mut self, frame: Frame, e: &BytesStart<'_>) {
        match frame {
            Frame::Suite(_) => self.suites.push(self.stack.len()),
            Frame::Other => self.others.push(e.name().into_inner()),
            _ => {}
        }
        self.stack.push(frame);
    }

    /// A string for a testcase's attribute, from the closed ones' strings.
    fn spare(&mut self, value: &str) -> String {
        let mut s = self.spare.pop().unwrap_or_default();
        s.clear();
        s.push_str(value);
        s
    }

    /// The attributes the frame of an element named `name` keeps, in
    /// [`Tag::values`].
    fn keys(&self, name: &str) -> &'static [&'static str] {
        let in_case = matches!(self.stack.last(), Some(Frame::Case(_)));
        match name {
            "testsuite" | "testsuites" => SUITE_KEYS,
            "testcase" => CASE_KEYS,
            _ if in_case && result_kind(name).is_some() => RESULT_KEYS,
            _ => &[],
        }
    }

    /// Builds the frame for an opening tag at byte `at`.
    fn open(
        &mut self,
        at: u64,
        e: &BytesStart<'_>,
        tag: &mut Tag<'_>,
        sink: &dyn Sink,
    ) -> Result<Frame, Bad> {
        let name = e.name().into_inner();
        let in_case = matches!(self.stack.last(), Some(Frame::Case(_)));
        let result_kind = result_kind(name);
        if let Some(bad) = tag.parser.take() {
            return Err(bad);
        }
        let values = std::mem::take(&mut tag.values);
        if self.stack.is_empty() {
            if self.root_seen {
                let what = format!("second root element `{}`", sink.clip(name));
                return Err(malformed(at, &what));
            }
            self.root_seen = true;
            if !is_root_name(name) {
                return Err(Bad::Plain(format!(
                    "root element is `{}`, expected `testsuites` or `testsuite`",
                    sink.clip(name)
                )));
            }
        }
        let [a, b, c, d, f, g] = values;
        let text = |v: &Option<Cow<'_, str>>| v.as_deref().unwrap_or_default().to_string();
        let declared = |v: Option<Cow<'_, str>>| -> Declared {
            v.map(|v| v.trim().parse::<u64>().map_err(|_| v.into_owned()))
        };
        let frame = match (name, result_kind) {
            ("testsuite" | "testsuites", _) => Frame::Suite(SuiteFrame {
                element: if name == "testsuite" { "testsuite" } else { "testsuites" },
                name: text(&a),
                tests: declared(b),
                failures: declared(c),
                errors: declared(d),
                skipped: declared(f),
                disabled: declared(g),
                tally: Tally::default(),
            }),
            ("testcase", _) => Frame::Case(CaseFrame {
                classname: self.spare(a.as_deref().unwrap_or_default()),
                name: self.spare(b.as_deref().unwrap_or_default()),
                status: c.as_deref().unwrap_or_default().trim().to_lowercase(),
                ..CaseFrame::default()
            }),
            (_, Some((kind, element))) if in_case => Frame::Result(ResultFrame {
                kind,
                element,
                message: text(&a),
                kind_attr: text(&b),
                text: String::new(),
            }),
            _ => Frame::Other,
        };
        Ok(frame)
    }

    fn innermost_suite_name(&self) -> &str {
        match self.suites.last().and_then(|&i| self.stack.get(i)) {
            Some(Frame::Suite(s)) => &s.name,
            _ => "",
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
    fn close(&mut self, sink: &mut dyn Sink) {
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
                let tally = self.record_case(&case, sink);
                self.spare.push(case.classname);
                self.spare.push(case.name);
                self.add_to_innermost_suite(tally);
            }
            Frame::Suite(suite) => {
                self.suites.pop();
                sink.suite(&suite);
                if self.suites.is_empty() {
                    self.tally.add(suite.tally);
                } else {
                    self.add_to_innermost_suite(suite.tally);
                }
            }
            Frame::Other => self.others.pop(),
        }
    }

    fn add_to_innermost_suite(&mut self, tally: Tally) {
        let index = self.suites.last().copied();
        match index.and_then(|i| self.stack.get_mut(i)) {
            Some(Frame::Suite(s)) => s.tally.add(tally),
            // Not reachable (the root is a suite), but never lose a count.
            _ => self.tally.add(tally),
        }
    }

    /// Classifies one testcase, hands the sink what did not pass and
    /// returns its tally.
    fn record_case(&self, case: &CaseFrame, sink: &mut dyn Sink) -> Tally {
        let mut tally = Tally { total: 1, ..Tally::default() };
        let status = case.status.as_str();
        let verdict = if case.failure.is_some()
            || (case.error.is_none() && FAILED_STATUS.contains(&status))
        {
            tally.failed = 1;
            Verdict::Failed(case.failure.as_deref())
        } else if case.error.is_some() || ERRORED_STATUS.contains(&status) {
            tally.errored = 1;
            Verdict::Errored(case.error.as_deref())
        } else if case.skipped || SKIPPED_STATUS.contains(&status) {
            tally.skipped = 1;
            return tally;
        } else if !PASSED_STATUS.contains(&status) {
            // A status the reader does not know counts at its most severe.
            tally.errored = 1;
            Verdict::Unknown(status)
        } else if case.flaky > 0 {
            Verdict::Flaky(case.flaky)
        } else {
            return tally;
        };
        sink.case(&Case {
            classname: &case.classname,
            name: &case.name,
            suite: self.innermost_suite_name(),
            reruns: case.reruns,
            verdict,
        });
        tally
    }
}

const SUITE_KEYS: &[&str] = &["name", "tests", "failures", "errors", "skipped", "disabled"];
const CASE_KEYS: &[&str] = &["classname", "name", "status"];
const RESULT_KEYS: &[&str] = &["message", "type"];

/// A result element's kind and name.
fn result_kind(name: &str) -> Option<(ResultKind, &'static str)> {
    match name {
        "failure" => Some((ResultKind::Failure, "failure")),
        "error" => Some((ResultKind::Error, "error")),
        "skipped" => Some((ResultKind::Skipped, "skipped")),
        "flakyFailure" => Some((ResultKind::Flaky, "flakyFailure")),
        "flakyError" => Some((ResultKind::Flaky, "flakyError")),
        "rerunFailure" => Some((ResultKind::Rerun, "rerunFailure")),
        "rerunError" => Some((ResultKind::Rerun, "rerunError")),
        _ => None,
    }
}

/// A start tag's attributes, read once for both readers.
#[derive(Default)]
struct Tag<'e> {
    /// The unescaped values of the keys asked for, in order.
    values: [Option<Cow<'e, str>>; 6],
    /// The JUnit rule's fault: a malformed attribute or an unknown
    /// reference in a value (named by its key).
    parser: Option<Bad>,
    /// Well-formedness's fault: the same, or a character XML does not
    /// allow in a value, whichever comes first.
    root: Option<Bad>,
}

impl<'e> Tag<'e> {
    /// Checks every attribute of `e` (well-formed, its references known,
    /// its characters XML's) and keeps the values of `keys`.
    fn read(at: u64, e: &'e BytesStart<'_>, keys: &[&str], sink: &dyn Sink) -> Self {
        let mut tag = Tag::default();
        for attr in e.attributes().with_checks(true) {
            let attr = match attr {
                Ok(attr) => attr,
                Err(err) => {
                    let (pos, what) = describe_attr_error(&err);
                    // Positions count from the byte after `<`.
                    let offset = at.saturating_add(1).saturating_add(pos as u64);
                    tag.root.get_or_insert_with(|| malformed(offset, what));
                    tag.parser = Some(malformed(offset, what));
                    break;
                }
            };
            let key = attr.key.into_inner();
            // Not normalized: a multi-line `message` keeps its lines.
            let value = match attr.value {
                Cow::Borrowed(raw) => unescape_with(raw, resolve_xml_entity),
                Cow::Owned(raw) => {
                    unescape_with(&raw, resolve_xml_entity).map(|v| v.into_owned().into())
                }
            };
            let Ok(value) = value else {
                tag.root.get_or_insert_with(|| {
                    malformed(at, "unknown or invalid reference in an attribute value")
                });
                let what =
                    format!("unknown or invalid reference in attribute `{}`", sink.clip(key));
                tag.parser = Some(malformed(at, &what));
                break;
            };
            if tag.root.is_none() {
                tag.root = check_text(at, &value).err();
            }
            let slot = keys.iter().position(|k| *k == key).and_then(|i| tag.values.get_mut(i));
            if let Some(slot @ None) = slot {
                *slot = Some(value);
            }
        }
        tag
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

/// The first line of `s` that is not blank, trimmed.
fn first_line(s: &str) -> Option<&str> {
    s.lines().map(str::trim).find(|l| !l.is_empty())
}

/// Resolves a predefined entity or a character reference to its text; `None`
/// for an unknown entity or a character that XML does not allow.
pub fn resolve_reference(r: &BytesRef<'_>) -> Option<Cow<'static, str>> {
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

/// No character XML does not allow in `s`.
fn check_text(at: u64, s: &str) -> Result<(), Bad> {
    // Most text is printable ASCII: one pass over the bytes first, without
    // an early exit, so it is vectorized.
    let odd = s.bytes().fold(0u8, |odd, b| {
        odd | (b & 0x80) | u8::from(b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
    });
    if odd == 0 {
        return Ok(());
    }
    match s.chars().find(|c| !is_xml_char(*c)) {
        Some(c) => {
            Err(malformed(at, &format!("character U+{:04X} is not allowed in XML", u32::from(c))))
        }
        None => Ok(()),
    }
}

/// Well-formedness, as the gate reads it: refused are a DOCTYPE (a DTD can
/// declare entities that change the document), text other than white space
/// outside the root element (a vertical tab, stray words), a character XML
/// does not allow, an unknown entity, a second root element, an unclosed or
/// mismatched element, no root element. Comments and processing
/// instructions are XML and are allowed anywhere (TestNG writes a comment
/// before the root).
#[derive(Default)]
struct XmlRoot {
    /// The names of the open elements, innermost last.
    open: Names,
    root: Option<String>,
}

impl XmlRoot {
    /// One event at byte offset `at`: `Some` with the root element's name
    /// at the end of a well-formed document.
    fn event(
        &mut self,
        event: &Event,
        at: u64,
        was_first: bool,
        attributes: Option<Bad>,
        sink: &dyn Sink,
    ) -> Result<Option<String>, Bad> {
        let outside = self.open.is_empty();
        match event {
            Event::Start(e) => self.start(e, at, true, attributes, sink)?,
            Event::Empty(e) => self.start(e, at, false, attributes, sink)?,
            Event::End(_) => self.open.pop(),
            Event::Text(t) => {
                if outside && !is_xml_space(t) {
                    let what = match self.root {
                        None => "text before the root element",
                        Some(_) => "text after the root element",
                    };
                    return Err(malformed(at, what));
                }
                check_text(at, t)?;
            }
            Event::CData(_) if outside => {
                return Err(malformed(at, "CDATA outside the root element"))
            }
            Event::CData(c) => check_text(at, c)?,
            Event::GeneralRef(_) if outside => {
                return Err(malformed(at, "reference outside the root element"))
            }
            Event::GeneralRef(r) => {
                if resolve_reference(r).is_none() {
                    let what = format!("unknown or invalid reference `&{};`", &**r);
                    return Err(malformed(at, &what));
                }
            }
            Event::Decl(_) if was_first => {}
            Event::Decl(_) => return Err(malformed(at, "XML declaration not at the start")),
            Event::DocType(_) => {
                return Err(malformed(
                    at,
                    "a DOCTYPE is not read (a DTD can declare entities that change the document)",
                ))
            }
            Event::Comment(c) => check_text(at, c)?,
            Event::PI(_) => {}
            Event::Eof => {
                if let Some(name) = self.open.last() {
                    let what =
                        format!("unexpected end of document: `{}` is not closed", sink.clip(name));
                    return Err(malformed(at, &what));
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
    fn start(
        &mut self,
        e: &BytesStart,
        at: u64,
        opens: bool,
        attributes: Option<Bad>,
        sink: &dyn Sink,
    ) -> Result<(), Bad> {
        let name = e.name().into_inner();
        if self.open.is_empty() {
            if let Some(first_root) = &self.root {
                let what = format!(
                    "second root element `{}` after `{}`",
                    sink.clip(name),
                    sink.clip(first_root)
                );
                return Err(malformed(at, &what));
            }
            self.root = Some(name.to_string());
        }
        if let Some(bad) = attributes {
            return Err(bad);
        }
        if opens {
            self.open.push(name);
        }
        Ok(())
    }
}
