//! Stage 2, read and hash: each artifact is read once, and its digest and
//! its parse come from the same bytes. Files are spread over the cores and
//! the results come back in input order.
//!
//! A file up to `max-parse-bytes` is read into memory, hashed on the way in,
//! and may be any format. A larger one is streamed: this thread reads and
//! hashes it while a second thread scans the same chunks as the gate's own
//! evidence and a third reads them as the tool formats (JSON, cargo-deny's
//! JSON lines or JUnit XML), in bounded memory. Once the third starts one
//! of a tool format's arrays, the second stops (it would only repeat the
//! same walk); the rare decision that still needs its verdict (the gate's
//! own top-level keys, no format claims the document, it is not one JSON
//! document) scans the opened file again, and a file whose bytes changed
//! in between is invalid. The byte-level work (hashing, scanning) is in
//! the `release-gate-scan` crate, which the dev profile optimizes.

#![deny(clippy::arithmetic_side_effects)]

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use release_gate_scan::evidence::scan_with;
use release_gate_scan::evidence::UTF8_BOM;
use release_gate_scan::hash;
use release_gate_scan::pipe;
use release_gate_scan::skeleton;
use release_gate_scan::stream::{Enough, Scanned};

use super::formats::detect::{self, Context, Judged, Understood};
use super::formats::evidence_json::Evidence;
use super::formats::streams::{self, Streams};
use super::formats::{cargo_deny, junit, FormatPolicy, Outcome};
use super::paths;

/// What reading one artifact gave.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadResult {
    pub bytes: Option<u64>,
    pub sha256: Option<String>,
    pub content: Content,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    /// The file does not exist.
    NotFound,
    /// It exists but cannot be read as a file (permissions, a folder, a FIFO).
    Unreadable(String),
    /// It was read: what its content turned out to be.
    Read(Understood),
}

/// How the read stage treats content.
#[derive(Debug, Clone)]
pub struct ReadPolicy {
    pub formats: FormatPolicy,
    /// Files up to this size are read into memory and may be any format;
    /// larger ones are streamed, and only the gate's own evidence JSON is
    /// read from them (in bounded memory).
    pub max_parse_bytes: u64,
}

/// Reads every path, in parallel, keeping the order of `paths`.
/// Each path comes with whether discovery listed it as a regular file
/// (`ArtifactRef::listed_as_file`).
pub fn read_all(paths: &[(&Path, bool)], policy: &ReadPolicy) -> Vec<ReadResult> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<ReadResult>>> = Mutex::new(vec![None; paths.len()]);
    let workers =
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(paths.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(path, listed_as_file)) = paths.get(i) else { break };
                let result = read_one(path, listed_as_file, policy);
                if let Ok(mut results) = results.lock() {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    let failed = || unreadable("the reader thread failed".to_string());
    results.into_iter().map(|r| r.unwrap_or_else(failed)).collect()
}

/// `listed_as_file`: discovery listed `path` as a regular file, not a
/// symlink. Where opening cannot block (`O_NONBLOCK`, Linux), such a file is
/// opened without the `stat` that keeps special files out, and without
/// following a symlink: a file swapped meanwhile for a symlink is refused,
/// and for anything else what was opened is checked by `fstat`.
pub fn read_one(path: &Path, listed_as_file: bool, policy: &ReadPolicy) -> ReadResult {
    if paths::bad_name(path) {
        return unreadable(
            "refused: the name is not UTF-8 or holds control characters (a newline, an escape), which could forge lines of the report or a CI log; rename it"
                .to_string(),
        );
    }
    // `stat` first: it never blocks, and it names what a non-file is.
    let listed = listed_as_file && open_flags::NEVER_BLOCKS;
    if !listed {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return unread(Content::NotFound),
            Err(e) => return unreadable(format!("cannot read it: {e}")),
        };
        if !meta.is_file() {
            return unreadable(not_a_file(path, &meta));
        }
    }
    let file = match open_nonblocking(path, listed) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return unread(Content::NotFound),
        Err(e) => {
            // Listed as a regular file, and no longer one: say what it is now.
            let now = fs::symlink_metadata(path).ok().filter(|_| listed);
            return unreadable(match now {
                Some(meta) if meta.file_type().is_symlink() => {
                    "it was replaced by a symlink after discovery listed it as a file".to_string()
                }
                Some(meta) if !meta.is_file() => not_a_file(path, &meta),
                _ => format!("cannot open it: {e}"),
            });
        }
    };
    // What was opened decides, not what `stat` saw a moment before: a file
    // swapped for a FIFO in between is refused here, without blocking.
    let meta = match file.metadata() {
        Ok(meta) if meta.is_file() => meta,
        Ok(meta) => return unreadable(not_a_file(path, &meta)),
        Err(e) => return unreadable(format!("cannot read it: {e}")),
    };
    if meta.len() <= policy.max_parse_bytes {
        read_in_memory(path, file, meta.len(), policy)
    } else {
        read_streamed(path, file, meta.len(), policy)
    }
}

/// One read into memory, hashed on the way in; every format parses from
/// the same bytes.
fn read_in_memory(path: &Path, mut file: File, size: u64, policy: &ReadPolicy) -> ReadResult {
    // Each reader thread reuses one buffer from file to file (thousands
    // of small files would otherwise each grow a fresh heap).
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with(|cell| {
        let mut owned = Vec::new();
        let mut borrowed = cell.try_borrow_mut();
        let buf: &mut Vec<u8> = match borrowed.as_deref_mut() {
            Ok(buf) => buf,
            Err(_) => &mut owned,
        };
        let read = hash::read_hashed_into(&mut file, size, buf);
        hash::close(file);
        let result = match read {
            Ok(sha256) => ReadResult {
                bytes: Some(buf.len() as u64),
                sha256: Some(sha256),
                content: Content::Read(if buf.len() >= detect::LARGE {
                    detect::understand_large(buf, &policy.formats, context(path))
                } else {
                    detect::understand(buf, &policy.formats, context(path))
                }),
            },
            Err(e) => unreadable(format!("cannot read it: {e}")),
        };
        // A large file's buffer is not kept for the small ones after it.
        if buf.capacity() > 4 * 1024 * 1024 {
            *buf = Vec::new();
        }
        result
    })
}

/// Too large to hold: streamed, hashed on this thread, through the gate's
/// own evidence scanner and the tool readers side by side, in bounded
/// memory: the SARIF reader, and on the same thread, fed the same bytes,
/// cargo-deny's JSON lines.
fn read_streamed(path: &Path, mut file: File, size: u64, policy: &ReadPolicy) -> ReadResult {
    let mut streams = Streams::new(&policy.formats);
    let mut tool = None;
    let mut deny = cargo_deny::Lines::default();
    let mut xml = None;
    let mut reader = |chunks: &mut dyn io::Read, enough: &Enough| {
        let mut input = io::BufReader::with_capacity(1 << 16, chunks);
        if starts_xml(&mut input) {
            let input = junit::Input::stream(input, junit::MAX_EVENT_BYTES);
            xml = Some(junit::read(input, &policy.formats));
            return;
        }
        let mut split = cargo_deny::splitter();
        let mut tee =
            Tee { inner: &mut input, split: &mut split, each: &mut |l, e| deny.line(l, e) };
        // The walk here, the formats' folds on a thread of their own; the
        // walk's side says enough (at once, not after a batch).
        let read = pipe::piped(&mut streams, |sink| {
            skeleton::read(&mut tee, streams::PLAN, &mut Enoughs { sink, enough })
        });
        tool = Some(read.unwrap_or_else(|e| Err(serde_json::Error::io(e))));
        // The rest of the stream, for the lines (none once they stopped).
        let mut rest = vec![0; 1 << 16];
        while !tee.split.stopped() && matches!(io::Read::read(&mut tee, &mut rest), Ok(n) if n > 0)
        {
        }
        split.finish(&mut |l, e| deny.line(l, e));
        deny.split_stopped(&split);
    };
    let scanned = scan_with(&mut file, Some(&mut reader));
    let scanned = match scanned {
        Ok(scanned) => scanned,
        Err(e) => {
            hash::close(file);
            return unreadable(format!("cannot read it to the end: {e}"));
        }
    };
    let tool = tool.unwrap_or_else(|| Err(serde::de::Error::custom(skeleton::OVER_BUDGET)));
    // The scan as evidence stopped at the tool reader's word: scanned
    // again if the decision needs it, from a second read of the same file
    // (the one opened: not the path again, which could be swapped).
    let failed = std::cell::RefCell::new(None);
    let again = || {
        let (evidence, failure) = scan_again(&file, &scanned.sha256);
        *failed.borrow_mut() = failure;
        evidence
    };
    let mut own = detect::Own::new(scanned.evidence.clone(), &again);
    let understood = match &scanned.evidence {
        // Invalid UTF-8 anywhere wins, as for a document in memory
        // (UTF-16 is decoded only in memory).
        Some(Err(why)) if scanned.utf8_error && !utf16(&tool) => Understood::Invalid(why.clone()),
        _ if xml.is_some() => xml_streamed(xml, size, policy.max_parse_bytes, path),
        _ => detect::understand_stream(
            &mut own,
            &tool,
            &streams,
            Some(deny),
            &policy.formats,
            context(path),
        )
        .unwrap_or_else(|| streamed(own.get().clone(), size, policy.max_parse_bytes, utf16(&tool))),
    };
    hash::close(file);
    let understood = match failed.into_inner() {
        None => understood,
        Some(Again::Changed) => Understood::Invalid(
            "the file changed while it was read: a second read of it for the gate's own evidence scan gave another SHA-256; write it once, before the gate runs".to_string(),
        ),
        // As a read that fails on the way: no digest to stand by.
        Some(Again::Unreadable(why)) => return unreadable(why),
    };
    ReadResult {
        bytes: Some(scanned.bytes),
        sha256: Some(scanned.sha256),
        content: Content::Read(understood),
    }
}

/// Why the second scan of a file is not about the document the gate read.
#[derive(Debug, PartialEq)]
enum Again {
    /// Its bytes are not the first read's (another SHA-256).
    Changed,
    /// It could not be read again.
    Unreadable(String),
}

/// The gate's own evidence scan of `file` again, from its start; a
/// failure when the bytes were not the same (`sha256`) as the first
/// read's, or could not be read: only without one is the scan about the
/// document the rest of the gate read.
fn scan_again(mut file: &File, sha256: &str) -> (Result<Evidence, String>, Option<Again>) {
    use std::io::Seek;
    let scanned = file.rewind().and_then(|()| scan_with(&mut file, None));
    match scanned {
        Ok(Scanned { evidence: Some(evidence), sha256: again, .. }) => {
            let changed = (again != sha256).then_some(Again::Changed);
            (evidence, changed)
        }
        // Without a second reader nothing stops the scan; never here.
        Ok(Scanned { evidence: None, .. }) => (Err("not scanned".into()), Some(Again::Changed)),
        Err(e) => {
            let why = format!("cannot read it again (for the gate's own evidence scan): {e}");
            (Err(why.clone()), Some(Again::Unreadable(why)))
        }
    }
}

/// A sink that tells the scan as evidence it may stop once a tool format's
/// array starts (the document is most likely that format's), and passes
/// every event on.
struct Enoughs<'a> {
    sink: &'a mut dyn skeleton::Sink,
    enough: &'a Enough,
}

impl skeleton::Sink for Enoughs<'_> {
    fn start(&mut self, at: &[skeleton::Step], prefix: &[u8]) {
        self.enough.set();
        self.sink.start(at, prefix);
    }
    fn element(&mut self, at: &[skeleton::Step], index: usize, bytes: &[u8], key: Option<&[u8]>) {
        self.sink.element(at, index, bytes, key);
    }
    fn end(&mut self, at: &[skeleton::Step], count: usize) {
        self.sink.end(at, count);
    }
}

/// The stream is XML: its first character, after a UTF-8 byte order mark
/// (skipped) and white space, is `<` (as [`detect::understand`] decides, for
/// white space within the first buffer).
fn starts_xml(input: &mut impl io::BufRead) -> bool {
    let Ok(head) = input.fill_buf() else { return false };
    let bom = head.starts_with(UTF8_BOM);
    let head = if bom { head.get(UTF8_BOM.len()..).unwrap_or_default() } else { head };
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => {
            std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or_default()).unwrap_or("")
        }
    };
    let xml = text.trim_start().starts_with('<');
    if xml && bom {
        input.consume(UTF8_BOM.len());
    }
    xml
}

/// An XML document read from a stream: judged as in memory; an event over
/// the reader's cap is invalid, with the limit.
fn xml_streamed(xml: Option<junit::Xml>, size: u64, max: u64, path: &Path) -> Understood {
    match xml {
        Some(doc) if !doc.over_cap => detect::xml_read(doc, context(path).hint),
        _ => Understood::Invalid(format!(
            "the file is {size} bytes, over `max-parse-bytes` ({max}), so it is read as a stream, and one XML event in it (a tag, a run of text) is over {} bytes; raise `max-parse-bytes` in [workspace.metadata.release-gate] to read it whole",
            junit::MAX_EVENT_BYTES
        )),
    }
}

/// A reader that hands what it reads to a line splitter too.
struct Tee<'a, 'b> {
    inner: &'a mut dyn io::Read,
    split: &'a mut release_gate_scan::lines::Lines,
    each: release_gate_scan::lines::Each<'b>,
}

impl io::Read for Tee<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.split.feed(buf.get(..n).unwrap_or_default(), self.each);
        Ok(n)
    }
}

fn unreadable(why: String) -> ReadResult {
    unread(Content::Unreadable(why))
}

/// A file that was not read: no size, no digest.
fn unread(content: Content) -> ReadResult {
    ReadResult { bytes: None, sha256: None, content }
}

/// The skeleton reader found a UTF-16 byte order mark.
fn utf16(tool: &Result<serde_json::Value, serde_json::Error>) -> bool {
    tool.as_ref().err().is_some_and(|e| e.to_string().starts_with(skeleton::UTF16))
}

fn streamed(parsed: Result<Evidence, String>, size: u64, max: u64, utf16: bool) -> Understood {
    let limit = format!(
        "the file is {size} bytes, over `max-parse-bytes` ({max}), so only the formats read as a stream are read from it, in bounded memory (the gate's own evidence JSON, SARIF, CycloneDX, SPDX, cargo-audit JSON, JUnit XML and cargo-deny's JSON lines)"
    );
    if utf16 {
        return Understood::Invalid(format!(
            "{limit}, and it is UTF-16 (decoded only in memory); write it as UTF-8, or raise `max-parse-bytes` in [workspace.metadata.release-gate]"
        ));
    }
    match parsed {
        Ok(ev) if ev.own_format => Understood::Evidence(Box::new(Judged {
            format: "evidence",
            outcome: Outcome { reasons: ev.reasons.clone(), ..Outcome::default() },
            claims: ev.claims.clone(),
            stub: ev.stub,
            own: Some(ev),
        })),
        Ok(_) => Understood::Invalid(format!(
            "{limit}, and it is none of them; raise `max-parse-bytes` in [workspace.metadata.release-gate] to read another format this large"
        )),
        Err(why) => Understood::Invalid(format!("{why} ({limit})")),
    }
}

/// Why a path that is not a regular file is not read.
fn not_a_file(path: &Path, meta: &fs::Metadata) -> String {
    if !meta.is_dir() {
        return not_regular(meta);
    }
    // Collection hands over a folder only when it could not be listed, or
    // when it was named with `--artifact` and holds no evidence file.
    match fs::read_dir(path) {
        Err(e) => format!("it is a folder that cannot be listed: {e}"),
        Ok(_) => format!(
            "it is a folder, not a regular file, and no evidence file ({}) was found in it",
            paths::EXTENSIONS.iter().map(|e| format!("`.{e}`")).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Opens `path` for reading without blocking on a FIFO or taking a
/// terminal (on Linux, where `O_NONBLOCK` has no effect on regular files);
/// `no_follow`: a symlink is an error. Elsewhere a plain open, after the
/// `stat` check.
fn open_nonblocking(path: &Path, no_follow: bool) -> io::Result<File> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    if open_flags::NEVER_BLOCKS {
        use std::os::unix::fs::OpenOptionsExt;
        let follow = if no_follow { open_flags::O_NOFOLLOW } else { 0 };
        options.custom_flags(open_flags::O_NONBLOCK | open_flags::O_NOCTTY | follow);
    }
    #[cfg(not(unix))]
    let _ = no_follow;
    options.open(path)
}

/// The open flags of the Linux ABI (std has no names for them, and `libc`
/// would be a dependency for three numbers), used only on the
/// architectures whose values these are.
#[cfg_attr(not(unix), allow(dead_code))]
mod open_flags {
    /// Opening cannot block here: a FIFO is opened with `O_NONBLOCK`.
    /// Elsewhere every file is `stat`ed before it is opened.
    pub const NEVER_BLOCKS: bool = cfg!(all(
        target_os = "linux",
        any(
            target_arch = "x86",
            target_arch = "x86_64",
            target_arch = "arm",
            target_arch = "aarch64",
            target_arch = "riscv64",
            target_arch = "s390x",
            target_arch = "loongarch64"
        )
    ));
    pub const O_NONBLOCK: i32 = 0o4000;
    pub const O_NOCTTY: i32 = 0o400;
    pub const O_NOFOLLOW: i32 =
        if cfg!(any(target_arch = "arm", target_arch = "aarch64")) { 0o100000 } else { 0o400000 };
}

/// What the format rules need to know about a file's neighbours.
fn context(path: &Path) -> Context {
    let is_estimates = path.file_name().is_some_and(|n| n == "estimates.json");
    let change =
        path.parent().and_then(Path::parent).map(|bench| bench.join("change/estimates.json"));
    // The format its name promises: a `.sarif` that is not SARIF is invalid.
    let hint = detect::hint(&path.file_name().unwrap_or_default().to_string_lossy());
    Context { has_criterion_change: is_estimates && change.is_some_and(|c| c.is_file()), hint }
}

/// The size and sha256 of a regular file, streamed: the same open as
/// [`read_regular`] (never blocks, a FIFO or device is refused), without a
/// size limit since nothing is kept in memory.
pub fn hash_file(path: &Path) -> Result<(u64, String), FileError> {
    let mut file = open_regular(path)?;
    let hashed = hash::hash_reader(&mut file);
    hash::close(file);
    hashed.map_err(|e| FileError::Refused(format!("cannot read it: {e}")))
}

/// The size limits of the files the gate reads whole that are not evidence
/// (evidence has `max-parse-bytes` and streaming): over its limit a file is
/// refused, never read into memory.
pub mod limits {
    /// `--baseline`: a previous `production_maturity.json`.
    pub const BASELINE: u64 = 64 * 1024 * 1024;
    /// `release-gate-waivers.toml`.
    pub const WAIVERS: u64 = 1024 * 1024;
    /// `artifact_index.json`, which `verify` reads (one entry per input).
    pub const INDEX: u64 = 256 * 1024 * 1024;
    /// `SHA256SUMS`, which `verify` reads (six lines).
    pub const SUMS: u64 = 64 * 1024;
    /// `production_maturity.json`, which `--explain` reads.
    pub const REPORT: u64 = 256 * 1024 * 1024;
}

/// Why a file that is not evidence could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum FileError {
    NotFound,
    /// It exists and is refused or failed: the reason, worded as for evidence.
    Refused(String),
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileError::NotFound => f.write_str("it does not exist"),
            FileError::Refused(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for FileError {}

/// The one reader for every file the gate opens that is not evidence (the
/// baseline, the waivers file, the files `verify` and `--explain` read):
/// regular files only (a FIFO, a device, a folder, a symlink to one of them
/// is refused without blocking: opened with `O_NONBLOCK`, then `fstat`), and
/// at most `limit` bytes (checked on the size, and again on what is read:
/// a file that grows meanwhile is refused too).
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    let file = open_regular(path)?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let over = |size: u64| {
        FileError::Refused(format!(
            "it is {size} bytes, over the limit of {limit} bytes for this file; a file this large is not what the gate wrote"
        ))
    };
    if size > limit {
        return Err(over(size));
    }
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let read = file.take(limit.saturating_add(1)).read_to_end(&mut buf);
    match read {
        Ok(n) if n as u64 > limit => Err(over(n as u64)),
        Ok(_) => Ok(buf),
        Err(e) => Err(FileError::Refused(format!("cannot read it: {e}"))),
    }
}

/// One of the gate's own JSON outputs (or a previous run's), read with
/// [`read_regular`] into its type: a file that does not parse is refused.
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, limit: u64) -> Result<T, FileError> {
    let bytes = read_regular(path, limit)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| FileError::Refused(format!("it is not what the gate writes: {e}")))
}

/// Opens `path` (following symlinks) for reading without blocking, and
/// keeps it only when what was opened is a regular file.
fn open_regular(path: &Path) -> Result<File, FileError> {
    if !open_flags::NEVER_BLOCKS {
        // Where opening could block, `stat` first.
        match fs::metadata(path) {
            Ok(meta) if meta.is_file() => {}
            Ok(meta) => return Err(FileError::Refused(not_regular(&meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(FileError::NotFound),
            Err(e) => return Err(FileError::Refused(format!("cannot read it: {e}"))),
        }
    }
    let file = match open_nonblocking(path, false) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(FileError::NotFound),
        Err(e) => return Err(FileError::Refused(format!("cannot open it: {e}"))),
    };
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok(file),
        Ok(meta) => Err(FileError::Refused(not_regular(&meta))),
        Err(e) => Err(FileError::Refused(format!("cannot read it: {e}"))),
    }
}

/// What a file that is not regular is, in the words used for evidence.
fn not_regular(meta: &fs::Metadata) -> String {
    if meta.is_dir() {
        "it is a folder, not a regular file".to_string()
    } else {
        "it is a special file (FIFO, socket or device), not a regular file".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ReadPolicy {
        ReadPolicy { formats: FormatPolicy::default(), max_parse_bytes: 1 << 20 }
    }

    fn why(result: &ReadResult) -> &str {
        match &result.content {
            Content::Unreadable(why) => why,
            other => panic!("expected unreadable, got {other:?}"),
        }
    }

    /// The second scan reads the opened file from its start, and is about
    /// the document the gate read only when the digest is the same and it
    /// could be read.
    #[test]
    fn a_second_scan_is_the_same_bytes_or_it_says_not() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("evidence.json");
        let doc = r#"{"status": "failed", "domain": "security"}"#;
        fs::write(&path, doc).unwrap();
        let mut file = File::open(&path).unwrap();
        io::Read::read_to_end(&mut file, &mut Vec::new()).unwrap();
        let sha256 = hash::sha256_hex(doc.as_bytes());
        let (evidence, failed) = scan_again(&file, &sha256);
        assert_eq!(failed, None);
        let evidence = evidence.unwrap();
        assert!(evidence.own_format && !evidence.reasons.is_empty(), "{evidence:?}");
        // Rewritten in place since the first read: another digest.
        fs::write(&path, r#"{"status": "passed", "domain": "security"}"#).unwrap();
        let (evidence, failed) = scan_again(&file, &sha256);
        assert_eq!(failed, Some(Again::Changed));
        assert!(evidence.is_ok_and(|ev| ev.reasons.is_empty()));
        // A handle that cannot be read (opened for writing only).
        let write_only = fs::OpenOptions::new().write(true).open(&path).unwrap();
        let (evidence, failed) = scan_again(&write_only, &sha256);
        let Some(Again::Unreadable(why)) = failed else { panic!("{failed:?}") };
        assert!(why.starts_with("cannot read it again (for the gate's own evidence scan): "));
        assert_eq!(evidence, Err(why));
    }

    /// A file discovery listed as regular and swapped before it is read: for
    /// a FIFO (opening it must not block) or a symlink (not followed: it
    /// could lead out of the evidence tree), refused with what it is now.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_listed_file_swapped_for_a_fifo_or_a_symlink_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("evidence.json");
        fs::write(&file, r#"{"status": "passed"}"#).unwrap();
        let read = read_one(&file, true, &policy());
        assert_eq!(read.bytes, Some(20));
        assert!(matches!(read.content, Content::Read(_)), "{read:?}");

        let fifo = tmp.path().join("fifo.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let read = read_one(&fifo, true, &policy());
            assert_eq!(
                why(&read),
                "it is a special file (FIFO, socket or device), not a regular file"
            );
        } else {
            eprintln!("notice: `mkfifo` is not available: the FIFO part is skipped");
        }

        let link = tmp.path().join("link.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        let read = read_one(&link, true, &policy());
        assert_eq!(why(&read), "it was replaced by a symlink after discovery listed it as a file");
        // Not listed (an explicit `--artifact`, or found through a symlink):
        // followed, as before.
        assert!(matches!(read_one(&link, false, &policy()).content, Content::Read(_)));
        assert!(matches!(
            read_one(&tmp.path().join("gone.json"), true, &policy()).content,
            Content::NotFound
        ));
    }
}
