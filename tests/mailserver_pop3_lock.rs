//! The POP3 maildrop lock across processes (RFC 1939 §8): two `mailserver`
//! processes on the same data directory share the Maildirs, and a session
//! in one makes a session in the other get `-ERR [IN-USE]`
//! (RFC 2449 §8.1.1) until it ends; a lock left by a killed server is
//! stale and broken by the next login.

mod common;
mod pop3_common;

use std::path::Path;
use std::time::Duration;

use common::{DEMO_PASSWORD, DEMO_USER, DataDir, MailServer, ServerOptions, Watchdog, message};
use pop3_common::{Pop3, Tls, deliver};

const TEST_LIMIT: Duration = Duration::from_secs(180);
const LOCK_FILE: &str = "mailwire-pop3.lock";

fn options() -> ServerOptions {
    ServerOptions {
        wait_for: vec!["smtp", "pop3", "pop3s"],
        ..ServerOptions::default()
    }
}

fn lock_pid(root: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(root.join(LOCK_FILE)).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("pid ")?.parse().ok())
}

#[test]
fn a_maildrop_open_in_one_server_is_in_use_in_another() {
    let _dog = Watchdog::new("a_maildrop_open_in_one_server_is_in_use", TEST_LIMIT);
    let data = DataDir::new();
    let a = MailServer::start(&data, &options());
    let b = MailServer::start(&data, &options());
    deliver(&a, &message("lock-1@test", "one", &["body"]));
    let root = data.path().join(DEMO_USER).join("Maildir");
    let ca = a.ca_path();

    let mut first = Pop3::connect(a.addr("pop3s"), Tls::Implicit, &ca);
    first.login(DEMO_USER, DEMO_PASSWORD).expect("login in A");
    assert_eq!(lock_pid(&root), Some(a.pid()));

    // Both listeners of the other process, and a second session in A.
    let mut other = Pop3::connect(b.addr("pop3"), Tls::Stls, &ca);
    let refused = other.login(DEMO_USER, DEMO_PASSWORD).unwrap_err();
    assert!(refused.starts_with("[IN-USE]"), "{refused}");
    let mut other_tls = Pop3::connect(b.addr("pop3s"), Tls::Implicit, &ca);
    let refused = other_tls.login(DEMO_USER, DEMO_PASSWORD).unwrap_err();
    assert!(refused.starts_with("[IN-USE]"), "{refused}");
    let mut same = Pop3::connect(a.addr("pop3"), Tls::Stls, &ca);
    let refused = same.login(DEMO_USER, DEMO_PASSWORD).unwrap_err();
    assert!(refused.starts_with("[IN-USE]"), "{refused}");

    // The holder works on, and QUIT frees the maildrop for B at once.
    assert_eq!(first.stat().0, 1);
    first.quit().expect("QUIT in A");
    assert!(!root.join(LOCK_FILE).exists());
    other
        .login(DEMO_USER, DEMO_PASSWORD)
        .expect("login in B after A quit");
    assert_eq!(lock_pid(&root), Some(b.pid()));
    assert_eq!(other.stat().0, 1);
    // Now A is the one refused.
    let refused = same.login(DEMO_USER, DEMO_PASSWORD).unwrap_err();
    assert!(refused.starts_with("[IN-USE]"), "{refused}");
    other.quit().expect("QUIT in B");
    same.login(DEMO_USER, DEMO_PASSWORD)
        .expect("login in A after B quit");
    same.quit().expect("QUIT");
    other_tls.abort();
}

#[test]
fn the_lock_of_a_killed_server_is_broken() {
    let _dog = Watchdog::new("the_lock_of_a_killed_server_is_broken", TEST_LIMIT);
    let data = DataDir::new();
    let a = MailServer::start(&data, &options());
    let mut b = MailServer::start(&data, &options());
    deliver(&a, &message("lock-2@test", "two", &["body"]));
    let root = data.path().join(DEMO_USER).join("Maildir");
    let ca = a.ca_path();

    let holder = Pop3::connect(b.addr("pop3s"), Tls::Implicit, &ca);
    let mut holder = holder;
    holder.login(DEMO_USER, DEMO_PASSWORD).expect("login in B");
    let b_pid = b.pid();
    assert_eq!(lock_pid(&root), Some(b_pid));
    let mut waiting = Pop3::connect(a.addr("pop3s"), Tls::Implicit, &ca);
    let refused = waiting.login(DEMO_USER, DEMO_PASSWORD).unwrap_err();
    assert!(refused.starts_with("[IN-USE]"), "{refused}");

    // SIGKILL: B cannot clean up, its lock stays behind.
    b.kill();
    holder.abort();
    assert_eq!(
        lock_pid(&root),
        Some(b_pid),
        "the dead server's lock is left"
    );
    waiting
        .login(DEMO_USER, DEMO_PASSWORD)
        .expect("the stale lock is broken");
    assert_eq!(lock_pid(&root), Some(a.pid()));
    assert_eq!(waiting.stat().0, 1);
    waiting.quit().expect("QUIT");
    assert!(!root.join(LOCK_FILE).exists());
}
