//! What the client machine reports.

use mailwire_sasl::Mechanism;

use crate::types::{EhloReply, ForwardPath, Reply};

/// What the client machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server's `220` greeting (RFC 5321 §4.3.1); EHLO is on its way.
    Greeting(Reply),
    /// `220` to STARTTLS: write all pending output, perform the TLS
    /// handshake, then call [`Machine::tls_established`](mailwire_core::Machine::tls_established) (RFC 3207 §4).
    StartTls,
    /// The session is ready for commands: after EHLO (and after TLS, the
    /// EHLO under TLS). `None` after the HELO fallback: no extensions.
    Ready {
        /// The EHLO/LHLO reply with the typed capabilities.
        capabilities: Option<EhloReply>,
    },
    /// `235`: AUTH succeeded (RFC 4954 §6).
    Authenticated {
        /// The mechanism used.
        mechanism: Mechanism,
    },
    /// AUTH failed (`535`, `534`, `454`, or `501` after the client
    /// cancelled); the session goes on unauthenticated.
    AuthFailed {
        /// The server's reply.
        reply: Reply,
        /// Why the client cancelled the exchange, if it did.
        reason: Option<String>,
    },
    /// The reply to one `RCPT TO`; a failed recipient does not stop the
    /// others (RFC 5321 §3.3).
    RecipientResult {
        /// The recipient.
        rcpt: ForwardPath,
        /// The server's reply.
        reply: Reply,
    },
    /// The reply (SMTP: one, copied for every accepted recipient) or
    /// replies (LMTP, RFC 2033 §4.2: one per accepted recipient) after the
    /// data. Each recipient is delivered or not by its own reply.
    MessageResult {
        /// Every accepted recipient with the reply that concerns it.
        per_recipient: Vec<(ForwardPath, Reply)>,
    },
    /// The transaction ended before any data was accepted: MAIL was
    /// refused, no recipient was accepted, or DATA was refused. No data
    /// was sent (or only the empty message RFC 2920 §3.1 asks for).
    TransactionFailed {
        /// The reply that decided it.
        reply: Reply,
    },
    /// The server does not offer `DSN` (RFC 3461), so the DSN parameters
    /// of the transaction starting now were left out of its MAIL and RCPT
    /// commands, as RFC 3461 §5.2.2 (a) requires of a client relaying to
    /// such a server. Reported before the transaction's other events; a
    /// relaying MTA now owes the sender the DSNs of RFC 3461 §5.2.2 (b)-(f)
    /// itself (a "relayed" DSN for an accepted `NOTIFY=SUCCESS`
    /// recipient). Set [`ClientConfig::require_dsn`](super::ClientConfig::require_dsn)
    /// to have such a message refused before anything is sent instead.
    DsnNotOffered {
        /// `RET=` and/or `ENVID=` of the envelope were left out of MAIL.
        mail_params: bool,
        /// The recipients whose `NOTIFY=` and/or `ORCPT=` were left out of
        /// their RCPT, in envelope order.
        recipients: Vec<ForwardPath>,
    },
    /// The transaction given up with
    /// [`Client::abandon_mail`](super::Client::abandon_mail) is over: the
    /// server's state is clear and the next transaction may start.
    /// Replies to commands of the transaction that were still outstanding
    /// came before it, each reported for its own command (a
    /// [`RecipientResult`](Self::RecipientResult) per RCPT, RFC 2920 §3.1).
    MailAbandoned {
        /// The reply to the RSET that cleared the server's state
        /// (RFC 5321 §4.1.1.5); `None` when nothing of the transaction had
        /// been sent yet, or when the data had already begun and the
        /// connection was closed instead (a [`Closed`](Self::Closed)
        /// follows, see `abandon_mail`).
        reply: Option<Reply>,
    },
    /// The reply to RSET, NOOP, VRFY or EXPN.
    Done {
        /// `"RSET"`, `"NOOP"`, `"VRFY"` or `"EXPN"`.
        command: &'static str,
        /// The server's reply.
        reply: Reply,
    },
    /// The session is over: the reply to QUIT, a `421` (RFC 5321 §3.8),
    /// or `None` when the server closed the connection while idle, or when
    /// the client ends it to abandon a transaction whose data had begun
    /// (after [`MailAbandoned`](Self::MailAbandoned)).
    Closed(Option<Reply>),
}
