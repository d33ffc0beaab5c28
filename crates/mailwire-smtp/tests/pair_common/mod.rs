//! The client machine against the server machine, in memory: no sockets,
//! a virtual clock, "TLS" simulated by calling `tls_established` on both
//! sides at the switch point.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use mailwire_core::{Error, Machine, TlsInfo};
use mailwire_smtp::client::{Client, ClientConfig, ClientEvent, TlsPolicy};
use mailwire_smtp::server::{Server, ServerConfig, ServerEvent};
use mailwire_smtp::{Host, Mailbox};

pub fn mbox(s: &str) -> Mailbox {
    Mailbox::new(s).unwrap()
}

pub fn client_config() -> ClientConfig {
    let mut c = ClientConfig::new(Host::try_from("client.example").unwrap());
    c.tls = TlsPolicy::None;
    c
}

pub fn server_config() -> ServerConfig {
    ServerConfig::new(Host::try_from("mx.example").unwrap())
}

/// Both machines, what they reported and what went between them.
pub struct Pair {
    pub client: Client,
    pub server: Server,
    pub now: Instant,
    pub client_events: Vec<ClientEvent>,
    pub server_events: Vec<ServerEvent>,
    pub client_error: Option<Error>,
    pub server_error: Option<Error>,
    /// Bodies the server received, one per DataEnd.
    pub messages: Vec<Vec<u8>>,
    body: Vec<u8>,
    /// Every write of the client, as one buffer per transfer.
    pub client_writes: Vec<Vec<u8>>,
    pub client_tls: TlsInfo,
    pub server_tls: TlsInfo,
    /// Bytes slipped to the client right after the server's 220 to
    /// STARTTLS, in cleartext.
    pub inject_to_client: Option<Vec<u8>>,
    /// Bytes slipped to the server right after the client's STARTTLS line.
    pub inject_to_server: Option<Vec<u8>>,
    pub tls_switches: usize,
    /// At most this many bytes move per transfer (to exercise partial writes).
    pub write_size: usize,
}

pub type ClientApp<'a> = dyn FnMut(&mut Client, &ClientEvent) + 'a;
pub type ServerApp<'a> = dyn FnMut(&mut Server, &ServerEvent) + 'a;

/// The server application that takes everything.
pub fn accept_all(server: &mut Server, event: &ServerEvent) {
    match event {
        ServerEvent::Hello { .. }
        | ServerEvent::Mail { .. }
        | ServerEvent::Rcpt { .. }
        | ServerEvent::DataStart { .. } => server.accept().unwrap(),
        ServerEvent::DataEnd { recipients } => {
            for _ in 0..*recipients {
                server.accept().unwrap();
            }
        }
        _ => {}
    }
}

impl Pair {
    pub fn new(client: ClientConfig, server: ServerConfig) -> Pair {
        let now = Instant::now();
        let mut client = Client::new(client);
        let mut server = Server::new(server);
        client.handle_timeout(now);
        server.handle_timeout(now);
        Pair {
            client,
            server,
            now,
            client_events: Vec::new(),
            server_events: Vec::new(),
            client_error: None,
            server_error: None,
            messages: Vec::new(),
            body: Vec::new(),
            client_writes: Vec::new(),
            client_tls: TlsInfo::new(),
            server_tls: TlsInfo::new(),
            inject_to_client: None,
            inject_to_server: None,
            tls_switches: 0,
            write_size: usize::MAX,
        }
    }

    /// Runs until nothing moves any more.
    pub fn run(&mut self, client_app: &mut ClientApp<'_>, server_app: &mut ServerApp<'_>) {
        for _ in 0..100_000 {
            if !self.step(client_app, server_app) {
                return;
            }
        }
        panic!("the pair did not settle");
    }

    /// Advances the virtual clock.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
    }

    fn step(&mut self, client_app: &mut ClientApp<'_>, server_app: &mut ServerApp<'_>) -> bool {
        let mut moved = false;
        self.now += Duration::from_millis(10);
        // Client to server.
        if let Some(data) = self.client.poll_transmit() {
            let n = data.len().min(self.write_size);
            let data = data[..n].to_vec();
            self.client.advance_transmit(n);
            if !self.server.is_closed() {
                self.server.receive(&data).unwrap();
            }
            if data.ends_with(b"STARTTLS\r\n")
                && let Some(extra) = self.inject_to_server.take()
            {
                self.server.receive(&extra).unwrap();
            }
            self.client_writes.push(data);
            moved = true;
        }
        // Server to client.
        if let Some(data) = self.server.poll_transmit() {
            let n = data.len().min(self.write_size);
            let data = data[..n].to_vec();
            self.server.advance_transmit(n);
            if !self.client.is_closed() {
                self.client.receive(&data).unwrap();
            }
            if self.server.tls_pending()
                && self.server.poll_transmit().is_none()
                && let Some(extra) = self.inject_to_client.take()
            {
                self.client.receive(&extra).unwrap();
            }
            moved = true;
        }
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        // Server events.
        while self.server_error.is_none() {
            match self.server.poll_event() {
                Ok(Some(event)) => {
                    match &event {
                        ServerEvent::DataChunk(chunk) => self.body.extend_from_slice(chunk),
                        ServerEvent::DataEnd { .. } => {
                            self.messages.push(std::mem::take(&mut self.body))
                        }
                        ServerEvent::DataAborted(_) | ServerEvent::Reset => self.body.clear(),
                        _ => {}
                    }
                    server_app(&mut self.server, &event);
                    self.server_events.push(event);
                    moved = true;
                }
                Ok(None) => break,
                Err(e) => {
                    self.server_error = Some(e);
                    moved = true;
                }
            }
        }
        // Client events.
        while self.client_error.is_none() {
            match self.client.poll_event() {
                Ok(Some(event)) => {
                    client_app(&mut self.client, &event);
                    self.client_events.push(event);
                    moved = true;
                }
                Ok(None) => break,
                Err(e) => {
                    self.client_error = Some(e);
                    moved = true;
                }
            }
        }
        // The TLS switch, once both sides wrote everything before it.
        if self.client.tls_pending()
            && self.server.tls_pending()
            && self.client.poll_transmit().is_none()
            && self.server.poll_transmit().is_none()
        {
            self.tls_switches += 1;
            if let Err(e) = self.server.tls_established(self.server_tls.clone()) {
                self.server_error.get_or_insert(e);
            }
            if let Err(e) = self.client.tls_established(self.client_tls.clone()) {
                self.client_error.get_or_insert(e);
            }
            moved = true;
        }
        moved
    }

    /// Everything the client wrote, joined.
    pub fn client_wire(&self) -> Vec<u8> {
        self.client_writes.concat()
    }

    pub fn closed_with(&self, code: u16) -> bool {
        self.client_events
            .iter()
            .any(|e| matches!(e, ClientEvent::Closed(Some(r)) if r.code.get() == code))
    }
}
