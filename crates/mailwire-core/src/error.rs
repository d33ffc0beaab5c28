//! The error categories every mailwire crate uses.
//!
//! An error says whose fault it is and what can follow:
//!
//! * [`Error::Remote`]: the peer broke the protocol. It carries the offending
//!   bytes (truncated to [`RemoteError::MAX_OFFENDING`]) and whether the
//!   connection can go on after the machine has answered it.
//! * [`Error::Local`]: the caller misused the API, for example sent a command
//!   in a state that does not allow it. Nothing was written.
//! * [`Error::Limit`]: a configured bound (see each crate's `Limits`) was hit.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;

/// Result type of the mailwire crates.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, and whose fault it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer sent something the protocol does not allow.
    #[error("protocol violation by the peer: {0}")]
    Remote(#[from] RemoteError),
    /// The caller used the API in a way the protocol state does not allow.
    #[error("invalid use of the API: {0}")]
    Local(#[from] LocalError),
    /// A configured limit was exceeded.
    #[error("limit exceeded: {0}")]
    Limit(#[from] LimitError),
}

impl Error {
    /// Shorthand for a recoverable [`Error::Remote`].
    pub fn remote(reason: impl Into<Cow<'static, str>>, offending: &[u8]) -> Self {
        Error::Remote(RemoteError::new(reason, offending, true))
    }

    /// Shorthand for a fatal [`Error::Remote`]: the connection cannot go on.
    pub fn remote_fatal(reason: impl Into<Cow<'static, str>>, offending: &[u8]) -> Self {
        Error::Remote(RemoteError::new(reason, offending, false))
    }

    /// Shorthand for an [`Error::Local`].
    pub fn local(reason: impl Into<Cow<'static, str>>) -> Self {
        Error::Local(LocalError::new(reason))
    }

    /// Shorthand for an [`Error::Limit`].
    pub fn limit(what: &'static str, max: u64, recoverable: bool) -> Self {
        Error::Limit(LimitError {
            what,
            max,
            recoverable,
        })
    }

    /// Whether the connection must be closed after this error.
    ///
    /// A local error never ends the connection by itself: the call that
    /// failed had no effect.
    pub fn is_fatal(&self) -> bool {
        match self {
            Error::Remote(e) => !e.recoverable,
            Error::Local(_) => false,
            Error::Limit(e) => !e.recoverable,
        }
    }
}

/// The peer broke the protocol.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteError {
    reason: Cow<'static, str>,
    offending: Bytes,
    truncated: bool,
    recoverable: bool,
}

impl RemoteError {
    /// At most this many offending bytes are kept in the error.
    pub const MAX_OFFENDING: usize = 64;

    /// A new remote error; `offending` is truncated to
    /// [`MAX_OFFENDING`](Self::MAX_OFFENDING) bytes.
    pub fn new(reason: impl Into<Cow<'static, str>>, offending: &[u8], recoverable: bool) -> Self {
        let keep = offending.len().min(Self::MAX_OFFENDING);
        RemoteError {
            reason: reason.into(),
            offending: Bytes::copy_from_slice(&offending[..keep]),
            truncated: keep < offending.len(),
            recoverable,
        }
    }

    /// What rule the peer broke.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The start of the bytes that broke it.
    pub fn offending(&self) -> &[u8] {
        &self.offending
    }

    /// Whether [`offending`](Self::offending) was cut short.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// Whether the connection can go on after the error was answered.
    pub fn is_recoverable(&self) -> bool {
        self.recoverable
    }
}

impl fmt::Debug for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteError")
            .field("reason", &self.reason)
            .field("offending", &EscapeBytes(&self.offending))
            .field("truncated", &self.truncated)
            .field("recoverable", &self.recoverable)
            .finish()
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.reason)?;
        if !self.offending.is_empty() {
            write!(f, " (at \"{}", EscapeBytes(&self.offending))?;
            if self.truncated {
                write!(f, "...")?;
            }
            write!(f, "\")")?;
        }
        Ok(())
    }
}

impl std::error::Error for RemoteError {}

/// The caller used the API wrongly; nothing was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalError {
    reason: Cow<'static, str>,
}

impl LocalError {
    /// A new local error.
    pub fn new(reason: impl Into<Cow<'static, str>>) -> Self {
        LocalError {
            reason: reason.into(),
        }
    }

    /// What was wrong with the call.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for LocalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for LocalError {}

/// A configured limit was exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError {
    /// Which limit, by the name of its `Limits` field (for example `"line_length"`).
    pub what: &'static str,
    /// The configured maximum.
    pub max: u64,
    /// Whether the connection can go on (the machine resynchronised).
    pub recoverable: bool,
}

impl fmt::Display for LimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} exceeds its limit of {}", self.what, self.max)
    }
}

impl std::error::Error for LimitError {}

/// Displays bytes with control and non-ASCII bytes escaped, for errors and logs.
pub struct EscapeBytes<'a>(pub &'a [u8]);

impl fmt::Display for EscapeBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.0 {
            match b {
                b'\r' => f.write_str("\\r")?,
                b'\n' => f.write_str("\\n")?,
                b'\t' => f.write_str("\\t")?,
                b'\\' => f.write_str("\\\\")?,
                b'"' => f.write_str("\\\"")?,
                0x20..=0x7e => write!(f, "{}", b as char)?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for EscapeBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_error_truncates_and_escapes() {
        let long = vec![b'A'; 100];
        let e = RemoteError::new("bad", &long, true);
        assert_eq!(e.offending().len(), RemoteError::MAX_OFFENDING);
        assert!(e.is_truncated());
        let e = Error::remote_fatal("bare LF", b"MAIL\nX");
        assert!(e.is_fatal());
        assert_eq!(
            e.to_string(),
            "protocol violation by the peer: bare LF (at \"MAIL\\nX\")"
        );
    }

    #[test]
    fn fatality() {
        assert!(!Error::local("x").is_fatal());
        assert!(!Error::limit("line_length", 10, true).is_fatal());
        assert!(Error::limit("line_length", 10, false).is_fatal());
        assert!(!Error::remote("x", b"").is_fatal());
    }
}
