//! POP3 for the mail server: the `mailwire_pop3::Server` machine driven by
//! `mailwire-tokio`, over the same maildirs SMTP delivers into.
//!
//! Two listeners share this handler:
//!
//! * `pop3`: STLS offered (RFC 2595 §4); USER/PASS and AUTH only after it.
//! * `pop3s`: TLS from the first byte (RFC 8314).
//!
//! The machine owns the protocol (states, CAPA, LIST/UIDL/STAT, deletion
//! marks, RSET, dot-stuffing, the autologout timer); this file checks
//! credentials (USER/PASS, and SASL PLAIN, LOGIN, SCRAM-SHA-256 and
//! SCRAM-SHA-256-PLUS through mailwire-sasl), locks the maildrop, streams
//! message files and removes deleted messages in UPDATE.
//!
//! * The unique-id (RFC 1939 §7 UIDL) is the Maildir unique name, the part
//!   before `:` that never changes when flags change or the file moves from
//!   `new/` to `cur/`; a name that is not a valid unique-id (longer than 70
//!   characters, say) is replaced by a stable digest of itself.
//! * Messages in `new/` and `cur/` are both listed; opening the maildrop
//!   moves `new/` messages to `cur/` with an atomic rename, so a message
//!   has one name at a time and nothing is copied.
//! * One session per maildrop at a time (RFC 1939 §8), across processes
//!   too: a lock file in the Maildir (see [`crate::lock`]); a second
//!   session gets `-ERR [IN-USE]` (RFC 2449 §8.1.1).
//! * Deletions happen only in UPDATE, after QUIT (RFC 1939 §6); a session
//!   that ends any other way removes nothing.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use mailwire_pop3::server::MessageInfo;
use mailwire_pop3::types::{MechanismName, MsgNum, Response, ResponseCode, Uid};
use mailwire_pop3::{Encode, Server, ServerConfig, ServerEvent};
use mailwire_tokio::{Connection, Incoming};
use tokio::net::TcpStream;

use crate::lock::{Acquired, MaildropLock, REFRESH_EVERY};
use crate::maildir::Maildir;
use crate::{BoxFuture, Ctx, Handler, limit};

/// The SASL mechanisms offered (after TLS only; the machine hides them
/// before), strongest first.
const MECHANISMS: &[&str] = &["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN", "LOGIN"];

/// How much of a message file is read at a time.
const CHUNK: usize = 64 * 1024;
/// How much output may wait before the next chunk is read.
const MAX_PENDING: usize = 256 * 1024;

/// The listener handler; `implicit_tls` for `pop3s`.
pub fn handler(implicit_tls: bool) -> Handler {
    Arc::new(move |incoming: Incoming, ctx: Arc<Ctx>| -> BoxFuture {
        Box::pin(handle(incoming, ctx, implicit_tls))
    })
}

/// The refusal of a client over the connection limit:
/// `-ERR [SYS/TEMP] too many connections` instead of the greeting, then
/// close. The greeting of RFC 2449 §6 is always `+OK`, so a client reads
/// any `-ERR` here as a failed connection, which is the common practice
/// for a busy server; the code (RFC 2449 §8, RFC 3206 §4 `SYS/TEMP`) says
/// it is temporary. Under implicit TLS the line goes out over TLS, as the
/// client expects.
pub fn refuse_handler() -> Handler {
    Arc::new(|incoming: Incoming, _ctx: Arc<Ctx>| -> BoxFuture {
        let line = err_response("too many connections", ResponseCode::SysTemp).to_bytes();
        Box::pin(limit::say_and_close(incoming.into_stream(), line.to_vec()))
    })
}

fn server_config(implicit_tls: bool) -> ServerConfig {
    let mut config = ServerConfig::new();
    config.implicit_tls = implicit_tls;
    config.stls = !implicit_tls;
    config.sasl_mechanisms = MECHANISMS
        .iter()
        .filter_map(|m| MechanismName::new(*m).ok())
        .collect();
    config
}

type Conn = Connection<Server, TcpStream>;

/// Runs one POP3 connection to its end.
pub async fn handle(incoming: Incoming, ctx: Arc<Ctx>, implicit_tls: bool) {
    let peer = incoming.peer_addr();
    if implicit_tls && !incoming.is_tls() {
        tracing::error!("pop3s connection without TLS");
        return;
    }
    let mut conn = incoming.into_connection(Server::new(server_config(implicit_tls)));
    let mut session = Session {
        ctx,
        sasl: None,
        lock: None,
        maildir: None,
        messages: Vec::new(),
    };
    loop {
        match conn.next_event().await {
            Ok(Some(event)) => {
                if let Err(e) = session.on_event(&mut conn, event).await {
                    tracing::debug!(%peer, error = %e, "POP3 session ended");
                    break;
                }
            }
            Ok(None) => break,
            Err(e) if !e.is_fatal() => {
                tracing::debug!(%peer, error = %e, "answered a client error")
            }
            Err(e) => {
                tracing::debug!(%peer, error = %e, "POP3 connection failed");
                break;
            }
        }
    }
    // Whatever happened, the maildrop is released and nothing is deleted
    // unless UPDATE ran.
    session.release_lock().await;
    if let Err(e) = conn.close().await {
        tracing::debug!(%peer, error = %e, "closing");
    }
}

/// The held maildrop lock and when it was last touched.
struct HeldLock {
    lock: MaildropLock,
    refreshed: Instant,
}

/// A message of the open maildrop.
#[derive(Debug)]
struct Message {
    /// The Maildir unique name.
    id: String,
    /// Where the file was when the maildrop was opened.
    path: PathBuf,
}

/// What one connection knows.
struct Session {
    ctx: Arc<Ctx>,
    sasl: Option<mailwire_sasl::ServerExchange>,
    lock: Option<HeldLock>,
    maildir: Option<Maildir>,
    /// The maildrop, message 1 first.
    messages: Vec<Message>,
}

impl Session {
    /// Handles one event; an `Err` ends the connection (without UPDATE).
    async fn on_event(&mut self, conn: &mut Conn, event: ServerEvent) -> io::Result<()> {
        self.refresh_lock().await;
        let answered = match event {
            ServerEvent::UserPass { user, password } => {
                let known = self.ctx.users.lookup(user.as_str()).map(str::to_owned);
                let users = self.ctx.users.clone();
                let password = password.as_str().to_owned();
                // Password checks derive keys: keep them off the workers.
                let ok = match known.clone() {
                    Some(name) => tokio::task::spawn_blocking(move || {
                        mailwire_sasl::CredentialStore::verify_password(&*users, &name, &password)
                    })
                    .await
                    .unwrap_or(false),
                    None => false,
                };
                match (ok, known) {
                    (true, Some(name)) => {
                        tracing::info!(user = %name, mechanism = "USER", "POP3 login");
                        conn.machine_mut().accept_login(&name)
                    }
                    _ => conn.machine_mut().reject_login(None),
                }
            }
            ServerEvent::AuthStart {
                mechanism,
                initial_response,
            } => {
                let step = self.start_sasl(conn, mechanism.as_str(), initial_response);
                self.answer_sasl(conn, step)
            }
            ServerEvent::AuthResponse(response) => {
                let step = match self.sasl.as_mut() {
                    Some(exchange) => exchange.step(&*self.ctx.users, &response),
                    None => mailwire_sasl::ServerStep::Failure(
                        mailwire_sasl::server::Failure::AuthenticationFailed,
                    ),
                };
                self.answer_sasl(conn, step)
            }
            ServerEvent::AuthCancelled => {
                self.sasl = None;
                Ok(())
            }
            ServerEvent::Apop { .. } => {
                // Not offered (no timestamp in the greeting).
                conn.machine_mut().reject_login(None)
            }
            ServerEvent::OpenMaildrop { user } => self.open_maildrop(conn, &user).await,
            ServerEvent::Retr { msg, uid } | ServerEvent::Top { msg, uid, .. } => {
                return self.send_message(conn, msg, &uid).await;
            }
            ServerEvent::Update { user, deleted } => {
                let result = self.update(&user, &deleted).await;
                // Released before +OK, so that the client's next session
                // finds the maildrop free.
                self.release_lock().await;
                conn.machine_mut().update_done(result)
            }
            ServerEvent::Released { .. } => {
                self.release_lock().await;
                Ok(())
            }
            ServerEvent::StartTls => {
                // RFC 2595 §4: nothing from before TLS counts.
                self.sasl = None;
                Ok(())
            }
            other => {
                tracing::debug!(event = ?other, "POP3 event needs no answer");
                Ok(())
            }
        };
        if let Err(e) = answered {
            tracing::warn!(error = %e, "answer refused by the POP3 machine");
        }
        Ok(())
    }

    fn start_sasl(
        &mut self,
        conn: &Conn,
        mechanism: &str,
        initial_response: Option<Vec<u8>>,
    ) -> mailwire_sasl::ServerStep {
        let failed = || {
            mailwire_sasl::ServerStep::Failure(mailwire_sasl::server::Failure::AuthenticationFailed)
        };
        let Ok(mechanism) = mailwire_sasl::Mechanism::parse(mechanism.as_bytes()) else {
            return failed();
        };
        let mut config = mailwire_sasl::ServerConfig::new().with_hostname(self.ctx.domain.clone());
        if let Some(info) = conn.tls_info() {
            config = config.with_tls_info(info);
        }
        let Ok(mut exchange) = mailwire_sasl::ServerExchange::new(mechanism, &config) else {
            return failed();
        };
        let step = exchange.start(&*self.ctx.users, initial_response.as_deref());
        self.sasl = Some(exchange);
        step
    }

    fn answer_sasl(
        &mut self,
        conn: &mut Conn,
        step: mailwire_sasl::ServerStep,
    ) -> Result<(), mailwire_core::Error> {
        if let mailwire_sasl::ServerStep::Success { identity, .. } = &step {
            let mechanism = self
                .sasl
                .as_ref()
                .map(|e| e.mechanism().as_str().to_owned());
            tracing::info!(user = %identity.authcid, mechanism = mechanism.as_deref().unwrap_or("?"), "POP3 login");
        }
        if !matches!(step, mailwire_sasl::ServerStep::Challenge(_)) {
            self.sasl = None;
        }
        conn.machine_mut().answer_sasl(step).map(|_| ())
    }

    /// Locks and lists the maildrop (RFC 1939 §4).
    async fn open_maildrop(
        &mut self,
        conn: &mut Conn,
        user: &str,
    ) -> Result<(), mailwire_core::Error> {
        let Some(name) = self.ctx.users.lookup(user).map(str::to_owned) else {
            return conn.machine_mut().maildrop_failed(err_response(
                "no maildrop for this user",
                ResponseCode::SysPerm,
            ));
        };
        let ctx = self.ctx.clone();
        let user = name.clone();
        let listed = self
            .ctx
            .disk
            .run(move || {
                let maildir = ctx.maildir(&user)?;
                let lock = match MaildropLock::acquire(maildir.root())? {
                    Acquired::Locked(lock) => lock,
                    Acquired::InUse => return Ok(None),
                };
                // A failed scan drops the lock, which releases it.
                let messages = scan(&maildir)?;
                Ok(Some((maildir, lock, messages)))
            })
            .await;
        let (maildir, lock, messages) = match listed {
            Ok(Some(listed)) => listed,
            Ok(None) => {
                return conn.machine_mut().maildrop_failed(err_response(
                    "maildrop already in use by another session",
                    ResponseCode::InUse,
                ));
            }
            Err(e) => {
                tracing::warn!(user = %name, error = %e, "cannot list maildir");
                return conn.machine_mut().maildrop_failed(err_response(
                    "cannot list the maildrop",
                    ResponseCode::SysTemp,
                ));
            }
        };
        let mut infos = Vec::with_capacity(messages.len());
        self.messages.clear();
        for (message, size) in messages {
            if let Some(uid) = uid_for(&message.id) {
                infos.push(MessageInfo { size, uid });
                self.messages.push(message);
            }
        }
        self.maildir = Some(maildir);
        self.lock = Some(HeldLock {
            lock,
            refreshed: Instant::now(),
        });
        tracing::info!(user = %name, count = self.messages.len(), "maildrop opened");
        conn.machine_mut().maildrop_opened(infos)
    }

    /// Gives the maildrop lock up (in a disk job).
    async fn release_lock(&mut self) {
        let Some(held) = self.lock.take() else { return };
        let released = self
            .ctx
            .disk
            .run(move || {
                held.lock.release();
                Ok(())
            })
            .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "releasing the maildrop lock failed");
        }
    }

    /// Touches the maildrop lock when it is due, so that it never looks
    /// abandoned to a process that cannot check ours (see [`crate::lock`]).
    async fn refresh_lock(&mut self) {
        let Some(held) = self.lock.as_mut() else {
            return;
        };
        if held.refreshed.elapsed() < REFRESH_EVERY {
            return;
        }
        held.refreshed = Instant::now();
        let path = held.lock.path().to_owned();
        let touched = self
            .ctx
            .disk
            .run(move || MaildropLock::refresh_path(&path))
            .await;
        if let Err(e) = touched {
            tracing::warn!(error = %e, "refreshing the maildrop lock failed");
        }
    }

    /// Streams one message file (RETR, TOP): the machine dot-stuffs it and,
    /// for TOP, cuts it. An error after the first chunk ends the session,
    /// since a partial message must not look complete.
    async fn send_message(&mut self, conn: &mut Conn, msg: MsgNum, uid: &Uid) -> io::Result<()> {
        let file = match self.open_message(msg).await {
            Ok(file) => file,
            Err(e) => {
                tracing::warn!(%uid, error = %e, "cannot open message");
                let refused = conn.machine_mut().reject_message(err_response(
                    "message cannot be read",
                    ResponseCode::SysTemp,
                ));
                return refused.map_err(io::Error::other);
            }
        };
        // Each chunk is read by a disk job; the file and the buffer travel
        // to it and back.
        let mut file = Some(file);
        let mut buf = vec![0u8; CHUNK];
        loop {
            let (f, b, n) = {
                let Some(mut f) = file.take() else { break };
                let mut b = std::mem::take(&mut buf);
                self.ctx
                    .disk
                    .run(move || {
                        let n = f.read(&mut b)?;
                        Ok((f, b, n))
                    })
                    .await?
            };
            file = Some(f);
            buf = b;
            if n == 0 {
                break;
            }
            conn.machine_mut()
                .send_body(&buf[..n])
                .map_err(io::Error::other)?;
            self.refresh_lock().await;
            if conn.machine().body_complete() {
                // TOP has what it asked for: the rest of the file is not read.
                break;
            }
            if conn.machine().pending_output() >= MAX_PENDING {
                conn.flush().await.map_err(io::Error::other)?;
            }
        }
        conn.machine_mut().finish_body().map_err(io::Error::other)
    }

    async fn open_message(&self, msg: MsgNum) -> io::Result<std::fs::File> {
        let message = self
            .messages
            .get(msg.index())
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such message"))?;
        let path = message.path.clone();
        let id = message.id.clone();
        let maildir = self.maildir.clone();
        self.ctx
            .disk
            .run(move || match std::fs::File::open(&path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Renamed meanwhile (flags set by another client): find
                    // it again by its unique name.
                    let maildir = maildir.ok_or(e)?;
                    std::fs::File::open(maildir.find(&id)?.path)
                }
                other => other,
            })
            .await
    }

    /// UPDATE (RFC 1939 §6): removes the messages marked deleted.
    async fn update(&mut self, user: &str, deleted: &[(MsgNum, Uid)]) -> Result<(), Response> {
        let Some(maildir) = self.maildir.clone() else {
            return if deleted.is_empty() {
                Ok(())
            } else {
                Err(err_response("maildrop not open", ResponseCode::SysTemp))
            };
        };
        let targets: Vec<(String, PathBuf)> = deleted
            .iter()
            .filter_map(|(msg, _)| self.messages.get(msg.index()))
            .map(|m| (m.id.clone(), m.path.clone()))
            .collect();
        let count = targets.len();
        let removed = self
            .ctx
            .disk
            .run(move || remove_all(&maildir, &targets))
            .await;
        match removed {
            Ok(()) => {
                tracing::info!(%user, count, "deleted messages");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(%user, error = %e, "UPDATE failed");
                Err(err_response(
                    "some deleted messages not removed",
                    ResponseCode::SysTemp,
                ))
            }
        }
    }
}

/// `-ERR [code] text` from fixed, valid text.
fn err_response(text: &str, code: ResponseCode) -> Response {
    match Response::err(text) {
        Ok(r) => r.with_code(code),
        Err(_) => Response {
            status: mailwire_pop3::types::Status::Err,
            code: Some(code),
            text: mailwire_pop3::types::Text::empty(),
        },
    }
}

/// Lists the maildir for a session: every message in `new/` moves to
/// `cur/` (same unique name, no flags) by an atomic rename; each message
/// comes with its size.
fn scan(maildir: &Maildir) -> io::Result<Vec<(Message, u64)>> {
    let mut out = Vec::new();
    for info in maildir.list()? {
        let mut path = info.path;
        if info.is_new {
            let target = maildir.root().join("cur").join(format!("{}:2,", info.id));
            match std::fs::rename(&path, &target) {
                Ok(()) => path = target,
                // Another process took it (moved or deleted it): leave it
                // to the next session.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => {
                    tracing::debug!(error = %e, "could not move a message to cur/");
                }
            }
        }
        out.push((Message { id: info.id, path }, info.size));
    }
    Ok(out)
}

/// Removes the files; ones already gone count as removed. The directory
/// is synced so that the removal survives a crash.
fn remove_all(maildir: &Maildir, targets: &[(String, PathBuf)]) -> io::Result<()> {
    let mut first_error = None;
    for (id, path) in targets {
        let result = match std::fs::remove_file(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => match maildir.delete(id) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                other => other,
            },
            other => other,
        };
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    if !targets.is_empty() {
        sync_dir(&maildir.root().join("cur"))?;
    }
    first_error.map_or(Ok(()), Err)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// The unique-id of a message (RFC 1939 §7): its Maildir unique name when
/// that is a valid unique-id, else a stable 32-digit hex digest of it.
fn uid_for(id: &str) -> Option<Uid> {
    if let Ok(uid) = Uid::new(id) {
        return Some(uid);
    }
    // Two FNV-1a 64-bit hashes with different offsets: stable across
    // processes and versions, unlike std's hasher.
    let fnv = |seed: u64| {
        id.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let digest = format!(
        "{:016x}{:016x}",
        fnv(0xcbf2_9ce4_8422_2325),
        fnv(0x6c62_272e_07bb_0142)
    );
    // 32 hex digits are always a valid unique-id.
    Uid::new(digest).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_come_from_the_unique_name() {
        let uid = |id: &str| uid_for(id).unwrap().as_str().to_owned();
        assert_eq!(
            uid("1763770000.M1P2Q3R00ff.host"),
            "1763770000.M1P2Q3R00ff.host"
        );
        let long = "x".repeat(80);
        let a = uid(&long);
        assert_eq!(a.len(), 32);
        assert_eq!(a, uid(&long));
        assert_ne!(a, uid(&"y".repeat(80)));
        assert_eq!(uid("a b").len(), 32);
    }

    #[test]
    fn scan_moves_new_to_cur_keeping_the_id() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path().join("Maildir")).unwrap();
        let id = md.deliver(b"Subject: x\r\n\r\nbody\r\n").unwrap();
        let listed = scan(&md).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].0.id, id);
        assert_eq!(listed[0].1, 20);
        assert!(listed[0].0.path.starts_with(md.root().join("cur")));
        let again = scan(&md).unwrap();
        assert_eq!(again[0].0.id, id);
        remove_all(&md, &[(id.clone(), again[0].0.path.clone())]).unwrap();
        assert!(md.list().unwrap().is_empty());
        // Already gone counts as removed.
        remove_all(&md, &[(id, again[0].0.path.clone())]).unwrap();
    }
}
