//! STARTTLS (RFC 3207) and AUTH (RFC 4954) on the server machine, with the
//! SASL exchanges of mailwire-sasl; timeouts on a virtual clock.

#[path = "server_harness.rs"]
mod harness;

use std::sync::Arc;
use std::time::Duration;

use harness::*;
use mailwire_core::{Machine, TlsInfo, b64};
use mailwire_sasl::{
    ChannelBinding, ClientExchange, Credentials, Mechanism, MemoryStore, ServerConfig as SaslConfig,
};
use mailwire_smtp::Server;
use mailwire_smtp::server::{AuthConfig, ServerConfig, ServerEvent};

fn store(cram: bool) -> Arc<MemoryStore> {
    let mut s = MemoryStore::new()
        .with_iterations(4096)
        .keep_plaintext_for_cram_md5(cram);
    s.add_user("alice", "wonderland").unwrap();
    Arc::new(s)
}

fn tls_cfg() -> ServerConfig {
    let mut c = config("mx.test");
    c.starttls = true;
    c.auth = AuthConfig::with_store(store(false), SaslConfig::new());
    c
}

fn binding() -> TlsInfo {
    TlsInfo::new().with_tls_exporter(vec![7; 32])
}

/// The EHLO reply lines after the first, without `250-` / `250 `.
fn ehlo_caps(text: &str, nth: usize) -> Vec<String> {
    let mut replies = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    for line in text.split("\r\n") {
        if let Some(rest) = line.strip_prefix("250-") {
            cur.push(rest.to_string());
        } else if let Some(rest) = line.strip_prefix("250 ") {
            if !cur.is_empty() {
                cur.push(rest.to_string());
                replies.push(std::mem::take(&mut cur)[1..].to_vec());
            }
        }
    }
    replies.get(nth).cloned().unwrap_or_default()
}

#[test]
fn starttls_offered_once_and_state_forgotten() {
    let steps = [
        input("EHLO c.test\r\nSTARTTLS\r\n"),
        Step::Tls(TlsInfo::new()),
        input("MAIL FROM:<a@x.test>\r\nEHLO again.test\r\nSTARTTLS\r\nQUIT\r\n"),
    ];
    let out = run_split(&tls_cfg(), &steps, &|| app(accept_all));
    let text = out.text();
    let before = ehlo_caps(&text, 0);
    let after = ehlo_caps(&text, 1);
    assert!(before.contains(&"STARTTLS".to_string()), "{before:?}");
    assert!(
        !before.iter().any(|c| c.starts_with("AUTH")),
        "no AUTH before TLS"
    );
    assert!(!after.contains(&"STARTTLS".to_string()), "{after:?}");
    assert!(
        after.contains(&"AUTH SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN".to_string()),
        "{after:?}"
    );
    assert!(text.contains("220 2.0.0 Ready to start TLS\r\n503 5.5.1 Send EHLO or HELO first\r\n"));
    assert!(text.ends_with(
        "503 5.5.1 TLS already active\r\n221 2.0.0 mx.test Service closing transmission channel\r\n"
    ));
    assert!(out.saw("StartTls"));
}

#[test]
fn plaintext_after_starttls_is_never_executed() {
    // CVE-2011-0411: the injected command sits in the same packet, or
    // arrives before the handshake; either way the connection fails.
    let steps = [
        input("EHLO c.test\r\nSTARTTLS\r\nMAIL FROM:<evil@x.test>\r\n"),
        Step::Tls(TlsInfo::new()),
        input("RCPT TO:<b@mx.test>\r\n"),
    ];
    let out = run_split(&tls_cfg(), &steps, &|| app(accept_all));
    assert!(
        out.text().ends_with("220 2.0.0 Ready to start TLS\r\n"),
        "{}",
        out.text()
    );
    assert!(out.closed);
    assert!(!out.saw("Mail"));
    assert!(
        out.errors
            .iter()
            .any(|e| e.contains("plaintext data after STARTTLS"))
    );
}

#[test]
fn starttls_not_configured_and_require_tls() {
    let mut c = config("mx.test");
    c.require_tls = true;
    let client = "EHLO c.test\r\nSTARTTLS\r\nMAIL FROM:<a@x.test>\r\nQUIT\r\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert!(out.text().ends_with(
        "502 5.5.1 Command not implemented\r\n530 5.7.0 Must issue a STARTTLS command first\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    ));
    // With TLS, MAIL goes through.
    let mut c = tls_cfg();
    c.require_tls = true;
    let steps = [
        input("EHLO c.test\r\nSTARTTLS\r\n"),
        Step::Tls(TlsInfo::new()),
        input("EHLO c.test\r\nMAIL FROM:<a@x.test>\r\n"),
    ];
    let out = run_split(&c, &steps, &|| app(accept_all));
    assert!(out.text().ends_with("250 2.1.0 Sender OK\r\n"));
}

#[test]
fn auth_before_tls_is_538_and_not_advertised() {
    let client = "EHLO c.test\r\nAUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=\r\nQUIT\r\n";
    let out = run_split(&tls_cfg(), &[input(client)], &|| app(accept_all));
    assert!(out.text().ends_with(
        "538 5.7.11 Encryption required for requested authentication mechanism\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    ));
    assert!(!out.saw("Authenticated"));
}

/// Runs `auth` after TLS and returns the output after the EHLO reply.
fn after_tls(c: &ServerConfig, auth: &str) -> Outcome {
    let steps = [
        input("EHLO c.test\r\nSTARTTLS\r\n"),
        Step::Tls(TlsInfo::new()),
        input(format!("EHLO c.test\r\n{auth}")),
    ];
    run_bytewise(c, &steps, &|| app(accept_all))
}

fn tail(out: &Outcome) -> String {
    let t = out.text();
    let i = t.rfind("250 AUTH").expect("EHLO reply with AUTH");
    t[i..].split_once("\r\n").unwrap().1.to_string()
}

#[test]
fn auth_plain_with_and_without_initial_response() {
    let ir = b64::encode(b"\0alice\0wonderland");
    let out = after_tls(
        &tls_cfg(),
        &format!("AUTH PLAIN {ir}\r\nAUTH PLAIN\r\nMAIL FROM:<a@x.test>\r\n"),
    );
    assert_eq!(
        tail(&out),
        "235 2.7.0 Authentication successful\r\n503 5.5.1 Already authenticated\r\n250 2.1.0 Sender OK\r\n"
    );
    assert!(out.saw("Authenticated { authcid: \"alice\", authzid: None }"));

    let out = after_tls(&tls_cfg(), &format!("AUTH plain\r\n{ir}\r\n"));
    assert_eq!(
        tail(&out),
        "334 \r\n235 2.7.0 Authentication successful\r\n"
    );
}

#[test]
fn auth_login_challenge_loop() {
    let user = b64::encode(b"alice");
    let pass = b64::encode(b"wonderland");
    let out = after_tls(&tls_cfg(), &format!("AUTH LOGIN\r\n{user}\r\n{pass}\r\n"));
    assert_eq!(
        tail(&out),
        "334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 2.7.0 Authentication successful\r\n"
    );
}

#[test]
fn auth_errors_cancel_bad_base64_unknown_mechanism() {
    let wrong = b64::encode(b"\0alice\0wrong");
    let out = after_tls(
        &tls_cfg(),
        &format!(
            "AUTH LOGIN\r\n*\r\nAUTH LOGIN\r\n!!!\r\nAUTH FOO\r\nAUTH CRAM-MD5\r\nAUTH PLAIN {wrong}\r\nNOOP\r\n"
        ),
    );
    assert_eq!(
        tail(&out),
        "334 VXNlcm5hbWU6\r\n501 5.0.0 Authentication cancelled\r\n334 VXNlcm5hbWU6\r\n\
         501 5.5.2 Invalid base64 in the response\r\n504 5.5.4 Unrecognized authentication type\r\n\
         504 5.5.4 Unrecognized authentication type\r\n535 5.7.8 Authentication credentials invalid\r\n\
         250 2.0.0 OK\r\n"
    );
}

#[test]
fn failed_auth_limit_closes() {
    let wrong = b64::encode(b"\0alice\0wrong");
    let mut c = tls_cfg();
    c.limits.max_auth_failures = 2;
    let out = after_tls(
        &c,
        &format!("AUTH PLAIN {wrong}\r\nAUTH PLAIN {wrong}\r\nNOOP\r\n"),
    );
    assert_eq!(
        tail(&out),
        "535 5.7.8 Authentication credentials invalid\r\n535 5.7.8 Authentication credentials invalid\r\n\
         421 4.7.0 Too many failed authentication attempts\r\n"
    );
    assert!(out.closed);
}

#[test]
fn require_auth_before_mail_and_auth_param_kept() {
    let mut c = tls_cfg();
    c.auth.required = true;
    let ir = b64::encode(b"\0alice\0wonderland");
    let out = after_tls(
        &c,
        &format!("MAIL FROM:<a@x.test>\r\nAUTH PLAIN {ir}\r\nMAIL FROM:<a@x.test> AUTH=<>\r\n"),
    );
    assert_eq!(
        tail(&out),
        "530 5.7.0 Authentication required\r\n235 2.7.0 Authentication successful\r\n250 2.1.0 Sender OK\r\n"
    );
    assert!(out.saw("Mail { from: Mailbox(Mailbox(\"a@x.test\")), params: MailParameters { size: None, body: None, smtputf8: false, auth: Some(Unknown)"));
}

#[test]
fn cleartext_opt_in_offers_auth_without_tls() {
    let mut c = config("mx.test");
    c.auth = AuthConfig::with_store(store(false), SaslConfig::new());
    c.auth.allow_cleartext = true;
    let ir = b64::encode(b"\0alice\0wonderland");
    let out = run_bytewise(
        &c,
        &[input(format!("EHLO c.test\r\nAUTH PLAIN {ir}\r\n"))],
        &|| app(accept_all),
    );
    assert!(
        out.text()
            .contains("250 AUTH SCRAM-SHA-256 SCRAM-SHA-1 PLAIN LOGIN\r\n")
    );
    assert!(
        out.text()
            .ends_with("235 2.7.0 Authentication successful\r\n")
    );
}

/// Drives an AUTH exchange interactively with a mailwire-sasl client.
fn interactive_auth(
    server: &mut Server,
    mechanism: Mechanism,
    cb: Option<ChannelBinding>,
) -> String {
    let creds = Credentials::password("alice", "wonderland");
    let mut client = ClientExchange::new(mechanism.clone(), &creds, cb).unwrap();
    let mut line = format!("AUTH {mechanism}");
    if let Some(ir) = client.initial_response() {
        line.push(' ');
        line.push_str(&if ir.is_empty() {
            "=".into()
        } else {
            b64::encode(&ir)
        });
    }
    line.push_str("\r\n");
    server.receive(line.as_bytes()).unwrap();
    let mut log = String::new();
    for _ in 0..10 {
        while let Some(ev) = server.poll_event().unwrap() {
            log.push_str(&format!("{ev:?}\n"));
        }
        let out = server
            .poll_transmit()
            .map(|o| String::from_utf8(o.to_vec()).unwrap())
            .unwrap_or_default();
        server.advance_transmit(out.len());
        log.push_str(&out);
        if let Some(challenge) = out.strip_prefix("334 ") {
            let c = b64::decode(challenge.trim_end().as_bytes()).unwrap();
            let resp = client.step(&c).unwrap();
            server
                .receive(format!("{}\r\n", b64::encode(&resp)).as_bytes())
                .unwrap();
        } else {
            return log;
        }
    }
    log
}

fn tls_server(c: ServerConfig, info: TlsInfo) -> Server {
    let mut s = Server::with_tls(c, info);
    s.receive(b"EHLO c.test\r\n").unwrap();
    let ev = s.poll_event().unwrap();
    assert!(matches!(ev, Some(ServerEvent::Hello { .. })));
    s.accept().unwrap();
    let n = s.poll_transmit().unwrap().len();
    s.advance_transmit(n);
    s
}

#[test]
fn auth_scram_sha_256_with_sasl_client() {
    let mut s = tls_server(tls_cfg(), TlsInfo::new());
    let log = interactive_auth(&mut s, Mechanism::ScramSha256, None);
    assert!(log.contains("Authenticated { authcid: \"alice\""), "{log}");
    assert!(
        log.ends_with("235 2.7.0 Authentication successful\r\n"),
        "{log}"
    );
    assert!(s.is_authenticated());
}

#[test]
fn auth_scram_plus_only_with_channel_binding() {
    // Without binding data, -PLUS is neither offered nor accepted.
    let c = tls_cfg();
    let mut s = Server::with_tls(c.clone(), TlsInfo::new());
    s.receive(b"EHLO c.test\r\n").unwrap();
    s.poll_event().unwrap();
    s.accept().unwrap();
    let ehlo = String::from_utf8(s.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(!ehlo.contains("PLUS"), "{ehlo}");

    let info = binding();
    let mut s = Server::with_tls(c, info.clone());
    s.receive(b"EHLO c.test\r\n").unwrap();
    s.poll_event().unwrap();
    s.accept().unwrap();
    let ehlo = String::from_utf8(s.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(
        ehlo.contains("AUTH SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256"),
        "{ehlo}"
    );
    let n = ehlo.len();
    s.advance_transmit(n);
    let cb = ChannelBinding::from_tls_info(&info);
    let log = interactive_auth(&mut s, Mechanism::ScramSha256Plus, cb);
    assert!(
        log.ends_with("235 2.7.0 Authentication successful\r\n"),
        "{log}"
    );
}

#[test]
fn auth_cram_md5_only_when_enabled() {
    // Not enabled: 504.
    let mut s = tls_server(tls_cfg(), TlsInfo::new());
    s.receive(b"AUTH CRAM-MD5\r\n").unwrap();
    assert!(s.poll_event().unwrap().is_none());
    assert_eq!(
        s.poll_transmit().unwrap(),
        b"504 5.5.4 Unrecognized authentication type\r\n"
    );
    // Enabled in the SASL settings and the store keeps the plaintext.
    let mut c = tls_cfg();
    c.auth = AuthConfig::with_store(store(true), SaslConfig::new().enable_cram_md5(true));
    let mut s = tls_server(c, TlsInfo::new());
    let log = interactive_auth(&mut s, Mechanism::CramMd5, None);
    assert!(
        log.ends_with("235 2.7.0 Authentication successful\r\n"),
        "{log}"
    );
}

#[test]
fn auth_answered_by_the_application() {
    let mut c = config("mx.test");
    c.auth.mechanisms = vec![Mechanism::Login];
    let mut s = Server::with_tls(c, TlsInfo::new());
    s.receive(b"EHLO c.test\r\nAUTH LOGIN\r\n").unwrap();
    s.poll_event().unwrap();
    s.accept().unwrap();
    match s.poll_event().unwrap() {
        Some(ServerEvent::Auth {
            mechanism,
            initial_response: None,
        }) => assert_eq!(mechanism, Mechanism::Login),
        other => panic!("{other:?}"),
    }
    s.auth_challenge(b"Username:").unwrap();
    s.receive(b"Ym9i\r\n").unwrap();
    match s.poll_event().unwrap() {
        Some(ev @ ServerEvent::AuthResponse(_)) => {
            assert_eq!(
                ev,
                ServerEvent::AuthResponse(bytes::Bytes::from_static(b"bob"))
            );
            // Debug never shows what may be a password.
            assert_eq!(format!("{ev:?}"), "AuthResponse(<3 bytes>)");
        }
        other => panic!("{other:?}"),
    }
    s.reject(r(535, "5.7.8 No")).unwrap();
    s.receive(b"AUTH LOGIN\r\n").unwrap();
    assert!(matches!(
        s.poll_event().unwrap(),
        Some(ServerEvent::Auth { .. })
    ));
    s.auth_challenge(b"").unwrap();
    s.receive(b"*\r\n").unwrap();
    assert_eq!(s.poll_event().unwrap(), Some(ServerEvent::AuthCancelled));
    let out = String::from_utf8(s.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(
        out.ends_with(
            "334 VXNlcm5hbWU6\r\n535 5.7.8 No\r\n334 \r\n501 5.0.0 Authentication cancelled\r\n"
        ),
        "{out}"
    );
}

#[test]
fn idle_timeout_closes_with_421() {
    let c = config("mx.test");
    let steps = [
        input("EHLO c.test\r\n"),
        Step::Wait(Duration::from_secs(299)),
        input("NOOP\r\n"),
        Step::Wait(Duration::from_secs(299)),
        Step::Wait(Duration::from_secs(2)),
        input("NOOP\r\n"),
    ];
    let out = run_split(&c, &steps, &|| app(accept_all));
    assert!(
        out.text()
            .ends_with("250 2.0.0 OK\r\n421 4.4.2 mx.test Timeout, closing connection\r\n"),
        "{}",
        out.text()
    );
    assert!(out.closed);
}

#[test]
fn data_timeout_is_shorter_and_aborts_the_body() {
    let c = config("mx.test");
    let steps = [
        input("EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\npart"),
        Step::Wait(Duration::from_secs(179)),
        input(" more"),
        Step::Wait(Duration::from_secs(181)),
    ];
    let out = run_split(&c, &steps, &|| app(accept_all));
    assert!(out.text().ends_with(
        "354 End data with <CR><LF>.<CR><LF>\r\n421 4.4.2 mx.test Timeout, closing connection\r\n"
    ));
    assert!(out.saw("DataAborted(ConnectionLost)"));
    assert_eq!(out.body(), b"part more");
}

#[test]
fn a_slow_answer_does_not_eat_the_clients_time() {
    // The application takes longer than the idle timeout to answer MAIL
    // (a slow policy lookup): the client's 5 minutes start after it.
    use mailwire_core::Machine;
    let mut s = Server::new(config("mx.test"));
    let t0 = std::time::Instant::now();
    s.handle_timeout(t0);
    s.receive(b"EHLO c.test\r\nMAIL FROM:<a@x.test>\r\n")
        .unwrap();
    s.handle_timeout(t0);
    s.poll_event().unwrap();
    s.accept().unwrap();
    assert!(s.poll_event().unwrap().is_some());
    assert_eq!(s.poll_timeout(), None, "no timer while the app decides");
    let late = t0 + Duration::from_secs(400);
    s.accept().unwrap();
    let due = s.poll_timeout().expect("asks for the time");
    assert!(due <= late);
    s.handle_timeout(late);
    assert!(!s.is_closed());
    assert_eq!(s.poll_timeout(), Some(late + Duration::from_secs(300)));
    s.handle_timeout(late + Duration::from_secs(299));
    assert!(!s.is_closed());
    s.handle_timeout(late + Duration::from_secs(300));
    assert!(s.is_closed());
    let out = String::from_utf8(s.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(
        out.ends_with("250 2.1.0 Sender OK\r\n421 4.4.2 mx.test Timeout, closing connection\r\n")
    );
}

#[test]
fn eof_inside_data_aborts() {
    let c = config("mx.test");
    let steps = [
        input("EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nhalf"),
        Step::Eof,
    ];
    let out = run_split(&c, &steps, &|| app(accept_all));
    assert!(out.closed);
    assert!(out.saw("DataAborted(ConnectionLost)"));
    assert!(!out.saw("DataEnd"));
}
