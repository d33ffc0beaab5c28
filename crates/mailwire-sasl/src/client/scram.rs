//! SCRAM client (RFC 5802 §5, §7; RFC 7677).

use zeroize::Zeroizing;

use crate::scram::{Gs2Flag, ScramHash, attributes, escape_saslname, gs2_header};
use crate::{ChannelBinding, Error, util};

use mailwire_core::b64;

/// Where the SCRAM client is.
enum Phase {
    /// client-first not yet produced.
    Start,
    /// client-first sent; waiting for server-first.
    SentFirst { client_first_bare: String },
    /// client-final sent; waiting for server-final with this signature.
    SentFinal {
        server_signature: Zeroizing<Vec<u8>>,
    },
    /// The server proved itself.
    Verified,
}

pub(crate) struct ScramClient {
    hash: ScramHash,
    username: String,
    password: Zeroizing<String>,
    authzid: Option<String>,
    flag: Gs2Flag,
    binding: Option<ChannelBinding>,
    nonce: String,
    pub(crate) min_iterations: u32,
    pub(crate) max_iterations: u32,
    phase: Phase,
}

impl ScramClient {
    /// `username` and `password` already SASLprep'ed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        hash: ScramHash,
        plus: bool,
        username: String,
        password: Zeroizing<String>,
        authzid: Option<String>,
        binding: Option<ChannelBinding>,
        nonce: String,
    ) -> Self {
        // RFC 5802 §6: "p" when binding, "y" when we could bind but the
        // server did not offer -PLUS, "n" when we cannot bind.
        let (flag, binding) = match (plus, binding) {
            (true, Some(b)) => (Gs2Flag::Used(b.kind().as_str().to_string()), Some(b)),
            (false, Some(_)) => (Gs2Flag::SupportedNotUsed, None),
            (_, None) => (Gs2Flag::None, None),
        };
        ScramClient {
            hash,
            username,
            password,
            authzid,
            flag,
            binding,
            nonce,
            min_iterations: crate::scram::MIN_ITERATIONS,
            max_iterations: crate::scram::MAX_ITERATIONS,
            phase: Phase::Start,
        }
    }

    pub(crate) fn set_nonce(&mut self, nonce: String) {
        self.nonce = nonce;
    }

    fn header(&self) -> String {
        gs2_header(&self.flag, self.authzid.as_deref())
    }

    /// `client-first-message` (RFC 5802 §7).
    pub(crate) fn client_first(&mut self) -> Zeroizing<Vec<u8>> {
        let bare = format!("n={},r={}", escape_saslname(&self.username), self.nonce);
        let msg = format!("{}{}", self.header(), bare);
        self.phase = Phase::SentFirst {
            client_first_bare: bare,
        };
        Zeroizing::new(msg.into_bytes())
    }

    pub(crate) fn is_verified(&self) -> bool {
        matches!(self.phase, Phase::Verified)
    }

    pub(crate) fn step(&mut self, challenge: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        match std::mem::replace(&mut self.phase, Phase::Start) {
            Phase::Start => {
                if challenge.is_empty() {
                    Ok(self.client_first())
                } else {
                    Err(Error::Malformed(
                        "SCRAM is client-first; the server must send an empty challenge first",
                    ))
                }
            }
            Phase::SentFirst { client_first_bare } => {
                let result = self.server_first(&client_first_bare, challenge);
                if result.is_err() {
                    self.phase = Phase::SentFirst { client_first_bare };
                }
                result
            }
            Phase::SentFinal { server_signature } => {
                let result = self.server_final(&server_signature, challenge);
                self.phase = match result {
                    Ok(_) => Phase::Verified,
                    Err(_) => Phase::SentFinal { server_signature },
                };
                result
            }
            Phase::Verified => {
                self.phase = Phase::Verified;
                Err(Error::UnexpectedChallenge)
            }
        }
    }

    /// Handles `server-first-message` and returns `client-final-message`.
    fn server_first(
        &mut self,
        client_first_bare: &str,
        challenge: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, Error> {
        let text = std::str::from_utf8(challenge)
            .map_err(|_| Error::Malformed("SCRAM server-first message is not UTF-8"))?;
        let attrs = attributes(text).ok_or(Error::Malformed(
            "SCRAM server-first message is not a list of a=value",
        ))?;
        if let Some((b'e', value)) = attrs.first() {
            return Err(Error::ServerError(value.to_string()));
        }
        let [(b'r', nonce), (b's', salt), (b'i', count), ..] = attrs.as_slice() else {
            return Err(Error::Malformed(
                "SCRAM server-first message must be r=,s=,i= (RFC 5802 §7); mandatory extensions (m=) are not supported",
            ));
        };
        if !nonce.starts_with(self.nonce.as_str()) || nonce.len() <= self.nonce.len() {
            return Err(Error::NonceMismatch);
        }
        if !util::valid_nonce(nonce) {
            return Err(Error::Malformed(
                "SCRAM server nonce has invalid characters",
            ));
        }
        let salt = b64::decode(salt.as_bytes())
            .map_err(|_| Error::Malformed("SCRAM salt is not valid base64"))?;
        if salt.is_empty() {
            return Err(Error::Malformed("SCRAM salt is empty"));
        }
        if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::Malformed("SCRAM iteration count is not a number"));
        }
        let count: u32 = count.parse().unwrap_or(u32::MAX);
        if count < self.min_iterations || count > self.max_iterations {
            return Err(Error::IterationCount {
                count,
                min: self.min_iterations,
                max: self.max_iterations,
            });
        }

        let hash = self.hash;
        let salted = hash.hi(self.password.as_bytes(), &salt, count);
        let client_key = hash.hmac(&salted, &[b"Client Key"]);
        let stored_key = hash.hash(&client_key);
        let server_key = hash.hmac(&salted, &[b"Server Key"]);

        let mut cbind_input = self.header().into_bytes();
        if let Some(b) = &self.binding {
            cbind_input.extend_from_slice(b.data());
        }
        let without_proof = format!("c={},r={}", b64::encode(&cbind_input), nonce);
        let auth_message = format!("{client_first_bare},{text},{without_proof}");
        let client_signature = hash.hmac(&stored_key, &[auth_message.as_bytes()]);
        let proof: Vec<u8> = client_key
            .iter()
            .zip(client_signature.iter())
            .map(|(k, s)| k ^ s)
            .collect();
        let server_signature = hash.hmac(&server_key, &[auth_message.as_bytes()]);
        self.phase = Phase::SentFinal { server_signature };
        Ok(Zeroizing::new(
            format!("{without_proof},p={}", b64::encode(&proof)).into_bytes(),
        ))
    }

    /// Checks `server-final-message`; the response to it is empty.
    fn server_final(&self, expected: &[u8], challenge: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let text = std::str::from_utf8(challenge)
            .map_err(|_| Error::Malformed("SCRAM server-final message is not UTF-8"))?;
        let attrs = attributes(text).ok_or(Error::Malformed(
            "SCRAM server-final message is not a list of a=value",
        ))?;
        match attrs.first() {
            Some((b'e', value)) => Err(Error::ServerError(value.to_string())),
            Some((b'v', value)) => {
                let got = b64::decode(value.as_bytes())
                    .map_err(|_| Error::Malformed("SCRAM server signature is not valid base64"))?;
                if util::ct_eq(&got, expected) {
                    Ok(Zeroizing::new(Vec::new()))
                } else {
                    Err(Error::ServerSignatureMismatch)
                }
            }
            _ => Err(Error::Malformed(
                "SCRAM server-final message must start with v= or e= (RFC 5802 §7)",
            )),
        }
    }
}
