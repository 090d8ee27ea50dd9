//! The identifiers of a document read as a stream (an SBOM's `bom-ref`s or
//! SPDXIDs), in bounded memory: millions of them in eight bytes each, still
//! answering "was it seen?" and "which were seen more than once?".
//!
//! Each identifier is kept as its 64-bit hash (`std`'s SipHash-1-3 with
//! fixed keys: the same on every run). A Bloom filter of the hashes notices
//! a repeat as it comes, so its text is kept (with the few identifiers the
//! filter mistakes for repeats): the repeats are named exactly. Two
//! different identifiers with the same hash would count as one (for a
//! million identifiers, about one chance in 10^7 for the whole document):
//! a repeat the document does not have, or a reference resolved that
//! should not be. Callers say which way each use errs.

#![deny(clippy::arithmetic_side_effects)]

use std::collections::BTreeMap;
use std::hash::Hasher;

/// The most identifier texts a bounded set holds for repeats (and filter
/// mistakes): see [`IdSet::bounded`].
pub const MAX_REPEATS: usize = 1 << 18;

/// A set of identifiers, by hash (see the module documentation).
#[derive(Debug, Default)]
pub struct IdSet {
    hashes: Vec<u64>,
    /// `hashes` is sorted (by [`IdSet::seal`]).
    sorted: bool,
    /// A Bloom filter of `hashes`: three bits each, in one word, sixteen
    /// bits per hash.
    bloom: Vec<u64>,
    repeats: BTreeMap<u64, String>,
    /// At most this many texts in `repeats` (none: no cap).
    cap: Option<usize>,
    /// More texts than the cap would have been held: [`IdSet::repeated`]
    /// may miss some.
    pub over: bool,
}

/// The hash an identifier is kept as.
pub fn id_hash(id: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(id.as_bytes());
    hasher.finish()
}

/// The filter's word for `hash`, in a filter of `words` 64-bit words (a
/// power of two), and its three bits there: one word a hash, so one cache
/// miss (a blocked Bloom filter).
fn bits(hash: u64, words: usize) -> (usize, u64) {
    let word = usize::try_from(hash >> 32).unwrap_or(0) & words.wrapping_sub(1);
    let bits = (1u64 << (hash & 63)) | (1u64 << ((hash >> 6) & 63)) | (1u64 << ((hash >> 12) & 63));
    (word, bits)
}

impl IdSet {
    /// A set that holds the text of every repeat, however many.
    pub fn new() -> IdSet {
        IdSet::default()
    }

    /// A set that holds at most [`MAX_REPEATS`] texts (then it is `over`).
    pub fn bounded() -> IdSet {
        IdSet { cap: Some(MAX_REPEATS), ..IdSet::default() }
    }

    /// How many identifiers were inserted (repeats included).
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether [`IdSet::seal`] ran (and no identifier came after it).
    pub fn sealed(&self) -> bool {
        self.sorted
    }

    fn maybe_seen(&self, hash: u64) -> bool {
        let (w, bits) = bits(hash, self.bloom.len());
        self.bloom.get(w).is_some_and(|word| word & bits == bits)
    }

    fn mark(&mut self, hash: u64) {
        let (w, bits) = bits(hash, self.bloom.len());
        if let Some(word) = self.bloom.get_mut(w) {
            *word |= bits;
        }
    }

    /// Keeps the filter at sixteen bits a hash or more: doubled and rebuilt.
    fn grow(&mut self) {
        let want = self.hashes.len().saturating_mul(16) / 64;
        if self.bloom.len() > want {
            return;
        }
        let words = want.saturating_add(1).next_power_of_two().max(1024);
        self.bloom = vec![0; words];
        let hashes = std::mem::take(&mut self.hashes);
        for &hash in &hashes {
            self.mark(hash);
        }
        self.hashes = hashes;
    }

    /// Adds `id`. After [`IdSet::seal`], the set is no longer sorted.
    pub fn insert(&mut self, id: &str) {
        let hash = id_hash(id);
        if self.hashes.len().saturating_mul(16) / 64 >= self.bloom.len() {
            self.grow();
        }
        if self.maybe_seen(hash) && !self.repeats.contains_key(&hash) {
            if self.cap.is_some_and(|cap| self.repeats.len() >= cap) {
                self.over = true;
            } else {
                self.repeats.insert(hash, id.to_string());
            }
        }
        self.mark(hash);
        self.hashes.push(hash);
        self.sorted = false;
    }

    /// Sorts the hashes, for [`IdSet::contains`] and [`IdSet::repeated`].
    pub fn seal(&mut self) {
        if !self.sorted {
            self.hashes.sort_unstable();
            self.sorted = true;
        }
    }

    /// Whether `id` was inserted (a search of the hashes once sealed, a
    /// walk through them before).
    pub fn contains(&self, id: &str) -> bool {
        let hash = id_hash(id);
        self.maybe_seen(hash) && self.count(hash) > 0
    }

    fn count(&self, hash: u64) -> usize {
        if self.sorted {
            let from = self.hashes.partition_point(|&h| h < hash);
            let to = self.hashes.partition_point(|&h| h <= hash);
            to.saturating_sub(from)
        } else {
            self.hashes.iter().filter(|&&h| h == hash).count()
        }
    }

    /// The identifiers inserted more than once, by text, each with how
    /// often (seal first: see [`IdSet::contains`]).
    pub fn repeated(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = self
            .repeats
            .iter()
            .filter_map(|(&hash, text)| {
                let n = self.count(hash) as u64;
                (n > 1).then(|| (text.clone(), n))
            })
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_named_and_counted_and_members_found() {
        let mut set = IdSet::new();
        for i in 0..200_000u32 {
            set.insert(&format!("pkg-{i}"));
        }
        for id in ["pkg-7", "pkg-199999", "pkg-7", "subject"] {
            set.insert(id);
        }
        assert_eq!(set.len(), 200_004);
        assert!(set.contains("pkg-7") && !set.contains("pkg-x"));
        set.seal();
        assert_eq!(set.repeated(), [("pkg-199999".to_string(), 2), ("pkg-7".to_string(), 3)]);
        assert!(set.contains("pkg-0") && set.contains("subject") && set.contains("pkg-123456"));
        assert!(!set.contains("pkg-200000") && !set.contains("") && !set.contains("pkg-07"));
        assert!(!set.over);
        // The filter's mistakes are held, not named.
        assert!(set.repeats.len() < 10_000, "{}", set.repeats.len());
    }

    #[test]
    fn an_empty_set_has_nothing() {
        let mut set = IdSet::new();
        assert!(!set.contains("a"));
        set.seal();
        assert!(set.repeated().is_empty());
        set.insert("a");
        set.insert("a");
        assert_eq!(set.repeated(), [("a".to_string(), 2)]);
    }
}
