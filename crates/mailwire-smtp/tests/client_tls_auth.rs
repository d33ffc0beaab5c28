//! The client machine against scripted server replies: STARTTLS (RFC 3207)
//! and AUTH (RFC 4954), at every split of the server's bytes.

mod client_common;

use bytes::Bytes;
use client_common::*;
use mailwire_core::{Machine, TlsInfo};
use mailwire_sasl::Credentials;
use mailwire_smtp::client::{Client, ClientEvent, Envelope, TlsPolicy};

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

/// Implicit TLS (RFC 8314 §3.3): no STARTTLS, and the channel-binding data
/// given before the greeting makes SCRAM-SHA-256-PLUS the choice.
#[test]
fn implicit_tls_uses_channel_binding() {
    let mut cfg = config("client.example");
    cfg.tls = TlsPolicy::Required;
    cfg.implicit_tls = true;
    let mut client = Client::new(cfg);
    client
        .tls_established(TlsInfo::new().with_tls_exporter(vec![1; 32]))
        .unwrap();
    client.receive(b"220 mx\r\n").unwrap();
    while client.poll_event().unwrap().is_some() {}
    assert_eq!(drain(&mut client), b"EHLO client.example\r\n");
    client
        .receive(b"250-mx\r\n250 AUTH SCRAM-SHA-256 SCRAM-SHA-256-PLUS PLAIN\r\n")
        .unwrap();
    assert!(matches!(
        client.poll_event().unwrap(),
        Some(ClientEvent::Ready { .. })
    ));
    let mechanism = client
        .authenticate(&Credentials::password("user", "pencil"))
        .unwrap();
    assert_eq!(mechanism, mailwire_sasl::Mechanism::ScramSha256Plus);
    let out = drain(&mut client);
    // gs2 header "p=tls-exporter,," base64-encoded starts with "cD10bHMtZXhwb3J0ZXIs".
    assert!(
        out.starts_with(b"AUTH SCRAM-SHA-256-PLUS cD10bHMtZXhwb3J0ZXIs"),
        "{}",
        String::from_utf8_lossy(&out)
    );
}

/// TlsPolicy::None: the application starts TLS itself with `starttls`;
/// the session is ready again after the EHLO under TLS.
#[test]
fn explicit_starttls_call() {
    let steps = [
        S(b"220 mx\r\n"),
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 STARTTLS\r\n"),
        App(|c| {
            assert!(!c.is_tls());
            c.starttls().unwrap();
            assert!(c.starttls().is_err());
        }),
        C(b"STARTTLS\r\n"),
        S(b"220 go ahead\r\n"),
        Tls,
        C(b"EHLO client.example\r\n"),
        S(b"250-mx\r\n250 8BITMIME\r\n"),
        App(|c| {
            assert!(c.is_tls());
            assert!(c.starttls().is_err());
        }),
    ];
    let (events, error) = run_all_splits(config("client.example"), &steps);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(
        codes(&events),
        ["greeting 220", "ready 1", "starttls", "ready 1"]
    );
}
