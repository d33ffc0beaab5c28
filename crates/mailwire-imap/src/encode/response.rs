//! Encoding server responses (RFC 9051 §7).

use super::fetch::fetch_item;
use super::{Encode, Encoder};
use crate::types::core::Text;
use crate::types::data::{
    Data, ESearchItem, ListItem, MetadataEntries, Namespace, StatusItem, TaggedExtComp,
    TaggedExtVal, Thread,
};
use crate::types::response::{Code, Continue, Response, StatusResponse};

impl Encode for Response<'_> {
    fn encode(&self, e: &mut Encoder) {
        match self {
            Response::Status(s) => s.encode(e),
            Response::Data(d) => d.encode(e),
            Response::Continue(c) => c.encode(e),
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut e = Encoder::server();
        self.encode(&mut e);
        e.into_bytes()
    }
}

fn resp_text(e: &mut Encoder, code: &Option<Code<'_>>, text: &Text<'_>) {
    if let Some(c) = code {
        e.raw(b"[");
        encode_code(e, c);
        e.raw(b"]");
        if !text.as_str().is_empty() {
            e.sp();
        }
    }
    e.raw(text.as_str().as_bytes());
}

impl Encode for StatusResponse<'_> {
    fn encode(&self, e: &mut Encoder) {
        match &self.tag {
            Some(t) => e.raw(t.as_str().as_bytes()),
            None => e.raw(b"*"),
        }
        e.sp();
        e.raw(self.status.as_str().as_bytes());
        if self.code.is_some() || !self.text.as_str().is_empty() {
            e.sp();
            resp_text(e, &self.code, &self.text);
        }
        e.crlf();
    }
}

impl Encode for Continue<'_> {
    fn encode(&self, e: &mut Encoder) {
        e.raw(b"+ ");
        match self {
            Continue::Text { code, text } => resp_text(e, code, text),
            Continue::Base64(s) => e.base64(s),
        }
        e.crlf();
    }
}

fn encode_code(e: &mut Encoder, c: &Code<'_>) {
    match c {
        Code::Alert => e.raw(b"ALERT"),
        Code::BadCharset(v) => {
            e.raw(b"BADCHARSET");
            if !v.is_empty() {
                e.sp();
                e.list(v, |e, s| e.astring(s));
            }
        }
        Code::Capability(v) => {
            e.raw(b"CAPABILITY");
            for c in v {
                e.sp();
                e.raw(c.0.as_str().as_bytes());
            }
        }
        Code::Parse => e.raw(b"PARSE"),
        Code::PermanentFlags(v) => {
            e.raw(b"PERMANENTFLAGS ");
            e.list(v, |e, f| e.flag_perm(f));
        }
        Code::ReadOnly => e.raw(b"READ-ONLY"),
        Code::ReadWrite => e.raw(b"READ-WRITE"),
        Code::TryCreate => e.raw(b"TRYCREATE"),
        Code::UidNext(n) => {
            e.raw(b"UIDNEXT ");
            e.number((*n).into());
        }
        Code::UidValidity(n) => {
            e.raw(b"UIDVALIDITY ");
            e.number((*n).into());
        }
        Code::Unseen(n) => {
            e.raw(b"UNSEEN ");
            e.number((*n).into());
        }
        Code::AppendUid { uid_validity, uids } => {
            e.raw(b"APPENDUID ");
            e.number((*uid_validity).into());
            e.sp();
            e.seq_set(uids);
        }
        Code::CopyUid {
            uid_validity,
            source,
            destination,
        } => {
            e.raw(b"COPYUID ");
            e.number((*uid_validity).into());
            e.sp();
            e.seq_set(source);
            e.sp();
            e.seq_set(destination);
        }
        Code::UidNotSticky => e.raw(b"UIDNOTSTICKY"),
        Code::HighestModSeq(n) => {
            e.raw(b"HIGHESTMODSEQ ");
            e.number(*n);
        }
        Code::NoModSeq => e.raw(b"NOMODSEQ"),
        Code::Modified(s) => {
            e.raw(b"MODIFIED ");
            e.seq_set(s);
        }
        Code::Closed => e.raw(b"CLOSED"),
        Code::Metadata(v) => {
            e.raw(b"METADATA");
            for a in v {
                e.sp();
                e.raw(a.as_str().as_bytes());
            }
        }
        Code::Simple(s) => e.raw(s.as_str().as_bytes()),
        Code::Other { name, args } => {
            e.raw(name.as_str().as_bytes());
            if let Some(a) = args {
                e.sp();
                // Only TEXT-CHARs except "]" were parsed; strip anything else
                // a caller put there so the line cannot be broken.
                for b in a.bytes() {
                    if b != b']' && b != b'\r' && b != b'\n' && b != 0 {
                        e.raw(&[b]);
                    }
                }
            }
        }
    }
}

fn caps(e: &mut Encoder, v: &[crate::types::response::Capability<'_>]) {
    for c in v {
        e.sp();
        e.raw(c.0.as_str().as_bytes());
    }
}

fn ext_val(e: &mut Encoder, v: &TaggedExtVal<'_>) {
    fn comp(e: &mut Encoder, c: &TaggedExtComp<'_>) {
        match c {
            TaggedExtComp::AString(a) => e.astring(a),
            TaggedExtComp::List(v) => e.list(v, comp),
        }
    }
    match v {
        TaggedExtVal::Number(n) => e.number(*n),
        TaggedExtVal::Set(s) => e.seq_set(s),
        TaggedExtVal::Comp(v) => e.list(v, comp),
    }
}

fn delimiter(e: &mut Encoder, d: Option<u8>) {
    match d {
        None => e.raw(b"NIL"),
        Some(c @ (b'"' | b'\\')) => e.raw(&[b'"', b'\\', c, b'"']),
        Some(c) => e.raw(&[b'"', c, b'"']),
    }
}

fn list_item(e: &mut Encoder, l: &ListItem<'_>) {
    e.list(&l.attributes, |e, a| {
        e.raw(b"\\");
        e.raw(a.0.as_str().as_bytes());
    });
    e.sp();
    delimiter(e, l.delimiter);
    e.sp();
    e.mailbox(&l.mailbox);
    if let Some(ext) = &l.extended {
        e.sp();
        e.list(ext, |e, (t, v)| {
            e.astring(t);
            e.sp();
            ext_val(e, v);
        });
    }
}

fn namespaces(e: &mut Encoder, v: &Option<Vec<Namespace<'_>>>) {
    match v {
        None => e.raw(b"NIL"),
        Some(v) => {
            e.raw(b"(");
            for n in v {
                e.raw(b"(");
                e.istring(&n.prefix);
                e.sp();
                delimiter(e, n.delimiter);
                for (name, vals) in &n.extensions {
                    e.sp();
                    e.istring(name);
                    e.sp();
                    e.list(vals, |e, s| e.istring(s));
                }
                e.raw(b")");
            }
            e.raw(b")");
        }
    }
}

fn thread(e: &mut Encoder, t: &Thread) {
    e.raw(b"(");
    e.join(&t.members, |e, n| e.number((*n).into()));
    if !t.children.is_empty() && !t.members.is_empty() {
        e.sp();
    }
    for c in &t.children {
        thread(e, c);
    }
    e.raw(b")");
}

fn search_nums(e: &mut Encoder, nums: &[u32], modseq: &Option<u64>) {
    for n in nums {
        e.sp();
        e.number((*n).into());
    }
    if let Some(m) = modseq {
        e.raw(b" (MODSEQ ");
        e.number(*m);
        e.raw(b")");
    }
}

impl Encode for Data<'_> {
    fn encode(&self, e: &mut Encoder) {
        e.raw(b"* ");
        match self {
            Data::Capability(v) => {
                e.raw(b"CAPABILITY");
                caps(e, v);
            }
            Data::Enabled(v) => {
                e.raw(b"ENABLED");
                caps(e, v);
            }
            Data::List(l) => {
                e.raw(b"LIST ");
                list_item(e, l);
            }
            Data::Lsub(l) => {
                e.raw(b"LSUB ");
                list_item(e, l);
            }
            Data::Status { mailbox, items } => {
                e.raw(b"STATUS ");
                e.mailbox(mailbox);
                e.sp();
                e.list(items, |e, i| status_item(e, i));
            }
            Data::Search { nums, modseq } => {
                e.raw(b"SEARCH");
                search_nums(e, nums, modseq);
            }
            Data::Sort { nums, modseq } => {
                e.raw(b"SORT");
                search_nums(e, nums, modseq);
            }
            Data::ESearch(s) => {
                e.raw(b"ESEARCH");
                if let Some(t) = &s.tag {
                    e.raw(b" (TAG ");
                    e.astring(t);
                    e.raw(b")");
                }
                if s.uid {
                    e.raw(b" UID");
                }
                for item in &s.items {
                    e.sp();
                    match item {
                        ESearchItem::Min(n) => {
                            e.raw(b"MIN ");
                            e.number((*n).into());
                        }
                        ESearchItem::Max(n) => {
                            e.raw(b"MAX ");
                            e.number((*n).into());
                        }
                        ESearchItem::All(s) => {
                            e.raw(b"ALL ");
                            e.seq_set(s);
                        }
                        ESearchItem::Count(n) => {
                            e.raw(b"COUNT ");
                            e.number((*n).into());
                        }
                        ESearchItem::ModSeq(n) => {
                            e.raw(b"MODSEQ ");
                            e.number(*n);
                        }
                        ESearchItem::Other { name, value } => {
                            e.raw(name.as_str().as_bytes());
                            e.sp();
                            ext_val(e, value);
                        }
                    }
                }
            }
            Data::Flags(v) => {
                e.raw(b"FLAGS ");
                e.list(v, |e, f| e.flag(f));
            }
            Data::Exists(n) => {
                e.number((*n).into());
                e.raw(b" EXISTS");
            }
            Data::Recent(n) => {
                e.number((*n).into());
                e.raw(b" RECENT");
            }
            Data::Expunge(n) => {
                e.number((*n).into());
                e.raw(b" EXPUNGE");
            }
            Data::Vanished { earlier, uids } => {
                e.raw(b"VANISHED ");
                if *earlier {
                    e.raw(b"(EARLIER) ");
                }
                e.seq_set(uids);
            }
            Data::Fetch { seq, items } => {
                e.number((*seq).into());
                e.raw(b" FETCH ");
                e.list(items, |e, i| fetch_item(e, i));
            }
            Data::Id(v) => {
                e.raw(b"ID ");
                match v {
                    None => e.raw(b"NIL"),
                    Some(v) => e.list(v, |e, (k, val)| {
                        e.istring(k);
                        e.sp();
                        e.nstring(val);
                    }),
                }
            }
            Data::Namespace {
                personal,
                other,
                shared,
            } => {
                e.raw(b"NAMESPACE ");
                namespaces(e, personal);
                e.sp();
                namespaces(e, other);
                e.sp();
                namespaces(e, shared);
            }
            Data::Quota { root, resources } => {
                e.raw(b"QUOTA ");
                e.astring(root);
                e.sp();
                e.list(resources, |e, r| {
                    e.raw(r.name.as_str().as_bytes());
                    e.sp();
                    e.number(r.usage);
                    e.sp();
                    e.number(r.limit);
                });
            }
            Data::QuotaRoot { mailbox, roots } => {
                e.raw(b"QUOTAROOT ");
                e.mailbox(mailbox);
                for r in roots {
                    e.sp();
                    e.astring(r);
                }
            }
            Data::Metadata { mailbox, entries } => {
                e.raw(b"METADATA ");
                e.mailbox(mailbox);
                e.sp();
                match entries {
                    MetadataEntries::Values(v) => e.list(v, |e, (k, val)| {
                        e.astring(k);
                        e.sp();
                        e.nstring(val);
                    }),
                    MetadataEntries::List(v) => e.join(v, |e, k| e.astring(k)),
                }
            }
            Data::Thread(v) => {
                e.raw(b"THREAD");
                if !v.is_empty() {
                    e.sp();
                }
                for t in v {
                    thread(e, t);
                }
            }
            Data::Unknown { raw } => e.raw(raw.as_bytes()),
        }
        e.crlf();
    }
}

fn status_item(e: &mut Encoder, i: &StatusItem<'_>) {
    let (name, n): (&str, Option<u64>) = match i {
        StatusItem::Messages(n) => ("MESSAGES", Some((*n).into())),
        StatusItem::Recent(n) => ("RECENT", Some((*n).into())),
        StatusItem::UidNext(n) => ("UIDNEXT", Some((*n).into())),
        StatusItem::UidValidity(n) => ("UIDVALIDITY", Some((*n).into())),
        StatusItem::Unseen(n) => ("UNSEEN", Some((*n).into())),
        StatusItem::Deleted(n) => ("DELETED", Some((*n).into())),
        StatusItem::Size(n) => ("SIZE", Some(*n)),
        StatusItem::HighestModSeq(n) => ("HIGHESTMODSEQ", Some(*n)),
        StatusItem::AppendLimit(n) => ("APPENDLIMIT", *n),
        StatusItem::Other { name, value } => (name.as_str(), Some(*value)),
    };
    e.raw(name.as_bytes());
    e.sp();
    match n {
        Some(n) => e.number(n),
        None => e.raw(b"NIL"),
    }
}
