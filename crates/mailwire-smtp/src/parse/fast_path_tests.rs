//! The hand-written fast paths against the plain forms they replace:
//! each must accept exactly the same language with the same result.

use bytes::Bytes;
use proptest::prelude::*;

use super::{Ctx, command};
use crate::types::address::{is_domain, local_part_len};
use crate::types::text::class;
use crate::types::{Command, Policy};

/// `is_domain` as first written: split into labels, check each.
fn domain_oracle(s: &[u8], utf8: bool) -> bool {
    if s.is_empty() || s.len() > 255 {
        return false;
    }
    if !utf8 && !s.is_ascii() {
        return false;
    }
    if utf8 && !s.is_ascii() && std::str::from_utf8(s).is_err() {
        return false;
    }
    let letdig = |b: u8| b.is_ascii_alphanumeric() || b >= 0x80;
    s.split(|&b| b == b'.').all(|label| {
        matches!((label.first(), label.last()), (Some(&f), Some(&l)) if letdig(f) && letdig(l))
            && label.len() <= 63
            && label.iter().all(|&b| letdig(b) || b == b'-')
    })
}

/// The dot-string branch of `local_part_len` as first written.
fn local_part_oracle(s: &[u8]) -> Option<usize> {
    if s.first() == Some(&b'"') {
        return local_part_len(s);
    }
    let end = s.iter().position(|&b| b == b'@').unwrap_or(s.len());
    crate::types::address::is_dot_string(&s[..end]).then_some(end)
}

fn text_oracle(s: &[u8]) -> bool {
    s.iter().all(|&b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

/// Bytes drawn mostly from the characters that matter to these rules.
fn shaped() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"aZ09-.@\"\\ \t<>[]:".to_vec()),
        1 => any::<u8>(),
        1 => prop::sample::select(vec![0x7f, 0x1f, 0x80, 0xc3, 0xa9, 0xff]),
    ];
    prop::collection::vec(byte, 0..80)
}

proptest! {
    #[test]
    fn is_domain_same_as_label_split(s in shaped(), utf8 in any::<bool>()) {
        prop_assert_eq!(is_domain(&s, utf8), domain_oracle(&s, utf8));
    }

    #[test]
    fn is_domain_same_on_long_labels(n in 55usize..70, m in 0usize..4) {
        let s = [vec![b'a'; n], b".".to_vec(), vec![b'b'; m]].concat();
        prop_assert_eq!(is_domain(&s, true), domain_oracle(&s, true));
    }

    #[test]
    fn local_part_same_as_split(s in shaped()) {
        prop_assert_eq!(local_part_len(&s), local_part_oracle(&s));
    }

    #[test]
    fn is_text_same_as_bytewise(s in shaped()) {
        prop_assert_eq!(class::is_text(&s), text_oracle(&s));
    }

    #[test]
    fn is_text_same_on_any_bytes(s in prop::collection::vec(any::<u8>(), 0..40)) {
        prop_assert_eq!(class::is_text(&s), text_oracle(&s));
    }

    /// The bare-verb fast path of `Command::parse_bytes` gives what the
    /// general parser gives, on every line it takes.
    #[test]
    fn bare_verb_same_as_general(s in prop::collection::vec(
        prop::sample::select(b"dDaAtTrRsSeEqQuUiI \t.\x00\xc3".to_vec()), 0..7)
    ) {
        let line = Bytes::from(s);
        let policy = Policy::server();
        let general = super::check_line(
            &line,
            policy.max_command_line,
            crate::types::ParseErrorKind::UnrecognizedCommand,
        )
        .and_then(|()| command::command(Ctx { src: &line, policy: &policy }));
        let fast = crate::types::Command::parse_bytes(&line, &policy);
        prop_assert_eq!(format!("{fast:?}"), format!("{general:?}"));
    }
}

#[test]
fn bare_verbs_in_every_case() {
    let policy = Policy::server();
    for verb in [b"data", b"rset", b"quit", b"noop", b"help"] {
        for mask in 0u8..16 {
            let line: Vec<u8> = verb
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    if mask & (1 << i) != 0 {
                        b.to_ascii_uppercase()
                    } else {
                        b
                    }
                })
                .collect();
            let line = Bytes::from(line);
            let fast = command::bare_verb(&line).expect("a bare verb");
            let general = command::command(Ctx {
                src: &line,
                policy: &policy,
            })
            .expect("parses");
            assert_eq!(fast, general);
        }
    }
    assert!(command::bare_verb(b"vrfy").is_none());
    assert!(command::bare_verb(b"dat").is_none());
}

/// What `Command::parse_bytes` gave before the MAIL/RCPT fast path: the
/// line check, then the general parser.
fn general(line: &Bytes, policy: &Policy) -> Result<crate::types::Command, crate::ParseError> {
    super::check_line(
        line,
        policy.max_command_line,
        crate::types::ParseErrorKind::UnrecognizedCommand,
    )
    .and_then(|()| command::command(Ctx { src: line, policy }))
}

/// Pieces of MAIL and RCPT lines, valid and not, near every rule the
/// fast path checks.
fn envelope_line() -> impl Strategy<Value = Vec<u8>> {
    let verb = prop::sample::select(vec![
        &b"MAIL FROM:"[..],
        b"mail from:",
        b"MaIl FrOm:",
        b"RCPT TO:",
        b"rcpt to:",
        b"RCPT TO",
        b"MAIL FROM",
        b"MAIL\0FROM:",
        b"RCPT\0TO:",
        b"MAIL FROM\x1a",
        b"RCPT TO\x1a",
        b"MAILFROM:",
        b"RCPT  TO:",
    ]);
    let gap = prop::sample::select(vec![&b""[..], b"", b" ", b"  "]);
    let atom = prop_oneof![
        4 => "[a-z0-9]{1,8}".prop_map(String::into_bytes),
        1 => prop::collection::vec(prop::sample::select(b"!#$%&'*+-/=?^_`{|}~a.@\"\\ \xc3\xa9<>[]".to_vec()), 1..4),
        1 => (60usize..68).prop_map(|n| vec![b'x'; n]),
    ];
    let local = prop::collection::vec(atom, 1..4).prop_map(|v| v.join(&b"."[..]));
    let label = prop_oneof![
        6 => "[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?".prop_map(String::into_bytes),
        1 => "-?[a-z]{0,3}-?".prop_map(String::into_bytes),
        1 => (60usize..66).prop_map(|n| vec![b'd'; n]),
        1 => prop::sample::select(vec![&b"\xc3\xa9t\xc3\xa9"[..], b"[1.2.3.4]", b"", b"a_b", b"a>b"]).prop_map(<[u8]>::to_vec),
    ];
    let domain = prop::collection::vec(label, 1..6).prop_map(|v| v.join(&b"."[..]));
    let path = prop_oneof![
        6 => (local, domain).prop_map(|(l, d)| [&b"<"[..], &l, b"@", &d, b">"].concat()),
        1 => Just(b"<>".to_vec()),
        1 => Just(b"<postmaster>".to_vec()),
        1 => Just(b"<@a.example,@b.example:x@c.example>".to_vec()),
        1 => Just(b"<\"a b\"@c.example>".to_vec()),
        1 => Just(b"<a@[192.0.2.1]>".to_vec()),
        1 => Just(b"a@b.example".to_vec()),
        1 => Just(b"<a@b.example".to_vec()),
        1 => Just(b"<a@b.example>x".to_vec()),
        1 => (250usize..256).prop_map(|n| [&b"<a@"[..], &[b'b'; 60], b".", &vec![b'c'; n - 64], b">"].concat()),
    ];
    let param = prop::sample::select(vec![
        &b"SIZE=1048576"[..],
        b"size=0",
        b"SIZE=",
        b"SIZE=12a",
        b"SIZE=00000000000000000001",
        b"SIZE=0000000000000000001",
        b"SIZE=000000000000000000001",
        b"SIZE=18446744073709551615",
        b"SIZE=18446744073709551616",
        b"SIZE",
        // Read from one word (up to 7 digits) or digit by digit (8 on).
        b"SIZE=1234567",
        b"SIZE=12345678",
        b"SIZE=1234567x",
        b"SIZE=0\x80",
        b"sIzE=9",
        b"SIZE=\x19",
        b"SIZE\x1d1",
        b"BODY=8BITMIME",
        b"body=8bitmime",
        b"BODY=8BITMIME=",
        b"BODY=\x18BITMIME",
        b"BODY\x1d8BITMIME",
        b"body=7bit",
        b"BODY=BINARYMIME",
        b"BODY=binarymimE",
        b"BODY=8bit",
        b"BODY=",
        b"BODY=8BITMIMEX",
        b"SMTPUTF8",
        b"smtputf8=yes",
        b"RET=FULL",
        b"ret=hdrs",
        b"RET=HALF",
        b"NOTIFY=SUCCESS,FAILURE",
        b"notify=delay",
        b"NOTIFY=NEVER",
        b"NOTIFY=never,SUCCESS",
        b"NOTIFY=SUCCESS,,DELAY",
        b"NOTIFY=",
        b"NOTIFY=SUCCESS,",
        b"NOTIFY=success,success",
        b"NOTIFY=FAILURE,DELAY",
        b"NOTIFY=SUCCESS,FAILURE,DELAY",
        b"NOTIFY=SUCCESSX",
        b"NOTIFY=DELAY,never",
        b"NOTIFY=NEVERX",
        b"NOTIFY=FAILURE;DELAY",
        b"NOTIFY=FAIL\xd5RE",
        b"NOTIFY=\x13UCCESS",
        b"ORCPT=rfc822;jane.doe@example.org",
        b"ORCPT=RFC822;a",
        b"ORCPT=rfc822x;a",
        b"ORCPT=rfc822\x1ba",
        b"ORCPT=x400;a=b",
        b"ORCPT=utf-8;a",
        b"ORCPT=rfc822;a\x7f",
        b"orcpt=RFC822;x",
        b"ORCPT=rfc822;a+2Bb",
        b"ORCPT=rfc822;",
        b"ORCPT=;a",
        b"ORCPT=-x;a",
        b"ORCPT=rfc822",
        b"ORCPT=rfc822;a=b",
        b"ORCPT=x-y;\xc3\xa9",
        b"X-FOO=bar",
        b"X-FOO",
        b"AUTH=<>",
        b"ENVID=abc",
        b"REQUIRETLS",
        b"MT-PRIORITY=3",
        b"-X=1",
        b"=1",
        b"A=b=c",
        b"A=\x01",
        b"A=\xc3\xa9",
        b"A\tB",
        b"",
    ]);
    let sep = prop::sample::select(vec![&b" "[..], b" ", b" ", b"  ", b"\t"]);
    let params = prop::collection::vec((sep, param), 0..4).prop_map(|v| {
        v.into_iter()
            .flat_map(|(s, p)| [s, p].concat())
            .collect::<Vec<u8>>()
    });
    let tail = prop::sample::select(vec![&b""[..], b"", b"", b" ", b" \t", b"\xff"]);
    (verb, gap, path, params, tail).prop_map(|(v, g, p, ps, t)| [v, g, &p, &ps, t].concat())
}

fn any_policy() -> impl Strategy<Value = Policy> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![512usize, 512, 40, 80]),
    )
        .prop_map(|(space_after_colon, extra_whitespace, bare_path, max)| {
            let mut p = Policy::strict();
            p.space_after_colon = space_after_colon;
            p.extra_whitespace = extra_whitespace;
            p.bare_path = bare_path;
            p.max_command_line = max;
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    /// Whatever the MAIL/RCPT fast path accepts, the general parser
    /// accepts as the same command; and `parse_bytes` (fast path first)
    /// gives what the general parser gives on every line, errors included.
    #[test]
    fn envelope_fast_path_same_as_general(line in envelope_line(), policy in any_policy()) {
        let line = Bytes::from(line);
        let slow = general(&line, &policy);
        if let Some((fast, len)) = super::envelope::mail_or_rcpt(&line, &line, &policy)
            && len == line.len()
            && len + 2 <= policy.max_command_line
        {
            prop_assert_eq!(Ok(&fast), slow.as_ref(), "{:?}", line);
        }
        let parsed = crate::types::Command::parse_bytes(&line, &policy);
        prop_assert_eq!(format!("{parsed:?}"), format!("{slow:?}"));
    }

    /// The plain-mailbox scan agrees with the general mailbox rules.
    #[test]
    fn plain_mailbox_same_as_general(s in shaped()) {
        if let Some(end) = super::envelope::plain_mailbox_len(&s) {
            let at = local_part_len(&s).expect("a local part");
            prop_assert_eq!(s.get(at), Some(&b'@'));
            prop_assert!(at <= 64);
            prop_assert!(end <= 254);
            prop_assert!(crate::types::address::is_host(&s[at + 1..end]));
            prop_assert!(matches!(s.get(end), None | Some(b'>' | b' ')));
            prop_assert!(!s[..end].contains(&b'>') && !s[..end].contains(&b' '));
        }
    }
}

/// The fast path takes the common lines (so the tests above are not
/// vacuous), and leaves the rest to the general parser.
#[test]
fn envelope_fast_path_takes_common_lines() {
    let strict = Policy::strict();
    let server = Policy::server();
    let takes = |line: &[u8], policy: &Policy| {
        let line = Bytes::copy_from_slice(line);
        super::envelope::mail_or_rcpt(&line, &line, policy).is_some_and(|(_, n)| n == line.len())
    };
    for line in [
        &b"MAIL FROM:<john.smith@example.com> SIZE=1048576 BODY=8BITMIME"[..],
        b"RCPT TO:<jane.doe@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;jane.doe@example.org",
        b"MAIL FROM:<>",
        b"mail from:<a@b> smtputf8 ret=hdrs body=binarymime size=0",
        b"RCPT TO:<a.b.c@d-e.f> NOTIFY=never",
        b"RCPT TO:<a_b+c@d.e> NOTIFY=FAILURE,DELAY ORCPT=utf-8;a",
        b"MAIL FROM:<averyveryveryverylonglocalpart.withdots@a-very-long-subdomain.example.com> SIZE=123456789012",
    ] {
        assert!(takes(line, &strict), "{}", String::from_utf8_lossy(line));
        assert!(takes(line, &server), "{}", String::from_utf8_lossy(line));
    }
    assert!(takes(b"MAIL FROM: <a@b>  SIZE=1  ", &server));
    // A trailing tab is left to the general parser.
    assert!(!takes(b"MAIL FROM: <a@b>  SIZE=1 \t", &server));
    assert!(!takes(b"MAIL FROM: <a@b>", &strict));
    for line in [
        &b"MAIL FROM:<\"a b\"@c>"[..],
        b"MAIL FROM:<a@[192.0.2.1]>",
        b"RCPT TO:<Postmaster>",
        b"RCPT TO:<a@b> ORCPT=rfc822;a+2Bb",
        b"MAIL FROM:<a@b> AUTH=<>",
        b"MAIL FROM:<a@b> SIZE=1 SIZE=2",
        b"MAIL FROM:<\xc3\xa9@b>",
    ] {
        assert!(!takes(line, &server), "{}", String::from_utf8_lossy(line));
    }
    // 64-octet local part and a path of 256 octets with its brackets
    // (RFC 5321 §4.5.3.1): at the limits, fast; one over, the general
    // parser's error.
    for (local, ok) in [(64, true), (65, false)] {
        let line = [&b"MAIL FROM:<"[..], &vec![b'l'; local], b"@a.b>"].concat();
        assert_eq!(takes(&line, &strict), ok);
        assert_eq!(Command::parse(&line, &strict).is_ok(), ok);
    }
    let label = [b'd'; 63];
    for (len, ok) in [(252, true), (253, false)] {
        let domain = [
            &label[..],
            b".",
            &label,
            b".",
            &label,
            b".",
            &vec![b'd'; len - 192],
        ]
        .concat();
        assert_eq!(domain.len(), len);
        let line = [&b"RCPT TO:<a@"[..], &domain, b">"].concat();
        assert_eq!(takes(&line, &strict), ok);
        assert_eq!(Command::parse(&line, &strict).is_ok(), ok);
    }
    // A label of 64 octets is too long.
    let line = [&b"RCPT TO:<a@"[..], &[b'd'; 64], b".b>"].concat();
    assert!(!takes(&line, &strict));
    assert!(Command::parse(&line, &strict).is_err());
}
