//! Streaming a message body out (RETR, TOP): dot-stuffing through
//! mailwire-core's `DotStuffer`, and the cut TOP makes after the header
//! and n body lines (RFC 1939 §7).

use bytes::BytesMut;
use mailwire_core::DotStuffer;

/// A body being sent.
#[derive(Debug)]
pub(super) struct BodyOut {
    pub(super) stuffer: DotStuffer,
    /// The `+OK` line went out (with the first chunk).
    pub(super) started: bool,
    /// The exact size for the `+OK` of RETR.
    pub(super) size: Option<u64>,
    pub(super) top: Option<TopCut>,
}

impl BodyOut {
    pub(super) fn retr(size: u64) -> Self {
        BodyOut {
            stuffer: DotStuffer::new(),
            started: false,
            size: Some(size),
            top: None,
        }
    }

    pub(super) fn top(lines: u32) -> Self {
        BodyOut {
            stuffer: DotStuffer::new(),
            started: false,
            size: None,
            top: Some(TopCut::new(lines)),
        }
    }

    /// The status line that opens the body.
    pub(super) fn start_line(&self) -> String {
        match self.size {
            Some(size) => format!("+OK {size} octets\r\n"),
            None => "+OK top of message follows\r\n".to_owned(),
        }
    }

    /// Stuffs `chunk` (cut for TOP) into `out`.
    pub(super) fn write(&mut self, chunk: &[u8], out: &mut BytesMut) {
        let chunk = match &mut self.top {
            Some(cut) => cut.take(chunk),
            None => chunk,
        };
        self.stuffer.encode(chunk, out);
    }
}

/// Where TOP stops: after the empty line ending the header, then after
/// `lines` more lines. Lines end at LF (a CR before it is part of the
/// ending); works on chunks cut anywhere.
#[derive(Debug)]
pub(super) struct TopCut {
    in_header: bool,
    /// Bytes other than CR seen on the current line.
    line_len: usize,
    lines_left: u32,
    pub(super) done: bool,
}

impl TopCut {
    pub(super) fn new(lines: u32) -> Self {
        TopCut {
            in_header: true,
            line_len: 0,
            lines_left: lines,
            done: false,
        }
    }

    /// The prefix of `chunk` that belongs to the output.
    pub(super) fn take<'a>(&mut self, chunk: &'a [u8]) -> &'a [u8] {
        if self.done {
            return &[];
        }
        for (i, &b) in chunk.iter().enumerate() {
            match b {
                b'\n' => {
                    if self.in_header {
                        if self.line_len == 0 {
                            self.in_header = false;
                        }
                    } else {
                        self.lines_left = self.lines_left.saturating_sub(1);
                    }
                    self.line_len = 0;
                    if !self.in_header && self.lines_left == 0 {
                        self.done = true;
                        return &chunk[..=i];
                    }
                }
                b'\r' => {}
                _ => self.line_len += 1,
            }
        }
        chunk
    }
}

#[cfg(test)]
mod tests {
    use super::TopCut;

    fn cut(lines: u32, msg: &[u8], step: usize) -> Vec<u8> {
        let mut c = TopCut::new(lines);
        let mut out = Vec::new();
        for piece in msg.chunks(step) {
            out.extend_from_slice(c.take(piece));
        }
        out
    }

    #[test]
    fn top_cuts_after_header_and_lines() {
        let msg = b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n";
        for step in 1..msg.len() {
            assert_eq!(cut(0, msg, step), b"A: 1\r\nB: 2\r\n\r\n");
            assert_eq!(cut(2, msg, step), b"A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n");
            assert_eq!(cut(9, msg, step), msg);
        }
    }
}
