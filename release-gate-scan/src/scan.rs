//! The streaming evidence scanner: a JSON reader that keeps the top-level
//! fields the gate decides on (a `Doc`) and skips everything else, chunk by
//! chunk, in bounded memory.
//!
//! Its grammar is `serde_json`'s, as `deserialize_any` reads a document:
//! every string, escape and number checked, numbers out of `f64`'s range
//! refused, no key repeated in any object at any depth, at most 128 levels of
//! nesting. What it accepts, `serde_json` accepts (that is the security
//! property: no other reader of the file sees a different document); a test
//! and a fuzz target hold it to a `serde_json`-based oracle
//! (`src/reference.rs`) on verdicts and on the fields kept. Its messages
//! say what is wrong and where (line and column), not in `serde_json`'s
//! words.
//!
//! Most skipped values go through a fast path (`skip_value`) over the
//! bytes of the current chunk; anything it is unsure of is read again,
//! byte by byte, by the exact path.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::sync::mpsc::{Receiver, Sender};

use crate::doc::{Check, Checks, Counted, Doc, Scalar, TOOL_MARKER_KEYS};
use crate::utf8::UTF8_BOM;

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
const LONE_SURROGATE: &str = "lone surrogate in hex escape";
const NOT_AN_OBJECT: &str = "invalid type: expected a JSON object (the evidence document)";
const TRAILING_COMMA: &str = "trailing comma";
const TRAILING_CHARACTERS: &str = "trailing characters";
const RECURSION_LIMIT_EXCEEDED: &str = "recursion limit exceeded";

/// An object's brackets, by name (line-based brace counters miscount the
/// literals).
const OBJECT_START: u8 = b'{';
const OBJECT_END: u8 = b'}';

/// `serde_json`'s recursion limit: each array or object takes one level,
/// the document's own object included.
const RECURSION_LIMIT: u32 = 128;

/// Where the scanner's bytes come from, one chunk after another. An enum,
/// not a trait, so the scanner is compiled (and optimized) once.
pub enum Source<'a> {
    /// A document held in memory: a single chunk.
    Slice(&'a [u8]),
    /// Chunks from the thread that reads the file; each used chunk goes back
    /// to it for reuse.
    Channel { rx: Receiver<Vec<u8>>, back: Sender<Vec<u8>>, current: Vec<u8> },
    /// Blocks read from a reader into one reused buffer (an I/O error ends
    /// the input and is kept in `failed`).
    Reader { reader: &'a mut dyn Read, current: Vec<u8>, failed: Option<io::Error> },
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
            Source::Reader { current, .. } => current,
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
            Source::Reader { reader, current, failed } => {
                current.resize(READ_BLOCK, 0);
                match read_full(&mut **reader, current) {
                    Ok(n) => {
                        current.truncate(n);
                        n > 0
                    }
                    Err(e) => {
                        current.clear();
                        *failed = Some(e);
                        false
                    }
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
        if self.chunk().starts_with(UTF8_BOM) {
            UTF8_BOM.len()
        } else {
            0
        }
    }
}

/// The block [`Source::Reader`] reads at a time.
const READ_BLOCK: usize = 1 << 18;

/// Fills `buf` from `reader` unless the stream ends first; the count read.
pub fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0usize;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled = filled.saturating_add(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

pub(crate) mod split;

/// Reads one evidence document from `source`, whose first chunk starts
/// with `start` bytes to skip (a byte order mark). The error is a message
/// with its line and column (not yet bounded: the evidence module does).
pub(crate) fn parse(source: Source, start: usize) -> Result<Doc, String> {
    Scanner::new(source, start).document()
}

/// Which reader a value gets: the gate's fields accept any JSON type and
/// record which one it was.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// A value whose content is not needed.
    Skip,
    /// A string or boolean kept, an array counted.
    Value,
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
/// `None`, and the exact path reads the value instead. It may refuse more than it must, never less:
/// what it accepts, `serde_json` accepts.
#[inline]
fn skip_value(bytes: &[u8], max_depth: u32) -> Option<usize> {
    skip_value_with(bytes, max_depth, &mut ())
}

/// What [`skip_value_with`] tells of a value's members as it reads them.
trait Spy<'a> {
    /// A key of an object at `depth` (1 for the value's own object), read
    /// as written, whose value starts at `bytes[start]`.
    fn key(&mut self, depth: u32, key: &'a [u8], start: usize);
    /// A member of the container at `depth` ended at `bytes[end]`.
    fn end(&mut self, depth: u32, end: usize);
}

impl Spy<'_> for () {
    #[inline(always)]
    fn key(&mut self, _: u32, _: &[u8], _: usize) {}
    #[inline(always)]
    fn end(&mut self, _: u32, _: usize) {}
}

/// [`skip_value`], telling `spy` of the members it reads.
#[inline(always)]
fn skip_value_with<'a>(bytes: &'a [u8], max_depth: u32, spy: &mut impl Spy<'a>) -> Option<usize> {
    let max_depth = max_depth.min(FAST_DEPTH);
    let mut i = 0usize;
    // One bit per open container, innermost lowest: 1 for an object.
    let mut stack = 0u64;
    let mut depth = 0u32;
    // The keys of the open objects.
    let mut keys = Keys { list: Vec::with_capacity(16) };
    loop {
        // A value starts at `i`.
        match *bytes.get(i)? {
            b'"' => i = skip_string(bytes, i.saturating_add(1))?,
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
                depth = depth.saturating_add(1);
                i = skip_ws(bytes, i.saturating_add(1));
                match (object, *bytes.get(i)?) {
                    (false, b']') | (true, b'}') => {
                        i = i.saturating_add(1);
                        stack >>= 1;
                        depth = depth.saturating_sub(1);
                    }
                    (true, b'"') => {
                        i = skip_key(bytes, i, depth, &mut keys, spy)?;
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
            spy.end(depth, i);
            i = skip_ws(bytes, i);
            let object = stack & 1 == 1;
            match *bytes.get(i)? {
                b',' => {
                    i = skip_ws(bytes, i.saturating_add(1));
                    if object {
                        if *bytes.get(i)? != b'"' {
                            return None;
                        }
                        i = skip_key(bytes, i, depth, &mut keys, spy)?;
                    }
                    break;
                }
                b']' if !object => {}
                b'}' if object => {
                    keys.close(depth);
                }
                _ => return None,
            }
            i = i.saturating_add(1);
            stack >>= 1;
            depth = depth.saturating_sub(1);
        }
    }
}

/// The most keys one object may have on the fast path.
const FAST_KEYS: usize = 64;

/// Skips `"key" :` and the white space after it; `bytes[i]` is the `"`.
/// `None` when the key has an escape or a control character, repeats a key
/// of its object, or is past the [`FAST_KEYS`]th.
#[inline(always)]
fn skip_key<'a>(
    bytes: &'a [u8],
    i: usize,
    depth: u32,
    keys: &mut Keys<'a>,
    spy: &mut impl Spy<'a>,
) -> Option<usize> {
    let rest = bytes.get(i.saturating_add(1)..)?;
    let len = find_string_end(rest)?;
    // The first byte that ends plain content must be the closing quote.
    if *rest.get(len)? != b'"' {
        return None;
    }
    let key = rest.get(..len)?;
    keys.insert(key, depth)?;
    let i = skip_ws(bytes, i.saturating_add(2).saturating_add(len));
    if *bytes.get(i)? != b':' {
        return None;
    }
    let start = skip_ws(bytes, i.saturating_add(1));
    spy.key(depth, key, start);
    Some(start)
}

/// The keys of the objects open on the fast path, to refuse a repeated one:
/// a new key is compared with the other keys of its object (a handful, as
/// a rule; at most [`FAST_KEYS`]). A 64-bit filter per object to skip the
/// comparisons was measured no faster (`docs/performance.md`).
struct Keys<'a> {
    /// The keys of the open objects, innermost last, with their depth.
    list: Vec<(u32, &'a [u8])>,
}

impl<'a> Keys<'a> {
    #[inline(always)]
    fn close(&mut self, depth: u32) {
        while self.list.last().is_some_and(|(d, _)| *d >= depth) {
            self.list.pop();
        }
    }

    /// `None` when `key` repeats one of its object or is one too many.
    #[inline(always)]
    fn insert(&mut self, key: &'a [u8], depth: u32) -> Option<()> {
        let mut siblings = 0usize;
        for (_, k) in self.list.iter().rev().take_while(|(d, _)| *d == depth) {
            if *k == key {
                return None;
            }
            siblings = siblings.saturating_add(1);
        }
        (siblings < FAST_KEYS).then(|| self.list.push((depth, key)))
    }
}

/// Skips white space from `i`.
#[inline(always)]
fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| is_ws(b)) {
        i = i.saturating_add(1);
    }
    i
}

/// Skips string content from `i` (after the opening `"`) through the closing `"`.
#[inline(always)]
fn skip_string(bytes: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i = i.saturating_add(find_string_end(bytes.get(i..)?)?);
        match *bytes.get(i)? {
            b'"' => return Some(i.saturating_add(1)),
            b'\\' => match *bytes.get(i.saturating_add(1))? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i = i.saturating_add(2),
                // `\uXXXX`: a surrogate must come as a high and low pair, as
                // `serde_json` requires); anything else goes to the exact path.
                b'u' => {
                    let unit = hex4(bytes, i.saturating_add(2))?;
                    i = i.saturating_add(6);
                    match unit {
                        0xD800..=0xDBFF => {
                            if bytes.get(i..i.saturating_add(2))? != b"\\u" {
                                return None;
                            }
                            if !(0xDC00..=0xDFFF).contains(&hex4(bytes, i.saturating_add(2))?) {
                                return None;
                            }
                            i = i.saturating_add(6);
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
    let digits = bytes.get(at..at.checked_add(4)?)?;
    digits.iter().try_fold(0u16, |unit, &b| Some(unit.wrapping_mul(16) | hex(b)?))
}

/// Skips a number from `i`; `None` when it is invalid or may go on past
/// `bytes` (the next chunk could hold more digits).
#[inline(always)]
fn skip_number(bytes: &[u8], mut i: usize) -> Option<usize> {
    let start = i;
    let digits = |bytes: &[u8], mut i: usize| {
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i = i.saturating_add(1);
        }
        (i, i > start)
    };
    if bytes.get(i) == Some(&b'-') {
        i = i.saturating_add(1);
    }
    match *bytes.get(i)? {
        b'0' => i = i.saturating_add(1),
        b'1'..=b'9' => i = digits(bytes, i.saturating_add(1)).0,
        _ => return None,
    }
    if *bytes.get(i)? == b'.' {
        let (end, any) = digits(bytes, i.saturating_add(1));
        if !any {
            return None;
        }
        i = end;
    }
    if matches!(*bytes.get(i)?, b'e' | b'E') || i.saturating_sub(start) > 300 {
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
    (bytes.get(i..i.saturating_add(word.len()))? == word).then_some(i.saturating_add(word.len()))
}

struct Scanner<'a> {
    feed: Source<'a>,
    /// The next byte of the current chunk.
    pos: usize,
    /// The offset of the current chunk in the stream.
    base: u64,
    /// The byte at `pos` has been looked at (peeked): positions count it.
    peeked: bool,
    /// Newlines before the current chunk.
    lines: u64,
    /// Where the line that is open at the start of the current chunk starts.
    line_start: u64,
    /// Levels of nesting left (`serde_json`'s `remaining_depth`).
    remaining: u32,
    /// What the bytes read are copied to, if anything (`split`).
    rec: Rec,
}

/// A copy of the bytes the scanner reads, while it is on: the bytes of the
/// current chunk from `mark` are copied when the chunk is left (or the copy
/// is paused). Past `cap` bytes it stops copying and the input ends for the
/// scanner (`over`).
#[derive(Default)]
struct Rec {
    on: bool,
    mark: usize,
    out: Vec<u8>,
    cap: usize,
    over: bool,
}

impl Rec {
    fn copy(&mut self, bytes: &[u8]) {
        if self.out.len().saturating_add(bytes.len()) > self.cap {
            self.over = true;
            self.on = false;
        } else {
            self.out.extend_from_slice(bytes);
        }
    }
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
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const BACKSLASHES: u64 = u64::from_ne_bytes([b'\\'; 8]);
    const SPACES: u64 = u64::from_ne_bytes([0x20; 8]);
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0usize;
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else { break };
        let w = u64::from_le_bytes(word);
        let quote = w ^ QUOTES;
        let backslash = w ^ BACKSLASHES;
        // The lowest flagged byte is exact (borrows only run upwards).
        let hits = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(SPACES) & !w))
            & HIGH;
        if hits != 0 {
            return Some(offset.saturating_add(hits.trailing_zeros() as usize / 8));
        }
        offset = offset.saturating_add(8);
    }
    words.remainder().iter().position(|&b| ends_str(b)).map(|i| offset.saturating_add(i))
}

/// A hex digit's value.
fn hex(b: u8) -> Option<u16> {
    char::from(b).to_digit(16).and_then(|d| u16::try_from(d).ok())
}

/// The significand and exponent `serde_json` computes for a number, digit
/// by digit (its `parse_integer`, `parse_decimal` and what they call,
/// without `float_roundtrip`): whether it is in range is `serde_json`'s
/// own parse of those two, so the verdict is its verdict exactly (a
/// correctly rounded parse accepts numbers near `f64::MAX` that it refuses).
#[derive(Default)]
struct Number {
    significand: u64,
    exponent: i32,
    /// A fraction, an exponent or too many digits: an `f64`, which can be
    /// out of range.
    float: bool,
}

impl Number {
    /// Adds `digit` to the significand; false, changing nothing, when the
    /// significand would overflow.
    fn push(&mut self, digit: u8) -> bool {
        match self.significand.checked_mul(10).and_then(|s| s.checked_add(u64::from(digit))) {
            Some(s) => {
                self.significand = s;
                true
            }
            None => false,
        }
    }

    fn in_range(&self) -> bool {
        let Number { significand, exponent, float } = self;
        !float || serde_json::from_str::<f64>(&format!("{significand}e{exponent}")).is_ok()
    }
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
            rec: Rec::default(),
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
        if self.rec.on {
            self.rec.copy(chunk.get(self.rec.mark..).unwrap_or_default());
        }
        self.rec.mark = 0;
        if self.rec.over {
            // Over the copy's cap: the input ends here for the scanner.
            return false;
        }
        self.lines = self.lines.saturating_add(memchr::memchr_iter(b'\n', chunk).count() as u64);
        if let Some(i) = memchr::memrchr(b'\n', chunk) {
            self.line_start = self.base.saturating_add(i as u64).saturating_add(1);
        }
        self.base = self.base.saturating_add(len as u64);
        self.pos = 0;
        while self.feed.advance() {
            if !self.feed.chunk().is_empty() {
                return true;
            }
        }
        false
    }

    /// The rest of the current chunk.
    #[inline(always)]
    fn rest(&self) -> &[u8] {
        self.feed.chunk().get(self.pos..).unwrap_or_default()
    }

    /// Marks `n` bytes of the current chunk read.
    #[inline(always)]
    fn skip_bytes(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n);
        self.peeked = false;
    }

    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        loop {
            if let Some(&b) = self.rest().first() {
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
        self.skip_bytes(1);
    }

    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.eat();
        Some(b)
    }

    /// The next byte that is not white space, peeked, or `None` at the end.
    #[inline(always)]
    fn ws(&mut self) -> Option<u8> {
        // Most generated JSON has no white space between tokens.
        if let Some(&b) = self.rest().first() {
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
            if let Some(i) = self.rest().iter().position(|&b| !is_ws(b)) {
                self.skip_bytes(i);
                return self.peek();
            }
            self.pos = self.feed.chunk().len();
            if !self.refill() {
                self.peeked = false;
                return None;
            }
        }
    }

    /// `msg` with the line and column after the bytes read so far (a byte
    /// peeked at included).
    #[cold]
    #[inline(never)]
    fn error(&self, msg: &str) -> String {
        let pulled =
            self.base.saturating_add(self.pos as u64).saturating_add(u64::from(self.peeked));
        let chunk = self.feed.chunk();
        let upto = usize::try_from(pulled.saturating_sub(self.base)).unwrap_or(usize::MAX);
        let head = chunk.get(..upto).unwrap_or(chunk);
        let newlines = memchr::memchr_iter(b'\n', head).count() as u64;
        let line = self.lines.saturating_add(newlines).saturating_add(1);
        let start = match memchr::memrchr(b'\n', head) {
            Some(i) => self.base.saturating_add(i as u64).saturating_add(1),
            None => self.line_start,
        };
        format!("{msg} at line {line} column {}", pulled.saturating_sub(start))
    }

    // ---- the document ----------------------------------------------------

    fn document(&mut self) -> Result<Doc, String> {
        let doc = match self.ws() {
            None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
            Some(OBJECT_START) => self.nested(Self::doc_fields)?,
            Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
                return Err(self.error(NOT_AN_OBJECT))
            }
            Some(_) => return Err(self.error(EXPECTED_SOME_VALUE)),
        };
        match self.ws() {
            Some(_) => Err(self.error(TRAILING_CHARACTERS)),
            None => Ok(doc),
        }
    }

    fn doc_fields(&mut self) -> Result<Doc, String> {
        let mut doc = Doc::default();
        self.map_entries(|s, key| {
            if let Some(field) = doc.scalar(&key) {
                *field = Some(s.scalar()?);
                return Ok(());
            }
            match key.as_str() {
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

    // ---- arrays and objects ----------------------------------------------

    /// An array (or an object) whose opening bracket is peeked: it takes one
    /// level of the recursion limit while `inner` reads its elements (or
    /// entries), up to the closing bracket, which is eaten here.
    fn nested<T>(
        &mut self,
        inner: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        self.remaining = self.remaining.saturating_sub(1);
        if self.remaining == 0 {
            return Err(self.error(RECURSION_LIMIT_EXCEEDED));
        }
        self.eat();
        let value = inner(self)?;
        self.remaining = self.remaining.saturating_add(1);
        // `inner` stopped at the closing bracket.
        self.eat();
        Ok(value)
    }

    /// The entries of an object whose `{` was eaten, up to (not including)
    /// its `}`; a repeated key is an error. `value` reads the value of
    /// `key`.
    fn map_entries(
        &mut self,
        mut value: impl FnMut(&mut Self, String) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut keys = BTreeSet::new();
        let mut first = true;
        loop {
            match (self.ws(), first) {
                (None, _) => return Err(self.error(EOF_WHILE_PARSING_OBJECT)),
                (Some(OBJECT_END), _) => return Ok(()),
                (Some(b'"'), true) => {}
                (Some(b','), false) => {
                    self.eat();
                    match self.ws() {
                        Some(b'"') => {}
                        Some(OBJECT_END) => return Err(self.error(TRAILING_COMMA)),
                        Some(_) => return Err(self.error(KEY_MUST_BE_A_STRING)),
                        None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
                    }
                }
                (Some(_), true) => return Err(self.error(KEY_MUST_BE_A_STRING)),
                (Some(_), false) => return Err(self.error(EXPECTED_OBJECT_COMMA_OR_END)),
            }
            first = false;
            let key = self.parse_str()?;
            match self.ws() {
                Some(b':') => self.eat(),
                Some(_) => return Err(self.error(EXPECTED_COLON)),
                None => return Err(self.error(EOF_WHILE_PARSING_OBJECT)),
            }
            if !keys.insert(key.clone()) {
                return Err(self.error(&format!("duplicate key `{key}`")));
            }
            value(self, key)?;
        }
    }

    /// The elements of an array whose `[` was eaten, up to (not including)
    /// its `]`, each read by `element`.
    fn seq_elements(
        &mut self,
        mut element: impl FnMut(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut first = true;
        loop {
            match (self.ws(), first) {
                (None, _) => return Err(self.error(EOF_WHILE_PARSING_LIST)),
                (Some(b']'), _) => return Ok(()),
                (Some(_), true) => {}
                (Some(b','), false) => {
                    self.eat();
                    match self.ws() {
                        Some(b']') => return Err(self.error(TRAILING_COMMA)),
                        Some(_) => {}
                        None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
                    }
                }
                (Some(_), false) => return Err(self.error(EXPECTED_LIST_COMMA_OR_END)),
            }
            first = false;
            element(self)?;
        }
    }

    fn check_fields(&mut self) -> Result<Any, String> {
        let (mut name, mut status, mut detail) = (None, None, None);
        self.map_entries(|s, key| {
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

    // ---- values ------------------------------------------------------------

    /// The next value, read as `kind` says.
    fn any(&mut self, kind: Kind) -> Result<Any, String> {
        let Some(peek) = self.ws() else { return Err(self.error(EOF_WHILE_PARSING_VALUE)) };
        if kind == Kind::Skip {
            if let Some(n) = skip_value(self.rest(), self.remaining.saturating_sub(1)) {
                self.skip_bytes(n);
                return Ok(Any::Null);
            }
        }
        match peek {
            b'n' => self.ident(b"null").map(|()| Any::Null),
            b't' => self.ident(b"true").map(|()| Any::Bool(true)),
            b'f' => self.ident(b"false").map(|()| Any::Bool(false)),
            b'-' | b'0'..=b'9' => self.number().map(|()| Any::Number),
            b'"' if kind == Kind::Skip => self.string(None).map(|()| Any::Null),
            b'"' => self.parse_str().map(Any::Str),
            b'[' => self.nested(|s| {
                let mut checks = Vec::new();
                let mut count = 0usize;
                s.seq_elements(|s| {
                    count = count.saturating_add(1);
                    match kind {
                        Kind::Checks => checks.push(match s.any(Kind::Check)? {
                            Any::Check { name, status, detail } => {
                                Check::Object { name, status, detail }
                            }
                            other => Check::Other(other.kind()),
                        }),
                        _ => s.skip()?,
                    }
                    Ok(())
                })?;
                Ok(if kind == Kind::Checks { Any::Checks(checks) } else { Any::Array(count) })
            }),
            OBJECT_START if kind == Kind::Check => self.nested(Self::check_fields),
            OBJECT_START => self.nested(|s| s.map_entries(|s, _| s.skip())).map(|()| Any::Object),
            _ => Err(self.error(EXPECTED_SOME_VALUE)),
        }
    }

    /// A value the gate does not need, read as `deserialize_any` reads it:
    /// every string and number checked, no key repeated in any object, and
    /// nesting within the recursion limit.
    fn skip(&mut self) -> Result<(), String> {
        self.any(Kind::Skip).map(drop)
    }

    fn scalar(&mut self) -> Result<Scalar, String> {
        Ok(match self.any(Kind::Value)? {
            Any::Str(s) => Scalar::Str(s),
            Any::Bool(b) => Scalar::Bool(b),
            other => Scalar::Other(other.kind()),
        })
    }

    fn counted(&mut self) -> Result<Counted, String> {
        Ok(match self.any(Kind::Value)? {
            Any::Array(n) => Counted::Array(n),
            other => Counted::Other(other.kind()),
        })
    }

    fn checks(&mut self) -> Result<Checks, String> {
        Ok(match self.any(Kind::Checks)? {
            Any::Checks(checks) => Checks::Array(checks),
            other => Checks::Other(other.kind()),
        })
    }

    /// `null`, `true` or `false`, whose first byte is peeked.
    fn ident(&mut self, word: &[u8]) -> Result<(), String> {
        for &expected in word {
            match self.next() {
                None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
                Some(b) if b != expected => return Err(self.error(EXPECTED_SOME_IDENT)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    // ---- strings ---------------------------------------------------------

    /// A string whose `"` is peeked, with its escapes decoded.
    fn parse_str(&mut self) -> Result<String, String> {
        let mut out = Vec::new();
        self.string(Some(&mut out))?;
        String::from_utf8(out).map_err(|_| self.error(INVALID_UNICODE_CODE_POINT))
    }

    /// A string whose `"` is peeked, through its closing `"`; its content
    /// goes to `keep` when given. Escapes are checked (surrogates pair).
    fn string(&mut self, mut keep: Option<&mut Vec<u8>>) -> Result<(), String> {
        self.eat();
        loop {
            let rest = self.rest();
            let Some(i) = find_string_end(rest) else {
                if let Some(keep) = keep.as_deref_mut() {
                    keep.extend_from_slice(rest);
                }
                self.pos = self.feed.chunk().len();
                self.peeked = false;
                if !self.refill() {
                    return Err(self.error(EOF_WHILE_PARSING_STRING));
                }
                continue;
            };
            if let Some(keep) = keep.as_deref_mut() {
                keep.extend_from_slice(rest.get(..i).unwrap_or_default());
            }
            let stop = rest.get(i).copied();
            self.skip_bytes(i.saturating_add(1));
            match stop {
                Some(b'"') => return Ok(()),
                Some(b'\\') => self.escape(keep.as_deref_mut())?,
                _ => return Err(self.error(CONTROL_CHARACTER)),
            }
        }
    }

    /// The escape after a `\`, decoded into `out` when given.
    fn escape(&mut self, out: Option<&mut Vec<u8>>) -> Result<(), String> {
        let c = match self.next() {
            None => return Err(self.error(EOF_WHILE_PARSING_STRING)),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\x08',
            Some(b'f') => '\x0c',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => self.unicode_escape()?,
            Some(_) => return Err(self.error(INVALID_ESCAPE)),
        };
        if let Some(out) = out {
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
        Ok(())
    }

    /// `\uXXXX` after the `u`: a surrogate must be followed by its pair.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let first = self.hex_escape()?;
        if !(0xD800..=0xDFFF).contains(&first) {
            return char::from_u32(u32::from(first)).ok_or_else(|| self.error(LONE_SURROGATE));
        }
        if first >= 0xDC00 {
            return Err(self.error(LONE_SURROGATE));
        }
        for expected in [b'\\', b'u'] {
            match self.next() {
                None => return Err(self.error(EOF_WHILE_PARSING_STRING)),
                Some(b) if b != expected => return Err(self.error(LONE_SURROGATE)),
                Some(_) => {}
            }
        }
        let second = self.hex_escape()?;
        match char::decode_utf16([first, second]).next() {
            Some(Ok(c)) => Ok(c),
            _ => Err(self.error(LONE_SURROGATE)),
        }
    }

    fn hex_escape(&mut self) -> Result<u16, String> {
        let mut unit = 0u16;
        let mut valid = true;
        for _ in 0..4 {
            let Some(b) = self.next() else { return Err(self.error(EOF_WHILE_PARSING_STRING)) };
            match hex(b) {
                Some(d) => unit = unit.wrapping_mul(16) | d,
                None => valid = false,
            }
        }
        if valid {
            Ok(unit)
        } else {
            Err(self.error(INVALID_ESCAPE))
        }
    }

    // ---- numbers ---------------------------------------------------------

    /// A number whose first byte (`-` or a digit) is peeked: its grammar
    /// checked, and its range, as `serde_json` checks it ([`Number`]).
    fn number(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'-') {
            self.eat();
        }
        let mut number = Number::default();
        match self.next() {
            None => return Err(self.error(EOF_WHILE_PARSING_VALUE)),
            Some(b'0') if self.peek_or_null().is_ascii_digit() => {
                return Err(self.error(INVALID_NUMBER))
            }
            Some(b'0') => {}
            Some(b @ b'1'..=b'9') => {
                number.push(b.wrapping_sub(b'0'));
                // Past what the significand holds, each digit is a power of ten.
                self.digits(&mut number, |n| {
                    n.exponent = n.exponent.wrapping_add(1);
                    n.float = true;
                });
            }
            Some(_) => return Err(self.error(INVALID_NUMBER)),
        }
        if self.peek_or_null() == b'.' {
            self.eat();
            number.float = true;
            let digits = self.digits(&mut number, |_| {});
            // Each digit kept in the significand is a power of ten less.
            number.exponent = number.exponent.wrapping_sub(digits.kept);
            if digits.seen == 0 {
                return Err(self.number_error());
            }
        }
        if matches!(self.peek_or_null(), b'e' | b'E') {
            self.eat();
            number.float = true;
            let positive = match self.peek_or_null() {
                b'-' => {
                    self.eat();
                    false
                }
                b'+' => {
                    self.eat();
                    true
                }
                _ => true,
            };
            let mut exp = 0i32;
            let mut overflow = false;
            let mut seen = false;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                self.eat();
                seen = true;
                let d = i32::from(d.wrapping_sub(b'0'));
                match exp.checked_mul(10).and_then(|e| e.checked_add(d)) {
                    Some(e) if !overflow => exp = e,
                    _ => overflow = true,
                }
            }
            if !seen {
                return Err(self.number_error());
            }
            // An exponent past `i32`: out of range unless it shrinks, or
            // the number is zero.
            if overflow {
                return match positive && number.significand != 0 {
                    true => Err(self.error(NUMBER_OUT_OF_RANGE)),
                    false => Ok(()),
                };
            }
            number.exponent = match positive {
                true => number.exponent.saturating_add(exp),
                false => number.exponent.saturating_sub(exp),
            };
        }
        match number.in_range() {
            true => Ok(()),
            false => Err(self.error(NUMBER_OUT_OF_RANGE)),
        }
    }

    /// A run of digits added to the significand until it is full; `past`
    /// sees each digit after that.
    fn digits(&mut self, number: &mut Number, mut past: impl FnMut(&mut Number)) -> Digits {
        let mut digits = Digits { seen: 0, kept: 0 };
        let mut full = false;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            self.eat();
            digits.seen = digits.seen.saturating_add(1);
            full = full || !number.push(d.wrapping_sub(b'0'));
            if full {
                past(number);
            } else {
                digits.kept = digits.kept.wrapping_add(1);
            }
        }
        digits
    }

    /// A fraction or exponent without digits.
    fn number_error(&mut self) -> String {
        match self.peek() {
            Some(_) => self.error(INVALID_NUMBER),
            None => self.error(EOF_WHILE_PARSING_VALUE),
        }
    }
}

/// The digits of one run: how many, and how many went into the significand.
struct Digits {
    seen: u64,
    kept: i32,
}
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::{select, Index};

    const VALUES: &[&str] = &[
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

    /// The fast path accepts only what `serde_json` accepts, and stops where
    /// the value ends; it refuses a value cut short, and leaves repeated or
    /// escaped keys, unpaired surrogates and exponents (and nesting past its
    /// limit) to the exact path.
    #[test]
    fn skip_value_accepts_only_complete_valid_values() {
        for v in VALUES {
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
        // Distinct keys of the same length, first and last byte are told
        // apart; a repeat after a nested
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
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// Mutations: whatever the fast path accepts is valid JSON.
        #[test]
        fn skip_value_accepts_only_what_serde_json_accepts(
            base in select(VALUES),
            edits in prop::collection::vec(
                (any::<Index>(), select(&b"{}[],:\"\\ 0-.eE19tfnul\x01aZ/dD8"[..]), 0..3u8),
                1..4,
            ),
        ) {
            let mut m = [base.as_bytes(), b","].concat();
            for (at, b, op) in edits {
                if m.is_empty() {
                    break;
                }
                let at = at.index(m.len());
                match op {
                    0 => m[at] = b,
                    1 => m.insert(at, b),
                    _ => {
                        m.remove(at);
                    }
                }
            }
            // The scanner's input is UTF-8 (checked before it runs).
            if std::str::from_utf8(&m).is_ok() {
                if let Some(n) = skip_value(&m, 127) {
                    let value = crate::reference::value(&m[..n]);
                    prop_assert!(value.is_ok(), "accepted invalid {:?}", String::from_utf8_lossy(&m[..n]));
                    // A number does not stop before a digit (`01`).
                    let ends_in_digit = m[..n].last().is_some_and(u8::is_ascii_digit);
                    prop_assert!(!(ends_in_digit && m.get(n).is_some_and(u8::is_ascii_digit)), "{m:?}");
                }
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
