//! Mechanism names (RFC 4422 §3.1) and the client's choice among them.

use std::fmt;

use crate::{Credentials, Error, ScramHash, client::CredentialKind};

/// A SASL mechanism, by its name on the wire.
///
/// Parse names with [`Mechanism::parse`] (case-insensitive, RFC 4422 §3.1);
/// names this crate does not implement are kept as [`Mechanism::Other`], so
/// a capability list survives a round trip.
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mechanism {
    /// `PLAIN` (RFC 4616).
    Plain,
    /// `LOGIN` (draft-murchison-sasl-login; the server prompts for user name
    /// and password).
    Login,
    /// `EXTERNAL` (RFC 4422 appendix A): identity from the TLS layer.
    External,
    /// `ANONYMOUS` (RFC 4505).
    Anonymous,
    /// `CRAM-MD5` (RFC 2195).
    CramMd5,
    /// `SCRAM-SHA-1` (RFC 5802).
    ScramSha1,
    /// `SCRAM-SHA-1-PLUS` (RFC 5802 §6, with channel binding).
    ScramSha1Plus,
    /// `SCRAM-SHA-256` (RFC 7677).
    ScramSha256,
    /// `SCRAM-SHA-256-PLUS` (RFC 7677, with channel binding).
    ScramSha256Plus,
    /// `OAUTHBEARER` (RFC 7628).
    OAuthBearer,
    /// `XOAUTH2` (Google's and Microsoft's pre-RFC 7628 bearer mechanism).
    XOAuth2,
    /// Any other syntactically valid mechanism name, upper-cased.
    Other(MechanismName),
}

/// A syntactically valid SASL mechanism name (RFC 4422 §3.1: 1 to 20 of
/// `A-Z 0-9 - _`), stored upper-case. It can never hold a space, CR or LF.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct MechanismName(String);

impl MechanismName {
    /// The name as sent on the wire.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const KNOWN: &[(&str, Mechanism)] = &[
    ("PLAIN", Mechanism::Plain),
    ("LOGIN", Mechanism::Login),
    ("EXTERNAL", Mechanism::External),
    ("ANONYMOUS", Mechanism::Anonymous),
    ("CRAM-MD5", Mechanism::CramMd5),
    ("SCRAM-SHA-1", Mechanism::ScramSha1),
    ("SCRAM-SHA-1-PLUS", Mechanism::ScramSha1Plus),
    ("SCRAM-SHA-256", Mechanism::ScramSha256),
    ("SCRAM-SHA-256-PLUS", Mechanism::ScramSha256Plus),
    ("OAUTHBEARER", Mechanism::OAuthBearer),
    ("XOAUTH2", Mechanism::XOAuth2),
];

impl Mechanism {
    /// Parses a mechanism name, case-insensitively.
    ///
    /// `sasl-mech = 1*20mech-char`, `mech-char = UPPER-ALPHA / DIGIT / HYPHEN
    /// / UNDERSCORE` (RFC 4422 §3.1); lower case is accepted and upper-cased.
    pub fn parse(name: &[u8]) -> Result<Mechanism, Error> {
        if name.is_empty() || name.len() > 20 {
            return Err(Error::InvalidInput {
                field: "mechanism name",
                reason: "must be 1 to 20 characters (RFC 4422 §3.1)",
            });
        }
        if !name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        {
            return Err(Error::InvalidInput {
                field: "mechanism name",
                reason: "only letters, digits, '-' and '_' are allowed (RFC 4422 §3.1)",
            });
        }
        let upper: String = name
            .iter()
            .map(|b| char::from(b.to_ascii_uppercase()))
            .collect();
        Ok(KNOWN
            .iter()
            .find(|(n, _)| *n == upper)
            .map(|(_, m)| m.clone())
            .unwrap_or(Mechanism::Other(MechanismName(upper))))
    }

    /// The name as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Mechanism::Other(name) => name.as_str(),
            known => KNOWN
                .iter()
                .find(|(_, m)| m == known)
                .map(|(n, _)| *n)
                .unwrap_or(""),
        }
    }

    /// Whether this crate implements the mechanism.
    pub fn is_supported(&self) -> bool {
        !matches!(self, Mechanism::Other(_))
    }

    /// Whether the mechanism binds the exchange to the TLS channel (`-PLUS`).
    pub fn is_plus(&self) -> bool {
        matches!(self, Mechanism::ScramSha1Plus | Mechanism::ScramSha256Plus)
    }

    /// The hash of a SCRAM mechanism.
    pub fn scram_hash(&self) -> Option<ScramHash> {
        match self {
            Mechanism::ScramSha1 | Mechanism::ScramSha1Plus => Some(ScramHash::Sha1),
            Mechanism::ScramSha256 | Mechanism::ScramSha256Plus => Some(ScramHash::Sha256),
            _ => None,
        }
    }

    /// Whether the client speaks first (RFC 4422 §3.3): it then has an
    /// initial response for the AUTH line. LOGIN and CRAM-MD5 are
    /// server-first.
    pub fn is_client_first(&self) -> bool {
        !matches!(
            self,
            Mechanism::Login | Mechanism::CramMd5 | Mechanism::Other(_)
        )
    }

    /// Whether the mechanism exposes a reusable secret to anyone who reads
    /// the connection (PLAIN, LOGIN, bearer tokens), or to an offline
    /// dictionary attack (CRAM-MD5). Such mechanisms need TLS.
    pub fn needs_tls(&self) -> bool {
        matches!(
            self,
            Mechanism::Plain
                | Mechanism::Login
                | Mechanism::CramMd5
                | Mechanism::OAuthBearer
                | Mechanism::XOAuth2
        )
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mechanism({})", self.as_str())
    }
}

impl std::str::FromStr for Mechanism {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Mechanism::parse(s.as_bytes())
    }
}

/// What the client knows about the connection when choosing a mechanism.
///
/// Built with [`Security::tls`] or [`Security::cleartext`]; a cleartext
/// connection refuses PLAIN, LOGIN, CRAM-MD5 and bearer tokens unless
/// [`Security::allow_cleartext_secrets`] is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Security {
    tls: bool,
    channel_binding: bool,
    allow_cleartext: bool,
}

impl Security {
    /// A TLS connection; `channel_binding` says whether channel-binding data
    /// (a [`crate::ChannelBinding`]) is available for `-PLUS` mechanisms.
    pub fn tls(channel_binding: bool) -> Self {
        Security {
            tls: true,
            channel_binding,
            allow_cleartext: false,
        }
    }

    /// A connection without TLS.
    pub fn cleartext() -> Self {
        Security {
            tls: false,
            channel_binding: false,
            allow_cleartext: false,
        }
    }

    /// Allows mechanisms that expose the secret (PLAIN, LOGIN, CRAM-MD5,
    /// OAUTHBEARER, XOAUTH2) on a connection without TLS. Off by default.
    pub fn allow_cleartext_secrets(mut self, allow: bool) -> Self {
        self.allow_cleartext = allow;
        self
    }

    /// Whether the connection is TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }
}

/// Client preference for password credentials, strongest first.
const PASSWORD_ORDER: &[Mechanism] = &[
    Mechanism::ScramSha256Plus,
    Mechanism::ScramSha1Plus,
    Mechanism::ScramSha256,
    Mechanism::ScramSha1,
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
];

/// Client preference for bearer tokens.
const TOKEN_ORDER: &[Mechanism] = &[Mechanism::OAuthBearer, Mechanism::XOAuth2];

/// Picks the strongest mechanism that the server offers and the credentials
/// and connection allow.
///
/// Order for passwords: SCRAM-SHA-256-PLUS, SCRAM-SHA-1-PLUS (only with
/// channel binding), SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, LOGIN, CRAM-MD5; for
/// tokens OAUTHBEARER then XOAUTH2; EXTERNAL and ANONYMOUS credentials pick
/// their own mechanism. Mechanisms that expose the secret are skipped on a
/// cleartext connection unless allowed (see [`Security`]). The error says
/// why nothing fits.
pub fn select_mechanism(
    offered: &[Mechanism],
    credentials: &Credentials,
    security: Security,
) -> Result<Mechanism, Error> {
    let order: &[Mechanism] = match credentials.kind() {
        CredentialKind::Password => PASSWORD_ORDER,
        CredentialKind::Token => TOKEN_ORDER,
        CredentialKind::External => &[Mechanism::External],
        CredentialKind::Anonymous => &[Mechanism::Anonymous],
    };
    let mut refused_cleartext = Vec::new();
    let mut refused_binding = Vec::new();
    for candidate in order {
        if !offered.contains(candidate) {
            continue;
        }
        if candidate.is_plus() && !security.channel_binding {
            refused_binding.push(candidate.as_str());
            continue;
        }
        if candidate.needs_tls() && !security.tls && !security.allow_cleartext {
            refused_cleartext.push(candidate.as_str());
            continue;
        }
        return Ok(candidate.clone());
    }
    let offered_names: Vec<&str> = offered.iter().map(Mechanism::as_str).collect();
    let wanted: Vec<&str> = order.iter().map(Mechanism::as_str).collect();
    let mut why = format!(
        "the server offers [{}], these credentials can use [{}]",
        offered_names.join(" "),
        wanted.join(" ")
    );
    if !refused_cleartext.is_empty() {
        why.push_str(&format!(
            "; {} would send the secret without TLS: use STARTTLS/implicit TLS, or opt in with Security::allow_cleartext_secrets",
            refused_cleartext.join(" ")
        ));
    }
    if !refused_binding.is_empty() {
        why.push_str(&format!(
            "; {} needs channel-binding data the TLS layer did not give",
            refused_binding.join(" ")
        ));
    }
    Err(Error::NoMechanism(why))
}
