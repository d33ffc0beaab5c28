//! Shared harness of the end-to-end tests: finds the example binaries that
//! `cargo test` built, starts `mailserver` in a fresh data directory on
//! loopback with every port chosen by the kernel, runs foreign programs
//! (python3, curl) with a time limit, and reads what landed in the Maildir.
//!
//! Nothing here can hang a test run: every wait has a deadline, and each
//! test holds a [`Watchdog`] that kills the processes the harness started
//! and ends the test binary if the test overruns.
#![allow(dead_code)]

pub mod maildir;
pub mod peers;
pub mod process;
pub mod smtp;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use process::{Watchdog, register_pid, unregister_pid};

/// The user every server in these tests has, besides the ones a test adds.
pub const DEMO_USER: &str = "demo";
/// The password of [`DEMO_USER`].
pub const DEMO_PASSWORD: &str = "demo";

/// How long a server may take to print its `listening` lines.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// How much of the server's stderr is kept for failure messages.
const STDERR_KEEP: usize = 64 * 1024;

/// The examples the end-to-end tests run, built before any watchdog is
/// armed (others are built on first use by [`example_binary`]).
pub const EXAMPLES: &[&str] = &["mailserver", "smtp_send", "pop3_fetch"];

/// The path of an example binary of this package, built (once per test
/// binary) next to the test executable: `target/<profile>/deps/<test>-<hash>`
/// has its examples in `target/<profile>/examples/<name>`.
///
/// `cargo test` builds examples with `test = true` only as test harnesses,
/// so the runnable binaries are built here with the same cargo, target
/// directory and profile; when they are up to date that is a quick no-op,
/// and it also keeps a stale binary from an earlier build from being
/// tested. Each example is built on its own, so that one that does not
/// compile fails only the tests that need it.
pub fn example_binary(name: &str) -> PathBuf {
    try_example_binary(name).unwrap_or_else(|e| panic!("{e}"))
}

/// [`example_binary`], reporting a failed build as an error.
pub fn try_example_binary(name: &str) -> Result<PathBuf, String> {
    type Built = std::collections::HashMap<String, Result<PathBuf, String>>;
    static BUILT: Mutex<Option<Built>> = Mutex::new(None);
    let mut built = BUILT
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    built
        .get_or_insert_with(Built::new)
        .entry(name.to_owned())
        .or_insert_with(|| build_example(name))
        .clone()
}

/// Runs `cargo build --example NAME`; returns the binary's path.
fn build_example(name: &str) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("the test executable: {e}"))?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("the test executable does not live in target/<profile>/deps")?
        .to_owned();
    let target_dir = profile_dir
        .parent()
        .ok_or("no target directory above the profile directory")?;
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("the profile directory has no name")?;
    // Cargo tells the tests which cargo runs them; fall back to PATH.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .args(["--package", env!("CARGO_PKG_NAME"), "--example", name])
        .env("CARGO_TARGET_DIR", target_dir);
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let out = process::run_with_timeout(&mut cmd, b"", Duration::from_secs(900));
    if !out.status.success() {
        return Err(format!(
            "building the example {name} failed ({cmd:?}):\n{}",
            out.stderr_text()
        ));
    }
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        return Err(format!(
            "{} does not exist after building it",
            path.display()
        ));
    }
    Ok(path)
}

/// A data directory for `mailserver` that outlives server restarts and is
/// removed at the end of the test.
pub struct DataDir {
    dir: tempfile::TempDir,
}

impl DataDir {
    /// A new, empty directory.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("mailwire-e2e-")
            .tempdir()
            .expect("create a temporary data directory");
        DataDir { dir }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The Maildir of `user`.
    pub fn maildir(&self, user: &str) -> maildir::Maildir {
        maildir::Maildir::new(self.path().join(user).join("Maildir"))
    }
}

/// Options of one `mailserver` start.
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// `--user NAME:PASSWORD`, in order. Empty means the server's default
    /// (demo/demo).
    pub users: Vec<(String, String)>,
    /// `--domain`.
    pub domain: Option<String>,
    /// `--max-message-size`.
    pub max_message_size: Option<u64>,
    /// The listeners that must be up before the server counts as started.
    pub wait_for: Vec<&'static str>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            users: Vec::new(),
            domain: None,
            max_message_size: None,
            wait_for: vec!["smtp", "submission", "smtps"],
        }
    }
}

impl ServerOptions {
    /// Adds a user.
    pub fn user(mut self, name: &str, password: &str) -> Self {
        self.users.push((name.to_owned(), password.to_owned()));
        self
    }

    /// Sets `--max-message-size`.
    pub fn max_message_size(mut self, bytes: u64) -> Self {
        self.max_message_size = Some(bytes);
        self
    }
}

/// A running `mailserver`, killed (SIGKILL) and reaped on drop.
pub struct MailServer {
    child: Child,
    pid: u32,
    listeners: BTreeMap<String, SocketAddr>,
    data: PathBuf,
    stderr: Arc<Mutex<Vec<u8>>>,
}

impl MailServer {
    /// Starts `mailserver` on `data` with all ports 0 on 127.0.0.1 and waits
    /// (bounded) until the listeners named in `options.wait_for` are up.
    pub fn start(data: &DataDir, options: &ServerOptions) -> Self {
        let bin = example_binary("mailserver");
        let mut cmd = Command::new(&bin);
        cmd.arg("--data")
            .arg(data.path())
            .args(["--bind", "127.0.0.1"]);
        for flag in [
            "--smtp-port",
            "--submission-port",
            "--smtps-port",
            "--pop3-port",
            "--pop3s-port",
            "--imap-port",
            "--imaps-port",
        ] {
            cmd.args([flag, "0"]);
        }
        for (name, password) in &options.users {
            cmd.arg("--user").arg(format!("{name}:{password}"));
        }
        if let Some(domain) = &options.domain {
            cmd.args(["--domain", domain]);
        }
        if let Some(max) = options.max_message_size {
            cmd.args(["--max-message-size", &max.to_string()]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display()));
        let pid = child.id();
        register_pid(pid);

        let stderr = Arc::new(Mutex::new(Vec::new()));
        let err_pipe = child.stderr.take().expect("stderr is piped");
        let err_keep = Arc::clone(&stderr);
        std::thread::spawn(move || keep_tail(err_pipe, &err_keep));

        let (tx, rx) = mpsc::channel();
        let out_pipe = child.stdout.take().expect("stdout is piped");
        std::thread::spawn(move || {
            // Keeps draining stdout for the server's whole life, so that
            // its writes never block on a full pipe.
            for line in BufReader::new(out_pipe).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    // Nobody listens any more: keep draining silently.
                    continue;
                }
            }
        });

        let mut server = MailServer {
            child,
            pid,
            listeners: BTreeMap::new(),
            data: data.path().to_owned(),
            stderr,
        };
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        while !options
            .wait_for
            .iter()
            .all(|name| server.listeners.contains_key(*name))
        {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => server.parse_line(&line),
                Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                    "mailserver printed no `listening` line for {:?} within {STARTUP_TIMEOUT:?}; \
                     got {:?}; stderr:\n{}",
                    options.wait_for,
                    server.listeners,
                    server.stderr_tail()
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = server.wait_exit(Duration::from_secs(5));
                    panic!(
                        "mailserver exited before it was listening ({status:?}); stderr:\n{}",
                        server.stderr_tail()
                    )
                }
            }
        }
        // Any further `listening` lines (POP3, IMAP) are not waited for:
        // they arrive on the same channel and are read on demand.
        std::thread::sleep(Duration::from_millis(50));
        while let Ok(line) = rx.try_recv() {
            server.parse_line(&line);
        }
        server
    }

    /// Starts `mailserver` with the default options.
    pub fn start_default(data: &DataDir) -> Self {
        Self::start(data, &ServerOptions::default())
    }

    fn parse_line(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix("listening ") else {
            return;
        };
        let mut parts = rest.split(' ');
        let (Some(name), Some(addr), None) = (parts.next(), parts.next(), parts.next()) else {
            panic!("malformed listening line {line:?}");
        };
        let addr: SocketAddr = addr
            .parse()
            .unwrap_or_else(|e| panic!("malformed address in {line:?}: {e}"));
        assert!(
            addr.ip().is_loopback(),
            "listener {name} is not on loopback: {line:?}"
        );
        assert_ne!(addr.port(), 0, "listener {name} has port 0: {line:?}");
        let old = self.listeners.insert(name.to_owned(), addr);
        assert!(old.is_none(), "listener {name} announced twice");
    }

    /// The address of a listener (`smtp`, `submission`, `smtps`, ...).
    pub fn addr(&self, name: &str) -> SocketAddr {
        *self.listeners.get(name).unwrap_or_else(|| {
            panic!(
                "mailserver announced no {name} listener (got {:?})",
                self.listeners
            )
        })
    }

    /// The port of a listener.
    pub fn port(&self, name: &str) -> u16 {
        self.addr(name).port()
    }

    /// All listeners announced so far.
    pub fn listeners(&self) -> &BTreeMap<String, SocketAddr> {
        &self.listeners
    }

    /// The self-signed certificate the server made (its CA for clients).
    pub fn ca_path(&self) -> PathBuf {
        let path = self.data.join("tls").join("cert.pem");
        assert!(
            path.is_file(),
            "mailserver wrote no certificate at {}",
            path.display()
        );
        path
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// A field of /proc/<pid>/status in kB (`VmRSS`, `VmHWM`).
    pub fn proc_status_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("read /proc/<pid>/status of mailserver");
        status
            .lines()
            .find_map(|line| {
                let rest = line.strip_prefix(field)?.strip_prefix(':')?;
                rest.trim().strip_suffix("kB")?.trim().parse().ok()
            })
            .unwrap_or_else(|| panic!("no {field} in /proc/{}/status", self.pid))
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The last part of what the server wrote to stderr.
    pub fn stderr_tail(&self) -> String {
        let buf = self.stderr.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&buf).into_owned()
    }

    /// Kills the server with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.wait_exit(Duration::from_secs(10));
        unregister_pid(self.pid);
    }

    fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => return None,
            }
        }
    }
}

impl Drop for MailServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Keeps the last [`STDERR_KEEP`] bytes of a pipe.
fn keep_tail(mut pipe: impl Read, keep: &Mutex<Vec<u8>>) {
    let mut buf = [0u8; 8192];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let Ok(mut kept) = keep.lock() else { return };
                kept.extend_from_slice(&buf[..n]);
                if kept.len() > STDERR_KEEP {
                    let cut = kept.len() - STDERR_KEEP;
                    kept.drain(..cut);
                }
            }
        }
    }
}

/// A message with CRLF line endings and a unique `Message-ID`, made of
/// `lines` (joined with CRLF and ended with CRLF).
pub fn message(message_id: &str, subject: &str, body_lines: &[&str]) -> Vec<u8> {
    let mut msg = format!(
        "From: Sender <sender@example.org>\r\nTo: demo@localhost\r\nSubject: {subject}\r\n\
         Message-ID: <{message_id}>\r\nDate: Sat, 21 Nov 2026 12:00:00 +0000\r\n\r\n"
    )
    .into_bytes();
    for line in body_lines {
        msg.extend_from_slice(line.as_bytes());
        msg.extend_from_slice(b"\r\n");
    }
    msg
}

/// A process-unique token for Message-IDs and file names.
pub fn unique(tag: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{tag}.{}.{nanos}.{n}", std::process::id())
}

/// The trace fields mailserver writes above every message it delivers
/// (RFC 5321 §4.4), which the tests check exactly:
///
/// ```text
/// Return-Path: <FROM>
/// Received: from HELO ([127.0.0.1])
/// <TAB>by localhost with PROTOCOL id ID
/// <TAB>for <RCPT>; DATE
/// ```
///
/// PROTOCOL is the RFC 3848 name (ESMTP, ESMTPS, ESMTPA, ESMTPSA), ID the
/// start of the Maildir file name, DATE the RFC 5322 date-time in UTC.
#[derive(Clone, Copy, Debug)]
pub struct Trace<'a> {
    /// The envelope sender ("" for `<>`).
    pub from: &'a str,
    /// The EHLO argument the client gave.
    pub helo: &'a str,
    /// The RFC 3848 protocol name.
    pub protocol: &'a str,
    /// The recipient as given in RCPT TO.
    pub rcpt: &'a str,
}

impl<'a> Trace<'a> {
    /// A trace expectation.
    pub fn new(from: &'a str, helo: &'a str, protocol: &'a str, rcpt: &'a str) -> Self {
        Trace {
            from,
            helo,
            protocol,
            rcpt,
        }
    }
}

/// Checks the trace fields at the start of `stored` (the Maildir file
/// `file_name`) against `trace` and returns the rest, which must be the
/// message exactly as the client sent it.
pub fn strip_trace<'b>(file_name: &str, stored: &'b [u8], trace: &Trace) -> &'b [u8] {
    let mut rest = stored;
    let mut line = |what: &str| -> String {
        let end = maildir::find(rest, b"\r\n")
            .unwrap_or_else(|| panic!("{file_name}: no {what} line in {:?}", show(stored)));
        let text = String::from_utf8(rest[..end].to_vec())
            .unwrap_or_else(|_| panic!("{file_name}: {what} line is not UTF-8"));
        rest = &rest[end + 2..];
        text
    };
    let return_path = line("Return-Path");
    assert_eq!(
        return_path,
        format!("Return-Path: <{}>", trace.from),
        "{file_name}: Return-Path"
    );
    let received = line("Received");
    assert_eq!(
        received,
        format!("Received: from {} ([127.0.0.1])", trace.helo),
        "{file_name}: Received"
    );
    let by = line("Received by");
    let prefix = format!("\tby localhost with {} id ", trace.protocol);
    let id = by
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{file_name}: {by:?} does not start with {prefix:?}"));
    assert!(
        !id.is_empty() && file_name.starts_with(&format!("{id}.")),
        "{file_name}: Received id {id:?} is not the start of the file name"
    );
    let for_line = line("Received for");
    let prefix = format!("\tfor <{}>; ", trace.rcpt);
    let date = for_line
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{file_name}: {for_line:?} does not start with {prefix:?}"));
    check_date(file_name, date);
    rest
}

/// `Www, D Mmm YYYY HH:MM:SS +0000`, a consistent weekday, within an hour
/// of now.
fn check_date(file_name: &str, date: &str) {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let bad = || panic!("{file_name}: bad date {date:?}");
    let parts: Vec<&str> = date.split(' ').collect();
    let [weekday, day, month, year, time, zone] = parts[..] else {
        bad()
    };
    let weekday = weekday.strip_suffix(',').unwrap_or_else(|| bad());
    let weekday = WEEKDAYS
        .iter()
        .position(|w| *w == weekday)
        .unwrap_or_else(|| bad());
    let month = MONTHS
        .iter()
        .position(|m| *m == month)
        .unwrap_or_else(|| bad()) as i64
        + 1;
    if day.starts_with('0') || year.len() != 4 || zone != "+0000" {
        bad();
    }
    let number = |s: &str| s.parse::<i64>().unwrap_or_else(|_| bad());
    let (day, year) = (number(day), number(year));
    let hms: Vec<i64> = time
        .split(':')
        .map(|t| {
            if t.len() != 2 {
                bad();
            }
            number(t)
        })
        .collect();
    let [h, m, s] = hms[..] else { bad() };
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        bad();
    }
    let days = days_from_civil(year, month, day);
    assert_eq!(
        (days + 4).rem_euclid(7) as usize,
        weekday,
        "{file_name}: weekday does not match the date {date:?}"
    );
    let then = days * 86_400 + h * 3600 + m * 60 + s;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    assert!(
        (then - now).abs() < 3600,
        "{file_name}: date {date:?} is not now (UTC)"
    );
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    // Count years from March, so that the leap day ends a year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn show(data: &[u8]) -> String {
    String::from_utf8_lossy(&data[..data.len().min(2048)]).into_owned()
}

/// Asserts that `user`'s Maildir holds exactly one message in new/: the
/// trace fields of `trace`, then exactly `sent`.
pub fn assert_single_delivery(data: &DataDir, user: &str, trace: &Trace, sent: &[u8]) {
    let mut all = data.maildir(user).new_messages();
    assert_eq!(
        all.len(),
        1,
        "expected exactly one message in new/ of {user}, found {:?}",
        all.keys().collect::<Vec<_>>()
    );
    let (name, stored) = all.pop_first().unwrap_or_default();
    let payload = strip_trace(&name, &stored, trace);
    assert!(
        payload == sent,
        "stored message differs from the one sent\nsent:   {:?}\nstored: {:?}",
        show(sent),
        show(&stored)
    );
}
