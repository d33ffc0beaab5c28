//! Reading what `mailserver` delivered: a Maildir (tmp/, new/, cur/).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One user's Maildir.
#[derive(Clone, Debug)]
pub struct Maildir {
    root: PathBuf,
}

impl Maildir {
    /// The Maildir at `root`.
    pub fn new(root: PathBuf) -> Self {
        Maildir { root }
    }

    /// Its root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The regular files of a subfolder (`tmp`, `new`, `cur`), sorted by
    /// name; an absent folder has none.
    pub fn files(&self, sub: &str) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.root.join(sub)) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.expect("read a Maildir entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
    }

    /// The messages in new/, by file name.
    pub fn new_messages(&self) -> BTreeMap<String, Vec<u8>> {
        self.files("new")
            .into_iter()
            .map(|path| {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .expect("Maildir file names are UTF-8")
                    .to_owned();
                let data =
                    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                (name, data)
            })
            .collect()
    }

    /// The only message in new/; fails unless there is exactly one.
    pub fn single_new_message(&self) -> Vec<u8> {
        let mut all = self.new_messages();
        assert_eq!(
            all.len(),
            1,
            "expected exactly one message in {}/new, found {:?}",
            self.root.display(),
            all.keys().collect::<Vec<_>>()
        );
        all.pop_first().map(|(_, data)| data).unwrap_or_default()
    }
}

/// The value of the first `Message-ID` header of a message, without the
/// angle brackets (header names compare case-insensitively).
pub fn message_id(message: &[u8]) -> Option<String> {
    let head_end = find(message, b"\r\n\r\n").unwrap_or(message.len());
    for line in message[..head_end].split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if line[..colon].eq_ignore_ascii_case(b"message-id") {
            let value = String::from_utf8_lossy(&line[colon + 1..]);
            let value = value.trim();
            let value = value.strip_prefix('<').unwrap_or(value);
            let value = value.strip_suffix('>').unwrap_or(value);
            return Some(value.to_owned());
        }
    }
    None
}

/// The first position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
