//! The hand-written fast paths against the plain forms they replace:
//! each must accept exactly the same language with the same result.

use bytes::Bytes;
use proptest::prelude::*;

use super::{Ctx, command};
use crate::types::Policy;
use crate::types::address::{is_domain, local_part_len};
use crate::types::text::class;

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
    for verb in [b"data", b"rset", b"quit"] {
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
    assert!(command::bare_verb(b"noop").is_none());
    assert!(command::bare_verb(b"dat").is_none());
}
