//! Message flags (RFC 9051 §2.3.2, §9 `flag`).

use super::core::Atom;

/// `flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" /
/// flag-keyword / flag-extension`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag<'a> {
    /// `\Answered`.
    Answered,
    /// `\Flagged`.
    Flagged,
    /// `\Deleted`.
    Deleted,
    /// `\Seen`.
    Seen,
    /// `\Draft`.
    Draft,
    /// `flag-keyword = "$MDNSent" / "$Forwarded" / ... / atom`.
    Keyword(Atom<'a>),
    /// `flag-extension = "\" atom`, the atom without the backslash.
    Extension(Atom<'a>),
}

impl<'a> Flag<'a> {
    /// Parses `\Seen`, `$Junk`, ... (system flags case-insensitively).
    pub fn new(s: &'a str) -> Result<Self, mailwire_core::Error> {
        Ok(match s.strip_prefix('\\') {
            Some(name) => match Flag::system(name.as_bytes()) {
                Some(f) => f,
                None => Flag::Extension(Atom::new(name)?),
            },
            None => Flag::Keyword(Atom::new(s)?),
        })
    }

    /// The system flag named `name` (without the backslash, any case).
    pub(crate) fn system(name: &[u8]) -> Option<Flag<'static>> {
        let is = |w: &[u8]| name.eq_ignore_ascii_case(w);
        // Dispatch on the length first: one comparison per name at most.
        Some(match name.len() {
            4 if is(b"Seen") => Flag::Seen,
            5 if is(b"Draft") => Flag::Draft,
            7 if is(b"Flagged") => Flag::Flagged,
            7 if is(b"Deleted") => Flag::Deleted,
            8 if is(b"Answered") => Flag::Answered,
            _ => return None,
        })
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> Flag<'static> {
        match self {
            Flag::Answered => Flag::Answered,
            Flag::Flagged => Flag::Flagged,
            Flag::Deleted => Flag::Deleted,
            Flag::Seen => Flag::Seen,
            Flag::Draft => Flag::Draft,
            Flag::Keyword(a) => Flag::Keyword(a.into_owned()),
            Flag::Extension(a) => Flag::Extension(a.into_owned()),
        }
    }
}

/// `flag-fetch = flag / "\Recent"` (the latter IMAP4rev1 only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlagFetch<'a> {
    /// A flag.
    Flag(Flag<'a>),
    /// `\Recent`.
    Recent,
}

impl FlagFetch<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> FlagFetch<'static> {
        match self {
            FlagFetch::Flag(f) => FlagFetch::Flag(f.into_owned()),
            FlagFetch::Recent => FlagFetch::Recent,
        }
    }
}

/// `flag-perm = flag / "\*"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlagPerm<'a> {
    /// A flag.
    Flag(Flag<'a>),
    /// `\*`: new keywords can be created.
    Any,
}

impl FlagPerm<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> FlagPerm<'static> {
        match self {
            FlagPerm::Flag(f) => FlagPerm::Flag(f.into_owned()),
            FlagPerm::Any => FlagPerm::Any,
        }
    }
}
