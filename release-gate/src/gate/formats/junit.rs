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
//!
//! The event loop runs in `release_gate_scan::xml` (optimized in the dev
//! profile: a report holds tens of millions of events); this module words
//! what it finds.

use quick_xml::escape::{resolve_xml_entity, unescape_with};
use quick_xml::events::BytesStart;
#[cfg(test)]
use quick_xml::{events::Event, reader::Reader};
use release_gate_scan::xml::{self as scan, Case, SuiteFrame, Tally, Verdict};

pub use release_gate_scan::xml::Input;

use super::provenance::Found;
use super::{FormatPolicy, Outcome, MAX_FINDINGS};
use crate::gate::escape::{self, clip_line, plural};

/// Suite and test names are cut to this many characters inside a line.
const MAX_NAME_CHARS: usize = 80;
/// How many per-suite summary disagreements are listed one by one.
const MAX_MISMATCH_WARNINGS: usize = 5;

/// Does this text look like JUnit XML? True when the root element (after an
/// optional XML declaration, comments, processing instructions, a doctype and
/// whitespace) is `testsuites` or `testsuite`. (The readers decide this
/// event by event through `root_is_junit`; this whole-text form is the
/// tests' view of it.)
#[cfg(test)]
fn detect(text: &str) -> bool {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event().map(|e: Event| scan::root_is_junit(&e)) {
            Ok(None) => {}
            Ok(Some(junit)) => return junit,
            Err(_) => return false,
        }
    }
}

/// The JUnit rule over one report (see the module documentation). `Err` when
/// the XML is not well-formed (with line and column) or the root element is
/// not `testsuites`/`testsuite`.
pub fn check(text: &str, policy: &FormatPolicy) -> Result<Outcome, String> {
    read(Input::text(text), policy).check
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
    /// else why not (see `release_gate_scan::xml`).
    pub root: Result<String, String>,
    /// Its root is `testsuites` or `testsuite`.
    pub junit: bool,
    /// The JUnit rule ([`check`]).
    pub check: Result<Outcome, String>,
    /// Its provenance ([`provenance`]).
    pub found: Found,
    /// An event went over the source's cap: nothing above is decided.
    pub over_cap: bool,
}

/// Reads `input` once: its well-formedness and root, the JUnit rule and
/// the provenance, from the same events.
pub fn read(input: Input<'_>, policy: &FormatPolicy) -> Xml {
    let mut report = Report::default();
    let xml = scan::read(input, &mut report);
    let check = xml.check.map(|tally| {
        let found = std::mem::take(&mut report.found);
        let outcome = Report { tally, ..std::mem::take(&mut report) }.outcome(policy);
        report.found = found;
        outcome
    });
    Xml { root: xml.root, junit: xml.junit, check, found: report.found, over_cap: xml.over_cap }
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
    found: Found,
}

impl scan::Sink for Report {
    fn clip(&self, name: &str) -> String {
        clip_line(name, MAX_NAME_CHARS)
    }

    fn case(&mut self, case: &Case<'_>) {
        let label = case_label(case);
        match case.verdict {
            Verdict::Failed(message) => {
                let line = failing_line("failed", &label, message, case.reruns);
                push_capped(&mut self.failed, line);
            }
            Verdict::Errored(message) => {
                let line = failing_line("errored", &label, message, case.reruns);
                push_capped(&mut self.errored, line);
            }
            Verdict::Unknown(status) => {
                let why = format!("unknown `status` `{}`", clip_line(status, MAX_NAME_CHARS));
                let line = failing_line("errored", &label, Some(&why), case.reruns);
                push_capped(&mut self.errored, line);
            }
            Verdict::Flaky(attempts) => {
                self.flaky = self.flaky.saturating_add(1);
                let line = format!(
                    "flaky {label}: passed after {attempts} failed {}",
                    plural(attempts, "attempt", "attempts")
                );
                push_capped(&mut self.flaky_lines, escape::line(&line));
            }
        }
    }

    fn suite(&mut self, suite: &SuiteFrame) {
        self.compare_summary(suite);
    }

    fn tag(&mut self, e: &BytesStart<'_>) {
        provenance(&mut self.found, e);
    }
}

impl Report {
    /// Compares a suite's summary attributes with its counted testcases.
    fn compare_summary(&mut self, suite: &SuiteFrame) {
        let counted = suite.tally;
        let mut parts = Vec::new();
        let mut compare = |label: &str, declared: &scan::Declared, counted: u64| match declared {
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
        self.mismatch_count = self.mismatch_count.saturating_add(1);
        if self.mismatches.len() < MAX_MISMATCH_WARNINGS {
            let who = if suite.name.is_empty() {
                format!("unnamed `{}`", suite.element)
            } else {
                format!("{} `{}`", suite.element, clip_line(&suite.name, MAX_NAME_CHARS))
            };
            let line = format!(
                "summary attributes of {who} disagree with its testcases: {}",
                parts.join("; ")
            );
            self.mismatches.push(escape::line(&line));
        }
    }

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
fn case_label(case: &Case<'_>) -> String {
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

fn tests_word(n: u64) -> &'static str {
    plural(n, "test", "tests")
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
