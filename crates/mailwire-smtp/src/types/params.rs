//! Parameters of MAIL FROM and RCPT TO (RFC 5321 §4.1.2 `Mail-parameters`,
//! `Rcpt-parameters`) and the extensions that define them.

use super::InvalidInput;
use super::address::Mailbox;
use super::text::{Keyword, ParamValue, Str, XText};

/// `BODY=` of MAIL FROM (RFC 6152 §2, RFC 3030 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    /// `BODY=7BIT`.
    SevenBit,
    /// `BODY=8BITMIME` (RFC 6152).
    EightBitMime,
    /// `BODY=BINARYMIME` (RFC 3030 §3); needs BDAT.
    BinaryMime,
}

/// `RET=` of MAIL FROM (RFC 3461 §4.3): what a failure DSN returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ret {
    /// `RET=FULL`: the whole message.
    Full,
    /// `RET=HDRS`: the headers only.
    Headers,
}

/// `AUTH=` of MAIL FROM (RFC 4954 §5): who submitted the message, as
/// vouched for by the client.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MailAuth {
    /// `AUTH=<>`: the submitter is not known or not trusted.
    Unknown,
    /// `AUTH=addr-spec` (xtext-encoded on the wire).
    Mailbox(Mailbox),
}

/// `HOLDFOR=` / `HOLDUNTIL=` of MAIL FROM (RFC 4865 §5, FUTURERELEASE).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Hold {
    /// `HOLDFOR=seconds`.
    For(u64),
    /// `HOLDUNTIL=date-time` (RFC 3339), kept as sent.
    Until(ParamValue),
}

/// How `BY=` asks for delivery in time (RFC 2852 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByMode {
    /// `R`: return the message if it cannot be delivered in time.
    Return,
    /// `N`: deliver anyway, and send a delay DSN.
    Notify,
}

/// `BY=time;mode[T]` of MAIL FROM (RFC 2852 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliverBy {
    /// Seconds from now (may be zero or negative for `N`), at most
    /// 9 digits (`by-time = ["-" / "+"] 1*9digit`).
    pub time: i32,
    /// What to do if the deadline passes.
    pub mode: ByMode,
    /// `T`: trace the delivery.
    pub trace: bool,
}

/// An MT-PRIORITY value (RFC 6710 §3: `priority-value = "-9" .. "9"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Priority(i8);

impl Priority {
    /// A priority from -9 to 9.
    pub fn new(value: i8) -> Result<Priority, InvalidInput> {
        if (-9..=9).contains(&value) {
            Ok(Priority(value))
        } else {
            Err(InvalidInput::new("MT-PRIORITY", &value.to_string()))
        }
    }

    /// The value, from -9 to 9.
    pub fn get(self) -> i8 {
        self.0
    }
}

/// An ESMTP parameter this crate does not know (`esmtp-param =
/// esmtp-keyword ["=" esmtp-value]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Parameter {
    /// The keyword, as sent.
    pub keyword: Keyword,
    /// The value, if any.
    pub value: Option<ParamValue>,
}

/// The parameters of MAIL FROM. Each known one appears at most once
/// (RFC 5321 §4.1.2); unknown ones are kept in order.
///
/// The parameters clients send with nearly every message (`SIZE`, `BODY`,
/// `SMTPUTF8`, `RET`, `REQUIRETLS`, `MT-PRIORITY`) are fields; the rare
/// ones (`AUTH`, `ENVID`, `HOLDFOR`/`HOLDUNTIL`, `BY` and unknown
/// parameters) live in [`MailExtras`], allocated only when one of them is
/// set, and are read with [`auth`](Self::auth), [`envid`](Self::envid),
/// [`hold`](Self::hold), [`by`](Self::by), [`other`](Self::other) and
/// written with the `set_` methods or [`extras_mut`](Self::extras_mut).
/// This keeps a parsed [`Command`](crate::Command) small, so returning one
/// costs no large copy.
#[derive(Clone, Default)]
pub struct MailParameters {
    /// `SIZE=n` (RFC 1870 §6): the message size in octets.
    pub size: Option<u64>,
    /// `BODY=` (RFC 6152, RFC 3030).
    pub body: Option<Body>,
    /// `SMTPUTF8` (RFC 6531 §3.4).
    pub smtputf8: bool,
    /// `RET=` (RFC 3461 §4.3).
    pub ret: Option<Ret>,
    /// `REQUIRETLS` (RFC 8689 §4.1).
    pub requiretls: bool,
    /// `MT-PRIORITY=` (RFC 6710 §3).
    pub mt_priority: Option<Priority>,
    /// The rare parameters; `None` is the same as all of them unset.
    extras: Option<Box<MailExtras>>,
}

/// The rarely sent parameters of MAIL FROM, kept out of line by
/// [`MailParameters`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailExtras {
    /// `AUTH=` (RFC 4954 §5).
    pub auth: Option<MailAuth>,
    /// `ENVID=` (RFC 3461 §4.4), decoded from xtext.
    pub envid: Option<XText>,
    /// `HOLDFOR=` or `HOLDUNTIL=` (RFC 4865).
    pub hold: Option<Hold>,
    /// `BY=` (RFC 2852).
    pub by: Option<DeliverBy>,
    /// Parameters this crate does not know, in the order sent.
    pub other: Vec<Parameter>,
}

/// What [`MailParameters::extras`] gives when none is set.
static NO_EXTRAS: MailExtras = MailExtras {
    auth: None,
    envid: None,
    hold: None,
    by: None,
    other: Vec::new(),
};

impl MailParameters {
    /// The rare parameters (all unset if none was given).
    #[inline]
    pub fn extras(&self) -> &MailExtras {
        self.extras.as_deref().unwrap_or(&NO_EXTRAS)
    }

    /// The rare parameters, to change; allocates them on first use.
    pub fn extras_mut(&mut self) -> &mut MailExtras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// `AUTH=` (RFC 4954 §5).
    pub fn auth(&self) -> Option<&MailAuth> {
        self.extras().auth.as_ref()
    }

    /// `ENVID=` (RFC 3461 §4.4), decoded from xtext.
    pub fn envid(&self) -> Option<&XText> {
        self.extras().envid.as_ref()
    }

    /// `HOLDFOR=` or `HOLDUNTIL=` (RFC 4865).
    pub fn hold(&self) -> Option<&Hold> {
        self.extras().hold.as_ref()
    }

    /// `BY=` (RFC 2852).
    pub fn by(&self) -> Option<DeliverBy> {
        self.extras().by
    }

    /// Parameters this crate does not know, in the order sent.
    pub fn other(&self) -> &[Parameter] {
        &self.extras().other
    }

    /// Sets or clears `AUTH=`.
    pub fn set_auth(&mut self, auth: Option<MailAuth>) {
        self.set(|e| e.auth = auth);
    }

    /// Sets or clears `ENVID=`.
    pub fn set_envid(&mut self, envid: Option<XText>) {
        self.set(|e| e.envid = envid);
    }

    /// Sets or clears `HOLDFOR=` / `HOLDUNTIL=`.
    pub fn set_hold(&mut self, hold: Option<Hold>) {
        self.set(|e| e.hold = hold);
    }

    /// Sets or clears `BY=`.
    pub fn set_by(&mut self, by: Option<DeliverBy>) {
        self.set(|e| e.by = by);
    }

    /// Appends a parameter this crate does not know. It is sent as given,
    /// after the known ones; giving a keyword twice makes the command one
    /// a server rejects.
    pub fn push_other(&mut self, param: Parameter) {
        self.extras_mut().other.push(param);
    }

    /// Applies `f` to the extras, and frees them again if that left them
    /// all unset (so clearing never leaves an empty allocation behind).
    fn set(&mut self, f: impl FnOnce(&mut MailExtras)) {
        f(self.extras_mut());
        if self.extras.as_deref() == Some(&NO_EXTRAS) {
            self.extras = None;
        }
    }
}

impl PartialEq for MailParameters {
    fn eq(&self, other: &Self) -> bool {
        self.size == other.size
            && self.body == other.body
            && self.smtputf8 == other.smtputf8
            && self.ret == other.ret
            && self.requiretls == other.requiretls
            && self.mt_priority == other.mt_priority
            && self.extras() == other.extras()
    }
}

impl Eq for MailParameters {}

impl std::fmt::Debug for MailParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = self.extras();
        f.debug_struct("MailParameters")
            .field("size", &self.size)
            .field("body", &self.body)
            .field("smtputf8", &self.smtputf8)
            .field("auth", &e.auth)
            .field("ret", &self.ret)
            .field("envid", &e.envid)
            .field("requiretls", &self.requiretls)
            .field("mt_priority", &self.mt_priority)
            .field("hold", &e.hold)
            .field("by", &e.by)
            .field("other", &e.other)
            .finish()
    }
}

/// `NOTIFY=` of RCPT TO (RFC 3461 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notify {
    /// `NOTIFY=NEVER`.
    Never,
    /// `NOTIFY=` a list of conditions; at least one is set.
    On {
        /// `SUCCESS`.
        success: bool,
        /// `FAILURE`.
        failure: bool,
        /// `DELAY`.
        delay: bool,
    },
}

impl Notify {
    /// A list of conditions; `None` if none is set.
    pub fn on(success: bool, failure: bool, delay: bool) -> Option<Notify> {
        (success || failure || delay).then_some(Notify::On {
            success,
            failure,
            delay,
        })
    }
}

/// `ORCPT=addr-type;xtext` of RCPT TO (RFC 3461 §4.2): the address
/// type (an atom, usually `rfc822`) and the address, decoded from xtext.
///
/// Held as one string `addr-type;address`, which for an address without
/// `+XX` escapes is the parameter value as received, sliced from the line.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OriginalRecipient(pub(crate) Str);

impl OriginalRecipient {
    /// An original recipient of the given type (`rfc822` for an
    /// internet mailbox).
    pub fn new(addr_type: &Keyword, address: &XText) -> OriginalRecipient {
        let mut s = String::with_capacity(addr_type.len() + 1 + address.as_str().len());
        s.push_str(addr_type.as_str());
        s.push(';');
        s.push_str(address.as_str());
        OriginalRecipient(Str::copy(&s))
    }

    /// Wraps `addr-type;decoded-address` that the parser has checked.
    pub(crate) fn from_parsed(s: Str) -> OriginalRecipient {
        OriginalRecipient(s)
    }

    /// Where the `;` after the address type is (an atom holds none).
    fn split(&self) -> usize {
        let b = self.0.as_bytes();
        b.iter().position(|&c| c == b';').unwrap_or(b.len())
    }

    /// The address type, as sent (`rfc822`); compare it ignoring case.
    pub fn addr_type(&self) -> &str {
        self.0.as_str().get(..self.split()).unwrap_or("")
    }

    /// The address, decoded from xtext.
    pub fn address(&self) -> &str {
        self.0.as_str().get(self.split() + 1..).unwrap_or("")
    }
}

impl std::fmt::Debug for OriginalRecipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OriginalRecipient")
            .field("addr_type", &self.addr_type())
            .field("address", &self.address())
            .finish()
    }
}

/// The parameters of RCPT TO. Each known one appears at most once
/// (RFC 5321 §4.1.2); unknown ones are kept in order, out of line (see
/// [`other`](Self::other)), so a parsed [`Command`](crate::Command) stays
/// small.
#[derive(Clone, Default)]
pub struct RcptParameters {
    /// `NOTIFY=` (RFC 3461 §4.1).
    pub notify: Option<Notify>,
    /// `ORCPT=` (RFC 3461 §4.2).
    pub orcpt: Option<OriginalRecipient>,
    /// Parameters this crate does not know; `None` when there are none.
    #[expect(
        clippy::box_collection,
        reason = "one pointer instead of a Vec's three words keeps Command small"
    )]
    other: Option<Box<Vec<Parameter>>>,
}

impl RcptParameters {
    /// Parameters this crate does not know, in the order sent.
    pub fn other(&self) -> &[Parameter] {
        self.other.as_deref().map_or(&[], Vec::as_slice)
    }

    /// Appends a parameter this crate does not know; see
    /// [`MailParameters::push_other`].
    pub fn push_other(&mut self, param: Parameter) {
        self.other.get_or_insert_with(Box::default).push(param);
    }
}

impl PartialEq for RcptParameters {
    fn eq(&self, other: &Self) -> bool {
        self.notify == other.notify && self.orcpt == other.orcpt && self.other() == other.other()
    }
}

impl Eq for RcptParameters {}

impl std::fmt::Debug for RcptParameters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RcptParameters")
            .field("notify", &self.notify)
            .field("orcpt", &self.orcpt)
            .field("other", &self.other())
            .finish()
    }
}
