//! Assertions the format modules' tests share.

use serde_json::Value;

use super::Outcome;

/// Compares a rule's result with `Ok(exact reasons)` or `Err(exact message)`;
/// returns the outcome for further checks.
#[track_caller]
pub fn expect_reasons(got: Result<Outcome, String>, expected: Result<&[&str], &str>) -> Outcome {
    match (got, expected) {
        (Ok(out), Ok(reasons)) => {
            assert_eq!(out.reasons, reasons, "reasons; warnings {:?}", out.warnings);
            out
        }
        (Err(e), Err(msg)) => {
            assert_eq!(e, msg);
            Outcome::default()
        }
        (got, want) => panic!("got {got:?}, want {want:?}"),
    }
}

/// Compares a rule's result with `passed`, `not_passed: <a part of each
/// reason, joined by " | ">` or `invalid: <a part of the error>`.
#[track_caller]
pub fn expect_case(got: Result<Outcome, String>, expected: &str) -> Outcome {
    match got {
        Err(e) => {
            let want = expected
                .strip_prefix("invalid: ")
                .unwrap_or_else(|| panic!("expected {expected}, got Err({e})"));
            assert!(e.contains(want), "error {e:?} lacks {want:?}");
            Outcome::default()
        }
        Ok(out) => {
            if expected == "passed" {
                assert!(out.reasons.is_empty(), "expected passed, got {:?}", out.reasons);
            } else {
                let want = expected
                    .strip_prefix("not_passed: ")
                    .unwrap_or_else(|| panic!("expected {expected}, got {out:?}"));
                let wants: Vec<&str> = want.split(" | ").collect();
                assert_eq!(out.reasons.len(), wants.len(), "reasons {:?}", out.reasons);
                for (r, w) in out.reasons.iter().zip(wants) {
                    assert!(r.contains(w), "reason {r:?} lacks {w:?}");
                }
            }
            out
        }
    }
}

/// `doc` with `key` set to `value`.
pub fn with(mut doc: Value, key: &str, value: Value) -> Value {
    doc[key] = value;
    doc
}

/// `doc` without `key`.
pub fn without(mut doc: Value, key: &str) -> Value {
    doc.as_object_mut().unwrap().remove(key);
    doc
}
