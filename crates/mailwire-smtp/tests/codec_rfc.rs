//! Known answers from the RFCs' own examples, both directions.

use bytes::Bytes;
use mailwire_smtp::*;

fn cmd(line: &str) -> Command {
    Command::parse(line.as_bytes(), &Policy::strict())
        .unwrap_or_else(|e| panic!("{line:?} did not parse: {e}"))
}

/// Parses `line`, and checks that it encodes back to exactly `line`.
fn canonical(line: &str) -> Command {
    let c = cmd(line);
    assert_eq!(
        String::from_utf8(c.to_vec()).unwrap(),
        format!("{line}\r\n"),
        "re-encoding {line:?}"
    );
    c
}

fn mbox(s: &str) -> Mailbox {
    Mailbox::new(s).unwrap()
}

fn reply(wire: &str) -> Reply {
    Reply::parse(wire.as_bytes(), &Policy::client()).unwrap()
}

#[test]
fn rfc5321_appendix_d1_commands() {
    assert_eq!(
        canonical("EHLO bar.com"),
        Command::Ehlo(Host::Domain(Domain::new("bar.com").unwrap()))
    );
    assert_eq!(
        canonical("MAIL FROM:<Smith@bar.com>"),
        Command::mail(mbox("Smith@bar.com"))
    );
    assert_eq!(
        canonical("RCPT TO:<Jones@foo.com>"),
        Command::rcpt(mbox("Jones@foo.com"))
    );
    assert_eq!(canonical("DATA"), Command::Data);
    assert_eq!(canonical("RSET"), Command::Rset);
    assert_eq!(canonical("QUIT"), Command::Quit);
    assert_eq!(
        canonical("VRFY Crispin"),
        Command::Vrfy(Text::new("Crispin").unwrap())
    );
    assert_eq!(
        canonical("EXPN Example-People"),
        Command::Expn(Text::new("Example-People").unwrap())
    );
}

#[test]
fn rfc5321_appendix_d1_replies() {
    let greeting = reply("220 foo.com Simple Mail Transfer Service Ready\r\n");
    assert_eq!(greeting.code, ReplyCode::SERVICE_READY);
    assert_eq!(
        greeting.text(),
        "foo.com Simple Mail Transfer Service Ready"
    );

    let wire = "250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n";
    let r = reply(wire);
    assert_eq!(r.lines().len(), 5);
    assert_eq!(r.to_vec(), wire.as_bytes());
    let ehlo = EhloReply::from_reply(&r).unwrap();
    assert_eq!(ehlo.host.to_string(), "foo.com");
    assert_eq!(ehlo.greeting.as_deref(), Some("greets bar.com"));
    assert_eq!(
        ehlo.capabilities,
        vec![
            Capability::EightBitMime,
            Capability::Size(None),
            Capability::Dsn,
            Capability::Other {
                keyword: Keyword::new("HELP").unwrap(),
                params: vec![]
            },
        ]
    );
    assert_eq!(ehlo.to_reply().to_vec(), wire.as_bytes());

    let r = reply("550 No such user here\r\n");
    assert!(r.code.is_permanent());
    assert_eq!(r.enhanced, None);
    let r = reply("354 Start mail input; end with <CRLF>.<CRLF>\r\n");
    assert!(r.code.is_intermediate());
    let wire = "250-Jon Postel <Postel@isi.edu>\r\n250-Fred Fonebone <Fonebone@physics.foo-u.edu>\r\n250 Sam Q. Smith <SQSmith@specific.generic.com>\r\n";
    assert_eq!(reply(wire).to_vec(), wire.as_bytes());
}

#[test]
fn rfc1870_size() {
    let c = canonical("MAIL FROM:<ned@thor.innosoft.com> SIZE=500000");
    let Command::Mail { params, .. } = c else {
        panic!("not MAIL")
    };
    assert_eq!(params.size, Some(500000));
    assert_eq!(
        Capability::parse(&Text::new("SIZE 1000000").unwrap()),
        Capability::Size(Some(1000000))
    );
    // More than 20 digits, or more than fits, is refused.
    let e = Command::parse(
        b"MAIL FROM:<a@b> SIZE=99999999999999999999999",
        &Policy::strict(),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::BadArguments);
    assert_eq!(e.reply().code.get(), 501);
}

#[test]
fn rfc3461_dsn() {
    let c = canonical("MAIL FROM:<Alice@Example.ORG> RET=HDRS ENVID=QQ314159");
    let Command::Mail { params, .. } = c else {
        panic!()
    };
    assert_eq!(params.ret, Some(Ret::Headers));
    assert_eq!(params.envid().unwrap().as_str(), "QQ314159");

    let c = canonical("RCPT TO:<Bob@Example.COM> NOTIFY=SUCCESS ORCPT=rfc822;Bob@Example.COM");
    let Command::Rcpt { to, params } = c else {
        panic!()
    };
    assert_eq!(to.mailbox().unwrap().as_str(), "Bob@Example.COM");
    assert_eq!(params.notify, Notify::on(true, false, false));
    let orcpt = params.orcpt.unwrap();
    assert_eq!(orcpt.addr_type(), "rfc822");
    assert_eq!(orcpt.address(), "Bob@Example.COM");

    // xtext is decoded, and encoded back with +XX.
    let c =
        canonical("RCPT TO:<a@b.example> NOTIFY=FAILURE,DELAY ORCPT=rfc822;a+2Bb+3Dc@b.example");
    let Command::Rcpt { params, .. } = c else {
        panic!()
    };
    assert_eq!(params.orcpt.unwrap().address(), "a+b=c@b.example");
    assert_eq!(params.notify, Notify::on(false, true, true));
    let never = cmd("RCPT TO:<a@b.example> NOTIFY=never");
    assert!(matches!(never, Command::Rcpt { params, .. } if params.notify == Some(Notify::Never)));
    for bad in [
        "RCPT TO:<a@b.example> NOTIFY=NEVER,SUCCESS",
        "RCPT TO:<a@b.example> NOTIFY=SOMETIMES",
        "RCPT TO:<a@b.example> ORCPT=rfc822",
        "RCPT TO:<a@b.example> ORCPT=rfc822;a+0",
        "MAIL FROM:<a@b.example> RET=ALL",
        "MAIL FROM:<a@b.example> RET=FULL RET=HDRS",
    ] {
        let e = Command::parse(bad.as_bytes(), &Policy::strict()).unwrap_err();
        assert_eq!(e.kind(), ParseErrorKind::BadArguments, "{bad}");
    }
}

#[test]
fn rfc4954_auth() {
    let c = canonical("AUTH PLAIN dGVzdAB0ZXN0ADEyMzQ=");
    assert_eq!(
        c,
        Command::Auth {
            mechanism: SaslMechanism::new("PLAIN").unwrap(),
            initial_response: Some(Bytes::from_static(b"test\0test\x001234")),
        }
    );
    assert!(matches!(
        canonical("AUTH PLAIN"),
        Command::Auth {
            initial_response: None,
            ..
        }
    ));
    assert!(
        matches!(canonical("AUTH CRAM-MD5"), Command::Auth { ref mechanism, .. } if mechanism.is("cram-md5"))
    );
    assert!(matches!(
        canonical("AUTH EXTERNAL ="),
        Command::Auth { initial_response: Some(ref r), .. } if r.is_empty()
    ));
    let r = reply("334 PDQxOTI5NDIzNDEuMTI4Mjg0NzJAc291cmNlZm91ci5hbmRyZXcuY211LmVk\r\n");
    assert_eq!(r.code, ReplyCode::AUTH_CHALLENGE);
    let r = reply("334 \r\n");
    assert_eq!(r.lines()[0].as_str(), "");
    assert_eq!(r.to_vec(), b"334\r\n");

    let Command::Mail { params, .. } =
        canonical("MAIL FROM:<e=mc2@example.com> AUTH=e+3Dmc2@example.com")
    else {
        panic!()
    };
    assert_eq!(
        params.auth(),
        Some(&MailAuth::Mailbox(mbox("e=mc2@example.com")))
    );
    let Command::Mail { params, .. } = canonical("MAIL FROM:<> AUTH=<>") else {
        panic!()
    };
    assert_eq!(params.auth(), Some(&MailAuth::Unknown));
    let e = Command::parse(b"AUTH PLAIN not*base64", &Policy::strict()).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::BadArguments);
    assert_eq!(
        Capability::parse(&Text::new("AUTH PLAIN LOGIN CRAM-MD5").unwrap()),
        Capability::Auth(vec![
            SaslMechanism::new("PLAIN").unwrap(),
            SaslMechanism::new("LOGIN").unwrap(),
            SaslMechanism::new("CRAM-MD5").unwrap()
        ])
    );
    // The old "AUTH=" form is kept, not dropped.
    assert!(matches!(
        Capability::parse(&Text::new("AUTH=LOGIN PLAIN").unwrap()),
        Capability::Unparsed(t) if t.as_str() == "AUTH=LOGIN PLAIN"
    ));
}

#[test]
fn rfc3030_chunking() {
    assert_eq!(
        canonical("BDAT 86 LAST"),
        Command::Bdat {
            size: 86,
            last: true
        }
    );
    assert_eq!(
        canonical("BDAT 100000"),
        Command::Bdat {
            size: 100000,
            last: false
        }
    );
    assert_eq!(
        canonical("BDAT 0 LAST"),
        Command::Bdat {
            size: 0,
            last: true
        }
    );
    let Command::Mail { params, .. } =
        canonical("MAIL FROM:<ned@ymir.claremont.edu> BODY=BINARYMIME")
    else {
        panic!()
    };
    assert_eq!(params.body, Some(Body::BinaryMime));
    for bad in ["BDAT", "BDAT x", "BDAT 1 FIRST", "BDAT -1", "BDAT 1 LAST x"] {
        assert_eq!(
            Command::parse(bad.as_bytes(), &Policy::strict())
                .unwrap_err()
                .kind(),
            ParseErrorKind::BadArguments,
            "{bad}"
        );
    }
}

#[test]
fn rfc2033_lmtp() {
    assert_eq!(
        canonical("LHLO foo.edu"),
        Command::Lhlo(Host::try_from("foo.edu").unwrap())
    );
    let r = reply("250-foo.edu\r\n250-PIPELINING\r\n250 SIZE\r\n");
    let e = EhloReply::from_reply(&r).unwrap();
    assert_eq!(e.greeting, None);
    assert_eq!(
        e.capabilities,
        vec![Capability::Pipelining, Capability::Size(None)]
    );
}

#[test]
fn verbs_and_keywords_ignore_case() {
    assert_eq!(cmd("ehlo bar.com"), cmd("EHLO bar.com"));
    assert_eq!(
        cmd("mail from:<a@b.c> size=10 body=8bitmime"),
        cmd("MAIL FROM:<a@b.c> SIZE=10 BODY=8BITMIME")
    );
    assert_eq!(cmd("StartTLS"), Command::StartTls);
    assert_eq!(
        cmd("rcpt to:<postmaster>"),
        Command::Rcpt {
            to: ForwardPath::Postmaster,
            params: Default::default()
        }
    );
    assert_eq!(cmd("HeLp"), Command::Help(None));
    assert_eq!(
        cmd("NOOP hello there"),
        Command::Noop(Some(Text::new("hello there").unwrap()))
    );
}

#[test]
fn null_path_postmaster_and_source_routes() {
    assert_eq!(canonical("MAIL FROM:<>"), Command::mail(ReversePath::Null));
    let c = cmd("RCPT TO:<Postmaster@Example.org>");
    assert_eq!(c, Command::rcpt(mbox("Postmaster@Example.org")));
    // RFC 5321 §4.1.1.3: the route is checked and dropped.
    let c = cmd("RCPT TO:<@hosta.int,@jkl.org:userc@d.bar.org>");
    assert_eq!(c, Command::rcpt(mbox("userc@d.bar.org")));
    assert_eq!(c.to_vec(), b"RCPT TO:<userc@d.bar.org>\r\n");
    let c = cmd("MAIL FROM:<@a.example:u@b.example>");
    assert_eq!(c, Command::mail(mbox("u@b.example")));
    for bad in [
        "RCPT TO:<@:u@b.example>",
        "RCPT TO:<@a..b:u@b.example>",
        "RCPT TO:<>",
        "RCPT TO:<@a.b,u@b.example>",
    ] {
        assert_eq!(
            Command::parse(bad.as_bytes(), &Policy::strict())
                .unwrap_err()
                .kind(),
            ParseErrorKind::BadArguments,
            "{bad}"
        );
    }
}

#[test]
fn mailbox_forms() {
    let c = canonical("RCPT TO:<\"john doe\\\"x\"@[192.0.2.1]>");
    let m = c_mailbox(&c);
    assert_eq!(m.local_part(), "\"john doe\\\"x\"");
    assert_eq!(m.local_part_unquoted(), "john doe\"x");
    assert_eq!(
        m.host(),
        Host::Literal(AddressLiteral::new("192.0.2.1").unwrap())
    );
    assert_eq!(m.host().to_string(), "[192.0.2.1]");
    let c = canonical("RCPT TO:<u@[IPv6:2001:db8::1]>");
    let Host::Literal(l) = c_mailbox(&c).host() else {
        panic!()
    };
    assert_eq!(l.kind(), LiteralKind::Ipv6);
    assert_eq!(l.ip(), Some("2001:db8::1".parse().unwrap()));
    canonical("RCPT TO:<u@[x-tag:some-content]>");
    let c = canonical("RCPT TO:<用户@例子.广告> NOTIFY=NEVER");
    assert!(c_mailbox(&c).needs_smtputf8());
    assert!(!mbox("a@b.example").needs_smtputf8());
    assert_eq!(
        Mailbox::from_parts("john doe", &Host::try_from("example.com").unwrap())
            .unwrap()
            .as_str(),
        "\"john doe\"@example.com"
    );
    for bad in [
        "RCPT TO:<a..b@c.d>",
        "RCPT TO:<.a@c.d>",
        "RCPT TO:<a@-c.d>",
        "RCPT TO:<a@c.d-",
        "RCPT TO:<a@[1.2.3.256]>",
        "RCPT TO:<a@[IPv6:zz]>",
        "RCPT TO:<a b@c.d>",
        "RCPT TO:<a@c.d",
        "RCPT TO:a@c.d",
        "RCPT TO: <a@c.d>",
        "RCPT TO:<\"unterminated@c.d>",
    ] {
        assert_eq!(
            Command::parse(bad.as_bytes(), &Policy::strict())
                .unwrap_err()
                .kind(),
            ParseErrorKind::BadArguments,
            "{bad}"
        );
    }
    let long_local = format!("RCPT TO:<{}@c.d>", "a".repeat(65));
    assert!(Command::parse(long_local.as_bytes(), &Policy::strict()).is_err());
}

fn c_mailbox(c: &Command) -> Mailbox {
    match c {
        Command::Rcpt { to, .. } => to.mailbox().unwrap().clone(),
        Command::Mail { from, .. } => from.mailbox().unwrap().clone(),
        _ => panic!("no mailbox"),
    }
}

#[test]
fn other_mail_parameters() {
    let line = "MAIL FROM:<a@b.example> SIZE=10 BODY=8BITMIME SMTPUTF8 AUTH=<> RET=FULL ENVID=x+2By REQUIRETLS MT-PRIORITY=-3 HOLDFOR=600 BY=120;RT X-FOO=bar X-FLAG";
    let Command::Mail { params, .. } = canonical(line) else {
        panic!()
    };
    assert_eq!(params.mt_priority.map(Priority::get), Some(-3));
    assert_eq!(params.hold(), Some(&Hold::For(600)));
    assert_eq!(
        params.by(),
        Some(DeliverBy {
            time: 120,
            mode: ByMode::Return,
            trace: true
        })
    );
    assert_eq!(params.envid().map(XText::as_str), Some("x+y"));
    assert!(params.requiretls && params.smtputf8);
    assert_eq!(params.other().len(), 2);
    assert_eq!(params.other()[0].keyword.as_str(), "X-FOO");
    assert_eq!(params.other()[0].value.as_deref(), Some("bar"));
    assert_eq!(params.other()[1].value, None);
    let Command::Mail { params, .. } =
        canonical("MAIL FROM:<a@b.example> HOLDUNTIL=2012-10-05T00:00:00Z BY=-5;N")
    else {
        panic!()
    };
    assert!(matches!(params.hold(), Some(Hold::Until(t)) if t.as_str() == "2012-10-05T00:00:00Z"));
    assert_eq!(params.by().unwrap().time, -5);
    for bad in [
        "MAIL FROM:<a@b.example> MT-PRIORITY=10",
        "MAIL FROM:<a@b.example> BY=1;X",
        "MAIL FROM:<a@b.example> BY=1234567890;R",
        "MAIL FROM:<a@b.example> HOLDFOR=1 HOLDUNTIL=2012-10-05T00:00:00Z",
        "MAIL FROM:<a@b.example> SMTPUTF8=yes",
        "MAIL FROM:<a@b.example> X=1 x=2",
        "MAIL FROM:<a@b.example> BODY=9BIT",
        "MAIL FROM:<a@b.example>  SIZE=1",
        "MAIL FROM:<a@b.example> SIZE=1 ",
        "MAIL FROM:<a@b.example>SIZE=1",
        "MAIL FROM:<a@b.example> AUTH=nobody",
        "MAIL FROM:<a@b.example> =x",
        "MAIL FROM:<a@b.example> SIZE",
    ] {
        assert_eq!(
            Command::parse(bad.as_bytes(), &Policy::strict())
                .unwrap_err()
                .kind(),
            ParseErrorKind::BadArguments,
            "{bad}"
        );
    }
}

#[test]
fn policy_leniency() {
    let lenient = Policy::server();
    for (line, strict_ok) in [
        ("MAIL FROM: <a@b.example>", false),
        ("MAIL FROM:<a@b.example>  SIZE=5 ", false),
        ("MAIL FROM:a@b.example SIZE=5", false),
        ("RCPT TO: <a@b.example>", false),
        ("DATA ", false),
        ("MAIL FROM:<a@b.example> SIZE=5", true),
    ] {
        assert_eq!(
            Command::parse(line.as_bytes(), &Policy::strict()).is_ok(),
            strict_ok,
            "{line}"
        );
        let c = Command::parse(line.as_bytes(), &lenient).unwrap_or_else(|e| panic!("{line}: {e}"));
        // What the lenient parser accepted re-encodes strictly.
        assert_eq!(
            Command::parse(&c.to_vec()[..c.to_vec().len() - 2], &Policy::strict()).unwrap(),
            c
        );
    }
}

#[test]
fn errors_distinguish_500_and_501() {
    let e = Command::parse(b"\xff\xfe", &Policy::strict()).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::UnrecognizedCommand);
    assert_eq!(e.reply().code.get(), 500);
    let e = Command::parse(b"", &Policy::strict()).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::UnrecognizedCommand);
    let e = Command::parse(b"MAIL TO:<a@b.c>", &Policy::strict()).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::BadArguments);
    assert_eq!(e.reply().code.get(), 501);
    assert!(
        e.reply().text().contains("MAIL FROM"),
        "{}",
        e.reply().text()
    );
    let core: mailwire_core::Error = e.into();
    assert!(!core.is_fatal());
    let long = vec![b'A'; 600];
    let e = Command::parse(&long, &Policy::strict()).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::LineTooLong);
    assert_eq!(e.reply().to_vec(), b"500 5.5.6 Line too long\r\n");
    // The limit is configurable.
    let mut p = Policy::strict();
    p.max_command_line = 1000;
    assert!(matches!(
        Command::parse(&long, &p),
        Ok(Command::Other { .. })
    ));
    assert_eq!(
        Command::parse(b"XCLIENT NAME=x", &Policy::strict()).unwrap(),
        Command::Other {
            verb: Keyword::new("XCLIENT").unwrap(),
            args: Some(Text::new("NAME=x").unwrap())
        }
    );
}

#[test]
fn enhanced_codes() {
    let r = reply("250-2.1.5 first\r\n250-2.1.5 second\r\n250 2.1.5\r\n");
    assert_eq!(r.enhanced, Some(EnhancedCode::new(2, 1, 5).unwrap()));
    assert_eq!(
        r.lines().iter().map(|l| l.as_str()).collect::<Vec<_>>(),
        ["first", "second", ""]
    );
    // Only when the class matches the code's.
    let r = reply("550 2.1.5 not really\r\n");
    assert_eq!(r.enhanced, None);
    assert_eq!(r.lines()[0].as_str(), "2.1.5 not really");
    let r = reply("250 2.1.50x\r\n");
    assert_eq!(r.enhanced, None);
    let r = reply("552 5.3.4 Message too big for system\r\n");
    assert_eq!(r.enhanced.unwrap().to_string(), "5.3.4");
    assert_eq!(r.to_vec(), b"552 5.3.4 Message too big for system\r\n");
    assert!(
        Reply::ok()
            .enhanced(EnhancedCode::new(5, 0, 0).unwrap())
            .is_err()
    );
    assert_eq!(Reply::closing().to_vec(), b"221 2.0.0 Bye\r\n");
}

#[test]
fn reply_assembler_bounds() {
    let mut p = Policy::client();
    p.max_reply_lines = 3;
    let mut asm = ReplyAssembler::new(p);
    for _ in 0..3 {
        assert!(
            asm.push_line(&Bytes::from_static(b"250-x"))
                .unwrap()
                .is_none()
        );
    }
    let e = asm.push_line(&Bytes::from_static(b"250-x")).unwrap_err();
    assert_eq!(e.kind(), ParseErrorKind::ReplyTooLong);
    assert!(asm.is_idle());
    let core: mailwire_core::Error = e.into();
    assert!(core.is_fatal());
    let mut p = Policy::client();
    p.max_reply_size = 20;
    let mut asm = ReplyAssembler::new(p);
    assert!(
        asm.push_line(&Bytes::from_static(b"250-0123456789"))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        asm.push_line(&Bytes::from_static(b"250 0123456789"))
            .unwrap_err()
            .kind(),
        ParseErrorKind::ReplyTooLong
    );
    let mut asm = ReplyAssembler::new(Policy::client());
    assert!(
        asm.push_line(&Bytes::from_static(b"250-a"))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        asm.push_line(&Bytes::from_static(b"251 b"))
            .unwrap_err()
            .kind(),
        ParseErrorKind::BadReply
    );
    for bad in [
        &b"25"[..],
        b"2500 x",
        b"250x",
        b"650 x",
        b"abc",
        b"250 a\x00b",
    ] {
        assert!(
            asm.push_line(&Bytes::copy_from_slice(bad)).is_err(),
            "{bad:?}"
        );
    }
    let long = Bytes::from(vec![b'5'; 600]);
    assert_eq!(
        asm.push_line(&long).unwrap_err().kind(),
        ParseErrorKind::LineTooLong
    );
}

#[test]
fn capabilities() {
    let wire = "250-mx.example.com Hello\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-SMTPUTF8\r\n250-CHUNKING\r\n250-BINARYMIME\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-REQUIRETLS\r\n250-DELIVERBY 240\r\n250-MT-PRIORITY MIXER\r\n250-FUTURERELEASE 604800 2012-10-05T00:00:00Z\r\n250-LIMITS RCPTMAX=20 MAILMAX=5 RCPTDOMAINMAX=2 FOO=1\r\n250 X-WEIRD a b\r\n";
    let r = reply(wire);
    let e = EhloReply::from_reply(&r).unwrap();
    assert_eq!(e.size_limit(), Some(35882577));
    assert_eq!(e.auth_mechanisms().len(), 2);
    assert!(e.has(&Capability::Pipelining));
    assert!(!e.has(&Capability::Dsn) || e.capabilities.contains(&Capability::Dsn));
    assert_eq!(
        e.capabilities[12],
        Capability::MtPriority(Some(Keyword::new("MIXER").unwrap()))
    );
    assert_eq!(e.capabilities[11], Capability::DeliverBy(Some(240)));
    let Capability::Limits(l) = &e.capabilities[14] else {
        panic!("{:?}", e.capabilities[14])
    };
    assert_eq!(
        (l.rcpt_max, l.mail_max, l.rcpt_domain_max),
        (Some(20), Some(5), Some(2))
    );
    assert_eq!(l.other[0].1, 1);
    assert!(matches!(
        &e.capabilities[13],
        Capability::FutureRelease {
            max_interval: 604800,
            ..
        }
    ));
    assert!(
        matches!(&e.capabilities[15], Capability::Other { keyword, params } if keyword.as_str() == "X-WEIRD" && params.len() == 2)
    );
    assert_eq!(e.to_reply().to_vec(), wire.as_bytes());
    // Known keyword with unexpected parameters: kept as Other.
    assert!(matches!(
        Capability::parse(&Text::new("SIZE big").unwrap()),
        Capability::Other { .. }
    ));
    assert!(EhloReply::from_reply(&reply("250 -bad-\r\n")).is_err());
    assert!(EhloReply::from_reply(&reply("550 nope\r\n")).is_err());
}
