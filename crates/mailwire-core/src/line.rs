//! Line framing: cutting a byte stream into protocol lines, with a length
//! limit and a line-ending policy.
//!
//! SMTP (RFC 5321 §2.3.8), POP3 (RFC 1939 §3) and IMAP (RFC 9051 §2.2) all end
//! lines with CRLF. Some peers send a bare LF; accepting it is what made "SMTP
//! smuggling" possible, so the default policy, [`LineEnding::Strict`],
//! refuses it and only [`LineEnding::Normalize`] lets it end a line.

use bytes::{Buf, Bytes, BytesMut};

use crate::error::{Error, Result};

/// How line endings other than CRLF are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum LineEnding {
    /// Only CRLF ends a line; a bare LF or a bare CR is an error.
    #[default]
    Strict,
    /// A bare LF ends a line as CRLF would; a bare CR is still an error.
    Normalize,
}

/// Cuts complete lines off the front of a buffer.
///
/// The framer remembers how far it has already searched, so feeding a long
/// line a byte at a time costs linear time in total. It never asks the caller
/// to keep more than `max_len` bytes of an incomplete line: once a line is
/// longer, [`next_line`](Self::next_line) returns a recoverable
/// [`Error::Limit`], drops what it has, and skips everything up to the next
/// LF so that the following line is framed normally.
#[derive(Debug, Clone)]
pub struct LineFramer {
    max_len: usize,
    policy: LineEnding,
    /// Bytes at the front of the buffer already known to hold no LF.
    scanned: usize,
    /// Skipping the rest of an over-long line.
    discarding: bool,
}

impl LineFramer {
    /// A framer for lines of at most `max_len` bytes, line ending included.
    ///
    /// `max_len` is raised to 2 if smaller, so that an empty line fits.
    pub fn new(max_len: usize, policy: LineEnding) -> Self {
        LineFramer {
            max_len: max_len.max(2),
            policy,
            scanned: 0,
            discarding: false,
        }
    }

    /// The longest line accepted, line ending included.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Changes the longest line accepted (for example for an AUTH exchange).
    pub fn set_max_len(&mut self, max_len: usize) {
        self.max_len = max_len.max(2);
    }

    /// The line-ending policy in force.
    pub fn policy(&self) -> LineEnding {
        self.policy
    }

    /// Changes the line-ending policy.
    pub fn set_policy(&mut self, policy: LineEnding) {
        self.policy = policy;
    }

    /// Forgets any partial search; call it when the buffer was replaced or
    /// consumed by someone else.
    pub fn reset(&mut self) {
        self.scanned = 0;
        self.discarding = false;
    }

    /// Whether the framer is skipping the remainder of an over-long line.
    pub fn is_discarding(&self) -> bool {
        self.discarding
    }

    /// Takes the next complete line off the front of `buf` and returns it
    /// without its line ending, or `Ok(None)` when more input is needed.
    ///
    /// Errors (the offending line is consumed in every case, so the caller
    /// can answer and call again):
    /// * [`Error::Limit`] (`"line_length"`) for a line longer than `max_len`;
    /// * [`Error::Remote`] for a bare LF under [`LineEnding::Strict`], or a
    ///   CR that is not followed by LF.
    pub fn next_line(&mut self, buf: &mut BytesMut) -> Result<Option<Bytes>> {
        if self.discarding {
            match memchr::memchr(b'\n', buf) {
                Some(lf) => {
                    buf.advance(lf + 1);
                    self.discarding = false;
                    self.scanned = 0;
                }
                None => {
                    buf.clear();
                    return Ok(None);
                }
            }
        }
        let search_end = buf.len().min(self.max_len);
        let start = self.scanned.min(search_end);
        match memchr::memchr(b'\n', &buf[start..search_end]) {
            Some(pos) => {
                self.scanned = 0;
                let lf = start + pos;
                let line = buf.split_to(lf + 1).freeze();
                let has_cr = lf > 0 && line[lf - 1] == b'\r';
                if !has_cr && self.policy == LineEnding::Strict {
                    return Err(Error::remote("bare LF without CR ends a line", &line));
                }
                let content = line.slice(..if has_cr { lf - 1 } else { lf });
                if memchr::memchr(b'\r', &content).is_some() {
                    return Err(Error::remote("bare CR inside a line", &line));
                }
                Ok(Some(content))
            }
            None if buf.len() >= self.max_len => {
                self.scanned = 0;
                match memchr::memchr(b'\n', &buf[search_end..]) {
                    Some(pos) => buf.advance(search_end + pos + 1),
                    None => {
                        buf.clear();
                        self.discarding = true;
                    }
                }
                Err(Error::limit("line_length", self.max_len as u64, true))
            }
            None => {
                self.scanned = search_end;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(framer: &mut LineFramer, input: &[u8]) -> Vec<Result<Bytes>> {
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for &b in input {
            buf.extend_from_slice(&[b]);
            loop {
                match framer.next_line(&mut buf) {
                    Ok(None) => break,
                    other => out.push(other.map(|l| l.unwrap())),
                }
            }
        }
        out
    }

    #[test]
    fn strict_frames_crlf_only() {
        let mut f = LineFramer::new(100, LineEnding::Strict);
        let out = lines(&mut f, b"HELO a\r\nNOOP\nQUIT\r\n");
        assert_eq!(out[0].as_deref().unwrap(), b"HELO a");
        assert!(matches!(out[1], Err(Error::Remote(_))));
        assert_eq!(out[2].as_deref().unwrap(), b"QUIT");
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn normalize_accepts_bare_lf_but_not_bare_cr() {
        let mut f = LineFramer::new(100, LineEnding::Normalize);
        let out = lines(&mut f, b"a\nb\r\nc\rd\r\n\r\n");
        assert_eq!(out[0].as_deref().unwrap(), b"a");
        assert_eq!(out[1].as_deref().unwrap(), b"b");
        assert!(matches!(out[2], Err(Error::Remote(_))));
        assert_eq!(out[3].as_deref().unwrap(), b"");
    }

    #[test]
    fn over_long_line_is_skipped_and_framing_resumes() {
        let mut f = LineFramer::new(8, LineEnding::Strict);
        let out = lines(&mut f, b"123456\r\n1234567\r\nok\r\n");
        assert_eq!(out[0].as_deref().unwrap(), b"123456");
        assert!(matches!(
            out[1],
            Err(Error::Limit(ref l)) if l.what == "line_length" && l.recoverable
        ));
        assert_eq!(out[2].as_deref().unwrap(), b"ok");
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn over_long_line_in_one_buffer() {
        let mut f = LineFramer::new(8, LineEnding::Strict);
        let mut buf = BytesMut::from(&b"0123456789abcdef\r\nok\r\n"[..]);
        assert!(f.next_line(&mut buf).is_err());
        assert_eq!(f.next_line(&mut buf).unwrap().unwrap(), &b"ok"[..]);
        assert!(buf.is_empty());
    }

    #[test]
    fn buffer_never_grows_past_limit_without_lf() {
        let mut f = LineFramer::new(16, LineEnding::Strict);
        let mut buf = BytesMut::new();
        for _ in 0..1000 {
            buf.extend_from_slice(b"xxxxxxx");
            let _ = f.next_line(&mut buf);
            assert!(buf.len() < 16 + 7);
        }
        buf.extend_from_slice(b"\r\nnext\r\n");
        assert_eq!(f.next_line(&mut buf).unwrap().unwrap(), &b"next"[..]);
    }
}
