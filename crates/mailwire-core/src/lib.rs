//! What the mailwire protocol crates share.
//!
//! * [`line`](mod@line): framing a stream into lines with a length limit and a
//!   line-ending policy ([`LineFramer`], [`LineEnding`]).
//! * [`dot`]: dot-stuffing for SMTP `DATA` and POP3 multi-line responses
//!   ([`DotStuffer`], [`DotDecoder`]), ending only at CRLF `.` CRLF.
//! * [`error`]: the error categories: [`Error::Remote`], [`Error::Local`],
//!   [`Error::Limit`].
//! * [`machine`]: the [`Machine`] trait every sans-IO state machine
//!   implements, so that one driver can run them all.
//! * [`b64`]: strict base64 for SASL exchanges.
//!
//! ```
//! use bytes::BytesMut;
//! use mailwire_core::{dot_stuff, DotChunk, DotDecoder, LineEnding};
//!
//! let wire = dot_stuff(b".hidden line\r\nlast");
//! assert_eq!(&wire[..], b"..hidden line\r\nlast\r\n.\r\n");
//!
//! let mut buf = BytesMut::from(&wire[..]);
//! let mut decoder = DotDecoder::new(LineEnding::Strict);
//! let mut body = Vec::new();
//! while let Some(chunk) = decoder.decode(&mut buf) {
//!     match chunk {
//!         DotChunk::Data(bytes) => body.extend_from_slice(&bytes),
//!         DotChunk::End => break,
//!     }
//! }
//! assert_eq!(body, b".hidden line\r\nlast\r\n");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod b64;
mod crlf_scan;
pub mod dot;
pub mod error;
pub mod line;
pub mod machine;

pub use dot::{CrlfNormalizer, DotChunk, DotDecoder, DotStuffer, dot_stuff, dot_unstuff};
pub use error::{Error, EscapeBytes, LimitError, LocalError, RemoteError, Result};
pub use line::{LineEnding, LineFramer};
pub use machine::{Machine, TlsInfo, Transmit};
