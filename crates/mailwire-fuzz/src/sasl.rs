//! Fuzz checks for mailwire-sasl: one per server exchange, plus the client
//! SCRAM exchange against hostile challenges.
//!
//! Input layout: the first byte holds flags (bit 0: the first message is an
//! initial response on the AUTH line), the rest is the client's messages
//! separated by 0xFF (a byte no UTF-8 text contains). The store knows one
//! user, `alice` / `secret one`, and one token, `tok3n`; a success is only
//! accepted when the input really carried those credentials, and the
//! messages that led to it must be exactly what our own client encodes.

use std::sync::OnceLock;

use mailwire_core::TlsInfo;
use mailwire_sasl::{
    ChannelBinding, ClientExchange, Credentials, Identity, Mechanism, MemoryStore, ServerConfig,
    ServerExchange, ServerStep,
};

/// The targets of this module.
pub const TARGETS: &[(&str, crate::Check)] = &[
    ("sasl_server_plain", server_plain),
    ("sasl_server_login", server_login),
    ("sasl_server_scram", server_scram),
    ("sasl_server_oauth", server_oauth),
    ("sasl_server_cram_md5", server_cram_md5),
    ("sasl_client_scram", client_scram),
];

const USER: &str = "alice";
const PASSWORD: &str = "secret one";
const TOKEN: &str = "tok3n";
/// The fixed CRAM-MD5 challenge, so that a valid response is reproducible.
const CRAM_CHALLENGE: &str = "<1896.697170952@fuzz.example>";

fn store() -> &'static MemoryStore {
    static STORE: OnceLock<MemoryStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let mut s = MemoryStore::new()
            .with_iterations(4096)
            .keep_plaintext_for_cram_md5(true);
        s.add_user(USER, PASSWORD).expect("valid user");
        s.add_token(USER, TOKEN);
        s
    })
}

fn tls() -> TlsInfo {
    TlsInfo::new().with_tls_exporter(vec![0x42; 32])
}

fn config() -> ServerConfig {
    ServerConfig::new()
        .with_tls_info(&tls())
        .enable_cram_md5(true)
        .enable_oauth(true, Some("mail"), None)
        .with_max_response_len(1024)
}

/// Runs the client's messages from `data` through a server exchange of
/// `mechanism`; returns the identity on success and the messages consumed.
fn drive(mechanism: Mechanism, data: &[u8]) -> (Option<Identity>, Vec<&[u8]>) {
    let Some((&flags, rest)) = data.split_first() else {
        return (None, Vec::new());
    };
    let messages: Vec<&[u8]> = rest.split(|&b| b == 0xff).collect();
    let server = ServerExchange::new(mechanism.clone(), &config()).and_then(|s| {
        if mechanism == Mechanism::CramMd5 {
            s.with_nonce(CRAM_CHALLENGE)
        } else {
            Ok(s)
        }
    });
    let Ok(mut server) = server else {
        return (None, Vec::new());
    };
    let mut feed = messages.iter();
    let with_ir = flags & 1 == 1;
    let mut used = Vec::new();
    let mut step = if with_ir {
        let ir = feed.next().copied();
        used.extend(ir);
        server.start(store(), ir)
    } else {
        server.start(store(), None)
    };
    loop {
        match step {
            ServerStep::Challenge(c) => {
                assert!(c.len() <= 1024, "{mechanism}: oversized challenge");
                let Some(m) = feed.next() else {
                    return (None, used);
                };
                used.push(m);
                step = server.step(store(), m);
            }
            ServerStep::Success { identity, .. } => {
                assert!(server.is_done());
                return (Some(identity), used);
            }
            ServerStep::Failure(_) => {
                assert!(server.is_done());
                // A finished exchange stays finished.
                assert!(matches!(server.step(store(), b""), ServerStep::Failure(_)));
                return (None, used);
            }
        }
    }
}

/// What our client sends for `mechanism`, message by message, answering
/// the server's real challenges.
fn client_messages(mechanism: Mechanism, creds: &Credentials, with_ir: bool) -> Vec<Vec<u8>> {
    let mut client =
        ClientExchange::new(mechanism.clone(), creds, None).expect("client for known mechanism");
    let mut server = ServerExchange::new(mechanism.clone(), &config())
        .and_then(|s| {
            if mechanism == Mechanism::CramMd5 {
                s.with_nonce(CRAM_CHALLENGE)
            } else {
                Ok(s)
            }
        })
        .expect("server for known mechanism");
    let mut out = Vec::new();
    let ir = if with_ir {
        client.initial_response()
    } else {
        None
    };
    if let Some(ir) = &ir {
        out.push(ir.to_vec());
    }
    let mut step = server.start(store(), ir.as_deref().map(|v| &v[..]));
    while let ServerStep::Challenge(c) = step {
        let Ok(r) = client.step(&c) else { break };
        out.push(r.to_vec());
        step = server.step(store(), &r);
    }
    out
}

fn assert_only_real_credentials(mechanism: Mechanism, data: &[u8], creds: &Credentials) {
    let (identity, used) = drive(mechanism.clone(), data);
    // Mechanism names survive a round trip through their wire form.
    assert_eq!(
        Mechanism::parse(mechanism.as_str().as_bytes()).ok(),
        Some(mechanism.clone())
    );
    let Some(identity) = identity else { return };
    assert_eq!(identity.authcid, USER, "{mechanism}: wrong identity");
    // Re-encode: our client, run against the same server, must send
    // exactly what the fuzzer sent (the authzid aside, which PLAIN allows
    // to be the user's own name).
    let with_ir = data.first().is_some_and(|f| f & 1 == 1);
    let again = client_messages(mechanism.clone(), creds, with_ir);
    let used: Vec<Vec<u8>> = used.iter().map(|m| m.to_vec()).collect();
    if used != again {
        let own_authzid = client_messages(
            mechanism.clone(),
            &creds.clone().with_authzid(USER),
            with_ir,
        );
        assert_eq!(used, own_authzid, "{mechanism}: success from other bytes");
    }
}

/// PLAIN server exchange.
pub fn server_plain(data: &[u8]) {
    assert_only_real_credentials(
        Mechanism::Plain,
        data,
        &Credentials::password(USER, PASSWORD),
    );
}

/// LOGIN server exchange.
pub fn server_login(data: &[u8]) {
    let (identity, used) = drive(Mechanism::Login, data);
    if let Some(identity) = identity {
        assert_eq!(identity.authcid, USER);
        assert_eq!(used, [USER.as_bytes(), PASSWORD.as_bytes()]);
    }
}

/// SCRAM-SHA-1, SCRAM-SHA-256 and SCRAM-SHA-256-PLUS server exchanges: the
/// server nonce is random, so no input can authenticate. A server-first
/// challenge must extend the client's nonce.
pub fn server_scram(data: &[u8]) {
    for mechanism in [
        Mechanism::ScramSha1,
        Mechanism::ScramSha256,
        Mechanism::ScramSha256Plus,
    ] {
        let (identity, _) = drive(mechanism.clone(), data);
        assert!(identity.is_none(), "{mechanism}: fuzz input authenticated");
    }
    if let Some((_, rest)) = data.split_first() {
        let first = rest.split(|&b| b == 0xff).next().unwrap_or_default();
        let Ok(mut server) = ServerExchange::new(Mechanism::ScramSha256, &config()) else {
            return;
        };
        if let ServerStep::Challenge(c) = server.start(store(), Some(first)) {
            let text = std::str::from_utf8(first).expect("accepted client-first is UTF-8");
            let nonce = text
                .split(',')
                .find_map(|a| a.strip_prefix("r="))
                .expect("accepted client-first has a nonce");
            let expect = format!("r={nonce}");
            assert!(c.starts_with(expect.as_bytes()));
        }
    }
}

/// OAUTHBEARER and XOAUTH2 server exchanges.
pub fn server_oauth(data: &[u8]) {
    for mechanism in [Mechanism::OAuthBearer, Mechanism::XOAuth2] {
        let (identity, used) = drive(mechanism.clone(), data);
        if let Some(identity) = identity {
            assert_eq!(identity.authcid, USER);
            let first = used.first().copied().unwrap_or_default();
            let needle = format!("Bearer {TOKEN}\u{1}");
            let found = first
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()));
            assert!(found, "{mechanism}: success without the token");
        }
    }
}

/// CRAM-MD5 server exchange (fixed challenge).
pub fn server_cram_md5(data: &[u8]) {
    let (identity, used) = drive(Mechanism::CramMd5, data);
    if let Some(identity) = identity {
        assert_eq!(identity.authcid, USER);
        let creds = Credentials::password(USER, PASSWORD);
        let mut client = ClientExchange::new(Mechanism::CramMd5, &creds, None).expect("client");
        let expected = client.step(CRAM_CHALLENGE.as_bytes()).expect("response");
        let got = used.first().map(|m| m.to_ascii_lowercase());
        assert_eq!(got.as_deref(), Some(&expected[..]));
    }
}

/// The SCRAM client against hostile challenges (separated by 0xFF): never
/// a panic, and `finish` never accepts a server that did not prove itself.
pub fn client_scram(data: &[u8]) {
    let creds = Credentials::password(USER, PASSWORD);
    for plus in [false, true] {
        let (mechanism, cb) = if plus {
            (
                Mechanism::ScramSha1Plus,
                ChannelBinding::from_tls_info(&tls()),
            )
        } else {
            (Mechanism::ScramSha1, None)
        };
        let Ok(client) = ClientExchange::new(mechanism, &creds, cb) else {
            return;
        };
        // Keep the work per input bounded: at most the minimum count.
        let mut client = client.with_iteration_range(4096, 4096);
        let _ = client.initial_response();
        let mut verified = false;
        for challenge in data.split(|&b| b == 0xff) {
            if client.step(challenge).is_err() {
                break;
            }
            verified = client.finish(None).is_ok();
        }
        // Without the stored keys, a hostile server cannot produce v=.
        assert!(!verified, "SCRAM client accepted an unproven server");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(target: &str, file: &str) -> Vec<u8> {
        let path = format!(
            "{}/../../fuzz/corpus/{target}/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The success seeds really reach the success path, so the fuzz checks'
    /// re-encoding assertions run.
    #[test]
    fn success_seeds_authenticate() {
        for (target, file, mechanism) in [
            ("sasl_server_plain", "ir_ok", Mechanism::Plain),
            ("sasl_server_plain", "no_ir_ok", Mechanism::Plain),
            ("sasl_server_plain", "authzid_self", Mechanism::Plain),
            ("sasl_server_login", "ok", Mechanism::Login),
            ("sasl_server_login", "ir_ok", Mechanism::Login),
            ("sasl_server_oauth", "bearer_ok", Mechanism::OAuthBearer),
            ("sasl_server_oauth", "xoauth2_ok", Mechanism::XOAuth2),
            ("sasl_server_cram_md5", "ok", Mechanism::CramMd5),
            ("sasl_server_cram_md5", "upper", Mechanism::CramMd5),
        ] {
            let data = corpus(target, file);
            let (identity, _) = drive(mechanism, &data);
            assert_eq!(identity.map(|i| i.authcid).as_deref(), Some(USER), "{file}");
        }
        for (target, file, mechanism) in [
            ("sasl_server_plain", "wrong", Mechanism::Plain),
            ("sasl_server_login", "wrong", Mechanism::Login),
            ("sasl_server_oauth", "bad_token", Mechanism::OAuthBearer),
            ("sasl_server_cram_md5", "wrong", Mechanism::CramMd5),
        ] {
            assert!(
                drive(mechanism, &corpus(target, file)).0.is_none(),
                "{file}"
            );
        }
    }

    /// The re-encoding check catches a success whose bytes differ from what
    /// the expected client sends (here: a client expected to ask for
    /// another authzid).
    #[test]
    #[should_panic(expected = "success from other bytes")]
    fn reencoding_check_can_fail() {
        assert_only_real_credentials(
            Mechanism::Plain,
            b"\x01\x00alice\x00secret one",
            &Credentials::password(USER, PASSWORD).with_authzid("someone"),
        );
    }
}
