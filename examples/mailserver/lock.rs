//! Exclusive access to a maildrop across sessions and processes
//! (RFC 1939 §8: "the POP3 server ... acquires an exclusive-access lock on
//! the maildrop"), without OS file locks (`File::lock` needs a newer Rust
//! than this workspace supports) and without new dependencies.
//!
//! The lock is a file, `mailwire-pop3.lock` in the Maildir's directory,
//! made with `create_new` (`O_CREAT | O_EXCL`: exactly one creator wins,
//! on local file systems and NFSv3+), holding who owns it:
//!
//! ```text
//! mailwire-pop3-lock 1
//! pid 12345
//! start 9876543
//! boot 0f1e...
//! host mailhost
//! ```
//!
//! `start` is the process start time (clock ticks since boot, field 22 of
//! `/proc/<pid>/stat`) and `boot` the kernel's boot id, so that a reused
//! pid or a reboot is not mistaken for the owner.
//!
//! A lock left by a process that is gone (killed, crashed) is **stale** and
//! is broken:
//!
//! * Same host and boot, on Linux: the owner is alive exactly when
//!   `/proc/<pid>/stat` exists with the recorded start time.
//! * Same host, other boot id: the machine restarted since, so stale.
//! * Otherwise (another host on a shared file system, no `/proc`, or a
//!   file still being written): stale once not touched for [`STALE_AGE`];
//!   holders touch their lock every [`REFRESH_EVERY`].
//!
//! Breaking is serialised by a second `create_new` file,
//! `mailwire-pop3.lock.break`: under it, the lock is removed only if it
//! still holds the stale content that was judged, so two processes
//! breaking the same stale lock cannot remove each other's fresh one. A
//! `.break` file left by a crash in that short window is removed after
//! [`BREAK_STALE_AGE`].
//!
//! Releasing removes the lock only while it still holds our own record.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The lock file, in the Maildir's directory.
pub const LOCK_NAME: &str = "mailwire-pop3.lock";
/// Taken while a stale lock is being broken.
const BREAK_NAME: &str = "mailwire-pop3.lock.break";
/// A lock whose owner cannot be checked is stale after this long untouched.
pub const STALE_AGE: Duration = Duration::from_secs(30 * 60);
/// How often a holder touches its lock.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);
/// A `.break` file this old was left by a crash.
const BREAK_STALE_AGE: Duration = Duration::from_secs(30);
/// The first line of a lock file.
const MAGIC: &str = "mailwire-pop3-lock 1";
/// Lock files are tiny; anything longer is not ours.
const MAX_LOCK_FILE: u64 = 4096;

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pid: u32,
    /// Process start time in clock ticks since boot (Linux).
    start: Option<u64>,
    /// The kernel's boot id (Linux).
    boot: Option<String>,
    host: String,
}

impl Owner {
    /// This process.
    pub fn current() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: process_start(pid),
            boot: boot_id(),
            host: host_name(),
        }
    }

    fn encode(&self) -> String {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
        format!(
            "{MAGIC}\npid {}\nstart {}\nboot {}\nhost {}\n",
            self.pid,
            opt(self.start.map(|s| s.to_string())),
            opt(self.boot.clone()),
            self.host
        )
    }

    fn parse(text: &str) -> Option<Owner> {
        let mut lines = text.lines();
        if lines.next()? != MAGIC {
            return None;
        }
        let mut field = |name: &str| -> Option<String> {
            let value = lines.next()?.strip_prefix(name)?.strip_prefix(' ')?;
            Some(value.to_owned())
        };
        let pid = field("pid")?.parse().ok()?;
        let start = match field("start")?.as_str() {
            "-" => None,
            s => Some(s.parse().ok()?),
        };
        let boot = match field("boot")? {
            b if b == "-" => None,
            b => Some(b),
        };
        let host = field("host")?;
        if !text.ends_with('\n') {
            return None;
        }
        Some(Owner {
            pid,
            start,
            boot,
            host,
        })
    }

    /// Whether this recorded owner is certainly alive (`Some(true)`),
    /// certainly gone (`Some(false)`), or cannot be checked (`None`).
    fn alive(&self, me: &Owner) -> Option<bool> {
        if self.host != me.host {
            return None;
        }
        match (&self.boot, &me.boot) {
            (Some(theirs), Some(ours)) if theirs != ours => return Some(false),
            (Some(_), Some(_)) => {}
            _ => return None,
        }
        let stat = match fs::read_to_string(format!("/proc/{}/stat", self.pid)) {
            Ok(stat) => stat,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Some(false),
            Err(_) => return None,
        };
        match (self.start, parse_start(&stat)) {
            (Some(recorded), Some(now)) => Some(recorded == now),
            // A process with this pid runs; without start times we cannot
            // tell it from a reuse, so it counts as the owner.
            _ => Some(true),
        }
    }
}

/// What [`MaildropLock::acquire`] found.
#[derive(Debug)]
pub enum Acquired {
    /// The maildrop is ours until the lock is released or dropped.
    Locked(MaildropLock),
    /// Another live session holds it.
    InUse,
}

/// A held maildrop lock; released on drop (blocking: prefer
/// [`release`](Self::release) inside a disk job).
#[derive(Debug)]
pub struct MaildropLock {
    path: PathBuf,
    record: String,
    released: bool,
}

impl MaildropLock {
    /// Takes the lock of the maildrop in `dir`, breaking a stale one.
    /// Blocking.
    pub fn acquire(dir: &Path) -> io::Result<Acquired> {
        Self::acquire_as(dir, &Owner::current())
    }

    fn acquire_as(dir: &Path, me: &Owner) -> io::Result<Acquired> {
        let path = dir.join(LOCK_NAME);
        let record = me.encode();
        // A few rounds: a lock released or broken meanwhile is retried.
        for _ in 0..4 {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let written = file
                        .write_all(record.as_bytes())
                        .and_then(|()| file.sync_all());
                    if let Err(e) = written {
                        let _ = fs::remove_file(&path);
                        return Err(e);
                    }
                    return Ok(Acquired::Locked(MaildropLock {
                        path,
                        record,
                        released: false,
                    }));
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
            let Some((seen, modified)) = read_lock(&path)? else {
                continue;
            };
            if !is_stale(&seen, modified, me) {
                return Ok(Acquired::InUse);
            }
            tracing::info!(path = %path.display(), "breaking a stale maildrop lock");
            if !break_stale(dir, &path, &seen)? {
                return Ok(Acquired::InUse);
            }
        }
        Ok(Acquired::InUse)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Touches the lock at `path` (see [`path`](Self::path)) so that it
    /// does not look abandoned to a host that cannot check our process.
    /// Blocking.
    pub fn refresh_path(path: &Path) -> io::Result<()> {
        OpenOptions::new()
            .write(true)
            .open(path)?
            .set_modified(SystemTime::now())
    }

    /// Gives the maildrop up. Blocking.
    pub fn release(mut self) {
        self.remove();
    }

    fn remove(&mut self) {
        if self.released {
            return;
        }
        self.released = true;
        // Only our own record: if the lock was judged stale and taken over
        // (a stuck session on a host that could not check us), the new
        // holder keeps it.
        match read_lock(&self.path) {
            Ok(Some((content, _))) if content == self.record => {
                if let Err(e) = fs::remove_file(&self.path) {
                    tracing::warn!(path = %self.path.display(), error = %e, "could not remove the maildrop lock");
                }
            }
            Ok(_) => {
                tracing::warn!(path = %self.path.display(), "maildrop lock was taken over");
            }
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "could not read the maildrop lock");
            }
        }
    }
}

impl Drop for MaildropLock {
    fn drop(&mut self) {
        self.remove();
    }
}

/// The lock's content (lossy, bounded) and modification time; `None` when
/// it is gone.
fn read_lock(path: &Path) -> io::Result<Option<(String, SystemTime)>> {
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let modified = file.metadata()?.modified()?;
    let mut bytes = Vec::new();
    io::Read::read_to_end(&mut io::Read::take(file, MAX_LOCK_FILE), &mut bytes)?;
    Ok(Some((
        String::from_utf8_lossy(&bytes).into_owned(),
        modified,
    )))
}

fn is_stale(content: &str, modified: SystemTime, me: &Owner) -> bool {
    let alive = Owner::parse(content).and_then(|owner| owner.alive(me));
    match alive {
        Some(alive) => !alive,
        None => SystemTime::now()
            .duration_since(modified)
            .is_ok_and(|age| age > STALE_AGE),
    }
}

/// Removes the stale lock at `path` if it still holds `seen`; `Ok(true)`
/// when the caller should try to take the lock again.
fn break_stale(dir: &Path, path: &Path, seen: &str) -> io::Result<bool> {
    let break_path = dir.join(BREAK_NAME);
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&break_path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            // Another session is breaking it now, or one crashed doing so.
            let old = fs::metadata(&break_path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|m| SystemTime::now().duration_since(m).ok())
                .is_some_and(|age| age > BREAK_STALE_AGE);
            if old {
                let _ = fs::remove_file(&break_path);
                return Ok(true);
            }
            return Ok(false);
        }
        Err(e) => return Err(e),
    }
    let broken = match read_lock(path) {
        Ok(Some((now, _))) if now == seen => match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(true),
        },
        // Replaced by a new holder meanwhile: not ours to break.
        Ok(Some(_)) => Ok(false),
        Ok(None) => Ok(true),
        Err(e) => Err(e),
    };
    if let Err(e) = fs::remove_file(&break_path) {
        tracing::warn!(path = %break_path.display(), error = %e, "could not remove the lock-break file");
    }
    broken
}

/// Field 22 of `/proc/<pid>/stat`: the start time in clock ticks.
fn parse_start(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may hold anything,
    // parentheses included: count from the last `)`.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

fn process_start(pid: u32) -> Option<u64> {
    parse_start(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

fn boot_id() -> Option<String> {
    let id = fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let id = id.trim();
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
        .then(|| id.to_owned())
}

fn host_name() -> String {
    let raw = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .unwrap_or_default();
    let name: String = raw
        .trim()
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    if name.is_empty() {
        "localhost".to_owned()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locked(a: Acquired) -> MaildropLock {
        match a {
            Acquired::Locked(lock) => lock,
            Acquired::InUse => panic!("expected the lock"),
        }
    }

    fn in_use(a: Acquired) -> bool {
        matches!(a, Acquired::InUse)
    }

    #[test]
    fn one_holder_at_a_time_and_release_frees_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = locked(MaildropLock::acquire(dir.path()).unwrap());
        // Another session of this same (live) process.
        assert!(in_use(MaildropLock::acquire(dir.path()).unwrap()));
        let text = fs::read_to_string(dir.path().join(LOCK_NAME)).unwrap();
        assert_eq!(Owner::parse(&text), Some(Owner::current()));
        let before = fs::metadata(first.path()).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        MaildropLock::refresh_path(first.path()).unwrap();
        assert!(fs::metadata(first.path()).unwrap().modified().unwrap() > before);
        first.release();
        assert!(!dir.path().join(LOCK_NAME).exists());
        let again = locked(MaildropLock::acquire(dir.path()).unwrap());
        drop(again);
        assert!(!dir.path().join(LOCK_NAME).exists());
    }

    #[test]
    fn records_round_trip_and_junk_is_no_owner() {
        let me = Owner::current();
        assert_eq!(Owner::parse(&me.encode()), Some(me.clone()));
        let bare = Owner {
            pid: 7,
            start: None,
            boot: None,
            host: "h".into(),
        };
        assert_eq!(Owner::parse(&bare.encode()), Some(bare));
        for junk in ["", "mailwire-pop3-lock 1\npid 1\n", "pid 1\n", "x\ny"] {
            assert_eq!(Owner::parse(junk), None, "{junk:?}");
        }
        let stat = "42 (a b) c)) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777 20";
        assert_eq!(parse_start(stat), Some(777));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_lock_of_a_gone_or_reused_pid_is_broken() {
        let dir = tempfile::tempdir().unwrap();
        let me = Owner::current();
        assert!(me.start.is_some() && me.boot.is_some());
        // A child that has exited and been reaped: its pid is gone.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let dead = Owner {
            pid: gone,
            ..me.clone()
        };
        // Our own pid with another start time: a reused pid.
        let reused = Owner {
            start: me.start.map(|s| s + 1),
            ..me.clone()
        };
        // The same pid and start, but from before a reboot.
        let rebooted = Owner {
            boot: Some("00000000-0000-0000-0000-000000000000".into()),
            ..me.clone()
        };
        for stale in [dead, reused, rebooted] {
            fs::write(dir.path().join(LOCK_NAME), stale.encode()).unwrap();
            let lock = locked(MaildropLock::acquire(dir.path()).unwrap());
            let text = fs::read_to_string(dir.path().join(LOCK_NAME)).unwrap();
            assert_eq!(text, me.encode());
            drop(lock);
            assert!(!dir.path().join(BREAK_NAME).exists());
        }
        // pid 1 with its real start time is alive.
        let init = Owner {
            pid: 1,
            start: process_start(1),
            ..me.clone()
        };
        fs::write(dir.path().join(LOCK_NAME), init.encode()).unwrap();
        assert!(in_use(MaildropLock::acquire(dir.path()).unwrap()));
    }

    #[test]
    fn an_unverifiable_lock_is_stale_only_when_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_NAME);
        let elsewhere = Owner {
            host: "another-host".into(),
            ..Owner::current()
        };
        for content in [elsewhere.encode(), String::new()] {
            fs::write(&path, &content).unwrap();
            assert!(in_use(MaildropLock::acquire(dir.path()).unwrap()));
            let old = SystemTime::now() - STALE_AGE - Duration::from_secs(60);
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(old)
                .unwrap();
            let lock = locked(MaildropLock::acquire(dir.path()).unwrap());
            drop(lock);
        }
    }

    #[test]
    fn a_taken_over_lock_is_not_removed_by_its_old_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_NAME);
        let lock = locked(MaildropLock::acquire(dir.path()).unwrap());
        fs::write(&path, "someone else\n").unwrap();
        lock.release();
        assert_eq!(fs::read_to_string(&path).unwrap(), "someone else\n");
    }

    #[test]
    fn breaking_is_refused_while_another_break_is_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_NAME);
        fs::write(&path, "stale junk").unwrap();
        fs::write(dir.path().join(BREAK_NAME), "").unwrap();
        assert!(!break_stale(dir.path(), &path, "stale junk").unwrap());
        assert!(path.exists());
        fs::remove_file(dir.path().join(BREAK_NAME)).unwrap();
        assert!(break_stale(dir.path(), &path, "stale junk").unwrap());
        assert!(!path.exists());
        // Content changed since it was judged: left alone.
        fs::write(&path, "new holder").unwrap();
        assert!(!break_stale(dir.path(), &path, "stale junk").unwrap());
        assert!(path.exists());
    }
}
