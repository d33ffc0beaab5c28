//! Responses: status responses, response codes, continuation requests.

use std::borrow::Cow;

use super::Opts;
use super::core::{
    R, astring, atom, byte, crlf_end, fail, flag_perm, number64, nz_number, paren_list,
    sequence_set, sp, sp_list, starts_kw, tag, text,
};
use super::data::untagged;
use crate::types::core::Text;
use crate::types::response::{
    Capability, Code, Continue, Response, SimpleCode, Status, StatusResponse,
};

/// `response = continue-req / response-data / response-done` (one of them).
pub(crate) fn response<'a>(i: &'a [u8], o: &Opts) -> R<'a, Response<'a>> {
    match i.first() {
        Some(b'+') => continue_req(i, o).map(|(r, c)| (r, Response::Continue(c))),
        Some(b'*') => {
            let (j, ()) = sp(&i[1..])?;
            if let Ok((r, (status, code, text))) = cond(j, o, true) {
                return Ok((
                    r,
                    Response::Status(StatusResponse {
                        tag: None,
                        status,
                        code,
                        text,
                    }),
                ));
            }
            untagged(j, o).map(|(r, d)| (r, Response::Data(d)))
        }
        _ => {
            // response-tagged = tag SP resp-cond-state CRLF
            let (j, t) = tag(i)?;
            let (j, ()) = sp(j)?;
            let (r, (status, code, text)) = cond(j, o, false)?;
            Ok((
                r,
                Response::Status(StatusResponse {
                    tag: Some(t),
                    status,
                    code,
                    text,
                }),
            ))
        }
    }
}

/// `greeting = "*" SP (resp-cond-auth / resp-cond-bye) CRLF`.
pub(crate) fn greeting<'a>(i: &'a [u8], o: &Opts) -> R<'a, StatusResponse<'a>> {
    let (j, ()) = byte(i, b'*')?;
    let (j, ()) = sp(j)?;
    let (r, (status, code, text)) = cond(j, o, true)?;
    if !matches!(status, Status::Ok | Status::PreAuth | Status::Bye) {
        return fail(j);
    }
    Ok((
        r,
        StatusResponse {
            tag: None,
            status,
            code,
            text,
        },
    ))
}

type Cond<'a> = (Status, Option<Code<'a>>, Text<'a>);

/// `resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text`, and untagged
/// also `resp-cond-auth = ("OK" / "PREAUTH") SP resp-text`,
/// `resp-cond-bye = "BYE" SP resp-text`; through the final CRLF.
fn cond<'a>(i: &'a [u8], o: &Opts, untagged: bool) -> R<'a, Cond<'a>> {
    let (j, status) = if starts_kw(i, "OK") {
        (&i[2..], Status::Ok)
    } else if starts_kw(i, "NO") {
        (&i[2..], Status::No)
    } else if starts_kw(i, "BAD") {
        (&i[3..], Status::Bad)
    } else if untagged && starts_kw(i, "PREAUTH") {
        (&i[7..], Status::PreAuth)
    } else if starts_kw(i, "BYE") && (untagged || o.quirks.trailing_space) {
        (&i[3..], Status::Bye)
    } else {
        return fail(i);
    };
    // RFC 9051 makes the text optional; servers also omit the SP before it.
    if let Ok((r, ())) = crlf_end(j, o) {
        return Ok((r, (status, None, Text::empty())));
    }
    let (j, ()) = sp(j)?;
    let (j, (code, text)) = resp_text(j, o)?;
    let (r, ()) = crlf_end(j, o)?;
    Ok((r, (status, code, text)))
}

/// `resp-text = ["[" resp-text-code "]" SP] [text]`.
pub(crate) fn resp_text<'a>(i: &'a [u8], o: &Opts) -> R<'a, (Option<Code<'a>>, Text<'a>)> {
    let (j, code) = match i.first() {
        Some(b'[') => {
            let (j, c) = code(&i[1..], o)?;
            let (j, ()) = byte(j, b']')?;
            let j = match j.first() {
                Some(b' ') => &j[1..],
                _ => j,
            };
            (j, Some(c))
        }
        _ => (i, None),
    };
    let (j, t) = text(j)?;
    Ok((j, (code, t)))
}

/// `capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev2" *(SP capability)`
/// (here: any non-empty list).
pub(crate) fn capabilities<'a>(i: &'a [u8]) -> R<'a, Vec<Capability<'a>>> {
    let (r, caps) = sp_list(i, |j| atom(j).map(|(r, a)| (r, Capability(a))))?;
    Ok((r, caps))
}

/// `resp-text-code` (RFC 9051 §9 and the extensions named on [`Code`]).
fn code<'a>(i: &'a [u8], o: &Opts) -> R<'a, Code<'a>> {
    let (j, name) = atom(i)?;
    let n = name.as_str();
    let is = |w: &str| n.eq_ignore_ascii_case(w);
    let (j, c) = if is("ALERT") {
        (j, Code::Alert)
    } else if is("PARSE") {
        (j, Code::Parse)
    } else if is("READ-ONLY") {
        (j, Code::ReadOnly)
    } else if is("READ-WRITE") {
        (j, Code::ReadWrite)
    } else if is("TRYCREATE") {
        (j, Code::TryCreate)
    } else if is("UIDNOTSTICKY") {
        (j, Code::UidNotSticky)
    } else if is("NOMODSEQ") {
        (j, Code::NoModSeq)
    } else if is("CLOSED") {
        (j, Code::Closed)
    } else if is("CAPABILITY") {
        let (j, caps) = capabilities(j)?;
        (j, Code::Capability(caps))
    } else if is("BADCHARSET") {
        match j.first() {
            Some(b' ') if j.get(1) == Some(&b'(') => {
                let (j, v) = paren_list(&j[1..], o, |k| astring(k, o))?;
                (j, Code::BadCharset(v))
            }
            // RFC 9051 §6.4.4's own example omits the parentheses.
            Some(b' ') => {
                let (j, c) = astring(&j[1..], o)?;
                (j, Code::BadCharset(vec![c]))
            }
            _ => (j, Code::BadCharset(Vec::new())),
        }
    } else if is("PERMANENTFLAGS") {
        let (j, ()) = sp(j)?;
        let (j, v) = paren_list(j, o, |k| flag_perm(k, o))?;
        (j, Code::PermanentFlags(v))
    } else if is("UIDNEXT") {
        let (j, n) = nz_number(sp(j)?.0)?;
        (j, Code::UidNext(n))
    } else if is("UIDVALIDITY") {
        let (j, n) = nz_number(sp(j)?.0)?;
        (j, Code::UidValidity(n))
    } else if is("UNSEEN") {
        let (j, n) = nz_number(sp(j)?.0)?;
        (j, Code::Unseen(n))
    } else if is("HIGHESTMODSEQ") {
        let (j, n) = number64(sp(j)?.0)?;
        (j, Code::HighestModSeq(n))
    } else if is("MODIFIED") {
        let (j, s) = sequence_set(sp(j)?.0)?;
        (j, Code::Modified(s))
    } else if is("APPENDUID") {
        let (j, v) = nz_number(sp(j)?.0)?;
        let (j, s) = sequence_set(sp(j)?.0)?;
        (
            j,
            Code::AppendUid {
                uid_validity: v,
                uids: s,
            },
        )
    } else if is("COPYUID") {
        let (j, v) = nz_number(sp(j)?.0)?;
        let (j, a) = sequence_set(sp(j)?.0)?;
        let (j, b) = sequence_set(sp(j)?.0)?;
        (
            j,
            Code::CopyUid {
                uid_validity: v,
                source: a,
                destination: b,
            },
        )
    } else if is("METADATA") {
        let (j, words) = sp_list(j, atom)?;
        (j, Code::Metadata(words))
    } else if let Some(s) = SimpleCode::from_name(n.as_bytes()) {
        (j, Code::Simple(s))
    } else {
        let (j, args) = match j.first() {
            Some(b' ') => {
                let rest = &j[1..];
                let len = rest
                    .iter()
                    .take_while(|&&b| b != b']' && b != b'\r' && b != b'\n' && b != 0)
                    .count();
                let args = String::from_utf8_lossy(&rest[..len]);
                (&rest[len..], Some(args))
            }
            _ => (j, None),
        };
        (j, Code::Other { name, args })
    };
    Ok((j, c))
}

/// `continue-req = "+" SP (resp-text / base64) CRLF`.
fn continue_req<'a>(i: &'a [u8], o: &Opts) -> R<'a, Continue<'a>> {
    let (j, ()) = byte(i, b'+')?;
    let j = match j.first() {
        Some(b' ') => &j[1..],
        _ if o.quirks.missing_space_after_plus => j,
        _ => return fail(j),
    };
    let line_len = j.len().saturating_sub(2);
    let line = &j[..line_len];
    if is_base64(line) {
        let (r, ()) = crlf_end(&j[line_len..], o)?;
        // Base64 alphabet is ASCII.
        let s = std::str::from_utf8(line).unwrap_or_default();
        return Ok((r, Continue::Base64(Cow::Borrowed(s))));
    }
    let (j, (code, text)) = resp_text(j, o)?;
    let (r, ()) = crlf_end(j, o)?;
    Ok((r, Continue::Text { code, text }))
}

/// Whether `line` is a (possibly empty) base64 string: groups of four
/// alphabet characters, `=` padding only at the end.
pub(crate) fn is_base64(line: &[u8]) -> bool {
    if line.len() % 4 != 0 {
        return false;
    }
    let pad = line.iter().rev().take_while(|&&b| b == b'=').count();
    pad <= 2
        && line[..line.len() - pad]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}
