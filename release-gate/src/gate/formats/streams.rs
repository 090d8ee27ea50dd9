//! The tool formats read from a stream (a file over `max-parse-bytes`, or
//! a large one in memory): which arrays of a JSON document are streamed,
//! and the format that reads their elements.
//!
//! The splitter (`release_gate_scan::skeleton`) walks the document once,
//! keeps everything but the arrays of [`PLAN`] as the skeleton, and hands
//! each element of those arrays to [`Streams`], which passes it to the
//! format that owns the path. A document is judged by its format's
//! streamed rule when elements of that format's arrays were streamed, and
//! by its whole rule over the skeleton otherwise: no format's rule reads
//! another format's streamed arrays, so what it reads is all there.

use std::collections::BTreeSet;

use release_gate_scan::skeleton::{self, Plan, Sink, Step};
use serde_json::Value;

use super::registry::Id;
use super::{cargo_audit, cyclonedx, sarif, spdx, FormatPolicy, Outcome};

/// Every streamed array, of every format.
pub const PLAN: Plan = &[
    skeleton::SARIF_RESULTS,
    cyclonedx::STREAMED[0],
    cyclonedx::STREAMED[1],
    cyclonedx::STREAMED[2],
    cyclonedx::STREAMED[3],
    cargo_audit::PLAN_LIST,
    cargo_audit::PLAN_WARNINGS,
    spdx::PACKAGES,
    spdx::FILES,
    spdx::SNIPPETS,
    spdx::RELATIONSHIPS_PLAN,
];

/// What the formats read of the streamed arrays.
pub struct Streams {
    sarif: sarif::Streamed,
    cyclonedx: cyclonedx::Streamed,
    cargo_audit: cargo_audit::Streamed,
    spdx: spdx::Streamed,
    /// The document is held in memory: a format that cannot be judged from
    /// the stream (a limit) is judged whole instead.
    pub whole: bool,
    /// The formats whose arrays had elements.
    seen: BTreeSet<Id>,
    /// The owner of the array being streamed.
    current: Option<Id>,
    /// The format of the last element (in `seen`).
    last: Option<Id>,
}

impl Streams {
    pub fn new(policy: &FormatPolicy) -> Streams {
        Streams {
            sarif: sarif::Streamed::new(policy),
            cyclonedx: cyclonedx::Streamed::default(),
            cargo_audit: cargo_audit::Streamed::default(),
            spdx: spdx::Streamed::new(),
            whole: false,
            seen: BTreeSet::new(),
            current: None,
            last: None,
        }
    }

    /// [`Streams::new`] for a document held in memory: what a format holds
    /// to the end is not capped (the document is held anyway), and a format
    /// past a limit of the stream is read whole: the outcome is the whole
    /// reader's at any size.
    pub fn in_memory(policy: &FormatPolicy) -> Streams {
        Streams { spdx: spdx::Streamed::whole(), whole: true, ..Streams::new(policy) }
    }

    /// Whether any element was streamed (and so is not in the skeleton).
    pub fn any(&self) -> bool {
        !self.seen.is_empty()
    }

    /// Whether elements of `format`'s arrays were streamed.
    pub fn saw(&self, format: Id) -> bool {
        self.seen.contains(&format)
    }

    /// The streamed rule of `format` over `doc` (the skeleton), when
    /// elements of `format`'s arrays were streamed; `None` when its whole
    /// rule judges the skeleton (none were), or when the document held in
    /// memory is past a limit of the stream (the caller reads it whole).
    pub fn check(
        &self,
        format: Id,
        doc: &Value,
        policy: &FormatPolicy,
    ) -> Option<Result<Outcome, String>> {
        if !self.saw(format) {
            return None;
        }
        // The format's outcome, or the limit of the stream it is past.
        let judged = match format {
            Id::Sarif => match &self.sarif.limit {
                None => Ok(sarif::check_streamed(doc, policy, &self.sarif)),
                Some(limit) => Err(limit.clone()),
            },
            Id::CycloneDx => self.cyclonedx.check(doc, policy).map(Ok).or_else(|e| e.map(Err)),
            Id::CargoAudit => match self.cargo_audit.limit() {
                None => Ok(cargo_audit::check_streamed(doc, policy, &self.cargo_audit)),
                Some(limit) => Err(limit),
            },
            Id::Spdx => Ok(spdx::check_streamed(doc, policy, &self.spdx)),
            _ => return None,
        };
        match judged {
            Ok(outcome) => Some(outcome),
            Err(_) if self.whole => None,
            Err(limit) => Some(Err(limited(&limit))),
        }
    }

    /// The format that owns the streamed array at `at`.
    fn owner(at: &[Step]) -> Option<Id> {
        match at.first() {
            Some(Step::Key(key)) if key == "runs" => Some(Id::Sarif),
            _ if cargo_audit::Streamed::owns(at) => Some(Id::CargoAudit),
            Some(Step::Key(key)) if spdx::streams(key) => Some(Id::Spdx),
            Some(Step::Key(_)) => Some(Id::CycloneDx),
            _ => None,
        }
    }

    fn sink(&mut self, format: Id) -> Option<&mut dyn Sink> {
        match format {
            Id::Sarif => Some(&mut self.sarif),
            Id::CycloneDx => Some(&mut self.cyclonedx),
            Id::CargoAudit => Some(&mut self.cargo_audit),
            Id::Spdx => Some(&mut self.spdx),
            _ => None,
        }
    }
}

/// Why a document over `max-parse-bytes` is not read: `why` is past what
/// a stream can be read with.
fn limited(why: &str) -> String {
    format!(
        "{why}, which a document over `max-parse-bytes` cannot have (it is read as a stream); raise `max-parse-bytes` in [workspace.metadata.release-gate] to read it whole"
    )
}

impl Sink for Streams {
    fn start(&mut self, at: &[Step], prefix: &[u8]) {
        // Streamed arrays do not nest: the array's owner until its end.
        self.current = Self::owner(at);
        if let Some(sink) = self.current.and_then(|id| self.sink(id)) {
            sink.start(at, prefix);
        }
    }

    fn element(&mut self, at: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
        if let Some(id) = self.current {
            if let Some(sink) = self.sink(id) {
                sink.element(at, index, bytes, key);
            }
            if self.last != Some(id) {
                self.seen.insert(id);
                self.last = Some(id);
            }
        }
    }

    fn end(&mut self, at: &[Step], count: usize) {
        if let Some(sink) = self.current.take().and_then(|id| self.sink(id)) {
            sink.end(at, count);
        }
    }
}
