//! Fuzz checks for mailwire-smtp.

use bytes::{Bytes, BytesMut};
use mailwire_core::{Error as MwError, LineEnding, LineFramer};
use mailwire_smtp::types::capability::EhloOutcome;
use mailwire_smtp::{Command, EhloReply, Encode, ParseErrorKind, Policy, Reply, ReplyAssembler};

/// The targets of this module.
pub const TARGETS: &[(&str, crate::Check)] = &[
    ("smtp_command", command),
    ("smtp_reply", reply),
    ("smtp_client", smtp_client),
    ("smtp_server", smtp_server),
];

/// Parses a command line under the strict and the server policy (the
/// first byte chooses which first); whatever parses must encode to one
/// CRLF-terminated line that parses back, strictly, to the same command.
pub fn command(data: &[u8]) {
    let Some((&choice, line)) = data.split_first() else {
        return;
    };
    let policies = if choice & 1 == 0 {
        [Policy::strict(), Policy::server()]
    } else {
        [Policy::server(), Policy::strict()]
    };
    for policy in policies {
        let Ok(cmd) = Command::parse_bytes(&Bytes::copy_from_slice(line), &policy) else {
            continue;
        };
        let wire = cmd.to_vec();
        let body = wire
            .strip_suffix(b"\r\n")
            .expect("an encoded command ends with CRLF");
        assert!(
            !body.contains(&b'\r') && !body.contains(&b'\n') && !body.contains(&0),
            "encoding produced a line break or NUL: {wire:?}"
        );
        let mut strict = Policy::strict();
        strict.max_command_line = usize::MAX;
        let again = Command::parse(body, &strict).expect("an encoded command parses");
        assert_eq!(again, cmd, "round trip of {wire:?}");
    }
    // The same bytes as a stream of pipelined lines: the one-pass
    // `parse_from` must agree with `LineFramer` + `parse_bytes`.
    let ending = if choice & 2 == 0 {
        LineEnding::Strict
    } else {
        LineEnding::Normalize
    };
    let mut small = Policy::server();
    small.max_command_line = usize::from(choice >> 2);
    for policy in [Policy::strict(), Policy::server(), small] {
        parse_from_agrees(line, &policy, ending);
    }
}

/// `Command::parse_from` over `data` (skipping each bad line up to its
/// LF, as its docs say) gives the same commands and errors, line by line,
/// as `LineFramer` + `Command::parse_bytes`, and leaves the same bytes.
fn parse_from_agrees(data: &[u8], policy: &Policy, ending: LineEnding) {
    let mut framer = LineFramer::new(policy.max_command_line, ending);
    let mut framed = BytesMut::from(data);
    let mut buf = Bytes::copy_from_slice(data);
    loop {
        let want = framer.next_line(&mut framed);
        let got = Command::parse_from(&buf, policy, ending);
        match (want, got) {
            (Ok(None), Ok(None)) => {
                assert_eq!(&framed[..], &buf[..], "bytes left");
                return;
            }
            (Ok(Some(line)), Ok(Some((cmd, consumed)))) => {
                assert_eq!(Command::parse_bytes(&line, policy), Ok(cmd));
                buf = buf.slice(consumed..);
            }
            (Ok(Some(line)), Err(e)) => {
                assert_eq!(Command::parse_bytes(&line, policy), Err(e));
                buf = skip_line(&buf);
            }
            (Err(MwError::Limit(_)), Err(e)) => {
                assert_eq!(e.kind(), ParseErrorKind::LineTooLong, "{e}");
                buf = skip_line(&buf);
            }
            (Err(MwError::Remote(r)), Err(e)) => {
                assert_eq!(e.kind(), ParseErrorKind::UnrecognizedCommand, "{e}");
                assert_eq!(e.reason(), r.reason());
                buf = skip_line(&buf);
            }
            (want, got) => panic!("framer {want:?}, parse_from {got:?} on {buf:?}"),
        }
    }
}

/// `buf` after its next LF, or empty.
fn skip_line(buf: &Bytes) -> Bytes {
    match buf.iter().position(|&b| b == b'\n') {
        Some(lf) => buf.slice(lf + 1..),
        None => Bytes::new(),
    }
}

/// Feeds the input, cut at LF, to a reply assembler as lines (CR before
/// the LF dropped); every reply it completes must encode to lines that
/// assemble back to the same reply, and an EHLO reading of one without
/// an enhanced status code must round-trip too. The same lines go to a
/// second assembler through `push_ehlo_line`, which must agree with
/// `push_line` then `EhloReply::from_reply` at every line: the same
/// reply or capabilities, or the same kind of error.
pub fn reply(data: &[u8]) {
    let src = Bytes::copy_from_slice(data);
    let mut asm = ReplyAssembler::new(Policy::client());
    let mut fast = ReplyAssembler::new(Policy::client());
    for line in src.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = src.slice_ref(line);
        let general = asm.push_line(&line);
        let quick = fast.push_ehlo_line(&line);
        cross_check(&general, &quick);
        assert_eq!(asm.is_idle(), fast.is_idle(), "idle after {line:?}");
        let Ok(Some(reply)) = general else {
            continue;
        };
        let mut big = Policy::client();
        big.max_reply_line = usize::MAX;
        big.max_reply_size = usize::MAX;
        big.max_reply_lines = usize::MAX;
        let wire = reply.to_vec();
        let again = Reply::parse(&wire, &big).expect("an encoded reply parses");
        assert_eq!(again, reply, "round trip of {wire:?}");
        // An EHLO reply carries no enhanced code (RFC 2034 §3); a reply
        // with one is only EHLO-read for robustness, not compared.
        if let Ok(ehlo) = EhloReply::from_reply(&reply)
            && reply.enhanced.is_none()
        {
            let wire = ehlo.to_vec();
            let again = Reply::parse(&wire, &big).expect("an encoded EHLO reply parses");
            assert_eq!(
                EhloReply::from_reply(&again).as_ref(),
                Ok(&ehlo),
                "EHLO round trip of {wire:?}"
            );
            assert_eq!(
                EhloReply::parse(&wire, &big).as_ref(),
                Ok(&ehlo),
                "EHLO fast path on {wire:?}"
            );
        }
    }
}

/// `push_ehlo_line` must give what `push_line` and then
/// `EhloReply::from_reply` (for a 250 reply) give.
fn cross_check(
    general: &Result<Option<Reply>, mailwire_smtp::ParseError>,
    fast: &Result<Option<EhloOutcome>, mailwire_smtp::ParseError>,
) {
    match (general, fast) {
        (Ok(None), Ok(None)) => {}
        (Ok(Some(reply)), Ok(Some(out))) => {
            let expected = if reply.code.get() == 250 {
                EhloReply::from_reply(reply).map(EhloOutcome::Ehlo)
            } else {
                Ok(EhloOutcome::Other(reply.clone()))
            };
            assert_eq!(expected.as_ref(), Ok(out), "fast EHLO path on {reply:?}");
        }
        (Ok(Some(reply)), Err(e)) => {
            let expected = EhloReply::from_reply(reply).map_err(|e| e.kind());
            assert_eq!(
                expected.map(|_| ()),
                Err(e.kind()),
                "fast EHLO error on {reply:?}"
            );
        }
        (Err(g), Err(f)) => assert_eq!(g.kind(), f.kind(), "error kinds"),
        (g, f) => panic!("general {g:?}, fast {f:?}"),
    }
}

/// Arbitrary server bytes into a client in the middle of a session: the
/// greeting and EHLO are scripted (the first byte chooses the extensions,
/// LMTP, the piece size, and whether an AUTH or a message is under way),
/// then the rest arrives in pieces. The client must not panic, its buffers
/// stay bounded, a fatal error closes it, and every reply it reports must
/// encode and parse back equal.
pub fn smtp_client(data: &[u8]) {
    use mailwire_core::{Machine, TlsInfo};
    use mailwire_smtp::client::{Client, ClientConfig, Envelope, TlsPolicy};
    use mailwire_smtp::{Host, Mailbox};

    let Some((&choice, data)) = data.split_first() else {
        return;
    };
    let lmtp = choice & 1 != 0;
    let pipelining = choice & 2 != 0;
    let chunking = choice & 4 != 0;
    let auth = choice & 8 != 0;
    let starttls = choice & 16 != 0;
    let step = usize::from(choice >> 5) * 9 + 1;

    let mut config = ClientConfig::new(Host::try_from("client.example").expect("valid host"));
    config.lmtp = lmtp;
    config.tls = if starttls {
        TlsPolicy::Opportunistic
    } else {
        TlsPolicy::None
    };
    config.allow_cleartext_auth = true;
    config.body_piece = 64;
    let body_piece = config.body_piece;
    let max_line = config.policy.max_reply_line;
    let mut client = Client::new(config);
    let start = std::time::Instant::now();
    client.handle_timeout(start);

    let mut ehlo = String::from("220 mx.example ready\r\n250-mx.example\r\n");
    if pipelining {
        ehlo.push_str("250-PIPELINING\r\n");
    }
    if chunking {
        ehlo.push_str("250-CHUNKING\r\n");
    }
    if starttls {
        ehlo.push_str("250-STARTTLS\r\n");
    }
    ehlo.push_str("250-AUTH PLAIN LOGIN SCRAM-SHA-256 CRAM-MD5\r\n250 SIZE 100000\r\n");

    let mut round = 0u32;
    let mut feed = |client: &mut Client, bytes: &[u8]| -> bool {
        if client.receive(bytes).is_err() {
            return false;
        }
        round += 1;
        client.handle_timeout(start + std::time::Duration::from_secs(u64::from(round)));
        loop {
            match client.poll_event() {
                Ok(Some(event)) => check_client_event(&event),
                Ok(None) => break,
                Err(e) => {
                    assert!(
                        !e.is_fatal() || client.is_closed(),
                        "a fatal error must close the client: {e}"
                    );
                    break;
                }
            }
            if client.tls_pending() {
                // The switch of a fuzzed STARTTLS: the handshake "works".
                let _ = client.tls_established(TlsInfo::new());
            }
        }
        // The client never holds more than a line of input, and at most a
        // piece of body plus a few commands of output.
        assert!(client.input_buffer().len() <= max_line + bytes.len());
        if let Some(out) = client.poll_transmit() {
            assert!(
                out.len() <= body_piece * 2 + 8192,
                "transmit grew to {}",
                out.len()
            );
            let n = out.len();
            client.advance_transmit(n);
        }
        !client.is_closed()
    };
    if !feed(&mut client, ehlo.as_bytes()) {
        return;
    }
    if client.is_ready() {
        if auth {
            let creds = mailwire_sasl::Credentials::password("user", "password");
            let _ = client.authenticate(&creds);
        } else {
            let from = Mailbox::new("a@client.example").expect("valid mailbox");
            let to = [
                Mailbox::new("b@mx.example").expect("valid mailbox"),
                Mailbox::new("c@mx.example").expect("valid mailbox"),
            ];
            let body = bytes::Bytes::from_static(b"Subject: x\r\n\r\n.dot\r\n0123456789012345678901234567890123456789\r\n0123456789012345678901234567890123456789\r\n");
            let _ = client.send_mail(Envelope::new(from, to), body);
        }
        let _ = client.noop();
    }
    for piece in data.chunks(step) {
        if !feed(&mut client, piece) {
            break;
        }
    }
    let _ = client.receive_eof();
    while let Ok(Some(event)) = client.poll_event() {
        check_client_event(&event);
    }
}

/// Every reply inside a client event encodes and parses back equal.
fn check_client_event(event: &mailwire_smtp::client::ClientEvent) {
    use mailwire_smtp::client::ClientEvent;
    let mut big = Policy::client();
    big.max_reply_line = usize::MAX;
    big.max_reply_size = usize::MAX;
    big.max_reply_lines = usize::MAX;
    let round_trip = |r: &Reply| {
        let wire = r.to_vec();
        let again = Reply::parse(&wire, &big).expect("an encoded reply parses");
        assert_eq!(&again, r, "round trip of {wire:?}");
    };
    match event {
        ClientEvent::Greeting(r)
        | ClientEvent::AuthFailed { reply: r, .. }
        | ClientEvent::RecipientResult { reply: r, .. }
        | ClientEvent::TransactionFailed { reply: r }
        | ClientEvent::Done { reply: r, .. } => round_trip(r),
        ClientEvent::Closed(Some(r)) => round_trip(r),
        ClientEvent::MessageResult { per_recipient } => {
            per_recipient.iter().for_each(|(_, r)| round_trip(r))
        }
        _ => {}
    }
}

/// Runs a server machine that answers every event over arbitrary input
/// (the first byte picks LMTP, the line-ending policy, cleartext AUTH and
/// how the input is cut): it must not panic, must answer with well-formed
/// reply lines only, keep its output and the body it passes on within
/// bounds, and be closed once the input has ended.
pub fn smtp_server(data: &[u8]) {
    use mailwire_core::{LineEnding, Machine, TlsInfo};
    use mailwire_smtp::server::{Server, ServerConfig, ServerEvent};

    let Some((&flags, input)) = data.split_first() else {
        return;
    };
    let mut config = ServerConfig::new(mailwire_smtp::Host::try_from("mx.fuzz").expect("host"));
    config.lmtp = flags & 1 != 0;
    if flags & 2 != 0 {
        config.line_ending = LineEnding::Normalize;
    }
    config.starttls = true;
    config.auth.mechanisms = vec![
        mailwire_sasl::Mechanism::Plain,
        mailwire_sasl::Mechanism::Login,
    ];
    config.auth.allow_cleartext = flags & 4 != 0;
    config.extensions.binary_mime = true;
    config.limits.max_message_size = 64;
    config.limits.max_recipients = 3;
    config.limits.max_bad_commands = 50;
    let cut = usize::from(flags >> 3) + 1;
    let max_body = config.limits.max_message_size as usize;
    let mut server = Server::new(config);
    let mut output = 0usize;
    let mut body = 0usize;
    let mut answers = 0u32;
    let mut drain = |server: &mut Server, output: &mut usize| {
        loop {
            let ev = match server.poll_event() {
                Ok(Some(ev)) => ev,
                Ok(None) => break,
                Err(e) if e.is_fatal() => break,
                Err(_) => continue,
            };
            answers += 1;
            match ev {
                ServerEvent::DataChunk(b) => {
                    body += b.len();
                    assert!(body <= max_body, "body past SIZE passed on");
                }
                ServerEvent::Quit | ServerEvent::Reset | ServerEvent::DataAborted(_) => body = 0,
                ServerEvent::DataStart { .. } => {
                    body = 0;
                    server.accept().expect("accept DATA/BDAT");
                }
                ServerEvent::DataEnd { recipients } => {
                    body = 0;
                    for _ in 0..recipients {
                        server.accept().expect("one answer per recipient");
                    }
                    assert!(server.accept().is_err(), "no extra answer");
                }
                ServerEvent::Auth { .. } => server.auth_challenge(b"").expect("challenge"),
                ServerEvent::Rcpt { .. } if answers % 5 == 0 => server
                    .reject(mailwire_smtp::Reply::mailbox_unavailable())
                    .expect("reject"),
                ServerEvent::StartTls => {}
                _ => {
                    let _ = server.accept();
                }
            }
            if server.tls_pending() {
                let _ = server.tls_established(TlsInfo::new());
            }
            if let Some(out) = server.poll_transmit() {
                let n = out.len();
                check_reply_lines(out);
                *output += n;
                server.advance_transmit(n);
            }
        }
    };
    for piece in input.chunks(cut) {
        if server.is_closed() {
            break;
        }
        server.receive(piece).expect("receive");
        drain(&mut server, &mut output);
    }
    server.receive_eof().expect("eof");
    drain(&mut server, &mut output);
    assert!(
        server.is_closed(),
        "input ended but the machine is open: {server:?}"
    );
    assert!(!server.awaits_answer());
    // Every reply answers at least a line ending; EHLO is the longest.
    assert!(
        output <= 1024 + input.len() * 400,
        "output {output} for {} input bytes",
        input.len()
    );
}

/// Every line is `ddd`, `ddd-text` or `ddd text`, ended by CRLF.
fn check_reply_lines(out: &[u8]) {
    let text = out.strip_suffix(b"\r\n").expect("output ends with CRLF");
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(
            line.len() >= 3 && line[..3].iter().all(u8::is_ascii_digit),
            "{line:?}"
        );
        assert!(matches!(line.get(3), None | Some(b' ' | b'-')), "{line:?}");
        assert!(!line.contains(&b'\r') && !line.contains(&0), "{line:?}");
    }
}
