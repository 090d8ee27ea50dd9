//! SARIF 2.1.0: static-analysis results (CodeQL, clippy-sarif, Semgrep,
//! Scorecard's SARIF output, cargo-deny `--format sarif`).
//!
//! The rule, following GitHub code scanning's default pull-request check:
//! a result blocks when its effective level is `error`, or when its rule's
//! `properties["security-severity"]` is at or above
//! [`FormatPolicy::sarif_block_security_severity`] (7.0, GitHub's `high`). A
//! run whose invocation reports `executionSuccessful: false` blocks too: its
//! results are incomplete. Only results that stand count: `kind` `fail` (the
//! default), not suppressed (a suppression with no `status` or `accepted`),
//! and `baselineState` other than `absent`. The other counted results are
//! warnings. All runs count.
//!
//! The effective level of a result is its own `level`, else its rule's
//! `defaultConfiguration.level`, else `warning`. The rule is found, as the
//! SARIF specification says, by `ruleIndex` or `rule.index` in the tool
//! component that `rule.toolComponent.index` selects (`tool.extensions[i]`,
//! else `tool.driver`), falling back to `ruleId` or `rule.id` (a hierarchical
//! id such as `CA2101/1` also matches its rule `CA2101`).
//!
//! Fail closed: a document whose decision-relevant parts have the wrong shape
//! (`runs`, `results`, rules, suppressions, an unknown `level` or `kind`) is
//! `Err`, never read as clean.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use release_gate_scan::skeleton::{self, Memo, Sink, Step, DECIDE, RESULT};
use serde_json::{Map, Value};

use super::provenance::Found;
use super::{kind, optional, required, FormatPolicy, Outcome, MAX_FINDINGS};
use crate::gate::escape::{self, clip, count, fmt_f64, len64, one_line};

/// Does this JSON document look like SARIF: an object with a `runs` array
/// and either `version` `2.1.0` or a `$schema` that mentions `sarif`?
pub fn detect(doc: &Value) -> bool {
    let Some(obj) = doc.as_object() else {
        return false;
    };
    if !obj.get("runs").is_some_and(Value::is_array) {
        return false;
    }
    obj.get("version").and_then(Value::as_str) == Some("2.1.0")
        || obj
            .get("$schema")
            .and_then(Value::as_str)
            .is_some_and(|s| s.to_ascii_lowercase().contains("sarif"))
}

/// Applies the SARIF rule (see the module documentation) to every run.
pub fn check(doc: &Value, policy: &FormatPolicy) -> Result<Outcome, String> {
    check_runs(doc, policy, None)
}

/// [`check`] of a log read from a stream: `doc` is its skeleton (each
/// streamed `results` empty), and `streamed` what the results gave.
pub fn check_streamed(
    doc: &Value,
    policy: &FormatPolicy,
    streamed: &Streamed,
) -> Result<Outcome, String> {
    check_runs(doc, policy, Some(streamed))
}

fn check_runs(
    doc: &Value,
    policy: &FormatPolicy,
    streamed: Option<&Streamed>,
) -> Result<Outcome, String> {
    let obj = required(Some(doc), "the document", "an object", Value::as_object)?;
    match obj.get("version") {
        None | Some(Value::Null) => {}
        Some(Value::String(v)) if v == "2.1.0" => {}
        Some(Value::String(v)) => {
            return Err(format!("`version` is `{}`, expected `2.1.0`", clip(v, 40)));
        }
        Some(other) => return Err(format!("`version` is {}, expected a string", kind(other))),
    }
    let runs = required(obj.get("runs"), "`runs`", "an array", Value::as_array)?;
    let mut runs_judged =
        Runs { threshold: policy.sarif_block_security_severity, ..Runs::default() };
    if runs.is_empty() {
        // No analysis is not a clean analysis.
        runs_judged.reasons_runs.push("`runs` is empty: no analysis was run".to_string());
    }
    for (r, run) in runs.iter().enumerate() {
        runs_judged.run(run, r, streamed)?;
    }
    Ok(runs_judged.outcome(len64(runs)))
}

/// The runs judged so far.
#[derive(Default)]
struct Runs<'a> {
    threshold: f64,
    tally: Tally,
    candidates: Vec<Candidate<'a>>,
    /// Runs that did not complete.
    reasons_runs: Vec<String>,
}

impl<'a> Runs<'a> {
    /// Judges `runs[r]`: its invocation, and its results (held in `run`, or
    /// what `streamed` gave of them).
    fn run(
        &mut self,
        run: &'a Value,
        r: usize,
        streamed: Option<&'a Streamed>,
    ) -> Result<(), String> {
        let run = run
            .as_object()
            .ok_or_else(|| format!("`runs[{r}]` is {}, expected an object", kind(run)))?;
        let tool = Tool::read(run, r)?;
        let name = tool.name.map_or_else(|| "unnamed tool".to_string(), |n| clip(n, 60));
        if let Some(why) = failed_invocation(run, r)? {
            self.reasons_runs.push(format!("run {r} (`{name}`) did not complete: {why}"));
        }
        let results = match run.get("results") {
            // SARIF: `results` absent or null means the tool did not produce
            // results (an empty array means it found nothing): never clean.
            None | Some(Value::Null) => {
                self.reasons_runs.push(format!(
                    "run {r} (`{name}`) has no `results`: the tool did not complete (a run that found nothing has `\"results\": []`)"
                ));
                return Ok(());
            }
            Some(Value::Array(results)) => results,
            Some(other) => {
                return Err(format!("`runs[{r}].results` is {}, expected an array", kind(other)));
            }
        };
        let held = match streamed.and_then(|streamed| streamed.runs.get(&r)) {
            None => results,
            Some(Stream::Buffered(results)) => results,
            Some(Stream::Judged(judged)) => {
                if let Some(why) = &judged.error {
                    return Err(why.clone());
                }
                self.tally.merge(&judged.tally);
                // The worst results of the run, judged again against the
                // whole run for their lines (in document order: the sort
                // below is stable).
                for (_, i, result) in &judged.kept {
                    let mut again = Tally::default();
                    if let Some(c) = judge_one(&tool, result, r, *i, self.threshold, &mut again)? {
                        self.candidates.push(c.of(run));
                    }
                }
                return Ok(());
            }
        };
        for (i, result) in held.iter().enumerate() {
            if let Some(c) = judge_one(&tool, result, r, i, self.threshold, &mut self.tally)? {
                self.candidates.push(c.of(run));
            }
        }
        Ok(())
    }

    /// The outcome of every run judged.
    fn outcome(mut self, runs: u64) -> Outcome {
        let tally = &self.tally;
        let mut reasons = Vec::new();
        let results = |n: u64| count(n, "result", "results");
        if tally.error > 0 {
            reasons.push(format!("{} at effective level `error`", results(tally.error)));
        }
        if tally.severe_below_error > 0 {
            reasons.push(format!(
                "{} below level `error` with `security-severity` >= {}",
                results(tally.severe_below_error),
                fmt_f64(self.threshold)
            ));
        }
        if tally.dangling > 0 {
            reasons.push(format!(
                "{} whose rule reference cannot be resolved, counted as blocking (first {})",
                results(tally.dangling),
                tally.first_dangling
            ));
        }
        reasons.append(&mut self.reasons_runs);
        let mut warnings = Vec::new();
        let quiet = [
            (tally.quiet_warning, "warning"),
            (tally.quiet_note, "note"),
            (tally.quiet_none, "none"),
        ];
        let non_blocking: u64 = quiet.iter().map(|(n, _)| n).sum();
        if non_blocking > 0 {
            let by_level = quiet
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, level)| format!("{n} `{level}`"))
                .collect::<Vec<_>>()
                .join(", ");
            warnings.push(format!("{} not blocking ({by_level})", results(non_blocking)));
        }
        if tally.bad_severity > 0 {
            warnings.push(format!(
                "{} whose rule has a `security-severity` that is not a number (ignored)",
                results(tally.bad_severity)
            ));
        }
        self.candidates.sort_by(Candidate::worse_first);
        let findings = self.candidates.iter().take(MAX_FINDINGS).map(Candidate::line).collect();
        let counts: BTreeMap<String, u64> = [
            ("runs", runs),
            ("results.total", tally.total()),
            (
                "results.blocking",
                tally.error + tally.severe_below_error + tally.dangling_below_error,
            ),
            ("results.error", tally.error),
            ("results.warning", tally.warning),
            ("results.note", tally.note),
            ("results.none", tally.none),
            ("results.suppressed", tally.suppressed),
            ("results.absent", tally.absent),
            ("results.other_kind", tally.other_kind),
            ("results.unresolved_rule", tally.dangling),
        ]
        .into_iter()
        .map(|(key, n)| (key.to_string(), n))
        .collect();
        Outcome { reasons, warnings, counts, findings }
    }
}

/// Judges `runs[r].results[i]`: counts it in `tally`, and gives it back
/// when it counts (a candidate for the findings).
fn judge_one<'a>(
    tool: &Tool<'a>,
    result: &'a Value,
    r: usize,
    i: usize,
    threshold: f64,
    tally: &mut Tally,
) -> Result<Option<Judged<'a>>, String> {
    let path = || format!("runs[{r}].results[{i}]");
    let result = result
        .as_object()
        .ok_or_else(|| format!("`{}` is {}, expected an object", path(), kind(result)))?;
    match enum_str(result, "kind", KINDS, &path)? {
        None | Some("fail") => {}
        Some(_) => {
            tally.other_kind += 1;
            return Ok(None);
        }
    }
    if is_suppressed(result, &path)? {
        tally.suppressed += 1;
        return Ok(None);
    }
    if enum_str(result, "baselineState", BASELINE_STATES, &path)? == Some("absent") {
        tally.absent += 1;
        return Ok(None);
    }
    let (rule, dangling) = match tool.resolve(result) {
        Resolved::Rule(rule) => (Some(rule), None),
        Resolved::Undescribed => (None, None),
        Resolved::Dangling(why) => (None, Some(why)),
    };
    let own_level = enum_str(result, "level", LEVELS, &path)?.map(Level::from_known);
    let level = match (own_level, &dangling) {
        (Some(level), _) => level,
        // Its rule's default level is unknown: the most severe.
        (None, Some(_)) => Level::Error,
        (None, None) => rule.and_then(|rule| rule.default_level).unwrap_or(Level::Warning),
    };
    let severity = rule.and_then(|rule| rule.severity);
    if rule.is_some_and(|rule| rule.bad_severity) {
        tally.bad_severity += 1;
    }
    if let Some(why) = dangling.as_ref() {
        // Its rule's `security-severity` is unknown: it blocks.
        tally.dangling += 1;
        if tally.dangling == 1 {
            tally.first_dangling = format!("`{}`: {why}", path());
        }
    }
    let blocking =
        level == Level::Error || dangling.is_some() || severity.is_some_and(|s| s >= threshold);
    tally.add(level, blocking, dangling.is_some());
    Ok(Some(Judged {
        rank: Rank { blocking, severity, level },
        rule_id: rule_id(result).or_else(|| rule.and_then(|rule| rule.id)),
        dangling: dangling.is_some(),
        message_strings: rule.and_then(|rule| rule.message_strings),
        result,
    }))
}

/// A counted result, before it meets its run.
struct Judged<'a> {
    rank: Rank,
    rule_id: Option<&'a str>,
    dangling: bool,
    message_strings: Option<&'a Map<String, Value>>,
    result: &'a Map<String, Value>,
}

impl<'a> Judged<'a> {
    fn of(self, run: &'a Map<String, Value>) -> Candidate<'a> {
        Candidate {
            rank: self.rank,
            rule_id: self.rule_id,
            dangling: self.dangling,
            message_strings: self.message_strings,
            result: self.result,
            run,
        }
    }
}

/// How bad a counted result is, for the order of the findings.
#[derive(Debug, Clone, Copy)]
struct Rank {
    blocking: bool,
    severity: Option<f64>,
    level: Level,
}

impl Rank {
    /// Blocking first, then by security severity (none last), then by level.
    fn worse_first(a: &Self, b: &Self) -> Ordering {
        b.blocking
            .cmp(&a.blocking)
            .then_with(|| match (a.severity, b.severity) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then_with(|| b.level.cmp(&a.level))
    }
}

/// What a SARIF log read from a stream gave of its results, run by run
/// (see [`check_streamed`]): nothing is held per result but the worst
/// [`MAX_FINDINGS`] of each run.
#[derive(Debug, Default)]
pub struct Streamed {
    threshold: f64,
    runs: BTreeMap<usize, Stream>,
    /// Why the log cannot be judged from the stream (a limit), if so.
    pub limit: Option<String>,
}

/// The most results held for a run whose `results` come before its `tool`.
const MAX_BUFFERED: usize = 100_000;

#[derive(Debug)]
enum Stream {
    /// The run's `tool` came after its `results` (no tool writes that):
    /// the results are held, and judged once the run is whole.
    Buffered(Vec<Value>),
    /// Judged one batch at a time against the run's `tool`.
    Judged(Box<JudgedRun>),
}

#[derive(Debug, Default)]
struct JudgedRun {
    /// The run's `tool` (what [`Tool::read`] reads).
    tool: Map<String, Value>,
    /// `Tool::read` failed: the whole run gives that error, results aside.
    tool_failed: bool,
    /// Results not judged yet: each one's index in the log, the fields that
    /// decide it, and its key in `memo`; their text one after the other in
    /// `text` (ending at `ends`).
    batch: Vec<(usize, Value, Option<Vec<u8>>)>,
    text: Vec<u8>,
    ends: Vec<usize>,
    /// What results with the same deciding fields were judged to be (one
    /// result's counts, and its rank when it counts), by `memo` id.
    memo: Memo,
    judgments: Vec<(Tally, Option<Rank>)>,
    tally: Tally,
    /// The first result the rule cannot read.
    error: Option<String>,
    /// The worst results so far, at most [`MAX_FINDINGS`], worst first.
    kept: Vec<(Rank, usize, Value)>,
}

/// Results judged at a time, and the most text they may hold.
const BATCH: usize = 1024;
const BATCH_TEXT: usize = 4 << 20;

impl Streamed {
    pub fn new(policy: &FormatPolicy) -> Streamed {
        Streamed {
            threshold: policy.sarif_block_security_severity,
            runs: BTreeMap::new(),
            limit: None,
        }
    }

    /// Whether any results were read from the stream (and so are not in
    /// the skeleton).
    pub fn any(&self) -> bool {
        !self.runs.is_empty()
    }
}

impl JudgedRun {
    /// One result, from its text: judged as an earlier result with the same
    /// deciding fields was, or parsed and judged with the next batch.
    fn result(&mut self, r: usize, index: usize, bytes: &[u8], key: Option<&[u8]>, threshold: f64) {
        if let Some(id) = key.and_then(|key| self.memo.get(key)) {
            if let Some((one, rank)) = self.judgments.get(id as usize) {
                let rank = *rank;
                self.tally.merge(one);
                if let Some(rank) = rank {
                    self.offer(rank, index, bytes);
                }
                return;
            }
        }
        let decide = skeleton::pruned(bytes, &DECIDE).unwrap_or_default();
        self.batch.push((index, decide, key.map(<[u8]>::to_vec)));
        self.text.extend_from_slice(bytes);
        self.ends.push(self.text.len());
        if self.batch.len() >= BATCH || self.text.len() >= BATCH_TEXT {
            self.flush(r, threshold);
        }
    }

    /// Keeps the result `index` if it is among the worst so far (by rank,
    /// then document order: the order the whole reader's stable sort gives).
    fn offer(&mut self, rank: Rank, index: usize, bytes: &[u8]) {
        let worse = |a: &(Rank, usize), b: &(Rank, usize)| {
            Rank::worse_first(&a.0, &b.0).then(a.1.cmp(&b.1))
        };
        if let Some(last) = self.kept.get(MAX_FINDINGS.saturating_sub(1)) {
            if worse(&(last.0, last.1), &(rank, index)).is_lt() {
                // Not worse than the worst kept: most results, once full.
                return;
            }
        }
        let at = self.kept.partition_point(|k| worse(&(k.0, k.1), &(rank, index)).is_lt());
        if at >= MAX_FINDINGS {
            return;
        }
        let result = skeleton::pruned(bytes, &RESULT).unwrap_or_default();
        self.kept.insert(at, (rank, index, result));
        self.kept.truncate(MAX_FINDINGS);
    }

    fn flush(&mut self, r: usize, threshold: f64) {
        let batch = std::mem::take(&mut self.batch);
        let text = std::mem::take(&mut self.text);
        let ends = std::mem::take(&mut self.ends);
        if self.tool_failed || self.error.is_some() {
            return;
        }
        let tool = match Tool::read(&self.tool, r) {
            Ok(tool) => tool,
            Err(_) => {
                self.tool_failed = true;
                return;
            }
        };
        let mut offers = Vec::new();
        for (at, (i, decide, key)) in batch.into_iter().enumerate() {
            let mut one = Tally::default();
            let rank = match judge_one(&tool, &decide, r, i, threshold, &mut one) {
                Ok(judged) => judged.map(|judged| judged.rank),
                Err(why) => {
                    self.error = Some(why);
                    return;
                }
            };
            self.tally.merge(&one);
            if let Some(rank) = rank {
                offers.push((rank, i, at));
            }
            // A result whose rule does not resolve is named (the first one):
            // not one to judge by its fields alone.
            match key {
                Some(key) if one.dangling == 0 && self.judgments.len() < Memo::CAP => {
                    self.memo.insert(key, len32(&self.judgments));
                    self.judgments.push((one, rank));
                }
                _ => {}
            }
        }
        drop(tool);
        for (rank, i, at) in offers {
            let start = at.checked_sub(1).and_then(|prev| ends.get(prev)).copied().unwrap_or(0);
            let whole = ends.get(at).and_then(|&end| text.get(start..end)).unwrap_or_default();
            self.offer(rank, i, whole);
        }
    }
}

/// The count of `items`, as a `u32` (saturating).
fn len32<T>(items: &[T]) -> u32 {
    u32::try_from(items.len()).unwrap_or(u32::MAX)
}

impl Sink for Streamed {
    fn start(&mut self, at: &[Step], prefix: &[u8]) {
        let prefix = skeleton::prefix_object(at, prefix);
        let stream = match prefix.get("tool") {
            Some(tool) => {
                let mut held = Map::new();
                held.insert("tool".to_string(), tool.clone());
                Stream::Judged(Box::new(JudgedRun { tool: held, ..JudgedRun::default() }))
            }
            None => Stream::Buffered(Vec::new()),
        };
        self.runs.insert(skeleton::run_of(at), stream);
    }

    fn element(&mut self, at: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
        let (threshold, run) = (self.threshold, skeleton::run_of(at));
        match self.runs.get_mut(&run) {
            Some(Stream::Buffered(results)) if results.len() >= MAX_BUFFERED => {
                self.limit.get_or_insert_with(|| {
                    format!("run {run} has over {MAX_BUFFERED} results before its `tool`")
                });
            }
            Some(Stream::Buffered(results)) => {
                results.push(skeleton::pruned(bytes, &RESULT).unwrap_or_default())
            }
            Some(Stream::Judged(judged)) => judged.result(run, index, bytes, key, threshold),
            None => {}
        }
    }

    fn end(&mut self, at: &[Step], _count: usize) {
        let (threshold, run) = (self.threshold, skeleton::run_of(at));
        if let Some(Stream::Judged(judged)) = self.runs.get_mut(&run) {
            judged.flush(run, threshold);
            judged.kept.sort_by_key(|k| k.1);
        }
    }
}

const LEVELS: &[&str] = &["none", "note", "warning", "error"];
const KINDS: &[&str] = &["notApplicable", "pass", "fail", "review", "open", "informational"];
const BASELINE_STATES: &[&str] = &["new", "unchanged", "updated", "absent"];

/// A SARIF `level`, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    None,
    Note,
    Warning,
    Error,
}

impl Level {
    /// From one of [`LEVELS`].
    fn from_known(level: &str) -> Level {
        match level {
            "error" => Level::Error,
            "warning" => Level::Warning,
            "note" => Level::Note,
            _ => Level::None,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
            Level::None => "none",
        }
    }
}

/// The counted results of all runs, and the ones left out.
#[derive(Debug, Default)]
struct Tally {
    error: u64,
    warning: u64,
    note: u64,
    none: u64,
    /// Below level `error` but blocking by `security-severity`.
    severe_below_error: u64,
    /// The results that do not block, by level (`error` always blocks).
    quiet_warning: u64,
    quiet_note: u64,
    quiet_none: u64,
    suppressed: u64,
    absent: u64,
    other_kind: u64,
    bad_severity: u64,
    /// Results whose rule reference does not resolve (all blocking).
    dangling: u64,
    dangling_below_error: u64,
    first_dangling: String,
}

impl Tally {
    /// Counts one result; a `dangling` one below `error` blocks for its
    /// unknown rule, counted in `dangling` instead of `severe_below_error`.
    fn add(&mut self, level: Level, blocking: bool, dangling: bool) {
        match level {
            Level::Error => self.error += 1,
            Level::Warning => self.warning += 1,
            Level::Note => self.note += 1,
            Level::None => self.none += 1,
        }
        match (blocking, level) {
            (_, Level::Error) => {}
            (true, _) if dangling => self.dangling_below_error += 1,
            (true, _) => self.severe_below_error += 1,
            (false, Level::Warning) => self.quiet_warning += 1,
            (false, Level::Note) => self.quiet_note += 1,
            (false, Level::None) => self.quiet_none += 1,
        }
    }

    fn total(&self) -> u64 {
        self.error + self.warning + self.note + self.none
    }

    /// Adds the counts of later results.
    fn merge(&mut self, later: &Tally) {
        if self.dangling == 0 && later.dangling > 0 {
            self.first_dangling = later.first_dangling.clone();
        }
        self.error += later.error;
        self.warning += later.warning;
        self.note += later.note;
        self.none += later.none;
        self.severe_below_error += later.severe_below_error;
        self.quiet_warning += later.quiet_warning;
        self.quiet_note += later.quiet_note;
        self.quiet_none += later.quiet_none;
        self.suppressed += later.suppressed;
        self.absent += later.absent;
        self.other_kind += later.other_kind;
        self.bad_severity += later.bad_severity;
        self.dangling += later.dangling;
        self.dangling_below_error += later.dangling_below_error;
    }
}

/// What the rule needs of one `reportingDescriptor`.
#[derive(Debug)]
struct Rule<'a> {
    id: Option<&'a str>,
    /// `guid`, which a result's `rule.guid` may name it by.
    guid: Option<&'a str>,
    default_level: Option<Level>,
    severity: Option<f64>,
    /// `security-severity` present but not a finite number.
    bad_severity: bool,
    /// `messageStrings`, for results whose `message` has an `id`.
    message_strings: Option<&'a Map<String, Value>>,
}

impl Rule<'_> {
    /// Whether a result's `ruleId` names this rule (a hierarchical id
    /// `a/b/c` names `a/b` and `a`); a rule without an id matches any.
    fn matches(&self, id: &str) -> bool {
        let Some(own) = self.id else { return true };
        let mut id = id;
        loop {
            if id == own {
                return true;
            }
            match id.rsplit_once('/') {
                Some((parent, _)) => id = parent,
                None => return false,
            }
        }
    }
}

/// The rules of one tool component (`tool.driver` or `tool.extensions[i]`).
#[derive(Debug, Default)]
struct Component<'a> {
    name: Option<&'a str>,
    guid: Option<&'a str>,
    rules: Vec<Rule<'a>>,
    by_id: BTreeMap<&'a str, usize>,
}

impl<'a> Component<'a> {
    /// Reads `component` (at `path`, for messages); missing or null is empty.
    fn read(component: Option<&'a Value>, path: &str) -> Result<Component<'a>, String> {
        let Some(component) =
            optional(component, &format!("`{path}`"), "an object", Value::as_object)?
        else {
            return Ok(Component::default());
        };
        let named = Component {
            name: component.get("name").and_then(Value::as_str),
            guid: component.get("guid").and_then(Value::as_str),
            ..Component::default()
        };
        let at = format!("`{path}.rules`");
        let Some(rules) = optional(component.get("rules"), &at, "an array", Value::as_array)?
        else {
            return Ok(named);
        };
        let mut out = named;
        for (k, rule) in rules.iter().enumerate() {
            let rule_path = || format!("{path}.rules[{k}]");
            let rule =
                required(Some(rule), &format!("`{}`", rule_path()), "an object", Value::as_object)?;
            let id = rule.get("id").and_then(Value::as_str);
            let config_path = || format!("{}.defaultConfiguration", rule_path());
            let at = format!("`{}`", config_path());
            let default_level = match optional(
                rule.get("defaultConfiguration"),
                &at,
                "an object",
                Value::as_object,
            )? {
                Some(config) => {
                    enum_str(config, "level", LEVELS, &config_path)?.map(Level::from_known)
                }
                None => None,
            };
            let raw_severity = rule
                .get("properties")
                .and_then(Value::as_object)
                .and_then(|properties| properties.get("security-severity"))
                .filter(|v| !v.is_null());
            let severity = raw_severity.and_then(parse_severity);
            if let Some(id) = id {
                out.by_id.entry(id).or_insert(k);
            }
            out.rules.push(Rule {
                id,
                guid: rule.get("guid").and_then(Value::as_str),
                default_level,
                severity,
                bad_severity: raw_severity.is_some() && severity.is_none(),
                message_strings: rule.get("messageStrings").and_then(Value::as_object),
            });
        }
        Ok(out)
    }

    /// The rule with this id; a hierarchical id `a/b/c` also matches `a/b`
    /// and then `a`.
    fn find(&self, id: &str) -> Option<&Rule<'a>> {
        let mut id = id;
        loop {
            if let Some(rule) = self.by_id.get(id).and_then(|&k| self.rules.get(k)) {
                return Some(rule);
            }
            id = id.rsplit_once('/')?.0;
        }
    }
}

/// The rules of one run's tool, and its name.
#[derive(Debug)]
struct Tool<'a> {
    name: Option<&'a str>,
    driver: Component<'a>,
    extensions: Vec<Component<'a>>,
}

impl<'a> Tool<'a> {
    fn read(run: &'a Map<String, Value>, r: usize) -> Result<Tool<'a>, String> {
        let at = format!("`runs[{r}].tool`");
        let tool = optional(run.get("tool"), &at, "an object", Value::as_object)?;
        let driver = tool.and_then(|tool| tool.get("driver"));
        let name = driver.and_then(|d| d.get("name")).and_then(Value::as_str);
        let driver = Component::read(driver, &format!("runs[{r}].tool.driver"))?;
        let at = format!("`runs[{r}].tool.extensions`");
        let extensions =
            optional(tool.and_then(|t| t.get("extensions")), &at, "an array", Value::as_array)?
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .enumerate()
                .map(|(e, ext)| {
                    let path = format!("runs[{r}].tool.extensions[{e}]");
                    required(Some(ext), &format!("`{path}`"), "an object", Value::as_object)?;
                    Component::read(Some(ext), &path)
                })
                .collect::<Result<_, _>>()?;
        Ok(Tool { name, driver, extensions })
    }

    /// The rule a result refers to. A reference the document makes but does
    /// not honour (a `toolComponent` that selects no component, an index out
    /// of range, a `ruleId` no described rule has, an index whose rule has
    /// another id) is [`Resolved::Dangling`]: the result counts at its most
    /// severe possible level.
    fn resolve(&self, result: &Map<String, Value>) -> Resolved<'_, 'a> {
        let reference = result.get("rule").and_then(Value::as_object);
        let component = match reference.and_then(|reference| reference.get("toolComponent")) {
            None | Some(Value::Null) => None,
            Some(selector) => match self.component(selector) {
                Some(component) => Some(component),
                None => {
                    return Resolved::Dangling(format!(
                        "`rule.toolComponent` {} selects no tool component of the run",
                        clip(&one_line(&selector.to_string()), 60)
                    ))
                }
            },
        };
        let index = match (result.get("ruleIndex"), reference.and_then(|r| r.get("index"))) {
            (Some(i), _) if i.as_i64() != Some(-1) && !i.is_null() => Some(("ruleIndex", i)),
            (_, Some(i)) if i.as_i64() != Some(-1) && !i.is_null() => Some(("rule.index", i)),
            _ => None,
        };
        let id = rule_id(result);
        // `rule.guid`: the rule with that guid, in its component or any; one
        // that names no rule, or another rule than `ruleId`, is dangling.
        if let Some(guid) = reference.and_then(|r| r.get("guid")).filter(|g| !g.is_null()) {
            let within: Vec<&Component> = match component {
                Some(component) => vec![component],
                None => std::iter::once(&self.driver).chain(self.extensions.iter()).collect(),
            };
            let rule = guid.as_str().and_then(|guid| {
                within
                    .iter()
                    .flat_map(|c| c.rules.iter())
                    .find(|rule| rule.guid.is_some_and(|g| g.eq_ignore_ascii_case(guid)))
            });
            let missing = || {
                format!(
                    "`rule.guid` {} names no rule of the run",
                    clip(&one_line(&guid.to_string()), 60)
                )
            };
            return Resolved::selected("rule.guid", rule, id, missing);
        }
        if let Some((field, index)) = index {
            let within = component.unwrap_or(&self.driver);
            let rule = index
                .as_u64()
                .and_then(|k| usize::try_from(k).ok())
                .and_then(|k| within.rules.get(k));
            let missing = || {
                format!(
                    "`{field}` {} is not a rule of its tool component ({} rules)",
                    clip(&one_line(&index.to_string()), 20),
                    within.rules.len()
                )
            };
            return Resolved::selected(field, rule, id, missing);
        }
        let Some(id) = id else { return Resolved::Undescribed };
        let found = match component {
            Some(component) => component.find(id),
            None => {
                self.driver.find(id).or_else(|| self.extensions.iter().find_map(|c| c.find(id)))
            }
        };
        match found {
            Some(rule) => Resolved::Rule(rule),
            // A run that describes no rule at all: the specification's default.
            None if component.is_none() && !self.describes_rules() => Resolved::Undescribed,
            None => Resolved::Dangling(format!(
                "rule `{}` is not described by its tool component",
                clip(&one_line(id), 60)
            )),
        }
    }

    /// The component a `toolComponent` reference selects: by `index` (into
    /// `tool.extensions`), else by `guid`, else by `name` (the driver or an
    /// extension). Every key it gives must agree.
    fn component(&self, selector: &Value) -> Option<&Component<'a>> {
        let selector = selector.as_object()?;
        let all = || std::iter::once(&self.driver).chain(self.extensions.iter());
        let mut found: Option<&Component<'a>> = None;
        let mut any = false;
        for key in ["index", "guid", "name"] {
            let Some(value) = selector.get(key).filter(|v| !v.is_null()) else { continue };
            any = true;
            let component = match key {
                "index" => value
                    .as_u64()
                    .and_then(|e| usize::try_from(e).ok())
                    .and_then(|e| self.extensions.get(e)),
                "guid" => {
                    let guid = value.as_str()?;
                    all().find(|c| c.guid.is_some_and(|g| g.eq_ignore_ascii_case(guid)))
                }
                _ => {
                    let name = value.as_str()?;
                    let mut named = all().filter(|c| c.name == Some(name));
                    let first = named.next();
                    // Two components of one name: the reference is ambiguous.
                    if named.next().is_some() {
                        return None;
                    }
                    first
                }
            };
            match (component, found) {
                (None, _) => return None,
                (Some(c), Some(f)) if !std::ptr::eq(c, f) => return None,
                (Some(c), _) => found = Some(c),
            }
        }
        if any {
            found
        } else {
            None
        }
    }

    fn describes_rules(&self) -> bool {
        !self.driver.rules.is_empty() || self.extensions.iter().any(|c| !c.rules.is_empty())
    }
}

/// What a result's rule reference leads to.
enum Resolved<'r, 'a> {
    Rule(&'r Rule<'a>),
    /// The result names no rule, and the run describes none.
    Undescribed,
    /// A reference the document does not honour, and why.
    Dangling(String),
}

impl<'r, 'a> Resolved<'r, 'a> {
    /// The rule a reference (`field`) selects: dangling when it selects
    /// none (`missing` says why), or another rule than the result's `ruleId`.
    fn selected(
        field: &str,
        rule: Option<&'r Rule<'a>>,
        id: Option<&str>,
        missing: impl FnOnce() -> String,
    ) -> Self {
        match rule {
            None => Resolved::Dangling(missing()),
            Some(rule) if id.is_some_and(|id| !rule.matches(id)) => Resolved::Dangling(format!(
                "`{field}` selects rule `{}` but the result names rule `{}`",
                clip(&one_line(rule.id.unwrap_or_default()), 60),
                clip(&one_line(id.unwrap_or_default()), 60)
            )),
            Some(rule) => Resolved::Rule(rule),
        }
    }
}

/// What a SARIF log says about its provenance: the gate's own fields at the
/// top level and in the log's and each run's `properties`; each run's
/// `versionControlProvenance[].revisionId` (commits) and
/// `invocations[].endTimeUtc` (else `startTimeUtc`) (times).
pub fn provenance(doc: &Value) -> Found {
    let mut found = Found::top_level(doc);
    let Some(obj) = doc.as_object() else { return found };
    found.bag(obj.get("properties"), "properties");
    let runs = obj.get("runs").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    for (r, run) in runs.iter().enumerate() {
        found.bag(run.get("properties"), &format!("runs[{r}].properties"));
        // Every property bag a stub marker could hide in: the tool's, its
        // extensions', each invocation's.
        found.bag(
            run.pointer("/tool/driver/properties"),
            &format!("runs[{r}].tool.driver.properties"),
        );
        let extensions = run.pointer("/tool/extensions").and_then(Value::as_array);
        for (e, ext) in extensions.map_or(&[][..], Vec::as_slice).iter().enumerate() {
            found.bag(ext.get("properties"), &format!("runs[{r}].tool.extensions[{e}].properties"));
        }
        let list =
            |key: &str| run.get(key).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        // The binding fields must have SARIF's shape: an object where an
        // array belongs would hide its commit.
        for key in ["versionControlProvenance", "invocations"] {
            if let Some(other) = run.get(key).filter(|v| !v.is_array() && !v.is_null()) {
                found.problems.push(format!(
                    "`runs[{r}].{key}` is {}, expected an array",
                    match other {
                        Value::Object(_) => "an object",
                        Value::String(_) => "a string",
                        Value::Number(_) => "a number",
                        _ => "a boolean",
                    }
                ));
            }
        }
        for (j, invocation) in list("invocations").iter().enumerate() {
            found.bag(
                invocation.get("properties"),
                &format!("runs[{r}].invocations[{j}].properties"),
            );
        }
        for (v, vcp) in list("versionControlProvenance").iter().enumerate() {
            if let Some(id) = vcp.get("revisionId") {
                found.commit(id, &format!("runs[{r}].versionControlProvenance[{v}].revisionId"));
            }
        }
        for (j, invocation) in list("invocations").iter().enumerate() {
            let end = ["endTimeUtc", "startTimeUtc"]
                .into_iter()
                .find_map(|key| invocation.get(key).filter(|v| !v.is_null()).map(|v| (key, v)));
            if let Some((key, at)) = end {
                found.time(at, &format!("runs[{r}].invocations[{j}].{key}"));
            }
        }
    }
    found
}

/// A result's own rule id: `ruleId`, else `rule.id`.
fn rule_id(result: &Map<String, Value>) -> Option<&str> {
    result.get("ruleId").and_then(Value::as_str).or_else(|| result.get("rule")?.get("id")?.as_str())
}

/// `security-severity` as a string or a number; `None` unless finite.
fn parse_severity(value: &Value) -> Option<f64> {
    let severity = match value {
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    severity.is_finite().then_some(severity)
}

/// Why an invocation of `run` did not complete, for the first that did not:
/// `executionSuccessful` false or absent (SARIF requires it: an invocation
/// that does not say it succeeded is not taken as a success), or a tool
/// execution notification at level `error`.
fn failed_invocation(run: &Map<String, Value>, r: usize) -> Result<Option<String>, String> {
    let at = format!("`runs[{r}].invocations`");
    let invocations = optional(run.get("invocations"), &at, "an array", Value::as_array)?;
    for (j, invocation) in invocations.map_or(&[][..], Vec::as_slice).iter().enumerate() {
        match invocation.get("executionSuccessful") {
            Some(Value::Bool(true)) => {}
            Some(Value::Bool(false)) => {
                return Ok(Some(format!("`invocations[{j}].executionSuccessful` is `false`")))
            }
            None | Some(Value::Null) => {
                return Ok(Some(format!(
                "`invocations[{j}]` does not say whether it succeeded (no `executionSuccessful`)"
            )))
            }
            Some(other) => {
                return Err(format!(
                    "`runs[{r}].invocations[{j}].executionSuccessful` is {}, expected a boolean",
                    kind(other)
                ));
            }
        }
        let notifications = invocation.get("toolExecutionNotifications").and_then(Value::as_array);
        for (n, note) in notifications.map_or(&[][..], Vec::as_slice).iter().enumerate() {
            if note.get("level").and_then(Value::as_str) == Some("error") {
                let text =
                    note.pointer("/message/text").and_then(Value::as_str).unwrap_or_default();
                return Ok(Some(format!(
                    "`invocations[{j}].toolExecutionNotifications[{n}]` is an error: {}",
                    clip(text, 120)
                )));
            }
        }
    }
    Ok(None)
}

/// Whether a suppression with no `status` or status `accepted` applies;
/// `underReview` and `rejected` do not suppress.
fn is_suppressed(result: &Map<String, Value>, path: &dyn Fn() -> String) -> Result<bool, String> {
    // Per result: the paths are formatted only for a message.
    let suppressions = match result.get("suppressions") {
        None | Some(Value::Null) => return Ok(false),
        Some(Value::Array(suppressions)) => suppressions,
        Some(other) => {
            return Err(format!("`{}.suppressions` is {}, expected an array", path(), kind(other)));
        }
    };
    let mut suppressed = false;
    for (s, suppression) in suppressions.iter().enumerate() {
        let suppression = suppression.as_object().ok_or_else(|| {
            format!("`{}.suppressions[{s}]` is {}, expected an object", path(), kind(suppression))
        })?;
        match suppression.get("status") {
            None | Some(Value::Null) => suppressed = true,
            Some(Value::String(status)) => suppressed |= status == "accepted",
            Some(other) => {
                return Err(format!(
                    "`{}.suppressions[{s}].status` is {}, expected a string",
                    path(),
                    kind(other)
                ));
            }
        }
    }
    Ok(suppressed)
}

/// The string at `key` of `obj`, which must be one of `allowed` when present.
fn enum_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    allowed: &[&str],
    path: &dyn Fn() -> String,
) -> Result<Option<&'a str>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if allowed.contains(&s.as_str()) => Ok(Some(s)),
        Some(Value::String(s)) => Err(format!(
            "`{}.{key}` is `{}`, expected one of {}",
            path(),
            clip(s, 40),
            allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
        )),
        Some(other) => Err(format!("`{}.{key}` is {}, expected a string", path(), kind(other))),
    }
}

/// One counted result, kept for the findings.
struct Candidate<'a> {
    rank: Rank,
    rule_id: Option<&'a str>,
    /// Its rule reference does not resolve.
    dangling: bool,
    message_strings: Option<&'a Map<String, Value>>,
    result: &'a Map<String, Value>,
    run: &'a Map<String, Value>,
}

impl Candidate<'_> {
    /// Blocking first, then by security severity (none last), then by level;
    /// ties keep document order (the sort is stable).
    fn worse_first(a: &Self, b: &Self) -> Ordering {
        Rank::worse_first(&a.rank, &b.rank)
    }

    /// ``error `rule` (security-severity 9.8) at `src/a.js:12`: message``
    fn line(&self) -> String {
        let mut line = self.rank.level.word().to_string();
        match self.rule_id {
            Some(id) => line.push_str(&format!(" `{}`", clip(&one_line(id), 80))),
            None => line.push_str(" (no rule id)"),
        }
        if self.dangling {
            line.push_str(" (unresolved rule)");
        }
        if let Some(severity) = self.rank.severity {
            line.push_str(&format!(" (security-severity {})", fmt_f64(severity)));
        }
        let physical = self
            .result
            .get("locations")
            .and_then(|locations| locations.get(0))
            .and_then(|location| location.get("physicalLocation"));
        // The `uri`, else the one of the run's `artifacts[index]`.
        let artifact = physical.and_then(|p| p.get("artifactLocation"));
        let uri = artifact.and_then(|a| a.get("uri")).and_then(Value::as_str).or_else(|| {
            let index = usize::try_from(artifact?.get("index")?.as_u64()?).ok()?;
            self.run.get("artifacts")?.get(index)?.get("location")?.get("uri")?.as_str()
        });
        if let Some(uri) = uri {
            let uri = clip(&one_line(uri), 100);
            match physical.and_then(|p| p.get("region")?.get("startLine")?.as_u64()) {
                Some(start) => line.push_str(&format!(" at `{uri}:{start}`")),
                None => line.push_str(&format!(" at `{uri}`")),
            }
        }
        if let Some(message) = self.message().map(|m| one_line(&m)).filter(|m| !m.is_empty()) {
            line.push_str(": ");
            line.push_str(&message);
        }
        escape::line(&line)
    }

    /// The message `text` (else `markdown`), or the rule's `messageStrings`
    /// entry named by the message `id` with its `{n}` placeholders filled
    /// from `arguments`.
    fn message(&self) -> Option<String> {
        let message = self.result.get("message")?;
        if let Some(text) = message_text(message) {
            return Some(text.to_string());
        }
        let template = message_text(self.message_strings?.get(message.get("id")?.as_str()?)?)?;
        let arguments = message.get("arguments").and_then(Value::as_array);
        Some(fill(template, arguments.map_or(&[], Vec::as_slice)))
    }
}

/// A message object's (or message string's) `text`, else its `markdown`.
fn message_text(message: &Value) -> Option<&str> {
    message.get("text").and_then(Value::as_str).or_else(|| message.get("markdown")?.as_str())
}

/// A SARIF message string with `{0}`, `{1}`... replaced by the arguments
/// (`{{` and `}}` are literal braces).
fn fill(template: &str, arguments: &[Value]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        let (before, from) = rest.split_at(open);
        out.push_str(before);
        if from.starts_with("{{") || from.starts_with("}}") {
            out.push_str(from.get(..1).unwrap_or_default());
            rest = from.get(2..).unwrap_or_default();
            continue;
        }
        let placeholder = from.find('}').and_then(|close| {
            let n: usize = from.get(1..close)?.parse().ok()?;
            Some((arguments.get(n)?.as_str()?, close))
        });
        match placeholder {
            Some((argument, close)) => {
                out.push_str(argument);
                rest = from.get(close + 1..).unwrap_or_default();
            }
            None => {
                out.push_str(from.get(..1).unwrap_or_default());
                rest = from.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::escape::MAX_LINE;
    use serde_json::json;

    /// Runs the rule over `doc` and returns the outcome.
    fn run(doc: Value, policy: &FormatPolicy) -> Outcome {
        assert!(detect(&doc), "not detected as SARIF: {doc}");
        check(&doc, policy).unwrap()
    }

    /// A SARIF log with one run holding `rules` (in the driver) and `results`.
    fn log(rules: Value, results: Value) -> Value {
        json!({
            "version": "2.1.0",
            "runs": [{ "tool": { "driver": { "name": "t", "rules": rules } }, "results": results }]
        })
    }

    fn count(outcome: &Outcome, key: &str) -> u64 {
        *outcome.counts.get(key).unwrap_or_else(|| panic!("no count {key}"))
    }

    /// The data-driven check: expected reasons, warnings and selected counts.
    fn check_case(doc: Value, reasons: &[&str], warnings: &[&str], counts: &[(&str, u64)]) {
        let outcome = run(doc, &FormatPolicy::default());
        assert_eq!(outcome.reasons, reasons, "reasons of {outcome:#?}");
        assert_eq!(outcome.warnings, warnings, "warnings of {outcome:#?}");
        for (key, n) in counts {
            assert_eq!(count(&outcome, key), *n, "count {key} of {outcome:#?}");
        }
    }

    fn check_err(doc: Value, err: &str) {
        assert_eq!(check(&doc, &FormatPolicy::default()), Err(err.to_string()));
    }

    #[test]
    fn detects_sarif_by_version_or_schema() {
        assert!(detect(&json!({"version": "2.1.0", "runs": []})));
        assert!(detect(&json!({"$schema": "https://x/SARIF-schema.json", "runs": []})));
        assert!(!detect(&json!({"version": "2.1.0"})));
        assert!(!detect(&json!({"version": "1.0", "runs": []})));
        assert!(!detect(&json!({"version": "2.1.0", "runs": {}})));
        assert!(!detect(&json!([{"runs": []}])));
    }

    #[test]
    fn clean_log_passes() {
        check_case(log(json!([]), json!([])), &[], &[], &[("runs", 1), ("results.total", 0)]);
    }

    #[test]
    fn error_level_blocks_and_warning_note_warn() {
        check_case(
            log(
                json!([]),
                json!([
                    {"ruleId": "a", "level": "error", "message": {"text": "m"}},
                    {"ruleId": "b", "level": "warning"},
                    {"ruleId": "c", "level": "note"},
                    {"ruleId": "d", "level": "note"}
                ]),
            ),
            &["1 result at effective level `error`"],
            &["3 results not blocking (1 `warning`, 2 `note`)"],
            &[
                ("results.total", 4),
                ("results.error", 1),
                ("results.warning", 1),
                ("results.note", 2),
            ],
        );
    }

    #[test]
    fn level_falls_back_to_rule_default_then_warning() {
        let rules = json!([
            {"id": "r0", "defaultConfiguration": {"level": "error"}},
            {"id": "r1", "defaultConfiguration": {"level": "note"}},
            {"id": "r2"}
        ]);
        check_case(
            log(
                rules,
                json!([
                    {"ruleIndex": 0},
                    {"rule": {"index": 1}},
                    {"ruleId": "r2"},
                    {"ruleIndex": 1, "level": "error"}
                ]),
            ),
            &["2 results at effective level `error`"],
            &["2 results not blocking (1 `warning`, 1 `note`)"],
            &[("results.error", 2), ("results.warning", 1), ("results.note", 1)],
        );
    }

    #[test]
    fn rules_found_in_extensions() {
        let doc = json!({
            "version": "2.1.0",
            "runs": [{
                "tool": {
                    "driver": {"name": "CodeQL", "rules": [{"id": "x", "defaultConfiguration": {"level": "note"}}]},
                    "extensions": [
                        {"name": "pack0", "rules": [{"id": "x", "defaultConfiguration": {"level": "note"}}]},
                        {"name": "pack1", "rules": [
                            {"id": "y", "defaultConfiguration": {"level": "warning"}},
                            {"id": "z", "defaultConfiguration": {"level": "error"}}
                        ]}
                    ]
                },
                "results": [
                    // index 1 within extension 1: error
                    {"rule": {"index": 1, "toolComponent": {"index": 1}}},
                    // `ruleIndex` wins, component still from `rule.toolComponent`
                    {"ruleIndex": 0, "rule": {"toolComponent": {"index": 0}}},
                    // by id, no component: driver, then the extensions
                    {"ruleId": "z"},
                    // by name: extension `pack1`, its rule `y`
                    {"rule": {"id": "y", "toolComponent": {"name": "pack1"}}},
                    // by guid: the driver
                    {"ruleId": "x", "rule": {"toolComponent": {"guid": "D0"}}}
                ]
            }]
        });
        let mut doc = doc;
        doc["runs"][0]["tool"]["driver"]["guid"] = json!("d0");
        check_case(
            doc,
            &["2 results at effective level `error`"],
            &["3 results not blocking (1 `warning`, 2 `note`)"],
            &[("results.error", 2), ("results.unresolved_rule", 0)],
        );
    }

    /// A reference the reader cannot resolve counts at its most severe
    /// possible level: `error` unless the result gives its own level, and
    /// blocking whatever its level (its `security-severity` is unknown).
    #[test]
    fn unresolved_rule_references_block() {
        let doc = |results: Value| {
            json!({
                "version": "2.1.0",
                "runs": [{
                    "tool": {
                        "driver": {"name": "d", "rules": [{"id": "w", "defaultConfiguration": {"level": "warning"}}]},
                        "extensions": [
                            {"name": "pack", "rules": [{"id": "e", "defaultConfiguration": {"level": "error"}}]},
                            {"name": "twin"}, {"name": "twin"}
                        ]
                    },
                    "results": results
                }]
            })
        };
        let cases = [
            (json!({"rule": {"id": "e", "toolComponent": {"index": 9}}}), "`rule.toolComponent` {\"index\":9} selects no tool component of the run"),
            (json!({"rule": {"id": "e", "toolComponent": {"name": "nope"}}}), "`rule.toolComponent` {\"name\":\"nope\"} selects no tool component of the run"),
            (json!({"rule": {"id": "e", "toolComponent": {"name": "twin"}}}), "`rule.toolComponent` {\"name\":\"twin\"} selects no tool component of the run"),
            (json!({"rule": {"id": "e", "toolComponent": {"guid": "g"}}}), "`rule.toolComponent` {\"guid\":\"g\"} selects no tool component of the run"),
            (json!({"rule": {"id": "e", "toolComponent": {"index": 0, "name": "d"}}}), "`rule.toolComponent` {\"index\":0,\"name\":\"d\"} selects no tool component of the run"),
            (json!({"rule": {"id": "e", "toolComponent": {}}}), "`rule.toolComponent` {} selects no tool component of the run"),
            (json!({"ruleIndex": 5}), "`ruleIndex` 5 is not a rule of its tool component (1 rules)"),
            (json!({"rule": {"index": 1, "toolComponent": {"index": 0}}}), "`rule.index` 1 is not a rule of its tool component (1 rules)"),
            (json!({"ruleId": "e", "ruleIndex": 0}), "`ruleIndex` selects rule `w` but the result names rule `e`"),
            (json!({"ruleId": "missing"}), "rule `missing` is not described by its tool component"),
            (json!({"rule": {"id": "w", "toolComponent": {"name": "pack"}}}), "rule `w` is not described by its tool component"),
        ];
        for (result, why) in cases {
            let reason = format!("1 result whose rule reference cannot be resolved, counted as blocking (first `runs[0].results[0]`: {why})");
            check_case(
                doc(json!([result])),
                &["1 result at effective level `error`", &reason],
                &[],
                &[("results.error", 1), ("results.blocking", 1), ("results.unresolved_rule", 1)],
            );
        }
        // Its own level stands, but it still blocks.
        check_case(
            doc(json!([{"ruleId": "missing", "level": "note"}])),
            &["1 result whose rule reference cannot be resolved, counted as blocking (first `runs[0].results[0]`: rule `missing` is not described by its tool component)"],
            &[],
            &[("results.note", 1), ("results.blocking", 1)],
        );
        // A run that describes no rule: the specification's default level.
        check_case(
            log(json!([]), json!([{"ruleId": "anything"}])),
            &[],
            &["1 result not blocking (1 `warning`)"],
            &[("results.unresolved_rule", 0)],
        );
    }

    #[test]
    fn provenance_reads_runs() {
        let doc = json!({
            "version": "2.1.0",
            "runs": [
                {"tool": {"driver": {"name": "a"}}, "properties": {"provenance": "stub"},
                 "versionControlProvenance": [{"repositoryUri": "x", "revisionId": "aaaaaaa"}],
                 "invocations": [{"executionSuccessful": true, "endTimeUtc": "2026-01-02T00:00:00Z"}]},
                {"tool": {"driver": {"name": "b"}},
                 "versionControlProvenance": [{"repositoryUri": "x", "revisionId": "bbbbbbb"}],
                 "invocations": [{"executionSuccessful": true, "startTimeUtc": "2026-01-01T00:00:00Z"}]}
            ]
        });
        let found = provenance(&doc);
        assert!(found.stub);
        let claims = found.claims();
        assert_eq!(claims.commit.as_deref(), Some("aaaaaaa, bbbbbbb"));
        assert_eq!(claims.generated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(claims.release, None);
    }

    #[test]
    fn hierarchical_rule_id_matches_its_rule() {
        check_case(
            log(
                json!([{"id": "CA1", "defaultConfiguration": {"level": "error"}}]),
                json!([{"ruleId": "CA1/2"}]),
            ),
            &["1 result at effective level `error`"],
            &[],
            &[],
        );
    }

    #[test]
    fn security_severity_at_threshold_blocks_string_or_number() {
        let rules = json!([
            {"id": "high", "properties": {"security-severity": "7.0"}},
            {"id": "num", "properties": {"security-severity": 8.1}},
            {"id": "medium", "properties": {"security-severity": "6.9"}},
            {"id": "junk", "properties": {"security-severity": "NaN"}}
        ]);
        check_case(
            log(
                rules,
                json!([
                    {"ruleId": "high", "level": "note"},
                    {"ruleId": "num"},
                    {"ruleId": "medium"},
                    {"ruleId": "junk"}
                ]),
            ),
            &["2 results below level `error` with `security-severity` >= 7.0"],
            &[
                "2 results not blocking (2 `warning`)",
                "1 result whose rule has a `security-severity` that is not a number (ignored)",
            ],
            &[("results.blocking", 2), ("results.error", 0)],
        );
    }

    #[test]
    fn security_severity_threshold_is_configurable() {
        let doc = log(
            json!([{"id": "m", "properties": {"security-severity": "5.5"}}]),
            json!([{"ruleId": "m"}]),
        );
        let policy = FormatPolicy { sarif_block_security_severity: 4.0, ..FormatPolicy::default() };
        assert_eq!(
            run(doc.clone(), &policy).reasons,
            ["1 result below level `error` with `security-severity` >= 4.0"]
        );
        assert!(run(doc, &FormatPolicy::default()).reasons.is_empty());
    }

    #[test]
    fn suppressed_accepted_or_statusless_do_not_count() {
        check_case(
            log(
                json!([]),
                json!([
                    {"level": "error", "suppressions": [{"kind": "external"}]},
                    {"level": "error", "suppressions": [{"kind": "inSource", "status": "accepted"}]},
                    {"level": "error", "suppressions": [{"status": "underReview"}]},
                    {"level": "error", "suppressions": [{"status": "rejected"}]},
                    {"level": "error", "suppressions": []}
                ]),
            ),
            &["3 results at effective level `error`"],
            &[],
            &[("results.suppressed", 2), ("results.total", 3)],
        );
    }

    #[test]
    fn baseline_absent_does_not_count() {
        check_case(
            log(
                json!([]),
                json!([
                    {"level": "error", "baselineState": "absent"},
                    {"level": "error", "baselineState": "unchanged"},
                    {"level": "note", "baselineState": "new"}
                ]),
            ),
            &["1 result at effective level `error`"],
            &["1 result not blocking (1 `note`)"],
            &[("results.absent", 1), ("results.total", 2)],
        );
    }

    #[test]
    fn only_kind_fail_counts() {
        check_case(
            log(
                json!([]),
                json!([
                    {"kind": "pass", "level": "none"},
                    {"kind": "review", "level": "none"},
                    {"kind": "fail", "level": "error"},
                    {"level": "none"}
                ]),
            ),
            &["1 result at effective level `error`"],
            &["1 result not blocking (1 `none`)"],
            &[("results.other_kind", 2), ("results.total", 2), ("results.none", 1)],
        );
    }

    #[test]
    fn failed_execution_blocks() {
        let doc = json!({
            "version": "2.1.0",
            "runs": [
                {"tool": {"driver": {"name": "ok"}}, "invocations": [{"executionSuccessful": true}], "results": []},
                {"tool": {"driver": {"name": "semgrep"}},
                 "invocations": [{"executionSuccessful": true}, {"executionSuccessful": false}],
                 "results": []}
            ]
        });
        check_case(
            doc,
            &["run 1 (`semgrep`) did not complete: `invocations[1].executionSuccessful` is `false`"],
            &[],
            &[("runs", 2)],
        );
    }

    #[test]
    fn all_runs_count() {
        let doc = json!({
            "$schema": "sarif",
            "runs": [
                {"tool": {"driver": {"name": "a"}}, "results": [{"level": "note"}]},
                {"tool": {"driver": {"name": "b"}}, "results": [{"level": "error"}]}
            ]
        });
        check_case(
            doc,
            &["1 result at effective level `error`"],
            &["1 result not blocking (1 `note`)"],
            &[("runs", 2)],
        );
    }

    #[test]
    fn missing_or_null_results_block() {
        let doc = json!({
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "a"}}}, {"tool": {"driver": {"name": "b"}}, "results": null}]
        });
        check_case(
            doc,
            &[
                "run 0 (`a`) has no `results`: the tool did not complete (a run that found nothing has `\"results\": []`)",
                "run 1 (`b`) has no `results`: the tool did not complete (a run that found nothing has `\"results\": []`)",
            ],
            &[],
            &[("results.total", 0)],
        );
    }

    #[test]
    fn empty_runs_block() {
        check_case(
            json!({"version": "2.1.0", "runs": []}),
            &["`runs` is empty: no analysis was run"],
            &[],
            &[],
        );
    }

    #[test]
    fn wrong_shapes_are_errors() {
        check_err(json!({"version": "2.1.0", "runs": null}), "`runs` is null, expected an array");
        check_err(json!({"version": "2.1.0"}), "`runs` is missing");
        check_err(json!([]), "the document is an array, expected an object");
        check_err(
            json!({"version": "2.0.0", "runs": []}),
            "`version` is `2.0.0`, expected `2.1.0`",
        );
        check_err(log(json!([]), json!(42)), "`runs[0].results` is a number, expected an array");
        check_err(log(json!([]), json!({})), "`runs[0].results` is an object, expected an array");
        check_err(
            log(json!([]), json!([7])),
            "`runs[0].results[0]` is a number, expected an object",
        );
        check_err(
            json!({"version": "2.1.0", "runs": ["x"]}),
            "`runs[0]` is a string, expected an object",
        );
        check_err(
            log(json!({}), json!([])),
            "`runs[0].tool.driver.rules` is an object, expected an array",
        );
        check_err(
            log(json!([{"id": "a", "defaultConfiguration": {"level": "fatal"}}]), json!([])),
            "`runs[0].tool.driver.rules[0].defaultConfiguration.level` is `fatal`, \
             expected one of `none`, `note`, `warning`, `error`",
        );
        check_err(
            log(json!([]), json!([{"level": 3}])),
            "`runs[0].results[0].level` is a number, expected a string",
        );
        check_err(
            log(json!([]), json!([{"kind": "bad"}])),
            "`runs[0].results[0].kind` is `bad`, expected one of `notApplicable`, `pass`, `fail`, \
             `review`, `open`, `informational`",
        );
        check_err(
            log(json!([]), json!([{"suppressions": {}}])),
            "`runs[0].results[0].suppressions` is an object, expected an array",
        );
        check_err(
            json!({"version": "2.1.0", "runs": [{"invocations": [{"executionSuccessful": "no"}]}]}),
            "`runs[0].invocations[0].executionSuccessful` is a string, expected a boolean",
        );
        check_err(
            json!({"version": "2.1.0", "runs": [{"tool": {"extensions": [1]}}]}),
            "`runs[0].tool.extensions[0]` is a number, expected an object",
        );
    }

    #[test]
    fn findings_blocking_first_by_severity_then_level() {
        let rules = json!([
            {"id": "low", "properties": {"security-severity": "3.0"}},
            {"id": "high", "properties": {"security-severity": 9.8}},
            {"id": "mid", "properties": {"security-severity": "7.5"}},
            {"id": "plain"}
        ]);
        let results = json!([
            {"ruleId": "plain", "level": "note", "message": {"text": "n"}},
            {"ruleId": "low", "level": "error", "message": {"text": "e low"}},
            {"ruleId": "plain", "level": "error", "message": {"text": "e plain"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/a.rs"}}}]},
            {"ruleId": "mid", "level": "warning", "message": {"text": "w\n\tmid \u{1b}[31mred\u{1b}[0m"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/db.js"}, "region": {"startLine": 12}}}]},
            {"ruleId": "high", "level": "error", "message": {"text": "worst"}},
            {"level": "warning"}
        ]);
        let outcome = run(log(rules, results), &FormatPolicy::default());
        assert_eq!(
            outcome.findings,
            [
                "error `high` (security-severity 9.8): worst",
                "warning `mid` (security-severity 7.5) at `src/db.js:12`: w mid red",
                "error `low` (security-severity 3.0): e low",
                "error `plain` at `src/a.rs`: e plain",
                "warning (no rule id)",
            ]
        );
    }

    #[test]
    fn finding_message_from_message_strings_and_uri_from_artifacts() {
        let doc = json!({
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {"name": "t", "rules": [{
                    "id": "R1",
                    "messageStrings": {"Missing": {"text": "{0}: no '{1}' {{here}} {2} {x}"}}
                }]}},
                "artifacts": [{"location": {"uri": "a.c"}}, {"location": {"uri": "b.c"}}],
                "results": [{
                    "ruleId": "R1", "level": "error",
                    "message": {"id": "Missing", "arguments": ["runs[0]", "locations"]},
                    "locations": [{"physicalLocation": {"artifactLocation": {"index": 1}, "region": {"startLine": 7}}}]
                }]
            }]
        });
        assert_eq!(
            run(doc, &FormatPolicy::default()).findings,
            ["error `R1` at `b.c:7`: runs[0]: no 'locations' {here} {2} {x}"]
        );
    }

    #[test]
    fn findings_are_capped_and_lines_clipped() {
        let long = "x".repeat(1000);
        let results: Vec<Value> = (0..9)
            .map(|_| json!({"ruleId": "r", "level": "error", "message": {"text": long}}))
            .collect();
        let outcome = run(log(json!([]), Value::Array(results)), &FormatPolicy::default());
        assert_eq!(outcome.findings.len(), MAX_FINDINGS);
        for line in &outcome.findings {
            assert_eq!(line.chars().count(), MAX_LINE);
            assert!(line.ends_with('…'));
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let docs = [
            json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"id": 5, "properties": {"security-severity": [1]}}]}},
                   "results": [{"ruleIndex": u64::MAX, "rule": {"index": -1, "toolComponent": {"index": "0"}}, "locations": [1, {"physicalLocation": 3}],
                                "message": "text"}]}]}),
            json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"rules": [{"id": "a/", "properties": {"security-severity": "1e999"}}]}},
                   "results": [{"ruleId": "a//b/", "message": {"text": "\u{1b}\u{1b}[\u{0}é"}}]}]}),
        ];
        for doc in docs {
            let _ = check(&doc, &FormatPolicy::default());
        }
        assert_eq!(clip("héllo", 3), "hé…");
        assert_eq!(clip("hé", 3), "hé");
        assert_eq!(one_line("  a \n\t b\u{1b}[1;31m c \u{7}"), "a b c");
    }

    #[test]
    fn an_invocation_that_does_not_say_it_succeeded_or_reports_an_error_blocks() {
        let run = |invocation: Value| json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t"}}, "invocations": [invocation], "results": []}]});
        let reasons = |doc: Value| check(&doc, &FormatPolicy::default()).unwrap().reasons;
        assert_eq!(
            reasons(run(json!({}))),
            ["run 0 (`t`) did not complete: `invocations[0]` does not say whether it succeeded (no `executionSuccessful`)"]
        );
        assert_eq!(
            reasons(run(json!({"executionSuccessful": true, "toolExecutionNotifications": [{"level": "warning", "message": {"text": "slow"}}, {"level": "error", "message": {"text": "crashed"}}]}))),
            ["run 0 (`t`) did not complete: `invocations[0].toolExecutionNotifications[1]` is an error: crashed"]
        );
        assert!(reasons(run(json!({"executionSuccessful": true}))).is_empty());
    }

    #[test]
    fn a_rule_reference_by_guid_is_resolved_or_dangling() {
        let log = |reference: Value| {
            json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": [
                {"id": "A", "defaultConfiguration": {"level": "note"}},
                {"id": "B", "guid": "22222222-2222-2222-2222-222222222222", "defaultConfiguration": {"level": "error"}}
            ]}}, "results": [{"ruleId": reference["ruleId"], "rule": reference["rule"], "message": {"text": "m"}}]}]})
        };
        let reasons = |doc: Value| check(&doc, &FormatPolicy::default()).unwrap().reasons;
        // By guid to B, whose level is error: blocks.
        let by_guid = reasons(log(
            json!({"ruleId": null, "rule": {"guid": "22222222-2222-2222-2222-222222222222"}}),
        ));
        assert!(!by_guid.is_empty(), "{by_guid:?}");
        // A guid that contradicts `ruleId`, or names no rule: dangling, blocks.
        for reference in [
            json!({"ruleId": "A", "rule": {"guid": "22222222-2222-2222-2222-222222222222"}}),
            json!({"ruleId": "A", "rule": {"guid": "nope"}}),
        ] {
            let got = reasons(log(reference.clone()));
            assert!(!got.is_empty(), "{reference}: {got:?}");
        }
        // `ruleId` A alone (a note): clean.
        assert!(reasons(log(json!({"ruleId": "A", "rule": null}))).is_empty());
    }
}
