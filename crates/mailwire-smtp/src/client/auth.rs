//! `AUTH` (RFC 4954) with the mechanisms of mailwire-sasl.

use mailwire_core::{Error, Result, b64};
use mailwire_sasl::{
    ChannelBinding, ClientExchange, Credentials, Mechanism, Security, Zeroizing, select_mechanism,
};

use super::{Client, ClientEvent, Op, Sent};
use crate::types::policy::MAX_COMMAND_LINE;

/// One AUTH exchange.
pub(super) struct AuthOp {
    exchange: ClientExchange,
    /// An initial response too long for the AUTH line (RFC 4954 §4): sent
    /// as the answer to the server's first, empty, challenge.
    deferred: Option<Zeroizing<Vec<u8>>>,
    /// Why the client cancelled with `*`, if it did.
    cancelled: Option<String>,
}

impl std::fmt::Debug for AuthOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthOp")
            .field("mechanism", self.exchange.mechanism())
            .field("cancelled", &self.cancelled)
            .finish_non_exhaustive()
    }
}

fn sasl_error(e: mailwire_sasl::Error) -> Error {
    Error::local(e.to_string())
}

impl Client {
    /// Queues `AUTH` (RFC 4954) with the strongest mechanism both sides
    /// have, chosen by [`mailwire_sasl::select_mechanism`]: SCRAM `-PLUS`
    /// when the TLS layer gave channel-binding data, then SCRAM, then the
    /// mechanisms that expose the secret (PLAIN, LOGIN, CRAM-MD5), which
    /// are refused without TLS unless
    /// [`ClientConfig::allow_cleartext_auth`](super::ClientConfig::allow_cleartext_auth)
    /// is set. Answered by [`ClientEvent::Authenticated`] or
    /// [`ClientEvent::AuthFailed`]. Returns the mechanism chosen.
    pub fn authenticate(&mut self, credentials: &Credentials) -> Result<Mechanism> {
        self.check_auth_allowed()?;
        let offered: Vec<Mechanism> = self
            .ehlo
            .as_ref()
            .map(|e| {
                e.auth_mechanisms()
                    .iter()
                    .filter_map(|m| Mechanism::parse(m.as_bytes()).ok())
                    .collect()
            })
            .unwrap_or_default();
        if offered.is_empty() {
            return Err(Error::local("the server does not offer AUTH"));
        }
        let mechanism =
            select_mechanism(&offered, credentials, self.security()).map_err(sasl_error)?;
        self.authenticate_with(mechanism, credentials)
    }

    /// Queues `AUTH` with a mechanism the caller chose. The cleartext rule
    /// of [`authenticate`](Self::authenticate) still holds.
    pub fn authenticate_with(
        &mut self,
        mechanism: Mechanism,
        credentials: &Credentials,
    ) -> Result<Mechanism> {
        self.check_auth_allowed()?;
        if mechanism.needs_tls() && !self.tls && !self.config.allow_cleartext_auth {
            return Err(Error::local(format!(
                "{mechanism} would send the secret without TLS; start TLS or set ClientConfig::allow_cleartext_auth"
            )));
        }
        // RFC 5802 §6: a client that can bind announces it (`y`) to a
        // server that did not offer `-PLUS`, so a downgrade is caught; when
        // the server offers `-PLUS` and the caller still chose plain SCRAM,
        // `y` would be a false alarm, so no binding data is given (`n`).
        let server_offers_plus = self.ehlo.as_ref().is_some_and(|e| {
            e.auth_mechanisms()
                .iter()
                .any(|m| Mechanism::parse(m.as_bytes()).is_ok_and(|m| m.is_plus()))
        });
        let binding = self
            .tls_info
            .as_ref()
            .filter(|_| self.tls && (mechanism.is_plus() || !server_offers_plus))
            .and_then(ChannelBinding::from_tls_info);
        let exchange =
            ClientExchange::new(mechanism.clone(), credentials, binding).map_err(sasl_error)?;
        self.ops.push_back(Op::Auth(Box::new(AuthOp {
            exchange,
            deferred: None,
            cancelled: None,
        })));
        self.start_next_op();
        Ok(mechanism)
    }

    fn check_auth_allowed(&self) -> Result<()> {
        self.check_ready()?;
        // RFC 4954 §4: no AUTH after a successful one.
        if self.authenticated
            || self.auth.is_some()
            || self.ops.iter().any(|o| matches!(o, Op::Auth(_)))
        {
            return Err(Error::local("AUTH was already done or requested"));
        }
        Ok(())
    }

    fn security(&self) -> Security {
        if self.tls {
            let binding = self
                .tls_info
                .as_ref()
                .and_then(ChannelBinding::from_tls_info)
                .is_some();
            Security::tls(binding)
        } else {
            Security::cleartext().allow_cleartext_secrets(self.config.allow_cleartext_auth)
        }
    }

    pub(super) fn start_auth(&mut self, mut op: Box<AuthOp>) {
        let name = op.exchange.mechanism().as_str().to_owned();
        let initial = if op.exchange.mechanism().is_client_first() {
            op.exchange.initial_response()
        } else {
            None
        };
        match initial {
            Some(ir) => {
                let encoded = Zeroizing::new(if ir.is_empty() {
                    // RFC 4954 §4: an empty initial response is "=".
                    "=".to_owned()
                } else {
                    b64::encode(&ir)
                });
                // "AUTH " mech SP response CRLF must fit the line limit.
                if 5 + name.len() + 1 + encoded.len() + 2 <= MAX_COMMAND_LINE {
                    // Credentials: never in the reusable transmit buffer.
                    self.push_secret(&[
                        b"AUTH ",
                        name.as_bytes(),
                        b" ",
                        encoded.as_bytes(),
                        b"\r\n",
                    ]);
                } else {
                    op.deferred = Some(ir);
                    self.write_auth_line(&name);
                }
            }
            None => self.write_auth_line(&name),
        }
        let timeout = self.timeout_of(Sent::Auth);
        self.expect(Sent::Auth, timeout);
        self.auth = Some(op);
    }

    fn write_auth_line(&mut self, name: &str) {
        self.write_out(|buf| {
            buf.extend_from_slice(b"AUTH ");
            buf.extend_from_slice(name.as_bytes());
            buf.extend_from_slice(b"\r\n");
        });
    }

    /// A reply during AUTH: a `334` challenge, `235`, or a failure.
    pub(super) fn on_auth_reply(&mut self, reply: crate::types::Reply) {
        let Some(mut op) = self.auth.take() else {
            return;
        };
        match reply.code.get() {
            334 if op.cancelled.is_none() => {
                let response = match op.deferred.take() {
                    Some(first) => Ok(first),
                    None if reply.lines().len() != 1 => {
                        Err("a 334 challenge of several lines".to_owned())
                    }
                    None => match b64::decode(reply.lines()[0].as_bytes()) {
                        Err(_) => Err("the challenge is not valid base64".to_owned()),
                        Ok(challenge) => op.exchange.step(&challenge).map_err(|e| e.to_string()),
                    },
                };
                match response {
                    Ok(data) => {
                        let encoded = Zeroizing::new(b64::encode(&data));
                        self.push_secret(&[encoded.as_bytes(), b"\r\n"]);
                    }
                    Err(why) => {
                        // RFC 4954 §4: "*" cancels; the server answers 501.
                        op.cancelled = Some(why);
                        self.push_out(b"*\r\n");
                    }
                }
                let timeout = self.timeout_of(Sent::Auth);
                self.expect(Sent::Auth, timeout);
                self.auth = Some(op);
            }
            235 if op.cancelled.is_none() => match op.exchange.finish(None) {
                Ok(()) => {
                    self.authenticated = true;
                    self.events.push_back(ClientEvent::Authenticated {
                        mechanism: op.exchange.mechanism().clone(),
                    });
                }
                Err(e) => {
                    let why = e.to_string();
                    self.fail(
                        Error::remote_fatal(
                            "the server reported AUTH success without proving it knows the credentials",
                            why.as_bytes(),
                        ),
                        true,
                    );
                }
            },
            code if op.cancelled.is_some() && (200..400).contains(&code) => {
                // The server went on after the client cancelled.
                let text = reply.text();
                self.fail(
                    Error::remote_fatal("the server ignored the cancelled AUTH", text.as_bytes()),
                    true,
                );
            }
            _ => {
                let reason = op
                    .cancelled
                    .take()
                    .or_else(|| op.exchange.server_error().map(str::to_owned));
                self.events
                    .push_back(ClientEvent::AuthFailed { reply, reason });
            }
        }
    }
}
