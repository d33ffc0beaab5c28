//! `into_owned` for commands and search keys: copies that no longer borrow
//! from the input, for servers that keep a command past its frame.

use std::borrow::Cow;

use super::command::{
    AppendData, Command, CommandBody, FetchAttr, FetchAttrs, ListMailbox, ListReturn, SearchReturn,
    SortCriterion, StatusAttr,
};
use super::core::{AString, Atom, Date, SequenceSet};
use super::data::MailboxAttr;
use super::flag::Flag;
use super::search::SearchKey;

fn flags(v: Vec<Flag<'_>>) -> Vec<Flag<'static>> {
    v.into_iter().map(Flag::into_owned).collect()
}

fn keys(v: Vec<SearchKey<'_>>) -> Vec<SearchKey<'static>> {
    v.into_iter().map(SearchKey::into_owned).collect()
}

fn atoms(v: Vec<Atom<'_>>) -> Vec<Atom<'static>> {
    v.into_iter().map(Atom::into_owned).collect()
}

fn astrings(v: Vec<AString<'_>>) -> Vec<AString<'static>> {
    v.into_iter().map(AString::into_owned).collect()
}

fn returns(v: Option<Vec<SearchReturn<'_>>>) -> Option<Vec<SearchReturn<'static>>> {
    v.map(|v| {
        v.into_iter()
            .map(|r| match r {
                SearchReturn::Min => SearchReturn::Min,
                SearchReturn::Max => SearchReturn::Max,
                SearchReturn::All => SearchReturn::All,
                SearchReturn::Count => SearchReturn::Count,
                SearchReturn::Save => SearchReturn::Save,
                SearchReturn::Other(a) => SearchReturn::Other(a.into_owned()),
            })
            .collect()
    })
}

impl StatusAttr<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> StatusAttr<'static> {
        match self {
            StatusAttr::Messages => StatusAttr::Messages,
            StatusAttr::Recent => StatusAttr::Recent,
            StatusAttr::UidNext => StatusAttr::UidNext,
            StatusAttr::UidValidity => StatusAttr::UidValidity,
            StatusAttr::Unseen => StatusAttr::Unseen,
            StatusAttr::Deleted => StatusAttr::Deleted,
            StatusAttr::Size => StatusAttr::Size,
            StatusAttr::HighestModSeq => StatusAttr::HighestModSeq,
            StatusAttr::AppendLimit => StatusAttr::AppendLimit,
            StatusAttr::Other(a) => StatusAttr::Other(a.into_owned()),
        }
    }
}

impl ListMailbox<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> ListMailbox<'static> {
        match self {
            ListMailbox::Token(t) => ListMailbox::Token(Cow::Owned(t.into_owned())),
            ListMailbox::String(s) => ListMailbox::String(s.into_owned()),
        }
    }
}

impl FetchAttr<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> FetchAttr<'static> {
        match self {
            FetchAttr::Envelope => FetchAttr::Envelope,
            FetchAttr::Flags => FetchAttr::Flags,
            FetchAttr::InternalDate => FetchAttr::InternalDate,
            FetchAttr::Rfc822 => FetchAttr::Rfc822,
            FetchAttr::Rfc822Header => FetchAttr::Rfc822Header,
            FetchAttr::Rfc822Size => FetchAttr::Rfc822Size,
            FetchAttr::Rfc822Text => FetchAttr::Rfc822Text,
            FetchAttr::Body => FetchAttr::Body,
            FetchAttr::BodyStructure => FetchAttr::BodyStructure,
            FetchAttr::Uid => FetchAttr::Uid,
            FetchAttr::ModSeq => FetchAttr::ModSeq,
            FetchAttr::BodySection {
                peek,
                section,
                partial,
            } => FetchAttr::BodySection {
                peek,
                section: section.into_owned(),
                partial,
            },
            FetchAttr::Binary {
                peek,
                section,
                partial,
            } => FetchAttr::Binary {
                peek,
                section,
                partial,
            },
            FetchAttr::BinarySize(s) => FetchAttr::BinarySize(s),
            FetchAttr::Other(a) => FetchAttr::Other(a.into_owned()),
        }
    }
}

impl SearchKey<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> SearchKey<'static> {
        use SearchKey as K;
        let d = |d: Date| d;
        let s = |s: SequenceSet| s;
        match self {
            K::All => K::All,
            K::Answered => K::Answered,
            K::Bcc(a) => K::Bcc(a.into_owned()),
            K::Before(x) => K::Before(d(x)),
            K::Body(a) => K::Body(a.into_owned()),
            K::Cc(a) => K::Cc(a.into_owned()),
            K::Deleted => K::Deleted,
            K::Draft => K::Draft,
            K::Flagged => K::Flagged,
            K::From(a) => K::From(a.into_owned()),
            K::Header(a, b) => K::Header(a.into_owned(), b.into_owned()),
            K::Keyword(a) => K::Keyword(a.into_owned()),
            K::Larger(n) => K::Larger(n),
            K::New => K::New,
            K::Not(k) => K::Not(Box::new(k.into_owned())),
            K::Old => K::Old,
            K::On(x) => K::On(d(x)),
            K::Or(a, b) => K::Or(Box::new(a.into_owned()), Box::new(b.into_owned())),
            K::Recent => K::Recent,
            K::Seen => K::Seen,
            K::SentBefore(x) => K::SentBefore(x),
            K::SentOn(x) => K::SentOn(x),
            K::SentSince(x) => K::SentSince(x),
            K::Since(x) => K::Since(x),
            K::Smaller(n) => K::Smaller(n),
            K::Subject(a) => K::Subject(a.into_owned()),
            K::Text(a) => K::Text(a.into_owned()),
            K::To(a) => K::To(a.into_owned()),
            K::Uid(x) => K::Uid(s(x)),
            K::Unanswered => K::Unanswered,
            K::Undeleted => K::Undeleted,
            K::Undraft => K::Undraft,
            K::Unflagged => K::Unflagged,
            K::Unkeyword(a) => K::Unkeyword(a.into_owned()),
            K::Unseen => K::Unseen,
            K::SequenceSet(x) => K::SequenceSet(x),
            K::And(v) => K::And(keys(v)),
            K::ModSeq { entry, modseq } => K::ModSeq {
                entry: entry.map(|(a, b)| (a.into_owned(), b.into_owned())),
                modseq,
            },
            K::Younger(n) => K::Younger(n),
            K::Older(n) => K::Older(n),
        }
    }
}

impl Command<'_> {
    /// A copy that owns its text and data.
    pub fn into_owned(self) -> Command<'static> {
        Command {
            tag: self.tag.into_owned(),
            body: self.body.into_owned(),
        }
    }
}

impl CommandBody<'_> {
    /// A copy that owns its text and data.
    pub fn into_owned(self) -> CommandBody<'static> {
        use CommandBody as C;
        match self {
            C::Capability => C::Capability,
            C::Noop => C::Noop,
            C::Logout => C::Logout,
            C::StartTls => C::StartTls,
            C::Authenticate { mechanism, initial } => C::Authenticate {
                mechanism: mechanism.into_owned(),
                initial: initial.map(|i| Cow::Owned(i.into_owned())),
            },
            C::Login { username, password } => C::Login {
                username: username.into_owned(),
                password: password.into_owned(),
            },
            C::Enable(v) => C::Enable(atoms(v)),
            C::Select { mailbox, params } => C::Select {
                mailbox: mailbox.into_owned(),
                params,
            },
            C::Examine { mailbox, params } => C::Examine {
                mailbox: mailbox.into_owned(),
                params,
            },
            C::Create {
                mailbox,
                special_use,
            } => C::Create {
                mailbox: mailbox.into_owned(),
                special_use: special_use
                    .into_iter()
                    .map(MailboxAttr::into_owned)
                    .collect(),
            },
            C::Delete(m) => C::Delete(m.into_owned()),
            C::Rename { from, to } => C::Rename {
                from: from.into_owned(),
                to: to.into_owned(),
            },
            C::Subscribe(m) => C::Subscribe(m.into_owned()),
            C::Unsubscribe(m) => C::Unsubscribe(m.into_owned()),
            C::List {
                selection,
                reference,
                patterns,
                return_opts,
            } => C::List {
                selection: selection.map(atoms),
                reference: reference.into_owned(),
                patterns: patterns.into_iter().map(ListMailbox::into_owned).collect(),
                return_opts: return_opts.map(|v| {
                    v.into_iter()
                        .map(|r| match r {
                            ListReturn::Subscribed => ListReturn::Subscribed,
                            ListReturn::Children => ListReturn::Children,
                            ListReturn::SpecialUse => ListReturn::SpecialUse,
                            ListReturn::Status(v) => ListReturn::Status(
                                v.into_iter().map(StatusAttr::into_owned).collect(),
                            ),
                            ListReturn::Other(a) => ListReturn::Other(a.into_owned()),
                        })
                        .collect()
                }),
            },
            C::Lsub { reference, pattern } => C::Lsub {
                reference: reference.into_owned(),
                pattern: pattern.into_owned(),
            },
            C::Namespace => C::Namespace,
            C::Status { mailbox, items } => C::Status {
                mailbox: mailbox.into_owned(),
                items: items.into_iter().map(StatusAttr::into_owned).collect(),
            },
            C::Append {
                mailbox,
                flags: f,
                date,
                message,
            } => C::Append {
                mailbox: mailbox.into_owned(),
                flags: flags(f),
                date,
                message: match message {
                    AppendData::Literal(l) => AppendData::Literal(l.into_owned()),
                    AppendData::Utf8(l) => AppendData::Utf8(l.into_owned()),
                },
            },
            C::Idle => C::Idle,
            C::Check => C::Check,
            C::Close => C::Close,
            C::Unselect => C::Unselect,
            C::Expunge => C::Expunge,
            C::UidExpunge(s) => C::UidExpunge(s),
            C::Search {
                uid,
                return_opts,
                charset,
                criteria,
            } => C::Search {
                uid,
                return_opts: returns(return_opts),
                charset: charset.map(AString::into_owned),
                criteria: keys(criteria),
            },
            C::Fetch {
                uid,
                set,
                attrs,
                modifiers,
            } => C::Fetch {
                uid,
                set,
                attrs: match attrs {
                    FetchAttrs::All => FetchAttrs::All,
                    FetchAttrs::Fast => FetchAttrs::Fast,
                    FetchAttrs::Full => FetchAttrs::Full,
                    FetchAttrs::Single(a) => FetchAttrs::Single(a.into_owned()),
                    FetchAttrs::List(v) => {
                        FetchAttrs::List(v.into_iter().map(FetchAttr::into_owned).collect())
                    }
                },
                modifiers,
            },
            C::Store {
                uid,
                set,
                kind,
                silent,
                flags: f,
                unchanged_since,
            } => C::Store {
                uid,
                set,
                kind,
                silent,
                flags: flags(f),
                unchanged_since,
            },
            C::Copy { uid, set, mailbox } => C::Copy {
                uid,
                set,
                mailbox: mailbox.into_owned(),
            },
            C::Move { uid, set, mailbox } => C::Move {
                uid,
                set,
                mailbox: mailbox.into_owned(),
            },
            C::Id(v) => C::Id(v.map(|v| {
                v.into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })),
            C::Compress(a) => C::Compress(a.into_owned()),
            C::GetQuota(a) => C::GetQuota(a.into_owned()),
            C::GetQuotaRoot(m) => C::GetQuotaRoot(m.into_owned()),
            C::SetQuota { root, limits } => C::SetQuota {
                root: root.into_owned(),
                limits: limits
                    .into_iter()
                    .map(|(a, n)| (a.into_owned(), n))
                    .collect(),
            },
            C::GetMetadata {
                options,
                mailbox,
                entries,
            } => C::GetMetadata {
                options,
                mailbox: mailbox.into_owned(),
                entries: astrings(entries),
            },
            C::SetMetadata { mailbox, entries } => C::SetMetadata {
                mailbox: mailbox.into_owned(),
                entries: entries
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect(),
            },
            C::Sort {
                uid,
                return_opts,
                criteria,
                charset,
                search,
            } => C::Sort {
                uid,
                return_opts: returns(return_opts),
                criteria: criteria
                    .into_iter()
                    .map(|c| SortCriterion {
                        reverse: c.reverse,
                        key: c.key.into_owned(),
                    })
                    .collect(),
                charset: charset.into_owned(),
                search: keys(search),
            },
            C::Thread {
                uid,
                algorithm,
                charset,
                search,
            } => C::Thread {
                uid,
                algorithm: algorithm.into_owned(),
                charset: charset.into_owned(),
                search: keys(search),
            },
        }
    }
}
