//! The client's response timeout: it runs only while an answer is
//! expected, restarts on every byte that arrives or leaves, and ends the
//! connection with a fatal error when the server stays silent.

use std::time::{Duration, Instant};

use mailwire_core::{Error, Machine};
use mailwire_pop3::types::{Arg, MsgNum, Password};
use mailwire_pop3::{Client, ClientConfig, ClientEvent};

const T: Duration = Duration::from_secs(300);

fn client() -> Client {
    let mut config = ClientConfig::new();
    config.auto_capa = false;
    Client::new(config)
}

/// A client in TRANSACTION state at `t0` (under implicit TLS, so that
/// USER/PASS is allowed), with nothing in flight.
fn logged_in(t0: Instant) -> Client {
    let mut config = ClientConfig::new();
    config.auto_capa = false;
    config.implicit_tls = true;
    let mut c = Client::new(config);
    c.handle_timeout(t0);
    c.receive(b"+OK ready\r\n").unwrap();
    drain(&mut c);
    c.login_user_pass(Arg::new("u").unwrap(), Password::new("p").unwrap())
        .unwrap();
    assert_eq!(take_output(&mut c), b"USER u\r\n");
    c.receive(b"+OK\r\n").unwrap();
    drain(&mut c);
    assert_eq!(take_output(&mut c), b"PASS p\r\n");
    c.receive(b"+OK\r\n").unwrap();
    assert!(matches!(drain(&mut c)[..], [ClientEvent::LoggedIn]));
    c.handle_timeout(t0);
    assert_eq!(c.poll_timeout(), None);
    c
}

fn drain(c: &mut Client) -> Vec<ClientEvent> {
    let mut out = Vec::new();
    while let Some(e) = c.poll_event().expect("no error") {
        out.push(e);
    }
    out
}

fn take_output(c: &mut Client) -> Vec<u8> {
    let out = c.poll_transmit().unwrap_or_default().to_vec();
    c.advance_transmit(out.len());
    out
}

fn expect_timeout(c: &mut Client) -> Error {
    let err = c.poll_event().expect_err("the timeout is reported");
    assert!(err.is_fatal(), "{err:?}");
    assert!(c.is_closed());
    assert_eq!(c.poll_timeout(), None);
    err
}

#[test]
fn default_is_five_minutes() {
    assert_eq!(ClientConfig::new().response_timeout, Some(T));
}

#[test]
fn silent_server_times_out_waiting_for_the_greeting() {
    let mut c = client();
    let t0 = Instant::now();
    c.handle_timeout(t0);
    assert_eq!(c.poll_timeout(), Some(t0 + T));
    c.handle_timeout(t0 + T - Duration::from_secs(1));
    assert!(c.poll_event().unwrap().is_none());
    assert!(!c.is_closed());
    c.handle_timeout(t0 + T);
    let err = expect_timeout(&mut c);
    assert!(err.to_string().contains("did not answer in time"), "{err}");
}

#[test]
fn no_deadline_while_nothing_is_expected_and_each_command_starts_one() {
    let t0 = Instant::now();
    let mut c = logged_in(t0);
    // Idle: nothing in flight, so no timer, however long the pause.
    c.handle_timeout(t0 + Duration::from_secs(5000));
    assert_eq!(c.poll_timeout(), None);
    assert!(!c.is_closed());

    // A command is written: the wait for its answer starts then.
    c.noop().unwrap();
    assert_eq!(take_output(&mut c), b"NOOP\r\n");
    let t1 = t0 + Duration::from_secs(6000);
    c.handle_timeout(t1);
    assert_eq!(c.poll_timeout(), Some(t1 + T));
    c.handle_timeout(t1 + T - Duration::from_secs(1));
    assert!(c.poll_event().unwrap().is_none());
    c.handle_timeout(t1 + T);
    expect_timeout(&mut c);
}

#[test]
fn an_answer_ends_the_wait() {
    let t0 = Instant::now();
    let mut c = logged_in(t0);
    c.noop().unwrap();
    take_output(&mut c);
    c.handle_timeout(t0);
    c.receive(b"+OK\r\n").unwrap();
    assert_eq!(drain(&mut c).len(), 1);
    c.handle_timeout(t0 + Duration::from_secs(1));
    assert_eq!(c.poll_timeout(), None);
    c.handle_timeout(t0 + 10 * T);
    assert!(!c.is_closed());
}

#[test]
fn bytes_of_a_long_answer_keep_the_wait_alive() {
    let t0 = Instant::now();
    let mut c = logged_in(t0);
    c.retr(MsgNum::new(1).unwrap()).unwrap();
    take_output(&mut c);
    c.handle_timeout(t0);
    c.receive(b"+OK 1000 octets\r\n").unwrap();
    // A slow body: a piece every four minutes, each inside the timeout.
    let mut now = t0;
    for i in 0..5 {
        now += Duration::from_secs(240);
        c.handle_timeout(now);
        assert!(!c.is_closed(), "piece {i}");
        c.receive(b"a line of the body\r\n").unwrap();
        drain(&mut c);
        c.handle_timeout(now);
        assert_eq!(c.poll_timeout(), Some(now + T));
    }
    c.receive(b".\r\n").unwrap();
    let events = drain(&mut c);
    assert!(
        matches!(events.last(), Some(ClientEvent::RetrEnd)),
        "{events:?}"
    );
    c.handle_timeout(now + Duration::from_secs(1));
    assert_eq!(c.poll_timeout(), None);
}

#[test]
fn a_stalled_body_times_out() {
    let t0 = Instant::now();
    let mut c = logged_in(t0);
    c.retr(MsgNum::new(1).unwrap()).unwrap();
    take_output(&mut c);
    c.receive(b"+OK\r\nhalf a bo").unwrap();
    let t1 = t0 + Duration::from_secs(1);
    c.handle_timeout(t1);
    let events = drain(&mut c);
    assert!(
        matches!(events[0], ClientEvent::RetrStart { .. }),
        "{events:?}"
    );
    c.handle_timeout(t1 + T);
    expect_timeout(&mut c);
}

#[test]
fn none_waits_forever() {
    let mut config = ClientConfig::new();
    config.response_timeout = None;
    let mut c = Client::new(config);
    let t0 = Instant::now();
    c.handle_timeout(t0);
    assert_eq!(c.poll_timeout(), None);
    c.handle_timeout(t0 + Duration::from_secs(86_400));
    assert!(c.poll_event().unwrap().is_none());
    assert!(!c.is_closed());
}
