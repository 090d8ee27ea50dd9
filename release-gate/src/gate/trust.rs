//! Evidence you can trust: binding to the release and commit, freshness and
//! waivers. Pure: the clock and the commit under test come in as values.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};

/// What the run knows about the release under test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    pub release: String,
    /// The commit under test (`--commit`, `GITHUB_SHA` or `git rev-parse HEAD`).
    pub commit: Option<String>,
}

/// A problem with an artifact that blocks its domain: `kind` is the blocker
/// code's suffix (`<domain>.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Issue {
    pub kind: &'static str,
    pub message: String,
    pub fix: String,
}

/// An evidence file's binding fields, as it wrote them.
pub use release_gate_scan::evidence::Claims;

/// The binding checks of one artifact. Returns the blocking issues and the
/// non-blocking warnings (about the artifact, without its path).
pub fn check_binding(
    path: &str,
    domain: &str,
    claims: &Claims,
    binding: &Binding,
    require_binding: bool,
) -> (Vec<Issue>, Vec<String>) {
    let mut issues = Vec::new();
    let mut warnings = Vec::new();
    if let Some(found) = &claims.release {
        // `v1.2.3` and `1.2.3` name one release (tool formats such as
        // CycloneDX write the version without the `v`).
        let bare = |s: &str| s.trim().strip_prefix(['v', 'V']).unwrap_or(s.trim()).to_string();
        if bare(found) != bare(&binding.release) {
            issues.push(Issue {
                kind: "release_mismatch",
                message: format!("`{path}` is evidence for release `{found}`, expected `{}`", binding.release),
                fix: format!("re-run the `{domain}` workflow for release `{}`; evidence from another release does not count", binding.release),
            });
        }
    }
    if let Some(found) = &claims.commit {
        match &binding.commit {
            Some(expected) if !same_commit(found, expected) => issues.push(Issue {
                kind: "commit_mismatch",
                message: format!("`{path}` is evidence for commit `{found}`, expected `{expected}`"),
                fix: format!("re-run the `{domain}` workflow on commit `{expected}`; evidence from another commit does not count"),
            }),
            Some(_) => {}
            None => warnings.push(format!(
                "it names commit `{found}`, but the commit under test is unknown (pass `--commit`), so it was not checked"
            )),
        }
    }
    if claims.release.is_none() && claims.commit.is_none() {
        if require_binding {
            issues.push(Issue {
                kind: "unbound",
                message: format!("`{path}` names neither a `release` nor a `commit`, and the policy requires `{domain}` evidence to be bound"),
                fix: format!("make the `{domain}` workflow write `release` and `commit` into its evidence"),
            });
        } else {
            warnings.push("unbound: it names neither a `release` nor a `commit`".to_string());
        }
    }
    (issues, warnings)
}

/// Full or abbreviated (at least 7 hex digits) SHAs, case-insensitive.
fn same_commit(found: &str, expected: &str) -> bool {
    let (f, e) = (found.trim().to_ascii_lowercase(), expected.trim().to_ascii_lowercase());
    let hex = |s: &str| s.len() >= 7 && s.bytes().all(|b| b.is_ascii_hexdigit());
    if f == e {
        return true;
    }
    hex(&f) && hex(&e) && (e.starts_with(&f) || f.starts_with(&e))
}

/// The freshness check of one artifact under a max-age (in seconds).
pub fn check_age(
    path: &str,
    domain: &str,
    generated_at: Option<&str>,
    max_age: u64,
    now: Timestamp,
) -> Option<Issue> {
    let max = human_duration(max_age);
    let stale = |message: String| Issue {
        kind: "stale",
        message,
        fix: format!("re-run the `{domain}` workflow: evidence must be at most {max} old"),
    };
    let Some(raw) = generated_at else {
        return Some(stale(format!(
            "`{path}` names no time (`generated_at`, or its format's own time field), so its age is unknown and the max-age of {max} cannot hold"
        )));
    };
    let at: Timestamp = match raw.trim().parse() {
        Ok(at) => at,
        Err(_) => {
            return Some(stale(format!(
                "`{path}` names the time `{raw}`, which is not an RFC 3339 timestamp, so its age is unknown"
            )))
        }
    };
    let age = now.as_second().saturating_sub(at.as_second());
    if age < -300 {
        return Some(stale(format!(
            "`{path}` was generated at {at}, {} in the future of this run ({now})",
            human_duration(age.unsigned_abs())
        )));
    }
    let age = u64::try_from(age).unwrap_or(0);
    if age > max_age {
        return Some(stale(format!(
            "`{path}` is {} old (generated at {at}), over the max-age of {max}",
            human_duration(age)
        )));
    }
    None
}

/// Parses a human duration: a whole number and a unit, `s`, `m`, `h`, `d` or
/// `w` (for example `36h`, `7d`), into seconds.
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number.parse().map_err(|_| {
        format!(
            "`{s}` is not a duration: expected a whole number and a unit, such as `36h` or `7d`"
        )
    })?;
    let unit = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        other => {
            return Err(format!("`{s}` has unit `{other}`: expected `s`, `m`, `h`, `d` or `w`"))
        }
    };
    n.checked_mul(unit).ok_or_else(|| format!("`{s}` is too long a duration"))
}

/// Seconds as the largest whole units that fit, for example `9d 2h`.
pub fn human_duration(secs: u64) -> String {
    let units = [(604_800, "w"), (86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut rest = secs;
    let mut parts = Vec::new();
    for (size, name) in units {
        if rest >= size && parts.len() < 2 {
            parts.push(format!("{}{name}", rest / size));
            rest %= size;
        }
    }
    if parts.is_empty() {
        "0s".to_string()
    } else {
        parts.join(" ")
    }
}

/// One `[[workspace.metadata.release-gate.waivers]]` entry, validated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Waiver {
    /// The blocker code it covers, such as `security.not_passed`.
    pub code: String,
    pub reason: String,
    pub approved_by: String,
    /// The last UTC day it is valid (it expires at the end of that day).
    pub expires: String,
    /// When set, it covers only the artifact with this sha256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// When set (`<domain>.not_passed` only), it covers the blocker only
    /// when this named check of the gate's own evidence is all that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

impl Waiver {
    /// Expired when `now` is past the end of the `expires` day (UTC).
    pub fn expired(&self, now: Timestamp) -> bool {
        match self.expires.parse::<Date>() {
            Ok(date) => {
                // The last representable day (9999-12-31) has no next day:
                // it ends after any instant the clock can give.
                let Ok(next) = date.checked_add(1.day()) else { return false };
                let end = next.to_zoned(jiff::tz::TimeZone::UTC).ok();
                end.is_none_or(|end| now >= end.timestamp())
            }
            Err(_) => true,
        }
    }
}

/// Why a blocker code can never be waived, or `None`.
fn unwaivable(domain: &str, kind: &str) -> Option<&'static str> {
    match (domain, kind) {
        (_, "stub") => Some("stub evidence is never release evidence"),
        ("waiver", _) => Some("the gate's own waiver rules cannot be waived"),
        ("baseline", _) => {
            Some("the policy allows no new blockers versus the baseline, waived or not")
        }
        ("evidence", _) => Some("evidence no domain can be named for is never release evidence"),
        _ => None,
    }
}

/// Checks a waiver as written; the error says what to fix.
pub fn validate_waiver(w: &Waiver, domains: &BTreeSet<String>) -> Result<(), String> {
    let Some((domain, kind)) = w.code.split_once('.') else {
        return Err(format!(
            "waiver code `{}` is not `<domain>.<kind>` (for example `security.not_passed`)",
            w.code
        ));
    };
    if let Some(why) = unwaivable(domain, kind) {
        return Err(format!("`{}` cannot be waived: {why}; remove the waiver", w.code));
    }
    if !domains.contains(domain) {
        return Err(format!(
            "waiver code `{}` names `{domain}`, which is not a configured domain",
            w.code
        ));
    }
    const KINDS: &[&str] = &[
        "missing",
        "invalid",
        "not_passed",
        "release_mismatch",
        "commit_mismatch",
        "unbound",
        "stale",
    ];
    if !KINDS.contains(&kind) {
        return Err(format!(
            "waiver code `{}`: `{kind}` is not a blocker kind ({})",
            w.code,
            KINDS.join(", ")
        ));
    }
    if w.reason.trim().is_empty() || w.approved_by.trim().is_empty() {
        return Err(format!("waiver for `{}` needs a `reason` and an `approved-by`", w.code));
    }
    if w.expires.parse::<Date>().is_err() {
        return Err(format!(
            "waiver for `{}` has `expires` `{}`: expected a date such as `2026-12-31`",
            w.code, w.expires
        ));
    }
    if let Some(check) = &w.check {
        if kind != "not_passed" {
            return Err(format!(
                "waiver for `{}` names check `{check}`: only a `<domain>.not_passed` waiver can name a check",
                w.code
            ));
        }
        if check.trim().is_empty() || release_gate_scan::text::has_control(check) {
            return Err(format!("waiver for `{}` has an empty or multi-line `check`", w.code));
        }
    }
    if let Some(sha) = &w.sha256 {
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "waiver for `{}` has `sha256` `{sha}`: expected 64 hex digits",
                w.code
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A waiver of `docs.stale` that expires at the end of 2026-11-26.
    fn waiver() -> Waiver {
        Waiver {
            code: "docs.stale".into(),
            reason: "r".into(),
            approved_by: "a".into(),
            expires: "2026-11-26".into(),
            sha256: None,
            check: None,
        }
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("36h"), Ok(129_600));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration(" 2w "), Ok(1_209_600));
        assert_eq!(
            parse_duration("7"),
            Err("`7` has unit ``: expected `s`, `m`, `h`, `d` or `w`".to_string())
        );
        assert_eq!(
            parse_duration("d"),
            Err("`d` is not a duration: expected a whole number and a unit, such as `36h` or `7d`"
                .to_string())
        );
        assert_eq!(parse_duration("99999999999999999999d"), Err("`99999999999999999999d` is not a duration: expected a whole number and a unit, such as `36h` or `7d`".to_string()));
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(9 * 86_400 + 2 * 3_600 + 5), "1w 2d");
        assert_eq!(human_duration(129_600), "1d 12h");
    }

    #[test]
    fn binding() {
        let b = Binding {
            release: "v1.0.0".into(),
            commit: Some("0123456789abcdef0123456789abcdef01234567".into()),
        };
        let check = |c: Claims, require: bool| {
            let (issues, warnings) = check_binding("e.json", "docs", &c, &b, require);
            (
                issues
                    .into_iter()
                    .map(|i| format!("{}: {}", i.kind, i.message))
                    .collect::<Vec<_>>(),
                warnings,
            )
        };
        let claims = |r: Option<&str>, c: Option<&str>| Claims {
            release: r.map(Into::into),
            commit: c.map(Into::into),
            generated_at: None,
        };
        assert_eq!(check(claims(Some("v1.0.0"), Some("0123456")), false), (vec![], vec![]));
        assert_eq!(
            check(claims(Some("v1.0.0"), Some("0123456789ABCDEF0123456789abcdef01234567")), false),
            (vec![], vec![])
        );
        assert_eq!(
            check(claims(Some("v0.9.0"), Some("fedcba9")), false).0,
            vec![
                "release_mismatch: `e.json` is evidence for release `v0.9.0`, expected `v1.0.0`".to_string(),
                "commit_mismatch: `e.json` is evidence for commit `fedcba9`, expected `0123456789abcdef0123456789abcdef01234567`".to_string(),
            ]
        );
        assert_eq!(
            check(claims(None, Some("012345")), false).0.len(),
            1,
            "6 digits is too short to abbreviate"
        );
        assert_eq!(
            check(claims(None, None), false),
            (vec![], vec!["unbound: it names neither a `release` nor a `commit`".to_string()])
        );
        assert_eq!(
            check(claims(None, None), true).0,
            vec!["unbound: `e.json` names neither a `release` nor a `commit`, and the policy requires `docs` evidence to be bound".to_string()]
        );
        let unknown = Binding { release: "v1.0.0".into(), commit: None };
        let (issues, warnings) =
            check_binding("e.json", "docs", &claims(None, Some("abc1234")), &unknown, false);
        assert!(issues.is_empty());
        assert_eq!(warnings, vec!["it names commit `abc1234`, but the commit under test is unknown (pass `--commit`), so it was not checked".to_string()]);
    }

    #[test]
    fn freshness() {
        let now = ts("2026-11-26T12:00:00Z");
        let check =
            |at: Option<&str>| check_age("e.json", "docs", at, 7 * 86_400, now).map(|i| i.message);
        assert_eq!(check(Some("2026-11-20T12:00:00Z")), None);
        assert_eq!(check(Some("2026-11-20T13:00:00+01:00")), None);
        assert_eq!(
            check(Some("2026-11-19T11:59:59Z")).unwrap(),
            "`e.json` is 1w 1s old (generated at 2026-11-19T11:59:59Z), over the max-age of 1w"
        );
        assert_eq!(check(None).unwrap(), "`e.json` names no time (`generated_at`, or its format's own time field), so its age is unknown and the max-age of 1w cannot hold");
        assert_eq!(check(Some("yesterday")).unwrap(), "`e.json` names the time `yesterday`, which is not an RFC 3339 timestamp, so its age is unknown");
        assert_eq!(check(Some("2026-11-27T12:00:00Z")).unwrap(), "`e.json` was generated at 2026-11-27T12:00:00Z, 1d in the future of this run (2026-11-26T12:00:00Z)");
        assert_eq!(
            check(Some("2026-11-26T12:04:00Z")),
            None,
            "a few minutes of clock skew is tolerated"
        );
    }

    #[test]
    fn waiver_expiry_is_the_end_of_the_day() {
        let w = waiver();
        assert!(!w.expired(ts("2026-11-26T23:59:59Z")));
        assert!(w.expired(ts("2026-11-27T00:00:00Z")));
        let last = Waiver { expires: "9999-12-31".into(), ..w.clone() };
        assert!(!last.expired(ts("2026-11-27T00:00:00Z")));
        let bad = Waiver { expires: "soon".into(), ..w.clone() };
        assert!(bad.expired(ts("2000-01-01T00:00:00Z")));
    }

    #[test]
    fn waiver_validation() {
        let domains: BTreeSet<String> = ["docs".to_string()].into();
        let w = waiver();
        assert_eq!(validate_waiver(&w, &domains), Ok(()));
        let check =
            |w: Waiver, msg: &str| assert_eq!(validate_waiver(&w, &domains), Err(msg.to_string()));
        check(
            Waiver { code: "docs".into(), ..w.clone() },
            "waiver code `docs` is not `<domain>.<kind>` (for example `security.not_passed`)",
        );
        check(
            Waiver { code: "cdc.stale".into(), ..w.clone() },
            "waiver code `cdc.stale` names `cdc`, which is not a configured domain",
        );
        check(Waiver { code: "docs.bad".into(), ..w.clone() }, "waiver code `docs.bad`: `bad` is not a blocker kind (missing, invalid, not_passed, release_mismatch, commit_mismatch, unbound, stale)");
        for (code, why) in [
            ("docs.stub", "stub evidence is never release evidence"),
            ("waiver.expired", "the gate's own waiver rules cannot be waived"),
            ("waiver.below_ga_min_score", "the gate's own waiver rules cannot be waived"),
            (
                "baseline.new_blockers",
                "the policy allows no new blockers versus the baseline, waived or not",
            ),
            ("evidence.invalid", "evidence no domain can be named for is never release evidence"),
        ] {
            check(
                Waiver { code: code.into(), ..w.clone() },
                &format!("`{code}` cannot be waived: {why}; remove the waiver"),
            );
        }
        check(
            Waiver { check: Some("msrv".into()), ..w.clone() },
            "waiver for `docs.stale` names check `msrv`: only a `<domain>.not_passed` waiver can name a check",
        );
        check(
            Waiver { code: "docs.not_passed".into(), check: Some("a\nb".into()), ..w.clone() },
            "waiver for `docs.not_passed` has an empty or multi-line `check`",
        );
        check(
            Waiver { reason: " ".into(), ..w.clone() },
            "waiver for `docs.stale` needs a `reason` and an `approved-by`",
        );
        check(Waiver { expires: "2026-13-01".into(), ..w.clone() }, "waiver for `docs.stale` has `expires` `2026-13-01`: expected a date such as `2026-12-31`");
        check(
            Waiver { sha256: Some("abc".into()), ..w.clone() },
            "waiver for `docs.stale` has `sha256` `abc`: expected 64 hex digits",
        );
    }
}
