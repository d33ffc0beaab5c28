//! curl, a client nobody here wrote, against `mailserver`'s POP3: STLS
//! required (`--ssl-reqd`) and verified against the server's certificate,
//! RETR of one message (`pop3://host:port/1`) returning the stored bytes,
//! and `pop3s://` with the list of messages.
//!
//! Needs curl with POP3 support; skipped with a message when it is
//! missing, unless `MAILWIRE_REQUIRE_INTEROP` is set.

mod common;
mod pop3_common;

use std::time::Duration;

use common::peers::{curl, have_curl_with};
use common::{DEMO_PASSWORD, DEMO_USER, DataDir, MailServer, Watchdog, message, unique};
use pop3_common::{deliver, maildir_messages};

const TEST_LIMIT: Duration = Duration::from_secs(120);

fn have_curl_pop3() -> bool {
    have_curl_with(&["pop3", "pop3s"])
}

#[test]
fn curl_retrieves_over_stls_and_pop3s() {
    if !have_curl_pop3() {
        return;
    }
    let _dog = Watchdog::new("curl_retrieves", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let sent = message(&unique("curl"), "curl", &[".dot", "..dots", "end"]);
    deliver(&server, &sent);
    let root = data.path().join(DEMO_USER).join("Maildir");
    let stored = maildir_messages(&root);
    assert_eq!(stored.len(), 1);
    let ca = server.ca_path();
    let ca = ca.to_str().expect("UTF-8 path");
    let credentials = format!("{DEMO_USER}:{DEMO_PASSWORD}");

    let url = format!("pop3://localhost:{}/1", server.port("pop3"));
    let out = curl(
        &["--ssl-reqd", "--cacert", ca, &url, "-u", &credentials],
        b"",
    );
    out.assert_success("curl pop3 --ssl-reqd");
    assert_eq!(out.stdout, stored[0].1, "curl got the stored bytes exactly");
    assert!(out.stdout.ends_with(&sent));

    // pop3s:// without a message number: the LIST answer.
    let url = format!("pop3s://localhost:{}/", server.port("pop3s"));
    let out = curl(&["--cacert", ca, &url, "-u", &credentials], b"");
    out.assert_success("curl pop3s LIST");
    assert_eq!(out.stdout_text(), format!("1 {}\r\n", stored[0].1.len()));

    // SASL PLAIN and LOGIN (RFC 5034) on pop3s; the server logs each
    // login with its mechanism.
    for mech in ["PLAIN", "LOGIN"] {
        let logged = || server.stderr_tail().matches(&format!("\"{mech}\"")).count();
        let before = logged();
        let url = format!("pop3s://localhost:{}/1", server.port("pop3s"));
        let options = format!("AUTH={mech}");
        let out = curl(
            &[
                "--cacert",
                ca,
                &url,
                "-u",
                &credentials,
                "--login-options",
                &options,
            ],
            b"",
        );
        out.assert_success(&format!("curl pop3s AUTH={mech}"));
        assert_eq!(out.stdout, stored[0].1);
        assert_eq!(
            logged(),
            before + 1,
            "no {mech} login in the server log:\n{}",
            server.stderr_tail()
        );
    }

    // A wrong password fails.
    let url = format!("pop3s://localhost:{}/1", server.port("pop3s"));
    let out = curl(&["--cacert", ca, &url, "-u", "demo:wrong"], b"");
    assert!(!out.status.success());
    // Nothing was deleted by any of it.
    assert_eq!(maildir_messages(&root).len(), 1);
}
