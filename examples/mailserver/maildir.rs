//! A Maildir store (https://cr.yp.to/proto/maildir.html).
//!
//! Each user has `DATA/<user>/Maildir/{tmp,new,cur}`. A delivery writes a
//! file with a unique name into `tmp/`, syncs it to disk, links it into
//! `new/` (a link never replaces an existing file, unlike a rename), removes
//! the `tmp/` name and syncs the `new/` directory; only then does it report
//! success, so that an SMTP server answers 250 only for mail that survives a
//! crash. A delivery that fails or is dropped unfinished removes its `tmp/`
//! file and leaves nothing in `new/`.
//!
//! The unique name (the part before `:`) is the message's stable id, used
//! for POP3 UIDL and IMAP. Flags live in the `:2,` info suffix of names in
//! `cur/`, letters in ASCII order (D draft, F flagged, P passed, R replied,
//! S seen, T trashed).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// One user's maildir.
#[derive(Debug, Clone)]
pub struct Maildir {
    root: PathBuf,
}

/// A message in a maildir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageInfo {
    /// The unique name: stable for the life of the message.
    pub id: String,
    /// Where the file is now.
    pub path: PathBuf,
    /// Its size in bytes (as stored: CRLF line endings as received).
    pub size: u64,
    /// Its flags (none while in `new/`).
    pub flags: Flags,
    /// Whether it is still in `new/` (not yet seen by any client).
    pub is_new: bool,
}

/// Maildir flags: a sorted set of letters (`A`–`Z` standard, `a`–`z`
/// keywords).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Flags(String);

impl Flags {
    /// Draft.
    pub const DRAFT: char = 'D';
    /// Flagged.
    pub const FLAGGED: char = 'F';
    /// Passed (forwarded).
    pub const PASSED: char = 'P';
    /// Replied.
    pub const REPLIED: char = 'R';
    /// Seen.
    pub const SEEN: char = 'S';
    /// Trashed (to be expunged).
    pub const TRASHED: char = 'T';

    /// No flags.
    pub fn new() -> Self {
        Flags(String::new())
    }

    /// From the letters after `:2,`; anything but ASCII letters is ignored.
    pub fn parse(letters: &str) -> Self {
        let mut flags = Flags::new();
        for c in letters.chars() {
            flags.insert(c);
        }
        flags
    }

    /// Adds a flag (ASCII letters only; returns whether it was accepted).
    pub fn insert(&mut self, flag: char) -> bool {
        if !flag.is_ascii_alphabetic() {
            return false;
        }
        if !self.0.contains(flag) {
            let mut letters: Vec<char> = self.0.chars().collect();
            letters.push(flag);
            letters.sort_unstable();
            self.0 = letters.into_iter().collect();
        }
        true
    }

    /// Removes a flag.
    pub fn remove(&mut self, flag: char) {
        self.0.retain(|c| c != flag);
    }

    /// Whether the flag is set.
    pub fn contains(&self, flag: char) -> bool {
        self.0.contains(flag)
    }

    /// The letters, in ASCII order.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Maildir {
    /// Opens the maildir at `root`, creating `tmp`, `new` and `cur` (mode
    /// 0700 on Unix) when missing.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        for sub in ["tmp", "new", "cur"] {
            create_private_dir(&root.join(sub))?;
        }
        Ok(Maildir { root })
    }

    /// The maildir's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Delivers a whole message; returns its id once it is safely in `new/`.
    pub fn deliver(&self, message: &[u8]) -> io::Result<String> {
        let mut delivery = self.begin()?;
        delivery.write(message)?;
        delivery.commit()
    }

    /// Delivers a message given as a sequence of chunks.
    pub fn deliver_chunks<I, B>(&self, chunks: I) -> io::Result<String>
    where
        I: IntoIterator<Item = B>,
        B: AsRef<[u8]>,
    {
        let mut delivery = self.begin()?;
        for chunk in chunks {
            delivery.write(chunk.as_ref())?;
        }
        delivery.commit()
    }

    /// Starts a delivery: a new file in `tmp/` to write the message into.
    pub fn begin(&self) -> io::Result<Delivery> {
        // The name is unique by time, process, a per-process counter and
        // randomness; create_new refuses to reuse one anyway, so a rare
        // clash is retried with a new name instead of overwriting.
        for _ in 0..8 {
            let id = unique_name();
            let tmp_path = self.root.join("tmp").join(&id);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp_path)
            {
                Ok(file) => {
                    return Ok(Delivery {
                        file: Some(file),
                        tmp_path,
                        new_dir: self.root.join("new"),
                        id,
                        committed: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "could not find an unused file name in tmp/",
        ))
    }

    /// All messages in `new/` and `cur/`, oldest delivery first.
    pub fn list(&self) -> io::Result<Vec<MessageInfo>> {
        let mut messages = Vec::new();
        for (sub, is_new) in [("new", true), ("cur", false)] {
            for entry in fs::read_dir(self.root.join(sub))? {
                let entry = entry?;
                let Ok(name) = entry.file_name().into_string() else {
                    continue;
                };
                if name.starts_with('.') {
                    continue;
                }
                let metadata = match entry.metadata() {
                    Ok(m) if m.is_file() => m,
                    Ok(_) => continue,
                    // Moved or deleted by another process meanwhile.
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(e),
                };
                let (id, flags) = split_name(&name);
                messages.push(MessageInfo {
                    id: id.to_owned(),
                    path: entry.path(),
                    size: metadata.len(),
                    flags: if is_new { Flags::new() } else { flags },
                    is_new,
                });
            }
        }
        messages.sort_by(|a, b| {
            delivery_time(&a.id)
                .cmp(&delivery_time(&b.id))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(messages)
    }

    /// The message with this id.
    pub fn find(&self, id: &str) -> io::Result<MessageInfo> {
        check_id(id)?;
        self.list()?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such message"))
    }

    /// The contents of a message.
    pub fn read(&self, id: &str) -> io::Result<Vec<u8>> {
        // Retry once: another session may rename it between find and read.
        match fs::read(self.find(id)?.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::read(self.find(id)?.path),
            other => other,
        }
    }

    /// Opens a message for streaming reads.
    pub fn open_message(&self, id: &str) -> io::Result<File> {
        match File::open(self.find(id)?.path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => File::open(self.find(id)?.path),
            other => other,
        }
    }

    /// Deletes a message.
    pub fn delete(&self, id: &str) -> io::Result<()> {
        let message = self.find(id)?;
        fs::remove_file(message.path)
    }

    /// Replaces a message's flags, moving it from `new/` to `cur/` if
    /// needed.
    pub fn set_flags(&self, id: &str, flags: &Flags) -> io::Result<MessageInfo> {
        let message = self.find(id)?;
        let name = format!("{id}:2,{}", flags.as_str());
        let target = self.root.join("cur").join(&name);
        if message.path != target {
            fs::rename(&message.path, &target)?;
        }
        Ok(MessageInfo {
            path: target,
            flags: flags.clone(),
            is_new: false,
            ..message
        })
    }
}

/// A message being delivered: write it, then [`commit`](Self::commit).
/// Dropping it unfinished removes the temporary file.
#[derive(Debug)]
pub struct Delivery {
    file: Option<File>,
    tmp_path: PathBuf,
    new_dir: PathBuf,
    id: String,
    committed: bool,
}

impl Delivery {
    /// The id the message will have.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Appends a chunk of the message.
    pub fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        match self.file.as_mut() {
            Some(file) => file.write_all(chunk),
            None => Err(io::Error::other("delivery already synced or finished")),
        }
    }

    /// Makes the written message durable in `tmp/`, still invisible: the
    /// step that fails when the disk is full or broken. Delivering one
    /// message to several mailboxes syncs every copy first and commits
    /// only when all are synced, so a failure leaves no copy behind and a
    /// retry by the client duplicates nothing.
    pub fn sync(&mut self) -> io::Result<()> {
        match self.file.take() {
            Some(file) => file.sync_all(),
            None => Ok(()),
        }
    }

    /// Makes the message durable (if [`sync`](Self::sync) was not called)
    /// and visible in `new/`; returns its id.
    pub fn commit(mut self) -> io::Result<String> {
        self.sync()?;
        let new_path = self.new_dir.join(&self.id);
        fs::hard_link(&self.tmp_path, &new_path)?;
        // From here on the message exists in new/; losing the tmp/ name is
        // only cleanup.
        self.committed = true;
        if let Err(e) = fs::remove_file(&self.tmp_path) {
            tracing::warn!(path = %self.tmp_path.display(), error = %e, "could not remove tmp file");
        }
        sync_dir(&self.new_dir)?;
        Ok(std::mem::take(&mut self.id))
    }

    /// Gives up: removes the temporary file.
    pub fn abort(self) {
        drop(self)
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        if !self.committed {
            self.file.take();
            match fs::remove_file(&self.tmp_path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    tracing::warn!(path = %self.tmp_path.display(), error = %e, "could not remove abandoned tmp file");
                }
                _ => {}
            }
        }
    }
}

/// `secs.MusecPpidQcounterRrandom.host`: the modern unique-name recipe.
fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = {
        use std::hash::BuildHasher;
        std::collections::hash_map::RandomState::new().hash_one((counter, now))
    };
    format!(
        "{}.M{:06}P{}Q{}R{:016x}.{}",
        now.as_secs(),
        now.subsec_micros(),
        std::process::id(),
        counter,
        random,
        hostname()
    )
}

/// The host name, with `/` and `:` encoded as the maildir spec asks.
fn hostname() -> String {
    let raw = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .unwrap_or_else(|_| "localhost".to_owned());
    let raw = raw.trim();
    let raw = if raw.is_empty() { "localhost" } else { raw };
    raw.chars()
        .map(|c| match c {
            '/' => "\\057".to_owned(),
            ':' => "\\072".to_owned(),
            c if c.is_ascii_graphic() => c.to_string(),
            _ => "_".to_owned(),
        })
        .collect()
}

/// Splits `id:2,FLAGS` into the id and the flags.
fn split_name(name: &str) -> (&str, Flags) {
    match name.split_once(':') {
        Some((id, info)) => (
            id,
            info.strip_prefix("2,")
                .map(Flags::parse)
                .unwrap_or_default(),
        ),
        None => (name, Flags::new()),
    }
}

/// The delivery second at the start of a unique name, for ordering.
fn delivery_time(id: &str) -> u64 {
    id.split('.')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(u64::MAX)
}

/// Ids come from clients (UIDL arguments, IMAP): only plain names.
fn check_id(id: &str) -> io::Result<()> {
    if id.is_empty() || id.starts_with('.') || id.contains(['/', ':', '\0']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "invalid message id",
        ));
    }
    Ok(())
}

fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(path)
}

/// Makes a directory entry (a new link) durable.
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
    use std::collections::HashSet;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn synced_copies_stay_invisible_until_committed_and_vanish_if_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path().join("Maildir")).unwrap();
        let mut kept = md.begin().unwrap();
        let mut dropped = md.begin().unwrap();
        for d in [&mut kept, &mut dropped] {
            d.write(b"Subject: s\r\n\r\nbody\r\n").unwrap();
            d.sync().unwrap();
            // Synced means finished writing.
            assert!(d.write(b"more").is_err());
        }
        assert_eq!(names(&md.root().join("tmp")).len(), 2);
        assert!(names(&md.root().join("new")).is_empty());
        // One copy's delivery failed elsewhere: its synced file goes away.
        drop(dropped);
        assert_eq!(names(&md.root().join("tmp")).len(), 1);
        let id = kept.commit().unwrap();
        assert!(names(&md.root().join("tmp")).is_empty());
        assert_eq!(names(&md.root().join("new")), vec![id.clone()]);
        assert_eq!(md.read(&id).unwrap(), b"Subject: s\r\n\r\nbody\r\n");
    }

    #[test]
    fn deliver_list_read_flag_delete() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path().join("Maildir")).unwrap();
        let a = md.deliver(b"Subject: a\r\n\r\nfirst\r\n").unwrap();
        let b = md
            .deliver_chunks([&b"Subject: b\r\n"[..], b"\r\n", b"second\r\n"])
            .unwrap();
        assert_ne!(a, b);
        assert!(names(&md.root().join("tmp")).is_empty());
        assert_eq!(names(&md.root().join("new")).len(), 2);

        let list = md.list().unwrap();
        assert_eq!(
            list.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            vec![a.as_str(), b.as_str()]
        );
        assert!(list.iter().all(|m| m.is_new && m.flags.as_str().is_empty()));
        assert_eq!(list[1].size, 22);
        assert_eq!(md.read(&b).unwrap(), b"Subject: b\r\n\r\nsecond\r\n");

        let mut flags = Flags::new();
        flags.insert(Flags::SEEN);
        flags.insert(Flags::FLAGGED);
        flags.insert('1');
        let moved = md.set_flags(&a, &flags).unwrap();
        assert!(!moved.is_new);
        assert_eq!(names(&md.root().join("cur")), vec![format!("{a}:2,FS")]);
        let again = md.find(&a).unwrap();
        assert_eq!(again.flags.as_str(), "FS");
        assert!(again.flags.contains(Flags::SEEN));
        // The id is stable across the move.
        assert_eq!(md.read(&a).unwrap(), b"Subject: a\r\n\r\nfirst\r\n");

        md.delete(&a).unwrap();
        assert!(md.read(&a).is_err());
        assert_eq!(md.list().unwrap().len(), 1);
    }

    #[test]
    fn abandoned_or_failed_delivery_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path()).unwrap();
        {
            let mut delivery = md.begin().unwrap();
            delivery.write(b"partial message").unwrap();
            assert_eq!(names(&md.root().join("tmp")).len(), 1);
        }
        assert!(names(&md.root().join("tmp")).is_empty());
        assert!(names(&md.root().join("new")).is_empty());

        let mut delivery = md.begin().unwrap();
        delivery.write(b"x").unwrap();
        delivery.abort();
        assert!(names(&md.root().join("tmp")).is_empty());

        // Make the link into new/ fail: the delivery reports the error and
        // cleans tmp/ up.
        let mut delivery = md.begin().unwrap();
        delivery.write(b"y").unwrap();
        fs::create_dir(md.root().join("new").join(delivery.id())).unwrap();
        assert!(delivery.commit().is_err());
        assert!(names(&md.root().join("tmp")).is_empty());
        assert!(md.list().unwrap().is_empty());
    }

    #[test]
    fn concurrent_deliveries_get_distinct_files() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path()).unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let md = md.clone();
                std::thread::spawn(move || {
                    (0..25)
                        .map(|i| md.deliver(format!("t{t} m{i}\r\n").as_bytes()).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let ids: Vec<String> = threads
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let unique: HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), 200);
        let list = md.list().unwrap();
        assert_eq!(list.len(), 200);
        let contents: HashSet<Vec<u8>> = list.iter().map(|m| fs::read(&m.path).unwrap()).collect();
        assert_eq!(contents.len(), 200);
        assert!(names(&md.root().join("tmp")).is_empty());
    }

    #[test]
    fn ids_from_clients_cannot_escape() {
        let dir = tempfile::tempdir().unwrap();
        let md = Maildir::open(dir.path().join("u")).unwrap();
        fs::write(dir.path().join("secret"), b"x").unwrap();
        for id in ["../secret", "", ".hidden", "a:2,S", "a/b"] {
            let err = md.read(id).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{id}");
        }
    }

    #[test]
    fn names_and_flags_parse() {
        let (id, flags) = split_name("123.M1P2Q3.host:2,SRF");
        assert_eq!(id, "123.M1P2Q3.host");
        assert_eq!(flags.as_str(), "FRS");
        let (id, flags) = split_name("123.x");
        assert_eq!((id, flags.as_str()), ("123.x", ""));
        let name = unique_name();
        assert!(!name.contains(['/', ':']));
        assert!(delivery_time(&name) > 1_600_000_000);
    }
}
