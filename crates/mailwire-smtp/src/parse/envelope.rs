//! The fast path for `MAIL FROM` and `RCPT TO` lines (RFC 5321 §4.1.1.2,
//! §4.1.1.3), the lines a server reads most after DATA.
//!
//! One pass over the line, left to right, with one 256-entry byte-class
//! table: each loop that finds where a local part, a label, a keyword or
//! a value ends is the loop that checks its characters, so no byte is
//! looked at twice and no `memchr` is set up for a ten-byte span.
//! Keywords are matched by length and one folded 64-bit compare; `SIZE`
//! is read as its digits are scanned.
//!
//! It takes the common form only: an ASCII `Dot-string@Domain` path in
//! angle brackets and the parameters `SIZE`, `BODY`, `SMTPUTF8`, `RET`,
//! `NOTIFY` and `ORCPT` (without `+XX` escapes), each at most once. On
//! anything else — an error, a quoted local part, an address literal,
//! UTF-8, a source route, a rare or unknown parameter — it returns `None`
//! and the general parser (`command::command`) takes the line from the
//! start; so errors and every accepted form are exactly the general
//! parser's, and `fast_path_tests` checks that both give the same command
//! on every line this one accepts.

use bytes::Bytes;

use crate::types::address::{MAX_DOMAIN_LEN, MAX_LOCAL_PART_LEN, MAX_PATH_LEN};
use crate::types::params::{Body, MailParameters, Notify, OriginalRecipient, RcptParameters, Ret};
use crate::types::text::Str;
use crate::types::{Command, ForwardPath, Mailbox, Policy, ReversePath};

/// `esmtp-keyword` characters: `ALPHA / DIGIT / "-"`.
const KEYWORD: u8 = 1;
/// `esmtp-value` characters, ASCII only: `%d33-60 / %d62-126`.
const VALUE: u8 = 2;
/// `xchar` (RFC 3461 §4): `%x21-2A / %x2C-3C / %x3E-7E`.
const XCHAR: u8 = 4;
/// ASCII `atext` (RFC 5322 §3.2.3).
const ATOM: u8 = 8;
/// `Let-dig` and `-` (RFC 5321 §4.1.2 `Ldh-str`).
const LDH: u8 = 16;

/// The class bits of every byte; no bit is set for a byte at or above
/// 0x80, so a line this path accepts is ASCII (and so UTF-8).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        let b = i as u8;
        let alnum = b.is_ascii_alphanumeric();
        if alnum || b == b'-' {
            t[i] |= KEYWORD | LDH;
        }
        if matches!(b, 33..=60 | 62..=126) {
            t[i] |= VALUE;
        }
        if matches!(b, 0x21..=0x2a | 0x2c..=0x3c | 0x3e..=0x7e) {
            t[i] |= XCHAR;
        }
        if alnum
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            )
        {
            t[i] |= ATOM;
        }
        i += 1;
    }
    t
};

#[inline]
fn is(b: u8, class: u8) -> bool {
    CLASS[usize::from(b)] & class != 0
}

/// Up to eight bytes as a little-endian number with ASCII letters folded
/// to lower case (`b | 0x20`), `None` if longer or empty. For the bytes
/// of a keyword or a parameter value (printable, no `=`) only upper-case
/// letters fold onto a letter or digit, so comparing with a lower-case
/// name is an exact case-insensitive compare.
#[inline]
fn fold(s: &[u8]) -> Option<u64> {
    let n = s.len();
    let word = |i: usize| match s.get(i..i + 4) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    };
    let v = match n {
        // Two 4-byte loads that overlap for fewer than 8 bytes; the
        // overlap holds the same bytes in both, so or-ing them is exact.
        4..=8 => u64::from(word(0)) | u64::from(word(n - 4)) << (8 * (n - 4)),
        1..=3 => s
            .iter()
            .enumerate()
            .fold(0, |v, (i, &b)| v | u64::from(b) << (8 * i)),
        _ => return None,
    };
    let mask = u64::MAX >> (64 - 8 * n);
    Some((v | 0x2020_2020_2020_2020) & mask)
}

/// `name` (lower case, at most 8 bytes) as [`fold`] gives it.
const fn name(s: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let mut i = 0;
    while i < s.len() {
        w[i] = s[i];
        i += 1;
    }
    u64::from_le_bytes(w)
}

const SIZE: u64 = name(b"size");
const BODY: u64 = name(b"body");
const SMTPUTF8: u64 = name(b"smtputf8");
const RET: u64 = name(b"ret");
const NOTIFY: u64 = name(b"notify");
const ORCPT: u64 = name(b"orcpt");
const SEVEN_BIT: u64 = name(b"7bit");
const EIGHT_BIT_MIME: u64 = name(b"8bitmime");
const FULL: u64 = name(b"full");
const HDRS: u64 = name(b"hdrs");
const NEVER: u64 = name(b"never");
const SUCCESS: u64 = name(b"success");
const FAILURE: u64 = name(b"failure");
const DELAY: u64 = name(b"delay");

/// A position in the line: the bytes not yet read.
struct Scan<'a> {
    rest: &'a [u8],
    /// The length of the whole line, to tell positions.
    len: usize,
}

impl<'a> Scan<'a> {
    /// The line from byte `pos` on.
    #[inline]
    fn new(line: &'a [u8], pos: usize) -> Option<Scan<'a>> {
        Some(Scan {
            rest: line.get(pos..)?,
            len: line.len(),
        })
    }

    /// The position in the line.
    #[inline]
    fn pos(&self) -> usize {
        self.len - self.rest.len()
    }

    /// The next byte.
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// Moves past the bytes of `class`, and returns them.
    #[inline]
    fn run(&mut self, class: u8) -> &'a [u8] {
        let n = self
            .rest
            .iter()
            .position(|&b| !is(b, class))
            .unwrap_or(self.rest.len());
        let (run, rest) = self.rest.split_at_checked(n).unwrap_or((self.rest, &[]));
        self.rest = rest;
        run
    }

    /// Moves past `b` if it is next.
    #[inline]
    fn eat(&mut self, b: u8) -> Option<()> {
        match self.rest {
            [c, rest @ ..] if *c == b => {
                self.rest = rest;
                Some(())
            }
            _ => None,
        }
    }

    /// Whether the line ends here: at the end of the text, or at the CR
    /// or LF of its line ending (no byte class holds CR or LF, so every
    /// run stops there).
    #[inline]
    fn at_end(&self) -> bool {
        matches!(self.rest, [] | [b'\r' | b'\n', ..])
    }

    /// Whether a parameter ends here (at a space or the end of the line).
    #[inline]
    fn param_end(&self) -> bool {
        matches!(self.rest, [] | [b' ' | b'\r' | b'\n', ..])
    }

    /// Moves past the space(s) before the next parameter: `Some(false)`
    /// at the end of the line, `Some(true)` before a parameter. Strict:
    /// one space, then a parameter; with `extra_whitespace`, runs of
    /// spaces, trailing ones too (a trailing tab leaves the line to the
    /// general parser).
    #[inline]
    fn next_param(&mut self, extra_whitespace: bool) -> Option<bool> {
        if self.at_end() {
            return Some(false);
        }
        self.eat(b' ')?;
        if !extra_whitespace {
            return (!self.at_end()).then_some(true);
        }
        while self.eat(b' ').is_some() {}
        Some(!self.at_end())
    }

    /// `Mailbox ">"` with a plain mailbox (after the `<`): its range in
    /// the line.
    #[inline]
    fn path(&mut self) -> Option<(usize, usize)> {
        let start = self.pos();
        let len = plain_mailbox_len(self.rest)?;
        self.rest = self.rest.get(len..)?;
        self.eat(b'>')?;
        Some((start, start + len))
    }

    /// The keyword of the next parameter, folded.
    #[inline]
    fn keyword(&mut self) -> Option<u64> {
        fold(self.run(KEYWORD))
    }

    /// `"=" esmtp-value` up to the end of the parameter.
    #[inline]
    fn value(&mut self) -> Option<&'a [u8]> {
        self.eat(b'=')?;
        let v = self.run(VALUE);
        (!v.is_empty() && self.param_end()).then_some(v)
    }

    /// `"=" 1*20DIGIT` up to the end of the parameter, read as the digits
    /// are scanned (RFC 1870 §6 `size-value`).
    #[inline]
    fn size(&mut self) -> Option<u64> {
        self.eat(b'=')?;
        let digits = self.rest;
        let mut n = 0u64;
        while let [d @ b'0'..=b'9', rest @ ..] = self.rest {
            // Up to 19 digits cannot overflow; 20 are read again, checked.
            n = n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            self.rest = rest;
        }
        let count = digits.len() - self.rest.len();
        if count == 0 || !self.param_end() {
            return None;
        }
        match count {
            ..=19 => Some(n),
            20 => super::command::parse_u64(digits.get(..20)?),
            _ => None,
        }
    }
}

/// Parses a MAIL or RCPT line of the common form at the start of
/// `text`, which is a prefix of `src` (the values are sliced from `src`):
/// the command and the length of the line's content, where `text` ends or
/// a CR or LF follows. The caller checks what follows (the end of a framed
/// line, or its CRLF) and the length limit. `None` for any other line,
/// which the general parser then takes.
#[inline]
pub(crate) fn mail_or_rcpt(src: &Bytes, text: &[u8], policy: &Policy) -> Option<(Command, usize)> {
    let line = text;
    // "MAIL FROM:" or "RCPT TO:", in any case: two folded words. The
    // spaces are compared exactly (a NUL would fold onto one), and so
    // are the colons.
    let head = line.get(..8)?;
    let word = |i: usize| {
        u32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]) | 0x2020_2020
    };
    const MAIL: u32 = u32::from_le_bytes(*b"mail");
    const RCPT: u32 = u32::from_le_bytes(*b"rcpt");
    const FRO: u32 = u32::from_le_bytes(*b" fro");
    const TO: u32 = u32::from_le_bytes(*b" to:");
    if head[4] != b' ' {
        return None;
    }
    match (word(0), word(4)) {
        (MAIL, FRO)
            if line.get(8).map(|b| b | 0x20) == Some(b'm') && line.get(9) == Some(&b':') =>
        {
            mail(src, Scan::new(line, 10)?, policy)
        }
        (RCPT, TO) if head[7] == b':' => rcpt(src, Scan::new(line, 8)?, policy),
        _ => None,
    }
}

/// Skips spaces after the colon if the policy allows them, then `<`.
#[inline]
fn open_path(scan: &mut Scan<'_>, policy: &Policy) -> Option<()> {
    if policy.space_after_colon {
        while scan.eat(b' ').is_some() {}
    }
    scan.eat(b'<')
}

/// `[SP Mail-parameters]` of the common kind after `MAIL FROM:`.
fn mail(src: &Bytes, mut scan: Scan<'_>, policy: &Policy) -> Option<(Command, usize)> {
    open_path(&mut scan, policy)?;
    let from = if scan.eat(b'>').is_some() {
        ReversePath::Null
    } else {
        let (start, end) = scan.path()?;
        ReversePath::Mailbox(Mailbox {
            raw: Str::trusted(src.slice(start..end)),
        })
    };
    let mut p = MailParameters::default();
    while scan.next_param(policy.extra_whitespace)? {
        match scan.keyword()? {
            SIZE if p.size.is_none() => p.size = Some(scan.size()?),
            BODY if p.body.is_none() => {
                let v = scan.value()?;
                p.body = Some(match fold(v) {
                    Some(SEVEN_BIT) => Body::SevenBit,
                    Some(EIGHT_BIT_MIME) => Body::EightBitMime,
                    _ if v.eq_ignore_ascii_case(b"BINARYMIME") => Body::BinaryMime,
                    _ => return None,
                });
            }
            SMTPUTF8 if !p.smtputf8 && scan.param_end() => p.smtputf8 = true,
            RET if p.ret.is_none() => {
                p.ret = Some(match fold(scan.value()?)? {
                    FULL => Ret::Full,
                    HDRS => Ret::Headers,
                    _ => return None,
                });
            }
            _ => return None,
        }
    }
    Some((Command::Mail { from, params: p }, scan.pos()))
}

/// `[SP Rcpt-parameters]` of the common kind after `RCPT TO:`.
fn rcpt(src: &Bytes, mut scan: Scan<'_>, policy: &Policy) -> Option<(Command, usize)> {
    open_path(&mut scan, policy)?;
    let (start, end) = scan.path()?;
    let to = ForwardPath::Mailbox(Mailbox {
        raw: Str::trusted(src.slice(start..end)),
    });
    let mut p = RcptParameters::default();
    while scan.next_param(policy.extra_whitespace)? {
        match scan.keyword()? {
            NOTIFY if p.notify.is_none() => p.notify = Some(notify(scan.value()?)?),
            ORCPT if p.orcpt.is_none() => {
                // orcpt-value = addr-type ";" xtext, with no "+XX" here,
                // so the value is its own decoding.
                scan.eat(b'=')?;
                let start = scan.pos();
                let addr_type = scan.run(KEYWORD);
                if !addr_type.first().is_some_and(u8::is_ascii_alphanumeric) {
                    return None;
                }
                scan.eat(b';')?;
                if scan.run(XCHAR).is_empty() || !scan.param_end() {
                    return None;
                }
                p.orcpt = Some(OriginalRecipient::from_parsed(Str::trusted(
                    src.slice(start..scan.pos()),
                )));
            }
            _ => return None,
        }
    }
    Some((Command::Rcpt { to, params: p }, scan.pos()))
}

/// `"NEVER" / 1#("SUCCESS" / "FAILURE" / "DELAY")` (RFC 3461 §4.1).
#[inline]
fn notify(v: &[u8]) -> Option<Notify> {
    if fold(v) == Some(NEVER) {
        return Some(Notify::Never);
    }
    let (mut success, mut failure, mut delay) = (false, false, false);
    for item in v.split(|&b| b == b',') {
        match fold(item)? {
            SUCCESS => success = true,
            FAILURE => failure = true,
            DELAY => delay = true,
            _ => return None,
        }
    }
    Notify::on(success, failure, delay)
}

/// The length of the mailbox at the start of `s` if it is the common
/// kind: an ASCII dot-string local part and an ASCII domain, followed by
/// `>`, a space or the end. `None` for anything else: a quoted local
/// part, an address literal, UTF-8, or an error; the general mailbox
/// parser then decides, and it gives the same answer on everything this
/// accepts (tested in `fast_path_tests`).
///
/// One pass: the loops that find where each atom and label ends check
/// their characters, lengths (RFC 5321 §4.5.3.1) and hyphens.
#[inline]
pub(crate) fn plain_mailbox_len(s: &[u8]) -> Option<usize> {
    // Dot-string = Atom *("." Atom)
    let mut scan = Scan {
        rest: s,
        len: s.len(),
    };
    loop {
        if scan.run(ATOM).is_empty() {
            return None;
        }
        match scan.peek() {
            Some(b'.') => scan.rest = scan.rest.get(1..)?,
            Some(b'@') => break,
            _ => return None,
        }
    }
    let at = scan.pos();
    if at > MAX_LOCAL_PART_LEN {
        return None;
    }
    scan.rest = scan.rest.get(1..)?;
    // Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]
    loop {
        match scan.run(LDH) {
            label @ ([f, .., l] | [f @ l]) if *f != b'-' && *l != b'-' && label.len() <= 63 => {}
            _ => return None,
        }
        if scan.eat(b'.').is_none() {
            break;
        }
    }
    let end = scan.pos();
    if !matches!(scan.peek(), None | Some(b'>' | b' '))
        || end - at - 1 > MAX_DOMAIN_LEN
        || end > MAX_PATH_LEN - 2
    {
        return None;
    }
    Some(end)
}
