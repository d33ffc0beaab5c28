//! Dot-stuffing: the transparency procedure shared by SMTP `DATA`
//! (RFC 5321 §4.5.2) and POP3 multi-line responses (RFC 1939 §3).
//!
//! On the wire a body ends with a line holding a single dot, so a line of the
//! body that starts with a dot gets a second one in front, and the receiver
//! removes it again. The end marker is recognised **only** as CRLF `.` CRLF
//! (or `.` CRLF at the very start of the body): accepting `LF . LF` or other
//! variants lets an attacker smuggle a second message past a filter that
//! reads the stream differently (the "SMTP smuggling" family of attacks).

use bytes::{Buf, Bytes, BytesMut};

use crate::crlf_scan::next_decision;
use crate::line::LineEnding;

/// Streams any bytes into a correct dot-stuffed wire body.
///
/// * a dot at the start of the body or of any line is doubled;
/// * a bare CR or a bare LF becomes CRLF, so the receiver sees exactly the
///   lines the sender meant and no end marker can be formed by accident;
/// * [`finish`](Self::finish) adds a final CRLF when the body lacks one, then
///   the end marker `.` CRLF.
///
/// Input may be cut anywhere between calls to [`encode`](Self::encode).
#[derive(Debug, Clone)]
pub struct DotStuffer {
    lines: LineEncoder,
}

impl Default for DotStuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl DotStuffer {
    /// A stuffer at the start of a body.
    pub fn new() -> Self {
        DotStuffer {
            lines: LineEncoder::new(true),
        }
    }

    /// Appends the wire form of `input` to `out`.
    pub fn encode(&mut self, input: &[u8], out: &mut BytesMut) {
        self.lines.encode(input, out);
    }

    /// Ends the body: a CRLF if the last line is unterminated, then `.` CRLF.
    pub fn finish(mut self, out: &mut BytesMut) {
        self.lines.end_line(out);
        out.extend_from_slice(b".\r\n");
    }
}

/// Streams any bytes into canonical CRLF line endings (RFC 5322 §2.1)
/// without dot-stuffing: what a text body sent in SMTP `BDAT` chunks needs
/// (RFC 3030 §2), since chunks carry the message as it is.
///
/// A bare CR or a bare LF becomes CRLF and [`finish`](Self::finish) ends an
/// unterminated last line. Input may be cut anywhere between calls.
#[derive(Debug, Clone)]
pub struct CrlfNormalizer {
    lines: LineEncoder,
}

impl Default for CrlfNormalizer {
    fn default() -> Self {
        Self::new()
    }
}

impl CrlfNormalizer {
    /// A normalizer at the start of a body.
    pub fn new() -> Self {
        CrlfNormalizer {
            lines: LineEncoder::new(false),
        }
    }

    /// Appends the canonical form of `input` to `out`.
    pub fn encode(&mut self, input: &[u8], out: &mut BytesMut) {
        self.lines.encode(input, out);
    }

    /// Ends the body with a CRLF if its last line is unterminated; the
    /// normalizer is then ready for a new body.
    pub fn finish(&mut self, out: &mut BytesMut) {
        self.lines.end_line(out);
        self.lines = LineEncoder::new(false);
    }
}

/// The line handling [`DotStuffer`] and [`CrlfNormalizer`] share.
#[derive(Debug, Clone)]
struct LineEncoder {
    at_line_start: bool,
    pending_cr: bool,
    stuff_dots: bool,
}

impl LineEncoder {
    fn new(stuff_dots: bool) -> Self {
        LineEncoder {
            at_line_start: true,
            pending_cr: false,
            stuff_dots,
        }
    }

    /// Copies `input` to `out` in runs: a run of plain CRLF lines goes in
    /// with one `extend_from_slice`, and only a bare CR or LF, a dot at a
    /// line start or the end of the input cuts it.
    fn encode(&mut self, mut input: &[u8], out: &mut BytesMut) {
        out.reserve(input.len() + input.len() / 64 + 4);
        if self.pending_cr && !input.is_empty() {
            self.pending_cr = false;
            out.extend_from_slice(b"\r\n");
            self.at_line_start = true;
            if input[0] == b'\n' {
                input = &input[1..];
            }
        }
        let len = input.len();
        // `input[run..i]` is still to be copied as it is.
        let mut run = 0;
        let mut i = 0;
        let mut line_start = self.at_line_start;
        while i < len {
            let b;
            (i, line_start, b) = next_decision(input, i, line_start);
            let Some(b) = b else { break };
            match b {
                b'.' if line_start && self.stuff_dots => {
                    out.extend_from_slice(&input[run..i]);
                    out.extend_from_slice(b".");
                    run = i;
                }
                b'\r' => match input.get(i + 1) {
                    None => {
                        out.extend_from_slice(&input[run..i]);
                        self.pending_cr = true;
                        self.at_line_start = false;
                        return;
                    }
                    Some(b'\n') => {
                        i += 2;
                        line_start = true;
                        continue;
                    }
                    Some(_) => {
                        out.extend_from_slice(&input[run..i]);
                        out.extend_from_slice(b"\r\n");
                        i += 1;
                        run = i;
                        line_start = true;
                        continue;
                    }
                },
                b'\n' => {
                    out.extend_from_slice(&input[run..i]);
                    out.extend_from_slice(b"\r\n");
                    i += 1;
                    run = i;
                    line_start = true;
                    continue;
                }
                _ => {}
            }
            i += 1;
            line_start = false;
        }
        out.extend_from_slice(&input[run..]);
        self.at_line_start = line_start;
    }

    /// A CRLF if the output so far does not end a line.
    fn end_line(&mut self, out: &mut BytesMut) {
        if self.pending_cr || !self.at_line_start {
            out.extend_from_slice(b"\r\n");
        }
        self.pending_cr = false;
        self.at_line_start = true;
    }
}

/// Dot-stuffs a whole body, end marker included.
pub fn dot_stuff(body: &[u8]) -> BytesMut {
    let mut out = BytesMut::with_capacity(body.len() + body.len() / 64 + 8);
    let mut stuffer = DotStuffer::new();
    stuffer.encode(body, &mut out);
    stuffer.finish(&mut out);
    out
}

/// One step of [`DotDecoder::decode`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DotChunk {
    /// Body bytes with the stuffing removed; a slice of the input buffer
    /// except where [`LineEnding::Normalize`] turned a bare LF into CRLF.
    Data(Bytes),
    /// The end marker was consumed; the body is complete. The bytes after
    /// it are left in the buffer.
    End,
}

/// Streams a dot-stuffed wire body back into the body bytes.
///
/// The decoder starts at the beginning of a line (the CRLF of the command
/// that opened the body has been consumed), ends only at CRLF `.` CRLF, and
/// removes the leading dot of every line that starts with one, the first
/// line included. The CRLF before the end marker belongs to the body.
///
/// Bare CR and bare LF never end the body. Under [`LineEnding::Strict`] they
/// pass through unchanged and are recorded, so that a server can refuse the
/// whole message once its end is reached
/// ([`saw_bare_line_ending`](Self::saw_bare_line_ending)); under
/// [`LineEnding::Normalize`] a bare LF is delivered as CRLF (a bare CR is
/// still recorded), but it does not start a line for dot handling: only a
/// real CRLF does, so `LF . CRLF` neither ends the body nor loses its dot.
/// A receiver that ended or unstuffed there would read a different message
/// than a strict filter in front of it, which is the smuggling attack.
///
/// The decoder holds no data itself: at most the four bytes of a possible
/// end marker stay unconsumed in the caller's buffer until the next bytes
/// tell what they are.
#[derive(Debug, Clone)]
pub struct DotDecoder {
    policy: LineEnding,
    /// The first unconsumed byte of the buffer starts a line.
    line_start: bool,
    saw_bare: bool,
    done: bool,
}

impl DotDecoder {
    /// A decoder at the start of a body.
    pub fn new(policy: LineEnding) -> Self {
        DotDecoder {
            policy,
            line_start: true,
            saw_bare: false,
            done: false,
        }
    }

    /// Whether a bare CR or LF (one that was not turned into CRLF) was seen.
    pub fn saw_bare_line_ending(&self) -> bool {
        self.saw_bare
    }

    /// Whether the end marker has been consumed.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Takes the next piece of the body off the front of `buf`.
    ///
    /// Returns `None` when more input is needed (or after the end), a
    /// [`DotChunk::Data`] with as many body bytes as are certain, or
    /// [`DotChunk::End`] once. A chunk spans as many lines as it can: it
    /// stops only before a line that starts with a (stuffed) dot, before a
    /// bare LF that [`LineEnding::Normalize`] turns into CRLF, or at the end
    /// of what is certain in `buf`.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Option<DotChunk> {
        if self.done {
            return None;
        }
        if self.line_start && buf.first() == Some(&b'.') {
            match (buf.get(1), buf.get(2)) {
                // Could be the end marker: wait for more.
                (None, _) | (Some(b'\r'), None) => return None,
                (Some(b'\r'), Some(b'\n')) => {
                    buf.advance(3);
                    self.done = true;
                    self.line_start = false;
                    return Some(DotChunk::End);
                }
                // A stuffed dot: drop it.
                _ => {
                    buf.advance(1);
                    self.line_start = false;
                }
            }
        }
        match self.scan(buf) {
            Cut::Body(0, _) => None,
            Cut::Body(n, line_start) => {
                self.line_start = line_start;
                Some(DotChunk::Data(buf.split_to(n).freeze()))
            }
            Cut::BareLf(0) => {
                buf.advance(1);
                Some(DotChunk::Data(Bytes::from_static(b"\r\n")))
            }
            Cut::BareLf(n) => {
                self.line_start = false;
                Some(DotChunk::Data(buf.split_to(n).freeze()))
            }
        }
    }

    /// How much of `data` (which does not start with a line-starting dot)
    /// is certain body that needs no change.
    ///
    /// Plain stretches go through [`next_decision`] in bulk; the bytes where a
    /// stretch stops (a line ending, a dot at a line start, a bare CR or LF)
    /// are taken one at a time here, and then the bulk scan resumes.
    fn scan(&mut self, data: &[u8]) -> Cut {
        let len = data.len();
        let mut i = 0;
        // Whether `data[i]` starts a line.
        let mut line_start = self.line_start;
        while i < len {
            let b;
            (i, line_start, b) = next_decision(data, i, line_start);
            let Some(b) = b else { break };
            match b {
                b'.' if line_start => return Cut::Body(i, true),
                b'\r' => match data.get(i + 1) {
                    // A CR whose partner has not arrived yet.
                    None => return Cut::Body(i, false),
                    Some(b'\n') => {
                        i += 2;
                        line_start = true;
                        continue;
                    }
                    Some(_) => self.saw_bare = true,
                },
                b'\n' => {
                    if self.policy == LineEnding::Normalize {
                        return Cut::BareLf(i);
                    }
                    self.saw_bare = true;
                }
                _ => {}
            }
            i += 1;
            line_start = false;
        }
        Cut::Body(len, line_start)
    }
}

/// Where [`DotDecoder::scan`] stopped.
enum Cut {
    /// This many bytes are body as they are; whether the next one starts a
    /// line.
    Body(usize, bool),
    /// This many bytes are body as they are, then a bare LF that
    /// [`LineEnding::Normalize`] turns into CRLF.
    BareLf(usize),
}

/// Decodes a complete wire body in one go; returns the body and the bytes
/// after the end marker, or `None` if the end marker is missing.
pub fn dot_unstuff(wire: &[u8], policy: LineEnding) -> Option<(Vec<u8>, Bytes)> {
    let mut buf = BytesMut::from(wire);
    let mut decoder = DotDecoder::new(policy);
    let mut body = Vec::with_capacity(wire.len());
    while let Some(chunk) = decoder.decode(&mut buf) {
        match chunk {
            DotChunk::Data(d) => body.extend_from_slice(&d),
            DotChunk::End => return Some((body, buf.freeze())),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Long bodies with the dot line, a CRLF or a bare line ending at every
    /// offset around a 64-byte block edge of the bulk scan (16 KiB is a
    /// multiple of 64), and far enough in that many blocks come first.
    #[test]
    fn bulk_runs_across_a_block_edge() {
        let w = 16 * 1024;
        for k in w - 12..w + 12 {
            let mut body = vec![b'x'; k];
            body.extend_from_slice(b"\r\n.y\r\nz\r\n");
            body.extend(std::iter::repeat_n(b'q', w));
            body.extend_from_slice(b"\r\n");
            let wire = dot_stuff(&body);
            let mut d = DotDecoder::new(LineEnding::Strict);
            let mut buf = BytesMut::from(&wire[..]);
            let mut got = Vec::new();
            while let Some(DotChunk::Data(c)) = d.decode(&mut buf) {
                got.extend_from_slice(&c);
            }
            assert!(d.is_done() && !d.saw_bare_line_ending(), "{k}");
            assert_eq!(got, body, "{k}");
            for bare in [&b"\n"[..], b"\r", b"\n."] {
                let mut wire = wire.to_vec();
                wire.splice(k..k, bare.iter().copied());
                let mut d = DotDecoder::new(LineEnding::Strict);
                let mut buf = BytesMut::from(&wire[..]);
                while let Some(DotChunk::Data(_)) = d.decode(&mut buf) {}
                assert!(d.is_done() && d.saw_bare_line_ending(), "{k} {bare:?}");
            }
        }
    }

    #[test]
    fn stuffing_examples() {
        assert_eq!(&dot_stuff(b"")[..], b".\r\n");
        assert_eq!(&dot_stuff(b"a")[..], b"a\r\n.\r\n");
        assert_eq!(
            &dot_stuff(b".a\r\n.\r\nb\n.c\r")[..],
            b"..a\r\n..\r\nb\r\n..c\r\n.\r\n"
        );
        assert_eq!(&dot_stuff(b"x\ry")[..], b"x\r\ny\r\n.\r\n");
    }

    #[test]
    fn stuffing_split_cr_lf() {
        let mut out = BytesMut::new();
        let mut s = DotStuffer::new();
        s.encode(b"a\r", &mut out);
        s.encode(b"\n.b", &mut out);
        s.finish(&mut out);
        assert_eq!(&out[..], b"a\r\n..b\r\n.\r\n");
    }

    #[test]
    fn crlf_normalizer_at_every_split() {
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

    #[test]
    fn decoding_examples() {
        let (body, rest) = dot_unstuff(b".\r\nNEXT", LineEnding::Strict).unwrap();
        assert!(body.is_empty());
        assert_eq!(&rest[..], b"NEXT");
        let (body, _) = dot_unstuff(b"..a\r\nb\r\n...\r\n.\r\n", LineEnding::Strict).unwrap();
        assert_eq!(body, b".a\r\nb\r\n..\r\n");
    }

    #[test]
    fn only_crlf_dot_crlf_ends() {
        for wire in [
            &b"a\n.\nb"[..],
            b"a\n.\r\nb",
            b"a\r.\rb",
            b"a\r\n.\rb",
            b"a\r\n.\nb",
            b"a\r.\r\nb",
            b"a\r\n\x00.\r\nb",
        ] {
            assert!(dot_unstuff(wire, LineEnding::Strict).is_none(), "{wire:?}");
            assert!(
                dot_unstuff(wire, LineEnding::Normalize).is_none(),
                "{wire:?}"
            );
        }
    }

    #[test]
    fn bare_line_endings_are_recorded_or_normalized() {
        let mut buf = BytesMut::from(&b"a\nb\r\n.\r\n"[..]);
        let mut d = DotDecoder::new(LineEnding::Strict);
        let mut body = Vec::new();
        while let Some(DotChunk::Data(c)) = d.decode(&mut buf) {
            body.extend_from_slice(&c);
        }
        assert!(d.is_done() && d.saw_bare_line_ending());
        assert_eq!(body, b"a\nb\r\n");
        let (body, _) = dot_unstuff(b"a\nb\r\n.\r\n", LineEnding::Normalize).unwrap();
        assert_eq!(body, b"a\r\nb\r\n");
    }
}
