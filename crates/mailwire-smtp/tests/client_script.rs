//! The client machine against scripted server replies: RFC 5321 appendix D
//! scenarios, pipelining and the HELO fallback, the client's bytes compared
//! exactly at every split of the server's bytes.

mod client_common;

use bytes::Bytes;
use client_common::*;
use mailwire_core::Error;
use mailwire_smtp::client::{Client, Envelope};

const D1_BODY: &[u8] = b"Blah blah blah...\r\n...etc. etc. etc.\r\n";

fn d1_send(c: &mut Client) {
    let env = Envelope::new(
        mbox("Smith@bar.com"),
        [
            mbox("Jones@foo.com"),
            mbox("Green@foo.com"),
            mbox("Brown@foo.com"),
        ],
    );
    c.send_mail(env, Bytes::from_static(D1_BODY)).unwrap();
    c.quit().unwrap();
}

/// RFC 5321 appendix D.1, a typical transaction: one recipient refused,
/// the message still goes to the others. The server offers SIZE, so the
/// client declares the size (RFC 1870 §6).
#[test]
fn rfc5321_d1_typical_transaction() {
    let steps = [
        S(b"220 foo.com Simple Mail Transfer Service Ready\r\n"),
        C(b"EHLO bar.com\r\n"),
        S(b"250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n"),
        App(d1_send),
        C(b"MAIL FROM:<Smith@bar.com> SIZE=38\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<Jones@foo.com>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<Green@foo.com>\r\n"),
        S(b"550 No such user here\r\n"),
        C(b"RCPT TO:<Brown@foo.com>\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
        S(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n"),
        // The second line starts with a dot: doubled (RFC 5321 §4.5.2).
        C(b"Blah blah blah...\r\n....etc. etc. etc.\r\n.\r\n"),
        S(b"250 OK\r\n"),
        C(b"QUIT\r\n"),
        S(b"221 foo.com Service closing transmission channel\r\n"),
    ];
    let (events, error) = run_all_splits(config("bar.com"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        codes(&events),
        [
            "greeting 220",
            "ready 4",
            "rcpt Mailbox(Mailbox(\"Jones@foo.com\")) 250",
            "rcpt Mailbox(Mailbox(\"Green@foo.com\")) 550",
            "rcpt Mailbox(Mailbox(\"Brown@foo.com\")) 250",
            "message Mailbox(Mailbox(\"Jones@foo.com\"))=250,Mailbox(Mailbox(\"Brown@foo.com\"))=250",
            "closed Some(221)",
        ]
    );
}

/// RFC 5321 appendix D.3, relayed mail: a session of the relay with the
/// next server, with dot-stuffing of a line that starts with a dot.
#[test]
fn rfc5321_d3_relay_with_dot_stuffing() {
    fn send(c: &mut Client) {
        let env = Envelope::new(mbox("JQP@bar.com"), [mbox("Jones@XYZ.COM")]);
        let body =
            Bytes::from_static(b"Date: Thu, 21 May 1998 05:33:29 -0700\r\n.leading dot\r\nbody");
        c.send_mail(env, body).unwrap();
        c.quit().unwrap();
    }
    let steps = [
        S(b"220 xyz.com Simple Mail Transfer Service Ready\r\n"),
        C(b"EHLO foo.com\r\n"),
        S(b"250 xyz.com is on the air\r\n"),
        App(send),
        C(b"MAIL FROM:<JQP@bar.com>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<Jones@XYZ.COM>\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
        S(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n"),
        C(b"Date: Thu, 21 May 1998 05:33:29 -0700\r\n..leading dot\r\nbody\r\n.\r\n"),
        S(b"250 OK\r\n"),
        C(b"QUIT\r\n"),
        S(b"221 foo.com Service closing transmission channel\r\n"),
    ];
    let (events, error) = run_all_splits(config("foo.com"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(codes(&events).last().unwrap(), "closed Some(221)");
}

/// RFC 2920 §3.1: with PIPELINING, MAIL, every RCPT and DATA go in one
/// write; replies are matched in order.
#[test]
fn pipelining_groups_mail_rcpt_data() {
    fn send(c: &mut Client) {
        let env = Envelope::new(
            mbox("mrose@dbc.mtview.ca.us"),
            [
                mbox("ned@innosoft.com"),
                mbox("dan@innosoft.com"),
                mbox("kvc@innosoft.com"),
            ],
        );
        c.send_mail(env, Bytes::from_static(b"Hi\r\n")).unwrap();
        c.quit().unwrap();
    }
    let steps = [
        S(b"220 innosoft.com SMTP service ready\r\n"),
        C(b"EHLO dbc.mtview.ca.us\r\n"),
        S(b"250-innosoft.com\r\n250 PIPELINING\r\n"),
        App(send),
        C(b"MAIL FROM:<mrose@dbc.mtview.ca.us>\r\nRCPT TO:<ned@innosoft.com>\r\nRCPT TO:<dan@innosoft.com>\r\nRCPT TO:<kvc@innosoft.com>\r\nDATA\r\n"),
        S(b"250 sender <mrose@dbc.mtview.ca.us> OK\r\n250 recipient <ned@innosoft.com> OK\r\n550 remote mail to <dan@innosoft.com> refused\r\n250 recipient <kvc@innosoft.com> OK\r\n354 enter mail, end with line containing only \".\"\r\n"),
        C(b"Hi\r\n.\r\n"),
        S(b"250 message sent\r\n"),
        C(b"QUIT\r\n"),
        S(b"221 goodbye\r\n"),
    ];
    let (events, error) = run_all_splits(config("dbc.mtview.ca.us"), &steps);
    assert!(error.is_none(), "{error:?}");
    let codes = codes(&events);
    assert_eq!(codes.len(), 7, "{codes:?}");
    assert!(codes[5].starts_with("message ") && codes[5].matches("=250").count() == 2);
}

/// RFC 2920 §3.1: all recipients refused but DATA accepted: a single dot,
/// then RSET; nothing of the body is sent.
#[test]
fn pipelining_all_recipients_refused_sends_lone_dot() {
    fn send(c: &mut Client) {
        let env = Envelope::new(mbox("a@b.example"), [mbox("x@c.example")]);
        c.send_mail(env, Bytes::from_static(b"secret body\r\n"))
            .unwrap();
    }
    let steps = [
        S(b"220 c.example ready\r\n"),
        C(b"EHLO b.example\r\n"),
        S(b"250-c.example\r\n250 PIPELINING\r\n"),
        App(send),
        C(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@c.example>\r\nDATA\r\n"),
        S(b"250 OK\r\n550 no\r\n354 go ahead\r\n"),
        C(b".\r\n"),
        S(b"554 no valid recipients\r\n"),
        C(b"RSET\r\n"),
        S(b"250 OK\r\n"),
    ];
    let (events, error) = run_all_splits(config("b.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        codes(&events)[2..],
        ["rcpt Mailbox(Mailbox(\"x@c.example\")) 550", "failed 550"]
    );
}

/// Without pipelining, no accepted recipient means no DATA: RSET instead.
#[test]
fn all_recipients_refused_sends_rset_not_data() {
    fn send(c: &mut Client) {
        let env = Envelope::new(
            mbox("a@b.example"),
            [mbox("x@c.example"), mbox("y@c.example")],
        );
        c.send_mail(env, Bytes::from_static(b"body\r\n")).unwrap();
    }
    let steps = [
        S(b"220 c.example ready\r\n"),
        C(b"EHLO b.example\r\n"),
        S(b"250 c.example\r\n"),
        App(send),
        C(b"MAIL FROM:<a@b.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<x@c.example>\r\n"),
        S(b"550 no\r\n"),
        C(b"RCPT TO:<y@c.example>\r\n"),
        S(b"451 later\r\n"),
        C(b"RSET\r\n"),
        S(b"250 OK\r\n"),
    ];
    let (events, error) = run_all_splits(config("b.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(codes(&events).last().unwrap(), "failed 451");
}

/// RFC 5321 §3.2: EHLO refused with 500 → HELO, no extensions.
#[test]
fn ehlo_falls_back_to_helo() {
    let steps = [
        S(b"220 old.example ready\r\n"),
        C(b"EHLO new.example\r\n"),
        S(b"500 Command unrecognized\r\n"),
        C(b"HELO new.example\r\n"),
        S(b"250 old.example\r\n"),
        App(|c| {
            // No 8BITMIME after HELO: an 8-bit body is refused before sending.
            let env = Envelope::new(mbox("a@new.example"), [mbox("b@old.example")]);
            let err = c
                .send_mail(env, Bytes::from_static("caf\u{e9}\r\n".as_bytes()))
                .unwrap_err();
            assert!(matches!(err, Error::Local(_)), "{err:?}");
        }),
    ];
    let (events, error) = run_all_splits(config("new.example"), &steps);
    assert!(error.is_none());
    assert_eq!(codes(&events), ["greeting 220", "ready 0"]);
}

/// A 554 greeting: QUIT and an error (RFC 5321 §3.1).
#[test]
fn greeting_554_is_an_error() {
    let steps = [S(b"554 go away\r\n"), C(b"QUIT\r\n")];
    let (events, error) = run_all_splits(config("a.example"), &steps);
    assert!(events.is_empty());
    assert!(error.unwrap().is_fatal());
}

/// RFC 5321 appendix D.4, verifying and sending.
#[test]
fn rfc5321_d4_verify_and_send() {
    fn verify(c: &mut Client) {
        c.vrfy(mailwire_smtp::Text::new("Crispin").unwrap())
            .unwrap();
        let env = Envelope::new(mbox("EAK@bar.com"), [mbox("Admin.MRC@foo.com")]);
        c.send_mail(env, Bytes::from_static(D1_BODY)).unwrap();
        c.quit().unwrap();
    }
    let steps = [
        S(b"220 foo.com Simple Mail Transfer Service Ready\r\n"),
        C(b"EHLO bar.com\r\n"),
        S(b"250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n"),
        App(verify),
        C(b"VRFY Crispin\r\n"),
        S(b"250 Mark Crispin <Admin.MRC@foo.com>\r\n"),
        C(b"MAIL FROM:<EAK@bar.com> SIZE=38\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<Admin.MRC@foo.com>\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
        S(b"354 Start mail input; end with <CRLF>.<CRLF>\r\n"),
        C(b"Blah blah blah...\r\n....etc. etc. etc.\r\n.\r\n"),
        S(b"250 OK\r\n"),
        C(b"QUIT\r\n"),
        S(b"221 foo.com Service closing transmission channel\r\n"),
    ];
    let (events, error) = run_all_splits(config("bar.com"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(codes(&events)[2], "VRFY 250");
    assert_eq!(codes(&events).last().unwrap(), "closed Some(221)");
}
