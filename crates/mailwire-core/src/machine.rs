//! The shape every mailwire state machine shares, so that one driver (the
//! `mailwire-tokio` crate, or your own loop) can run any of them.
//!
//! A machine never does I/O and never reads the clock. The driver:
//!
//! 1. hands it bytes from the peer ([`Machine::receive`], or by reading
//!    straight into [`Machine::input_buffer`]) and the end of the stream
//!    ([`Machine::receive_eof`]);
//! 2. tells it the time ([`Machine::handle_timeout`]) when it starts, after
//!    every input, after every write, and whenever the deadline from
//!    [`Machine::poll_timeout`] has passed;
//! 3. pulls events ([`Machine::poll_event`]) and lets the application answer
//!    them through the machine's own typed methods;
//! 4. writes out what [`Machine::poll_transmit`] returns and reports it with
//!    [`Machine::advance_transmit`];
//! 5. when [`Machine::tls_pending`] is true and all output has been written,
//!    performs the TLS handshake on the same stream and calls
//!    [`Machine::tls_established`];
//! 6. closes the connection once [`Machine::is_closed`] is true and all
//!    output has been written.

use std::time::Instant;

use bytes::BytesMut;

use crate::error::Result;

/// A sans-IO protocol state machine (client or server side).
pub trait Machine {
    /// What the machine reports to the application.
    type Event;

    /// Appends bytes received from the peer.
    fn receive(&mut self, data: &[u8]) -> Result<()> {
        self.input_buffer().extend_from_slice(data);
        Ok(())
    }

    /// The buffer the machine parses from; a driver may read from the socket
    /// straight into it (one copy, no more).
    fn input_buffer(&mut self) -> &mut BytesMut;

    /// The peer closed its sending side.
    fn receive_eof(&mut self) -> Result<()>;

    /// The next event, or `Ok(None)` when the machine needs more input (or
    /// an answer from the application) before it can say more.
    fn poll_event(&mut self) -> Result<Option<Self::Event>>;

    /// Bytes waiting to be written to the peer.
    fn poll_transmit(&self) -> Option<&[u8]>;

    /// `n` bytes of [`poll_transmit`](Self::poll_transmit) were written.
    fn advance_transmit(&mut self, n: usize);

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    fn poll_timeout(&self) -> Option<Instant>;

    /// Tells the machine the current time. Call it once at the start, after
    /// every input, after every write (so a machine can start the clock on
    /// an answer it now waits for), and when the deadline of
    /// [`poll_timeout`](Self::poll_timeout) has come. Extra calls are
    /// harmless.
    fn handle_timeout(&mut self, now: Instant);

    /// The machine reached a TLS switch point (STARTTLS, STLS): write all
    /// pending output, then perform the handshake and call
    /// [`tls_established`](Self::tls_established). Until then the machine
    /// refuses to go on.
    fn tls_pending(&self) -> bool {
        false
    }

    /// The TLS handshake completed; everything learned before it is
    /// forgotten by the machine.
    fn tls_established(&mut self, info: TlsInfo) -> Result<()>;

    /// Whether the connection is over: after the remaining output has been
    /// written, the driver closes it.
    fn is_closed(&self) -> bool;
}

/// What a machine learns about a TLS session that was established under it.
///
/// The channel-binding values feed SASL `-PLUS` mechanisms (RFC 5802 §6):
/// `tls-exporter` (RFC 9266) and `tls-server-end-point` (RFC 5929 §4).
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsInfo {
    /// 32 bytes exported with the label `EXPORTER-Channel-Binding` and no
    /// context (RFC 9266 §2), when the TLS version allows it.
    pub tls_exporter: Option<Vec<u8>>,
    /// The hash of the server's certificate (RFC 5929 §4.1).
    pub tls_server_end_point: Option<Vec<u8>>,
    /// The negotiated application protocol (ALPN), if any.
    pub alpn: Option<Vec<u8>>,
}

impl TlsInfo {
    /// TLS information with no channel-binding data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the `tls-exporter` channel-binding data.
    pub fn with_tls_exporter(mut self, data: Vec<u8>) -> Self {
        self.tls_exporter = Some(data);
        self
    }

    /// Sets the `tls-server-end-point` channel-binding data.
    pub fn with_tls_server_end_point(mut self, data: Vec<u8>) -> Self {
        self.tls_server_end_point = Some(data);
        self
    }
}

impl std::fmt::Debug for TlsInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Channel-binding data is not secret, but it is noise in logs.
        f.debug_struct("TlsInfo")
            .field("tls_exporter", &self.tls_exporter.as_ref().map(|_| ".."))
            .field(
                "tls_server_end_point",
                &self.tls_server_end_point.as_ref().map(|_| ".."),
            )
            .field("alpn", &self.alpn)
            .finish()
    }
}

/// Bytes queued for the peer, with a cursor for partial writes.
///
/// Machines use it for their output; it compacts itself so that a long
/// connection does not keep growing it.
#[derive(Debug, Default, Clone)]
pub struct Transmit {
    buf: BytesMut,
}

impl Transmit {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// The buffer to append output to.
    pub fn buffer(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// Appends bytes.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// What is waiting, if anything.
    pub fn pending(&self) -> Option<&[u8]> {
        if self.buf.is_empty() {
            None
        } else {
            Some(&self.buf)
        }
    }

    /// How many bytes are waiting.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// `n` bytes were written.
    pub fn advance(&mut self, n: usize) {
        use bytes::Buf;
        let n = n.min(self.buf.len());
        self.buf.advance(n);
    }
}
