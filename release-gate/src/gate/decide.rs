//! Stage 4, decide: pure. The policy and what was read in, the report out.
//! No I/O, no clock: the same input gives the same report.

use std::collections::BTreeMap;

use super::collect::UNASSIGNED;
use super::collect::{ArtifactRef, Origin, Refused};
use super::config::Policy;
use super::formats::detect::Understood;
use super::formats::FormatPolicy;
use super::model::{
    ArtifactReport, Blocker, DomainReport, Ignored, Level, Report, Status, Thresholds,
    SCHEMA_VERSION,
};
use super::model::{Comparison, EffectivePolicy, Waived};
use super::read::{Content, ReadResult};
use super::render;
use super::trust::{self, Binding, Claims, Issue};
use jiff::Timestamp;
use std::collections::BTreeSet;

pub struct Input {
    /// The release id and the commit under test.
    pub binding: Binding,
    pub generated_at: Option<String>,
    /// The instant for max-ages and waiver expiry; `None` when the policy has
    /// neither.
    pub now: Option<Timestamp>,
    pub policy: Policy,
    /// The effective format rules (with the release artifacts' digests).
    pub formats: FormatPolicy,
    /// The previous report to compare with (`--baseline`).
    pub baseline: Option<Baseline>,
    /// `--stubs`: stub evidence is gated like real evidence instead of
    /// being quarantined.
    pub stubs: bool,
    pub artifacts: Vec<(ArtifactRef, ReadResult)>,
    /// Evidence-like entries collection saw but did not read: each blocks
    /// its domain (`<domain>.invalid`).
    pub refused: Vec<Refused>,
    pub ignored: Vec<Ignored>,
    /// Root-relative artifacts root when evidence was discovered; `None` for
    /// an explicit `--artifact` list.
    pub discovery_root: Option<String>,
}

pub fn decide(mut input: Input) -> Report {
    // Each artifact and what was read of it move into its report.
    let artifacts = std::mem::take(&mut input.artifacts);
    let refused = std::mem::take(&mut input.refused);
    let policy = &input.policy;
    let mut warnings: Vec<String> = Vec::new();
    let mut by_domain: BTreeMap<String, Vec<ArtifactReport>> =
        policy.domains.iter().map(|d| (d.clone(), Vec::new())).collect();
    let mut unassigned = Vec::new();
    let mut gate_blockers = Vec::new();

    let mut ignored = input.ignored.clone();
    let refused = refused.into_iter().map(refused_report);
    let judged = artifacts.into_iter().filter_map(|(artifact, read)| {
        match judge(artifact, read, input.stubs, &input.policy) {
            Judgement::Artifact(report) => Some(*report),
            Judgement::Ignored(entry) => {
                ignored.push(entry);
                None
            }
        }
    });
    let reports: Vec<ArtifactReport> = judged.chain(refused).collect();
    for mut report in reports {
        if report.format.is_some() {
            apply_trust(&input, &mut report);
        }
        warnings.extend(report.warnings.iter().map(|w| format!("`{}`: {w}", report.path)));
        match by_domain.get_mut(&report.domain) {
            Some(list) => list.push(report),
            None if report.domain == UNASSIGNED => {
                // Evidence no domain can be named for blocks the whole gate.
                gate_blockers.extend(blockers_of(UNASSIGNED, &report));
                unassigned.push(report);
            }
            None => {
                warnings.push(format!(
                    "`{}` is evidence for `{}`, which is not a configured domain: it is not gated",
                    report.path, report.domain
                ));
                unassigned.push(report);
            }
        }
    }

    let mut blockers = gate_blockers;
    let mut domains = BTreeMap::new();
    for (domain, mut artifacts) in by_domain {
        artifacts.sort();
        let required = policy.required.contains(&domain);
        let status = artifacts.iter().map(|a| a.status).max().unwrap_or(Status::Missing);
        let problems = domain_problems(&input, &domain, &artifacts);
        if required {
            blockers.extend(problems);
        } else {
            warnings.extend(
                problems.into_iter().map(|b| format!("optional domain `{domain}`: {}", b.message)),
            );
        }
        domains.insert(domain, DomainReport { required, status, artifacts });
    }

    let (blockers, waived) = apply_waivers(&input, &domains, blockers, &mut warnings);
    let mut blockers = blockers;
    let passed_required = domains
        .iter()
        .filter(|(name, d)| {
            d.required && d.status == Status::Passed && !waived.iter().any(|w| &w.domain == *name)
        })
        .count();
    let baseline = input
        .baseline
        .as_ref()
        .map(|b| compare(b, &blockers, &waived, &domains, passed_required, policy.required.len()));
    if let Some(cmp) = &baseline {
        if policy.no_new_blockers && !cmp.new_blockers.is_empty() {
            blockers.push(Blocker {
                code: "baseline.new_blockers".to_string(),
                domain: "baseline".to_string(),
                artifacts: Vec::new(),
                message: format!(
                    "{} blocker(s) are new versus the baseline `{}` ({}), and the policy allows no new blockers",
                    cmp.new_blockers.len(),
                    cmp.path,
                    cmp.new_blockers.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                ),
                fix: "fix the new blockers (a waiver does not count here), or compare with another baseline".to_string(),
            });
        }
    }
    blockers.sort();
    warnings.sort();
    warnings.dedup();
    unassigned.sort();
    ignored.sort();

    let required_total = policy.required.len();
    let score = score(passed_required, required_total);
    let min = policy.release_candidate_min_score;
    let ga_min = policy.ga_min_score;
    if blockers.is_empty() && passed_required * 100 < ga_min as usize * required_total {
        // Only waived blockers stand between the evidence and GA: an
        // accepted risk, never a pass. Below the GA minimum they cannot
        // carry the release.
        blockers.push(Blocker {
            code: "waiver.below_ga_min_score".to_string(),
            domain: "waiver".to_string(),
            artifacts: Vec::new(),
            message: format!(
                "the score is {score} ({passed_required} of {required_total} required domains passed) with {} waived blocker(s), below the `ga-min-score` of {ga_min}: waivers cannot carry a release below the minimum",
                waived.len()
            ),
            fix: format!("make more required domains pass (waived domains do not count) until the score reaches {ga_min}"),
        });
        blockers.sort();
    }
    let level = if blockers.is_empty() {
        Level::GaReady
    } else if passed_required * 100 >= min as usize * required_total {
        Level::ReleaseCandidate
    } else {
        Level::Blocked
    };
    let effective = effective_policy(policy, &input.formats);
    let policy_sha256 = super::read::sha256_hex(render::json(&effective).as_bytes());
    Report {
        schema_version: SCHEMA_VERSION,
        release: input.binding.release.clone(),
        commit: input.binding.commit.clone(),
        gate_version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: input.generated_at.clone(),
        evaluated_at: input.now.map(|t| t.to_string()),
        policy: effective,
        policy_sha256,
        level,
        stub_evidence: input.stubs,
        score,
        passed_required,
        required_total,
        thresholds: Thresholds { release_candidate_min_score: min, ga_min_score: ga_min },
        waived_blockers: waived.len(),
        blockers,
        waived,
        baseline,
        domains,
        warnings,
        unassigned,
        ignored,
    }
}

/// The binding and freshness rules of one artifact that was read.
fn apply_trust(input: &Input, report: &mut ArtifactReport) {
    let policy = &input.policy;
    let claims = Claims {
        release: report.release.clone(),
        commit: report.commit.clone(),
        generated_at: report.generated_at.clone(),
    };
    let (issues, warnings) = trust::check_binding(
        &report.path,
        &report.domain,
        &claims,
        &input.binding,
        policy.require_binding.contains(&report.domain),
    );
    report.unbound = claims.release.is_none() && claims.commit.is_none();
    report.issues.extend(issues);
    report.warnings.extend(warnings);
    let max_age = policy.max_age_by_domain.get(&report.domain).copied().or(policy.max_age);
    if let (Some(max_age), Some(now)) = (max_age, input.now) {
        if let Some(issue) = trust::check_age(
            &report.path,
            &report.domain,
            claims.generated_at.as_deref(),
            max_age,
            now,
        ) {
            report.issues.push(issue);
        }
    }
    for issue in &report.issues {
        if !report.reasons.contains(&issue.message)
            && issue.kind != "not_passed"
            && issue.kind != "stub"
        {
            report.reasons.push(issue.message.clone());
        }
    }
    if !report.issues.is_empty() && report.status == Status::Passed {
        report.status = Status::NotPassed;
    }
}

/// Moves each blocker a valid waiver covers into the waived list; expired
/// waivers become blockers themselves, and waivers that cover nothing are
/// warnings.
fn apply_waivers(
    input: &Input,
    domains: &BTreeMap<String, DomainReport>,
    blockers: Vec<Blocker>,
    warnings: &mut Vec<String>,
) -> (Vec<Blocker>, Vec<Waived>) {
    let waivers = &input.policy.waivers;
    if waivers.is_empty() {
        return (blockers, Vec::new());
    }
    let sha_of = |path: &str| -> Option<String> {
        domains
            .values()
            .flat_map(|d| &d.artifacts)
            .find(|a| a.path == path)
            .and_then(|a| a.sha256.clone())
    };
    let failed_checks_of = |path: &str| -> Option<Vec<String>> {
        domains
            .values()
            .flat_map(|d| &d.artifacts)
            .find(|a| a.path == path)
            .and_then(|a| a.failed_checks.clone())
    };
    let now = input.now;
    let mut remaining = Vec::new();
    let mut waived = Vec::new();
    let mut used = BTreeSet::new();
    let mut expired_blockers = Vec::new();
    for (i, w) in waivers.iter().enumerate() {
        if now.is_none_or(|now| w.expired(now)) {
            used.insert(i);
            expired_blockers.push(Blocker {
                code: "waiver.expired".to_string(),
                domain: w.code.split('.').next().unwrap_or_default().to_string(),
                artifacts: Vec::new(),
                message: format!(
                    "the waiver for `{}` (approved by {}, reason: {}) expired at the end of {}",
                    w.code, w.approved_by, w.reason, w.expires
                ),
                fix: format!("fix `{}` or renew the waiver with a new `expires` and approval; remove it once fixed", w.code),
            });
        }
    }
    for blocker in blockers {
        let shas: Vec<String> = blocker.artifacts.iter().filter_map(|p| sha_of(p)).collect();
        let mut covered = None;
        for (i, w) in waivers.iter().enumerate() {
            if w.code != blocker.code || now.is_none_or(|now| w.expired(now)) {
                continue;
            }
            if let Some(check) = &w.check {
                // It covers the blocker only when that check is all that
                // failed in every artifact of it: a new failure of another
                // check in the domain stays a blocker.
                let only_that = |path: &String| {
                    failed_checks_of(path).is_some_and(|failed| {
                        !failed.is_empty() && failed.iter().all(|c| c == check)
                    })
                };
                if blocker.artifacts.is_empty() || !blocker.artifacts.iter().all(only_that) {
                    used.insert(i);
                    warnings.push(format!(
                        "the waiver for `{}` names check `{check}`, but `{}` failed otherwise too (or not through named checks), so it does not apply",
                        w.code,
                        blocker.artifacts.join("`, `")
                    ));
                    continue;
                }
            }
            match &w.sha256 {
                Some(sha) if !shas.contains(sha) => {
                    used.insert(i);
                    warnings.push(format!(
                        "the waiver for `{}` was granted for the artifact with sha256 `{}`; `{}` is now `{}`, so it does not apply",
                        w.code,
                        sha,
                        blocker.artifacts.join("`, `"),
                        shas.join("`, `")
                    ));
                }
                _ => {
                    used.insert(i);
                    covered = Some(w);
                    break;
                }
            }
        }
        match covered {
            Some(w) => waived.push(Waived {
                code: blocker.code,
                domain: blocker.domain,
                artifacts: blocker.artifacts,
                message: blocker.message,
                reason: w.reason.clone(),
                approved_by: w.approved_by.clone(),
                expires: w.expires.clone(),
                check: w.check.clone(),
            }),
            None => remaining.push(blocker),
        }
    }
    for (i, w) in waivers.iter().enumerate() {
        if !used.contains(&i) {
            warnings.push(format!("the waiver for `{}` matched no blocker: remove it", w.code));
        }
    }
    remaining.extend(expired_blockers);
    waived.sort();
    (remaining, waived)
}

/// A previous report, as much of it as the comparison needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Baseline {
    pub path: String,
    pub release: String,
    pub score: u32,
    /// Codes of its blockers and waived items.
    pub codes: BTreeSet<String>,
    pub passed_domains: BTreeSet<String>,
}

fn compare(
    base: &Baseline,
    blockers: &[Blocker],
    waived: &[Waived],
    domains: &BTreeMap<String, DomainReport>,
    passed_required: usize,
    required_total: usize,
) -> Comparison {
    let now: BTreeSet<String> = blockers
        .iter()
        .map(|b| b.code.clone())
        .chain(waived.iter().map(|w| w.code.clone()))
        .collect();
    Comparison {
        path: base.path.clone(),
        release: base.release.clone(),
        score_before: base.score,
        score_after: score(passed_required, required_total),
        new_blockers: now.difference(&base.codes).cloned().collect(),
        resolved_blockers: base.codes.difference(&now).cloned().collect(),
        persisting_blockers: now.intersection(&base.codes).cloned().collect(),
        regressed_domains: domains
            .iter()
            .filter(|(name, d)| base.passed_domains.contains(*name) && d.status != Status::Passed)
            .map(|(name, _)| name.clone())
            .collect(),
    }
}

fn effective_policy(policy: &Policy, formats: &FormatPolicy) -> EffectivePolicy {
    EffectivePolicy {
        domains: policy.domains.iter().cloned().collect(),
        required: policy.required.iter().cloned().collect(),
        release_candidate_min_score: policy.release_candidate_min_score,
        ga_min_score: policy.ga_min_score,
        folders: policy.folders.clone(),
        max_age: policy.max_age.map(trust::human_duration),
        max_age_by_domain: policy
            .max_age_by_domain
            .iter()
            .map(|(d, s)| (d.clone(), trust::human_duration(*s)))
            .collect(),
        require_binding: policy.require_binding.iter().cloned().collect(),
        no_new_blockers: policy.no_new_blockers,
        waivers: policy.waivers.clone(),
        formats: formats.clone(),
        slsa_release_artifacts: policy.slsa_release_artifacts.clone(),
        max_parse_bytes: policy.max_parse_bytes,
    }
}

/// The whole-number percentage, rounded down; 0 of 0 is 0 (the policy never
/// allows zero required domains).
pub fn score(passed: usize, total: usize) -> u32 {
    if total == 0 {
        return 0;
    }
    u32::try_from(passed.min(total) * 100 / total).unwrap_or(0)
}

/// What one read artifact is to the decision.
enum Judgement {
    Artifact(Box<ArtifactReport>),
    /// Discovered, but not evidence in any supported format.
    Ignored(Ignored),
}

/// One artifact's domain, status, reasons and blocking issues.
fn judge(
    artifact: ArtifactRef,
    read: ReadResult,
    stubs_allowed: bool,
    policy: &Policy,
) -> Judgement {
    let (assigned, explicit, named) = match artifact.origin {
        Origin::Explicit { domain, named } => (domain, true, named),
        Origin::Discovered { domain, .. } => (domain, false, false),
    };
    let path = artifact.display;
    let mut report = ArtifactReport::new(path.clone(), assigned.clone());
    report.bytes = read.bytes;
    report.sha256 = read.sha256.clone();
    let invalid = |mut report: ArtifactReport, why: String| {
        report.issues.push(Issue {
            kind: "invalid",
            message: format!("`{path}` is not valid evidence: {why}"),
            fix: format!("repair or regenerate `{path}` (re-run the workflow that writes it); `docs/formats.md` lists what the gate reads"),
        });
        report.reasons.push(why);
        Judgement::Artifact(Box::new(report))
    };
    let judged = match read.content {
        Content::NotFound => {
            report.status = Status::Missing;
            report.reasons.push("the file does not exist".to_string());
            report.issues.push(Issue {
                kind: "missing",
                message: format!("evidence file `{path}` for `{assigned}` does not exist"),
                fix: format!("run or upload the `{assigned}` evidence so that `{path}` exists, or correct the path"),
            });
            return Judgement::Artifact(Box::new(report));
        }
        Content::Unreadable(why) | Content::Read(Understood::Invalid(why)) => {
            return invalid(report, why);
        }
        // Part of evidence judged through another file (a criterion
        // benchmark's support files), or found in a folder given with
        // `--artifact DOMAIN=DIR` (a criterion tree): listed as ignored.
        Content::Read(Understood::Supporting(why)) => {
            let mut entry = Ignored::new(path, why);
            entry.bytes = read.bytes;
            entry.sha256 = read.sha256;
            return Judgement::Ignored(entry);
        }
        Content::Read(Understood::Ignored(why)) if explicit && !named => {
            let mut entry = Ignored::new(path, why);
            entry.bytes = read.bytes;
            entry.sha256 = read.sha256;
            return Judgement::Ignored(entry);
        }
        Content::Read(Understood::Ignored(why)) => {
            // Under a `latest/` folder, or named by the user: a file the gate
            // sees but cannot judge must not count zero times.
            return invalid(report, format!("not evidence in any supported format: {why}"));
        }
        Content::Read(Understood::Evidence(judged)) => judged,
    };
    report.format = Some(judged.format.to_string());
    report.reasons = judged.outcome.reasons;
    report.counts = judged.outcome.counts;
    report.findings = judged.outcome.findings;
    report.warnings = judged.outcome.warnings;
    let mut generator = None;
    // Binding and the stub marker hold in every format: the gate's own
    // evidence writes them as top-level fields, a tool format in its native
    // fields (`docs/formats.md` has the table).
    report.release = judged.claims.release;
    report.commit = judged.claims.commit;
    report.generated_at = judged.claims.generated_at;
    report.stub = judged.stub;
    if let Some(evidence) = judged.own {
        report.reported_status = evidence.reported_status;
        report.failed_checks = evidence.failed_checks;
        generator = evidence.generator;
        match evidence.declared_domain {
            Some(declared) if explicit && declared != assigned => {
                report.format = None;
                return invalid(
                    report,
                    format!("it declares domain `{declared}` but was given as `--artifact {assigned}=...`"),
                );
            }
            Some(declared)
                if !explicit
                    && policy.domains.contains(&assigned)
                    && !policy.domains.contains(&declared) =>
            {
                // Under a configured domain's `latest/` folder, a file that
                // names a domain the policy does not know would count for
                // none: it blocks the folder's domain instead.
                report.format = None;
                return invalid(
                    report,
                    format!("it declares domain `{declared}`, which is not a configured domain, but sits in the `{assigned}` evidence folder; correct its `domain` or move it"),
                );
            }
            Some(declared) => report.domain = declared,
            None => {}
        }
    }
    let domain = report.domain.clone();
    if report.stub && !stubs_allowed {
        // Quarantine: stub evidence never counts outside `--stubs`.
        let why = match (generator.as_deref(), report.format.as_deref()) {
            (Some(by), _) => format!(
                "it is stub evidence (`provenance: stub`, written by `{by}`), never release evidence"
            ),
            (None, Some(format)) if format != "evidence" => format!(
                "it is stub evidence ({} marked `provenance: stub`), never release evidence",
                super::formats::registry::display_name(format)
            ),
            (None, _) => "it is stub evidence (`provenance: stub`, written by `an unnamed generator`), never release evidence".to_string(),
        };
        report.issues.push(Issue {
            kind: "stub",
            message: format!("`{path}` is not release evidence: {why}"),
            fix: format!("replace `{path}` with the real `{domain}` evidence from its workflow; stubs only prove the gate works (`cargo xtask release-gate --stubs`)"),
        });
        report.reasons.insert(0, why);
    } else if !report.reasons.is_empty() {
        report.issues.push(Issue {
            kind: "not_passed",
            message: format!("`{path}` did not pass: {}", report.reasons.join("; ")),
            fix: format!("fix the failing `{domain}` workflow and re-run it; do not edit the aggregated evidence"),
        });
    }
    report.status = if report.issues.is_empty() { Status::Passed } else { Status::NotPassed };
    Judgement::Artifact(Box::new(report))
}

/// What keeps a domain from passing, as blockers (warnings when optional).
fn domain_problems(input: &Input, domain: &str, artifacts: &[ArtifactReport]) -> Vec<Blocker> {
    if artifacts.is_empty() {
        let (message, fix) = match &input.discovery_root {
            Some(root) => {
                let folders = folders_of(&input.policy, domain)
                    .iter()
                    .map(|f| format!("`{root}/{f}/latest/`"))
                    .collect::<Vec<_>>()
                    .join(" or ");
                (
                    format!("no evidence for `{domain}`: no evidence file under {folders}"),
                    format!("run or upload the `{domain}` evidence: run the workflow that produces it, or put its artifact under {folders}"),
                )
            }
            None => (
                format!("no evidence for `{domain}`: no `--artifact {domain}=PATH` was given"),
                format!("run or upload the `{domain}` evidence and pass it with `--artifact {domain}=PATH`"),
            ),
        };
        return vec![Blocker {
            code: format!("{domain}.missing"),
            domain: domain.to_string(),
            artifacts: Vec::new(),
            message,
            fix,
        }];
    }
    artifacts.iter().flat_map(|a| blockers_of(domain, a)).collect()
}

/// One blocker per issue of an artifact.
fn blockers_of(domain: &str, artifact: &ArtifactReport) -> Vec<Blocker> {
    artifact
        .issues
        .iter()
        .map(|issue| Blocker {
            code: format!("{domain}.{}", issue.kind),
            domain: domain.to_string(),
            artifacts: vec![artifact.path.clone()],
            message: issue.message.clone(),
            fix: issue.fix.clone(),
        })
        .collect()
}

/// An entry collection refused to read: invalid evidence of its domain.
fn refused_report(refused: Refused) -> ArtifactReport {
    let Refused { display, domain, reason } = refused;
    let mut report = ArtifactReport::new(display.clone(), domain.clone());
    report.issues.push(Issue {
        kind: "invalid",
        message: format!("`{display}` is not valid evidence: {reason}"),
        fix: format!("`{display}` was seen under the `{domain}` evidence but not read, so `{domain}` cannot pass: see the reason, then re-run the workflow that writes it"),
    });
    report.reasons.push(reason);
    report
}

/// The evidence folders that map to `domain`, sorted.
fn folders_of(policy: &Policy, domain: &str) -> Vec<String> {
    let mut folders: Vec<String> =
        policy.folders.iter().filter(|(_, d)| *d == domain).map(|(f, _)| f.clone()).collect();
    if !policy.folders.contains_key(domain) {
        folders.push(domain.to_string());
    }
    folders.sort();
    folders
}
