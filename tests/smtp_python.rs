//! Python's smtplib, a client nobody here wrote, against `mailserver`: the
//! plain SMTP port, STARTTLS verified against the server's certificate,
//! dot-stuffing, 8BITMIME, SMTPUTF8, the submission port with AUTH PLAIN
//! and LOGIN after STARTTLS, and SMTPS. After each delivery the bytes in
//! the Maildir must be the bytes smtplib sent.
//!
//! Needs python3; skipped with a message when it is missing, unless
//! `MAILWIRE_REQUIRE_INTEROP` is set.

mod common;

use std::time::Duration;

use common::peers::{have_python, smtplib};
use common::{
    DEMO_PASSWORD, DEMO_USER, DataDir, MailServer, ServerOptions, Trace, Watchdog,
    assert_single_delivery, message, unique,
};
use serde_json::{Value, json};

const TEST_LIMIT: Duration = Duration::from_secs(120);
/// The EHLO name smtplib_client.py gives.
const HELO: &str = "client.example";

fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// A spec for smtplib_client.py.
fn spec(
    server: &MailServer,
    listener: &str,
    tls: &str,
    from: &str,
    to: &[&str],
    msg: &[u8],
) -> Value {
    json!({
        "host": "127.0.0.1",
        "port": server.port(listener),
        "tls": tls,
        "cafile": server.ca_path(),
        "auth": null,
        "from": from,
        "to": to,
        "mail_options": [],
        "message_hex": hex(msg),
    })
}

fn features(result: &Value, key: &str) -> Vec<String> {
    result[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {result}"))
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

fn assert_no_error(result: &Value) {
    assert!(result["error"].is_null(), "smtplib failed: {result}");
    assert_eq!(result["refused"], json!({}), "refused recipients: {result}");
}

#[test]
fn plain_smtp_port_keeps_lines_that_start_with_dots() {
    let _watchdog = Watchdog::new(
        "plain_smtp_port_keeps_lines_that_start_with_dots",
        TEST_LIMIT,
    );
    if !have_python() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(
        &unique("dots"),
        "dots",
        &[
            ".",
            "..",
            ". a line that starts with a dot",
            "..two dots",
            "",
            ".",
            "last line",
        ],
    );
    let result = smtplib(&spec(
        &server,
        "smtp",
        "none",
        "sender@example.org",
        &["demo@localhost"],
        &msg,
    ));
    assert_no_error(&result);
    assert!(result["tls_version"].is_null());
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("sender@example.org", HELO, "ESMTP", "demo@localhost"),
        &msg,
    );
}

#[test]
fn starttls_on_the_smtp_port_with_the_servers_certificate() {
    let _watchdog = Watchdog::new(
        "starttls_on_the_smtp_port_with_the_servers_certificate",
        TEST_LIMIT,
    );
    if !have_python() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(
        &unique("starttls"),
        "over STARTTLS",
        &["hello over TLS", ".dot"],
    );
    let result = smtplib(&spec(
        &server,
        "smtp",
        "starttls",
        "sender@example.org",
        &["demo@localhost"],
        &msg,
    ));
    assert_no_error(&result);
    let before = features(&result, "features_before_tls");
    assert!(before.contains(&"starttls".to_owned()), "{before:?}");
    let after = features(&result, "features");
    // RFC 3207 §4.2: STARTTLS is not offered again once TLS is on.
    assert!(!after.contains(&"starttls".to_owned()), "{after:?}");
    let version = result["tls_version"].as_str().unwrap_or_default();
    assert!(
        version == "TLSv1.3" || version == "TLSv1.2",
        "TLS version {version:?}"
    );
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("sender@example.org", HELO, "ESMTPS", "demo@localhost"),
        &msg,
    );
}

#[test]
fn eight_bit_mime_body_is_stored_unchanged() {
    let _watchdog = Watchdog::new("eight_bit_mime_body_is_stored_unchanged", TEST_LIMIT);
    if !have_python() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let mut msg = message(&unique("8bit"), "8bit", &[]);
    let mime = b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Transfer-Encoding: 8bit\r\n";
    // Put the MIME fields into the header section (before the blank line).
    let split = msg.len() - 2;
    msg.splice(split..split, mime.iter().copied());
    msg.extend_from_slice("Grüße aus Köln, ça va? 日本語\r\n".as_bytes());
    // Octets that are not UTF-8 are fine in 8BITMIME too (RFC 6152 §3).
    msg.extend_from_slice(b"latin-1: caf\xe9 \xff\xfe\r\n");
    let mut s = spec(
        &server,
        "smtp",
        "none",
        "sender@example.org",
        &["demo@localhost"],
        &msg,
    );
    s["mail_options"] = json!(["BODY=8BITMIME"]);
    let result = smtplib(&s);
    assert_no_error(&result);
    assert!(features(&result, "features").contains(&"8bitmime".to_owned()));
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("sender@example.org", HELO, "ESMTP", "demo@localhost"),
        &msg,
    );
}

#[test]
fn smtputf8_sender_is_accepted() {
    let _watchdog = Watchdog::new("smtputf8_sender_is_accepted", TEST_LIMIT);
    if !have_python() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let from = "jörg.müller@bücher.example";
    let mut msg = format!("From: {from}\r\n").into_bytes();
    msg.extend_from_slice(&message(
        &unique("utf8"),
        "Grüße",
        &["Unicode everywhere: ✉"],
    ));
    let mut s = spec(&server, "smtp", "none", from, &["demo@localhost"], &msg);
    s["mail_options"] = json!(["SMTPUTF8", "BODY=8BITMIME"]);
    let result = smtplib(&s);
    assert_no_error(&result);
    assert!(features(&result, "features").contains(&"smtputf8".to_owned()));
    // RFC 6531 §3.7.3: the WITH protocol of a transaction with SMTPUTF8.
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new(from, HELO, "UTF8SMTP", "demo@localhost"),
        &msg,
    );
}

#[test]
fn message_to_several_users_lands_in_each_maildir() {
    let _watchdog = Watchdog::new("message_to_several_users_lands_in_each_maildir", TEST_LIMIT);
    if !have_python() {
        return;
    }
    let data = DataDir::new();
    let options = ServerOptions::default()
        .user(DEMO_USER, DEMO_PASSWORD)
        .user("alice", "wonderland");
    let server = MailServer::start(&data, &options);
    let msg = message(&unique("two"), "for two", &["one message, two mailboxes"]);
    let result = smtplib(&spec(
        &server,
        "smtp",
        "starttls",
        "sender@example.org",
        &["demo@localhost", "alice@localhost"],
        &msg,
    ));
    assert_no_error(&result);
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("sender@example.org", HELO, "ESMTPS", "demo@localhost"),
        &msg,
    );
    assert_single_delivery(
        &data,
        "alice",
        &Trace::new("sender@example.org", HELO, "ESMTPS", "alice@localhost"),
        &msg,
    );
}

#[test]
fn unknown_users_and_other_domains_are_refused_per_recipient() {
    let _watchdog = Watchdog::new(
        "unknown_users_and_other_domains_are_refused_per_recipient",
        TEST_LIMIT,
    );
    if !have_python() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(
        &unique("refused"),
        "partly refused",
        &["only demo gets this"],
    );
    let result = smtplib(&spec(
        &server,
        "smtp",
        "none",
        "sender@example.org",
        &["nobody@localhost", "demo@localhost", "someone@example.com"],
        &msg,
    ));
    assert!(result["error"].is_null(), "{result}");
    let refused = &result["refused"];
    assert_eq!(refused["nobody@localhost"][0], 550, "{result}");
    assert!(
        refused["nobody@localhost"][1]
            .as_str()
            .unwrap_or_default()
            .starts_with("5.1.1"),
        "{result}"
    );
    assert_eq!(refused["someone@example.com"][0], 550, "{result}");
    assert!(
        refused["someone@example.com"][1]
            .as_str()
            .unwrap_or_default()
            .starts_with("5.7.1"),
        "{result}"
    );
    assert!(refused.get("demo@localhost").is_none(), "{result}");
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("sender@example.org", HELO, "ESMTP", "demo@localhost"),
        &msg,
    );
    // Nobody else got a Maildir with mail in it.
    assert!(data.maildir("nobody").new_messages().is_empty());
}

fn submit(listener: &str, tls: &str, mechanism: &str, initial_response: bool) {
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(
        &unique("submission"),
        "submitted",
        &["sent after AUTH", ".dot"],
    );
    let mut s = spec(
        &server,
        listener,
        tls,
        "demo@localhost",
        &["demo@localhost"],
        &msg,
    );
    s["auth"] = json!({
        "mechanism": mechanism,
        "user": DEMO_USER,
        "password": DEMO_PASSWORD,
        "initial_response": initial_response,
    });
    let result = smtplib(&s);
    assert_no_error(&result);
    assert_eq!(result["auth"][0], 235, "{result}");
    if tls == "starttls" {
        // Credentials only over TLS: no AUTH offered in cleartext.
        let before = features(&result, "features_before_tls");
        assert!(
            !before.contains(&"auth".to_owned()),
            "AUTH offered before TLS: {before:?}"
        );
    }
    let after = features(&result, "features");
    assert!(after.contains(&"auth".to_owned()), "{after:?}");
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("demo@localhost", HELO, "ESMTPSA", "demo@localhost"),
        &msg,
    );
}

#[test]
fn submission_starttls_auth_plain() {
    let _watchdog = Watchdog::new("submission_starttls_auth_plain", TEST_LIMIT);
    if have_python() {
        submit("submission", "starttls", "PLAIN", true);
    }
}

#[test]
fn submission_starttls_auth_login() {
    let _watchdog = Watchdog::new("submission_starttls_auth_login", TEST_LIMIT);
    if have_python() {
        submit("submission", "starttls", "LOGIN", false);
    }
}

#[test]
fn submission_starttls_auth_login_with_initial_response() {
    let _watchdog = Watchdog::new(
        "submission_starttls_auth_login_with_initial_response",
        TEST_LIMIT,
    );
    if have_python() {
        submit("submission", "starttls", "LOGIN", true);
    }
}

#[test]
fn smtps_implicit_tls_auth_plain() {
    let _watchdog = Watchdog::new("smtps_implicit_tls_auth_plain", TEST_LIMIT);
    if have_python() {
        submit("smtps", "implicit", "PLAIN", true);
    }
}

#[test]
fn submission_requires_auth_and_checks_the_password() {
    let _watchdog = Watchdog::new(
        "submission_requires_auth_and_checks_the_password",
        TEST_LIMIT,
    );
    if !have_python() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(&unique("noauth"), "no auth", &["must not be delivered"]);

    // No AUTH at all: MAIL is refused (RFC 4954 §6: 530 5.7.0).
    let result = smtplib(&spec(
        &server,
        "submission",
        "starttls",
        "demo@localhost",
        &["demo@localhost"],
        &msg,
    ));
    assert_eq!(result["error"]["type"], "SMTPSenderRefused", "{result}");
    assert_eq!(result["error"]["code"], 530, "{result}");

    // A wrong password: 535 5.7.8 (RFC 4954 §6).
    let mut s = spec(
        &server,
        "submission",
        "starttls",
        "demo@localhost",
        &["demo@localhost"],
        &msg,
    );
    s["auth"] = json!({"mechanism": "PLAIN", "user": DEMO_USER, "password": "wrong", "initial_response": true});
    let result = smtplib(&s);
    assert_eq!(
        result["error"]["type"], "SMTPAuthenticationError",
        "{result}"
    );
    assert_eq!(result["error"]["code"], 535, "{result}");

    // AUTH without TLS is not possible: not offered, and refused if tried.
    let mut s = spec(
        &server,
        "submission",
        "none",
        "demo@localhost",
        &["demo@localhost"],
        &msg,
    );
    s["auth"] = json!({"mechanism": "PLAIN", "user": DEMO_USER, "password": DEMO_PASSWORD, "initial_response": true});
    let result = smtplib(&s);
    assert!(
        !features(&result, "features").contains(&"auth".to_owned()),
        "{result}"
    );
    assert!(
        !result["error"].is_null(),
        "AUTH in cleartext succeeded: {result}"
    );

    assert!(data.maildir(DEMO_USER).new_messages().is_empty());
}
