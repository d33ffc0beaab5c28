//! proptest: `parse(encode(x)) == x` for every command, response and
//! listing; dot-stuffed bodies survive the trip server -> client.

mod common;

use common::{App, Pair};
use mailwire_pop3::encode::Encode;
use mailwire_pop3::parse::{
    parse_capability, parse_challenge, parse_command, parse_drop_listing, parse_lang_listing,
    parse_response, parse_sasl_response, parse_scan_listing, parse_uid_listing,
};
use mailwire_pop3::types::{
    Arg, Capability, Challenge, Command, Digest, DropListing, LangListing, LangTag, MechanismName,
    MsgNum, Password, Response, ResponseCode, SaslResponse, ScanListing, Status, Text, Uid,
    UidListing,
};
use mailwire_pop3::{Client, ClientConfig, ClientEvent, Server, ServerConfig};
use proptest::prelude::*;

fn line(encoded: &[u8]) -> &[u8] {
    assert!(encoded.ends_with(b"\r\n"));
    let l = &encoded[..encoded.len() - 2];
    assert!(!l.contains(&b'\r') && !l.contains(&b'\n'), "{l:?}");
    l
}

fn msg() -> impl Strategy<Value = MsgNum> {
    (1..=u32::MAX).prop_map(|n| MsgNum::new(n).unwrap())
}

fn arg() -> impl Strategy<Value = Arg> {
    "[!-~é€]{1,24}".prop_map(|s| Arg::new(s).unwrap())
}

fn text() -> impl Strategy<Value = Text> {
    "[ -~äß]{0,40}".prop_map(|s| Text::new(s).unwrap())
}

fn mech() -> impl Strategy<Value = MechanismName> {
    "[A-Z0-9_-]{1,20}".prop_map(|s| MechanismName::new(s).unwrap())
}

fn lang_tag() -> impl Strategy<Value = LangTag> {
    prop_oneof!["[a-zA-Z0-9-]{1,12}", Just("*".to_owned())].prop_map(|s| LangTag::new(s).unwrap())
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        arg().prop_map(Command::User),
        "[ -~ü]{1,40}".prop_map(|p| Command::Pass(Password::new(p).unwrap())),
        (arg(), any::<[u8; 16]>()).prop_map(|(name, d)| Command::Apop {
            name,
            digest: Digest(d)
        }),
        Just(Command::Quit),
        Just(Command::Stat),
        proptest::option::of(msg()).prop_map(Command::List),
        msg().prop_map(Command::Retr),
        msg().prop_map(Command::Dele),
        Just(Command::Noop),
        Just(Command::Rset),
        (msg(), any::<u32>()).prop_map(|(msg, lines)| Command::Top { msg, lines }),
        proptest::option::of(msg()).prop_map(Command::Uidl),
        Just(Command::Capa),
        Just(Command::Stls),
        (
            mech(),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..80))
        )
            .prop_map(|(mechanism, initial_response)| Command::Auth {
                mechanism,
                initial_response
            }),
        Just(Command::Utf8),
        proptest::option::of(lang_tag()).prop_map(Command::Lang),
    ]
}

fn code() -> impl Strategy<Value = ResponseCode> {
    prop_oneof![
        Just(ResponseCode::InUse),
        Just(ResponseCode::LoginDelay),
        Just(ResponseCode::SysTemp),
        Just(ResponseCode::SysPerm),
        Just(ResponseCode::Auth),
        Just(ResponseCode::Utf8),
        "[A-Za-z0-9-]{1,8}(/[A-Za-z0-9-]{1,8}){0,2}".prop_map(|s| ResponseCode::new(&s).unwrap()),
    ]
}

fn response() -> impl Strategy<Value = Response> {
    (
        prop_oneof![Just(Status::Ok), Just(Status::Err)],
        proptest::option::of(code()),
        text(),
    )
        // Text shaped like a code with no code before it reads back as one.
        .prop_filter("text looks like a code", |(_, code, text)| {
            code.is_some() || !text.as_str().starts_with('[')
        })
        .prop_map(|(status, code, text)| Response { status, code, text })
}

fn capability() -> impl Strategy<Value = Capability> {
    prop_oneof![
        Just(Capability::Top),
        Just(Capability::User),
        proptest::collection::vec(mech(), 0..5).prop_map(Capability::Sasl),
        Just(Capability::RespCodes),
        (any::<u32>(), any::<bool>())
            .prop_map(|(seconds, per_user)| Capability::LoginDelay { seconds, per_user }),
        Just(Capability::Pipelining),
        (proptest::option::of(any::<u32>()), any::<bool>())
            .prop_map(|(days, per_user)| Capability::Expire { days, per_user }),
        Just(Capability::Uidl),
        text().prop_map(Capability::Implementation),
        Just(Capability::Stls),
        Just(Capability::AuthRespCode),
        any::<bool>().prop_map(|user| Capability::Utf8 { user }),
        Just(Capability::Lang),
        "X-[A-Z0-9-]{1,10}( [!-~]{1,8}){0,3}"
            .prop_map(|s| Capability::Unknown(Text::new(s).unwrap())),
    ]
}

proptest! {
    #[test]
    fn commands_round_trip(c in command()) {
        let wire = c.to_bytes();
        prop_assert_eq!(parse_command(line(&wire)).unwrap(), c);
    }

    #[test]
    fn responses_round_trip(r in response()) {
        let wire = r.to_bytes();
        prop_assert_eq!(parse_response(line(&wire)).unwrap(), r);
    }

    #[test]
    fn challenges_and_sasl_responses_round_trip(data in proptest::collection::vec(any::<u8>(), 0..200), cancel in any::<bool>()) {
        let c = Challenge(data.clone());
        prop_assert_eq!(parse_challenge(line(&c.to_bytes())).unwrap(), c);
        let r = if cancel { SaslResponse::Cancel } else { SaslResponse::Data(data) };
        prop_assert_eq!(parse_sasl_response(line(&r.to_bytes())).unwrap(), r);
    }

    #[test]
    fn capabilities_round_trip(c in capability()) {
        let wire = c.to_bytes();
        prop_assert_eq!(parse_capability(line(&wire)).unwrap(), c);
    }

    #[test]
    fn listings_round_trip(
        m in msg(),
        size in any::<u64>(),
        count in any::<u32>(),
        uid in "[!-~]{1,70}",
        tag in "[a-zA-Z0-9-]{1,12}",
        description in text(),
    ) {
        let scan = ScanListing { msg: m, size };
        prop_assert_eq!(parse_scan_listing(line(&scan.to_bytes())).unwrap(), scan);
        let u = UidListing { msg: m, uid: Uid::new(uid).unwrap() };
        prop_assert_eq!(parse_uid_listing(line(&u.to_bytes())).unwrap(), u);
        let l = LangListing { tag: LangTag::new(tag).unwrap(), description };
        prop_assert_eq!(parse_lang_listing(line(&l.to_bytes())).unwrap(), l);
        let d = DropListing { count, size };
        let r = parse_response(line(&d.to_bytes())).unwrap();
        prop_assert_eq!(parse_drop_listing(r.text.as_str().as_bytes()).unwrap(), d);
    }

    #[test]
    fn arbitrary_lines_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_command(&bytes);
        let _ = parse_response(&bytes);
        let _ = parse_capability(&bytes);
        let _ = parse_challenge(&bytes);
        let _ = parse_scan_listing(&bytes);
        let _ = parse_uid_listing(&bytes);
        let _ = parse_lang_listing(&bytes);
        let _ = parse_sasl_response(&bytes);
    }
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    // Lines of anything but CR and LF (dots welcome), CRLF-terminated.
    proptest::collection::vec(
        prop_oneof![
            Just(b".".to_vec()),
            Just(b"..".to_vec()),
            Just(Vec::new()),
            proptest::collection::vec(
                any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
                0..40
            ),
        ],
        0..30,
    )
    .prop_map(|lines| {
        let mut b = Vec::new();
        for l in lines {
            b.extend_from_slice(&l);
            b.extend_from_slice(b"\r\n");
        }
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn dot_stuffed_bodies_round_trip_through_both_machines(
        bodies in proptest::collection::vec(body(), 1..4),
        chunk in 1usize..50,
    ) {
        let mut cc = ClientConfig::new();
        cc.implicit_tls = true;
        let mut sc = ServerConfig::new();
        sc.implicit_tls = true;
        let mut app = App::new("u", "p", bodies.clone());
        app.chunk = chunk;
        let count = bodies.len() as u32;
        let mut pair = Pair::new(Client::new(cc), Server::new(sc), app);
        pair.run(|c, e| {
            if let ClientEvent::Capabilities(_) = e {
                c.login("u", "p").unwrap();
            }
            if let ClientEvent::LoggedIn = e {
                for i in 1..=count {
                    c.retr(MsgNum::new(i).unwrap()).unwrap();
                }
            }
        });
        prop_assert!(pair.seen.errors.is_empty());
        prop_assert_eq!(pair.seen.bodies, bodies);
    }
}
