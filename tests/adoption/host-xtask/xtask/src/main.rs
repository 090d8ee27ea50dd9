//! The host's own xtask: it ignores its arguments.

/// Not the entry point: `fn main() {` in a doc comment.
const GREETING: &str = "fn main() { hello }";

fn main() {
    // Ignores `std::env::args()` on purpose.
    println!("{GREETING}");
}
