//! The users of the mail server, from `--user NAME:PASSWORD`.
//!
//! Names double as directory names (`DATA/<name>/Maildir`) and as the
//! local part of `<name>@<domain>`, so they are restricted to lowercase
//! letters, digits, `.`, `_` and `-`, and may not start with a dot.
//! Passwords are kept only as SCRAM keys in the SASL crate's in-memory
//! store, which serves PLAIN, LOGIN and SCRAM.

use std::collections::BTreeSet;
use std::fmt;

use mailwire::sasl::{CredentialStore, MemoryStore, ScramCredentials, ScramHash};

/// The user created when no `--user` is given.
pub const DEMO_USER: (&str, &str) = ("demo", "demo");

/// Known users and their credentials.
pub struct Users {
    names: BTreeSet<String>,
    /// The first user given: gets postmaster mail unless `postmaster` exists.
    first: Option<String>,
    store: MemoryStore,
}

/// Parses a `--user` value: `NAME:PASSWORD` (the password may contain `:`).
pub fn parse_user_arg(arg: &str) -> Result<(String, String), String> {
    let (name, password) = arg
        .split_once(':')
        .ok_or_else(|| "expected NAME:PASSWORD".to_owned())?;
    let name = name.to_ascii_lowercase();
    if !valid_user_name(&name) {
        return Err(format!(
            "invalid user name {name:?}: use 1 to 64 of a-z 0-9 . _ - (not starting with a dot)"
        ));
    }
    if password.is_empty() || password.chars().any(char::is_control) {
        return Err("the password must be non-empty and without control characters".to_owned());
    }
    Ok((name, password.to_owned()))
}

/// Whether `name` can be a user (and directory) name.
pub fn valid_user_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

impl Users {
    /// The users from the command line.
    pub fn new(list: &[(String, String)]) -> Result<Self, String> {
        let mut store = MemoryStore::new();
        let mut names = BTreeSet::new();
        for (name, password) in list {
            if !valid_user_name(name) {
                return Err(format!("invalid user name {name:?}"));
            }
            store
                .add_user(name, password)
                .map_err(|e| format!("user {name:?}: {e}"))?;
            names.insert(name.clone());
        }
        let first = list.first().map(|(name, _)| name.clone());
        Ok(Users {
            names,
            first,
            store,
        })
    }

    /// The canonical user for a mailbox local part, if it exists (local
    /// parts are matched without regard to case).
    pub fn lookup(&self, local_part: &str) -> Option<&str> {
        let wanted = local_part.to_ascii_lowercase();
        self.names.get(&wanted).map(String::as_str)
    }

    /// The user who receives postmaster mail (RFC 5321 §4.5.1): the user
    /// `postmaster` if it exists, else the first user given.
    pub fn postmaster(&self) -> Option<&str> {
        self.lookup("postmaster").or(self.first.as_deref())
    }
}

impl CredentialStore for Users {
    fn verify_password(&self, authcid: &str, password: &str) -> bool {
        self.store.verify_password(authcid, password)
    }

    fn scram_credentials(&self, authcid: &str, hash: ScramHash) -> Option<ScramCredentials> {
        self.store.scram_credentials(authcid, hash)
    }
}

impl fmt::Debug for Users {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Users").field("names", &self.names).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_validates_user_args() {
        assert_eq!(
            parse_user_arg("Alice:pa:ss").unwrap(),
            ("alice".to_owned(), "pa:ss".to_owned())
        );
        for bad in [
            "nopassword",
            ":pw",
            "../x:pw",
            ".a:pw",
            "a/b:pw",
            "a b:pw",
            "a:",
        ] {
            assert!(parse_user_arg(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn verifies_passwords_and_finds_local_parts() {
        let users = Users::new(&[("alice".into(), "secret".into())]).unwrap();
        assert!(users.verify_password("alice", "secret"));
        assert!(!users.verify_password("alice", "wrong"));
        assert!(!users.verify_password("bob", "secret"));
        assert_eq!(users.lookup("ALICE"), Some("alice"));
        assert_eq!(users.lookup("bob"), None);
        assert_eq!(users.postmaster(), Some("alice"));
        assert!(
            users
                .scram_credentials("alice", ScramHash::Sha256)
                .is_some()
        );
        let others = Users::new(&[
            ("zed".into(), "x".into()),
            ("postmaster".into(), "y".into()),
        ])
        .unwrap();
        assert_eq!(others.postmaster(), Some("postmaster"));
    }
}
