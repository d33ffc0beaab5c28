//! Python's `smtplib` (a client nobody here wrote) against the server
//! machine, over loopback TCP with a small synchronous driver: AUTH with
//! CRAM-MD5 (what `login()` picks), PLAIN and LOGIN, and `sendmail` of a
//! message with dot-led lines and 8-bit bytes, received byte-exact.
//!
//! Skipped (with a message) when `python3` is missing, unless
//! `MAILWIRE_REQUIRE_INTEROP` is set.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use mailwire_core::Machine;
use mailwire_sasl::{MemoryStore, ServerConfig as SaslConfig};
use mailwire_smtp::server::{AuthConfig, ServerConfig, ServerEvent};
use mailwire_smtp::{Host, Server};

const MESSAGE: &[u8] = b"From: alice@example.org\r\nTo: bob@mx.test\r\nSubject: interop\r\n\r\n\
.leading dot\r\n..two dots\r\n.\r\ncaf\xc3\xa9 \xff\xfe 8-bit\r\nlast line\r\n";

/// What one session delivered.
#[derive(Debug, Default)]
struct Session {
    authenticated: Option<String>,
    mail_from: Option<String>,
    recipients: Vec<String>,
    body: Vec<u8>,
    messages: usize,
}

fn config() -> ServerConfig {
    let mut store = MemoryStore::new()
        .with_iterations(4096)
        .keep_plaintext_for_cram_md5(true);
    store.add_user("alice", "wonderland").unwrap();
    let mut c = ServerConfig::new(Host::try_from("mx.test").unwrap());
    c.auth = AuthConfig::with_store(Arc::new(store), SaslConfig::new().enable_cram_md5(true));
    // Loopback without TLS in this driver: the explicit opt-in.
    c.auth.allow_cleartext = true;
    c.auth.required = true;
    c
}

/// Runs the machine over one connection until it closes.
fn serve(stream: TcpStream, deadline: Instant) -> Session {
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut stream = stream;
    let mut server = Server::new(config());
    let mut session = Session::default();
    let mut buf = [0u8; 4096];
    loop {
        while let Some(out) = server.poll_transmit() {
            match stream.write(out) {
                Ok(n) => server.advance_transmit(n),
                Err(e) => panic!("write: {e}"),
            }
        }
        if server.is_closed() || Instant::now() > deadline {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) => server.receive_eof().unwrap(),
            Ok(n) => server.receive(&buf[..n]).unwrap(),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read: {e}"),
        }
        server.handle_timeout(Instant::now());
        loop {
            let ev = match server.poll_event() {
                Ok(Some(ev)) => ev,
                Ok(None) => break,
                Err(e) => panic!("server error: {e}"),
            };
            match ev {
                ServerEvent::Authenticated { authcid, .. } => session.authenticated = Some(authcid),
                ServerEvent::Mail { from, .. } => {
                    session.mail_from = from.mailbox().map(|m| m.as_str().to_string());
                    server.accept().unwrap();
                }
                ServerEvent::Rcpt { to, .. } => {
                    session.recipients.push(
                        to.mailbox()
                            .map(|m| m.as_str().to_string())
                            .unwrap_or_default(),
                    );
                    server.accept().unwrap();
                }
                ServerEvent::DataChunk(chunk) => session.body.extend_from_slice(&chunk),
                ServerEvent::DataEnd { .. } => {
                    session.messages += 1;
                    server.accept().unwrap();
                }
                ServerEvent::Hello { .. } | ServerEvent::DataStart { .. } => {
                    server.accept().unwrap()
                }
                _ => {}
            }
        }
    }
    session
}

#[test]
fn python_smtplib_auth_and_sendmail() {
    let python = Command::new("python3").arg("--version").output();
    if python.is_err() {
        if std::env::var_os("MAILWIRE_REQUIRE_INTEROP").is_some() {
            panic!("python3 is required (MAILWIRE_REQUIRE_INTEROP is set)");
        }
        eprintln!("skipped: python3 not found");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let deadline = Instant::now() + Duration::from_secs(60);
    listener.set_nonblocking(true).unwrap();
    let server = thread::spawn(move || {
        let mut sessions = Vec::new();
        while sessions.len() < 3 && Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    sessions.push(serve(stream, deadline));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(10))
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
        sessions
    });

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtplib_client.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("smtplib did not finish in time");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "smtplib failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("smtplib: ok"), "{stdout}");

    let sessions = server.join().unwrap();
    assert_eq!(sessions.len(), 3);
    for s in &sessions {
        assert_eq!(s.authenticated.as_deref(), Some("alice"), "{s:?}");
        assert_eq!(s.mail_from.as_deref(), Some("alice@example.org"));
        assert_eq!(s.recipients, ["bob@mx.test", "carol@mx.test"]);
        assert_eq!(s.messages, 1);
        assert_eq!(s.body, MESSAGE, "body differs");
    }
}
