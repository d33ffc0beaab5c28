//! Search criteria (RFC 9051 §6.4.4, RFC 7162 MODSEQ, RFC 5032 WITHIN).

use super::core::{AString, Atom, Date, SequenceSet};

/// `search-key`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchKey<'a> {
    /// `ALL`.
    All,
    /// `ANSWERED`.
    Answered,
    /// `BCC SP astring`.
    Bcc(AString<'a>),
    /// `BEFORE SP date`.
    Before(Date),
    /// `BODY SP astring`.
    Body(AString<'a>),
    /// `CC SP astring`.
    Cc(AString<'a>),
    /// `DELETED`.
    Deleted,
    /// `DRAFT`.
    Draft,
    /// `FLAGGED`.
    Flagged,
    /// `FROM SP astring`.
    From(AString<'a>),
    /// `HEADER SP header-fld-name SP astring`.
    Header(AString<'a>, AString<'a>),
    /// `KEYWORD SP flag-keyword`.
    Keyword(Atom<'a>),
    /// `LARGER SP number64`.
    Larger(u64),
    /// `NEW` (IMAP4rev1).
    New,
    /// `NOT SP search-key`.
    Not(Box<SearchKey<'a>>),
    /// `OLD` (IMAP4rev1).
    Old,
    /// `ON SP date`.
    On(Date),
    /// `OR SP search-key SP search-key`.
    Or(Box<SearchKey<'a>>, Box<SearchKey<'a>>),
    /// `RECENT` (IMAP4rev1).
    Recent,
    /// `SEEN`.
    Seen,
    /// `SENTBEFORE SP date`.
    SentBefore(Date),
    /// `SENTON SP date`.
    SentOn(Date),
    /// `SENTSINCE SP date`.
    SentSince(Date),
    /// `SINCE SP date`.
    Since(Date),
    /// `SMALLER SP number64`.
    Smaller(u64),
    /// `SUBJECT SP astring`.
    Subject(AString<'a>),
    /// `TEXT SP astring`.
    Text(AString<'a>),
    /// `TO SP astring`.
    To(AString<'a>),
    /// `UID SP sequence-set`.
    Uid(SequenceSet),
    /// `UNANSWERED`.
    Unanswered,
    /// `UNDELETED`.
    Undeleted,
    /// `UNDRAFT`.
    Undraft,
    /// `UNFLAGGED`.
    Unflagged,
    /// `UNKEYWORD SP flag-keyword`.
    Unkeyword(Atom<'a>),
    /// `UNSEEN`.
    Unseen,
    /// `sequence-set`.
    SequenceSet(SequenceSet),
    /// `"(" search-key *(SP search-key) ")"`.
    And(Vec<SearchKey<'a>>),
    /// `MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer`
    /// (RFC 7162).
    ModSeq {
        /// `entry-name SP entry-type-req` (`"/flags/\\seen" all`).
        entry: Option<(AString<'a>, Atom<'a>)>,
        /// The mod-sequence.
        modseq: u64,
    },
    /// `YOUNGER SP nz-number` (RFC 5032).
    Younger(u32),
    /// `OLDER SP nz-number` (RFC 5032).
    Older(u32),
}
