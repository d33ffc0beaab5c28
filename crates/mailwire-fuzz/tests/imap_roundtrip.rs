//! The property tests of mailwire-imap, kept here beside the strategies
//! they share with the `imap_encode` fuzz target.
//!
//! proptest round trips: `parse(encode(x)) == x` for responses and commands
//! built from strategies over the whole type space (every variant of every
//! response, data item, FETCH item, body structure, code, command and search
//! key), and the encoder's fragments always reassemble the message.

use mailwire_fuzz::imap_values::command_strategies::command;
use mailwire_fuzz::imap_values::strategies::{SYNC_ONLY, response};
use mailwire_imap::encode::{Encode, Encoder, Fragment};
use mailwire_imap::parse::{self, Opts};
use proptest::prelude::*;

/// The fragments of an encoding, joined, are the encoding; a literal is
/// announced at the end of the line before it.
fn check_fragments(e: &Encoder) {
    let mut joined = Vec::new();
    let mut prev_line: Option<&[u8]> = None;
    for f in e.fragments() {
        match f {
            Fragment::Line(l) => {
                joined.extend_from_slice(l);
                prev_line = Some(l);
            }
            Fragment::Literal { data, .. } => {
                let line = prev_line.take().expect("a literal follows a line");
                let announce = format!("{}}}\r\n", data.len());
                assert!(
                    line.ends_with(b"\r\n")
                        && line
                            .windows(announce.len())
                            .any(|w| w == announce.as_bytes())
                        || line.ends_with(format!("{}+}}\r\n", data.len()).as_bytes())
                );
                joined.extend_from_slice(data);
            }
        }
    }
    assert_eq!(joined, e.as_bytes());
}

fn runner() -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(2000))
}

/// Runs `f` on a thread with a large stack: the generated values nest
/// deeply, and proptest's value trees with them (debug builds).
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

#[test]
fn response_round_trip() {
    big_stack(response_round_trip_inner);
}

fn response_round_trip_inner() {
    SYNC_ONLY.set(true);
    runner()
        .run(&response(), |r| {
            let wire = r.to_bytes();
            let parsed = parse::response(&wire, &Opts::STRICT)
                .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&wire)));
            prop_assert_eq!(&parsed, &r);
            prop_assert_eq!(parsed.to_bytes(), wire);
            Ok(())
        })
        .unwrap();
}

#[test]
fn parsed_responses_survive_into_owned() {
    big_stack(parsed_responses_survive_into_owned_inner);
}

fn parsed_responses_survive_into_owned_inner() {
    SYNC_ONLY.set(true);
    runner()
        .run(&response(), |r| {
            let wire = r.to_bytes();
            let owned = parse::response(&wire, &Opts::STRICT).unwrap().into_owned();
            drop(wire);
            prop_assert_eq!(owned, r);
            Ok(())
        })
        .unwrap();
}

#[test]
fn command_round_trip() {
    big_stack(command_round_trip_inner);
}

fn command_round_trip_inner() {
    runner()
        .run(&command(), |c| {
            let mut e = Encoder::new();
            c.encode(&mut e);
            check_fragments(&e);
            let wire = e.into_bytes();
            let parsed = parse::command(&wire, &Opts::STRICT)
                .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&wire)));
            prop_assert_eq!(&parsed, &c);
            prop_assert_eq!(parsed.to_bytes(), wire.clone());
            let owned = parsed.into_owned();
            drop(wire);
            prop_assert_eq!(owned, c);
            Ok(())
        })
        .unwrap();
}
