//! Understand the format: the files criterion.rs writes under
//! `target/criterion/<bench>/`, told apart by their content.
//!
//! - `change/estimates.json`: the relative change of the mean and median
//!   against the saved baseline (`0.05` = 5% slower), each with a
//!   `point_estimate` and a `confidence_interval` (`confidence_level`,
//!   `lower_bound`, `upper_bound`). The gate's rule reads this file.
//! - `new/estimates.json`, `base/estimates.json`: absolute estimates
//!   (`mean`, `median`, `std_dev`, `median_abs_dev`, maybe `slope`).
//! - `benchmark.json`, `sample.json`, `tukey.json`: support files.
//!
//! The rule ([`check_change`]): the benchmark regressed, and blocks, when the
//! lower bound of the mean change's confidence interval is above
//! [`FormatPolicy::criterion_regression_threshold`] (default 5%), so even the
//! most favourable reading of the measurement is a slowdown beyond it. It
//! improved when the upper bound is below minus the threshold. Otherwise it is
//! within the threshold; when the whole interval is above criterion's own
//! default noise threshold (1%), criterion itself reports a regression
//! (when significant), and that is a warning; the finding says when the
//! interval is beyond criterion's noise band either way.

use serde_json::Value;

use super::{kind, required, FormatPolicy, Outcome};

/// criterion's default `noise_threshold` (`Criterion::default()`): it reports
/// a change only when the whole confidence interval of the mean change is
/// outside plus or minus this fraction (and the change is significant).
const CRITERION_NOISE_THRESHOLD: f64 = 0.01;

/// The files criterion writes under `target/criterion/<bench>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `change/estimates.json`: the comparison with the baseline.
    Change,
    /// `new/estimates.json` or `base/estimates.json`.
    Estimates,
    /// `benchmark.json`, `sample.json`, `tukey.json`.
    Support,
}

/// Which criterion file this document is, from its content; `None` when it
/// is none of them.
/// - `Change`: an object with `mean` and `median` estimates (objects with
///   `point_estimate` and a `confidence_interval` object) and none of
///   `std_dev`, `slope`, `median_abs_dev`;
/// - `Estimates`: `mean` and `median` estimates plus `std_dev` and
///   `median_abs_dev` (and maybe `slope`);
/// - `Support`: `benchmark.json` (`group_id`, `full_id` or
///   `directory_name`), `sample.json` (`sampling_mode`, or `iters` and
///   `times`), or `tukey.json` (an array of 4 numbers).
pub fn classify(doc: &Value) -> Option<Kind> {
    match doc {
        Value::Array(items) => {
            (items.len() == 4 && items.iter().all(Value::is_number)).then_some(Kind::Support)
        }
        Value::Object(map) => {
            let has = |key: &str| map.contains_key(key);
            if has("mean") && has("median") {
                if !(looks_like_estimate(doc.get("mean")) && looks_like_estimate(doc.get("median")))
                {
                    return None;
                }
                let absolute = ["std_dev", "median_abs_dev", "slope"].map(has);
                return match absolute {
                    [false, false, false] => Some(Kind::Change),
                    [true, true, _] => Some(Kind::Estimates),
                    _ => None,
                };
            }
            let benchmark = has("group_id") || has("full_id") || has("directory_name");
            let sample = has("sampling_mode") || (has("iters") && has("times"));
            (benchmark || sample).then_some(Kind::Support)
        }
        _ => None,
    }
}

/// An object with `point_estimate` and a `confidence_interval` object.
fn looks_like_estimate(value: Option<&Value>) -> bool {
    value.is_some_and(|v| {
        v.get("point_estimate").is_some()
            && v.get("confidence_interval").is_some_and(Value::is_object)
    })
}

/// One estimate of a relative change, as fractions (0.05 = +5%).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Estimate {
    point: f64,
    lower: f64,
    upper: f64,
    level: f64,
}

/// The regression rule over a `change/estimates.json` (see the module
/// documentation). `Err` when a field the rule needs is missing or not a
/// number, when a bound is the wrong way round, or when the configured
/// threshold is not a non-negative number.
///
/// Counts: exactly one of `change.regressed`, `change.improved`,
/// `change.within_threshold` is 1; `change.mean.point_permille`,
/// `change.mean.lower_permille` and `change.mean.upper_permille` give the
/// mean change in permille (rounded), each only when it is not negative.
pub fn check_change(doc: &Value, policy: &FormatPolicy) -> Result<Outcome, String> {
    let threshold = policy.criterion_regression_threshold;
    if !(threshold.is_finite() && threshold >= 0.0) {
        return Err(format!(
            "`criterion_regression_threshold` is {threshold}, expected a non-negative fraction"
        ));
    }
    Ok(rule(&read(doc)?, threshold))
}

/// The mean change, every estimate of the document checked.
fn read(doc: &Value) -> Result<Estimate, String> {
    required(Some(doc), "the document", "an object", Value::as_object)?;
    let mean = estimate(doc, "mean")?;
    estimate(doc, "median")?;
    Ok(mean)
}

/// The regression rule over the mean change.
fn rule(mean: &Estimate, threshold: f64) -> Outcome {
    let mut out = Outcome::default();
    let summary = format!(
        "mean change {} ({} CI {} to {})",
        percent(mean.point),
        level(mean.level),
        percent(mean.lower),
        percent(mean.upper)
    );
    let state = if mean.lower > threshold {
        out.reasons.push(format!(
            "regressed: {summary}; the lower bound is above the +{:.1}% threshold",
            threshold * 100.0
        ));
        "regressed"
    } else if mean.upper < -threshold {
        "improved"
    } else {
        if mean.lower > CRITERION_NOISE_THRESHOLD {
            out.warnings.push(format!(
                "slower: {summary} is beyond criterion's {:.0}% noise threshold \
                 but within the +{:.1}% gate threshold",
                CRITERION_NOISE_THRESHOLD * 100.0,
                threshold * 100.0
            ));
        }
        "within_threshold"
    };
    for name in ["regressed", "improved", "within_threshold"] {
        out.counts.insert(format!("change.{name}"), u64::from(name == state));
    }
    for (name, value) in [("point", mean.point), ("lower", mean.lower), ("upper", mean.upper)] {
        if value >= 0.0 {
            // `as` saturates for values beyond u64.
            let permille = (value * 1000.0).round() as u64;
            out.counts.insert(format!("change.mean.{name}_permille"), permille);
        }
    }
    let verdict = match state {
        "within_threshold" if mean.lower > CRITERION_NOISE_THRESHOLD => {
            "within the threshold, slower beyond criterion's 1% noise band"
        }
        "within_threshold" if mean.upper < -CRITERION_NOISE_THRESHOLD => {
            "within the threshold, faster beyond criterion's 1% noise band"
        }
        "within_threshold" => "within the threshold",
        other => other,
    };
    out.findings.push(format!("{summary}: {verdict}"));
    out
}

/// Reads `doc.<name>` as an estimate, checking every number.
fn estimate(doc: &Value, name: &str) -> Result<Estimate, String> {
    let est =
        required(doc.get(name), &format!("`{name}`"), "an object", |v| v.is_object().then_some(v))?;
    let number = |path: &[&str]| -> Result<f64, String> {
        let mut value = est;
        let mut shown = name.to_string();
        for key in path {
            shown = format!("{shown}.{key}");
            value = match value.get(key) {
                Some(v) => v,
                None => return Err(format!("`{shown}` is missing")),
            };
        }
        value
            .as_f64()
            .filter(|n| n.is_finite())
            .ok_or_else(|| format!("`{shown}` is {}, expected a number", kind(value)))
    };
    let ci = est.get("confidence_interval");
    if let Some(ci) = ci.filter(|ci| !ci.is_object()) {
        return Err(format!("`{name}.confidence_interval` is {}, expected an object", kind(ci)));
    }
    let estimate = Estimate {
        point: number(&["point_estimate"])?,
        lower: number(&["confidence_interval", "lower_bound"])?,
        upper: number(&["confidence_interval", "upper_bound"])?,
        level: number(&["confidence_interval", "confidence_level"])?,
    };
    if estimate.lower > estimate.upper {
        return Err(format!(
            "`{name}.confidence_interval` has lower bound {} above upper bound {}",
            estimate.lower, estimate.upper
        ));
    }
    if !(estimate.level > 0.0 && estimate.level < 1.0) {
        return Err(format!(
            "`{name}.confidence_interval.confidence_level` is {}, expected a fraction between 0 and 1",
            estimate.level
        ));
    }
    Ok(estimate)
}

/// A relative change as a signed percentage: `+2.88%`, `-4.67%`.
fn percent(fraction: f64) -> String {
    format!("{:+.2}%", fraction * 100.0)
}

/// A confidence level as a percentage: `95%`, `99.9%`.
fn level(fraction: f64) -> String {
    let pct = fraction * 100.0;
    if (pct - pct.round()).abs() < 1e-9 {
        format!("{pct:.0}%")
    } else {
        format!("{pct:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn est(point: f64, lower: f64, upper: f64) -> Value {
        json!({
            "confidence_interval": {"confidence_level": 0.95, "lower_bound": lower, "upper_bound": upper},
            "point_estimate": point,
            "standard_error": 0.001
        })
    }

    fn change(point: f64, lower: f64, upper: f64) -> Value {
        json!({"mean": est(point, lower, upper), "median": est(point, lower, upper)})
    }

    struct Want<'a> {
        reasons: &'a [&'a str],
        warnings: &'a [&'a str],
        state: &'a str,
        permille: [Option<u64>; 3],
        finding: &'a str,
    }

    fn check_with(doc: &Value, policy: &FormatPolicy, want: Want<'_>) {
        assert_eq!(classify(doc), Some(Kind::Change));
        let out = check_change(doc, policy).unwrap();
        assert_eq!(out.reasons, want.reasons, "reasons");
        assert_eq!(out.warnings, want.warnings, "warnings");
        for name in ["regressed", "improved", "within_threshold"] {
            let expected = u64::from(name == want.state);
            assert_eq!(out.counts[&format!("change.{name}")], expected, "{name}");
        }
        for (name, expected) in ["point", "lower", "upper"].iter().zip(want.permille) {
            assert_eq!(out.counts.get(&format!("change.mean.{name}_permille")).copied(), expected);
        }
        assert_eq!(out.findings, [want.finding]);
    }

    fn check_default(doc: &Value, want: Want<'_>) {
        check_with(doc, &FormatPolicy::default(), want);
    }

    fn check_err(doc: &Value, want: &str) {
        assert_eq!(check_change(doc, &FormatPolicy::default()), Err(want.to_string()));
    }

    #[test]
    fn classifies_each_file_kind() {
        let absolute = json!({
            "mean": est(100.0, 99.0, 101.0), "median": est(100.0, 99.0, 101.0),
            "median_abs_dev": est(1.0, 0.5, 1.5), "std_dev": est(1.0, 0.5, 1.5)
        });
        let mut with_slope = absolute.clone();
        with_slope["slope"] = est(100.0, 99.0, 101.0);
        assert_eq!(classify(&change(0.0, -0.01, 0.01)), Some(Kind::Change));
        assert_eq!(classify(&absolute), Some(Kind::Estimates));
        assert_eq!(classify(&with_slope), Some(Kind::Estimates));
        assert_eq!(classify(&json!({"group_id": "g", "full_id": "g/f"})), Some(Kind::Support));
        assert_eq!(classify(&json!({"directory_name": "g"})), Some(Kind::Support));
        assert_eq!(
            classify(&json!({"sampling_mode": "Flat", "iters": [], "times": []})),
            Some(Kind::Support)
        );
        assert_eq!(classify(&json!({"iters": [1.0], "times": [2.0]})), Some(Kind::Support));
        assert_eq!(classify(&json!([1.0, 2.0, 3.0, 4.5])), Some(Kind::Support));
    }

    #[test]
    fn does_not_classify_other_documents() {
        assert_eq!(classify(&json!([1.0, 2.0, 3.0])), None);
        assert_eq!(classify(&json!([1.0, 2.0, "3", 4.0])), None);
        assert_eq!(classify(&json!({"mean": 1.0, "median": 2.0})), None);
        assert_eq!(classify(&json!({"mean": est(1.0, 0.0, 2.0)})), None);
        // An estimate-like document with only part of the absolute fields.
        assert_eq!(
            classify(
                &json!({"mean": est(1.0, 0.0, 2.0), "median": est(1.0, 0.0, 2.0), "slope": 1})
            ),
            None
        );
        assert_eq!(classify(&json!({"iters": []})), None);
        assert_eq!(classify(&json!("criterion")), None);
        assert_eq!(classify(&json!({})), None);
    }

    #[test]
    fn lower_bound_above_threshold_regresses() {
        check_default(
            &change(0.0712, 0.0601, 0.0822),
            Want {
                reasons: &["regressed: mean change +7.12% (95% CI +6.01% to +8.22%); \
                            the lower bound is above the +5.0% threshold"],
                warnings: &[],
                state: "regressed",
                permille: [Some(71), Some(60), Some(82)],
                finding: "mean change +7.12% (95% CI +6.01% to +8.22%): regressed",
            },
        );
    }

    #[test]
    fn lower_bound_at_threshold_does_not_block() {
        check_default(
            &change(0.06, 0.05, 0.07),
            Want {
                reasons: &[],
                warnings: &["slower: mean change +6.00% (95% CI +5.00% to +7.00%) is beyond \
                             criterion's 1% noise threshold but within the +5.0% gate threshold"],
                state: "within_threshold",
                permille: [Some(60), Some(50), Some(70)],
                finding: "mean change +6.00% (95% CI +5.00% to +7.00%): \
                          within the threshold, slower beyond criterion's 1% noise band",
            },
        );
    }

    #[test]
    fn slower_than_noise_but_under_threshold_warns() {
        check_default(
            &change(0.031, 0.021, 0.041),
            Want {
                reasons: &[],
                warnings: &["slower: mean change +3.10% (95% CI +2.10% to +4.10%) is beyond \
                             criterion's 1% noise threshold but within the +5.0% gate threshold"],
                state: "within_threshold",
                permille: [Some(31), Some(21), Some(41)],
                finding: "mean change +3.10% (95% CI +2.10% to +4.10%): \
                          within the threshold, slower beyond criterion's 1% noise band",
            },
        );
    }

    #[test]
    fn interval_straddling_zero_is_within_threshold() {
        check_default(
            &change(0.004, -0.006, 0.015),
            Want {
                reasons: &[],
                warnings: &[],
                state: "within_threshold",
                permille: [Some(4), None, Some(15)],
                finding: "mean change +0.40% (95% CI -0.60% to +1.50%): within the threshold",
            },
        );
    }

    #[test]
    fn upper_bound_below_minus_threshold_improves() {
        check_default(
            &change(-0.30, -0.35, -0.25),
            Want {
                reasons: &[],
                warnings: &[],
                state: "improved",
                permille: [None, None, None],
                finding: "mean change -30.00% (95% CI -35.00% to -25.00%): improved",
            },
        );
        // A small improvement is within the threshold.
        check_default(
            &change(-0.04, -0.045, -0.035),
            Want {
                reasons: &[],
                warnings: &[],
                state: "within_threshold",
                permille: [None, None, None],
                finding: "mean change -4.00% (95% CI -4.50% to -3.50%): \
                          within the threshold, faster beyond criterion's 1% noise band",
            },
        );
    }

    #[test]
    fn the_threshold_comes_from_the_policy() {
        let policy =
            FormatPolicy { criterion_regression_threshold: 0.01, ..FormatPolicy::default() };
        check_with(
            &change(0.031, 0.021, 0.041),
            &policy,
            Want {
                reasons: &["regressed: mean change +3.10% (95% CI +2.10% to +4.10%); \
                            the lower bound is above the +1.0% threshold"],
                warnings: &[],
                state: "regressed",
                permille: [Some(31), Some(21), Some(41)],
                finding: "mean change +3.10% (95% CI +2.10% to +4.10%): regressed",
            },
        );
        for bad in [f64::NAN, -0.1, f64::INFINITY] {
            let policy =
                FormatPolicy { criterion_regression_threshold: bad, ..FormatPolicy::default() };
            assert!(check_change(&change(0.0, -0.01, 0.01), &policy).is_err());
        }
    }

    #[test]
    fn huge_changes_saturate_counts() {
        let out = check_change(&change(1e300, 1e299, 1e301), &FormatPolicy::default()).unwrap();
        assert_eq!(out.counts["change.mean.point_permille"], u64::MAX);
        assert_eq!(out.counts["change.regressed"], 1);
    }

    #[test]
    fn the_confidence_level_is_shown() {
        let mut doc = change(0.0, -0.01, 0.01);
        doc["mean"]["confidence_interval"]["confidence_level"] = json!(0.999);
        let out = check_change(&doc, &FormatPolicy::default()).unwrap();
        assert_eq!(
            out.findings,
            ["mean change +0.00% (99.9% CI -1.00% to +1.00%): within the threshold"]
        );
    }

    #[test]
    fn missing_or_wrong_fields_are_errors() {
        check_err(&json!([1, 2]), "the document is an array, expected an object");
        check_err(&json!({"median": est(0.0, 0.0, 0.0)}), "`mean` is missing");
        check_err(
            &json!({"mean": 3, "median": est(0.0, 0.0, 0.0)}),
            "`mean` is a number, expected an object",
        );
        let mut doc = change(0.0, -0.01, 0.01);
        doc["mean"]["confidence_interval"]["lower_bound"] = json!("0.1");
        check_err(&doc, "`mean.confidence_interval.lower_bound` is a string, expected a number");
        let mut doc = change(0.0, -0.01, 0.01);
        doc["mean"]["confidence_interval"] = json!([0.1]);
        check_err(&doc, "`mean.confidence_interval` is an array, expected an object");
        let mut doc = change(0.0, -0.01, 0.01);
        doc["mean"].as_object_mut().unwrap().remove("point_estimate");
        check_err(&doc, "`mean.point_estimate` is missing");
        let mut doc = change(0.0, -0.01, 0.01);
        doc["median"]["confidence_interval"]["upper_bound"] = Value::Null;
        check_err(&doc, "`median.confidence_interval.upper_bound` is null, expected a number");
        check_err(
            &change(0.0, 0.02, 0.01),
            "`mean.confidence_interval` has lower bound 0.02 above upper bound 0.01",
        );
        let mut doc = change(0.0, -0.01, 0.01);
        doc["mean"]["confidence_interval"]["confidence_level"] = json!(95);
        check_err(
            &doc,
            "`mean.confidence_interval.confidence_level` is 95, expected a fraction between 0 and 1",
        );
    }
}
