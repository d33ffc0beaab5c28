//! Client commands (RFC 9051 §6, §9).

use std::borrow::Cow;
use std::num::NonZeroU32;

use super::Opts;
use super::core::{
    R, astring, atom, byte, close, crlf_end, date_time, fail, flag, kw, literal, mailbox, nil,
    nstring, number, number64, nz_number, paren_list, sequence_set, sp, sp_list, starts_kw, string,
    tag,
};
use super::fetch::{section, section_binary};
use super::response::is_base64;
use super::search::search_key;
use crate::types::chars::is_list_char;
use crate::types::command::{
    AppendData, AuthenticateData, Command, CommandBody, FetchAttr, FetchAttrs, FetchModifier,
    ListMailbox, ListReturn, MetadataOption, SearchReturn, SelectParam, SortCriterion, StatusAttr,
    StoreKind,
};
use crate::types::data::MailboxAttr;
use crate::types::search::SearchKey;

/// `command = tag SP (command-any / command-auth / command-nonauth /
/// command-select) CRLF`.
pub(crate) fn command<'a>(i: &'a [u8], o: &Opts) -> R<'a, Command<'a>> {
    let (j, t) = tag(i)?;
    let (j, ()) = sp(j)?;
    let (j, body) = command_body(j, o)?;
    let (r, ()) = crlf_end(j, o)?;
    Ok((r, Command { tag: t, body }))
}

fn command_body<'a>(i: &'a [u8], o: &Opts) -> R<'a, CommandBody<'a>> {
    let (j, name) = atom(i)?;
    let n = name.as_str().to_ascii_uppercase();
    let mbx = |j: &'a [u8]| mailbox(sp(j)?.0, o);
    Ok(match n.as_str() {
        "CAPABILITY" => (j, CommandBody::Capability),
        "NOOP" => (j, CommandBody::Noop),
        "LOGOUT" => (j, CommandBody::Logout),
        "STARTTLS" => (j, CommandBody::StartTls),
        "NAMESPACE" => (j, CommandBody::Namespace),
        "IDLE" => (j, CommandBody::Idle),
        "CHECK" => (j, CommandBody::Check),
        "CLOSE" => (j, CommandBody::Close),
        "UNSELECT" => (j, CommandBody::Unselect),
        "EXPUNGE" => (j, CommandBody::Expunge),
        "AUTHENTICATE" => {
            // authenticate = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]
            let (j, mechanism) = atom(sp(j)?.0)?;
            let (j, initial) = match j.first() {
                Some(b' ') => {
                    let k = &j[1..];
                    if k.first() == Some(&b'=') {
                        (&k[1..], Some(Cow::Borrowed("")))
                    } else {
                        let len = k.iter().take_while(|&&b| b != b'\r' && b != b' ').count();
                        if len == 0 || !is_base64(&k[..len]) {
                            return fail(k);
                        }
                        let s = std::str::from_utf8(&k[..len]).unwrap_or_default();
                        (&k[len..], Some(Cow::Borrowed(s)))
                    }
                }
                _ => (j, None),
            };
            (j, CommandBody::Authenticate { mechanism, initial })
        }
        "LOGIN" => {
            let (j, username) = astring(sp(j)?.0, o)?;
            let (j, password) = astring(sp(j)?.0, o)?;
            (j, CommandBody::Login { username, password })
        }
        "ENABLE" => {
            let (j, caps) = sp_list(j, atom)?;
            if caps.is_empty() {
                return fail(j);
            }
            (j, CommandBody::Enable(caps))
        }
        "SELECT" | "EXAMINE" => {
            let (j, mailbox) = mbx(j)?;
            let (j, params) = select_params(j, o)?;
            if n == "SELECT" {
                (j, CommandBody::Select { mailbox, params })
            } else {
                (j, CommandBody::Examine { mailbox, params })
            }
        }
        "CREATE" => {
            let (j, mailbox) = mbx(j)?;
            // create-param = "USE" SP "(" [use-attr *(SP use-attr)] ")"
            let (j, special_use) = if j.starts_with(b" (") {
                let (k, ()) = kw(&j[2..], "USE")?;
                let (k, v) = paren_list(sp(k)?.0, o, |m| {
                    let (m, ()) = byte(m, b'\\')?;
                    atom(m).map(|(r, a)| (r, MailboxAttr(a)))
                })?;
                let (k, ()) = close(k, o)?;
                (k, v)
            } else {
                (j, Vec::new())
            };
            (
                j,
                CommandBody::Create {
                    mailbox,
                    special_use,
                },
            )
        }
        "DELETE" => mbx(j).map(|(r, m)| (r, CommandBody::Delete(m)))?,
        "SUBSCRIBE" => mbx(j).map(|(r, m)| (r, CommandBody::Subscribe(m)))?,
        "UNSUBSCRIBE" => mbx(j).map(|(r, m)| (r, CommandBody::Unsubscribe(m)))?,
        "RENAME" => {
            let (j, from) = mbx(j)?;
            let (j, to) = mbx(j)?;
            (j, CommandBody::Rename { from, to })
        }
        "LIST" => list(j, o)?,
        "LSUB" => {
            let (j, reference) = mbx(j)?;
            let (j, pattern) = list_mailbox(sp(j)?.0, o)?;
            (j, CommandBody::Lsub { reference, pattern })
        }
        "STATUS" => {
            let (j, mailbox) = mbx(j)?;
            let (j, items) = paren_list(sp(j)?.0, o, status_attr)?;
            (j, CommandBody::Status { mailbox, items })
        }
        "APPEND" => append(j, o)?,
        "SEARCH" => search(j, o, false)?,
        "FETCH" => fetch(j, o, false)?,
        "STORE" => store(j, o, false)?,
        "COPY" => copy_move(j, o, false, false)?,
        "MOVE" => copy_move(j, o, false, true)?,
        "SORT" => sort(j, o, false)?,
        "THREAD" => thread(j, o, false)?,
        "UID" => {
            let j = sp(j)?.0;
            let (k, sub) = atom(j)?;
            match sub.as_str().to_ascii_uppercase().as_str() {
                "SEARCH" => search(k, o, true)?,
                "FETCH" => fetch(k, o, true)?,
                "STORE" => store(k, o, true)?,
                "COPY" => copy_move(k, o, true, false)?,
                "MOVE" => copy_move(k, o, true, true)?,
                "SORT" => sort(k, o, true)?,
                "THREAD" => thread(k, o, true)?,
                "EXPUNGE" => {
                    sequence_set(sp(k)?.0).map(|(r, s)| (r, CommandBody::UidExpunge(s)))?
                }
                _ => return fail(j),
            }
        }
        "ID" => {
            let j = sp(j)?.0;
            if let Ok((j, ())) = nil(j) {
                (j, CommandBody::Id(None))
            } else {
                let (j, v) = paren_list(j, o, |k| {
                    let (k, a) = string(k, o)?;
                    let (k, b) = nstring(sp(k)?.0, o)?;
                    Ok((k, (a, b)))
                })?;
                (j, CommandBody::Id(Some(v)))
            }
        }
        "COMPRESS" => atom(sp(j)?.0).map(|(r, a)| (r, CommandBody::Compress(a)))?,
        "GETQUOTA" => astring(sp(j)?.0, o).map(|(r, a)| (r, CommandBody::GetQuota(a)))?,
        "GETQUOTAROOT" => mbx(j).map(|(r, m)| (r, CommandBody::GetQuotaRoot(m)))?,
        "SETQUOTA" => {
            let (j, root) = astring(sp(j)?.0, o)?;
            let (j, limits) = paren_list(sp(j)?.0, o, |k| {
                let (k, name) = atom(k)?;
                let (k, n) = number64(sp(k)?.0)?;
                Ok((k, (name, n)))
            })?;
            (j, CommandBody::SetQuota { root, limits })
        }
        "GETMETADATA" => {
            let j = sp(j)?.0;
            let (j, options) = if j.first() == Some(&b'(') {
                let (k, v) = paren_list(j, o, metadata_option)?;
                (sp(k)?.0, v)
            } else {
                (j, Vec::new())
            };
            let (j, mailbox) = mailbox(j, o)?;
            let j = sp(j)?.0;
            let (j, entries) = if j.first() == Some(&b'(') {
                paren_list(j, o, |k| astring(k, o))?
            } else {
                astring(j, o).map(|(r, a)| (r, vec![a]))?
            };
            (
                j,
                CommandBody::GetMetadata {
                    options,
                    mailbox,
                    entries,
                },
            )
        }
        "SETMETADATA" => {
            let (j, mailbox) = mbx(j)?;
            let (j, entries) = paren_list(sp(j)?.0, o, |k| {
                let (k, e) = astring(k, o)?;
                let (k, v) = nstring(sp(k)?.0, o)?;
                Ok((k, (e, v)))
            })?;
            (j, CommandBody::SetMetadata { mailbox, entries })
        }
        _ => return fail(i),
    })
}

/// `select-params = SP "(" select-param *(SP select-param) ")"`.
fn select_params<'a>(i: &'a [u8], o: &Opts) -> R<'a, Vec<SelectParam>> {
    if !i.starts_with(b" (") {
        return Ok((i, Vec::new()));
    }
    paren_list(&i[1..], o, |k| {
        if starts_kw(k, "CONDSTORE") {
            return Ok((&k[9..], SelectParam::CondStore));
        }
        // "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
        //   [SP seq-match-data] ")"
        let (k, ()) = kw(k, "QRESYNC")?;
        let (k, ()) = byte(sp(k)?.0, b'(')?;
        let (k, v) = nz_number(k)?;
        let (k, m) = number64(sp(k)?.0)?;
        let (k, known_uids) = if k.first() == Some(&b' ') && k.get(1) != Some(&b'(') {
            let (k, s) = sequence_set(&k[1..])?;
            (k, Some(s))
        } else {
            (k, None)
        };
        let (k, seq_match) = if k.starts_with(b" (") {
            let (k, a) = sequence_set(&k[2..])?;
            let (k, b) = sequence_set(sp(k)?.0)?;
            let (k, ()) = byte(k, b')')?;
            (k, Some((a, b)))
        } else {
            (k, None)
        };
        let (k, ()) = close(k, o)?;
        Ok((
            k,
            SelectParam::QResync {
                uid_validity: NonZeroU32::new(v).unwrap_or(NonZeroU32::MIN),
                mod_seq: m,
                known_uids,
                seq_match,
            },
        ))
    })
}

/// `list-mailbox = 1*list-char / string`.
fn list_mailbox<'a>(i: &'a [u8], o: &Opts) -> R<'a, ListMailbox<'a>> {
    match i.first() {
        Some(b'"' | b'{') => string(i, o).map(|(r, s)| (r, ListMailbox::String(s))),
        Some(b'~') if i.get(1) == Some(&b'{') => {
            string(i, o).map(|(r, s)| (r, ListMailbox::String(s)))
        }
        _ => {
            let n = i.iter().take_while(|&&b| is_list_char(b)).count();
            if n == 0 {
                return fail(i);
            }
            let s = std::str::from_utf8(&i[..n]).unwrap_or_default();
            Ok((&i[n..], ListMailbox::Token(Cow::Borrowed(s))))
        }
    }
}

/// `list = "LIST" [SP list-select-opts] SP mailbox SP mbox-or-pat
/// [SP list-return-opts]` (RFC 5258 §6).
fn list<'a>(i: &'a [u8], o: &Opts) -> R<'a, CommandBody<'a>> {
    let j = sp(i)?.0;
    let (j, selection) = if j.first() == Some(&b'(') {
        let (k, v) = paren_list(j, o, atom)?;
        (sp(k)?.0, Some(v))
    } else {
        (j, None)
    };
    let (j, reference) = mailbox(j, o)?;
    let j = sp(j)?.0;
    // mbox-or-pat = list-mailbox / patterns
    let (j, patterns) = if j.first() == Some(&b'(') {
        paren_list(j, o, |k| list_mailbox(k, o))?
    } else {
        list_mailbox(j, o).map(|(r, p)| (r, vec![p]))?
    };
    // list-return-opts = "RETURN" SP "(" [return-option *(SP return-option)] ")"
    let (j, return_opts) = if j.first() == Some(&b' ') && starts_kw(&j[1..], "RETURN") {
        let (k, v) = paren_list(sp(&j[7..])?.0, o, |k| {
            let (k, name) = atom(k)?;
            let is = |w: &str| name.eq_ignore_case(w);
            Ok(if is("SUBSCRIBED") {
                (k, ListReturn::Subscribed)
            } else if is("CHILDREN") {
                (k, ListReturn::Children)
            } else if is("SPECIAL-USE") {
                (k, ListReturn::SpecialUse)
            } else if is("STATUS") {
                let (k, v) = paren_list(sp(k)?.0, o, status_attr)?;
                (k, ListReturn::Status(v))
            } else {
                (k, ListReturn::Other(name))
            })
        })?;
        (k, Some(v))
    } else {
        (j, None)
    };
    Ok((
        j,
        CommandBody::List {
            selection,
            reference,
            patterns,
            return_opts,
        },
    ))
}

/// `status-att = "MESSAGES" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" /
/// "DELETED" / "SIZE"` (and RECENT, HIGHESTMODSEQ, APPENDLIMIT).
fn status_attr(i: &[u8]) -> R<'_, StatusAttr<'_>> {
    let (j, a) = atom(i)?;
    let is = |w: &str| a.eq_ignore_case(w);
    Ok((
        j,
        if is("MESSAGES") {
            StatusAttr::Messages
        } else if is("RECENT") {
            StatusAttr::Recent
        } else if is("UIDNEXT") {
            StatusAttr::UidNext
        } else if is("UIDVALIDITY") {
            StatusAttr::UidValidity
        } else if is("UNSEEN") {
            StatusAttr::Unseen
        } else if is("DELETED") {
            StatusAttr::Deleted
        } else if is("SIZE") {
            StatusAttr::Size
        } else if is("HIGHESTMODSEQ") {
            StatusAttr::HighestModSeq
        } else if is("APPENDLIMIT") {
            StatusAttr::AppendLimit
        } else {
            StatusAttr::Other(a)
        },
    ))
}

/// `append = "APPEND" SP mailbox [SP flag-list] [SP date-time] SP append-data`.
fn append<'a>(i: &'a [u8], o: &Opts) -> R<'a, CommandBody<'a>> {
    let (j, mailbox) = mailbox(sp(i)?.0, o)?;
    let mut j = sp(j)?.0;
    let mut flags = Vec::new();
    if j.first() == Some(&b'(') {
        let (k, f) = paren_list(j, o, |k| flag(k, o))?;
        flags = f;
        j = sp(k)?.0;
    }
    let mut date = None;
    if j.first() == Some(&b'"') {
        let (k, d) = date_time(j)?;
        date = Some(d);
        j = sp(k)?.0;
    }
    let (j, message) = if starts_kw(j, "UTF8") {
        // "UTF8" SP "(" literal8 ")"
        let (k, ()) = byte(sp(&j[4..])?.0, b'(')?;
        let (k, l) = literal(k)?;
        let (k, ()) = byte(k, b')')?;
        (k, AppendData::Utf8(l))
    } else {
        literal(j).map(|(r, l)| (r, AppendData::Literal(l)))?
    };
    Ok((
        j,
        CommandBody::Append {
            mailbox,
            flags,
            date,
            message,
        },
    ))
}

/// `search-return-opts = SP "RETURN" SP "(" [search-return-opt
/// *(SP search-return-opt)] ")"`.
fn return_opts<'a>(i: &'a [u8], o: &Opts) -> R<'a, Option<Vec<SearchReturn<'a>>>> {
    if !(i.first() == Some(&b' ') && starts_kw(&i[1..], "RETURN")) {
        return Ok((i, None));
    }
    let (j, v) = paren_list(sp(&i[7..])?.0, o, |k| {
        let (k, a) = atom(k)?;
        let is = |w: &str| a.eq_ignore_case(w);
        Ok((
            k,
            if is("MIN") {
                SearchReturn::Min
            } else if is("MAX") {
                SearchReturn::Max
            } else if is("ALL") {
                SearchReturn::All
            } else if is("COUNT") {
                SearchReturn::Count
            } else if is("SAVE") {
                SearchReturn::Save
            } else {
                SearchReturn::Other(a)
            },
        ))
    })?;
    Ok((j, Some(v)))
}

fn search_keys<'a>(i: &'a [u8], o: &Opts) -> R<'a, Vec<SearchKey<'a>>> {
    let (j, first) = search_key(sp(i)?.0, o, 0)?;
    let mut v = vec![first];
    let mut j = j;
    while j.first() == Some(&b' ') {
        let (r, k) = search_key(&j[1..], o, 0)?;
        v.push(k);
        j = r;
    }
    Ok((j, v))
}

/// `search = "SEARCH" [search-return-opts] SP search-program`;
/// `search-program = ["CHARSET" SP charset SP] search-key *(SP search-key)`.
fn search<'a>(i: &'a [u8], o: &Opts, uid: bool) -> R<'a, CommandBody<'a>> {
    let (j, return_opts) = return_opts(i, o)?;
    let (j, charset) = if j.first() == Some(&b' ') && starts_kw(&j[1..], "CHARSET") {
        let (k, c) = astring(sp(&j[8..])?.0, o)?;
        (k, Some(c))
    } else {
        (j, None)
    };
    let (j, criteria) = search_keys(j, o)?;
    Ok((
        j,
        CommandBody::Search {
            uid,
            return_opts,
            charset,
            criteria,
        },
    ))
}

/// `"<" number "." nz-number ">"`.
fn partial(i: &[u8]) -> R<'_, Option<(u32, NonZeroU32)>> {
    if i.first() != Some(&b'<') {
        return Ok((i, None));
    }
    let (j, a) = number(&i[1..])?;
    let (j, ()) = byte(j, b'.')?;
    let (j, b) = nz_number(j)?;
    let (j, ()) = byte(j, b'>')?;
    Ok((j, Some((a, NonZeroU32::new(b).unwrap_or(NonZeroU32::MIN)))))
}

/// `fetch-att`.
fn fetch_attr<'a>(i: &'a [u8], o: &Opts) -> R<'a, FetchAttr<'a>> {
    let n = i
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        .count();
    let (name, j) = i.split_at(n);
    let up = name.to_ascii_uppercase();
    let simple = |a: FetchAttr<'a>| Ok((j, a));
    match up.as_slice() {
        b"ENVELOPE" => simple(FetchAttr::Envelope),
        b"FLAGS" => simple(FetchAttr::Flags),
        b"INTERNALDATE" => simple(FetchAttr::InternalDate),
        b"RFC822" => simple(FetchAttr::Rfc822),
        b"RFC822.HEADER" => simple(FetchAttr::Rfc822Header),
        b"RFC822.SIZE" => simple(FetchAttr::Rfc822Size),
        b"RFC822.TEXT" => simple(FetchAttr::Rfc822Text),
        b"BODYSTRUCTURE" => simple(FetchAttr::BodyStructure),
        b"UID" => simple(FetchAttr::Uid),
        b"MODSEQ" => simple(FetchAttr::ModSeq),
        b"BODY" | b"BODY.PEEK" if j.first() == Some(&b'[') => {
            let (j, s) = section(j, o)?;
            let (j, p) = partial(j)?;
            Ok((
                j,
                FetchAttr::BodySection {
                    peek: up.len() > 4,
                    section: s,
                    partial: p,
                },
            ))
        }
        b"BODY" => simple(FetchAttr::Body),
        b"BINARY" | b"BINARY.PEEK" => {
            let (j, s) = section_binary(j)?;
            let (j, p) = partial(j)?;
            Ok((
                j,
                FetchAttr::Binary {
                    peek: up.len() > 6,
                    section: s,
                    partial: p,
                },
            ))
        }
        b"BINARY.SIZE" => section_binary(j).map(|(r, s)| (r, FetchAttr::BinarySize(s))),
        _ => atom(i).map(|(r, a)| (r, FetchAttr::Other(a))),
    }
}

/// `fetch = "FETCH" SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att /
/// "(" fetch-att *(SP fetch-att) ")") [fetch-modifiers]`.
fn fetch<'a>(i: &'a [u8], o: &Opts, uid: bool) -> R<'a, CommandBody<'a>> {
    let (j, set) = sequence_set(sp(i)?.0)?;
    let j = sp(j)?.0;
    let (j, attrs) = if j.first() == Some(&b'(') {
        paren_list(j, o, |k| fetch_attr(k, o)).map(|(r, v)| (r, FetchAttrs::List(v)))?
    } else if starts_kw(j, "ALL") {
        (&j[3..], FetchAttrs::All)
    } else if starts_kw(j, "FAST") {
        (&j[4..], FetchAttrs::Fast)
    } else if starts_kw(j, "FULL") {
        (&j[4..], FetchAttrs::Full)
    } else {
        fetch_attr(j, o).map(|(r, a)| (r, FetchAttrs::Single(a)))?
    };
    // fetch-modifiers = SP "(" fetch-modifier *(SP fetch-modifier) ")"
    let (j, modifiers) = if j.starts_with(b" (") {
        paren_list(&j[1..], o, |k| {
            if starts_kw(k, "VANISHED") {
                return Ok((&k[8..], FetchModifier::Vanished));
            }
            let (k, ()) = kw(k, "CHANGEDSINCE")?;
            let (k, n) = number64(sp(k)?.0)?;
            Ok((k, FetchModifier::ChangedSince(n)))
        })?
    } else {
        (j, Vec::new())
    };
    Ok((
        j,
        CommandBody::Fetch {
            uid,
            set,
            attrs,
            modifiers,
        },
    ))
}

/// `store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags`;
/// `store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list /
/// (flag *(SP flag)))`.
fn store<'a>(i: &'a [u8], o: &Opts, uid: bool) -> R<'a, CommandBody<'a>> {
    let (j, set) = sequence_set(sp(i)?.0)?;
    let (j, unchanged_since) = if j.starts_with(b" (") {
        let (k, ()) = kw(&j[2..], "UNCHANGEDSINCE")?;
        let (k, n) = number64(sp(k)?.0)?;
        let (k, ()) = close(k, o)?;
        (k, Some(n))
    } else {
        (j, None)
    };
    let j = sp(j)?.0;
    let (j, kind) = match j.first() {
        Some(b'+') => (&j[1..], StoreKind::Add),
        Some(b'-') => (&j[1..], StoreKind::Remove),
        _ => (j, StoreKind::Replace),
    };
    let (j, ()) = kw(j, "FLAGS")?;
    let (j, silent) = match kw(j, ".SILENT") {
        Ok((j, ())) => (j, true),
        Err(_) => (j, false),
    };
    let j = sp(j)?.0;
    let (j, flags) = if j.first() == Some(&b'(') {
        paren_list(j, o, |k| flag(k, o))?
    } else {
        let (k, f) = flag(j, o)?;
        let (k, mut rest) = sp_list(k, |m| flag(m, o))?;
        rest.insert(0, f);
        (k, rest)
    };
    Ok((
        j,
        CommandBody::Store {
            uid,
            set,
            kind,
            silent,
            flags,
            unchanged_since,
        },
    ))
}

fn copy_move<'a>(i: &'a [u8], o: &Opts, uid: bool, is_move: bool) -> R<'a, CommandBody<'a>> {
    let (j, set) = sequence_set(sp(i)?.0)?;
    let (j, mailbox) = mailbox(sp(j)?.0, o)?;
    Ok((
        j,
        if is_move {
            CommandBody::Move { uid, set, mailbox }
        } else {
            CommandBody::Copy { uid, set, mailbox }
        },
    ))
}

/// `sort = ["UID" SP] "SORT" SP sort-criteria SP search-criteria`;
/// `search-criteria = charset 1*(SP search-key)`.
fn sort<'a>(i: &'a [u8], o: &Opts, uid: bool) -> R<'a, CommandBody<'a>> {
    let (j, return_opts) = return_opts(i, o)?;
    let (j, criteria) = paren_list(sp(j)?.0, o, |k| {
        let (k, reverse) = match kw(k, "REVERSE ") {
            Ok((k, ())) => (k, true),
            Err(_) => (k, false),
        };
        let (k, key) = atom(k)?;
        Ok((k, SortCriterion { reverse, key }))
    })?;
    let (j, charset) = astring(sp(j)?.0, o)?;
    let (j, search) = search_keys(j, o)?;
    Ok((
        j,
        CommandBody::Sort {
            uid,
            return_opts,
            criteria,
            charset,
            search,
        },
    ))
}

/// `thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria`.
fn thread<'a>(i: &'a [u8], o: &Opts, uid: bool) -> R<'a, CommandBody<'a>> {
    let (j, algorithm) = atom(sp(i)?.0)?;
    let (j, charset) = astring(sp(j)?.0, o)?;
    let (j, search) = search_keys(j, o)?;
    Ok((
        j,
        CommandBody::Thread {
            uid,
            algorithm,
            charset,
            search,
        },
    ))
}

/// `getmetadata-option = "MAXSIZE" SP number / "DEPTH" SP ("0" / "1" /
/// "infinity")`.
fn metadata_option(i: &[u8]) -> R<'_, MetadataOption> {
    if let Ok((j, ())) = kw(i, "MAXSIZE ") {
        return number(j).map(|(r, n)| (r, MetadataOption::MaxSize(n)));
    }
    let (j, ()) = kw(i, "DEPTH ")?;
    match j.first() {
        Some(b'0') => Ok((&j[1..], MetadataOption::Depth(Some(0)))),
        Some(b'1') => Ok((&j[1..], MetadataOption::Depth(Some(1)))),
        _ => kw(j, "infinity").map(|(r, ())| (r, MetadataOption::Depth(None))),
    }
}

/// `authenticate` continuation line: `base64 CRLF` or `"*" CRLF`.
pub(crate) fn authenticate_data(i: &[u8]) -> R<'_, AuthenticateData<'_>> {
    let Some(line) = i.strip_suffix(b"\r\n") else {
        return fail(i);
    };
    if line == b"*" {
        return Ok((b"", AuthenticateData::Cancel));
    }
    if !is_base64(line) {
        return fail(i);
    }
    let s = std::str::from_utf8(line).unwrap_or_default();
    Ok((b"", AuthenticateData::Response(Cow::Borrowed(s))))
}

/// `idle = "IDLE" CRLF "DONE"`: the `"DONE" CRLF` line.
pub(crate) fn idle_done(i: &[u8]) -> R<'_, ()> {
    let (j, ()) = kw(i, "DONE")?;
    if j == b"\r\n" { Ok((b"", ())) } else { fail(j) }
}
