//! The client side of an exchange.
//!
//! Build a [`ClientExchange`] from a [`Mechanism`] and [`Credentials`], send
//! [`ClientExchange::initial_response`] on the AUTH line when the protocol
//! allows it, answer every server challenge with [`ClientExchange::step`],
//! and when the server reports success call [`ClientExchange::finish`]: for
//! SCRAM it refuses a success the server has not proved.

mod scram;

use std::fmt;

use md5::Md5;
use zeroize::Zeroizing;

use crate::scram::saslprep;
use crate::{ChannelBinding, Error, Mechanism, util};

/// The default bound on a server challenge, in bytes.
pub const MAX_CHALLENGE_LEN: usize = 8192;

/// What the client authenticates with. Secrets are zeroized on drop and
/// never shown by `Debug`.
#[derive(Clone)]
pub struct Credentials {
    secret: Secret,
    authzid: Option<String>,
    oauth_host: Option<String>,
    oauth_port: Option<u16>,
}

#[derive(Clone)]
enum Secret {
    Password {
        authcid: String,
        password: Zeroizing<String>,
    },
    Token {
        user: String,
        token: Zeroizing<String>,
    },
    External,
    Anonymous {
        trace: String,
    },
}

/// The kind of credentials, for mechanism choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CredentialKind {
    Password,
    Token,
    External,
    Anonymous,
}

impl Credentials {
    /// A user name (authentication identity) and password: for PLAIN,
    /// LOGIN, CRAM-MD5 and SCRAM.
    pub fn password(authcid: impl Into<String>, password: impl Into<String>) -> Self {
        Self::with(Secret::Password {
            authcid: authcid.into(),
            password: Zeroizing::new(password.into()),
        })
    }

    /// A user name and OAuth 2.0 bearer token: for OAUTHBEARER and XOAUTH2.
    pub fn oauth_token(user: impl Into<String>, token: impl Into<String>) -> Self {
        Self::with(Secret::Token {
            user: user.into(),
            token: Zeroizing::new(token.into()),
        })
    }

    /// Identity established outside SASL (a TLS client certificate): for
    /// EXTERNAL. Add an authorization identity with
    /// [`Credentials::with_authzid`].
    pub fn external() -> Self {
        Self::with(Secret::External)
    }

    /// No identity, only trace information (an email address or a token of
    /// up to 255 characters, RFC 4505 §2): for ANONYMOUS.
    pub fn anonymous(trace: impl Into<String>) -> Self {
        Self::with(Secret::Anonymous {
            trace: trace.into(),
        })
    }

    fn with(secret: Secret) -> Self {
        Credentials {
            secret,
            authzid: None,
            oauth_host: None,
            oauth_port: None,
        }
    }

    /// Asks to act as `authzid` (authorization identity, RFC 4422 §2).
    pub fn with_authzid(mut self, authzid: impl Into<String>) -> Self {
        self.authzid = Some(authzid.into());
        self
    }

    /// The server host name and port OAUTHBEARER reports (RFC 7628 §3.1).
    pub fn with_oauth_host(mut self, host: impl Into<String>, port: u16) -> Self {
        self.oauth_host = Some(host.into());
        self.oauth_port = Some(port);
        self
    }

    pub(crate) fn kind(&self) -> CredentialKind {
        match self.secret {
            Secret::Password { .. } => CredentialKind::Password,
            Secret::Token { .. } => CredentialKind::Token,
            Secret::External => CredentialKind::External,
            Secret::Anonymous { .. } => CredentialKind::Anonymous,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credentials");
        match &self.secret {
            Secret::Password { authcid, .. } => {
                d.field("authcid", authcid).field("password", &"<redacted>")
            }
            Secret::Token { user, .. } => d.field("user", user).field("token", &"<redacted>"),
            Secret::External => d.field("external", &true),
            Secret::Anonymous { trace } => d.field("trace", trace),
        };
        d.field("authzid", &self.authzid).finish()
    }
}

/// Mechanism-specific client state.
enum State {
    /// PLAIN, EXTERNAL, ANONYMOUS: one message, nothing after.
    Single,
    /// LOGIN: prompts answered so far.
    Login {
        user: String,
        password: Zeroizing<String>,
        answered: u8,
    },
    /// CRAM-MD5: waiting for the challenge, or done.
    CramMd5 {
        user: String,
        password: Zeroizing<String>,
        answered: bool,
    },
    /// OAUTHBEARER / XOAUTH2: the error challenge, once received.
    OAuth {
        bearer: bool,
        error: Option<String>,
    },
    Scram(Box<scram::ScramClient>),
}

/// One client exchange. See the [module docs](self).
pub struct ClientExchange {
    mechanism: Mechanism,
    /// The client-first message not yet sent (client-first mechanisms).
    first: Option<Zeroizing<Vec<u8>>>,
    first_sent: bool,
    state: State,
    max_challenge_len: usize,
}

fn no_nul(field: &'static str, s: &str) -> Result<(), Error> {
    if s.contains('\0') {
        Err(Error::InvalidInput {
            field,
            reason: "must not contain NUL",
        })
    } else {
        Ok(())
    }
}

fn no_ctl_a(field: &'static str, s: &str) -> Result<(), Error> {
    if s.bytes().any(|b| b == 0x01 || b == 0) {
        Err(Error::InvalidInput {
            field,
            reason: "must not contain the ^A separator or NUL (RFC 7628 §3.1)",
        })
    } else {
        Ok(())
    }
}

/// `b64token` of RFC 6750 §2.1.
fn valid_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

impl ClientExchange {
    /// Starts an exchange of `mechanism` with `credentials`.
    ///
    /// `channel_binding` is required for `-PLUS` mechanisms; for plain
    /// SCRAM, giving it makes the client announce that it could bind
    /// (`y` flag, RFC 5802 §6) so that a server offering `-PLUS` detects a
    /// downgrade. Fails when the credentials do not fit the mechanism or
    /// contain values the mechanism cannot carry.
    pub fn new(
        mechanism: Mechanism,
        credentials: &Credentials,
        channel_binding: Option<ChannelBinding>,
    ) -> Result<Self, Error> {
        let mismatch = |needs| Error::CredentialsMismatch {
            mechanism: mechanism.clone(),
            needs,
        };
        let authzid = credentials.authzid.clone().filter(|a| !a.is_empty());
        let (first, state) = match (&mechanism, &credentials.secret) {
            (Mechanism::Plain, Secret::Password { authcid, password }) => {
                // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
                no_nul("authcid", authcid)?;
                no_nul("password", password)?;
                no_nul("authzid", authzid.as_deref().unwrap_or(""))?;
                if authcid.is_empty() || password.is_empty() {
                    return Err(Error::InvalidInput {
                        field: "PLAIN credentials",
                        reason: "user name and password must not be empty (RFC 4616 §2)",
                    });
                }
                let mut msg = Zeroizing::new(Vec::new());
                msg.extend_from_slice(authzid.as_deref().unwrap_or("").as_bytes());
                msg.push(0);
                msg.extend_from_slice(authcid.as_bytes());
                msg.push(0);
                msg.extend_from_slice(password.as_bytes());
                (Some(msg), State::Single)
            }
            (Mechanism::Login, Secret::Password { authcid, password }) => {
                no_nul("authcid", authcid)?;
                no_nul("password", password)?;
                let login = State::Login {
                    user: authcid.clone(),
                    password: password.clone(),
                    answered: 0,
                };
                (None, login)
            }
            (Mechanism::CramMd5, Secret::Password { authcid, password }) => {
                no_nul("authcid", authcid)?;
                let cram = State::CramMd5 {
                    user: authcid.clone(),
                    password: password.clone(),
                    answered: false,
                };
                (None, cram)
            }
            (m, Secret::Password { authcid, password }) if m.scram_hash().is_some() => {
                let hash = m.scram_hash().unwrap_or(crate::ScramHash::Sha256);
                if m.is_plus() && channel_binding.is_none() {
                    return Err(Error::ChannelBindingRequired(mechanism.clone()));
                }
                let user = saslprep(authcid, "user name")?;
                let pass = saslprep(password, "password")?;
                if user.is_empty() {
                    return Err(Error::InvalidInput {
                        field: "user name",
                        reason: "must not be empty",
                    });
                }
                let nonce = util::random_nonce(24)?;
                let client = scram::ScramClient::new(
                    hash,
                    m.is_plus(),
                    user.to_string(),
                    pass,
                    authzid.clone(),
                    channel_binding.clone(),
                    nonce,
                );
                (None, State::Scram(Box::new(client)))
            }
            (Mechanism::External, Secret::External) => {
                no_nul("authzid", authzid.as_deref().unwrap_or(""))?;
                let msg = authzid.as_deref().unwrap_or("").as_bytes().to_vec();
                (Some(Zeroizing::new(msg)), State::Single)
            }
            (Mechanism::Anonymous, Secret::Anonymous { trace }) => {
                if trace.chars().count() > 255 || trace.chars().any(char::is_control) {
                    return Err(Error::InvalidInput {
                        field: "anonymous trace",
                        reason: "at most 255 characters, no control characters (RFC 4505 §2)",
                    });
                }
                (
                    Some(Zeroizing::new(trace.as_bytes().to_vec())),
                    State::Single,
                )
            }
            (Mechanism::OAuthBearer, Secret::Token { user, token }) => {
                if !valid_b64token(token) {
                    return Err(Error::InvalidInput {
                        field: "bearer token",
                        reason: "must be a b64token (RFC 6750 §2.1)",
                    });
                }
                // RFC 7628 §3.1: gs2-header kvsep *(kvpair) kvsep
                let authz = authzid
                    .as_deref()
                    .or(Some(user.as_str()))
                    .filter(|u| !u.is_empty());
                let mut msg = crate::scram::gs2_header(&crate::scram::Gs2Flag::None, authz);
                if let Some(host) = &credentials.oauth_host {
                    no_ctl_a("OAuth host", host)?;
                    msg.push_str(&format!("\x01host={host}"));
                }
                if let Some(port) = credentials.oauth_port {
                    msg.push_str(&format!("\x01port={port}"));
                }
                msg.push_str(&format!("\x01auth=Bearer {}\x01\x01", token.as_str()));
                let state = State::OAuth {
                    bearer: true,
                    error: None,
                };
                (Some(Zeroizing::new(msg.into_bytes())), state)
            }
            (Mechanism::XOAuth2, Secret::Token { user, token }) => {
                no_ctl_a("user", user)?;
                if !valid_b64token(token) {
                    return Err(Error::InvalidInput {
                        field: "bearer token",
                        reason: "must be a b64token (RFC 6750 §2.1)",
                    });
                }
                let msg = format!("user={user}\x01auth=Bearer {}\x01\x01", token.as_str());
                let state = State::OAuth {
                    bearer: false,
                    error: None,
                };
                (Some(Zeroizing::new(msg.into_bytes())), state)
            }
            (Mechanism::Other(_), _) => return Err(Error::UnsupportedMechanism(mechanism)),
            (Mechanism::OAuthBearer | Mechanism::XOAuth2, _) => {
                return Err(mismatch("an OAuth bearer token (Credentials::oauth_token)"));
            }
            (Mechanism::External, _) => {
                return Err(mismatch("Credentials::external()"));
            }
            (Mechanism::Anonymous, _) => {
                return Err(mismatch("Credentials::anonymous(trace)"));
            }
            _ => return Err(mismatch("a user name and password (Credentials::password)")),
        };
        Ok(ClientExchange {
            mechanism,
            first,
            first_sent: false,
            state,
            max_challenge_len: MAX_CHALLENGE_LEN,
        })
    }

    /// Replaces the random SCRAM client nonce: for known-answer tests
    /// (RFC 5802 §5) only. A fixed nonce in production voids SCRAM's replay
    /// protection. Ignored by other mechanisms.
    pub fn with_nonce(mut self, nonce: &str) -> Result<Self, Error> {
        if !util::valid_nonce(nonce) {
            return Err(Error::InvalidInput {
                field: "nonce",
                reason: "must be printable ASCII without ','",
            });
        }
        if let State::Scram(s) = &mut self.state {
            s.set_nonce(nonce.to_string());
        }
        Ok(self)
    }

    /// Sets the SCRAM iteration counts the client accepts (default
    /// [`crate::MIN_ITERATIONS`]..=[`crate::MAX_ITERATIONS`]). The minimum
    /// cannot go below 4096 (RFC 7677 §4).
    pub fn with_iteration_range(mut self, min: u32, max: u32) -> Self {
        if let State::Scram(s) = &mut self.state {
            s.min_iterations = min.max(crate::MIN_ITERATIONS);
            s.max_iterations = max.max(s.min_iterations);
        }
        self
    }

    /// Sets the largest server challenge accepted (default
    /// [`MAX_CHALLENGE_LEN`]).
    pub fn with_max_challenge_len(mut self, len: usize) -> Self {
        self.max_challenge_len = len;
        self
    }

    /// The mechanism.
    pub fn mechanism(&self) -> &Mechanism {
        &self.mechanism
    }

    /// The initial response to put on the AUTH line (RFC 4422 §3.3, RFC
    /// 4954 §4, RFC 4959), for client-first mechanisms; `None` for LOGIN and
    /// CRAM-MD5, and after it was taken once. `Some` of an empty vector is
    /// an empty response (sent as `=`), not an absent one.
    ///
    /// When the protocol cannot carry it, do not call this: the server
    /// then sends an empty challenge, and [`ClientExchange::step`] answers
    /// it with the same message.
    pub fn initial_response(&mut self) -> Option<Zeroizing<Vec<u8>>> {
        if self.first_sent {
            return None;
        }
        if let State::Scram(s) = &mut self.state {
            self.first_sent = true;
            return Some(s.client_first());
        }
        let first = self.first.take()?;
        self.first_sent = true;
        Some(first)
    }

    /// Answers a server challenge (decoded from base64 by the protocol
    /// crate). An error means the exchange cannot go on: cancel it (`*`).
    pub fn step(&mut self, challenge: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        if challenge.len() > self.max_challenge_len {
            return Err(Error::TooLarge {
                len: challenge.len(),
                limit: self.max_challenge_len,
            });
        }
        if !self.first_sent && self.mechanism.is_client_first() {
            if !challenge.is_empty() {
                return Err(Error::Malformed(
                    "the mechanism is client-first, but the server's first challenge is not empty",
                ));
            }
            if let Some(first) = self.initial_response() {
                return Ok(first);
            }
        }
        match &mut self.state {
            State::Single => Err(Error::UnexpectedChallenge),
            State::Login {
                user,
                password,
                answered,
            } => {
                // The prompts are "Username:" and "Password:" but servers
                // vary; answer by prompt text when it says, else by order.
                let lower = challenge.to_ascii_lowercase();
                let wants_password = if lower.starts_with(b"pass") {
                    true
                } else if lower.starts_with(b"user") {
                    false
                } else {
                    *answered == 1
                };
                if *answered >= 2 {
                    return Err(Error::UnexpectedChallenge);
                }
                *answered += 1;
                Ok(Zeroizing::new(if wants_password {
                    password.as_bytes().to_vec()
                } else {
                    user.as_bytes().to_vec()
                }))
            }
            State::CramMd5 {
                user,
                password,
                answered,
            } => {
                if *answered {
                    return Err(Error::UnexpectedChallenge);
                }
                *answered = true;
                // RFC 2195 §2: user SP hex(HMAC-MD5(password, challenge))
                let digest = hmac_md5(password.as_bytes(), challenge);
                Ok(Zeroizing::new(
                    format!("{user} {}", util::hex(&digest)).into_bytes(),
                ))
            }
            State::OAuth { bearer, error } => {
                if error.is_some() {
                    return Err(Error::UnexpectedChallenge);
                }
                // RFC 7628 §3.2.2: the server's error is a JSON challenge;
                // the client answers with a single ^A and the server fails.
                // XOAUTH2 answers the same with an empty response.
                *error = Some(String::from_utf8_lossy(challenge).into_owned());
                Ok(Zeroizing::new(if *bearer {
                    vec![0x01]
                } else {
                    Vec::new()
                }))
            }
            State::Scram(s) => s.step(challenge),
        }
    }

    /// To call when the server reports success, with the additional data
    /// it sent along, if any (RFC 4422 §3.6). SCRAM refuses a success before
    /// the server proved it knows the credentials ([`Error::ServerNotVerified`])
    /// or with a wrong proof.
    pub fn finish(&mut self, additional_data: Option<&[u8]>) -> Result<(), Error> {
        match &mut self.state {
            State::Scram(s) => {
                if s.is_verified() {
                    return Ok(());
                }
                match additional_data {
                    Some(data) => s.step(data).map(|_| ()),
                    None => Err(Error::ServerNotVerified),
                }
            }
            _ => Ok(()),
        }
    }

    /// The error the server reported inside the mechanism, if any (the
    /// OAuth JSON error challenge of RFC 7628 §3.2.2).
    pub fn server_error(&self) -> Option<&str> {
        match &self.state {
            State::OAuth { error, .. } => error.as_deref(),
            _ => None,
        }
    }
}

impl fmt::Debug for ClientExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientExchange")
            .field("mechanism", &self.mechanism)
            .field("first_sent", &self.first_sent)
            .finish_non_exhaustive()
    }
}

/// HMAC-MD5 (RFC 2104) for CRAM-MD5.
pub(crate) fn hmac_md5(key: &[u8], data: &[u8]) -> Zeroizing<Vec<u8>> {
    use hmac::{KeyInit, Mac};
    match <hmac::Hmac<Md5> as KeyInit>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            Zeroizing::new(mac.finalize().into_bytes().to_vec())
        }
        Err(_) => Zeroizing::new(Vec::new()),
    }
}
