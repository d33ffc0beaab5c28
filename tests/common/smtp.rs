//! A deliberately small blocking SMTP client over `std::net`, written
//! independently of the mailwire crates so that it can check them: every
//! read and write has a timeout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The per-operation timeout of [`RawSmtp`].
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// One SMTP reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The three-digit code.
    pub code: u16,
    /// The text of each line, after the code and separator.
    pub lines: Vec<String>,
}

impl Reply {
    /// The reply as one line, for messages.
    pub fn to_line(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" / "))
    }
}

/// A plain-TCP SMTP session.
pub struct RawSmtp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl RawSmtp {
    /// Connects and reads the greeting, which must be 220.
    pub fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        stream.set_read_timeout(Some(IO_TIMEOUT)).expect("timeout");
        stream.set_write_timeout(Some(IO_TIMEOUT)).expect("timeout");
        let writer = stream.try_clone().expect("clone the stream");
        let mut session = RawSmtp {
            reader: BufReader::new(stream),
            writer,
        };
        let greeting = session.read_reply();
        assert_eq!(greeting.code, 220, "greeting: {greeting:?}");
        session
    }

    /// Reads one (possibly multi-line) reply.
    pub fn read_reply(&mut self) -> Reply {
        self.try_read_reply()
            .unwrap_or_else(|e| panic!("reading a reply: {e}"))
    }

    /// Reads one (possibly multi-line) reply; an error if the connection
    /// broke or the reply is malformed.
    pub fn try_read_reply(&mut self) -> Result<Reply, String> {
        let mut lines = Vec::new();
        loop {
            let mut line = Vec::new();
            self.reader
                .by_ref()
                .take(4096)
                .read_until(b'\n', &mut line)
                .map_err(|e| e.to_string())?;
            if !line.ends_with(b"\r\n") {
                return Err(format!(
                    "reply line not ended by CRLF (or connection closed): {:?}",
                    String::from_utf8_lossy(&line)
                ));
            }
            let text = String::from_utf8(line[..line.len() - 2].to_vec())
                .map_err(|_| format!("reply is not UTF-8: {line:?}"))?;
            let code: u16 = text
                .get(..3)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| format!("reply without a code: {text:?}"))?;
            let sep = text.as_bytes().get(3).copied();
            lines.push(text.get(4..).unwrap_or("").to_owned());
            match sep {
                Some(b'-') => continue,
                None | Some(b' ') => return Ok(Reply { code, lines }),
                Some(other) => return Err(format!("bad separator {other:?} in {text:?}")),
            }
        }
    }

    /// Writes bytes as they are.
    pub fn send_raw(&mut self, data: &[u8]) {
        self.writer
            .write_all(data)
            .unwrap_or_else(|e| panic!("writing {} bytes: {e}", data.len()));
    }

    /// Sends one command line (CRLF added) and reads the reply.
    pub fn command(&mut self, line: &str) -> Reply {
        self.send_raw(format!("{line}\r\n").as_bytes());
        self.read_reply()
    }

    /// Sends a command and asserts the reply code.
    pub fn expect(&mut self, line: &str, code: u16) -> Reply {
        let reply = self.command(line);
        assert_eq!(reply.code, code, "{line:?} got {}", reply.to_line());
        reply
    }

    /// MAIL, RCPT, DATA and the dot-stuffed message (which must end with
    /// CRLF); returns the reply to the final dot.
    pub fn deliver(&mut self, from: &str, to: &[&str], message: &[u8]) -> Reply {
        self.try_deliver(from, to, message)
            .unwrap_or_else(|e| panic!("delivering: {e}"))
    }

    /// [`deliver`](Self::deliver) that reports a broken connection or an
    /// unexpected reply before the final one as an error.
    pub fn try_deliver(
        &mut self,
        from: &str,
        to: &[&str],
        message: &[u8],
    ) -> Result<Reply, String> {
        self.try_expect(&format!("MAIL FROM:<{from}>"), 250)?;
        for rcpt in to {
            self.try_expect(&format!("RCPT TO:<{rcpt}>"), 250)?;
        }
        self.try_expect("DATA", 354)?;
        let mut wire = dot_stuff(message);
        wire.extend_from_slice(b".\r\n");
        self.writer.write_all(&wire).map_err(|e| e.to_string())?;
        self.try_read_reply()
    }

    fn try_expect(&mut self, line: &str, code: u16) -> Result<Reply, String> {
        self.writer
            .write_all(format!("{line}\r\n").as_bytes())
            .map_err(|e| e.to_string())?;
        let reply = self.try_read_reply()?;
        if reply.code == code {
            Ok(reply)
        } else {
            Err(format!("{line:?} got {}", reply.to_line()))
        }
    }

    /// The underlying stream, for raw writes in fault tests.
    pub fn stream(&mut self) -> &mut TcpStream {
        &mut self.writer
    }
}

/// Doubles a leading dot on every line (RFC 5321 §4.5.2). `message` must
/// end with CRLF.
pub fn dot_stuff(message: &[u8]) -> Vec<u8> {
    assert!(message.ends_with(b"\r\n"), "message must end with CRLF");
    let mut out = Vec::with_capacity(message.len() + 16);
    let mut at_line_start = true;
    for &b in message {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    out
}
