//! Reading server lines: status lines, multi-line listings (dot-stuffed
//! lines, RFC 1939 §3), bodies through mailwire-core's `DotDecoder`, and
//! SASL challenges (RFC 5034 §4).

use bytes::Bytes;
use mailwire_core::{DotChunk, DotDecoder, Error};

use super::{Client, ClientEvent, Expect, ListingKind, Phase, Reading};
use crate::encode::Encode;
use crate::parse::{
    apop_timestamp, parse_capability, parse_challenge, parse_drop_listing, parse_lang_listing,
    parse_response, parse_scan_listing, parse_uid_listing,
};
use crate::types::{Command, Response, SaslResponse, Status};

impl Client {
    /// One step of reading; `Ok(false)` when more input is needed.
    pub(super) fn read_step(&mut self) -> Result<bool, Error> {
        match &mut self.reading {
            Reading::Body(decoder) => match decoder.decode(&mut self.input) {
                None => Ok(false),
                Some(DotChunk::Data(data)) => {
                    self.events.push_back(ClientEvent::RetrChunk(data));
                    Ok(true)
                }
                Some(DotChunk::End) => {
                    self.events.push_back(ClientEvent::RetrEnd);
                    self.complete();
                    Ok(true)
                }
            },
            Reading::Listing(kind) => {
                let kind = *kind;
                match self.framer.next_line(&mut self.input)? {
                    None => Ok(false),
                    Some(line) => {
                        self.listing_line(kind, line)?;
                        Ok(true)
                    }
                }
            }
            Reading::Status => {
                if self.in_flight.is_empty() {
                    if !self.input.is_empty() {
                        let err = Error::remote_fatal(
                            "the server sent a line no command asked for",
                            &self.input,
                        );
                        return Err(self.fail(err));
                    }
                    return Ok(false);
                }
                let line = match self.framer.next_line(&mut self.input) {
                    Ok(None) => return Ok(false),
                    Ok(Some(line)) => line,
                    // A broken status line leaves the answers out of step.
                    Err(e) => return Err(self.fail(e.into_fatal())),
                };
                self.status_line(line)?;
                Ok(true)
            }
        }
    }

    /// The command at the front has been answered completely.
    fn complete(&mut self) {
        self.in_flight.pop_front();
        self.reading = Reading::Status;
        self.flush_queue();
    }

    fn listing_line(&mut self, kind: ListingKind, line: Bytes) -> Result<(), Error> {
        if &line[..] == b"." {
            match kind {
                ListingKind::Capa => {
                    let caps = std::mem::take(&mut self.capa_acc);
                    self.capabilities = Some(caps.clone());
                    self.events.push_back(ClientEvent::Capabilities(caps));
                }
                ListingKind::List => self.events.push_back(ClientEvent::ListEnd),
                ListingKind::Uidl => self.events.push_back(ClientEvent::UidlEnd),
                ListingKind::Lang => self.events.push_back(ClientEvent::LangEnd),
            }
            self.complete();
            return Ok(());
        }
        // Dot-stuffing: a line starting with a dot had one added.
        let content = if line.first() == Some(&b'.') {
            &line[1..]
        } else {
            &line[..]
        };
        match kind {
            ListingKind::Capa => {
                if self.capa_acc.len() >= self.config.limits.capabilities {
                    let max = self.config.limits.capabilities as u64;
                    return Err(self.fail(Error::limit("capabilities", max, false)));
                }
                let cap = parse_capability(content)?;
                self.capa_acc.push(cap);
            }
            ListingKind::List => {
                let listing = parse_scan_listing(content)?;
                self.events.push_back(ClientEvent::List(listing));
            }
            ListingKind::Uidl => {
                let listing = parse_uid_listing(content)?;
                self.events.push_back(ClientEvent::Uidl(listing));
            }
            ListingKind::Lang => {
                let listing = parse_lang_listing(content)?;
                self.events.push_back(ClientEvent::Lang(listing));
            }
        }
        Ok(())
    }

    fn status_line(&mut self, line: Bytes) -> Result<(), Error> {
        let in_auth = matches!(
            self.in_flight.front(),
            Some(Expect::Login(Command::Auth { .. }))
        );
        let is_ok = line
            .get(..3)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"+OK"));
        if in_auth && line.first() == Some(&b'+') && !is_ok {
            return self.challenge(&line);
        }
        let response = match parse_response(&line) {
            Ok(r) => r,
            Err(e) => return Err(self.fail(e.into_fatal())),
        };
        let Some(expect) = self.in_flight.front().cloned() else {
            return Ok(());
        };
        let ok = response.status == Status::Ok;
        match expect {
            Expect::Greeting => {
                if ok {
                    self.apop_timestamp = apop_timestamp(response.text.as_str());
                    self.events.push_back(ClientEvent::Greeting {
                        apop_timestamp: self.apop_timestamp.clone(),
                        text: response.text,
                    });
                    self.complete();
                    if self.config.auto_capa {
                        self.enqueue(Expect::Plain(Command::Capa));
                    }
                } else {
                    self.events.push_back(ClientEvent::Failed {
                        command: "greeting",
                        response,
                    });
                    self.closed = true;
                }
            }
            Expect::User(_, password) => {
                if ok {
                    let pass = Expect::Login(Command::Pass(password));
                    self.in_flight.pop_front();
                    // PASS goes out before anything queued behind the login.
                    self.write_command(&pass);
                    self.in_flight.push_front(pass);
                } else {
                    self.events.push_back(ClientEvent::LoginFailed(response));
                    self.complete();
                }
            }
            Expect::Login(_) => {
                if ok {
                    if let Some(mut sasl) = self.sasl.take() {
                        if let Err(e) = sasl.finish() {
                            // The server did not prove itself (SCRAM): do
                            // not go on with an impostor.
                            return Err(self.fail(e.into_fatal()));
                        }
                    }
                    self.phase = Phase::Transaction;
                    self.events.push_back(ClientEvent::LoggedIn);
                } else {
                    self.sasl = None;
                    self.events.push_back(ClientEvent::LoginFailed(response));
                }
                self.complete();
            }
            Expect::Plain(command) => self.plain_answer(command, response)?,
        }
        Ok(())
    }

    fn plain_answer(&mut self, command: Command, response: Response) -> Result<(), Error> {
        let keyword = command.keyword();
        if response.status == Status::Err {
            if let Command::Capa = command {
                self.capabilities = Some(Vec::new());
                self.events.push_back(ClientEvent::Capabilities(Vec::new()));
            } else {
                self.events.push_back(ClientEvent::Failed {
                    command: keyword,
                    response,
                });
            }
            if let Command::Quit = command {
                self.closed = true;
            }
            self.complete();
            return Ok(());
        }
        let text = response.text.as_str().as_bytes();
        match command {
            Command::Capa => {
                self.capa_acc.clear();
                self.reading = Reading::Listing(ListingKind::Capa);
            }
            Command::List(None) => self.reading = Reading::Listing(ListingKind::List),
            Command::Uidl(None) => self.reading = Reading::Listing(ListingKind::Uidl),
            Command::Lang(None) => self.reading = Reading::Listing(ListingKind::Lang),
            Command::Retr(msg) | Command::Top { msg, .. } => {
                let lines = match command {
                    Command::Top { lines, .. } => Some(lines),
                    _ => None,
                };
                self.events.push_back(ClientEvent::RetrStart { msg, lines });
                self.reading = Reading::Body(DotDecoder::new(self.config.line_ending));
            }
            Command::Stat => {
                let result = parse_drop_listing(text);
                self.complete();
                self.events.push_back(ClientEvent::Stat(result?));
            }
            Command::List(Some(_)) => {
                let result = parse_scan_listing(text);
                self.complete();
                self.events.push_back(ClientEvent::List(result?));
                self.events.push_back(ClientEvent::ListEnd);
            }
            Command::Uidl(Some(_)) => {
                let result = parse_uid_listing(text);
                self.complete();
                self.events.push_back(ClientEvent::Uidl(result?));
                self.events.push_back(ClientEvent::UidlEnd);
            }
            Command::Stls => {
                self.complete();
                if !self.input.is_empty() {
                    // RFC 2595 §4 / DESIGN: bytes after +OK to STLS, before
                    // the handshake, are an injection attempt.
                    let err = Error::remote_fatal(
                        "the server sent plaintext after +OK to STLS",
                        &self.input,
                    );
                    return Err(self.fail(err));
                }
                self.tls_pending = true;
                self.events.push_back(ClientEvent::StartTls);
            }
            Command::Quit => {
                self.complete();
                self.closed = true;
                self.events.push_back(ClientEvent::Done {
                    command: keyword,
                    response,
                });
            }
            _ => {
                self.complete();
                self.events.push_back(ClientEvent::Done {
                    command: keyword,
                    response,
                });
            }
        }
        Ok(())
    }

    /// A `+ base64` challenge of the AUTH exchange in flight.
    fn challenge(&mut self, line: &[u8]) -> Result<(), Error> {
        let reply = match (parse_challenge(line), self.sasl.as_mut()) {
            (Ok(challenge), Some(sasl)) => match sasl.step(&challenge.0) {
                Ok(response) => SaslResponse::Data(response),
                Err(_) => SaslResponse::Cancel,
            },
            // RFC 5034 §4: a challenge that is not base64 MUST be
            // answered with "*".
            _ => SaslResponse::Cancel,
        };
        reply.encode(self.out.buffer());
        Ok(())
    }
}

trait IntoFatal {
    fn into_fatal(self) -> Error;
}

impl IntoFatal for Error {
    fn into_fatal(self) -> Error {
        match self {
            Error::Remote(r) => Error::remote_fatal(r.reason().to_owned(), r.offending()),
            Error::Limit(l) => Error::limit(l.what, l.max, false),
            other => other,
        }
    }
}
