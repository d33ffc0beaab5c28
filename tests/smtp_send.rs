//! The `smtp_send` example (our SMTP client machine driven by
//! mailwire-tokio) against a server nobody here wrote, Python's aiosmtpd,
//! and against `mailserver`: exact bytes delivered, one line per recipient,
//! the exit status, and the TLS and credential rules.
//!
//! The aiosmtpd tests need python3 with aiosmtpd; they are skipped with a
//! message when it is missing, unless `MAILWIRE_REQUIRE_INTEROP` is set.

mod common;

use std::process::Command;
use std::time::Duration;

use common::peers::{Aiosmtpd, have_aiosmtpd};
use common::process::{Output, run_with_timeout};
use common::{
    DEMO_PASSWORD, DEMO_USER, DataDir, MailServer, Trace, Watchdog, assert_single_delivery,
    example_binary, message, unique,
};
use serde_json::json;

const TEST_LIMIT: Duration = Duration::from_secs(120);
/// The EHLO name smtp_send gives by default: its address literal.
const HELO: &str = "[127.0.0.1]";

/// Runs smtp_send with `args`, the message on stdin.
fn smtp_send(args: &[&str], msg: &[u8]) -> Output {
    run_with_timeout(
        Command::new(example_binary("smtp_send"))
            .args(args)
            .args(["--timeout", "30"]),
        msg,
        Duration::from_secs(60),
    )
}

/// The recipient lines smtp_send printed.
fn lines(out: &Output) -> Vec<String> {
    out.stdout_text().lines().map(str::to_owned).collect()
}

fn rich_message(tag: &str) -> Vec<u8> {
    let mut msg = message(
        &unique(tag),
        tag,
        &[".", "..", ".starts with a dot", "", "end of the plain part"],
    );
    msg.extend_from_slice("8-bit: Grüße, naïve café\r\n".as_bytes());
    msg
}

// --- against aiosmtpd -----------------------------------------------------

#[test]
fn delivers_exact_bytes_to_aiosmtpd_over_starttls_with_auth() {
    let _watchdog = Watchdog::new(
        "delivers_exact_bytes_to_aiosmtpd_over_starttls_with_auth",
        TEST_LIMIT,
    );
    if !have_aiosmtpd() {
        return;
    }
    let peer = Aiosmtpd::start(Some(("alice", "s3cret")), true);
    let msg = rich_message("aiosmtpd");
    let server = peer.server_arg();
    let ca = peer.ca_path().display().to_string();
    let out = smtp_send(
        &[
            "--server",
            &server,
            "--starttls",
            "--ca",
            &ca,
            "--user",
            "alice",
            "--password",
            "s3cret",
            "--from",
            "alice@client.example",
            "--to",
            "bob@peer.test",
            "--to",
            "carol@peer.test",
        ],
        &msg,
    );
    out.assert_success("smtp_send to aiosmtpd");
    assert_eq!(
        lines(&out),
        [
            "bob@peer.test: 250 2.0.0 Stored as 000000",
            "carol@peer.test: 250 2.0.0 Stored as 000000"
        ]
    );
    let received = peer.messages();
    assert_eq!(received.len(), 1, "one message for both recipients");
    let (data, envelope) = &received[0];
    assert!(
        data == &msg,
        "aiosmtpd received other bytes:\n{:?}\nsent:\n{:?}",
        String::from_utf8_lossy(data),
        String::from_utf8_lossy(&msg)
    );
    assert_eq!(envelope["mail_from"], "alice@client.example");
    assert_eq!(
        envelope["rcpt_tos"],
        json!(["bob@peer.test", "carol@peer.test"])
    );
    assert_eq!(envelope["tls"], true);
    assert_eq!(envelope["authenticated"], true);
    assert_eq!(envelope["login"], "alice");
    // The 8-bit body was declared (RFC 6152 §3).
    let options = envelope["mail_options"].to_string();
    assert!(options.contains("BODY=8BITMIME"), "{options}");
}

#[test]
fn reports_every_recipient_and_fails_when_one_is_refused() {
    let _watchdog = Watchdog::new(
        "reports_every_recipient_and_fails_when_one_is_refused",
        TEST_LIMIT,
    );
    if !have_aiosmtpd() {
        return;
    }
    let peer = Aiosmtpd::start(None, false);
    let msg = message(&unique("refusal"), "partly refused", &["hello"]);
    let server = peer.server_arg();
    let ca = peer.ca_path().display().to_string();
    let out = smtp_send(
        &[
            "--server",
            &server,
            "--starttls",
            "--ca",
            &ca,
            "--from",
            "a@client.example",
            "--to",
            "one@peer.test",
            "--to",
            "reject-me@peer.test",
            "--to",
            "two@peer.test",
        ],
        &msg,
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", out.stderr_text());
    assert_eq!(
        lines(&out),
        [
            "one@peer.test: 250 2.0.0 Stored as 000000",
            "reject-me@peer.test: 550 5.1.1 No such user here",
            "two@peer.test: 250 2.0.0 Stored as 000000",
        ]
    );
    let received = peer.messages();
    assert_eq!(received.len(), 1);
    assert!(received[0].0 == msg);
    assert_eq!(
        received[0].1["rcpt_tos"],
        json!(["one@peer.test", "two@peer.test"])
    );
}

#[test]
fn bare_line_feeds_are_sent_as_crlf() {
    let _watchdog = Watchdog::new("bare_line_feeds_are_sent_as_crlf", TEST_LIMIT);
    if !have_aiosmtpd() {
        return;
    }
    let peer = Aiosmtpd::start(None, false);
    let id = unique("lf");
    let unix = format!("Subject: LF only\nMessage-ID: <{id}>\n\n.dot\nline\n");
    let server = peer.server_arg();
    let ca = peer.ca_path().display().to_string();
    let out = smtp_send(
        &[
            "--server",
            &server,
            "--starttls",
            "--ca",
            &ca,
            "--from",
            "a@client.example",
            "--to",
            "b@peer.test",
        ],
        unix.as_bytes(),
    );
    out.assert_success("smtp_send with LF line endings");
    let received = peer.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(
        String::from_utf8_lossy(&received[0].0),
        unix.replace('\n', "\r\n")
    );
}

#[test]
fn never_sends_credentials_in_cleartext_unless_told() {
    let _watchdog = Watchdog::new(
        "never_sends_credentials_in_cleartext_unless_told",
        TEST_LIMIT,
    );
    if !have_aiosmtpd() {
        return;
    }
    let peer = Aiosmtpd::start(None, false);
    let msg = message(&unique("clear"), "cleartext", &["never sent"]);
    let server = peer.server_arg();
    let out = smtp_send(
        &[
            "--server",
            &server,
            "--user",
            "alice",
            "--password",
            "s3cret",
            "--from",
            "a@client.example",
            "--to",
            "b@peer.test",
        ],
        &msg,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stderr_text().contains("without TLS"),
        "unclear message: {}",
        out.stderr_text()
    );
    assert!(peer.messages().is_empty());
}

#[test]
fn refuses_a_certificate_it_was_not_told_to_trust() {
    let _watchdog = Watchdog::new("refuses_a_certificate_it_was_not_told_to_trust", TEST_LIMIT);
    if !have_aiosmtpd() {
        return;
    }
    let peer = Aiosmtpd::start(Some(("alice", "s3cret")), true);
    let msg = message(&unique("untrusted"), "untrusted", &["never sent"]);
    let server = peer.server_arg();
    let out = smtp_send(
        &[
            "--server",
            &server,
            "--starttls",
            "--user",
            "alice",
            "--password",
            "s3cret",
            "--from",
            "a@client.example",
            "--to",
            "b@peer.test",
        ],
        &msg,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = out.stderr_text();
    assert!(stderr.contains("certificate"), "unclear message: {stderr}");
    assert_eq!(lines(&out), ["b@peer.test: not delivered (TLS failed)"]);
    assert!(peer.messages().is_empty());
}

#[test]
fn reports_a_wrong_password() {
    let _watchdog = Watchdog::new("reports_a_wrong_password", TEST_LIMIT);
    if !have_aiosmtpd() {
        return;
    }
    let peer = Aiosmtpd::start(Some(("alice", "s3cret")), true);
    let msg = message(&unique("badpw"), "bad password", &["never sent"]);
    let server = peer.server_arg();
    let ca = peer.ca_path().display().to_string();
    let out = smtp_send(
        &[
            "--server",
            &server,
            "--starttls",
            "--ca",
            &ca,
            "--user",
            "alice",
            "--password",
            "wrong",
            "--from",
            "a@client.example",
            "--to",
            "b@peer.test",
        ],
        &msg,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = out.stderr_text();
    assert!(
        stderr.contains("authentication") && stderr.contains("535"),
        "unclear message: {stderr}"
    );
    assert!(peer.messages().is_empty());
}

// --- against mailserver ---------------------------------------------------

#[test]
fn local_delivery_to_mailserver_in_cleartext() {
    let _watchdog = Watchdog::new("local_delivery_to_mailserver_in_cleartext", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = rich_message("mailserver-plain");
    let addr = server.addr("smtp").to_string();
    let out = smtp_send(
        &[
            "--server",
            &addr,
            "--from",
            "sender@example.org",
            "--to",
            "demo@localhost",
        ],
        &msg,
    );
    out.assert_success("smtp_send to mailserver");
    let printed = lines(&out);
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(
        printed[0].starts_with("demo@localhost: 250 "),
        "{printed:?}"
    );
    let trace = Trace::new("sender@example.org", HELO, "ESMTP", "demo@localhost");
    assert_single_delivery(&data, DEMO_USER, &trace, &msg);
}

fn submit_to_mailserver(listener: &str, tls_flag: &str) {
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = rich_message(listener);
    let addr = server.addr(listener).to_string();
    let ca = server.ca_path().display().to_string();
    let out = smtp_send(
        &[
            "--server",
            &addr,
            tls_flag,
            "--ca",
            &ca,
            "--user",
            DEMO_USER,
            "--password",
            DEMO_PASSWORD,
            "--from",
            "demo@localhost",
            "--to",
            "demo@localhost",
        ],
        &msg,
    );
    out.assert_success(&format!("smtp_send to mailserver's {listener} port"));
    let printed = lines(&out);
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(
        printed[0].starts_with("demo@localhost: 250 "),
        "{printed:?}"
    );
    let trace = Trace::new("demo@localhost", HELO, "ESMTPSA", "demo@localhost");
    assert_single_delivery(&data, DEMO_USER, &trace, &msg);
}

#[test]
fn submission_to_mailserver_with_starttls_and_auth() {
    let _watchdog = Watchdog::new(
        "submission_to_mailserver_with_starttls_and_auth",
        TEST_LIMIT,
    );
    submit_to_mailserver("submission", "--starttls");
}

#[test]
fn submission_to_mailserver_over_implicit_tls() {
    let _watchdog = Watchdog::new("submission_to_mailserver_over_implicit_tls", TEST_LIMIT);
    submit_to_mailserver("smtps", "--tls");
}

#[test]
fn mailserver_refusals_are_reported_per_recipient() {
    let _watchdog = Watchdog::new("mailserver_refusals_are_reported_per_recipient", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(&unique("mixed"), "mixed", &["for demo only"]);
    let addr = server.addr("smtp").to_string();
    let out = smtp_send(
        &[
            "--server",
            &addr,
            "--from",
            "sender@example.org",
            "--to",
            "demo@localhost",
            "--to",
            "nobody@localhost",
            "--to",
            "someone@example.com",
        ],
        &msg,
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", out.stderr_text());
    let printed = lines(&out);
    assert_eq!(printed.len(), 3, "{printed:?}");
    assert!(
        printed[0].starts_with("demo@localhost: 250 "),
        "{printed:?}"
    );
    assert!(
        printed[1].starts_with("nobody@localhost: 550 5.1.1 "),
        "{printed:?}"
    );
    assert!(
        printed[2].starts_with("someone@example.com: 550 5.7.1 "),
        "{printed:?}"
    );
    let trace = Trace::new("sender@example.org", HELO, "ESMTP", "demo@localhost");
    assert_single_delivery(&data, DEMO_USER, &trace, &msg);
}

#[test]
fn mailserver_submission_without_auth_is_refused() {
    let _watchdog = Watchdog::new("mailserver_submission_without_auth_is_refused", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(&unique("noauth"), "no auth", &["never stored"]);
    let addr = server.addr("submission").to_string();
    let ca = server.ca_path().display().to_string();
    let out = smtp_send(
        &[
            "--server",
            &addr,
            "--starttls",
            "--ca",
            &ca,
            "--from",
            "demo@localhost",
            "--to",
            "demo@localhost",
        ],
        &msg,
    );
    assert_eq!(out.status.code(), Some(1), "stderr: {}", out.stderr_text());
    let printed = lines(&out);
    // RFC 4954 §6: 530 5.7.0 Authentication required.
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(
        printed[0].starts_with("demo@localhost: 530 "),
        "{printed:?}"
    );
    assert!(data.maildir(DEMO_USER).new_messages().is_empty());
}

#[test]
fn implicit_tls_to_aiosmtpd() {
    let _watchdog = Watchdog::new("implicit_tls_to_aiosmtpd", TEST_LIMIT);
    if !have_aiosmtpd() {
        return;
    }
    let peer = Aiosmtpd::start_implicit_tls(Some(("alice", "s3cret")));
    let msg = rich_message("aiosmtpd-implicit");
    let server = peer.server_arg();
    let ca = peer.ca_path().display().to_string();
    let out = smtp_send(
        &[
            "--server",
            &server,
            "--tls",
            "--ca",
            &ca,
            "--user",
            "alice",
            "--password",
            "s3cret",
            "--from",
            "alice@client.example",
            "--to",
            "bob@peer.test",
        ],
        &msg,
    );
    out.assert_success("smtp_send --tls to aiosmtpd");
    assert_eq!(lines(&out), ["bob@peer.test: 250 2.0.0 Stored as 000000"]);
    let received = peer.messages();
    assert_eq!(received.len(), 1);
    assert!(received[0].0 == msg, "other bytes arrived");
    assert_eq!(received[0].1["tls"], true);
    assert_eq!(received[0].1["login"], "alice");
}

#[test]
fn utf8_addresses_go_out_with_smtputf8() {
    let _watchdog = Watchdog::new("utf8_addresses_go_out_with_smtputf8", TEST_LIMIT);
    if !have_aiosmtpd() {
        return;
    }
    let peer = Aiosmtpd::start(None, false);
    let from = "jörg@bücher.example";
    let to = "δοκιμή@παράδειγμα.example";
    let mut msg = format!("From: {from}\r\nTo: {to}\r\n").into_bytes();
    msg.extend_from_slice(&message(&unique("utf8"), "Grüße", &["✉"]));
    let server = peer.server_arg();
    let ca = peer.ca_path().display().to_string();
    let out = smtp_send(
        &[
            "--server",
            &server,
            "--starttls",
            "--ca",
            &ca,
            "--from",
            from,
            "--to",
            to,
        ],
        &msg,
    );
    out.assert_success("smtp_send with UTF-8 addresses");
    assert_eq!(lines(&out), [format!("{to}: 250 2.0.0 Stored as 000000")]);
    let received = peer.messages();
    assert_eq!(received.len(), 1);
    assert!(received[0].0 == msg, "other bytes arrived");
    let envelope = &received[0].1;
    assert_eq!(envelope["mail_from"], from);
    assert_eq!(envelope["rcpt_tos"], json!([to]));
    // RFC 6531 §3.4: MAIL carries SMTPUTF8 (and the 8-bit body BODY=8BITMIME).
    let options = envelope["mail_options"].to_string();
    assert!(options.contains("SMTPUTF8"), "{options}");
}
