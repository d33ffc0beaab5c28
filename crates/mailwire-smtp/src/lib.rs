//! SMTP, ESMTP and LMTP, sans-IO.
//!
//! The codec layer of this crate:
//!
//! * [`types`]: typed commands ([`Command`]), replies ([`Reply`]), EHLO
//!   capabilities ([`Capability`]) and the validated pieces they are made of
//!   ([`Mailbox`], [`Domain`], [`Text`], ...). Constructors validate, so no
//!   value can encode a CR/LF injection.
//! * `parse`: one complete line (without CRLF, as
//!   [`mailwire_core::LineFramer`] yields it) into a [`Command`], and reply
//!   lines into a [`Reply`] through a bounded `ReplyAssembler`, under a
//!   run-time [`Policy`]. [`Command::parse_from`] is the fastest entry
//!   point for code that owns its input buffer: it frames and parses the
//!   first command at the front of the buffer in one pass (with the same
//!   results and errors as `LineFramer` then [`Command::parse_bytes`]) and
//!   says how many bytes it consumed; `parse_bytes` takes lines that are
//!   already framed.
//! * `encode`: the `Encode` trait writing values back to the wire.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod encode;
pub mod parse;
pub mod server;
pub mod types;

pub use client::{Client, ClientConfig, ClientEvent, Envelope, TlsPolicy};
pub use encode::Encode;
pub use parse::{ReplyAssembler, ReplyLine, parse_reply_line};
pub use server::{Server, ServerConfig, ServerEvent};

pub use types::{
    AddressLiteral, Body, ByMode, Capability, Command, DeliverBy, Domain, EhloOutcome, EhloParam,
    EhloReply, EnhancedCode, ForwardPath, Hold, Host, InvalidInput, Keyword, LiteralKind, MailAuth,
    MailExtras, MailLimits, MailParameters, Mailbox, Notify, OriginalRecipient, ParamValue,
    Parameter, ParseError, ParseErrorKind, Policy, Priority, RcptParameters, Reply, ReplyCode, Ret,
    ReversePath, SaslMechanism, Text, XText,
};
