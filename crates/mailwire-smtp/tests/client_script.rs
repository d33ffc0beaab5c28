//! The client machine against scripted server replies: RFC 5321 appendix D
//! scenarios and the extensions, the client's bytes compared exactly; every
//! script is replayed with the server's bytes split at every boundary.

use bytes::Bytes;
use mailwire_core::{Error, Machine, TlsInfo};
use mailwire_sasl::Credentials;
use mailwire_smtp::client::{BodyInfo, Client, ClientConfig, ClientEvent, Envelope, TlsPolicy};
use mailwire_smtp::{Host, Mailbox};

/// One step of a conversation.
enum Step {
    /// The server sends these bytes.
    S(&'static [u8]),
    /// The client must have written exactly these bytes since the last `C`.
    C(&'static [u8]),
    /// The application acts.
    App(fn(&mut Client)),
    /// The driver completes the TLS handshake.
    Tls,
}
use Step::*;

#[derive(Clone, Copy, Debug)]
enum Split {
    Whole,
    At(usize),
    Bytewise,
}

fn mbox(s: &str) -> Mailbox {
    Mailbox::new(s).unwrap()
}

fn config(host: &str) -> ClientConfig {
    let mut c = ClientConfig::new(Host::try_from(host).unwrap());
    c.tls = TlsPolicy::None;
    c
}

fn drain(c: &mut Client) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(d) = c.poll_transmit() {
        let n = d.len();
        out.extend_from_slice(d);
        c.advance_transmit(n);
    }
    out
}

/// Runs `steps`; returns the events and the first error of `poll_event`.
fn run(config: ClientConfig, steps: &[Step], split: Split) -> (Vec<ClientEvent>, Option<Error>) {
    let mut client = Client::new(config);
    let mut events = Vec::new();
    let mut error = None;
    let mut poll = |client: &mut Client, events: &mut Vec<ClientEvent>| loop {
        match client.poll_event() {
            Ok(Some(e)) => events.push(e),
            Ok(None) => break,
            Err(e) => {
                error.get_or_insert(e);
                break;
            }
        }
    };
    for (n, step) in steps.iter().enumerate() {
        match step {
            S(bytes) => {
                let pieces: Vec<&[u8]> = match split {
                    Split::Whole => vec![bytes],
                    Split::At(k) => {
                        let k = k.min(bytes.len());
                        vec![&bytes[..k], &bytes[k..]]
                    }
                    Split::Bytewise => bytes.chunks(1).collect(),
                };
                for p in pieces {
                    client.receive(p).unwrap();
                    poll(&mut client, &mut events);
                }
            }
            C(expected) => {
                let got = drain(&mut client);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(expected),
                    "step {n} ({split:?})"
                );
            }
            App(f) => {
                f(&mut client);
                poll(&mut client, &mut events);
            }
            Tls => {
                assert!(client.tls_pending(), "step {n}");
                client
                    .tls_established(TlsInfo::new().with_tls_exporter(vec![7; 32]))
                    .unwrap();
                poll(&mut client, &mut events);
            }
        }
    }
    let rest = drain(&mut client);
    assert!(
        rest.is_empty(),
        "unexpected output {:?}",
        String::from_utf8_lossy(&rest)
    );
    (events, error)
}

/// Runs the script whole, then split at every boundary of every server
/// step, then a byte at a time: the client must behave the same.
fn run_all_splits(config: ClientConfig, steps: &[Step]) -> (Vec<ClientEvent>, Option<Error>) {
    let reference = run(config.clone(), steps, Split::Whole);
    let longest = steps
        .iter()
        .map(|s| match s {
            S(b) => b.len(),
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    for k in 0..=longest {
        let got = run(config.clone(), steps, Split::At(k));
        assert_eq!(got, reference, "split at {k}");
    }
    assert_eq!(run(config, steps, Split::Bytewise), reference, "bytewise");
    reference
}

fn codes(events: &[ClientEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            ClientEvent::Greeting(r) => format!("greeting {}", r.code),
            ClientEvent::Ready { capabilities } => {
                format!(
                    "ready {}",
                    capabilities.as_ref().map_or(0, |c| c.capabilities.len())
                )
            }
            ClientEvent::StartTls => "starttls".into(),
            ClientEvent::Authenticated { mechanism } => format!("auth {mechanism}"),
            ClientEvent::AuthFailed { reply, .. } => format!("authfail {}", reply.code),
            ClientEvent::RecipientResult { rcpt, reply } => format!("rcpt {rcpt:?} {}", reply.code),
            ClientEvent::MessageResult { per_recipient } => format!(
                "message {}",
                per_recipient
                    .iter()
                    .map(|(r, rep)| format!("{r:?}={}", rep.code))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            ClientEvent::TransactionFailed { reply } => format!("failed {}", reply.code),
            ClientEvent::Done { command, reply } => format!("{command} {}", reply.code),
            ClientEvent::Closed(r) => format!("closed {:?}", r.as_ref().map(|r| r.code.get())),
            other => format!("{other:?}"),
        })
        .collect()
}

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

/// TLS required, server does not offer STARTTLS: refuse, never go on in
/// cleartext.
#[test]
fn tls_required_without_starttls_fails() {
    let mut cfg = config("a.example");
    cfg.tls = TlsPolicy::Required;
    let steps = [
        S(b"220 b.example\r\n"),
        C(b"EHLO a.example\r\n"),
        S(b"250-b.example\r\n250 AUTH PLAIN\r\n"),
        C(b"QUIT\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps);
    assert_eq!(codes(&events), ["greeting 220"]);
    let error = error.unwrap();
    assert!(error.to_string().contains("STARTTLS"), "{error}");
}

/// TLS opportunistic, server does not offer it: go on.
#[test]
fn tls_opportunistic_without_starttls_goes_on() {
    let mut cfg = config("a.example");
    cfg.tls = TlsPolicy::Opportunistic;
    let steps = [
        S(b"220 b.example\r\n"),
        C(b"EHLO a.example\r\n"),
        S(b"250 b.example\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps);
    assert!(error.is_none());
    assert_eq!(codes(&events), ["greeting 220", "ready 0"]);
}

fn plain_creds(c: &mut Client) {
    c.authenticate(&Credentials::password("tim", "tanstaaftanstaaf"))
        .unwrap();
}

/// STARTTLS, EHLO again under TLS (capabilities forgotten), AUTH PLAIN
/// with the initial response on the AUTH line (RFC 4954 §4), a message,
/// QUIT: the basic path.
#[test]
fn starttls_then_auth_plain_then_message() {
    let mut cfg = config("client.example");
    cfg.tls = TlsPolicy::Required;
    fn send(c: &mut Client) {
        let env = Envelope::new(mbox("tim@client.example"), [mbox("ann@mx.example")]);
        c.send_mail(env, Bytes::from_static(b"Hello\r\n")).unwrap();
        c.quit().unwrap();
    }
    let steps = [
        S(b"220 mx.example ESMTP\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx.example\r\n250-STARTTLS\r\n250 SIZE 1000\r\n"),
        C(b"STARTTLS\r\n"),
        S(b"220 2.0.0 Ready to start TLS\r\n"),
        Tls,
        C(b"EHLO client.example\r\n"),
        S(b"250-mx.example\r\n250-AUTH PLAIN LOGIN\r\n250 SIZE 1000\r\n"),
        App(plain_creds),
        C(b"AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n"),
        S(b"235 2.7.0 Authentication successful\r\n"),
        App(send),
        C(b"MAIL FROM:<tim@client.example> SIZE=7\r\n"),
        S(b"250 OK\r\n"),
        C(b"RCPT TO:<ann@mx.example>\r\n"),
        S(b"250 OK\r\n"),
        C(b"DATA\r\n"),
        S(b"354 go\r\n"),
        C(b"Hello\r\n.\r\n"),
        S(b"250 2.0.0 queued\r\n"),
        C(b"QUIT\r\n"),
        S(b"221 bye\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        codes(&events),
        [
            "greeting 220",
            "starttls",
            "ready 2",
            "auth PLAIN",
            "rcpt Mailbox(Mailbox(\"ann@mx.example\")) 250",
            "message Mailbox(Mailbox(\"ann@mx.example\"))=250",
            "closed Some(221)",
        ]
    );
}

/// RFC 3207 §5: bytes after the 220 to STARTTLS, in the same read, are an
/// attack (command/response injection): fatal.
#[test]
fn starttls_response_injection_is_fatal() {
    let mut cfg = config("client.example");
    cfg.tls = TlsPolicy::Required;
    let steps = [
        S(b"220 mx.example ESMTP\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx.example\r\n250 STARTTLS\r\n"),
        C(b"STARTTLS\r\n"),
        S(b"220 go ahead\r\n250-evil\r\n250 AUTH PLAIN\r\n"),
    ];
    for split in [Split::Whole, Split::At(14), Split::At(15), Split::Bytewise] {
        let (events, error) = run(cfg.clone(), &steps, split);
        let error = error.unwrap_or_else(|| panic!("{split:?}: no error"));
        assert!(error.is_fatal());
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, ClientEvent::Ready { .. }))
        );
    }
    // Injected bytes that arrive after the StartTls event, before the
    // handshake: tls_established refuses.
    let mut client = Client::new(cfg);
    client.receive(b"220 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.receive(b"250-mx\r\n250 STARTTLS\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    drain(&mut client);
    client.receive(b"220 go\r\n").unwrap();
    assert_eq!(client.poll_event().unwrap(), Some(ClientEvent::StartTls));
    client.receive(b"250 injected\r\n").unwrap();
    assert!(client.tls_established(TlsInfo::new()).is_err());
    assert!(client.is_closed());
}

/// TLS refused by the server (454) with TLS required: error and QUIT.
#[test]
fn starttls_refused_with_tls_required() {
    let mut cfg = config("client.example");
    cfg.tls = TlsPolicy::Required;
    let steps = [
        S(b"220 mx.example ESMTP\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx.example\r\n250 STARTTLS\r\n"),
        C(b"STARTTLS\r\n"),
        S(b"454 4.7.0 TLS not available\r\n"),
        C(b"QUIT\r\n"),
    ];
    let (_, error) = run_all_splits(cfg, &steps);
    assert!(error.unwrap().is_fatal());
}

/// PLAIN is refused in cleartext without the opt-in, and allowed with it.
#[test]
fn plain_in_cleartext_needs_opt_in() {
    let steps_refused = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 AUTH PLAIN LOGIN\r\n"),
        App(|c| {
            let err = c
                .authenticate(&Credentials::password("tim", "secret"))
                .unwrap_err();
            assert!(err.to_string().contains("without TLS"), "{err}");
        }),
    ];
    run_all_splits(config("client.example"), &steps_refused);
    let mut cfg = config("client.example");
    cfg.allow_cleartext_auth = true;
    let steps_allowed = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 AUTH LOGIN\r\n"),
        App(|c| {
            c.authenticate(&Credentials::password("tim", "secret"))
                .unwrap();
        }),
        C(b"AUTH LOGIN\r\n"),
        S(b"334 VXNlcm5hbWU6\r\n"),
        C(b"dGlt\r\n"),
        S(b"334 UGFzc3dvcmQ6\r\n"),
        C(b"c2VjcmV0\r\n"),
        S(b"535 5.7.8 nope\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps_allowed);
    assert!(error.is_none());
    assert_eq!(codes(&events).last().unwrap(), "authfail 535");
}

/// A challenge that is not base64: the client cancels with `*`
/// (RFC 4954 §4) and reports the failure.
#[test]
fn bad_challenge_cancels() {
    let mut cfg = config("client.example");
    cfg.allow_cleartext_auth = true;
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 AUTH LOGIN\r\n"),
        App(|c| {
            c.authenticate(&Credentials::password("tim", "secret"))
                .unwrap();
        }),
        C(b"AUTH LOGIN\r\n"),
        S(b"334 !!!\r\n"),
        C(b"*\r\n"),
        S(b"501 5.7.0 cancelled\r\n"),
    ];
    let (events, error) = run_all_splits(cfg, &steps);
    assert!(error.is_none());
    match events.last().unwrap() {
        ClientEvent::AuthFailed { reason, .. } => {
            assert!(reason.as_ref().unwrap().contains("base64"))
        }
        other => panic!("{other:?}"),
    }
}

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
