//! FETCH response items and envelopes (RFC 9051 §7.5.2).

use super::Opts;
use super::body::boxed_body;
use super::core::{
    R, astring, byte, close, date_time, fail, fill, flag_fetch, kw, nstring, number, number64,
    nz_number, paren_list, sp, string,
};
use crate::types::chars::is_astring_char;
use crate::types::core::Raw;
use crate::types::fetch::{Address, Envelope, FetchItem, Section, SectionText};
use crate::types::flag::FlagFetch;
use crate::types::list::List;

/// `msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic /
/// msg-att-static)) ")"`.
pub(crate) fn fetch_items<'a>(i: &'a [u8], o: &Opts) -> R<'a, Vec<FetchItem<'a>>> {
    let (mut j, ()) = byte(i, b'(')?;
    let mut items = Vec::with_capacity(8);
    loop {
        let (r, item) = fetch_item(j, o)?;
        items.push(item);
        if let Ok((r, ())) = close(r, o) {
            return Ok((r, items));
        }
        j = sp(r)?.0;
    }
}

/// Bytes that may appear in a FETCH item name (`RFC822.SIZE`, `X-GM-MSGID`).
static NAME_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
        b += 1;
    }
    t
};

fn name_len(i: &[u8]) -> usize {
    i.iter()
        .position(|&b| !NAME_CHAR[usize::from(b)])
        .unwrap_or(i.len())
}

/// Clears bit 5 of every byte: ASCII letters to upper case. Over the bytes
/// of [`NAME_CHAR`] this folds only letters (digits, `.` and `-` map to
/// control bytes that no name holds), so equal keys mean names equal
/// ignoring ASCII case.
const FOLD: u128 = !(0x2020_2020_2020_2020_2020_2020_2020_2020u128);

/// A name of at most 16 bytes as one folded little-endian number, the
/// bytes after it zero: the FETCH item names compare in one step each.
const fn key(name: &[u8]) -> u128 {
    let mut k = 0u128;
    let mut n = 0;
    while n < name.len() && n < 16 {
        k |= (name[n] as u128) << (8 * n);
        n += 1;
    }
    k & FOLD
}

/// [`key`] of the first `n` bytes of `i` (`n <= 16`); `None` for a longer
/// name, which no item we know has.
#[inline]
fn name_key(i: &[u8], n: usize) -> Option<u128> {
    if n > 16 {
        return None;
    }
    let k = match i.get(..16) {
        Some(w) => {
            let mut b = [0u8; 16];
            b.copy_from_slice(w);
            let x = u128::from_le_bytes(b);
            if n == 16 {
                x
            } else {
                x & ((1u128 << (8 * n)) - 1)
            }
        }
        None => key(&i[..n]),
    };
    Some(k & FOLD)
}

const UID: u128 = key(b"UID");
const FLAGS: u128 = key(b"FLAGS");
const INTERNALDATE: u128 = key(b"INTERNALDATE");
const ENVELOPE: u128 = key(b"ENVELOPE");
const MODSEQ: u128 = key(b"MODSEQ");
const RFC822_SIZE: u128 = key(b"RFC822.SIZE");
const RFC822: u128 = key(b"RFC822");
const RFC822_HEADER: u128 = key(b"RFC822.HEADER");
const RFC822_TEXT: u128 = key(b"RFC822.TEXT");
const BODYSTRUCTURE: u128 = key(b"BODYSTRUCTURE");
const BODY: u128 = key(b"BODY");
const BINARY: u128 = key(b"BINARY");
const BINARY_SIZE: u128 = key(b"BINARY.SIZE");

/// One `msg-att-dynamic / msg-att-static`; unknown items become
/// [`FetchItem::Unknown`].
fn fetch_item<'a>(i: &'a [u8], o: &Opts) -> R<'a, FetchItem<'a>> {
    let n = name_len(i);
    let j = &i[n..];
    let known: Option<R<'a, FetchItem<'a>>> = match name_key(i, n) {
        None => None,
        Some(UID) => Some(nz_number(sp(j)?.0).map(|(r, n)| (r, FetchItem::Uid(n)))),
        Some(FLAGS) => Some(flag_list(sp(j)?.0, o).map(|(r, f)| (r, FetchItem::Flags(f)))),
        Some(INTERNALDATE) => {
            Some(date_time(sp(j)?.0).map(|(r, d)| (r, FetchItem::InternalDate(d))))
        }
        Some(ENVELOPE) => Some(envelope(sp(j)?.0, o).map(|(r, e)| (r, FetchItem::Envelope(e)))),
        Some(MODSEQ) => Some((|| {
            // "MODSEQ" SP "(" permsg-modsequence ")"
            let (k, ()) = byte(sp(j)?.0, b'(')?;
            let (k, n) = number64(k)?;
            let (k, ()) = close(k, o)?;
            Ok((k, FetchItem::ModSeq(n)))
        })()),
        Some(RFC822_SIZE) => Some(number64(sp(j)?.0).map(|(r, n)| (r, FetchItem::Rfc822Size(n)))),
        Some(RFC822) => Some(nstring(sp(j)?.0, o).map(|(r, s)| (r, FetchItem::Rfc822(s)))),
        Some(RFC822_HEADER) => {
            Some(nstring(sp(j)?.0, o).map(|(r, s)| (r, FetchItem::Rfc822Header(s))))
        }
        Some(RFC822_TEXT) => Some(nstring(sp(j)?.0, o).map(|(r, s)| (r, FetchItem::Rfc822Text(s)))),
        Some(BODYSTRUCTURE) => {
            Some(boxed_body(sp(j)?.0, o, 0).map(|(r, b)| (r, FetchItem::BodyStructure(b))))
        }
        Some(BODY) => Some(match j.first() {
            Some(b'[') => body_section(j, o),
            _ => boxed_body(sp(j)?.0, o, 0).map(|(r, b)| (r, FetchItem::Body(b))),
        }),
        Some(BINARY) => Some((|| {
            let (k, section) = section_binary(j)?;
            let (k, data) = nstring(sp(k)?.0, o)?;
            Ok((k, FetchItem::Binary { section, data }))
        })()),
        Some(BINARY_SIZE) => Some((|| {
            let (k, section) = section_binary(j)?;
            let (k, size) = number(sp(k)?.0)?;
            Ok((k, FetchItem::BinarySize { section, size }))
        })()),
        _ => None,
    };
    match known {
        Some(r) => r,
        None => unknown_item(i, o),
    }
}

/// `"(" [flag-fetch *(SP flag-fetch)] ")"`.
fn flag_list<'a>(i: &'a [u8], o: &Opts) -> R<'a, List<FlagFetch<'a>>> {
    let (mut j, ()) = byte(i, b'(')?;
    let mut out = List::new();
    if let Ok((r, ())) = close(j, o) {
        return Ok((r, out));
    }
    loop {
        let (r, f) = flag_fetch(j, o)?;
        out.push(f);
        if let Ok((r, ())) = close(r, o) {
            return Ok((r, out));
        }
        j = sp(r)?.0;
    }
}

/// An item we do not know: `name [SP value]`, value skipped by its shape.
fn unknown_item<'a>(i: &'a [u8], o: &Opts) -> R<'a, FetchItem<'a>> {
    let n = i.iter().take_while(|&&b| is_astring_char(b)).count();
    if n == 0 {
        return fail(i);
    }
    let mut j = &i[n..];
    if j.first() == Some(&b' ') && j.get(1) != Some(&b')') {
        j = skip_value(&j[1..], o, 0)?.0;
    }
    let used = i.len() - j.len();
    Ok((
        j,
        FetchItem::Unknown {
            raw: Raw::parsed(&i[..used]),
        },
    ))
}

/// Skips one value of any shape: a parenthesized list, a string, or a token.
pub(crate) fn skip_value<'a>(i: &'a [u8], o: &Opts, depth: u32) -> R<'a, ()> {
    match i.first() {
        Some(b'(') => {
            if depth >= o.max_depth {
                return fail(i);
            }
            let (j, _) = paren_list(i, o, |k| skip_value(k, o, depth + 1))?;
            Ok((j, ()))
        }
        Some(b'"' | b'{' | b'~') => string(i, o).map(|(r, _)| (r, ())),
        _ => {
            let n = i
                .iter()
                .take_while(|&&b| b > 0x20 && b != 0x7f && b != b'(' && b != b')' && b != b'"')
                .count();
            if n == 0 { fail(i) } else { Ok((&i[n..], ())) }
        }
    }
}

/// `"BODY" section ["<" number ">"] SP nstring`, after `BODY`.
fn body_section<'a>(i: &'a [u8], o: &Opts) -> R<'a, FetchItem<'a>> {
    let (j, section) = section(i, o)?;
    let (j, origin) = match j.first() {
        Some(b'<') => {
            let (k, n) = number(&j[1..])?;
            let (k, ()) = byte(k, b'>')?;
            (k, Some(n))
        }
        _ => (j, None),
    };
    let (j, data) = nstring(sp(j)?.0, o)?;
    Ok((
        j,
        FetchItem::BodySection {
            section,
            origin,
            data,
        },
    ))
}

/// `section = "[" [section-spec] "]"`;
/// `section-spec = section-msgtext / (section-part ["." section-text])`.
pub(crate) fn section<'a>(i: &'a [u8], o: &Opts) -> R<'a, Section<'a>> {
    let (mut j, ()) = byte(i, b'[')?;
    let mut part = Vec::new();
    let mut text = None;
    // section-part = nz-number *("." nz-number)
    while j.first().is_some_and(u8::is_ascii_digit) {
        let (r, n) = nz_number(j)?;
        part.push(n);
        j = r;
        match j.first() {
            Some(b'.') => j = &j[1..],
            _ => break,
        }
    }
    if j.first() != Some(&b']') {
        let (r, t) = section_text(j, o, !part.is_empty())?;
        text = Some(t);
        j = r;
    } else if j.len() < i.len() - 1 && i[i.len() - j.len() - 1] == b'.' {
        return fail(j);
    }
    let (j, ()) = byte(j, b']')?;
    Ok((j, Section { part, text }))
}

/// `section-text = section-msgtext / "MIME"`;
/// `section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"`.
fn section_text<'a>(i: &'a [u8], o: &Opts, mime_ok: bool) -> R<'a, SectionText<'a>> {
    let header_list = |k: &'a [u8]| paren_list(sp(k)?.0, o, |m| astring(m, o));
    if let Ok((j, ())) = kw(i, "HEADER.FIELDS.NOT") {
        let (j, v) = header_list(j)?;
        return Ok((j, SectionText::HeaderFieldsNot(v)));
    }
    if let Ok((j, ())) = kw(i, "HEADER.FIELDS") {
        let (j, v) = header_list(j)?;
        return Ok((j, SectionText::HeaderFields(v)));
    }
    if let Ok((j, ())) = kw(i, "HEADER") {
        return Ok((j, SectionText::Header));
    }
    if let Ok((j, ())) = kw(i, "TEXT") {
        return Ok((j, SectionText::Text));
    }
    if mime_ok {
        if let Ok((j, ())) = kw(i, "MIME") {
            return Ok((j, SectionText::Mime));
        }
    }
    fail(i)
}

/// `section-binary = "[" [section-part] "]"`.
pub(crate) fn section_binary(i: &[u8]) -> R<'_, Vec<u32>> {
    let (mut j, ()) = byte(i, b'[')?;
    let mut part = Vec::new();
    if j.first() != Some(&b']') {
        loop {
            let (r, n) = nz_number(j)?;
            part.push(n);
            match r.first() {
                Some(b'.') => j = &r[1..],
                _ => {
                    j = r;
                    break;
                }
            }
        }
    }
    let (j, ()) = byte(j, b']')?;
    Ok((j, part))
}

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP
/// env-reply-to SP env-to SP env-cc SP env-bcc SP env-in-reply-to SP
/// env-message-id ")"`.
pub(crate) fn envelope<'a>(i: &'a [u8], o: &Opts) -> R<'a, Box<Envelope<'a>>> {
    // Filled in place: an envelope is large, and moving it whole into its
    // box (and through each `?`) costs more than parsing some of it.
    let mut env: Box<Envelope<'a>> = Box::default();
    let (j, ()) = byte(i, b'(')?;
    let (j, date) = nstring(j, o)?;
    fill(&mut env.date, date);
    let (j, subject) = nstring(sp(j)?.0, o)?;
    fill(&mut env.subject, subject);
    let j = addresses(sp(j)?.0, o, &mut env.from)?.0;
    let j = addresses(sp(j)?.0, o, &mut env.sender)?.0;
    let j = addresses(sp(j)?.0, o, &mut env.reply_to)?.0;
    let j = addresses(sp(j)?.0, o, &mut env.to)?.0;
    let j = addresses(sp(j)?.0, o, &mut env.cc)?.0;
    let j = addresses(sp(j)?.0, o, &mut env.bcc)?.0;
    let (j, in_reply_to) = nstring(sp(j)?.0, o)?;
    fill(&mut env.in_reply_to, in_reply_to);
    let (j, message_id) = nstring(sp(j)?.0, o)?;
    fill(&mut env.message_id, message_id);
    let (j, ()) = close(j, o)?;
    Ok((j, env))
}

/// `env-from = "(" 1*address ")" / nil` (and the other address lists).
/// The list is written to `out`, which is empty.
fn addresses<'a>(i: &'a [u8], o: &Opts, out: &mut List<Address<'a>>) -> R<'a, ()> {
    if i.first() != Some(&b'(') {
        return super::core::nil(i);
    }
    // Most lists hold one address, which the list keeps without allocating.
    // Each address is parsed straight into its slot in the list.
    fill(out, List::one(Address::default()));
    let mut j = &i[1..];
    let mut at = 0;
    loop {
        let Some(slot) = out.get_mut(at) else {
            return fail(j);
        };
        let (r, ()) = address(j, o, slot)?;
        if let Ok((r, ())) = close(r, o) {
            return Ok((r, ()));
        }
        // Addresses follow each other without a separator; some servers
        // put a space between them.
        j = match r.first() {
            Some(b' ') => &r[1..],
            _ => r,
        };
        out.push(Address::default());
        at += 1;
    }
}

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`.
fn address<'a>(i: &'a [u8], o: &Opts, out: &mut Address<'a>) -> R<'a, ()> {
    let (j, ()) = byte(i, b'(')?;
    let (j, name) = nstring(j, o)?;
    fill(&mut out.name, name);
    let (j, adl) = nstring(sp(j)?.0, o)?;
    fill(&mut out.adl, adl);
    let (j, mailbox) = nstring(sp(j)?.0, o)?;
    fill(&mut out.mailbox, mailbox);
    let (j, host) = nstring(sp(j)?.0, o)?;
    fill(&mut out.host, host);
    close(j, o)
}

#[cfg(test)]
mod tests {
    use super::{NAME_CHAR, key, name_key};

    /// The folded keys match exactly the names that are equal ignoring
    /// ASCII case, for names read from a longer buffer and at its end.
    #[test]
    fn name_keys_compare_ignoring_case_only() {
        let names: &[&[u8]] = &[
            b"UID",
            b"uid",
            b"Uid",
            b"UIDX",
            b"UI",
            b"FLAGS",
            b"flags",
            b"RFC822",
            b"rfc822.size",
            b"RFC822.SIZE",
            b"RFC822-SIZE",
            b"RFC822.TEXT",
            b"BODY",
            b"body",
            b"BODYSTRUCTURE",
            b"BODY.PEEK",
            b"BINARY.SIZE",
            b"binary.size",
            b"X-GM-MSGID",
            b"INTERNALDATE1",
            b"ENVELOPE",
            b"ENVELOPe",
            b"MODSEQ",
            b"M0DSEQ",
            b"0123456789ABCDEF",
        ];
        for a in names {
            assert!(a.iter().all(|&b| NAME_CHAR[usize::from(b)]));
            for b in names {
                let mut padded = b.to_vec();
                padded.extend_from_slice(b" (1 2 3 4 5 6 7 8 9)\r\n");
                let same = a.eq_ignore_ascii_case(b);
                assert_eq!(
                    name_key(&padded, b.len()) == Some(key(a)),
                    same,
                    "{a:?} {b:?}"
                );
                assert_eq!(name_key(b, b.len()) == Some(key(a)), same, "{a:?} {b:?}");
            }
        }
        assert_eq!(name_key(b"ABCDEFGHIJKLMNOPQ", 17), None);
    }
}
