//! Validated text pieces of the SMTP grammar: keywords, parameter values,
//! free text and xtext (RFC 5321 §4.1.2, RFC 3461 §4).
//!
//! Every type here is checked when it is built, so none of them can hold a
//! CR, LF or NUL, and encoding one can never inject a command or a reply line.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;

use super::InvalidInput;

/// A UTF-8 string stored in a [`Bytes`], so that parsed values are slices of
/// the received line and cost no copy.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Str(Bytes);

impl Str {
    /// Wraps bytes the caller has checked to be UTF-8.
    ///
    /// Falls back to a lossy copy if they are not, so the invariant holds
    /// even if a caller is wrong.
    pub(crate) fn from_utf8(bytes: Bytes) -> Str {
        if std::str::from_utf8(&bytes).is_ok() {
            Str(bytes)
        } else {
            Str(Bytes::from(String::from_utf8_lossy(&bytes).into_owned()))
        }
    }

    /// Wraps a slice of a line whose UTF-8 the parser has checked, cut at
    /// ASCII delimiters (so still UTF-8); [`Str::as_str`] stays safe if not.
    pub(crate) fn trusted(bytes: Bytes) -> Str {
        debug_assert!(std::str::from_utf8(&bytes).is_ok());
        Str(bytes)
    }

    pub(crate) fn copy(s: &str) -> Str {
        Str(Bytes::copy_from_slice(s.as_bytes()))
    }

    pub(crate) fn from_static(s: &'static str) -> Str {
        Str(Bytes::from_static(s.as_bytes()))
    }

    pub(crate) fn as_str(&self) -> &str {
        // The invariant of `Str` is that it holds UTF-8; the fallback is
        // unreachable but keeps this free of panics and unsafe code.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub(crate) fn bytes(&self) -> &Bytes {
        &self.0
    }

    pub(crate) fn slice(&self, range: std::ops::Range<usize>) -> Str {
        Str(self.0.slice(range))
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Byte classes of the grammar.
pub(crate) mod class {
    /// `ALPHA / DIGIT` (RFC 5234).
    #[inline]
    pub(crate) fn alnum(b: u8) -> bool {
        b.is_ascii_alphanumeric()
    }

    /// Byte classes as bits of one table: these checks run for every
    /// byte of every parameter and capability line.
    ///
    /// `esmtp-keyword` characters: letters, digits, `-`.
    pub(crate) const KEYWORD: u8 = 1;
    /// `esmtp-value` characters (and UTF-8 bytes).
    pub(crate) const ESMTP_VALUE: u8 = 2;

    /// The class bits of `b`.
    #[inline]
    pub(crate) fn of(b: u8) -> u8 {
        CLASSES[usize::from(b)]
    }
    static CLASSES: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            let b = i as u8;
            if b.is_ascii_alphanumeric() || b == b'-' {
                t[i] |= KEYWORD;
            }
            if matches!(b, 33..=60 | 62..=126 | 0x80..) {
                t[i] |= ESMTP_VALUE;
            }
            i += 1;
        }
        t
    };

    /// `esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")`.
    #[inline]
    pub(crate) fn is_keyword(s: &[u8]) -> bool {
        matches!(s.first(), Some(&b) if alnum(b))
            && s.iter().all(|&b| CLASSES[usize::from(b)] & KEYWORD != 0)
    }

    /// `esmtp-value = 1*(%d33-60 / %d62-126)`, with UTF-8 (RFC 6531 §3.3).
    #[inline]
    pub(crate) fn is_esmtp_value(s: &[u8]) -> bool {
        !s.is_empty()
            && s.iter()
                .all(|&b| CLASSES[usize::from(b)] & ESMTP_VALUE != 0)
    }

    /// `ehlo-param = 1*(%d33-126)`.
    pub(crate) fn is_ehlo_param(s: &[u8]) -> bool {
        !s.is_empty() && s.iter().all(|&b| matches!(b, 33..=126))
    }

    /// `textstring = 1*(%d09 / %d32-126)`, widened to UTF-8 (RFC 6531
    /// §3.7.4), possibly empty: no control character but HTAB.
    pub(crate) fn is_text(s: &[u8]) -> bool {
        let ok = |b: u8| b == b'\t' || (b >= 0x20 && b != 0x7f);
        // Eight bytes at a time: a word with no byte below 0x20 and no
        // DEL is text; only a word that may hold one (a tab, say) is
        // checked byte by byte.
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let mut words = s.chunks_exact(8);
        for w in &mut words {
            let x = <[u8; 8]>::try_from(w).map_or(0, u64::from_le_bytes);
            let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
            let del = x ^ (ONES * 0x7f);
            let has_del = del.wrapping_sub(ONES) & !del & HIGH;
            if below_space | has_del != 0 && !w.iter().all(|&b| ok(b)) {
                return false;
            }
        }
        words.remainder().iter().all(|&b| ok(b))
    }

    /// `xchar = %x21-2A / %x2C-3C / %x3E-7E` (RFC 3461 §4).
    #[inline]
    pub(crate) fn is_xchar(b: u8) -> bool {
        matches!(b, 0x21..=0x2a | 0x2c..=0x3c | 0x3e..=0x7e)
    }

    /// `sasl-mech = 1*20mech-char`, `mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE`
    /// (RFC 4422 §3.1); lower case is accepted and kept.
    pub(crate) fn is_sasl_mech(s: &[u8]) -> bool {
        (1..=20).contains(&s.len())
            && s.iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $check:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub(crate) Str);

        impl $name {
            /// Checks `s` and wraps it.
            pub fn new(s: &str) -> Result<Self, InvalidInput> {
                if ($check)(s.as_bytes()) {
                    Ok($name(Str::copy(s)))
                } else {
                    Err(InvalidInput::new($what, s))
                }
            }

            /// Wraps a parsed slice; the parser has checked it.
            pub(crate) fn from_parsed(s: Str) -> Self {
                $name(s)
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }

            /// The text as bytes, without the UTF-8 check that going
            /// through `str` costs (it was checked when the value was made).
            #[inline]
            pub fn as_bytes(&self) -> &[u8] {
                self.0.as_bytes()
            }

            /// The length in bytes.
            #[inline]
            pub fn len(&self) -> usize {
                self.0.as_bytes().len()
            }

            /// Whether the text is empty.
            #[inline]
            pub fn is_empty(&self) -> bool {
                self.0.as_bytes().is_empty()
            }
        }

        impl TryFrom<&str> for $name {
            type Error = InvalidInput;
            fn try_from(s: &str) -> Result<Self, InvalidInput> {
                $name::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidInput;
            fn try_from(s: String) -> Result<Self, InvalidInput> {
                $name::new(&s)
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                self.as_str()
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.as_str())
            }
        }
    };
}

text_type!(
    /// An ESMTP keyword (RFC 5321 §4.1.2 `esmtp-keyword`), also used for
    /// command verbs and EHLO keywords: a letter or digit, then letters,
    /// digits and hyphens. Kept as sent; compare with
    /// [`str::eq_ignore_ascii_case`], the protocol ignores case.
    Keyword,
    class::is_keyword,
    "keyword"
);

text_type!(
    /// An ESMTP parameter value (RFC 5321 §4.1.2 `esmtp-value`, widened to
    /// UTF-8 by RFC 6531 §3.3): printable, no space, no `=`.
    ParamValue,
    class::is_esmtp_value,
    "parameter value"
);

text_type!(
    /// A parameter of an EHLO keyword (RFC 5321 §4.1.1.1 `ehlo-param`):
    /// printable US-ASCII, no space.
    EhloParam,
    class::is_ehlo_param,
    "EHLO parameter"
);

text_type!(
    /// Free text: a reply line's text, the argument of VRFY, EXPN, HELP,
    /// NOOP or an unknown command (RFC 5321 `textstring` and `String`,
    /// widened to UTF-8). May be empty; holds no control character but HTAB,
    /// so never CR, LF or NUL.
    Text,
    class::is_text,
    "text"
);

text_type!(
    /// A SASL mechanism name (RFC 4422 §3.1 `sasl-mech`: 1 to 20 letters,
    /// digits, `-` and `_`), as in `AUTH PLAIN` and the EHLO `AUTH`
    /// capability. mailwire-sasl has no mechanism type yet; this one holds
    /// the name as sent.
    SaslMechanism,
    class::is_sasl_mech,
    "SASL mechanism"
);

impl SaslMechanism {
    /// Whether this is the mechanism `name`, ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.as_str().eq_ignore_ascii_case(name)
    }
}

impl Text {
    /// The empty text.
    pub fn empty() -> Text {
        Text(Str::from_static(""))
    }

    pub(crate) fn from_static(s: &'static str) -> Text {
        debug_assert!(class::is_text(s.as_bytes()));
        Text(Str::from_static(s))
    }
}

/// A value carried as xtext on the wire (RFC 3461 §4: `ENVID`, `ORCPT`,
/// and the `AUTH` parameter of MAIL, RFC 4954 §5), held decoded.
///
/// The decoded value is UTF-8 text without control characters; it is
/// encoded with `+XX` for `+`, `=`, space and every byte outside
/// `!`..`~`, so encoding it can never produce a CR or LF.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct XText(pub(crate) Str);

impl XText {
    /// Checks a decoded value and wraps it. It must be non-empty text with
    /// no control characters.
    pub fn new(decoded: &str) -> Result<XText, InvalidInput> {
        if !decoded.is_empty() && decoded.bytes().all(|b| b >= 0x20 && b != 0x7f) {
            Ok(XText(Str::copy(decoded)))
        } else {
            Err(InvalidInput::new("xtext value", decoded))
        }
    }

    /// Decodes an xtext (`xtext = *( xchar / hexchar )`) into its value.
    pub fn decode(wire: &[u8]) -> Result<XText, InvalidInput> {
        let invalid = || InvalidInput::new("xtext", &String::from_utf8_lossy(wire));
        let mut out = Vec::with_capacity(wire.len());
        let mut i = 0;
        while i < wire.len() {
            let b = wire[i];
            if b == b'+' {
                let hex = wire.get(i + 1..i + 3).ok_or_else(invalid)?;
                let v = hex_value(hex[0])
                    .zip(hex_value(hex[1]))
                    .ok_or_else(invalid)?;
                out.push(v.0 << 4 | v.1);
                i += 3;
            } else if class::is_xchar(b) {
                out.push(b);
                i += 1;
            } else {
                return Err(invalid());
            }
        }
        let s = String::from_utf8(out).map_err(|_| invalid())?;
        XText::new(&s).map_err(|_| invalid())
    }

    /// The decoded value.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Appends the xtext encoding of the value to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        for &b in self.0.as_bytes() {
            if class::is_xchar(b) {
                out.push(b);
            } else {
                out.extend_from_slice(&[b'+', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
        }
    }

    /// The xtext encoding of the value.
    pub fn encoded(&self) -> String {
        let mut out = Vec::with_capacity(self.0.as_bytes().len());
        self.encode_into(&mut out);
        // Only ASCII was written.
        String::from_utf8_lossy(&out).into_owned()
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// `hexchar = "+" 2(%x30-39 / %x41-46)`: upper case only in RFC 3461; lower
/// case is accepted on input.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

impl TryFrom<&str> for XText {
    type Error = InvalidInput;
    fn try_from(s: &str) -> Result<Self, InvalidInput> {
        XText::new(s)
    }
}

impl fmt::Display for XText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for XText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XText({:?})", self.as_str())
    }
}
