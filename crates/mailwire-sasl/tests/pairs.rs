//! Client exchange against server exchange, in memory, for every mechanism:
//! success and each way it can fail.

use mailwire_core::TlsInfo;
use mailwire_sasl::{
    ChannelBinding, ChannelBindingType, ClientExchange, CredentialStore, Credentials, Error,
    Failure, Identity, Mechanism, MemoryStore, ScramCredentials, ScramHash, ServerConfig,
    ServerExchange, ServerStep,
};

/// How a run ended.
#[derive(Debug, PartialEq)]
enum End {
    Ok(Identity),
    Server(Failure),
    Client(Error),
}

/// Drives `client` against `server`; `tamper` may alter each challenge in
/// transit (a man in the middle).
fn run_with(
    client: &mut ClientExchange,
    server: &mut ServerExchange,
    store: &dyn CredentialStore,
    use_ir: bool,
    tamper: &mut dyn FnMut(&mut Vec<u8>),
) -> End {
    let ir = if use_ir {
        client.initial_response()
    } else {
        None
    };
    let mut step = server.start(store, ir.as_deref().map(|v| &v[..]));
    for _ in 0..10 {
        match step {
            ServerStep::Challenge(mut c) => {
                tamper(&mut c);
                match client.step(&c) {
                    Ok(r) => step = server.step(store, &r),
                    Err(e) => {
                        server.cancel();
                        return End::Client(e);
                    }
                }
            }
            ServerStep::Success {
                identity,
                additional_data,
            } => {
                return match client.finish(additional_data.as_deref()) {
                    Ok(()) => End::Ok(identity),
                    Err(e) => End::Client(e),
                };
            }
            ServerStep::Failure(f) => return End::Server(f),
        }
    }
    panic!("exchange did not end");
}

fn run(mech: Mechanism, creds: &Credentials, config: &ServerConfig, store: &MemoryStore) -> End {
    let mut client = ClientExchange::new(mech.clone(), creds, None).unwrap();
    let mut server = ServerExchange::new(mech, config).unwrap();
    run_with(&mut client, &mut server, store, true, &mut |_| {})
}

fn store() -> MemoryStore {
    let mut s = MemoryStore::new()
        .with_iterations(4096)
        .keep_plaintext_for_cram_md5(true);
    s.add_user("alice", "secret one").unwrap();
    s.add_user("bob,=x", "pässwörd").unwrap();
    s.add_token("alice", "tok3n-ALICE");
    s
}

fn ok(user: &str) -> End {
    End::Ok(Identity {
        authcid: user.to_string(),
        authzid: None,
    })
}

const PASSWORD_MECHS: &[Mechanism] = &[
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::ScramSha1,
    Mechanism::ScramSha256,
];

#[test]
fn password_mechanisms_succeed_and_fail() {
    let store = store();
    let config = ServerConfig::new().enable_cram_md5(true);
    for mech in PASSWORD_MECHS {
        let good = Credentials::password("alice", "secret one");
        assert_eq!(
            run(mech.clone(), &good, &config, &store),
            ok("alice"),
            "{mech}"
        );
        let escaped = Credentials::password("bob,=x", "pässwörd");
        assert_eq!(
            run(mech.clone(), &escaped, &config, &store),
            ok("bob,=x"),
            "{mech}"
        );

        let wrong = Credentials::password("alice", "secret two");
        assert_eq!(
            run(mech.clone(), &wrong, &config, &store),
            End::Server(Failure::AuthenticationFailed),
            "{mech}"
        );
        let unknown = Credentials::password("mallory", "secret one");
        assert_eq!(
            run(mech.clone(), &unknown, &config, &store),
            End::Server(Failure::AuthenticationFailed),
            "{mech}"
        );
    }
}

#[test]
fn login_and_scram_without_initial_response() {
    let store = store();
    let config = ServerConfig::new();
    for mech in [Mechanism::Login, Mechanism::Plain, Mechanism::ScramSha256] {
        let creds = Credentials::password("alice", "secret one");
        let mut client = ClientExchange::new(mech.clone(), &creds, None).unwrap();
        let mut server = ServerExchange::new(mech.clone(), &config).unwrap();
        assert_eq!(
            run_with(&mut client, &mut server, &store, false, &mut |_| {}),
            ok("alice"),
            "{mech}"
        );
    }
    // LOGIN with the user name as initial response (AUTH LOGIN dXNlcg==).
    let mut server = ServerExchange::new(Mechanism::Login, &config).unwrap();
    assert_eq!(
        server.start(&store, Some(b"alice")),
        ServerStep::Challenge(b"Password:".to_vec())
    );
    assert_eq!(server.step(&store, b"secret one"), {
        ServerStep::Success {
            identity: Identity {
                authcid: "alice".into(),
                authzid: None,
            },
            additional_data: None,
        }
    });
}

#[test]
fn saslprep_makes_equivalent_passwords_equal() {
    // RFC 4013 §3: SOFT HYPHEN maps to nothing, so "I\u{AD}X" is "IX".
    let mut store = MemoryStore::new().with_iterations(4096);
    store.add_user("user", "IX").unwrap();
    let creds = Credentials::password("user", "I\u{AD}X");
    for mech in [Mechanism::ScramSha256, Mechanism::Plain] {
        assert_eq!(run(mech, &creds, &ServerConfig::new(), &store), ok("user"));
    }
    // A prohibited character is refused before anything is sent.
    let bad = Credentials::password("user", "a\u{7}b");
    assert!(matches!(
        ClientExchange::new(Mechanism::ScramSha256, &bad, None),
        Err(Error::InvalidInput { .. })
    ));
}

struct Delegating(MemoryStore);
impl CredentialStore for Delegating {
    fn verify_password(&self, a: &str, p: &str) -> bool {
        self.0.verify_password(a, p)
    }
    fn scram_credentials(&self, a: &str, h: ScramHash) -> Option<ScramCredentials> {
        self.0.scram_credentials(a, h)
    }
    fn authorize(&self, authcid: &str, authzid: &str) -> bool {
        authcid == "alice" && authzid == "shared@example.com"
    }
}

#[test]
fn authzid_allowed_and_refused() {
    let store = Delegating(store());
    for mech in [
        Mechanism::Plain,
        Mechanism::ScramSha1,
        Mechanism::ScramSha256,
    ] {
        let creds = Credentials::password("alice", "secret one").with_authzid("shared@example.com");
        let mut client = ClientExchange::new(mech.clone(), &creds, None).unwrap();
        let mut server = ServerExchange::new(mech.clone(), &ServerConfig::new()).unwrap();
        assert_eq!(
            run_with(&mut client, &mut server, &store, true, &mut |_| {}),
            End::Ok(Identity {
                authcid: "alice".into(),
                authzid: Some("shared@example.com".into())
            })
        );
        let creds = Credentials::password("alice", "secret one").with_authzid("boss");
        let mut client = ClientExchange::new(mech.clone(), &creds, None).unwrap();
        let mut server = ServerExchange::new(mech, &ServerConfig::new()).unwrap();
        assert_eq!(
            run_with(&mut client, &mut server, &store, true, &mut |_| {}),
            End::Server(Failure::AuthorizationFailed)
        );
    }
}

#[test]
fn scram_success_data_mode() {
    let store = store();
    let config = ServerConfig::new().with_success_data(true);
    let creds = Credentials::password("alice", "secret one");
    let mut client = ClientExchange::new(Mechanism::ScramSha256, &creds, None).unwrap();
    let mut server = ServerExchange::new(Mechanism::ScramSha256, &config).unwrap();
    let ir = client.initial_response().unwrap();
    let ServerStep::Challenge(first) = server.start(&store, Some(&ir)) else {
        panic!()
    };
    let fin = client.step(&first).unwrap();
    let ServerStep::Success {
        additional_data: Some(data),
        ..
    } = server.step(&store, &fin)
    else {
        panic!()
    };
    let mut bad = data.clone();
    bad[3] ^= 1;
    let mut c2 = ClientExchange::new(Mechanism::ScramSha256, &creds, None).unwrap();
    c2.initial_response();
    assert!(c2.finish(Some(&bad)).is_err());
    client.finish(Some(&data)).unwrap();
}

#[test]
fn scram_tampered_server_signature() {
    let store = store();
    let creds = Credentials::password("alice", "secret one");
    for mech in [Mechanism::ScramSha1, Mechanism::ScramSha256] {
        let mut client = ClientExchange::new(mech.clone(), &creds, None).unwrap();
        let mut server = ServerExchange::new(mech, &ServerConfig::new()).unwrap();
        let mut tamper = |c: &mut Vec<u8>| {
            if c.starts_with(b"v=") {
                // Replace the signature with a valid-looking wrong one.
                let len = c.len();
                c.truncate(2);
                c.extend(std::iter::repeat_n(b'A', len - 3));
                c.push(b'=');
            }
        };
        assert_eq!(
            run_with(&mut client, &mut server, &store, true, &mut tamper),
            End::Client(Error::ServerSignatureMismatch)
        );
    }
}

#[test]
fn scram_server_without_the_right_keys_is_caught() {
    // A server holding keys for another password: the server refuses the
    // client, and a client never accepts the server's word for success.
    let mut other = MemoryStore::new().with_iterations(4096);
    other.add_user("alice", "not her password").unwrap();
    let creds = Credentials::password("alice", "secret one");
    assert_eq!(
        run(Mechanism::ScramSha256, &creds, &ServerConfig::new(), &other),
        End::Server(Failure::AuthenticationFailed)
    );
}

#[test]
fn scram_iteration_bounds_on_the_client() {
    struct Few(u32);
    impl CredentialStore for Few {
        fn scram_credentials(&self, _: &str, h: ScramHash) -> Option<ScramCredentials> {
            let n = h.output_len();
            ScramCredentials::from_parts(h, vec![1; 8], self.0, vec![0; n], vec![0; n]).ok()
        }
    }
    let creds = Credentials::password("alice", "secret one");
    for (count, expect_min) in [(1000, true), (u32::MAX, false)] {
        let mut client = ClientExchange::new(Mechanism::ScramSha256, &creds, None).unwrap();
        let mut server = ServerExchange::new(Mechanism::ScramSha256, &ServerConfig::new()).unwrap();
        let end = run_with(&mut client, &mut server, &Few(count), true, &mut |_| {});
        let End::Client(Error::IterationCount { min, max, .. }) = end else {
            panic!("{end:?}")
        };
        assert_eq!(min, 4096);
        assert!(expect_min || max < u32::MAX);
    }
}

fn tls(exporter: &[u8], endpoint: Option<&[u8]>) -> TlsInfo {
    let mut t = TlsInfo::new().with_tls_exporter(exporter.to_vec());
    if let Some(e) = endpoint {
        t = t.with_tls_server_end_point(e.to_vec());
    }
    t
}

#[test]
fn scram_plus_binds_to_the_channel() {
    let store = store();
    let creds = Credentials::password("alice", "secret one");
    let info = tls(&[7; 32], Some(&[9; 32]));
    let config = ServerConfig::new().with_tls_info(&info);
    for mech in [Mechanism::ScramSha1Plus, Mechanism::ScramSha256Plus] {
        // tls-exporter is preferred.
        let cb = ChannelBinding::from_tls_info(&info).unwrap();
        assert_eq!(cb.kind(), ChannelBindingType::TlsExporter);
        let mut client = ClientExchange::new(mech.clone(), &creds, Some(cb)).unwrap();
        let mut server = ServerExchange::new(mech.clone(), &config).unwrap();
        assert_eq!(
            run_with(&mut client, &mut server, &store, true, &mut |_| {}),
            ok("alice")
        );
        // tls-server-end-point works too.
        let cb = ChannelBinding::of_type(&info, ChannelBindingType::TlsServerEndPoint).unwrap();
        let mut client = ClientExchange::new(mech.clone(), &creds, Some(cb)).unwrap();
        let mut server = ServerExchange::new(mech.clone(), &config).unwrap();
        assert_eq!(
            run_with(&mut client, &mut server, &store, true, &mut |_| {}),
            ok("alice")
        );
        // A different channel (a man in the middle with two TLS sessions).
        let cb = ChannelBinding::new(ChannelBindingType::TlsExporter, vec![8; 32]);
        let mut client = ClientExchange::new(mech.clone(), &creds, Some(cb)).unwrap();
        let mut server = ServerExchange::new(mech.clone(), &config).unwrap();
        assert!(matches!(
            run_with(&mut client, &mut server, &store, true, &mut |_| {}),
            End::Server(Failure::ChannelBinding(_))
        ));
        // A binding type the server has no data for.
        let only_exporter = ServerConfig::new().with_tls_info(&tls(&[7; 32], None));
        let cb = ChannelBinding::new(ChannelBindingType::TlsServerEndPoint, vec![9; 32]);
        let mut client = ClientExchange::new(mech.clone(), &creds, Some(cb)).unwrap();
        let mut server = ServerExchange::new(mech.clone(), &only_exporter).unwrap();
        assert!(matches!(
            run_with(&mut client, &mut server, &store, true, &mut |_| {}),
            End::Server(Failure::ChannelBinding(_))
        ));
        // -PLUS needs binding data on both sides.
        assert_eq!(
            ClientExchange::new(mech.clone(), &creds, None).err(),
            Some(Error::ChannelBindingRequired(mech.clone()))
        );
        assert!(ServerExchange::new(mech.clone(), &ServerConfig::new()).is_err());
    }
}

#[test]
fn scram_downgrade_is_detected() {
    // The client could bind (y flag) but was offered plain SCRAM only,
    // while this server supports -PLUS: someone stripped it.
    let store = store();
    let creds = Credentials::password("alice", "secret one");
    let info = tls(&[7; 32], None);
    let cb = ChannelBinding::from_tls_info(&info);
    let mut client = ClientExchange::new(Mechanism::ScramSha256, &creds, cb.clone()).unwrap();
    let ir = client.initial_response().unwrap();
    assert!(ir.starts_with(b"y,,"));
    let mut server = ServerExchange::new(
        Mechanism::ScramSha256,
        &ServerConfig::new().with_tls_info(&info),
    )
    .unwrap();
    assert!(matches!(
        server.start(&store, Some(&ir)),
        ServerStep::Failure(Failure::ChannelBinding(_))
    ));
    // A server without binding support accepts y.
    let mut client = ClientExchange::new(Mechanism::ScramSha256, &creds, cb).unwrap();
    let mut server = ServerExchange::new(Mechanism::ScramSha256, &ServerConfig::new()).unwrap();
    assert_eq!(
        run_with(&mut client, &mut server, &store, true, &mut |_| {}),
        ok("alice")
    );
    // p= with a mechanism without -PLUS is refused.
    let mut server = ServerExchange::new(Mechanism::ScramSha256, &ServerConfig::new()).unwrap();
    assert!(matches!(
        server.start(&store, Some(b"p=tls-exporter,,n=alice,r=abcdef")),
        ServerStep::Failure(Failure::ChannelBinding(_))
    ));
}

#[test]
fn scram_altered_gs2_header_in_final_fails() {
    let store = store();
    let creds = Credentials::password("alice", "secret one");
    let mut client = ClientExchange::new(Mechanism::ScramSha256, &creds, None).unwrap();
    let mut server = ServerExchange::new(Mechanism::ScramSha256, &ServerConfig::new()).unwrap();
    let ir = client.initial_response().unwrap();
    let ServerStep::Challenge(first) = server.start(&store, Some(&ir)) else {
        panic!()
    };
    let fin = client.step(&first).unwrap();
    // c=biws is "n,,"; claim "y,," instead.
    let text = String::from_utf8(fin.to_vec())
        .unwrap()
        .replace("c=biws", "c=eSws");
    assert!(matches!(
        server.step(&store, text.as_bytes()),
        ServerStep::Failure(Failure::ChannelBinding(_))
    ));
}

#[test]
fn oauth_mechanisms() {
    let store = store();
    let config = ServerConfig::new().enable_oauth(true, Some("mail"), None);
    for mech in [Mechanism::OAuthBearer, Mechanism::XOAuth2] {
        let good = Credentials::oauth_token("alice", "tok3n-ALICE");
        assert_eq!(run(mech.clone(), &good, &config, &store), ok("alice"));
        // Bad token: error challenge, dummy response, failure.
        let bad = Credentials::oauth_token("alice", "expired");
        let mut client = ClientExchange::new(mech.clone(), &bad, None).unwrap();
        let mut server = ServerExchange::new(mech.clone(), &config).unwrap();
        assert_eq!(
            run_with(&mut client, &mut server, &store, true, &mut |_| {}),
            End::Server(Failure::AuthenticationFailed)
        );
        assert_eq!(
            client.server_error(),
            Some(r#"{"status":"invalid_token","scope":"mail"}"#)
        );
        // Someone else's token.
        let other = Credentials::oauth_token("bob", "tok3n-ALICE");
        assert_eq!(
            run(mech.clone(), &other, &config, &store),
            End::Server(Failure::AuthenticationFailed)
        );
        // Not enabled.
        assert!(ServerExchange::new(mech.clone(), &ServerConfig::new()).is_err());
        // Password credentials do not fit.
        assert!(matches!(
            ClientExchange::new(mech, &Credentials::password("a", "b"), None),
            Err(Error::CredentialsMismatch { .. })
        ));
    }
}

#[test]
fn external_and_anonymous() {
    let store = store();
    let config = ServerConfig::new()
        .with_external_identity("alice")
        .enable_anonymous(true);
    assert_eq!(
        run(
            Mechanism::External,
            &Credentials::external(),
            &config,
            &store
        ),
        ok("alice")
    );
    assert_eq!(
        run(
            Mechanism::External,
            &Credentials::external().with_authzid("root"),
            &config,
            &store
        ),
        End::Server(Failure::AuthorizationFailed)
    );
    assert!(ServerExchange::new(Mechanism::External, &ServerConfig::new()).is_err());
    assert_eq!(
        run(
            Mechanism::Anonymous,
            &Credentials::anonymous("sirhc@example.com"),
            &config,
            &store
        ),
        ok("anonymous")
    );
    assert!(ServerExchange::new(Mechanism::Anonymous, &ServerConfig::new()).is_err());
    assert!(
        ClientExchange::new(
            Mechanism::Anonymous,
            &Credentials::anonymous("x".repeat(300)),
            None
        )
        .is_err()
    );
}

#[test]
fn cram_md5_needs_the_plaintext() {
    let mut no_plain = MemoryStore::new().with_iterations(4096);
    no_plain.add_user("alice", "secret one").unwrap();
    let config = ServerConfig::new().enable_cram_md5(true);
    let creds = Credentials::password("alice", "secret one");
    assert_eq!(
        run(Mechanism::CramMd5, &creds, &config, &no_plain),
        End::Server(Failure::AuthenticationFailed)
    );
}

#[test]
fn cancel_abort_and_limits() {
    let store = store();
    let config = ServerConfig::new().with_max_response_len(64);
    let mut server = ServerExchange::new(Mechanism::Login, &config).unwrap();
    assert!(matches!(
        server.start(&store, None),
        ServerStep::Challenge(_)
    ));
    assert_eq!(server.cancel(), ServerStep::Failure(Failure::Cancelled));
    assert!(server.is_done());
    assert_eq!(
        server.step(&store, b"alice"),
        ServerStep::Failure(Failure::ExchangeOver)
    );

    let mut server = ServerExchange::new(Mechanism::Plain, &config).unwrap();
    assert_eq!(server.start(&store, None), ServerStep::Challenge(vec![]));
    assert_eq!(server.abort(), ServerStep::Failure(Failure::Aborted));

    let mut server = ServerExchange::new(Mechanism::Plain, &config).unwrap();
    assert_eq!(
        server.start(&store, Some(&[b'a'; 65])),
        ServerStep::Failure(Failure::TooLarge { limit: 64 })
    );

    let creds = Credentials::password("alice", "secret one");
    let mut client = ClientExchange::new(Mechanism::Login, &creds, None)
        .unwrap()
        .with_max_challenge_len(16);
    assert!(matches!(
        client.step(&[b'x'; 17]),
        Err(Error::TooLarge { len: 17, limit: 16 })
    ));
    // A third LOGIN prompt is not answered.
    let mut client = ClientExchange::new(Mechanism::Login, &creds, None).unwrap();
    assert_eq!(&client.step(b"Username:").unwrap()[..], b"alice");
    assert_eq!(&client.step(b"Password:").unwrap()[..], b"secret one");
    assert_eq!(
        client.step(b"Again:").err(),
        Some(Error::UnexpectedChallenge)
    );
    // PLAIN answers no challenge after its message.
    let mut client = ClientExchange::new(Mechanism::Plain, &creds, None).unwrap();
    client.initial_response().unwrap();
    assert_eq!(client.step(b"").err(), Some(Error::UnexpectedChallenge));
}

#[test]
fn no_secret_in_debug_output() {
    let creds = Credentials::password("alice", "hunter2-secret");
    let token = Credentials::oauth_token("alice", "tok3n-SECRET");
    let scram =
        ScramCredentials::derive(ScramHash::Sha256, "hunter2-secret", b"salt", 4096).unwrap();
    let store = store();
    let client = ClientExchange::new(Mechanism::Plain, &creds, None).unwrap();
    let config = ServerConfig::new().with_tls_info(&tls(b"exporter-bytes-secret", None));
    let text = format!("{creds:?} {token:?} {scram:?} {store:?} {client:?} {config:?}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("SECRET"), "{text}");
    let key_hex: String = scram.stored_key().iter().map(|b| format!("{b}")).collect();
    assert!(!text.contains(&key_hex));
    assert!(text.contains("alice"));
}

#[test]
fn mechanism_names() {
    assert_eq!(
        Mechanism::parse(b"scram-sha-256-plus").unwrap(),
        Mechanism::ScramSha256Plus
    );
    assert_eq!("Plain".parse::<Mechanism>().unwrap(), Mechanism::Plain);
    let other = Mechanism::parse(b"gssapi").unwrap();
    assert_eq!(other.as_str(), "GSSAPI");
    assert!(!other.is_supported());
    assert!(Mechanism::parse(b"").is_err());
    assert!(Mechanism::parse(b"PLAIN\r\nQUIT").is_err());
    assert!(Mechanism::parse(&[b'A'; 21]).is_err());
    for m in ServerConfig::new()
        .with_tls_info(&tls(&[1], None))
        .enable_cram_md5(true)
        .enable_anonymous(true)
        .enable_oauth(true, None, None)
        .with_external_identity("x")
        .mechanisms()
    {
        assert_eq!(Mechanism::parse(m.as_str().as_bytes()).unwrap(), m);
        assert!(
            ServerExchange::new(
                m.clone(),
                &ServerConfig::new()
                    .with_tls_info(&tls(&[1], None))
                    .enable_cram_md5(true)
                    .enable_anonymous(true)
                    .enable_oauth(true, None, None)
                    .with_external_identity("x")
            )
            .is_ok(),
            "{m}"
        );
    }
}

#[test]
fn unknown_scram_user_looks_like_a_known_one() {
    let store = store();
    let config = ServerConfig::new().with_unknown_user_iterations(4096);
    let salt_of = |user: &str| {
        let mut server = ServerExchange::new(Mechanism::ScramSha256, &config).unwrap();
        let first = format!("n,,n={user},r=abcdefgh");
        let ServerStep::Challenge(c) = server.start(&store, Some(first.as_bytes())) else {
            panic!("{user}: no server-first")
        };
        let text = String::from_utf8(c).unwrap();
        let parts: Vec<&str> = text.split(',').collect();
        (parts[1].to_string(), parts[2].to_string())
    };
    let (s1, i1) = salt_of("mallory");
    let (s2, _) = salt_of("mallory");
    let (s3, _) = salt_of("trudy");
    let (_, known_i) = salt_of("alice");
    assert_eq!(s1, s2, "the made-up salt must be stable");
    assert_ne!(s1, s3);
    assert_eq!(i1, known_i);
    assert_eq!(i1, "i=4096");
}

#[test]
fn errors_map_to_core_categories() {
    use mailwire_core::Error as Core;
    assert!(matches!(
        Core::from(Error::ServerSignatureMismatch),
        Core::Remote(_)
    ));
    assert!(matches!(
        Core::from(Error::TooLarge { len: 9, limit: 8 }),
        Core::Limit(_)
    ));
    assert!(matches!(
        Core::from(Error::ChannelBindingRequired(Mechanism::ScramSha256Plus)),
        Core::Local(_)
    ));
}
