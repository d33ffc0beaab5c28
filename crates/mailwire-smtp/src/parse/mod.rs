//! Wire bytes to typed values: nom parsers over complete lines.
//!
//! The input is always one complete line without its CRLF, as
//! [`mailwire_core::LineFramer`] cuts it, so every parser here works on a
//! complete slice and the total work is linear in the input. Parsed values
//! are slices of the line's [`Bytes`]: parsing copies no text.
//!
//! The ABNF rule each parser implements is written above it.

mod address;
mod assembler;
mod capability;
mod command;
mod envelope;
mod params;
mod reply;

pub use assembler::ReplyAssembler;
pub use reply::{ReplyLine, parse_reply_line};

use bytes::Bytes;

use crate::types::text::Str;
use crate::types::{Command, ParseError, ParseErrorKind, Policy};

/// The nom result type of the parsers: input left and value, or an error
/// that says which rule failed.
pub(crate) type Res<'a, T> = nom::IResult<&'a [u8], T, Fail>;

/// A parser failure: the rule that was broken, to tell the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fail(pub(crate) &'static str);

impl<'a> nom::error::ParseError<&'a [u8]> for Fail {
    fn from_error_kind(_: &'a [u8], _: nom::error::ErrorKind) -> Self {
        Fail("syntax error")
    }
    fn append(_: &'a [u8], _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// Fails with `reason`.
pub(crate) fn fail<T>(reason: &'static str) -> Result<T, nom::Err<Fail>> {
    Err(nom::Err::Error(Fail(reason)))
}

/// What the parsers of one line share: the line, to slice values out of,
/// and the policy.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) src: &'a Bytes,
    pub(crate) policy: &'a Policy,
}

impl Ctx<'_> {
    /// The part `s` of the line as a string, without a copy. `s` must be a
    /// slice of the line, cut at ASCII delimiters.
    #[inline]
    pub(crate) fn str(&self, s: &[u8]) -> Str {
        Str::trusted(self.src.slice_ref(s))
    }
}

/// Checks what every line must be: within the length limit and UTF-8.
fn check_line(line: &[u8], max_with_crlf: usize, kind: ParseErrorKind) -> Result<(), ParseError> {
    if line.len() + 2 > max_with_crlf {
        return Err(ParseError::new(
            ParseErrorKind::LineTooLong,
            "line too long",
            line,
        ));
    }
    if !line.is_ascii() && std::str::from_utf8(line).is_err() {
        return Err(ParseError::new(kind, "line is not UTF-8", line));
    }
    Ok(())
}

impl Command {
    /// Parses one command line (without CRLF) under `policy`.
    ///
    /// The line is copied once; [`Command::parse_bytes`] takes the framed
    /// `Bytes` and copies nothing.
    pub fn parse(line: &[u8], policy: &Policy) -> Result<Command, ParseError> {
        if line.len() + 2 > policy.max_command_line {
            return Err(ParseError::new(
                ParseErrorKind::LineTooLong,
                "line too long",
                line,
            ));
        }
        Command::parse_bytes(&Bytes::copy_from_slice(line), policy)
    }

    /// Parses one command line (without CRLF) under `policy`; the values
    /// of the command are slices of `line`.
    ///
    /// Errors say whether the verb was not recognisable
    /// ([`ParseErrorKind::UnrecognizedCommand`], answer `500`) or a known
    /// verb had bad arguments ([`ParseErrorKind::BadArguments`], `501`);
    /// [`ParseError::reply`] gives the reply. An unknown but well-formed
    /// verb is not an error: it parses as [`Command::Other`].
    pub fn parse_bytes(line: &Bytes, policy: &Policy) -> Result<Command, ParseError> {
        if line.len() == 4
            && policy.max_command_line >= 6
            && let Some(cmd) = command::bare_verb(line)
        {
            return Ok(cmd);
        }
        if let Some(cmd) = envelope::mail_or_rcpt(line, policy) {
            return Ok(cmd);
        }
        check_line(
            line,
            policy.max_command_line,
            ParseErrorKind::UnrecognizedCommand,
        )?;
        command::command(Ctx { src: line, policy })
    }
}

#[cfg(test)]
mod fast_path_tests;
