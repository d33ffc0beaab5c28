//! A line-echo test machine with a STARTTLS-like switch, certificates made
//! with rcgen, and a small echo server built on `serve`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use mailwire_core::{Error, LineEnding, LineFramer, Machine, Result, TlsInfo, Transmit};
use mailwire_tokio::{CancellationToken, EndReason, Incoming, ServeConfig, serve};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// What the echo machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EchoEvent {
    /// A complete line, without CRLF.
    Line(Bytes),
    /// The TLS switch completed.
    TlsEstablished,
}

/// A line machine: frames CRLF lines, queues lines the application sends,
/// switches to TLS on request, and optionally closes itself after a period
/// without input (its own timer, driven through poll_timeout).
pub struct Echo {
    input: BytesMut,
    framer: LineFramer,
    out: Transmit,
    tls_pending: bool,
    tls_event: bool,
    tls: Option<TlsInfo>,
    closed: bool,
    timer: Option<Duration>,
    deadline: Option<Instant>,
    saw_input: bool,
    /// The most output ever queued at once.
    pub max_queued: usize,
}

impl Echo {
    pub fn new() -> Self {
        Echo {
            input: BytesMut::new(),
            framer: LineFramer::new(64 * 1024, LineEnding::Strict),
            out: Transmit::new(),
            tls_pending: false,
            tls_event: false,
            tls: None,
            closed: false,
            timer: None,
            deadline: None,
            saw_input: false,
            max_queued: 0,
        }
    }

    /// Closes itself with "TIMEOUT" after `period` without input.
    pub fn with_timer(mut self, period: Duration) -> Self {
        self.timer = Some(period);
        self.deadline = Some(Instant::now() + period);
        self
    }

    /// Queues a line.
    pub fn send_line(&mut self, line: &[u8]) {
        assert!(!self.tls_pending, "no output past the TLS switch point");
        self.out.push(line);
        self.out.push(b"\r\n");
        self.max_queued = self.max_queued.max(self.out.len());
    }

    /// Asks the driver for the TLS switch once the output is written.
    pub fn start_tls(&mut self) {
        self.tls_pending = true;
    }

    /// Ends the connection once the output is written.
    pub fn close(&mut self) {
        self.closed = true;
    }

    pub fn tls(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
    }
}

impl Machine for Echo {
    type Event = EchoEvent;

    fn input_buffer(&mut self) -> &mut BytesMut {
        &mut self.input
    }

    fn receive_eof(&mut self) -> Result<()> {
        Ok(())
    }

    fn poll_event(&mut self) -> Result<Option<EchoEvent>> {
        if self.tls_event {
            self.tls_event = false;
            return Ok(Some(EchoEvent::TlsEstablished));
        }
        if self.tls_pending || self.closed {
            return Ok(None);
        }
        let line = self.framer.next_line(&mut self.input)?;
        if line.is_some() {
            self.saw_input = true;
        }
        Ok(line.map(EchoEvent::Line))
    }

    fn poll_transmit(&self) -> Option<&[u8]> {
        self.out.pending()
    }

    fn advance_transmit(&mut self, n: usize) {
        self.out.advance(n);
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.closed { None } else { self.deadline }
    }

    fn handle_timeout(&mut self, now: Instant) {
        let Some(period) = self.timer else { return };
        if self.saw_input || !self.input.is_empty() {
            self.saw_input = false;
            self.deadline = Some(now + period);
        } else if self.deadline.is_some_and(|d| d <= now) && !self.closed {
            self.out.push(b"TIMEOUT\r\n");
            self.closed = true;
        }
    }

    fn tls_pending(&self) -> bool {
        self.tls_pending
    }

    fn tls_established(&mut self, info: TlsInfo) -> Result<()> {
        if !self.tls_pending {
            return Err(Error::local("no TLS switch pending"));
        }
        if !self.input.is_empty() {
            return Err(Error::remote_fatal("cleartext after switch", &self.input));
        }
        self.tls_pending = false;
        self.tls_event = true;
        self.tls = Some(info);
        self.framer.reset();
        Ok(())
    }

    fn is_closed(&self) -> bool {
        self.closed
    }
}

/// A self-signed certificate for localhost and 127.0.0.1, in PEM files.
pub struct TestCert {
    pub dir: tempfile::TempDir,
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
    pub der: Vec<u8>,
}

pub fn test_cert() -> TestCert {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let certified = rcgen::generate_simple_self_signed(names).expect("rcgen");
    let dir = tempfile::tempdir().expect("tempdir");
    let cert_pem = dir.path().join("cert.pem");
    let key_pem = dir.path().join("key.pem");
    std::fs::write(&cert_pem, certified.cert.pem()).unwrap();
    std::fs::write(&key_pem, certified.key_pair.serialize_pem()).unwrap();
    TestCert {
        dir,
        cert_pem,
        key_pem,
        der: certified.cert.der().to_vec(),
    }
}

pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the echo handler saw, reported per connection.
#[derive(Debug)]
pub struct Report {
    pub end: Option<EndReason>,
    pub error: Option<mailwire_tokio::Error>,
    pub tls: Option<TlsInfo>,
    pub max_queued: usize,
}

/// The echo protocol of the tests, as a server handler. Commands:
/// `QUIT`, `STARTTLS`, `TLS?`, `CB` (channel binding, hex), `SLOW`,
/// `DOUBLE x` (answers x twice on one line), anything else is echoed.
pub async fn echo_handler(
    incoming: Incoming,
    timer: Option<Duration>,
    reports: mpsc::UnboundedSender<Report>,
) {
    let mut machine = Echo::new();
    if let Some(period) = timer {
        machine = machine.with_timer(period);
    }
    let mut conn = incoming.into_connection(machine);
    conn.machine_mut().send_line(b"HELLO");
    let mut error = None;
    loop {
        match conn.next_event().await {
            Ok(Some(EchoEvent::TlsEstablished)) => {}
            Ok(Some(EchoEvent::Line(line))) => {
                let tls = conn.is_tls();
                let cb = conn.tls_info().map(|i| {
                    format!(
                        "{} {}",
                        hex(i.tls_exporter.as_deref().unwrap_or_default()),
                        hex(i.tls_server_end_point.as_deref().unwrap_or_default())
                    )
                });
                let m = conn.machine_mut();
                match &line[..] {
                    b"QUIT" => {
                        m.send_line(b"BYE");
                        m.close();
                    }
                    b"STARTTLS" => {
                        m.send_line(b"GO");
                        m.start_tls();
                    }
                    b"TLS?" => m.send_line(if tls { b"YES" } else { b"NO" }),
                    b"CB" => m.send_line(cb.unwrap_or_default().as_bytes()),
                    b"SLOW" => {
                        tokio::time::sleep(Duration::from_millis(300)).await;
                        conn.machine_mut().send_line(b"DONE");
                    }
                    l if l.starts_with(b"DOUBLE ") => {
                        let x = &l[7..];
                        m.send_line(&[x, x].concat());
                    }
                    l => m.send_line(&[&b"ECHO "[..], l].concat()),
                }
            }
            Ok(None) => break,
            Err(e) if !e.is_fatal() => {}
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    match conn.end_reason() {
        Some(EndReason::Shutdown) => conn.machine_mut().send_line(b"BYE shutdown"),
        Some(EndReason::IdleTimeout) => conn.machine_mut().send_line(b"BYE idle"),
        _ => {}
    }
    let _ = conn.close().await;
    let _ = reports.send(Report {
        end: conn.end_reason(),
        error,
        tls: conn.tls_info().cloned(),
        max_queued: conn.machine().max_queued,
    });
}

/// A running echo server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub shutdown: CancellationToken,
    pub task: JoinHandle<std::io::Result<()>>,
    pub reports: mpsc::UnboundedReceiver<Report>,
}

pub async fn start_echo_server(config: ServeConfig, timer: Option<Duration>) -> TestServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    start_echo_server_on(listener, config, timer)
}

pub fn start_echo_server_on(
    listener: TcpListener,
    config: ServeConfig,
    timer: Option<Duration>,
) -> TestServer {
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let (tx, reports) = mpsc::unbounded_channel();
    let task = tokio::spawn(serve(listener, config, shutdown.clone(), move |incoming| {
        echo_handler(incoming, timer, tx.clone())
    }));
    TestServer {
        addr,
        shutdown,
        task,
        reports,
    }
}

/// The next line event of a client-side echo connection.
pub async fn next_line<S>(conn: &mut mailwire_tokio::Connection<Echo, S>) -> String
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        match conn.next_event().await.expect("next_event") {
            Some(EchoEvent::Line(line)) => return String::from_utf8(line.to_vec()).unwrap(),
            Some(EchoEvent::TlsEstablished) => continue,
            None => panic!("connection ended: {:?}", conn.end_reason()),
        }
    }
}

/// Runs a test body with a deadline.
pub async fn within<F: std::future::Future>(secs: u64, f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .expect("test timed out")
}
