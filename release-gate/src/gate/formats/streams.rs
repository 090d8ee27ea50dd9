//! The tool formats read from a stream (a file over `max-parse-bytes`, or
//! a large one in memory): which arrays of a JSON document are streamed,
//! and the format that reads their elements.
//!
//! The splitter (`release_gate_scan::skeleton`) walks the document once,
//! keeps everything but the arrays of [`PLAN`] as the skeleton, and hands
//! each element of those arrays to [`Streams`], which passes it to the
//! format that owns the path. A document whose streamed arrays belong to
//! one format is judged by that format's streamed rule; a document with
//! streamed arrays of a format other than the one it is read as is not
//! judged here (its rule would miss them): the caller refuses it.

use std::collections::BTreeSet;

use release_gate_scan::skeleton::{self, Plan, Sink, Step};
use serde_json::Value;

use super::registry::Id;
use super::{sarif, spdx, FormatPolicy, Outcome};

/// Every streamed array, of every format.
pub const PLAN: Plan = &[
    skeleton::SARIF_RESULTS,
    // SPDX: the top-level element and relationship arrays.
    spdx::PACKAGES,
    spdx::FILES,
    spdx::SNIPPETS,
    spdx::RELATIONSHIPS_PLAN,
];

/// What the formats read of the streamed arrays.
#[derive(Debug)]
pub struct Streams {
    pub sarif: sarif::Streamed,
    pub spdx: spdx::Streamed,
    /// The formats whose arrays were streamed.
    seen: BTreeSet<Id>,
}

impl Streams {
    pub fn new(policy: &FormatPolicy) -> Streams {
        Streams {
            sarif: sarif::Streamed::new(policy),
            spdx: spdx::Streamed::new(),
            seen: BTreeSet::new(),
        }
    }

    /// [`Streams::new`] for a document held in memory: what a format holds
    /// to the end is not capped (the document is held anyway), so the
    /// outcome is the whole reader's at any size.
    pub fn in_memory(policy: &FormatPolicy) -> Streams {
        Streams { spdx: spdx::Streamed::whole(), ..Streams::new(policy) }
    }

    /// Whether any array was streamed (and so is not in the skeleton).
    pub fn any(&self) -> bool {
        !self.seen.is_empty()
    }

    /// The streamed rule of `format` over `doc` (the skeleton), when every
    /// streamed array is that format's; `None` when `format`'s whole rule
    /// judges it (nothing was streamed) or when no rule can (another
    /// format's arrays were streamed).
    pub fn check(
        &self,
        format: Id,
        doc: &Value,
        policy: &FormatPolicy,
    ) -> Option<Result<Outcome, String>> {
        if self.seen.iter().any(|seen| *seen != format) {
            return None;
        }
        match format {
            Id::Sarif if self.seen.contains(&Id::Sarif) => {
                Some(sarif::check_streamed(doc, policy, &self.sarif))
            }
            Id::Spdx if self.seen.contains(&Id::Spdx) => {
                Some(spdx::check_streamed(doc, policy, &self.spdx))
            }
            _ => None,
        }
    }

    /// The format that owns the streamed array at `at`.
    fn owner(&mut self, at: &[Step]) -> Option<(Id, &mut dyn Sink)> {
        match at.first() {
            Some(Step::Key(key)) if key == "runs" => Some((Id::Sarif, &mut self.sarif)),
            Some(Step::Key(key)) if spdx::streams(key) => Some((Id::Spdx, &mut self.spdx)),
            _ => None,
        }
    }
}

impl Sink for Streams {
    fn start(&mut self, at: &[Step], prefix: &[u8]) {
        if let Some((id, sink)) = self.owner(at) {
            sink.start(at, prefix);
            self.seen.insert(id);
        }
    }

    fn element(&mut self, at: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
        if let Some((_, sink)) = self.owner(at) {
            sink.element(at, index, bytes, key);
        }
    }

    fn end(&mut self, at: &[Step], count: usize) {
        if let Some((_, sink)) = self.owner(at) {
            sink.end(at, count);
        }
    }
}
