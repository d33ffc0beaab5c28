//! Small helpers: random nonces, constant-time comparison, hex.

use subtle::ConstantTimeEq;

use crate::Error;

/// Characters a SCRAM nonce may contain (RFC 5802 §7 `printable`, minus ',').
const NONCE_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// A nonce of `len` printable characters from the OS random source.
pub(crate) fn random_nonce(len: usize) -> Result<String, Error> {
    let mut raw = vec![0u8; len];
    getrandom::fill(&mut raw).map_err(|_| Error::Random)?;
    // 64 symbols: the low 6 bits of each byte give an unbiased choice.
    Ok(raw
        .iter()
        .map(|b| char::from(NONCE_ALPHABET[usize::from(b & 0x3f)]))
        .collect())
}

/// `len` random bytes from the OS random source.
pub(crate) fn random_bytes(len: usize) -> Result<Vec<u8>, Error> {
    let mut raw = vec![0u8; len];
    getrandom::fill(&mut raw).map_err(|_| Error::Random)?;
    Ok(raw)
}

/// Constant-time equality (length is not secret).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Lower-case hex.
pub(crate) fn hex(data: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(data.len() * 2);
    for b in data {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Whether a nonce given by a caller is valid SCRAM `printable` without ','.
pub(crate) fn valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
}
