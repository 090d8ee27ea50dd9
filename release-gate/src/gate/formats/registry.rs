//! The registry: one table of the formats the gate reads, keyed by [`Id`]:
//! each format's name in the report, how messages name it and one of its
//! documents, what it reads, and the JSON formats' detector, rule and
//! provenance reader (asked in [`Id::ALL`] order).

use serde_json::Value;

use super::provenance::Found;
use super::{cargo_audit, cyclonedx, intoto, sarif, scorecard, spdx, FormatPolicy, Outcome};

/// The formats the gate reads: the key of the registry ([`Id::format`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Id {
    Sarif,
    CycloneDx,
    Spdx,
    Scorecard,
    CargoAudit,
    InToto,
    Criterion,
    CargoDeny,
    Junit,
    /// The gate's own evidence JSON.
    Evidence,
}

/// One format of the registry.
#[derive(Clone, Copy)]
pub struct Format {
    /// The name in the report (`sarif`).
    pub name: &'static str,
    /// How messages name the format (`SARIF`).
    pub display: &'static str,
    /// How messages name one document (`a SARIF log`).
    pub article: &'static str,
    pub input: Input,
}

/// What a format reads, and the entry points of the JSON formats (the
/// dispatcher asks their detectors in turn).
#[derive(Clone, Copy)]
pub enum Input {
    /// One JSON document.
    Json(Json),
    /// XML, read by `junit` from the decoded text.
    Xml,
    /// A stream of JSON records, read by `cargo_deny` from the decoded text.
    Records,
    /// A file of a set, read by its role (criterion), or the gate's own
    /// evidence (its own reader).
    Other,
}

/// A JSON format's entry points.
#[derive(Clone, Copy)]
pub struct Json {
    pub detect: fn(&Value) -> bool,
    pub check: JsonRule,
    pub provenance: fn(&Value) -> Found,
}

/// A JSON format's rule.
pub type JsonRule = fn(&Value, &FormatPolicy) -> Result<Outcome, String>;

fn json(detect: fn(&Value) -> bool, check: JsonRule, provenance: fn(&Value) -> Found) -> Input {
    Input::Json(Json { detect, check, provenance })
}

impl Id {
    /// Every format, the JSON tool formats in the order their detectors are
    /// asked.
    pub const ALL: [Id; 10] = [
        Id::Sarif,
        Id::CycloneDx,
        Id::Spdx,
        Id::Scorecard,
        Id::CargoAudit,
        Id::InToto,
        Id::Criterion,
        Id::CargoDeny,
        Id::Junit,
        Id::Evidence,
    ];

    /// The registry: how the format is named.
    pub fn format(self) -> Format {
        let (name, display, article) = match self {
            Id::Sarif => ("sarif", "SARIF", "a SARIF log"),
            Id::CycloneDx => ("cyclonedx", "CycloneDX", "a CycloneDX BOM"),
            Id::Spdx => ("spdx", "SPDX", "an SPDX document"),
            Id::Scorecard => ("scorecard", "OpenSSF Scorecard", "an OpenSSF Scorecard result"),
            Id::CargoAudit => ("cargo-audit", "cargo-audit JSON", "a cargo-audit JSON report"),
            Id::InToto => ("in-toto", "in-toto", "an in-toto attestation"),
            Id::Criterion => ("criterion", "criterion estimates", "a criterion estimates report"),
            Id::CargoDeny => ("cargo-deny", "cargo-deny JSON", "a cargo-deny JSON report"),
            Id::Junit => ("junit", "JUnit XML", "a JUnit XML report"),
            Id::Evidence => ("evidence", "evidence JSON", "the gate's own evidence"),
        };
        Format { name, display, article, input: self.input() }
    }

    /// The registry: what the format reads, with the JSON formats' entry
    /// points.
    fn input(self) -> Input {
        match self {
            Id::Sarif => json(sarif::detect, sarif::check, sarif::provenance),
            Id::CycloneDx => json(cyclonedx::detect, cyclonedx::check, cyclonedx::provenance),
            Id::Spdx => json(spdx::detect, spdx::check, spdx::provenance),
            Id::Scorecard => json(scorecard::detect, scorecard::check, scorecard::provenance),
            Id::CargoAudit => json(cargo_audit::detect, cargo_audit::check, Found::top_level),
            Id::InToto => json(intoto::detect, intoto::check, intoto::provenance),
            Id::CargoDeny => Input::Records,
            Id::Junit => Input::Xml,
            Id::Criterion | Id::Evidence => Input::Other,
        }
    }

    /// The JSON tool format's entry points.
    pub fn json(self) -> Option<Json> {
        match self.input() {
            Input::Json(json) => Some(json),
            _ => None,
        }
    }
}

/// How messages name the format a report names (`sarif` -> `SARIF`).
pub fn display_name(name: &str) -> &str {
    Id::ALL.iter().map(|id| id.format()).find(|f| f.name == name).map_or(name, |f| f.display)
}
