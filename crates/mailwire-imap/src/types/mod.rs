//! The typed values of the IMAP grammar, one file per grammar area.

pub mod body;
pub mod chars;
pub mod command;
pub mod core;
pub mod data;
pub mod fetch;
pub mod flag;
pub mod list;
pub mod mailbox;
pub mod owned;
pub mod response;
pub mod search;
