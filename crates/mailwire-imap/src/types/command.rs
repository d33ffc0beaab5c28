//! Client commands (RFC 9051 §6, RFC 3501 §6 and extensions).

use std::borrow::Cow;
use std::num::NonZeroU32;

use super::core::{AString, Atom, DateTime, IString, Literal, NString, SequenceSet, Tag};
use super::data::MailboxAttr;
use super::fetch::Section;
use super::flag::Flag;
use super::mailbox::Mailbox;
use super::search::SearchKey;

/// `command = tag SP (command-any / command-auth / command-nonauth /
/// command-select) CRLF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    /// The tag.
    pub tag: Tag<'a>,
    /// What is asked.
    pub body: CommandBody<'a>,
}

/// A line the client sends in an AUTHENTICATE exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthenticateData<'a> {
    /// A base64 response (possibly empty).
    Response(Cow<'a, str>),
    /// `*`: the client cancels.
    Cancel,
}

/// The command proper.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandBody<'a> {
    /// `CAPABILITY`.
    Capability,
    /// `NOOP`.
    Noop,
    /// `LOGOUT`.
    Logout,
    /// `STARTTLS`.
    StartTls,
    /// `AUTHENTICATE SP auth-type [SP (base64 / "=")]` (RFC 4959 SASL-IR).
    Authenticate {
        /// Mechanism name.
        mechanism: Atom<'a>,
        /// Initial response, base64 (`Some("")` is sent as `=`).
        initial: Option<Cow<'a, str>>,
    },
    /// `LOGIN SP userid SP password`.
    Login {
        /// User name.
        username: AString<'a>,
        /// Password.
        password: AString<'a>,
    },
    /// `ENABLE 1*(SP capability)` (RFC 5161).
    Enable(Vec<Atom<'a>>),
    /// `SELECT SP mailbox [select-params]`.
    Select {
        /// Mailbox.
        mailbox: Mailbox<'a>,
        /// CONDSTORE / QRESYNC parameters.
        params: Vec<SelectParam>,
    },
    /// `EXAMINE SP mailbox [select-params]`.
    Examine {
        /// Mailbox.
        mailbox: Mailbox<'a>,
        /// CONDSTORE / QRESYNC parameters.
        params: Vec<SelectParam>,
    },
    /// `CREATE SP mailbox [SP "(" "USE" SP "(" use-attrs ")" ")"]` (RFC 6154).
    Create {
        /// Mailbox.
        mailbox: Mailbox<'a>,
        /// Special-use attributes to give it (empty: none).
        special_use: Vec<MailboxAttr<'a>>,
    },
    /// `DELETE SP mailbox`.
    Delete(Mailbox<'a>),
    /// `RENAME SP mailbox SP mailbox`.
    Rename {
        /// Old name.
        from: Mailbox<'a>,
        /// New name.
        to: Mailbox<'a>,
    },
    /// `SUBSCRIBE SP mailbox`.
    Subscribe(Mailbox<'a>),
    /// `UNSUBSCRIBE SP mailbox`.
    Unsubscribe(Mailbox<'a>),
    /// `LIST [SP list-select-opts] SP mailbox SP mbox-or-pat
    /// [SP list-return-opts]` (RFC 5258).
    List {
        /// Selection options (`SUBSCRIBED`, `REMOTE`, `RECURSIVEMATCH`,
        /// `SPECIAL-USE`); `None` if absent.
        selection: Option<Vec<Atom<'a>>>,
        /// Reference name.
        reference: Mailbox<'a>,
        /// Patterns (one is written without parentheses).
        patterns: Vec<ListMailbox<'a>>,
        /// Return options; `None` if absent.
        return_opts: Option<Vec<ListReturn<'a>>>,
    },
    /// `LSUB SP mailbox SP list-mailbox`.
    Lsub {
        /// Reference name.
        reference: Mailbox<'a>,
        /// Pattern.
        pattern: ListMailbox<'a>,
    },
    /// `NAMESPACE`.
    Namespace,
    /// `STATUS SP mailbox SP "(" status-att *(SP status-att) ")"`.
    Status {
        /// Mailbox.
        mailbox: Mailbox<'a>,
        /// Attributes.
        items: Vec<StatusAttr<'a>>,
    },
    /// `APPEND SP mailbox [SP flag-list] [SP date-time] SP append-data`.
    Append {
        /// Mailbox.
        mailbox: Mailbox<'a>,
        /// Flags (empty: none sent).
        flags: Vec<Flag<'a>>,
        /// Internal date.
        date: Option<DateTime>,
        /// The message.
        message: AppendData<'a>,
    },
    /// `IDLE` (RFC 2177).
    Idle,
    /// `CHECK` (IMAP4rev1).
    Check,
    /// `CLOSE`.
    Close,
    /// `UNSELECT` (RFC 3691).
    Unselect,
    /// `EXPUNGE`.
    Expunge,
    /// `UID EXPUNGE SP uid-set` (RFC 4315).
    UidExpunge(SequenceSet),
    /// `[UID] SEARCH [search-return-opts] SP search-program`.
    Search {
        /// UID SEARCH.
        uid: bool,
        /// `RETURN (...)` options (RFC 4731); `None` if absent.
        return_opts: Option<Vec<SearchReturn<'a>>>,
        /// `CHARSET`.
        charset: Option<AString<'a>>,
        /// Criteria, all of which must match.
        criteria: Vec<SearchKey<'a>>,
    },
    /// `[UID] FETCH SP sequence-set SP fetch-atts [fetch-modifiers]`.
    Fetch {
        /// UID FETCH.
        uid: bool,
        /// Messages.
        set: SequenceSet,
        /// What to fetch.
        attrs: FetchAttrs<'a>,
        /// `CHANGEDSINCE` / `VANISHED` (RFC 7162).
        modifiers: Vec<FetchModifier>,
    },
    /// `[UID] STORE SP sequence-set [store-modifiers] SP store-att-flags`.
    Store {
        /// UID STORE.
        uid: bool,
        /// Messages.
        set: SequenceSet,
        /// Replace, add or remove.
        kind: StoreKind,
        /// `.SILENT`.
        silent: bool,
        /// The flags.
        flags: Vec<Flag<'a>>,
        /// `UNCHANGEDSINCE` (RFC 7162).
        unchanged_since: Option<u64>,
    },
    /// `[UID] COPY SP sequence-set SP mailbox`.
    Copy {
        /// UID COPY.
        uid: bool,
        /// Messages.
        set: SequenceSet,
        /// Destination.
        mailbox: Mailbox<'a>,
    },
    /// `[UID] MOVE SP sequence-set SP mailbox` (RFC 6851).
    Move {
        /// UID MOVE.
        uid: bool,
        /// Messages.
        set: SequenceSet,
        /// Destination.
        mailbox: Mailbox<'a>,
    },
    /// `ID SP id-params-list` (RFC 2971).
    Id(Option<Vec<(IString<'a>, NString<'a>)>>),
    /// `COMPRESS SP algorithm` (RFC 4978).
    Compress(Atom<'a>),
    /// `GETQUOTA SP quota-root-name` (RFC 9208).
    GetQuota(AString<'a>),
    /// `GETQUOTAROOT SP mailbox` (RFC 9208).
    GetQuotaRoot(Mailbox<'a>),
    /// `SETQUOTA SP quota-root-name SP setquota-list` (RFC 9208).
    SetQuota {
        /// Quota root.
        root: AString<'a>,
        /// Resource names and limits.
        limits: Vec<(Atom<'a>, u64)>,
    },
    /// `GETMETADATA [SP getmetadata-options] SP mailbox SP getmetadata-entries`
    /// (RFC 5464).
    GetMetadata {
        /// `MAXSIZE` / `DEPTH` options.
        options: Vec<MetadataOption>,
        /// Mailbox (empty for server entries).
        mailbox: Mailbox<'a>,
        /// Entry names (one is written without parentheses).
        entries: Vec<AString<'a>>,
    },
    /// `SETMETADATA SP mailbox SP "(" entry-value *(SP entry-value) ")"`.
    SetMetadata {
        /// Mailbox.
        mailbox: Mailbox<'a>,
        /// Entries and values (NIL removes).
        entries: Vec<(AString<'a>, NString<'a>)>,
    },
    /// `[UID] SORT SP sort-criteria SP search-criteria` (RFC 5256).
    Sort {
        /// UID SORT.
        uid: bool,
        /// `RETURN (...)` options (RFC 5267 ESORT); `None` if absent.
        return_opts: Option<Vec<SearchReturn<'a>>>,
        /// Sort keys.
        criteria: Vec<SortCriterion<'a>>,
        /// Charset.
        charset: AString<'a>,
        /// Search criteria.
        search: Vec<SearchKey<'a>>,
    },
    /// `[UID] THREAD SP thread-alg SP search-criteria` (RFC 5256).
    Thread {
        /// UID THREAD.
        uid: bool,
        /// `ORDEREDSUBJECT`, `REFERENCES`, ...
        algorithm: Atom<'a>,
        /// Charset.
        charset: AString<'a>,
        /// Search criteria.
        search: Vec<SearchKey<'a>>,
    },
}

/// `select-param` (RFC 7162).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectParam {
    /// `CONDSTORE`.
    CondStore,
    /// `QRESYNC SP "(" uidvalidity SP mod-sequence-value [SP known-uids]
    /// [SP seq-match-data] ")"`.
    QResync {
        /// Last known UIDVALIDITY.
        uid_validity: NonZeroU32,
        /// Last known mod-sequence.
        mod_seq: u64,
        /// Known UIDs.
        known_uids: Option<SequenceSet>,
        /// `seq-match-data = "(" known-sequence-set SP known-uid-set ")"`.
        seq_match: Option<(SequenceSet, SequenceSet)>,
    },
}

/// `list-mailbox = 1*list-char / string`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListMailbox<'a> {
    /// The atom form, which may hold `%`, `*` and `]`.
    Token(Cow<'a, str>),
    /// A string.
    String(IString<'a>),
}

impl<'a> ListMailbox<'a> {
    /// The shortest valid form for `pattern`.
    pub fn new(pattern: &'a str) -> Self {
        if !pattern.is_empty() && pattern.bytes().all(super::chars::is_list_char) {
            ListMailbox::Token(Cow::Borrowed(pattern))
        } else {
            ListMailbox::String(IString::new(pattern.as_bytes()))
        }
    }

    /// The pattern.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ListMailbox::Token(t) => t.as_bytes(),
            ListMailbox::String(s) => s.as_bytes(),
        }
    }
}

/// `return-option` of LIST (RFC 5258, RFC 5819, RFC 6154).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListReturn<'a> {
    /// `SUBSCRIBED`.
    Subscribed,
    /// `CHILDREN`.
    Children,
    /// `SPECIAL-USE`.
    SpecialUse,
    /// `STATUS SP "(" status-att *(SP status-att) ")"` (RFC 5819).
    Status(Vec<StatusAttr<'a>>),
    /// Another option (without arguments).
    Other(Atom<'a>),
}

/// `status-att`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusAttr<'a> {
    /// `MESSAGES`.
    Messages,
    /// `RECENT`.
    Recent,
    /// `UIDNEXT`.
    UidNext,
    /// `UIDVALIDITY`.
    UidValidity,
    /// `UNSEEN`.
    Unseen,
    /// `DELETED`.
    Deleted,
    /// `SIZE`.
    Size,
    /// `HIGHESTMODSEQ`.
    HighestModSeq,
    /// `APPENDLIMIT`.
    AppendLimit,
    /// Another attribute.
    Other(Atom<'a>),
}

/// `append-data = literal / literal8 / "UTF8" SP "(" literal8 ")"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendData<'a> {
    /// The message as a literal or literal8.
    Literal(Literal<'a>),
    /// `UTF8 (~{n}...)` (RFC 6855).
    Utf8(Literal<'a>),
}

/// `search-return-opt` (RFC 4731, RFC 5182).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchReturn<'a> {
    /// `MIN`.
    Min,
    /// `MAX`.
    Max,
    /// `ALL`.
    All,
    /// `COUNT`.
    Count,
    /// `SAVE`.
    Save,
    /// Another option (without arguments).
    Other(Atom<'a>),
}

/// `fetch-att` list or macro.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAttrs<'a> {
    /// `ALL` = `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)`.
    All,
    /// `FAST` = `(FLAGS INTERNALDATE RFC822.SIZE)`.
    Fast,
    /// `FULL` = `(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)`.
    Full,
    /// One attribute without parentheses.
    Single(FetchAttr<'a>),
    /// `"(" fetch-att *(SP fetch-att) ")"` (should not be empty).
    List(Vec<FetchAttr<'a>>),
}

/// `fetch-att` (RFC 9051 §6.4.5, RFC 3516, RFC 7162).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAttr<'a> {
    /// `ENVELOPE`.
    Envelope,
    /// `FLAGS`.
    Flags,
    /// `INTERNALDATE`.
    InternalDate,
    /// `RFC822`.
    Rfc822,
    /// `RFC822.HEADER`.
    Rfc822Header,
    /// `RFC822.SIZE`.
    Rfc822Size,
    /// `RFC822.TEXT`.
    Rfc822Text,
    /// `BODY`.
    Body,
    /// `BODYSTRUCTURE`.
    BodyStructure,
    /// `UID`.
    Uid,
    /// `MODSEQ`.
    ModSeq,
    /// `BODY[section]<partial>` / `BODY.PEEK[...]`.
    BodySection {
        /// `.PEEK`.
        peek: bool,
        /// Section.
        section: Section<'a>,
        /// `<offset.length>`.
        partial: Option<(u32, NonZeroU32)>,
    },
    /// `BINARY[part]<partial>` / `BINARY.PEEK[...]`.
    Binary {
        /// `.PEEK`.
        peek: bool,
        /// Part numbers.
        section: Vec<u32>,
        /// `<offset.length>`.
        partial: Option<(u32, NonZeroU32)>,
    },
    /// `BINARY.SIZE[part]`.
    BinarySize(Vec<u32>),
    /// Another attribute without arguments (`X-GM-MSGID`, `EMAILID`, ...).
    Other(Atom<'a>),
}

/// `fetch-modifier` (RFC 7162).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchModifier {
    /// `CHANGEDSINCE SP mod-sequence-value`.
    ChangedSince(u64),
    /// `VANISHED`.
    Vanished,
}

/// `["+" / "-"] "FLAGS"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`: add.
    Add,
    /// `-FLAGS`: remove.
    Remove,
}

/// `getmetadata-option` (RFC 5464).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetadataOption {
    /// `MAXSIZE SP number`.
    MaxSize(u32),
    /// `DEPTH SP ("0" / "1" / "infinity")`; `None` is infinity.
    Depth(Option<u8>),
}

/// `sort-criterion = ["REVERSE" SP] sort-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortCriterion<'a> {
    /// `REVERSE`.
    pub reverse: bool,
    /// `ARRIVAL`, `CC`, `DATE`, `FROM`, `SIZE`, `SUBJECT`, `TO`,
    /// `DISPLAYFROM`, `DISPLAYTO`, ...
    pub key: Atom<'a>,
}
