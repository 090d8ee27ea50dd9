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
//!
//! The bulk arrays (`packages`, `files`, `snippets`, `relationships`) are
//! folded one element at a time into a [`Streamed`], from a stream (over
//! `max-parse-bytes`: the splitter hands each element over, see
//! `streams::PLAN`) or from a document held whole ([`check`]): one rule,
//! the same outcome whatever the order of the document's fields. Element
//! ids are held as 64-bit hashes; over `max-parse-bytes`, at most
//! [`MAX_HELD`] relationship ids not yet defined and [`MAX_HELD`]
//! DESCRIBES relationships are held (past that the document is invalid,
//! with the limit and how to raise it).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use release_gate_scan::ids::IdSet;
use release_gate_scan::skeleton::{self, Pat, Shape, Sink, Step};
use serde_json::{Map, Value};

use super::provenance::Found;
use super::{
    field, optional, optional_array, required, type_error, FormatPolicy, Outcome, MAX_FINDINGS,
};
use crate::gate::escape::{len64, line, name_some, plural, quote, MAX_NAMED};

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

/// The bulk arrays, read one element at a time (from a stream, or from the
/// document held whole): the elements, then the relationships.
const ARRAYS: [&str; 4] = ["packages", "files", "snippets", "relationships"];
/// The index of `relationships` in [`ARRAYS`].
const RELATIONSHIPS: usize = 3;
/// A relationship's fields, in the order the rule reads them.
const RELATIONSHIP_FIELDS: [&str; 3] = ["spdxElementId", "relationshipType", "relatedSpdxElement"];
const ELEMENT_SHAPE: Shape = Shape::Keys(&[("SPDXID", Shape::All)]);
const RELATIONSHIP_SHAPE: Shape = Shape::Keys(&[
    ("spdxElementId", Shape::All),
    ("relationshipType", Shape::All),
    ("relatedSpdxElement", Shape::All),
]);

/// The arrays `streams::PLAN` streams for SPDX (top-level), and the fields
/// of their elements the splitter hands over as the element's key.
pub const PACKAGES: (&[Pat], &[&str]) = (&[Pat::Key("packages")], &["SPDXID"]);
pub const FILES: (&[Pat], &[&str]) = (&[Pat::Key("files")], &["SPDXID"]);
pub const SNIPPETS: (&[Pat], &[&str]) = (&[Pat::Key("snippets")], &["SPDXID"]);
pub const RELATIONSHIPS_PLAN: (&[Pat], &[&str]) =
    (&[Pat::Key("relationships")], &RELATIONSHIP_FIELDS);

/// Over `max-parse-bytes`, at most this many distinct element ids named by
/// relationships before any package, file or snippet defines them (another
/// document's elements, the document's own id, dangling ones) are held to
/// the end of the document; and at most this many DESCRIBES and
/// DESCRIBED_BY relationships.
pub const MAX_HELD: usize = 100_000;

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
///
/// The bulk arrays are folded one element at a time into a [`Streamed`],
/// as a document read from a stream is: one rule for both.
pub fn check(doc: &Value, policy: &FormatPolicy) -> Result<Outcome, String> {
    let mut fold = Streamed::whole();
    if let Some(root) = doc.as_object() {
        for (a, key) in ARRAYS.iter().enumerate() {
            if let Some(Value::Array(items)) = root.get(*key) {
                for (i, item) in items.iter().enumerate() {
                    fold.value(a, i, item);
                }
                fold.seal();
                if let Some(count) = fold.counts.get_mut(a) {
                    *count = len64(items);
                }
            }
        }
    }
    check_streamed(doc, policy, &fold)
}

/// [`check`] of a document read from a stream: `doc` is its skeleton (each
/// streamed array empty), `streamed` what their elements gave.
pub fn check_streamed(
    doc: &Value,
    policy: &FormatPolicy,
    streamed: &Streamed,
) -> Result<Outcome, String> {
    Ok(rule(&read(doc, streamed)?, policy))
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
    counts: BTreeMap<String, u64>,
    /// `documentDescribes`.
    describes: Vec<&'a str>,
    /// The bulk arrays, folded.
    fold: &'a Streamed,
}

const HEADER: [&str; 5] = ["spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace"];

/// The document's shape: `Err` when a field has the wrong type or an
/// element lacks its `SPDXID` (the first, in the order the fields are
/// listed here, whatever their order in the document).
fn read<'a>(doc: &'a Value, fold: &'a Streamed) -> Result<Spdx<'a>, String> {
    let root = required(Some(doc), "the document", "an object", Value::as_object)?;
    let mut header = [None; 5];
    for (slot, key) in header.iter_mut().zip(HEADER) {
        *slot = required_string(root, key)?;
    }
    let mut creation = Vec::new();
    creation_info(root, &mut creation)?;
    let external = external_documents(root)?;
    let mut counts = BTreeMap::new();
    for (a, key) in ARRAYS.iter().enumerate().take(RELATIONSHIPS) {
        optional_array(root, key, key)?;
        fold.failed(a)?;
        counts.insert(format!("{key}.total"), fold.count(a));
    }
    let mut describes = Vec::new();
    for (i, item) in
        optional_array(root, "documentDescribes", "documentDescribes")?.iter().enumerate()
    {
        let path = format!("documentDescribes[{i}]");
        describes.push(item.as_str().ok_or_else(|| type_error(&path, item, "a string"))?);
    }
    optional_array(root, "relationships", "relationships")?;
    fold.failed(RELATIONSHIPS)?;
    counts.insert("relationships.total".to_string(), fold.count(RELATIONSHIPS));
    if let Some(limit) = fold.over {
        return Err(limit.to_string());
    }
    let doc_id = match field(root, "SPDXID") {
        Some(Value::String(id)) => id.as_str(),
        _ => DOCUMENT_ID,
    };
    Ok(Spdx { header, creation, doc_id, external, counts, describes, fold })
}

/// The rule over a document that has SPDX's shape.
fn rule(d: &Spdx, policy: &FormatPolicy) -> Outcome {
    let mut out = Outcome { counts: d.counts.clone(), ..Outcome::default() };
    header_reasons(d, &mut out);
    let mut problems = Vec::new();
    let (duplicates, total) = d.fold.duplicates(d.doc_id);
    let reason =
        format!("{total} {} used by more than one element", plural(total, "SPDXID", "SPDXIDs"));
    name_ids(
        &duplicates,
        total,
        reason,
        |id| format!("duplicate SPDXID {id}"),
        &mut out,
        &mut problems,
    );
    describes(d, policy, &mut out, &mut problems);
    let dangling: Vec<&str> = d
        .fold
        .pending
        .iter()
        .map(|id| &**id)
        .filter(|id| *id != d.doc_id && !d.resolves(id))
        .collect();
    // A relationship the reader cannot resolve says something about an
    // element nobody can check: it blocks, like CycloneDX's dependency
    // references.
    let reason = format!(
        "{} {} named in relationships but not in the document",
        dangling.len(),
        plural(dangling.len(), "element", "elements")
    );
    let each = |id: String| format!("relationship names {id}, not in the document");
    name_ids(&dangling, dangling.len(), reason, each, &mut out, &mut problems);
    out.findings = problems.into_iter().take(MAX_FINDINGS).map(|l| line(&l)).collect();
    out
}

/// When `total` is not 0: `reason` with the first few of `ids` (the first
/// ones of `total`) named, and a finding for each (`each` of the id quoted).
fn name_ids(
    ids: &[&str],
    total: usize,
    reason: String,
    each: impl Fn(String) -> String,
    out: &mut Outcome,
    problems: &mut Vec<String>,
) {
    if total == 0 {
        return;
    }
    let shown = name_some(ids.get(..ids.len().min(MAX_NAMED)).unwrap_or_default());
    let named = match total.saturating_sub(MAX_NAMED) {
        0 => shown,
        rest => format!("{shown} and {rest} more"),
    };
    out.reasons.push(format!("{reason}: {named}"));
    problems.extend(ids.iter().map(|id| each(quote(id))));
}

impl Spdx<'_> {
    /// An element id the document (or a document it references) defines.
    fn resolves(&self, id: &str) -> bool {
        self.fold.defines(id)
            || id.split_once(':').is_some_and(|(doc_ref, _)| self.external.contains(doc_ref))
    }
}

/// What the rule keeps of the bulk arrays (`packages`, `files`, `snippets`,
/// `relationships`), folded one element at a time: read from a stream (the
/// [`Sink`] the splitter hands each element to) or from the document held
/// whole ([`check`]). Nothing is held per element but a 64-bit hash of
/// its `SPDXID`; per relationship, only what may not resolve.
#[derive(Debug)]
pub struct Streamed {
    /// Over `max-parse-bytes`: at most [`MAX_HELD`] held of each kind.
    capped: bool,
    /// The length of each of [`ARRAYS`].
    counts: [u64; 4],
    /// The first element of each of [`ARRAYS`] the rule cannot read.
    errors: [Option<String>; 4],
    /// The hashes of every element's `SPDXID`.
    ids: IdSet,
    /// The hashes of the ids seen more than once, how many, and the
    /// smallest few of them (the ones the report names).
    repeated: BTreeSet<u64>,
    repeated_count: usize,
    repeated_names: BTreeSet<String>,
    /// Ids named by relationships that no element read before defined,
    /// each once, in the order first named.
    pending: Vec<Box<str>>,
    pending_seen: HashSet<Box<str>>,
    /// Each DESCRIBES (document side, described) and DESCRIBED_BY
    /// relationship, in document order.
    describing: Vec<(Box<str>, Box<str>)>,
    /// A cap was reached: the message.
    over: Option<&'static str>,
}

const OVER_PENDING: &str = "the file is over `max-parse-bytes`, so it is read as a stream, and more than 100000 distinct elements are named in relationships before a package, file or snippet of the document defines them (only that many are held to its end); write the packages, files and snippets before the relationships, or raise `max-parse-bytes` in [workspace.metadata.release-gate] to read it whole";
const OVER_DESCRIBING: &str = "the file is over `max-parse-bytes`, so it is read as a stream, and it has more than 100000 DESCRIBES or DESCRIBED_BY relationships (only that many are held to its end); raise `max-parse-bytes` in [workspace.metadata.release-gate] to read it whole";

impl Default for Streamed {
    fn default() -> Self {
        Streamed::new()
    }
}

impl Streamed {
    /// For a document read from a stream: what is held is capped.
    pub fn new() -> Streamed {
        Streamed {
            capped: true,
            counts: [0; 4],
            errors: Default::default(),
            ids: IdSet::default(),
            repeated: BTreeSet::new(),
            repeated_count: 0,
            repeated_names: BTreeSet::new(),
            pending: Vec::new(),
            pending_seen: HashSet::new(),
            describing: Vec::new(),
            over: None,
        }
    }

    /// For a document held in memory: nothing is capped (the outcome is
    /// the whole reader's at any size).
    pub fn whole() -> Streamed {
        Streamed { capped: false, ..Streamed::new() }
    }

    fn count(&self, a: usize) -> u64 {
        self.counts.get(a).copied().unwrap_or(0)
    }

    fn failed(&self, a: usize) -> Result<(), String> {
        match self.errors.get(a) {
            Some(Some(why)) => Err(why.clone()),
            _ => Ok(()),
        }
    }

    fn fail(&mut self, a: usize, why: String) {
        if let Some(slot @ None) = self.errors.get_mut(a) {
            *slot = Some(why);
        }
    }

    /// Whether an element of the document has this `SPDXID`. By 64-bit
    /// hash: two ids with one hash read as one, so a relationship naming
    /// an id no element has, whose hash is an element's, reads as resolved
    /// (this errs toward passing, with a chance of about one in 2^64 per
    /// such id and element; a document made to collide could as well
    /// define the element it names).
    fn defines(&self, id: &str) -> bool {
        self.ids.contains(id_hash(id))
    }

    /// An element's `SPDXID`. A repeat is found by hash (when the batch it
    /// is in is merged, see [`Streamed::seal`]): a collision reads as a
    /// repeat, which blocks (this errs toward blocking).
    fn element(&mut self, id: &str) {
        let Streamed { ids, repeated, repeated_count, repeated_names, .. } = self;
        ids.add(id_hash(id), id.as_bytes(), &mut |hash, text| {
            note_repeat(repeated, repeated_count, repeated_names, hash, text)
        });
    }

    /// Merges the ids added so far (at the end of each array): repeats are
    /// known, and [`Streamed::defines`] sees every id.
    fn seal(&mut self) {
        let Streamed { ids, repeated, repeated_count, repeated_names, .. } = self;
        ids.flush(&mut |hash, text| {
            note_repeat(repeated, repeated_count, repeated_names, hash, text)
        });
    }

    /// The ids used by more than one element, or by an element and the
    /// document (the smallest few, sorted), and how many.
    fn duplicates<'a>(&'a self, doc_id: &'a str) -> (Vec<&'a str>, usize) {
        let mut names: Vec<&str> = self.repeated_names.iter().map(String::as_str).collect();
        let mut total = self.repeated_count;
        let hash = id_hash(doc_id);
        if self.ids.contains(hash) && !self.repeated.contains(&hash) {
            total = total.saturating_add(1);
            let at = names.partition_point(|name| *name < doc_id);
            names.insert(at, doc_id);
            names.truncate(MAX_FINDINGS);
        }
        (names, total)
    }

    /// One relationship, whose fields read.
    fn relationship(&mut self, from: &str, kind: &str, to: &str) {
        let describing = match kind {
            "DESCRIBES" => Some((from, to)),
            "DESCRIBED_BY" => Some((to, from)),
            _ => None,
        };
        if let Some((doc, described)) = describing {
            if self.capped && self.describing.len() >= MAX_HELD {
                self.over = self.over.or(Some(OVER_DESCRIBING));
            } else {
                self.describing.push((doc.into(), described.into()));
            }
        }
        for id in [from, to] {
            if NO_ELEMENT.contains(&id) || self.defines(id) || self.pending_seen.contains(id) {
                continue;
            }
            if self.capped && self.pending.len() >= MAX_HELD {
                self.over = self.over.or(Some(OVER_PENDING));
                continue;
            }
            self.pending.push(id.into());
            self.pending_seen.insert(id.into());
        }
    }

    /// Element `i` of array `a`, parsed.
    fn value(&mut self, a: usize, i: usize, item: &Value) {
        if self.errors.get(a).is_some_and(Option::is_some) {
            return;
        }
        let name = ARRAYS.get(a).copied().unwrap_or_default();
        let path = format!("{name}[{i}]");
        let Some(obj) = item.as_object() else {
            return self.fail(a, type_error(&path, item, "an object"));
        };
        let field =
            |key| required(obj.get(key), &format!("`{path}.{key}`"), "a string", Value::as_str);
        if a != RELATIONSHIPS {
            match field("SPDXID") {
                Ok(id) => self.element(id),
                Err(why) => self.fail(a, why),
            }
            return;
        }
        let read = (|| {
            Ok::<_, String>([
                field(RELATIONSHIP_FIELDS[0])?,
                field(RELATIONSHIP_FIELDS[1])?,
                field(RELATIONSHIP_FIELDS[2])?,
            ])
        })();
        match read {
            Ok([from, kind, to]) => self.relationship(from, kind, to),
            Err(why) => self.fail(a, why),
        }
    }

    /// Element `i` of array `a` from its text and key (see
    /// [`Sink::element`]): its fields read from the key, not parsed.
    fn text(&mut self, a: usize, i: usize, bytes: &[u8], key: &[u8]) {
        if self.errors.get(a).is_some_and(Option::is_some) {
            return;
        }
        let name = ARRAYS.get(a).copied().unwrap_or_default();
        let bytes = bytes.trim_ascii_start();
        if bytes.first() != Some(&b'{') {
            let why = format!("`{name}[{i}]` is {}, expected an object", kind_of(bytes));
            return self.fail(a, why);
        }
        let fields = key_fields(key);
        let wanted: &[&str] = if a == RELATIONSHIPS { &RELATIONSHIP_FIELDS } else { &["SPDXID"] };
        let mut read: [Cow<'_, str>; 3] = Default::default();
        for (k, (key, slot)) in wanted.iter().zip(read.iter_mut()).enumerate() {
            let at = || format!("`{name}[{i}].{key}`");
            match fields.get(k).copied().flatten().map(json_str) {
                None => return self.fail(a, format!("{} is missing", at())),
                Some(Err(kind)) => {
                    return self.fail(a, format!("{} is {kind}, expected a string", at()))
                }
                Some(Ok(text)) => *slot = text,
            }
        }
        let [first, kind, to] = &read;
        if a == RELATIONSHIPS {
            self.relationship(first, kind, to);
        } else {
            self.element(first);
        }
    }
}

/// An id seen again: counted once, named when among the smallest few.
fn note_repeat(
    repeated: &mut BTreeSet<u64>,
    count: &mut usize,
    names: &mut BTreeSet<String>,
    hash: u64,
    text: &[u8],
) {
    if !repeated.insert(hash) {
        return;
    }
    *count = count.saturating_add(1);
    let id = String::from_utf8_lossy(text);
    if names.len() < MAX_FINDINGS || names.last().is_some_and(|last| *id < **last) {
        names.insert(id.into_owned());
        if names.len() > MAX_FINDINGS {
            names.pop_last();
        }
    }
}

/// Whether the top-level array `key` is one of SPDX's streamed arrays.
pub fn streams(key: &str) -> bool {
    ARRAYS.contains(&key)
}

/// The array of [`ARRAYS`] a streamed path is.
fn array_of(at: &[Step]) -> Option<usize> {
    match at {
        [Step::Key(key)] => ARRAYS.iter().position(|a| a == key),
        _ => None,
    }
}

impl Sink for Streamed {
    fn start(&mut self, _at: &[Step], _prefix: &[u8]) {}

    fn element(&mut self, at: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
        let Some(a) = array_of(at) else { return };
        match key {
            Some(key) => self.text(a, index, bytes, key),
            None => {
                let shape = if a == RELATIONSHIPS { &RELATIONSHIP_SHAPE } else { &ELEMENT_SHAPE };
                // The splitter checked the element: it parses.
                if let Ok(item) = skeleton::pruned(bytes, shape) {
                    self.value(a, index, &item);
                }
            }
        }
    }

    fn end(&mut self, at: &[Step], count: usize) {
        if let Some(slot) = array_of(at).and_then(|a| self.counts.get_mut(a)) {
            *slot = u64::try_from(count).unwrap_or(u64::MAX);
        }
        self.seal();
    }
}

/// The values of a key's fields (see [`Sink::element`]), by the place of
/// their name.
fn key_fields(key: &[u8]) -> [Option<&[u8]>; 3] {
    let mut fields = [None; 3];
    let mut rest = key.get(1..).unwrap_or_default();
    while let [place, a, b, c, d, tail @ ..] = rest {
        let len = usize::try_from(u32::from_le_bytes([*a, *b, *c, *d])).unwrap_or(usize::MAX);
        let Some((value, tail)) = tail.split_at_checked(len) else { break };
        if let Some(slot) = fields.get_mut(usize::from(*place)) {
            *slot = Some(value);
        }
        rest = tail;
    }
    fields
}

/// A JSON value's text read as a string, or its kind.
fn json_str(raw: &[u8]) -> Result<Cow<'_, str>, &'static str> {
    let raw = raw.trim_ascii();
    match raw {
        [b'"', inner @ .., b'"'] if !inner.contains(&b'\\') => {
            std::str::from_utf8(inner).map(Cow::Borrowed).map_err(|_| "a string")
        }
        [b'"', ..] => serde_json::from_slice::<String>(raw).map(Cow::Owned).map_err(|_| "a string"),
        other => Err(kind_of(other)),
    }
}

/// The kind of the JSON value whose text starts `bytes`.
fn kind_of(bytes: &[u8]) -> &'static str {
    match bytes.first() {
        Some(b'{') => "an object",
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// The 64-bit hash of an id (`release_gate_scan::ids::hash`: SipHash-1-3
/// with fixed keys, the same on every run).
fn id_hash(id: &str) -> u64 {
    release_gate_scan::ids::hash(id.as_bytes())
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
    for (doc, other) in &d.fold.describing {
        if &**doc == d.doc_id {
            described.push(other);
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
    name_ids(&unresolved, unresolved.len(), reason, each, out, problems);
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
