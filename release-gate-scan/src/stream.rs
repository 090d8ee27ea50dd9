//! One read of a large file, two consumers side by side: this thread reads,
//! hashes and checks UTF-8; a second thread scans the same chunks as
//! evidence. Memory is bounded by the chunks in flight, whatever the size of
//! the file.

#![deny(clippy::arithmetic_side_effects)]

use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread;

use crate::doc::Doc;
use crate::hash::Hasher;
use crate::scan::{self, read_full, Source};
use crate::utf8::{self, Utf8};

/// The size of one chunk.
pub const CHUNK: usize = 1 << 20;
/// Chunks queued for the scanner; with the one each side holds, at most
/// `IN_FLIGHT + 2` chunks exist.
pub const IN_FLIGHT: usize = 4;

/// What one read of a stream gave: the document the scanner kept (a
/// `Doc` here; the evidence module judges it).
#[derive(Debug)]
pub struct Scanned<T> {
    pub bytes: u64,
    pub sha256: String,
    /// The evidence, or why the stream is not evidence: invalid UTF-8
    /// anywhere wins over any other error, as for a document in memory.
    /// `None` when the second reader said [`Enough`] and the scan stopped
    /// (and the stream is valid UTF-8).
    pub evidence: Option<Result<T, String>>,
    /// `evidence` is the error of invalid UTF-8.
    pub utf8_error: bool,
}

/// A second reader of the same bytes, on a thread of its own: it is given
/// the stream (as a [`Read`]) and may stop early; the bytes are still all
/// read and hashed. It may tell the scan as evidence to stop ([`Enough`]).
pub type Consumer<'c> = &'c mut (dyn FnMut(&mut dyn Read, &Enough) + Send);

/// The second reader's word that the document is its own (a tool format's,
/// it has the format's arrays): the scan as evidence stops there and gives
/// no verdict, and the thread it ran on is free for the other readers (on
/// a 1 GiB SARIF log it was a third of the CPU time). The caller scans again
/// if the document turns out to need that verdict after all.
#[derive(Debug, Default)]
pub struct Enough(AtomicBool);

impl Enough {
    pub fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Reads `reader` to the end once: hashes every byte and scans the same
/// bytes on a second thread, and `also` reads the same chunks on a third
/// (the tool formats' streaming reader): one read of the file, three
/// consumers. An I/O error is the error.
pub(crate) fn scan_with(
    reader: &mut dyn Read,
    also: Option<Consumer<'_>>,
) -> io::Result<Scanned<Doc>> {
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
    let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
    let enough = Enough::default();
    thread::scope(|scope| {
        let scanner = thread::Builder::new().name("evidence-scan".to_string()).spawn_scoped(
            scope,
            move || {
                let mut source = Source::Channel { rx, back: back_tx, current: Vec::new() };
                let bom = source.start();
                scan::parse(source, bom)
            },
        )?;
        let (also_tx, also_thread) = match also {
            Some(consumer) => {
                let (also_tx, also_rx) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
                let enough = &enough;
                let thread = thread::Builder::new().name("tool-read".to_string()).spawn_scoped(
                    scope,
                    move || {
                        let mut chunks = Chunks { rx: also_rx, current: Vec::new(), at: 0 };
                        consumer(&mut chunks, enough);
                    },
                )?;
                (Some(also_tx), Some(thread))
            }
            None => (None, None),
        };
        let read = pump(reader, tx, also_tx, &back_rx, &enough);
        if let Some(thread) = also_thread {
            if thread.join().is_err() {
                return Err(io::Error::other("the tool reader thread failed"));
            }
        }
        // The scanner ends once the sender is gone (`pump` dropped it).
        let parsed = scanner.join().unwrap_or_else(|_| Err("the scanner thread failed".into()));
        let Pumped { bytes, sha256, utf8_error, stopped } = read?;
        let evidence = match utf8_error {
            Some(at) => Some(Err(utf8::message(at))),
            // Cut short on purpose: what the scanner says is not a verdict.
            None if stopped => None,
            None => Some(parsed),
        };
        Ok(Scanned { bytes, sha256, evidence, utf8_error: utf8_error.is_some() })
    })
}

/// What the pump read: the sums, where the UTF-8 broke, and whether the
/// scan was stopped at the second reader's word.
struct Pumped {
    bytes: u64,
    sha256: String,
    utf8_error: Option<u64>,
    stopped: bool,
}

/// Reads, hashes and checks every chunk, and passes it on to the scanner
/// while it still wants more and the second reader did not say [`Enough`].
fn pump(
    reader: &mut dyn Read,
    tx: SyncSender<Vec<u8>>,
    also: Option<SyncSender<Vec<u8>>>,
    back: &Receiver<Vec<u8>>,
    enough: &Enough,
) -> io::Result<Pumped> {
    let mut tx = Some(tx);
    let mut stopped = false;
    let mut also = also;
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
        total = total.saturating_add(n as u64);
        if let Some(sender) = &also {
            if sender.send(buf.clone()).is_err() {
                // The second reader is done (an error, or the document ended).
                also = None;
            }
        }
        if tx.is_some() && enough.is_set() {
            // The scanner sees the end of its stream and returns; whatever
            // it says is dropped.
            tx = None;
            stopped = true;
        }
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
    drop(also);
    utf8.finish();
    Ok(Pumped { bytes: total, sha256: hasher.finish_hex(), utf8_error: utf8.error(), stopped })
}

/// The chunks of the stream as a [`Read`].
struct Chunks {
    rx: Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(rest) = self.current.get(self.at..).filter(|rest| !rest.is_empty()) {
                let n = rest.len().min(buf.len());
                if let (Some(to), Some(from)) = (buf.get_mut(..n), rest.get(..n)) {
                    to.copy_from_slice(from);
                }
                self.at = self.at.saturating_add(n);
                return Ok(n);
            }
            match self.rx.recv() {
                Ok(chunk) => {
                    self.current = chunk;
                    self.at = 0;
                }
                Err(_) => return Ok(0),
            }
        }
    }
}
