//! What a tool document says about its own provenance: the stub marker, and
//! the commit, release and time it binds itself to, read from the format's
//! native fields (`docs/formats.md` has the table) and from the gate's own
//! field names (`provenance`, `release`, `commit`, `generated_at`) at its top
//! level or in its property bag.
//!
//! One rule for every format, fail closed:
//! - the stub marker counts wherever one is found (any run, any record);
//! - a document that names several different commits (or releases) claims
//!   all of them, written `a, b`: it can only be bound to one commit, so it
//!   never matches the expected commit and is a `commit_mismatch` (or
//!   `release_mismatch`);
//! - of several times, the oldest counts; a time that does not parse wins
//!   over every other (the freshness check reports it as not RFC 3339, never
//!   as fresh); a date or a date-time without an offset (JUnit writers omit
//!   it) is read at `+14:00`, the earliest instant it can denote, so it can
//!   only look older than it is;
//! - a claim that is not a one-line string of at most `MAX_CLAIM` bytes is a
//!   reason: the document does not pass.

use jiff::civil::{Date, DateTime};
use jiff::Timestamp;
use serde_json::{Map, Value};

use super::evidence_json::MAX_CLAIM;
use crate::gate::escape::shown;
use crate::gate::trust::Claims;

/// The claims and markers found in one document, in document order.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Found {
    commits: Vec<String>,
    releases: Vec<String>,
    times: Vec<String>,
    /// A stub marker was found.
    pub stub: bool,
    /// Claims with the wrong shape, as reasons.
    pub problems: Vec<String>,
}

impl Found {
    /// The gate's own provenance fields at the top level of a document.
    pub fn top_level(doc: &Value) -> Found {
        let mut found = Found::default();
        if let Some(obj) = doc.as_object() {
            found.own_fields(obj);
        }
        found
    }

    /// The gate's own field names at the top of `obj` (a document, a record
    /// of a stream, a statement): `provenance`, `release`, `commit`,
    /// `generated_at`.
    pub fn own_fields(&mut self, obj: &Map<String, Value>) {
        for (key, value) in obj {
            self.named(key, value, None);
        }
    }

    /// One named property of a format's property bag (SARIF run
    /// `properties`, CycloneDX `metadata.properties`, JUnit `property`):
    /// the same four names; `at` says where, for messages.
    pub fn property(&mut self, name: &str, value: &Value, at: &str) {
        self.named(name, value, Some(at));
    }

    /// Every member of a property-bag object.
    pub fn bag(&mut self, bag: Option<&Value>, at: &str) {
        if let Some(Value::Object(bag)) = bag {
            for (key, value) in bag {
                self.named(key, value, Some(at));
            }
        }
    }

    fn named(&mut self, name: &str, value: &Value, at: Option<&str>) {
        let field = |name: &str| match at {
            Some(at) => format!("{at}.{name}"),
            None => name.to_string(),
        };
        match name {
            "provenance" => self.marker(value),
            "release" => self.release(value, &field("release")),
            "commit" => self.commit(value, &field("commit")),
            "generated_at" => {
                if let Some(text) = self.text(value, &field("generated_at")) {
                    // The gate's own field: RFC 3339, read as written.
                    self.times.push(text);
                }
            }
            _ => {}
        }
    }

    /// A stub marker: the string `stub` (any case), alone or in an array.
    pub fn marker(&mut self, value: &Value) {
        let is_stub = |v: &Value| v.as_str().is_some_and(|s| s.trim().eq_ignore_ascii_case("stub"));
        self.stub |= match value {
            Value::Array(items) => items.iter().any(is_stub),
            other => is_stub(other),
        };
    }

    /// A commit (a native field such as SARIF `revisionId`).
    pub fn commit(&mut self, value: &Value, field: &str) {
        if let Some(text) = self.text(value, field) {
            self.commits.push(text);
        }
    }

    /// A release (a native field such as CycloneDX `metadata.component.version`).
    pub fn release(&mut self, value: &Value, field: &str) {
        if let Some(text) = self.text(value, field) {
            self.releases.push(text);
        }
    }

    /// A time in a native field (see the module documentation for how a
    /// time without an offset is read).
    pub fn time(&mut self, value: &Value, field: &str) {
        if let Some(text) = self.text(value, field) {
            self.times.push(earliest_reading(&text));
        }
    }

    /// Everything `other` found, after what this holds.
    pub fn extend(&mut self, other: Found) {
        self.commits.extend(other.commits);
        self.releases.extend(other.releases);
        self.times.extend(other.times);
        self.stub |= other.stub;
        self.problems.extend(other.problems);
    }

    /// A claim's text; `None` (and a problem) when it is not a short
    /// one-line string; `None` for `null` and the empty string.
    fn text(&mut self, value: &Value, field: &str) -> Option<String> {
        match value {
            Value::Null => None,
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) if s.len() <= MAX_CLAIM && !s.chars().any(char::is_control) => {
                Some(s.trim().to_string())
            }
            Value::String(s) => {
                self.problems.push(format!(
                    "`{field}` is `{}`, not a claim the gate can check (at most {MAX_CLAIM} bytes, one line)",
                    shown(s)
                ));
                None
            }
            other => {
                self.problems
                    .push(format!("`{field}` is {}, expected a string", super::kind(other)));
                None
            }
        }
    }

    /// The claims the binding and freshness checks read, and the stub marker.
    pub fn claims(&self) -> Claims {
        Claims {
            release: joined(distinct(&self.releases, same_release)),
            commit: joined(distinct(&self.commits, same_commit)),
            generated_at: oldest(&self.times),
        }
    }
}

/// The values, without repeats (the first spelling is kept).
fn distinct(values: &[String], same: fn(&str, &str) -> bool) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for v in values {
        match out.iter_mut().find(|o| same(o, v)) {
            // Keep the longer of an abbreviated and a full commit.
            Some(o) if v.len() > o.len() => *o = v,
            Some(_) => {}
            None => out.push(v),
        }
    }
    out
}

fn joined(values: Vec<&str>) -> Option<String> {
    (!values.is_empty()).then(|| values.join(", "))
}

/// `v1.2.3` and `1.2.3` are one release.
fn same_release(a: &str, b: &str) -> bool {
    let bare = |s: &str| s.trim().trim_start_matches(['v', 'V']).to_string();
    bare(a) == bare(b)
}

/// Full or abbreviated (at least 7 hex digits) SHAs, case-insensitive.
fn same_commit(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    let hex = |s: &str| s.len() >= 7 && s.bytes().all(|c| c.is_ascii_hexdigit());
    a == b || (hex(&a) && hex(&b) && (a.starts_with(&b) || b.starts_with(&a)))
}

/// The first time that does not parse, else the oldest.
fn oldest(times: &[String]) -> Option<String> {
    let mut best: Option<(Timestamp, &String)> = None;
    for raw in times {
        match raw.parse::<Timestamp>() {
            Err(_) => return Some(raw.clone()),
            Ok(at) if best.is_none_or(|(b, _)| at < b) => best = Some((at, raw)),
            Ok(_) => {}
        }
    }
    best.map(|(_, raw)| raw.clone())
}

/// A time as RFC 3339: unchanged when it has an offset (a ` UTC` or ` GMT`
/// suffix is `Z`); a date-time without
/// one at `+14:00`, a date at its first second at `+14:00` (the earliest
/// instant either can denote); anything else unchanged (it will not parse).
pub fn earliest_reading(raw: &str) -> String {
    let raw = raw.trim();
    if raw.parse::<Timestamp>().is_ok() {
        return raw.to_string();
    }
    // Java's JUnit writers: `2021-03-07T10:36:56 UTC`.
    let zone = raw.len().checked_sub(4).and_then(|at| raw.get(at..).zip(raw.get(..at)));
    if let Some((suffix, time)) = zone {
        if suffix.eq_ignore_ascii_case(" UTC") || suffix.eq_ignore_ascii_case(" GMT") {
            let utc = format!("{}Z", time.trim_end());
            if utc.parse::<Timestamp>().is_ok() {
                return utc;
            }
        }
    }
    if let Ok(at) = raw.parse::<DateTime>() {
        if raw.len() > 10 {
            return format!("{at}+14:00");
        }
    }
    if let Ok(day) = raw.parse::<Date>() {
        return format!("{day}T00:00:00+14:00");
    }
    raw.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(f: impl FnOnce(&mut Found)) -> (Claims, bool, Vec<String>) {
        let mut found = Found::default();
        f(&mut found);
        (found.claims(), found.stub, found.problems)
    }

    #[test]
    fn several_commits_are_all_claimed() {
        let (c, _, _) = claims(|f| {
            f.commit(&json!("abcdef1"), "a");
            f.commit(&json!("ABCDEF1234567"), "b");
            f.commit(&json!("1234567"), "c");
        });
        assert_eq!(c.commit.as_deref(), Some("ABCDEF1234567, 1234567"));
        let (c, _, _) = claims(|f| {
            f.release(&json!("v1.2.3"), "a");
            f.release(&json!("1.2.3"), "b");
        });
        assert_eq!(c.release.as_deref(), Some("v1.2.3"));
    }

    #[test]
    fn the_oldest_time_counts_and_a_bad_one_wins() {
        let (c, _, _) = claims(|f| {
            f.time(&json!("2026-01-02T00:00:00Z"), "a");
            f.time(&json!("2026-01-01T00:00:00Z"), "b");
        });
        assert_eq!(c.generated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        let (c, _, _) = claims(|f| {
            f.time(&json!("2026-01-01T00:00:00Z"), "a");
            f.time(&json!("yesterday"), "b");
        });
        assert_eq!(c.generated_at.as_deref(), Some("yesterday"));
    }

    #[test]
    fn times_without_an_offset_are_read_at_their_earliest() {
        assert_eq!(
            earliest_reading("2020-09-04T16:18:04.966371"),
            "2020-09-04T16:18:04.966371+14:00"
        );
        assert_eq!(earliest_reading("2020-09-04"), "2020-09-04T00:00:00+14:00");
        assert_eq!(earliest_reading("2020-09-04T16:18:04Z"), "2020-09-04T16:18:04Z");
        assert_eq!(earliest_reading("soon"), "soon");
        assert_eq!(earliest_reading("2021-03-07T10:36:56 UTC"), "2021-03-07T10:36:56Z");
        assert_eq!(earliest_reading("2021-03-07 10:36:56"), "2021-03-07T10:36:56+14:00");
        assert_eq!(earliest_reading("UTC"), "UTC");
    }

    #[test]
    fn markers_and_bad_claims() {
        let (_, stub, problems) = claims(|f| {
            f.own_fields(json!({"provenance": " STUB ", "commit": 5}).as_object().unwrap());
        });
        assert!(stub);
        assert_eq!(problems, ["`commit` is a number, expected a string"]);
        let (_, stub, _) = claims(|f| f.marker(&json!(["real", "stub"])));
        assert!(stub);
        let (_, stub, _) = claims(|f| f.marker(&json!("real")));
        assert!(!stub);
    }
}
