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
    #[inline]
    pub(crate) fn system(name: &[u8]) -> Option<Flag<'static>> {
        // The names are letters only, at most 8 of them: clearing bit 5 of
        // each byte maps exactly the two cases of a letter to one value, so
        // the name compares as one folded 64-bit number (with its length).
        const fn key(s: &[u8]) -> u64 {
            let mut k = 0u64;
            let mut n = 0;
            while n < s.len() {
                k |= (s[n] as u64) << (8 * n);
                n += 1;
            }
            k & !0x2020_2020_2020_2020
        }
        if name.len() > 8 {
            return None;
        }
        let mut k = 0u64;
        for (n, &b) in name.iter().enumerate() {
            k |= u64::from(b) << (8 * n);
        }
        let k = k & !0x2020_2020_2020_2020;
        const SEEN: u64 = key(b"Seen");
        const DRAFT: u64 = key(b"Draft");
        const FLAGGED: u64 = key(b"Flagged");
        const DELETED: u64 = key(b"Deleted");
        const ANSWERED: u64 = key(b"Answered");
        Some(match (name.len(), k) {
            (4, SEEN) => Flag::Seen,
            (5, DRAFT) => Flag::Draft,
            (7, FLAGGED) => Flag::Flagged,
            (7, DELETED) => Flag::Deleted,
            (8, ANSWERED) => Flag::Answered,
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

#[cfg(test)]
mod tests {
    use super::Flag;

    /// The folded comparison finds exactly the names equal ignoring ASCII
    /// case, not names that differ in bit 5 of a non-letter byte or in length.
    #[test]
    fn system_flags_ignore_case_only() {
        let names = [
            ("Seen", Some(Flag::Seen)),
            ("sEEN", Some(Flag::Seen)),
            ("Seen ", None),
            ("See", None),
            ("Se\u{5}n", None),
            ("DRAFT", Some(Flag::Draft)),
            ("flagged", Some(Flag::Flagged)),
            ("Deleted", Some(Flag::Deleted)),
            ("ANSWERED", Some(Flag::Answered)),
            ("Answered1", None),
            ("Answere\u{4}", None),
            ("Recent", None),
            ("", None),
        ];
        for (name, want) in names {
            assert_eq!(Flag::system(name.as_bytes()), want, "{name:?}");
        }
    }
}
