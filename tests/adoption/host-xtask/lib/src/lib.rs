//! Doubling.

/// Twice `x`, saturating.
pub fn double(x: u32) -> u32 {
    x.saturating_mul(2)
}

#[cfg(test)]
mod tests {
    #[test]
    fn doubles() {
        assert_eq!(super::double(21), 42);
        assert_eq!(super::double(u32::MAX), u32::MAX);
    }
}
