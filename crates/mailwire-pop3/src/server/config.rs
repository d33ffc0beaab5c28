//! How a server machine behaves: what it offers and when.

use std::time::Duration;

use mailwire_core::LineEnding;

use crate::Limits;
use crate::types::{Capability, LangListing, MechanismName, Text, Timestamp, Uid};

/// Configuration of one server connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Text of the greeting after `+OK` (the APOP timestamp is appended
    /// when [`apop_timestamp`](Self::apop_timestamp) is set).
    pub greeting: Text,
    /// The APOP timestamp for this connection (RFC 1939 §7), supplied by
    /// the application (the machine reads no clock or random source); APOP
    /// is offered only when it is set. It should be unique per connection,
    /// e.g. `<process-id.clock@hostname>`.
    pub apop_timestamp: Option<Timestamp>,
    /// Offer `STLS` (RFC 2595 §4) until TLS is active. The driver must be
    /// able to do the handshake.
    pub stls: bool,
    /// The connection is already TLS (port 995, RFC 8314).
    pub implicit_tls: bool,
    /// Accept USER/PASS, APOP and AUTH without TLS. Off by default: before
    /// TLS they are refused and CAPA lists neither USER nor SASL (RFC 2595
    /// §2.2, RFC 5034 §4).
    pub allow_plaintext_auth: bool,
    /// Accept `USER`/`PASS` (RFC 1939 §7). Default on.
    pub user_pass: bool,
    /// SASL mechanisms offered in `CAPA` and accepted by `AUTH`
    /// (RFC 5034 §3). The application runs the exchanges.
    pub sasl_mechanisms: Vec<MechanismName>,
    /// Offer `UTF8` (RFC 6856 §2).
    pub utf8: bool,
    /// Languages for `LANG` (RFC 6856 §3); LANG is offered when non-empty.
    /// The first one is the preferred language (`LANG *`).
    pub languages: Vec<LangListing>,
    /// More lines for `CAPA`: `IMPLEMENTATION`, `LOGIN-DELAY`, `EXPIRE`...
    pub extra_capabilities: Vec<Capability>,
    /// The autologout timer (RFC 1939 §3): an idle connection is closed
    /// after this long. RFC 1939 requires at least 10 minutes; shorter
    /// values are raised to 10 minutes.
    pub autologout: Duration,
    /// Line-ending policy for commands: strict CRLF by default.
    pub line_ending: LineEnding,
    /// Bounds.
    pub limits: Limits,
}

impl ServerConfig {
    /// The shortest autologout RFC 1939 §3 allows.
    pub const MIN_AUTOLOGOUT: Duration = Duration::from_secs(600);

    /// A configuration with safe defaults: USER/PASS only after TLS, no
    /// STLS, no SASL, autologout after 10 minutes.
    pub fn new() -> Self {
        ServerConfig {
            greeting: Text::new("POP3 server ready").unwrap_or_default(),
            apop_timestamp: None,
            stls: false,
            implicit_tls: false,
            allow_plaintext_auth: false,
            user_pass: true,
            sasl_mechanisms: Vec::new(),
            utf8: false,
            languages: Vec::new(),
            extra_capabilities: Vec::new(),
            autologout: Self::MIN_AUTOLOGOUT,
            line_ending: LineEnding::Strict,
            limits: Limits::default(),
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// What the application tells the machine about one message of the
/// maildrop when it opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo {
    /// The exact size in octets, as RETR will send it (CRLF line endings,
    /// before dot-stuffing; RFC 1939 §11).
    pub size: u64,
    /// The unique-id (RFC 1939 §7 UIDL).
    pub uid: Uid,
}
