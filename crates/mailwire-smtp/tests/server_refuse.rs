//! A connection the application refuses at the greeting (RFC 5321 §3.1):
//! `554` and then only QUIT is served, or `421` and close.

#[path = "server_harness.rs"]
mod harness;

use harness::*;
use mailwire_core::Machine;
use mailwire_smtp::server::Server;

fn refused(code: u16, text: &str) -> Server {
    Server::refuse(config("mx.test"), r(code, text)).expect("a refusing code")
}

#[test]
fn after_554_only_quit_is_served() {
    let mut server = refused(554, "No SMTP service for you");
    assert!(server.is_refused());
    let client = "EHLO c.test\r\nMAIL FROM:<a@x.test>\r\nSTARTTLS\r\nAUTH PLAIN AGFAAGI=\r\n\
                  RCPT TO:<b@mx.test>\r\nDATA\r\nnot a command\r\nQUIT\r\n";
    let mut app = app(accept_all);
    let out = run_on(&mut server, &[input(client)], &mut *app);
    let no = "503 5.5.1 No service here: send QUIT\r\n";
    let expected = format!(
        "554 No SMTP service for you\r\n{}221 2.0.0 mx.test Service closing transmission channel\r\n",
        no.repeat(7)
    );
    assert_eq!(out.text(), expected);
    // The application never saw anything but the QUIT.
    assert!(
        out.seen.iter().all(|s| format!("{s:?}").contains("Quit")),
        "{:?}",
        out.seen
    );
    assert!(out.closed);
}

#[test]
fn after_554_bad_commands_are_still_bounded() {
    let mut server = refused(554, "No service");
    let limit = server.config().limits.max_bad_commands as usize;
    let client = "NOOP\r\n".repeat(limit + 5);
    let mut app = app(|ev, _| panic!("no event expected, got {ev:?}"));
    let out = run_on(&mut server, &[input(client)], &mut *app);
    let text = out.text();
    assert_eq!(text.matches("503 ").count(), limit, "{text}");
    assert!(
        text.ends_with("421 4.7.0 Too many errors, closing connection\r\n"),
        "{text}"
    );
    assert!(out.closed);
}

#[test]
fn a_421_greeting_closes_at_once() {
    let mut server = refused(421, "mx.test Too busy, try later");
    assert_eq!(
        server.poll_transmit().unwrap(),
        b"421 mx.test Too busy, try later\r\n"
    );
    assert!(server.is_closed());
    server.receive(b"EHLO c.test\r\n").unwrap();
    assert!(matches!(server.poll_event(), Ok(None)));
}

#[test]
fn other_codes_cannot_refuse() {
    for code in [220, 250, 450, 550, 503] {
        assert!(
            Server::refuse(config("mx.test"), r(code, "x")).is_err(),
            "{code}"
        );
    }
}

#[test]
fn the_normal_greeting_is_220() {
    let server = Server::new(config("mx.test"));
    assert!(!server.is_refused());
    let text = String::from_utf8(server.poll_transmit().unwrap().to_vec()).unwrap();
    assert!(text.starts_with("220 "), "{text}");
}
