//! Crash safety of `mailserver`'s deliveries: the server is killed with
//! SIGKILL in the middle of a large DATA transfer while other clients keep
//! delivering, then restarted on the same data directory. No partial message
//! may be visible in new/ (tmp/ leftovers are allowed), and every message
//! acknowledged with 250 before the kill must be there, complete.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::maildir::message_id;
use common::smtp::RawSmtp;
use common::{DEMO_USER, DataDir, MailServer, Trace, Watchdog, message, strip_trace, unique};

/// How much of the large message is sent before the kill (of a message
/// that would be about 20 MiB; the default limit is 25 MiB).
const SENT_BEFORE_KILL: u64 = 8 * 1024 * 1024;
const SMALL_SENDERS: usize = 4;
/// Every session of this test says EHLO fault.example.
const TRACE: Trace<'static> = Trace {
    from: "sender@example.org",
    helo: "fault.example",
    protocol: "ESMTP",
    rcpt: "demo@localhost",
};

/// Every message a small sender tried, and the ids that got 250.
#[derive(Default)]
struct Ledger {
    attempted: BTreeMap<String, Vec<u8>>,
    acknowledged: BTreeSet<String>,
}

#[test]
fn sigkill_mid_data_leaves_no_partial_message_and_loses_no_acknowledged_one() {
    let _watchdog = Watchdog::new(
        "sigkill_mid_data_leaves_no_partial_message_and_loses_no_acknowledged_one",
        Duration::from_secs(240),
    );
    let data = DataDir::new();
    let mut server = MailServer::start_default(&data);
    let smtp = server.addr("smtp");

    // A few messages delivered and acknowledged before anything happens.
    let mut before = BTreeMap::new();
    let mut session = RawSmtp::connect(smtp);
    session.expect("EHLO fault.example", 250);
    for i in 0..3 {
        let id = unique(&format!("before{i}"));
        let msg = message(
            &id,
            "before the crash",
            &["delivered before the kill", ".dot"],
        );
        let reply = session.deliver("sender@example.org", &["demo@localhost"], &msg);
        assert_eq!(reply.code, 250, "{}", reply.to_line());
        before.insert(id, msg);
    }

    // Small senders keep delivering while the server dies; each records
    // which of its messages got 250 before the connection broke.
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..SMALL_SENDERS)
        .map(|n| {
            let ledger = Arc::clone(&ledger);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || small_sender(smtp, n, &ledger, &stop))
        })
        .collect();

    // The large message: DATA started, 8 MiB sent, never ended.
    let large_id = unique("large");
    let written = Arc::new(AtomicU64::new(0));
    let killed = Arc::new(AtomicBool::new(false));
    let large = {
        let written = Arc::clone(&written);
        let killed = Arc::clone(&killed);
        let large_id = large_id.clone();
        std::thread::spawn(move || large_sender(smtp, &large_id, &written, &killed))
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while written.load(Ordering::Relaxed) == 0 {
        assert!(
            Instant::now() < deadline && !large.is_finished(),
            "the large message did not go out within 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // Give the server a moment to take in what was sent (it may stream it
    // into tmp/), so that the kill hits a delivery in progress.
    let maildir = data.maildir(DEMO_USER);
    let settle = Instant::now() + Duration::from_secs(5);
    while Instant::now() < settle {
        let biggest = maildir
            .files("tmp")
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .max()
            .unwrap_or(0);
        if biggest >= SENT_BEFORE_KILL / 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let tmp_before_kill = maildir.files("tmp");
    server.kill();
    killed.store(true, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    eprintln!(
        "killed mid-DATA after {} bytes of the large message; tmp/ held {} file(s)",
        written.load(Ordering::Relaxed),
        tmp_before_kill.len()
    );
    for sender in senders {
        sender.join().expect("small sender panicked");
    }
    large.join().expect("large sender panicked");

    let ledger = Arc::try_unwrap(ledger)
        .ok()
        .expect("all senders finished")
        .into_inner()
        .expect("ledger lock");
    assert!(
        !ledger.acknowledged.is_empty(),
        "no small message was acknowledged before the kill: the test proves nothing"
    );
    eprintln!(
        "{} small messages acknowledged before the kill, {} attempted",
        ledger.acknowledged.len(),
        ledger.attempted.len()
    );
    check_new(&data, &before, &ledger, &large_id, "after the kill");

    // Restart on the same data directory: still the same messages, and the
    // server works.
    let restarted = MailServer::start_default(&data);
    check_new(&data, &before, &ledger, &large_id, "after the restart");
    let mut session = RawSmtp::connect(restarted.addr("smtp"));
    session.expect("EHLO fault.example", 250);
    let after_id = unique("after");
    let after = message(&after_id, "after the restart", &["the server works again"]);
    let reply = session.deliver("sender@example.org", &["demo@localhost"], &after);
    assert_eq!(reply.code, 250, "{}", reply.to_line());
    let stored = data.maildir(DEMO_USER).new_messages();
    assert!(
        stored
            .iter()
            .any(|(name, c)| strip_trace(name, c, &TRACE) == after.as_slice()),
        "the message sent after the restart is not in new/"
    );
}

/// new/ holds every acknowledged message, complete; nothing else but
/// complete small messages whose 250 may have been lost with the server;
/// and nothing of the large one.
fn check_new(
    data: &DataDir,
    before: &BTreeMap<String, Vec<u8>>,
    ledger: &Ledger,
    large_id: &str,
    when: &str,
) {
    let stored = data.maildir(DEMO_USER).new_messages();
    let mut found = BTreeSet::new();
    for (name, content) in &stored {
        let payload = strip_trace(name, content, &TRACE);
        let id = message_id(payload)
            .unwrap_or_else(|| panic!("{when}: {name} in new/ has no Message-ID (partial?)"));
        assert_ne!(id, large_id, "{when}: the interrupted message is in new/");
        let sent = before
            .get(&id)
            .or_else(|| ledger.attempted.get(&id))
            .unwrap_or_else(|| panic!("{when}: {name} holds a message nobody sent"));
        assert!(
            payload == sent.as_slice(),
            "{when}: {name} is not the complete message {id}"
        );
        assert!(found.insert(id), "{when}: a message is in new/ twice");
    }
    for id in before.keys().chain(ledger.acknowledged.iter()) {
        assert!(
            found.contains(id),
            "{when}: {id} was acknowledged with 250 but is not in new/"
        );
    }
}

/// Delivers small messages one after another until the connection breaks.
fn small_sender(addr: std::net::SocketAddr, n: usize, ledger: &Mutex<Ledger>, stop: &AtomicBool) {
    let mut session = RawSmtp::connect(addr);
    session.expect("EHLO fault.example", 250);
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let id = unique(&format!("small{n}.{i}"));
        let msg = message(&id, "during the crash", &["small", &"x".repeat(4000)]);
        ledger
            .lock()
            .expect("ledger lock")
            .attempted
            .insert(id.clone(), msg.clone());
        match session.try_deliver("sender@example.org", &["demo@localhost"], &msg) {
            Ok(reply) if reply.code == 250 => {
                ledger.lock().expect("ledger lock").acknowledged.insert(id);
            }
            // A refusal before the kill is a failure of the server...
            Ok(reply) if !stop.load(Ordering::Relaxed) => {
                panic!("small sender {n}: {id} refused: {}", reply.to_line())
            }
            // ...a broken connection after it is expected.
            _ => break,
        }
    }
}

/// Starts DATA, sends [`SENT_BEFORE_KILL`] bytes of the large message and
/// then waits, mid-DATA, until the server is killed.
fn large_sender(addr: std::net::SocketAddr, id: &str, written: &AtomicU64, killed: &AtomicBool) {
    let mut session = RawSmtp::connect(addr);
    session.expect("EHLO fault.example", 250);
    session.expect("MAIL FROM:<sender@example.org>", 250);
    session.expect("RCPT TO:<demo@localhost>", 250);
    session.expect("DATA", 354);
    let head = message(id, "interrupted", &[]);
    let line = format!("{}\r\n", "y".repeat(998));
    let mut chunk = Vec::new();
    while chunk.len() < 64 * 1024 {
        chunk.extend_from_slice(line.as_bytes());
    }
    let stream = session.stream();
    stream
        .write_all(&head)
        .expect("write the header of the large message");
    let mut total = head.len() as u64;
    while total < SENT_BEFORE_KILL {
        stream.write_all(&chunk).expect("write the large message");
        total += chunk.len() as u64;
    }
    written.store(total, Ordering::Relaxed);
    while !killed.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(5));
    }
}
