//! The SMTP services over loopback, with real TLS, spoken to line by line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use mailwire_tokio::{CancellationToken, ClientTls, MaybeTlsStream, ServeConfig, ServerTls, serve};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use super::{Mode, handler, protocol_name, rfc5322_date};
use crate::Ctx;
use crate::maildir::Maildir;
use crate::users::Users;
use mailwire::smtp::server::HelloKind;

const T: Duration = Duration::from_secs(5);
const DEMO_PLAIN: &str = "AGRlbW8AZGVtbw==";
const DEMO_WRONG: &str = "AGRlbW8Abm9wZQ==";

struct Env {
    _dir: tempfile::TempDir,
    ctx: Arc<Ctx>,
    tls: ServerTls,
    cert: PathBuf,
    shutdown: CancellationToken,
}

fn env() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let (tls, _) = crate::tls::load(dir.path(), "localhost", None, None).unwrap();
    let users = Users::new(&[
        ("demo".into(), "demo".into()),
        ("alice".into(), "secret".into()),
    ])
    .unwrap();
    let ctx = Arc::new(Ctx::new(
        "localhost".into(),
        dir.path().to_owned(),
        Arc::new(users),
        64 * 1024,
    ));
    Env {
        cert: dir.path().join("tls/cert.pem"),
        _dir: dir,
        ctx,
        tls,
        shutdown: CancellationToken::new(),
    }
}

impl Env {
    async fn start(&self, mode: Mode) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = ServeConfig::default().with_grace_period(Duration::from_secs(2));
        config = if mode == Mode::Smtps {
            config.with_implicit_tls(self.tls.clone())
        } else {
            config.with_start_tls(self.tls.clone())
        };
        let ctx = self.ctx.clone();
        let handle = handler(mode);
        tokio::spawn(serve(
            listener,
            config,
            self.shutdown.clone(),
            move |incoming| handle(incoming, ctx.clone()),
        ));
        addr
    }

    fn messages(&self, user: &str) -> Vec<String> {
        let md = Maildir::open(self.ctx.data.join(user).join("Maildir")).unwrap();
        md.list()
            .unwrap()
            .iter()
            .map(|m| String::from_utf8(md.read(&m.id).unwrap()).unwrap())
            .collect()
    }

    fn client_tls(&self) -> ClientTls {
        ClientTls::with_ca_pem_file(&self.cert, "localhost").unwrap()
    }
}

/// A client that sends lines and reads SMTP replies.
struct Dialog<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Dialog<S> {
    fn new(io: S) -> Self {
        Dialog {
            io: BufReader::new(io),
        }
    }

    /// Reads one reply: its code and the text of its lines.
    async fn reply(&mut self) -> (u16, String) {
        let mut text = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(T, self.io.read_line(&mut line))
                .await
                .expect("reply timed out")
                .unwrap();
            assert!(n > 0, "connection closed; got so far: {text:?}");
            assert!(line.ends_with("\r\n"), "{line:?}");
            let code: u16 = line[..3].parse().unwrap();
            text.push_str(&line[4..]);
            if line.as_bytes()[3] == b' ' {
                return (code, text);
            }
        }
    }

    async fn send(&mut self, line: &str) -> (u16, String) {
        self.write(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    async fn write(&mut self, data: &[u8]) {
        self.io.get_mut().write_all(data).await.unwrap();
    }

    /// The stream, for a TLS handshake; nothing may be buffered.
    fn into_inner(self) -> S {
        assert!(self.io.buffer().is_empty());
        self.io.into_inner()
    }
}

async fn connect(addr: SocketAddr) -> Dialog<TcpStream> {
    let mut d = Dialog::new(TcpStream::connect(addr).await.unwrap());
    assert_eq!(d.reply().await.0, 220);
    d
}

async fn starttls(env: &Env, mut d: Dialog<TcpStream>) -> Dialog<MaybeTlsStream<TcpStream>> {
    assert_eq!(d.send("STARTTLS").await.0, 220);
    let (tls, _) = env.client_tls().connect(d.into_inner(), T).await.unwrap();
    Dialog::new(MaybeTlsStream::from(tls))
}

async fn send_message<S: AsyncRead + AsyncWrite + Unpin>(
    d: &mut Dialog<S>,
    from: &str,
    to: &[&str],
    body: &str,
) -> u16 {
    assert_eq!(d.send(&format!("MAIL FROM:<{from}>")).await.0, 250);
    for rcpt in to {
        assert_eq!(d.send(&format!("RCPT TO:<{rcpt}>")).await.0, 250);
    }
    assert_eq!(d.send("DATA").await.0, 354);
    d.write(body.as_bytes()).await;
    d.send(".").await.0
}

async fn within<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(20), f)
        .await
        .expect("test timed out")
}

#[tokio::test]
async fn mx_delivers_to_local_users_and_refuses_the_rest() {
    within(async {
        let env = env();
        let addr = env.start(Mode::Mx).await;
        let mut d = connect(addr).await;
        let (code, ehlo) = d.send("EHLO client.example").await;
        assert_eq!(code, 250);
        assert!(ehlo.contains("STARTTLS"));
        assert!(!ehlo.contains("AUTH"), "AUTH offered in cleartext: {ehlo}");

        assert_eq!(d.send("MAIL FROM:<sender@remote.example>").await.0, 250);
        let (code, text) = d.send("RCPT TO:<nobody@localhost>").await;
        assert_eq!(code, 550);
        assert!(text.starts_with("5.1.1"), "{text}");
        let (code, text) = d.send("RCPT TO:<demo@elsewhere.example>").await;
        assert_eq!(code, 550);
        assert!(text.starts_with("5.7.1"), "{text}");
        assert_eq!(d.send("RCPT TO:<Demo@LOCALHOST>").await.0, 250);
        assert_eq!(d.send("RCPT TO:<alice@localhost>").await.0, 250);
        assert_eq!(d.send("DATA").await.0, 354);
        d.write(b"Subject: hi\r\n\r\n..leading dot\r\nbye\r\n").await;
        let (code, text) = d.send(".").await;
        assert_eq!(code, 250, "{text}");

        for user in ["demo", "alice"] {
            let messages = env.messages(user);
            assert_eq!(messages.len(), 1, "{user}");
            let m = &messages[0];
            assert!(m.starts_with("Return-Path: <sender@remote.example>\r\nReceived: from client.example ([127.0.0.1])\r\n\tby localhost with ESMTP id "), "{m}");
            assert!(m.ends_with("\r\nSubject: hi\r\n\r\n.leading dot\r\nbye\r\n"), "{m}");
        }
        // Postmaster always works (RFC 5321 §4.5.1).
        assert_eq!(
            send_message(&mut d, "", &["Postmaster"], "Subject: pm\r\n\r\nx\r\n").await,
            250
        );
        assert_eq!(env.messages("demo").len(), 2);
        assert_eq!(d.send("QUIT").await.0, 221);
    })
    .await;
}

#[tokio::test]
async fn mx_offers_auth_only_under_tls() {
    within(async {
        let env = env();
        let addr = env.start(Mode::Mx).await;
        let mut d = connect(addr).await;
        assert_eq!(d.send("EHLO c").await.0, 250);
        let (code, _) = d.send(&format!("AUTH PLAIN {DEMO_PLAIN}")).await;
        assert_eq!(code, 538);
        let mut d = starttls(&env, d).await;
        let (code, ehlo) = d.send("EHLO c").await;
        assert_eq!(code, 250);
        assert!(ehlo.contains("AUTH"), "{ehlo}");
        assert!(!ehlo.contains("STARTTLS"));
        assert_eq!(d.send(&format!("AUTH PLAIN {DEMO_WRONG}")).await.0, 535);
        assert_eq!(d.send(&format!("AUTH PLAIN {DEMO_PLAIN}")).await.0, 235);
        let code = send_message(&mut d, "demo@localhost", &["alice@localhost"], "x\r\n").await;
        assert_eq!(code, 250);
        let m = &env.messages("alice")[0];
        assert!(m.contains(" with ESMTPSA id "), "{m}");
        assert_eq!(d.send("QUIT").await.0, 221);
    })
    .await;
}

#[tokio::test]
async fn submission_requires_starttls_then_auth() {
    within(async {
        let env = env();
        let addr = env.start(Mode::Submission).await;
        let mut d = connect(addr).await;
        assert_eq!(d.send("EHLO c").await.0, 250);
        assert_eq!(d.send("MAIL FROM:<demo@localhost>").await.0, 530);
        let mut d = starttls(&env, d).await;
        assert_eq!(d.send("EHLO c").await.0, 250);
        assert_eq!(d.send("MAIL FROM:<demo@localhost>").await.0, 530);
        assert_eq!(d.send(&format!("AUTH PLAIN {DEMO_PLAIN}")).await.0, 235);
        let code = send_message(&mut d, "demo@localhost", &["alice@localhost"], "hello\r\n").await;
        assert_eq!(code, 250);
        assert_eq!(env.messages("alice").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn smtps_is_tls_from_the_start_and_requires_auth() {
    within(async {
        let env = env();
        let addr = env.start(Mode::Smtps).await;
        let tcp = TcpStream::connect(addr).await.unwrap();
        let (tls, _) = env.client_tls().connect(tcp, T).await.unwrap();
        let mut d = Dialog::new(tls);
        assert_eq!(d.reply().await.0, 220);
        let (code, ehlo) = d.send("EHLO c").await;
        assert_eq!(code, 250);
        assert!(
            ehlo.contains("AUTH") && !ehlo.contains("STARTTLS"),
            "{ehlo}"
        );
        assert_eq!(d.send("MAIL FROM:<demo@localhost>").await.0, 530);
        assert_eq!(d.send("AUTH PLAIN AGFsaWNlAHNlY3JldA==").await.0, 235);
        let code = send_message(&mut d, "alice@localhost", &["demo@localhost"], "hi\r\n").await;
        assert_eq!(code, 250);
        assert_eq!(env.messages("demo").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn too_big_message_is_refused_and_not_stored() {
    within(async {
        let env = env();
        let addr = env.start(Mode::Mx).await;
        let mut d = connect(addr).await;
        assert_eq!(d.send("EHLO c").await.0, 250);
        let body = format!("{}\r\n", "x".repeat(998)).repeat(80);
        let code = {
            assert_eq!(d.send("MAIL FROM:<a@remote.example>").await.0, 250);
            assert_eq!(d.send("RCPT TO:<demo@localhost>").await.0, 250);
            assert_eq!(d.send("DATA").await.0, 354);
            d.write(body.as_bytes()).await;
            d.send(".").await.0
        };
        assert_eq!(code, 552);
        assert!(env.messages("demo").is_empty());
        let tmp = env.ctx.data.join("demo/Maildir/tmp");
        assert_eq!(std::fs::read_dir(tmp).unwrap().count(), 0);
        // The session goes on.
        assert_eq!(
            send_message(&mut d, "a@remote.example", &["demo@localhost"], "ok\r\n").await,
            250
        );
    })
    .await;
}

#[tokio::test]
async fn shutdown_says_421_to_connected_clients() {
    within(async {
        let env = env();
        let addr = env.start(Mode::Mx).await;
        let mut d = connect(addr).await;
        assert_eq!(d.send("EHLO c").await.0, 250);
        env.shutdown.cancel();
        let (code, text) = d.reply().await;
        assert_eq!(code, 421, "{text}");
    })
    .await;
}

#[test]
fn dates_follow_rfc5322() {
    let at = |secs| rfc5322_date(std::time::UNIX_EPOCH + Duration::from_secs(secs));
    assert_eq!(at(0), "Thu, 1 Jan 1970 00:00:00 +0000");
    assert_eq!(at(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
    assert_eq!(at(1_795_304_731), "Sat, 21 Nov 2026 23:45:31 +0000");
}

#[test]
fn received_protocol_names() {
    let ehlo = Some(HelloKind::Ehlo);
    assert_eq!(
        protocol_name(Some(HelloKind::Helo), false, false, false),
        "SMTP"
    );
    assert_eq!(protocol_name(ehlo, false, false, false), "ESMTP");
    assert_eq!(protocol_name(ehlo, true, false, false), "ESMTPS");
    assert_eq!(protocol_name(ehlo, false, true, false), "ESMTPA");
    assert_eq!(protocol_name(ehlo, true, true, false), "ESMTPSA");
    assert_eq!(protocol_name(ehlo, false, false, true), "UTF8SMTP");
    assert_eq!(protocol_name(ehlo, true, true, true), "UTF8SMTPSA");
}
