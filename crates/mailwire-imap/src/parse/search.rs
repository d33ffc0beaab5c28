//! Search keys (RFC 9051 §6.4.4 `search-key`).

use super::Opts;
use super::core::{
    R, astring, atom, byte, close, date, fail, number64, nz_number, sequence_set, sp,
};
use crate::types::search::SearchKey;

/// `search-key` (with the RFC 7162 `MODSEQ` and RFC 5032 keys).
pub(crate) fn search_key<'a>(i: &'a [u8], o: &Opts, depth: u32) -> R<'a, SearchKey<'a>> {
    if depth >= o.max_depth {
        return fail(i);
    }
    match i.first() {
        Some(b'(') => {
            // "(" search-key *(SP search-key) ")"
            let (mut j, ()) = byte(i, b'(')?;
            let mut v = Vec::new();
            loop {
                let (r, k) = search_key(j, o, depth + 1)?;
                v.push(k);
                if let Ok((r, ())) = close(r, o) {
                    return Ok((r, SearchKey::And(v)));
                }
                j = sp(r)?.0;
            }
        }
        Some(b'0'..=b'9' | b'*' | b'$') => {
            sequence_set(i).map(|(r, s)| (r, SearchKey::SequenceSet(s)))
        }
        _ => {
            let (j, name) = atom(i)?;
            let n = name.as_str().to_ascii_uppercase();
            let astr = |j: &'a [u8]| astring(sp(j)?.0, o);
            let dt = |j: &'a [u8]| date(sp(j)?.0);
            Ok(match n.as_str() {
                "ALL" => (j, SearchKey::All),
                "ANSWERED" => (j, SearchKey::Answered),
                "DELETED" => (j, SearchKey::Deleted),
                "DRAFT" => (j, SearchKey::Draft),
                "FLAGGED" => (j, SearchKey::Flagged),
                "NEW" => (j, SearchKey::New),
                "OLD" => (j, SearchKey::Old),
                "RECENT" => (j, SearchKey::Recent),
                "SEEN" => (j, SearchKey::Seen),
                "UNANSWERED" => (j, SearchKey::Unanswered),
                "UNDELETED" => (j, SearchKey::Undeleted),
                "UNDRAFT" => (j, SearchKey::Undraft),
                "UNFLAGGED" => (j, SearchKey::Unflagged),
                "UNSEEN" => (j, SearchKey::Unseen),
                "BCC" => astr(j).map(|(r, a)| (r, SearchKey::Bcc(a)))?,
                "BODY" => astr(j).map(|(r, a)| (r, SearchKey::Body(a)))?,
                "CC" => astr(j).map(|(r, a)| (r, SearchKey::Cc(a)))?,
                "FROM" => astr(j).map(|(r, a)| (r, SearchKey::From(a)))?,
                "SUBJECT" => astr(j).map(|(r, a)| (r, SearchKey::Subject(a)))?,
                "TEXT" => astr(j).map(|(r, a)| (r, SearchKey::Text(a)))?,
                "TO" => astr(j).map(|(r, a)| (r, SearchKey::To(a)))?,
                "HEADER" => {
                    let (j, h) = astr(j)?;
                    let (j, v) = astr(j)?;
                    (j, SearchKey::Header(h, v))
                }
                "KEYWORD" => atom(sp(j)?.0).map(|(r, a)| (r, SearchKey::Keyword(a)))?,
                "UNKEYWORD" => atom(sp(j)?.0).map(|(r, a)| (r, SearchKey::Unkeyword(a)))?,
                "BEFORE" => dt(j).map(|(r, d)| (r, SearchKey::Before(d)))?,
                "ON" => dt(j).map(|(r, d)| (r, SearchKey::On(d)))?,
                "SINCE" => dt(j).map(|(r, d)| (r, SearchKey::Since(d)))?,
                "SENTBEFORE" => dt(j).map(|(r, d)| (r, SearchKey::SentBefore(d)))?,
                "SENTON" => dt(j).map(|(r, d)| (r, SearchKey::SentOn(d)))?,
                "SENTSINCE" => dt(j).map(|(r, d)| (r, SearchKey::SentSince(d)))?,
                "LARGER" => number64(sp(j)?.0).map(|(r, n)| (r, SearchKey::Larger(n)))?,
                "SMALLER" => number64(sp(j)?.0).map(|(r, n)| (r, SearchKey::Smaller(n)))?,
                "YOUNGER" => nz_number(sp(j)?.0).map(|(r, n)| (r, SearchKey::Younger(n)))?,
                "OLDER" => nz_number(sp(j)?.0).map(|(r, n)| (r, SearchKey::Older(n)))?,
                "UID" => sequence_set(sp(j)?.0).map(|(r, s)| (r, SearchKey::Uid(s)))?,
                "NOT" => {
                    let (j, k) = search_key(sp(j)?.0, o, depth + 1)?;
                    (j, SearchKey::Not(Box::new(k)))
                }
                "OR" => {
                    let (j, a) = search_key(sp(j)?.0, o, depth + 1)?;
                    let (j, b) = search_key(sp(j)?.0, o, depth + 1)?;
                    (j, SearchKey::Or(Box::new(a), Box::new(b)))
                }
                "MODSEQ" => {
                    // "MODSEQ" [search-modseq-ext] SP mod-sequence-valzer;
                    // search-modseq-ext = SP entry-name SP entry-type-req
                    let j = sp(j)?.0;
                    if let Ok((r, n)) = number64(j) {
                        (
                            r,
                            SearchKey::ModSeq {
                                entry: None,
                                modseq: n,
                            },
                        )
                    } else {
                        let (j, name) = astring(j, o)?;
                        let (j, kind) = atom(sp(j)?.0)?;
                        let (j, n) = number64(sp(j)?.0)?;
                        (
                            j,
                            SearchKey::ModSeq {
                                entry: Some((name, kind)),
                                modseq: n,
                            },
                        )
                    }
                }
                _ => return fail(i),
            })
        }
    }
}
