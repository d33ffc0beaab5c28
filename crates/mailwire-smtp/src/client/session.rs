//! The session: the operation queue, the greeting, EHLO/HELO/LHLO,
//! STARTTLS, and replies matched to what they answer.

use bytes::Bytes;
use mailwire_core::Error;

use super::{Client, ClientEvent, HelloVerb, Op, Sent, TlsPolicy};
use crate::types::capability::EhloOutcome;
use crate::types::{Capability, Command, EhloReply, Reply};

impl Client {
    /// Starts the next queued operation when nothing else runs.
    pub(super) fn start_next_op(&mut self) {
        while self.ready
            && !self.closed
            && self.in_flight.is_empty()
            && self.txn.is_none()
            && self.auth.is_none()
        {
            let Some(op) = self.ops.pop_front() else {
                return;
            };
            match op {
                Op::StartTls => {
                    self.ready = false;
                    self.send_command(&Command::StartTls, Sent::StartTls);
                }
                Op::Auth(op) => self.start_auth(op),
                Op::Mail(txn) => self.start_txn(txn),
                Op::Rset => self.send_command(&Command::Rset, Sent::Rset { report: true }),
                Op::Noop => self.send_command(&Command::Noop(None), Sent::Noop),
                Op::Vrfy(t) => self.send_command(&Command::Vrfy(t), Sent::Vrfy),
                Op::Expn(t) => self.send_command(&Command::Expn(t), Sent::Expn),
                Op::Quit => self.send_command(&Command::Quit, Sent::Quit),
            }
        }
    }

    pub(super) fn send_hello(&mut self, verb: HelloVerb) {
        let host = self.config.hello_name.clone();
        let command = match verb {
            HelloVerb::Ehlo => Command::Ehlo(host),
            HelloVerb::Helo => Command::Helo(host),
            HelloVerb::Lhlo => Command::Lhlo(host),
        };
        self.send_command(&command, Sent::Hello(verb));
    }

    pub(super) fn first_hello(&self) -> HelloVerb {
        if self.config.lmtp {
            HelloVerb::Lhlo
        } else {
            HelloVerb::Ehlo
        }
    }

    /// One complete reply from the server.
    pub(super) fn on_reply(&mut self, reply: Reply) {
        let Some(front) = self.in_flight.pop_front() else {
            if reply.code.get() == 421 {
                self.events.push_back(ClientEvent::Closed(Some(reply)));
                self.close();
            } else {
                let text = reply.text();
                self.fail(
                    Error::remote_fatal("a reply when no command was sent", text.as_bytes()),
                    false,
                );
            }
            return;
        };
        // RFC 5321 §3.8: 421 ends the session whatever it answers.
        if reply.code.get() == 421 && front.sent != Sent::Quit {
            self.events.push_back(ClientEvent::Closed(Some(reply)));
            self.close();
            return;
        }
        match front.sent {
            Sent::Greeting => self.on_greeting(reply),
            Sent::Hello(verb) => self.on_hello(verb, reply),
            Sent::StartTls => self.on_starttls(reply),
            Sent::Auth => self.on_auth_reply(reply),
            Sent::Mail => self.on_mail(reply),
            Sent::Rcpt(i) => self.on_rcpt(i, reply),
            Sent::Data => self.on_data(reply),
            Sent::Bdat => self.on_bdat(reply),
            Sent::Final(k) => self.on_final(k, reply),
            Sent::AbortDot => self.on_abort_dot(reply),
            Sent::AbandonRset => self.on_abandon_rset(reply),
            Sent::Rset { report } => {
                if report {
                    self.events.push_back(ClientEvent::Done {
                        command: "RSET",
                        reply,
                    });
                }
            }
            Sent::Noop => self.events.push_back(ClientEvent::Done {
                command: "NOOP",
                reply,
            }),
            Sent::Vrfy => self.events.push_back(ClientEvent::Done {
                command: "VRFY",
                reply,
            }),
            Sent::Expn => self.events.push_back(ClientEvent::Done {
                command: "EXPN",
                reply,
            }),
            Sent::Quit => {
                self.events.push_back(ClientEvent::Closed(Some(reply)));
                self.close();
            }
        }
        self.start_next_op();
        self.pump();
    }

    pub(super) fn on_greeting(&mut self, reply: Reply) {
        match reply.code.get() {
            220 => {
                self.greeted = true;
                self.events.push_back(ClientEvent::Greeting(reply));
                if self.quitting {
                    return;
                }
                let verb = self.first_hello();
                self.send_hello(verb);
            }
            554 => {
                let text = reply.text();
                self.fail(
                    Error::remote_fatal(
                        "the server refuses the session (554 greeting)",
                        text.as_bytes(),
                    ),
                    true,
                );
            }
            _ => {
                let text = format!("{} {}", reply.code, reply.text());
                self.fail(
                    Error::remote_fatal("the greeting is not 220", text.as_bytes()),
                    false,
                );
            }
        }
    }

    pub(super) fn on_hello(&mut self, verb: HelloVerb, reply: Reply) {
        if self.quitting {
            return;
        }
        if reply.code.is_positive() {
            // A 250 reply to EHLO or LHLO came through `on_ehlo_reply`;
            // another positive code is refused here as `from_reply`
            // refuses it.
            let ehlo = if verb == HelloVerb::Helo {
                None
            } else {
                match EhloReply::from_reply(&reply) {
                    Ok(e) => Some(e),
                    Err(e) => {
                        self.fail(Error::remote_fatal(e.reason().to_owned(), e.line()), true);
                        return;
                    }
                }
            };
            self.after_hello(ehlo);
            return;
        }
        // RFC 5321 §3.2: a server that does not know EHLO answers 500 or
        // 502; the client falls back to HELO. LMTP has no fallback.
        if verb == HelloVerb::Ehlo && matches!(reply.code.get(), 500 | 502) {
            self.send_hello(HelloVerb::Helo);
            return;
        }
        let text = format!("{} {}", reply.code, reply.text());
        self.fail(
            Error::remote_fatal("the server refused EHLO/HELO/LHLO", text.as_bytes()),
            true,
        );
    }

    pub(super) fn after_hello(&mut self, ehlo: Option<EhloReply>) {
        self.ehlo = ehlo;
        if !self.tls && self.config.tls != TlsPolicy::None {
            if self.has_capability(&Capability::StartTls) {
                self.send_command(&Command::StartTls, Sent::StartTls);
                return;
            }
            if self.config.tls == TlsPolicy::Required {
                self.fail(
                    Error::remote_fatal(
                        "the server does not offer STARTTLS and TlsPolicy::Required forbids going on in cleartext",
                        b"",
                    ),
                    true,
                );
                return;
            }
        }
        self.become_ready();
    }

    pub(super) fn become_ready(&mut self) {
        self.ready = true;
        self.events.push_back(ClientEvent::Ready {
            capabilities: self.ehlo.clone(),
        });
    }

    pub(super) fn on_starttls(&mut self, reply: Reply) {
        if self.quitting {
            return;
        }
        if reply.code.get() == 220 {
            // RFC 3207 §5 / DESIGN: anything after the 220 before the
            // handshake came in cleartext and may be injected.
            if !self.input.is_empty() || !self.assembler.is_idle() {
                let rest = self.input.clone();
                self.fail(
                    Error::remote_fatal("cleartext data after the 220 to STARTTLS", &rest),
                    false,
                );
                return;
            }
            self.tls_pending = true;
            self.events.push_back(ClientEvent::StartTls);
            return;
        }
        if self.config.tls == TlsPolicy::Required {
            let text = format!("{} {}", reply.code, reply.text());
            self.fail(
                Error::remote_fatal(
                    "the server refused STARTTLS and TlsPolicy::Required forbids going on in cleartext",
                    text.as_bytes(),
                ),
                true,
            );
            return;
        }
        self.become_ready();
    }

    /// Reads complete lines and handles the replies they make.
    pub(super) fn read_input(&mut self) {
        while !self.closed && self.events.is_empty() {
            if self.tls_pending {
                if !self.input.is_empty() {
                    let rest = self.input.clone();
                    self.fail(
                        Error::remote_fatal("cleartext data after the 220 to STARTTLS", &rest),
                        false,
                    );
                }
                return;
            }
            let line = match self.framer.next_line(&mut self.input) {
                Ok(Some(line)) => line,
                Ok(None) => return,
                Err(e) => {
                    // A client cannot resynchronise inside a reply.
                    let e = match e {
                        Error::Limit(l) => Error::limit(l.what, l.max, false),
                        Error::Remote(r) => {
                            Error::remote_fatal(r.reason().to_owned(), r.offending())
                        }
                        other => other,
                    };
                    self.fail(e, false);
                    return;
                }
            };
            self.on_line(line);
        }
    }

    pub(super) fn on_line(&mut self, line: Bytes) {
        // The reply to EHLO or LHLO is read into capabilities as its
        // lines arrive, without first becoming a `Reply` of text lines.
        // The reply in flight cannot change in the middle of a reply, so
        // every line of one reply takes the same road.
        let ehlo = self
            .in_flight
            .front()
            .is_some_and(|f| matches!(f.sent, Sent::Hello(HelloVerb::Ehlo | HelloVerb::Lhlo)));
        let result = if ehlo {
            self.assembler.push_ehlo_line(&line)
        } else {
            self.assembler
                .push_line(&line)
                .map(|r| r.map(EhloOutcome::Other))
        };
        match result {
            Ok(Some(EhloOutcome::Other(reply))) => self.on_reply(reply),
            Ok(Some(EhloOutcome::Ehlo(ehlo))) => self.on_ehlo_reply(ehlo),
            Ok(None) => {}
            Err(e) => self.fail(Error::remote_fatal(e.reason().to_owned(), e.line()), false),
        }
    }

    /// The positive (`250`) reply to EHLO or LHLO, read as capabilities.
    fn on_ehlo_reply(&mut self, ehlo: EhloReply) {
        self.in_flight.pop_front();
        if !self.quitting {
            self.after_hello(Some(ehlo));
        }
        self.start_next_op();
        self.pump();
    }
}
