//! Commands to wire bytes (RFC 5321 §4.1.1 and the extensions).

use bytes::BufMut;

use super::{Encode, put_i64, put_u64};
use crate::types::params::{
    Body, ByMode, Hold, MailAuth, MailParameters, Notify, Parameter, RcptParameters, Ret,
};
use crate::types::{Command, ForwardPath, Host, Mailbox, ReversePath, XText};

impl Encode for Host {
    fn encode<B: BufMut>(&self, out: &mut B) {
        match self {
            Host::Domain(d) => out.put_slice(d.as_str().as_bytes()),
            Host::Literal(l) => {
                out.put_u8(b'[');
                out.put_slice(l.content().as_bytes());
                out.put_u8(b']');
            }
        }
    }
}

impl Encode for Mailbox {
    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_slice(self.as_str().as_bytes());
    }
}

impl Encode for ReversePath {
    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u8(b'<');
        if let ReversePath::Mailbox(m) = self {
            m.encode(out);
        }
        out.put_u8(b'>');
    }
}

impl Encode for ForwardPath {
    fn encode<B: BufMut>(&self, out: &mut B) {
        match self {
            ForwardPath::Postmaster => out.put_slice(b"<Postmaster>"),
            ForwardPath::Mailbox(m) => {
                out.put_u8(b'<');
                m.encode(out);
                out.put_u8(b'>');
            }
        }
    }
}

impl Encode for XText {
    fn encode<B: BufMut>(&self, out: &mut B) {
        let mut v = Vec::with_capacity(self.as_str().len());
        self.encode_into(&mut v);
        out.put_slice(&v);
    }
}

fn put_other<B: BufMut>(out: &mut B, other: &[Parameter]) {
    for p in other {
        out.put_u8(b' ');
        out.put_slice(p.keyword.as_bytes());
        if let Some(v) = &p.value {
            out.put_u8(b'=');
            out.put_slice(v.as_bytes());
        }
    }
}

impl Encode for MailParameters {
    /// Each parameter preceded by a space, in a fixed order.
    fn encode<B: BufMut>(&self, out: &mut B) {
        if let Some(size) = self.size {
            out.put_slice(b" SIZE=");
            put_u64(out, size);
        }
        if let Some(body) = self.body {
            out.put_slice(match body {
                Body::SevenBit => b" BODY=7BIT".as_slice(),
                Body::EightBitMime => b" BODY=8BITMIME",
                Body::BinaryMime => b" BODY=BINARYMIME",
            });
        }
        if self.smtputf8 {
            out.put_slice(b" SMTPUTF8");
        }
        let extras = self.extras();
        if let Some(auth) = &extras.auth {
            out.put_slice(b" AUTH=");
            match auth {
                MailAuth::Unknown => out.put_slice(b"<>"),
                MailAuth::Mailbox(m) => {
                    let mut v = Vec::with_capacity(m.as_str().len());
                    xtext_encode(m.as_str().as_bytes(), &mut v);
                    out.put_slice(&v);
                }
            }
        }
        if let Some(ret) = self.ret {
            out.put_slice(match ret {
                Ret::Full => b" RET=FULL".as_slice(),
                Ret::Headers => b" RET=HDRS",
            });
        }
        if let Some(envid) = &extras.envid {
            out.put_slice(b" ENVID=");
            envid.encode(out);
        }
        if self.requiretls {
            out.put_slice(b" REQUIRETLS");
        }
        if let Some(p) = self.mt_priority {
            out.put_slice(b" MT-PRIORITY=");
            put_i64(out, i64::from(p.get()));
        }
        match &extras.hold {
            Some(Hold::For(secs)) => {
                out.put_slice(b" HOLDFOR=");
                put_u64(out, *secs);
            }
            Some(Hold::Until(t)) => {
                out.put_slice(b" HOLDUNTIL=");
                out.put_slice(t.as_bytes());
            }
            None => {}
        }
        if let Some(by) = extras.by {
            out.put_slice(b" BY=");
            put_i64(out, i64::from(by.time));
            out.put_slice(match by.mode {
                ByMode::Return => b";R".as_slice(),
                ByMode::Notify => b";N",
            });
            if by.trace {
                out.put_u8(b'T');
            }
        }
        put_other(out, &extras.other);
    }
}

/// xtext-encodes arbitrary bytes (RFC 3461 §4).
pub(crate) fn xtext_encode(value: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value {
        if crate::types::text::class::is_xchar(b) {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'+', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
}

impl Encode for RcptParameters {
    /// Each parameter preceded by a space, in a fixed order.
    fn encode<B: BufMut>(&self, out: &mut B) {
        match self.notify {
            Some(Notify::Never) => out.put_slice(b" NOTIFY=NEVER"),
            Some(Notify::On {
                success,
                failure,
                delay,
            }) => {
                out.put_slice(b" NOTIFY=");
                let mut first = true;
                for (on, name) in [
                    (success, b"SUCCESS".as_slice()),
                    (failure, b"FAILURE"),
                    (delay, b"DELAY"),
                ] {
                    if on {
                        if !first {
                            out.put_u8(b',');
                        }
                        out.put_slice(name);
                        first = false;
                    }
                }
            }
            None => {}
        }
        if let Some(orcpt) = &self.orcpt {
            out.put_slice(b" ORCPT=");
            out.put_slice(orcpt.addr_type().as_bytes());
            out.put_u8(b';');
            let address = orcpt.address().as_bytes();
            let mut v = Vec::with_capacity(address.len());
            xtext_encode(address, &mut v);
            out.put_slice(&v);
        }
        put_other(out, self.other());
    }
}

impl Encode for Command {
    fn encode<B: BufMut>(&self, out: &mut B) {
        match self {
            Command::Ehlo(h) | Command::Helo(h) | Command::Lhlo(h) => {
                out.put_slice(self.verb().as_bytes());
                out.put_u8(b' ');
                h.encode(out);
            }
            Command::Mail { from, params } => {
                out.put_slice(b"MAIL FROM:");
                from.encode(out);
                params.encode(out);
            }
            Command::Rcpt { to, params } => {
                out.put_slice(b"RCPT TO:");
                to.encode(out);
                params.encode(out);
            }
            Command::Data => out.put_slice(b"DATA"),
            Command::Bdat { size, last } => {
                out.put_slice(b"BDAT ");
                put_u64(out, *size);
                if *last {
                    out.put_slice(b" LAST");
                }
            }
            Command::Rset => out.put_slice(b"RSET"),
            Command::Vrfy(t) | Command::Expn(t) => {
                out.put_slice(self.verb().as_bytes());
                out.put_u8(b' ');
                out.put_slice(t.as_bytes());
            }
            Command::Help(t) | Command::Noop(t) => {
                out.put_slice(self.verb().as_bytes());
                if let Some(t) = t {
                    out.put_u8(b' ');
                    out.put_slice(t.as_bytes());
                }
            }
            Command::Quit => out.put_slice(b"QUIT"),
            Command::StartTls => out.put_slice(b"STARTTLS"),
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                out.put_slice(b"AUTH ");
                out.put_slice(mechanism.as_bytes());
                match initial_response {
                    None => {}
                    Some(r) if r.is_empty() => out.put_slice(b" ="),
                    Some(r) => {
                        out.put_u8(b' ');
                        out.put_slice(mailwire_core::b64::encode(r).as_bytes());
                    }
                }
            }
            Command::Other { verb, args } => {
                out.put_slice(verb.as_bytes());
                if let Some(a) = args {
                    out.put_u8(b' ');
                    out.put_slice(a.as_bytes());
                }
            }
        }
        out.put_slice(b"\r\n");
    }
}
