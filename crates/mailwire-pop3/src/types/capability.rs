//! Capabilities listed by `CAPA` (RFC 2449 §6, RFC 2595 §4, RFC 3206 §6,
//! RFC 5034 §3, RFC 6856 §2-§3).

use super::atoms::{MechanismName, Text};

/// One line of a `CAPA` response.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability {
    /// `TOP` (RFC 2449 §6.1).
    Top,
    /// `USER`: USER/PASS is accepted (RFC 2449 §6.2).
    User,
    /// `SASL mech ...`: the AUTH mechanisms (RFC 2449 §6.3, RFC 5034 §3).
    Sasl(Vec<MechanismName>),
    /// `RESP-CODES` (RFC 2449 §6.4).
    RespCodes,
    /// `LOGIN-DELAY seconds [USER]` (RFC 2449 §6.5).
    LoginDelay {
        /// Minimum seconds between logins.
        seconds: u32,
        /// The delay varies per user (`USER`).
        per_user: bool,
    },
    /// `PIPELINING` (RFC 2449 §6.6).
    Pipelining,
    /// `EXPIRE (NEVER / days) [USER]` (RFC 2449 §6.7).
    Expire {
        /// `None` for `NEVER`, else the retention in days (0: deleted after RETR).
        days: Option<u32>,
        /// The policy varies per user (`USER`).
        per_user: bool,
    },
    /// `UIDL` (RFC 2449 §6.8).
    Uidl,
    /// `IMPLEMENTATION text` (RFC 2449 §6.9).
    Implementation(Text),
    /// `STLS` (RFC 2595 §4).
    Stls,
    /// `AUTH-RESP-CODE` (RFC 3206 §6).
    AuthRespCode,
    /// `UTF8 [USER]` (RFC 6856 §2); `user`: UTF-8 user names and passwords.
    Utf8 {
        /// The `USER` argument was present.
        user: bool,
    },
    /// `LANG` (RFC 6856 §3).
    Lang,
    /// Any other line, kept as sent (its tag is not one of the above, or
    /// its arguments did not fit their grammar).
    Unknown(Text),
}
