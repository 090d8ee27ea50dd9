//! Stage 4, decide: pure. The policy and what was read in, the report out.
//! No I/O, no clock: the same input gives the same report.

use std::collections::BTreeMap;

use super::collect::UNASSIGNED;
use super::collect::{ArtifactRef, Origin, Refused};
use super::config::Policy;
use super::formats::detect::Understood;
use super::formats::FormatPolicy;
use super::model::{self, Comparison, Waived};
use super::model::{
    ArtifactReport, Blocker, DomainReport, Ignored, Level, Report, Status, Thresholds,
    SCHEMA_VERSION,
};
use super::read::{Content, ReadResult};
use super::trust::{self, Binding, Claims, Issue, Waiver};
use jiff::Timestamp;
use std::collections::BTreeSet;

/// What the decision is made under: the policy, the binding, the clock,
/// the baseline.
pub struct Rules {
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
}

pub struct Input {
    pub rules: Rules,
    pub artifacts: Vec<(ArtifactRef, ReadResult)>,
    /// Evidence-like entries collection saw but did not read: each blocks
    /// its domain (`<domain>.invalid`).
    pub refused: Vec<Refused>,
    pub ignored: Vec<Ignored>,
    /// Root-relative artifacts root when evidence was discovered; `None` for
    /// an explicit `--artifact` list.
    pub discovery_root: Option<String>,
}

pub fn decide(input: Input) -> Report {
    let Input { rules, artifacts, refused, ignored, discovery_root } = input;
    let mut warnings: Vec<String> = Vec::new();
    let Grouped { by_domain, mut unassigned, blockers, mut ignored } =
        group(&rules, artifacts, refused, ignored, &mut warnings);
    let policy = &rules.policy;
    let mut blockers = blockers;
    let mut domains = BTreeMap::new();
    for (domain, mut artifacts) in by_domain {
        artifacts.sort();
        let required = policy.required.contains(&domain);
        let status = artifacts.iter().map(|a| a.status).max().unwrap_or(Status::Missing);
        let problems = domain_problems(&rules, discovery_root.as_deref(), &domain, &artifacts);
        if required {
            blockers.extend(problems);
        } else {
            warnings.extend(
                problems.into_iter().map(|b| format!("optional domain `{domain}`: {}", b.message)),
            );
        }
        domains.insert(domain, DomainReport { required, status, artifacts });
    }
    let (mut blockers, waived) = apply_waivers(&rules, &domains, blockers, &mut warnings);
    let passed_required = domains
        .iter()
        .filter(|(name, d)| {
            d.required && d.status == Status::Passed && !waived.iter().any(|w| &w.domain == *name)
        })
        .count();
    let required_total = policy.required.len();
    let baseline = rules
        .baseline
        .as_ref()
        .map(|b| compare(b, &blockers, &waived, &domains, passed_required, required_total));
    if let Some(cmp) =
        baseline.as_ref().filter(|c| policy.no_new_blockers && !c.new_blockers.is_empty())
    {
        blockers.push(new_blockers_blocker(cmp));
    }
    warnings.sort();
    warnings.dedup();
    unassigned.sort();
    ignored.sort();
    let score = score(passed_required, required_total);
    let thresholds = Thresholds {
        release_candidate_min_score: policy.release_candidate_min_score,
        ga_min_score: policy.ga_min_score,
    };
    let level = level(&thresholds, &mut blockers, passed_required, required_total, waived.len());
    // The policy as applied: the formats with the release artifacts hashed.
    let effective = Policy { formats: rules.formats.clone(), ..policy.clone() };
    let policy_sha256 = release_gate_scan::hash::sha256_hex(model::json(&effective).as_bytes());
    Report {
        schema_version: SCHEMA_VERSION,
        release: rules.binding.release.clone(),
        commit: rules.binding.commit.clone(),
        gate_version: env!("CARGO_PKG_VERSION").to_string(),
        generated_at: rules.generated_at.clone(),
        evaluated_at: rules.now.map(|t| t.to_string()),
        policy: effective,
        policy_sha256,
        level,
        stub_evidence: rules.stubs,
        score,
        passed_required,
        required_total,
        thresholds,
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

/// Every artifact judged and put with its domain.
struct Grouped {
    /// Each configured domain's artifacts (none yet for some).
    by_domain: BTreeMap<String, Vec<ArtifactReport>>,
    /// Evidence of no configured domain.
    unassigned: Vec<ArtifactReport>,
    /// What blocks the whole gate: evidence no domain can be named for.
    blockers: Vec<Blocker>,
    ignored: Vec<Ignored>,
}

/// Judges each artifact that was read (and each collection refused), with
/// the binding and freshness rules, and groups them by domain.
fn group(
    rules: &Rules,
    artifacts: Vec<(ArtifactRef, ReadResult)>,
    refused: Vec<Refused>,
    ignored: Vec<Ignored>,
    warnings: &mut Vec<String>,
) -> Grouped {
    let mut out = Grouped {
        by_domain: rules.policy.domains.iter().map(|d| (d.clone(), Vec::new())).collect(),
        unassigned: Vec::new(),
        blockers: Vec::new(),
        ignored,
    };
    let mut reports = Vec::new();
    for (artifact, read) in artifacts {
        match judge(artifact, read, rules.stubs, &rules.policy) {
            Judgement::Artifact(report) => reports.push(*report),
            Judgement::Ignored(entry) => out.ignored.push(entry),
        }
    }
    for mut report in reports.into_iter().chain(refused.into_iter().map(refused_report)) {
        if report.format.is_some() {
            apply_trust(rules, &mut report);
        }
        warnings.extend(report.warnings.iter().map(|w| format!("`{}`: {w}", report.path)));
        match out.by_domain.get_mut(&report.domain) {
            Some(list) => list.push(report),
            None if report.domain == UNASSIGNED => {
                // Evidence no domain can be named for blocks the whole gate.
                out.blockers.extend(blockers_of(UNASSIGNED, &report));
                out.unassigned.push(report);
            }
            None => {
                warnings.push(format!(
                    "`{}` is evidence for `{}`, which is not a configured domain: it is not gated",
                    report.path, report.domain
                ));
                out.unassigned.push(report);
            }
        }
    }
    out
}

/// The blocker of a run with blockers the baseline did not have, when the
/// policy allows none.
fn new_blockers_blocker(cmp: &Comparison) -> Blocker {
    Blocker {
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
    }
}

/// The level the blockers and the score give; sorts the blockers, and adds
/// one when only waived blockers stand between the evidence and GA and the
/// score is below the GA minimum.
fn level(
    thresholds: &Thresholds,
    blockers: &mut Vec<Blocker>,
    passed_required: usize,
    required_total: usize,
    waived: usize,
) -> Level {
    let ga_min = thresholds.ga_min_score;
    if blockers.is_empty() && passed_required * 100 < ga_min as usize * required_total {
        // An accepted risk, never a pass: below the GA minimum waivers
        // cannot carry the release.
        let score = score(passed_required, required_total);
        blockers.push(Blocker {
            code: "waiver.below_ga_min_score".to_string(),
            domain: "waiver".to_string(),
            artifacts: Vec::new(),
            message: format!(
                "the score is {score} ({passed_required} of {required_total} required domains passed) with {waived} waived blocker(s), below the `ga-min-score` of {ga_min}: waivers cannot carry a release below the minimum"
            ),
            fix: format!("make more required domains pass (waived domains do not count) until the score reaches {ga_min}"),
        });
    }
    blockers.sort();
    if blockers.is_empty() {
        Level::GaReady
    } else if passed_required * 100
        >= thresholds.release_candidate_min_score as usize * required_total
    {
        Level::ReleaseCandidate
    } else {
        Level::Blocked
    }
}

/// The binding and freshness rules of one artifact that was read.
fn apply_trust(rules: &Rules, report: &mut ArtifactReport) {
    let policy = &rules.policy;
    let claims = Claims {
        release: report.release.clone(),
        commit: report.commit.clone(),
        generated_at: report.generated_at.clone(),
    };
    let (issues, warnings) = trust::check_binding(
        &report.path,
        &report.domain,
        &claims,
        &rules.binding,
        policy.require_binding.contains(&report.domain),
    );
    report.unbound = claims.release.is_none() && claims.commit.is_none();
    report.issues.extend(issues);
    report.warnings.extend(warnings);
    let max_age = policy.max_age_by_domain.get(&report.domain).copied().or(policy.max_age);
    if let (Some(max_age), Some(now)) = (max_age, rules.now) {
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
    rules: &Rules,
    domains: &BTreeMap<String, DomainReport>,
    blockers: Vec<Blocker>,
    warnings: &mut Vec<String>,
) -> (Vec<Blocker>, Vec<Waived>) {
    let waivers = &rules.policy.waivers;
    if waivers.is_empty() {
        return (blockers, Vec::new());
    }
    let expired = |w: &Waiver| rules.now.is_none_or(|now| w.expired(now));
    // A waiver is used once it matched a blocker's code (whether or not it
    // then applied); an expired one is a blocker, so used too.
    let mut used: BTreeSet<usize> =
        (0..waivers.len()).filter(|&i| waivers.get(i).is_some_and(expired)).collect();
    let mut remaining = Vec::new();
    let mut waived = Vec::new();
    for blocker in blockers {
        let mut covered = None;
        for (i, w) in waivers.iter().enumerate() {
            if w.code != blocker.code || expired(w) {
                continue;
            }
            used.insert(i);
            match why_not(w, &blocker, domains) {
                Some(why) => warnings.push(why),
                None => {
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
    remaining.extend(waivers.iter().filter(|w| expired(w)).map(expired_blocker));
    waived.sort();
    (remaining, waived)
}

/// Why the waiver `w`, of `blocker`'s code and not expired, does not cover
/// it; `None` when it does.
fn why_not(
    w: &Waiver,
    blocker: &Blocker,
    domains: &BTreeMap<String, DomainReport>,
) -> Option<String> {
    let artifact =
        |path: &String| domains.values().flat_map(|d| &d.artifacts).find(|a| &a.path == path);
    let paths = blocker.artifacts.join("`, `");
    if let Some(check) = &w.check {
        // It covers the blocker only when that check is all that failed in
        // every artifact of it: a new failure of another check in the
        // domain stays a blocker.
        let only_that = |path: &String| {
            artifact(path)
                .and_then(|a| a.failed_checks.as_ref())
                .is_some_and(|failed| !failed.is_empty() && failed.iter().all(|c| c == check))
        };
        if blocker.artifacts.is_empty() || !blocker.artifacts.iter().all(only_that) {
            return Some(format!(
                "the waiver for `{}` names check `{check}`, but `{paths}` failed otherwise too (or not through named checks), so it does not apply",
                w.code
            ));
        }
    }
    let shas: Vec<&str> =
        blocker.artifacts.iter().filter_map(|p| artifact(p)?.sha256.as_deref()).collect();
    match &w.sha256 {
        Some(sha) if !shas.contains(&sha.as_str()) => Some(format!(
            "the waiver for `{}` was granted for the artifact with sha256 `{sha}`; `{paths}` is now `{}`, so it does not apply",
            w.code,
            shas.join("`, `")
        )),
        _ => None,
    }
}

/// The blocker an expired waiver is.
fn expired_blocker(w: &Waiver) -> Blocker {
    Blocker {
        code: "waiver.expired".to_string(),
        domain: w.code.split('.').next().unwrap_or_default().to_string(),
        artifacts: Vec::new(),
        message: format!(
            "the waiver for `{}` (approved by {}, reason: {}) expired at the end of {}",
            w.code, w.approved_by, w.reason, w.expires
        ),
        fix: format!(
            "fix `{}` or renew the waiver with a new `expires` and approval; remove it once fixed",
            w.code
        ),
    }
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

impl Baseline {
    /// What the comparison needs of `report`, read from `path`.
    pub fn of(path: String, report: &Report) -> Baseline {
        let codes =
            report.blockers.iter().map(|b| &b.code).chain(report.waived.iter().map(|w| &w.code));
        Baseline {
            path,
            release: report.release.clone(),
            score: report.score,
            codes: codes.cloned().collect(),
            passed_domains: report
                .domains
                .iter()
                .filter(|(_, d)| d.status == Status::Passed)
                .map(|(name, _)| name.clone())
                .collect(),
        }
    }
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
    let ignored = |why: String| {
        let (bytes, sha256) = (read.bytes, read.sha256.clone());
        Judgement::Ignored(Ignored { bytes, sha256, ..Ignored::new(path.clone(), why) })
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
        Content::Read(Understood::Supporting(why)) => return ignored(why),
        Content::Read(Understood::Ignored(why)) if explicit && !named => return ignored(why),
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
    // Binding and the stub marker hold in every format: the gate's own
    // evidence writes them as top-level fields, a tool format in its native
    // fields (`docs/formats.md` has the table).
    report.release = judged.claims.release;
    report.commit = judged.claims.commit;
    report.generated_at = judged.claims.generated_at;
    report.stub = judged.stub;
    let mut generator = None;
    if let Some(evidence) = judged.own {
        report.reported_status = evidence.reported_status;
        report.failed_checks = evidence.failed_checks;
        generator = evidence.generator;
        let declared = evidence.declared_domain;
        if let Some(why) = declared.as_ref().and_then(|d| misplaced(d, &assigned, explicit, policy))
        {
            report.format = None;
            return invalid(report, why);
        }
        if let Some(declared) = declared {
            report.domain = declared;
        }
    }
    conclude(&mut report, generator.as_deref(), stubs_allowed);
    Judgement::Artifact(Box::new(report))
}

/// The issue of evidence that was read and understood (stub outside
/// `--stubs`, or did not pass), and so its status.
fn conclude(report: &mut ArtifactReport, generator: Option<&str>, stubs_allowed: bool) {
    let (path, domain) = (&report.path, &report.domain);
    if report.stub && !stubs_allowed {
        // Quarantine: stub evidence never counts outside `--stubs`.
        let why = stub_reason(generator, report.format.as_deref());
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
}

/// `report` is invalid evidence, for `why`.
fn invalid(mut report: ArtifactReport, why: String) -> Judgement {
    let path = &report.path;
    report.issues.push(Issue {
        kind: "invalid",
        message: format!("`{path}` is not valid evidence: {why}"),
        fix: format!("repair or regenerate `{path}` (re-run the workflow that writes it); `docs/formats.md` lists what the gate reads"),
    });
    report.reasons.push(why);
    Judgement::Artifact(Box::new(report))
}

/// Why evidence that declares domain `declared` cannot count where it was
/// found (`assigned`), if it cannot.
fn misplaced(declared: &str, assigned: &str, explicit: bool, policy: &Policy) -> Option<String> {
    if explicit && declared != assigned {
        return Some(format!(
            "it declares domain `{declared}` but was given as `--artifact {assigned}=...`"
        ));
    }
    // Under a configured domain's `latest/` folder, a file that names a
    // domain the policy does not know would count for none: it blocks the
    // folder's domain instead.
    let misfiled =
        !explicit && policy.domains.contains(assigned) && !policy.domains.contains(declared);
    misfiled.then(|| format!("it declares domain `{declared}`, which is not a configured domain, but sits in the `{assigned}` evidence folder; correct its `domain` or move it"))
}

/// Why stub evidence does not count, naming what wrote it.
fn stub_reason(generator: Option<&str>, format: Option<&str>) -> String {
    match (generator, format) {
        (Some(by), _) => format!(
            "it is stub evidence (`provenance: stub`, written by `{by}`), never release evidence"
        ),
        (None, Some(format)) if format != "evidence" => format!(
            "it is stub evidence ({} marked `provenance: stub`), never release evidence",
            super::formats::registry::display_name(format)
        ),
        (None, _) => "it is stub evidence (`provenance: stub`, written by `an unnamed generator`), never release evidence".to_string(),
    }
}

/// What keeps a domain from passing, as blockers (warnings when optional).
fn domain_problems(
    rules: &Rules,
    discovery_root: Option<&str>,
    domain: &str,
    artifacts: &[ArtifactReport],
) -> Vec<Blocker> {
    if artifacts.is_empty() {
        let (message, fix) = match discovery_root {
            Some(root) => {
                let folders = folders_of(&rules.policy, domain)
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
