//! Encoding client commands (RFC 9051 §6).

use super::fetch::{section, section_binary};
use super::{Encode, Encoder};
use crate::types::chars::is_list_char;
use crate::types::command::{
    AppendData, AuthenticateData, Command, CommandBody, FetchAttr, FetchAttrs, FetchModifier,
    ListMailbox, ListReturn, MetadataOption, SearchReturn, SelectParam, StatusAttr, StoreKind,
};
use crate::types::core::IString;
use crate::types::search::SearchKey;

impl Encode for Command<'_> {
    fn encode(&self, e: &mut Encoder) {
        e.raw(self.tag.as_str().as_bytes());
        e.sp();
        body(e, &self.body);
        e.crlf();
    }
}

impl Encode for AuthenticateData<'_> {
    fn encode(&self, e: &mut Encoder) {
        match self {
            AuthenticateData::Response(s) => e.base64(s),
            AuthenticateData::Cancel => e.raw(b"*"),
        }
        e.crlf();
    }
}

fn uid(e: &mut Encoder, uid: bool) {
    if uid {
        e.raw(b"UID ");
    }
}

fn status_attr(e: &mut Encoder, a: &StatusAttr<'_>) {
    e.raw(match a {
        StatusAttr::Messages => b"MESSAGES",
        StatusAttr::Recent => b"RECENT",
        StatusAttr::UidNext => b"UIDNEXT",
        StatusAttr::UidValidity => b"UIDVALIDITY",
        StatusAttr::Unseen => b"UNSEEN",
        StatusAttr::Deleted => b"DELETED",
        StatusAttr::Size => b"SIZE",
        StatusAttr::HighestModSeq => b"HIGHESTMODSEQ",
        StatusAttr::AppendLimit => b"APPENDLIMIT",
        StatusAttr::Other(a) => a.as_str().as_bytes(),
    });
}

fn list_mailbox(e: &mut Encoder, m: &ListMailbox<'_>) {
    match m {
        // A token that is not all list-chars (a caller's mistake) is sent
        // as a string instead.
        ListMailbox::Token(t) if !t.is_empty() && t.bytes().all(is_list_char) => {
            e.raw(t.as_bytes())
        }
        ListMailbox::Token(t) => e.istring(&IString::new(t.as_bytes())),
        ListMailbox::String(s) => e.istring(s),
    }
}

fn return_opts(e: &mut Encoder, r: &Option<Vec<SearchReturn<'_>>>) {
    if let Some(v) = r {
        e.raw(b" RETURN ");
        e.list(v, |e, o| {
            e.raw(match o {
                SearchReturn::Min => b"MIN",
                SearchReturn::Max => b"MAX",
                SearchReturn::All => b"ALL",
                SearchReturn::Count => b"COUNT",
                SearchReturn::Save => b"SAVE",
                SearchReturn::Other(a) => a.as_str().as_bytes(),
            })
        });
    }
}

fn search_keys(e: &mut Encoder, v: &[SearchKey<'_>]) {
    for k in v {
        e.sp();
        search_key(e, k);
    }
}

fn partial(e: &mut Encoder, p: &Option<(u32, std::num::NonZeroU32)>) {
    if let Some((a, b)) = p {
        e.raw(b"<");
        e.number((*a).into());
        e.raw(b".");
        e.number(b.get().into());
        e.raw(b">");
    }
}

fn fetch_attr(e: &mut Encoder, a: &FetchAttr<'_>) {
    match a {
        FetchAttr::Envelope => e.raw(b"ENVELOPE"),
        FetchAttr::Flags => e.raw(b"FLAGS"),
        FetchAttr::InternalDate => e.raw(b"INTERNALDATE"),
        FetchAttr::Rfc822 => e.raw(b"RFC822"),
        FetchAttr::Rfc822Header => e.raw(b"RFC822.HEADER"),
        FetchAttr::Rfc822Size => e.raw(b"RFC822.SIZE"),
        FetchAttr::Rfc822Text => e.raw(b"RFC822.TEXT"),
        FetchAttr::Body => e.raw(b"BODY"),
        FetchAttr::BodyStructure => e.raw(b"BODYSTRUCTURE"),
        FetchAttr::Uid => e.raw(b"UID"),
        FetchAttr::ModSeq => e.raw(b"MODSEQ"),
        FetchAttr::BodySection {
            peek,
            section: s,
            partial: p,
        } => {
            e.raw(if *peek { b"BODY.PEEK" } else { b"BODY" });
            section(e, s);
            partial(e, p);
        }
        FetchAttr::Binary {
            peek,
            section: s,
            partial: p,
        } => {
            e.raw(if *peek { b"BINARY.PEEK" } else { b"BINARY" });
            section_binary(e, s);
            partial(e, p);
        }
        FetchAttr::BinarySize(s) => {
            e.raw(b"BINARY.SIZE");
            section_binary(e, s);
        }
        FetchAttr::Other(a) => e.raw(a.as_str().as_bytes()),
    }
}

fn select_params(e: &mut Encoder, v: &[SelectParam]) {
    if v.is_empty() {
        return;
    }
    e.sp();
    e.list(v, |e, p| match p {
        SelectParam::CondStore => e.raw(b"CONDSTORE"),
        SelectParam::QResync {
            uid_validity,
            mod_seq,
            known_uids,
            seq_match,
        } => {
            e.raw(b"QRESYNC (");
            e.number(uid_validity.get().into());
            e.sp();
            e.number(*mod_seq);
            if let Some(k) = known_uids {
                e.sp();
                e.seq_set(k);
            }
            if let Some((a, b)) = seq_match {
                e.raw(b" (");
                e.seq_set(a);
                e.sp();
                e.seq_set(b);
                e.raw(b")");
            }
            e.raw(b")");
        }
    });
}

fn body(e: &mut Encoder, b: &CommandBody<'_>) {
    match b {
        CommandBody::Capability => e.raw(b"CAPABILITY"),
        CommandBody::Noop => e.raw(b"NOOP"),
        CommandBody::Logout => e.raw(b"LOGOUT"),
        CommandBody::StartTls => e.raw(b"STARTTLS"),
        CommandBody::Namespace => e.raw(b"NAMESPACE"),
        CommandBody::Idle => e.raw(b"IDLE"),
        CommandBody::Check => e.raw(b"CHECK"),
        CommandBody::Close => e.raw(b"CLOSE"),
        CommandBody::Unselect => e.raw(b"UNSELECT"),
        CommandBody::Expunge => e.raw(b"EXPUNGE"),
        CommandBody::Authenticate { mechanism, initial } => {
            e.raw(b"AUTHENTICATE ");
            e.raw(mechanism.as_str().as_bytes());
            if let Some(i) = initial {
                e.sp();
                if i.is_empty() {
                    e.raw(b"=");
                } else {
                    e.base64(i);
                }
            }
        }
        CommandBody::Login { username, password } => {
            e.raw(b"LOGIN ");
            e.astring(username);
            e.sp();
            e.astring(password);
        }
        CommandBody::Enable(v) => {
            e.raw(b"ENABLE");
            for c in v {
                e.sp();
                e.raw(c.as_str().as_bytes());
            }
        }
        CommandBody::Select { mailbox, params } => {
            e.raw(b"SELECT ");
            e.mailbox(mailbox);
            select_params(e, params);
        }
        CommandBody::Examine { mailbox, params } => {
            e.raw(b"EXAMINE ");
            e.mailbox(mailbox);
            select_params(e, params);
        }
        CommandBody::Create {
            mailbox,
            special_use,
        } => {
            e.raw(b"CREATE ");
            e.mailbox(mailbox);
            if !special_use.is_empty() {
                e.raw(b" (USE ");
                e.list(special_use, |e, a| {
                    e.raw(b"\\");
                    e.raw(a.0.as_str().as_bytes());
                });
                e.raw(b")");
            }
        }
        CommandBody::Delete(m) => {
            e.raw(b"DELETE ");
            e.mailbox(m);
        }
        CommandBody::Rename { from, to } => {
            e.raw(b"RENAME ");
            e.mailbox(from);
            e.sp();
            e.mailbox(to);
        }
        CommandBody::Subscribe(m) => {
            e.raw(b"SUBSCRIBE ");
            e.mailbox(m);
        }
        CommandBody::Unsubscribe(m) => {
            e.raw(b"UNSUBSCRIBE ");
            e.mailbox(m);
        }
        CommandBody::List {
            selection,
            reference,
            patterns,
            return_opts,
        } => {
            e.raw(b"LIST ");
            if let Some(s) = selection {
                e.list(s, |e, a| e.raw(a.as_str().as_bytes()));
                e.sp();
            }
            e.mailbox(reference);
            e.sp();
            if patterns.len() == 1 {
                list_mailbox(e, &patterns[0]);
            } else {
                e.list(patterns, list_mailbox);
            }
            if let Some(r) = return_opts {
                e.raw(b" RETURN ");
                e.list(r, |e, o| match o {
                    ListReturn::Subscribed => e.raw(b"SUBSCRIBED"),
                    ListReturn::Children => e.raw(b"CHILDREN"),
                    ListReturn::SpecialUse => e.raw(b"SPECIAL-USE"),
                    ListReturn::Status(v) => {
                        e.raw(b"STATUS ");
                        e.list(v, status_attr);
                    }
                    ListReturn::Other(a) => e.raw(a.as_str().as_bytes()),
                });
            }
        }
        CommandBody::Lsub { reference, pattern } => {
            e.raw(b"LSUB ");
            e.mailbox(reference);
            e.sp();
            list_mailbox(e, pattern);
        }
        CommandBody::Status { mailbox, items } => {
            e.raw(b"STATUS ");
            e.mailbox(mailbox);
            e.sp();
            e.list(items, status_attr);
        }
        CommandBody::Append {
            mailbox,
            flags,
            date,
            message,
        } => {
            e.raw(b"APPEND ");
            e.mailbox(mailbox);
            if !flags.is_empty() {
                e.sp();
                e.list(flags, |e, f| e.flag(f));
            }
            if let Some(d) = date {
                e.sp();
                e.date_time(d);
            }
            e.sp();
            match message {
                AppendData::Literal(l) => e.literal(l),
                AppendData::Utf8(l) => {
                    e.raw(b"UTF8 (");
                    e.literal(&crate::types::core::Literal::binary(l.data()).with_mode(l.mode()));
                    e.raw(b")");
                }
            }
        }
        CommandBody::UidExpunge(s) => {
            e.raw(b"UID EXPUNGE ");
            e.seq_set(s);
        }
        CommandBody::Search {
            uid: u,
            return_opts: r,
            charset,
            criteria,
        } => {
            uid(e, *u);
            e.raw(b"SEARCH");
            return_opts(e, r);
            if let Some(c) = charset {
                e.raw(b" CHARSET ");
                e.astring(c);
            }
            search_keys(e, criteria);
        }
        CommandBody::Fetch {
            uid: u,
            set,
            attrs,
            modifiers,
        } => {
            uid(e, *u);
            e.raw(b"FETCH ");
            e.seq_set(set);
            e.sp();
            match attrs {
                FetchAttrs::All => e.raw(b"ALL"),
                FetchAttrs::Fast => e.raw(b"FAST"),
                FetchAttrs::Full => e.raw(b"FULL"),
                FetchAttrs::Single(a) => fetch_attr(e, a),
                FetchAttrs::List(v) => e.list(v, fetch_attr),
            }
            if !modifiers.is_empty() {
                e.sp();
                e.list(modifiers, |e, m| match m {
                    FetchModifier::ChangedSince(n) => {
                        e.raw(b"CHANGEDSINCE ");
                        e.number(*n);
                    }
                    FetchModifier::Vanished => e.raw(b"VANISHED"),
                });
            }
        }
        CommandBody::Store {
            uid: u,
            set,
            kind,
            silent,
            flags,
            unchanged_since,
        } => {
            uid(e, *u);
            e.raw(b"STORE ");
            e.seq_set(set);
            if let Some(n) = unchanged_since {
                e.raw(b" (UNCHANGEDSINCE ");
                e.number(*n);
                e.raw(b")");
            }
            e.sp();
            e.raw(match kind {
                StoreKind::Replace => b"FLAGS",
                StoreKind::Add => b"+FLAGS",
                StoreKind::Remove => b"-FLAGS",
            });
            if *silent {
                e.raw(b".SILENT");
            }
            e.sp();
            e.list(flags, |e, f| e.flag(f));
        }
        CommandBody::Copy {
            uid: u,
            set,
            mailbox,
        } => {
            uid(e, *u);
            e.raw(b"COPY ");
            e.seq_set(set);
            e.sp();
            e.mailbox(mailbox);
        }
        CommandBody::Move {
            uid: u,
            set,
            mailbox,
        } => {
            uid(e, *u);
            e.raw(b"MOVE ");
            e.seq_set(set);
            e.sp();
            e.mailbox(mailbox);
        }
        CommandBody::Id(v) => {
            e.raw(b"ID ");
            match v {
                None => e.raw(b"NIL"),
                Some(v) => e.list(v, |e, (k, val)| {
                    e.istring(k);
                    e.sp();
                    e.nstring(val);
                }),
            }
        }
        CommandBody::Compress(a) => {
            e.raw(b"COMPRESS ");
            e.raw(a.as_str().as_bytes());
        }
        CommandBody::GetQuota(r) => {
            e.raw(b"GETQUOTA ");
            e.astring(r);
        }
        CommandBody::GetQuotaRoot(m) => {
            e.raw(b"GETQUOTAROOT ");
            e.mailbox(m);
        }
        CommandBody::SetQuota { root, limits } => {
            e.raw(b"SETQUOTA ");
            e.astring(root);
            e.sp();
            e.list(limits, |e, (name, n)| {
                e.raw(name.as_str().as_bytes());
                e.sp();
                e.number(*n);
            });
        }
        CommandBody::GetMetadata {
            options,
            mailbox,
            entries,
        } => {
            e.raw(b"GETMETADATA ");
            if !options.is_empty() {
                e.list(options, |e, o| match o {
                    MetadataOption::MaxSize(n) => {
                        e.raw(b"MAXSIZE ");
                        e.number((*n).into());
                    }
                    MetadataOption::Depth(Some(d)) => {
                        e.raw(b"DEPTH ");
                        e.number((*d).into());
                    }
                    MetadataOption::Depth(None) => e.raw(b"DEPTH infinity"),
                });
                e.sp();
            }
            e.mailbox(mailbox);
            e.sp();
            if entries.len() == 1 {
                e.astring(&entries[0]);
            } else {
                e.list(entries, |e, a| e.astring(a));
            }
        }
        CommandBody::SetMetadata { mailbox, entries } => {
            e.raw(b"SETMETADATA ");
            e.mailbox(mailbox);
            e.sp();
            e.list(entries, |e, (k, v)| {
                e.astring(k);
                e.sp();
                e.nstring(v);
            });
        }
        CommandBody::Sort {
            uid: u,
            return_opts: r,
            criteria,
            charset,
            search,
        } => {
            uid(e, *u);
            e.raw(b"SORT");
            return_opts(e, r);
            e.sp();
            e.list(criteria, |e, c| {
                if c.reverse {
                    e.raw(b"REVERSE ");
                }
                e.raw(c.key.as_str().as_bytes());
            });
            e.sp();
            e.astring(charset);
            search_keys(e, search);
        }
        CommandBody::Thread {
            uid: u,
            algorithm,
            charset,
            search,
        } => {
            uid(e, *u);
            e.raw(b"THREAD ");
            e.raw(algorithm.as_str().as_bytes());
            e.sp();
            e.astring(charset);
            search_keys(e, search);
        }
    }
}

pub(crate) fn search_key(e: &mut Encoder, k: &SearchKey<'_>) {
    let astr = |e: &mut Encoder, name: &[u8], a: &crate::types::core::AString<'_>| {
        e.raw(name);
        e.sp();
        e.astring(a);
    };
    let date = |e: &mut Encoder, name: &[u8], d: &crate::types::core::Date| {
        e.raw(name);
        e.sp();
        e.date_text(d);
    };
    match k {
        SearchKey::All => e.raw(b"ALL"),
        SearchKey::Answered => e.raw(b"ANSWERED"),
        SearchKey::Deleted => e.raw(b"DELETED"),
        SearchKey::Draft => e.raw(b"DRAFT"),
        SearchKey::Flagged => e.raw(b"FLAGGED"),
        SearchKey::New => e.raw(b"NEW"),
        SearchKey::Old => e.raw(b"OLD"),
        SearchKey::Recent => e.raw(b"RECENT"),
        SearchKey::Seen => e.raw(b"SEEN"),
        SearchKey::Unanswered => e.raw(b"UNANSWERED"),
        SearchKey::Undeleted => e.raw(b"UNDELETED"),
        SearchKey::Undraft => e.raw(b"UNDRAFT"),
        SearchKey::Unflagged => e.raw(b"UNFLAGGED"),
        SearchKey::Unseen => e.raw(b"UNSEEN"),
        SearchKey::Bcc(a) => astr(e, b"BCC", a),
        SearchKey::Body(a) => astr(e, b"BODY", a),
        SearchKey::Cc(a) => astr(e, b"CC", a),
        SearchKey::From(a) => astr(e, b"FROM", a),
        SearchKey::Subject(a) => astr(e, b"SUBJECT", a),
        SearchKey::Text(a) => astr(e, b"TEXT", a),
        SearchKey::To(a) => astr(e, b"TO", a),
        SearchKey::Header(h, v) => {
            astr(e, b"HEADER", h);
            e.sp();
            e.astring(v);
        }
        SearchKey::Keyword(a) => {
            e.raw(b"KEYWORD ");
            e.raw(a.as_str().as_bytes());
        }
        SearchKey::Unkeyword(a) => {
            e.raw(b"UNKEYWORD ");
            e.raw(a.as_str().as_bytes());
        }
        SearchKey::Before(d) => date(e, b"BEFORE", d),
        SearchKey::On(d) => date(e, b"ON", d),
        SearchKey::Since(d) => date(e, b"SINCE", d),
        SearchKey::SentBefore(d) => date(e, b"SENTBEFORE", d),
        SearchKey::SentOn(d) => date(e, b"SENTON", d),
        SearchKey::SentSince(d) => date(e, b"SENTSINCE", d),
        SearchKey::Larger(n) => {
            e.raw(b"LARGER ");
            e.number(*n);
        }
        SearchKey::Smaller(n) => {
            e.raw(b"SMALLER ");
            e.number(*n);
        }
        SearchKey::Younger(n) => {
            e.raw(b"YOUNGER ");
            e.number((*n).into());
        }
        SearchKey::Older(n) => {
            e.raw(b"OLDER ");
            e.number((*n).into());
        }
        SearchKey::Uid(s) => {
            e.raw(b"UID ");
            e.seq_set(s);
        }
        SearchKey::Not(k) => {
            e.raw(b"NOT ");
            search_key(e, k);
        }
        SearchKey::Or(a, b) => {
            e.raw(b"OR ");
            search_key(e, a);
            e.sp();
            search_key(e, b);
        }
        SearchKey::SequenceSet(s) => e.seq_set(s),
        SearchKey::And(v) => e.list(v, search_key),
        SearchKey::ModSeq { entry, modseq } => {
            e.raw(b"MODSEQ ");
            if let Some((name, kind)) = entry {
                e.astring(name);
                e.sp();
                e.raw(kind.as_str().as_bytes());
                e.sp();
            }
            e.number(*modseq);
        }
    }
}
