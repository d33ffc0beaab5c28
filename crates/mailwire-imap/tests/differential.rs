//! Differential test against imap-proto: on a corpus of server responses
//! (the RFC examples, the RFC §8 transcripts and responses shaped like
//! Dovecot's and Gmail's), every response imap-proto parses, we parse too,
//! and the key values agree: tag, status, FETCH items (UID, flags, sizes,
//! dates, envelope fields, section data), mailbox data and capabilities.

use std::borrow::Cow;

use bytes::BytesMut;
use imap_proto::{AttributeValue, MailboxDatum};
use mailwire_imap::parse::{self, Opts};
use mailwire_imap::types::core::NString;
use mailwire_imap::types::data::Data;
use mailwire_imap::types::fetch::{Address, FetchItem};
use mailwire_imap::types::flag::{Flag, FlagFetch};
use mailwire_imap::types::response::{Response, Status};
use mailwire_imap::{FrameEvent, Framer, Limits, Role};

/// Server messages of a transcript file, framed.
fn corpus() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for name in [
        "rfc_examples.txt",
        "rfc3501_s8.txt",
        "rfc9051_s8.txt",
        "differential_extra.txt",
    ] {
        let path = format!("{}/tests/transcripts/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        let mut buf = BytesMut::new();
        for line in text.lines() {
            let content = if name == "differential_extra.txt" {
                line
            } else if let Some(rest) = line.strip_prefix("S:") {
                rest.strip_prefix(' ').unwrap_or(rest)
            } else {
                continue;
            };
            buf.extend_from_slice(content.as_bytes());
            buf.extend_from_slice(b"\r\n");
        }
        let mut framer = Framer::new(Role::Client, Limits::CLIENT);
        while let Ok(Some(FrameEvent::Message(m))) = framer.next(&mut buf) {
            out.push(m.bytes().to_vec());
        }
        assert!(buf.is_empty(), "{name}");
    }
    out
}

fn b(s: &NString<'_>) -> Option<Vec<u8>> {
    s.as_bytes().map(<[u8]>::to_vec)
}

fn cow(s: &Option<Cow<'_, [u8]>>) -> Option<Vec<u8>> {
    s.as_ref().map(|c| c.to_vec())
}

fn status(s: &imap_proto::Status) -> Status {
    match s {
        imap_proto::Status::Ok => Status::Ok,
        imap_proto::Status::No => Status::No,
        imap_proto::Status::Bad => Status::Bad,
        imap_proto::Status::PreAuth => Status::PreAuth,
        imap_proto::Status::Bye => Status::Bye,
    }
}

fn flag_name(f: &FlagFetch<'_>) -> String {
    match f {
        FlagFetch::Recent => "\\Recent".into(),
        FlagFetch::Flag(Flag::Answered) => "\\Answered".into(),
        FlagFetch::Flag(Flag::Flagged) => "\\Flagged".into(),
        FlagFetch::Flag(Flag::Deleted) => "\\Deleted".into(),
        FlagFetch::Flag(Flag::Seen) => "\\Seen".into(),
        FlagFetch::Flag(Flag::Draft) => "\\Draft".into(),
        FlagFetch::Flag(Flag::Keyword(a)) => a.as_str().into(),
        FlagFetch::Flag(Flag::Extension(a)) => format!("\\{}", a.as_str()),
    }
}

fn addresses(ours: &[Address<'_>], theirs: &Option<Vec<imap_proto::Address<'_>>>) {
    let theirs = theirs.as_deref().unwrap_or(&[]);
    assert_eq!(ours.len(), theirs.len());
    for (o, t) in ours.iter().zip(theirs) {
        assert_eq!(b(&o.name), cow(&t.name));
        assert_eq!(b(&o.adl), cow(&t.adl));
        assert_eq!(b(&o.mailbox), cow(&t.mailbox));
        assert_eq!(b(&o.host), cow(&t.host));
    }
}

/// Compares the FETCH items imap-proto knows with ours; returns how many
/// items were compared.
fn fetch(ours: &[FetchItem<'_>], theirs: &[AttributeValue<'_>]) -> usize {
    let mut compared = 0;
    let mut ours_known = ours
        .iter()
        .filter(|i| !matches!(i, FetchItem::Unknown { .. }));
    for t in theirs {
        let o = match t {
            // Items imap-proto has special types for that we keep as Unknown.
            AttributeValue::GmailLabels(_)
            | AttributeValue::GmailMsgId(_)
            | AttributeValue::GmailThrId(_)
            | AttributeValue::EmailId(_)
            | AttributeValue::ThreadId(_)
            | AttributeValue::Unknown => continue,
            _ => ours_known.next().expect("we have as many known items"),
        };
        match (o, t) {
            (FetchItem::Uid(a), AttributeValue::Uid(b)) => assert_eq!(a, b),
            (FetchItem::Rfc822Size(a), AttributeValue::Rfc822Size(b)) => {
                assert_eq!(*a, u64::from(*b))
            }
            (FetchItem::ModSeq(a), AttributeValue::ModSeq(b)) => assert_eq!(a, b),
            (FetchItem::Flags(a), AttributeValue::Flags(b)) => {
                let a: Vec<String> = a.iter().map(flag_name).collect();
                let b: Vec<String> = b.iter().map(|s| s.to_string()).collect();
                assert_eq!(a.len(), b.len());
                for (x, y) in a.iter().zip(&b) {
                    assert!(x.eq_ignore_ascii_case(y), "{x} vs {y}");
                }
            }
            (FetchItem::InternalDate(d), AttributeValue::InternalDate(s)) => {
                let (y, m, day) = d.date().ymd();
                let s = s.trim();
                assert!(s.contains(&y.to_string()), "{s}");
                let dd: u8 = s.split('-').next().unwrap().trim().parse().unwrap();
                assert_eq!(dd, day);
                assert!(m >= 1);
            }
            (FetchItem::Envelope(e), AttributeValue::Envelope(t)) => {
                assert_eq!(b(&e.date), cow(&t.date));
                assert_eq!(b(&e.subject), cow(&t.subject));
                assert_eq!(b(&e.in_reply_to), cow(&t.in_reply_to));
                assert_eq!(b(&e.message_id), cow(&t.message_id));
                addresses(&e.from, &t.from);
                addresses(&e.sender, &t.sender);
                addresses(&e.reply_to, &t.reply_to);
                addresses(&e.to, &t.to);
                addresses(&e.cc, &t.cc);
                addresses(&e.bcc, &t.bcc);
            }
            (
                FetchItem::BodySection { origin, data, .. },
                AttributeValue::BodySection { index, data: d, .. },
            ) => {
                assert_eq!(origin, index);
                assert_eq!(b(data), cow(d));
            }
            (FetchItem::Rfc822(a), AttributeValue::Rfc822(t))
            | (FetchItem::Rfc822Header(a), AttributeValue::Rfc822Header(t))
            | (FetchItem::Rfc822Text(a), AttributeValue::Rfc822Text(t)) => assert_eq!(b(a), cow(t)),
            (
                FetchItem::Body(_) | FetchItem::BodyStructure(_),
                AttributeValue::BodyStructure(_),
            ) => {}
            (o, t) => panic!("items differ: {o:?} vs {t:?}"),
        }
        compared += 1;
    }
    compared
}

#[test]
fn we_parse_what_imap_proto_parses_and_agree() {
    let (mut both, mut fetch_items, mut only_ours) = (0, 0, 0);
    for msg in corpus() {
        let text = String::from_utf8_lossy(&msg).into_owned();
        // The whole corpus is valid: we parse all of it, strictly.
        assert!(parse::response(&msg, &Opts::STRICT).is_ok(), "{text}");
        let theirs = match imap_proto::Response::parse(&msg) {
            Ok((&[], r)) => r,
            _ => {
                if parse::response(&msg, &Opts::STRICT).is_ok() {
                    only_ours += 1;
                }
                continue;
            }
        };
        let ours = parse::response(&msg, &Opts::STRICT)
            .unwrap_or_else(|e| panic!("imap-proto parses, we do not: {text:?}: {e}"));
        both += 1;
        match (&ours, &theirs) {
            (
                Response::Status(s),
                imap_proto::Response::Done {
                    tag, status: st, ..
                },
            ) => {
                assert_eq!(
                    s.tag.as_ref().map(|t| t.as_str()),
                    Some(tag.0.as_str()),
                    "{text}"
                );
                assert_eq!(s.status, status(st), "{text}");
            }
            (Response::Status(s), imap_proto::Response::Data { status: st, .. }) => {
                assert!(s.tag.is_none(), "{text}");
                assert_eq!(s.status, status(st), "{text}");
            }
            (Response::Continue(_), imap_proto::Response::Continue(_)) => {}
            (Response::Data(Data::Fetch { seq, items }), imap_proto::Response::Fetch(n, attrs)) => {
                assert_eq!(seq, n, "{text}");
                fetch_items += fetch(items, attrs);
            }
            (
                Response::Data(Data::Capability(c) | Data::Enabled(c)),
                imap_proto::Response::Capabilities(t),
            ) => {
                assert_eq!(c.len(), t.len(), "{text}");
            }
            (Response::Data(Data::Expunge(a)), imap_proto::Response::Expunge(b)) => {
                assert_eq!(a, b)
            }
            (
                Response::Data(Data::Vanished { earlier, .. }),
                imap_proto::Response::Vanished { earlier: e, .. },
            ) => {
                assert_eq!(earlier, e)
            }
            (Response::Data(d), imap_proto::Response::MailboxData(m)) => match (d, m) {
                (Data::Exists(a), MailboxDatum::Exists(b))
                | (Data::Recent(a), MailboxDatum::Recent(b)) => {
                    assert_eq!(a, b, "{text}")
                }
                (Data::Flags(a), MailboxDatum::Flags(b)) => assert_eq!(a.len(), b.len(), "{text}"),
                (Data::Search { nums, .. }, MailboxDatum::Search(b))
                | (Data::Sort { nums, .. }, MailboxDatum::Sort(b)) => assert_eq!(nums, b, "{text}"),
                (Data::List(l) | Data::Lsub(l), MailboxDatum::List(t)) => {
                    // imap-proto writes INBOX in upper case.
                    assert!(
                        l.mailbox.as_bytes().eq_ignore_ascii_case(t.name.as_bytes()),
                        "{text}"
                    );
                    assert!(l.mailbox.is_inbox() || l.mailbox.as_bytes() == t.name.as_bytes());
                    assert_eq!(l.attributes.len(), t.name_attributes.len(), "{text}");
                }
                (Data::Status { mailbox, items }, MailboxDatum::Status { mailbox: m, status }) => {
                    assert!(
                        mailbox.as_bytes().eq_ignore_ascii_case(m.as_bytes()),
                        "{text}"
                    );
                    assert_eq!(items.len(), status.len(), "{text}");
                }
                (
                    Data::Metadata { .. },
                    MailboxDatum::MetadataSolicited { .. }
                    | MailboxDatum::MetadataUnsolicited { .. },
                ) => {}
                (d, m) => panic!("{text}: {d:?} vs {m:?}"),
            },
            (Response::Data(Data::Quota { .. }), imap_proto::Response::Quota(_))
            | (Response::Data(Data::QuotaRoot { .. }), imap_proto::Response::QuotaRoot(_))
            | (Response::Data(Data::Id(_)), imap_proto::Response::Id(_)) => {}
            (Response::Data(Data::Unknown { .. }), _) => {}
            (o, t) => panic!("{text}: {o:?} vs {t:?}"),
        }
    }
    println!("both parse: {both}, FETCH items compared: {fetch_items}, only we parse: {only_ours}");
    assert!(both > 500, "{both}");
    assert!(fetch_items > 100, "{fetch_items}");
}
