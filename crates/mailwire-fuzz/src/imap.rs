//! Fuzz checks for mailwire-imap: every parser entry point, and the framer.
//! Whatever parses must re-encode to bytes that parse back to the same value
//! (and re-encode to the same bytes).

use bytes::BytesMut;
use mailwire_imap::encode::Encode;
use mailwire_imap::parse::{self, Opts};
use mailwire_imap::{FrameEvent, Framer, Limits, Role};

pub use crate::imap_values::encode;

/// The targets of this module.
pub const TARGETS: &[(&str, crate::Check)] = &[
    ("imap_command", command),
    ("imap_response", response),
    ("imap_greeting", greeting),
    ("imap_continuation", continuation),
    ("imap_authenticate", authenticate),
    ("imap_framer", framer),
    ("imap_encode", encode),
];

fn opts(lenient: bool) -> Opts {
    Opts {
        max_depth: 16,
        ..if lenient { Opts::LENIENT } else { Opts::STRICT }
    }
}

fn check_command(msg: &[u8], o: &Opts) {
    if let Ok(c) = parse::command(msg, o) {
        let wire = c.to_bytes();
        let again = parse::command(&wire, o).expect("an encoded command must parse");
        assert_eq!(again, c, "command changed in a round trip");
        assert_eq!(again.to_bytes(), wire);
    }
    check_authenticate(msg);
}

fn check_response(msg: &[u8], o: &Opts) {
    if let Ok(r) = parse::response(msg, o) {
        let wire = r.to_bytes();
        let again = parse::response(&wire, o).expect("an encoded response must parse");
        assert_eq!(again, r, "response changed in a round trip");
        assert_eq!(again.to_bytes(), wire);
    }
    check_greeting(msg, o);
}

/// A greeting is a status response: it re-encodes to bytes that parse back
/// to it, both as a greeting and as an untagged response.
fn check_greeting(msg: &[u8], o: &Opts) {
    if let Ok(g) = parse::greeting(msg, o) {
        assert!(parse::response(msg, o).is_ok(), "a greeting is a response");
        let wire = g.to_bytes();
        let again = parse::greeting(&wire, o).expect("an encoded greeting must parse");
        assert_eq!(again, g, "greeting changed in a round trip");
        assert_eq!(again.to_bytes(), wire);
    }
}

fn check_authenticate(msg: &[u8]) {
    if let Ok(d) = parse::authenticate_data(msg) {
        let wire = d.to_bytes();
        assert_eq!(parse::authenticate_data(&wire), Ok(d));
        assert!(wire.ends_with(b"\r\n"));
    }
}

/// A client command; the first byte picks strict or lenient parsing.
pub fn command(data: &[u8]) {
    let Some((&mode, msg)) = data.split_first() else {
        return;
    };
    check_command(msg, &opts(mode & 1 == 1));
}

/// A server response; the first byte picks strict or lenient parsing.
pub fn response(data: &[u8]) {
    let Some((&mode, msg)) = data.split_first() else {
        return;
    };
    check_response(msg, &opts(mode & 1 == 1));
}

/// A server greeting (`* OK`, `* PREAUTH`, `* BYE`); the first byte picks
/// strict or lenient parsing, the message gets its `* ` and CRLF.
pub fn greeting(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let msg = [b"* ".as_slice(), body, b"\r\n"].concat();
    check_greeting(&msg, &opts(mode & 1 == 1));
    check_response(&msg, &opts(mode & 1 == 1));
}

/// A continuation request (`+ text`, `+ base64`, `+` alone, or `+text`
/// under the lenient quirk); the first byte picks strict or lenient, the
/// message gets its `+` and CRLF. Whatever parses must round-trip as a
/// response and must still be a continuation.
pub fn continuation(data: &[u8]) {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let msg = [b"+".as_slice(), body, b"\r\n"].concat();
    let o = opts(mode & 1 == 1);
    if let Ok(r) = parse::response(&msg, &o) {
        assert!(
            matches!(r, mailwire_imap::types::response::Response::Continue(_)),
            "a line starting with + parsed as another response: {r:?}"
        );
    }
    check_response(&msg, &o);
}

/// A client's line during AUTHENTICATE (`base64 CRLF` or `* CRLF`), with
/// its CRLF added.
pub fn authenticate(data: &[u8]) {
    check_authenticate(&[data, b"\r\n"].concat());
    check_authenticate(data);
}

/// Frames arbitrary bytes (the first byte sets role, piece size, limits and
/// streaming), checks that messages without errors partition the input and
/// stay within the limits, and parses every message as the role reads it.
pub fn framer(data: &[u8]) {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let role = if mode & 1 == 0 {
        Role::Client
    } else {
        Role::Server
    };
    let step = usize::from(mode >> 3).max(1);
    let limits = Limits {
        line_length: 256,
        literal_size: 512,
        message_size: 2048,
        literals_per_message: 8,
        non_sync_literal_size: (mode & 2 != 0).then_some(64),
        stream_literals_from: (mode & 4 != 0).then_some(32),
        nesting_depth: 16,
    };
    let mut f = Framer::new(role, limits);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut clean = true;
    let mut streamed = false;
    for piece in input.chunks(step) {
        buf.extend_from_slice(piece);
        loop {
            match f.next(&mut buf) {
                Ok(Some(FrameEvent::Message(m))) => {
                    assert!(m.bytes().len() as u64 <= limits.message_size);
                    assert!(m.bytes().ends_with(b"\r\n"));
                    if m.streamed().is_empty() {
                        out.extend_from_slice(m.bytes());
                    } else {
                        streamed = true;
                    }
                    let o = opts(mode & 0x80 != 0);
                    match role {
                        Role::Client => check_response(m.bytes(), &o),
                        Role::Server => check_command(m.bytes(), &o),
                    }
                }
                Ok(Some(FrameEvent::LiteralAnnounced(a))) => {
                    assert!(a.size <= limits.literal_size);
                }
                Ok(Some(FrameEvent::LiteralChunk { data, .. })) => {
                    streamed = true;
                    assert!(!data.is_empty());
                }
                Ok(None) => break,
                Err(_) => clean = false,
            }
        }
        assert!(buf.len() <= limits.message_size as usize + step + 64);
    }
    if clean && !streamed {
        assert!(input.starts_with(&out), "messages must partition the input");
    }
}
