//! Replies (RFC 5321 §4.2) and enhanced status codes (RFC 3463, RFC 2034).

use std::fmt;

use super::InvalidInput;
use super::text::Text;

/// A three-digit reply code (RFC 5321 §4.2: `Reply-code = %x32-35 %x30-35
/// %x30-39`); first digits 1 to 5 and any second digit are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// 220 Service ready.
    pub const SERVICE_READY: ReplyCode = ReplyCode(220);
    /// 221 Service closing transmission channel.
    pub const CLOSING: ReplyCode = ReplyCode(221);
    /// 235 Authentication succeeded (RFC 4954).
    pub const AUTH_OK: ReplyCode = ReplyCode(235);
    /// 250 Requested mail action okay, completed.
    pub const OK: ReplyCode = ReplyCode(250);
    /// 334 Server challenge (RFC 4954).
    pub const AUTH_CHALLENGE: ReplyCode = ReplyCode(334);
    /// 354 Start mail input.
    pub const START_MAIL_INPUT: ReplyCode = ReplyCode(354);
    /// 421 Service not available, closing transmission channel.
    pub const SERVICE_UNAVAILABLE: ReplyCode = ReplyCode(421);
    /// 500 Syntax error, command unrecognized.
    pub const SYNTAX_ERROR: ReplyCode = ReplyCode(500);
    /// 501 Syntax error in parameters or arguments.
    pub const PARAMETER_ERROR: ReplyCode = ReplyCode(501);
    /// 502 Command not implemented.
    pub const NOT_IMPLEMENTED: ReplyCode = ReplyCode(502);
    /// 503 Bad sequence of commands.
    pub const BAD_SEQUENCE: ReplyCode = ReplyCode(503);
    /// 504 Command parameter not implemented.
    pub const PARAMETER_NOT_IMPLEMENTED: ReplyCode = ReplyCode(504);
    /// 550 Requested action not taken: mailbox unavailable.
    pub const MAILBOX_UNAVAILABLE: ReplyCode = ReplyCode(550);
    /// 552 Requested mail action aborted: exceeded storage allocation.
    pub const EXCEEDED_STORAGE: ReplyCode = ReplyCode(552);
    /// 554 Transaction failed.
    pub const TRANSACTION_FAILED: ReplyCode = ReplyCode(554);

    /// A code from 100 to 599.
    pub fn new(code: u16) -> Result<ReplyCode, InvalidInput> {
        if (100..=599).contains(&code) {
            Ok(ReplyCode(code))
        } else {
            Err(InvalidInput::new("reply code", &code.to_string()))
        }
    }

    /// The number.
    pub fn get(self) -> u16 {
        self.0
    }

    /// The first digit: 2 success, 3 intermediate, 4 transient and 5
    /// permanent failure (RFC 5321 §4.2.1).
    pub fn class(self) -> u8 {
        (self.0 / 100) as u8
    }

    /// Whether the code is 2yz.
    pub fn is_positive(self) -> bool {
        self.class() == 2
    }

    /// Whether the code is 3yz.
    pub fn is_intermediate(self) -> bool {
        self.class() == 3
    }

    /// Whether the code is 4yz.
    pub fn is_transient(self) -> bool {
        self.class() == 4
    }

    /// Whether the code is 5yz.
    pub fn is_permanent(self) -> bool {
        self.class() == 5
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An enhanced mail system status code (RFC 3463 §2:
/// `class "." subject "." detail`), as sent at the start of reply text
/// under ENHANCEDSTATUSCODES (RFC 2034).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedCode {
    class: u8,
    subject: u16,
    detail: u16,
}

impl EnhancedCode {
    /// `class` is 2, 4 or 5; `subject` and `detail` are 0 to 999
    /// (`1*3digit`).
    pub fn new(class: u8, subject: u16, detail: u16) -> Result<EnhancedCode, InvalidInput> {
        if matches!(class, 2 | 4 | 5) && subject <= 999 && detail <= 999 {
            Ok(EnhancedCode {
                class,
                subject,
                detail,
            })
        } else {
            Err(InvalidInput::new(
                "enhanced status code",
                &format!("{class}.{subject}.{detail}"),
            ))
        }
    }

    pub(crate) const fn known(class: u8, subject: u16, detail: u16) -> EnhancedCode {
        EnhancedCode {
            class,
            subject,
            detail,
        }
    }

    /// 2, 4 or 5.
    pub fn class(self) -> u8 {
        self.class
    }

    /// The subject (RFC 3463 §3: 1 addressing, 2 mailbox, 3 mail system, ...).
    pub fn subject(self) -> u16 {
        self.subject
    }

    /// The detail.
    pub fn detail(self) -> u16 {
        self.detail
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// A reply: a code, an optional enhanced status code, and one or more
/// lines of text (RFC 5321 §4.2).
///
/// On the wire every line starts with the code (`250-` for all but the
/// last, `250 ` for the last), and with ENHANCEDSTATUSCODES the enhanced
/// code follows it on every line (RFC 2034 §3). `lines` never holds the
/// enhanced code itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The reply code.
    pub code: ReplyCode,
    /// The enhanced status code; its class must match the code's.
    pub enhanced: Option<EnhancedCode>,
    /// The text lines; at least one, which may be empty.
    lines: Vec<Text>,
}

impl Reply {
    /// A one-line reply.
    pub fn new(code: ReplyCode, text: Text) -> Reply {
        Reply {
            code,
            enhanced: None,
            lines: vec![text],
        }
    }

    /// A one-line reply from a code and text that are checked.
    pub fn with_text(code: u16, text: &str) -> Result<Reply, InvalidInput> {
        Ok(Reply::new(ReplyCode::new(code)?, Text::new(text)?))
    }

    /// A reply of several lines; an empty list becomes one empty line.
    pub fn multiline(code: ReplyCode, lines: Vec<Text>) -> Reply {
        let lines = if lines.is_empty() {
            vec![Text::empty()]
        } else {
            lines
        };
        Reply {
            code,
            enhanced: None,
            lines,
        }
    }

    /// Adds an enhanced status code; refused (`InvalidInput`) if its class
    /// differs from the reply code's (RFC 3463 §2).
    pub fn enhanced(mut self, code: EnhancedCode) -> Result<Reply, InvalidInput> {
        if code.class() != self.code.class() {
            return Err(InvalidInput::new(
                "enhanced code of another class",
                &code.to_string(),
            ));
        }
        self.enhanced = Some(code);
        Ok(self)
    }

    /// Adds an enhanced code known to match; for the constructors below.
    fn with(mut self, class: u8, subject: u16, detail: u16) -> Reply {
        debug_assert_eq!(class, self.code.class());
        self.enhanced = Some(EnhancedCode::known(class, subject, detail));
        self
    }

    /// The text lines (at least one).
    pub fn lines(&self) -> &[Text] {
        &self.lines
    }

    /// Appends a line.
    pub fn push_line(&mut self, line: Text) {
        self.lines.push(line);
    }

    /// The lines joined with spaces, for messages and logs.
    pub fn text(&self) -> String {
        self.lines
            .iter()
            .map(Text::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub(crate) fn from_parts(
        code: ReplyCode,
        enhanced: Option<EnhancedCode>,
        lines: Vec<Text>,
    ) -> Reply {
        let mut r = Reply::multiline(code, lines);
        if enhanced.is_some_and(|e| e.class() == code.class()) {
            r.enhanced = enhanced;
        }
        r
    }

    fn fixed(code: u16, text: &'static str) -> Reply {
        Reply::new(ReplyCode(code), Text::from_static(text))
    }

    /// `220 <host> <text>`: the greeting (RFC 5321 §4.3.1).
    pub fn service_ready(host: &super::address::Host, text: &Text) -> Reply {
        let line = if text.is_empty() {
            host.to_string()
        } else {
            format!("{host} {text}")
        };
        Reply::new(
            ReplyCode::SERVICE_READY,
            Text::new(&line).unwrap_or_else(|_| Text::empty()),
        )
    }
    /// `221 2.0.0 Bye`.
    pub fn closing() -> Reply {
        Reply::fixed(221, "Bye").with(2, 0, 0)
    }
    /// `250 2.0.0 OK`.
    pub fn ok() -> Reply {
        Reply::fixed(250, "OK").with(2, 0, 0)
    }
    /// `250 2.1.0 Sender OK`.
    pub fn sender_ok() -> Reply {
        Reply::fixed(250, "Sender OK").with(2, 1, 0)
    }
    /// `250 2.1.5 Recipient OK`.
    pub fn recipient_ok() -> Reply {
        Reply::fixed(250, "Recipient OK").with(2, 1, 5)
    }
    /// `250 2.6.0 Message accepted`.
    pub fn message_accepted() -> Reply {
        Reply::fixed(250, "Message accepted").with(2, 6, 0)
    }
    /// `235 2.7.0 Authentication successful` (RFC 4954 §6).
    pub fn auth_succeeded() -> Reply {
        Reply::fixed(235, "Authentication successful").with(2, 7, 0)
    }
    /// `354 End data with <CR><LF>.<CR><LF>`.
    pub fn start_mail_input() -> Reply {
        Reply::fixed(354, "End data with <CR><LF>.<CR><LF>")
    }
    /// `220 2.0.0 Ready to start TLS` (RFC 3207 §4).
    pub fn ready_to_start_tls() -> Reply {
        Reply::fixed(220, "Ready to start TLS").with(2, 0, 0)
    }
    /// `421 4.3.2 Service not available, closing transmission channel`.
    pub fn service_unavailable() -> Reply {
        Reply::fixed(421, "Service not available, closing transmission channel").with(4, 3, 2)
    }
    /// `500 5.5.2 Syntax error, command unrecognized`.
    pub fn syntax_error() -> Reply {
        Reply::fixed(500, "Syntax error, command unrecognized").with(5, 5, 2)
    }
    /// `500 5.5.6 Line too long` (RFC 5321 §4.5.3.1.4).
    pub fn line_too_long() -> Reply {
        Reply::fixed(500, "Line too long").with(5, 5, 6)
    }
    /// `501 5.5.4 Syntax error in parameters or arguments`.
    pub fn parameter_error() -> Reply {
        Reply::fixed(501, "Syntax error in parameters or arguments").with(5, 5, 4)
    }
    /// `502 5.5.1 Command not implemented`.
    pub fn not_implemented() -> Reply {
        Reply::fixed(502, "Command not implemented").with(5, 5, 1)
    }
    /// `503 5.5.1 Bad sequence of commands`.
    pub fn bad_sequence() -> Reply {
        Reply::fixed(503, "Bad sequence of commands").with(5, 5, 1)
    }
    /// `504 5.5.4 Command parameter not implemented`.
    pub fn parameter_not_implemented() -> Reply {
        Reply::fixed(504, "Command parameter not implemented").with(5, 5, 4)
    }
    /// `530 5.7.0 Must issue a STARTTLS command first` (RFC 3207 §4).
    pub fn must_starttls() -> Reply {
        Reply::fixed(530, "Must issue a STARTTLS command first").with(5, 7, 0)
    }
    /// `535 5.7.8 Authentication credentials invalid` (RFC 4954 §6).
    pub fn auth_failed() -> Reply {
        Reply::fixed(535, "Authentication credentials invalid").with(5, 7, 8)
    }
    /// `550 5.1.1 Mailbox unavailable`.
    pub fn mailbox_unavailable() -> Reply {
        Reply::fixed(550, "Mailbox unavailable").with(5, 1, 1)
    }
    /// `552 5.3.4 Message size exceeds fixed maximum message size` (RFC 1870 §6.1).
    pub fn message_too_big() -> Reply {
        Reply::fixed(552, "Message size exceeds fixed maximum message size").with(5, 3, 4)
    }
    /// `452 4.5.3 Too many recipients` (RFC 5321 §4.5.3.1.10).
    pub fn too_many_recipients() -> Reply {
        Reply::fixed(452, "Too many recipients").with(4, 5, 3)
    }
    /// `554 5.0.0 Transaction failed`.
    pub fn transaction_failed() -> Reply {
        Reply::fixed(554, "Transaction failed").with(5, 0, 0)
    }
}
