//! A compact set of 64-bit hashes of identifiers (an SBOM's element ids,
//! millions of them): 8 bytes an id, held sorted. Ids are added in
//! batches (appended, then sorted and merged in one sequential pass), so
//! adding one touches no random memory. Here, optimized, because the SPDX
//! reader adds or looks up one for every element it streams.

#![deny(clippy::arithmetic_side_effects)]

use std::hash::Hasher;

/// The 64-bit hash of an identifier: SipHash-1-3 with fixed keys
/// (`DefaultHasher::new`), the same on every run.
pub fn hash(id: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(id);
    hasher.finish()
}

/// A set of 64-bit hashes of ids.
#[derive(Debug, Default)]
pub struct IdSet {
    /// Every hash added before the last [`IdSet::flush`], sorted, each once.
    sorted: Vec<u64>,
    /// Where each value of the top [`INDEX_BITS`] bits starts in `sorted`,
    /// when built for its current length (`indexed`).
    index: Vec<usize>,
    indexed: usize,
    /// Added since: each hash and its id's place in `ends`.
    batch: Vec<(u64, usize)>,
    /// The batch's ids, one after the other (ending at `ends`).
    text: Vec<u8>,
    ends: Vec<usize>,
}

/// Ids added at a time (their text is held until they are merged).
const BATCH: usize = 1 << 17;
const INDEX_BITS: u32 = 16;

impl IdSet {
    /// Adds the id `id`, whose hash is `hash`; once a batch is full, it is
    /// merged (see [`IdSet::flush`]).
    pub fn add(&mut self, hash: u64, id: &[u8], repeat: &mut dyn FnMut(u64, &[u8])) {
        self.text.extend_from_slice(id);
        self.ends.push(self.text.len());
        self.batch.push((hash, self.ends.len().saturating_sub(1)));
        if self.batch.len() >= BATCH {
            self.flush(repeat);
        }
    }

    /// Merges the ids added since the last flush into the set: `repeat`
    /// gets each one whose hash was in the set already (or came earlier in
    /// the batch), with its text. Then indexes the set for
    /// [`IdSet::contains`].
    pub fn flush(&mut self, repeat: &mut dyn FnMut(u64, &[u8])) {
        if !self.batch.is_empty() {
            self.merge(repeat);
        }
        if self.indexed != self.sorted.len() || self.index.is_empty() {
            self.build_index();
        }
    }

    fn merge(&mut self, repeat: &mut dyn FnMut(u64, &[u8])) {
        let mut batch = std::mem::take(&mut self.batch);
        batch.sort_unstable();
        let mut fresh: Vec<u64> = Vec::with_capacity(batch.len());
        let mut at = 0usize;
        let mut previous = None;
        for &(hash, place) in &batch {
            while self.sorted.get(at).is_some_and(|&h| h < hash) {
                at = at.saturating_add(1);
            }
            if previous == Some(hash) || self.sorted.get(at) == Some(&hash) {
                let start = place.checked_sub(1).and_then(|p| self.ends.get(p)).copied();
                let end = self.ends.get(place).copied().unwrap_or(0);
                repeat(hash, self.text.get(start.unwrap_or(0)..end).unwrap_or_default());
            } else {
                fresh.push(hash);
            }
            previous = Some(hash);
        }
        // Merge from the back, in place: `sorted` then has room for both.
        let old = self.sorted.len();
        self.sorted.resize(old.saturating_add(fresh.len()), 0);
        let (mut i, mut j, mut k) = (old, fresh.len(), self.sorted.len());
        while let Some(jj) = j.checked_sub(1) {
            let from_old = i.checked_sub(1).and_then(|ii| Some((ii, *self.sorted.get(ii)?)));
            let new = fresh.get(jj).copied().unwrap_or(0);
            k = k.saturating_sub(1);
            let value = match from_old {
                Some((ii, h)) if h > new => {
                    i = ii;
                    h
                }
                _ => {
                    j = jj;
                    new
                }
            };
            if let Some(slot) = self.sorted.get_mut(k) {
                *slot = value;
            }
        }
        batch.clear();
        self.batch = batch;
        self.text.clear();
        self.ends.clear();
    }

    fn build_index(&mut self) {
        let buckets = 1usize << INDEX_BITS;
        self.index.clear();
        self.index.reserve(buckets.saturating_add(1));
        let mut at = 0usize;
        for bucket in 0..buckets {
            while self.sorted.get(at).is_some_and(|&h| top(h) < bucket) {
                at = at.saturating_add(1);
            }
            self.index.push(at);
        }
        self.index.push(self.sorted.len());
        self.indexed = self.sorted.len();
    }

    /// Whether `hash` was added.
    pub fn contains(&self, hash: u64) -> bool {
        let range = match self.indexed == self.sorted.len() {
            true => {
                let b = top(hash);
                let start = self.index.get(b).copied().unwrap_or(0);
                let end = self.index.get(b.saturating_add(1)).copied().unwrap_or(self.indexed);
                self.sorted.get(start..end).unwrap_or_default()
            }
            false => self.sorted.as_slice(),
        };
        range.binary_search(&hash).is_ok() || self.batch.iter().any(|&(h, _)| h == hash)
    }
}

fn top(hash: u64) -> usize {
    usize::try_from(hash >> (64 - INDEX_BITS)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_finds_and_reports_repeats_across_batches() {
        let mut set = IdSet::default();
        let mut repeats = Vec::new();
        let n = 300_000u32;
        for i in 0..n {
            let id = format!("id-{i}");
            set.add(hash(id.as_bytes()), id.as_bytes(), &mut |_, t| repeats.push(t.to_vec()));
        }
        for i in [0u32, 7, 299_999, 7] {
            let id = format!("id-{i}");
            set.add(hash(id.as_bytes()), id.as_bytes(), &mut |_, t| repeats.push(t.to_vec()));
        }
        set.flush(&mut |_, t| repeats.push(t.to_vec()));
        repeats.sort();
        assert_eq!(
            repeats,
            [b"id-0".to_vec(), b"id-299999".to_vec(), b"id-7".to_vec(), b"id-7".to_vec()]
        );
        for i in 0..n {
            assert!(set.contains(hash(format!("id-{i}").as_bytes())), "{i}");
        }
        assert!(!set.contains(hash(b"missing")));
        assert_eq!(set.sorted.len(), n as usize);
        assert!(set.sorted.windows(2).all(|w| w[0] < w[1]));
    }
}
