//! Shared by the server tests (included with `#[path]`): runs a transcript
//! through a [`Server`] with a scripted application on a virtual clock,
//! and checks that every way of splitting the input gives the same result.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use mailwire_core::{Machine, TlsInfo};
use mailwire_smtp::server::{Server, ServerConfig, ServerEvent};
use mailwire_smtp::{Host, Reply};

/// One step of a transcript.
#[derive(Clone, Debug)]
pub enum Step {
    /// Bytes from the client.
    Input(Vec<u8>),
    /// The driver completed the TLS handshake.
    Tls(TlsInfo),
    /// The client closed its side.
    Eof,
    /// The virtual clock moves on.
    Wait(Duration),
}

/// Shorthand for an input step.
pub fn input(s: impl AsRef<[u8]>) -> Step {
    Step::Input(s.as_ref().to_vec())
}

/// What the application saw, with body chunks merged (their cut depends on
/// how the input was split).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seen {
    /// An event other than a body chunk, in Debug form.
    Event(String),
    /// Body bytes received in a row.
    Body(Vec<u8>),
}

/// The result of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Everything the server wrote.
    pub output: Vec<u8>,
    /// What the application saw.
    pub seen: Vec<Seen>,
    /// Errors from `poll_event` / `tls_established`, in Display form.
    pub errors: Vec<String>,
    /// Whether the machine closed.
    pub closed: bool,
    /// Whether the machine asked for TLS and it was not given yet at the end.
    pub tls_pending: bool,
}

impl Outcome {
    /// The output as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }

    /// The body bytes delivered, all messages together.
    pub fn body(&self) -> Vec<u8> {
        let mut v = Vec::new();
        for s in &self.seen {
            if let Seen::Body(b) = s {
                v.extend_from_slice(b);
            }
        }
        v
    }

    /// Whether an event whose Debug form starts with `prefix` was seen.
    pub fn saw(&self, prefix: &str) -> bool {
        self.seen
            .iter()
            .any(|s| matches!(s, Seen::Event(e) if e.starts_with(prefix)))
    }
}

/// The application: answers an event through the server.
pub type App<'a> = dyn FnMut(&ServerEvent, &mut Server) + 'a;

/// Accepts every event that waits for an answer.
pub fn accept_all(ev: &ServerEvent, server: &mut Server) {
    if let ServerEvent::DataEnd { recipients } = ev {
        // LMTP: one answer per accepted recipient.
        for _ in 0..*recipients {
            server.accept().expect("accept the message");
        }
    } else if needs_answer(ev) {
        server.accept().expect("accept fits the event");
    }
}

/// Whether the event waits for the application.
pub fn needs_answer(ev: &ServerEvent) -> bool {
    matches!(
        ev,
        ServerEvent::Hello { .. }
            | ServerEvent::Mail { .. }
            | ServerEvent::Rcpt { .. }
            | ServerEvent::DataStart { .. }
            | ServerEvent::DataEnd { .. }
            | ServerEvent::Vrfy(_)
            | ServerEvent::Expn(_)
            | ServerEvent::Help(_)
            | ServerEvent::Auth { .. }
            | ServerEvent::AuthResponse(_)
    )
}

/// A reply from a code and text.
pub fn r(code: u16, text: &str) -> Reply {
    Reply::with_text(code, text).unwrap()
}

/// A config for `host` with the defaults.
pub fn config(host: &str) -> ServerConfig {
    ServerConfig::new(Host::try_from(host).unwrap())
}

/// Runs the transcript once, feeding each input step as given.
pub fn run(config: &ServerConfig, steps: &[Step], app: &mut App<'_>) -> Outcome {
    let mut server = Server::new(config.clone());
    run_on(&mut server, steps, app)
}

/// Runs the transcript on an existing server.
pub fn run_on(server: &mut Server, steps: &[Step], app: &mut App<'_>) -> Outcome {
    let mut now = Instant::now();
    let mut out = Outcome {
        output: Vec::new(),
        seen: Vec::new(),
        errors: Vec::new(),
        closed: false,
        tls_pending: false,
    };
    server.handle_timeout(now);
    drain(server, &mut out, app);
    for step in steps {
        if out.errors.iter().any(|e| e.starts_with("fatal")) {
            break;
        }
        match step {
            Step::Input(bytes) => {
                if server.is_closed() {
                    continue;
                }
                server.receive(bytes).unwrap();
                server.handle_timeout(now);
            }
            Step::Tls(info) => {
                if let Err(e) = server.tls_established(info.clone()) {
                    out.errors.push(format!("fatal: {}", what(&e)));
                }
            }
            Step::Eof => server.receive_eof().unwrap(),
            Step::Wait(d) => {
                now += *d;
                server.handle_timeout(now);
            }
        }
        drain(server, &mut out, app);
        // As a driver does: a deadline already due is handled at once.
        if server.poll_timeout().is_some_and(|d| d <= now) {
            server.handle_timeout(now);
            drain(server, &mut out, app);
        }
    }
    out.closed = server.is_closed();
    out.tls_pending = server.tls_pending();
    out
}

fn drain(server: &mut Server, out: &mut Outcome, app: &mut App<'_>) {
    loop {
        let ev = match server.poll_event() {
            Ok(Some(ev)) => ev,
            Ok(None) => {
                if take_output(server, out) {
                    continue;
                }
                break;
            }
            Err(e) => {
                let fatal = e.is_fatal();
                out.errors.push(format!(
                    "{}{}",
                    if fatal { "fatal: " } else { "" },
                    what(&e)
                ));
                take_output(server, out);
                if fatal {
                    break;
                }
                continue;
            }
        };
        match &ev {
            ServerEvent::DataChunk(b) => match out.seen.last_mut() {
                Some(Seen::Body(v)) => v.extend_from_slice(b),
                _ => out.seen.push(Seen::Body(b.to_vec())),
            },
            other => out.seen.push(Seen::Event(format!("{other:?}"))),
        }
        app(&ev, server);
        take_output(server, out);
    }
    take_output(server, out);
}

/// An error without the offending bytes, which depend on how the input
/// was cut.
fn what(e: &mailwire_core::Error) -> String {
    match e {
        mailwire_core::Error::Remote(r) => r.reason().to_string(),
        other => other.to_string(),
    }
}

/// Moves the server's output into `out`; whether there was any.
fn take_output(server: &mut Server, out: &mut Outcome) -> bool {
    let Some(data) = server.poll_transmit() else {
        return false;
    };
    let n = data.len();
    out.output.extend_from_slice(data);
    server.advance_transmit(n);
    n > 0
}

/// Runs the transcript whole, a byte at a time, and split in two at every
/// byte boundary of every input step; all runs must give the same outcome,
/// which is returned.
pub fn run_split(
    config: &ServerConfig,
    steps: &[Step],
    make_app: &dyn Fn() -> Box<App<'static>>,
) -> Outcome {
    run_split_with(config, steps, make_app, true)
}

/// Runs the transcript whole and a byte at a time (every byte boundary in
/// one run): for transcripts whose application is slow (password hashing).
pub fn run_bytewise(
    config: &ServerConfig,
    steps: &[Step],
    make_app: &dyn Fn() -> Box<App<'static>>,
) -> Outcome {
    run_split_with(config, steps, make_app, false)
}

fn run_split_with(
    config: &ServerConfig,
    steps: &[Step],
    make_app: &dyn Fn() -> Box<App<'static>>,
    two_piece: bool,
) -> Outcome {
    let whole = run(config, steps, &mut *make_app());
    // A byte at a time.
    let bytewise: Vec<Step> = steps
        .iter()
        .flat_map(|s| match s {
            Step::Input(b) => b.iter().map(|&c| Step::Input(vec![c])).collect(),
            other => vec![other.clone()],
        })
        .collect();
    let got = run(config, &bytewise, &mut *make_app());
    assert_eq!(got, whole, "fed a byte at a time");
    if !two_piece {
        return whole;
    }
    // Every two-piece split of every input step.
    for (i, step) in steps.iter().enumerate() {
        let Step::Input(bytes) = step else { continue };
        for cut in 1..bytes.len() {
            let mut split = steps[..i].to_vec();
            split.push(Step::Input(bytes[..cut].to_vec()));
            split.push(Step::Input(bytes[cut..].to_vec()));
            split.extend_from_slice(&steps[i + 1..]);
            let got = run(config, &split, &mut *make_app());
            assert_eq!(got, whole, "split step {i} at byte {cut}");
        }
    }
    whole
}

/// Boxes an application for [`run_split`].
pub fn app(f: impl FnMut(&ServerEvent, &mut Server) + 'static) -> Box<App<'static>> {
    Box::new(f)
}
