//! proptest: `parse(encode(x)) == x` for commands, replies and capabilities.

use bytes::Bytes;
use mailwire_smtp::*;
use proptest::collection::vec;
use proptest::prelude::*;

fn domain() -> impl Strategy<Value = Domain> {
    prop_oneof![
        vec("[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", 1..4).prop_map(|l| l.join(".")),
        Just("例子.广告".to_owned()),
    ]
    .prop_map(|s| Domain::new(&s).unwrap())
}

fn ascii_domain() -> impl Strategy<Value = Domain> {
    vec("[A-Za-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", 1..4)
        .prop_map(|l| Domain::new_ascii(&l.join(".")).unwrap())
}

fn literal() -> impl Strategy<Value = AddressLiteral> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| AddressLiteral::from_ip(std::net::Ipv4Addr::from(o).into())),
        any::<u128>().prop_map(|v| AddressLiteral::from_ip(std::net::Ipv6Addr::from(v).into())),
        "[a-z][a-z0-9-]{0,5}[a-z0-9]:[!-Z^-~]{1,10}".prop_map(|s| AddressLiteral::new(&s).unwrap()),
    ]
}

fn host(ascii: bool) -> BoxedStrategy<Host> {
    if ascii {
        prop_oneof![
            ascii_domain().prop_map(Host::Domain),
            literal().prop_map(Host::Literal)
        ]
        .boxed()
    } else {
        prop_oneof![
            domain().prop_map(Host::Domain),
            literal().prop_map(Host::Literal)
        ]
        .boxed()
    }
}

fn mailbox() -> impl Strategy<Value = Mailbox> {
    let local = prop_oneof![
        "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,10}(\\.[A-Za-z0-9_-]{1,5}){0,2}",
        "[ -~]{0,20}",
        Just("pelé".to_owned()),
    ];
    (local, host(false)).prop_filter_map("too long", |(l, h)| Mailbox::from_parts(&l, &h).ok())
}

fn text(min: usize) -> impl Strategy<Value = Text> {
    proptest::string::string_regex(&format!("[ -~\t\u{e9}]{{{min},30}}"))
        .unwrap()
        .prop_map(|s| Text::new(&s).unwrap())
}

fn value() -> impl Strategy<Value = ParamValue> {
    "[!-<>-~]{1,10}".prop_map(|s| ParamValue::new(&s).unwrap())
}

fn xtext() -> impl Strategy<Value = XText> {
    "[ -~\u{fc}]{1,16}".prop_map(|s| XText::new(&s).unwrap())
}

fn others() -> impl Strategy<Value = Vec<Parameter>> {
    vec(("X-[A-Z0-9]{1,6}", proptest::option::of(value())), 0..3).prop_map(|v| {
        let mut seen = std::collections::HashSet::new();
        v.into_iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .map(|(k, value)| Parameter {
                keyword: Keyword::new(&k).unwrap(),
                value,
            })
            .collect()
    })
}

fn mail_params() -> impl Strategy<Value = MailParameters> {
    let body = prop_oneof![
        Just(Body::SevenBit),
        Just(Body::EightBitMime),
        Just(Body::BinaryMime)
    ];
    let auth = prop_oneof![
        Just(MailAuth::Unknown),
        mailbox().prop_map(MailAuth::Mailbox)
    ];
    let ret = prop_oneof![Just(Ret::Full), Just(Ret::Headers)];
    let hold = prop_oneof![
        any::<u64>().prop_map(Hold::For),
        value().prop_map(Hold::Until)
    ];
    let by = (-999_999_999i32..=999_999_999, any::<bool>(), any::<bool>()).prop_map(
        |(time, r, trace)| DeliverBy {
            time,
            mode: if r { ByMode::Return } else { ByMode::Notify },
            trace,
        },
    );
    (
        (
            proptest::option::of(any::<u64>()),
            proptest::option::of(body),
            any::<bool>(),
            proptest::option::of(auth),
        ),
        (
            proptest::option::of(ret),
            proptest::option::of(xtext()),
            any::<bool>(),
        ),
        (
            proptest::option::of((-9i8..=9).prop_map(|p| Priority::new(p).unwrap())),
            proptest::option::of(hold),
            proptest::option::of(by),
            others(),
        ),
    )
        .prop_map(
            |(
                (size, body, smtputf8, auth),
                (ret, envid, requiretls),
                (mt_priority, hold, by, other),
            )| {
                let mut p = MailParameters::default();
                p.size = size;
                p.body = body;
                p.smtputf8 = smtputf8;
                p.ret = ret;
                p.requiretls = requiretls;
                p.mt_priority = mt_priority;
                p.set_auth(auth);
                p.set_envid(envid);
                p.set_hold(hold);
                p.set_by(by);
                for o in other {
                    p.push_other(o);
                }
                p
            },
        )
}

fn rcpt_params() -> impl Strategy<Value = RcptParameters> {
    let notify = prop_oneof![
        Just(Notify::Never),
        (any::<bool>(), any::<bool>(), any::<bool>())
            .prop_filter_map("none", |(s, f, d)| Notify::on(s, f, d)),
    ];
    let orcpt = ("[a-z0-9][a-z0-9-]{0,6}", xtext())
        .prop_map(|(t, address)| OriginalRecipient::new(&Keyword::new(&t).unwrap(), &address));
    (
        proptest::option::of(notify),
        proptest::option::of(orcpt),
        others(),
    )
        .prop_map(|(notify, orcpt, other)| {
            let mut p = RcptParameters::default();
            p.notify = notify;
            p.orcpt = orcpt;
            for o in other {
                p.push_other(o);
            }
            p
        })
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        host(true).prop_map(Command::Ehlo),
        host(true).prop_map(Command::Helo),
        host(true).prop_map(Command::Lhlo),
        (
            prop_oneof![
                Just(ReversePath::Null),
                mailbox().prop_map(ReversePath::Mailbox)
            ],
            mail_params()
        )
            .prop_map(|(from, params)| Command::Mail { from, params }),
        (
            prop_oneof![
                Just(ForwardPath::Postmaster),
                mailbox().prop_map(ForwardPath::Mailbox)
            ],
            rcpt_params()
        )
            .prop_map(|(to, params)| Command::Rcpt { to, params }),
        Just(Command::Data),
        (any::<u64>(), any::<bool>()).prop_map(|(size, last)| Command::Bdat { size, last }),
        Just(Command::Rset),
        text(1).prop_map(Command::Vrfy),
        text(1).prop_map(Command::Expn),
        proptest::option::of(text(1)).prop_map(Command::Help),
        proptest::option::of(text(1)).prop_map(Command::Noop),
        Just(Command::Quit),
        Just(Command::StartTls),
        (
            "[A-Za-z0-9_-]{1,20}",
            proptest::option::of(vec(any::<u8>(), 0..40))
        )
            .prop_map(|(m, r)| Command::Auth {
                mechanism: SaslMechanism::new(&m).unwrap(),
                initial_response: r.map(Bytes::from),
            }),
        ("X[A-Z0-9-]{1,10}", proptest::option::of(text(0))).prop_map(|(v, args)| Command::Other {
            verb: Keyword::new(&v).unwrap(),
            args
        }),
    ]
}

fn reply() -> impl Strategy<Value = Reply> {
    let line = proptest::string::string_regex("([A-Za-z<\u{e9}][ -~]{0,40})?")
        .unwrap()
        .prop_map(|s| Text::new(&s).unwrap());
    (
        100u16..600,
        vec(line, 1..5),
        (0u16..1000, 0u16..1000),
        any::<bool>(),
    )
        .prop_map(|(code, lines, (s, d), enh)| {
            let code = ReplyCode::new(code).unwrap();
            let r = Reply::multiline(code, lines);
            match EnhancedCode::new(code.class(), s, d) {
                Ok(e) if enh => r.enhanced(e).unwrap(),
                _ => r,
            }
        })
}

fn capability() -> impl Strategy<Value = Capability> {
    let limits = (
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
        vec(("X[A-Z]{1,4}", any::<u64>()), 0..3),
    )
        .prop_map(|(rcpt_max, mail_max, rcpt_domain_max, o)| {
            let mut seen = std::collections::HashSet::new();
            MailLimits {
                rcpt_max,
                mail_max,
                rcpt_domain_max,
                other: o
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .map(|(k, v)| (Keyword::new(&k).unwrap(), v))
                    .collect(),
            }
        });
    prop_oneof![
        proptest::option::of(any::<u64>()).prop_map(Capability::Size),
        Just(Capability::Pipelining),
        Just(Capability::EightBitMime),
        Just(Capability::SmtpUtf8),
        Just(Capability::Chunking),
        Just(Capability::BinaryMime),
        Just(Capability::Dsn),
        Just(Capability::EnhancedStatusCodes),
        Just(Capability::StartTls),
        Just(Capability::RequireTls),
        vec("[A-Z0-9_-]{1,20}", 0..4).prop_map(|m| Capability::Auth(
            m.iter().map(|m| SaslMechanism::new(m).unwrap()).collect()
        )),
        proptest::option::of(any::<u64>()).prop_map(Capability::DeliverBy),
        proptest::option::of("[A-Z][A-Z0-9-]{0,8}")
            .prop_map(|p| Capability::MtPriority(p.map(|p| Keyword::new(&p).unwrap()))),
        (any::<u64>(), "[!-~]{1,20}").prop_map(|(max_interval, t)| Capability::FutureRelease {
            max_interval,
            max_datetime: EhloParam::new(&t).unwrap()
        }),
        limits.prop_map(Capability::Limits),
        ("X-[A-Z0-9]{1,8}", vec("[!-~]{1,8}", 0..3)).prop_map(|(k, p)| Capability::Other {
            keyword: Keyword::new(&k).unwrap(),
            params: p.iter().map(|p| EhloParam::new(p).unwrap()).collect(),
        }),
        "[A-Z]{1,5}=[ -~]{0,10}".prop_map(|t| Capability::Unparsed(Text::new(&t).unwrap())),
    ]
}

fn strip_crlf(wire: &[u8]) -> &[u8] {
    wire.strip_suffix(b"\r\n")
        .expect("a command ends with CRLF")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn command_roundtrip(c in command()) {
        let wire = c.to_vec();
        prop_assert!(!strip_crlf(&wire).contains(&b'\r') && !strip_crlf(&wire).contains(&b'\n'));
        let mut policy = Policy::strict();
        policy.max_command_line = 4096;
        let parsed = Command::parse(strip_crlf(&wire), &policy);
        prop_assert_eq!(parsed.as_ref().ok(), Some(&c), "{:?} -> {:?}", String::from_utf8_lossy(&wire), parsed);
        // The lenient server policy reads what we write the same way,
        // unless the line ends in whitespace, which it trims.
        let mut server = Policy::server();
        server.max_command_line = 4096;
        if !matches!(strip_crlf(&wire).last(), Some(b' ' | b'\t')) {
            prop_assert_eq!(Command::parse(strip_crlf(&wire), &server).ok(), Some(c));
        }
    }

    #[test]
    fn reply_roundtrip(r in reply()) {
        let wire = r.to_vec();
        let parsed = Reply::parse(&wire, &Policy::client());
        prop_assert_eq!(parsed.as_ref().ok(), Some(&r), "{:?}", String::from_utf8_lossy(&wire));
    }

    #[test]
    fn capabilities_roundtrip(
        host in host(false),
        greeting in proptest::option::of(text(0)),
        capabilities in vec(capability(), 0..12),
    ) {
        let e = EhloReply { host, greeting, capabilities };
        let wire = e.to_vec();
        let mut policy = Policy::client();
        policy.max_reply_line = 4096;
        let reply = Reply::parse(&wire, &policy).unwrap();
        prop_assert_eq!(EhloReply::from_reply(&reply).ok(), Some(e), "{:?}", String::from_utf8_lossy(&wire));
    }

    #[test]
    fn parse_never_panics_and_reencodes(line in vec(any::<u8>(), 0..100)) {
        for policy in [Policy::strict(), Policy::server()] {
            if let Ok(c) = Command::parse(&line, &policy) {
                let wire = c.to_vec();
                prop_assert_eq!(Command::parse(strip_crlf(&wire), &Policy::strict()).ok(), Some(c));
            }
        }
    }
}
