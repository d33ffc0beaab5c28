//! A stream that is either still in cleartext or already under TLS.
//!
//! The switch is one-way and type-checked: only a [`MaybeTlsStream::Plain`]
//! can be taken apart with [`MaybeTlsStream::into_plain`] and handed to a
//! TLS handshake; the result is a [`MaybeTlsStream::Tls`], which has no way
//! back.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsStream;

/// A cleartext stream, or the same stream under TLS (client or server side).
#[derive(Debug)]
pub enum MaybeTlsStream<S> {
    /// No TLS (yet).
    Plain(S),
    /// TLS is established; boxed because a TLS session is large.
    Tls(Box<TlsStream<S>>),
}

impl<S> MaybeTlsStream<S> {
    /// Whether the stream is under TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self, MaybeTlsStream::Tls(_))
    }

    /// The cleartext stream, or `Err(self)` when TLS is already active.
    pub fn into_plain(self) -> Result<S, Self> {
        match self {
            MaybeTlsStream::Plain(s) => Ok(s),
            tls => Err(tls),
        }
    }

    /// The underlying transport (for example the `TcpStream`, to read its
    /// addresses).
    pub fn get_ref(&self) -> &S {
        match self {
            MaybeTlsStream::Plain(s) => s,
            MaybeTlsStream::Tls(t) => t.get_ref().0,
        }
    }

    /// The TLS session state, when TLS is active.
    pub fn tls_session(&self) -> Option<&rustls::CommonState> {
        match self {
            MaybeTlsStream::Plain(_) => None,
            MaybeTlsStream::Tls(t) => Some(t.get_ref().1),
        }
    }
}

impl<S> From<TlsStream<S>> for MaybeTlsStream<S> {
    fn from(tls: TlsStream<S>) -> Self {
        MaybeTlsStream::Tls(Box::new(tls))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for MaybeTlsStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTlsStream::Tls(t) => Pin::new(t.as_mut()).poll_read(cx, buf),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for MaybeTlsStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTlsStream::Tls(t) => Pin::new(t.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTlsStream::Tls(t) => Pin::new(t.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTlsStream::Tls(t) => Pin::new(t.as_mut()).poll_shutdown(cx),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTlsStream::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            MaybeTlsStream::Tls(t) => Pin::new(t.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTlsStream::Plain(s) => s.is_write_vectored(),
            MaybeTlsStream::Tls(t) => t.is_write_vectored(),
        }
    }
}
