//! Typed values to wire bytes.
//!
//! Every value that can go on the wire implements [`Encode`], writing into
//! any [`BufMut`] (a `Vec<u8>` or a `BytesMut`). Commands and replies are
//! written with their CRLF; the pieces they are made of without. As every
//! type validated its content when it was built, the output is always
//! well-formed: encoding can neither fail nor inject a line.

mod capability;
mod command;
mod reply;

use bytes::BufMut;

/// Writes a value in its wire form.
pub trait Encode {
    /// Appends the wire form of `self` to `out`.
    fn encode<B: BufMut>(&self, out: &mut B);

    /// The wire form as a new vector.
    fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.encode(&mut out);
        out
    }
}

/// Writes a decimal number without allocating.
pub(crate) fn put_u64<B: BufMut>(out: &mut B, mut n: u64) {
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
    out.put_slice(&digits[i..]);
}

/// Writes a signed decimal number.
pub(crate) fn put_i64<B: BufMut>(out: &mut B, n: i64) {
    if n < 0 {
        out.put_u8(b'-');
    }
    put_u64(out, n.unsigned_abs());
}
