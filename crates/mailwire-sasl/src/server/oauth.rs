//! OAUTHBEARER (RFC 7628 §3.1) and XOAUTH2 client messages, parsed.

use crate::scram::{Gs2Flag, parse_gs2_header};

/// The parts of a bearer-token client response the server needs.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TokenResponse {
    pub(super) user: Option<String>,
    /// `None` when `auth` is absent, empty (a client asking for the
    /// scope, RFC 7628 §4.3) or not a Bearer token: answered with the
    /// error challenge.
    pub(super) token: Option<String>,
}

/// `auth=Bearer TOKEN`: the token, when the scheme is Bearer
/// (case-insensitive, RFC 7235 §2.1) and the token a b64token.
fn bearer(value: &str) -> Option<String> {
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let body = token.trim_end_matches('=');
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b));
    ok.then(|| token.to_string())
}

/// `kvpair = key "=" value`, `key = 1*(ALPHA)`, `value = *(VCHAR / SP /
/// HTAB / CR / LF)` (RFC 7628 §3.1), separated and ended by ^A ^A.
fn kvpairs(body: &str) -> Option<Vec<(&str, &str)>> {
    let inner = body.strip_suffix("\x01\x01")?;
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner
        .split('\x01')
        .map(|kv| {
            let (k, v) = kv.split_once('=')?;
            let key_ok = !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphabetic());
            let val_ok = v
                .bytes()
                .all(|b| (0x20..=0x7e).contains(&b) || b == b'\t' || b == b'\r' || b == b'\n');
            (key_ok && val_ok).then_some((k, v))
        })
        .collect()
}

/// `oauthbearer-client-msg = gs2-header kvsep *kvpair kvsep`.
pub(super) fn parse_oauthbearer(msg: &[u8]) -> Option<TokenResponse> {
    let text = std::str::from_utf8(msg).ok()?;
    let (flag, user, _, rest) = parse_gs2_header(text)?;
    if let Gs2Flag::Used(_) = flag {
        return None;
    }
    let body = rest.strip_prefix('\x01')?;
    let pairs = kvpairs(body)?;
    let auth = pairs.iter().find(|(k, _)| *k == "auth").map(|(_, v)| *v);
    Some(TokenResponse {
        user,
        token: auth.and_then(bearer),
    })
}

/// XOAUTH2: `user=USER ^A auth=Bearer TOKEN ^A ^A`.
pub(super) fn parse_xoauth2(msg: &[u8]) -> Option<TokenResponse> {
    let text = std::str::from_utf8(msg).ok()?;
    let pairs = kvpairs(text)?;
    let [("user", user), ("auth", auth)] = pairs.as_slice() else {
        return None;
    };
    Some(TokenResponse {
        user: Some(user.to_string()).filter(|u| !u.is_empty()),
        token: bearer(auth),
    })
}

/// Escapes a string for a JSON string literal.
pub(super) fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}
