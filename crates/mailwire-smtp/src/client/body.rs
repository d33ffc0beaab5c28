//! Line endings of a body sent with BDAT (RFC 3030 §2): the chunks carry
//! the message as it is, so a text body must already be in canonical form
//! (CRLF line endings, RFC 5322 §2.1) before it is cut. DATA gets the same
//! from [`mailwire_core::DotStuffer`]; BINARYMIME bodies go unchanged.

use bytes::BytesMut;

/// Streams a body into CRLF line endings: a bare CR or a bare LF becomes
/// CRLF, and [`finish`](Self::finish) ends an unterminated last line.
/// Input may be cut anywhere between calls.
#[derive(Debug, Clone, Default)]
pub(super) struct CrlfNormalizer {
    pending_cr: bool,
    /// The output so far ends a line (or is empty).
    at_line_start: bool,
    started: bool,
}

impl CrlfNormalizer {
    pub(super) fn new() -> CrlfNormalizer {
        CrlfNormalizer {
            pending_cr: false,
            at_line_start: true,
            started: false,
        }
    }

    /// Appends the canonical form of `input` to `out`.
    pub(super) fn encode(&mut self, mut input: &[u8], out: &mut BytesMut) {
        if input.is_empty() {
            return;
        }
        self.started = true;
        out.reserve(input.len() + 2);
        if self.pending_cr {
            self.pending_cr = false;
            out.extend_from_slice(b"\r\n");
            self.at_line_start = true;
            if input[0] == b'\n' {
                input = &input[1..];
            }
        }
        while !input.is_empty() {
            match memchr::memchr2(b'\r', b'\n', input) {
                None => {
                    out.extend_from_slice(input);
                    self.at_line_start = false;
                    return;
                }
                Some(pos) => {
                    out.extend_from_slice(&input[..pos]);
                    if input[pos] == b'\n' {
                        out.extend_from_slice(b"\r\n");
                        self.at_line_start = true;
                        input = &input[pos + 1..];
                    } else if pos + 1 == input.len() {
                        // A CR at the end of a piece: its LF may follow.
                        self.pending_cr = true;
                        self.at_line_start = pos == 0 && self.at_line_start;
                        return;
                    } else {
                        out.extend_from_slice(b"\r\n");
                        self.at_line_start = true;
                        let skip = if input[pos + 1] == b'\n' { 2 } else { 1 };
                        input = &input[pos + skip..];
                    }
                }
            }
        }
    }

    /// Ends the body: CRLF when the last line is unterminated.
    pub(super) fn finish(&mut self, out: &mut BytesMut) {
        if self.pending_cr || (self.started && !self.at_line_start) {
            out.extend_from_slice(b"\r\n");
        }
        self.pending_cr = false;
        self.at_line_start = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(input: &[u8]) -> Vec<u8> {
        let mut out = BytesMut::new();
        let mut n = CrlfNormalizer::new();
        n.encode(input, &mut out);
        n.finish(&mut out);
        out.to_vec()
    }

    #[test]
    fn canonical_line_endings_at_every_split() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"a", b"a\r\n"),
            (b"a\r\n", b"a\r\n"),
            (b"a\nb\rc\r\nd", b"a\r\nb\r\nc\r\nd\r\n"),
            (b"\r", b"\r\n"),
            (b"\r\r\n\n", b"\r\n\r\n\r\n"),
            (b".\r\n.", b".\r\n.\r\n"),
        ];
        for (input, expected) in cases {
            assert_eq!(whole(input), *expected, "{input:?}");
            for k in 0..=input.len() {
                let mut out = BytesMut::new();
                let mut n = CrlfNormalizer::new();
                n.encode(&input[..k], &mut out);
                n.encode(&input[k..], &mut out);
                n.finish(&mut out);
                assert_eq!(&out[..], *expected, "{input:?} split at {k}");
            }
        }
    }
}
