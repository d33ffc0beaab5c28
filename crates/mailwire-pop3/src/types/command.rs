//! Commands a client sends (RFC 1939 §4-§7, RFC 2449 §5, RFC 2595 §4,
//! RFC 5034 §4, RFC 6856 §2-§3).

use std::fmt;

use super::atoms::{Arg, Digest, LangTag, MechanismName, MsgNum, Password};

/// A POP3 command.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `USER name` (RFC 1939 §7).
    User(Arg),
    /// `PASS string` (RFC 1939 §7); the string may contain spaces.
    Pass(Password),
    /// `APOP name digest` (RFC 1939 §7).
    Apop {
        /// The mailbox name.
        name: Arg,
        /// MD5 of the greeting's timestamp followed by the shared secret.
        digest: Digest,
    },
    /// `QUIT` (RFC 1939 §5, §6).
    Quit,
    /// `STAT` (RFC 1939 §5).
    Stat,
    /// `LIST [msg]` (RFC 1939 §5).
    List(Option<MsgNum>),
    /// `RETR msg` (RFC 1939 §5).
    Retr(MsgNum),
    /// `DELE msg` (RFC 1939 §5).
    Dele(MsgNum),
    /// `NOOP` (RFC 1939 §5).
    Noop,
    /// `RSET` (RFC 1939 §5).
    Rset,
    /// `TOP msg n` (RFC 1939 §7).
    Top {
        /// The message.
        msg: MsgNum,
        /// How many lines of the body to send after the header.
        lines: u32,
    },
    /// `UIDL [msg]` (RFC 1939 §7).
    Uidl(Option<MsgNum>),
    /// `CAPA` (RFC 2449 §5).
    Capa,
    /// `STLS` (RFC 2595 §4).
    Stls,
    /// `AUTH mechanism [initial-response]` (RFC 5034 §4). The initial
    /// response is held decoded; `Some(vec![])` is sent as `=`.
    Auth {
        /// The SASL mechanism.
        mechanism: MechanismName,
        /// The decoded initial response, if any.
        initial_response: Option<Vec<u8>>,
    },
    /// `UTF8` (RFC 6856 §2.1).
    Utf8,
    /// `LANG [range]` (RFC 6856 §3): without argument, a listing request.
    Lang(Option<LangTag>),
}

impl Command {
    /// The command keyword, upper case.
    pub fn keyword(&self) -> &'static str {
        match self {
            Command::User(_) => "USER",
            Command::Pass(_) => "PASS",
            Command::Apop { .. } => "APOP",
            Command::Quit => "QUIT",
            Command::Stat => "STAT",
            Command::List(_) => "LIST",
            Command::Retr(_) => "RETR",
            Command::Dele(_) => "DELE",
            Command::Noop => "NOOP",
            Command::Rset => "RSET",
            Command::Top { .. } => "TOP",
            Command::Uidl(_) => "UIDL",
            Command::Capa => "CAPA",
            Command::Stls => "STLS",
            Command::Auth { .. } => "AUTH",
            Command::Utf8 => "UTF8",
            Command::Lang(_) => "LANG",
        }
    }

    /// Whether the answer is a multi-line response when it is positive
    /// (RFC 1939 §3; RFC 2449 §5; RFC 6856 §3).
    pub fn is_multiline(&self) -> bool {
        matches!(
            self,
            Command::List(None)
                | Command::Uidl(None)
                | Command::Retr(_)
                | Command::Top { .. }
                | Command::Capa
                | Command::Lang(None)
        )
    }
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::User(a) => f.debug_tuple("User").field(a).finish(),
            Command::Pass(p) => f.debug_tuple("Pass").field(p).finish(),
            Command::Apop { name, digest } => f
                .debug_struct("Apop")
                .field("name", name)
                .field("digest", digest)
                .finish(),
            Command::List(n) => f.debug_tuple("List").field(n).finish(),
            Command::Retr(n) => f.debug_tuple("Retr").field(n).finish(),
            Command::Dele(n) => f.debug_tuple("Dele").field(n).finish(),
            Command::Top { msg, lines } => f
                .debug_struct("Top")
                .field("msg", msg)
                .field("lines", lines)
                .finish(),
            Command::Uidl(n) => f.debug_tuple("Uidl").field(n).finish(),
            Command::Auth {
                mechanism,
                initial_response,
            } => f
                .debug_struct("Auth")
                .field("mechanism", mechanism)
                // SASL responses may hold passwords (PLAIN).
                .field(
                    "initial_response",
                    &initial_response
                        .as_ref()
                        .map(|r| format!("<{} bytes>", r.len())),
                )
                .finish(),
            Command::Lang(t) => f.debug_tuple("Lang").field(t).finish(),
            other => f.write_str(other.keyword()),
        }
    }
}

/// A line a client sends during an `AUTH` exchange (RFC 5034 §4).
#[derive(Clone, PartialEq, Eq)]
pub enum SaslResponse {
    /// A base64 response, held decoded (may be empty: an empty line).
    Data(Vec<u8>),
    /// `*`: the client cancels the exchange.
    Cancel,
}

impl fmt::Debug for SaslResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaslResponse::Data(d) => write!(f, "Data(<{} bytes>)", d.len()),
            SaslResponse::Cancel => f.write_str("Cancel"),
        }
    }
}
