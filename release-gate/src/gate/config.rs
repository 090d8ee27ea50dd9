//! The gate's policy: `[workspace.metadata.release-gate]` in the root
//! `Cargo.toml`, over the built-in defaults, with the run's overrides.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize, Serializer};

use super::formats::FormatPolicy;
use super::trust::{self, Waiver};

/// The seven evidence domains of a release, by default all required.
pub const DEFAULT_DOMAINS: &[&str] =
    &["certification", "cdc", "performance", "security", "supply_chain", "governance", "docs"];

/// Evidence folders that release workflows already use, mapped to their
/// domains. Every other folder maps to the domain of its own name.
pub const DEFAULT_FOLDERS: &[(&str, &str)] =
    &[("connectors", "certification"), ("replay", "cdc"), ("benchmarks", "performance")];

/// The evidence folder of `domain` under the default policy: the one table
/// of them, which `init`, the stub generator and the bench read too.
pub fn default_folder(domain: &str) -> &str {
    DEFAULT_FOLDERS.iter().find(|(_, d)| *d == domain).map_or(domain, |(f, _)| f)
}

pub const DEFAULT_RC_MIN_SCORE: u32 = 80;

/// `[workspace.metadata.release-gate]` as written; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawConfig {
    domains: Option<Vec<String>>,
    required: Option<Vec<String>>,
    release_candidate_min_score: Option<u32>,
    ga_min_score: Option<u32>,
    /// Read by the commands that default the release id (`project.rs`);
    /// named here so it is a known key.
    #[allow(dead_code)]
    release_package: Option<String>,
    /// The collectors' settings (`collectors::config`), read there.
    #[allow(dead_code)]
    evidence: Option<serde_json::Value>,
    #[allow(dead_code)]
    test_runner: Option<serde_json::Value>,
    folders: Option<BTreeMap<String, String>>,
    max_parse_bytes: Option<u64>,
    formats: Option<RawFormats>,
    max_age: Option<String>,
    max_age_by_domain: Option<BTreeMap<String, String>>,
    require_binding: Option<RequireBinding>,
    no_new_blockers: Option<bool>,
    waivers: Option<Vec<RawWaiver>>,
    /// Keys this version does not know: an error, so a typo such as
    /// `requried` never silently falls back to the default.
    #[serde(flatten)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// `require-binding = true` (every domain) or a list of domains.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RequireBinding {
    All(bool),
    Domains(Vec<String>),
}

/// One waiver as written, in `Cargo.toml` or `release-gate-waivers.toml`.
/// An unknown key is an error: a misspelled `check` would silently widen the
/// waiver to the whole domain.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawWaiver {
    code: String,
    reason: Option<String>,
    approved_by: Option<String>,
    expires: Option<Expires>,
    sha256: Option<String>,
    check: Option<String>,
}

/// A date, as a string (`Cargo.toml` through cargo metadata) or a TOML date.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Expires {
    Text(String),
    Toml(toml::value::Datetime),
}

/// `release-gate-waivers.toml`: `[[waivers]]` entries.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiversFile {
    #[serde(default)]
    waivers: Vec<RawWaiver>,
}

/// The waivers file next to the root `Cargo.toml`.
pub const WAIVERS_FILE: &str = "release-gate-waivers.toml";

/// What a run's flags change in the policy.
#[derive(Debug, Default, Clone)]
pub struct Overrides<'a> {
    pub require: Option<&'a [String]>,
    pub max_age: Option<&'a str>,
    pub no_new_blockers: bool,
    /// `--max-parse-bytes`: overrides `max-parse-bytes` for this run.
    pub max_parse_bytes: Option<u64>,
}

/// `[workspace.metadata.release-gate.formats]`: the tool format rules.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawFormats {
    sarif_block_security_severity: Option<f64>,
    junit_max_skipped_share: Option<f64>,
    scorecard_min_score: Option<f64>,
    scorecard_check_min: Option<BTreeMap<String, f64>>,
    cyclonedx_block_vulnerabilities: Option<bool>,
    spdx_require_describes: Option<bool>,
    audit_block_unsound: Option<bool>,
    criterion_regression_threshold: Option<f64>,
    /// Glob patterns (from the workspace root) of the release artifacts that
    /// SLSA provenance must cover.
    slsa_release_artifacts: Option<Vec<String>>,
    slsa_builders: Option<Vec<String>>,
    slsa_allow_v02: Option<bool>,
    #[serde(flatten)]
    unknown: BTreeMap<String, serde_json::Value>,
}

/// Files up to this size are read into memory and may be any format.
pub const DEFAULT_MAX_PARSE_BYTES: u64 = 128 * 1024 * 1024;

/// The effective policy of one run; the report holds it as the run applied
/// it (durations written as the policy writes them, `7d`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub struct Policy {
    pub domains: BTreeSet<String>,
    pub required: BTreeSet<String>,
    pub release_candidate_min_score: u32,
    /// `ga_ready` needs at least this score (default: the release candidate
    /// minimum), so waivers cannot carry a release below it.
    pub ga_min_score: u32,
    /// Evidence folder name -> domain.
    pub folders: BTreeMap<String, String>,
    /// The tool format rules (`slsa_subjects` is filled from
    /// `slsa_release_artifacts` by the run, which hashes the files).
    pub formats: FormatPolicy,
    /// Glob patterns of the release artifacts SLSA provenance must cover.
    pub slsa_release_artifacts: Vec<String>,
    pub max_parse_bytes: u64,
    /// Overall max-age of evidence (seconds; `7d` in the report).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "human_max_age")]
    #[cfg_attr(test, schemars(with = "Option<String>"))]
    pub max_age: Option<u64>,
    /// Per-domain max-ages (they win over the overall one).
    #[serde(serialize_with = "human_max_ages")]
    #[cfg_attr(test, schemars(with = "BTreeMap<String, String>"))]
    pub max_age_by_domain: BTreeMap<String, u64>,
    /// Domains whose evidence must name its release or commit.
    pub require_binding: BTreeSet<String>,
    /// A blocker that is new versus `--baseline` fails the gate, waived or not.
    pub no_new_blockers: bool,
    pub waivers: Vec<Waiver>,
}

fn human_max_age<S: Serializer>(secs: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    secs.map(trust::human_duration).serialize(s)
}

fn human_max_ages<S: Serializer>(ages: &BTreeMap<String, u64>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(ages.iter().map(|(domain, secs)| (domain, trust::human_duration(*secs))))
}

const TABLE: &str = "[workspace.metadata.release-gate]";

impl Policy {
    /// `workspace_metadata` is `[workspace.metadata]` as cargo metadata gives it.
    /// `waivers_file` is the text of `release-gate-waivers.toml`, when present.
    pub fn from_metadata(
        workspace_metadata: &serde_json::Value,
        waivers_file: Option<&str>,
        overrides: &Overrides,
    ) -> Result<Policy> {
        let raw: RawConfig = match workspace_metadata.get("release-gate") {
            None | Some(serde_json::Value::Null) => RawConfig::default(),
            Some(value) => RawConfig::deserialize(value)
                .with_context(|| format!("invalid {TABLE} in the root `Cargo.toml`"))?,
        };
        let domains = domains(raw.domains)?;
        let required = required(overrides.require, raw.required, &domains)?;
        let (min, ga_min) = min_scores(raw.release_candidate_min_score, raw.ga_min_score)?;
        let folders = folders(raw.folders, &domains)?;
        let raw_formats = raw.formats.unwrap_or_default();
        reject_unknown_keys(&raw.unknown, &raw_formats.unknown)?;
        let (formats, slsa_release_artifacts) = formats(raw_formats)?;
        let (max_age, max_age_by_domain) =
            max_ages(overrides.max_age, raw.max_age, raw.max_age_by_domain, &domains)?;
        Ok(Policy {
            required,
            release_candidate_min_score: min,
            ga_min_score: ga_min,
            folders,
            formats,
            slsa_release_artifacts,
            max_parse_bytes: overrides
                .max_parse_bytes
                .or(raw.max_parse_bytes)
                .unwrap_or(DEFAULT_MAX_PARSE_BYTES),
            max_age,
            max_age_by_domain,
            require_binding: require_binding(raw.require_binding, &domains)?,
            no_new_blockers: overrides.no_new_blockers || raw.no_new_blockers.unwrap_or(false),
            waivers: waivers(raw.waivers, waivers_file, &domains)?,
            domains,
        })
    }

    /// The domain that evidence found in `folder` belongs to.
    pub fn folder_domain(&self, folder: &str) -> String {
        self.folders.get(folder).cloned().unwrap_or_else(|| folder.to_string())
    }
}

fn domains(list: Option<Vec<String>>) -> Result<BTreeSet<String>> {
    let domains: BTreeSet<String> = match list {
        Some(list) => list.into_iter().collect(),
        None => DEFAULT_DOMAINS.iter().map(|d| d.to_string()).collect(),
    };
    for domain in &domains {
        check_domain_name(domain).with_context(|| format!("invalid `domains` in {TABLE}"))?;
    }
    Ok(domains)
}

/// `--require` wins over `required`; by default every domain is required.
fn required(
    flag: Option<&[String]>,
    key: Option<Vec<String>>,
    domains: &BTreeSet<String>,
) -> Result<BTreeSet<String>> {
    let required: BTreeSet<String> = match (flag, key) {
        (Some(flag), _) => {
            if let Some(domain) = flag.iter().find(|d| !domains.contains(*d)) {
                bail!("`--require {domain}`: unknown domain (known: {})", list(domains));
            }
            flag.iter().cloned().collect()
        }
        (None, Some(list)) => {
            let said = format!("`required` in {TABLE} names");
            list.iter().try_for_each(|domain| ensure_known_domain(domains, domain, &said))?;
            list.into_iter().collect()
        }
        (None, None) => domains.clone(),
    };
    if required.is_empty() {
        bail!("no required domains: a gate that requires nothing cannot open a release; list at least one in `required` in {TABLE} or `--require`");
    }
    Ok(required)
}

/// `release-candidate-min-score` and `ga-min-score`, percentages.
fn min_scores(release_candidate: Option<u32>, ga: Option<u32>) -> Result<(u32, u32)> {
    let min = release_candidate.unwrap_or(DEFAULT_RC_MIN_SCORE);
    if min > 100 {
        bail!("`release-candidate-min-score` in {TABLE} is {min}; it is a percentage, 0 to 100");
    }
    // Never 0: a release whose required domains all failed or were
    // waived is never `ga_ready`, whatever the release candidate minimum.
    let ga_min = ga.unwrap_or(min.max(1));
    if ga_min == 0 {
        bail!("`ga-min-score` in {TABLE} is 0: a GA release needs at least one required domain that passed; use 1 to 100");
    }
    if ga_min > 100 {
        bail!("`ga-min-score` in {TABLE} is {ga_min}; it is a percentage, 0 to 100");
    }
    if ga_min < min {
        bail!("`ga-min-score` in {TABLE} is {ga_min}, below `release-candidate-min-score` ({min}); a GA release needs at least the score of a release candidate");
    }
    Ok((min, ga_min))
}

/// The built-in evidence folders of the configured domains, then `folders`.
fn folders(
    configured: Option<BTreeMap<String, String>>,
    domains: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>> {
    let mut folders: BTreeMap<String, String> = DEFAULT_FOLDERS
        .iter()
        .filter(|(_, domain)| domains.contains(*domain))
        .map(|(f, d)| (f.to_string(), d.to_string()))
        .collect();
    for (folder, domain) in configured.unwrap_or_default() {
        ensure_known_domain(domains, &domain, &format!("`folders.{folder}` in {TABLE} maps to"))?;
        folders.insert(folder, domain);
    }
    Ok(folders)
}

/// A key this version does not know is an error, not a warning: a
/// misspelled rule (`require-bindings`, `ga_min_score`) would leave the gate
/// laxer than the policy says.
fn reject_unknown_keys(
    table: &BTreeMap<String, serde_json::Value>,
    formats: &BTreeMap<String, serde_json::Value>,
) -> Result<()> {
    let unknown: Vec<String> = table
        .keys()
        .map(|key| format!("`{key}`"))
        .chain(formats.keys().map(|key| format!("`formats.{key}`")))
        .collect();
    if !unknown.is_empty() {
        bail!(
            "unknown key {} in {TABLE}: correct it (the README's Policy section lists the keys) or remove it",
            unknown.join(", ")
        );
    }
    Ok(())
}

/// The overall max-age (`--max-age` wins over `max-age`) and the per-domain
/// ones, in seconds.
fn max_ages(
    flag: Option<&str>,
    key: Option<String>,
    by_domain: Option<BTreeMap<String, String>>,
    domains: &BTreeSet<String>,
) -> Result<(Option<u64>, BTreeMap<String, u64>)> {
    let age =
        |what: &str, s: &str| trust::parse_duration(s).map_err(|e| anyhow::anyhow!("{what}: {e}"));
    let max_age = match (flag, key) {
        (Some(flag), _) => Some(age("`--max-age`", flag)?),
        (None, Some(key)) => Some(age(&format!("`max-age` in {TABLE}"), &key)?),
        (None, None) => None,
    };
    let mut max_age_by_domain = BTreeMap::new();
    let said = format!("`max-age-by-domain` in {TABLE} names");
    for (domain, value) in by_domain.unwrap_or_default() {
        ensure_known_domain(domains, &domain, &said)?;
        let seconds = age(&format!("`max-age-by-domain.{domain}` in {TABLE}"), &value)?;
        max_age_by_domain.insert(domain, seconds);
    }
    Ok((max_age, max_age_by_domain))
}

fn require_binding(
    raw: Option<RequireBinding>,
    domains: &BTreeSet<String>,
) -> Result<BTreeSet<String>> {
    Ok(match raw {
        None | Some(RequireBinding::All(false)) => BTreeSet::new(),
        Some(RequireBinding::All(true)) => domains.clone(),
        Some(RequireBinding::Domains(list)) => {
            let said = format!("`require-binding` in {TABLE} names");
            list.iter().try_for_each(|domain| ensure_known_domain(domains, domain, &said))?;
            list.into_iter().collect()
        }
    })
}

/// The policy's waivers, then the waivers file's, each valid, sorted.
fn waivers(
    in_table: Option<Vec<RawWaiver>>,
    waivers_file: Option<&str>,
    domains: &BTreeSet<String>,
) -> Result<Vec<Waiver>> {
    let mut raw_waivers: Vec<(String, RawWaiver)> =
        in_table.unwrap_or_default().into_iter().map(|w| (format!("{TABLE} waivers"), w)).collect();
    if let Some(text) = waivers_file {
        let file: WaiversFile = toml::from_str(text)
            .map_err(|e| anyhow::anyhow!("invalid `{WAIVERS_FILE}`: {}", e.to_string().trim()))?;
        raw_waivers.extend(file.waivers.into_iter().map(|w| (format!("`{WAIVERS_FILE}`"), w)));
    }
    let mut waivers = Vec::new();
    for (source, w) in raw_waivers {
        let waiver = Waiver {
            code: w.code,
            reason: w.reason.unwrap_or_default(),
            approved_by: w.approved_by.unwrap_or_default(),
            expires: match w.expires {
                Some(Expires::Text(s)) => s,
                Some(Expires::Toml(d)) => d.to_string(),
                None => String::new(),
            },
            sha256: w.sha256.map(|s| s.to_ascii_lowercase()),
            check: w.check,
        };
        trust::validate_waiver(&waiver, domains)
            .map_err(|e| anyhow::anyhow!("in {source}: {e}"))?;
        waivers.push(waiver);
    }
    waivers.sort();
    Ok(waivers)
}

/// `domain`, named where `said` says, is one of `domains`.
fn ensure_known_domain(domains: &BTreeSet<String>, domain: &str, said: &str) -> Result<()> {
    if !domains.contains(domain) {
        bail!("{said} `{domain}`, which is not in `domains` ({})", list_of(domains));
    }
    Ok(())
}

fn formats(raw: RawFormats) -> Result<(FormatPolicy, Vec<String>)> {
    let d = FormatPolicy::default();
    let ranged = |key: &str, value: Option<f64>, default: f64, max: f64| -> Result<f64> {
        let v = value.unwrap_or(default);
        if !(0.0..=max).contains(&v) {
            bail!("`formats.{key}` in {TABLE} is {v}; expected a number from 0 to {max}");
        }
        Ok(v)
    };
    let mut check_min = BTreeMap::new();
    for (check, min) in raw.scorecard_check_min.unwrap_or_default() {
        let min = ranged(&format!("scorecard-check-min.{check}"), Some(min), 0.0, 10.0)?;
        check_min.insert(check, min);
    }
    let policy = FormatPolicy {
        sarif_block_security_severity: ranged(
            "sarif-block-security-severity",
            raw.sarif_block_security_severity,
            d.sarif_block_security_severity,
            10.0,
        )?,
        junit_max_skipped_share: ranged(
            "junit-max-skipped-share",
            raw.junit_max_skipped_share,
            d.junit_max_skipped_share,
            1.0,
        )?,
        scorecard_min_score: ranged(
            "scorecard-min-score",
            raw.scorecard_min_score,
            d.scorecard_min_score,
            10.0,
        )?,
        scorecard_check_min: check_min,
        cyclonedx_block_vulnerabilities: raw
            .cyclonedx_block_vulnerabilities
            .unwrap_or(d.cyclonedx_block_vulnerabilities),
        spdx_require_describes: raw.spdx_require_describes.unwrap_or(d.spdx_require_describes),
        audit_block_unsound: raw.audit_block_unsound.unwrap_or(d.audit_block_unsound),
        criterion_regression_threshold: ranged(
            "criterion-regression-threshold",
            raw.criterion_regression_threshold,
            d.criterion_regression_threshold,
            f64::MAX,
        )?,
        slsa_subjects: Vec::new(),
        slsa_builders: raw.slsa_builders.unwrap_or_default(),
        slsa_allow_v02: raw.slsa_allow_v02.unwrap_or(d.slsa_allow_v02),
    };
    Ok((policy, raw.slsa_release_artifacts.unwrap_or_default()))
}

/// Longest domain name, in bytes.
pub const MAX_DOMAIN: usize = release_gate_scan::evidence::MAX_DOMAIN;

/// The prefixes of the gate's own blocker codes (`baseline.new_blockers`,
/// `waiver.expired`, `evidence.invalid`): no domain may take them.
pub const RESERVED_DOMAINS: &[&str] = &["baseline", "waiver", "evidence"];

/// Domain names end up in blocker codes, file names and Markdown: keep them to
/// lowercase ASCII letters, digits, `_` and `-`, and short.
pub fn check_domain_name(domain: &str) -> Result<()> {
    if !release_gate_scan::evidence::is_domain_name(domain) {
        let domain = crate::gate::escape::shown(domain);
        bail!("domain `{domain}` is not a valid name (use lowercase ASCII letters, digits, `_` and `-`, at most {MAX_DOMAIN} bytes)");
    }
    if RESERVED_DOMAINS.contains(&domain) {
        bail!("domain `{domain}` is reserved for the gate's own blockers ({}); name the domain otherwise", RESERVED_DOMAINS.iter().map(|d| format!("`{d}.*`")).collect::<Vec<_>>().join(", "));
    }
    Ok(())
}

fn list(domains: &BTreeSet<String>) -> String {
    domains.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
}

fn list_of(domains: &BTreeSet<String>) -> String {
    domains.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(meta: serde_json::Value, require: Option<&[&str]>, expected: Result<&str, &str>) {
        let require: Option<Vec<String>> =
            require.map(|r| r.iter().map(|s| s.to_string()).collect());
        let overrides = Overrides { require: require.as_deref(), ..Overrides::default() };
        let got = Policy::from_metadata(&meta, None, &overrides);
        match (got, expected) {
            (Ok(p), Ok(want)) => {
                let got = format!(
                    "domains={} required={} min={} folders={:?}",
                    list(&p.domains),
                    list(&p.required),
                    p.release_candidate_min_score,
                    p.folders,
                );
                assert_eq!(got, want);
            }
            (Err(e), Err(want)) => assert_eq!(format!("{e:#}"), want),
            (got, _) => panic!("unexpected: {got:?}"),
        }
    }

    #[test]
    fn defaults() {
        check(
            json!(null),
            None,
            Ok(
                r#"domains=cdc, certification, docs, governance, performance, security, supply_chain required=cdc, certification, docs, governance, performance, security, supply_chain min=80 folders={"benchmarks": "performance", "connectors": "certification", "replay": "cdc"}"#,
            ),
        );
    }

    #[test]
    fn configured_and_overridden() {
        let meta = json!({"release-gate": {
            "domains": ["certification", "docs", "extra"],
            "required": ["certification"],
            "release-candidate-min-score": 50,
            "folders": {"manuals": "docs"},
        }});
        // A misspelled key is an error, never a laxer gate.
        let mut typo = meta.clone();
        typo["release-gate"]["requried"] = json!(["docs"]);
        typo["release-gate"]["formats"] = json!({"sarif-block-severity": 5.0});
        check(
            typo,
            None,
            Err("unknown key `requried`, `formats.sarif-block-severity` in [workspace.metadata.release-gate]: correct it (the README's Policy section lists the keys) or remove it"),
        );
        check(
            meta.clone(),
            None,
            Ok(
                r#"domains=certification, docs, extra required=certification min=50 folders={"connectors": "certification", "manuals": "docs"}"#,
            ),
        );
        check(
            meta.clone(),
            Some(&["docs", "extra"]),
            Ok(
                r#"domains=certification, docs, extra required=docs, extra min=50 folders={"connectors": "certification", "manuals": "docs"}"#,
            ),
        );
        check(
            meta,
            Some(&["cdc"]),
            Err("`--require cdc`: unknown domain (known: certification, docs, extra)"),
        );
    }

    #[test]
    fn config_errors() {
        check(
            json!({"release-gate": {"required": ["nope"]}}),
            None,
            Err("`required` in [workspace.metadata.release-gate] names `nope`, which is not in `domains` (`cdc`, `certification`, `docs`, `governance`, `performance`, `security`, `supply_chain`)"),
        );
        check(
            json!({"release-gate": {"required": []}}),
            None,
            Err("no required domains: a gate that requires nothing cannot open a release; list at least one in `required` in [workspace.metadata.release-gate] or `--require`"),
        );
        check(
            json!({"release-gate": {"release-candidate-min-score": 101}}),
            None,
            Err("`release-candidate-min-score` in [workspace.metadata.release-gate] is 101; it is a percentage, 0 to 100"),
        );
        check(
            json!({"release-gate": {"domains": ["a/b"]}}),
            None,
            Err("invalid `domains` in [workspace.metadata.release-gate]: domain `a/b` is not a valid name (use lowercase ASCII letters, digits, `_` and `-`, at most 64 bytes)"),
        );
        check(
            json!({"release-gate": {"release-candidate-min-score": "high"}}),
            None,
            Err("invalid [workspace.metadata.release-gate] in the root `Cargo.toml`: invalid type: string \"high\", expected u32"),
        );
        check(
            json!({"release-gate": {"folders": {"x": "nope"}}}),
            None,
            Err("`folders.x` in [workspace.metadata.release-gate] maps to `nope`, which is not in `domains` (`cdc`, `certification`, `docs`, `governance`, `performance`, `security`, `supply_chain`)"),
        );
        for (key, value) in
            [("require-binding", json!(["nope"])), ("max-age-by-domain", json!({"nope": "1d"}))]
        {
            check(
                json!({"release-gate": {"domains": ["docs"], key: value}}),
                None,
                Err(&format!("`{key}` in [workspace.metadata.release-gate] names `nope`, which is not in `domains` (`docs`)")),
            );
        }
    }
}
