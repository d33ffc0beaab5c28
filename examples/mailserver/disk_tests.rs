//! File work off the async threads, end to end over loopback: large
//! messages go in by SMTP and come back by POP3 byte for byte, the size
//! limit still holds, and a slow disk delays only the session waiting for
//! it, even on a single-threaded runtime.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use mailwire_tokio::{CancellationToken, ClientTls, ServeConfig, ServerTls, serve};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::disk::Disk;
use crate::users::Users;
use crate::{Ctx, pop3, smtp};

const T: Duration = Duration::from_secs(10);

struct Env {
    dir: tempfile::TempDir,
    ctx: Arc<Ctx>,
    tls: ServerTls,
    shutdown: CancellationToken,
}

impl Drop for Env {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn env(max_message_size: usize, disk: Disk) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let (tls, _) = crate::tls::load(dir.path(), "localhost", None, None).unwrap();
    let users = Users::new(&[("demo".into(), "demo".into())]).unwrap();
    let mut ctx = Ctx::new(
        "localhost".into(),
        dir.path().to_owned(),
        Arc::new(users),
        max_message_size,
    );
    ctx.disk = disk;
    Env {
        dir,
        ctx: Arc::new(ctx),
        tls,
        shutdown: CancellationToken::new(),
    }
}

impl Env {
    async fn start_smtp(&self) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = ServeConfig::default().with_start_tls(self.tls.clone());
        let (ctx, handle) = (self.ctx.clone(), smtp::handler(smtp::Mode::Mx));
        tokio::spawn(serve(listener, config, self.shutdown.clone(), move |i| {
            handle(i, ctx.clone())
        }));
        addr
    }

    async fn start_pop3s(&self) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = ServeConfig::default().with_implicit_tls(self.tls.clone());
        let (ctx, handle) = (self.ctx.clone(), pop3::handler(true));
        tokio::spawn(serve(listener, config, self.shutdown.clone(), move |i| {
            handle(i, ctx.clone())
        }));
        addr
    }

    fn client_tls(&self) -> ClientTls {
        ClientTls::with_ca_pem_file(self.dir.path().join("tls/cert.pem"), "localhost").unwrap()
    }

    fn tmp_files(&self) -> usize {
        std::fs::read_dir(self.dir.path().join("demo/Maildir/tmp"))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

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

    async fn reply(&mut self) -> String {
        loop {
            let line = self.line().await;
            if line.as_bytes().get(3) != Some(&b'-') {
                return line;
            }
        }
    }

    async fn write(&mut self, data: &[u8]) {
        self.io.get_mut().write_all(data).await.unwrap();
    }

    async fn cmd(&mut self, line: &str) -> String {
        self.write(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// A dot-terminated POP3 body, un-stuffed.
    async fn body(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let mut line = Vec::new();
            tokio::time::timeout(T, self.io.read_until(b'\n', &mut line))
                .await
                .expect("read timed out")
                .unwrap();
            assert!(line.ends_with(b"\r\n"), "connection closed mid-body");
            if line == b".\r\n" {
                return out;
            }
            let line = line.strip_prefix(b".").unwrap_or(&line);
            out.extend_from_slice(line);
        }
    }
}

/// A message of about `size` bytes with CRLF lines, some dot-led.
fn big_message(size: usize) -> Vec<u8> {
    let mut msg = format!("Subject: about {size} bytes\r\n\r\n").into_bytes();
    let mut i = 0u64;
    while msg.len() < size {
        let line = if i % 7 == 0 {
            format!(".dot-led line {i} {}\r\n", "x".repeat((i % 90) as usize))
        } else {
            format!("line {i} {}\r\n", "y".repeat((i * 13 % 200) as usize))
        };
        msg.extend_from_slice(line.as_bytes());
        i += 1;
    }
    msg
}

fn dot_stuff(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + msg.len() / 50);
    let mut at_line_start = true;
    for &b in msg {
        if at_line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        at_line_start = b == b'\n';
    }
    out
}

async fn send(addr: SocketAddr, msg: &[u8]) -> String {
    let mut c = Client::new(TcpStream::connect(addr).await.unwrap());
    assert!(c.line().await.starts_with("220 "));
    assert!(c.cmd("EHLO client.example").await.starts_with("250 "));
    assert!(c.cmd("MAIL FROM:<a@example.org>").await.starts_with("250"));
    assert!(c.cmd("RCPT TO:<demo@localhost>").await.starts_with("250"));
    assert!(c.cmd("DATA").await.starts_with("354"));
    // In uneven pieces, so that batches and chunks do not line up.
    for piece in dot_stuff(msg).chunks(7919) {
        c.write(piece).await;
    }
    c.cmd(".").await
}

async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(60), f)
        .await
        .expect("test timed out")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_messages_go_in_and_come_back_exactly() {
    within(async {
        let env = env(4 * 1024 * 1024, Disk::new(4));
        let smtp = env.start_smtp().await;
        let pop3s = env.start_pop3s().await;
        let sizes = [3 * 1024 * 1024, smtp::BATCH - 1, smtp::BATCH + 1, 10];
        let messages: Vec<Vec<u8>> = sizes.iter().map(|&n| big_message(n)).collect();
        for msg in &messages {
            assert!(send(smtp, msg).await.starts_with("250 "));
        }
        assert_eq!(env.tmp_files(), 0);

        let tcp = TcpStream::connect(pop3s).await.unwrap();
        let (tls, _) = env.client_tls().connect(tcp, T).await.unwrap();
        let mut c = Client::new(tls);
        assert!(c.line().await.starts_with("+OK"));
        assert!(c.cmd("USER demo").await.starts_with("+OK"));
        assert!(c.cmd("PASS demo").await.starts_with("+OK"));
        let stat = c.cmd("STAT").await;
        assert!(stat.starts_with("+OK 4 "), "{stat}");
        let mut got = Vec::new();
        for n in 1..=4 {
            assert!(c.cmd(&format!("RETR {n}")).await.starts_with("+OK"));
            got.push(c.body().await);
        }
        for msg in &messages {
            let found = got.iter().filter(|stored| stored.ends_with(msg)).count();
            assert_eq!(found, 1, "a message of {} bytes came back", msg.len());
        }
        // TOP reads only the start of the big file.
        let big = got.iter().position(|m| m.len() > 1024 * 1024).unwrap() + 1;
        assert!(c.cmd(&format!("TOP {big} 2")).await.starts_with("+OK"));
        let top = c.body().await;
        let head = format!(
            "Subject: about {} bytes\r\n\r\n.dot-led line 0 \r\nline 1 yyyyyyyyyyyyy\r\n",
            sizes[0]
        );
        assert!(
            top.ends_with(head.as_bytes()),
            "{:?}",
            String::from_utf8_lossy(&top)
        );
        assert!(c.cmd("QUIT").await.starts_with("+OK"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_size_limit_still_holds_and_leaves_nothing_behind() {
    within(async {
        let env = env(256 * 1024, Disk::new(4));
        let smtp = env.start_smtp().await;
        let reply = send(smtp, &big_message(600 * 1024)).await;
        assert!(reply.starts_with("552 "), "{reply}");
        assert_eq!(env.tmp_files(), 0);
        assert!(
            send(smtp, &big_message(200 * 1024))
                .await
                .starts_with("250 ")
        );
        assert_eq!(env.ctx.maildir("demo").unwrap().list().unwrap().len(), 1);
    })
    .await;
}

/// One async thread only: if a disk job ran on it, the second client
/// would wait for the first one's slow delivery.
#[tokio::test(flavor = "current_thread")]
async fn a_slow_disk_delays_only_the_session_that_waits_for_it() {
    within(async {
        let slow = Duration::from_millis(1500);
        let env = env(64 * 1024, Disk::new(4).with_delay(slow));
        let smtp = env.start_smtp().await;
        let started = Instant::now();
        let delivery = tokio::spawn(async move { send(smtp, b"Subject: s\r\n\r\nslow\r\n").await });
        // The delivery is now in its slow DATA start or commit.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let other = Instant::now();
        let mut c = Client::new(TcpStream::connect(smtp).await.unwrap());
        assert!(c.line().await.starts_with("220 "));
        assert!(c.cmd("EHLO other.example").await.starts_with("250 "));
        assert!(c.cmd("NOOP").await.starts_with("250"));
        assert!(
            other.elapsed() < Duration::from_millis(500),
            "another session waited {:?} for the slow disk",
            other.elapsed()
        );
        assert!(delivery.await.unwrap().starts_with("250 "));
        // Start, commit: at least two slow jobs.
        assert!(started.elapsed() >= slow * 2);
    })
    .await;
}
