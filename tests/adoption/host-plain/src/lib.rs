//! Words, counted. See [`count_words`] and [`Counter::total`].

use rgate_adoption_plain_util::is_separator;

/// Counts the words of `text`, split as [`split_words`] does.
pub fn count_words(text: &str) -> usize {
    text.split(is_separator).filter(|word| !word.is_empty()).count()
}

/// A running word count.
#[derive(Debug, Default)]
pub struct Counter {
    total: usize,
}

impl Counter {
    /// Adds the words of `text`.
    pub fn add(&mut self, text: &str) {
        self.total += count_words(text);
    }

    /// The words added so far.
    pub fn total(&self) -> usize {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_between_separators() {
        assert_eq!(count_words("one two,three"), 3);
        assert_eq!(count_words("  "), 0);
    }

    #[test]
    fn counter_adds_up() {
        let mut counter = Counter::default();
        counter.add("a b");
        counter.add("c");
        assert_eq!(counter.total(), 3);
    }
}
