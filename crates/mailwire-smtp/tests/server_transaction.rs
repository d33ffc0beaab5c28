//! Transaction rules: ordering (503), pipelining, SIZE, recipient limit,
//! bad-command limit, line endings, BDAT, LMTP. Every transcript is fed
//! split at every byte boundary.

#[path = "server_harness.rs"]
mod harness;

use harness::*;
use mailwire_core::LineEnding;
use mailwire_smtp::server::{ServerConfig, ServerEvent};

const GREETING: &str = "220 mx.test ESMTP ready\r\n";

fn cfg() -> ServerConfig {
    let mut c = config("mx.test");
    c.extensions.binary_mime = true;
    c
}

/// The output after the greeting and the EHLO reply.
fn after_ehlo(out: &Outcome) -> String {
    let text = out.text();
    let text = text.strip_prefix(GREETING).expect("greeting first");
    let end = text.find("250 SMTPUTF8\r\n").map(|i| i + 14).unwrap_or(0);
    text[end..].to_string()
}

#[test]
fn out_of_order_commands_get_503() {
    let client = "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nEHLO c.test\r\n\
                  RCPT TO:<b@mx.test>\r\nDATA\r\nMAIL FROM:<a@x.test>\r\nMAIL FROM:<a@x.test>\r\n\
                  DATA\r\nQUIT\r\n";
    let out = run_split(&cfg(), &[input(client)], &|| app(accept_all));
    let text = out.text();
    let head = "220 mx.test ESMTP ready\r\n503 5.5.1 Send EHLO or HELO first\r\n\
                503 5.5.1 Send MAIL first\r\n503 5.5.1 Send MAIL first\r\n250-mx.test\r\n";
    assert!(text.starts_with(head), "{text}");
    assert_eq!(
        after_ehlo(&out),
        "503 5.5.1 Send MAIL first\r\n503 5.5.1 Send MAIL first\r\n250 2.1.0 Sender OK\r\n\
         503 5.5.1 Nested MAIL command\r\n503 5.5.1 No valid recipients\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
}

#[test]
fn pipelined_group_is_answered_in_order_and_body_follows_354() {
    // RFC 2920 §3.1: one packet; the app rejects the sender, so the RCPTs
    // and DATA are still answered, each in turn; the next transaction's
    // DATA is accepted and what follows is body, not commands.
    let client = "EHLO c.test\r\nMAIL FROM:<bad@x.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n\
                  MAIL FROM:<good@x.test>\r\nRCPT TO:<b@mx.test>\r\nRCPT TO:<c@mx.test>\r\nDATA\r\n\
                  QUIT\r\nRSET\r\n.\r\nQUIT\r\n";
    let make = || {
        app(|ev, s| match ev {
            ServerEvent::Mail { from, .. }
                if from.mailbox().is_some_and(|m| m.local_part() == "bad") =>
            {
                s.reject(r(550, "5.7.1 Go away")).unwrap()
            }
            other => accept_all(other, s),
        })
    };
    let out = run_split(&cfg(), &[input(client)], &make);
    assert_eq!(
        after_ehlo(&out),
        "550 5.7.1 Go away\r\n503 5.5.1 Send MAIL first\r\n503 5.5.1 Send MAIL first\r\n\
         250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n\
         354 End data with <CR><LF>.<CR><LF>\r\n250 2.6.0 Message accepted\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
    assert_eq!(out.body(), b"QUIT\r\nRSET\r\n");
}

#[test]
fn declared_size_over_the_limit_is_refused() {
    let mut c = cfg();
    c.limits.max_message_size = 100;
    let client =
        "EHLO c.test\r\nMAIL FROM:<a@x.test> SIZE=101\r\nMAIL FROM:<a@x.test> SIZE=100\r\nQUIT\r\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert!(out.text().contains("250-SIZE 100\r\n"));
    assert_eq!(
        after_ehlo(&out),
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n250 2.1.0 Sender OK\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
}

#[test]
fn actual_size_over_the_limit_is_consumed_then_refused() {
    let mut c = cfg();
    c.limits.max_message_size = 20;
    let client = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n\
                  0123456789\r\n0123456789\r\nMAIL FROM:<injected@x.test>\r\n.\r\nNOOP\r\nQUIT\r\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n\
         552 5.3.4 Message size exceeds fixed maximum message size\r\n250 2.0.0 OK\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
    // No more than the limit was passed on, and the app was told.
    assert!(out.body().len() <= 20, "{}", out.body().len());
    assert!(out.saw("DataAborted(TooBig)"));
    assert!(!out.saw("DataEnd"));
}

#[test]
fn recipient_limit_gives_452() {
    let mut c = cfg();
    c.limits.max_recipients = 2;
    let client = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<1@mx.test>\r\nRCPT TO:<2@mx.test>\r\n\
                  RCPT TO:<3@mx.test>\r\nQUIT\r\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n\
         452 4.5.3 Too many recipients\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
}

#[test]
fn bad_command_limit_closes_with_421() {
    let mut c = cfg();
    c.limits.max_bad_commands = 3;
    let client = "EHLO c.test\r\nFOO\r\nMAIL FROM:<<<\r\n\x01\x02\r\nNOOP\r\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        "500 5.5.2 Syntax error, command unrecognized\r\n\
         501 5.5.4 Syntax error in parameters or arguments: not a valid local part\r\n\
         500 5.5.2 Syntax error, command unrecognized\r\n\
         421 4.7.0 Too many errors, closing connection\r\n"
    );
    assert!(out.closed);
    assert!(out.errors.iter().any(|e| e.starts_with("fatal")));
}

#[test]
fn long_command_line_is_answered_and_resynchronised() {
    let long = format!("NOOP {}\r\n", "x".repeat(600));
    let client = format!("EHLO c.test\r\n{long}NOOP\r\nQUIT\r\n");
    let out = run_split(&cfg(), &[input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        "500 5.5.6 Line too long\r\n250 2.0.0 OK\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
}

#[test]
fn bare_lf_in_a_command_is_refused() {
    let client = "EHLO c.test\r\nNOOP\nMAIL FROM:<a@x.test>\r\nQUIT\r\n";
    let out = run_split(&cfg(), &[input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        "500 5.5.2 Syntax error: bare CR or LF in command line\r\n250 2.1.0 Sender OK\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
}

#[test]
fn bare_lf_in_data_refuses_the_whole_message() {
    // The SMTP smuggling shape: a bare-LF "end marker" must not end it.
    let client = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test>\r\nDATA\r\n\
                  Subject: x\r\n\r\nbody\n.\nMAIL FROM:<evil@x.test>\r\n.\r\nQUIT\r\n";
    let out = run_split(&cfg(), &[input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n\
         550 5.6.0 Message refused: bare CR or LF in the body\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
    assert!(out.saw("DataAborted(BareLineEnding)"));
    assert!(!out.saw("Mail { from: Mailbox(Mailbox(\"evil"));
}

#[test]
fn normalize_policy_turns_bare_lf_into_crlf() {
    let mut c = cfg();
    c.line_ending = LineEnding::Normalize;
    // Only CRLF.CRLF ends the body, even here.
    let client = "EHLO c.test\nMAIL FROM:<a@x.test>\nRCPT TO:<b@mx.test>\nDATA\nline\nx\r\n..dot\r\nmore\n\r\n.\r\nQUIT\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert!(out.text().ends_with(
        "354 End data with <CR><LF>.<CR><LF>\r\n250 2.6.0 Message accepted\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    ));
    assert_eq!(out.body(), b"line\r\nx\r\n.dot\r\nmore\r\n\r\n");
}

/// Under Normalize a bare LF is delivered as CRLF but does not start a line
/// for dot handling: only a real CRLF does. Otherwise `LF . CRLF` would end
/// the body for us and not for a strict filter in front of us (smuggling),
/// so a dot after a bare LF is kept as sent.
#[test]
fn normalize_policy_does_not_treat_a_bare_lf_as_a_line_start_for_dots() {
    let mut c = cfg();
    c.line_ending = LineEnding::Normalize;
    let client = "EHLO c.test\nMAIL FROM:<a@x.test>\nRCPT TO:<b@mx.test>\nDATA\nline\n..dot\nx\n.\r\ny\r\n.\r\nQUIT\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert_eq!(out.body(), b"line\r\n..dot\r\nx\r\n.\r\ny\r\n");
}

#[test]
fn bdat_chunks_by_exact_length() {
    // The chunk holds CRLF.CRLF and a command: length, not content, ends it.
    let chunk1 = "Subject: a\r\n\r\n.\r\nQUIT\r\n";
    let mut client = format!(
        "EHLO c.test\r\nMAIL FROM:<a@x.test> BODY=BINARYMIME\r\nRCPT TO:<b@mx.test>\r\n\
         BDAT {}\r\n{chunk1}BDAT 3 LAST\r\n",
        chunk1.len()
    )
    .into_bytes();
    client.extend_from_slice(&[0x00, 0xff, b'\n']);
    client.extend_from_slice(b"DATA\r\nQUIT\r\n");
    let out = run_split(&cfg(), &[Step::Input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        format!(
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.0.0 {} octets received\r\n\
             250 2.6.0 Message accepted\r\n503 5.5.1 Send MAIL first\r\n\
             221 2.0.0 mx.test Service closing transmission channel\r\n",
            chunk1.len()
        )
    );
    let mut body = chunk1.as_bytes().to_vec();
    body.extend_from_slice(&[0x00, 0xff, b'\n']);
    assert_eq!(out.body(), body);
    assert!(out.text().contains("250-BINARYMIME\r\n"));
}

#[test]
fn bdat_out_of_sequence_is_skipped_then_refused() {
    let client = "EHLO c.test\r\nBDAT 6\r\nQUIT\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test>\r\n\
                  BDAT 2\r\nhiDATA\r\nBDAT 0 LAST\r\nQUIT\r\n";
    let out = run_split(&cfg(), &[input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        "503 5.5.1 Send MAIL first\r\n250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n\
         250 2.0.0 2 octets received\r\n503 5.5.1 DATA after BDAT\r\n250 2.6.0 Message accepted\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
    assert_eq!(out.body(), b"hi");
}

#[test]
fn bdat_over_size_and_rejected_bdat_stay_in_sync() {
    let mut c = cfg();
    c.limits.max_message_size = 5;
    let client = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test>\r\nBDAT 3\r\nabcBDAT 6\r\nQUIT\r\n\
                  MAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test>\r\nBDAT 4 LAST\r\nNOOPNOOP\r\n";
    let make = || {
        let mut starts = 0;
        app(move |ev, s| match ev {
            ServerEvent::DataStart { chunked: true } => {
                starts += 1;
                if starts == 2 {
                    s.reject(r(451, "4.3.0 Try later")).unwrap()
                } else {
                    s.accept().unwrap()
                }
            }
            other => accept_all(other, s),
        })
    };
    let out = run_split(&c, &[input(client)], &make);
    assert_eq!(
        after_ehlo(&out),
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.0.0 3 octets received\r\n\
         552 5.3.4 Message size exceeds fixed maximum message size\r\n\
         250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n451 4.3.0 Try later\r\n250 2.0.0 OK\r\n"
    );
    assert!(out.saw("DataAborted(TooBig)"));
    assert_eq!(out.body(), b"abc");
}

#[test]
fn binarymime_with_data_is_503() {
    let client = "EHLO c.test\r\nMAIL FROM:<a@x.test> BODY=BINARYMIME\r\nRCPT TO:<b@mx.test>\r\nDATA\r\nQUIT\r\n";
    let out = run_split(&cfg(), &[input(client)], &|| app(accept_all));
    assert!(
        after_ehlo(&out).contains("503 5.5.1 BODY=BINARYMIME requires BDAT\r\n"),
        "{}",
        out.text()
    );
}

#[test]
fn unsupported_parameters_get_555_and_utf8_needs_smtputf8() {
    let mut c = cfg();
    c.extensions.dsn = false;
    let client = "EHLO c.test\r\nMAIL FROM:<a@x.test> RET=FULL\r\nMAIL FROM:<a@x.test> FOO=BAR\r\n\
                  MAIL FROM:<j\u{f6}rg@x.test>\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@mx.test> NOTIFY=NEVER\r\n\
                  RCPT TO:<m\u{fc}ller@mx.test>\r\nQUIT\r\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert_eq!(
        after_ehlo(&out),
        "555 5.5.4 DSN parameter not recognized or not implemented\r\n\
         555 5.5.4 MAIL FROM parameter not recognized or not implemented\r\n\
         553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter\r\n\
         250 2.1.0 Sender OK\r\n\
         555 5.5.4 DSN parameter not recognized or not implemented\r\n\
         553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter\r\n\
         221 2.0.0 mx.test Service closing transmission channel\r\n"
    );
}

#[test]
fn lmtp_answers_once_per_accepted_recipient() {
    let mut c = config("lmtp.test");
    c.lmtp = true;
    let client = "EHLO c.test\r\nLHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<1@lmtp.test>\r\n\
                  RCPT TO:<nobody@lmtp.test>\r\nRCPT TO:<3@lmtp.test>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n";
    let make = || {
        app(|ev, s| match ev {
            ServerEvent::Rcpt { to, .. }
                if to.mailbox().is_some_and(|m| m.local_part() == "nobody") =>
            {
                s.reject(r(550, "5.1.1 No such user")).unwrap()
            }
            ServerEvent::DataEnd { recipients } => {
                // Only the two accepted recipients get an answer.
                assert_eq!(*recipients, 2);
                s.accept().unwrap();
                assert!(s.awaits_answer());
                s.accept().unwrap();
                assert!(s.accept().is_err(), "no third answer");
            }
            other => accept_all(other, s),
        })
    };
    let out = run_split(&c, &[input(client)], &make);
    let text = out.text();
    assert!(text.starts_with(
        "220 lmtp.test ESMTP ready\r\n500 5.5.2 Syntax error, command unrecognized\r\n250-lmtp.test\r\n"
    ));
    assert!(
        text.ends_with(
            "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n550 5.1.1 No such user\r\n\
             250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n\
             250 2.6.0 Message accepted\r\n250 2.6.0 Message accepted\r\n\
             221 2.0.0 lmtp.test Service closing transmission channel\r\n"
        ),
        "{text}"
    );
}

#[test]
fn lmtp_per_recipient_replies_can_differ() {
    let mut c = config("lmtp.test");
    c.lmtp = true;
    let client = "LHLO c.test\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<1@lmtp.test>\r\nRCPT TO:<2@lmtp.test>\r\n\
                  BDAT 2 LAST\r\nhiQUIT\r\n";
    let make = || {
        app(|ev, s| match ev {
            ServerEvent::DataEnd { recipients: 2 } => {
                s.accept().unwrap();
                s.reject(r(452, "4.2.2 Mailbox full")).unwrap();
                assert!(s.accept().is_err(), "no third answer");
            }
            other => accept_all(other, s),
        })
    };
    let out = run_split(&c, &[input(client)], &make);
    assert!(out.text().ends_with(
        "250 2.6.0 Message accepted\r\n452 4.2.2 Mailbox full\r\n\
         221 2.0.0 lmtp.test Service closing transmission channel\r\n"
    ));
}

#[test]
fn answers_are_checked_against_the_event() {
    let mut server = mailwire_smtp::Server::new(cfg());
    use mailwire_core::Machine;
    assert!(server.accept().is_err(), "nothing waits");
    server.receive(b"EHLO c.test\r\n").unwrap();
    let ev = server.poll_event().unwrap().unwrap();
    assert!(matches!(ev, ServerEvent::Hello { .. }));
    assert!(
        server.send(r(250, "custom")).is_err(),
        "EHLO reply is built"
    );
    assert!(server.reject(r(250, "not a rejection")).is_err());
    assert!(server.send(r(354, "no")).is_err());
    server.accept().unwrap();
    server.receive(b"MAIL FROM:<a@x.test>\r\n").unwrap();
    assert!(matches!(
        server.poll_event().unwrap(),
        Some(ServerEvent::Mail { .. })
    ));
    assert!(server.auth_challenge(b"x").is_err());
    assert!(server.send(r(354, "no")).is_err());
    server.send(r(250, "2.1.0 fine")).unwrap();
    assert!(server.accept().is_err(), "answered already");
}
