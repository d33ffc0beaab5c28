//! The client side: connecting with a timeout, in cleartext (for a later
//! STARTTLS) or with implicit TLS (RFC 8314 §3.3).
//!
//! There is no silent fallback to cleartext anywhere: a failed handshake is
//! an error, and a [`Connection`](crate::Connection) whose machine asks for
//! TLS without a [`StartTls`](crate::StartTls) setup fails with
//! [`Error::TlsNotConfigured`].

use std::time::Duration;

use mailwire_core::TlsInfo;
use tokio::net::{TcpStream, ToSocketAddrs};

use crate::error::{Error, Result};
use crate::stream::MaybeTlsStream;
use crate::tls::ClientTls;

/// Opens a TCP connection within `timeout` (trying each resolved address
/// in turn) and enables `TCP_NODELAY`.
pub async fn connect_tcp(addr: impl ToSocketAddrs, timeout: Duration) -> Result<TcpStream> {
    let stream = tokio::time::timeout(timeout, TcpStream::connect(addr))
        .await
        .map_err(|_| Error::Timeout {
            what: "connect",
            after: timeout,
        })??;
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "TCP_NODELAY failed");
    }
    Ok(stream)
}

/// Opens a TCP connection and performs a verified TLS handshake right away
/// (implicit TLS). `timeout` bounds the TCP connect and, separately, the
/// handshake.
pub async fn connect_implicit_tls(
    addr: impl ToSocketAddrs,
    tls: &ClientTls,
    timeout: Duration,
) -> Result<(MaybeTlsStream<TcpStream>, TlsInfo)> {
    let tcp = connect_tcp(addr, timeout).await?;
    let (stream, info) = tls.connect(tcp, timeout).await?;
    Ok((MaybeTlsStream::from(stream), info))
}
