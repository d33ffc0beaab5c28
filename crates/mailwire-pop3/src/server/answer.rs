//! The application's answers to [`ServerEvent`](super::ServerEvent)s.

use mailwire_core::Error;

use super::{Awaiting, Maildrop, MessageInfo, Server, State};
use crate::encode::Encode;
use crate::types::{Challenge, Response, ResponseCode, Status};

impl Server {
    /// The credentials of `UserPass`, `Apop` or the AUTH exchange are
    /// right; `user` names the maildrop to open. The machine answers with
    /// an [`OpenMaildrop`](super::ServerEvent::OpenMaildrop) event.
    pub fn accept_login(&mut self, user: &str) -> Result<(), Error> {
        match self.awaiting {
            Awaiting::Credentials | Awaiting::SaslStep => {
                self.awaiting = Awaiting::Maildrop {
                    user: user.to_owned(),
                };
                self.events.push_back(super::ServerEvent::OpenMaildrop {
                    user: user.to_owned(),
                });
                Ok(())
            }
            _ => Err(Error::local("no login is being checked")),
        }
    }

    /// The credentials are wrong, or the AUTH exchange failed: answers
    /// `response`, or `-ERR [AUTH] authentication failed` (RFC 3206 §5).
    /// The session stays in AUTHORIZATION, until
    /// [`Limits::failed_logins`](crate::Limits::failed_logins) is reached
    /// and the connection is closed.
    pub fn reject_login(&mut self, response: Option<Response>) -> Result<(), Error> {
        match self.awaiting {
            Awaiting::Credentials | Awaiting::SaslStep => {
                self.awaiting = Awaiting::Nothing;
                let response = response.unwrap_or_else(|| {
                    Response::fixed(
                        Status::Err,
                        Some(ResponseCode::Auth),
                        "authentication failed",
                    )
                });
                if response.is_ok() {
                    return Err(Error::local("a rejection must be -ERR"));
                }
                self.respond(&response);
                self.failed_logins = self.failed_logins.saturating_add(1);
                if self.failed_logins >= self.config.limits.failed_logins {
                    self.respond_fixed(Status::Err, None, "too many failed logins, closing");
                    self.close();
                }
                Ok(())
            }
            _ => Err(Error::local("no login is being checked")),
        }
    }

    /// Sends a SASL challenge (`+ base64`, RFC 5034 §4); the client's answer
    /// comes as [`AuthResponse`](super::ServerEvent::AuthResponse).
    pub fn auth_challenge(&mut self, challenge: &[u8]) -> Result<(), Error> {
        if !matches!(self.awaiting, Awaiting::SaslStep) {
            return Err(Error::local("no AUTH exchange is waiting for a challenge"));
        }
        Challenge(challenge.to_vec()).encode(self.out.buffer());
        self.awaiting = Awaiting::SaslClient;
        Ok(())
    }

    /// The maildrop is open and locked: the session enters TRANSACTION
    /// (RFC 1939 §4). `messages` lists it in order (message 1 first).
    pub fn maildrop_opened(&mut self, messages: Vec<MessageInfo>) -> Result<(), Error> {
        let Awaiting::Maildrop { user } = &self.awaiting else {
            return Err(Error::local("no maildrop is being opened"));
        };
        let drop = Maildrop {
            user: user.clone(),
            deleted: vec![false; messages.len()],
            messages,
        };
        let (count, size) = drop.totals();
        let line = format!("+OK maildrop has {count} messages ({size} octets)\r\n");
        self.out.push(line.as_bytes());
        self.maildrop = Some(drop);
        self.state = State::Transaction;
        self.awaiting = Awaiting::Nothing;
        Ok(())
    }

    /// The maildrop cannot be opened: answers `response`, for example
    /// `-ERR [IN-USE] maildrop locked` (RFC 2449 §8.1.1) or
    /// `-ERR [SYS/TEMP] ...` (RFC 3206 §4). The session stays in
    /// AUTHORIZATION.
    pub fn maildrop_failed(&mut self, response: Response) -> Result<(), Error> {
        if !matches!(self.awaiting, Awaiting::Maildrop { .. }) {
            return Err(Error::local("no maildrop is being opened"));
        }
        if response.is_ok() {
            return Err(Error::local("a failure must be -ERR"));
        }
        self.respond(&response);
        self.awaiting = Awaiting::Nothing;
        Ok(())
    }

    /// Sends the next chunk of the message asked for by `Retr` or `Top`,
    /// as it is stored (CRLF lines); the machine dot-stuffs it. Chunks may
    /// be cut anywhere. Keep [`pending_output`](Self::pending_output)
    /// bounded by letting it drain between chunks.
    pub fn send_body(&mut self, chunk: &[u8]) -> Result<(), Error> {
        let Awaiting::Body(body) = &mut self.awaiting else {
            return Err(Error::local("no message is being sent"));
        };
        let out = self.out.buffer();
        if !body.started {
            body.started = true;
            out.extend_from_slice(body.start_line().as_bytes());
        }
        body.write(chunk, out);
        Ok(())
    }

    /// Whether the message being sent needs no more chunks: `TOP` has
    /// reached the end of its header and the lines asked for (RFC 1939
    /// §7), so the application can stop reading the file and call
    /// [`finish_body`](Self::finish_body). Always false for `RETR`, which
    /// sends the whole message, and when no message is being sent.
    pub fn body_complete(&self) -> bool {
        match &self.awaiting {
            Awaiting::Body(body) => body.top.as_ref().is_some_and(|cut| cut.done),
            _ => false,
        }
    }

    /// Ends the message: the end marker goes out and the next command is
    /// read.
    pub fn finish_body(&mut self) -> Result<(), Error> {
        let Awaiting::Body(body) = std::mem::replace(&mut self.awaiting, Awaiting::Nothing) else {
            return Err(Error::local("no message is being sent"));
        };
        let out = self.out.buffer();
        if !body.started {
            out.extend_from_slice(body.start_line().as_bytes());
        }
        body.stuffer.finish(out);
        Ok(())
    }

    /// Refuses the message asked for, before any chunk was sent (for
    /// example `-ERR [UTF8] ...`, RFC 6856 §5, or a storage error).
    pub fn reject_message(&mut self, response: Response) -> Result<(), Error> {
        match &self.awaiting {
            Awaiting::Body(body) if !body.started => {}
            Awaiting::Body(_) => {
                return Err(Error::local("the message is already being sent"));
            }
            _ => return Err(Error::local("no message is being sent")),
        }
        if response.is_ok() {
            return Err(Error::local("a refusal must be -ERR"));
        }
        self.awaiting = Awaiting::Nothing;
        self.respond(&response);
        Ok(())
    }

    /// Ends UPDATE (RFC 1939 §6): `Ok` answers `+OK` and closes; `Err`
    /// answers that response (e.g. `-ERR [SYS/TEMP] some deleted messages
    /// not removed`) and closes.
    pub fn update_done(&mut self, result: Result<(), Response>) -> Result<(), Error> {
        if !matches!(self.awaiting, Awaiting::Update) {
            return Err(Error::local("no UPDATE is in progress"));
        }
        match result {
            Ok(()) => self.respond_fixed(Status::Ok, None, "POP3 server signing off"),
            Err(response) if response.is_ok() => {
                return Err(Error::local("a failed UPDATE must answer -ERR"));
            }
            Err(response) => self.respond(&response),
        }
        self.awaiting = Awaiting::Nothing;
        self.maildrop = None;
        self.closed = true;
        Ok(())
    }
}

impl Server {
    /// Answers the AUTH exchange in progress with the step a
    /// [`mailwire_sasl::ServerExchange`] decided: a challenge goes out,
    /// success logs in as the identity's effective name (the maildrop
    /// event follows), failure answers `-ERR [AUTH]`.
    ///
    /// The exchange must be built without success data
    /// (`mailwire_sasl::ServerConfig::with_success_data(false)`, the
    /// default): POP3 has none (RFC 5034 §4).
    pub fn answer_sasl(
        &mut self,
        step: mailwire_sasl::ServerStep,
    ) -> Result<Option<mailwire_sasl::Identity>, Error> {
        match step {
            mailwire_sasl::ServerStep::Challenge(challenge) => {
                self.auth_challenge(&challenge)?;
                Ok(None)
            }
            mailwire_sasl::ServerStep::Success {
                additional_data: Some(_),
                ..
            } => Err(Error::local(
                "POP3 cannot carry SASL success data (RFC 5034 §4); disable it in the SASL config",
            )),
            mailwire_sasl::ServerStep::Success { identity, .. } => {
                self.accept_login(identity.effective())?;
                Ok(Some(identity))
            }
            mailwire_sasl::ServerStep::Failure(_) => {
                self.reject_login(None)?;
                Ok(None)
            }
        }
    }
}
