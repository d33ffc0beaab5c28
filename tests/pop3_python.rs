//! Python's poplib, a client nobody here wrote, against `mailserver`'s POP3
//! (tests/peers/poplib_client.py): STLS verified against the server's
//! certificate, USER/PASS, LIST/UIDL/TOP/RETR of a message whose lines
//! start with dots (byte-identical to what SMTP delivered), DELE and QUIT
//! after which the file is gone; and POP3_SSL on the pop3s port.
//!
//! Needs python3; skipped with a message when it is missing, unless
//! `MAILWIRE_REQUIRE_INTEROP` is set.

mod common;
mod pop3_common;

use std::process::Command;
use std::time::Duration;

use common::peers::{CLIENT_TIMEOUT, peer_script};
use common::process::{require_program, run_with_timeout};
use common::{DEMO_PASSWORD, DEMO_USER, DataDir, MailServer, Watchdog, message, unique};
use pop3_common::{deliver, maildir_messages};
use serde_json::{Value, json};

const TEST_LIMIT: Duration = Duration::from_secs(180);

fn have_poplib() -> bool {
    require_program(
        "python3 with poplib",
        &["python3", "-c", "import poplib, ssl, json"],
    )
}

fn poplib(spec: &Value) -> Value {
    let out = run_with_timeout(
        Command::new("python3").arg(peer_script("poplib_client.py")),
        spec.to_string().as_bytes(),
        CLIENT_TIMEOUT,
    );
    out.assert_success("poplib_client.py");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "poplib_client.py printed no JSON ({e}): {}",
            out.stdout_text()
        )
    })
}

fn unhex(s: &Value) -> Vec<u8> {
    let s = s.as_str().expect("a hex string");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn dotted_message() -> Vec<u8> {
    message(
        &unique("poplib"),
        "dots",
        &[
            ".leading dot",
            "..two leading dots",
            ".",
            "...",
            "plain line",
        ],
    )
}

#[test]
fn poplib_stls_user_pass_retr_top_dele() {
    if !have_poplib() {
        return;
    }
    let _dog = Watchdog::new("poplib_stls", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let sent = dotted_message();
    deliver(&server, &sent);
    let other = message(&unique("poplib"), "second", &["hello"]);
    deliver(&server, &other);
    let root = data.path().join(DEMO_USER).join("Maildir");
    let stored = maildir_messages(&root);
    assert_eq!(stored.len(), 2);

    let result = poplib(&json!({
        "host": "localhost",
        "port": server.port("pop3"),
        "tls": "stls",
        "cafile": server.ca_path(),
        "user": DEMO_USER,
        "password": DEMO_PASSWORD,
        "top": [1, 0],
        "dele": [1],
    }));
    let before: Vec<&str> = result["capa_before"]
        .as_array()
        .expect("capa")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        before.contains(&"STLS") && !before.contains(&"USER"),
        "{before:?}"
    );
    assert!(result["capa"].get("USER").is_some(), "{}", result["capa"]);
    assert!(result["capa"].get("UIDL").is_some());
    assert!(result["capa"].get("TOP").is_some());

    let total: u64 = stored.iter().map(|(_, d)| d.len() as u64).sum();
    assert_eq!(result["stat"], json!([2, total]));
    let uidl: Vec<String> = result["uidl"]
        .as_array()
        .expect("uidl")
        .iter()
        .map(|v| v.as_str().expect("line").to_owned())
        .collect();
    let list: Vec<String> = result["list"]
        .as_array()
        .expect("list")
        .iter()
        .map(|v| v.as_str().expect("line").to_owned())
        .collect();
    let retr: Vec<Vec<u8>> = result["retr_hex"]
        .as_array()
        .expect("retr")
        .iter()
        .map(unhex)
        .collect();
    assert_eq!(retr.len(), 2);
    for (i, line) in uidl.iter().enumerate() {
        let (n, uid) = line.split_once(' ').expect("msg uid");
        assert_eq!(n, (i + 1).to_string());
        let file = &stored
            .iter()
            .find(|(id, _)| id == uid)
            .expect("UIDL is a file")
            .1;
        assert_eq!(&retr[i], file, "RETR {n} is the stored file, byte for byte");
        assert_eq!(list[i], format!("{n} {}", file.len()));
    }
    // Message 1 is the dotted one, exactly as SMTP delivered it (after the
    // trace fields the server added).
    assert!(retr[0].ends_with(&sent), "dots must survive both ways");
    // TOP 1 0: the header and the empty line.
    let top = unhex(&result["top_hex"]);
    let header_end = retr[0]
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header")
        + 4;
    assert_eq!(top, retr[0][..header_end].to_vec());
    assert_eq!(result["stat_after_dele"][0], json!(1));
    assert!(result["quit"].as_str().unwrap_or("").starts_with("+OK"));

    // DELE 1 took effect at QUIT: only the other message is left.
    let left = maildir_messages(&root);
    assert_eq!(left.len(), 1);
    assert!(left[0].1.ends_with(&other));
}

#[test]
fn poplib_pop3_ssl() {
    if !have_poplib() {
        return;
    }
    let _dog = Watchdog::new("poplib_pop3_ssl", TEST_LIMIT);
    let data = DataDir::new();
    let server = MailServer::start_default(&data);
    let sent = dotted_message();
    deliver(&server, &sent);
    let result = poplib(&json!({
        "host": "localhost",
        "port": server.port("pop3s"),
        "tls": "ssl",
        "cafile": server.ca_path(),
        "user": DEMO_USER,
        "password": DEMO_PASSWORD,
        "top": null,
        "dele": [],
    }));
    let retr = unhex(&result["retr_hex"][0]);
    let root = data.path().join(DEMO_USER).join("Maildir");
    let stored = maildir_messages(&root);
    assert_eq!(stored.len(), 1, "nothing deleted");
    assert_eq!(retr, stored[0].1);
    assert!(retr.ends_with(&sent));
    let sasl = result["capa"]["SASL"].to_string();
    for mech in ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN", "LOGIN"] {
        assert!(sasl.contains(mech), "{sasl}");
    }
}
