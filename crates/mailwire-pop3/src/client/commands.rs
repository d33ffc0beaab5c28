//! The command methods and the send queue (pipelining, RFC 2449 §6.6).

use mailwire_core::Error;

use super::{Client, Expect, Phase};
use crate::encode::Encode;
use crate::types::{Capability, Command, LangTag, MsgNum};

impl Client {
    /// Queues a command; it is written as soon as the protocol allows:
    /// at once when nothing is in flight, or behind commands in flight
    /// when the server offers PIPELINING and the session is in
    /// TRANSACTION. Commands that change the session's state (STLS, login
    /// steps, UTF8) are never pipelined.
    pub(super) fn enqueue(&mut self, expect: Expect) {
        self.queued.push_back(expect);
        self.flush_queue();
    }

    fn is_barrier(expect: &Expect) -> bool {
        !matches!(expect, Expect::Plain(c) if !matches!(c, Command::Stls | Command::Utf8))
    }

    pub(super) fn flush_queue(&mut self) {
        while let Some(next) = self.queued.front() {
            let pipelining = self.config.pipelining
                && self.phase == Phase::Transaction
                && self.has_capability(&Capability::Pipelining);
            let can_send = self.in_flight.is_empty()
                || (pipelining
                    && !Self::is_barrier(next)
                    && self.in_flight.back().is_some_and(|b| !Self::is_barrier(b)));
            if !can_send {
                break;
            }
            let Some(expect) = self.queued.pop_front() else {
                break;
            };
            self.write_command(&expect);
            self.in_flight.push_back(expect);
        }
    }

    pub(super) fn write_command(&mut self, expect: &Expect) {
        let out = self.out.buffer();
        match expect {
            Expect::Plain(c) | Expect::User(c, _) | Expect::Login(c) => c.encode(out),
            Expect::Greeting => {}
        }
    }

    pub(super) fn login_in_flight(&self) -> bool {
        self.in_flight
            .iter()
            .chain(&self.queued)
            .any(|e| matches!(e, Expect::User(..) | Expect::Login(_)))
    }

    pub(super) fn check_open(&self) -> Result<(), Error> {
        if self.closed || self.quit_sent {
            return Err(Error::local("the session is over"));
        }
        if self.tls_pending {
            return Err(Error::local("finish the TLS handshake first"));
        }
        Ok(())
    }

    fn transaction_command(&mut self, command: Command) -> Result<(), Error> {
        self.check_open()?;
        if self.phase != Phase::Transaction && !self.login_in_flight() {
            return Err(Error::local(
                "this command is valid in TRANSACTION state only (log in first)",
            ));
        }
        self.enqueue(Expect::Plain(command));
        Ok(())
    }

    fn authorization_command(&mut self, command: Command) -> Result<(), Error> {
        self.check_open()?;
        if self.phase != Phase::Authorization {
            return Err(Error::local(
                "this command is valid in AUTHORIZATION state only",
            ));
        }
        self.enqueue(Expect::Plain(command));
        Ok(())
    }

    /// `CAPA` (RFC 2449 §5); answered by [`Capabilities`](super::ClientEvent::Capabilities).
    pub fn capa(&mut self) -> Result<(), Error> {
        self.check_open()?;
        self.enqueue(Expect::Plain(Command::Capa));
        Ok(())
    }

    /// `STLS` (RFC 2595 §4); `+OK` is reported as
    /// [`StartTls`](super::ClientEvent::StartTls).
    pub fn stls(&mut self) -> Result<(), Error> {
        if self.tls {
            return Err(Error::local("TLS is already active"));
        }
        self.authorization_command(Command::Stls)
    }

    /// `UTF8` (RFC 6856 §2.1).
    pub fn utf8(&mut self) -> Result<(), Error> {
        self.authorization_command(Command::Utf8)
    }

    /// `LANG [range]` (RFC 6856 §3); without a range, a listing.
    pub fn lang(&mut self, range: Option<LangTag>) -> Result<(), Error> {
        self.check_open()?;
        self.enqueue(Expect::Plain(Command::Lang(range)));
        Ok(())
    }

    /// `STAT` (RFC 1939 §5).
    pub fn stat(&mut self) -> Result<(), Error> {
        self.transaction_command(Command::Stat)
    }

    /// `LIST [msg]` (RFC 1939 §5).
    pub fn list(&mut self, msg: Option<MsgNum>) -> Result<(), Error> {
        self.transaction_command(Command::List(msg))
    }

    /// `UIDL [msg]` (RFC 1939 §7).
    pub fn uidl(&mut self, msg: Option<MsgNum>) -> Result<(), Error> {
        self.transaction_command(Command::Uidl(msg))
    }

    /// `RETR msg` (RFC 1939 §5): the body streams as `RetrChunk`s.
    pub fn retr(&mut self, msg: MsgNum) -> Result<(), Error> {
        self.transaction_command(Command::Retr(msg))
    }

    /// `TOP msg lines` (RFC 1939 §7).
    pub fn top(&mut self, msg: MsgNum, lines: u32) -> Result<(), Error> {
        self.transaction_command(Command::Top { msg, lines })
    }

    /// `DELE msg` (RFC 1939 §5).
    pub fn dele(&mut self, msg: MsgNum) -> Result<(), Error> {
        self.transaction_command(Command::Dele(msg))
    }

    /// `RSET` (RFC 1939 §5).
    pub fn rset(&mut self) -> Result<(), Error> {
        self.transaction_command(Command::Rset)
    }

    /// `NOOP` (RFC 1939 §5).
    pub fn noop(&mut self) -> Result<(), Error> {
        self.transaction_command(Command::Noop)
    }

    /// `QUIT` (RFC 1939 §5, §6): in TRANSACTION, the server commits the
    /// deletions. No command can follow.
    pub fn quit(&mut self) -> Result<(), Error> {
        self.check_open()?;
        self.quit_sent = true;
        self.enqueue(Expect::Plain(Command::Quit));
        Ok(())
    }
}
