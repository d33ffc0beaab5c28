//! Why a line did not parse, precisely enough for a server to answer it.

use std::borrow::Cow;
use std::fmt;

use super::reply::Reply;

/// What kind of parse failure it was, which decides the reply
/// (RFC 5321 §4.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The line is not a command at all (no verb): `500`.
    UnrecognizedCommand,
    /// A known verb with bad arguments or parameters: `501`.
    BadArguments,
    /// The line is longer than the policy allows: `500 Line too long`.
    LineTooLong,
    /// A reply line that is not `code [SP / "-"] text`, or a continuation
    /// with another code.
    BadReply,
    /// A reply with more lines or octets than the policy allows.
    ReplyTooLong,
}

/// A line that did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    kind: ParseErrorKind,
    reason: Cow<'static, str>,
    line: bytes::Bytes,
}

impl ParseError {
    pub(crate) fn new(
        kind: ParseErrorKind,
        reason: impl Into<Cow<'static, str>>,
        line: &[u8],
    ) -> Self {
        let keep = line.len().min(mailwire_core::RemoteError::MAX_OFFENDING);
        ParseError {
            kind,
            reason: reason.into(),
            line: bytes::Bytes::copy_from_slice(&line[..keep]),
        }
    }

    /// What kind of failure.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    /// What rule was broken, in words a peer can be told.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The start of the offending line (at most 64 octets).
    pub fn line(&self) -> &[u8] {
        &self.line
    }

    /// The reply a server should send for this command line: `500` for an
    /// unrecognized command or a line too long, `501` for bad arguments.
    pub fn reply(&self) -> Reply {
        match self.kind {
            ParseErrorKind::UnrecognizedCommand | ParseErrorKind::BadReply => Reply::syntax_error(),
            ParseErrorKind::LineTooLong | ParseErrorKind::ReplyTooLong => Reply::line_too_long(),
            ParseErrorKind::BadArguments => {
                let mut r = Reply::parameter_error();
                if let Ok(text) = super::text::Text::new(&format!(
                    "Syntax error in parameters or arguments: {}",
                    self.reason
                )) {
                    r = Reply::from_parts(r.code, r.enhanced, vec![text]);
                }
                r
            }
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (at \"{}\")",
            self.reason,
            mailwire_core::EscapeBytes(&self.line)
        )
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for mailwire_core::Error {
    /// A bad line from the peer: a recoverable
    /// [`Error::Remote`](mailwire_core::Error::Remote) (the next line is
    /// parsed normally) carrying the start of the line; a bad reply is
    /// fatal, as a client cannot know where the reply it broke ends.
    fn from(e: ParseError) -> Self {
        match e.kind {
            ParseErrorKind::BadReply | ParseErrorKind::ReplyTooLong => {
                mailwire_core::Error::remote_fatal(e.reason.clone(), &e.line)
            }
            _ => mailwire_core::Error::remote(e.reason.clone(), &e.line),
        }
    }
}
