//! EHLO capabilities to reply lines (RFC 5321 §4.1.1.1 `ehlo-line`).

use bytes::BufMut;

use super::{Encode, Staged, WriteTo};
use crate::types::text::Str;
use crate::types::{Capability, EhloReply, Reply, ReplyCode, Text};

impl WriteTo for Capability {
    /// The `ehlo-line` (keyword and parameters), without code or CRLF.
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        match self {
            Capability::Size(n) => {
                w.put(b"SIZE");
                if let Some(n) = n {
                    w.byte(b' ');
                    w.num(*n);
                }
            }
            Capability::Pipelining => w.put(b"PIPELINING"),
            Capability::EightBitMime => w.put(b"8BITMIME"),
            Capability::SmtpUtf8 => w.put(b"SMTPUTF8"),
            Capability::Chunking => w.put(b"CHUNKING"),
            Capability::BinaryMime => w.put(b"BINARYMIME"),
            Capability::Dsn => w.put(b"DSN"),
            Capability::EnhancedStatusCodes => w.put(b"ENHANCEDSTATUSCODES"),
            Capability::StartTls => w.put(b"STARTTLS"),
            Capability::Auth(mechs) => {
                w.put(b"AUTH");
                for m in mechs {
                    w.byte(b' ');
                    w.put(m.as_bytes());
                }
            }
            Capability::RequireTls => w.put(b"REQUIRETLS"),
            Capability::DeliverBy(n) => {
                w.put(b"DELIVERBY");
                if let Some(n) = n {
                    w.byte(b' ');
                    w.num(*n);
                }
            }
            Capability::MtPriority(p) => {
                w.put(b"MT-PRIORITY");
                if let Some(p) = p {
                    w.byte(b' ');
                    w.put(p.as_bytes());
                }
            }
            Capability::FutureRelease {
                max_interval,
                max_datetime,
            } => {
                w.put(b"FUTURERELEASE ");
                w.num(*max_interval);
                w.byte(b' ');
                w.put(max_datetime.as_bytes());
            }
            Capability::Limits(l) => {
                w.put(b"LIMITS");
                for (name, v) in [
                    ("RCPTMAX", l.rcpt_max),
                    ("MAILMAX", l.mail_max),
                    ("RCPTDOMAINMAX", l.rcpt_domain_max),
                ] {
                    if let Some(v) = v {
                        w.byte(b' ');
                        w.put(name.as_bytes());
                        w.byte(b'=');
                        w.num(v);
                    }
                }
                for (name, v) in &l.other {
                    w.byte(b' ');
                    w.put(name.as_bytes());
                    w.byte(b'=');
                    w.num(*v);
                }
            }
            Capability::Other { keyword, params } => {
                w.put(keyword.as_bytes());
                for p in params {
                    w.byte(b' ');
                    w.put(p.as_bytes());
                }
            }
            Capability::Unparsed(t) => w.put(t.as_bytes()),
        }
    }
}

impl Capability {
    /// The capability as a line of reply text.
    pub fn to_text(&self) -> Text {
        let mut v = Vec::with_capacity(32);
        self.encode(&mut v);
        // Every part was validated as printable text without CR or LF.
        Text::from_parsed(Str::from_utf8(v.into()))
    }
}

impl EhloReply {
    /// The `250` reply that announces this: the host and greeting on the
    /// first line, then one capability per line (RFC 5321 §4.1.1.1).
    pub fn to_reply(&self) -> Reply {
        let mut first = self.host.to_string();
        if let Some(g) = &self.greeting {
            first.push(' ');
            first.push_str(g.as_str());
        }
        let mut lines = Vec::with_capacity(1 + self.capabilities.len());
        lines.push(Text::from_parsed(Str::copy(&first)));
        lines.extend(self.capabilities.iter().map(Capability::to_text));
        Reply::multiline(ReplyCode::OK, lines)
    }
}

impl WriteTo for EhloReply {
    /// The same bytes as encoding [`EhloReply::to_reply`], written
    /// directly without building the reply.
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        w.put(if self.capabilities.is_empty() {
            b"250 "
        } else {
            b"250-"
        });
        self.host.write_to(w);
        if let Some(g) = &self.greeting {
            w.byte(b' ');
            w.put(g.as_bytes());
        }
        w.put(b"\r\n");
        let n = self.capabilities.len();
        for (i, cap) in self.capabilities.iter().enumerate() {
            w.put(if i + 1 == n { b"250 " } else { b"250-" });
            cap.write_to(w);
            w.put(b"\r\n");
        }
    }
}
