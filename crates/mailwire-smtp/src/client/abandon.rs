//! Giving up a transaction before its data is complete: `RSET`
//! (RFC 5321 §4.1.1.5), in step with the replies still outstanding
//! (RFC 2920 §3.1).

use mailwire_core::{Error, Result};

use super::transaction::{Stage, Txn};
use super::{Client, ClientEvent, Op, Sent};
use crate::types::{Command, Reply};

impl Client {
    /// Abandons the oldest transaction whose data is not yet complete: the
    /// running one (before the end of its data was sent), else the first
    /// queued one. The server's state is cleared with `RSET`
    /// (RFC 5321 §4.1.1.5) and [`ClientEvent::MailAbandoned`] reports the
    /// end; the session goes on and the next queued operation starts.
    ///
    /// What happens depends on how far the transaction went:
    ///
    /// - **Queued, nothing sent**: it is dropped and `MailAbandoned` with
    ///   no reply is reported at once.
    /// - **MAIL / RCPT sent** (and replies outstanding): no further
    ///   command of the transaction is sent. With PIPELINING the RSET goes
    ///   out at once behind them (RFC 2920 §3.1 lets RSET appear anywhere
    ///   in a group); without it, after the reply in flight. Every
    ///   outstanding reply is still matched to its own command (a
    ///   [`ClientEvent::RecipientResult`] per RCPT), then the RSET reply
    ///   comes with `MailAbandoned`.
    /// - **DATA sent, its reply outstanding** (DATA is pipelined with the
    ///   envelope): the RSET waits for that reply. If it refuses DATA,
    ///   RSET follows. If it is `354` and no recipient was accepted, a lone
    ///   `.` ends the empty message, which the server must not deliver
    ///   (RFC 2920 §3.2 (4)), then RSET.
    /// - **BDAT chunks sent, not the LAST one** (RFC 3030 §2): no more
    ///   chunks; RSET discards those received (after the chunk replies
    ///   outstanding without PIPELINING).
    /// - **The server accepted DATA (`354`) for at least one recipient**:
    ///   SMTP has no way to end the data without having it delivered
    ///   (RFC 5321 §4.1.1.4), so the client stops writing and closes the
    ///   connection, which the server must treat as a cancelled
    ///   transaction (RFC 5321 §4.1.1.10): `MailAbandoned` with no reply,
    ///   then [`ClientEvent::Closed`]`(None)`. Use CHUNKING (BDAT) or
    ///   abandon before the 354 to keep the session.
    ///
    /// Fails with [`Error::Local`] when no transaction can be abandoned
    /// (none queued, or the end of its data was already sent: its result
    /// is on its way), or when the connection is closed.
    pub fn abandon_mail(&mut self) -> Result<()> {
        if self.closed {
            return Err(Error::local("the connection is closed"));
        }
        let running = self
            .txn
            .as_ref()
            .is_some_and(|t| !t.abandoned && t.stage != Stage::Final);
        if running {
            self.abandon_running();
            return Ok(());
        }
        if let Some(at) = self.ops.iter().position(|o| matches!(o, Op::Mail(_))) {
            self.ops.remove(at);
            self.events
                .push_back(ClientEvent::MailAbandoned { reply: None });
            return Ok(());
        }
        Err(Error::local(
            "no transaction to abandon: none is queued, or the end of its data was already sent",
        ))
    }

    fn abandon_running(&mut self) {
        let Some(mut txn) = self.txn.take() else {
            return;
        };
        txn.abandoned = true;
        // Nothing more of the body is taken or written.
        txn.body_ended = true;
        txn.chunks.clear();
        if txn.stage == Stage::Body && !txn.use_bdat {
            // Inside DATA after a 354: only closing cancels it.
            self.abandon_by_closing();
            return;
        }
        self.txn = Some(txn);
        self.abandon_step();
    }

    /// Sends the RSET of an abandoned transaction once it may go: not while
    /// the reply to DATA (or to the lone dot) is outstanding, and, without
    /// PIPELINING, not while any command of the transaction is.
    pub(super) fn abandon_step(&mut self) {
        let Some(txn) = self.txn.as_deref() else {
            return;
        };
        if !txn.abandoned || txn.rset_sent {
            return;
        }
        let data_pending = self
            .in_flight
            .iter()
            .any(|f| matches!(f.sent, Sent::Data | Sent::AbortDot));
        let others_pending = self
            .in_flight
            .iter()
            .any(|f| matches!(f.sent, Sent::Mail | Sent::Rcpt(_) | Sent::Bdat));
        if data_pending || (others_pending && !txn.pipelined) {
            return;
        }
        if let Some(txn) = self.txn.as_deref_mut() {
            txn.rset_sent = true;
        }
        self.send_command(&Command::Rset, Sent::AbandonRset);
    }

    /// The reply to DATA of an abandoned transaction (other than a 354
    /// without accepted recipients, which the lone dot answers).
    pub(super) fn abandoned_data_reply(&mut self, txn: Box<Txn>, reply: &Reply) {
        if reply.code.get() == 354 {
            self.abandon_by_closing();
            return;
        }
        self.txn = Some(txn);
        self.abandon_step();
    }

    fn abandon_by_closing(&mut self) {
        self.events
            .push_back(ClientEvent::MailAbandoned { reply: None });
        self.events.push_back(ClientEvent::Closed(None));
        // Whatever of the body is still waiting is not written: the data
        // must not end.
        self.out.buffer().clear();
        self.close();
    }

    pub(super) fn on_abandon_rset(&mut self, reply: Reply) {
        self.txn = None;
        self.events
            .push_back(ClientEvent::MailAbandoned { reply: Some(reply) });
    }
}
