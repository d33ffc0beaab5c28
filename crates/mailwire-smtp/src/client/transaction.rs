//! A mail transaction: MAIL, RCPT, then DATA (RFC 5321 §3.3) or BDAT
//! (RFC 3030), pipelined when offered (RFC 2920), with the body streamed
//! into the transmit buffer a piece at a time.

use std::collections::VecDeque;

use bytes::Bytes;
use mailwire_core::{CrlfNormalizer, DotStuffer, Error, Result};

use super::{BodyInfo, Client, ClientEvent, Envelope, Op, Sent};
use crate::encode::Encode;
use crate::types::{Body, Capability, Command, ForwardPath, MailParameters, RcptParameters, Reply};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// MAIL and RCPT (and DATA when pipelined) are being answered.
    Envelope,
    /// The body is being written.
    Body,
    /// The end of the body was written; waiting for the final reply(ies).
    Final,
}

/// One transaction, queued or running.
#[derive(Debug)]
pub(super) struct Txn {
    envelope: Envelope,
    mail: MailParameters,
    pub(super) use_bdat: bool,
    pub(super) pipelined: bool,
    /// Body pieces given by the application and not yet written.
    pub(super) chunks: VecDeque<Bytes>,
    pub(super) body_ended: bool,
    stuffer: Option<DotStuffer>,
    /// Line-ending canonicalisation of a text body sent with BDAT.
    crlf: Option<CrlfNormalizer>,
    pub(super) stage: Stage,
    mail_failure: Option<Reply>,
    last_rcpt_failure: Option<Reply>,
    /// Indexes of the accepted recipients, in order.
    accepted: Vec<usize>,
    /// Replies after the data, so far.
    finals: Vec<(ForwardPath, Reply)>,
    finals_expected: usize,
    /// BDAT chunk replies outstanding.
    bdat_outstanding: usize,
    /// The first failed BDAT chunk.
    bdat_failure: Option<Reply>,
    /// The application gave it up (`Client::abandon_mail`).
    pub(super) abandoned: bool,
    /// The RSET that abandons it was sent.
    pub(super) rset_sent: bool,
}

impl Client {
    /// Sends one message: `envelope` and the whole `body` (RFC 5322 bytes;
    /// lines should end with CRLF, a bare CR or LF becomes CRLF under
    /// DATA). The size and 8-bit content are read off the body.
    ///
    /// Fails before anything is sent ([`Error::Local`] or
    /// [`Error::Limit`]) when the server could not take the message: larger
    /// than its SIZE (RFC 1870 §6), 8-bit without 8BITMIME (RFC 6152 §3),
    /// an address needing SMTPUTF8 without it (RFC 6531 §3.2), DSN
    /// parameters without DSN when
    /// [`ClientConfig::require_dsn`](super::ClientConfig::require_dsn) is
    /// set (RFC 3461 §4; otherwise they are left out and
    /// [`ClientEvent::DsnNotOffered`] reports it), more transactions than
    /// the server's `LIMITS MAILMAX` leaves (RFC 9422).
    ///
    /// When the server announces `LIMITS RCPTMAX` or `RCPTDOMAINMAX`
    /// (RFC 9422) and the envelope has more recipients (or recipient
    /// domains) than one transaction may carry, the message goes out as
    /// several transactions, each with the same sender, parameters and
    /// body and a share of the recipients (see
    /// [`split_envelope`](Self::split_envelope)), one after the other.
    /// Returns how many transactions were queued (1 when no limit
    /// applies).
    ///
    /// The results of each transaction come as
    /// [`ClientEvent::RecipientResult`]s, then [`ClientEvent::MessageResult`]
    /// or [`ClientEvent::TransactionFailed`]: expect as many of those last
    /// two as the number returned.
    pub fn send_mail(&mut self, envelope: Envelope, body: Bytes) -> Result<usize> {
        let info = BodyInfo::of(&body);
        let (mail, parts) = self.prepare_mail(&envelope, &info)?;
        let count = parts.len();
        for recipients in parts {
            let part = Envelope {
                recipients,
                ..envelope.clone()
            };
            let mut txn = self.new_txn(part, mail.clone(), &info);
            if !body.is_empty() {
                txn.chunks.push_back(body.clone());
            }
            txn.body_ended = true;
            self.ops.push_back(Op::Mail(Box::new(txn)));
        }
        self.start_next_op();
        Ok(count)
    }

    /// Starts a message whose body the application streams with
    /// [`push_body`](Self::push_body) and [`end_body`](Self::end_body).
    /// `info` must tell the truth about the body (its size if known, 8-bit
    /// content, binary MIME). Checked like [`send_mail`](Self::send_mail).
    ///
    /// A streamed body is sent once, so it cannot be split over several
    /// transactions: an envelope over the server's `LIMITS RCPTMAX` or
    /// `RCPTDOMAINMAX` (RFC 9422) is refused with [`Error::Limit`] before
    /// anything is sent. Split it first with
    /// [`split_envelope`](Self::split_envelope) and stream the body once
    /// per part.
    pub fn start_mail(&mut self, envelope: Envelope, info: BodyInfo) -> Result<()> {
        let (mail, parts) = self.prepare_mail(&envelope, &info)?;
        if let [_, _, ..] = parts.as_slice() {
            return Err(self.split_needed_error());
        }
        let txn = self.new_txn(envelope, mail, &info);
        self.ops.push_back(Op::Mail(Box::new(txn)));
        self.start_next_op();
        Ok(())
    }

    /// The checks every new message passes, its MAIL parameters, and its
    /// recipients in one share per transaction.
    fn prepare_mail(
        &self,
        envelope: &Envelope,
        info: &BodyInfo,
    ) -> Result<(MailParameters, Vec<Vec<super::Recipient>>)> {
        self.check_ready()?;
        if self.body_open_ref() {
            return Err(Error::local(
                "the body of the previous message is not finished (end_body)",
            ));
        }
        if envelope.recipients.is_empty() {
            return Err(Error::local("a message needs at least one recipient"));
        }
        let mail = self.mail_parameters(envelope, info)?;
        let parts = self.split_recipients(&envelope.recipients);
        self.check_mail_max(parts.len())?;
        Ok((mail, parts))
    }

    fn new_txn(&self, envelope: Envelope, mail: MailParameters, info: &BodyInfo) -> Txn {
        let chunking = self.has_capability(&Capability::Chunking);
        let use_bdat = info.binary || (self.config.chunking && chunking);
        let pipelined = self.config.pipelining && self.has_capability(&Capability::Pipelining);
        Txn {
            envelope,
            mail,
            use_bdat,
            pipelined,
            chunks: VecDeque::new(),
            body_ended: false,
            stuffer: None,
            crlf: (!info.binary).then(CrlfNormalizer::new),
            stage: Stage::Envelope,
            mail_failure: None,
            last_rcpt_failure: None,
            accepted: Vec::new(),
            finals: Vec::new(),
            finals_expected: 0,
            bdat_outstanding: 0,
            bdat_failure: None,
            abandoned: false,
            rset_sent: false,
        }
    }

    /// Appends a piece of the body of the message started with
    /// [`start_mail`](Self::start_mail). The piece is not copied until the
    /// transmit buffer has room for it.
    pub fn push_body(&mut self, piece: Bytes) -> Result<()> {
        let Some(txn) = self.body_open() else {
            return Err(Error::local("no message body is open"));
        };
        if !piece.is_empty() {
            txn.chunks.push_back(piece);
        }
        self.pump();
        Ok(())
    }

    /// Ends the body of the message started with
    /// [`start_mail`](Self::start_mail).
    pub fn end_body(&mut self) -> Result<()> {
        let Some(txn) = self.body_open() else {
            return Err(Error::local("no message body is open"));
        };
        txn.body_ended = true;
        self.pump();
        Ok(())
    }

    /// Octets of body given with [`push_body`](Self::push_body) and not yet
    /// copied to the transmit buffer: a streaming application waits for it
    /// to fall before it pushes more.
    pub fn body_backlog(&self) -> usize {
        let queued = self.ops.iter().rev().find_map(|o| match o {
            Op::Mail(t) => Some(t.as_ref()),
            _ => None,
        });
        self.txn
            .as_deref()
            .into_iter()
            .chain(queued)
            .map(|t| t.chunks.iter().map(Bytes::len).sum::<usize>())
            .sum()
    }

    /// The transaction whose body is still open, if any.
    fn body_open_ref(&self) -> bool {
        if let Some(Op::Mail(t)) = self.ops.iter().rev().find(|o| matches!(o, Op::Mail(_))) {
            return !t.body_ended;
        }
        self.txn.as_deref().is_some_and(|t| !t.body_ended)
    }

    /// The transaction whose body is still open, if any.
    fn body_open(&mut self) -> Option<&mut Txn> {
        if let Some(Op::Mail(t)) = self.ops.iter_mut().rev().find(|o| matches!(o, Op::Mail(_))) {
            if !t.body_ended {
                return Some(t);
            }
            return None;
        }
        self.txn.as_deref_mut().filter(|t| !t.body_ended)
    }

    /// The MAIL parameters for this message, or why the server cannot
    /// take it.
    fn mail_parameters(&self, envelope: &Envelope, info: &BodyInfo) -> Result<MailParameters> {
        let mut params = MailParameters::default();
        let ehlo = self.ehlo.as_ref();
        if let Some(size) = info.size {
            if let Some(limit) = ehlo.and_then(|e| e.size_limit())
                && size > limit
            {
                // RFC 1870 §6: do not send what the server announced it
                // would refuse.
                return Err(Error::limit("message size (server SIZE)", limit, true));
            }
            if self.has_capability(&Capability::Size(None)) {
                params.size = Some(size);
            }
        }
        if info.binary {
            if !(self.has_capability(&Capability::BinaryMime)
                && self.has_capability(&Capability::Chunking))
            {
                return Err(Error::local(
                    "a BINARYMIME body needs the server's CHUNKING and BINARYMIME (RFC 3030 §3)",
                ));
            }
            params.body = Some(Body::BinaryMime);
        } else if info.eight_bit {
            if !self.has_capability(&Capability::EightBitMime) {
                return Err(Error::local(
                    "the body has 8-bit octets and the server does not offer 8BITMIME (RFC 6152 §3)",
                ));
            }
            params.body = Some(Body::EightBitMime);
        }
        if envelope.needs_smtputf8() {
            if !self.has_capability(&Capability::SmtpUtf8) {
                return Err(Error::local(
                    "an address needs SMTPUTF8 and the server does not offer it (RFC 6531 §3.2)",
                ));
            }
            params.smtputf8 = true;
        }
        if self.has_capability(&Capability::Dsn) {
            params.ret = envelope.ret;
            params.set_envid(envelope.envid.clone());
        } else if self.config.require_dsn && envelope.uses_dsn() {
            return Err(Error::local(
                "the message asks for DSNs (RFC 3461 §4) and the server does not offer DSN (ClientConfig::require_dsn)",
            ));
        }
        Ok(params)
    }

    fn rcpt_command(&self, txn: &Txn, i: usize) -> Command {
        let r = &txn.envelope.recipients[i];
        let mut params = RcptParameters::default();
        if self.has_capability(&Capability::Dsn) {
            params.notify = r.notify;
            params.orcpt = r.orcpt.clone();
        }
        Command::Rcpt {
            to: r.path.clone(),
            params,
        }
    }

    pub(super) fn start_txn(&mut self, txn: Box<Txn>) {
        self.mails_sent = self.mails_sent.saturating_add(1);
        if !self.has_capability(&Capability::Dsn) && txn.envelope.uses_dsn() {
            // RFC 3461 §5.2.2 (a): left out, never silently.
            let recipients = txn
                .envelope
                .recipients
                .iter()
                .filter(|r| r.has_dsn_params())
                .map(|r| r.path.clone())
                .collect();
            self.events.push_back(ClientEvent::DsnNotOffered {
                mail_params: txn.envelope.has_dsn_params(),
                recipients,
            });
        }
        let mail = Command::Mail {
            from: txn.envelope.from.clone(),
            params: txn.mail.clone(),
        };
        self.send_command(&mail, Sent::Mail);
        if txn.pipelined {
            // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group.
            for i in 0..txn.envelope.recipients.len() {
                let rcpt = self.rcpt_command(&txn, i);
                self.send_command(&rcpt, Sent::Rcpt(i));
            }
            if !txn.use_bdat {
                self.send_command(&Command::Data, Sent::Data);
            }
        }
        self.txn = Some(txn);
    }

    pub(super) fn on_mail(&mut self, reply: Reply) {
        let Some(mut txn) = self.txn.take() else {
            return;
        };
        if txn.abandoned {
            self.txn = Some(txn);
            self.abandon_step();
            return;
        }
        if reply.code.is_positive() {
            if !txn.pipelined {
                let rcpt = self.rcpt_command(&txn, 0);
                self.send_command(&rcpt, Sent::Rcpt(0));
            }
            self.txn = Some(txn);
        } else if txn.pipelined {
            // The RCPTs (and DATA) are answered too; wait for them.
            txn.mail_failure = Some(reply);
            self.txn = Some(txn);
        } else {
            self.events
                .push_back(ClientEvent::TransactionFailed { reply });
        }
    }

    pub(super) fn on_rcpt(&mut self, i: usize, reply: Reply) {
        let Some(mut txn) = self.txn.take() else {
            return;
        };
        let Some(rcpt) = txn.envelope.recipients.get(i).map(|r| r.path.clone()) else {
            return;
        };
        if reply.code.is_positive() {
            txn.accepted.push(i);
        } else {
            txn.last_rcpt_failure = Some(reply.clone());
        }
        self.events
            .push_back(ClientEvent::RecipientResult { rcpt, reply });
        if txn.abandoned {
            self.txn = Some(txn);
            self.abandon_step();
            return;
        }
        let last = i + 1 == txn.envelope.recipients.len();
        if !txn.pipelined && !last {
            let rcpt = self.rcpt_command(&txn, i + 1);
            self.send_command(&rcpt, Sent::Rcpt(i + 1));
            self.txn = Some(txn);
        } else if last && (!txn.pipelined || txn.use_bdat) {
            // DATA was not pipelined with the RCPTs: decide now.
            self.envelope_done(txn);
        } else {
            // Pipelined DATA: its reply decides.
            self.txn = Some(txn);
        }
    }

    /// Every RCPT was answered (and DATA was not sent).
    fn envelope_done(&mut self, mut txn: Box<Txn>) {
        if txn.mail_failure.is_none() && !txn.accepted.is_empty() {
            if txn.use_bdat {
                txn.stage = Stage::Body;
            } else {
                self.send_command(&Command::Data, Sent::Data);
            }
            self.txn = Some(txn);
            return;
        }
        // No recipient: no data, and RSET clears the server's state.
        let reply = txn
            .mail_failure
            .take()
            .or(txn.last_rcpt_failure.take())
            .unwrap_or_else(Reply::transaction_failed);
        self.events
            .push_back(ClientEvent::TransactionFailed { reply });
        self.send_command(&Command::Rset, Sent::Rset { report: false });
    }

    pub(super) fn on_data(&mut self, reply: Reply) {
        let Some(mut txn) = self.txn.take() else {
            return;
        };
        let has_recipients = txn.mail_failure.is_none() && !txn.accepted.is_empty();
        // An abandoned transaction: the lone dot below still answers a
        // 354 without recipients; anything else is decided there.
        if txn.abandoned && (has_recipients || reply.code.get() != 354) {
            self.abandoned_data_reply(txn, &reply);
            return;
        }
        if reply.code.get() == 354 {
            if has_recipients {
                txn.stage = Stage::Body;
                txn.stuffer = Some(DotStuffer::new());
                self.txn = Some(txn);
            } else {
                // RFC 2920 §3.1: DATA accepted without recipients; send a
                // single dot, the server must not deliver it.
                self.push_out(b".\r\n");
                let timeout = self.timeout_of(Sent::AbortDot);
                self.expect(Sent::AbortDot, timeout);
                self.txn = Some(txn);
            }
            return;
        }
        let reply = if has_recipients {
            reply
        } else {
            txn.mail_failure
                .take()
                .or(txn.last_rcpt_failure.take())
                .unwrap_or(reply)
        };
        self.events
            .push_back(ClientEvent::TransactionFailed { reply });
        self.send_command(&Command::Rset, Sent::Rset { report: false });
    }

    pub(super) fn on_abort_dot(&mut self, reply: Reply) {
        let Some(mut txn) = self.txn.take() else {
            return;
        };
        if txn.abandoned {
            self.txn = Some(txn);
            self.abandon_step();
            return;
        }
        let reply = txn
            .mail_failure
            .take()
            .or(txn.last_rcpt_failure.take())
            .unwrap_or(reply);
        self.events
            .push_back(ClientEvent::TransactionFailed { reply });
        self.send_command(&Command::Rset, Sent::Rset { report: false });
    }

    pub(super) fn on_bdat(&mut self, reply: Reply) {
        let Some(mut txn) = self.txn.take() else {
            return;
        };
        txn.bdat_outstanding = txn.bdat_outstanding.saturating_sub(1);
        if txn.abandoned {
            self.txn = Some(txn);
            self.abandon_step();
            return;
        }
        if !reply.code.is_positive() && txn.bdat_failure.is_none() {
            txn.bdat_failure = Some(reply);
        }
        if let Some(failure) = &txn.bdat_failure
            && txn.bdat_outstanding == 0
            && txn.stage != Stage::Final
        {
            // RFC 3030 §2: the transaction is failed; report it for every
            // accepted recipient and reset.
            let per_recipient = txn
                .accepted
                .iter()
                .map(|&i| (txn.envelope.recipients[i].path.clone(), failure.clone()))
                .collect();
            self.events
                .push_back(ClientEvent::MessageResult { per_recipient });
            self.send_command(&Command::Rset, Sent::Rset { report: false });
            return;
        }
        self.txn = Some(txn);
    }

    pub(super) fn on_final(&mut self, k: usize, reply: Reply) {
        let Some(mut txn) = self.txn.take() else {
            return;
        };
        if self.config.lmtp {
            // RFC 2033 §4.2: one reply per accepted recipient, in order.
            if let Some(&i) = txn.accepted.get(k) {
                txn.finals
                    .push((txn.envelope.recipients[i].path.clone(), reply));
            }
        } else {
            for &i in &txn.accepted {
                txn.finals
                    .push((txn.envelope.recipients[i].path.clone(), reply.clone()));
            }
        }
        if k + 1 < txn.finals_expected {
            self.txn = Some(txn);
            return;
        }
        self.events.push_back(ClientEvent::MessageResult {
            per_recipient: std::mem::take(&mut txn.finals),
        });
    }

    fn expect_finals(&mut self, txn: &mut Txn) {
        txn.stage = Stage::Final;
        txn.finals_expected = if self.config.lmtp {
            txn.accepted.len()
        } else {
            1
        };
        for k in 0..txn.finals_expected {
            let timeout = self.timeout_of(Sent::Final(k));
            self.expect(Sent::Final(k), timeout);
        }
    }

    /// Copies more of the body into the transmit buffer while it holds
    /// less than one piece.
    pub(super) fn pump(&mut self) {
        if self.closed
            || !self
                .txn
                .as_ref()
                .is_some_and(|t| t.stage == Stage::Body && !t.abandoned)
        {
            return;
        }
        let Some(mut txn) = self.txn.take() else {
            return;
        };
        let piece = self.config.body_piece.max(1);
        if txn.use_bdat {
            self.pump_bdat(&mut txn, piece);
        } else {
            self.pump_data(&mut txn, piece);
        }
        self.txn = Some(txn);
    }

    fn next_piece(txn: &mut Txn, piece: usize) -> Option<Bytes> {
        let mut chunk = txn.chunks.pop_front()?;
        if chunk.len() > piece {
            let rest = chunk.split_off(piece);
            txn.chunks.push_front(rest);
        }
        Some(chunk)
    }

    fn pump_data(&mut self, txn: &mut Txn, piece: usize) {
        while self.pending_len() < piece {
            if txn.stuffer.is_none() {
                return;
            }
            if let Some(data) = Self::next_piece(txn, piece) {
                if let Some(stuffer) = txn.stuffer.as_mut() {
                    self.write_out(|buf| stuffer.encode(&data, buf));
                }
                continue;
            }
            if !txn.body_ended {
                return;
            }
            if let Some(stuffer) = txn.stuffer.take() {
                // RFC 5321 §4.1.1.4: CRLF "." CRLF ends the data.
                self.write_out(|buf| stuffer.finish(buf));
            }
            self.expect_finals(txn);
            return;
        }
    }

    fn pump_bdat(&mut self, txn: &mut Txn, piece: usize) {
        while self.pending_len() < piece
            && txn.bdat_failure.is_none()
            && (txn.pipelined || txn.bdat_outstanding == 0)
        {
            let data = Self::next_piece(txn, piece);
            let last = txn.chunks.is_empty() && txn.body_ended;
            let Some(data) = data.or_else(|| last.then(Bytes::new)) else {
                return;
            };
            // RFC 3030 §2: "BDAT" SP size [SP "LAST"] CRLF, then exactly
            // `size` octets. A text body is put in canonical form first
            // (one bounded piece at a time); a binary one goes unchanged.
            let data = match txn.crlf.as_mut() {
                Some(crlf) => {
                    let mut canonical = bytes::BytesMut::with_capacity(data.len() + 2);
                    crlf.encode(&data, &mut canonical);
                    if last {
                        crlf.finish(&mut canonical);
                    }
                    canonical.freeze()
                }
                None => data,
            };
            let command = Command::Bdat {
                size: data.len() as u64,
                last,
            };
            self.write_out(|buf| {
                command.encode(buf);
                buf.extend_from_slice(&data);
            });
            if last {
                self.expect_finals(txn);
                return;
            }
            txn.bdat_outstanding += 1;
            self.expect(Sent::Bdat, self.config.timeouts.data_block);
        }
    }
}
