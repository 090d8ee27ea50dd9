//! The lines of a stream, one at a time, each at most a cap long: the JSON
//! lines readers (cargo-deny's records) see a file over `max-parse-bytes`
//! line by line, in bounded memory. The newline search runs here, optimized
//! in the dev profile.
//!
//! Every streamed file goes through the splitter, most of them one-line
//! JSON documents of another format (the gate's own evidence, SARIF): so a
//! line longer than a prefix must start as the reader's lines can
//! ([`Lines::holding`]), or the splitter gives up at once, before holding
//! it up to the cap.

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
    /// A line went over `prefix` bytes and its first `prefix` bytes failed
    /// `starts`.
    pub gave_up: bool,
    prefix: usize,
    starts: fn(&[u8]) -> bool,
}

/// What a line reader is handed: a line (without its `\n`), and whether a
/// `\n` ended it (the last line of a file may end without one). It returns
/// whether to go on.
pub type Each<'e> = &'e mut dyn FnMut(&[u8], bool) -> bool;

impl Lines {
    pub fn new(cap: usize) -> Self {
        let starts = |_: &[u8]| true;
        Lines {
            cap,
            pending: Vec::new(),
            stopped: false,
            over_cap: false,
            gave_up: false,
            prefix: cap,
            starts,
        }
    }

    /// A line longer than `prefix` bytes is split only when `starts` accepts
    /// its first `prefix` bytes; otherwise the splitter stops there
    /// ([`Lines::gave_up`]), whatever the chunks.
    pub fn holding(self, prefix: usize, starts: fn(&[u8]) -> bool) -> Self {
        Lines { prefix: prefix.min(self.cap), starts, ..self }
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
                self.stopped =
                    self.over(line.len()) || self.refused(line.len(), line) || !each(line, true);
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
        let len = self.pending.len().saturating_add(bytes.len());
        if self.over(len) {
            return;
        }
        // The line crosses the prefix now: its first `prefix` bytes decide.
        if self.pending.len() <= self.prefix && len > self.prefix {
            let head = self.prefix.saturating_sub(self.pending.len());
            self.pending.extend_from_slice(bytes.get(..head).unwrap_or(bytes));
            let pending = std::mem::take(&mut self.pending);
            if !self.refused(len, &pending) {
                self.pending = pending;
                self.pending.extend_from_slice(bytes.get(head..).unwrap_or_default());
            }
            return;
        }
        self.pending.extend_from_slice(bytes);
    }

    /// A line of `len` bytes starting with `line` is over the prefix and
    /// does not start as it must: stop, and say so.
    fn refused(&mut self, len: usize, line: &[u8]) -> bool {
        if len > self.prefix && !(self.starts)(line.get(..self.prefix).unwrap_or(line)) {
            self.gave_up = true;
            self.stopped = true;
            self.pending = Vec::new();
        }
        self.gave_up
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
        split_with(chunks, Lines::new(cap)).0
    }

    fn split_with(chunks: &[&[u8]], mut lines: Lines) -> ((Vec<(String, bool)>, bool), Lines) {
        let mut out = Vec::new();
        let mut each = |line: &[u8], ended: bool| {
            out.push((String::from_utf8_lossy(line).into_owned(), ended));
            true
        };
        for chunk in chunks {
            lines.feed(chunk, &mut each);
        }
        lines.finish(&mut each);
        let over = lines.over_cap;
        ((out, over), lines)
    }

    /// Past the prefix, a line that does not start as it must stops the
    /// splitter, whichever way the chunks cut it, and nothing of it is held
    /// past the prefix; a line that does is split as before.
    #[test]
    fn a_long_line_that_cannot_be_read_stops_the_splitter_early() {
        let starts = |head: &[u8]| head.starts_with(b"{\"type\"");
        let good = b"{\"type\":\"x\"}".as_slice();
        let text = [good, b"\n", b"{\"status\":\"passed\",\"results\":[]}\n", good].concat();
        for cut in 0..text.len() {
            let (a, b) = text.split_at(cut);
            let ((lines, over), split) = split_with(&[a, b], Lines::new(100).holding(8, starts));
            assert_eq!(lines, [(String::from_utf8(good.to_vec()).unwrap(), true)], "{cut}");
            assert!(split.gave_up && split.stopped() && !over, "{cut}");
            assert!(split.pending.capacity() == 0, "{cut}");
        }
        // Held up to the prefix only, one byte at a time.
        let mut split = Lines::new(100).holding(8, starts);
        for byte in b"{\"status\":1" {
            split.feed(&[*byte], &mut |_, _| true);
            assert!(split.pending.len() <= 8);
        }
        assert!(split.gave_up);
        // A line within the prefix, or one that starts as it must, is read.
        let text = [b"{}\n".as_slice(), good, b"\n", good].concat();
        for cut in 0..text.len() {
            let (a, b) = text.split_at(cut);
            let ((lines, over), split) = split_with(&[a, b], Lines::new(100).holding(8, starts));
            assert_eq!(lines.len(), 3, "{cut}");
            assert!(!split.gave_up && !over, "{cut}");
        }
        // The cap still applies to a line that starts as it must.
        let long = [good, &[b' '; 200]].concat();
        let ((lines, over), split) = split_with(&[&long], Lines::new(100).holding(8, starts));
        assert!(lines.is_empty() && over && !split.gave_up);
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
