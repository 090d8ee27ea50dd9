//! A compact set of 64-bit hashes of identifiers (an SBOM's element ids,
//! millions of them): 8 bytes an id and a little slack, held sorted in
//! buckets by their top bits. Here, optimized, because the SPDX reader
//! adds or looks up one for every element it streams.

#![deny(clippy::arithmetic_side_effects)]

use std::hash::Hasher;

/// The 64-bit hash of an identifier: SipHash-1-3 with fixed keys
/// (`DefaultHasher::new`), the same on every run.
pub fn hash(id: &[u8]) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    hasher.write(id);
    hasher.finish()
}

/// A set of 64-bit hashes.
#[derive(Debug, Default)]
pub struct IdSet {
    /// `1 << bits` sorted buckets, by each hash's top `bits` bits.
    buckets: Vec<Vec<u64>>,
    bits: u32,
    len: usize,
}

/// Buckets grow (16 times as many) past this many hashes each, up to 2^16
/// buckets.
const PER_BUCKET: usize = 64;
const MAX_BITS: u32 = 16;

impl IdSet {
    fn bucket(&self, hash: u64) -> usize {
        usize::try_from(hash.checked_shr(64u32.saturating_sub(self.bits)).unwrap_or(0)).unwrap_or(0)
    }

    /// Adds `hash`: whether it was not in the set.
    pub fn insert(&mut self, hash: u64) -> bool {
        if self.buckets.is_empty() {
            self.buckets.push(Vec::new());
        }
        let at = self.bucket(hash);
        let Some(bucket) = self.buckets.get_mut(at) else { return false };
        match bucket.binary_search(&hash) {
            Ok(_) => false,
            Err(at) => {
                if bucket.len() == bucket.capacity() {
                    bucket.reserve_exact((bucket.len() / 4).max(4));
                }
                bucket.insert(at, hash);
                self.len = self.len.saturating_add(1);
                if self.bits < MAX_BITS && self.len > PER_BUCKET << self.bits {
                    self.split();
                }
                true
            }
        }
    }

    /// Whether `hash` is in the set.
    pub fn contains(&self, hash: u64) -> bool {
        self.buckets.get(self.bucket(hash)).is_some_and(|b| b.binary_search(&hash).is_ok())
    }

    /// How many hashes the set holds.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sixteen times as many buckets: each sorted bucket splits in order.
    fn split(&mut self) {
        self.bits = self.bits.saturating_add(4).min(MAX_BITS);
        let old = std::mem::take(&mut self.buckets);
        self.buckets = (0..1usize << self.bits).map(|_| Vec::new()).collect();
        for hash in old.into_iter().flatten() {
            let at = self.bucket(hash);
            if let Some(bucket) = self.buckets.get_mut(at) {
                bucket.push(hash);
            }
        }
        for bucket in &mut self.buckets {
            bucket.shrink_to(bucket.len().saturating_add(bucket.len() / 4));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_and_finds_across_splits() {
        let mut set = IdSet::default();
        assert!(!set.contains(hash(b"a")));
        for i in 0..200_000u32 {
            assert!(set.insert(hash(&i.to_le_bytes())), "{i}");
        }
        assert_eq!(set.len(), 200_000);
        for i in 0..200_000u32 {
            assert!(!set.insert(hash(&i.to_le_bytes())), "{i}");
            assert!(set.contains(hash(&i.to_le_bytes())));
        }
        assert!(!set.contains(hash(b"missing")));
        assert!(set.insert(0) && set.insert(u64::MAX) && set.contains(0) && !set.insert(u64::MAX));
        assert_eq!(hash(b"SPDXRef-DOCUMENT"), hash(b"SPDXRef-DOCUMENT"));
    }
}
