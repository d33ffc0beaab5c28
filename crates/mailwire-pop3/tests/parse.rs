//! Known answers of the parsers, including what they must refuse.

use mailwire_core::Error;
use mailwire_pop3::parse::{
    apop_timestamp, parse_capability, parse_challenge, parse_command, parse_drop_listing,
    parse_response, parse_sasl_response, parse_scan_listing, parse_uid_listing,
};
use mailwire_pop3::types::{Capability, Command, ResponseCode, SaslResponse, Status};

#[test]
fn commands_are_case_insensitive_and_strict_about_arguments() {
    assert_eq!(parse_command(b"stat").unwrap(), Command::Stat);
    assert!(matches!(parse_command(b"rEtR 7").unwrap(), Command::Retr(n) if n.get() == 7));
    assert!(matches!(
        parse_command(b"AUTH plain =").unwrap(),
        Command::Auth { ref mechanism, initial_response: Some(ref r) } if mechanism.as_str() == "PLAIN" && r.is_empty()
    ));
    for bad in [
        &b"STAT 1"[..],
        b"LIST 0",
        b"LIST  1",
        b"RETR",
        b"RETR 4294967296",
        b"TOP 1",
        b"USER",
        b"USER a b",
        b"APOP a 123",
        b"AUTH PLAIN AAA=BBB",
        b"AUTH PLAIN a b",
        b"LANG e n",
        b"QUIT ",
    ] {
        assert!(
            matches!(parse_command(bad), Err(Error::Remote(ref r)) if r.reason() == "invalid arguments"),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    for unknown in [&b"XTND"[..], b"", b" STAT", b"STATS", b"\xffST"] {
        assert!(parse_command(unknown).is_err());
    }
}

#[test]
fn response_codes_and_text() {
    let r = parse_response(b"-ERR [SYS/TEMP] try later").unwrap();
    assert_eq!(r.status, Status::Err);
    assert_eq!(r.code, Some(ResponseCode::SysTemp));
    assert_eq!(r.text.as_str(), "try later");
    let r = parse_response(b"+OK [x]y").unwrap();
    assert_eq!((r.code, r.text.as_str()), (None, "[x]y"));
    let r = parse_response(b"-ERR [not a code] z").unwrap();
    assert_eq!((r.code, r.text.as_str()), (None, "[not a code] z"));
    let r = parse_response(b"-ERR [in-use]").unwrap();
    assert_eq!((r.code, r.text.as_str()), (Some(ResponseCode::InUse), ""));
    let r = parse_response(b"-ERR [X-VENDOR/SUB] t").unwrap();
    assert_eq!(r.code, Some(ResponseCode::Other("X-VENDOR/SUB".into())));
    assert!(parse_response(b"+OKAY").is_err());
    assert!(parse_response(b"OK").is_err());
    assert!(parse_response(b"+ abc").is_err());
}

#[test]
fn challenges_and_client_lines() {
    assert_eq!(parse_challenge(b"+ ").unwrap().0, b"");
    assert_eq!(parse_challenge(b"+").unwrap().0, b"");
    assert_eq!(parse_challenge(b"+ dGVzdA==").unwrap().0, b"test");
    assert!(parse_challenge(b"+ dGVzdA").is_err());
    assert!(parse_challenge(b"+OK").is_err());
    assert_eq!(parse_sasl_response(b"*").unwrap(), SaslResponse::Cancel);
    assert_eq!(
        parse_sasl_response(b"").unwrap(),
        SaslResponse::Data(Vec::new())
    );
    assert!(parse_sasl_response(b"=AAA").is_err());
}

#[test]
fn listings() {
    let s = parse_scan_listing(b"2 200 extra info").unwrap();
    assert_eq!((s.msg.get(), s.size), (2, 200));
    assert!(parse_scan_listing(b"0 200").is_err());
    assert!(parse_scan_listing(b"2").is_err());
    let u = parse_uid_listing(b"2 QhdPYR:00WBw1Ph7x7").unwrap();
    assert_eq!(u.uid.as_str(), "QhdPYR:00WBw1Ph7x7");
    assert!(parse_uid_listing(&[b"1 ".as_slice(), &[b'a'; 71]].concat()).is_err());
    assert!(parse_uid_listing(b"1 a b").is_err());
    let d = parse_drop_listing(b"2 320").unwrap();
    assert_eq!((d.count, d.size), (2, 320));
    assert!(parse_drop_listing(b"two 320").is_err());
}

#[test]
fn capabilities_keep_unknown_lines_raw() {
    assert_eq!(
        parse_capability(b"x-vendor  odd args").unwrap(),
        Capability::Unknown("x-vendor  odd args".try_into().unwrap())
    );
    // A known tag with arguments outside its grammar is kept raw too.
    assert_eq!(
        parse_capability(b"LOGIN-DELAY soon").unwrap(),
        Capability::Unknown("LOGIN-DELAY soon".try_into().unwrap())
    );
    assert_eq!(
        parse_capability(b"expire never user").unwrap(),
        Capability::Expire {
            days: None,
            per_user: true
        }
    );
    assert!(parse_capability(b"").is_err());
}

#[test]
fn greeting_timestamp() {
    let t = apop_timestamp("POP3 server ready <1896.697170952@dbc.mtview.ca.us>").unwrap();
    assert_eq!(t.as_str(), "<1896.697170952@dbc.mtview.ca.us>");
    assert!(apop_timestamp("ready").is_none());
    assert!(apop_timestamp("ready <a b>").is_none());
}
