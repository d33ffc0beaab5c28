//! The basic values of the grammar (RFC 9051 §4): atoms, strings, numbers,
//! tags, dates and sequence sets. Constructors validate, so a value that
//! exists can always be encoded without breaking the line structure.

use std::borrow::Cow;
use std::num::NonZeroU32;

use mailwire_core::Error;

use super::chars::{is_astring_char, is_atom_char, is_quoted_char, is_tag_char, is_text_char};

fn owned_str(c: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(c.into_owned())
}

fn owned_bytes(c: Cow<'_, [u8]>) -> Cow<'static, [u8]> {
    Cow::Owned(c.into_owned())
}

macro_rules! str_newtype {
    ($(#[$doc:meta])* $name:ident, $check:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name<'a>(Cow<'a, str>);

        impl<'a> $name<'a> {
            /// Validates `s`.
            pub fn new(s: impl Into<Cow<'a, str>>) -> Result<Self, Error> {
                let s = s.into();
                let check: fn(&str) -> bool = $check;
                if check(&s) {
                    Ok($name(s))
                } else {
                    Err(Error::local(concat!("not a valid ", $what)))
                }
            }

            /// Wraps a string the parser already checked.
            #[allow(dead_code)]
            pub(crate) fn unchecked(s: &'a str) -> Self {
                $name(Cow::Borrowed(s))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// A copy that owns its text.
            pub fn into_owned(self) -> $name<'static> {
                $name(owned_str(self.0))
            }
        }

        impl<'a> TryFrom<&'a str> for $name<'a> {
            type Error = Error;
            fn try_from(s: &'a str) -> Result<Self, Error> {
                $name::new(s)
            }
        }

        impl TryFrom<String> for $name<'static> {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                $name::new(s)
            }
        }

        impl std::fmt::Display for $name<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

str_newtype!(
    /// `atom = 1*ATOM-CHAR` (RFC 9051 §9).
    Atom,
    |s| !s.is_empty() && s.bytes().all(is_atom_char),
    "atom"
);

str_newtype!(
    /// `1*ASTRING-CHAR`: the atom form of an `astring`, which may contain `]`.
    AtomExt,
    |s| !s.is_empty() && s.bytes().all(is_astring_char),
    "astring atom"
);

str_newtype!(
    /// `tag = 1*<any ASTRING-CHAR except "+">` (RFC 9051 §9).
    Tag,
    |s| !s.is_empty() && s.bytes().all(is_tag_char),
    "tag"
);

str_newtype!(
    /// `text = 1*TEXT-CHAR`: human-readable text; never CR, LF or NUL.
    /// (Empty text is allowed here; the encoder then writes nothing.)
    Text,
    |s| s.bytes().all(is_text_char),
    "text"
);

impl Text<'static> {
    /// Empty text.
    pub fn empty() -> Self {
        Text(Cow::Borrowed(""))
    }
}

impl<'a> Text<'a> {
    pub(crate) fn from_cow_unchecked(s: Cow<'a, str>) -> Self {
        Text(s)
    }
}

impl<'a> Atom<'a> {
    /// Whether the atom equals `other`, ignoring ASCII case (as IMAP
    /// keywords compare).
    pub fn eq_ignore_case(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }
}

/// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`, holding the unescaped content.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Quoted<'a>(Cow<'a, [u8]>);

impl<'a> Quoted<'a> {
    /// Validates `data`: no NUL, CR or LF.
    pub fn new(data: impl Into<Cow<'a, [u8]>>) -> Result<Self, Error> {
        let data = data.into();
        if data.iter().all(|&b| is_quoted_char(b)) {
            Ok(Quoted(data))
        } else {
            Err(Error::local("a quoted string cannot hold NUL, CR or LF"))
        }
    }

    pub(crate) fn unchecked(data: Cow<'a, [u8]>) -> Self {
        Quoted(data)
    }

    /// The unescaped content.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A copy that owns its content.
    pub fn into_owned(self) -> Quoted<'static> {
        Quoted(owned_bytes(self.0))
    }
}

/// How a literal is sent (RFC 9051 §4.3, RFC 7888, RFC 3516).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LiteralMode {
    /// `{n}`: a client waits for the server's `+` before the data.
    Sync,
    /// `{n+}`: LITERAL+ / LITERAL-; the data follows at once.
    NonSync,
}

/// `literal = "{" number64 ["+"] "}" CRLF *CHAR8`, or with `binary`
/// `literal8 = "~{" number64 "}" CRLF *OCTET`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Literal<'a> {
    data: Cow<'a, [u8]>,
    mode: LiteralMode,
    binary: bool,
}

impl<'a> Literal<'a> {
    /// A synchronizing literal; `data` must not contain NUL (use
    /// [`binary`](Self::binary) for that).
    pub fn new(data: impl Into<Cow<'a, [u8]>>) -> Result<Self, Error> {
        let data = data.into();
        if memchr::memchr(0, &data).is_some() {
            return Err(Error::local("a literal cannot hold NUL; use literal8"));
        }
        Ok(Literal {
            data,
            mode: LiteralMode::Sync,
            binary: false,
        })
    }

    /// A literal8 (`~{n}`), which may contain any byte.
    pub fn binary(data: impl Into<Cow<'a, [u8]>>) -> Self {
        Literal {
            data: data.into(),
            mode: LiteralMode::Sync,
            binary: true,
        }
    }

    pub(crate) fn unchecked(data: &'a [u8], mode: LiteralMode, binary: bool) -> Self {
        Literal {
            data: Cow::Borrowed(data),
            mode,
            binary,
        }
    }

    /// The same literal sent in `mode`.
    pub fn with_mode(mut self, mode: LiteralMode) -> Self {
        self.mode = mode;
        self
    }

    /// The data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Sync or non-sync.
    pub fn mode(&self) -> LiteralMode {
        self.mode
    }

    /// Whether this is a literal8.
    pub fn is_binary(&self) -> bool {
        self.binary
    }

    /// A copy that owns its data.
    pub fn into_owned(self) -> Literal<'static> {
        Literal {
            data: owned_bytes(self.data),
            mode: self.mode,
            binary: self.binary,
        }
    }
}

/// `string = quoted / literal`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IString<'a> {
    /// Quoted form.
    Quoted(Quoted<'a>),
    /// Literal form.
    Literal(Literal<'a>),
}

impl<'a> IString<'a> {
    /// The shortest valid form for `data`: quoted when it can be (and is not
    /// longer than 1000 bytes), else a literal (literal8 if it holds NUL).
    pub fn new(data: impl Into<Cow<'a, [u8]>>) -> Self {
        let data = data.into();
        if data.len() <= 1000 && data.iter().all(|&b| is_quoted_char(b)) {
            IString::Quoted(Quoted(data))
        } else if memchr::memchr(0, &data).is_some() {
            IString::Literal(Literal::binary(data))
        } else {
            IString::Literal(Literal {
                data,
                mode: LiteralMode::Sync,
                binary: false,
            })
        }
    }

    /// The content.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            IString::Quoted(q) => q.as_bytes(),
            IString::Literal(l) => l.data(),
        }
    }

    /// The content as UTF-8, if it is.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// A copy that owns its content.
    pub fn into_owned(self) -> IString<'static> {
        match self {
            IString::Quoted(q) => IString::Quoted(q.into_owned()),
            IString::Literal(l) => IString::Literal(l.into_owned()),
        }
    }
}

impl<'a> From<&'a str> for IString<'a> {
    fn from(s: &'a str) -> Self {
        IString::new(s.as_bytes())
    }
}

/// `astring = 1*ASTRING-CHAR / string`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AString<'a> {
    /// Atom form.
    Atom(AtomExt<'a>),
    /// String form.
    String(IString<'a>),
}

impl<'a> AString<'a> {
    /// The shortest valid form for `data`.
    pub fn new(data: impl Into<Cow<'a, [u8]>>) -> Self {
        let data = data.into();
        if !data.is_empty() && data.iter().all(|&b| is_astring_char(b)) {
            // All bytes are ASCII, so this is valid UTF-8.
            let s = match data {
                Cow::Borrowed(b) => Cow::Borrowed(std::str::from_utf8(b).unwrap_or_default()),
                Cow::Owned(b) => Cow::Owned(String::from_utf8(b).unwrap_or_default()),
            };
            AString::Atom(AtomExt(s))
        } else {
            AString::String(IString::new(data))
        }
    }

    /// The content.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            AString::Atom(a) => a.as_str().as_bytes(),
            AString::String(s) => s.as_bytes(),
        }
    }

    /// The content as UTF-8, if it is.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// A copy that owns its content.
    pub fn into_owned(self) -> AString<'static> {
        match self {
            AString::Atom(a) => AString::Atom(a.into_owned()),
            AString::String(s) => AString::String(s.into_owned()),
        }
    }
}

impl<'a> From<&'a str> for AString<'a> {
    fn from(s: &'a str) -> Self {
        AString::new(s.as_bytes())
    }
}

/// `nstring = string / nil`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct NString<'a>(pub Option<IString<'a>>);

impl<'a> NString<'a> {
    /// `NIL`.
    pub const NIL: NString<'static> = NString(None);

    /// The content, `None` for NIL.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        self.0.as_ref().map(|s| s.as_bytes())
    }

    /// A copy that owns its content.
    pub fn into_owned(self) -> NString<'static> {
        NString(self.0.map(IString::into_owned))
    }
}

impl<'a> From<&'a str> for NString<'a> {
    fn from(s: &'a str) -> Self {
        NString(Some(IString::from(s)))
    }
}

/// `date-time` (RFC 9051 §9): `"dd-Mon-yyyy hh:mm:ss +zzzz"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    date: Date,
    hour: u8,
    minute: u8,
    second: u8,
    /// Offset from UTC in minutes.
    zone: i16,
}

impl DateTime {
    /// Validates the fields; `zone` is the offset from UTC in minutes
    /// (-5999..=5999 as `+hhmm` can write, minutes below 60).
    pub fn new(date: Date, hour: u8, minute: u8, second: u8, zone: i16) -> Result<Self, Error> {
        if hour > 23 || minute > 59 || second > 60 || zone.unsigned_abs() > 99 * 60 + 59 {
            return Err(Error::local("time out of range"));
        }
        Ok(DateTime {
            date,
            hour,
            minute,
            second,
            zone,
        })
    }

    /// The date.
    pub fn date(&self) -> Date {
        self.date
    }

    /// Hour, minute and second.
    pub fn time(&self) -> (u8, u8, u8) {
        (self.hour, self.minute, self.second)
    }

    /// Offset from UTC in minutes.
    pub fn zone_minutes(&self) -> i16 {
        self.zone
    }
}

/// `date` (RFC 9051 §9): `dd-Mon-yyyy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Month names of `date-month`.
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Date {
    /// Validates the fields (year 4 digits, month 1..=12, day valid for the
    /// month, leap years considered).
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, Error> {
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(Error::local("month out of range")),
        };
        if year > 9999 || day == 0 || day > days {
            return Err(Error::local("date out of range"));
        }
        Ok(Date { year, month, day })
    }

    /// Year, month (1..=12) and day.
    pub fn ymd(&self) -> (u16, u8, u8) {
        (self.year, self.month, self.day)
    }
}

/// A message sequence number or UID in a set: `seq-number = nz-number / "*"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeqNo {
    /// A number.
    Value(NonZeroU32),
    /// `*`: the largest number in use.
    Largest,
}

/// `seq-range` or a single `seq-number`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sequence {
    /// One number.
    Single(SeqNo),
    /// `a:b`, both ends included, in either order.
    Range(SeqNo, SeqNo),
}

/// `sequence-set` (RFC 9051 §9), or `$`, the result of the last SEARCH
/// saved with `SAVE` (RFC 5182).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SequenceSet(SetRepr);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SetRepr {
    Items(Vec<Sequence>),
    Saved,
}

impl SequenceSet {
    /// A set of at least one element.
    pub fn new(items: Vec<Sequence>) -> Result<Self, Error> {
        if items.is_empty() {
            return Err(Error::local("a sequence set cannot be empty"));
        }
        Ok(SequenceSet(SetRepr::Items(items)))
    }

    /// `$` (RFC 5182).
    pub fn saved() -> Self {
        SequenceSet(SetRepr::Saved)
    }

    /// One number; `None` for 0.
    pub fn single(n: u32) -> Option<Self> {
        Some(SequenceSet(SetRepr::Items(vec![Sequence::Single(
            SeqNo::Value(NonZeroU32::new(n)?),
        )])))
    }

    /// The elements (empty for `$`).
    pub fn items(&self) -> &[Sequence] {
        match &self.0 {
            SetRepr::Items(v) => v,
            SetRepr::Saved => &[],
        }
    }

    /// Whether this is `$`.
    pub fn is_saved(&self) -> bool {
        self.0 == SetRepr::Saved
    }

    /// Whether `n` is in the set, with `largest` standing for `*`.
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        let v = |s: SeqNo| match s {
            SeqNo::Value(v) => v.get(),
            SeqNo::Largest => largest,
        };
        self.items().iter().any(|s| match *s {
            Sequence::Single(a) => v(a) == n,
            Sequence::Range(a, b) => {
                let (lo, hi) = (v(a).min(v(b)), v(a).max(v(b)));
                (lo..=hi).contains(&n)
            }
        })
    }
}

/// Bytes of an item this crate does not know, exactly as a peer sent them
/// (see `Data::Unknown`, `FetchItem::Unknown`). Only the parser makes
/// these, so what is encoded back was valid IMAP when it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Raw<'a>(Cow<'a, [u8]>);

impl<'a> Raw<'a> {
    pub(crate) fn parsed(bytes: &'a [u8]) -> Self {
        Raw(Cow::Borrowed(bytes))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A copy that owns its bytes.
    pub fn into_owned(self) -> Raw<'static> {
        Raw(owned_bytes(self.0))
    }
}
