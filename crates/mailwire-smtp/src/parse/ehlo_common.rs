//! The common capability lines of an EHLO reply, read without the
//! general path: a known keyword alone (`PIPELINING`, `8BITMIME`, ...),
//! `SIZE` with a number, and `AUTH` with SASL mechanism names.
//!
//! A line is named by its length and, where a length has several
//! candidates, one byte that tells them apart; then the whole line is
//! compared with the candidate's name as one to three folded 8-byte
//! words. The compare is exact but for letter case, so a match proves
//! the line well-formed (printable ASCII, no space) without another
//! look at its bytes. Anything else gives `None` and is left to
//! [`capability`](super::capability), which reads every line to the same
//! result: these are its answers for the lines taken here.

use bytes::Bytes;

use super::{Kw, Name, cls, load8, name};
use crate::types::text::Str;
use crate::types::{Capability, MailLimits, SaslMechanism};

/// The most mechanisms an `AUTH` line read here may name; a longer list
/// is left to the general path.
const MAX_MECHS: usize = 8;

/// `k` bytes (1 to 8) of `b` from `at` as a little-endian word; `at + k
/// <= b.len()`.
#[inline(always)]
fn word(b: &[u8], at: usize, k: usize) -> u64 {
    if at + k >= 8 {
        // The last 8 bytes up to the end of the field, shifted down so
        // that the bytes before it fall off.
        load8(b, at + k - 8) >> (8 * (8 - k))
    } else {
        let mut w = 0u64;
        let mut i = 0;
        while i < k {
            w |= u64::from(b[at + i]) << (8 * i);
            i += 1;
        }
        w
    }
}

/// Whether the `n` bytes of `b` from `at` (the whole rest of `b`) are the
/// name `m` in any case; `n` is the length `m` was made from.
#[inline(always)]
fn is(b: &[u8], at: usize, n: usize, m: &Name) -> bool {
    let x = if n <= 8 {
        [word(b, at, n), 0, 0]
    } else if n <= 16 {
        [load8(b, at), load8(b, at + n - 8), 0]
    } else {
        [load8(b, at), load8(b, at + 8), load8(b, at + n - 8)]
    };
    ((x[0] | m.fold[0]) ^ m.words[0])
        | ((x[1] | m.fold[1]) ^ m.words[1])
        | ((x[2] | m.fold[2]) ^ m.words[2])
        == 0
}

/// Pushes the capability of the line `src[at..end]` to `caps` if it is
/// one of the common forms, with the value
/// [`capability`](super::capability) gives it; false for any other line.
#[inline(always)]
pub(crate) fn common_into(src: &Bytes, at: usize, end: usize, caps: &mut Vec<Capability>) -> bool {
    const DSN: Name = name(b"dsn");
    const SIZE: Name = name(b"size");
    const AUTH: Name = name(b"auth");
    const LIMITS: Name = name(b"limits");
    const EIGHTBITMIME: Name = name(b"8bitmime");
    const SMTPUTF8: Name = name(b"smtputf8");
    const CHUNKING: Name = name(b"chunking");
    const STARTTLS: Name = name(b"starttls");
    const DELIVERBY: Name = name(b"deliverby");
    const PIPELINING: Name = name(b"pipelining");
    const BINARYMIME: Name = name(b"binarymime");
    const REQUIRETLS: Name = name(b"requiretls");
    const MT_PRIORITY: Name = name(b"mt-priority");
    const ENHANCEDSTATUSCODES: Name = name(b"enhancedstatuscodes");
    let Some(b) = src.get(..end) else {
        return false;
    };
    let n = b.len().saturating_sub(at);
    if n < 3 {
        return false;
    }
    // The candidate by length, and by a byte where a length has several;
    // a letter with bit 0x20 set is that letter in lower case.
    let first = b[at] | 0x20;
    let (m, kw) = match n {
        3 => (&DSN, Kw::Dsn),
        4 if first == b's' => (&SIZE, Kw::Size),
        4 if first == b'a' => (&AUTH, Kw::Auth),
        6 => (&LIMITS, Kw::Limits),
        8 => match b[at + 1] | 0x20 {
            b'b' => (&EIGHTBITMIME, Kw::EightBitMime),
            b'm' => (&SMTPUTF8, Kw::SmtpUtf8),
            b'h' => (&CHUNKING, Kw::Chunking),
            b't' => (&STARTTLS, Kw::StartTls),
            _ => return with_params(src, at, end, caps),
        },
        9 => (&DELIVERBY, Kw::DeliverBy),
        10 if first == b'p' => (&PIPELINING, Kw::Pipelining),
        10 if first == b'b' => (&BINARYMIME, Kw::BinaryMime),
        10 if first == b'r' => (&REQUIRETLS, Kw::RequireTls),
        11 => (&MT_PRIORITY, Kw::MtPriority),
        19 => (&ENHANCEDSTATUSCODES, Kw::EnhancedStatusCodes),
        _ => return with_params(src, at, end, caps),
    };
    if !is(b, at, n, m) {
        return with_params(src, at, end, caps);
    }
    // Pushed arm by arm, so that each writes its variant in place.
    match kw {
        Kw::Dsn => caps.push(Capability::Dsn),
        Kw::Size => caps.push(Capability::Size(None)),
        Kw::Auth => caps.push(Capability::Auth(Vec::new())),
        Kw::Limits => caps.push(Capability::Limits(MailLimits::default())),
        Kw::EightBitMime => caps.push(Capability::EightBitMime),
        Kw::SmtpUtf8 => caps.push(Capability::SmtpUtf8),
        Kw::Chunking => caps.push(Capability::Chunking),
        Kw::StartTls => caps.push(Capability::StartTls),
        Kw::DeliverBy => caps.push(Capability::DeliverBy(None)),
        Kw::Pipelining => caps.push(Capability::Pipelining),
        Kw::BinaryMime => caps.push(Capability::BinaryMime),
        Kw::RequireTls => caps.push(Capability::RequireTls),
        Kw::MtPriority => caps.push(Capability::MtPriority(None)),
        Kw::EnhancedStatusCodes => caps.push(Capability::EnhancedStatusCodes),
        Kw::FutureRelease | Kw::Unknown => return false,
    }
    true
}

/// [`common_into`] as a value, for tests.
#[cfg(test)]
pub(crate) fn common(src: &Bytes, at: usize, end: usize) -> Option<Capability> {
    let mut caps = Vec::new();
    if common_into(src, at, end, &mut caps) {
        caps.pop()
    } else {
        None
    }
}

/// `SIZE 1*20DIGIT` and `AUTH 1*(SP sasl-mech)` (RFC 1870 §4, RFC 4954
/// §3), for the line `src[at..end]`.
#[inline(always)]
fn with_params(src: &Bytes, at: usize, end: usize, caps: &mut Vec<Capability>) -> bool {
    const SIZE_SP: Name = name(b"size ");
    const AUTH_SP: Name = name(b"auth ");
    let Some(b) = src.get(..end) else {
        return false;
    };
    if b.len() < at + 6 {
        return false;
    }
    let cap = if is(b, at, 5, &SIZE_SP) {
        size(&b[at + 5..])
    } else if is(b, at, 5, &AUTH_SP) {
        auth(src, at + 5, end)
    } else {
        None
    };
    match cap {
        Some(cap) => {
            caps.push(cap);
            true
        }
        None => false,
    }
}

/// The number of a `SIZE` line: 1 to 20 digits whose value fits 64 bits.
#[inline(always)]
fn size(digits: &[u8]) -> Option<Capability> {
    if digits.len() > 20 {
        return None;
    }
    let mut v = 0u64;
    for &d in digits {
        let d = d.wrapping_sub(b'0');
        if d >= 10 {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    Some(Capability::Size(Some(v)))
}

/// The mechanisms of an `AUTH` line from `at` to `end`: names of 1 to
/// 20 `mech-char`s (RFC 4422 §3.1) between single spaces, to the end of
/// the line, at most [`MAX_MECHS`] of them.
#[inline(never)]
fn auth(src: &Bytes, at: usize, end: usize) -> Option<Capability> {
    let b = src.get(..end)?;
    let mut bounds = [(0usize, 0usize); MAX_MECHS];
    let mut count = 0;
    let mut i = at;
    loop {
        let s = i;
        while i < b.len() && cls::of(b[i]) & cls::MECH != 0 {
            i += 1;
        }
        if i == s || i - s > 20 || count == MAX_MECHS {
            return None;
        }
        bounds[count] = (s, i);
        count += 1;
        if i == b.len() {
            break;
        }
        if b[i] != b' ' {
            return None;
        }
        i += 1;
    }
    let mut mechs = Vec::with_capacity(count);
    for &(s, e) in &bounds[..count] {
        mechs.push(SaslMechanism::from_parsed(Str::trusted(src.slice(s..e))));
    }
    Some(Capability::Auth(mechs))
}

/// Whether every byte of `s` is printable US-ASCII (`%x20-7E`), eight
/// bytes at a time: the text of a reply line that needs no closer look
/// (no tab, no control character, no UTF-8).
#[inline]
pub(crate) fn printable(s: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A byte from 0x80 has its high bit set; 0x7F gets it from + 1, and
    // a byte below 0x20 from - 0x20. A carry or borrow across bytes only
    // starts at such a byte, so the high bits tell whether one is there.
    let bad = |x: u64| x | x.wrapping_add(ONES) | x.wrapping_sub(ONES * 0x20);
    let mut acc = 0u64;
    let mut i = 0;
    while i + 8 <= s.len() {
        acc |= bad(load8(s, i));
        i += 8;
    }
    if i < s.len() {
        if s.len() >= 8 {
            acc |= bad(load8(s, s.len() - 8));
        } else {
            return s.iter().all(|&c| (0x20..0x7f).contains(&c));
        }
    }
    acc & HIGH == 0
}
