//! How a server looks credentials up, and a ready-made in-memory store.

use std::collections::HashMap;
use std::fmt;

use zeroize::Zeroizing;

use crate::scram::{ScramCredentials, ScramHash, keys_from_salted, saslprep};
use crate::{Error, util};

/// The application's credential lookups. Every method has a default that
/// refuses, so implement only what the mechanisms you enable need.
///
/// Unknown users and wrong secrets give the same [`crate::Failure`], so a
/// client cannot probe which users exist.
///
/// A store backed by a database of stored SCRAM keys (no passwords):
///
/// ```
/// use mailwire_sasl::{
///     ClientExchange, CredentialStore, Credentials, Mechanism, ScramCredentials, ScramHash,
///     ServerConfig, ServerExchange, ServerStep,
/// };
///
/// struct Db { alice: ScramCredentials }
///
/// impl CredentialStore for Db {
///     fn scram_credentials(&self, user: &str, hash: ScramHash) -> Option<ScramCredentials> {
///         (user == "alice" && hash == ScramHash::Sha256).then(|| self.alice.clone())
///     }
/// }
///
/// // Provisioning: derive once, store salt, count and keys.
/// let alice = ScramCredentials::derive(ScramHash::Sha256, "pw", b"16-byte-salt....", 4096).unwrap();
/// let db = Db { alice };
///
/// let creds = Credentials::password("alice", "pw");
/// let mut client = ClientExchange::new(Mechanism::ScramSha256, &creds, None).unwrap();
/// let mut server = ServerExchange::new(Mechanism::ScramSha256, &ServerConfig::new()).unwrap();
/// let ir = client.initial_response().unwrap();
/// let ServerStep::Challenge(server_first) = server.start(&db, Some(&ir)) else { panic!() };
/// let client_final = client.step(&server_first).unwrap();
/// let ServerStep::Challenge(server_final) = server.step(&db, &client_final) else { panic!() };
/// assert!(client.step(&server_final).unwrap().is_empty()); // server verified
/// assert!(matches!(server.step(&db, b""), ServerStep::Success { .. }));
/// client.finish(None).unwrap();
/// ```
pub trait CredentialStore {
    /// PLAIN and LOGIN: whether `password` is right for `authcid`.
    /// Compare in constant time.
    fn verify_password(&self, authcid: &str, password: &str) -> bool {
        let _ = (authcid, password);
        false
    }

    /// SCRAM: the stored keys of `authcid` (already SASLprep'ed) for `hash`.
    fn scram_credentials(&self, authcid: &str, hash: ScramHash) -> Option<ScramCredentials> {
        let _ = (authcid, hash);
        None
    }

    /// CRAM-MD5: the plaintext password of `authcid` (RFC 2195 needs it).
    fn cram_md5_password(&self, authcid: &str) -> Option<Zeroizing<String>> {
        let _ = authcid;
        None
    }

    /// OAUTHBEARER and XOAUTH2: verifies `token`, presented for `user` when
    /// the client named one; returns the authenticated user.
    fn verify_oauth_token(&self, user: Option<&str>, token: &str) -> Option<String> {
        let _ = (user, token);
        None
    }

    /// Whether `authcid` may act as `authzid` (RFC 4422 §2). Called only
    /// when the client asked for an authzid different from its authcid;
    /// the default refuses.
    fn authorize(&self, authcid: &str, authzid: &str) -> bool {
        authcid == authzid
    }
}

impl<T: CredentialStore + ?Sized> CredentialStore for &T {
    fn verify_password(&self, authcid: &str, password: &str) -> bool {
        (**self).verify_password(authcid, password)
    }
    fn scram_credentials(&self, authcid: &str, hash: ScramHash) -> Option<ScramCredentials> {
        (**self).scram_credentials(authcid, hash)
    }
    fn cram_md5_password(&self, authcid: &str) -> Option<Zeroizing<String>> {
        (**self).cram_md5_password(authcid)
    }
    fn verify_oauth_token(&self, user: Option<&str>, token: &str) -> Option<String> {
        (**self).verify_oauth_token(user, token)
    }
    fn authorize(&self, authcid: &str, authzid: &str) -> bool {
        (**self).authorize(authcid, authzid)
    }
}

struct Account {
    sha1: ScramCredentials,
    sha256: ScramCredentials,
    /// Kept only when CRAM-MD5 support was asked for.
    plaintext: Option<Zeroizing<String>>,
}

/// An in-memory user table for servers that have user names and passwords.
///
/// [`MemoryStore::add_user`] derives the SCRAM-SHA-1 and SCRAM-SHA-256 keys
/// at insertion and keeps no password, so PLAIN, LOGIN and both SCRAMs
/// work. PLAIN/LOGIN passwords are checked by deriving the SCRAM-SHA-256
/// keys again with the stored salt. CRAM-MD5 needs the plaintext: it is kept
/// only after [`MemoryStore::keep_plaintext_for_cram_md5`].
pub struct MemoryStore {
    users: HashMap<String, Account>,
    tokens: Vec<(Zeroizing<String>, String)>,
    iterations: u32,
    keep_plaintext: bool,
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// The iteration count used for new users by default.
    pub const DEFAULT_ITERATIONS: u32 = 10_000;

    /// An empty store.
    pub fn new() -> Self {
        MemoryStore {
            users: HashMap::new(),
            tokens: Vec::new(),
            iterations: Self::DEFAULT_ITERATIONS,
            keep_plaintext: false,
        }
    }

    /// Sets the SCRAM iteration count for users added after this (at least
    /// 4096).
    pub fn with_iterations(mut self, iterations: u32) -> Self {
        self.iterations = iterations.max(crate::MIN_ITERATIONS);
        self
    }

    /// Keeps the plaintext of passwords added after this, so CRAM-MD5 can
    /// be served. Off by default.
    pub fn keep_plaintext_for_cram_md5(mut self, keep: bool) -> Self {
        self.keep_plaintext = keep;
        self
    }

    /// Adds or replaces a user. The name and password are SASLprep'ed
    /// (RFC 4013); fails when SASLprep rejects them.
    pub fn add_user(&mut self, user: &str, password: &str) -> Result<(), Error> {
        let name = saslprep(user, "user name")?;
        let prepared = saslprep(password, "password")?;
        let account = Account {
            sha1: ScramCredentials::generate(ScramHash::Sha1, &prepared, self.iterations)?,
            sha256: ScramCredentials::generate(ScramHash::Sha256, &prepared, self.iterations)?,
            plaintext: self.keep_plaintext.then(|| prepared.clone()),
        };
        self.users.insert(name.to_string(), account);
        Ok(())
    }

    /// Adds or replaces a user from stored SCRAM keys (no password at all).
    /// Such a user can use SCRAM only.
    pub fn add_scram_user(
        &mut self,
        user: &str,
        sha1: ScramCredentials,
        sha256: ScramCredentials,
    ) -> Result<(), Error> {
        let name = saslprep(user, "user name")?;
        self.users.insert(
            name.to_string(),
            Account {
                sha1,
                sha256,
                plaintext: None,
            },
        );
        Ok(())
    }

    /// Removes a user; returns whether it existed.
    pub fn remove_user(&mut self, user: &str) -> bool {
        match saslprep(user, "user name") {
            Ok(name) => self.users.remove(name.as_str()).is_some(),
            Err(_) => false,
        }
    }

    /// Accepts `token` as a bearer token for `user` (OAUTHBEARER, XOAUTH2).
    pub fn add_token(&mut self, user: &str, token: &str) {
        self.tokens.retain(|(t, _)| t.as_str() != token);
        self.tokens
            .push((Zeroizing::new(token.to_string()), user.to_string()));
    }

    /// Number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether the store has no users.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

impl CredentialStore for MemoryStore {
    fn verify_password(&self, authcid: &str, password: &str) -> bool {
        let (Ok(name), Ok(prepared)) = (saslprep(authcid, "user"), saslprep(password, "password"))
        else {
            return false;
        };
        let Some(account) = self.users.get(name.as_str()) else {
            // Do the same work as for a real user, so that the time taken
            // does not tell which users exist.
            let _ = ScramHash::Sha256.hi(prepared.as_bytes(), b"unknown user", self.iterations);
            return false;
        };
        let creds = &account.sha256;
        let salted = ScramHash::Sha256.hi(prepared.as_bytes(), creds.salt(), creds.iterations());
        let (stored, _) = keys_from_salted(ScramHash::Sha256, &salted);
        util::ct_eq(&stored, creds.stored_key())
    }

    fn scram_credentials(&self, authcid: &str, hash: ScramHash) -> Option<ScramCredentials> {
        let account = self.users.get(authcid)?;
        Some(match hash {
            ScramHash::Sha1 => account.sha1.clone(),
            ScramHash::Sha256 => account.sha256.clone(),
        })
    }

    fn cram_md5_password(&self, authcid: &str) -> Option<Zeroizing<String>> {
        self.users.get(authcid)?.plaintext.clone()
    }

    fn verify_oauth_token(&self, user: Option<&str>, token: &str) -> Option<String> {
        // Linear scan with constant-time compares, so timing does not tell
        // how much of a token matched.
        let mut found = None;
        for (known, owner) in &self.tokens {
            if util::ct_eq(known.as_bytes(), token.as_bytes()) {
                found = Some(owner);
            }
        }
        let owner = found?;
        match user {
            Some(u) if u != owner => None,
            _ => Some(owner.clone()),
        }
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("users", &self.users.len())
            .field("tokens", &self.tokens.len())
            .field("iterations", &self.iterations)
            .finish()
    }
}
