//! The RFCs' own example sessions, both directions, each fed at every
//! byte boundary.

mod common;

use common::{App, Seen, run_client, run_server, split_at};
use mailwire_core::{Error, Machine, TlsInfo};
use mailwire_pop3::client::{SaslClient, apop_digest};
use mailwire_pop3::types::{Arg, Capability, MechanismName, MsgNum, ResponseCode, Text, Timestamp};
use mailwire_pop3::{Client, ClientConfig, ClientEvent, Server, ServerConfig, ServerEvent};

const TIMESTAMP: &str = "<1896.697170952@dbc.mtview.ca.us>";

/// A message of exactly `size` octets with CRLF lines, some starting with
/// a dot.
fn message(size: usize, tag: &str) -> Vec<u8> {
    let mut m = format!("Subject: {tag}\r\n\r\n.leading dot\r\n..two\r\n.\r\n").into_bytes();
    while m.len() + 2 < size {
        m.push(b'x');
        if m.len() % 30 == 0 && m.len() + 4 < size {
            m.extend_from_slice(b"\r\n");
        }
    }
    m.truncate(size - 2);
    m.extend_from_slice(b"\r\n");
    assert_eq!(m.len(), size);
    m
}

fn stuffed(m: &[u8]) -> Vec<u8> {
    mailwire_core::dot_stuff(m).to_vec()
}

/// Every way of cutting `input` in two, plus byte by byte.
fn splits(input: &[u8]) -> Vec<Vec<&[u8]>> {
    let mut all: Vec<Vec<&[u8]>> = (0..=input.len())
        .map(|k| split_at(input, k).to_vec())
        .collect();
    all.push(input.chunks(1).collect());
    all
}

#[test]
fn rfc1939_apop_digest_example() {
    // RFC 1939 §7: MD5("<1896.697170952@dbc.mtview.ca.us>tanstaaf").
    assert_eq!(
        apop_digest(TIMESTAMP, "tanstaaf").to_hex(),
        "c4c9334bac560ecc979e58001b3e22fb"
    );
}

/// RFC 1939 §10, server side: the machine's output for the client's lines.
#[test]
fn rfc1939_section10_server() {
    let m1 = message(120, "one");
    let m2 = message(200, "two");
    let input: &[u8] = b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n";
    let mut expected = format!("+OK POP3 server ready {TIMESTAMP}\r\n").into_bytes();
    expected.extend_from_slice(
        b"+OK maildrop has 2 messages (320 octets)\r\n+OK 2 320\r\n+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n+OK 120 octets\r\n",
    );
    expected.extend_from_slice(&stuffed(&m1));
    expected.extend_from_slice(b"+OK message 1 deleted\r\n+OK 200 octets\r\n");
    expected.extend_from_slice(&stuffed(&m2));
    expected.extend_from_slice(b"+OK message 2 deleted\r\n+OK POP3 server signing off\r\n");

    for pieces in splits(input) {
        let mut config = ServerConfig::new();
        config.apop_timestamp = Some(Timestamp::new(TIMESTAMP).unwrap());
        config.allow_plaintext_auth = true;
        let mut server = Server::new(config);
        let mut app = App::new("mrose", "tanstaaf", vec![m1.clone(), m2.clone()]);
        let (out, err) = run_server(&mut server, &mut app, &pieces);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&expected)
        );
        let deleted: Vec<u32> = app.updates[0].iter().map(|(n, _)| n.get()).collect();
        assert_eq!(deleted, [1, 2]);
        assert!(server.is_closed());
        assert_eq!(app.released, 0);
    }
}

/// RFC 1939 §10, client side: the machine's commands for the server's
/// lines, and what it reports.
#[test]
fn rfc1939_section10_client() {
    let m1 = message(120, "one");
    let m2 = message(200, "two");
    let mut input = format!("+OK POP3 server ready {TIMESTAMP}\r\n").into_bytes();
    input.extend_from_slice(b"+OK mrose's maildrop has 2 messages (320 octets)\r\n+OK 2 320\r\n+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n+OK 120 octets\r\n");
    input.extend_from_slice(&stuffed(&m1));
    input.extend_from_slice(b"+OK message 1 deleted\r\n+OK 200 octets\r\n");
    input.extend_from_slice(&stuffed(&m2));
    input.extend_from_slice(
        b"+OK message 2 deleted\r\n+OK dewey POP3 server signing off (maildrop empty)\r\n",
    );
    let expected: &[u8] = b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\nSTAT\r\nLIST\r\nRETR 1\r\nDELE 1\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n";

    for pieces in splits(&input) {
        let mut config = ClientConfig::new();
        config.allow_apop = true;
        config.auto_capa = false;
        let mut client = Client::new(config);
        let mut seen = Seen::default();
        let n = |i| MsgNum::new(i).unwrap();
        let out = run_client(&mut client, &mut seen, &pieces, |c, e| {
            if let ClientEvent::Greeting { .. } = e {
                c.login("mrose", "tanstaaf").unwrap();
                c.stat().unwrap();
                c.list(None).unwrap();
                c.retr(n(1)).unwrap();
                c.dele(n(1)).unwrap();
                c.retr(n(2)).unwrap();
                c.dele(n(2)).unwrap();
                c.quit().unwrap();
            }
        });
        assert!(seen.errors.is_empty(), "{:?}", seen.errors);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(expected)
        );
        assert_eq!(seen.bodies, [m1.clone(), m2.clone()]);
        assert!(matches!(
            &seen.events[0],
            ClientEvent::Greeting { apop_timestamp: Some(t), .. } if t.as_str() == TIMESTAMP
        ));
        assert_eq!(seen.events[1], ClientEvent::LoggedIn);
        assert!(matches!(
            seen.events[2],
            ClientEvent::Stat(d) if d.count == 2 && d.size == 320
        ));
        let sizes: Vec<u64> = seen
            .events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::List(l) => Some(l.size),
                _ => None,
            })
            .collect();
        assert_eq!(sizes, [120, 200]);
        assert!(matches!(
            seen.events.last(),
            Some(ClientEvent::Done {
                command: "QUIT",
                ..
            })
        ));
        assert!(client.is_closed());
    }
}

const RFC2449_CAPA: &[u8] = b"+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL CRAM-MD5 KERBEROS_V4\r\nRESP-CODES\r\nLOGIN-DELAY 900\r\nPIPELINING\r\nEXPIRE 60\r\nUIDL\r\nIMPLEMENTATION Shlemazle-Plotz-v302\r\n.\r\n";

/// RFC 2449 §5 CAPA example and §8.1.1 [IN-USE], client side.
#[test]
fn rfc2449_capa_and_in_use_client() {
    let mut input = b"+OK POP3 server ready\r\n".to_vec();
    input.extend_from_slice(RFC2449_CAPA);
    input.extend_from_slice(b"+OK\r\n-ERR [IN-USE] Do you have another POP session running?\r\n");
    for pieces in splits(&input) {
        let mut config = ClientConfig::new();
        config.allow_plaintext_auth = true;
        let mut client = Client::new(config);
        let mut seen = Seen::default();
        let out = run_client(&mut client, &mut seen, &pieces, |c, e| {
            if let ClientEvent::Capabilities(_) = e {
                // CRAM-MD5 needs the plaintext password on the server;
                // the PLAIN-less list leaves USER/PASS as the choice here.
                c.login_user_pass(Arg::new("mrose").unwrap(), "pw x".try_into().unwrap())
                    .unwrap();
            }
        });
        assert!(seen.errors.is_empty(), "{:?}", seen.errors);
        assert_eq!(out, b"CAPA\r\nUSER mrose\r\nPASS pw x\r\n");
        let mech = |s| MechanismName::new(s).unwrap();
        assert_eq!(
            seen.events[1],
            ClientEvent::Capabilities(vec![
                Capability::Top,
                Capability::User,
                Capability::Sasl(vec![mech("CRAM-MD5"), mech("KERBEROS_V4")]),
                Capability::RespCodes,
                Capability::LoginDelay {
                    seconds: 900,
                    per_user: false
                },
                Capability::Pipelining,
                Capability::Expire {
                    days: Some(60),
                    per_user: false
                },
                Capability::Uidl,
                Capability::Implementation(Text::new("Shlemazle-Plotz-v302").unwrap()),
            ])
        );
        match &seen.events[2] {
            ClientEvent::LoginFailed(r) => assert_eq!(r.code, Some(ResponseCode::InUse)),
            other => panic!("{other:?}"),
        }
        assert!(!client.is_logged_in());
    }
}

/// RFC 2449 §8.1.1 [IN-USE] and RFC 3206 [AUTH], server side; CAPA
/// lists what the configuration offers, with RESP-CODES and
/// AUTH-RESP-CODE.
#[test]
fn rfc2449_in_use_and_rfc3206_auth_server() {
    let input: &[u8] = b"CAPA\r\nUSER mrose\r\nPASS wrong\r\nUSER mrose\r\nPASS secret\r\n";
    for pieces in splits(input) {
        let mut config = ServerConfig::new();
        config.allow_plaintext_auth = true;
        config
            .extra_capabilities
            .push(Capability::Implementation(Text::new("mailwire").unwrap()));
        config.extra_capabilities.push(Capability::LoginDelay {
            seconds: 900,
            per_user: false,
        });
        let mut server = Server::new(config);
        let mut app = App::new("mrose", "secret", vec![]);
        app.in_use = true;
        let (out, err) = run_server(&mut server, &mut app, &pieces);
        assert!(err.is_none());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "+OK POP3 server ready\r\n+OK capability list follows\r\nTOP\r\nUSER\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUIDL\r\nIMPLEMENTATION mailwire\r\nLOGIN-DELAY 900\r\n.\r\n\
             +OK send PASS\r\n-ERR [AUTH] authentication failed\r\n+OK send PASS\r\n-ERR [IN-USE] maildrop already locked\r\n"
        );
        assert!(!server.is_closed());
    }
}

/// RFC 5034 §6, first example (STLS, CAPA again, AUTH PLAIN with an
/// initial response), server side.
#[test]
fn rfc5034_plain_initial_response_server() {
    let before: &[u8] = b"CAPA\r\nSTLS\r\n";
    let after: &[u8] = b"CAPA\r\nAUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\nQUIT\r\n";
    for pieces in splits(after) {
        let mut config = ServerConfig::new();
        config.stls = true;
        config.sasl_mechanisms = vec![MechanismName::new("PLAIN").unwrap()];
        config.extra_capabilities.push(Capability::Implementation(
            Text::new("BlurdyBlurp POP3 server").unwrap(),
        ));
        let mut server = Server::new(config);
        let mut app = App::new("test", "test", vec![]);
        let (out, err) = run_server(&mut server, &mut app, &[before]);
        assert!(err.is_none());
        let text = String::from_utf8(out).unwrap();
        // Before TLS: STLS offered, neither USER nor SASL.
        assert!(text.ends_with("UIDL\r\nSTLS\r\nIMPLEMENTATION BlurdyBlurp POP3 server\r\n.\r\n+OK begin TLS negotiation\r\n"), "{text}");
        assert!(!text.contains("SASL") && !text.contains("USER"));
        assert!(server.tls_pending());
        assert_eq!(app.tls_switches, 1);
        server.tls_established(TlsInfo::new()).unwrap();
        let (out, err) = run_server(&mut server, &mut app, &pieces);
        assert!(err.is_none(), "{err:?}");
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "+OK capability list follows\r\nTOP\r\nUSER\r\nSASL PLAIN\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUIDL\r\nIMPLEMENTATION BlurdyBlurp POP3 server\r\n.\r\n\
             +OK maildrop has 0 messages (0 octets)\r\n+OK POP3 server signing off\r\n"
        );
        assert_eq!(app.logins, ["test"]);
    }
}

/// RFC 5034 §6, second example (AUTH PLAIN without initial response: an
/// empty challenge `+ `), server side, plus the `*` cancel.
#[test]
fn rfc5034_plain_empty_challenge_and_cancel_server() {
    let input: &[u8] = b"AUTH PLAIN\r\n*\r\nAUTH PLAIN\r\ndGVzdAB0ZXN0AHRlc3Q=\r\n";
    for pieces in splits(input) {
        let mut config = ServerConfig::new();
        config.implicit_tls = true;
        config.sasl_mechanisms = vec![MechanismName::new("PLAIN").unwrap()];
        let mut server = Server::new(config);
        let mut app = App::new("test", "test", vec![]);
        let (out, err) = run_server(&mut server, &mut app, &pieces);
        assert!(err.is_none());
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "+OK POP3 server ready\r\n+ \r\n-ERR authentication cancelled\r\n+ \r\n+OK maildrop has 0 messages (0 octets)\r\n"
        );
    }
}

/// PLAIN with authzid "test" as in RFC 5034 §6; `with_ir` chooses the
/// first or second example.
struct RfcPlain {
    with_ir: bool,
    finished: bool,
}

const RFC_PLAIN: &[u8] = b"test\0test\0test";

impl SaslClient for RfcPlain {
    fn mechanism_name(&self) -> &str {
        "PLAIN"
    }
    fn initial_response(&mut self) -> Option<Vec<u8>> {
        self.with_ir.then(|| RFC_PLAIN.to_vec())
    }
    fn step(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        assert!(challenge.is_empty());
        Ok(RFC_PLAIN.to_vec())
    }
    fn finish(&mut self) -> Result<(), Error> {
        self.finished = true;
        Ok(())
    }
}

/// RFC 5034 §6, both examples, client side: STLS, CAPA again after TLS,
/// AUTH PLAIN with and without the initial response.
#[test]
fn rfc5034_examples_client() {
    for with_ir in [true, false] {
        let before = b"+OK pop.example.com BlurdyBlurp POP3 server ready\r\n+OK List of capabilities follows\r\nSASL DIGEST-MD5 GSSAPI ANONYMOUS\r\nSTLS\r\nIMPLEMENTATION BlurdyBlurp POP3 server\r\n.\r\n+OK Begin TLS negotiation now\r\n";
        let mut after = b"+OK List of capabilities follows\r\nSASL PLAIN DIGEST-MD5 GSSAPI ANONYMOUS\r\nIMPLEMENTATION BlurdyBlurp POP3 server\r\n.\r\n".to_vec();
        if !with_ir {
            after.extend_from_slice(b"+ \r\n");
        }
        after.extend_from_slice(b"+OK Maildrop locked and ready\r\n");
        for pieces in splits(&after) {
            let mut client = Client::new(ClientConfig::new());
            let mut seen = Seen::default();
            let out = run_client(&mut client, &mut seen, &[before], |c, e| {
                if let ClientEvent::Capabilities(_) = e {
                    assert!(c.has_capability(&Capability::Stls));
                    // No password before TLS.
                    assert!(matches!(c.login("test", "test"), Err(Error::Local(_))));
                    c.stls().unwrap();
                }
            });
            assert_eq!(out, b"CAPA\r\nSTLS\r\n");
            assert_eq!(seen.events.last(), Some(&ClientEvent::StartTls));
            assert!(client.tls_pending());
            client.tls_established(TlsInfo::new()).unwrap();
            assert!(client.capabilities().is_none(), "forgotten after TLS");
            let out = run_client(&mut client, &mut seen, &pieces, |c, e| {
                if let ClientEvent::Capabilities(_) = e {
                    c.authenticate(Box::new(RfcPlain {
                        with_ir,
                        finished: false,
                    }))
                    .unwrap();
                }
            });
            assert!(seen.errors.is_empty(), "{:?}", seen.errors);
            let expected: &[u8] = if with_ir {
                b"CAPA\r\nAUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\n"
            } else {
                b"CAPA\r\nAUTH PLAIN\r\ndGVzdAB0ZXN0AHRlc3Q=\r\n"
            };
            assert_eq!(
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(expected)
            );
            assert_eq!(seen.events.last(), Some(&ClientEvent::LoggedIn));
            assert!(client.is_logged_in());
        }
    }
}

/// The server machine's events for the RFC 1939 USER/PASS example
/// (§7), PASS with spaces.
#[test]
fn rfc1939_user_pass_with_spaces_event() {
    let mut config = ServerConfig::new();
    config.allow_plaintext_auth = true;
    let mut server = Server::new(config);
    server
        .receive(b"USER mrose\r\nPASS secret with spaces\r\n")
        .unwrap();
    match server.poll_event().unwrap() {
        Some(ServerEvent::UserPass { user, password }) => {
            assert_eq!(user.as_str(), "mrose");
            assert_eq!(password.as_str(), "secret with spaces");
        }
        other => panic!("{other:?}"),
    }
}
