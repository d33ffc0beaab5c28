//! Handling of one command line, per state (RFC 1939 §4-§7 and the
//! extensions).

use bytes::Bytes;
use mailwire_core::{DotStuffer, Error};

use super::{Awaiting, Server, ServerEvent, State};
use crate::encode::Encode;
use crate::parse::{parse_command, parse_sasl_response};
use crate::types::{
    Capability, Command, DropListing, MsgNum, Response, ResponseCode, SaslResponse, ScanListing,
    Status, Text, UidListing,
};

impl Server {
    pub(super) fn command_line(&mut self, line: &Bytes) -> Result<(), Error> {
        let command = match parse_command(line) {
            Ok(c) => c,
            Err(e) => {
                let unknown = matches!(&e, Error::Remote(r) if r.reason() == "unknown command"
                    || r.reason() == "not a POP3 command keyword");
                self.bad_command(if unknown {
                    "unknown command"
                } else {
                    "invalid arguments"
                });
                return Ok(());
            }
        };
        match self.state {
            State::Authorization => self.authorization(command),
            State::Transaction => {
                self.transaction(command);
                Ok(())
            }
            // No command is read in UPDATE: the machine waits for the
            // application, then closes.
            State::Update => Ok(()),
        }
    }

    fn authorization(&mut self, command: Command) -> Result<(), Error> {
        match command {
            Command::Capa => self.capa(),
            Command::Noop => self.bad_command("NOOP is valid in TRANSACTION state only"),
            Command::Quit => {
                self.respond_fixed(Status::Ok, None, "bye");
                self.close();
            }
            Command::Stls => return self.stls(),
            Command::Utf8 => self.utf8(),
            Command::Lang(range) => self.lang(range),
            Command::User(_) | Command::Pass(_) | Command::Apop { .. } | Command::Auth { .. }
                if !self.credentials_allowed() =>
            {
                self.respond_fixed(
                    Status::Err,
                    Some(ResponseCode::Auth),
                    "plaintext authentication disallowed without TLS, use STLS",
                );
            }
            Command::User(name) => {
                if !self.config.user_pass {
                    self.bad_command("USER is not supported");
                } else {
                    self.user = Some(name);
                    self.respond_fixed(Status::Ok, None, "send PASS");
                }
            }
            Command::Pass(password) => match self.user.take() {
                None => self.bad_command("USER first"),
                Some(user) => {
                    self.awaiting = Awaiting::Credentials;
                    self.events
                        .push_back(ServerEvent::UserPass { user, password });
                }
            },
            Command::Apop { name, digest } => match self.config.apop_timestamp.clone() {
                None => self.bad_command("APOP is not supported"),
                Some(timestamp) => {
                    self.user = None;
                    self.awaiting = Awaiting::Credentials;
                    self.events.push_back(ServerEvent::Apop {
                        user: name,
                        digest,
                        timestamp,
                    });
                }
            },
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                self.user = None;
                if self.config.sasl_mechanisms.contains(&mechanism) {
                    self.awaiting = Awaiting::SaslStep;
                    self.events.push_back(ServerEvent::AuthStart {
                        mechanism,
                        initial_response,
                    });
                } else {
                    self.respond_fixed(Status::Err, None, "unsupported SASL mechanism");
                }
            }
            _ => self.bad_command("command not valid in AUTHORIZATION state"),
        }
        Ok(())
    }

    fn stls(&mut self) -> Result<(), Error> {
        if !self.config.stls || self.tls || self.utf8_mode {
            self.bad_command("STLS not available");
            return Ok(());
        }
        if !self.input.is_empty() {
            // Commands pipelined behind STLS in plaintext would be read as
            // if they came over TLS: an injection (RFC 2595 §4, CVE-2011-0411).
            let err = Error::remote_fatal(
                "plaintext pipelined after STLS",
                &self.input.split().freeze(),
            );
            return Err(self.fail(err));
        }
        self.user = None;
        self.respond_fixed(Status::Ok, None, "begin TLS negotiation");
        self.tls_pending = true;
        self.events.push_back(ServerEvent::StartTls);
        Ok(())
    }

    fn utf8(&mut self) {
        if !self.config.utf8 {
            self.bad_command("UTF8 not supported");
            return;
        }
        self.utf8_mode = true;
        self.respond_fixed(Status::Ok, None, "UTF8 enabled");
        self.events.push_back(ServerEvent::Utf8);
    }

    fn lang(&mut self, range: Option<crate::types::LangTag>) {
        if self.config.languages.is_empty() {
            self.bad_command("LANG not supported");
            return;
        }
        let Some(range) = range else {
            self.respond_fixed(Status::Ok, None, "language listing follows");
            let mut stuffer = DotStuffer::new();
            let mut line = bytes::BytesMut::new();
            for listing in &self.config.languages {
                line.clear();
                listing.encode(&mut line);
                stuffer.encode(&line, self.out.buffer());
            }
            stuffer.finish(self.out.buffer());
            return;
        };
        // Basic filtering (RFC 4647 §3.3.1): the range equals the tag or
        // is a prefix of it ending at a '-'.
        let r = range.as_str().to_ascii_lowercase();
        let found = if range.is_wildcard() {
            self.config.languages.first()
        } else {
            self.config.languages.iter().find(|l| {
                let t = l.tag.as_str().to_ascii_lowercase();
                t == r || (t.starts_with(&r) && t.as_bytes().get(r.len()) == Some(&b'-'))
            })
        };
        match found.map(|l| l.tag.clone()) {
            Some(tag) => {
                let text = format!("{tag} language changed");
                let response = Response {
                    status: Status::Ok,
                    code: None,
                    text: Text::new(text).unwrap_or_default(),
                };
                self.respond(&response);
                self.events.push_back(ServerEvent::Language(tag));
            }
            None => self.respond_fixed(Status::Err, None, "invalid language"),
        }
    }

    fn capa(&mut self) {
        let mut caps = vec![Capability::Top];
        if self.state == State::Authorization && self.credentials_allowed() {
            if self.config.user_pass {
                caps.push(Capability::User);
            }
            if !self.config.sasl_mechanisms.is_empty() {
                caps.push(Capability::Sasl(self.config.sasl_mechanisms.clone()));
            }
        }
        caps.extend([
            Capability::RespCodes,
            Capability::AuthRespCode,
            Capability::Pipelining,
            Capability::Uidl,
        ]);
        if self.config.stls && !self.tls && self.state == State::Authorization {
            caps.push(Capability::Stls);
        }
        if self.config.utf8 {
            caps.push(Capability::Utf8 { user: false });
        }
        if !self.config.languages.is_empty() {
            caps.push(Capability::Lang);
        }
        caps.extend(self.config.extra_capabilities.iter().cloned());
        self.respond_fixed(Status::Ok, None, "capability list follows");
        let mut stuffer = DotStuffer::new();
        let mut line = bytes::BytesMut::new();
        for cap in &caps {
            line.clear();
            cap.encode(&mut line);
            stuffer.encode(&line, self.out.buffer());
        }
        stuffer.finish(self.out.buffer());
    }

    fn transaction(&mut self, command: Command) {
        let Some(drop) = self.maildrop.as_mut() else {
            return;
        };
        let no_such = Response::fixed(Status::Err, None, "no such message");
        match command {
            Command::Capa => self.capa(),
            Command::Lang(range) => self.lang(range),
            Command::Noop => self.respond_fixed(Status::Ok, None, ""),
            Command::Stat => {
                let (count, size) = drop.totals();
                DropListing { count, size }.encode(self.out.buffer());
            }
            Command::List(Some(msg)) => match drop.live(msg) {
                Some(m) => {
                    let line = format!("+OK {} {}\r\n", msg, m.size);
                    self.out.push(line.as_bytes());
                }
                None => self.respond(&no_such),
            },
            Command::List(None) => {
                let (count, size) = drop.totals();
                let head = format!("+OK {count} messages ({size} octets)\r\n");
                self.out.push(head.as_bytes());
                let buf = self.out.buffer();
                for (i, (m, deleted)) in drop.messages.iter().zip(&drop.deleted).enumerate() {
                    if let (false, Some(msg)) = (*deleted, index_msg(i)) {
                        // Digits: never starts with a dot.
                        ScanListing { msg, size: m.size }.encode(buf);
                    }
                }
                buf.extend_from_slice(b".\r\n");
            }
            Command::Uidl(Some(msg)) => match drop.live(msg) {
                Some(m) => {
                    let line = format!("+OK {} {}\r\n", msg, m.uid);
                    self.out.push(line.as_bytes());
                }
                None => self.respond(&no_such),
            },
            Command::Uidl(None) => {
                self.out.push(b"+OK unique-id listing follows\r\n");
                let buf = self.out.buffer();
                for (i, (m, deleted)) in drop.messages.iter().zip(&drop.deleted).enumerate() {
                    if let (false, Some(msg)) = (*deleted, index_msg(i)) {
                        UidListing {
                            msg,
                            uid: m.uid.clone(),
                        }
                        .encode(buf);
                    }
                }
                buf.extend_from_slice(b".\r\n");
            }
            Command::Retr(msg) => match drop.live(msg) {
                Some(m) => {
                    let event = ServerEvent::Retr {
                        msg,
                        uid: m.uid.clone(),
                    };
                    self.awaiting = Awaiting::Body(super::body::BodyOut::retr(m.size));
                    self.events.push_back(event);
                }
                None => self.respond(&no_such),
            },
            Command::Top { msg, lines } => match drop.live(msg) {
                Some(m) => {
                    let event = ServerEvent::Top {
                        msg,
                        uid: m.uid.clone(),
                        lines,
                    };
                    self.awaiting = Awaiting::Body(super::body::BodyOut::top(lines));
                    self.events.push_back(event);
                }
                None => self.respond(&no_such),
            },
            Command::Dele(msg) => {
                if drop.live(msg).is_some() {
                    drop.deleted[msg.index()] = true;
                    let text = format!("+OK message {msg} deleted\r\n");
                    self.out.push(text.as_bytes());
                } else {
                    self.respond(&no_such);
                }
            }
            Command::Rset => {
                drop.deleted.iter_mut().for_each(|d| *d = false);
                let (count, size) = drop.totals();
                let text = format!("+OK maildrop has {count} messages ({size} octets)\r\n");
                self.out.push(text.as_bytes());
            }
            Command::Quit => {
                // RFC 1939 §6: enter UPDATE; the application commits.
                let deleted = drop
                    .messages
                    .iter()
                    .zip(&drop.deleted)
                    .enumerate()
                    .filter(|(_, (_, d))| **d)
                    .filter_map(|(i, (m, _))| Some((index_msg(i)?, m.uid.clone())))
                    .collect();
                let user = drop.user.clone();
                self.state = State::Update;
                self.awaiting = Awaiting::Update;
                self.input.clear();
                self.events.push_back(ServerEvent::Update { user, deleted });
            }
            _ => self.bad_command("command not valid in TRANSACTION state"),
        }
    }

    pub(super) fn sasl_line(&mut self, line: &Bytes) {
        match parse_sasl_response(line) {
            Ok(SaslResponse::Data(data)) => {
                self.awaiting = Awaiting::SaslStep;
                self.events.push_back(ServerEvent::AuthResponse(data));
            }
            Ok(SaslResponse::Cancel) => {
                self.awaiting = Awaiting::Nothing;
                self.respond_fixed(Status::Err, None, "authentication cancelled");
                self.events.push_back(ServerEvent::AuthCancelled);
            }
            Err(_) => {
                // RFC 5034 §4: invalid base64 MUST be rejected.
                self.awaiting = Awaiting::Nothing;
                self.respond_fixed(Status::Err, None, "authentication failed: invalid base64");
                self.events.push_back(ServerEvent::AuthCancelled);
            }
        }
    }
}

fn index_msg(i: usize) -> Option<MsgNum> {
    u32::try_from(i + 1).ok().and_then(MsgNum::new)
}
