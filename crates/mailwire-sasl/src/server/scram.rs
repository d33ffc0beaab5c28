//! SCRAM server (RFC 5802 §5, §7; RFC 7677), verifying against stored keys.

use std::sync::OnceLock;

use mailwire_core::b64;
use zeroize::Zeroizing;

use super::{CredentialStore, Failure, Identity};
use crate::scram::{Gs2Flag, ScramCredentials, ScramHash, attributes, parse_gs2_header};
use crate::{ChannelBindingType, util};

enum Phase {
    /// Waiting for client-first.
    Start,
    /// server-first sent; waiting for client-final.
    SentFirst(Box<Pending>),
    Done,
}

struct Pending {
    gs2_header: String,
    cbind_data: Option<Vec<u8>>,
    client_first_bare: String,
    server_first: String,
    nonce: String,
    authcid: String,
    authzid: Option<String>,
    credentials: ScramCredentials,
    /// The user is unknown: the exchange runs on to the end on made-up
    /// keys, so the reply does not reveal which users exist.
    unknown: bool,
}

/// What the SCRAM server wants the exchange to do next.
pub(super) enum Next {
    Challenge(Vec<u8>),
    /// Verified; the server-final message to deliver.
    Verified(Identity, Vec<u8>),
    Fail(Failure),
}

pub(super) struct ScramServer {
    hash: ScramHash,
    plus: bool,
    exporter: Option<Vec<u8>>,
    end_point: Option<Vec<u8>>,
    server_nonce: String,
    unknown_iterations: u32,
    phase: Phase,
}

impl ScramServer {
    pub(super) fn new(
        hash: ScramHash,
        plus: bool,
        exporter: Option<Vec<u8>>,
        end_point: Option<Vec<u8>>,
        server_nonce: String,
        unknown_iterations: u32,
    ) -> Self {
        ScramServer {
            hash,
            plus,
            exporter,
            end_point,
            server_nonce,
            unknown_iterations,
            phase: Phase::Start,
        }
    }

    pub(super) fn set_nonce(&mut self, nonce: String) {
        self.server_nonce = nonce;
    }

    pub(super) fn step<S: CredentialStore + ?Sized>(&mut self, store: &S, msg: &[u8]) -> Next {
        match std::mem::replace(&mut self.phase, Phase::Done) {
            Phase::Start => match self.client_first(store, msg) {
                Ok((pending, challenge)) => {
                    self.phase = Phase::SentFirst(Box::new(pending));
                    Next::Challenge(challenge)
                }
                Err(f) => Next::Fail(f),
            },
            Phase::SentFirst(pending) => self.client_final(store, &pending, msg),
            Phase::Done => Next::Fail(Failure::ExchangeOver),
        }
    }

    fn binding_data(&self, kind: ChannelBindingType) -> Option<&Vec<u8>> {
        match kind {
            ChannelBindingType::TlsExporter => self.exporter.as_ref(),
            ChannelBindingType::TlsServerEndPoint => self.end_point.as_ref(),
        }
    }

    fn client_first<S: CredentialStore + ?Sized>(
        &self,
        store: &S,
        msg: &[u8],
    ) -> Result<(Pending, Vec<u8>), Failure> {
        let text = std::str::from_utf8(msg)
            .map_err(|_| Failure::Malformed("SCRAM client-first message is not UTF-8"))?;
        let (flag, authzid, header, bare) = parse_gs2_header(text).ok_or(Failure::Malformed(
            "SCRAM gs2 header is malformed (RFC 5802 §7)",
        ))?;
        // RFC 5802 §6: match the flag against the mechanism and what we offer.
        let cbind_data = match (&flag, self.plus) {
            (Gs2Flag::Used(name), true) => {
                let kind = ChannelBindingType::parse(name).ok_or(Failure::ChannelBinding(
                    "the client asked for a channel-binding type this server does not know",
                ))?;
                let data = self.binding_data(kind).ok_or(Failure::ChannelBinding(
                    "the client asked for a channel-binding type the TLS layer gave no data for",
                ))?;
                Some(data.clone())
            }
            (Gs2Flag::Used(_), false) => {
                return Err(Failure::ChannelBinding(
                    "the client used channel binding with a mechanism without -PLUS",
                ));
            }
            (_, true) => {
                return Err(Failure::ChannelBinding(
                    "a -PLUS mechanism requires the client to use channel binding",
                ));
            }
            (Gs2Flag::SupportedNotUsed, false)
                if self.exporter.is_some() || self.end_point.is_some() =>
            {
                return Err(Failure::ChannelBinding(
                    "the client could bind but thinks this server cannot: a downgrade (RFC 5802 §6)",
                ));
            }
            _ => None,
        };
        let attrs =
            attributes(bare).ok_or(Failure::Malformed("SCRAM client-first is not a=value list"))?;
        let [(b'n', name), (b'r', nonce), ..] = attrs.as_slice() else {
            return Err(Failure::Malformed(
                "SCRAM client-first must be n=,r= (RFC 5802 §7); mandatory extensions are not supported",
            ));
        };
        let name = crate::scram::unescape_saslname(name)
            .ok_or(Failure::Malformed("SCRAM user name is badly escaped"))?;
        if !util::valid_nonce(nonce) {
            return Err(Failure::Malformed(
                "SCRAM client nonce has invalid characters",
            ));
        }
        let authcid = crate::scram::saslprep(&name, "user name")
            .map_err(|_| Failure::Malformed("SCRAM user name is rejected by SASLprep"))?
            .to_string();
        let (credentials, unknown) = match store.scram_credentials(&authcid, self.hash) {
            Some(c) => (c, false),
            None => (
                fake_credentials(self.hash, &authcid, self.unknown_iterations)
                    .ok_or(Failure::Internal)?,
                true,
            ),
        };
        let full_nonce = format!("{nonce}{}", self.server_nonce);
        let server_first = format!(
            "r={full_nonce},s={},i={}",
            b64::encode(credentials.salt()),
            credentials.iterations()
        );
        let challenge = server_first.clone().into_bytes();
        Ok((
            Pending {
                gs2_header: header.to_string(),
                cbind_data,
                client_first_bare: bare.to_string(),
                server_first,
                nonce: full_nonce,
                authcid,
                authzid,
                credentials,
                unknown,
            },
            challenge,
        ))
    }

    fn client_final<S: CredentialStore + ?Sized>(
        &self,
        store: &S,
        p: &Pending,
        msg: &[u8],
    ) -> Next {
        match self.verify_final(store, p, msg) {
            Ok(next) => next,
            Err(f) => Next::Fail(f),
        }
    }

    fn verify_final<S: CredentialStore + ?Sized>(
        &self,
        store: &S,
        p: &Pending,
        msg: &[u8],
    ) -> Result<Next, Failure> {
        let text = std::str::from_utf8(msg)
            .map_err(|_| Failure::Malformed("SCRAM client-final message is not UTF-8"))?;
        let proof_at = text
            .rfind(",p=")
            .ok_or(Failure::Malformed("SCRAM client-final has no proof (p=)"))?;
        let without_proof = &text[..proof_at];
        let proof = b64::decode(&text.as_bytes()[proof_at + 3..])
            .map_err(|_| Failure::Malformed("SCRAM proof is not valid base64"))?;
        let attrs = attributes(without_proof)
            .ok_or(Failure::Malformed("SCRAM client-final is not a=value list"))?;
        let [(b'c', cbind), (b'r', nonce), ..] = attrs.as_slice() else {
            return Err(Failure::Malformed(
                "SCRAM client-final must start c=,r= (RFC 5802 §7)",
            ));
        };
        let cbind = b64::decode(cbind.as_bytes())
            .map_err(|_| Failure::Malformed("SCRAM channel binding (c=) is not valid base64"))?;
        let mut expected = p.gs2_header.as_bytes().to_vec();
        if let Some(data) = &p.cbind_data {
            expected.extend_from_slice(data);
        }
        if !util::ct_eq(&cbind, &expected) {
            return Err(Failure::ChannelBinding(
                "the channel-binding data (c=) does not match this TLS channel or the gs2 header",
            ));
        }
        if *nonce != p.nonce {
            return Err(Failure::Malformed(
                "SCRAM nonce in client-final does not match",
            ));
        }
        let hash = self.hash;
        if proof.len() != hash.output_len() {
            return Err(Failure::Malformed("SCRAM proof has the wrong length"));
        }
        let auth_message = format!(
            "{},{},{}",
            p.client_first_bare, p.server_first, without_proof
        );
        let client_signature = hash.hmac(p.credentials.stored_key(), &[auth_message.as_bytes()]);
        let client_key: Zeroizing<Vec<u8>> = Zeroizing::new(
            proof
                .iter()
                .zip(client_signature.iter())
                .map(|(a, b)| a ^ b)
                .collect(),
        );
        let matches = util::ct_eq(&hash.hash(&client_key), p.credentials.stored_key());
        if !matches || p.unknown {
            return Err(Failure::AuthenticationFailed);
        }
        let authzid = match &p.authzid {
            Some(a) if *a != p.authcid => {
                if !store.authorize(&p.authcid, a) {
                    return Err(Failure::AuthorizationFailed);
                }
                Some(a.clone())
            }
            _ => None,
        };
        let server_signature = hash.hmac(p.credentials.server_key(), &[auth_message.as_bytes()]);
        let server_final = format!("v={}", b64::encode(&server_signature)).into_bytes();
        Ok(Next::Verified(
            Identity {
                authcid: p.authcid.clone(),
                authzid,
            },
            server_final,
        ))
    }
}

/// Made-up credentials for an unknown user. The salt is an HMAC of the
/// name under a per-process random key, so asking twice gives the same
/// salt, as for a real user; the keys are random (nothing can match them).
fn fake_credentials(hash: ScramHash, authcid: &str, iterations: u32) -> Option<ScramCredentials> {
    static KEY: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    let key = KEY.get_or_init(|| util::random_bytes(32).ok()).as_ref()?;
    let mut salt = ScramHash::Sha256.hmac(key, &[b"unknown-user-salt\0", authcid.as_bytes()]);
    salt.truncate(16);
    let stored = util::random_bytes(hash.output_len()).ok()?;
    let server = util::random_bytes(hash.output_len()).ok()?;
    ScramCredentials::from_parts(hash, salt.to_vec(), iterations, stored, server).ok()
}
