//! Replies to wire bytes (RFC 5321 §4.2, RFC 2034 §3).

use bytes::BufMut;

use super::{Staged, WriteTo};
use crate::types::{EnhancedCode, Reply, ReplyCode};

impl WriteTo for ReplyCode {
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        // Always three digits (100 to 599, checked when it was made).
        w.three_digits(self.get());
    }
}

impl WriteTo for EnhancedCode {
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        // `class` is one digit, `subject` and `detail` one to three
        // (checked when it was made).
        w.byte(b'0' + self.class() % 10);
        w.byte(b'.');
        w.small(self.subject());
        w.byte(b'.');
        w.small(self.detail());
    }
}

impl WriteTo for Reply {
    /// `code "-" text CRLF` for every line but the last, `code SP text
    /// CRLF` for the last; the enhanced code, if any, starts every line's
    /// text. An empty last line is sent as the bare code.
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        let lines = self.lines();
        for (i, line) in lines.iter().enumerate() {
            let last = i + 1 == lines.len();
            self.code.write_to(w);
            let empty = line.is_empty() && self.enhanced.is_none();
            if !last {
                w.byte(b'-');
            } else if !empty {
                w.byte(b' ');
            }
            if let Some(e) = self.enhanced {
                e.write_to(w);
                if !line.is_empty() {
                    w.byte(b' ');
                }
            }
            w.put(line.as_bytes());
            w.put(b"\r\n");
        }
    }
}
