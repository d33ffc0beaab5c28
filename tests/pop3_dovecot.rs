//! Our POP3 client against a server nobody here wrote: Dovecot's pop3d
//! (tests/peers/dovecot.sh), on 127.0.0.1 with its own configuration.
//!
//! * `pop3_fetch` with STLS logs in with SCRAM-SHA-256 (the strongest
//!   mechanism Dovecot offers there), downloads every message byte for
//!   byte, skips them by UIDL on a second run, and with `--delete` removes
//!   them from Dovecot's Maildir.
//! * Our client machine on pop3s: UIDL, RETR, DELE then QUIT.
//!
//! Needs dovecot and root (Dovecot drops privileges as configured);
//! skipped with a message otherwise, unless `MAILWIRE_REQUIRE_INTEROP` is
//! set.

mod common;
mod pop3_common;

use std::time::Duration;

use common::{Watchdog, message, unique};
use pop3_common::{Dovecot, Pop3, Tls, have_dovecot, maildir_messages, pop3_fetch};

const TEST_LIMIT: Duration = Duration::from_secs(240);
const USER: &str = "popper";
const PASSWORD: &str = "s3cret-pw";

fn test_messages() -> Vec<Vec<u8>> {
    (0..3)
        .map(|i| {
            message(
                &unique("dovecot"),
                &format!("dovecot {i}"),
                &[".leading dot", "..two", ".", "the end"],
            )
        })
        .collect()
}

fn sorted(mut v: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    v.sort();
    v
}

#[test]
fn pop3_fetch_against_dovecot_stls_scram() {
    if !have_dovecot() {
        return;
    }
    let _dog = Watchdog::new("pop3_fetch_against_dovecot", TEST_LIMIT);
    let messages = test_messages();
    let dovecot = Dovecot::start(USER, PASSWORD, &messages);
    let out = tempfile::tempdir().expect("temp dir");
    let out_dir = out.path().join("fetched");
    let ca = dovecot.ca_path();
    let server = format!("localhost:{}", dovecot.pop3);
    let args = |delete: bool| {
        let mut v = vec![
            "--server".to_owned(),
            server.clone(),
            "--starttls".into(),
            "--ca".into(),
            ca.display().to_string(),
            "--user".into(),
            USER.into(),
            "--password".into(),
            PASSWORD.into(),
            "--out".into(),
            out_dir.display().to_string(),
        ];
        if delete {
            v.push("--delete".into());
        }
        v
    };
    let run = |delete: bool| {
        let a = args(delete);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        pop3_fetch(&refs)
    };

    let first = run(false);
    assert!(
        first.status.success(),
        "pop3_fetch failed: {}\ndovecot log:\n{}",
        first.stderr_text(),
        dovecot.log()
    );
    assert_eq!(
        first.stdout_text().trim(),
        "fetched 3, skipped 0, deleted 0"
    );
    let fetched: Vec<Vec<u8>> = maildir_messages(&out_dir)
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert_eq!(
        sorted(fetched),
        sorted(messages.clone()),
        "bytes kept exactly"
    );
    let log = dovecot.log();
    assert!(
        log.contains("method=SCRAM-SHA-256"),
        "expected a SCRAM-SHA-256 login over TLS in the log:\n{log}"
    );

    let second = run(false);
    second.assert_success("second pop3_fetch");
    assert_eq!(
        second.stdout_text().trim(),
        "fetched 0, skipped 3, deleted 0"
    );
    assert_eq!(maildir_messages(&dovecot.maildir()).len(), 3);

    let third = run(true);
    third.assert_success("pop3_fetch --delete");
    assert_eq!(
        third.stdout_text().trim(),
        "fetched 0, skipped 3, deleted 3"
    );
    assert!(
        maildir_messages(&dovecot.maildir()).is_empty(),
        "--delete removed them from Dovecot"
    );
    assert_eq!(maildir_messages(&out_dir).len(), 3, "local copies stay");
}

#[test]
fn client_machine_against_dovecot_pop3s() {
    if !have_dovecot() {
        return;
    }
    let _dog = Watchdog::new("client_machine_against_dovecot", TEST_LIMIT);
    let messages = test_messages();
    let dovecot = Dovecot::start(USER, PASSWORD, &messages);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], dovecot.pop3s));
    let mut pop = Pop3::connect(addr, Tls::Implicit, &dovecot.ca_path());
    pop.login(USER, PASSWORD)
        .unwrap_or_else(|e| panic!("login: {e}\n{}", dovecot.log()));
    let (count, _) = pop.stat();
    assert_eq!(count, 3);
    let uids = pop.uidl();
    assert_eq!(uids.len(), 3);
    let mut got = Vec::new();
    for (n, _) in &uids {
        got.push(pop.retr(*n));
    }
    assert_eq!(sorted(got), sorted(messages));
    pop.dele(2).expect("DELE 2");
    assert_eq!(
        maildir_messages(&dovecot.maildir()).len(),
        3,
        "not before QUIT"
    );
    pop.quit().expect("QUIT");
    assert_eq!(maildir_messages(&dovecot.maildir()).len(), 2);

    // UIDL is stable across sessions.
    let addr_stls = std::net::SocketAddr::from(([127, 0, 0, 1], dovecot.pop3));
    let mut again = Pop3::connect(addr_stls, Tls::Stls, &dovecot.ca_path());
    again.login(USER, PASSWORD).expect("login over STLS");
    let left = again.uidl();
    let expected: Vec<String> = uids
        .iter()
        .filter(|(n, _)| *n != 2)
        .map(|(_, u)| u.clone())
        .collect();
    assert_eq!(
        left.into_iter().map(|(_, u)| u).collect::<Vec<_>>(),
        expected
    );
    again.quit().expect("QUIT");
}
