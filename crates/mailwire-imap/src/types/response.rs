//! Server responses (RFC 9051 §7): status responses with their codes,
//! untagged data, and continuation requests.

use std::borrow::Cow;

use super::core::SequenceSet;
use super::core::{AString, Atom, Tag, Text};
use super::data::Data;
use super::flag::FlagPerm;

/// One server response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response<'a> {
    /// A tagged or untagged status response (OK, NO, BAD, PREAUTH, BYE).
    Status(StatusResponse<'a>),
    /// Untagged data (`* ...`).
    Data(Data<'a>),
    /// A continuation request (`+ ...`).
    Continue(Continue<'a>),
}

impl Response<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Response<'static> {
        match self {
            Response::Status(s) => Response::Status(s.into_owned()),
            Response::Data(d) => Response::Data(d.into_owned()),
            Response::Continue(c) => Response::Continue(c.into_owned()),
        }
    }
}

/// The status of a status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// `OK`.
    Ok,
    /// `NO`.
    No,
    /// `BAD`.
    Bad,
    /// `PREAUTH` (untagged greeting only).
    PreAuth,
    /// `BYE` (untagged only).
    Bye,
}

impl Status {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::No => "NO",
            Status::Bad => "BAD",
            Status::PreAuth => "PREAUTH",
            Status::Bye => "BYE",
        }
    }
}

/// `response-tagged` / `resp-cond-state` / `resp-cond-bye` /
/// `resp-cond-auth`: `[tag / "*"] SP status SP resp-text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusResponse<'a> {
    /// The tag; `None` for untagged (`*`).
    pub tag: Option<Tag<'a>>,
    /// The status.
    pub status: Status,
    /// The response code in brackets, if any.
    pub code: Option<Code<'a>>,
    /// The human-readable text.
    pub text: Text<'a>,
}

impl StatusResponse<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> StatusResponse<'static> {
        StatusResponse {
            tag: self.tag.map(Tag::into_owned),
            status: self.status,
            code: self.code.map(Code::into_owned),
            text: self.text.into_owned(),
        }
    }
}

/// `continue-req = "+" SP (resp-text / base64) CRLF`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Continue<'a> {
    /// Free text, perhaps with a code.
    Text {
        /// Code, if any.
        code: Option<Code<'a>>,
        /// Text.
        text: Text<'a>,
    },
    /// A SASL challenge, still base64-encoded (possibly empty).
    Base64(Cow<'a, str>),
}

impl Continue<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Continue<'static> {
        match self {
            Continue::Text { code, text } => Continue::Text {
                code: code.map(Code::into_owned),
                text: text.into_owned(),
            },
            Continue::Base64(s) => Continue::Base64(Cow::Owned(s.into_owned())),
        }
    }
}

/// A capability name (`capability = ("AUTH=" auth-type) / atom`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Capability<'a>(pub Atom<'a>);

impl<'a> Capability<'a> {
    /// Whether this is `name`, ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.0.eq_ignore_case(name)
    }

    /// The SASL mechanism of an `AUTH=` capability.
    pub fn auth_mechanism(&self) -> Option<&str> {
        let s = self.0.as_str();
        (s.len() > 5 && s[..5].eq_ignore_ascii_case("AUTH=")).then(|| &s[5..])
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> Capability<'static> {
        Capability(self.0.into_owned())
    }
}

/// `resp-text-code` (RFC 9051 §7.1, RFC 5530, RFC 4315, RFC 7162 and
/// others).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Code<'a> {
    /// `ALERT`.
    Alert,
    /// `BADCHARSET [SP "(" charset *(SP charset) ")"]`.
    BadCharset(Vec<AString<'a>>),
    /// `capability-data`.
    Capability(Vec<Capability<'a>>),
    /// `PARSE`.
    Parse,
    /// `PERMANENTFLAGS SP "(" [flag-perm *(SP flag-perm)] ")"`.
    PermanentFlags(Vec<FlagPerm<'a>>),
    /// `READ-ONLY`.
    ReadOnly,
    /// `READ-WRITE`.
    ReadWrite,
    /// `TRYCREATE`.
    TryCreate,
    /// `UIDNEXT SP nz-number`.
    UidNext(u32),
    /// `UIDVALIDITY SP nz-number`.
    UidValidity(u32),
    /// `UNSEEN SP nz-number` (IMAP4rev1).
    Unseen(u32),
    /// `APPENDUID SP nz-number SP append-uid` (RFC 4315).
    AppendUid {
        /// UIDVALIDITY of the destination.
        uid_validity: u32,
        /// The new UIDs (`uid-set` when MULTIAPPEND).
        uids: SequenceSet,
    },
    /// `COPYUID SP nz-number SP uid-set SP uid-set` (RFC 4315).
    CopyUid {
        /// UIDVALIDITY of the destination.
        uid_validity: u32,
        /// Source UIDs.
        source: SequenceSet,
        /// Destination UIDs.
        destination: SequenceSet,
    },
    /// `UIDNOTSTICKY`.
    UidNotSticky,
    /// `HIGHESTMODSEQ SP mod-sequence-value` (RFC 7162).
    HighestModSeq(u64),
    /// `NOMODSEQ` (RFC 7162).
    NoModSeq,
    /// `MODIFIED SP sequence-set` (RFC 7162).
    Modified(SequenceSet),
    /// `CLOSED` (RFC 7162).
    Closed,
    /// `METADATA LONGENTRIES number` / `MAXSIZE` / `TOOMANY` / `NOPRIVATE`
    /// (RFC 5464), kept as the words after `METADATA`.
    Metadata(Vec<Atom<'a>>),
    /// A code without arguments from RFC 5530 / RFC 9051 (`ALREADYEXISTS`,
    /// `NONEXISTENT`, `AUTHENTICATIONFAILED`, ...): see [`SimpleCode`].
    Simple(SimpleCode),
    /// Any other code: `atom [SP 1*<any TEXT-CHAR except "]">]`.
    Other {
        /// The code name.
        name: Atom<'a>,
        /// Its arguments, as text.
        args: Option<Cow<'a, str>>,
    },
}

impl Code<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Code<'static> {
        match self {
            Code::Alert => Code::Alert,
            Code::BadCharset(v) => {
                Code::BadCharset(v.into_iter().map(AString::into_owned).collect())
            }
            Code::Capability(v) => {
                Code::Capability(v.into_iter().map(Capability::into_owned).collect())
            }
            Code::Parse => Code::Parse,
            Code::PermanentFlags(v) => {
                Code::PermanentFlags(v.into_iter().map(FlagPerm::into_owned).collect())
            }
            Code::ReadOnly => Code::ReadOnly,
            Code::ReadWrite => Code::ReadWrite,
            Code::TryCreate => Code::TryCreate,
            Code::UidNext(n) => Code::UidNext(n),
            Code::UidValidity(n) => Code::UidValidity(n),
            Code::Unseen(n) => Code::Unseen(n),
            Code::AppendUid { uid_validity, uids } => Code::AppendUid { uid_validity, uids },
            Code::CopyUid {
                uid_validity,
                source,
                destination,
            } => Code::CopyUid {
                uid_validity,
                source,
                destination,
            },
            Code::UidNotSticky => Code::UidNotSticky,
            Code::HighestModSeq(n) => Code::HighestModSeq(n),
            Code::NoModSeq => Code::NoModSeq,
            Code::Modified(s) => Code::Modified(s),
            Code::Closed => Code::Closed,
            Code::Metadata(v) => Code::Metadata(v.into_iter().map(Atom::into_owned).collect()),
            Code::Simple(s) => Code::Simple(s),
            Code::Other { name, args } => Code::Other {
                name: name.into_owned(),
                args: args.map(|a| Cow::Owned(a.into_owned())),
            },
        }
    }
}

macro_rules! simple_codes {
    ($($variant:ident = $text:literal),* $(,)?) => {
        /// Response codes without arguments of RFC 5530, RFC 9051 §7.1 and
        /// others.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum SimpleCode {
            $(#[doc = concat!("`", $text, "`")] $variant,)*
        }

        impl SimpleCode {
            /// The code's name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(SimpleCode::$variant => $text,)*
                }
            }

            /// The code named `name`, ignoring case.
            pub fn from_name(name: &[u8]) -> Option<Self> {
                $(if name.eq_ignore_ascii_case($text.as_bytes()) {
                    return Some(SimpleCode::$variant);
                })*
                None
            }
        }
    };
}

simple_codes! {
    AlreadyExists = "ALREADYEXISTS",
    AuthenticationFailed = "AUTHENTICATIONFAILED",
    AuthorizationFailed = "AUTHORIZATIONFAILED",
    CannotDo = "CANNOT",
    ClientBug = "CLIENTBUG",
    ContactAdmin = "CONTACTADMIN",
    Corruption = "CORRUPTION",
    Expired = "EXPIRED",
    ExpungeIssued = "EXPUNGEISSUED",
    HasChildren = "HASCHILDREN",
    InUse = "INUSE",
    Limit = "LIMIT",
    Nonexistent = "NONEXISTENT",
    NoPerm = "NOPERM",
    NotSaved = "NOTSAVED",
    OverQuota = "OVERQUOTA",
    PrivacyRequired = "PRIVACYREQUIRED",
    ServerBug = "SERVERBUG",
    Unavailable = "UNAVAILABLE",
    UnknownCte = "UNKNOWN-CTE",
    CompressionActive = "COMPRESSIONACTIVE",
    TooBig = "TOOBIG",
    UseAttr = "USEATTR",
    NotificationOverflow = "NOTIFICATIONOVERFLOW",
}
