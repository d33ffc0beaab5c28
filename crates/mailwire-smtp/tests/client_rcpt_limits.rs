//! The server's `LIMITS` (RFC 9422): RCPTMAX and RCPTDOMAINMAX split a
//! message over several transactions, MAILMAX caps the transactions of a
//! session; scripted replies split at every byte, and the server machine
//! in memory enforcing the same limit.

mod client_common;
#[path = "pair_common/mod.rs"]
mod pair_common;

use bytes::Bytes;
use client_common::*;
use mailwire_core::Error;
use mailwire_smtp::client::{BodyInfo, Client, ClientEvent, Envelope};
use mailwire_smtp::{Capability, MailLimits};

fn three() -> Envelope {
    Envelope::new(
        mbox("a@client.example"),
        [
            mbox("b@mx.example"),
            mbox("c@mx.example"),
            mbox("d@mx.example"),
        ],
    )
}

fn message_results(events: &[ClientEvent]) -> Vec<Vec<String>> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::MessageResult { per_recipient } => Some(
                per_recipient
                    .iter()
                    .map(|(r, rep)| format!("{}={}", r.mailbox().unwrap().as_str(), rep.code))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// RCPTMAX=2: three recipients go out as two transactions, one after the
/// other, each with the whole body; `send_mail` says 2.
#[test]
fn rcptmax_splits_into_transactions() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250-PIPELINING\r\n250 LIMITS RCPTMAX=2\r\n"),
        App(|c| {
            assert_eq!(c.mail_limits().and_then(|l| l.rcpt_max), Some(2));
            assert_eq!(c.split_envelope(&three()).len(), 2);
            let n = c.send_mail(three(), Bytes::from_static(b"hi\r\n")).unwrap();
            assert_eq!(n, 2);
        }),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nDATA\r\n"),
        S(b"250 OK\r\n250 OK\r\n250 OK\r\n354 go\r\n"),
        C(b"hi\r\n.\r\n"),
        S(b"250 queued 1\r\n"),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<d@mx.example>\r\nDATA\r\n"),
        S(b"250 OK\r\n250 OK\r\n354 go\r\n"),
        C(b"hi\r\n.\r\n"),
        S(b"250 queued 2\r\n"),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        message_results(&events),
        [
            vec!["b@mx.example=250", "c@mx.example=250"],
            vec!["d@mx.example=250"]
        ]
    );
}

/// RCPTDOMAINMAX=1: one transaction per recipient domain, recipients of
/// a domain together (case-insensitively).
#[test]
fn rcptdomainmax_groups_domains() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 LIMITS RCPTDOMAINMAX=1\r\n"),
        App(|c| {
            let env = Envelope::new(
                mbox("a@client.example"),
                [
                    mbox("b@one.example"),
                    mbox("c@two.example"),
                    mbox("d@ONE.example"),
                ],
            );
            assert_eq!(c.send_mail(env, Bytes::from_static(b"hi\r\n")).unwrap(), 2);
        }),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@one.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<d@ONE.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
        S(b"354 go\r\n"),
        C(b"hi\r\n.\r\n"),
        S(b"250 queued\r\n"),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<c@two.example>\r\n"),
        S(b"452 later\r\n"),
        C(b"RSET\r\n"),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    let c = codes(&events);
    assert_eq!(c.last().unwrap(), "failed 452");
}

/// A streamed body is sent once: an envelope over RCPTMAX is refused up
/// front, nothing sent; each part of `split_envelope` streams fine.
#[test]
fn streaming_over_rcptmax_is_refused_up_front() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 LIMITS RCPTMAX=2\r\n"),
        App(|c| {
            let err = c.start_mail(three(), BodyInfo::default()).unwrap_err();
            assert!(matches!(err, Error::Limit(_)), "{err:?}");
            assert!(err.to_string().contains("RCPTMAX"), "{err}");
            assert!(c.is_idle());
            let parts = c.split_envelope(&three());
            assert_eq!(parts.len(), 2);
            assert_eq!(parts[0].recipients.len(), 2);
            assert_eq!(parts[1].recipients.len(), 1);
            c.start_mail(parts[1].clone(), BodyInfo::default()).unwrap();
        }),
        C(b"MAIL FROM:<a@client.example>\r\n"),
    ];
    run_all_splits(config("client.example"), &steps);
}

/// MAILMAX=2: two transactions, then the third is refused before
/// anything is sent; a message needing two transactions when one is left
/// is refused whole. Refused MAILs count too.
#[test]
fn mailmax_caps_transactions_per_session() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 LIMITS MAILMAX=2 RCPTMAX=2\r\n"),
        App(|c| {
            assert_eq!(c.transactions_left(), Some(2));
            c.send_mail(
                Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]),
                Bytes::from_static(b"1\r\n"),
            )
            .unwrap();
            assert_eq!(c.transactions_left(), Some(1));
            // Three recipients need two transactions: refused whole.
            let err = c
                .send_mail(three(), Bytes::from_static(b"x\r\n"))
                .unwrap_err();
            assert!(matches!(err, Error::Limit(_)), "{err:?}");
            assert!(err.to_string().contains("MAILMAX"), "{err}");
            assert_eq!(c.transactions_left(), Some(1));
        }),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"550 sender refused\r\n"),
        App(|c| {
            assert_eq!(c.transactions_left(), Some(1));
            c.send_mail(
                Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]),
                Bytes::from_static(b"2\r\n"),
            )
            .unwrap();
            assert_eq!(c.transactions_left(), Some(0));
            let err = c
                .send_mail(
                    Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]),
                    Bytes::from_static(b"3\r\n"),
                )
                .unwrap_err();
            assert!(matches!(err, Error::Limit(_)), "{err:?}");
            assert!(
                c.start_mail(
                    Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]),
                    BodyInfo::default()
                )
                .is_err()
            );
        }),
        C(b"MAIL FROM:<a@client.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<b@mx.example>\r\n"),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(codes(&events)[2], "failed 550");
}

/// Without LIMITS nothing is split or capped.
#[test]
fn no_limits_no_split() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 PIPELINING\r\n"),
        App(|c| {
            assert!(c.mail_limits().is_none());
            assert_eq!(c.transactions_left(), None);
            assert_eq!(c.send_mail(three(), Bytes::from_static(b"hi\r\n")).unwrap(), 1);
        }),
        C(b"MAIL FROM:<a@client.example>\r\nRCPT TO:<b@mx.example>\r\nRCPT TO:<c@mx.example>\r\nRCPT TO:<d@mx.example>\r\nDATA\r\n"),
    ];
    run_all_splits(config("client.example"), &steps);
}

/// Against the server machine, which refuses the RCPT past its limit with
/// 452 (RFC 5321 §4.5.3.1.10) and announces it as LIMITS RCPTMAX: every
/// recipient is delivered, in as many transactions as needed, a few
/// bytes at a time or all at once.
#[test]
fn pair_rcptmax_delivers_to_all() {
    for write_size in [1, 3, 16, usize::MAX] {
        for chunking in [false, true] {
            let mut server = pair_common::server_config();
            server.limits.max_recipients = 2;
            server.extensions.chunking = chunking;
            server
                .extra_capabilities
                .push(Capability::Limits(MailLimits {
                    rcpt_max: Some(2),
                    ..MailLimits::default()
                }));
            let mut pair = pair_common::Pair::new(pair_common::client_config(), server);
            pair.write_size = write_size;
            let mut expected = 0;
            let mut done = 0;
            let mut app = |c: &mut Client, e: &ClientEvent| match e {
                ClientEvent::Ready { .. } => {
                    let env = Envelope::new(
                        mbox("a@client.example"),
                        (0..5).map(|i| mbox(&format!("r{i}@mx.example"))),
                    );
                    expected = c
                        .send_mail(env, Bytes::from_static(b"Subject: x\r\n\r\nbody\r\n"))
                        .unwrap();
                }
                ClientEvent::MessageResult { .. } | ClientEvent::TransactionFailed { .. } => {
                    done += 1;
                    if done == expected {
                        c.quit().unwrap();
                    }
                }
                _ => {}
            };
            pair.run(&mut app, &mut pair_common::accept_all);
            assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
            assert!(pair.server_error.is_none(), "{:?}", pair.server_error);
            assert_eq!(expected, 3);
            assert_eq!(pair.messages.len(), 3);
            let delivered: usize = message_results(&pair.client_events)
                .iter()
                .map(|m| m.iter().filter(|r| r.ends_with("=250")).count())
                .sum();
            assert_eq!(delivered, 5, "{:?}", pair.client_events);
            assert!(pair.closed_with(221));
        }
    }
}
