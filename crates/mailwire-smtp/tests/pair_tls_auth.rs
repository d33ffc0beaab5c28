//! Client against server in memory: the STARTTLS boundary and AUTH with
//! every mechanism mailwire-sasl offers.

mod pair_common;

use std::sync::Arc;

use bytes::Bytes;
use mailwire_core::{Error, Machine, TlsInfo};
use mailwire_sasl::{Credentials, Mechanism, MemoryStore};
use mailwire_smtp::Capability;
use mailwire_smtp::client::{Client, ClientConfig, ClientEvent, Envelope, TlsPolicy};
use mailwire_smtp::server::{AuthConfig, ServerConfig, ServerEvent};
use pair_common::*;

fn tls_client() -> ClientConfig {
    let mut c = client_config();
    c.tls = TlsPolicy::Required;
    c
}

fn tls_server() -> ServerConfig {
    let mut s = server_config();
    s.starttls = true;
    s
}

fn send_on_ready(c: &mut Client, e: &ClientEvent) {
    match e {
        ClientEvent::Ready { .. } => {
            let env = Envelope::new(mbox("a@client.example"), [mbox("b@mx.example")]);
            c.send_mail(env, Bytes::from_static(b"Hello\r\n")).unwrap();
        }
        ClientEvent::MessageResult { .. } => c.quit().unwrap(),
        _ => {}
    }
}

#[test]
fn starttls_then_message() {
    let mut pair = Pair::new(tls_client(), tls_server());
    pair.run(&mut send_on_ready, &mut accept_all);
    assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
    assert!(pair.server_error.is_none(), "{:?}", pair.server_error);
    assert_eq!(pair.tls_switches, 1);
    assert_eq!(pair.messages, [b"Hello\r\n".to_vec()]);
    // One Ready only, after TLS, with the capabilities asked again.
    let readies: Vec<&ClientEvent> = pair
        .client_events
        .iter()
        .filter(|e| matches!(e, ClientEvent::Ready { .. }))
        .collect();
    assert_eq!(readies.len(), 1);
    match readies[0] {
        ClientEvent::Ready {
            capabilities: Some(caps),
        } => assert!(!caps.has(&Capability::StartTls)),
        other => panic!("{other:?}"),
    }
    let hellos = pair
        .server_events
        .iter()
        .filter(|e| matches!(e, ServerEvent::Hello { .. }))
        .count();
    assert_eq!(hellos, 2);
    assert!(pair.client.is_tls());
    assert!(pair.closed_with(221));
}

/// Bytes injected after the server's 220 (a man in the middle answering
/// for the server): the client must fail, never read them as TLS data.
#[test]
fn injected_reply_after_starttls_220_fails_the_client() {
    let mut pair = Pair::new(tls_client(), tls_server());
    pair.inject_to_client = Some(b"250-mx.example\r\n250 AUTH PLAIN\r\n".to_vec());
    pair.run(&mut send_on_ready, &mut accept_all);
    let err = pair.client_error.expect("client must fail");
    assert!(err.is_fatal());
    assert!(pair.client.is_closed());
    assert_eq!(pair.tls_switches, 0);
    assert!(pair.messages.is_empty());
    assert!(
        !pair
            .client_events
            .iter()
            .any(|e| matches!(e, ClientEvent::Ready { .. }))
    );
}

/// Bytes injected after the client's STARTTLS line (CVE-2011-0411): the
/// server must fail, never execute them.
#[test]
fn injected_command_after_starttls_fails_the_server() {
    let mut pair = Pair::new(tls_client(), tls_server());
    pair.inject_to_server = Some(b"MAIL FROM:<evil@attacker.example>\r\n".to_vec());
    pair.run(&mut send_on_ready, &mut accept_all);
    let err = pair.server_error.expect("server must fail");
    assert!(err.is_fatal());
    assert!(pair.server.is_closed());
    assert!(
        !pair
            .server_events
            .iter()
            .any(|e| matches!(e, ServerEvent::Mail { .. }))
    );
    assert!(pair.messages.is_empty());
}

/// TLS required but the server does not offer STARTTLS: the client stops,
/// sends nothing of the message.
#[test]
fn tls_required_server_without_starttls() {
    let mut pair = Pair::new(tls_client(), server_config());
    pair.run(&mut send_on_ready, &mut accept_all);
    assert!(pair.client_error.is_some());
    assert!(!pair.client_wire().windows(4).any(|w| w == b"MAIL"));
    assert!(pair.client_wire().ends_with(b"QUIT\r\n"));
}

const USER: &str = "alice";
const PASSWORD: &str = "correct horse battery";
const TOKEN: &str = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";

fn store() -> Arc<MemoryStore> {
    let mut store = MemoryStore::new()
        .with_iterations(4096)
        .keep_plaintext_for_cram_md5(true);
    store.add_user(USER, PASSWORD).unwrap();
    store.add_token(USER, TOKEN);
    Arc::new(store)
}

fn sasl() -> mailwire_sasl::ServerConfig {
    mailwire_sasl::ServerConfig::new()
        .enable_cram_md5(true)
        .enable_anonymous(true)
        .enable_oauth(true, None, None)
        .with_external_identity(USER)
}

/// How the client picks its mechanism.
#[derive(Clone)]
enum Pick {
    /// `authenticate`: the strongest both have.
    Auto,
    /// `authenticate_with` this one.
    With(Mechanism),
}

struct AuthRun {
    pair: Pair,
    /// What `authenticate` returned.
    call: Option<Result<Mechanism, Error>>,
}

fn auth_run(
    tls: bool,
    client_tls: TlsInfo,
    server_tls: TlsInfo,
    creds: Credentials,
    pick: Pick,
    cleartext_opt_in: bool,
) -> AuthRun {
    let mut cc = if tls { tls_client() } else { client_config() };
    cc.allow_cleartext_auth = cleartext_opt_in;
    let mut sc = if tls { tls_server() } else { server_config() };
    sc.auth = AuthConfig::with_store(store(), sasl());
    // `with_store` lists `sasl.mechanisms()` as they are before TLS, so
    // without this the -PLUS ones are never offered; a client that could
    // bind then sends the `y` flag and the server (which can bind) must
    // fail SCRAM as a downgrade (RFC 5802 §6). Reported to the server's
    // engineer.
    sc.auth
        .mechanisms
        .splice(0..0, [Mechanism::ScramSha256Plus, Mechanism::ScramSha1Plus]);
    sc.auth.allow_cleartext = !tls;
    let mut pair = Pair::new(cc, sc);
    pair.client_tls = client_tls;
    pair.server_tls = server_tls;
    let mut call = None;
    let mut app = |c: &mut Client, e: &ClientEvent| match e {
        ClientEvent::Ready { .. } => {
            let result = match &pick {
                Pick::Auto => c.authenticate(&creds),
                Pick::With(m) => c.authenticate_with(m.clone(), &creds),
            };
            if result.is_err() {
                c.quit().unwrap();
            }
            call = Some(result);
        }
        ClientEvent::Authenticated { .. } | ClientEvent::AuthFailed { .. } => c.quit().unwrap(),
        _ => {}
    };
    pair.run(&mut app, &mut accept_all);
    AuthRun { pair, call }
}

fn authenticated(run: &AuthRun) -> Option<Mechanism> {
    run.pair.client_events.iter().find_map(|e| match e {
        ClientEvent::Authenticated { mechanism } => Some(mechanism.clone()),
        _ => None,
    })
}

fn auth_failed(run: &AuthRun) -> Option<u16> {
    run.pair.client_events.iter().find_map(|e| match e {
        ClientEvent::AuthFailed { reply, .. } => Some(reply.code.get()),
        _ => None,
    })
}

fn exporter(byte: u8) -> TlsInfo {
    TlsInfo::new().with_tls_exporter(vec![byte; 32])
}

#[test]
fn auth_each_mechanism_over_tls() {
    let password = || Credentials::password(USER, PASSWORD);
    let cases: Vec<(Mechanism, Credentials)> = vec![
        (Mechanism::Plain, password()),
        (Mechanism::Login, password()),
        (Mechanism::CramMd5, password()),
        (Mechanism::ScramSha1, password()),
        (Mechanism::ScramSha256, password()),
        (Mechanism::ScramSha1Plus, password()),
        (Mechanism::ScramSha256Plus, password()),
        (
            Mechanism::OAuthBearer,
            Credentials::oauth_token(USER, TOKEN),
        ),
        (Mechanism::XOAuth2, Credentials::oauth_token(USER, TOKEN)),
        (Mechanism::External, Credentials::external()),
        (Mechanism::Anonymous, Credentials::anonymous("trace")),
    ];
    for (mechanism, creds) in cases {
        let run = auth_run(
            true,
            exporter(1),
            exporter(1),
            creds,
            Pick::With(mechanism.clone()),
            false,
        );
        assert!(
            matches!(run.call, Some(Ok(_))),
            "{mechanism}: {:?}",
            run.call
        );
        assert_eq!(
            authenticated(&run),
            Some(mechanism.clone()),
            "{mechanism}: {:?} / {:?}",
            run.pair.client_events,
            run.pair.client_error
        );
        assert!(run.pair.server.is_authenticated() || run.pair.server.is_closed());
        assert!(run.pair.closed_with(221), "{mechanism}");
    }
}

/// With channel-binding data on both sides, `authenticate` picks
/// SCRAM-SHA-256-PLUS; different data on the two sides (a man in the
/// middle terminating TLS) makes it fail.
#[test]
fn scram_plus_with_matching_and_mismatched_binding() {
    let run = auth_run(
        true,
        exporter(9),
        exporter(9),
        Credentials::password(USER, PASSWORD),
        Pick::Auto,
        false,
    );
    assert_eq!(authenticated(&run), Some(Mechanism::ScramSha256Plus));

    let run = auth_run(
        true,
        exporter(9),
        exporter(8),
        Credentials::password(USER, PASSWORD),
        Pick::Auto,
        false,
    );
    assert_eq!(authenticated(&run), None);
    assert!(auth_failed(&run).is_some_and(|c| c >= 500));

    // Without binding data, plain SCRAM-SHA-256.
    let run = auth_run(
        true,
        TlsInfo::new(),
        TlsInfo::new(),
        Credentials::password(USER, PASSWORD),
        Pick::Auto,
        false,
    );
    assert_eq!(authenticated(&run), Some(Mechanism::ScramSha256));
}

/// PLAIN without TLS: refused by the client unless opted in; allowed with
/// the opt-in.
#[test]
fn plain_cleartext_opt_in() {
    let run = auth_run(
        false,
        TlsInfo::new(),
        TlsInfo::new(),
        Credentials::password(USER, PASSWORD),
        Pick::With(Mechanism::Plain),
        false,
    );
    assert!(
        matches!(run.call, Some(Err(Error::Local(_)))),
        "{:?}",
        run.call
    );
    assert!(!run.pair.client_wire().windows(4).any(|w| w == b"AUTH"));

    let run = auth_run(
        false,
        TlsInfo::new(),
        TlsInfo::new(),
        Credentials::password(USER, PASSWORD),
        Pick::With(Mechanism::Plain),
        true,
    );
    assert_eq!(authenticated(&run), Some(Mechanism::Plain));

    // Without the opt-in, the automatic choice in cleartext is SCRAM,
    // which never exposes the password.
    let run = auth_run(
        false,
        TlsInfo::new(),
        TlsInfo::new(),
        Credentials::password(USER, PASSWORD),
        Pick::Auto,
        false,
    );
    assert_eq!(authenticated(&run), Some(Mechanism::ScramSha256));
}

#[test]
fn wrong_password_fails_and_session_goes_on() {
    for mechanism in [Mechanism::Plain, Mechanism::ScramSha256, Mechanism::Login] {
        let run = auth_run(
            true,
            TlsInfo::new(),
            TlsInfo::new(),
            Credentials::password(USER, "wrong"),
            Pick::With(mechanism.clone()),
            false,
        );
        assert_eq!(authenticated(&run), None, "{mechanism}");
        assert_eq!(auth_failed(&run), Some(535), "{mechanism}");
        assert!(run.pair.client_error.is_none(), "{mechanism}");
        assert!(run.pair.closed_with(221), "{mechanism}");
    }
}

/// An initial response too long for the 512-octet AUTH line goes as the
/// answer to the server's empty challenge (RFC 4954 §4).
#[test]
fn long_initial_response_is_deferred() {
    let token: String = std::iter::repeat_n('a', 600).collect();
    let mut store = MemoryStore::new().with_iterations(4096);
    store.add_token(USER, &token);
    let mut cc = tls_client();
    cc.allow_cleartext_auth = false;
    let mut sc = tls_server();
    sc.auth = AuthConfig::with_store(Arc::new(store), sasl());
    let mut pair = Pair::new(cc, sc);
    let creds = Credentials::oauth_token(USER, token.as_str());
    let mut app = |c: &mut Client, e: &ClientEvent| match e {
        ClientEvent::Ready { .. } => {
            c.authenticate_with(Mechanism::OAuthBearer, &creds).unwrap();
        }
        ClientEvent::Authenticated { .. } | ClientEvent::AuthFailed { .. } => c.quit().unwrap(),
        _ => {}
    };
    pair.run(&mut app, &mut accept_all);
    assert!(pair.client_error.is_none(), "{:?}", pair.client_error);
    assert!(
        pair.client_writes
            .iter()
            .any(|w| w.as_slice() == b"AUTH OAUTHBEARER\r\n")
    );
    assert!(
        pair.client_events
            .iter()
            .any(|e| matches!(e, ClientEvent::Authenticated { .. })),
        "{:?}",
        pair.client_events
    );
}
