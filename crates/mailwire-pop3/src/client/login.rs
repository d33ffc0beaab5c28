//! Logging in: SASL (RFC 5034), APOP (RFC 1939 §7), USER/PASS (RFC 1939
//! §7), strongest first, and never a password without TLS unless the
//! configuration allows it.

use mailwire_core::Error;

use super::{Client, Expect, Phase};
use crate::types::{Arg, Capability, Command, Digest, MechanismName, Password};

/// A client-side SASL exchange on raw bytes; the machine does the base64
/// framing of RFC 5034 §4.
pub trait SaslClient: Send {
    /// The mechanism name sent with `AUTH` (validated by
    /// [`Client::authenticate`]).
    fn mechanism_name(&self) -> &str;
    /// The initial response, for mechanisms where the client speaks first.
    fn initial_response(&mut self) -> Option<Vec<u8>>;
    /// The answer to a server challenge.
    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error>;
    /// The server said `+OK`: check that the exchange really completed
    /// (SCRAM: the server proved it knows the password).
    fn finish(&mut self) -> Result<(), Error>;
}

/// RFC 2449 §4 / RFC 5034 §4: a command line, CRLF included, is at most
/// 255 octets; a longer initial response goes after an empty challenge.
const MAX_COMMAND: usize = 255;

impl Client {
    fn check_login(&self) -> Result<(), Error> {
        self.check_open()?;
        if self.phase != Phase::Authorization || self.login_in_flight() {
            return Err(Error::local("already logged in or logging in"));
        }
        if self.in_flight.iter().any(|e| matches!(e, Expect::Greeting)) {
            return Err(Error::local("wait for the greeting"));
        }
        Ok(())
    }

    fn check_cleartext(&self) -> Result<(), Error> {
        if !self.tls && !self.config.allow_plaintext_auth {
            return Err(Error::local(
                "refusing to send a password without TLS: use STLS or implicit TLS, \
                 or set ClientConfig::allow_plaintext_auth",
            ));
        }
        Ok(())
    }

    /// `USER` then `PASS` (RFC 1939 §7). Refused without TLS unless
    /// [`allow_plaintext_auth`](super::ClientConfig::allow_plaintext_auth).
    pub fn login_user_pass(&mut self, user: Arg, password: Password) -> Result<(), Error> {
        self.check_login()?;
        self.check_cleartext()?;
        self.enqueue(Expect::User(Command::User(user), password));
        Ok(())
    }

    /// `APOP name digest` with the digest computed from the greeting's
    /// timestamp and `secret` (RFC 1939 §7).
    pub fn login_apop(&mut self, user: Arg, secret: &str) -> Result<(), Error> {
        self.check_login()?;
        let Some(timestamp) = &self.apop_timestamp else {
            return Err(Error::local("the greeting has no APOP timestamp"));
        };
        let digest = apop_digest(timestamp.as_str(), secret);
        self.enqueue(Expect::Login(Command::Apop { name: user, digest }));
        Ok(())
    }

    /// `AUTH` with a SASL exchange (RFC 5034 §4). The initial response is
    /// sent with the command when it fits in 255 octets, else after the
    /// server's empty challenge.
    pub fn authenticate(&mut self, mut exchange: Box<dyn SaslClient>) -> Result<(), Error> {
        self.check_login()?;
        let mechanism = MechanismName::new(exchange.mechanism_name())?;
        let initial = exchange.initial_response();
        let fits = initial.as_ref().is_none_or(|ir| {
            // "AUTH " mech " " base64 CRLF
            5 + mechanism.as_str().len() + 1 + ir.len().div_ceil(3) * 4 + 2 <= MAX_COMMAND
        });
        let initial_response = if fits { initial } else { None };
        let command = Command::Auth {
            mechanism,
            initial_response,
        };
        self.sasl = Some(exchange);
        self.enqueue(Expect::Login(command));
        Ok(())
    }

    /// Logs in with a user name and password by the strongest means the
    /// server offers and the configuration allows:
    ///
    /// 1. SASL, with the mechanism mailwire-sasl chooses from the
    ///    server's `SASL` capability (SCRAM without TLS; PLAIN and the
    ///    like only with TLS or `allow_plaintext_auth`);
    /// 2. APOP, only if [`allow_apop`](super::ClientConfig::allow_apop)
    ///    and the greeting had a timestamp;
    /// 3. USER/PASS, only with TLS or `allow_plaintext_auth`.
    pub fn login(&mut self, user: &str, password: &str) -> Result<(), Error> {
        self.check_login()?;
        if let Some(exchange) = self.sasl_for(user, password)? {
            return self.authenticate(exchange);
        }
        let name = Arg::new(user)?;
        if self.config.allow_apop && self.apop_timestamp.is_some() {
            return self.login_apop(name, password);
        }
        self.login_user_pass(name, Password::new(password)?)
    }

    fn offered_sasl(&self) -> Vec<MechanismName> {
        self.capabilities
            .iter()
            .flatten()
            .filter_map(|c| match c {
                Capability::Sasl(m) => Some(m.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }
}

/// MD5(timestamp || secret) as APOP sends it (RFC 1939 §7).
pub fn apop_digest(timestamp: &str, secret: &str) -> Digest {
    use md5::Digest as _;
    let mut hasher = md5::Md5::new();
    hasher.update(timestamp.as_bytes());
    hasher.update(secret.as_bytes());
    let out = hasher.finalize();
    let mut digest = [0u8; 16];
    digest.copy_from_slice(&out);
    Digest(digest)
}

impl Client {
    /// The SASL exchange [`login`](Self::login) uses, if the server offers
    /// a mechanism mailwire-sasl picks for this connection.
    fn sasl_for(&self, user: &str, password: &str) -> Result<Option<Box<dyn SaslClient>>, Error> {
        use mailwire_sasl::{ChannelBinding, ClientExchange, Credentials, Mechanism, Security};
        let offered: Vec<Mechanism> = self
            .offered_sasl()
            .iter()
            .filter_map(|m| Mechanism::parse(m.as_str().as_bytes()).ok())
            .collect();
        if offered.is_empty() {
            return Ok(None);
        }
        let binding = self
            .tls_info
            .as_ref()
            .and_then(ChannelBinding::from_tls_info);
        let security = if self.tls {
            Security::tls(binding.is_some())
        } else {
            Security::cleartext().allow_cleartext_secrets(self.config.allow_plaintext_auth)
        };
        let credentials = Credentials::password(user, password);
        let Ok(mechanism) = mailwire_sasl::select_mechanism(&offered, &credentials, security)
        else {
            return Ok(None);
        };
        let exchange = ClientExchange::new(mechanism, &credentials, binding)
            .map_err(|e| Error::local(format!("SASL: {e}")))?;
        Ok(Some(Box::new(exchange)))
    }
}

/// mailwire-sasl's client exchanges run under POP3 AUTH as they are.
impl SaslClient for mailwire_sasl::ClientExchange {
    fn mechanism_name(&self) -> &str {
        mailwire_sasl::ClientExchange::mechanism(self).as_str()
    }

    fn initial_response(&mut self) -> Option<Vec<u8>> {
        mailwire_sasl::ClientExchange::initial_response(self).map(|r| r.to_vec())
    }

    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        mailwire_sasl::ClientExchange::step(self, challenge)
            .map(|r| r.to_vec())
            .map_err(|e| Error::remote(format!("SASL: {e}"), challenge))
    }

    fn finish(&mut self) -> Result<(), Error> {
        // POP3 has no success data (RFC 5034 §4): SCRAM's server-final came
        // as the last challenge, so the exchange is verified by now.
        mailwire_sasl::ClientExchange::finish(self, None)
            .map_err(|e| Error::remote_fatal(format!("SASL: {e}"), b""))
    }
}
