//! `mailserver`'s message size limit (`--max-message-size`, RFC 1870): the
//! limit is announced, a declared SIZE over it is refused at MAIL, an
//! undeclared oversized body is refused after the data with nothing left in
//! new/ or tmp/, and the session goes on.

mod common;

use std::time::Duration;

use common::smtp::{RawSmtp, dot_stuff};
use common::{DEMO_USER, DataDir, MailServer, ServerOptions, Trace, Watchdog, message, unique};

const LIMIT: u64 = 100_000;

#[test]
fn oversized_messages_are_refused_and_leave_nothing_behind() {
    let _watchdog = Watchdog::new(
        "oversized_messages_are_refused_and_leave_nothing_behind",
        Duration::from_secs(120),
    );
    let data = DataDir::new();
    let server = MailServer::start(&data, &ServerOptions::default().max_message_size(LIMIT));
    let mut session = RawSmtp::connect(server.addr("smtp"));
    let ehlo = session.expect("EHLO limits.example", 250);
    // RFC 1870 §4: the limit is announced.
    assert!(
        ehlo.lines.iter().any(|l| l == &format!("SIZE {LIMIT}")),
        "no SIZE {LIMIT} in {ehlo:?}"
    );

    // Declared too large: 552 at MAIL (RFC 1870 §6.1).
    let reply = session.command(&format!("MAIL FROM:<a@example.org> SIZE={}", LIMIT * 2));
    assert_eq!(reply.code, 552, "{}", reply.to_line());

    // Not declared: the body goes through and is refused at the end.
    let mut big = message(&unique("big"), "too big", &[]);
    let line = "z".repeat(998);
    while (big.len() as u64) <= LIMIT {
        big.extend_from_slice(line.as_bytes());
        big.extend_from_slice(b"\r\n");
    }
    session.expect("MAIL FROM:<a@example.org>", 250);
    session.expect("RCPT TO:<demo@localhost>", 250);
    session.expect("DATA", 354);
    session.send_raw(&dot_stuff(&big));
    session.send_raw(b".\r\n");
    let reply = session.read_reply();
    assert_eq!(reply.code, 552, "{}", reply.to_line());
    let maildir = data.maildir(DEMO_USER);
    assert!(
        maildir.new_messages().is_empty(),
        "an oversized message was stored"
    );
    assert!(
        maildir.files("tmp").is_empty(),
        "the refused message was left in tmp/"
    );

    // The session goes on: a message just under the limit is delivered.
    let mut fits = message(&unique("fits"), "fits", &[]);
    let short = "f".repeat(98);
    while (fits.len() as u64) + 100 <= LIMIT - 2048 {
        fits.extend_from_slice(short.as_bytes());
        fits.extend_from_slice(b"\r\n");
    }
    let reply = session.deliver("a@example.org", &["demo@localhost"], &fits);
    assert_eq!(reply.code, 250, "{}", reply.to_line());
    session.expect("QUIT", 221);
    let trace = Trace::new("a@example.org", "limits.example", "ESMTP", "demo@localhost");
    common::assert_single_delivery(&data, DEMO_USER, &trace, &fits);
}
