//! Malformed and hostile input to every server exchange: a Failure or a
//! challenge, never a panic, and never a success without the credentials.

use mailwire_core::TlsInfo;
use mailwire_sasl::{
    ClientExchange, Credentials, Mechanism, MemoryStore, ServerConfig, ServerExchange, ServerStep,
};
use proptest::prelude::*;
use std::sync::OnceLock;

fn store() -> &'static MemoryStore {
    static STORE: OnceLock<MemoryStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut s = MemoryStore::new()
            .with_iterations(4096)
            .keep_plaintext_for_cram_md5(true);
        s.add_user("alice", "secret one").unwrap();
        s.add_token("alice", "tok3n");
        s
    })
}

fn config() -> ServerConfig {
    ServerConfig::new()
        .with_tls_info(&TlsInfo::new().with_tls_exporter(vec![1; 32]))
        .enable_cram_md5(true)
        .enable_anonymous(true)
        .enable_oauth(true, None, None)
        .with_external_identity("cert-user")
        .with_max_response_len(512)
}

const MECHS: &[Mechanism] = &[
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::ScramSha1,
    Mechanism::ScramSha256,
    Mechanism::ScramSha256Plus,
    Mechanism::OAuthBearer,
    Mechanism::XOAuth2,
];

/// Feeds `messages` to a fresh exchange; asserts no success.
fn feed(mech: &Mechanism, messages: &[Vec<u8>], with_ir: bool) {
    let mut server = ServerExchange::new(mech.clone(), &config()).unwrap();
    let mut step = server.start(
        store(),
        if with_ir {
            messages.first().map(|m| &m[..])
        } else {
            None
        },
    );
    let rest = if with_ir {
        messages.get(1..).unwrap_or(&[])
    } else {
        messages
    };
    for m in rest {
        match step {
            ServerStep::Challenge(_) => step = server.step(store(), m),
            _ => break,
        }
    }
    assert!(
        !matches!(step, ServerStep::Success { .. }),
        "{mech}: random input authenticated"
    );
}

fn valid_scram_client_first() -> impl Strategy<Value = Vec<u8>> {
    // Real client-first messages with bytes mutated afterwards.
    (any::<u8>(), any::<usize>(), prop::bool::ANY).prop_map(|(b, pos, plus)| {
        let creds = Credentials::password("alice", "wrong");
        let mech = if plus {
            Mechanism::ScramSha256Plus
        } else {
            Mechanism::ScramSha256
        };
        let cb = mailwire_sasl::ChannelBinding::from_tls_info(
            &TlsInfo::new().with_tls_exporter(vec![1; 32]),
        );
        let mut c = ClientExchange::new(mech, &creds, cb).unwrap();
        let mut msg = c.initial_response().unwrap().to_vec();
        let i = pos % msg.len();
        msg[i] = b;
        msg
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(msgs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..600), 1..4)) {
        for mech in MECHS {
            feed(mech, &msgs, true);
            feed(mech, &msgs, false);
        }
        for mech in [Mechanism::External, Mechanism::Anonymous] {
            // These authenticate with any well-formed message by design;
            // just check they do not panic.
            let mut s = ServerExchange::new(mech, &config()).unwrap();
            let _ = s.start(store(), Some(&msgs[0]));
        }
    }

    #[test]
    fn grammar_shaped_input_never_panics(
        parts in prop::collection::vec(
            prop_oneof![
                Just("n".to_string()), Just("y".to_string()), Just("p=tls-exporter".to_string()),
                Just("a=al=2Cice".to_string()), Just("n=alice".to_string()), Just("r=abc".to_string()),
                Just("c=biws".to_string()), Just("p=AAAA".to_string()), Just("s=QSXCR+Q6sek8bf92".to_string()),
                Just("i=4096".to_string()), Just("\u{1}".to_string()), Just("auth=Bearer tok3n".to_string()),
                Just("user=alice".to_string()), Just("=".to_string()), Just("=2".to_string()),
                Just("\0".to_string()), Just("".to_string()), "[a-z=,\u{1}\0 ]{0,12}",
            ],
            0..10,
        ),
        sep in prop_oneof![Just(","), Just("\u{1}"), Just("\0"), Just(" ")],
    ) {
        let msg = parts.join(sep).into_bytes();
        for mech in MECHS {
            feed(mech, &[msg.clone(), msg.clone(), msg.clone()], true);
        }
    }

    #[test]
    fn mutated_scram_first_never_panics(msg in valid_scram_client_first(), fin in prop::collection::vec(any::<u8>(), 0..200)) {
        for mech in [Mechanism::ScramSha256, Mechanism::ScramSha256Plus] {
            feed(&mech, &[msg.clone(), fin.clone(), vec![]], true);
        }
    }

    #[test]
    fn client_survives_hostile_challenges(chals in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..4)) {
        let pw = Credentials::password("alice", "secret one");
        let tok = Credentials::oauth_token("alice", "tok3n");
        for (mech, creds) in [
            (Mechanism::ScramSha1, &pw), (Mechanism::ScramSha256, &pw), (Mechanism::Login, &pw),
            (Mechanism::CramMd5, &pw), (Mechanism::Plain, &pw), (Mechanism::OAuthBearer, &tok),
            (Mechanism::XOAuth2, &tok),
        ] {
            let mut c = ClientExchange::new(mech, creds, None).unwrap();
            let _ = c.initial_response();
            for ch in &chals {
                let _ = c.step(ch);
            }
            let _ = c.finish(chals.last().map(|v| &v[..]));
        }
    }
}
