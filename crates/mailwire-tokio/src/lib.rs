//! The tokio adapter of mailwire: runs any sans-IO machine
//! ([`mailwire_core::Machine`]: SMTP, POP3 or IMAP, client or server) over
//! TCP and TLS.
//!
//! * [`Connection`]: the driver. It reads straight into the machine's input
//!   buffer, writes the machine's output while it keeps reading (a peer that
//!   pipelines cannot deadlock it), sleeps until the machine's timers,
//!   switches to TLS when the machine asks ([`StartTls`]) and hands it the
//!   channel-binding data ([`mailwire_core::TlsInfo`]: `tls-exporter`,
//!   RFC 9266, and `tls-server-end-point`, RFC 5929 §4.1). The application
//!   gets events from [`Connection::next_event`] and answers through
//!   [`Connection::machine_mut`].
//! * [`serve`]: an accept loop with a connection limit, implicit TLS
//!   (RFC 8314), idle timeouts and graceful shutdown.
//! * [`connect_tcp`], [`connect_implicit_tls`]: clients, with timeouts and
//!   verified certificates.
//! * [`tls`]: rustls configurations from PEM files or webpki roots.
//! * [`codec::LineCodec`]: a `tokio-util` codec for `Framed` users.
//!
//! The adapter holds no protocol logic: anything that depends on SMTP,
//! POP3 or IMAP lives in the machines. It logs through `tracing` and never
//! prints.
//!
//! ```no_run
//! use mailwire_tokio::{serve, tls::ServerTls, ServeConfig};
//! use tokio_util::sync::CancellationToken;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:2465").await?;
//! let config = ServeConfig::default()
//!     .with_implicit_tls(ServerTls::from_pem_files("cert.pem", "key.pem")?);
//! let shutdown = CancellationToken::new();
//! serve(listener, config, shutdown, |incoming| async move {
//!     // let mut conn = incoming.into_connection(smtp::Server::new(config));
//!     // while let Some(event) = conn.next_event().await? { ... }
//!     drop(incoming);
//! })
//! .await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod channel_binding;
mod client;
pub mod codec;
mod connection;
mod error;
mod server;
mod stream;
pub mod tls;

pub use client::{connect_implicit_tls, connect_tcp};
pub use connection::{Connection, ConnectionConfig, EndReason};
pub use error::{Error, Result};
pub use server::{Incoming, ServeConfig, serve};
pub use stream::MaybeTlsStream;
pub use tls::{ClientTls, ServerTls, StartTls};
pub use tokio_util::sync::CancellationToken;
