//! The EHLO fast path against the general one: capability lines against
//! the parser as first written (split at spaces, then matched), and
//! `ReplyAssembler::push_ehlo_line` against `push_line` followed by
//! `EhloReply::from_reply`, line by line, on generated replies that are
//! well-formed, odd or broken.

use bytes::Bytes;
use proptest::prelude::*;

use super::{capability, common, printable};
use crate::ReplyAssembler;
use crate::types::capability::EhloOutcome;
use crate::types::text::Str;
use crate::types::{
    Capability, EhloParam, EhloReply, Keyword, MailLimits, ParseError, Policy, Reply,
    SaslMechanism, Text,
};

fn is_keyword(s: &[u8]) -> bool {
    matches!(s.first(), Some(b) if b.is_ascii_alphanumeric())
        && s.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_param(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| matches!(b, 33..=126))
}

fn is_mech(s: &[u8]) -> bool {
    (1..=20).contains(&s.len())
        && s.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn number(s: &[u8]) -> Option<u64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// `Capability::parse` as first written: split the line at spaces, then
/// match the keyword and the list of parameters.
fn oracle(line: &Text) -> Capability {
    let src = line.0.bytes();
    let sub = |s: &[u8]| Str::trusted(src.slice_ref(s));
    let bytes = line.as_bytes();
    let (keyword, rest) = match bytes.iter().position(|&b| b == b' ') {
        Some(sp) => (&bytes[..sp], Some(&bytes[sp + 1..])),
        None => (bytes, None),
    };
    let words: Vec<&[u8]> = rest
        .map(|r| r.split(|&b| b == b' ').collect())
        .unwrap_or_default();
    if !is_keyword(keyword) || !words.iter().all(|w| is_param(w)) {
        return Capability::Unparsed(line.clone());
    }
    let kw = keyword.to_ascii_uppercase();
    let known = match (&kw[..], &words[..]) {
        (b"PIPELINING", []) => Some(Capability::Pipelining),
        (b"8BITMIME", []) => Some(Capability::EightBitMime),
        (b"SMTPUTF8", []) => Some(Capability::SmtpUtf8),
        (b"CHUNKING", []) => Some(Capability::Chunking),
        (b"BINARYMIME", []) => Some(Capability::BinaryMime),
        (b"DSN", []) => Some(Capability::Dsn),
        (b"ENHANCEDSTATUSCODES", []) => Some(Capability::EnhancedStatusCodes),
        (b"STARTTLS", []) => Some(Capability::StartTls),
        (b"REQUIRETLS", []) => Some(Capability::RequireTls),
        (b"SIZE", []) => Some(Capability::Size(None)),
        (b"SIZE", [n]) if n.len() <= 20 => number(n).map(|n| Capability::Size(Some(n))),
        (b"DELIVERBY", []) => Some(Capability::DeliverBy(None)),
        (b"DELIVERBY", [n]) => number(n).map(|n| Capability::DeliverBy(Some(n))),
        (b"MT-PRIORITY", []) => Some(Capability::MtPriority(None)),
        (b"MT-PRIORITY", [p]) if is_keyword(p) => {
            Some(Capability::MtPriority(Some(Keyword::from_parsed(sub(p)))))
        }
        (b"FUTURERELEASE", [i, t]) => number(i).map(|i| Capability::FutureRelease {
            max_interval: i,
            max_datetime: EhloParam::from_parsed(sub(t)),
        }),
        (b"AUTH", ws) if ws.iter().all(|w| is_mech(w)) => Some(Capability::Auth(
            ws.iter()
                .map(|m| SaslMechanism::from_parsed(sub(m)))
                .collect(),
        )),
        (b"LIMITS", ws) => limits(ws, &sub).map(Capability::Limits),
        _ => None,
    };
    known.unwrap_or_else(|| Capability::Other {
        keyword: Keyword::from_parsed(sub(keyword)),
        params: words
            .iter()
            .map(|p| EhloParam::from_parsed(sub(p)))
            .collect(),
    })
}

fn limits(words: &[&[u8]], sub: &dyn Fn(&[u8]) -> Str) -> Option<MailLimits> {
    let mut l = MailLimits::default();
    for p in words {
        let eq = p.iter().position(|&b| b == b'=')?;
        let (name, value) = (&p[..eq], &p[eq + 1..]);
        if value.len() > 20 {
            return None;
        }
        let value = number(value)?;
        let slot = match &name.to_ascii_uppercase()[..] {
            b"RCPTMAX" => &mut l.rcpt_max,
            b"MAILMAX" => &mut l.mail_max,
            b"RCPTDOMAINMAX" => &mut l.rcpt_domain_max,
            _ => {
                if !is_keyword(name)
                    || l.other
                        .iter()
                        .any(|(k, _)| k.as_bytes().eq_ignore_ascii_case(name))
                {
                    return None;
                }
                l.other.push((Keyword::from_parsed(sub(name)), value));
                continue;
            }
        };
        if slot.replace(value).is_some() {
            return None;
        }
    }
    Some(l)
}

/// A keyword in a random case (or a broken one).
fn keyword() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "PIPELINING",
        "SIZE",
        "8BITMIME",
        "SMTPUTF8",
        "CHUNKING",
        "BINARYMIME",
        "DSN",
        "ENHANCEDSTATUSCODES",
        "STARTTLS",
        "REQUIRETLS",
        "DELIVERBY",
        "MT-PRIORITY",
        "FUTURERELEASE",
        "AUTH",
        "LIMITS",
        "X-FOO",
        "XEXCH50",
        "VRFY",
        "AUTH=LOGIN",
        "-BAD",
        "",
        "SIZ",
        "SIZE1",
        "PIPE\u{1}LINING",
        "\u{18}BITMIME",
        "DS\u{d}",
        "MT\u{d}PRIORITY",
        "STARTTLS\t",
        "ÉTÉ",
        "ENHANCEDSTATUSCODEZ",
        "PIPELINING-",
    ]);
    (name, any::<u32>()).prop_map(|(n, mask)| {
        n.chars()
            .enumerate()
            .map(|(i, c)| {
                if mask & (1 << (i % 32)) != 0 {
                    c.to_ascii_lowercase()
                } else {
                    c
                }
            })
            .collect()
    })
}

fn param() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "0",
            "35882577",
            "18446744073709551615",
            "18446744073709551616",
            "00000000000000000001",
            "000000000000000000001",
            "12a",
            "PLAIN",
            "login",
            "CRAM-MD5",
            "SCRAM_SHA-256-PLUS",
            "ABCDEFGHIJKLMNOPQRSTU",
            "RCPTMAX=10",
            "rcptmax=5",
            "MAILMAX=1",
            "RCPTDOMAINMAX=3",
            "FOO=7",
            "foo=8",
            "=1",
            "A=",
            "A=b",
            "-X=1",
            "MIXER",
            "STANAG4406",
            "2040-01-01T00:00:00Z",
            "",
            "\t",
            "é",
            "\u{7f}",
        ])
        .prop_map(str::to_owned),
        "[!-~]{1,6}",
        "[0-9]{1,21}",
        "[A-Za-z0-9_-]{1,21}",
    ]
}

/// A capability line: a keyword and parameters, joined by one space or
/// (now and then) two.
fn cap_line() -> impl Strategy<Value = String> {
    (
        keyword(),
        prop::collection::vec((param(), prop::bool::weighted(0.1)), 0..4),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(k, params, trailing)| {
            let mut s = k;
            for (p, two) in params {
                s.push_str(if two { "  " } else { " " });
                s.push_str(&p);
            }
            if trailing {
                s.push(' ');
            }
            s
        })
}

fn first_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "mx.example.com Hello client.example.net",
        "mx.example.com",
        "[127.0.0.1] hi",
        "[IPv6:::1]",
        "2.0.0 mx.example.com",
        "2.0.0",
        "2.00.0 x",
        "-bad- host",
        "",
        "mx.example.com ",
        "mx..example",
        "mx.example.com \u{1}",
        "héllo.example hi",
    ])
    .prop_map(str::to_owned)
}

/// The code and separator of one line, mostly right.
fn prefix() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => Just("250-".to_owned()),
        1 => Just("250 ".to_owned()),
        1 => prop::sample::select(vec![
            "251-", "550-", "250", "25", "250x", "2.0.0", "250-2.0.0 ", "250 2.0.0 ", "",
        ])
        .prop_map(str::to_owned),
    ]
}

/// The lines of one or more replies to EHLO, without CRLF.
fn ehlo_lines() -> impl Strategy<Value = Vec<String>> {
    (
        prop::sample::select(vec!["250-", "250 ", "502 ", "550-", "421 ", "251-", "250"]),
        first_text(),
        prop::collection::vec((prefix(), cap_line()), 0..12),
        prop::bool::weighted(0.8),
    )
        .prop_map(|(p0, first, caps, end)| {
            let mut lines = vec![format!("{p0}{first}")];
            let n = caps.len();
            for (i, (p, cap)) in caps.into_iter().enumerate() {
                let p = if end && i + 1 == n && p == "250-" {
                    "250 ".to_owned()
                } else {
                    p
                };
                lines.push(format!("{p}{cap}"));
            }
            lines
        })
}

fn policy() -> impl Strategy<Value = Policy> {
    prop_oneof![
        4 => Just(Policy::client()),
        1 => (1usize..8, 8usize..200, 10usize..40).prop_map(|(lines, size, line)| {
            let mut p = Policy::client();
            p.max_reply_lines = lines;
            p.max_reply_size = size;
            p.max_reply_line = line;
            p
        }),
    ]
}

/// What the general path makes of a complete reply to EHLO.
fn general_outcome(reply: Reply) -> Result<EhloOutcome, ParseError> {
    if reply.code.get() == 250 {
        EhloReply::from_reply(&reply).map(EhloOutcome::Ehlo)
    } else {
        Ok(EhloOutcome::Other(reply))
    }
}

/// Feeds the lines one by one to both paths; they must agree at every
/// line, in value or in the kind of error.
fn agree(lines: &[String], policy: Policy) -> Result<(), TestCaseError> {
    let lines: Vec<&[u8]> = lines.iter().map(String::as_bytes).collect();
    agree_bytes(&lines, policy)
}

/// [`agree`] for lines of any bytes.
fn agree_bytes(lines: &[&[u8]], policy: Policy) -> Result<(), TestCaseError> {
    let mut general = ReplyAssembler::new(policy);
    let mut fast = ReplyAssembler::new(policy);
    for line in lines {
        let line = Bytes::copy_from_slice(line);
        let g = general
            .push_line(&line)
            .and_then(|r| r.map(general_outcome).transpose());
        let f = fast.push_ehlo_line(&line);
        match (&g, &f) {
            (Ok(g), Ok(f)) => prop_assert_eq!(g, f, "line {:?}", line),
            (Err(g), Err(f)) => prop_assert_eq!(g.kind(), f.kind(), "line {:?}", line),
            _ => prop_assert!(false, "line {:?}: general {:?}, fast {:?}", line, g, f),
        }
        prop_assert_eq!(general.is_idle(), fast.is_idle());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn capability_same_as_first_written(line in cap_line()) {
        let Ok(text) = Text::new(&line) else {
            return Ok(());
        };
        let (fast, clean) = capability(text.0.bytes(), 0);
        prop_assert_eq!(&fast, &oracle(&text), "{:?}", line);
        prop_assert_eq!(Capability::parse(&text), fast.clone());
        if clean {
            prop_assert!(line.bytes().all(|b| (0x20..0x7f).contains(&b)));
            prop_assert!(!matches!(fast, Capability::Unparsed(_)));
        }
    }

    #[test]
    fn capability_same_on_any_text(line in "[ -~]{0,30}") {
        let text = Text::new(&line).expect("printable");
        prop_assert_eq!(capability(text.0.bytes(), 0).0, oracle(&text), "{:?}", line);
    }

    #[test]
    fn push_ehlo_line_same_as_general(lines in ehlo_lines(), policy in policy()) {
        agree(&lines, policy)?;
    }

    /// Two replies back to back, fed line by line: the fast path stays
    /// in step with the server across replies and errors.
    #[test]
    fn push_ehlo_line_same_across_replies(a in ehlo_lines(), b in ehlo_lines()) {
        let lines: Vec<String> = a.into_iter().chain(b).collect();
        agree(&lines, Policy::client())?;
    }

    #[test]
    fn parse_same_as_general(lines in ehlo_lines()) {
        let wire: String = lines.iter().map(|l| format!("{l}\r\n")).collect();
        let policy = Policy::client();
        let general = Reply::parse(wire.as_bytes(), &policy)
            .and_then(|r| EhloReply::from_reply(&r));
        let fast = EhloReply::parse(wire.as_bytes(), &policy);
        match (&general, &fast) {
            (Ok(g), Ok(f)) => prop_assert_eq!(g, f),
            (Err(g), Err(f)) => prop_assert_eq!(g.kind(), f.kind()),
            _ => prop_assert!(false, "{:?}: general {:?}, fast {:?}", wire, general, fast),
        }
    }
}

/// A line of an EHLO reply with some of its bytes changed to any byte
/// (control characters, bytes of broken or valid UTF-8).
fn noisy_lines() -> impl Strategy<Value = Vec<Vec<u8>>> {
    (
        ehlo_lines(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
    )
        .prop_map(|(lines, noise)| {
            let mut lines: Vec<Vec<u8>> = lines.into_iter().map(String::into_bytes).collect();
            let n = lines.len();
            for (at, byte) in noise {
                let line = &mut lines[at.index(n)];
                if !line.is_empty() {
                    let i = at.index(line.len());
                    line[i] = byte;
                }
            }
            lines
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// `common` reads a line as `capability` does, wherever the line
    /// starts in its buffer (the words it loads depend on that), and
    /// takes only lines of printable US-ASCII.
    #[test]
    fn common_same_as_capability(line in cap_line(), pad in 0usize..12, tail in "[ -~\r\n]{0,9}") {
        let mut buf = "x".repeat(pad).into_bytes();
        buf.extend_from_slice(line.as_bytes());
        let src = Bytes::from(buf.clone());
        // Bytes after the line's end are not looked at.
        buf.extend_from_slice(tail.as_bytes());
        let with_tail = Bytes::from(buf);
        let end = pad + line.len();
        prop_assert_eq!(common(&src, pad, end), common(&with_tail, pad, end));
        if let Some(cap) = common(&src, pad, end) {
            prop_assert!(line.bytes().all(|b| (0x20..0x7f).contains(&b)), "{:?}", line);
            prop_assert_eq!(&cap, &capability(&src, pad).0, "{:?}", line);
            prop_assert_eq!(&cap, &oracle(&Text::new(&line).expect("text")), "{:?}", line);
        }
    }

    /// The same on lines of any bytes.
    #[test]
    fn common_on_any_bytes(line in prop::collection::vec(any::<u8>(), 0..40), pad in 0usize..12) {
        let mut buf = vec![b'x'; pad];
        buf.extend_from_slice(&line);
        let src = Bytes::from(buf);
        if let Some(cap) = common(&src, pad, src.len()) {
            prop_assert!(line.iter().all(|b| (0x20..0x7f).contains(b)), "{:?}", line);
            prop_assert_eq!(cap, capability(&src, pad).0, "{:?}", line);
        }
    }

    #[test]
    fn printable_same_as_each_byte(s in prop::collection::vec(
        prop_oneof![0x1eu8..0x22, 0x7du8..0x82, any::<u8>(), Just(b'\t')], 0..40)
    ) {
        prop_assert_eq!(printable(&s), s.iter().all(|b| (0x20..0x7f).contains(b)), "{:?}", s);
    }

    /// Lines with bytes of any value (not UTF-8, control characters) in
    /// any place: both paths refuse or read them alike.
    #[test]
    fn push_ehlo_line_same_on_noisy_lines(lines in noisy_lines(), policy in policy()) {
        let lines: Vec<&[u8]> = lines.iter().map(Vec::as_slice).collect();
        agree_bytes(&lines, policy)?;
    }

    /// A reply's wire form cut into lines at any CRLF, then fed through
    /// `EhloReply::parse` and through the general path.
    #[test]
    fn parse_same_as_general_on_noisy_lines(lines in noisy_lines()) {
        let mut wire = Vec::new();
        for l in &lines {
            wire.extend_from_slice(l);
            wire.extend_from_slice(b"\r\n");
        }
        let policy = Policy::client();
        let general = Reply::parse(&wire, &policy).and_then(|r| EhloReply::from_reply(&r));
        let fast = EhloReply::parse(&wire, &policy);
        match (&general, &fast) {
            (Ok(g), Ok(f)) => prop_assert_eq!(g, f),
            (Err(g), Err(f)) => prop_assert_eq!(g.kind(), f.kind()),
            _ => prop_assert!(false, "{:?}: general {:?}, fast {:?}", wire, general, fast),
        }
    }
}

/// What `push_ehlo_from` must give on `wire` fed in `chunks`, by its
/// docs: lines cut at each LF and given to `push_ehlo_line`, a LF at or
/// past `max_reply_line` bytes a `LineTooLong`, one without CR before it
/// a `BadReply`. The outcomes in order, and the kind of the error that
/// ends the stream, if any.
type Outcomes = (Vec<EhloOutcome>, Option<crate::ParseErrorKind>);

fn by_lines(wire: &[u8], policy: Policy) -> Outcomes {
    let mut asm = ReplyAssembler::new(policy);
    let mut out = Vec::new();
    let mut rest = wire;
    loop {
        let lf = rest.iter().position(|&b| b == b'\n');
        let too_long = match lf {
            Some(lf) => lf >= policy.max_reply_line,
            None => rest.len() >= policy.max_reply_line,
        };
        if too_long {
            return (out, Some(crate::ParseErrorKind::LineTooLong));
        }
        let Some(lf) = lf else {
            return (out, None);
        };
        let Some(line) = rest[..lf].strip_suffix(b"\r") else {
            return (out, Some(crate::ParseErrorKind::BadReply));
        };
        match asm.push_ehlo_line(&Bytes::copy_from_slice(line)) {
            Ok(Some(o)) => out.push(o),
            Ok(None) => {}
            Err(e) => return (out, Some(e.kind())),
        }
        rest = &rest[lf + 1..];
    }
}

/// `push_ehlo_from` driven as its docs say: input arrives in chunks
/// (cut at `cuts`), what it reads is dropped from the front.
fn from_chunks(wire: &[u8], cuts: &[usize], policy: Policy) -> Outcomes {
    let mut asm = ReplyAssembler::new(policy);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(wire.len())).collect();
    bounds.push(wire.len());
    bounds.sort_unstable();
    let mut fed = 0;
    for b in bounds {
        buf.extend_from_slice(&wire[fed..b]);
        fed = b;
        loop {
            let src = Bytes::copy_from_slice(&buf);
            match asm.push_ehlo_from(&src) {
                Ok((o, n)) => {
                    assert!(n <= buf.len());
                    buf.drain(..n);
                    match o {
                        Some(o) => out.push(o),
                        None => break,
                    }
                }
                Err(e) => return (out, Some(e.kind())),
            }
        }
    }
    (out, None)
}

fn wire_of(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut wire = Vec::new();
    for l in lines {
        wire.extend_from_slice(l);
        wire.extend_from_slice(b"\r\n");
    }
    wire
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// One pass over the buffer reads what `push_ehlo_line` reads line
    /// by line, however the input is cut, on replies back to back with
    /// noise in them (bare CR or LF, non-UTF-8, control bytes).
    #[test]
    fn push_ehlo_from_same_as_lines(
        a in noisy_lines(),
        b in noisy_lines(),
        cuts in prop::collection::vec(0usize..400, 0..4),
        policy in policy(),
    ) {
        let mut wire = wire_of(&a);
        wire.extend_from_slice(&wire_of(&b));
        prop_assert_eq!(from_chunks(&wire, &cuts, policy), by_lines(&wire, policy), "{:?}", String::from_utf8_lossy(&wire));
    }

    /// The same on a stream of any bytes.
    #[test]
    fn push_ehlo_from_same_on_any_bytes(
        wire in prop::collection::vec(prop_oneof![any::<u8>(), Just(b'\r'), Just(b'\n'), Just(b'2')], 0..200),
        cuts in prop::collection::vec(0usize..200, 0..4),
        policy in policy(),
    ) {
        prop_assert_eq!(from_chunks(&wire, &cuts, policy), by_lines(&wire, policy));
    }
}

#[test]
fn push_ehlo_from_the_bench_reply_at_once_and_byte_by_byte() {
    let wire = b"250-mx.example.com Hello client.example.net\r\n\
250-PIPELINING\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n\
250-AUTH PLAIN LOGIN\r\n250-STARTTLS\r\n250-CHUNKING\r\n250-DSN\r\n250 SMTPUTF8\r\n";
    let mut asm = ReplyAssembler::new(Policy::client());
    let (Some(EhloOutcome::Ehlo(e)), n) = asm
        .push_ehlo_from(&Bytes::from_static(wire))
        .expect("parses")
    else {
        panic!("one reply");
    };
    assert_eq!(n, wire.len());
    assert_eq!(
        e,
        EhloReply::parse(wire, &Policy::client()).expect("parses")
    );
    let cuts: Vec<usize> = (0..wire.len()).collect();
    let (outs, err) = from_chunks(wire, &cuts, Policy::client());
    assert_eq!(err, None);
    assert_eq!(outs, [EhloOutcome::Ehlo(e)]);
    // A line without its LF stops at the limit, not at the end of input.
    let mut policy = Policy::client();
    policy.max_reply_line = 10;
    let mut asm = ReplyAssembler::new(policy);
    assert!(asm.push_ehlo_from(&Bytes::from_static(b"250-abcd")).is_ok());
    let e = asm
        .push_ehlo_from(&Bytes::from_static(b"250-abcdef"))
        .expect_err("too long");
    assert_eq!(e.kind(), crate::ParseErrorKind::LineTooLong);
}

#[test]
fn keywords_in_every_case() {
    for name in [
        "DSN",
        "SIZE",
        "AUTH",
        "LIMITS",
        "8BITMIME",
        "SMTPUTF8",
        "CHUNKING",
        "STARTTLS",
        "DELIVERBY",
        "PIPELINING",
        "BINARYMIME",
        "REQUIRETLS",
        "MT-PRIORITY",
        "ENHANCEDSTATUSCODES",
    ] {
        for mask in [0u32, u32::MAX, 0x5555_5555, 0xaaaa_aaaa] {
            let line: String = name
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if mask & (1 << i) != 0 {
                        c.to_ascii_lowercase()
                    } else {
                        c
                    }
                })
                .collect();
            let text = Text::new(&line).expect("text");
            let cap = Capability::parse(&text);
            // The fast path takes every known keyword alone, in any case.
            let src = Bytes::from(format!("250-{line}"));
            assert_eq!(common(&src, 4, src.len()).as_ref(), Some(&cap), "{line}");
            assert!(
                !matches!(cap, Capability::Other { .. } | Capability::Unparsed(_)),
                "{line}: {cap:?}"
            );
            assert_eq!(cap, oracle(&text));
        }
    }
    // Control characters that fold onto a digit or '-' are not keywords.
    for bad in ["\u{18}BITMIME", "MT\rPRIORITY", "SIZE\u{0}"] {
        let line = Bytes::copy_from_slice(bad.as_bytes());
        assert!(matches!(
            capability(&line, 0),
            (Capability::Unparsed(_), false)
        ));
    }
}

/// The common forms with parameters are taken by the fast path, and
/// forms it leaves to the general path are not.
#[test]
fn common_forms() {
    let fast = |s: &'static str| common(&Bytes::from_static(s.as_bytes()), 4, s.len());
    assert_eq!(
        fast("250-SIZE 35882577"),
        Some(Capability::Size(Some(35882577)))
    );
    assert_eq!(fast("250-size 0"), Some(Capability::Size(Some(0))));
    assert_eq!(
        fast("250-SIZE 18446744073709551615"),
        Some(Capability::Size(Some(u64::MAX)))
    );
    let Some(Capability::Auth(m)) = fast("250-AUTH PLAIN LOGIN SCRAM-SHA-256") else {
        panic!("AUTH not taken");
    };
    let names: Vec<&str> = m.iter().map(|m| m.as_str()).collect();
    assert_eq!(names, ["PLAIN", "LOGIN", "SCRAM-SHA-256"]);
    for general in [
        "250-SIZE 18446744073709551616",
        "250-SIZE 000000000000000000001",
        "250-SIZE ",
        "250-SIZE 1 2",
        "250-AUTH ",
        "250-AUTH PLAIN  LOGIN",
        "250-AUTH PLAIN ",
        "250-AUTH A B C D E F G H I",
        "250-AUTH ABCDEFGHIJKLMNOPQRSTU",
        "250-AUTH=LOGIN",
        "250-FUTURERELEASE",
        "250-X-FOO",
        "250-DSN ",
        "250-DS",
    ] {
        assert_eq!(fast(general), None, "{general}");
    }
}

#[test]
fn the_bench_reply() {
    let wire = b"250-mx.example.com Hello client.example.net\r\n\
250-PIPELINING\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n\
250-AUTH PLAIN LOGIN\r\n250-STARTTLS\r\n250-CHUNKING\r\n250-DSN\r\n250 SMTPUTF8\r\n";
    let e = EhloReply::parse(wire, &Policy::client()).expect("parses");
    assert_eq!(e.host.to_string(), "mx.example.com");
    assert_eq!(
        e.greeting.as_ref().map(Text::as_str),
        Some("Hello client.example.net")
    );
    assert_eq!(e.size_limit(), Some(35882577));
    assert_eq!(e.auth_mechanisms().len(), 2);
    assert_eq!(e.capabilities.len(), 9);
    let general = EhloReply::from_reply(&Reply::parse(wire, &Policy::client()).expect("parses"));
    assert_eq!(general, Ok(e));
}

/// Found by fuzzing: a capability line with parameters that is not UTF-8
/// must be refused before any string is cut from it (the general path
/// refuses it too), not turned into an `Unparsed` text.
#[test]
fn non_utf8_capability_line_is_refused_on_both_paths() {
    let lines: [&[u8]; 2] = [b"250-mx.example", b"250 AUTH PL\x8c\x8c\x8c\x8cAIN"];
    let mut fast = ReplyAssembler::new(Policy::client());
    let mut general = ReplyAssembler::new(Policy::client());
    assert!(matches!(
        fast.push_ehlo_line(&Bytes::from_static(lines[0])),
        Ok(None)
    ));
    assert!(
        general
            .push_line(&Bytes::from_static(lines[0]))
            .unwrap()
            .is_none()
    );
    let f = fast.push_ehlo_line(&Bytes::from_static(lines[1]));
    let g = general.push_line(&Bytes::from_static(lines[1]));
    assert!(f.is_err(), "{f:?}");
    assert!(g.is_err(), "{g:?}");
    assert_eq!(f.unwrap_err().kind(), g.unwrap_err().kind());
}
