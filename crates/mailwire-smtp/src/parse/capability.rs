//! EHLO replies and capabilities (RFC 5321 §4.1.1.1 and the extensions).
//!
//! One capability line is read in one pass over its bytes with a class
//! table: the keyword is named by its length and a case-folded compare of
//! at most three 8-byte words, the parameters are checked and counted as
//! they are met, and only the values a capability keeps are sliced out of
//! the line (no copy). [`ReplyAssembler::push_ehlo_line`] runs this on
//! each line as it arrives, so an EHLO reply never becomes a
//! [`Reply`] of text lines first.
//!
//! [`ReplyAssembler::push_ehlo_line`]: crate::ReplyAssembler::push_ehlo_line

use bytes::Bytes;

use super::command::parse_u64;
use super::{Ctx, Policy};
use crate::types::text::Str;
use crate::types::{
    Capability, EhloParam, EhloReply, EnhancedCode, Host, Keyword, MailLimits, ParseError,
    ParseErrorKind, Reply, SaslMechanism, Text,
};

impl EhloReply {
    /// Reads a positive EHLO or LHLO reply that was assembled as a
    /// [`Reply`]. A client reading replies off the wire should rather
    /// feed the lines to [`ReplyAssembler::push_ehlo_line`], which reads
    /// the capabilities as the lines arrive and gives the same result.
    ///
    /// ```abnf
    /// ehlo-ok-rsp = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
    ///             / ( "250-" Domain [ SP ehlo-greet ] CRLF
    ///                 *( "250-" ehlo-line CRLF )
    ///                 "250" SP ehlo-line CRLF )          ; RFC 5321 §4.1.1.1
    /// ```
    ///
    /// Fails ([`ParseErrorKind::BadReply`]) if the code is not 250 or the
    /// first line does not start with a domain or address literal; a
    /// capability line that is not an `ehlo-line` becomes
    /// [`Capability::Unparsed`] rather than failing the reply.
    ///
    /// [`ReplyAssembler::push_ehlo_line`]: crate::ReplyAssembler::push_ehlo_line
    pub fn from_reply(reply: &Reply) -> Result<EhloReply, ParseError> {
        let first = &reply.lines()[0];
        if reply.code.get() != 250 {
            return Err(ParseError::new(
                ParseErrorKind::BadReply,
                "EHLO reply code is not 250",
                first.as_bytes(),
            ));
        }
        let (host, greeting) = first_line(first, reply.enhanced)?;
        let capabilities = reply.lines()[1..]
            .iter()
            .map(|line| capability(line.0.bytes(), 0).0)
            .collect();
        Ok(EhloReply {
            host,
            greeting,
            capabilities,
        })
    }
}

/// The server's name and greeting from the first line of an EHLO reply,
/// given the text after `250-` and the enhanced code the assembler took
/// off it, if any.
pub(crate) fn first_line(
    first: &Text,
    enhanced: Option<EnhancedCode>,
) -> Result<(Host, Option<Text>), ParseError> {
    let bad = |reason| ParseError::new(ParseErrorKind::BadReply, reason, first.as_bytes());
    // RFC 2034 §3 puts no enhanced code on EHLO replies, so one the
    // assembler took off the first line was part of the server's name
    // (an all-numeric name like "2.0.0"): put it back.
    let restored;
    let first = match enhanced {
        Some(e) => {
            let mut line = e.to_string();
            if !first.is_empty() {
                line.push(' ');
                line.push_str(first.as_str());
            }
            restored = Text::new(&line).map_err(|_| bad("bad first line"))?;
            &restored
        }
        None => first,
    };
    let policy = Policy::client();
    let ctx = Ctx {
        src: first.0.bytes(),
        policy: &policy,
    };
    let bytes = first.as_bytes();
    let sp = bytes.iter().position(|&b| b == b' ').unwrap_or(bytes.len());
    let host = super::address::host(ctx, &bytes[..sp], true)
        .map_err(|_| bad("EHLO reply does not start with a domain"))?;
    let greeting = bytes.get(sp + 1..).map(|g| Text::from_parsed(ctx.str(g)));
    Ok((host, greeting))
}

/// [`first_line`] for a line whose text from `at` is known to be
/// printable ASCII that starts with no enhanced code: the name and
/// greeting are sliced out of `line` directly.
pub(crate) fn first_line_at(line: &Bytes, at: usize) -> Result<(Host, Option<Text>), ParseError> {
    let text = &line[at..];
    let sp = find_sp(text);
    let policy = Policy::client();
    let ctx = Ctx {
        src: line,
        policy: &policy,
    };
    let host = super::address::host(ctx, &text[..sp], true).map_err(|_| {
        ParseError::new(
            ParseErrorKind::BadReply,
            "EHLO reply does not start with a domain",
            text,
        )
    })?;
    let greeting =
        (sp < text.len()).then(|| Text::from_parsed(Str::trusted(line.slice(at + sp + 1..))));
    Ok((host, greeting))
}

impl Capability {
    /// Reads one `ehlo-line`; never fails: a keyword this crate does not
    /// know, or a known one with parameters it does not expect, becomes
    /// [`Capability::Other`], and a line that is no `ehlo-line` becomes
    /// [`Capability::Unparsed`].
    ///
    /// ```abnf
    /// ehlo-line    = ehlo-keyword *( SP ehlo-param )   ; RFC 5321 §4.1.1.1
    /// ehlo-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
    /// ehlo-param   = 1*(%d33-126)
    /// size         = "SIZE" [SP 1*20DIGIT]              ; RFC 1870 §4
    /// auth         = "AUTH" *(SP sasl-mech)             ; RFC 4954 §3
    /// deliverby    = "DELIVERBY" [SP min-by-time]       ; RFC 2852 §3
    /// mt-priority  = "MT-PRIORITY" [SP priority-profile] ; RFC 6710 §6
    /// futurerelease = "FUTURERELEASE" SP max-future-release-interval
    ///                 SP max-future-release-date-time   ; RFC 4865 §3
    /// limits       = "LIMITS" *(SP limit-name "=" limit-value) ; RFC 9422 §4
    /// ```
    pub fn parse(line: &Text) -> Capability {
        capability(line.0.bytes(), 0).0
    }
}

/// Byte classes of capability lines, as bits of one table.
mod cls {
    /// `ehlo-keyword` characters: letters, digits and `-`.
    pub(super) const KEYWORD: u8 = 1;
    /// `ehlo-param` characters: `%d33-126`.
    pub(super) const PARAM: u8 = 2;
    /// `mech-char` (RFC 4422 §3.1), lower case accepted.
    pub(super) const MECH: u8 = 4;
    /// `ALPHA / DIGIT`: what a keyword starts with.
    pub(super) const ALNUM: u8 = 8;

    pub(super) static TABLE: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            let b = i as u8;
            if b.is_ascii_alphanumeric() {
                t[i] |= KEYWORD | MECH | ALNUM;
            }
            if b == b'-' {
                t[i] |= KEYWORD | MECH;
            }
            if b == b'_' {
                t[i] |= MECH;
            }
            if matches!(b, 33..=126) {
                t[i] |= PARAM;
            }
            i += 1;
        }
        t
    };

    #[inline(always)]
    pub(super) fn of(b: u8) -> u8 {
        TABLE[usize::from(b)]
    }
}

/// Reads the capability line `src[start..]`, slicing the values it keeps
/// out of `src`. The flag is true when the line was found to be an
/// `ehlo-line` (printable US-ASCII words between single spaces), which
/// is also valid reply text: the caller need not check it again.
#[inline]
pub(crate) fn capability(src: &Bytes, start: usize) -> (Capability, bool) {
    let text = &src[start..];
    // The keyword: up to the first SP, named by its length and a masked
    // compare (which also proves it well-formed). Most lines are a known
    // keyword alone, and take no more than that.
    let k = find_sp(text);
    let kw = known_keyword(text, k);
    if k == text.len() {
        let cap = match kw {
            Kw::Pipelining => Capability::Pipelining,
            Kw::EightBitMime => Capability::EightBitMime,
            Kw::SmtpUtf8 => Capability::SmtpUtf8,
            Kw::Chunking => Capability::Chunking,
            Kw::BinaryMime => Capability::BinaryMime,
            Kw::Dsn => Capability::Dsn,
            Kw::EnhancedStatusCodes => Capability::EnhancedStatusCodes,
            Kw::StartTls => Capability::StartTls,
            Kw::RequireTls => Capability::RequireTls,
            Kw::Size => Capability::Size(None),
            Kw::DeliverBy => Capability::DeliverBy(None),
            Kw::MtPriority => Capability::MtPriority(None),
            Kw::Auth => Capability::Auth(Vec::new()),
            Kw::Limits => Capability::Limits(MailLimits::default()),
            Kw::FutureRelease | Kw::Unknown => return with_params(src, start, k, kw),
        };
        return (cap, true);
    }
    with_params(src, start, k, kw)
}

/// [`capability`] for a line with parameters, or whose keyword this
/// crate does not know (`kw`, ending at `k`).
#[inline(never)]
fn with_params(src: &Bytes, start: usize, k: usize, kw: Kw) -> (Capability, bool) {
    let text = &src[start..];
    let n = text.len();
    let sub = |a: usize, b: usize| Str::trusted(src.slice(start + a..start + b));
    let unparsed = || (Capability::Unparsed(Text::from_parsed(sub(0, n))), false);
    // An unknown keyword is checked byte by byte.
    if kw == Kw::Unknown && !is_keyword(&text[..k]) {
        return unparsed();
    }
    if kw == Kw::Size {
        // `SIZE 1*20DIGIT`, the digits read as they are met.
        let digits = &text[k + 1..];
        if (1..=20).contains(&digits.len()) {
            let mut v = 0u64;
            let mut ok = true;
            for &d in digits {
                let d = d.wrapping_sub(b'0');
                ok &= d < 10;
                v = match v.checked_mul(10).and_then(|v| v.checked_add(u64::from(d))) {
                    Some(v) => v,
                    None => {
                        ok = false;
                        0
                    }
                };
            }
            if ok {
                return (Capability::Size(Some(v)), true);
            }
        }
    }

    // The parameters, checked and counted in one pass; the start of the
    // first two is kept for the keywords that take one or two, and
    // whether all are SASL mechanism names for AUTH.
    let mut count = 0usize;
    let mut starts = [0usize; 2];
    let mut all_mech = true;
    let mut i = k;
    while i < n {
        // text[i] is the SP before a parameter.
        let s = i + 1;
        let mut j = s;
        let mut acc = cls::PARAM | cls::MECH;
        while j < n && text[j] != b' ' {
            acc &= cls::of(text[j]);
            j += 1;
        }
        if j == s || acc & cls::PARAM == 0 {
            return unparsed();
        }
        all_mech &= acc & cls::MECH != 0 && j - s <= 20;
        if count < 2 {
            starts[count] = s;
        }
        count += 1;
        i = j;
    }
    // The end of the parameter starting at `s`.
    let end = |s: usize| s + find_sp(&text[s..]);
    let known = match (kw, count) {
        // One parameter runs to the end of the line.
        (Kw::Size, 1) if n - starts[0] <= 20 => {
            parse_u64(&text[starts[0]..]).map(|v| Capability::Size(Some(v)))
        }
        (Kw::DeliverBy, 1) => parse_u64(&text[starts[0]..]).map(|v| Capability::DeliverBy(Some(v))),
        (Kw::MtPriority, 1) if is_keyword(&text[starts[0]..]) => Some(Capability::MtPriority(
            Some(Keyword::from_parsed(sub(starts[0], n))),
        )),
        (Kw::FutureRelease, 2) => {
            parse_u64(&text[starts[0]..starts[1] - 1]).map(|v| Capability::FutureRelease {
                max_interval: v,
                max_datetime: EhloParam::from_parsed(sub(starts[1], n)),
            })
        }
        (Kw::Auth, _) if all_mech => {
            let mut mechs = Vec::with_capacity(count);
            let mut s = k + 1;
            while s < n {
                let e = end(s);
                mechs.push(SaslMechanism::from_parsed(sub(s, e)));
                s = e + 1;
            }
            Some(Capability::Auth(mechs))
        }
        (Kw::Limits, _) => mail_limits(text, k, &sub).map(Capability::Limits),
        _ => None,
    };
    let cap = known.unwrap_or_else(|| {
        let mut params = Vec::with_capacity(count);
        let mut s = k + 1;
        while s < n {
            let e = end(s);
            params.push(EhloParam::from_parsed(sub(s, e)));
            s = e + 1;
        }
        Capability::Other {
            keyword: Keyword::from_parsed(sub(0, k)),
            params,
        }
    });
    (cap, true)
}

/// Eight bytes from `at` as a little-endian word (`at + 8 <= s.len()`).
#[inline(always)]
fn load8(s: &[u8], at: usize) -> u64 {
    let b: [u8; 8] = s[at..at + 8].try_into().unwrap_or_default();
    u64::from_le_bytes(b)
}

/// The index of the first SP in `s`, or its length; eight bytes at a
/// time.
#[inline(always)]
fn find_sp(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= s.len() {
        let x = load8(s, i) ^ (ONES * u64::from(b' '));
        // The lowest set bit marks the first zero byte exactly.
        let z = x.wrapping_sub(ONES) & !x & HIGH;
        if z != 0 {
            return i + (z.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < s.len() && s[i] != b' ' {
        i += 1;
    }
    i
}

/// `esmtp-keyword` (letters, digits and `-`, starting with a letter or
/// digit).
fn is_keyword(s: &[u8]) -> bool {
    matches!(s.first(), Some(&b) if cls::of(b) & cls::ALNUM != 0)
        && s.iter().all(|&b| cls::of(b) & cls::KEYWORD != 0)
}

/// The EHLO keywords this crate knows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kw {
    Pipelining,
    EightBitMime,
    SmtpUtf8,
    Chunking,
    BinaryMime,
    Dsn,
    EnhancedStatusCodes,
    StartTls,
    RequireTls,
    Size,
    DeliverBy,
    MtPriority,
    FutureRelease,
    Auth,
    Limits,
    Unknown,
}

/// A known name of 3 to 24 bytes as up to three little-endian words (the
/// first 8 bytes, the next 8, and the last 8, overlapping), in lower case,
/// and the same words with bit 0x20 at each letter: a received keyword
/// with that bit set there is the name in some case. Digits and `-` must
/// match exactly, so no other byte (a control character, say) can pass.
struct Name {
    words: [u64; 3],
    fold: [u64; 3],
}

/// `len` bytes of `s` from `at` as a little-endian word, and its letter
/// bits.
const fn word(s: &[u8], at: usize, len: usize) -> (u64, u64) {
    let mut w = 0u64;
    let mut f = 0u64;
    let mut i = 0;
    while i < len {
        let b = s[at + i];
        w |= (b as u64) << (8 * i);
        if b.is_ascii_lowercase() {
            f |= 0x20 << (8 * i);
        }
        i += 1;
    }
    (w, f)
}

const fn name(s: &[u8]) -> Name {
    let n = s.len();
    let (a, b, c) = if n <= 8 {
        (word(s, 0, n), (0, 0), (0, 0))
    } else if n <= 16 {
        (word(s, 0, 8), word(s, n - 8, 8), (0, 0))
    } else {
        (word(s, 0, 8), word(s, 8, 8), word(s, n - 8, 8))
    };
    Name {
        words: [a.0, b.0, c.0],
        fold: [a.1, b.1, c.1],
    }
}

/// The words of the keyword `text[..k]` laid out as [`name`] lays out
/// a name.
#[inline(always)]
fn words_of(text: &[u8], k: usize) -> [u64; 3] {
    if k <= 8 {
        let w = if text.len() >= 8 {
            // The bytes after the keyword are masked off.
            load8(text, 0) & (u64::MAX >> (8 * (8 - k)))
        } else {
            let mut w = 0u64;
            for (i, &b) in text[..k].iter().enumerate() {
                w |= u64::from(b) << (8 * i);
            }
            w
        };
        [w, 0, 0]
    } else if k <= 16 {
        [load8(text, 0), load8(text, k - 8), 0]
    } else {
        [load8(text, 0), load8(text, 8), load8(text, k - 8)]
    }
}

/// Names the keyword `text[..k]` (any case) by its length first, then by
/// at most three integer compares per candidate.
#[inline(always)]
fn known_keyword(text: &[u8], k: usize) -> Kw {
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
    const FUTURERELEASE: Name = name(b"futurerelease");
    const ENHANCEDSTATUSCODES: Name = name(b"enhancedstatuscodes");
    if !matches!(k, 3 | 4 | 6 | 8..=11 | 13 | 19) {
        return Kw::Unknown;
    }
    let x = words_of(text, k);
    let is = |n: &Name| {
        (x[0] | n.fold[0]) == n.words[0]
            && (x[1] | n.fold[1]) == n.words[1]
            && (x[2] | n.fold[2]) == n.words[2]
    };
    match k {
        3 if is(&DSN) => Kw::Dsn,
        4 if is(&SIZE) => Kw::Size,
        4 if is(&AUTH) => Kw::Auth,
        6 if is(&LIMITS) => Kw::Limits,
        8 if is(&EIGHTBITMIME) => Kw::EightBitMime,
        8 if is(&SMTPUTF8) => Kw::SmtpUtf8,
        8 if is(&CHUNKING) => Kw::Chunking,
        8 if is(&STARTTLS) => Kw::StartTls,
        9 if is(&DELIVERBY) => Kw::DeliverBy,
        10 if is(&PIPELINING) => Kw::Pipelining,
        10 if is(&BINARYMIME) => Kw::BinaryMime,
        10 if is(&REQUIRETLS) => Kw::RequireTls,
        11 if is(&MT_PRIORITY) => Kw::MtPriority,
        13 if is(&FUTURERELEASE) => Kw::FutureRelease,
        19 if is(&ENHANCEDSTATUSCODES) => Kw::EnhancedStatusCodes,
        _ => Kw::Unknown,
    }
}

/// `limit-name "=" limit-value` pairs (RFC 9422 §4) of the line `text`
/// after its keyword (which ends at `k`); `None` if one is malformed or
/// given twice.
fn mail_limits(text: &[u8], k: usize, sub: &dyn Fn(usize, usize) -> Str) -> Option<MailLimits> {
    let mut l = MailLimits::default();
    let mut s = k + 1;
    while s < text.len() {
        let e = text[s..]
            .iter()
            .position(|&b| b == b' ')
            .map_or(text.len(), |p| s + p);
        let p = &text[s..e];
        let eq = p.iter().position(|&b| b == b'=')?;
        let (name, value) = (&p[..eq], &p[eq + 1..]);
        if value.len() > 20 {
            return None;
        }
        let value = parse_u64(value)?;
        let slot = if name.eq_ignore_ascii_case(b"RCPTMAX") {
            &mut l.rcpt_max
        } else if name.eq_ignore_ascii_case(b"MAILMAX") {
            &mut l.mail_max
        } else if name.eq_ignore_ascii_case(b"RCPTDOMAINMAX") {
            &mut l.rcpt_domain_max
        } else {
            if !is_keyword(name)
                || l.other
                    .iter()
                    .any(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name))
            {
                return None;
            }
            l.other.push((Keyword::from_parsed(sub(s, s + eq)), value));
            s = e + 1;
            continue;
        };
        if slot.replace(value).is_some() {
            return None;
        }
        s = e + 1;
    }
    Some(l)
}

#[path = "ehlo_common.rs"]
mod common;
#[cfg(test)]
pub(crate) use common::common;
pub(crate) use common::{common_into, printable};

#[cfg(test)]
#[path = "ehlo_tests.rs"]
mod tests;
