//! Encoding FETCH items, envelopes and body structures (RFC 9051 §7.5.2).

use super::Encoder;
use crate::types::body::{
    BodyExtension, BodyKind, BodyStructure, ExtTail, Language, MultiPartExt, SinglePartExt,
};
use crate::types::core::IString;
use crate::types::fetch::{Address, Envelope, FetchItem, Section, SectionText};

pub(crate) fn section(e: &mut Encoder, s: &Section<'_>) {
    e.raw(b"[");
    for (k, p) in s.part.iter().enumerate() {
        if k > 0 {
            e.raw(b".");
        }
        e.number((*p).into());
    }
    if let Some(t) = &s.text {
        if !s.part.is_empty() {
            e.raw(b".");
        }
        match t {
            SectionText::Header => e.raw(b"HEADER"),
            SectionText::HeaderFields(v) => {
                e.raw(b"HEADER.FIELDS ");
                e.list(v, |e, a| e.astring(a));
            }
            SectionText::HeaderFieldsNot(v) => {
                e.raw(b"HEADER.FIELDS.NOT ");
                e.list(v, |e, a| e.astring(a));
            }
            SectionText::Text => e.raw(b"TEXT"),
            SectionText::Mime => e.raw(b"MIME"),
        }
    }
    e.raw(b"]");
}

pub(crate) fn section_binary(e: &mut Encoder, part: &[u32]) {
    e.raw(b"[");
    for (k, p) in part.iter().enumerate() {
        if k > 0 {
            e.raw(b".");
        }
        e.number((*p).into());
    }
    e.raw(b"]");
}

pub(crate) fn fetch_item(e: &mut Encoder, i: &FetchItem<'_>) {
    match i {
        FetchItem::Flags(v) => {
            e.raw(b"FLAGS ");
            e.list(v, |e, f| e.flag_fetch(f));
        }
        FetchItem::InternalDate(d) => {
            e.raw(b"INTERNALDATE ");
            e.date_time(d);
        }
        FetchItem::Rfc822Size(n) => {
            e.raw(b"RFC822.SIZE ");
            e.number(*n);
        }
        FetchItem::Envelope(env) => {
            e.raw(b"ENVELOPE ");
            envelope(e, env);
        }
        FetchItem::Body(b) => {
            e.raw(b"BODY ");
            body(e, b);
        }
        FetchItem::BodyStructure(b) => {
            e.raw(b"BODYSTRUCTURE ");
            body(e, b);
        }
        FetchItem::BodySection {
            section: s,
            origin,
            data,
        } => {
            e.raw(b"BODY");
            section(e, s);
            if let Some(o) = origin {
                e.raw(b"<");
                e.number((*o).into());
                e.raw(b">");
            }
            e.sp();
            e.nstring(data);
        }
        FetchItem::Binary { section, data } => {
            e.raw(b"BINARY");
            section_binary(e, section);
            e.sp();
            e.nstring(data);
        }
        FetchItem::BinarySize { section, size } => {
            e.raw(b"BINARY.SIZE");
            section_binary(e, section);
            e.sp();
            e.number((*size).into());
        }
        FetchItem::Uid(n) => {
            e.raw(b"UID ");
            e.number((*n).into());
        }
        FetchItem::ModSeq(n) => {
            e.raw(b"MODSEQ (");
            e.number(*n);
            e.raw(b")");
        }
        FetchItem::Rfc822(s) => {
            e.raw(b"RFC822 ");
            e.nstring(s);
        }
        FetchItem::Rfc822Header(s) => {
            e.raw(b"RFC822.HEADER ");
            e.nstring(s);
        }
        FetchItem::Rfc822Text(s) => {
            e.raw(b"RFC822.TEXT ");
            e.nstring(s);
        }
        FetchItem::Unknown { raw } => e.raw(raw.as_bytes()),
    }
}

fn addresses(e: &mut Encoder, v: &[Address<'_>]) {
    if v.is_empty() {
        e.raw(b"NIL");
        return;
    }
    e.raw(b"(");
    for a in v {
        e.raw(b"(");
        e.nstring(&a.name);
        e.sp();
        e.nstring(&a.adl);
        e.sp();
        e.nstring(&a.mailbox);
        e.sp();
        e.nstring(&a.host);
        e.raw(b")");
    }
    e.raw(b")");
}

pub(crate) fn envelope(e: &mut Encoder, env: &Envelope<'_>) {
    e.raw(b"(");
    e.nstring(&env.date);
    e.sp();
    e.nstring(&env.subject);
    for v in [
        &env.from,
        &env.sender,
        &env.reply_to,
        &env.to,
        &env.cc,
        &env.bcc,
    ] {
        e.sp();
        addresses(e, v);
    }
    e.sp();
    e.nstring(&env.in_reply_to);
    e.sp();
    e.nstring(&env.message_id);
    e.raw(b")");
}

fn params(e: &mut Encoder, v: &[(IString<'_>, IString<'_>)]) {
    if v.is_empty() {
        e.raw(b"NIL");
    } else {
        e.list(v, |e, (k, val)| {
            e.istring(k);
            e.sp();
            e.istring(val);
        });
    }
}

fn ext_tail(e: &mut Encoder, t: &Option<ExtTail<'_>>) {
    let Some(t) = t else { return };
    e.sp();
    match &t.disposition {
        None => e.raw(b"NIL"),
        Some(d) => {
            e.raw(b"(");
            e.istring(&d.kind);
            e.sp();
            params(e, &d.params);
            e.raw(b")");
        }
    }
    let Some(l) = &t.language else { return };
    e.sp();
    match &l.language {
        Language::Single(s) => e.nstring(s),
        Language::List(v) => e.list(v, |e, s| e.istring(s)),
    }
    let Some(loc) = &l.location else { return };
    e.sp();
    e.nstring(&loc.location);
    for x in &loc.extensions {
        e.sp();
        body_extension(e, x);
    }
}

fn body_extension(e: &mut Encoder, x: &BodyExtension<'_>) {
    match x {
        BodyExtension::NString(s) => e.nstring(s),
        BodyExtension::Number(n) => e.number(*n),
        BodyExtension::List(v) => e.list(v, body_extension),
    }
}

pub(crate) fn body(e: &mut Encoder, b: &BodyStructure<'_>) {
    e.raw(b"(");
    match b {
        BodyStructure::Single { body: b, extension } => {
            match &b.kind {
                BodyKind::Basic {
                    media_type,
                    subtype,
                } => {
                    e.istring(media_type);
                    e.sp();
                    e.istring(subtype);
                }
                BodyKind::Message { subtype, .. } => {
                    e.raw(b"\"MESSAGE\" ");
                    e.istring(subtype);
                }
                BodyKind::Text { subtype, .. } => {
                    e.raw(b"\"TEXT\" ");
                    e.istring(subtype);
                }
            }
            let f = &b.fields;
            e.sp();
            params(e, &f.params);
            e.sp();
            e.nstring(&f.id);
            e.sp();
            e.nstring(&f.description);
            e.sp();
            e.istring(&f.encoding);
            e.sp();
            e.number(f.octets.into());
            match &b.kind {
                BodyKind::Basic { .. } => {}
                BodyKind::Message {
                    envelope: env,
                    body: inner,
                    lines,
                    ..
                } => {
                    e.sp();
                    envelope(e, env);
                    e.sp();
                    body(e, inner);
                    e.sp();
                    e.number(*lines);
                }
                BodyKind::Text { lines, .. } => {
                    e.sp();
                    e.number(*lines);
                }
            }
            if let Some(SinglePartExt { md5, tail }) = extension {
                e.sp();
                e.nstring(md5);
                ext_tail(e, tail);
            }
        }
        BodyStructure::Multi {
            parts,
            subtype,
            extension,
        } => {
            for p in parts {
                body(e, p);
            }
            e.sp();
            e.istring(subtype);
            if let Some(MultiPartExt { params: p, tail }) = extension {
                e.sp();
                params(e, p);
                ext_tail(e, tail);
            }
        }
    }
    e.raw(b")");
}
