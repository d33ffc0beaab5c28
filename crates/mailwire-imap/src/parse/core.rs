//! Parsers of the basic values (RFC 9051 §4, §9).

use std::borrow::Cow;
use std::num::NonZeroU32;

use nom::IResult;
use nom::bytes::complete::take_while1;
use nom::error::{Error as NomError, ErrorKind};

use super::Opts;
use crate::types::chars::{is_astring_char, is_atom_char, is_tag_char, is_text_char};
use crate::types::core::{
    AString, Atom, AtomExt, Date, DateTime, IString, Literal, LiteralMode, MONTHS, NString, Quoted,
    SeqNo, Sequence, SequenceSet, Tag, Text,
};
use crate::types::flag::{Flag, FlagFetch, FlagPerm};
use crate::types::mailbox::Mailbox;

/// Parser result over a complete message.
pub(crate) type R<'a, T> = IResult<&'a [u8], T>;

/// A parse failure at `i`.
pub(crate) fn fail<T>(i: &[u8]) -> R<'_, T> {
    Err(err(i))
}

/// The error value of a failure at `i`.
pub(crate) fn err(i: &[u8]) -> nom::Err<NomError<&[u8]>> {
    nom::Err::Error(NomError::new(i, ErrorKind::Verify))
}

/// Writes `v` into `slot`, which holds a placeholder that owns no memory
/// (NIL, a borrowed empty string, an empty list, `None`, a body structure
/// made of those). The placeholder's drop glue is skipped: the compiler
/// cannot see that it has nothing to free, and the values parsed in place
/// (envelopes, body structures) write many such slots. Used only on slots
/// the caller has just filled with a placeholder; anything else would leak.
#[inline(always)]
pub(crate) fn fill<T>(slot: &mut T, v: T) {
    std::mem::forget(std::mem::replace(slot, v));
}

/// One byte `b`.
#[inline]
pub(crate) fn byte(i: &[u8], b: u8) -> R<'_, ()> {
    match i.first() {
        Some(&c) if c == b => Ok((&i[1..], ())),
        _ => fail(i),
    }
}

/// `SP`.
#[inline]
pub(crate) fn sp(i: &[u8]) -> R<'_, ()> {
    byte(i, b' ')
}

/// A keyword, ignoring ASCII case.
#[inline]
pub(crate) fn kw<'a>(i: &'a [u8], word: &str) -> R<'a, ()> {
    let w = word.as_bytes();
    if i.len() >= w.len() && i[..w.len()].eq_ignore_ascii_case(w) {
        Ok((&i[w.len()..], ()))
    } else {
        fail(i)
    }
}

/// Whether `i` starts with `word` (ignoring case) followed by a byte that
/// cannot continue an atom.
#[inline]
pub(crate) fn starts_kw(i: &[u8], word: &str) -> bool {
    let w = word.as_bytes();
    i.len() >= w.len()
        && i[..w.len()].eq_ignore_ascii_case(w)
        && i.get(w.len()).is_none_or(|&b| !is_astring_char(b))
}

/// `")"`, after optional spaces if the trailing-space quirk is on.
#[inline]
pub(crate) fn close<'a>(i: &'a [u8], o: &Opts) -> R<'a, ()> {
    let i = if o.quirks.trailing_space {
        skip_spaces(i)
    } else {
        i
    };
    byte(i, b')')
}

pub(crate) fn skip_spaces(i: &[u8]) -> &[u8] {
    let n = i.iter().take_while(|&&b| b == b' ').count();
    &i[n..]
}

/// `CRLF` that must end the message.
pub(crate) fn crlf_end<'a>(i: &'a [u8], o: &Opts) -> R<'a, ()> {
    let i = if o.quirks.trailing_space {
        skip_spaces(i)
    } else {
        i
    };
    if i == b"\r\n" {
        Ok((&i[2..], ()))
    } else {
        fail(i)
    }
}

/// `number = 1*DIGIT` (fits 32 bits).
pub(crate) fn number(i: &[u8]) -> R<'_, u32> {
    let (rest, n) = number64(i)?;
    match u32::try_from(n) {
        Ok(n) => Ok((rest, n)),
        Err(_) => fail(i),
    }
}

/// `number64 = 1*DIGIT` (fits 63 bits).
///
/// One pass: at most 19 digits are read (19 nines still fit a `u64`), the
/// bound on 63 bits is checked once at the end.
#[inline]
pub(crate) fn number64(i: &[u8]) -> R<'_, u64> {
    let mut n: u64 = 0;
    let mut k = 0;
    while k < i.len() {
        let d = i[k].wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if k == 19 {
            return fail(i);
        }
        n = n * 10 + u64::from(d);
        k += 1;
    }
    if k == 0 || n > i64::MAX as u64 {
        return fail(i);
    }
    Ok((&i[k..], n))
}

/// `nz-number = digit-nz *DIGIT`.
pub(crate) fn nz_number(i: &[u8]) -> R<'_, u32> {
    let (rest, n) = number(i)?;
    if n == 0 { fail(i) } else { Ok((rest, n)) }
}

fn ascii(b: &[u8]) -> &str {
    // Callers pass ASCII-only slices.
    std::str::from_utf8(b).unwrap_or_default()
}

/// `atom = 1*ATOM-CHAR`.
pub(crate) fn atom(i: &[u8]) -> R<'_, Atom<'_>> {
    let (rest, a) = take_while1(is_atom_char)(i)?;
    Ok((rest, Atom::unchecked(ascii(a))))
}

/// `1*ASTRING-CHAR`.
pub(crate) fn astring_atom(i: &[u8]) -> R<'_, AtomExt<'_>> {
    let (rest, a) = take_while1(is_astring_char)(i)?;
    Ok((rest, AtomExt::unchecked(ascii(a))))
}

/// `tag = 1*<any ASTRING-CHAR except "+">`.
pub(crate) fn tag(i: &[u8]) -> R<'_, Tag<'_>> {
    let (rest, a) = take_while1(is_tag_char)(i)?;
    Ok((rest, Tag::unchecked(ascii(a))))
}

/// A byte that ends the plain run of a quoted string: `"`, `\\`, CR, LF
/// or NUL.
#[inline]
fn is_quoted_stop(b: u8) -> bool {
    matches!(b, b'"' | b'\\' | b'\r' | b'\n' | 0)
}

/// Index of the first [`is_quoted_stop`] byte in `b`.
///
/// Quoted strings are short, so a vectorised search does not pay off; this
/// looks at 8 bytes per step with plain integer arithmetic ("SWAR"):
/// `(x - n*0x01..01) & !x & 0x80..80` flags the bytes below `n` (for
/// `n <= 0x80`), and a byte equal to `t` is a zero byte of `x ^ t*0x01..01`.
/// Borrows only run towards higher bytes, so the lowest flag
/// (little-endian: the first byte in memory) is always a real match. NUL,
/// LF and CR are found as bytes below 0x0E; the other controls in that
/// range are allowed in a quoted string, so a hit on one of them resumes
/// the scan after it (rare in real mail).
#[inline(always)]
fn find_quoted_stop(b: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    #[inline(always)]
    fn below(x: u64, n: u8) -> u64 {
        x.wrapping_sub(LO * u64::from(n)) & !x & HI
    }
    let mut at = 0;
    let mut chunks = b.chunks_exact(8);
    for chunk in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let m = below(x, 0x0e)
            | below(x ^ (LO * u64::from(b'"')), 1)
            | below(x ^ (LO * u64::from(b'\\')), 1);
        if m != 0 {
            let k = at + (m.trailing_zeros() / 8) as usize;
            return match b.get(k) {
                Some(&c) if is_quoted_stop(c) => Some(k),
                _ => find_quoted_stop_after_control(b, k + 1),
            };
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&c| is_quoted_stop(c))
        .map(|n| at + n)
}

/// [`find_quoted_stop`] from `from` on, after an allowed control byte.
#[cold]
#[inline(never)]
fn find_quoted_stop_after_control(b: &[u8], from: usize) -> Option<usize> {
    let rest = b.get(from..)?;
    find_quoted_stop(rest).map(|n| from + n)
}

/// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`;
/// `QUOTED-CHAR = <any TEXT-CHAR except quoted-specials> / "\" quoted-specials / UTF8-2 / UTF8-3 / UTF8-4`.
pub(crate) fn quoted<'a>(i: &'a [u8], o: &Opts) -> R<'a, Quoted<'a>> {
    let (body, ()) = byte(i, b'"')?;
    let Some(first) = find_quoted_stop(body) else {
        return fail(i);
    };
    if body[first] == b'"' {
        return Ok((
            &body[first + 1..],
            Quoted::unchecked(Cow::Borrowed(&body[..first])),
        ));
    }
    // Escapes: unescape into an owned copy.
    let mut owned = Vec::with_capacity(body.len().min(256));
    let mut pos = 0;
    let mut at = first;
    loop {
        match body[at] {
            b'"' => {
                owned.extend_from_slice(&body[pos..at]);
                return Ok((&body[at + 1..], Quoted::unchecked(Cow::Owned(owned))));
            }
            b'\\' => {
                let Some(&esc) = body.get(at + 1) else {
                    return fail(i);
                };
                if !(esc == b'"' || esc == b'\\' || (o.quirks.any_escape && is_text_char(esc))) {
                    return fail(&body[at..]);
                }
                owned.extend_from_slice(&body[pos..at]);
                owned.push(esc);
                pos = at + 2;
            }
            _ => return fail(&body[at..]),
        }
        let Some(next) = find_quoted_stop(&body[pos..]) else {
            return fail(i);
        };
        at = pos + next;
    }
}

/// `literal = "{" number64 ["+"] "}" CRLF *CHAR8`;
/// `literal8 = "~{" number64 "}" CRLF *OCTET` (RFC 3516).
pub(crate) fn literal(i: &[u8]) -> R<'_, Literal<'_>> {
    let (j, binary) = match i.first() {
        Some(b'~') => (&i[1..], true),
        _ => (i, false),
    };
    let (j, ()) = byte(j, b'{')?;
    let (j, n) = number64(j)?;
    let (j, mode) = match j.first() {
        Some(b'+') => (&j[1..], LiteralMode::NonSync),
        _ => (j, LiteralMode::Sync),
    };
    let (j, ()) = byte(j, b'}')?;
    let (j, ()) = byte(j, b'\r')?;
    let (j, ()) = byte(j, b'\n')?;
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if j.len() < n {
        return fail(i);
    }
    Ok((&j[n..], Literal::unchecked(&j[..n], mode, binary)))
}

/// A quoted string without escapes, the usual case: the content and the
/// rest after the closing quote. `i` starts after the opening quote.
#[inline(always)]
fn plain_quoted(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let k = find_quoted_stop(body)?;
    match body.split_at_checked(k)? {
        (content, [b'"', rest @ ..]) => Some((rest, content)),
        _ => None,
    }
}

/// `string = quoted / literal` (literal8 accepted too).
///
/// The plain quoted form is parsed inline at each caller; escapes,
/// literals and the NIL quirk go through [`string_other`].
#[inline(always)]
pub(crate) fn string<'a>(i: &'a [u8], o: &Opts) -> R<'a, IString<'a>> {
    if let [b'"', body @ ..] = i {
        if let Some((rest, content)) = plain_quoted(body) {
            return Ok((
                rest,
                IString::Quoted(Quoted::unchecked(Cow::Borrowed(content))),
            ));
        }
    }
    string_other(i, o)
}

/// [`string`] when it is not a plain quoted string.
#[inline(never)]
fn string_other<'a>(i: &'a [u8], o: &Opts) -> R<'a, IString<'a>> {
    match i.first() {
        Some(b'"') => quoted(i, o).map(|(r, q)| (r, IString::Quoted(q))),
        Some(b'{') => literal(i).map(|(r, l)| (r, IString::Literal(l))),
        Some(b'~') if i.get(1) == Some(&b'{') => literal(i).map(|(r, l)| (r, IString::Literal(l))),
        _ if o.quirks.nil_as_string && starts_nil(i) => Ok((
            &i[3..],
            IString::Quoted(Quoted::unchecked(Cow::Borrowed(b""))),
        )),
        _ => fail(i),
    }
}

/// `astring = 1*ASTRING-CHAR / string`.
pub(crate) fn astring<'a>(i: &'a [u8], o: &Opts) -> R<'a, AString<'a>> {
    match i.first() {
        Some(b'"' | b'{') => string(i, o).map(|(r, s)| (r, AString::String(s))),
        Some(b'~') if i.get(1) == Some(&b'{') => string(i, o).map(|(r, s)| (r, AString::String(s))),
        _ => astring_atom(i).map(|(r, a)| (r, AString::Atom(a))),
    }
}

/// Whether `i` starts with `NIL` (any case) not followed by an atom byte.
#[inline]
pub(crate) fn starts_nil(i: &[u8]) -> bool {
    match i {
        [n, i2, l, rest @ ..] => {
            (n | 0x20) == b'n'
                && (i2 | 0x20) == b'i'
                && (l | 0x20) == b'l'
                && rest.first().is_none_or(|&b| !is_astring_char(b))
        }
        _ => false,
    }
}

/// `nil = "NIL"`.
#[inline]
pub(crate) fn nil(i: &[u8]) -> R<'_, ()> {
    if starts_nil(i) {
        Ok((&i[3..], ()))
    } else {
        fail(i)
    }
}

/// `nstring = string / nil`.
#[inline(always)]
pub(crate) fn nstring<'a>(i: &'a [u8], o: &Opts) -> R<'a, NString<'a>> {
    match i.first() {
        Some(b'"' | b'{' | b'~') => string(i, o).map(|(r, s)| (r, NString(Some(s)))),
        _ => nil(i).map(|(r, ())| (r, NString(None))),
    }
}

/// `mailbox = "INBOX" / astring`.
pub(crate) fn mailbox<'a>(i: &'a [u8], o: &Opts) -> R<'a, Mailbox<'a>> {
    astring(i, o).map(|(r, a)| (r, Mailbox::from_wire(a)))
}

/// `text = 1*TEXT-CHAR` up to CRLF (may be empty). Bytes that are not
/// UTF-8 are replaced (text is for humans).
pub(crate) fn text(i: &[u8]) -> R<'_, Text<'_>> {
    let n = i.iter().take_while(|&&b| is_text_char(b)).count();
    let t = match std::str::from_utf8(&i[..n]) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(String::from_utf8_lossy(&i[..n]).into_owned()),
    };
    Ok((&i[n..], Text::from_cow_unchecked(t)))
}

#[inline]
fn digits_n(i: &[u8], n: usize) -> R<'_, u32> {
    let Some(d) = i.get(..n) else {
        return fail(i);
    };
    let mut v = 0u32;
    for &c in d {
        let c = c.wrapping_sub(b'0');
        if c > 9 {
            return fail(i);
        }
        v = v * 10 + u32::from(c);
    }
    Ok((&i[n..], v))
}

/// `date-month`, ignoring case: one comparison per month name at most.
#[inline]
fn month(i: &[u8]) -> R<'_, u8> {
    let Some(&[a, b, c]) = i.get(..3) else {
        return fail(i);
    };
    // Setting bit 5 lowers ASCII letters; only the two cases of a letter
    // map to the same lower-case letter.
    let m = match [a | 0x20, b | 0x20, c | 0x20] {
        [b'j', b'a', b'n'] => 1,
        [b'f', b'e', b'b'] => 2,
        [b'm', b'a', b'r'] => 3,
        [b'a', b'p', b'r'] => 4,
        [b'm', b'a', b'y'] => 5,
        [b'j', b'u', b'n'] => 6,
        [b'j', b'u', b'l'] => 7,
        [b'a', b'u', b'g'] => 8,
        [b's', b'e', b'p'] => 9,
        [b'o', b'c', b't'] => 10,
        [b'n', b'o', b'v'] => 11,
        [b'd', b'e', b'c'] => 12,
        _ => return fail(i),
    };
    debug_assert!(
        MONTHS[m as usize - 1]
            .as_bytes()
            .eq_ignore_ascii_case(&[a, b, c])
    );
    Ok((&i[3..], m))
}

/// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time
/// SP zone DQUOTE`; `date-day-fixed = (SP DIGIT) / 2DIGIT`.
pub(crate) fn date_time(i: &[u8]) -> R<'_, DateTime> {
    let (j, ()) = byte(i, b'"')?;
    let (j, day) = match j.first() {
        Some(b' ') => digits_n(&j[1..], 1)?,
        _ => digits_n(j, 2)?,
    };
    let (j, ()) = byte(j, b'-')?;
    let (j, mon) = month(j)?;
    let (j, ()) = byte(j, b'-')?;
    let (j, year) = digits_n(j, 4)?;
    let (j, ()) = sp(j)?;
    let (j, h) = digits_n(j, 2)?;
    let (j, ()) = byte(j, b':')?;
    let (j, m) = digits_n(j, 2)?;
    let (j, ()) = byte(j, b':')?;
    let (j, s) = digits_n(j, 2)?;
    let (j, ()) = sp(j)?;
    let (j, sign) = match j.first() {
        Some(b'+') => (&j[1..], 1i16),
        Some(b'-') => (&j[1..], -1i16),
        _ => return fail(j),
    };
    let (j, zh) = digits_n(j, 2)?;
    let (j, zm) = digits_n(j, 2)?;
    let (j, ()) = byte(j, b'"')?;
    let date = Date::new(year as u16, mon, day as u8).map_err(|_| err(i))?;
    if zm > 59 {
        return fail(i);
    }
    let zone = sign * (zh as i16 * 60 + zm as i16);
    let dt = DateTime::new(date, h as u8, m as u8, s as u8, zone).map_err(|_| err(i))?;
    Ok((j, dt))
}

/// `date = date-text / DQUOTE date-text DQUOTE`;
/// `date-text = date-day "-" date-month "-" date-year`; `date-day = 1*2DIGIT`.
pub(crate) fn date(i: &[u8]) -> R<'_, Date> {
    let (j, q) = match i.first() {
        Some(b'"') => (&i[1..], true),
        _ => (i, false),
    };
    let dn = j.iter().take_while(|b| b.is_ascii_digit()).count();
    if !(1..=2).contains(&dn) {
        return fail(j);
    }
    let (j, day) = digits_n(j, dn)?;
    let (j, ()) = byte(j, b'-')?;
    let (j, mon) = month(j)?;
    let (j, ()) = byte(j, b'-')?;
    let (j, year) = digits_n(j, 4)?;
    let (j, ()) = if q { byte(j, b'"')? } else { (j, ()) };
    let d = Date::new(year as u16, mon, day as u8).map_err(|_| err(i))?;
    Ok((j, d))
}

fn seq_no(i: &[u8]) -> R<'_, SeqNo> {
    match i.first() {
        Some(b'*') => Ok((&i[1..], SeqNo::Largest)),
        _ => {
            let (r, n) = nz_number(i)?;
            Ok((
                r,
                SeqNo::Value(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)),
            ))
        }
    }
}

/// `sequence-set = (seq-number / seq-range) ["," sequence-set]` or `"$"`
/// (RFC 5182).
pub(crate) fn sequence_set(i: &[u8]) -> R<'_, SequenceSet> {
    if let Some(b'$') = i.first() {
        return Ok((&i[1..], SequenceSet::saved()));
    }
    let mut items = Vec::new();
    let mut j = i;
    loop {
        let (r, a) = seq_no(j)?;
        let (r, s) = match r.first() {
            Some(b':') => {
                let (r, b) = seq_no(&r[1..])?;
                (r, Sequence::Range(a, b))
            }
            _ => (r, Sequence::Single(a)),
        };
        items.push(s);
        match r.first() {
            Some(b',') => j = &r[1..],
            _ => {
                j = r;
                break;
            }
        }
    }
    SequenceSet::new(items).map(|s| (j, s)).or_else(|_| fail(i))
}

/// Flag keyword characters; with the relaxed-flags quirk any byte but SP,
/// `(`, `)` and controls (Gmail sends keywords with `]` and other specials).
fn flag_atom<'a>(i: &'a [u8], o: &Opts) -> R<'a, Atom<'a>> {
    if o.quirks.relaxed_flags {
        let (rest, a) = take_while1(|b: u8| b > 0x20 && b < 0x7f && b != b'(' && b != b')')(i)?;
        Ok((rest, Atom::unchecked(ascii(a))))
    } else {
        atom(i)
    }
}

/// `"\" atom` after the backslash: the flag name's bytes (ASCII).
#[inline]
fn backslash_name(i: &[u8]) -> R<'_, &[u8]> {
    let n = i.iter().take_while(|&&b| is_atom_char(b)).count();
    if n == 0 {
        return fail(i);
    }
    Ok((&i[n..], &i[..n]))
}

/// A `\name` flag: a system flag, else `flag-extension`.
#[inline]
fn backslash_flag(name: &[u8]) -> Flag<'_> {
    Flag::system(name).unwrap_or_else(|| Flag::Extension(Atom::unchecked(ascii(name))))
}

/// `flag = "\Answered" / ... / flag-keyword / flag-extension`.
pub(crate) fn flag<'a>(i: &'a [u8], o: &Opts) -> R<'a, Flag<'a>> {
    match i.first() {
        Some(b'\\') => {
            let (r, name) = backslash_name(&i[1..])?;
            Ok((r, backslash_flag(name)))
        }
        _ => flag_atom(i, o).map(|(r, a)| (r, Flag::Keyword(a))),
    }
}

/// `flag-fetch = flag / "\Recent"`.
pub(crate) fn flag_fetch<'a>(i: &'a [u8], o: &Opts) -> R<'a, FlagFetch<'a>> {
    match i.first() {
        Some(b'\\') => {
            let (r, name) = backslash_name(&i[1..])?;
            if name.len() == 6 && name.eq_ignore_ascii_case(b"Recent") {
                return Ok((r, FlagFetch::Recent));
            }
            Ok((r, FlagFetch::Flag(backslash_flag(name))))
        }
        _ => flag_atom(i, o).map(|(r, a)| (r, FlagFetch::Flag(Flag::Keyword(a)))),
    }
}

/// `flag-perm = flag / "\*"`.
pub(crate) fn flag_perm<'a>(i: &'a [u8], o: &Opts) -> R<'a, FlagPerm<'a>> {
    if i.starts_with(b"\\*") {
        return Ok((&i[2..], FlagPerm::Any));
    }
    flag(i, o).map(|(r, f)| (r, FlagPerm::Flag(f)))
}

/// `"(" [item *(SP item)] ")"`.
pub(crate) fn paren_list<'a, T>(
    i: &'a [u8],
    o: &Opts,
    mut item: impl FnMut(&'a [u8]) -> R<'a, T>,
) -> R<'a, Vec<T>> {
    let (mut j, ()) = byte(i, b'(')?;
    let mut out = Vec::new();
    if let Ok((r, ())) = close(j, o) {
        return Ok((r, out));
    }
    loop {
        let (r, v) = item(j)?;
        out.push(v);
        if let Ok((r, ())) = close(r, o) {
            return Ok((r, out));
        }
        let (r, ()) = sp(r)?;
        j = r;
    }
}

/// `item *(SP item)` while another SP follows (no closing delimiter).
pub(crate) fn sp_list<'a, T>(
    mut i: &'a [u8],
    mut item: impl FnMut(&'a [u8]) -> R<'a, T>,
) -> R<'a, Vec<T>> {
    let mut out = Vec::new();
    while let Some(b' ') = i.first() {
        match item(&i[1..]) {
            Ok((r, v)) => {
                out.push(v);
                i = r;
            }
            Err(_) => break,
        }
    }
    Ok((i, out))
}

#[cfg(test)]
mod tests {
    use super::{find_quoted_stop, is_quoted_stop};

    /// The 8-bytes-at-a-time scan finds the same first stop byte as a
    /// byte-by-byte scan, for every stop byte at every offset of inputs
    /// whose other bytes sit right next to the stop values (±1, 0x80+).
    #[test]
    fn quoted_stop_scan_matches_bytewise() {
        let fillers = [
            b'a', 0x01, 0x09, 0x0b, 0x0c, 0x0e, b'!', b'#', b'[', b']', 0x80, 0xff,
        ];
        for len in 0..40 {
            for &fill in &fillers {
                let plain = vec![fill; len];
                assert_eq!(find_quoted_stop(&plain), None);
                for at in 0..len {
                    for stop in [b'"', b'\\', b'\r', b'\n', 0] {
                        let mut v = plain.clone();
                        v[at] = stop;
                        // A second stop later must not hide the first.
                        if at + 3 < len {
                            v[at + 3] = 0;
                        }
                        let want = v.iter().position(|&c| is_quoted_stop(c));
                        assert_eq!(find_quoted_stop(&v), want, "{v:?}");
                        assert_eq!(want, Some(at));
                    }
                }
            }
        }
    }
}
