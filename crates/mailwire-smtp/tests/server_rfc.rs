//! RFC 5321 appendix D scenarios from the server's side, byte-exact, fed
//! split at every byte boundary.

#[path = "server_harness.rs"]
mod harness;

use harness::*;
use mailwire_smtp::server::{Extensions, Inquiry, ServerConfig, ServerEvent};
use mailwire_smtp::{Capability, EhloParam, Keyword, Text};

/// foo.com as in appendix D: 8BITMIME, SIZE, DSN, [VRFY,] HELP, no
/// enhanced status codes.
fn foo_com(vrfy: bool) -> ServerConfig {
    let mut c = config("foo.com");
    c.greeting = Text::new("Simple Mail Transfer Service Ready").unwrap();
    c.ehlo_greeting = Some(Text::new("greets bar.com").unwrap());
    let mut ext = Extensions::default();
    ext.size = false;
    ext.pipelining = false;
    ext.smtputf8 = false;
    ext.chunking = false;
    ext.dsn = false;
    ext.enhanced_status_codes = false;
    c.extensions = ext;
    let kw = |k: &str| Capability::Other {
        keyword: Keyword::new(k).unwrap(),
        params: Vec::<EhloParam>::new(),
    };
    c.extra_capabilities = vec![Capability::Size(None), Capability::Dsn];
    if vrfy {
        c.extra_capabilities.push(kw("VRFY"));
        c.vrfy = Inquiry::Ask;
    }
    c.extra_capabilities.push(kw("HELP"));
    c
}

/// The foo.com application of appendix D: Green is unknown, VRFY Crispin
/// answers with the full name.
fn foo_app(ev: &ServerEvent, s: &mut mailwire_smtp::Server) {
    match ev {
        ServerEvent::Rcpt { to, .. } if to.mailbox().is_some_and(|m| m.local_part() == "Green") => {
            s.reject(r(550, "No such user here")).unwrap()
        }
        ServerEvent::Mail { .. } | ServerEvent::Rcpt { .. } | ServerEvent::DataEnd { .. } => {
            s.send(r(250, "OK")).unwrap()
        }
        ServerEvent::DataStart { .. } => s
            .send(r(354, "Start mail input; end with <CRLF>.<CRLF>"))
            .unwrap(),
        ServerEvent::Vrfy(who) if who.as_str() == "Crispin" => {
            s.send(r(250, "Mark Crispin <Admin.MRC@foo.com>")).unwrap()
        }
        other => accept_all(other, s),
    }
}

const EHLO_D: &str =
    "250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n";

#[test]
fn d1_typical_transaction() {
    let client = "EHLO bar.com\r\nMAIL FROM:<Smith@bar.com>\r\nRCPT TO:<Jones@foo.com>\r\n\
                  RCPT TO:<Green@foo.com>\r\nRCPT TO:<Brown@foo.com>\r\nDATA\r\n\
                  Blah blah blah...\r\n...etc. etc. etc.\r\n.\r\nQUIT\r\n";
    let out = run_split(&foo_com(false), &[input(client)], &|| app(foo_app));
    let expected = format!(
        "220 foo.com Simple Mail Transfer Service Ready\r\n{EHLO_D}250 OK\r\n250 OK\r\n\
         550 No such user here\r\n250 OK\r\n354 Start mail input; end with <CRLF>.<CRLF>\r\n\
         250 OK\r\n221 foo.com Service closing transmission channel\r\n"
    );
    assert_eq!(out.text(), expected);
    assert_eq!(out.body(), b"Blah blah blah...\r\n..etc. etc. etc.\r\n");
    assert!(out.closed);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert!(out.saw("Quit"));
}

#[test]
fn d2_aborted_transaction() {
    let client = "EHLO bar.com\r\nMAIL FROM:<Smith@bar.com>\r\nRCPT TO:<Jones@foo.com>\r\n\
                  RCPT TO:<Green@foo.com>\r\nRSET\r\nQUIT\r\n";
    let out = run_split(&foo_com(false), &[input(client)], &|| app(foo_app));
    let expected = format!(
        "220 foo.com Simple Mail Transfer Service Ready\r\n{EHLO_D}250 OK\r\n250 OK\r\n\
         550 No such user here\r\n250 OK\r\n221 foo.com Service closing transmission channel\r\n"
    );
    assert_eq!(out.text(), expected);
    assert!(out.saw("Reset"));
    assert!(out.body().is_empty());
}

#[test]
fn d3_relayed_mail_both_legs() {
    let first = "EHLO bar.com\r\nMAIL FROM:<JQP@bar.com>\r\nRCPT TO:<Jones@XYZ.COM>\r\nDATA\r\n\
                 Date: Thu, 21 May 1998 05:33:29 -0700\r\nFrom: John Q. Public <JQP@bar.com>\r\n\
                 Subject: The Next Meeting of the Board\r\nTo: Jones@xyz.com\r\n\r\nBill:\r\n\
                 The next meeting of the board of directors will be\r\non Tuesday.\r\n\
                 John.\r\n.\r\nQUIT\r\n";
    let out = run_split(&foo_com(false), &[input(first)], &|| app(foo_app));
    let expected = format!(
        "220 foo.com Simple Mail Transfer Service Ready\r\n{EHLO_D}250 OK\r\n250 OK\r\n\
         354 Start mail input; end with <CRLF>.<CRLF>\r\n250 OK\r\n\
         221 foo.com Service closing transmission channel\r\n"
    );
    assert_eq!(out.text(), expected);
    assert!(out.body().ends_with(b"on Tuesday.\r\nJohn.\r\n"));

    // The relay leg: xyz.com announces no extension at all.
    let mut xyz = config("xyz.com");
    xyz.greeting = Text::new("Simple Mail Transfer Service Ready").unwrap();
    xyz.ehlo_greeting = Some(Text::new("is on the air").unwrap());
    let mut ext = Extensions::default();
    ext.size = false;
    ext.pipelining = false;
    ext.eight_bit_mime = false;
    ext.smtputf8 = false;
    ext.chunking = false;
    ext.dsn = false;
    ext.enhanced_status_codes = false;
    xyz.extensions = ext;
    let second = "EHLO foo.com\r\nMAIL FROM:<JQP@bar.com>\r\nRCPT TO:<Jones@XYZ.COM>\r\nDATA\r\n\
                  Received: from bar.com by foo.com ; Thu, 21 May 1998\r\n    05:33:29 -0700\r\n\
                  Date: Thu, 21 May 1998 05:33:22 -0700\r\n\r\nBill:\r\n                        John.\r\n\
                  .\r\nQUIT\r\n";
    let out = run_split(&xyz, &[input(second)], &|| app(foo_app));
    assert_eq!(
        out.text(),
        "220 xyz.com Simple Mail Transfer Service Ready\r\n250 xyz.com is on the air\r\n\
         250 OK\r\n250 OK\r\n354 Start mail input; end with <CRLF>.<CRLF>\r\n250 OK\r\n\
         221 xyz.com Service closing transmission channel\r\n"
    );
    assert!(
        out.body()
            .starts_with(b"Received: from bar.com by foo.com ;")
    );
}

#[test]
fn d4_verifying_and_sending() {
    let client = "EHLO bar.com\r\nVRFY Crispin\r\nMAIL FROM:<EAK@bar.com>\r\n\
                  RCPT TO:<Admin.MRC@foo.com>\r\nDATA\r\nBlah blah blah...\r\n\
                  ...etc. etc. etc.\r\n.\r\nQUIT\r\n";
    let out = run_split(&foo_com(true), &[input(client)], &|| app(foo_app));
    assert_eq!(
        out.text(),
        "220 foo.com Simple Mail Transfer Service Ready\r\n250-foo.com greets bar.com\r\n\
         250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250-VRFY\r\n250 HELP\r\n\
         250 Mark Crispin <Admin.MRC@foo.com>\r\n250 OK\r\n250 OK\r\n\
         354 Start mail input; end with <CRLF>.<CRLF>\r\n250 OK\r\n\
         221 foo.com Service closing transmission channel\r\n"
    );
}

#[test]
fn default_ehlo_reply_and_machine_replies() {
    let mut c = config("mx.example.org");
    c.ehlo_greeting = None;
    let client = "EHLO c.example\r\nNOOP\r\nVRFY x\r\nEXPN y\r\nHELP\r\nRSET\r\nQUIT\r\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert_eq!(
        out.text(),
        "220 mx.example.org ESMTP ready\r\n250-mx.example.org\r\n250-8BITMIME\r\n\
         250-SIZE 26214400\r\n250-DSN\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n\
         250-CHUNKING\r\n250 SMTPUTF8\r\n250 2.0.0 OK\r\n\
         252 2.5.0 Cannot verify the user, but will accept the message and attempt delivery\r\n\
         252 2.5.0 Cannot verify the user, but will accept the message and attempt delivery\r\n\
         214 2.0.0 See RFC 5321\r\n250 2.0.0 OK\r\n\
         221 2.0.0 mx.example.org Service closing transmission channel\r\n"
    );
}

#[test]
fn helo_gets_a_plain_reply_and_no_esmtp_parameters() {
    let c = config("mx.example.org");
    let client =
        "HELO c.example\r\nMAIL FROM:<a@b.example> SIZE=10\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n";
    let out = run_split(&c, &[input(client)], &|| app(accept_all));
    assert_eq!(
        out.text(),
        "220 mx.example.org ESMTP ready\r\n250 mx.example.org\r\n\
         555 5.5.4 MAIL FROM parameter not recognized or not implemented\r\n\
         250 2.1.0 Sender OK\r\n\
         221 2.0.0 mx.example.org Service closing transmission channel\r\n"
    );
}
