//! A small stack buffer in front of the caller's [`BufMut`].
//!
//! A reply or command is written as many short pieces (a code, a dash, a
//! keyword, a number, CRLF). Handing each to `BufMut::put_slice` costs a
//! capacity check and a `memcpy` call per piece, which is most of the time
//! of encoding a line (an EHLO reply of ten lines is some forty pieces).
//! [`Staged`] gathers the pieces in a stack array, where a short copy of a
//! known length is a store or two, and passes them on in one `put_slice`
//! per [`STAGE`] bytes. A piece longer than half the stage goes straight
//! through after what is staged, so bulk text is never copied twice.

use bytes::BufMut;

/// How many bytes are gathered before they are passed on.
const STAGE: usize = 128;

/// Writes pieces through a stack buffer into `out`; [`Staged::finish`]
/// (or dropping it) passes on what is left.
pub(crate) struct Staged<'a, B: BufMut> {
    out: &'a mut B,
    len: usize,
    buf: [u8; STAGE],
}

impl<'a, B: BufMut> Staged<'a, B> {
    #[inline]
    pub(crate) fn new(out: &'a mut B) -> Self {
        Staged {
            out,
            len: 0,
            buf: [0; STAGE],
        }
    }

    /// Appends `s`.
    #[inline]
    pub(crate) fn put(&mut self, s: &[u8]) {
        let end = self.len + s.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(s);
                self.len = end;
            }
            None => self.spill(s),
        }
    }

    /// Appends one byte.
    #[inline]
    pub(crate) fn byte(&mut self, b: u8) {
        match self.buf.get_mut(self.len) {
            Some(dst) => {
                *dst = b;
                self.len += 1;
            }
            None => self.spill(&[b]),
        }
    }

    /// Appends `n` in decimal.
    #[inline]
    pub(crate) fn num(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.put(&digits[i..]);
    }

    /// Appends `n` in decimal with a leading `-` if it is negative.
    pub(crate) fn signed(&mut self, n: i64) {
        if n < 0 {
            self.byte(b'-');
        }
        self.num(n.unsigned_abs());
    }

    /// Appends a number known to have exactly three digits (a reply code,
    /// 100 to 599) without a division loop.
    #[inline]
    pub(crate) fn three_digits(&mut self, n: u16) {
        let n = n % 1000;
        self.put(&[
            b'0' + (n / 100) as u8,
            b'0' + (n / 10 % 10) as u8,
            b'0' + (n % 10) as u8,
        ]);
    }

    /// Appends a number below 1000 in decimal, without a division loop.
    #[inline]
    pub(crate) fn small(&mut self, n: u16) {
        let n = n % 1000;
        if n >= 100 {
            self.byte(b'0' + (n / 100) as u8);
        }
        if n >= 10 {
            self.byte(b'0' + (n / 10 % 10) as u8);
        }
        self.byte(b'0' + (n % 10) as u8);
    }

    /// `s` does not fit behind what is staged: pass that on, then stage `s`
    /// or, if it is long, pass it on as it is.
    #[inline(never)]
    #[cold]
    fn spill(&mut self, s: &[u8]) {
        self.flush();
        if s.len() > STAGE / 2 {
            self.out.put_slice(s);
        } else {
            self.buf[..s.len()].copy_from_slice(s);
            self.len = s.len();
        }
    }

    fn flush(&mut self) {
        if self.len > 0 {
            self.out.put_slice(&self.buf[..self.len]);
            self.len = 0;
        }
    }

    /// Passes on what is staged.
    #[inline]
    pub(crate) fn finish(mut self) {
        self.flush();
    }
}

impl<B: BufMut> Drop for Staged<'_, B> {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Any mix of short and long pieces comes out whole and in order,
    /// whatever the stage holds when each arrives.
    #[test]
    fn pieces_come_out_in_order() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200 {
            let mut out = Vec::new();
            let mut expected = Vec::new();
            {
                let mut w = Staged::new(&mut out);
                for _ in 0..40 {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    match seed % 5 {
                        0 => {
                            w.byte(b'-');
                            expected.push(b'-');
                        }
                        1 => {
                            let n = seed >> 20;
                            w.num(n);
                            expected.extend_from_slice(n.to_string().as_bytes());
                        }
                        2 => {
                            let n = (seed % 500 + 100) as u16;
                            w.three_digits(n);
                            expected.extend_from_slice(n.to_string().as_bytes());
                            let m = (seed >> 30) as u16 % 1000;
                            w.small(m);
                            expected.extend_from_slice(m.to_string().as_bytes());
                        }
                        _ => {
                            let len = (seed >> 8) as usize % (STAGE * 2);
                            let piece: Vec<u8> = (0..len).map(|i| (i as u8) ^ 0x5a).collect();
                            w.put(&piece);
                            expected.extend_from_slice(&piece);
                        }
                    }
                }
                w.signed(-42);
                expected.extend_from_slice(b"-42");
                w.finish();
            }
            assert_eq!(out, expected);
        }
    }

    #[test]
    fn dropping_passes_on_what_is_staged() {
        let mut out = Vec::new();
        {
            let mut w = Staged::new(&mut out);
            w.put(b"250 OK");
        }
        assert_eq!(out, b"250 OK");
    }
}
