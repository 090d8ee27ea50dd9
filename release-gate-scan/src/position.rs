//! A buffered reader that knows where it is: the line and column (in
//! characters) of any offset since its last mark, for the messages of a
//! reader that sees a stream once (XML over `max-parse-bytes`), and a cap on
//! what one mark may span, so one event cannot take the memory. The
//! counting runs here, optimized in the dev profile.

#![deny(clippy::arithmetic_side_effects)]

use std::io::{self, BufRead, Read};

/// Bytes counted at once (at a mark), not event by event: one pass at
/// SIMD speed instead of a short count per event.
const BLOCK: usize = 1 << 16;

/// 1-based line and column (in characters) of a byte offset into `text`.
pub fn line_column(text: &str, offset: u64) -> (usize, usize) {
    let offset = usize::try_from(offset).unwrap_or(usize::MAX);
    let mut line: usize = 1;
    let mut column: usize = 1;
    for (i, c) in text.char_indices() {
        if i >= offset {
            break;
        }
        if c == '\n' {
            line = line.saturating_add(1);
            column = 1;
        } else {
            column = column.saturating_add(1);
        }
    }
    (line, column)
}

/// `inner`, counted.
#[derive(Debug)]
pub struct Counted<R> {
    inner: R,
    cap: usize,
    consumed: u64,
    /// Line and column of the first byte of `pending`.
    line: usize,
    column: usize,
    /// The bytes read and not counted yet: those before the last mark
    /// (`pending[..marked]`, counted once over [`BLOCK`] bytes), and those
    /// since it.
    pending: Vec<u8>,
    marked: usize,
    /// Where the last mark was.
    mark: u64,
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
            pending: Vec::new(),
            marked: 0,
            mark: 0,
            over_cap: false,
        }
    }

    /// The next read starts a new span: positions from here on.
    pub fn mark(&mut self) {
        self.mark = self.consumed;
        if self.pending.len() >= BLOCK {
            (self.line, self.column) = advance(&self.pending, self.line, self.column);
            self.pending.clear();
        }
        self.marked = self.pending.len();
    }

    /// The 1-based line and column (in characters) of `offset`, a byte
    /// offset at or after the last mark (an earlier one counts as the mark).
    pub fn line_column(&self, offset: u64) -> (usize, usize) {
        let (before, since) = self.pending.split_at(self.marked.min(self.pending.len()));
        let (line, column) = advance(before, self.line, self.column);
        let n = usize::try_from(offset.saturating_sub(self.mark)).unwrap_or(usize::MAX);
        advance(since.get(..n).unwrap_or(since), line, column)
    }
}

/// The line and column after `bytes`, from `line` and `column`.
fn advance(bytes: &[u8], line: usize, column: usize) -> (usize, usize) {
    // Not `filter().count()`: its checked additions are not vectorized.
    let chars =
        |b: &[u8]| b.iter().fold(0usize, |n, &b| n.wrapping_add(usize::from((b as i8) >= -0x40)));
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
        if self.pending.len().saturating_sub(self.marked) > self.cap {
            self.over_cap = true;
            return Err(io::Error::other(format!("over {} bytes in one piece", self.cap)));
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, n: usize) {
        if let Ok(bytes) = self.inner.fill_buf() {
            let bytes = bytes.get(..n).unwrap_or(bytes);
            self.pending.extend_from_slice(bytes);
            self.consumed = self.consumed.saturating_add(bytes.len() as u64);
        }
        self.inner.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé\nx", 0), (1, 1));
        assert_eq!(line_column("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_column("ab\ncé\nx", 7), (3, 1));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

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

    /// Counted a block at a time, positions stay exact past many blocks.
    #[test]
    fn positions_past_many_blocks() {
        let text: String = (0..40_000)
            .map(|i| if i % 7 == 0 { "é\n".to_string() } else { format!("ab{i}") })
            .collect();
        let bytes = text.as_bytes();
        let naive = |offset: usize| {
            let before = &bytes[..offset];
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
            (line, 1 + std::str::from_utf8(&before[start..]).unwrap().chars().count())
        };
        let mut counted = Counted::new(io::BufReader::with_capacity(1000, bytes), 1 << 20);
        let mut at = 0;
        for step in [1usize, 17, 300, 5000].iter().cycle() {
            if at + step + 3 > bytes.len() {
                break;
            }
            counted.mark();
            let mut piece = vec![0u8; *step + 3];
            counted.read_exact(&mut piece).unwrap();
            if text.is_char_boundary(at + step) {
                assert_eq!(counted.line_column((at + step) as u64), naive(at + step));
            }
            at += step + 3;
        }
        assert!(at > 3 * BLOCK);
    }
}
