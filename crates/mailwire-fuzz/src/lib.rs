//! The checks behind the cargo-fuzz targets in `fuzz/`, and the proptest
//! strategies over mailwire-imap's types that those checks and the IMAP
//! round-trip property tests share ([`imap_values`]).
//!
//! Each fuzz target in `fuzz/fuzz_targets/NAME.rs` is one line that calls the
//! function registered here under `NAME`; the test in `tests/replay.rs` runs
//! every file of `fuzz/corpus/NAME/` through the same function on stable, so
//! every input the fuzzer ever kept (crashes included, once fixed) stays a
//! regression test.
#![forbid(unsafe_code)]

pub mod core;
pub mod imap;
pub mod imap_values;
pub mod pop3;
pub mod sasl;
pub mod smtp;

/// A fuzz check: must not panic on any input.
pub type Check = fn(&[u8]);

/// Every fuzz target by name.
pub fn targets() -> impl Iterator<Item = (&'static str, Check)> {
    core::TARGETS
        .iter()
        .chain(sasl::TARGETS)
        .chain(imap::TARGETS)
        .chain(pop3::TARGETS)
        .chain(smtp::TARGETS)
        .copied()
}

/// The check registered under `name`.
pub fn target(name: &str) -> Option<Check> {
    targets().find(|(n, _)| *n == name).map(|(_, f)| f)
}
