//! Parsers: complete framed messages -> typed values.
//!
//! Every parser takes one complete message as cut by the
//! [`Framer`](crate::Framer) (its final CRLF included) and borrows from it:
//! quoted strings without escapes, atoms and literal data are slices of the
//! input. The ABNF rule each function implements sits above it.

use std::fmt;

use bytes::Bytes;
use mailwire_core::Error;

pub(crate) mod body;
pub(crate) mod command;
pub(crate) mod core;
pub(crate) mod data;
pub(crate) mod fetch;
pub(crate) mod response;
pub(crate) mod search;

use crate::types::command::{AuthenticateData, Command};
use crate::types::response::{Response, StatusResponse};

/// Leniencies for known server and client quirks, chosen per connection.
/// All are off in [`Quirks::STRICT`] (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quirks {
    /// Spaces before `)` and at the end of the line (Exchange).
    pub trailing_space: bool,
    /// Flag keywords with atom-specials such as `]` or `\` inside (Gmail).
    pub relaxed_flags: bool,
    /// `+` without the space before the text (`+\r\n`, `+Ready`).
    pub missing_space_after_plus: bool,
    /// `NIL` where a string is required, read as the empty string.
    pub nil_as_string: bool,
    /// `()` where a parameter list must be non-empty or NIL.
    pub empty_lists: bool,
    /// Any character escaped by `\` in quoted strings, not only `"` and `\`.
    pub any_escape: bool,
}

impl Quirks {
    /// Everything strict.
    pub const STRICT: Quirks = Quirks {
        trailing_space: false,
        relaxed_flags: false,
        missing_space_after_plus: false,
        nil_as_string: false,
        empty_lists: false,
        any_escape: false,
    };

    /// Every known quirk tolerated.
    pub const LENIENT: Quirks = Quirks {
        trailing_space: true,
        relaxed_flags: true,
        missing_space_after_plus: true,
        nil_as_string: true,
        empty_lists: true,
        any_escape: true,
    };
}

/// Parser options: quirks and nesting bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opts {
    /// The leniencies in force.
    pub quirks: Quirks,
    /// Deepest nesting of lists followed (see [`Limits::nesting_depth`](crate::Limits::nesting_depth)).
    pub max_depth: u32,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            quirks: Quirks::STRICT,
            max_depth: 64,
        }
    }
}

impl Opts {
    /// Options with `quirks`, nesting bounded by `limits`.
    pub fn new(quirks: Quirks, limits: &crate::Limits) -> Opts {
        Opts {
            quirks,
            max_depth: limits.nesting_depth,
        }
    }

    /// Strict parsing.
    pub const STRICT: Opts = Opts {
        quirks: Quirks::STRICT,
        max_depth: 64,
    };

    /// Every quirk tolerated.
    pub const LENIENT: Opts = Opts {
        quirks: Quirks::LENIENT,
        max_depth: 64,
    };
}

/// Where and why a message did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the message where parsing failed.
    pub position: usize,
    /// What was being parsed.
    pub context: &'static str,
    /// Up to 64 bytes from `position` on.
    pub offending: Bytes,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} at byte {}: \"{}\"",
            self.context,
            self.position,
            mailwire_core::EscapeBytes(&self.offending)
        )
    }
}

impl std::error::Error for ParseError {}

impl From<ParseError> for Error {
    /// A recoverable [`Error::Remote`]: the message was framed, so the
    /// connection can go on with the next one.
    fn from(e: ParseError) -> Error {
        Error::remote(
            format!("invalid {} at byte {}", e.context, e.position),
            &e.offending,
        )
    }
}

fn run<'a, T>(
    input: &'a [u8],
    context: &'static str,
    result: core::R<'a, T>,
) -> Result<T, ParseError> {
    let at = |rest: &[u8]| {
        let position = input.len() - rest.len();
        ParseError {
            position,
            context,
            offending: Bytes::copy_from_slice(&rest[..rest.len().min(64)]),
        }
    };
    match result {
        Ok((&[], v)) => Ok(v),
        Ok((rest, _)) => Err(at(rest)),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(at(e.input)),
        Err(nom::Err::Incomplete(_)) => Err(at(b"")),
    }
}

/// Parses one server response (a complete message, CRLF included).
pub fn response<'a>(input: &'a [u8], opts: &Opts) -> Result<Response<'a>, ParseError> {
    run(input, "response", response::response(input, opts))
}

/// Parses a server greeting: `greeting = "*" SP (resp-cond-auth /
/// resp-cond-bye) CRLF`.
pub fn greeting<'a>(input: &'a [u8], opts: &Opts) -> Result<StatusResponse<'a>, ParseError> {
    run(input, "greeting", response::greeting(input, opts))
}

/// Parses one client command (a complete message, CRLF included).
pub fn command<'a>(input: &'a [u8], opts: &Opts) -> Result<Command<'a>, ParseError> {
    run(input, "command", command::command(input, opts))
}

/// Parses a line a client sends during AUTHENTICATE: `base64 CRLF` or
/// `"*" CRLF` to cancel (RFC 9051 §6.2.2).
pub fn authenticate_data(input: &[u8]) -> Result<AuthenticateData<'_>, ParseError> {
    run(
        input,
        "authenticate data",
        command::authenticate_data(input),
    )
}

/// Parses the `DONE` line that ends IDLE (RFC 2177, RFC 9051 §6.3.13).
pub fn idle_done(input: &[u8]) -> Result<(), ParseError> {
    run(input, "idle done", command::idle_done(input))
}
