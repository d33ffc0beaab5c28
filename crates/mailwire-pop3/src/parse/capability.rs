//! `CAPA` lines (RFC 2449 §6, RFC 2595 §4, RFC 3206 §6, RFC 5034 §3,
//! RFC 6856 §2-§3).

use mailwire_core::Error;

use super::lossy_text;
use crate::types::{Capability, MechanismName, Text};

/// Parses one line of a `CAPA` response.
///
/// ```text
/// capability = capa-tag *(SP param)   ; RFC 2449 §9
/// capa-tag   = 1*cchar                ; case-insensitive
/// ```
///
/// A tag this crate does not know, or known tag with arguments that do not
/// fit its grammar, becomes [`Capability::Unknown`] with the line as sent.
/// Only a line that is not text at all (a NUL) is an error.
pub fn parse_capability(line: &[u8]) -> Result<Capability, Error> {
    if line.contains(&0) || line.is_empty() {
        return Err(Error::remote("invalid capability line", line));
    }
    let text = String::from_utf8_lossy(line);
    let mut words = text.split(' ');
    let tag = words.next().unwrap_or_default().to_ascii_uppercase();
    let args: Vec<&str> = words.collect();
    let known = match (tag.as_str(), args.as_slice()) {
        ("TOP", []) => Some(Capability::Top),
        ("USER", []) => Some(Capability::User),
        ("RESP-CODES", []) => Some(Capability::RespCodes),
        ("PIPELINING", []) => Some(Capability::Pipelining),
        ("UIDL", []) => Some(Capability::Uidl),
        ("STLS", []) => Some(Capability::Stls),
        ("AUTH-RESP-CODE", []) => Some(Capability::AuthRespCode),
        ("LANG", []) => Some(Capability::Lang),
        ("UTF8", []) => Some(Capability::Utf8 { user: false }),
        ("UTF8", [u]) if u.eq_ignore_ascii_case("USER") => Some(Capability::Utf8 { user: true }),
        ("SASL", mechs) => mechs
            .iter()
            .map(|m| MechanismName::new(*m).ok())
            .collect::<Option<Vec<_>>>()
            .map(Capability::Sasl),
        ("LOGIN-DELAY", [secs, more @ ..]) => per_user(more).and_then(|per_user| {
            Some(Capability::LoginDelay {
                seconds: digits(secs)?,
                per_user,
            })
        }),
        ("EXPIRE", [policy, more @ ..]) => per_user(more).and_then(|per_user| {
            let days = if policy.eq_ignore_ascii_case("NEVER") {
                None
            } else {
                Some(digits(policy)?)
            };
            Some(Capability::Expire { days, per_user })
        }),
        ("IMPLEMENTATION", [_, ..]) => {
            // The text is everything after the tag and its space.
            Some(Capability::Implementation(lossy_text(&line[15..])))
        }
        _ => None,
    };
    Ok(known
        .unwrap_or_else(|| Capability::Unknown(Text::new(text.into_owned()).unwrap_or_default())))
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn per_user(more: &[&str]) -> Option<bool> {
    match more {
        [] => Some(false),
        [u] if u.eq_ignore_ascii_case("USER") => Some(true),
        _ => None,
    }
}
