//! Known-answer tests: RFC transcripts parsed and re-encoded byte for byte.
//!
//! Each file in `tests/transcripts/` holds lines `S: ` (server), `C: `
//! (client command) and `A: ` (client AUTHENTICATE data), with CRLF added.
//! Each direction is cut by the framer; every message must parse (strictly)
//! and re-encode to the same bytes, or to the bytes of a following `=> `
//! line where the RFC writes a non-canonical form (lowercase commands).

use bytes::BytesMut;
use mailwire_imap::encode::Encode;
use mailwire_imap::parse::{self, Opts};
use mailwire_imap::{FrameEvent, Framer, Limits, Role};

fn frame_all(framer: &mut Framer, buf: &mut BytesMut) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        match framer.next(buf) {
            Ok(Some(FrameEvent::Message(m))) => out.push(m.bytes().to_vec()),
            Ok(Some(FrameEvent::LiteralAnnounced(_))) => {}
            Ok(Some(FrameEvent::LiteralChunk { .. })) => panic!("no streaming here"),
            Ok(None) => return out,
            Err(e) => panic!("framing error: {e}"),
        }
    }
}

fn check_file(name: &str) -> usize {
    let path = format!("{}/tests/transcripts/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut server = Framer::new(Role::Client, Limits::CLIENT);
    let mut client = Framer::new(Role::Server, Limits::SERVER);
    let (mut sbuf, mut cbuf) = (BytesMut::new(), BytesMut::new());
    let mut checked = 0;
    for (n, line) in lines.iter().enumerate() {
        let expected_override = lines
            .get(n + 1)
            .and_then(|l| l.strip_prefix("=> "))
            .map(|l| format!("{l}\r\n").into_bytes());
        let (kind, content) = match line.split_at_checked(2) {
            Some(("S:", rest)) => ('S', rest.strip_prefix(' ').unwrap_or(rest)),
            Some(("C:", rest)) => ('C', rest.strip_prefix(' ').unwrap_or(rest)),
            Some(("A:", rest)) => ('A', rest.strip_prefix(' ').unwrap_or(rest)),
            _ => continue,
        };
        let wire = format!("{content}\r\n");
        let messages = match kind {
            'S' => {
                sbuf.extend_from_slice(wire.as_bytes());
                frame_all(&mut server, &mut sbuf)
            }
            _ => {
                cbuf.extend_from_slice(wire.as_bytes());
                frame_all(&mut client, &mut cbuf)
            }
        };
        for m in messages {
            let again = match kind {
                'S' => parse::response(&m, &Opts::STRICT)
                    .unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1))
                    .to_bytes(),
                'C' => parse::command(&m, &Opts::STRICT)
                    .unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1))
                    .to_bytes(),
                _ => parse::authenticate_data(&m)
                    .unwrap_or_else(|e| panic!("{name}:{}: {e}", n + 1))
                    .to_bytes(),
            };
            let expected = expected_override.clone().unwrap_or(m.clone());
            assert_eq!(
                String::from_utf8_lossy(&again),
                String::from_utf8_lossy(&expected),
                "{name}:{}",
                n + 1
            );
            checked += 1;
        }
    }
    assert!(sbuf.is_empty() && cbuf.is_empty(), "{name}: unframed rest");
    checked
}

#[test]
fn rfc3501_section8() {
    assert_eq!(check_file("rfc3501_s8.txt"), 22);
}

#[test]
fn rfc9051_section8() {
    assert_eq!(check_file("rfc9051_s8.txt"), 30);
}

#[test]
fn rfc_single_line_examples() {
    // 1273 examples from RFC 3501, 9051, 2177, 2342, 2971, 3691, 4315,
    // 4731, 4978, 5161, 5256, 5258, 5464, 5819, 6154, 6851, 7162, 7888,
    // 7889 and 9208.
    assert_eq!(check_file("rfc_examples.txt"), 1273);
}
