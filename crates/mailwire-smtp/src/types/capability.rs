//! EHLO capabilities (RFC 5321 §4.1.1.1 and the extensions' keywords).

use super::address::Host;
use super::reply::Reply;
use super::text::{EhloParam, Keyword, SaslMechanism, Text};

/// One line of an EHLO reply after the first: a service extension the
/// server offers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Capability {
    /// `SIZE [n]` (RFC 1870 §4): the largest message accepted, 0 or absent
    /// for no fixed limit.
    Size(Option<u64>),
    /// `PIPELINING` (RFC 2920).
    Pipelining,
    /// `8BITMIME` (RFC 6152).
    EightBitMime,
    /// `SMTPUTF8` (RFC 6531).
    SmtpUtf8,
    /// `CHUNKING` (RFC 3030): BDAT.
    Chunking,
    /// `BINARYMIME` (RFC 3030).
    BinaryMime,
    /// `DSN` (RFC 3461).
    Dsn,
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    EnhancedStatusCodes,
    /// `STARTTLS` (RFC 3207).
    StartTls,
    /// `AUTH mech...` (RFC 4954 §3).
    Auth(Vec<SaslMechanism>),
    /// `REQUIRETLS` (RFC 8689).
    RequireTls,
    /// `DELIVERBY [min-by-time]` (RFC 2852 §3).
    DeliverBy(Option<u64>),
    /// `MT-PRIORITY [profile]` (RFC 6710 §6).
    MtPriority(Option<Keyword>),
    /// `FUTURERELEASE max-interval max-datetime` (RFC 4865 §3).
    FutureRelease {
        /// The longest HOLDFOR in seconds.
        max_interval: u64,
        /// The latest HOLDUNTIL, an RFC 3339 date-time as sent.
        max_datetime: EhloParam,
    },
    /// `LIMITS` (RFC 9422 §4).
    Limits(MailLimits),
    /// A keyword this crate does not know, with its parameters.
    Other {
        /// The keyword, as sent.
        keyword: Keyword,
        /// Its parameters, split at spaces.
        params: Vec<EhloParam>,
    },
    /// A line that is not an `ehlo-line` at all (such as the old
    /// `AUTH=LOGIN PLAIN`), kept whole rather than dropped or failing the
    /// reply.
    Unparsed(Text),
}

/// The limits of the `LIMITS` capability (RFC 9422 §4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailLimits {
    /// `RCPTMAX=`: most recipients per transaction.
    pub rcpt_max: Option<u64>,
    /// `MAILMAX=`: most transactions per session.
    pub mail_max: Option<u64>,
    /// `RCPTDOMAINMAX=`: most recipient domains per transaction.
    pub rcpt_domain_max: Option<u64>,
    /// Other `name=value` limits, as sent.
    pub other: Vec<(Keyword, u64)>,
}

/// A parsed EHLO (or LHLO) reply: the server's name, its greeting text,
/// and its capabilities (RFC 5321 §4.1.1.1 `ehlo-ok-rsp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EhloReply {
    /// The server's name from the first line.
    pub host: Host,
    /// The greeting after the name, if any.
    pub greeting: Option<Text>,
    /// The capabilities, in the order sent.
    pub capabilities: Vec<Capability>,
}

impl EhloReply {
    /// Whether the server offers a capability like `cap` (same variant,
    /// parameters ignored; `Other` by keyword, case-insensitive).
    pub fn has(&self, cap: &Capability) -> bool {
        self.capabilities.iter().any(|c| match (c, cap) {
            (Capability::Other { keyword: a, .. }, Capability::Other { keyword: b, .. }) => {
                a.eq_ignore_ascii_case(b)
            }
            _ => std::mem::discriminant(c) == std::mem::discriminant(cap),
        })
    }

    /// The SASL mechanisms of the AUTH capability (empty if none).
    pub fn auth_mechanisms(&self) -> &[SaslMechanism] {
        self.capabilities
            .iter()
            .find_map(|c| match c {
                Capability::Auth(m) => Some(m.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }

    /// The SIZE limit, if the server announces a non-zero one.
    pub fn size_limit(&self) -> Option<u64> {
        self.capabilities.iter().find_map(|c| match c {
            Capability::Size(Some(n)) if *n > 0 => Some(*n),
            _ => None,
        })
    }
}

/// A complete reply to EHLO or LHLO, as
/// [`ReplyAssembler::push_ehlo_line`](crate::ReplyAssembler::push_ehlo_line)
/// assembles it: read as capabilities when it is the positive `250`
/// reply, kept as a plain [`Reply`] otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EhloOutcome {
    /// A `250` reply, read as the server's name, greeting and
    /// capabilities (RFC 5321 §4.1.1.1).
    Ehlo(EhloReply),
    /// A reply with any other code, as it is: `500` or `502` from a
    /// server that does not know EHLO (RFC 5321 §3.2), `421`, a refusal,
    /// or a positive code other than 250, which
    /// [`EhloReply::from_reply`] refuses.
    Other(Reply),
}
