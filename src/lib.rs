//! mailwire: mail protocols for Rust, sans-IO.
//!
//! This facade re-exports the protocol crates by feature:
//! `mailwire::smtp` (feature `smtp`), `mailwire::sasl` (feature `sasl`), and
//! [`core`] (always).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use mailwire_core as core;
#[cfg(feature = "imap")]
pub use mailwire_imap as imap;
#[cfg(feature = "pop3")]
pub use mailwire_pop3 as pop3;
#[cfg(feature = "sasl")]
pub use mailwire_sasl as sasl;
#[cfg(feature = "smtp")]
pub use mailwire_smtp as smtp;
#[cfg(feature = "tokio")]
pub use mailwire_tokio as tokio;
