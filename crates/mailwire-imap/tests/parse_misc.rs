//! Targeted parser tests: nesting bounds, quirks, unknown items, literals,
//! greetings, continuation requests, errors with positions.

use mailwire_imap::encode::Encode;
use mailwire_imap::parse::{self, Opts, Quirks};
use mailwire_imap::types::body::{BodyExtension, BodyKind, BodyStructure};
use mailwire_imap::types::command::{CommandBody, FetchAttr, FetchAttrs};
use mailwire_imap::types::core::{IString, LiteralMode};
use mailwire_imap::types::data::Data;
use mailwire_imap::types::fetch::FetchItem;
use mailwire_imap::types::flag::{Flag, FlagFetch};
use mailwire_imap::types::list::List;
use mailwire_imap::types::response::{Code, Continue, Response, SimpleCode, Status};

fn fetch_items(wire: &[u8], o: &Opts) -> Vec<FetchItem<'static>> {
    match parse::response(wire, o).unwrap().into_owned() {
        Response::Data(Data::Fetch { items, .. }) => items,
        other => panic!("not a FETCH: {other:?}"),
    }
}

#[test]
fn nesting_is_bounded_without_overflowing_the_stack() {
    // Deeper than the bound: rejected, not a stack overflow.
    let depth = 10_000;
    let mut wire = b"* 1 FETCH (BODYSTRUCTURE ".to_vec();
    wire.extend(std::iter::repeat_n(b'(', depth));
    wire.extend_from_slice(b"\r\n");
    assert!(parse::response(&wire, &Opts::STRICT).is_err());
    let mut cmd = b"a SEARCH ".to_vec();
    cmd.extend(std::iter::repeat_n(b"NOT ".as_slice(), depth).flatten());
    cmd.extend_from_slice(b"ALL\r\n");
    assert!(parse::command(&cmd, &Opts::STRICT).is_err());
    let mut cmd = b"a SEARCH ".to_vec();
    cmd.extend(std::iter::repeat_n(b'(', depth));
    assert!(parse::command(&cmd, &Opts::STRICT).is_err());

    // Within the bound (the default 64 levels; here 60 nested multiparts
    // and 60 nested extension lists), parsing works in a default-sized
    // thread stack, also in debug builds.
    let mut body = String::from(r#"("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1)"#);
    for _ in 0..60 {
        body = format!("({body} \"MIXED\")");
    }
    let wire = format!("* 1 FETCH (BODYSTRUCTURE {body})\r\n");
    let items = fetch_items(wire.as_bytes(), &Opts::STRICT);
    assert_eq!(items[0].clone().to_owned_wire(), wire.as_bytes());
    let ext = format!("{}1{}", "(".repeat(60), ")".repeat(60));
    let wire = format!(
        "* 1 FETCH (BODYSTRUCTURE (\"A\" \"B\" NIL NIL NIL \"7BIT\" 1 NIL NIL NIL NIL {ext}))\r\n"
    );
    let items = fetch_items(wire.as_bytes(), &Opts::STRICT);
    let FetchItem::BodyStructure(b) = &items[0] else {
        panic!()
    };
    let BodyStructure::Single {
        extension: Some(e), ..
    } = b.as_ref()
    else {
        panic!()
    };
    let loc = e
        .tail
        .as_ref()
        .unwrap()
        .language
        .as_ref()
        .unwrap()
        .location
        .as_ref()
        .unwrap();
    assert!(matches!(loc.extensions[0], BodyExtension::List(_)));
}

trait Wire {
    fn to_owned_wire(self) -> Vec<u8>;
}

impl Wire for FetchItem<'static> {
    fn to_owned_wire(self) -> Vec<u8> {
        Response::Data(Data::Fetch {
            seq: 1,
            items: vec![self],
        })
        .to_bytes()
    }
}

#[test]
fn unknown_fetch_items_are_kept_and_the_rest_parses() {
    let wire = b"* 3 FETCH (X-GM-MSGID 1278455344230334865 UID 9 X-GM-LABELS (\\Inbox \"Foo Bar\" {3}\r\nabc) EMAILID (M6d99ac3275bb4e) FLAGS (\\Seen))\r\n";
    let items = fetch_items(wire, &Opts::STRICT);
    assert_eq!(items.len(), 5);
    assert!(
        matches!(&items[0], FetchItem::Unknown { raw } if raw.as_bytes() == b"X-GM-MSGID 1278455344230334865")
    );
    assert_eq!(items[1], FetchItem::Uid(9));
    assert!(matches!(&items[2], FetchItem::Unknown { raw } if raw.as_bytes().ends_with(b"abc)")));
    assert_eq!(
        items[4],
        FetchItem::Flags(List::one(FlagFetch::Flag(Flag::Seen)))
    );
    let r = parse::response(wire, &Opts::STRICT).unwrap();
    assert_eq!(r.to_bytes(), wire);
    // Unknown untagged responses are kept whole too.
    let r = parse::response(b"* XAPPLEPUSHSERVICE aps-version 2\r\n", &Opts::STRICT).unwrap();
    assert!(
        matches!(&r, Response::Data(Data::Unknown { raw }) if raw.as_bytes() == b"XAPPLEPUSHSERVICE aps-version 2")
    );
    // A known keyword with bad syntax is an error.
    assert!(parse::response(b"* 3 FETCH (UID x)\r\n", &Opts::STRICT).is_err());
    assert!(parse::response(b"* STATUS\r\n", &Opts::STRICT).is_err());
}

#[test]
fn literals_are_borrowed_from_the_frame() {
    let wire = b"* 1 FETCH (BODY[] {11}\r\nhello world BINARY[1] ~{3}\r\n\0\x01\x02)\r\n";
    let r = parse::response(wire, &Opts::STRICT).unwrap();
    let Response::Data(Data::Fetch { items, .. }) = &r else {
        panic!()
    };
    let FetchItem::BodySection { data, .. } = &items[0] else {
        panic!()
    };
    let Some(IString::Literal(l)) = &data.0 else {
        panic!()
    };
    let data = l.data();
    assert_eq!(data, b"hello world");
    let base = wire.as_ptr() as usize;
    assert_eq!(data.as_ptr() as usize, base + 24);
    let FetchItem::Binary { section, data } = &items[1] else {
        panic!()
    };
    assert_eq!(section, &[1]);
    let Some(IString::Literal(l)) = &data.0 else {
        panic!()
    };
    assert!(l.is_binary());
    assert_eq!(l.data(), b"\0\x01\x02");
    assert_eq!(r.to_bytes(), wire);
}

#[test]
fn bodystructure_forms() {
    // Non-extensible BODY, message/rfc822 with nested envelope and body,
    // multipart with extension data including unknown extensions.
    let wire = br#"* 1 FETCH (BODY ("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 300 (NIL "inner" NIL NIL NIL NIL NIL NIL NIL NIL) ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 10 2) 12) BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "QUOTED-PRINTABLE" 12 1 "md5" ("INLINE" NIL) ("EN" "DE") "loc" 7 ("x" 8))("IMAGE" "PNG" NIL "<id>" "desc" "BASE64" 400 NIL NIL NIL NIL) "RELATED" ("TYPE" "text/html") ("ATTACHMENT" ("FILENAME" "a")) "EN" NIL))
"#;
    let wire = [&wire[..wire.len() - 1], b"\r\n"].concat();
    let items = fetch_items(&wire, &Opts::STRICT);
    let FetchItem::Body(b) = &items[0] else {
        panic!()
    };
    let BodyStructure::Single {
        body,
        extension: None,
    } = b.as_ref()
    else {
        panic!()
    };
    let BodyKind::Message {
        envelope,
        body: inner,
        lines,
        ..
    } = &body.kind
    else {
        panic!()
    };
    assert_eq!(envelope.subject.as_bytes(), Some(&b"inner"[..]));
    assert_eq!(*lines, 12);
    assert!(
        matches!(inner.as_ref(), BodyStructure::Single { body, .. } if matches!(body.kind, BodyKind::Text { lines: 2, .. }))
    );
    let FetchItem::BodyStructure(b) = &items[1] else {
        panic!()
    };
    let BodyStructure::Multi {
        parts,
        subtype,
        extension: Some(ext),
    } = b.as_ref()
    else {
        panic!()
    };
    assert_eq!(parts.len(), 2);
    assert_eq!(subtype.as_bytes(), b"RELATED");
    assert_eq!(ext.params.len(), 1);
    let BodyStructure::Single {
        extension: Some(e1),
        ..
    } = &parts[0]
    else {
        panic!()
    };
    let loc = e1
        .tail
        .as_ref()
        .unwrap()
        .language
        .as_ref()
        .unwrap()
        .location
        .as_ref()
        .unwrap();
    assert_eq!(loc.extensions.len(), 2);
    assert_eq!(
        parse::response(&wire, &Opts::STRICT).unwrap().to_bytes(),
        wire
    );
}

#[test]
fn quirks_are_off_in_strict_mode_and_on_when_chosen() {
    let cases: &[(&[u8], Quirks)] = &[
        // Exchange: space before ")" and at the end of the line.
        (
            b"* 1 FETCH (UID 4 FLAGS (\\Seen ) )\r\n",
            Quirks {
                trailing_space: true,
                ..Quirks::STRICT
            },
        ),
        (
            b"* SEARCH 1 2 \r\n",
            Quirks {
                trailing_space: true,
                ..Quirks::STRICT
            },
        ),
        // Gmail: keywords with atom-specials.
        (
            b"* 1 FETCH (FLAGS (\\Seen $Label[1] Junk\\x))\r\n",
            Quirks {
                relaxed_flags: true,
                ..Quirks::STRICT
            },
        ),
        // "+" without a space.
        (
            b"+\r\n",
            Quirks {
                missing_space_after_plus: true,
                ..Quirks::STRICT
            },
        ),
        (
            b"+Ready\r\n",
            Quirks {
                missing_space_after_plus: true,
                ..Quirks::STRICT
            },
        ),
        // NIL where a string is required.
        (
            b"* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL NIL 3 1))\r\n",
            Quirks {
                nil_as_string: true,
                ..Quirks::STRICT
            },
        ),
        // "()" for an empty parameter list.
        (
            b"* 1 FETCH (BODYSTRUCTURE (\"TEXT\" \"PLAIN\" () NIL NIL \"7BIT\" 3 1))\r\n",
            Quirks {
                empty_lists: true,
                ..Quirks::STRICT
            },
        ),
        // Escapes of other characters in quoted strings.
        (
            b"* LIST () \"/\" \"a\\b\"\r\n",
            Quirks {
                any_escape: true,
                ..Quirks::STRICT
            },
        ),
    ];
    for (wire, quirks) in cases {
        let name = String::from_utf8_lossy(wire);
        assert!(
            parse::response(wire, &Opts::STRICT).is_err(),
            "strict accepted {name}"
        );
        let o = Opts {
            quirks: *quirks,
            ..Opts::STRICT
        };
        let r = parse::response(wire, &o).unwrap_or_else(|e| panic!("{name}: {e}"));
        // What a lenient parse produced re-encodes strictly.
        let again = r.to_bytes();
        assert_eq!(parse::response(&again, &o).unwrap(), r, "{name}");
        assert!(parse::response(wire, &Opts::LENIENT).is_ok(), "{name}");
    }
}

#[test]
fn status_responses_and_codes() {
    let r = parse::response(b"a1 NO [ALREADYEXISTS] Mailbox exists\r\n", &Opts::STRICT).unwrap();
    let Response::Status(s) = r else { panic!() };
    assert_eq!(s.tag.as_ref().unwrap().as_str(), "a1");
    assert_eq!(s.status, Status::No);
    assert_eq!(s.code, Some(Code::Simple(SimpleCode::AlreadyExists)));
    assert_eq!(s.text.as_str(), "Mailbox exists");
    let r = parse::response(b"* OK [X-FOO a b] hi\r\n", &Opts::STRICT).unwrap();
    let Response::Status(s) = r else { panic!() };
    assert!(
        matches!(s.code, Some(Code::Other { ref name, args: Some(ref a) }) if name.as_str() == "X-FOO" && a == "a b")
    );
    // Tagged PREAUTH/BYE is not allowed.
    assert!(parse::response(b"a1 PREAUTH x\r\n", &Opts::STRICT).is_err());
    assert!(parse::greeting(b"* PREAUTH [CAPABILITY IMAP4rev2] hi\r\n", &Opts::STRICT).is_ok());
    assert!(parse::greeting(b"* NO hi\r\n", &Opts::STRICT).is_err());
    // Continuation requests: text or base64.
    assert_eq!(
        parse::response(b"+ \r\n", &Opts::STRICT).unwrap(),
        Response::Continue(Continue::Base64("".into()))
    );
    assert!(matches!(
        parse::response(b"+ Ready for literal data\r\n", &Opts::STRICT).unwrap(),
        Response::Continue(Continue::Text { .. })
    ));
}

#[test]
fn errors_carry_position_and_bytes() {
    let e = parse::command(b"a1 FETCH 1:x FLAGS\r\n", &Opts::STRICT).unwrap_err();
    assert_eq!(e.position, 11);
    assert_eq!(&e.offending[..], b"x FLAGS\r\n");
    let core: mailwire_core::Error = e.into();
    assert!(!core.is_fatal());
    assert!(core.to_string().contains("at byte 11"));
    // Unknown command, missing CRLF, bare tag.
    assert!(parse::command(b"a1 XPIG-LATIN\r\n", &Opts::STRICT).is_err());
    assert!(parse::command(b"a1 NOOP", &Opts::STRICT).is_err());
    assert!(parse::command(b"+ NOOP\r\n", &Opts::STRICT).is_err());
}

#[test]
fn commands_in_detail() {
    let c = parse::command(
        b"A1 UID FETCH 1:* (FLAGS BODY.PEEK[1.2.MIME]<0.100> BINARY.SIZE[1]) (CHANGEDSINCE 12345 VANISHED)\r\n",
        &Opts::STRICT,
    )
    .unwrap();
    let CommandBody::Fetch {
        uid: true,
        attrs: FetchAttrs::List(v),
        modifiers,
        ..
    } = &c.body
    else {
        panic!()
    };
    assert!(
        matches!(&v[1], FetchAttr::BodySection { peek: true, partial: Some((0, n)), .. } if n.get() == 100)
    );
    assert_eq!(modifiers.len(), 2);
    let c = parse::command(
        b"a APPEND saved-messages (\\Seen) {3+}\r\nabc\r\n",
        &Opts::STRICT,
    )
    .unwrap();
    let CommandBody::Append { message, .. } = &c.body else {
        panic!()
    };
    let mailwire_imap::types::command::AppendData::Literal(l) = message else {
        panic!()
    };
    assert_eq!(l.mode(), LiteralMode::NonSync);
    assert!(parse::idle_done(b"DONE\r\n").is_ok());
    assert!(parse::idle_done(b"done\r\n").is_ok());
    assert!(parse::idle_done(b"DONE \r\n").is_err());
    assert!(parse::authenticate_data(b"*\r\n").is_ok());
    assert!(parse::authenticate_data(b"abc\r\n").is_err());
}
