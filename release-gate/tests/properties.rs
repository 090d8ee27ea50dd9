//! Property tests of the decision and the rendering, through the library:
//! for any set of domain outcomes the level rules hold, and the report's
//! bytes depend on the evidence alone, not on the order it was found in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::path::PathBuf;

use proptest::prelude::*;
use release_gate::gate::collect::{ArtifactRef, Origin};
use release_gate::gate::config::{Overrides, Policy};
use release_gate::gate::decide::{decide, score, Input, Rules};
use release_gate::gate::formats::detect::{understand, Context};
use release_gate::gate::formats::FormatPolicy;
use release_gate::gate::model::{Level, Report, Status};
use release_gate::gate::read::{Content, ReadResult};
use release_gate::gate::trust::Binding;
use release_gate::gate::{model, render};
use release_gate_scan::hash::sha256_hex;
use serde_json::json;

/// What one artifact of a domain turns out to be.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Passed,
    Failed,
    UnknownWord,
    NoStatus,
    FailedCheck,
    NotJson,
    Missing,
    Unreadable,
}

impl Kind {
    fn passes(self) -> bool {
        self == Kind::Passed
    }
}

#[derive(Debug, Clone)]
struct DomainSpec {
    required: bool,
    artifacts: Vec<Kind>,
    /// Every blocker this domain can have is waived.
    waived: bool,
}

#[derive(Debug, Clone)]
struct Spec {
    domains: Vec<DomainSpec>,
    min_score: u32,
    /// At least `min_score` (the policy refuses less).
    ga_min_score: u32,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => Just(Kind::Passed),
        1 => Just(Kind::Failed),
        1 => Just(Kind::UnknownWord),
        1 => Just(Kind::NoStatus),
        1 => Just(Kind::FailedCheck),
        1 => Just(Kind::NotJson),
        1 => Just(Kind::Missing),
        1 => Just(Kind::Unreadable),
    ]
}

fn spec() -> impl Strategy<Value = Spec> {
    let domain = (any::<bool>(), prop::collection::vec(kind(), 0..4), prop::bool::weighted(0.3))
        .prop_map(|(required, artifacts, waived)| DomainSpec { required, artifacts, waived });
    (prop::collection::vec(domain, 1..8), 0u32..=100, 0u32..=100).prop_map(
        |(mut domains, min_score, extra)| {
            if !domains.iter().any(|d| d.required) {
                domains[0].required = true;
            }
            // Never 0: the policy refuses it (no score-0 release is GA).
            let ga_min_score = (min_score + extra * (100 - min_score) / 100).max(1);
            Spec { domains, min_score, ga_min_score }
        },
    )
}

fn name(i: usize) -> String {
    format!("d{i}")
}

fn document(domain: &str, kind: Kind) -> String {
    let status = match kind {
        Kind::Failed => "\"status\": \"failed\"".to_string(),
        Kind::UnknownWord => "\"status\": \"skipped\"".to_string(),
        Kind::NoStatus => "\"result\": \"passed\"".to_string(),
        Kind::FailedCheck => {
            "\"status\": \"ok\", \"checks\": [{\"name\": \"c\", \"status\": \"red\"}]".to_string()
        }
        _ => "\"status\": \"passed\"".to_string(),
    };
    format!("{{\"domain\": \"{domain}\", \"release\": \"v1.0.0\", {status}}}")
}

fn read(domain: &str, kind: Kind) -> ReadResult {
    let bytes = match kind {
        Kind::Missing => {
            return ReadResult { bytes: None, sha256: None, content: Content::NotFound };
        }
        Kind::Unreadable => {
            return ReadResult {
                bytes: None,
                sha256: None,
                content: Content::Unreadable("cannot open it: Permission denied".to_string()),
            };
        }
        Kind::NotJson => b"{\"status\": ".to_vec(),
        other => document(domain, other).into_bytes(),
    };
    ReadResult {
        bytes: Some(bytes.len() as u64),
        sha256: Some(sha256_hex(&bytes)),
        content: Content::Read(understand(&bytes, &FormatPolicy::default(), Context::default())),
    }
}

/// The decision's input for `spec`, with the artifacts in the order `order`
/// gives (a permutation of their indices; identity when empty).
fn input(spec: &Spec, order: &[usize]) -> Input {
    let domains: Vec<String> = (0..spec.domains.len()).map(name).collect();
    let required: Vec<String> =
        spec.domains.iter().enumerate().filter(|(_, d)| d.required).map(|(i, _)| name(i)).collect();
    let waivers: Vec<serde_json::Value> = spec
        .domains
        .iter()
        .enumerate()
        .filter(|(_, d)| d.waived)
        .flat_map(|(i, _)| {
            ["missing", "invalid", "not_passed"].map(|kind| {
                json!({
                    "code": format!("{}.{kind}", name(i)),
                    "reason": "accepted risk",
                    "approved-by": "release-manager",
                    "expires": "2099-12-31",
                })
            })
        })
        .collect();
    let meta = json!({"release-gate": {
        "domains": domains,
        "required": required,
        "release-candidate-min-score": spec.min_score,
        "ga-min-score": spec.ga_min_score,
        "waivers": waivers,
    }});
    let policy = Policy::from_metadata(&meta, None, &Overrides::default()).unwrap();
    let mut artifacts = Vec::new();
    for (i, d) in spec.domains.iter().enumerate() {
        for (j, kind) in d.artifacts.iter().enumerate() {
            let display = format!("evidence/{}/{j}.json", name(i));
            let artifact = ArtifactRef {
                path: PathBuf::from(&display),
                display,
                origin: Origin::Explicit { domain: name(i), named: true },
                listed_as_file: false,
                via_symlink: false,
            };
            artifacts.push((artifact, read(&name(i), *kind)));
        }
    }
    if !order.is_empty() {
        let mut slots: Vec<Option<_>> = artifacts.into_iter().map(Some).collect();
        artifacts = order.iter().map(|&k| slots[k].take().unwrap()).collect();
    }
    let rules = Rules {
        binding: Binding { release: "v1.0.0".to_string(), commit: None },
        generated_at: None,
        now: Some("2026-11-26T12:00:00Z".parse().unwrap()),
        formats: policy.formats.clone(),
        policy,
        baseline: None,
        stubs: false,
    };
    Input { rules, artifacts, refused: Vec::new(), ignored: Vec::new(), discovery_root: None }
}

fn report(spec: &Spec) -> Report {
    decide(input(spec, &[]))
}

/// A domain passes when it has evidence and every artifact passed.
fn passes(d: &DomainSpec) -> bool {
    !d.artifacts.is_empty() && d.artifacts.iter().all(|k| k.passes())
}

/// A permutation of `0..n` from `seed` (Fisher-Yates over a small LCG).
fn permutation(n: usize, mut seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let j = (seed >> 33) as usize % (i + 1);
        order.swap(i, j);
    }
    order
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn no_blockers_iff_ga_ready(spec in spec()) {
        let r = report(&spec);
        prop_assert_eq!(r.blockers.is_empty(), r.level == Level::GaReady);
        if r.level == Level::GaReady {
            // Waivers are accepted risks, never a pass: GA needs the score.
            prop_assert!(r.score >= spec.ga_min_score, "{} < {}", r.score, spec.ga_min_score);
            if r.waived.is_empty() {
                prop_assert_eq!(r.passed_required, r.required_total);
                prop_assert_eq!(r.score, 100);
            }
        }
        prop_assert_eq!(r.waived_blockers, r.waived.len());
    }

    #[test]
    fn waivers_never_carry_a_release_below_the_ga_minimum(spec in spec()) {
        let r = report(&spec);
        if !r.waived.is_empty() && r.score < spec.ga_min_score {
            prop_assert!(r.level != Level::GaReady);
            // When nothing else blocks, the report says why it is not GA.
            let below = r.blockers.iter().filter(|b| b.code == "waiver.below_ga_min_score").count();
            let expired = r.blockers.iter().filter(|b| b.code == "waiver.expired").count();
            prop_assert_eq!(expired, 0);
            let only_below = r.blockers.iter().all(|b| b.code == "waiver.below_ga_min_score");
            prop_assert_eq!(below == 1, only_below, "{:?}", r.blockers);
        }
        // A waived domain never counts as passed.
        for w in &r.waived {
            prop_assert!(r.domains[&w.domain].status != Status::Passed);
        }
    }

    #[test]
    fn score_and_level_follow_the_passed_required_domains(spec in spec()) {
        let r = report(&spec);
        let required: Vec<&DomainSpec> = spec.domains.iter().filter(|d| d.required).collect();
        let passed = required.iter().filter(|d| passes(d)).count();
        prop_assert_eq!(r.required_total, required.len());
        prop_assert_eq!(r.passed_required, passed);
        prop_assert_eq!(r.score as usize, passed * 100 / required.len());
        let unwaived_failing = required.iter().filter(|d| !passes(d) && !d.waived).count();
        let level = if unwaived_failing == 0
            && passed * 100 >= spec.ga_min_score as usize * required.len()
        {
            // Every required domain passed or is waived, and the score
            // reaches the GA minimum (optional domains only warn).
            Level::GaReady
        } else if passed * 100 >= spec.min_score as usize * required.len() {
            Level::ReleaseCandidate
        } else {
            Level::Blocked
        };
        prop_assert_eq!(r.level, level);
        for (i, d) in spec.domains.iter().enumerate() {
            let status = r.domains[&name(i)].status;
            prop_assert_eq!(status == Status::Passed, passes(d), "domain {}", name(i));
            let blocked = r.blockers.iter().any(|b| b.domain == name(i));
            prop_assert_eq!(blocked, d.required && !passes(d) && !d.waived, "domain {}", name(i));
        }
    }

    #[test]
    fn score_is_monotonic_in_passed_domains(spec in spec(), pick in any::<prop::sample::Index>()) {
        let before = report(&spec);
        let failing: Vec<usize> = (0..spec.domains.len()).filter(|&i| !passes(&spec.domains[i])).collect();
        prop_assume!(!failing.is_empty());
        let mut fixed = spec.clone();
        fixed.domains[*pick.get(&failing)].artifacts = vec![Kind::Passed];
        let after = report(&fixed);
        prop_assert!(after.score >= before.score);
        prop_assert!(after.passed_required >= before.passed_required);
        prop_assert!(after.level >= before.level, "{:?} -> {:?}", before.level, after.level);
        prop_assert!(after.blockers.len() <= before.blockers.len());
    }

    #[test]
    fn a_failing_required_domain_never_raises_the_level(
        spec in spec(),
        failing in prop::collection::vec(kind().prop_filter("fails", |k| !k.passes()), 0..3),
    ) {
        let before = report(&spec);
        let mut worse = spec.clone();
        worse.domains.push(DomainSpec { required: true, artifacts: failing, waived: false });
        let after = report(&worse);
        prop_assert!(after.level <= before.level, "{:?} -> {:?}", before.level, after.level);
        prop_assert!(after.level != Level::GaReady);
        prop_assert!(after.score <= before.score);
        let own = |r: &Report| r.blockers.iter().filter(|b| !b.code.starts_with("waiver.")).count();
        prop_assert!(own(&after) > own(&before));
    }

    #[test]
    fn rendering_is_deterministic_and_order_free(spec in spec(), seed in any::<u64>()) {
        let n = spec.domains.iter().map(|d| d.artifacts.len()).sum();
        let first = decide(input(&spec, &[]));
        let again = decide(input(&spec, &[]));
        let shuffled = decide(input(&spec, &permutation(n, seed)));
        let json = model::json(&first);
        let md = render::markdown(&first);
        prop_assert_eq!(&json, &model::json(&again));
        prop_assert_eq!(&md, &render::markdown(&again));
        prop_assert_eq!(&json, &model::json(&shuffled));
        prop_assert_eq!(&md, &render::markdown(&shuffled));
    }
}

#[test]
fn score_rounds_down_and_never_exceeds_100() {
    assert_eq!(score(6, 7), 85);
    assert_eq!(score(5, 7), 71);
    assert_eq!(score(0, 0), 0);
    assert_eq!(score(9, 7), 100);
}
