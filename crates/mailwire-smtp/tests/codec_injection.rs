//! Every constructor refuses CR, LF and NUL, so no value built through the
//! API can encode an injected command or reply line.

use mailwire_smtp::*;
use proptest::prelude::*;

/// Tries every public constructor that takes text on `s`; returns those
/// that accepted it.
fn accepted(s: &str) -> Vec<&'static str> {
    let mut ok = Vec::new();
    let mut check = |name, accepted: bool| {
        if accepted {
            ok.push(name)
        }
    };
    check("Text", Text::new(s).is_ok());
    check("Keyword", Keyword::new(s).is_ok());
    check("ParamValue", ParamValue::new(s).is_ok());
    check("EhloParam", EhloParam::new(s).is_ok());
    check("SaslMechanism", SaslMechanism::new(s).is_ok());
    check("XText", XText::new(s).is_ok());
    check("XText::decode", XText::decode(s.as_bytes()).is_ok());
    check("Domain", Domain::new(s).is_ok());
    check("Domain::new_ascii", Domain::new_ascii(s).is_ok());
    check("AddressLiteral", AddressLiteral::new(s).is_ok());
    check("Host", Host::try_from(s).is_ok());
    check("Mailbox", Mailbox::new(s).is_ok());
    check(
        "Mailbox::from_parts",
        Mailbox::from_parts(s, &Host::try_from("example.com").unwrap()).is_ok(),
    );
    check("Reply::with_text", Reply::with_text(250, s).is_ok());
    ok
}

#[test]
fn constructors_refuse_line_breaks_and_nul() {
    for bad in [
        "\r",
        "\n",
        "\0",
        "a\r\nRCPT TO:<x@y>",
        "ok\0",
        "x\ny",
        "a@b\r\n.example",
        "[1.2.3.4]\n",
    ] {
        assert_eq!(accepted(bad), Vec::<&str>::new(), "{bad:?}");
    }
    // And all of them accept something ordinary, so the test can fail.
    assert_eq!(accepted("PLAIN").len(), 12, "{:?}", accepted("PLAIN"));
}

#[test]
fn xtext_decoding_cannot_smuggle_line_breaks() {
    assert!(XText::decode(b"a+0D+0Ab").is_err());
    assert!(XText::decode(b"a+00").is_err());
    let x = XText::new("a b+c=d").unwrap();
    assert_eq!(x.encoded(), "a+20b+2Bc+3Dd");
}

#[test]
fn parsed_lines_with_control_characters_are_refused() {
    for line in [
        &b"VRFY a\0b"[..],
        b"MAIL FROM:<a\0@b.c>",
        b"XFOO a\x01",
        b"HELP \x1b[2J",
        b"NOOP \x7f",
    ] {
        assert!(Command::parse(line, &Policy::server()).is_err(), "{line:?}");
    }
}

proptest! {
    #[test]
    fn nothing_with_cr_lf_or_nul_is_accepted(
        a in "[ -~]{0,10}", b in "[ -~]{0,10}", c in prop_oneof![Just('\r'), Just('\n'), Just('\0')]
    ) {
        let s = format!("{a}{c}{b}");
        prop_assert_eq!(accepted(&s), Vec::<&str>::new());
    }
}
