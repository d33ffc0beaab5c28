//! Joining reply lines into replies, within bounds.

use bytes::Bytes;

use super::capability::{capability, common_into, first_line, first_line_at, printable};
use super::reply::{enhanced_code, parse_reply_line};
use crate::types::capability::EhloOutcome;
use crate::types::{
    Capability, EhloReply, EnhancedCode, Host, ParseError, ParseErrorKind, Policy, Reply,
    ReplyCode, Text,
};

/// Joins the lines of multi-line replies (`250-...` up to `250 ...`,
/// RFC 5321 §4.2.1) into [`Reply`] values.
///
/// A reply may have at most [`Policy::max_reply_lines`] lines and
/// [`Policy::max_reply_size`] octets, so a client's memory stays bounded
/// whatever the server sends. The enhanced status code (RFC 2034 §3) is
/// taken from the first line when its class matches the reply code's, and
/// removed from every line that starts with the same code.
///
/// ```
/// use bytes::Bytes;
/// use mailwire_smtp::{Policy, ReplyAssembler};
///
/// let mut asm = ReplyAssembler::new(Policy::client());
/// assert!(asm.push_line(&Bytes::from_static(b"250-mx.example.com")).unwrap().is_none());
/// let reply = asm.push_line(&Bytes::from_static(b"250 SIZE 1000")).unwrap().unwrap();
/// assert_eq!(reply.code.get(), 250);
/// assert_eq!(reply.lines().len(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct ReplyAssembler {
    policy: Policy,
    code: Option<ReplyCode>,
    lines: Vec<Text>,
    size: usize,
    /// The lines of the reply so far (in both modes).
    count: usize,
    /// The half-read `250` reply, when [`ReplyAssembler::push_ehlo_line`]
    /// started it.
    ehlo: Option<EhloParts>,
}

/// What is kept of a `250` EHLO reply while its lines arrive.
#[derive(Debug, Clone)]
struct EhloParts {
    /// The name and greeting of the first line, or why it has none; an
    /// error is reported when the reply is complete, as
    /// [`EhloReply::from_reply`] would, so the assembler stays in step
    /// with the server.
    first: Result<(Host, Option<Text>), ParseError>,
    /// The enhanced code taken off the first line, taken off the other
    /// lines too (RFC 2034 §3), as [`ReplyAssembler::push_line`] does.
    enhanced: Option<EnhancedCode>,
    capabilities: Vec<Capability>,
}

impl ReplyAssembler {
    /// An assembler with the reply limits of `policy`.
    pub fn new(policy: Policy) -> ReplyAssembler {
        ReplyAssembler {
            policy,
            code: None,
            lines: Vec::new(),
            size: 0,
            count: 0,
            ehlo: None,
        }
    }

    /// Whether no reply is half received.
    pub fn is_idle(&self) -> bool {
        self.code.is_none() && self.ehlo.is_none()
    }

    /// Drops a half-received reply.
    pub fn reset(&mut self) {
        self.code = None;
        self.lines.clear();
        self.size = 0;
        self.count = 0;
        self.ehlo = None;
    }

    /// Adds one line (without CRLF); returns the reply when this was its
    /// last line.
    ///
    /// Errors ([`ParseErrorKind::BadReply`] for a malformed line or a
    /// continuation with another code, [`ParseErrorKind::ReplyTooLong`] past
    /// the limits) drop the half-received reply. A client cannot know
    /// where a broken reply ends, so they are fatal in
    /// [`mailwire_core::Error`] terms. A `250` reply that
    /// [`ReplyAssembler::push_ehlo_line`] started must be finished with
    /// it: a line pushed here instead is refused (`BadReply`).
    pub fn push_line(&mut self, line: &Bytes) -> Result<Option<Reply>, ParseError> {
        if self.ehlo.is_some() {
            self.reset();
            return Err(ParseError::new(
                ParseErrorKind::BadReply,
                "push_line in the middle of an EHLO reply started with push_ehlo_line",
                line,
            ));
        }
        self.plain_line(line)
    }

    /// Adds one line (without CRLF) of the reply to EHLO or LHLO; returns
    /// the reply when this was its last line.
    ///
    /// A `250` reply is read into an [`EhloReply`] line by line as it
    /// arrives (RFC 5321 §4.1.1.1), without first becoming a [`Reply`]:
    /// the result, and every error, is the one that
    /// [`ReplyAssembler::push_line`] followed by
    /// [`EhloReply::from_reply`] gives on the same lines, under the same
    /// limits. A reply with another code comes back whole as
    /// [`EhloOutcome::Other`].
    ///
    /// ```
    /// use bytes::Bytes;
    /// use mailwire_smtp::types::capability::EhloOutcome;
    /// use mailwire_smtp::{Capability, Policy, ReplyAssembler};
    ///
    /// let mut asm = ReplyAssembler::new(Policy::client());
    /// let line = |s: &'static str| Bytes::from_static(s.as_bytes());
    /// assert!(asm.push_ehlo_line(&line("250-mx.example.com hi")).unwrap().is_none());
    /// assert!(asm.push_ehlo_line(&line("250-PIPELINING")).unwrap().is_none());
    /// let Some(EhloOutcome::Ehlo(ehlo)) = asm.push_ehlo_line(&line("250 SIZE 1000")).unwrap() else {
    ///     panic!("a 250 reply");
    /// };
    /// assert_eq!(ehlo.host.to_string(), "mx.example.com");
    /// assert_eq!(ehlo.capabilities, [Capability::Pipelining, Capability::Size(Some(1000))]);
    ///
    /// // Any other reply is kept as it is.
    /// let Some(EhloOutcome::Other(reply)) = asm.push_ehlo_line(&line("502 no EHLO")).unwrap() else {
    ///     panic!("a one-line reply");
    /// };
    /// assert_eq!(reply.code.get(), 502);
    /// ```
    #[inline]
    pub fn push_ehlo_line(&mut self, line: &Bytes) -> Result<Option<EhloOutcome>, ParseError> {
        match self.ehlo_common(line, 0, line.len()) {
            Step::More => Ok(None),
            Step::Last => self.finish_ehlo(),
            Step::TooLong => self.fail_too_long(line),
            Step::General => self.push_ehlo_general(line),
        }
    }

    /// Frames and reads the reply to EHLO or LHLO at the front of `buf`
    /// in one pass: the same as cutting `buf` into lines at each CRLF and
    /// giving them to [`ReplyAssembler::push_ehlo_line`] one by one, up
    /// to the line that completes a reply, but without a [`Bytes`] per
    /// line. The fastest way to read an EHLO reply for code that owns its
    /// input buffer.
    ///
    /// Returns the reply, if one was completed, and the number of bytes
    /// read: the complete lines up to and including the reply's last
    /// one, to drop from the front of `buf`; a line not yet complete is
    /// left in `buf` for the next call, with more input. The values of
    /// the reply are slices of `buf`.
    ///
    /// Errors are those of `push_ehlo_line` on the same lines, and for
    /// framing: [`ParseErrorKind::BadReply`] for a LF without CR before it
    /// (RFC 5321 §2.3.8), and [`ParseErrorKind::LineTooLong`] as soon as
    /// `policy.max_reply_line` bytes without a LF have arrived. As with
    /// `push_ehlo_line`, an error drops the half-read reply, and a client
    /// cannot know where the broken reply ends. No byte past the line
    /// being read, and no more than `max_reply_line` bytes of it, is
    /// looked at.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use mailwire_smtp::types::capability::EhloOutcome;
    /// use mailwire_smtp::{Capability, Policy, ReplyAssembler};
    ///
    /// let mut asm = ReplyAssembler::new(Policy::client());
    /// let wire = Bytes::from_static(b"250-mx.example.com hi\r\n250-PIPELINING\r\n250 SIZE 10");
    /// // The last line is not complete yet: two lines are read.
    /// assert_eq!(asm.push_ehlo_from(&wire).unwrap(), (None, 39));
    /// let (Some(EhloOutcome::Ehlo(ehlo)), 13) = asm.push_ehlo_from(&Bytes::from_static(b"250 SIZE 10\r\n")).unwrap() else {
    ///     panic!("a complete 250 reply");
    /// };
    /// assert_eq!(ehlo.capabilities, [Capability::Pipelining, Capability::Size(Some(10))]);
    /// ```
    pub fn push_ehlo_from(
        &mut self,
        buf: &Bytes,
    ) -> Result<(Option<EhloOutcome>, usize), ParseError> {
        let max = self.policy.max_reply_line;
        let mut at = 0;
        loop {
            // A line longer than the limit is refused however it ends, so
            // the search stops there.
            let rest = &buf[at..];
            let search = rest.get(..max).unwrap_or(rest);
            let Some(lf) = find_lf(search) else {
                if search.len() >= max {
                    return Err(self.bad_frame(
                        ParseErrorKind::LineTooLong,
                        "line too long",
                        search,
                    ));
                }
                return Ok((None, at));
            };
            if lf == 0 || rest[lf - 1] != b'\r' {
                return Err(self.bad_frame(
                    ParseErrorKind::BadReply,
                    "bare LF in reply",
                    &rest[..=lf],
                ));
            }
            let end = at + lf - 1;
            let next = at + lf + 1;
            match self.ehlo_common(buf, at, end) {
                Step::More => {}
                step => {
                    if let Some(out) = self.finish_step(step, buf, at, end)? {
                        return Ok((Some(out), next));
                    }
                }
            }
            at = next;
        }
    }

    /// [`ReplyAssembler::push_ehlo_line`] for the line `src[at..end]` if
    /// it is a common capability line: "250", SP or "-", and a line that
    /// `common` reads, within the limits, in a reply whose lines carry
    /// no enhanced code. What is left to do is returned.
    #[inline(always)]
    fn ehlo_common(&mut self, src: &Bytes, at: usize, end: usize) -> Step {
        let Some(parts) = &mut self.ehlo else {
            return Step::General;
        };
        let Some(b) = src.get(at..end) else {
            return Step::General;
        };
        if parts.enhanced.is_some()
            || b.len() + 2 > self.policy.max_reply_line
            || b.len() <= 4
            || b[..3] != *b"250"
            || !matches!(b[3], b' ' | b'-')
        {
            return Step::General;
        }
        if !common_into(src, at + 4, end, &mut parts.capabilities) {
            return Step::General;
        }
        // Past the limits, the capability just pushed is dropped with the
        // rest of the reply.
        self.size += b.len() + 2;
        if self.count >= self.policy.max_reply_lines || self.size > self.policy.max_reply_size {
            return Step::TooLong;
        }
        self.count += 1;
        if b[3] == b'-' { Step::More } else { Step::Last }
    }

    /// What is left to do for the line `src[at..end]` after
    /// [`ReplyAssembler::ehlo_common`], other than nothing.
    #[inline(never)]
    fn finish_step(
        &mut self,
        step: Step,
        src: &Bytes,
        at: usize,
        end: usize,
    ) -> Result<Option<EhloOutcome>, ParseError> {
        match step {
            Step::More => Ok(None),
            Step::Last => self.finish_ehlo(),
            Step::TooLong => self.fail_too_long(&src[at..end]),
            Step::General => self.push_ehlo_general(&src.slice(at..end)),
        }
    }

    /// A framing error: the reply is dropped.
    #[cold]
    #[inline(never)]
    fn bad_frame(&mut self, kind: ParseErrorKind, reason: &'static str, at: &[u8]) -> ParseError {
        self.reset();
        ParseError::new(kind, reason, at)
    }

    /// A line past the reply limits: the reply is dropped.
    #[cold]
    #[inline(never)]
    fn fail_too_long(&mut self, line: &[u8]) -> Result<Option<EhloOutcome>, ParseError> {
        self.reset();
        Err(too_long(line))
    }

    /// [`ReplyAssembler::push_ehlo_line`] for any line.
    #[inline(never)]
    fn push_ehlo_general(&mut self, line: &Bytes) -> Result<Option<EhloOutcome>, ParseError> {
        let result = if self.ehlo.is_some() {
            match self.ehlo_line(line) {
                Ok(false) => return Ok(None),
                Ok(true) => self.finish_ehlo(),
                Err(e) => Err(e),
            }
        } else if self.code.is_none() && line.starts_with(b"250") {
            self.ehlo_first_line(line)
        } else {
            // Not a 250 reply (or one push_line started): kept as is.
            return Ok(self.plain_line(line)?.map(EhloOutcome::Other));
        };
        if result.is_err() {
            self.reset();
        }
        result
    }

    /// The first line of a `250` reply to EHLO.
    fn ehlo_first_line(&mut self, line: &Bytes) -> Result<Option<EhloOutcome>, ParseError> {
        let b = &line[..];
        let plain = b.len() + 2 <= self.policy.max_reply_line
            && matches!(b.get(3), Some(b' ' | b'-'))
            && !b[4..].starts_with(b"2.")
            && printable(&b[4..]);
        let (first, enhanced, last) = if plain {
            // The common case, checked at fixed offsets: "250", SP or
            // "-", printable text that starts with no enhanced code.
            self.count_line(line)?;
            (first_line_at(line, 4), None, b[3] == b' ')
        } else {
            let parsed = parse_reply_line(line, &self.policy)?;
            self.count_line(line)?;
            let mut text = parsed.text;
            let mut enhanced = None;
            if text.as_bytes().starts_with(b"2.")
                && let Some((e, strip)) = enhanced_code(text.as_bytes(), 2)
            {
                enhanced = Some(e);
                text = Text::from_parsed(text.0.slice(strip..text.len()));
            }
            (first_line(&text, enhanced), enhanced, parsed.last)
        };
        if last {
            let (host, greeting) = first?;
            self.reset();
            return Ok(Some(EhloOutcome::Ehlo(EhloReply {
                host,
                greeting,
                capabilities: Vec::new(),
            })));
        }
        self.ehlo = Some(EhloParts {
            first,
            enhanced,
            // Most EHLO replies have about ten lines.
            capabilities: Vec::with_capacity(12),
        });
        Ok(None)
    }

    /// The complete `250` reply.
    #[inline(never)]
    fn finish_ehlo(&mut self) -> Result<Option<EhloOutcome>, ParseError> {
        let parts = self.ehlo.take();
        self.reset();
        let Some(parts) = parts else {
            return Ok(None);
        };
        let (host, greeting) = parts.first?;
        Ok(Some(EhloOutcome::Ehlo(EhloReply {
            host,
            greeting,
            capabilities: parts.capabilities,
        })))
    }

    /// A capability line of a `250` reply to EHLO; whether it was the
    /// last.
    fn ehlo_line(&mut self, line: &Bytes) -> Result<bool, ParseError> {
        let b = &line[..];
        // The common case with fixed-offset checks: within the length
        // limit, "250", then SP or "-" (or nothing).
        let framed = b.len() + 2 <= self.policy.max_reply_line && b.starts_with(b"250");
        let (last, mut start, checked) = match b.get(3) {
            None if framed => (true, 3, true),
            Some(&sep @ (b' ' | b'-')) if framed => (sep == b' ', 4, false),
            _ => {
                let parsed = parse_reply_line(line, &self.policy)?;
                if parsed.code.get() != 250 {
                    return Err(other_code(line));
                }
                (parsed.last, b.len() - parsed.text.len(), true)
            }
        };
        let Some(parts) = &self.ehlo else {
            return Ok(false);
        };
        if let Some(e) = parts.enhanced
            && let Some((found, strip)) = enhanced_code(&b[start..], 2)
            && found == e
        {
            start += strip;
        }
        if !checked && !b.is_ascii() {
            // The capability keeps slices of the line as strings: a line
            // that is not UTF-8 is refused before any is cut from it.
            parse_reply_line(line, &self.policy)?;
        }
        let (cap, clean) = capability(line, start);
        if !checked && !clean {
            // Not an ehlo-line: it must still be reply text (UTF-8, no
            // control character), as every reply line.
            parse_reply_line(line, &self.policy)?;
        }
        self.count_line(line)?;
        if let Some(parts) = &mut self.ehlo {
            parts.capabilities.push(cap);
        }
        Ok(last)
    }

    /// Counts a line against the reply limits.
    fn count_line(&mut self, line: &[u8]) -> Result<(), ParseError> {
        self.size += line.len() + 2;
        if self.count >= self.policy.max_reply_lines || self.size > self.policy.max_reply_size {
            return Err(too_long(line));
        }
        self.count += 1;
        Ok(())
    }

    /// A line of a reply kept as text lines.
    fn plain_line(&mut self, line: &Bytes) -> Result<Option<Reply>, ParseError> {
        let parsed = match parse_reply_line(line, &self.policy) {
            Ok(p) => p,
            Err(e) => {
                self.reset();
                return Err(e);
            }
        };
        match self.code {
            Some(code) if code != parsed.code => {
                self.reset();
                return Err(other_code(line));
            }
            _ => {}
        }
        if let Err(e) = self.count_line(line) {
            self.reset();
            return Err(e);
        }
        self.code = Some(parsed.code);
        if self.lines.capacity() == 0 && !parsed.last {
            // A multi-line reply: most (EHLO) have about ten lines.
            self.lines.reserve(12);
        }
        self.lines.push(parsed.text);
        if !parsed.last {
            return Ok(None);
        }
        let lines = std::mem::take(&mut self.lines);
        self.reset();
        Ok(Some(finish(parsed.code, lines)))
    }
}

/// What is left to do after [`ReplyAssembler::ehlo_common`].
enum Step {
    /// The line is not a common one: the general road reads it.
    General,
    /// The line was read; the reply goes on.
    More,
    /// The line was read and was the last: the reply is complete.
    Last,
    /// The line is past the reply limits.
    TooLong,
}

/// The index of the first LF in `s`, eight bytes at a time: reply lines
/// are short, and this costs less than setting up `memchr`.
#[inline(always)]
fn find_lf(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= s.len() {
        let w = s.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok());
        let x = u64::from_le_bytes(w.unwrap_or_default()) ^ (ONES * u64::from(b'\n'));
        // The lowest set bit marks the first zero byte exactly.
        let z = x.wrapping_sub(ONES) & !x & HIGH;
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s.get(i..)?.iter().position(|&b| b == b'\n').map(|p| i + p)
}

#[cold]
fn too_long(line: &[u8]) -> ParseError {
    ParseError::new(
        ParseErrorKind::ReplyTooLong,
        "reply has too many lines or octets",
        line,
    )
}

fn other_code(line: &[u8]) -> ParseError {
    ParseError::new(
        ParseErrorKind::BadReply,
        "continuation line with another reply code",
        line,
    )
}

/// Takes the enhanced code off the lines.
fn finish(code: ReplyCode, mut lines: Vec<Text>) -> Reply {
    let enhanced = lines
        .first()
        .and_then(|l| enhanced_code(l.as_bytes(), code.class()))
        .map(|(e, _)| e);
    if let Some(e) = enhanced {
        for line in &mut lines {
            if let Some(strip) = strip_len(line.as_bytes(), code.class(), e) {
                let rest = line.0.slice(strip..line.len());
                *line = Text::from_parsed(rest);
            }
        }
    }
    Reply::from_parts(code, enhanced, lines)
}

fn strip_len(text: &[u8], class: u8, e: EnhancedCode) -> Option<usize> {
    match enhanced_code(text, class) {
        Some((found, strip)) if found == e => Some(strip),
        _ => None,
    }
}

impl Reply {
    /// Parses the complete wire form of one reply (lines with CRLF), as
    /// a test or a one-shot caller has it; a state machine feeds a
    /// [`ReplyAssembler`] line by line instead.
    pub fn parse(wire: &[u8], policy: &Policy) -> Result<Reply, ParseError> {
        let mut asm = ReplyAssembler::new(*policy);
        one_reply(wire, |line| asm.push_line(line))
    }
}

impl EhloReply {
    /// Parses the complete wire form of one reply to EHLO or LHLO (lines
    /// with CRLF) through [`ReplyAssembler::push_ehlo_line`]; a reply
    /// whose code is not 250 is refused ([`ParseErrorKind::BadReply`]),
    /// as [`EhloReply::from_reply`] refuses it.
    pub fn parse(wire: &[u8], policy: &Policy) -> Result<EhloReply, ParseError> {
        let mut asm = ReplyAssembler::new(*policy);
        match one_reply(wire, |line| asm.push_ehlo_line(line))? {
            EhloOutcome::Ehlo(e) => Ok(e),
            EhloOutcome::Other(reply) => Err(ParseError::new(
                ParseErrorKind::BadReply,
                "EHLO reply code is not 250",
                reply.lines()[0].as_bytes(),
            )),
        }
    }
}

/// Cuts `wire` into CRLF-terminated lines for `push` until it returns a
/// complete reply, which must end the input.
fn one_reply<T>(
    wire: &[u8],
    mut push: impl FnMut(&Bytes) -> Result<Option<T>, ParseError>,
) -> Result<T, ParseError> {
    let src = Bytes::copy_from_slice(wire);
    let mut rest = &src[..];
    while !rest.is_empty() {
        let Some(lf) = memchr::memchr(b'\n', rest) else {
            return Err(ParseError::new(
                ParseErrorKind::BadReply,
                "reply line without CRLF",
                rest,
            ));
        };
        let Some(line) = rest[..lf].strip_suffix(b"\r") else {
            return Err(ParseError::new(
                ParseErrorKind::BadReply,
                "bare LF in reply",
                rest,
            ));
        };
        let after = &rest[lf + 1..];
        if let Some(reply) = push(&src.slice_ref(line))? {
            if !after.is_empty() {
                return Err(ParseError::new(
                    ParseErrorKind::BadReply,
                    "data after the last line of the reply",
                    after,
                ));
            }
            return Ok(reply);
        }
        rest = after;
    }
    Err(ParseError::new(
        ParseErrorKind::BadReply,
        "reply has no last line",
        wire,
    ))
}
