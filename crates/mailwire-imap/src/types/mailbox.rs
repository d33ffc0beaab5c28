//! Mailbox names (RFC 9051 §5.1): `mailbox = "INBOX" / astring`.

use super::core::AString;
use crate::utf7;

/// A mailbox name as on the wire, in the form it came (or was built) in.
/// `INBOX` in any case is the inbox (RFC 9051 §5.1): [`is_inbox`](Self::is_inbox),
/// and equality and hashing treat all its spellings as one.
#[derive(Debug, Clone)]
pub struct Mailbox<'a>(AString<'a>);

impl PartialEq for Mailbox<'_> {
    fn eq(&self, other: &Self) -> bool {
        (self.is_inbox() && other.is_inbox()) || self.0 == other.0
    }
}

impl Eq for Mailbox<'_> {}

impl std::hash::Hash for Mailbox<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        if self.is_inbox() {
            b"INBOX".hash(state);
        } else {
            self.0.hash(state);
        }
    }
}

impl<'a> Mailbox<'a> {
    /// `INBOX`.
    pub fn inbox() -> Mailbox<'static> {
        Mailbox(AString::new(&b"INBOX"[..]))
    }

    /// The mailbox named by these wire bytes (modified UTF-7, or UTF-8 after
    /// `ENABLE UTF8=ACCEPT`).
    pub fn from_wire(name: AString<'a>) -> Self {
        Mailbox(name)
    }

    /// A mailbox from its Unicode name, encoded in modified UTF-7 (RFC 3501
    /// §5.1.3), for servers that have not enabled UTF8=ACCEPT.
    pub fn from_utf7(name: &str) -> Mailbox<'static> {
        Mailbox::from_wire(AString::new(utf7::encode(name).into_bytes()))
    }

    /// A mailbox from its Unicode name sent as UTF-8 (RFC 6855, RFC 9051
    /// §5.1), after `ENABLE UTF8=ACCEPT` or on IMAP4rev2.
    pub fn from_utf8(name: &'a str) -> Self {
        Mailbox::from_wire(AString::new(name.as_bytes()))
    }

    /// Whether this is INBOX (in any case).
    pub fn is_inbox(&self) -> bool {
        self.0.as_bytes().eq_ignore_ascii_case(b"INBOX")
    }

    /// The wire name.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The wire form.
    pub fn as_astring(&self) -> &AString<'a> {
        &self.0
    }

    /// The Unicode name: UTF-8 when `utf8` (UTF8=ACCEPT in force), else
    /// decoded from modified UTF-7. `None` if the bytes are not valid in that
    /// form.
    pub fn decode(&self, utf8: bool) -> Option<String> {
        if utf8 {
            std::str::from_utf8(self.as_bytes()).ok().map(str::to_owned)
        } else {
            utf7::decode(self.as_bytes())
        }
    }

    /// A copy that owns its text.
    pub fn into_owned(self) -> Mailbox<'static> {
        Mailbox(self.0.into_owned())
    }
}

impl<'a> From<&'a str> for Mailbox<'a> {
    /// The name as given, on the wire as is (use
    /// [`Mailbox::from_utf7`] for non-ASCII names on IMAP4rev1).
    fn from(s: &'a str) -> Self {
        Mailbox::from_utf8(s)
    }
}
