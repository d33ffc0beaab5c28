//! The scripted-server harness of the client tests: the client's bytes
//! compared exactly, and every script replayed with the server's bytes
//! split at every boundary.
#![allow(dead_code)]

use mailwire_core::{Error, Machine, TlsInfo};
use mailwire_smtp::client::{Client, ClientConfig, ClientEvent, TlsPolicy};
use mailwire_smtp::{Host, Mailbox};

/// One step of a conversation.
pub enum Step {
    /// The server sends these bytes.
    S(&'static [u8]),
    /// The client must have written exactly these bytes since the last `C`.
    C(&'static [u8]),
    /// The application acts.
    App(fn(&mut Client)),
    /// The driver completes the TLS handshake.
    Tls,
}
pub use Step::*;

#[derive(Clone, Copy, Debug)]
pub enum Split {
    Whole,
    At(usize),
    Bytewise,
}

pub fn mbox(s: &str) -> Mailbox {
    Mailbox::new(s).unwrap()
}

pub fn config(host: &str) -> ClientConfig {
    let mut c = ClientConfig::new(Host::try_from(host).unwrap());
    c.tls = TlsPolicy::None;
    c
}

pub fn drain(c: &mut Client) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(d) = c.poll_transmit() {
        let n = d.len();
        out.extend_from_slice(d);
        c.advance_transmit(n);
    }
    out
}

/// Runs `steps`; returns the events and the first error of `poll_event`.
pub fn run(
    config: ClientConfig,
    steps: &[Step],
    split: Split,
) -> (Vec<ClientEvent>, Option<Error>) {
    let mut client = Client::new(config);
    let mut events = Vec::new();
    let mut error = None;
    let mut poll = |client: &mut Client, events: &mut Vec<ClientEvent>| loop {
        match client.poll_event() {
            Ok(Some(e)) => events.push(e),
            Ok(None) => break,
            Err(e) => {
                error.get_or_insert(e);
                break;
            }
        }
    };
    for (n, step) in steps.iter().enumerate() {
        match step {
            S(bytes) => {
                let pieces: Vec<&[u8]> = match split {
                    Split::Whole => vec![bytes],
                    Split::At(k) => {
                        let k = k.min(bytes.len());
                        vec![&bytes[..k], &bytes[k..]]
                    }
                    Split::Bytewise => bytes.chunks(1).collect(),
                };
                for p in pieces {
                    client.receive(p).unwrap();
                    poll(&mut client, &mut events);
                }
            }
            C(expected) => {
                let got = drain(&mut client);
                assert_eq!(
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(expected),
                    "step {n} ({split:?})"
                );
            }
            App(f) => {
                f(&mut client);
                poll(&mut client, &mut events);
            }
            Tls => {
                assert!(client.tls_pending(), "step {n}");
                client
                    .tls_established(TlsInfo::new().with_tls_exporter(vec![7; 32]))
                    .unwrap();
                poll(&mut client, &mut events);
            }
        }
    }
    let rest = drain(&mut client);
    assert!(
        rest.is_empty(),
        "unexpected output {:?}",
        String::from_utf8_lossy(&rest)
    );
    (events, error)
}

/// Runs the script whole, then split at every boundary of every server
/// step, then a byte at a time: the client must behave the same.
pub fn run_all_splits(config: ClientConfig, steps: &[Step]) -> (Vec<ClientEvent>, Option<Error>) {
    let reference = run(config.clone(), steps, Split::Whole);
    let longest = steps
        .iter()
        .map(|s| match s {
            S(b) => b.len(),
            _ => 0,
        })
        .max()
        .unwrap_or(0);
    for k in 0..=longest {
        let got = run(config.clone(), steps, Split::At(k));
        assert_eq!(got, reference, "split at {k}");
    }
    assert_eq!(run(config, steps, Split::Bytewise), reference, "bytewise");
    reference
}

pub fn codes(events: &[ClientEvent]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            ClientEvent::Greeting(r) => format!("greeting {}", r.code),
            ClientEvent::Ready { capabilities } => {
                format!(
                    "ready {}",
                    capabilities.as_ref().map_or(0, |c| c.capabilities.len())
                )
            }
            ClientEvent::StartTls => "starttls".into(),
            ClientEvent::Authenticated { mechanism } => format!("auth {mechanism}"),
            ClientEvent::AuthFailed { reply, .. } => format!("authfail {}", reply.code),
            ClientEvent::RecipientResult { rcpt, reply } => format!("rcpt {rcpt:?} {}", reply.code),
            ClientEvent::MessageResult { per_recipient } => format!(
                "message {}",
                per_recipient
                    .iter()
                    .map(|(r, rep)| format!("{r:?}={}", rep.code))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            ClientEvent::TransactionFailed { reply } => format!("failed {}", reply.code),
            ClientEvent::Done { command, reply } => format!("{command} {}", reply.code),
            ClientEvent::Closed(r) => format!("closed {:?}", r.as_ref().map(|r| r.code.get())),
            other => format!("{other:?}"),
        })
        .collect()
}
