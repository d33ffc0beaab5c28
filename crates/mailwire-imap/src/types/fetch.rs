//! FETCH response items (RFC 9051 §7.5.2) and envelopes.

use super::body::BodyStructure;
use super::core::{AString, DateTime, NString, Raw};
use super::flag::FlagFetch;
use super::list::List;

/// `msg-att-dynamic / msg-att-static`: one item of a FETCH response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchItem<'a> {
    /// `FLAGS SP "(" [flag-fetch *(SP flag-fetch)] ")"`.
    Flags(List<FlagFetch<'a>>),
    /// `INTERNALDATE SP date-time`.
    InternalDate(DateTime),
    /// `RFC822.SIZE SP number64`.
    Rfc822Size(u64),
    /// `ENVELOPE SP envelope`.
    Envelope(Box<Envelope<'a>>),
    /// `BODY SP body`: the non-extensible body structure.
    Body(Box<BodyStructure<'a>>),
    /// `BODYSTRUCTURE SP body`.
    BodyStructure(Box<BodyStructure<'a>>),
    /// `BODY section ["<" number ">"] SP nstring`.
    BodySection {
        /// The section.
        section: Section<'a>,
        /// The origin octet of a partial fetch.
        origin: Option<u32>,
        /// The data.
        data: NString<'a>,
    },
    /// `BINARY section-binary SP (nstring / literal8)` (RFC 3516).
    Binary {
        /// Part numbers.
        section: Vec<u32>,
        /// The decoded data.
        data: NString<'a>,
    },
    /// `BINARY.SIZE section-binary SP number` (RFC 3516).
    BinarySize {
        /// Part numbers.
        section: Vec<u32>,
        /// Decoded size.
        size: u32,
    },
    /// `UID SP uniqueid`.
    Uid(u32),
    /// `MODSEQ SP "(" permsg-modsequence ")"` (RFC 7162).
    ModSeq(u64),
    /// `RFC822 SP nstring` (IMAP4rev1).
    Rfc822(NString<'a>),
    /// `RFC822.HEADER SP nstring` (IMAP4rev1).
    Rfc822Header(NString<'a>),
    /// `RFC822.TEXT SP nstring` (IMAP4rev1).
    Rfc822Text(NString<'a>),
    /// An item this crate does not know, kept whole (name and value) so the
    /// rest of the response still parses.
    Unknown {
        /// The bytes of the item, from its name to the end of its value.
        raw: Raw<'a>,
    },
}

/// `section-spec = section-msgtext / (section-part ["." section-text])`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Section<'a> {
    /// `section-part = nz-number *("." nz-number)`; empty for the whole
    /// message.
    pub part: Vec<u32>,
    /// What of the part.
    pub text: Option<SectionText<'a>>,
}

/// `section-msgtext` and `MIME`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SectionText<'a> {
    /// `HEADER`.
    Header,
    /// `HEADER.FIELDS header-list`.
    HeaderFields(Vec<AString<'a>>),
    /// `HEADER.FIELDS.NOT header-list`.
    HeaderFieldsNot(Vec<AString<'a>>),
    /// `TEXT`.
    Text,
    /// `MIME` (only after a part number).
    Mime,
}

impl Section<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Section<'static> {
        Section {
            part: self.part,
            text: self.text.map(|t| match t {
                SectionText::Header => SectionText::Header,
                SectionText::HeaderFields(v) => {
                    SectionText::HeaderFields(v.into_iter().map(AString::into_owned).collect())
                }
                SectionText::HeaderFieldsNot(v) => {
                    SectionText::HeaderFieldsNot(v.into_iter().map(AString::into_owned).collect())
                }
                SectionText::Text => SectionText::Text,
                SectionText::Mime => SectionText::Mime,
            }),
        }
    }
}

/// `envelope = "(" env-date SP env-subject SP env-from SP env-sender SP
/// env-reply-to SP env-to SP env-cc SP env-bcc SP env-in-reply-to SP
/// env-message-id ")"`. Address lists that are NIL are empty; a list of
/// one address (the usual case) is held without allocating.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope<'a> {
    /// `Date:`.
    pub date: NString<'a>,
    /// `Subject:`.
    pub subject: NString<'a>,
    /// `From:`.
    pub from: List<Address<'a>>,
    /// `Sender:`.
    pub sender: List<Address<'a>>,
    /// `Reply-To:`.
    pub reply_to: List<Address<'a>>,
    /// `To:`.
    pub to: List<Address<'a>>,
    /// `Cc:`.
    pub cc: List<Address<'a>>,
    /// `Bcc:`.
    pub bcc: List<Address<'a>>,
    /// `In-Reply-To:`.
    pub in_reply_to: NString<'a>,
    /// `Message-ID:`.
    pub message_id: NString<'a>,
}

/// `address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address<'a> {
    /// Display name.
    pub name: NString<'a>,
    /// Source route (obsolete).
    pub adl: NString<'a>,
    /// Local part, or group name / NIL at group start/end.
    pub mailbox: NString<'a>,
    /// Domain; NIL marks group syntax.
    pub host: NString<'a>,
}

impl Address<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Address<'static> {
        Address {
            name: self.name.into_owned(),
            adl: self.adl.into_owned(),
            mailbox: self.mailbox.into_owned(),
            host: self.host.into_owned(),
        }
    }
}

fn owned_addrs(v: List<Address<'_>>) -> List<Address<'static>> {
    v.map(Address::into_owned)
}

impl Envelope<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> Envelope<'static> {
        Envelope {
            date: self.date.into_owned(),
            subject: self.subject.into_owned(),
            from: owned_addrs(self.from),
            sender: owned_addrs(self.sender),
            reply_to: owned_addrs(self.reply_to),
            to: owned_addrs(self.to),
            cc: owned_addrs(self.cc),
            bcc: owned_addrs(self.bcc),
            in_reply_to: self.in_reply_to.into_owned(),
            message_id: self.message_id.into_owned(),
        }
    }
}

impl FetchItem<'_> {
    /// A copy that owns its text.
    pub fn into_owned(self) -> FetchItem<'static> {
        match self {
            FetchItem::Flags(v) => FetchItem::Flags(v.map(FlagFetch::into_owned)),
            FetchItem::InternalDate(d) => FetchItem::InternalDate(d),
            FetchItem::Rfc822Size(n) => FetchItem::Rfc822Size(n),
            FetchItem::Envelope(e) => FetchItem::Envelope(Box::new(e.into_owned())),
            FetchItem::Body(b) => FetchItem::Body(Box::new(b.into_owned())),
            FetchItem::BodyStructure(b) => FetchItem::BodyStructure(Box::new(b.into_owned())),
            FetchItem::BodySection {
                section,
                origin,
                data,
            } => FetchItem::BodySection {
                section: section.into_owned(),
                origin,
                data: data.into_owned(),
            },
            FetchItem::Binary { section, data } => FetchItem::Binary {
                section,
                data: data.into_owned(),
            },
            FetchItem::BinarySize { section, size } => FetchItem::BinarySize { section, size },
            FetchItem::Uid(n) => FetchItem::Uid(n),
            FetchItem::ModSeq(n) => FetchItem::ModSeq(n),
            FetchItem::Rfc822(d) => FetchItem::Rfc822(d.into_owned()),
            FetchItem::Rfc822Header(d) => FetchItem::Rfc822Header(d.into_owned()),
            FetchItem::Rfc822Text(d) => FetchItem::Rfc822Text(d.into_owned()),
            FetchItem::Unknown { raw } => FetchItem::Unknown {
                raw: raw.into_owned(),
            },
        }
    }
}
