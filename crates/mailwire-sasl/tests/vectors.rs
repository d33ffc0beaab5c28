//! Known-answer tests from the RFCs' own examples.

use mailwire_core::b64;
use mailwire_sasl::{
    ClientExchange, CredentialStore, Credentials, Error, Failure, Mechanism, ScramCredentials,
    ScramHash, ServerConfig, ServerExchange, ServerStep,
};

/// A store with exactly one SCRAM account, and fixed answers elsewhere.
struct OneUser {
    user: &'static str,
    scram: Option<(ScramHash, ScramCredentials)>,
    password: &'static str,
    token: &'static str,
}

impl CredentialStore for OneUser {
    fn verify_password(&self, authcid: &str, password: &str) -> bool {
        authcid == self.user && password == self.password
    }
    fn scram_credentials(&self, authcid: &str, hash: ScramHash) -> Option<ScramCredentials> {
        match &self.scram {
            Some((h, c)) if *h == hash && authcid == self.user => Some(c.clone()),
            _ => None,
        }
    }
    fn cram_md5_password(&self, authcid: &str) -> Option<mailwire_sasl::Zeroizing<String>> {
        (authcid == self.user).then(|| mailwire_sasl::Zeroizing::new(self.password.to_string()))
    }
    fn verify_oauth_token(&self, user: Option<&str>, token: &str) -> Option<String> {
        (token == self.token && user.is_none_or(|u| u == self.user)).then(|| self.user.to_string())
    }
}

fn challenge(step: ServerStep) -> Vec<u8> {
    match step {
        ServerStep::Challenge(c) => c,
        other => panic!("expected a challenge, got {other:?}"),
    }
}

/// RFC 5802 §5 and RFC 7677 §3, client side and server side.
#[allow(clippy::too_many_arguments)]
fn scram_vector(
    mechanism: Mechanism,
    hash: ScramHash,
    client_nonce: &str,
    server_nonce: &str,
    salt_b64: &str,
    client_first: &str,
    server_first: &str,
    client_final: &str,
    server_final: &str,
) {
    let creds = Credentials::password("user", "pencil");
    let mut client = ClientExchange::new(mechanism.clone(), &creds, None)
        .unwrap()
        .with_nonce(client_nonce)
        .unwrap();
    let first = client.initial_response().unwrap();
    assert_eq!(&first[..], client_first.as_bytes());
    let fin = client.step(server_first.as_bytes()).unwrap();
    assert_eq!(std::str::from_utf8(&fin).unwrap(), client_final);
    let last = client.step(server_final.as_bytes()).unwrap();
    assert!(last.is_empty());
    client.finish(None).unwrap();

    let salt = b64::decode(salt_b64.as_bytes()).unwrap();
    let store = OneUser {
        user: "user",
        scram: Some((
            hash,
            ScramCredentials::derive(hash, "pencil", &salt, 4096).unwrap(),
        )),
        password: "",
        token: "",
    };
    let mut server = ServerExchange::new(mechanism, &ServerConfig::new())
        .unwrap()
        .with_nonce(server_nonce)
        .unwrap();
    let sf = challenge(server.start(&store, Some(client_first.as_bytes())));
    assert_eq!(std::str::from_utf8(&sf).unwrap(), server_first);
    let sfin = challenge(server.step(&store, client_final.as_bytes()));
    assert_eq!(std::str::from_utf8(&sfin).unwrap(), server_final);
    match server.step(&store, b"") {
        ServerStep::Success { identity, .. } => {
            assert_eq!(identity.authcid, "user");
            assert_eq!(identity.authzid, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rfc5802_section5_scram_sha1() {
    scram_vector(
        Mechanism::ScramSha1,
        ScramHash::Sha1,
        "fyko+d2lbbFgONRv9qkxdawL",
        "3rfcNHYJY1ZVvWVs7j",
        "QSXCR+Q6sek8bf92",
        "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
        "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
    );
}

#[test]
fn rfc7677_section3_scram_sha256() {
    scram_vector(
        Mechanism::ScramSha256,
        ScramHash::Sha256,
        "rOprNGfwEbeRWgbNEkqO",
        "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        "W22ZaJ0SNY7soEsUEjb6gQ==",
        "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
    );
}

#[test]
fn rfc5802_tampered_server_signature_is_an_error() {
    let creds = Credentials::password("user", "pencil");
    let mut client = ClientExchange::new(Mechanism::ScramSha1, &creds, None)
        .unwrap()
        .with_nonce("fyko+d2lbbFgONRv9qkxdawL")
        .unwrap();
    client.initial_response().unwrap();
    client
        .step(b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
        .unwrap();
    // One flipped character of the real v=rmF9pqV8S7suAoZWja4dJRkFsKQ=.
    assert_eq!(
        client.step(b"v=rnF9pqV8S7suAoZWja4dJRkFsKQ="),
        Err(Error::ServerSignatureMismatch)
    );
    assert_eq!(client.finish(None), Err(Error::ServerNotVerified));
    // And a success with no server-final at all is refused.
    let mut early = ClientExchange::new(Mechanism::ScramSha1, &creds, None).unwrap();
    early.initial_response().unwrap();
    assert_eq!(early.finish(None), Err(Error::ServerNotVerified));
}

#[test]
fn rfc4616_section4_plain_examples() {
    let store = OneUser {
        user: "tim",
        scram: None,
        password: "tanstaaftanstaaf",
        token: "",
    };
    // Example 1: "AUTHENTICATE PLAIN", empty challenge, then the message.
    let creds = Credentials::password("tim", "tanstaaftanstaaf");
    let mut client = ClientExchange::new(Mechanism::Plain, &creds, None).unwrap();
    let mut server = ServerExchange::new(Mechanism::Plain, &ServerConfig::new()).unwrap();
    let c = challenge(server.start(&store, None));
    assert!(c.is_empty());
    let msg = client.step(&c).unwrap();
    assert_eq!(&msg[..], b"\0tim\0tanstaaftanstaaf");
    match server.step(&store, &msg) {
        ServerStep::Success { identity, .. } => assert_eq!(identity.authcid, "tim"),
        other => panic!("{other:?}"),
    }

    // Example 2: Kurt asks to act as Ursel, the server refuses.
    let creds = Credentials::password("Kurt", "xipj3plmq").with_authzid("Ursel");
    let mut client = ClientExchange::new(Mechanism::Plain, &creds, None).unwrap();
    let ir = client.initial_response().unwrap();
    assert_eq!(&ir[..], b"Ursel\0Kurt\0xipj3plmq");
    let kurt = OneUser {
        user: "Kurt",
        scram: None,
        password: "xipj3plmq",
        token: "",
    };
    let mut server = ServerExchange::new(Mechanism::Plain, &ServerConfig::new()).unwrap();
    assert_eq!(
        server.start(&kurt, Some(&ir)),
        ServerStep::Failure(Failure::AuthorizationFailed)
    );
}

#[test]
fn rfc2195_cram_md5_example() {
    let challenge_text = "<1896.697170952@postoffice.reston.mci.net>";
    let creds = Credentials::password("tim", "tanstaaftanstaaf");
    let mut client = ClientExchange::new(Mechanism::CramMd5, &creds, None).unwrap();
    assert!(client.initial_response().is_none());
    let resp = client.step(challenge_text.as_bytes()).unwrap();
    assert_eq!(&resp[..], b"tim b913a602c7eda7a495b4e6e7334d3890");

    let store = OneUser {
        user: "tim",
        scram: None,
        password: "tanstaaftanstaaf",
        token: "",
    };
    let config = ServerConfig::new().enable_cram_md5(true);
    let mut server = ServerExchange::new(Mechanism::CramMd5, &config)
        .unwrap()
        .with_nonce(challenge_text)
        .unwrap();
    assert_eq!(
        challenge(server.start(&store, None)),
        challenge_text.as_bytes()
    );
    match server.step(&store, &resp) {
        ServerStep::Success { identity, .. } => assert_eq!(identity.authcid, "tim"),
        other => panic!("{other:?}"),
    }
    // Not enabled: not served.
    assert!(ServerExchange::new(Mechanism::CramMd5, &ServerConfig::new()).is_err());
}

const RFC7628_TOKEN: &str = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==";

#[test]
fn rfc7628_section4_1_oauthbearer_message() {
    let creds = Credentials::oauth_token("user@example.com", RFC7628_TOKEN)
        .with_oauth_host("server.example.com", 143);
    let mut client = ClientExchange::new(Mechanism::OAuthBearer, &creds, None).unwrap();
    let ir = client.initial_response().unwrap();
    // The base64 of the IMAP example, exactly.
    assert_eq!(
        b64::encode(&ir),
        "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
    );
    let store = OneUser {
        user: "user@example.com",
        scram: None,
        password: "",
        token: RFC7628_TOKEN,
    };
    let config = ServerConfig::new().enable_oauth(true, None, None);
    let mut server = ServerExchange::new(Mechanism::OAuthBearer, &config).unwrap();
    match server.start(&store, Some(&ir)) {
        ServerStep::Success { identity, .. } => assert_eq!(identity.authcid, "user@example.com"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rfc7628_section4_3_failed_exchange() {
    // The client's query for the scope: an empty auth value.
    let ir = b64::decode(
        b"bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9AQE=",
    )
    .unwrap();
    assert_eq!(
        &ir[..],
        b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=\x01\x01"
    );
    let store = OneUser {
        user: "user@example.com",
        scram: None,
        password: "",
        token: RFC7628_TOKEN,
    };
    let config = ServerConfig::new().enable_oauth(
        true,
        Some("example_scope"),
        Some("https://example.com/.well-known/openid-configuration"),
    );
    let mut server = ServerExchange::new(Mechanism::OAuthBearer, &config).unwrap();
    let err = challenge(server.start(&store, Some(&ir)));
    assert_eq!(
        b64::encode(&err),
        "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0="
    );
    // The client answers the error challenge with ^A ("AQ==").
    let creds = Credentials::oauth_token("user@example.com", "expired");
    let mut client = ClientExchange::new(Mechanism::OAuthBearer, &creds, None).unwrap();
    client.initial_response().unwrap();
    let dummy = client.step(&err).unwrap();
    assert_eq!(b64::encode(&dummy), "AQ==");
    assert!(client.server_error().unwrap().contains("invalid_token"));
    assert_eq!(
        server.step(&store, &dummy),
        ServerStep::Failure(Failure::AuthenticationFailed)
    );
}
