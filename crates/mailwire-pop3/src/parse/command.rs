//! Commands (RFC 1939 §4-§7, RFC 2449 §5, RFC 2595 §4, RFC 5034 §4-§5,
//! RFC 6856 §2-§3).

use mailwire_core::{Error, b64};
use nom::Parser;
use nom::bytes::complete::take_while1;
use nom::combinator::{all_consuming, map_res, opt, rest};
use nom::sequence::preceded;

use super::{Res, msg_num, number_u32, sp};
use crate::types::{Arg, Command, Digest, LangTag, MechanismName, Password, SaslResponse};

/// `param = 1*VCHAR` (RFC 2449 §4; UTF-8 allowed per RFC 6856 §2.2).
fn arg(i: &[u8]) -> Res<'_, Arg> {
    map_res(take_while1(|b: u8| b > b' ' && b != 0x7f), |a: &[u8]| {
        std::str::from_utf8(a)
            .map_err(|_| ())
            .and_then(|s| Arg::new(s).map_err(|_| ()))
    })
    .parse(i)
}

/// `digest = 32HEXDIG` (RFC 1939 §7 APOP).
fn digest(i: &[u8]) -> Res<'_, Digest> {
    map_res(take_while1(|b: u8| b.is_ascii_hexdigit()), |d: &[u8]| {
        Digest::from_hex(d).ok_or(())
    })
    .parse(i)
}

/// `sasl-mech = 1*20(UPPER-ALPHA / DIGIT / "-" / "_")` (RFC 4422 §3.1),
/// accepted in any case.
fn mechanism(i: &[u8]) -> Res<'_, MechanismName> {
    map_res(
        take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        |m: &[u8]| {
            std::str::from_utf8(m)
                .map_err(|_| ())
                .and_then(|s| MechanismName::new(s).map_err(|_| ()))
        },
    )
    .parse(i)
}

/// `initial-response = base64 / "="` (RFC 5034 §5).
fn initial_response(i: &[u8]) -> Res<'_, Vec<u8>> {
    map_res(take_while1(|b: u8| b != b' '), |r: &[u8]| {
        if r == b"=" {
            Ok(Vec::new())
        } else {
            b64::decode(r)
        }
    })
    .parse(i)
}

/// A language range: `Language-Tag / "*"` (RFC 6856 §3.2).
fn lang_tag(i: &[u8]) -> Res<'_, LangTag> {
    map_res(
        take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'*'),
        |t: &[u8]| {
            std::str::from_utf8(t)
                .map_err(|_| ())
                .and_then(|s| LangTag::new(s).map_err(|_| ()))
        },
    )
    .parse(i)
}

/// `PASS SP string`: the rest of the line, spaces included (RFC 1939 §7).
fn password(i: &[u8]) -> Res<'_, Password> {
    map_res(rest, |p: &[u8]| {
        std::str::from_utf8(p)
            .map_err(|_| ())
            .and_then(|s| Password::new(s).map_err(|_| ()))
    })
    .parse(i)
}

/// The arguments of a keyword, the whole remaining line.
fn arguments<'a>(keyword: &str, i: &'a [u8]) -> Option<Res<'a, Command>> {
    Some(match keyword {
        // user = "USER" SP name
        "USER" => all_consuming(preceded(sp, arg)).map(Command::User).parse(i),
        // pass = "PASS" SP string
        "PASS" => preceded(sp, password).map(Command::Pass).parse(i),
        // apop = "APOP" SP name SP digest
        "APOP" => all_consuming((preceded(sp, arg), preceded(sp, digest)))
            .map(|(name, digest)| Command::Apop { name, digest })
            .parse(i),
        "QUIT" | "STAT" | "NOOP" | "RSET" | "CAPA" | "STLS" | "UTF8" => {
            if !i.is_empty() {
                let e = nom::error::Error::new(i, nom::error::ErrorKind::Eof);
                return Some(Err(nom::Err::Error(e)));
            }
            let c = match keyword {
                "QUIT" => Command::Quit,
                "STAT" => Command::Stat,
                "NOOP" => Command::Noop,
                "RSET" => Command::Rset,
                "CAPA" => Command::Capa,
                "STLS" => Command::Stls,
                _ => Command::Utf8,
            };
            Ok((i, c))
        }
        // list = "LIST" [SP msg]; uidl = "UIDL" [SP msg]
        "LIST" => all_consuming(opt(preceded(sp, msg_num)))
            .map(Command::List)
            .parse(i),
        "UIDL" => all_consuming(opt(preceded(sp, msg_num)))
            .map(Command::Uidl)
            .parse(i),
        // retr = "RETR" SP msg; dele = "DELE" SP msg
        "RETR" => all_consuming(preceded(sp, msg_num))
            .map(Command::Retr)
            .parse(i),
        "DELE" => all_consuming(preceded(sp, msg_num))
            .map(Command::Dele)
            .parse(i),
        // top = "TOP" SP msg SP number
        "TOP" => all_consuming((preceded(sp, msg_num), preceded(sp, number_u32)))
            .map(|(msg, lines)| Command::Top { msg, lines })
            .parse(i),
        // auth-command = "AUTH" SP sasl-mech [SP initial-response]
        "AUTH" => all_consuming((preceded(sp, mechanism), opt(preceded(sp, initial_response))))
            .map(|(mechanism, initial_response)| Command::Auth {
                mechanism,
                initial_response,
            })
            .parse(i),
        // lang = "LANG" [SP lang-range]
        "LANG" => all_consuming(opt(preceded(sp, lang_tag)))
            .map(Command::Lang)
            .parse(i),
        _ => return None,
    })
}

/// Parses one command line (without CRLF).
///
/// ```text
/// command = keyword *(SP param)        ; RFC 2449 §4
/// keyword = 3*4VCHAR                   ; case-insensitive
/// ```
pub fn parse_command(line: &[u8]) -> Result<Command, Error> {
    let end = memchr::memchr(b' ', line).unwrap_or(line.len());
    let keyword = &line[..end];
    if keyword.is_empty() || keyword.len() > 4 || !keyword.iter().all(u8::is_ascii_alphanumeric) {
        return Err(Error::remote("not a POP3 command keyword", line));
    }
    let upper = String::from_utf8_lossy(keyword).to_ascii_uppercase();
    match arguments(&upper, &line[end..]) {
        None => Err(Error::remote("unknown command", line)),
        Some(Ok((_, command))) => Ok(command),
        Some(Err(_)) => Err(Error::remote("invalid arguments", line)),
    }
}

/// Parses a client line of an AUTH exchange (RFC 5034 §4):
/// `*` cancels, anything else must be base64 (an empty line is an empty
/// response).
pub fn parse_sasl_response(line: &[u8]) -> Result<SaslResponse, Error> {
    if line == b"*" {
        return Ok(SaslResponse::Cancel);
    }
    if line.is_empty() {
        return Ok(SaslResponse::Data(Vec::new()));
    }
    b64::decode(line).map(SaslResponse::Data)
}
