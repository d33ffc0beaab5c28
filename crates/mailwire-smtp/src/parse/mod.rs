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
pub(crate) mod swar;

pub use assembler::ReplyAssembler;
pub use reply::{ReplyLine, parse_reply_line};

use bytes::Bytes;
use mailwire_core::LineEnding;

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
    #[inline]
    pub fn parse_bytes(line: &Bytes, policy: &Policy) -> Result<Command, ParseError> {
        if line.len() == 4
            && policy.max_command_line >= 6
            && let Some(cmd) = command::bare_verb(line)
        {
            return Ok(cmd);
        }
        Command::parse_line(line, policy)
    }

    /// [`Command::parse_bytes`] past the bare verbs, out of line as
    /// [`Command::parse_from_line`] is.
    #[inline(never)]
    fn parse_line(line: &Bytes, policy: &Policy) -> Result<Command, ParseError> {
        if let Some((cmd, len)) = envelope::mail_or_rcpt(line, line, policy)
            && len == line.len()
            && len + 2 <= policy.max_command_line
        {
            return Ok(cmd);
        }
        check_line(
            line,
            policy.max_command_line,
            ParseErrorKind::UnrecognizedCommand,
        )?;
        command::command(Ctx { src: line, policy })
    }

    /// Frames and parses the first command line at the front of `buf` in
    /// one pass, the way [`LineFramer`](mailwire_core::LineFramer) (with
    /// `max_len` = `policy.max_command_line` and `ending`) followed by
    /// [`Command::parse_bytes`] would: the fastest entry point for code
    /// that owns its input buffer.
    ///
    /// * `Ok(Some((command, consumed)))`: the first line parsed; `consumed`
    ///   is its length with its line ending, to drop from the front of
    ///   `buf`. The values of the command are slices of `buf`.
    /// * `Ok(None)`: no complete line yet and fewer than
    ///   `policy.max_command_line` bytes; call again with more input.
    /// * `Err(e)`: the first line is bad. The bad line is everything up to
    ///   and including the next LF, which may not have arrived yet (a line
    ///   too long): skip it, as `LineFramer` does, and answer
    ///   [`ParseError::reply`]. The errors are those of `parse_bytes`, and
    ///   for framing: [`ParseErrorKind::LineTooLong`] when no LF is within
    ///   the first `max_command_line` bytes, and
    ///   [`ParseErrorKind::UnrecognizedCommand`] for a bare LF under
    ///   [`LineEnding::Strict`] or a CR not followed by LF (RFC 5321
    ///   §2.3.8: only CRLF ends a line), with `LineFramer`'s reasons.
    ///
    /// The work is bounded: no byte past the first `max_command_line` is
    /// read. A bare verb (`DATA`, `RSET`, `QUIT`, `NOOP`, `HELP`) followed
    /// by CRLF is recognised from its first six bytes; a common
    /// `MAIL FROM`/`RCPT TO` line is validated in the same pass that finds
    /// its CRLF; any other line is framed with `memchr` and parsed by
    /// `parse_bytes`.
    #[inline]
    pub fn parse_from(
        buf: &Bytes,
        policy: &Policy,
        ending: LineEnding,
    ) -> Result<Option<(Command, usize)>, ParseError> {
        if let Some(&[a, b, c, d, b'\r', b'\n']) = buf.get(..6)
            && policy.max_command_line >= 6
            && let Some(cmd) = command::bare_verb(&[a, b, c, d])
        {
            return Ok(Some((cmd, 6)));
        }
        Command::parse_from_line(buf, policy, ending)
    }

    /// [`Command::parse_from`] past the bare verbs: kept out of line so
    /// that the bare-verb check inlined into the caller is a handful of
    /// instructions with no stack frame.
    #[inline(never)]
    fn parse_from_line(
        buf: &Bytes,
        policy: &Policy,
        ending: LineEnding,
    ) -> Result<Option<(Command, usize)>, ParseError> {
        let max = policy.max_command_line;
        let text = buf.get(..max).unwrap_or(buf);
        if let Some((cmd, len)) = envelope::mail_or_rcpt(buf, text, policy)
            && len + 2 <= max
        {
            match text.get(len..) {
                Some([b'\r', b'\n', ..]) => return Ok(Some((cmd, len + 2))),
                Some([b'\n', ..]) if ending == LineEnding::Normalize => {
                    return Ok(Some((cmd, len + 1)));
                }
                _ => {}
            }
        }
        Command::frame_and_parse(buf, policy, ending)
    }

    /// `parse_from` for any line: framed as `LineFramer` frames it, then
    /// parsed by `parse_bytes`.
    #[inline(never)]
    fn frame_and_parse(
        buf: &Bytes,
        policy: &Policy,
        ending: LineEnding,
    ) -> Result<Option<(Command, usize)>, ParseError> {
        let max = policy.max_command_line.max(2);
        let search = buf.get(..max).unwrap_or(buf);
        let Some(lf) = memchr::memchr(b'\n', search) else {
            if buf.len() >= max {
                return Err(ParseError::new(
                    ParseErrorKind::LineTooLong,
                    "line too long",
                    search,
                ));
            }
            return Ok(None);
        };
        let with_ending = search.get(..=lf).unwrap_or(search);
        let has_cr = lf > 0 && search.get(lf - 1) == Some(&b'\r');
        if !has_cr && ending == LineEnding::Strict {
            return Err(ParseError::new(
                ParseErrorKind::UnrecognizedCommand,
                "bare LF without CR ends a line",
                with_ending,
            ));
        }
        let end = if has_cr { lf - 1 } else { lf };
        if memchr::memchr(b'\r', search.get(..end).unwrap_or(search)).is_some() {
            return Err(ParseError::new(
                ParseErrorKind::UnrecognizedCommand,
                "bare CR inside a line",
                with_ending,
            ));
        }
        Command::parse_bytes(&buf.slice(..end), policy).map(|cmd| Some((cmd, lf + 1)))
    }
}

#[cfg(test)]
mod fast_path_tests;
#[cfg(test)]
mod parse_from_tests;
