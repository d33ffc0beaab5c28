//! Modified UTF-7 mailbox names (RFC 3501 §5.1.3).
//!
//! Printable US-ASCII except `&` stands for itself, `&` is written `&-`,
//! and other characters are UTF-16 encoded in modified base64 (`,` for `/`,
//! no padding) between `&` and `-`.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn value(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == b).map(|p| p as u32)
}

/// Encodes a mailbox name in modified UTF-7.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        out.push('&');
        let mut bits: u32 = 0;
        let mut nbits = 0;
        for unit in pending.drain(..) {
            bits = (bits << 16) | u32::from(unit);
            nbits += 16;
            while nbits >= 6 {
                nbits -= 6;
                out.push(ALPHABET[((bits >> nbits) & 63) as usize] as char);
            }
        }
        if nbits > 0 {
            out.push(ALPHABET[((bits << (6 - nbits)) & 63) as usize] as char);
        }
        out.push('-');
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Decodes a modified UTF-7 mailbox name; `None` if it is not valid modified
/// UTF-7 (a bare 8-bit byte, a bad base64 run, a run that encodes printable
/// ASCII, non-zero padding bits, or unpaired surrogates).
pub fn decode(name: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut i = 0;
    while i < name.len() {
        let b = name[i];
        if !(0x20..=0x7e).contains(&b) {
            return None;
        }
        if b != b'&' {
            out.push(b as char);
            i += 1;
            continue;
        }
        let end = i + 1 + name[i + 1..].iter().position(|&c| c == b'-')?;
        let run = &name[i + 1..end];
        i = end + 1;
        if run.is_empty() {
            out.push('&');
            continue;
        }
        let mut units = Vec::with_capacity(run.len() * 6 / 16);
        let mut bits: u32 = 0;
        let mut nbits = 0;
        for &c in run {
            bits = (bits << 6) | value(c)?;
            nbits += 6;
            if nbits >= 16 {
                nbits -= 16;
                units.push((bits >> nbits) as u16);
                bits &= (1 << nbits) - 1;
            }
        }
        if nbits >= 6 || bits != 0 {
            return None;
        }
        for c in char::decode_utf16(units.iter().copied()) {
            let c = c.ok()?;
            if (' '..='~').contains(&c) {
                return None;
            }
            out.push(c);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_3501_example() {
        // RFC 3501 §5.1.3.
        assert_eq!(
            decode(b"~peter/mail/&U,BTFw-/&ZeVnLIqe-").as_deref(),
            Some("~peter/mail/\u{53F0}\u{5317}/\u{65E5}\u{672C}\u{8A9E}")
        );
        assert_eq!(
            encode("~peter/mail/\u{53F0}\u{5317}/\u{65E5}\u{672C}\u{8A9E}"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(encode("a&b"), "a&-b");
        assert_eq!(decode(b"a&-b").as_deref(), Some("a&b"));
        assert_eq!(encode("Entw\u{fc}rfe"), "Entw&APw-rfe");
    }

    #[test]
    fn rejects_invalid() {
        assert_eq!(decode(b"&Jjo!"), None);
        assert_eq!(decode(b"&AGE-"), None); // encodes "a"
        assert_eq!(decode(b"\xc3\xa4"), None);
        assert_eq!(decode(b"&2D3-"), None); // unpaired surrogate
    }

    proptest! {
        #[test]
        fn round_trip(s in "\\PC{0,20}") {
            let e = encode(&s);
            prop_assert!(e.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            prop_assert_eq!(decode(e.as_bytes()), Some(s));
        }
    }
}
