//! The small validated values commands and responses are made of.
//!
//! Every type here checks its content at construction, so that no value a
//! caller builds can put a CR, an LF or a NUL on the wire (no command or
//! response injection through the API).

use std::fmt;
use std::num::NonZeroU32;

use mailwire_core::Error;

fn has_line_break(s: &str) -> bool {
    s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
}

/// A message number: 1-based index into the maildrop (RFC 1939 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MsgNum(NonZeroU32);

impl MsgNum {
    /// A message number; `None` for 0.
    pub fn new(n: u32) -> Option<Self> {
        NonZeroU32::new(n).map(MsgNum)
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0.get()
    }

    /// The 0-based index into a maildrop listing.
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

impl fmt::Display for MsgNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl TryFrom<u32> for MsgNum {
    type Error = Error;
    fn try_from(n: u32) -> Result<Self, Error> {
        MsgNum::new(n).ok_or_else(|| Error::local("message numbers start at 1"))
    }
}

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;
            fn try_from(s: &str) -> Result<Self, Error> {
                $name::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                $name::new(s)
            }
        }
    };
}

/// Human-readable text after a status indicator or in a listing: any
/// characters but CR, LF and NUL (RFC 2449 §4 `text`). May be empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Text(String);

impl Text {
    /// Validates text.
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let s = s.into();
        if has_line_break(&s) {
            return Err(Error::local("text must not contain CR, LF or NUL"));
        }
        Ok(Text(s))
    }

    /// Empty text.
    pub fn empty() -> Self {
        Text(String::new())
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
string_newtype!(Text);

/// A command argument (RFC 2449 §4 `param`): one or more printable
/// characters, no space, no control characters. UTF-8 is allowed for
/// user names (RFC 6856 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Arg(String);

impl Arg {
    /// Validates an argument.
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let s = s.into();
        if s.is_empty() || s.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(Error::local(
                "an argument must be non-empty, without spaces or control characters",
            ));
        }
        Ok(Arg(s))
    }
}
string_newtype!(Arg);

/// The argument of `PASS` (RFC 1939 §7): may contain spaces, never CR, LF
/// or NUL. Its `Debug` output is redacted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Password(String);

impl Password {
    /// Validates a password.
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let s = s.into();
        if s.is_empty() || has_line_break(&s) {
            return Err(Error::local(
                "a password must be non-empty, without CR, LF or NUL",
            ));
        }
        Ok(Password(s))
    }
}
string_newtype!(Password);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// A unique-id of a message (RFC 1939 §7 UIDL): 1 to 70 characters in
/// 0x21..=0x7E.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uid(String);

impl Uid {
    /// The longest unique-id RFC 1939 allows.
    pub const MAX_LEN: usize = 70;

    /// Validates a unique-id.
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let s = s.into();
        if s.is_empty() || s.len() > Self::MAX_LEN || s.bytes().any(|b| !(0x21..=0x7e).contains(&b))
        {
            return Err(Error::local(
                "a unique-id is 1 to 70 characters in the range 0x21 to 0x7E",
            ));
        }
        Ok(Uid(s))
    }
}
string_newtype!(Uid);

/// The APOP timestamp of a greeting (RFC 1939 §7): a msg-id, `<` ... `>`,
/// printable ASCII without spaces inside.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Timestamp(String);

impl Timestamp {
    /// Validates a timestamp such as `<1896.697170952@dbc.mtview.ca.us>`.
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let s = s.into();
        let b = s.as_bytes();
        let ok = b.len() >= 3
            && b[0] == b'<'
            && b[b.len() - 1] == b'>'
            && b[1..b.len() - 1]
                .iter()
                .all(|&c| (0x21..=0x7e).contains(&c) && c != b'<' && c != b'>');
        if !ok {
            return Err(Error::local(
                "an APOP timestamp is <...> with printable ASCII and no spaces inside",
            ));
        }
        Ok(Timestamp(s))
    }
}
string_newtype!(Timestamp);

/// A SASL mechanism name (RFC 4422 §3.1): 1 to 20 characters of upper-case
/// letters, digits, `-` and `_`. Lower case is accepted and upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MechanismName(String);

impl MechanismName {
    /// Validates (and upper-cases) a mechanism name.
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let s = s.into().to_ascii_uppercase();
        if s.is_empty()
            || s.len() > 20
            || !s
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(Error::local(
                "a SASL mechanism name is 1 to 20 characters of A-Z, 0-9, - and _",
            ));
        }
        Ok(MechanismName(s))
    }
}
string_newtype!(MechanismName);

/// A language tag or range for `LANG` (RFC 6856 §3): letters, digits and
/// `-`, or the single `*` (the server's preferred language).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LangTag(String);

impl LangTag {
    /// Validates a language tag or range.
    pub fn new(s: impl Into<String>) -> Result<Self, Error> {
        let s = s.into();
        let ok = s == "*"
            || (!s.is_empty()
                && s.len() <= 64
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !ok {
            return Err(Error::local(
                "a language tag is letters, digits and '-', or '*'",
            ));
        }
        Ok(LangTag(s))
    }

    /// Whether this is the range `*`.
    pub fn is_wildcard(&self) -> bool {
        self.0 == "*"
    }
}
string_newtype!(LangTag);

/// The MD5 digest argument of `APOP` (RFC 1939 §7), shown as 32 lower-case
/// hex digits on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub [u8; 16]);

impl Digest {
    /// Parses 32 hex digits (either case).
    pub fn from_hex(hex: &[u8]) -> Option<Self> {
        if hex.len() != 32 {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, pair) in hex.chunks(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(Digest(out))
    }

    /// The 32 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(32);
        for b in self.0 {
            s.push(HEX[usize::from(b >> 4)] as char);
            s.push(HEX[usize::from(b & 15)] as char);
        }
        s
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_refuse_injection() {
        assert!(Text::new("ok\r\nDELE 1").is_err());
        assert!(Arg::new("a b").is_err());
        assert!(Arg::new("a\r\n").is_err());
        assert!(Password::new("with space").is_ok());
        assert!(Password::new("x\nQUIT").is_err());
        assert!(Uid::new("x".repeat(71)).is_err());
        assert!(Uid::new("abc~").is_ok());
        assert!(Timestamp::new("<1.2@x>").is_ok());
        assert!(Timestamp::new("<a b>").is_err());
        assert_eq!(
            MechanismName::new("scram-sha-1").unwrap().as_str(),
            "SCRAM-SHA-1"
        );
        assert!(MechanismName::new("A B").is_err());
        assert!(LangTag::new("en-boont").is_ok());
        assert!(LangTag::new("e n").is_err());
        assert!(MsgNum::new(0).is_none());
    }

    #[test]
    fn digest_hex() {
        let d = Digest::from_hex(b"C4C9334BAC560ECC979E58001B3E22FB").unwrap();
        assert_eq!(d.to_hex(), "c4c9334bac560ecc979e58001b3e22fb");
        assert!(Digest::from_hex(b"zz").is_none());
        assert!(Digest::from_hex(b"g4c9334bac560ecc979e58001b3e22fb").is_none());
    }
}
