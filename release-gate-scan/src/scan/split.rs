//! A JSON tool document split as it streams: the bulk arrays a [`Plan`]
//! names are handed to a [`Sink`] one element at a time, as the element's
//! own bytes, and never held; everything else (the skeleton) is kept as
//! text, with each streamed array left empty, up to a cap.
//!
//! It is the evidence scanner's reader, so the rules are the scanner's:
//! `serde_json`'s grammar, no key repeated in any object at any depth, at
//! most 128 levels of nesting, every error with its line and column. Each
//! element handed on has been checked whole: it is one valid JSON value
//! without a repeated key, which a parser of the element's bytes alone reads
//! as the whole reader would read it in place.

#![deny(clippy::arithmetic_side_effects)]

use super::{skip_value_with, Rec, Scanner, Source, Spy, OBJECT_START, TRAILING_CHARACTERS};

/// One step of a path into a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object's entry.
    Key(String),
    /// An array's element.
    Index(usize),
}

/// One step of a [`Plan`]'s pattern.
#[derive(Debug, Clone, Copy)]
pub enum Pat {
    /// This key of an object.
    Key(&'static str),
    /// Any key of an object.
    AnyKey,
    /// Any element of an array.
    Each,
}

/// The arrays to stream, by the path that leads to them (each must be an
/// array there to be streamed: another value is kept in the skeleton), and
/// the names of their elements' fields that make an element's key (see
/// [`Sink::element`]).
pub type Plan = &'static [(&'static [Pat], &'static [&'static str])];

/// Receives the streamed arrays' elements, in document order.
pub trait Sink {
    /// The array at `at` starts; `prefix` is the JSON text of the object
    /// that holds it as far as it was read (its earlier entries), as a
    /// complete object.
    fn start(&mut self, at: &[Step], prefix: &[u8]);
    /// The element `index` of the array at `at`: one whole, checked JSON
    /// value, and its key when the fast path read it: the text of the
    /// element's own entries whose names the plan lists, each tagged with
    /// the name's place and its length, in document order (never empty).
    /// Two elements with the same key have the same values for those
    /// names.
    fn element(&mut self, at: &[Step], index: usize, bytes: &[u8], key: Option<&[u8]>);
    /// The array at `at` ended after `count` elements.
    fn end(&mut self, at: &[Step], count: usize);
}

/// How a split ended, when it did not end well.
#[derive(Debug)]
pub enum Stop {
    /// The document is not valid JSON (or repeats a key, or nests too
    /// deep): the scanner's message, with its line and column.
    Invalid(String),
    /// The skeleton grew past its cap (`own`: after a top-level `status`
    /// or `passed`, the gate's own evidence).
    OverBudget { own: bool },
    /// One element of a streamed array is larger than the element cap.
    ElementTooLarge,
    /// Reading the input failed.
    Io(std::io::Error),
}

/// The caps of a split: the skeleton's, the skeleton's once the document
/// has shown it is the gate's own evidence, and one element's.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub skeleton: usize,
    pub own: usize,
    pub element: usize,
}

/// Splits the document from `source` (whose first chunk starts with `start`
/// bytes to skip) by `plan`: the skeleton's text, or why not.
pub fn split(
    source: Source<'_>,
    start: usize,
    plan: Plan,
    caps: Caps,
    sink: &mut dyn Sink,
) -> Result<Vec<u8>, Stop> {
    let mut s = Scanner::new(source, start);
    s.rec = Rec { on: true, mark: start, out: Vec::new(), cap: caps.skeleton, over: false };
    let mut walk = Walk {
        plan,
        caps,
        sink,
        path: Vec::new(),
        own: false,
        key: Vec::new(),
        holders: Vec::new(),
        too_large: false,
    };
    let result = walk.value(&mut s).and_then(|()| match s.ws() {
        Some(_) => Err(s.error(TRAILING_CHARACTERS)),
        None => Ok(()),
    });
    s.pause();
    let failed = match &mut s.feed {
        Source::Reader { failed, .. } => failed.take(),
        _ => None,
    };
    match (result, failed) {
        (_, Some(e)) => Err(Stop::Io(e)),
        (_, None) if s.rec.over => Err(Stop::OverBudget { own: walk.own }),
        (Err(_), None) if walk.too_large => Err(Stop::ElementTooLarge),
        (Err(why), None) => Err(Stop::Invalid(why)),
        (Ok(()), None) => Ok(std::mem::take(&mut s.rec.out)),
    }
}

struct Walk<'p> {
    plan: Plan,
    caps: Caps,
    sink: &'p mut dyn Sink,
    path: Vec<Step>,
    /// The document showed a top-level `status` or `passed`.
    own: bool,
    /// The key of the element being read.
    key: Vec<u8>,
    /// Where each object open on the path starts in the skeleton.
    holders: Vec<usize>,
    /// An element was over the element cap (the walk stopped there).
    too_large: bool,
}

/// What the plan says of the current path: streamed (with its elements'
/// key names) when it is an array, and whether a longer pattern goes on
/// through it (read into when it is an object or an array).
struct Verdict {
    stream: Option<&'static [&'static str]>,
    descend: bool,
}

impl Walk<'_> {
    fn verdict(&self) -> Verdict {
        let mut verdict = Verdict { stream: None, descend: false };
        for &(pattern, names) in self.plan {
            if pattern.len() < self.path.len() {
                continue;
            }
            let matches = pattern.iter().zip(&self.path).all(|(p, s)| match (p, s) {
                (Pat::Key(k), Step::Key(key)) => k == key,
                (Pat::AnyKey, Step::Key(_)) | (Pat::Each, Step::Index(_)) => true,
                _ => false,
            });
            if matches && pattern.len() == self.path.len() {
                verdict.stream = verdict.stream.or(Some(names));
            } else if matches {
                verdict.descend = true;
            }
        }
        verdict
    }

    /// The value at the current path.
    fn value(&mut self, s: &mut Scanner<'_>) -> Result<(), String> {
        let Some(peek) = s.ws() else { return s.skip() };
        let verdict = self.verdict();
        match (verdict.stream, verdict.descend, peek) {
            (Some(names), _, b'[') => s.nested(|s| self.stream(s, names)),
            (_, true, OBJECT_START) => {
                // Where the object's `{` lands in the skeleton: the start
                // of a streamed array's prefix.
                s.pause();
                s.resume();
                self.holders.push(s.rec.out.len());
                let read = self.object(s);
                self.holders.pop();
                read
            }
            (_, true, b'[') => s.nested(|s| {
                let mut index = 0usize;
                s.seq_elements(|s| {
                    self.path.push(Step::Index(index));
                    let read = self.value(s);
                    self.path.pop();
                    index = index.saturating_add(1);
                    read
                })
            }),
            _ => s.skip(),
        }
    }

    /// An object on a streamed array's path, whose `{` is peeked.
    fn object(&mut self, s: &mut Scanner<'_>) -> Result<(), String> {
        s.nested(|s| {
            s.map_entries(|s, key| {
                if self.path.is_empty() && (key == "status" || key == "passed") {
                    self.own = true;
                    s.rec.cap = s.rec.cap.min(self.caps.own);
                }
                self.path.push(Step::Key(key));
                let read = self.value(s);
                self.path.pop();
                read
            })
        })
    }

    /// The elements of a streamed array, whose `[` was eaten.
    fn stream(
        &mut self,
        s: &mut Scanner<'_>,
        names: &'static [&'static str],
    ) -> Result<(), String> {
        s.pause();
        let prefix = self.prefix(s);
        self.sink.start(&self.path, &prefix);
        drop(prefix);
        let mut count = 0usize;
        s.seq_elements(|s| {
            self.element(s, count, names)?;
            count = count.saturating_add(1);
            Ok(())
        })?;
        // The `]` is peeked: the skeleton goes on from it.
        s.resume();
        self.sink.end(&self.path, count);
        Ok(())
    }

    /// The object that holds the array at the current path, as read so far:
    /// its text from its `{` in the skeleton through the array's key and
    /// `:`, closed with `null}` (the array's key is then removed by the
    /// reader: a key seen once has one value). `{}` when it is not known
    /// (the skeleton is over its cap: the document fails anyway).
    fn prefix(&self, s: &Scanner<'_>) -> Vec<u8> {
        let text = &s.rec.out;
        // The `[` was just copied.
        let end = text.len().saturating_sub(1);
        match (self.path.last(), self.holders.last(), s.rec.over) {
            (Some(Step::Key(_)), Some(&start), false) if text.get(end) == Some(&b'[') => {
                let mut out = text.get(start..end).unwrap_or_default().to_vec();
                out.extend_from_slice(b"null}");
                out
            }
            _ => b"{}".to_vec(),
        }
    }

    /// One element: its bytes handed on, from the chunk when it is whole
    /// there, else copied as it is read (at most the element cap).
    fn element(
        &mut self,
        s: &mut Scanner<'_>,
        index: usize,
        names: &'static [&'static str],
    ) -> Result<(), String> {
        if s.ws().is_none() {
            return s.skip();
        }
        let rest = s.rest();
        self.key.clear();
        self.key.push(u8::MAX);
        let mut spy = KeyOf { bytes: rest, names, key: &mut self.key, pending: None };
        if let Some(n) = skip_value_with(rest, s.remaining.saturating_sub(1), &mut spy) {
            let bytes = rest.get(..n).unwrap_or_default();
            self.sink.element(&self.path, index, bytes, Some(&self.key));
            s.skip_bytes(n);
            return Ok(());
        }
        let cap = self.caps.element;
        let skeleton = std::mem::replace(
            &mut s.rec,
            Rec { on: true, mark: s.pos, out: Vec::new(), cap, over: false },
        );
        let read = s.skip();
        s.pause();
        let element = std::mem::replace(&mut s.rec, skeleton);
        if element.over {
            self.too_large = true;
            return Err("an element over the element cap".to_string());
        }
        read?;
        self.sink.element(&self.path, index, &element.out, None);
        Ok(())
    }
}

impl Scanner<'_> {
    /// Stops copying: the bytes read so far are copied.
    fn pause(&mut self) {
        if self.rec.on {
            let pos = self.pos;
            let from = self.rec.mark.min(pos);
            let bytes = self.feed.chunk().get(from..pos).unwrap_or_default().to_vec();
            self.rec.copy(&bytes);
            self.rec.on = false;
        }
    }

    /// Copies again from the next byte.
    fn resume(&mut self) {
        if !self.rec.over {
            self.rec.on = true;
            self.rec.mark = self.pos;
        }
    }
}

/// Collects the key of an element's deciding fields (see [`Sink::element`])
/// as the fast path reads the element.
struct KeyOf<'a, 'k> {
    bytes: &'a [u8],
    names: &'static [&'static str],
    key: &'k mut Vec<u8>,
    /// The name's place and where its value starts.
    pending: Option<(u8, usize)>,
}

impl<'a> Spy<'a> for KeyOf<'a, '_> {
    #[inline]
    fn key(&mut self, depth: u32, key: &'a [u8], start: usize) {
        if depth == 1 {
            let at = self.names.iter().position(|name| name.as_bytes() == key);
            self.pending = at.and_then(|at| Some((u8::try_from(at).ok()?, start)));
        }
    }
    #[inline]
    fn end(&mut self, depth: u32, end: usize) {
        if depth != 1 {
            return;
        }
        if let Some((at, start)) = self.pending.take() {
            let value = self.bytes.get(start..end).unwrap_or_default();
            self.key.push(at);
            self.key
                .extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_le_bytes());
            self.key.extend_from_slice(value);
        }
    }
}
