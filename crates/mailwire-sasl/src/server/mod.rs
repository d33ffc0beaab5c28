//! The server side of an exchange.
//!
//! Build a [`ServerExchange`] for the mechanism the client named, call
//! [`ServerExchange::start`] with the initial response (if the AUTH line
//! carried one), then [`ServerExchange::step`] with every client response,
//! until a [`ServerStep::Success`] or [`ServerStep::Failure`]. A client `*`
//! becomes [`ServerExchange::cancel`]. Nothing a client sends makes these
//! panic or grow memory past [`ServerConfig::with_max_response_len`].

mod config;
mod oauth;
mod scram;
mod simple;
mod store;

use std::fmt;

pub use config::ServerConfig;
pub use store::{CredentialStore, MemoryStore};

use simple::{authorized, cram_md5, login_field, plain};

use crate::{Error, Mechanism, util};

/// The default bound on a client response, in bytes.
pub const MAX_RESPONSE_LEN: usize = 8192;

/// Who the client turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The authentication identity (whose credentials were checked). For
    /// EXTERNAL the identity the TLS layer established; for ANONYMOUS
    /// `"anonymous"`.
    pub authcid: String,
    /// The authorization identity the client asked to act as, when it
    /// differs from `authcid` and [`CredentialStore::authorize`] allowed it.
    pub authzid: Option<String>,
}

impl Identity {
    /// The identity to act as: the authzid if any, else the authcid.
    pub fn effective(&self) -> &str {
        self.authzid.as_deref().unwrap_or(&self.authcid)
    }
}

/// Why an exchange failed. The protocol crate turns every variant into its
/// authentication-failed reply; `Display` gives a log line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// Wrong credentials or unknown user (not told apart, on purpose).
    AuthenticationFailed,
    /// The credentials were right but may not act as the authzid.
    AuthorizationFailed,
    /// SCRAM channel binding does not match or was refused.
    ChannelBinding(&'static str),
    /// The client's message does not follow the mechanism's grammar.
    Malformed(&'static str),
    /// The client's message is longer than the limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The client cancelled (`*`, RFC 4954 §4, RFC 9051 §6.2.2).
    Cancelled,
    /// The server aborted the exchange ([`ServerExchange::abort`]).
    Aborted,
    /// A response came after the exchange had ended.
    ExchangeOver,
    /// The OS random source failed.
    Internal,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::AuthenticationFailed => f.write_str("authentication failed"),
            Failure::AuthorizationFailed => {
                f.write_str("not authorized to act as the requested identity")
            }
            Failure::ChannelBinding(why) => write!(f, "channel binding failed: {why}"),
            Failure::Malformed(why) => write!(f, "malformed SASL message: {why}"),
            Failure::TooLarge { limit } => {
                write!(f, "SASL message exceeds the limit of {limit} bytes")
            }
            Failure::Cancelled => f.write_str("authentication cancelled by the client"),
            Failure::Aborted => f.write_str("authentication aborted by the server"),
            Failure::ExchangeOver => f.write_str("the authentication exchange is already over"),
            Failure::Internal => f.write_str("internal error (random source)"),
        }
    }
}

/// What the server answers next.
#[derive(Clone, PartialEq, Eq)]
pub enum ServerStep {
    /// Send this challenge (the protocol crate base64-encodes it; empty is
    /// valid) and wait for the client's response.
    Challenge(Vec<u8>),
    /// Authenticated.
    Success {
        /// Who the client is.
        identity: Identity,
        /// Data to send with the success reply (SCRAM server-final), only
        /// when [`ServerConfig::with_success_data`] was enabled.
        additional_data: Option<Vec<u8>>,
    },
    /// Not authenticated.
    Failure(Failure),
}

impl fmt::Debug for ServerStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerStep::Challenge(c) => write!(f, "Challenge({} bytes)", c.len()),
            ServerStep::Success {
                identity,
                additional_data,
            } => f
                .debug_struct("Success")
                .field("identity", identity)
                .field("additional_data", &additional_data.as_ref().map(Vec::len))
                .finish(),
            ServerStep::Failure(r) => f.debug_tuple("Failure").field(r).finish(),
        }
    }
}

enum State {
    Plain,
    LoginUser,
    LoginPassword {
        user: String,
    },
    CramMd5 {
        challenge: String,
    },
    OAuth {
        bearer: bool,
    },
    OAuthErrorSent {
        bearer: bool,
    },
    External {
        identity: String,
    },
    Anonymous,
    Scram(Box<scram::ScramServer>),
    /// SCRAM server-final sent as a challenge; waiting for the empty reply.
    FinalSent {
        identity: Identity,
    },
    Done,
}

/// One server exchange. See the [module docs](self).
pub struct ServerExchange {
    mechanism: Mechanism,
    state: State,
    started: bool,
    max_response_len: usize,
    success_data: bool,
    oauth_error: String,
}

impl ServerExchange {
    /// Starts an exchange for `mechanism` as the client named it.
    ///
    /// Fails with [`Error::UnsupportedMechanism`] when the mechanism is
    /// unknown or not enabled in `config` (CRAM-MD5, ANONYMOUS, OAuth,
    /// EXTERNAL without an identity, `-PLUS` without channel-binding data).
    pub fn new(mechanism: Mechanism, config: &ServerConfig) -> Result<Self, Error> {
        let unsupported = || Error::UnsupportedMechanism(mechanism.clone());
        let state = match &mechanism {
            Mechanism::Plain => State::Plain,
            Mechanism::Login => State::LoginUser,
            Mechanism::CramMd5 if config.cram_md5 => {
                let a = u64::from_le_bytes(
                    util::random_bytes(8)?
                        .try_into()
                        .map_err(|_| Error::Random)?,
                );
                let b = u32::from_le_bytes(
                    util::random_bytes(4)?
                        .try_into()
                        .map_err(|_| Error::Random)?,
                );
                State::CramMd5 {
                    challenge: format!("<{a}.{b}@{}>", config.hostname),
                }
            }
            Mechanism::OAuthBearer if config.oauth => State::OAuth { bearer: true },
            Mechanism::XOAuth2 if config.oauth => State::OAuth { bearer: false },
            Mechanism::External => State::External {
                identity: config.external_identity.clone().ok_or_else(unsupported)?,
            },
            Mechanism::Anonymous if config.anonymous => State::Anonymous,
            m if m.scram_hash().is_some() => {
                if m.is_plus() && !config.has_binding() {
                    return Err(unsupported());
                }
                State::Scram(Box::new(scram::ScramServer::new(
                    m.scram_hash().unwrap_or(crate::ScramHash::Sha256),
                    m.is_plus(),
                    config.tls_exporter.clone(),
                    config.tls_server_end_point.clone(),
                    util::random_nonce(24)?,
                    config.unknown_user_iterations,
                )))
            }
            _ => return Err(unsupported()),
        };
        Ok(ServerExchange {
            mechanism,
            state,
            started: false,
            max_response_len: config.max_response_len,
            success_data: config.success_data,
            oauth_error: config.oauth_error.clone(),
        })
    }

    /// Replaces the random SCRAM server nonce part, or the CRAM-MD5
    /// challenge: for known-answer tests only.
    pub fn with_nonce(mut self, nonce: &str) -> Result<Self, Error> {
        let invalid = Error::InvalidInput {
            field: "nonce",
            reason: "must be printable ASCII without ','",
        };
        if !util::valid_nonce(nonce) {
            return Err(invalid);
        }
        match &mut self.state {
            State::Scram(s) => s.set_nonce(nonce.to_string()),
            State::CramMd5 { challenge } => *challenge = nonce.to_string(),
            _ => {}
        }
        Ok(self)
    }

    /// The mechanism.
    pub fn mechanism(&self) -> &Mechanism {
        &self.mechanism
    }

    /// Whether the exchange has ended (success or failure).
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Begins the exchange, with the initial response from the AUTH line
    /// if there was one (`Some(&[])` for an empty one, sent as `=`).
    ///
    /// Without one, the answer is the first challenge: empty for
    /// client-first mechanisms, `Username:` for LOGIN, the timestamp for
    /// CRAM-MD5.
    pub fn start<S: CredentialStore + ?Sized>(
        &mut self,
        store: &S,
        initial_response: Option<&[u8]>,
    ) -> ServerStep {
        if self.started {
            return self.fail(Failure::ExchangeOver);
        }
        self.started = true;
        match (initial_response, &self.state) {
            (Some(_), State::CramMd5 { .. }) => self.fail(Failure::Malformed(
                "CRAM-MD5 is server-first; it has no initial response",
            )),
            (Some(ir), _) => self.step(store, ir),
            (None, State::LoginUser) => ServerStep::Challenge(b"Username:".to_vec()),
            (None, State::CramMd5 { challenge }) => {
                ServerStep::Challenge(challenge.clone().into_bytes())
            }
            (None, _) => ServerStep::Challenge(Vec::new()),
        }
    }

    /// Handles a client response (decoded from base64 by the protocol
    /// crate). Called before [`ServerExchange::start`], it behaves as
    /// `start` with this as the initial response.
    pub fn step<S: CredentialStore + ?Sized>(&mut self, store: &S, response: &[u8]) -> ServerStep {
        if !self.started {
            return self.start(store, Some(response));
        }
        if response.len() > self.max_response_len {
            let limit = self.max_response_len;
            return self.fail(Failure::TooLarge { limit });
        }
        let state = std::mem::replace(&mut self.state, State::Done);
        let next = self.advance(store, state, response);
        if !matches!(next, ServerStep::Challenge(_)) {
            self.state = State::Done;
        }
        next
    }

    /// The client cancelled (`*`): ends the exchange.
    pub fn cancel(&mut self) -> ServerStep {
        self.fail(Failure::Cancelled)
    }

    /// The server gives up on the exchange.
    pub fn abort(&mut self) -> ServerStep {
        self.fail(Failure::Aborted)
    }

    fn fail(&mut self, failure: Failure) -> ServerStep {
        self.started = true;
        self.state = State::Done;
        ServerStep::Failure(failure)
    }

    pub(super) fn success(identity: Identity) -> ServerStep {
        ServerStep::Success {
            identity,
            additional_data: None,
        }
    }

    fn advance<S: CredentialStore + ?Sized>(
        &mut self,
        store: &S,
        state: State,
        msg: &[u8],
    ) -> ServerStep {
        match state {
            State::Plain => plain(store, msg),
            State::LoginUser => match login_field(msg) {
                Some(user) => {
                    self.state = State::LoginPassword { user };
                    ServerStep::Challenge(b"Password:".to_vec())
                }
                None => ServerStep::Failure(Failure::Malformed(
                    "LOGIN user name is empty, not UTF-8, or has NUL",
                )),
            },
            State::LoginPassword { user } => match login_field(msg) {
                Some(password) => {
                    let password = zeroize::Zeroizing::new(password);
                    if store.verify_password(&user, &password) {
                        Self::success(Identity {
                            authcid: user,
                            authzid: None,
                        })
                    } else {
                        ServerStep::Failure(Failure::AuthenticationFailed)
                    }
                }
                None => ServerStep::Failure(Failure::Malformed(
                    "LOGIN password is empty, not UTF-8, or has NUL",
                )),
            },
            State::CramMd5 { challenge } => cram_md5(store, &challenge, msg),
            State::OAuth { bearer } => {
                let parsed = if bearer {
                    oauth::parse_oauthbearer(msg)
                } else {
                    oauth::parse_xoauth2(msg)
                };
                let Some(resp) = parsed else {
                    return ServerStep::Failure(Failure::Malformed(
                        "bearer token message is malformed (RFC 7628 §3.1)",
                    ));
                };
                let verified = resp
                    .token
                    .as_deref()
                    .and_then(|t| store.verify_oauth_token(resp.user.as_deref(), t));
                match verified {
                    Some(authcid) => authorized(store, authcid, resp.user),
                    None => {
                        // RFC 7628 §3.2.2: error as a challenge, then fail.
                        self.state = State::OAuthErrorSent { bearer };
                        ServerStep::Challenge(self.oauth_error.clone().into_bytes())
                    }
                }
            }
            State::OAuthErrorSent { bearer } => {
                let expected: &[u8] = if bearer { b"\x01" } else { b"" };
                if msg == expected {
                    ServerStep::Failure(Failure::AuthenticationFailed)
                } else {
                    ServerStep::Failure(Failure::Malformed(
                        "the answer to an OAuth error challenge must be ^A (RFC 7628 §3.2.3)",
                    ))
                }
            }
            State::External { identity } => match std::str::from_utf8(msg) {
                Ok(authzid) if !authzid.contains('\0') => {
                    let authzid = Some(authzid.to_string()).filter(|a| !a.is_empty());
                    authorized(store, identity, authzid)
                }
                _ => ServerStep::Failure(Failure::Malformed(
                    "EXTERNAL authzid is not UTF-8 or has NUL",
                )),
            },
            State::Anonymous => match std::str::from_utf8(msg) {
                Ok(trace) if trace.chars().count() <= 255 => Self::success(Identity {
                    authcid: "anonymous".to_string(),
                    authzid: None,
                }),
                _ => ServerStep::Failure(Failure::Malformed(
                    "ANONYMOUS trace is not UTF-8 or longer than 255 characters (RFC 4505 §2)",
                )),
            },
            State::Scram(mut server) => match server.step(store, msg) {
                scram::Next::Challenge(c) => {
                    self.state = State::Scram(server);
                    ServerStep::Challenge(c)
                }
                scram::Next::Verified(identity, server_final) => {
                    if self.success_data {
                        ServerStep::Success {
                            identity,
                            additional_data: Some(server_final),
                        }
                    } else {
                        self.state = State::FinalSent { identity };
                        ServerStep::Challenge(server_final)
                    }
                }
                scram::Next::Fail(f) => ServerStep::Failure(f),
            },
            State::FinalSent { identity } => {
                if msg.is_empty() {
                    Self::success(identity)
                } else {
                    ServerStep::Failure(Failure::Malformed(
                        "the answer to the SCRAM server-final message must be empty",
                    ))
                }
            }
            State::Done => ServerStep::Failure(Failure::ExchangeOver),
        }
    }
}

impl fmt::Debug for ServerExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerExchange")
            .field("mechanism", &self.mechanism)
            .field("started", &self.started)
            .field("done", &self.is_done())
            .finish_non_exhaustive()
    }
}
