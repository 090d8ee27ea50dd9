//! The streaming evidence scanner: a JSON reader that keeps the top-level
//! fields the gate decides on and skips everything else, chunk by chunk, in
//! bounded memory.
//!
//! It replaces `serde_json::Deserializer::from_reader` driving the evidence
//! visitors (`src/reference.rs`), which reads one byte per call and, being
//! generic, was compiled unoptimized into the xtask. The grammar, the order of
//! checks and every message and position are the same as that reader's: each
//! function below mirrors the `serde_json` function it is named after, and a
//! differential test compares the two on generated and mutated documents.
//!
//! Positions follow `serde_json`'s `IoRead`: the line and column after the
//! last byte the parser pulled, a byte it only peeked at included.

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::OnceLock;

use serde::de::{Expected, Unexpected};

use crate::evidence::{Check, Checks, Counted, Doc, Scalar, TOOL_MARKER_KEYS};

const EOF_WHILE_PARSING_LIST: &str = "EOF while parsing a list";
const EOF_WHILE_PARSING_OBJECT: &str = "EOF while parsing an object";
const EOF_WHILE_PARSING_STRING: &str = "EOF while parsing a string";
const EOF_WHILE_PARSING_VALUE: &str = "EOF while parsing a value";
const EXPECTED_COLON: &str = "expected `:`";
const EXPECTED_LIST_COMMA_OR_END: &str = "expected `,` or `]`";
const EXPECTED_OBJECT_COMMA_OR_END: &str = "expected `,` or `}`";
const EXPECTED_SOME_IDENT: &str = "expected ident";
const EXPECTED_SOME_VALUE: &str = "expected value";
const INVALID_ESCAPE: &str = "invalid escape";
const INVALID_NUMBER: &str = "invalid number";
const NUMBER_OUT_OF_RANGE: &str = "number out of range";
const INVALID_UNICODE_CODE_POINT: &str = "invalid unicode code point";
const CONTROL_CHARACTER: &str = "control character (\\u0000-\\u001F) found while parsing a string";
const KEY_MUST_BE_A_STRING: &str = "key must be a string";
const LONE_LEADING_SURROGATE: &str = "lone leading surrogate in hex escape";
const TRAILING_COMMA: &str = "trailing comma";
const TRAILING_CHARACTERS: &str = "trailing characters";
const UNEXPECTED_END_OF_HEX_ESCAPE: &str = "unexpected end of hex escape";
const RECURSION_LIMIT_EXCEEDED: &str = "recursion limit exceeded";

/// `serde_json`'s recursion limit: each array or object read through
/// `deserialize_any` takes one level, the document's own object included.
const RECURSION_LIMIT: u32 = 128;

/// Where the scanner's bytes come from, one chunk after another. An enum,
/// not a trait, so the scanner is compiled (and optimized) once.
pub enum Source<'a> {
    /// A document held in memory: a single chunk.
    Slice(&'a [u8]),
    /// Chunks from the thread that reads the file; each used chunk goes back
    /// to it for reuse.
    Channel { rx: Receiver<Vec<u8>>, back: Sender<Vec<u8>>, current: Vec<u8> },
    /// Chunks of a fixed size, the worst case for chunk boundaries (tests).
    #[cfg(test)]
    Chunks { rest: &'a [u8], size: usize, current: &'a [u8] },
}

impl Source<'_> {
    /// The current chunk (empty before the first and after the last).
    fn chunk(&self) -> &[u8] {
        match self {
            Source::Slice(data) => data,
            Source::Channel { current, .. } => current,
            #[cfg(test)]
            Source::Chunks { current, .. } => current,
        }
    }

    /// Moves to the next chunk; false at the end of the input.
    pub fn advance(&mut self) -> bool {
        match self {
            Source::Slice(data) => {
                *data = &[];
                false
            }
            Source::Channel { rx, back, current } => {
                let used = std::mem::take(current);
                if used.capacity() > 0 {
                    let _ = back.send(used);
                }
                match rx.recv() {
                    Ok(chunk) => {
                        *current = chunk;
                        true
                    }
                    Err(_) => false,
                }
            }
            #[cfg(test)]
            Source::Chunks { rest, size, current } => {
                let n = (*size).min(rest.len());
                (*current, *rest) = rest.split_at(n);
                n > 0
            }
        }
    }

    /// Loads the first chunk when there is none yet; how many bytes of byte
    /// order mark it starts with (to skip).
    pub fn start(&mut self) -> usize {
        if self.chunk().is_empty() && !self.advance() {
            return 0;
        }
        if self.chunk().starts_with(crate::evidence::UTF8_BOM) {
            crate::evidence::UTF8_BOM.len()
        } else {
            0
        }
    }
}

/// Fills `buf` from `reader` unless the stream ends first; the count read.
pub fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Reads one evidence document from `source`, whose first chunk starts
/// with `start` bytes to skip (a byte order mark).
pub(crate) fn parse(source: Source, start: usize) -> Result<Doc, String> {
    let mut scanner = Scanner::new(source, start);
    scanner.document().map_err(|e| crate::evidence::bounded(&e.into_message()))
}

/// An error with its position, or (from a visitor) without one yet: the
/// position is filled in where `serde_json` would fill it (`fix_position`).
enum Error {
    At(String),
    Custom(String),
}

impl Error {
    fn into_message(self) -> String {
        match self {
            Error::At(msg) | Error::Custom(msg) => msg,
        }
    }
}

/// What the visitors expect at the top level, for `invalid type` messages.
struct ExpectDocument;

impl Expected for ExpectDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object (the evidence document)")
    }
}

fn invalid_type(unexpected: Unexpected) -> String {
    <serde_json::Error as serde::de::Error>::invalid_type(unexpected, &ExpectDocument).to_string()
}

/// A JSON number as `serde_json` parses it (`ParserNumber`).
enum Num {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Num {
    fn invalid_type(self) -> String {
        match self {
            Num::U64(n) => invalid_type(Unexpected::Unsigned(n)),
            Num::I64(n) => invalid_type(Unexpected::Signed(n)),
            Num::F64(n) => invalid_type(Unexpected::Float(n)),
        }
    }
}

/// Which visitor reads a value: the gate's fields accept any JSON type and
/// record which one it was.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A value whose content is not needed (`Strict`).
    Skip,
    Scalar,
    Count,
    Checks,
    Check,
}

/// What a value turned out to be.
enum Any {
    Null,
    Bool(bool),
    Number,
    Str(String),
    Array(usize),
    Checks(Vec<Check>),
    Object,
    Check { name: Option<Scalar>, status: Option<Scalar>, detail: Option<Scalar> },
}

impl Any {
    fn kind(&self) -> &'static str {
        match self {
            Any::Null => "null",
            Any::Bool(_) => "a boolean",
            Any::Number => "a number",
            Any::Str(_) => "a string",
            Any::Array(_) | Any::Checks(_) => "an array",
            Any::Object | Any::Check { .. } => "an object",
        }
    }
}

/// How deep the fast path follows nesting before it leaves a value to the
/// exact path (one bit a level).
const FAST_DEPTH: u32 = 64;

/// The fast path of a skipped value: the length of the JSON value that
/// starts at `bytes[0]`, when that value is complete within `bytes`, valid as
/// `deserialize_any` reads it, and at most `max_depth` (and [`FAST_DEPTH`])
/// levels deep. It takes no repeated key (it leaves the object to the exact
/// path, which names it), no key with an escape or objects of more than
/// [`FAST_KEYS`] keys (to compare keys as written, in linear time), no `\u`
/// escape of an unpaired surrogate, and no number with an exponent or over 300
/// bytes (it could be out of range). Anything else, including every error, is
/// `None`, and the exact path (which mirrors `serde_json` and its messages)
/// reads the value instead. It may refuse more than it must, never less:
/// what it accepts, `serde_json` accepts.
#[inline]
fn skip_value(bytes: &[u8], max_depth: u32) -> Option<usize> {
    let max_depth = max_depth.min(FAST_DEPTH);
    let mut i = 0usize;
    // One bit per open container, innermost lowest: 1 for an object.
    let mut stack = 0u64;
    let mut depth = 0u32;
    // The keys of the open objects.
    let mut keys = Keys::new();
    loop {
        // A value starts at `i`.
        match *bytes.get(i)? {
            b'"' => i = skip_string(bytes, i + 1)?,
            b'-' | b'0'..=b'9' => i = skip_number(bytes, i)?,
            b't' => i = skip_literal(bytes, i, b"true")?,
            b'f' => i = skip_literal(bytes, i, b"false")?,
            b'n' => i = skip_literal(bytes, i, b"null")?,
            open @ (b'[' | b'{') => {
                if depth >= max_depth {
                    return None;
                }
                let object = open == b'{';
                stack = (stack << 1) | u64::from(object);
                depth += 1;
                if object {
                    keys.open(depth);
                }
                i = skip_ws(bytes, i + 1);
                match (object, *bytes.get(i)?) {
                    (false, b']') | (true, b'}') => {
                        i += 1;
                        stack >>= 1;
                        depth -= 1;
                    }
                    (true, b'"') => {
                        i = skip_key(bytes, i, depth, &mut keys)?;
                        continue;
                    }
                    (true, _) => return None,
                    (false, _) => continue,
                }
            }
            _ => return None,
        }
        // After a value: close containers, or go on to the next element.
        loop {
            if depth == 0 {
                return Some(i);
            }
            i = skip_ws(bytes, i);
            let object = stack & 1 == 1;
            match *bytes.get(i)? {
                b',' => {
                    i = skip_ws(bytes, i + 1);
                    if object {
                        if *bytes.get(i)? != b'"' {
                            return None;
                        }
                        i = skip_key(bytes, i, depth, &mut keys)?;
                    }
                    break;
                }
                b']' if !object => {}
                b'}' if object => {
                    keys.close(depth);
                }
                _ => return None,
            }
            i += 1;
            stack >>= 1;
            depth -= 1;
        }
    }
}

/// The most keys one object may have on the fast path.
const FAST_KEYS: usize = 64;

/// Skips `"key" :` and the white space after it; `bytes[i]` is the `"`.
/// `None` when the key has an escape or a control character, repeats a key
/// of its object, or is past the [`FAST_KEYS`]th.
#[inline(always)]
fn skip_key<'a>(bytes: &'a [u8], i: usize, depth: u32, keys: &mut Keys<'a>) -> Option<usize> {
    let rest = bytes.get(i + 1..)?;
    let len = find_string_end(rest)?;
    // The first byte that ends plain content must be the closing quote.
    if *rest.get(len)? != b'"' {
        return None;
    }
    keys.insert(rest.get(..len)?, depth)?;
    let i = skip_ws(bytes, i + 2 + len);
    if *bytes.get(i)? != b':' {
        return None;
    }
    Some(skip_ws(bytes, i + 1))
}

/// The keys of the objects open on the fast path, to refuse a repeated one.
/// Each open object also has a 64-bit filter of the keys it holds (a bit
/// picked by length and end bytes), so a new key is compared with the
/// object's other keys only when its bit is already set: with a handful of
/// keys per object, rarely.
struct Keys<'a> {
    /// The keys of the open objects, innermost last, with their depth.
    list: Vec<(u32, &'a [u8])>,
    /// Per depth: the filter and the key count of the object open there.
    objects: [(u64, u32); FAST_DEPTH as usize + 1],
}

impl<'a> Keys<'a> {
    fn new() -> Self {
        Keys { list: Vec::new(), objects: [(0, 0); FAST_DEPTH as usize + 1] }
    }

    #[inline(always)]
    fn open(&mut self, depth: u32) {
        if let Some(object) = self.objects.get_mut(depth as usize) {
            *object = (0, 0);
        }
    }

    #[inline(always)]
    fn close(&mut self, depth: u32) {
        while self.list.last().is_some_and(|(d, _)| *d >= depth) {
            self.list.pop();
        }
    }

    /// `None` when `key` repeats one of its object or is one too many.
    #[inline(always)]
    fn insert(&mut self, key: &'a [u8], depth: u32) -> Option<()> {
        let (filter, count) = self.objects.get_mut(depth as usize)?;
        if *count as usize >= FAST_KEYS {
            return None;
        }
        let first = key.first().copied().unwrap_or(0);
        let last = key.last().copied().unwrap_or(0);
        let bit = 1u64 << ((key.len() ^ usize::from(first) ^ (usize::from(last) << 2)) & 63);
        if *filter & bit != 0 {
            for (d, k) in self.list.iter().rev() {
                if *d != depth {
                    break;
                }
                if *k == key {
                    return None;
                }
            }
        }
        *filter |= bit;
        *count += 1;
        self.list.push((depth, key));
        Some(())
    }
}

/// Skips white space from `i`.
#[inline(always)]
fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| is_ws(b)) {
        i += 1;
    }
    i
}

/// Skips string content from `i` (after the opening `"`) through the closing `"`.
#[inline(always)]
fn skip_string(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i += find_string_end(bytes.get(i..)?)?;
        match *bytes.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *bytes.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                // `\uXXXX`: a surrogate must come as a high and low pair, as
                // `serde_json` requires; anything else goes to the exact path.
                b'u' => {
                    let unit = hex4(bytes, i + 2)?;
                    i += 6;
                    match unit {
                        0xD800..=0xDBFF => {
                            if bytes.get(i..i + 2)? != b"\\u" {
                                return None;
                            }
                            if !(0xDC00..=0xDFFF).contains(&hex4(bytes, i + 2)?) {
                                return None;
                            }
                            i += 6;
                        }
                        0xDC00..=0xDFFF => return None,
                        _ => {}
                    }
                }
                _ => return None,
            },
            _ => return None,
        }
    }
}

/// Four hex digits at `at`, as a UTF-16 code unit.
#[inline(always)]
fn hex4(bytes: &[u8], at: usize) -> Option<u16> {
    let digits = bytes.get(at..at + 4)?;
    let mut unit = 0u16;
    for &b in digits {
        let v = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => return None,
        };
        unit = (unit << 4) | u16::from(v);
    }
    Some(unit)
}

/// Skips a number from `i`; `None` when it is invalid or may go on past
/// `bytes` (the next chunk could hold more digits).
#[inline(always)]
fn skip_number(bytes: &[u8], mut i: usize) -> Option<usize> {
    let start = i;
    let digits = |bytes: &[u8], mut i: usize| {
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i > start)
    };
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match *bytes.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(bytes, i + 1).0,
        _ => return None,
    }
    if *bytes.get(i)? == b'.' {
        let (end, any) = digits(bytes, i + 1);
        if !any {
            return None;
        }
        i = end;
    }
    if matches!(*bytes.get(i)?, b'e' | b'E') || i - start > 300 {
        return None;
    }
    // A digit right after (`01`) is an error; the end of `bytes` may not be
    // the end of the number.
    match bytes.get(i) {
        Some(b) if !b.is_ascii_digit() => Some(i),
        _ => None,
    }
}

#[inline(always)]
fn skip_literal(bytes: &[u8], i: usize, word: &[u8]) -> Option<usize> {
    (bytes.get(i..i + word.len())? == word).then_some(i + word.len())
}

struct Scanner<'a> {
    feed: Source<'a>,
    /// The next byte of the current chunk.
    pos: usize,
    /// The offset of the current chunk in the stream.
    base: u64,
    /// The byte at `pos` has been pulled (peeked) by the parser.
    peeked: bool,
    /// Newlines before the current chunk.
    lines: u64,
    /// Where the line that is open at the start of the current chunk starts.
    line_start: u64,
    /// `serde_json`'s `remaining_depth`.
    remaining: u32,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

fn ends_str(b: u8) -> bool {
    b == b'"' || b == b'\\' || b < 0x20
}

/// The index of the first byte that ends a run of plain string content (a
/// `"`, a `\` or a control character), eight bytes at a time: a byte-wise
/// loop is most of the scanner's time on string-heavy documents.
#[inline(always)]
fn find_string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else { break };
        let w = u64::from_le_bytes(word);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // The lowest flagged byte is exact (borrows only run upwards).
        let hits = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w))
            & HIGH;
        if hits != 0 {
            return Some(offset + (hits.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    words.remainder().iter().position(|&b| ends_str(b)).map(|i| offset + i)
}

/// `serde_json`'s `overflow!(a * 10 + b, c)`.
fn overflows_u64(a: u64, b: u64) -> bool {
    a >= u64::MAX / 10 && (a > u64::MAX / 10 || b > u64::MAX % 10)
}

fn overflows_i32(a: i32, b: i32) -> bool {
    a >= i32::MAX / 10 && (a > i32::MAX / 10 || b > i32::MAX % 10)
}

fn pow10(exponent: usize) -> Option<f64> {
    static POW10: OnceLock<Vec<f64>> = OnceLock::new();
    POW10
        .get_or_init(|| (0..309).map(|i| format!("1e{i}").parse().unwrap_or(f64::NAN)).collect())
        .get(exponent)
        .copied()
}

fn decode_hex(b: u8) -> Option<u16> {
    char::from(b).to_digit(16).and_then(|d| u16::try_from(d).ok())
}

impl<'a> Scanner<'a> {
    fn new(feed: Source<'a>, start: usize) -> Self {
        Scanner {
            feed,
            pos: start,
            base: 0,
            peeked: false,
            lines: 0,
            line_start: start as u64,
            remaining: RECURSION_LIMIT,
        }
    }

    // ---- the byte source -------------------------------------------------

    /// Moves to the next non-empty chunk; false at the end. Requires the
    /// current chunk to be used up.
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> bool {
        if let Source::Slice(_) = self.feed {
            // The only chunk: it stays, and its lines are counted only if a
            // message needs a position.
            return false;
        }
        let chunk = self.feed.chunk();
        let len = chunk.len();
        self.lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        if let Some(i) = memchr::memrchr(b'\n', chunk) {
            self.line_start = self.base + i as u64 + 1;
        }
        self.base += len as u64;
        self.pos = 0;
        while self.feed.advance() {
            if !self.feed.chunk().is_empty() {
                return true;
            }
        }
        false
    }

    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        loop {
            if let Some(&b) = self.feed.chunk().get(self.pos) {
                self.peeked = true;
                return Some(b);
            }
            self.pos = self.feed.chunk().len();
            if !self.refill() {
                self.peeked = false;
                return None;
            }
        }
    }

    #[inline(always)]
    fn peek_or_null(&mut self) -> u8 {
        self.peek().unwrap_or(0)
    }

    /// Consumes the byte `peek` returned.
    #[inline(always)]
    fn eat(&mut self) {
        self.pos += 1;
        self.peeked = false;
    }

    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.eat();
        Some(b)
    }

    /// `serde_json`'s `parse_whitespace`: the next byte that is not white
    /// space, peeked, or `None` at the end.
    #[inline(always)]
    fn ws(&mut self) -> Option<u8> {
        // Most generated JSON has no white space between tokens.
        if let Some(&b) = self.feed.chunk().get(self.pos) {
            if !is_ws(b) {
                self.peeked = true;
                return Some(b);
            }
        }
        self.ws_slow()
    }

    #[inline(never)]
    fn ws_slow(&mut self) -> Option<u8> {
        loop {
            let chunk = self.feed.chunk();
            let rest = chunk.get(self.pos..).unwrap_or_default();
            if let Some(i) = rest.iter().position(|&b| !is_ws(b)) {
                self.pos += i;
                self.peeked = true;
                return rest.get(i).copied();
            }
            self.pos = chunk.len();
            if !self.refill() {
                self.peeked = false;
                return None;
            }
        }
    }

    /// Line and column after `pulled` bytes (within the current chunk).
    fn position(&self, pulled: u64) -> (u64, u64) {
        let chunk = self.feed.chunk();
        let upto = usize::try_from(pulled.saturating_sub(self.base)).unwrap_or(usize::MAX);
        let head = chunk.get(..upto).unwrap_or(chunk);
        let line = 1 + self.lines + memchr::memchr_iter(b'\n', head).count() as u64;
        let start = match memchr::memrchr(b'\n', head) {
            Some(i) => self.base + i as u64 + 1,
            None => self.line_start,
        };
        (line, pulled.saturating_sub(start))
    }

    fn pulled(&self) -> u64 {
        self.base + self.pos as u64 + u64::from(self.peeked)
    }

    /// `serde_json`'s `error` and `peek_error` (the same for `IoRead`).
    #[cold]
    #[inline(never)]
    fn error(&self, msg: &str) -> Error {
        Error::At(self.message(msg))
    }

    fn message(&self, msg: &str) -> String {
        let (line, column) = self.position(self.pulled());
        format!("{msg} at line {line} column {column}")
    }

    /// `fix_position`: a visitor's error gets the current position.
    fn fix(&self, err: Error) -> Error {
        match err {
            Error::Custom(msg) => Error::At(self.message(&msg)),
            at => at,
        }
    }

    // ---- the document ----------------------------------------------------

    fn document(&mut self) -> Result<Doc, Error> {
        let doc = match self.ws() {
            None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
            Some(b'{') => {
                self.descend()?;
                self.eat();
                let ret = self.doc_fields();
                self.remaining += 1;
                let end = self.end_map();
                match (ret, end) {
                    (Ok(doc), Ok(())) => doc,
                    (Err(e), _) | (_, Err(e)) => return Err(self.fix(e)),
                }
            }
            Some(_) => return Err(self.top_invalid_type()),
        };
        match self.ws() {
            Some(_) => Err(self.error(TRAILING_CHARACTERS)),
            None => Ok(doc),
        }
    }

    fn doc_fields(&mut self) -> Result<Doc, Error> {
        let mut doc = Doc::default();
        self.map_entries(|s, key| {
            s.colon()?;
            match key.as_str() {
                "status" => doc.status = Some(s.scalar()?),
                "passed" => doc.passed = Some(s.scalar()?),
                "domain" => doc.domain = Some(s.scalar()?),
                "provenance" => doc.provenance = Some(s.scalar()?),
                "generator" => doc.generator = Some(s.scalar()?),
                "release" => doc.release = Some(s.scalar()?),
                "commit" => doc.commit = Some(s.scalar()?),
                "generated_at" => doc.generated_at = Some(s.scalar()?),
                "blockers" => doc.blockers = Some(s.counted()?),
                "checks" => doc.checks = Some(s.checks()?),
                other => {
                    doc.tool_marker |= TOOL_MARKER_KEYS.contains(&other);
                    s.skip()?
                }
            }
            Ok(())
        })?;
        Ok(doc)
    }

    /// `peek_invalid_type` for the top level, which must be an object.
    #[cold]
    fn top_invalid_type(&mut self) -> Error {
        let msg = match self.peek_or_null() {
            b'n' => {
                self.eat();
                if let Err(e) = self.ident(b"ull") {
                    return e;
                }
                invalid_type(Unexpected::Unit)
            }
            b't' => {
                self.eat();
                if let Err(e) = self.ident(b"rue") {
                    return e;
                }
                invalid_type(Unexpected::Bool(true))
            }
            b'f' => {
                self.eat();
                if let Err(e) = self.ident(b"alse") {
                    return e;
                }
                invalid_type(Unexpected::Bool(false))
            }
            b'-' => {
                self.eat();
                match self.number(false) {
                    Ok(n) => n.invalid_type(),
                    Err(e) => return e,
                }
            }
            b'0'..=b'9' => match self.number(true) {
                Ok(n) => n.invalid_type(),
                Err(e) => return e,
            },
            b'"' => {
                self.eat();
                match self.parse_str() {
                    Ok(s) => invalid_type(Unexpected::Str(&s)),
                    Err(e) => return e,
                }
            }
            b'[' => invalid_type(Unexpected::Seq),
            b'{' => invalid_type(Unexpected::Map),
            _ => return self.error(EXPECTED_SOME_VALUE),
        };
        Error::At(self.message(&msg))
    }

    // ---- maps and sequences ---------------------------------------------

    /// The entries of an object whose `{` was eaten, up to (not including)
    /// its `}`: `MapAccess` with a visitor that rejects duplicate keys.
    /// `value` reads the value after the key (colon included).
    fn map_entries(
        &mut self,
        mut value: impl FnMut(&mut Self, String) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut keys = BTreeSet::new();
        let mut first = true;
        loop {
            let peek = match self.ws() {
                Some(b) => b,
                None => return Err(self.error(EOF_WHILE_PARSING_OBJECT)),
            };
            if peek == b'}' {
                return Ok(());
            } else if first {
                first = false;
                if peek != b'"' {
                    return Err(self.error(KEY_MUST_BE_A_STRING));
                }
            } else if peek == b',' {
                self.eat();
                match self.ws() {
                    Some(b'"') => {}
                    Some(b'}') => return Err(self.error(TRAILING_COMMA)),
                    Some(_) => return Err(self.error(KEY_MUST_BE_A_STRING)),
                    None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
                }
            } else {
                return Err(self.error(EXPECTED_OBJECT_COMMA_OR_END));
            }
            self.eat();
            let key = self.parse_str()?;
            if keys.contains(&key) {
                return Err(Error::Custom(format!(
                    "duplicate key `{}`",
                    crate::evidence::shown(&key)
                )));
            }
            keys.insert(key.clone());
            value(self, key)?;
        }
    }

    /// `has_next_element`: true when another element follows.
    fn has_next_element(&mut self, first: &mut bool) -> Result<bool, Error> {
        let peek = match self.ws() {
            Some(b) => b,
            None => return Err(self.error(EOF_WHILE_PARSING_LIST)),
        };
        if peek == b']' {
            Ok(false)
        } else if *first {
            *first = false;
            Ok(true)
        } else if peek == b',' {
            self.eat();
            match self.ws() {
                Some(b']') => Err(self.error(TRAILING_COMMA)),
                Some(_) => Ok(true),
                None => Err(self.error(EOF_WHILE_PARSING_VALUE)),
            }
        } else {
            Err(self.error(EXPECTED_LIST_COMMA_OR_END))
        }
    }

    fn colon(&mut self) -> Result<(), Error> {
        match self.ws() {
            Some(b':') => {
                self.eat();
                Ok(())
            }
            Some(_) => Err(self.error(EXPECTED_COLON)),
            None => Err(self.error(EOF_WHILE_PARSING_OBJECT)),
        }
    }

    fn end_seq(&mut self) -> Result<(), Error> {
        match self.ws() {
            Some(b']') => {
                self.eat();
                Ok(())
            }
            Some(b',') => {
                self.eat();
                match self.ws() {
                    Some(b']') => Err(self.error(TRAILING_COMMA)),
                    _ => Err(self.error(TRAILING_CHARACTERS)),
                }
            }
            Some(_) => Err(self.error(TRAILING_CHARACTERS)),
            None => Err(self.error(EOF_WHILE_PARSING_LIST)),
        }
    }

    fn end_map(&mut self) -> Result<(), Error> {
        match self.ws() {
            Some(b'}') => {
                self.eat();
                Ok(())
            }
            Some(b',') => Err(self.error(TRAILING_COMMA)),
            Some(_) => Err(self.error(TRAILING_CHARACTERS)),
            None => Err(self.error(EOF_WHILE_PARSING_OBJECT)),
        }
    }

    /// A sequence of ignored values (`drain_seq`): the element count.
    fn drain_seq(&mut self) -> Result<usize, Error> {
        let mut first = true;
        let mut n = 0usize;
        while self.has_next_element(&mut first)? {
            self.skip()?;
            n = n.saturating_add(1);
        }
        Ok(n)
    }

    /// A map of ignored values whose keys must be distinct (`drain_map`).
    fn drain_map(&mut self) -> Result<(), Error> {
        self.map_entries(|s, _| {
            s.colon()?;
            s.skip()
        })
    }

    fn check_list(&mut self) -> Result<Vec<Check>, Error> {
        let mut first = true;
        let mut checks = Vec::new();
        while self.has_next_element(&mut first)? {
            let check = match self.any(Kind::Check)? {
                Any::Check { name, status, detail } => Check::Object { name, status, detail },
                other => Check::Other(other.kind()),
            };
            checks.push(check);
        }
        Ok(checks)
    }

    fn check_fields(&mut self) -> Result<Any, Error> {
        let (mut name, mut status, mut detail) = (None, None, None);
        self.map_entries(|s, key| {
            s.colon()?;
            match key.as_str() {
                "name" => name = Some(s.scalar()?),
                "status" => status = Some(s.scalar()?),
                "detail" => detail = Some(s.scalar()?),
                _ => s.skip()?,
            }
            Ok(())
        })?;
        Ok(Any::Check { name, status, detail })
    }

    // ---- values the gate reads ------------------------------------------

    /// `deserialize_any` with the visitor of `kind`.
    fn any(&mut self, kind: Kind) -> Result<Any, Error> {
        let peek = match self.ws() {
            Some(b) => b,
            None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
        };
        if kind == Kind::Skip {
            let rest = self.feed.chunk().get(self.pos..).unwrap_or_default();
            if let Some(n) = skip_value(rest, self.remaining.saturating_sub(1)) {
                self.pos += n;
                self.peeked = false;
                return Ok(Any::Null);
            }
        }
        let value = match peek {
            b'n' => {
                self.eat();
                self.ident(b"ull")?;
                Ok(Any::Null)
            }
            b't' => {
                self.eat();
                self.ident(b"rue")?;
                Ok(Any::Bool(true))
            }
            b'f' => {
                self.eat();
                self.ident(b"alse")?;
                Ok(Any::Bool(false))
            }
            b'-' => {
                self.eat();
                self.number(false)?;
                Ok(Any::Number)
            }
            b'0'..=b'9' => {
                self.number(true)?;
                Ok(Any::Number)
            }
            b'"' if kind == Kind::Skip => {
                self.eat();
                self.skip_str()?;
                Ok(Any::Null)
            }
            b'"' => {
                self.eat();
                Ok(Any::Str(self.parse_str()?))
            }
            b'[' => {
                self.descend()?;
                self.eat();
                let ret = if kind == Kind::Checks {
                    self.check_list().map(Any::Checks)
                } else {
                    self.drain_seq().map(Any::Array)
                };
                self.remaining += 1;
                match (ret, self.end_seq()) {
                    (Ok(ret), Ok(())) => Ok(ret),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            b'{' => {
                self.descend()?;
                self.eat();
                let ret = if kind == Kind::Check {
                    self.check_fields()
                } else {
                    self.drain_map().map(|()| Any::Object)
                };
                self.remaining += 1;
                match (ret, self.end_map()) {
                    (Ok(ret), Ok(())) => Ok(ret),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            _ => Err(self.error(EXPECTED_SOME_VALUE)),
        };
        value.map_err(|e| self.fix(e))
    }

    /// `check_recursion`: an array or object takes one level of
    /// `serde_json`'s recursion limit, checked before its bracket is eaten.
    fn descend(&mut self) -> Result<(), Error> {
        self.remaining = self.remaining.saturating_sub(1);
        if self.remaining == 0 {
            return Err(self.error(RECURSION_LIMIT_EXCEEDED));
        }
        Ok(())
    }

    /// A value the gate does not need, read as `deserialize_any` reads it:
    /// every string and number checked, no key repeated in any object, and
    /// nesting within the recursion limit.
    fn skip(&mut self) -> Result<(), Error> {
        self.any(Kind::Skip).map(drop)
    }

    fn scalar(&mut self) -> Result<Scalar, Error> {
        Ok(match self.any(Kind::Scalar)? {
            Any::Str(s) => Scalar::Str(s),
            Any::Bool(b) => Scalar::Bool(b),
            other => Scalar::Other(other.kind()),
        })
    }

    fn counted(&mut self) -> Result<Counted, Error> {
        Ok(match self.any(Kind::Count)? {
            Any::Array(n) => Counted::Array(n),
            other => Counted::Other(other.kind()),
        })
    }

    fn checks(&mut self) -> Result<Checks, Error> {
        Ok(match self.any(Kind::Checks)? {
            Any::Checks(checks) => Checks::Array(checks),
            other => Checks::Other(other.kind()),
        })
    }

    fn ident(&mut self, rest: &[u8]) -> Result<(), Error> {
        for &expected in rest {
            match self.next() {
                None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
                Some(b) if b != expected => return Err(self.error(EXPECTED_SOME_IDENT)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    // ---- strings ---------------------------------------------------------

    fn next_or_eof(&mut self) -> Result<u8, Error> {
        match self.next() {
            Some(b) => Ok(b),
            None => Err(self.error(EOF_WHILE_PARSING_STRING)),
        }
    }

    fn peek_or_eof(&mut self) -> Result<u8, Error> {
        match self.peek() {
            Some(b) => Ok(b),
            None => Err(self.error(EOF_WHILE_PARSING_STRING)),
        }
    }

    /// Advances to the next `"`, `\` or control character and consumes it;
    /// the bytes before it go to `keep` when given. `None` at the end.
    fn string_span(&mut self, mut keep: Option<&mut Vec<u8>>) -> Option<u8> {
        loop {
            let chunk = self.feed.chunk();
            let rest = chunk.get(self.pos..).unwrap_or_default();
            if let Some(i) = find_string_end(rest) {
                if let Some(keep) = keep {
                    keep.extend_from_slice(rest.get(..i).unwrap_or_default());
                }
                let b = rest.get(i).copied();
                self.pos += i + 1;
                self.peeked = false;
                return b;
            }
            if let Some(keep) = keep.as_deref_mut() {
                keep.extend_from_slice(rest);
            }
            self.pos = chunk.len();
            self.peeked = false;
            if !self.refill() {
                return None;
            }
        }
    }

    /// `parse_str` of a string whose `"` was eaten, validating escapes.
    fn parse_str(&mut self) -> Result<String, Error> {
        let mut out = Vec::new();
        loop {
            match self.string_span(Some(&mut out)) {
                None => return Err(self.error(EOF_WHILE_PARSING_STRING)),
                Some(b'"') => break,
                Some(b'\\') => self.parse_escape(&mut out)?,
                Some(_) => return Err(self.error(CONTROL_CHARACTER)),
            }
        }
        String::from_utf8(out).map_err(|e| {
            let (line, column) = self.position(self.pulled());
            let back = e.as_bytes().len() - e.utf8_error().valid_up_to();
            Error::At(format!(
                "{INVALID_UNICODE_CODE_POINT} at line {line} column {}",
                column.saturating_sub(back as u64)
            ))
        })
    }

    fn parse_escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let ch = self.next_or_eof()?;
        let unescaped = match ch {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => b'\x08',
            b'f' => b'\x0c',
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => return self.parse_unicode_escape(out),
            _ => return Err(self.error(INVALID_ESCAPE)),
        };
        out.push(unescaped);
        Ok(())
    }

    fn decode_hex_escape(&mut self) -> Result<u16, Error> {
        let mut n = 0u16;
        let mut valid = true;
        for _ in 0..4 {
            match decode_hex(self.next_or_eof()?) {
                Some(d) => n = (n << 4) | d,
                None => valid = false,
            }
        }
        if valid {
            Ok(n)
        } else {
            Err(self.error(INVALID_ESCAPE))
        }
    }

    /// `parse_unicode_escape` with `validate`: surrogates must pair.
    #[cold]
    fn parse_unicode_escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let n = self.decode_hex_escape()?;
        if (0xDC00..=0xDFFF).contains(&n) {
            return Err(self.error(LONE_LEADING_SURROGATE));
        }
        let code = if (0xD800..=0xDBFF).contains(&n) {
            for expected in [b'\\', b'u'] {
                let b = self.peek_or_eof()?;
                self.eat();
                if b != expected {
                    return Err(self.error(UNEXPECTED_END_OF_HEX_ESCAPE));
                }
            }
            let n2 = self.decode_hex_escape()?;
            if !(0xDC00..=0xDFFF).contains(&n2) {
                return Err(self.error(LONE_LEADING_SURROGATE));
            }
            ((u32::from(n - 0xD800) << 10) | u32::from(n2 - 0xDC00)) + 0x1_0000
        } else {
            u32::from(n)
        };
        let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }

    /// `parse_str` of a string whose `"` was eaten, without keeping it: its
    /// escapes are checked as `parse_str` checks them (surrogates pair).
    #[inline(always)]
    fn skip_str(&mut self) -> Result<(), Error> {
        loop {
            let chunk = self.feed.chunk();
            let rest = chunk.get(self.pos..).unwrap_or_default();
            let Some(i) = find_string_end(rest) else {
                self.pos = chunk.len();
                self.peeked = false;
                if !self.refill() {
                    return Err(self.error(EOF_WHILE_PARSING_STRING));
                }
                continue;
            };
            let stop = rest.get(i).copied().unwrap_or(0);
            self.pos += i + 1;
            self.peeked = false;
            match stop {
                b'"' => return Ok(()),
                b'\\' => self.parse_escape(&mut Vec::new())?,
                _ => return Err(self.error(CONTROL_CHARACTER)),
            }
        }
    }

    // ---- numbers the gate reads -------------------------------------------
    // `parse_integer` and what it calls, without `float_roundtrip`: the value
    // matters only for messages, but the errors (`number out of range`) must
    // match.

    fn number(&mut self, positive: bool) -> Result<Num, Error> {
        let next = match self.next() {
            Some(b) => b,
            None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
        };
        match next {
            b'0' => {
                if self.peek_or_null().is_ascii_digit() {
                    Err(self.error(INVALID_NUMBER))
                } else {
                    self.parse_number(positive, 0)
                }
            }
            c @ b'1'..=b'9' => {
                let mut significand = u64::from(c - b'0');
                loop {
                    match self.peek_or_null() {
                        c @ b'0'..=b'9' => {
                            let digit = u64::from(c - b'0');
                            if overflows_u64(significand, digit) {
                                return Ok(Num::F64(
                                    self.parse_long_integer(positive, significand)?,
                                ));
                            }
                            self.eat();
                            significand = significand * 10 + digit;
                        }
                        _ => return self.parse_number(positive, significand),
                    }
                }
            }
            _ => Err(self.error(INVALID_NUMBER)),
        }
    }

    fn parse_number(&mut self, positive: bool, significand: u64) -> Result<Num, Error> {
        Ok(match self.peek_or_null() {
            b'.' => Num::F64(self.parse_decimal(positive, significand, 0)?),
            b'e' | b'E' => Num::F64(self.parse_exponent(positive, significand, 0)?),
            _ if positive => Num::U64(significand),
            _ => {
                let neg = (significand as i64).wrapping_neg();
                if neg >= 0 {
                    Num::F64(-(significand as f64))
                } else {
                    Num::I64(neg)
                }
            }
        })
    }

    fn parse_decimal(
        &mut self,
        positive: bool,
        mut significand: u64,
        exponent_before_decimal_point: i32,
    ) -> Result<f64, Error> {
        self.eat();
        let mut exponent_after_decimal_point = 0i32;
        while let c @ b'0'..=b'9' = self.peek_or_null() {
            let digit = u64::from(c - b'0');
            if overflows_u64(significand, digit) {
                let exponent =
                    exponent_before_decimal_point.wrapping_add(exponent_after_decimal_point);
                return self.parse_decimal_overflow(positive, significand, exponent);
            }
            self.eat();
            significand = significand * 10 + digit;
            exponent_after_decimal_point = exponent_after_decimal_point.wrapping_sub(1);
        }
        if exponent_after_decimal_point == 0 {
            return Err(match self.peek() {
                Some(_) => self.error(INVALID_NUMBER),
                None => self.error(EOF_WHILE_PARSING_VALUE),
            });
        }
        let exponent = exponent_before_decimal_point.wrapping_add(exponent_after_decimal_point);
        match self.peek_or_null() {
            b'e' | b'E' => self.parse_exponent(positive, significand, exponent),
            _ => self.f64_from_parts(positive, significand, exponent),
        }
    }

    fn parse_exponent(
        &mut self,
        positive: bool,
        significand: u64,
        starting_exp: i32,
    ) -> Result<f64, Error> {
        self.eat();
        let positive_exp = match self.peek_or_null() {
            b'+' => {
                self.eat();
                true
            }
            b'-' => {
                self.eat();
                false
            }
            _ => true,
        };
        let next = match self.next() {
            Some(b) => b,
            None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
        };
        let mut exp = match next {
            c @ b'0'..=b'9' => i32::from(c - b'0'),
            _ => return Err(self.error(INVALID_NUMBER)),
        };
        while let c @ b'0'..=b'9' = self.peek_or_null() {
            self.eat();
            let digit = i32::from(c - b'0');
            if overflows_i32(exp, digit) {
                return self.parse_exponent_overflow(positive, significand == 0, positive_exp);
            }
            exp = exp * 10 + digit;
        }
        let final_exp = if positive_exp {
            starting_exp.saturating_add(exp)
        } else {
            starting_exp.saturating_sub(exp)
        };
        self.f64_from_parts(positive, significand, final_exp)
    }

    fn parse_decimal_overflow(
        &mut self,
        positive: bool,
        significand: u64,
        exponent: i32,
    ) -> Result<f64, Error> {
        while self.peek_or_null().is_ascii_digit() {
            self.eat();
        }
        match self.peek_or_null() {
            b'e' | b'E' => self.parse_exponent(positive, significand, exponent),
            _ => self.f64_from_parts(positive, significand, exponent),
        }
    }

    fn parse_exponent_overflow(
        &mut self,
        positive: bool,
        zero_significand: bool,
        positive_exp: bool,
    ) -> Result<f64, Error> {
        if !zero_significand && positive_exp {
            return Err(self.error(NUMBER_OUT_OF_RANGE));
        }
        while self.peek_or_null().is_ascii_digit() {
            self.eat();
        }
        Ok(if positive { 0.0 } else { -0.0 })
    }

    fn parse_long_integer(&mut self, positive: bool, significand: u64) -> Result<f64, Error> {
        let mut exponent = 0i32;
        loop {
            match self.peek_or_null() {
                b'0'..=b'9' => {
                    self.eat();
                    exponent = exponent.wrapping_add(1);
                }
                b'.' => return self.parse_decimal(positive, significand, exponent),
                b'e' | b'E' => return self.parse_exponent(positive, significand, exponent),
                _ => return self.f64_from_parts(positive, significand, exponent),
            }
        }
    }

    fn f64_from_parts(
        &mut self,
        positive: bool,
        significand: u64,
        mut exponent: i32,
    ) -> Result<f64, Error> {
        let mut f = significand as f64;
        loop {
            match pow10(exponent.wrapping_abs() as u32 as usize) {
                Some(pow) => {
                    if exponent >= 0 {
                        f *= pow;
                        if f.is_infinite() {
                            return Err(self.error(NUMBER_OUT_OF_RANGE));
                        }
                    } else {
                        f /= pow;
                    }
                    break;
                }
                None => {
                    if f == 0.0 {
                        break;
                    }
                    if exponent >= 0 {
                        return Err(self.error(NUMBER_OUT_OF_RANGE));
                    }
                    f /= 1e308;
                    exponent += 308;
                }
            }
        }
        Ok(if positive { f } else { -f })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path accepts only what `serde_json` accepts, and stops where
    /// the value ends; it refuses a value cut short, and leaves repeated or
    /// escaped keys, unpaired surrogates and exponents (and nesting past its
    /// limit) to the exact path.
    #[test]
    fn skip_value_accepts_only_complete_valid_values() {
        let values: &[&str] = &[
            "0",
            "-0",
            "12",
            "-1.5",
            "0.25",
            "true",
            "false",
            "null",
            r#""""#,
            r#""a\"b\\c\/\b\f\n\r\t é ✓""#,
            "[]",
            "[ 1 , [2, []], \"x\" ]",
            "[[[[[[[[1]]]]]]]]",
            "{}",
            r#"{"a": 1, "b": [true, null], "c": {"a": "e"}}"#,
            r#"[{"a": 1}, {"a": 2}]"#,
            r#""caf\u00e9 \ud83d\ude00 \u0000""#,
        ];
        for v in values {
            let bytes = v.as_bytes();
            for tail in [",", " ]", "}", "\n"] {
                let with_tail = [bytes, tail.as_bytes()].concat();
                assert_eq!(skip_value(&with_tail, 127), Some(bytes.len()), "{v}{tail}");
            }
            for end in 0..bytes.len() {
                assert_eq!(
                    skip_value(&bytes[..end], 127),
                    None,
                    "prefix of {v}: {:?}",
                    v.get(..end)
                );
            }
        }
        for refused in [
            r#"{"a": 1, "a": 2}"#,
            r#"[{"x": {"a": 1, "b": 2, "a": 3}}]"#,
            r#"{"\u0061": 1}"#,
            r#""\ud83d""#,
            r#""\ude00""#,
            r#""\ud83d\u0041""#,
            r#""\u00g9""#,
            "1e9",
            "-1.5E+3",
            "[[1]]",
            "[{}]",
        ] {
            assert_eq!(skip_value(format!("{refused},").as_bytes(), 1), None, "{refused}");
        }
        assert_eq!(skip_value(b"[1],", 1), Some(3));
        assert_eq!(skip_value(b"[1],", 0), None);
        // Distinct keys that share a filter bit (same length, same first and
        // last byte) are compared, and told apart; a repeat after a nested
        // object closed is still a repeat; an object reopened at the same
        // depth starts afresh.
        for (doc, accepted) in [
            (r#"{"abc": 1, "axc": 2, "ayc": 3}"#, true),
            (r#"{"abc": 1, "axc": 2, "abc": 3}"#, false),
            (r#"{"a": {"b": 1}, "c": 2, "a": 3}"#, false),
            (r#"[{"a": 1, "b": 2}, {"a": 1, "b": 2}]"#, true),
            (r#"{"x": {"a": 1}, "y": {"a": 2, "a": 3}}"#, false),
        ] {
            let with_tail = format!("{doc},");
            let want = accepted.then_some(doc.len());
            assert_eq!(skip_value(with_tail.as_bytes(), 127), want, "{doc}");
        }
        // At most FAST_KEYS keys per object on the fast path.
        let object = |n: usize| {
            let keys: Vec<String> = (0..n).map(|i| format!("\"k{i}\": {i}")).collect();
            format!("{{{}}},", keys.join(", "))
        };
        let full = object(FAST_KEYS);
        assert_eq!(skip_value(full.as_bytes(), 127), Some(full.len() - 1));
        assert_eq!(skip_value(object(FAST_KEYS + 1).as_bytes(), 127), None);
        // Mutations: whatever the fast path accepts must be valid JSON.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"{}[],:\"\\ 0-.eE19tfnul\x01aZ/dD8";
        for _ in 0..20_000 {
            let base = values[(next() % values.len() as u64) as usize].as_bytes();
            let mut m = [base, b","].concat();
            for _ in 0..1 + next() % 3 {
                if m.is_empty() {
                    break;
                }
                let at = (next() % m.len() as u64) as usize;
                let b = alphabet[(next() % alphabet.len() as u64) as usize];
                match next() % 3 {
                    0 => m[at] = b,
                    1 => m.insert(at, b),
                    _ => {
                        m.remove(at);
                    }
                }
            }
            // The scanner's input is UTF-8 (checked before it runs).
            if std::str::from_utf8(&m).is_err() {
                continue;
            }
            if let Some(n) = skip_value(&m, 127) {
                let value = crate::reference::strict(&m[..n]);
                assert!(value.is_ok(), "accepted invalid {:?}", String::from_utf8_lossy(&m[..n]));
                // A number does not stop before a digit (`01`).
                let ends_in_digit = m[..n].last().is_some_and(u8::is_ascii_digit);
                assert!(!(ends_in_digit && m.get(n).is_some_and(u8::is_ascii_digit)), "{m:?}");
            }
        }
    }

    #[test]
    fn string_end_is_the_first_stop_byte() {
        let stops = [b'"', b'\\', 0x00, 0x01, 0x1f];
        let plain = [b'a', b' ', 0x20, 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']'];
        for len in 0..40 {
            for at in 0..=len {
                for &stop in &stops {
                    for &fill in &plain {
                        let mut bytes = vec![fill; len];
                        if at < len {
                            bytes[at] = stop;
                            // A second stop later must not matter.
                            if at + 3 < len {
                                bytes[at + 3] = b'"';
                            }
                        }
                        let expected = bytes.iter().position(|&b| ends_str(b));
                        assert_eq!(find_string_end(&bytes), expected, "{bytes:?}");
                    }
                }
            }
        }
    }
}
