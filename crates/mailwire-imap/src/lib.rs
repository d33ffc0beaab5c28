//! IMAP4rev1 (RFC 3501) and IMAP4rev2 (RFC 9051) codec, sans-IO.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod framer;
pub mod limits;
pub mod types;
pub mod utf7;

pub use framer::{Announcement, Frame, FrameEvent, Framer, Role, StreamedLiteral};
pub use limits::Limits;
