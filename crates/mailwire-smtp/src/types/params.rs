//! Parameters of MAIL FROM and RCPT TO (RFC 5321 §4.1.2 `Mail-parameters`,
//! `Rcpt-parameters`) and the extensions that define them.

use super::InvalidInput;
use super::address::Mailbox;
use super::text::{Keyword, ParamValue, XText};

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
/// (RFC 5321 §4.1.2); unknown ones are kept in order in `other`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailParameters {
    /// `SIZE=n` (RFC 1870 §6): the message size in octets.
    pub size: Option<u64>,
    /// `BODY=` (RFC 6152, RFC 3030).
    pub body: Option<Body>,
    /// `SMTPUTF8` (RFC 6531 §3.4).
    pub smtputf8: bool,
    /// `AUTH=` (RFC 4954 §5).
    pub auth: Option<MailAuth>,
    /// `RET=` (RFC 3461 §4.3).
    pub ret: Option<Ret>,
    /// `ENVID=` (RFC 3461 §4.4), decoded from xtext.
    pub envid: Option<XText>,
    /// `REQUIRETLS` (RFC 8689 §4.1).
    pub requiretls: bool,
    /// `MT-PRIORITY=` (RFC 6710 §3).
    pub mt_priority: Option<Priority>,
    /// `HOLDFOR=` or `HOLDUNTIL=` (RFC 4865).
    pub hold: Option<Hold>,
    /// `BY=` (RFC 2852).
    pub by: Option<DeliverBy>,
    /// Parameters this crate does not know.
    pub other: Vec<Parameter>,
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

/// `ORCPT=addr-type;xtext` of RCPT TO (RFC 3461 §4.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OriginalRecipient {
    /// The address type, usually `rfc822` (an atom; `Keyword` covers the
    /// registered ones).
    pub addr_type: Keyword,
    /// The address, decoded from xtext.
    pub address: XText,
}

/// The parameters of RCPT TO.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RcptParameters {
    /// `NOTIFY=` (RFC 3461 §4.1).
    pub notify: Option<Notify>,
    /// `ORCPT=` (RFC 3461 §4.2).
    pub orcpt: Option<OriginalRecipient>,
    /// Parameters this crate does not know.
    pub other: Vec<Parameter>,
}
