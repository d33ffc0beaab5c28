//! The server side: an accept loop with a limit on concurrent connections,
//! implicit TLS on dedicated ports (RFC 8314 §3.3), and graceful shutdown.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use mailwire_core::{Machine, TlsInfo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::connection::{Connection, ConnectionConfig};
use crate::stream::MaybeTlsStream;
use crate::tls::{ServerTls, StartTls};

/// How [`serve`] accepts and runs connections.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeConfig {
    /// At most this many connections are served at once (default 256);
    /// further clients wait in the listen backlog until one ends.
    pub max_connections: usize,
    /// Implicit TLS: every connection starts with a TLS handshake
    /// (RFC 8314 §3.3, ports 465, 993, 995).
    pub implicit_tls: Option<ServerTls>,
    /// TLS for a STARTTLS/STLS switch, handed to each
    /// [`Connection`] made by [`Incoming::into_connection`].
    pub start_tls: Option<ServerTls>,
    /// Bounds and timeouts of each connection.
    pub connection: ConnectionConfig,
    /// After the shutdown signal, how long connections may take to finish
    /// before they are aborted (default 10 s).
    pub grace_period: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            max_connections: 256,
            implicit_tls: None,
            start_tls: None,
            connection: ConnectionConfig::default(),
            grace_period: Duration::from_secs(10),
        }
    }
}

impl ServeConfig {
    /// Sets [`max_connections`](Self::max_connections) (at least 1).
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Sets [`implicit_tls`](Self::implicit_tls).
    pub fn with_implicit_tls(mut self, tls: ServerTls) -> Self {
        self.implicit_tls = Some(tls);
        self
    }

    /// Sets [`start_tls`](Self::start_tls).
    pub fn with_start_tls(mut self, tls: ServerTls) -> Self {
        self.start_tls = Some(tls);
        self
    }

    /// Sets [`connection`](Self::connection).
    pub fn with_connection(mut self, config: ConnectionConfig) -> Self {
        self.connection = config;
        self
    }

    /// Sets [`grace_period`](Self::grace_period).
    pub fn with_grace_period(mut self, grace: Duration) -> Self {
        self.grace_period = grace;
        self
    }
}

/// An accepted connection, handed to the handler of [`serve`]; under TLS
/// already when the listener uses implicit TLS.
#[derive(Debug)]
pub struct Incoming {
    stream: MaybeTlsStream<TcpStream>,
    peer_addr: SocketAddr,
    local_addr: SocketAddr,
    tls_info: Option<TlsInfo>,
    start_tls: Option<ServerTls>,
    shutdown: CancellationToken,
    config: ConnectionConfig,
}

impl Incoming {
    /// The client's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer_addr
    }

    /// Our address the client connected to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Whether the connection is under TLS from the start (implicit TLS).
    pub fn is_tls(&self) -> bool {
        self.stream.is_tls()
    }

    /// The channel-binding data of an implicit-TLS session.
    pub fn tls_info(&self) -> Option<&TlsInfo> {
        self.tls_info.as_ref()
    }

    /// Whether the listener offers a STARTTLS/STLS switch.
    pub fn can_start_tls(&self) -> bool {
        self.start_tls.is_some() && !self.stream.is_tls()
    }

    /// The server's shutdown signal.
    pub fn shutdown_signal(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Drives `machine` over this connection, with the listener's
    /// connection configuration, shutdown signal and STARTTLS setup.
    pub fn into_connection<M: Machine>(self, machine: M) -> Connection<M, TcpStream> {
        let mut conn = Connection::from_stream(machine, self.stream)
            .with_config(self.config)
            .with_shutdown(self.shutdown);
        if let Some(info) = self.tls_info {
            conn = conn.with_tls_info(info);
        }
        if let Some(tls) = self.start_tls {
            conn = conn.with_start_tls(StartTls::Server(tls));
        }
        conn
    }

    /// The stream itself, for handlers that do their own I/O.
    pub fn into_stream(self) -> MaybeTlsStream<TcpStream> {
        self.stream
    }
}

/// Accepts connections on `listener` and runs `handler` for each in its
/// own task, until `shutdown` is cancelled.
///
/// * At most [`ServeConfig::max_connections`] handlers run at once; the
///   loop stops accepting while the limit is reached.
/// * With [`ServeConfig::implicit_tls`] the TLS handshake is done (within
///   the connection's handshake timeout) before the handler runs; a failed
///   handshake ends that connection only.
/// * On shutdown the listener is closed at once (new clients are refused),
///   each [`Connection`] made by [`Incoming::into_connection`] ends with
///   [`EndReason::Shutdown`](crate::EndReason::Shutdown) at its next event
///   boundary, and `serve` returns when all handlers have finished, or
///   after [`ServeConfig::grace_period`] when it aborts the rest.
///
/// Errors of single connections are logged (`tracing`) and never end the
/// loop; only a failure to read the listener's address is returned.
pub async fn serve<H, F>(
    listener: TcpListener,
    config: ServeConfig,
    shutdown: CancellationToken,
    handler: H,
) -> io::Result<()>
where
    H: Fn(Incoming) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let local_addr = listener.local_addr()?;
    let handler = Arc::new(handler);
    let limit = Arc::new(Semaphore::new(config.max_connections.max(1)));
    let mut tasks = JoinSet::new();
    loop {
        while tasks.try_join_next().is_some() {}
        let permit = tokio::select! {
            permit = limit.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = shutdown.cancelled() => break,
        };
        let (stream, peer_addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Per-connection failures (reset before accept, out of
                    // descriptors) must not end the server; back off briefly.
                    tracing::warn!(%local_addr, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY failed");
        }
        let handler = handler.clone();
        let config = config.clone();
        let shutdown = shutdown.clone();
        let span = tracing::debug_span!("connection", %peer_addr, %local_addr);
        tasks.spawn(
            async move {
                let _permit = permit;
                tracing::debug!("accepted");
                let (stream, tls_info) = match &config.implicit_tls {
                    Some(tls) => {
                        match tls
                            .accept(stream, config.connection.handshake_timeout)
                            .await
                        {
                            Ok((tls, info)) => (MaybeTlsStream::from(tls), Some(info)),
                            Err(e) => {
                                tracing::debug!(error = %e, "implicit TLS handshake failed");
                                return;
                            }
                        }
                    }
                    None => (MaybeTlsStream::Plain(stream), None),
                };
                let incoming = Incoming {
                    stream,
                    peer_addr,
                    local_addr,
                    tls_info,
                    start_tls: config.start_tls,
                    shutdown,
                    config: config.connection,
                };
                handler(incoming).await;
                tracing::debug!("connection finished");
            }
            .instrument(span),
        );
    }
    drop(listener);
    tracing::debug!(%local_addr, running = tasks.len(), "stopped accepting");
    let drained = tokio::time::timeout(config.grace_period, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            %local_addr,
            aborted = tasks.len(),
            "grace period over, aborting connections"
        );
        tasks.shutdown().await;
    }
    Ok(())
}
