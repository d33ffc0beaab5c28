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
        while !input.is_empty() {
            if self.stuff_dots && self.at_line_start && input[0] == b'.' {
                out.extend_from_slice(b".");
            }
            self.at_line_start = false;
            match memchr::memchr2(b'\r', b'\n', input) {
                None => {
                    out.extend_from_slice(input);
                    return;
                }
                Some(pos) => {
                    out.extend_from_slice(&input[..pos]);
                    if input[pos] == b'\n' {
                        out.extend_from_slice(b"\r\n");
                        self.at_line_start = true;
                        input = &input[pos + 1..];
                    } else if pos + 1 == input.len() {
                        self.pending_cr = true;
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
    /// [`DotChunk::End`] once.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Option<DotChunk> {
        if self.done {
            return None;
        }
        let data = &buf[..];
        let len = data.len();
        let mut i = 0;
        let mut line_start = self.line_start;
        // Strict bodies are mostly well-formed lines: skip runs of them
        // in bulk (see `clean_run`) until a run turns out not to be clean;
        // from then on this call goes line by line.
        let mut bulk = self.policy == LineEnding::Strict;
        loop {
            if line_start {
                if i == len {
                    break;
                }
                if data[i] == b'.' {
                    if i + 1 == len || (data[i + 1] == b'\r' && i + 2 == len) {
                        // Could be the end marker: wait for more.
                        break;
                    }
                    if data[i + 1] == b'\r' && data[i + 2] == b'\n' {
                        if i > 0 {
                            // Deliver the body first; the marker is next.
                            return Some(self.emit(buf, i, true));
                        }
                        buf.advance(3);
                        self.done = true;
                        self.line_start = false;
                        return Some(DotChunk::End);
                    }
                    // A stuffed dot: drop it.
                    if i > 0 {
                        return Some(self.emit(buf, i, true));
                    }
                    buf.advance(1);
                    self.line_start = false;
                    return self.decode(buf);
                }
                line_start = false;
            }
            if bulk {
                match clean_run(data, i) {
                    Some(e) if e > i => {
                        i = e;
                        // A clean run ends inside a line or after a CRLF.
                        line_start = data[e - 1] == b'\n';
                        continue;
                    }
                    Some(_) => {}
                    None => bulk = false,
                }
            }
            match memchr::memchr2(b'\r', b'\n', &data[i..]) {
                None => {
                    i = len;
                    break;
                }
                Some(pos) => {
                    let j = i + pos;
                    if data[j] == b'\n' {
                        if self.policy == LineEnding::Normalize {
                            if j > 0 {
                                return Some(self.emit(buf, j, false));
                            }
                            buf.advance(1);
                            return Some(DotChunk::Data(Bytes::from_static(b"\r\n")));
                        }
                        self.saw_bare = true;
                        i = j + 1;
                    } else if j + 1 == len {
                        // A CR whose partner has not arrived yet.
                        return self.emit_or_wait(buf, j, false);
                    } else if data[j + 1] == b'\n' {
                        i = j + 2;
                        line_start = true;
                    } else {
                        self.saw_bare = true;
                        i = j + 1;
                    }
                }
            }
        }
        self.emit_or_wait(buf, i, line_start)
    }

    fn emit_or_wait(&mut self, buf: &mut BytesMut, n: usize, line_start: bool) -> Option<DotChunk> {
        if n == 0 {
            None
        } else {
            Some(self.emit(buf, n, line_start))
        }
    }

    fn emit(&mut self, buf: &mut BytesMut, n: usize, line_start: bool) -> DotChunk {
        self.line_start = line_start;
        DotChunk::Data(buf.split_to(n).freeze())
    }
}

/// How far the line-by-line loop of [`DotDecoder::decode`] would go from
/// `i` (inside a line, its start already handled) doing nothing but step
/// over CRLFs: the end `e` of a run of bytes in which every CR is followed
/// by LF, every LF follows a CR, and no line starts with a dot, cut so
/// that it does not split a CRLF; the line-by-line loop takes over at `e`.
/// `None` if the run ahead holds a bare CR or LF, which the caller then
/// handles line by line.
///
/// The run looks ahead at most [`CLEAN_RUN_WINDOW`] bytes, so that a call
/// costs no more than a bounded step past the work the loop does anyway.
/// The next line starting with a dot is found with memmem (`LF .`); the
/// line endings before it are checked in one pass without early exit,
/// which the compiler turns into vector code.
fn clean_run(data: &[u8], i: usize) -> Option<usize> {
    let end = data.len().min(i + CLEAN_RUN_WINDOW);
    let window = &data[i..end];
    if window.len() < 2 {
        return Some(i);
    }
    // `checked` is the part of the window whose adjacent pairs must all be
    // CR LF together or neither.
    let (mut e, checked) = match memchr::memmem::find(window, b"\n.") {
        // Up to and with the LF before the dot; the loop takes the dot.
        Some(p) => (i + p + 1, &window[..=p]),
        // All but the last byte, which only pairs with what follows.
        None => (end - 1, window),
    };
    if window[0] == b'\n' || !crlf_paired(checked) {
        return None;
    }
    if data[e - 1] == b'\r' {
        e -= 1;
    }
    Some(e)
}

/// The furthest [`clean_run`] looks ahead.
const CLEAN_RUN_WINDOW: usize = 16 * 1024;

/// Whether every CR in `s` but the last byte is followed by LF and every
/// LF after the first byte follows a CR.
fn crlf_paired(s: &[u8]) -> bool {
    let next = s.get(1..).unwrap_or_default();
    !s.iter()
        .zip(next)
        .fold(false, |bad, (&a, &b)| bad | ((a == b'\r') != (b == b'\n')))
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

    /// Bodies longer than the bulk look-ahead, with the dot line, a CRLF or
    /// a bare line ending at every offset around where a window ends.
    #[test]
    fn bulk_runs_across_the_window_edge() {
        let w = CLEAN_RUN_WINDOW;
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
