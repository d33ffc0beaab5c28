//! `Command::parse_from` (one pass: frame and parse) against
//! `LineFramer` + `Command::parse_bytes` on arbitrary buffers: the same
//! commands, the same errors, the same bytes consumed, whole or split.

use bytes::{Buf, Bytes, BytesMut};
use mailwire_core::{Error, LineEnding, LineFramer};
use proptest::prelude::*;

use crate::types::{Command, ParseErrorKind, Policy};

/// One outcome of reading a line: a command, or an error as
/// `(kind, reason, start of the line)`.
type Outcome = Result<Command, (ParseErrorKind, String, Vec<u8>)>;

/// What the reference gives: `LineFramer` then `parse_bytes`, fed the
/// chunks one after the other; and the bytes left unread.
fn reference(chunks: &[&[u8]], policy: &Policy, ending: LineEnding) -> (Vec<Outcome>, Vec<u8>) {
    let mut framer = LineFramer::new(policy.max_command_line, ending);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            match framer.next_line(&mut buf) {
                Ok(None) => break,
                Ok(Some(line)) => out.push(
                    Command::parse_bytes(&line, policy)
                        .map_err(|e| (e.kind(), e.reason().to_owned(), e.line().to_vec())),
                ),
                Err(Error::Limit(_)) => out.push(Err((
                    ParseErrorKind::LineTooLong,
                    "line too long".to_owned(),
                    Vec::new(),
                ))),
                Err(Error::Remote(r)) => out.push(Err((
                    ParseErrorKind::UnrecognizedCommand,
                    r.reason().to_owned(),
                    r.offending().to_vec(),
                ))),
                Err(e) => panic!("unexpected framer error {e:?}"),
            }
        }
    }
    (out, buf.to_vec())
}

/// What `parse_from` gives, driven as its docs say: drop `consumed`
/// bytes after a command; after an error, skip up to and including the
/// next LF, waiting for it if it has not arrived.
fn one_pass(chunks: &[&[u8]], policy: &Policy, ending: LineEnding) -> (Vec<Outcome>, Vec<u8>) {
    let mut pending = BytesMut::new();
    let mut discarding = false;
    let mut out = Vec::new();
    for chunk in chunks {
        pending.extend_from_slice(chunk);
        loop {
            if discarding {
                match memchr::memchr(b'\n', &pending) {
                    Some(lf) => {
                        pending.advance(lf + 1);
                        discarding = false;
                    }
                    None => {
                        pending.clear();
                        break;
                    }
                }
            }
            let buf = Bytes::copy_from_slice(&pending);
            match Command::parse_from(&buf, policy, ending) {
                Ok(Some((cmd, consumed))) => {
                    assert!(consumed > 0 && consumed <= buf.len());
                    assert!(consumed <= policy.max_command_line.max(2));
                    assert_eq!(buf[consumed - 1], b'\n');
                    out.push(Ok(cmd));
                    pending.advance(consumed);
                }
                Ok(None) => {
                    assert!(buf.len() < policy.max_command_line.max(2));
                    break;
                }
                Err(e) => {
                    out.push(Err((e.kind(), e.reason().to_owned(), e.line().to_vec())));
                    match memchr::memchr(b'\n', &pending) {
                        Some(lf) => pending.advance(lf + 1),
                        None => {
                            pending.clear();
                            discarding = true;
                        }
                    }
                }
            }
        }
    }
    (out, pending.to_vec())
}

/// Framing errors carry no line in the reference (`Error::Limit`); the
/// rest must match exactly.
fn same(a: &(Vec<Outcome>, Vec<u8>), b: &(Vec<Outcome>, Vec<u8>)) -> bool {
    a.1 == b.1
        && a.0.len() == b.0.len()
        && a.0.iter().zip(&b.0).all(|(x, y)| match (x, y) {
            (Err((k1, r1, _)), Err((k2, r2, _)))
                if *k1 == ParseErrorKind::LineTooLong && r1 == "line too long" =>
            {
                k1 == k2 && r1 == r2
            }
            _ => x == y,
        })
}

/// Pieces that make interesting buffers: commands of every kind, line
/// endings alone, bare CR and LF, NUL, UTF-8, long runs.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            &b"MAIL FROM:<john.smith@example.com> SIZE=1048576 BODY=8BITMIME"[..],
            b"RCPT TO:<jane.doe@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;jane.doe@example.org",
            b"MAIL FROM:<>",
            b"mail from: <a@b>  size=12  ",
            b"RCPT TO:<Postmaster>",
            b"RCPT TO:<\"a b\"@c> NOTIFY=NEVER",
            b"MAIL FROM:<a@b> SIZE=1 SIZE=2",
            b"MAIL FROM:<a@b> SIZE=99999999999999999999",
            b"MAIL FROM:<a@b> SMTPUTF8 \t",
            b"DATA",
            b"data",
            b"RSET",
            b"QUIT",
            b"NOOP",
            b"noop hi",
            b"HELP",
            b"DATA x",
            b"EHLO client.example.net",
            b"BDAT 100 LAST",
            b"STARTTLS",
            b"AUTH PLAIN AGFiYwBzZWNyZXQ=",
            b"XFOO bar",
            b"",
            b" ",
            b"\r\n",
            b"\n",
            b"\r",
            b"\0",
            b"\xc3\xa9",
            b"\xff",
            b"<a@b>",
            b" SIZE=5",
            b" NOTIFY=DELAY",
        ])
        .prop_map(<[u8]>::to_vec),
        prop::collection::vec(any::<u8>(), 0..8),
        (1usize..120, any::<u8>()).prop_map(|(n, b)| vec![b; n]),
    ]
}

/// A buffer of pieces, most of them lines.
fn buffer() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (
            piece(),
            prop::sample::select(vec![&b"\r\n"[..], b"\r\n", b"\n", b""]),
        ),
        0..6,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(mut p, end)| {
                p.extend_from_slice(end);
                p
            })
            .collect()
    })
}

fn any_policy() -> impl Strategy<Value = Policy> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![512usize, 512, 0, 1, 2, 5, 6, 7, 16, 40, 64, 80]),
    )
        .prop_map(|(space_after_colon, extra_whitespace, bare_path, max)| {
            let mut p = Policy::strict();
            p.space_after_colon = space_after_colon;
            p.extra_whitespace = extra_whitespace;
            p.bare_path = bare_path;
            p.max_command_line = max;
            p
        })
}

fn any_ending() -> impl Strategy<Value = LineEnding> {
    prop_oneof![Just(LineEnding::Strict), Just(LineEnding::Normalize)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Whole buffers: the same outcomes and the same bytes left.
    #[test]
    fn parse_from_same_as_framer_and_parse_bytes(
        buf in buffer(),
        policy in any_policy(),
        ending in any_ending(),
    ) {
        let want = reference(&[&buf], &policy, ending);
        let got = one_pass(&[&buf], &policy, ending);
        prop_assert!(same(&want, &got), "{:?}\nwant {:?}\ngot  {:?}", Bytes::from(buf), want, got);
    }

    /// Any bytes at all.
    #[test]
    fn parse_from_same_on_any_bytes(
        buf in prop::collection::vec(any::<u8>(), 0..200),
        policy in any_policy(),
        ending in any_ending(),
    ) {
        let want = reference(&[&buf], &policy, ending);
        let got = one_pass(&[&buf], &policy, ending);
        prop_assert!(same(&want, &got), "{:?}\nwant {:?}\ngot  {:?}", Bytes::from(buf), want, got);
    }

    /// Split at every byte: the outcomes do not depend on how the input
    /// arrives.
    #[test]
    fn parse_from_split_at_every_byte(
        buf in buffer(),
        policy in any_policy(),
        ending in any_ending(),
    ) {
        let whole = reference(&[&buf], &policy, ending);
        for at in 0..=buf.len() {
            let (a, b) = buf.split_at(at);
            let want = reference(&[a, b], &policy, ending);
            let got = one_pass(&[a, b], &policy, ending);
            prop_assert!(same(&want, &got), "split at {} of {:?}", at, Bytes::from(buf.clone()));
            prop_assert!(same(&whole, &got), "split at {} of {:?}", at, Bytes::from(buf.clone()));
        }
    }
}

/// The bench lines and friends, by hand: values, bytes consumed, and the
/// framing errors.
#[test]
fn parse_from_by_hand() {
    let policy = Policy::server();
    let strict = LineEnding::Strict;
    let parse =
        |s: &'static [u8], ending| Command::parse_from(&Bytes::from_static(s), &policy, ending);
    let (cmd, n) = parse(b"DATA\r\nRSET\r\n", strict).unwrap().unwrap();
    assert_eq!((cmd, n), (Command::Data, 6));
    let (cmd, n) = parse(b"noop\r\n", strict).unwrap().unwrap();
    assert_eq!((cmd, n), (Command::Noop(None), 6));
    let line = b"MAIL FROM:<john.smith@example.com> SIZE=1048576 BODY=8BITMIME\r\nDATA\r\n";
    let (cmd, n) = parse(line, strict).unwrap().unwrap();
    assert_eq!(n, line.len() - 6);
    assert_eq!(cmd, Command::parse(&line[..n - 2], &policy).unwrap(),);
    // Not yet complete; then complete.
    assert_eq!(parse(b"MAIL FROM:<a@b>", strict), Ok(None));
    assert_eq!(parse(b"MAIL FROM:<a@b>\r", strict), Ok(None));
    assert_eq!(parse(b"DATA\r", strict), Ok(None));
    // Bare LF: an error under Strict, a line end under Normalize.
    let e = parse(b"MAIL FROM:<a@b>\nDATA\r\n", strict).unwrap_err();
    assert_eq!(e.reason(), "bare LF without CR ends a line");
    let (_, n) = parse(b"MAIL FROM:<a@b>\nDATA\r\n", LineEnding::Normalize)
        .unwrap()
        .unwrap();
    assert_eq!(n, 16);
    let e = parse(b"MAIL FROM:<a@b>\r\rDATA\r\n", LineEnding::Normalize).unwrap_err();
    assert_eq!(e.reason(), "bare CR inside a line");
    let e = parse(b"DATA\r\r\n", strict).unwrap_err();
    assert_eq!(e.reason(), "bare CR inside a line");
    // Too long: an error as soon as the limit is reached without an LF.
    let mut p = Policy::server();
    p.max_command_line = 16;
    let long = Bytes::from_static(b"MAIL FROM:<abcd@efgh.ij>");
    let e = Command::parse_from(&long.slice(..15), &p, strict);
    assert_eq!(e, Ok(None));
    let e = Command::parse_from(&long.slice(..16), &p, strict).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LineTooLong);
}
