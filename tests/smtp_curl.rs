//! curl, a client nobody here wrote, sends mail to `mailserver` over SMTP
//! with `--ssl-reqd` (STARTTLS, verified against the server's certificate),
//! over submission with AUTH, and over SMTPS. The bytes in the Maildir must
//! be the bytes curl uploaded.
//!
//! Needs curl built with SMTP; skipped with a message when it is missing,
//! unless `MAILWIRE_REQUIRE_INTEROP` is set.

mod common;

use std::time::Duration;

use common::peers::{curl, have_curl};
use common::{
    DEMO_PASSWORD, DEMO_USER, DataDir, MailServer, Trace, Watchdog, assert_single_delivery,
    message, unique,
};

const TEST_LIMIT: Duration = Duration::from_secs(120);
/// The EHLO name curl takes from the URL path.
const HELO: &str = "client.example";

/// curl's arguments for one delivery through `url`.
fn send_args(server: &MailServer, url: &str, from: &str, to: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--url".into(),
        url.into(),
        "--ssl-reqd".into(),
        "--cacert".into(),
        server.ca_path().display().to_string(),
        "--mail-from".into(),
        from.into(),
    ];
    for rcpt in to {
        args.push("--mail-rcpt".into());
        args.push((*rcpt).into());
    }
    args.push("--upload-file".into());
    args.push("-".into());
    args
}

fn run(args: &[String], msg: &[u8]) -> common::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    curl(&args, msg)
}

#[test]
fn curl_starttls_on_the_smtp_port() {
    let _watchdog = Watchdog::new("curl_starttls_on_the_smtp_port", TEST_LIMIT);
    if !have_curl() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(
        &unique("curl"),
        "from curl",
        &["Hello from curl.", ".", ".leading dot", "..two", "end"],
    );
    let url = format!("smtp://127.0.0.1:{}/client.example", server.port("smtp"));
    let out = run(
        &send_args(&server, &url, "sender@example.org", &["demo@localhost"]),
        &msg,
    );
    out.assert_success("curl over STARTTLS");
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("sender@example.org", HELO, "ESMTPS", "demo@localhost"),
        &msg,
    );
}

#[test]
fn curl_uploads_a_large_message_with_long_lines() {
    let _watchdog = Watchdog::new("curl_uploads_a_large_message_with_long_lines", TEST_LIMIT);
    if !have_curl() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    // About 6 MiB: 998-octet lines (the RFC 5321 §4.5.3.1.6 limit without
    // CRLF), every third one starting with a dot.
    let mut msg = message(&unique("big"), "big", &[]);
    let mut n = 0u32;
    while msg.len() < 6 * 1024 * 1024 {
        let lead = if n % 3 == 0 { "." } else { "" };
        let mut line = format!("{lead}{n:08} ");
        while line.len() < 998 {
            line.push(char::from(b'a' + (line.len() % 26) as u8));
        }
        msg.extend_from_slice(line.as_bytes());
        msg.extend_from_slice(b"\r\n");
        n += 1;
    }
    let url = format!("smtp://127.0.0.1:{}/client.example", server.port("smtp"));
    let out = run(
        &send_args(&server, &url, "sender@example.org", &["demo@localhost"]),
        &msg,
    );
    out.assert_success("curl with a large message");
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("sender@example.org", HELO, "ESMTPS", "demo@localhost"),
        &msg,
    );
}

fn submit_with_curl(listener: &str, scheme: &str, login_options: Option<&str>) {
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(
        &unique("curl-auth"),
        "curl with AUTH",
        &["authenticated", ".x"],
    );
    let url = format!(
        "{scheme}://127.0.0.1:{}/client.example",
        server.port(listener)
    );
    let mut args = send_args(&server, &url, "demo@localhost", &["demo@localhost"]);
    args.push("--user".into());
    args.push(format!("{DEMO_USER}:{DEMO_PASSWORD}"));
    if let Some(options) = login_options {
        args.push("--login-options".into());
        args.push(options.into());
    }
    let out = run(&args, &msg);
    out.assert_success(&format!(
        "curl {scheme} on {listener} with {login_options:?}"
    ));
    assert_single_delivery(
        &data,
        DEMO_USER,
        &Trace::new("demo@localhost", HELO, "ESMTPSA", "demo@localhost"),
        &msg,
    );
}

#[test]
fn curl_submission_starttls_auth_plain() {
    let _watchdog = Watchdog::new("curl_submission_starttls_auth_plain", TEST_LIMIT);
    if have_curl() {
        submit_with_curl("submission", "smtp", Some("AUTH=PLAIN"));
    }
}

#[test]
fn curl_submission_starttls_auth_login() {
    let _watchdog = Watchdog::new("curl_submission_starttls_auth_login", TEST_LIMIT);
    if have_curl() {
        submit_with_curl("submission", "smtp", Some("AUTH=LOGIN"));
    }
}

#[test]
fn curl_submission_starttls_auth_of_curls_choice() {
    let _watchdog = Watchdog::new("curl_submission_starttls_auth_of_curls_choice", TEST_LIMIT);
    if have_curl() {
        submit_with_curl("submission", "smtp", None);
    }
}

#[test]
fn curl_smtps_implicit_tls_auth() {
    let _watchdog = Watchdog::new("curl_smtps_implicit_tls_auth", TEST_LIMIT);
    if have_curl() {
        submit_with_curl("smtps", "smtps", None);
    }
}

#[test]
fn curl_submission_with_a_wrong_password_delivers_nothing() {
    let _watchdog = Watchdog::new(
        "curl_submission_with_a_wrong_password_delivers_nothing",
        TEST_LIMIT,
    );
    if !have_curl() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(&unique("curl-bad"), "bad password", &["never stored"]);
    let url = format!(
        "smtp://127.0.0.1:{}/client.example",
        server.port("submission")
    );
    let mut args = send_args(&server, &url, "demo@localhost", &["demo@localhost"]);
    args.extend(["--user".into(), format!("{DEMO_USER}:wrong")]);
    let out = run(&args, &msg);
    assert!(
        !out.status.success(),
        "curl succeeded with a wrong password"
    );
    // curl's exit code 67: "the user name, password, or similar was not
    // accepted".
    assert_eq!(out.status.code(), Some(67), "{}", out.stderr_text());
    assert!(data.maildir(DEMO_USER).new_messages().is_empty());
}

#[test]
fn curl_cannot_submit_in_cleartext() {
    let _watchdog = Watchdog::new("curl_cannot_submit_in_cleartext", TEST_LIMIT);
    if !have_curl() {
        return;
    }
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let msg = message(&unique("curl-clear"), "cleartext", &["never stored"]);
    let url = format!(
        "smtp://127.0.0.1:{}/client.example",
        server.port("submission")
    );
    // No --ssl-reqd: curl stays in cleartext, where the server offers no AUTH
    // and so must refuse the mail.
    let args = [
        "--url",
        &url,
        "--mail-from",
        "demo@localhost",
        "--mail-rcpt",
        "demo@localhost",
        "--user",
        "demo:demo",
        "--upload-file",
        "-",
    ];
    let out = curl(&args, &msg);
    assert!(
        !out.status.success(),
        "mail was accepted on the submission port without TLS and AUTH"
    );
    assert!(data.maildir(DEMO_USER).new_messages().is_empty());
}
