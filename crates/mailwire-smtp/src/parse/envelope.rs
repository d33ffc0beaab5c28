//! The fast path for `MAIL FROM` and `RCPT TO` lines (RFC 5321 §4.1.1.2,
//! §4.1.1.3), the lines a server reads most after DATA.
//!
//! One pass over the line, left to right, eight bytes at a time
//! (`super::swar`): each loop that finds where a local part, a label, a
//! keyword or a value ends is the loop that checks its characters, so no
//! byte is looked at twice and no `memchr` is set up for a ten-byte span.
//! Keywords are matched by one folded 64-bit compare of the word they
//! were scanned in; `SIZE` is read as its digits are scanned.
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

use super::swar;
use crate::types::address::{MAX_DOMAIN_LEN, MAX_LOCAL_PART_LEN, MAX_PATH_LEN, is_atext};
use crate::types::params::{Body, MailParameters, Notify, OriginalRecipient, RcptParameters, Ret};
use crate::types::text::Str;
use crate::types::{Command, ForwardPath, Mailbox, Policy, ReversePath};

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

/// A fixed token of up to eight bytes, matched against the word at the
/// scan position with one compare: its letters in either case, its other
/// bytes exactly.
#[derive(Clone, Copy)]
struct Token {
    /// The token, lower case, little-endian.
    value: u64,
    /// 0x20 in the bytes that are letters: or-ed in, it folds an
    /// upper-case letter onto its lower case and no other byte onto a
    /// letter, and it leaves the other bytes to compare exactly.
    fold: u64,
    /// 0xff in the bytes of the token.
    mask: u64,
    /// Its length.
    len: usize,
}

impl Token {
    const fn new(s: &[u8]) -> Token {
        let mut t = Token {
            value: 0,
            fold: 0,
            mask: 0,
            len: s.len(),
        };
        let mut i = 0;
        while i < s.len() {
            let b = s[i].to_ascii_lowercase();
            t.value |= (b as u64) << (8 * i);
            if b.is_ascii_lowercase() {
                t.fold |= 0x20 << (8 * i);
            }
            t.mask |= 0xff << (8 * i);
            i += 1;
        }
        t
    }

    /// Whether the word `w` (eight bytes from the scan position, as
    /// `swar::word` reads them) starts with this token.
    #[inline(always)]
    fn at(self, w: u64) -> bool {
        (w | self.fold) & self.mask == self.value
    }
}

const T_SIZE: Token = Token::new(b"size=");
const T_BODY: Token = Token::new(b"body=");
const T_8BITMIME: Token = Token::new(b"8bitmime");
const T_NOTIFY: Token = Token::new(b"notify=");
const T_SUCCESS: Token = Token::new(b"success");
const T_FAILURE: Token = Token::new(b"failure");
const T_DELAY: Token = Token::new(b"delay");
const T_NEVER: Token = Token::new(b"never");
const T_ORCPT: Token = Token::new(b"orcpt=");
const T_RFC822: Token = Token::new(b"rfc822;");

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

    /// Moves past the bytes that `stop` does not flag (a test of
    /// [`swar`], which flags NUL), and returns them.
    #[inline]
    fn run(&mut self, stop: impl Fn(u64) -> u64) -> &'a [u8] {
        let n = swar::run(self.rest, stop);
        let (run, rest) = self.rest.split_at_checked(n).unwrap_or((self.rest, &[]));
        self.rest = rest;
        run
    }

    /// The eight bytes from here as `swar::word` reads them.
    #[inline(always)]
    fn word(&self) -> u64 {
        swar::word(self.rest, 0)
    }

    /// Moves past `token` if it is next (`w` is [`Scan::word`]).
    #[inline(always)]
    fn token(&mut self, w: u64, token: Token) -> bool {
        if token.at(w)
            && let Some(rest) = self.rest.get(token.len..)
        {
            self.rest = rest;
            return true;
        }
        false
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

    /// The keyword of the next parameter, folded as [`fold`] does, from
    /// the word it is scanned in; `None` if it is empty or longer than
    /// eight bytes (no keyword of this path is).
    #[inline]
    fn keyword(&mut self) -> Option<u64> {
        let w = swar::word(self.rest, 0);
        let m = swar::not_keyword(w);
        let n = if m != 0 {
            swar::first(m)
        } else if self
            .rest
            .get(8)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return None;
        } else {
            8
        };
        if n == 0 {
            return None;
        }
        self.rest = self.rest.get(n..)?;
        // Keyword bytes are letters, digits and '-': or-ing 0x20 folds
        // the upper-case letters and changes no other byte.
        Some((w | 0x2020_2020_2020_2020) & (u64::MAX >> (64 - 8 * n)))
    }

    /// `"=" esmtp-value` up to the end of the parameter.
    #[inline]
    fn value(&mut self) -> Option<&'a [u8]> {
        self.eat(b'=')?;
        self.value_after_eq()
    }

    /// `esmtp-value` (after the `=`) up to the end of the parameter.
    #[inline]
    fn value_after_eq(&mut self) -> Option<&'a [u8]> {
        let v = self.run(swar::not_value);
        (!v.is_empty() && self.param_end()).then_some(v)
    }

    /// `1*20DIGIT` (after the `=`) up to the end of the parameter (RFC
    /// 1870 §6 `size-value`): up to seven digits are read from one word
    /// at once.
    #[inline]
    fn size_value(&mut self) -> Option<u64> {
        let w = self.word();
        let m = swar::not_digit(w);
        if m == 0 {
            return self.size_digits();
        }
        let n = swar::first(m);
        if n == 0 {
            return None;
        }
        self.rest = self.rest.get(n..)?;
        if !self.param_end() {
            return None;
        }
        Some(swar::decimal(w, n))
    }

    /// `"=" 1*20DIGIT` up to the end of the parameter, read as the digits
    /// are scanned (RFC 1870 §6 `size-value`).
    #[inline]
    fn size(&mut self) -> Option<u64> {
        self.eat(b'=')?;
        self.size_digits()
    }

    /// [`Scan::size`] after the `=`.
    #[inline(never)]
    fn size_digits(&mut self) -> Option<u64> {
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
#[inline]
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
        // The common parameters as fixed tokens, one compare each.
        let w = scan.word();
        if p.size.is_none() && scan.token(w, T_SIZE) {
            p.size = Some(scan.size_value()?);
            continue;
        }
        if p.body.is_none() && scan.token(w, T_BODY) {
            let w = scan.word();
            p.body = Some(if scan.token(w, T_8BITMIME) {
                if !scan.param_end() {
                    return None;
                }
                Body::EightBitMime
            } else {
                body(scan.value_after_eq()?)?
            });
            continue;
        }
        match scan.keyword()? {
            SIZE if p.size.is_none() => p.size = Some(scan.size()?),
            BODY if p.body.is_none() => p.body = Some(body(scan.value()?)?),
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

/// `"7BIT" / "8BITMIME" / "BINARYMIME"` (RFC 6152 §2, RFC 3030 §3).
#[inline]
fn body(v: &[u8]) -> Option<Body> {
    Some(match fold(v) {
        Some(SEVEN_BIT) => Body::SevenBit,
        Some(EIGHT_BIT_MIME) => Body::EightBitMime,
        _ if v.eq_ignore_ascii_case(b"BINARYMIME") => Body::BinaryMime,
        _ => return None,
    })
}

/// `[SP Rcpt-parameters]` of the common kind after `RCPT TO:`.
#[inline]
fn rcpt(src: &Bytes, mut scan: Scan<'_>, policy: &Policy) -> Option<(Command, usize)> {
    open_path(&mut scan, policy)?;
    let (start, end) = scan.path()?;
    let to = ForwardPath::Mailbox(Mailbox {
        raw: Str::trusted(src.slice(start..end)),
    });
    let mut p = RcptParameters::default();
    while scan.next_param(policy.extra_whitespace)? {
        // The common parameters as fixed tokens, one compare each.
        let w = scan.word();
        if p.notify.is_none() && scan.token(w, T_NOTIFY) {
            p.notify = Some(notify_items(&mut scan)?);
            continue;
        }
        if p.orcpt.is_none() && scan.token(w, T_ORCPT) {
            let start = scan.pos();
            // orcpt-value = addr-type ";" xtext, with no "+XX" here, so
            // the value is its own decoding.
            let w = scan.word();
            if !scan.token(w, T_RFC822) {
                let addr_type = scan.run(swar::not_keyword);
                if !addr_type.first().is_some_and(u8::is_ascii_alphanumeric) {
                    return None;
                }
                scan.eat(b';')?;
            }
            if scan.run(swar::not_xchar).is_empty() || !scan.param_end() {
                return None;
            }
            p.orcpt = Some(OriginalRecipient::from_parsed(Str::trusted(
                src.slice(start..scan.pos()),
            )));
            continue;
        }
        match scan.keyword()? {
            NOTIFY if p.notify.is_none() => p.notify = Some(notify(scan.value()?)?),
            ORCPT if p.orcpt.is_none() => {
                // orcpt-value = addr-type ";" xtext, with no "+XX" here,
                // so the value is its own decoding.
                scan.eat(b'=')?;
                let start = scan.pos();
                let addr_type = scan.run(swar::not_keyword);
                if !addr_type.first().is_some_and(u8::is_ascii_alphanumeric) {
                    return None;
                }
                scan.eat(b';')?;
                if scan.run(swar::not_xchar).is_empty() || !scan.param_end() {
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

/// The value of `NOTIFY=` (after the `=`) up to the end of the
/// parameter, when it is a list of `SUCCESS`, `FAILURE` and `DELAY`, each
/// matched as a token, or `NEVER`; `None` for anything else, which the
/// general parser then reads.
#[inline]
fn notify_items(scan: &mut Scan<'_>) -> Option<Notify> {
    let (mut success, mut failure, mut delay) = (false, false, false);
    let w = scan.word();
    if scan.token(w, T_NEVER) {
        return scan.param_end().then_some(Notify::Never);
    }
    loop {
        let w = scan.word();
        if scan.token(w, T_SUCCESS) {
            success = true;
        } else if scan.token(w, T_FAILURE) {
            failure = true;
        } else if scan.token(w, T_DELAY) {
            delay = true;
        } else {
            return None;
        }
        if scan.eat(b',').is_none() {
            break;
        }
    }
    if !scan.param_end() {
        return None;
    }
    Notify::on(success, failure, delay)
}

/// `"NEVER" / 1#("SUCCESS" / "FAILURE" / "DELAY")` (RFC 3461 §4.1), from
/// a value `v` of `esmtp-value` bytes: each item is cut from the word it
/// starts, up to the first `,` or the end, and matched folded.
#[inline]
fn notify(v: &[u8]) -> Option<Notify> {
    if fold(v) == Some(NEVER) {
        return Some(Notify::Never);
    }
    let (mut success, mut failure, mut delay) = (false, false, false);
    let mut i = 0;
    while i <= v.len() {
        let w = swar::word(v, i);
        // The end of the value reads as NUL, which `not_value` flags.
        let m = swar::equal(w, b',') | swar::not_value(w);
        if m == 0 {
            return None;
        }
        let n = swar::first(m);
        if n == 0 {
            return None;
        }
        // Value bytes: or-ing 0x20 folds no byte but an upper-case letter
        // onto a letter.
        match (w | 0x2020_2020_2020_2020) & (u64::MAX >> (64 - 8 * n)) {
            SUCCESS => success = true,
            FAILURE => failure = true,
            DELAY => delay = true,
            _ => return None,
        }
        i += n + 1;
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
/// One pass, eight bytes at a time (`swar::common_mailbox_len`) for a
/// mailbox of letters, digits, dots and hyphens; other local parts are
/// read with the loops that find where each atom and label ends, which
/// check the other bytes, the lengths (RFC 5321 §4.5.3.1) and hyphens.
#[inline]
pub(crate) fn plain_mailbox_len(s: &[u8]) -> Option<usize> {
    let end = match swar::common_mailbox_len(s) {
        Ok(Some((end, _))) => end,
        Ok(None) => other_mailbox_len(s)?,
        Err(()) => return None,
    };
    matches!(s.get(end), None | Some(b'>' | b' ')).then_some(end)
}

/// [`plain_mailbox_len`] for the mailboxes `swar::common_mailbox_len`
/// leaves: up to where the domain ends.
#[inline(never)]
fn other_mailbox_len(s: &[u8]) -> Option<usize> {
    // Dot-string = Atom *("." Atom), then "@"
    let at = swar::dot_string_len(s, is_atext)?;
    if at > MAX_LOCAL_PART_LEN {
        return None;
    }
    // Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]
    let (domain, _) = swar::domain_len(s.get(at + 1..)?, false)?;
    let end = at + 1 + domain;
    (domain <= MAX_DOMAIN_LEN && end <= MAX_PATH_LEN - 2).then_some(end)
}
