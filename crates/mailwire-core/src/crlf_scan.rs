//! The bulk scan that [`crate::dot`] runs over bodies: skip, 64 bytes at a
//! time, everything that is plain CRLF-terminated lines with no line
//! starting with a dot, and stop exactly where that stops being true.
//!
//! The check is written as a branch-free loop over fixed-size arrays so that
//! the compiler turns it into vector code on any target (SSE2 on x86-64,
//! NEON on aarch64) without `unsafe`: per 16 bytes three loads, three byte
//! compares and four bitwise operations.

/// Where the byte-by-byte part of a scan that is at `i`, inside a line or
/// at the start of one (`line_start`), picks up again after
/// [`plain_until`], and whether that byte starts a line.
///
/// `data[i]` must be neither an LF nor a dot that starts a line (see
/// [`plain_until`]). Everything before the returned position is plain: a CR
/// there has its LF, and no line among those bytes starts with a dot. When
/// the stop is right after a CR, the LF that belongs to it is skipped too
/// (the checks have already paired them), so the byte-by-byte part never
/// sees the second half of a CRLF.
#[inline]
fn skip_plain(data: &[u8], i: usize, line_start: bool) -> (usize, bool) {
    let e = plain_until(data, i);
    match e.checked_sub(1).filter(|_| e > i).map(|p| data[p]) {
        Some(b'\r') => (e + 1, true),
        Some(b'\n') => (e, true),
        Some(_) => (e, false),
        // Nothing skipped: the caller's state stands.
        None => (i, line_start),
    }
}

/// From `i`, where `line_start` says whether `data[i]` starts a line: the
/// next position whose byte needs a decision one at a time (a line ending,
/// a bare CR or LF, a dot that starts a line), whether it starts a line,
/// and that byte, or `None` once the plain bytes reach the end of `data`.
/// Plain stretches in between are skipped with [`plain_until`]; the
/// encoder and the decoder of [`crate::dot`] both walk a body with this.
#[inline]
pub(crate) fn next_decision(data: &[u8], i: usize, line_start: bool) -> (usize, bool, Option<u8>) {
    match data.get(i) {
        // `plain_until` cannot tell whether an LF at `i` follows a CR or
        // whether a dot at `i` starts a line: those are decided here.
        Some(&b) if b == b'\n' || (line_start && b == b'.') => (i, line_start, Some(b)),
        Some(_) => {
            let (j, line_start) = skip_plain(data, i, line_start);
            (j, line_start, data.get(j).copied())
        }
        None => (i, line_start, None),
    }
}

/// Whether any of the first `N` positions of `c` is where plain text
/// stops (see [`plain_until`]), with no early
/// exit so that it becomes vector code: `c` is read as three overlapping
/// arrays, so that each lane is one unaligned load.
#[inline(always)]
fn any_stops<const N: usize>(c: &[u8]) -> bool {
    let (Some(a), Some(b), Some(d)) = (c.get(..N), c.get(1..N + 1), c.get(2..N + 2)) else {
        return true;
    };
    let (Ok(a), Ok(b), Ok(d)) = (
        <&[u8; N]>::try_from(a),
        <&[u8; N]>::try_from(b),
        <&[u8; N]>::try_from(d),
    ) else {
        return true;
    };
    let mut acc = 0u8;
    for j in 0..N {
        let lf = b[j] == b'\n';
        acc |= (((a[j] == b'\r') != lf) | (lf & (d[j] == b'.'))) as u8;
    }
    acc != 0
}

/// How far from `i` the input is plain: the first `e >= i` such that for
/// every `j` in `i..e`
///
/// * a CR at `j` is followed by LF at `j + 1`,
/// * an LF at `j + 1` follows a CR at `j`,
/// * no LF at `j + 1` is followed by a dot at `j + 2`,
///
/// either because position `e` breaks one of these (the caller looks at the
/// bytes there one by one) or because fewer than three bytes are left from
/// `e` on (the caller finishes the buffer one by one).
///
/// The caller must itself look at what this cannot see from `i` on: whether
/// an LF at `i` follows a CR, and whether a dot at `i` starts a line.
pub(crate) fn plain_until(data: &[u8], mut i: usize) -> usize {
    while let Some(c) = data.get(i..i + 66) {
        if !any_stops::<64>(c) {
            i += 64;
            continue;
        }
        return i + first_stop(c);
    }
    // The last bytes: one more block over a copy padded with plain bytes,
    // which answers exactly for every position with two bytes after it.
    let len = data.len();
    if i + 2 < len {
        let mut c = [b'x'; 66];
        c[..len - i].copy_from_slice(&data[i..]);
        return (i + first_stop(&c)).min(len - 2);
    }
    i
}

/// The first of the 64 positions of the 66 bytes `c` where plain text
/// stops (64
/// if none): the flags are computed for all 64 at once (vector code), then
/// looked up eight at a time.
#[inline(always)]
fn first_stop(c: &[u8]) -> usize {
    let (Some(a), Some(b), Some(d)) = (c.get(..64), c.get(1..65), c.get(2..66)) else {
        return 0;
    };
    let mut flags = [0u8; 64];
    for (j, f) in flags.iter_mut().enumerate() {
        let lf = b[j] == b'\n';
        *f = (((a[j] == b'\r') != lf) | (lf & (d[j] == b'.'))) as u8;
    }
    for (w, word) in flags.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(word.try_into().unwrap_or([1; 8]));
        if x != 0 {
            return 8 * w + (x.trailing_zeros() / 8) as usize;
        }
    }
    64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same definition, one byte at a time.
    fn plain_until_slow(data: &[u8], i: usize) -> usize {
        let mut j = i;
        while j + 2 < data.len() {
            let lf = data[j + 1] == b'\n';
            if (data[j] == b'\r') != lf || (lf && data[j + 2] == b'.') {
                return j;
            }
            j += 1;
        }
        j
    }

    /// Plain CRLF lines with one odd byte (or pair) put at every position,
    /// so that every position of a block, its edges included, is where the
    /// stop falls once, scanned from several starts.
    #[test]
    fn one_stop_at_every_position() {
        let mut plain = Vec::new();
        while plain.len() < 400 {
            plain.extend_from_slice(b"abcdefghijklmnopqrstuvwxy\r\n");
        }
        for odd in [&b"\r"[..], b"\n", b"\n.", b".", b"\r\r", b"\n\n"] {
            for at in 0..plain.len() - 4 {
                let mut data = plain.clone();
                data[at..at + odd.len()].copy_from_slice(odd);
                for i in [0, 1, 2, 3, 7, 63, 64, 65].into_iter().filter(|&i| i <= at) {
                    assert_eq!(
                        plain_until(&data, i),
                        plain_until_slow(&data, i),
                        "{odd:?} at {at} from {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn matches_the_byte_at_a_time_definition() {
        let alphabet = [b'a', b'.', b'\r', b'\n'];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for len in 0..300 {
            for _ in 0..20 {
                let mut data: Vec<u8> = Vec::with_capacity(len);
                for _ in 0..len {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    // Mostly plain lines, with a rare odd byte.
                    let r = (seed % 64) as usize;
                    let b = if r < 4 { alphabet[r] } else { b'x' };
                    data.push(b);
                }
                // Make most of it CRLF lines so that runs get long.
                for k in (20..len).step_by(37) {
                    if k + 1 < len && seed % 3 != 0 {
                        data[k] = b'\r';
                        data[k + 1] = b'\n';
                    }
                }
                for i in [0, 1, 5, 17].into_iter().filter(|&i| i <= len) {
                    assert_eq!(
                        plain_until(&data, i),
                        plain_until_slow(&data, i),
                        "{data:?} from {i}"
                    );
                }
            }
        }
    }
}
