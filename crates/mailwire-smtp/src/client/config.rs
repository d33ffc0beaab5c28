//! The client's configuration.

use std::time::Duration;

use mailwire_core::LineEnding;

use crate::types::{Host, Policy};

/// Whether the client insists on TLS (RFC 3207, RFC 8314 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsPolicy {
    /// Use STARTTLS; if the server does not offer it, or refuses it, fail
    /// rather than go on in cleartext. The default.
    #[default]
    Required,
    /// Use STARTTLS when the server offers it; go on in cleartext when it
    /// does not (RFC 3207 §4.1: open to a downgrade by an active attacker).
    Opportunistic,
    /// Never start TLS on its own (the application may still call
    /// [`Client::starttls`](super::Client::starttls)).
    None,
}

/// How long the client waits for each reply (RFC 5321 §4.5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// The greeting: 5 minutes (§4.5.3.2.1).
    pub greeting: Duration,
    /// The reply to MAIL: 5 minutes (§4.5.3.2.2).
    pub mail: Duration,
    /// The reply to RCPT: 5 minutes (§4.5.3.2.3).
    pub rcpt: Duration,
    /// The reply to DATA (the 354): 2 minutes (§4.5.3.2.4).
    pub data_init: Duration,
    /// Writing one block of data without progress, and the reply to a
    /// non-final BDAT chunk: 3 minutes (§4.5.3.2.5).
    pub data_block: Duration,
    /// The reply after the end of data (`.` or `BDAT LAST`): 10 minutes
    /// (§4.5.3.2.6).
    pub data_term: Duration,
    /// Any other command (EHLO, STARTTLS, AUTH, RSET, NOOP, QUIT):
    /// 5 minutes.
    pub command: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        const MIN: u64 = 60;
        Timeouts {
            greeting: Duration::from_secs(5 * MIN),
            mail: Duration::from_secs(5 * MIN),
            rcpt: Duration::from_secs(5 * MIN),
            data_init: Duration::from_secs(2 * MIN),
            data_block: Duration::from_secs(3 * MIN),
            data_term: Duration::from_secs(10 * MIN),
            command: Duration::from_secs(5 * MIN),
        }
    }
}

/// Configuration of one client connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The client's own name, the argument of EHLO/HELO/LHLO
    /// (RFC 5321 §4.1.1.1: its domain, or an address literal).
    pub hello_name: Host,
    /// Speak LMTP (RFC 2033): LHLO, and one reply per recipient after the
    /// data.
    pub lmtp: bool,
    /// When to start TLS. Default [`TlsPolicy::Required`].
    pub tls: TlsPolicy,
    /// The connection is TLS from the start (port 465, RFC 8314 §3.3):
    /// no STARTTLS. Call [`Machine::tls_established`](mailwire_core::Machine::tls_established) before the greeting
    /// to give the channel-binding data.
    pub implicit_tls: bool,
    /// Let SASL mechanisms that expose the secret (PLAIN, LOGIN, CRAM-MD5,
    /// bearer tokens) run without TLS. Off by default.
    pub allow_cleartext_auth: bool,
    /// Pipeline MAIL, RCPT and DATA when the server offers PIPELINING
    /// (RFC 2920). Default on.
    pub pipelining: bool,
    /// Send bodies with BDAT when the server offers CHUNKING (RFC 3030).
    /// Default on. BINARYMIME bodies always need it.
    pub chunking: bool,
    /// Refuse (with [`Error::Local`](mailwire_core::Error::Local), before
    /// anything is sent) a message that carries DSN parameters (RFC 3461
    /// §4: `RET`, `ENVID`, `NOTIFY`, `ORCPT`) when the server does not
    /// offer `DSN`. Off by default: the parameters are then left out, as
    /// RFC 3461 §5.2.2 (a) requires of a relay, and
    /// [`ClientEvent::DsnNotOffered`](super::ClientEvent::DsnNotOffered)
    /// says so. A submission client that promised its user a DSN sets it.
    pub require_dsn: bool,
    /// Limits and leniency for the server's replies (default
    /// [`Policy::client`]: 512-octet lines, 128 lines and 16 KiB per reply).
    pub policy: Policy,
    /// Line endings accepted from the server. Default strict CRLF.
    pub line_ending: LineEnding,
    /// Reply timeouts.
    pub timeouts: Timeouts,
    /// The body is copied into the transmit buffer in pieces of this size,
    /// the next one only when the buffer has drained below it; it is also
    /// the largest BDAT chunk. Default 64 KiB.
    pub body_piece: usize,
}

impl ClientConfig {
    /// Safe defaults: TLS required, no cleartext credentials, pipelining
    /// and chunking when offered.
    pub fn new(hello_name: Host) -> ClientConfig {
        ClientConfig {
            hello_name,
            lmtp: false,
            tls: TlsPolicy::Required,
            implicit_tls: false,
            allow_cleartext_auth: false,
            pipelining: true,
            chunking: true,
            require_dsn: false,
            policy: Policy::client(),
            line_ending: LineEnding::Strict,
            timeouts: Timeouts::default(),
            body_piece: 64 * 1024,
        }
    }

    /// The same configuration for LMTP (RFC 2033).
    pub fn lmtp(mut self) -> ClientConfig {
        self.lmtp = true;
        self
    }
}
