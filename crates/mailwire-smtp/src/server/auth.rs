//! SMTP AUTH (RFC 4954): the command, the `334` challenge loop, and the
//! SASL exchange run by mailwire-sasl when an authenticator is configured.

use bytes::Bytes;
use mailwire_core::{Error, Result, b64};
use mailwire_sasl::{Failure, Mechanism, ServerExchange, ServerStep};

use super::{AuthRun, Pending, Phase, Server, ServerEvent, reply};
use crate::types::{Reply, SaslMechanism};

impl Server {
    /// The SASL settings for an exchange now: the configured ones with
    /// this connection's channel-binding data. SMTP has no success data
    /// (RFC 4954 §4): SCRAM's server-final goes out as a last challenge.
    fn sasl_config(&self) -> Option<mailwire_sasl::ServerConfig> {
        let a = self.config.auth.authenticator.as_ref()?;
        let info = self.session.tls.clone().unwrap_or_default();
        Some(a.sasl.clone().with_tls_info(&info).with_success_data(false))
    }

    /// Whether AUTH may be used on this connection now.
    fn auth_usable(&self) -> bool {
        !self.config.auth.mechanisms.is_empty()
            && (self.session.tls.is_some() || self.config.auth.allow_cleartext)
    }

    /// The mechanisms offered now: `-PLUS` only with channel-binding data,
    /// and only those the authenticator can serve.
    pub(super) fn offered_mechanisms(&self) -> Vec<Mechanism> {
        let binding = self
            .session
            .tls
            .as_ref()
            .is_some_and(|t| t.tls_exporter.is_some() || t.tls_server_end_point.is_some());
        let servable = self.sasl_config().map(|c| c.mechanisms());
        self.config
            .auth
            .mechanisms
            .iter()
            .filter(|m| binding || !m.is_plus())
            .filter(|m| servable.as_ref().is_none_or(|s| s.contains(m)))
            .cloned()
            .collect()
    }

    /// The AUTH capability, when AUTH is offered now.
    pub(super) fn auth_capability(&self) -> Option<Vec<SaslMechanism>> {
        if !self.auth_usable() {
            return None;
        }
        let mechs: Vec<SaslMechanism> = self
            .offered_mechanisms()
            .iter()
            .filter_map(|m| SaslMechanism::new(m.as_str()).ok())
            .collect();
        (!mechs.is_empty()).then_some(mechs)
    }

    /// `AUTH mechanism [initial-response]`.
    pub(super) fn on_auth(&mut self, name: &str, initial: Option<Bytes>) -> Result<()> {
        if self.config.auth.mechanisms.is_empty() {
            return self.protocol_error(Reply::not_implemented());
        }
        if self.session.hello.is_none() {
            return self.protocol_error(reply(503, (5, 5, 1), "Send EHLO first"));
        }
        if self.session.authenticated {
            return self.protocol_error(reply(503, (5, 5, 1), "Already authenticated"));
        }
        if self.session.txn.is_some() {
            return self.protocol_error(reply(
                503,
                (5, 5, 1),
                "AUTH not permitted during a mail transaction",
            ));
        }
        if !self.auth_usable() {
            // RFC 4954 §6.
            return self.protocol_error(reply(
                538,
                (5, 7, 11),
                "Encryption required for requested authentication mechanism",
            ));
        }
        let unknown = || reply(504, (5, 5, 4), "Unrecognized authentication type");
        let mechanism = match Mechanism::parse(name.as_bytes()) {
            Ok(m) if self.offered_mechanisms().contains(&m) => m,
            _ => return self.protocol_error(unknown()),
        };
        let Some(sasl) = self.sasl_config() else {
            self.pending = Some(Pending::Auth);
            self.events.push_back(ServerEvent::Auth {
                mechanism,
                initial_response: initial,
            });
            return Ok(());
        };
        let Some(store) = self
            .config
            .auth
            .authenticator
            .as_ref()
            .map(|a| a.store.clone())
        else {
            return self.protocol_error(unknown());
        };
        let mut exchange = match ServerExchange::new(mechanism, &sasl) {
            Ok(e) => e,
            Err(_) => return self.protocol_error(unknown()),
        };
        let step = exchange.start(&*store, initial.as_deref());
        self.auth_step(exchange, step)
    }

    /// Acts on what the machine's SASL exchange answered.
    fn auth_step(&mut self, exchange: ServerExchange, step: ServerStep) -> Result<()> {
        match step {
            ServerStep::Challenge(c) => {
                self.write_challenge(&c);
                self.enter_auth_line(AuthRun::Machine(Box::new(exchange)));
                Ok(())
            }
            ServerStep::Success { identity, .. } => {
                self.session.authenticated = true;
                self.write_reply(Reply::auth_succeeded());
                self.events.push_back(ServerEvent::Authenticated {
                    authcid: identity.authcid,
                    authzid: identity.authzid,
                });
                Ok(())
            }
            ServerStep::Failure(Failure::Cancelled) => {
                self.write_reply(cancelled());
                Ok(())
            }
            ServerStep::Failure(_) => self.auth_failed(Reply::auth_failed()),
        }
    }

    /// `334 base64` (RFC 4954 §4); an empty challenge is `334 `.
    pub(super) fn write_challenge(&mut self, challenge: &[u8]) {
        if self.closed {
            return;
        }
        let buf = self.out.buffer();
        buf.extend_from_slice(b"334 ");
        buf.extend_from_slice(b64::encode(challenge).as_bytes());
        buf.extend_from_slice(b"\r\n");
    }

    /// Reads the next line as a SASL response.
    pub(super) fn enter_auth_line(&mut self, run: AuthRun) {
        self.phase = Phase::AuthLine(run);
    }

    /// A failed attempt: the reply, and `421 4.7.0` once there were too
    /// many.
    pub(super) fn auth_failed(&mut self, r: Reply) -> Result<()> {
        self.write_reply(r);
        self.auth_failures += 1;
        let max = self.config.limits.max_auth_failures;
        if self.auth_failures >= max && !self.closed {
            self.write_reply(reply(
                421,
                (4, 7, 0),
                "Too many failed authentication attempts",
            ));
            self.close();
            return Err(Error::limit("auth_failures", u64::from(max), false));
        }
        Ok(())
    }

    /// One SASL response line.
    pub(super) fn step_auth_line(&mut self) -> Result<bool> {
        let max = self.config.limits.max_auth_line;
        let saved = self.framer.max_len();
        self.framer.set_max_len(max);
        let next = self.framer.next_line(&mut self.input);
        self.framer.set_max_len(saved);
        let line = match next {
            Ok(None) => return Ok(false),
            Ok(Some(line)) => line,
            Err(e) => {
                if let Phase::AuthLine(run) = std::mem::replace(&mut self.phase, Phase::Command) {
                    self.end_app_exchange(&run);
                }
                let r = match e {
                    Error::Limit(_) => Reply::line_too_long(),
                    _ => reply(501, (5, 5, 2), "Bare CR or LF in the response"),
                };
                return self.auth_failed(r).map(|()| true);
            }
        };
        let Phase::AuthLine(run) = std::mem::replace(&mut self.phase, Phase::Command) else {
            return Ok(false);
        };
        if &line[..] == b"*" {
            // RFC 4954 §4: the client cancels.
            if let AuthRun::App = run {
                self.events.push_back(ServerEvent::AuthCancelled);
            }
            self.write_reply(cancelled());
            return Ok(true);
        }
        let response = match b64::decode(&line) {
            Ok(r) => r,
            Err(_) => {
                self.end_app_exchange(&run);
                return self
                    .protocol_error(reply(501, (5, 5, 2), "Invalid base64 in the response"))
                    .map(|()| true);
            }
        };
        match run {
            AuthRun::App => {
                self.pending = Some(Pending::Auth);
                self.events
                    .push_back(ServerEvent::AuthResponse(Bytes::from(response)));
            }
            AuthRun::Machine(mut exchange) => {
                let Some(store) = self
                    .config
                    .auth
                    .authenticator
                    .as_ref()
                    .map(|a| a.store.clone())
                else {
                    return Ok(true);
                };
                let step = exchange.step(&*store, &response);
                self.auth_step(*exchange, step)?;
            }
        }
        Ok(true)
    }

    /// An exchange the application runs ended without its answer.
    fn end_app_exchange(&mut self, run: &AuthRun) {
        if let AuthRun::App = run {
            self.events.push_back(ServerEvent::AuthCancelled);
        }
    }
}

/// `501 5.0.0` for a cancelled exchange (RFC 4954 §4).
fn cancelled() -> Reply {
    reply(501, (5, 0, 0), "Authentication cancelled")
}
