//! The SMTP / ESMTP / LMTP client state machine (sans-IO).
//!
//! [`Client`] implements [`Machine`]: the driver feeds it the server's
//! bytes and writes out what it transmits. The machine runs the session on
//! its own: it waits for the greeting (RFC 5321 §4.3.1), says `EHLO`
//! (falling back to `HELO` on 500/502, RFC 5321 §3.2) or `LHLO` for LMTP
//! (RFC 2033 §4.1), switches to TLS with `STARTTLS` as the
//! [`TlsPolicy`] says (RFC 3207), asks again for capabilities under TLS,
//! and then reports [`ClientEvent::Ready`]. From there the application
//! calls typed methods ([`Client::authenticate`], [`Client::send_mail`] or
//! the streaming [`Client::start_mail`], [`Client::rset`],
//! [`Client::noop`], [`Client::quit`]); they queue operations that run one
//! after the other, and their results come back as [`ClientEvent`]s.
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

mod auth;
mod body;
mod envelope;
mod transaction;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mailwire_core::{Error, LineEnding, LineFramer, Machine, Result, TlsInfo, Transmit};
use mailwire_sasl::Mechanism;

pub use envelope::{BodyInfo, Envelope, Recipient};

use crate::encode::Encode;
use crate::parse::ReplyAssembler;
use crate::types::{Capability, Command, EhloReply, ForwardPath, Host, Policy, Reply};

/// Whether the client insists on TLS (RFC 3207, RFC 8314 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsPolicy {
    /// Use STARTTLS; if the server does not offer it, or refuses it, fail
    /// rather than go on in cleartext. The default.
    #[default]
    Required,
    /// Use STARTTLS when the server offers it; go on in cleartext when it
    /// does not (RFC 3207 §4.1: open to a downgrade by an active attacker).
    Opportunistic,
    /// Never start TLS on its own (the application may still call
    /// [`Client::starttls`]).
    None,
}

/// How long the client waits for each reply (RFC 5321 §4.5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// The greeting: 5 minutes (§4.5.3.2.1).
    pub greeting: Duration,
    /// The reply to MAIL: 5 minutes (§4.5.3.2.2).
    pub mail: Duration,
    /// The reply to RCPT: 5 minutes (§4.5.3.2.3).
    pub rcpt: Duration,
    /// The reply to DATA (the 354): 2 minutes (§4.5.3.2.4).
    pub data_init: Duration,
    /// Writing one block of data without progress, and the reply to a
    /// non-final BDAT chunk: 3 minutes (§4.5.3.2.5).
    pub data_block: Duration,
    /// The reply after the end of data (`.` or `BDAT LAST`): 10 minutes
    /// (§4.5.3.2.6).
    pub data_term: Duration,
    /// Any other command (EHLO, STARTTLS, AUTH, RSET, NOOP, QUIT):
    /// 5 minutes.
    pub command: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        const MIN: u64 = 60;
        Timeouts {
            greeting: Duration::from_secs(5 * MIN),
            mail: Duration::from_secs(5 * MIN),
            rcpt: Duration::from_secs(5 * MIN),
            data_init: Duration::from_secs(2 * MIN),
            data_block: Duration::from_secs(3 * MIN),
            data_term: Duration::from_secs(10 * MIN),
            command: Duration::from_secs(5 * MIN),
        }
    }
}

/// Configuration of one client connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// The client's own name, the argument of EHLO/HELO/LHLO
    /// (RFC 5321 §4.1.1.1: its domain, or an address literal).
    pub hello_name: Host,
    /// Speak LMTP (RFC 2033): LHLO, and one reply per recipient after the
    /// data.
    pub lmtp: bool,
    /// When to start TLS. Default [`TlsPolicy::Required`].
    pub tls: TlsPolicy,
    /// The connection is TLS from the start (port 465, RFC 8314 §3.3):
    /// no STARTTLS. Call [`Machine::tls_established`] before the greeting
    /// to give the channel-binding data.
    pub implicit_tls: bool,
    /// Let SASL mechanisms that expose the secret (PLAIN, LOGIN, CRAM-MD5,
    /// bearer tokens) run without TLS. Off by default.
    pub allow_cleartext_auth: bool,
    /// Pipeline MAIL, RCPT and DATA when the server offers PIPELINING
    /// (RFC 2920). Default on.
    pub pipelining: bool,
    /// Send bodies with BDAT when the server offers CHUNKING (RFC 3030).
    /// Default on. BINARYMIME bodies always need it.
    pub chunking: bool,
    /// Limits and leniency for the server's replies (default
    /// [`Policy::client`]: 512-octet lines, 128 lines and 16 KiB per reply).
    pub policy: Policy,
    /// Line endings accepted from the server. Default strict CRLF.
    pub line_ending: LineEnding,
    /// Reply timeouts.
    pub timeouts: Timeouts,
    /// The body is copied into the transmit buffer in pieces of this size,
    /// the next one only when the buffer has drained below it; it is also
    /// the largest BDAT chunk. Default 64 KiB.
    pub body_piece: usize,
}

impl ClientConfig {
    /// Safe defaults: TLS required, no cleartext credentials, pipelining
    /// and chunking when offered.
    pub fn new(hello_name: Host) -> ClientConfig {
        ClientConfig {
            hello_name,
            lmtp: false,
            tls: TlsPolicy::Required,
            implicit_tls: false,
            allow_cleartext_auth: false,
            pipelining: true,
            chunking: true,
            policy: Policy::client(),
            line_ending: LineEnding::Strict,
            timeouts: Timeouts::default(),
            body_piece: 64 * 1024,
        }
    }

    /// The same configuration for LMTP (RFC 2033).
    pub fn lmtp(mut self) -> ClientConfig {
        self.lmtp = true;
        self
    }
}

/// What the client machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server's `220` greeting (RFC 5321 §4.3.1); EHLO is on its way.
    Greeting(Reply),
    /// `220` to STARTTLS: write all pending output, perform the TLS
    /// handshake, then call [`Machine::tls_established`] (RFC 3207 §4).
    StartTls,
    /// The session is ready for commands: after EHLO (and after TLS, the
    /// EHLO under TLS). `None` after the HELO fallback: no extensions.
    Ready {
        /// The EHLO/LHLO reply with the typed capabilities.
        capabilities: Option<EhloReply>,
    },
    /// `235`: AUTH succeeded (RFC 4954 §6).
    Authenticated {
        /// The mechanism used.
        mechanism: Mechanism,
    },
    /// AUTH failed (`535`, `534`, `454`, or `501` after the client
    /// cancelled); the session goes on unauthenticated.
    AuthFailed {
        /// The server's reply.
        reply: Reply,
        /// Why the client cancelled the exchange, if it did.
        reason: Option<String>,
    },
    /// The reply to one `RCPT TO`; a failed recipient does not stop the
    /// others (RFC 5321 §3.3).
    RecipientResult {
        /// The recipient.
        rcpt: ForwardPath,
        /// The server's reply.
        reply: Reply,
    },
    /// The reply (SMTP: one, copied for every accepted recipient) or
    /// replies (LMTP, RFC 2033 §4.2: one per accepted recipient) after the
    /// data. Each recipient is delivered or not by its own reply.
    MessageResult {
        /// Every accepted recipient with the reply that concerns it.
        per_recipient: Vec<(ForwardPath, Reply)>,
    },
    /// The transaction ended before any data was accepted: MAIL was
    /// refused, no recipient was accepted, or DATA was refused. No data
    /// was sent (or only the empty message RFC 2920 §3.1 asks for).
    TransactionFailed {
        /// The reply that decided it.
        reply: Reply,
    },
    /// The reply to RSET or NOOP.
    Done {
        /// `"RSET"` or `"NOOP"`.
        command: &'static str,
        /// The server's reply.
        reply: Reply,
    },
    /// The session is over: the reply to QUIT, a `421` (RFC 5321 §3.8),
    /// or `None` when the server closed the connection while idle.
    Closed(Option<Reply>),
}

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
    Noop,
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
    /// Bytes ever queued to, and written from, `out`.
    queued_total: u64,
    written_total: u64,
    events: VecDeque<ClientEvent>,
    in_flight: VecDeque<InFlight>,
    ops: VecDeque<Op>,
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
    /// [`Machine::handle_timeout`] once at the start so that the greeting
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
            queued_total: 0,
            written_total: 0,
            events: VecDeque::new(),
            in_flight: VecDeque::new(),
            ops: VecDeque::new(),
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
        self.note_output();
        self.out.push(data);
        self.queued_total += data.len() as u64;
    }

    /// Appends output written straight into the buffer by `write`.
    fn write_out(&mut self, write: impl FnOnce(&mut BytesMut)) {
        self.note_output();
        let before = self.out.len();
        write(self.out.buffer());
        self.queued_total += (self.out.len() - before) as u64;
    }

    fn note_output(&mut self) {
        if self.out.is_empty() {
            // Waiting for the peer to read starts now.
            self.stalled_since = self.now;
        }
    }

    /// Records that a reply is expected for what was just queued.
    fn expect(&mut self, sent: Sent, timeout: Duration) {
        self.in_flight.push_back(InFlight {
            sent,
            ends_at: self.queued_total,
            timeout,
            deadline: self.now.map(|n| n + timeout),
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
    /// [`Machine::poll_event`]. With `quit`, a QUIT is written first, for
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

    // ----- the session -----

    /// Starts the next queued operation when nothing else runs.
    fn start_next_op(&mut self) {
        while self.ready
            && !self.closed
            && self.in_flight.is_empty()
            && self.txn.is_none()
            && self.auth.is_none()
        {
            let Some(op) = self.ops.pop_front() else {
                return;
            };
            match op {
                Op::StartTls => {
                    self.ready = false;
                    self.send_command(&Command::StartTls, Sent::StartTls);
                }
                Op::Auth(op) => self.start_auth(op),
                Op::Mail(txn) => self.start_txn(txn),
                Op::Rset => self.send_command(&Command::Rset, Sent::Rset { report: true }),
                Op::Noop => self.send_command(&Command::Noop(None), Sent::Noop),
                Op::Quit => self.send_command(&Command::Quit, Sent::Quit),
            }
        }
    }

    fn send_hello(&mut self, verb: HelloVerb) {
        let host = self.config.hello_name.clone();
        let command = match verb {
            HelloVerb::Ehlo => Command::Ehlo(host),
            HelloVerb::Helo => Command::Helo(host),
            HelloVerb::Lhlo => Command::Lhlo(host),
        };
        self.send_command(&command, Sent::Hello(verb));
    }

    fn first_hello(&self) -> HelloVerb {
        if self.config.lmtp {
            HelloVerb::Lhlo
        } else {
            HelloVerb::Ehlo
        }
    }

    /// One complete reply from the server.
    fn on_reply(&mut self, reply: Reply) {
        let Some(front) = self.in_flight.pop_front() else {
            if reply.code.get() == 421 {
                self.events.push_back(ClientEvent::Closed(Some(reply)));
                self.close();
            } else {
                let text = reply.text();
                self.fail(
                    Error::remote_fatal("a reply when no command was sent", text.as_bytes()),
                    false,
                );
            }
            return;
        };
        // RFC 5321 §3.8: 421 ends the session whatever it answers.
        if reply.code.get() == 421 && front.sent != Sent::Quit {
            self.events.push_back(ClientEvent::Closed(Some(reply)));
            self.close();
            return;
        }
        match front.sent {
            Sent::Greeting => self.on_greeting(reply),
            Sent::Hello(verb) => self.on_hello(verb, reply),
            Sent::StartTls => self.on_starttls(reply),
            Sent::Auth => self.on_auth_reply(reply),
            Sent::Mail => self.on_mail(reply),
            Sent::Rcpt(i) => self.on_rcpt(i, reply),
            Sent::Data => self.on_data(reply),
            Sent::Bdat => self.on_bdat(reply),
            Sent::Final(k) => self.on_final(k, reply),
            Sent::AbortDot => self.on_abort_dot(reply),
            Sent::Rset { report } => {
                if report {
                    self.events.push_back(ClientEvent::Done {
                        command: "RSET",
                        reply,
                    });
                }
            }
            Sent::Noop => self.events.push_back(ClientEvent::Done {
                command: "NOOP",
                reply,
            }),
            Sent::Quit => {
                self.events.push_back(ClientEvent::Closed(Some(reply)));
                self.close();
            }
        }
        self.start_next_op();
        self.pump();
    }

    fn on_greeting(&mut self, reply: Reply) {
        match reply.code.get() {
            220 => {
                self.greeted = true;
                self.events.push_back(ClientEvent::Greeting(reply));
                if self.quitting {
                    return;
                }
                let verb = self.first_hello();
                self.send_hello(verb);
            }
            554 => {
                let text = reply.text();
                self.fail(
                    Error::remote_fatal(
                        "the server refuses the session (554 greeting)",
                        text.as_bytes(),
                    ),
                    true,
                );
            }
            _ => {
                let text = format!("{} {}", reply.code, reply.text());
                self.fail(
                    Error::remote_fatal("the greeting is not 220", text.as_bytes()),
                    false,
                );
            }
        }
    }

    fn on_hello(&mut self, verb: HelloVerb, reply: Reply) {
        if self.quitting {
            return;
        }
        if reply.code.is_positive() {
            let ehlo = if verb == HelloVerb::Helo {
                None
            } else {
                match EhloReply::from_reply(&reply) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        self.fail(Error::remote_fatal(e.reason().to_owned(), e.line()), true);
                        return;
                    }
                }
            };
            self.after_hello(ehlo);
            return;
        }
        // RFC 5321 §3.2: a server that does not know EHLO answers 500 or
        // 502; the client falls back to HELO. LMTP has no fallback.
        if verb == HelloVerb::Ehlo && matches!(reply.code.get(), 500 | 502) {
            self.send_hello(HelloVerb::Helo);
            return;
        }
        let text = format!("{} {}", reply.code, reply.text());
        self.fail(
            Error::remote_fatal("the server refused EHLO/HELO/LHLO", text.as_bytes()),
            true,
        );
    }

    fn after_hello(&mut self, ehlo: Option<EhloReply>) {
        self.ehlo = ehlo;
        if !self.tls && self.config.tls != TlsPolicy::None {
            if self.has_capability(&Capability::StartTls) {
                self.send_command(&Command::StartTls, Sent::StartTls);
                return;
            }
            if self.config.tls == TlsPolicy::Required {
                self.fail(
                    Error::remote_fatal(
                        "the server does not offer STARTTLS and TlsPolicy::Required forbids going on in cleartext",
                        b"",
                    ),
                    true,
                );
                return;
            }
        }
        self.become_ready();
    }

    fn become_ready(&mut self) {
        self.ready = true;
        self.events.push_back(ClientEvent::Ready {
            capabilities: self.ehlo.clone(),
        });
    }

    fn on_starttls(&mut self, reply: Reply) {
        if self.quitting {
            return;
        }
        if reply.code.get() == 220 {
            // RFC 3207 §5 / DESIGN: anything after the 220 before the
            // handshake came in cleartext and may be injected.
            if !self.input.is_empty() || !self.assembler.is_idle() {
                let rest = self.input.clone();
                self.fail(
                    Error::remote_fatal("cleartext data after the 220 to STARTTLS", &rest),
                    false,
                );
                return;
            }
            self.tls_pending = true;
            self.events.push_back(ClientEvent::StartTls);
            return;
        }
        if self.config.tls == TlsPolicy::Required {
            let text = format!("{} {}", reply.code, reply.text());
            self.fail(
                Error::remote_fatal(
                    "the server refused STARTTLS and TlsPolicy::Required forbids going on in cleartext",
                    text.as_bytes(),
                ),
                true,
            );
            return;
        }
        self.become_ready();
    }

    /// Reads complete lines and handles the replies they make.
    fn read_input(&mut self) {
        while !self.closed && self.events.is_empty() {
            if self.tls_pending {
                if !self.input.is_empty() {
                    let rest = self.input.clone();
                    self.fail(
                        Error::remote_fatal("cleartext data after the 220 to STARTTLS", &rest),
                        false,
                    );
                }
                return;
            }
            let line = match self.framer.next_line(&mut self.input) {
                Ok(Some(line)) => line,
                Ok(None) => return,
                Err(e) => {
                    // A client cannot resynchronise inside a reply.
                    let e = match e {
                        Error::Limit(l) => Error::limit(l.what, l.max, false),
                        Error::Remote(r) => {
                            Error::remote_fatal(r.reason().to_owned(), r.offending())
                        }
                        other => other,
                    };
                    self.fail(e, false);
                    return;
                }
            };
            self.on_line(line);
        }
    }

    fn on_line(&mut self, line: Bytes) {
        match self.assembler.push_line(&line) {
            Ok(Some(reply)) => self.on_reply(reply),
            Ok(None) => {}
            Err(e) => self.fail(Error::remote_fatal(e.reason().to_owned(), e.line()), false),
        }
    }
}

impl Machine for Client {
    type Event = ClientEvent;

    fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<()> {
        if self.closed {
            return Ok(());
        }
        // Replies already received come first.
        self.read_input();
        if self.closed {
            return Ok(());
        }
        let waiting_quit = self.in_flight.front().is_some_and(|f| f.sent == Sent::Quit);
        if self.in_flight.is_empty() && self.txn.is_none() && self.auth.is_none() || waiting_quit {
            self.events.push_back(ClientEvent::Closed(None));
            self.close();
        } else {
            self.fail(
                Error::remote_fatal("the server closed the connection before replying", b""),
                false,
            );
        }
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<ClientEvent>> {
        if self.events.is_empty() {
            self.read_input();
        }
        if let Some(event) = self.events.pop_front() {
            return Ok(Some(event));
        }
        if let Some(error) = self.fatal.take() {
            return Err(error);
        }
        if self.closed {
            // Nothing the server sends now can matter.
            self.input.clear();
        }
        Ok(None)
    }

    fn poll_transmit(&self) -> Option<&[u8]> {
        self.out.pending()
    }

    fn advance_transmit(&mut self, n: usize) {
        let n = n.min(self.out.len());
        if n > 0 {
            self.out.advance(n);
            self.written_total += n as u64;
            self.progress = true;
        }
        self.pump();
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.closed || self.tls_pending {
            return None;
        }
        let reply = self.in_flight.front().and_then(|f| f.deadline);
        let stall = if self.out.is_empty() {
            None
        } else {
            self.stalled_since
                .map(|s| s + self.config.timeouts.data_block)
        };
        match (reply, stall) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.now = Some(now);
        if self.closed || self.tls_pending {
            return;
        }
        if self.progress || self.stalled_since.is_none() {
            self.stalled_since = (!self.out.is_empty()).then_some(now);
        }
        self.progress = false;
        let written = self.written_total;
        for f in self.in_flight.iter_mut() {
            if f.deadline.is_none() {
                f.deadline = Some(now + f.timeout);
            }
        }
        if let Some(front) = self.in_flight.front_mut()
            && !front.rebased
            && written >= front.ends_at
        {
            // The wait for a reply starts when the command is written.
            front.rebased = true;
            front.deadline = Some(now + front.timeout);
        }
        if let Some(front) = self.in_flight.front()
            && front.deadline.is_some_and(|d| d <= now)
        {
            let what = format!("{:?}", front.sent);
            self.fail(
                Error::remote_fatal(
                    "the server did not reply in time (RFC 5321 §4.5.3.2)",
                    what.as_bytes(),
                ),
                false,
            );
            return;
        }
        if !self.out.is_empty()
            && self
                .stalled_since
                .is_some_and(|s| s + self.config.timeouts.data_block <= now)
        {
            self.fail(
                Error::remote_fatal(
                    "the server did not read our data in time (RFC 5321 §4.5.3.2.5)",
                    b"",
                ),
                false,
            );
        }
    }

    fn tls_pending(&self) -> bool {
        self.tls_pending
    }

    fn tls_established(&mut self, info: TlsInfo) -> Result<()> {
        if self.config.implicit_tls && !self.greeted && self.tls_info.is_none() {
            self.tls_info = Some(info);
            return Ok(());
        }
        if !self.tls_pending {
            return Err(Error::local("no TLS switch is pending"));
        }
        if !self.input.is_empty() {
            let rest = self.input.clone();
            self.fail(
                Error::remote_fatal("cleartext data after the 220 to STARTTLS", &rest),
                false,
            );
            return Err(self.fatal.take().unwrap_or_else(|| Error::local("closed")));
        }
        self.tls_pending = false;
        self.tls = true;
        self.tls_info = Some(info);
        // RFC 3207 §4.2: forget everything learned before TLS.
        self.ehlo = None;
        self.framer.reset();
        self.assembler.reset();
        let verb = self.first_hello();
        self.send_hello(verb);
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.closed
    }
}
