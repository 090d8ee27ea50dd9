//! The gate's own streaming evidence reader and its status normalization.
//!
//! Checks, besides "no panic": the scanner and its `serde_json`-based oracle
//! (`release-gate-scan/src/reference.rs`) give the same verdict and the same
//! evidence (what the scanner accepts, `serde_json` accepts); the verdict
//! does not depend on how the bytes
//! arrive (whole, or one byte per read, the worst case for the UTF-8 check);
//! a document is accepted only when it is UTF-8; a document without `status`
//! or `passed` never passes; and the in-memory path (`understand`) agrees
//! with the streaming path on the gate's own evidence.

#![no_main]

use std::io::{self, Read};

use libfuzzer_sys::fuzz_target;
use release_gate::gate::formats::evidence_json::{parse, UTF8_BOM};
use release_gate::gate::formats::detect::{understand, Context, Understood};
use release_gate::gate::formats::FormatPolicy;

/// Hands out one byte per read.
struct OneByte<'a>(&'a [u8]);

impl Read for OneByte<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.0.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.0 = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let whole = parse(data);
    let trickled = parse(OneByte(data));
    assert_eq!(whole.is_ok(), trickled.is_ok(), "{whole:?} vs {trickled:?}");
    if let (Ok(a), Ok(b)) = (&whole, &trickled) {
        assert_eq!(a, b);
    }
    let oracle = release_gate_scan::reference::parse(data);
    assert_eq!(whole.is_ok(), oracle.is_ok(), "scanner {whole:?} vs oracle {oracle:?}");
    assert_eq!(whole.as_ref().ok(), oracle.as_ref().ok());
    let Ok(ev) = whole else { return };
    let body = data.strip_prefix(UTF8_BOM).unwrap_or(data);
    assert!(std::str::from_utf8(body).is_ok(), "accepted a document that is not UTF-8");
    if !ev.own_format {
        assert!(!ev.reasons.is_empty(), "a document without `status` or `passed` passed");
        return;
    }
    // Held in memory, the same document is the gate's own evidence with the
    // same verdict, unless it has a tool format's marker key too (then it
    // may be a mixed document, which the gate refuses as such).
    if ev.tool_marker {
        return;
    }
    match understand(data, &FormatPolicy::default(), Context::default()) {
        Understood::Evidence(judged) => {
            assert_eq!(judged.format, "evidence");
            assert_eq!(judged.own.as_ref(), Some(&ev));
        }
        other => panic!("streamed as evidence, understood as {other:?}"),
    }
});
