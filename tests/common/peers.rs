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
    if has("smtp") && has("smtps") {
        return true;
    }
    interop_missing(
        "curl with SMTP",
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
