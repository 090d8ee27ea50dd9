//! OpenSSF Scorecard JSON: `scorecard --format json` and the Scorecard API
//! (`api.securityscorecards.dev`) output.
//!
//! The rule: the aggregate `score` (0 to 10) must be at least
//! [`FormatPolicy::scorecard_min_score`] (5.0), and every check named in
//! [`FormatPolicy::scorecard_check_min`] (required checks) must be present
//! and score at least its minimum. A check score of -1 is inconclusive
//! (Scorecard could not run the check): a warning for an ordinary check, a
//! failure for a required one. An aggregate of -1 (no check was conclusive)
//! is below any minimum.
//!
//! `scorecard --format probe` output (`findings[]`, no scores) has the same
//! `repo`/`scorecard` header but is not a scored result: `Err`, so it cannot
//! pass as one.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::provenance::Found;
use super::{kind, required, FormatPolicy, Outcome, MAX_FINDINGS};
use crate::gate::escape::{self, clip, fmt_f64, len64, one_line};

/// The `-1` score Scorecard gives a check it could not decide.
const INCONCLUSIVE: f64 = -1.0;
/// The best check score.
const MAX_SCORE: f64 = 10.0;
/// How many inconclusive check names the warning lists.
const MAX_NAMES: usize = 10;
/// Why `--format probe` output is rejected.
const PROBE: &str = "an OpenSSF Scorecard probe result (`findings[]`, no scores), not a scorecard \
                     result: run scorecard with `--format json`";

/// Does this JSON document look like Scorecard output: an object with a
/// `scorecard` object (with `version`) or a `repo` object, plus a `checks`
/// array, or the probe format (`findings` array, no `checks` nor `score`)?
pub fn detect(doc: &Value) -> bool {
    let Some(obj) = doc.as_object() else {
        return false;
    };
    let scorecard = obj
        .get("scorecard")
        .and_then(Value::as_object)
        .is_some_and(|scorecard| scorecard.contains_key("version"));
    let repo = obj.get("repo").is_some_and(Value::is_object);
    (scorecard || repo) && (obj.get("checks").is_some_and(Value::is_array) || is_probe(obj))
}

/// `--format probe` output: `findings[]` with no `checks` or `score`.
fn is_probe(obj: &Map<String, Value>) -> bool {
    obj.get("findings").is_some_and(Value::is_array)
        && !obj.contains_key("checks")
        && !obj.contains_key("score")
}

/// Applies the Scorecard rule (see the module documentation).
pub fn check(doc: &Value, policy: &FormatPolicy) -> Result<Outcome, String> {
    let (score, checks) = read(doc)?;
    Ok(rule(score, &checks, policy))
}

/// The aggregate score and the checks: `Err` when the shape is not a
/// Scorecard result's.
fn read(doc: &Value) -> Result<(f64, Vec<Check>), String> {
    let obj = required(Some(doc), "the document", "an object", Value::as_object)?;
    if is_probe(obj) {
        return Err(PROBE.to_string());
    }
    let score = score_at(obj, "score", "")?;
    let checks = match obj.get("checks") {
        None => return Err("`checks` is missing".to_string()),
        Some(Value::Array(checks)) => checks
            .iter()
            .enumerate()
            .map(|(i, check)| Check::read(check, i))
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => return Err(format!("`checks` is {}, expected an array", kind(other))),
    };
    Ok((score, checks))
}

/// The rule over a result that has Scorecard's shape.
fn rule(score: f64, checks: &[Check], policy: &FormatPolicy) -> Outcome {
    let mut reasons = Vec::new();
    if checks.is_empty() {
        reasons.push("no check ran: the result lists no check".to_string());
    }
    if score == INCONCLUSIVE {
        reasons.push("aggregate score is inconclusive (-1): no check produced a score".to_string());
    } else if score < policy.scorecard_min_score {
        reasons.push(format!(
            "aggregate score {} is below the minimum {}",
            fmt_f64(score),
            fmt_f64(policy.scorecard_min_score)
        ));
    }
    let failing_required = required_checks(checks, policy, &mut reasons);
    let mut warnings = Vec::new();
    let inconclusive: Vec<&Check> = checks
        .iter()
        .filter(|check| check.score == INCONCLUSIVE && !is_required(policy, &check.name))
        .collect();
    if !inconclusive.is_empty() {
        let mut names: Vec<String> = inconclusive
            .iter()
            .take(MAX_NAMES)
            .map(|check| format!("`{}`", check.display_name()))
            .collect();
        if inconclusive.len() > MAX_NAMES {
            names.push(format!("and {} more", inconclusive.len() - MAX_NAMES));
        }
        warnings.push(format!(
            "{} {} inconclusive (-1): {}",
            inconclusive.len(),
            escape::plural(inconclusive.len(), "check", "checks"),
            names.join(", ")
        ));
    }
    let mut counts = BTreeMap::new();
    counts.insert("checks.total".to_string(), len64(checks));
    counts.insert(
        "checks.inconclusive".to_string(),
        checks.iter().filter(|check| check.score == INCONCLUSIVE).count() as u64,
    );
    if score >= 0.0 {
        // In 0..=100 after validation, so the cast is exact.
        counts.insert("score.tenths".to_string(), (score * 10.0).round() as u64);
    }
    let findings = worst(checks, &failing_required);
    Outcome { reasons, warnings, counts, findings }
}

/// The required checks (`scorecard_check_min`): a reason for each missing,
/// inconclusive or under its minimum; whether each check fails as required.
fn required_checks(
    checks: &[Check],
    policy: &FormatPolicy,
    reasons: &mut Vec<String>,
) -> Vec<bool> {
    let mut failing_required = vec![false; checks.len()];
    for (name, &min) in &policy.scorecard_check_min {
        let mut found = false;
        for (check, failing) in checks.iter().zip(failing_required.iter_mut()) {
            if !check.name.eq_ignore_ascii_case(name) {
                continue;
            }
            found = true;
            if check.score == INCONCLUSIVE {
                *failing = true;
                reasons.push(escape::line(&format!(
                    "required check `{}` is inconclusive (-1): {}",
                    check.display_name(),
                    check.reason
                )));
            } else if check.score < min {
                *failing = true;
                reasons.push(format!(
                    "check `{}` scored {}, below its minimum {min}",
                    check.display_name(),
                    check.score
                ));
            }
        }
        if !found {
            reasons.push(format!("required check `{}` is missing from the result", clip(name, 60)));
        }
    }
    failing_required
}

/// The lowest first: failing required checks, then conclusive checks below
/// 10 by score, then inconclusive ones; ties keep document order.
fn worst(checks: &[Check], failing_required: &[bool]) -> Vec<String> {
    let mut worst: Vec<(u8, &Check, bool)> = checks
        .iter()
        .zip(failing_required.iter().copied())
        .filter(|(check, _)| check.score < MAX_SCORE)
        .map(|(check, failing)| {
            let rank = match (failing, check.score == INCONCLUSIVE) {
                (true, _) => 0,
                (false, false) => 1,
                (false, true) => 2,
            };
            (rank, check, failing)
        })
        .collect();
    worst.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.score.total_cmp(&b.1.score)));
    worst.iter().take(MAX_FINDINGS).map(|(_, check, failing)| check.line(*failing)).collect()
}

/// Whether `scorecard_check_min` names this check (case-insensitive).
fn is_required(policy: &FormatPolicy, check: &str) -> bool {
    policy.scorecard_check_min.keys().any(|name| name.eq_ignore_ascii_case(check))
}

/// One entry of `checks`.
#[derive(Debug)]
struct Check {
    name: String,
    score: f64,
    /// The `reason`, as one line (empty when absent).
    reason: String,
}

impl Check {
    fn read(check: &Value, i: usize) -> Result<Check, String> {
        let check =
            required(Some(check), &format!("`checks[{i}]`"), "an object", Value::as_object)?;
        let name =
            required(check.get("name"), &format!("`checks[{i}].name`"), "a string", Value::as_str)?
                .to_string();
        let score = score_at(check, "score", &format!("checks[{i}]."))?;
        let reason = check.get("reason").and_then(Value::as_str).map(one_line).unwrap_or_default();
        Ok(Check { name, score, reason })
    }

    fn display_name(&self) -> String {
        clip(&one_line(&self.name), 60)
    }

    /// ``"`Vulnerabilities` 0/10: 383 existing vulnerabilities detected"``
    fn line(&self, required_failing: bool) -> String {
        let score = if self.score == INCONCLUSIVE {
            "inconclusive (-1)".to_string()
        } else {
            format!("{}/10", self.score)
        };
        let required = if required_failing { " (required)" } else { "" };
        let mut line = format!("`{}` {score}{required}", self.display_name());
        if !self.reason.is_empty() {
            line.push_str(": ");
            line.push_str(&self.reason);
        }
        escape::line(&line)
    }
}

/// The score at `key`: a number, -1 (inconclusive) or 0 to 10.
fn score_at(obj: &Map<String, Value>, key: &str, prefix: &str) -> Result<f64, String> {
    let number = match obj.get(key) {
        None | Some(Value::Null) => return Err(format!("`{prefix}{key}` is missing")),
        Some(Value::Number(n)) => n,
        Some(other) => {
            return Err(format!("`{prefix}{key}` is {}, expected a number", kind(other)));
        }
    };
    match number.as_f64() {
        Some(score) if score == INCONCLUSIVE || (0.0..=MAX_SCORE).contains(&score) => Ok(score),
        _ => Err(format!(
            "`{prefix}{key}` is {}, expected -1 (inconclusive) or 0 to 10",
            clip(&number.to_string(), 40)
        )),
    }
}

/// What a Scorecard result says about its provenance: the gate's own fields
/// at the top level; `date` (time) and `repo.commit` (commit).
pub fn provenance(doc: &Value) -> Found {
    let mut found = Found::top_level(doc);
    let Some(obj) = doc.as_object() else { return found };
    if let Some(at) = obj.get("date") {
        found.time(at, "date");
    }
    if let Some(commit) = obj.get("repo").and_then(|r| r.get("commit")) {
        found.commit(commit, "repo.commit");
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A `--format json` result with aggregate `score` and `(name, score)` checks.
    fn result(score: Value, checks: &[(&str, i64)]) -> Value {
        let checks: Vec<Value> = checks
            .iter()
            .map(|(name, score)| {
                json!({"name": name, "score": score, "reason": format!("{name} reason"),
                       "details": null, "documentation": {"url": "u", "short": "s"}})
            })
            .collect();
        json!({
            "date": "2024-01-01",
            "repo": {"name": "github.com/o/r", "commit": "abc"},
            "scorecard": {"version": "v5.0.0", "commit": "def"},
            "score": score,
            "checks": checks,
            "metadata": null
        })
    }

    fn policy(required: &[(&str, f64)]) -> FormatPolicy {
        FormatPolicy {
            scorecard_check_min: required.iter().map(|(n, m)| (n.to_string(), *m)).collect(),
            ..FormatPolicy::default()
        }
    }

    /// The data-driven check: expected reasons and warnings.
    fn check_case(doc: Value, policy: &FormatPolicy, reasons: &[&str], warnings: &[&str]) {
        assert!(detect(&doc), "not detected: {doc}");
        let outcome = check(&doc, policy).unwrap();
        assert_eq!(outcome.reasons, reasons, "reasons of {outcome:#?}");
        assert_eq!(outcome.warnings, warnings, "warnings of {outcome:#?}");
    }

    fn check_err(doc: Value, err: &str) {
        assert_eq!(check(&doc, &FormatPolicy::default()), Err(err.to_string()));
    }

    #[test]
    fn detects_results_and_probe_output() {
        assert!(detect(&result(json!(5), &[])));
        assert!(detect(&json!({"scorecard": {"version": "1"}, "checks": []})));
        assert!(detect(&json!({"repo": {}, "checks": []})));
        assert!(detect(&json!({"repo": {}, "findings": []})));
        assert!(!detect(&json!({"checks": []})));
        assert!(!detect(&json!({"scorecard": {}, "checks": []})));
        assert!(!detect(&json!({"repo": {}, "findings": [], "score": 3})));
        assert!(!detect(&json!({"repo": "x", "checks": []})));
        assert!(!detect(&json!([])));
    }

    #[test]
    fn aggregate_at_or_above_minimum_passes() {
        check_case(result(json!(5.0), &[("A", 5)]), &policy(&[]), &[], &[]);
        check_case(result(json!(9.7), &[("A", 10)]), &policy(&[]), &[], &[]);
    }

    #[test]
    fn aggregate_below_minimum_blocks() {
        check_case(
            result(json!(4.9), &[("A", 4)]),
            &policy(&[]),
            &["aggregate score 4.9 is below the minimum 5.0"],
            &[],
        );
        check_case(
            result(json!(4.96), &[("A", 5)]),
            &policy(&[]),
            &["aggregate score 4.96 is below the minimum 5.0"],
            &[],
        );
        // A result of no check at all checked nothing.
        check_case(
            result(json!(9.0), &[]),
            &policy(&[]),
            &["no check ran: the result lists no check"],
            &[],
        );
        let strict = FormatPolicy { scorecard_min_score: 8.0, ..FormatPolicy::default() };
        check_case(
            result(json!(7.5), &[("A", 7)]),
            &strict,
            &["aggregate score 7.5 is below the minimum 8.0"],
            &[],
        );
    }

    #[test]
    fn inconclusive_aggregate_blocks() {
        check_case(
            result(json!(-1), &[("A", -1)]),
            &policy(&[]),
            &["aggregate score is inconclusive (-1): no check produced a score"],
            &["1 check inconclusive (-1): `A`"],
        );
    }

    #[test]
    fn required_check_below_minimum_blocks() {
        check_case(
            result(json!(8), &[("Branch-Protection", 3), ("Code-Review", 9)]),
            &policy(&[("branch-protection", 5.0), ("Code-Review", 9.0)]),
            &["check `Branch-Protection` scored 3, below its minimum 5"],
            &[],
        );
    }

    #[test]
    fn required_check_missing_blocks() {
        check_case(
            result(json!(8), &[("A", 9)]),
            &policy(&[("Signed-Releases", 1.0)]),
            &["required check `Signed-Releases` is missing from the result"],
            &[],
        );
    }

    #[test]
    fn inconclusive_warns_unless_required() {
        check_case(
            result(json!(7), &[("Packaging", -1), ("Webhooks", -1), ("Fuzzing", -1)]),
            &policy(&[("Webhooks", 0.0)]),
            &["required check `Webhooks` is inconclusive (-1): Webhooks reason"],
            &["2 checks inconclusive (-1): `Packaging`, `Fuzzing`"],
        );
    }

    #[test]
    fn probe_format_is_an_error() {
        check_err(
            json!({"repo": {"name": "r"}, "scorecard": {"version": "1"},
                   "findings": [{"probe": "p", "outcome": "True"}]}),
            "an OpenSSF Scorecard probe result (`findings[]`, no scores), not a scorecard \
             result: run scorecard with `--format json`",
        );
    }

    #[test]
    fn wrong_shapes_are_errors() {
        let mut doc = result(json!(5), &[]);
        doc.as_object_mut().unwrap().remove("score");
        check_err(doc, "`score` is missing");
        check_err(result(json!("5.0"), &[]), "`score` is a string, expected a number");
        check_err(result(json!(11), &[]), "`score` is 11, expected -1 (inconclusive) or 0 to 10");
        check_err(
            result(json!(-0.5), &[]),
            "`score` is -0.5, expected -1 (inconclusive) or 0 to 10",
        );
        check_err(
            json!({"repo": {}, "score": 5, "checks": {}}),
            "`checks` is an object, expected an array",
        );
        check_err(json!({"repo": {}, "score": 5}), "`checks` is missing");
        check_err(
            json!({"repo": {}, "score": 5, "checks": [1]}),
            "`checks[0]` is a number, expected an object",
        );
        check_err(
            json!({"repo": {}, "score": 5, "checks": [{"score": 3}]}),
            "`checks[0].name` is missing",
        );
        check_err(
            json!({"repo": {}, "score": 5, "checks": [{"name": "A", "score": null}]}),
            "`checks[0].score` is missing",
        );
        check_err(
            json!({"repo": {}, "score": 5, "checks": [{"name": "A", "score": 1e300}]}),
            "`checks[0].score` is 1e+300, expected -1 (inconclusive) or 0 to 10",
        );
        check_err(json!("x"), "the document is a string, expected an object");
    }

    #[test]
    fn counts_and_findings() {
        let doc = result(
            json!(4.2),
            &[("Good", 10), ("Low", 0), ("Mid", 5), ("Unknown", -1), ("Req", 2), ("Zero", 0)],
        );
        let outcome = check(&doc, &policy(&[("Req", 3.0)])).unwrap();
        assert_eq!(outcome.counts.get("checks.total"), Some(&6));
        assert_eq!(outcome.counts.get("checks.inconclusive"), Some(&1));
        assert_eq!(outcome.counts.get("score.tenths"), Some(&42));
        assert_eq!(
            outcome.findings,
            [
                "`Req` 2/10 (required): Req reason",
                "`Low` 0/10: Low reason",
                "`Zero` 0/10: Zero reason",
                "`Mid` 5/10: Mid reason",
                "`Unknown` inconclusive (-1): Unknown reason",
            ]
        );
    }

    #[test]
    fn details_null_and_odd_reasons_are_fine() {
        let doc = json!({"repo": {}, "score": 6.0, "checks": [
            {"name": "A", "score": 1, "reason": null, "details": null},
            {"name": "B\n", "score": 2, "reason": "line\nbreak", "details": "odd"}
        ]});
        let outcome = check(&doc, &FormatPolicy::default()).unwrap();
        assert!(outcome.reasons.is_empty());
        assert_eq!(outcome.findings, ["`A` 1/10", "`B` 2/10: line break"]);
    }
}
