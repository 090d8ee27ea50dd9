//! A buffered reader that knows where it is: the line and column (in
//! characters) of any offset since its last mark, for the messages of a
//! reader that sees a stream once (XML over `max-parse-bytes`), and a cap on
//! what one mark may span, so one event cannot take the memory. The
//! counting runs here, optimized in the dev profile.

#![deny(clippy::arithmetic_side_effects)]

use std::io::{self, BufRead, Read};

/// `inner`, counted.
#[derive(Debug)]
pub struct Counted<R> {
    inner: R,
    cap: usize,
    consumed: u64,
    /// Line and column of the next byte.
    line: usize,
    column: usize,
    /// Where the last mark was, and the bytes since.
    mark: (u64, usize, usize),
    since: Vec<u8>,
    /// What was read since the last mark went over the cap.
    pub over_cap: bool,
}

impl<R: BufRead> Counted<R> {
    pub fn new(inner: R, cap: usize) -> Self {
        Counted {
            inner,
            cap,
            consumed: 0,
            line: 1,
            column: 1,
            mark: (0, 1, 1),
            since: Vec::new(),
            over_cap: false,
        }
    }

    /// The next read starts a new span: positions from here on.
    pub fn mark(&mut self) {
        self.mark = (self.consumed, self.line, self.column);
        self.since.clear();
    }

    /// The 1-based line and column (in characters) of `offset`, a byte
    /// offset at or after the last mark (an earlier one counts as the mark).
    pub fn line_column(&self, offset: u64) -> (usize, usize) {
        let (at, line, column) = self.mark;
        let n = usize::try_from(offset.saturating_sub(at)).unwrap_or(usize::MAX);
        let bytes = self.since.get(..n).unwrap_or(&self.since);
        advance(bytes, line, column)
    }
}

/// The line and column after `bytes`, from `line` and `column`.
fn advance(bytes: &[u8], line: usize, column: usize) -> (usize, usize) {
    let chars = |b: &[u8]| b.iter().filter(|&&b| (b as i8) >= -0x40).count();
    match memchr::memrchr(b'\n', bytes) {
        None => (line, column.saturating_add(chars(bytes))),
        Some(last) => {
            let lines = memchr::memchr_iter(b'\n', bytes).count();
            let rest = bytes.get(last.saturating_add(1)..).unwrap_or_default();
            (line.saturating_add(lines), chars(rest).saturating_add(1))
        }
    }
}

impl<R: BufRead> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(buf.len());
            if let (Some(to), Some(from)) = (buf.get_mut(..n), available.get(..n)) {
                to.copy_from_slice(from);
            }
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counted<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.since.len() > self.cap {
            self.over_cap = true;
            return Err(io::Error::other(format!("over {} bytes in one piece", self.cap)));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if let Ok(bytes) = self.inner.fill_buf() {
            let bytes = bytes.get(..n).unwrap_or(bytes);
            (self.line, self.column) = advance(bytes, self.line, self.column);
            self.since.extend_from_slice(bytes);
            self.consumed = self.consumed.saturating_add(bytes.len() as u64);
        }
        self.inner.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_since_the_mark() {
        let text = "ab\ncé\nxyz".as_bytes();
        let mut counted = Counted::new(io::BufReader::with_capacity(2, text), 100);
        let mut first = [0u8; 4];
        counted.read_exact(&mut first).unwrap();
        counted.mark();
        assert_eq!(counted.line_column(4), (2, 2));
        let mut rest = Vec::new();
        counted.read_to_end(&mut rest).unwrap();
        assert_eq!(counted.line_column(5), (2, 3));
        assert_eq!(counted.line_column(7), (3, 1));
        assert_eq!(counted.line_column(99), (3, 4));
        let mut capped = Counted::new(io::BufReader::with_capacity(2, text), 3);
        assert!(capped.read_to_end(&mut Vec::new()).is_err());
        assert!(capped.over_cap);
    }
}
