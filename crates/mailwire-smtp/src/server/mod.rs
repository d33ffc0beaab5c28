//! The SMTP / ESMTP / LMTP server state machine (RFC 5321, RFC 2033).
//!
//! [`Server`] is sans-IO: the driver feeds it bytes and the time, the
//! application answers its [`ServerEvent`]s with typed replies. The machine
//! owns everything the RFCs fix (command order, `503` for commands out of
//! sequence, the EHLO reply, the DATA and BDAT framing, SIZE, the recipient
//! limit, STARTTLS, AUTH, timeouts); the application decides whether to
//! take each sender, recipient and message.
//!
//! Commands are handled one at a time: while an event waits for its answer
//! the machine parses nothing more, so however many commands a pipelining
//! client sends in one packet (RFC 2920), their replies go out in order,
//! and the bytes after an accepted `DATA` are always read as the body.
//!
//! ```
//! use mailwire_core::Machine;
//! use mailwire_smtp::server::{Server, ServerConfig, ServerEvent};
//! use mailwire_smtp::Host;
//!
//! let config = ServerConfig::new(Host::try_from("mx.example.org").unwrap());
//! let mut server = Server::new(config);
//! server
//!     .receive(b"EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
//!     .unwrap();
//! let mut body = Vec::new();
//! let mut fed_body = false;
//! loop {
//!     match server.poll_event().unwrap() {
//!         Some(ServerEvent::DataChunk(chunk)) => body.extend_from_slice(&chunk),
//!         Some(ServerEvent::DataEnd { .. }) => {
//!             server.accept().unwrap();
//!             break;
//!         }
//!         Some(_) => server.accept().unwrap(),
//!         None if !fed_body => {
//!             server.receive(b"Hello\r\n..dot\r\n.\r\nQUIT\r\n").unwrap();
//!             fed_body = true;
//!         }
//!         None => unreachable!(),
//!     }
//! }
//! assert_eq!(body, b"Hello\r\n.dot\r\n");
//! while server.poll_event().unwrap().is_some() {}
//! assert!(server.is_closed());
//! let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
//! assert!(out.starts_with("220 mx.example.org ESMTP ready\r\n250-mx.example.org\r\n"));
//! assert!(out.ends_with("250 2.6.0 Message accepted\r\n221 2.0.0 mx.example.org Service closing transmission channel\r\n"));
//! ```

mod answer;
mod auth;
mod body;
mod command;
mod config;
mod event;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::BytesMut;
use mailwire_core::{DotDecoder, Error, LineFramer, Machine, Result, TlsInfo, Transmit};
use mailwire_sasl::ServerExchange;

use crate::encode::Encode;
use crate::types::{Body, EnhancedCode, Reply};

pub use config::{AuthConfig, Authenticator, Extensions, Inquiry, Limits, ServerConfig};
pub use event::{AbortReason, HelloKind, ServerEvent};

/// The server side of one SMTP or LMTP connection.
///
/// Built with its greeting already queued; driven through
/// [`Machine`]; answered through [`accept`](Self::accept),
/// [`reject`](Self::reject), [`send`](Self::send) and
/// [`auth_challenge`](Self::auth_challenge), each checked against the
/// event that waits (a misplaced answer is an [`Error::Local`] and
/// changes nothing).
pub struct Server {
    config: ServerConfig,
    input: BytesMut,
    framer: LineFramer,
    out: Transmit,
    events: VecDeque<ServerEvent>,
    phase: Phase,
    pending: Option<Pending>,
    session: Session,
    bad_commands: u32,
    auth_failures: u32,
    eof: bool,
    closed: bool,
    tls_pending: bool,
    /// When the client's time to speak runs out.
    deadline: Option<Instant>,
    /// Input bytes consumed so far, to notice new input in `handle_timeout`.
    consumed: u64,
    /// `consumed + buffered` at the last `handle_timeout`.
    seen: u64,
    /// The time of the last `handle_timeout`, from which activity the
    /// machine notices itself (an answer, a new phase) restarts the timer.
    last_now: Option<Instant>,
    /// The application answered: the client's time starts at the next
    /// `handle_timeout`, which `poll_timeout` asks for at once.
    restart: bool,
    /// The greeting was `554`: no service, only QUIT (RFC 5321 §3.1).
    refused: bool,
}

/// What the connection knows; forgotten at TLS.
#[derive(Debug, Default)]
struct Session {
    hello: Option<HelloKind>,
    tls: Option<TlsInfo>,
    authenticated: bool,
    txn: Option<Txn>,
}

/// A mail transaction: from an accepted MAIL to the end of the message.
#[derive(Debug)]
struct Txn {
    body: Option<Body>,
    smtputf8: bool,
    /// Accepted recipients.
    rcpts: usize,
    /// A BDAT chunk has been read: DATA and RCPT are out of sequence.
    chunking: bool,
    /// Body octets received by BDAT so far.
    size: u64,
}

/// What the machine reads next.
enum Phase {
    Command,
    /// A SASL response line.
    AuthLine(AuthRun),
    /// A DATA body.
    Data {
        decoder: DotDecoder,
        size: u64,
        too_big: bool,
    },
    /// A BDAT chunk being passed on.
    Bdat {
        remaining: u64,
        chunk: u64,
        last: bool,
    },
    /// A BDAT chunk being skipped; `reply` goes out after it.
    BdatSkip {
        remaining: u64,
        reply: Reply,
        bad_command: bool,
        abort: Option<AbortReason>,
    },
}

impl std::fmt::Debug for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Phase::Command => f.write_str("Command"),
            Phase::AuthLine(_) => f.write_str("AuthLine"),
            Phase::Data { size, .. } => write!(f, "Data({size})"),
            Phase::Bdat { remaining, .. } => write!(f, "Bdat({remaining})"),
            Phase::BdatSkip { remaining, .. } => write!(f, "BdatSkip({remaining})"),
        }
    }
}

/// Who runs a SASL exchange.
enum AuthRun {
    Machine(Box<ServerExchange>),
    App,
}

/// The event that waits for the application's answer.
#[derive(Debug)]
enum Pending {
    Hello(HelloKind),
    Mail {
        body: Option<Body>,
        smtputf8: bool,
    },
    Rcpt,
    /// `bdat`: the size and LAST flag of the first chunk.
    DataStart {
        bdat: Option<(u64, bool)>,
    },
    /// Answers still expected.
    DataEnd {
        remaining: usize,
    },
    Vrfy,
    Expn,
    Help,
    Auth,
}

/// A reply with an enhanced code, from static parts known to be valid.
pub(crate) fn reply(code: u16, enhanced: (u8, u16, u16), text: &str) -> Reply {
    Reply::with_text(code, text)
        .and_then(|r| r.enhanced(EnhancedCode::new(enhanced.0, enhanced.1, enhanced.2)?))
        .unwrap_or_else(|_| Reply::transaction_failed())
}

impl Server {
    /// A server connection in plaintext; the `220` greeting is queued.
    pub fn new(config: ServerConfig) -> Server {
        let framer = LineFramer::new(Self::command_frame_len(&config), config.line_ending);
        let mut server = Server {
            config,
            input: BytesMut::new(),
            framer,
            out: Transmit::new(),
            events: VecDeque::new(),
            phase: Phase::Command,
            pending: None,
            session: Session::default(),
            bad_commands: 0,
            auth_failures: 0,
            eof: false,
            closed: false,
            tls_pending: false,
            deadline: None,
            consumed: 0,
            seen: 0,
            last_now: None,
            restart: false,
            refused: false,
        };
        let greeting = Reply::service_ready(&server.config.hostname, &server.config.greeting);
        server.write_reply(greeting);
        server
    }

    /// A connection the application refuses (a blocked address, too many
    /// connections), greeted with `greeting` instead of `220`
    /// (RFC 5321 §3.1):
    ///
    /// * `554`: the server stays to answer QUIT with `221` and every other
    ///   command with `503 5.5.1` (RFC 5321 §3.1, §4.2.4), which counts
    ///   against [`Limits::max_bad_commands`]; no event but
    ///   [`ServerEvent::Quit`] is ever produced.
    /// * `421`: the connection closes once the greeting is written
    ///   (RFC 5321 §3.8).
    ///
    /// Any other code is an [`Error::Local`].
    pub fn refuse(config: ServerConfig, greeting: Reply) -> Result<Server> {
        let code = greeting.code.get();
        if code != 554 && code != 421 {
            return Err(Error::local(
                "a refusing greeting must be 554 or 421 (RFC 5321 §3.1)",
            ));
        }
        let mut server = Server::new(config);
        server.out = Transmit::new();
        server.refused = true;
        server.write_reply(greeting);
        Ok(server)
    }

    /// Whether the connection was refused with a `554` greeting
    /// ([`refuse`](Self::refuse)).
    pub fn is_refused(&self) -> bool {
        self.refused
    }

    /// A server connection that is TLS from the start (implicit TLS,
    /// RFC 8314): STARTTLS is not offered, AUTH is, and `info` feeds
    /// channel binding.
    pub fn with_tls(config: ServerConfig, info: TlsInfo) -> Server {
        let mut server = Server::new(config);
        server.session.tls = Some(info);
        server
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Whether TLS is active.
    pub fn is_tls(&self) -> bool {
        self.session.tls.is_some()
    }

    /// Whether the client has authenticated.
    pub fn is_authenticated(&self) -> bool {
        self.session.authenticated
    }

    /// Whether a mail transaction is open (a MAIL was accepted and the
    /// message has not been answered or reset).
    pub fn in_transaction(&self) -> bool {
        self.session.txn.is_some()
    }

    /// Whether an event waits for the application's answer.
    pub fn awaits_answer(&self) -> bool {
        self.pending.is_some()
    }

    /// Ends the connection from the server side: queues `421 4.3.2` and
    /// closes (RFC 5321 §3.8), e.g. when the server shuts down.
    pub fn shutdown(&mut self) {
        if !self.closed {
            self.pending = None;
            self.abort_body(AbortReason::ConnectionLost);
            let r = reply(
                421,
                (4, 3, 2),
                &format!(
                    "{} Service not available, closing transmission channel",
                    self.config.hostname
                ),
            );
            self.write_reply(r);
            self.close();
        }
    }

    fn command_frame_len(config: &ServerConfig) -> usize {
        config
            .limits
            .max_command_line
            .max(config.limits.max_auth_line)
    }

    /// Queues a reply, without enhanced code if ENHANCEDSTATUSCODES is off.
    /// A `421` closes the connection (RFC 5321 §3.8).
    fn write_reply(&mut self, mut r: Reply) {
        if self.closed {
            return;
        }
        if !self.config.extensions.enhanced_status_codes {
            r.enhanced = None;
        }
        r.encode(self.out.buffer());
        if r.code.get() == 421 {
            self.close();
        }
    }

    fn close(&mut self) {
        self.closed = true;
        self.pending = None;
        self.tls_pending = false;
        self.phase = Phase::Command;
        self.consumed += self.input.len() as u64;
        self.input.clear();
    }

    /// Answers a client's protocol error and counts it; too many close the
    /// connection with `421 4.7.0`.
    fn protocol_error(&mut self, r: Reply) -> Result<()> {
        self.write_reply(r);
        self.bad_commands += 1;
        let max = self.config.limits.max_bad_commands;
        if self.bad_commands >= max && !self.closed {
            self.write_reply(reply(421, (4, 7, 0), "Too many errors, closing connection"));
            self.close();
            return Err(Error::limit("bad_commands", u64::from(max), false));
        }
        Ok(())
    }

    /// Tells the application a body it was receiving is void.
    fn abort_body(&mut self, why: AbortReason) {
        let in_body = matches!(self.phase, Phase::Data { .. } | Phase::Bdat { .. })
            || self.session.txn.as_ref().is_some_and(|t| t.chunking);
        if in_body {
            self.events.push_back(ServerEvent::DataAborted(why));
        }
        self.session.txn = None;
    }

    /// One step of input processing; `false` when more input is needed.
    fn step(&mut self) -> Result<bool> {
        match self.phase {
            Phase::Command => match self.framer.next_line(&mut self.input) {
                Ok(None) => Ok(false),
                Ok(Some(line)) => self.on_command_line(line).map(|()| true),
                Err(Error::Limit(_)) => self.protocol_error(Reply::line_too_long()).map(|()| true),
                Err(_) => self
                    .protocol_error(reply(
                        500,
                        (5, 5, 2),
                        "Syntax error: bare CR or LF in command line",
                    ))
                    .map(|()| true),
            },
            Phase::AuthLine(_) => self.step_auth_line(),
            Phase::Data { .. } => Ok(self.step_data()),
            Phase::Bdat { .. } => Ok(self.step_bdat()),
            Phase::BdatSkip { .. } => self.step_bdat_skip(),
        }
    }

    /// The peer's stream ended with nothing more to process.
    fn on_eof(&mut self) {
        self.abort_body(AbortReason::ConnectionLost);
        self.close();
    }

    fn timeout(&self) -> std::time::Duration {
        match self.phase {
            Phase::Data { .. } | Phase::Bdat { .. } | Phase::BdatSkip { .. } => {
                self.config.limits.data_timeout
            }
            _ => self.config.limits.idle_timeout,
        }
    }

    /// The application answered: the client's turn begins, at a time the
    /// machine learns from the next `handle_timeout`.
    fn answered(&mut self) {
        self.restart = true;
        self.touch();
    }

    /// Restarts the client's timer from the last known time (that of the
    /// input just processed): the machine answered or changed phase.
    fn touch(&mut self) {
        if let Some(now) = self.last_now {
            self.deadline = now.checked_add(self.timeout());
        }
    }

    /// The timer runs only while the machine waits for the client.
    fn waits_for_client(&self) -> bool {
        !self.closed && !self.tls_pending && self.pending.is_none() && self.events.is_empty()
    }
}

impl std::fmt::Debug for Server {
    /// The state, without the buffered input (it may hold a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("phase", &self.phase)
            .field("pending", &self.pending)
            .field("session", &self.session)
            .field("buffered_input", &self.input.len())
            .field("pending_output", &self.out.len())
            .field("bad_commands", &self.bad_commands)
            .field("auth_failures", &self.auth_failures)
            .field("closed", &self.closed)
            .field("tls_pending", &self.tls_pending)
            .finish_non_exhaustive()
    }
}

impl Machine for Server {
    type Event = ServerEvent;

    fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<()> {
        self.eof = true;
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<ServerEvent>> {
        loop {
            if let Some(e) = self.events.pop_front() {
                return Ok(Some(e));
            }
            if self.closed {
                self.consumed += self.input.len() as u64;
                self.input.clear();
                return Ok(None);
            }
            if self.tls_pending {
                if !self.input.is_empty() {
                    return Err(self.plaintext_injection());
                }
                return Ok(None);
            }
            if self.pending.is_some() || self.out.len() >= self.config.limits.max_pending_output {
                return Ok(None);
            }
            let before = self.input.len();
            let progressed = self.step();
            self.consumed += before.saturating_sub(self.input.len()) as u64;
            if before != self.input.len() {
                self.touch();
            }
            if !progressed? {
                if self.eof {
                    self.on_eof();
                    continue;
                }
                return Ok(None);
            }
        }
    }

    fn poll_transmit(&self) -> Option<&[u8]> {
        self.out.pending()
    }

    fn advance_transmit(&mut self, n: usize) {
        self.out.advance(n);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if !self.waits_for_client() {
            None
        } else if self.restart {
            // The answer may have taken a while: learn the time now.
            self.last_now.or(self.deadline)
        } else {
            self.deadline
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.last_now = Some(now);
        let total = self.consumed + self.input.len() as u64;
        if total != self.seen || self.deadline.is_none() || self.restart {
            self.restart = false;
            // New bytes from the client: its time starts again.
            self.seen = total;
            self.deadline = now.checked_add(self.timeout());
            return;
        }
        if self.waits_for_client() && self.deadline.is_some_and(|d| now >= d) {
            self.abort_body(AbortReason::ConnectionLost);
            let r = reply(
                421,
                (4, 4, 2),
                &format!("{} Timeout, closing connection", self.config.hostname),
            );
            self.write_reply(r);
            self.close();
        }
    }

    fn tls_pending(&self) -> bool {
        self.tls_pending
    }

    fn tls_established(&mut self, info: TlsInfo) -> Result<()> {
        if !self.tls_pending {
            return Err(Error::local("tls_established without a STARTTLS switch"));
        }
        if !self.input.is_empty() {
            return Err(self.plaintext_injection());
        }
        self.tls_pending = false;
        // RFC 3207 §4.2: forget everything learned before TLS.
        self.session = Session {
            tls: Some(info),
            ..Session::default()
        };
        self.phase = Phase::Command;
        self.framer.reset();
        self.touch();
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.closed
    }
}

impl Server {
    /// Bytes that arrived in plaintext past the STARTTLS line: possibly
    /// injected (CVE-2011-0411); nothing of it is executed.
    fn plaintext_injection(&mut self) -> Error {
        let err = Error::remote_fatal("plaintext data after STARTTLS", &self.input);
        self.close();
        err
    }
}
