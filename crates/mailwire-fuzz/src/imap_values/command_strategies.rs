//! proptest strategies over mailwire-imap commands and search keys.

use std::num::NonZeroU32;

use mailwire_imap::types::command::*;
use mailwire_imap::types::core::*;
use mailwire_imap::types::data::*;
use mailwire_imap::types::search::SearchKey;
use proptest::prelude::*;
use proptest::strategy::Union;

use super::strategies::*;

pub fn search_key() -> impl Strategy<Value = SearchKey<'static>> {
    let leaf = prop_oneof![
        Just(SearchKey::All),
        Just(SearchKey::Answered),
        Just(SearchKey::Deleted),
        Just(SearchKey::Draft),
        Just(SearchKey::Flagged),
        Just(SearchKey::New),
        Just(SearchKey::Old),
        Just(SearchKey::Recent),
        Just(SearchKey::Seen),
        Just(SearchKey::Unanswered),
        Just(SearchKey::Undeleted),
        Just(SearchKey::Undraft),
        Just(SearchKey::Unflagged),
        Just(SearchKey::Unseen),
        astring().prop_map(SearchKey::Bcc),
        astring().prop_map(SearchKey::Body),
        astring().prop_map(SearchKey::Cc),
        astring().prop_map(SearchKey::From),
        astring().prop_map(SearchKey::Subject),
        astring().prop_map(SearchKey::Text),
        astring().prop_map(SearchKey::To),
        (astring(), astring()).prop_map(|(h, v)| SearchKey::Header(h, v)),
        atom().prop_map(SearchKey::Keyword),
        atom().prop_map(SearchKey::Unkeyword),
        date().prop_map(SearchKey::Before),
        date().prop_map(SearchKey::On),
        date().prop_map(SearchKey::Since),
        date().prop_map(SearchKey::SentBefore),
        date().prop_map(SearchKey::SentOn),
        date().prop_map(SearchKey::SentSince),
        n64().prop_map(SearchKey::Larger),
        n64().prop_map(SearchKey::Smaller),
        nz().prop_map(SearchKey::Younger),
        nz().prop_map(SearchKey::Older),
        seq_set().prop_map(SearchKey::Uid),
        seq_set().prop_map(SearchKey::SequenceSet),
        (
            proptest::option::of(("/[a-z/]{1,8}", prop_oneof![Just("all"), Just("shared")])),
            n64()
        )
            .prop_map(|(entry, modseq)| SearchKey::ModSeq {
                entry: entry.map(|(n, t)| (AString::new(n.into_bytes()), Atom::new(t).unwrap())),
                modseq
            }),
    ];
    leaf.prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|k| SearchKey::Not(Box::new(k))),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| SearchKey::Or(Box::new(a), Box::new(b))),
            proptest::collection::vec(inner, 1..3).prop_map(SearchKey::And),
        ]
    })
}

pub fn status_attr() -> impl Strategy<Value = StatusAttr<'static>> {
    prop_oneof![
        Just(StatusAttr::Messages),
        Just(StatusAttr::Recent),
        Just(StatusAttr::UidNext),
        Just(StatusAttr::UidValidity),
        Just(StatusAttr::Unseen),
        Just(StatusAttr::Deleted),
        Just(StatusAttr::Size),
        Just(StatusAttr::HighestModSeq),
        Just(StatusAttr::AppendLimit),
        x_atom().prop_map(StatusAttr::Other),
    ]
}

pub fn search_return() -> impl Strategy<Value = SearchReturn<'static>> {
    prop_oneof![
        Just(SearchReturn::Min),
        Just(SearchReturn::Max),
        Just(SearchReturn::All),
        Just(SearchReturn::Count),
        Just(SearchReturn::Save),
        x_atom().prop_map(SearchReturn::Other),
    ]
}

pub fn partial() -> impl Strategy<Value = Option<(u32, NonZeroU32)>> {
    proptest::option::of((any::<u32>(), nz().prop_map(|n| NonZeroU32::new(n).unwrap())))
}

pub fn fetch_attr() -> impl Strategy<Value = FetchAttr<'static>> {
    prop_oneof![
        Just(FetchAttr::Envelope),
        Just(FetchAttr::Flags),
        Just(FetchAttr::InternalDate),
        Just(FetchAttr::Rfc822),
        Just(FetchAttr::Rfc822Header),
        Just(FetchAttr::Rfc822Size),
        Just(FetchAttr::Rfc822Text),
        Just(FetchAttr::Body),
        Just(FetchAttr::BodyStructure),
        Just(FetchAttr::Uid),
        Just(FetchAttr::ModSeq),
        (any::<bool>(), section(), partial()).prop_map(|(peek, section, partial)| {
            FetchAttr::BodySection {
                peek,
                section,
                partial,
            }
        }),
        (
            any::<bool>(),
            proptest::collection::vec(nz(), 0..3),
            partial()
        )
            .prop_map(|(peek, section, partial)| FetchAttr::Binary {
                peek,
                section,
                partial
            }),
        proptest::collection::vec(nz(), 0..3).prop_map(FetchAttr::BinarySize),
        x_atom().prop_map(FetchAttr::Other),
    ]
}

pub fn list_mailbox() -> impl Strategy<Value = ListMailbox<'static>> {
    prop_oneof![
        "[a-zA-Z0-9%*/.\\]-]{1,8}".prop_map(|s| ListMailbox::Token(s.into())),
        istring().prop_map(ListMailbox::String),
    ]
}

pub fn command_body() -> impl Strategy<Value = CommandBody<'static>> {
    let b64 = "([A-Za-z0-9+/]{4}){0,4}";
    let uid = any::<bool>;
    Union::new(vec![
        Just(CommandBody::Capability).boxed(),
        Just(CommandBody::Noop).boxed(),
        Just(CommandBody::Logout).boxed(),
        Just(CommandBody::StartTls).boxed(),
        Just(CommandBody::Namespace).boxed(),
        Just(CommandBody::Idle).boxed(),
        Just(CommandBody::Check).boxed(),
        Just(CommandBody::Close).boxed(),
        Just(CommandBody::Unselect).boxed(),
        Just(CommandBody::Expunge).boxed(),
        (atom(), proptest::option::of(b64))
            .prop_map(|(mechanism, initial)| CommandBody::Authenticate {
                mechanism,
                initial: initial.map(Into::into),
            })
            .boxed(),
        (astring(), astring())
            .prop_map(|(username, password)| CommandBody::Login { username, password })
            .boxed(),
        proptest::collection::vec(atom(), 1..3)
            .prop_map(CommandBody::Enable)
            .boxed(),
        (
            mailbox(),
            proptest::collection::vec(
                prop_oneof![
                    Just(SelectParam::CondStore),
                    (
                        nz(),
                        n64(),
                        proptest::option::of(seq_set()),
                        proptest::option::of((seq_set(), seq_set()))
                    )
                        .prop_map(|(v, m, k, s)| SelectParam::QResync {
                            uid_validity: NonZeroU32::new(v).unwrap(),
                            mod_seq: m,
                            known_uids: k,
                            seq_match: s,
                        }),
                ],
                0..2,
            ),
            any::<bool>(),
        )
            .prop_map(|(mailbox, params, select)| {
                if select {
                    CommandBody::Select { mailbox, params }
                } else {
                    CommandBody::Examine { mailbox, params }
                }
            })
            .boxed(),
        (
            mailbox(),
            proptest::collection::vec(atom().prop_map(MailboxAttr), 0..2),
        )
            .prop_map(|(mailbox, special_use)| CommandBody::Create {
                mailbox,
                special_use,
            })
            .boxed(),
        mailbox().prop_map(CommandBody::Delete).boxed(),
        mailbox().prop_map(CommandBody::Subscribe).boxed(),
        mailbox().prop_map(CommandBody::Unsubscribe).boxed(),
        (mailbox(), mailbox())
            .prop_map(|(from, to)| CommandBody::Rename { from, to })
            .boxed(),
        (
            proptest::option::of(proptest::collection::vec(atom(), 0..3)),
            mailbox(),
            proptest::collection::vec(list_mailbox(), 1..3),
            proptest::option::of(proptest::collection::vec(
                prop_oneof![
                    Just(ListReturn::Subscribed),
                    Just(ListReturn::Children),
                    Just(ListReturn::SpecialUse),
                    proptest::collection::vec(status_attr(), 1..3).prop_map(ListReturn::Status),
                    x_atom().prop_map(ListReturn::Other),
                ],
                0..3,
            )),
        )
            .prop_map(
                |(selection, reference, patterns, return_opts)| CommandBody::List {
                    selection,
                    reference,
                    patterns,
                    return_opts,
                },
            )
            .boxed(),
        (mailbox(), list_mailbox())
            .prop_map(|(reference, pattern)| CommandBody::Lsub { reference, pattern })
            .boxed(),
        (mailbox(), proptest::collection::vec(status_attr(), 1..4))
            .prop_map(|(mailbox, items)| CommandBody::Status { mailbox, items })
            .boxed(),
        (
            mailbox(),
            proptest::collection::vec(flag(), 0..3),
            proptest::option::of(date_time()),
            prop_oneof![
                literal().prop_map(AppendData::Literal),
                bytes().prop_map(|d| AppendData::Utf8(Literal::binary(d))),
            ],
        )
            .prop_map(|(mailbox, flags, date, message)| CommandBody::Append {
                mailbox,
                flags,
                date,
                message,
            })
            .boxed(),
        seq_set().prop_map(CommandBody::UidExpunge).boxed(),
        (
            uid(),
            proptest::option::of(proptest::collection::vec(search_return(), 0..3)),
            proptest::option::of(astring()),
            proptest::collection::vec(search_key(), 1..3),
        )
            .prop_map(
                |(uid, return_opts, charset, criteria)| CommandBody::Search {
                    uid,
                    return_opts,
                    charset,
                    criteria,
                },
            )
            .boxed(),
        (
            uid(),
            seq_set(),
            prop_oneof![
                Just(FetchAttrs::All),
                Just(FetchAttrs::Fast),
                Just(FetchAttrs::Full),
                fetch_attr().prop_map(FetchAttrs::Single),
                proptest::collection::vec(fetch_attr(), 1..4).prop_map(FetchAttrs::List),
            ],
            proptest::collection::vec(
                prop_oneof![
                    n64().prop_map(FetchModifier::ChangedSince),
                    Just(FetchModifier::Vanished)
                ],
                0..2,
            ),
        )
            .prop_map(|(uid, set, attrs, modifiers)| CommandBody::Fetch {
                uid,
                set,
                attrs,
                modifiers,
            })
            .boxed(),
        (
            uid(),
            seq_set(),
            prop_oneof![
                Just(StoreKind::Replace),
                Just(StoreKind::Add),
                Just(StoreKind::Remove)
            ],
            any::<bool>(),
            proptest::collection::vec(flag(), 0..3),
            proptest::option::of(n64()),
        )
            .prop_map(
                |(uid, set, kind, silent, flags, unchanged_since)| CommandBody::Store {
                    uid,
                    set,
                    kind,
                    silent,
                    flags,
                    unchanged_since,
                },
            )
            .boxed(),
        (uid(), seq_set(), mailbox(), any::<bool>())
            .prop_map(|(uid, set, mailbox, mv)| {
                if mv {
                    CommandBody::Move { uid, set, mailbox }
                } else {
                    CommandBody::Copy { uid, set, mailbox }
                }
            })
            .boxed(),
        proptest::option::of(proptest::collection::vec((istring(), nstring()), 0..3))
            .prop_map(CommandBody::Id)
            .boxed(),
        atom().prop_map(CommandBody::Compress).boxed(),
        astring().prop_map(CommandBody::GetQuota).boxed(),
        mailbox().prop_map(CommandBody::GetQuotaRoot).boxed(),
        (astring(), proptest::collection::vec((atom(), n64()), 0..3))
            .prop_map(|(root, limits)| CommandBody::SetQuota { root, limits })
            .boxed(),
        (
            proptest::collection::vec(
                prop_oneof![
                    any::<u32>().prop_map(MetadataOption::MaxSize),
                    prop_oneof![Just(Some(0)), Just(Some(1)), Just(None)]
                        .prop_map(MetadataOption::Depth),
                ],
                0..3,
            ),
            mailbox(),
            proptest::collection::vec(astring(), 1..3),
        )
            .prop_map(|(options, mailbox, entries)| CommandBody::GetMetadata {
                options,
                mailbox,
                entries,
            })
            .boxed(),
        (
            mailbox(),
            proptest::collection::vec((astring(), nstring()), 0..3),
        )
            .prop_map(|(mailbox, entries)| CommandBody::SetMetadata { mailbox, entries })
            .boxed(),
        (
            uid(),
            proptest::option::of(proptest::collection::vec(search_return(), 0..3)),
            proptest::collection::vec(
                (
                    any::<bool>(),
                    prop_oneof![
                        Just("ARRIVAL"),
                        Just("DATE"),
                        Just("SUBJECT"),
                        Just("DISPLAYFROM")
                    ],
                ),
                1..3,
            ),
            astring(),
            proptest::collection::vec(search_key(), 1..3),
        )
            .prop_map(
                |(uid, return_opts, criteria, charset, search)| CommandBody::Sort {
                    uid,
                    return_opts,
                    criteria: criteria
                        .into_iter()
                        .map(|(reverse, k)| SortCriterion {
                            reverse,
                            key: Atom::new(k).unwrap(),
                        })
                        .collect(),
                    charset,
                    search,
                },
            )
            .boxed(),
        (
            uid(),
            prop_oneof![Just("REFERENCES"), Just("ORDEREDSUBJECT")],
            astring(),
            proptest::collection::vec(search_key(), 1..3),
        )
            .prop_map(|(uid, alg, charset, search)| CommandBody::Thread {
                uid,
                algorithm: Atom::new(alg).unwrap(),
                charset,
                search,
            })
            .boxed(),
    ])
}

pub fn command() -> impl Strategy<Value = Command<'static>> {
    (tag(), command_body()).prop_map(|(tag, body)| Command { tag, body })
}
