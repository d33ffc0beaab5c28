//! Reply lines and enhanced status codes (RFC 5321 §4.2, RFC 3463, RFC 2034).

use bytes::Bytes;

use super::check_line;
use crate::types::text::{Str, class};
use crate::types::{EnhancedCode, ParseError, ParseErrorKind, Policy, ReplyCode, Text};

/// One line of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLine {
    /// The reply code.
    pub code: ReplyCode,
    /// Whether this is the last line (`code SP`, not `code "-"`).
    pub last: bool,
    /// The text after the separator (may be empty).
    pub text: Text,
}

/// Parses one reply line (without CRLF).
///
/// ```abnf
/// Reply-line = *( Reply-code "-" [ textstring ] CRLF )
///              Reply-code [ SP textstring ] CRLF       ; RFC 5321 §4.2
/// Reply-code = %x32-35 %x30-35 %x30-39
/// textstring = 1*(%d09 / %d32-126)                    ; and UTF-8, RFC 6531 §3.7.4
/// ```
///
/// Any first digit from 1 to 5 and any second digit are accepted.
pub fn parse_reply_line(line: &Bytes, policy: &Policy) -> Result<ReplyLine, ParseError> {
    check_line(line, policy.max_reply_line, ParseErrorKind::BadReply)?;
    let bad = |reason| ParseError::new(ParseErrorKind::BadReply, reason, line);
    let (code, rest) = match &line[..] {
        [a @ b'1'..=b'5', b @ b'0'..=b'9', c @ b'0'..=b'9', rest @ ..] => (
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'),
            rest,
        ),
        _ => return Err(bad("reply line must start with a three-digit code")),
    };
    let (last, text) = match rest {
        [] => (true, rest),
        [b' ', text @ ..] => (true, text),
        [b'-', text @ ..] => (false, text),
        _ => return Err(bad("reply code must be followed by SP or '-'")),
    };
    if !class::is_text(text) {
        return Err(bad("control character in reply text"));
    }
    let code = ReplyCode::new(code).map_err(|_| bad("reply code out of range"))?;
    Ok(ReplyLine {
        code,
        last,
        text: Text::from_parsed(Str::trusted(line.slice_ref(text))),
    })
}

/// An enhanced status code at the start of `text`, if its class is
/// `class`, and the length to strip (the code and the SP after it).
///
/// ```abnf
/// status-code = class "." subject "." detail   ; RFC 3463 §2
/// class       = "2" / "4" / "5"
/// subject     = 1*3digit
/// detail      = 1*3digit
/// ```
pub(crate) fn enhanced_code(text: &[u8], class: u8) -> Option<(EnhancedCode, usize)> {
    let (&c, rest) = text.split_first()?;
    if c != b'0' + class || !matches!(class, 2 | 4 | 5) || rest.first() != Some(&b'.') {
        return None;
    }
    let number = |s: &[u8]| -> Option<(u16, usize)> {
        let n = s.iter().take(4).take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 3 {
            return None;
        }
        let v = s[..n]
            .iter()
            .fold(0u16, |v, &d| v * 10 + u16::from(d - b'0'));
        Some((v, n))
    };
    let (subject, n1) = number(&rest[1..])?;
    let after_subject = &rest[1 + n1..];
    if after_subject.first() != Some(&b'.') {
        return None;
    }
    let (detail, n2) = number(&after_subject[1..])?;
    let len = 1 + 1 + n1 + 1 + n2;
    let strip = match text.get(len) {
        None => len,
        Some(b' ') => len + 1,
        Some(_) => return None,
    };
    EnhancedCode::new(class, subject, detail)
        .ok()
        .map(|e| (e, strip))
}
