//! Server settings shared by all exchanges of a connection.

use std::fmt;

use mailwire_core::TlsInfo;

use super::{MAX_RESPONSE_LEN, oauth};
use crate::Mechanism;

/// Server settings shared by all exchanges of a connection.
#[derive(Clone)]
pub struct ServerConfig {
    pub(super) tls_exporter: Option<Vec<u8>>,
    pub(super) tls_server_end_point: Option<Vec<u8>>,
    pub(super) external_identity: Option<String>,
    pub(super) cram_md5: bool,
    pub(super) anonymous: bool,
    pub(super) oauth: bool,
    pub(super) hostname: String,
    pub(super) max_response_len: usize,
    pub(super) success_data: bool,
    pub(super) oauth_error: String,
    pub(super) unknown_user_iterations: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl ServerConfig {
    /// Defaults: no TLS data, PLAIN, LOGIN and SCRAM enabled; CRAM-MD5,
    /// ANONYMOUS, OAuth and EXTERNAL off.
    pub fn new() -> Self {
        ServerConfig {
            tls_exporter: None,
            tls_server_end_point: None,
            external_identity: None,
            cram_md5: false,
            anonymous: false,
            oauth: false,
            hostname: "localhost".to_string(),
            max_response_len: MAX_RESPONSE_LEN,
            success_data: false,
            oauth_error: r#"{"status":"invalid_token"}"#.to_string(),
            unknown_user_iterations: super::MemoryStore::DEFAULT_ITERATIONS,
        }
    }

    /// The TLS session's channel-binding data: enables `-PLUS` mechanisms
    /// and downgrade detection (RFC 5802 §6).
    pub fn with_tls_info(mut self, info: &TlsInfo) -> Self {
        self.tls_exporter = info.tls_exporter.clone();
        self.tls_server_end_point = info.tls_server_end_point.clone();
        self
    }

    /// Enables EXTERNAL with the identity the TLS layer established (a
    /// client certificate's subject, say).
    pub fn with_external_identity(mut self, identity: impl Into<String>) -> Self {
        self.external_identity = Some(identity.into());
        self
    }

    /// Enables CRAM-MD5 (needs [`crate::CredentialStore::cram_md5_password`]).
    pub fn enable_cram_md5(mut self, enable: bool) -> Self {
        self.cram_md5 = enable;
        self
    }

    /// Enables ANONYMOUS.
    pub fn enable_anonymous(mut self, enable: bool) -> Self {
        self.anonymous = enable;
        self
    }

    /// Enables OAUTHBEARER and XOAUTH2 (needs
    /// [`crate::CredentialStore::verify_oauth_token`]). `scope` and
    /// `openid_configuration` (a URL) go into the error challenge (RFC 7628
    /// §3.2.2) when given.
    pub fn enable_oauth(
        mut self,
        enable: bool,
        scope: Option<&str>,
        openid_configuration: Option<&str>,
    ) -> Self {
        self.oauth = enable;
        let mut json = String::from(r#"{"status":"invalid_token""#);
        if let Some(s) = scope {
            json.push_str(&format!(r#","scope":"{}""#, oauth::json_escape(s)));
        }
        if let Some(u) = openid_configuration {
            json.push_str(&format!(
                r#","openid-configuration":"{}""#,
                oauth::json_escape(u)
            ));
        }
        json.push('}');
        self.oauth_error = json;
        self
    }

    /// The host name in CRAM-MD5 challenges (default `localhost`).
    pub fn with_hostname(mut self, hostname: impl Into<String>) -> Self {
        let h: String = hostname.into();
        if !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic() && b != b'>') {
            self.hostname = h;
        }
        self
    }

    /// The largest client response accepted (default [`MAX_RESPONSE_LEN`]).
    pub fn with_max_response_len(mut self, len: usize) -> Self {
        self.max_response_len = len;
        self
    }

    /// Whether the protocol can send data with its success reply (RFC 4422
    /// §3.6; IMAP can, SMTP and POP3 cannot). When off (the default), the
    /// SCRAM server-final message goes out as a last challenge, answered by
    /// an empty response.
    pub fn with_success_data(mut self, enable: bool) -> Self {
        self.success_data = enable;
        self
    }

    /// The SCRAM iteration count announced for unknown users (default
    /// [`super::MemoryStore::DEFAULT_ITERATIONS`]). Set it to what real
    /// accounts use, so that the server-first message does not tell which
    /// users exist (the made-up salt is stable per user name already).
    pub fn with_unknown_user_iterations(mut self, iterations: u32) -> Self {
        self.unknown_user_iterations = iterations.max(crate::MIN_ITERATIONS);
        self
    }

    pub(super) fn has_binding(&self) -> bool {
        self.tls_exporter.is_some() || self.tls_server_end_point.is_some()
    }

    /// The mechanisms this configuration can serve, strongest first, for a
    /// capability list. Leave out PLAIN and LOGIN before TLS (the protocol
    /// crates' job).
    pub fn mechanisms(&self) -> Vec<Mechanism> {
        let mut out = Vec::new();
        if self.has_binding() {
            out.extend([Mechanism::ScramSha256Plus, Mechanism::ScramSha1Plus]);
        }
        out.extend([Mechanism::ScramSha256, Mechanism::ScramSha1]);
        if self.external_identity.is_some() {
            out.push(Mechanism::External);
        }
        if self.oauth {
            out.extend([Mechanism::OAuthBearer, Mechanism::XOAuth2]);
        }
        out.extend([Mechanism::Plain, Mechanism::Login]);
        if self.cram_md5 {
            out.push(Mechanism::CramMd5);
        }
        if self.anonymous {
            out.push(Mechanism::Anonymous);
        }
        out
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("mechanisms", &self.mechanisms())
            .field("max_response_len", &self.max_response_len)
            .field("success_data", &self.success_data)
            .finish_non_exhaustive()
    }
}
