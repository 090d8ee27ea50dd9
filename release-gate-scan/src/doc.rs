//! What the scanner keeps of an evidence document: the top-level fields the
//! gate decides on, each as the JSON type it turned out to be. The scanner
//! (`scan`) fills a [`Doc`]; only the `evidence` module judges it.

/// The top-level keys without which no tool format's detector claims a
/// document (SARIF `runs`, CycloneDX `bomFormat`/`specVersion`, SPDX
/// `spdxVersion`, Scorecard `scorecard`/`repo`, cargo-audit `database`,
/// in-toto `_type`/`payloadType`/`mediaType`/`attestations`, a cosign bundle's
/// `base64Signature`, and `$schema`): a document of the gate's own format
/// with none of them cannot also be a tool document. A test in the gate's
/// format detection holds every detector to this list.
pub const TOOL_MARKER_KEYS: &[&str] = &[
    "runs",
    "bomFormat",
    "specVersion",
    "spdxVersion",
    "scorecard",
    "repo",
    "database",
    "_type",
    "payloadType",
    "mediaType",
    "attestations",
    "base64Signature",
    "$schema",
];

/// The top-level fields the gate reads; `schemas/evidence.schema.json`
/// describes exactly these (a test keeps the two equal).
pub const FIELDS: &[&str] = &[
    "status",
    "passed",
    "domain",
    "provenance",
    "generator",
    "release",
    "commit",
    "generated_at",
    "blockers",
    "checks",
];

/// A JSON value of which the gate only needs the string or boolean inside, or
/// else the name of its type for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scalar {
    Str(String),
    Bool(bool),
    Other(&'static str),
}

impl Scalar {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Scalar::Str(_) => "a string",
            Scalar::Bool(_) => "a boolean",
            Scalar::Other(kind) => kind,
        }
    }
}

/// The top-level fields the gate reads.
#[derive(Debug, Default)]
pub(crate) struct Doc {
    pub(crate) status: Option<Scalar>,
    pub(crate) passed: Option<Scalar>,
    pub(crate) domain: Option<Scalar>,
    pub(crate) provenance: Option<Scalar>,
    pub(crate) generator: Option<Scalar>,
    pub(crate) release: Option<Scalar>,
    pub(crate) commit: Option<Scalar>,
    pub(crate) generated_at: Option<Scalar>,
    pub(crate) blockers: Option<Counted>,
    pub(crate) checks: Option<Checks>,
    /// A top-level key some tool format's detector relies on.
    pub(crate) tool_marker: bool,
}

impl Doc {
    /// The scalar field named `key`, when the gate reads one by that name.
    pub(crate) fn scalar(&mut self, key: &str) -> Option<&mut Option<Scalar>> {
        Some(match key {
            "status" => &mut self.status,
            "passed" => &mut self.passed,
            "domain" => &mut self.domain,
            "provenance" => &mut self.provenance,
            "generator" => &mut self.generator,
            "release" => &mut self.release,
            "commit" => &mut self.commit,
            "generated_at" => &mut self.generated_at,
            _ => return None,
        })
    }
}

/// `blockers`: an array's length, or another type's name.
#[derive(Debug)]
pub(crate) enum Counted {
    Array(usize),
    Other(&'static str),
}

/// `checks`: an array of checks, or another type's name.
#[derive(Debug)]
pub(crate) enum Checks {
    Array(Vec<Check>),
    Other(&'static str),
}

/// One element of `checks`: an object's fields, or another type's name.
#[derive(Debug)]
pub(crate) enum Check {
    Object { name: Option<Scalar>, status: Option<Scalar>, detail: Option<Scalar> },
    Other(&'static str),
}
