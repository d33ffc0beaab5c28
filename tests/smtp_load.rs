//! A bounded load test of `mailserver`'s SMTP listener: 100 concurrent
//! clients (raw tokio sockets, independent of the mailwire crates) each send
//! 10 messages. Every 250 must correspond to exactly one file in new/,
//! nothing lost or duplicated (checked by unique Message-IDs and exact
//! contents), and the server's memory stays bounded.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use common::maildir::message_id;
use common::smtp::dot_stuff;
use common::{DEMO_USER, DataDir, MailServer, Trace, Watchdog, message, strip_trace};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const CLIENTS: usize = 100;
const MESSAGES_PER_CLIENT: usize = 10;
/// The whole load phase must finish within this.
const LOAD_LIMIT: Duration = Duration::from_secs(180);
/// One reply must come within this.
const REPLY_LIMIT: Duration = Duration::from_secs(60);
/// The most the server may ever have had resident (VmHWM).
const MEMORY_BOUND_KB: u64 = 200 * 1024;

struct Client {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Result<Self, String> {
        let stream = tokio::time::timeout(REPLY_LIMIT, TcpStream::connect(addr))
            .await
            .map_err(|_| "connect timed out".to_owned())?
            .map_err(|e| format!("connect: {e}"))?;
        let (read, write) = stream.into_split();
        let mut client = Client {
            reader: BufReader::new(read),
            writer: write,
        };
        client.expect_reply(220, "greeting").await?;
        Ok(client)
    }

    /// Reads one reply; returns its code and last line.
    async fn reply(&mut self) -> Result<(u16, String), String> {
        loop {
            let mut line = Vec::new();
            let n = tokio::time::timeout(REPLY_LIMIT, self.reader.read_until(b'\n', &mut line))
                .await
                .map_err(|_| "reply timed out".to_owned())?
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 || !line.ends_with(b"\r\n") || line.len() < 5 || line.len() > 1024 {
                return Err(format!(
                    "bad reply line {:?}",
                    String::from_utf8_lossy(&line)
                ));
            }
            let text = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
            let code: u16 = text[..3]
                .parse()
                .map_err(|_| format!("reply without code: {text:?}"))?;
            match line[3] {
                b'-' => continue,
                b' ' => return Ok((code, text)),
                _ => return Err(format!("bad reply separator: {text:?}")),
            }
        }
    }

    async fn expect_reply(&mut self, code: u16, what: &str) -> Result<(), String> {
        let (got, text) = self.reply().await?;
        if got == code {
            Ok(())
        } else {
            Err(format!("{what}: expected {code}, got {text:?}"))
        }
    }

    async fn send(&mut self, data: &[u8]) -> Result<(), String> {
        tokio::time::timeout(REPLY_LIMIT, self.writer.write_all(data))
            .await
            .map_err(|_| "write timed out".to_owned())?
            .map_err(|e| format!("write: {e}"))
    }

    async fn command(&mut self, line: &str, code: u16) -> Result<(), String> {
        self.send(format!("{line}\r\n").as_bytes()).await?;
        self.expect_reply(code, line).await
    }
}

/// One client's session; returns the messages acknowledged with 250.
async fn session(addr: SocketAddr, client_no: usize) -> Result<Vec<Vec<u8>>, String> {
    let mut client = Client::connect(addr).await?;
    client.command("EHLO load.example", 250).await?;
    let mut sent = Vec::new();
    for i in 0..MESSAGES_PER_CLIENT {
        let id = format!("load.{client_no}.{i}.{}@test.example", std::process::id());
        // Bodies differ in length and content, and some lines start with
        // dots, so that a mix-up between messages cannot go unnoticed.
        let filler =
            format!("client {client_no} message {i} ").repeat(20 + (client_no * 7 + i) % 60);
        let msg = message(
            &id,
            &format!("load {client_no}/{i}"),
            &[&filler, ".dotted", &filler],
        );
        client.command("MAIL FROM:<load@example.org>", 250).await?;
        client.command("RCPT TO:<demo@localhost>", 250).await?;
        client.command("DATA", 354).await?;
        client.send(&dot_stuff(&msg)).await?;
        client.send(b".\r\n").await?;
        let (code, text) = client.reply().await?;
        if code != 250 {
            return Err(format!("message {id}: final reply {text:?}"));
        }
        sent.push(msg);
    }
    client.command("QUIT", 221).await?;
    Ok(sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_clients_ten_messages_each_nothing_lost_or_duplicated() {
    let _watchdog = Watchdog::new(
        "hundred_clients_ten_messages_each_nothing_lost_or_duplicated",
        LOAD_LIMIT + Duration::from_secs(120),
    );
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let addr = server.addr("smtp");
    let rss_before = server.proc_status_kb("VmRSS");

    let tasks: Vec<_> = (0..CLIENTS)
        .map(|n| tokio::spawn(session(addr, n)))
        .collect();
    let all = tokio::time::timeout(LOAD_LIMIT, async {
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("client task panicked"));
        }
        results
    })
    .await
    .expect("the load phase did not finish in time");

    let rss_after = server.proc_status_kb("VmRSS");
    let hwm = server.proc_status_kb("VmHWM");
    eprintln!(
        "mailserver memory: VmRSS {rss_before} kB before, {rss_after} kB after, VmHWM {hwm} kB"
    );

    let mut acknowledged: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut failures = Vec::new();
    for (n, result) in all.into_iter().enumerate() {
        match result {
            Ok(messages) => {
                for msg in messages {
                    let id = message_id(&msg).expect("every message has an id");
                    assert!(acknowledged.insert(id, msg).is_none(), "duplicate id sent");
                }
            }
            Err(e) => failures.push(format!("client {n}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "clients failed:\n{}",
        failures.join("\n")
    );
    assert_eq!(acknowledged.len(), CLIENTS * MESSAGES_PER_CLIENT);

    let stored = data.maildir(DEMO_USER).new_messages();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let trace = Trace::new(
        "load@example.org",
        "load.example",
        "ESMTP",
        "demo@localhost",
    );
    for (name, content) in &stored {
        let payload = strip_trace(name, content, &trace);
        let id = message_id(payload).unwrap_or_else(|| panic!("{name} has no Message-ID"));
        *seen.entry(id.clone()).or_default() += 1;
        let sent = acknowledged
            .get(&id)
            .unwrap_or_else(|| panic!("{name} holds a message nobody sent: {id}"));
        assert!(
            payload == sent.as_slice(),
            "{name} differs from message {id} as sent"
        );
    }
    let duplicated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        duplicated.is_empty(),
        "stored more than once: {duplicated:?}"
    );
    let lost: Vec<_> = acknowledged
        .keys()
        .filter(|id| !seen.contains_key(*id))
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged with 250 but not in new/: {lost:?}"
    );
    assert_eq!(stored.len(), CLIENTS * MESSAGES_PER_CLIENT);
    assert!(
        data.maildir(DEMO_USER).files("tmp").is_empty(),
        "tmp/ holds leftovers after clean deliveries"
    );

    assert!(
        hwm < MEMORY_BOUND_KB,
        "mailserver peaked at {hwm} kB resident (bound {MEMORY_BOUND_KB} kB)"
    );
}
