//! proptest strategies over the whole type space of mailwire-imap
//! ([`strategies`]: responses and everything in them; [`command_strategies`]:
//! commands and search keys), used by the round-trip property tests
//! (`tests/imap_roundtrip.rs`) and by the structure-aware fuzz target
//! [`encode`]: every value built must encode to bytes that parse back to it.
//!
//! The input seeds the ChaCha generator the strategies draw from: every
//! input names one value, and the fuzzer keeps the seeds whose values reach
//! new encoder and parser paths (literal choice, quoting, nesting) that
//! byte-level inputs rarely form.
//!
//! Why not `RngAlgorithm::PassThrough`, which would hand the input bytes
//! to the strategies directly: it yields zeros once the bytes run out,
//! proptest derives sub-generators by splitting what is left, and the
//! `rand` range sampling under proptest rejects an all-zero draw forever
//! for any range that is not a power of two. Tried here, most inputs never
//! finished generating.

use mailwire_imap::encode::{Encode, Encoder};
use mailwire_imap::parse::{self, Opts};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

pub mod command_strategies;
pub mod strategies;

/// The first byte picks a command or a response; all of it seeds the
/// strategies' generator.
pub fn encode(data: &[u8]) {
    let Some(&mode) = data.first() else {
        return;
    };
    let input = data.to_vec();
    // The values nest deeply and so do proptest's value trees: build and
    // check them on a thread with room for that (a panic is passed on).
    let checked = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || check(mode, &input))
        .expect("spawn a checking thread")
        .join();
    if let Err(panic) = checked {
        std::panic::resume_unwind(panic);
    }
}

/// A 32-byte ChaCha seed that depends on every byte of `input`: four
/// FNV-1a lanes, each over the whole input with its own start.
fn seed(input: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (lane, chunk) in out.chunks_exact_mut(8).enumerate() {
        let start = 0xcbf2_9ce4_8422_2325u64 ^ (lane as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let h = input.iter().fold(start, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    out
}

fn check(mode: u8, input: &[u8]) {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed(input));
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    if mode & 1 == 0 {
        let Ok(tree) = command_strategies::command().new_tree(&mut runner) else {
            return;
        };
        let c = tree.current();
        let mut e = Encoder::new();
        c.encode(&mut e);
        let wire = e.into_bytes();
        let parsed = parse::command(&wire, &Opts::STRICT).unwrap_or_else(|err| {
            panic!(
                "an encoded command must parse: {err}: {:?}",
                String::from_utf8_lossy(&wire)
            )
        });
        assert_eq!(parsed, c, "command changed in a round trip");
        assert_eq!(parsed.to_bytes(), wire);
    } else {
        // Servers send synchronising literals only (LITERAL+ is a client's).
        strategies::SYNC_ONLY.set(true);
        let Ok(tree) = strategies::response().new_tree(&mut runner) else {
            return;
        };
        let r = tree.current();
        let wire = r.to_bytes();
        let parsed = parse::response(&wire, &Opts::STRICT).unwrap_or_else(|err| {
            panic!(
                "an encoded response must parse: {err}: {:?}",
                String::from_utf8_lossy(&wire)
            )
        });
        assert_eq!(parsed, r, "response changed in a round trip");
        assert_eq!(parsed.to_bytes(), wire);
    }
}
