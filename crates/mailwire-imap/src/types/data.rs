//! Untagged response data (RFC 9051 §7.2 - §7.5 and extensions).

use super::core::{AString, Atom, IString, NString, Raw, SequenceSet};
use super::fetch::FetchItem;
use super::flag::Flag;
use super::mailbox::Mailbox;
use super::response::Capability;

/// Untagged data: `* ...` other than a status response.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Data<'a> {
    /// `CAPABILITY` (RFC 9051 §7.2.2).
    Capability(Vec<Capability<'a>>),
    /// `ENABLED` (RFC 5161).
    Enabled(Vec<Capability<'a>>),
    /// `LIST` (RFC 9051 §7.3.1, RFC 5258).
    List(ListItem<'a>),
    /// `LSUB` (IMAP4rev1).
    Lsub(ListItem<'a>),
    /// `STATUS` (RFC 9051 §7.3.2).
    Status {
        /// The mailbox.
        mailbox: Mailbox<'a>,
        /// The values.
        items: Vec<StatusItem<'a>>,
    },
    /// `SEARCH *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]`.
    Search {
        /// Matching numbers.
        nums: Vec<u32>,
        /// Highest mod-sequence (RFC 7162).
        modseq: Option<u64>,
    },
    /// `SORT` (RFC 5256), with the same shape as SEARCH.
    Sort {
        /// Numbers in order.
        nums: Vec<u32>,
        /// Highest mod-sequence (RFC 7162).
        modseq: Option<u64>,
    },
    /// `ESEARCH` (RFC 4731, RFC 9051 §7.3.4).
    ESearch(ESearch<'a>),
    /// `FLAGS` (RFC 9051 §7.3.5).
    Flags(Vec<Flag<'a>>),
    /// `n EXISTS`.
    Exists(u32),
    /// `n RECENT` (IMAP4rev1).
    Recent(u32),
    /// `n EXPUNGE`.
    Expunge(u32),
    /// `VANISHED [(EARLIER)] known-uids` (RFC 7162 §3.2.10).
    Vanished {
        /// `(EARLIER)`.
        earlier: bool,
        /// The UIDs.
        uids: SequenceSet,
    },
    /// `n FETCH (...)`.
    Fetch {
        /// Message sequence number.
        seq: u32,
        /// Items.
        items: Vec<FetchItem<'a>>,
    },
    /// `ID` (RFC 2971): NIL or field/value pairs.
    Id(Option<Vec<(IString<'a>, NString<'a>)>>),
    /// `NAMESPACE` (RFC 2342, RFC 9051 §7.3.6).
    Namespace {
        /// Personal namespaces.
        personal: Option<Vec<Namespace<'a>>>,
        /// Other users' namespaces.
        other: Option<Vec<Namespace<'a>>>,
        /// Shared namespaces.
        shared: Option<Vec<Namespace<'a>>>,
    },
    /// `QUOTA quota-root-name SP "(" quota-resource *(SP quota-resource) ")"`
    /// (RFC 9208).
    Quota {
        /// The quota root.
        root: AString<'a>,
        /// Usage and limits.
        resources: Vec<QuotaResource<'a>>,
    },
    /// `QUOTAROOT mailbox *(SP quota-root-name)` (RFC 9208).
    QuotaRoot {
        /// The mailbox.
        mailbox: Mailbox<'a>,
        /// Its quota roots.
        roots: Vec<AString<'a>>,
    },
    /// `METADATA mailbox (entry-values / entry-list)` (RFC 5464).
    Metadata {
        /// The mailbox (empty for server annotations).
        mailbox: Mailbox<'a>,
        /// Values or changed entries.
        entries: MetadataEntries<'a>,
    },
    /// `THREAD *(SP thread-list)` (RFC 5256).
    Thread(Vec<Thread>),
    /// An untagged response this crate does not know, kept whole: the line
    /// after `* ` (literals included, CRLF excluded).
    Unknown {
        /// The raw bytes.
        raw: Raw<'a>,
    },
}

/// `mailbox-list` (RFC 9051 §9, RFC 5258 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem<'a> {
    /// `mbx-list-flags`, backslash included (`\Noselect`, `\HasChildren`,
    /// `\Sent`, ...).
    pub attributes: Vec<MailboxAttr<'a>>,
    /// Hierarchy delimiter; `None` for NIL (flat).
    pub delimiter: Option<u8>,
    /// The mailbox.
    pub mailbox: Mailbox<'a>,
    /// `mbox-list-extended` items (`CHILDINFO`, `OLDNAME`, ...); `None` if
    /// absent.
    pub extended: Option<Vec<(AString<'a>, TaggedExtVal<'a>)>>,
}

/// A mailbox attribute: `"\" atom` (RFC 9051 §7.3.1, RFC 6154, RFC 5258).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MailboxAttr<'a>(pub Atom<'a>);

impl MailboxAttr<'_> {
    /// Whether this is the attribute `name` (given without the backslash),
    /// ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.0.eq_ignore_case(name)
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> MailboxAttr<'static> {
        MailboxAttr(self.0.into_owned())
    }
}

/// `tagged-ext-val = tagged-ext-simple / "(" [tagged-ext-comp] ")"`
/// (RFC 4466 §2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaggedExtVal<'a> {
    /// A number (`number64`).
    Number(u64),
    /// A sequence set.
    Set(SequenceSet),
    /// A parenthesized compound value.
    Comp(Vec<TaggedExtComp<'a>>),
}

/// `tagged-ext-comp = astring / tagged-ext-comp *(SP tagged-ext-comp) /
/// "(" tagged-ext-comp ")"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaggedExtComp<'a> {
    /// A string.
    AString(AString<'a>),
    /// A nested list.
    List(Vec<TaggedExtComp<'a>>),
}

/// `status-att-val` (RFC 9051 §9, RFC 7162, RFC 7889, RFC 8474).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusItem<'a> {
    /// `MESSAGES`.
    Messages(u32),
    /// `RECENT` (IMAP4rev1).
    Recent(u32),
    /// `UIDNEXT`.
    UidNext(u32),
    /// `UIDVALIDITY`.
    UidValidity(u32),
    /// `UNSEEN`.
    Unseen(u32),
    /// `DELETED`.
    Deleted(u32),
    /// `SIZE`.
    Size(u64),
    /// `HIGHESTMODSEQ` (RFC 7162).
    HighestModSeq(u64),
    /// `APPENDLIMIT` (RFC 7889); `None` for NIL.
    AppendLimit(Option<u64>),
    /// Another numeric attribute.
    Other {
        /// Its name.
        name: Atom<'a>,
        /// Its value.
        value: u64,
    },
}

/// `esearch-response` (RFC 4731, RFC 9051 §7.3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ESearch<'a> {
    /// `search-correlator = SP "(" "TAG" SP tag-string ")"`.
    pub tag: Option<AString<'a>>,
    /// Whether the numbers are UIDs.
    pub uid: bool,
    /// The results.
    pub items: Vec<ESearchItem<'a>>,
}

/// `search-return-data`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ESearchItem<'a> {
    /// `MIN`.
    Min(u32),
    /// `MAX`.
    Max(u32),
    /// `ALL`.
    All(SequenceSet),
    /// `COUNT`.
    Count(u32),
    /// `MODSEQ` (RFC 7162).
    ModSeq(u64),
    /// `search-ret-data-ext`.
    Other {
        /// Modifier name.
        name: Atom<'a>,
        /// Value.
        value: TaggedExtVal<'a>,
    },
}

/// `Namespace-Descr = "(" string SP (DQUOTE QUOTED-CHAR DQUOTE / nil)
/// [Namespace-Response-Extensions] ")"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace<'a> {
    /// Prefix.
    pub prefix: IString<'a>,
    /// Hierarchy delimiter.
    pub delimiter: Option<u8>,
    /// `Namespace-Response-Extension = SP string SP "(" string *(SP string) ")"`.
    pub extensions: Vec<(IString<'a>, Vec<IString<'a>>)>,
}

/// `quota-resource = resource-name SP resource-usage SP resource-limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaResource<'a> {
    /// `STORAGE`, `MESSAGE`, `MAILBOX`, `ANNOTATION-STORAGE`, ...
    pub name: Atom<'a>,
    /// Usage.
    pub usage: u64,
    /// Limit.
    pub limit: u64,
}

/// What a METADATA response carries (RFC 5464 §4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataEntries<'a> {
    /// `entry-values = "(" entry-value *(SP entry-value) ")"`.
    Values(Vec<(AString<'a>, NString<'a>)>),
    /// `entry-list = entry *(SP entry)`: entries that changed.
    List(Vec<AString<'a>>),
}

/// `thread-list = "(" (thread-members / thread-nested) ")"` (RFC 5256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// `thread-members`: a chain of messages, each a reply to the one
    /// before.
    pub members: Vec<u32>,
    /// `thread-nested`: branches after the chain (none, or at least two).
    pub children: Vec<Thread>,
}

fn own_caps(v: Vec<Capability<'_>>) -> Vec<Capability<'static>> {
    v.into_iter().map(Capability::into_owned).collect()
}

fn own_ext(v: TaggedExtVal<'_>) -> TaggedExtVal<'static> {
    fn comp(c: TaggedExtComp<'_>) -> TaggedExtComp<'static> {
        match c {
            TaggedExtComp::AString(a) => TaggedExtComp::AString(a.into_owned()),
            TaggedExtComp::List(v) => TaggedExtComp::List(v.into_iter().map(comp).collect()),
        }
    }
    match v {
        TaggedExtVal::Number(n) => TaggedExtVal::Number(n),
        TaggedExtVal::Set(s) => TaggedExtVal::Set(s),
        TaggedExtVal::Comp(v) => TaggedExtVal::Comp(v.into_iter().map(comp).collect()),
    }
}

fn own_ns(v: Option<Vec<Namespace<'_>>>) -> Option<Vec<Namespace<'static>>> {
    v.map(|v| {
        v.into_iter()
            .map(|n| Namespace {
                prefix: n.prefix.into_owned(),
                delimiter: n.delimiter,
                extensions: n
                    .extensions
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k.into_owned(),
                            v.into_iter().map(IString::into_owned).collect(),
                        )
                    })
                    .collect(),
            })
            .collect()
    })
}

impl ListItem<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> ListItem<'static> {
        ListItem {
            attributes: self
                .attributes
                .into_iter()
                .map(MailboxAttr::into_owned)
                .collect(),
            delimiter: self.delimiter,
            mailbox: self.mailbox.into_owned(),
            extended: self.extended.map(|v| {
                v.into_iter()
                    .map(|(k, v)| (k.into_owned(), own_ext(v)))
                    .collect()
            }),
        }
    }
}

impl Data<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Data<'static> {
        match self {
            Data::Capability(v) => Data::Capability(own_caps(v)),
            Data::Enabled(v) => Data::Enabled(own_caps(v)),
            Data::List(l) => Data::List(l.into_owned()),
            Data::Lsub(l) => Data::Lsub(l.into_owned()),
            Data::Status { mailbox, items } => Data::Status {
                mailbox: mailbox.into_owned(),
                items: items
                    .into_iter()
                    .map(|i| match i {
                        StatusItem::Messages(n) => StatusItem::Messages(n),
                        StatusItem::Recent(n) => StatusItem::Recent(n),
                        StatusItem::UidNext(n) => StatusItem::UidNext(n),
                        StatusItem::UidValidity(n) => StatusItem::UidValidity(n),
                        StatusItem::Unseen(n) => StatusItem::Unseen(n),
                        StatusItem::Deleted(n) => StatusItem::Deleted(n),
                        StatusItem::Size(n) => StatusItem::Size(n),
                        StatusItem::HighestModSeq(n) => StatusItem::HighestModSeq(n),
                        StatusItem::AppendLimit(n) => StatusItem::AppendLimit(n),
                        StatusItem::Other { name, value } => StatusItem::Other {
                            name: name.into_owned(),
                            value,
                        },
                    })
                    .collect(),
            },
            Data::Search { nums, modseq } => Data::Search { nums, modseq },
            Data::Sort { nums, modseq } => Data::Sort { nums, modseq },
            Data::ESearch(e) => Data::ESearch(ESearch {
                tag: e.tag.map(AString::into_owned),
                uid: e.uid,
                items: e
                    .items
                    .into_iter()
                    .map(|i| match i {
                        ESearchItem::Min(n) => ESearchItem::Min(n),
                        ESearchItem::Max(n) => ESearchItem::Max(n),
                        ESearchItem::All(s) => ESearchItem::All(s),
                        ESearchItem::Count(n) => ESearchItem::Count(n),
                        ESearchItem::ModSeq(n) => ESearchItem::ModSeq(n),
                        ESearchItem::Other { name, value } => ESearchItem::Other {
                            name: name.into_owned(),
                            value: own_ext(value),
                        },
                    })
                    .collect(),
            }),
            Data::Flags(v) => Data::Flags(v.into_iter().map(Flag::into_owned).collect()),
            Data::Exists(n) => Data::Exists(n),
            Data::Recent(n) => Data::Recent(n),
            Data::Expunge(n) => Data::Expunge(n),
            Data::Vanished { earlier, uids } => Data::Vanished { earlier, uids },
            Data::Fetch { seq, items } => Data::Fetch {
                seq,
                items: items.into_iter().map(FetchItem::into_owned).collect(),
            },
            Data::Id(v) => Data::Id(v.map(|v| {
                v.into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })),
            Data::Namespace {
                personal,
                other,
                shared,
            } => Data::Namespace {
                personal: own_ns(personal),
                other: own_ns(other),
                shared: own_ns(shared),
            },
            Data::Quota { root, resources } => Data::Quota {
                root: root.into_owned(),
                resources: resources
                    .into_iter()
                    .map(|r| QuotaResource {
                        name: r.name.into_owned(),
                        usage: r.usage,
                        limit: r.limit,
                    })
                    .collect(),
            },
            Data::QuotaRoot { mailbox, roots } => Data::QuotaRoot {
                mailbox: mailbox.into_owned(),
                roots: roots.into_iter().map(AString::into_owned).collect(),
            },
            Data::Metadata { mailbox, entries } => Data::Metadata {
                mailbox: mailbox.into_owned(),
                entries: match entries {
                    MetadataEntries::Values(v) => MetadataEntries::Values(
                        v.into_iter()
                            .map(|(k, v)| (k.into_owned(), v.into_owned()))
                            .collect(),
                    ),
                    MetadataEntries::List(v) => {
                        MetadataEntries::List(v.into_iter().map(AString::into_owned).collect())
                    }
                },
            },
            Data::Thread(t) => Data::Thread(t),
            Data::Unknown { raw } => Data::Unknown {
                raw: raw.into_owned(),
            },
        }
    }
}
