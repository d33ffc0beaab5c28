//! The connection driver: one loop that runs any [`Machine`] over a stream.
//!
//! It follows the contract in `mailwire_core::machine`: input goes straight
//! into [`Machine::input_buffer`] (one copy), output from
//! [`Machine::poll_transmit`] is written while reading goes on, the machine
//! is told the time after every input and when its deadline comes, the TLS
//! switch happens exactly when [`Machine::tls_pending`] says so and all
//! output is out, and the connection ends once [`Machine::is_closed`] is
//! true and the output has been flushed.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use mailwire_core::{Machine, TlsInfo};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::stream::MaybeTlsStream;
use crate::tls::StartTls;

/// Bounds and timeouts of one connection.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectionConfig {
    /// The connection ends with [`EndReason::IdleTimeout`] when nothing was
    /// read or written for this long. `None` (the default) leaves timeouts
    /// to the machine's own timers.
    pub idle_timeout: Option<Duration>,
    /// Writing fails with [`Error::Timeout`] (`what: "write"`) when output
    /// is waiting and the peer has taken none of it for this long: a peer
    /// that stops reading cannot hold a task and its buffers forever, even
    /// without an idle timeout. Default 5 minutes (RFC 5321 §4.5.3.2 asks
    /// SMTP clients to wait 3 minutes per data block); `None` waits
    /// forever.
    pub write_timeout: Option<Duration>,
    /// The longest a TLS handshake may take (default 30 s).
    pub handshake_timeout: Duration,
    /// Reading pauses while the machine holds this much unconsumed input
    /// (default 256 KiB). Machines consume or discard input as they frame
    /// it, so this is only reached by a machine waiting for an answer.
    pub max_buffered_input: usize,
    /// No new event is handed out while this much output waits to be
    /// written (default 1 MiB): a peer that pipelines requests but does not
    /// read the replies is slowed down instead of growing our memory.
    pub max_buffered_output: usize,
    /// How many bytes to make room for per read (default 16 KiB).
    pub read_size: usize,
    /// After closing, how long to keep reading and discarding what the peer
    /// still sends (default 2 s), so that the kernel does not answer it with
    /// a reset that could destroy our last reply on its way.
    pub linger: Duration,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            idle_timeout: None,
            write_timeout: Some(Duration::from_secs(300)),
            handshake_timeout: Duration::from_secs(30),
            max_buffered_input: 256 * 1024,
            max_buffered_output: 1024 * 1024,
            read_size: 16 * 1024,
            linger: Duration::from_secs(2),
        }
    }
}

impl ConnectionConfig {
    /// Sets [`idle_timeout`](Self::idle_timeout).
    pub fn with_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`write_timeout`](Self::write_timeout).
    pub fn with_write_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Sets [`handshake_timeout`](Self::handshake_timeout).
    pub fn with_handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Sets [`max_buffered_input`](Self::max_buffered_input) (at least 1).
    pub fn with_max_buffered_input(mut self, bytes: usize) -> Self {
        self.max_buffered_input = bytes.max(1);
        self
    }

    /// Sets [`max_buffered_output`](Self::max_buffered_output) (at least 1).
    pub fn with_max_buffered_output(mut self, bytes: usize) -> Self {
        self.max_buffered_output = bytes.max(1);
        self
    }

    /// Sets [`read_size`](Self::read_size) (at least 512).
    pub fn with_read_size(mut self, bytes: usize) -> Self {
        self.read_size = bytes.max(512);
        self
    }

    /// Sets [`linger`](Self::linger).
    pub fn with_linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }
}

/// Why [`Connection::next_event`] returned `Ok(None)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndReason {
    /// The machine closed the connection (for example after QUIT); its
    /// output was flushed and the stream shut down.
    Closed,
    /// The peer closed its side and the machine has nothing more to say;
    /// our output was flushed and the stream shut down.
    PeerClosed,
    /// Nothing was read or written for
    /// [`ConnectionConfig::idle_timeout`]. The stream is still open: the
    /// application may queue a last word and call [`Connection::close`].
    IdleTimeout,
    /// The shutdown signal fired. Pending output was flushed and the stream
    /// is still open: the application may queue a last word (SMTP 421,
    /// `* BYE`) and call [`Connection::close`].
    Shutdown,
}

/// A [`Machine`] driven over a stream.
///
/// ```no_run
/// # async fn run<M: mailwire_core::Machine>(machine: M, stream: tokio::net::TcpStream)
/// # -> mailwire_tokio::Result<()> where M::Event: std::fmt::Debug {
/// use mailwire_tokio::Connection;
///
/// let mut conn = Connection::new(machine, stream);
/// loop {
///     match conn.next_event().await {
///         Ok(Some(event)) => {
///             // Answer through the machine's own API:
///             // conn.machine_mut().send(reply)?;
///             println!("{event:?}");
///         }
///         Ok(None) => break,
///         Err(e) if !e.is_fatal() => continue, // the machine answered it
///         Err(e) => {
///             let _ = conn.close().await;
///             return Err(e);
///         }
///     }
/// }
/// conn.close().await
/// # }
/// ```
///
/// [`next_event`](Self::next_event) is cancel-safe (it can be used in
/// `tokio::select!`) except while a TLS handshake is under way: a
/// handshake cut short leaves the connection broken.
pub struct Connection<M, S> {
    machine: M,
    io: Option<MaybeTlsStream<S>>,
    start_tls: Option<StartTls>,
    tls_info: Option<TlsInfo>,
    config: ConnectionConfig,
    shutdown: Option<CancellationToken>,
    /// The peer closed its sending side; the machine was told.
    peer_eof: bool,
    /// Bytes were written since the last flush (TLS buffers records).
    needs_flush: bool,
    /// Our sending side was shut down.
    write_closed: bool,
    /// A failure left the stream unusable (lost in a handshake, plaintext
    /// injection at the switch point).
    broken: bool,
    end: Option<EndReason>,
    last_activity: Instant,
    /// Since when output has waited without the peer taking any of it.
    write_stalled_since: Option<Instant>,
    /// The machine has been told the time at least once, so its first
    /// timer (a greeting timeout, say) runs even if the peer never speaks.
    clock_started: bool,
}

/// What woke the I/O wait.
enum Wake {
    Io {
        read: usize,
        eof: bool,
        wrote: usize,
        flushed: bool,
    },
    Timer,
    Shutdown,
}

impl<M, S> Connection<M, S>
where
    M: Machine,
    S: AsyncRead + AsyncWrite + Unpin,
{
    /// Drives `machine` over a cleartext stream.
    pub fn new(machine: M, stream: S) -> Self {
        Self::from_stream(machine, MaybeTlsStream::Plain(stream))
    }

    /// Drives `machine` over a stream that may already be under TLS.
    ///
    /// For implicit TLS (RFC 8314) pass the stream from
    /// [`ServerTls::accept`](crate::tls::ServerTls::accept) or
    /// [`connect_implicit_tls`](crate::connect_implicit_tls), and set
    /// [`with_tls_info`](Self::with_tls_info). Whether the machine must be
    /// told with [`Machine::tls_established`] before it starts, or is
    /// configured for TLS at construction, is up to that machine's API.
    pub fn from_stream(machine: M, stream: MaybeTlsStream<S>) -> Self {
        Connection {
            machine,
            io: Some(stream),
            start_tls: None,
            tls_info: None,
            config: ConnectionConfig::default(),
            shutdown: None,
            peer_eof: false,
            needs_flush: false,
            write_closed: false,
            broken: false,
            end: None,
            last_activity: Instant::now(),
            write_stalled_since: None,
            clock_started: false,
        }
    }

    /// Enables the TLS switch (STARTTLS, STLS): which side of the handshake
    /// to perform when the machine asks. Without it, a machine asking for
    /// TLS gets [`Error::TlsNotConfigured`], never cleartext.
    pub fn with_start_tls(mut self, start_tls: StartTls) -> Self {
        self.start_tls = Some(start_tls);
        self
    }

    /// Sets bounds and timeouts.
    pub fn with_config(mut self, config: ConnectionConfig) -> Self {
        self.config = config;
        self
    }

    /// Ends the connection gracefully when `signal` is cancelled: see
    /// [`EndReason::Shutdown`].
    pub fn with_shutdown(mut self, signal: CancellationToken) -> Self {
        self.shutdown = Some(signal);
        self
    }

    /// Records the TLS data of a stream that was under TLS from the start.
    pub fn with_tls_info(mut self, info: TlsInfo) -> Self {
        self.tls_info = Some(info);
        self
    }

    /// The machine.
    pub fn machine(&self) -> &M {
        &self.machine
    }

    /// The machine, to answer events or queue commands.
    pub fn machine_mut(&mut self) -> &mut M {
        &mut self.machine
    }

    /// The stream, unless it was lost in a failed TLS handshake.
    pub fn stream(&self) -> Option<&MaybeTlsStream<S>> {
        self.io.as_ref()
    }

    /// Whether the stream is under TLS now.
    pub fn is_tls(&self) -> bool {
        self.io.as_ref().is_some_and(MaybeTlsStream::is_tls)
    }

    /// The channel-binding data of the TLS session, once there is one.
    pub fn tls_info(&self) -> Option<&TlsInfo> {
        self.tls_info.as_ref()
    }

    /// The configuration in force.
    pub fn config(&self) -> &ConnectionConfig {
        &self.config
    }

    /// Why the connection ended, once [`next_event`](Self::next_event)
    /// returned `Ok(None)`.
    pub fn end_reason(&self) -> Option<EndReason> {
        self.end
    }

    /// Takes the connection apart.
    pub fn into_parts(self) -> (M, Option<MaybeTlsStream<S>>) {
        (self.machine, self.io)
    }

    /// The next event of the machine, driving I/O, timers and the TLS
    /// switch until there is one. `Ok(None)`: the connection is over, see
    /// [`end_reason`](Self::end_reason).
    ///
    /// Answer each event (through [`machine_mut`](Self::machine_mut))
    /// before asking for the next one. A protocol error for which
    /// [`Error::is_fatal`] is false was already answered by the machine;
    /// call `next_event` again.
    pub async fn next_event(&mut self) -> Result<Option<M::Event>> {
        if !self.clock_started {
            self.clock_started = true;
            self.machine.handle_timeout(Instant::now().into_std());
        }
        loop {
            if self.broken {
                return Err(Error::Broken);
            }
            if self.end.is_some() {
                return Ok(None);
            }
            if self.machine.is_closed() {
                // A machine may queue its last events as it closes (a QUIT
                // seen, a maildrop released): hand them out first.
                if let Some(event) = self.machine.poll_event()? {
                    return Ok(Some(event));
                }
                self.close().await?;
                self.end = Some(EndReason::Closed);
                return Ok(None);
            }
            if self.shutdown.as_ref().is_some_and(|s| s.is_cancelled()) {
                self.flush().await?;
                self.end = Some(EndReason::Shutdown);
                return Ok(None);
            }
            let output_full = self.pending_output() >= self.config.max_buffered_output;
            if !output_full {
                if let Some(event) = self.machine.poll_event()? {
                    return Ok(Some(event));
                }
                if self.machine.is_closed() {
                    continue;
                }
            }
            if self.machine.tls_pending() {
                self.flush().await?;
                self.switch_to_tls().await?;
                continue;
            }
            if self.peer_eof && !output_full {
                self.close().await?;
                self.end = Some(EndReason::PeerClosed);
                return Ok(None);
            }
            if self.wait_io().await? {
                self.end = Some(EndReason::IdleTimeout);
                return Ok(None);
            }
        }
    }

    /// Writes all output the machine has queued.
    ///
    /// Bounded by [`ConnectionConfig::write_timeout`] (no progress for that
    /// long fails with `Timeout { what: "write" }`) and by
    /// [`ConnectionConfig::idle_timeout`] (`Timeout { what: "flush" }`).
    pub async fn flush(&mut self) -> Result<()> {
        while self.machine.poll_transmit().is_some() || self.needs_flush {
            if self.broken || self.write_closed {
                return Err(Error::Broken);
            }
            let io = self.io.as_mut().ok_or(Error::Broken)?;
            let machine = &mut self.machine;
            let needs_flush = &mut self.needs_flush;
            let idle = self.config.idle_timeout;
            let idle_deadline = idle.map(|d| self.last_activity + d);
            let write_timeout = self.config.write_timeout;
            let write_deadline = write_timeout.map(|d| Instant::now() + d);
            let mut sleep = pin!(sleep_until(earliest(idle_deadline, write_deadline)));
            let wrote = poll_fn(|cx| {
                if let Some(data) = machine.poll_transmit() {
                    match Pin::new(&mut *io).poll_write(cx, data) {
                        Poll::Ready(Ok(0)) => {
                            return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
                        }
                        Poll::Ready(Ok(n)) => {
                            machine.advance_transmit(n);
                            *needs_flush = true;
                            return Poll::Ready(Ok(true));
                        }
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => {}
                    }
                } else {
                    match Pin::new(&mut *io).poll_flush(cx) {
                        Poll::Ready(Ok(())) => {
                            *needs_flush = false;
                            return Poll::Ready(Ok(true));
                        }
                        Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                        Poll::Pending => {}
                    }
                }
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Ok(false));
                }
                Poll::Pending
            })
            .await?;
            if !wrote {
                self.broken = true;
                let by_write = match (write_deadline, idle_deadline) {
                    (Some(w), Some(i)) => w <= i,
                    (w, _) => w.is_some(),
                };
                return Err(if by_write {
                    Error::Timeout {
                        what: "write",
                        after: write_timeout.unwrap_or_default(),
                    }
                } else {
                    Error::Timeout {
                        what: "flush",
                        after: idle.unwrap_or_default(),
                    }
                });
            }
            self.last_activity = Instant::now();
            self.machine.handle_timeout(self.last_activity.into_std());
        }
        Ok(())
    }

    /// Flushes the output, shuts down our sending side (with a TLS
    /// `close_notify` under TLS) and briefly drains what the peer still
    /// sends (see [`ConnectionConfig::linger`]). Calling it again does
    /// nothing.
    pub async fn close(&mut self) -> Result<()> {
        if self.write_closed {
            return Ok(());
        }
        let flushed = if self.broken {
            Ok(())
        } else {
            self.flush().await
        };
        self.write_closed = true;
        let Some(io) = self.io.as_mut() else {
            return flushed;
        };
        let linger = self.config.linger;
        let shut = tokio::time::timeout(linger, tokio::io::AsyncWriteExt::shutdown(io)).await;
        if let Ok(Err(e)) = shut {
            tracing::debug!(error = %e, "shutting down the stream failed");
        }
        if !self.peer_eof && !linger.is_zero() {
            let deadline = Instant::now() + linger;
            let mut scratch = [0u8; 4096];
            let mut drained = 0usize;
            while drained < 1024 * 1024 {
                match tokio::time::timeout_at(deadline, io.read(&mut scratch)).await {
                    Ok(Ok(n)) if n > 0 => drained += n,
                    _ => break,
                }
            }
            if drained > 0 {
                tracing::debug!(bytes = drained, "discarded input after close");
            }
        }
        flushed
    }

    fn pending_output(&self) -> usize {
        self.machine.poll_transmit().map_or(0, <[u8]>::len)
    }

    /// Waits until something can be read or written, or a timer or the
    /// shutdown signal fires. Returns `true` when the idle timeout expired.
    async fn wait_io(&mut self) -> Result<bool> {
        let buffered = self.machine.input_buffer().len();
        let read_allowed = !self.peer_eof && buffered < self.config.max_buffered_input;
        let want_write = self.machine.poll_transmit().is_some();
        if !read_allowed && !want_write && !self.needs_flush {
            return Err(Error::InputStalled(buffered));
        }
        let machine_deadline = self.machine.poll_timeout().map(Instant::from_std);
        let idle_deadline = self.config.idle_timeout.map(|d| self.last_activity + d);
        let write_deadline = if want_write || self.needs_flush {
            let since = *self.write_stalled_since.get_or_insert_with(Instant::now);
            self.config.write_timeout.map(|d| since + d)
        } else {
            self.write_stalled_since = None;
            None
        };
        let deadline = earliest(earliest(machine_deadline, idle_deadline), write_deadline);
        let read_size = self.config.read_size;
        let io = self.io.as_mut().ok_or(Error::Broken)?;
        let machine = &mut self.machine;
        let needs_flush = self.needs_flush;
        let shutdown = self.shutdown.clone();
        let mut cancelled = pin!(async move {
            match shutdown {
                Some(signal) => signal.cancelled_owned().await,
                None => std::future::pending().await,
            }
        });
        let mut sleep = pin!(sleep_until(deadline));

        let wake = poll_fn(|cx| {
            let (mut read, mut eof, mut wrote, mut flushed) = (0, false, 0, false);
            if let Some(data) = machine.poll_transmit() {
                match Pin::new(&mut *io).poll_write(cx, data) {
                    Poll::Ready(Ok(0)) => {
                        return Poll::Ready(Err(std::io::ErrorKind::WriteZero.into()));
                    }
                    Poll::Ready(Ok(n)) => {
                        machine.advance_transmit(n);
                        wrote = n;
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            } else if needs_flush {
                match Pin::new(&mut *io).poll_flush(cx) {
                    Poll::Ready(Ok(())) => flushed = true,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            }
            if read_allowed {
                let buf = machine.input_buffer();
                buf.reserve(read_size);
                match tokio_util::io::poll_read_buf(Pin::new(&mut *io), cx, buf) {
                    Poll::Ready(Ok(0)) => eof = true,
                    Poll::Ready(Ok(n)) => read = n,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            }
            if read > 0 || eof || wrote > 0 || flushed {
                return Poll::Ready(Ok(Wake::Io {
                    read,
                    eof,
                    wrote,
                    flushed,
                }));
            }
            if cancelled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(Wake::Shutdown));
            }
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(Wake::Timer));
            }
            Poll::Pending
        })
        .await?;

        match wake {
            Wake::Io {
                read,
                eof,
                wrote,
                flushed,
            } => {
                let now = Instant::now();
                if wrote > 0 {
                    self.needs_flush = true;
                    self.last_activity = now;
                    self.write_stalled_since = None;
                }
                if flushed {
                    self.needs_flush = false;
                    self.write_stalled_since = None;
                }
                if read > 0 {
                    self.last_activity = now;
                }
                if eof {
                    self.peer_eof = true;
                    self.machine.receive_eof()?;
                }
                if read > 0 || eof || wrote > 0 {
                    self.machine.handle_timeout(now.into_std());
                }
                Ok(false)
            }
            Wake::Timer => {
                let now = Instant::now();
                if write_deadline.is_some_and(|d| d <= now) {
                    self.broken = true;
                    return Err(Error::Timeout {
                        what: "write",
                        after: self.config.write_timeout.unwrap_or_default(),
                    });
                }
                if machine_deadline.is_some_and(|d| d <= now) {
                    self.machine.handle_timeout(now.into_std());
                }
                Ok(idle_deadline.is_some_and(|d| d <= now))
            }
            Wake::Shutdown => Ok(false),
        }
    }

    /// Performs the TLS handshake the machine asked for, on the cleartext
    /// stream, and tells the machine.
    async fn switch_to_tls(&mut self) -> Result<()> {
        let Some(start_tls) = self.start_tls.clone() else {
            self.broken = true;
            return Err(Error::TlsNotConfigured);
        };
        // Whatever the peer sent past the switch point arrived in cleartext
        // and could have been injected by anyone on the path: it must not be
        // read as if it came under TLS (the STARTTLS command injection of
        // CVE-2011-0411). An honest peer waits for the handshake.
        let leftover = self.machine.input_buffer();
        if !leftover.is_empty() {
            let err = mailwire_core::Error::remote_fatal(
                "cleartext data after the TLS switch point",
                leftover,
            );
            leftover.clear();
            self.broken = true;
            return Err(err.into());
        }
        let io = self.io.take().ok_or(Error::Broken)?;
        let plain = match io.into_plain() {
            Ok(plain) => plain,
            Err(tls) => {
                self.io = Some(tls);
                self.broken = true;
                return Err(Error::TlsAlreadyActive);
            }
        };
        match start_tls
            .handshake(plain, self.config.handshake_timeout)
            .await
        {
            Ok((stream, info)) => {
                tracing::debug!(?info, "TLS established");
                self.io = Some(stream);
                self.needs_flush = false;
                self.last_activity = Instant::now();
                self.tls_info = Some(info.clone());
                self.machine.tls_established(info)?;
                Ok(())
            }
            Err(e) => {
                self.broken = true;
                Err(e)
            }
        }
    }
}

impl<M, S> std::fmt::Debug for Connection<M, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("tls", &self.io.as_ref().map(MaybeTlsStream::is_tls))
            .field("peer_eof", &self.peer_eof)
            .field("write_closed", &self.write_closed)
            .field("broken", &self.broken)
            .field("end", &self.end)
            .finish_non_exhaustive()
    }
}

/// Sleeps until `deadline`, or forever without one.
/// The earlier of two optional deadlines.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
