//! SMTP for the mail server: the `mailwire_smtp::Server` machine driven by
//! `mailwire-tokio`, delivering into the users' maildirs.
//!
//! Three listeners share this handler:
//!
//! * `smtp` ([`Mode::Mx`]): mail for `<user>@<domain>` from anyone. STARTTLS
//!   is offered; AUTH only under TLS. Unknown local users get `550 5.1.1`,
//!   other domains `550 5.7.1` (this server relays nothing).
//! * `submission` ([`Mode::Submission`], RFC 6409): STARTTLS, then AUTH,
//!   before any MAIL (`530` otherwise).
//! * `smtps` ([`Mode::Smtps`], RFC 8314): TLS from the first byte; AUTH
//!   before any MAIL.
//!
//! The machine owns the protocol (command order, the EHLO reply, SIZE,
//! STARTTLS, AUTH with the users' SCRAM keys, timeouts); this file only
//! decides which recipients exist and stores messages. `250` for a message
//! goes out only once every copy is synced to disk in `new/`.
//!
//! File work runs as [`Disk`](crate::disk::Disk) jobs, off the async
//! threads. The body is gathered into a batch of at most [`BATCH`] bytes
//! (a chunk that large on its own is written as it is, not copied) and
//! each full batch is written to every copy before the next event is
//! taken, so reading from the client pauses while the disk catches up and
//! a session holds one batch at most, whatever the message size.

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use mailwire::smtp::server::{AuthConfig, HelloKind, ServerConfig, ServerEvent};
use mailwire::smtp::{EnhancedCode, ForwardPath, Host, Reply, ReversePath, Server};
use mailwire_tokio::{Connection, EndReason, Incoming};
use tokio::net::TcpStream;

use crate::maildir::Delivery;

/// How much of a message body is gathered before it is written.
pub const BATCH: usize = 128 * 1024;
use crate::{BoxFuture, Ctx, Handler, limit};

/// Which SMTP service a listener offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Incoming mail for local users (port 25 style).
    Mx,
    /// Message submission with STARTTLS and AUTH required.
    Submission,
    /// Message submission over implicit TLS, AUTH required.
    Smtps,
}

/// The listener handler for `mode`.
pub fn handler(mode: Mode) -> Handler {
    Arc::new(move |incoming: Incoming, ctx: Arc<Ctx>| -> BoxFuture {
        Box::pin(handle(incoming, ctx, mode))
    })
}

/// The refusal of a client over the connection limit: the machine greets
/// with `421 <domain> Service not available, too many connections` and
/// closes (RFC 5321 §3.8; a greeting carries no enhanced code, RFC 2034
/// §3 applies only after EHLO). Bounded by [`limit::refusal_config`].
pub fn refuse_handler() -> Handler {
    Arc::new(|incoming: Incoming, ctx: Arc<Ctx>| -> BoxFuture { Box::pin(refuse(incoming, ctx)) })
}

async fn refuse(incoming: Incoming, ctx: Arc<Ctx>) {
    let machine = Host::try_from(ctx.domain.as_str())
        .map_err(|e| e.to_string())
        .and_then(|host| {
            let text = format!("{} Service not available, too many connections", ctx.domain);
            let greeting = Reply::with_text(421, &text).map_err(|e| e.to_string())?;
            Server::refuse(ServerConfig::new(host), greeting).map_err(|e| e.to_string())
        });
    let machine = match machine {
        Ok(machine) => machine,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the SMTP refusal");
            return;
        }
    };
    let mut conn = incoming
        .into_connection(machine)
        .with_config(limit::refusal_config());
    loop {
        match conn.next_event().await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                tracing::debug!(error = %e, "refusal ended");
                break;
            }
        }
    }
    let _ = conn.close().await;
}

/// The machine configuration for one connection.
fn server_config(ctx: &Ctx, mode: Mode) -> Result<ServerConfig, String> {
    let host = Host::try_from(ctx.domain.as_str()).map_err(|e| format!("{e}"))?;
    let mut config = ServerConfig::new(host);
    config.limits.max_message_size = ctx.max_message_size as u64;
    config.starttls = mode != Mode::Smtps;
    config.require_tls = mode == Mode::Submission;
    let sasl = mailwire::sasl::ServerConfig::new().with_hostname(ctx.domain.clone());
    config.auth = AuthConfig::with_store(ctx.users.clone(), sasl);
    config.auth.required = mode != Mode::Mx;
    Ok(config)
}

/// Runs one SMTP connection to its end.
pub async fn handle(incoming: Incoming, ctx: Arc<Ctx>, mode: Mode) {
    let peer = incoming.peer_addr();
    let config = match server_config(&ctx, mode) {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(error = %e, "invalid SMTP configuration");
            return;
        }
    };
    let machine = match (mode, incoming.tls_info()) {
        (Mode::Smtps, Some(info)) => Server::with_tls(config, info.clone()),
        (Mode::Smtps, None) => {
            tracing::error!("smtps connection without TLS");
            return;
        }
        _ => Server::new(config),
    };
    let mut conn = incoming.into_connection(machine);
    let mut session = Session {
        ctx,
        peer: peer.ip(),
        helo: None,
        hello_kind: None,
        user: None,
        txn: None,
    };
    loop {
        match conn.next_event().await {
            Ok(Some(event)) => session.on_event(&mut conn, event).await,
            Ok(None) => break,
            Err(e) if !e.is_fatal() => {
                tracing::debug!(%peer, error = %e, "answered a client error")
            }
            Err(e) => {
                tracing::debug!(%peer, error = %e, "SMTP connection failed");
                break;
            }
        }
    }
    if matches!(
        conn.end_reason(),
        Some(EndReason::Shutdown | EndReason::IdleTimeout)
    ) {
        // 421 4.3.2, RFC 5321 §3.8.
        conn.machine_mut().shutdown();
    }
    session.discard().await;
    if let Err(e) = conn.close().await {
        tracing::debug!(%peer, error = %e, "closing");
    }
}

/// What one connection knows.
struct Session {
    ctx: Arc<Ctx>,
    peer: IpAddr,
    helo: Option<String>,
    /// EHLO or HELO.
    hello_kind: Option<HelloKind>,
    /// The authenticated user.
    user: Option<String>,
    txn: Option<Txn>,
}

/// A mail transaction.
#[derive(Default)]
struct Txn {
    from: String,
    /// MAIL FROM had SMTPUTF8 (RFC 6531 §3.4).
    smtputf8: bool,
    /// Local users and the address each was reached by, without repeats.
    rcpts: Vec<(String, String)>,
    /// One open delivery per recipient while the body arrives.
    deliveries: Vec<Delivery>,
    /// Body bytes not written yet (less than [`BATCH`]).
    pending: Vec<u8>,
    /// A write failed: the message will be refused.
    failed: bool,
}

type Conn = Connection<Server, TcpStream>;

impl Session {
    async fn on_event(&mut self, conn: &mut Conn, event: ServerEvent) {
        let answered = match event {
            ServerEvent::Hello { kind, host } => {
                self.helo = Some(host.to_string());
                self.hello_kind = Some(kind);
                self.discard().await;
                conn.machine_mut().accept()
            }
            ServerEvent::Mail { from, params } => {
                self.discard().await;
                self.txn = Some(Txn {
                    smtputf8: params.smtputf8,
                    from: match &from {
                        ReversePath::Null => String::new(),
                        ReversePath::Mailbox(m) => m.as_str().to_owned(),
                    },
                    ..Txn::default()
                });
                conn.machine_mut().accept()
            }
            ServerEvent::Rcpt { to, .. } => {
                let answer = self.recipient(&to);
                match answer {
                    Ok(()) => conn.machine_mut().accept(),
                    Err(reply) => conn.machine_mut().reject(reply),
                }
            }
            ServerEvent::DataStart { .. } => match self.start_deliveries(conn.is_tls()).await {
                Ok(()) => conn.machine_mut().accept(),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot start a delivery");
                    self.discard().await;
                    conn.machine_mut().reject(local_error())
                }
            },
            ServerEvent::DataChunk(chunk) => {
                self.write_chunk(chunk).await;
                Ok(())
            }
            ServerEvent::DataEnd { .. } => {
                let reply = self.finish_deliveries().await;
                match reply {
                    Ok(()) => conn.machine_mut().accept(),
                    Err(reply) => conn.machine_mut().reject(reply),
                }
            }
            ServerEvent::DataAborted(why) => {
                tracing::debug!(?why, "message refused by the machine");
                self.discard().await;
                Ok(())
            }
            ServerEvent::Reset => {
                self.discard().await;
                Ok(())
            }
            ServerEvent::Authenticated { authcid, .. } => {
                tracing::info!(peer = %self.peer, user = %authcid, "authenticated");
                self.user = Some(authcid);
                Ok(())
            }
            ServerEvent::StartTls => {
                // RFC 3207 §4.2: everything from before TLS is forgotten.
                self.helo = None;
                self.hello_kind = None;
                self.user = None;
                self.discard().await;
                Ok(())
            }
            ServerEvent::Quit | ServerEvent::AuthCancelled => Ok(()),
            other => {
                // VRFY/EXPN/HELP and AUTH steps are answered by the machine
                // with this configuration; refuse anything else that waits.
                tracing::debug!(event = ?other, "unexpected event");
                if conn.machine().awaits_answer() {
                    conn.machine_mut().reject(Reply::not_implemented())
                } else {
                    Ok(())
                }
            }
        };
        if let Err(e) = answered {
            tracing::warn!(error = %e, "answer refused by the SMTP machine");
        }
    }

    /// RCPT: a local user, the postmaster, or a refusal.
    fn recipient(&mut self, to: &ForwardPath) -> Result<(), Reply> {
        let (user, address) = match to {
            // RFC 5321 §4.5.1: <Postmaster> must be accepted.
            ForwardPath::Postmaster => (self.postmaster(), "postmaster".to_owned()),
            ForwardPath::Mailbox(m) => {
                if !m.host_str().eq_ignore_ascii_case(&self.ctx.domain) {
                    return Err(reply(550, (5, 7, 1), "Relaying denied: not a local domain"));
                }
                let local = m.local_part_unquoted();
                let user = match self.ctx.users.lookup(&local) {
                    Some(user) => user.to_owned(),
                    None if local.eq_ignore_ascii_case("postmaster") => self.postmaster(),
                    None => {
                        return Err(reply(550, (5, 1, 1), "No such user here"));
                    }
                };
                (user, m.as_str().to_owned())
            }
        };
        let Some(txn) = self.txn.as_mut() else {
            // The machine sends RCPT only inside a transaction.
            return Err(Reply::bad_sequence());
        };
        if !txn.rcpts.iter().any(|(u, _)| *u == user) {
            txn.rcpts.push((user, address));
        }
        Ok(())
    }

    /// The user who gets postmaster mail.
    fn postmaster(&self) -> String {
        self.ctx
            .users
            .postmaster()
            .unwrap_or("postmaster")
            .to_owned()
    }

    /// Ends the transaction, if any: its unfinished copies are removed
    /// from `tmp/` (by a disk job, as dropping a [`Delivery`] removes a
    /// file).
    async fn discard(&mut self) {
        let Some(txn) = self.txn.take() else { return };
        if txn.deliveries.is_empty() {
            return;
        }
        let deliveries = txn.deliveries;
        let dropped = self
            .ctx
            .disk
            .run(move || {
                drop(deliveries);
                Ok(())
            })
            .await;
        if let Err(e) = dropped {
            tracing::warn!(error = %e, "removing unfinished deliveries failed");
        }
    }

    /// DATA/BDAT accepted: one file in `tmp/` per recipient, headed by the
    /// trace fields of RFC 5321 §4.4.
    async fn start_deliveries(&mut self, tls: bool) -> std::io::Result<()> {
        let smtputf8 = self.txn.as_ref().is_some_and(|t| t.smtputf8);
        let protocol = protocol_name(self.hello_kind, tls, self.user.is_some(), smtputf8);
        let helo = self.helo.clone().unwrap_or_else(|| "unknown".to_owned());
        let ctx = self.ctx.clone();
        let peer = self.peer;
        let txn = self.txn.get_or_insert_with(Txn::default);
        // Left over from an earlier BDAT transaction that failed: gone.
        let old = std::mem::take(&mut txn.deliveries);
        txn.pending.clear();
        txn.failed = false;
        let rcpts = txn.rcpts.clone();
        let from = txn.from.clone();
        let date = rfc5322_date(std::time::SystemTime::now());
        let deliveries = ctx
            .disk
            .clone()
            .run(move || {
                drop(old);
                let mut deliveries = Vec::with_capacity(rcpts.len());
                for (user, address) in &rcpts {
                    let mut delivery = ctx.maildir(user)?.begin()?;
                    let trace = format!(
                        "Return-Path: <{from}>\r\nReceived: from {helo} ([{peer}])\r\n\tby {} with {protocol} id {}\r\n\tfor <{address}>; {date}\r\n",
                        ctx.domain,
                        delivery
                            .id()
                            .split('.')
                            .take(2)
                            .collect::<Vec<_>>()
                            .join("."),
                    );
                    delivery.write(trace.as_bytes())?;
                    deliveries.push(delivery);
                }
                Ok(deliveries)
            })
            .await?;
        match self.txn.as_mut() {
            Some(txn) => txn.deliveries = deliveries,
            None => {
                self.txn = Some(Txn {
                    deliveries,
                    ..Txn::default()
                })
            }
        }
        Ok(())
    }

    /// A piece of the body: gathered, and written to every copy once a
    /// batch is full.
    async fn write_chunk(&mut self, chunk: Bytes) {
        let Some(txn) = self.txn.as_mut() else { return };
        if txn.failed || txn.deliveries.is_empty() {
            return;
        }
        let large = if txn.pending.is_empty() && chunk.len() >= BATCH {
            Some(chunk)
        } else {
            txn.pending.extend_from_slice(&chunk);
            None
        };
        if large.is_none() && txn.pending.len() < BATCH {
            return;
        }
        let mut deliveries = std::mem::take(&mut txn.deliveries);
        let mut pending = std::mem::take(&mut txn.pending);
        let written = self
            .ctx
            .disk
            .run(move || {
                write_all(&mut deliveries, &pending, large.as_deref())?;
                pending.clear();
                Ok((deliveries, pending))
            })
            .await;
        let Some(txn) = self.txn.as_mut() else { return };
        match written {
            Ok((deliveries, pending)) => {
                txn.deliveries = deliveries;
                txn.pending = pending;
            }
            Err(e) => {
                // The copies were dropped with the job: tmp/ is clean.
                tracing::warn!(error = %e, "writing a message failed");
                txn.failed = true;
            }
        }
    }

    /// The body is complete: write what is left, make every copy durable,
    /// then answer.
    async fn finish_deliveries(&mut self) -> Result<(), Reply> {
        let Some(txn) = self.txn.take() else {
            return Err(local_error());
        };
        if txn.failed || txn.deliveries.is_empty() {
            return Err(local_error());
        }
        let users: Vec<String> = txn.rcpts.iter().map(|(u, _)| u.clone()).collect();
        let mut deliveries = txn.deliveries;
        let pending = txn.pending;
        // Every copy is made durable before any becomes visible, so a full
        // or failing disk leaves no copy behind and the 451 makes the
        // client retry without duplicates. Only a failure of the final
        // link after another copy went through could still duplicate,
        // which is better than a loss.
        let committed = self
            .ctx
            .disk
            .run(move || {
                write_all(&mut deliveries, &pending, None)?;
                for delivery in &mut deliveries {
                    delivery.sync()?;
                }
                deliveries
                    .into_iter()
                    .map(Delivery::commit)
                    .collect::<std::io::Result<Vec<String>>>()
            })
            .await;
        match committed {
            Ok(ids) => {
                tracing::info!(peer = %self.peer, ?users, ?ids, "delivered");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(error = %e, "delivery failed");
                Err(local_error())
            }
        }
    }
}

/// Appends `batch`, then `large`, to every copy (blocking).
fn write_all(
    deliveries: &mut [Delivery],
    batch: &[u8],
    large: Option<&[u8]>,
) -> std::io::Result<()> {
    for delivery in deliveries {
        if !batch.is_empty() {
            delivery.write(batch)?;
        }
        if let Some(large) = large {
            delivery.write(large)?;
        }
    }
    Ok(())
}

/// The WITH protocol of the Received field: `SMTP` after HELO (RFC 5321
/// §4.4), `ESMTP` with the `S` (TLS) and `A` (AUTH) suffixes of RFC 3848,
/// and `UTF8SMTP...` for SMTPUTF8 transactions (RFC 6531 §3.7.3).
fn protocol_name(hello: Option<HelloKind>, tls: bool, auth: bool, smtputf8: bool) -> String {
    let base = if smtputf8 {
        "UTF8SMTP"
    } else if hello == Some(HelloKind::Helo) && !tls && !auth {
        return "SMTP".to_owned();
    } else {
        "ESMTP"
    };
    format!(
        "{base}{}{}",
        if tls { "S" } else { "" },
        if auth { "A" } else { "" }
    )
}

/// `451 4.3.0`: a local problem, the client should try again later.
fn local_error() -> Reply {
    reply(451, (4, 3, 0), "Local error in processing, try again later")
}

fn reply(code: u16, enhanced: (u8, u16, u16), text: &str) -> Reply {
    Reply::with_text(code, text)
        .and_then(|r| r.enhanced(EnhancedCode::new(enhanced.0, enhanced.1, enhanced.2)?))
        .unwrap_or_else(|_| Reply::transaction_failed())
}

/// An RFC 5322 §3.3 date-time in UTC: `Sat, 21 Nov 2026 23:45:31 +0000`.
fn rfc5322_date(time: std::time::SystemTime) -> String {
    let secs = time
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} +0000",
        WEEKDAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
#[path = "smtp_tests.rs"]
mod tests;
