//! Paths, mailboxes and hosts (RFC 5321 §4.1.2, §4.1.3; RFC 6531 §3.3).

use super::{Ctx, Res, fail};
use crate::types::address::{
    MAX_LOCAL_PART_LEN, MAX_PATH_LEN, is_domain, is_host, literal_kind, local_part_len,
};
use crate::types::{AddressLiteral, Domain, ForwardPath, Host, Mailbox, ReversePath};

/// A complete host argument (EHLO, HELO, LHLO).
///
/// ```abnf
/// host = Domain / address-literal
/// address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
///                   General-address-literal ) "]"
/// ```
///
/// With `utf8` false the domain must be ASCII (RFC 6531 §3.7.1 keeps EHLO
/// in A-labels).
pub(crate) fn host(ctx: Ctx<'_>, s: &[u8], utf8: bool) -> Result<Host, nom::Err<super::Fail>> {
    match s {
        [b'[', inner @ .., b']'] if literal_kind(inner).is_some() => {
            Ok(Host::Literal(AddressLiteral(ctx.str(inner))))
        }
        [b'[', ..] => fail("not a valid address literal"),
        _ if is_domain(s, utf8) => Ok(Host::Domain(Domain(ctx.str(s)))),
        _ => fail("not a valid domain"),
    }
}

/// ```abnf
/// Reverse-path = Path / "<>"
/// ```
pub(crate) fn reverse_path<'a>(ctx: Ctx<'_>, i: &'a [u8]) -> Res<'a, ReversePath> {
    let i = skip_space_after_colon(ctx, i);
    if let Some(rest) = i.strip_prefix(b"<>") {
        return Ok((rest, ReversePath::Null));
    }
    let (rest, m) = path(ctx, i)?;
    Ok((rest, ReversePath::Mailbox(m)))
}

/// ```abnf
/// Forward-path = Path / "<Postmaster>"     ; any case (RFC 5321 §4.5.1)
/// ```
pub(crate) fn forward_path<'a>(ctx: Ctx<'_>, i: &'a [u8]) -> Res<'a, ForwardPath> {
    let i = skip_space_after_colon(ctx, i);
    if i.len() >= 12 && i[..12].eq_ignore_ascii_case(b"<postmaster>") {
        return Ok((&i[12..], ForwardPath::Postmaster));
    }
    let (rest, m) = path(ctx, i)?;
    Ok((rest, ForwardPath::Mailbox(m)))
}

fn skip_space_after_colon<'a>(ctx: Ctx<'_>, mut i: &'a [u8]) -> &'a [u8] {
    if ctx.policy.space_after_colon {
        while let [b' ', rest @ ..] = i {
            i = rest;
        }
    }
    i
}

/// A path; the source route, if any, is checked and dropped
/// (RFC 5321 §4.1.1.3: "SHOULD ignore the route").
///
/// ```abnf
/// Path      = "<" [ A-d-l ":" ] Mailbox ">"
/// A-d-l     = At-domain *( "," At-domain )
/// At-domain = "@" Domain
/// ```
///
/// Under [`Policy::bare_path`](crate::Policy::bare_path), a mailbox
/// without brackets is accepted too, up to the next space.
fn path<'a>(ctx: Ctx<'_>, i: &'a [u8]) -> Res<'a, Mailbox> {
    let Some(inner) = i.strip_prefix(b"<") else {
        if ctx.policy.bare_path && !i.is_empty() {
            let end = memchr::memchr(b' ', i).unwrap_or(i.len());
            let (rest, m) = mailbox(ctx, &i[..end])?;
            if !rest.is_empty() {
                return fail("not a valid mailbox");
            }
            return Ok((&i[end..], m));
        }
        return fail("path must be in angle brackets");
    };
    let inner = if inner.first() == Some(&b'@') {
        let Some(colon) = memchr::memchr(b':', inner) else {
            return fail("source route without ':'");
        };
        let route_ok = inner[..colon]
            .split(|&b| b == b',')
            .all(|d| matches!(d, [b'@', dom @ ..] if is_domain(dom, true)));
        if !route_ok {
            return fail("not a valid source route");
        }
        &inner[colon + 1..]
    } else {
        inner
    };
    let (rest, m) = mailbox(ctx, inner)?;
    match rest.strip_prefix(b">") {
        Some(rest) => Ok((rest, m)),
        None => fail("path must end with '>'"),
    }
}

/// A mailbox at the start of `i`, ending where the host ends (at `>`,
/// a space or the end).
///
/// ```abnf
/// Mailbox    = Local-part "@" ( Domain / address-literal )
/// Local-part = Dot-string / Quoted-string   ; MAY be case-sensitive
/// ```
pub(crate) fn mailbox<'a>(ctx: Ctx<'_>, i: &'a [u8]) -> Res<'a, Mailbox> {
    if let Some(end) = super::envelope::plain_mailbox_len(i) {
        return Ok((
            &i[end..],
            Mailbox {
                raw: ctx.str(&i[..end]),
            },
        ));
    }
    let Some(at) = local_part_len(i) else {
        return fail("not a valid local part");
    };
    if i.get(at) != Some(&b'@') {
        return fail("mailbox needs '@' and a domain");
    }
    let host = &i[at + 1..];
    // A general address literal may hold '>' (dcontent = %d33-90 /
    // %d94-126), so a literal ends at its ']'.
    let host_len = if host.first() == Some(&b'[') {
        memchr::memchr(b']', host).map_or(host.len(), |e| e + 1)
    } else {
        host.iter()
            .position(|&b| b == b'>' || b == b' ')
            .unwrap_or(host.len())
    };
    let host_end = at + 1 + host_len;
    let raw = &i[..host_end];
    if at > MAX_LOCAL_PART_LEN {
        return fail("local part longer than 64 octets");
    }
    if raw.len() > MAX_PATH_LEN - 2 {
        return fail("path longer than 256 octets");
    }
    if !is_host(&raw[at + 1..]) {
        return fail("not a valid domain or address literal");
    }
    Ok((&i[host_end..], Mailbox { raw: ctx.str(raw) }))
}
