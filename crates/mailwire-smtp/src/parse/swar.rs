//! Byte classes eight at a time ("SIMD within a register"), for the runs
//! of the MAIL/RCPT fast path and for domains.
//!
//! A word is eight bytes of the input read as a little-endian `u64`
//! (`u64::from_le_bytes`, so byte `i` of the input is bits `8i..8i+8` on
//! any target), and bytes past the end of the input read as NUL, which
//! every class here stops at. A class test gives a mask with bit 7 of
//! every flagged byte set and no other bit; the first flagged byte is
//! `mask.trailing_zeros() / 8`.
//!
//! The tests are exact per byte, not just for the lowest flagged one:
//! they work on the low seven bits of each byte (`x = w & 0x7f..`), where
//! adding a constant of at most `0x80` to a byte can never carry into the
//! next one, and flag bytes with bit 7 set separately.

/// `0x01` in every byte.
const L: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
const H: u64 = L * 0x80;

/// The eight bytes of `s` from `i` on, as a little-endian word; bytes
/// past the end read as NUL.
#[inline(always)]
pub(crate) fn word(s: &[u8], i: usize) -> u64 {
    if let Some(&[a, b, c, d, e, f, g, h]) = s.get(i..i.wrapping_add(8)) {
        return u64::from_le_bytes([a, b, c, d, e, f, g, h]);
    }
    tail(s, i)
}

/// [`word`] within eight bytes of the end: the last eight bytes of `s`,
/// shifted down past those before `i`, or byte by byte if `s` is shorter
/// than a word.
#[inline(never)]
fn tail(s: &[u8], i: usize) -> u64 {
    let len = s.len();
    if i >= len {
        return 0;
    }
    if let Some(&[a, b, c, d, e, f, g, h]) = s.get(len.wrapping_sub(8)..) {
        // 0 < i + 8 - len < 8, so the shift is 8..=56 bits.
        return u64::from_le_bytes([a, b, c, d, e, f, g, h]) >> (8 * (i + 8 - len));
    }
    s.get(i..)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .fold(0, |v, (k, &b)| v | u64::from(b) << (8 * k))
}

/// Flags the bytes of `x` (all below 0x80) that are at least `n`
/// (`n` at most 0x80).
#[inline(always)]
const fn ge(x: u64, n: u8) -> u64 {
    x.wrapping_add(L * (0x80 - n as u64)) & H
}

/// Flags the bytes of `x` (all below 0x80) equal to `c` (below 0x80).
#[inline(always)]
const fn eq(x: u64, c: u8) -> u64 {
    !((x ^ (L * c as u64)).wrapping_add(L * 0x7f)) & H
}

/// The low seven bits of every byte.
#[inline(always)]
const fn low(w: u64) -> u64 {
    w & !H
}

/// Flags the ASCII letters and digits of `w`.
#[inline(always)]
const fn alnum(w: u64) -> u64 {
    let x = low(w);
    // Or-ing 0x20 maps upper-case letters onto lower case and no other
    // byte onto a letter.
    let l = x | (L * 0x20);
    let alpha = ge(l, b'a') ^ ge(l, b'z' + 1);
    let digit = ge(x, b'0') ^ ge(x, b'9' + 1);
    (alpha | digit) & !(w & H)
}

/// Flags the bytes that are not ASCII letters or digits (so NUL, and
/// everything at or above 0x80).
#[inline(always)]
pub(crate) const fn not_alnum(w: u64) -> u64 {
    alnum(w) ^ H
}

/// Flags the bytes that are not `esmtp-keyword` characters
/// (`ALPHA / DIGIT / "-"`).
#[inline(always)]
pub(crate) const fn not_keyword(w: u64) -> u64 {
    (alnum(w) | (eq(low(w), b'-') & !(w & H))) ^ H
}

/// Flags the bytes that are not ASCII `esmtp-value` characters
/// (`%d33-60 / %d62-126`).
#[inline(always)]
pub(crate) const fn not_value(w: u64) -> u64 {
    let x = low(w);
    (w & H) | (ge(x, 33) ^ H) | ge(x, 127) | eq(x, b'=')
}

/// Flags the bytes that are not `xchar` (RFC 3461 §4: `%x21-2A /
/// %x2C-3C / %x3E-7E`).
#[inline(always)]
pub(crate) const fn not_xchar(w: u64) -> u64 {
    let x = low(w);
    (w & H) | (ge(x, 0x21) ^ H) | ge(x, 0x7f) | eq(x, b'+') | eq(x, b'=')
}

/// Flags the bytes that are not ASCII digits.
#[inline(always)]
pub(crate) const fn not_digit(w: u64) -> u64 {
    let x = low(w);
    ((ge(x, b'0') ^ ge(x, b'9' + 1)) & !(w & H)) ^ H
}

/// The number that the first `n` bytes of `w` (1 to 8 ASCII digits, the
/// first the most significant) write: the digits are moved to the top of
/// the word (zeros before them are leading zeros) and added up in pairs,
/// then pairs of pairs, each step one multiply.
#[inline(always)]
pub(crate) const fn decimal(w: u64, n: usize) -> u64 {
    let v = (w << (8 * (8 - n))) & 0x0f0f_0f0f_0f0f_0f0f;
    let v = (v.wrapping_mul(10 << 8 | 1) >> 8) & 0x00ff_00ff_00ff_00ff;
    let v = (v.wrapping_mul(100 << 16 | 1) >> 16) & 0x0000_ffff_0000_ffff;
    v.wrapping_mul(10000 << 32 | 1) >> 32
}

/// Flags the bytes of `w` equal to `c` (ASCII).
#[inline(always)]
pub(crate) const fn equal(w: u64, c: u8) -> u64 {
    eq(low(w), c) & !(w & H)
}

/// The index of the first flagged byte of a non-zero mask.
#[inline(always)]
pub(crate) const fn first(mask: u64) -> usize {
    (mask.trailing_zeros() / 8) as usize
}

/// The length of the run at the start of `s` of bytes that `stop` does
/// not flag. `stop` must flag NUL.
#[inline(always)]
pub(crate) fn run(s: &[u8], stop: impl Fn(u64) -> u64) -> usize {
    let mut i = 0;
    loop {
        let m = stop(word(s, i));
        if m != 0 {
            return (i + first(m)).min(s.len());
        }
        i += 8;
    }
}

/// The length of the domain (RFC 5321 §4.1.2 `Domain = sub-domain
/// *("." sub-domain)`, `sub-domain = Let-dig [Ldh-str]`) at the start of
/// `s`, up to the first byte that cannot be in one, and whether it is all
/// ASCII. With `utf8`, bytes at or above 0x80 count as letters (RFC 6531
/// §3.3; the caller checks that they are UTF-8). `None` if what is there
/// is not a domain: an empty label, a label that starts or ends with `-`
/// or is longer than 63 octets. The caller checks the total length.
///
/// A word at a time with no branch per byte: the dots and hyphens of a
/// word are masks, and a label that is empty or starts or ends with a
/// hyphen is a dot or the start followed by a dot, a hyphen or the end,
/// or a hyphen followed by a dot or the end; the flags of the last byte
/// of a word carry into the next. A domain with a non-ASCII byte or
/// longer than 63 bytes (where a label may be too long) is read again by
/// [`domain_len_bytewise`].
#[inline]
pub(crate) fn domain_len(s: &[u8], utf8: bool) -> Option<(usize, bool)> {
    // Bit 7 set: the byte before the word is a dot (or the start of the
    // domain), or a hyphen.
    let (mut dot_before, mut hyphen_before) = (0x80, 0);
    let mut i = 0;
    loop {
        let w = word(s, i);
        let dot = equal(w, b'.');
        let hyphen = equal(w, b'-');
        let stop = not_alnum(w) & !dot & !hyphen;
        let after_dot = dot << 8 | dot_before;
        let after_hyphen = hyphen << 8 | hyphen_before;
        if stop != 0 {
            // The bytes up to and including the first stop.
            let upto = stop ^ (stop - 1);
            let end = stop & upto;
            if utf8 && w & H & upto != 0 {
                return domain_len_bytewise(s, utf8);
            }
            if (after_dot & (dot | hyphen | end) | after_hyphen & (dot | end)) & upto != 0 {
                return None;
            }
            let len = (i + first(stop)).min(s.len());
            if len > 63 {
                return domain_len_bytewise(s, utf8);
            }
            return Some((len, true));
        }
        if after_dot & (dot | hyphen) | after_hyphen & dot != 0 {
            return None;
        }
        dot_before = dot >> 56;
        hyphen_before = hyphen >> 56;
        i += 8;
    }
}

/// [`domain_len`] with the bytes other than letters and digits looked at
/// one by one: for domains with UTF-8 or long labels.
#[inline(never)]
pub(crate) fn domain_len_bytewise(s: &[u8], utf8: bool) -> Option<(usize, bool)> {
    let mut start = 0;
    let mut ascii = true;
    let mut i = 0;
    loop {
        let mut m = not_alnum(word(s, i));
        while m != 0 {
            let p = i + first(m);
            m &= m - 1;
            match s.get(p) {
                Some(b'-') => {}
                Some(0x80..) if utf8 => ascii = false,
                b => {
                    // The end of a label: inside its limits, and neither
                    // its first nor its last byte a hyphen.
                    let end = p.min(s.len());
                    let label = s.get(start..end)?;
                    match label {
                        [f, .., l] | [f @ l] if *f != b'-' && *l != b'-' && label.len() <= 63 => {}
                        _ => return None,
                    }
                    if b != Some(&b'.') {
                        return Some((end, ascii));
                    }
                    start = p + 1;
                }
            }
        }
        i += 8;
    }
}

/// The length of the common mailbox at the start of `s`, an ASCII
/// `Dot-string "@" Domain` (RFC 5321 §4.1.2) whose local part is letters,
/// digits, dots and hyphens, shorter than 64 bytes, up to the first byte
/// that cannot be in its domain (which the caller checks); and where its
/// `@` is. `Err(())` if it is not a mailbox, `Ok(None)` if it is not of
/// this kind (another `atext` byte in the local part, no `@`, a long
/// mailbox), for the caller to read it with the general functions.
///
/// Letters and digits are skipped a word at a time; the other bytes are
/// looked at one by one: an atom or label may not be empty (a dot or the
/// `@` right after the start or a dot or the `@`, or the end right after
/// the `@` or a dot), and a label may not start or end with a hyphen.
#[inline]
pub(crate) fn common_mailbox_len(s: &[u8]) -> Result<Option<(usize, usize)>, ()> {
    // Where the `@` is, once seen.
    let mut at = None;
    // Where the current atom or label starts.
    let mut start = 0;
    let mut i = 0;
    while i < 64 {
        let mut m = not_alnum(word(s, i));
        while m != 0 {
            let p = i + first(m);
            m &= m - 1;
            let hyphen_before = || s.get(p.wrapping_sub(1)) == Some(&b'-');
            match s.get(p) {
                Some(b'.') => {
                    if p == start || at.is_some() && hyphen_before() {
                        return Err(());
                    }
                    start = p + 1;
                }
                Some(b'@') if at.is_none() => {
                    if p == start {
                        return Err(());
                    }
                    at = Some(p);
                    start = p + 1;
                }
                Some(b'-') => {
                    if at.is_some() && p == start {
                        return Err(());
                    }
                }
                _ => {
                    // The end of the domain, or another byte in the
                    // local part.
                    let Some(at) = at else {
                        return Ok(None);
                    };
                    if p == start || hyphen_before() {
                        return Err(());
                    }
                    return Ok(Some((p.min(s.len()), at)));
                }
            }
        }
        i += 8;
    }
    Ok(None)
}

/// The length of the ASCII `Dot-string` (RFC 5321 §4.1.2) at the start
/// of `s`, which must be followed by `@`: `None` for anything else (an
/// empty atom, a byte that is not ASCII `atext`, no `@`).
///
/// A word at a time, as [`domain_len`]: an empty atom is a dot or the
/// start followed by a dot or the `@`. A local part with a byte other
/// than letters, digits and dots is read again by
/// [`dot_string_len_bytewise`], which looks such bytes up in `is_atext`.
#[inline]
pub(crate) fn dot_string_len(s: &[u8], is_atext: impl Fn(u8) -> bool) -> Option<usize> {
    let mut dot_before = 0x80;
    let mut i = 0;
    loop {
        let w = word(s, i);
        let dot = equal(w, b'.');
        let stop = not_alnum(w) & !dot;
        let after_dot = dot << 8 | dot_before;
        if stop != 0 {
            let upto = stop ^ (stop - 1);
            let at = equal(w, b'@') & stop & upto;
            if at == 0 {
                return dot_string_len_bytewise(s, is_atext);
            }
            if after_dot & (dot | at) & upto != 0 {
                return None;
            }
            return Some(i + first(stop));
        }
        if after_dot & dot != 0 {
            return None;
        }
        dot_before = dot >> 56;
        i += 8;
    }
}

/// [`dot_string_len`] with the bytes other than letters and digits
/// looked at one by one.
#[inline(never)]
pub(crate) fn dot_string_len_bytewise(s: &[u8], is_atext: impl Fn(u8) -> bool) -> Option<usize> {
    let mut start = 0;
    let mut i = 0;
    loop {
        let mut m = not_alnum(word(s, i));
        while m != 0 {
            let p = i + first(m);
            m &= m - 1;
            match s.get(p) {
                Some(b'.') if p > start => start = p + 1,
                Some(b'@') if p > start => return Some(p),
                Some(&b) if b < 0x80 && is_atext(b) => {}
                _ => return None,
            }
        }
        i += 8;
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Applies a word test to the bytes of `s` one word at a time and
    /// lists the flagged positions below `s.len()`.
    fn flagged(s: &[u8], test: impl Fn(u64) -> u64) -> Vec<bool> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < s.len() {
            let m = test(word(s, i));
            for k in 0..8 {
                if i + k < s.len() {
                    out.push(m & (0x80 << (8 * k)) != 0);
                }
            }
            // No bit other than bit 7 of a byte is ever set.
            assert_eq!(m & !H, 0);
            i += 8;
        }
        out
    }

    fn per_byte(s: &[u8], f: impl Fn(u8) -> bool) -> Vec<bool> {
        s.iter().map(|&b| f(b)).collect()
    }

    /// Bytes with the boundaries of every class well represented.
    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            3 => any::<u8>(),
            2 => prop::sample::select(vec![
                0, b'\r', b'\n', b' ', b'!', b'+', b'-', b'.', b'/', b'0', b'9', b':', b';',
                b'<', b'=', b'>', b'@', b'A', b'Z', b'[', b'`', b'a', b'z', b'{', b'~', 0x7f,
                0x80, 0xa0, 0xad, 0xab, 0xbd, 0xc1, 0xe1, 0xfa, 0xff,
            ]),
            2 => prop::sample::select(b"abcXYZ019".to_vec()),
        ];
        prop::collection::vec(byte, 0..=24)
    }

    /// Mailbox-like bytes: mostly letters, dots, hyphens and `@`.
    fn mailbox_like() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            6 => prop::sample::select(b"ab9.-@".to_vec()),
            1 => prop::sample::select(b"_+> \r\n\0".to_vec()),
            1 => any::<u8>(),
        ];
        prop::collection::vec(byte, 0..=80)
    }

    fn run_ref(s: &[u8], stop: impl Fn(u8) -> bool) -> usize {
        s.iter().position(|&b| stop(b)).unwrap_or(s.len())
    }

    fn domain_ref(s: &[u8], utf8: bool) -> Option<(usize, bool)> {
        let letdig = |b: u8| b.is_ascii_alphanumeric() || (utf8 && b >= 0x80);
        let end = s
            .iter()
            .position(|&b| !(letdig(b) || b == b'-' || b == b'.'))
            .unwrap_or(s.len());
        let d = &s[..end];
        let ok = d.split(|&b| b == b'.').all(|label| {
            matches!((label.first(), label.last()), (Some(&f), Some(&l)) if f != b'-' && l != b'-')
                && label.len() <= 63
        });
        ok.then_some((end, d.is_ascii()))
    }

    fn dot_string_ref(s: &[u8]) -> Option<usize> {
        let at = s.iter().position(|&b| b == b'@')?;
        crate::types::address::is_dot_string(&s[..at])
            .then_some(at)
            .filter(|_| s[..at].is_ascii())
    }

    fn value_ref(b: u8) -> bool {
        !matches!(b, 33..=60 | 62..=126)
    }
    fn xchar_ref(b: u8) -> bool {
        !matches!(b, 0x21..=0x2a | 0x2c..=0x3c | 0x3e..=0x7e)
    }
    fn keyword_ref(b: u8) -> bool {
        !(b.is_ascii_alphanumeric() || b == b'-')
    }

    #[test]
    fn every_byte_every_class() {
        // Each byte value at each of the eight positions, among bytes of
        // every kind, so no carry between bytes goes unseen.
        for v in 0..=255u8 {
            for pos in 0..8 {
                for fill in [0u8, b'a', b'=', 0x7f, 0x80, 0xff, b'-', b'@'] {
                    let mut s = [fill; 8];
                    s[pos] = v;
                    let w = u64::from_le_bytes(s);
                    for (k, &b) in s.iter().enumerate() {
                        let bit = |m: u64| m & (0x80 << (8 * k)) != 0;
                        assert_eq!(bit(not_alnum(w)), !b.is_ascii_alphanumeric(), "{b:#x}");
                        assert_eq!(bit(not_keyword(w)), keyword_ref(b), "{b:#x}");
                        assert_eq!(bit(not_value(w)), value_ref(b), "{b:#x}");
                        assert_eq!(bit(not_xchar(w)), xchar_ref(b), "{b:#x}");
                        assert_eq!(bit(equal(w, b',')), b == b',', "{b:#x}");
                        assert_eq!(bit(not_digit(w)), !b.is_ascii_digit(), "{b:#x}");
                    }
                }
            }
        }
    }

    #[test]
    fn word_reads_past_the_end_as_nul() {
        let s = b"0123456789abcdef";
        for len in 0..=s.len() {
            for i in 0..=len + 9 {
                let mut want = [0u8; 8];
                for (k, w) in want.iter_mut().enumerate() {
                    *w = s[..len].get(i + k).copied().unwrap_or(0);
                }
                assert_eq!(word(&s[..len], i), u64::from_le_bytes(want), "{len} {i}");
            }
        }
    }

    proptest! {
        #[test]
        fn masks_same_as_per_byte(s in bytes()) {
            prop_assert_eq!(flagged(&s, not_alnum), per_byte(&s, |b| !b.is_ascii_alphanumeric()));
            prop_assert_eq!(flagged(&s, not_keyword), per_byte(&s, keyword_ref));
            prop_assert_eq!(flagged(&s, not_value), per_byte(&s, value_ref));
            prop_assert_eq!(flagged(&s, not_xchar), per_byte(&s, xchar_ref));
            prop_assert_eq!(flagged(&s, |w| equal(w, b',')), per_byte(&s, |b| b == b','));
            prop_assert_eq!(flagged(&s, not_digit), per_byte(&s, |b| !b.is_ascii_digit()));
        }

        #[test]
        fn decimal_same_as_parse(n in 1usize..=8, digits in prop::collection::vec(b'0'..=b'9', 8), rest in any::<[u8; 8]>()) {
            let mut s = digits[..n].to_vec();
            s.extend_from_slice(&rest[..8 - n]);
            let want: u64 = std::str::from_utf8(&digits[..n]).unwrap().parse().unwrap();
            prop_assert_eq!(decimal(word(&s, 0), n), want);
        }

        #[test]
        fn runs_same_as_per_byte(s in bytes()) {
            prop_assert_eq!(run(&s, not_alnum), run_ref(&s, |b| !b.is_ascii_alphanumeric()));
            prop_assert_eq!(run(&s, not_keyword), run_ref(&s, keyword_ref));
            prop_assert_eq!(run(&s, not_value), run_ref(&s, value_ref));
            prop_assert_eq!(run(&s, not_xchar), run_ref(&s, xchar_ref));
        }

        #[test]
        fn domain_same_as_per_byte(s in bytes(), utf8 in any::<bool>()) {
            prop_assert_eq!(domain_len(&s, utf8), domain_ref(&s, utf8));
            prop_assert_eq!(domain_len_bytewise(&s, utf8), domain_ref(&s, utf8));
        }

        #[test]
        fn domain_same_as_per_byte_with_long_labels(
            labels in prop::collection::vec((0usize..70, prop::sample::select(b"a-.".to_vec())), 1..5),
            tail in bytes(),
            utf8 in any::<bool>(),
        ) {
            // Labels around the 63-byte limit, joined by dots, hyphens or
            // letters, then anything.
            let mut s = Vec::new();
            for (n, sep) in labels {
                s.extend(std::iter::repeat_n(b'x', n));
                s.push(sep);
            }
            s.extend(tail);
            prop_assert_eq!(domain_len(&s, utf8), domain_ref(&s, utf8));
        }

        #[test]
        fn dot_string_same_as_per_byte(s in bytes()) {
            prop_assert_eq!(
                dot_string_len(&s, crate::types::address::is_atext),
                dot_string_ref(&s)
            );
            prop_assert_eq!(
                dot_string_len_bytewise(&s, crate::types::address::is_atext),
                dot_string_ref(&s)
            );
        }

        #[test]
        fn common_mailbox_same_as_per_byte(s in mailbox_like()) {
            // Where the fast one answers, its answer is the per-byte one's:
            // a local part, an ASCII domain, and the first byte after it.
            let want = dot_string_ref(&s).and_then(|at| {
                let (d, _) = domain_ref(&s[at + 1..], false)?;
                Some((at + 1 + d, at))
            });
            match common_mailbox_len(&s) {
                Ok(Some(got)) => prop_assert_eq!(Some(got), want),
                Err(()) => prop_assert_eq!(None, want),
                Ok(None) => {
                    // Only without an `@` before the first other byte, or
                    // for long mailboxes.
                    let end = s
                        .iter()
                        .position(|&b| !(b.is_ascii_alphanumeric() || b"-.@".contains(&b)))
                        .unwrap_or(s.len());
                    prop_assert!(end >= 64 || !s[..end].contains(&b'@'), "{:?}", s);
                }
            }
        }

        #[test]
        fn runs_at_every_offset(s in prop::collection::vec(any::<u8>(), 0..=40), cut in 0usize..=40) {
            // Sub-slices that end anywhere, so every tail length is read
            // both from a longer slice and from one shorter than a word.
            let s = &s[..cut.min(s.len())];
            for start in 0..=s.len() {
                let t = &s[start..];
                prop_assert_eq!(run(t, not_value), run_ref(t, value_ref));
                prop_assert_eq!(run(t, not_xchar), run_ref(t, xchar_ref));
                prop_assert_eq!(domain_len(t, false), domain_ref(t, false));
                prop_assert_eq!(domain_len(t, true), domain_ref(t, true));
                prop_assert_eq!(
                    dot_string_len(t, crate::types::address::is_atext),
                    dot_string_ref(t)
                );
            }
        }
    }
}
