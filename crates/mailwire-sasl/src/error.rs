//! The error type of the client side and of construction-time checks.
//!
//! A server exchange never returns an error for what the peer sent: it
//! answers with [`crate::ServerStep::Failure`] instead, so that the protocol
//! crate can reply and go on.

use crate::Mechanism;

/// What went wrong on the client side, or when building an exchange.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The mechanism is not implemented by this crate (or, on a server, not
    /// enabled in the [`crate::ServerConfig`]).
    #[error(
        "SASL mechanism {0} is not available here; pick one of the mechanisms this crate implements (see Mechanism)"
    )]
    UnsupportedMechanism(Mechanism),
    /// The credentials do not fit the mechanism (for example a password for
    /// OAUTHBEARER, or a token for SCRAM).
    #[error("SASL mechanism {mechanism} needs {needs}; build the Credentials accordingly")]
    CredentialsMismatch {
        /// The mechanism asked for.
        mechanism: Mechanism,
        /// What kind of credentials it needs.
        needs: &'static str,
    },
    /// A `-PLUS` mechanism was asked for without channel-binding data.
    #[error(
        "{0} needs channel-binding data from the TLS layer (tls-exporter or tls-server-end-point); pass a ChannelBinding, or use the mechanism without -PLUS"
    )]
    ChannelBindingRequired(Mechanism),
    /// A value given to the API cannot be sent (a NUL, a separator, or a
    /// string SASLprep (RFC 4013) rejects).
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which value.
        field: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The server's message does not follow the mechanism's grammar.
    #[error("malformed server message: {0}")]
    Malformed(&'static str),
    /// A server message is longer than the exchange accepts.
    #[error("server message of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Length of the message.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The server sent a challenge after the exchange had completed.
    #[error("the server sent a challenge after the exchange was complete")]
    UnexpectedChallenge,
    /// SCRAM: the server's iteration count is outside the accepted range.
    #[error(
        "SCRAM iteration count {count} is outside the accepted range {min}..={max} (RFC 7677 §4 asks for at least 4096)"
    )]
    IterationCount {
        /// The server's count.
        count: u32,
        /// The minimum accepted.
        min: u32,
        /// The maximum accepted (a bound against a server making us burn CPU).
        max: u32,
    },
    /// SCRAM: the server's nonce does not start with the client's.
    #[error("SCRAM server nonce does not extend the client nonce (RFC 5802 §5.1)")]
    NonceMismatch,
    /// SCRAM: the server's signature (`v=`) is wrong: the server does not
    /// know the credentials, or someone altered the exchange.
    #[error(
        "SCRAM server signature does not verify: the server does not hold this account's keys, or the exchange was tampered with"
    )]
    ServerSignatureMismatch,
    /// SCRAM: the server reported success without proving that it knows the
    /// credentials (no `v=` seen).
    #[error(
        "the server reported success before proving it knows the credentials (SCRAM server-final message missing)"
    )]
    ServerNotVerified,
    /// The server answered with an error inside the mechanism (SCRAM `e=`,
    /// OAuth JSON status).
    #[error("the server refused inside the mechanism: {0}")]
    ServerError(String),
    /// No mechanism offered by the server fits the credentials and the
    /// connection's security.
    #[error("no usable SASL mechanism: {0}")]
    NoMechanism(String),
    /// The operating system's random source failed.
    #[error("the OS random source failed; cannot make a nonce")]
    Random,
}

impl From<Error> for mailwire_core::Error {
    /// Sorts the error into mailwire's categories: what the server sent is
    /// [`mailwire_core::Error::Remote`] (recoverable: the client cancels the
    /// exchange with `*` and the connection goes on), a bound is
    /// [`mailwire_core::Error::Limit`], the rest is the caller's
    /// [`mailwire_core::Error::Local`].
    fn from(e: Error) -> Self {
        match e {
            Error::TooLarge { limit, .. } => {
                mailwire_core::Error::limit("SASL challenge length", limit as u64, true)
            }
            Error::Malformed(_)
            | Error::UnexpectedChallenge
            | Error::IterationCount { .. }
            | Error::NonceMismatch
            | Error::ServerSignatureMismatch
            | Error::ServerNotVerified
            | Error::ServerError(_) => mailwire_core::Error::remote(e.to_string(), &[]),
            other => mailwire_core::Error::local(other.to_string()),
        }
    }
}
