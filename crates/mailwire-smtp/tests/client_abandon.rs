//! `Client::abandon_mail`: a transaction given up before its data is
//! complete ends with RSET (RFC 5321 §4.1.1.5), every outstanding reply
//! still matched to its own command (RFC 2920 §3.1); scripted replies
//! split at every byte, and the server machine in memory.

mod client_common;
#[path = "pair_common/mod.rs"]
mod pair_common;

use bytes::Bytes;
use client_common::*;
use mailwire_core::{Error, Machine};
use mailwire_smtp::client::{BodyInfo, Client, ClientEvent, Envelope};
use mailwire_smtp::server::ServerEvent;

fn two_rcpts() -> Envelope {
    Envelope::new(
        mbox("a@client.example"),
        [mbox("b@mx.example"), mbox("c@mx.example")],
    )
}

fn start_streaming(c: &mut Client) {
    c.start_mail(two_rcpts(), BodyInfo::default()).unwrap();
}

fn abandon(c: &mut Client) {
    c.abandon_mail().unwrap();
    // The body is closed for good.
    assert!(c.push_body(Bytes::from_static(b"x")).is_err());
    assert!(c.end_body().is_err());
}

fn abandoned(events: &[ClientEvent]) -> Vec<Option<u16>> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::MailAbandoned { reply } => Some(reply.as_ref().map(|r| r.code.get())),
            _ => None,
        })
        .collect()
}

/// PIPELINING + CHUNKING: the RSET goes out at once behind the RCPTs;
/// their replies are reported one by one, then the RSET reply; the
/// session goes on with the next message.
#[test]
fn pipelined_rset_follows_outstanding_rcpts() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n"),
        App(start_streaming),
        App(abandon),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nRSET\r\n"),
        S(b"250 OK\r\n250 OK\r\n550 no such user\r\n250 reset\r\n"),
        App(|c| {
            assert!(c.is_idle());
            let env = Envelope::new(mbox("a@client.example"), [mbox("d@mx.example")]);
            c.send_mail(env, Bytes::from_static(b"hi\r\n")).unwrap();
        }),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<d@mx.example>\r\n"),
        S(b"250 OK\r\n250 OK\r\n"),
        C(b"BDAT 4 LAST\r\nhi\r\n"),
        S(b"250 queued\r\n"),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        codes(&events)[2..],
        [
            "rcpt Mailbox(Mailbox(\"b@mx.example\")) 250",
            "rcpt Mailbox(Mailbox(\"c@mx.example\")) 550",
            "MailAbandoned { reply: Some(Reply { code: ReplyCode(250), enhanced: None, lines: [Text(\"reset\")] }) }",
            "rcpt Mailbox(Mailbox(\"d@mx.example\")) 250",
            "message Mailbox(Mailbox(\"d@mx.example\"))=250",
        ]
    );
}

/// Without PIPELINING: no further RCPT after the reply in flight, then
/// RSET, then its reply ends the transaction.
#[test]
fn without_pipelining_rset_waits_for_the_reply_in_flight() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250 mx\r\n"),
        App(start_streaming),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example>\r\n"),
        App(abandon),
        C(b""),
        S(b"250 OK\r\n"),
        C(b"RSET\r\n"),
        S(b"250 reset\r\n"),
        App(|c| c.noop().unwrap()),
        C(b"NOOP\r\n"),
        S(b"250 OK\r\n"),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(abandoned(&events), [Some(250)]);
    let c = codes(&events);
    assert_eq!(c[2], "rcpt Mailbox(Mailbox(\"b@mx.example\")) 250");
    assert_eq!(c.last().unwrap(), "NOOP 250");
    // The abandoned transaction produced no other end event.
    assert!(!events.iter().any(|e| matches!(
        e,
        ClientEvent::TransactionFailed { .. } | ClientEvent::MessageResult { .. }
    )));
}

/// Pipelined DATA is outstanding: the RSET waits for its reply. Refused
/// DATA: RSET. A 354 with no recipient accepted: the lone dot first
/// (RFC 2920 §3.2 (4)), then RSET.
#[test]
fn pipelined_data_reply_decides() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 PIPELINING\r\n"),
        App(start_streaming),
        App(abandon),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nDATA\r\n"),
        S(b"250 OK\r\n250 OK\r\n250 OK\r\n"),
        C(b""),
        S(b"503 no\r\n"),
        C(b"RSET\r\n"),
        S(b"250 reset\r\n"),
        App(start_streaming),
        App(abandon),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nDATA\r\n"),
        S(b"250 OK\r\n550 no\r\n550 no\r\n354 go\r\n"),
        C(b".\r\n"),
        S(b"554 no valid recipients\r\n"),
        C(b"RSET\r\n"),
        S(b"250 reset\r\n"),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(abandoned(&events), [Some(250), Some(250)]);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, ClientEvent::RecipientResult { .. }))
            .count(),
        4
    );
}

/// The server accepted DATA for a recipient: nothing can end the data
/// without delivery, so the client closes the connection (RFC 5321
/// §4.1.1.10) and writes nothing more.
#[test]
fn accepted_data_is_abandoned_by_closing() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 PIPELINING\r\n"),
        App(start_streaming),
        App(abandon),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nDATA\r\n"),
        S(b"250 OK\r\n250 OK\r\n550 no\r\n354 go\r\n"),
        App(|c| assert!(c.is_closed())),
        C(b""),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    let c = codes(&events);
    assert_eq!(c[c.len() - 2], "MailAbandoned { reply: None }");
    assert_eq!(c[c.len() - 1], "closed None");

    // The same after the 354 came, with part of the body already given.
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250 mx\r\n"),
        App(|c| {
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            c.start_mail(env, BodyInfo::default()).unwrap();
        }),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
        S(b"354 go\r\n"),
        App(|c| {
            c.push_body(Bytes::from_static(b"Subject: x\r\n")).unwrap();
            // Not written yet: the abandon drops it.
            c.abandon_mail().unwrap();
            assert!(c.is_closed());
            assert!(c.poll_transmit().is_none());
        }),
    ];
    let (events, _) = run_all_splits(config("client.example"), &steps);
    assert_eq!(abandoned(&events), [None]);
}

/// BDAT chunks sent without PIPELINING: no more chunks; RSET after the
/// chunk reply outstanding (RFC 3030 §2).
#[test]
fn bdat_chunks_then_rset() {
    let mut cfg = config("client.example");
    cfg.body_piece = 4;
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 CHUNKING\r\n"),
        App(|c| {
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            c.start_mail(env, BodyInfo::default()).unwrap();
            c.push_body(Bytes::from_static(b"abcdefgh")).unwrap();
        }),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"BDAT 4\r\nabcd"),
        App(abandon),
        C(b""),
        S(b"250 4 octets\r\n"),
        C(b"RSET\r\n"),
        S(b"250 reset\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(abandoned(&events), [Some(250)]);
}

/// The oldest transaction not yet complete is abandoned: a running one
/// whose data was fully sent is left alone and the queued one behind it
/// goes, at once and with nothing sent. With nothing left, an error.
#[test]
fn queued_transaction_is_dropped_unsent() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250 mx\r\n"),
        App(|c| {
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            c.send_mail(env, Bytes::from_static(b"one\r\n")).unwrap();
            c.send_mail(two_rcpts(), Bytes::from_static(b"two\r\n"))
                .unwrap();
        }),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
        S(b"354 go\r\n"),
        C(b"one\r\n.\r\n"),
        App(|c| {
            c.abandon_mail().unwrap();
            let err = c.abandon_mail().unwrap_err();
            assert!(matches!(err, Error::Local(_)), "{err:?}");
        }),
        S(b"250 queued\r\n"),
        C(b""),
        App(|c| assert!(c.is_idle())),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    let c = codes(&events);
    assert_eq!(
        c[2..],
        [
            "rcpt Mailbox(Mailbox(\"b@mx.example\")) 250",
            "MailAbandoned { reply: None }",
            "message Mailbox(Mailbox(\"b@mx.example\"))=250",
        ]
    );
}

/// Against the server machine, moving a few bytes at a time: the server
/// sees the RSET and delivers nothing; the next message is delivered.
#[test]
fn pair_abandon_then_send() {
    for write_size in [1, 2, 3, 7, 64, usize::MAX] {
        let mut server = pair_common::server_config();
        server.extensions.chunking = true;
        let mut pair = pair_common::Pair::new(pair_common::client_config(), server);
        pair.write_size = write_size;
        let mut state = 0;
        let mut app = |c: &mut Client, e: &ClientEvent| match e {
            ClientEvent::Ready { .. } => {
                c.start_mail(two_rcpts(), BodyInfo::default()).unwrap();
                c.abandon_mail().unwrap();
            }
            ClientEvent::MailAbandoned { reply } => {
                assert_eq!(reply.as_ref().map(|r| r.code.get()), Some(250));
                state += 1;
                let env = Envelope::new(mbox("a@client.example"), [mbox("d@mx.example")]);
                c.send_mail(env, Bytes::from_static(b"kept\r\n")).unwrap();
                c.quit().unwrap();
            }
            _ => {}
        };
        pair.run(&mut app, &mut pair_common::accept_all);
        assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
        assert!(pair.server_error.is_none(), "{:?}", pair.server_error);
        assert_eq!(state, 1);
        assert_eq!(pair.messages, [b"kept\r\n".to_vec()], "{write_size}");
        assert!(
            pair.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::Reset)),
            "{:?}",
            pair.server_events
        );
        let rcpts = pair
            .client_events
            .iter()
            .filter(|e| matches!(e, ClientEvent::RecipientResult { .. }))
            .count();
        assert_eq!(rcpts, 3);
        assert!(pair.closed_with(221));
    }
}

/// Against the server machine with DATA pipelined and accepted: the
/// client closes, the server delivers nothing.
#[test]
fn pair_abandon_in_data_delivers_nothing() {
    for write_size in [1, 5, usize::MAX] {
        let mut server = pair_common::server_config();
        server.extensions.chunking = false;
        let mut pair = pair_common::Pair::new(pair_common::client_config(), server);
        pair.write_size = write_size;
        let mut app = |c: &mut Client, e: &ClientEvent| {
            if let ClientEvent::Ready { .. } = e {
                c.start_mail(two_rcpts(), BodyInfo::default()).unwrap();
                c.abandon_mail().unwrap();
            }
        };
        pair.run(&mut app, &mut pair_common::accept_all);
        assert!(pair.client.is_closed(), "{:?}", pair.client_events);
        assert!(pair.messages.is_empty());
        assert_eq!(abandoned(&pair.client_events), [None]);
        // The driver closes the connection: the server sees the end of
        // the stream inside the data and delivers nothing.
        assert!(
            pair.server_events
                .iter()
                .any(|e| matches!(e, ServerEvent::DataStart { .. }))
        );
        pair.server.receive_eof().unwrap();
        while let Ok(Some(e)) = pair.server.poll_event() {
            assert!(!matches!(e, ServerEvent::DataEnd { .. }), "{e:?}");
        }
    }
}
