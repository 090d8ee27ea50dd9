//! The lines of a stream, one at a time, each at most a cap long: the JSON
//! lines readers (cargo-deny's records) see a file over `max-parse-bytes`
//! line by line, in bounded memory. The newline search runs here, optimized
//! in the dev profile.

#![deny(clippy::arithmetic_side_effects)]

/// Splits the bytes fed to it into lines (without their `\n`).
#[derive(Debug)]
pub struct Lines {
    cap: usize,
    /// The start of a line that the bytes fed so far have not ended.
    pending: Vec<u8>,
    /// A line went over the cap, or the reader asked to stop: nothing more
    /// is split.
    stopped: bool,
    /// A line went over the cap.
    pub over_cap: bool,
}

/// What a line reader is handed: a line (without its `\n`), and whether a
/// `\n` ended it (the last line of a file may end without one). It returns
/// whether to go on.
pub type Each<'e> = &'e mut dyn FnMut(&[u8], bool) -> bool;

impl Lines {
    pub fn new(cap: usize) -> Self {
        Lines { cap, pending: Vec::new(), stopped: false, over_cap: false }
    }

    /// Splits `bytes`, the stream's next bytes, handing each line it ends to
    /// `each`.
    pub fn feed(&mut self, mut bytes: &[u8], each: Each<'_>) {
        while !self.stopped && !bytes.is_empty() {
            let Some(end) = memchr::memchr(b'\n', bytes) else {
                self.hold(bytes);
                return;
            };
            let (line, rest) = bytes.split_at(end);
            bytes = rest.get(1..).unwrap_or_default();
            if self.pending.is_empty() {
                self.stopped = self.over(line.len()) || !each(line, true);
            } else {
                self.hold(line);
                let line = std::mem::take(&mut self.pending);
                self.stopped = self.stopped || !each(&line, true);
            }
        }
    }

    /// Nothing more is split.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// The end of the stream: the last line, when no `\n` ended it.
    pub fn finish(&mut self, each: Each<'_>) {
        if !self.stopped && !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.stopped = !each(&line, false);
        }
    }

    fn hold(&mut self, bytes: &[u8]) {
        if !self.over(self.pending.len().saturating_add(bytes.len())) {
            self.pending.extend_from_slice(bytes);
        }
    }

    /// A line of `len` bytes is over the cap: stop, and say so.
    fn over(&mut self, len: usize) -> bool {
        if len > self.cap {
            self.over_cap = true;
            self.stopped = true;
            self.pending = Vec::new();
        }
        self.over_cap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]], cap: usize) -> (Vec<(String, bool)>, bool) {
        let mut lines = Lines::new(cap);
        let mut out = Vec::new();
        let mut each = |line: &[u8], ended: bool| {
            out.push((String::from_utf8_lossy(line).into_owned(), ended));
            true
        };
        for chunk in chunks {
            lines.feed(chunk, &mut each);
        }
        lines.finish(&mut each);
        (out, lines.over_cap)
    }

    #[test]
    fn lines_across_chunks_and_the_cap() {
        let (lines, over) = split(&[b"ab\ncd", b"ef\n\ngh"], 10);
        assert!(!over);
        let want = [("ab", true), ("cdef", true), ("", true), ("gh", false)];
        assert_eq!(lines, want.map(|(l, e)| (l.to_string(), e)));
        let (lines, over) = split(&[b"ab\ncd", b"efgh", b"ij\nkl\n"], 5);
        assert!(over);
        assert_eq!(lines, [("ab".to_string(), true)]);
        let (lines, over) = split(&[b"abcdefgh\nx"], 5);
        assert!(over);
        assert!(lines.is_empty());
    }
}
