//! Replies to wire bytes (RFC 5321 §4.2, RFC 2034 §3).

use bytes::BufMut;

use super::{Encode, put_u64};
use crate::types::{EnhancedCode, Reply, ReplyCode};

impl Encode for ReplyCode {
    fn encode<B: BufMut>(&self, out: &mut B) {
        put_u64(out, u64::from(self.get()));
    }
}

impl Encode for EnhancedCode {
    fn encode<B: BufMut>(&self, out: &mut B) {
        put_u64(out, u64::from(self.class()));
        out.put_u8(b'.');
        put_u64(out, u64::from(self.subject()));
        out.put_u8(b'.');
        put_u64(out, u64::from(self.detail()));
    }
}

impl Encode for Reply {
    /// `code "-" text CRLF` for every line but the last, `code SP text
    /// CRLF` for the last; the enhanced code, if any, starts every line's
    /// text. An empty last line is sent as the bare code.
    fn encode<B: BufMut>(&self, out: &mut B) {
        let lines = self.lines();
        for (i, line) in lines.iter().enumerate() {
            let last = i + 1 == lines.len();
            self.code.encode(out);
            let empty = line.is_empty() && self.enhanced.is_none();
            if !last {
                out.put_u8(b'-');
            } else if !empty {
                out.put_u8(b' ');
            }
            if let Some(e) = self.enhanced {
                e.encode(out);
                if !line.is_empty() {
                    out.put_u8(b' ');
                }
            }
            out.put_slice(line.as_bytes());
            out.put_slice(b"\r\n");
        }
    }
}
