//! Fuzz checks for mailwire-pop3.

use mailwire_core::Machine;
use mailwire_pop3::encode::Encode;
use mailwire_pop3::parse::{
    parse_capability, parse_challenge, parse_command, parse_lang_listing, parse_response,
    parse_sasl_response, parse_scan_listing, parse_uid_listing,
};
use mailwire_pop3::server::MessageInfo;
use mailwire_pop3::types::{LangListing, LangTag, MechanismName, MsgNum, Text, Timestamp, Uid};
use mailwire_pop3::{Client, ClientConfig, ClientEvent, Server, ServerConfig, ServerEvent};

/// The targets of this module.
pub const TARGETS: &[(&str, crate::Check)] = &[
    ("pop3_command", command),
    ("pop3_response", response),
    ("pop3_server", server),
    ("pop3_client", client),
];

/// The lines of `data` without their line endings.
fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.contains(&b'\r'))
}

/// Parses every line as a command (and as a SASL response line); what
/// parses must re-encode to one line that parses back equal.
pub fn command(data: &[u8]) {
    for line in lines(data) {
        if let Ok(c) = parse_command(line) {
            let wire = c.to_bytes();
            assert!(wire.ends_with(b"\r\n"));
            let again = parse_command(&wire[..wire.len() - 2]).expect("re-encoded command parses");
            assert_eq!(again, c);
        }
        if let Ok(r) = parse_sasl_response(line) {
            let wire = r.to_bytes();
            assert_eq!(parse_sasl_response(&wire[..wire.len() - 2]).ok(), Some(r));
        }
    }
}

fn round_trip<T: Encode + PartialEq + std::fmt::Debug>(
    value: T,
    parse: impl Fn(&[u8]) -> Result<T, mailwire_core::Error>,
) {
    let wire = value.to_bytes();
    let line = &wire[..wire.len() - 2];
    assert!(!line.contains(&b'\r') && !line.contains(&b'\n'));
    assert_eq!(parse(line).expect("re-encoded value parses"), value);
}

/// Parses every line as each kind of server line; what parses must
/// re-encode and parse back equal.
pub fn response(data: &[u8]) {
    for line in lines(data) {
        if let Ok(r) = parse_response(line) {
            round_trip(r, parse_response);
        }
        if let Ok(c) = parse_capability(line) {
            round_trip(c, parse_capability);
        }
        if let Ok(c) = parse_challenge(line) {
            round_trip(c, parse_challenge);
        }
        if let Ok(s) = parse_scan_listing(line) {
            round_trip(s, parse_scan_listing);
        }
        if let Ok(u) = parse_uid_listing(line) {
            round_trip(u, parse_uid_listing);
        }
        if let Ok(l) = parse_lang_listing(line) {
            round_trip(l, parse_lang_listing);
        }
    }
}

const BODY: &[u8] = b"Subject: x\r\n\r\n.dot\r\n..\r\nline\r\n";

/// A server machine fed arbitrary client bytes (the first byte sets the
/// piece size), with an application that accepts the password "pw" and
/// streams bodies. Output must stay bounded and nothing may panic.
pub fn server(data: &[u8]) {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    let step = usize::from(split % 64).max(1);
    let mut config = ServerConfig::new();
    config.stls = true;
    config.allow_plaintext_auth = split & 0x80 != 0;
    config.utf8 = true;
    config.apop_timestamp = Timestamp::new("<1.2@fuzz>").ok();
    config.sasl_mechanisms = MechanismName::new("PLAIN").into_iter().collect();
    config.languages = LangTag::new("en")
        .into_iter()
        .map(|tag| LangListing {
            tag,
            description: Text::empty(),
        })
        .collect();
    let mut server = Server::new(config);
    let infos: Vec<MessageInfo> = (1..=3)
        .filter_map(|i| Uid::new(format!("u{i}")).ok())
        .map(|uid| MessageInfo {
            size: BODY.len() as u64,
            uid,
        })
        .collect();
    let mut written = 0usize;
    for piece in data.chunks(step) {
        if server.receive(piece).is_err() {
            break;
        }
        loop {
            match server.poll_event() {
                Ok(Some(event)) => answer(&mut server, event, &infos),
                Ok(None) => break,
                Err(e) => {
                    if server.is_closed() {
                        assert!(e.is_fatal() || server.is_closed());
                        break;
                    }
                }
            }
        }
        if server.tls_pending() && server.tls_established(Default::default()).is_err() {
            assert!(server.is_closed());
        }
        if let Some(out) = server.poll_transmit() {
            let n = out.len();
            written += n;
            server.advance_transmit(n);
        }
        assert!(server.input_buffer().len() <= 1 << 20);
    }
    let _ = server.receive_eof();
    while let Ok(Some(event)) = server.poll_event() {
        answer(&mut server, event, &infos);
    }
    // Each input byte can cause at most a bounded amount of output.
    assert!(written <= 4096 + data.len() * 512);
}

fn answer(server: &mut Server, event: ServerEvent, infos: &[MessageInfo]) {
    let _ = match event {
        ServerEvent::UserPass { user, password } if password.as_str() == "pw" => {
            server.accept_login(user.as_str())
        }
        ServerEvent::UserPass { .. } | ServerEvent::Apop { .. } => server.reject_login(None),
        ServerEvent::AuthStart { .. } | ServerEvent::AuthResponse(_) => {
            server.auth_challenge(b"more")
        }
        ServerEvent::OpenMaildrop { .. } => server.maildrop_opened(infos.to_vec()),
        ServerEvent::Retr { .. } | ServerEvent::Top { .. } => {
            server.send_body(BODY).and_then(|()| server.finish_body())
        }
        ServerEvent::Update { .. } => server.update_done(Ok(())),
        _ => Ok(()),
    };
}

/// A client machine fed arbitrary server bytes (the first byte sets the
/// piece size) that logs in and asks for everything once logged in. The
/// machine must hold back at most a possible end marker of a body and
/// never panic.
pub fn client(data: &[u8]) {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    let step = usize::from(split % 64).max(1);
    let mut config = ClientConfig::new();
    config.allow_plaintext_auth = true;
    config.allow_apop = split & 0x80 != 0;
    let mut client = Client::new(config);
    let one = MsgNum::new(1).expect("1 is a message number");
    for piece in data.chunks(step) {
        if client.receive(piece).is_err() {
            break;
        }
        loop {
            match client.poll_event() {
                Ok(Some(event)) => {
                    let _ = match event {
                        ClientEvent::Capabilities(_) if !client.is_logged_in() => {
                            client.login("user", "pw")
                        }
                        ClientEvent::Greeting { .. } => client.capa(),
                        ClientEvent::LoggedIn => client
                            .stat()
                            .and_then(|()| client.list(None))
                            .and_then(|()| client.uidl(None))
                            .and_then(|()| client.retr(one))
                            .and_then(|()| client.top(one, 2))
                            .and_then(|()| client.quit()),
                        ClientEvent::StartTls => client.tls_established(Default::default()),
                        _ => Ok(()),
                    };
                }
                Ok(None) => break,
                Err(e) => {
                    if e.is_fatal() {
                        assert!(client.is_closed());
                        break;
                    }
                }
            }
        }
        if let Some(out) = client.poll_transmit() {
            let n = out.len();
            client.advance_transmit(n);
        }
    }
    let _ = client.receive_eof();
}

#[cfg(test)]
mod tests {
    /// A short mutation run over the seeds on stable (no libFuzzer): flips,
    /// inserts and cuts bytes; any panic fails the test.
    #[test]
    fn mutated_seeds_do_not_panic() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (name, check) in super::TARGETS {
            for entry in std::fs::read_dir(root.join(name)).unwrap() {
                let seed = std::fs::read(entry.unwrap().path()).unwrap();
                check(&seed);
                for _ in 0..300 {
                    let mut data = seed.clone();
                    for _ in 0..(next() % 4 + 1) {
                        if data.is_empty() {
                            break;
                        }
                        let at = (next() as usize) % data.len();
                        match next() % 4 {
                            0 => data[at] = next() as u8,
                            1 => data.insert(at, b"\r\n.+ -*[]"[(next() % 9) as usize]),
                            2 => {
                                data.remove(at);
                            }
                            _ => data.truncate(at),
                        }
                    }
                    check(&data);
                }
            }
        }
    }

    #[test]
    fn round_trip_check_can_fail() {
        // A value whose encoding does not parse back equal must panic.
        let result = std::panic::catch_unwind(|| {
            super::round_trip(mailwire_pop3::types::Command::Noop, |_| {
                Ok(mailwire_pop3::types::Command::Quit)
            })
        });
        assert!(result.is_err());
    }
}
