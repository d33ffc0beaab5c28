//! Body structures (RFC 9051 §9 `body`).

use super::Opts;
use super::core::{R, byte, close, fail, fill, nil, nstring, number, number64, sp, string};
use super::fetch::envelope;
use crate::types::body::{
    Body, BodyExtension, BodyFields, BodyKind, BodyStructure, Disposition, ExtTail, Language,
    LanguageTail, LocationTail, MultiPartExt, Params, SinglePartExt,
};
use std::borrow::Cow;

use crate::types::core::{IString, NString, Quoted};

/// An empty string, for a slot before it is parsed into.
fn empty_string<'a>() -> IString<'a> {
    IString::Quoted(Quoted::unchecked(Cow::Borrowed(b"")))
}

/// A cheap value for a body structure's slot before it is parsed into.
fn placeholder<'a>() -> BodyStructure<'a> {
    BodyStructure::Multi {
        parts: Vec::new(),
        subtype: empty_string(),
        extension: None,
    }
}

/// `body = "(" (body-type-1part / body-type-mpart) ")"`, in a box.
pub(crate) fn boxed_body<'a>(i: &'a [u8], o: &Opts, depth: u32) -> R<'a, Box<BodyStructure<'a>>> {
    let mut b = Box::new(placeholder());
    let (j, ()) = body_into(i, o, depth, &mut b)?;
    Ok((j, b))
}

/// [`boxed_body`], written to `out`. A body structure is large: parsing each part
/// straight into its slot (the box, or the parent's list of parts) avoids
/// moving it through every `?` on the way up.
fn body_into<'a>(i: &'a [u8], o: &Opts, depth: u32, out: &mut BodyStructure<'a>) -> R<'a, ()> {
    if depth >= o.max_depth {
        return fail(i);
    }
    let (j, ()) = byte(i, b'(')?;
    let (j, ()) = if j.first() == Some(&b'(') {
        multipart(j, o, depth, out)?
    } else {
        single(j, o, depth, out)?
    };
    close(j, o)
}

/// `body-type-mpart = 1*body SP media-subtype [SP body-ext-mpart]`.
#[inline(always)]
fn multipart<'a>(i: &'a [u8], o: &Opts, depth: u32, out: &mut BodyStructure<'a>) -> R<'a, ()> {
    // Most multiparts have two parts (alternative text/html, a body and an
    // attachment). Room for two is also an allocation the allocator serves
    // from its small-size cache (glibc: up to 1032 bytes), which room for
    // three is not (BodyStructure is large); more parts grow the Vec.
    let mut parts = Vec::with_capacity(2);
    let mut j = i;
    loop {
        parts.push(placeholder());
        let Some(slot) = parts.last_mut() else {
            return fail(j);
        };
        j = body_into(j, o, depth + 1, slot)?.0;
        match j {
            [b'(', ..] => {}
            [b' ', b'(', ..] => j = &j[1..],
            _ => break,
        }
    }
    let (j, subtype) = string(sp(j)?.0, o)?;
    // body-ext-mpart = body-fld-param [SP body-fld-dsp [SP body-fld-lang
    //   [SP body-fld-loc *(SP body-extension)]]]
    if j.first() == Some(&b' ') && j.get(1) != Some(&b')') {
        fill(
            out,
            BodyStructure::Multi {
                parts,
                subtype,
                extension: Some(MultiPartExt {
                    params: Params::new(),
                    tail: None,
                }),
            },
        );
        if let BodyStructure::Multi {
            extension: Some(ext),
            ..
        } = out
        {
            let (k, ()) = params(&j[1..], o, &mut ext.params)?;
            return ext_tail(k, o, depth, &mut ext.tail);
        }
        return fail(j);
    }
    fill(
        out,
        BodyStructure::Multi {
            parts,
            subtype,
            extension: None,
        },
    );
    Ok((j, ()))
}

/// `body-type-1part = (body-type-basic / body-type-msg / body-type-text)
/// [SP body-ext-1part]`.
#[inline(always)]
fn single<'a>(i: &'a [u8], o: &Opts, depth: u32, out: &mut BodyStructure<'a>) -> R<'a, ()> {
    let (j, media_type) = string(i, o)?;
    let (j, subtype) = string(sp(j)?.0, o)?;
    let t = media_type.as_bytes();
    let text = t.eq_ignore_ascii_case(b"TEXT");
    let message = !text
        && t.eq_ignore_ascii_case(b"MESSAGE")
        && (subtype.as_bytes().eq_ignore_ascii_case(b"RFC822")
            || subtype.as_bytes().eq_ignore_ascii_case(b"GLOBAL"));
    // The part is written to `out` first and its fields parsed into it, so
    // they are not moved again on the way up.
    let kind = if text {
        BodyKind::Text { subtype, lines: 0 }
    } else {
        BodyKind::Basic {
            media_type,
            subtype,
        }
    };
    fill(
        out,
        BodyStructure::Single {
            body: Body {
                kind,
                fields: BodyFields {
                    params: Params::new(),
                    id: NString::NIL,
                    description: NString::NIL,
                    encoding: empty_string(),
                    octets: 0,
                },
            },
            extension: None,
        },
    );
    let BodyStructure::Single { body, extension } = out else {
        return fail(j);
    };
    let (mut j, ()) = body_fields(sp(j)?.0, o, &mut body.fields)?;
    match &mut body.kind {
        BodyKind::Text { lines, .. } => {
            // body-type-text = media-text SP body-fields SP body-fld-lines
            let (k, n) = number64(sp(j)?.0)?;
            *lines = n;
            j = k;
        }
        BodyKind::Basic { subtype, .. } if message && j.get(1) == Some(&b'(') => {
            // body-type-msg = media-message SP body-fields SP envelope SP body SP
            //   body-fld-lines
            let subtype = std::mem::replace(subtype, empty_string());
            let (k, envelope) = envelope(sp(j)?.0, o)?;
            let (k, inner) = boxed_body(sp(k)?.0, o, depth + 1)?;
            let (k, lines) = number64(sp(k)?.0)?;
            body.kind = BodyKind::Message {
                subtype,
                envelope,
                body: inner,
                lines,
            };
            j = k;
        }
        _ => {}
    }
    // body-ext-1part = body-fld-md5 [SP body-fld-dsp [SP body-fld-lang [SP
    //   body-fld-loc *(SP body-extension)]]]
    // The extension data is parsed straight into its place in `out`.
    if j.first() == Some(&b' ') && j.get(1) != Some(&b')') {
        let (k, md5) = nstring(&j[1..], o)?;
        fill(extension, Some(SinglePartExt { md5, tail: None }));
        if let Some(ext) = extension {
            return ext_tail(k, o, depth, &mut ext.tail);
        }
        return Ok((k, ()));
    }
    Ok((j, ()))
}

/// `body-fields = body-fld-param SP body-fld-id SP body-fld-desc SP
/// body-fld-enc SP body-fld-octets`, written to `out`.
fn body_fields<'a>(i: &'a [u8], o: &Opts, out: &mut BodyFields<'a>) -> R<'a, ()> {
    let (j, ()) = params(i, o, &mut out.params)?;
    let (j, id) = nstring(sp(j)?.0, o)?;
    fill(&mut out.id, id);
    let (j, description) = nstring(sp(j)?.0, o)?;
    fill(&mut out.description, description);
    let (j, encoding) = string(sp(j)?.0, o)?;
    fill(&mut out.encoding, encoding);
    let (j, octets) = number(sp(j)?.0)?;
    out.octets = octets;
    Ok((j, ()))
}

/// `body-fld-param = "(" string SP string *(SP string SP string) ")" / nil`,
/// each pair parsed straight into its slot of `out` (left empty for NIL).
fn params<'a>(i: &'a [u8], o: &Opts, out: &mut Params<'a>) -> R<'a, ()> {
    if let Ok((j, ())) = nil(i) {
        return Ok((j, ()));
    }
    let (mut j, ()) = byte(i, b'(')?;
    if o.quirks.empty_lists {
        if let Ok((r, ())) = close(j, o) {
            return Ok((r, ()));
        }
    }
    // Most lists hold one pair, which the list keeps without allocating.
    fill(out, Params::one((empty_string(), empty_string())));
    let mut at = 0;
    loop {
        let Some((k, v)) = out.get_mut(at) else {
            return fail(j);
        };
        let (r, s) = string(j, o)?;
        fill(k, s);
        let (r, s) = string(sp(r)?.0, o)?;
        fill(v, s);
        if let Ok((r, ())) = close(r, o) {
            return Ok((r, ()));
        }
        j = sp(r)?.0;
        out.push((empty_string(), empty_string()));
        at += 1;
    }
}

/// `[SP body-fld-dsp [SP body-fld-lang [SP body-fld-loc *(SP body-extension)]]]`,
/// written to `out` (left `None` when absent).
fn ext_tail<'a>(i: &'a [u8], o: &Opts, depth: u32, out: &mut Option<ExtTail<'a>>) -> R<'a, ()> {
    let more = |j: &[u8]| j.first() == Some(&b' ') && j.get(1) != Some(&b')');
    if !more(i) {
        return Ok((i, ()));
    }
    // body-fld-dsp = "(" string SP body-fld-param ")" / nil
    let j = &i[1..];
    let (j, disposition) = if let Ok((j, ())) = nil(j) {
        (j, None)
    } else {
        let (j, ()) = byte(j, b'(')?;
        let (j, kind) = string(j, o)?;
        let mut d = Disposition {
            kind,
            params: Params::new(),
        };
        let (j, ()) = params(sp(j)?.0, o, &mut d.params)?;
        let (j, ()) = close(j, o)?;
        (j, Some(d))
    };
    if !more(j) {
        fill(
            out,
            Some(ExtTail {
                disposition,
                language: None,
            }),
        );
        return Ok((j, ()));
    }
    // body-fld-lang = nstring / "(" string *(SP string) ")"
    let j = &j[1..];
    let (j, language) = if j.first() == Some(&b'(') {
        let (j, v) = super::core::paren_list(j, o, |k| string(k, o))?;
        (j, Language::List(v))
    } else {
        let (j, s) = nstring(j, o)?;
        (j, Language::Single(s))
    };
    if !more(j) {
        fill(
            out,
            Some(ExtTail {
                disposition,
                language: Some(LanguageTail {
                    language,
                    location: None,
                }),
            }),
        );
        return Ok((j, ()));
    }
    let (mut j, location) = nstring(&j[1..], o)?;
    fill(
        out,
        Some(ExtTail {
            disposition,
            language: Some(LanguageTail {
                language,
                location: Some(LocationTail {
                    location,
                    extensions: Vec::new(),
                }),
            }),
        }),
    );
    if more(j) {
        if let Some(ExtTail {
            language:
                Some(LanguageTail {
                    location: Some(loc),
                    ..
                }),
            ..
        }) = out
        {
            while more(j) {
                let (r, e) = extension(&j[1..], o, depth + 1)?;
                loc.extensions.push(e);
                j = r;
            }
        }
    }
    Ok((j, ()))
}

/// `body-extension = nstring / number / number64 / "(" body-extension
/// *(SP body-extension) ")"`.
fn extension<'a>(i: &'a [u8], o: &Opts, depth: u32) -> R<'a, BodyExtension<'a>> {
    if depth >= o.max_depth {
        return fail(i);
    }
    match i.first() {
        Some(b'(') => super::core::paren_list(i, o, |k| extension(k, o, depth + 1))
            .map(|(r, v)| (r, BodyExtension::List(v))),
        Some(b'0'..=b'9') => number64(i).map(|(r, n)| (r, BodyExtension::Number(n))),
        _ => nstring(i, o).map(|(r, s)| (r, BodyExtension::NString(s))),
    }
}
