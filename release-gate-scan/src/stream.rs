//! One read of a large file, two consumers side by side: this thread reads,
//! hashes and checks UTF-8; a second thread scans the same chunks as
//! evidence. Memory is bounded by the chunks in flight, whatever the size of
//! the file.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use crate::evidence::{Doc, Evidence};
use crate::hash::Hasher;
use crate::scan::{self, read_full, Source};
use crate::utf8::{self, Utf8};

/// The size of one chunk.
pub const CHUNK: usize = 1 << 20;
/// Chunks queued for the scanner; with the one each side holds, at most
/// `IN_FLIGHT + 2` chunks exist.
pub const IN_FLIGHT: usize = 4;

/// What one read of a stream gave.
#[derive(Debug)]
pub struct Scanned {
    pub bytes: u64,
    pub sha256: String,
    /// The evidence, or why the stream is not evidence: invalid UTF-8
    /// anywhere wins over any other error, as for a document in memory.
    pub evidence: Result<Evidence, String>,
}

/// Reads `reader` to the end once: hashes every byte and scans the same
/// bytes as evidence on a second thread. An I/O error is the error.
pub fn scan(reader: &mut dyn Read) -> io::Result<Scanned> {
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
    let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
    thread::scope(|scope| {
        let scanner = thread::Builder::new().name("evidence-scan".to_string()).spawn_scoped(
            scope,
            move || {
                let mut source = Source::Channel { rx, back: back_tx, current: Vec::new() };
                let bom = source.start();
                scan::parse(source, bom)
            },
        )?;
        let read = pump(reader, tx, &back_rx);
        // The scanner ends once the sender is gone (`pump` dropped it).
        let parsed = scanner.join().unwrap_or_else(|_| Err("the scanner thread failed".into()));
        let (bytes, sha256, utf8_error) = read?;
        let evidence = match utf8_error {
            Some(at) => Err(utf8::message(at)),
            None => parsed.map(Doc::normalize),
        };
        Ok(Scanned { bytes, sha256, evidence })
    })
}

/// Reads, hashes and checks every chunk, and passes it on to the scanner
/// while it still wants more.
fn pump(
    reader: &mut dyn Read,
    tx: SyncSender<Vec<u8>>,
    back: &Receiver<Vec<u8>>,
) -> io::Result<(u64, String, Option<u64>)> {
    let mut tx = Some(tx);
    let mut hasher = Hasher::new();
    let mut utf8 = Utf8::new();
    let mut total = 0u64;
    let mut spare: Option<Vec<u8>> = None;
    loop {
        let mut buf = spare.take().or_else(|| back.try_recv().ok()).unwrap_or_default();
        buf.resize(CHUNK, 0);
        let n = read_full(reader, &mut buf)?;
        if n == 0 {
            break;
        }
        buf.truncate(n);
        hasher.update(&buf);
        utf8.feed(&buf);
        total += n as u64;
        match &tx {
            Some(sender) => {
                if let Err(mpsc::SendError(buf)) = sender.send(buf) {
                    // The scanner is done (an error, or the document ended).
                    tx = None;
                    spare = Some(buf);
                }
            }
            None => spare = Some(buf),
        }
    }
    drop(tx);
    utf8.finish();
    Ok((total, hasher.finish_hex(), utf8.error()))
}
