//! Fuzz checks for mailwire-core.

use bytes::BytesMut;
use mailwire_core::{DotChunk, DotDecoder, DotStuffer, LineEnding, LineFramer};

/// The targets of this module.
pub const TARGETS: &[(&str, crate::Check)] = &[
    ("core_dot_decoder", dot_decoder),
    ("core_line_framer", line_framer),
];

/// Decodes arbitrary bytes fed in arbitrary pieces (the first byte sets
/// the piece size). The decoder may hold back at most a possible end marker,
/// and a body it decoded must survive stuffing and decoding again.
pub fn dot_decoder(data: &[u8]) {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    let step = usize::from(split).max(1);
    let mut decoder = DotDecoder::new(LineEnding::Strict);
    let mut buf = BytesMut::new();
    let mut body = Vec::new();
    'feed: for piece in data.chunks(step) {
        buf.extend_from_slice(piece);
        while let Some(chunk) = decoder.decode(&mut buf) {
            match chunk {
                DotChunk::Data(d) => body.extend_from_slice(&d),
                DotChunk::End => break 'feed,
            }
        }
        assert!(buf.len() <= 4, "decoder held back {} bytes", buf.len());
    }
    if decoder.is_done() && !decoder.saw_bare_line_ending() {
        let mut wire = BytesMut::new();
        let mut stuffer = DotStuffer::new();
        stuffer.encode(&body, &mut wire);
        stuffer.finish(&mut wire);
        let (again, rest) =
            mailwire_core::dot_unstuff(&wire, LineEnding::Strict).expect("stuffed body must end");
        assert!(rest.is_empty());
        assert_eq!(again, body, "a decoded body must round-trip");
    }
}

/// Frames arbitrary bytes into lines under both policies; no line is longer
/// than the limit and none contains CR or (under Strict) LF.
pub fn line_framer(data: &[u8]) {
    for policy in [LineEnding::Strict, LineEnding::Normalize] {
        let mut framer = LineFramer::new(64, policy);
        let mut buf = BytesMut::new();
        for piece in data.chunks(7) {
            buf.extend_from_slice(piece);
            loop {
                match framer.next_line(&mut buf) {
                    Ok(Some(line)) => {
                        assert!(line.len() < 64);
                        assert!(!line.contains(&b'\r') && !line.contains(&b'\n'));
                    }
                    Ok(None) => break,
                    Err(_) => {}
                }
                assert!(buf.len() <= 64 + 7);
            }
        }
    }
}
