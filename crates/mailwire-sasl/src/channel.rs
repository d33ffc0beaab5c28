//! Channel-binding data for the SCRAM `-PLUS` mechanisms (RFC 5802 §6).

use std::fmt;

use mailwire_core::TlsInfo;

/// A channel-binding type (RFC 5056 §2.1 names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelBindingType {
    /// `tls-exporter` (RFC 9266): preferred, works with TLS 1.3.
    TlsExporter,
    /// `tls-server-end-point` (RFC 5929 §4): hash of the server certificate.
    TlsServerEndPoint,
}

impl ChannelBindingType {
    /// The name used in the SCRAM gs2 header (`p=NAME`).
    pub fn as_str(&self) -> &'static str {
        match self {
            ChannelBindingType::TlsExporter => "tls-exporter",
            ChannelBindingType::TlsServerEndPoint => "tls-server-end-point",
        }
    }

    /// Parses a binding name as sent in `p=`; names are case-sensitive.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "tls-exporter" => Some(ChannelBindingType::TlsExporter),
            "tls-server-end-point" => Some(ChannelBindingType::TlsServerEndPoint),
            _ => None,
        }
    }
}

impl fmt::Display for ChannelBindingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One channel binding: its type and data from the TLS layer.
#[derive(Clone, PartialEq, Eq)]
pub struct ChannelBinding {
    kind: ChannelBindingType,
    data: Vec<u8>,
}

impl ChannelBinding {
    /// Channel binding of `kind` with the data the TLS layer gave.
    pub fn new(kind: ChannelBindingType, data: Vec<u8>) -> Self {
        ChannelBinding { kind, data }
    }

    /// The best binding a TLS session offers: `tls-exporter` when present,
    /// else `tls-server-end-point`, else none.
    pub fn from_tls_info(info: &TlsInfo) -> Option<Self> {
        if let Some(data) = &info.tls_exporter {
            return Some(Self::new(ChannelBindingType::TlsExporter, data.clone()));
        }
        info.tls_server_end_point
            .as_ref()
            .map(|data| Self::new(ChannelBindingType::TlsServerEndPoint, data.clone()))
    }

    /// The binding of `kind` from a TLS session, if it has that data.
    pub fn of_type(info: &TlsInfo, kind: ChannelBindingType) -> Option<Self> {
        let data = match kind {
            ChannelBindingType::TlsExporter => info.tls_exporter.as_ref(),
            ChannelBindingType::TlsServerEndPoint => info.tls_server_end_point.as_ref(),
        };
        data.map(|d| Self::new(kind, d.clone()))
    }

    /// The binding type.
    pub fn kind(&self) -> ChannelBindingType {
        self.kind
    }

    /// The binding data.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
}

impl fmt::Debug for ChannelBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelBinding")
            .field("kind", &self.kind)
            .field("data_len", &self.data.len())
            .finish()
    }
}
