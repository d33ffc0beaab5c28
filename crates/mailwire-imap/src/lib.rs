//! IMAP4rev1 (RFC 3501) and IMAP4rev2 (RFC 9051) codec, sans-IO.
//!
//! * [`Framer`] cuts a byte stream into complete messages (lines plus
//!   literals), checking [`Limits`] before buffering and reporting
//!   synchronizing literals before their data arrives.
//! * [`parse`] turns one framed message into a typed, borrowed value:
//!   [`parse::response`], [`parse::greeting`], [`parse::command`],
//!   [`parse::authenticate_data`], [`parse::idle_done`]. Leniency for
//!   known peer quirks is chosen per connection with [`parse::Quirks`].
//! * [`encode`] writes typed values back, as one buffer or as
//!   [`encode::Fragment`]s that show where a client must wait for `+`.
//!
//! ```
//! use bytes::BytesMut;
//! use mailwire_imap::encode::Encode;
//! use mailwire_imap::types::data::Data;
//! use mailwire_imap::types::fetch::FetchItem;
//! use mailwire_imap::types::response::Response;
//! use mailwire_imap::{parse, FrameEvent, Framer, Limits, Role};
//!
//! let mut framer = Framer::new(Role::Client, Limits::CLIENT);
//! let mut input = BytesMut::from(&b"* 12 FETCH (UID 7 BODY[] {5}\r\nhello)\r\n"[..]);
//! let Ok(Some(FrameEvent::Message(frame))) = framer.next(&mut input) else { panic!() };
//! let response = parse::response(frame.bytes(), &parse::Opts::STRICT).unwrap();
//! let Response::Data(Data::Fetch { seq, items }) = &response else { panic!() };
//! assert_eq!(*seq, 12);
//! let FetchItem::BodySection { data, .. } = &items[1] else { panic!() };
//! // The literal is a slice of the frame: no copy.
//! let body = frame.share(data.as_bytes().unwrap());
//! assert_eq!(&body[..], b"hello");
//! assert_eq!(response.to_bytes(), &frame.bytes()[..]);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod encode;
pub mod framer;
pub mod limits;
pub mod parse;
pub mod types;
pub mod utf7;

pub use framer::{Announcement, Frame, FrameEvent, Framer, Role, StreamedLiteral};
pub use limits::Limits;
