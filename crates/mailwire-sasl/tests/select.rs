//! The client's mechanism choice.

use mailwire_sasl::{Credentials, Error, Mechanism, Security, select_mechanism};

fn all() -> Vec<Mechanism> {
    [
        "PLAIN",
        "LOGIN",
        "CRAM-MD5",
        "SCRAM-SHA-1",
        "SCRAM-SHA-1-PLUS",
        "SCRAM-SHA-256",
        "SCRAM-SHA-256-PLUS",
        "OAUTHBEARER",
        "XOAUTH2",
        "EXTERNAL",
        "ANONYMOUS",
        "GSSAPI",
    ]
    .iter()
    .map(|n| n.parse().unwrap())
    .collect()
}

fn pick(offered: &[&str], creds: &Credentials, security: Security) -> Result<Mechanism, Error> {
    let offered: Vec<Mechanism> = offered.iter().map(|n| n.parse().unwrap()).collect();
    select_mechanism(&offered, creds, security)
}

#[test]
fn strongest_first() {
    let pw = Credentials::password("u", "p");
    let offered = all();
    assert_eq!(
        select_mechanism(&offered, &pw, Security::tls(true)).unwrap(),
        Mechanism::ScramSha256Plus
    );
    assert_eq!(
        select_mechanism(&offered, &pw, Security::tls(false)).unwrap(),
        Mechanism::ScramSha256
    );
    assert_eq!(
        pick(
            &["SCRAM-SHA-1-PLUS", "SCRAM-SHA-256"],
            &pw,
            Security::tls(true)
        )
        .unwrap(),
        Mechanism::ScramSha1Plus
    );
    assert_eq!(
        pick(&["PLAIN", "SCRAM-SHA-1"], &pw, Security::tls(true)).unwrap(),
        Mechanism::ScramSha1
    );
    assert_eq!(
        pick(&["LOGIN", "PLAIN", "CRAM-MD5"], &pw, Security::tls(false)).unwrap(),
        Mechanism::Plain
    );
    assert_eq!(
        pick(&["LOGIN", "CRAM-MD5"], &pw, Security::tls(false)).unwrap(),
        Mechanism::Login
    );
    // SCRAM does not expose the password, so it is fine without TLS.
    assert_eq!(
        pick(&["PLAIN", "SCRAM-SHA-256"], &pw, Security::cleartext()).unwrap(),
        Mechanism::ScramSha256
    );
}

#[test]
fn tokens_external_anonymous() {
    let token = Credentials::oauth_token("u", "t");
    assert_eq!(
        select_mechanism(&all(), &token, Security::tls(true)).unwrap(),
        Mechanism::OAuthBearer
    );
    assert_eq!(
        pick(&["PLAIN", "XOAUTH2"], &token, Security::tls(false)).unwrap(),
        Mechanism::XOAuth2
    );
    assert!(pick(&["PLAIN", "SCRAM-SHA-256"], &token, Security::tls(false)).is_err());
    assert_eq!(
        select_mechanism(&all(), &Credentials::external(), Security::tls(false)).unwrap(),
        Mechanism::External
    );
    assert_eq!(
        select_mechanism(&all(), &Credentials::anonymous(""), Security::cleartext()).unwrap(),
        Mechanism::Anonymous
    );
}

#[test]
fn refuses_cleartext_secrets_without_opt_in() {
    let pw = Credentials::password("u", "p");
    for offered in [
        &["PLAIN"][..],
        &["LOGIN"],
        &["CRAM-MD5"],
        &["PLAIN", "LOGIN", "GSSAPI"],
    ] {
        let err = pick(offered, &pw, Security::cleartext()).unwrap_err();
        let Error::NoMechanism(why) = &err else {
            panic!("{err:?}")
        };
        assert!(why.contains("without TLS"), "{why}");
        assert!(why.contains("allow_cleartext_secrets"), "{why}");
        // With the opt-in it goes.
        assert!(
            pick(
                offered,
                &pw,
                Security::cleartext().allow_cleartext_secrets(true)
            )
            .is_ok()
        );
    }
    let token = Credentials::oauth_token("u", "t");
    assert!(pick(&["OAUTHBEARER"], &token, Security::cleartext()).is_err());
    // The opt-in does not matter on TLS.
    assert_eq!(
        pick(&["PLAIN"], &pw, Security::tls(false)).unwrap(),
        Mechanism::Plain
    );
}

#[test]
fn plus_needs_binding_and_errors_explain() {
    let pw = Credentials::password("u", "p");
    let err = pick(&["SCRAM-SHA-256-PLUS"], &pw, Security::tls(false)).unwrap_err();
    let Error::NoMechanism(why) = &err else {
        panic!("{err:?}")
    };
    assert!(why.contains("channel-binding"), "{why}");
    let err = pick(&["GSSAPI"], &pw, Security::tls(true)).unwrap_err();
    assert!(err.to_string().contains("GSSAPI"), "{err}");
    assert!(pick(&[], &pw, Security::tls(true)).is_err());
}
