use super::*;
use proptest::prelude::*;

fn client() -> Framer {
    Framer::new(Role::Client, Limits::CLIENT)
}

/// Feeds `input` in pieces of `step` bytes and collects every event.
fn run(framer: &mut Framer, input: &[u8], step: usize) -> Vec<Result<FrameEvent, Error>> {
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for piece in input.chunks(step.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match framer.next(&mut buf) {
                Ok(Some(e)) => out.push(Ok(e)),
                Ok(None) => break,
                Err(e) => out.push(Err(e)),
            }
        }
    }
    out
}

fn messages(events: &[Result<FrameEvent, Error>]) -> Vec<Vec<u8>> {
    events
        .iter()
        .filter_map(|e| match e {
            Ok(FrameEvent::Message(f)) => Some(f.bytes().to_vec()),
            _ => None,
        })
        .collect()
}

#[test]
fn lines_and_literals() {
    let input = b"* OK hi\r\n* 1 FETCH (BODY[] {5}\r\nab\r\nc UID 3)\r\n* 2 EXISTS\r\n";
    let events = run(&mut client(), input, input.len());
    assert_eq!(
        messages(&events),
        vec![
            b"* OK hi\r\n".to_vec(),
            b"* 1 FETCH (BODY[] {5}\r\nab\r\nc UID 3)\r\n".to_vec(),
            b"* 2 EXISTS\r\n".to_vec()
        ]
    );
}

#[test]
fn literal_forms() {
    for lit in [&b"{3}"[..], b"{3+}", b"~{3}"] {
        let mut input = b"a APPEND x ".to_vec();
        input.extend_from_slice(lit);
        input.extend_from_slice(b"\r\n\r\n\n\r\n");
        let events = run(&mut client(), &input, 1);
        assert_eq!(messages(&events), vec![input.clone()], "{lit:?}");
    }
    // Not announcements: no digits, or no brace.
    for line in [&b"* OK {}\r\n"[..], b"* OK 3}\r\n", b"* OK {x3}\r\n"] {
        assert_eq!(messages(&run(&mut client(), line, 2)), vec![line.to_vec()]);
    }
}

#[test]
fn literal_data_is_a_slice_of_the_input() {
    let mut buf = BytesMut::from(&b"* 1 FETCH (BODY[] {4}\r\n\r\n\r\n)\r\n"[..]);
    let ptr = buf.as_ptr() as usize;
    let Ok(Some(FrameEvent::Message(frame))) = client().next(&mut buf) else {
        panic!("no message")
    };
    assert_eq!(frame.bytes().as_ptr() as usize, ptr);
    let data = &frame.bytes()[23..27];
    let shared = frame.share(data);
    assert_eq!(shared.as_ptr() as usize, ptr + 23);
    assert_eq!(&shared[..], b"\r\n\r\n");
}

#[test]
fn server_reports_sync_literal_before_data() {
    let mut f = Framer::new(Role::Server, Limits::SERVER);
    let mut buf = BytesMut::from(&b"A1 LOGIN {4}\r\n"[..]);
    let Ok(Some(FrameEvent::LiteralAnnounced(a))) = f.next(&mut buf) else {
        panic!("no announcement")
    };
    assert_eq!((a.size, a.sync, a.binary), (4, true, false));
    assert_eq!(f.next(&mut buf), Ok(None));
    buf.extend_from_slice(b"fred {3+}\r\nabc\r\n");
    let Ok(Some(FrameEvent::Message(m))) = f.next(&mut buf) else {
        panic!("no message")
    };
    assert_eq!(&m.bytes()[..], b"A1 LOGIN {4}\r\nfred {3+}\r\nabc\r\n");
    assert!(buf.is_empty());
    assert!(f.at_boundary());
}

#[test]
fn server_rejects_literal_and_resyncs() {
    let mut f = Framer::new(Role::Server, Limits::SERVER);
    let mut buf = BytesMut::from(&b"A1 APPEND x {99}\r\n"[..]);
    assert!(matches!(
        f.next(&mut buf),
        Ok(Some(FrameEvent::LiteralAnnounced(_)))
    ));
    f.reject_literal(&mut buf).unwrap();
    buf.extend_from_slice(b"A2 NOOP\r\n");
    let Ok(Some(FrameEvent::Message(m))) = f.next(&mut buf) else {
        panic!()
    };
    assert_eq!(&m.bytes()[..], b"A2 NOOP\r\n");
    assert!(f.reject_literal(&mut buf).is_err());
}

#[test]
fn literal_too_large_is_refused_before_data() {
    let limits = Limits {
        literal_size: 10,
        ..Limits::SERVER
    };
    let mut f = Framer::new(Role::Server, limits);
    let mut buf = BytesMut::from(&b"A1 APPEND x {11}\r\nA2 NOOP\r\n"[..]);
    let err = f.next(&mut buf).unwrap_err();
    assert_eq!(err, Error::limit("literal_size", 10, true));
    let Ok(Some(FrameEvent::Message(m))) = f.next(&mut buf) else {
        panic!()
    };
    assert_eq!(&m.bytes()[..], b"A2 NOOP\r\n");
}

#[test]
fn refused_non_sync_literal_data_is_skipped() {
    let limits = Limits {
        non_sync_literal_size: Some(4),
        ..Limits::SERVER
    };
    let mut f = Framer::new(Role::Server, limits);
    let input = b"A1 APPEND x {6+}\r\nA2 X\r\n {2+}\r\n\r\n)\r\nA3 NOOP\r\n";
    let events = run(&mut f, input, 1);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        events[0],
        Err(Error::limit("non_sync_literal_size", 4, true))
    );
    assert_eq!(messages(&events), vec![b"A3 NOOP\r\n".to_vec()]);
}

#[test]
fn long_line_is_refused_without_buffering() {
    let limits = Limits {
        line_length: 16,
        ..Limits::SERVER
    };
    let mut f = Framer::new(Role::Server, limits);
    let mut buf = BytesMut::new();
    let mut errors = 0;
    for _ in 0..100 {
        buf.extend_from_slice(b"xxxxxxxxxx");
        while let Err(e) = f.next(&mut buf) {
            assert_eq!(e, Error::limit("line_length", 16, true));
            errors += 1;
        }
        assert!(buf.len() <= 32);
    }
    assert_eq!(errors, 1);
    buf.extend_from_slice(b"\r\nA1 NOOP\r\n");
    let Ok(Some(FrameEvent::Message(m))) = f.next(&mut buf) else {
        panic!()
    };
    assert_eq!(&m.bytes()[..], b"A1 NOOP\r\n");
}

#[test]
fn limits_on_literal_count_and_message_size() {
    let limits = Limits {
        literals_per_message: 1,
        ..Limits::CLIENT
    };
    let mut f = Framer::new(Role::Client, limits);
    let events = run(&mut f, b"* X {1}\r\na {1}\r\nb\r\n* OK\r\n", 3);
    assert_eq!(
        events[0],
        Err(Error::limit("literals_per_message", 1, true))
    );
    assert_eq!(messages(&events), vec![b"* OK\r\n".to_vec()]);

    let limits = Limits {
        message_size: 20,
        ..Limits::CLIENT
    };
    let mut f = Framer::new(Role::Client, limits);
    let events = run(&mut f, b"* X {10}\r\n0123456789\r\n* OK\r\n", 3);
    assert_eq!(events[0], Err(Error::limit("message_size", 20, true)));
    assert_eq!(messages(&events), vec![b"* OK\r\n".to_vec()]);
}

#[test]
fn bare_lf_and_oversized_number() {
    let events = run(
        &mut client(),
        b"* OK\n* OK {99999999999999999999}\r\n* BYE\r\n",
        1,
    );
    assert!(matches!(&events[0], Err(Error::Remote(_))));
    assert!(matches!(&events[1], Err(Error::Remote(_))));
    assert_eq!(messages(&events), vec![b"* BYE\r\n".to_vec()]);
}

#[test]
fn streams_big_literals_in_chunks() {
    let limits = Limits {
        stream_literals_from: Some(8),
        ..Limits::CLIENT
    };
    let mut f = Framer::new(Role::Client, limits);
    let input = b"* 1 FETCH (BODY[] {10}\r\n0123456789 UID 4 X {2}\r\nab)\r\n";
    let events = run(&mut f, input, 3);
    let mut data = Vec::new();
    let mut frames = Vec::new();
    for e in events {
        match e.unwrap() {
            FrameEvent::LiteralChunk { data: d, .. } => {
                assert!(frames.is_empty());
                data.extend_from_slice(&d);
            }
            FrameEvent::Message(m) => frames.push(m),
            FrameEvent::LiteralAnnounced(_) => panic!("client role"),
        }
    }
    assert_eq!(data, b"0123456789");
    assert_eq!(frames.len(), 1);
    assert_eq!(
        &frames[0].bytes()[..],
        b"* 1 FETCH (BODY[] {0}\r\n UID 4 X {2}\r\nab)\r\n"
    );
    assert_eq!(
        frames[0].streamed(),
        &[StreamedLiteral {
            offset: 18,
            size: 10
        }]
    );
}

/// Builds a message stream from proptest pieces: lines with optional
/// literals, some broken on purpose.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 ()*\\[\\]]{0,20}".prop_map(|s| format!("{s}\r\n").into_bytes()),
        (
            "[a-z ]{0,5}",
            proptest::collection::vec(any::<u8>(), 0..30),
            any::<bool>()
        )
            .prop_map(|(head, data, plus)| {
                let mut v = format!(
                    "{head}{{{}{}}}\r\n",
                    data.len(),
                    if plus { "+" } else { "" }
                )
                .into_bytes();
                v.extend_from_slice(&data);
                v
            }),
        proptest::collection::vec(any::<u8>(), 0..10),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

proptest! {
    /// Without errors or streaming, the messages are a partition of the input
    /// (minus an incomplete tail), and feeding piecewise changes nothing.
    #[test]
    fn output_partitions_input(input in stream(), step in 1usize..40) {
        let whole = run(&mut client(), &input, input.len().max(1));
        let pieces = run(&mut client(), &input, step);
        prop_assert_eq!(&whole, &pieces);
        if whole.iter().all(|e| e.is_ok()) {
            let joined: Vec<u8> = messages(&whole).concat();
            prop_assert!(input.starts_with(&joined));
            let rest = &input[joined.len()..];
            // What is left is an incomplete message.
            let mut f = client();
            let mut buf = BytesMut::from(rest);
            prop_assert_eq!(f.next(&mut buf), Ok(None));
        }
    }

    /// Every split position gives the same events as one whole buffer.
    #[test]
    fn split_at_every_byte(input in stream()) {
        let whole = run(&mut client(), &input, input.len().max(1));
        for at in 0..input.len() {
            let mut f = client();
            let mut buf = BytesMut::new();
            let mut out = Vec::new();
            for part in [&input[..at], &input[at..]] {
                buf.extend_from_slice(part);
                loop {
                    match f.next(&mut buf) {
                        Ok(Some(e)) => out.push(Ok(e)),
                        Ok(None) => break,
                        Err(e) => out.push(Err(e)),
                    }
                }
            }
            prop_assert_eq!(&whole, &out);
        }
    }
}

/// A long line fed one byte at a time, and a message of many literals fed
/// in small pieces: each byte is looked at a bounded number of times, so
/// this finishes at once (a framer that re-scanned the growing prefix would
/// do ~10^10 steps here).
#[test]
fn work_is_linear_in_the_input() {
    let mut f = client();
    let mut buf = BytesMut::new();
    let n = 200_000;
    for _ in 0..n {
        buf.extend_from_slice(b"x");
        assert_eq!(f.next(&mut buf), Ok(None));
    }
    buf.extend_from_slice(b"\r\n");
    let Ok(Some(FrameEvent::Message(m))) = f.next(&mut buf) else {
        panic!()
    };
    assert_eq!(m.bytes().len(), n + 2);

    let mut input = Vec::new();
    for _ in 0..20_000 {
        input.extend_from_slice(b"a {3}\r\nxyz");
    }
    input.extend_from_slice(b"\r\n");
    let events = run(&mut client(), &input, 3);
    assert_eq!(messages(&events), vec![input.clone()]);
}
