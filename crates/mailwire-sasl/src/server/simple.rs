//! The one-message and two-message mechanisms: PLAIN, LOGIN, CRAM-MD5,
//! and the authorization check they share.

use super::{CredentialStore, Failure, Identity, ServerExchange, ServerStep};
use crate::util;

/// Success for `authcid`, acting as `authzid` if allowed.
pub(super) fn authorized<S: CredentialStore + ?Sized>(
    store: &S,
    authcid: String,
    authzid: Option<String>,
) -> ServerStep {
    let authzid = authzid.filter(|a| *a != authcid);
    if let Some(a) = &authzid {
        if !store.authorize(&authcid, a) {
            return ServerStep::Failure(Failure::AuthorizationFailed);
        }
    }
    ServerExchange::success(Identity { authcid, authzid })
}

/// A LOGIN field: non-empty UTF-8 without NUL.
pub(super) fn login_field(msg: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(msg).ok()?;
    (!s.is_empty() && !s.contains('\0')).then(|| s.to_string())
}

/// PLAIN (RFC 4616 §2): `message = [authzid] UTF8NUL authcid UTF8NUL passwd`.
pub(super) fn plain<S: CredentialStore + ?Sized>(store: &S, msg: &[u8]) -> ServerStep {
    let Ok(text) = std::str::from_utf8(msg) else {
        return ServerStep::Failure(Failure::Malformed("PLAIN message is not UTF-8"));
    };
    let mut parts = text.split('\0');
    let (Some(authzid), Some(authcid), Some(password), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return ServerStep::Failure(Failure::Malformed(
            "PLAIN message must be authzid NUL authcid NUL password (RFC 4616 §2)",
        ));
    };
    if authcid.is_empty() || password.is_empty() {
        return ServerStep::Failure(Failure::Malformed(
            "PLAIN user name and password must not be empty",
        ));
    }
    if !store.verify_password(authcid, password) {
        return ServerStep::Failure(Failure::AuthenticationFailed);
    }
    let authzid = Some(authzid.to_string()).filter(|a| !a.is_empty());
    authorized(store, authcid.to_string(), authzid)
}

/// CRAM-MD5 (RFC 2195 §2): `user SP digest`, digest 32 lower-case hex.
pub(super) fn cram_md5<S: CredentialStore + ?Sized>(
    store: &S,
    challenge: &str,
    msg: &[u8],
) -> ServerStep {
    let Ok(text) = std::str::from_utf8(msg) else {
        return ServerStep::Failure(Failure::Malformed("CRAM-MD5 response is not UTF-8"));
    };
    let Some((user, digest)) = text.rsplit_once(' ') else {
        return ServerStep::Failure(Failure::Malformed(
            "CRAM-MD5 response must be user SP digest (RFC 2195 §2)",
        ));
    };
    if user.is_empty() || digest.len() != 32 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return ServerStep::Failure(Failure::Malformed(
            "CRAM-MD5 digest must be 32 hex digits after a user name",
        ));
    }
    let digest = digest.to_ascii_lowercase();
    // An unknown user is checked against a random key, so timing is alike.
    let password = store
        .cram_md5_password(user)
        .map(|p| (p, true))
        .unwrap_or_else(|| {
            (
                zeroize::Zeroizing::new(util::hex(&util::random_bytes(16).unwrap_or_default())),
                false,
            )
        });
    let expected = util::hex(&crate::client::hmac_md5(
        password.0.as_bytes(),
        challenge.as_bytes(),
    ));
    if util::ct_eq(expected.as_bytes(), digest.as_bytes()) && password.1 {
        ServerExchange::success(Identity {
            authcid: user.to_string(),
            authzid: None,
        })
    } else {
        ServerStep::Failure(Failure::AuthenticationFailed)
    }
}
