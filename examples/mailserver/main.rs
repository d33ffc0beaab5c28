//! A working mail server on Maildir: SMTP (port 25 style, submission with
//! STARTTLS, and implicit-TLS submission), with POP3 and IMAP to come, all
//! driven by the sans-IO machines through `mailwire-tokio`.
//!
//! ```text
//! cargo run --release --example mailserver
//! cargo run --release --example mailserver -- --user alice:secret --domain example.test \
//!     --smtp-port 0 --tls-cert cert.pem --tls-key key.pem
//! ```
//!
//! At start it prints one line per listener, `listening <name> <ip>:<port>`
//! (with the real port when 0 was asked for), then serves until SIGINT or
//! SIGTERM and shuts down gracefully. Logs go to stderr (`RUST_LOG`).

mod disk;
mod limit;
mod lock;
// The store serves SMTP delivery now and POP3/IMAP as their handlers land.
#[allow(dead_code)]
mod maildir;
mod pop3;
mod smtp;
mod tls;
mod users;

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use mailwire_tokio::{
    CancellationToken, ConnectionConfig, Incoming, ServeConfig, ServerTls, serve,
};
use tokio::net::TcpListener;

use crate::limit::Handlers;
use crate::maildir::Maildir;
use crate::users::{DEMO_USER, Users, parse_user_arg};

/// A mail server on Maildir, built on the mailwire machines.
#[derive(Debug, Parser)]
#[command(name = "mailserver", version)]
struct Args {
    /// Where mailboxes (DIR/<user>/Maildir) and the self-signed certificate live.
    #[arg(long, value_name = "DIR", default_value = "./mail-data")]
    data: PathBuf,
    /// A user, NAME:PASSWORD (repeatable). Without any, user demo/demo exists.
    #[arg(long = "user", value_name = "NAME:PASSWORD", value_parser = parse_user_arg)]
    users: Vec<(String, String)>,
    /// The mail domain: mail to <user>@<domain> is delivered locally.
    #[arg(long, default_value = "localhost", value_parser = parse_domain)]
    domain: String,
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// SMTP for incoming mail (STARTTLS offered; AUTH only under TLS). 0 = any free port.
    #[arg(long, default_value_t = 2525)]
    smtp_port: u16,
    /// Submission (RFC 6409): STARTTLS, then AUTH, required.
    #[arg(long, default_value_t = 2587)]
    submission_port: u16,
    /// Submission over implicit TLS (RFC 8314): AUTH required.
    #[arg(long, default_value_t = 2465)]
    smtps_port: u16,
    /// POP3 (STLS offered).
    #[arg(long, default_value_t = 2110)]
    pop3_port: u16,
    /// POP3 over implicit TLS.
    #[arg(long, default_value_t = 2995)]
    pop3s_port: u16,
    /// IMAP (STARTTLS offered).
    #[arg(long, default_value_t = 2143)]
    imap_port: u16,
    /// IMAP over implicit TLS.
    #[arg(long, default_value_t = 2993)]
    imaps_port: u16,
    /// PEM certificate chain (with --tls-key). Default: a self-signed one in DIR/tls/.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key (with --tls-cert).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The largest message accepted, in bytes.
    #[arg(long, default_value_t = 25 * 1024 * 1024)]
    max_message_size: usize,
    /// The most sessions served at once, per listener; clients beyond get
    /// a "too many connections" answer (SMTP 421, POP3 -ERR [SYS/TEMP]).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// The most over-limit clients being answered at once, per listener;
    /// beyond that they wait in the listen backlog.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    max_refusals: u32,
}

impl Args {
    fn limits(&self) -> limit::Limits {
        limit::Limits {
            sessions: self.max_connections as usize,
            refusals: self.max_refusals as usize,
        }
    }
}

fn parse_domain(s: &str) -> Result<String, String> {
    let d = s.trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    if d.is_empty() || d.len() > 253 || !d.split('.').all(label_ok) {
        return Err(format!("{s:?} is not a domain name"));
    }
    Ok(d)
}

/// What every protocol handler shares.
#[derive(Debug)]
pub struct Ctx {
    /// The mail domain.
    pub domain: String,
    /// The data directory.
    pub data: PathBuf,
    /// Users and credentials.
    pub users: Arc<Users>,
    /// The largest message accepted.
    pub max_message_size: usize,
    /// Where blocking file work runs.
    pub disk: disk::Disk,
}

impl Ctx {
    /// The shared state of the handlers.
    pub fn new(domain: String, data: PathBuf, users: Arc<Users>, max_message_size: usize) -> Self {
        Ctx {
            domain,
            data,
            users,
            max_message_size,
            disk: disk::Disk::new(disk::DEFAULT_JOBS),
        }
    }

    /// The maildir of a known user (created on first use). Blocking: call
    /// it inside a [`disk::Disk::run`] job.
    pub fn maildir(&self, user: &str) -> io::Result<Maildir> {
        if !users::valid_user_name(user) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid user name",
            ));
        }
        Maildir::open(self.data.join(user).join("Maildir"))
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A protocol handler: runs one accepted connection.
type Handler = Arc<dyn Fn(Incoming, Arc<Ctx>) -> BoxFuture + Send + Sync>;

/// One listener.
struct Service {
    name: &'static str,
    port: u16,
    /// TLS from the first byte (RFC 8314).
    implicit_tls: bool,
    /// A STARTTLS/STLS switch is possible.
    start_tls: bool,
    /// Ends connections with nothing read or written for this long; the
    /// machines' own timers are usually shorter.
    idle_timeout: Duration,
    /// `None` until the protocol's handler exists: such listeners are not
    /// opened.
    handler: Option<Handlers>,
}

/// The listeners. The POP3 and IMAP handlers plug in here
/// (`handler: Some(...)`, in their own modules), like SMTP's.
fn services(args: &Args) -> Vec<Service> {
    let service = |name, port, implicit_tls, idle_secs, handler| Service {
        name,
        port,
        implicit_tls,
        start_tls: !implicit_tls,
        idle_timeout: Duration::from_secs(idle_secs),
        handler,
    };
    vec![
        // RFC 5321 §4.5.3.2.7: a server waits at least 5 minutes for a command.
        service(
            "smtp",
            args.smtp_port,
            false,
            600,
            Some(smtp_handlers(smtp::Mode::Mx)),
        ),
        service(
            "submission",
            args.submission_port,
            false,
            600,
            Some(smtp_handlers(smtp::Mode::Submission)),
        ),
        service(
            "smtps",
            args.smtps_port,
            true,
            600,
            Some(smtp_handlers(smtp::Mode::Smtps)),
        ),
        // RFC 1939 §3: the autologout timer is at least 10 minutes.
        service(
            "pop3",
            args.pop3_port,
            false,
            900,
            Some(pop3_handlers(false)),
        ),
        service(
            "pop3s",
            args.pop3s_port,
            true,
            900,
            Some(pop3_handlers(true)),
        ),
        // RFC 9051 §5.4: the autologout timer is at least 30 minutes.
        service("imap", args.imap_port, false, 31 * 60, None),
        service("imaps", args.imaps_port, true, 31 * 60, None),
    ]
}

fn smtp_handlers(mode: smtp::Mode) -> Handlers {
    Handlers {
        session: smtp::handler(mode),
        refuse: smtp::refuse_handler(),
    }
}

fn pop3_handlers(implicit_tls: bool) -> Handlers {
    Handlers {
        session: pop3::handler(implicit_tls),
        refuse: pop3::refuse_handler(),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mailserver: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), String> {
    let mut signals = Signals::install()?;
    std::fs::create_dir_all(&args.data)
        .map_err(|e| format!("creating {}: {e}", args.data.display()))?;
    let user_list = if args.users.is_empty() {
        println!("demo user {} password {}", DEMO_USER.0, DEMO_USER.1);
        vec![(DEMO_USER.0.to_owned(), DEMO_USER.1.to_owned())]
    } else {
        args.users.clone()
    };
    let users = Users::new(&user_list)?;
    let (server_tls, source) = tls::load(
        &args.data,
        &args.domain,
        args.tls_cert.as_deref(),
        args.tls_key.as_deref(),
    )?;
    match &source {
        tls::Source::Files => tracing::info!("TLS certificate from --tls-cert"),
        tls::Source::Reused(path) => {
            tracing::info!(path = %path.display(), "self-signed TLS certificate reused")
        }
        tls::Source::Created(path) => {
            tracing::info!(path = %path.display(), "self-signed TLS certificate created")
        }
    }
    let ctx = Arc::new(Ctx::new(
        args.domain.clone(),
        args.data.clone(),
        Arc::new(users),
        args.max_message_size,
    ));

    // Bind everything before serving anything, so that a port in use fails
    // the start instead of leaving a half-started server.
    let mut bound = Vec::new();
    for service in services(&args) {
        let Some(handler) = service.handler.clone() else {
            tracing::debug!(name = service.name, "no handler yet, not listening");
            continue;
        };
        let addr = SocketAddr::new(args.bind, service.port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("{} on {addr}: {e}", service.name))?;
        let local = listener
            .local_addr()
            .map_err(|e| format!("{}: {e}", service.name))?;
        bound.push((service, handler, listener, local));
    }

    let shutdown = CancellationToken::new();
    let mut tasks = tokio::task::JoinSet::new();
    for (service, handlers, listener, local) in bound {
        println!("listening {} {}", service.name, local);
        tasks.spawn(serve_listener(
            &service,
            handlers,
            listener,
            ctx.clone(),
            &server_tls,
            args.limits(),
            shutdown.clone(),
        ));
    }

    signals.wait().await;
    tracing::info!("shutting down");
    shutdown.cancel();
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "listener failed"),
            Err(e) => tracing::warn!(error = %e, "listener task failed"),
        }
    }
    Ok(())
}

/// Serves one bound listener until `shutdown`: at most `limits.sessions`
/// sessions at once, clients beyond that refused by the protocol
/// (see [`limit`]).
fn serve_listener(
    service: &Service,
    handlers: Handlers,
    listener: TcpListener,
    ctx: Arc<Ctx>,
    tls: &ServerTls,
    limits: limit::Limits,
    shutdown: CancellationToken,
) -> impl Future<Output = io::Result<()>> + Send + 'static {
    let config = serve_config(service, tls, limits.accepted());
    let handler = limit::gate(handlers, limits.sessions);
    serve(listener, config, shutdown, move |incoming: Incoming| {
        handler(incoming, ctx.clone())
    })
}

fn serve_config(service: &Service, tls: &ServerTls, max_connections: usize) -> ServeConfig {
    let mut config = ServeConfig::default()
        .with_max_connections(max_connections)
        .with_grace_period(Duration::from_secs(10))
        .with_connection(ConnectionConfig::default().with_idle_timeout(Some(service.idle_timeout)));
    if service.implicit_tls {
        config = config.with_implicit_tls(tls.clone());
    }
    if service.start_tls {
        config = config.with_start_tls(tls.clone());
    }
    config
}

/// SIGINT and SIGTERM, watched from the start so that a signal during a
/// slow start still ends the server gracefully.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn install() -> Result<Signals, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let watch = |kind| signal(kind).map_err(|e| format!("watching signals: {e}"));
            Ok(Signals {
                interrupt: watch(SignalKind::interrupt())?,
                terminate: watch(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
#[path = "disk_tests.rs"]
mod disk_tests;

#[cfg(test)]
#[path = "limit_tests.rs"]
mod limit_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_flags() {
        let args = Args::try_parse_from(["mailserver"]).unwrap();
        assert_eq!(args.data, PathBuf::from("./mail-data"));
        assert_eq!(args.domain, "localhost");
        assert_eq!(args.smtp_port, 2525);
        assert_eq!(args.submission_port, 2587);
        assert_eq!(args.smtps_port, 2465);
        assert_eq!(args.max_message_size, 25 * 1024 * 1024);
        assert!(args.users.is_empty());
        let names: Vec<_> = services(&args).iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "smtp",
                "submission",
                "smtps",
                "pop3",
                "pop3s",
                "imap",
                "imaps"
            ]
        );
    }

    #[test]
    fn flags_parse() {
        let args = Args::try_parse_from([
            "mailserver",
            "--user",
            "alice:pw",
            "--user",
            "bob:x:y",
            "--domain",
            "Example.TEST.",
            "--smtp-port",
            "0",
            "--bind",
            "::1",
        ])
        .unwrap();
        assert_eq!(args.users.len(), 2);
        assert_eq!(args.domain, "example.test");
        assert_eq!(args.smtp_port, 0);
        assert!(Args::try_parse_from(["mailserver", "--tls-cert", "c.pem"]).is_err());
        assert!(Args::try_parse_from(["mailserver", "--domain", "bad domain"]).is_err());
        assert!(Args::try_parse_from(["mailserver", "--user", "../x:pw"]).is_err());
    }
}
