//! SASL mechanisms (RFC 4422) as sans-IO client and server exchanges.
//!
//! SMTP AUTH (RFC 4954), IMAP AUTHENTICATE (RFC 9051 §6.2.2, SASL-IR RFC
//! 4959) and POP3 AUTH (RFC 5034) carry the same exchanges; this crate does
//! them once. It works on raw bytes: base64 on the wire is the protocol
//! crates' job (see `mailwire_core::b64`), and so is the `*` a client sends
//! to cancel ([`ServerExchange::cancel`]).
//!
//! | Mechanism | Client | Server |
//! |---|---|---|
//! | PLAIN (RFC 4616) | yes | yes |
//! | LOGIN | yes | yes |
//! | EXTERNAL (RFC 4422 app. A) | yes | with an identity from TLS |
//! | ANONYMOUS (RFC 4505) | yes | when enabled |
//! | SCRAM-SHA-1(-PLUS), SCRAM-SHA-256(-PLUS) (RFC 5802, RFC 7677) | yes | from stored keys |
//! | OAUTHBEARER (RFC 7628), XOAUTH2 | yes | when enabled |
//! | CRAM-MD5 (RFC 2195) | yes | when enabled |
//!
//! * Client: [`select_mechanism`] picks from the server's list,
//!   [`ClientExchange`] runs the exchange.
//! * Server: [`ServerExchange`] runs it against a [`CredentialStore`];
//!   [`MemoryStore`] is a ready user table that keeps SCRAM keys, not
//!   passwords. [`ScramCredentials::derive`] provisions stored keys.
//! * Channel binding for `-PLUS`: [`ChannelBinding::from_tls_info`]
//!   (prefers `tls-exporter`, RFC 9266, over `tls-server-end-point`, RFC
//!   5929).
//!
//! Secrets are compared in constant time, zeroized on drop and never shown
//! by `Debug`; nonces come from the OS random source.
//!
//! # Example: SCRAM-SHA-256, client against server, in memory
//!
//! ```
//! use mailwire_sasl::{
//!     ClientExchange, Credentials, MemoryStore, Mechanism, Security, ServerConfig,
//!     ServerExchange, ServerStep, select_mechanism,
//! };
//!
//! // Server side: a user table and the mechanisms it offers.
//! let mut store = MemoryStore::new();
//! store.add_user("alice", "correct horse").unwrap();
//! let config = ServerConfig::new();
//! let offered = config.mechanisms();
//!
//! // Client side: choose, then start.
//! let creds = Credentials::password("alice", "correct horse");
//! let mechanism = select_mechanism(&offered, &creds, Security::cleartext()).unwrap();
//! assert_eq!(mechanism, Mechanism::ScramSha256);
//! let mut client = ClientExchange::new(mechanism.clone(), &creds, None).unwrap();
//! let mut server = ServerExchange::new(mechanism, &config).unwrap();
//!
//! // "AUTH SCRAM-SHA-256 <initial response>"
//! let mut step = server.start(&store, client.initial_response().as_deref().map(|v| &v[..]));
//! let identity = loop {
//!     match step {
//!         ServerStep::Challenge(challenge) => {
//!             let response = client.step(&challenge).unwrap();
//!             step = server.step(&store, &response);
//!         }
//!         ServerStep::Success { identity, additional_data } => {
//!             // The client insists that the server proved itself.
//!             client.finish(additional_data.as_deref()).unwrap();
//!             break identity;
//!         }
//!         ServerStep::Failure(why) => panic!("{why}"),
//!     }
//! };
//! assert_eq!(identity.authcid, "alice");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod channel;
pub mod client;
mod error;
mod mechanism;
mod scram;
pub mod server;
mod util;

pub use channel::{ChannelBinding, ChannelBindingType};
pub use client::{ClientExchange, Credentials};
pub use error::Error;
pub use mechanism::{Mechanism, MechanismName, Security, select_mechanism};
pub use scram::{MAX_ITERATIONS, MIN_ITERATIONS, ScramCredentials, ScramHash};
pub use server::{
    CredentialStore, Failure, Identity, MemoryStore, ServerConfig, ServerExchange, ServerStep,
};
pub use zeroize::Zeroizing;
