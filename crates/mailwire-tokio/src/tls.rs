//! TLS with rustls (ring provider): configurations from PEM files, the two
//! sides of a handshake, and the channel-binding data a machine gets in
//! [`TlsInfo`].
//!
//! * [`ServerTls`]: what a server needs to accept TLS, implicitly on a
//!   dedicated port (RFC 8314 §3.3) or after STARTTLS/STLS.
//! * [`ClientTls`]: what a client needs to connect with TLS: a verifying
//!   configuration and the name the server certificate must carry.
//!
//! Certificates are always verified unless the caller builds a
//! configuration with the explicitly named
//! [`danger_client_config_without_verification`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use mailwire_core::TlsInfo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::{TlsAcceptor, TlsConnector, TlsStream};

use crate::channel_binding;
use crate::error::{Error, Result};
use crate::stream::MaybeTlsStream;

/// The label of the `tls-exporter` channel binding (RFC 9266 §2).
pub const EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";

/// How many bytes the `tls-exporter` channel binding has (RFC 9266 §2).
pub const EXPORTER_LEN: usize = 32;

/// The crypto provider every configuration of this crate uses (ring).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads all certificates of a PEM file (end-entity first, then its chain).
pub fn certificates_from_pem_file(path: impl AsRef<Path>) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)?.collect::<Result<Vec<_>, _>>()?;
    if certs.is_empty() {
        return Err(Error::Pem(rustls_pki_types::pem::Error::NoItemsFound));
    }
    Ok(certs)
}

/// Reads the first private key (PKCS#8, PKCS#1 or SEC1) of a PEM file.
pub fn private_key_from_pem_file(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>> {
    Ok(PrivateKeyDer::from_pem_file(path)?)
}

/// A server configuration for a certificate chain and its key.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>> {
    let config = ServerConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

/// A client configuration that trusts the Mozilla root certificates
/// (webpki-roots) and verifies the server's certificate and name.
pub fn client_config_webpki_roots() -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    client_config_with_roots(roots)
}

/// A client configuration that trusts only the certificates of a PEM file
/// (a private CA, or a self-signed server certificate).
pub fn client_config_with_ca_pem_file(path: impl AsRef<Path>) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    for cert in certificates_from_pem_file(path)? {
        roots.add(cert)?;
    }
    client_config_with_roots(roots)
}

/// A client configuration that trusts the given roots.
pub fn client_config_with_roots(roots: RootCertStore) -> Result<Arc<ClientConfig>> {
    let config = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A client configuration that accepts **any** server certificate for any
/// name. Anyone on the path can read and change the traffic. Only for tests
/// and for talking to a known host whose certificate cannot be verified,
/// never as a fallback.
///
/// Handshake signatures are still checked, so the peer must hold the key of
/// the certificate it shows.
pub fn danger_client_config_without_verification() -> Result<Arc<ClientConfig>> {
    let provider = crypto_provider();
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(NoCertificateVerification(provider)))
        .with_no_client_auth();
    Ok(Arc::new(config))
}

#[derive(Debug)]
struct NoCertificateVerification(Arc<CryptoProvider>);

impl ServerCertVerifier for NoCertificateVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// What a server needs to accept TLS.
#[derive(Clone)]
pub struct ServerTls {
    acceptor: TlsAcceptor,
    /// Our own end-entity certificate, for `tls-server-end-point`.
    end_entity: Option<CertificateDer<'static>>,
}

impl ServerTls {
    /// From a rustls configuration. Without
    /// [`with_end_entity`](Self::with_end_entity) the machine gets no
    /// `tls-server-end-point` data, since a configuration with a certificate
    /// resolver does not tell which certificate it sent.
    pub fn new(config: Arc<ServerConfig>) -> Self {
        ServerTls {
            acceptor: TlsAcceptor::from(config),
            end_entity: None,
        }
    }

    /// From a certificate chain and its key (the first certificate is the
    /// server's own).
    pub fn from_chain(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self> {
        let end_entity = chain.first().cloned();
        let mut tls = ServerTls::new(server_config(chain, key)?);
        tls.end_entity = end_entity;
        Ok(tls)
    }

    /// From PEM files: the certificate chain (end-entity first) and the key.
    pub fn from_pem_files(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Self> {
        Self::from_chain(
            certificates_from_pem_file(cert)?,
            private_key_from_pem_file(key)?,
        )
    }

    /// Names the certificate the configuration sends, so that the machine
    /// gets `tls-server-end-point` channel-binding data.
    pub fn with_end_entity(mut self, cert: CertificateDer<'static>) -> Self {
        self.end_entity = Some(cert);
        self
    }

    /// The rustls configuration.
    pub fn config(&self) -> &Arc<ServerConfig> {
        self.acceptor.config()
    }

    /// Performs the server side of a handshake on `stream`, within `timeout`.
    pub async fn accept<S>(&self, stream: S, timeout: Duration) -> Result<(TlsStream<S>, TlsInfo)>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let handshake = self.acceptor.accept(stream);
        let tls = tokio::time::timeout(timeout, handshake)
            .await
            .map_err(|_| Error::Timeout {
                what: "TLS handshake",
                after: timeout,
            })?
            .map_err(Error::TlsHandshake)?;
        let tls = TlsStream::Server(tls);
        let info = tls_info(&tls, self.end_entity.as_ref());
        Ok((tls, info))
    }
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("end_entity", &self.end_entity.as_ref().map(|c| c.len()))
            .finish_non_exhaustive()
    }
}

/// What a client needs to connect with TLS: a configuration that verifies
/// certificates and the name the server's certificate must carry.
#[derive(Clone)]
pub struct ClientTls {
    connector: TlsConnector,
    server_name: ServerName<'static>,
}

impl ClientTls {
    /// From a rustls configuration and the server's host name or IP address.
    pub fn new(config: Arc<ClientConfig>, server_name: &str) -> Result<Self> {
        let server_name = ServerName::try_from(server_name.to_owned())
            .map_err(|_| Error::InvalidServerName(server_name.to_owned()))?;
        Ok(ClientTls {
            connector: TlsConnector::from(config),
            server_name,
        })
    }

    /// Verifying against the Mozilla root certificates (webpki-roots).
    pub fn webpki_roots(server_name: &str) -> Result<Self> {
        Self::new(client_config_webpki_roots()?, server_name)
    }

    /// Verifying against the certificates of a CA PEM file.
    pub fn with_ca_pem_file(ca: impl AsRef<Path>, server_name: &str) -> Result<Self> {
        Self::new(client_config_with_ca_pem_file(ca)?, server_name)
    }

    /// The name the server's certificate is checked against.
    pub fn server_name(&self) -> &ServerName<'static> {
        &self.server_name
    }

    /// Performs the client side of a handshake on `stream`, within `timeout`.
    pub async fn connect<S>(&self, stream: S, timeout: Duration) -> Result<(TlsStream<S>, TlsInfo)>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let handshake = self.connector.connect(self.server_name.clone(), stream);
        let tls = tokio::time::timeout(timeout, handshake)
            .await
            .map_err(|_| Error::Timeout {
                what: "TLS handshake",
                after: timeout,
            })?
            .map_err(Error::TlsHandshake)?;
        let tls = TlsStream::Client(tls);
        let info = tls_info(&tls, None);
        Ok((tls, info))
    }
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("server_name", &self.server_name)
            .finish_non_exhaustive()
    }
}

/// Which side of the handshake a connection performs when its machine asks
/// for TLS (STARTTLS, STLS).
#[derive(Clone, Debug)]
pub enum StartTls {
    /// Accept as a server.
    Server(ServerTls),
    /// Connect as a client.
    Client(ClientTls),
}

impl StartTls {
    /// Performs the handshake on a cleartext stream.
    pub async fn handshake<S>(
        &self,
        stream: S,
        timeout: Duration,
    ) -> Result<(MaybeTlsStream<S>, TlsInfo)>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let (tls, info) = match self {
            StartTls::Server(server) => server.accept(stream, timeout).await?,
            StartTls::Client(client) => client.connect(stream, timeout).await?,
        };
        Ok((MaybeTlsStream::from(tls), info))
    }
}

/// What a machine learns about an established session: the channel-binding
/// data and the ALPN protocol.
///
/// * `tls-exporter` (RFC 9266 §2): 32 bytes of keying material exported with
///   the label `EXPORTER-Channel-Binding` and an empty context. Given only
///   for TLS 1.3: RFC 9266 §3 forbids it on TLS 1.2 without the extended
///   master secret, and rustls does not say whether that was negotiated.
/// * `tls-server-end-point` (RFC 5929 §4.1): the hash of the server's
///   certificate, see [`channel_binding::tls_server_end_point`]. A server
///   uses `own_certificate`, a client the certificate the server showed.
pub fn tls_info<S>(tls: &TlsStream<S>, own_certificate: Option<&CertificateDer<'_>>) -> TlsInfo {
    let (exporter, state): (_, &rustls::CommonState) = match tls {
        TlsStream::Client(c) => {
            let conn = c.get_ref().1;
            (export_channel_binding(conn), conn)
        }
        TlsStream::Server(s) => {
            let conn = s.get_ref().1;
            (export_channel_binding(conn), conn)
        }
    };
    let server_cert = match tls {
        TlsStream::Client(_) => state.peer_certificates().and_then(|c| c.first()),
        TlsStream::Server(_) => own_certificate,
    };
    let mut info = TlsInfo::new();
    if let Some(exporter) = exporter {
        info = info.with_tls_exporter(exporter);
    }
    if let Some(hash) = server_cert.and_then(|c| channel_binding::tls_server_end_point(c)) {
        info = info.with_tls_server_end_point(hash);
    }
    info.alpn = state.alpn_protocol().map(<[u8]>::to_vec);
    info
}

fn export_channel_binding<D>(conn: &rustls::ConnectionCommon<D>) -> Option<Vec<u8>> {
    if conn.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3) {
        return None;
    }
    conn.export_keying_material([0u8; EXPORTER_LEN], EXPORTER_LABEL, Some(&[]))
        .ok()
        .map(|key| key.to_vec())
}
