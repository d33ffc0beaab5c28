//! Typed POP3 values: commands, responses, capabilities, listings.

mod atoms;
mod capability;
mod command;
mod response;

pub use atoms::{Arg, Digest, LangTag, MechanismName, MsgNum, Password, Text, Timestamp, Uid};
pub use capability::Capability;
pub use command::{Command, SaslResponse};
pub use response::{
    Challenge, DropListing, LangListing, Response, ResponseCode, ScanListing, Status, UidListing,
};
