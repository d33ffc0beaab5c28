//! Encoders: typed values -> bytes.
//!
//! An [`Encoder`] writes one message into a buffer and remembers where each
//! literal's data starts, so a client can send the message in
//! [`Fragment`]s and wait for the server's `+` before the data of every
//! synchronizing literal (RFC 9051 §4.3). Strings are written in the form
//! their value carries ([`IString::Quoted`] or [`IString::Literal`]); the
//! constructors ([`AString::new`], [`IString::new`]) choose the shortest
//! valid form.

use crate::types::core::{
    AString, Date, DateTime, IString, Literal, LiteralMode, MONTHS, NString, Quoted, SeqNo,
    Sequence, SequenceSet,
};
use crate::types::flag::{Flag, FlagFetch, FlagPerm};
use crate::types::mailbox::Mailbox;

mod command;
mod fetch;
mod response;

/// A value that can be written as IMAP.
pub trait Encode {
    /// Writes `self` into `e`.
    fn encode(&self, e: &mut Encoder);

    /// `self` as bytes (for a client: literals inline, as with LITERAL+).
    fn to_bytes(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        self.encode(&mut e);
        e.into_bytes()
    }
}

/// A piece of an encoded message, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fragment<'a> {
    /// Text up to and including a literal's announcement `{n}` CRLF, or up
    /// to the end of the message.
    Line(&'a [u8]),
    /// A literal's data.
    Literal {
        /// The data.
        data: &'a [u8],
        /// Whether the client must wait for `+` before sending `data`.
        sync: bool,
    },
}

/// Writes messages; see the [module documentation](self).
#[derive(Debug, Clone, Default)]
pub struct Encoder {
    buf: Vec<u8>,
    /// `(start, end, sync)` of each literal's data.
    literals: Vec<(usize, usize, bool)>,
    /// Writing server responses: literals are always `{n}`.
    server: bool,
}

impl Encoder {
    /// An encoder for client commands.
    pub fn new() -> Self {
        Encoder::default()
    }

    /// An encoder for server responses: no literal waits for `+`.
    pub fn server() -> Self {
        Encoder {
            server: true,
            ..Encoder::default()
        }
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The message as bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// The message in fragments: after each `Line` ending in a synchronizing
    /// literal's announcement, a client waits for `+`.
    pub fn fragments(&self) -> Vec<Fragment<'_>> {
        let mut out = Vec::with_capacity(self.literals.len() * 2 + 1);
        let mut pos = 0;
        for &(start, end, sync) in &self.literals {
            out.push(Fragment::Line(&self.buf[pos..start]));
            out.push(Fragment::Literal {
                data: &self.buf[start..end],
                sync,
            });
            pos = end;
        }
        if pos < self.buf.len() || out.is_empty() {
            out.push(Fragment::Line(&self.buf[pos..]));
        }
        out
    }

    /// Raw bytes (callers guarantee validity).
    #[inline]
    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    #[inline]
    pub(crate) fn sp(&mut self) {
        self.buf.push(b' ');
    }

    #[inline]
    pub(crate) fn crlf(&mut self) {
        self.buf.extend_from_slice(b"\r\n");
    }

    pub(crate) fn number(&mut self, n: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut n = n;
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    /// Base64 text; anything outside the alphabet is dropped, so no value
    /// can break the line.
    pub(crate) fn base64(&mut self, s: &str) {
        for c in s.bytes() {
            if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=' {
                self.buf.push(c);
            }
        }
    }

    pub(crate) fn quoted(&mut self, q: &Quoted<'_>) {
        self.buf.push(b'"');
        for &b in q.as_bytes() {
            if b == b'"' || b == b'\\' {
                self.buf.push(b'\\');
            }
            self.buf.push(b);
        }
        self.buf.push(b'"');
    }

    pub(crate) fn literal(&mut self, l: &Literal<'_>) {
        if l.is_binary() {
            self.buf.push(b'~');
        }
        self.buf.push(b'{');
        self.number(l.data().len() as u64);
        // The form is kept as the value says (RFC 7888 §6 allows `~{n+}`
        // too); values built by the constructors are `{n}`.
        let sync = l.mode() == LiteralMode::Sync;
        if !sync {
            self.buf.push(b'+');
        }
        self.buf.extend_from_slice(b"}\r\n");
        let start = self.buf.len();
        self.buf.extend_from_slice(l.data());
        self.literals
            .push((start, self.buf.len(), sync && !self.server));
    }

    pub(crate) fn istring(&mut self, s: &IString<'_>) {
        match s {
            IString::Quoted(q) => self.quoted(q),
            IString::Literal(l) => self.literal(l),
        }
    }

    pub(crate) fn astring(&mut self, s: &AString<'_>) {
        match s {
            AString::Atom(a) => self.raw(a.as_str().as_bytes()),
            AString::String(s) => self.istring(s),
        }
    }

    pub(crate) fn nstring(&mut self, s: &NString<'_>) {
        match &s.0 {
            Some(s) => self.istring(s),
            None => self.raw(b"NIL"),
        }
    }

    pub(crate) fn mailbox(&mut self, m: &Mailbox<'_>) {
        self.astring(m.as_astring());
    }

    fn two(&mut self, n: u8) {
        self.buf.push(b'0' + n / 10);
        self.buf.push(b'0' + n % 10);
    }

    pub(crate) fn date_text(&mut self, d: &Date) {
        let (y, m, day) = d.ymd();
        self.number(u64::from(day));
        self.buf.push(b'-');
        self.raw(MONTHS[usize::from(m - 1)].as_bytes());
        self.buf.push(b'-');
        self.two((y / 100) as u8);
        self.two((y % 100) as u8);
    }

    pub(crate) fn date_time(&mut self, dt: &DateTime) {
        let (y, m, day) = dt.date().ymd();
        self.buf.push(b'"');
        self.two(day);
        self.buf.push(b'-');
        self.raw(MONTHS[usize::from(m - 1)].as_bytes());
        self.buf.push(b'-');
        self.two((y / 100) as u8);
        self.two((y % 100) as u8);
        self.sp();
        let (h, mi, s) = dt.time();
        self.two(h);
        self.buf.push(b':');
        self.two(mi);
        self.buf.push(b':');
        self.two(s);
        self.sp();
        let z = dt.zone_minutes();
        self.buf.push(if z < 0 { b'-' } else { b'+' });
        let z = z.unsigned_abs();
        self.two((z / 60) as u8);
        self.two((z % 60) as u8);
        self.buf.push(b'"');
    }

    pub(crate) fn seq_set(&mut self, s: &SequenceSet) {
        if s.is_saved() {
            self.buf.push(b'$');
            return;
        }
        let no = |e: &mut Encoder, n: SeqNo| match n {
            SeqNo::Value(v) => e.number(u64::from(v.get())),
            SeqNo::Largest => e.buf.push(b'*'),
        };
        for (k, item) in s.items().iter().enumerate() {
            if k > 0 {
                self.buf.push(b',');
            }
            match *item {
                Sequence::Single(a) => no(self, a),
                Sequence::Range(a, b) => {
                    no(self, a);
                    self.buf.push(b':');
                    no(self, b);
                }
            }
        }
    }

    pub(crate) fn flag(&mut self, f: &Flag<'_>) {
        match f {
            Flag::Answered => self.raw(b"\\Answered"),
            Flag::Flagged => self.raw(b"\\Flagged"),
            Flag::Deleted => self.raw(b"\\Deleted"),
            Flag::Seen => self.raw(b"\\Seen"),
            Flag::Draft => self.raw(b"\\Draft"),
            Flag::Keyword(a) => self.raw(a.as_str().as_bytes()),
            Flag::Extension(a) => {
                self.buf.push(b'\\');
                self.raw(a.as_str().as_bytes());
            }
        }
    }

    pub(crate) fn flag_fetch(&mut self, f: &FlagFetch<'_>) {
        match f {
            FlagFetch::Flag(f) => self.flag(f),
            FlagFetch::Recent => self.raw(b"\\Recent"),
        }
    }

    pub(crate) fn flag_perm(&mut self, f: &FlagPerm<'_>) {
        match f {
            FlagPerm::Flag(f) => self.flag(f),
            FlagPerm::Any => self.raw(b"\\*"),
        }
    }

    /// `"(" item *(SP item) ")"`.
    pub(crate) fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Encoder, &T)) {
        self.buf.push(b'(');
        self.join(items, &mut f);
        self.buf.push(b')');
    }

    /// `item *(SP item)`.
    pub(crate) fn join<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Encoder, &T)) {
        for (k, item) in items.iter().enumerate() {
            if k > 0 {
                self.sp();
            }
            f(self, item);
        }
    }
}
