//! `pop3_fetch`: downloads a POP3 maildrop into a local Maildir with the
//! mailwire client machine (`mailwire_pop3::Client`) driven by
//! `mailwire-tokio`.
//!
//! ```text
//! pop3_fetch --server HOST:PORT [--starttls | --tls] [--ca PEM]
//!            --user U (--password P | --password-file F) --out DIR [--delete]
//! ```
//!
//! Every message goes into the Maildir at DIR (`DIR/{tmp,new,cur}`) byte
//! for byte as the server sent it: written to `tmp/`, synced, renamed
//! into `new/`. The unique-ids (RFC 1939 §7 UIDL) of fetched messages are
//! kept in `DIR/.pop3_fetch_uidl`, per user and server, so that a second
//! run skips them. With `--delete` every message that is safely stored
//! (now or by an earlier run) is marked with DELE and removed by the
//! server at QUIT (RFC 1939 §6).
//!
//! `--starttls` upgrades with STLS (RFC 2595 §4) and fails rather than go
//! on in cleartext; `--tls` speaks TLS from the first byte (RFC 8314).
//! Certificates are verified against the Mozilla roots or only `--ca`.
//! The password is never sent in cleartext unless `--allow-cleartext-auth`
//! is given. Login uses the strongest SASL mechanism the server offers
//! (SCRAM first), else USER/PASS.
//!
//! A progress bar is shown when stdout is a terminal; at the end one line
//! says `fetched N, skipped M, deleted K`. Exit status 0 on success, 1 on
//! any failure (with a message on stderr), 2 for usage errors.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod store;

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use mailwire_pop3::types::{Capability, MsgNum};
use mailwire_pop3::{Client, ClientConfig, ClientEvent};
use mailwire_tokio::{
    ClientTls, Connection, ConnectionConfig, MaybeTlsStream, StartTls, connect_tcp,
};
use tokio::net::TcpStream;

use crate::store::{LocalMaildir, UidState};

/// Downloads a POP3 maildrop into a local Maildir.
#[derive(Debug, Parser)]
#[command(name = "pop3_fetch", version)]
struct Args {
    /// The server, HOST:PORT.
    #[arg(long, value_name = "HOST:PORT")]
    server: String,
    /// Upgrade with STLS (required: no cleartext fallback).
    #[arg(long, conflicts_with = "tls")]
    starttls: bool,
    /// TLS from the first byte (POP3S, port 995).
    #[arg(long)]
    tls: bool,
    /// Trust only this PEM certificate (chain) instead of the Mozilla roots.
    #[arg(long, value_name = "PEM")]
    ca: Option<PathBuf>,
    /// The user name.
    #[arg(long)]
    user: String,
    /// The password. Visible to other users in the process list: prefer
    /// --password-file.
    #[arg(
        long,
        required_unless_present = "password_file",
        conflicts_with = "password_file"
    )]
    password: Option<String>,
    /// Read the password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// The local Maildir to fetch into (created when missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Delete fetched messages on the server.
    #[arg(long)]
    delete: bool,
    /// Allow sending the password without TLS.
    #[arg(long)]
    allow_cleartext_auth: bool,
    /// Seconds to wait for the connection, the handshake and each answer.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    None,
    StartTls,
    Implicit,
}

/// What a run did.
#[derive(Debug, Default)]
struct Summary {
    fetched: usize,
    skipped: usize,
    deleted: usize,
}

/// The password in `path`: its first line, without the line ending. A
/// file (mode 0600, say) keeps the password out of the process list and
/// the shell history, where `--password` would show it.
fn read_password_file(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading --password-file {}: {e}", path.display()))?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(format!("--password-file {} is empty", path.display()));
    }
    Ok(line.to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = Args::parse();
    if let Some(file) = &args.password_file {
        match read_password_file(file) {
            Ok(password) => args.password = Some(password),
            Err(e) => {
                eprintln!("pop3_fetch: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let security = match (args.starttls, args.tls) {
        (true, _) => Security::StartTls,
        (_, true) => Security::Implicit,
        _ => Security::None,
    };
    if security == Security::None && !args.allow_cleartext_auth {
        eprintln!(
            "pop3_fetch: refusing to send the password without TLS: add --starttls or --tls \
             (or --allow-cleartext-auth if anyone on the path may read it)"
        );
        return ExitCode::from(2);
    }
    if args.ca.is_some() && security == Security::None {
        eprintln!("pop3_fetch: --ca needs --starttls or --tls");
        return ExitCode::from(2);
    }
    match run(&args, security).await {
        Ok(summary) => {
            println!(
                "fetched {}, skipped {}, deleted {}",
                summary.fetched, summary.skipped, summary.deleted
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pop3_fetch: {e}");
            ExitCode::FAILURE
        }
    }
}

type Conn = Connection<Client, TcpStream>;

/// `host:port` or `[v6]:port`.
fn split_host_port(server: &str) -> Result<(String, u16), String> {
    let bad = || format!("--server {server:?} is not HOST:PORT");
    let (host, port) = server.rsplit_once(':').ok_or_else(bad)?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let port: u16 = port.parse().map_err(|_| bad())?;
    if host.is_empty() || port == 0 {
        return Err(bad());
    }
    Ok((host.to_owned(), port))
}

async fn run(args: &Args, security: Security) -> Result<Summary, String> {
    let (host, port) = split_host_port(&args.server)?;
    let timeout = Duration::from_secs(args.timeout.max(1));
    let maildir = LocalMaildir::open(&args.out)
        .map_err(|e| format!("cannot use {} as a Maildir: {e}", args.out.display()))?;
    let state_key = format!("{}@{}", args.user, args.server);
    let mut state = UidState::load(&args.out, &state_key)
        .map_err(|e| format!("reading the state file in {}: {e}", args.out.display()))?;

    let tls = match security {
        Security::None => None,
        _ => Some(
            match &args.ca {
                Some(ca) => ClientTls::with_ca_pem_file(ca, &host),
                None => ClientTls::webpki_roots(&host),
            }
            .map_err(|e| format!("TLS setup: {e}"))?,
        ),
    };
    let mut config = ClientConfig::new();
    config.allow_plaintext_auth = args.allow_cleartext_auth;
    config.implicit_tls = security == Security::Implicit;
    let tcp = connect_tcp((host.as_str(), port), timeout)
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", args.server))?;
    let connection_config = ConnectionConfig::default()
        .with_idle_timeout(Some(timeout))
        .with_handshake_timeout(timeout);
    let mut conn: Conn = match (security, tls) {
        (Security::Implicit, Some(tls)) => {
            let (stream, info) = tls
                .connect(tcp, timeout)
                .await
                .map_err(|e| format!("TLS with {}: {e}", args.server))?;
            // The client gets the channel-binding data for SCRAM-*-PLUS.
            let client = Client::with_tls(config, info.clone());
            Connection::from_stream(client, MaybeTlsStream::from(stream)).with_tls_info(info)
        }
        (Security::StartTls, Some(tls)) => {
            Connection::new(Client::new(config), tcp).with_start_tls(StartTls::Client(tls))
        }
        _ => Connection::new(Client::new(config), tcp),
    }
    .with_config(connection_config);

    let mut fetch = Fetch {
        args,
        security,
        maildir,
        state: &mut state,
        listing: Vec::new(),
        sizes: Vec::new(),
        queue: Vec::new(),
        current: None,
        to_delete: Vec::new(),
        summary: Summary::default(),
        progress: None,
        marked: 0,
        quit_done: false,
    };
    let result = fetch.drive(&mut conn).await;
    if let Some(bar) = fetch.progress.take() {
        bar.finish_and_clear();
    }
    let _ = conn.close().await;
    result.map(|()| fetch.summary)
}

/// One fetch session.
struct Fetch<'a> {
    args: &'a Args,
    security: Security,
    maildir: LocalMaildir,
    state: &'a mut UidState,
    /// UIDL answer: message number and unique-id.
    listing: Vec<(MsgNum, String)>,
    /// LIST answer: message number and size.
    sizes: Vec<(MsgNum, u64)>,
    /// Messages still to fetch, in reverse order (popped from the end).
    queue: Vec<(MsgNum, String)>,
    /// The message being received.
    current: Option<(MsgNum, String, store::Incoming)>,
    /// Messages to DELE: stored now or by an earlier run.
    to_delete: Vec<MsgNum>,
    summary: Summary,
    progress: Option<indicatif::ProgressBar>,
    /// DELE answered `+OK`.
    marked: usize,
    quit_done: bool,
}

impl Fetch<'_> {
    async fn drive(&mut self, conn: &mut Conn) -> Result<(), String> {
        loop {
            let event = match conn.next_event().await {
                Ok(Some(event)) => event,
                Ok(None) if self.quit_done => return Ok(()),
                Ok(None) => {
                    return Err(format!(
                        "{} closed the connection ({:?})",
                        self.args.server,
                        conn.end_reason()
                    ));
                }
                Err(e) => return Err(format!("{}: {e}", self.args.server)),
            };
            self.on_event(conn, event)?;
        }
    }

    fn on_event(&mut self, conn: &mut Conn, event: ClientEvent) -> Result<(), String> {
        let server = &self.args.server;
        let client = conn.machine_mut();
        match event {
            ClientEvent::Greeting { .. } | ClientEvent::StartTls => {}
            ClientEvent::Capabilities(caps) => {
                if !client.is_tls() && self.security == Security::StartTls {
                    if !caps.contains(&Capability::Stls) {
                        return Err(format!("{server} does not offer STLS"));
                    }
                    client.stls().map_err(|e| format!("STLS: {e}"))?;
                } else if !client.is_logged_in() {
                    client
                        .login(
                            &self.args.user,
                            self.args.password.as_deref().unwrap_or_default(),
                        )
                        .map_err(|e| format!("cannot log in: {e}"))?;
                }
            }
            ClientEvent::LoginFailed(response) => {
                return Err(format!(
                    "login to {server} failed: {}",
                    response.text.as_str()
                ));
            }
            ClientEvent::LoggedIn => {
                client.list(None).map_err(|e| e.to_string())?;
                client.uidl(None).map_err(|e| e.to_string())?;
            }
            ClientEvent::List(listing) => self.sizes.push((listing.msg, listing.size)),
            ClientEvent::Uidl(listing) => {
                self.listing
                    .push((listing.msg, listing.uid.as_str().to_owned()));
            }
            ClientEvent::ListEnd => {}
            ClientEvent::UidlEnd => {
                let mut queue = Vec::new();
                let mut total = 0u64;
                for (msg, uid) in std::mem::take(&mut self.listing) {
                    if self.state.contains(&uid) {
                        self.summary.skipped += 1;
                        if self.args.delete {
                            self.to_delete.push(msg);
                        }
                    } else {
                        total += self
                            .sizes
                            .iter()
                            .find(|(m, _)| *m == msg)
                            .map_or(0, |(_, s)| *s);
                        queue.push((msg, uid));
                    }
                }
                if std::io::stdout().is_terminal() && !queue.is_empty() {
                    let bar = indicatif::ProgressBar::new(total);
                    if let Ok(style) = indicatif::ProgressStyle::with_template(
                        "{bar:40} {bytes}/{total_bytes} {msg}",
                    ) {
                        bar.set_style(style);
                    }
                    self.progress = Some(bar);
                }
                queue.reverse();
                self.queue = queue;
                self.next(conn)?;
            }
            ClientEvent::RetrStart { msg, .. } => {
                let Some(uid) = self.queue_pop_matching(msg) else {
                    return Err(format!("{server} sent message {msg} unasked"));
                };
                let incoming = self
                    .maildir
                    .begin()
                    .map_err(|e| format!("writing into {}: {e}", self.args.out.display()))?;
                self.current = Some((msg, uid, incoming));
            }
            ClientEvent::RetrChunk(chunk) => {
                let Some((_, _, incoming)) = self.current.as_mut() else {
                    return Err(format!("{server} sent message data unasked"));
                };
                incoming
                    .write(&chunk)
                    .map_err(|e| format!("writing into {}: {e}", self.args.out.display()))?;
                if let Some(bar) = &self.progress {
                    bar.inc(chunk.len() as u64);
                }
            }
            ClientEvent::RetrEnd => {
                let Some((msg, uid, incoming)) = self.current.take() else {
                    return Err(format!("{server} ended a message never started"));
                };
                let out = self.args.out.display();
                incoming
                    .commit()
                    .map_err(|e| format!("storing message {msg} in {out}: {e}"))?;
                self.state
                    .record(&uid)
                    .map_err(|e| format!("updating the state file in {out}: {e}"))?;
                self.summary.fetched += 1;
                if self.args.delete {
                    self.to_delete.push(msg);
                }
                self.next(conn)?;
            }
            ClientEvent::Done {
                command: "DELE", ..
            } => self.marked += 1,
            ClientEvent::Done {
                command: "QUIT", ..
            } => {
                // RFC 1939 §6: the deletions happened in UPDATE.
                self.summary.deleted = self.marked;
                self.quit_done = true;
            }
            ClientEvent::Done { .. } => {}
            ClientEvent::Failed { command, response } => {
                return Err(format!(
                    "{server} refused {command}: {}",
                    response.text.as_str()
                ));
            }
            _ => {}
        }
        Ok(())
    }

    /// The queued message whose RETR is answered.
    fn queue_pop_matching(&mut self, msg: MsgNum) -> Option<String> {
        match self.queue.last() {
            Some((m, _)) if *m == msg => self.queue.pop().map(|(_, uid)| uid),
            _ => None,
        }
    }

    /// Asks for the next message, or deletes and quits when all are in.
    fn next(&mut self, conn: &mut Conn) -> Result<(), String> {
        let client = conn.machine_mut();
        if let Some((msg, _)) = self.queue.last() {
            return client.retr(*msg).map_err(|e| e.to_string());
        }
        let mut seen = HashSet::new();
        for msg in std::mem::take(&mut self.to_delete) {
            if seen.insert(msg) {
                client.dele(msg).map_err(|e| e.to_string())?;
            }
        }
        client.quit().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Result<Args, clap::Error> {
        let mut argv = vec!["pop3_fetch", "--server", "127.0.0.1:2110", "--user", "u"];
        argv.extend_from_slice(&["--out", "/tmp/x", "--tls"]);
        argv.extend_from_slice(extra);
        Args::try_parse_from(argv)
    }

    #[test]
    fn a_password_is_required_once() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["--password", "p", "--password-file", "f"]).is_err());
        assert_eq!(
            parse(&["--password", "p"]).unwrap().password.as_deref(),
            Some("p")
        );
        assert!(parse(&["--password-file", "f"]).is_ok());
    }

    #[test]
    fn password_file_first_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret word\nignored\n").unwrap();
        assert_eq!(read_password_file(&file).unwrap(), "s3cret word");
        std::fs::write(&file, "").unwrap();
        assert!(read_password_file(&file).is_err());
        assert!(read_password_file(&dir.path().join("missing")).is_err());
    }
}
