//! nom parsers: one framed line (without its CRLF) -> typed values.
//!
//! Each parser has the ABNF rule it implements above it. Keywords and
//! capability tags are case-insensitive (RFC 1939 §3, RFC 2449 §6). Every
//! error is a recoverable [`Error::Remote`](mailwire_core::Error) carrying
//! the offending line.

mod capability;
mod command;
mod response;

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{tag, take_while1};
use nom::combinator::map_res;

pub use capability::parse_capability;
pub use command::{parse_command, parse_sasl_response};
pub use response::{
    apop_timestamp, parse_challenge, parse_drop_listing, parse_lang_listing, parse_response,
    parse_scan_listing, parse_uid_listing,
};

use crate::types::MsgNum;

type Res<'a, T> = IResult<&'a [u8], T>;

/// `SP` (a single space, RFC 1939 §3).
fn sp(i: &[u8]) -> Res<'_, &[u8]> {
    tag(&b" "[..]).parse(i)
}

/// `number = 1*DIGIT` as a `u64` (overflow is an error).
fn number_u64(i: &[u8]) -> Res<'_, u64> {
    map_res(take_while1(|b: u8| b.is_ascii_digit()), |d: &[u8]| {
        // Only ASCII digits: valid UTF-8.
        std::str::from_utf8(d)
            .map_err(|_| ())
            .and_then(|s| s.parse::<u64>().map_err(|_| ()))
    })
    .parse(i)
}

/// `number = 1*DIGIT` as a `u32`.
fn number_u32(i: &[u8]) -> Res<'_, u32> {
    map_res(number_u64, u32::try_from).parse(i)
}

/// `msg = nz-number` (RFC 1939 §5: message numbers start at 1).
fn msg_num(i: &[u8]) -> Res<'_, MsgNum> {
    map_res(number_u32, |n| MsgNum::new(n).ok_or(())).parse(i)
}

/// Text as the peer sent it: invalid UTF-8 and NUL are replaced by U+FFFD
/// (text is for humans; nothing protocol-relevant is lost).
fn lossy_text(b: &[u8]) -> crate::types::Text {
    let s = String::from_utf8_lossy(b).replace('\0', "\u{fffd}");
    // A framed line holds no CR or LF, and NUL was replaced.
    crate::types::Text::new(s).unwrap_or_default()
}
