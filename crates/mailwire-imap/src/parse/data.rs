//! Untagged response data (RFC 9051 §7.2 - §7.5, extensions).

use super::Opts;
use super::core::{
    R, astring, atom, byte, close, crlf_end, fail, flag, kw, mailbox, nil, nstring, number,
    number64, nz_number, paren_list, sequence_set, sp, sp_list, starts_kw, string,
};
use super::fetch::fetch_items;
use super::response::capabilities;
use crate::types::core::Raw;
use crate::types::data::{
    Data, ESearch, ESearchItem, ListItem, MailboxAttr, MetadataEntries, Namespace, QuotaResource,
    StatusItem, TaggedExtComp, TaggedExtVal, Thread,
};

/// `response-data = "*" SP (mailbox-data / message-data / capability-data /
/// enable-data / ...) CRLF`, after `"*" SP`, through CRLF.
pub(crate) fn untagged<'a>(i: &'a [u8], o: &Opts) -> R<'a, Data<'a>> {
    match known(i, o) {
        Ok((j, d)) => {
            let (r, ()) = crlf_end(j, o)?;
            Ok((r, d))
        }
        Err(e) => {
            // A keyword we do not know is an extension: keep it whole. A
            // keyword we know with bad syntax is an error.
            let (_, name) = atom(i)?;
            if is_known(name.as_str()) {
                return Err(e);
            }
            let end = i.len().saturating_sub(2);
            if &i[end..] != b"\r\n" {
                return fail(i);
            }
            Ok((
                b"",
                Data::Unknown {
                    raw: Raw::parsed(&i[..end]),
                },
            ))
        }
    }
}

const KNOWN: &[&str] = &[
    "CAPABILITY",
    "ENABLED",
    "LIST",
    "LSUB",
    "STATUS",
    "SEARCH",
    "SORT",
    "ESEARCH",
    "FLAGS",
    "VANISHED",
    "ID",
    "NAMESPACE",
    "QUOTA",
    "QUOTAROOT",
    "METADATA",
    "THREAD",
];

fn is_known(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_digit()) || KNOWN.iter().any(|k| k.eq_ignore_ascii_case(name))
}

fn known<'a>(i: &'a [u8], o: &Opts) -> R<'a, Data<'a>> {
    if i.first().is_some_and(u8::is_ascii_digit) {
        // message-data = nz-number SP ("EXPUNGE" / ("FETCH" SP msg-att));
        // mailbox-data =/ number SP "EXISTS" / number SP "RECENT"
        let (j, n) = number(i)?;
        let (j, ()) = sp(j)?;
        if starts_kw(j, "EXISTS") {
            return Ok((&j[6..], Data::Exists(n)));
        }
        if starts_kw(j, "RECENT") {
            return Ok((&j[6..], Data::Recent(n)));
        }
        if n == 0 {
            return fail(i);
        }
        if starts_kw(j, "EXPUNGE") {
            return Ok((&j[7..], Data::Expunge(n)));
        }
        let (j, ()) = kw(j, "FETCH")?;
        let (j, ()) = sp(j)?;
        let (j, items) = fetch_items(j, o)?;
        return Ok((j, Data::Fetch { seq: n, items }));
    }
    let (j, name) = atom(i)?;
    let is = |w: &str| name.as_str().eq_ignore_ascii_case(w);
    if is("CAPABILITY") {
        let (j, caps) = capabilities(j)?;
        Ok((j, Data::Capability(caps)))
    } else if is("ENABLED") {
        let (j, caps) = capabilities(j)?;
        Ok((j, Data::Enabled(caps)))
    } else if is("LIST") {
        let (j, l) = mailbox_list(sp(j)?.0, o)?;
        Ok((j, Data::List(l)))
    } else if is("LSUB") {
        let (j, l) = mailbox_list(sp(j)?.0, o)?;
        Ok((j, Data::Lsub(l)))
    } else if is("STATUS") {
        status(sp(j)?.0, o)
    } else if is("SEARCH") {
        let (j, (nums, modseq)) = search_result(j)?;
        Ok((j, Data::Search { nums, modseq }))
    } else if is("SORT") {
        let (j, (nums, modseq)) = search_result(j)?;
        Ok((j, Data::Sort { nums, modseq }))
    } else if is("ESEARCH") {
        let (j, e) = esearch(j, o)?;
        Ok((j, Data::ESearch(e)))
    } else if is("FLAGS") {
        let (j, f) = paren_list(sp(j)?.0, o, |k| flag(k, o))?;
        Ok((j, Data::Flags(f)))
    } else if is("VANISHED") {
        // "VANISHED" [SP "(EARLIER)"] SP known-uids
        let (j, ()) = sp(j)?;
        let (j, earlier) = match kw(j, "(EARLIER) ") {
            Ok((j, ())) => (j, true),
            Err(_) => (j, false),
        };
        let (j, uids) = sequence_set(j)?;
        Ok((j, Data::Vanished { earlier, uids }))
    } else if is("ID") {
        // id-response = "ID" SP id-params-list;
        // id-params-list = "(" *(string SP nstring) ")" / nil
        let j = sp(j)?.0;
        if let Ok((j, ())) = nil(j) {
            return Ok((j, Data::Id(None)));
        }
        let (j, v) = paren_list(j, o, |k| {
            let (k, a) = string(k, o)?;
            let (k, b) = nstring(sp(k)?.0, o)?;
            Ok((k, (a, b)))
        })?;
        Ok((j, Data::Id(Some(v))))
    } else if is("NAMESPACE") {
        let (j, personal) = namespaces(sp(j)?.0, o)?;
        let (j, other) = namespaces(sp(j)?.0, o)?;
        let (j, shared) = namespaces(sp(j)?.0, o)?;
        Ok((
            j,
            Data::Namespace {
                personal,
                other,
                shared,
            },
        ))
    } else if is("QUOTA") {
        // quota-response = "QUOTA" SP quota-root-name SP quota-list
        let (j, root) = astring(sp(j)?.0, o)?;
        let (j, resources) = paren_list(sp(j)?.0, o, |k| {
            let (k, name) = atom(k)?;
            let (k, usage) = number64(sp(k)?.0)?;
            let (k, limit) = number64(sp(k)?.0)?;
            Ok((k, QuotaResource { name, usage, limit }))
        })?;
        Ok((j, Data::Quota { root, resources }))
    } else if is("QUOTAROOT") {
        // quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)
        let (j, mbx) = mailbox(sp(j)?.0, o)?;
        let (j, roots) = sp_list(j, |k| astring(k, o))?;
        Ok((
            j,
            Data::QuotaRoot {
                mailbox: mbx,
                roots,
            },
        ))
    } else if is("METADATA") {
        // metadata-resp = "METADATA" SP mailbox SP (entry-values / entry-list)
        let (j, mbx) = mailbox(sp(j)?.0, o)?;
        let j = sp(j)?.0;
        if j.first() == Some(&b'(') {
            let (j, v) = paren_list(j, o, |k| {
                let (k, e) = astring(k, o)?;
                let (k, v) = nstring(sp(k)?.0, o)?;
                Ok((k, (e, v)))
            })?;
            return Ok((
                j,
                Data::Metadata {
                    mailbox: mbx,
                    entries: MetadataEntries::Values(v),
                },
            ));
        }
        let (j, first) = astring(j, o)?;
        let (j, mut rest) = sp_list(j, |k| astring(k, o))?;
        rest.insert(0, first);
        Ok((
            j,
            Data::Metadata {
                mailbox: mbx,
                entries: MetadataEntries::List(rest),
            },
        ))
    } else if is("THREAD") {
        // thread-data = "THREAD" [SP 1*thread-list]
        let (j, threads) = match j.first() {
            Some(b' ') => {
                let mut j = &j[1..];
                let mut v = Vec::new();
                while j.first() == Some(&b'(') {
                    let (r, t) = thread(j, o, 0)?;
                    v.push(t);
                    j = r;
                }
                (j, v)
            }
            _ => (j, Vec::new()),
        };
        Ok((j, Data::Thread(threads)))
    } else {
        fail(i)
    }
}

/// `mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE /
/// nil) SP mailbox [SP mbox-list-extended]`.
pub(crate) fn mailbox_list<'a>(i: &'a [u8], o: &Opts) -> R<'a, ListItem<'a>> {
    let (j, attributes) = paren_list(i, o, |k| {
        let (k, ()) = byte(k, b'\\')?;
        atom(k).map(|(r, a)| (r, MailboxAttr(a)))
    })?;
    let (j, ()) = sp(j)?;
    let (j, delimiter) = delimiter(j)?;
    let (j, ()) = sp(j)?;
    let (j, mbx) = mailbox(j, o)?;
    let (j, extended) = match j.first() {
        Some(b' ') if j.get(1) == Some(&b'(') => {
            // mbox-list-extended = "(" [mbox-list-extended-item
            //   *(SP mbox-list-extended-item)] ")"
            let (j, v) = paren_list(&j[1..], o, |k| {
                let (k, t) = astring(k, o)?;
                let (k, v) = tagged_ext_val(sp(k)?.0, o, 0)?;
                Ok((k, (t, v)))
            })?;
            (j, Some(v))
        }
        _ => (j, None),
    };
    Ok((
        j,
        ListItem {
            attributes,
            delimiter,
            mailbox: mbx,
            extended,
        },
    ))
}

/// `DQUOTE QUOTED-CHAR DQUOTE / nil`.
fn delimiter(i: &[u8]) -> R<'_, Option<u8>> {
    if let Ok((j, ())) = nil(i) {
        return Ok((j, None));
    }
    match i {
        [b'"', b'\\', c @ (b'"' | b'\\'), b'"', rest @ ..] => Ok((rest, Some(*c))),
        [b'"', c, b'"', rest @ ..] if *c != b'"' && *c != b'\\' && *c >= 0x20 && *c < 0x7f => {
            Ok((rest, Some(*c)))
        }
        _ => fail(i),
    }
}

/// `tagged-ext-val = tagged-ext-simple / "(" [tagged-ext-comp] ")"`.
pub(crate) fn tagged_ext_val<'a>(i: &'a [u8], o: &Opts, depth: u32) -> R<'a, TaggedExtVal<'a>> {
    if i.first() == Some(&b'(') {
        let (j, v) = ext_comp_list(i, o, depth)?;
        return Ok((j, TaggedExtVal::Comp(v)));
    }
    // tagged-ext-simple = sequence-set / number / number64
    let digits = i.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && !matches!(i.get(digits), Some(b':' | b',')) {
        let (j, n) = number64(i)?;
        return Ok((j, TaggedExtVal::Number(n)));
    }
    let (j, s) = sequence_set(i)?;
    Ok((j, TaggedExtVal::Set(s)))
}

fn ext_comp_list<'a>(i: &'a [u8], o: &Opts, depth: u32) -> R<'a, Vec<TaggedExtComp<'a>>> {
    if depth >= o.max_depth {
        return fail(i);
    }
    paren_list(i, o, |k| {
        if k.first() == Some(&b'(') {
            ext_comp_list(k, o, depth + 1).map(|(r, v)| (r, TaggedExtComp::List(v)))
        } else {
            astring(k, o).map(|(r, a)| (r, TaggedExtComp::AString(a)))
        }
    })
}

/// `"STATUS" SP mailbox SP "(" [status-att-list] ")"`.
fn status<'a>(i: &'a [u8], o: &Opts) -> R<'a, Data<'a>> {
    let (j, mbx) = mailbox(i, o)?;
    let (j, ()) = sp(j)?;
    let (j, items) = paren_list(j, o, |k| status_item(k))?;
    Ok((
        j,
        Data::Status {
            mailbox: mbx,
            items,
        },
    ))
}

/// `status-att-val = ("MESSAGES" SP number) / ("UIDNEXT" SP nz-number) / ...`.
fn status_item(i: &[u8]) -> R<'_, StatusItem<'_>> {
    let (j, name) = atom(i)?;
    let j = sp(j)?.0;
    let is = |w: &str| name.as_str().eq_ignore_ascii_case(w);
    if is("APPENDLIMIT") {
        if let Ok((j, ())) = nil(j) {
            return Ok((j, StatusItem::AppendLimit(None)));
        }
        let (j, n) = number64(j)?;
        return Ok((j, StatusItem::AppendLimit(Some(n))));
    }
    let (j, n) = number64(j)?;
    let small = |f: fn(u32) -> StatusItem<'static>| match u32::try_from(n) {
        Ok(v) => Ok((j, f(v))),
        Err(_) => fail(j),
    };
    if is("MESSAGES") {
        small(StatusItem::Messages)
    } else if is("RECENT") {
        small(StatusItem::Recent)
    } else if is("UIDNEXT") {
        small(StatusItem::UidNext)
    } else if is("UIDVALIDITY") {
        small(StatusItem::UidValidity)
    } else if is("UNSEEN") {
        small(StatusItem::Unseen)
    } else if is("DELETED") {
        small(StatusItem::Deleted)
    } else if is("SIZE") {
        Ok((j, StatusItem::Size(n)))
    } else if is("HIGHESTMODSEQ") {
        Ok((j, StatusItem::HighestModSeq(n)))
    } else {
        Ok((j, StatusItem::Other { name, value: n }))
    }
}

/// `"SEARCH" *(SP nz-number) [SP search-sort-mod-seq]`;
/// `search-sort-mod-seq = "(" "MODSEQ" SP mod-sequence-value ")"`.
fn search_result(i: &[u8]) -> R<'_, (Vec<u32>, Option<u64>)> {
    let (j, nums) = sp_list(i, nz_number)?;
    if j.starts_with(b" (") {
        let (k, ()) = kw(&j[2..], "MODSEQ")?;
        let (k, n) = number64(sp(k)?.0)?;
        let (k, ()) = byte(k, b')')?;
        return Ok((k, (nums, Some(n))));
    }
    Ok((j, (nums, None)))
}

/// `esearch-response = "ESEARCH" [search-correlator] [SP "UID"]
/// *(SP search-return-data)`.
fn esearch<'a>(i: &'a [u8], o: &Opts) -> R<'a, ESearch<'a>> {
    let (j, tag) = if i.starts_with(b" (") {
        // search-correlator = SP "(" "TAG" SP tag-string ")"
        let (k, ()) = kw(&i[2..], "TAG")?;
        let (k, t) = astring(sp(k)?.0, o)?;
        let (k, ()) = close(k, o)?;
        (k, Some(t))
    } else {
        (i, None)
    };
    let (j, uid) = if j.first() == Some(&b' ') && starts_kw(&j[1..], "UID") {
        (&j[4..], true)
    } else {
        (j, false)
    };
    let (j, items) = sp_list(j, |k| {
        let (k, name) = atom(k)?;
        let k = sp(k)?.0;
        let is = |w: &str| name.as_str().eq_ignore_ascii_case(w);
        if is("MIN") {
            nz_number(k).map(|(r, n)| (r, ESearchItem::Min(n)))
        } else if is("MAX") {
            nz_number(k).map(|(r, n)| (r, ESearchItem::Max(n)))
        } else if is("ALL") {
            sequence_set(k).map(|(r, s)| (r, ESearchItem::All(s)))
        } else if is("COUNT") {
            number(k).map(|(r, n)| (r, ESearchItem::Count(n)))
        } else if is("MODSEQ") {
            number64(k).map(|(r, n)| (r, ESearchItem::ModSeq(n)))
        } else {
            tagged_ext_val(k, o, 0).map(|(r, value)| (r, ESearchItem::Other { name, value }))
        }
    })?;
    Ok((j, ESearch { tag, uid, items }))
}

/// `Namespace = nil / "(" 1*Namespace-Descr ")"`.
fn namespaces<'a>(i: &'a [u8], o: &Opts) -> R<'a, Option<Vec<Namespace<'a>>>> {
    if let Ok((j, ())) = nil(i) {
        return Ok((j, None));
    }
    let (mut j, ()) = byte(i, b'(')?;
    let mut out = Vec::new();
    loop {
        // Namespace-Descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil)
        //   [Namespace-Response-Extensions] ")"
        let (k, ()) = byte(j, b'(')?;
        let (k, prefix) = string(k, o)?;
        let (k, delim) = delimiter(sp(k)?.0)?;
        let (k, extensions) = sp_list(k, |m| {
            let (m, name) = string(m, o)?;
            let (m, vals) = paren_list(sp(m)?.0, o, |n| string(n, o))?;
            Ok((m, (name, vals)))
        })?;
        let (k, ()) = close(k, o)?;
        out.push(Namespace {
            prefix,
            delimiter: delim,
            extensions,
        });
        j = k;
        if let Ok((k, ())) = close(j, o) {
            return Ok((k, Some(out)));
        }
        if o.quirks.trailing_space {
            j = super::core::skip_spaces(j);
        }
    }
}

/// `thread-list = "(" (thread-members / thread-nested) ")"`;
/// `thread-members = thread-member *(SP thread-member) [SP thread-nested]`;
/// `thread-nested = 2*thread-list`.
fn thread<'a>(i: &'a [u8], o: &Opts, depth: u32) -> R<'a, Thread> {
    if depth >= o.max_depth {
        return fail(i);
    }
    let (mut j, ()) = byte(i, b'(')?;
    let mut members = Vec::new();
    let mut children = Vec::new();
    loop {
        match j.first() {
            Some(b'(') => {
                let (r, t) = thread(j, o, depth + 1)?;
                children.push(t);
                j = r;
            }
            Some(b')') => break,
            Some(b' ') if !members.is_empty() && children.is_empty() => j = &j[1..],
            _ if children.is_empty() => {
                let (r, n) = nz_number(j)?;
                members.push(n);
                j = r;
            }
            _ => return fail(j),
        }
    }
    let (j, ()) = byte(j, b')')?;
    Ok((j, Thread { members, children }))
}
