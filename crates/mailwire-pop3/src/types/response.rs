//! Responses a server sends: status lines with extended response codes
//! (RFC 1939 §3, RFC 2449 §8, RFC 3206, RFC 6856 §5), SASL challenges
//! (RFC 5034 §4), and the lines of multi-line listings (RFC 1939 §5, §7;
//! RFC 6856 §3).

use std::fmt;

use mailwire_core::Error;

use super::atoms::{LangTag, MsgNum, Text, Uid};

/// The status indicator of a response (RFC 1939 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// `+OK`
    Ok,
    /// `-ERR`
    Err,
}

/// An extended response code (RFC 2449 §8), the part in brackets after
/// the status indicator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseCode {
    /// `[IN-USE]`: the maildrop is locked by another session (RFC 2449 §8.1.1).
    InUse,
    /// `[LOGIN-DELAY]`: logged in too recently (RFC 2449 §8.1.2).
    LoginDelay,
    /// `[SYS/TEMP]`: temporary system failure (RFC 3206 §4).
    SysTemp,
    /// `[SYS/PERM]`: permanent system failure (RFC 3206 §4).
    SysPerm,
    /// `[AUTH]`: the credentials were wrong (RFC 3206 §5).
    Auth,
    /// `[UTF8]`: the failure needs UTF-8 mode (RFC 6856 §5).
    Utf8,
    /// Any other code, kept as sent (levels joined by `/`).
    Other(String),
}

impl ResponseCode {
    /// Validates the text of a code (what stands between the brackets):
    /// levels of printable ASCII without `/`, `]` or space, joined by `/`.
    /// Known codes are recognised, case-insensitively.
    pub fn new(s: &str) -> Result<Self, Error> {
        let valid = !s.is_empty()
            && s.split('/').all(|level| {
                !level.is_empty()
                    && level
                        .bytes()
                        .all(|b| (0x21..=0x7e).contains(&b) && b != b']' && b != b'[')
            });
        if !valid {
            return Err(Error::local(
                "a response code is levels of printable ASCII without ']', '[' or space, joined by '/'",
            ));
        }
        Ok(match s.to_ascii_uppercase().as_str() {
            "IN-USE" => ResponseCode::InUse,
            "LOGIN-DELAY" => ResponseCode::LoginDelay,
            "SYS/TEMP" => ResponseCode::SysTemp,
            "SYS/PERM" => ResponseCode::SysPerm,
            "AUTH" => ResponseCode::Auth,
            "UTF8" => ResponseCode::Utf8,
            _ => ResponseCode::Other(s.to_owned()),
        })
    }

    /// The code as written between the brackets.
    pub fn as_str(&self) -> &str {
        match self {
            ResponseCode::InUse => "IN-USE",
            ResponseCode::LoginDelay => "LOGIN-DELAY",
            ResponseCode::SysTemp => "SYS/TEMP",
            ResponseCode::SysPerm => "SYS/PERM",
            ResponseCode::Auth => "AUTH",
            ResponseCode::Utf8 => "UTF8",
            ResponseCode::Other(s) => s,
        }
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A status line: `+OK` or `-ERR`, an optional response code, text.
///
/// Note: text that starts with something shaped like a code (`[X]`) and
/// has no code before it reads back as a code, as it would for any peer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Response {
    /// `+OK` or `-ERR`.
    pub status: Status,
    /// The extended response code, if any.
    pub code: Option<ResponseCode>,
    /// The human-readable text (may be empty).
    pub text: Text,
}

impl Response {
    /// A `+OK` response with text.
    pub fn ok(text: &str) -> Result<Self, Error> {
        Ok(Response {
            status: Status::Ok,
            code: None,
            text: Text::new(text)?,
        })
    }

    /// A `-ERR` response with text.
    pub fn err(text: &str) -> Result<Self, Error> {
        Ok(Response {
            status: Status::Err,
            code: None,
            text: Text::new(text)?,
        })
    }

    /// The same response with a code.
    pub fn with_code(mut self, code: ResponseCode) -> Self {
        self.code = Some(code);
        self
    }

    /// Whether the status is `+OK`.
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    /// A fixed response made of known-valid parts (internal use).
    pub(crate) fn fixed(status: Status, code: Option<ResponseCode>, text: &'static str) -> Self {
        debug_assert!(Text::new(text).is_ok());
        Response {
            status,
            code,
            text: Text::new(text).unwrap_or_default(),
        }
    }
}

/// A SASL challenge: `+` SP base64 (RFC 5034 §4), held decoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Challenge(pub Vec<u8>);

impl fmt::Debug for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Challenge(<{} bytes>)", self.0.len())
    }
}

/// The drop listing of `STAT` (RFC 1939 §5): `+OK count size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DropListing {
    /// Number of messages not marked deleted.
    pub count: u32,
    /// Their total size in octets.
    pub size: u64,
}

/// A scan listing (RFC 1939 §5 LIST): `msg size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScanListing {
    /// The message number.
    pub msg: MsgNum,
    /// The exact size in octets.
    pub size: u64,
}

/// A unique-id listing (RFC 1939 §7 UIDL): `msg uid`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UidListing {
    /// The message number.
    pub msg: MsgNum,
    /// The unique-id.
    pub uid: Uid,
}

/// A language listing (RFC 6856 §3.2): `tag [SP description]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LangListing {
    /// The language tag.
    pub tag: LangTag,
    /// The description, in the language itself (may be empty).
    pub description: Text,
}
