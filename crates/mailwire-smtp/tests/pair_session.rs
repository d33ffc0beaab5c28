//! Client against server in memory: transactions.

mod pair_common;

use std::time::Duration;

use bytes::Bytes;
use mailwire_core::{Error, Machine};
use mailwire_smtp::client::{BodyInfo, Client, ClientEvent, Envelope};
use mailwire_smtp::server::{AbortReason, ServerEvent};
use mailwire_smtp::{Body, Reply};
use pair_common::*;

/// A message with lines that need dot-stuffing, bare line endings and no
/// final CRLF: the server receives the canonical body.
const BODY: &[u8] = b"Subject: test\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\nlast line";
const BODY_SEEN: &[u8] =
    b"Subject: test\r\n\r\n.starts with a dot\r\n..two dots\r\n.\r\nlast line\r\n";

fn send_then_quit(env: Envelope, body: &'static [u8]) -> impl FnMut(&mut Client, &ClientEvent) {
    let mut env = Some(env);
    move |c, e| match e {
        ClientEvent::Ready { .. } => {
            if let Some(env) = env.take() {
                c.send_mail(env, Bytes::from_static(body)).unwrap();
            }
        }
        ClientEvent::MessageResult { .. } | ClientEvent::TransactionFailed { .. } => {
            c.quit().unwrap()
        }
        _ => {}
    }
}

fn message_result(events: &[ClientEvent]) -> Vec<(String, u16)> {
    events
        .iter()
        .find_map(|e| match e {
            ClientEvent::MessageResult { per_recipient } => Some(
                per_recipient
                    .iter()
                    .map(|(r, rep)| (r.mailbox().unwrap().to_string(), rep.code.get()))
                    .collect(),
            ),
            _ => None,
        })
        .expect("no MessageResult")
}

#[test]
fn plain_message_without_extensions_use() {
    let mut cc = client_config();
    cc.pipelining = false;
    cc.chunking = false;
    let mut pair = Pair::new(cc, server_config());
    let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
    pair.run(&mut send_then_quit(env, BODY), &mut accept_all);
    assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
    assert!(pair.server_error.is_none(), "{:?}", pair.server_error);
    assert_eq!(pair.messages, [BODY_SEEN.to_vec()]);
    assert_eq!(
        message_result(&pair.client_events),
        [("b@mx.example".into(), 250)]
    );
    assert!(pair.closed_with(221));
    assert!(pair.client.is_closed() && pair.server.is_closed());
    // The server saw the declared size (SIZE offered by default).
    assert!(pair.server_events.iter().any(|e| matches!(e,
        ServerEvent::Mail { params, .. } if params.size == Some(BODY.len() as u64))));
}

#[test]
fn pipelining_sends_envelope_in_one_write() {
    let mut cc = client_config();
    cc.chunking = false;
    let mut pair = Pair::new(cc, server_config());
    let env = Envelope::new(
        mbox("a@client.example"),
        [
            mbox("b@mx.example"),
            mbox("c@mx.example"),
            mbox("d@mx.example"),
        ],
    );
    pair.run(&mut send_then_quit(env, BODY), &mut accept_all);
    assert!(pair.client_error.is_none() && pair.server_error.is_none());
    assert_eq!(pair.messages, [BODY_SEEN.to_vec()]);
    let group = pair
        .client_writes
        .iter()
        .find(|w| w.starts_with(b"MAIL FROM"))
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(group),
        "MAIL FROM:<a@client.example> SIZE=61\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nRCPT TO:<d@mx.example>\r\nDATA\r\n"
    );
    assert_eq!(message_result(&pair.client_events).len(), 3);
}

/// The application refuses one recipient; the message still goes to the
/// others, and the client reports each.
#[test]
fn partial_recipient_failure() {
    for pipelining in [false, true] {
        let mut cc = client_config();
        cc.pipelining = pipelining;
        let mut pair = Pair::new(cc, server_config());
        let env = Envelope::new(
            mbox("a@client.example"),
            [
                mbox("b@mx.example"),
                mbox("bad@mx.example"),
                mbox("d@mx.example"),
            ],
        );
        let mut server_app = |s: &mut mailwire_smtp::server::Server, e: &ServerEvent| match e {
            ServerEvent::Rcpt { to, .. } if to.mailbox().unwrap().local_part() == "bad" => {
                s.reject(Reply::mailbox_unavailable()).unwrap()
            }
            other => accept_all(s, other),
        };
        pair.run(&mut send_then_quit(env, BODY), &mut server_app);
        assert!(pair.client_error.is_none() && pair.server_error.is_none());
        assert_eq!(pair.messages, [BODY_SEEN.to_vec()]);
        let rcpts: Vec<u16> = pair
            .client_events
            .iter()
            .filter_map(|e| match e {
                ClientEvent::RecipientResult { reply, .. } => Some(reply.code.get()),
                _ => None,
            })
            .collect();
        assert_eq!(rcpts, [250, 550, 250]);
        assert_eq!(
            message_result(&pair.client_events),
            [("b@mx.example".into(), 250), ("d@mx.example".into(), 250)]
        );
    }
}

/// Every recipient refused: no data is sent at all, with or without
/// pipelining.
#[test]
fn all_recipients_refused_sends_no_data() {
    for pipelining in [false, true] {
        let mut cc = client_config();
        cc.pipelining = pipelining;
        cc.chunking = false;
        let mut pair = Pair::new(cc, server_config());
        let env = Envelope::new(mbox("a@client.example"), [mbox("x@mx.example")]);
        let mut server_app = |s: &mut mailwire_smtp::server::Server, e: &ServerEvent| match e {
            ServerEvent::Rcpt { .. } => s.reject(Reply::mailbox_unavailable()).unwrap(),
            other => accept_all(s, other),
        };
        pair.run(
            &mut send_then_quit(env, b"secret body\r\n"),
            &mut server_app,
        );
        assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
        assert!(pair.messages.is_empty());
        let wire = pair.client_wire();
        assert!(!wire.windows(6).any(|w| w == b"secret"));
        assert!(pair.client_events.iter().any(
            |e| matches!(e, ClientEvent::TransactionFailed { reply } if reply.code.get() == 550)
        ));
        assert!(pair.closed_with(221));
    }
}

/// CHUNKING: the body goes in BDAT chunks of `body_piece` octets, never
/// dot-stuffed; the server reassembles it exactly.
#[test]
fn bdat_chunking_large_body() {
    for pipelining in [false, true] {
        let mut cc = client_config();
        cc.body_piece = 1000;
        cc.pipelining = pipelining;
        let mut pair = Pair::new(cc, server_config());
        let body: &'static [u8] = Box::leak(
            (0..10_500u32)
                .map(|i| match i % 100 {
                    98 => b'\r',
                    99 => b'\n',
                    _ => b'.',
                })
                .collect::<Vec<u8>>()
                .into_boxed_slice(),
        );
        let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
        pair.run(&mut send_then_quit(env, body), &mut accept_all);
        assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
        assert!(pair.server_error.is_none(), "{:?}", pair.server_error);
        assert!(pair.messages == [body.to_vec()], "body differs");
        let wire = pair.client_wire();
        let bdats = wire.windows(5).filter(|w| w == b"BDAT ").count();
        assert_eq!(bdats, 11, "pipelining {pipelining}");
        assert!(wire.windows(15).any(|w| w == b"BDAT 500 LAST\r\n"));
        assert_eq!(message_result(&pair.client_events).len(), 1);
    }
}

/// BINARYMIME over BDAT: NULs and bare CR/LF arrive untouched.
#[test]
fn binarymime_body() {
    let mut sc = server_config();
    sc.extensions.binary_mime = true;
    let mut pair = Pair::new(client_config(), sc);
    let body: &[u8] = b"\0\r\x01\n\xff.\r\n.\r\n";
    let mut sent = false;
    let mut app = |c: &mut Client, e: &ClientEvent| match e {
        ClientEvent::Ready { .. } if !sent => {
            sent = true;
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            let info = BodyInfo {
                size: Some(body.len() as u64),
                eight_bit: true,
                binary: true,
            };
            c.start_mail(env, info).unwrap();
            c.push_body(Bytes::from_static(&body[..3])).unwrap();
            c.push_body(Bytes::from_static(&body[3..])).unwrap();
            c.end_body().unwrap();
        }
        ClientEvent::MessageResult { .. } => c.quit().unwrap(),
        _ => {}
    };
    pair.run(&mut app, &mut accept_all);
    assert!(pair.client_error.is_none() && pair.server_error.is_none());
    assert_eq!(pair.messages, [body.to_vec()]);
    assert!(pair.server_events.iter().any(|e| matches!(e,
        ServerEvent::Mail { params, .. } if params.body == Some(Body::BinaryMime))));
}

/// The client refuses to send a message larger than the server's SIZE;
/// a client that lies about the size is refused by the server.
#[test]
fn size_overflow_both_sides() {
    let mut sc = server_config();
    sc.limits.max_message_size = 100;
    let mut pair = Pair::new(client_config(), sc.clone());
    let mut refused = None;
    let mut app = |c: &mut Client, e: &ClientEvent| {
        if let ClientEvent::Ready { .. } = e {
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            refused = Some(c.send_mail(env, Bytes::from(vec![b'x'; 101])).unwrap_err());
            c.quit().unwrap();
        }
    };
    pair.run(&mut app, &mut accept_all);
    assert!(matches!(refused, Some(Error::Limit(_))), "{refused:?}");
    assert!(!pair.client_wire().windows(4).any(|w| w == b"MAIL"));
    assert!(pair.closed_with(221));

    // The lie: 10 octets declared, 300 sent, by DATA and by BDAT.
    for chunking in [false, true] {
        let mut cc = client_config();
        cc.chunking = chunking;
        cc.body_piece = 64;
        let mut pair = Pair::new(cc, sc.clone());
        let mut app = |c: &mut Client, e: &ClientEvent| match e {
            ClientEvent::Ready { .. } => {
                let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
                let info = BodyInfo {
                    size: Some(10),
                    ..BodyInfo::default()
                };
                c.start_mail(env, info).unwrap();
                for _ in 0..30 {
                    c.push_body(Bytes::from_static(b"123456789\n")).unwrap();
                }
                c.end_body().unwrap();
            }
            ClientEvent::MessageResult { .. } => c.quit().unwrap(),
            _ => {}
        };
        pair.run(&mut app, &mut accept_all);
        assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
        assert!(pair.messages.is_empty());
        assert!(
            pair.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::DataAborted(AbortReason::TooBig)))
        );
        assert_eq!(
            message_result(&pair.client_events),
            [("b@mx.example".into(), 552)],
            "chunking {chunking}"
        );
        assert!(pair.closed_with(221));
    }
}

/// LMTP: one reply per accepted recipient after the data.
#[test]
fn lmtp_per_recipient_replies() {
    for chunking in [false, true] {
        let mut cc = client_config().lmtp();
        cc.chunking = chunking;
        let mut sc = server_config();
        sc.lmtp = true;
        let mut pair = Pair::new(cc, sc);
        let env = Envelope::new(
            mbox("a@client.example"),
            [
                mbox("b@mx.example"),
                mbox("gone@mx.example"),
                mbox("full@mx.example"),
            ],
        );
        let mut server_app = |s: &mut mailwire_smtp::server::Server, e: &ServerEvent| match e {
            ServerEvent::Rcpt { to, .. } if to.mailbox().unwrap().local_part() == "gone" => {
                s.reject(Reply::mailbox_unavailable()).unwrap()
            }
            ServerEvent::DataEnd { recipients } => {
                assert_eq!(*recipients, 2);
                s.accept().unwrap();
                s.reject(Reply::with_text(452, "over quota").unwrap())
                    .unwrap();
            }
            other => accept_all(s, other),
        };
        pair.run(&mut send_then_quit(env, BODY), &mut server_app);
        assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
        assert!(pair.server_error.is_none(), "{:?}", pair.server_error);
        assert!(pair.client_wire().starts_with(b"LHLO client.example\r\n"));
        assert_eq!(
            message_result(&pair.client_events),
            [
                ("b@mx.example".into(), 250),
                ("full@mx.example".into(), 452)
            ]
        );
    }
}

/// Two messages in one session, then RSET and NOOP.
#[test]
fn two_messages_then_rset_noop() {
    let mut pair = Pair::new(client_config(), server_config());
    let mut app = |c: &mut Client, e: &ClientEvent| {
        if let ClientEvent::Ready { .. } = e {
            for to in ["b@mx.example", "c@mx.example"] {
                let env = Envelope::new(mbox("a@client.example"), [mbox(to)]);
                c.send_mail(env, Bytes::from_static(b"hi\r\n")).unwrap();
            }
            c.rset().unwrap();
            c.noop().unwrap();
            c.quit().unwrap();
        }
    };
    pair.run(&mut app, &mut accept_all);
    assert!(pair.client_error.is_none() && pair.server_error.is_none());
    assert_eq!(pair.messages.len(), 2);
    let done: Vec<&str> = pair
        .client_events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Done { command, .. } => Some(*command),
            _ => None,
        })
        .collect();
    assert_eq!(done, ["RSET", "NOOP"]);
    assert!(pair.closed_with(221));
}

/// Partial writes of a few bytes at a time on both sides change nothing.
#[test]
fn tiny_writes() {
    let mut pair = Pair::new(client_config(), server_config());
    pair.write_size = 3;
    let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
    pair.run(&mut send_then_quit(env, BODY), &mut accept_all);
    assert!(pair.client_error.is_none() && pair.server_error.is_none());
    assert_eq!(pair.messages, [BODY_SEEN.to_vec()]);
}

/// A server that never answers the end of data: the client gives up after
/// the DATA termination timeout (10 minutes, RFC 5321 §4.5.3.2.6) on the
/// virtual clock.
#[test]
fn data_termination_timeout() {
    let mut cc = client_config();
    cc.chunking = false;
    let mut pair = Pair::new(cc, server_config());
    let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
    let mut server_app = |s: &mut mailwire_smtp::server::Server, e: &ServerEvent| {
        if !matches!(e, ServerEvent::DataEnd { .. }) {
            accept_all(s, e)
        }
    };
    pair.run(&mut send_then_quit(env, BODY), &mut server_app);
    assert_eq!(pair.messages.len(), 1);
    assert!(pair.client_error.is_none());
    pair.advance(Duration::from_secs(9 * 60));
    pair.run(&mut |_, _| {}, &mut |_, _| {});
    assert!(pair.client_error.is_none());
    pair.advance(Duration::from_secs(61));
    pair.run(&mut |_, _| {}, &mut |_, _| {});
    let err = pair.client_error.expect("timeout");
    assert!(err.to_string().contains("in time"), "{err}");
}
