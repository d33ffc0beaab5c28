//! The SMTP / ESMTP / LMTP client state machine (sans-IO).
//!
//! [`Client`] implements [`Machine`](mailwire_core::Machine): the driver feeds it the server's
//! bytes and writes out what it transmits. The machine runs the session on
//! its own: it waits for the greeting (RFC 5321 §4.3.1), says `EHLO`
//! (falling back to `HELO` on 500/502, RFC 5321 §3.2) or `LHLO` for LMTP
//! (RFC 2033 §4.1), switches to TLS with `STARTTLS` as the
//! [`TlsPolicy`] says (RFC 3207), asks again for capabilities under TLS,
//! and then reports [`ClientEvent::Ready`]. From there the application
//! calls typed methods ([`Client::authenticate`], [`Client::send_mail`] or
//! the streaming [`Client::start_mail`], [`Client::abandon_mail`],
//! [`Client::rset`], [`Client::noop`], [`Client::quit`]); they queue
//! operations that run one after the other, and their results come back
//! as [`ClientEvent`]s.
//!
//! The client holds to what the server announced: SIZE (RFC 1870 §6),
//! 8BITMIME, SMTPUTF8, CHUNKING, and LIMITS (RFC 9422: a message over
//! RCPTMAX / RCPTDOMAINMAX goes out as several transactions, no more
//! transactions than MAILMAX); DSN parameters a server without DSN cannot
//! take are left out and reported ([`ClientEvent::DsnNotOffered`]), never
//! dropped silently. Lines that carry credentials (AUTH, SASL responses)
//! never enter the reusable transmit buffer and are zeroed once written.
//!
//! ```
//! use bytes::Bytes;
//! use mailwire_core::Machine;
//! use mailwire_smtp::client::{Client, ClientConfig, ClientEvent, Envelope, TlsPolicy};
//! use mailwire_smtp::{Host, Mailbox};
//!
//! let mut config = ClientConfig::new(Host::try_from("client.example").unwrap());
//! config.tls = TlsPolicy::None; // a test without TLS
//! let mut client = Client::new(config);
//! client.receive(b"220 mx.example ESMTP\r\n").unwrap();
//! assert!(matches!(client.poll_event().unwrap(), Some(ClientEvent::Greeting(_))));
//! assert_eq!(client.poll_transmit().unwrap(), b"EHLO client.example\r\n");
//! client.advance_transmit(21);
//! client.receive(b"250-mx.example\r\n250 PIPELINING\r\n").unwrap();
//! assert!(matches!(client.poll_event().unwrap(), Some(ClientEvent::Ready { .. })));
//!
//! let envelope = Envelope::new(
//!     Mailbox::new("a@client.example").unwrap(),
//!     [Mailbox::new("b@mx.example").unwrap()],
//! );
//! client.send_mail(envelope, Bytes::from_static(b"Subject: hi\r\n\r\nHello\r\n")).unwrap();
//! assert_eq!(
//!     client.poll_transmit().unwrap(),
//!     b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nDATA\r\n"
//! );
//! ```

mod abandon;
mod auth;
mod config;
mod envelope;
mod event;
mod limits;
mod machine;
mod secret;
mod session;
mod transaction;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use mailwire_core::{Error, LineFramer, Result, TlsInfo, Transmit};

pub use config::{ClientConfig, Timeouts, TlsPolicy};
pub use envelope::{BodyInfo, Envelope, Recipient};
pub use event::ClientEvent;

use crate::encode::Encode;
use crate::parse::ReplyAssembler;
use crate::types::{Capability, Command, EhloReply, Text};

/// What a reply in flight answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    Greeting,
    Hello(HelloVerb),
    StartTls,
    Auth,
    Mail,
    Rcpt(usize),
    Data,
    /// A non-last BDAT chunk.
    Bdat,
    /// The `k`-th reply after the end of the data.
    Final(usize),
    /// The lone `.` sent when DATA was accepted without recipients.
    AbortDot,
    Rset {
        report: bool,
    },
    /// The RSET that abandons a transaction (`Client::abandon_mail`).
    AbandonRset,
    Noop,
    Vrfy,
    Expn,
    Quit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HelloVerb {
    Ehlo,
    Helo,
    Lhlo,
}

/// One reply the client waits for.
#[derive(Debug)]
struct InFlight {
    sent: Sent,
    /// The command is fully written once this many bytes have been.
    ends_at: u64,
    timeout: Duration,
    deadline: Option<Instant>,
    /// Queued since the last `handle_timeout`: the deadline was computed
    /// from the time of that call, which may be old; the next call restarts
    /// it from its own time.
    fresh: bool,
    /// The deadline was restarted after the command was fully written.
    rebased: bool,
}

/// An operation the application queued.
#[derive(Debug)]
enum Op {
    StartTls,
    Auth(Box<auth::AuthOp>),
    Mail(Box<transaction::Txn>),
    Rset,
    Noop,
    Vrfy(Text),
    Expn(Text),
    Quit,
}

/// An SMTP, ESMTP or LMTP client connection (sans-IO). See the
/// [module docs](self).
pub struct Client {
    config: ClientConfig,
    input: BytesMut,
    framer: LineFramer,
    assembler: ReplyAssembler,
    out: Transmit,
    /// Output that carries credentials, kept out of `out`.
    secret: Option<secret::SecretOut>,
    /// Every byte ever queued to `out` (tests only).
    #[cfg(test)]
    out_log: Vec<u8>,
    /// Bytes ever queued to, and written from, `out`.
    queued_total: u64,
    written_total: u64,
    events: VecDeque<ClientEvent>,
    in_flight: VecDeque<InFlight>,
    ops: VecDeque<Op>,
    /// MAIL commands sent in this session (RFC 9422 MAILMAX counts them
    /// all, accepted or not).
    mails_sent: u64,
    auth: Option<Box<auth::AuthOp>>,
    txn: Option<Box<transaction::Txn>>,
    /// The last EHLO reply (forgotten at the TLS switch).
    ehlo: Option<EhloReply>,
    ready: bool,
    greeted: bool,
    authenticated: bool,
    tls: bool,
    tls_pending: bool,
    tls_info: Option<TlsInfo>,
    /// QUIT was sent before the session was ready: no more setup commands.
    quitting: bool,
    closed: bool,
    fatal: Option<Error>,
    now: Option<Instant>,
    /// Output was written since the last `handle_timeout`.
    progress: bool,
    /// Since when output has been waiting without progress.
    stalled_since: Option<Instant>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("ready", &self.ready)
            .field("tls", &self.tls)
            .field("tls_pending", &self.tls_pending)
            .field("authenticated", &self.authenticated)
            .field("in_flight", &self.in_flight)
            .field("ops", &self.ops.len())
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A new connection, waiting for the greeting. Call
    /// [`Machine::handle_timeout`](mailwire_core::Machine::handle_timeout) once at the start so that the greeting
    /// timeout runs.
    pub fn new(config: ClientConfig) -> Client {
        let framer = LineFramer::new(config.policy.max_reply_line, config.line_ending);
        let assembler = ReplyAssembler::new(config.policy);
        let mut client = Client {
            tls: config.implicit_tls,
            framer,
            assembler,
            input: BytesMut::new(),
            out: Transmit::new(),
            secret: None,
            #[cfg(test)]
            out_log: Vec::new(),
            queued_total: 0,
            written_total: 0,
            events: VecDeque::new(),
            in_flight: VecDeque::new(),
            ops: VecDeque::new(),
            mails_sent: 0,
            auth: None,
            txn: None,
            ehlo: None,
            ready: false,
            greeted: false,
            authenticated: false,
            tls_pending: false,
            tls_info: None,
            quitting: false,
            closed: false,
            fatal: None,
            now: None,
            progress: false,
            stalled_since: None,
            config,
        };
        let timeout = client.config.timeouts.greeting;
        client.expect(Sent::Greeting, timeout);
        client
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The capabilities of the last EHLO/LHLO reply (none before it, after
    /// the HELO fallback, and between STARTTLS and the EHLO under TLS).
    pub fn capabilities(&self) -> Option<&EhloReply> {
        self.ehlo.as_ref()
    }

    /// Whether the server offers `cap` (see [`EhloReply::has`]).
    pub fn has_capability(&self, cap: &Capability) -> bool {
        self.ehlo.as_ref().is_some_and(|e| e.has(cap))
    }

    /// Whether the session is ready for commands ([`ClientEvent::Ready`]
    /// was reported).
    pub fn is_ready(&self) -> bool {
        self.ready && !self.closed
    }

    /// Whether the connection runs over TLS.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Whether AUTH succeeded.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Whether no operation is running or queued.
    pub fn is_idle(&self) -> bool {
        self.in_flight.is_empty()
            && self.ops.is_empty()
            && self.txn.is_none()
            && self.auth.is_none()
    }

    /// Starts TLS now (RFC 3207), when the [`TlsPolicy`] did not already:
    /// the server must offer STARTTLS.
    pub fn starttls(&mut self) -> Result<()> {
        self.check_ready()?;
        if self.tls || self.ops.iter().any(|o| matches!(o, Op::StartTls)) {
            return Err(Error::local("TLS is already active or requested"));
        }
        if !self.has_capability(&Capability::StartTls) {
            return Err(Error::local("the server does not offer STARTTLS"));
        }
        self.ops.push_back(Op::StartTls);
        self.start_next_op();
        Ok(())
    }

    /// Queues `RSET` (RFC 5321 §4.1.1.5); answered by [`ClientEvent::Done`].
    /// It runs after what is already queued, so it does not interrupt a
    /// transaction: to give one up, use
    /// [`abandon_mail`](Self::abandon_mail).
    pub fn rset(&mut self) -> Result<()> {
        self.check_ready()?;
        self.ops.push_back(Op::Rset);
        self.start_next_op();
        Ok(())
    }

    /// Queues `NOOP` (RFC 5321 §4.1.1.9); answered by [`ClientEvent::Done`].
    pub fn noop(&mut self) -> Result<()> {
        self.check_ready()?;
        self.ops.push_back(Op::Noop);
        self.start_next_op();
        Ok(())
    }

    /// Queues `VRFY` (RFC 5321 §4.1.1.6); answered by [`ClientEvent::Done`].
    pub fn vrfy(&mut self, what: Text) -> Result<()> {
        self.check_ready()?;
        self.ops.push_back(Op::Vrfy(what));
        self.start_next_op();
        Ok(())
    }

    /// Queues `EXPN` (RFC 5321 §4.1.1.7); answered by [`ClientEvent::Done`].
    pub fn expn(&mut self, list: Text) -> Result<()> {
        self.check_ready()?;
        self.ops.push_back(Op::Expn(list));
        self.start_next_op();
        Ok(())
    }

    /// Queues `QUIT` (RFC 5321 §4.1.1.10), after what is already queued;
    /// answered by [`ClientEvent::Closed`]. Allowed before the session is
    /// ready, too.
    pub fn quit(&mut self) -> Result<()> {
        if self.closed {
            return Err(Error::local("the connection is closed"));
        }
        if self.ops.iter().any(|o| matches!(o, Op::Quit))
            || self.in_flight.iter().any(|f| f.sent == Sent::Quit)
        {
            return Err(Error::local("QUIT was already requested"));
        }
        if !self.ready {
            // Before the session is ready nothing else is queued: QUIT goes
            // out now, after whatever is in flight, and the session setup
            // stops there.
            if self.tls_pending {
                return Err(Error::local(
                    "finish the TLS handshake (tls_established) before QUIT",
                ));
            }
            self.ops.clear();
            self.quitting = true;
            self.send_command(&Command::Quit, Sent::Quit);
            return Ok(());
        }
        self.ops.push_back(Op::Quit);
        self.start_next_op();
        Ok(())
    }

    fn check_ready(&self) -> Result<()> {
        if self.closed {
            Err(Error::local("the connection is closed"))
        } else if !self.ready {
            Err(Error::local(
                "the session is not ready: wait for ClientEvent::Ready",
            ))
        } else if self.ops.iter().any(|o| matches!(o, Op::Quit))
            || self.in_flight.iter().any(|f| f.sent == Sent::Quit)
        {
            Err(Error::local("QUIT was already requested"))
        } else {
            Ok(())
        }
    }

    // ----- output -----

    /// Appends raw bytes to the output.
    fn push_out(&mut self, data: &[u8]) {
        self.write_out(|buf| buf.extend_from_slice(data));
    }

    /// Appends output written straight into the buffer by `write`.
    fn write_out(&mut self, write: impl FnOnce(&mut BytesMut)) {
        self.note_output();
        #[cfg(test)]
        let before = self.out.len();
        let n = self.write_plain(write);
        #[cfg(test)]
        if let Some(p) = self.out.pending() {
            self.out_log.extend_from_slice(&p[before..]);
        }
        self.queued_total += n as u64;
    }

    fn note_output(&mut self) {
        if self.pending_len() == 0 {
            // Waiting for the peer to read starts now; the next
            // `handle_timeout` gives the exact time.
            self.stalled_since = self.now;
            self.progress = true;
        }
    }

    /// Records that a reply is expected for what was just queued.
    fn expect(&mut self, sent: Sent, timeout: Duration) {
        self.in_flight.push_back(InFlight {
            sent,
            ends_at: self.queued_total,
            timeout,
            deadline: self.now.map(|n| n + timeout),
            fresh: true,
            rebased: false,
        });
    }

    fn timeout_of(&self, sent: Sent) -> Duration {
        let t = &self.config.timeouts;
        match sent {
            Sent::Greeting => t.greeting,
            Sent::Mail => t.mail,
            Sent::Rcpt(_) => t.rcpt,
            Sent::Data => t.data_init,
            Sent::Bdat => t.data_block,
            Sent::Final(_) | Sent::AbortDot => t.data_term,
            _ => t.command,
        }
    }

    fn send_command(&mut self, command: &Command, sent: Sent) {
        self.write_out(|buf| command.encode(buf));
        let timeout = self.timeout_of(sent);
        self.expect(sent, timeout);
    }

    /// Ends the connection because of `error`, reported by the next
    /// [`Machine::poll_event`](mailwire_core::Machine::poll_event). With `quit`, a QUIT is written first, for
    /// a server that is still in step (RFC 5321 §3.1: a 554 greeting).
    fn fail(&mut self, error: Error, quit: bool) {
        if self.closed {
            return;
        }
        if quit {
            self.write_out(|buf| Command::Quit.encode(buf));
        }
        self.fatal.get_or_insert(error);
        self.close();
    }

    fn close(&mut self) {
        self.closed = true;
        self.tls_pending = false;
        self.ready = false;
        self.in_flight.clear();
        self.ops.clear();
        self.auth = None;
        self.txn = None;
        self.input.clear();
        self.assembler.reset();
    }
}
