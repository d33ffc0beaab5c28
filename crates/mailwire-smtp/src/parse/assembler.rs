//! Joining reply lines into replies, within bounds.

use bytes::Bytes;

use super::reply::{enhanced_code, parse_reply_line};
use crate::types::{EnhancedCode, ParseError, ParseErrorKind, Policy, Reply, ReplyCode, Text};

/// Joins the lines of multi-line replies (`250-...` up to `250 ...`,
/// RFC 5321 §4.2.1) into [`Reply`] values.
///
/// A reply may have at most [`Policy::max_reply_lines`] lines and
/// [`Policy::max_reply_size`] octets, so a client's memory stays bounded
/// whatever the server sends. The enhanced status code (RFC 2034 §3) is
/// taken from the first line when its class matches the reply code's, and
/// removed from every line that starts with the same code.
///
/// ```
/// use bytes::Bytes;
/// use mailwire_smtp::{Policy, ReplyAssembler};
///
/// let mut asm = ReplyAssembler::new(Policy::client());
/// assert!(asm.push_line(&Bytes::from_static(b"250-mx.example.com")).unwrap().is_none());
/// let reply = asm.push_line(&Bytes::from_static(b"250 SIZE 1000")).unwrap().unwrap();
/// assert_eq!(reply.code.get(), 250);
/// assert_eq!(reply.lines().len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct ReplyAssembler {
    policy: Policy,
    code: Option<ReplyCode>,
    lines: Vec<Text>,
    size: usize,
}

impl ReplyAssembler {
    /// An assembler with the reply limits of `policy`.
    pub fn new(policy: Policy) -> ReplyAssembler {
        ReplyAssembler {
            policy,
            code: None,
            lines: Vec::new(),
            size: 0,
        }
    }

    /// Whether no reply is half received.
    pub fn is_idle(&self) -> bool {
        self.code.is_none()
    }

    /// Drops a half-received reply.
    pub fn reset(&mut self) {
        self.code = None;
        self.lines.clear();
        self.size = 0;
    }

    /// Adds one line (without CRLF); returns the reply when this was its
    /// last line.
    ///
    /// Errors ([`ParseErrorKind::BadReply`] for a malformed line or a
    /// continuation with another code, [`ParseErrorKind::ReplyTooLong`] past
    /// the limits) drop the half-received reply. A client cannot know
    /// where a broken reply ends, so they are fatal in
    /// [`mailwire_core::Error`] terms.
    pub fn push_line(&mut self, line: &Bytes) -> Result<Option<Reply>, ParseError> {
        let parsed = match parse_reply_line(line, &self.policy) {
            Ok(p) => p,
            Err(e) => {
                self.reset();
                return Err(e);
            }
        };
        match self.code {
            Some(code) if code != parsed.code => {
                self.reset();
                return Err(ParseError::new(
                    ParseErrorKind::BadReply,
                    "continuation line with another reply code",
                    line,
                ));
            }
            _ => {}
        }
        self.size += line.len() + 2;
        if self.lines.len() >= self.policy.max_reply_lines || self.size > self.policy.max_reply_size
        {
            self.reset();
            return Err(ParseError::new(
                ParseErrorKind::ReplyTooLong,
                "reply has too many lines or octets",
                line,
            ));
        }
        self.code = Some(parsed.code);
        if self.lines.capacity() == 0 && !parsed.last {
            // A multi-line reply: most (EHLO) have about ten lines.
            self.lines.reserve(12);
        }
        self.lines.push(parsed.text);
        if !parsed.last {
            return Ok(None);
        }
        let lines = std::mem::take(&mut self.lines);
        self.reset();
        Ok(Some(finish(parsed.code, lines)))
    }
}

/// Takes the enhanced code off the lines.
fn finish(code: ReplyCode, mut lines: Vec<Text>) -> Reply {
    let enhanced = lines
        .first()
        .and_then(|l| enhanced_code(l.as_bytes(), code.class()))
        .map(|(e, _)| e);
    if let Some(e) = enhanced {
        for line in &mut lines {
            if let Some(strip) = strip_len(line.as_bytes(), code.class(), e) {
                let rest = line.0.slice(strip..line.len());
                *line = Text::from_parsed(rest);
            }
        }
    }
    Reply::from_parts(code, enhanced, lines)
}

fn strip_len(text: &[u8], class: u8, e: EnhancedCode) -> Option<usize> {
    match enhanced_code(text, class) {
        Some((found, strip)) if found == e => Some(strip),
        _ => None,
    }
}

impl Reply {
    /// Parses the complete wire form of one reply (lines with CRLF), as
    /// a test or a one-shot caller has it; a state machine feeds a
    /// [`ReplyAssembler`] line by line instead.
    pub fn parse(wire: &[u8], policy: &Policy) -> Result<Reply, ParseError> {
        let src = Bytes::copy_from_slice(wire);
        let mut asm = ReplyAssembler::new(*policy);
        let mut rest = &src[..];
        while !rest.is_empty() {
            let Some(lf) = memchr::memchr(b'\n', rest) else {
                return Err(ParseError::new(
                    ParseErrorKind::BadReply,
                    "reply line without CRLF",
                    rest,
                ));
            };
            let Some(line) = rest[..lf].strip_suffix(b"\r") else {
                return Err(ParseError::new(
                    ParseErrorKind::BadReply,
                    "bare LF in reply",
                    rest,
                ));
            };
            let after = &rest[lf + 1..];
            if let Some(reply) = asm.push_line(&src.slice_ref(line))? {
                if !after.is_empty() {
                    return Err(ParseError::new(
                        ParseErrorKind::BadReply,
                        "data after the last line of the reply",
                        after,
                    ));
                }
                return Ok(reply);
            }
            rest = after;
        }
        Err(ParseError::new(
            ParseErrorKind::BadReply,
            "reply has no last line",
            wire,
        ))
    }
}
