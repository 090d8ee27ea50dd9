//! Stage 4, decide: pure. The policy and what was read in, the report out.
//! No I/O, no clock: the same input gives the same report.

use std::collections::BTreeMap;

use super::collect::{ArtifactRef, Origin};
use super::config::Policy;
use super::formats::detect::Understood;
use super::model::{
    ArtifactReport, Blocker, DomainReport, Ignored, Level, Report, Status, Thresholds,
    SCHEMA_VERSION,
};
use super::read::{Content, ReadResult};

pub struct Input {
    pub release: String,
    pub generated_at: Option<String>,
    pub policy: Policy,
    /// `--stubs`: stub evidence is gated like real evidence instead of
    /// being quarantined.
    pub stubs: bool,
    pub artifacts: Vec<(ArtifactRef, ReadResult)>,
    pub ignored: Vec<Ignored>,
    /// Root-relative artifacts root when evidence was discovered; `None` for
    /// an explicit `--artifact` list.
    pub discovery_root: Option<String>,
}

pub fn decide(input: Input) -> Report {
    let policy = &input.policy;
    let mut warnings: Vec<String> = policy.warnings.clone();
    let mut by_domain: BTreeMap<String, Vec<ArtifactReport>> =
        policy.domains.iter().map(|d| (d.clone(), Vec::new())).collect();
    let mut unassigned = Vec::new();

    let mut ignored = input.ignored.clone();
    for (artifact, read) in &input.artifacts {
        let report = match judge(artifact, read, input.stubs) {
            Judgement::Artifact(report) => report,
            Judgement::Ignored(entry) => {
                ignored.push(entry);
                continue;
            }
        };
        warnings.extend(report.warnings.iter().map(|w| format!("`{}`: {w}", report.path)));
        match by_domain.get_mut(&report.domain) {
            Some(list) => list.push(report),
            None => {
                warnings.push(format!(
                    "`{}` is evidence for `{}`, which is not a configured domain: it is not gated",
                    report.path, report.domain
                ));
                unassigned.push(report);
            }
        }
    }

    let mut blockers = Vec::new();
    let mut domains = BTreeMap::new();
    let mut passed_required = 0usize;
    for (domain, mut artifacts) in by_domain {
        artifacts.sort();
        let required = policy.required.contains(&domain);
        let status = artifacts.iter().map(|a| a.status).max().unwrap_or(Status::Missing);
        if required && status == Status::Passed {
            passed_required += 1;
        }
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
    blockers.sort();
    warnings.sort();
    warnings.dedup();
    unassigned.sort();
    ignored.sort();

    let required_total = policy.required.len();
    let score = score(passed_required, required_total);
    let min = policy.release_candidate_min_score;
    let level = if blockers.is_empty() {
        Level::GaReady
    } else if passed_required * 100 >= min as usize * required_total {
        Level::ReleaseCandidate
    } else {
        Level::Blocked
    };
    Report {
        schema_version: SCHEMA_VERSION,
        release: input.release,
        generated_at: input.generated_at,
        level,
        stub_evidence: input.stubs,
        score,
        passed_required,
        required_total,
        thresholds: Thresholds { release_candidate_min_score: min },
        blockers,
        domains,
        warnings,
        unassigned,
        ignored,
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
    Artifact(ArtifactReport),
    /// Discovered, but not evidence in any supported format.
    Ignored(Ignored),
}

/// One artifact's domain, status and reasons.
fn judge(artifact: &ArtifactRef, read: &ReadResult, stubs_allowed: bool) -> Judgement {
    let (assigned, explicit) = match &artifact.origin {
        Origin::Explicit { domain } => (domain.clone(), true),
        Origin::Discovered { domain, .. } => (domain.clone(), false),
    };
    let mut report = ArtifactReport {
        path: artifact.display.clone(),
        format: None,
        domain: assigned.clone(),
        bytes: read.bytes,
        sha256: read.sha256.clone(),
        status: Status::Invalid,
        reported_status: None,
        stub: false,
        reasons: Vec::new(),
        counts: BTreeMap::new(),
        findings: Vec::new(),
        warnings: Vec::new(),
    };
    let judged = match &read.content {
        Content::NotFound => {
            report.status = Status::Missing;
            report.reasons.push("the file does not exist".to_string());
            return Judgement::Artifact(report);
        }
        Content::Unreadable(why) | Content::Read(Understood::Invalid(why)) => {
            report.reasons.push(why.clone());
            return Judgement::Artifact(report);
        }
        Content::Read(Understood::Ignored(why)) if !explicit => {
            return Judgement::Ignored(Ignored::new(artifact.display.clone(), why.clone()));
        }
        Content::Read(Understood::Ignored(why)) => {
            // The user named this file as evidence: fail closed.
            report.reasons.push(format!("not evidence in any supported format: {why}"));
            return Judgement::Artifact(report);
        }
        Content::Read(Understood::Evidence(judged)) => judged,
    };
    report.format = Some(judged.format.to_string());
    report.reasons = judged.outcome.reasons.clone();
    report.counts = judged.outcome.counts.clone();
    report.findings = judged.outcome.findings.clone();
    report.warnings = judged.outcome.warnings.clone();
    if let Some(evidence) = &judged.own {
        report.reported_status = evidence.reported_status.clone();
        match &evidence.declared_domain {
            Some(declared) if explicit && *declared != assigned => {
                report.reasons = vec![format!(
                    "it declares domain `{declared}` but was given as `--artifact {assigned}=...`"
                )];
                return Judgement::Artifact(report);
            }
            Some(declared) => report.domain = declared.clone(),
            None => {}
        }
        report.stub = evidence.stub;
        if evidence.stub && !stubs_allowed {
            // Quarantine: stub evidence never counts outside `--stubs`.
            let by = evidence.generator.as_deref().unwrap_or("an unnamed generator");
            report.reasons.insert(
                0,
                format!("it is stub evidence (`provenance: stub`, written by `{by}`), never release evidence"),
            );
        }
    }
    report.status = if report.reasons.is_empty() { Status::Passed } else { Status::NotPassed };
    Judgement::Artifact(report)
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
                    format!("no evidence for `{domain}`: no JSON file under {folders}"),
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
    artifacts
        .iter()
        .filter(|a| a.status != Status::Passed)
        .map(|a| {
            let path = &a.path;
            let why = a.reasons.join("; ");
            let (code, message, fix) = match a.status {
                Status::Missing => (
                    "missing",
                    format!("evidence file `{path}` for `{domain}` does not exist"),
                    format!("run or upload the `{domain}` evidence so that `{path}` exists, or correct the path"),
                ),
                Status::Invalid => (
                    "invalid",
                    format!("`{path}` is not valid evidence: {why}"),
                    format!("repair or regenerate `{path}` (re-run the workflow that writes it); the gate reads a JSON object with a top-level `status`"),
                ),
                _ if a.stub && !input.stubs => (
                    "stub",
                    format!("`{path}` is not release evidence: {why}"),
                    format!("replace `{path}` with the real `{domain}` evidence from its workflow; stubs only prove the gate works (`cargo xtask release-gate --stubs`)"),
                ),
                _ => (
                    "not_passed",
                    format!("`{path}` did not pass: {why}"),
                    format!("fix the failing `{domain}` workflow and re-run it; do not edit the aggregated evidence"),
                ),
            };
            Blocker {
                code: format!("{domain}.{code}"),
                domain: domain.to_string(),
                artifacts: vec![path.clone()],
                message,
                fix,
            }
        })
        .collect()
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
