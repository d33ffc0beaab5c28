//! Types -> bytes. Every encoder writes a complete line, CRLF included.
//!
//! Values are validated at construction (see [`crate::types`]), so nothing
//! encoded here can contain a line break that was not meant to be there.

use bytes::BytesMut;
use mailwire_core::b64;

use crate::types::{
    Capability, Challenge, Command, DropListing, LangListing, Response, SaslResponse, ScanListing,
    Status, UidListing,
};

/// Writes a value in its wire form.
pub trait Encode {
    /// Appends the wire form, CRLF included, to `out`.
    fn encode(&self, out: &mut BytesMut);

    /// The wire form as a new buffer.
    fn to_bytes(&self) -> BytesMut {
        let mut out = BytesMut::new();
        self.encode(&mut out);
        out
    }
}

fn put(out: &mut BytesMut, parts: &[&[u8]]) {
    for p in parts {
        out.extend_from_slice(p);
    }
}

impl Encode for Command {
    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.keyword().as_bytes());
        match self {
            Command::User(name) => put(out, &[b" ", name.as_str().as_bytes()]),
            Command::Pass(p) => put(out, &[b" ", p.as_str().as_bytes()]),
            Command::Apop { name, digest } => put(
                out,
                &[
                    b" ",
                    name.as_str().as_bytes(),
                    b" ",
                    digest.to_hex().as_bytes(),
                ],
            ),
            Command::List(Some(n))
            | Command::Uidl(Some(n))
            | Command::Retr(n)
            | Command::Dele(n) => put(out, &[b" ", n.to_string().as_bytes()]),
            Command::Top { msg, lines } => put(
                out,
                &[
                    b" ",
                    msg.to_string().as_bytes(),
                    b" ",
                    lines.to_string().as_bytes(),
                ],
            ),
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                put(out, &[b" ", mechanism.as_str().as_bytes()]);
                match initial_response {
                    None => {}
                    Some(r) if r.is_empty() => out.extend_from_slice(b" ="),
                    Some(r) => put(out, &[b" ", b64::encode(r).as_bytes()]),
                }
            }
            Command::Lang(Some(tag)) => put(out, &[b" ", tag.as_str().as_bytes()]),
            _ => {}
        }
        out.extend_from_slice(b"\r\n");
    }
}

impl Encode for SaslResponse {
    fn encode(&self, out: &mut BytesMut) {
        match self {
            SaslResponse::Data(d) => out.extend_from_slice(b64::encode(d).as_bytes()),
            SaslResponse::Cancel => out.extend_from_slice(b"*"),
        }
        out.extend_from_slice(b"\r\n");
    }
}

impl Encode for Response {
    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(match self.status {
            Status::Ok => b"+OK",
            Status::Err => b"-ERR",
        });
        if let Some(code) = &self.code {
            put(out, &[b" [", code.as_str().as_bytes(), b"]"]);
        }
        if !self.text.is_empty() {
            put(out, &[b" ", self.text.as_str().as_bytes()]);
        }
        out.extend_from_slice(b"\r\n");
    }
}

impl Encode for Challenge {
    fn encode(&self, out: &mut BytesMut) {
        put(out, &[b"+ ", b64::encode(&self.0).as_bytes(), b"\r\n"]);
    }
}

impl Encode for DropListing {
    /// The `+OK count size` line of `STAT`.
    fn encode(&self, out: &mut BytesMut) {
        put(
            out,
            &[
                b"+OK ",
                self.count.to_string().as_bytes(),
                b" ",
                self.size.to_string().as_bytes(),
                b"\r\n",
            ],
        );
    }
}

impl Encode for ScanListing {
    fn encode(&self, out: &mut BytesMut) {
        put(
            out,
            &[
                self.msg.to_string().as_bytes(),
                b" ",
                self.size.to_string().as_bytes(),
                b"\r\n",
            ],
        );
    }
}

impl Encode for UidListing {
    fn encode(&self, out: &mut BytesMut) {
        put(
            out,
            &[
                self.msg.to_string().as_bytes(),
                b" ",
                self.uid.as_str().as_bytes(),
                b"\r\n",
            ],
        );
    }
}

impl Encode for LangListing {
    fn encode(&self, out: &mut BytesMut) {
        out.extend_from_slice(self.tag.as_str().as_bytes());
        if !self.description.is_empty() {
            put(out, &[b" ", self.description.as_str().as_bytes()]);
        }
        out.extend_from_slice(b"\r\n");
    }
}

impl Encode for Capability {
    fn encode(&self, out: &mut BytesMut) {
        let per_user = |out: &mut BytesMut, yes: bool| {
            if yes {
                out.extend_from_slice(b" USER");
            }
        };
        match self {
            Capability::Top => out.extend_from_slice(b"TOP"),
            Capability::User => out.extend_from_slice(b"USER"),
            Capability::Sasl(mechs) => {
                out.extend_from_slice(b"SASL");
                for m in mechs {
                    put(out, &[b" ", m.as_str().as_bytes()]);
                }
            }
            Capability::RespCodes => out.extend_from_slice(b"RESP-CODES"),
            Capability::LoginDelay {
                seconds,
                per_user: u,
            } => {
                put(out, &[b"LOGIN-DELAY ", seconds.to_string().as_bytes()]);
                per_user(out, *u);
            }
            Capability::Pipelining => out.extend_from_slice(b"PIPELINING"),
            Capability::Expire { days, per_user: u } => {
                out.extend_from_slice(b"EXPIRE ");
                match days {
                    None => out.extend_from_slice(b"NEVER"),
                    Some(d) => out.extend_from_slice(d.to_string().as_bytes()),
                }
                per_user(out, *u);
            }
            Capability::Uidl => out.extend_from_slice(b"UIDL"),
            Capability::Implementation(t) => put(out, &[b"IMPLEMENTATION ", t.as_str().as_bytes()]),
            Capability::Stls => out.extend_from_slice(b"STLS"),
            Capability::AuthRespCode => out.extend_from_slice(b"AUTH-RESP-CODE"),
            Capability::Utf8 { user } => {
                out.extend_from_slice(b"UTF8");
                per_user(out, *user);
            }
            Capability::Lang => out.extend_from_slice(b"LANG"),
            Capability::Unknown(raw) => out.extend_from_slice(raw.as_str().as_bytes()),
        }
        out.extend_from_slice(b"\r\n");
    }
}
