//! EHLO capabilities to reply lines (RFC 5321 §4.1.1.1 `ehlo-line`).

use bytes::BufMut;

use super::{Encode, put_u64};
use crate::types::text::Str;
use crate::types::{Capability, EhloReply, Reply, ReplyCode, Text};

impl Encode for Capability {
    /// The `ehlo-line` (keyword and parameters), without code or CRLF.
    fn encode<B: BufMut>(&self, out: &mut B) {
        match self {
            Capability::Size(n) => {
                out.put_slice(b"SIZE");
                if let Some(n) = n {
                    out.put_u8(b' ');
                    put_u64(out, *n);
                }
            }
            Capability::Pipelining => out.put_slice(b"PIPELINING"),
            Capability::EightBitMime => out.put_slice(b"8BITMIME"),
            Capability::SmtpUtf8 => out.put_slice(b"SMTPUTF8"),
            Capability::Chunking => out.put_slice(b"CHUNKING"),
            Capability::BinaryMime => out.put_slice(b"BINARYMIME"),
            Capability::Dsn => out.put_slice(b"DSN"),
            Capability::EnhancedStatusCodes => out.put_slice(b"ENHANCEDSTATUSCODES"),
            Capability::StartTls => out.put_slice(b"STARTTLS"),
            Capability::Auth(mechs) => {
                out.put_slice(b"AUTH");
                for m in mechs {
                    out.put_u8(b' ');
                    out.put_slice(m.as_bytes());
                }
            }
            Capability::RequireTls => out.put_slice(b"REQUIRETLS"),
            Capability::DeliverBy(n) => {
                out.put_slice(b"DELIVERBY");
                if let Some(n) = n {
                    out.put_u8(b' ');
                    put_u64(out, *n);
                }
            }
            Capability::MtPriority(p) => {
                out.put_slice(b"MT-PRIORITY");
                if let Some(p) = p {
                    out.put_u8(b' ');
                    out.put_slice(p.as_bytes());
                }
            }
            Capability::FutureRelease {
                max_interval,
                max_datetime,
            } => {
                out.put_slice(b"FUTURERELEASE ");
                put_u64(out, *max_interval);
                out.put_u8(b' ');
                out.put_slice(max_datetime.as_bytes());
            }
            Capability::Limits(l) => {
                out.put_slice(b"LIMITS");
                for (name, v) in [
                    ("RCPTMAX", l.rcpt_max),
                    ("MAILMAX", l.mail_max),
                    ("RCPTDOMAINMAX", l.rcpt_domain_max),
                ] {
                    if let Some(v) = v {
                        out.put_u8(b' ');
                        out.put_slice(name.as_bytes());
                        out.put_u8(b'=');
                        put_u64(out, v);
                    }
                }
                for (name, v) in &l.other {
                    out.put_u8(b' ');
                    out.put_slice(name.as_bytes());
                    out.put_u8(b'=');
                    put_u64(out, *v);
                }
            }
            Capability::Other { keyword, params } => {
                out.put_slice(keyword.as_bytes());
                for p in params {
                    out.put_u8(b' ');
                    out.put_slice(p.as_bytes());
                }
            }
            Capability::Unparsed(t) => out.put_slice(t.as_bytes()),
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

impl Encode for EhloReply {
    /// The same bytes as encoding [`EhloReply::to_reply`], written
    /// directly without building the reply.
    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_slice(if self.capabilities.is_empty() {
            b"250 "
        } else {
            b"250-"
        });
        self.host.encode(out);
        if let Some(g) = &self.greeting {
            out.put_u8(b' ');
            out.put_slice(g.as_bytes());
        }
        out.put_slice(b"\r\n");
        let n = self.capabilities.len();
        for (i, cap) in self.capabilities.iter().enumerate() {
            out.put_slice(if i + 1 == n { b"250 " } else { b"250-" });
            cap.encode(out);
            out.put_slice(b"\r\n");
        }
    }
}
