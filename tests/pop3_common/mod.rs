//! What the POP3 end-to-end tests share (on top of tests/common): the
//! `pop3_fetch` binary, SMTP delivery into `mailserver`, the files of a
//! Maildir in new/ and cur/, a blocking wrapper around our client machine
//! driven by mailwire-tokio, and a private Dovecot (tests/peers/dovecot.sh).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mailwire_pop3::types::MsgNum;
use mailwire_pop3::{Client, ClientConfig, ClientEvent};
use mailwire_tokio::{ClientTls, Connection, MaybeTlsStream, StartTls, connect_tcp};
use tokio::net::TcpStream;

use crate::common::process::{Output, interop_missing, run_with_timeout};
use crate::common::smtp::RawSmtp;
use crate::common::{MailServer, example_binary};

/// How long one POP3 answer may take.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The `pop3_fetch` example (built by the harness).
pub fn pop3_fetch_binary() -> PathBuf {
    example_binary("pop3_fetch")
}

/// Runs `pop3_fetch` with `args` (bounded in time).
pub fn pop3_fetch(args: &[&str]) -> Output {
    run_with_timeout(
        Command::new(pop3_fetch_binary()).args(args),
        b"",
        Duration::from_secs(120),
    )
}

/// Delivers `message` to `demo@localhost` through mailserver's SMTP port.
pub fn deliver(server: &MailServer, message: &[u8]) {
    let mut smtp = RawSmtp::connect(server.addr("smtp"));
    smtp.expect("EHLO client.example", 250);
    let reply = smtp.deliver("sender@example.org", &["demo@localhost"], message);
    assert_eq!(reply.code, 250, "delivery: {}", reply.to_line());
    smtp.command("QUIT");
}

/// The files of a Maildir in new/ and cur/: (unique name, bytes), sorted.
pub fn maildir_messages(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(root.join(sub)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a Maildir entry").path();
            if !path.is_file() {
                continue;
            }
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name");
            let id = name.split(':').next().unwrap_or(name).to_owned();
            let data = std::fs::read(&path).expect("read a message");
            out.push((id, data));
        }
    }
    out.sort();
    out
}

/// How our client protects the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// STLS after the greeting.
    Stls,
    /// TLS from the first byte.
    Implicit,
}

/// A blocking POP3 session with our client machine, for tests.
pub struct Pop3 {
    rt: tokio::runtime::Runtime,
    conn: Option<Connection<Client, TcpStream>>,
}

impl Pop3 {
    /// Connects, reads the greeting and capabilities, does STLS when asked,
    /// and stops before login.
    pub fn connect(addr: SocketAddr, tls: Tls, ca: &Path) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let ca = ca.to_owned();
        let conn = rt.block_on(async move {
            let client_tls = ClientTls::with_ca_pem_file(&ca, "localhost").expect("CA");
            let tcp = connect_tcp(addr, ANSWER_TIMEOUT).await.expect("connect");
            let mut config = ClientConfig::new();
            config.implicit_tls = tls == Tls::Implicit;
            let client = Client::new(config);
            match tls {
                Tls::Implicit => {
                    let (stream, info) = client_tls
                        .connect(tcp, ANSWER_TIMEOUT)
                        .await
                        .expect("TLS handshake");
                    Connection::from_stream(client, MaybeTlsStream::from(stream))
                        .with_tls_info(info)
                }
                Tls::Stls => {
                    Connection::new(client, tcp).with_start_tls(StartTls::Client(client_tls))
                }
            }
        });
        let mut session = Pop3 {
            rt,
            conn: Some(conn),
        };
        session.wait(|e| matches!(e, ClientEvent::Capabilities(_)));
        if tls == Tls::Stls {
            session.conn().machine_mut().stls().expect("STLS");
            session.wait(|e| matches!(e, ClientEvent::Capabilities(_)));
            assert!(session.conn().machine().is_tls());
        }
        session
    }

    fn conn(&mut self) -> &mut Connection<Client, TcpStream> {
        self.conn.as_mut().expect("the session is open")
    }

    /// The next event (bounded in time).
    pub fn next(&mut self) -> Option<ClientEvent> {
        let conn = self.conn.as_mut().expect("the session is open");
        self.rt.block_on(async {
            tokio::time::timeout(ANSWER_TIMEOUT, conn.next_event())
                .await
                .expect("a POP3 answer in time")
                .expect("the POP3 session works")
        })
    }

    /// Events until one matches (which is returned).
    pub fn wait(&mut self, want: impl Fn(&ClientEvent) -> bool) -> ClientEvent {
        loop {
            match self.next() {
                Some(e) if want(&e) => return e,
                Some(_) => {}
                None => panic!("the connection ended while waiting"),
            }
        }
    }

    /// Logs in by the strongest means offered; `Err` with the server's text
    /// and response code when refused.
    pub fn login(&mut self, user: &str, password: &str) -> Result<(), String> {
        self.conn()
            .machine_mut()
            .login(user, password)
            .expect("login");
        match self.wait(|e| matches!(e, ClientEvent::LoggedIn | ClientEvent::LoginFailed(_))) {
            ClientEvent::LoggedIn => Ok(()),
            ClientEvent::LoginFailed(r) => Err(format!(
                "[{}] {}",
                r.code.map(|c| c.as_str().to_owned()).unwrap_or_default(),
                r.text.as_str()
            )),
            _ => unreachable!(),
        }
    }

    /// `STAT`: (count, size).
    pub fn stat(&mut self) -> (u32, u64) {
        self.conn().machine_mut().stat().expect("STAT");
        match self.wait(|e| matches!(e, ClientEvent::Stat(_) | ClientEvent::Failed { .. })) {
            ClientEvent::Stat(d) => (d.count, d.size),
            other => panic!("STAT: {other:?}"),
        }
    }

    /// `UIDL`: (message number, unique-id).
    pub fn uidl(&mut self) -> Vec<(u32, String)> {
        self.conn().machine_mut().uidl(None).expect("UIDL");
        let mut out = Vec::new();
        loop {
            match self.next() {
                Some(ClientEvent::Uidl(l)) => out.push((l.msg.get(), l.uid.as_str().to_owned())),
                Some(ClientEvent::UidlEnd) => return out,
                other => panic!("UIDL: {other:?}"),
            }
        }
    }

    /// `RETR n`: the message bytes.
    pub fn retr(&mut self, n: u32) -> Vec<u8> {
        let msg = MsgNum::new(n).expect("n > 0");
        self.conn().machine_mut().retr(msg).expect("RETR");
        let mut body = Vec::new();
        loop {
            match self.next() {
                Some(ClientEvent::RetrStart { .. }) => {}
                Some(ClientEvent::RetrChunk(c)) => body.extend_from_slice(&c),
                Some(ClientEvent::RetrEnd) => return body,
                other => panic!("RETR: {other:?}"),
            }
        }
    }

    /// A command answered with `Done`/`Failed`: `Ok(())` or the error text.
    fn simple(&mut self, send: impl FnOnce(&mut Client)) -> Result<(), String> {
        send(self.conn().machine_mut());
        match self.wait(|e| matches!(e, ClientEvent::Done { .. } | ClientEvent::Failed { .. })) {
            ClientEvent::Done { .. } => Ok(()),
            ClientEvent::Failed { response, .. } => Err(response.text.as_str().to_owned()),
            _ => unreachable!(),
        }
    }

    /// `DELE n`.
    pub fn dele(&mut self, n: u32) -> Result<(), String> {
        let msg = MsgNum::new(n).expect("n > 0");
        self.simple(|c| c.dele(msg).expect("DELE"))
    }

    /// `RSET`.
    pub fn rset(&mut self) {
        self.simple(|c| c.rset().expect("RSET")).expect("RSET");
    }

    /// `QUIT`, waits for the answer and closes.
    pub fn quit(mut self) -> Result<(), String> {
        let result = self.simple(|c| c.quit().expect("QUIT"));
        if let Some(mut conn) = self.conn.take() {
            let _ = self.rt.block_on(conn.close());
        }
        result
    }

    /// Drops the TCP connection without QUIT.
    pub fn abort(mut self) {
        self.conn.take();
    }
}

/// Whether Dovecot can run here: the binary exists and we are root (it
/// drops privileges to run as configured). Otherwise skip or fail (see
/// [`interop_missing`]).
pub fn have_dovecot() -> bool {
    let ok = Command::new("dovecot")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        return interop_missing("dovecot", "`dovecot --version` failed");
    }
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    if uid != "0" {
        return interop_missing(
            "dovecot",
            "it must be started as root (it drops privileges)",
        );
    }
    true
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A private Dovecot (tests/peers/dovecot.sh) under a temporary directory;
/// stopped on drop.
pub struct Dovecot {
    dir: tempfile::TempDir,
    /// POP3 (STLS) port.
    pub pop3: u16,
    /// POP3S port.
    pub pop3s: u16,
    /// The user.
    pub user: String,
    /// The password.
    pub password: String,
}

impl Dovecot {
    /// A directory with the user's Maildir holding `messages` in new/,
    /// then Dovecot started on it (retried on a port clash).
    pub fn start(user: &str, password: &str, messages: &[Vec<u8>]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("mailwire-dovecot-")
            .tempdir()
            .expect("temporary directory");
        let maildir = dir.path().join("home").join(user).join("Maildir");
        for sub in ["tmp", "new", "cur"] {
            std::fs::create_dir_all(maildir.join(sub)).expect("Maildir");
        }
        for (i, message) in messages.iter().enumerate() {
            let name = format!("1763700000.M{i}P1Q{i}.test");
            std::fs::write(maildir.join("new").join(name), message).expect("write a message");
        }
        // dovecot.sh makes a self-signed CA certificate when none exists,
        // which webpki (rightly) refuses as a server certificate: give it
        // an end-entity one for localhost first.
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .expect("make a certificate");
        let tls_dir = dir.path().join("tls");
        std::fs::create_dir_all(&tls_dir).expect("tls dir");
        std::fs::write(tls_dir.join("cert.pem"), certified.cert.pem()).expect("write cert");
        std::fs::write(tls_dir.join("key.pem"), certified.key_pair.serialize_pem())
            .expect("write key");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/dovecot.sh");
        let mut last = String::new();
        for _ in 0..5 {
            let (imap, pop3, imaps, pop3s) = (free_port(), free_port(), free_port(), free_port());
            let ports = [imap, pop3, imaps, pop3s].map(|p| p.to_string());
            // The daemon inherits the script's stdout and stderr: give it
            // a file, not a pipe that would stay open for its whole life.
            let log_path = dir.path().join("start.log");
            let log = std::fs::File::create(&log_path).expect("start log");
            let mut child = Command::new("bash")
                .arg(&script)
                .arg("start")
                .arg(dir.path())
                .args(&ports)
                .args([user, password])
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .expect("run dovecot.sh");
            let deadline = Instant::now() + Duration::from_secs(60);
            let status = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Some(status),
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20))
                    }
                    _ => {
                        let _ = child.kill();
                        let _ = child.wait();
                        break None;
                    }
                }
            };
            if status.is_some_and(|s| s.success()) {
                return Dovecot {
                    dir,
                    pop3,
                    pop3s,
                    user: user.to_owned(),
                    password: password.to_owned(),
                };
            }
            last = std::fs::read_to_string(&log_path).unwrap_or_default();
            Self::stop_dir(dir.path());
        }
        panic!("dovecot did not start:\n{last}");
    }

    fn stop_dir(dir: &Path) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/dovecot.sh");
        // As at start: no pipes for a daemon to hold.
        let Ok(mut child) = Command::new("bash")
            .arg(script)
            .arg("stop")
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            return;
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Its certificate.
    pub fn ca_path(&self) -> PathBuf {
        self.dir.path().join("tls").join("cert.pem")
    }

    /// The user's Maildir.
    pub fn maildir(&self) -> PathBuf {
        self.dir
            .path()
            .join("home")
            .join(&self.user)
            .join("Maildir")
    }

    /// Its log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        Self::stop_dir(self.dir.path());
    }
}
