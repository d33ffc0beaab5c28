//! What the server machine reports to the application.

use bytes::Bytes;
use mailwire_sasl::Mechanism;

use crate::types::{ForwardPath, Host, MailParameters, RcptParameters, ReversePath, Text};

/// Which greeting command the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelloKind {
    /// `EHLO` (RFC 5321 §4.1.1.1).
    Ehlo,
    /// `HELO`: no service extensions.
    Helo,
    /// `LHLO` (RFC 2033 §4.1).
    Lhlo,
}

/// Why a message body was refused by the machine itself. The reply has
/// already been sent; the application discards what it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AbortReason {
    /// The body exceeded [`Limits::max_message_size`](super::Limits):
    /// `552 5.3.4` (RFC 1870 §6.3).
    TooBig,
    /// A bare CR or LF in a DATA body under the strict line-ending
    /// policy: `550 5.6.0`.
    BareLineEnding,
    /// The connection ended (end of stream or timeout) inside the body.
    ConnectionLost,
}

/// An event of the server machine.
///
/// `Debug` shows the size of SASL responses, not their content (they carry
/// passwords).
///
/// Events marked *answer* wait for the application's answer
/// ([`Server::accept`](super::Server::accept),
/// [`Server::reject`](super::Server::reject),
/// [`Server::send`](super::Server::send)); the machine reads no further
/// command before it, so replies always go out in order (RFC 2920 §3.1).
/// The other events only inform: the machine has already answered.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// *Answer.* `EHLO`, `HELO` or `LHLO`; any transaction was reset
    /// (RFC 5321 §4.1.4). `accept` sends the reply built from the
    /// configuration (the capabilities for EHLO/LHLO).
    Hello {
        /// Which command.
        kind: HelloKind,
        /// The client's name for itself, as sent.
        host: Host,
    },
    /// *Answer.* `MAIL FROM`, already checked against the state, SIZE and
    /// the offered extensions. `accept` sends `250 2.1.0`.
    Mail {
        /// The reverse-path.
        from: ReversePath,
        /// The parameters (`AUTH=` included, RFC 4954 §5).
        params: MailParameters,
    },
    /// *Answer.* `RCPT TO`, within the recipient limit. `accept` sends
    /// `250 2.1.5`.
    Rcpt {
        /// The forward-path.
        to: ForwardPath,
        /// The parameters.
        params: RcptParameters,
    },
    /// *Answer.* The client wants to send the message: `DATA` (`accept`
    /// sends `354`) or the first `BDAT` of the transaction (`accept` reads
    /// the chunk; a rejection is sent once the chunk has been skipped).
    DataStart {
        /// `BDAT` rather than `DATA`.
        chunked: bool,
    },
    /// Body bytes, dot-stuffing removed, in order. Never the whole message
    /// at once.
    DataChunk(Bytes),
    /// *Answer.* The body is complete. `recipients` answers are expected:
    /// one for SMTP, one per accepted recipient in the order they were
    /// accepted for LMTP (RFC 2033 §4.2). `accept` sends `250 2.6.0`.
    DataEnd {
        /// How many answers the machine waits for.
        recipients: usize,
    },
    /// The machine refused the body (the reply is sent) or lost it; the
    /// transaction is over, discard what was received.
    DataAborted(AbortReason),
    /// `RSET` (or a new EHLO) ended the transaction; the machine answered.
    Reset,
    /// *Answer* (only with [`Inquiry::Ask`](super::Inquiry::Ask)): `VRFY`.
    Vrfy(Text),
    /// *Answer* (only with [`Inquiry::Ask`](super::Inquiry::Ask)): `EXPN`.
    Expn(Text),
    /// *Answer* (only with [`Inquiry::Ask`](super::Inquiry::Ask)): `HELP`.
    Help(Option<Text>),
    /// The machine answered `STARTTLS` with `220`; the driver switches to
    /// TLS ([`tls_pending`](mailwire_core::Machine::tls_pending)).
    StartTls,
    /// *Answer* (without an [`Authenticator`](super::Authenticator)):
    /// `AUTH`. Answer with [`Server::auth_challenge`](super::Server::auth_challenge),
    /// `accept` (`235 2.7.0`) or `reject` (e.g. `535 5.7.8`).
    Auth {
        /// The mechanism, one of those offered.
        mechanism: Mechanism,
        /// The initial response, decoded: `Some` of an empty value for `=`.
        initial_response: Option<Bytes>,
    },
    /// *Answer* (without an authenticator): the client's response to the
    /// last challenge, decoded from base64.
    AuthResponse(Bytes),
    /// The client cancelled the exchange with `*`; the machine answered
    /// `501 5.0.0`.
    AuthCancelled,
    /// The machine's authenticator accepted the client (`235` is sent).
    Authenticated {
        /// The authentication identity.
        authcid: String,
        /// The authorization identity, when the client asked for another.
        authzid: Option<String>,
    },
    /// `QUIT`: `221` is sent and the connection closes.
    Quit,
}

impl std::fmt::Debug for ServerEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |b: &Bytes| format!("<{} bytes>", b.len());
        match self {
            ServerEvent::Hello { kind, host } => f
                .debug_struct("Hello")
                .field("kind", kind)
                .field("host", host)
                .finish(),
            ServerEvent::Mail { from, params } => f
                .debug_struct("Mail")
                .field("from", from)
                .field("params", params)
                .finish(),
            ServerEvent::Rcpt { to, params } => f
                .debug_struct("Rcpt")
                .field("to", to)
                .field("params", params)
                .finish(),
            ServerEvent::DataStart { chunked } => f
                .debug_struct("DataStart")
                .field("chunked", chunked)
                .finish(),
            ServerEvent::DataChunk(b) => write!(f, "DataChunk({})", redacted(b)),
            ServerEvent::DataEnd { recipients } => f
                .debug_struct("DataEnd")
                .field("recipients", recipients)
                .finish(),
            ServerEvent::DataAborted(why) => f.debug_tuple("DataAborted").field(why).finish(),
            ServerEvent::Reset => f.write_str("Reset"),
            ServerEvent::Vrfy(t) => f.debug_tuple("Vrfy").field(t).finish(),
            ServerEvent::Expn(t) => f.debug_tuple("Expn").field(t).finish(),
            ServerEvent::Help(t) => f.debug_tuple("Help").field(t).finish(),
            ServerEvent::StartTls => f.write_str("StartTls"),
            ServerEvent::Auth {
                mechanism,
                initial_response,
            } => f
                .debug_struct("Auth")
                .field("mechanism", mechanism)
                .field("initial_response", &initial_response.as_ref().map(redacted))
                .finish(),
            ServerEvent::AuthResponse(b) => write!(f, "AuthResponse({})", redacted(b)),
            ServerEvent::AuthCancelled => f.write_str("AuthCancelled"),
            ServerEvent::Authenticated { authcid, authzid } => f
                .debug_struct("Authenticated")
                .field("authcid", authcid)
                .field("authzid", authzid)
                .finish(),
            ServerEvent::Quit => f.write_str("Quit"),
        }
    }
}
