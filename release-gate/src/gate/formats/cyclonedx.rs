//! CycloneDX JSON SBOMs, specification 1.2 to 1.6.
//!
//! [`detect`] recognizes a BOM by its `bomFormat` field (any string, so that
//! a BOM with a wrong value is still read and then rejected), or by a
//! `specVersion` next to `components`/`metadata` with a CycloneDX `$schema`
//! or a `bomFormat` key of another type.
//!
//! [`check`] splits problems in two:
//! - the document breaks the CycloneDX schema on a field the gate reads
//!   (`bomFormat` other than `CycloneDX`, an unsupported `specVersion`, a
//!   `serialNumber` that is not a `urn:uuid:` UUID, a field of the wrong JSON
//!   type): `Err`, the artifact is invalid;
//! - the document is a schema-valid BOM that is not good enough as release
//!   evidence: blocking reasons. It must name its subject
//!   (`metadata.component`), list at least one component (nested components
//!   count), keep every `bom-ref` unique, and every dependency reference must
//!   resolve to a `bom-ref` of the document.
//!
//! Vulnerabilities embedded in the BOM are rated by the highest severity among
//! their `ratings` (a rating without `severity` but with a CVSS v3/v4 `score`
//! gets the CVSS qualitative severity). Critical and high ones whose
//! `analysis.state` does not resolve them warn, or block under
//! [`FormatPolicy::cyclonedx_block_vulnerabilities`].
//!
//! A JSON `null` where an optional field would be is read as absent.

use std::collections::BTreeMap;

use release_gate_scan::ids::{self, IdSet};
use release_gate_scan::skeleton::{self, Pat, Shape, Sink, Step};

use serde_json::{Map, Value};

use super::provenance::Found;
use super::{
    field, optional_array, optional_object, required, type_error, FormatPolicy, Outcome,
    MAX_FINDINGS,
};
use crate::gate::escape::{line, name_some, name_some_of, plural, quote};

/// The newest minor version of CycloneDX 1 the gate knows; newer 1.x minors
/// are read as this one, with a warning.
const NEWEST_MINOR: u64 = 6;
/// The oldest minor version of CycloneDX 1 the gate reads (1.2 introduced the
/// first CycloneDX JSON format).
const OLDEST_MINOR: u64 = 2;
/// `analysis.state` values that take a vulnerability off the blocking list.
const RESOLVED_STATES: &[&str] =
    &["resolved", "resolved_with_pedigree", "not_affected", "false_positive"];

/// Does this JSON document look like a CycloneDX BOM?
///
/// Yes when `bomFormat` is a string (whatever its value: [`check`] then
/// rejects anything but `CycloneDX`), or when `specVersion` is a string, the
/// object has `components` or `metadata`, and either `$schema` mentions
/// `cyclonedx` or a `bomFormat` key of some other type is present.
pub fn detect(doc: &Value) -> bool {
    let Some(obj) = doc.as_object() else {
        return false;
    };
    if obj.get("bomFormat").is_some_and(Value::is_string) {
        return true;
    }
    let spec = obj.get("specVersion").is_some_and(Value::is_string);
    let body = obj.contains_key("components") || obj.contains_key("metadata");
    let schema = obj
        .get("$schema")
        .and_then(Value::as_str)
        .is_some_and(|s| s.to_ascii_lowercase().contains("cyclonedx"));
    spec && body && (schema || obj.contains_key("bomFormat"))
}

/// Applies the CycloneDX rule (see the module documentation).
///
/// Counts: `components.total` (nested components included), `services.total`,
/// `dependencies.total`, `vulnerabilities.total`, `vulnerabilities.critical`,
/// `.high`, `.medium`, `.low`, `.other` (info, none or unrated) and
/// `vulnerabilities.unresolved` (not resolved by `analysis.state`).
pub fn check(doc: &Value, policy: &FormatPolicy) -> Result<Outcome, String> {
    let root = required(Some(doc), "the document", "an object", Value::as_object)?;
    let spec_warning = header(root)?;
    let mut fold = Fold::default();
    fold.subject(root)?;
    for (section, key) in SECTIONS.iter().enumerate() {
        if section >= DEPENDENCIES {
            fold.refs.seal();
        }
        match optional_array(root, key, key) {
            Ok(items) => {
                for (i, item) in items.iter().enumerate() {
                    fold.element(section, i, item);
                }
            }
            Err(why) => fold.fail(section, why),
        }
    }
    fold.finish(spec_warning, policy)
}

/// The arrays of a BOM, in the order the rule reads them: every bom-ref is
/// known before a reference is resolved.
const SECTIONS: [&str; 4] = ["components", "services", "dependencies", "vulnerabilities"];
const DEPENDENCIES: usize = 2;

/// The arrays a BOM over `max-parse-bytes` streams (see [`Streamed`]), and
/// the fields whose text the splitter hands over with each element: a
/// component with a plain `bom-ref` and no nested components is read from
/// that text alone.
pub const STREAMED: [(&[Pat], &[&str]); 4] = [
    (&[Pat::Key("components")], REF_NAMES),
    (&[Pat::Key("services")], REF_NAMES),
    (&[Pat::Key("dependencies")], &[]),
    (&[Pat::Key("vulnerabilities")], &[]),
];
const REF_NAMES: &[&str] = &["bom-ref", "components", "services"];

/// The bom-refs of a BOM: each one's 64-bit hash (`release_gate_scan::ids`,
/// 8 bytes a component), and the text of those seen more than once with
/// how often. A collision of two refs' hashes reads as a repeat (the BOM
/// blocks), or resolves a reference that should not resolve (about one
/// chance in 10^7 for a million refs, and a BOM built to collide could as
/// well have the component it names).
#[derive(Default)]
struct Refs {
    set: IdSet,
    repeats: BTreeMap<u64, (String, u64)>,
    /// At most this many repeated refs held (none: no cap).
    cap: Option<usize>,
    /// More would have been held.
    over: bool,
}

/// The most repeated bom-refs a streamed BOM holds.
const MAX_REPEATS: usize = 1 << 18;

impl Refs {
    fn insert(&mut self, r: &str) {
        let Refs { set, repeats, cap, over } = self;
        set.add(ids::hash(r.as_bytes()), r.as_bytes(), &mut |hash, text| {
            note(repeats, *cap, over, hash, text)
        });
    }

    /// Every ref inserted is now found by [`Refs::contains`] quickly.
    fn seal(&mut self) {
        let Refs { set, repeats, cap, over } = self;
        set.flush(&mut |hash, text| note(repeats, *cap, over, hash, text));
    }

    fn contains(&self, r: &str) -> bool {
        self.set.contains(ids::hash(r.as_bytes()))
    }

    /// The refs used more than once, by text, with how often.
    fn repeated(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = self.repeats.values().cloned().collect();
        out.sort();
        out
    }
}

/// One more occurrence of a ref seen before.
fn note(
    repeats: &mut BTreeMap<u64, (String, u64)>,
    cap: Option<usize>,
    over: &mut bool,
    hash: u64,
    text: &[u8],
) {
    let full = cap.is_some_and(|cap| repeats.len() >= cap);
    match repeats.get_mut(&hash) {
        Some((_, n)) => *n += 1,
        None if full => *over = true,
        None => {
            repeats.insert(hash, (String::from_utf8_lossy(text).into_owned(), 2));
        }
    }
}

/// What the rule reads of a BOM, element by element: the same whether the
/// BOM was parsed whole or streamed.
#[derive(Default)]
struct Fold {
    refs: Refs,
    /// The subject's bom-refs (`metadata.component` and its tree).
    subject: Option<bool>,
    components: u64,
    services: u64,
    dependencies: u64,
    unresolved: Unresolved,
    vulns: Vec<Vulnerability>,
    /// The first error of each section (in [`SECTIONS`] order).
    errors: [Option<String>; 4],
}

/// The dependency references that resolve to no bom-ref, each once, in
/// document order, with where each first occurs: the first few, and how
/// many (distinct by hash: a collision could only undercount them).
#[derive(Default)]
struct Unresolved {
    seen: std::collections::HashSet<u64>,
    first: Vec<(String, String)>,
}

/// The unresolved references named (the message names a few, the findings
/// at most [`MAX_FINDINGS`]).
const NAMED: usize = 16;

impl Unresolved {
    fn note(&mut self, r: &str, at: impl FnOnce() -> String) {
        if self.seen.insert(ids::hash(r.as_bytes())) && self.first.len() < NAMED {
            self.first.push((r.to_string(), at()));
        }
    }
}

impl Fold {
    /// `metadata.component` and its tree: the subject's bom-refs.
    fn subject(&mut self, root: &Map<String, Value>) -> Result<(), String> {
        let metadata = optional_object(root, "metadata", "metadata")?;
        let subject = metadata.and_then(|meta| field(meta, "component"));
        if let Some(component) = subject {
            if !component.is_object() {
                return Err(type_error("metadata.component", component, "an object"));
            }
            walk_tree(component, "metadata.component", "components", &mut self.refs, &mut 0)?;
        }
        self.subject = Some(subject.is_some());
        Ok(())
    }

    /// Element `i` of section `section`; its error is kept (the first of
    /// its section) and the rest of the section is still read.
    fn element(&mut self, section: usize, i: usize, item: &Value) {
        if self.errors.get(section).is_some_and(Option::is_some) {
            return;
        }
        let key = SECTIONS.get(section).copied().unwrap_or_default();
        let path = || format!("{key}[{i}]");
        let read = match section {
            0 => walk_tree(item, &path(), "components", &mut self.refs, &mut self.components),
            1 => walk_tree(item, &path(), "services", &mut self.refs, &mut self.services),
            DEPENDENCIES => self.dependency(item, &path()),
            _ => read_vulnerability(item, &path()).map(|v| self.vulns.push(v)),
        };
        if let Err(why) = read {
            self.fail(section, why);
        }
    }

    /// The error of `section`, if it is its first.
    fn fail(&mut self, section: usize, why: String) {
        if let Some(slot @ None) = self.errors.get_mut(section) {
            *slot = Some(why);
        }
    }

    /// One dependency: `ref`, `dependsOn[]` and `provides[]` each resolved
    /// (BOM-Links, `urn:cdx:`, point into other BOMs and are not checked).
    fn dependency(&mut self, dep: &Value, path: &str) -> Result<(), String> {
        self.dependencies += 1;
        let obj = dep.as_object().ok_or_else(|| type_error(path, dep, "an object"))?;
        let r = obj.get("ref").ok_or_else(|| format!("`{path}.ref` is missing"))?;
        let r = r.as_str().ok_or_else(|| type_error(&format!("{path}.ref"), r, "a string"))?;
        self.resolve(r, || format!("{path}.ref"));
        for key in ["dependsOn", "provides"] {
            for (j, item) in optional_array(obj, key, &format!("{path}.{key}"))?.iter().enumerate()
            {
                let at = || format!("{path}.{key}[{j}]");
                let target = item.as_str().ok_or_else(|| type_error(&at(), item, "a string"))?;
                self.resolve(target, at);
            }
        }
        Ok(())
    }

    /// A hash collision could only resolve a reference that should not
    /// resolve (see `release_gate_scan::ids`).
    fn resolve(&mut self, r: &str, at: impl FnOnce() -> String) {
        if !r.starts_with("urn:cdx:") && !self.refs.contains(r) {
            self.unresolved.note(r, at);
        }
    }

    /// The rule over what was read, or the first error (sections in order).
    fn finish(
        &self,
        spec_warning: Option<String>,
        policy: &FormatPolicy,
    ) -> Result<Outcome, String> {
        if let Some(why) = self.errors.iter().flatten().next() {
            return Err(why.clone());
        }
        let duplicates = self.refs.repeated();
        // Affected components resolved once every bom-ref is known.
        let mut dangling = Vec::new();
        for v in &self.vulns {
            for r in &v.affects {
                if !r.starts_with("urn:cdx:") && !self.refs.contains(r) {
                    dangling.push((r.clone(), v.id.clone()));
                }
            }
        }
        let bom = Bom {
            spec_warning,
            subject: self.subject.unwrap_or(false),
            duplicates,
            components: self.components,
            services: self.services,
            dependencies: self.dependencies,
            unresolved: &self.unresolved,
            vulns: &self.vulns,
            dangling,
        };
        Ok(rule(&bom, policy))
    }
}

/// A BOM over `max-parse-bytes`, read from a stream: each element of the
/// [`STREAMED`] arrays folded as it comes, the rest (the skeleton) judged
/// at the end by [`Streamed::check`], with the same outcome as [`check`]
/// on the whole document. The subject (`metadata`) must come before the
/// first streamed array, and the components and services before the
/// dependencies and vulnerabilities, as every CycloneDX writer puts them:
/// references are resolved as they come. Otherwise, or past the limits
/// below, the BOM is not read as a stream ([`Streamed::check`] says why).
pub struct Streamed {
    fold: Fold,
    /// Whether `metadata` came before the first streamed array, and what
    /// reading it from there gave.
    subject: Option<(bool, Result<(), String>)>,
    /// References are being resolved: the dependencies or vulnerabilities
    /// started.
    resolving: bool,
    /// The [`SECTIONS`] index of the array being streamed.
    section: usize,
    limit: Option<String>,
}

/// The most vulnerabilities a streamed BOM may hold, and distinct
/// unresolved references it may count.
const MAX_VULNERABILITIES: usize = 100_000;
const MAX_UNRESOLVED: usize = 1 << 20;

static COMPONENT: Shape =
    Shape::Keys(&[("bom-ref", Shape::All), ("components", Shape::Each(&COMPONENT))]);
static SERVICE: Shape =
    Shape::Keys(&[("bom-ref", Shape::All), ("services", Shape::Each(&SERVICE))]);
static DEPENDENCY: Shape =
    Shape::Keys(&[("ref", Shape::All), ("dependsOn", Shape::All), ("provides", Shape::All)]);
static VULNERABILITY: Shape = Shape::Keys(&[
    ("id", Shape::All),
    ("ratings", Shape::All),
    ("analysis", Shape::Keys(&[("state", Shape::All)])),
    ("affects", Shape::All),
]);

/// The [`SECTIONS`] index of a streamed path.
fn section_of(at: &[Step]) -> usize {
    match at.first() {
        Some(Step::Key(key)) => SECTIONS.iter().position(|s| s == key).unwrap_or(DEPENDENCIES),
        _ => DEPENDENCIES,
    }
}

impl Default for Streamed {
    fn default() -> Streamed {
        let refs = Refs { cap: Some(MAX_REPEATS), ..Refs::default() };
        let fold = Fold { refs, ..Fold::default() };
        Streamed { fold, subject: None, resolving: false, section: 0, limit: None }
    }
}

impl Streamed {
    /// The rule over the skeleton and what was streamed: `Err(Ok(why))`
    /// when the BOM is not valid, `Err(Err(limit))` when it was not read as
    /// a stream.
    pub fn check(
        &self,
        doc: &Value,
        policy: &FormatPolicy,
    ) -> Result<Outcome, Result<String, String>> {
        if let Some(limit) = &self.limit {
            return Err(Err(limit.clone()));
        }
        let root =
            required(Some(doc), "the document", "an object", Value::as_object).map_err(Ok)?;
        let spec_warning = header(root).map_err(Ok)?;
        match &self.subject {
            Some((true, read)) => read.clone().map_err(Ok)?,
            _ if root.contains_key("metadata") => {
                return Err(Err("its `metadata` comes after its components".to_string()))
            }
            _ => {}
        }
        // A section that is not an array was kept in the skeleton.
        let mut fold_errors = self.fold.errors.clone();
        for (section, key) in SECTIONS.iter().enumerate() {
            if let (Err(why), Some(slot @ None)) =
                (optional_array(root, key, key), fold_errors.get_mut(section))
            {
                *slot = Some(why);
            }
        }
        if let Some(why) = fold_errors.iter().flatten().next() {
            return Err(Ok(why.clone()));
        }
        self.fold.finish(spec_warning, policy).map_err(Ok)
    }

    /// A component or service read from the text of its `bom-ref` alone:
    /// false when it needs the whole element (nested items, an escape, not
    /// an object, a `bom-ref` that is not a string).
    fn plain(&mut self, section: usize, bytes: &[u8], key: Option<&[u8]>) -> bool {
        let Some(key) = key.filter(|_| bytes.first() == Some(&b'{')) else { return false };
        // REF_NAMES: `bom-ref`, then the children of components, of services.
        if skeleton::key_field(key, section.saturating_add(1)).is_some() {
            return false;
        }
        match skeleton::key_field(key, 0) {
            None | Some(b"null") => {}
            Some(text) => match skeleton::plain_str(text) {
                Some(r) => self.fold.refs.insert(r),
                None => return false,
            },
        }
        match section {
            0 => self.fold.components += 1,
            _ => self.fold.services += 1,
        }
        true
    }

    fn limits(&mut self) {
        let fold = &self.fold;
        let why = if fold.vulns.len() > MAX_VULNERABILITIES {
            format!("it has over {MAX_VULNERABILITIES} vulnerabilities")
        } else if fold.unresolved.seen.len() > MAX_UNRESOLVED {
            format!("it has over {MAX_UNRESOLVED} dependency references that do not resolve")
        } else if fold.refs.over {
            "too many of its bom-refs look alike to tell its duplicates in bounded memory"
                .to_string()
        } else {
            return;
        };
        self.limit.get_or_insert(why);
    }
}

impl Sink for Streamed {
    fn start(&mut self, at: &[Step], prefix: &[u8]) {
        if self.subject.is_none() {
            let prefix = skeleton::prefix_object(at, prefix);
            let read = self.fold.subject(&prefix);
            self.subject = Some((prefix.contains_key("metadata"), read));
        }
        self.section = section_of(at);
        if self.section >= DEPENDENCIES {
            self.fold.refs.seal();
            self.resolving = true;
        }
    }

    fn element(&mut self, _: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
        let section = self.section;
        if section < DEPENDENCIES && self.resolving {
            self.limit.get_or_insert_with(|| {
                "its components or services come after its dependencies or vulnerabilities"
                    .to_string()
            });
            return;
        }
        if self.limit.is_some() || (section < DEPENDENCIES && self.plain(section, bytes, key)) {
            return;
        }
        let shape = match section {
            0 => &COMPONENT,
            1 => &SERVICE,
            DEPENDENCIES => &DEPENDENCY,
            _ => &VULNERABILITY,
        };
        let item = skeleton::pruned(bytes, shape).unwrap_or_default();
        self.fold.element(section, index, &item);
        self.limits();
    }

    fn end(&mut self, _: &[Step], _: usize) {
        // Every ref read so far merged: its repeats found.
        self.fold.refs.seal();
        self.limits();
    }
}

/// What the rule reads of a BOM.
struct Bom<'f> {
    /// A `specVersion` newer than the gate knows.
    spec_warning: Option<String>,
    /// `metadata.component` is there.
    subject: bool,
    /// The bom-refs used more than once, by text, with how often.
    duplicates: Vec<(String, u64)>,
    components: u64,
    services: u64,
    dependencies: u64,
    unresolved: &'f Unresolved,
    vulns: &'f [Vulnerability],
    /// Vulnerability `affects` references that resolve to no bom-ref, with
    /// the vulnerability's id, in document order.
    dangling: Vec<(String, String)>,
}

/// The document's header: `bomFormat`, `specVersion` (`Ok(Some(warning))`
/// for a newer 1.x) and `serialNumber`; `Err` when it is not a CycloneDX
/// 1.2 to 1.x JSON BOM.
fn header(root: &Map<String, Value>) -> Result<Option<String>, String> {
    match root.get("bomFormat") {
        None => return Err("`bomFormat` is missing".to_string()),
        Some(Value::String(s)) if s == "CycloneDX" => {}
        Some(Value::String(s)) => {
            return Err(format!("`bomFormat` is {}, expected `CycloneDX`", quote(s)));
        }
        Some(other) => return Err(type_error("bomFormat", other, "a string")),
    }
    let spec_warning = spec_version(root)?;
    if let Some(serial) = field(root, "serialNumber") {
        let serial =
            serial.as_str().ok_or_else(|| type_error("serialNumber", serial, "a string"))?;
        if !is_urn_uuid(serial) {
            return Err(format!(
                "`serialNumber` {} is not `urn:uuid:` followed by an RFC 4122 UUID",
                quote(serial)
            ));
        }
    }
    Ok(spec_warning)
}

/// The rule over a BOM that has CycloneDX's shape.
fn rule(bom: &Bom<'_>, policy: &FormatPolicy) -> Outcome {
    let mut out = Outcome::default();
    out.warnings.extend(bom.spec_warning.clone());
    if !bom.subject {
        out.reasons
            .push("no `metadata.component`: the SBOM does not say what it describes".to_string());
    }
    out.counts.insert("components.total".to_string(), bom.components);
    out.counts.insert("services.total".to_string(), bom.services);
    if bom.components == 0 {
        out.reasons
            .push("no components: the SBOM lists nothing the subject is made of".to_string());
    }
    let mut structural = Vec::new();
    if !bom.duplicates.is_empty() {
        let names: Vec<&str> = bom.duplicates.iter().map(|(r, _)| r.as_str()).collect();
        out.reasons.push(format!(
            "{} {} used more than once: {}",
            names.len(),
            plural(names.len(), "bom-ref", "bom-refs"),
            name_some(&names)
        ));
        for (r, n) in &bom.duplicates {
            structural.push(format!("duplicate bom-ref {} ({n} times)", quote(r)));
        }
    }
    out.counts.insert("dependencies.total".to_string(), bom.dependencies);
    let unresolved = bom.unresolved.seen.len();
    if unresolved > 0 {
        let names: Vec<&str> = bom.unresolved.first.iter().map(|(r, _)| r.as_str()).collect();
        out.reasons.push(format!(
            "{unresolved} dependency {} not resolve to a bom-ref: {}",
            plural(unresolved, "reference does", "references do"),
            name_some_of(&names, unresolved)
        ));
        for (r, at) in &bom.unresolved.first {
            structural
                .push(format!("dependency reference {} in `{at}` does not resolve", quote(r)));
        }
    }
    vulnerability_reasons(bom, policy, &mut out, &mut structural);
    out.findings = findings(bom.vulns, structural, policy.cyclonedx_block_vulnerabilities);
    out
}

/// Unresolved critical or high vulnerabilities (reasons or warnings, by
/// policy), and vulnerabilities that affect a component the BOM does not
/// have.
fn vulnerability_reasons(
    bom: &Bom<'_>,
    policy: &FormatPolicy,
    out: &mut Outcome,
    structural: &mut Vec<String>,
) {
    vulnerability_counts(bom.vulns, &mut out.counts);
    // The most severe named first; a stable sort keeps document order within
    // a severity.
    let mut serious: Vec<&Vulnerability> = bom.vulns.iter().filter(|v| v.serious()).collect();
    serious.sort_by_key(|v| std::cmp::Reverse(v.severity));
    let kinds = if serious.iter().any(|v| v.severity == Severity::Unrated) {
        "critical, high or unrated"
    } else {
        "critical or high"
    };
    let serious: Vec<&str> = serious.iter().map(|v| v.id.as_str()).collect();
    if !serious.is_empty() {
        let line = format!(
            "{} unresolved {kinds} {}: {}",
            serious.len(),
            plural(serious.len(), "vulnerability", "vulnerabilities"),
            name_some(&serious)
        );
        if policy.cyclonedx_block_vulnerabilities {
            out.reasons.push(line);
        } else {
            out.warnings
                .push(format!("{line} (not blocking: `cyclonedx_block_vulnerabilities` is off)"));
        }
    }
    // A vulnerability that names a component the BOM does not have: what it
    // affects is unknown, as with a dependency reference.
    if !bom.dangling.is_empty() {
        let names: Vec<&str> = bom.dangling.iter().map(|(r, _)| r.as_str()).collect();
        out.reasons.push(format!(
            "{} vulnerability `affects` {} not resolve to a bom-ref: {}",
            names.len(),
            plural(names.len(), "reference does", "references do"),
            name_some(&names)
        ));
        for (r, id) in &bom.dangling {
            structural.push(format!(
                "vulnerability {} affects {}, which does not resolve",
                quote(id),
                quote(r)
            ));
        }
    }
}

/// Reads `specVersion`: `Ok(Some(warning))` for a 1.x newer than the gate
/// knows, `Err` when missing, malformed or unsupported.
fn spec_version(root: &Map<String, Value>) -> Result<Option<String>, String> {
    let value = root.get("specVersion").ok_or("`specVersion` is missing")?;
    let text = value.as_str().ok_or_else(|| type_error("specVersion", value, "a string"))?;
    let parsed = text.split_once('.').and_then(|(major, minor)| {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if digits(major) && digits(minor) {
            Some((major.parse::<u64>().ok()?, minor.parse::<u64>().ok()?))
        } else {
            None
        }
    });
    let Some((major, minor)) = parsed else {
        return Err(format!("`specVersion` {} is not a CycloneDX version", quote(text)));
    };
    if major == 1 && (OLDEST_MINOR..=NEWEST_MINOR).contains(&minor) {
        Ok(None)
    } else if major == 1 && minor > NEWEST_MINOR {
        Ok(Some(format!(
            "specVersion {} is newer than 1.{NEWEST_MINOR}; read as 1.{NEWEST_MINOR}",
            quote(text)
        )))
    } else {
        Err(format!(
            "`specVersion` {} is unsupported (the gate reads 1.{OLDEST_MINOR} to 1.{NEWEST_MINOR})",
            quote(text)
        ))
    }
}

/// `urn:uuid:` then the RFC 4122 text form: 8-4-4-4-12 hexadecimal digits.
/// The version and variant digits are not checked, so RFC 9562 versions 6 to
/// 8 pass too.
fn is_urn_uuid(serial: &str) -> bool {
    let Some(uuid) = serial.strip_prefix("urn:uuid:") else {
        return false;
    };
    let groups: Vec<&str> = uuid.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8usize, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Walks a component and its nested `components` (or a service and its
/// `services`: `children`), iteratively, so depth costs no stack; records
/// bom-refs and counts the items, the starting one included.
fn walk_tree(
    start: &Value,
    path: &str,
    children: &str,
    refs: &mut Refs,
    count: &mut u64,
) -> Result<(), String> {
    let mut stack = vec![(start, path.to_string())];
    while let Some((value, path)) = stack.pop() {
        let obj = value.as_object().ok_or_else(|| type_error(&path, value, "an object"))?;
        *count += 1;
        if let Some(r) = field(obj, "bom-ref") {
            let r =
                r.as_str().ok_or_else(|| type_error(&format!("{path}.bom-ref"), r, "a string"))?;
            refs.insert(r);
        }
        let nested = optional_array(obj, children, &format!("{path}.{children}"))?;
        for (i, child) in nested.iter().enumerate().rev() {
            stack.push((child, format!("{path}.{children}[{i}]")));
        }
    }
    Ok(())
}

/// A vulnerability severity; the order is the order of concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Severity {
    Unrated,
    None,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    fn parse(text: &str) -> Severity {
        match text.to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "info" => Severity::Info,
            "none" => Severity::None,
            "unknown" => Severity::Unrated,
            // A severity the gate cannot read counts at the most severe.
            _ => Severity::Critical,
        }
    }

    /// The CVSS v3/v4 qualitative rating of a base score.
    fn from_cvss(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else if score == 0.0 {
            Severity::None
        } else {
            Severity::Unrated
        }
    }

    fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
            Severity::None => "none",
            Severity::Unrated => "unrated",
        }
    }
}

impl Vulnerability {
    /// Not resolved by analysis, and critical, high or of a severity the
    /// gate cannot tell (no rating, `unknown`): an unknown severity counts
    /// at the most severe.
    fn serious(&self) -> bool {
        !self.resolved && (self.severity >= Severity::High || self.severity == Severity::Unrated)
    }
}

/// One embedded vulnerability, as far as the gate needs it.
struct Vulnerability {
    id: String,
    severity: Severity,
    resolved: bool,
    state: Option<String>,
    affects: Vec<String>,
}

fn read_vulnerability(item: &Value, path: &str) -> Result<Vulnerability, String> {
    let obj = item.as_object().ok_or_else(|| type_error(path, item, "an object"))?;
    let id = match field(obj, "id") {
        Some(v) => v.as_str().ok_or_else(|| type_error(&format!("{path}.id"), v, "a string"))?,
        None => "(no id)",
    };
    let mut severity = Severity::Unrated;
    for (j, rating) in
        optional_array(obj, "ratings", &format!("{path}.ratings"))?.iter().enumerate()
    {
        let at = format!("{path}.ratings[{j}]");
        let rating = rating.as_object().ok_or_else(|| type_error(&at, rating, "an object"))?;
        severity = severity.max(rating_severity(rating, &at)?);
    }
    let state = match optional_object(obj, "analysis", &format!("{path}.analysis"))? {
        Some(analysis) => match field(analysis, "state") {
            Some(v) => Some(
                v.as_str()
                    .ok_or_else(|| type_error(&format!("{path}.analysis.state"), v, "a string"))?
                    .to_string(),
            ),
            None => None,
        },
        None => None,
    };
    let resolved = state.as_deref().is_some_and(|s| RESOLVED_STATES.contains(&s));
    let mut affects = Vec::new();
    for (j, a) in optional_array(obj, "affects", &format!("{path}.affects"))?.iter().enumerate() {
        let at = format!("{path}.affects[{j}]");
        let a = a.as_object().ok_or_else(|| type_error(&at, a, "an object"))?;
        if let Some(r) = field(a, "ref") {
            let r = r.as_str().ok_or_else(|| type_error(&format!("{at}.ref"), r, "a string"))?;
            affects.push(r.to_string());
        }
    }
    Ok(Vulnerability { id: id.to_string(), severity, resolved, state, affects })
}

/// A rating's severity: its `severity`, else the CVSS v3/v4 qualitative
/// rating of its `score`, else unrated.
fn rating_severity(rating: &Map<String, Value>, at: &str) -> Result<Severity, String> {
    if let Some(v) = field(rating, "severity") {
        let s = v.as_str().ok_or_else(|| type_error(&format!("{at}.severity"), v, "a string"))?;
        let parsed = Severity::parse(s);
        if parsed != Severity::Unrated {
            return Ok(parsed);
        }
        // `unknown`: the score below may still rate it.
    }
    let method = match field(rating, "method") {
        Some(v) => v.as_str().ok_or_else(|| type_error(&format!("{at}.method"), v, "a string"))?,
        None => "",
    };
    match field(rating, "score") {
        Some(v) if method.starts_with("CVSSv3") || method.starts_with("CVSSv4") => {
            let score =
                v.as_f64().ok_or_else(|| type_error(&format!("{at}.score"), v, "a number"))?;
            Ok(Severity::from_cvss(score))
        }
        _ => Ok(Severity::Unrated),
    }
}

fn vulnerability_counts(vulns: &[Vulnerability], counts: &mut BTreeMap<String, u64>) {
    let mut tally = |key: &str, n: usize| {
        counts.insert(format!("vulnerabilities.{key}"), n as u64);
    };
    let of = |s: Severity| vulns.iter().filter(|v| v.severity == s).count();
    tally("total", vulns.len());
    tally("critical", of(Severity::Critical));
    tally("high", of(Severity::High));
    tally("medium", of(Severity::Medium));
    tally("low", of(Severity::Low));
    tally("other", vulns.iter().filter(|v| v.severity < Severity::Low).count());
    tally("unresolved", vulns.iter().filter(|v| !v.resolved).count());
}

/// The worst first: blocking vulnerabilities, then structural problems, then
/// the other vulnerabilities (unresolved before resolved, by severity).
fn findings(vulns: &[Vulnerability], structural: Vec<String>, block: bool) -> Vec<String> {
    let mut vulns: Vec<&Vulnerability> = vulns.iter().collect();
    vulns.sort_by(|a, b| {
        a.resolved.cmp(&b.resolved).then(b.severity.cmp(&a.severity)).then(a.id.cmp(&b.id))
    });
    let blocking = |v: &Vulnerability| block && v.serious();
    let (first, rest): (Vec<&Vulnerability>, Vec<&Vulnerability>) =
        vulns.into_iter().partition(|v| blocking(v));
    first
        .into_iter()
        .map(vulnerability_line)
        .chain(structural)
        .chain(rest.into_iter().map(vulnerability_line))
        .take(MAX_FINDINGS)
        .map(|l| line(&l))
        .collect()
}

fn vulnerability_line(v: &Vulnerability) -> String {
    let mut line = format!("{} {}", v.severity.name(), quote(&v.id));
    if let Some(state) = &v.state {
        line.push_str(&format!(" (analysis {})", quote(state)));
    }
    if !v.affects.is_empty() {
        let names: Vec<&str> = v.affects.iter().map(String::as_str).collect();
        line.push_str(&format!(" affects {}", name_some(&names)));
    }
    line
}

/// What a CycloneDX BOM says about its provenance: the gate's own fields at
/// the top level and as named entries of `metadata.properties` (and the
/// BOM's `properties`); `metadata.timestamp` (time) and
/// `metadata.component.version` (release).
pub fn provenance(doc: &Value) -> Found {
    let mut found = Found::top_level(doc);
    let Some(obj) = doc.as_object() else { return found };
    let metadata = obj.get("metadata");
    for (at, list) in [
        ("metadata.properties", metadata.and_then(|m| m.get("properties"))),
        ("properties", obj.get("properties")),
    ] {
        for property in list.and_then(Value::as_array).map_or(&[][..], Vec::as_slice) {
            if let (Some(name), Some(value)) =
                (property.get("name").and_then(Value::as_str), property.get("value"))
            {
                found.property(name, value, at);
            }
        }
    }
    if let Some(at) = metadata.and_then(|m| m.get("timestamp")) {
        found.time(at, "metadata.timestamp");
    }
    if let Some(version) = metadata.and_then(|m| m.get("component")).and_then(|c| c.get("version"))
    {
        found.release(version, "metadata.component.version");
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::testing::{with, without};
    use super::*;
    use crate::gate::escape::MAX_LINE;
    use serde_json::json;

    /// Runs the rule with the default policy (or the vulnerability policy on)
    /// and compares the outcome's reasons or error.
    fn check_with(doc: Value, block: bool) -> Result<Outcome, String> {
        let policy =
            FormatPolicy { cyclonedx_block_vulnerabilities: block, ..FormatPolicy::default() };
        check(&doc, &policy)
    }

    /// `expected`: `Ok(reasons)` or `Err(message)`.
    fn expect(doc: Value, block: bool, expected: Result<&[&str], &str>) -> Outcome {
        super::super::testing::expect_reasons(check_with(doc, block), expected)
    }

    /// A passing BOM: subject, two components (one nested), a dependency graph.
    fn good() -> Value {
        json!({
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "serialNumber": "urn:uuid:0b9c2d1e-5f4a-4c3b-8a7d-6e5f4a3b2c1d",
            "version": 1,
            "metadata": {"component": {"type": "application", "name": "app", "bom-ref": "app"}},
            "components": [
                {"type": "library", "name": "lib", "bom-ref": "lib",
                 "components": [{"type": "library", "name": "inner", "bom-ref": "inner"}]}
            ],
            "dependencies": [
                {"ref": "app", "dependsOn": ["lib"]},
                {"ref": "lib", "dependsOn": ["inner"]},
                {"ref": "inner"}
            ]
        })
    }

    fn vuln(id: &str, severity: &str, state: Option<&str>) -> Value {
        let mut v = json!({"id": id, "ratings": [{"severity": "low"}, {"severity": severity}],
                           "affects": [{"ref": "lib"}]});
        if let Some(state) = state {
            v["analysis"] = json!({"state": state});
        }
        v
    }

    #[test]
    fn detects_cyclonedx_and_only_cyclonedx() {
        assert!(detect(&good()));
        assert!(detect(&json!({"bomFormat": "AnotherFormat"})));
        assert!(detect(&json!({"$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
                               "specVersion": "1.6", "components": []})));
        assert!(detect(&json!({"bomFormat": 3, "specVersion": "1.6", "metadata": {}})));
        assert!(!detect(&json!({"specVersion": "1.6", "components": []})));
        assert!(!detect(&json!({"spdxVersion": "SPDX-2.3", "packages": []})));
        assert!(!detect(&json!({"version": "2.1.0", "runs": []})));
        assert!(!detect(&json!([{"bomFormat": "CycloneDX"}])));
    }

    #[test]
    fn a_complete_bom_passes_with_counts() {
        let out = expect(good(), false, Ok(&[]));
        assert!(out.warnings.is_empty());
        assert_eq!(out.counts["components.total"], 2);
        assert_eq!(out.counts["dependencies.total"], 3);
        assert_eq!(out.counts["vulnerabilities.total"], 0);
    }

    #[test]
    fn bom_format_must_be_cyclonedx() {
        expect(
            with(good(), "bomFormat", json!("AnotherFormat")),
            false,
            Err("`bomFormat` is `AnotherFormat`, expected `CycloneDX`"),
        );
        expect(
            with(good(), "bomFormat", json!(7)),
            false,
            Err("`bomFormat` is a number, expected a string"),
        );
        expect(without(good(), "bomFormat"), false, Err("`bomFormat` is missing"));
    }

    #[test]
    fn spec_versions_1_2_to_1_6_are_read() {
        for v in ["1.2", "1.3", "1.4", "1.5", "1.6"] {
            let out = expect(with(good(), "specVersion", json!(v)), false, Ok(&[]));
            assert!(out.warnings.is_empty(), "{v}");
        }
    }

    #[test]
    fn newer_spec_version_warns() {
        let out = expect(with(good(), "specVersion", json!("1.7")), false, Ok(&[]));
        assert_eq!(out.warnings, ["specVersion `1.7` is newer than 1.6; read as 1.6"]);
    }

    #[test]
    fn older_or_malformed_spec_version_is_invalid() {
        expect(
            with(good(), "specVersion", json!("1.1")),
            false,
            Err("`specVersion` `1.1` is unsupported (the gate reads 1.2 to 1.6)"),
        );
        expect(
            with(good(), "specVersion", json!("2.0")),
            false,
            Err("`specVersion` `2.0` is unsupported (the gate reads 1.2 to 1.6)"),
        );
        for bad in ["1", "1.x", "", "1.4.1", "-1.4", "1.99999999999999999999999"] {
            expect(
                with(good(), "specVersion", json!(bad)),
                false,
                Err(&format!("`specVersion` `{bad}` is not a CycloneDX version")),
            );
        }
        expect(
            with(good(), "specVersion", json!(1.4)),
            false,
            Err("`specVersion` is a number, expected a string"),
        );
        expect(without(good(), "specVersion"), false, Err("`specVersion` is missing"));
    }

    #[test]
    fn serial_number_must_be_a_urn_uuid_when_present() {
        let bad = "urn:uuid:0b9c2d1e-5f4a-4c3b-8a7d";
        expect(
            with(good(), "serialNumber", json!(bad)),
            false,
            Err("`serialNumber` `urn:uuid:0b9c2d1e-5f4a-4c3b-8a7d` is not `urn:uuid:` followed by an RFC 4122 UUID"),
        );
        for bad in [
            "0b9c2d1e-5f4a-4c3b-8a7d-6e5f4a3b2c1d",
            "urn:uuid:0b9c2d1e-5f4a-4c3b-8a7d-6e5f4a3b2c1g",
            "urn:uuid:0b9c2d1e5f4a-4c3b-8a7d-6e5f4a3b2c1d-",
            "urn:uuid:{0b9c2d1e-5f4a-4c3b-8a7d-6e5f4a3b2c1d}",
        ] {
            assert!(check_with(with(good(), "serialNumber", json!(bad)), false).is_err(), "{bad}");
        }
        expect(
            with(good(), "serialNumber", json!("urn:uuid:0B9C2D1E-5F4A-7C3B-8A7D-6E5F4A3B2C1D")),
            false,
            Ok(&[]),
        );
        expect(without(good(), "serialNumber"), false, Ok(&[]));
    }

    #[test]
    fn missing_subject_blocks() {
        let doc = with(good(), "metadata", json!({"timestamp": "2024-01-01T00:00:00Z"}));
        let doc = with(doc, "dependencies", json!([{"ref": "lib", "dependsOn": ["inner"]}]));
        expect(
            doc.clone(),
            false,
            Ok(&["no `metadata.component`: the SBOM does not say what it describes"]),
        );
        expect(
            without(doc, "metadata"),
            false,
            Ok(&["no `metadata.component`: the SBOM does not say what it describes"]),
        );
    }

    #[test]
    fn no_components_blocks() {
        let doc = with(good(), "components", json!([]));
        let doc = with(doc, "dependencies", json!([{"ref": "app"}]));
        expect(
            doc.clone(),
            false,
            Ok(&["no components: the SBOM lists nothing the subject is made of"]),
        );
        expect(
            without(doc, "components"),
            false,
            Ok(&["no components: the SBOM lists nothing the subject is made of"]),
        );
    }

    #[test]
    fn nested_components_count() {
        let doc = with(
            good(),
            "components",
            json!([{"name": "a", "bom-ref": "lib", "components": [
                {"name": "b", "bom-ref": "inner", "components": [{"name": "c"}, {"name": "d"}]}]}]),
        );
        assert_eq!(expect(doc, false, Ok(&[])).counts["components.total"], 4);
    }

    #[test]
    fn duplicate_bom_refs_block_and_are_named() {
        let doc = with(
            good(),
            "components",
            json!([{"name": "lib", "bom-ref": "lib", "components": [{"name": "inner", "bom-ref": "inner"},
                                                                   {"name": "again", "bom-ref": "app"}]}]),
        );
        let doc = with(doc, "services", json!([{"name": "svc", "bom-ref": "lib"}]));
        let out = expect(doc, false, Ok(&["2 bom-refs used more than once: `app`, `lib`"]));
        assert_eq!(
            out.findings,
            ["duplicate bom-ref `app` (2 times)", "duplicate bom-ref `lib` (2 times)"]
        );
        assert_eq!(out.counts["services.total"], 1);
    }

    #[test]
    fn unresolved_dependencies_block_and_are_named() {
        let doc = with(
            good(),
            "dependencies",
            json!([{"ref": "app", "dependsOn": ["lib", "ghost", "w", "x", "ghost"]},
                   {"ref": "phantom", "provides": ["y"]},
                   {"ref": "inner", "dependsOn": ["urn:cdx:0b9c2d1e-5f4a-4c3b-8a7d-6e5f4a3b2c1d/1#x"]}]),
        );
        let out = expect(
            doc,
            false,
            Ok(&[
                "5 dependency references do not resolve to a bom-ref: `ghost`, `w`, `x` and 2 more",
            ]),
        );
        assert_eq!(
            out.findings[0],
            "dependency reference `ghost` in `dependencies[0].dependsOn[1]` does not resolve"
        );
        assert_eq!(out.findings.len(), MAX_FINDINGS);
    }

    #[test]
    fn services_are_dependency_targets() {
        let doc = with(
            good(),
            "services",
            json!([{"name": "api", "bom-ref": "api",
                                                  "services": [{"name": "db", "bom-ref": "db"}]}]),
        );
        let doc =
            with(doc, "dependencies", json!([{"ref": "app", "dependsOn": ["api", "db", "lib"]}]));
        assert_eq!(expect(doc, false, Ok(&[])).counts["services.total"], 2);
    }

    #[test]
    fn unresolved_serious_vulnerabilities_warn_by_default() {
        let doc = with(
            good(),
            "vulnerabilities",
            json!([
                vuln("CVE-1", "medium", None),
                vuln("CVE-3", "high", None),
                vuln("CVE-2", "critical", Some("exploitable")),
                vuln("CVE-4", "critical", Some("not_affected"))
            ]),
        );
        let out = expect(doc, false, Ok(&[]));
        assert_eq!(
            out.warnings,
            ["2 unresolved critical or high vulnerabilities: `CVE-2`, `CVE-3` \
              (not blocking: `cyclonedx_block_vulnerabilities` is off)"]
        );
        assert_eq!(out.findings[0], "critical `CVE-2` (analysis `exploitable`) affects `lib`");
        assert_eq!(out.findings[3], "critical `CVE-4` (analysis `not_affected`) affects `lib`");
        assert_eq!(out.counts["vulnerabilities.critical"], 2);
        assert_eq!(out.counts["vulnerabilities.high"], 1);
        assert_eq!(out.counts["vulnerabilities.medium"], 1);
        assert_eq!(out.counts["vulnerabilities.unresolved"], 3);
    }

    #[test]
    fn policy_blocks_unresolved_serious_vulnerabilities() {
        let doc = with(
            good(),
            "vulnerabilities",
            json!([
                vuln("CVE-1", "high", Some("in_triage")),
                vuln("CVE-2", "critical", Some("resolved")),
                vuln("CVE-3", "critical", Some("false_positive")),
                vuln("CVE-4", "high", Some("resolved_with_pedigree")),
                vuln("CVE-5", "medium", None)
            ]),
        );
        let out = expect(doc, true, Ok(&["1 unresolved critical or high vulnerability: `CVE-1`"]));
        assert!(out.warnings.is_empty());
        assert_eq!(out.findings[0], "high `CVE-1` (analysis `in_triage`) affects `lib`");
    }

    #[test]
    fn severity_is_the_highest_rating_or_the_cvss_score() {
        let doc = with(
            good(),
            "vulnerabilities",
            json!([{"id": "CVE-9", "ratings": [{"score": 9.8, "method": "CVSSv31"}]},
                   {"id": "CVE-2", "ratings": [{"score": 9.8, "method": "other"}]},
                   {"id": "CVE-7", "ratings": [{"severity": "medium"}, {"severity": "HIGH"}, {"severity": "bogus"}]}]),
        );
        let out = expect(
            doc,
            true,
            Ok(&[
                "3 unresolved critical, high or unrated vulnerabilities: `CVE-9`, `CVE-7`, `CVE-2`",
            ]),
        );
        // A severity the gate cannot read (`bogus`) counts at the most
        // severe; a vulnerability it cannot rate at all blocks with them.
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.counts["vulnerabilities.critical"], 2);
        assert_eq!(out.counts["vulnerabilities.other"], 1);
    }

    #[test]
    fn vulnerability_affecting_an_unknown_component_blocks() {
        let doc = with(
            good(),
            "vulnerabilities",
            json!([{"id": "CVE-1", "ratings": [{"severity": "low"}], "affects": [{"ref": "pkg:nowhere"}, {"ref": "urn:cdx:x/1#y"}]}]),
        );
        expect(
            doc,
            false,
            Ok(&[
                "1 vulnerability `affects` reference does not resolve to a bom-ref: `pkg:nowhere`",
            ]),
        );
    }

    #[test]
    fn provenance_reads_metadata() {
        let doc = json!({
            "bomFormat": "CycloneDX", "commit": "abcdef1",
            "metadata": {"timestamp": "2026-01-01T00:00:00Z", "component": {"version": "1.2.3"},
                         "properties": [{"name": "provenance", "value": "stub"}, {"name": "cdx:x", "value": "y"}]}
        });
        let found = provenance(&doc);
        assert!(found.stub);
        let claims = found.claims();
        assert_eq!(claims.release.as_deref(), Some("1.2.3"));
        assert_eq!(claims.commit.as_deref(), Some("abcdef1"));
        assert_eq!(claims.generated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    }

    #[test]
    fn wrong_shapes_are_invalid() {
        let cases = [
            (json!([]), "the document is an array, expected an object"),
            (with(good(), "components", json!({})), "`components` is an object, expected an array"),
            (
                with(good(), "components", json!([1])),
                "`components[0]` is a number, expected an object",
            ),
            (
                with(good(), "components", json!([{"components": [{"bom-ref": 5}]}])),
                "`components[0].components[0].bom-ref` is a number, expected a string",
            ),
            (with(good(), "metadata", json!("x")), "`metadata` is a string, expected an object"),
            (
                with(good(), "metadata", json!({"component": []})),
                "`metadata.component` is an array, expected an object",
            ),
            (
                with(good(), "serialNumber", json!(1)),
                "`serialNumber` is a number, expected a string",
            ),
            (with(good(), "dependencies", json!([{}])), "`dependencies[0].ref` is missing"),
            (
                with(good(), "dependencies", json!([{"ref": "app", "dependsOn": "lib"}])),
                "`dependencies[0].dependsOn` is a string, expected an array",
            ),
            (
                with(
                    good(),
                    "dependencies",
                    json!([{"ref": "app", "dependsOn": [{"ref": "lib"}]}]),
                ),
                "`dependencies[0].dependsOn[0]` is an object, expected a string",
            ),
            (
                with(good(), "vulnerabilities", json!([[]])),
                "`vulnerabilities[0]` is an array, expected an object",
            ),
            (
                with(good(), "vulnerabilities", json!([{"ratings": [{"severity": 9}]}])),
                "`vulnerabilities[0].ratings[0].severity` is a number, expected a string",
            ),
            (
                with(good(), "vulnerabilities", json!([{"analysis": {"state": true}}])),
                "`vulnerabilities[0].analysis.state` is a boolean, expected a string",
            ),
        ];
        for (doc, msg) in cases {
            expect(doc, false, Err(msg));
        }
    }

    #[test]
    fn nulls_read_as_absent_and_hostile_text_stays_on_one_line() {
        let doc = with(good(), "serialNumber", Value::Null);
        let doc = with(doc, "services", Value::Null);
        expect(doc, false, Ok(&[]));
        let long = format!("line\nbreak`{}", "x".repeat(500));
        let doc = with(good(), "dependencies", json!([{"ref": long}]));
        let out = check_with(doc, false).unwrap();
        assert_eq!(out.reasons.len(), 1);
        assert!(!out.reasons[0].contains('\n'));
        assert!(out.reasons[0].chars().count() < 200, "{}", out.reasons[0]);
        assert!(out.findings.iter().all(|f| f.chars().count() <= MAX_LINE));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut component = json!({"name": "leaf"});
        for _ in 0..100 {
            component = json!({"name": "n", "components": [component]});
        }
        let doc = with(good(), "components", json!([component]));
        let doc = with(doc, "dependencies", json!([]));
        assert_eq!(expect(doc, false, Ok(&[])).counts["components.total"], 101);
    }
}
