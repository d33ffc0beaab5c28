//! EHLO replies and capabilities (RFC 5321 §4.1.1.1 and the extensions).

use super::command::parse_u64;
use super::{Ctx, Policy};
use crate::types::text::{Str, class};
use crate::types::{
    Capability, EhloParam, EhloReply, Keyword, MailLimits, ParseError, ParseErrorKind, Reply,
    SaslMechanism, Text,
};

impl EhloReply {
    /// Reads a positive EHLO or LHLO reply.
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
    pub fn from_reply(reply: &Reply) -> Result<EhloReply, ParseError> {
        let first = &reply.lines()[0];
        let line = first.as_bytes();
        let bad = |reason| ParseError::new(ParseErrorKind::BadReply, reason, line);
        if reply.code.get() != 250 {
            return Err(bad("EHLO reply code is not 250"));
        }
        // RFC 2034 §3 puts no enhanced code on EHLO replies, so one the
        // assembler took off the first line was part of the server's name
        // (an all-numeric name like "2.0.0"): put it back.
        let restored;
        let first = match reply.enhanced {
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
        let sp = memchr::memchr(b' ', bytes).unwrap_or(bytes.len());
        let host = super::address::host(ctx, &bytes[..sp], true)
            .map_err(|_| bad("EHLO reply does not start with a domain"))?;
        let greeting = bytes.get(sp + 1..).map(|g| Text::from_parsed(ctx.str(g)));
        let capabilities = reply.lines()[1..].iter().map(Capability::parse).collect();
        Ok(EhloReply {
            host,
            greeting,
            capabilities,
        })
    }
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
    /// auth         = "AUTH" 1*(SP sasl-mech)            ; RFC 4954 §3
    /// deliverby    = "DELIVERBY" [SP min-by-time]       ; RFC 2852 §3
    /// mt-priority  = "MT-PRIORITY" [SP priority-profile] ; RFC 6710 §6
    /// futurerelease = "FUTURERELEASE" SP max-future-release-interval
    ///                 SP max-future-release-date-time   ; RFC 4865 §3
    /// limits       = "LIMITS" *(SP limit-name "=" limit-value) ; RFC 9422 §4
    /// ```
    pub fn parse(line: &Text) -> Capability {
        let src = line.0.bytes();
        let bytes = line.as_bytes();
        let sub = |s: &[u8]| Str::trusted(src.slice_ref(s));
        let (keyword, rest) = match memchr::memchr(b' ', bytes) {
            Some(sp) => (&bytes[..sp], Some(&bytes[sp + 1..])),
            None => (bytes, None),
        };
        // The parameters, without collecting them: this runs for every
        // line of every EHLO reply.
        let words = || rest.into_iter().flat_map(|r| r.split(|&b| b == b' '));
        if !class::is_keyword(keyword) || !words().all(class::is_ehlo_param) {
            return Capability::Unparsed(line.clone());
        }
        let mut first = [&b""[..]; 2];
        let mut n = 0;
        for w in words() {
            if n < 2 {
                first[n] = w;
            }
            n += 1;
        }
        // More than two parameters match none of the fixed shapes below.
        let many = [&b""[..]; 3];
        let params: &[&[u8]] = if n <= 2 { &first[..n] } else { &many };
        // One length switch and at most a few comparisons name the
        // keyword, instead of comparing it with every known one in turn.
        let known = match (known_keyword(keyword), params) {
            (Kw::Pipelining, []) => Some(Capability::Pipelining),
            (Kw::EightBitMime, []) => Some(Capability::EightBitMime),
            (Kw::SmtpUtf8, []) => Some(Capability::SmtpUtf8),
            (Kw::Chunking, []) => Some(Capability::Chunking),
            (Kw::BinaryMime, []) => Some(Capability::BinaryMime),
            (Kw::Dsn, []) => Some(Capability::Dsn),
            (Kw::EnhancedStatusCodes, []) => Some(Capability::EnhancedStatusCodes),
            (Kw::StartTls, []) => Some(Capability::StartTls),
            (Kw::RequireTls, []) => Some(Capability::RequireTls),
            (Kw::Size, []) => Some(Capability::Size(None)),
            (Kw::Size, [n]) if n.len() <= 20 => parse_u64(n).map(|n| Capability::Size(Some(n))),
            (Kw::DeliverBy, []) => Some(Capability::DeliverBy(None)),
            (Kw::DeliverBy, [n]) => parse_u64(n).map(|n| Capability::DeliverBy(Some(n))),
            (Kw::MtPriority, []) => Some(Capability::MtPriority(None)),
            (Kw::MtPriority, [p]) if class::is_keyword(p) => {
                Some(Capability::MtPriority(Some(Keyword::from_parsed(sub(p)))))
            }
            (Kw::FutureRelease, [i, t]) => parse_u64(i).map(|i| Capability::FutureRelease {
                max_interval: i,
                max_datetime: EhloParam::from_parsed(sub(t)),
            }),
            (Kw::Auth, _) if words().all(class::is_sasl_mech) => Some(Capability::Auth(
                words()
                    .map(|m| SaslMechanism::from_parsed(sub(m)))
                    .collect(),
            )),
            (Kw::Limits, _) => mail_limits(words(), &sub).map(Capability::Limits),
            _ => None,
        };
        known.unwrap_or_else(|| Capability::Other {
            keyword: Keyword::from_parsed(sub(keyword)),
            params: words().map(|p| EhloParam::from_parsed(sub(p))).collect(),
        })
    }
}

/// The EHLO keywords this crate knows.
#[derive(Clone, Copy)]
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

/// Names a keyword (any case) by its length first. `k` is an
/// `ehlo-keyword` (letters, digits and `-`), whose upper-case letters are
/// the only bytes that setting bit 0x20 changes: so `b | 0x20` folds it
/// exactly, against names written in lower case.
fn known_keyword(k: &[u8]) -> Kw {
    let is = |name: &[u8]| k.iter().zip(name).all(|(&a, &b)| a | 0x20 == b);
    match k.len() {
        3 if is(b"dsn") => Kw::Dsn,
        4 if is(b"size") => Kw::Size,
        4 if is(b"auth") => Kw::Auth,
        6 if is(b"limits") => Kw::Limits,
        8 if is(b"8bitmime") => Kw::EightBitMime,
        8 if is(b"smtputf8") => Kw::SmtpUtf8,
        8 if is(b"chunking") => Kw::Chunking,
        8 if is(b"starttls") => Kw::StartTls,
        9 if is(b"deliverby") => Kw::DeliverBy,
        10 if is(b"pipelining") => Kw::Pipelining,
        10 if is(b"binarymime") => Kw::BinaryMime,
        10 if is(b"requiretls") => Kw::RequireTls,
        11 if is(b"mt-priority") => Kw::MtPriority,
        13 if is(b"futurerelease") => Kw::FutureRelease,
        19 if is(b"enhancedstatuscodes") => Kw::EnhancedStatusCodes,
        _ => Kw::Unknown,
    }
}

/// `limit-name "=" limit-value` pairs (RFC 9422 §4); `None` if one is
/// malformed or given twice.
fn mail_limits<'a>(
    params: impl Iterator<Item = &'a [u8]>,
    sub: &dyn Fn(&[u8]) -> Str,
) -> Option<MailLimits> {
    let mut l = MailLimits::default();
    for p in params {
        let eq = memchr::memchr(b'=', p)?;
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
            if !class::is_keyword(name)
                || l.other
                    .iter()
                    .any(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name))
            {
                return None;
            }
            l.other.push((Keyword::from_parsed(sub(name)), value));
            continue;
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    Some(l)
}
