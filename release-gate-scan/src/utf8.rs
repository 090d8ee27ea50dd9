//! UTF-8 checked chunk by chunk, as JSON requires, with the offset of the
//! first bad byte. A sequence split across chunks is carried over, so the
//! check holds for any chunk size.

#![deny(clippy::arithmetic_side_effects)]

/// A UTF-8 byte order mark (skipped at the start of a document).
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The message for a document that is not UTF-8.
pub fn message(at: u64) -> String {
    format!("invalid UTF-8 at byte offset {at}")
}

#[derive(Debug, Default)]
pub struct Utf8 {
    /// Bytes seen so far.
    offset: u64,
    /// The start of a sequence the previous chunk split.
    pending: Vec<u8>,
    error: Option<u64>,
}

impl Utf8 {
    pub fn new() -> Utf8 {
        Utf8::default()
    }

    /// The offset of the first byte that is not UTF-8, once found.
    pub fn error(&self) -> Option<u64> {
        self.error
    }

    /// Checks the next chunk (a no-op once an error was found).
    pub fn feed(&mut self, mut chunk: &[u8]) {
        let start = self.offset;
        self.offset = self.offset.saturating_add(chunk.len() as u64);
        if self.error.is_some() {
            return;
        }
        let mut at = start;
        // Complete a sequence that the previous chunk split.
        while !self.pending.is_empty() {
            let Some((&b, rest)) = chunk.split_first() else { return };
            self.pending.push(b);
            chunk = rest;
            at = at.saturating_add(1);
            match std::str::from_utf8(&self.pending) {
                Ok(_) => self.pending.clear(),
                Err(e) if e.error_len().is_none() && self.pending.len() < 4 => {}
                Err(_) => {
                    self.error = Some(at.saturating_sub(self.pending.len() as u64));
                    return;
                }
            }
        }
        if let Err(e) = std::str::from_utf8(chunk) {
            match e.error_len() {
                Some(_) => self.error = Some(at.saturating_add(e.valid_up_to() as u64)),
                None => {
                    self.pending.extend_from_slice(chunk.get(e.valid_up_to()..).unwrap_or_default())
                }
            }
        }
    }

    /// The end of the input: a sequence left open is an error.
    pub fn finish(&mut self) {
        if self.error.is_none() && !self.pending.is_empty() {
            self.error = Some(self.offset.saturating_sub(self.pending.len() as u64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(doc: &[u8], size: usize) -> Option<u64> {
        let mut utf8 = Utf8::new();
        for chunk in doc.chunks(size) {
            utf8.feed(chunk);
        }
        utf8.finish();
        utf8.error()
    }

    #[test]
    fn any_chunk_size_gives_the_same_offset() {
        let good = "ünïcødé ✓ 𝄞 plain".as_bytes();
        let mut bad = good.to_vec();
        bad.insert(9, 0xff);
        let truncated = &good[..good.len() - 7];
        for size in 1..8 {
            assert_eq!(check(good, size), None);
            assert_eq!(check(&bad, size), Some(9), "size {size}");
            assert_eq!(check(truncated, size), Some(16), "size {size}");
            assert_eq!(check(b"ab\xe2\x9c", size), Some(2), "size {size}");
        }
    }
}
