//! Stage 2, read and hash: each artifact is read once, its bytes hashed while
//! the format stage parses the same read. Files are spread over the cores and
//! the results come back in input order.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::evidence::{self, Evidence};

/// What reading one artifact gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadResult {
    pub bytes: Option<u64>,
    pub sha256: Option<String>,
    pub content: Content,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// The file does not exist.
    NotFound,
    /// It exists but cannot be read as a file (permissions, a folder, a FIFO).
    Unreadable(String),
    /// It was read but is not an evidence document (with the position).
    Invalid(String),
    Evidence(Evidence),
}

/// Reads every path, in parallel, keeping the order of `paths`.
pub fn read_all(paths: &[&Path]) -> Vec<ReadResult> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<ReadResult>>> = Mutex::new(vec![None; paths.len()]);
    let workers =
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(paths.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else { break };
                let result = read_one(path);
                if let Ok(mut results) = results.lock() {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(result);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or(ReadResult {
                bytes: None,
                sha256: None,
                content: Content::Unreadable("the reader thread failed".to_string()),
            })
        })
        .collect()
}

pub fn read_one(path: &Path) -> ReadResult {
    let unreadable =
        |why: String| ReadResult { bytes: None, sha256: None, content: Content::Unreadable(why) };
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return ReadResult { bytes: None, sha256: None, content: Content::NotFound }
        }
        Err(e) => return unreadable(format!("cannot read it: {e}")),
    };
    if !meta.is_file() {
        let kind =
            if meta.is_dir() { "a folder" } else { "a special file (FIFO, socket or device)" };
        return unreadable(format!("it is {kind}, not a regular file"));
    }
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) => return unreadable(format!("cannot open it: {e}")),
    };
    let mut tee = HashingReader { inner: file, hasher: Sha256::new(), bytes: 0 };
    let parsed = evidence::parse(&mut tee);
    // The parser may stop early (an error, or trailing whitespace it did not
    // need): the digest covers every byte all the same.
    if let Err(e) = io::copy(&mut tee, &mut io::sink()) {
        return unreadable(format!("cannot read it to the end: {e}"));
    }
    let sha256 = hex(&tee.hasher.finalize());
    let content = match parsed {
        Ok(evidence) => Content::Evidence(evidence),
        Err(why) => Content::Invalid(why),
    };
    ReadResult { bytes: Some(tee.bytes), sha256: Some(sha256), content }
}

/// Passes bytes through while hashing and counting them.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = buf.get(..n).unwrap_or_default();
        self.hasher.update(read);
        self.bytes += n as u64;
        Ok(n)
    }
}

pub fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    digest.iter().fold(String::with_capacity(digest.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}
