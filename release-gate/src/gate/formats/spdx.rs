//! SPDX 2.3 JSON documents (SBOMs).
//!
//! [`detect`] recognizes a document by its `spdxVersion` string starting with
//! `SPDX-`.
//!
//! [`check`] splits problems in two:
//! - a shape the gate cannot read (the document or a field the gate reads
//!   has the wrong JSON type, or a package, file, snippet or relationship
//!   lacks its identifying fields): `Err`, the artifact is invalid;
//! - a readable document that breaks the SPDX 2.3 rules for the document
//!   fields (`spdxVersion`, `dataLicense`, `SPDXID`, `name`,
//!   `documentNamespace`, `creationInfo`), repeats an `SPDXID`, describes
//!   an element it does not contain, or has a relationship naming an element
//!   it does not contain (a reference that cannot be resolved): blocking
//!   reasons.
//!
//! `SPDX-2.2` documents are read with a warning: their JSON has the same
//! fields. What the document describes comes from `documentDescribes` and
//! from `DESCRIBES` relationships of the document (and the inverse
//! `DESCRIBED_BY`). Describing nothing, or only the document itself, warns,
//! or blocks under [`FormatPolicy::spdx_require_describes`].
//!
//! A JSON `null` where an optional field would be is read as absent.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::provenance::Found;
use super::{
    field, optional, optional_array, required, type_error, FormatPolicy, Outcome, MAX_FINDINGS,
};
use crate::gate::escape::{len64, line, name_some, plural, quote};

/// The version the rule is written for.
const SPDX_VERSION: &str = "SPDX-2.3";
/// The older version read with a warning.
const OLDER_VERSION: &str = "SPDX-2.2";
/// The only data licence SPDX 2.x allows for the document itself.
const DATA_LICENSE: &str = "CC0-1.0";
/// The document's own SPDX identifier.
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";
/// Relationship targets that name no element.
const NO_ELEMENT: &[&str] = &["NONE", "NOASSERTION"];

/// Does this JSON document look like an SPDX 2 JSON document? Yes when it is
/// an object whose `spdxVersion` is a string starting with `SPDX-`.
pub fn detect(doc: &Value) -> bool {
    doc.get("spdxVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with("SPDX-"))
}

/// Applies the SPDX rule (see the module documentation).
///
/// Counts: `packages.total`, `files.total`, `snippets.total`,
/// `relationships.total` and `describes.total` (distinct elements named by
/// `documentDescribes` and DESCRIBES relationships).
pub fn check(doc: &Value, policy: &FormatPolicy) -> Result<Outcome, String> {
    Ok(rule(&read(doc)?, policy))
}

/// What the rule reads of a document.
struct Spdx<'a> {
    /// `spdxVersion`, `dataLicense`, `SPDXID`, `name`, `documentNamespace`
    /// as written (`None` when absent).
    header: [Option<&'a str>; 5],
    /// What `creationInfo` lacks, as reasons.
    creation: Vec<String>,
    /// The document's own id as written, so its relationships still read
    /// when `SPDXID` is wrong (that is a reason of its own).
    doc_id: &'a str,
    external: BTreeSet<&'a str>,
    /// SPDXID -> how many packages, files and snippets carry it.
    elements: BTreeMap<&'a str, u64>,
    counts: BTreeMap<String, u64>,
    /// `documentDescribes`, then relationships as (from, type, to).
    describes: Vec<&'a str>,
    relationships: Vec<[&'a str; 3]>,
}

const HEADER: [&str; 5] = ["spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace"];

/// The document's shape: `Err` when a field has the wrong type or an
/// element lacks its `SPDXID`.
fn read(doc: &Value) -> Result<Spdx<'_>, String> {
    let root = required(Some(doc), "the document", "an object", Value::as_object)?;
    let mut header = [None; 5];
    for (slot, key) in header.iter_mut().zip(HEADER) {
        *slot = required_string(root, key)?;
    }
    let mut creation = Vec::new();
    creation_info(root, &mut creation)?;
    let external = external_documents(root)?;
    let mut counts = BTreeMap::new();
    let mut elements: BTreeMap<&str, u64> = BTreeMap::new();
    for key in ["packages", "files", "snippets"] {
        let items = optional_array(root, key, key)?;
        for (i, item) in items.iter().enumerate() {
            let path = format!("{key}[{i}]");
            let obj = item.as_object().ok_or_else(|| type_error(&path, item, "an object"))?;
            let at = format!("`{path}.SPDXID`");
            let id = required(obj.get("SPDXID"), &at, "a string", Value::as_str)?;
            *elements.entry(id).or_insert(0) += 1;
        }
        counts.insert(format!("{key}.total"), len64(items));
    }
    let mut describes = Vec::new();
    for (i, item) in
        optional_array(root, "documentDescribes", "documentDescribes")?.iter().enumerate()
    {
        let path = format!("documentDescribes[{i}]");
        describes.push(item.as_str().ok_or_else(|| type_error(&path, item, "a string"))?);
    }
    let mut relationships = Vec::new();
    for (i, item) in optional_array(root, "relationships", "relationships")?.iter().enumerate() {
        let path = format!("relationships[{i}]");
        let obj = item.as_object().ok_or_else(|| type_error(&path, item, "an object"))?;
        let field =
            |key| required(obj.get(key), &format!("`{path}.{key}`"), "a string", Value::as_str);
        relationships.push([
            field("spdxElementId")?,
            field("relationshipType")?,
            field("relatedSpdxElement")?,
        ]);
    }
    counts.insert("relationships.total".to_string(), len64(&relationships));
    let doc_id = match field(root, "SPDXID") {
        Some(Value::String(id)) => id.as_str(),
        _ => DOCUMENT_ID,
    };
    Ok(Spdx { header, creation, doc_id, external, elements, counts, describes, relationships })
}

/// The rule over a document that has SPDX's shape.
fn rule(d: &Spdx, policy: &FormatPolicy) -> Outcome {
    let mut out = Outcome { counts: d.counts.clone(), ..Outcome::default() };
    header_reasons(d, &mut out);
    let mut problems = Vec::new();
    let duplicates: Vec<&str> = d
        .elements
        .iter()
        .filter(|(id, n)| **n > 1 || **id == d.doc_id)
        .map(|(id, _)| *id)
        .collect();
    let reason = format!(
        "{} {} used by more than one element",
        duplicates.len(),
        plural(duplicates.len(), "SPDXID", "SPDXIDs")
    );
    name_ids(&duplicates, reason, |id| format!("duplicate SPDXID {id}"), &mut out, &mut problems);
    describes(d, policy, &mut out, &mut problems);
    let mut dangling: Vec<&str> = Vec::new();
    for id in d.relationships.iter().flat_map(|[from, _, to]| [*from, *to]) {
        if id != d.doc_id && !NO_ELEMENT.contains(&id) && !d.resolves(id) && !dangling.contains(&id)
        {
            dangling.push(id);
        }
    }
    // A relationship the reader cannot resolve says something about an
    // element nobody can check: it blocks, like CycloneDX's dependency
    // references.
    let reason = format!(
        "{} {} named in relationships but not in the document",
        dangling.len(),
        plural(dangling.len(), "element", "elements")
    );
    let each = |id: String| format!("relationship names {id}, not in the document");
    name_ids(&dangling, reason, each, &mut out, &mut problems);
    out.findings = problems.into_iter().take(MAX_FINDINGS).map(|l| line(&l)).collect();
    out
}

/// When `ids` is not empty: `reason` with the first few ids named, and a
/// finding for each (`each` of the id quoted).
fn name_ids(
    ids: &[&str],
    reason: String,
    each: impl Fn(String) -> String,
    out: &mut Outcome,
    problems: &mut Vec<String>,
) {
    if !ids.is_empty() {
        out.reasons.push(format!("{reason}: {}", name_some(ids)));
        problems.extend(ids.iter().map(|id| each(quote(id))));
    }
}

impl Spdx<'_> {
    /// An element id the document (or a document it references) defines.
    fn resolves(&self, id: &str) -> bool {
        self.elements.contains_key(id)
            || id.split_once(':').is_some_and(|(doc_ref, _)| self.external.contains(doc_ref))
    }
}

/// The document-level fields: version, data license, id, name, namespace
/// and creation info.
fn header_reasons(d: &Spdx, out: &mut Outcome) {
    let [version, license, id, name, namespace] = d.header;
    match version {
        None => out.reasons.push("`spdxVersion` is missing".to_string()),
        Some(SPDX_VERSION) => {}
        Some(OLDER_VERSION) => out.warnings.push(format!(
            "spdxVersion `{OLDER_VERSION}` is older than {SPDX_VERSION}; read as {SPDX_VERSION}"
        )),
        Some(other) => out.reasons.push(format!(
            "`spdxVersion` is {}, expected `{SPDX_VERSION}` (or `{OLDER_VERSION}`)",
            quote(other)
        )),
    }
    for (key, value, expected) in
        [("dataLicense", license, DATA_LICENSE), ("SPDXID", id, DOCUMENT_ID)]
    {
        match value {
            None => out.reasons.push(format!("`{key}` is missing")),
            Some(value) if value == expected => {}
            Some(value) => {
                out.reasons.push(format!("`{key}` is {}, expected `{expected}`", quote(value)))
            }
        }
    }
    match name {
        None => out.reasons.push("`name` is missing".to_string()),
        Some(name) if name.trim().is_empty() => out.reasons.push("`name` is empty".to_string()),
        Some(_) => {}
    }
    match namespace {
        None => out.reasons.push("`documentNamespace` is missing".to_string()),
        Some(ns) if !is_absolute_uri(ns) => out
            .reasons
            .push(format!("`documentNamespace` {} is not an absolute URI without `#`", quote(ns))),
        Some(_) => {}
    }
    out.reasons.extend(d.creation.iter().cloned());
}

/// What the document describes, each id once, in document order: each must
/// be in the document, and something other than the document itself must
/// be described (a reason or a warning, by policy).
fn describes(d: &Spdx, policy: &FormatPolicy, out: &mut Outcome, problems: &mut Vec<String>) {
    let mut described = d.describes.clone();
    for [from, kind, to] in &d.relationships {
        if *from == d.doc_id && *kind == "DESCRIBES" {
            described.push(to);
        } else if *to == d.doc_id && *kind == "DESCRIBED_BY" {
            described.push(from);
        }
    }
    let mut seen = BTreeSet::new();
    described.retain(|id| seen.insert(*id));
    out.counts.insert("describes.total".to_string(), len64(&described));
    let unresolved: Vec<&str> =
        described.iter().copied().filter(|id| *id != d.doc_id && !d.resolves(id)).collect();
    let reason = format!(
        "{} described {} not in the document",
        unresolved.len(),
        plural(unresolved.len(), "element is", "elements are")
    );
    let each = |id: String| format!("described element {id} is not in the document");
    name_ids(&unresolved, reason, each, out, problems);
    if described.iter().all(|id| *id == d.doc_id) {
        let line = if described.is_empty() {
            "no DESCRIBES relationship or `documentDescribes`: \
             the document does not say what it describes"
                .to_string()
        } else {
            format!(
                "the document only describes itself ({}): it does not say what it describes",
                quote(d.doc_id)
            )
        };
        problems.push(line.clone());
        if policy.spdx_require_describes {
            out.reasons.push(line);
        } else {
            out.warnings.push(line);
        }
    }
}

/// `creationInfo` must be an object with a non-empty `created` and a
/// non-empty `creators` list of strings.
fn creation_info(root: &Map<String, Value>, reasons: &mut Vec<String>) -> Result<(), String> {
    let at = "`creationInfo`";
    let Some(info) = optional(root.get("creationInfo"), at, "an object", Value::as_object)? else {
        reasons.push("`creationInfo` is missing".to_string());
        return Ok(());
    };
    let at = "`creationInfo.created`";
    match optional(info.get("created"), at, "a string", Value::as_str)? {
        None => reasons.push(format!("{at} is missing")),
        Some(s) if s.trim().is_empty() => reasons.push(format!("{at} is empty")),
        Some(_) => {}
    }
    let at = "`creationInfo.creators`";
    let Some(creators) = optional(info.get("creators"), at, "an array", Value::as_array)? else {
        reasons.push(format!("{at} is missing"));
        return Ok(());
    };
    for (i, item) in creators.iter().enumerate() {
        required(Some(item), &format!("`creationInfo.creators[{i}]`"), "a string", Value::as_str)?;
    }
    if creators.is_empty() {
        reasons.push(format!("{at} is empty"));
    }
    Ok(())
}

/// The `externalDocumentId`s (`DocumentRef-…`) the document declares; an
/// element id `DocumentRef-x:SPDXRef-y` resolves when `DocumentRef-x` is one.
fn external_documents(root: &Map<String, Value>) -> Result<BTreeSet<&str>, String> {
    let mut ids = BTreeSet::new();
    for (i, item) in
        optional_array(root, "externalDocumentRefs", "externalDocumentRefs")?.iter().enumerate()
    {
        let path = format!("externalDocumentRefs[{i}]");
        let obj = item.as_object().ok_or_else(|| type_error(&path, item, "an object"))?;
        if let Some(id) = field(obj, "externalDocumentId") {
            let id = id
                .as_str()
                .ok_or_else(|| type_error(&format!("{path}.externalDocumentId"), id, "a string"))?;
            ids.insert(id);
        }
    }
    Ok(ids)
}

/// A top-level string field: `None` when absent, `Err` when not a string.
fn required_string<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, String> {
    field(obj, key)
        .map(|v| required(Some(v), &format!("`{key}`"), "a string", Value::as_str))
        .transpose()
}

/// An absolute URI (a scheme, `:`, then something) with no `#`, as SPDX 2.3
/// section 6.5 requires of `documentNamespace`.
fn is_absolute_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !text.contains('#')
        && !text.chars().any(char::is_whitespace)
}

/// What an SPDX document says about its provenance: the gate's own fields at
/// the top level and as document `annotations` whose `comment` is
/// `<name>: <value>` (SPDX has no property bag); `creationInfo.created`
/// (time).
pub fn provenance(doc: &Value) -> Found {
    let mut found = Found::top_level(doc);
    let Some(obj) = doc.as_object() else { return found };
    for annotation in
        obj.get("annotations").and_then(Value::as_array).map_or(&[][..], Vec::as_slice)
    {
        let comment = annotation.get("comment").and_then(Value::as_str).unwrap_or_default();
        if let Some((name, value)) = comment.split_once(':') {
            let value = Value::String(value.trim().to_string());
            found.property(name.trim(), &value, "annotations[].comment");
        }
    }
    if let Some(at) = obj.get("creationInfo").and_then(|c| c.get("created")) {
        found.time(at, "creationInfo.created");
    }
    found
}

#[cfg(test)]
mod tests {
    use super::super::testing::{with, without};
    use super::*;
    use crate::gate::escape::MAX_LINE;
    use serde_json::json;

    /// Runs the rule (the DESCRIBES policy on or off) and compares the
    /// reasons, or the error; returns the outcome for further checks.
    fn expect(doc: Value, require_describes: bool, expected: Result<&[&str], &str>) -> Outcome {
        let policy =
            FormatPolicy { spdx_require_describes: require_describes, ..FormatPolicy::default() };
        super::super::testing::expect_reasons(check(&doc, &policy), expected)
    }

    /// A passing document: one package described, one file it contains.
    fn good() -> Value {
        json!({
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "demo",
            "documentNamespace": "https://example.org/spdx/demo-1",
            "creationInfo": {"created": "2024-05-01T00:00:00Z", "creators": ["Tool: demo-1.0"]},
            "packages": [{"SPDXID": "SPDXRef-Package-demo", "name": "demo"}],
            "files": [{"SPDXID": "SPDXRef-File-main", "fileName": "./main.rs"}],
            "relationships": [
                {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                 "relatedSpdxElement": "SPDXRef-Package-demo"},
                {"spdxElementId": "SPDXRef-Package-demo", "relationshipType": "CONTAINS",
                 "relatedSpdxElement": "SPDXRef-File-main"}
            ]
        })
    }

    const NO_DESCRIBES: &str =
        "no DESCRIBES relationship or `documentDescribes`: the document does not say what it describes";

    #[test]
    fn detects_spdx_and_only_spdx() {
        assert!(detect(&good()));
        assert!(detect(&json!({"spdxVersion": "SPDX-2.2"})));
        assert!(!detect(&json!({"spdxVersion": "2.3"})));
        assert!(!detect(&json!({"spdxVersion": 2.3})));
        assert!(!detect(&json!({"bomFormat": "CycloneDX", "specVersion": "1.6"})));
        assert!(!detect(&json!([{"spdxVersion": "SPDX-2.3"}])));
    }

    #[test]
    fn a_complete_document_passes_with_counts() {
        let out = expect(good(), true, Ok(&[]));
        assert!(out.warnings.is_empty());
        assert!(out.findings.is_empty());
        assert_eq!(out.counts["packages.total"], 1);
        assert_eq!(out.counts["files.total"], 1);
        assert_eq!(out.counts["snippets.total"], 0);
        assert_eq!(out.counts["relationships.total"], 2);
        assert_eq!(out.counts["describes.total"], 1);
    }

    #[test]
    fn spdx_version_must_be_2_3_and_2_2_warns() {
        let out = expect(with(good(), "spdxVersion", json!("SPDX-2.2")), false, Ok(&[]));
        assert_eq!(
            out.warnings,
            ["spdxVersion `SPDX-2.2` is older than SPDX-2.3; read as SPDX-2.3"]
        );
        expect(
            with(good(), "spdxVersion", json!("SPDX-2.1")),
            false,
            Ok(&["`spdxVersion` is `SPDX-2.1`, expected `SPDX-2.3` (or `SPDX-2.2`)"]),
        );
        expect(without(good(), "spdxVersion"), false, Ok(&["`spdxVersion` is missing"]));
    }

    #[test]
    fn document_fields_are_required() {
        let all = json!({"spdxVersion": "SPDX-2.3"});
        expect(
            all,
            false,
            Ok(&[
                "`dataLicense` is missing",
                "`SPDXID` is missing",
                "`name` is missing",
                "`documentNamespace` is missing",
                "`creationInfo` is missing",
            ]),
        );
        expect(
            with(good(), "dataLicense", json!("MIT")),
            false,
            Ok(&["`dataLicense` is `MIT`, expected `CC0-1.0`"]),
        );
        expect(with(good(), "name", json!(" ")), false, Ok(&["`name` is empty"]));
        expect(
            with(good(), "creationInfo", json!({"creators": []})),
            false,
            Ok(&["`creationInfo.created` is missing", "`creationInfo.creators` is empty"]),
        );
        expect(
            with(good(), "creationInfo", json!({"created": ""})),
            false,
            Ok(&["`creationInfo.created` is empty", "`creationInfo.creators` is missing"]),
        );
    }

    #[test]
    fn document_id_must_be_spdxref_document() {
        let doc = with(good(), "SPDXID", json!("SPDXRef-DOC"));
        let doc = with(
            doc,
            "relationships",
            json!([{"spdxElementId": "SPDXRef-DOC", "relationshipType": "DESCRIBES",
                    "relatedSpdxElement": "SPDXRef-Package-demo"}]),
        );
        let out =
            expect(doc, true, Ok(&["`SPDXID` is `SPDXRef-DOC`, expected `SPDXRef-DOCUMENT`"]));
        assert_eq!(out.counts["describes.total"], 1);
    }

    #[test]
    fn namespace_must_be_an_absolute_uri_without_fragment() {
        for ok in ["urn:uuid:2f1b8c9e-0c1d-4e1a-9b7e-3c2d1e0f9a8b", "http://spdx.org/spdxdocs/x-1"]
        {
            expect(with(good(), "documentNamespace", json!(ok)), false, Ok(&[]));
        }
        for bad in ["demo", "https://example.org/x#1", ":x", "1http://x", "https://exa mple.org"] {
            expect(
                with(good(), "documentNamespace", json!(bad)),
                false,
                Ok(&[&format!("`documentNamespace` `{bad}` is not an absolute URI without `#`")]),
            );
        }
    }

    #[test]
    fn missing_describes_warns_or_blocks_by_policy() {
        let doc = with(good(), "relationships", json!([]));
        let out = expect(doc.clone(), false, Ok(&[]));
        assert_eq!(out.warnings, [NO_DESCRIBES]);
        assert_eq!(out.findings, [NO_DESCRIBES]);
        assert_eq!(out.counts["describes.total"], 0);
        expect(doc, true, Ok(&[NO_DESCRIBES]));
    }

    #[test]
    fn document_describes_and_described_by_count() {
        let doc = with(good(), "relationships", json!([]));
        let doc = with(doc, "documentDescribes", json!(["SPDXRef-Package-demo"]));
        assert_eq!(expect(doc, true, Ok(&[])).counts["describes.total"], 1);
        let doc = with(
            good(),
            "relationships",
            json!([{"spdxElementId": "SPDXRef-File-main", "relationshipType": "DESCRIBED_BY",
                    "relatedSpdxElement": "SPDXRef-DOCUMENT"},
                   {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                    "relatedSpdxElement": "SPDXRef-File-main"}]),
        );
        assert_eq!(expect(doc, true, Ok(&[])).counts["describes.total"], 1);
    }

    #[test]
    fn describing_only_itself_counts_as_describing_nothing() {
        let doc = with(
            good(),
            "relationships",
            json!([{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                    "relatedSpdxElement": "SPDXRef-DOCUMENT"}]),
        );
        let line = "the document only describes itself (`SPDXRef-DOCUMENT`): it does not say what it describes";
        let out = expect(doc.clone(), false, Ok(&[]));
        assert_eq!(out.warnings, [line]);
        expect(doc, true, Ok(&[line]));
    }

    #[test]
    fn described_elements_must_be_in_the_document() {
        let doc =
            with(good(), "documentDescribes", json!(["SPDXRef-Ghost", "SPDXRef-Package-demo"]));
        let out = expect(
            doc,
            false,
            Ok(&["1 described element is not in the document: `SPDXRef-Ghost`"]),
        );
        assert_eq!(out.findings, ["described element `SPDXRef-Ghost` is not in the document"]);
        let doc = with(good(), "documentDescribes", json!(["DocumentRef-other:SPDXRef-x"]));
        expect(
            doc.clone(),
            false,
            Ok(&["1 described element is not in the document: `DocumentRef-other:SPDXRef-x`"]),
        );
        let doc =
            with(doc, "externalDocumentRefs", json!([{"externalDocumentId": "DocumentRef-other"}]));
        expect(doc, false, Ok(&[]));
    }

    #[test]
    fn duplicate_spdx_ids_block() {
        let doc = with(
            good(),
            "snippets",
            json!([{"SPDXID": "SPDXRef-File-main"}, {"SPDXID": "SPDXRef-DOCUMENT"}]),
        );
        let out = expect(
            doc,
            false,
            Ok(&[
                "2 SPDXIDs used by more than one element: `SPDXRef-DOCUMENT`, `SPDXRef-File-main`",
            ]),
        );
        assert_eq!(out.counts["snippets.total"], 2);
    }

    #[test]
    fn dangling_relationship_elements_block() {
        let doc = with(
            good(),
            "relationships",
            json!([{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                    "relatedSpdxElement": "SPDXRef-Package-demo"},
                   {"spdxElementId": "SPDXRef-Package-demo", "relationshipType": "DEPENDS_ON",
                    "relatedSpdxElement": "SPDXRef-Missing"},
                   {"spdxElementId": "SPDXRef-Package-demo", "relationshipType": "DEPENDS_ON",
                    "relatedSpdxElement": "NOASSERTION"}]),
        );
        let out = expect(
            doc,
            true,
            Ok(&["1 element named in relationships but not in the document: `SPDXRef-Missing`"]),
        );
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    }

    #[test]
    fn provenance_reads_creation_info_and_annotations() {
        let mut doc = good();
        doc["annotations"] = json!([
            {"annotator": "Tool: x", "annotationType": "OTHER", "comment": "provenance: stub"},
            {"annotator": "Tool: x", "annotationType": "OTHER", "comment": "commit: abcdef1"}
        ]);
        doc["creationInfo"]["created"] = json!("2026-01-01T00:00:00Z");
        let found = provenance(&doc);
        assert!(found.stub);
        let claims = found.claims();
        assert_eq!(claims.commit.as_deref(), Some("abcdef1"));
        assert_eq!(claims.generated_at.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(claims.release, None);
    }

    #[test]
    fn wrong_shapes_are_invalid() {
        let cases = [
            (json!("SPDX-2.3"), "the document is a string, expected an object"),
            (
                with(good(), "spdxVersion", json!(2.3)),
                "`spdxVersion` is a number, expected a string",
            ),
            (with(good(), "name", json!(["x"])), "`name` is an array, expected a string"),
            (
                with(good(), "creationInfo", json!("today")),
                "`creationInfo` is a string, expected an object",
            ),
            (
                with(good(), "creationInfo", json!({"created": "x", "creators": "Tool: x"})),
                "`creationInfo.creators` is a string, expected an array",
            ),
            (
                with(good(), "creationInfo", json!({"created": "x", "creators": [{}]})),
                "`creationInfo.creators[0]` is an object, expected a string",
            ),
            (with(good(), "packages", json!({})), "`packages` is an object, expected an array"),
            (with(good(), "files", json!([{"fileName": "x"}])), "`files[0].SPDXID` is missing"),
            (
                with(good(), "packages", json!([{"SPDXID": 1}])),
                "`packages[0].SPDXID` is a number, expected a string",
            ),
            (
                with(good(), "relationships", json!([7])),
                "`relationships[0]` is a number, expected an object",
            ),
            (
                with(
                    good(),
                    "relationships",
                    json!([{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES"}]),
                ),
                "`relationships[0].relatedSpdxElement` is missing",
            ),
            (
                with(good(), "documentDescribes", json!([null])),
                "`documentDescribes[0]` is null, expected a string",
            ),
        ];
        for (doc, msg) in cases {
            expect(doc, false, Err(msg));
        }
    }

    #[test]
    fn nulls_read_as_absent_and_hostile_text_stays_on_one_line() {
        let doc = with(good(), "files", Value::Null);
        let dangling =
            "1 element named in relationships but not in the document: `SPDXRef-File-main`";
        assert_eq!(expect(doc, false, Ok(&[dangling])).counts["files.total"], 0);
        let long = format!("SPDXRef-\n`{}", "y".repeat(1000));
        let out =
            check(&with(good(), "documentDescribes", json!([long])), &FormatPolicy::default())
                .unwrap();
        assert_eq!(out.reasons.len(), 1);
        assert!(!out.reasons[0].contains('\n'));
        assert!(out.reasons[0].chars().count() < 200, "{}", out.reasons[0]);
        assert!(out.findings.iter().all(|f| f.chars().count() <= MAX_LINE));
    }
}
