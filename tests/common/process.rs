//! Child processes with deadlines, a watchdog per test, and the check for
//! the foreign programs the interop tests need.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The processes the harness started and has not reaped yet: the watchdog
/// kills them before it ends a test binary that overran.
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// Records a child the watchdog must kill if a test overruns.
pub fn register_pid(pid: u32) {
    if let Ok(mut live) = LIVE.lock() {
        live.push(pid);
    }
}

/// Forgets a child that was reaped.
pub fn unregister_pid(pid: u32) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|&p| p != pid);
    }
}

fn kill_registered() {
    let pids: Vec<u32> = match LIVE.lock() {
        Ok(live) => live.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    for pid in pids {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Ends the whole test binary (after killing the processes the harness
/// started) if it is not dropped within its limit. A hanging test becomes a
/// failed run with a message instead of a stuck CI job.
#[must_use = "the watchdog is disarmed when dropped"]
pub struct Watchdog {
    _disarm: mpsc::Sender<()>,
}

impl Watchdog {
    /// Arms a watchdog for the test `name`, after building the example
    /// binaries (a first build can take minutes and is not the test's time;
    /// a failed build is reported by the test that needs that example).
    pub fn new(name: &str, limit: Duration) -> Self {
        for example in super::EXAMPLES {
            let _ = super::try_example_binary(example);
        }
        let (tx, rx) = mpsc::channel::<()>();
        let name = name.to_owned();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                eprintln!("watchdog: test {name} did not finish within {limit:?}; aborting");
                kill_registered();
                std::process::exit(101);
            }
        });
        Watchdog { _disarm: tx }
    }
}

/// Whether a foreign program the test needs is there. When it is not: with
/// `MAILWIRE_REQUIRE_INTEROP` set (CI) the test fails, otherwise it is
/// skipped with a printed reason (the caller returns early on `false`).
///
/// `probe` is a command that succeeds only if the program is usable, e.g.
/// `["python3", "-c", "import aiosmtpd"]`.
pub fn require_program(what: &str, probe: &[&str]) -> bool {
    let ok = Command::new(probe[0])
        .args(&probe[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok || interop_missing(what, &format!("`{probe:?}` failed"))
}

/// Reports a missing foreign program: fails the test when
/// `MAILWIRE_REQUIRE_INTEROP` is set, otherwise prints why it is skipped
/// and returns `false`.
pub fn interop_missing(what: &str, why: &str) -> bool {
    if std::env::var_os("MAILWIRE_REQUIRE_INTEROP").is_some() {
        panic!("{what} is required (MAILWIRE_REQUIRE_INTEROP is set) but missing: {why}");
    }
    eprintln!(
        "SKIPPED: {what} is not available ({why}); set MAILWIRE_REQUIRE_INTEROP=1 to make this a failure"
    );
    false
}

/// What a finished child produced.
#[derive(Debug)]
pub struct Output {
    /// How it ended.
    pub status: ExitStatus,
    /// Its stdout.
    pub stdout: Vec<u8>,
    /// Its stderr.
    pub stderr: Vec<u8>,
}

impl Output {
    /// stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stderr as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Panics with both outputs unless the child exited with 0.
    pub fn assert_success(&self, what: &str) {
        assert!(
            self.status.success(),
            "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
            self.status,
            self.stdout_text(),
            self.stderr_text()
        );
    }
}

/// Runs `cmd` with `stdin` as its input, collecting stdout and stderr, and
/// kills it (and fails the test) if it runs longer than `limit`.
pub fn run_with_timeout(cmd: &mut Command, stdin: &[u8], limit: Duration) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("starting {cmd:?}: {e}"));
    let pid = child.id();
    register_pid(pid);
    let mut input = child.stdin.take().expect("stdin is piped");
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        // A child that exits early closes its stdin: that is its business.
        let _ = input.write_all(&data);
    });
    let out = read_all_in_thread(child.stdout.take().expect("stdout is piped"));
    let err = read_all_in_thread(child.stderr.take().expect("stderr is piped"));
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                unregister_pid(pid);
                let stdout = out.recv_timeout(Duration::from_secs(2)).unwrap_or_default();
                let stderr = err.recv_timeout(Duration::from_secs(2)).unwrap_or_default();
                panic!(
                    "{cmd:?} did not finish within {limit:?}; killed.\nstdout:\n{}\nstderr:\n{}",
                    String::from_utf8_lossy(&stdout),
                    String::from_utf8_lossy(&stderr)
                );
            }
            Err(e) => panic!("waiting for {cmd:?}: {e}"),
        }
    };
    unregister_pid(pid);
    let _ = writer.join();
    // The pipes close when the child exits, unless it left a grandchild
    // holding them: bound that wait too.
    let stdout = out
        .recv_timeout(Duration::from_secs(10))
        .expect("stdout of the child was not closed");
    let stderr = err
        .recv_timeout(Duration::from_secs(10))
        .expect("stderr of the child was not closed");
    Output {
        status,
        stdout,
        stderr,
    }
}

fn read_all_in_thread(mut pipe: impl Read + Send + 'static) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}
