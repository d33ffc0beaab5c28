//! A whole pipelined session recorded from the pair, replayed into fresh
//! machines with the input split at every byte boundary: same output,
//! same events.

mod common;

use common::{App, Pair, Seen, run_client, run_server};
use mailwire_pop3::types::MsgNum;
use mailwire_pop3::{Client, ClientConfig, ClientEvent, Server, ServerConfig};

fn n(i: u32) -> MsgNum {
    MsgNum::new(i).unwrap()
}

fn messages() -> Vec<Vec<u8>> {
    vec![
        b"Subject: a\r\n\r\n.\r\n..\r\nx\r\n".to_vec(),
        b"Subject: b\r\n\r\nl1\r\nl2\r\n".to_vec(),
    ]
}

fn client() -> Client {
    let mut c = ClientConfig::new();
    c.implicit_tls = true;
    Client::new(c)
}

fn server() -> Server {
    let mut c = ServerConfig::new();
    c.implicit_tls = true;
    Server::new(c)
}

fn script(c: &mut Client, e: &ClientEvent) {
    match e {
        ClientEvent::Capabilities(_) => c.login("alice", "pw").unwrap(),
        ClientEvent::LoggedIn => {
            c.stat().unwrap();
            c.list(None).unwrap();
            c.uidl(None).unwrap();
            c.retr(n(1)).unwrap();
            c.top(n(2), 1).unwrap();
            c.dele(n(2)).unwrap();
            c.rset().unwrap();
            c.dele(n(1)).unwrap();
            c.quit().unwrap();
        }
        _ => {}
    }
}

#[test]
fn recorded_session_replayed_at_every_split() {
    let mut pair = Pair::new(client(), server(), App::new("alice", "pw", messages()));
    pair.run(script);
    assert!(pair.seen.errors.is_empty() && pair.server_errors.is_empty());
    let c2s = pair.c2s.concat();
    let s2c = pair.s2c.concat();
    let reference_events = pair.seen.events.clone();
    let reference_bodies = pair.seen.bodies.clone();
    assert_eq!(reference_bodies.len(), 2);

    for k in 0..=s2c.len() {
        let (a, b) = s2c.split_at(k);
        let mut c = client();
        let mut seen = Seen::default();
        let out = run_client(&mut c, &mut seen, &[a, b], script);
        assert!(seen.errors.is_empty(), "split {k}: {:?}", seen.errors);
        assert_eq!(out, c2s, "split {k}");
        assert_eq!(seen.events, reference_events, "split {k}");
        assert_eq!(seen.bodies, reference_bodies, "split {k}");
    }
    for k in 0..=c2s.len() {
        let (a, b) = c2s.split_at(k);
        let mut s = server();
        let mut app = App::new("alice", "pw", messages());
        let (out, err) = run_server(&mut s, &mut app, &[a, b]);
        assert!(err.is_none(), "split {k}: {err:?}");
        assert_eq!(out, s2c, "split {k}");
        assert_eq!(app.updates, pair.app.updates);
    }
}
