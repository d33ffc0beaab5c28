//! Test harness: a scripted server application, a recording client
//! application, and in-memory wiring of the two machines.
#![allow(dead_code)]

use mailwire_core::{Error, Machine, TlsInfo};
use mailwire_pop3::server::MessageInfo;
use mailwire_pop3::types::{MsgNum, Response, ResponseCode, Uid};
use mailwire_pop3::{Client, ClientEvent, Server, ServerEvent};
use mailwire_sasl::{Mechanism, MemoryStore, ServerExchange};

/// One SCRAM key derivation per user for the whole test binary (PBKDF2
/// is slow in debug builds).
fn store(user: &str, password: &str) -> &'static MemoryStore {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<HashMap<(String, String), &'static MemoryStore>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    cache
        .entry((user.to_owned(), password.to_owned()))
        .or_insert_with(|| {
            let mut s = MemoryStore::new().with_iterations(mailwire_sasl::MIN_ITERATIONS);
            s.add_user(user, password).unwrap();
            Box::leak(Box::new(s))
        })
}

/// The application behind a server machine: one user, one maildrop.
pub struct App {
    pub user: String,
    pub password: String,
    pub messages: Vec<Vec<u8>>,
    /// Bodies are handed to the machine in pieces of this size.
    pub chunk: usize,
    /// Answer `-ERR [IN-USE]` when opening the maildrop.
    pub in_use: bool,
    pub updates: Vec<Vec<(MsgNum, Uid)>>,
    pub released: usize,
    pub tls_switches: usize,
    pub sasl_store: &'static MemoryStore,
    pub sasl: Option<ServerExchange>,
    pub logins: Vec<String>,
    /// Bodies the server said were complete (`body_complete`, TOP) before
    /// the whole message had been handed over.
    pub stopped_early: usize,
}

impl App {
    pub fn new(user: &str, password: &str, messages: Vec<Vec<u8>>) -> Self {
        let sasl_store = store(user, password);
        App {
            user: user.into(),
            password: password.into(),
            messages,
            chunk: 7,
            in_use: false,
            updates: Vec::new(),
            released: 0,
            tls_switches: 0,
            sasl_store,
            sasl: None,
            logins: Vec::new(),
            stopped_early: 0,
        }
    }

    pub fn infos(&self) -> Vec<MessageInfo> {
        self.messages
            .iter()
            .enumerate()
            .map(|(i, m)| MessageInfo {
                size: m.len() as u64,
                uid: Uid::new(format!("uid-{}", i + 1)).unwrap(),
            })
            .collect()
    }

    /// Answers one event the way a real application would.
    pub fn handle(&mut self, server: &mut Server, event: ServerEvent) {
        match event {
            ServerEvent::UserPass { user, password } => {
                if user.as_str() == self.user && password.as_str() == self.password {
                    server.accept_login(user.as_str()).unwrap();
                } else {
                    server.reject_login(None).unwrap();
                }
            }
            ServerEvent::Apop {
                user,
                digest,
                timestamp,
            } => {
                let expected =
                    mailwire_pop3::client::apop_digest(timestamp.as_str(), &self.password);
                if user.as_str() == self.user && digest == expected {
                    server.accept_login(user.as_str()).unwrap();
                } else {
                    server.reject_login(None).unwrap();
                }
            }
            ServerEvent::AuthStart {
                mechanism,
                initial_response,
            } => {
                let mech = Mechanism::parse(mechanism.as_str().as_bytes()).unwrap();
                let mut exchange =
                    ServerExchange::new(mech, &mailwire_sasl::ServerConfig::new()).unwrap();
                let step = exchange.start(self.sasl_store, initial_response.as_deref());
                self.sasl = Some(exchange);
                server.answer_sasl(step).unwrap();
            }
            ServerEvent::AuthResponse(data) => {
                let exchange = self.sasl.as_mut().expect("exchange in progress");
                let step = exchange.step(self.sasl_store, &data);
                server.answer_sasl(step).unwrap();
            }
            ServerEvent::AuthCancelled => self.sasl = None,
            ServerEvent::OpenMaildrop { user } => {
                self.logins.push(user);
                if self.in_use {
                    let r = Response::err("maildrop already locked")
                        .unwrap()
                        .with_code(ResponseCode::InUse);
                    server.maildrop_failed(r).unwrap();
                } else {
                    server.maildrop_opened(self.infos()).unwrap();
                }
            }
            ServerEvent::Retr { msg, .. } | ServerEvent::Top { msg, .. } => {
                let body = self.messages[msg.index()].clone();
                let pieces = body.chunks(self.chunk.max(1)).count();
                for (i, piece) in body.chunks(self.chunk.max(1)).enumerate() {
                    server.send_body(piece).unwrap();
                    if server.body_complete() {
                        if i + 1 < pieces {
                            self.stopped_early += 1;
                        }
                        break;
                    }
                }
                server.finish_body().unwrap();
            }
            ServerEvent::StartTls => self.tls_switches += 1,
            ServerEvent::Update { deleted, .. } => {
                self.updates.push(deleted);
                server.update_done(Ok(())).unwrap();
            }
            ServerEvent::Released { .. } => self.released += 1,
            ServerEvent::Utf8 | ServerEvent::Language(_) => {}
            other => panic!("unexpected event {other:?}"),
        }
    }
}

/// Feeds `input` to a server in pieces and runs the application; returns
/// everything the server wrote (greeting included) and the first error.
pub fn run_server(
    server: &mut Server,
    app: &mut App,
    pieces: &[&[u8]],
) -> (Vec<u8>, Option<Error>) {
    let mut out = Vec::new();
    let mut error = None;
    let drain = |server: &mut Server, out: &mut Vec<u8>| {
        if let Some(bytes) = server.poll_transmit() {
            out.extend_from_slice(bytes);
            let n = bytes.len();
            server.advance_transmit(n);
        }
    };
    drain(server, &mut out);
    for piece in pieces {
        if let Err(e) = server.receive(piece) {
            error.get_or_insert(e);
        }
        loop {
            match server.poll_event() {
                Ok(Some(event)) => app.handle(server, event),
                Ok(None) => break,
                Err(e) => {
                    error.get_or_insert(e);
                    if server.is_closed() {
                        break;
                    }
                }
            }
            if server.tls_pending() && server.poll_transmit().is_none() {
                break;
            }
        }
        drain(server, &mut out);
    }
    (out, error)
}

/// Everything a client reported, body chunks joined.
#[derive(Debug, Default)]
pub struct Seen {
    pub events: Vec<ClientEvent>,
    pub body: Vec<u8>,
    pub bodies: Vec<Vec<u8>>,
    pub errors: Vec<Error>,
}

impl Seen {
    pub fn record(&mut self, event: ClientEvent) {
        match &event {
            ClientEvent::RetrChunk(c) => {
                self.body.extend_from_slice(c);
                return;
            }
            ClientEvent::RetrEnd => self.bodies.push(std::mem::take(&mut self.body)),
            _ => {}
        }
        self.events.push(event);
    }
}

/// Feeds server bytes to a client in pieces; returns what the client wrote.
pub fn run_client(
    client: &mut Client,
    seen: &mut Seen,
    pieces: &[&[u8]],
    mut on_event: impl FnMut(&mut Client, &ClientEvent),
) -> Vec<u8> {
    let mut out = Vec::new();
    let drain = |client: &mut Client, out: &mut Vec<u8>| {
        if let Some(bytes) = client.poll_transmit() {
            out.extend_from_slice(bytes);
            let n = bytes.len();
            client.advance_transmit(n);
        }
    };
    drain(client, &mut out);
    for piece in pieces {
        if let Err(e) = client.receive(piece) {
            seen.errors.push(e);
        }
        loop {
            match client.poll_event() {
                Ok(Some(event)) => {
                    on_event(client, &event);
                    seen.record(event);
                }
                Ok(None) => break,
                Err(e) => {
                    let fatal = e.is_fatal();
                    seen.errors.push(e);
                    if fatal || client.is_closed() {
                        break;
                    }
                }
            }
        }
        drain(client, &mut out);
    }
    out
}

/// Splits `data` at one point (every point is tried by callers).
pub fn split_at(data: &[u8], k: usize) -> [&[u8]; 2] {
    let (a, b) = data.split_at(k);
    [a, b]
}

/// A client and a server connected in memory, with a scripted client
/// application (`drive`) called after every client event.
pub struct Pair {
    pub client: Client,
    pub server: Server,
    pub app: App,
    pub seen: Seen,
    pub server_errors: Vec<Error>,
    /// Bytes moved in each direction, for assertions about pipelining.
    pub c2s: Vec<Vec<u8>>,
    pub s2c: Vec<Vec<u8>>,
}

impl Pair {
    pub fn new(client: Client, server: Server, app: App) -> Self {
        Pair {
            client,
            server,
            app,
            seen: Seen::default(),
            server_errors: Vec::new(),
            c2s: Vec::new(),
            s2c: Vec::new(),
        }
    }

    /// Moves bytes both ways and handles events until nothing moves.
    /// `on_event` is the client application: it may issue commands.
    pub fn run(&mut self, mut on_event: impl FnMut(&mut Client, &ClientEvent)) {
        for _ in 0..10_000 {
            let mut moved = false;
            if let Some(bytes) = self.client.poll_transmit() {
                let bytes = bytes.to_vec();
                self.client.advance_transmit(bytes.len());
                if let Err(e) = self.server.receive(&bytes) {
                    self.server_errors.push(e);
                }
                self.c2s.push(bytes);
                moved = true;
            }
            loop {
                match self.server.poll_event() {
                    Ok(Some(event)) => {
                        self.app.handle(&mut self.server, event);
                        moved = true;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        self.server_errors.push(e);
                        moved = true;
                        if self.server.is_closed() {
                            break;
                        }
                    }
                }
            }
            if let Some(bytes) = self.server.poll_transmit() {
                let bytes = bytes.to_vec();
                self.server.advance_transmit(bytes.len());
                if let Err(e) = self.client.receive(&bytes) {
                    self.seen.errors.push(e);
                }
                self.s2c.push(bytes);
                moved = true;
            }
            loop {
                match self.client.poll_event() {
                    Ok(Some(event)) => {
                        on_event(&mut self.client, &event);
                        self.seen.record(event);
                        moved = true;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let fatal = e.is_fatal();
                        self.seen.errors.push(e);
                        moved = true;
                        if fatal {
                            break;
                        }
                    }
                }
            }
            // The TLS switch: both sides have flushed; "handshake" now.
            if self.client.tls_pending()
                && self.server.tls_pending()
                && self.client.poll_transmit().is_none()
                && self.server.poll_transmit().is_none()
            {
                self.server.tls_established(TlsInfo::new()).unwrap();
                self.client.tls_established(TlsInfo::new()).unwrap();
                moved = true;
            }
            if !moved {
                return;
            }
        }
        panic!("the pair did not settle");
    }
}
