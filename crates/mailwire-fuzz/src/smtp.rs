//! Fuzz checks for mailwire-smtp.

use bytes::Bytes;
use mailwire_smtp::{Command, EhloReply, Encode, Policy, Reply, ReplyAssembler};

/// The targets of this module.
pub const TARGETS: &[(&str, crate::Check)] = &[("smtp_command", command), ("smtp_reply", reply)];

/// Parses a command line under the strict and the server policy (the
/// first byte chooses which first); whatever parses must encode to one
/// CRLF-terminated line that parses back, strictly, to the same command.
pub fn command(data: &[u8]) {
    let Some((&choice, line)) = data.split_first() else {
        return;
    };
    let policies = if choice & 1 == 0 {
        [Policy::strict(), Policy::server()]
    } else {
        [Policy::server(), Policy::strict()]
    };
    for policy in policies {
        let Ok(cmd) = Command::parse_bytes(&Bytes::copy_from_slice(line), &policy) else {
            continue;
        };
        let wire = cmd.to_vec();
        let body = wire
            .strip_suffix(b"\r\n")
            .expect("an encoded command ends with CRLF");
        assert!(
            !body.contains(&b'\r') && !body.contains(&b'\n') && !body.contains(&0),
            "encoding produced a line break or NUL: {wire:?}"
        );
        let mut strict = Policy::strict();
        strict.max_command_line = usize::MAX;
        let again = Command::parse(body, &strict).expect("an encoded command parses");
        assert_eq!(again, cmd, "round trip of {wire:?}");
    }
}

/// Feeds the input, cut at LF, to a reply assembler as lines (CR before
/// the LF dropped); every reply it completes must encode to lines that
/// assemble back to the same reply, and an EHLO reading of one without
/// an enhanced status code must round-trip too.
pub fn reply(data: &[u8]) {
    let src = Bytes::copy_from_slice(data);
    let mut asm = ReplyAssembler::new(Policy::client());
    for line in src.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(Some(reply)) = asm.push_line(&src.slice_ref(line)) else {
            continue;
        };
        let mut big = Policy::client();
        big.max_reply_line = usize::MAX;
        big.max_reply_size = usize::MAX;
        big.max_reply_lines = usize::MAX;
        let wire = reply.to_vec();
        let again = Reply::parse(&wire, &big).expect("an encoded reply parses");
        assert_eq!(again, reply, "round trip of {wire:?}");
        // An EHLO reply carries no enhanced code (RFC 2034 §3); a reply
        // with one is only EHLO-read for robustness, not compared.
        if let Ok(ehlo) = EhloReply::from_reply(&reply)
            && reply.enhanced.is_none()
        {
            let wire = ehlo.to_vec();
            let again = Reply::parse(&wire, &big).expect("an encoded EHLO reply parses");
            assert_eq!(
                EhloReply::from_reply(&again).as_ref(),
                Ok(&ehlo),
                "EHLO round trip of {wire:?}"
            );
        }
    }
}
