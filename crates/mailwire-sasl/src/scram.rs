//! What SCRAM's client and server share (RFC 5802 §3, §5, §7): the key
//! derivation, the stored credentials, and the attribute grammar.

use std::fmt;

use hmac::{KeyInit, Mac};
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, util};

/// The smallest iteration count a client accepts by default, and the
/// smallest [`ScramCredentials::derive`] produces (RFC 7677 §4).
pub const MIN_ITERATIONS: u32 = 4096;

/// The largest iteration count a client accepts by default: a bound on how
/// much CPU a hostile server can make the client burn.
pub const MAX_ITERATIONS: u32 = 600_000;

/// The hash function of a SCRAM mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScramHash {
    /// SHA-1 (SCRAM-SHA-1, RFC 5802).
    Sha1,
    /// SHA-256 (SCRAM-SHA-256, RFC 7677).
    Sha256,
}

impl ScramHash {
    /// Output length of the hash in bytes.
    pub fn output_len(self) -> usize {
        match self {
            ScramHash::Sha1 => 20,
            ScramHash::Sha256 => 32,
        }
    }

    /// `HMAC(key, data)` (RFC 5802 §2.2).
    pub(crate) fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
            // HMAC takes keys of any length, so this cannot fail; an empty
            // output would only make verification fail.
            match <M as KeyInit>::new_from_slice(key) {
                Ok(mut mac) => {
                    for p in parts {
                        mac.update(p);
                    }
                    Zeroizing::new(mac.finalize().into_bytes().to_vec())
                }
                Err(_) => Zeroizing::new(Vec::new()),
            }
        }
        match self {
            ScramHash::Sha1 => run::<hmac::Hmac<sha1::Sha1>>(key, parts),
            ScramHash::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, parts),
        }
    }

    /// `H(data)` (RFC 5802 §2.2).
    pub(crate) fn hash(self, data: &[u8]) -> Zeroizing<Vec<u8>> {
        use sha2::Digest;
        Zeroizing::new(match self {
            ScramHash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            ScramHash::Sha256 => sha2::Sha256::digest(data).to_vec(),
        })
    }

    /// `Hi(str, salt, i)` = PBKDF2 with HMAC (RFC 5802 §2.2).
    pub(crate) fn hi(self, password: &[u8], salt: &[u8], iterations: u32) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![0u8; self.output_len()]);
        match self {
            ScramHash::Sha1 => {
                pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, &mut out)
            }
            ScramHash::Sha256 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, &mut out)
            }
        }
        out
    }
}

/// What a SCRAM server stores for one account (RFC 5802 §3): enough to
/// verify a client and prove itself, but not the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramCredentials {
    salt: Vec<u8>,
    iterations: u32,
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
}

impl ScramCredentials {
    /// Stored credentials from their parts, as loaded from a database.
    ///
    /// Fails when the key lengths do not match `hash`, the salt is empty, or
    /// the iteration count is 0.
    pub fn from_parts(
        hash: ScramHash,
        salt: Vec<u8>,
        iterations: u32,
        stored_key: Vec<u8>,
        server_key: Vec<u8>,
    ) -> Result<Self, Error> {
        if stored_key.len() != hash.output_len() || server_key.len() != hash.output_len() {
            return Err(Error::InvalidInput {
                field: "SCRAM keys",
                reason: "StoredKey and ServerKey must be as long as the hash output",
            });
        }
        if salt.is_empty() || iterations == 0 {
            return Err(Error::InvalidInput {
                field: "SCRAM salt or iteration count",
                reason: "the salt must not be empty and the count must be positive",
            });
        }
        Ok(ScramCredentials {
            salt,
            iterations,
            stored_key,
            server_key,
        })
    }

    /// Derives the stored keys from a password, for provisioning (RFC 5802
    /// §3): `SaltedPassword = Hi(SASLprep(password), salt, i)`, `StoredKey =
    /// H(HMAC(SaltedPassword, "Client Key"))`, `ServerKey =
    /// HMAC(SaltedPassword, "Server Key")`.
    ///
    /// Fails when SASLprep (RFC 4013) rejects the password, the salt is
    /// empty, or `iterations` is below [`MIN_ITERATIONS`].
    pub fn derive(
        hash: ScramHash,
        password: &str,
        salt: &[u8],
        iterations: u32,
    ) -> Result<Self, Error> {
        if iterations < MIN_ITERATIONS {
            return Err(Error::InvalidInput {
                field: "SCRAM iteration count",
                reason: "must be at least 4096 (RFC 7677 §4)",
            });
        }
        let prepared = saslprep(password, "password")?;
        let salted = hash.hi(prepared.as_bytes(), salt, iterations);
        let (stored_key, server_key) = keys_from_salted(hash, &salted);
        Self::from_parts(
            hash,
            salt.to_vec(),
            iterations,
            stored_key.to_vec(),
            server_key.to_vec(),
        )
    }

    /// Like [`ScramCredentials::derive`] with a fresh 16-byte random salt.
    pub fn generate(hash: ScramHash, password: &str, iterations: u32) -> Result<Self, Error> {
        let salt = util::random_bytes(16)?;
        Self::derive(hash, password, &salt, iterations)
    }

    /// The salt.
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    /// The iteration count.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// `StoredKey`.
    pub fn stored_key(&self) -> &[u8] {
        &self.stored_key
    }

    /// `ServerKey`.
    pub fn server_key(&self) -> &[u8] {
        &self.server_key
    }
}

impl Drop for ScramCredentials {
    fn drop(&mut self) {
        self.stored_key.zeroize();
        self.server_key.zeroize();
        self.salt.zeroize();
    }
}

impl fmt::Debug for ScramCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramCredentials")
            .field("iterations", &self.iterations)
            .field("salt_len", &self.salt.len())
            .field("keys", &"<redacted>")
            .finish()
    }
}

/// `(StoredKey, ServerKey)` from `SaltedPassword`.
pub(crate) fn keys_from_salted(
    hash: ScramHash,
    salted: &[u8],
) -> (Zeroizing<Vec<u8>>, Zeroizing<Vec<u8>>) {
    let client_key = hash.hmac(salted, &[b"Client Key"]);
    let stored_key = hash.hash(&client_key);
    let server_key = hash.hmac(salted, &[b"Server Key"]);
    (stored_key, server_key)
}

/// SASLprep (RFC 4013) as a stored string, or an error naming `field`.
pub(crate) fn saslprep(s: &str, field: &'static str) -> Result<Zeroizing<String>, Error> {
    stringprep::saslprep(s)
        .map(|c| Zeroizing::new(c.into_owned()))
        .map_err(|_| Error::InvalidInput {
            field,
            reason: "rejected by SASLprep (RFC 4013): prohibited or unassigned characters, or bad bidirectional text",
        })
}

/// `saslname` encoding (RFC 5802 §5.1): ',' as `=2C`, '=' as `=3D`.
pub(crate) fn escape_saslname(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            ',' => out.push_str("=2C"),
            '=' => out.push_str("=3D"),
            c => out.push(c),
        }
    }
    out
}

/// Decodes a `saslname`; `None` when a '=' is not followed by `2C`/`3D`, or
/// the name contains ',' or NUL, or is empty.
pub(crate) fn unescape_saslname(raw: &str) -> Option<String> {
    if raw.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find(['=', ',', '\0']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if tail.starts_with("=2C") {
            out.push(',');
        } else if tail.starts_with("=3D") {
            out.push('=');
        } else {
            return None;
        }
        rest = &tail[3..];
    }
    out.push_str(rest);
    Some(out)
}

/// Splits `a=value` attributes; `None` when one is not `letter=...`.
pub(crate) fn attributes(msg: &str) -> Option<Vec<(u8, &str)>> {
    msg.split(',')
        .map(|part| {
            let b = part.as_bytes();
            if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b'=' {
                Some((b[0], &part[2..]))
            } else {
                None
            }
        })
        .collect()
}

/// The GS2 header (RFC 5802 §7): the channel-binding flag and authzid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Gs2Flag {
    /// `n`: the client does not support channel binding.
    None,
    /// `y`: the client supports it but thinks the server does not.
    SupportedNotUsed,
    /// `p=NAME`: the client uses binding NAME.
    Used(String),
}

/// `gs2-header = gs2-cbind-flag "," [ authzid ] ","` rendered.
pub(crate) fn gs2_header(flag: &Gs2Flag, authzid: Option<&str>) -> String {
    let mut out = match flag {
        Gs2Flag::None => "n".to_string(),
        Gs2Flag::SupportedNotUsed => "y".to_string(),
        Gs2Flag::Used(name) => format!("p={name}"),
    };
    out.push(',');
    if let Some(a) = authzid {
        out.push_str("a=");
        out.push_str(&escape_saslname(a));
    }
    out.push(',');
    out
}

/// Parses a GS2 header at the start of `msg`; returns the flag, authzid,
/// the header text, and the rest.
#[allow(clippy::type_complexity)]
pub(crate) fn parse_gs2_header(msg: &str) -> Option<(Gs2Flag, Option<String>, &str, &str)> {
    let first = msg.find(',')?;
    let flag = match &msg[..first] {
        "n" => Gs2Flag::None,
        "y" => Gs2Flag::SupportedNotUsed,
        other => {
            let name = other.strip_prefix("p=")?;
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            {
                return None;
            }
            Gs2Flag::Used(name.to_string())
        }
    };
    let after = &msg[first + 1..];
    let second = after.find(',')?;
    let authz_field = &after[..second];
    let authzid = if authz_field.is_empty() {
        None
    } else {
        Some(unescape_saslname(authz_field.strip_prefix("a=")?)?)
    };
    let header_len = first + 1 + second + 1;
    Some((flag, authzid, &msg[..header_len], &msg[header_len..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn gs2_headers() {
        let h = gs2_header(&Gs2Flag::Used("tls-exporter".into()), Some("a,b=c"));
        assert_eq!(h, "p=tls-exporter,a=a=2Cb=3Dc,");
        let msg = format!("{h}n=u,r=x");
        let (flag, authzid, header, rest) = parse_gs2_header(&msg).unwrap();
        assert_eq!(flag, Gs2Flag::Used("tls-exporter".into()));
        assert_eq!(authzid.as_deref(), Some("a,b=c"));
        assert_eq!(header, h);
        assert_eq!(rest, "n=u,r=x");
        assert!(parse_gs2_header("x,,n=u").is_none());
        assert!(parse_gs2_header("n,b=u,n=u").is_none());
        assert!(parse_gs2_header("n,a=bad=2X,n=u").is_none());
        assert!(parse_gs2_header("p=,,n=u").is_none());
        assert!(parse_gs2_header("n").is_none());
    }

    #[test]
    fn saslname_rejects_bad_escapes() {
        assert_eq!(unescape_saslname("a=2Cb=3D").as_deref(), Some("a,b="));
        for bad in ["", "a=", "a=2", "a=2c", "a=41", "a\0b"] {
            assert!(unescape_saslname(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn stored_keys_match_rfc5802() {
        // RFC 5802 §5: user "user", password "pencil".
        let salt = mailwire_core::b64::decode(b"QSXCR+Q6sek8bf92").unwrap();
        let c = ScramCredentials::derive(ScramHash::Sha1, "pencil", &salt, 4096).unwrap();
        assert_eq!(c.iterations(), 4096);
        assert_eq!(c.salt(), &salt[..]);
        assert!(ScramCredentials::derive(ScramHash::Sha1, "pencil", &salt, 4095).is_err());
        assert!(
            ScramCredentials::from_parts(ScramHash::Sha256, salt, 4096, vec![0; 20], vec![0; 32])
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn saslname_round_trip(name in "\\PC{1,24}") {
            prop_assume!(!name.contains('\0'));
            let escaped = escape_saslname(&name);
            prop_assert!(!escaped.contains(','));
            prop_assert_eq!(unescape_saslname(&escaped), Some(name));
        }

        #[test]
        fn gs2_round_trip(authzid in proptest::option::of("[^\0]{1,16}"), kind in 0u8..3) {
            let flag = match kind {
                0 => Gs2Flag::None,
                1 => Gs2Flag::SupportedNotUsed,
                _ => Gs2Flag::Used("tls-server-end-point".into()),
            };
            let h = gs2_header(&flag, authzid.as_deref());
            let (f, a, header, rest) = parse_gs2_header(&h).unwrap();
            prop_assert_eq!(f, flag);
            prop_assert_eq!(a, authzid);
            prop_assert_eq!(header, h.as_str());
            prop_assert_eq!(rest, "");
        }
    }
}
