//! Command lines (RFC 5321 §4.1.1, RFC 2033, RFC 3030, RFC 3207, RFC 4954).

use nom::Parser;
use nom::bytes::complete::{tag_no_case, take_while1};
use nom::combinator::{all_consuming, opt};
use nom::sequence::preceded;

use super::address::{forward_path, host, reverse_path};
use super::params::{mail_parameters, rcpt_parameters};
use super::{Ctx, Fail, Res, fail};
use crate::types::text::class;
use crate::types::{Command, Keyword, ParseError, ParseErrorKind, SaslMechanism, Text};

/// Four ASCII bytes as a number, letters folded to lower case; bytes
/// that are not letters never fold onto a letter, so comparing with a
/// lower-case verb is exact.
#[inline]
fn fold4(v: &[u8]) -> u32 {
    match v {
        [a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]) | 0x2020_2020,
        _ => 0,
    }
}

const fn verb(s: &[u8; 4]) -> u32 {
    u32::from_le_bytes(*s)
}

const EHLO: u32 = verb(b"ehlo");
const HELO: u32 = verb(b"helo");
const LHLO: u32 = verb(b"lhlo");
const MAIL: u32 = verb(b"mail");
const RCPT: u32 = verb(b"rcpt");
const DATA: u32 = verb(b"data");
const BDAT: u32 = verb(b"bdat");
const RSET: u32 = verb(b"rset");
const VRFY: u32 = verb(b"vrfy");
const EXPN: u32 = verb(b"expn");
const HELP: u32 = verb(b"help");
const NOOP: u32 = verb(b"noop");
const QUIT: u32 = verb(b"quit");
const AUTH: u32 = verb(b"auth");

/// The commands that are a bare four-letter verb (`DATA`, `RSET`,
/// `QUIT`, `NOOP`, `HELP`), the most frequent lines of a session, recognised without the
/// general path; `None` for anything else, which the general path parses
/// to the same result.
#[inline]
pub(crate) fn bare_verb(line: &[u8]) -> Option<Command> {
    match fold4(line) {
        DATA => Some(Command::Data),
        RSET => Some(Command::Rset),
        QUIT => Some(Command::Quit),
        NOOP => Some(Command::Noop(None)),
        HELP => Some(Command::Help(None)),
        _ => None,
    }
}

/// Parses a complete command line.
///
/// ```abnf
/// command = verb [SP arguments]     ; RFC 5321 §4.1.1, verbs case-insensitive
/// ```
pub(crate) fn command(ctx: Ctx<'_>) -> Result<Command, ParseError> {
    let mut line: &[u8] = ctx.src;
    if ctx.policy.extra_whitespace {
        while let [rest @ .., b' ' | b'\t'] = line {
            line = rest;
        }
    }
    // The verb is short: a byte loop finds its end sooner than memchr
    // sets up.
    let sp = line.iter().position(|&b| b == b' ').unwrap_or(line.len());
    let (verb, rest) = line.split_at(sp);
    // `rest` is empty or starts with the SP after the verb.
    let args = rest.get(1..);
    let bad = |reason: &'static str| ParseError::new(ParseErrorKind::BadArguments, reason, ctx.src);
    let run = |r: Result<Command, nom::Err<Fail>>| {
        r.map_err(|e| match e {
            nom::Err::Error(Fail(reason)) | nom::Err::Failure(Fail(reason)) => bad(reason),
            nom::Err::Incomplete(_) => bad("incomplete command"),
        })
    };
    if verb.len() == 4 {
        match fold4(verb) {
            EHLO => return run(hello(ctx, args).map(Command::Ehlo)),
            HELO => return run(hello(ctx, args).map(Command::Helo)),
            LHLO => return run(hello(ctx, args).map(Command::Lhlo)),
            MAIL => return run(mail(ctx, rest)),
            RCPT => return run(rcpt(ctx, rest)),
            DATA => return run(no_args(rest, Command::Data)),
            BDAT => return run(bdat(args)),
            RSET => return run(no_args(rest, Command::Rset)),
            VRFY => return run(string(ctx, args).map(Command::Vrfy)),
            EXPN => return run(string(ctx, args).map(Command::Expn)),
            HELP => return run(opt_string(ctx, rest).map(Command::Help)),
            NOOP => return run(opt_string(ctx, rest).map(Command::Noop)),
            QUIT => return run(no_args(rest, Command::Quit)),
            AUTH => return run(auth(ctx, args)),
            _ => {}
        }
    } else if verb.eq_ignore_ascii_case(b"STARTTLS") {
        return run(no_args(rest, Command::StartTls));
    }
    if !class::is_keyword(verb) {
        return Err(ParseError::new(
            ParseErrorKind::UnrecognizedCommand,
            "command unrecognized",
            ctx.src,
        ));
    }
    let args = match args {
        Some(a) if class::is_text(a) => Some(Text::from_parsed(ctx.str(a))),
        Some(_) => return Err(bad("control character in arguments")),
        None => None,
    };
    Ok(Command::Other {
        verb: Keyword::from_parsed(ctx.str(verb)),
        args,
    })
}

/// `rest` must be empty.
fn no_args(rest: &[u8], cmd: Command) -> Result<Command, nom::Err<Fail>> {
    if rest.is_empty() {
        Ok(cmd)
    } else {
        fail("this command takes no arguments")
    }
}

/// ```abnf
/// ehlo = "EHLO" SP ( Domain / address-literal )   ; RFC 5321 §4.1.1.1
/// helo = "HELO" SP Domain
/// lhlo = "LHLO" SP ( Domain / address-literal )   ; RFC 2033 §4.1
/// ```
fn hello(ctx: Ctx<'_>, args: Option<&[u8]>) -> Result<crate::types::Host, nom::Err<Fail>> {
    let Some(args) = args else {
        return fail("a domain or address literal is required");
    };
    host(ctx, args, false)
}

/// ```abnf
/// mail = "MAIL FROM:" Reverse-path [SP Mail-parameters]   ; RFC 5321 §4.1.1.2
/// ```
fn mail(ctx: Ctx<'_>, rest: &[u8]) -> Result<Command, nom::Err<Fail>> {
    let Some(i) = strip_prefix_ignore_case(rest, b" FROM:") else {
        return fail("MAIL FROM:<reverse-path> expected");
    };
    let (i, from) = reverse_path(ctx, i)?;
    let params = mail_parameters(ctx, i)?;
    Ok(Command::Mail { from, params })
}

/// `s` without `prefix` (ASCII, any case), if it starts with it.
#[inline]
fn strip_prefix_ignore_case<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    match s.split_at_checked(prefix.len()) {
        Some((head, tail)) if head.eq_ignore_ascii_case(prefix) => Some(tail),
        _ => None,
    }
}

/// ```abnf
/// rcpt = "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" /
///        Forward-path ) [SP Rcpt-parameters]        ; RFC 5321 §4.1.1.3
/// ```
fn rcpt(ctx: Ctx<'_>, rest: &[u8]) -> Result<Command, nom::Err<Fail>> {
    let Some(i) = strip_prefix_ignore_case(rest, b" TO:") else {
        return fail("RCPT TO:<forward-path> expected");
    };
    let (i, to) = forward_path(ctx, i)?;
    let params = rcpt_parameters(ctx, i)?;
    Ok(Command::Rcpt { to, params })
}

/// ```abnf
/// bdat-cmd   = "BDAT" SP chunk-size [ SP end-marker ]  ; RFC 3030 §2
/// chunk-size = 1*DIGIT
/// end-marker = "LAST"
/// ```
fn bdat(args: Option<&[u8]>) -> Result<Command, nom::Err<Fail>> {
    let Some(args) = args else {
        return fail("BDAT needs a chunk size");
    };
    let (_, (size, last)) = all_consuming((
        number,
        opt(preceded(tag_no_case(&b" "[..]), tag_no_case(&b"LAST"[..]))),
    ))
    .parse(args)
    .or_else(|_: nom::Err<Fail>| fail("BDAT chunk-size [LAST] expected"))?;
    Ok(Command::Bdat {
        size,
        last: last.is_some(),
    })
}

/// `1*20DIGIT` as a number that fits in 64 bits.
pub(crate) fn number(i: &[u8]) -> Res<'_, u64> {
    let (rest, digits) = take_while1(|b: u8| b.is_ascii_digit()).parse(i)?;
    match parse_u64(digits) {
        Some(n) => Ok((rest, n)),
        None => fail("number too large"),
    }
}

/// Digits to a number, `None` on overflow or a non-digit.
pub(crate) fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| {
        if d.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        } else {
            None
        }
    })
}

/// ```abnf
/// vrfy = "VRFY" SP String   ; RFC 5321 §4.1.1.6 (EXPN alike)
/// ```
fn string(ctx: Ctx<'_>, args: Option<&[u8]>) -> Result<Text, nom::Err<Fail>> {
    match args {
        Some(a) if !a.is_empty() && class::is_text(a) => Ok(Text::from_parsed(ctx.str(a))),
        Some(a) if !a.is_empty() => fail("control character in argument"),
        _ => fail("an argument is required"),
    }
}

/// ```abnf
/// help = "HELP" [ SP String ]   ; RFC 5321 §4.1.1.8 (NOOP alike)
/// ```
fn opt_string(ctx: Ctx<'_>, rest: &[u8]) -> Result<Option<Text>, nom::Err<Fail>> {
    if rest.is_empty() {
        Ok(None)
    } else {
        string(ctx, rest.get(1..)).map(Some)
    }
}

/// ```abnf
/// auth-command     = "AUTH" SP sasl-mech [SP initial-response]  ; RFC 4954 §4
/// initial-response = base64 / "="
/// ```
fn auth(ctx: Ctx<'_>, args: Option<&[u8]>) -> Result<Command, nom::Err<Fail>> {
    let Some(args) = args else {
        return fail("AUTH needs a mechanism");
    };
    let sp = memchr::memchr(b' ', args).unwrap_or(args.len());
    let (mech, rest) = args.split_at(sp);
    if !class::is_sasl_mech(mech) {
        return fail("not a SASL mechanism name");
    }
    let initial_response = match rest {
        [] => None,
        [b' ', b'='] => Some(bytes::Bytes::new()),
        [b' ', b64 @ ..] if !b64.is_empty() => match mailwire_core::b64::decode(b64) {
            Ok(v) if !v.is_empty() => Some(bytes::Bytes::from(v)),
            _ => return fail("initial response is not base64"),
        },
        _ => return fail("AUTH mechanism [initial-response] expected"),
    };
    Ok(Command::Auth {
        mechanism: SaslMechanism::from_parsed(ctx.str(mech)),
        initial_response,
    })
}
