//! The local side: a Maildir to write into and the list of unique-ids
//! already fetched.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The name of the state file in the Maildir's root.
pub const STATE_FILE: &str = ".pop3_fetch_uidl";

/// A local Maildir (`tmp`, `new`, `cur`).
#[derive(Debug)]
pub struct LocalMaildir {
    root: PathBuf,
}

impl LocalMaildir {
    /// Opens `root`, creating the three directories when missing.
    pub fn open(root: &Path) -> io::Result<Self> {
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(root.join(sub))?;
        }
        Ok(LocalMaildir {
            root: root.to_owned(),
        })
    }

    /// Starts a message: a new file in `tmp/`.
    pub fn begin(&self) -> io::Result<Incoming> {
        for _ in 0..8 {
            let name = unique_name();
            let tmp = self.root.join("tmp").join(&name);
            match OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(file) => {
                    return Ok(Incoming {
                        file: Some(file),
                        new: self.root.join("new").join(&name),
                        tmp,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("no unused file name in tmp/"))
    }
}

/// A message being written; dropped unfinished, its `tmp/` file goes.
#[derive(Debug)]
pub struct Incoming {
    file: Option<File>,
    tmp: PathBuf,
    new: PathBuf,
}

impl Incoming {
    /// Appends bytes.
    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.write_all(chunk),
            None => Err(io::Error::other("message already finished")),
        }
    }

    /// Syncs the file, renames it into `new/` and syncs `new/`.
    pub fn commit(mut self) -> io::Result<()> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("message already finished"))?;
        file.sync_all()?;
        drop(file);
        fs::rename(&self.tmp, &self.new)?;
        if let Some(dir) = self.new.parent() {
            sync_dir(dir)?;
        }
        Ok(())
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// The unique-ids fetched from one maildrop (`user@server`), kept one per
/// line as `KEY UID` in the state file.
#[derive(Debug)]
pub struct UidState {
    path: PathBuf,
    key: String,
    seen: HashSet<String>,
}

impl UidState {
    /// Reads the state file (missing: nothing fetched yet).
    pub fn load(dir: &Path, key: &str) -> io::Result<Self> {
        let path = dir.join(STATE_FILE);
        let mut seen = HashSet::new();
        match File::open(&path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    let line = line?;
                    if let Some((k, uid)) = line.split_once(' ') {
                        if k == key {
                            seen.insert(uid.to_owned());
                        }
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        Ok(UidState {
            path,
            key: key.replace([' ', '\r', '\n'], "_"),
            seen,
        })
    }

    /// Whether `uid` was fetched.
    pub fn contains(&self, uid: &str) -> bool {
        self.seen.contains(uid)
    }

    /// Records a fetched `uid` durably (append, then sync).
    pub fn record(&mut self, uid: &str) -> io::Result<()> {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        // Unique-ids are printable ASCII without spaces (RFC 1939 §7).
        writeln!(file, "{} {uid}", self.key)?;
        file.sync_all()?;
        self.seen.insert(uid.to_owned());
        Ok(())
    }
}

/// `secs.MmicrosPpidQcounter.host`, unique in this Maildir.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let host = fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap_or_else(|_| "localhost".to_owned())
        .trim()
        .replace(['/', ':'], "_");
    format!(
        "{}.M{:06}P{}Q{}.{}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        if host.is_empty() { "localhost" } else { &host }
    )
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_land_in_new_and_state_survives() {
        let dir = tempfile::tempdir().unwrap();
        let md = LocalMaildir::open(dir.path()).unwrap();
        let mut m = md.begin().unwrap();
        m.write(b"a\r\n.b\r\n").unwrap();
        m.commit().unwrap();
        {
            let mut dropped = md.begin().unwrap();
            dropped.write(b"partial").unwrap();
        }
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
        let new: Vec<_> = fs::read_dir(dir.path().join("new"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(new.len(), 1);
        assert_eq!(fs::read(&new[0]).unwrap(), b"a\r\n.b\r\n");

        let mut state = UidState::load(dir.path(), "u@h:1").unwrap();
        assert!(!state.contains("x1"));
        state.record("x1").unwrap();
        let again = UidState::load(dir.path(), "u@h:1").unwrap();
        assert!(again.contains("x1"));
        let other = UidState::load(dir.path(), "v@h:1").unwrap();
        assert!(!other.contains("x1"));
    }
}
