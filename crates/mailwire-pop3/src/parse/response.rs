//! Server lines: status lines (RFC 1939 §3, RFC 2449 §8), challenges
//! (RFC 5034 §4), listings (RFC 1939 §5, §7; RFC 6856 §3).

use mailwire_core::{Error, b64};
use nom::Parser;
use nom::bytes::complete::{take_while_m_n, take_while1};
use nom::combinator::{all_consuming, map_res, opt, rest};
use nom::sequence::preceded;

use super::{Res, lossy_text, msg_num, number_u32, number_u64, sp};
use crate::types::{
    Challenge, DropListing, LangListing, LangTag, Response, ResponseCode, ScanListing, Status,
    Text, Timestamp, Uid, UidListing,
};

/// Parses a status line (without CRLF).
///
/// ```text
/// single-line = status [SP [resp-code SP] text]    ; RFC 2449 §9
/// status      = "+OK" / "-ERR"
/// resp-code   = "[" resp-level *("/" resp-level) "]"
/// ```
///
/// A bracketed prefix that is not a valid code stays part of the text.
pub fn parse_response(line: &[u8]) -> Result<Response, Error> {
    let (status, after) = if line.len() >= 3 && line[..3].eq_ignore_ascii_case(b"+OK") {
        (Status::Ok, &line[3..])
    } else if line.len() >= 4 && line[..4].eq_ignore_ascii_case(b"-ERR") {
        (Status::Err, &line[4..])
    } else {
        return Err(Error::remote(
            "response does not start with +OK or -ERR",
            line,
        ));
    };
    let rest = match after {
        [] => &[][..],
        [b' ', rest @ ..] => rest,
        _ => return Err(Error::remote("no space after the status indicator", line)),
    };
    let (code, text) = split_code(rest);
    Ok(Response {
        status,
        code,
        text: lossy_text(text),
    })
}

fn split_code(rest: &[u8]) -> (Option<ResponseCode>, &[u8]) {
    if rest.first() != Some(&b'[') {
        return (None, rest);
    }
    let Some(close) = memchr::memchr(b']', rest) else {
        return (None, rest);
    };
    let after = &rest[close + 1..];
    let text = match after {
        [] => after,
        [b' ', t @ ..] => t,
        _ => return (None, rest),
    };
    match std::str::from_utf8(&rest[1..close])
        .ok()
        .and_then(|c| ResponseCode::new(c).ok())
    {
        Some(code) => (Some(code), text),
        None => (None, rest),
    }
}

/// Parses a SASL challenge: `continue-req = "+" SP [base64]` (RFC 5034 §5).
/// A lone `+` is accepted as an empty challenge.
pub fn parse_challenge(line: &[u8]) -> Result<Challenge, Error> {
    match line {
        b"+" | b"+ " => Ok(Challenge(Vec::new())),
        [b'+', b' ', data @ ..] => b64::decode(data).map(Challenge),
        _ => Err(Error::remote("not a SASL challenge", line)),
    }
}

/// Parses the text of a positive `STAT` answer:
/// `drop-listing = count SP size [SP text]` (RFC 1939 §5).
pub fn parse_drop_listing(text: &[u8]) -> Result<DropListing, Error> {
    (
        number_u32,
        preceded(sp, number_u64),
        opt(preceded(sp, rest)),
    )
        .parse(text)
        .ok()
        .filter(|(r, _)| r.is_empty())
        .map(|(_, (count, size, _))| DropListing { count, size })
        .ok_or_else(|| Error::remote("invalid STAT drop listing", text))
}

/// Parses a scan listing, a line of `LIST` or the text of `LIST msg`:
/// `scan-listing = msg SP size [SP text]` (RFC 1939 §5; what follows the
/// size is not specified and is ignored).
pub fn parse_scan_listing(line: &[u8]) -> Result<ScanListing, Error> {
    all_consuming((msg_num, preceded(sp, number_u64), opt(preceded(sp, rest))))
        .parse(line)
        .map(|(_, (msg, size, _))| ScanListing { msg, size })
        .map_err(|_| Error::remote("invalid scan listing", line))
}

/// `uid = 1*70(%x21-7E)` (RFC 1939 §7).
fn uid(i: &[u8]) -> Res<'_, Uid> {
    map_res(
        take_while_m_n(1, Uid::MAX_LEN, |b: u8| (0x21..=0x7e).contains(&b)),
        |u: &[u8]| {
            std::str::from_utf8(u)
                .map_err(|_| ())
                .and_then(|s| Uid::new(s).map_err(|_| ()))
        },
    )
    .parse(i)
}

/// Parses a unique-id listing, a line of `UIDL` or the text of `UIDL msg`:
/// `uid-listing = msg SP uid` (RFC 1939 §7).
pub fn parse_uid_listing(line: &[u8]) -> Result<UidListing, Error> {
    all_consuming((msg_num, preceded(sp, uid)))
        .parse(line)
        .map(|(_, (msg, uid))| UidListing { msg, uid })
        .map_err(|_| Error::remote("invalid unique-id listing", line))
}

/// Parses a language listing: `Language-Tag [SP text]` (RFC 6856 §3.2).
pub fn parse_lang_listing(line: &[u8]) -> Result<LangListing, Error> {
    let tag = map_res(
        take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'-'),
        |t: &[u8]| {
            std::str::from_utf8(t)
                .map_err(|_| ())
                .and_then(|s| LangTag::new(s).map_err(|_| ()))
        },
    );
    all_consuming((tag, opt(preceded(sp, rest))))
        .parse(line)
        .map(|(_, (tag, description))| LangListing {
            tag,
            description: description.map(lossy_text).unwrap_or_else(Text::empty),
        })
        .map_err(|_| Error::remote("invalid language listing", line))
}

/// Finds the APOP timestamp in the text of a greeting (RFC 1939 §7: "the
/// POP3 server includes a timestamp in its banner greeting"): the first
/// `<...>` that is a valid msg-id.
pub fn apop_timestamp(text: &str) -> Option<Timestamp> {
    let start = text.find('<')?;
    let len = text[start..].find('>')?;
    Timestamp::new(&text[start..=start + len]).ok()
}
