//! The connection limit of a listener, answered instead of ignored.
//!
//! Leaving clients over the limit in the kernel's listen backlog makes them
//! hang until their own timeout, with no word why. Instead each listener
//! accepts them and its protocol says so at once, then closes:
//!
//! * SMTP: `421 <domain> Service not available, too many connections`
//!   (RFC 5321 §3.8, §4.2.3: 421 is the reply of a server that must close
//!   the channel; the client retries later).
//! * POP3: `-ERR [SYS/TEMP] too many connections` (RFC 2449 §8 response
//!   codes, `SYS/TEMP` from RFC 3206 §4: a temporary condition).
//!
//! What a refusal may cost is bounded: at most [`Limits::refusals`] run at
//! once per listener (further clients wait in the backlog until one ends,
//! which is quick), each writes one short line with a
//! [`REFUSAL_WRITE_TIMEOUT`], lingers at most [`REFUSAL_LINGER`] for the
//! client to close, and is cut off after [`REFUSAL_LIMIT`] whatever
//! happens. A flood of connections therefore costs at most
//! `sessions + refusals` tasks and sockets per listener.

use std::sync::Arc;
use std::time::Duration;

use mailwire_tokio::{ConnectionConfig, Incoming, MaybeTlsStream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::{BoxFuture, Ctx, Handler};

/// How long the refusal line may take to be written.
pub const REFUSAL_WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a refused client may take to close its side after ours.
pub const REFUSAL_LINGER: Duration = Duration::from_secs(1);
/// The longest a refusal may take in all.
pub const REFUSAL_LIMIT: Duration = Duration::from_secs(10);
/// How much a refused client may still send before we stop reading it.
const REFUSAL_DRAIN_MAX: usize = 64 * 1024;

/// How many connections a listener serves and refuses at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sessions served at once.
    pub sessions: usize,
    /// Clients over [`sessions`](Self::sessions) being told so at once.
    pub refusals: usize,
}

impl Limits {
    /// How many connections the accept loop may hold: sessions and
    /// refusals (and implicit-TLS handshakes ahead of either).
    pub fn accepted(&self) -> usize {
        self.sessions.max(1).saturating_add(self.refusals.max(1))
    }
}

/// A protocol's two handlers.
#[derive(Clone)]
pub struct Handlers {
    /// Runs a session.
    pub session: Handler,
    /// Tells a client over the limit so and closes.
    pub refuse: Handler,
}

/// The handler for a listener: a session while fewer than `sessions` run,
/// the protocol's refusal otherwise.
pub fn gate(handlers: Handlers, sessions: usize) -> Handler {
    let slots = Arc::new(Semaphore::new(sessions.max(1)));
    Arc::new(move |incoming: Incoming, ctx: Arc<Ctx>| -> BoxFuture {
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                let session = (handlers.session)(incoming, ctx);
                Box::pin(async move {
                    let _slot = slot;
                    session.await;
                })
            }
            Err(_) => {
                let peer = incoming.peer_addr();
                tracing::info!(%peer, "too many connections, refusing");
                let refusal = (handlers.refuse)(incoming, ctx);
                Box::pin(async move {
                    if tokio::time::timeout(REFUSAL_LIMIT, refusal).await.is_err() {
                        tracing::debug!(%peer, "refusal cut off");
                    }
                })
            }
        }
    })
}

/// The connection configuration of a refusal driven by a machine.
pub fn refusal_config() -> ConnectionConfig {
    ConnectionConfig::default()
        .with_idle_timeout(Some(REFUSAL_WRITE_TIMEOUT))
        .with_write_timeout(Some(REFUSAL_WRITE_TIMEOUT))
        .with_linger(REFUSAL_LINGER)
}

/// Writes `line` and closes the stream gracefully: our side is shut down
/// (with `close_notify` under TLS), then what the client still sends is
/// read and dropped for a moment, so that the kernel does not answer it
/// with a reset that could destroy the line before the client read it.
pub async fn say_and_close(mut stream: MaybeTlsStream<TcpStream>, line: Vec<u8>) {
    let written = tokio::time::timeout(REFUSAL_WRITE_TIMEOUT, async {
        stream.write_all(&line).await?;
        stream.flush().await?;
        stream.shutdown().await
    })
    .await;
    match written {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "refusal not written");
            return;
        }
        Err(_) => {
            tracing::debug!("refusal write timed out");
            return;
        }
    }
    let deadline = tokio::time::Instant::now() + REFUSAL_LINGER;
    let mut scratch = [0u8; 4096];
    let mut drained = 0usize;
    while drained < REFUSAL_DRAIN_MAX {
        match tokio::time::timeout_at(deadline, stream.read(&mut scratch)).await {
            Ok(Ok(n)) if n > 0 => drained += n,
            _ => break,
        }
    }
}
