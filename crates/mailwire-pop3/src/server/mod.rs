//! The server state machine: AUTHORIZATION, TRANSACTION and UPDATE
//! (RFC 1939 §3-§6) with CAPA, STLS, AUTH, UTF8, LANG and pipelining.
//!
//! The machine answers everything it can decide itself (CAPA, STAT, LIST,
//! UIDL, DELE, RSET, NOOP, STLS, ...) and asks the application through
//! [`ServerEvent`]s for what only the application knows: whether
//! credentials are right, whether the maildrop can be opened (and locked),
//! the message bodies, and, at the end of a transaction, which deletions
//! to commit. While the machine waits for such an answer it parses no
//! further command, so answers to pipelined commands go out in order
//! (RFC 2449 §6.6).

mod answer;
mod body;
mod config;
mod dispatch;

use std::collections::VecDeque;
use std::time::Instant;

use bytes::BytesMut;
use mailwire_core::{Error, LineFramer, Machine, TlsInfo, Transmit};

pub use config::{MessageInfo, ServerConfig};

use crate::encode::Encode;
use crate::types::{
    Arg, Digest, LangTag, MechanismName, MsgNum, Password, Response, ResponseCode, Status,
    Timestamp, Uid,
};
use body::BodyOut;

/// What the server machine asks of the application.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// `USER` then `PASS` (RFC 1939 §7): check the password, then call
    /// [`Server::accept_login`] or [`Server::reject_login`].
    UserPass {
        /// The user name.
        user: Arg,
        /// The password.
        password: Password,
    },
    /// `APOP` (RFC 1939 §7): compare `digest` with MD5(timestamp ||
    /// secret), then accept or reject the login.
    Apop {
        /// The user name.
        user: Arg,
        /// The digest the client sent.
        digest: Digest,
        /// The timestamp of this connection's greeting.
        timestamp: Timestamp,
    },
    /// `AUTH` (RFC 5034 §4) for one of the configured mechanisms: start a
    /// SASL server exchange and answer with [`Server::auth_challenge`],
    /// [`Server::accept_login`] or [`Server::reject_login`].
    AuthStart {
        /// The mechanism.
        mechanism: MechanismName,
        /// The decoded initial response, if the client sent one.
        initial_response: Option<Vec<u8>>,
    },
    /// The client's (decoded) answer to the last challenge; answer as for
    /// [`AuthStart`](Self::AuthStart).
    AuthResponse(Vec<u8>),
    /// The client cancelled the exchange (or sent invalid base64, or an
    /// over-long line); the machine already answered `-ERR`. Drop the
    /// exchange.
    AuthCancelled,
    /// Authentication succeeded: open and lock the maildrop of `user`,
    /// then call [`Server::maildrop_opened`] or [`Server::maildrop_failed`]
    /// (for example with [`ResponseCode::InUse`], RFC 2449 §8.1.1).
    OpenMaildrop {
        /// The identity passed to [`Server::accept_login`].
        user: String,
    },
    /// `RETR` of a message that exists and is not deleted: send it with
    /// [`Server::send_body`] (in chunks) and [`Server::finish_body`], or
    /// refuse it with [`Server::reject_message`].
    Retr {
        /// The message number.
        msg: MsgNum,
        /// Its unique-id.
        uid: Uid,
    },
    /// `TOP` (RFC 1939 §7): send the message as for [`Retr`](Self::Retr);
    /// the machine cuts it after the header and `lines` body lines, so the
    /// application may send the whole message or stop early.
    Top {
        /// The message number.
        msg: MsgNum,
        /// Its unique-id.
        uid: Uid,
        /// Body lines wanted.
        lines: u32,
    },
    /// `STLS` was accepted and `+OK` queued (RFC 2595 §4): once it is
    /// written, do the TLS handshake and call
    /// [`Machine::tls_established`].
    StartTls,
    /// `UTF8` switched the session to UTF-8 mode (RFC 6856 §2.1).
    Utf8,
    /// `LANG` selected a language for response texts (RFC 6856 §3).
    Language(LangTag),
    /// `QUIT` in TRANSACTION: enter UPDATE (RFC 1939 §6). Remove the
    /// deleted messages, release the maildrop, then call
    /// [`Server::update_done`].
    Update {
        /// The maildrop's user.
        user: String,
        /// The messages marked deleted, by number and unique-id.
        deleted: Vec<(MsgNum, Uid)>,
    },
    /// The session ended in TRANSACTION without QUIT (end of stream,
    /// autologout, too many bad commands, a fatal error): release the
    /// maildrop without removing anything (RFC 1939 §6).
    Released {
        /// The maildrop's user.
        user: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Authorization,
    Transaction,
    Update,
}

/// What the machine waits for from the application.
#[derive(Debug)]
enum Awaiting {
    Nothing,
    /// USER/PASS or APOP is being checked.
    Credentials,
    /// An AUTH exchange: the application's turn.
    SaslStep,
    /// An AUTH exchange: the client's turn (next line is a SASL response).
    SaslClient,
    Maildrop {
        user: String,
    },
    Body(BodyOut),
    Update,
}

/// The maildrop as the application described it, with deletion marks.
#[derive(Debug)]
struct Maildrop {
    user: String,
    messages: Vec<MessageInfo>,
    deleted: Vec<bool>,
}

impl Maildrop {
    fn live(&self, msg: MsgNum) -> Option<&MessageInfo> {
        let i = msg.index();
        match (self.messages.get(i), self.deleted.get(i)) {
            (Some(m), Some(false)) => Some(m),
            _ => None,
        }
    }

    fn totals(&self) -> (u32, u64) {
        let mut count = 0u32;
        let mut size = 0u64;
        for (m, d) in self.messages.iter().zip(&self.deleted) {
            if !d {
                count = count.saturating_add(1);
                size = size.saturating_add(m.size);
            }
        }
        (count, size)
    }
}

/// A POP3 server connection (sans-IO).
///
/// ```
/// use mailwire_core::Machine;
/// use mailwire_pop3::{Server, ServerConfig, ServerEvent};
/// use mailwire_pop3::server::MessageInfo;
/// use mailwire_pop3::types::Uid;
///
/// let mut config = ServerConfig::new();
/// config.allow_plaintext_auth = true; // this example has no TLS
/// let mut server = Server::new(config);
/// assert!(server.poll_transmit().unwrap().starts_with(b"+OK"));
/// let n = server.poll_transmit().unwrap().len();
/// server.advance_transmit(n);
///
/// server.receive(b"USER alice\r\nPASS secret\r\nRETR 1\r\nQUIT\r\n").unwrap();
/// let mut out = Vec::new();
/// while let Some(event) = server.poll_event().unwrap() {
///     match event {
///         ServerEvent::UserPass { password, .. } if password.as_str() == "secret" => {
///             server.accept_login("alice").unwrap()
///         }
///         ServerEvent::OpenMaildrop { .. } => server
///             .maildrop_opened(vec![MessageInfo { size: 6, uid: Uid::new("a1").unwrap() }])
///             .unwrap(),
///         ServerEvent::Retr { .. } => {
///             server.send_body(b".hi\r\n").unwrap();
///             server.finish_body().unwrap();
///         }
///         ServerEvent::Update { deleted, .. } => {
///             assert!(deleted.is_empty());
///             server.update_done(Ok(())).unwrap();
///         }
///         other => panic!("{other:?}"),
///     }
/// }
/// out.extend_from_slice(server.poll_transmit().unwrap());
/// let text = String::from_utf8(out).unwrap();
/// assert!(text.contains("\r\n..hi\r\n.\r\n"));
/// assert!(server.is_closed());
/// ```
#[derive(Debug)]
pub struct Server {
    config: ServerConfig,
    input: BytesMut,
    framer: LineFramer,
    out: Transmit,
    events: VecDeque<ServerEvent>,
    state: State,
    awaiting: Awaiting,
    /// The name given by USER, waiting for PASS.
    user: Option<Arg>,
    maildrop: Option<Maildrop>,
    tls: bool,
    tls_pending: bool,
    utf8_mode: bool,
    bad_commands: u32,
    failed_logins: u32,
    closed: bool,
    /// Input or output happened since the last `handle_timeout`.
    activity: bool,
    deadline: Option<Instant>,
}

impl Server {
    /// A new connection; the greeting is already queued for output.
    pub fn new(mut config: ServerConfig) -> Self {
        config.autologout = config.autologout.max(ServerConfig::MIN_AUTOLOGOUT);
        let framer = LineFramer::new(config.limits.command_line, config.line_ending);
        let mut server = Server {
            tls: config.implicit_tls,
            config,
            input: BytesMut::new(),
            framer,
            out: Transmit::new(),
            events: VecDeque::new(),
            state: State::Authorization,
            awaiting: Awaiting::Nothing,
            user: None,
            maildrop: None,
            tls_pending: false,
            utf8_mode: false,
            bad_commands: 0,
            failed_logins: 0,
            closed: false,
            activity: true,
            deadline: None,
        };
        let mut text = server.config.greeting.as_str().to_owned();
        if let Some(ts) = &server.config.apop_timestamp {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(ts.as_str());
        }
        let greeting = Response {
            status: Status::Ok,
            code: None,
            // Both parts are valid text, joined by a space.
            text: crate::types::Text::new(text).unwrap_or_default(),
        };
        server.respond(&greeting);
        server
    }

    /// Whether TLS is active (implicit, or after STLS).
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Whether the session is in UTF-8 mode (RFC 6856 §2.1).
    pub fn is_utf8(&self) -> bool {
        self.utf8_mode
    }

    /// How many bytes wait to be written; an application streaming a body
    /// with [`send_body`](Self::send_body) should let this drain before
    /// sending more, to bound memory.
    pub fn pending_output(&self) -> usize {
        self.out.len()
    }

    fn respond(&mut self, response: &Response) {
        response.encode(self.out.buffer());
    }

    fn respond_fixed(&mut self, status: Status, code: Option<ResponseCode>, text: &'static str) {
        self.respond(&Response::fixed(status, code, text));
    }

    fn credentials_allowed(&self) -> bool {
        self.tls || self.config.allow_plaintext_auth
    }

    /// Ends the connection; a transaction in progress is released without
    /// UPDATE (RFC 1939 §6).
    fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        self.input.clear();
        self.tls_pending = false;
        if self.state == State::Transaction {
            if let Some(drop) = self.maildrop.take() {
                self.events
                    .push_back(ServerEvent::Released { user: drop.user });
            }
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        self.close();
        error
    }

    /// A bad command was answered; too many close the connection.
    fn bad_command(&mut self, text: &'static str) {
        self.bad_commands = self.bad_commands.saturating_add(1);
        if self.bad_commands >= self.config.limits.bad_commands {
            self.respond_fixed(Status::Err, None, "too many bad commands, closing");
            self.close();
        } else {
            self.respond_fixed(Status::Err, None, text);
        }
    }
}

impl Machine for Server {
    type Event = ServerEvent;

    fn receive(&mut self, data: &[u8]) -> Result<(), Error> {
        if self.closed {
            return Ok(());
        }
        if self.input.len().saturating_add(data.len()) > self.config.limits.input_buffer {
            let limit = self.config.limits.input_buffer as u64;
            return Err(self.fail(Error::limit("input_buffer", limit, false)));
        }
        self.activity = true;
        self.input.extend_from_slice(data);
        Ok(())
    }

    fn input_buffer(&mut self) -> &mut BytesMut {
        self.activity = true;
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<(), Error> {
        // After QUIT the UPDATE still completes; otherwise the session ends.
        if !matches!(self.awaiting, Awaiting::Update) {
            self.close();
        }
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<ServerEvent>, Error> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(Some(event));
            }
            if self.closed {
                return Ok(None);
            }
            if self.tls_pending {
                if !self.input.is_empty() {
                    // RFC 2595 §4 / DESIGN: plaintext past the switch point
                    // is an injection attempt; discard it and fail.
                    let err = Error::remote_fatal(
                        "plaintext sent after STLS before the TLS handshake",
                        &self.input,
                    );
                    return Err(self.fail(err));
                }
                return Ok(None);
            }
            let sasl = matches!(self.awaiting, Awaiting::SaslClient);
            if !sasl && !matches!(self.awaiting, Awaiting::Nothing) {
                return Ok(None);
            }
            let max = if sasl {
                self.config.limits.sasl_line
            } else {
                self.config.limits.command_line
            };
            self.framer.set_max_len(max);
            match self.framer.next_line(&mut self.input) {
                Ok(None) => return Ok(None),
                Ok(Some(line)) if sasl => self.sasl_line(&line),
                Ok(Some(line)) => self.command_line(&line)?,
                Err(e) => {
                    if sasl {
                        self.awaiting = Awaiting::Nothing;
                        self.respond_fixed(Status::Err, None, "authentication failed: bad line");
                        self.events.push_back(ServerEvent::AuthCancelled);
                    } else {
                        self.bad_command(match e {
                            Error::Limit(_) => "line too long",
                            _ => "lines must end with CRLF",
                        });
                    }
                }
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
        if self.closed { None } else { self.deadline }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.closed {
            return;
        }
        let app_busy = !matches!(self.awaiting, Awaiting::Nothing | Awaiting::SaslClient);
        if self.activity || app_busy || self.deadline.is_none() {
            self.activity = false;
            self.deadline = Some(now + self.config.autologout);
            return;
        }
        if self.deadline.is_some_and(|d| now >= d) {
            // RFC 1939 §3: close without entering UPDATE.
            self.respond_fixed(Status::Err, None, "autologout: idle for too long");
            self.close();
        }
    }

    fn tls_pending(&self) -> bool {
        self.tls_pending
    }

    fn tls_established(&mut self, _info: TlsInfo) -> Result<(), Error> {
        if self.closed {
            return Err(Error::local("the connection is closed"));
        }
        if !self.tls_pending {
            return Err(Error::local("no STLS switch is pending"));
        }
        if !self.input.is_empty() {
            let err = Error::remote_fatal(
                "plaintext sent after STLS before the TLS handshake",
                &self.input,
            );
            return Err(self.fail(err));
        }
        // Forget everything learned before TLS (RFC 2595 §4).
        self.tls_pending = false;
        self.tls = true;
        self.user = None;
        self.utf8_mode = false;
        self.framer.reset();
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.closed
    }
}
