//! Client machine against server machine in memory, and the attacks on
//! the STLS boundary from either side.

mod common;

use std::time::{Duration, Instant};

use common::{App, Pair, Seen, run_client, run_server};
use mailwire_core::{Error, Machine, TlsInfo};
use mailwire_pop3::types::{LangListing, LangTag, MechanismName, MsgNum, ResponseCode, Text};
use mailwire_pop3::{Client, ClientConfig, ClientEvent, Server, ServerConfig, ServerEvent};

fn n(i: u32) -> MsgNum {
    MsgNum::new(i).unwrap()
}

fn tls_client() -> Client {
    let mut c = ClientConfig::new();
    c.implicit_tls = true;
    Client::new(c)
}

fn tls_server() -> Server {
    let mut c = ServerConfig::new();
    c.implicit_tls = true;
    Server::new(c)
}

const TRICKY: &[u8] = b"Subject: dots\r\n\r\n.\r\n..\r\n.x\r\n\r\n.\r\nend . \r\n...\r\n";

fn messages() -> Vec<Vec<u8>> {
    vec![
        TRICKY.to_vec(),
        b"Subject: two\r\nFrom: a@b\r\n\r\nline 1\r\nline 2\r\nline 3\r\n".to_vec(),
        b"Subject: three\r\n\r\nbody\r\n".to_vec(),
    ]
}

fn login_on_caps(c: &mut Client, e: &ClientEvent) {
    if let ClientEvent::Capabilities(_) = e {
        if !c.is_logged_in() {
            c.login("alice", "pw").unwrap();
        }
    }
}

#[test]
fn pipelined_session() {
    let mut pair = Pair::new(
        tls_client(),
        tls_server(),
        App::new("alice", "pw", messages()),
    );
    let mut sent_at_login = 0;
    pair.run(|c, e| {
        login_on_caps(c, e);
        if let ClientEvent::LoggedIn = e {
            c.stat().unwrap();
            c.list(None).unwrap();
            c.uidl(None).unwrap();
            c.retr(n(1)).unwrap();
            c.top(n(2), 1).unwrap();
            c.list(Some(n(3))).unwrap();
            c.uidl(Some(n(2))).unwrap();
            c.dele(n(1)).unwrap();
            c.noop().unwrap();
            c.quit().unwrap();
            sent_at_login = c.poll_transmit().map_or(0, <[u8]>::len);
        }
    });
    assert!(pair.seen.errors.is_empty(), "{:?}", pair.seen.errors);
    assert!(pair.server_errors.is_empty(), "{:?}", pair.server_errors);
    // PIPELINING was offered: all ten commands went out in one write.
    let batch = b"STAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 2 1\r\nLIST 3\r\nUIDL 2\r\nDELE 1\r\nNOOP\r\nQUIT\r\n";
    assert_eq!(sent_at_login, batch.len());
    assert!(pair.c2s.iter().any(|w| w == batch));
    let ev = &pair.seen.events;
    assert!(ev.contains(&ClientEvent::LoggedIn));
    assert!(
        ev.iter()
            .any(|e| matches!(e, ClientEvent::Stat(d) if d.count == 3))
    );
    let lists: Vec<(u32, u64)> = ev
        .iter()
        .filter_map(|e| match e {
            ClientEvent::List(l) => Some((l.msg.get(), l.size)),
            _ => None,
        })
        .collect();
    let m = messages();
    assert_eq!(
        lists,
        [
            (1, m[0].len() as u64),
            (2, m[1].len() as u64),
            (3, m[2].len() as u64),
            (3, m[2].len() as u64)
        ]
    );
    let uids: Vec<String> = ev
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Uidl(l) => Some(format!("{} {}", l.msg, l.uid)),
            _ => None,
        })
        .collect();
    assert_eq!(uids, ["1 uid-1", "2 uid-2", "3 uid-3", "2 uid-2"]);
    assert_eq!(pair.seen.bodies.len(), 2);
    assert_eq!(pair.seen.bodies[0], TRICKY);
    assert_eq!(
        pair.seen.bodies[1],
        b"Subject: two\r\nFrom: a@b\r\n\r\nline 1\r\n"
    );
    // The server said TOP was complete before message 2 ran out (chunks of
    // 7 bytes), so the application stopped reading it; RETR never stops.
    assert_eq!(pair.app.stopped_early, 1);
    assert!(matches!(
        ev.last(),
        Some(ClientEvent::Done {
            command: "QUIT",
            ..
        })
    ));
    assert_eq!(pair.app.updates.len(), 1);
    assert_eq!(pair.app.updates[0][0].0, n(1));
    assert!(pair.client.is_closed() && pair.server.is_closed());
}

#[test]
fn retr_with_dot_lines_is_byte_exact_for_any_chunking() {
    for chunk in [1, 2, 3, 5, 7, 64, 4096] {
        let mut app = App::new("alice", "pw", messages());
        app.chunk = chunk;
        let mut pair = Pair::new(tls_client(), tls_server(), app);
        pair.run(|c, e| {
            login_on_caps(c, e);
            if let ClientEvent::LoggedIn = e {
                for i in 1..=3 {
                    c.retr(n(i)).unwrap();
                }
                c.quit().unwrap();
            }
        });
        assert!(pair.seen.errors.is_empty(), "{:?}", pair.seen.errors);
        assert_eq!(pair.seen.bodies, messages(), "chunk {chunk}");
    }
}

#[test]
fn dele_rset_and_update() {
    let mut pair = Pair::new(
        tls_client(),
        tls_server(),
        App::new("alice", "pw", messages()),
    );
    pair.run(|c, e| {
        login_on_caps(c, e);
        if let ClientEvent::LoggedIn = e {
            c.dele(n(1)).unwrap();
            c.dele(n(2)).unwrap();
            c.rset().unwrap();
            c.dele(n(3)).unwrap();
            c.dele(n(3)).unwrap(); // already deleted
            c.retr(n(3)).unwrap(); // deleted: no such message
            c.stat().unwrap();
            c.list(Some(n(3))).unwrap();
            c.quit().unwrap();
        }
    });
    let failed: Vec<&str> = pair
        .seen
        .events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Failed { command, .. } => Some(*command),
            _ => None,
        })
        .collect();
    assert_eq!(failed, ["DELE", "RETR", "LIST"]);
    assert!(
        pair.seen
            .events
            .iter()
            .any(|e| matches!(e, ClientEvent::Stat(d) if d.count == 2))
    );
    // Only message 3 was still marked at QUIT.
    let deleted: Vec<u32> = pair.app.updates[0].iter().map(|(m, _)| m.get()).collect();
    assert_eq!(deleted, [3]);
    assert_eq!(pair.app.released, 0);
}

#[test]
fn end_of_stream_in_transaction_releases_without_update() {
    let mut pair = Pair::new(
        tls_client(),
        tls_server(),
        App::new("alice", "pw", messages()),
    );
    pair.run(|c, e| {
        login_on_caps(c, e);
        if let ClientEvent::LoggedIn = e {
            c.dele(n(1)).unwrap();
        }
    });
    pair.server.receive_eof().unwrap();
    assert_eq!(
        pair.server.poll_event().unwrap(),
        Some(ServerEvent::Released {
            user: "alice".into()
        })
    );
    assert!(pair.server.is_closed());
    assert!(pair.app.updates.is_empty());
}

fn stls_pair() -> Pair {
    let mut sc = ServerConfig::new();
    sc.stls = true;
    Pair::new(
        Client::new(ClientConfig::new()),
        Server::new(sc),
        App::new("alice", "pw", messages()),
    )
}

#[test]
fn stls_then_capa_again_then_login() {
    let mut pair = stls_pair();
    let mut caps_seen = 0;
    pair.run(|c, e| {
        if let ClientEvent::Capabilities(caps) = e {
            caps_seen += 1;
            if !c.is_tls() {
                assert!(!caps.contains(&mailwire_pop3::Capability::User));
                assert!(matches!(c.login("alice", "pw"), Err(Error::Local(_))));
                c.stls().unwrap();
            } else {
                assert!(caps.contains(&mailwire_pop3::Capability::User));
                assert!(!caps.contains(&mailwire_pop3::Capability::Stls));
                c.login("alice", "pw").unwrap();
            }
        }
        if let ClientEvent::LoggedIn = e {
            c.quit().unwrap();
        }
    });
    assert!(pair.seen.errors.is_empty(), "{:?}", pair.seen.errors);
    assert_eq!(caps_seen, 2);
    assert!(pair.client.is_tls() && pair.server.is_tls());
    assert!(pair.seen.events.contains(&ClientEvent::LoggedIn));
    assert_eq!(pair.app.updates.len(), 1);
}

#[test]
fn stls_plaintext_injected_by_client_side_fails_server() {
    // Pipelined in the same packet as STLS.
    let mut sc = ServerConfig::new();
    sc.stls = true;
    let mut server = Server::new(sc.clone());
    let mut app = App::new("alice", "pw", vec![]);
    let (out, err) = run_server(&mut server, &mut app, &[b"STLS\r\nUSER alice\r\n"]);
    assert!(
        matches!(err, Some(ref e @ Error::Remote(_)) if e.is_fatal()),
        "{err:?}"
    );
    assert!(server.is_closed());
    assert!(!String::from_utf8(out).unwrap().contains("begin TLS"));

    // Arriving after +OK, before the handshake.
    let mut server = Server::new(sc);
    let (_, err) = run_server(&mut server, &mut app, &[b"STLS\r\n"]);
    assert!(err.is_none());
    assert!(server.tls_pending());
    server.receive(b"USER alice\r\n").unwrap();
    let err = server.poll_event().unwrap_err();
    assert!(err.is_fatal());
    assert!(server.is_closed());
    assert!(server.tls_established(TlsInfo::new()).is_err());
}

#[test]
fn stls_plaintext_injected_by_server_side_fails_client() {
    let greeting: &[u8] = b"+OK hi\r\n+OK caps\r\nSTLS\r\n.\r\n";
    // In the same packet as +OK.
    let mut client = Client::new(ClientConfig::new());
    let mut seen = Seen::default();
    run_client(
        &mut client,
        &mut seen,
        &[greeting, b"+OK go\r\n+OK logged in\r\n"],
        |c, e| {
            if let ClientEvent::Capabilities(_) = e {
                c.stls().unwrap();
            }
        },
    );
    assert!(
        matches!(seen.errors.last(), Some(e) if e.is_fatal()),
        "{:?}",
        seen.errors
    );
    assert!(client.is_closed());
    assert!(!seen.events.contains(&ClientEvent::StartTls));

    // After +OK, before the handshake.
    let mut client = Client::new(ClientConfig::new());
    let mut seen = Seen::default();
    run_client(
        &mut client,
        &mut seen,
        &[greeting, b"+OK go\r\n"],
        |c, e| {
            if let ClientEvent::Capabilities(_) = e {
                c.stls().unwrap();
            }
        },
    );
    assert!(client.tls_pending());
    client.receive(b"+OK injected\r\n").unwrap();
    let err = client.tls_established(TlsInfo::new()).unwrap_err();
    assert!(err.is_fatal());
    assert!(client.is_closed());
}

#[test]
fn credentials_refused_before_tls_unless_opted_in() {
    let mut server = Server::new(ServerConfig::new());
    let mut app = App::new("alice", "pw", vec![]);
    let (out, _) = run_server(
        &mut server,
        &mut app,
        &[b"USER alice\r\nAUTH PLAIN AGFsaWNlAHB3\r\nCAPA\r\n"],
    );
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("-ERR [AUTH]").count(), 2, "{text}");
    assert!(!text.contains("\r\nUSER\r\n"));

    let mut config = ServerConfig::new();
    config.allow_plaintext_auth = true;
    let mut cc = ClientConfig::new();
    cc.allow_plaintext_auth = true;
    let mut pair = Pair::new(Client::new(cc), Server::new(config), app);
    pair.run(login_on_caps);
    assert!(pair.seen.events.contains(&ClientEvent::LoggedIn));
}

#[test]
fn wrong_password_and_in_use() {
    let mut pair = Pair::new(
        tls_client(),
        tls_server(),
        App::new("alice", "other", vec![]),
    );
    pair.run(login_on_caps);
    assert!(matches!(
        pair.seen.events.last(),
        Some(ClientEvent::LoginFailed(r)) if r.code == Some(ResponseCode::Auth)
    ));

    let mut app = App::new("alice", "pw", vec![]);
    app.in_use = true;
    let mut pair = Pair::new(tls_client(), tls_server(), app);
    pair.run(login_on_caps);
    assert!(matches!(
        pair.seen.events.last(),
        Some(ClientEvent::LoginFailed(r)) if r.code == Some(ResponseCode::InUse)
    ));
    assert!(!pair.client.is_logged_in());
}

#[test]
fn scram_login_through_mailwire_sasl() {
    let mut sc = ServerConfig::new();
    sc.implicit_tls = true;
    sc.sasl_mechanisms = ["SCRAM-SHA-256", "PLAIN"]
        .iter()
        .map(|m| MechanismName::new(*m).unwrap())
        .collect();
    let mut pair = Pair::new(
        tls_client(),
        Server::new(sc),
        App::new("alice", "pw", messages()),
    );
    pair.run(|c, e| {
        login_on_caps(c, e);
        if let ClientEvent::LoggedIn = e {
            c.quit().unwrap();
        }
    });
    assert!(pair.seen.errors.is_empty(), "{:?}", pair.seen.errors);
    assert!(pair.seen.events.contains(&ClientEvent::LoggedIn));
    let sent = pair.c2s.concat();
    assert!(sent.starts_with(b"CAPA\r\nAUTH SCRAM-SHA-256 "));
    assert_eq!(pair.app.logins, ["alice"]);
}

#[test]
fn apop_pair_only_when_allowed() {
    let mut sc = ServerConfig::new();
    sc.allow_plaintext_auth = true;
    sc.apop_timestamp = Some(mailwire_pop3::types::Timestamp::new("<42.7@example.org>").unwrap());
    let mut cc = ClientConfig::new();
    cc.allow_apop = true;
    let mut pair = Pair::new(
        Client::new(cc),
        Server::new(sc),
        App::new("alice", "pw", vec![]),
    );
    pair.run(login_on_caps);
    assert!(pair.seen.events.contains(&ClientEvent::LoggedIn));
    assert!(pair.c2s.concat().windows(5).any(|w| w == b"APOP "));
}

#[test]
fn utf8_and_lang() {
    let mut sc = ServerConfig::new();
    sc.implicit_tls = true;
    sc.utf8 = true;
    sc.languages = vec![
        LangListing {
            tag: LangTag::new("en").unwrap(),
            description: Text::new("English").unwrap(),
        },
        LangListing {
            tag: LangTag::new("de-CH").unwrap(),
            description: Text::new("Deutsch (Schweiz)").unwrap(),
        },
    ];
    let mut pair = Pair::new(
        tls_client(),
        Server::new(sc),
        App::new("alice", "pw", vec![]),
    );
    pair.run(|c, e| {
        if let ClientEvent::Capabilities(_) = e {
            c.utf8().unwrap();
            c.lang(None).unwrap();
            c.lang(Some(LangTag::new("de").unwrap())).unwrap();
            c.lang(Some(LangTag::new("fr").unwrap())).unwrap();
        }
    });
    assert!(pair.server.is_utf8());
    let ev = &pair.seen.events;
    let langs: Vec<&str> = ev
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Lang(l) => Some(l.tag.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(langs, ["en", "de-CH"]);
    assert!(ev.iter().any(|e| matches!(e,
        ClientEvent::Done { command: "LANG", response } if response.text.as_str().starts_with("de-CH "))));
    assert!(ev.iter().any(|e| matches!(
        e,
        ClientEvent::Failed {
            command: "LANG",
            ..
        }
    )));
}

#[test]
fn autologout_on_a_virtual_clock() {
    let mut config = ServerConfig::new();
    config.implicit_tls = true;
    config.autologout = Duration::from_secs(5); // raised to 10 minutes
    let mut server = Server::new(config);
    let mut app = App::new("alice", "pw", messages());
    run_server(&mut server, &mut app, &[b"USER alice\r\nPASS pw\r\n"]);
    let t0 = Instant::now();
    server.handle_timeout(t0);
    assert_eq!(server.poll_timeout(), Some(t0 + Duration::from_secs(600)));
    server.handle_timeout(t0 + Duration::from_secs(599));
    assert!(!server.is_closed());
    // Activity moves the deadline.
    server.receive(b"NOOP\r\n").unwrap();
    while let Some(e) = server.poll_event().unwrap() {
        app.handle(&mut server, e);
    }
    let t1 = t0 + Duration::from_secs(599);
    server.handle_timeout(t1);
    assert_eq!(server.poll_timeout(), Some(t1 + Duration::from_secs(600)));
    server.handle_timeout(t1 + Duration::from_secs(600));
    assert!(server.is_closed());
    assert_eq!(
        server.poll_event().unwrap(),
        Some(ServerEvent::Released {
            user: "alice".into()
        })
    );
    let out = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(
        out.ends_with("-ERR autologout: idle for too long\r\n"),
        "{out}"
    );
}

#[test]
fn bad_commands_limit_closes() {
    let mut server = tls_server();
    let mut app = App::new("alice", "pw", vec![]);
    let mut input = Vec::new();
    for i in 0..20 {
        input.extend_from_slice(format!("XYZZ {i}\r\n").as_bytes());
    }
    let (out, _) = run_server(&mut server, &mut app, &[&input]);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("-ERR").count(), 10);
    assert!(text.ends_with("-ERR too many bad commands, closing\r\n"));
    assert!(server.is_closed());
}

#[test]
fn overlong_and_bare_lf_lines_are_answered_and_resynchronised() {
    let mut server = tls_server();
    let mut app = App::new("alice", "pw", vec![]);
    let long = format!("USER {}\r\n", "a".repeat(2000));
    let (out, err) = run_server(
        &mut server,
        &mut app,
        &[long.as_bytes(), b"CAPA\nUSER alice\r\nPASS pw\r\n"],
    );
    assert!(err.is_none());
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(
            "-ERR line too long\r\n-ERR lines must end with CRLF\r\n+OK send PASS\r\n+OK maildrop"
        ),
        "{text}"
    );
}

#[test]
fn input_beyond_the_buffer_limit_is_fatal() {
    let mut server = tls_server();
    let big = vec![b'A'; 2 << 20];
    let err = server.receive(&big).unwrap_err();
    assert!(matches!(err, Error::Limit(ref l) if !l.recoverable));
    assert!(server.is_closed());
}

#[test]
fn large_retr_streams_without_buffering_the_body() {
    let mut body = Vec::new();
    while body.len() < 3 << 20 {
        body.extend_from_slice(b".dot line that needs stuffing, and some more text here\r\n");
    }
    let mut wire = b"+OK hi\r\n+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK in\r\n+OK body\r\n".to_vec();
    wire.extend_from_slice(&mailwire_core::dot_stuff(&body));
    let mut client = tls_client();
    let mut total = 0usize;
    let mut largest_buffer = 0usize;
    let mut start = false;
    for piece in wire.chunks(64 * 1024) {
        client.receive(piece).unwrap();
        while let Some(e) = client.poll_event().unwrap() {
            match e {
                ClientEvent::Capabilities(_) => client.login("alice", "pw").unwrap(),
                ClientEvent::LoggedIn => client.retr(n(1)).unwrap(),
                ClientEvent::RetrStart { .. } => start = true,
                ClientEvent::RetrChunk(c) => total += c.len(),
                _ => {}
            }
        }
        largest_buffer = largest_buffer.max(client.input_buffer().len());
    }
    assert!(start);
    assert_eq!(total, body.len());
    // At most a possible end marker is held back between pieces.
    assert!(largest_buffer <= 4, "{largest_buffer}");
}

/// Moves everything `from` has written into `to`, with `extra` appended
/// (a man in the middle adding plaintext).
fn shuttle<A: Machine, B: Machine>(from: &mut A, to: &mut B, extra: &[u8]) {
    let mut bytes = from.poll_transmit().map(<[u8]>::to_vec).unwrap_or_default();
    from.advance_transmit(bytes.len());
    bytes.extend_from_slice(extra);
    to.receive(&bytes).unwrap();
}

fn drain_client(c: &mut Client) -> Result<Vec<ClientEvent>, Error> {
    let mut v = Vec::new();
    while let Some(e) = c.poll_event()? {
        v.push(e);
    }
    Ok(v)
}

#[test]
fn stls_injection_between_the_machines_fails_both_directions() {
    for inject_towards_server in [true, false] {
        let mut sc = ServerConfig::new();
        sc.stls = true;
        let mut server = Server::new(sc);
        let mut client = Client::new(ClientConfig::new());
        shuttle(&mut server, &mut client, b""); // greeting
        assert!(drain_client(&mut client).unwrap().len() == 1);
        shuttle(&mut client, &mut server, b""); // CAPA
        assert_eq!(server.poll_event().unwrap(), None);
        shuttle(&mut server, &mut client, b"");
        assert!(matches!(
            drain_client(&mut client).unwrap()[..],
            [ClientEvent::Capabilities(_)]
        ));
        client.stls().unwrap();
        if inject_towards_server {
            shuttle(&mut client, &mut server, b"USER evil\r\n");
            let err = server.poll_event().unwrap_err();
            assert!(err.is_fatal());
            assert!(server.is_closed() && !server.tls_pending());
        } else {
            shuttle(&mut client, &mut server, b"");
            assert_eq!(server.poll_event().unwrap(), Some(ServerEvent::StartTls));
            shuttle(&mut server, &mut client, b"+OK logged in\r\n");
            let err = drain_client(&mut client).unwrap_err();
            assert!(err.is_fatal());
            assert!(client.is_closed() && !client.tls_pending());
        }
    }
}

#[test]
fn failed_logins_limit_closes() {
    let mut server = tls_server();
    let mut app = App::new("alice", "pw", vec![]);
    let input = b"USER alice\r\nPASS x\r\n".repeat(7);
    let (out, _) = run_server(&mut server, &mut app, &[&input]);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("-ERR [AUTH]").count(), 5, "{text}");
    assert!(text.ends_with("-ERR too many failed logins, closing\r\n"));
    assert!(server.is_closed());
}
