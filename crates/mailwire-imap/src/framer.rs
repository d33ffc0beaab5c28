//! Cutting a byte stream into complete IMAP messages.
//!
//! An IMAP message (a command or a response) is a line, or several lines
//! joined by literals: a line that ends in `{n}`, `{n+}` (RFC 7888 LITERAL+
//! and LITERAL-) or `~{n}` (RFC 3516 BINARY) is followed by exactly `n`
//! bytes of data and then by more of the message (RFC 3501 §4.3, RFC 9051
//! §4.3). The [`Framer`] finds these boundaries without parsing the grammar:
//! it scans each line once with `memchr`, remembers where it stopped, and
//! skips over literal data without looking at it. Complete messages are
//! split off the input buffer as [`Bytes`], so literal data is never copied.
//!
//! Limits are checked before anything is buffered: a literal's announced
//! size is checked when its announcement line ends, so a server can refuse it
//! before the client sends it. After a message broke a limit or the framing
//! rules, the framer discards the rest of that message (skipping the data of
//! literals that will arrive anyway) and starts again at the next message.

use bytes::{Buf, Bytes, BytesMut};
use mailwire_core::Error;

use crate::limits::Limits;

/// Which side of the connection the framer reads for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A server reading client commands: a synchronizing literal's data only
    /// comes after the server answered `+`, so the framer reports each one
    /// as [`FrameEvent::LiteralAnnounced`].
    Server,
    /// A client reading server responses: literal data always follows its
    /// announcement at once.
    Client,
}

/// A literal's announcement: `{n}`, `{n+}` or `~{n}` at the end of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Announcement {
    /// The announced number of data bytes.
    pub size: u64,
    /// `{n}` (the sender waits for `+`) rather than `{n+}`.
    pub sync: bool,
    /// `~{n}`: a literal8 that may contain NUL (RFC 3516 §4.1).
    pub binary: bool,
    /// Offset of `{` from the start of the line segment.
    brace: usize,
}

/// A literal whose data was handed out in chunks; the frame holds `{0}` in
/// its place (see [`Limits::stream_literals_from`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamedLiteral {
    /// Offset of the announcement's `{` in [`Frame::bytes`].
    pub offset: usize,
    /// The announced size, the total of the chunks handed out.
    pub size: u64,
}

/// One complete message: its lines with CRLF and its literals' data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    bytes: Bytes,
    streamed: Vec<StreamedLiteral>,
}

impl Frame {
    /// A frame over bytes that are known to be one complete message (tests,
    /// or a caller that frames by other means).
    pub fn from_bytes(bytes: Bytes) -> Frame {
        Frame {
            bytes,
            streamed: Vec::new(),
        }
    }

    /// The message, as it came (except streamed literals, see
    /// [`streamed`](Self::streamed)).
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The message as [`Bytes`].
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// Literals whose data was streamed out as
    /// [`FrameEvent::LiteralChunk`]s; each stands as `{0}` in the frame.
    pub fn streamed(&self) -> &[StreamedLiteral] {
        &self.streamed
    }

    /// `part` as [`Bytes`]: a zero-copy slice if `part` lies inside this
    /// frame (as every literal a parser borrowed from it does), else a copy.
    pub fn share(&self, part: &[u8]) -> Bytes {
        let base = self.bytes.as_ptr() as usize;
        let start = part.as_ptr() as usize;
        if start >= base && start + part.len() <= base + self.bytes.len() {
            self.bytes.slice(start - base..start - base + part.len())
        } else {
            Bytes::copy_from_slice(part)
        }
    }
}

/// What [`Framer::next`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A complete message.
    Message(Frame),
    /// ([`Role::Server`] only) a line ended in a synchronizing literal's
    /// announcement; its data will only come after the server sent a
    /// continuation request (`+`). Calling [`Framer::next`] again accepts
    /// it; [`Framer::reject_literal`] drops the message instead.
    LiteralAnnounced(Announcement),
    /// A piece of a streamed literal's data, in order.
    LiteralChunk {
        /// The bytes, a slice of the input buffer.
        data: Bytes,
        /// How many bytes of this literal are still to come.
        remaining: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Scanning a line of the current message.
    Line,
    /// A synchronizing literal was reported; its data starts at `data_start`.
    Announced {
        ann: Announcement,
        data_start: usize,
    },
    /// Waiting until the buffer holds the literal data up to `end`.
    Literal { end: usize },
    /// Handing out literal data.
    Streaming { remaining: u64 },
    /// Dropping the data of a literal of a message being discarded.
    Skip { remaining: u64 },
    /// Dropping the rest of a line of a message being discarded.
    DiscardLine,
}

/// Longest tail of a discarded line kept to recognise a literal
/// announcement split across reads: `~{` 20 digits `+}` CR.
const ANNOUNCEMENT_TAIL: usize = 32;

/// The message framer; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Framer {
    role: Role,
    limits: Limits,
    state: State,
    /// Position in the buffer up to which the current line was searched.
    scan: usize,
    /// Start of the current line segment in the buffer.
    seg_start: usize,
    /// Literals in the current message so far.
    literals: u32,
    /// Earlier parts of a message with streamed literals.
    assembled: Option<BytesMut>,
    streamed: Vec<StreamedLiteral>,
}

impl Framer {
    /// A framer for `role` under `limits`.
    pub fn new(role: Role, limits: Limits) -> Framer {
        Framer {
            role,
            limits,
            state: State::Line,
            scan: 0,
            seg_start: 0,
            literals: 0,
            assembled: None,
            streamed: Vec::new(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Changes the limits; they apply from the next line on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Whether no part of a message is pending (the buffer was consumed up
    /// to a message boundary).
    pub fn at_boundary(&self) -> bool {
        self.state == State::Line && self.scan == 0 && self.assembled.is_none()
    }

    /// Drops the message whose synchronizing literal was just reported by
    /// [`FrameEvent::LiteralAnnounced`]: the peer will not send its data, so
    /// framing goes on at the next line. Returns a local error if no literal
    /// is waiting.
    pub fn reject_literal(&mut self, buf: &mut BytesMut) -> Result<(), Error> {
        match self.state {
            State::Announced { data_start, .. } => {
                buf.advance(data_start.min(buf.len()));
                self.reset(State::Line);
                Ok(())
            }
            _ => Err(Error::local("no synchronizing literal is waiting")),
        }
    }

    /// Looks for the next event in `buf`, consuming what it hands out (and
    /// what it discards). `Ok(None)` means more input is needed. After an
    /// error the framer has already started discarding the bad message;
    /// calling `next` again goes on with the input.
    pub fn next(&mut self, buf: &mut BytesMut) -> Result<Option<FrameEvent>, Error> {
        loop {
            match self.state {
                State::Line => match memchr::memchr(b'\n', &buf[self.scan..]) {
                    None => {
                        self.scan = buf.len();
                        if buf.len() - self.seg_start > self.limits.line_length {
                            buf.clear();
                            self.reset(State::DiscardLine);
                            return Err(self.line_error());
                        }
                        return Ok(None);
                    }
                    Some(k) => {
                        let lf = self.scan + k;
                        if let Some(event) = self.end_of_line(buf, lf)? {
                            return Ok(Some(event));
                        }
                    }
                },
                State::Announced { ann, data_start } => {
                    self.enter_literal(buf, ann, data_start);
                }
                State::Literal { end } => {
                    if buf.len() < end {
                        return Ok(None);
                    }
                    self.scan = end;
                    self.seg_start = end;
                    self.state = State::Line;
                }
                State::Streaming { remaining } => {
                    if remaining == 0 {
                        self.state = State::Line;
                        continue;
                    }
                    if buf.is_empty() {
                        return Ok(None);
                    }
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    let data = buf.split_to(take).freeze();
                    let remaining = remaining - take as u64;
                    self.state = State::Streaming { remaining };
                    return Ok(Some(FrameEvent::LiteralChunk { data, remaining }));
                }
                State::Skip { remaining } => {
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(buf.len());
                    buf.advance(take);
                    let remaining = remaining - take as u64;
                    if remaining > 0 {
                        self.state = State::Skip { remaining };
                        return Ok(None);
                    }
                    self.state = State::DiscardLine;
                }
                State::DiscardLine => match memchr::memchr(b'\n', buf) {
                    None => {
                        let drop = buf.len().saturating_sub(ANNOUNCEMENT_TAIL);
                        buf.advance(drop);
                        return Ok(None);
                    }
                    Some(k) => {
                        let line = &buf[..k];
                        let line = line.strip_suffix(b"\r").unwrap_or(line);
                        let ann = announcement(line).ok().flatten();
                        buf.advance(k + 1);
                        self.state = match ann {
                            Some(a) if self.data_follows(&a) => State::Skip { remaining: a.size },
                            _ => State::Line,
                        };
                    }
                },
            }
        }
    }

    fn line_error(&self) -> Error {
        Error::limit("line_length", self.limits.line_length as u64, true)
    }

    /// Whether a literal's data comes without a `+` from us.
    fn data_follows(&self, ann: &Announcement) -> bool {
        self.role == Role::Client || !ann.sync
    }

    fn reset(&mut self, state: State) {
        self.state = state;
        self.scan = 0;
        self.seg_start = 0;
        self.literals = 0;
        self.assembled = None;
        self.streamed.clear();
    }

    /// Drops the current message up to `consumed`; if the line ended in a
    /// literal whose data will come anyway, skips that data and the rest of
    /// the message too.
    fn abandon(&mut self, buf: &mut BytesMut, consumed: usize, ann: Option<Announcement>) {
        buf.advance(consumed);
        let next = match ann {
            Some(a) if self.data_follows(&a) => State::Skip { remaining: a.size },
            _ => State::Line,
        };
        self.reset(next);
    }

    /// A line of the current message ends at `lf`.
    fn end_of_line(&mut self, buf: &mut BytesMut, lf: usize) -> Result<Option<FrameEvent>, Error> {
        let cr = lf > self.seg_start && buf[lf - 1] == b'\r';
        let content_end = if cr { lf - 1 } else { lf };
        let parsed = announcement(&buf[self.seg_start..content_end]);
        let ann = parsed.ok().flatten();
        if lf + 1 - self.seg_start > self.limits.line_length {
            let err = self.line_error();
            self.abandon(buf, lf + 1, ann);
            return Err(err);
        }
        if !cr {
            let err = Error::remote("line ends in a bare LF", &buf[self.seg_start..=lf]);
            self.abandon(buf, lf + 1, ann);
            return Err(err);
        }
        let ann = match parsed {
            Err(()) => {
                let err = Error::remote("literal size out of range", &buf[self.seg_start..lf]);
                self.abandon(buf, lf + 1, None);
                return Err(err);
            }
            Ok(None) => {
                let end = lf + 1;
                let held = self.assembled.as_ref().map_or(0, |a| a.len()) + end;
                if held as u64 > self.limits.message_size {
                    let err = Error::limit("message_size", self.limits.message_size, true);
                    self.abandon(buf, end, None);
                    return Err(err);
                }
                let tail = buf.split_to(end);
                let bytes = match self.assembled.take() {
                    Some(mut head) => {
                        head.unsplit(tail);
                        head.freeze()
                    }
                    None => tail.freeze(),
                };
                let frame = Frame {
                    bytes,
                    streamed: std::mem::take(&mut self.streamed),
                };
                self.reset(State::Line);
                return Ok(Some(FrameEvent::Message(frame)));
            }
            Ok(Some(ann)) => ann,
        };
        let data_start = lf + 1;
        self.literals += 1;
        let stream = self
            .limits
            .stream_literals_from
            .is_some_and(|from| ann.size >= from);
        let held = (self.assembled.as_ref().map_or(0, |a| a.len()) + data_start) as u64
            + if stream { 0 } else { ann.size };
        let non_sync_max = self
            .limits
            .non_sync_literal_size
            .unwrap_or(self.limits.literal_size);
        let broken = if self.literals > self.limits.literals_per_message {
            Some(Error::limit(
                "literals_per_message",
                self.limits.literals_per_message.into(),
                true,
            ))
        } else if ann.size > self.limits.literal_size {
            Some(Error::limit("literal_size", self.limits.literal_size, true))
        } else if !ann.sync && ann.size > non_sync_max {
            Some(Error::limit("non_sync_literal_size", non_sync_max, true))
        } else if held > self.limits.message_size || usize::try_from(held).is_err() {
            Some(Error::limit("message_size", self.limits.message_size, true))
        } else {
            None
        };
        if let Some(err) = broken {
            self.abandon(buf, data_start, Some(ann));
            return Err(err);
        }
        if self.role == Role::Server && ann.sync {
            self.state = State::Announced { ann, data_start };
            self.scan = data_start;
            return Ok(Some(FrameEvent::LiteralAnnounced(ann)));
        }
        self.enter_literal(buf, ann, data_start);
        Ok(None)
    }

    fn enter_literal(&mut self, buf: &mut BytesMut, ann: Announcement, data_start: usize) {
        let stream = self
            .limits
            .stream_literals_from
            .is_some_and(|from| ann.size >= from);
        if !stream {
            // `held` was checked to fit in usize and the message limit.
            let end = data_start + ann.size as usize;
            self.scan = data_start;
            self.state = State::Literal { end };
            return;
        }
        let brace = self.seg_start + ann.brace;
        let head = buf.split_to(data_start);
        let assembled = self.assembled.get_or_insert_with(BytesMut::new);
        let offset = assembled.len() + brace;
        assembled.extend_from_slice(&head[..=brace]);
        assembled.extend_from_slice(b"0");
        let close = head[brace + 1..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(head.len(), |p| brace + 1 + p);
        assembled.extend_from_slice(&head[close..]);
        self.streamed.push(StreamedLiteral {
            offset,
            size: ann.size,
        });
        self.scan = 0;
        self.seg_start = 0;
        self.state = State::Streaming {
            remaining: ann.size,
        };
    }
}

/// The literal announcement that ends `line` (CRLF stripped), if any.
/// `Err` if the digits do not fit a number64 (RFC 9051 §9).
///
/// ```abnf
/// literal  = "{" number64 ["+"] "}" CRLF *CHAR8
/// literal8 = "~{" number64 "}" CRLF *OCTET
/// ```
fn announcement(line: &[u8]) -> Result<Option<Announcement>, ()> {
    let Some(rest) = line.strip_suffix(b"}") else {
        return Ok(None);
    };
    let (rest, sync) = match rest.strip_suffix(b"+") {
        Some(r) => (r, false),
        None => (rest, true),
    };
    let digits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return Ok(None);
    }
    let (rest, number) = rest.split_at(rest.len() - digits);
    let Some(rest) = rest.strip_suffix(b"{") else {
        return Ok(None);
    };
    let binary = rest.ends_with(b"~");
    let mut size: u64 = 0;
    for &d in number {
        size = size
            .checked_mul(10)
            .and_then(|s| s.checked_add(u64::from(d - b'0')))
            .ok_or(())?;
    }
    if size > i64::MAX as u64 {
        return Err(());
    }
    Ok(Some(Announcement {
        size,
        sync,
        binary,
        brace: rest.len(),
    }))
}

#[cfg(test)]
mod tests;
