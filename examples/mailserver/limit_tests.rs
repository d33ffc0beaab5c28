//! The connection limit, in process over loopback, with the listeners
//! wired as `main` wires them: clients over the limit are answered at once
//! (SMTP 421, POP3 -ERR [SYS/TEMP]) and closed, the sessions within the
//! limit keep working, and a freed slot serves the next client.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use mailwire_tokio::{CancellationToken, ClientTls, ServerTls};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::users::Users;
use crate::{Args, Ctx, serve_listener, services};

/// Any single read.
const T: Duration = Duration::from_secs(5);
/// How fast an over-limit client must get its answer.
const PROMPT: Duration = Duration::from_secs(2);

const SMTP_REFUSAL: &str = "421 localhost Service not available, too many connections\r\n";
const POP3_REFUSAL: &str = "-ERR [SYS/TEMP] too many connections\r\n";

struct Env {
    dir: tempfile::TempDir,
    ctx: Arc<Ctx>,
    tls: ServerTls,
    args: Args,
    shutdown: CancellationToken,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn env(max_connections: u32, max_refusals: u32) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let (tls, _) = crate::tls::load(dir.path(), "localhost", None, None).unwrap();
    let users = Users::new(&[("demo".into(), "demo".into())]).unwrap();
    let ctx = Arc::new(Ctx::new(
        "localhost".into(),
        dir.path().to_owned(),
        Arc::new(users),
        64 * 1024,
    ));
    let args = Args::try_parse_from([
        "mailserver".to_owned(),
        "--max-connections".to_owned(),
        max_connections.to_string(),
        "--max-refusals".to_owned(),
        max_refusals.to_string(),
    ])
    .unwrap();
    Env {
        dir,
        ctx,
        tls,
        args,
        shutdown: CancellationToken::new(),
    }
}

impl Env {
    /// Starts the listener `name` of `main`'s list on an ephemeral port.
    async fn start(&self, name: &str) -> SocketAddr {
        let service = services(&self.args)
            .into_iter()
            .find(|s| s.name == name)
            .unwrap();
        let handlers = service.handler.clone().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve_listener(
            &service,
            handlers,
            listener,
            self.ctx.clone(),
            &self.tls,
            self.args.limits(),
            self.shutdown.clone(),
        ));
        addr
    }

    fn client_tls(&self) -> ClientTls {
        ClientTls::with_ca_pem_file(self.dir.path().join("tls/cert.pem"), "localhost").unwrap()
    }
}

/// A line-based client.
struct Client<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    fn new(io: S) -> Self {
        Client {
            io: BufReader::new(io),
        }
    }

    async fn line(&mut self) -> String {
        let mut line = String::new();
        let n = tokio::time::timeout(T, self.io.read_line(&mut line))
            .await
            .expect("read timed out")
            .unwrap();
        assert!(n > 0, "connection closed");
        line
    }

    /// One SMTP reply, all its lines.
    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let line = self.line().await;
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    /// A POP3 multi-line response up to its `.` line.
    async fn multiline(&mut self) -> String {
        let mut all = String::new();
        loop {
            let line = self.line().await;
            all.push_str(&line);
            if line == ".\r\n" {
                return all;
            }
        }
    }

    async fn send(&mut self, line: &str) {
        let io = self.io.get_mut();
        io.write_all(format!("{line}\r\n").as_bytes())
            .await
            .unwrap();
    }

    /// Everything up to the server's close, which must come promptly.
    async fn rest(&mut self) -> String {
        let mut all = Vec::new();
        tokio::time::timeout(PROMPT, self.io.read_to_end(&mut all))
            .await
            .expect("the server did not close promptly")
            .unwrap();
        String::from_utf8(all).unwrap()
    }
}

async fn connect(addr: SocketAddr) -> Client<TcpStream> {
    Client::new(TcpStream::connect(addr).await.unwrap())
}

/// Connects until the greeting is not a refusal (the slot of a session
/// that just ended is freed when its task has finished).
async fn connect_served(addr: SocketAddr, refusal: &str) -> (Client<TcpStream>, String) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut client = connect(addr).await;
        let greeting = client.line().await;
        if greeting != refusal {
            return (client, greeting);
        }
        assert!(
            Instant::now() < deadline,
            "still refused after a session ended"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test timed out")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_over_the_limit_gets_421_and_the_sessions_keep_working() {
    within(async {
        let env = env(2, 4);
        let addr = env.start("smtp").await;
        let mut sessions = Vec::new();
        for _ in 0..2 {
            let mut c = connect(addr).await;
            assert!(c.line().await.starts_with("220 localhost "));
            c.send("EHLO client.example").await;
            assert!(c.reply().await.starts_with("250-localhost"));
            sessions.push(c);
        }
        // N+1 .. N+3: answered at once and closed.
        for _ in 0..3 {
            let started = Instant::now();
            let mut c = connect(addr).await;
            assert_eq!(c.rest().await, SMTP_REFUSAL);
            assert!(started.elapsed() < PROMPT);
        }
        // The two sessions still deliver.
        for (i, c) in sessions.iter_mut().enumerate() {
            c.send("MAIL FROM:<a@example.org>").await;
            assert!(c.reply().await.starts_with("250"));
            c.send("RCPT TO:<demo@localhost>").await;
            assert!(c.reply().await.starts_with("250"));
            c.send("DATA").await;
            assert!(c.reply().await.starts_with("354"));
            c.send(&format!("Subject: {i}\r\n\r\nbody {i}\r\n.")).await;
            assert!(c.reply().await.starts_with("250"));
        }
        let md = env.ctx.maildir("demo").unwrap();
        assert_eq!(md.list().unwrap().len(), 2);
        // One ends; the next client is served.
        let mut first = sessions.remove(0);
        first.send("QUIT").await;
        assert!(first.reply().await.starts_with("221"));
        drop(first);
        let (mut c, greeting) = connect_served(addr, SMTP_REFUSAL).await;
        assert!(greeting.starts_with("220 localhost "), "{greeting}");
        c.send("NOOP").await;
        assert!(c.reply().await.starts_with("250"));
        // And the limit holds again.
        assert_eq!(connect(addr).await.rest().await, SMTP_REFUSAL);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_refused_in_bounded_batches_without_hurting_sessions() {
    within(async {
        let env = env(1, 2);
        let addr = env.start("smtp").await;
        let mut session = connect(addr).await;
        assert!(session.line().await.starts_with("220 "));
        // Far more clients than sessions and refusals together: the ones
        // beyond wait briefly in the backlog, and all get the 421.
        let mut flood = tokio::task::JoinSet::new();
        for _ in 0..40 {
            flood.spawn(async move { connect(addr).await.rest().await });
        }
        while let Some(answer) = flood.join_next().await {
            assert_eq!(answer.unwrap(), SMTP_REFUSAL);
        }
        session.send("NOOP").await;
        assert!(session.reply().await.starts_with("250"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_client_that_never_reads_or_closes_is_let_go() {
    within(async {
        let env = env(1, 1);
        let addr = env.start("smtp").await;
        let mut session = connect(addr).await;
        assert!(session.line().await.starts_with("220 "));
        // Holds its socket open and sends junk without reading: the
        // refusal slot is freed after the linger anyway.
        let mut silent = TcpStream::connect(addr).await.unwrap();
        silent.write_all(b"EHLO x\r\n").await.unwrap();
        let started = Instant::now();
        let mut next = connect(addr).await;
        let answer = tokio::time::timeout(Duration::from_secs(5), next.rest())
            .await
            .unwrap();
        assert_eq!(answer, SMTP_REFUSAL);
        assert!(started.elapsed() < Duration::from_secs(5));
        drop(silent);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pop3_over_the_limit_gets_sys_temp_and_the_sessions_keep_working() {
    within(async {
        let env = env(2, 4);
        let addr = env.start("pop3").await;
        let mut sessions = Vec::new();
        for _ in 0..2 {
            let mut c = connect(addr).await;
            assert!(c.line().await.starts_with("+OK"));
            sessions.push(c);
        }
        for _ in 0..3 {
            let started = Instant::now();
            assert_eq!(connect(addr).await.rest().await, POP3_REFUSAL);
            assert!(started.elapsed() < PROMPT);
        }
        for c in &mut sessions {
            c.send("CAPA").await;
            let capa = c.multiline().await;
            assert!(capa.starts_with("+OK") && capa.contains("STLS"), "{capa}");
        }
        let mut first = sessions.remove(0);
        first.send("QUIT").await;
        assert!(first.line().await.starts_with("+OK"));
        drop(first);
        let (_c, greeting) = connect_served(addr, POP3_REFUSAL).await;
        assert!(greeting.starts_with("+OK"), "{greeting}");
        assert_eq!(connect(addr).await.rest().await, POP3_REFUSAL);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_refusals_are_sent_over_tls() {
    within(async {
        let env = env(1, 2);
        for (name, session_greeting, refusal) in [
            ("pop3s", "+OK", POP3_REFUSAL),
            ("smtps", "220 ", SMTP_REFUSAL),
        ] {
            let addr = env.start(name).await;
            let tcp = TcpStream::connect(addr).await.unwrap();
            let (tls, _) = env.client_tls().connect(tcp, T).await.unwrap();
            let mut session = Client::new(tls);
            assert!(session.line().await.starts_with(session_greeting));
            let tcp = TcpStream::connect(addr).await.unwrap();
            let (tls, _) = env.client_tls().connect(tcp, T).await.unwrap();
            assert_eq!(Client::new(tls).rest().await, refusal, "{name}");
        }
    })
    .await;
}
