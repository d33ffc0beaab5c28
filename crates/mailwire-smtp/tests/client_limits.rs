//! The client machine against scripted server replies: SIZE, MAIL
//! parameters, BDAT, LMTP, reply bounds and the RFC 5321 timeouts.

mod client_common;

use bytes::Bytes;
use client_common::*;
use mailwire_core::{Error, Machine};
use mailwire_smtp::client::{BodyInfo, Client, Envelope};

/// SIZE: a message larger than the advertised limit is refused before
/// anything is sent (RFC 1870 §6).
#[test]
fn size_over_limit_is_refused_before_sending() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 SIZE 10\r\n"),
        App(|c| {
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            let err = c
                .send_mail(env, Bytes::from_static(b"0123456789A"))
                .unwrap_err();
            assert!(matches!(err, Error::Limit(_)), "{err:?}");
            assert!(c.is_idle());
        }),
        C(b""),
    ];
    run_all_splits(config("client.example"), &steps);
}

/// 8BITMIME, SMTPUTF8 and DSN parameters when offered; SMTPUTF8 refused
/// before sending when not.
#[test]
fn mail_parameters_follow_capabilities() {
    fn send(c: &mut Client) {
        let env = Envelope::new(
            mbox("j\u{f6}rg@client.example"),
            [mailwire_smtp::client::Recipient::new(mbox("b@mx.example"))
                .notify(mailwire_smtp::Notify::Never)],
        )
        .ret(mailwire_smtp::Ret::Headers);
        c.send_mail(env, Bytes::from_static("\u{e9}\r\n".as_bytes()))
            .unwrap();
    }
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n250 SIZE\r\n"),
        App(send),
        C(
            "MAIL FROM:<j\u{f6}rg@client.example> SIZE=4 BODY=8BITMIME SMTPUTF8 RET=HDRS\r\n"
                .as_bytes(),
        ),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example> NOTIFY=NEVER\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
    ];
    run_all_splits(config("client.example"), &steps);
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 8BITMIME\r\n"),
        App(|c| {
            let env = Envelope::new(mbox("a@client.example"), [mbox("j\u{f6}rg@mx.example")]);
            let err = c.send_mail(env, Bytes::from_static(b"x\r\n")).unwrap_err();
            assert!(err.to_string().contains("SMTPUTF8"), "{err}");
        }),
    ];
    run_all_splits(config("client.example"), &steps);
}

/// CHUNKING: BDAT chunks of at most `body_piece` octets, `BDAT n LAST`,
/// the body never dot-stuffed (RFC 3030 §2); BINARYMIME needs it.
#[test]
fn bdat_chunks_without_pipelining() {
    let mut cfg = config("client.example");
    cfg.body_piece = 4;
    fn send(c: &mut Client) {
        let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
        let info = BodyInfo {
            size: Some(10),
            eight_bit: true,
            binary: true,
        };
        c.start_mail(env, info).unwrap();
        c.push_body(Bytes::from_static(b".\r\n.\0\xff")).unwrap();
        c.push_body(Bytes::from_static(b"abcd")).unwrap();
        c.end_body().unwrap();
    }
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250-CHUNKING\r\n250 BINARYMIME\r\n"),
        App(send),
        C(b"MAIL FROM:<a@client.example> BODY=BINARYMIME\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"BDAT 4\r\n.\r\n."),
        S(b"250 4 octets\r\n"),
        C(b"BDAT 2\r\n\0\xff"),
        S(b"250 2 octets\r\n"),
        C(b"BDAT 4 LAST\r\nabcd"),
        S(b"250 message OK\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        codes(&events).last().unwrap(),
        "message Mailbox(Mailbox(\"b@mx.example\"))=250"
    );
}

/// A failed BDAT chunk ends the transaction: no more chunks, RSET.
#[test]
fn bdat_failure_stops_the_body() {
    let mut cfg = config("client.example");
    cfg.body_piece = 4;
    fn send(c: &mut Client) {
        let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
        c.send_mail(env, Bytes::from_static(b"abcdefghij")).unwrap();
    }
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 CHUNKING\r\n"),
        App(send),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"BDAT 4\r\nabcd"),
        S(b"552 too much\r\n"),
        C(b"RSET\r\n"),
        S(b"250 OK\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        codes(&events).last().unwrap(),
        "message Mailbox(Mailbox(\"b@mx.example\"))=552"
    );
}

/// LMTP: LHLO, and one reply per accepted recipient after the data
/// (RFC 2033 §4.2).
#[test]
fn lmtp_replies_per_recipient() {
    let cfg = config("client.example").lmtp();
    fn send(c: &mut Client) {
        let env = Envelope::new(
            mbox("a@client.example"),
            [
                mbox("b@mx.example"),
                mbox("c@mx.example"),
                mbox("d@mx.example"),
            ],
        );
        c.send_mail(env, Bytes::from_static(b"Hi\r\n")).unwrap();
    }
    let steps = [
        S(b"220 mx LMTP\r\n"),
        C(b"LHLO client.example\r\n"),
        S(b"250-mx\r\n250 PIPELINING\r\n"),
        App(send),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nRCPT TO:<d@mx.example>\r\nDATA\r\n"),
        S(b"250 OK\r\n250 OK\r\n550 unknown\r\n250 OK\r\n354 go\r\n"),
        C(b"Hi\r\n.\r\n"),
        S(b"250 2.1.5 b delivered\r\n452 4.2.2 d over quota\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        codes(&events).last().unwrap(),
        "message Mailbox(Mailbox(\"b@mx.example\"))=250,Mailbox(Mailbox(\"d@mx.example\"))=452"
    );
}

/// 421 at any point ends the session (RFC 5321 §3.8).
#[test]
fn service_closing_421() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"421 4.3.2 shutting down\r\n"),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none());
    assert_eq!(codes(&events), ["greeting 220", "closed Some(421)"]);
}

/// Replies are bounded: too many lines in one reply is fatal.
#[test]
fn reply_too_long_is_fatal() {
    let mut client = Client::new(config("client.example"));
    client.receive(b"220 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    let mut failed = false;
    for _ in 0..1000 {
        client.receive(b"250-x\r\n").unwrap();
        match client.poll_event() {
            Ok(_) => {}
            Err(e) => {
                assert!(e.is_fatal());
                failed = true;
                break;
            }
        }
    }
    assert!(failed);
    assert!(client.is_closed());
    assert!(client.input_buffer().len() < 1024);
}

/// A reply nobody asked for is a protocol violation.
#[test]
fn unsolicited_reply_is_fatal() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250 mx\r\n250 extra\r\n"),
    ];
    let (_, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.unwrap().is_fatal());
}

/// Timeouts of RFC 5321 §4.5.3.2 through poll_timeout / handle_timeout.
#[test]
fn timeouts_follow_rfc5321() {
    use std::time::{Duration, Instant};
    let t0 = Instant::now();
    let mut client = Client::new(config("client.example"));
    client.handle_timeout(t0);
    assert_eq!(client.poll_timeout(), Some(t0 + Duration::from_secs(300)));
    client.receive(b"220 mx\r\n").unwrap();
    client.handle_timeout(t0 + Duration::from_secs(1));
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.receive(b"250 mx\r\n").unwrap();
    client.handle_timeout(t0 + Duration::from_secs(2));
    while client.poll_event().unwrap().is_some() {}
    let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
    client.send_mail(env, Bytes::from_static(b"x\r\n")).unwrap();
    drain(&mut client);
    client.handle_timeout(t0 + Duration::from_secs(3));
    // MAIL: 5 minutes.
    assert_eq!(client.poll_timeout(), Some(t0 + Duration::from_secs(303)));
    client.receive(b"250 OK\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.receive(b"250 OK\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.handle_timeout(t0 + Duration::from_secs(10));
    // DATA initiation: 2 minutes.
    assert_eq!(client.poll_timeout(), Some(t0 + Duration::from_secs(130)));
    client.receive(b"354 go\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.handle_timeout(t0 + Duration::from_secs(20));
    // DATA termination: 10 minutes.
    assert_eq!(client.poll_timeout(), Some(t0 + Duration::from_secs(620)));
    client.handle_timeout(t0 + Duration::from_secs(620));
    let err = client.poll_event().unwrap_err();
    assert!(err.to_string().contains("in time"), "{err}");
    assert!(client.is_closed());
}

/// A body that is not read by the server: the data-block timeout fires
/// (3 minutes without write progress).
#[test]
fn data_block_timeout_without_write_progress() {
    use std::time::{Duration, Instant};
    let t0 = Instant::now();
    let mut cfg = config("client.example");
    cfg.body_piece = 16;
    let mut client = Client::new(cfg);
    client.handle_timeout(t0);
    client.receive(b"220 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.receive(b"250 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
    client
        .send_mail(env, Bytes::from(vec![b'x'; 1000]))
        .unwrap();
    drain(&mut client);
    for reply in [&b"250 OK\r\n"[..], b"250 OK\r\n", b"354 go\r\n"] {
        client.receive(reply).unwrap();
        while client.poll_event().unwrap().is_some() {}
        if reply.starts_with(b"250") {
            drain(&mut client);
        }
    }
    // The body waits in the transmit buffer, at most one piece at a time.
    let pending = client.poll_transmit().unwrap().len();
    assert!(pending < 64, "{pending}");
    client.handle_timeout(t0 + Duration::from_secs(1));
    client.advance_transmit(5);
    client.handle_timeout(t0 + Duration::from_secs(100));
    assert_eq!(client.poll_timeout(), Some(t0 + Duration::from_secs(280)));
    client.handle_timeout(t0 + Duration::from_secs(280));
    assert!(client.poll_event().is_err());
}

/// A command queued long after the last `handle_timeout` does not time out
/// at once: its deadline restarts at the next call.
#[test]
fn stale_clock_does_not_fire_early() {
    use std::time::{Duration, Instant};
    let t0 = Instant::now();
    let mut client = Client::new(config("client.example"));
    client.handle_timeout(t0);
    client.receive(b"220 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.receive(b"250 mx\r\n").unwrap();
    client.handle_timeout(t0);
    while client.poll_event().unwrap().is_some() {}
    // An hour later, without any call in between, the application sends.
    client.noop().unwrap();
    let late = t0 + Duration::from_secs(3600);
    client.handle_timeout(late);
    assert!(!client.is_closed());
    assert!(client.poll_event().unwrap().is_none());
    assert_eq!(client.poll_timeout(), Some(late + Duration::from_secs(180)));
    drain(&mut client);
    client.handle_timeout(late + Duration::from_secs(1));
    assert_eq!(client.poll_timeout(), Some(late + Duration::from_secs(301)));
}

/// The server closing the connection: `Closed(None)` when idle, an error
/// when a reply was still due.
#[test]
fn end_of_stream_idle_and_mid_transaction() {
    let mut client = Client::new(config("client.example"));
    client.receive(b"220 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.receive(b"250 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    client.receive_eof().unwrap();
    assert_eq!(
        client.poll_event().unwrap(),
        Some(mailwire_smtp::client::ClientEvent::Closed(None))
    );
    assert!(client.is_closed());

    let mut client = Client::new(config("client.example"));
    client.receive(b"220 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.receive(b"250 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
    client.send_mail(env, Bytes::from_static(b"x\r\n")).unwrap();
    drain(&mut client);
    // The reply to MAIL arrives with the end of stream; RCPT stays unanswered.
    client.receive(b"250 OK\r\n").unwrap();
    client.receive_eof().unwrap();
    assert!(client.poll_event().is_err());
    assert!(client.is_closed());
}
