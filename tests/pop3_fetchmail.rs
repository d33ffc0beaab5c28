//! fetchmail, a client nobody here wrote, against `mailserver`'s POP3 with
//! STLS (`sslproto tls1.2+` with the server's certificate checked) and on
//! pop3s, delivering through an MDA that writes each message to a file.
//! Its home is a temporary directory (`FETCHMAILHOME`, `HOME`), so it
//! never touches the user's files.
//!
//! Needs fetchmail; skipped with a message when it is missing, unless
//! `MAILWIRE_REQUIRE_INTEROP` is set.

mod common;
mod pop3_common;

use std::process::Command;
use std::time::Duration;

use common::process::{require_program, run_with_timeout};
use common::{DEMO_PASSWORD, DEMO_USER, DataDir, MailServer, Watchdog, message, unique};
use pop3_common::{deliver, maildir_messages};

const TEST_LIMIT: Duration = Duration::from_secs(180);

/// Runs fetchmail with an rc file for `port` (`ssl`: implicit TLS, else
/// STLS) in a fresh home; returns the messages its MDA wrote.
fn run_fetchmail(server: &MailServer, port: u16, ssl: bool, keep: bool) -> Vec<Vec<u8>> {
    let home = tempfile::tempdir().expect("temp dir");
    let out_dir = home.path().join("out");
    std::fs::create_dir(&out_dir).expect("out dir");
    let ca = server.ca_path();
    let tls = if ssl { "ssl" } else { "sslproto tls1.2+" };
    let rc = format!(
        "set no syslog\n\
         poll localhost protocol pop3 port {port} auth password timeout 30\n\
         \x20 user \"{DEMO_USER}\" password \"{DEMO_PASSWORD}\" is \"{DEMO_USER}\" here\n\
         \x20 {tls} sslcertck sslcertfile \"{ca}\" {keep}\n\
         \x20 mda \"sh -c 'cat > {out}/msg.$$'\"\n",
        ca = ca.display(),
        keep = if keep { "keep" } else { "nokeep" },
        out = out_dir.display(),
    );
    let rc_path = home.path().join("fetchmailrc");
    std::fs::write(&rc_path, rc).expect("write rc");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&rc_path, std::fs::Permissions::from_mode(0o600))
            .expect("rc permissions");
    }
    let out = run_with_timeout(
        Command::new("fetchmail")
            .arg("-f")
            .arg(&rc_path)
            .args(["--nosyslog", "--nodetach", "-v"])
            .arg("--pidfile")
            .arg(home.path().join("pid"))
            .env("FETCHMAILHOME", home.path())
            .env("HOME", home.path()),
        b"",
        Duration::from_secs(120),
    );
    out.assert_success("fetchmail");
    let mut messages: Vec<Vec<u8>> = std::fs::read_dir(&out_dir)
        .expect("out dir")
        .map(|e| std::fs::read(e.expect("entry").path()).expect("read"))
        .collect();
    messages.sort();
    messages
}

/// The body of `sent` (after its header), which must appear in what
/// fetchmail delivered (it adds its own Received field and may rewrite
/// line endings to LF for the MDA).
fn body_of(msg: &[u8]) -> Vec<u8> {
    let at = msg
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header")
        + 4;
    msg[at..].to_vec()
}

fn lf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for (i, &b) in data.iter().enumerate() {
        if b == b'\r' && data.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(b);
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn fetchmail_over_stls_and_pop3s() {
    if !require_program("fetchmail", &["fetchmail", "--version"]) {
        return;
    }
    let _dog = Watchdog::new("fetchmail", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let sent = message(&unique("fetchmail"), "fm", &[".dot", "..dots", "end"]);
    deliver(&server, &sent);
    let root = data.path().join(DEMO_USER).join("Maildir");
    let body = lf(&body_of(&sent));
    let id_line = sent
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"Message-ID:"))
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .expect("a Message-ID line");

    // STLS, keeping the message on the server.
    let got = run_fetchmail(&server, server.port("pop3"), false, true);
    assert_eq!(got.len(), 1, "fetchmail delivered one message");
    let got_lf = lf(&got[0]);
    assert!(
        contains(&got_lf, &body),
        "{}",
        String::from_utf8_lossy(&got[0])
    );
    assert!(
        contains(&got_lf, &id_line),
        "{}",
        String::from_utf8_lossy(&got[0])
    );
    assert_eq!(maildir_messages(&root).len(), 1, "`keep` leaves it");

    // pop3s, without keep: fetched and deleted.
    let got = run_fetchmail(&server, server.port("pop3s"), true, false);
    assert_eq!(got.len(), 1);
    assert!(contains(&lf(&got[0]), &body));
    assert!(maildir_messages(&root).is_empty(), "fetchmail deleted it");
}
