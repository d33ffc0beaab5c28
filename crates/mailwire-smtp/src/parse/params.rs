//! MAIL FROM and RCPT TO parameters (RFC 5321 §4.1.2 and the extensions).

use super::command::parse_u64;
use super::{Ctx, Fail, fail};
use crate::types::params::{
    Body, ByMode, DeliverBy, Hold, MailAuth, MailParameters, Notify, OriginalRecipient, Parameter,
    Priority, RcptParameters, Ret,
};
use crate::types::text::class;
use crate::types::{Keyword, Mailbox, ParamValue, XText};

type PResult<T> = Result<T, nom::Err<Fail>>;

/// Splits the parameter list after a path into `(keyword, value)` pairs.
///
/// ```abnf
/// Mail-parameters = esmtp-param *(SP esmtp-param)
/// esmtp-param     = esmtp-keyword ["=" esmtp-value]
/// esmtp-keyword   = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
/// esmtp-value     = 1*(%d33-60 / %d62-126)   ; and UTF-8, RFC 6531 §3.3
/// ```
///
/// Strict: one SP before each parameter. With
/// [`extra_whitespace`](crate::Policy::extra_whitespace), runs of spaces.
///
/// One pass over the bytes with the class table: the scan that finds
/// where a keyword or value ends is the one that checks its characters.
/// The parameters are taken (and errors found) in order, as splitting at
/// each space would.
fn each_param<'a>(
    ctx: Ctx<'_>,
    i: &'a [u8],
    mut f: impl FnMut(&'a [u8], Option<&'a [u8]>) -> PResult<()>,
) -> PResult<()> {
    if i.is_empty() {
        return Ok(());
    }
    let Some(list) = i.strip_prefix(b" ") else {
        return fail("a space must separate the path and its parameters");
    };
    let mut pos = 0;
    loop {
        let start = pos;
        while let Some(&b) = list.get(pos)
            && class::of(b) & class::KEYWORD != 0
        {
            pos += 1;
        }
        let keyword = &list[start..pos];
        let value = match list.get(pos) {
            None | Some(b' ') if keyword.is_empty() => {
                if !ctx.policy.extra_whitespace {
                    return fail("empty parameter (two spaces)");
                }
                None
            }
            None | Some(b' ') | Some(b'=')
                if class::alnum(keyword.first().copied().unwrap_or(0)) =>
            {
                if list.get(pos) == Some(&b'=') {
                    pos += 1;
                    let vstart = pos;
                    while let Some(&b) = list.get(pos)
                        && class::of(b) & class::ESMTP_VALUE != 0
                    {
                        pos += 1;
                    }
                    if pos == vstart || !matches!(list.get(pos), None | Some(b' ')) {
                        return fail("not a valid parameter value");
                    }
                    Some(&list[vstart..pos])
                } else {
                    None
                }
            }
            _ => return fail("not a parameter keyword"),
        };
        if !keyword.is_empty() {
            f(keyword, value)?;
        }
        // `pos` is at the end or at the space after the parameter.
        if pos >= list.len() {
            return Ok(());
        }
        pos += 1;
    }
}

/// Sets `slot` once; a second occurrence is an error (RFC 5321 §4.1.2).
fn once<T>(slot: &mut Option<T>, value: T) -> PResult<()> {
    if slot.is_some() {
        return fail("parameter given twice");
    }
    *slot = Some(value);
    Ok(())
}

fn flag(set: &mut bool, value: Option<&[u8]>) -> PResult<()> {
    if value.is_some() {
        return fail("this parameter takes no value");
    }
    if *set {
        return fail("parameter given twice");
    }
    *set = true;
    Ok(())
}

fn need(value: Option<&[u8]>) -> PResult<&[u8]> {
    match value {
        Some(v) => Ok(v),
        None => fail("this parameter needs a value"),
    }
}

/// An unknown parameter, checked against those already in `list`.
fn other(
    ctx: Ctx<'_>,
    list: &[Parameter],
    keyword: &[u8],
    value: Option<&[u8]>,
) -> PResult<Parameter> {
    if list
        .iter()
        .any(|p| p.keyword.as_bytes().eq_ignore_ascii_case(keyword))
    {
        return fail("parameter given twice");
    }
    Ok(Parameter {
        keyword: Keyword::from_parsed(ctx.str(keyword)),
        value: value.map(|v| ParamValue::from_parsed(ctx.str(v))),
    })
}

/// An xtext value; one without `+` is its own decoding, so it is sliced,
/// not copied.
fn xtext(ctx: Ctx<'_>, v: &[u8], what: &'static str) -> PResult<XText> {
    if !v.is_empty() && v.iter().all(|&b| class::is_xchar(b)) {
        return Ok(XText(ctx.str(v)));
    }
    XText::decode(v).or_else(|_| fail(what))
}

/// Whether the keyword `k` (checked `esmtp-keyword`: letters, digits and
/// `-`) is `lower`, written in lower case, in any case: for those bytes
/// setting bit 0x20 folds exactly the upper-case letters.
#[inline]
fn kw_is(k: &[u8], lower: &[u8]) -> bool {
    k.len() == lower.len() && k.iter().zip(lower).all(|(&a, &b)| a | 0x20 == b)
}

fn is(keyword: &[u8], name: &str) -> bool {
    keyword.eq_ignore_ascii_case(name.as_bytes())
}

/// The parameters of MAIL FROM.
///
/// ```abnf
/// size-param   = "SIZE=" 1*20DIGIT                     ; RFC 1870 §6
/// body-param   = "BODY=" ("7BIT" / "8BITMIME" / "BINARYMIME") ; RFC 6152, RFC 3030
/// smtputf8     = "SMTPUTF8"                            ; RFC 6531 §3.4
/// auth-param   = "AUTH=" xtext  ; decodes to "<>" or a mailbox, RFC 4954 §5
/// ret-param    = "RET=" ("FULL" / "HDRS")              ; RFC 3461 §4.3
/// envid-param  = "ENVID=" xtext                        ; RFC 3461 §4.4
/// requiretls   = "REQUIRETLS"                          ; RFC 8689 §4.1
/// mt-priority  = "MT-PRIORITY=" ["-" / "+"] DIGIT      ; RFC 6710 §3
/// holdfor      = "HOLDFOR=" 1*DIGIT                    ; RFC 4865 §5
/// holduntil    = "HOLDUNTIL=" date-time                ; RFC 4865 §5
/// by-param     = "BY=" by-time ";" by-mode [by-trace]  ; RFC 2852 §4
/// by-time      = ["-" / "+"] 1*9digit
/// by-mode      = "N" / "R"
/// by-trace     = "T"
/// ```
pub(crate) fn mail_parameters(ctx: Ctx<'_>, i: &[u8]) -> PResult<MailParameters> {
    let mut p = MailParameters::default();
    each_param(ctx, i, |k, v| match k.len() {
        4 if kw_is(k, b"size") => match parse_u64(need(v)?) {
            Some(n) if need(v)?.len() <= 20 => once(&mut p.size, n),
            _ => fail("SIZE needs a number"),
        },
        4 if kw_is(k, b"body") => {
            let v = need(v)?;
            let body = if is(v, "7BIT") {
                Body::SevenBit
            } else if is(v, "8BITMIME") {
                Body::EightBitMime
            } else if is(v, "BINARYMIME") {
                Body::BinaryMime
            } else {
                return fail("BODY must be 7BIT, 8BITMIME or BINARYMIME");
            };
            once(&mut p.body, body)
        }
        8 if kw_is(k, b"smtputf8") => flag(&mut p.smtputf8, v),
        4 if kw_is(k, b"auth") => {
            let decoded = XText::decode(need(v)?).or_else(|_| fail("AUTH= is not xtext"))?;
            let auth = if decoded.as_str() == "<>" {
                MailAuth::Unknown
            } else {
                match Mailbox::new(decoded.as_str()) {
                    Ok(m) => MailAuth::Mailbox(m),
                    Err(_) => return fail("AUTH= must be <> or a mailbox"),
                }
            };
            once(&mut p.extras_mut().auth, auth)
        }
        3 if kw_is(k, b"ret") => {
            let v = need(v)?;
            let ret = if is(v, "FULL") {
                Ret::Full
            } else if is(v, "HDRS") {
                Ret::Headers
            } else {
                return fail("RET must be FULL or HDRS");
            };
            once(&mut p.ret, ret)
        }
        5 if kw_is(k, b"envid") => {
            let id = xtext(ctx, need(v)?, "ENVID= is not xtext")?;
            once(&mut p.extras_mut().envid, id)
        }
        10 if kw_is(k, b"requiretls") => flag(&mut p.requiretls, v),
        11 if kw_is(k, b"mt-priority") => {
            let prio = match need(v)? {
                [d] if d.is_ascii_digit() => (*d - b'0') as i8,
                [b'+', d] if d.is_ascii_digit() => (*d - b'0') as i8,
                [b'-', d] if d.is_ascii_digit() => -((*d - b'0') as i8),
                _ => return fail("MT-PRIORITY must be -9 to 9"),
            };
            once(
                &mut p.mt_priority,
                Priority::new(prio).or_else(|_| fail("MT-PRIORITY must be -9 to 9"))?,
            )
        }
        7 if kw_is(k, b"holdfor") => match parse_u64(need(v)?) {
            Some(n) => once(&mut p.extras_mut().hold, Hold::For(n)),
            None => fail("HOLDFOR needs a number of seconds"),
        },
        9 if kw_is(k, b"holduntil") => once(
            &mut p.extras_mut().hold,
            Hold::Until(ParamValue::from_parsed(ctx.str(need(v)?))),
        ),
        2 if kw_is(k, b"by") => once(&mut p.extras_mut().by, by(need(v)?)?),
        _ => {
            let param = other(ctx, p.other(), k, v)?;
            p.push_other(param);
            Ok(())
        }
    })?;
    Ok(p)
}

/// ```abnf
/// by-value = by-time ";" by-mode [by-trace]   ; RFC 2852 §4
/// ```
fn by(v: &[u8]) -> PResult<DeliverBy> {
    let bad = || fail("BY must be time;R or time;N, optionally followed by T");
    let Some(semi) = v.iter().position(|&b| b == b';') else {
        return bad();
    };
    let (time, mode) = (&v[..semi], &v[semi + 1..]);
    let (negative, digits) = match time {
        [b'-', d @ ..] => (true, d),
        [b'+', d @ ..] => (false, d),
        d => (false, d),
    };
    if digits.is_empty() || digits.len() > 9 {
        return bad();
    }
    let Some(n) = parse_u64(digits) else {
        return bad();
    };
    // At most 9 digits, so it fits.
    let n = n as i32;
    let time = if negative { -n } else { n };
    let (mode, trace) = match mode {
        [m] => (*m, false),
        [m, b'T' | b't'] => (*m, true),
        _ => return bad(),
    };
    let mode = match mode {
        b'R' | b'r' => ByMode::Return,
        b'N' | b'n' => ByMode::Notify,
        _ => return bad(),
    };
    Ok(DeliverBy { time, mode, trace })
}

/// The parameters of RCPT TO.
///
/// ```abnf
/// notify-esmtp-value = "NEVER" / 1#notify-list-element   ; RFC 3461 §4.1
/// notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"
/// orcpt-parameter = "ORCPT=" original-recipient-address  ; RFC 3461 §4.2
/// original-recipient-address = addr-type ";" xtext
/// ```
pub(crate) fn rcpt_parameters(ctx: Ctx<'_>, i: &[u8]) -> PResult<RcptParameters> {
    let mut p = RcptParameters::default();
    each_param(ctx, i, |k, v| match k.len() {
        6 if kw_is(k, b"notify") => once(&mut p.notify, notify(need(v)?)?),
        5 if kw_is(k, b"orcpt") => once(&mut p.orcpt, orcpt(ctx, need(v)?)?),
        _ => {
            let param = other(ctx, p.other(), k, v)?;
            p.push_other(param);
            Ok(())
        }
    })?;
    Ok(p)
}

/// ```abnf
/// orcpt-value = addr-type ";" xtext   ; RFC 3461 §4.2
/// ```
///
/// An address without `+XX` escapes is its own decoding, so the whole
/// value is kept as a slice of the line, not copied.
fn orcpt(ctx: Ctx<'_>, v: &[u8]) -> PResult<OriginalRecipient> {
    let Some(semi) = v.iter().position(|&b| b == b';') else {
        return fail("ORCPT must be addr-type;xtext");
    };
    let (addr_type, address) = (&v[..semi], &v[semi + 1..]);
    if !class::is_keyword(addr_type) {
        return fail("ORCPT address type is not an atom");
    }
    if !address.is_empty() && address.iter().all(|&b| class::is_xchar(b)) {
        return Ok(OriginalRecipient::from_parsed(ctx.str(v)));
    }
    let address = XText::decode(address).or_else(|_| fail("ORCPT address is not xtext"))?;
    Ok(OriginalRecipient::new(
        &Keyword::from_parsed(ctx.str(addr_type)),
        &address,
    ))
}

fn notify(v: &[u8]) -> PResult<Notify> {
    if is(v, "NEVER") {
        return Ok(Notify::Never);
    }
    let (mut success, mut failure, mut delay) = (false, false, false);
    for item in v.split(|&b| b == b',') {
        if is(item, "SUCCESS") {
            success = true;
        } else if is(item, "FAILURE") {
            failure = true;
        } else if is(item, "DELAY") {
            delay = true;
        } else {
            return fail("NOTIFY must be NEVER or SUCCESS, FAILURE, DELAY");
        }
    }
    match Notify::on(success, failure, delay) {
        Some(n) => Ok(n),
        None => fail("NOTIFY needs a condition"),
    }
}
