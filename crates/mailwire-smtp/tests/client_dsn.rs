//! DSN parameters (RFC 3461) towards a server that does not offer DSN:
//! left out and reported (RFC 3461 §5.2.2 (a)), or refused up front when
//! `ClientConfig::require_dsn` is set; never dropped without a word.

mod client_common;

use bytes::Bytes;
use client_common::*;
use mailwire_core::Error;
use mailwire_smtp::client::{Client, ClientEvent, Envelope, Recipient};
use mailwire_smtp::{ForwardPath, Notify, Ret};

fn dsn_envelope() -> Envelope {
    Envelope::new(
        mbox("a@client.example"),
        [
            Recipient::new(mbox("b@mx.example")).notify(Notify::Never),
            Recipient::new(mbox("c@mx.example")),
        ],
    )
    .ret(Ret::Headers)
}

fn send(c: &mut Client) {
    c.send_mail(dsn_envelope(), Bytes::from_static(b"x\r\n"))
        .unwrap();
}

/// Without DSN the parameters are left out of MAIL and RCPT, and the
/// application is told which ones, before the recipients' results.
#[test]
fn dsn_params_left_out_are_reported() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 PIPELINING\r\n"),
        App(send),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nDATA\r\n"),
        S(b"250 OK\r\n250 OK\r\n250 OK\r\n354 go\r\n"),
        C(b"x\r\n.\r\n"),
        S(b"250 queued\r\n"),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    let dsn: Vec<_> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            ClientEvent::DsnNotOffered {
                mail_params,
                recipients,
            } => Some((i, *mail_params, recipients.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(dsn.len(), 1, "{events:?}");
    let (at, mail_params, recipients) = dsn[0].clone();
    assert!(mail_params);
    assert_eq!(recipients, vec![ForwardPath::from(mbox("b@mx.example"))]);
    let first_rcpt = events
        .iter()
        .position(|e| matches!(e, ClientEvent::RecipientResult { .. }))
        .unwrap();
    assert!(at < first_rcpt, "{events:?}");
}

/// With DSN offered the parameters go out and nothing is reported.
#[test]
fn dsn_params_sent_when_offered() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 DSN\r\n"),
        App(send),
        C(b"MAIL FROM:<a@client.example> RET=HDRS\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example> NOTIFY=NEVER\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<c@mx.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
    ];
    let (events, _) = run_all_splits(config("client.example"), &steps);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ClientEvent::DsnNotOffered { .. })),
        "{events:?}"
    );
}

/// An envelope without DSN parameters reports nothing either.
#[test]
fn no_dsn_params_no_report() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250 mx\r\n"),
        App(|c| {
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            c.send_mail(env, Bytes::from_static(b"x\r\n")).unwrap();
        }),
        C(b"MAIL FROM:<a@client.example>\r\n"),
    ];
    let (events, _) = run_all_splits(config("client.example"), &steps);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ClientEvent::DsnNotOffered { .. })),
        "{events:?}"
    );
}

/// `require_dsn`: refused before anything is sent, with a local error
/// that names the cause; with DSN offered the same message goes out.
#[test]
fn require_dsn_refuses_up_front() {
    let mut cfg = config("client.example");
    cfg.require_dsn = true;
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 PIPELINING\r\n"),
        App(|c| {
            let err = c
                .send_mail(dsn_envelope(), Bytes::from_static(b"x\r\n"))
                .unwrap_err();
            assert!(matches!(err, Error::Local(_)), "{err:?}");
            assert!(err.to_string().contains("DSN"), "{err}");
            assert!(c.is_idle());
            // Only recipient-level parameters count too.
            let env = Envelope::new(
                mbox("a@client.example"),
                [Recipient::new(mbox("b@mx.example")).notify(Notify::Never)],
            );
            assert!(c.send_mail(env, Bytes::from_static(b"x\r\n")).is_err());
            // Without DSN parameters the message goes.
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            c.send_mail(env, Bytes::from_static(b"x\r\n")).unwrap();
        }),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nDATA\r\n"),
    ];
    run_all_splits(cfg.clone(), &steps);
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 DSN\r\n"),
        App(send),
        C(b"MAIL FROM:<a@client.example> RET=HDRS\r\n"),
    ];
    run_all_splits(cfg, &steps);
}
