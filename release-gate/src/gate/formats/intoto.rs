//! in-toto attestations and SLSA provenance.
//!
//! Shapes read, all ending in one or more in-toto Statements (`_type`
//! `https://in-toto.io/Statement/v1` or `/v0.1`: `subject[]`,
//! `predicateType`, `predicate`):
//!
//! - a plain Statement (unsigned);
//! - a DSSE envelope (`payloadType` `application/vnd.in-toto+json`, `payload`
//!   the base64 of the Statement, `signatures[]`);
//! - a Sigstore bundle (`mediaType` `application/vnd.dev.sigstore.bundle…`,
//!   `verificationMaterial`, `dsseEnvelope`);
//! - an attestations list as the npm registry and GitHub attestations APIs
//!   return it (`{"attestations": [{"bundle": …}, …]}`).
//!
//! A Sigstore bundle with `messageSignature`, and a legacy cosign blob bundle
//! (`base64Signature`, `cert`, `rekorBundle`), sign an artifact directly and
//! carry no Statement: `Err`.
//!
//! The rule, per Statement: SLSA provenance v1 (`https://slsa.dev/provenance/v1`)
//! is accepted; v0.2 only with [`FormatPolicy::slsa_allow_v02`]; any other
//! `slsa.dev/provenance` type (drafts such as `v1?draft`) blocks. An accepted
//! provenance blocks when its builder id is not in a non-empty
//! [`FormatPolicy::slsa_builders`], and the document blocks when a release
//! artifact of [`FormatPolicy::slsa_subjects`] has no provenance subject with
//! its sha256. A Statement of another predicate type passes with a warning:
//! it was read, but no provenance rule applies to it.
//!
//! The gate does not verify signatures: a signed attestation always carries
//! the [`SIGNATURE_WARNING`], so an envelope whose signature is forged reads
//! the same as a genuine one. Verification is the job of the tools it names.

use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};
use base64::Engine as _;
use serde_json::{Map, Value};

use super::provenance::Found;
use super::{kind, required, FormatPolicy, Outcome, MAX_FINDINGS};
use crate::gate::escape::{clean, len64, line};

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of an in-toto Statement v0.1.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// `predicateType` of SLSA provenance v1 (all 1.x versions).
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// `predicateType` of SLSA provenance v0.2.
pub const SLSA_PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";
/// The DSSE `payloadType` of an in-toto Statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// Every Sigstore bundle media type starts with this.
pub const BUNDLE_MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
/// The warning every signed attestation carries: the gate reads, never verifies.
pub const SIGNATURE_WARNING: &str = "signature: not verified (verify with `gh attestation verify`, `slsa-verifier` or `cosign verify-blob-attestation`)";

/// The sha256 of zero bytes: a subject with it attests an empty file.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// How many hex digits of a sha256 findings show.
const SHA_PREFIX: usize = 12;

/// Does this JSON document look like an in-toto attestation: a Statement, a
/// DSSE envelope, a Sigstore bundle, a legacy cosign bundle (read, to say
/// why it is not an attestation) or an attestations list?
pub fn detect(doc: &Value) -> bool {
    let Some(obj) = doc.as_object() else { return false };
    let str_field = |k: &str| obj.get(k).and_then(Value::as_str);
    str_field("_type").is_some_and(|t| t.starts_with("https://in-toto.io/Statement/"))
        || (str_field("payloadType").is_some() && obj.contains_key("payload"))
        || str_field("mediaType").is_some_and(|m| m.starts_with(BUNDLE_MEDIA_TYPE_PREFIX))
        || is_cosign_bundle(obj)
        || obj
            .get("attestations")
            .and_then(Value::as_array)
            .is_some_and(|list| !list.is_empty() && list.iter().all(|a| a.get("bundle").is_some()))
}

/// Applies the in-toto/SLSA rule (see the module documentation). `Err` when
/// the document carries no Statement or a part of it is malformed.
pub fn check(doc: &Value, policy: &FormatPolicy) -> Result<Outcome, String> {
    Ok(rule(&read(doc)?, policy))
}

/// What the attestations add up to, for coverage, counts and findings.
#[derive(Default)]
struct Tally<'a> {
    /// What was attested: predicate and builder lines.
    head: Vec<String>,
    subject_lines: Vec<String>,
    /// The sha256 digests accepted provenance covers.
    covered: Vec<&'a str>,
    any_provenance: bool,
    subjects: u64,
    signatures: u64,
    signed: bool,
}

/// The rule over attestations read whole.
fn rule(attestations: &[Attestation], policy: &FormatPolicy) -> Outcome {
    let mut out = Outcome::default();
    let mut t = Tally::default();
    for a in attestations {
        attestation(a, policy, &mut out, &mut t);
    }
    let uncovered = coverage(&t, policy, &mut out);
    if t.signed {
        out.warnings.push(SIGNATURE_WARNING.to_string());
    }
    out.counts.insert("subjects.total".to_string(), t.subjects);
    out.counts.insert("signatures.total".to_string(), t.signatures);
    out.counts.insert("statements.total".to_string(), len64(attestations));

    // Findings: what blocks, what was attested, the signature caveat (always
    // kept), then the subjects.
    let mut findings: Vec<String> = uncovered.into_iter().chain(t.head).collect();
    findings.truncate(MAX_FINDINGS.saturating_sub(1));
    findings.push(if t.signed { "signature: not verified" } else { "signature: none" }.to_string());
    findings.extend(t.subject_lines);
    findings.truncate(MAX_FINDINGS);
    out.findings = findings;
    out
}

/// One attestation: its signatures, its predicate, its builder and subjects.
fn attestation<'a>(
    a: &'a Attestation,
    policy: &FormatPolicy,
    out: &mut Outcome,
    t: &mut Tally<'a>,
) {
    let label = a.label.as_deref().map(|l| format!("`{l}`: ")).unwrap_or_default();
    let st = &a.statement;
    let ptype = clean(&st.predicate_type);
    t.subjects = t.subjects.saturating_add(len64(&st.subjects));
    t.signatures = t.signatures.saturating_add(a.signatures);
    if a.signatures > 0 {
        t.signed = true;
    } else {
        out.warnings.push(match a.wrapping {
            Wrapping::Plain => format!("{label}the statement is unsigned (no DSSE envelope)"),
            _ => format!("{label}the DSSE envelope has no signatures"),
        });
    }
    if let Some(listed) = a.listed_predicate_type.as_ref().filter(|l| **l != st.predicate_type) {
        out.warnings.push(line(&format!(
            "{label}the list says predicate type `{}` but the statement says `{ptype}`",
            clean(listed)
        )));
    }
    let accepted = predicate(st, &label, &ptype, policy, out);
    t.head.push(line(&format!("{label}predicate `{ptype}`")));
    if let Some(builder) = &st.builder {
        t.head.push(line(&format!("{label}builder `{}`", clean(builder))));
    }
    if accepted {
        t.any_provenance = true;
        if let Some(builder) = &st.builder {
            if !policy.slsa_builders.is_empty()
                && !policy.slsa_builders.iter().any(|b| builder_matches(b, builder))
            {
                out.reasons.push(line(&format!(
                    "{label}builder `{}` is not in `slsa_builders`",
                    clean(builder)
                )));
            }
        }
        for s in &st.subjects {
            match &s.sha256 {
                Some(sha) => t.covered.push(sha),
                None => out.warnings.push(line(&format!(
                    "{label}subject `{}` has no sha256 digest (only {}): it cannot cover a release artifact",
                    clean(&s.name),
                    s.algorithms.iter().map(|a| format!("`{}`", clean(a))).collect::<Vec<_>>().join(", ")
                ))),
            }
        }
    }
    for s in &st.subjects {
        if s.sha256.as_deref() == Some(EMPTY_SHA256) {
            out.warnings.push(line(&format!(
                "{label}subject `{}` has the sha256 of an empty file",
                clean(&s.name)
            )));
        }
        t.subject_lines.push(line(&match &s.sha256 {
            Some(sha) => format!("subject `{}@sha256:{}`", clean(&s.name), prefix(sha)),
            None => format!(
                "subject `{}` (no sha256: {})",
                clean(&s.name),
                s.algorithms.iter().map(|a| clean(a)).collect::<Vec<_>>().join(", ")
            ),
        }));
    }
}

/// Whether the statement is accepted SLSA provenance; the reason or warning
/// when it is not.
fn predicate(
    st: &Statement,
    label: &str,
    ptype: &str,
    policy: &FormatPolicy,
    out: &mut Outcome,
) -> bool {
    match st.predicate {
        Predicate::SlsaV1 => return true,
        Predicate::SlsaV02 if policy.slsa_allow_v02 => return true,
        Predicate::SlsaV02 => out.reasons.push(format!(
            "{label}predicate type `{SLSA_PROVENANCE_V02}`: SLSA provenance v0.2 is not accepted by policy (`slsa_allow_v02` is off)"
        )),
        Predicate::SlsaOther => out.reasons.push(line(&format!(
            "{label}predicate type `{ptype}` is not an accepted SLSA provenance version (accepted: `{SLSA_PROVENANCE_V1}`, and v0.2 when `slsa_allow_v02` is on)"
        ))),
        Predicate::Other => match &st.verdict {
            Some(Verdict::Failed(why)) => {
                out.reasons.push(line(&format!("{label}predicate `{ptype}` does not pass: {why}")))
            }
            Some(Verdict::Warned(why)) => {
                out.warnings.push(line(&format!("{label}predicate `{ptype}`: {why}")))
            }
            Some(Verdict::Passed) => {}
            None => out.warnings.push(line(&format!(
                "{label}predicate type `{ptype}` is not SLSA provenance: the statement was read, but no provenance rule applies to it"
            ))),
        },
    }
    false
}

/// Coverage of the release artifacts, by sha256, over all accepted
/// provenance: the findings for those not covered.
fn coverage(t: &Tally, policy: &FormatPolicy, out: &mut Outcome) -> Vec<String> {
    let mut uncovered = Vec::new();
    if !t.any_provenance {
        return uncovered;
    }
    if policy.slsa_subjects.is_empty() {
        out.warnings.push(
            "no release artifacts configured (`slsa_subjects` is empty): subject coverage was not checked"
                .to_string(),
        );
    }
    for (name, sha) in &policy.slsa_subjects {
        let want = normalize_sha256(sha);
        if !t.covered.contains(&want.as_str()) {
            out.reasons.push(line(&format!(
                "release artifact `{}` (sha256 `{}…`) is not a subject of the provenance",
                clean(name),
                prefix(&want)
            )));
            uncovered.push(line(&format!(
                "not covered: release artifact `{}@sha256:{}`",
                clean(name),
                prefix(&want)
            )));
        }
    }
    uncovered
}

/// How a Statement reached the gate.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wrapping {
    Plain,
    Envelope,
    Bundle,
}

/// One Statement and what wrapped it.
#[derive(Debug)]
struct Attestation {
    /// `attestations[1]` for an entry of an attestations list.
    label: Option<String>,
    wrapping: Wrapping,
    /// DSSE signatures present (none verified).
    signatures: u64,
    /// The list entry's own (unsigned) `predicateType`, when it has one.
    listed_predicate_type: Option<String>,
    statement: Statement,
}

/// What the rule needs of a Statement.
#[derive(Debug)]
struct Statement {
    predicate_type: String,
    predicate: Predicate,
    builder: Option<String>,
    subjects: Vec<Subject>,
    /// Its provenance claims: the gate's own fields at its top level, and
    /// the SLSA build's finish time.
    found: Found,
    /// What a predicate that carries a verdict says (a test result, a
    /// verification summary): `None` when it carries none.
    verdict: Option<Verdict>,
}

/// A verdict a predicate states about its subject.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Passed,
    Warned(String),
    /// Failed, or a verdict the gate cannot read: never clean.
    Failed(String),
}

/// The fields in which predicates state a verdict: in-toto's test-result
/// (`result`), SLSA's verification summary (`verificationResult`), and the
/// words other predicates use.
const VERDICT_FIELDS: &[&str] = &["result", "verificationResult", "status", "outcome"];

/// The verdict of a predicate, read fail-closed: a verdict field whose value
/// is not a passing word fails; a test-result or verification-summary
/// predicate without one fails too.
fn predicate_verdict(predicate_type: &str, predicate: Option<&Value>) -> Option<Verdict> {
    let lower = predicate_type.to_ascii_lowercase();
    if lower.contains("attestation/vulns") {
        // in-toto's vulnerability scan: its findings are the verdict.
        return Some(match predicate.and_then(|p| p.pointer("/scanner/result")) {
            Some(Value::Array(list)) if list.is_empty() => Verdict::Passed,
            Some(Value::Array(list)) => Verdict::Failed(format!(
                "the scan lists {} vulnerabilit{} (`predicate.scanner.result`)",
                list.len(),
                if list.len() == 1 { "y" } else { "ies" }
            )),
            Some(other) => Verdict::Failed(format!(
                "`predicate.scanner.result` is {}, expected an array",
                kind(other)
            )),
            None => Verdict::Failed(
                "the predicate states no scan result (`predicate.scanner.result`)".to_string(),
            ),
        });
    }
    let expects = lower.contains("test-result") || lower.contains("verification_summary");
    let field = predicate
        .and_then(Value::as_object)
        .and_then(|obj| VERDICT_FIELDS.iter().find_map(|k| obj.get(*k).map(|v| (*k, v))));
    let Some((key, value)) = field else {
        return expects.then(|| {
            Verdict::Failed(format!(
                "the predicate states no verdict (none of {})",
                VERDICT_FIELDS.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ))
        });
    };
    let Some(word) = value.as_str() else {
        return Some(Verdict::Failed(format!(
            "`predicate.{key}` is {}, expected a string",
            kind(value)
        )));
    };
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "passed" | "pass" | "success" | "succeeded" | "ok" => Verdict::Passed,
        "warned" | "warning" => Verdict::Warned(format!("`predicate.{key}` is `{}`", clean(word))),
        _ => Verdict::Failed(format!("`predicate.{key}` is `{}`", clean(word))),
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Predicate {
    SlsaV1,
    SlsaV02,
    /// Under `slsa.dev/provenance` but neither v1 nor v0.2 (drafts, v0.1).
    SlsaOther,
    /// Not SLSA provenance.
    Other,
}

#[derive(Debug)]
struct Subject {
    name: String,
    /// Lowercase hex, checked to be 64 digits.
    sha256: Option<String>,
    /// The digest algorithms present, sorted.
    algorithms: Vec<String>,
}

/// The Statements a document carries, by its shape.
fn read(doc: &Value) -> Result<Vec<Attestation>, String> {
    let obj = required(Some(doc), "the document", "an object", Value::as_object)?;
    let one = |wrapping, (statement, signatures)| {
        let listed_predicate_type = None;
        Ok(vec![Attestation {
            label: None,
            wrapping,
            signatures,
            listed_predicate_type,
            statement,
        }])
    };
    if obj.contains_key("_type") {
        return one(Wrapping::Plain, (read_statement(doc, "")?, 0));
    }
    if obj.contains_key("payloadType") {
        return one(Wrapping::Envelope, read_envelope(obj, "")?);
    }
    if obj.contains_key("mediaType") {
        return one(Wrapping::Bundle, read_bundle(obj, "")?);
    }
    if is_cosign_bundle(obj) {
        return Err("a cosign signature bundle (`base64Signature`, `cert`, `rekorBundle`), not an attestation: it carries no in-toto statement".to_string());
    }
    if let Some(list) = obj.get("attestations") {
        return read_list(list);
    }
    Err("not an in-toto statement, DSSE envelope or Sigstore bundle (no `_type`, `payloadType` or `mediaType`)".to_string())
}

/// `{"attestations": [{"predicateType": …, "bundle": {…}}, …]}`.
fn read_list(list: &Value) -> Result<Vec<Attestation>, String> {
    let items = list
        .as_array()
        .ok_or_else(|| format!("`attestations` is {}, expected an array", kind(list)))?;
    if items.is_empty() {
        return Err("`attestations` is empty: there is no attestation to check".to_string());
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("attestations[{i}]");
        let at = format!("`{path}.bundle`");
        let bundle =
            required(item.get("bundle"), &at, "an object (a Sigstore bundle)", Value::as_object)?;
        let (statement, signatures) = read_bundle(bundle, &format!("{path}.bundle"))?;
        out.push(Attestation {
            label: Some(path),
            wrapping: Wrapping::Bundle,
            signatures,
            listed_predicate_type: item
                .get("predicateType")
                .and_then(Value::as_str)
                .map(str::to_string),
            statement,
        });
    }
    Ok(out)
}

/// A Sigstore bundle: the Statement of its `dsseEnvelope`.
fn read_bundle(obj: &Map<String, Value>, path: &str) -> Result<(Statement, u64), String> {
    match obj.get("mediaType") {
        Some(Value::String(m)) if m.starts_with(BUNDLE_MEDIA_TYPE_PREFIX) => {}
        Some(Value::String(m)) => {
            return Err(line(&format!(
            "`{}` is `{}`, expected a Sigstore bundle media type (`{BUNDLE_MEDIA_TYPE_PREFIX}…`)",
            at(path, "mediaType"),
            clean(m)
        )))
        }
        other => {
            required(other, &format!("`{}`", at(path, "mediaType")), "a string", Value::as_str)?;
        }
    }
    let material = format!("`{}`", at(path, "verificationMaterial"));
    required(obj.get("verificationMaterial"), &material, "an object", Value::as_object)?;
    match (obj.get("dsseEnvelope"), obj.contains_key("messageSignature")) {
        (Some(_), true) => Err(format!(
            "`{}` has both `dsseEnvelope` and `messageSignature`, expected one",
            if path.is_empty() { "the bundle" } else { path }
        )),
        (None, true) => Err(format!(
            "a Sigstore bundle with `{}`: it signs an artifact directly and carries no in-toto statement",
            at(path, "messageSignature")
        )),
        (None, false) => Err(format!(
            "`{}` is missing: the bundle carries no in-toto statement",
            at(path, "dsseEnvelope")
        )),
        (Some(Value::Object(env)), false) => read_envelope(env, &at(path, "dsseEnvelope")),
        (Some(other), false) => Err(format!(
            "`{}` is {}, expected an object",
            at(path, "dsseEnvelope"),
            kind(other)
        )),
    }
}

/// A DSSE envelope: its decoded Statement and how many signatures it has.
fn read_envelope(obj: &Map<String, Value>, path: &str) -> Result<(Statement, u64), String> {
    one_of(
        obj.get("payloadType"),
        &format!("`{}`", at(path, "payloadType")),
        &[IN_TOTO_PAYLOAD_TYPE],
    )?;
    let signatures_at = at(path, "signatures");
    let sigs = required(
        obj.get("signatures"),
        &format!("`{signatures_at}`"),
        "an array",
        Value::as_array,
    )?;
    for (i, sig) in sigs.iter().enumerate() {
        required(Some(sig), &format!("`{signatures_at}[{i}]`"), "an object", Value::as_object)?;
    }
    let signatures = len64(sigs);
    let payload_path = at(path, "payload");
    let payload =
        required(obj.get("payload"), &format!("`{payload_path}`"), "a string", Value::as_str)?;
    let bytes = decode_base64(payload).ok_or_else(|| {
        format!("`{payload_path}` is not valid base64 (standard or url-safe alphabet)")
    })?;
    if bytes.is_empty() {
        return Err(format!("`{payload_path}` is empty"));
    }
    // The same duplicate-key rule as every other document: a payload that
    // says two things about one key is not read either way.
    let text =
        std::str::from_utf8(&bytes).map_err(|e| format!("`{payload_path}` is not UTF-8: {e}"))?;
    let statement: Value = release_gate_scan::checked::checked_json(text)
        .map_err(|e| format!("`{payload_path}` is not valid JSON: {e}"))?;
    let statement = read_statement(&statement, &format!("statement in `{payload_path}`: "))?;
    Ok((statement, signatures))
}

/// A string field (`shown` as messages name it) that must be one of `allowed`.
fn one_of(value: Option<&Value>, shown: &str, allowed: &[&str]) -> Result<(), String> {
    match value {
        Some(Value::String(t)) if allowed.contains(&t.as_str()) => Ok(()),
        Some(Value::String(t)) => {
            let expected: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
            Err(line(&format!("{shown} is `{}`, expected {}", clean(t), expected.join(" or "))))
        }
        other => required(other, shown, "a string", Value::as_str).map(drop),
    }
}

/// Standard alphabet first, then url-safe; padding optional; whitespace ignored.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD_PAD_INDIFFERENT
        .decode(&compact)
        .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(&compact))
        .ok()
}

/// An in-toto Statement v1 or v0.1. `ctx` prefixes messages about a decoded
/// payload.
fn read_statement(value: &Value, ctx: &str) -> Result<Statement, String> {
    let obj = value
        .as_object()
        .ok_or_else(|| format!("{ctx}the statement is {}, expected an object", kind(value)))?;
    one_of(obj.get("_type"), &format!("{ctx}`_type`"), &[STATEMENT_V1, STATEMENT_V01])?;
    let subjects = match obj.get("subject") {
        Some(Value::Array(list)) if list.is_empty() => {
            return Err(format!("{ctx}`subject` is empty, expected at least one subject"))
        }
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, s)| read_subject(s, &format!("subject[{i}]"), ctx))
            .collect::<Result<Vec<_>, _>>()?,
        other => required(other, &format!("{ctx}`subject`"), "an array", |_| None)?,
    };
    let predicate_type = non_empty(obj.get("predicateType"), ctx, "predicateType")?;
    let predicate = classify(&predicate_type);
    let builder = read_builder(value, predicate, ctx)?;
    let mut found = Found::default();
    found.own_fields(obj);
    for (pointer, field) in [
        ("/predicate/runDetails/metadata/finishedOn", "predicate.runDetails.metadata.finishedOn"),
        ("/predicate/metadata/buildFinishedOn", "predicate.metadata.buildFinishedOn"),
    ] {
        if let Some(at) = value.pointer(pointer) {
            found.time(at, field);
        }
    }
    let verdict = match predicate {
        Predicate::Other => predicate_verdict(&predicate_type, obj.get("predicate")),
        _ => None,
    };
    Ok(Statement { predicate_type, predicate, builder, subjects, found, verdict })
}

/// The builder id: required of accepted SLSA provenance (v1
/// `runDetails.builder.id`, v0.2 `builder.id`), else shown when present.
fn read_builder(
    statement: &Value,
    predicate: Predicate,
    ctx: &str,
) -> Result<Option<String>, String> {
    let pointer = match predicate {
        Predicate::SlsaV1 => "/runDetails/builder/id",
        Predicate::SlsaV02 => "/builder/id",
        Predicate::SlsaOther | Predicate::Other => {
            return Ok(["/predicate/runDetails/builder/id", "/predicate/builder/id"]
                .iter()
                .find_map(|p| statement.pointer(p).and_then(Value::as_str))
                .map(str::to_string))
        }
    };
    let at = format!("{ctx}`predicate`");
    let predicate =
        required(statement.get("predicate"), &at, "an object", |p| p.is_object().then_some(p))?;
    let field = format!("predicate{}", pointer.replace('/', "."));
    non_empty(predicate.pointer(pointer), ctx, &field).map(Some)
}

/// A string field that must be there and not blank.
fn non_empty(value: Option<&Value>, ctx: &str, field: &str) -> Result<String, String> {
    match value {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(format!("{ctx}`{field}` is empty")),
        Some(other) => Err(format!("{ctx}`{field}` is {}, expected a string", kind(other))),
        None => Err(format!("{ctx}`{field}` is missing")),
    }
}

fn read_subject(value: &Value, path: &str, ctx: &str) -> Result<Subject, String> {
    let obj = required(Some(value), &format!("{ctx}`{path}`"), "an object", Value::as_object)?;
    let name = match obj.get("name") {
        None => "_".to_string(),
        Some(Value::String(n)) => n.clone(),
        Some(other) => {
            return Err(format!("{ctx}`{path}.name` is {}, expected a string", kind(other)))
        }
    };
    let digest = match obj.get("digest") {
        Some(Value::Object(d)) if d.is_empty() => {
            return Err(format!("{ctx}`{path}.digest` is empty, expected at least one digest"))
        }
        Some(Value::Object(d)) => d,
        other => required(other, &format!("{ctx}`{path}.digest`"), "an object", |_| None)?,
    };
    let mut algorithms = Vec::new();
    let mut sha256 = None;
    for (algorithm, v) in digest {
        let Value::String(hex) = v else {
            return Err(format!(
                "{ctx}`{path}.digest.{}` is {}, expected a string",
                clean(algorithm),
                kind(v)
            ));
        };
        if algorithm == "sha256" {
            let hex = hex.trim().to_ascii_lowercase();
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("{ctx}`{path}.digest.sha256` is not 64 hex digits"));
            }
            sha256 = Some(hex);
        }
        algorithms.push(algorithm.clone());
    }
    algorithms.sort();
    Ok(Subject { name, sha256, algorithms })
}

fn classify(predicate_type: &str) -> Predicate {
    if predicate_type == SLSA_PROVENANCE_V1 {
        Predicate::SlsaV1
    } else if predicate_type == SLSA_PROVENANCE_V02 {
        Predicate::SlsaV02
    } else if predicate_type.to_ascii_lowercase().contains("slsa.dev/provenance") {
        Predicate::SlsaOther
    } else {
        Predicate::Other
    }
}

/// A legacy `cosign sign-blob --bundle` file.
fn is_cosign_bundle(obj: &Map<String, Value>) -> bool {
    obj.contains_key("base64Signature")
        && (obj.contains_key("rekorBundle") || obj.contains_key("cert"))
}

/// Does the allowlist entry `allowed` admit builder `id`? As slsa-verifier's
/// `--builder-id`: equal strings match; an entry without `@` matches any
/// version of that builder (`name@ref`); an entry `name@v1.2.3` also matches
/// `name@refs/tags/v1.2.3`.
pub fn builder_matches(allowed: &str, id: &str) -> bool {
    let allowed = allowed.trim();
    if allowed.is_empty() {
        return false;
    }
    if allowed == id {
        return true;
    }
    match (allowed.split_once('@'), id.split_once('@')) {
        (None, Some((name, _))) => name == allowed,
        (Some((name, version)), Some((id_name, id_version))) => {
            name == id_name && id_version.strip_prefix("refs/tags/") == Some(version)
        }
        _ => false,
    }
}

/// A configured sha256: trimmed, `sha256:` prefix dropped, lowercase.
fn normalize_sha256(sha: &str) -> String {
    let sha = sha.trim();
    sha.strip_prefix("sha256:").unwrap_or(sha).to_ascii_lowercase()
}

fn prefix(sha: &str) -> String {
    clean(&sha.chars().take(SHA_PREFIX).collect::<String>())
}

fn at(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// What an attestation says about its provenance: the gate's own fields at
/// the document's top level and at each statement's; each SLSA predicate's
/// `runDetails.metadata.finishedOn` (v1) or `metadata.buildFinishedOn`
/// (v0.2) (times). Its subjects are checked against the release artifacts
/// by the rule itself.
pub fn provenance(doc: &Value) -> Found {
    let mut found = Found::top_level(doc);
    for attestation in read(doc).unwrap_or_default() {
        found.extend(attestation.statement.found);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use serde_json::json;

    const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const BUILDER: &str =
        "https://github.com/example/builder/.github/workflows/build.yml@refs/tags/v2.0.0";

    /// Runs the rule and compares the verdict: `passed`, `not_passed: <text
    /// each reason line must contain, joined by " | ">`, or `invalid: <text
    /// the error must contain>`. Returns the outcome for further checks.
    fn check_case(doc: Value, policy: &FormatPolicy, expected: &str) -> Outcome {
        assert!(detect(&doc), "not detected: {doc}");
        super::super::testing::expect_case(check(&doc, policy), expected)
    }

    fn v1_statement(subjects: &[(&str, &str)], builder: &str) -> Value {
        let subject: Vec<Value> =
            subjects.iter().map(|(n, s)| json!({"name": n, "digest": {"sha256": s}})).collect();
        json!({
            "_type": STATEMENT_V1,
            "subject": subject,
            "predicateType": SLSA_PROVENANCE_V1,
            "predicate": {
                "buildDefinition": {"buildType": "https://example.com/build/v1", "externalParameters": {}},
                "runDetails": {"builder": {"id": builder}},
            },
        })
    }

    fn v02_statement() -> Value {
        json!({
            "_type": STATEMENT_V01,
            "subject": [{"name": "tool-linux", "digest": {"sha256": SHA_A}}],
            "predicateType": SLSA_PROVENANCE_V02,
            "predicate": {"builder": {"id": BUILDER}, "buildType": "https://example.com/t"},
        })
    }

    fn envelope(statement: &Value) -> Value {
        json!({
            "payloadType": IN_TOTO_PAYLOAD_TYPE,
            "payload": STANDARD.encode(statement.to_string()),
            "signatures": [{"keyid": "", "sig": "c2lnbmF0dXJl"}],
        })
    }

    fn bundle(statement: &Value) -> Value {
        json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {"certificate": {"rawBytes": "Y2VydA=="}, "tlogEntries": []},
            "dsseEnvelope": envelope(statement),
        })
    }

    fn policy_with(subjects: &[(&str, &str)], builders: &[&str]) -> FormatPolicy {
        FormatPolicy {
            slsa_subjects: subjects.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect(),
            slsa_builders: builders.iter().map(|b| b.to_string()).collect(),
            ..FormatPolicy::default()
        }
    }

    #[test]
    fn detects_every_shape_and_nothing_else() {
        let st = v1_statement(&[("a", SHA_A)], BUILDER);
        assert!(detect(&st));
        assert!(detect(&envelope(&st)));
        assert!(detect(&bundle(&st)));
        assert!(detect(&json!({"base64Signature": "x", "cert": "y", "rekorBundle": {}})));
        assert!(detect(&json!({"attestations": [{"bundle": bundle(&st)}]})));
        assert!(detect(&json!({"_type": "https://in-toto.io/Statement/v1?draft"})));
        assert!(!detect(&json!({"_type": "link"})));
        assert!(!detect(&json!({"attestations": []})));
        assert!(!detect(&json!({"mediaType": "application/json"})));
        assert!(!detect(&json!([st])));
    }

    #[test]
    fn slsa_v1_bundle_passes_with_caveats_by_default() {
        let out = check_case(
            bundle(&v1_statement(&[("tool.tar.gz", SHA_A)], BUILDER)),
            &FormatPolicy::default(),
            "passed",
        );
        assert_eq!(
            out.warnings,
            [
                "no release artifacts configured (`slsa_subjects` is empty): subject coverage was not checked",
                SIGNATURE_WARNING,
            ]
        );
        assert_eq!(
            out.findings,
            [
                format!("predicate `{SLSA_PROVENANCE_V1}`"),
                format!("builder `{BUILDER}`"),
                "signature: not verified".to_string(),
                "subject `tool.tar.gz@sha256:aaaaaaaaaaaa`".to_string(),
            ]
        );
        assert_eq!(out.counts.get("subjects.total"), Some(&1));
        assert_eq!(out.counts.get("signatures.total"), Some(&1));
    }

    #[test]
    fn every_release_artifact_must_be_covered_by_sha256() {
        let doc = envelope(&v1_statement(&[("renamed", SHA_A)], BUILDER));
        // Covered by digest, whatever the subject's name; configured digests
        // may carry a `sha256:` prefix and upper case.
        let upper = format!("sha256:{}", SHA_A.to_uppercase());
        check_case(doc.clone(), &policy_with(&[("tool", &upper)], &[]), "passed");
        let out = check_case(
            doc,
            &policy_with(&[("tool", SHA_A), ("tool.sig", SHA_B)], &[]),
            "not_passed: release artifact `tool.sig` (sha256 `bbbbbbbbbbbb…`) is not a subject of the provenance",
        );
        assert_eq!(out.findings[0], "not covered: release artifact `tool.sig@sha256:bbbbbbbbbbbb`");
        assert!(!out.warnings.iter().any(|w| w.contains("slsa_subjects")));
    }

    #[test]
    fn builder_must_be_allowed_when_an_allowlist_is_set() {
        let doc = envelope(&v1_statement(&[("a", SHA_A)], BUILDER));
        check_case(
            doc.clone(),
            &policy_with(&[], &["https://github.com/other/builder"]),
            &format!("not_passed: builder `{BUILDER}` is not in `slsa_builders`"),
        );
        check_case(doc.clone(), &policy_with(&[], &[BUILDER]), "passed");
        // Loose matching, as slsa-verifier's `--builder-id`.
        let name = "https://github.com/example/builder/.github/workflows/build.yml";
        check_case(doc.clone(), &policy_with(&[], &[name]), "passed");
        check_case(doc.clone(), &policy_with(&[], &[&format!("{name}@v2.0.0")]), "passed");
        check_case(
            doc,
            &policy_with(&[], &[&format!("{name}@v1.0.0")]),
            "not_passed: is not in `slsa_builders`",
        );
    }

    #[test]
    fn builder_matching_rules() {
        assert!(builder_matches("https://b/x", "https://b/x"));
        assert!(builder_matches("https://b/x", "https://b/x@refs/tags/v1"));
        assert!(builder_matches("https://b/x@v1", "https://b/x@refs/tags/v1"));
        assert!(!builder_matches("https://b/x@v1", "https://b/x@refs/heads/v1"));
        assert!(!builder_matches("https://b/x@refs/tags/v1", "https://b/x"));
        assert!(!builder_matches("https://b/xy", "https://b/x@refs/tags/v1"));
        assert!(!builder_matches("https://b", "https://b/x"));
        assert!(!builder_matches(" ", "https://b/x"));
    }

    #[test]
    fn slsa_v02_blocks_unless_allowed() {
        let doc = envelope(&v02_statement());
        check_case(
            doc.clone(),
            &FormatPolicy::default(),
            "not_passed: SLSA provenance v0.2 is not accepted by policy (`slsa_allow_v02` is off)",
        );
        let allow = FormatPolicy { slsa_allow_v02: true, ..FormatPolicy::default() };
        let out = check_case(doc.clone(), &allow, "passed");
        assert!(out.findings.contains(&format!("builder `{BUILDER}`")));
        // v0.2 reads its builder from `predicate.builder.id`.
        let other = FormatPolicy { slsa_builders: vec!["https://x".into()], ..allow };
        check_case(doc, &other, "not_passed: builder `https://github.com/example/builder/");
    }

    #[test]
    fn draft_and_unknown_slsa_versions_block() {
        let mut st = v1_statement(&[("a", SHA_A)], BUILDER);
        st["predicateType"] = json!("https://slsa.dev/provenance/v1.0?draft");
        let out = check_case(
            envelope(&st),
            &FormatPolicy::default(),
            "not_passed: predicate type `https://slsa.dev/provenance/v1.0?draft` is not an accepted SLSA provenance version",
        );
        // The draft's builder is still shown, and the signature caveat stays.
        assert!(out.findings.contains(&format!("builder `{BUILDER}`")));
        assert!(out.warnings.contains(&SIGNATURE_WARNING.to_string()));
    }

    #[test]
    fn other_predicate_types_pass_with_a_warning() {
        let st = json!({
            "_type": STATEMENT_V1,
            "subject": [{"name": "pkg:npm/x@1.0.0", "digest": {"sha512": "abcd"}}],
            "predicateType": "https://spdx.dev/Document",
            "predicate": {},
        });
        // Even with release artifacts configured: coverage is a provenance rule.
        let out = check_case(bundle(&st), &policy_with(&[("a", SHA_A)], &["https://x"]), "passed");
        assert!(out.warnings.contains(
            &"predicate type `https://spdx.dev/Document` is not SLSA provenance: the statement was read, but no provenance rule applies to it"
                .to_string()
        ));
        assert!(out
            .findings
            .contains(&"subject `pkg:npm/x@1.0.0` (no sha256: sha512)".to_string()));
    }

    #[test]
    fn plain_statement_is_read_and_marked_unsigned() {
        let out =
            check_case(v1_statement(&[("a", SHA_A)], BUILDER), &FormatPolicy::default(), "passed");
        assert!(out.warnings.contains(&"the statement is unsigned (no DSSE envelope)".to_string()));
        assert!(!out.warnings.contains(&SIGNATURE_WARNING.to_string()));
        assert!(out.findings.contains(&"signature: none".to_string()));
        assert_eq!(out.counts.get("signatures.total"), Some(&0));
    }

    #[test]
    fn envelope_without_signatures_is_unsigned() {
        let mut doc = envelope(&v1_statement(&[("a", SHA_A)], BUILDER));
        doc["signatures"] = json!([]);
        let out = check_case(doc, &FormatPolicy::default(), "passed");
        assert!(out.warnings.contains(&"the DSSE envelope has no signatures".to_string()));
        assert!(!out.warnings.contains(&SIGNATURE_WARNING.to_string()));
    }

    #[test]
    fn payload_base64_variants_decode() {
        let st = v1_statement(&[("a", SHA_A)], BUILDER);
        let text = format!("{st} ");
        for payload in
            [STANDARD.encode(&text), STANDARD_NO_PAD.encode(&text), URL_SAFE_NO_PAD.encode(&text)]
        {
            let mut doc = envelope(&st);
            doc["payload"] = json!(payload);
            check_case(doc, &FormatPolicy::default(), "passed");
        }
    }

    #[test]
    fn empty_file_digest_and_missing_sha256_are_named() {
        let mut st = v1_statement(&[("empty", EMPTY_SHA256)], BUILDER);
        st["subject"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "pkg", "digest": {"sha512": "00", "sha1": "11"}}));
        let out = check_case(envelope(&st), &FormatPolicy::default(), "passed");
        assert!(out
            .warnings
            .contains(&"subject `empty` has the sha256 of an empty file".to_string()));
        assert!(out.warnings.iter().any(|w| w.contains(
            "subject `pkg` has no sha256 digest (only `sha1`, `sha512`): it cannot cover a release artifact"
        )));
        assert_eq!(out.counts.get("subjects.total"), Some(&2));
    }

    #[test]
    fn attestation_lists_check_every_bundle() {
        let publish = json!({
            "_type": STATEMENT_V01,
            "subject": [{"name": "pkg:npm/x@1.0.0", "digest": {"sha512": "ab"}}],
            "predicateType": "https://github.com/npm/attestation/tree/main/specs/publish/v0.1",
            "predicate": {"name": "x"},
        });
        let provenance = v1_statement(&[("x.tgz", SHA_A)], BUILDER);
        let doc = json!({"attestations": [
            {"predicateType": "https://github.com/npm/attestation/tree/main/specs/publish/v0.1", "bundle": bundle(&publish)},
            {"predicateType": "https://slsa.dev/provenance/v0.2", "bundle": bundle(&provenance)},
        ]});
        let out = check_case(doc.clone(), &policy_with(&[("x.tgz", SHA_A)], &[]), "passed");
        assert_eq!(out.counts.get("statements.total"), Some(&2));
        assert_eq!(out.counts.get("signatures.total"), Some(&2));
        assert!(out.warnings.iter().any(|w| w.starts_with(
            "`attestations[1]`: the list says predicate type `https://slsa.dev/provenance/v0.2`"
        )));
        assert!(out.warnings.iter().any(|w| w.starts_with("`attestations[0]`: predicate type")));
        assert_eq!(out.findings.len(), MAX_FINDINGS);
        assert!(out.findings.contains(&"signature: not verified".to_string()));
        check_case(
            doc,
            &policy_with(&[("y.tgz", SHA_B)], &[]),
            "not_passed: release artifact `y.tgz`",
        );
    }

    #[test]
    fn signature_finding_survives_many_uncovered_artifacts() {
        let doc = envelope(&v1_statement(&[("a", SHA_A)], BUILDER));
        let names = ["1", "2", "3", "4", "5", "6"];
        let subjects: Vec<(&str, &str)> = names.iter().map(|n| (*n, SHA_B)).collect();
        let out = check_case(
            doc,
            &policy_with(&subjects, &[]),
            "not_passed: `1` | `2` | `3` | `4` | `5` | `6`",
        );
        assert_eq!(out.findings.len(), MAX_FINDINGS);
        assert_eq!(out.findings.last().map(String::as_str), Some("signature: not verified"));
    }

    #[test]
    fn documents_without_a_statement_are_invalid() {
        let p = FormatPolicy::default();
        check_case(
            json!({"base64Signature": "x", "cert": "y", "rekorBundle": {"Payload": {}}}),
            &p,
            "invalid: a cosign signature bundle (`base64Signature`, `cert`, `rekorBundle`), not an attestation: it carries no in-toto statement",
        );
        let message_signature = json!({
            "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.2",
            "verificationMaterial": {},
            "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": "AA=="}, "signature": "AA=="},
        });
        check_case(
            message_signature,
            &p,
            "invalid: a Sigstore bundle with `messageSignature`: it signs an artifact directly and carries no in-toto statement",
        );
        let mut both = bundle(&v1_statement(&[("a", SHA_A)], BUILDER));
        both["messageSignature"] = json!({});
        check_case(
            both,
            &p,
            "invalid: `the bundle` has both `dsseEnvelope` and `messageSignature`",
        );
        let mut none = bundle(&v1_statement(&[("a", SHA_A)], BUILDER));
        none.as_object_mut().unwrap().remove("dsseEnvelope");
        check_case(
            none,
            &p,
            "invalid: `dsseEnvelope` is missing: the bundle carries no in-toto statement",
        );
    }

    #[test]
    fn draft_statement_type_is_invalid() {
        let mut st = v1_statement(&[("_", SHA_A)], BUILDER);
        st["_type"] = json!("https://in-toto.io/Statement/v1?draft");
        check_case(
            st,
            &FormatPolicy::default(),
            "invalid: `_type` is `https://in-toto.io/Statement/v1?draft`, expected `https://in-toto.io/Statement/v1` or `https://in-toto.io/Statement/v0.1`",
        );
    }

    #[test]
    fn malformed_parts_are_invalid() {
        let p = FormatPolicy::default();
        let st = v1_statement(&[("a", SHA_A)], BUILDER);
        let cases: Vec<(Value, &str)> = vec![
            ({ let mut d = envelope(&st); d["payloadType"] = json!("text/plain"); d },
             "`payloadType` is `text/plain`, expected `application/vnd.in-toto+json`"),
            ({ let mut d = envelope(&st); d["payload"] = json!("***"); d },
             "`payload` is not valid base64 (standard or url-safe alphabet)"),
            ({ let mut d = envelope(&st); d["payload"] = json!(STANDARD.encode("{nope")); d },
             "`payload` is not valid JSON: "),
            ({ let mut d = envelope(&st); d["payload"] = json!(""); d }, "`payload` is empty"),
            // A payload that names its predicate type twice is read neither way.
            ({ let mut d = envelope(&st); d["payload"] = json!(STANDARD.encode(
                r#"{"_type": "https://in-toto.io/Statement/v1", "predicateType": "a", "predicateType": "b"}"#)); d },
             "`payload` is not valid JSON: duplicate key `predicateType`"),
            ({ let mut d = envelope(&st); d["signatures"] = json!({}); d },
             "`signatures` is an object, expected an array"),
            ({ let mut d = bundle(&st); d["dsseEnvelope"]["payload"] = json!(STANDARD.encode("[]")); d },
             "statement in `dsseEnvelope.payload`: the statement is an array, expected an object"),
            ({ let mut d = bundle(&st); d.as_object_mut().unwrap().remove("verificationMaterial"); d },
             "`verificationMaterial` is missing"),
            ({ let mut d = st.clone(); d["subject"] = json!([]); d },
             "`subject` is empty, expected at least one subject"),
            ({ let mut d = st.clone(); d["subject"] = json!([{"name": "a"}]); d },
             "`subject[0].digest` is missing"),
            ({ let mut d = st.clone(); d["subject"] = json!([{"digest": {"sha256": "abc"}}]); d },
             "`subject[0].digest.sha256` is not 64 hex digits"),
            ({ let mut d = st.clone(); d["subject"] = json!([{"digest": {"sha256": 5}}]); d },
             "`subject[0].digest.sha256` is a number, expected a string"),
            ({ let mut d = st.clone(); d["subject"] = json!([{"name": 1, "digest": {"sha256": SHA_A}}]); d },
             "`subject[0].name` is a number, expected a string"),
            ({ let mut d = st.clone(); d.as_object_mut().unwrap().remove("predicateType"); d },
             "`predicateType` is missing"),
            ({ let mut d = st.clone(); d["predicate"]["runDetails"] = json!({}); d },
             "`predicate.runDetails.builder.id` is missing"),
            ({ let mut d = v02_statement(); d["predicate"]["builder"]["id"] = json!(7); d },
             "`predicate.builder.id` is a number, expected a string"),
            ({ let mut d = st.clone(); d.as_object_mut().unwrap().remove("predicate"); d },
             "`predicate` is missing"),
            (json!({"attestations": [{"bundle": null}]}),
             "`attestations[0].bundle` is null, expected an object (a Sigstore bundle)"),
            (json!({"attestations": [{"bundle": {"mediaType": "x"}}]}),
             "`attestations[0].bundle.mediaType` is `x`, expected a Sigstore bundle media type"),
        ];
        for (doc, want) in cases {
            let expected = format!("invalid: {want}");
            if detect(&doc) {
                check_case(doc, &p, &expected);
            } else {
                let e = check(&doc, &p).unwrap_err();
                assert!(e.contains(want), "{e:?} lacks {want:?}");
            }
        }
    }

    #[test]
    fn hostile_values_do_not_panic() {
        let p = policy_with(&[("a", "not hex at all ✓"), ("", "")], &["", "@", "x@"]);
        let long = "é".repeat(5000);
        let hostile = [
            json!({"_type": STATEMENT_V1, "subject": [{"name": long, "digest": {"sha256": "é".repeat(64)}}], "predicateType": SLSA_PROVENANCE_V1, "predicate": {"runDetails": {"builder": {"id": "@@@"}}}}),
            json!({"_type": STATEMENT_V1, "subject": [{"name": "\n`x`\u{0}", "digest": {"x": "y"}}], "predicateType": long, "predicate": 5}),
            json!({"payloadType": IN_TOTO_PAYLOAD_TYPE, "payload": "=", "signatures": [1]}),
            json!({"payloadType": IN_TOTO_PAYLOAD_TYPE, "payload": STANDARD.encode("1e999999"), "signatures": []}),
            json!({"mediaType": BUNDLE_MEDIA_TYPE_PREFIX, "verificationMaterial": [], "dsseEnvelope": "x"}),
            json!({"attestations": [{"bundle": {}}, 5]}),
            json!({"_type": 1}),
        ];
        for doc in hostile {
            let _ = check(&doc, &p);
        }
    }

    #[test]
    fn provenance_reads_the_build_finish_time() {
        let mut v1 = v1_statement(&[("a", &"1".repeat(64))], "https://github.com/actions/runner");
        v1["predicate"]["runDetails"]["metadata"] = json!({"finishedOn": "2026-01-02T00:00:00Z"});
        v1["provenance"] = json!("stub");
        let found = provenance(&v1);
        assert!(found.stub);
        assert_eq!(found.claims().generated_at.as_deref(), Some("2026-01-02T00:00:00Z"));
    }

    /// A statement of `predicate_type` about one subject with `predicate`.
    fn verdict_statement(predicate_type: &str, predicate: Value) -> Value {
        json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "app", "digest": {"sha256": SHA_A}}],
            "predicateType": predicate_type,
            "predicate": predicate,
        })
    }

    #[test]
    fn predicates_that_state_a_verdict_are_held_to_it() {
        let p = FormatPolicy::default();
        let test_result = "https://in-toto.io/attestation/test-result/v0.1";
        let vsa = "https://slsa.dev/verification_summary/v1";
        check_case(verdict_statement(test_result, json!({"result": "PASSED"})), &p, "passed");
        check_case(
            verdict_statement(test_result, json!({"result": "FAILED", "failedTests": ["t"]})),
            &p,
            "not_passed: predicate `https://in-toto.io/attestation/test-result/v0.1` does not pass: `predicate.result` is `FAILED`",
        );
        let warned =
            check_case(verdict_statement(test_result, json!({"result": "WARNED"})), &p, "passed");
        assert!(warned.warnings.iter().any(|w| w.contains("`predicate.result` is `WARNED`")));
        check_case(
            verdict_statement(test_result, json!({"configuration": []})),
            &p,
            "not_passed: the predicate states no verdict",
        );
        check_case(
            verdict_statement(vsa, json!({"verificationResult": "FAILED"})),
            &p,
            "not_passed: `predicate.verificationResult` is `FAILED`",
        );
        check_case(
            verdict_statement("https://example.com/custom/v1", json!({"status": 3})),
            &p,
            "not_passed: `predicate.status` is a number, expected a string",
        );
        let vulns = "https://in-toto.io/attestation/vulns/v0.1";
        check_case(
            verdict_statement(vulns, json!({"scanner": {"result": [{"id": "CVE-1"}]}})),
            &p,
            "not_passed: the scan lists 1 vulnerability",
        );
        check_case(verdict_statement(vulns, json!({"scanner": {"result": []}})), &p, "passed");
        check_case(
            verdict_statement(vulns, json!({"scanner": {}})),
            &p,
            "not_passed: the predicate states no scan result",
        );
        // A predicate that states no verdict is read, with a warning.
        let other = check_case(
            verdict_statement("https://example.com/custom/v1", json!({"note": "x"})),
            &p,
            "passed",
        );
        assert!(other.warnings.iter().any(|w| w.contains("is not SLSA provenance")));
    }
}
