//! Property: whatever the body and however it is cut, the server receives
//! the same canonical message whether the client sends it with DATA
//! (dot-stuffed) or BDAT (chunked), with or without pipelining.

mod pair_common;

use bytes::Bytes;
use mailwire_smtp::client::{BodyInfo, Client, ClientEvent, Envelope};
use pair_common::*;
use proptest::prelude::*;

/// The body with every bare CR or LF made CRLF and an unterminated last
/// line ended: what RFC 5321 §2.3.8 and RFC 5322 §2.1 call the message.
fn canonical(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' if body.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
            }
            b'\r' | b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn body_strategy() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            Just(b'\r'),
            Just(b'\n'),
            Just(b'.'),
            Just(b'a'),
            Just(0xc3u8),
            Just(0xa9u8),
        ],
        0..300,
    )
}

fn deliver(
    body: &[u8],
    cuts: &[usize],
    chunking: bool,
    pipelining: bool,
    piece: usize,
) -> Vec<Vec<u8>> {
    let mut cc = client_config();
    cc.chunking = chunking;
    cc.pipelining = pipelining;
    cc.body_piece = piece;
    let mut pair = Pair::new(cc, server_config());
    let body = Bytes::copy_from_slice(body);
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    cuts.sort_unstable();
    let mut app = |c: &mut Client, e: &ClientEvent| match e {
        ClientEvent::Ready { .. } => {
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            c.start_mail(env, BodyInfo::of(&body)).unwrap();
            let mut at = 0;
            for &cut in &cuts {
                c.push_body(body.slice(at..cut)).unwrap();
                at = cut;
            }
            c.push_body(body.slice(at..)).unwrap();
            c.end_body().unwrap();
        }
        ClientEvent::MessageResult { .. } | ClientEvent::TransactionFailed { .. } => {
            c.quit().unwrap()
        }
        _ => {}
    };
    pair.run(&mut app, &mut accept_all);
    assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
    assert!(pair.server_error.is_none(), "{:?}", pair.server_error);
    assert!(pair.closed_with(221));
    pair.messages
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn data_and_bdat_deliver_the_same_message(
        body in body_strategy(),
        cuts in proptest::collection::vec(any::<usize>(), 0..4),
        piece in 1usize..40,
        pipelining in any::<bool>(),
    ) {
        let expected = vec![canonical(&body)];
        prop_assert_eq!(deliver(&body, &cuts, false, pipelining, piece), expected.clone());
        prop_assert_eq!(deliver(&body, &cuts, true, pipelining, piece), expected);
    }
}
