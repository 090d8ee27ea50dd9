//! Fail-closed attacks (issue #13) on the formats stage, as end-to-end runs of the
//! xtask binary: each test is written as the attack and asserts the exit code
//! and the blocker or error.

#[allow(unused_imports)]
use super::*;
