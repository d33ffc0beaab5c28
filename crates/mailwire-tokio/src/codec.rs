//! `tokio-util` codecs for users who want `Framed` instead of a machine.
//!
//! [`LineCodec`] frames CRLF lines with [`mailwire_core::LineFramer`]: a
//! length limit enforced before anything is buffered past it, and the
//! line-ending policy of [`LineEnding`]. Encoding refuses items that contain
//! CR or LF, so nothing can be smuggled into a second line.

use bytes::{BufMut, Bytes, BytesMut};
use mailwire_core::{LineEnding, LineFramer};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::Error;

/// Frames lines ending in CRLF (or a bare LF under
/// [`LineEnding::Normalize`]); items are lines without their ending.
///
/// A decoding error ends a `Framed` stream (that is how `tokio-util`
/// treats decoder errors), even where the framer itself could resume.
#[derive(Debug, Clone)]
pub struct LineCodec {
    framer: LineFramer,
}

impl LineCodec {
    /// Lines of at most `max_len` bytes, line ending included.
    pub fn new(max_len: usize, policy: LineEnding) -> Self {
        LineCodec {
            framer: LineFramer::new(max_len, policy),
        }
    }

    /// The longest line accepted, line ending included.
    pub fn max_len(&self) -> usize {
        self.framer.max_len()
    }
}

impl Default for LineCodec {
    /// Lines of up to 1000 bytes (RFC 5321 §4.5.3.1.6), CRLF only.
    fn default() -> Self {
        Self::new(1000, LineEnding::Strict)
    }
}

impl Decoder for LineCodec {
    type Item = Bytes;
    type Error = Error;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, Error> {
        Ok(self.framer.next_line(src)?)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Bytes>, Error> {
        if let Some(line) = self.decode(src)? {
            return Ok(Some(line));
        }
        if src.is_empty() && !self.framer.is_discarding() {
            return Ok(None);
        }
        let err = mailwire_core::Error::remote_fatal("stream ended inside a line", src);
        src.clear();
        self.framer.reset();
        Err(err.into())
    }
}

impl<T: AsRef<[u8]>> Encoder<T> for LineCodec {
    type Error = Error;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), Error> {
        let line = item.as_ref();
        if memchr_crlf(line) {
            return Err(mailwire_core::Error::local("a line must not contain CR or LF").into());
        }
        if line.len() + 2 > self.framer.max_len() {
            return Err(mailwire_core::Error::limit(
                "line_length",
                self.framer.max_len() as u64,
                true,
            )
            .into());
        }
        dst.reserve(line.len() + 2);
        dst.put_slice(line);
        dst.put_slice(b"\r\n");
        Ok(())
    }
}

fn memchr_crlf(line: &[u8]) -> bool {
    line.iter().any(|&b| b == b'\r' || b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_split_input_and_refuses_bare_lf() {
        let mut codec = LineCodec::new(64, LineEnding::Strict);
        let mut buf = BytesMut::new();
        let mut lines = Vec::new();
        for &b in b"EHLO a\r\nNOOP\r\n".iter() {
            buf.put_u8(b);
            if let Some(line) = codec.decode(&mut buf).unwrap() {
                lines.push(line);
            }
        }
        assert_eq!(lines, vec![Bytes::from("EHLO a"), Bytes::from("NOOP")]);
        let mut buf = BytesMut::from(&b"bad\nok\r\n"[..]);
        assert!(matches!(codec.decode(&mut buf), Err(Error::Protocol(_))));
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), "ok");
    }

    #[test]
    fn eof_inside_a_line_is_an_error() {
        let mut codec = LineCodec::default();
        let mut buf = BytesMut::from(&b"done\r\npartial"[..]);
        assert_eq!(codec.decode_eof(&mut buf).unwrap().unwrap(), "done");
        assert!(codec.decode_eof(&mut buf).is_err());
        assert!(buf.is_empty());
        assert!(codec.decode_eof(&mut buf).unwrap().is_none());
    }

    #[test]
    fn long_lines_are_refused_both_ways() {
        let mut codec = LineCodec::new(8, LineEnding::Strict);
        let mut buf = BytesMut::from(&b"0123456789\r\nshort\r\n"[..]);
        assert!(matches!(codec.decode(&mut buf), Err(Error::Protocol(e)) if !e.is_fatal()));
        assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), "short");
        let mut out = BytesMut::new();
        assert!(codec.encode("123456", &mut out).is_ok());
        assert!(codec.encode("1234567", &mut out).is_err());
        assert_eq!(&out[..], b"123456\r\n");
    }

    #[test]
    fn encoding_refuses_line_breaks() {
        let mut codec = LineCodec::default();
        let mut out = BytesMut::new();
        assert!(codec.encode("RCPT TO:<a>\r\nDATA", &mut out).is_err());
        assert!(codec.encode("a\rb", &mut out).is_err());
        assert!(out.is_empty());
        codec.encode(Bytes::from_static(b"QUIT"), &mut out).unwrap();
        assert_eq!(&out[..], b"QUIT\r\n");
    }
}
