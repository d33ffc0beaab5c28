//! POP3 in `mailserver`, end to end with our own client machine and the
//! `pop3_fetch` example: mail delivered over SMTP comes back byte for byte,
//! UIDL is the Maildir unique name, a second session of the same user gets
//! `[IN-USE]`, DELE removes files only at QUIT, RSET undoes, a connection
//! dropped without QUIT removes nothing, and credentials are refused before
//! TLS.

mod common;
mod pop3_common;

use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

use common::{DEMO_PASSWORD, DEMO_USER, DataDir, MailServer, Watchdog, message, unique};
use pop3_common::{Pop3, Tls, deliver, maildir_messages, pop3_fetch};

const TEST_LIMIT: Duration = Duration::from_secs(180);

/// Delivers `n` messages (with dot-led lines) and returns their bodies as
/// sent, in delivery order.
fn deliver_some(server: &MailServer, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let msg = message(
                &unique("pop3"),
                &format!("message {i}"),
                &[".starts with a dot", "..two dots", ".", "last line"],
            );
            deliver(server, &msg);
            // Distinct delivery seconds keep the order deterministic.
            msg
        })
        .collect()
}

fn ends_with(stored: &[u8], sent: &[u8]) -> bool {
    stored.len() >= sent.len() && &stored[stored.len() - sent.len()..] == sent
}

#[test]
fn retr_returns_stored_bytes_and_uidl_is_the_unique_name() {
    let _dog = Watchdog::new("retr_returns_stored_bytes", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let sent = deliver_some(&server, 2);
    let root = data.path().join(DEMO_USER).join("Maildir");

    for tls in [Tls::Stls, Tls::Implicit] {
        let listener = if tls == Tls::Stls { "pop3" } else { "pop3s" };
        let mut pop = Pop3::connect(server.addr(listener), tls, &server.ca_path());
        pop.login(DEMO_USER, DEMO_PASSWORD).expect("login");
        let stored = maildir_messages(&root);
        assert_eq!(stored.len(), 2);
        let (count, size) = pop.stat();
        assert_eq!(count, 2);
        assert_eq!(
            size,
            stored.iter().map(|(_, d)| d.len() as u64).sum::<u64>()
        );
        let uids = pop.uidl();
        let ids: Vec<String> = stored.iter().map(|(id, _)| id.clone()).collect();
        let mut listed: Vec<String> = uids.iter().map(|(_, u)| u.clone()).collect();
        listed.sort();
        assert_eq!(listed, ids, "UIDL must be the Maildir unique names");
        for (n, uid) in &uids {
            let body = pop.retr(*n);
            let file = &stored.iter().find(|(id, _)| id == uid).expect("listed").1;
            assert_eq!(&body, file, "RETR {n} must be the stored file exactly");
        }
        // Every message delivered came back, trace fields first.
        for msg in &sent {
            assert!(stored.iter().any(|(_, d)| ends_with(d, msg)));
        }
        pop.quit().expect("QUIT");
    }
    // First access moved them to cur/, under the same unique names.
    assert!(data.maildir(DEMO_USER).files("new").is_empty());
    assert_eq!(data.maildir(DEMO_USER).files("cur").len(), 2);
}

#[test]
fn second_session_is_in_use_and_dele_waits_for_quit() {
    let _dog = Watchdog::new("second_session_is_in_use", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    deliver_some(&server, 3);
    let root = data.path().join(DEMO_USER).join("Maildir");
    let ca = server.ca_path();

    let mut first = Pop3::connect(server.addr("pop3s"), Tls::Implicit, &ca);
    first.login(DEMO_USER, DEMO_PASSWORD).expect("login");
    let mut second = Pop3::connect(server.addr("pop3"), Tls::Stls, &ca);
    let refused = second.login(DEMO_USER, DEMO_PASSWORD).unwrap_err();
    assert!(refused.starts_with("[IN-USE]"), "{refused}");

    let uids = first.uidl();
    first.dele(1).expect("DELE 1");
    assert!(
        first.dele(1).is_err(),
        "a deleted message cannot be deleted again"
    );
    first.rset();
    assert_eq!(first.stat().0, 3, "RSET undoes DELE");
    first.dele(1).expect("DELE 1");
    first.dele(3).expect("DELE 3");
    assert_eq!(first.stat().0, 1);
    // Nothing is removed before QUIT.
    assert_eq!(maildir_messages(&root).len(), 3);
    first.quit().expect("QUIT");
    let left: Vec<String> = maildir_messages(&root)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(left, vec![uids[1].1.clone()]);

    // The lock was released: the second client can log in now.
    second
        .login(DEMO_USER, DEMO_PASSWORD)
        .expect("login after QUIT");
    assert_eq!(second.uidl(), vec![(1, uids[1].1.clone())]);
    second.quit().expect("QUIT");
}

#[test]
fn dropped_connection_deletes_nothing() {
    let _dog = Watchdog::new("dropped_connection_deletes_nothing", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    deliver_some(&server, 2);
    let root = data.path().join(DEMO_USER).join("Maildir");
    let ca = server.ca_path();

    let mut pop = Pop3::connect(server.addr("pop3s"), Tls::Implicit, &ca);
    pop.login(DEMO_USER, DEMO_PASSWORD).expect("login");
    pop.dele(1).expect("DELE 1");
    pop.dele(2).expect("DELE 2");
    pop.abort();

    // The lock goes with the connection; then nothing was removed.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut again = loop {
        let mut pop = Pop3::connect(server.addr("pop3s"), Tls::Implicit, &ca);
        match pop.login(DEMO_USER, DEMO_PASSWORD) {
            Ok(()) => break pop,
            Err(e) if e.starts_with("[IN-USE]") && std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("login after the drop: {e}"),
        }
    };
    assert_eq!(again.stat().0, 2);
    again.quit().expect("QUIT");
    assert_eq!(maildir_messages(&root).len(), 2);
}

#[test]
fn no_credentials_before_tls() {
    let _dog = Watchdog::new("no_credentials_before_tls", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let stream = std::net::TcpStream::connect(server.addr("pop3")).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut writer = stream.try_clone().expect("clone");
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let mut read = |reader: &mut BufReader<std::net::TcpStream>| {
        line.clear();
        reader.read_line(&mut line).expect("a line");
        line.clone()
    };
    assert!(read(&mut reader).starts_with("+OK"));
    writer.write_all(b"CAPA\r\n").expect("write");
    let mut caps = Vec::new();
    loop {
        let l = read(&mut reader);
        if l == ".\r\n" {
            break;
        }
        caps.push(l);
    }
    assert!(caps.iter().any(|c| c.starts_with("STLS")), "{caps:?}");
    assert!(
        !caps
            .iter()
            .any(|c| c.starts_with("USER") || c.starts_with("SASL")),
        "no login offered before TLS: {caps:?}"
    );
    writer.write_all(b"USER demo\r\n").expect("write");
    assert!(read(&mut reader).starts_with("-ERR"));
    writer
        .write_all(b"AUTH PLAIN AGRlbW8AZGVtbw==\r\n")
        .expect("write");
    assert!(read(&mut reader).starts_with("-ERR"));
    writer.write_all(b"QUIT\r\n").expect("write");
    assert!(read(&mut reader).starts_with("+OK"));
}

#[test]
fn pop3_fetch_downloads_skips_and_deletes() {
    let _dog = Watchdog::new("pop3_fetch_downloads", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    deliver_some(&server, 3);
    let root = data.path().join(DEMO_USER).join("Maildir");
    let stored = maildir_messages(&root);
    let out = tempfile::tempdir().expect("temp dir");
    let out_dir = out.path().join("local");
    let ca = server.ca_path();
    let pop3s = server.addr("pop3s").to_string();
    let pop3 = format!("localhost:{}", server.port("pop3"));
    let common_args = |server_arg: &str, tls: &str| -> Vec<String> {
        [
            "--server",
            server_arg,
            tls,
            "--ca",
            ca.to_str().expect("UTF-8 path"),
            "--user",
            DEMO_USER,
            "--password",
            DEMO_PASSWORD,
            "--out",
            out_dir.to_str().expect("UTF-8 path"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        pop3_fetch(&refs)
    };

    let first = run(common_args(&pop3s, "--tls"));
    first.assert_success("pop3_fetch --tls");
    assert_eq!(
        first.stdout_text().trim(),
        "fetched 3, skipped 0, deleted 0"
    );
    let mut local: Vec<Vec<u8>> = maildir_messages(&out_dir)
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let mut remote: Vec<Vec<u8>> = stored.iter().map(|(_, d)| d.clone()).collect();
    local.sort();
    remote.sort();
    assert_eq!(local, remote, "fetched bytes must be the stored bytes");
    assert!(
        std::fs::read_dir(out_dir.join("tmp"))
            .expect("tmp")
            .next()
            .is_none()
    );

    // Same maildrop again, over STLS with SCRAM: nothing new.
    // Over pop3s too the client binds SCRAM to the TLS channel.
    assert!(
        server.stderr_tail().contains("\"SCRAM-SHA-256-PLUS\""),
        "{}",
        server.stderr_tail()
    );
    let second = run(common_args(&pop3s, "--tls"));
    second.assert_success("pop3_fetch again");
    assert_eq!(
        second.stdout_text().trim(),
        "fetched 0, skipped 3, deleted 0"
    );

    // A third message, then --delete over STLS (another state key: the
    // server is named differently, so all are fetched again).
    let mut args = common_args(&pop3, "--starttls");
    args.push("--delete".into());
    let third = run(args);
    third.assert_success("pop3_fetch --starttls --delete");
    assert_eq!(
        third.stdout_text().trim(),
        "fetched 3, skipped 0, deleted 3"
    );
    // After STLS the client binds SCRAM to the TLS channel.
    assert!(
        server.stderr_tail().contains("\"SCRAM-SHA-256-PLUS\""),
        "{}",
        server.stderr_tail()
    );
    assert!(
        maildir_messages(&root).is_empty(),
        "--delete removed them on the server"
    );

    // Wrong password: non-zero and a clear message.
    let mut args = common_args(&pop3s, "--tls");
    let pw = args
        .iter()
        .position(|a| a == DEMO_PASSWORD)
        .expect("password");
    args[pw] = "wrong".into();
    let bad = run(args);
    assert!(!bad.status.success());
    assert!(bad.stderr_text().contains("login"), "{}", bad.stderr_text());

    // No TLS: refused before connecting.
    let plain = pop3_fetch(&[
        "--server",
        &pop3,
        "--user",
        DEMO_USER,
        "--password",
        DEMO_PASSWORD,
        "--out",
        out_dir.to_str().expect("UTF-8 path"),
    ]);
    assert!(!plain.status.success());
    assert!(
        plain.stderr_text().contains("without TLS"),
        "{}",
        plain.stderr_text()
    );
}

#[test]
fn big_message_streams_and_new_and_cur_are_both_listed() {
    let _dog = Watchdog::new("big_message_streams", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let root = data.path().join(DEMO_USER).join("Maildir");
    let ca = server.ca_path();
    deliver_some(&server, 1);
    // A first session moves it to cur/.
    let pop = Pop3::connect(server.addr("pop3s"), Tls::Implicit, &ca);
    let mut pop = pop;
    pop.login(DEMO_USER, DEMO_PASSWORD).expect("login");
    pop.quit().expect("QUIT");
    assert_eq!(data.maildir(DEMO_USER).files("cur").len(), 1);

    // A 3 MiB message with dot-led lines lands in new/.
    let line = format!(".{}", "x".repeat(98));
    let lines: Vec<&str> = std::iter::repeat_n(line.as_str(), 30 * 1024).collect();
    let big = message(&unique("big"), "big", &lines);
    deliver(&server, &big);
    assert_eq!(data.maildir(DEMO_USER).files("new").len(), 1);

    let mut pop = Pop3::connect(server.addr("pop3"), Tls::Stls, &ca);
    pop.login(DEMO_USER, DEMO_PASSWORD).expect("login");
    assert_eq!(pop.stat().0, 2, "cur/ and new/ messages are both listed");
    let stored = maildir_messages(&root);
    let uids = pop.uidl();
    let (n, uid) = uids
        .iter()
        .find(|(_, uid)| stored.iter().any(|(id, d)| id == uid && ends_with(d, &big)))
        .expect("the big message is listed")
        .clone();
    let body = pop.retr(n);
    let file = &stored.iter().find(|(id, _)| *id == uid).expect("stored").1;
    assert!(body == *file, "the big message must come back exactly");
    pop.quit().expect("QUIT");
}
