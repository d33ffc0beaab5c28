//! The application's answers, checked against the event that waits.

use mailwire_core::{Error, Result};

use super::{AuthRun, HelloKind, Pending, Phase, Server, Txn};
use crate::types::{Capability, EhloReply, Reply, ReplyCode, Text};

impl Server {
    /// Accepts what the waiting event asked for, with the standard reply:
    /// the EHLO/LHLO reply with the capabilities (or `250` for HELO),
    /// `250 2.1.0` for MAIL, `250 2.1.5` for RCPT, `354` for DATA (the
    /// first BDAT chunk is read, no reply yet), `250 2.6.0` for a message
    /// (once per recipient in LMTP), `252`/`214` for VRFY/EXPN/HELP,
    /// `235 2.7.0` for AUTH.
    pub fn accept(&mut self) -> Result<()> {
        let r = match self.pending.as_ref() {
            None => return Err(Error::local("no event waits for an answer")),
            Some(Pending::Hello(kind)) => self.hello_reply(*kind),
            Some(Pending::Mail { .. }) => Reply::sender_ok(),
            Some(Pending::Rcpt) => Reply::recipient_ok(),
            Some(Pending::DataStart { .. }) => Reply::start_mail_input(),
            Some(Pending::DataEnd { .. }) => Reply::message_accepted(),
            Some(p @ (Pending::Vrfy | Pending::Expn | Pending::Help)) => Self::inquiry_default(p),
            Some(Pending::Auth) => Reply::auth_succeeded(),
        };
        self.answer(r, true)
    }

    /// Refuses what the waiting event asked for; `reply` must be a `4xx`
    /// or `5xx`. A `421` also closes the connection (RFC 5321 §3.8).
    pub fn reject(&mut self, reply: Reply) -> Result<()> {
        if !matches!(reply.code.class(), 4 | 5) {
            return Err(Error::local("reject needs a 4xx or 5xx reply"));
        }
        self.send(reply)
    }

    /// Answers the waiting event with `reply`: a refusal (`4xx`/`5xx`), or
    /// an acceptance with your own text where the event allows one (`250`
    /// for MAIL, RCPT, the message, VRFY/EXPN/HELP answers of class 2;
    /// `354` for DATA; `235` for AUTH). The EHLO reply and the start of
    /// BDAT are built by the machine: use [`accept`](Self::accept).
    pub fn send(&mut self, reply: Reply) -> Result<()> {
        let Some(pending) = self.pending.as_ref() else {
            return Err(Error::local("no event waits for an answer"));
        };
        let code = reply.code;
        let fits = match (pending, code.class()) {
            (_, 4 | 5) => return self.answer(reply, false),
            (Pending::Mail { .. } | Pending::Rcpt | Pending::DataEnd { .. }, 2) => true,
            (Pending::Vrfy | Pending::Expn | Pending::Help, 2) => true,
            (Pending::DataStart { bdat: None }, 3) => code == ReplyCode::START_MAIL_INPUT,
            (Pending::Auth, 2) => code == ReplyCode::AUTH_OK,
            _ => false,
        };
        if !fits {
            return Err(Error::local(format!(
                "a {code} reply does not answer this event"
            )));
        }
        self.answer(reply, true)
    }

    /// Sends a SASL challenge (`334`, base64-encoded here) for the waiting
    /// [`Auth`](super::ServerEvent::Auth) or
    /// [`AuthResponse`](super::ServerEvent::AuthResponse) event; the
    /// client's next line comes as an `AuthResponse`.
    pub fn auth_challenge(&mut self, challenge: &[u8]) -> Result<()> {
        if !matches!(self.pending, Some(Pending::Auth)) {
            return Err(Error::local("no AUTH exchange waits for a challenge"));
        }
        self.pending = None;
        self.write_challenge(challenge);
        self.enter_auth_line(AuthRun::App);
        self.answered();
        Ok(())
    }

    /// Applies an answer that fits the waiting event.
    fn answer(&mut self, reply: Reply, positive: bool) -> Result<()> {
        let Some(pending) = self.pending.take() else {
            return Err(Error::local("no event waits for an answer"));
        };
        let closing = reply.code.get() == 421;
        match pending {
            Pending::Hello(kind) => {
                if positive {
                    self.session.hello = Some(kind);
                }
                self.write_reply(reply);
            }
            Pending::Mail { body, smtputf8 } => {
                if positive {
                    self.session.txn = Some(Txn {
                        body,
                        smtputf8,
                        rcpts: 0,
                        chunking: false,
                        size: 0,
                    });
                }
                self.write_reply(reply);
            }
            Pending::Rcpt => {
                if positive && let Some(txn) = &mut self.session.txn {
                    txn.rcpts += 1;
                }
                self.write_reply(reply);
            }
            Pending::DataStart { bdat: None } => {
                if positive {
                    self.phase = self.data_phase();
                }
                self.write_reply(reply);
            }
            Pending::DataStart {
                bdat: Some((size, last)),
            } => {
                if closing {
                    self.write_reply(reply);
                } else if positive {
                    self.phase = Phase::Bdat {
                        remaining: size,
                        chunk: size,
                        last,
                    };
                } else {
                    // RFC 3030 §2: the chunk is read anyway; the refusal
                    // answers this BDAT once it is.
                    self.session.txn = None;
                    self.phase = Phase::BdatSkip {
                        remaining: size,
                        reply,
                        bad_command: false,
                        abort: None,
                    };
                }
            }
            Pending::DataEnd { remaining } => {
                self.write_reply(reply);
                if remaining > 1 && !closing {
                    self.pending = Some(Pending::DataEnd {
                        remaining: remaining - 1,
                    });
                } else {
                    self.session.txn = None;
                }
            }
            Pending::Vrfy | Pending::Expn | Pending::Help => self.write_reply(reply),
            Pending::Auth => {
                if positive {
                    self.session.authenticated = true;
                    self.write_reply(reply);
                } else {
                    self.auth_failed(reply)?;
                }
            }
        }
        self.answered();
        Ok(())
    }

    /// The reply to an accepted EHLO, LHLO or HELO (RFC 5321 §4.1.1.1).
    fn hello_reply(&self, kind: HelloKind) -> Reply {
        let host = self.config.hostname.clone();
        let greeting = self.config.ehlo_greeting.clone();
        if kind == HelloKind::Helo {
            let line = match &greeting {
                Some(g) => format!("{host} {g}"),
                None => host.to_string(),
            };
            return Reply::new(
                ReplyCode::OK,
                Text::new(&line).unwrap_or_else(|_| Text::empty()),
            );
        }
        EhloReply {
            host,
            greeting,
            capabilities: self.capabilities(),
        }
        .to_reply()
    }

    /// The service extensions offered now.
    fn capabilities(&self) -> Vec<Capability> {
        let ext = self.config.extensions;
        let tls = self.session.tls.is_some();
        let mut caps = Vec::with_capacity(16);
        if ext.eight_bit_mime {
            caps.push(Capability::EightBitMime);
        }
        if ext.size {
            caps.push(Capability::Size(Some(self.config.limits.max_message_size)));
        }
        if ext.dsn {
            caps.push(Capability::Dsn);
        }
        if ext.pipelining {
            caps.push(Capability::Pipelining);
        }
        if ext.enhanced_status_codes {
            caps.push(Capability::EnhancedStatusCodes);
        }
        if ext.chunking {
            caps.push(Capability::Chunking);
            if ext.binary_mime {
                caps.push(Capability::BinaryMime);
            }
        }
        if ext.smtputf8 {
            caps.push(Capability::SmtpUtf8);
        }
        if self.config.starttls && !tls {
            caps.push(Capability::StartTls);
        }
        if ext.requiretls && tls {
            caps.push(Capability::RequireTls);
        }
        if let Some(mechs) = self.auth_capability() {
            caps.push(Capability::Auth(mechs));
        }
        caps.extend(self.config.extra_capabilities.iter().cloned());
        caps
    }
}
