//! Typed values to wire bytes.
//!
//! Every value that can go on the wire implements [`Encode`], writing into
//! any [`BufMut`] (a `Vec<u8>` or a `BytesMut`). Commands and replies are
//! written with their CRLF; the pieces they are made of without. As every
//! type validated its content when it was built, the output is always
//! well-formed: encoding can neither fail nor inject a line.
//!
//! Inside, each value writes its pieces through a small stack buffer, so
//! that a line reaches the caller's buffer in one copy rather than a
//! `put_slice` per piece.

mod capability;
mod command;
mod reply;
mod staged;

use bytes::BufMut;

pub(crate) use staged::Staged;

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

/// What [`Encode`] does for the types of this crate, into a stage that the
/// pieces of a larger value share.
pub(crate) trait WriteTo {
    /// Appends the wire form of `self` to `w`.
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>);
}

/// `Encode` for types that implement [`WriteTo`]: a stage per call.
macro_rules! encode_through_stage {
    ($($ty:ty),* $(,)?) => {
        $(
            impl Encode for $ty {
                #[inline]
                fn encode<B: BufMut>(&self, out: &mut B) {
                    let mut w = Staged::new(out);
                    self.write_to(&mut w);
                    w.finish();
                }
            }
        )*
    };
}

encode_through_stage!(
    crate::types::Host,
    crate::types::Mailbox,
    crate::types::ReversePath,
    crate::types::ForwardPath,
    crate::types::XText,
    crate::types::MailParameters,
    crate::types::RcptParameters,
    crate::types::Capability,
    crate::types::EhloReply,
    crate::types::ReplyCode,
    crate::types::EnhancedCode,
    crate::types::Reply,
);
