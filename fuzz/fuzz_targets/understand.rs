//! Format detection and every format's rule, on arbitrary bytes.
//!
//! The first byte picks the format policy and context (so the strict and
//! lenient branches of each rule are reached, and the format a file name
//! promises); the rest is the document.
//! Beyond "no panic, no hang, no stack overflow" it checks that the same bytes
//! always get the same verdict and that the gate's own evidence never passes
//! without a passing `status` or `passed: true`.

#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use release_gate::gate::formats::detect::{hint, understand, Context, Understood};
use release_gate::gate::formats::FormatPolicy;

fn policy(flags: u8) -> FormatPolicy {
    let mut p = FormatPolicy::default();
    if flags & 0b10 != 0 {
        p.cyclonedx_block_vulnerabilities = true;
        p.spdx_require_describes = true;
        p.audit_block_unsound = true;
        p.slsa_allow_v02 = true;
        p.junit_max_skipped_share = 0.0;
        p.criterion_regression_threshold = 0.0;
    }
    if flags & 0b100 != 0 {
        p.slsa_subjects = vec![(
            "dist/app.tar.gz".to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".to_string(),
        )];
    }
    if flags & 0b1000 != 0 {
        p.scorecard_check_min = BTreeMap::from([("Code-Review".to_string(), 8.0)]);
        p.scorecard_min_score = 10.0;
        p.sarif_block_security_severity = 0.0;
    }
    if flags & 0b1_0000 != 0 {
        p.slsa_builders = vec!["https://github.com/actions/runner".to_string()];
    }
    p
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, doc)) = data.split_first() else { return };
    let policy = policy(flags);
    // The high bits pick the format a file name promises.
    let names = [
        "e.json",
        "e.sarif",
        "e.cdx.json",
        "e.spdx.json",
        "e.intoto.jsonl",
        "e.xml",
        "e.junit.xml",
    ];
    let name = names.get(usize::from(flags >> 5)).copied().unwrap_or("e.jsonl");
    let ctx = Context { has_criterion_change: flags & 1 != 0, hint: hint(name) };
    let first = understand(doc, &policy, ctx);
    let second = understand(doc, &policy, ctx);
    assert_eq!(first, second, "the same bytes got two verdicts");
    if let Understood::Evidence(judged) = &first {
        if let Some(own) = &judged.own {
            assert_eq!(judged.outcome.reasons, own.reasons);
            if own.reasons.is_empty() {
                assert!(own.own_format, "evidence without `status` or `passed` passed");
            }
        }
    }
});
