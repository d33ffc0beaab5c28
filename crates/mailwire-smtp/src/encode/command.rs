//! Commands to wire bytes (RFC 5321 §4.1.1 and the extensions).

use bytes::BufMut;

use super::{Encode, Staged, WriteTo};
use crate::types::params::{
    Body, ByMode, Hold, MailAuth, MailParameters, Notify, Parameter, RcptParameters, Ret,
};
use crate::types::{Command, ForwardPath, Host, Mailbox, ReversePath, XText};

impl WriteTo for Host {
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        match self {
            Host::Domain(d) => w.put(d.0.as_bytes()),
            Host::Literal(l) => {
                w.byte(b'[');
                w.put(l.content().as_bytes());
                w.byte(b']');
            }
        }
    }
}

impl WriteTo for Mailbox {
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        w.put(self.raw.as_bytes());
    }
}

impl WriteTo for ReversePath {
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        w.byte(b'<');
        if let ReversePath::Mailbox(m) = self {
            m.write_to(w);
        }
        w.byte(b'>');
    }
}

impl WriteTo for ForwardPath {
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        match self {
            ForwardPath::Postmaster => w.put(b"<Postmaster>"),
            ForwardPath::Mailbox(m) => {
                w.byte(b'<');
                m.write_to(w);
                w.byte(b'>');
            }
        }
    }
}

impl WriteTo for XText {
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        put_xtext(w, self.as_str().as_bytes());
    }
}

fn put_other<B: BufMut>(w: &mut Staged<'_, B>, other: &[Parameter]) {
    for p in other {
        w.byte(b' ');
        w.put(p.keyword.as_bytes());
        if let Some(v) = &p.value {
            w.byte(b'=');
            w.put(v.as_bytes());
        }
    }
}

impl WriteTo for MailParameters {
    /// Each parameter preceded by a space, in a fixed order.
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        if let Some(size) = self.size {
            w.put(b" SIZE=");
            w.num(size);
        }
        if let Some(body) = self.body {
            w.put(match body {
                Body::SevenBit => b" BODY=7BIT".as_slice(),
                Body::EightBitMime => b" BODY=8BITMIME",
                Body::BinaryMime => b" BODY=BINARYMIME",
            });
        }
        if self.smtputf8 {
            w.put(b" SMTPUTF8");
        }
        let extras = self.extras();
        if let Some(auth) = &extras.auth {
            w.put(b" AUTH=");
            match auth {
                MailAuth::Unknown => w.put(b"<>"),
                MailAuth::Mailbox(m) => put_xtext(w, m.raw.as_bytes()),
            }
        }
        if let Some(ret) = self.ret {
            w.put(match ret {
                Ret::Full => b" RET=FULL".as_slice(),
                Ret::Headers => b" RET=HDRS",
            });
        }
        if let Some(envid) = &extras.envid {
            w.put(b" ENVID=");
            envid.write_to(w);
        }
        if self.requiretls {
            w.put(b" REQUIRETLS");
        }
        if let Some(p) = self.mt_priority {
            w.put(b" MT-PRIORITY=");
            w.signed(i64::from(p.get()));
        }
        match &extras.hold {
            Some(Hold::For(secs)) => {
                w.put(b" HOLDFOR=");
                w.num(*secs);
            }
            Some(Hold::Until(t)) => {
                w.put(b" HOLDUNTIL=");
                w.put(t.as_bytes());
            }
            None => {}
        }
        if let Some(by) = extras.by {
            w.put(b" BY=");
            w.signed(i64::from(by.time));
            w.put(match by.mode {
                ByMode::Return => b";R".as_slice(),
                ByMode::Notify => b";N",
            });
            if by.trace {
                w.byte(b'T');
            }
        }
        put_other(w, &extras.other);
    }
}

/// xtext-encodes arbitrary bytes (RFC 3461 §4): runs of `xchar` go as
/// they are, anything else as `+` and two upper-case hex digits.
fn put_xtext<B: BufMut>(w: &mut Staged<'_, B>, mut value: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    while !value.is_empty() {
        let run = value
            .iter()
            .position(|&b| !crate::types::text::class::is_xchar(b))
            .unwrap_or(value.len());
        w.put(&value[..run]);
        if let Some(&b) = value.get(run) {
            w.put(&[b'+', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            value = &value[run + 1..];
        } else {
            value = &[];
        }
    }
}

impl WriteTo for RcptParameters {
    /// Each parameter preceded by a space, in a fixed order.
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        match self.notify {
            Some(Notify::Never) => w.put(b" NOTIFY=NEVER"),
            Some(Notify::On {
                success,
                failure,
                delay,
            }) => {
                w.put(b" NOTIFY=");
                let mut first = true;
                for (on, name) in [
                    (success, b"SUCCESS".as_slice()),
                    (failure, b"FAILURE"),
                    (delay, b"DELAY"),
                ] {
                    if on {
                        if !first {
                            w.byte(b',');
                        }
                        w.put(name);
                        first = false;
                    }
                }
            }
            None => {}
        }
        if let Some(orcpt) = &self.orcpt {
            w.put(b" ORCPT=");
            w.put(orcpt.addr_type().as_bytes());
            w.byte(b';');
            put_xtext(w, orcpt.address().as_bytes());
        }
        put_other(w, self.other());
    }
}

impl Encode for Command {
    /// The command line with its CRLF. A command without arguments is one
    /// constant line, handed over in one piece; any other is gathered
    /// through a stage.
    #[inline]
    fn encode<B: BufMut>(&self, out: &mut B) {
        let line: &[u8] = match self {
            Command::Data => b"DATA\r\n",
            Command::Rset => b"RSET\r\n",
            Command::Quit => b"QUIT\r\n",
            Command::StartTls => b"STARTTLS\r\n",
            Command::Noop(None) => b"NOOP\r\n",
            Command::Help(None) => b"HELP\r\n",
            _ => {
                let mut w = Staged::new(out);
                self.write_to(&mut w);
                w.finish();
                return;
            }
        };
        out.put_slice(line);
    }
}

impl WriteTo for Command {
    fn write_to<B: BufMut>(&self, w: &mut Staged<'_, B>) {
        match self {
            Command::Ehlo(h) | Command::Helo(h) | Command::Lhlo(h) => {
                w.put(self.verb().as_bytes());
                w.byte(b' ');
                h.write_to(w);
            }
            Command::Mail { from, params } => {
                w.put(b"MAIL FROM:");
                from.write_to(w);
                params.write_to(w);
            }
            Command::Rcpt { to, params } => {
                w.put(b"RCPT TO:");
                to.write_to(w);
                params.write_to(w);
            }
            Command::Data => w.put(b"DATA"),
            Command::Bdat { size, last } => {
                w.put(b"BDAT ");
                w.num(*size);
                if *last {
                    w.put(b" LAST");
                }
            }
            Command::Rset => w.put(b"RSET"),
            Command::Vrfy(t) | Command::Expn(t) => {
                w.put(self.verb().as_bytes());
                w.byte(b' ');
                w.put(t.as_bytes());
            }
            Command::Help(t) | Command::Noop(t) => {
                w.put(self.verb().as_bytes());
                if let Some(t) = t {
                    w.byte(b' ');
                    w.put(t.as_bytes());
                }
            }
            Command::Quit => w.put(b"QUIT"),
            Command::StartTls => w.put(b"STARTTLS"),
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                w.put(b"AUTH ");
                w.put(mechanism.as_bytes());
                match initial_response {
                    None => {}
                    Some(r) if r.is_empty() => w.put(b" ="),
                    Some(r) => {
                        w.byte(b' ');
                        w.put(mailwire_core::b64::encode(r).as_bytes());
                    }
                }
            }
            Command::Other { verb, args } => {
                w.put(verb.as_bytes());
                if let Some(a) = args {
                    w.byte(b' ');
                    w.put(a.as_bytes());
                }
            }
        }
        w.put(b"\r\n");
    }
}
