//! Sans-IO POP3: the Post Office Protocol version 3 (RFC 1939) with the
//! extension mechanism and response codes (RFC 2449, RFC 3206), STLS
//! (RFC 2595 §4), AUTH with SASL (RFC 5034), UTF8 and LANG (RFC 6856).
//!
//! The crate turns bytes into typed events and typed values into bytes; it
//! never touches a socket, a clock or a thread. Like every mailwire
//! protocol crate it has:
//!
//! * [`types`]: commands, responses with extended response codes,
//!   capabilities and listings, validated at construction so that no API
//!   can put a CR or LF on the wire;
//! * [`parse`]: nom parsers, one framed line in, one typed value out;
//! * [`encode`]: the [`Encode`] trait, typed values out as lines;
//! * [`client`] and [`server`]: the state machines, implementing
//!   [`mailwire_core::Machine`] so that one driver runs them all.
//!
//! Message bodies (RETR, TOP) go through mailwire-core's dot-stuffing
//! codec ([`mailwire_core::DotStuffer`], [`mailwire_core::DotDecoder`]) in
//! chunks: the client reports [`ClientEvent::RetrChunk`]s that are slices
//! of its input buffer, the server application hands a body over in
//! pieces with [`Server::send_body`]. Neither side holds a whole message.
//!
//! Passwords never travel without TLS unless a configuration says so
//! ([`ServerConfig::allow_plaintext_auth`],
//! [`ClientConfig::allow_plaintext_auth`]); at the STLS switch both
//! machines refuse plaintext sent past it and forget what they knew before.
//!
//! # Example: a client against a server, in memory
//!
//! ```
//! use mailwire_core::Machine;
//! use mailwire_pop3::server::MessageInfo;
//! use mailwire_pop3::types::{MsgNum, Uid};
//! use mailwire_pop3::{Client, ClientConfig, ClientEvent, Server, ServerConfig, ServerEvent};
//!
//! // Both ends as if on port 995 (implicit TLS), so passwords may be sent.
//! let mut server_config = ServerConfig::new();
//! server_config.implicit_tls = true;
//! let mut server = Server::new(server_config);
//! let mut client_config = ClientConfig::new();
//! client_config.implicit_tls = true;
//! let mut client = Client::new(client_config);
//!
//! let message = b"Subject: hello\r\n\r\n.a line starting with a dot\r\n";
//! let mut body = Vec::new();
//! let mut deleted = Vec::new();
//!
//! for _ in 0..20 {
//!     // Server to client.
//!     if let Some(bytes) = server.poll_transmit() {
//!         let n = bytes.len();
//!         client.receive(bytes).unwrap();
//!         server.advance_transmit(n);
//!     }
//!     while let Some(event) = client.poll_event().unwrap() {
//!         match event {
//!             ClientEvent::Capabilities(_) => client.login("alice", "secret").unwrap(),
//!             ClientEvent::LoggedIn => {
//!                 let first = MsgNum::new(1).unwrap();
//!                 client.retr(first).unwrap();
//!                 client.dele(first).unwrap();
//!                 client.quit().unwrap();
//!             }
//!             ClientEvent::RetrChunk(chunk) => body.extend_from_slice(&chunk),
//!             _ => {}
//!         }
//!     }
//!     // Client to server.
//!     if let Some(bytes) = client.poll_transmit() {
//!         let n = bytes.len();
//!         server.receive(bytes).unwrap();
//!         client.advance_transmit(n);
//!     }
//!     while let Some(event) = server.poll_event().unwrap() {
//!         match event {
//!             ServerEvent::UserPass { user, password } => {
//!                 assert_eq!(password.as_str(), "secret");
//!                 server.accept_login(user.as_str()).unwrap();
//!             }
//!             ServerEvent::OpenMaildrop { .. } => {
//!                 let uid = Uid::new("msg-1").unwrap();
//!                 let info = MessageInfo { size: message.len() as u64, uid };
//!                 server.maildrop_opened(vec![info]).unwrap();
//!             }
//!             ServerEvent::Retr { .. } => {
//!                 // Any chunking works; the machine dot-stuffs.
//!                 for piece in message.chunks(10) {
//!                     server.send_body(piece).unwrap();
//!                 }
//!                 server.finish_body().unwrap();
//!             }
//!             ServerEvent::Update { deleted: d, .. } => {
//!                 deleted = d;
//!                 server.update_done(Ok(())).unwrap();
//!             }
//!             _ => {}
//!         }
//!     }
//! }
//! assert_eq!(body, message);
//! assert_eq!(deleted.len(), 1);
//! assert!(client.is_closed() && server.is_closed());
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod encode;
mod limits;
pub mod parse;
pub mod server;
pub mod types;

pub use client::{Client, ClientConfig, ClientEvent};
pub use encode::Encode;
pub use limits::Limits;
pub use mailwire_core::Error;
pub use server::{Server, ServerConfig, ServerEvent};
pub use types::{Capability, Command, Response};
