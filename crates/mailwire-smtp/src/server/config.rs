//! What a server connection offers and enforces.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mailwire_core::LineEnding;
use mailwire_sasl::{CredentialStore, Mechanism};

use crate::types::{Capability, Host, Policy, Text};

/// Bounds on what a client can make the server hold or do. Every default
/// is safe for a public server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest command line, CRLF included (default 512, RFC 5321
    /// §4.5.3.1.4). An `AUTH` line may be as long as
    /// [`max_auth_line`](Self::max_auth_line).
    pub max_command_line: usize,
    /// Longest `AUTH` command line or SASL response line, CRLF included
    /// (default 12288, RFC 4954 §4).
    pub max_auth_line: usize,
    /// Largest message in octets (default 25 MiB), announced as `SIZE`
    /// (RFC 1870) and enforced on the body of DATA and BDAT: lines of a
    /// DATA body are not length-limited, the message as a whole is.
    pub max_message_size: u64,
    /// Most accepted recipients per transaction (default 100, the minimum
    /// RFC 5321 §4.5.3.1.8 requires a server to accept); more get
    /// `452 4.5.3`.
    pub max_recipients: usize,
    /// Protocol errors (unknown commands, syntax errors, bad sequence)
    /// before the server answers `421 4.7.0` and closes (default 20).
    pub max_bad_commands: u32,
    /// Failed AUTH attempts before `421 4.7.0` and close (default 3).
    pub max_auth_failures: u32,
    /// How long the client may stay silent between commands (default 5
    /// minutes, RFC 5321 §4.5.3.2.7).
    pub idle_timeout: Duration,
    /// How long the client may stay silent inside a message body (default
    /// 3 minutes, the DATA block timeout of RFC 5321 §4.5.3.2.6).
    pub data_timeout: Duration,
    /// Output bytes queued before the machine stops reading commands until
    /// the driver has written some (default 64 KiB): a pipelining client
    /// that never reads cannot make the replies grow without bound.
    pub max_pending_output: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_command_line: crate::types::policy::MAX_COMMAND_LINE,
            max_auth_line: 12288,
            max_message_size: 25 * 1024 * 1024,
            max_recipients: 100,
            max_bad_commands: 20,
            max_auth_failures: 3,
            idle_timeout: Duration::from_secs(5 * 60),
            data_timeout: Duration::from_secs(3 * 60),
            max_pending_output: 64 * 1024,
        }
    }
}

/// The service extensions the server announces in its EHLO/LHLO reply and
/// honours. Each is on by default except `BINARYMIME` and `REQUIRETLS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extensions {
    /// `SIZE n` (RFC 1870), `n` from [`Limits::max_message_size`].
    pub size: bool,
    /// `PIPELINING` (RFC 2920).
    pub pipelining: bool,
    /// `8BITMIME` (RFC 6152).
    pub eight_bit_mime: bool,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `CHUNKING` (RFC 3030): `BDAT`.
    pub chunking: bool,
    /// `BINARYMIME` (RFC 3030 §3); only announced with `chunking`.
    pub binary_mime: bool,
    /// `DSN` (RFC 3461): `RET`, `ENVID`, `NOTIFY`, `ORCPT` parameters.
    pub dsn: bool,
    /// `ENHANCEDSTATUSCODES` (RFC 2034). When off, the enhanced codes are
    /// removed from every reply the server sends.
    pub enhanced_status_codes: bool,
    /// `REQUIRETLS` (RFC 8689), announced and accepted only under TLS.
    pub requiretls: bool,
}

impl Default for Extensions {
    fn default() -> Self {
        Extensions {
            size: true,
            pipelining: true,
            eight_bit_mime: true,
            smtputf8: true,
            chunking: true,
            binary_mime: false,
            dsn: true,
            enhanced_status_codes: true,
            requiretls: false,
        }
    }
}

/// How the server answers `VRFY`, `EXPN` or `HELP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Inquiry {
    /// The machine answers without telling anything: `252 2.5.0` for
    /// VRFY and EXPN (RFC 5321 §3.5.3), `214 2.0.0` for HELP.
    #[default]
    SafeDefault,
    /// The machine answers `502 5.5.1 Command not implemented`.
    NotImplemented,
    /// The application gets an event and answers it.
    Ask,
}

/// Runs SASL exchanges inside the machine: the credential store and the
/// mailwire-sasl settings. With one, the application only sees
/// [`ServerEvent::Authenticated`](super::ServerEvent::Authenticated).
#[derive(Clone)]
pub struct Authenticator {
    pub(crate) store: Arc<dyn CredentialStore + Send + Sync>,
    pub(crate) sasl: mailwire_sasl::ServerConfig,
}

impl Authenticator {
    /// An authenticator over `store` with the SASL settings `sasl` (which
    /// enable CRAM-MD5, OAuth...). Channel-binding data is added by the
    /// machine once TLS is established.
    pub fn new(
        store: Arc<dyn CredentialStore + Send + Sync>,
        sasl: mailwire_sasl::ServerConfig,
    ) -> Authenticator {
        Authenticator { store, sasl }
    }
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("sasl", &self.sasl)
            .finish_non_exhaustive()
    }
}

/// SMTP AUTH (RFC 4954).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AuthConfig {
    /// The mechanisms offered, in the order announced. Empty: no AUTH.
    /// `-PLUS` mechanisms are announced only when the TLS session gave
    /// channel-binding data; with an [`Authenticator`], only the
    /// mechanisms its SASL settings can serve are announced.
    pub mechanisms: Vec<Mechanism>,
    /// Offer and accept AUTH without TLS. Off by default: before TLS, AUTH
    /// is not announced and gets `538 5.7.11` (RFC 4954 §4, §6).
    pub allow_cleartext: bool,
    /// Refuse MAIL with `530 5.7.0` until the client has authenticated
    /// (for submission, RFC 6409 §4.3).
    pub required: bool,
    /// Run the exchanges in the machine; `None`: the application answers
    /// [`ServerEvent::Auth`](super::ServerEvent::Auth) steps itself.
    pub authenticator: Option<Authenticator>,
}

impl AuthConfig {
    /// AUTH run by the machine against `store`, offering every mechanism
    /// `sasl` can serve (the `-PLUS` ones once TLS gives channel-binding
    /// data).
    pub fn with_store(
        store: Arc<dyn CredentialStore + Send + Sync>,
        sasl: mailwire_sasl::ServerConfig,
    ) -> AuthConfig {
        // Which mechanisms `sasl` serves when binding data exists; the
        // machine leaves out `-PLUS` on connections without it.
        let bound = mailwire_core::TlsInfo::new().with_tls_exporter(vec![0; 32]);
        AuthConfig {
            mechanisms: sasl.clone().with_tls_info(&bound).mechanisms(),
            allow_cleartext: false,
            required: false,
            authenticator: Some(Authenticator::new(store, sasl)),
        }
    }
}

/// The configuration of one server connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The server's name, in the greeting, the EHLO reply and `221`.
    pub hostname: Host,
    /// Text after the name in the `220` greeting (RFC 5321 §4.3.1).
    pub greeting: Text,
    /// Text after the name on the first line of the EHLO/LHLO reply.
    pub ehlo_greeting: Option<Text>,
    /// Speak LMTP (RFC 2033): `LHLO` instead of EHLO/HELO, and one reply
    /// per accepted recipient after the message.
    pub lmtp: bool,
    /// The service extensions offered.
    pub extensions: Extensions,
    /// The driver can switch to TLS: offer `STARTTLS` (RFC 3207) until TLS
    /// is active.
    pub starttls: bool,
    /// Refuse MAIL with `530 5.7.0` until TLS is active (submission ports,
    /// RFC 3207 §4).
    pub require_tls: bool,
    /// SMTP AUTH.
    pub auth: AuthConfig,
    /// How VRFY is answered.
    pub vrfy: Inquiry,
    /// How EXPN is answered.
    pub expn: Inquiry,
    /// How HELP is answered.
    pub help: Inquiry,
    /// Line endings in commands and DATA: strict CRLF by default (a bare
    /// CR or LF in a command is refused, a message holding one is refused
    /// whole with `550 5.6.0`); `Normalize` takes a bare LF as CRLF.
    pub line_ending: LineEnding,
    /// Leniency of the command parser ([`Policy::server`] by default).
    pub policy: Policy,
    /// Bounds.
    pub limits: Limits,
    /// More EHLO lines, announced after the built-in ones (`HELP`, ...).
    pub extra_capabilities: Vec<Capability>,
}

impl ServerConfig {
    /// A configuration with safe defaults for the server `hostname`: SMTP,
    /// the default extensions, no STARTTLS, no AUTH.
    pub fn new(hostname: Host) -> ServerConfig {
        ServerConfig {
            hostname,
            greeting: Text::from_static("ESMTP ready"),
            ehlo_greeting: None,
            lmtp: false,
            extensions: Extensions::default(),
            starttls: false,
            require_tls: false,
            auth: AuthConfig::default(),
            vrfy: Inquiry::SafeDefault,
            expn: Inquiry::SafeDefault,
            help: Inquiry::SafeDefault,
            line_ending: LineEnding::Strict,
            policy: Policy::server(),
            limits: Limits::default(),
            extra_capabilities: Vec::new(),
        }
    }
}
