//! The foreign programs the interop tests run: Python's smtplib (through
//! tests/peers/smtplib_client.py), curl, and the aiosmtpd server
//! (tests/peers/aiosmtpd_server.py).

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::process::{Output, interop_missing, require_program, run_with_timeout};

/// How long one run of a foreign client may take.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

/// A script in tests/peers/.
pub fn peer_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("peers")
        .join(name)
}

/// Whether python3 is there (see [`require_program`]).
pub fn have_python() -> bool {
    require_program("python3", &["python3", "-c", "import smtplib, ssl, json"])
}

/// Whether curl with SMTP and TLS support is there.
pub fn have_curl() -> bool {
    have_curl_with(&["smtp", "smtps"])
}

/// Whether curl is there and speaks every one of `wanted` (as named in the
/// `Protocols:` line of `curl --version`).
pub fn have_curl_with(wanted: &[&str]) -> bool {
    if !require_program("curl", &["curl", "--version"]) {
        return false;
    }
    let out = run_with_timeout(
        Command::new("curl").arg("--version"),
        b"",
        Duration::from_secs(10),
    );
    let text = out.stdout_text();
    let protocols = text
        .lines()
        .find_map(|l| l.strip_prefix("Protocols:"))
        .unwrap_or("");
    let has = |p: &str| protocols.split_whitespace().any(|x| x == p);
    if wanted.iter().all(|p| has(p)) {
        return true;
    }
    interop_missing(
        &format!("curl with {}", wanted.join(", ")),
        &format!("its protocols are {protocols:?}"),
    )
}

/// Whether python3 with aiosmtpd is there.
pub fn have_aiosmtpd() -> bool {
    require_program(
        "python3 with aiosmtpd",
        &["python3", "-c", "import aiosmtpd"],
    )
}

/// Runs smtplib_client.py with `spec` and returns its JSON result.
pub fn smtplib(spec: &Value) -> Value {
    let out = run_with_timeout(
        Command::new("python3").arg(peer_script("smtplib_client.py")),
        spec.to_string().as_bytes(),
        CLIENT_TIMEOUT,
    );
    out.assert_success("smtplib_client.py");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "smtplib_client.py printed no JSON ({e}):\n{}\nstderr:\n{}",
            out.stdout_text(),
            out.stderr_text()
        )
    })
}

/// Runs curl with `args` (plus `--silent --show-error` and a time limit),
/// with `stdin` as its input (`--upload-file -` reads it).
pub fn curl(args: &[&str], stdin: &[u8]) -> Output {
    run_with_timeout(
        Command::new("curl")
            .args(["--silent", "--show-error", "--max-time", "50"])
            .args(args),
        stdin,
        CLIENT_TIMEOUT,
    )
}

/// A running aiosmtpd (tests/peers/aiosmtpd_server.py) on 127.0.0.1 with
/// STARTTLS under a certificate made here; killed on drop.
pub struct Aiosmtpd {
    child: std::process::Child,
    pid: u32,
    port: u16,
    dir: tempfile::TempDir,
}

impl Aiosmtpd {
    /// Starts it; with `auth`, AUTH is required (and only under TLS); with
    /// `require_starttls`, nothing but EHLO/NOOP/QUIT before STARTTLS.
    pub fn start(auth: Option<(&str, &str)>, require_starttls: bool) -> Self {
        Self::start_with(
            auth,
            if require_starttls {
                &["--require-starttls"]
            } else {
                &[]
            },
        )
    }

    /// Starts it with implicit TLS (RFC 8314) instead of STARTTLS.
    pub fn start_implicit_tls(auth: Option<(&str, &str)>) -> Self {
        Self::start_with(auth, &["--implicit-tls"])
    }

    fn start_with(auth: Option<(&str, &str)>, flags: &[&str]) -> Self {
        use std::io::BufRead;

        let dir = tempfile::Builder::new()
            .prefix("mailwire-aiosmtpd-")
            .tempdir()
            .expect("temporary directory");
        let certified =
            rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                .expect("make a certificate");
        std::fs::write(dir.path().join("cert.pem"), certified.cert.pem()).expect("write cert");
        std::fs::write(
            dir.path().join("key.pem"),
            certified.key_pair.serialize_pem(),
        )
        .expect("write key");
        std::fs::create_dir(dir.path().join("out")).expect("out directory");

        let mut cmd = Command::new("python3");
        cmd.arg(peer_script("aiosmtpd_server.py"))
            .arg("--cert")
            .arg(dir.path().join("cert.pem"))
            .arg("--key")
            .arg(dir.path().join("key.pem"))
            .arg("--out")
            .arg(dir.path().join("out"));
        if let Some((user, password)) = auth {
            cmd.arg("--auth").arg(format!("{user}:{password}"));
        }
        cmd.args(flags);
        // stdin stays open for the server's life: when this process dies,
        // the pipe closes and the server exits on its own.
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("start aiosmtpd_server.py");
        let pid = child.id();
        super::register_pid(pid);
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let stderr = child.stderr.take().expect("stderr is piped");
        let stderr_text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let keep = std::sync::Arc::clone(&stderr_text);
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(mut kept) = keep.lock() {
                    if kept.len() < 64 * 1024 {
                        kept.push_str(&line);
                        kept.push('\n');
                    }
                }
            }
        });
        let mut server = Aiosmtpd {
            child,
            pid,
            port: 0,
            dir,
        };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => {
                server.port = line
                    .strip_prefix("port ")
                    .and_then(|p| p.trim().parse().ok())
                    .unwrap_or_else(|| panic!("aiosmtpd_server.py printed {line:?}"));
            }
            Err(e) => {
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "aiosmtpd_server.py did not report its port ({e}); stderr:\n{}",
                    stderr_text.lock().map(|s| s.clone()).unwrap_or_default()
                );
            }
        }
        server
    }

    /// `127.0.0.1:PORT`.
    pub fn server_arg(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The certificate it presents (self-signed).
    pub fn ca_path(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// The messages received so far, in order: the bytes and the envelope
    /// (`mail_from`, `rcpt_tos`, `mail_options`, `tls`, `authenticated`,
    /// `login`).
    pub fn messages(&self) -> Vec<(Vec<u8>, Value)> {
        let out = self.dir.path().join("out");
        let mut metas: Vec<PathBuf> = std::fs::read_dir(&out)
            .expect("read the out directory")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        metas.sort();
        metas
            .into_iter()
            .map(|meta| {
                let envelope: Value =
                    serde_json::from_slice(&std::fs::read(&meta).expect("read envelope"))
                        .expect("envelope is JSON");
                let data = std::fs::read(meta.with_extension("eml")).expect("read message");
                (data, envelope)
            })
            .collect()
    }
}

impl Drop for Aiosmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        super::unregister_pid(self.pid);
    }
}
