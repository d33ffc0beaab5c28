//! Command lines: order checks (RFC 5321 §4.1.4) and the events they raise.

use bytes::Bytes;
use mailwire_core::{DotDecoder, Result};

use super::{HelloKind, Inquiry, Pending, Phase, Server, ServerEvent, reply};
use crate::types::{
    Body, Command, ForwardPath, MailParameters, RcptParameters, Reply, ReversePath,
};

/// `503 5.5.1` with a reason.
fn bad_sequence(text: &str) -> Reply {
    reply(503, (5, 5, 1), text)
}

/// `555 5.5.4` (RFC 5321 §4.1.1.11): a MAIL or RCPT parameter that is
/// unknown or not offered.
fn param_not_offered(what: &str) -> Reply {
    reply(
        555,
        (5, 5, 4),
        &format!("{what} parameter not recognized or not implemented"),
    )
}

/// `553 5.6.7` (RFC 6531 §3.7.4.1): a UTF-8 address without SMTPUTF8.
fn needs_smtputf8() -> Reply {
    reply(
        553,
        (5, 6, 7),
        "Non-ASCII address requires the SMTPUTF8 parameter",
    )
}

impl Server {
    /// One complete command line (CRLF removed).
    pub(super) fn on_command_line(&mut self, line: Bytes) -> Result<()> {
        let limits = self.config.limits;
        let is_auth = line.len() >= 5 && line[..5].eq_ignore_ascii_case(b"AUTH ");
        let max = if is_auth {
            limits.max_auth_line.max(limits.max_command_line)
        } else {
            limits.max_command_line
        };
        if line.len() + 2 > max {
            return self.protocol_error(Reply::line_too_long());
        }
        let mut policy = self.config.policy;
        policy.max_command_line = max;
        let command = match Command::parse_bytes(&line, &policy) {
            Ok(c) => c,
            Err(e) => return self.protocol_error(e.reply()),
        };
        if self.refused && !matches!(command, Command::Quit) {
            // RFC 5321 §3.1: after a 554 greeting, only QUIT is served.
            return self.protocol_error(reply(503, (5, 5, 1), "No service here: send QUIT"));
        }
        match command {
            Command::Ehlo(host) => self.on_hello(HelloKind::Ehlo, host),
            Command::Helo(host) => self.on_hello(HelloKind::Helo, host),
            Command::Lhlo(host) => self.on_hello(HelloKind::Lhlo, host),
            Command::Mail { from, params } => self.on_mail(from, params),
            Command::Rcpt { to, params } => self.on_rcpt(to, params),
            Command::Data => self.on_data(),
            Command::Bdat { size, last } => self.on_bdat(size, last),
            Command::Rset => {
                if self.session.txn.take().is_some() {
                    self.events.push_back(ServerEvent::Reset);
                }
                self.write_reply(Reply::ok());
                Ok(())
            }
            Command::Noop(_) => {
                self.write_reply(Reply::ok());
                Ok(())
            }
            Command::Quit => {
                let r = reply(
                    221,
                    (2, 0, 0),
                    &format!(
                        "{} Service closing transmission channel",
                        self.config.hostname
                    ),
                );
                self.write_reply(r);
                self.abort_body(super::AbortReason::ConnectionLost);
                self.close();
                self.events.push_back(ServerEvent::Quit);
                Ok(())
            }
            Command::Vrfy(t) => {
                self.on_inquiry(self.config.vrfy, Pending::Vrfy, ServerEvent::Vrfy(t))
            }
            Command::Expn(t) => {
                self.on_inquiry(self.config.expn, Pending::Expn, ServerEvent::Expn(t))
            }
            Command::Help(t) => {
                self.on_inquiry(self.config.help, Pending::Help, ServerEvent::Help(t))
            }
            Command::StartTls => self.on_starttls(),
            Command::Auth {
                mechanism,
                initial_response,
            } => self.on_auth(mechanism.as_str(), initial_response),
            Command::Other { .. } => self.protocol_error(Reply::syntax_error()),
        }
    }

    fn on_hello(&mut self, kind: HelloKind, host: crate::types::Host) -> Result<()> {
        if self.config.lmtp != (kind == HelloKind::Lhlo) {
            // RFC 2033 §4.1: LMTP has LHLO only; SMTP has no LHLO.
            return self.protocol_error(Reply::syntax_error());
        }
        // RFC 5321 §4.1.4: EHLO in a transaction resets it.
        if self.session.txn.take().is_some() {
            self.events.push_back(ServerEvent::Reset);
        }
        self.events.push_back(ServerEvent::Hello { kind, host });
        self.pending = Some(Pending::Hello(kind));
        Ok(())
    }

    fn on_mail(&mut self, from: ReversePath, params: MailParameters) -> Result<()> {
        if self.session.hello.is_none() {
            return self.protocol_error(bad_sequence("Send EHLO or HELO first"));
        }
        if self.session.txn.is_some() {
            return self.protocol_error(bad_sequence("Nested MAIL command"));
        }
        if self.config.require_tls && self.session.tls.is_none() {
            self.write_reply(Reply::must_starttls());
            return Ok(());
        }
        if self.config.auth.required && !self.session.authenticated {
            self.write_reply(reply(530, (5, 7, 0), "Authentication required"));
            return Ok(());
        }
        let ext = self.config.extensions;
        let esmtp = self.session.hello != Some(HelloKind::Helo);
        let tls = self.session.tls.is_some();
        let unsupported = if !esmtp && params != MailParameters::default() {
            Some("MAIL FROM")
        } else if params.size.is_some() && !ext.size {
            Some("SIZE")
        } else if match params.body {
            None | Some(Body::SevenBit) => false,
            Some(Body::EightBitMime) => !ext.eight_bit_mime,
            Some(Body::BinaryMime) => !(ext.chunking && ext.binary_mime),
        } {
            Some("BODY")
        } else if params.smtputf8 && !ext.smtputf8 {
            Some("SMTPUTF8")
        } else if (params.ret.is_some() || params.envid().is_some()) && !ext.dsn {
            Some("DSN")
        } else if params.requiretls && !(ext.requiretls && tls) {
            Some("REQUIRETLS")
        } else if params.auth().is_some() && self.config.auth.mechanisms.is_empty() {
            Some("AUTH")
        } else if params.mt_priority.is_some()
            || params.hold().is_some()
            || params.by().is_some()
            || !params.other().is_empty()
        {
            Some("MAIL FROM")
        } else {
            None
        };
        if let Some(what) = unsupported {
            return self.protocol_error(param_not_offered(what));
        }
        if from.mailbox().is_some_and(|m| m.needs_smtputf8()) && !params.smtputf8 {
            self.write_reply(needs_smtputf8());
            return Ok(());
        }
        if let Some(size) = params.size
            && size > self.config.limits.max_message_size
        {
            // RFC 1870 §6.1.
            self.write_reply(Reply::message_too_big());
            return Ok(());
        }
        self.pending = Some(Pending::Mail {
            body: params.body,
            smtputf8: params.smtputf8,
        });
        self.events.push_back(ServerEvent::Mail { from, params });
        Ok(())
    }

    fn on_rcpt(&mut self, to: ForwardPath, params: RcptParameters) -> Result<()> {
        let Some(txn) = &self.session.txn else {
            return self.protocol_error(bad_sequence("Send MAIL first"));
        };
        if txn.chunking {
            return self.protocol_error(bad_sequence("RCPT after BDAT"));
        }
        if txn.rcpts >= self.config.limits.max_recipients {
            // RFC 5321 §4.5.3.1.10.
            self.write_reply(Reply::too_many_recipients());
            return Ok(());
        }
        let dsn = params.notify.is_some() || params.orcpt.is_some();
        if dsn && !self.config.extensions.dsn {
            return self.protocol_error(param_not_offered("DSN"));
        }
        if !params.other().is_empty() {
            return self.protocol_error(param_not_offered("RCPT TO"));
        }
        if to.mailbox().is_some_and(|m| m.needs_smtputf8()) && !txn.smtputf8 {
            self.write_reply(needs_smtputf8());
            return Ok(());
        }
        self.pending = Some(Pending::Rcpt);
        self.events.push_back(ServerEvent::Rcpt { to, params });
        Ok(())
    }

    fn on_data(&mut self) -> Result<()> {
        let Some(txn) = &self.session.txn else {
            return self.protocol_error(bad_sequence("Send MAIL first"));
        };
        if txn.rcpts == 0 {
            return self.protocol_error(bad_sequence("No valid recipients"));
        }
        if txn.chunking {
            return self.protocol_error(bad_sequence("DATA after BDAT"));
        }
        if txn.body == Some(Body::BinaryMime) {
            // RFC 3030 §3.
            return self.protocol_error(bad_sequence("BODY=BINARYMIME requires BDAT"));
        }
        self.pending = Some(Pending::DataStart { bdat: None });
        self.events
            .push_back(ServerEvent::DataStart { chunked: false });
        Ok(())
    }

    /// `BDAT size [LAST]` (RFC 3030 §2). Whatever the answer, exactly
    /// `size` octets follow and are read, so the stream stays in sync.
    fn on_bdat(&mut self, size: u64, last: bool) -> Result<()> {
        let skip = |reply: super::Reply, bad_command: bool, abort| Phase::BdatSkip {
            remaining: size,
            reply,
            bad_command,
            abort,
        };
        if !self.config.extensions.chunking {
            self.phase = skip(Reply::not_implemented(), true, None);
            return Ok(());
        }
        let max = self.config.limits.max_message_size;
        let Some(txn) = &mut self.session.txn else {
            self.phase = skip(bad_sequence("Send MAIL first"), true, None);
            return Ok(());
        };
        if txn.rcpts == 0 {
            self.phase = skip(bad_sequence("No valid recipients"), true, None);
            return Ok(());
        }
        let total = txn.size.saturating_add(size);
        if total > max {
            // RFC 3030 §2 with RFC 1870 §6.3: refuse, and end the
            // transaction; the chunk is still read.
            let started = txn.chunking;
            self.session.txn = None;
            let abort = started.then_some(super::AbortReason::TooBig);
            self.phase = skip(Reply::message_too_big(), false, abort);
            return Ok(());
        }
        txn.size = total;
        if txn.chunking {
            self.phase = Phase::Bdat {
                remaining: size,
                chunk: size,
                last,
            };
        } else {
            self.pending = Some(Pending::DataStart {
                bdat: Some((size, last)),
            });
            self.events
                .push_back(ServerEvent::DataStart { chunked: true });
        }
        Ok(())
    }

    fn on_inquiry(&mut self, how: Inquiry, pending: Pending, event: ServerEvent) -> Result<()> {
        match how {
            Inquiry::SafeDefault => {
                let r = Self::inquiry_default(&pending);
                self.write_reply(r);
                Ok(())
            }
            Inquiry::NotImplemented => self.protocol_error(Reply::not_implemented()),
            Inquiry::Ask => {
                self.pending = Some(pending);
                self.events.push_back(event);
                Ok(())
            }
        }
    }

    /// The reply to VRFY/EXPN/HELP that tells nothing.
    pub(super) fn inquiry_default(pending: &Pending) -> Reply {
        match pending {
            Pending::Help => reply(214, (2, 0, 0), "See RFC 5321"),
            _ => reply(
                252,
                (2, 5, 0),
                "Cannot verify the user, but will accept the message and attempt delivery",
            ),
        }
    }

    fn on_starttls(&mut self) -> Result<()> {
        if !self.config.starttls {
            return self.protocol_error(Reply::not_implemented());
        }
        if self.session.tls.is_some() {
            return self.protocol_error(bad_sequence("TLS already active"));
        }
        if self.session.txn.is_some() {
            return self.protocol_error(bad_sequence("STARTTLS in a mail transaction"));
        }
        // Bytes already sent past this line are refused by `poll_event`
        // once the switch is pending (they never run as commands).
        self.write_reply(Reply::ready_to_start_tls());
        self.tls_pending = true;
        self.events.push_back(ServerEvent::StartTls);
        Ok(())
    }

    /// A new body for DATA.
    pub(super) fn data_phase(&self) -> Phase {
        Phase::Data {
            decoder: DotDecoder::new(self.config.line_ending),
            size: 0,
            too_big: false,
        }
    }
}
