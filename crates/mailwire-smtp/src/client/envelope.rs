//! What the application hands the client for one mail transaction: the
//! envelope (RFC 5321 §2.3.1) and what is known about the body.

use bytes::Bytes;

use crate::types::{ForwardPath, Notify, OriginalRecipient, Ret, ReversePath, XText};

/// One recipient of a transaction, with its DSN parameters (RFC 3461 §4.1,
/// §4.2), sent only when the server offers `DSN` (otherwise left out and
/// reported, see [`ClientEvent::DsnNotOffered`](super::ClientEvent::DsnNotOffered)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The forward-path of `RCPT TO`.
    pub path: ForwardPath,
    /// `NOTIFY=` (RFC 3461 §4.1).
    pub notify: Option<Notify>,
    /// `ORCPT=` (RFC 3461 §4.2).
    pub orcpt: Option<OriginalRecipient>,
}

impl Recipient {
    /// A recipient without DSN parameters.
    pub fn new(path: impl Into<ForwardPath>) -> Recipient {
        Recipient {
            path: path.into(),
            notify: None,
            orcpt: None,
        }
    }

    /// Sets `NOTIFY=`.
    pub fn notify(mut self, notify: Notify) -> Recipient {
        self.notify = Some(notify);
        self
    }

    /// Sets `ORCPT=`.
    pub fn orcpt(mut self, orcpt: OriginalRecipient) -> Recipient {
        self.orcpt = Some(orcpt);
        self
    }

    /// Whether it carries a DSN parameter (RFC 3461 §4.1, §4.2).
    pub fn has_dsn_params(&self) -> bool {
        self.notify.is_some() || self.orcpt.is_some()
    }

    pub(crate) fn needs_smtputf8(&self) -> bool {
        self.path.mailbox().is_some_and(|m| m.needs_smtputf8())
    }
}

impl<T: Into<ForwardPath>> From<T> for Recipient {
    fn from(path: T) -> Recipient {
        Recipient::new(path)
    }
}

/// The envelope of one transaction: the reverse-path, the recipients, and
/// the transaction-wide DSN parameters (RFC 3461 §4.3, §4.4), sent only
/// when the server offers `DSN` (otherwise left out and reported, see
/// [`ClientEvent::DsnNotOffered`](super::ClientEvent::DsnNotOffered)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse-path of `MAIL FROM` (`<>` for a bounce).
    pub from: ReversePath,
    /// The recipients, in the order `RCPT TO` is sent.
    pub recipients: Vec<Recipient>,
    /// `RET=` (RFC 3461 §4.3).
    pub ret: Option<Ret>,
    /// `ENVID=` (RFC 3461 §4.4).
    pub envid: Option<XText>,
}

impl Envelope {
    /// An envelope without DSN parameters.
    pub fn new<R: Into<Recipient>>(
        from: impl Into<ReversePath>,
        recipients: impl IntoIterator<Item = R>,
    ) -> Envelope {
        Envelope {
            from: from.into(),
            recipients: recipients.into_iter().map(Into::into).collect(),
            ret: None,
            envid: None,
        }
    }

    /// Sets `RET=`.
    pub fn ret(mut self, ret: Ret) -> Envelope {
        self.ret = Some(ret);
        self
    }

    /// Sets `ENVID=`.
    pub fn envid(mut self, envid: XText) -> Envelope {
        self.envid = Some(envid);
        self
    }

    /// Whether `RET=` or `ENVID=` is set (RFC 3461 §4.3, §4.4).
    pub fn has_dsn_params(&self) -> bool {
        self.ret.is_some() || self.envid.is_some()
    }

    /// Whether the envelope or any recipient carries a DSN parameter
    /// (RFC 3461 §4).
    pub fn uses_dsn(&self) -> bool {
        self.has_dsn_params() || self.recipients.iter().any(Recipient::has_dsn_params)
    }

    /// Whether an address of the envelope can only be sent with SMTPUTF8
    /// (RFC 6531 §3.2).
    pub fn needs_smtputf8(&self) -> bool {
        self.from.mailbox().is_some_and(|m| m.needs_smtputf8())
            || self.recipients.iter().any(Recipient::needs_smtputf8)
    }
}

/// What the client must know about a body before the transaction starts,
/// to choose `SIZE=`, `BODY=` and DATA or BDAT (RFC 1870, RFC 6152,
/// RFC 3030).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BodyInfo {
    /// The size in octets, when known (for `SIZE=` and the check against
    /// the server's limit, RFC 1870 §6).
    pub size: Option<u64>,
    /// The body holds octets above 127: it needs `BODY=8BITMIME`
    /// (RFC 6152 §3).
    pub eight_bit: bool,
    /// The body is binary MIME (RFC 3030 §3): it needs CHUNKING and
    /// BINARYMIME and is sent with BDAT, never dot-stuffed.
    pub binary: bool,
}

impl BodyInfo {
    /// The facts of a complete body: its length, and whether any octet is
    /// above 127.
    pub fn of(body: &[u8]) -> BodyInfo {
        BodyInfo {
            size: Some(body.len() as u64),
            eight_bit: !body.is_ascii(),
            binary: false,
        }
    }

    /// The facts of a body given as pieces.
    pub fn of_pieces(pieces: &[Bytes]) -> BodyInfo {
        BodyInfo {
            size: Some(pieces.iter().map(|p| p.len() as u64).sum()),
            eight_bit: pieces.iter().any(|p| !p.is_ascii()),
            binary: false,
        }
    }
}
