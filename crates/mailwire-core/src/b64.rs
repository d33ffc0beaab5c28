//! Base64 (RFC 4648 §4) as SASL exchanges use it on the wire
//! (RFC 4954 §4, RFC 5034 §4, RFC 9051 §6.2.2): standard alphabet, padded,
//! no line breaks; a decoder that refuses anything else.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};

/// Encodes bytes as padded standard base64.
pub fn encode(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes padded standard base64; whitespace or other characters are an
/// error of the peer (recoverable: the exchange can be failed cleanly).
pub fn decode(text: &[u8]) -> Result<Vec<u8>> {
    STANDARD
        .decode(text)
        .map_err(|_| Error::remote("invalid base64", text))
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_rejects() {
        assert_eq!(super::encode(b"\0user\0pass"), "AHVzZXIAcGFzcw==");
        assert_eq!(super::decode(b"AHVzZXIAcGFzcw==").unwrap(), b"\0user\0pass");
        assert!(super::decode(b"AHVz ZXIA").is_err());
        assert!(super::decode(b"*").is_err());
    }
}
