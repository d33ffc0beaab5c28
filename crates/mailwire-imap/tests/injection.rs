//! No value a caller can build encodes to more than one message: CR, LF and
//! NUL never reach the wire outside a literal.

use mailwire_imap::encode::{Encode, Encoder, Fragment};
use mailwire_imap::parse::{self, Opts};
use mailwire_imap::types::command::{AuthenticateData, Command, CommandBody, ListMailbox};
use mailwire_imap::types::core::{AString, Atom, IString, Literal, Quoted, Tag, Text};
use mailwire_imap::types::mailbox::Mailbox;
use mailwire_imap::types::response::{Continue, Response};

#[test]
fn constructors_reject_what_cannot_be_encoded() {
    assert!(Tag::new("").is_err());
    assert!(Tag::new("a+b").is_err());
    assert!(Tag::new("a b").is_err());
    assert!(Tag::new("A001").is_ok());
    assert!(Atom::new("a\r\n").is_err());
    assert!(Atom::new("a]").is_err());
    assert!(Atom::new("").is_err());
    assert!(Text::new("ok\r\n* BYE").is_err());
    assert!(Quoted::new(&b"a\nb"[..]).is_err());
    assert!(Quoted::new(&b"a\0b"[..]).is_err());
    assert!(Literal::new(&b"a\0b"[..]).is_err());
}

#[test]
fn strings_choose_a_form_that_cannot_break_the_line() {
    for data in [
        &b"plain"[..],
        b"two words",
        b"quote\"back\\slash",
        b"line\r\nbreak",
        b"nul\0",
        b"",
    ] {
        let a = AString::new(data);
        let cmd = Command {
            tag: Tag::new("t1").unwrap(),
            body: CommandBody::Login {
                username: a.clone(),
                password: AString::from("pw"),
            },
        };
        let mut e = Encoder::new();
        cmd.encode(&mut e);
        // Outside literal data, no CR or LF before the final CRLF.
        for f in e.fragments() {
            if let Fragment::Line(l) = f {
                let body = l.strip_suffix(b"\r\n").unwrap_or(l);
                assert!(!body.contains(&b'\r') && !body.contains(&b'\n') && !body.contains(&0));
            }
        }
        let wire = e.into_bytes();
        let back = parse::command(&wire, &Opts::STRICT).unwrap();
        let CommandBody::Login { username, .. } = back.body else {
            panic!()
        };
        assert_eq!(username.as_bytes(), data);
        let synced = matches!(a, AString::String(IString::Literal(_)));
        assert_eq!(synced, data.contains(&b'\n') || data.contains(&0));
    }
}

#[test]
fn free_form_fields_are_sanitised_when_encoded() {
    let r = Response::Continue(Continue::Base64("YWJj\r\n* BYE x".into()));
    assert_eq!(r.to_bytes(), b"+ YWJjBYEx\r\n");
    let a = AuthenticateData::Response("YWJj\r\nA1 LOGOUT".into());
    assert_eq!(a.to_bytes(), b"YWJjA1LOGOUT\r\n");
    let cmd = Command {
        tag: Tag::new("a").unwrap(),
        body: CommandBody::Lsub {
            reference: Mailbox::from(""),
            pattern: ListMailbox::Token("x\r\nb LOGOUT".into()),
        },
    };
    let wire = cmd.to_bytes();
    assert_eq!(wire, b"a LSUB \"\" {11}\r\nx\r\nb LOGOUT\r\n");
}
