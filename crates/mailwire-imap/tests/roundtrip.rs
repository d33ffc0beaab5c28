//! proptest round trips: `parse(encode(x)) == x` for responses and commands
//! built from strategies over the whole type space (every variant of every
//! response, data item, FETCH item, body structure, code, command and search
//! key), and the encoder's fragments always reassemble the message.

use std::num::NonZeroU32;

use mailwire_imap::encode::{Encode, Encoder, Fragment};
use mailwire_imap::parse::{self, Opts};
use mailwire_imap::types::body::*;
use mailwire_imap::types::command::*;
use mailwire_imap::types::core::*;
use mailwire_imap::types::data::*;
use mailwire_imap::types::fetch::*;
use mailwire_imap::types::flag::*;
use mailwire_imap::types::mailbox::Mailbox;
use mailwire_imap::types::response::*;
use mailwire_imap::types::search::SearchKey;
use proptest::prelude::*;
use proptest::strategy::Union;

fn atom() -> impl Strategy<Value = Atom<'static>> {
    "[A-Za-z0-9$_.-]{1,10}".prop_map(|s| Atom::new(s).unwrap())
}

/// An atom that is no keyword of the grammar.
fn x_atom() -> impl Strategy<Value = Atom<'static>> {
    "X[A-Z0-9-]{1,6}".prop_map(|s| Atom::new(s).unwrap())
}

fn tag() -> impl Strategy<Value = Tag<'static>> {
    "[A-Za-z0-9.]{1,8}".prop_map(|s| Tag::new(s).unwrap())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "[ -~]{0,12}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..24),
    ]
}

thread_local! {
    /// Servers always send `{n}`: response tests generate only those.
    static SYNC_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn literal() -> impl Strategy<Value = Literal<'static>> {
    (bytes(), any::<bool>(), any::<bool>()).prop_map(|(d, binary, plus)| {
        let mode = if plus && !SYNC_ONLY.get() {
            LiteralMode::NonSync
        } else {
            LiteralMode::Sync
        };
        match Literal::new(d.clone()) {
            Ok(l) if !binary => l.with_mode(mode),
            _ => Literal::binary(d).with_mode(mode),
        }
    })
}

fn istring() -> impl Strategy<Value = IString<'static>> {
    prop_oneof![
        4 => bytes().prop_map(IString::new),
        1 => literal().prop_map(IString::Literal),
    ]
}

fn astring() -> impl Strategy<Value = AString<'static>> {
    prop_oneof![
        4 => bytes().prop_map(AString::new),
        1 => istring().prop_map(AString::String),
    ]
}

fn nstring() -> impl Strategy<Value = NString<'static>> {
    proptest::option::weighted(0.8, istring()).prop_map(NString)
}

fn mailbox() -> impl Strategy<Value = Mailbox<'static>> {
    prop_oneof![
        astring().prop_map(Mailbox::from_wire),
        Just(Mailbox::inbox())
    ]
}

fn flag() -> impl Strategy<Value = Flag<'static>> {
    prop_oneof![
        Just(Flag::Answered),
        Just(Flag::Flagged),
        Just(Flag::Deleted),
        Just(Flag::Seen),
        Just(Flag::Draft),
        atom().prop_map(Flag::Keyword),
        x_atom().prop_map(Flag::Extension),
    ]
}

fn nz() -> impl Strategy<Value = u32> {
    1u32..
}

fn n64() -> impl Strategy<Value = u64> {
    0..=i64::MAX as u64
}

fn seq_no() -> impl Strategy<Value = SeqNo> {
    prop_oneof![
        4 => nz().prop_map(|n| SeqNo::Value(NonZeroU32::new(n).unwrap())),
        1 => Just(SeqNo::Largest),
    ]
}

fn seq_set() -> impl Strategy<Value = SequenceSet> {
    prop_oneof![
        8 => proptest::collection::vec(
            prop_oneof![
                seq_no().prop_map(Sequence::Single),
                (seq_no(), seq_no()).prop_map(|(a, b)| Sequence::Range(a, b)),
            ],
            1..4
        )
        .prop_map(|v| SequenceSet::new(v).unwrap()),
        1 => Just(SequenceSet::saved()),
    ]
}

/// A set that cannot be read as a bare number.
fn range_set() -> impl Strategy<Value = SequenceSet> {
    (seq_no(), seq_no()).prop_map(|(a, b)| SequenceSet::new(vec![Sequence::Range(a, b)]).unwrap())
}

fn date() -> impl Strategy<Value = Date> {
    (1900u16..2100, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn date_time() -> impl Strategy<Value = DateTime> {
    (date(), 0u8..24, 0u8..60, 0u8..60, -900i16..900)
        .prop_map(|(d, h, m, s, z)| DateTime::new(d, h, m, s, z).unwrap())
}

/// Text that a parser cannot mistake for a code or base64.
fn text() -> impl Strategy<Value = Text<'static>> {
    "([a-zA-Z0-9][ -~]{0,15})?".prop_map(|s| Text::new(s).unwrap())
}

fn code() -> impl Strategy<Value = Code<'static>> {
    prop_oneof![
        Just(Code::Alert),
        Just(Code::Parse),
        Just(Code::ReadOnly),
        Just(Code::ReadWrite),
        Just(Code::TryCreate),
        Just(Code::UidNotSticky),
        Just(Code::NoModSeq),
        Just(Code::Closed),
        proptest::collection::vec(astring(), 0..3).prop_map(Code::BadCharset),
        proptest::collection::vec(atom().prop_map(Capability), 0..4).prop_map(Code::Capability),
        proptest::collection::vec(
            prop_oneof![flag().prop_map(FlagPerm::Flag), Just(FlagPerm::Any)],
            0..4
        )
        .prop_map(Code::PermanentFlags),
        nz().prop_map(Code::UidNext),
        nz().prop_map(Code::UidValidity),
        nz().prop_map(Code::Unseen),
        n64().prop_map(Code::HighestModSeq),
        seq_set().prop_map(Code::Modified),
        (nz(), seq_set()).prop_map(|(v, s)| Code::AppendUid {
            uid_validity: v,
            uids: s
        }),
        (nz(), seq_set(), seq_set()).prop_map(|(v, a, b)| Code::CopyUid {
            uid_validity: v,
            source: a,
            destination: b
        }),
        proptest::collection::vec(atom(), 0..3).prop_map(Code::Metadata),
        prop_oneof![
            Just(SimpleCode::AlreadyExists),
            Just(SimpleCode::Nonexistent),
            Just(SimpleCode::AuthenticationFailed),
            Just(SimpleCode::OverQuota),
            Just(SimpleCode::UnknownCte),
        ]
        .prop_map(Code::Simple),
        (x_atom(), proptest::option::of("[ -\\\\^-~]{0,10}")).prop_map(|(name, args)| {
            Code::Other {
                name,
                args: args.map(Into::into),
            }
        }),
    ]
}

fn status_response() -> impl Strategy<Value = StatusResponse<'static>> {
    let status = prop_oneof![
        Just(Status::Ok),
        Just(Status::No),
        Just(Status::Bad),
        Just(Status::PreAuth),
        Just(Status::Bye)
    ];
    (
        proptest::option::of(tag()),
        status,
        proptest::option::of(code()),
        text(),
    )
        .prop_map(|(tag, status, code, text)| {
            // Only untagged responses carry PREAUTH and BYE.
            let tag = if matches!(status, Status::PreAuth | Status::Bye) {
                None
            } else {
                tag
            };
            StatusResponse {
                tag,
                status,
                code,
                text,
            }
        })
}

fn address() -> impl Strategy<Value = Address<'static>> {
    (nstring(), nstring(), nstring(), nstring()).prop_map(|(name, adl, mailbox, host)| Address {
        name,
        adl,
        mailbox,
        host,
    })
}

fn envelope() -> impl Strategy<Value = Envelope<'static>> {
    let addrs = || proptest::collection::vec(address(), 0..3);
    (
        (nstring(), nstring(), addrs(), addrs(), addrs()),
        (addrs(), addrs(), addrs(), nstring(), nstring()),
    )
        .prop_map(
            |((date, subject, from, sender, reply_to), (to, cc, bcc, in_reply_to, message_id))| {
                Envelope {
                    date,
                    subject,
                    from,
                    sender,
                    reply_to,
                    to,
                    cc,
                    bcc,
                    in_reply_to,
                    message_id,
                }
            },
        )
}

fn params() -> impl Strategy<Value = Vec<(IString<'static>, IString<'static>)>> {
    proptest::collection::vec((istring(), istring()), 0..3)
}

fn body_extension() -> impl Strategy<Value = BodyExtension<'static>> {
    let leaf = prop_oneof![
        nstring().prop_map(BodyExtension::NString),
        n64().prop_map(BodyExtension::Number),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        proptest::collection::vec(inner, 1..3).prop_map(BodyExtension::List)
    })
}

fn ext_tail() -> impl Strategy<Value = Option<ExtTail<'static>>> {
    let disposition = proptest::option::of(
        (istring(), params()).prop_map(|(kind, params)| Disposition { kind, params }),
    );
    let language = prop_oneof![
        nstring().prop_map(Language::Single),
        proptest::collection::vec(istring(), 1..3).prop_map(Language::List),
    ];
    let location = proptest::option::of(
        (nstring(), proptest::collection::vec(body_extension(), 0..3)).prop_map(
            |(location, extensions)| LocationTail {
                location,
                extensions,
            },
        ),
    );
    proptest::option::of((
        disposition,
        proptest::option::of(
            (language, location)
                .prop_map(|(language, location)| LanguageTail { language, location }),
        ),
    ))
    .prop_map(|o| {
        o.map(|(disposition, language)| ExtTail {
            disposition,
            language,
        })
    })
}

fn body_fields() -> impl Strategy<Value = BodyFields<'static>> {
    (params(), nstring(), nstring(), istring(), any::<u32>()).prop_map(
        |(params, id, description, encoding, octets)| BodyFields {
            params,
            id,
            description,
            encoding,
            octets,
        },
    )
}

fn single_ext() -> impl Strategy<Value = Option<SinglePartExt<'static>>> {
    proptest::option::of(
        (nstring(), ext_tail()).prop_map(|(md5, tail)| SinglePartExt { md5, tail }),
    )
}

fn body_structure() -> impl Strategy<Value = BodyStructure<'static>> {
    let basic = (
        prop_oneof![Just("APPLICATION"), Just("IMAGE"), Just("x-custom")],
        istring(),
        body_fields(),
        single_ext(),
    )
        .prop_map(|(t, subtype, fields, extension)| BodyStructure::Single {
            body: Body {
                kind: BodyKind::Basic {
                    media_type: IString::new(t.as_bytes()),
                    subtype,
                },
                fields,
            },
            extension,
        });
    let text = (istring(), n64(), body_fields(), single_ext()).prop_map(
        |(subtype, lines, fields, extension)| BodyStructure::Single {
            body: Body {
                kind: BodyKind::Text { subtype, lines },
                fields,
            },
            extension,
        },
    );
    let leaf = prop_oneof![basic, text];
    leaf.prop_recursive(3, 8, 3, |inner| {
        prop_oneof![
            (
                proptest::collection::vec(inner.clone(), 1..3),
                istring(),
                proptest::option::of(
                    (params(), ext_tail()).prop_map(|(params, tail)| MultiPartExt { params, tail })
                ),
            )
                .prop_map(|(parts, subtype, extension)| BodyStructure::Multi {
                    parts,
                    subtype,
                    extension,
                }),
            (
                prop_oneof![Just("RFC822"), Just("GLOBAL")],
                body_fields(),
                envelope(),
                inner,
                n64(),
                single_ext()
            )
                .prop_map(|(st, fields, env, body, lines, extension)| {
                    BodyStructure::Single {
                        body: Body {
                            kind: BodyKind::Message {
                                subtype: IString::new(st.as_bytes()),
                                envelope: Box::new(env),
                                body: Box::new(body),
                                lines,
                            },
                            fields,
                        },
                        extension,
                    }
                }),
        ]
    })
}

fn section() -> impl Strategy<Value = Section<'static>> {
    let part = proptest::collection::vec(nz(), 0..3);
    let text = proptest::option::of(prop_oneof![
        Just(SectionText::Header),
        Just(SectionText::Text),
        Just(SectionText::Mime),
        proptest::collection::vec(astring(), 1..3).prop_map(SectionText::HeaderFields),
        proptest::collection::vec(astring(), 1..3).prop_map(SectionText::HeaderFieldsNot),
    ]);
    (part, text).prop_map(|(part, text)| {
        // MIME only follows a part number.
        let text = match text {
            Some(SectionText::Mime) if part.is_empty() => Some(SectionText::Text),
            t => t,
        };
        Section { part, text }
    })
}

fn fetch_item() -> impl Strategy<Value = FetchItem<'static>> {
    prop_oneof![
        proptest::collection::vec(
            prop_oneof![flag().prop_map(FlagFetch::Flag), Just(FlagFetch::Recent)],
            0..4
        )
        .prop_map(FetchItem::Flags),
        date_time().prop_map(FetchItem::InternalDate),
        n64().prop_map(FetchItem::Rfc822Size),
        envelope().prop_map(|e| FetchItem::Envelope(Box::new(e))),
        body_structure().prop_map(|b| FetchItem::Body(Box::new(b))),
        body_structure().prop_map(|b| FetchItem::BodyStructure(Box::new(b))),
        (section(), proptest::option::of(any::<u32>()), nstring()).prop_map(
            |(section, origin, data)| FetchItem::BodySection {
                section,
                origin,
                data
            }
        ),
        (proptest::collection::vec(nz(), 0..3), nstring())
            .prop_map(|(section, data)| FetchItem::Binary { section, data }),
        (proptest::collection::vec(nz(), 0..3), any::<u32>())
            .prop_map(|(section, size)| FetchItem::BinarySize { section, size }),
        nz().prop_map(FetchItem::Uid),
        n64().prop_map(FetchItem::ModSeq),
        nstring().prop_map(FetchItem::Rfc822),
        nstring().prop_map(FetchItem::Rfc822Header),
        nstring().prop_map(FetchItem::Rfc822Text),
    ]
}

fn ext_val() -> impl Strategy<Value = TaggedExtVal<'static>> {
    let comp = astring()
        .prop_map(TaggedExtComp::AString)
        .prop_recursive(2, 6, 3, |inner| {
            proptest::collection::vec(inner, 0..3).prop_map(TaggedExtComp::List)
        });
    prop_oneof![
        n64().prop_map(TaggedExtVal::Number),
        range_set().prop_map(TaggedExtVal::Set),
        proptest::collection::vec(comp, 0..3).prop_map(TaggedExtVal::Comp),
    ]
}

fn list_item() -> impl Strategy<Value = ListItem<'static>> {
    (
        proptest::collection::vec(atom().prop_map(MailboxAttr), 0..3),
        proptest::option::of(0x20u8..0x7f),
        mailbox(),
        proptest::option::of(proptest::collection::vec((astring(), ext_val()), 0..3)),
    )
        .prop_map(|(attributes, delimiter, mailbox, extended)| ListItem {
            attributes,
            delimiter,
            mailbox,
            extended,
        })
}

fn namespaces() -> impl Strategy<Value = Option<Vec<Namespace<'static>>>> {
    proptest::option::of(proptest::collection::vec(
        (
            istring(),
            proptest::option::of(0x20u8..0x7f),
            proptest::collection::vec(
                (istring(), proptest::collection::vec(istring(), 1..3)),
                0..2,
            ),
        )
            .prop_map(|(prefix, delimiter, extensions)| Namespace {
                prefix,
                delimiter,
                extensions,
            }),
        1..3,
    ))
}

fn thread() -> impl Strategy<Value = Thread> {
    proptest::collection::vec(nz(), 1..4)
        .prop_map(|members| Thread {
            members,
            children: Vec::new(),
        })
        .prop_recursive(3, 10, 3, |inner| {
            (
                proptest::collection::vec(nz(), 0..3),
                proptest::collection::vec(inner, 2..3),
            )
                .prop_map(|(members, children)| Thread { members, children })
        })
}

fn status_item() -> impl Strategy<Value = StatusItem<'static>> {
    prop_oneof![
        any::<u32>().prop_map(StatusItem::Messages),
        any::<u32>().prop_map(StatusItem::Recent),
        any::<u32>().prop_map(StatusItem::UidNext),
        any::<u32>().prop_map(StatusItem::UidValidity),
        any::<u32>().prop_map(StatusItem::Unseen),
        any::<u32>().prop_map(StatusItem::Deleted),
        n64().prop_map(StatusItem::Size),
        n64().prop_map(StatusItem::HighestModSeq),
        proptest::option::of(n64()).prop_map(StatusItem::AppendLimit),
        (x_atom(), n64()).prop_map(|(name, value)| StatusItem::Other { name, value }),
    ]
}

fn data() -> impl Strategy<Value = Data<'static>> {
    let caps = || proptest::collection::vec(atom().prop_map(Capability), 0..4);
    let nums = || proptest::collection::vec(nz(), 0..5);
    let esearch_item = prop_oneof![
        nz().prop_map(ESearchItem::Min),
        nz().prop_map(ESearchItem::Max),
        seq_set().prop_map(ESearchItem::All),
        any::<u32>().prop_map(ESearchItem::Count),
        n64().prop_map(ESearchItem::ModSeq),
        (x_atom(), ext_val()).prop_map(|(name, value)| ESearchItem::Other { name, value }),
    ];
    Union::new(vec![
        caps().prop_map(Data::Capability).boxed(),
        caps().prop_map(Data::Enabled).boxed(),
        list_item().prop_map(Data::List).boxed(),
        list_item().prop_map(Data::Lsub).boxed(),
        (mailbox(), proptest::collection::vec(status_item(), 0..4))
            .prop_map(|(mailbox, items)| Data::Status { mailbox, items })
            .boxed(),
        (nums(), proptest::option::of(n64()))
            .prop_map(|(nums, modseq)| Data::Search { nums, modseq })
            .boxed(),
        (nums(), proptest::option::of(n64()))
            .prop_map(|(nums, modseq)| Data::Sort { nums, modseq })
            .boxed(),
        (
            proptest::option::of(astring()),
            any::<bool>(),
            proptest::collection::vec(esearch_item, 0..4),
        )
            .prop_map(|(tag, uid, items)| Data::ESearch(ESearch { tag, uid, items }))
            .boxed(),
        proptest::collection::vec(flag(), 0..4)
            .prop_map(Data::Flags)
            .boxed(),
        any::<u32>().prop_map(Data::Exists).boxed(),
        any::<u32>().prop_map(Data::Recent).boxed(),
        nz().prop_map(Data::Expunge).boxed(),
        (any::<bool>(), seq_set())
            .prop_map(|(earlier, uids)| Data::Vanished { earlier, uids })
            .boxed(),
        (nz(), proptest::collection::vec(fetch_item(), 1..5))
            .prop_map(|(seq, items)| Data::Fetch { seq, items })
            .boxed(),
        proptest::option::of(proptest::collection::vec((istring(), nstring()), 0..3))
            .prop_map(Data::Id)
            .boxed(),
        (namespaces(), namespaces(), namespaces())
            .prop_map(|(personal, other, shared)| Data::Namespace {
                personal,
                other,
                shared,
            })
            .boxed(),
        (
            astring(),
            proptest::collection::vec(
                (atom(), n64(), n64()).prop_map(|(name, usage, limit)| QuotaResource {
                    name,
                    usage,
                    limit,
                }),
                0..3,
            ),
        )
            .prop_map(|(root, resources)| Data::Quota { root, resources })
            .boxed(),
        (mailbox(), proptest::collection::vec(astring(), 0..3))
            .prop_map(|(mailbox, roots)| Data::QuotaRoot { mailbox, roots })
            .boxed(),
        (
            mailbox(),
            prop_oneof![
                proptest::collection::vec((astring(), nstring()), 0..3)
                    .prop_map(MetadataEntries::Values),
                proptest::collection::vec(astring(), 1..3).prop_map(MetadataEntries::List),
            ],
        )
            .prop_map(|(mailbox, entries)| Data::Metadata { mailbox, entries })
            .boxed(),
        proptest::collection::vec(thread(), 0..3)
            .prop_map(Data::Thread)
            .boxed(),
    ])
}

fn continue_req() -> impl Strategy<Value = Continue<'static>> {
    prop_oneof![
        (code(), text()).prop_map(|(code, text)| Continue::Text {
            code: Some(code),
            text
        }),
        "[a-z]{1,6} [a-z ]{0,10}".prop_map(|t| Continue::Text {
            code: None,
            text: Text::new(t).unwrap()
        }),
        "([A-Za-z0-9+/]{4}){0,6}".prop_map(|s| Continue::Base64(s.into())),
    ]
}

fn response() -> impl Strategy<Value = Response<'static>> {
    prop_oneof![
        status_response().prop_map(Response::Status),
        data().prop_map(Response::Data),
        continue_req().prop_map(Response::Continue),
    ]
}

// ---- commands ----

fn search_key() -> impl Strategy<Value = SearchKey<'static>> {
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

fn status_attr() -> impl Strategy<Value = StatusAttr<'static>> {
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

fn search_return() -> impl Strategy<Value = SearchReturn<'static>> {
    prop_oneof![
        Just(SearchReturn::Min),
        Just(SearchReturn::Max),
        Just(SearchReturn::All),
        Just(SearchReturn::Count),
        Just(SearchReturn::Save),
        x_atom().prop_map(SearchReturn::Other),
    ]
}

fn partial() -> impl Strategy<Value = Option<(u32, NonZeroU32)>> {
    proptest::option::of((any::<u32>(), nz().prop_map(|n| NonZeroU32::new(n).unwrap())))
}

fn fetch_attr() -> impl Strategy<Value = FetchAttr<'static>> {
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

fn list_mailbox() -> impl Strategy<Value = ListMailbox<'static>> {
    prop_oneof![
        "[a-zA-Z0-9%*/.\\]-]{1,8}".prop_map(|s| ListMailbox::Token(s.into())),
        istring().prop_map(ListMailbox::String),
    ]
}

fn command_body() -> impl Strategy<Value = CommandBody<'static>> {
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

fn command() -> impl Strategy<Value = Command<'static>> {
    (tag(), command_body()).prop_map(|(tag, body)| Command { tag, body })
}

/// The fragments of an encoding, joined, are the encoding; a literal is
/// announced at the end of the line before it.
fn check_fragments(e: &Encoder) {
    let mut joined = Vec::new();
    let mut prev_line: Option<&[u8]> = None;
    for f in e.fragments() {
        match f {
            Fragment::Line(l) => {
                joined.extend_from_slice(l);
                prev_line = Some(l);
            }
            Fragment::Literal { data, .. } => {
                let line = prev_line.take().expect("a literal follows a line");
                let announce = format!("{}}}\r\n", data.len());
                assert!(
                    line.ends_with(b"\r\n")
                        && line
                            .windows(announce.len())
                            .any(|w| w == announce.as_bytes())
                        || line.ends_with(format!("{}+}}\r\n", data.len()).as_bytes())
                );
                joined.extend_from_slice(data);
            }
        }
    }
    assert_eq!(joined, e.as_bytes());
}

fn runner() -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(2000))
}

/// Runs `f` on a thread with a large stack: the generated values nest
/// deeply, and proptest's value trees with them (debug builds).
fn big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e));
}

#[test]
fn response_round_trip() {
    big_stack(response_round_trip_inner);
}

fn response_round_trip_inner() {
    SYNC_ONLY.set(true);
    runner()
        .run(&response(), |r| {
            let wire = r.to_bytes();
            let parsed = parse::response(&wire, &Opts::STRICT)
                .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&wire)));
            prop_assert_eq!(&parsed, &r);
            prop_assert_eq!(parsed.to_bytes(), wire);
            Ok(())
        })
        .unwrap();
}

#[test]
fn parsed_responses_survive_into_owned() {
    big_stack(parsed_responses_survive_into_owned_inner);
}

fn parsed_responses_survive_into_owned_inner() {
    SYNC_ONLY.set(true);
    runner()
        .run(&response(), |r| {
            let wire = r.to_bytes();
            let owned = parse::response(&wire, &Opts::STRICT).unwrap().into_owned();
            drop(wire);
            prop_assert_eq!(owned, r);
            Ok(())
        })
        .unwrap();
}

#[test]
fn command_round_trip() {
    big_stack(command_round_trip_inner);
}

fn command_round_trip_inner() {
    runner()
        .run(&command(), |c| {
            let mut e = Encoder::new();
            c.encode(&mut e);
            check_fragments(&e);
            let wire = e.into_bytes();
            let parsed = parse::command(&wire, &Opts::STRICT)
                .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&wire)));
            prop_assert_eq!(&parsed, &c);
            prop_assert_eq!(parsed.to_bytes(), wire);
            Ok(())
        })
        .unwrap();
}
