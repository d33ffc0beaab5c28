//! proptest strategies over the whole type space of mailwire-imap.

use std::num::NonZeroU32;

use mailwire_imap::types::body::*;
use mailwire_imap::types::core::*;
use mailwire_imap::types::data::*;
use mailwire_imap::types::fetch::*;
use mailwire_imap::types::flag::*;
use mailwire_imap::types::list::List;
use mailwire_imap::types::mailbox::Mailbox;
use mailwire_imap::types::response::*;
use proptest::prelude::*;
use proptest::strategy::Union;

pub fn atom() -> impl Strategy<Value = Atom<'static>> {
    "[A-Za-z0-9$_.-]{1,10}".prop_map(|s| Atom::new(s).unwrap())
}

/// An atom that is no keyword of the grammar.
pub fn x_atom() -> impl Strategy<Value = Atom<'static>> {
    "X[A-Z0-9-]{1,6}".prop_map(|s| Atom::new(s).unwrap())
}

pub fn tag() -> impl Strategy<Value = Tag<'static>> {
    "[A-Za-z0-9.]{1,8}".prop_map(|s| Tag::new(s).unwrap())
}

pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "[ -~]{0,12}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..24),
    ]
}

thread_local! {
    /// Servers always send `{n}`: response tests generate only those.
    pub static SYNC_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn literal() -> impl Strategy<Value = Literal<'static>> {
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

pub fn istring() -> impl Strategy<Value = IString<'static>> {
    prop_oneof![
        4 => bytes().prop_map(IString::new),
        1 => literal().prop_map(IString::Literal),
    ]
}

pub fn astring() -> impl Strategy<Value = AString<'static>> {
    prop_oneof![
        4 => bytes().prop_map(AString::new),
        1 => istring().prop_map(AString::String),
    ]
}

pub fn nstring() -> impl Strategy<Value = NString<'static>> {
    proptest::option::weighted(0.8, istring()).prop_map(NString)
}

pub fn mailbox() -> impl Strategy<Value = Mailbox<'static>> {
    prop_oneof![
        astring().prop_map(Mailbox::from_wire),
        Just(Mailbox::inbox())
    ]
}

pub fn flag() -> impl Strategy<Value = Flag<'static>> {
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

pub fn nz() -> impl Strategy<Value = u32> {
    1u32..
}

pub fn n64() -> impl Strategy<Value = u64> {
    0..=i64::MAX as u64
}

pub fn seq_no() -> impl Strategy<Value = SeqNo> {
    prop_oneof![
        4 => nz().prop_map(|n| SeqNo::Value(NonZeroU32::new(n).unwrap())),
        1 => Just(SeqNo::Largest),
    ]
}

pub fn seq_set() -> impl Strategy<Value = SequenceSet> {
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
pub fn range_set() -> impl Strategy<Value = SequenceSet> {
    (seq_no(), seq_no()).prop_map(|(a, b)| SequenceSet::new(vec![Sequence::Range(a, b)]).unwrap())
}

pub fn date() -> impl Strategy<Value = Date> {
    (1900u16..2100, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

pub fn date_time() -> impl Strategy<Value = DateTime> {
    (date(), 0u8..24, 0u8..60, 0u8..60, -900i16..900)
        .prop_map(|(d, h, m, s, z)| DateTime::new(d, h, m, s, z).unwrap())
}

/// Text that a parser cannot mistake for a code or base64.
pub fn text() -> impl Strategy<Value = Text<'static>> {
    "([a-zA-Z0-9][ -~]{0,15})?".prop_map(|s| Text::new(s).unwrap())
}

pub fn code() -> impl Strategy<Value = Code<'static>> {
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

pub fn status_response() -> impl Strategy<Value = StatusResponse<'static>> {
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

pub fn address() -> impl Strategy<Value = Address<'static>> {
    (nstring(), nstring(), nstring(), nstring()).prop_map(|(name, adl, mailbox, host)| Address {
        name,
        adl,
        mailbox,
        host,
    })
}

pub fn envelope() -> impl Strategy<Value = Envelope<'static>> {
    // Collected: a single address is held inline, like the parser does.
    let addrs = || {
        proptest::collection::vec(address(), 0..3).prop_map(|v| v.into_iter().collect::<List<_>>())
    };
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

pub fn params() -> impl Strategy<Value = Params<'static>> {
    // From a Vec: a single pair in the heap form, which must still compare
    // equal to the inline form the parser makes.
    proptest::collection::vec((istring(), istring()), 0..3).prop_map(List::from)
}

pub fn body_extension() -> impl Strategy<Value = BodyExtension<'static>> {
    let leaf = prop_oneof![
        nstring().prop_map(BodyExtension::NString),
        n64().prop_map(BodyExtension::Number),
    ];
    leaf.prop_recursive(2, 6, 3, |inner| {
        proptest::collection::vec(inner, 1..3).prop_map(BodyExtension::List)
    })
}

pub fn ext_tail() -> impl Strategy<Value = Option<ExtTail<'static>>> {
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

pub fn body_fields() -> impl Strategy<Value = BodyFields<'static>> {
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

pub fn single_ext() -> impl Strategy<Value = Option<SinglePartExt<'static>>> {
    proptest::option::of(
        (nstring(), ext_tail()).prop_map(|(md5, tail)| SinglePartExt { md5, tail }),
    )
}

pub fn body_structure() -> impl Strategy<Value = BodyStructure<'static>> {
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

pub fn section() -> impl Strategy<Value = Section<'static>> {
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

pub fn fetch_item() -> impl Strategy<Value = FetchItem<'static>> {
    prop_oneof![
        proptest::collection::vec(
            prop_oneof![flag().prop_map(FlagFetch::Flag), Just(FlagFetch::Recent)],
            0..4
        )
        .prop_map(|v| FetchItem::Flags(v.into())),
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

pub fn ext_val() -> impl Strategy<Value = TaggedExtVal<'static>> {
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

pub fn list_item() -> impl Strategy<Value = ListItem<'static>> {
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

pub fn namespaces() -> impl Strategy<Value = Option<Vec<Namespace<'static>>>> {
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

pub fn thread() -> impl Strategy<Value = Thread> {
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

pub fn status_item() -> impl Strategy<Value = StatusItem<'static>> {
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

pub fn data() -> impl Strategy<Value = Data<'static>> {
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

pub fn continue_req() -> impl Strategy<Value = Continue<'static>> {
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

pub fn response() -> impl Strategy<Value = Response<'static>> {
    prop_oneof![
        status_response().prop_map(Response::Status),
        data().prop_map(Response::Data),
        continue_req().prop_map(Response::Continue),
    ]
}
