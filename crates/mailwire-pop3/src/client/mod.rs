//! The client state machine: greeting (with the APOP timestamp), CAPA,
//! STLS, login by the strongest means allowed, the TRANSACTION commands
//! with pipelining when offered (RFC 2449 §6.6), and message bodies
//! streamed as `Bytes` chunks.
//!
//! Each command method queues a command; answers come back in order as
//! [`ClientEvent`]s from [`Machine::poll_event`].

mod commands;
mod login;
mod read;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mailwire_core::{DotDecoder, Error, LineEnding, LineFramer, Machine, TlsInfo, Transmit};

pub use login::{SaslClient, apop_digest};

use crate::Limits;
use crate::types::{
    Capability, Command, DropListing, LangListing, MsgNum, Response, ScanListing, Text, Timestamp,
    UidListing,
};

/// Configuration of one client connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// Send passwords (USER/PASS, SASL mechanisms that expose the secret)
    /// without TLS. Off by default (RFC 2595 §2.2, RFC 5034 §4).
    pub allow_plaintext_auth: bool,
    /// Let [`Client::login`] use APOP (RFC 1939 §7) when the greeting has
    /// a timestamp. Off by default: APOP's MD5 is weak, and it needs the
    /// password in clear on the server.
    pub allow_apop: bool,
    /// The connection is already TLS (port 995, RFC 8314).
    pub implicit_tls: bool,
    /// Send `CAPA` after the greeting and again after TLS. Default on.
    pub auto_capa: bool,
    /// Pipeline TRANSACTION commands when the server offers PIPELINING.
    /// Default on.
    pub pipelining: bool,
    /// Line-ending policy for server lines and bodies: strict CRLF by
    /// default.
    pub line_ending: LineEnding,
    /// How long to wait for the server: when an answer is expected and
    /// nothing arrives or leaves for this long, the connection fails with
    /// a fatal error. RFC 1939 §3 lets a server drop an idle session after
    /// ten minutes, so a server silent for longer will not answer.
    /// Default: 5 minutes. `None` waits forever.
    pub response_timeout: Option<Duration>,
    /// Bounds.
    pub limits: Limits,
}

impl ClientConfig {
    /// Safe defaults: no credentials without TLS, no APOP, CAPA and
    /// pipelining on.
    pub fn new() -> Self {
        ClientConfig {
            allow_plaintext_auth: false,
            allow_apop: false,
            implicit_tls: false,
            auto_capa: true,
            pipelining: true,
            line_ending: LineEnding::Strict,
            response_timeout: Some(Duration::from_secs(300)),
            limits: Limits::default(),
        }
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// What the client machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientEvent {
    /// The server's `+OK` greeting (RFC 1939 §4).
    Greeting {
        /// Its text.
        text: Text,
        /// The APOP timestamp found in it (RFC 1939 §7), if any.
        apop_timestamp: Option<Timestamp>,
    },
    /// The answer to `CAPA` (RFC 2449 §5); empty when the server does not
    /// know CAPA.
    Capabilities(Vec<Capability>),
    /// `+OK` to `STLS`: write pending output, do the TLS handshake, call
    /// [`Machine::tls_established`] (RFC 2595 §4).
    StartTls,
    /// Login succeeded; the session is in TRANSACTION.
    LoggedIn,
    /// Login failed (the last `-ERR` of USER/PASS, APOP or AUTH, or a
    /// failed SASL exchange); the session stays in AUTHORIZATION.
    LoginFailed(Response),
    /// The answer to `STAT`.
    Stat(DropListing),
    /// One scan listing of `LIST` (one, or one per message).
    List(ScanListing),
    /// The end of a `LIST` answer.
    ListEnd,
    /// One unique-id listing of `UIDL`.
    Uidl(UidListing),
    /// The end of a `UIDL` answer.
    UidlEnd,
    /// One language listing of `LANG` (RFC 6856 §3).
    Lang(LangListing),
    /// The end of a `LANG` listing.
    LangEnd,
    /// `+OK` to `RETR` (`lines: None`) or `TOP`: the body follows.
    RetrStart {
        /// The message.
        msg: MsgNum,
        /// The `TOP` line count.
        lines: Option<u32>,
    },
    /// A piece of the body, dot-stuffing removed, CRLF line endings as
    /// sent; a slice of the input buffer.
    RetrChunk(Bytes),
    /// The end of the body.
    RetrEnd,
    /// `+OK` to a command with nothing more to report (DELE, RSET, NOOP,
    /// UTF8, LANG with an argument, QUIT).
    Done {
        /// The command keyword.
        command: &'static str,
        /// The response.
        response: Response,
    },
    /// `-ERR` to a command other than a login step.
    Failed {
        /// The command keyword.
        command: &'static str,
        /// The response.
        response: Response,
    },
}

/// What an answer in flight belongs to.
#[derive(Debug, Clone)]
enum Expect {
    Greeting,
    /// A command other than a login step.
    Plain(Command),
    /// USER of a USER/PASS login; PASS with this password follows on `+OK`.
    User(Command, crate::types::Password),
    /// The final login step: PASS, APOP or AUTH.
    Login(Command),
}

/// How the machine reads the next bytes.
#[derive(Debug)]
enum Reading {
    Status,
    /// Lines of a multi-line listing of this command.
    Listing(ListingKind),
    Body(DotDecoder),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListingKind {
    Capa,
    List,
    Uidl,
    Lang,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Authorization,
    Transaction,
}

/// A POP3 client connection (sans-IO).
///
/// ```
/// use mailwire_core::Machine;
/// use mailwire_pop3::{Client, ClientConfig, ClientEvent};
///
/// let mut client = Client::new(ClientConfig::new());
/// client.receive(b"+OK POP3 ready <1.2@host>\r\n").unwrap();
/// let event = client.poll_event().unwrap().unwrap();
/// assert!(matches!(event, ClientEvent::Greeting { apop_timestamp: Some(_), .. }));
/// assert_eq!(client.poll_transmit().unwrap(), b"CAPA\r\n");
/// ```
pub struct Client {
    config: ClientConfig,
    input: BytesMut,
    framer: LineFramer,
    out: Transmit,
    events: VecDeque<ClientEvent>,
    /// Sent commands, oldest first; the front one is being answered.
    in_flight: VecDeque<Expect>,
    /// Commands not yet sent (waiting for an answer before them).
    queued: VecDeque<Expect>,
    reading: Reading,
    phase: Phase,
    capabilities: Option<Vec<Capability>>,
    /// Capabilities of the CAPA answer being read.
    capa_acc: Vec<Capability>,
    apop_timestamp: Option<Timestamp>,
    sasl: Option<Box<dyn SaslClient>>,
    tls: bool,
    tls_pending: bool,
    tls_info: Option<TlsInfo>,
    closed: bool,
    quit_sent: bool,
    /// When the wait for the server's answer times out; set by
    /// `handle_timeout` while an answer is expected.
    deadline: Option<Instant>,
    /// Bytes arrived or left since the last `handle_timeout`.
    activity: bool,
    /// A failure found by `handle_timeout`, returned by `poll_event`.
    timed_out: Option<Error>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("phase", &self.phase)
            .field("reading", &self.reading)
            .field("in_flight", &self.in_flight.len())
            .field("queued", &self.queued.len())
            .field("tls", &self.tls)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A new connection, waiting for the greeting.
    pub fn new(config: ClientConfig) -> Self {
        let framer = LineFramer::new(config.limits.response_line, config.line_ending);
        let mut in_flight = VecDeque::new();
        in_flight.push_back(Expect::Greeting);
        Client {
            tls: config.implicit_tls,
            config,
            input: BytesMut::new(),
            framer,
            out: Transmit::new(),
            events: VecDeque::new(),
            in_flight,
            queued: VecDeque::new(),
            reading: Reading::Status,
            phase: Phase::Authorization,
            capabilities: None,
            capa_acc: Vec::new(),
            apop_timestamp: None,
            sasl: None,
            tls_pending: false,
            tls_info: None,
            closed: false,
            quit_sent: false,
            deadline: None,
            activity: false,
            timed_out: None,
        }
    }

    /// A new connection that is under TLS from its first byte (POP3S,
    /// RFC 8314 §3.3), with what the handshake told about it, so that SASL
    /// `-PLUS` mechanisms can bind to the channel.
    pub fn with_tls(mut config: ClientConfig, info: TlsInfo) -> Self {
        config.implicit_tls = true;
        let mut client = Client::new(config);
        client.tls_info = Some(info);
        client
    }

    /// The capabilities of the last `CAPA` answer, if one came since the
    /// greeting or the TLS switch.
    pub fn capabilities(&self) -> Option<&[Capability]> {
        self.capabilities.as_deref()
    }

    /// Whether the server listed `cap` (compared by kind, ignoring
    /// arguments).
    pub fn has_capability(&self, cap: &Capability) -> bool {
        self.capabilities.as_deref().is_some_and(|caps| {
            caps.iter()
                .any(|c| std::mem::discriminant(c) == std::mem::discriminant(cap))
        })
    }

    /// Whether TLS is active.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Whether the session is in TRANSACTION state.
    pub fn is_logged_in(&self) -> bool {
        self.phase == Phase::Transaction
    }

    /// The APOP timestamp of the greeting.
    pub fn apop_timestamp(&self) -> Option<&Timestamp> {
        self.apop_timestamp.as_ref()
    }

    fn fail(&mut self, error: Error) -> Error {
        self.closed = true;
        self.input.clear();
        self.tls_pending = false;
        error
    }
}

impl Machine for Client {
    type Event = ClientEvent;

    fn receive(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        if self.input.len().saturating_add(data.len()) > self.config.limits.input_buffer {
            let limit = self.config.limits.input_buffer as u64;
            return Err(self.fail(Error::limit("input_buffer", limit, false)));
        }
        self.input.extend_from_slice(data);
        self.activity = true;
        Ok(())
    }

    fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        let expected = !self.in_flight.is_empty();
        self.closed = true;
        if expected && !self.quit_sent {
            return Err(Error::remote_fatal(
                "the server closed the connection before answering",
                &self.input,
            ));
        }
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<ClientEvent>, Error> {
        if let Some(error) = self.timed_out.take() {
            return Err(error);
        }
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(Some(event));
            }
            if self.closed || self.tls_pending {
                return Ok(None);
            }
            if !self.read_step()? {
                return Ok(None);
            }
        }
    }

    fn poll_transmit(&self) -> Option<&[u8]> {
        self.out.pending()
    }

    fn advance_transmit(&mut self, n: usize) {
        if n > 0 {
            self.activity = true;
        }
        self.out.advance(n);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.closed || self.tls_pending {
            return None;
        }
        self.deadline
    }

    /// The wait for an answer restarts whenever bytes arrive or leave (a
    /// long RETR body keeps the connection alive); with nothing expected
    /// there is no deadline.
    fn handle_timeout(&mut self, now: Instant) {
        let waiting = !self.in_flight.is_empty() && !self.closed && !self.tls_pending;
        let Some(timeout) = self.config.response_timeout.filter(|_| waiting) else {
            self.deadline = None;
            self.activity = false;
            return;
        };
        match self.deadline {
            Some(deadline) if !self.activity && deadline <= now => {
                self.deadline = None;
                let what = match self.in_flight.front() {
                    Some(Expect::Greeting) => "greeting".to_string(),
                    Some(Expect::Plain(c) | Expect::User(c, _) | Expect::Login(c)) => {
                        c.keyword().to_string()
                    }
                    None => String::new(),
                };
                let error =
                    Error::remote_fatal("the server did not answer in time", what.as_bytes());
                self.timed_out = Some(self.fail(error));
            }
            Some(_) if !self.activity => {}
            _ => self.deadline = Some(now + timeout),
        }
        self.activity = false;
    }

    fn tls_pending(&self) -> bool {
        self.tls_pending
    }

    fn tls_established(&mut self, info: TlsInfo) -> Result<(), Error> {
        if self.closed {
            return Err(Error::local("the connection is closed"));
        }
        if !self.tls_pending {
            return Err(Error::local("no STLS switch is pending"));
        }
        if !self.input.is_empty() {
            let err =
                Error::remote_fatal("the server sent plaintext after +OK to STLS", &self.input);
            return Err(self.fail(err));
        }
        // Forget what the server said before TLS (RFC 2595 §4).
        self.tls_pending = false;
        self.tls = true;
        self.tls_info = Some(info);
        self.capabilities = None;
        self.framer.reset();
        if self.config.auto_capa {
            self.enqueue(Expect::Plain(Command::Capa));
        }
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.closed
    }
}
