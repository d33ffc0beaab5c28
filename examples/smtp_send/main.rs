//! `smtp_send`: sends one message over SMTP with the mailwire client machine
//! (`mailwire::smtp::Client`) driven by `mailwire-tokio`.
//!
//! ```text
//! smtp_send --server HOST:PORT [--starttls | --tls] [--ca PEM]
//!           [--user U (--password P | --password-file F)]
//!           --from ADDR --to ADDR [--to ADDR]... [FILE]
//! ```
//!
//! The message is read from FILE (or stdin when FILE is absent or `-`). Its
//! lines should end with CRLF; a bare LF or CR is sent as CRLF (RFC 5321
//! §2.3.8). `--starttls` upgrades the connection with STARTTLS (RFC 3207)
//! and fails rather than go on in cleartext; `--tls` speaks TLS from the
//! first byte (RFC 8314 §3.3, port 465). Certificates are verified against
//! the Mozilla roots, or only against `--ca`. Credentials are never sent in
//! cleartext: `--user` without `--starttls`/`--tls` is refused unless
//! `--allow-cleartext-auth` is given.
//!
//! It prints one line per recipient, in the order given, with the reply
//! that decided its fate, e.g. `alice@localhost: 250 2.0.0 Ok`.
//!
//! Exit status: 0 when every recipient was accepted; 1 when a recipient or
//! the message was refused; 2 for usage errors and when the connection,
//! TLS or authentication failed.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod session;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use mailwire::smtp::{Host, Mailbox, ReversePath};

use crate::session::{Outcome, Recipient, Security, SessionError, Settings};

/// Sends one message over SMTP.
#[derive(Debug, Parser)]
#[command(name = "smtp_send", version)]
struct Args {
    /// The server, HOST:PORT (an IPv6 address in brackets: [::1]:25).
    #[arg(long, value_name = "HOST:PORT")]
    server: String,
    /// Upgrade the connection with STARTTLS (required: no cleartext fallback).
    #[arg(long, conflicts_with = "tls")]
    starttls: bool,
    /// TLS from the first byte (implicit TLS, e.g. port 465).
    #[arg(long)]
    tls: bool,
    /// Trust only the certificates in this PEM file (a private CA, or a
    /// self-signed server certificate) instead of the Mozilla roots.
    #[arg(long, value_name = "PEM")]
    ca: Option<PathBuf>,
    /// The user name to authenticate with (AUTH, RFC 4954).
    #[arg(long)]
    user: Option<String>,
    /// The password of --user. Visible to other users in the process
    /// list: prefer --password-file.
    #[arg(long, requires = "user", conflicts_with = "password_file")]
    password: Option<String>,
    /// Read the password of --user from the first line of this file.
    #[arg(long, value_name = "FILE", requires = "user")]
    password_file: Option<PathBuf>,
    /// Allow sending --user/--password without TLS. Anyone on the path can
    /// read them.
    #[arg(long)]
    allow_cleartext_auth: bool,
    /// The envelope sender (MAIL FROM); an empty string sends the null
    /// reverse-path `<>`.
    #[arg(long, value_name = "ADDR")]
    from: String,
    /// An envelope recipient (RCPT TO); repeatable.
    #[arg(long, value_name = "ADDR", required = true)]
    to: Vec<String>,
    /// The name to greet the server with (EHLO). Default: the address
    /// literal of our end of the connection, e.g. [127.0.0.1].
    #[arg(long, value_name = "NAME")]
    helo: Option<String>,
    /// Seconds to wait for the connection, the TLS handshake and each
    /// answer of the server.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    timeout: u64,
    /// Report the steps of the session on stderr.
    #[arg(short, long)]
    verbose: bool,
    /// The message (RFC 5322); stdin when absent or `-`.
    file: Option<PathBuf>,
}

/// Exit status for a refused recipient or message.
const EXIT_REFUSED: u8 = 1;
/// Exit status for usage, connection, TLS and authentication failures.
const EXIT_FAILED: u8 = 2;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let settings = match settings(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("smtp_send: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let body = match read_message(args.file.as_deref()) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("smtp_send: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let report = session::send(&settings, body).await;
    for (rcpt, outcome) in settings.recipients.iter().zip(&report.outcomes) {
        match outcome {
            Outcome::Reply(reply) => println!("{}: {}", rcpt.text, session::reply_line(reply)),
            Outcome::NotSent(why) => println!("{}: not delivered ({why})", rcpt.text),
        }
    }
    if let Some(error) = &report.error {
        eprintln!("smtp_send: {error}");
        return ExitCode::from(match error {
            SessionError::MessageRefused(_) => EXIT_REFUSED,
            _ => EXIT_FAILED,
        });
    }
    let all_accepted = report
        .outcomes
        .iter()
        .all(|o| matches!(o, Outcome::Reply(r) if r.code.is_positive()));
    if all_accepted {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_REFUSED)
    }
}

/// Checks the arguments and turns them into what the session needs.
fn settings(args: &Args) -> Result<Settings, String> {
    let (host, port) = split_host_port(&args.server)?;
    let security = match (args.starttls, args.tls) {
        (true, _) => Security::StartTls,
        (_, true) => Security::Implicit,
        _ => Security::None,
    };
    if args.user.is_some() && security == Security::None && !args.allow_cleartext_auth {
        return Err(
            "refusing to send the password without TLS: add --starttls or --tls \
             (or --allow-cleartext-auth if anyone on the path may read it)"
                .to_owned(),
        );
    }
    if args.ca.is_some() && security == Security::None {
        return Err("--ca needs --starttls or --tls".to_owned());
    }
    let from = if args.from.is_empty() {
        ReversePath::Null
    } else {
        ReversePath::Mailbox(
            Mailbox::new(&args.from)
                .map_err(|e| format!("--from {:?} is not a valid address: {e}", args.from))?,
        )
    };
    let recipients = args
        .to
        .iter()
        .map(|text| {
            Mailbox::new(text)
                .map(|mailbox| Recipient {
                    text: text.clone(),
                    mailbox,
                })
                .map_err(|e| format!("--to {text:?} is not a valid address: {e}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let helo = args
        .helo
        .as_deref()
        .map(|name| {
            Host::try_from(name).map_err(|e| format!("--helo {name:?} is not a host name: {e}"))
        })
        .transpose()?;
    let credentials = match (&args.user, &args.password, &args.password_file) {
        (Some(user), Some(password), _) => Some((user.clone(), password.clone())),
        (Some(user), None, Some(file)) => Some((user.clone(), read_password_file(file)?)),
        (Some(_), None, None) => return Err("--user needs --password or --password-file".into()),
        _ => None,
    };
    Ok(Settings {
        host,
        port,
        security,
        ca: args.ca.clone(),
        credentials,
        allow_cleartext_auth: args.allow_cleartext_auth,
        from,
        recipients,
        helo,
        timeout: Duration::from_secs(args.timeout.max(1)),
        verbose: args.verbose,
    })
}

/// `host:port`, `[v6]:port`.
fn split_host_port(server: &str) -> Result<(String, u16), String> {
    let bad = || format!("--server {server:?} is not HOST:PORT");
    let (host, port) = server.rsplit_once(':').ok_or_else(bad)?;
    let host = match host.strip_prefix('[') {
        Some(inner) => inner.strip_suffix(']').ok_or_else(bad)?,
        None if host.contains(':') => return Err(bad()),
        None => host,
    };
    if host.is_empty() {
        return Err(bad());
    }
    let port = port.parse().map_err(|_| bad())?;
    Ok((host.to_owned(), port))
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

/// The message from a file, or stdin.
fn read_message(file: Option<&std::path::Path>) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    match file {
        Some(path) if path.as_os_str() != "-" => {
            body = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        }
        _ => {
            std::io::stdin()
                .lock()
                .read_to_end(&mut body)
                .map_err(|e| format!("reading the message from stdin: {e}"))?;
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(extra: &[&str]) -> Result<Settings, String> {
        let mut argv = vec![
            "smtp_send",
            "--server",
            "127.0.0.1:2525",
            "--from",
            "a@b.example",
        ];
        argv.extend_from_slice(extra);
        let args = Args::try_parse_from(argv).map_err(|e| e.to_string())?;
        settings(&args)
    }

    #[test]
    fn credentials_need_tls_unless_explicitly_allowed() {
        let Err(err) = parse(&["--to", "c@d.example", "--user", "u", "--password", "p"]) else {
            panic!("cleartext credentials must be refused");
        };
        assert!(err.contains("without TLS"), "{err}");
        assert!(
            parse(&[
                "--to",
                "c@d.example",
                "--user",
                "u",
                "--password",
                "p",
                "--starttls"
            ])
            .is_ok()
        );
        assert!(
            parse(&[
                "--to",
                "c@d.example",
                "--user",
                "u",
                "--password",
                "p",
                "--tls"
            ])
            .is_ok()
        );
        let s = parse(&[
            "--to",
            "c@d.example",
            "--user",
            "u",
            "--password",
            "p",
            "--allow-cleartext-auth",
        ])
        .expect("explicitly allowed");
        assert!(s.allow_cleartext_auth);
        assert_eq!(s.security, Security::None);
    }

    #[test]
    fn password_from_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        std::fs::write(&file, "s3cret word\r\nignored\n").unwrap();
        let path = file.to_str().unwrap();
        let s = parse(&[
            "--to",
            "c@d.example",
            "--tls",
            "--user",
            "u",
            "--password-file",
            path,
        ])
        .expect("valid");
        assert_eq!(
            s.credentials,
            Some(("u".to_owned(), "s3cret word".to_owned()))
        );
        // Not both, not without a user, not a missing or empty file.
        assert!(
            parse(&[
                "--to",
                "c@d.example",
                "--tls",
                "--user",
                "u",
                "--password",
                "p",
                "--password-file",
                path,
            ])
            .is_err()
        );
        assert!(parse(&["--to", "c@d.example", "--tls", "--password-file", path]).is_err());
        let missing = dir.path().join("missing");
        let err = parse(&[
            "--to",
            "c@d.example",
            "--tls",
            "--user",
            "u",
            "--password-file",
            missing.to_str().unwrap(),
        ])
        .unwrap_err();
        assert!(err.contains("--password-file"), "{err}");
        std::fs::write(&file, "\n").unwrap();
        assert!(
            parse(&[
                "--to",
                "c@d.example",
                "--tls",
                "--user",
                "u",
                "--password-file",
                path
            ])
            .is_err()
        );
    }

    #[test]
    fn options_that_go_together() {
        assert!(parse(&["--to", "c@d.example", "--starttls", "--tls"]).is_err());
        assert!(parse(&["--to", "c@d.example", "--user", "u"]).is_err());
        assert!(parse(&["--to", "c@d.example", "--password", "p"]).is_err());
        assert!(parse(&["--to", "c@d.example", "--ca", "x.pem"]).is_err());
        assert!(parse(&[]).is_err(), "at least one --to");
        assert!(parse(&["--to", "not an address"]).is_err());
        assert!(parse(&["--to", "c@d.example", "--helo", "bad name!"]).is_err());
    }

    #[test]
    fn server_addresses() {
        assert_eq!(
            split_host_port("mx.example:25").unwrap(),
            ("mx.example".into(), 25)
        );
        assert_eq!(split_host_port("[::1]:587").unwrap(), ("::1".into(), 587));
        assert!(split_host_port("::1:25").is_err());
        assert!(split_host_port("mx.example").is_err());
        assert!(split_host_port(":25").is_err());
        assert!(split_host_port("mx.example:99999").is_err());
    }

    #[test]
    fn null_sender_and_recipients_in_order() {
        let mut argv = vec!["smtp_send", "--server", "h:1", "--from", ""];
        argv.extend_from_slice(&["--to", "x@y.example", "--to", "a@b.example"]);
        let s = settings(&Args::try_parse_from(argv).unwrap()).unwrap();
        assert_eq!(s.from, ReversePath::Null);
        let texts: Vec<_> = s.recipients.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["x@y.example", "a@b.example"]);
    }
}
