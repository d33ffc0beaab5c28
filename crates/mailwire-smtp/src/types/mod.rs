//! The typed values of SMTP, ESMTP and LMTP, one file per grammar area.
//!
//! Every constructor validates its input, so no value of these types can
//! hold a CR, LF or NUL where the grammar forbids them: encoding a value
//! built through this API can never inject a command or a reply line.

pub mod address;
pub mod capability;
pub mod command;
pub mod error;
pub mod params;
pub mod policy;
pub mod reply;
pub mod text;

pub use address::{AddressLiteral, Domain, ForwardPath, Host, LiteralKind, Mailbox, ReversePath};
pub use capability::{Capability, EhloOutcome, EhloReply, MailLimits};
pub use command::Command;
pub use error::{ParseError, ParseErrorKind};
pub use params::{
    Body, ByMode, DeliverBy, Hold, MailAuth, MailExtras, MailParameters, Notify, OriginalRecipient,
    Parameter, Priority, RcptParameters, Ret,
};
pub use policy::Policy;
pub use reply::{EnhancedCode, Reply, ReplyCode};
pub use text::{EhloParam, Keyword, ParamValue, SaslMechanism, Text, XText};

use std::fmt;

/// A value given to a constructor does not fit the grammar (it holds a
/// CR, LF or NUL, or breaks the type's rule). It is the caller's mistake,
/// so it converts into [`mailwire_core::Error::Local`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    what: &'static str,
    value: String,
}

impl InvalidInput {
    pub(crate) fn new(what: &'static str, value: &str) -> InvalidInput {
        let mut value: String = value.chars().take(64).collect();
        value = value.escape_debug().to_string();
        InvalidInput { what, value }
    }

    /// The kind of value that was expected (`"mailbox"`, `"domain"`, ...).
    pub fn what(&self) -> &'static str {
        self.what
    }
}

impl fmt::Display for InvalidInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a valid {}: \"{}\"", self.what, self.value)
    }
}

impl std::error::Error for InvalidInput {}

impl From<InvalidInput> for mailwire_core::Error {
    fn from(e: InvalidInput) -> Self {
        mailwire_core::Error::local(e.to_string())
    }
}
