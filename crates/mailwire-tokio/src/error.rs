//! The errors of the adapter: I/O, TLS, timeouts, and the machine's own
//! protocol errors passed through unchanged.

use std::io;
use std::time::Duration;

/// Result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while driving a connection.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading from or writing to the stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// The machine reported a protocol error (see
    /// [`mailwire_core::Error::is_fatal`] for whether the connection can go
    /// on).
    #[error(transparent)]
    Protocol(#[from] mailwire_core::Error),
    /// The TLS handshake failed (for example the certificate could not be
    /// verified); [`Error::rustls_error`] gives the rustls reason.
    #[error("TLS handshake failed: {0}")]
    TlsHandshake(io::Error),
    /// The machine asked for a TLS switch but the connection was given no
    /// TLS configuration for it. The connection is not continued in
    /// cleartext.
    #[error("the machine asked for TLS but the connection has no TLS configuration")]
    TlsNotConfigured,
    /// The machine asked for a TLS switch on a stream that is already TLS.
    #[error("the machine asked for TLS on a connection that already uses TLS")]
    TlsAlreadyActive,
    /// A configuration value was refused by rustls.
    #[error("TLS configuration error: {0}")]
    TlsConfig(#[from] rustls::Error),
    /// A PEM file could not be read or holds no usable item.
    #[error("PEM error: {0}")]
    Pem(#[from] rustls_pki_types::pem::Error),
    /// A host name is not valid for TLS server-name verification.
    #[error("invalid TLS server name {0:?}")]
    InvalidServerName(String),
    /// An operation took longer than allowed.
    #[error("{what} timed out after {after:?}")]
    Timeout {
        /// What timed out ("connect", "TLS handshake", "flush", ...).
        what: &'static str,
        /// The limit that was exceeded.
        after: Duration,
    },
    /// The machine keeps input it does not consume and produces no event:
    /// usually the application did not answer the previous event before
    /// asking for the next one.
    #[error("the machine holds {0} bytes of input it does not consume")]
    InputStalled(usize),
    /// The stream was lost in an earlier failure (for example a failed TLS
    /// handshake); the connection cannot be used any more.
    #[error("the connection was broken by an earlier error")]
    Broken,
}

impl Error {
    /// Whether the connection cannot go on after this error.
    ///
    /// Only a recoverable protocol error from the machine (which the machine
    /// has already answered) leaves the connection usable: call
    /// [`Connection::next_event`](crate::Connection::next_event) again.
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::Protocol(e) => e.is_fatal(),
            _ => true,
        }
    }

    /// The rustls error behind a failed handshake, if that is what this is.
    pub fn rustls_error(&self) -> Option<&rustls::Error> {
        match self {
            Error::TlsConfig(e) => Some(e),
            Error::TlsHandshake(e) | Error::Io(e) => e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
            _ => None,
        }
    }
}
