//! Commands (RFC 5321 §4.1.1 and the service extensions that add verbs).

use bytes::Bytes;

use super::address::{ForwardPath, Host, ReversePath};
use super::params::{MailParameters, RcptParameters};
use super::text::{Keyword, SaslMechanism, Text};

/// One SMTP, ESMTP or LMTP command line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `EHLO` (RFC 5321 §4.1.1.1): a domain or an address literal.
    Ehlo(Host),
    /// `HELO` (RFC 5321 §4.1.1.1): RFC 5321 allows only a domain here;
    /// an address literal is accepted as many clients send one.
    Helo(Host),
    /// `LHLO` (RFC 2033 §4.1), LMTP's EHLO.
    Lhlo(Host),
    /// `MAIL FROM:<reverse-path> [parameters]` (RFC 5321 §4.1.1.2).
    Mail {
        /// The reverse-path.
        from: ReversePath,
        /// The ESMTP parameters.
        params: MailParameters,
    },
    /// `RCPT TO:<forward-path> [parameters]` (RFC 5321 §4.1.1.3).
    Rcpt {
        /// The forward-path.
        to: ForwardPath,
        /// The ESMTP parameters.
        params: RcptParameters,
    },
    /// `DATA` (RFC 5321 §4.1.1.4).
    Data,
    /// `BDAT size [LAST]` (RFC 3030 §2): a chunk of exactly `size` octets follows.
    Bdat {
        /// The chunk size in octets.
        size: u64,
        /// Whether this is the last chunk.
        last: bool,
    },
    /// `RSET` (RFC 5321 §4.1.1.5).
    Rset,
    /// `VRFY string` (RFC 5321 §4.1.1.6).
    Vrfy(Text),
    /// `EXPN string` (RFC 5321 §4.1.1.7).
    Expn(Text),
    /// `HELP [string]` (RFC 5321 §4.1.1.8).
    Help(Option<Text>),
    /// `NOOP [string]` (RFC 5321 §4.1.1.9).
    Noop(Option<Text>),
    /// `QUIT` (RFC 5321 §4.1.1.10).
    Quit,
    /// `STARTTLS` (RFC 3207 §4).
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954 §4).
    Auth {
        /// The SASL mechanism.
        mechanism: SaslMechanism,
        /// The initial response, decoded from base64: `None` when absent,
        /// `Some` of an empty value for `=` (an empty response).
        initial_response: Option<Bytes>,
    },
    /// A verb this crate does not know, kept so a server can answer it
    /// (`502 Command not implemented`) or an extension can handle it.
    Other {
        /// The verb, as sent.
        verb: Keyword,
        /// Everything after the verb and its space, if anything.
        args: Option<Text>,
    },
}

impl Command {
    /// The verb of the command in upper case (`"MAIL"`), or the verb as
    /// sent for [`Command::Other`].
    pub fn verb(&self) -> &str {
        match self {
            Command::Ehlo(_) => "EHLO",
            Command::Helo(_) => "HELO",
            Command::Lhlo(_) => "LHLO",
            Command::Mail { .. } => "MAIL",
            Command::Rcpt { .. } => "RCPT",
            Command::Data => "DATA",
            Command::Bdat { .. } => "BDAT",
            Command::Rset => "RSET",
            Command::Vrfy(_) => "VRFY",
            Command::Expn(_) => "EXPN",
            Command::Help(_) => "HELP",
            Command::Noop(_) => "NOOP",
            Command::Quit => "QUIT",
            Command::StartTls => "STARTTLS",
            Command::Auth { .. } => "AUTH",
            Command::Other { verb, .. } => verb.as_str(),
        }
    }

    /// A `MAIL FROM` without parameters.
    pub fn mail(from: impl Into<ReversePath>) -> Command {
        Command::Mail {
            from: from.into(),
            params: MailParameters::default(),
        }
    }

    /// A `RCPT TO` without parameters.
    pub fn rcpt(to: impl Into<ForwardPath>) -> Command {
        Command::Rcpt {
            to: to.into(),
            params: RcptParameters::default(),
        }
    }

    /// Whether RFC 2920 §3.1 lets a client send further commands after this
    /// one without waiting for its reply (the last command of a pipelined
    /// group is one that changes state: EHLO, DATA, BDAT LAST excepted...).
    ///
    /// True for RSET, MAIL, RCPT, SEND-like commands and non-LAST BDAT.
    pub fn can_pipeline(&self) -> bool {
        matches!(
            self,
            Command::Rset
                | Command::Mail { .. }
                | Command::Rcpt { .. }
                | Command::Bdat { last: false, .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parsed command is returned by value through several layers on
    /// every line; keep it small (the rare MAIL/RCPT parameters are
    /// boxed for this).
    #[test]
    fn command_is_small() {
        let size = std::mem::size_of::<Command>();
        eprintln!(
            "size_of Command={size} Mailbox={} MailParameters={} RcptParameters={} Result={}",
            std::mem::size_of::<crate::types::Mailbox>(),
            std::mem::size_of::<MailParameters>(),
            std::mem::size_of::<RcptParameters>(),
            std::mem::size_of::<Result<Command, crate::types::ParseError>>(),
        );
        assert!(size <= 96, "Command is {size} bytes");
    }
}
