//! Dot-stuffing against a byte-at-a-time reference written straight from
//! RFC 5321 §4.5.2: exhaustively over short strings, and by proptest over
//! arbitrary bodies, with input split at every position.

use bytes::BytesMut;
use mailwire_core::{DotChunk, DotDecoder, DotStuffer, LineEnding};
use proptest::prelude::*;

/// What a receiver must make of `wire` (Strict policy).
#[derive(Debug, PartialEq)]
struct Reference {
    body: Vec<u8>,
    /// Offset just past the end marker, if there is one.
    end: Option<usize>,
    bare: bool,
}

fn reference(wire: &[u8]) -> Reference {
    let mut body = Vec::new();
    let mut bare = false;
    let mut i = 0;
    let mut line_start = true;
    while i < wire.len() {
        if line_start {
            line_start = false;
            if wire[i..].starts_with(b".\r\n") {
                return Reference {
                    body,
                    end: Some(i + 3),
                    bare,
                };
            }
            if wire[i] == b'.' {
                i += 1;
                continue;
            }
        }
        let b = wire[i];
        body.push(b);
        if b == b'\r' && wire.get(i + 1) == Some(&b'\n') {
            body.push(b'\n');
            i += 2;
            line_start = true;
            continue;
        }
        if b == b'\n' || (b == b'\r' && i + 1 < wire.len()) {
            bare = true;
        }
        i += 1;
    }
    Reference {
        body,
        end: None,
        bare,
    }
}

/// Runs the decoder over `wire` cut into the given pieces.
fn decode_pieces(pieces: &[&[u8]]) -> Reference {
    let mut decoder = DotDecoder::new(LineEnding::Strict);
    let mut buf = BytesMut::new();
    let mut body = Vec::new();
    let mut fed = 0;
    for piece in pieces {
        buf.extend_from_slice(piece);
        fed += piece.len();
        while let Some(chunk) = decoder.decode(&mut buf) {
            match chunk {
                DotChunk::Data(d) => body.extend_from_slice(&d),
                DotChunk::End => {
                    return Reference {
                        body,
                        end: Some(fed - buf.len()),
                        bare: decoder.saw_bare_line_ending(),
                    };
                }
            }
        }
        assert!(buf.len() <= 2, "held back {:?}", buf);
    }
    Reference {
        body,
        end: None,
        bare: decoder.saw_bare_line_ending(),
    }
}

fn check_wire(wire: &[u8]) {
    let want = reference(wire);
    let mut splits: Vec<Vec<&[u8]>> = (0..=wire.len())
        .map(|k| vec![&wire[..k], &wire[k..]])
        .collect();
    splits.push(wire.chunks(1).collect());
    for pieces in splits {
        let got = decode_pieces(&pieces);
        if want.end.is_some() {
            assert_eq!(got, want, "wire {wire:?} pieces {pieces:?}");
        } else {
            assert_eq!(got.end, None, "wire {wire:?}");
            assert!(want.body.starts_with(&got.body), "wire {wire:?}");
            assert!(want.body.len() - got.body.len() <= 2, "wire {wire:?}");
        }
    }
}

#[test]
fn exhaustive_over_a_dot_cr_lf_up_to_length_8() {
    let alphabet = [b'a', b'.', b'\r', b'\n'];
    let mut count = 0;
    for len in 0..=8u32 {
        for n in 0..4usize.pow(len) {
            let mut wire = Vec::with_capacity(len as usize);
            let mut k = n;
            for _ in 0..len {
                wire.push(alphabet[k % 4]);
                k /= 4;
            }
            check_wire(&wire);
            count += 1;
        }
    }
    assert_eq!(count, (0..=8).map(|l| 4usize.pow(l)).sum::<usize>());
}

/// What the stuffer promises the receiver gets: every bare CR or LF turned
/// into CRLF, and a final CRLF on a non-empty body.
fn normalized(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' if body.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
            }
            b'\r' | b'\n' => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn stuff_pieces(pieces: &[&[u8]]) -> BytesMut {
    let mut out = BytesMut::new();
    let mut stuffer = DotStuffer::new();
    for piece in pieces {
        stuffer.encode(piece, &mut out);
    }
    stuffer.finish(&mut out);
    out
}

#[test]
fn exhaustive_stuffing_round_trip_up_to_length_7() {
    let alphabet = [b'a', b'.', b'\r', b'\n'];
    for len in 0..=7u32 {
        for n in 0..4usize.pow(len) {
            let mut body = Vec::new();
            let mut k = n;
            for _ in 0..len {
                body.push(alphabet[k % 4]);
                k /= 4;
            }
            let whole = stuff_pieces(&[&body]);
            for cut in 0..=body.len() {
                assert_eq!(stuff_pieces(&[&body[..cut], &body[cut..]]), whole);
            }
            let got = decode_pieces(&[&whole]);
            assert_eq!(got.end, Some(whole.len()), "{body:?}");
            assert!(!got.bare);
            assert_eq!(got.body, normalized(&body), "{body:?}");
        }
    }
}

proptest! {
    #[test]
    fn stuffing_then_decoding_is_identity_on_normalized_bodies(
        body in proptest::collection::vec(
            prop_oneof![Just(b'.'), Just(b'\r'), Just(b'\n'), any::<u8>()], 0..600),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(body.len() + 1)).collect();
        points.sort_unstable();
        let mut pieces = Vec::new();
        let mut last = 0;
        for p in points {
            pieces.push(&body[last..p]);
            last = p;
        }
        pieces.push(&body[last..]);
        let wire = stuff_pieces(&pieces);
        prop_assert_eq!(&wire, &stuff_pieces(&[&body]));
        // No line of the wire form is a lone dot except the end marker.
        prop_assert_eq!(reference(&wire).end, Some(wire.len()));
        let wire_pieces: Vec<&[u8]> = wire.chunks(7).collect();
        let got = decode_pieces(&wire_pieces);
        prop_assert_eq!(got.end, Some(wire.len()));
        prop_assert_eq!(got.body, normalized(&body));
    }

    #[test]
    fn decoder_matches_reference_on_arbitrary_wire(
        wire in proptest::collection::vec(
            prop_oneof![Just(b'.'), Just(b'\r'), Just(b'\n'), Just(b'x')], 0..64),
    ) {
        check_wire(&wire);
    }
}
