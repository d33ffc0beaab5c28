//! One SMTP session: connect (optionally with implicit TLS), let the client
//! machine greet, upgrade with STARTTLS and authenticate, send the message,
//! and collect the reply that decided each recipient's fate.

use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use mailwire::core::Machine;
use mailwire::sasl::Credentials;
use mailwire::smtp::client::{Client, ClientConfig, ClientEvent, Envelope, TlsPolicy};
use mailwire::smtp::{AddressLiteral, ForwardPath, Host, Mailbox, Reply, ReversePath};
use mailwire_tokio::{
    ClientTls, Connection, ConnectionConfig, EndReason, MaybeTlsStream, StartTls, connect_tcp,
};
use tokio::net::TcpStream;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Cleartext.
    None,
    /// STARTTLS, required (RFC 3207).
    StartTls,
    /// TLS from the first byte (RFC 8314 §3.3).
    Implicit,
}

/// A recipient as given on the command line.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// The text the user gave, for the report.
    pub text: String,
    /// The parsed address.
    pub mailbox: Mailbox,
}

/// What the session needs to know.
#[derive(Debug)]
pub struct Settings {
    /// The server's host name or IP address (also the TLS name).
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// TLS or not.
    pub security: Security,
    /// Trust only this PEM file.
    pub ca: Option<PathBuf>,
    /// User and password.
    pub credentials: Option<(String, String)>,
    /// Credentials may go out without TLS.
    pub allow_cleartext_auth: bool,
    /// MAIL FROM.
    pub from: ReversePath,
    /// RCPT TO, in order.
    pub recipients: Vec<Recipient>,
    /// The EHLO name; `None`: our address literal.
    pub helo: Option<Host>,
    /// Connect, handshake and reply timeout.
    pub timeout: Duration,
    /// Report steps on stderr.
    pub verbose: bool,
}

/// The fate of one recipient.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The server's reply that decided it: to RCPT when refused there, else
    /// the reply after the data (or to MAIL or DATA when those failed).
    Reply(Reply),
    /// The session ended before the server said anything about it.
    NotSent(String),
}

/// Why the session failed as a whole.
#[derive(Debug)]
pub enum SessionError {
    /// No TCP connection.
    Connect(String),
    /// TLS could not be set up or verified.
    Tls(String),
    /// Authentication failed or was impossible.
    Auth(String),
    /// The message cannot go to this server (too large for its SIZE,
    /// 8-bit or UTF-8 content it does not accept).
    MessageRefused(String),
    /// The server broke the protocol, closed the connection, or stopped
    /// answering.
    Session(String),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Connect(m)
            | SessionError::Tls(m)
            | SessionError::Auth(m)
            | SessionError::MessageRefused(m)
            | SessionError::Session(m) => f.write_str(m),
        }
    }
}

/// The result of a session: one outcome per recipient (in order) and the
/// error that ended it early, if any.
#[derive(Debug)]
pub struct Report {
    /// Per recipient, in the order given.
    pub outcomes: Vec<Outcome>,
    /// What went wrong with the session as a whole.
    pub error: Option<SessionError>,
}

/// A reply as one line: `250 2.0.0 text` (multi-line texts joined).
pub fn reply_line(reply: &Reply) -> String {
    match reply.enhanced {
        Some(enhanced) => format!("{} {} {}", reply.code, enhanced, reply.text()),
        None => format!("{} {}", reply.code, reply.text()),
    }
}

/// Runs the session.
pub async fn send(settings: &Settings, body: Vec<u8>) -> Report {
    let mut state = State {
        outcomes: vec![None; settings.recipients.len()],
        rcpt_answered: vec![false; settings.recipients.len()],
        rcpt_accepted: vec![false; settings.recipients.len()],
        last_rcpt_refusal: None,
        batches: VecDeque::new(),
        finished: false,
    };
    let error = run(settings, Bytes::from(body), &mut state).await.err();
    let why = match &error {
        Some(SessionError::Connect(_)) => "no connection",
        Some(SessionError::Tls(_)) => "TLS failed",
        Some(SessionError::Auth(_)) => "authentication failed",
        Some(SessionError::MessageRefused(_)) => "message not sent",
        Some(SessionError::Session(_)) | None => "the session ended early",
    };
    let outcomes = state
        .outcomes
        .into_iter()
        .map(|o| o.unwrap_or_else(|| Outcome::NotSent(why.to_owned())))
        .collect();
    Report { outcomes, error }
}

/// What the session has learnt so far.
struct State {
    outcomes: Vec<Option<Outcome>>,
    /// RCPT was answered for this recipient.
    rcpt_answered: Vec<bool>,
    /// ... and accepted.
    rcpt_accepted: Vec<bool>,
    /// The reply to the last refused RCPT.
    last_rcpt_refusal: Option<Reply>,
    /// The recipients (indexes) of each transaction queued and not yet
    /// over, oldest first: one, or several when the server's LIMITS
    /// (RFC 9422) made the client split the message.
    batches: VecDeque<Vec<usize>>,
    /// Every transaction is over (successfully or not).
    finished: bool,
}

impl State {
    /// The transaction ended without data accepted. The machine reports
    /// the reply that decided it: MAIL's refusal, else the last RCPT
    /// refusal (no recipient accepted), else DATA's refusal.
    fn transaction_failed(&mut self, reply: Reply) {
        let batch = self.transaction_over();
        let any_accepted = batch.iter().any(|&i| self.rcpt_accepted[i]);
        if any_accepted || self.last_rcpt_refusal.as_ref() == Some(&reply) {
            // DATA was refused (the accepted recipients share its fate), or
            // every recipient was refused on its own: keep those replies.
            for &i in &batch {
                if self.outcomes[i].is_none() {
                    self.outcomes[i] = Some(Outcome::Reply(reply.clone()));
                }
            }
        } else {
            // MAIL was refused: what the server said to the pipelined RCPTs
            // (503 bad sequence) only follows from that.
            for &i in &batch {
                self.outcomes[i] = Some(Outcome::Reply(reply.clone()));
            }
        }
    }

    /// The oldest transaction ended: its recipients.
    fn transaction_over(&mut self) -> Vec<usize> {
        let batch = self.batches.pop_front().unwrap_or_default();
        self.finished = self.batches.is_empty();
        batch
    }

    /// The first recipient matching `path` that `pick` allows.
    fn find(
        &self,
        settings: &Settings,
        path: &ForwardPath,
        pick: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        (0..settings.recipients.len()).find(|&i| {
            pick(i) && ForwardPath::Mailbox(settings.recipients[i].mailbox.clone()) == *path
        })
    }
}

type Conn = Connection<Client, TcpStream>;

async fn run(settings: &Settings, body: Bytes, state: &mut State) -> Result<(), SessionError> {
    let target = format!("{}:{}", settings.host, settings.port);
    let tls = match settings.security {
        Security::None => None,
        _ => Some(client_tls(settings)?),
    };
    let tcp = connect_tcp((settings.host.as_str(), settings.port), settings.timeout)
        .await
        .map_err(|e| SessionError::Connect(format!("cannot connect to {target}: {e}")))?;
    let hello = match &settings.helo {
        Some(host) => host.clone(),
        None => {
            let local = tcp
                .local_addr()
                .map_err(|e| SessionError::Connect(format!("connection to {target}: {e}")))?;
            Host::Literal(AddressLiteral::from_ip(local.ip()))
        }
    };
    let mut config = ClientConfig::new(hello);
    config.allow_cleartext_auth = settings.allow_cleartext_auth;
    config.tls = match settings.security {
        Security::StartTls => TlsPolicy::Required,
        _ => TlsPolicy::None,
    };
    config.implicit_tls = settings.security == Security::Implicit;
    let mut client = Client::new(config);
    client.handle_timeout(Instant::now());

    let connection_config = ConnectionConfig::default()
        .with_idle_timeout(Some(settings.timeout))
        .with_handshake_timeout(settings.timeout);
    let mut conn: Conn = match (settings.security, tls) {
        (Security::Implicit, Some(tls)) => {
            let (stream, info) = tls
                .connect(tcp, settings.timeout)
                .await
                .map_err(|e| tls_error(settings, &e))?;
            client
                .tls_established(info.clone())
                .map_err(|e| SessionError::Tls(format!("TLS with {target}: {e}")))?;
            Connection::from_stream(client, MaybeTlsStream::from(stream)).with_tls_info(info)
        }
        (Security::StartTls, Some(tls)) => {
            Connection::new(client, tcp).with_start_tls(StartTls::Client(tls))
        }
        _ => Connection::new(client, tcp),
    }
    .with_config(connection_config);

    let result = drive(settings, &mut conn, body, state).await;
    let _ = conn.close().await;
    result
}

fn client_tls(settings: &Settings) -> Result<ClientTls, SessionError> {
    let tls = match &settings.ca {
        Some(ca) => ClientTls::with_ca_pem_file(ca, &settings.host),
        None => ClientTls::webpki_roots(&settings.host),
    };
    tls.map_err(|e| match &settings.ca {
        Some(ca) => SessionError::Tls(format!("cannot use {} as CA: {e}", ca.display())),
        None => SessionError::Tls(format!("cannot set up TLS for {}: {e}", settings.host)),
    })
}

fn tls_error(settings: &Settings, e: &mailwire_tokio::Error) -> SessionError {
    let hint = match e.rustls_error() {
        Some(rustls::Error::InvalidCertificate(_)) if settings.ca.is_none() => {
            " (a private or self-signed certificate? trust it with --ca FILE)"
        }
        Some(rustls::Error::InvalidCertificate(_)) => " (is it signed by the --ca certificate?)",
        _ => "",
    };
    SessionError::Tls(format!(
        "TLS with {}:{} failed: {e}{hint}",
        settings.host, settings.port
    ))
}

/// The event loop: answers the machine's events until the session is over.
async fn drive(
    settings: &Settings,
    conn: &mut Conn,
    body: Bytes,
    state: &mut State,
) -> Result<(), SessionError> {
    let mut body = Some(body);
    // An error decided while the session goes on to a polite QUIT.
    let mut failure: Option<SessionError> = None;
    let mut quitting = false;
    loop {
        let event = match conn.next_event().await {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(e) if !e.is_fatal() => continue,
            Err(e) => {
                return Err(failure.unwrap_or_else(|| session_error(settings, &e)));
            }
        };
        let verbose = settings.verbose;
        match event {
            ClientEvent::Greeting(reply) if verbose => eprintln!("< {}", reply_line(&reply)),
            ClientEvent::StartTls if verbose => eprintln!("* starting TLS"),
            ClientEvent::Ready { .. } => {
                if verbose {
                    let tls = if conn.machine().is_tls() {
                        "TLS"
                    } else {
                        "cleartext"
                    };
                    eprintln!("* session ready ({tls})");
                }
                if quitting || body.is_none() {
                    continue;
                }
                match &settings.credentials {
                    Some((user, password)) => {
                        let credentials = Credentials::password(user.as_str(), password.as_str());
                        match conn.machine_mut().authenticate(&credentials) {
                            Ok(mechanism) if verbose => eprintln!("* AUTH {mechanism}"),
                            Ok(_) => {}
                            Err(e) => {
                                failure = Some(SessionError::Auth(format!(
                                    "cannot authenticate as {user}: {e}"
                                )));
                                quit(conn, &mut quitting);
                            }
                        }
                    }
                    None => {
                        if let Err(e) = submit(settings, conn, body.take(), state) {
                            failure = Some(e);
                            quit(conn, &mut quitting);
                        }
                    }
                }
            }
            ClientEvent::Authenticated { mechanism } => {
                if verbose {
                    eprintln!("* authenticated with {mechanism}");
                }
                if let Err(e) = submit(settings, conn, body.take(), state) {
                    failure = Some(e);
                    quit(conn, &mut quitting);
                }
            }
            ClientEvent::AuthFailed { reply, reason } => {
                let reason = reason.map(|r| format!(" ({r})")).unwrap_or_default();
                let user = settings.credentials.as_ref().map_or("", |c| c.0.as_str());
                failure = Some(SessionError::Auth(format!(
                    "authentication as {user} failed: {}{reason}",
                    reply_line(&reply)
                )));
                quit(conn, &mut quitting);
            }
            ClientEvent::RecipientResult { rcpt, reply } => {
                if let Some(i) = state.find(settings, &rcpt, |i| !state.rcpt_answered[i]) {
                    state.rcpt_answered[i] = true;
                    if reply.code.is_positive() {
                        state.rcpt_accepted[i] = true;
                    } else {
                        state.last_rcpt_refusal = Some(reply.clone());
                        state.outcomes[i] = Some(Outcome::Reply(reply));
                    }
                }
            }
            ClientEvent::MessageResult { per_recipient } => {
                for (rcpt, reply) in per_recipient {
                    let pick = |i: usize| state.rcpt_accepted[i] && state.outcomes[i].is_none();
                    if let Some(i) = state.find(settings, &rcpt, pick) {
                        state.outcomes[i] = Some(Outcome::Reply(reply));
                    }
                }
                state.transaction_over();
                if state.finished {
                    quit(conn, &mut quitting);
                }
            }
            ClientEvent::TransactionFailed { reply } => {
                state.transaction_failed(reply);
                if state.finished {
                    quit(conn, &mut quitting);
                }
            }
            ClientEvent::Done { .. } => {}
            ClientEvent::Closed(reply) if !state.finished && failure.is_none() => {
                let said = reply
                    .map(|r| format!(": {}", reply_line(&r)))
                    .unwrap_or_default();
                failure = Some(SessionError::Session(format!(
                    "the server closed the session early{said}"
                )));
            }
            _ => {}
        }
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    if !state.finished {
        let what = match conn.end_reason() {
            Some(EndReason::IdleTimeout) => format!(
                "no answer from {}:{} within {:?}",
                settings.host, settings.port, settings.timeout
            ),
            _ => format!(
                "{}:{} closed the connection before the message was accepted",
                settings.host, settings.port
            ),
        };
        return Err(SessionError::Session(what));
    }
    Ok(())
}

/// Queues the message: one transaction, or one per share of the
/// recipients when the server's LIMITS (RFC 9422) ask for it.
fn submit(
    settings: &Settings,
    conn: &mut Conn,
    body: Option<Bytes>,
    state: &mut State,
) -> Result<(), SessionError> {
    let Some(body) = body else {
        return Ok(());
    };
    let refused = |e: mailwire::core::Error| {
        SessionError::MessageRefused(format!("the message cannot be sent: {e}"))
    };
    let envelope = Envelope::new(
        settings.from.clone(),
        settings.recipients.iter().map(|r| r.mailbox.clone()),
    );
    let parts = conn.machine().split_envelope(&envelope);
    if let Some(left) = conn.machine().transactions_left()
        && (parts.len() as u64) > left
    {
        return Err(SessionError::MessageRefused(format!(
            "the message needs {} transactions and the server allows {left} more in this session (LIMITS MAILMAX)",
            parts.len()
        )));
    }
    let mut assigned = vec![false; settings.recipients.len()];
    for part in parts {
        let batch = part
            .recipients
            .iter()
            .filter_map(|r| {
                let i = state.find(settings, &r.path, |i| !assigned[i])?;
                assigned[i] = true;
                Some(i)
            })
            .collect();
        conn.machine_mut()
            .send_mail(part, body.clone())
            .map_err(refused)?;
        state.batches.push_back(batch);
    }
    Ok(())
}

/// Queues QUIT once.
fn quit(conn: &mut Conn, quitting: &mut bool) {
    if !*quitting {
        *quitting = true;
        // Failing means the session is already closing.
        let _ = conn.machine_mut().quit();
    }
}

fn session_error(settings: &Settings, e: &mailwire_tokio::Error) -> SessionError {
    match e {
        mailwire_tokio::Error::TlsHandshake(_) => tls_error(settings, e),
        _ => SessionError::Session(format!(
            "session with {}:{} failed: {e}",
            settings.host, settings.port
        )),
    }
}
