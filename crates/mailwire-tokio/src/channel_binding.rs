//! `tls-server-end-point` channel binding (RFC 5929 §4.1): the hash of the
//! server's certificate, with the hash function chosen by the certificate's
//! signature algorithm.
//!
//! RFC 5929 §4.1: "if the certificate's signatureAlgorithm uses a single hash
//! function and that hash function is either MD5 or SHA-1, then use SHA-256;
//! if the certificate's signatureAlgorithm uses a single hash function and
//! that hash function neither MD5 nor SHA-1, then use the hash function
//! associated with the certificate's signatureAlgorithm". Algorithms with no
//! hash function or more than one (Ed25519, Ed448) have no binding defined.

use ring::digest;

/// The hash function RFC 5929 §4.1 selects for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndPointHash {
    /// SHA-256 (also for MD5 and SHA-1 signed certificates).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

/// The `tls-server-end-point` data for a DER certificate, or `None` when
/// the certificate cannot be parsed or its signature algorithm defines no
/// binding (see [`end_point_hash`]).
pub fn tls_server_end_point(cert_der: &[u8]) -> Option<Vec<u8>> {
    let algorithm = match end_point_hash(cert_der)? {
        EndPointHash::Sha256 => &digest::SHA256,
        EndPointHash::Sha384 => &digest::SHA384,
        EndPointHash::Sha512 => &digest::SHA512,
    };
    Some(digest::digest(algorithm, cert_der).as_ref().to_vec())
}

/// Which hash RFC 5929 §4.1 selects for this DER certificate.
///
/// Reads `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
/// signatureValue }` (RFC 5280 §4.1) far enough to get the
/// `AlgorithmIdentifier` of the signature.
pub fn end_point_hash(cert_der: &[u8]) -> Option<EndPointHash> {
    let (tag, certificate, _) = der_element(cert_der)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, _tbs, rest) = der_element(certificate)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, algorithm_identifier, _) = der_element(rest)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, oid, params) = der_element(algorithm_identifier)?;
    if tag != OBJECT_IDENTIFIER {
        return None;
    }
    match oid {
        MD5_WITH_RSA | SHA1_WITH_RSA | SHA256_WITH_RSA => Some(EndPointHash::Sha256),
        SHA384_WITH_RSA => Some(EndPointHash::Sha384),
        SHA512_WITH_RSA => Some(EndPointHash::Sha512),
        ECDSA_WITH_SHA1 | ECDSA_WITH_SHA256 => Some(EndPointHash::Sha256),
        ECDSA_WITH_SHA384 => Some(EndPointHash::Sha384),
        ECDSA_WITH_SHA512 => Some(EndPointHash::Sha512),
        DSA_WITH_SHA1 | DSA_WITH_SHA256 => Some(EndPointHash::Sha256),
        RSASSA_PSS => pss_hash(params),
        _ => None,
    }
}

/// RSASSA-PSS names its hash in its parameters (RFC 4055 §3.1):
/// `RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] HashAlgorithm
/// DEFAULT sha1, ... }`.
fn pss_hash(params: &[u8]) -> Option<EndPointHash> {
    let (tag, fields, _) = der_element(params)?;
    if tag != SEQUENCE {
        return None;
    }
    if fields.is_empty() || fields[0] != CONTEXT_0 {
        // hashAlgorithm absent: the default, SHA-1, maps to SHA-256.
        return Some(EndPointHash::Sha256);
    }
    let (_, explicit, _) = der_element(fields)?;
    let (tag, hash_identifier, _) = der_element(explicit)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, oid, _) = der_element(hash_identifier)?;
    if tag != OBJECT_IDENTIFIER {
        return None;
    }
    match oid {
        HASH_SHA1 | HASH_SHA256 => Some(EndPointHash::Sha256),
        HASH_SHA384 => Some(EndPointHash::Sha384),
        HASH_SHA512 => Some(EndPointHash::Sha512),
        _ => None,
    }
}

const SEQUENCE: u8 = 0x30;
const OBJECT_IDENTIFIER: u8 = 0x06;
const CONTEXT_0: u8 = 0xa0;

// Object identifiers, as their DER content bytes.
const MD5_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04];
const SHA1_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05];
const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const SHA256_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b];
const SHA384_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c];
const SHA512_WITH_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d];
const ECDSA_WITH_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
const ECDSA_WITH_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const ECDSA_WITH_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const ECDSA_WITH_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04];
const DSA_WITH_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x03];
const DSA_WITH_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x02];
const HASH_SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
const HASH_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const HASH_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
const HASH_SHA512: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03];

/// Splits one DER element (single-byte tag, definite length) off `input`:
/// `(tag, content, rest)`.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    if rest.len() < len {
        return None;
    }
    let (content, rest) = rest.split_at(len);
    Some((tag, content, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate skeleton with the given signature AlgorithmIdentifier
    /// content (OID element plus parameters).
    fn skeleton(algorithm: &[u8]) -> Vec<u8> {
        let tbs = [SEQUENCE, 0x03, 0x02, 0x01, 0x00];
        let mut alg = vec![SEQUENCE, algorithm.len() as u8];
        alg.extend_from_slice(algorithm);
        let signature = [0x03, 0x02, 0x00, 0xff];
        let body: Vec<u8> = [&tbs[..], &alg, &signature].concat();
        let mut cert = vec![SEQUENCE, 0x81, body.len() as u8];
        cert.extend_from_slice(&body);
        cert
    }

    fn oid(content: &[u8]) -> Vec<u8> {
        let mut v = vec![OBJECT_IDENTIFIER, content.len() as u8];
        v.extend_from_slice(content);
        v
    }

    #[test]
    fn md5_and_sha1_map_to_sha256() {
        for alg in [MD5_WITH_RSA, SHA1_WITH_RSA, ECDSA_WITH_SHA1, DSA_WITH_SHA1] {
            let mut a = oid(alg);
            a.extend_from_slice(&[0x05, 0x00]);
            assert_eq!(end_point_hash(&skeleton(&a)), Some(EndPointHash::Sha256));
        }
    }

    #[test]
    fn stronger_hashes_are_kept() {
        assert_eq!(
            end_point_hash(&skeleton(&oid(ECDSA_WITH_SHA384))),
            Some(EndPointHash::Sha384)
        );
        assert_eq!(
            end_point_hash(&skeleton(&oid(SHA512_WITH_RSA))),
            Some(EndPointHash::Sha512)
        );
        let cert = skeleton(&oid(SHA384_WITH_RSA));
        let expected = digest::digest(&digest::SHA384, &cert);
        assert_eq!(tls_server_end_point(&cert).unwrap(), expected.as_ref());
    }

    #[test]
    fn pss_reads_its_hash_parameter() {
        // RSASSA-PSS with hashAlgorithm [0] { SEQUENCE { id-sha512 } }.
        let hash = oid(HASH_SHA512);
        let mut hash_alg = vec![SEQUENCE, hash.len() as u8];
        hash_alg.extend_from_slice(&hash);
        let mut explicit = vec![CONTEXT_0, hash_alg.len() as u8];
        explicit.extend_from_slice(&hash_alg);
        let mut params = vec![SEQUENCE, explicit.len() as u8];
        params.extend_from_slice(&explicit);
        let mut alg = oid(RSASSA_PSS);
        alg.extend_from_slice(&params);
        assert_eq!(end_point_hash(&skeleton(&alg)), Some(EndPointHash::Sha512));
        // Default parameters: SHA-1, so SHA-256.
        let mut alg = oid(RSASSA_PSS);
        alg.extend_from_slice(&[SEQUENCE, 0x00]);
        assert_eq!(end_point_hash(&skeleton(&alg)), Some(EndPointHash::Sha256));
    }

    #[test]
    fn ed25519_and_garbage_have_no_binding() {
        assert_eq!(end_point_hash(&skeleton(&oid(&[0x2b, 0x65, 0x70]))), None);
        assert_eq!(end_point_hash(b""), None);
        assert_eq!(end_point_hash(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        let cert = skeleton(&oid(SHA256_WITH_RSA));
        assert_eq!(end_point_hash(&cert[..cert.len() - 1]), None);
    }
}
