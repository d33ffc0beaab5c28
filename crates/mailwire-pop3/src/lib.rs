//! Sans-IO POP3.
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
